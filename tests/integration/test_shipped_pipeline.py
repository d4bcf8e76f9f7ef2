"""End to end on a copy of the shipped pipeline (collectors/ + dependency_graph.yaml).

A trading day's --daily fills the market database, --intraday --once adds prices, --health
is all green; days later sources are red, --update-stale makes them green again; a second
--daily changes nothing.
"""

import json
import os
import shutil
import sqlite3
import subprocess
import unittest

from harness import BIN, REPO, temp_folder

WEDNESDAY_10 = "2026-11-18T10:00:00-05:00"
WEDNESDAY_1001 = "2026-11-18T10:01:00-05:00"
WEDNESDAY_1002 = "2026-11-18T10:02:00-05:00"
FRIDAY_NOON = "2026-11-20T12:00:00-05:00"
FRIDAY_1201 = "2026-11-20T12:01:00-05:00"


class ShippedPipeline(unittest.TestCase):
    def setUp(self):
        self.dir = temp_folder(self, "orch-shipped-")
        shutil.copytree(os.path.join(REPO, "collectors"), os.path.join(self.dir, "collectors"))
        shutil.copy(os.path.join(REPO, "dependency_graph.yaml"), self.dir)
        self.config = os.path.join(self.dir, "dependency_graph.yaml")

    def run_orch(self, now, *args):
        env = dict(os.environ)
        env.pop("ORCHESTRATOR_NOW", None)
        return subprocess.run([BIN, "-c", self.config, "--now", now, *args], cwd=self.dir,
                              env=env, capture_output=True, text=True, timeout=300)

    def health(self, now):
        r = self.run_orch(now, "--health", "--json")
        return r.returncode, json.loads(r.stdout)

    def market(self, sql):
        with sqlite3.connect(os.path.join(self.dir, "data", "market.db")) as db:
            return db.execute(sql).fetchone()[0]

    def status(self):
        with sqlite3.connect(os.path.join(self.dir, "data", "pipeline.db")) as db:
            return {row[0]: row[1:] for row in db.execute(
                "SELECT task_name, status, total_runs, updated_at FROM data_pipeline_status")}

    def test_a_trading_day_then_days_later(self):
        r = self.run_orch(WEDNESDAY_10, "--daily")
        self.assertEqual(r.returncode, 0, r.stderr)
        status = self.status()
        daily = [n for n, s in status.items() if s[0] == "SUCCESS"]
        self.assertEqual(len(daily), 11, status)
        for table in ("assets", "daily_bars", "fundamentals", "news_events", "sentiment",
                      "options_chain", "earnings", "ml_features", "trading_signals"):
            self.assertGreater(self.market(f"SELECT COUNT(*) FROM {table}"), 0, table)

        r = self.run_orch(WEDNESDAY_1001, "--intraday", "--once")
        self.assertEqual(r.returncode, 0, r.stderr)
        bars = self.market("SELECT COUNT(*) FROM price_bars_1min")
        self.assertGreater(bars, 0)
        self.assertEqual(self.status()["Price Data"][0], "SUCCESS")

        code, report = self.health(WEDNESDAY_1002)
        self.assertEqual(code, 0, report)
        self.assertEqual({s["status"] for s in report["sources"]}, {"green"}, report["sources"])

        # Two days later, before anything ran again: stale, some red (exit 1).
        code, report = self.health(FRIDAY_NOON)
        self.assertEqual(code, 1)
        red = {s["name"] for s in report["sources"] if s["status"] == "red"}
        self.assertIn("price_data", red)
        self.assertIn("fundamentals", red)

        r = self.run_orch(FRIDAY_NOON, "--update-stale")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertGreater(self.market("SELECT COUNT(*) FROM price_bars_1min"), bars)
        code, report = self.health(FRIDAY_1201)
        self.assertEqual(code, 0, report)
        self.assertEqual({s["status"] for s in report["sources"]}, {"green"}, report["sources"])

    def test_a_second_daily_is_idempotent(self):
        self.assertEqual(self.run_orch(WEDNESDAY_10, "--daily").returncode, 0)
        before = self.status()
        counts = {t: self.market(f"SELECT COUNT(*) FROM {t}")
                  for t in ("assets", "daily_bars", "fundamentals", "ml_features", "trading_signals")}
        r = self.run_orch(WEDNESDAY_1001, "--daily")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.status(), before)  # nothing rerun, rows unchanged
        r = self.run_orch(WEDNESDAY_1002, "--daily", "--force")
        self.assertEqual(r.returncode, 0, r.stderr)
        after = {t: self.market(f"SELECT COUNT(*) FROM {t}") for t in counts}
        self.assertEqual(after, counts)  # INSERT OR REPLACE: a rerun adds no duplicate
        self.assertTrue(all(s[1] == 2 for n, s in self.status().items() if s[0] == "SUCCESS"
                            and n not in ("Price Data", "ML Features Refresh", "Intraday Signals")))

    def test_validate_passes(self):
        r = subprocess.run([BIN, "-c", self.config, "--validate", "--json"], capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        report = json.loads(r.stdout)
        self.assertTrue(report["ok"])
        self.assertEqual(len(report["tiers"]), 6)
        self.assertEqual(report["tiers"][0], ["Asset Collection"])
        self.assertEqual(report["tiers"][-1], ["Generate Trading Signals"])


if __name__ == "__main__":
    unittest.main()
