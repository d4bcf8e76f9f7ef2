"""The database file deleted, replaced or reached through a hard link while a runner runs."""

import os
import shutil
import time
import unittest

from harness import PipelineTestCase, wait_for_file


class DatabaseIdentity(PipelineTestCase):

    def setUp(self):
        super().setUp()
        p = self.p
        # First waits for the test to let it go; Second would run after it.
        first = p.script("first.sh", 'stamp start\nwhile [ ! -e "$GO" ]; do sleep 0.05; done\nstamp end\n')
        second = p.script("second.sh", "stamp start\n")
        self.go = p.path("go")
        p.write_config([{"name": "First", "script": first, "env": {"GO": self.go}},
                        {"name": "Second", "script": second, "dependencies": ["First"]}])

    def start_daily(self):
        proc = self.popen("--daily", "--no-wait", "--force")
        deadline = time.monotonic() + 20
        while not any(t[:2] == ("First", "start") for t in self.p.trace()):
            self.assertIsNone(proc.poll(), "the runner ended early")
            self.assertLess(time.monotonic(), deadline, "First did not start")
            time.sleep(0.05)
        return proc

    def assertStopsWith74(self, proc, word):
        open(self.go, "w").close()
        r = self.finish(proc, timeout=60)
        self.assertRc(r, 74)
        self.assertIn(word, r.output)
        self.assertNotIn("Second", [t[0] for t in self.p.trace()],
                         "a task ran after its records stopped reaching the database")

    def remove_database(self):
        for suffix in ("", "-wal", "-shm"):
            try:
                os.unlink(self.p.db_path + suffix)
            except FileNotFoundError:
                pass

    def test_database_deleted_mid_run_exits_74(self):
        proc = self.start_daily()
        self.remove_database()
        self.assertStopsWith74(proc, "deleted")

    def test_database_replaced_mid_run_exits_74(self):
        p = self.p
        proc = self.start_daily()
        shutil.copy(p.db_path, p.db_path + ".new")
        os.replace(p.db_path + ".new", p.db_path)
        self.assertStopsWith74(proc, "replaced")

    def test_second_runner_on_a_recreated_database_stops_the_first(self):
        # Database and lock files gone: a second runner may start on the new file, and the
        # first stops at once instead of running the same tasks beside it.
        p = self.p
        proc = self.start_daily()
        shutil.rmtree(p.path("data"))
        second = self.popen("--daily", "--no-wait", "--force")
        r1 = self.finish(proc, timeout=60)
        self.assertRc(r1, 74)
        open(self.go, "w").close()
        r2 = self.finish(second, timeout=60)
        self.assertRc(r2, 0)
        self.assertEqual(p.status("Second")["status"], "SUCCESS")

    def test_a_hard_link_to_the_database_is_the_same_database(self):
        p = self.p
        proc = self.start_daily()
        os.makedirs(p.path("other"))
        alias = p.path("other", "alias.db")
        os.link(p.db_path, alias)
        r = p.run("--db", alias, "--daily", "--no-wait", "--force")
        self.assertRc(r, 75)
        self.assertIn(f"PID {proc.pid}", r.output)
        self.assertEqual(len([t for t in p.trace() if t[:2] == ("First", "start")]), 1)
        open(self.go, "w").close()
        self.assertRc(self.finish(proc, timeout=60), 0)


if __name__ == "__main__":
    unittest.main()
