"""--update-stale: exactly the tasks of sources at or beyond --min-staleness run, in
dependency order, now (ignoring `time`), as mode update-stale; nothing fresh or unknown."""

import unittest

from harness import PipelineTestCase
from test_health import T, THRESHOLDS, at, write_pipeline


class UpdateStale(PipelineTestCase):

    def setUp(self):
        super().setUp()
        p = self.p
        ok = p.script("ok.sh", 'stamp run\necho "$ORCHESTRATOR_MODE" >> "$ORCHESTRATOR_TASK.mode"\n')
        # alpha (A) green, phi (F) yellow and beta (B) red 45 minutes after T; gamma (C) has no
        # thresholds (unknown); delta (D) never ran (unknown). F depends on B.
        write_pipeline(p, [
            {"name": "A", "script": ok, "data_source": "alpha"},
            {"name": "B", "script": ok, "data_source": "beta", "time": "23:00:00"},
            {"name": "C", "script": ok, "data_source": "gamma"},
            {"name": "D", "script": ok, "data_source": "delta"},
            {"name": "F", "script": ok, "data_source": "phi", "dependencies": ["B"]},
        ], freshness_thresholds=THRESHOLDS)
        for task in ("A", "B", "C", "F"):
            self.assertRc(p.run("--now", T, "--daily", "--no-wait", "--task", task), 0)
        self.runs_before = {t: self.p.status(t)["total_runs"] for t in "ABCF"}

    def ran_since_setup(self):
        """Task names started after setUp, in start order."""
        trace = [(t, ts) for t, what, ts in self.p.trace() if what == "run"]
        first = {}
        for task, ts in trace:
            first.setdefault(task, []).append(ts)
        later = [(ts[-1], t) for t, ts in first.items() if len(ts) > 1]
        return [t for _, t in sorted(later)]

    def test_yellow_and_red_sources_are_refreshed_in_dependency_order(self):
        r = self.p.run("--now", at(45), "--update-stale")
        self.assertRc(r, 0)
        self.assertEqual(self.ran_since_setup(), ["B", "F"])
        self.assertIn("beta (red,", r.stdout)
        self.assertIn("phi (yellow,", r.stdout)
        self.assertNotIn("alpha", r.stdout)
        self.assertRegex(r.stdout, r"beta: red, \d+m old -> green, \d+s old")
        self.assertEqual(self.p.read("B.mode").split(), ["daily", "update-stale"])
        after = {t: self.p.status(t)["total_runs"] for t in "ABCF"}
        self.assertEqual({t: after[t] - self.runs_before[t] for t in after},
                         {"A": 0, "B": 1, "C": 0, "F": 1})
        run = self.p.runs()[-1]
        self.assertEqual((run["mode"], run["status"]), ("update-stale", "SUCCESS"))
        self.assertIsNone(run["trading_date"])  # the refresh does not claim the daily run
        # Everything selected is fresh now: a second call runs nothing.
        r = self.p.run("--now", at(46), "--update-stale")
        self.assertRc(r, 0)
        self.assertIn("Nothing is stale at or beyond yellow", r.stdout)
        self.assertEqual(self.ran_since_setup(), ["B", "F"])

    def test_min_staleness_red_selects_red_sources_only(self):
        r = self.p.run("--now", at(45), "--update-stale", "--min-staleness", "red")
        self.assertRc(r, 0)
        self.assertEqual(self.ran_since_setup(), ["B"])
        self.assertIn("at or beyond red", r.stdout)

    def test_dry_run_lists_and_runs_nothing(self):
        recorded = self.p.query("SELECT * FROM source_freshness ORDER BY source")
        r = self.p.run("--now", at(45), "--update-stale", "--dry-run")
        self.assertRc(r, 0)
        self.assertIn("DRY RUN", r.stdout)
        self.assertRegex(r.stdout, r"(?s)Tier 0\n  B: writes beta.*would run: \S*ok.sh.*Tier 1\n  F: writes phi")
        self.assertEqual(self.ran_since_setup(), [])
        self.assertEqual(len(self.p.runs()), 4)
        self.assertEqual(self.p.query("SELECT * FROM source_freshness ORDER BY source"), recorded)

    def test_task_restricts_the_selection_and_a_failure_exits_1(self):
        r = self.p.run("--now", at(45), "--update-stale", "--task", "F")
        self.assertRc(r, 0)
        self.assertEqual(self.ran_since_setup(), ["F"])  # B is stale but not selected
        r = self.p.run("--now", at(45), "--update-stale", "--task", "Nope")
        self.assertRc(r, 2)
        self.assertIn("no task named 'Nope'", r.stderr)
        self.p.script("ok.sh", "exit 4\n")
        r = self.p.run("--now", at(45), "--update-stale")
        self.assertRc(r, 1)
        self.assertStatus("B", "FAILED")  # F was refreshed above: fresh, so not selected
        self.assertStatus("F", "SUCCESS")

    def test_nothing_stale(self):
        r = self.p.run("--now", at(1), "--update-stale")
        self.assertRc(r, 0)
        self.assertIn("Nothing is stale at or beyond yellow: 3 healthy, 0 stale, 0 critical, "
                      "2 unknown", r.stdout)
        self.assertEqual(self.ran_since_setup(), [])


# A price collector as the shipped one behaves: for a trading date with a session it stores
# that session's bars and reports the last bar's end (the close); for a date without one it
# stores nothing and reports its newest stored bar again.
PRICES_SH = r"""d="$ORCHESTRATOR_TRADING_DATE"
echo "$d" >> trading_dates.txt
case "$(date -d "$d" +%u)" in
  6|7) cat last_bar.txt 2>/dev/null; echo RECORDS_PROCESSED=0 ;;
  *) echo "DATA_AS_OF=${d}T16:00:00-05:00" > last_bar.txt; cat last_bar.txt; echo RECORDS_PROCESSED=390 ;;
esac
"""

THURSDAY_NOON = "2026-11-19T12:00:00-05:00"
SATURDAY_10 = "2026-11-21T10:00:00-05:00"


class OutsideTheSession(PipelineTestCase):
    """--update-stale of an intraday source outside its session (a weekend)."""

    def configure(self, script_body):
        p = self.p
        prices = p.script("prices.sh", script_body)
        write_pipeline(p, [], intraday=[
            {"name": "Price Data", "script": prices, "interval_minutes": 1,
             "market_hours_only": True, "data_source": "price_data"}],
            freshness_thresholds={"green": {"price_data": 300}, "yellow": {"price_data": 900}})
        # Thursday's pass: the source then misses Friday's whole session (red on Saturday)
        self.assertRc(p.run("--now", THURSDAY_NOON, "--intraday", "--once"), 0)

    def test_weekend_repair_collects_the_last_session_and_turns_green(self):
        self.configure(PRICES_SH)
        p = self.p
        r = p.run("--now", SATURDAY_10, "--update-stale")
        self.assertRc(r, 0)
        # the intraday task works for Friday (the latest session that has opened), not Saturday
        self.assertEqual(p.read("trading_dates.txt").split(), ["2026-11-19", "2026-11-20"])
        self.assertRegex(r.stdout, r"price_data: red, .* -> green")
        self.assertRc(p.run("--now", SATURDAY_10, "--health"), 0)

    def test_a_refresh_that_leaves_its_source_stale_warns_and_exits_1(self):
        # a collector that succeeds but whose data stays old (its upstream has nothing newer)
        self.configure('echo "$ORCHESTRATOR_TRADING_DATE" >> trading_dates.txt\n'
                       'echo DATA_AS_OF=2026-11-19T12:00:00-05:00\n')
        p = self.p
        r = p.run("--now", SATURDAY_10, "--update-stale")
        self.assertRc(r, 1)
        self.assertRegex(r.stderr, r"(?i)warn.*data source price_data is still stale after the update \(red, ")
        self.assertEqual(p.task_runs("Price Data")[-1]["status"], "SUCCESS")


if __name__ == "__main__":
    unittest.main()
