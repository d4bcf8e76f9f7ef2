"""metrics_file (a Prometheus textfile rewritten after runs and checks) and on_failure alerts
(a failed task; a source turning red, once per transition; bounded, never failing a run)."""

import json
import os
import signal
import re
import shutil
import subprocess
import unittest

from harness import PipelineTestCase, wait_dead
from test_health import T, THRESHOLDS, at, write_pipeline

NAME_RE = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*$")
SAMPLE_RE = re.compile(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(\{((?:[a-zA-Z_][a-zA-Z0-9_]*='
                       r'"(?:[^"\\\n]|\\[\\"n])*",?)*)\})? (\S+)$')
QUOTED = 'Say "hi" \\ now'
QUOTED_LABEL = 'task="Say \\"hi\\" \\\\ now"'

ALERT_SH = r'''printf '%s|%s|%s|%s|%s|%s|%s|%s\n' "$ORCHESTRATOR_ALERT_KIND" "$ORCHESTRATOR_ALERT_TASK" \
  "$ORCHESTRATOR_ALERT_SOURCE" "$ORCHESTRATOR_ALERT_STATUS" "$ORCHESTRATOR_ALERT_ERROR" \
  "$ORCHESTRATOR_ALERT_LOG" "$ORCHESTRATOR_RUN_ID" "$(pwd)" >> alerts.txt
'''


def exposition_problems(text):
    """What `promtool check metrics` would refuse in a text exposition (the rules we use)."""
    problems, types, sampled, series = [], {}, set(), set()
    for line in text.splitlines():
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            parts = line.split(" ", 3)
            name = parts[2]
            if not NAME_RE.match(name):
                problems.append("bad name: " + line)
            if parts[1] == "TYPE":
                if name in types or name in sampled:
                    problems.append("TYPE repeated or after samples: " + line)
                types[name] = parts[3]
                if parts[3] == "counter" and not name.endswith("_total"):
                    problems.append("counter without _total: " + line)
            continue
        m = SAMPLE_RE.match(line)
        if not m:
            problems.append("unparsable: " + line)
            continue
        name = m.group(1)
        if name not in types:
            problems.append("sample without TYPE: " + line)
        sampled.add(name)
        key = (name, m.group(3) or "")
        if key in series:
            problems.append("duplicate series: " + line)
        series.add(key)
        float(m.group(4))
    return problems


class Metrics(PipelineTestCase):

    def setUp(self):
        super().setUp()
        p = self.p
        ok = p.script("ok.sh", "echo RECORDS_PROCESSED=3\n")
        bad = p.script("bad.sh", 'echo "upstream said no"; exit 3\n')
        write_pipeline(p, [
            {"name": QUOTED, "script": ok, "data_source": "alpha"},
            {"name": "B", "script": bad, "data_source": "beta"},
        ], freshness_thresholds=THRESHOLDS, metrics_file="metrics/orch.prom")
        self.prom = p.path("metrics", "orch.prom")

    def metrics(self):
        text = self.p.read("metrics", "orch.prom")
        self.assertEqual(exposition_problems(text), [], text)
        self.assertEqual(os.listdir(self.p.path("metrics")), ["orch.prom"])  # no temp file left
        promtool = shutil.which("promtool")
        if promtool:
            check = subprocess.run([promtool, "check", "metrics"], input=text.encode(),
                                   capture_output=True)
            self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        return text

    def test_metrics_after_a_run_and_after_a_check(self):
        self.assertRc(self.p.run("--now", T, "--daily", "--no-wait"), 1)
        text = self.metrics()
        for family in ("orchestrator_task_last_success_timestamp_seconds",
                       "orchestrator_task_last_duration_seconds",
                       "orchestrator_task_consecutive_failures", "orchestrator_task_status",
                       "orchestrator_source_age_seconds", "orchestrator_source_status"):
            self.assertIn(f"# HELP {family} ", text)
            self.assertIn(f"# TYPE {family} gauge\n", text)
        self.assertIn(f'orchestrator_task_status{{{QUOTED_LABEL},status="SUCCESS"}} 1\n', text)
        self.assertIn(f'orchestrator_task_status{{{QUOTED_LABEL},status="FAILED"}} 0\n', text)
        self.assertIn('orchestrator_task_status{task="B",status="FAILED"} 1\n', text)
        self.assertIn('orchestrator_task_consecutive_failures{task="B"} 1\n', text)
        self.assertNotIn('orchestrator_task_last_success_timestamp_seconds{task="B"}', text)
        m = re.search(r'orchestrator_task_last_success_timestamp_seconds\{' + re.escape(QUOTED_LABEL)
                      + r'\} (\S+)\n', text)
        self.assertAlmostEqual(float(m.group(1)), 1795186800, delta=30)  # T as epoch seconds
        self.assertIn('orchestrator_source_status{source="alpha"} 0\n', text)
        self.assertIn('orchestrator_source_status{source="beta"} 3\n', text)

        self.assertRc(self.p.run("--now", at(150), "--health"), 1)
        text = self.metrics()
        self.assertIn('orchestrator_source_status{source="alpha"} 2\n', text)
        age = re.search(r'orchestrator_source_age_seconds\{source="alpha"\} (\S+)\n', text)
        self.assertAlmostEqual(float(age.group(1)), 9000, delta=30)
        checked = re.search(r"^orchestrator_health_checked_timestamp_seconds (\S+)$", text, re.M)
        self.assertAlmostEqual(float(checked.group(1)), 1795186800 + 9000, delta=30)


class Alerts(PipelineTestCase):

    def setUp(self):
        super().setUp()
        p = self.p
        self.ok = p.script("ok.sh", "echo RECORDS_PROCESSED=3\n")
        self.bad = p.script("bad.sh", 'echo "upstream said no"; exit 3\n')
        p.script("alert.sh", ALERT_SH)

    def configure(self, tasks, command=("scripts/alert.sh",), timeout=30):
        write_pipeline(self.p, tasks, freshness_thresholds=THRESHOLDS,
                       on_failure={"command": list(command), "timeout_seconds": timeout})

    def alerts(self):
        try:
            return [line.split("|") for line in self.p.read("alerts.txt").splitlines()]
        except FileNotFoundError:
            return []

    def test_task_failure_alert_has_the_details(self):
        self.configure([{"name": "A", "script": self.ok, "data_source": "alpha"},
                        {"name": "B", "script": self.bad, "data_source": "beta"}])
        self.assertRc(self.p.run("--now", T, "--daily", "--no-wait"), 1)
        alerts = self.alerts()
        self.assertEqual(len(alerts), 1, alerts)
        kind, task, source, status, error, log, run_id, cwd = alerts[0]
        self.assertEqual((kind, task, source, status), ("task_failed", "B", "beta", "FAILED"))
        self.assertIn("upstream said no", error)
        self.assertTrue(os.path.isfile(log), log)
        self.assertIn(os.path.join(self.p.log_dir, "b"), log)
        self.assertEqual(int(run_id), self.p.runs()[-1]["id"])
        self.assertEqual(os.path.realpath(cwd), os.path.realpath(self.p.root))

    def test_source_red_alert_fires_once_per_transition(self):
        self.configure([{"name": "A", "script": self.ok, "data_source": "alpha"}])
        self.assertRc(self.p.run("--now", T, "--daily", "--no-wait"), 0)
        self.assertEqual(self.alerts(), [])
        r = self.p.run("--now", at(150), "--health")
        self.assertRc(r, 1)
        self.assertIn("data source alpha turned red", r.stderr)
        # --health does not wait for its alerts: they run detached, after it returned
        self.wait_until(lambda: len(self.alerts()) == 1, 10, "the source_red alert")
        kind, task, source, status, error, log, run_id, _ = self.alerts()[0]
        self.assertEqual((kind, task, source, status, log, run_id),
                         ("source_red", "A", "alpha", "red", "", ""))
        self.assertIn("alpha is red", error)
        self.assertRc(self.p.run("--now", at(151), "--health"), 1)
        self.assertRc(self.p.run("--now", at(152), "--health", "--json"), 1)
        self.assertEqual(len(self.alerts()), 1, "a source still red alerted again")
        # Refreshed (green), then red again later: a new transition, a new alert.
        self.assertRc(self.p.run("--now", at(153), "--update-stale"), 0)
        self.assertRc(self.p.run("--now", at(160), "--health"), 0)
        self.assertEqual(len(self.alerts()), 1)
        self.assertRc(self.p.run("--now", at(153 + 150), "--health"), 1)
        self.wait_until(lambda: len(self.alerts()) == 2, 10, "the second source_red alert")
        self.assertEqual([a[0] for a in self.alerts()], ["source_red", "source_red"])

    def test_a_failing_or_hanging_alert_is_logged_and_bounded(self):
        self.p.script("hang.sh", "sleep 30\n")
        self.p.script("fail.sh", "exit 5\n")
        tasks = [{"name": "B", "script": self.bad, "data_source": "beta"}]
        self.configure(tasks, command=("scripts/fail.sh",))
        r = self.p.run("--now", T, "--daily", "--no-wait")
        self.assertRc(r, 1)  # the task's failure, not the alert's
        self.assertRegex(r.stderr, r"on_failure alert \(task_failed B\) failed: .*exited with code 5")
        self.configure(tasks, command=("scripts/hang.sh",), timeout=1)
        r = self.p.run("--now", T, "--daily", "--no-wait", "--force")
        self.assertRc(r, 1)
        self.assertLess(r.elapsed, 10)
        self.assertRegex(r.stderr, r"on_failure alert \(task_failed B\) failed: .*timed out")

    def test_sigterm_while_an_alert_runs_exits_143(self):
        # the run is over (a task failed), its alert hangs; SIGTERM ends the alert and the
        # orchestrator says it was stopped (143), not "a task failed" (1)
        p = self.p
        p.script("hang.sh", 'echo $$ > alert.pid\nsleep 30\n')
        self.configure([{"name": "B", "script": self.bad, "data_source": "beta"}],
                       command=("scripts/hang.sh",), timeout=20)
        proc = p.popen("--now", T, "--daily", "--no-wait")
        alert = p.read_pid("alert.pid", timeout=15)
        proc.send_signal(signal.SIGTERM)
        res = self.finish(proc, timeout=30)
        self.assertRc(res, 143)
        self.assertTrue(wait_dead(alert, 10), "the alert outlived the stop")

    def test_validate_warns_about_an_alert_command_that_does_not_exist(self):
        self.configure([{"name": "A", "script": self.ok}], command=("scripts/notfy.sh",))
        r = self.p.run("--validate")
        self.assertRc(r, 0)  # a warning: the pipeline itself can run
        self.assertRegex(r.stderr, r"warning: .*pipeline\.yaml:\d+.*on_failure\.command: "
                                   r"'scripts/notfy\.sh' was not found")
        self.configure([{"name": "A", "script": self.ok}], command=("no-such-notifier-xyz", "-v"))
        r = self.p.run("--validate", "--json")
        self.assertRc(r, 0)
        self.assertTrue(any("'no-such-notifier-xyz' was not found" in w
                            for w in json.loads(r.stdout)["warnings"]), r.stdout)
        # a program in PATH, and a script that exists, are fine
        self.configure([{"name": "A", "script": self.ok}], command=("true",))
        self.assertNotIn("on_failure", self.p.run("--validate").stderr)
        self.configure([{"name": "A", "script": self.ok}], command=("scripts/alert.sh",))
        self.assertNotIn("on_failure", self.p.run("--validate").stderr)

    def test_hanging_alerts_of_one_run_run_side_by_side(self):
        # 6 tasks fail; each alert hangs to its 2 s timeout. One at a time that was 12 s and
        # more; side by side (4 at once) it is two timeouts.
        p = self.p
        p.script("hang.sh", 'echo "$ORCHESTRATOR_ALERT_TASK" >> alerts.txt\nsleep 30\n')
        tasks = [{"name": f"T{i}", "script": self.bad, "data_source": "beta"} for i in range(6)]
        self.configure(tasks, command=("scripts/hang.sh",), timeout=2)
        r = p.run("--now", T, "--daily", "--no-wait", "--jobs", "6")
        self.assertRc(r, 1)
        self.assertEqual(sorted(p.read("alerts.txt").split()), [f"T{i}" for i in range(6)])
        self.assertEqual(len(re.findall(r"on_failure alert \(task_failed T\d\) failed: .*timed out",
                                        r.stderr)), 6, r.stderr)
        self.assertLess(r.elapsed, 9, "the alerts ran one at a time")


if __name__ == "__main__":
    unittest.main()
