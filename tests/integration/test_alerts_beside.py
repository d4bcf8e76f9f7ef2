"""on_failure alerts run beside the pipeline: a hanging alert does not slow the resident
intraday runner's passes, --health returns without waiting for its alerts (and does not keep
its lock meanwhile), and a stop while alerts run exits 143 and ends them."""

import os
import signal
import unittest

from harness import PipelineTestCase, sql_time_to_epoch, wait_dead
from test_health import T, at, write_pipeline

HANG = 'echo $$ >> alert.pids\nsleep 60\n'


class AlertsBeside(PipelineTestCase):

    def alert_pids(self):
        try:
            pids = [int(x) for x in self.p.read("alert.pids").split()]
        except FileNotFoundError:
            return []
        for pid in pids:
            if pid not in self.p.extra_pids:
                self.p.extra_pids.append(pid)  # killed at cleanup if a test fails early
        return pids

    def test_hanging_alert_keeps_the_resident_cadence_and_sigterm_exits_143(self):
        # A 2 s intraday task fails every pass; its alert hangs to a 10 s timeout. Run one at a
        # time, the alert throttled the task to one pass per 10 s; beside the loop the passes
        # keep their 2 s cadence, and the identical alert of later passes is not started again
        # while the first still runs.
        p = self.p
        bad = p.script("bad.sh", 'echo "upstream said no"; exit 3\n')
        p.script("hang.sh", HANG)
        write_pipeline(p, [], intraday=[
            {"name": "Ticker", "script": bad, "interval_seconds": 2, "data_source": "beta"}],
            on_failure={"command": ["scripts/hang.sh"], "timeout_seconds": 10})
        proc = self.popen("--now", T, "--intraday", "--interval", "1")

        def passes():
            try:
                return [r for r in p.runs() if r["ended_at"]]
            except Exception:  # the database is not made yet
                return []
        self.wait_until(lambda: len(passes()) >= 4, 30, "4 passes")
        self.assertIsNone(proc.poll(), "the resident runner exited by itself")
        pids = self.alert_pids()
        starts = sorted(sql_time_to_epoch(r["started_at"]) for r in passes())[:4]
        for earlier, later in zip(starts, starts[1:]):
            self.assertLess(later - earlier, 2.0 + 1.5, f"a pass waited for the alert: {starts}")
        self.assertEqual(len(pids), 1, "the same alert was started again while it ran")
        self.assertTrue(os.path.exists(f"/proc/{pids[0]}"), "the alert should still hang")
        # SIGTERM while the alert runs: exit 143 (not 1 for the failed task), the alert ended.
        proc.send_signal(signal.SIGTERM)
        res = self.finish(proc, timeout=30)
        self.assertRc(res, 143)
        self.assertTrue(wait_dead(pids[0], 10), "the alert outlived the stop")
        self.assertEqual({t["status"] for t in p.task_runs("Ticker")}, {"FAILED"})

    def test_health_does_not_wait_for_its_alerts(self):
        # 5 sources turn red at once; each alert hangs to its 4 s timeout. One at a time that
        # was 5 x 4 s before --health returned, and a second --health exited 75 meanwhile.
        p = self.p
        ok = p.script("ok.sh", "echo RECORDS_PROCESSED=1\n")
        p.script("hang.sh", HANG)
        names = [f"s{i}" for i in range(5)]
        write_pipeline(p, [{"name": f"T{n}", "script": ok, "data_source": n} for n in names],
                       freshness_thresholds={"green": {n: 600 for n in names},
                                             "yellow": {n: 1200 for n in names}},
                       on_failure={"command": ["scripts/hang.sh"], "timeout_seconds": 4})
        self.assertRc(p.run("--now", T, "--daily", "--no-wait"), 0)
        first = p.run("--now", at(150), "--health")
        self.assertRc(first, 1)
        self.assertLess(first.elapsed, 4, "--health waited for an alert")
        self.assertEqual(first.stderr.count("turned red"), 5, first.stderr)
        second = p.run("--now", at(151), "--health", "--json")
        self.assertRc(second, 1)  # red, not 75: the first let go of its lock
        self.assertLess(second.elapsed, 4)
        # The alerts ran detached: 4 at once, then the fifth, each ended at its timeout.
        self.wait_until(lambda: len(self.alert_pids()) >= 4, 10, "4 alerts side by side")
        self.wait_until(lambda: len(self.alert_pids()) == 5, 20, "the fifth alert")
        for pid in self.alert_pids():
            self.assertTrue(wait_dead(pid, 15), "an alert outlived its timeout")
        log = os.path.join("logs", "orchestrator.log")
        self.wait_until(lambda: p.read(log).count("timed out after") >= 5, 10,
                        "the alerts' ends in orchestrator.log")
        self.assertRegex(p.read(log), r"on_failure alert \(source_red s\d\) failed: .*timed out")


if __name__ == "__main__":
    unittest.main()
