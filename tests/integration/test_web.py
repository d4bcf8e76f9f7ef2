"""--serve and --report: every endpoint over a database made by real runs, read with a real
HTTP client; the token and Host rules; escaping; 409 while a run holds the lock; exit codes
on signals; the read-only promise; and the page rendered by headless Chromium."""

import http.client
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import unittest
import urllib.parse

from harness import PipelineTestCase, poll_until, to_yaml, wait_for_file

EVIL = "<script>alert('x')</script> Feed"
DATES = ["2026-11-16", "2026-11-17", "2026-11-18", "2026-11-19", "2026-11-20"]
NOW = "2026-11-20T11:00:00-05:00"


def chromium_binary():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class WebCase(PipelineTestCase):
    """A pipeline with a retried task, a failing task with a hostile name, an intraday task,
    and daily runs on five trading dates."""

    token = None

    def build_pipeline(self, extra_top=None, slow_seconds=None):
        p = self.p
        p.script("ok.sh", "sleep 0.2; echo collected; echo RECORDS_PROCESSED=42")
        # Fails on its first attempt of each run, succeeds on the retry (a visible retry wait).
        p.script("flaky.sh", 'f="$ORCHESTRATOR_RUN_ID.flaky"; if [ -e "$f" ]; then echo ok; exit 0; fi; '
                             'touch "$f"; echo "HTTP 503 <b>bold</b>" >&2; exit 1')
        p.script("bad.sh", 'echo "broken </script><script>alert(2)</script>" >&2; exit 3')
        p.script("slow.sh", f'sleep {slow_seconds or 0}; echo done')
        top = {"timezone": "America/New_York", "kill_grace_seconds": 1,
               "retry_policy": {"max_attempts": 2, "backoff_seconds": [1]},
               "freshness_thresholds": {"green": {"assets": 86400}, "yellow": {"assets": 172800}}}
        top.update(extra_top or {})
        top["daily_schedule"] = [
            {"name": "Asset Collection", "script": "scripts/ok.sh", "data_source": "assets",
             "max_runtime_seconds": 30},
            {"name": "Fundamental Data", "script": "scripts/flaky.sh", "dependencies": ["Asset Collection"],
             "max_runtime_seconds": 30},
            {"name": EVIL, "script": "scripts/bad.sh", "dependencies": ["Asset Collection"],
             "max_runtime_seconds": 30, "retry_policy": {"max_attempts": 1}},
            {"name": "Signals", "script": "scripts/slow.sh", "dependencies": [EVIL], "max_runtime_seconds": 60},
        ]
        top["intraday_schedule"] = [
            {"name": "Price Data", "script": "scripts/ok.sh", "interval_minutes": 1, "max_runtime_seconds": 30}]
        p.write_raw(to_yaml(top))

    def run_history(self, dates=DATES):
        for d in dates:
            r = self.p.run("--now", f"{d}T10:00:00-05:00", "--daily", "--no-wait")
            self.assertIn(r.returncode, (0, 1), r.output)
        r = self.p.run("--now", NOW, "--intraday", "--once")
        self.assertEqual(r.returncode, 0, r.output)

    def serve(self, *args, env=None):
        """Starts --serve on a free loopback port; returns (process, port)."""
        proc = self.popen("--now", NOW, "--serve", "--listen", "127.0.0.1:0", *args, env=env)
        line = proc.stdout.readline().decode().strip()
        self.assertTrue(line.startswith("http://127.0.0.1:"), line + proc.stderr.read().decode()
                        if not line else line)
        port = int(line.rsplit(":", 1)[1].strip("/"))
        return proc, port

    def request(self, port, method, path, headers=None, body=None):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            res = conn.getresponse()
            return res.status, dict(res.getheaders()), res.read()
        finally:
            conn.close()

    def get_json(self, port, path):
        status, headers, body = self.request(port, "GET", path)
        self.assertEqual(status, 200, body)
        self.assertTrue(headers["Content-Type"].startswith("application/json"), headers)
        return json.loads(body)

    def stop(self, proc, sig=signal.SIGTERM):
        proc.send_signal(sig)
        proc.wait(timeout=20)
        return proc.returncode


class Endpoints(WebCase):
    def setUp(self):
        super().setUp()
        self.build_pipeline()
        self.run_history()

    def test_every_read_endpoint(self):
        proc, port = self.serve()
        # The page: HTML, a CSP, every task and source, escaped.
        status, headers, body = self.request(port, "GET", "/")
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/html"))
        self.assertIn("default-src 'none'", headers["Content-Security-Policy"])
        page = body.decode()
        for name in ("Asset Collection", "Fundamental Data", "Signals", "Price Data", "assets"):
            self.assertIn(name, page)
        self.assertNotIn("<script>alert", page)
        self.assertNotIn("</script><script>", page)
        self.assertIn("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Feed", page)
        self.assertIn(f"trading date {DATES[-1]}", page)
        self.assertNotIn("http://", page.replace('xmlns="http://www.w3.org/2000/svg"', ""))

        # /api/health is the --health --json object (same tasks, sources, summary).
        health = self.get_json(port, "/api/health")
        cli = json.loads(self.p.run("--now", NOW, "--health", "--json").stdout)
        for key in ("tasks", "summary"):
            self.assertEqual(health[key], cli[key], key)
        # Ages differ by the time between the two checks.
        strip = lambda sources: [dict(s, age_seconds=None) for s in sources]
        self.assertEqual(strip(health["sources"]), strip(cli["sources"]))
        for a, b in zip(health["sources"], cli["sources"]):
            if a["age_seconds"] is not None:
                self.assertAlmostEqual(a["age_seconds"], b["age_seconds"], delta=30)
        self.assertEqual([t["name"] for t in health["tasks"]],
                         ["Asset Collection", "Fundamental Data", EVIL, "Signals", "Price Data"])
        # The missed trading dates are --health's: the four dates before today on which the
        # failing task (and the task it skips) never succeeded; the page lists them too.
        self.assertEqual(health["missed_dates"], cli["missed_dates"])
        self.assertEqual([m["date"] for m in health["missed_dates"]], DATES[:-1])
        self.assertEqual(health["missed_dates"][0]["tasks"], [EVIL, "Signals"])
        missed_section = page[page.index('id="missed"'):]
        missed_section = missed_section[:missed_section.index("</section>")]
        for d in DATES[:-1]:
            self.assertIn(d, missed_section)

        market = self.get_json(port, "/api/market")
        cli_market = json.loads(self.p.run("--now", NOW, "--market-status", "--json").stdout)
        self.assertEqual(set(market), {"now", "open", "session", "reason", "trading_date", "next_open",
                                       "next_close"})
        self.assertEqual((market["open"], market["session"], market["next_open"]),
                         (cli_market["open"], cli_market["session"], cli_market["next_open"]))

        runs = self.get_json(port, "/api/runs")["runs"]
        self.assertEqual(len(runs), 6)  # five daily runs and one intraday pass, newest first
        self.assertEqual(runs[0]["mode"], "intraday")
        daily = runs[1]
        self.assertEqual(daily["trading_date"], DATES[-1])
        self.assertEqual(daily["status"], "FAILED")
        self.assertEqual(daily["tasks"], {"succeeded": 2, "failed": 1, "skipped": 1})
        self.assertEqual(len(self.get_json(port, "/api/runs?limit=2")["runs"]), 2)
        status, _, _ = self.request(port, "GET", "/api/runs?limit=abc")
        self.assertEqual(status, 400)

        one = self.get_json(port, f"/api/runs/{daily['id']}")
        attempts = [(a["task"], a["attempt"], a["status"]) for a in one["attempts"]]
        self.assertIn(("Fundamental Data", 1, "FAILED"), attempts)
        self.assertIn(("Fundamental Data", 2, "SUCCESS"), attempts)
        self.assertIn((EVIL, 1, "FAILED"), attempts)
        self.assertIn(("Signals", 0, "SKIPPED"), attempts)
        bad = next(a for a in one["attempts"] if a["task"] == EVIL)
        self.assertEqual(bad["exit_code"], 3)
        self.assertIn("slurm_job_id", bad)
        self.assertEqual(self.request(port, "GET", "/api/runs/999999")[0], 404)

        status, headers, body = self.request(port, "GET", "/api/tasks/" + urllib.parse.quote(EVIL, safe="") + "/log")
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/plain"))
        self.assertIn(b"broken </script>", body)
        self.assertEqual(self.request(port, "GET", "/api/tasks/Nope/log")[0], 404)
        # Signals was only ever skipped: a task that never ran has no log.
        self.assertEqual(self.request(port, "GET", "/api/tasks/Signals/log")[0], 404)

        status, headers, body = self.request(port, "GET", "/metrics")
        self.assertEqual(status, 200)
        self.assertIn(b"# TYPE", body)
        self.assertIn(b'task="Fundamental Data"', body)
        self.assertEqual(self.request(port, "GET", "/nowhere")[0], 404)
        self.assertEqual(self.stop(proc), 143)

    def test_host_header_is_checked(self):
        proc, port = self.serve()
        for host, expected in (("evil.example", 421), ("evil.example:80", 421), ("localhost:1", 200),
                               ("127.0.0.1", 200), ("[::1]:8787", 200)):
            status, _, _ = self.request(port, "GET", "/api/market", headers={"Host": host})
            self.assertEqual(status, expected, host)
        self.stop(proc)
        self.build_pipeline(extra_top={"serve_allowed_hosts": ["dash.example.com"]})
        proc, port = self.serve()
        self.assertEqual(self.request(port, "GET", "/", headers={"Host": "Dash.Example.com:443"})[0], 200)
        self.assertEqual(self.request(port, "GET", "/", headers={"Host": "other.example.com"})[0], 421)
        self.assertEqual(self.stop(proc, signal.SIGINT), 130)

    def test_read_only(self):
        before = self.p.query("SELECT * FROM data_pipeline_status ORDER BY task_name")
        mtime = os.stat(self.p.db_path).st_mtime_ns
        proc, port = self.serve()
        for path in ("/", "/api/health", "/api/runs", "/metrics"):
            self.assertEqual(self.request(port, "GET", path)[0], 200, path)
        self.stop(proc)
        self.assertEqual(self.p.query("SELECT * FROM data_pipeline_status ORDER BY task_name"), before)
        self.assertEqual(os.stat(self.p.db_path).st_mtime_ns, mtime)
        self.assertFalse(os.path.exists(self.p.db_path + ".serve.lock"))
        self.assertFalse(os.path.exists(self.p.path("data", "pipeline.db.health.lock")))


class Control(WebCase):
    def test_token_rules(self):
        self.build_pipeline()
        self.run_history(DATES[-1:])
        proc, port = self.serve()
        status, _, body = self.request(port, "POST", "/api/update-stale")
        self.assertEqual(status, 403, body)
        self.assertEqual(self.request(port, "POST", "/api/tasks/Signals/run")[0], 403)
        self.stop(proc)

        proc, port = self.serve(env={"ORCHESTRATOR_TOKEN": "s3cret"})
        status, headers, _ = self.request(port, "POST", "/api/tasks/Signals/run")
        self.assertEqual(status, 401)
        self.assertEqual(headers.get("WWW-Authenticate"), "Bearer")
        status, _, _ = self.request(port, "POST", "/api/tasks/Signals/run",
                                    headers={"Authorization": "Bearer wrong"})
        self.assertEqual(status, 401)
        auth = {"Authorization": "Bearer s3cret"}
        self.assertEqual(self.request(port, "POST", "/api/tasks/Nope/run", headers=auth)[0], 404)
        runs_before = len(self.p.runs())
        status, _, body = self.request(port, "POST", "/api/tasks/Signals/run", headers=auth)
        self.assertEqual(status, 202, body)
        pid = json.loads(body)["pid"]
        self.assertGreater(pid, 0)
        rows = poll_until(lambda: self.p.query("SELECT * FROM task_runs WHERE task_name = 'Signals' "
                                               "AND attempt = 1 AND status = 'SUCCESS'"), 30, 0.1)
        self.assertTrue(rows, "the started run did not record Signals")
        self.assertEqual(len(self.p.runs()), runs_before + 1)
        status, _, body = self.request(port, "POST", "/api/update-stale", headers=auth)
        self.assertEqual(status, 202, body)
        self.stop(proc)

    def test_token_file(self):
        with open(self.p.path("token.txt"), "w") as f:
            f.write("  from-file\n")
        self.build_pipeline(extra_top={"serve_token_file": "token.txt"})
        self.run_history(DATES[-1:])
        proc, port = self.serve(env={"ORCHESTRATOR_TOKEN": "from-env"})
        hdr = lambda t: {"Authorization": f"Bearer {t}"}
        self.assertEqual(self.request(port, "POST", "/api/tasks/Nope/run", headers=hdr("from-env"))[0], 401)
        self.assertEqual(self.request(port, "POST", "/api/tasks/Nope/run", headers=hdr("from-file"))[0], 404)
        self.stop(proc)

    def test_non_loopback_needs_a_token(self):
        self.build_pipeline()
        r = self.p.run("--serve", "--listen", "0.0.0.0:0", timeout=20)
        self.assertEqual(r.returncode, 2, r.output)
        self.assertIn("token", r.stderr)
        r = self.p.run("--serve", "--listen", "nonsense", timeout=20)
        self.assertEqual(r.returncode, 2, r.output)
        r = self.p.run("--health", "--listen", "127.0.0.1:1", timeout=20)
        self.assertEqual(r.returncode, 2, r.output)

    def test_409_while_the_lock_is_held(self):
        self.build_pipeline(slow_seconds=30)
        self.p.script("bad.sh", "exit 0")  # so that Signals (slow) runs
        run = self.popen("--now", NOW, "--daily", "--no-wait", "--task", "Signals", "--force")
        def signals_running():
            try:
                return self.p.query("SELECT 1 FROM task_runs WHERE task_name = 'Signals' AND status = 'RUNNING'")
            except sqlite3.OperationalError:  # not created yet
                return None
        poll_until(signals_running, 20)
        proc, port = self.serve(env={"ORCHESTRATOR_TOKEN": "t"})
        auth = {"Authorization": "Bearer t"}
        status, _, body = self.request(port, "POST", "/api/tasks/Asset%20Collection/run", headers=auth)
        self.assertEqual(status, 409, body)
        self.assertIn(b"lock", body)
        # The runner is alive: its task is shown RUNNING.
        health = self.get_json(port, "/api/health")
        self.assertEqual(next(t for t in health["tasks"] if t["name"] == "Signals")["status"], "RUNNING")
        # Killed, its row stays RUNNING in the database but is shown INTERRUPTED.
        run.kill()
        run.wait()
        health = self.get_json(port, "/api/health")
        self.assertEqual(next(t for t in health["tasks"] if t["name"] == "Signals")["status"], "INTERRUPTED")
        runs = self.get_json(port, "/api/runs")["runs"]
        self.assertEqual(runs[0]["status"], "INTERRUPTED")
        self.assertEqual(self.p.status("Signals")["status"], "RUNNING")
        self.assertEqual(self.stop(proc), 143)


class Report(WebCase):
    def test_report_file_and_stdout(self):
        self.build_pipeline()
        self.run_history(DATES[-2:])
        out = self.p.path("out", "report.html")
        os.makedirs(os.path.dirname(out))
        r = self.p.run("--now", NOW, "--report", out)
        self.assertEqual(r.returncode, 0, r.output)
        with open(out) as f:
            html = f.read()
        self.assertNotIn("<script", html.replace("&lt;script", ""))
        self.assertNotIn("http://", html.replace('xmlns="http://www.w3.org/2000/svg"', ""))
        self.assertNotIn("https://", html)
        self.assertIn("<svg", html)
        self.assertIn("&lt;script&gt;alert", html)
        self.assertEqual(os.listdir(os.path.dirname(out)), ["report.html"])  # no temporary left
        r = self.p.run("--now", NOW, "--report", "-")
        self.assertEqual(r.returncode, 0)
        self.assertTrue(r.stdout.startswith("<!DOCTYPE html>"))
        r = self.p.run("--now", NOW, "--report", "/proc/forbidden/report.html")
        self.assertEqual(r.returncode, 74, r.output)

    def test_report_without_database(self):
        self.build_pipeline()
        r = self.p.run("--report", self.p.path("r.html"))
        self.assertEqual(r.returncode, 74, r.output)
        self.assertFalse(os.path.exists(self.p.db_path))


class Browser(WebCase):
    """Headless Chromium renders the served page; under CI a missing browser is a failure."""

    def chromium(self, *args, timeout=120):
        binary = chromium_binary()
        if binary is None:
            if os.environ.get("CI") == "true":
                self.fail("chromium is not installed (bash scripts/install-packages.sh chromium)")
            self.skipTest("chromium is not installed")
        profile = tempfile.mkdtemp(prefix="orch-chromium-")
        try:
            return subprocess.run(
                [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--hide-scrollbars", f"--user-data-dir={profile}", *args],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout, check=False)
        finally:
            shutil.rmtree(profile, ignore_errors=True)

    def test_rendered_page(self):
        self.build_pipeline()
        self.run_history()
        proc, port = self.serve()
        url = f"http://127.0.0.1:{port}/"
        dom = self.chromium("--dump-dom", url).stdout.decode()
        self.assertIn("Pipeline dashboard", dom)
        latest = self.p.query(
            "SELECT task_name, attempt FROM task_runs WHERE attempt > 0 AND run_id IN "
            "(SELECT id FROM runs WHERE mode = 'daily' AND trading_date = ?)", (DATES[-1],))
        bars = dom.count('<g class="bar ')
        self.assertEqual(bars, len(latest))
        self.assertEqual(dom.count('data-task="Fundamental Data" data-attempt='), 2)
        self.assertEqual(dom.count('class="wait"'), 1)  # the retry wait of Fundamental Data
        self.assertNotIn("<script>alert", dom)
        shot = os.path.abspath(os.environ.get("ORCH_SCREENSHOT") or self.p.path("dashboard.png"))
        os.makedirs(os.path.dirname(shot), exist_ok=True)
        self.chromium(f"--screenshot={shot}", "--window-size=1280,1500", url)
        self.assertTrue(wait_for_file(shot, timeout=5))
        with open(shot, "rb") as f:
            self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")
        self.stop(proc)


if __name__ == "__main__":
    unittest.main()
