"""--health: the dashboard, its JSON, exit codes, DATA_AS_OF, market-time ageing, and the
source_freshness table; --update-stale: selecting exactly the stale tasks."""

import json
import unittest

import harness
from harness import PipelineTestCase

# A Friday, a regular trading day; the runs happen at T, the checks later.
T = "2026-11-20T10:00:00-05:00"


def at(minutes, base_hour=10, day=20):
    """Local New York time `minutes` after base_hour:00 on 2026-11-<day> (EST)."""
    h, m = divmod(base_hour * 60 + minutes, 60)
    return f"2026-11-{day:02d}T{h:02d}:{m:02d}:00-05:00"


def write_pipeline(p, daily, intraday=(), **top):
    """harness.write_pipeline, daily tasks first, each capped at 30 s (no `time`: they run at once)."""
    def capped(tasks):
        return [dict({"max_runtime_seconds": 30}, **t) for t in tasks]
    harness.write_pipeline(p, intraday=capped(intraday), daily=capped(daily), **top)


THRESHOLDS = {
    "green": {"alpha": 3600, "beta": 600, "delta": 600, "phi": 600},
    "yellow": {"alpha": 7200, "beta": 1200, "delta": 1200, "phi": 3600},
}


class HealthDashboard(PipelineTestCase):

    def setUp(self):
        super().setUp()
        p = self.p
        ok = p.script("ok.sh", 'stamp run\necho "$ORCHESTRATOR_MODE" >> "$ORCHESTRATOR_TASK.mode"\n'
                               'echo RECORDS_PROCESSED=7\n')
        bad = p.script("bad.sh", 'echo "connection refused by upstream"; exit 3\n')
        write_pipeline(p, [
            {"name": "A", "script": ok, "data_source": "alpha"},
            {"name": "B", "script": ok, "data_source": "beta"},
            {"name": "C", "script": ok, "data_source": "gamma"},
            {"name": "D", "script": ok, "data_source": "delta"},
            {"name": "E", "script": bad, "data_source": "epsilon"},
        ], freshness_thresholds=THRESHOLDS)

    def daily(self, *tasks, now=T):
        args = ["--now", now, "--daily", "--no-wait"]
        for t in tasks:
            args += ["--task", t]
        return self.p.run(*args)

    def test_dashboard_sections_table_summary_and_exit_code(self):
        self.assertRc(self.daily("A", "B", "C"), 0)
        r = self.p.run("--now", at(30), "--health")
        self.assertRc(r, 1)  # beta is red
        out = r.stdout
        self.assertTrue(out.startswith("DATA PIPELINE HEALTH DASHBOARD\n"), out)
        self.assertNotIn("\033", out)
        self.assertNotIn("📊", out)
        critical = out.index("CRITICAL - Data Critically Stale:")
        healthy = out.index("HEALTHY - Data Fresh:")
        unknown = out.index("UNKNOWN - ")
        self.assertLess(critical, healthy)
        self.assertLess(healthy, unknown)
        self.assertNotIn("WARNING - Data Stale:", out)
        self.assertRegex(out[critical:healthy], r"\* beta +- Critically stale \(updated (29|30)m ago\)")
        self.assertRegex(out[healthy:unknown], r"\* alpha +- Fresh \(updated (29|30)m ago\)")
        self.assertRegex(out[unknown:], r"\* delta +- Never updated")
        self.assertRegex(out[unknown:], r"\* gamma +- No freshness thresholds \(updated (29|30)m ago\)")
        self.assertRegex(out[unknown:], r"\* epsilon +- Never updated")
        self.assertIn("PIPELINE TASK STATUS", out)
        self.assertRegex(out, r"\n   A +SUCCESS +2026-11-20 10:00 EST +0 +100% +\S+ +7 +-\n")
        self.assertRegex(out, r"\n   D +PENDING +never +0 +- +- +- +-\n")
        self.assertIn("\nSUMMARY: 1 healthy, 0 stale, 1 critical, 3 unknown (Total: 5)\n", out)

        r = self.p.run("--now", at(15), "--health")
        self.assertRc(r, 0)  # beta is yellow: no red source
        self.assertRegex(r.stdout, r"WARNING - Data Stale:\n   \* beta +- Stale \(updated 1[45]m ago\)")
        self.assertIn("SUMMARY: 1 healthy, 1 stale, 0 critical, 3 unknown (Total: 5)", r.stdout)

        fancy = self.p.run("--now", at(30), "--health", "--color")
        self.assertIn("📊 DATA PIPELINE HEALTH DASHBOARD", fancy.stdout)
        self.assertIn("\033[31m🔴 CRITICAL", fancy.stdout)
        self.assertIn("📈 SUMMARY: 1 healthy, 0 stale, 1 critical, 3 unknown (Total: 5)", fancy.stdout)

    def test_failed_task_in_table_and_json(self):
        self.assertRc(self.daily("A", "E"), 1)
        r = self.p.run("--now", at(90), "--health", "--json")
        self.assertRc(r, 0)  # alpha is yellow, the rest unknown: nothing red
        doc = json.loads(r.stdout)
        self.assertEqual(set(doc), {"checked_at", "sources", "tasks", "missed_dates", "summary"})
        self.assertTrue(doc["checked_at"].startswith("2026-11-20T16:30:"), doc["checked_at"])
        self.assertEqual([s["name"] for s in doc["sources"]],
                         ["alpha", "beta", "delta", "epsilon", "gamma"])
        for s in doc["sources"]:
            self.assertEqual(set(s), {"name", "status", "age_seconds", "last_success", "tasks"})
        alpha = doc["sources"][0]
        self.assertEqual(alpha["status"], "yellow")
        self.assertAlmostEqual(alpha["age_seconds"], 5400, delta=20)
        self.assertTrue(alpha["last_success"].startswith("2026-11-20T15:00:"))
        self.assertEqual(alpha["tasks"], ["A"])
        eps = doc["sources"][3]
        self.assertEqual((eps["status"], eps["age_seconds"], eps["last_success"]),
                         ("unknown", None, None))
        self.assertEqual([t["name"] for t in doc["tasks"]], ["A", "B", "C", "D", "E"])
        for t in doc["tasks"]:
            self.assertEqual(set(t), {"name", "status", "consecutive_failures", "success_rate",
                                      "average_runtime_seconds", "last_error_message"})
        e = doc["tasks"][4]
        self.assertEqual((e["status"], e["consecutive_failures"], e["success_rate"]),
                         ("FAILED", 1, 0.0))
        self.assertIn("connection refused", e["last_error_message"])
        self.assertIsNone(e["average_runtime_seconds"])
        self.assertEqual(doc["tasks"][0]["success_rate"], 1.0)
        self.assertIsNone(doc["tasks"][1]["success_rate"])
        self.assertEqual(doc["summary"], {"healthy": 0, "stale": 1, "critical": 0,
                                          "unknown": 4, "total": 5})
        text = self.p.run("--now", at(90), "--health").stdout
        self.assertRegex(text, r"\n   E +FAILED +2026-11-20 10:00 EST +1 +0% +- +- +exit code 3")

    def test_health_records_source_freshness_and_marks_interrupted_rows(self):
        self.assertRc(self.daily("A", "B"), 0)
        conn = self.p.db()
        conn.execute("UPDATE data_pipeline_status SET status = 'RUNNING' WHERE task_name = 'A'")
        conn.commit()
        conn.close()
        self.assertRc(self.p.run("--now", at(30), "--health"), 1)
        self.assertStatus("A", "INTERRUPTED")
        rows = {r["source"]: r for r in self.p.query("SELECT * FROM source_freshness")}
        self.assertEqual({k: v["status"] for k, v in rows.items()},
                         {"alpha": "green", "beta": "red", "gamma": "unknown",
                          "delta": "unknown", "epsilon": "unknown"})
        self.assertAlmostEqual(rows["beta"]["age_seconds"], 1800, delta=20)
        self.assertTrue(rows["beta"]["last_success"].startswith("2026-11-20 15:00:"))
        self.assertTrue(rows["beta"]["checked_at"].startswith("2026-11-20 15:30:"))
        self.assertIsNone(rows["delta"]["age_seconds"])

    def test_data_as_of_is_the_age_of_the_data(self):
        p = self.p
        old = p.script("old.sh", 'echo "DATA_AS_OF=2026-11-20T08:00:00-05:00"\n'
                                 'echo "DATA_AS_OF=2026-11-20T09:00:00-05:00"\n')
        write_pipeline(p, [{"name": "A", "script": old, "data_source": "alpha"}],
                       freshness_thresholds=THRESHOLDS)
        self.assertRc(self.daily(), 0)
        doc = json.loads(p.run("--now", at(1), "--health", "--json").stdout)
        alpha = doc["sources"][0]
        self.assertAlmostEqual(alpha["age_seconds"], 3660, delta=20)  # from 09:00, the last line
        self.assertEqual(alpha["status"], "yellow")
        self.assertTrue(alpha["last_success"].startswith("2026-11-20T15:00:"))
        # The data's own instant is shown beside its age.
        self.assertIn("data as of Fri 2026-11-20 09:00 EST, 1h 1m ago", p.run("--now", at(1), "--health").stdout)


class MarketTimeAgeing(PipelineTestCase):

    def test_friday_close_is_green_on_monday_before_the_open(self):
        p = self.p
        ok = p.script("ok.sh", "echo RECORDS_PROCESSED=1\n")
        write_pipeline(p, [], intraday=[
            {"name": "Prices", "script": ok, "interval_minutes": 1, "market_hours_only": True,
             "data_source": "price_data"}],
            freshness_thresholds={"green": {"price_data": 300}, "yellow": {"price_data": 900}})
        self.assertRc(p.run("--now", "2026-11-20T15:59:00-05:00", "--intraday", "--once"), 0)
        monday = "2026-11-23T{}:00-05:00"
        sources = lambda now: json.loads(p.run("--now", now, "--health", "--json").stdout)["sources"]
        early = sources(monday.format("09:00"))[0]
        self.assertEqual(early["status"], "green")
        self.assertLess(early["age_seconds"], 70)  # Friday's last minute only
        later = sources(monday.format("09:40"))[0]
        self.assertEqual(later["status"], "yellow")
        self.assertAlmostEqual(later["age_seconds"], 660, delta=20)
        r = p.run("--now", monday.format("09:50"), "--health")
        self.assertRc(r, 1)
        # The age skips the weekend: the dashboard says from when, and on which clock.
        self.assertRegex(r.stdout, r"price_data +- Critically stale \(data as of Fri 2026-11-20 15:59 EST, "
                                   r"2\dm of market time\)")


if __name__ == "__main__":
    unittest.main()
