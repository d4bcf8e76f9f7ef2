"""Database faults (RELIABILITY.md, "Database faults").

Covered elsewhere and not repeated here:
  test_database.py - garbage bytes as the database (exit 74, file unchanged), a database
                     folder that cannot be created, a database path that is a directory
This file: another process holding the write lock (shorter and longer than the 10 s busy
timeout), a long-lived reader and the size of the -wal file, read-only and missing
folders (a read-only tmpfs), a full disk (RLIMIT_FSIZE, and a 200 KB tmpfs), and a
database whose header is fine but whose pages are damaged or missing.
"""

import os
import resource
import shutil
import sqlite3
import subprocess
import threading
import time
import unittest

from harness import PipelineTestCase, Result

WAL_LIMIT = 4 * 1024 * 1024   # src/store/schema.h kWalSizeLimitBytes


def try_mount(target, options):
    """Mounts a tmpfs on target; False when this machine does not let us."""
    os.makedirs(target, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", target],
                       capture_output=True)
    return r.returncode == 0


def umount(target):
    subprocess.run(["umount", "-l", target], capture_output=True)


class DbCase(PipelineTestCase):

    def setUp(self):
        super().setUp()
        self._mounts = []

    def tearDown(self):
        for m in reversed(self._mounts):
            umount(m)
        super().tearDown()

    def mount(self, target, options):
        if not try_mount(target, options):
            self.skipTest("cannot mount a tmpfs here (not root, or no CAP_SYS_ADMIN)")
        self._mounts.append(target)

    def tasks(self, n, tiers=1, body=""):
        job = self.p.script("job.sh", "stamp start\n" + body)
        return [{"name": f"Task {i:02d}", "script": job, "tier": i * tiers // n} for i in range(n)]

    def ran(self):
        return set(self.p.stamps())

    def recorded(self):
        """Tasks with a start recorded in the latest run."""
        return {t["task_name"] for t in self.p.query(
            "SELECT task_name FROM task_runs WHERE run_id = (SELECT max(id) FROM runs)")}

    def integrity(self):
        conn = sqlite3.connect(f"file:{self.p.db_path}?mode=ro", uri=True)
        try:
            return conn.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            conn.close()


class WriteLockHeld(DbCase):

    def _hold_write_lock(self, seconds, ready=None):
        conn = sqlite3.connect(self.p.db_path, timeout=10, isolation_level=None,
                               check_same_thread=False)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE runs SET status = status WHERE 0")

        def release():
            if ready is not None:
                ready.wait(30)
            time.sleep(seconds)
            conn.execute("COMMIT")
            conn.close()
        thread = threading.Thread(target=release)
        thread.start()
        return thread

    def test_lock_held_3s_at_start_the_run_waits_and_loses_nothing(self):
        p = self.p
        p.write_config(self.tasks(6, tiers=2))
        self.assertRc(p.daily(), 0)                  # creates the database
        thread = self._hold_write_lock(3.0)
        try:
            r = p.daily("--force")
        finally:
            thread.join()
        self.assertRc(r, 0)
        self.assertGreaterEqual(r.elapsed, 2.5, "did not wait for the lock")
        self.assertLess(r.elapsed, 15, r)
        for t in p.statuses().values():
            self.assertEqual((t["status"], t["total_runs"], t["total_successes"]),
                             ("SUCCESS", 2, 2), t)
        self.assertEqual(len(p.task_runs()), 12)
        self.assertEqual([x["status"] for x in p.runs()], ["SUCCESS", "SUCCESS"])

    def test_lock_taken_mid_run_for_3s_loses_nothing(self):
        p = self.p
        first = p.script("first.sh", "stamp start\ntouch go\nsleep 0.5\n")
        tasks = [{"name": "First", "script": first, "tier": 0}] + [
            dict(t, tier=t["tier"] + 1) for t in self.tasks(6, tiers=2)]
        p.write_config(tasks)
        self.assertRc(p.daily(), 0)
        os.remove(p.path("go"))
        proc = self.popen("--daily", "--no-wait", "--force")
        deadline = time.monotonic() + 15
        while not os.path.exists(p.path("go")) and time.monotonic() < deadline:
            time.sleep(0.01)
        thread = self._hold_write_lock(3.0)
        try:
            res = self.finish(proc, timeout=60)
        finally:
            thread.join()
        self.assertRc(res, 0)
        for t in p.statuses().values():
            self.assertEqual((t["status"], t["total_runs"], t["total_successes"]),
                             ("SUCCESS", 2, 2), t)
        runs = p.task_runs()
        self.assertEqual(len(runs), 14)
        self.assertTrue(all(t["ended_at"] and t["status"] == "SUCCESS" for t in runs), runs)

    def test_lock_held_past_the_busy_timeout_exits_74_and_runs_nothing(self):
        p = self.p
        p.write_config(self.tasks(3))
        self.assertRc(p.daily(), 0)
        os.remove(p.trace_path)
        thread = self._hold_write_lock(13.0)
        try:
            r = p.daily("--force", timeout=60)
        finally:
            thread.join()
        self.assertRc(r, 74)
        self.assertGreaterEqual(r.elapsed, 9, "gave up before the 10 s busy timeout")
        self.assertIn("database is locked", r.stderr)
        self.assertEqual(self.ran(), set(), "a task ran whose start could not be recorded")
        self.assertEqual(len(p.runs()), 1)


class LongLivedReader(DbCase):

    def test_wal_is_bounded_once_a_long_reader_lets_go(self):
        # A dashboard holding a read transaction open pins the WAL: every run appends to it
        # and no checkpoint can reset it. That growth is SQLite's and cannot be avoided; what
        # is promised is that once the reader lets go (its connection may stay open, as a
        # dashboard's does) the file comes back to a bound instead of staying at its peak.
        p = self.p
        p.write_config(self.tasks(20))
        wal = p.db_path + "-wal"
        self.assertRc(p.daily(), 0)
        reader = sqlite3.connect(p.db_path, isolation_level=None)
        try:
            reader.execute("BEGIN")
            reader.execute("SELECT count(*) FROM task_runs").fetchone()
            for _ in range(16):
                self.assertRc(p.daily("--force"), 0)
            pinned = os.path.getsize(wal)
            self.assertGreater(pinned, WAL_LIMIT, "the scenario did not grow the WAL")
            # the reader's snapshot still reads what it saw
            self.assertEqual(reader.execute("SELECT count(*) FROM task_runs").fetchone()[0], 20)
            reader.execute("COMMIT")                  # lets go, stays connected
            sizes = []
            for _ in range(3):
                self.assertRc(p.daily("--force"), 0)
                sizes.append(os.path.getsize(wal))
            self.assertLessEqual(sizes[-1], WAL_LIMIT + 64 * 1024,
                                 f"WAL stayed at {sizes} after peaking at {pinned}")
            self.assertEqual(reader.execute("SELECT count(*) FROM task_runs").fetchone()[0], 400)
        finally:
            reader.close()
        self.assertEqual(self.integrity(), "ok")


class UnwritableFolder(DbCase):

    def test_database_on_a_read_only_file_system_exits_74_and_runs_nothing(self):
        p = self.p
        p.write_config(self.tasks(2), database="ro/pipeline.db")
        self.mount(p.path("ro"), "ro,size=64k")
        r = p.daily()
        self.assertRc(r, 74)
        self.assertIn(p.path("ro"), r.stderr)
        self.assertEqual(self.ran(), set())

    def test_missing_database_folder_that_cannot_be_created_exits_74(self):
        p = self.p
        p.write_config(self.tasks(2), database="ro/missing/deeper/pipeline.db")
        self.mount(p.path("ro"), "ro,size=64k")
        r = p.daily()
        self.assertRc(r, 74)
        self.assertIn("missing", r.stderr)
        self.assertEqual(self.ran(), set())
        self.assertFalse(os.path.exists(p.path("ro", "missing")))

    def test_existing_database_made_read_only_exits_74_and_is_unchanged(self):
        p = self.p
        p.write_config(self.tasks(2), database="ro/pipeline.db")
        p.db_path = p.path("ro", "pipeline.db")
        self.mount(p.path("ro"), "size=4m")
        self.assertRc(p.daily(), 0)
        os.remove(p.trace_path)
        with open(p.db_path, "rb") as f:
            before = f.read()
        subprocess.run(["mount", "-o", "remount,ro", p.path("ro")], check=True)
        r = p.daily("--force")
        self.assertRc(r, 74)
        self.assertIn("pipeline.db", r.stderr)
        self.assertEqual(self.ran(), set())
        with open(p.db_path, "rb") as f:
            self.assertEqual(f.read(), before)


class FullDisk(DbCase):

    def _check_stopped_cleanly(self, r, hint):
        p = self.p
        self.assertNotEqual(r.returncode, -25, "killed by SIGXFSZ")
        self.assertRc(r, 74)
        self.assertIn(p.db_path, r.stderr)
        self.assertIn(hint, r.stderr)
        ran, recorded = self.ran(), self.recorded()
        # the case tested: the disk filled up in the middle of the run
        self.assertGreater(len(recorded), 0, "the limit left no room to start anything")
        self.assertLess(len(recorded), 40, "the limit was never reached")
        # no task ran whose start was not recorded first
        self.assertEqual(ran - recorded, set())
        self.assertEqual(self.integrity(), "ok")

    def _recovers(self):
        p = self.p
        r = p.daily("--force")
        self.assertRc(r, 0)
        self.assertEqual({s["status"] for s in p.statuses().values()}, {"SUCCESS"})
        self.assertEqual(p.query("SELECT * FROM task_runs WHERE status = 'RUNNING'"), [])
        self.assertEqual(self.integrity(), "ok")

    def _prepare(self):
        """The database made by a first small run, so the limit bites in the middle of the
        real run rather than while the schema is created."""
        p = self.p
        p.write_config(self.tasks(40, tiers=8))
        self.assertRc(p.run("--daily", "--no-wait", "--task", "Task 00"), 0)
        os.remove(p.trace_path)

    def test_file_size_limit_mid_run_exits_74_without_unrecorded_tasks(self):
        # RLIMIT_FSIZE makes writes past the limit fail with EFBIG -- after a SIGXFSZ, whose
        # default action kills the process. The orchestrator ignores it and reports the
        # failed write; its tasks get the default disposition back.
        p = self.p
        self._prepare()
        # room for a few commits to the -wal file, not for 40 tasks' worth (each state
        # change appends several 4 KiB pages)
        limit = os.path.getsize(p.db_path) + 96 * 1024

        def limit_file_size():
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        proc = subprocess.run(p.argv("--daily", "--no-wait", "--force"), cwd=p.root, env=p.env(),
                              stdin=subprocess.DEVNULL, capture_output=True, timeout=60,
                              preexec_fn=limit_file_size)
        r = Result(proc.returncode, proc.stdout.decode(errors="replace"),
                   proc.stderr.decode(errors="replace"), 0.0)
        self._check_stopped_cleanly(r, "file-size limit")
        self._recovers()

    def test_tasks_keep_the_default_sigxfsz(self):
        # The orchestrator ignores SIGXFSZ; a task must not inherit that.
        p = self.p
        job = p.script("job.sh", "grep -E '^SigIgn' /proc/$$/status > sigign.txt\n")
        p.write_config([{"name": "Job", "script": job}])
        self.assertRc(p.daily(), 0)
        mask = int(p.read("sigign.txt").split()[1], 16)
        self.assertEqual(mask & (1 << (25 - 1)), 0, "SIGXFSZ (25) ignored in the task")

    def test_full_tmpfs_mid_run_exits_74_without_unrecorded_tasks(self):
        p = self.p
        folder = os.path.dirname(p.db_path)
        self.mount(folder, "size=16m")
        self._prepare()
        # the database, its -shm (32 KiB) and room for a few commits to the -wal file
        used_kb = os.path.getsize(p.db_path) // 1024 + 4
        subprocess.run(["mount", "-o", f"remount,size={used_kb + 32 + 160}k", folder], check=True)
        r = p.daily("--force")
        self._check_stopped_cleanly(r, "disk is full")
        subprocess.run(["mount", "-o", "remount,size=16m", folder], check=True)
        self._recovers()


class DamagedDatabase(DbCase):

    def _real_database(self):
        p = self.p
        p.write_config(self.tasks(30))
        self.assertRc(p.daily(), 0)
        os.remove(p.trace_path)
        for suffix in ("-wal", "-shm"):
            self.assertFalse(os.path.exists(p.db_path + suffix), "not checkpointed at exit")
        with open(p.db_path, "rb") as f:
            return f.read()

    def _refused_unchanged(self, data):
        p = self.p
        with open(p.db_path, "wb") as f:
            f.write(data)
        r = p.daily("--force")
        self.assertRc(r, 74)
        self.assertIn(p.db_path, r.stderr)
        self.assertEqual(self.ran(), set(), "a task ran without a usable database")
        with open(p.db_path, "rb") as f:
            self.assertEqual(f.read(), data, "the damaged database was modified")
        return r

    def test_valid_header_damaged_pages(self):
        data = bytearray(self._real_database())
        page = int.from_bytes(data[16:18], "big")
        page = 65536 if page == 1 else page
        self.assertGreater(len(data), 3 * page)
        for off in range(page, len(data), 97):     # every page but the first
            data[off] = (data[off] * 31 + 7) & 0xFF
        r = self._refused_unchanged(bytes(data))
        self.assertIn("damaged", r.stderr)

    def test_truncated_database(self):
        data = self._real_database()
        page = int.from_bytes(data[16:18], "big")
        self._refused_unchanged(data[:page * 2])


if __name__ == "__main__":
    unittest.main()
