"""Timeouts and process-group cleanup: stubborn tasks, grandchildren, stopped tasks."""

import os
import time
import unittest

from harness import PipelineTestCase, group_members, pid_alive, sql_time_to_epoch


class Timeouts(PipelineTestCase):

    def test_timeout_kills_task_and_grandchild_that_ignore_sigterm(self):
        p = self.p
        # Both the task and its grandchild ignore SIGTERM (SIG_IGN is inherited
        # through fork and exec), so only the SIGKILL after the grace ends them.
        stubborn = p.script("stubborn.sh", (
            "trap '' TERM\n"
            "sh -c 'echo $$ > gc.pid; exec sleep 60' &\n"
            "echo $$ > main.pid\n"
            "echo still going\n"
            "exec sleep 60\n"
        ))
        ok = p.script("ok.sh", "stamp start\n")
        p.write_config([
            {"name": "Stubborn", "script": stubborn, "max_runtime_seconds": 1},
            {"name": "Dependent", "script": ok, "dependencies": ["Stubborn"]},
        ], kill_grace_seconds=1)
        r = p.daily(timeout=60)
        self.assertRc(r, 1)
        # 1 s runtime + 1 s grace; a generous bound that still proves no 60 s wait
        self.assertLess(r.elapsed, 20, r)
        row = self.assertStatus("Stubborn", "TIMEOUT")
        # the message may carry the last output line after the reason
        self.assertTrue(row["last_error_message"].startswith("timed out after 1.0s"), row)
        self.assertEqual(row["total_failures"], 1)
        self.assertEqual(row["consecutive_failures"], 1)
        (tr,) = p.task_runs("Stubborn")
        self.assertEqual(tr["status"], "TIMEOUT")
        self.assertEqual(tr["signal"], 9, tr)  # it ignored TERM, so KILL ended it
        dep = self.assertStatus("Dependent", "SKIPPED")
        self.assertIn("dependency 'Stubborn'", dep["last_error_message"])
        main_pid = p.read_pid("main.pid")
        gc_pid = p.read_pid("gc.pid")
        time.sleep(0.3)
        self.assertFalse(pid_alive(main_pid), f"task {main_pid} survived its timeout")
        self.assertFalse(pid_alive(gc_pid), f"grandchild {gc_pid} survived the timeout")
        self.assertEqual(group_members(main_pid), [], "the task's process group survived")
        # the orchestrator reaps what it killed: no zombies of the task remain
        with self.assertRaises(ProcessLookupError):
            os.kill(main_pid, 0)

    def test_timeout_with_retry_records_each_attempt(self):
        p = self.p
        slow = p.script("slow.sh", 'echo "$ORCHESTRATOR_ATTEMPT" >> attempts.txt\nexec sleep 30\n')
        p.write_config([{"name": "Slow", "script": slow, "max_runtime_seconds": 1,
                         "retry_policy": {"max_attempts": 2, "backoff_seconds": [0]}}])
        r = p.daily()
        self.assertRc(r, 1)
        self.assertLess(r.elapsed, 20, r)
        self.assertEqual(p.read("attempts.txt").split(), ["1", "2"])
        rows = p.task_runs("Slow")
        self.assertEqual([(t["attempt"], t["status"]) for t in rows], [(1, "TIMEOUT"), (2, "TIMEOUT")])
        row = self.assertStatus("Slow", "TIMEOUT")
        self.assertEqual((row["total_runs"], row["total_failures"]), (1, 1))

    def test_grandchild_left_in_group_is_ended_when_main_exits(self):
        p = self.p
        leaver = p.script("leaver.sh", (
            "sh -c 'echo $$ > gc.pid; exec sleep 60' &\n"
            "while [ ! -s gc.pid ]; do sleep 0.05; done\n"
            "echo RECORDS_PROCESSED=3\n"
            "exit 0\n"
        ))
        p.write_config([{"name": "Leaver", "script": leaver, "max_runtime_seconds": 30}])
        r = p.daily()
        self.assertRc(r, 0)
        self.assertLess(r.elapsed, 15, r)
        self.assertStatus("Leaver", "SUCCESS")
        gc_pid = p.read_pid("gc.pid")
        self.assertDead(gc_pid, "grandchild left in the task's group")

    def test_escaped_grandchild_holding_stdout_does_not_hang_the_run(self):
        p = self.p
        # setsid leaves the task's process group, so nothing kills it; it keeps
        # the task's stdout and stderr open for a minute.
        escaper = p.script("escaper.sh", (
            "setsid sh -c 'echo $$ > gc.pid; exec sleep 60' &\n"
            "while [ ! -s gc.pid ]; do sleep 0.05; done\n"
            "echo main done\n"
            "exit 0\n"
        ))
        ok = p.script("ok.sh", "stamp start\n")
        p.write_config([
            {"name": "Escaper", "script": escaper, "max_runtime_seconds": 30},
            {"name": "After", "script": ok, "dependencies": ["Escaper"]},
        ])
        try:
            r = p.daily(timeout=60)
        finally:
            if os.path.exists(p.path("gc.pid")):
                self.p.extra_pids.append(p.read_pid("gc.pid"))
        self.assertRc(r, 0)
        self.assertLess(r.elapsed, 10, r)
        (tr,) = p.task_runs("Escaper")
        self.assertEqual(tr["status"], "SUCCESS")
        self.assertLess(tr["duration_seconds"], 10, tr)
        self.assertStatus("Escaper", "SUCCESS")
        self.assertStatus("After", "SUCCESS")

    def test_self_stopped_task_times_out_at_its_deadline(self):
        p = self.p
        stopper = p.script("stopper.sh", "echo $$ > main.pid\nkill -STOP $$\necho resumed\nexit 0\n")
        p.write_config([{"name": "Stopper", "script": stopper, "max_runtime_seconds": 1}],
                       kill_grace_seconds=1)
        r = p.daily(timeout=60)
        self.assertRc(r, 1)
        self.assertLess(r.elapsed, 15, r)
        row = self.assertStatus("Stopper", "TIMEOUT")
        self.assertTrue(row["last_error_message"].startswith("timed out after 1.0s"), row)
        (tr,) = p.task_runs("Stopper")
        self.assertEqual(tr["status"], "TIMEOUT")
        duration = sql_time_to_epoch(tr["ended_at"]) - sql_time_to_epoch(tr["started_at"])
        # deadline 1 s, + at most the 1 s grace; never stuck until something else
        self.assertGreaterEqual(duration, 0.9, tr)
        self.assertLess(duration, 6, tr)
        pid = p.read_pid("main.pid")
        self.assertDead(pid, "stopped task")


if __name__ == "__main__":
    unittest.main()
