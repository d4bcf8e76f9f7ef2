"""--print-units launchd|systemd, the shipped templates in launchd/ and systemd/, and
`cmake --install`.

The rendered systemd units (and the shipped ones, placeholders filled in) must pass
`systemd-analyze verify`; the plists must parse (plistlib) and carry what launchd needs; the
rendered files must be the shipped templates filled in (one source); and the service's
`systemd-analyze security` exposure must stay at or below EXPOSURE_THRESHOLD.
Python 3 standard library only; $ORCH_BIN names the binary under test.
"""

import filecmp
import json
import os
import plistlib
import re
import shutil
import signal
import stat
import subprocess
import unittest

from harness import BIN, REPO as SOURCE, temp_folder

SYSTEMD_ANALYZE = shutil.which("systemd-analyze")

# The worst `systemd-analyze security --offline=true` exposure the shipped services may have
# (0 = locked down, 10 = unprotected; docs/manual.md "Linux: systemd user units"). Measured: 2.0.
EXPOSURE_THRESHOLD = 2.5

SYSTEMD_FILES = ["orchestrator-daily.service", "orchestrator-daily.timer",
                 "orchestrator-intraday.service", "orchestrator-serve.service"]
LAUNCHD_FILES = ["local.orchestrator.daily.plist", "local.orchestrator.intraday.plist",
                 "local.orchestrator.serve.plist"]
HEADER = re.compile(r"^# ==> (\S+) <==\n", re.M)
PLACEHOLDER = re.compile(r"@([A-Z0-9_]+)@")

# A folder name that needs escaping in both formats: a space, '%' (a systemd specifier) and
# '&' (XML).
ODD_NAME = "pipe 100% & co"


def json_list(items):
    return json.dumps(items)


def write_pipeline(folder, *, timezone="America/New_York", daily_days="trading",
                   database=None, kill_grace=7):
    """A small pipeline whose earliest daily time, 08:15:00, is not its first task's."""
    os.makedirs(os.path.join(folder, "scripts"), exist_ok=True)
    script = os.path.join(folder, "scripts", "ok.sh")
    with open(script, "w") as f:
        f.write("#!/bin/sh\necho RECORDS_PROCESSED=1\n")
    os.chmod(script, 0o755)
    lines = [
        f"timezone: {timezone}",
        f"database: {json.dumps(database or 'data/status.db')}",
        "log_dir: logs",
        "metrics_file: metrics/orchestrator.prom",
        f"kill_grace_seconds: {kill_grace}",
        f"daily_days: {daily_days}",
        "retry_policy: { max_attempts: 2, backoff_seconds: [10] }",
        "daily_schedule:",
        "  - name: Late",
        "    script: scripts/ok.sh",
        '    time: "09:45:00"',
        "    max_runtime_seconds: 60",
        "  - name: Early",
        "    script: scripts/ok.sh",
        '    time: "08:15:00"',
        "    max_runtime_seconds: 60",
        "intraday_schedule:",
        "  - name: Tick",
        "    script: scripts/ok.sh",
        "    interval_minutes: 1",
        "    max_runtime_seconds: 30",
        "    market_hours_only: true",
    ]
    config = os.path.join(folder, "dependency_graph.yaml")
    with open(config, "w") as f:
        f.write("\n".join(lines) + "\n")
    return config


def print_units(kind, config, env=None, cwd=None, binary=BIN):
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run([binary, "-c", config, "--print-units", kind], capture_output=True,
                          text=True, env=full_env, cwd=cwd, timeout=60)


def split_units(text):
    """{file name: text} from --print-units output; also checks what precedes the files."""
    parts = HEADER.split(text)
    preamble, files = parts[0], {}
    for line in preamble.splitlines():
        assert line.startswith("#"), f"preamble line is not a comment: {line!r}"
    for i in range(1, len(parts), 2):
        files[parts[i]] = parts[i + 1]
    return preamble, files


def read(path):
    with open(path) as f:
        return f.read()


def shipped(kind):
    folder = os.path.join(SOURCE, kind)
    return {name: read(os.path.join(folder, name)) for name in sorted(os.listdir(folder))}


def fill(template, values, weekdays=(1,)):
    """Fill @NAME@ placeholders the way --print-units does (lines with @WEEKDAY@ repeat)."""
    out = []
    for line in template.splitlines(keepends=True):
        reps = weekdays if "@WEEKDAY@" in line else [None]
        for day in reps:
            def sub(m):
                name = m.group(1)
                if name == "WEEKDAY":
                    return str(day)
                if name not in values:
                    raise KeyError(f"unknown placeholder @{name}@")
                return values[name]
            out.append(PLACEHOLDER.sub(sub, line))
    return "".join(out)


def systemd_escape(path):
    return path.replace("%", "%%")


def xml_escape(path):
    return (path.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def unit_setting(text, key):
    """Values of `key=` lines of a unit file, in order."""
    return [line.split("=", 1)[1] for line in text.splitlines() if line.startswith(key + "=")]


def systemd_verify(test, folder, names):
    """Runs `systemd-analyze --user verify` on folder/names; returns its complaints about them."""
    runtime = temp_folder(test, "orch-xdg-")
    os.chmod(runtime, 0o700)
    env = dict(os.environ, XDG_RUNTIME_DIR=runtime, SYSTEMD_LOG_COLOR="0")
    r = subprocess.run([SYSTEMD_ANALYZE, "--user", "verify"] + [os.path.join(folder, n) for n in names],
                       capture_output=True, text=True, env=env, cwd=folder, timeout=120)
    ours = [line for line in (r.stdout + r.stderr).splitlines()
            if any(n.split(".")[0] in line for n in names)]
    return r.returncode, ours, r.stdout + r.stderr


class Base(unittest.TestCase):
    def setUp(self):
        self.tmp = temp_folder(self, "orch-units-")
        self.workdir = os.path.join(self.tmp, ODD_NAME)
        self.store = os.path.join(self.tmp, "store")  # the database outside the pipeline folder
        self.config = write_pipeline(self.workdir, database=os.path.join(self.store, "status.db"))

    def render(self, kind, config=None, env=None):
        r = print_units(kind, config or self.config, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        preamble, files = split_units(r.stdout)
        self.assertEqual(sorted(files), sorted(SYSTEMD_FILES if kind == "systemd" else LAUNCHD_FILES))
        return preamble, files

    def write_files(self, files, folder_name):
        folder = os.path.join(self.tmp, folder_name)
        os.makedirs(folder, exist_ok=True)
        for name, text in files.items():
            with open(os.path.join(folder, name), "w") as f:
                f.write(text)
        return folder

    def systemd_values(self, rendered):
        """The placeholder values for this pipeline; the two timeouts are read back from the
        rendered daily service (they are computed)."""
        daily = rendered["orchestrator-daily.service"]
        return {
            "ORCHESTRATOR": systemd_escape(os.path.realpath(BIN)),
            "CONFIG": systemd_escape(self.config),
            "WORKDIR": systemd_escape(self.workdir),
            "LOG_DIR": systemd_escape(os.path.join(self.workdir, "logs")),
            "DATA_DIRS": " ".join([f'"{systemd_escape(self.workdir)}"',
                                   f'"-{self.store}"',
                                   f'"-{systemd_escape(os.path.join(self.workdir, "logs"))}"',
                                   f'"-{systemd_escape(os.path.join(self.workdir, "metrics"))}"']),
            "DAILY_TIME": "08:15:00",
            "DAILY_WEEKDAYS": "Mon..Fri",
            "TIMEZONE": "America/New_York",
            "DAILY_TIMEOUT": unit_setting(daily, "TimeoutStartSec")[0],
            "STOP_TIMEOUT": unit_setting(daily, "TimeoutStopSec")[0],
            "DAILY_HOUR": "8",
            "DAILY_MINUTE": "15",
        }


class SystemdUnits(Base):
    def test_rendered_units_name_this_installation(self):
        preamble, files = self.render("systemd")
        daily, timer = files["orchestrator-daily.service"], files["orchestrator-daily.timer"]
        intraday = files["orchestrator-intraday.service"]
        binary, config = systemd_escape(os.path.realpath(BIN)), systemd_escape(self.config)
        self.assertEqual(unit_setting(daily, "ExecStart"), [f'"{binary}" -c "{config}" --daily --scheduled'])
        self.assertEqual(unit_setting(intraday, "ExecStart"), [f'"{binary}" -c "{config}" --intraday'])
        self.assertTrue(os.path.isabs(os.path.realpath(BIN)))
        # The earliest daily time (08:15:00, the file's second task) in the config's zone.
        self.assertEqual(unit_setting(timer, "OnCalendar"), ["Mon..Fri *-*-* 08:15:00 America/New_York"])
        self.assertEqual(unit_setting(timer, "Persistent"), ["true"])
        for unit in (daily, intraday):
            self.assertEqual(unit_setting(unit, "WorkingDirectory"), [systemd_escape(self.workdir)])
            (rw,) = unit_setting(unit, "ReadWritePaths")
            for folder in (self.workdir, self.store, os.path.join(self.workdir, "logs"),
                           os.path.join(self.workdir, "metrics")):
                self.assertIn(systemd_escape(folder) + '"', rw)
            self.assertEqual(unit_setting(unit, "NoNewPrivileges"), ["yes"])
            self.assertEqual(unit_setting(unit, "ProtectSystem"), ["strict"])
            self.assertEqual(unit_setting(unit, "PrivateTmp"), ["yes"])
            self.assertIn(unit_setting(unit, "KillMode")[0], ("mixed", "control-group"))
            # Longer than kill_grace_seconds (7), so the orchestrator can end its tasks.
            self.assertGreater(int(unit_setting(unit, "TimeoutStopSec")[0]), 7)
        self.assertEqual(unit_setting(daily, "Type"), ["oneshot"])
        self.assertRegex(unit_setting(daily, "TimeoutStartSec")[0], r"^\d+min$")
        self.assertEqual(unit_setting(intraday, "Restart"), ["always"])
        serve = files["orchestrator-serve.service"]
        self.assertEqual(unit_setting(serve, "ExecStart"), [f'"{binary}" -c "{config}" --serve'])
        self.assertEqual(unit_setting(serve, "ReadWritePaths"), unit_setting(intraday, "ReadWritePaths"))
        # Runs started from the dashboard outlive a stop of the server.
        self.assertEqual(unit_setting(serve, "KillMode"), ["process"])
        self.assertIn("systemctl --user enable --now orchestrator-daily.timer", preamble)
        self.assertIn("loginctl enable-linger", preamble)

    def test_config_zone_and_daily_days_all_reach_the_timer(self):
        folder = os.path.join(self.tmp, "chicago")
        config = write_pipeline(folder, timezone="America/Chicago", daily_days="all")
        _, files = self.render("systemd", config)
        self.assertEqual(unit_setting(files["orchestrator-daily.timer"], "OnCalendar"),
                         ["Mon..Sun *-*-* 08:15:00 America/Chicago"])

    def test_rendered_is_the_shipped_template_filled_in(self):
        _, rendered = self.render("systemd")
        values = self.systemd_values(rendered)
        templates = shipped("systemd")
        self.assertEqual(sorted(templates), sorted(SYSTEMD_FILES))
        for name, text in templates.items():
            self.assertEqual(rendered[name], fill(text, values), name)

    @unittest.skipUnless(SYSTEMD_ANALYZE, "systemd-analyze is not installed: cannot verify the units")
    def test_rendered_units_pass_systemd_analyze_verify(self):
        _, files = self.render("systemd")
        folder = self.write_files(files, "rendered")
        rc, complaints, output = systemd_verify(self, folder, SYSTEMD_FILES)
        self.assertEqual(rc, 0, output)
        self.assertEqual(complaints, [], output)

    @unittest.skipUnless(SYSTEMD_ANALYZE, "systemd-analyze is not installed: cannot verify the units")
    def test_shipped_templates_pass_systemd_analyze_verify(self):
        _, rendered = self.render("systemd")
        values = self.systemd_values(rendered)
        folder = self.write_files({n: fill(t, values) for n, t in shipped("systemd").items()}, "shipped")
        rc, complaints, output = systemd_verify(self, folder, SYSTEMD_FILES)
        self.assertEqual(rc, 0, output)
        self.assertEqual(complaints, [], output)

    @unittest.skipUnless(SYSTEMD_ANALYZE, "systemd-analyze is not installed: cannot verify the units")
    def test_verify_is_not_vacuous(self):
        _, files = self.render("systemd")
        files["orchestrator-daily.service"] = files["orchestrator-daily.service"].replace(
            "Type=oneshot", "Type=sometimes")
        folder = self.write_files(files, "broken")
        _, complaints, output = systemd_verify(self, folder, SYSTEMD_FILES)
        self.assertTrue(any("service type" in c for c in complaints), output)

    @unittest.skipUnless(SYSTEMD_ANALYZE, "systemd-analyze is not installed: cannot rate the units")
    def test_security_exposure_is_at_most_the_threshold(self):
        help_text = subprocess.run([SYSTEMD_ANALYZE, "security", "--help"], capture_output=True,
                                   text=True).stdout
        if "--offline" not in help_text:
            self.skipTest("this systemd-analyze has no `security --offline` (systemd < 250)")
        _, files = self.render("systemd")
        folder = self.write_files(files, "security")
        for name in ("orchestrator-daily.service", "orchestrator-intraday.service",
                     "orchestrator-serve.service"):
            r = subprocess.run([SYSTEMD_ANALYZE, "security", "--offline=true", "--no-pager",
                                os.path.join(folder, name)], capture_output=True, text=True,
                               env=dict(os.environ, SYSTEMD_COLORS="0"), timeout=120)
            m = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", r.stdout + r.stderr)
            self.assertIsNotNone(m, r.stdout + r.stderr)
            level = float(m.group(1))
            print(f"{name}: systemd-analyze security exposure {level} (threshold {EXPOSURE_THRESHOLD})")
            self.assertLessEqual(level, EXPOSURE_THRESHOLD, r.stdout)


class LaunchdAgents(Base):
    # launchd reads StartCalendarInterval in the Mac's zone: pin it ($TZ), and HOME for the logs.
    ENV = {"TZ": "America/New_York", "HOME": "/Users/trader"}

    def check_plists(self, daily, intraday, workdir, binary, config):
        for plist, mode in ((daily, ["--daily", "--scheduled"]), (intraday, ["--intraday"])):
            self.assertTrue(plist["Label"].startswith("local.orchestrator."))
            self.assertEqual(plist["ProgramArguments"], [binary, "-c", config] + mode)
            self.assertEqual(plist["WorkingDirectory"], workdir)
            for key in ("StandardOutPath", "StandardErrorPath"):
                self.assertTrue(os.path.isabs(plist[key]), plist[key])
                self.assertFalse(plist[key].startswith(("/tmp/", "/private/tmp/")), plist[key])
                self.assertTrue(plist[key].startswith("/Users/trader/Library/Logs/orchestrator/"),
                                plist[key])
        self.assertNotEqual(daily["Label"], intraday["Label"])
        self.assertTrue(intraday.get("KeepAlive") or intraday.get("StartInterval"), intraday)

    def test_rendered_plists(self):
        preamble, files = self.render("launchd", env=self.ENV)
        daily = plistlib.loads(files["local.orchestrator.daily.plist"].encode())
        intraday = plistlib.loads(files["local.orchestrator.intraday.plist"].encode())
        self.check_plists(daily, intraday, self.workdir, os.path.realpath(BIN), self.config)
        self.assertEqual(daily["StartCalendarInterval"],
                         [{"Weekday": d, "Hour": 8, "Minute": 15} for d in range(1, 6)])
        self.assertIs(intraday["KeepAlive"], True)
        self.assertIs(intraday["RunAtLoad"], True)
        self.assertGreater(daily["ExitTimeOut"], 7)
        self.assertIn("launchctl bootstrap gui/$(id -u)", preamble)
        self.assertIn("08:15:00 America/New_York is 08:15 in America/New_York all year", preamble)

    def test_shipped_plists_are_the_rendered_ones_and_parse(self):
        _, rendered = self.render("launchd", env=self.ENV)
        values = {
            "ORCHESTRATOR": xml_escape(os.path.realpath(BIN)),
            "CONFIG": xml_escape(self.config),
            "WORKDIR": xml_escape(self.workdir),
            "LOG_DIR": "/Users/trader/Library/Logs/orchestrator",
            "DAILY_TIME": "08:15:00",
            "TIMEZONE": "America/New_York",
            "DAILY_HOUR": "8",
            "DAILY_MINUTE": "15",
            "STOP_TIMEOUT": str(plistlib.loads(
                rendered["local.orchestrator.daily.plist"].encode())["ExitTimeOut"]),
        }
        templates = shipped("launchd")
        self.assertEqual(sorted(templates), sorted(LAUNCHD_FILES))
        for name, text in templates.items():
            filled = fill(text, values, weekdays=range(1, 6))
            self.assertEqual(rendered[name], filled, name)
        daily = plistlib.loads(fill(templates["local.orchestrator.daily.plist"], values, [1]).encode())
        intraday = plistlib.loads(fill(templates["local.orchestrator.intraday.plist"], values).encode())
        self.check_plists(daily, intraday, self.workdir, os.path.realpath(BIN), self.config)
        self.assertEqual(daily["StartCalendarInterval"], [{"Weekday": 1, "Hour": 8, "Minute": 15}])

    def test_a_mac_in_another_zone_fires_at_the_earliest_local_time(self):
        # 08:15 New York is 14:15 in Paris, or 13:15 in the weeks when only one of the two
        # zones is on summer time: the agent takes the earliest.
        preamble, files = self.render("launchd", env=dict(self.ENV, TZ="Europe/Paris"))
        daily = plistlib.loads(files["local.orchestrator.daily.plist"].encode())
        self.assertEqual(daily["StartCalendarInterval"],
                         [{"Weekday": d, "Hour": 13, "Minute": 15} for d in range(1, 6)])
        self.assertIn("between 13:15 and 14:15 in Europe/Paris", preamble)
        # In Auckland it is already the next day: Tuesday to Saturday, 00:15 at the earliest.
        _, files = self.render("launchd", env=dict(self.ENV, TZ="Pacific/Auckland"))
        daily = plistlib.loads(files["local.orchestrator.daily.plist"].encode())
        self.assertEqual(daily["StartCalendarInterval"],
                         [{"Weekday": d, "Hour": 0, "Minute": 15} for d in range(2, 7)])

    def test_daily_days_all_fires_every_day(self):
        folder = os.path.join(self.tmp, "every-day")
        config = write_pipeline(folder, daily_days="all")
        _, files = self.render("launchd", config, env=self.ENV)
        daily = plistlib.loads(files["local.orchestrator.daily.plist"].encode())
        self.assertEqual([e["Weekday"] for e in daily["StartCalendarInterval"]], list(range(7)))


class Refusals(Base):
    def test_db_override_bad_kind_and_bad_config_exit_2(self):
        r = subprocess.run([BIN, "-c", self.config, "--db", "other.db", "--print-units", "systemd"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("database:", r.stderr)
        self.assertEqual(r.stdout, "")
        r = print_units("cron", self.config)
        self.assertEqual(r.returncode, 2, r.stderr)
        with open(self.config, "a") as f:
            f.write("bogus_key: 1\n")
        r = print_units("systemd", self.config)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertEqual(r.stdout, "")

    def test_a_path_systemd_cannot_hold_is_refused_but_launchd_takes_it(self):
        folder = os.path.join(self.tmp, 'say "cheese"')
        config = write_pipeline(folder)
        r = print_units("systemd", config)
        self.assertEqual(r.returncode, 2, r.stdout)
        self.assertIn("cannot write the path", r.stderr)
        _, files = self.render("launchd", config, env=LaunchdAgents.ENV)
        daily = plistlib.loads(files["local.orchestrator.daily.plist"].encode())
        self.assertEqual(daily["WorkingDirectory"], folder)


class Install(unittest.TestCase):
    def test_cmake_install_puts_everything_under_the_prefix(self):
        build = os.path.dirname(BIN)
        if not os.path.exists(os.path.join(build, "cmake_install.cmake")):
            self.skipTest(f"{build} is not a CMake build folder")
        cmake = shutil.which("cmake")
        if not cmake:
            self.skipTest("cmake is not on PATH")
        prefix = temp_folder(self, "orch-prefix-")
        r = subprocess.run([cmake, "--install", build, "--prefix", prefix], capture_output=True,
                           text=True, timeout=300)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

        binary = os.path.join(prefix, "bin", "orchestrator")
        self.assertTrue(os.access(binary, os.X_OK), binary)
        # --serve runs in orchestrator-web, installed beside it (the installed pair works).
        web = os.path.join(prefix, "bin", "orchestrator-web")
        self.assertTrue(os.access(web, os.X_OK), web)
        example = os.path.join(prefix, "share", "orchestrator", "example")
        self.assertTrue(filecmp.cmp(os.path.join(example, "dependency_graph.yaml"),
                                    os.path.join(SOURCE, "dependency_graph.yaml"), shallow=False))
        source_collectors = os.path.join(SOURCE, "collectors")
        executables = 0
        for name in os.listdir(source_collectors):
            src = os.path.join(source_collectors, name)
            if not os.path.isfile(src):
                continue
            dst = os.path.join(example, "collectors", name)
            self.assertTrue(os.path.isfile(dst), dst)
            if os.stat(src).st_mode & stat.S_IXUSR:
                executables += 1
                self.assertTrue(os.stat(dst).st_mode & stat.S_IXUSR, f"{dst} lost its exec bit")
        self.assertGreater(executables, 0)
        for kind, names in (("launchd", LAUNCHD_FILES), ("systemd", SYSTEMD_FILES)):
            for name in names:
                self.assertTrue(filecmp.cmp(os.path.join(prefix, "share", "orchestrator", kind, name),
                                            os.path.join(SOURCE, kind, name), shallow=False), name)

        # The installed binary renders units without the source tree, for the installed example.
        config = os.path.join(example, "dependency_graph.yaml")
        r = print_units("systemd", config, cwd=prefix, binary=binary)
        self.assertEqual(r.returncode, 0, r.stderr)
        _, files = split_units(r.stdout)
        self.assertIn(f'ExecStart="{os.path.realpath(binary)}" -c "{config}" --daily',
                      files["orchestrator-daily.service"])
        self.assertIn("OnCalendar=Mon..Fri *-*-* 09:30:00 America/New_York",
                      files["orchestrator-daily.timer"])
        # The installed `orchestrator --serve` finds the installed orchestrator-web.
        server = subprocess.Popen([binary, "-c", config, "--serve", "--listen", "127.0.0.1:0"], cwd=prefix,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        line = server.stdout.readline().decode()
        server.send_signal(signal.SIGTERM)
        _, err = server.communicate(timeout=20)
        self.assertTrue(line.startswith("http://127.0.0.1:"), repr(line) + err.decode())
        self.assertEqual(server.returncode, 143, err.decode())


if __name__ == "__main__":
    unittest.main()
