"""--full: the supervisor of the daily and intraday runners.

It re-executes its own binary as --daily (when today matches daily_days), then as
--intraday, restarts the intraday runner with backoff when it dies, records
supervisor_events, and on SIGTERM stops both children and leaves nothing behind.
"""

import os
import signal
import sqlite3
import subprocess
import time
import unittest

from harness import PipelineTestCase, pid_alive, sql_time_to_epoch, wait_dead, write_pipeline

FRIDAY_10 = "2026-11-20T10:00:00-05:00"      # a regular trading day
SATURDAY_10 = "2026-11-21T10:00:00-05:00"
THANKSGIVING_10 = "2026-11-26T10:00:00-05:00"  # a weekday, NYSE holiday


def _ere(text):
    """Escape a literal path for pgrep's extended regular expression."""
    out = []
    for ch in text:
        out.append("[" + ch + "]" if ch in ".[]()*+?{}|^$\\" else ch)
    return "".join(out)


def pgrep(pattern):
    """Live (non-zombie) pids whose full command line matches pattern (pgrep -f)."""
    proc = subprocess.run(["pgrep", "-f", "--", pattern], stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL)
    pids = [int(x) for x in proc.stdout.split()]
    return [pid for pid in pids if pid != os.getpid() and pid_alive(pid)]


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return [a.decode(errors="replace") for a in f.read().split(b"\0") if a]
    except (FileNotFoundError, ProcessLookupError):
        return []


def ppid_of(pid):
    with open(f"/proc/{pid}/stat") as f:
        stat = f.read()
    return int(stat[stat.rindex(")") + 2:].split()[1])


class FullCase(PipelineTestCase):

    def start_full(self, now, *args, db=None):
        extra = ["--db", db] if db else []
        return self.popen("--now", now, *extra, "--full", "--interval", "1", *args)

    def events(self, db=None):
        path = db or self.p.db_path
        if not os.path.exists(path):
            return []
        try:
            conn = sqlite3.connect(path, timeout=10)
            conn.row_factory = sqlite3.Row
            try:
                return [dict(r) for r in conn.execute(
                    "SELECT * FROM supervisor_events ORDER BY id").fetchall()]
            finally:
                conn.close()
        except sqlite3.OperationalError:
            return []  # not created yet

    def kinds(self, db=None):
        return [e["kind"] for e in self.events(db)]

    def runner_pids(self, role):
        return pgrep(_ere(self.p.config_path) + ".*--" + role)

    def pids_in(self, name):
        try:
            with open(self.p.path(name)) as f:
                return [int(x) for x in f.read().split()]
        except FileNotFoundError:
            return []

    def leftovers(self):
        """Live processes whose command line names this test's folder (runners or scripts)."""
        return pgrep(_ere(self.p.root))


class Supervisor(FullCase):

    def test_daily_then_intraday_restart_on_death_and_clean_stop(self):
        p = self.p
        daily = p.script("daily.sh", "stamp start\nsleep 0.3\nstamp end\n")
        # stamp before the pid: the test reads the stamps as soon as the pid is there
        intra = p.script("intra.sh", 'stamp start\necho $$ >> intra.pids\nexec sleep 20\n')
        write_pipeline(
            p,
            daily=[{"name": "Daily Job", "script": daily, "time": "00:00:00",
                    "max_runtime_seconds": 30}],
            intraday=[{"name": "Intra", "script": intra, "interval_seconds": 3,
                       "max_runtime_seconds": 30}])
        sup = self.start_full(FRIDAY_10)

        # the intraday runner starts its task only after the daily runner has finished
        self.wait_until(lambda: len(self.pids_in("intra.pids")) >= 1, 20, "the intraday task")
        daily_runs = p.task_runs("Daily Job")
        self.assertEqual(len(daily_runs), 1, daily_runs)
        self.assertEqual(daily_runs[0]["mode"], "daily")
        self.assertEqual(daily_runs[0]["status"], "SUCCESS")
        intra_runs = p.task_runs("Intra")
        self.assertGreaterEqual(len(intra_runs), 1)
        self.assertEqual(intra_runs[0]["mode"], "intraday")
        self.assertGreaterEqual(sql_time_to_epoch(intra_runs[0]["started_at"]),
                                sql_time_to_epoch(daily_runs[0]["ended_at"]),
                                "the intraday task started before the daily run ended")
        stamps = p.stamps()
        self.assertLess(stamps["Daily Job"]["end"], stamps["Intra"]["start"])
        kinds = self.kinds()
        self.assertEqual(kinds[:3], ["daily-started", "daily-finished", "intraday-started"], kinds)
        self.assertEqual({r["mode"] for r in p.runs()}, {"daily", "intraday"})

        # exactly one intraday runner, a child of the supervisor, with the forwarded options
        runners = self.runner_pids("intraday")
        self.assertEqual(len(runners), 1, runners)
        first = runners[0]
        self.assertEqual(ppid_of(first), sup.pid)
        argv = cmdline(first)
        self.assertIn("--intraday", argv)
        self.assertIn(p.config_path, argv)
        for opt in ("--db", "--now", "--interval"):
            self.assertIn(opt, argv)
        self.assertEqual(argv[argv.index("--interval") + 1].split(".")[0], "1", argv)
        self.assertEqual(self.runner_pids("daily"), [], "the daily runner is still there")
        first_task = self.pids_in("intra.pids")[0]

        # kill -9 the intraday runner: its task dies with it, and it is restarted (backoff 1 s)
        os.kill(first, signal.SIGKILL)
        self.assertTrue(wait_dead(first, 5))
        self.assertTrue(wait_dead(first_task, 5), "the killed runner's task survived")
        new = self.wait_until(lambda: [x for x in self.runner_pids("intraday") if x != first],
                              15, "the restarted intraday runner")
        self.assertEqual(len(new), 1, new)
        self.assertEqual(ppid_of(new[0]), sup.pid)
        self.assertIsNone(sup.poll(), "the supervisor exited")
        ev = self.wait_until(
            lambda: (lambda e: e if "intraday-restarted" in [x["kind"] for x in e] else None)(
                self.events()), 5, "the intraday-restarted event")
        kinds = [e["kind"] for e in ev]
        self.assertIn("intraday-died", kinds)
        died = next(e for e in ev if e["kind"] == "intraday-died")
        restarted = next(e for e in ev if e["kind"] == "intraday-restarted")
        self.assertLess(kinds.index("intraday-died"), kinds.index("intraday-restarted"))
        gap = sql_time_to_epoch(restarted["at"]) - sql_time_to_epoch(died["at"])
        self.assertGreaterEqual(gap, 0.9, f"restarted without backoff: {ev}")
        self.assertLess(gap, 5, f"first restart backoff should be about 1 s: {ev}")

        # the restarted runner marks the dead runner's row INTERRUPTED and runs the task again
        self.wait_until(lambda: len(self.pids_in("intra.pids")) >= 2, 15,
                        "the restarted runner's task")
        self.assertEqual(p.task_runs("Intra")[0]["status"], "INTERRUPTED", p.task_runs("Intra"))

        # SIGTERM: both children and the tasks stop, exit 143, nothing left behind
        all_runner_pids = [first] + new
        sup.send_signal(signal.SIGTERM)
        res = self.finish(sup, timeout=30)
        self.assertRc(res, 143)
        time.sleep(1.0)
        self.assertEqual(self.leftovers(), [], "processes of this pipeline survived the supervisor")
        self.assertEqual(self.runner_pids("intraday") + self.runner_pids("daily"), [])
        for pid in all_runner_pids + self.pids_in("intra.pids"):
            self.assertFalse(pid_alive(pid), f"pid {pid} survived")
        kinds = self.kinds()
        self.assertEqual(kinds[-1], "stopped", kinds)
        statuses = [r["status"] for r in p.query(
            "SELECT status FROM data_pipeline_status UNION ALL SELECT status FROM task_runs "
            "UNION ALL SELECT status FROM runs")]
        self.assertNotIn("RUNNING", statuses)
        self.assertStatus("Intra", "INTERRUPTED")

        # child output goes to log_dir/supervisor/<role>-<ts>.log
        logs = sorted(os.listdir(p.path("logs", "supervisor")))
        self.assertEqual(len([f for f in logs if f.startswith("daily-") and f.endswith(".log")]), 1,
                         logs)
        self.assertGreaterEqual(
            len([f for f in logs if f.startswith("intraday-") and f.endswith(".log")]), 1, logs)

    def test_sigterm_during_the_daily_run_leaves_nothing(self):
        p = self.p
        daily = p.script("daily.sh", 'echo $$ > daily.pid\nstamp start\nexec sleep 30\n')
        intra = p.script("intra.sh", "stamp start\n")
        write_pipeline(
            p,
            daily=[{"name": "Long Daily", "script": daily, "time": "00:00:00",
                    "max_runtime_seconds": 60}],
            intraday=[{"name": "Intra", "script": intra, "interval_minutes": 1}])
        sup = self.start_full(FRIDAY_10)
        task = p.read_pid("daily.pid", timeout=15)
        runners = self.runner_pids("daily")
        self.assertEqual(len(runners), 1, runners)
        self.assertEqual(self.runner_pids("intraday"), [], "intraday started before daily ended")
        sup.send_signal(signal.SIGTERM)
        res = self.finish(sup, timeout=30)
        self.assertRc(res, 143)
        time.sleep(1.0)
        self.assertFalse(pid_alive(task), "the daily task survived")
        self.assertFalse(pid_alive(runners[0]), "the daily runner survived")
        self.assertEqual(self.leftovers(), [])
        self.assertStatus("Long Daily", "INTERRUPTED")
        self.assertNotIn("Intra", p.stamps(), "the intraday runner ran after the stop")
        self.assertEqual(self.kinds()[-1], "stopped", self.kinds())


class Crashes(FullCase):

    def test_failed_daily_run_still_starts_intraday(self):
        p = self.p
        bad = p.script("bad.sh", "stamp start\nexit 1\n")
        intra = p.script("intra.sh", "stamp start\n")
        write_pipeline(
            p,
            daily=[{"name": "Bad Daily", "script": bad, "time": "00:00:00"}],
            intraday=[{"name": "Intra", "script": intra, "interval_minutes": 1}])
        sup = self.start_full(FRIDAY_10)
        self.wait_until(lambda: "Intra" in p.stamps(), 15, "the intraday task")
        sup.send_signal(signal.SIGTERM)
        self.assertRc(self.finish(sup, timeout=30), 143)
        ev = self.events()
        self.assertEqual([e["kind"] for e in ev][:3],
                         ["daily-started", "daily-finished", "intraday-started"], ev)
        self.assertStatus("Bad Daily", "FAILED")

    def test_daily_runner_that_dies_is_restarted_warned_and_alerted(self):
        # kill -9 the daily runner mid-run: the supervisor logs a warning, runs on_failure
        # (runner_died), restarts it after the backoff, and the restarted runner finishes the
        # day (it skips what already succeeded).
        p = self.p
        quick = p.script("quick.sh", "stamp start\n")
        slow = p.script("slow.sh", 'echo $$ >> slow.pids\nstamp start\nsleep 3\n')
        p.script("alert.sh", 'echo "$ORCHESTRATOR_ALERT_KIND|$ORCHESTRATOR_ALERT_TASK|'
                             '$ORCHESTRATOR_ALERT_STATUS" >> alerts.txt\n')
        intra = p.script("intra.sh", "stamp start\n")
        write_pipeline(
            p,
            daily=[{"name": "Quick", "script": quick, "time": "00:00:00"},
                   {"name": "Slow", "script": slow, "time": "00:00:00", "dependencies": ["Quick"],
                    "max_runtime_seconds": 30}],
            intraday=[{"name": "Intra", "script": intra, "interval_minutes": 1}],
            on_failure={"command": ["scripts/alert.sh"], "timeout_seconds": 10})
        sup = self.start_full(FRIDAY_10)
        self.wait_until(lambda: self.pids_in("slow.pids"), 20, "the slow daily task")
        runners = self.runner_pids("daily")
        self.assertEqual(len(runners), 1, runners)
        os.kill(runners[0], signal.SIGKILL)
        self.wait_until(lambda: "daily-restarted" in self.kinds(), 15, "the daily restart")
        self.wait_until(lambda: p.task_runs("Slow") and p.task_runs("Slow")[-1]["status"] == "SUCCESS",
                        30, "the restarted daily run")
        self.wait_until(lambda: os.path.exists(p.path("alerts.txt")), 10, "the on_failure alert")
        sup.send_signal(signal.SIGTERM)
        res = self.finish(sup, timeout=30)
        self.assertRc(res, 143)
        self.assertRegex(res.stderr, r"(?i)warn.*the daily runner died \(signal 9")
        self.assertEqual(p.read("alerts.txt").splitlines(), ["runner_died|daily|signal 9"])
        kinds = self.kinds()
        self.assertLess(kinds.index("daily-died"), kinds.index("daily-restarted"), kinds)
        self.assertEqual(len(p.task_runs("Quick")), 1, "the restarted runner redid a success")
        self.assertEqual([t["status"] for t in p.task_runs("Slow")], ["INTERRUPTED", "SUCCESS"])

    def test_intraday_runs_beside_a_daily_run_waiting_for_its_time(self):
        # Started at 04:00 with a daily task at 17:00: pre-market collection starts at once,
        # not when the daily run is done (the daily DAG has succeeded on this database before).
        p = self.p
        daily = p.script("daily.sh", "stamp start\n")
        intra = p.script("intra.sh", "stamp start\n")
        write_pipeline(
            p,
            daily=[{"name": "Evening", "script": daily, "time": "17:00:00"}],
            intraday=[{"name": "Intra", "script": intra, "interval_minutes": 1}])
        self.assertRc(p.run("--now", "2026-11-19T18:00:00-05:00", "--daily"), 0)
        sup = self.start_full("2026-11-20T04:00:00-05:00")
        self.wait_until(lambda: "Intra" in p.stamps(), 15, "the intraday task at 04:00")
        self.assertEqual(len(self.runner_pids("daily")), 1, "the daily runner is not waiting")
        sup.send_signal(signal.SIGTERM)
        self.assertRc(self.finish(sup, timeout=30), 143)
        self.assertEqual(len(p.task_runs("Evening")), 1, "the daily task ran before its time")
        self.assertEqual(self.kinds()[:2], ["daily-started", "intraday-started"], self.kinds())

    def test_kill_9_of_the_supervisor_takes_runners_and_tasks_with_it(self):
        p = self.p
        intra = p.script("intra.sh", 'echo $$ >> intra.pids\nexec sleep 30\n')
        write_pipeline(p, intraday=[{"name": "Intra", "script": intra, "interval_minutes": 1,
                                     "max_runtime_seconds": 50}])
        sup = self.start_full(SATURDAY_10)
        self.wait_until(lambda: self.pids_in("intra.pids"), 15, "the intraday task")
        runners = self.runner_pids("intraday")
        self.assertEqual(len(runners), 1, runners)
        sup.kill()
        sup.wait()
        for pid in runners + self.pids_in("intra.pids"):
            self.assertDead(pid, "a process of the killed supervisor", timeout=5)
        time.sleep(0.5)
        self.assertEqual(self.leftovers(), [])
        # the next supervisor finds the dead runner's row and marks it INTERRUPTED
        sup2 = self.start_full(SATURDAY_10)
        self.wait_until(lambda: self.kinds().count("intraday-started") >= 2, 15,
                        "the new intraday runner")
        sup2.send_signal(signal.SIGTERM)
        self.assertRc(self.finish(sup2, timeout=30), 143)
        self.assertEqual(p.task_runs("Intra")[0]["status"], "INTERRUPTED", p.task_runs("Intra"))


class Restarts(FullCase):

    def test_backoff_doubles_second_supervisor_exits_75_and_sigint(self):
        p = self.p
        intra = p.script("intra.sh", "stamp start\n")
        write_pipeline(p, intraday=[{"name": "Intra", "script": intra, "interval_minutes": 1}])
        # a Saturday with daily_days trading (the default): only the intraday runner
        sup = self.start_full(SATURDAY_10)
        self.wait_until(lambda: self.runner_pids("intraday"), 15, "the intraday runner")
        second = p.run("--now", SATURDAY_10, "--full", "--interval", "1", timeout=15)
        self.assertRc(second, 75)
        self.assertIn(str(sup.pid), second.output)
        for n in (1, 2):
            old = self.runner_pids("intraday")
            self.assertEqual(len(old), 1, old)
            os.kill(old[0], signal.SIGKILL)
            self.wait_until(lambda: [x for x in self.runner_pids("intraday") if x not in old],
                            15, f"restart {n}")
            self.wait_until(lambda: self.kinds().count("intraday-restarted") == n, 5,
                            f"intraday-restarted event {n}")
        ev = self.events()
        died = [sql_time_to_epoch(e["at"]) for e in ev if e["kind"] == "intraday-died"]
        restarted = [sql_time_to_epoch(e["at"]) for e in ev if e["kind"] == "intraday-restarted"]
        self.assertEqual((len(died), len(restarted)), (2, 2), ev)
        first_gap, second_gap = restarted[0] - died[0], restarted[1] - died[1]
        # the backoff is the lower bound; the upper ones leave room for a slow, loaded machine
        self.assertTrue(0.9 <= first_gap < 2.9, f"first backoff {first_gap:.2f}s, expected 1 s")
        self.assertTrue(1.9 <= second_gap < 4.9, f"second backoff {second_gap:.2f}s, expected 2 s")
        self.assertNotIn("daily-started", self.kinds())
        sup.send_signal(signal.SIGINT)
        res = self.finish(sup, timeout=30)
        self.assertRc(res, 130)
        time.sleep(1.0)
        self.assertEqual(self.leftovers(), [])

    def test_interval_is_forwarded(self):
        p = self.p
        intra = p.script("intra.sh", "stamp start\n")
        write_pipeline(p, intraday=[{"name": "Intra", "script": intra, "interval_minutes": 1}])
        sup = self.popen("--now", SATURDAY_10, "--full", "--interval", "2.5")
        runners = self.wait_until(lambda: self.runner_pids("intraday"), 15, "the intraday runner")
        argv = cmdline(runners[0])
        sup.send_signal(signal.SIGTERM)
        self.assertRc(self.finish(sup, timeout=30), 143)
        self.assertIn("--interval", argv)
        self.assertEqual(float(argv[argv.index("--interval") + 1]), 2.5,
                         f"--interval 2.5 forwarded as: {argv}")

    def test_daily_runner_starts_again_on_the_next_day(self):
        p = self.p
        daily = p.script("daily.sh", "stamp start\n")
        intra = p.script("intra.sh", "stamp start\n")
        write_pipeline(
            p, daily_days="all",
            daily=[{"name": "Daily Job", "script": daily, "time": "00:00:00"}],
            intraday=[{"name": "Intra", "script": intra, "interval_minutes": 1}])
        # 3 s before midnight on Friday: the daily runs now, and again at Saturday 00:00
        sup = self.start_full("2026-11-20T23:59:57-05:00")
        self.wait_until(lambda: self.kinds().count("daily-finished") >= 2, 15,
                        "the second daily run")
        self.assertIsNotNone(self.runner_pids("intraday"))
        sup.send_signal(signal.SIGTERM)
        self.assertRc(self.finish(sup, timeout=30), 143)
        runs = p.task_runs("Daily Job")
        self.assertEqual([(r["mode"], r["trading_date"], r["status"]) for r in runs],
                         [("daily", "2026-11-20", "SUCCESS"), ("daily", "2026-11-21", "SUCCESS")])
        self.assertGreaterEqual(sql_time_to_epoch(runs[1]["started_at"]),
                                sql_time_to_epoch("2026-11-21 05:00:00.000"))
        kinds = self.kinds()
        self.assertEqual(kinds.count("intraday-started"), 1, kinds)
        self.assertNotIn("intraday-died", kinds)


class DailyDays(FullCase):

    CASES = [
        # (daily_days, now, daily runner started?)
        ("trading", SATURDAY_10, False),
        ("trading", THANKSGIVING_10, False),
        ("weekdays", SATURDAY_10, False),
        ("weekdays", THANKSGIVING_10, True),
        ("all", SATURDAY_10, True),
        ("trading", FRIDAY_10, True),
    ]

    def test_daily_days(self):
        p = self.p
        daily = p.script("daily.sh", "stamp start\n")
        intra = p.script("intra.sh", "stamp start\n")
        for i, (days, now, expect_daily) in enumerate(self.CASES):
            with self.subTest(daily_days=days, now=now):
                write_pipeline(
                    p, daily_days=days,
                    daily=[{"name": f"Daily {i}", "script": daily, "time": "00:00:00"}],
                    intraday=[{"name": f"Intra {i}", "script": intra, "interval_minutes": 1}])
                db = p.path("data", f"case{i}.db")
                sup = self.start_full(now, db=db)
                self.wait_until(lambda: "intraday-started" in self.kinds(db), 15,
                                "the intraday runner")
                time.sleep(0.3)
                kinds = self.kinds(db)
                sup.send_signal(signal.SIGTERM)
                res = self.finish(sup, timeout=30)
                self.assertRc(res, 143)
                if expect_daily:
                    self.assertEqual(kinds[:3], ["daily-started", "daily-finished",
                                                 "intraday-started"], kinds)
                    self.assertIn(f"Daily {i}", p.stamps())
                else:
                    self.assertNotIn("daily-started", kinds,
                                     f"daily runner started on {now} with daily_days {days}")
                    self.assertEqual(kinds[0], "intraday-started", kinds)
                    self.assertNotIn(f"Daily {i}", p.stamps())
                time.sleep(0.2)
                self.assertEqual(self.leftovers(), [])


if __name__ == "__main__":
    unittest.main()
