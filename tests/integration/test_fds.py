"""File descriptors: started with 0-2 closed, and none of ours leaking into tasks."""

import os
import sqlite3
import subprocess
import unittest

from harness import PipelineTestCase


def _close_std_fds():
    for fd in (0, 1, 2):
        try:
            os.close(fd)
        except OSError:
            pass


class ClosedStdFds(PipelineTestCase):

    def test_runs_with_fds_0_to_2_closed(self):
        p = self.p
        job = p.script("job.sh", (
            "stamp start\n"
            "echo to-stdout\n"
            "echo to-stderr >&2\n"
            "echo RECORDS_PROCESSED=11\n"
        ))
        p.write_config([
            {"name": "Job", "script": job},
            {"name": "After", "script": job, "dependencies": ["Job"]},
        ])
        proc = subprocess.run(p.argv("--daily", "--no-wait"), cwd=p.root, env=p.env(),
                              stdin=None, stdout=None, stderr=None,
                              preexec_fn=_close_std_fds, timeout=60)
        self.assertEqual(proc.returncode, 0)
        self.assertEqual(set(p.stamps()), {"Job", "After"})
        row = self.assertStatus("Job", "SUCCESS")
        self.assertEqual(row["last_records_processed"], 11)
        self.assertStatus("After", "SUCCESS")
        (tr,) = p.task_runs("Job")
        with open(tr["log_path"]) as f:
            log = f.read()
        self.assertIn("to-stdout", log)
        self.assertIn("to-stderr", log)
        conn = sqlite3.connect(p.db_path)
        try:
            self.assertEqual(conn.execute("PRAGMA integrity_check").fetchone()[0], "ok")
        finally:
            conn.close()
        # the database file is still a database (nothing was written over it
        # through a descriptor that happened to be 1 or 2)
        with open(p.db_path, "rb") as f:
            self.assertEqual(f.read(16), b"SQLite format 3\x00")

    def test_runs_with_fds_closed_by_the_shell(self):
        p = self.p
        job = p.script("job.sh", "stamp start\necho hello\n")
        p.write_config([{"name": "Job", "script": job}])
        cmd = " ".join(f"'{a}'" for a in p.argv("--daily", "--no-wait"))
        proc = subprocess.run(["sh", "-c", f"exec {cmd} <&- >&- 2>&-"], cwd=p.root,
                              env=p.env(), timeout=60)
        self.assertEqual(proc.returncode, 0)
        self.assertStatus("Job", "SUCCESS")
        (tr,) = p.task_runs("Job")
        with open(tr["log_path"]) as f:
            self.assertIn("hello", f.read())

    def test_failure_exit_code_with_fds_closed(self):
        p = self.p
        bad = p.script("bad.sh", "echo nope\nexit 3\n")
        p.write_config([{"name": "Bad", "script": bad}])
        proc = subprocess.run(p.argv("--daily", "--no-wait"), cwd=p.root, env=p.env(),
                              preexec_fn=_close_std_fds, timeout=60)
        self.assertEqual(proc.returncode, 1)
        self.assertEqual(self.assertStatus("Bad", "FAILED")["last_error_message"], "exit code 3: nope")


class ConsoleGoesAway(PipelineTestCase):

    def test_console_reader_closing_does_not_abort_the_run(self):
        # `orchestrator --daily 2>&1 | head -1`, or a log collector that dies:
        # writing progress to a pipe nobody reads must not kill the pipeline
        # (SIGPIPE) half-way, leaving its tasks killed and rows RUNNING.
        p = self.p
        job = p.script("job.sh", "stamp start\nsleep 0.5\nstamp end\n")
        p.write_config([
            {"name": "First", "script": job, "tier": 0},
            {"name": "Second", "script": job, "tier": 1},
        ])
        proc = subprocess.Popen(p.argv("--daily", "--no-wait"), cwd=p.root, env=p.env(),
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        try:
            proc.stderr.readline()
            proc.stderr.close()       # the reader goes away
            rc = proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        self.assertEqual(rc, 0, "the orchestrator died when its console went away")
        self.assertStatus("First", "SUCCESS")
        self.assertStatus("Second", "SUCCESS")
        self.assertEqual(set(p.stamps()), {"First", "Second"})


class NoDescriptorLeaks(PipelineTestCase):

    def test_task_sees_only_its_own_descriptors(self):
        p = self.p
        # `ls` lists its own descriptors: 0, 1, 2 and the directory it reads.
        lister = p.script("lister.sh", (
            "ls -l /proc/self/fd/ > fds.txt\n"
            "for n in 0 1 2; do l=$(readlink /proc/$$/fd/$n); echo \"$l\" > std$n.txt; done\n"
            "for n in 1 2; do i=$(stat -L -c %i /proc/$$/fd/$n); echo \"$i\" > ino$n.txt; done\n"
            "cat fds.txt\n"
        ))
        p.write_config([
            {"name": "Other", "script": p.script("sleep.sh", "sleep 0.5\n"), "tier": 0},
            {"name": "Lister", "script": lister, "tier": 0},
        ])
        # a descriptor of the test itself, inherited by the orchestrator, would
        # be closed before exec too; pass one explicitly to prove it
        r_fd, w_fd = os.pipe()
        try:
            proc = subprocess.run(p.argv("--daily", "--no-wait"), cwd=p.root, env=p.env(),
                                  stdin=subprocess.DEVNULL, capture_output=True,
                                  pass_fds=(w_fd,), timeout=60)
        finally:
            os.close(r_fd)
            os.close(w_fd)
        self.assertEqual(proc.returncode, 0, proc)
        fds = {}
        for line in p.read("fds.txt").splitlines():
            if "->" not in line:
                continue
            left, _, target = line.partition(" -> ")
            fds[int(left.split()[-1])] = target.strip()
        extra = {fd: t for fd, t in fds.items()
                 if fd > 2 and not (t.startswith("/proc/") and t.rstrip("/").endswith("/fd"))}
        self.assertEqual(extra, {}, f"descriptors leaked into the task: {fds}")
        self.assertEqual(set(fds) & {0, 1, 2}, {0, 1, 2}, fds)
        for fd, target in fds.items():
            self.assertNotIn("pipeline.db", target, fds)
            self.assertNotIn(".lock", target, fds)
        # stdin is /dev/null, stdout and stderr are the attempt's log file (before the task
        # has written anything it has no name yet, so it is compared by inode)
        self.assertEqual(p.read("std0.txt").strip(), "/dev/null")
        (tr,) = p.task_runs("Lister")
        log_inode = os.stat(tr["log_path"]).st_ino
        self.assertEqual(int(p.read("ino1.txt")), log_inode)
        self.assertEqual(int(p.read("ino2.txt")), log_inode)


if __name__ == "__main__":
    unittest.main()
