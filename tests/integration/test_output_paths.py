"""Output paths that would overwrite one another or the pipeline file are refused (exit 2)."""

import os
import re
import unittest

from harness import PipelineTestCase


class OutputPathClashes(PipelineTestCase):

    def setUp(self):
        super().setUp()
        self.ok = self.p.script("ok.sh", "stamp ran\n")

    def configure(self, **top):
        self.p.write_config([{"name": "Job", "script": self.ok}], **top)
        with open(self.p.config_path, "rb") as f:
            return f.read()

    def assertRefusedAt(self, result, key):
        """Exit 2 with pipeline.yaml:LINE naming `key`, and LINE of the file sets `key`."""
        self.assertRc(result, 2)
        m = re.search(r"pipeline\.yaml:(\d+): (\S+)", result.output)
        self.assertIsNotNone(m, result.output)
        self.assertEqual(m.group(2), key, result.output)
        with open(self.p.config_path) as f:
            line = f.read().splitlines()[int(m.group(1)) - 1]
        self.assertTrue(line.startswith(key + ":"), (line, result.output))
        self.assertIn("same file as", result.output)

    def history(self):
        return self.p.query("SELECT id, mode, status FROM runs ORDER BY id")

    def test_metrics_file_naming_the_database_is_refused_and_the_history_kept(self):
        p = self.p
        self.configure()
        self.assertRc(p.daily(), 0)
        before = self.history()
        self.assertEqual(len(before), 1)
        for spelling in ("data/pipeline.db", "data/../data/./pipeline.db", "data/pipeline.db-wal",
                         "data/pipeline.db-shm", "data/pipeline.db.daily.lock"):
            with self.subTest(metrics_file=spelling):
                self.configure(metrics_file=spelling)
                self.assertRefusedAt(p.run("--validate"), "metrics_file")
                self.assertRefusedAt(p.daily("--force"), "metrics_file")
                self.assertRefusedAt(p.run("--health"), "metrics_file")
        self.assertEqual(self.history(), before, "the database was touched")
        self.assertEqual(len([s for s in p.trace() if s[1] == "ran"]), 1)

    def test_metrics_file_reaching_the_database_through_links_is_refused(self):
        p = self.p
        self.configure()
        self.assertRc(p.daily(), 0)
        os.makedirs(p.path("metrics"))
        os.symlink(p.db_path, p.path("metrics", "soft.prom"))
        os.link(p.db_path, p.path("metrics", "hard.prom"))
        for name in ("soft.prom", "hard.prom"):
            with self.subTest(metrics_file=name):
                self.configure(metrics_file="metrics/" + name)
                self.assertRefusedAt(p.run("--validate"), "metrics_file")
                self.assertRefusedAt(p.daily("--force"), "metrics_file")
        self.assertEqual(len(self.history()), 1)

    def test_outputs_naming_the_pipeline_file_leave_it_unchanged(self):
        p = self.p
        for key in ("metrics_file", "database", "log_dir"):
            with self.subTest(key=key):
                text = self.configure(**{key: "pipeline.yaml"})
                self.assertRefusedAt(p.run("--validate"), key)
                self.assertRefusedAt(p.daily(), key)
                with open(p.config_path, "rb") as f:
                    self.assertEqual(f.read(), text)
        self.assertEqual(p.trace(), [])

    def test_db_option_naming_the_pipeline_file_or_the_metrics_file_is_refused(self):
        p = self.p
        text = self.configure(metrics_file="out/metrics.prom")
        for target in (p.config_path, p.path("out", "metrics.prom")):
            with self.subTest(db=target):
                r = p.run("--db", target, "--daily", "--no-wait")
                self.assertRc(r, 2)
                self.assertIn("--db", r.output)
                self.assertIn("same file as", r.output)
        with open(p.config_path, "rb") as f:
            self.assertEqual(f.read(), text)
        self.assertFalse(os.path.exists(p.path("out", "metrics.prom")))
        self.assertEqual(p.trace(), [])

    def test_log_folder_may_hold_the_database_but_not_be_it(self):
        p = self.p
        self.configure(log_dir="data/pipeline.db")
        self.assertRefusedAt(p.run("--validate"), "log_dir")
        self.configure(database="logs/orchestrator.log")
        self.assertRefusedAt(p.run("--validate"), "database")
        self.assertRefusedAt(p.daily(), "database")
        self.configure(database="logs/pipeline.db")
        self.assertRc(p.run("--validate"), 0)
        self.assertRc(p.daily(), 0)
        self.assertTrue(os.path.isfile(p.path("logs", "pipeline.db")))


if __name__ == "__main__":
    unittest.main()
