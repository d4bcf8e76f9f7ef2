"""Process faults a task can throw at the orchestrator (RELIABILITY.md, "Process faults").

Covered elsewhere and not repeated here (see RELIABILITY.md for the full map):
  test_timeouts.py  - a task and grandchild ignoring SIGTERM (KILL after the grace), a
                      self-stopped task timing out, a grandchild left in the task's group,
                      a setsid grandchild holding the log open (no hang)
  test_failures.py  - missing, non-executable and bad-interpreter scripts (FAILED, not retried)
This file adds: TERM-ignoring task with retries, a group stopped with SIGSTOP by someone
else at its deadline, 200 children, 100 MB of output with the orchestrator's peak RSS,
a task closing its stdout early, and more unrunnable scripts.
"""

import os
import signal
import time
import unittest

from harness import (PipelineTestCase, group_members, pid_alive, processes, sanitized_binary,
                     sql_time_to_epoch, wait_dead, wait_for_file)


def zombie_children(ppid):
    """PIDs of zombie processes whose parent is ppid."""
    return [pid for pid, fields in processes() if fields[0] == "Z" and int(fields[1]) == ppid]


def attempt_seconds(row):
    return sql_time_to_epoch(row["ended_at"]) - sql_time_to_epoch(row["started_at"])


class StubbornTasks(PipelineTestCase):

    def test_task_ignoring_sigterm_is_killed_after_the_grace_and_retried(self):
        p = self.p
        stubborn = p.script("stubborn.sh", (
            "trap '' TERM\n"
            'echo $$ >> pids.txt\n'
            'stamp "attempt$ORCHESTRATOR_ATTEMPT"\n'
            "exec sleep 60\n"
        ))
        p.write_config([{"name": "Stubborn", "script": stubborn, "max_runtime_seconds": 1,
                         "retry_policy": {"max_attempts": 2, "backoff_seconds": [0]}}],
                       kill_grace_seconds=1)
        r = p.daily(timeout=60)
        self.assertRc(r, 1)
        self.assertLess(r.elapsed, 20, r)
        self.assertEqual([s[1] for s in p.trace()], ["attempt1", "attempt2"], "not retried")
        rows = p.task_runs("Stubborn")
        self.assertEqual([(t["attempt"], t["status"], t["signal"]) for t in rows],
                         [(1, "TIMEOUT", 9), (2, "TIMEOUT", 9)], rows)
        for t in rows:
            # 1 s to the deadline, then 1 s of grace before the KILL: not earlier, not much later
            self.assertGreaterEqual(attempt_seconds(t), 1.9, t)
            self.assertLess(attempt_seconds(t), 6, t)
            self.assertTrue(t["error_message"].startswith("timed out after 1.0s"), t)
        row = self.assertStatus("Stubborn", "TIMEOUT")
        self.assertEqual((row["total_runs"], row["total_failures"], row["consecutive_failures"]),
                         (1, 1, 1), row)
        for pid in map(int, p.read("pids.txt").split()):
            self.assertFalse(pid_alive(pid), f"attempt {pid} survived")

    def test_group_stopped_with_sigstop_at_its_deadline_is_continued_and_terminated(self):
        # Someone (a debugger, a job-control shell, the OOM-avoidance daemon) stops the whole
        # group just before the deadline. SIGTERM alone would stay pending for ever; the
        # orchestrator also sends SIGCONT, so the task runs its TERM handler and ends
        # gracefully, well before the SIGKILL that would follow the (long) grace.
        p = self.p
        job = p.script("job.sh", (
            "trap 'echo got-term >> term.txt; exit 0' TERM\n"
            "sh -c 'echo $$ > gc.pid; exec sleep 60' &\n"
            "echo $$ > main.pid\n"
            "sleep 60 &\n"
            "wait\n"
        ))
        p.write_config([{"name": "Frozen", "script": job, "max_runtime_seconds": 2}],
                       kill_grace_seconds=8)
        proc = self.popen("--daily", "--no-wait")
        pid = p.read_pid("main.pid", timeout=15)
        gc = p.read_pid("gc.pid", timeout=15)
        os.killpg(pid, signal.SIGSTOP)      # before the 2 s deadline (at once: a loaded machine
                                            # may be late for "just before")
        res = self.finish(proc, timeout=30)
        self.assertRc(res, 1)
        (tr,) = p.task_runs("Frozen")
        self.assertEqual(tr["status"], "TIMEOUT", tr)
        self.assertGreaterEqual(attempt_seconds(tr), 1.9, tr)
        self.assertLess(attempt_seconds(tr), 6, f"waited for the KILL after the grace: {tr}")
        self.assertEqual(p.read("term.txt").strip(), "got-term", "TERM never reached the handler")
        self.assertDead(pid, "stopped task")
        self.assertDead(gc, "stopped grandchild")
        self.assertEqual(group_members(pid), [])


class ManyChildren(PipelineTestCase):

    def test_task_forking_200_children_leaves_none_behind(self):
        p = self.p
        # 100 direct children and 100 orphans (their parent subshell exits at once, so they
        # are re-parented to the orchestrator, a child subreaper); all in the task's group.
        forker = p.script("forker.sh", (
            "i=0\n"
            "while [ $i -lt 100 ]; do\n"
            "  sleep 60 &\n"
            "  echo $! >> kids.txt\n"
            "  (sleep 60 & echo $! >> kids.txt)\n"
            "  i=$((i + 1))\n"
            "done\n"
            "echo RECORDS_PROCESSED=200\n"
            "exit 0\n"
        ))
        probe = p.script("probe.sh", "touch probe.started\nsleep 3\n")
        p.write_config([
            {"name": "Forker", "script": forker, "tier": 0, "max_runtime_seconds": 60},
            {"name": "Probe", "script": probe, "tier": 1},
        ])
        proc = self.popen("--daily", "--no-wait")
        self.assertTrue(wait_for_file(p.path("probe.started"), 30, nonempty=False),
                        "the next tier never started")
        kids = [int(x) for x in p.read("kids.txt").split()]
        self.assertEqual(len(kids), 200)
        # while the orchestrator still runs: every child is dead and reaped (no zombie of ours)
        deadline = time.monotonic() + 2.5
        while time.monotonic() < deadline:
            alive = [k for k in kids if pid_alive(k)]
            zombies = zombie_children(proc.pid)
            if not alive and not zombies:
                break
            time.sleep(0.05)
        self.assertEqual(alive, [], "children of the task survived it")
        self.assertEqual(zombies, [], "the orchestrator left zombies unreaped")
        res = self.finish(proc, timeout=30)
        self.assertRc(res, 0)
        row = self.assertStatus("Forker", "SUCCESS")
        self.assertEqual(row["last_records_processed"], 200)
        for k in kids:
            self.assertFalse(pid_alive(k), f"child {k} survived")


class HugeOutput(PipelineTestCase):

    def test_100_mb_of_output_succeeds_quickly_with_a_small_orchestrator(self):
        p = self.p
        # 60 MB of lines, then one 40 MB line without a newline, then the report line; with
        # small.txt present, one line only (the baseline run the growth is measured against).
        big = p.script("big.sh", (
            "echo RECORDS_PROCESSED=1\n"
            "[ -e small.txt ] && exit 0\n"
            "yes 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ012 | head -c 60000000\n"
            "head -c 40000000 /dev/zero | tr '\\0' 'x'\n"
            "echo\n"
            "echo RECORDS_PROCESSED=100000000\n"
        ))
        # a task of the next tier reads its parent's (the orchestrator's) peak RSS
        hwm = p.script("hwm.sh", "grep -E '^(VmHWM|VmRSS):' /proc/$PPID/status > hwm.txt\n")
        p.write_config([
            {"name": "Big Output", "script": big, "tier": 0, "max_runtime_seconds": 120},
            {"name": "Measure", "script": hwm, "tier": 1},
        ])
        # ASan keeps freed memory in a quarantine (256 MB by default) that would show as RSS
        asan = os.environ.get("ASAN_OPTIONS", "")
        env = {"ASAN_OPTIONS": (asan + ":" if asan else "") + "quarantine_size_mb=8"}

        def peak_kb():
            fields = dict(line.split(":", 1) for line in p.read("hwm.txt").splitlines())
            return int(fields["VmHWM"].split()[0])
        try:
            open(p.path("small.txt"), "w").close()
            self.assertRc(p.daily(timeout=150, env=env), 0)
            baseline_kb = peak_kb()
            os.remove(p.path("small.txt"))
            r = p.daily("--force", timeout=150, env=env)
            self.assertRc(r, 0)
            self.assertLess(r.elapsed, 60, r)
            row = self.assertStatus("Big Output", "SUCCESS")
            self.assertEqual(row["last_records_processed"], 100000000)
            tr = p.task_runs("Big Output")[-1]
            self.assertGreaterEqual(os.path.getsize(tr["log_path"]), 100_000_000)
            # The output is streamed, not held: the peak grows by far less than the 100 MB
            # (a sanitized binary's baseline is ~130 MB of shadow memory and allocator
            # caches, so the growth, not the absolute peak, is what holds under ASan too).
            growth_kb = peak_kb() - baseline_kb
            self.assertLess(growth_kb, 40 * 1024,
                            f"orchestrator peak RSS grew {growth_kb} kB over {baseline_kb} kB "
                            "after 100 MB of task output")
            if not sanitized_binary():
                self.assertLess(peak_kb(), 50 * 1024, "orchestrator peak RSS after 100 MB")
        finally:
            for t in p.task_runs() if os.path.exists(p.db_path) else []:
                if t["log_path"] and os.path.exists(t["log_path"]):
                    os.remove(t["log_path"])


class ClosedOutput(PipelineTestCase):

    def test_task_closing_stdout_and_stderr_early(self):
        p = self.p
        closer = p.script("closer.sh", (
            "echo RECORDS_PROCESSED=5\n"
            "echo 'last words'\n"
            "exec >&- 2>&-\n"
            "sleep 0.5\n"
            "echo done > after.txt\n"
            "exit 0\n"
        ))
        after = p.script("after.sh", "stamp start\n")
        p.write_config([
            {"name": "Closer", "script": closer},
            {"name": "After", "script": after, "dependencies": ["Closer"]},
        ])
        r = p.daily()
        self.assertRc(r, 0)
        self.assertLess(r.elapsed, 15, r)
        row = self.assertStatus("Closer", "SUCCESS")
        self.assertEqual(row["last_records_processed"], 5)
        self.assertEqual(p.read("after.txt").strip(), "done", "the task did not run on")
        (tr,) = p.task_runs("Closer")
        self.assertGreaterEqual(tr["duration_seconds"], 0.4, tr)
        with open(tr["log_path"]) as f:
            self.assertIn("last words", f.read())
        self.assertStatus("After", "SUCCESS")

    def test_failing_task_that_closed_its_output_reports_its_exit_code(self):
        p = self.p
        closer = p.script("closer.sh", "echo 'what went wrong'\nexec >&- 2>&-\nexit 3\n")
        p.write_config([{"name": "Closer", "script": closer}])
        self.assertRc(p.daily(), 1)
        row = self.assertStatus("Closer", "FAILED")
        self.assertEqual(row["last_error_message"], "exit code 3: what went wrong")


class MoreUnrunnableScripts(PipelineTestCase):
    """Each: FAILED at once with a reason naming the fix, never retried, the rest runs."""

    def test_shebang_with_a_carriage_return(self):
        rel = self.p.script("crlf.sh", "#!/bin/sh\r\necho hi\r\n", prelude=False)
        self.assertFailsOnceWithoutRetry(rel, "carriage return")

    def test_executable_without_a_shebang_line(self):
        rel = self.p.script("noshebang.sh", "\x7fELF not really a program\n", prelude=False)
        self.assertFailsOnceWithoutRetry(rel, "cannot execute")

    def test_script_is_a_directory(self):
        os.makedirs(self.p.path("scripts", "adir"))
        self.assertFailsOnceWithoutRetry("scripts/adir", "is a directory")


if __name__ == "__main__":
    unittest.main()
