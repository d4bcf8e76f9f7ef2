"""Times and durations at the edges of what the clock can hold: --now far from today, and
--interval values that would spin a core or overflow the wait."""

import unittest

from harness import PipelineTestCase, write_pipeline


class NowOutsideTheNanosecondRange(PipelineTestCase):
    """The system clock counts nanoseconds (years 1678-2262); a --now outside that span must
    still be the instant given, not a wrapped-around one."""

    def _daily_at(self, now):
        p = self.p
        script = p.script("a.sh", 'echo "$ORCHESTRATOR_TRADING_DATE $ORCHESTRATOR_SCHEDULED_AT" >> "$TRACE.env"\n')
        write_pipeline(p, daily=[{"name": "Daily A", "script": script, "time": "09:30"}],
                       database="data/pipeline.db", log_dir="logs")
        return p.run("--now", now, "--daily", "--no-wait")

    def test_year_2500_runs_its_own_trading_date(self):
        r = self._daily_at("2500-06-15T14:00:00Z")
        self.assertRc(r, 0)
        self.assertIn("trading date 2500-06-15", r.output)
        rows = self.p.task_runs("Daily A")
        self.assertEqual([row["trading_date"] for row in rows], ["2500-06-15"])
        self.assertTrue(rows[0]["started_at"].startswith("2500-06-15 14:00"), rows[0])
        self.assertTrue(self.p.read("trace.txt.env").startswith("2500-06-15 2500-06-15T"))

    def test_year_1600_and_9999_are_themselves(self):
        write_pipeline(self.p, daily=[{"name": "Daily A", "script": self.p.script("a.sh", ""), "time": "09:30"}])
        for now, date in (("1600-03-01T15:00:00Z", "1600-03-01"), ("9999-12-30T15:00:00Z", "9999-12-30")):
            with self.subTest(now=now):
                r = self.p.run("--now", now, "--market-status", "--json")
                self.assertIn(f'"trading_date": "{date}"'.replace(" ", ""), r.stdout.replace(" ", ""), r)

    def test_year_10000_is_refused_with_exit_2(self):
        r = self._daily_at("10000-01-01T00:00:00Z")
        self.assertRc(r, 2)
        self.assertEqual(self.p.nothing_written(), [])


class IntervalRange(PipelineTestCase):
    def setUp(self):
        super().setUp()
        script = self.p.script("a.sh", "stamp run\n")
        write_pipeline(self.p, intraday=[{"name": "Price Data", "script": script,
                                          "interval_minutes": 1, "market_hours_only": True}])

    def test_values_that_spin_or_overflow_are_refused(self):
        for value in ("nan", "1e-4", "0.0005", "0", "-1", "1e16", "1e400", "inf", "86400.5"):
            with self.subTest(value=value):
                r = self.p.run("--intraday", "--interval", value, timeout=10)
                self.assertRc(r, 2)
                self.assertIn("out of range" if value != "nan" else "not a number", r.output)
                self.assertIn("0.01 to 86400 seconds" if value != "nan" else "--interval", r.output)
                self.assertLess(len(r.output), 300, r)

    def test_text_is_not_a_number_and_long_text_is_cut(self):
        for value in ("abc", "0x10", "5s", "9" * 300):
            with self.subTest(value=value[:10]):
                r = self.p.run("--intraday", "--interval", value, timeout=10)
                self.assertRc(r, 2)
                self.assertLess(len(r.output), 300, r)
                if value != "9" * 300:
                    self.assertIn("not a number", r.output)

    def test_the_bounds_themselves_are_accepted(self):
        for value in ("0.01", "86400", "30"):
            with self.subTest(value=value):
                r = self.p.run("--intraday", "--once", "--interval", value,
                               "--now", "2026-11-21T12:00:00Z")  # a Saturday: nothing runs
                self.assertRc(r, 0)


if __name__ == "__main__":
    unittest.main()
