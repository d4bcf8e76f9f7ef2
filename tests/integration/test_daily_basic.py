"""--daily on healthy pipelines: order, barriers, parallelism, environment, output."""

import os
import subprocess
import unittest

from harness import (NOW, TRADING_DATE, TIMESTAMP_RE, PipelineTestCase,
                     max_overlap, sql_time_to_epoch)


class DailySuccess(PipelineTestCase):

    def test_success_and_tier_order(self):
        p = self.p
        ok = p.script("ok.sh", 'stamp start\nsleep 0.2\necho "RECORDS_PROCESSED=7"\nstamp end\n')
        p.write_config([
            {"name": "Asset Collection", "script": ok, "tier": 0},
            {"name": "Price Data", "script": ok, "dependencies": ["Asset Collection"]},
            {"name": "Features", "script": ok, "dependencies": ["Price Data"]},
            {"name": "News", "script": ok, "tier": 0},
        ])
        r = p.daily()
        self.assertRc(r, 0)
        st = p.stamps()
        self.assertEqual(set(st), {"Asset Collection", "Price Data", "Features", "News"}, st)
        self.assertGreaterEqual(st["Price Data"]["start"], st["Asset Collection"]["end"])
        self.assertGreaterEqual(st["Price Data"]["start"], st["News"]["end"])
        self.assertGreaterEqual(st["Features"]["start"], st["Price Data"]["end"])
        for name in st:
            row = self.assertStatus(name, "SUCCESS")
            self.assertEqual(row["total_runs"], 1)
            self.assertEqual(row["total_successes"], 1)
            self.assertEqual(row["total_failures"], 0)
            self.assertEqual(row["consecutive_failures"], 0)
            self.assertEqual(row["last_records_processed"], 7)
            for col in ("last_run_start", "last_run_end", "last_success"):
                self.assertRegex(row[col], TIMESTAMP_RE)
            self.assertIsNone(row["last_failure"])
        # task_runs agrees with the tier order too
        runs = {t["task_name"]: t for t in p.task_runs()}
        self.assertEqual(len(p.task_runs()), 4)
        for t in runs.values():
            self.assertEqual(t["status"], "SUCCESS")
            self.assertEqual(t["attempt"], 1)
            self.assertEqual(t["exit_code"], 0)
            self.assertEqual(t["records_processed"], 7)
            self.assertTrue(os.path.isfile(t["log_path"]), t)
            self.assertTrue(t["log_path"].startswith(p.log_dir + os.sep), t)
        self.assertGreaterEqual(runs["Price Data"]["started_at"], runs["Asset Collection"]["ended_at"])
        self.assertGreaterEqual(runs["Features"]["started_at"], runs["Price Data"]["ended_at"])
        # log layout: logs/<snake_case>/<YYYYmmddTHHMMSSZ>-run<id>-attempt<n>.log
        log = runs["Asset Collection"]["log_path"]
        self.assertEqual(os.path.basename(os.path.dirname(log)), "asset_collection")
        self.assertRegex(os.path.basename(log), r"^\d{8}T\d{6}Z-run\d+-attempt1\.log$")
        with open(log) as f:
            self.assertIn("RECORDS_PROCESSED=7", f.read())
        self.assertTrue(os.path.isfile(os.path.join(p.log_dir, "orchestrator.log")))
        (run,) = p.runs()
        self.assertEqual(run["mode"], "daily")
        self.assertEqual(run["status"], "SUCCESS")
        # progress on stderr, nothing but reports on stdout
        self.assertIn("Running: Asset Collection", r.stderr)
        self.assertRegex(r.stderr, r"OK Features completed in \d")

    def test_tier_barrier_waits_for_slowest_lower_tier_task(self):
        p = self.p
        slow = p.script("slow.sh", "stamp start\nsleep 1.5\nstamp end\n")
        fast = p.script("fast.sh", "stamp start\nstamp end\n")
        p.write_config([
            {"name": "Slow", "script": slow, "tier": 0},
            {"name": "Fast", "script": fast, "tier": 0},
            # depends only on Fast, but tier 1 must wait for Slow as well
            {"name": "Next", "script": fast, "tier": 1, "dependencies": ["Fast"]},
            {"name": "Free", "script": fast, "tier": 1},
        ])
        r = p.daily()
        self.assertRc(r, 0)
        st = p.stamps()
        for name in ("Next", "Free"):
            self.assertGreaterEqual(st[name]["start"], st["Slow"]["end"],
                                    f"{name} started before tier 0 finished: {st}")
        # and Fast really did finish long before Slow (the barrier is what held Next)
        self.assertLess(st["Fast"]["end"], st["Slow"]["end"] - 0.5)

    def test_parallelism_is_bounded_by_jobs(self):
        p = self.p
        s = p.script("sleep.sh", "stamp start\nsleep 1\nstamp end\n")
        p.write_config([{"name": f"T{i}", "script": s, "tier": 0} for i in range(4)])
        r = p.daily("-j", "2")
        self.assertRc(r, 0)
        st = p.stamps()
        self.assertEqual(len(st), 4, st)
        intervals = [(v["start"], v["end"]) for v in st.values()]
        self.assertEqual(max_overlap(intervals), 2, st)
        # also from the database's point of view
        rows = p.task_runs()
        db_intervals = [(sql_time_to_epoch(t["started_at"]), sql_time_to_epoch(t["ended_at"]))
                        for t in rows]
        self.assertLessEqual(max_overlap(db_intervals), 2, rows)

    def test_max_parallel_from_config(self):
        p = self.p
        s = p.script("sleep.sh", "stamp start\nsleep 0.6\nstamp end\n")
        p.write_config([{"name": f"T{i}", "script": s, "tier": 0} for i in range(3)],
                       max_parallel=1)
        self.assertRc(p.daily(), 0)
        st = p.stamps()
        self.assertEqual(max_overlap([(v["start"], v["end"]) for v in st.values()]), 1, st)


class DailyProtocol(PipelineTestCase):

    def test_environment_cwd_and_args(self):
        p = self.p
        dump = p.script("dump.sh", (
            'env | grep "^ORCHESTRATOR_\\|^MY_" | sort > "$ORCHESTRATOR_TASK_FILE"\n'
            'pwd > cwd.txt\n'
            'for a in "$@"; do echo "[$a]"; done > args.txt\n'
        ))
        p.write_config([
            {"name": "Env Dump", "script": dump, "time": "09:30:00",
             "args": ["two words", "$HOME", "--flag=x"],
             "env": {"MY_KEY": "my value", "ORCHESTRATOR_TASK_FILE": "env.txt"}},
        ])
        r = p.run("--now", NOW, "--daily")
        self.assertRc(r, 0)
        env = {}
        for line in p.read("env.txt").splitlines():
            k, _, v = line.partition("=")
            env[k] = v
        (run,) = p.runs()
        self.assertEqual(env["ORCHESTRATOR_TASK"], "Env Dump")
        self.assertEqual(env["ORCHESTRATOR_RUN_ID"], str(run["id"]))
        self.assertEqual(env["ORCHESTRATOR_ATTEMPT"], "1")
        self.assertTrue(os.path.isabs(env["ORCHESTRATOR_DB"]), env)
        self.assertEqual(os.path.realpath(env["ORCHESTRATOR_DB"]), os.path.realpath(p.db_path))
        self.assertEqual(env["ORCHESTRATOR_MODE"], "daily")
        self.assertEqual(env["ORCHESTRATOR_MAX_RUNTIME_SECONDS"], "30")  # the task's max_runtime_seconds
        self.assertEqual(env["ORCHESTRATOR_TRADING_DATE"], TRADING_DATE)
        # 09:30 New York on 2026-11-20 (EST, UTC-5) is 14:30Z
        self.assertRegex(env["ORCHESTRATOR_SCHEDULED_AT"],
                         r"^2026-11-20T14:30:00(\.0+)?Z$")
        self.assertEqual(env["MY_KEY"], "my value")
        self.assertEqual(os.path.realpath(p.read("cwd.txt").strip()), os.path.realpath(p.root))
        self.assertEqual(p.read("args.txt").splitlines(), ["[two words]", "[$HOME]", "[--flag=x]"])

    def test_relative_database_and_log_dir_are_relative_to_the_pipeline_file(self):
        p = self.p
        ok = p.script("ok.sh", "echo hello\n")
        p.write_config([{"name": "A", "script": ok}], database="state/s.db", log_dir="out/logs")
        other = os.path.join(p.root, "elsewhere")
        os.makedirs(other)
        proc = subprocess.run(p.argv("--daily", "--no-wait"), cwd=other, env=p.env(),
                              stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
        self.assertEqual(proc.returncode, 0, proc)
        self.assertTrue(os.path.isfile(p.path("state", "s.db")))
        self.assertTrue(os.path.isdir(p.path("out", "logs", "a")))
        self.assertEqual(os.listdir(other), [])

    def test_large_output_is_logged_whole_and_records_parsed(self):
        p = self.p
        size = 20 * 1000 * 1000
        big = p.script("big.sh", (
            "echo RECORDS_PROCESSED=1\n"
            f"yes 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ012 | head -c {size}\n"
            "echo\n"
            "echo RECORDS_PROCESSED=12345\n"
        ))
        p.write_config([{"name": "Big Output", "script": big, "max_runtime_seconds": 60}])
        r = p.daily(timeout=90)
        self.assertRc(r, 0)
        row = self.assertStatus("Big Output", "SUCCESS")
        self.assertEqual(row["last_records_processed"], 12345)
        (tr,) = p.task_runs("Big Output")
        self.assertEqual(tr["records_processed"], 12345)
        self.assertGreaterEqual(os.path.getsize(tr["log_path"]), size)
        with open(tr["log_path"], "rb") as f:
            f.seek(-64, os.SEEK_END)
            tail = f.read()
        self.assertTrue(tail.endswith(b"RECORDS_PROCESSED=12345\n"), tail)

    def test_task_option_restricts_the_run(self):
        p = self.p
        ok = p.script("ok.sh", "stamp start\n")
        p.write_config([
            {"name": "Alpha", "script": ok},
            {"name": "Beta", "script": ok, "dependencies": ["Alpha"]},
            {"name": "Gamma", "script": ok},
        ])
        r = p.daily("--task", "Gamma", "--task", "Alpha")
        self.assertRc(r, 0)
        self.assertEqual(set(p.stamps()), {"Alpha", "Gamma"})
        self.assertEqual({t["task_name"] for t in p.task_runs()}, {"Alpha", "Gamma"})
        beta = p.status("Beta")
        self.assertTrue(beta is None or beta["status"] == "PENDING", beta)

    def test_task_option_does_not_check_dependencies_outside_the_selection(self):
        p = self.p
        ok = p.script("ok.sh", "stamp start\n")
        bad = p.script("bad.sh", "stamp start\nexit 1\n")
        p.write_config([
            {"name": "Alpha", "script": bad},
            {"name": "Beta", "script": ok, "dependencies": ["Alpha"]},
        ])
        self.assertRc(p.daily(), 1)
        self.assertStatus("Beta", "SKIPPED")
        r = p.daily("--task", "Beta")
        self.assertRc(r, 0)
        self.assertStatus("Beta", "SUCCESS")
        self.assertEqual(len(p.task_runs("Alpha")), 1, "ran a task outside the selection")

    def test_unknown_task_option_exits_2_with_suggestion(self):
        p = self.p
        ok = p.script("ok.sh", "stamp start\n")
        p.write_config([
            {"name": "Asset Collection", "script": ok},
            {"name": "News Events", "script": ok},
        ])
        r = p.daily("--task", "Asset Colection")
        self.assertRc(r, 2)
        self.assertIn("Asset Colection", r.stderr)
        self.assertIn("Asset Collection", r.stderr.replace("Asset Colection", ""))
        self.assertEqual(p.stamps(), {})
        self.assertNothingWritten(r)


if __name__ == "__main__":
    unittest.main()
