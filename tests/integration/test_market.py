"""--market-status and --calendar YEAR: the NYSE calendar, sessions, early closes, DST."""

import json
import os
import unittest

from harness import PipelineTestCase, to_yaml

NYSE_2026_HOLIDAYS = [
    "2026-01-01",  # New Year's Day
    "2026-01-19",  # Martin Luther King, Jr. Day
    "2026-02-16",  # Washington's Birthday
    "2026-04-03",  # Good Friday
    "2026-05-25",  # Memorial Day
    "2026-06-19",  # Juneteenth
    "2026-07-03",  # Independence Day (observed; July 4 is a Saturday)
    "2026-09-07",  # Labor Day
    "2026-11-26",  # Thanksgiving
    "2026-12-25",  # Christmas
]


class MarketCase(PipelineTestCase):

    def setUp(self):
        super().setUp()
        self.write()

    def write(self, market_hours=None):
        job = self.p.script("job.sh", "stamp start\n")
        config = {"timezone": "America/New_York"}
        if market_hours is not None:
            config["market_hours"] = market_hours
        config["intraday_schedule"] = [{"name": "Job", "script": job, "interval_minutes": 1}]
        self.p.write_raw(to_yaml(config))

    def status(self, now, expect_rc):
        """Run --market-status as text and as JSON at `now`; both must exit expect_rc."""
        text = self.p.run("--now", now, "--market-status")
        self.assertRc(text, expect_rc)
        res = self.p.run("--now", now, "--market-status", "--json")
        self.assertRc(res, expect_rc)
        try:
            data = json.loads(res.stdout)
        except ValueError:
            self.fail(f"--market-status --json printed no JSON object: {res!r}")
        for key in ("now", "open", "session", "reason", "trading_date", "next_open", "next_close"):
            self.assertIn(key, data, data)
        self.assertIsInstance(data["open"], bool)
        self.assertIn(data["session"], ("pre", "regular", "post", "closed"), data)
        self.assertEqual(data["open"], expect_rc == 0, data)
        return text, data

    def calendar(self, year, *args):
        res = self.p.run("--calendar", str(year), "--json", *args)
        self.assertRc(res, 0)
        return json.loads(res.stdout)


class MarketStatus(MarketCase):

    def test_regular_session_is_open(self):
        text, data = self.status("2026-11-20T10:00:00-05:00", 0)
        self.assertIn("open", text.stdout.lower())
        self.assertEqual(data["now"], "2026-11-20T10:00:00-05:00")
        self.assertTrue(data["open"])
        self.assertEqual(data["session"], "regular")
        self.assertIn(data["reason"], (None, ""), data)
        self.assertEqual(data["trading_date"], "2026-11-20")
        self.assertEqual(data["next_close"], "2026-11-20T16:00:00-05:00")
        # the next open after a Friday's session is Monday's
        self.assertEqual(data["next_open"], "2026-11-23T09:30:00-05:00")
        # nothing is written by a read-only mode
        self.assertFalse(os.path.exists(self.p.db_path))

    def test_utc_now_is_shown_in_the_market_zone(self):
        _, data = self.status("2026-11-20T15:00:00Z", 0)
        self.assertEqual(data["now"], "2026-11-20T10:00:00-05:00")

    def test_orchestrator_now_environment(self):
        res = self.p.run("--market-status", "--json",
                         env={"ORCHESTRATOR_NOW": "2026-11-21T10:00:00-05:00"})
        self.assertRc(res, 1)
        self.assertEqual(json.loads(res.stdout)["now"], "2026-11-21T10:00:00-05:00")

    def test_open_and_close_boundaries(self):
        _, data = self.status("2026-11-20T09:30:00-05:00", 0)
        self.assertEqual(data["session"], "regular")
        _, data = self.status("2026-11-20T15:59:59-05:00", 0)
        self.assertEqual(data["session"], "regular")
        _, data = self.status("2026-11-20T16:00:00-05:00", 1)
        self.assertEqual(data["session"], "post")
        self.assertEqual(data["next_open"], "2026-11-23T09:30:00-05:00")

    def test_early_close_day(self):
        text, data = self.status("2026-11-27T12:59:00-05:00", 0)
        self.assertEqual(data["session"], "regular")
        self.assertEqual(data["next_close"], "2026-11-27T13:00:00-05:00")
        self.assertIn("13:00", text.stdout)
        text, data = self.status("2026-11-27T13:00:00-05:00", 1)
        self.assertFalse(data["open"])
        self.assertIn(data["session"], ("post", "closed"), data)
        self.assertEqual(data["trading_date"], "2026-11-27")
        self.assertEqual(data["next_open"], "2026-11-30T09:30:00-05:00")
        self.assertEqual(data["next_close"], "2026-11-30T16:00:00-05:00")
        self.assertIn("closed", text.stdout.lower())

    def test_thanksgiving(self):
        text, data = self.status("2026-11-26T11:00:00-05:00", 1)
        self.assertEqual(data["session"], "closed")
        self.assertIn("Thanksgiving", data["reason"] or "", data)
        self.assertIn("Thanksgiving", text.stdout)
        self.assertEqual(data["next_open"], "2026-11-27T09:30:00-05:00")
        # the next session is the early-close day after Thanksgiving
        self.assertEqual(data["next_close"], "2026-11-27T13:00:00-05:00")

    def test_thanksgiving_pre_market_is_closed(self):
        _, data = self.status("2026-11-26T08:00:00-05:00", 1)
        self.assertEqual(data["session"], "closed")

    def test_weekend(self):
        for now in ("2026-11-21T10:00:00-05:00", "2026-11-22T18:00:00-05:00"):
            with self.subTest(now=now):
                text, data = self.status(now, 1)
                self.assertEqual(data["session"], "closed")
                self.assertTrue(data["reason"], data)
                self.assertEqual(data["next_open"], "2026-11-23T09:30:00-05:00")
                self.assertEqual(data["next_close"], "2026-11-23T16:00:00-05:00")
                self.assertIn("closed", text.stdout.lower())

    def test_pre_and_post_market(self):
        _, data = self.status("2026-11-20T08:00:00-05:00", 1)
        self.assertEqual(data["session"], "pre")
        self.assertFalse(data["open"])
        self.assertEqual(data["next_open"], "2026-11-20T09:30:00-05:00")
        self.assertEqual(data["next_close"], "2026-11-20T16:00:00-05:00")
        _, data = self.status("2026-11-20T03:59:00-05:00", 1)
        self.assertEqual(data["session"], "closed")
        _, data = self.status("2026-11-20T04:00:00-05:00", 1)
        self.assertEqual(data["session"], "pre")
        _, data = self.status("2026-11-20T19:59:00-05:00", 1)
        self.assertEqual(data["session"], "post")
        _, data = self.status("2026-11-20T20:00:00-05:00", 1)
        self.assertEqual(data["session"], "closed")
        self.assertEqual(data["next_open"], "2026-11-23T09:30:00-05:00")

    def test_across_dst_changes(self):
        # Friday before the March 8 2026 spring-forward: Monday opens at 09:30 EDT
        _, data = self.status("2026-03-06T16:30:00-05:00", 1)
        self.assertEqual(data["next_open"], "2026-03-09T09:30:00-04:00")
        self.assertEqual(data["next_close"], "2026-03-09T16:00:00-04:00")
        _, data = self.status("2026-03-09T09:30:00-04:00", 0)
        self.assertEqual(data["now"], "2026-03-09T09:30:00-04:00")
        # 13:30 UTC on Monday is 09:30 EDT (it would be 08:30 EST): open
        _, data = self.status("2026-03-09T13:30:00Z", 0)
        # Friday before the November 1 2026 fall-back: Monday opens at 09:30 EST
        _, data = self.status("2026-10-30T17:00:00-04:00", 1)
        self.assertEqual(data["next_open"], "2026-11-02T09:30:00-05:00")

    def test_extra_closures_and_early_closes(self):
        self.write({"calendar": "NYSE", "extra_closures": ["2026-03-10"],
                    "extra_early_closes": {"2026-07-02": "13:00"}})
        text, data = self.status("2026-03-10T10:00:00-04:00", 1)
        self.assertEqual(data["session"], "closed")
        self.assertTrue(data["reason"])
        self.assertEqual(data["next_open"], "2026-03-11T09:30:00-04:00")
        _, data = self.status("2026-07-02T12:59:00-04:00", 0)
        self.assertEqual(data["next_close"], "2026-07-02T13:00:00-04:00")
        _, data = self.status("2026-07-02T13:00:00-04:00", 1)
        self.assertEqual(data["next_open"], "2026-07-06T09:30:00-04:00")

    def test_configured_hours(self):
        self.write({"open": "10:00", "close": "15:00", "pre_market_open": "07:00",
                    "post_market_close": "18:00"})
        cases = [
            ("2026-11-20T06:59:00-05:00", 1, "closed"),
            ("2026-11-20T07:00:00-05:00", 1, "pre"),
            ("2026-11-20T09:45:00-05:00", 1, "pre"),
            ("2026-11-20T10:00:00-05:00", 0, "regular"),
            ("2026-11-20T14:59:00-05:00", 0, "regular"),
            ("2026-11-20T15:00:00-05:00", 1, "post"),
            ("2026-11-20T18:00:00-05:00", 1, "closed"),
        ]
        for now, rc, session in cases:
            with self.subTest(now=now):
                _, data = self.status(now, rc)
                self.assertEqual(data["session"], session, data)
        _, data = self.status("2026-11-20T09:45:00-05:00", 1)
        self.assertEqual(data["next_open"], "2026-11-20T10:00:00-05:00")
        self.assertEqual(data["next_close"], "2026-11-20T15:00:00-05:00")
        # the early close still applies
        _, data = self.status("2026-11-27T12:00:00-05:00", 0)
        self.assertEqual(data["next_close"], "2026-11-27T13:00:00-05:00")

    def test_trading_date_is_the_local_date(self):
        _, data = self.status("2026-11-20T23:30:00-05:00", 1)
        self.assertEqual(data["trading_date"], "2026-11-20")
        self.assertEqual(data["session"], "closed")
        self.assertEqual(data["next_open"], "2026-11-23T09:30:00-05:00")

    def test_needs_a_loadable_pipeline(self):
        res = self.p.run("-c", self.p.path("missing.yaml"), "--now", "2026-11-20T10:00:00-05:00",
                         "--market-status", config=False)
        self.assertRc(res, 2)
        self.p.write_raw("timezone: America/New_York\nintraday_schedul: []\n")
        res = self.p.run("--now", "2026-11-20T10:00:00-05:00", "--market-status")
        self.assertRc(res, 2)


class Calendar(MarketCase):

    def test_2026(self):
        data = self.calendar(2026)
        self.assertEqual(data["year"], 2026)
        self.assertEqual(data["calendar"], "NYSE")
        self.assertEqual([h["date"] for h in data["holidays"]], NYSE_2026_HOLIDAYS)
        for h in data["holidays"]:
            self.assertTrue(h["name"], h)
        by_date = {h["date"]: h["name"] for h in data["holidays"]}
        self.assertIn("Thanksgiving", by_date["2026-11-26"])
        self.assertIn("Good Friday", by_date["2026-04-03"])
        self.assertEqual([(e["date"], e["close"]) for e in data["early_closes"]],
                         [("2026-11-27", "13:00"), ("2026-12-24", "13:00")])
        for e in data["early_closes"]:
            self.assertTrue(e["name"], e)
        self.assertFalse(os.path.exists(self.p.db_path))

    def test_2026_text(self):
        res = self.p.run("--calendar", "2026")
        self.assertRc(res, 0)
        for d in NYSE_2026_HOLIDAYS + ["2026-11-27", "2026-12-24"]:
            self.assertIn(d, res.stdout)

    def test_weekend_holidays_are_observed_or_not(self):
        # 2022: Jan 1 a Saturday is not observed on Friday Dec 31 2021; Juneteenth (Sun) on Mon
        data = self.calendar(2022)
        self.assertEqual([h["date"] for h in data["holidays"]], [
            "2022-01-17", "2022-02-21", "2022-04-15", "2022-05-30", "2022-06-20",
            "2022-07-04", "2022-09-05", "2022-11-24", "2022-12-26"])
        self.assertNotIn("2021-12-31", [h["date"] for h in self.calendar(2021)["holidays"]])

    def test_extra_closures_and_early_closes_appear(self):
        self.write({"calendar": "NYSE", "extra_closures": ["2026-03-10", "2027-01-08"],
                    "extra_early_closes": {"2026-07-02": "12:00"}})
        data = self.calendar(2026)
        dates = [h["date"] for h in data["holidays"]]
        self.assertEqual(sorted(dates), sorted(NYSE_2026_HOLIDAYS + ["2026-03-10"]))
        self.assertEqual(dates, sorted(dates), "holidays not in date order")
        self.assertNotIn("2027-01-08", dates)
        early = [(e["date"], e["close"]) for e in data["early_closes"]]
        self.assertEqual(early, [("2026-07-02", "12:00"), ("2026-11-27", "13:00"),
                                 ("2026-12-24", "13:00")])
        self.assertIn("2027-01-08", [h["date"] for h in self.calendar(2027)["holidays"]])

    def test_year_out_of_range_exits_2(self):
        for year in (1800, 1989, 2201):
            with self.subTest(year=year):
                res = self.p.run("--calendar", str(year), "--json")
                self.assertRc(res, 2)
                self.assertEqual(res.stdout.strip(), "")
        for year in (1990, 2200):
            with self.subTest(year=year):
                self.assertEqual(self.calendar(year)["year"], year)


if __name__ == "__main__":
    unittest.main()
