"""Orchestrator faults: kill -9 at random moments, stale locks (RELIABILITY.md).

Covered elsewhere and not repeated here:
  test_signals.py - SIGTERM and SIGINT mid-run (exit 143/130, tasks ended, INTERRUPTED),
                    a second instance (exit 75 naming the PID), one kill -9 and recovery
  test_fds.py     - started with fds 0-2 closed
This file: kill -9 again and again at random moments over a 50-task pipeline, checking the
database after every kill, and a lock file left behind by a killed instance.
"""

import os
import random
import signal
import sqlite3
import time
import unittest

from harness import PipelineTestCase, pid_alive, wait_dead

N_TASKS = 50
TIERS = 5
MIN_KILLS = 20


class KillNineLoop(PipelineTestCase):

    def _pipeline(self, rng):
        p = self.p
        job = p.script("job.sh", (
            '#!/bin/sh\n'
            'echo "$ORCHESTRATOR_TASK $$" >> pids.txt\n'
            'sleep "$1"\n'
            'echo RECORDS_PROCESSED=1\n'
        ), prelude=False)
        tasks = []
        per_tier = N_TASKS // TIERS
        for i in range(N_TASKS):
            tier = i // per_tier
            task = {"name": f"Task {i:02d}", "script": job,
                    "args": [f"{rng.uniform(0.05, 0.3):.3f}"], "tier": tier}
            if tier > 0:
                lower = range((tier - 1) * per_tier, tier * per_tier)
                task["dependencies"] = [f"Task {j:02d}" for j in rng.sample(lower, 2)]
            tasks.append(task)
        p.write_config(tasks, max_parallel=4)
        return [t["name"] for t in tasks]

    def _connect(self):
        # mode=rw: never create the database ourselves
        conn = sqlite3.connect(f"file:{self.p.db_path}?mode=rw", uri=True, timeout=10)
        conn.row_factory = sqlite3.Row
        return conn

    def _check_history(self, conn, context):
        """The invariants that must hold at any moment, crash or not."""
        self.assertEqual(conn.execute("PRAGMA integrity_check").fetchone()[0], "ok", context)
        # every finished attempt has a final status, every final status an end
        bad = conn.execute(
            "SELECT * FROM task_runs WHERE (ended_at IS NOT NULL AND status = 'RUNNING') "
            "OR (ended_at IS NULL AND status NOT IN ('RUNNING', 'SKIPPED'))").fetchall()
        self.assertEqual([dict(r) for r in bad], [], context)
        # the status row and the history are written in one transaction
        for row in conn.execute("SELECT * FROM data_pipeline_status"):
            row = dict(row)
            name = row["task_name"]
            successes = conn.execute(
                "SELECT count(*), max(ended_at) FROM task_runs "
                "WHERE task_name = ? AND status = 'SUCCESS'", (name,)).fetchone()
            self.assertEqual(row["total_successes"] or 0, successes[0], (context, row))
            if row["status"] == "SUCCESS":
                match = conn.execute(
                    "SELECT count(*) FROM task_runs WHERE task_name = ? AND run_id = ? "
                    "AND status = 'SUCCESS'", (name, row["run_id"])).fetchone()[0]
                self.assertEqual(match, 1, (context, row))
                self.assertEqual(row["last_success"], successes[1], (context, row))
            runs = conn.execute(
                "SELECT count(DISTINCT run_id) FROM task_runs WHERE task_name = ? AND attempt >= 1",
                (name,)).fetchone()[0]
            self.assertEqual(row["total_runs"] or 0, runs, (context, row))

    def _wait_started(self, conn, after_run_id, proc, timeout=10.0):
        """Waits until the new instance has recorded its run (so it has recovered). None if it
        exited first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                row = conn.execute("SELECT max(id) FROM runs").fetchone()
                if row[0] is not None and row[0] > after_run_id:
                    return row[0]
            except sqlite3.OperationalError:
                pass  # the schema is not there yet
            if proc.poll() is not None:
                return None
            time.sleep(0.005)
        self.fail("the orchestrator never recorded its run")

    def test_kill_9_at_random_moments_loses_nothing_and_the_pipeline_completes(self):
        seed = int(os.environ.get("ORCH_CRASH_SEED", random.randrange(1 << 30)))
        rng = random.Random(seed)
        names = self._pipeline(rng)
        p = self.p
        kills = 0
        recovered_checks = 0
        dates = iter(["2026-11-16", "2026-11-17", "2026-11-18", "2026-11-19", "2026-11-20"])
        date = next(dates)
        last_run = 0
        t_start = time.monotonic()
        while True:
            context = f"seed {seed}, kill {kills}, date {date}"
            now = f"{date}T10:00:00-05:00"
            proc = self.popen("--now", now, "--daily", "--no-wait", "-j", "4")
            if os.path.exists(p.db_path) and rng.random() < 0.7:
                # anchored: once it has recorded its run, the rows a killed predecessor left
                # RUNNING must already be INTERRUPTED
                conn = self._connect()
                try:
                    run_id = self._wait_started(conn, last_run, proc)
                    if run_id is not None:
                        stale = conn.execute(
                            "SELECT 'task_runs', id, task_name FROM task_runs "
                            "WHERE status = 'RUNNING' AND run_id < :r UNION ALL "
                            "SELECT 'runs', id, mode FROM runs WHERE status = 'RUNNING' AND id < :r "
                            "UNION ALL SELECT 'status', run_id, task_name FROM data_pipeline_status "
                            "WHERE status = 'RUNNING' AND run_id < :r", {"r": run_id}).fetchall()
                        self.assertEqual([tuple(s) for s in stale], [], context)
                        recovered_checks += 1
                finally:
                    conn.close()
                time.sleep(rng.uniform(0.0, 0.5))
            else:
                # blind: anywhere, including start-up (schema creation, recovery)
                time.sleep(rng.uniform(0.0, 0.25))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                kills += 1
                # PR_SET_PDEATHSIG: its tasks die with it
                for line in p.read("pids.txt").splitlines() if os.path.exists(p.path("pids.txt")) else []:
                    pid = int(line.split()[-1])
                    self.assertTrue(wait_dead(pid, 5), f"{context}: task {line} outlived kill -9")
            else:
                res = self.finish(proc)
                self.assertRc(res, 0)
                # this date is complete: every task succeeded once for it
                conn = self._connect()
                try:
                    done = {r[0] for r in conn.execute(
                        "SELECT task_name FROM task_runs WHERE trading_date = ? AND status = 'SUCCESS'",
                        (date,))}
                    self.assertEqual(done, set(names), context)
                    per_task = conn.execute(
                        "SELECT task_name, count(*) FROM task_runs WHERE trading_date = ? "
                        "AND status = 'SUCCESS' GROUP BY task_name HAVING count(*) > 1",
                        (date,)).fetchall()
                    self.assertEqual(per_task, [], f"{context}: a task succeeded twice (redone)")
                finally:
                    conn.close()
                if kills >= MIN_KILLS:
                    break
                date = next(dates)
            if not os.path.exists(p.db_path):
                continue  # killed before it created the database
            conn = self._connect()
            try:
                self._check_history(conn, context)
                last_run = conn.execute("SELECT coalesce(max(id), 0) FROM runs").fetchone()[0]
            except sqlite3.OperationalError as e:
                if "no such table" not in str(e):  # killed before the schema existed
                    raise
            finally:
                conn.close()
            self.assertLess(time.monotonic() - t_start, 90, f"{context}: too slow")

        self.assertGreaterEqual(kills, MIN_KILLS)
        # A last run for the same date exits 0 and redoes nothing.
        before = len(p.task_runs())
        r = p.run("--now", f"{date}T11:00:00-05:00", "--daily", "--no-wait", "-j", "4")
        self.assertRc(r, 0)
        statuses = p.statuses()
        self.assertEqual({n: s["status"] for n, s in statuses.items()},
                         {n: "SUCCESS" for n in names})
        self.assertEqual(len(p.task_runs()), before, "a completed task was run again")
        self.assertEqual(p.query("SELECT * FROM task_runs WHERE status = 'RUNNING'"), [])
        self.assertEqual(p.query("SELECT * FROM runs WHERE status = 'RUNNING'"), [])
        conn = self._connect()
        try:
            self._check_history(conn, f"seed {seed}, final")
        finally:
            conn.close()
        # nothing of ours is left running
        time.sleep(0.1)
        for line in p.read("pids.txt").splitlines():
            self.assertFalse(pid_alive(int(line.split()[-1])), line)
        print(f"\nkill -9 loop: seed {seed}, {kills} kills, {recovered_checks} recovery checks, "
              f"{len(p.runs())} runs, {time.monotonic() - t_start:.1f}s", flush=True)


class StaleLock(PipelineTestCase):

    def test_lock_file_left_by_a_killed_instance_does_not_block(self):
        p = self.p
        hang = p.script("hang.sh", (
            "if [ -e ran_once ]; then exit 0; fi\n"
            "touch ran_once\necho $$ > main.pid\nexec sleep 60\n"))
        p.write_config([{"name": "Hang", "script": hang}])
        proc = self.popen("--daily", "--no-wait")
        p.read_pid("main.pid", timeout=15)
        lock = p.db_path + ".daily.lock"
        self.assertEqual(p.read(lock).strip(), str(proc.pid))
        proc.kill()
        proc.wait()
        # the file stays, naming a dead process; the kernel dropped the flock with it
        self.assertEqual(p.read(lock).strip(), str(proc.pid))
        r = p.run("--daily", "--no-wait")
        self.assertRc(r, 0)
        self.assertStatus("Hang", "SUCCESS")
        self.assertEqual([t["status"] for t in p.task_runs("Hang")], ["INTERRUPTED", "SUCCESS"])

    def test_lock_file_naming_a_live_unrelated_process_does_not_block(self):
        # PID files lie (PID reuse); only the flock counts.
        p = self.p
        ok = p.script("ok.sh", "stamp start\n")
        p.write_config([{"name": "Job", "script": ok}])
        os.makedirs(os.path.dirname(p.db_path))
        with open(p.db_path + ".daily.lock", "w") as f:
            f.write(f"{os.getpid()}\n")
        r = p.run("--daily", "--no-wait")
        self.assertRc(r, 0)
        self.assertStatus("Job", "SUCCESS")


if __name__ == "__main__":
    unittest.main()
