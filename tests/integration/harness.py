"""Shared helpers for the orchestrator integration tests.

Every test builds a small pipeline of /bin/sh scripts in a fresh temporary
folder, runs the real binary on it and inspects what it left behind: exit
code, console output, the SQLite status database, log files and files the
scripts themselves wrote.  Python 3 standard library only.
"""

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))  # the source tree


def orchestrator_binary():
    """Path of the binary under test: $ORCH_BIN, else ../../build/orchestrator."""
    path = os.environ.get("ORCH_BIN")
    if not path:
        path = os.path.join(REPO, "build", "orchestrator")
    return os.path.abspath(path)


BIN = orchestrator_binary()

# A fixed instant (a Friday, a regular NYSE trading day) used where the
# trading date matters.  The clock advances in real time from it.
NOW = "2026-11-20T10:00:00-05:00"
TRADING_DATE = "2026-11-20"

# Shell helpers prepended to every generated script.  `stamp WHAT` appends
# "<task> <what> <epoch seconds with ns>" to the shared trace file.
SH_PRELUDE = r'''#!/bin/sh
TRACE="{trace}"
stamp() {{ echo "$ORCHESTRATOR_TASK $1 $(date +%s.%N)" >> "$TRACE"; }}
'''


def _yaml_scalar(value):
    # JSON is a subset of YAML flow syntax: strings are quoted, lists and
    # maps become flow collections.
    return json.dumps(value)


def to_yaml(config):
    """Render a pipeline dict as block YAML, one key per line.

    Top-level scalars and maps are written as `key: <json>`; the two
    schedules are written as block sequences of task maps, one key a line,
    so that line numbers in error messages are meaningful.
    """
    lines = []
    for key, value in config.items():
        if key in ("daily_schedule", "intraday_schedule"):
            lines.append(f"{key}:")
            for task in value:
                first = True
                for tkey, tval in task.items():
                    prefix = "  - " if first else "    "
                    lines.append(f"{prefix}{tkey}: {_yaml_scalar(tval)}")
                    first = False
        else:
            lines.append(f"{key}: {_yaml_scalar(value)}")
    return "\n".join(lines) + "\n"


def base_config(**top):
    """The top-level keys every test pipeline starts from (kill grace 1 s, no retries), updated by top."""
    config = {
        "timezone": "America/New_York",
        "kill_grace_seconds": 1,
        "retry_policy": {"max_attempts": 1, "backoff_seconds": [0]},
    }
    config.update(top)
    return config


def write_pipeline(p, intraday=(), daily=(), **top):
    """Write p's pipeline.yaml with intraday and daily tasks (dicts, written as given) and top-level keys."""
    config = base_config(**top)
    if daily:
        config["daily_schedule"] = [dict(t) for t in daily]
    if intraday:
        config["intraday_schedule"] = [dict(t) for t in intraday]
    p.write_raw(to_yaml(config))


def temp_folder(test, prefix="orch-it-", parent=None):
    """A new folder (under parent, else $TMPDIR) removed with its contents when `test` ends."""
    folder = tempfile.mkdtemp(prefix=prefix, dir=parent)
    test.addCleanup(shutil.rmtree, folder, ignore_errors=True)
    return folder


def sanitized_binary():
    """True when the binary under test is built with ASan (its memory use is not ours)."""
    try:
        with open(BIN, "rb") as f:
            data = f.read()
    except OSError:
        return False
    return b"__asan_init" in data or b"libasan.so" in data


def pid_alive(pid):
    """True if pid names a live (non-zombie) process.

    A zombie is dead for our purposes: the container's PID 1 may not reap
    orphans that outlive the orchestrator.
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
        state = stat[stat.rindex(")") + 2:].split()[0]
        return state not in ("Z", "X")
    except (FileNotFoundError, ProcessLookupError, ValueError):
        return False


def processes():
    """(pid, fields) of every process in /proc; fields follow the command in /proc/PID/stat:
    [0] state, [1] ppid, [2] pgrp, ... A process that is gone or unreadable is passed over."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        yield int(entry), stat[stat.rindex(")") + 2:].split()


def group_members(pgid):
    """Live (non-zombie) processes whose process group is pgid."""
    return [pid for pid, fields in processes() if fields[0] not in ("Z", "X") and int(fields[2]) == pgid]


def poll_until(predicate, timeout, interval=0.05):
    """Calls predicate until it returns something truthy, which is returned, or until timeout
    seconds have passed (None)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            return None
        time.sleep(interval)


def wait_dead(pid, timeout=5.0):
    return bool(poll_until(lambda: not pid_alive(pid), timeout))


def wait_for_file(path, timeout=10.0, nonempty=True):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            # getsize raises FileNotFoundError while the file is missing
            if os.path.getsize(path) > 0 or not nonempty:
                # give a writer a moment to finish its line
                time.sleep(0.05)
                return True
        except FileNotFoundError:
            pass
        time.sleep(0.02)
    return False


def max_overlap(intervals):
    """Largest number of (start, end) intervals open at one instant."""
    events = []
    for start, end in intervals:
        events.append((start, 1))
        events.append((end, -1))
    # at equal times, process ends before starts
    events.sort(key=lambda e: (e[0], e[1]))
    cur = best = 0
    for _, delta in events:
        cur += delta
        best = max(best, cur)
    return best


class Result:
    def __init__(self, returncode, stdout, stderr, elapsed):
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.elapsed = elapsed

    @property
    def output(self):
        return self.stdout + self.stderr

    def __repr__(self):
        return (f"Result(rc={self.returncode}, elapsed={self.elapsed:.2f}s,\n"
                f"--- stdout ---\n{self.stdout}\n--- stderr ---\n{self.stderr})")


class Pipeline:
    """A pipeline folder: config file, scripts, and accessors for results."""

    def __init__(self, root):
        self.root = root
        self.config_path = os.path.join(root, "pipeline.yaml")
        self.trace_path = os.path.join(root, "trace.txt")
        self.db_path = os.path.join(root, "data", "pipeline.db")
        self.log_dir = os.path.join(root, "logs")
        self.extra_pids = []  # escaped processes to kill at cleanup

    # --- building ---------------------------------------------------------

    def path(self, *parts):
        return os.path.join(self.root, *parts)

    def script(self, name, body, executable=True, prelude=True):
        """Write scripts/<name> with the shell prelude and return its relative path."""
        rel = os.path.join("scripts", name)
        full = self.path(rel)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        text = (SH_PRELUDE.format(trace=self.trace_path) if prelude else "") + body
        if not text.endswith("\n"):
            text += "\n"
        with open(full, "w") as f:
            f.write(text)
        os.chmod(full, 0o755 if executable else 0o644)
        return rel

    def write_config(self, tasks, **top):
        """Write pipeline.yaml with daily tasks (list of dicts) and top-level keys."""
        config = base_config(**top)
        full_tasks = []
        for t in tasks:
            task = {"name": t["name"], "script": t["script"]}
            task.setdefault("time", "00:00:00")
            for k, v in t.items():
                if k not in ("name", "script"):
                    task[k] = v
            task.setdefault("max_runtime_seconds", 30)
            full_tasks.append(task)
        config["daily_schedule"] = full_tasks
        self.write_raw(to_yaml(config))
        return config

    def write_raw(self, text):
        with open(self.config_path, "w") as f:
            f.write(text)

    # --- running ----------------------------------------------------------

    def argv(self, *args, config=True):
        argv = [BIN]
        if config:
            argv += ["-c", self.config_path]
        return argv + list(args)

    def env(self, extra=None):
        env = dict(os.environ)
        for k in list(env):
            if k.startswith("ORCHESTRATOR_"):
                del env[k]
        env["TERM"] = "dumb"
        if extra:
            env.update(extra)
        return env

    def run(self, *args, timeout=60, env=None, config=True):
        start = time.monotonic()
        proc = subprocess.run(self.argv(*args, config=config), cwd=self.root,
                              env=self.env(env), stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=timeout)
        return Result(proc.returncode, proc.stdout.decode(errors="replace"),
                      proc.stderr.decode(errors="replace"), time.monotonic() - start)

    def daily(self, *args, timeout=60, env=None):
        """--daily --no-wait (unless --now given with no_wait handled by caller)."""
        return self.run("--daily", "--no-wait", *args, timeout=timeout, env=env)

    def popen(self, *args, env=None, **kw):
        kw.setdefault("stdout", subprocess.PIPE)
        kw.setdefault("stderr", subprocess.PIPE)
        kw.setdefault("stdin", subprocess.DEVNULL)
        return subprocess.Popen(self.argv(*args), cwd=self.root, env=self.env(env), **kw)

    # --- inspecting -------------------------------------------------------

    def db(self):
        conn = sqlite3.connect(self.db_path, timeout=10)
        conn.row_factory = sqlite3.Row
        return conn

    def query(self, sql, params=()):
        conn = self.db()
        try:
            return [dict(r) for r in conn.execute(sql, params).fetchall()]
        finally:
            conn.close()

    def status(self, task):
        rows = self.query("SELECT * FROM data_pipeline_status WHERE task_name = ?", (task,))
        return rows[0] if rows else None

    def statuses(self):
        return {r["task_name"]: r for r in
                self.query("SELECT * FROM data_pipeline_status ORDER BY task_name")}

    def task_runs(self, task=None):
        if task is None:
            return self.query("SELECT * FROM task_runs ORDER BY id")
        return self.query("SELECT * FROM task_runs WHERE task_name = ? ORDER BY id", (task,))

    def runs(self):
        return self.query("SELECT * FROM runs ORDER BY id")

    def trace(self):
        """Parse the trace file: list of (task, what, epoch float)."""
        out = []
        try:
            with open(self.trace_path) as f:
                for line in f:
                    parts = line.rstrip("\n").rsplit(" ", 2)
                    if len(parts) == 3:
                        out.append((parts[0], parts[1], float(parts[2])))
        except FileNotFoundError:
            pass
        return out

    def stamps(self):
        """{task: {what: epoch}} from the trace (the last stamp of each kind wins)."""
        out = {}
        for task, what, t in self.trace():
            out.setdefault(task, {})[what] = t
        return out

    def read(self, *parts):
        with open(self.path(*parts)) as f:
            return f.read()

    def read_pid(self, *parts, timeout=10.0):
        p = self.path(*parts)
        if not wait_for_file(p, timeout):
            raise AssertionError(f"pid file {p} not written")
        return int(self.read(*parts).strip())

    def nothing_written(self):
        """Names of things a refused run must not have created (empty list when clean)."""
        found = []
        for name in ("data", "logs"):
            if os.path.exists(self.path(name)):
                found.append(name)
        return found


def sql_time_to_epoch(text):
    """'YYYY-MM-DD HH:MM:SS.mmm' UTC -> epoch seconds (float)."""
    import calendar
    main, _, frac = text.partition(".")
    t = time.strptime(main, "%Y-%m-%d %H:%M:%S")
    return calendar.timegm(t) + (float("0." + frac) if frac else 0.0)


TIMESTAMP_RE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?$")


class PipelineTestCase(unittest.TestCase):
    """Gives each test a fresh Pipeline in a temp folder, cleaned afterwards."""

    maxDiff = None

    def setUp(self):
        if not os.access(BIN, os.X_OK):
            self.fail(f"orchestrator binary not found at {BIN} (set ORCH_BIN)")
        self._tmp = temp_folder(self)
        self.p = Pipeline(self._tmp)
        self._popens = []

    def tearDown(self):
        for proc in self._popens:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            for stream in (proc.stdout, proc.stderr):
                if stream:
                    stream.close()
        for pid in self.p.extra_pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def wait_until(self, predicate, timeout, what, interval=0.05):
        """poll_until, failing the test with `what` when it times out; returns the value."""
        value = poll_until(predicate, timeout, interval)
        if not value:
            self.fail(f"timed out after {timeout}s waiting for {what}")
        return value

    def popen(self, *args, **kw):
        proc = self.p.popen(*args, **kw)
        self._popens.append(proc)
        return proc

    def finish(self, proc, timeout=30):
        out, err = proc.communicate(timeout=timeout)
        return Result(proc.returncode, out.decode(errors="replace"),
                      err.decode(errors="replace"), 0.0)

    # assertions ------------------------------------------------------------

    def assertRc(self, result, rc):
        self.assertEqual(result.returncode, rc, repr(result))

    def assertStatus(self, task, status):
        row = self.p.status(task)
        self.assertIsNotNone(row, f"no data_pipeline_status row for {task!r}")
        self.assertEqual(row["status"], status, f"{task}: {row}")
        return row

    def assertFailsOnceWithoutRetry(self, script_rel, expect_in_error):
        """A task running `script_rel` is FAILED at once with `expect_in_error` in its message,
        never retried (no backoff waited), and the rest of the pipeline runs."""
        p = self.p
        ok = p.script("ok.sh", "stamp start\n")
        p.write_config([
            {"name": "Broken", "script": script_rel, "tier": 0},
            {"name": "Fine", "script": ok, "tier": 0},
            {"name": "Later Fine", "script": ok, "tier": 1},
        ], retry_policy={"max_attempts": 3, "backoff_seconds": [5]})
        r = p.daily()
        self.assertRc(r, 1)
        self.assertLess(r.elapsed, 4.5, f"waited for a retry backoff: {r!r}")
        row = self.assertStatus("Broken", "FAILED")
        self.assertIn(expect_in_error, row["last_error_message"])
        self.assertEqual(row["total_runs"], 1)
        rows = p.task_runs("Broken")
        self.assertEqual([t["attempt"] for t in rows], [1], f"retried an unrunnable script: {rows}")
        self.assertStatus("Fine", "SUCCESS")
        self.assertStatus("Later Fine", "SUCCESS")
        return r

    def assertNothingWritten(self, result=None):
        self.assertEqual(self.p.nothing_written(), [],
                         f"a refused run wrote files; {result!r}")

    def assertDead(self, pid, what="process", timeout=5.0):
        self.assertTrue(wait_dead(pid, timeout), f"{what} {pid} still alive")
