"""Clock faults (RELIABILITY.md, "Clock faults").

- DST: a daily time inside the spring-forward gap runs once, at the end of the gap; one
  inside the repeated autumn hour runs once, at its first occurrence; later --daily runs
  that day do not rerun it. (test_schedule.py::test_time_zone_and_dst_rules checks the
  computed instants; these tests really wait across the change and run again.)
- Wall-clock steps (NTP, a bad RTC, a suspended VM) while the orchestrator runs, made with
  libfaketime (LD_PRELOAD, FAKETIME_TIMESTAMP_FILE re-read on every call, monotonic clock
  left real): the continuous intraday runner runs each task once after a forward step (no
  burst) and neither reruns nor stalls after a backward step; timeouts and durations use the
  monotonic clock, so a step neither kills a task early nor lets a hung one run on.
"""

import os
import subprocess
import time
import unittest

from harness import PipelineTestCase, wait_for_file

FAKETIME_LIBS = [
    "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
    "/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1",
    "/usr/lib/faketime/libfaketime.so.1",
]
FAKETIME = next((p for p in FAKETIME_LIBS if os.path.exists(p)), None)


class DstChanges(PipelineTestCase):

    def test_time_in_the_spring_forward_gap_runs_once_at_the_end_of_the_gap(self):
        p = self.p
        job = p.script("job.sh", "stamp start\n")
        p.write_config([{"name": "Gap", "script": job, "time": "02:30:00"}])
        # 2026-03-08 01:59:58 EST: two seconds later it is 03:00 EDT (07:00Z); 02:30 never comes
        r = p.run("--now", "2026-03-08T01:59:58-05:00", "--daily", timeout=60)
        self.assertRc(r, 0)
        self.assertGreaterEqual(r.elapsed, 1.5, "did not wait for the end of the gap")
        self.assertLess(r.elapsed, 15, r)
        (tr,) = p.task_runs("Gap")
        self.assertEqual(tr["scheduled_at"], "2026-03-08 07:00:00.000")
        self.assertGreaterEqual(tr["started_at"], "2026-03-08 07:00:00.000")
        self.assertLess(tr["started_at"], "2026-03-08 07:00:10.000")
        self.assertEqual(tr["trading_date"], "2026-03-08")
        # the timer fires again later that day: nothing is redone
        for now in ("2026-03-08T03:30:00-04:00", "2026-03-08T23:59:00-04:00"):
            self.assertRc(p.run("--now", now, "--daily"), 0)
        self.assertEqual(len(p.task_runs("Gap")), 1)
        self.assertEqual(len(p.stamps()), 1)

    def test_time_in_the_repeated_autumn_hour_runs_once(self):
        p = self.p
        job = p.script("job.sh", "stamp start\n")
        p.write_config([{"name": "Twice", "script": job, "time": "01:30:00"}])
        # 2026-11-01: 01:00-02:00 happens in EDT (05:00-06:00Z), then again in EST
        r = p.run("--now", "2026-11-01T01:29:58-04:00", "--daily", timeout=60)
        self.assertRc(r, 0)
        self.assertGreaterEqual(r.elapsed, 1.5, "did not wait for 01:30 EDT")
        (tr,) = p.task_runs("Twice")
        self.assertEqual(tr["scheduled_at"], "2026-11-01 05:30:00.000")
        # the second 01:30 (EST), and later that day: not run again
        for now in ("2026-11-01T01:30:01-05:00", "2026-11-01T01:59:00-05:00",
                    "2026-11-01T18:00:00-05:00"):
            self.assertRc(p.run("--now", now, "--daily"), 0)
        self.assertEqual(len(p.task_runs("Twice")), 1)
        self.assertEqual(len(p.stamps()), 1)


def uptime():
    with open("/proc/uptime") as f:
        return float(f.read().split()[0])


@unittest.skipUnless(FAKETIME, "libfaketime is not installed (apt-get install faketime)")
class WallClockSteps(PipelineTestCase):

    def setUp(self):
        super().setUp()
        self.offset_file = self.p.path("faketime.txt")
        self.step(0)

    def step(self, seconds):
        """Sets the wall clock of the orchestrator (and its tasks) to real time + seconds."""
        tmp = self.offset_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{seconds:+d}\n")
        os.replace(tmp, self.offset_file)

    def faked_env(self):
        asan = os.environ.get("ASAN_OPTIONS", "")
        return {"LD_PRELOAD": FAKETIME, "FAKETIME_TIMESTAMP_FILE": self.offset_file,
                "FAKETIME_NO_CACHE": "1", "FAKETIME_DONT_FAKE_MONOTONIC": "1",
                # libfaketime ahead of a sanitizer runtime in the load order
                "ASAN_OPTIONS": (asan + ":" if asan else "") + "verify_asan_link_order=0"}

    def ticks(self):
        try:
            return [float(x) for x in self.p.read("ticks.txt").split()]
        except FileNotFoundError:
            return []

    def wait_ticks(self, n, timeout=15):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.ticks()) >= n:
                return self.ticks()
            time.sleep(0.02)
        self.fail(f"fewer than {n} runs: {self.ticks()}")

    def test_intraday_runner_after_forward_and_backward_steps(self):
        p = self.p
        # the task stamps the monotonic clock (uptime), which libfaketime leaves alone
        tick = p.script("tick.sh", "read up idle < /proc/uptime\necho $up >> ticks.txt\n")
        p.write_raw(
            "timezone: America/New_York\n"
            "intraday_schedule:\n"
            f"  - name: Tick\n    script: {tick}\n    interval_seconds: 2\n")
        proc = self.popen("--intraday", "--interval", "1", env=self.faked_env())
        # the clock check itself: the offset file really moves the orchestrator's clock
        base = self.wait_ticks(2)

        # forward one hour, right after a run; the 0.9 s let that pass finish (record the
        # end, compute its next wake-up) first: a step landing inside the pass makes the task
        # due at once, a legitimate run 10 ms after the last that the gap check would call a burst
        n = len(self.wait_ticks(len(base) + 1))
        time.sleep(0.9)  # halfway to the next run (+1.9 s)
        self.step(3600)
        t_forward = uptime()
        after_forward = [t for t in self.wait_ticks(n + 3) if t > t_forward]
        # backward two hours (one before real time), right after a run
        n = len(self.wait_ticks(len(self.ticks()) + 1))
        time.sleep(0.9)
        self.step(-3600)
        t_back = uptime()
        time.sleep(6)
        proc.terminate()
        res = self.finish(proc, timeout=30)
        self.assertRc(res, 143)
        ticks = self.ticks()
        gaps = [b - a for a, b in zip(ticks, ticks[1:])]
        # never a burst: each pass runs the task at most once, a pass at most every second
        self.assertTrue(all(g >= 0.8 for g in gaps), f"burst of runs: gaps {gaps}")
        # forward: at most one run at once, then the 2 s cadence goes on
        self.assertLessEqual(len([t for t in after_forward if t < t_forward + 0.8]), 1, ticks)
        forward_window = [t for t in ticks if t_forward < t < t_back]
        self.assertGreaterEqual(len(forward_window), 3, f"stopped after the forward step: {ticks}")
        # backward: no extra run right away, and no stall until the wall clock catches up
        after_back = [t for t in ticks if t > t_back]
        self.assertTrue(after_back, f"no run in the 6 s after stepping back an hour: {ticks}")
        self.assertGreater(after_back[0] - t_back, 0.8, f"ran again at once: {ticks}")
        self.assertLess(after_back[0] - t_back, 4.5, f"stalled after the backward step: {ticks}")
        self.assertGreaterEqual(len(after_back), 2, ticks)
        # every run is in the history
        self.assertEqual(len(p.task_runs("Tick")), len(ticks))

    def _timed_run(self, sleep_s, max_runtime, step_s):
        p = self.p
        job = p.script("job.sh", f"touch started\nsleep {sleep_s}\n")
        p.write_config([{"name": "Job", "script": job, "max_runtime_seconds": max_runtime}],
                       kill_grace_seconds=1)
        proc = self.popen("--daily", "--no-wait", env=self.faked_env())
        self.assertTrue(wait_for_file(p.path("started"), 15, nonempty=False))
        t0 = time.monotonic()
        self.step(step_s)
        res = self.finish(proc, timeout=60)
        return res, time.monotonic() - t0

    def test_forward_step_does_not_time_out_a_running_task(self):
        res, _ = self._timed_run(sleep_s=2.5, max_runtime=5, step_s=7200)
        self.assertRc(res, 0)
        (tr,) = self.p.task_runs("Job")
        self.assertEqual(tr["status"], "SUCCESS", tr)
        self.assertLess(tr["duration_seconds"], 4.5, "duration measured on the wall clock")
        self.assertGreaterEqual(tr["duration_seconds"], 2.4, tr)

    def test_backward_step_does_not_extend_a_timeout(self):
        res, waited = self._timed_run(sleep_s=60, max_runtime=2, step_s=-7200)
        self.assertRc(res, 1)
        self.assertLess(waited, 8, "the timeout waited for the wall clock")
        (tr,) = self.p.task_runs("Job")
        self.assertEqual(tr["status"], "TIMEOUT", tr)
        self.assertLess(tr["duration_seconds"], 4.5, tr)


if __name__ == "__main__":
    unittest.main()
