"""The status database: location, WAL, unusable databases (exit 74), config lookup."""

import os
import shutil
import unittest

from harness import PipelineTestCase


class DatabaseLocation(PipelineTestCase):

    def test_db_option_overrides_config_and_uses_wal(self):
        p = self.p
        ok = p.script("ok.sh", 'echo "$ORCHESTRATOR_DB" > db.txt\n')
        p.write_config([{"name": "Job", "script": ok}], database="data/ignored.db")
        target = p.path("elsewhere", "mine.db")
        os.makedirs(os.path.dirname(target))
        r = p.run("--db", target, "--daily", "--no-wait")
        self.assertRc(r, 0)
        self.assertTrue(os.path.isfile(target))
        self.assertFalse(os.path.exists(p.path("data", "ignored.db")))
        self.assertEqual(os.path.realpath(p.read("db.txt").strip()), os.path.realpath(target))
        p.db_path = target
        self.assertStatus("Job", "SUCCESS")
        conn = p.db()
        try:
            self.assertEqual(conn.execute("PRAGMA journal_mode").fetchone()[0].lower(), "wal")
        finally:
            conn.close()

    def test_config_from_environment_and_default_file_name(self):
        p = self.p
        ok = p.script("ok.sh", 'echo "$ORCHESTRATOR_TASK" >> ran.txt\n')
        p.write_config([{"name": "Via Env", "script": ok}])
        r = p.run("--daily", "--no-wait", config=False,
                  env={"ORCHESTRATOR_CONFIG": p.config_path})
        self.assertRc(r, 0)
        self.assertEqual(p.read("ran.txt").split("\n")[0], "Via Env")
        # ./dependency_graph.yaml when neither -c nor $ORCHESTRATOR_CONFIG is given
        shutil.move(p.config_path, p.path("dependency_graph.yaml"))
        r = p.run("--daily", "--no-wait", "--force", config=False)
        self.assertRc(r, 0)
        self.assertEqual(p.read("ran.txt").splitlines(), ["Via Env", "Via Env"])


class UnusableDatabase(PipelineTestCase):

    def test_corrupt_database_exits_74_and_runs_nothing(self):
        p = self.p
        ok = p.script("ok.sh", "stamp start\n")
        p.write_config([{"name": "Job", "script": ok}])
        os.makedirs(os.path.dirname(p.db_path))
        garbage = b"this is not an sqlite database, just some bytes\n" * 100
        with open(p.db_path, "wb") as f:
            f.write(garbage)
        r = p.daily()
        self.assertRc(r, 74)
        self.assertEqual(p.stamps(), {}, "a task ran without a usable database")
        with open(p.db_path, "rb") as f:
            self.assertEqual(f.read(), garbage, "the unusable database was modified")
        self.assertIn(p.db_path, r.stderr)

    def test_database_folder_cannot_be_created_exits_74(self):
        p = self.p
        ok = p.script("ok.sh", "stamp start\n")
        with open(p.path("blocker"), "w") as f:
            f.write("a file where a folder should be\n")
        p.write_config([{"name": "Job", "script": ok}], database="blocker/sub/pipeline.db")
        r = p.daily()
        self.assertRc(r, 74)
        self.assertEqual(p.stamps(), {})

    def test_database_path_is_a_directory_exits_74(self):
        p = self.p
        ok = p.script("ok.sh", "stamp start\n")
        os.makedirs(p.db_path)
        p.write_config([{"name": "Job", "script": ok}])
        r = p.daily()
        self.assertRc(r, 74)
        self.assertEqual(p.stamps(), {})


class Counters(PipelineTestCase):

    def test_average_runtime_and_consecutive_failures_reset(self):
        p = self.p
        job = p.script("job.sh", "sleep 0.3\n[ -e fail ] && exit 2\nexit 0\n")
        p.write_config([{"name": "Job", "script": job}])
        self.assertRc(p.daily(), 0)
        open(p.path("fail"), "w").close()
        self.assertRc(p.daily("--force"), 1)
        self.assertRc(p.daily("--force"), 1)
        row = self.assertStatus("Job", "FAILED")
        self.assertEqual((row["total_runs"], row["total_successes"], row["total_failures"],
                          row["consecutive_failures"]), (3, 1, 2, 2))
        self.assertIsNotNone(row["last_success"])
        self.assertGreaterEqual(row["last_failure"], row["last_success"])
        os.remove(p.path("fail"))
        self.assertRc(p.daily("--force"), 0)
        row = self.assertStatus("Job", "SUCCESS")
        self.assertEqual((row["total_runs"], row["total_successes"], row["total_failures"],
                          row["consecutive_failures"]), (4, 2, 2, 0))
        # mean of successful attempts, each ~0.3 s
        self.assertGreater(row["average_runtime_seconds"], 0.2)
        self.assertLess(row["average_runtime_seconds"], 5)
        # the last error message is kept as history or cleared, but the status says SUCCESS
        self.assertEqual(len(p.runs()), 4)


if __name__ == "__main__":
    unittest.main()
