"""What the orchestrator reads from task output and writes to logs and the console."""

import os
import pty
import sqlite3
import subprocess
import unittest

from harness import PipelineTestCase


class OutputScanning(PipelineTestCase):

    def test_records_line_straddling_buffer_boundaries(self):
        p = self.p
        # a padding line ending so that the RECORDS_PROCESSED line starts just
        # before common buffer sizes
        pad = p.script("pad.sh", (
            "n=$(( $1 - 1 ))\n"
            "head -c $n /dev/zero | tr '\\0' 'p'\n"
            "echo\n"
            "echo RECORDS_PROCESSED=1234567890\n"
            "echo DATA_AS_OF=2026-11-20T15:59:00Z\n"
        ))
        tasks = []
        for boundary in (4096, 65536, 1 << 20):
            for off in (1, 9, 25):
                tasks.append({"name": f"Pad {boundary} {off}", "script": pad,
                              "args": [str(boundary - off)], "tier": 0})
        p.write_config(tasks, max_parallel=9)
        self.assertRc(p.daily(), 0)
        for t in p.task_runs():
            self.assertEqual(t["records_processed"], 1234567890, t)
            self.assertEqual(t["data_as_of"], "2026-11-20T15:59:00Z", t)

    def test_records_last_line_wins_stderr_counts_crlf_and_bad_values_ignored(self):
        p = self.p
        job = p.script("job.sh", (
            "echo RECORDS_PROCESSED=1\n"
            "echo RECORDS_PROCESSED=4 >&2\n"
            "echo RECORDS_PROCESSED=abc\n"
            "echo 'not RECORDS_PROCESSED=99 at line start'\n"
        ))
        crlf = p.script("crlf.sh", 'printf "RECORDS_PROCESSED=5000000000\\r\\n"\n')
        p.write_config([{"name": "Job", "script": job}, {"name": "Crlf", "script": crlf}])
        self.assertRc(p.daily(), 0)
        self.assertEqual(p.status("Job")["last_records_processed"], 4)
        self.assertEqual(p.status("Crlf")["last_records_processed"], 5000000000)

    def test_error_messages(self):
        p = self.p
        scripts = {
            "No Newline": 'echo first\nprintf "partial"\nexit 3\n',
            "Silent": "exit 5\n",
            "Self Killed": "echo bye\nkill -9 $$\n",
            "Trailing Blank": "echo 'real reason'\necho\necho '   '\nexit 6\n",
        }
        p.write_config([{"name": n, "script": p.script(f"s{i}.sh", body)}
                         for i, (n, body) in enumerate(scripts.items())])
        self.assertRc(p.daily(), 1)
        msgs = {n: p.status(n)["last_error_message"] for n in scripts}
        self.assertEqual(msgs["No Newline"], "exit code 3: partial")
        self.assertEqual(msgs["Silent"], "exit code 5")
        self.assertIn("signal 9", msgs["Self Killed"])
        self.assertEqual(msgs["Trailing Blank"], "exit code 6: real reason")
        (tr,) = p.task_runs("Self Killed")
        self.assertEqual(tr["signal"], 9)
        self.assertIsNone(tr["exit_code"])

    def test_invalid_utf8_output_is_stored_as_valid_text(self):
        # The last output line goes into error_message; the database must stay
        # readable by ordinary clients (Python's sqlite3 decodes TEXT as UTF-8).
        p = self.p
        bad = p.script("bad.sh", 'printf "bad \\377\\376 bytes\\n"\nexit 4\n')
        p.write_config([{"name": "Binary Garbage", "script": bad}])
        self.assertRc(p.daily(), 1)
        conn = sqlite3.connect(p.db_path)
        try:
            try:
                (msg,) = conn.execute("SELECT last_error_message FROM data_pipeline_status "
                                      "WHERE task_name = 'Binary Garbage'").fetchone()
                (tr_msg,) = conn.execute("SELECT error_message FROM task_runs "
                                         "WHERE task_name = 'Binary Garbage'").fetchone()
            except sqlite3.OperationalError as e:
                self.fail(f"error message stored as invalid UTF-8: {e}")
        finally:
            conn.close()
        self.assertTrue(msg.startswith("exit code 4: bad "), msg)
        self.assertTrue(msg.endswith(" bytes"), msg)
        self.assertEqual(msg, tr_msg)

    def test_names_with_the_same_snake_case_get_separate_logs(self):
        # Task names are free text; two names that reduce to the same snake_case
        # must not write into (and truncate) one log file.
        p = self.p
        job = p.script("job.sh", 'echo "output of $ORCHESTRATOR_TASK"\nsleep 0.3\n')
        names = ["Price Data", "price_data", "PRICE-DATA"]
        p.write_config([{"name": n, "script": job, "tier": 0} for n in names])
        r = p.daily()
        if r.returncode == 2:
            # refusing the file at load time would be acceptable too
            for n in names[:2]:
                self.assertIn(n, r.output)
            return
        self.assertRc(r, 0)
        rows = p.task_runs()
        paths = [t["log_path"] for t in rows]
        self.assertEqual(len(set(paths)), 3, f"tasks share log files: {paths}")
        for t in rows:
            with open(t["log_path"]) as f:
                self.assertEqual(f.read(), f"output of {t['task_name']}\n", t)


class Console(PipelineTestCase):

    def _pipeline(self):
        p = self.p
        ok = p.script("ok.sh", "echo fine\n")
        bad = p.script("bad.sh", "echo broken\nexit 3\n")
        p.write_config([
            {"name": "Good", "script": ok},
            {"name": "Bad", "script": bad},
            {"name": "Dep", "script": ok, "dependencies": ["Bad"]},
        ])

    def _run_on_pty(self, *args):
        master, slave = pty.openpty()
        env = self.p.env({"TERM": "xterm"})
        proc = subprocess.Popen(self.p.argv("--daily", "--no-wait", "--force", *args),
                                cwd=self.p.root, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=slave)
        os.close(slave)
        out = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        os.close(master)
        proc.stdout.read()
        proc.stdout.close()
        proc.wait(timeout=30)
        return proc.returncode, out.decode(errors="replace")

    def test_words_when_not_a_terminal(self):
        self._pipeline()
        r = self.p.daily()
        self.assertRc(r, 1)
        self.assertEqual(r.stdout, "")
        self.assertIn(">>  Running: Good", r.stderr)
        self.assertIn("OK Good completed in", r.stderr)
        self.assertIn("FAILED Bad failed: exit code 3: broken", r.stderr)
        self.assertIn("SKIP  Skipping Dep: dependency 'Bad' failed", r.stderr)
        self.assertNotIn("\x1b[", r.stderr)
        self.assertNotIn("\u2705", r.stderr)
        with open(os.path.join(self.p.log_dir, "orchestrator.log")) as f:
            log = f.read()
        self.assertIn("FAILED Bad failed: exit code 3: broken", log)

    def test_emoji_and_colour_on_a_terminal_words_with_no_color(self):
        self._pipeline()
        rc, out = self._run_on_pty()
        self.assertEqual(rc, 1, out)
        self.assertIn("\u2705 Good completed", out)        # check mark
        self.assertIn("\x1b[", out)
        rc, out = self._run_on_pty("--no-color")
        self.assertEqual(rc, 1, out)
        self.assertIn("OK Good completed", out)
        self.assertNotIn("\x1b[", out)
        self.assertNotIn("\u2705", out)

    def test_quiet_keeps_errors(self):
        self._pipeline()
        r = self.p.run("-q", "--daily", "--no-wait")
        self.assertRc(r, 1)
        self.assertNotIn("Running: Good", r.stderr)
        self.assertIn("Bad", r.stderr)


if __name__ == "__main__":
    unittest.main()
