"""The clock stepped back between two runs of the documented minutely timer
(`--intraday --once`): the task must not be "nothing due" until the clock catches up with
the start the database holds, and data stamped after the clock's now is not fresh."""

import json
import unittest

from harness import PipelineTestCase, write_pipeline

AT_1500 = "2026-11-20T15:00:00-05:00"
AT_1400 = "2026-11-20T14:00:00-05:00"


class OnePassAfterAStepBack(PipelineTestCase):
    def setUp(self):
        super().setUp()
        script = self.p.script("price.sh", "stamp run\necho RECORDS_PROCESSED=1\n")
        write_pipeline(self.p, intraday=[{"name": "Price Data", "script": script,
                                          "interval_minutes": 1, "market_hours_only": True}],
                       freshness_thresholds={"green": {"price_data": 300},
                                             "yellow": {"price_data": 900}})

    def once(self, now):
        return self.p.run("--now", now, "--intraday", "--once")

    def test_a_task_that_ran_at_1500_runs_at_1400_1401_and_1430(self):
        self.assertRc(self.once(AT_1500), 0)
        r = self.once(AT_1400)
        self.assertRc(r, 0)
        self.assertIn("after the clock's now", r.output)
        self.assertIn("counted as due", r.output)
        self.assertRc(self.once("2026-11-20T14:01:00-05:00"), 0)
        self.assertRc(self.once("2026-11-20T14:30:00-05:00"), 0)
        starts = [row["started_at"][11:16] for row in self.p.task_runs("Price Data")]
        self.assertEqual(starts, ["20:00", "19:00", "19:01", "19:30"])
        # and the ordinary interval still holds after the step: not twice in one minute
        r = self.once("2026-11-20T14:30:20-05:00")
        self.assertRc(r, 0)
        self.assertEqual(len(self.p.task_runs("Price Data")), 4, r)

    def test_a_start_a_year_ahead_does_not_stall_the_task(self):
        self.assertRc(self.once("2027-11-19T15:00:00-05:00"), 0)
        self.assertRc(self.once(AT_1400), 0)
        self.assertEqual(len(self.p.task_runs("Price Data")), 2)

    def test_health_does_not_call_data_from_the_future_fresh(self):
        self.assertRc(self.once(AT_1500), 0)
        r = self.p.run("--now", AT_1400, "--health", "--json")
        self.assertRc(r, 1)  # red
        source = [s for s in json.loads(r.stdout)["sources"] if s["name"] == "price_data"][0]
        self.assertEqual(source["status"], "red")
        self.assertIsNone(source["age_seconds"])
        r = self.p.run("--now", AT_1400, "--health")
        self.assertRc(r, 1)
        self.assertIn("after the clock's now", r.output)
        self.assertIn("age unknown", r.output)
        # a few seconds of skew is not a step: fresh, age 0
        r = self.p.run("--now", "2026-11-20T14:59:50-05:00", "--health", "--json")
        self.assertRc(r, 0)
        source = [s for s in json.loads(r.stdout)["sources"] if s["name"] == "price_data"][0]
        self.assertEqual(source["status"], "green")
        self.assertEqual(source["age_seconds"], 0)


if __name__ == "__main__":
    unittest.main()
