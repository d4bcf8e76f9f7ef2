"""The two binaries: `orchestrator` runs every mode but --serve without loading the HTTP
server's libraries (cpp-httplib, OpenSSL, brotli); its --serve becomes orchestrator-web from
the same folder (execv: same PID, same argv); a missing or unusable orchestrator-web is a clear
error (exit 2); orchestrator-web runs every mode itself and starts the light binary for the
runs it launches. test_web.py's servers all start as `orchestrator --serve`, so every web test
also goes through the exec. Python 3 standard library only; $ORCH_BIN names `orchestrator`.
"""

import http.client
import json
import os
import shutil
import signal
import subprocess
import unittest

from harness import BIN, PipelineTestCase, pid_alive, poll_until, temp_folder, write_pipeline

WEB_BIN = os.path.join(os.path.dirname(BIN), "orchestrator-web")
READELF = shutil.which("readelf")
# Shared libraries that only the HTTP server needs (cpp-httplib pulls in the others).
HTTP_ONLY = ("libcpp-httplib", "libssl", "libcrypto", "libbrotli")


def needed(binary):
    """The NEEDED entries of an ELF file's dynamic section (readelf -d)."""
    out = subprocess.run([READELF, "-d", binary], capture_output=True, text=True, check=True).stdout
    return [line.split("[", 1)[1].rstrip("]") for line in out.splitlines() if "(NEEDED)" in line]


def exe_of(pid):
    return os.readlink(f"/proc/{pid}/exe")


class Binaries(PipelineTestCase):
    def setUp(self):
        super().setUp()
        if not os.access(WEB_BIN, os.X_OK):
            self.fail(f"orchestrator-web not found beside {BIN} (build both targets)")

    @unittest.skipUnless(READELF, "readelf (binutils) is not installed: cannot read the NEEDED entries")
    def test_only_orchestrator_web_links_the_http_server(self):
        light, web = needed(BIN), needed(WEB_BIN)
        self.assertEqual([n for n in light if n.startswith(HTTP_ONLY)], [], light)
        # The same check finds httplib where it is linked: it reads real entries.
        self.assertTrue(any(n.startswith("libcpp-httplib") for n in web), web)
        self.assertTrue(any(n.startswith("libsqlite3") for n in light), light)

    def test_serve_becomes_orchestrator_web_with_the_same_pid_and_argv(self):
        self.p.script("slow.sh", "sleep 3; echo done")
        write_pipeline(self.p, daily=[{"name": "Slow", "script": "scripts/slow.sh"}])
        argv = ["--serve", "--listen", "127.0.0.1:0"]
        proc = self.popen(*argv, env={"ORCHESTRATOR_TOKEN": "t"})
        line = proc.stdout.readline().decode().strip()
        self.assertTrue(line.startswith("http://127.0.0.1:"), line or proc.stderr.read().decode())
        port = int(line.rsplit(":", 1)[1].strip("/"))
        # The process we started is now orchestrator-web, with the command line we gave it.
        self.assertEqual(os.path.realpath(exe_of(proc.pid)), os.path.realpath(WEB_BIN))
        with open(f"/proc/{proc.pid}/cmdline", "rb") as f:
            cmdline = f.read().decode().split("\0")[:-1]
        self.assertEqual(cmdline, self.p.argv(*argv))
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/api/market")
        res = conn.getresponse()
        self.assertEqual(res.status, 200)
        self.assertIn("open", json.loads(res.read()))
        # A run started from the server is the light binary, not another orchestrator-web.
        conn.request("POST", "/api/tasks/Slow/run", headers={"Authorization": "Bearer t"})
        res = conn.getresponse()
        body = res.read()
        self.assertEqual(res.status, 202, body)
        conn.close()
        pid = json.loads(body)["pid"]
        self.p.extra_pids.append(pid)
        self.assertEqual(os.path.realpath(exe_of(pid)), os.path.realpath(BIN))
        self.assertTrue(poll_until(lambda: not pid_alive(pid), 30), "the started run did not end")
        self.assertEqual(self.p.status("Slow")["status"], "SUCCESS")
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(timeout=20), 143)

    def test_sigterm_as_soon_as_the_url_is_printed_stops_the_server(self):
        # Before the fix, 2 in 20 of these servers ignored the SIGTERM and ran on.
        self.p.script("a.sh", "echo ok")
        write_pipeline(self.p, daily=[{"name": "A", "script": "scripts/a.sh"}])
        for attempt in range(40):
            proc = self.popen("--serve", "--listen", "127.0.0.1:0")
            line = proc.stdout.readline().decode()
            self.assertTrue(line.startswith("http://127.0.0.1:"), line)
            proc.send_signal(signal.SIGTERM)
            try:
                rc = proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.fail(f"start {attempt + 1}: the server ignored the SIGTERM sent right after its URL")
            self.assertEqual(rc, 143, f"start {attempt + 1}")

    def test_missing_or_unusable_orchestrator_web_is_exit_2(self):
        self.p.script("a.sh", "echo ok")
        write_pipeline(self.p, daily=[{"name": "A", "script": "scripts/a.sh"}])
        folder = temp_folder(self, "orch-alone-")
        alone = os.path.join(folder, "orchestrator")
        shutil.copy2(BIN, alone)
        sibling = os.path.join(folder, "orchestrator-web")
        for case, reason in (("missing", "No such file or directory"), ("not executable", "Permission denied")):
            if case == "not executable":
                with open(sibling, "w") as f:
                    f.write("#!/bin/sh\nexit 0\n")
                os.chmod(sibling, 0o644)
            r = subprocess.run([alone, "-c", self.p.config_path, "--serve", "--listen", "127.0.0.1:0"],
                               cwd=self.p.root, env=self.p.env(), capture_output=True, text=True, timeout=30)
            self.assertEqual(r.returncode, 2, f"{case}: {r.stderr}")
            self.assertIn(sibling, r.stderr, case)
            self.assertIn(reason, r.stderr, case)
            self.assertIn("install both binaries", r.stderr, case)
            self.assertNotIn("Traceback", r.stderr)
            self.assertEqual(r.stdout, "", case)
        self.assertFalse(os.path.exists(self.p.db_path), "nothing is written")
        # Every other mode still runs there.
        r = subprocess.run([alone, "-c", self.p.config_path, "--validate"], cwd=self.p.root,
                           env=self.p.env(), capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_orchestrator_web_runs_every_mode_and_names_the_light_binary(self):
        self.p.script("a.sh", "echo ok")
        write_pipeline(self.p, daily=[{"name": "A", "script": "scripts/a.sh"}])
        light = subprocess.run([BIN, "--version"], capture_output=True, text=True, timeout=30)
        web = subprocess.run([WEB_BIN, "--version"], capture_output=True, text=True, timeout=30)
        self.assertEqual((web.returncode, web.stdout), (0, light.stdout))
        r = subprocess.run([WEB_BIN, "-c", self.p.config_path, "--daily", "--no-wait"], cwd=self.p.root,
                           env=self.p.env(), capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.p.status("A")["status"], "SUCCESS")
        # Units written by orchestrator-web start the light binary (which hands --serve back).
        r = subprocess.run([WEB_BIN, "-c", self.p.config_path, "--print-units", "systemd"],
                           cwd=self.p.root, env=self.p.env(), capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        starts = [line for line in r.stdout.splitlines() if line.startswith("ExecStart=")]
        self.assertTrue(starts, r.stdout)
        for line in starts:
            self.assertTrue(line.startswith(f'ExecStart="{os.path.realpath(BIN)}" '), line)


if __name__ == "__main__":
    unittest.main()
