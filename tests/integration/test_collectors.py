"""The shipped collectors (collectors/) tell the truth: DATA_AS_OF always, and no newer than the
oldest symbol's data; bad CSV rows are put aside with file:line; CSV files are streamed and an
append-only file is read from where the last run stopped; clear messages for a non-UTF-8 file
and a locked market database; a past trading date is collected as known on that date.

Each test copies collectors/ (and, when the orchestrator runs them, dependency_graph.yaml) into
a temporary folder and writes its CSV data there.
"""

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time

from harness import PipelineTestCase, Result

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TUESDAY, WEDNESDAY = "2026-11-17", "2026-11-18"


def bars(symbol, day, first, last, price=100.0, offset="-05:00"):
    """CSV lines of 1-minute bars of symbol starting at first..last ("HH:MM", New York)."""
    out = []
    h, m = map(int, first.split(":"))
    while f"{h:02d}:{m:02d}" <= last:
        out.append(f"{symbol},{day}T{h:02d}:{m:02d}:00{offset},{price:.2f},{price + 0.5:.2f},"
                   f"{price - 0.5:.2f},{price + 0.1:.2f},1000")
        h, m = (h + 1, 0) if m == 59 else (h, m + 1)
        price += 0.05
    return out


def reported(result):
    """{RECORDS_PROCESSED, DATA_AS_OF} as the last lines of the output give them."""
    out = {}
    for line in result.output.splitlines():
        key, eq, value = line.partition("=")
        if eq and key in ("RECORDS_PROCESSED", "DATA_AS_OF"):
            out[key] = value
    return out


class CollectorsTestCase(PipelineTestCase):
    def setUp(self):
        super().setUp()
        shutil.copytree(os.path.join(REPO, "collectors"), self.p.path("collectors"),
                        ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy(os.path.join(REPO, "dependency_graph.yaml"), self.p.config_path)
        self.csv = self.p.path("csv")
        os.makedirs(self.csv)
        self.write_csv("assets.csv", ["symbol,name,sector", "AAPL,Apple Inc.,Technology",
                                      "MSFT,Microsoft Corp.,Technology"])

    def write_csv(self, name, lines, mode="w"):
        with open(os.path.join(self.csv, name), mode) as f:
            f.write("\n".join(lines) + "\n")

    def collector(self, script, *args, env=None, timeout=60):
        """Run collectors/<script> in the folder (market data in data/market.db), no orchestrator."""
        full = dict(self.p.env(), MARKET_DATA_CSV_DIR=self.csv)
        full.pop("MARKET_DB", None)
        full.update(env or {})
        start = time.monotonic()
        proc = subprocess.run([sys.executable, os.path.join("collectors", script), *args], cwd=self.p.root,
                              env=full, capture_output=True, text=True, timeout=timeout)
        return Result(proc.returncode, proc.stdout, proc.stderr, time.monotonic() - start)

    def market(self, sql, params=()):
        with sqlite3.connect(self.p.path("data", "market.db")) as db:
            return db.execute(sql, params).fetchall()

    def orch(self, *args, **kw):
        return self.p.run(*args, env={"MARKET_DATA_CSV_DIR": self.csv}, **kw)

    def sources(self, now):
        r = self.orch("--now", now, "--health", "--json")
        return {s["name"]: s for s in json.loads(r.stdout)["sources"]}


class DataAsOf(CollectorsTestCase):
    def test_intraday_signals_are_not_fresh_when_there_are_no_bars_today(self):
        """Tuesday's bars only: on Wednesday Price Data has nothing new, and neither Intraday
        Features nor Intraday Signals may look fresher than the bars they come from."""
        self.write_csv("intraday_bars.csv", ["symbol,timestamp,open,high,low,close,volume"]
                       + bars("AAPL", TUESDAY, "09:30", "10:00") + bars("MSFT", TUESDAY, "09:30", "10:00"))
        r = self.orch("--now", f"{TUESDAY}T10:01:00-05:00", "--intraday", "--once")
        self.assertRc(r, 0)
        green = self.sources(f"{TUESDAY}T10:02:00-05:00")
        self.assertEqual({green[s]["status"] for s in ("price_data", "intraday_features", "intraday_signals")},
                         {"green"}, green)

        r = self.orch("--now", f"{WEDNESDAY}T10:30:00-05:00", "--intraday", "--once")
        self.assertRc(r, 0)
        for task in ("Price Data", "ML Features Refresh", "Intraday Signals"):
            self.assertEqual(self.p.status(task)["status"], "SUCCESS", task)
            runs = self.p.task_runs(task)
            # each run reported its data instant: the end of Tuesday's bars (10:01 New York)
            self.assertEqual(runs[-1]["data_as_of"], f"{TUESDAY}T15:01:00Z", task)
        stale = self.sources(f"{WEDNESDAY}T10:31:00-05:00")
        for source in ("price_data", "intraday_features", "intraday_signals"):
            self.assertEqual(stale[source]["status"], "red", stale[source])

    def test_every_collector_prints_data_as_of(self):
        """The whole shipped pipeline, synthetic: every attempt reported DATA_AS_OF."""
        r = self.p.run("--now", f"{WEDNESDAY}T10:00:00-05:00", "--daily")
        self.assertRc(r, 0)
        r = self.p.run("--now", f"{WEDNESDAY}T10:05:00-05:00", "--intraday", "--once")
        self.assertRc(r, 0)
        runs = self.p.task_runs()
        self.assertEqual(len({t["task_name"] for t in runs}), 14)
        self.assertEqual([t["task_name"] for t in runs if not t["data_as_of"]], [])
        for t in runs:
            self.assertTrue(t["data_as_of"].startswith(WEDNESDAY), t)

    def test_lagging_symbol_holds_price_data_back_and_is_named(self):
        self.write_csv("intraday_bars.csv", ["symbol,timestamp,open,high,low,close,volume"]
                       + bars("AAPL", WEDNESDAY, "09:30", "10:30") + bars("MSFT", WEDNESDAY, "09:30", "09:59"))
        r = self.collector("02_collect_price_data.py", "--now", f"{WEDNESDAY}T10:31:30-05:00")
        self.assertRc(r, 0)
        self.assertEqual(reported(r), {"RECORDS_PROCESSED": "91", "DATA_AS_OF": f"{WEDNESDAY}T15:00:00Z"})
        self.assertIn("MSFT (up to 2026-11-18 10:00 New York, 31 min behind)", r.stderr)
        self.assertNotIn("AAPL (", r.stderr)

        # What the orchestrator shows: Price Data is 31 minutes old, not fresh.
        r = self.orch("--now", f"{WEDNESDAY}T10:31:30-05:00", "--intraday", "--once", "--task", "Price Data")
        self.assertRc(r, 0)
        price = self.sources(f"{WEDNESDAY}T10:32:00-05:00")["price_data"]
        self.assertEqual(price["status"], "red", price)
        self.assertGreaterEqual(price["age_seconds"], 31 * 60)


class DataAsOfForms(PipelineTestCase):
    """What the orchestrator makes of a DATA_AS_OF without an offset, a date alone, or junk."""

    def test_local_time_date_and_unparsable(self):
        p = self.p
        tasks = []
        for name, value in (("Local", "2026-11-20T09:45:00"), ("Dated", "2026-11-19"), ("Junk", "around ten")):
            tasks.append({"name": name, "script": p.script(f"{name}.sh", f'echo "DATA_AS_OF={value}"'),
                          "data_source": name.lower()})
        p.write_config(tasks, freshness_thresholds={"green": {t["data_source"]: 3600 for t in tasks},
                                                    "yellow": {t["data_source"]: 7200 for t in tasks}})
        r = p.run("--now", "2026-11-20T10:00:00-05:00", "--daily", "--no-wait")
        self.assertRc(r, 0)
        warning = "ignored DATA_AS_OF=around ten: expected ISO 8601"
        self.assertIn(f"Junk: {warning}", r.stderr)
        self.assertIn(f"Junk: {warning}", p.read("logs", "orchestrator.log"))
        (junk,) = p.task_runs("Junk")
        with open(junk["log_path"]) as f:
            self.assertIn(f"orchestrator: warning: {warning}", f.read())
        self.assertIsNone(junk["data_as_of"])
        doc = json.loads(p.run("--now", "2026-11-20T10:30:00-05:00", "--health", "--json").stdout)
        age = {s["name"]: s["age_seconds"] for s in doc["sources"]}
        self.assertAlmostEqual(age["local"], 45 * 60, delta=60)   # 09:45 New York, not 09:45 UTC
        self.assertAlmostEqual(age["dated"], 18.5 * 3600, delta=60)  # the 19th's 16:00 close
        self.assertLess(age["junk"], 31 * 60)                    # ignored: the run's end


class CsvRows(CollectorsTestCase):
    def test_impossible_values_and_duplicates_are_rejected_with_file_and_line(self):
        self.write_csv("daily_bars.csv", [
            "symbol,date,open,high,low,close,volume",
            "AAPL,2026-11-16,100,101,99,100.5,1000",      # 2: good
            "AAPL,2026-11-17,100,101,99,nan,1000",        # 3: nan
            "MSFT,2026-11-16,400,401,399,inf,1000",       # 4: inf
            "MSFT,2026-11-17,400,401,399,-5,1000",        # 5: negative close
            "MSFT,2026-11-18,400,401,399,400,-100",       # 6: negative volume
            "AAPL,2026-11-18,100,99,101,100,1000",        # 7: high < low
            "AAPL,2026-11-16,100,101,99,100.9,2000",      # 8: duplicate of line 2
            "MSFT,2026-11-13,400,402,398,401,5000",       # 9: good
        ])
        r = self.collector("01_collect_assets.py", "--now", f"{WEDNESDAY}T22:00:00Z")
        self.assertRc(r, 0)
        path = os.path.join(self.csv, "daily_bars.csv")
        for line, what in ((3, "column 'close': expected a finite number, got 'nan'"),
                           (4, "column 'close': expected a finite number, got 'inf'"),
                           (5, "column 'close': a price must be > 0, got '-5'"),
                           (6, "column 'volume': expected a whole number >= 0, got '-100'"),
                           (7, "impossible bar: high 99, low 101"),
                           (8, "duplicate daily bar of AAPL, 2026-11-16 (line 2 is kept)")):
            self.assertIn(f"{path}:{line}: {what}", r.stderr)
        self.assertIn("6 CSV rows rejected", r.stdout)
        # 2 assets + 2 bars stored, and that is what is counted
        self.assertEqual(reported(r)["RECORDS_PROCESSED"], "4")
        self.assertEqual(self.market("SELECT symbol, date, close, volume FROM daily_bars ORDER BY symbol, date"),
                         [("AAPL", "2026-11-16", 100.5, 1000), ("MSFT", "2026-11-13", 401.0, 5000)])

    def test_bad_intraday_rows_are_rejected(self):
        self.write_csv("intraday_bars.csv", ["symbol,timestamp,open,high,low,close,volume"]
                       + bars("AAPL", WEDNESDAY, "09:30", "09:31")
                       + ["AAPL,2026-11-18T09:32:00-05:00,100,101,99,NaN,10",
                          "AAPL,2026-11-18T09:31:00-05:00,100,101,99,100,10"])
        r = self.collector("02_collect_price_data.py", "--symbols", "AAPL", "--now", f"{WEDNESDAY}T09:40:00-05:00")
        self.assertRc(r, 0)
        self.assertIn("intraday_bars.csv:4: column 'close': expected a finite number", r.stderr)
        self.assertIn("intraday_bars.csv:5: duplicate 1-minute bar of AAPL, 2026-11-18T14:31:00Z (line 3 is kept)",
                      r.stderr)
        self.assertEqual(reported(r)["RECORDS_PROCESSED"], "2")
        self.assertEqual(self.market("SELECT COUNT(*), COUNT(close) FROM price_bars_1min"), [(2, 2)])


class CsvStreaming(CollectorsTestCase):
    def test_a_large_file_is_streamed_in_bounded_memory(self):
        lines = ["symbol,date,open,high,low,close,volume"]
        for i in range(150_000):  # about 7 MB: other symbols, and ours over 30 days
            lines.append(f"X{i % 400:03d},2026-{1 + i % 10:02d}-{1 + i % 28:02d},50.1,51.2,49.3,50.7,{1000 + i}")
        for day in range(1, 31):
            if day not in (1, 7, 8, 14, 15, 21, 22, 26, 28, 29):  # weekends and Thanksgiving in November 2026
                lines.append(f"AAPL,2026-11-{day:02d},100,101,99,100.5,1000")
        self.write_csv("daily_bars.csv", lines)
        self.assertGreater(os.path.getsize(os.path.join(self.csv, "daily_bars.csv")), 6_000_000)
        # A parent of its own, so that its peak RSS is the collector's alone.
        probe = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); "
                 "print('MAXRSS_KB', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
                 "sys.exit(r.returncode)")
        full = dict(self.p.env(), MARKET_DATA_CSV_DIR=self.csv)
        proc = subprocess.run([sys.executable, "-c", probe, sys.executable, "collectors/01_collect_assets.py",
                               "--symbols", "AAPL", "--now", "2026-11-30T22:00:00Z"], cwd=self.p.root, env=full,
                              capture_output=True, text=True, timeout=120)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("RECORDS_PROCESSED=21", proc.stdout)  # 1 asset + 20 sessions
        rss_kb = int(proc.stderr.rsplit("MAXRSS_KB", 1)[1].split()[0])
        self.assertLess(rss_kb, 100_000, "the collector held the file in memory")

    def test_an_append_only_file_is_read_from_where_the_last_run_stopped(self):
        header = ["symbol,timestamp,open,high,low,close,volume"]
        self.write_csv("intraday_bars.csv", header + bars("AAPL", WEDNESDAY, "09:30", "09:39"))
        run = lambda now: self.collector("02_collect_price_data.py", "--incremental", "--symbols", "AAPL",
                                         "--now", f"{WEDNESDAY}T{now}:00-05:00")
        r = run("09:40")
        self.assertRc(r, 0)
        self.assertEqual(reported(r)["RECORDS_PROCESSED"], "10")
        self.assertIn("read 10 lines of intraday_bars.csv", r.stdout)

        # Appended: the second run reads only the new lines. The bar that started at 09:44 is not
        # complete at 09:44:30, so the third run reads it again.
        self.write_csv("intraday_bars.csv", bars("AAPL", WEDNESDAY, "09:40", "09:44", price=101), mode="a")
        r = self.collector("02_collect_price_data.py", "--incremental", "--symbols", "AAPL",
                           "--now", f"{WEDNESDAY}T09:44:30-05:00")
        self.assertRc(r, 0)
        self.assertEqual(reported(r), {"RECORDS_PROCESSED": "4", "DATA_AS_OF": f"{WEDNESDAY}T14:44:00Z"})
        self.assertRegex(r.stdout, r"read 5 new lines of intraday_bars\.csv from byte \d+")
        r = run("09:46")
        self.assertEqual(reported(r), {"RECORDS_PROCESSED": "1", "DATA_AS_OF": f"{WEDNESDAY}T14:45:00Z"})
        self.assertRegex(r.stdout, r"read 1 new lines of intraday_bars\.csv")

        # Replaced by a new file (another inode): read from the start.
        tmp = os.path.join(self.csv, "new.csv")
        with open(tmp, "w") as f:
            f.write("\n".join(header + bars("AAPL", WEDNESDAY, "09:30", "09:47")) + "\n")
        os.replace(tmp, os.path.join(self.csv, "intraday_bars.csv"))
        r = run("09:48")
        self.assertIn("it was replaced since the last run: reading it from the start", r.stderr)
        self.assertIn("read 18 lines of intraday_bars.csv", r.stdout)
        self.assertEqual(reported(r)["DATA_AS_OF"], f"{WEDNESDAY}T14:48:00Z")

        # Shrunk (truncated and rewritten in place): read from the start.
        self.write_csv("intraday_bars.csv", header + bars("AAPL", WEDNESDAY, "09:30", "09:31"))
        r = run("09:49")
        self.assertIn("it shrank since the last run: reading it from the start", r.stderr)
        self.assertIn("read 2 lines of intraday_bars.csv", r.stdout)
        self.assertEqual(self.market("SELECT COUNT(*) FROM price_bars_1min"), [(18,)])


class Messages(CollectorsTestCase):
    def test_a_file_that_is_not_utf8_is_named_with_its_line(self):
        with open(os.path.join(self.csv, "daily_bars.csv"), "wb") as f:
            f.write(b"symbol,date,open,high,low,close,volume\nAAPL,2026-11-16,100,101,99,100.5,1000\n"
                    b"AAPL,2026-11-17,100,101,99,100.5,1000 \xe9\xe9\n")
        r = self.collector("01_collect_assets.py", "--now", f"{WEDNESDAY}T22:00:00Z")
        self.assertRc(r, 1)
        self.assertIn(f"{os.path.join(self.csv, 'daily_bars.csv')}:3: not UTF-8 (byte 0xe9 at column 39): "
                      "save the file as UTF-8", r.stderr)
        self.assertNotIn("Traceback", r.stderr)

    def test_a_locked_database_is_reported_before_the_task_limit(self):
        self.write_csv("intraday_bars.csv", ["symbol,timestamp,open,high,low,close,volume"]
                       + bars("AAPL", WEDNESDAY, "09:30", "09:35"))
        self.assertRc(self.collector("02_collect_price_data.py", "--now", f"{WEDNESDAY}T09:40:00-05:00"), 0)
        holder = sqlite3.connect(self.p.path("data", "market.db"), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            # The orchestrator gives the task's limit: 8 s; the collector waits a quarter of it.
            with open(self.p.config_path) as f:
                text = f.read().replace("max_runtime_seconds: 45", "max_runtime_seconds: 8")
            with open(self.p.config_path, "w") as f:
                f.write(text)
            r = self.orch("--now", f"{WEDNESDAY}T09:41:00-05:00", "--intraday", "--once", "--task", "Price Data")
            self.assertRc(r, 1)
            row = self.p.status("Price Data")
            self.assertEqual(row["status"], "FAILED", row)  # not TIMEOUT
            self.assertIn("data/market.db is locked by another process (waited 2 s)", row["last_error_message"])
            # Without a limit from the orchestrator: the default wait, well under 45 s.
            r = self.collector("02_collect_price_data.py", "--now", f"{WEDNESDAY}T09:40:00-05:00")
            self.assertRc(r, 1)
            self.assertIn("is locked by another process (waited 10 s)", r.stderr)
            self.assertLess(r.elapsed, 30)
        finally:
            holder.execute("ROLLBACK")
            holder.close()


class PastTradingDates(CollectorsTestCase):
    """Wednesday 18 November collected a week later (a backfill): that date's data, as known at
    its close, and a rerun replaces that date's rows."""

    LATER = "2026-11-25T15:00:00Z"

    def backfill(self, script, *args):
        return self.collector(script, *args, env={"MARKET_DATA_CSV_DIR": "", "ORCHESTRATOR_TRADING_DATE": WEDNESDAY,
                                                  "ORCHESTRATOR_SCHEDULED_AT": self.LATER})

    def test_synthetic_collectors_collect_that_date_twice_without_duplicates(self):
        counts = None
        for _ in range(2):
            for script in ("01_collect_assets.py", "02_collect_price_data.py", "03_collect_fundamentals.py",
                           "04_collect_insider_trading.py", "07_collect_news.py", "10_collect_earnings.py"):
                if script == "07_collect_news.py":
                    self.assertRc(self.backfill("05_collect_analyst_ratings.py"), 0)
                r = self.backfill(script)
                self.assertRc(r, 0)
                # the daily datasets are complete up to that date's close, not a week later
                self.assertEqual(reported(r)["DATA_AS_OF"], f"{WEDNESDAY}T21:00:00Z", script)
            again = {t: self.market(f"SELECT COUNT(*) FROM {t}")[0][0]
                     for t in ("daily_bars", "price_bars_1min", "fundamentals", "insider_trades", "news_events",
                               "earnings")}
            self.assertTrue(all(again.values()), again)
            self.assertEqual(again, counts or again)
            counts = again
        self.assertEqual(self.market("SELECT MAX(date) FROM daily_bars"), [(WEDNESDAY,)])
        self.assertEqual(self.market("SELECT MIN(date), MAX(date), COUNT(*) FROM price_bars_1min"),
                         [(WEDNESDAY, WEDNESDAY, 20 * 390)])
        self.assertEqual(self.market("SELECT MAX(published_at) <= ? FROM news_events", (f"{WEDNESDAY}T21:00:00Z",)),
                         [(1,)])
        # nothing reported after the date's close is known (an AMC report that evening stays open)
        self.assertEqual(self.market("SELECT COUNT(*) FROM earnings WHERE report_date > ? AND eps_actual IS NOT NULL",
                                     (WEDNESDAY,)), [(0,)])

    def test_csv_price_data_reads_that_date_and_a_rerun_replaces_its_rows(self):
        self.write_csv("intraday_bars.csv", ["symbol,timestamp,open,high,low,close,volume"]
                       + bars("AAPL", TUESDAY, "15:00", "15:59") + bars("AAPL", WEDNESDAY, "09:30", "15:59")
                       + bars("AAPL", "2026-11-19", "09:30", "10:00"))
        env = {"ORCHESTRATOR_TRADING_DATE": WEDNESDAY, "ORCHESTRATOR_SCHEDULED_AT": self.LATER}
        for _ in range(2):
            r = self.collector("02_collect_price_data.py", "--symbols", "AAPL", env=env)
            self.assertRc(r, 0)
            self.assertEqual(reported(r), {"RECORDS_PROCESSED": "390", "DATA_AS_OF": f"{WEDNESDAY}T21:00:00Z"})
        self.assertEqual(self.market("SELECT date, COUNT(*) FROM price_bars_1min GROUP BY date"), [(WEDNESDAY, 390)])
        # a weekend run is given the latest session's date (Friday): Friday's bars, as of its close
        r = self.collector("02_collect_price_data.py", "--symbols", "AAPL", env={
            "MARKET_DATA_CSV_DIR": "", "ORCHESTRATOR_TRADING_DATE": "2026-11-20",
            "ORCHESTRATOR_SCHEDULED_AT": "2026-11-21T15:00:00Z"})
        self.assertEqual(reported(r), {"RECORDS_PROCESSED": "390", "DATA_AS_OF": "2026-11-20T21:00:00Z"})

    def test_a_corrected_csv_row_replaces_the_old_one_on_a_rerun(self):
        self.write_csv("daily_bars.csv", ["symbol,date,open,high,low,close,volume",
                                          "AAPL,2026-11-17,100,101,99,100.5,1000"])
        env = {"ORCHESTRATOR_TRADING_DATE": WEDNESDAY, "ORCHESTRATOR_SCHEDULED_AT": self.LATER}
        self.assertRc(self.collector("01_collect_assets.py", env=env), 0)
        for shares in (500, 700):  # the export corrected the number of shares
            self.write_csv("insider_trades.csv", [
                "symbol,filing_date,insider_name,title,transaction_type,shares,price",
                f"AAPL,{WEDNESDAY},Jane Doe,CFO,S,{shares},101.5", "MSFT,2026-11-16,John Roe,Director,P,100,400"])
            r = self.collector("04_collect_insider_trading.py", env=env)
            self.assertRc(r, 0)
            self.assertEqual(reported(r), {"RECORDS_PROCESSED": "2", "DATA_AS_OF": f"{WEDNESDAY}T21:00:00Z"})
        self.assertEqual(self.market("SELECT symbol, shares FROM insider_trades ORDER BY symbol"),
                         [("AAPL", 700), ("MSFT", 100)])

    def test_orchestrator_daily_on_that_morning(self):
        r = self.p.run("--now", f"{WEDNESDAY}T09:45:00-05:00", "--daily", "--no-wait",
                       "--task", "Asset Collection", "--task", "Fundamental Data")
        self.assertRc(r, 0)
        runs = self.p.task_runs()
        self.assertEqual(len(runs), 2)
        for t in runs:  # the instant it ran as: its not-before time on that morning
            self.assertEqual(t["data_as_of"], t["scheduled_at"].replace(" ", "T")[:19] + "Z", t)
            self.assertTrue(t["data_as_of"].startswith(f"{WEDNESDAY}T14:30:"), t)
        self.assertEqual(self.market("SELECT MAX(date) FROM daily_bars"), [(TUESDAY,)])  # Wednesday not closed yet
        self.assertEqual(self.market("SELECT DISTINCT date FROM fundamentals"), [(WEDNESDAY,)])


if __name__ == "__main__":
    import unittest
    unittest.main()
