"""--daily when tasks fail: skipping dependents, critical stop, retries, unrunnable scripts."""

import os
import unittest

from harness import PipelineTestCase, sql_time_to_epoch


class FailurePropagation(PipelineTestCase):

    def test_failure_skips_dependents_transitively(self):
        p = self.p
        ok = p.script("ok.sh", "stamp start\n")
        bad = p.script("bad.sh", "stamp start\necho 'first line'\necho 'disk on fire'\nexit 3\n")
        p.write_config([
            {"name": "Source", "script": bad, "tier": 0},
            {"name": "Other", "script": ok, "tier": 0},
            {"name": "Child", "script": ok, "dependencies": ["Source"]},
            {"name": "Grandchild", "script": ok, "dependencies": ["Child"]},
            {"name": "Independent", "script": ok, "dependencies": ["Other"]},
        ])
        r = p.daily()
        self.assertRc(r, 1)
        self.assertEqual(set(p.stamps()), {"Source", "Other", "Independent"})

        src = self.assertStatus("Source", "FAILED")
        self.assertEqual(src["last_error_message"], "exit code 3: disk on fire")
        self.assertEqual(src["consecutive_failures"], 1)
        self.assertEqual(src["total_runs"], 1)
        self.assertEqual(src["total_failures"], 1)
        self.assertEqual(src["total_successes"], 0)
        self.assertIsNotNone(src["last_failure"])
        (tr,) = p.task_runs("Source")
        self.assertEqual(tr["exit_code"], 3)
        self.assertEqual(tr["status"], "FAILED")

        child = self.assertStatus("Child", "SKIPPED")
        self.assertEqual(child["last_error_message"], "dependency 'Source' failed")
        grand = self.assertStatus("Grandchild", "SKIPPED")
        self.assertIn("dependency 'Child'", grand["last_error_message"])
        for name in ("Child", "Grandchild"):
            row = p.status(name)
            self.assertEqual(row["total_runs"], 0, row)  # a skip is not a run
            (skip,) = p.task_runs(name)
            self.assertEqual(skip["attempt"], 0)
            self.assertEqual(skip["status"], "SKIPPED")
            self.assertEqual(skip["error_message"], row["last_error_message"])

        self.assertStatus("Other", "SUCCESS")
        self.assertStatus("Independent", "SUCCESS")
        self.assertIn("FAILED Source failed: exit code 3: disk on fire", r.stderr)
        self.assertIn("Skipping Child: dependency 'Source' failed", r.stderr)
        self.assertEqual(p.runs()[0]["status"], "FAILED")

    def test_critical_failure_skips_unstarted_tasks_and_lets_running_ones_finish(self):
        p = self.p
        ok = p.script("ok.sh", "stamp start\n")
        slow = p.script("slow.sh", "stamp start\nsleep 1.5\nstamp end\n")
        bad = p.script("bad.sh", "stamp start\nsleep 0.2\necho boom\nexit 1\n")
        p.write_config([
            {"name": "A Critical", "script": bad, "tier": 0, "critical": True},
            {"name": "B Slow", "script": slow, "tier": 0},
            {"name": "C Waiting", "script": ok, "tier": 0},       # no free slot with -j 2
            {"name": "D Later", "script": ok, "tier": 1},         # does not depend on A
        ])
        r = p.daily("-j", "2")
        self.assertRc(r, 1)
        st = p.stamps()
        self.assertEqual(set(st), {"A Critical", "B Slow"}, st)
        self.assertIn("end", st["B Slow"], "the running task was not allowed to finish")
        self.assertStatus("A Critical", "FAILED")
        self.assertStatus("B Slow", "SUCCESS")
        for name in ("C Waiting", "D Later"):
            row = self.assertStatus(name, "SKIPPED")
            self.assertIn("critical task 'A Critical' failed", row["last_error_message"])
        self.assertEqual(p.runs()[0]["status"], "FAILED")

    def test_critical_failure_cancels_pending_retries(self):
        p = self.p
        flaky = p.script("flaky.sh", 'stamp "attempt$ORCHESTRATOR_ATTEMPT"\nexit 1\n')
        bad = p.script("bad.sh", "sleep 0.5\necho crit\nexit 1\n")
        p.write_config([
            {"name": "Flaky", "script": flaky, "tier": 0,
             "retry_policy": {"max_attempts": 3, "backoff_seconds": [5]}},
            {"name": "Crit", "script": bad, "tier": 0, "critical": True},
        ])
        r = p.daily()
        self.assertRc(r, 1)
        self.assertLess(r.elapsed, 4.5, "waited for a retry the critical failure cancelled")
        self.assertEqual([s[1] for s in p.trace()], ["attempt1"])
        row = self.assertStatus("Flaky", "FAILED")
        self.assertIn("critical task 'Crit' failed", row["last_error_message"])
        self.assertEqual((row["total_runs"], row["total_failures"]), (1, 1))

    def test_critical_failure_after_retries_only(self):
        # a critical task that fails once and then succeeds does not stop the run
        p = self.p
        ok = p.script("ok.sh", "stamp start\n")
        flaky = p.script("flaky.sh", 'stamp "attempt$ORCHESTRATOR_ATTEMPT"\n'
                                     '[ "$ORCHESTRATOR_ATTEMPT" -ge 2 ] || exit 1\n')
        p.write_config([
            {"name": "Flaky", "script": flaky, "critical": True,
             "retry_policy": {"max_attempts": 2, "backoff_seconds": [0]}},
            {"name": "After", "script": ok, "tier": 1},
        ])
        self.assertRc(p.daily(), 0)
        self.assertStatus("After", "SUCCESS")


class Retries(PipelineTestCase):

    def test_retry_then_success(self):
        p = self.p
        flaky = p.script("flaky.sh", (
            'echo "$ORCHESTRATOR_ATTEMPT" >> attempts.txt\n'
            'echo "attempt $ORCHESTRATOR_ATTEMPT output"\n'
            'if [ "$ORCHESTRATOR_ATTEMPT" = 1 ]; then echo transient >&2; exit 1; fi\n'
            'echo RECORDS_PROCESSED=42\n'
        ))
        p.write_config([{"name": "Flaky Fetch", "script": flaky}],
                       retry_policy={"max_attempts": 3, "backoff_seconds": [1]})
        r = p.daily()
        self.assertRc(r, 0)
        self.assertEqual(p.read("attempts.txt").split(), ["1", "2"])
        row = self.assertStatus("Flaky Fetch", "SUCCESS")
        self.assertEqual(row["total_runs"], 1)
        self.assertEqual(row["total_successes"], 1)
        self.assertEqual(row["total_failures"], 0)
        self.assertEqual(row["consecutive_failures"], 0)
        self.assertEqual(row["last_records_processed"], 42)
        rows = p.task_runs("Flaky Fetch")
        self.assertEqual([(t["attempt"], t["status"]) for t in rows],
                         [(1, "FAILED"), (2, "SUCCESS")])
        self.assertEqual(rows[0]["exit_code"], 1)
        self.assertEqual(rows[0]["error_message"], "exit code 1: transient")
        # one log per attempt, each with its own output
        self.assertNotEqual(rows[0]["log_path"], rows[1]["log_path"])
        self.assertRegex(rows[1]["log_path"], r"-attempt2\.log$")
        with open(rows[0]["log_path"]) as f:
            self.assertIn("attempt 1 output", f.read())
        with open(rows[1]["log_path"]) as f:
            self.assertIn("attempt 2 output", f.read())
        # the backoff of 1 s was honoured between the attempts
        gap = (rows[1]["started_at"], rows[0]["ended_at"])
        self.assertGreaterEqual(sql_time_to_epoch(gap[0]) - sql_time_to_epoch(gap[1]), 0.9, rows)

    def test_retries_exhausted_counts_one_run_one_failure(self):
        p = self.p
        bad = p.script("bad.sh", 'echo "$ORCHESTRATOR_ATTEMPT" >> attempts.txt\necho nope\nexit 4\n')
        p.write_config([{"name": "Always Bad", "script": bad,
                         "retry_policy": {"max_attempts": 3, "backoff_seconds": [0]}}])
        r = p.daily()
        self.assertRc(r, 1)
        self.assertEqual(p.read("attempts.txt").split(), ["1", "2", "3"])
        row = self.assertStatus("Always Bad", "FAILED")
        self.assertEqual((row["total_runs"], row["total_failures"], row["consecutive_failures"]),
                         (1, 1, 1), row)
        self.assertEqual(row["last_error_message"], "exit code 4: nope")
        self.assertEqual(len(p.task_runs("Always Bad")), 3)
        # a second forced run adds one more run and one more consecutive failure
        r = p.daily("--force")
        self.assertRc(r, 1)
        row = p.status("Always Bad")
        self.assertEqual((row["total_runs"], row["total_failures"], row["consecutive_failures"]),
                         (2, 2, 2), row)


class UnrunnableScripts(PipelineTestCase):

    def test_missing_script(self):
        self.assertFailsOnceWithoutRetry("scripts/does_not_exist.sh", "not found")
        r = self.p.run("--validate")
        self.assertRc(r, 2)
        self.assertIn("does_not_exist.sh", r.output)
        self.assertIn("Broken", r.output)

    def test_non_executable_script(self):
        rel = self.p.script("noexec.sh", "echo hi\n", executable=False)
        self.assertFailsOnceWithoutRetry(rel, "not executable")

    def test_bad_interpreter(self):
        rel = self.p.script("badinterp.sh", "#!/nonexistent/interpreter\necho hi\n", prelude=False)
        self.assertFailsOnceWithoutRetry(rel, "interpreter")

    def test_python_script_without_exec_bit_runs_under_python3(self):
        p = self.p
        path = p.path("scripts", "job.py")
        os.makedirs(os.path.dirname(path))
        with open(path, "w") as f:
            f.write("import os\nprint('RECORDS_PROCESSED=9')\n"
                    "open('py_ran.txt', 'w').write(os.environ['ORCHESTRATOR_TASK'])\n")
        os.chmod(path, 0o644)
        p.write_config([{"name": "Py Job", "script": "scripts/job.py"}])
        self.assertRc(p.daily(), 0)
        self.assertEqual(p.read("py_ran.txt"), "Py Job")
        self.assertEqual(self.assertStatus("Py Job", "SUCCESS")["last_records_processed"], 9)


if __name__ == "__main__":
    unittest.main()
