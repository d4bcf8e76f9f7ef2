"""No task runs twice at once across modes on one database."""

import datetime
import os
import time
import unittest

from harness import PipelineTestCase


class TaskRunningInAnotherMode(PipelineTestCase):

    def test_update_stale_leaves_a_task_the_daily_runner_is_running(self):
        p = self.p
        go = p.path("go")
        slow = p.script("slow.sh", 'stamp start\nwhile [ ! -e "$GO" ]; do sleep 0.05; done\nstamp end\n')
        after = p.script("after.sh", "stamp start\n")
        p.write_config([{"name": "Slow", "script": slow, "env": {"GO": go}, "data_source": "prices"},
                        {"name": "After", "script": after, "dependencies": ["Slow"],
                         "data_source": "signals"}],
                       freshness_thresholds={"green": {"prices": 60, "signals": 60},
                                             "yellow": {"prices": 120, "signals": 120}})
        open(go, "w").close()
        self.assertRc(p.daily(), 0)
        os.unlink(go)
        daily = self.popen("--daily", "--no-wait", "--force")
        deadline = time.monotonic() + 20
        starts = lambda task: [t for t in p.trace() if t[:2] == (task, "start")]
        while len(starts("Slow")) < 2:
            self.assertIsNone(daily.poll(), "the daily runner ended early")
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)
        later = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=10))
        r = p.run("--now", later.strftime("%Y-%m-%dT%H:%M:%SZ"), "--update-stale")
        self.assertRc(r, 0)
        self.assertIn(f"already running in daily (pid {daily.pid})", r.output)
        self.assertEqual(len(starts("Slow")), 2, "a second copy of Slow ran beside the first")
        self.assertEqual(len(starts("After")), 1, "After ran on data Slow was still writing")
        open(go, "w").close()
        self.assertRc(self.finish(daily), 0)
        self.assertEqual(p.status("Slow")["status"], "SUCCESS")
        self.assertEqual(len(starts("After")), 2)


if __name__ == "__main__":
    unittest.main()
