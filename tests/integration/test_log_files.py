"""An attempt's log file exists only when the attempt wrote something: the database says how
much each attempt wrote (task_runs.output_bytes; 0 = nothing, no file), a running attempt's
output gets its file while it runs, and the unnamed file a silent attempt used never carries
anything into the next attempt's log."""
import http.client
import os
import signal
import sqlite3
import time
import unittest

from harness import PipelineTestCase


class LogFiles(PipelineTestCase):
    def test_silent_attempts_leave_no_file_and_talking_ones_keep_theirs(self):
        p = self.p
        quiet = p.script("quiet.sh", "true\n")
        failing = p.script("failing.sh", "exit 3\n")
        talk = p.script("talk.sh", 'echo "hello from $ORCHESTRATOR_TASK"\necho oops >&2\n')
        p.write_config([
            {"name": "Quiet", "script": quiet, "tier": 0},
            {"name": "Failing", "script": failing, "tier": 0},
            {"name": "Quiet2", "script": quiet, "tier": 1, "dependencies": ["Quiet"]},
            {"name": "Talk", "script": talk, "tier": 2, "dependencies": ["Quiet2"]},
        ], max_parallel=1)
        r = p.daily()
        self.assertRc(r, 1)
        runs = {t["task_name"]: t for t in p.task_runs()}
        for name in ("Quiet", "Quiet2", "Failing"):
            self.assertEqual(runs[name]["output_bytes"], 0, runs[name])
            self.assertTrue(runs[name]["log_path"], runs[name])  # where it would have been
            self.assertFalse(os.path.exists(runs[name]["log_path"]), runs[name])
            self.assertFalse(os.path.exists(os.path.dirname(runs[name]["log_path"])))
        talk_log = runs["Talk"]["log_path"]
        # only its own output: nothing the silent attempts before it left in the file
        with open(talk_log) as f:
            self.assertEqual(f.read(), "hello from Talk\noops\n")
        self.assertEqual(runs["Talk"]["output_bytes"], len("hello from Talk\noops\n"))

    def test_a_running_attempts_output_gets_its_file_while_it_runs(self):
        p = self.p
        slow = p.script("slow.sh", "echo working\nsleep 6\necho done\n")
        p.write_config([{"name": "Slow", "script": slow}])
        proc = self.popen("--daily", "--no-wait")
        def attempt():
            try:  # the database may not exist yet, or not have its tables
                return next(iter(p.task_runs("Slow")), None)
            except sqlite3.Error:
                return None
        row = self.wait_until(attempt, 10, "the attempt's row")
        log = row["log_path"]
        self.wait_until(lambda: os.path.exists(log), 4, "the log file of the running attempt")
        with open(log) as f:
            self.assertEqual(f.read(), "working\n")
        self.assertEqual(p.task_runs("Slow")[0]["status"], "RUNNING")
        self.assertEqual(self.finish(proc).returncode, 0)
        with open(log) as f:
            self.assertEqual(f.read(), "working\ndone\n")
        self.assertEqual(p.task_runs("Slow")[0]["output_bytes"], len("working\ndone\n"))

    def test_a_process_left_behind_writes_to_its_own_attempts_log_only(self):
        p = self.p
        # The main process exits at once without output; what it left behind ignores SIGTERM
        # and writes a moment later. The next attempt (a silent task) must not get that line.
        leaver = p.script("leaver.sh", (
            "sh -c 'trap \"\" TERM; touch armed; sleep 0.5; echo late' &\n"
            "while [ ! -e armed ]; do sleep 0.01; done\n"
            "exit 0\n"))
        quiet = p.script("quiet.sh", "sleep 1\n")
        p.write_config([
            {"name": "Leaver", "script": leaver, "tier": 0},
            {"name": "Quiet", "script": quiet, "tier": 1, "dependencies": ["Leaver"]},
        ], max_parallel=1, kill_grace_seconds=5)
        r = p.daily()
        self.assertRc(r, 0)
        runs = {t["task_name"]: t for t in p.task_runs()}
        leaver_log = runs["Leaver"]["log_path"]
        self.assertTrue(os.path.exists(leaver_log), runs["Leaver"])
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and os.path.getsize(leaver_log) == 0:
            time.sleep(0.05)
        with open(leaver_log) as f:
            self.assertEqual(f.read(), "late\n")
        self.assertEqual(runs["Quiet"]["output_bytes"], 0)
        self.assertFalse(os.path.exists(runs["Quiet"]["log_path"]))

    def test_the_log_endpoint_and_the_dashboard_say_no_output(self):
        p = self.p
        quiet = p.script("quiet.sh", "true\n")
        talk = p.script("talk.sh", "echo said\n")
        p.write_config([{"name": "Quiet", "script": quiet}, {"name": "Talk", "script": talk}])
        self.assertRc(p.daily(), 0)
        proc = self.popen("--serve", "--listen", "127.0.0.1:0")
        line = proc.stdout.readline().decode().strip()
        self.assertTrue(line.startswith("http://127.0.0.1:"), line or proc.stderr.read())
        port = int(line.rsplit(":", 1)[1].strip("/"))
        try:
            def get(path):
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                try:
                    conn.request("GET", path)
                    res = conn.getresponse()
                    return res.status, res.read().decode()
                finally:
                    conn.close()
            self.assertEqual(get("/api/tasks/Quiet/log"), (200, "(no output)\n"))
            self.assertEqual(get("/api/tasks/Talk/log"), (200, "said\n"))
            status, page = get("/")
            self.assertEqual(status, 200)
            quiet_row = page[page.index('<tr data-task="Quiet">'):]
            quiet_row = quiet_row[:quiet_row.index("</tr>")]
            self.assertIn("no output", quiet_row)
            talk_row = page[page.index('<tr data-task="Talk">'):]
            talk_row = talk_row[:talk_row.index("</tr>")]
            self.assertNotIn("no output", talk_row)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=20)


if __name__ == "__main__":
    unittest.main()
