"""Backfill and catch-up of past trading dates: --daily --date, --backfill FROM..TO and
daily_catchup, on pipelines of shell scripts that record the trading date they were given.

The clock is put after Thanksgiving week 2026 (Thu 26 closed, Fri 27 an early close) with --now.
"""

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import unittest

from harness import BIN, PipelineTestCase, poll_until

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

TUESDAY_DEC_1 = "2026-12-01T10:00:00-05:00"
FRIDAY_NOV_27 = "2026-11-27T10:00:00-05:00"
MONDAY_NOV_23 = "2026-11-23T10:00:00-05:00"

# Appends "<task> <trading date> <mode>" to dates.txt.
RECORD = 'echo "$ORCHESTRATOR_TASK $ORCHESTRATOR_TRADING_DATE $ORCHESTRATOR_MODE" >> "$(dirname "$0")/../dates.txt"\n'


class BackfillTestCase(PipelineTestCase):
    def setUp(self):
        super().setUp()
        self.record = self.p.script("record.sh", RECORD)

    def ran(self):
        """[(task, date, mode)] in the order the tasks ran."""
        try:
            with open(self.p.path("dates.txt")) as f:
                return [tuple(line.split()) for line in f if line.strip()]
        except FileNotFoundError:
            return []

    def dates_of(self, task):
        return [d for t, d, _ in self.ran() if t == task]

    def two_tasks(self, **top):
        # A late `time`: a past date must not wait for it.
        self.p.write_config([
            {"name": "Prices", "script": self.record, "tier": 0, "time": "23:59:00"},
            {"name": "Report", "script": self.record, "tier": 1, "dependencies": ["Prices"],
             "time": "23:59:00"},
        ], **top)

    def orch(self, now, *args, timeout=120):
        return self.p.run("--now", now, *args, timeout=timeout)


class DailyDate(BackfillTestCase):
    def test_runs_the_dag_for_a_past_date_without_waiting_for_times(self):
        self.two_tasks()
        r = self.orch(TUESDAY_DEC_1, "--daily", "--date", "2026-11-24")
        self.assertRc(r, 0)
        self.assertLess(r.elapsed, 20, "waited for a not-before time of a past date")
        self.assertEqual(self.ran(), [("Prices", "2026-11-24", "daily"), ("Report", "2026-11-24", "daily")])
        self.assertEqual({(t["task_name"], t["trading_date"]) for t in self.p.task_runs()},
                         {("Prices", "2026-11-24"), ("Report", "2026-11-24")})
        # Done for that date: a second run skips both, --force runs them again.
        self.assertRc(self.orch(TUESDAY_DEC_1, "--daily", "--date", "2026-11-24"), 0)
        self.assertEqual(len(self.ran()), 2)
        self.assertRc(self.orch(TUESDAY_DEC_1, "--daily", "--date", "2026-11-24", "--force"), 0)
        self.assertEqual(len(self.ran()), 4)

    def test_refuses_a_closed_date_naming_the_nearest_trading_dates(self):
        self.two_tasks()
        r = self.orch(TUESDAY_DEC_1, "--daily", "--date", "2026-11-26")
        self.assertRc(r, 2)
        self.assertIn("Thanksgiving", r.stderr)
        self.assertIn("2026-11-25", r.stderr)
        self.assertIn("2026-11-27", r.stderr)
        r = self.orch(TUESDAY_DEC_1, "--daily", "--date", "2026-11-29")
        self.assertRc(r, 2)
        self.assertIn("2026-11-27 before it and 2026-11-30 after it", r.stderr)
        self.assertNothingWritten(r)
        self.assertEqual(self.ran(), [])

    def test_refuses_a_future_date_naming_the_latest_trading_date(self):
        self.two_tasks()
        r = self.orch("2026-11-28T10:00:00-05:00", "--daily", "--date", "2026-11-30")
        self.assertRc(r, 2)
        self.assertIn("after today (2026-11-28)", r.stderr)
        self.assertIn("latest trading date up to today is 2026-11-27", r.stderr)
        self.assertNothingWritten(r)

    def test_daily_days_weekdays_accepts_a_holiday(self):
        self.two_tasks(daily_days="weekdays")
        self.assertRc(self.orch(TUESDAY_DEC_1, "--daily", "--date", "2026-11-26"), 0)
        self.assertEqual(self.dates_of("Prices"), ["2026-11-26"])

    def test_bad_date_text_and_misplaced_options(self):
        self.two_tasks()
        self.assertRc(self.orch(TUESDAY_DEC_1, "--daily", "--date", "2026-11-31"), 2)
        r = self.orch(TUESDAY_DEC_1, "--backfill", "2026-11-23..2026-11-24", "--date", "2026-11-24")
        self.assertRc(r, 2)
        self.assertIn("--date does not apply to --backfill", r.stderr)
        r = self.orch(TUESDAY_DEC_1, "--daily", "--reverse")
        self.assertRc(r, 2)
        self.assertIn("--reverse does not apply to --daily", r.stderr)
        self.assertRc(self.orch(TUESDAY_DEC_1, "--health", "--reverse"), 2)
        self.assertNothingWritten()


class Backfill(BackfillTestCase):
    def test_trading_dates_oldest_first_one_run_each(self):
        self.two_tasks()
        r = self.orch(TUESDAY_DEC_1, "--backfill", "2026-11-20..2026-11-30")
        self.assertRc(r, 0)
        expected = ["2026-11-20", "2026-11-23", "2026-11-24", "2026-11-25", "2026-11-27", "2026-11-30"]
        self.assertEqual(self.dates_of("Prices"), expected)
        self.assertEqual(self.dates_of("Report"), expected)
        # Report of a date runs after Prices of that date and before Prices of the next.
        order = [(t, d) for t, d, _ in self.ran()]
        self.assertEqual(order[:4], [("Prices", "2026-11-20"), ("Report", "2026-11-20"),
                                     ("Prices", "2026-11-23"), ("Report", "2026-11-23")])
        self.assertEqual({m for _, _, m in self.ran()}, {"daily"})
        runs = self.p.runs()
        self.assertEqual([r_["trading_date"] for r_ in runs], expected)
        self.assertEqual({r_["mode"] for r_ in runs}, {"daily"})
        self.assertEqual({r_["status"] for r_ in runs}, {"SUCCESS"})
        # One progress line per date on stderr.
        self.assertIn("date 1 of 6 (2026-11-20)", r.stderr)
        self.assertIn("date 6 of 6 (2026-11-30)", r.stderr)
        self.assertRegex(r.stderr, r"date 2 of 6 \(2026-11-23\), [^,]+ elapsed, about .+ left")

    def test_reverse_runs_newest_first(self):
        self.two_tasks()
        self.assertRc(self.orch(TUESDAY_DEC_1, "--backfill", "2026-11-24..2026-11-30", "--reverse"), 0)
        self.assertEqual(self.dates_of("Prices"), ["2026-11-30", "2026-11-27", "2026-11-25", "2026-11-24"])

    def test_refusals_write_nothing(self):
        self.two_tasks()
        cases = {
            "2026-11-27..2026-11-23": "FROM is after TO",
            "2026-11-28..2026-11-29": "holds no trading date",
            "2026-11-30..2026-12-02": "latest trading date up to today is 2026-12-01",
            "2026-11-30": "FROM..TO",
            "2026-11-30..tomorrow": "FROM..TO",
        }
        for arg, message in cases.items():
            with self.subTest(arg=arg):
                r = self.orch(TUESDAY_DEC_1, "--backfill", arg)
                self.assertRc(r, 2)
                self.assertIn(message, r.stderr)
        r = self.orch(TUESDAY_DEC_1, "--backfill", "2026-11-28..2026-11-29")
        self.assertIn("2026-11-27 before it and 2026-11-30 after it", r.stderr)
        self.assertNothingWritten()
        self.assertEqual(self.ran(), [])

    def test_a_failure_on_one_date_does_not_stop_the_next_and_a_rerun_redoes_only_it(self):
        # Prices fails on the 24th while the file "broken" exists; Report then is SKIPPED there.
        fail = self.p.script("prices.sh", RECORD + 'if [ "$ORCHESTRATOR_TRADING_DATE" = 2026-11-24 ] && '
                             '[ -e "$(dirname "$0")/../broken" ]; then exit 3; fi\n')
        open(self.p.path("broken"), "w").close()
        self.p.write_config([
            {"name": "Prices", "script": fail, "tier": 0},
            {"name": "Report", "script": self.record, "tier": 1, "dependencies": ["Prices"]},
        ])
        r = self.orch(TUESDAY_DEC_1, "--backfill", "2026-11-23..2026-11-25", "--json")
        self.assertRc(r, 1)
        self.assertEqual(self.dates_of("Prices"), ["2026-11-23", "2026-11-24", "2026-11-25"])
        self.assertEqual(self.dates_of("Report"), ["2026-11-23", "2026-11-25"])
        out = json.loads(r.stdout)
        self.assertEqual(out, {"ok": False, "dates": [
            {"date": "2026-11-23", "ran": 2, "succeeded": 2, "failed": 0, "skipped": 0},
            {"date": "2026-11-24", "ran": 1, "succeeded": 0, "failed": 1, "skipped": 1},
            {"date": "2026-11-25", "ran": 2, "succeeded": 2, "failed": 0, "skipped": 0}]})
        self.assertEqual([x["status"] for x in self.p.runs()], ["SUCCESS", "FAILED", "SUCCESS"])

        # The rerun does only what did not succeed: both tasks of the 24th, nothing else.
        os.remove(self.p.path("broken"))
        before = len(self.ran())
        r = self.orch(TUESDAY_DEC_1, "--backfill", "2026-11-23..2026-11-25", "--json")
        self.assertRc(r, 0)
        self.assertEqual(self.ran()[before:], [("Prices", "2026-11-24", "daily"), ("Report", "2026-11-24", "daily")])
        self.assertEqual(json.loads(r.stdout), {"ok": True, "dates": [
            {"date": "2026-11-23", "ran": 0, "succeeded": 0, "failed": 0, "skipped": 0},
            {"date": "2026-11-24", "ran": 2, "succeeded": 2, "failed": 0, "skipped": 0},
            {"date": "2026-11-25", "ran": 0, "succeeded": 0, "failed": 0, "skipped": 0}]})
        # --force runs everything again.
        before = len(self.ran())
        self.assertRc(self.orch(TUESDAY_DEC_1, "--backfill", "2026-11-23..2026-11-25", "--force"), 0)
        self.assertEqual(len(self.ran()) - before, 6)

    def test_json_rows_are_oldest_first_even_in_reverse(self):
        self.two_tasks()
        r = self.orch(TUESDAY_DEC_1, "--backfill", "2026-11-24..2026-11-25", "--reverse", "--json")
        self.assertRc(r, 0)
        self.assertEqual([d["date"] for d in json.loads(r.stdout)["dates"]], ["2026-11-24", "2026-11-25"])

    def test_dry_run_lists_dates_and_tasks_and_writes_nothing(self):
        self.two_tasks()
        r = self.orch(TUESDAY_DEC_1, "--backfill", "2026-11-25..2026-11-30", "--dry-run")
        self.assertRc(r, 0)
        self.assertNothingWritten(r)
        self.assertEqual(self.ran(), [])
        for d in ("2026-11-25", "2026-11-27", "2026-11-30"):
            self.assertIn(d + ": would run 2 task(s)", r.stdout)
        self.assertNotIn("2026-11-26", r.stdout)
        self.assertIn("record.sh", r.stdout)
        # After a real run of one date, the dry run says that date has nothing left to do.
        self.assertRc(self.orch(TUESDAY_DEC_1, "--daily", "--date", "2026-11-27", "--task", "Prices"), 0)
        r = self.orch(TUESDAY_DEC_1, "--backfill", "2026-11-25..2026-11-30", "--dry-run", "--json")
        self.assertRc(r, 0)
        self.assertEqual(json.loads(r.stdout)["dates"], [
            {"date": "2026-11-25", "tasks": ["Prices", "Report"]},
            {"date": "2026-11-27", "tasks": ["Report"]},
            {"date": "2026-11-30", "tasks": ["Prices", "Report"]}])

    def test_task_restricts_the_backfill(self):
        self.two_tasks()
        self.assertRc(self.orch(TUESDAY_DEC_1, "--backfill", "2026-11-24..2026-11-25", "--task", "Prices"), 0)
        self.assertEqual(self.dates_of("Prices"), ["2026-11-24", "2026-11-25"])
        self.assertEqual(self.dates_of("Report"), [])

    def test_holds_the_daily_lock_for_the_whole_backfill(self):
        slow = self.p.script("slow.sh", RECORD + "sleep 1\n")
        self.p.write_config([{"name": "Slow", "script": slow, "tier": 0}])
        proc = self.popen("--now", TUESDAY_DEC_1, "--backfill", "2026-11-23..2026-11-25")
        try:
            poll_until(lambda: len(self.ran()) >= 2, 20)
            self.assertGreaterEqual(len(self.ran()), 2, "the backfill did not reach its second date")
            r = self.orch(TUESDAY_DEC_1, "--daily", "--no-wait")
            self.assertRc(r, 75)
        finally:
            done = self.finish(proc, timeout=60)
        self.assertRc(done, 0)
        self.assertEqual(self.dates_of("Slow"), ["2026-11-23", "2026-11-24", "2026-11-25"])

    def test_a_stop_signal_ends_the_backfill_after_cleaning_up(self):
        slow = self.p.script("slow.sh", RECORD + "sleep 30\n")
        self.p.write_config([{"name": "Slow", "script": slow, "tier": 0}])
        proc = self.popen("--now", TUESDAY_DEC_1, "--backfill", "2026-11-23..2026-11-25", "--json")
        poll_until(self.ran, 20)
        self.assertEqual(len(self.ran()), 1, "the first date did not start")
        proc.send_signal(signal.SIGTERM)
        done = self.finish(proc, timeout=30)
        self.assertRc(done, 143)
        self.assertEqual(self.dates_of("Slow"), ["2026-11-23"])
        self.assertEqual([(r["trading_date"], r["status"]) for r in self.p.runs()],
                         [("2026-11-23", "INTERRUPTED")])
        self.assertEqual(self.p.status("Slow")["status"], "INTERRUPTED")
        # The next backfill redoes the interrupted date.
        self.p.script("slow.sh", RECORD)
        self.assertRc(self.orch(TUESDAY_DEC_1, "--backfill", "2026-11-23..2026-11-25"), 0)
        self.assertEqual(self.dates_of("Slow"), ["2026-11-23", "2026-11-23", "2026-11-24", "2026-11-25"])


class CatchUp(BackfillTestCase):
    def test_fills_missed_dates_since_the_first_recorded_one_then_runs_today(self):
        self.two_tasks(daily_catchup=5)
        # History starts on Monday the 23rd (a new database: nothing before it is filled).
        r = self.orch(MONDAY_NOV_23, "--daily", "--no-wait")
        self.assertRc(r, 0)
        self.assertNotIn("Catching up", r.stderr)
        self.assertEqual(self.dates_of("Prices"), ["2026-11-23"])
        # Friday: the 24th and 25th were missed (the 26th is a holiday), then today.
        r = self.orch(FRIDAY_NOV_27, "--daily", "--no-wait")
        self.assertRc(r, 0)
        self.assertEqual(self.dates_of("Prices"), ["2026-11-23", "2026-11-24", "2026-11-25", "2026-11-27"])
        self.assertIn("Catching up 2 missed trading date(s)", r.stderr)
        self.assertIn("2026-11-24 (not yet succeeded: Prices, Report)", r.stderr)
        self.assertIn("first recorded date 2026-11-23", r.stderr)
        # Nothing is missed any more: a second --daily catches nothing up and redoes nothing.
        r = self.orch(FRIDAY_NOV_27, "--daily", "--no-wait")
        self.assertRc(r, 0)
        self.assertNotIn("Catching up", r.stderr)
        self.assertEqual(len(self.dates_of("Prices")), 4)

    def test_only_the_tasks_that_did_not_succeed_and_only_the_last_n_dates(self):
        fail = self.p.script("report.sh", RECORD + '[ -e "$(dirname "$0")/../broken" ] && exit 1\nexit 0\n')
        self.p.write_config([
            {"name": "Prices", "script": self.record, "tier": 0},
            {"name": "Report", "script": fail, "tier": 1},
        ], daily_catchup=2)
        open(self.p.path("broken"), "w").close()
        self.assertRc(self.orch("2026-11-20T10:00:00-05:00", "--backfill", "2026-11-19..2026-11-20"), 1)
        self.assertRc(self.orch("2026-11-23T10:00:00-05:00", "--daily", "--date", "2026-11-23"), 1)
        os.remove(self.p.path("broken"))
        before = len(self.ran())
        # On the 25th: the last 2 trading dates before it are the 23rd and 24th; the 19th and
        # 20th are older than that and stay missed.
        r = self.orch("2026-11-25T10:00:00-05:00", "--daily", "--no-wait")
        self.assertRc(r, 0)
        self.assertEqual(self.ran()[before:], [
            ("Report", "2026-11-23", "daily"),
            ("Prices", "2026-11-24", "daily"), ("Report", "2026-11-24", "daily"),
            ("Prices", "2026-11-25", "daily"), ("Report", "2026-11-25", "daily")])

    def test_a_bad_daily_catchup_is_refused_with_its_line(self):
        for bad in ("-1", "many", "400"):
            with self.subTest(value=bad):
                self.p.write_raw(f"daily_catchup: {bad}\ndaily_schedule:\n  - name: A\n    script: {self.record}\n")
                r = self.p.run("--validate")
                self.assertRc(r, 2)
                self.assertIn("pipeline.yaml:1", r.stderr)
                self.assertIn("daily_catchup", r.stderr)

    def test_a_new_database_fills_no_history(self):
        self.two_tasks(daily_catchup=10)
        r = self.orch(FRIDAY_NOV_27, "--daily", "--no-wait")
        self.assertRc(r, 0)
        self.assertEqual(self.dates_of("Prices"), ["2026-11-27"])

    def test_dry_run_shows_the_catch_up(self):
        self.two_tasks(daily_catchup=5)
        self.assertRc(self.orch(MONDAY_NOV_23, "--daily", "--no-wait"), 0)
        r = self.orch(FRIDAY_NOV_27, "--daily", "--dry-run")
        self.assertRc(r, 0)
        self.assertIn("Catch-up first: trading date 2026-11-24: would run Prices, Report", r.stdout)
        self.assertIn("Catch-up first: trading date 2026-11-25", r.stdout)
        self.assertEqual(len(self.dates_of("Prices")), 1)

    def test_a_timer_on_a_closed_day_still_catches_up(self):
        self.two_tasks(daily_catchup=3)
        self.assertRc(self.orch(MONDAY_NOV_23, "--daily", "--no-wait"), 0)
        r = self.orch("2026-11-28T10:00:00-05:00", "--daily", "--scheduled")
        self.assertRc(r, 0)
        self.assertIn("not a daily day", r.stderr)
        # The last 3 trading dates before Saturday the 28th: 24th, 25th, 27th.
        self.assertEqual(self.dates_of("Prices"), ["2026-11-23", "2026-11-24", "2026-11-25", "2026-11-27"])


class FreshnessAfterBackfill(BackfillTestCase):
    """A source's age counts from the newest data instant among its successful runs."""

    TUESDAY_11 = "2026-12-01T11:00:00-05:00"

    def setUp(self):
        super().setUp()
        self.p.write_config(
            [{"name": "Fundamentals", "script": self.record, "tier": 0, "data_source": "fundamentals"}],
            freshness_thresholds={"green": {"fundamentals": 86400}, "yellow": {"fundamentals": 172800}},
            metrics_file="metrics/orchestrator.prom")

    def health(self, now):
        r = self.orch(now, "--health", "--json")
        doc = json.loads(r.stdout)
        return r.returncode, doc["sources"][0], doc["missed_dates"]

    def metric(self, name):
        with open(self.p.path("metrics", "orchestrator.prom")) as f:
            for line in f:
                if line.startswith(name + "{"):
                    return float(line.split()[-1])
        return None

    def test_backfilling_old_dates_leaves_a_fresh_source_as_it_was(self):
        self.assertRc(self.orch(TUESDAY_DEC_1, "--daily", "--no-wait"), 0)
        rc, before, _ = self.health(self.TUESDAY_11)
        self.assertEqual((rc, before["status"]), (0, "green"))
        self.assertAlmostEqual(before["age_seconds"], 3600, delta=30)
        self.assertRc(self.orch(self.TUESDAY_11, "--backfill", "2026-11-20..2026-11-25"), 0)
        rc, after, _ = self.health(self.TUESDAY_11)
        self.assertEqual((rc, after["status"]), (0, "green"))
        self.assertAlmostEqual(after["age_seconds"], before["age_seconds"], delta=30)
        self.assertEqual(self.metric("orchestrator_source_status"), 0)
        self.assertAlmostEqual(self.metric("orchestrator_source_age_seconds"), 3600, delta=30)

    def test_a_backfill_alone_does_not_make_a_stale_source_look_fresh(self):
        self.assertRc(self.orch(self.TUESDAY_11, "--backfill", "2026-11-20..2026-11-20"), 0)
        rc, src, _ = self.health(self.TUESDAY_11)
        self.assertEqual((rc, src["status"]), (1, "red"))
        # Aged from Friday Nov 20's close (on the days daily_days runs): days, not a minute.
        self.assertGreater(src["age_seconds"], 4 * 86400)
        r = self.orch(self.TUESDAY_11, "--health")
        self.assertIn("data as of Fri 2026-11-20 16:00 EST (the close of its trading date)", r.stdout)
        self.assertEqual(self.metric("orchestrator_source_status"), 2)
        # --update-stale agrees: the source is selected and refreshed.
        r = self.orch(self.TUESDAY_11, "--update-stale")
        self.assertRc(r, 0)
        self.assertIn("fundamentals (red", r.stdout)
        rc, src, _ = self.health(self.TUESDAY_11)
        self.assertEqual((rc, src["status"]), (0, "green"))

    def test_missed_trading_dates_are_listed_since_the_first_recorded_date(self):
        self.assertRc(self.orch(self.TUESDAY_11, "--daily", "--date", "2026-11-24"), 0)
        self.assertRc(self.orch(self.TUESDAY_11, "--daily", "--date", "2026-11-27"), 0)
        _, _, missed = self.health(self.TUESDAY_11)
        # Not the 20th or 23rd (before the first recorded date), not the 26th (a holiday), not
        # today.
        self.assertEqual(missed, [{"date": "2026-11-25", "tasks": ["Fundamentals"]},
                                  {"date": "2026-11-30", "tasks": ["Fundamentals"]}])
        r = self.orch(self.TUESDAY_11, "--health")
        self.assertIn("MISSED TRADING DATES", r.stdout)
        self.assertIn("2026-11-25: not succeeded: Fundamentals", r.stdout)
        self.assertRc(self.orch(self.TUESDAY_11, "--backfill", "2026-11-24..2026-11-30"), 0)
        _, _, missed = self.health(self.TUESDAY_11)
        self.assertEqual(missed, [])
        self.assertNotIn("MISSED TRADING DATES", self.orch(self.TUESDAY_11, "--health").stdout)


class ShippedPipelineBackfill(unittest.TestCase):
    """The shipped collectors and dependency_graph.yaml over Thanksgiving week 2026."""

    MONDAY_BEFORE_OPEN = "2026-11-30T08:00:00-05:00"

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="orch-backfill-")
        shutil.copytree(os.path.join(REPO, "collectors"), os.path.join(self.dir, "collectors"))
        shutil.copy(os.path.join(REPO, "dependency_graph.yaml"), self.dir)
        self.config = os.path.join(self.dir, "dependency_graph.yaml")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def run_orch(self, *args):
        env = {k: v for k, v in os.environ.items() if not k.startswith("ORCHESTRATOR_")}
        return subprocess.run([BIN, "-c", self.config, "--now", self.MONDAY_BEFORE_OPEN, *args],
                              cwd=self.dir, env=env, capture_output=True, text=True, timeout=600)

    def test_a_week_with_a_holiday(self):
        r = self.run_orch("--backfill", "2026-11-23..2026-11-29", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = json.loads(r.stdout)
        self.assertTrue(doc["ok"])
        dates = [d["date"] for d in doc["dates"]]
        self.assertEqual(dates, ["2026-11-23", "2026-11-24", "2026-11-25", "2026-11-27"])
        daily = {d["ran"] for d in doc["dates"]}
        self.assertEqual(len(daily), 1, doc)
        n = daily.pop()
        self.assertGreaterEqual(n, 5)
        for d in doc["dates"]:
            self.assertEqual((d["succeeded"], d["failed"], d["skipped"]), (n, 0, 0), d)
        self.assertIn("date 4 of 4 (2026-11-27)", r.stderr)
        with sqlite3.connect(os.path.join(self.dir, "data", "pipeline.db")) as db:
            per_date = dict(db.execute(
                "SELECT trading_date, COUNT(DISTINCT task_name) FROM task_runs "
                "WHERE status = 'SUCCESS' GROUP BY trading_date"))
        self.assertEqual(per_date, {d: n for d in dates})
        # Nothing left to do: a second backfill starts no task; --health misses no date.
        again = json.loads(self.run_orch("--backfill", "2026-11-23..2026-11-27", "--json").stdout)
        self.assertEqual({d["ran"] for d in again["dates"]}, {0})
        health = json.loads(self.run_orch("--health", "--json").stdout)
        self.assertEqual(health["missed_dates"], [])
        # Ages count from Friday the 27th's data (the collectors report it as of their time
        # that day), not from the backfill that ran minutes ago: ~22.5 h of daily-run time.
        fundamentals = next(s for s in health["sources"] if s["name"] == "fundamentals")
        self.assertEqual(fundamentals["status"], "green")
        self.assertGreater(fundamentals["age_seconds"], 20 * 3600)
        self.assertLess(fundamentals["age_seconds"], 24 * 3600)


if __name__ == "__main__":
    unittest.main()
