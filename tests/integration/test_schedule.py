"""--dry-run, --force, the once-per-trading-date rule and not-before times."""

import os
import time
import unittest

from harness import NOW, PipelineTestCase


class DryRun(PipelineTestCase):

    def test_dry_run_writes_nothing_and_prints_command_lines(self):
        p = self.p
        ok = p.script("ok.sh", "stamp start\n")
        p.write_config([
            {"name": "Asset Collection", "script": ok, "args": ["--universe", "sp500"]},
            {"name": "Price Data", "script": ok, "dependencies": ["Asset Collection"]},
        ])
        r = p.run("--daily", "--dry-run")
        self.assertRc(r, 0)
        self.assertEqual(p.stamps(), {}, "a dry run ran a task")
        self.assertFalse(os.path.exists(p.db_path))
        self.assertFalse(os.path.exists(p.path("data")), os.listdir(p.root))
        self.assertFalse(os.path.exists(p.log_dir), os.listdir(p.root))
        script_abs = p.path(ok)
        lines = r.stdout.splitlines()
        asset = [l for l in lines if script_abs in l and "--universe sp500" in l]
        self.assertEqual(len(asset), 1, r)
        price = [l for l in lines if script_abs in l and "--universe" not in l]
        self.assertEqual(len(price), 1, r)
        self.assertLess(r.stdout.index("Asset Collection"), r.stdout.index("Price Data"))

    def test_dry_run_does_not_create_a_configured_database_folder(self):
        p = self.p
        ok = p.script("ok.sh", "stamp start\n")
        p.write_config([{"name": "A", "script": ok}], database="state/x.db", log_dir="lg")
        r = p.run("--daily", "--dry-run", "--force")
        self.assertRc(r, 0)
        self.assertEqual(sorted(os.listdir(p.root)), ["pipeline.yaml", "scripts"])


class OncePerTradingDate(PipelineTestCase):

    def test_second_run_skips_force_reruns_next_day_runs_again(self):
        p = self.p
        job = p.script("job.sh", 'echo "$ORCHESTRATOR_TRADING_DATE" >> ran.txt\necho RECORDS_PROCESSED=1\n')
        p.write_config([
            {"name": "Daily Job", "script": job, "time": "09:30:00"},
            {"name": "Later Job", "script": job, "time": "09:31:00", "dependencies": ["Daily Job"]},
        ])
        r = p.run("--now", NOW, "--daily")
        self.assertRc(r, 0)
        self.assertEqual(p.read("ran.txt").split(), ["2026-11-20"] * 2)
        before = p.statuses()
        runs_before = p.task_runs()
        self.assertEqual(before["Daily Job"]["total_runs"], 1)

        time.sleep(0.05)  # let a careless rewrite show up in updated_at
        r = p.run("--now", "2026-11-20T11:00:00-05:00", "--daily")
        self.assertRc(r, 0)
        self.assertEqual(p.read("ran.txt").split(), ["2026-11-20"] * 2, "re-ran a done task")
        self.assertEqual(p.statuses(), before, "rows of already-done tasks changed")
        self.assertEqual(p.task_runs(), runs_before)

        r = p.run("--now", "2026-11-20T11:30:00-05:00", "--daily", "--force")
        self.assertRc(r, 0)
        self.assertEqual(p.read("ran.txt").split(), ["2026-11-20"] * 4)
        self.assertEqual(p.status("Daily Job")["total_runs"], 2)
        self.assertEqual(p.status("Later Job")["total_successes"], 2)

        r = p.run("--now", "2026-11-21T10:00:00-05:00", "--daily")
        self.assertRc(r, 0)
        self.assertEqual(p.read("ran.txt").split(), ["2026-11-20"] * 4 + ["2026-11-21"] * 2)
        self.assertEqual(p.status("Daily Job")["total_runs"], 3)
        dates = [t["trading_date"] for t in p.task_runs("Daily Job")]
        self.assertEqual(dates, ["2026-11-20", "2026-11-20", "2026-11-21"])

    def test_failed_task_is_retried_by_the_next_run_done_ones_are_not(self):
        p = self.p
        ok = p.script("ok.sh", 'echo "$ORCHESTRATOR_TASK" >> ran.txt\n')
        flaky = p.script("flaky.sh", 'echo "$ORCHESTRATOR_TASK" >> ran.txt\n[ -e fixed ] || exit 1\n')
        p.write_config([
            {"name": "Good", "script": ok},
            {"name": "Flaky", "script": flaky, "dependencies": ["Good"]},
            {"name": "After", "script": ok, "dependencies": ["Flaky"]},
        ])
        self.assertRc(p.run("--now", NOW, "--daily", "--no-wait"), 1)
        self.assertStatus("After", "SKIPPED")
        open(p.path("fixed"), "w").close()
        # Good is already done today: it is not rerun, and it satisfies Flaky
        self.assertRc(p.run("--now", NOW, "--daily", "--no-wait"), 0)
        self.assertEqual(p.read("ran.txt").splitlines(), ["Good", "Flaky", "Flaky", "After"])
        self.assertStatus("After", "SUCCESS")
        row = self.assertStatus("Flaky", "SUCCESS")
        self.assertEqual((row["total_runs"], row["total_successes"], row["total_failures"],
                          row["consecutive_failures"]), (2, 1, 1, 0))


class NotBefore(PipelineTestCase):

    def test_task_waits_for_its_time(self):
        p = self.p
        job = p.script("job.sh", 'date +%s.%N > started.txt\n')
        early = p.script("early.sh", 'date +%s.%N > early.txt\n')
        p.write_config([
            {"name": "Early", "script": early, "time": "09:00:00"},
            {"name": "Open", "script": job, "time": "09:30:00"},
        ])
        t0 = time.time()
        r = p.run("--now", "2026-11-20T09:29:57-05:00", "--daily", timeout=60)
        self.assertRc(r, 0)
        started = float(p.read("started.txt"))
        early_started = float(p.read("early.txt"))
        self.assertGreaterEqual(started - t0, 2.5, "started before its not-before time")
        self.assertLess(started - t0, 15)
        # Early's time has passed: it starts at once, about 3 s before Open (start-up aside)
        self.assertLess(early_started, started - 2.0, "a task whose time has passed was held back")
        (tr,) = p.task_runs("Open")
        self.assertGreaterEqual(tr["started_at"], "2026-11-20 14:30:00.000")
        self.assertEqual(tr["scheduled_at"], "2026-11-20 14:30:00.000")

    def test_time_zone_and_dst_rules(self):
        p = self.p
        job = p.script("job.sh", 'echo "$ORCHESTRATOR_TASK $ORCHESTRATOR_TRADING_DATE $ORCHESTRATOR_SCHEDULED_AT" >> seen.txt\n')
        p.write_config([
            {"name": "Gap", "script": job, "time": "02:30:00"},      # inside the spring-forward gap
            {"name": "Before", "script": job, "time": "01:30:00"},
        ])
        # 2026-03-08: New York springs forward at 02:00 EST -> 03:00 EDT
        self.assertRc(p.run("--now", "2026-03-08T10:00:00-04:00", "--daily"), 0)
        sched = {t["task_name"]: t["scheduled_at"] for t in p.task_runs()}
        self.assertEqual(sched["Gap"], "2026-03-08 07:00:00.000")      # 03:00 EDT, end of the gap
        self.assertEqual(sched["Before"], "2026-03-08 06:30:00.000")   # 01:30 EST
        # 2026-11-01: 01:30 happens twice; the first (EDT) is meant
        self.assertRc(p.run("--now", "2026-11-01T09:00:00-05:00", "--daily", "--task", "Before"), 0)
        self.assertEqual(p.task_runs("Before")[-1]["scheduled_at"], "2026-11-01 05:30:00.000")
        # the trading date is the calendar date in the pipeline's time zone:
        # 03:00Z on the 21st is still the 20th in New York
        self.assertRc(p.run("--now", "2026-11-21T03:00:00Z", "--daily", "--task", "Before"), 0)
        last = p.read("seen.txt").splitlines()[-1].split()
        self.assertEqual(last[1:], ["2026-11-20", "2026-11-20T06:30:00Z"])

    def test_other_time_zone(self):
        p = self.p
        job = p.script("job.sh", 'echo "$ORCHESTRATOR_TRADING_DATE $ORCHESTRATOR_SCHEDULED_AT" > seen.txt\n')
        p.write_config([{"name": "Tokyo", "script": job, "time": "09:00:00"}], timezone="Asia/Tokyo")
        self.assertRc(p.run("--now", "2026-11-21T03:00:00Z", "--daily"), 0)
        self.assertEqual(p.read("seen.txt").split(), ["2026-11-21", "2026-11-21T00:00:00Z"])

    def test_no_wait_ignores_time(self):
        p = self.p
        job = p.script("job.sh", 'date +%s.%N > started.txt\n')
        p.write_config([{"name": "Open", "script": job, "time": "09:30:00"}])
        t0 = time.time()
        r = p.run("--now", "2026-11-20T09:00:00-05:00", "--daily", "--no-wait", timeout=60)
        self.assertRc(r, 0)
        self.assertLess(float(p.read("started.txt")) - t0, 10)
        (tr,) = p.task_runs("Open")
        self.assertLess(tr["started_at"], "2026-11-20 14:30:00.000")

    def test_orchestrator_now_environment_variable(self):
        p = self.p
        job = p.script("job.sh", 'echo "$ORCHESTRATOR_TRADING_DATE" > date.txt\n')
        p.write_config([{"name": "Job", "script": job, "time": "09:30:00"}])
        r = p.run("--daily", env={"ORCHESTRATOR_NOW": "2027-03-03T15:00:00Z"})
        self.assertRc(r, 0)
        self.assertEqual(p.read("date.txt").strip(), "2027-03-03")
        (tr,) = p.task_runs("Job")
        self.assertTrue(tr["started_at"].startswith("2027-03-03 15:00:"), tr)


if __name__ == "__main__":
    unittest.main()
