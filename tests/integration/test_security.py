"""Security properties (RELIABILITY.md, "Security").

- no shell between the orchestrator and a task: names, args, env values and script paths
  full of shell metacharacters arrive byte for byte and nothing in them is executed;
- the environment a task gets is the documented one (docs/manual.md, "The script protocol");
- files the orchestrator creates honour the umask and are never world-writable, even
  under umask 000; tasks get the umask the orchestrator was started with;
- nothing is written under /tmp.
The shipped systemd units' `systemd-analyze security` exposure is checked by
test_units.py::SystemdUnits::test_security_exposure_is_at_most_the_threshold.
"""

import os
import re
import stat
import subprocess
import unittest

from harness import HERE, PipelineTestCase, Pipeline, BIN, temp_folder

HOSTILE_ARGS = [
    "$(touch pwned_subst)",
    "`touch pwned_backtick`",
    "; rm -rf victim; touch pwned_semicolon",
    "&& touch pwned_and",
    "| touch pwned_pipe",
    "> pwned_redirect",
    "'single' \"double\" \\back\\slash",
    "*",
    "victim/*",
    "line one\nline two\n; touch pwned_newline",
    "$HOME ${PATH} $0 $$ $1",
    "",
    "-c",
    "--flag=a b\tc",
    "tab\there",
    "ünïcödé ✓",
    "~",
    "#not a comment",
]

# what a task must never manage to create, had any of the above reached a shell
PWNED = re.compile(r"^pwned")

# ORCHESTRATOR_* variables docs/manual.md says every task gets
DOCUMENTED_TASK_ENV = {"ORCHESTRATOR_TASK", "ORCHESTRATOR_RUN_ID", "ORCHESTRATOR_ATTEMPT",
                       "ORCHESTRATOR_DB", "ORCHESTRATOR_SCHEDULED_AT",
                       "ORCHESTRATOR_TRADING_DATE", "ORCHESTRATOR_MODE", "ORCHESTRATOR_MAX_RUNTIME_SECONDS"}


def _umask(value):
    def set_umask():
        os.umask(value)
    return set_umask


class NoShell(PipelineTestCase):

    def _victim(self):
        os.makedirs(self.p.path("victim"))
        with open(self.p.path("victim", "keep"), "w") as f:
            f.write("still here\n")

    def _assert_nothing_executed(self):
        found = []
        for folder, dirs, files in os.walk(self.p.root):
            found += [os.path.join(folder, n) for n in files + dirs if PWNED.match(n)]
        self.assertEqual(found, [], "a shell interpreted task input")
        self.assertEqual(self.p.read("victim", "keep"), "still here\n")

    def test_hostile_args_name_env_and_script_path_arrive_byte_for_byte(self):
        p = self.p
        self._victim()
        # The script's own name is hostile too; it writes its argv NUL-separated and its
        # name and one env value, and exits.
        name = "weird $(touch pwned_path) `x` ;&|<>'\" *.sh"
        dump = p.script(name, (
            'printf "%s\\0" "$@" > args.bin\n'
            'printf "%s" "$ORCHESTRATOR_TASK" > task.bin\n'
            'printf "%s" "$HOSTILE" > env.bin\n'
        ))
        task_name = "Task $(touch pwned_name); `touch pwned_name2` 'q' \"dq\" * | & >x"
        hostile_env = "$(touch pwned_env); `touch pwned_env2` * \n ${HOME}"
        p.write_config([{"name": task_name, "script": dump, "args": HOSTILE_ARGS,
                         "env": {"HOSTILE": hostile_env}}])
        r = p.daily()
        self.assertRc(r, 0)
        with open(p.path("args.bin"), "rb") as f:
            got = f.read().split(b"\0")[:-1]
        self.assertEqual(got, [a.encode() for a in HOSTILE_ARGS])
        with open(p.path("task.bin"), "rb") as f:
            self.assertEqual(f.read(), task_name.encode())
        with open(p.path("env.bin"), "rb") as f:
            self.assertEqual(f.read(), hostile_env.encode())
        self.assertStatus(task_name, "SUCCESS")
        self._assert_nothing_executed()

    def test_dry_run_and_a_failing_task_do_not_reach_a_shell_either(self):
        p = self.p
        self._victim()
        bad = p.script("bad.sh", 'echo "$1"\nexit 3\n')
        p.write_config([{"name": "Bad", "script": bad, "args": ["$(touch pwned_err); x"]}])
        self.assertRc(p.run("--daily", "--dry-run"), 0)
        r = p.daily()
        self.assertRc(r, 1)
        # the failing task's last line travels as data into the database and the console
        self.assertEqual(p.status("Bad")["last_error_message"], "exit code 3: $(touch pwned_err); x")
        self._assert_nothing_executed()

    def test_no_shell_process_between_orchestrator_and_task(self):
        p = self.p
        # the task's parent is the orchestrator itself, and it runs the script's own #! line
        job = p.script("job.sh", 'cat /proc/$PPID/comm > parent.txt\ncat /proc/$$/cmdline > me.txt\n')
        p.write_config([{"name": "Job", "script": job, "args": ["a b"]}])
        self.assertRc(p.daily(), 0)
        self.assertEqual(p.read("parent.txt").strip(), os.path.basename(BIN)[:15])
        self.assertEqual(p.read("me.txt").split("\0")[:3], ["/bin/sh", p.path(job), "a b"])


class TaskEnvironment(PipelineTestCase):

    def test_every_orchestrator_variable_a_task_sees_is_documented(self):
        p = self.p
        job = p.script("job.sh", "env -0 > env.bin\numask > umask.txt\n")
        p.write_config([{"name": "Job", "script": job,
                         "env": {"MY_SETTING": "x", "ORCHESTRATOR_TASK": "spoofed"}}])
        r = p.run("--daily", "--no-wait", env={"FROM_PARENT": "inherited"})
        self.assertRc(r, 0)
        with open(p.path("env.bin"), "rb") as f:
            env = dict(kv.decode().split("=", 1) for kv in f.read().split(b"\0") if kv)
        ours = {k for k in env if k.startswith("ORCHESTRATOR_")}
        self.assertEqual(ours, DOCUMENTED_TASK_ENV)
        with open(os.path.join(HERE, "..", "..", "docs", "manual.md")) as f:
            manual = f.read()
        for name in ours:
            self.assertIn(f"`{name}`", manual, f"{name} is given to tasks but not documented")
        # the orchestrator's environment passes through, the task's env is added, and the
        # task cannot spoof the orchestrator's own variables
        self.assertEqual(env["FROM_PARENT"], "inherited")
        self.assertEqual(env["MY_SETTING"], "x")
        self.assertEqual(env["ORCHESTRATOR_TASK"], "Job")


class FileModes(PipelineTestCase):

    def _run_with_umask(self, mask):
        p = self.p
        # While the task runs the database is open, so -wal and -shm exist: the task lists
        # every file under the pipeline folder with its mode.
        job = p.script("job.sh", (
            "umask > task_umask.txt\n"
            "find . -path ./scripts -prune -o -print0 | xargs -0 stat -c '%a %F %n' > modes_during.txt\n"
            "echo done\n"  # output, so that its log file is made (and its mode checked)
        ))
        bad = p.script("bad.sh", "exit 1\n")
        alert = p.script("alert.sh", "exit 0\n")
        p.write_config([
            {"name": "Job", "script": job, "tier": 0},
            {"name": "Bad", "script": bad, "tier": 1},
        ], metrics_file="metrics/orchestrator.prom",
           on_failure={"command": [alert], "timeout_seconds": 10})
        proc = subprocess.run(p.argv("--daily", "--no-wait"), cwd=p.root, env=p.env(),
                              stdin=subprocess.DEVNULL, capture_output=True, timeout=60,
                              preexec_fn=_umask(mask))
        self.assertEqual(proc.returncode, 1, proc.stderr.decode())
        modes = {}
        for line in p.read("modes_during.txt").splitlines():
            mode, _, rest = line.partition(" ")
            modes[rest.split(" ./", 1)[-1] if " ./" in rest else rest] = int(mode, 8)
        for folder, dirs, files in os.walk(p.root):
            dirs[:] = [d for d in dirs if d != "scripts"]
            for n in dirs + files:
                full = os.path.join(folder, n)
                rel = os.path.relpath(full, p.root)
                modes[rel] = stat.S_IMODE(os.lstat(full).st_mode)
        ours = {k: v for k, v in modes.items()
                if k.split("/")[0] in ("data", "logs", "metrics")}
        names = set(ours)
        for expected in ("data", "data/pipeline.db", "data/pipeline.db-wal",
                         "data/pipeline.db-shm", "data/pipeline.db.daily.lock", "logs",
                         "logs/orchestrator.log", "logs/job", "metrics",
                         "metrics/orchestrator.prom"):
            self.assertIn(expected, names, f"{expected} not seen; saw {sorted(names)}")
        self.assertTrue(any(n.startswith("logs/alerts/") for n in names), sorted(names))
        return ours, p.read("task_umask.txt").strip()

    def test_umask_000_never_world_writable_and_task_gets_the_original_umask(self):
        modes, task_umask = self._run_with_umask(0o000)
        writable = {k: oct(v) for k, v in modes.items() if v & stat.S_IWOTH}
        self.assertEqual(writable, {}, "world-writable files under umask 000")
        # what the user's umask allows otherwise is kept (group-writable folders and lock)
        self.assertEqual(modes["logs"], 0o775)
        self.assertEqual(task_umask, "0000", "the task did not get the original umask")

    def test_umask_077_is_honoured(self):
        modes, task_umask = self._run_with_umask(0o077)
        readable = {k: oct(v) for k, v in modes.items() if v & 0o077}
        self.assertEqual(readable, {}, "files readable by others despite umask 077")
        self.assertEqual(task_umask, "0077")


class NothingUnderTmp(unittest.TestCase):
    """Run every mode that writes with TMPDIR unset, from a clean folder outside /tmp, with a
    private empty /tmp (a mount namespace); /tmp must still be empty afterwards."""

    def setUp(self):
        self.root = temp_folder(self, "orch-sec-", parent="/var/tmp")
        self.p = Pipeline(self.root)

    def test_nothing_is_written_under_tmp(self):
        if os.path.realpath(BIN).startswith("/tmp/"):
            self.skipTest("the binary under test lives in /tmp, which this test hides")
        p = self.p
        job = p.script("job.sh", "echo RECORDS_PROCESSED=1\n", prelude=False)
        with open(p.path(job), "w") as f:
            f.write("#!/bin/sh\necho RECORDS_PROCESSED=1\n")
        config = (
            "timezone: America/New_York\nmetrics_file: metrics/o.prom\n"
            "daily_schedule:\n  - name: Job\n    script: scripts/job.sh\n"
            "intraday_schedule:\n  - name: Tick\n    script: scripts/job.sh\n"
            "    interval_minutes: 1\n")
        p.write_raw(config)
        env = {k: v for k, v in os.environ.items()
               if k not in ("TMPDIR", "TMP", "TEMP") and not k.startswith("ORCHESTRATOR_")}
        cmds = [
            [BIN, "-c", p.config_path, "--validate"],
            [BIN, "-c", p.config_path, "--daily", "--no-wait"],
            [BIN, "-c", p.config_path, "--daily", "--dry-run"],
            [BIN, "-c", p.config_path, "--intraday", "--once"],
            [BIN, "-c", p.config_path, "--health"],
            [BIN, "-c", p.config_path, "--market-status"],
        ]
        script = "set -e\nmount -t tmpfs -o size=8m tmpfs /tmp\ncd \"$ROOT\"\n"
        for c in cmds:
            script += " ".join(f"'{a}'" for a in c) + " >/dev/null 2>&1 || true\n"
        script += "ls -A /tmp\n"
        r = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
                           env=dict(env, ROOT=p.root), capture_output=True, text=True, timeout=120)
        if r.returncode != 0 and "mount" in (r.stderr + r.stdout).lower():
            self.skipTest(f"no private mount namespace here: {r.stderr.strip()}")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.split(), [], "files written under /tmp")
        # and the runs really happened
        self.assertTrue(os.path.exists(p.db_path))
        self.assertEqual(p.query("SELECT count(*) AS n FROM task_runs")[0]["n"], 2)


if __name__ == "__main__":
    unittest.main()
