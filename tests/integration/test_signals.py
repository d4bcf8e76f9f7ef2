"""Single instance lock, SIGTERM/SIGINT, kill -9 of the orchestrator and recovery."""

import os
import signal
import time
import unittest

from harness import PipelineTestCase, group_members, pid_alive, poll_until, wait_dead, wait_for_file


class SingleInstance(PipelineTestCase):

    def test_second_instance_exits_75_naming_the_pid(self):
        p = self.p
        # holds the lock until the test has run the second instance (30 s at most)
        slow = p.script("slow.sh", "touch started\ni=0\n"
                        "while [ ! -e release ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done\n")
        p.write_config([{"name": "Slow", "script": slow}])
        first = self.popen("--daily", "--no-wait")
        self.assertTrue(wait_for_file(p.path("started"), 15, nonempty=False), "first run never started")
        second = p.run("--daily", "--no-wait", "--force")
        open(p.path("release"), "w").close()
        self.assertRc(second, 75)
        self.assertIn(str(first.pid), second.stderr)
        res = self.finish(first)
        self.assertRc(res, 0)
        # the refused instance ran nothing and left no run behind
        self.assertEqual(len(p.runs()), 1, p.runs())
        self.assertEqual(len(p.task_runs()), 1)
        # once the first is gone the lock is free again
        self.assertRc(p.run("--daily", "--no-wait"), 0)

    def test_dry_run_and_validate_are_not_blocked_by_a_running_instance(self):
        p = self.p
        slow = p.script("slow.sh", "touch started\nsleep 1.5\n")
        p.write_config([{"name": "Slow", "script": slow}])
        first = self.popen("--daily", "--no-wait")
        self.assertTrue(wait_for_file(p.path("started"), 15, nonempty=False))
        self.assertRc(p.run("--daily", "--dry-run"), 0)
        self.assertRc(p.run("--validate"), 0)
        self.assertRc(self.finish(first), 0)

    def test_instances_on_different_databases_run_side_by_side(self):
        p = self.p
        slow = p.script("slow.sh", 'echo "$ORCHESTRATOR_DB" >> dbs.txt\nsleep 1\n')
        p.write_config([{"name": "Slow", "script": slow}])
        first = self.popen("--db", p.path("one.db"), "--daily", "--no-wait")
        second = self.popen("--db", p.path("two.db"), "--daily", "--no-wait")
        self.assertRc(self.finish(first), 0)
        self.assertRc(self.finish(second), 0)
        self.assertEqual(len(p.read("dbs.txt").splitlines()), 2)

    def test_lock_holds_when_the_database_is_named_through_a_symlink(self):
        # Two names for one database file are one database: the second
        # instance must be refused, not run the same tasks concurrently.
        p = self.p
        slow = p.script("slow.sh", 'echo "$$" >> ran.txt\nsleep 2\n')
        p.write_config([{"name": "Slow", "script": slow}])
        os.makedirs(os.path.dirname(p.db_path))
        os.symlink(p.db_path, p.path("alias.db"))
        first = self.popen("--daily", "--no-wait")
        self.assertTrue(wait_for_file(p.path("ran.txt"), 15))
        second = p.run("--db", p.path("alias.db"), "--daily", "--no-wait", "--force")
        self.assertRc(self.finish(first), 0)
        self.assertEqual(second.returncode, 75,
                         f"a second instance ran on the same database via a symlink: {second!r}")
        self.assertIn(str(first.pid), second.stderr)
        self.assertEqual(len(p.read("ran.txt").splitlines()), 1)


class Signals(PipelineTestCase):

    def _stop_mid_run(self, sig, expected_rc):
        p = self.p
        # the running task and its grandchild; TERM is not ignored here
        running = p.script("running.sh", (
            "sh -c 'echo $$ > gc.pid; exec sleep 60' &\n"
            "echo $$ > main.pid\n"
            "exec sleep 60\n"
        ))
        later = p.script("later.sh", "stamp start\n")
        p.write_config([
            {"name": "Running", "script": running, "tier": 0},
            {"name": "Quick", "script": later, "tier": 0},
            {"name": "Later", "script": later, "tier": 1},
        ])
        proc = self.popen("--daily", "--no-wait")
        main_pid = p.read_pid("main.pid", timeout=15)
        gc_pid = p.read_pid("gc.pid", timeout=15)
        # Quick, beside Running in tier 0, is done first
        poll_until(lambda: (p.status("Quick") or {}).get("status") == "SUCCESS", 15)
        time.sleep(0.1)
        proc.send_signal(sig)
        res = self.finish(proc, timeout=30)
        self.assertRc(res, expected_rc)
        row = self.assertStatus("Running", "INTERRUPTED")
        self.assertEqual(row["total_failures"], 0, row)
        statuses = [t["status"] for t in p.task_runs("Running")]
        self.assertEqual(statuses, ["INTERRUPTED"])
        self.assertNotIn("RUNNING", [r["status"] for r in p.query(
            "SELECT status FROM data_pipeline_status UNION ALL SELECT status FROM task_runs "
            "UNION ALL SELECT status FROM runs")])
        self.assertStatus("Quick", "SUCCESS")
        self.assertNotIn("Later", p.stamps(), "a task of a later tier ran after the signal")
        self.assertEqual([t["status"] for t in p.task_runs("Later")
                          if t["status"] not in ("SKIPPED",)], [])
        self.assertNotIn(p.runs()[0]["status"], ("RUNNING", None), p.runs())
        time.sleep(0.2)
        self.assertFalse(pid_alive(main_pid), "the running task survived the stop")
        self.assertFalse(pid_alive(gc_pid), "the running task's grandchild survived the stop")
        self.assertEqual(group_members(main_pid), [], "the task's process group survived")

    def test_sigterm_mid_run(self):
        self._stop_mid_run(signal.SIGTERM, 143)

    def test_sigint_mid_run(self):
        self._stop_mid_run(signal.SIGINT, 130)

    def test_sigterm_to_orchestrator_then_task(self):
        # systemd stops a whole cgroup: right after the orchestrator, the task
        # gets SIGTERM directly too. Once the stop is requested, the task's end
        # is INTERRUPTED (not a failure), not retried, and nothing else starts.
        p = self.p
        job = p.script("job.sh", 'stamp "attempt$ORCHESTRATOR_ATTEMPT"\necho $$ > main.pid\nexec sleep 30\n')
        later = p.script("later.sh", "stamp start\n")
        p.write_config([
            {"name": "Job", "script": job, "tier": 0},
            {"name": "Later", "script": later, "tier": 1},
        ], retry_policy={"max_attempts": 3, "backoff_seconds": [0]})
        # The two signals race inside the orchestrator; repeat to catch a
        # mis-classification that only happens some of the time.
        for i in range(8):
            with self.subTest(iteration=i):
                for f in ("main.pid", "trace.txt"):
                    if os.path.exists(p.path(f)):
                        os.remove(p.path(f))
                p.db_path = p.path(f"iteration{i}.db")
                proc = self.popen("--db", p.db_path, "--daily", "--no-wait")
                pid = p.read_pid("main.pid", timeout=15)
                time.sleep(0.2)
                os.kill(proc.pid, signal.SIGTERM)
                try:
                    os.kill(pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
                res = self.finish(proc, timeout=30)
                self.assertRc(res, 143)
                self.assertEqual([s[1] for s in p.trace()], ["attempt1"], "retried or ran on")
                last = p.task_runs("Job")[-1]
                self.assertEqual(last["status"], "INTERRUPTED", last)
                row = self.assertStatus("Job", "INTERRUPTED")
                self.assertEqual(row["total_failures"], 0, row)

    def test_sigterm_with_a_task_that_ignores_it(self):
        p = self.p
        stubborn = p.script("stubborn.sh", "trap '' TERM\necho $$ > main.pid\nexec sleep 60\n")
        p.write_config([{"name": "Stubborn", "script": stubborn}], kill_grace_seconds=1)
        proc = self.popen("--daily", "--no-wait")
        pid = p.read_pid("main.pid", timeout=15)
        time.sleep(0.2)
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        res = self.finish(proc, timeout=30)
        self.assertRc(res, 143)
        self.assertLess(time.monotonic() - t0, 10)
        self.assertStatus("Stubborn", "INTERRUPTED")
        self.assertFalse(pid_alive(pid))

    def test_sigterm_during_retry_backoff(self):
        p = self.p
        flaky = p.script("flaky.sh", 'stamp "attempt$ORCHESTRATOR_ATTEMPT"\nexit 1\n')
        p.write_config([{"name": "Flaky", "script": flaky,
                         "retry_policy": {"max_attempts": 3, "backoff_seconds": [30]}}])
        proc = self.popen("--daily", "--no-wait")
        self.assertTrue(wait_for_file(p.trace_path, 15))
        time.sleep(0.5)
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        res = self.finish(proc, timeout=30)
        self.assertRc(res, 143)
        self.assertLess(time.monotonic() - t0, 10, "waited out the backoff")
        self.assertEqual([s[1] for s in p.trace()], ["attempt1"])
        self.assertNotEqual(p.status("Flaky")["status"], "RUNNING")
        self.assertEqual([t["status"] for t in p.task_runs("Flaky")], ["FAILED"])
        self.assertEqual(p.runs()[0]["status"], "INTERRUPTED")

    def test_sigterm_while_waiting_for_a_not_before_time(self):
        p = self.p
        job = p.script("job.sh", "stamp start\n")
        p.write_config([{"name": "Job", "script": job, "time": "09:30:00"}])
        proc = self.popen("--now", "2026-11-20T09:00:00-05:00", "--daily")
        # the run's row exists once the signal handlers are in place
        def run_recorded():
            try:
                return p.runs()
            except Exception:  # the database is not made yet
                return None
        poll_until(run_recorded, 15)
        time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        res = self.finish(proc, timeout=15)
        self.assertRc(res, 143)
        self.assertEqual(p.stamps(), {})


class KillNine(PipelineTestCase):

    def test_kill_9_then_next_run_recovers(self):
        p = self.p
        # First time round the task hangs; after the crash it completes.
        hang = p.script("hang.sh", (
            "if [ -e ran_once ]; then stamp second; echo RECORDS_PROCESSED=2; exit 0; fi\n"
            "touch ran_once\n"
            "echo $$ > main.pid\n"
            "exec sleep 60\n"
        ))
        ok = p.script("ok.sh", "stamp start\n")
        p.write_config([
            {"name": "First", "script": ok, "tier": 0},
            {"name": "Hang", "script": hang, "tier": 1},
            {"name": "Last", "script": ok, "tier": 2, "dependencies": ["Hang"]},
        ])
        proc = self.popen("--daily", "--no-wait")
        main_pid = p.read_pid("main.pid", timeout=15)
        time.sleep(0.3)
        self.assertEqual(p.status("Hang")["status"], "RUNNING")
        proc.kill()
        proc.wait()
        # PR_SET_PDEATHSIG: the task dies with the orchestrator
        self.assertTrue(wait_dead(main_pid, 5), "task survived kill -9 of the orchestrator")

        res = p.run("--daily", "--no-wait")
        self.assertRc(res, 0)
        hang_rows = p.task_runs("Hang")
        self.assertEqual([t["status"] for t in hang_rows], ["INTERRUPTED", "SUCCESS"], hang_rows)
        self.assertIsNotNone(hang_rows[0]["ended_at"])
        runs = p.runs()
        self.assertEqual(len(runs), 2)
        self.assertEqual(runs[0]["status"], "INTERRUPTED", runs)
        self.assertEqual(runs[1]["status"], "SUCCESS", runs)
        self.assertStatus("Hang", "SUCCESS")
        self.assertStatus("Last", "SUCCESS")
        # First had succeeded for this trading date before the crash: not rerun
        self.assertEqual(len(p.task_runs("First")), 1)
        first_runs = [s for s in p.trace() if s[0] == "First"]
        self.assertEqual(len(first_runs), 1)
        conn = p.db()
        try:
            self.assertEqual(conn.execute("PRAGMA integrity_check").fetchone()[0], "ok")
        finally:
            conn.close()


if __name__ == "__main__":
    unittest.main()
