"""The intraday runner: --intraday --once and the continuous --intraday.

Covers the due rule (interval less 5% since the last start), market sessions
(market_hours_only, regular vs extended), dependencies among intraday tasks,
sub-minute intervals, the environment given to tasks, and the continuous loop:
cadence, no overlap, waking at the session open, not spinning, stopping on
SIGTERM/SIGINT, and the per-mode lock.
"""

import calendar
import os
import signal
import time
import unittest

from harness import (PipelineTestCase, group_members, poll_until, sql_time_to_epoch, wait_dead,
                     wait_for_file, write_pipeline)

# A Friday, a regular NYSE trading day; 10:00 New York is 15:00 UTC.
FRIDAY_10 = "2026-11-20T10:00:00-05:00"
FRIDAY_10_EPOCH = calendar.timegm((2026, 11, 20, 15, 0, 0))


def iso_utc(epoch):
    """Epoch seconds (float) -> '2026-11-20T15:00:57.049Z' (millisecond precision)."""
    ms = int(round(epoch * 1000))
    sec, frac = divmod(ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec)) + f".{frac:03d}Z"


def cpu_seconds(pid):
    """utime + stime of a live process, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        stat = f.read()
    fields = stat[stat.rindex(")") + 2:].split()
    # after the command: state(0) ppid(1) ... utime is field 14 of stat, index 11 here
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class IntradayCase(PipelineTestCase):

    def once(self, now, *args, db=None, env=None):
        extra = ["--db", db] if db else []
        return self.p.run("--now", now, *extra, "--intraday", "--once", *args, env=env)

    def total_runs(self, task, db=None):
        row = self.status_in(task, db)
        return row["total_runs"] if row else 0

    def status_in(self, task, db=None):
        if db is None:
            return self.p.status(task)
        import sqlite3
        if not os.path.exists(db):
            return None
        conn = sqlite3.connect(db, timeout=10)
        conn.row_factory = sqlite3.Row
        try:
            r = conn.execute("SELECT * FROM data_pipeline_status WHERE task_name = ?",
                             (task,)).fetchone()
            return dict(r) if r else None
        finally:
            conn.close()

    def last_start(self, task):
        row = self.p.status(task)
        self.assertIsNotNone(row, f"no status row for {task}")
        self.assertIsNotNone(row["last_run_start"], row)
        return sql_time_to_epoch(row["last_run_start"])

    def assertNoRunningRows(self):
        statuses = [r["status"] for r in self.p.query(
            "SELECT status FROM data_pipeline_status UNION ALL SELECT status FROM task_runs "
            "UNION ALL SELECT status FROM runs")]
        self.assertNotIn("RUNNING", statuses)


class DueRule(IntradayCase):

    def test_due_tolerance_across_once_runs(self):
        p = self.p
        job = p.script("job.sh", "stamp start\n")
        write_pipeline(p, intraday=[
            {"name": "Minute", "script": job, "interval_minutes": 1, "max_runtime_seconds": 30},
            {"name": "Five", "script": job, "interval_minutes": 5, "max_runtime_seconds": 30},
        ])
        # never run: both due
        r = self.once(FRIDAY_10)
        self.assertRc(r, 0)
        self.assertEqual(self.total_runs("Minute"), 1)
        self.assertEqual(self.total_runs("Five"), 1)
        runs = p.runs()
        self.assertEqual(len(runs), 1, runs)
        self.assertEqual(runs[0]["mode"], "intraday")
        self.assertEqual(runs[0]["status"], "SUCCESS")
        self.assertEqual({t["mode"] for t in p.task_runs()}, {"intraday"})
        a = self.last_start("Minute")
        b = self.last_start("Five")
        self.assertGreaterEqual(a, FRIDAY_10_EPOCH)
        self.assertLess(a, FRIDAY_10_EPOCH + 10)

        # 55 s after the last start: 1-minute task not due (needs 60 - 3 = 57 s; the 2 s left
        # cover the start-up between --now and the pass, which --now's clock counts)
        r = self.once(iso_utc(a + 55.0))
        self.assertRc(r, 0)
        self.assertEqual(self.total_runs("Minute"), 1, "1-minute task ran 55 s after its last start")
        self.assertEqual(self.total_runs("Five"), 1)
        self.assertEqual(len(p.runs()), 1, "a pass with nothing due created a runs row")

        # 57 s after the last start (interval less 5%): due; the 5-minute task is not
        r = self.once(iso_utc(a + 57.0))
        self.assertRc(r, 0)
        self.assertEqual(self.total_runs("Minute"), 2, "1-minute task not due 57 s after its last start")
        self.assertEqual(self.total_runs("Five"), 1, "5-minute task ran after 57 s")
        self.assertEqual(len(p.runs()), 2)

        # 5-minute task: 283 s after its last start not due, 285 s (300 - 15) due
        r = self.once(iso_utc(b + 283.0))
        self.assertRc(r, 0)
        self.assertEqual(self.total_runs("Five"), 1, "5-minute task ran 283 s after its last start")
        self.assertEqual(self.total_runs("Minute"), 3)
        r = self.once(iso_utc(b + 285.0))
        self.assertRc(r, 0)
        self.assertEqual(self.total_runs("Five"), 2, "5-minute task not due 285 s after its last start")
        self.assertEqual(self.total_runs("Minute"), 3, "1-minute task ran 1 s after its last start")
        self.assertEqual({t["mode"] for t in p.task_runs()}, {"intraday"})
        self.assertEqual({r["mode"] for r in p.runs()}, {"intraday"})

    def test_timer_firing_slightly_early_runs_every_time(self):
        # a timer that fires every 59 s (a little early) still runs the 1-minute task each time
        p = self.p
        job = p.script("job.sh", "stamp start\n")
        write_pipeline(p, intraday=[{"name": "Minute", "script": job, "interval_minutes": 1}])
        for i in range(3):
            r = self.once(iso_utc(FRIDAY_10_EPOCH + 59 * i))
            self.assertRc(r, 0)
            self.assertEqual(self.total_runs("Minute"), i + 1, f"fire {i} at +{59 * i}s: {r!r}")

    def test_sub_minute_interval_seconds(self):
        p = self.p
        job = p.script("job.sh", "stamp start\n")
        write_pipeline(p, intraday=[
            {"name": "Fast", "script": job, "interval_seconds": 10, "max_runtime_seconds": 5}])
        self.assertRc(self.once(FRIDAY_10), 0)
        a = self.last_start("Fast")
        # tolerance is 0.5 s: due from 9.5 s after the last start (8 s: start-up slack)
        self.assertRc(self.once(iso_utc(a + 8.0)), 0)
        self.assertEqual(self.total_runs("Fast"), 1, "10 s task ran after 8 s")
        self.assertRc(self.once(iso_utc(a + 9.5)), 0)
        self.assertEqual(self.total_runs("Fast"), 2, "10 s task not due after 9.5 s")
        a2 = self.last_start("Fast")
        self.assertRc(self.once(iso_utc(a2 + 10.0)), 0)
        self.assertEqual(self.total_runs("Fast"), 3)


class Failures(IntradayCase):

    def test_once_timeout_exits_1(self):
        p = self.p
        slow = p.script("slow.sh", 'echo $$ > slow.pid\nexec sleep 30\n')
        job = p.script("job.sh", "stamp start\n")
        write_pipeline(p, intraday=[
            {"name": "Slow", "script": slow, "interval_minutes": 1, "max_runtime_seconds": 1},
            {"name": "Quick", "script": job, "interval_minutes": 1}])
        r = self.once(FRIDAY_10)
        self.assertRc(r, 1)
        self.assertLess(r.elapsed, 15)
        self.assertStatus("Slow", "TIMEOUT")
        self.assertStatus("Quick", "SUCCESS")
        self.assertDead(p.read_pid("slow.pid"), "the timed-out task")
        self.assertEqual(p.runs()[0]["status"], "FAILED")

    def test_missing_script_fails_the_pass(self):
        p = self.p
        job = p.script("job.sh", "stamp start\n")
        write_pipeline(p, intraday=[
            {"name": "Gone", "script": "scripts/missing.sh", "interval_minutes": 1},
            {"name": "Quick", "script": job, "interval_minutes": 1}])
        r = self.once(FRIDAY_10)
        self.assertRc(r, 1)
        self.assertStatus("Gone", "FAILED")
        self.assertStatus("Quick", "SUCCESS")


class MarketSessions(IntradayCase):

    INSTANTS_REGULAR = [
        # (label, now, regular-session task runs?)
        ("saturday", "2026-11-21T10:00:00-05:00", False),
        ("sunday", "2026-11-22T12:00:00-05:00", False),
        ("thanksgiving", "2026-11-26T10:00:00-05:00", False),
        ("good friday", "2026-04-03T11:00:00-04:00", False),
        ("before open", "2026-11-20T09:29:00-05:00", False),
        ("at close", "2026-11-20T16:00:00-05:00", False),
        ("after close", "2026-11-20T17:30:00-05:00", False),
        ("early close day after 13:00", "2026-11-27T13:00:00-05:00", False),
        ("at open", "2026-11-20T09:30:00-05:00", True),
        ("before close", "2026-11-20T15:59:00-05:00", True),
        ("early close day 12:59", "2026-11-27T12:59:00-05:00", True),
    ]

    def test_market_hours_only_regular(self):
        p = self.p
        job = p.script("job.sh", "stamp start\n")
        write_pipeline(p, intraday=[
            {"name": "Market", "script": job, "interval_minutes": 1, "market_hours_only": True},
            {"name": "Always", "script": job, "interval_minutes": 1},
        ])
        for i, (label, now, runs) in enumerate(self.INSTANTS_REGULAR):
            with self.subTest(label):
                db = p.path("dbs", f"{i}.db")
                r = self.once(now, db=db)
                # a closed market is not a failure
                self.assertRc(r, 0)
                self.assertEqual(self.total_runs("Market", db), 1 if runs else 0,
                                 f"{label} ({now}): market_hours_only task ran={not runs}; {r!r}")
                # market_hours_only defaults to false: this one runs whatever the time
                self.assertEqual(self.total_runs("Always", db), 1, f"{label}: {r!r}")
                if not runs:
                    st = self.status_in("Market", db)
                    self.assertTrue(st is None or st["status"] == "PENDING", st)
                    self.assertEqual(st["total_failures"] if st else 0, 0)

    def test_extended_vs_regular_session(self):
        p = self.p
        job = p.script("job.sh", "stamp start\n")
        write_pipeline(p, intraday=[
            {"name": "Regular", "script": job, "interval_minutes": 1, "market_hours_only": True,
             "session": "regular"},
            {"name": "Extended", "script": job, "interval_minutes": 1, "market_hours_only": True,
             "session": "extended"},
        ])
        cases = [
            # (label, now, regular runs, extended runs)
            ("pre-market 08:00", "2026-11-20T08:00:00-05:00", False, True),
            ("pre-market opens 04:00", "2026-11-20T04:00:00-05:00", False, True),
            ("before pre-market 03:59", "2026-11-20T03:59:00-05:00", False, False),
            ("regular 10:00", "2026-11-20T10:00:00-05:00", True, True),
            ("post-market 19:59", "2026-11-20T19:59:00-05:00", False, True),
            ("after post-market 20:00", "2026-11-20T20:00:00-05:00", False, False),
            ("saturday 08:00", "2026-11-21T08:00:00-05:00", False, False),
            ("thanksgiving 08:00", "2026-11-26T08:00:00-05:00", False, False),
            ("early close day 13:30", "2026-11-27T13:30:00-05:00", False, True),
        ]
        for i, (label, now, reg, ext) in enumerate(cases):
            with self.subTest(label):
                db = p.path("dbs", f"{i}.db")
                r = self.once(now, db=db)
                self.assertRc(r, 0)
                self.assertEqual(self.total_runs("Regular", db), int(reg), f"{label}: {r!r}")
                self.assertEqual(self.total_runs("Extended", db), int(ext), f"{label}: {r!r}")


class Dependencies(IntradayCase):

    def test_dependency_not_due_counts_as_satisfied(self):
        p = self.p
        job = p.script("job.sh", "stamp start\n")
        write_pipeline(p, intraday=[
            {"name": "Slow Source", "script": job, "interval_minutes": 5},
            {"name": "Fast Consumer", "script": job, "interval_minutes": 1,
             "dependencies": ["Slow Source"]},
        ])
        self.assertRc(self.once(FRIDAY_10), 0)
        self.assertEqual(self.total_runs("Slow Source"), 1)
        self.assertEqual(self.total_runs("Fast Consumer"), 1)
        a = self.last_start("Fast Consumer")
        r = self.once(iso_utc(a + 60.0))
        self.assertRc(r, 0)
        self.assertEqual(self.total_runs("Slow Source"), 1, "5-minute dependency ran after 60 s")
        self.assertEqual(self.total_runs("Fast Consumer"), 2,
                         f"dependent not run although its dependency was simply not due: {r!r}")
        self.assertStatus("Fast Consumer", "SUCCESS")
        self.assertNotIn("SKIPPED", [t["status"] for t in p.task_runs()])

    def test_dependency_outside_its_session_counts_as_satisfied(self):
        p = self.p
        job = p.script("job.sh", "stamp start\n")
        write_pipeline(p, intraday=[
            {"name": "Regular Source", "script": job, "interval_minutes": 1,
             "market_hours_only": True},
            {"name": "Consumer", "script": job, "interval_minutes": 1,
             "dependencies": ["Regular Source"]},
        ])
        r = self.once("2026-11-20T08:00:00-05:00")
        self.assertRc(r, 0)
        self.assertEqual(self.total_runs("Regular Source"), 0)
        self.assertEqual(self.total_runs("Consumer"), 1, repr(r))
        self.assertStatus("Consumer", "SUCCESS")

    def test_failed_dependency_skips_dependent_and_exits_1(self):
        p = self.p
        bad = p.script("bad.sh", "stamp start\necho broken >&2\nexit 3\n")
        job = p.script("job.sh", "stamp start\n")
        write_pipeline(p, intraday=[
            {"name": "Source", "script": bad, "interval_minutes": 1},
            {"name": "Consumer", "script": job, "interval_minutes": 1, "dependencies": ["Source"]},
            {"name": "Independent", "script": job, "interval_minutes": 1},
        ])
        r = self.once(FRIDAY_10)
        self.assertRc(r, 1)
        self.assertStatus("Source", "FAILED")
        self.assertStatus("Consumer", "SKIPPED")
        self.assertStatus("Independent", "SUCCESS")
        self.assertNotIn("Consumer", p.stamps(), "a skipped task's script ran")
        skipped = p.task_runs("Consumer")
        self.assertEqual(len(skipped), 1, skipped)
        self.assertEqual(skipped[0]["status"], "SKIPPED")
        self.assertEqual(skipped[0]["mode"], "intraday")
        runs = p.runs()
        self.assertEqual(len(runs), 1)
        self.assertEqual(runs[0]["status"], "FAILED")


class Environment(IntradayCase):

    def test_task_environment(self):
        p = self.p
        dump = p.script("dump.sh", 'env | grep -E "^(ORCHESTRATOR_|MY_)" > "$ORCHESTRATOR_TASK.env"\n')
        write_pipeline(p, intraday=[
            {"name": "Alpha", "script": dump, "interval_minutes": 1, "env": {"MY_KEY": "v1"}},
            {"name": "Beta", "script": dump, "interval_seconds": 30},
        ])
        r = self.once(FRIDAY_10)
        self.assertRc(r, 0)
        envs = {}
        for name in ("Alpha", "Beta"):
            with open(p.path(f"{name}.env")) as f:
                envs[name] = dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line)
        run_id = p.runs()[0]["id"]
        trs = {t["task_name"]: t for t in p.task_runs()}
        for name, env in envs.items():
            self.assertEqual(env.get("ORCHESTRATOR_MODE"), "intraday", env)
            self.assertEqual(env.get("ORCHESTRATOR_TASK"), name, env)
            self.assertEqual(env.get("ORCHESTRATOR_RUN_ID"), str(run_id), env)
            self.assertEqual(env.get("ORCHESTRATOR_ATTEMPT"), "1", env)
            self.assertEqual(env.get("ORCHESTRATOR_TRADING_DATE"), "2026-11-20", env)
            self.assertEqual(os.path.realpath(env.get("ORCHESTRATOR_DB", "")),
                             os.path.realpath(p.db_path), env)
            self.assertTrue(os.path.isabs(env["ORCHESTRATOR_DB"]), env)
            sched = env.get("ORCHESTRATOR_SCHEDULED_AT", "")
            self.assertRegex(sched, r"^2026-11-20T15:00:\d\d(\.\d+)?Z$", env)
            sched_epoch = calendar.timegm(time.strptime(sched[:19], "%Y-%m-%dT%H:%M:%S")) + (
                float("0" + sched[19:-1]) if len(sched) > 20 else 0.0)
            # the pass instant: the clock's time when the pass began
            self.assertGreaterEqual(sched_epoch, FRIDAY_10_EPOCH)
            self.assertLess(sched_epoch, FRIDAY_10_EPOCH + 5)
            self.assertAlmostEqual(sched_epoch, sql_time_to_epoch(trs[name]["scheduled_at"]),
                                   delta=0.0015)
            self.assertLessEqual(sched_epoch, sql_time_to_epoch(trs[name]["started_at"]) + 0.0015)
        self.assertEqual(envs["Alpha"].get("MY_KEY"), "v1")
        self.assertNotIn("MY_KEY", envs["Beta"])
        # both tasks of one pass share the pass instant
        self.assertEqual(envs["Alpha"]["ORCHESTRATOR_SCHEDULED_AT"],
                         envs["Beta"]["ORCHESTRATOR_SCHEDULED_AT"])

    def test_trading_date_is_the_local_date(self):
        # 23:30 in New York is already the next day in UTC
        p = self.p
        dump = p.script("dump.sh", 'env | grep "^ORCHESTRATOR_" > "$ORCHESTRATOR_TASK.env"\n')
        write_pipeline(p, intraday=[{"name": "Late", "script": dump, "interval_minutes": 1}])
        self.assertRc(self.once("2026-11-20T23:30:00-05:00"), 0)
        with open(p.path("Late.env")) as f:
            env = dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line)
        self.assertEqual(env["ORCHESTRATOR_TRADING_DATE"], "2026-11-20", env)
        self.assertTrue(env["ORCHESTRATOR_SCHEDULED_AT"].startswith("2026-11-21T04:30:"), env)
        self.assertEqual(p.runs()[0]["trading_date"], "2026-11-20")
        self.assertEqual(p.task_runs("Late")[0]["trading_date"], "2026-11-20")

    def test_dry_run_writes_nothing(self):
        p = self.p
        job = p.script("job.sh", "stamp start\n")
        write_pipeline(p, intraday=[{"name": "Job", "script": job, "interval_minutes": 1}])
        r = self.once(FRIDAY_10, "--dry-run")
        self.assertRc(r, 0)
        self.assertIn("Job", r.stdout)
        self.assertIn("job.sh", r.stdout)
        self.assertNotIn("Job", p.stamps(), "--dry-run ran the task")
        self.assertNothingWritten(r)


class Continuous(IntradayCase):

    def start(self, now, *args, db=None):
        extra = ["--db", db] if db else []
        return self.popen("--now", now, *extra, "--intraday", *args)

    def stop(self, proc, sig=signal.SIGTERM, timeout=20):
        proc.send_signal(sig)
        return self.finish(proc, timeout=timeout)

    def test_runs_repeatedly_at_its_interval_then_stops_on_sigterm(self):
        p = self.p
        job = p.script("job.sh", "stamp start\n")
        write_pipeline(p, intraday=[
            {"name": "Ticker", "script": job, "interval_seconds": 2, "max_runtime_seconds": 5,
             "market_hours_only": True}])
        proc = self.start(FRIDAY_10, "--interval", "1")
        # three finished passes, then stop (between passes: the next is 2 s away)
        def three_passes_done():
            try:
                runs = p.runs()
            except Exception:  # the database is not made yet
                return False
            return len(runs) >= 3 and all(r["ended_at"] for r in runs)
        poll_until(three_passes_done, 30)
        self.assertTrue(three_passes_done(), "fewer than 3 passes in 30 s")
        self.assertIsNone(proc.poll(), "the continuous runner exited by itself")
        res = self.stop(proc)
        self.assertRc(res, 143)
        starts = [sql_time_to_epoch(t["started_at"]) for t in p.task_runs("Ticker")]
        self.assertTrue(2 <= len(starts) <= 5, f"{len(starts)} runs of a 2 s task in ~6 s; {res!r}")
        self.assertEqual(sum(1 for t in p.trace() if t[0] == "Ticker"), len(starts))
        # The resident runner counts from the pass's instant (runs.started_at): passes that ran
        # the task are its full interval apart, to the millisecond (the 5 % tolerance is for
        # timer passes only). Each attempt starts a few ms into its pass (its run row, its
        # commit), and that delay varies with the load.
        passes = [sql_time_to_epoch(r["started_at"]) for r in p.runs()]
        self.assertEqual(len(passes), len(starts), p.runs())
        for earlier, later in zip(passes, passes[1:]):
            self.assertGreaterEqual(later - earlier, 2.0 - 0.002,
                                    f"a pass ran it again before its interval: {passes}")
        for earlier, later in zip(starts, starts[1:]):
            self.assertGreaterEqual(later - earlier, 2.0 - 0.05,
                                    f"ran again before its interval: {starts}")
        self.assertEqual({t["status"] for t in p.task_runs("Ticker")}, {"SUCCESS"})
        self.assertEqual({r["mode"] for r in p.runs()}, {"intraday"})
        self.assertNoRunningRows()

    def test_resident_cadence_is_the_full_interval(self):
        # A 3 s task: the resident runner starts it every 3 s, not every 2.85 s (the timer's
        # 5 % tolerance is not its cadence), and not later than the interval either.
        p = self.p
        job = p.script("job.sh", "stamp start\n")
        write_pipeline(p, intraday=[
            {"name": "Ticker", "script": job, "interval_seconds": 3, "max_runtime_seconds": 5}])
        proc = self.start(FRIDAY_10, "--interval", "1")
        deadline = time.monotonic() + 40
        def passes():
            try:
                return [r for r in p.runs() if r["ended_at"]]
            except Exception:  # the database is not made yet
                return []
        while len(passes()) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        res = self.stop(proc)
        self.assertRc(res, 143)
        starts = sorted(sql_time_to_epoch(r["started_at"]) for r in p.runs())
        self.assertGreaterEqual(len(starts), 4, p.runs())
        for earlier, later in zip(starts, starts[1:]):
            self.assertGreaterEqual(later - earlier, 3.0 - 0.002, f"started before its interval: {starts}")
            self.assertLess(later - earlier, 3.0 + 1.5, f"started well after its interval: {starts}")

    def test_no_overlap_when_task_outlasts_its_interval(self):
        p = self.p
        slow = p.script("slow.sh", "stamp start\nsleep 1.5\nstamp end\n")
        write_pipeline(p, intraday=[
            {"name": "Slow", "script": slow, "interval_seconds": 1, "max_runtime_seconds": 10}])
        proc = self.start(FRIDAY_10, "--interval", "1")
        time.sleep(4.5)
        res = self.stop(proc)
        self.assertRc(res, 143)
        spans = []
        for t in p.task_runs("Slow"):
            if t["ended_at"]:
                spans.append((sql_time_to_epoch(t["started_at"]), sql_time_to_epoch(t["ended_at"])))
        self.assertGreaterEqual(len(spans), 2, p.task_runs("Slow"))
        for (s1, e1), (s2, _) in zip(spans, spans[1:]):
            self.assertGreaterEqual(s2, e1, f"runs overlapped: {spans}")

    def test_stops_running_market_task_at_the_close(self):
        p = self.p
        job = p.script("job.sh", "stamp start\n")
        write_pipeline(p, intraday=[
            {"name": "Ticker", "script": job, "interval_seconds": 1, "max_runtime_seconds": 1,
             "market_hours_only": True}])
        proc = self.start("2026-11-20T15:59:58-05:00", "--interval", "1")
        time.sleep(4.0)
        res = self.stop(proc)
        self.assertRc(res, 143)
        close = calendar.timegm((2026, 11, 20, 21, 0, 0))
        starts = [sql_time_to_epoch(t["started_at"]) for t in p.task_runs("Ticker")]
        self.assertGreaterEqual(len(starts), 1, res)
        self.assertEqual([s for s in starts if s >= close], [],
                         f"a regular-session task ran at or after 16:00: {starts}")

    def test_wakes_at_the_session_open(self):
        # 2 s before the open, with --interval 30: the runner must wake at 09:30, not in 30 s
        p = self.p
        job = p.script("job.sh", "stamp start\n")
        write_pipeline(p, intraday=[
            {"name": "Open", "script": job, "interval_minutes": 1, "market_hours_only": True}])
        t0 = time.time()
        proc = self.start("2026-11-20T09:29:58-05:00", "--interval", "30")
        self.assertTrue(wait_for_file(p.trace_path, 10), "the task did not run at the open")
        waited = time.time() - t0
        t1 = time.monotonic()
        res = self.stop(proc)
        # it sleeps up to 30 s now (capped by --interval) and must still stop at once
        self.assertLess(time.monotonic() - t1, 5, "SIGTERM did not interrupt the sleep")
        self.assertRc(res, 143)
        self.assertGreaterEqual(waited, 1.5, "ran before the open")
        self.assertLess(waited, 8.0)
        start = self.last_start("Open")
        self.assertGreaterEqual(start, calendar.timegm((2026, 11, 20, 14, 30, 0)),
                                "ran before 09:30")

    def _stop_long_task(self, sig, rc, ignore_term):
        p = self.p
        body = ("trap '' TERM\n" if ignore_term else "") + \
            'echo $$ > long.pid\nstamp start\nwhile :; do sleep 0.2; done\n'
        long_ = p.script("long.sh", body)
        write_pipeline(p, intraday=[
            {"name": "Long", "script": long_, "interval_minutes": 5, "max_runtime_seconds": 120}])
        proc = self.start(FRIDAY_10, "--interval", "1")
        pid = p.read_pid("long.pid", timeout=15)
        time.sleep(0.3)
        t0 = time.monotonic()
        res = self.stop(proc, sig)
        took = time.monotonic() - t0
        self.assertRc(res, rc)
        self.assertLess(took, 10, "stopping took too long")
        self.assertDead(pid, "the running task", timeout=3)
        self.assertEqual(group_members(pid), [], "the task's process group survived")
        self.assertStatus("Long", "INTERRUPTED")
        self.assertEqual([t["status"] for t in p.task_runs("Long")], ["INTERRUPTED"])
        self.assertEqual(p.status("Long")["total_failures"], 0)
        self.assertNoRunningRows()

    def test_sigterm_stops_running_task(self):
        self._stop_long_task(signal.SIGTERM, 143, ignore_term=False)

    def test_sigint_stops_task_ignoring_term_with_kill_after_grace(self):
        self._stop_long_task(signal.SIGINT, 130, ignore_term=True)

    def test_does_not_spin_when_nothing_is_due(self):
        p = self.p
        job = p.script("job.sh", "stamp start\n")
        write_pipeline(p, intraday=[
            {"name": "Market", "script": job, "interval_minutes": 1, "market_hours_only": True}])
        # market closed (Saturday), and market open with the task just run (not due for 57 s)
        closed = self.start("2026-11-21T10:00:00-05:00", "--interval", "1", db=p.path("closed.db"))
        idle = self.start(FRIDAY_10, "--interval", "1", db=p.path("idle.db"))
        time.sleep(3.0)
        for label, proc in (("closed", closed), ("idle", idle)):
            self.assertIsNone(proc.poll(), f"{label}: the runner exited by itself")
            used = cpu_seconds(proc.pid)
            self.assertLess(used, 0.5, f"{label}: the runner used {used:.2f} s of CPU in 3 s")
        for proc in (closed, idle):
            self.assertRc(self.stop(proc), 143)
        self.assertEqual(self.total_runs("Market", p.path("closed.db")), 0)
        self.assertEqual(self.total_runs("Market", p.path("idle.db")), 1)

    def test_second_instance_exits_75(self):
        p = self.p
        long_ = p.script("long.sh", 'echo $$ > long.pid\nexec sleep 30\n')
        write_pipeline(p, intraday=[
            {"name": "Long", "script": long_, "interval_minutes": 5, "max_runtime_seconds": 60}])
        first = self.start(FRIDAY_10, "--interval", "1")
        p.read_pid("long.pid", timeout=15)
        second = self.once(FRIDAY_10)
        self.assertRc(second, 75)
        self.assertIn(str(first.pid), second.output)
        third = p.run("--now", FRIDAY_10, "--intraday", "--interval", "1", timeout=15)
        self.assertRc(third, 75)
        self.assertIn(str(first.pid), third.output)
        self.assertEqual(len(p.runs()), 1, "a refused instance created a run")
        self.assertRc(self.stop(first), 143)
        # the lock is free again once the first has gone (nothing is due a minute later)
        self.assertRc(self.once(iso_utc(FRIDAY_10_EPOCH + 60)), 0)


if __name__ == "__main__":
    unittest.main()
