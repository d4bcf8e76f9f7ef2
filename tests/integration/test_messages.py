"""Messages must say what happened: a stopped run is not "completed", an interrupted task is
not "FAILED", a second Ctrl-C kills at once and says so; names of any script are accepted and
names with control characters refused; the refusals name the real reason."""

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import time
import unittest
import uuid

from harness import BIN, PipelineTestCase, write_pipeline


class StopMessages(PipelineTestCase):
    def test_sigterm_while_waiting_for_a_time_is_not_completed(self):
        p = self.p
        job = p.script("job.sh", "stamp start\n")
        p.write_config([{"name": "Job", "script": job, "time": "15:00:00"}])
        proc = self.popen("--now", "2026-11-20T09:00:00-05:00", "--daily")
        time.sleep(1.0)
        proc.send_signal(signal.SIGTERM)
        r = self.finish(proc)
        self.assertRc(r, 143)
        self.assertNotIn("completed", r.output)
        self.assertIn("stopped by SIGTERM", r.output)
        self.assertIn("1 not started", r.output)

    def test_a_task_ended_by_ctrl_c_is_shown_interrupted_as_recorded(self):
        p = self.p
        job = p.script("job.sh", "echo $$ > main.pid\nexec sleep 30\n")
        p.write_config([{"name": "Job", "script": job}])
        proc = self.popen("--daily", "--no-wait")
        p.read_pid("main.pid", timeout=15)
        proc.send_signal(signal.SIGINT)
        r = self.finish(proc)
        self.assertRc(r, 130)
        self.assertStatus("Job", "INTERRUPTED")
        self.assertIn("Job interrupted", r.output)
        self.assertNotIn("FAILED", r.output)
        self.assertIn("stopped by SIGINT", r.output)

    def test_a_second_ctrl_c_kills_at_once_and_says_so(self):
        p = self.p
        job = p.script("job.sh", "trap '' TERM INT\necho $$ > main.pid\nwhile :; do sleep 0.1; done\n")
        p.write_config([{"name": "Job", "script": job}], kill_grace_seconds=60)
        proc = self.popen("--daily", "--no-wait")
        pid = p.read_pid("main.pid", timeout=15)
        proc.send_signal(signal.SIGINT)
        time.sleep(1.0)
        self.assertIsNone(proc.poll(), "the first Ctrl-C waits out the task's grace")
        start = time.monotonic()
        proc.send_signal(signal.SIGINT)
        r = self.finish(proc, timeout=30)
        self.assertLess(time.monotonic() - start, 10, r)  # not the 60 s grace
        self.assertRc(r, 130)
        self.assertIn("second interrupt: killing now", r.output)
        self.assertStatus("Job", "INTERRUPTED")
        from harness import wait_dead
        self.assertTrue(wait_dead(pid, 5))


class TaskNames(PipelineTestCase):
    def test_names_in_any_script_are_accepted_with_distinct_sources(self):
        p = self.p
        # each prints its name: an attempt that writes nothing makes no log folder
        job = p.script("job.sh", 'echo "$ORCHESTRATOR_TASK" >> names.txt\necho "$ORCHESTRATOR_TASK"\n')
        names = ["価格データ", "Цены акций", "Cafè Prices", "Café Prices"]
        p.write_config([{"name": n, "script": job} for n in names])
        r = p.run("--validate")
        self.assertRc(r, 0)
        r = p.daily()
        self.assertRc(r, 0)
        self.assertEqual(sorted(p.read("names.txt").split("\n")[:-1]), sorted(names))
        r = p.run("--health", "--json")
        sources = {s["name"]: s["tasks"] for s in json.loads(r.stdout)["sources"]}
        self.assertEqual(sources, {"価格データ": ["価格データ"], "Цены_акций": ["Цены акций"],
                                   "cafè_prices": ["Cafè Prices"], "café_prices": ["Café Prices"]})
        folders = [d for d in os.listdir(p.log_dir) if os.path.isdir(os.path.join(p.log_dir, d))]
        self.assertEqual(sorted(folders),
                         sorted(["価格データ", "Цены_акций", "cafè_prices", "café_prices"]))

    def test_names_of_punctuation_only_are_still_refused(self):
        p = self.p
        job = p.script("job.sh", "true\n")
        p.write_config([{"name": "— ★ —", "script": job}])
        r = p.run("--validate")
        self.assertRc(r, 2)
        self.assertIn("no letter or digit", r.output)

    def test_names_with_control_characters_are_refused_and_printed_escaped(self):
        p = self.p
        job = p.script("job.sh", "true\n")
        for raw, shown in (("Prices\x1b[2J", "\\x1b"), ("Prices\rFAKE", "\\r"), ("Prices\nFAKE", "\\n")):
            with self.subTest(shown=shown):
                p.write_config([{"name": raw, "script": job}])
                r = p.run("--daily", "--no-wait")
                self.assertRc(r, 2)
                self.assertIn("control character", r.output)
                self.assertIn("pipeline.yaml:", r.output)
                self.assertIn(shown, r.output)
                self.assertNotIn("\x1b", r.output)
                self.assertNotIn("\r", r.output)
                self.assertNotIn("\nFAKE", r.output)
                self.assertEqual(p.nothing_written(), [])

    def test_task_of_the_other_schedule_is_named_with_its_mode(self):
        p = self.p
        job = p.script("job.sh", "true\n")
        write_pipeline(p, daily=[{"name": "Daily A", "script": job}],
                       intraday=[{"name": "Price Data", "script": job, "interval_minutes": 1}])
        r = p.run("--daily", "--task", "Price Data")
        self.assertRc(r, 2)
        self.assertIn("'Price Data' is an intraday task; use --intraday --task 'Price Data'", r.output)
        r = p.run("--intraday", "--once", "--task", "Daily A")
        self.assertRc(r, 2)
        self.assertIn("'Daily A' is a daily task; use --daily --task 'Daily A'", r.output)
        self.assertEqual(p.nothing_written(), [])


class Refusals(PipelineTestCase):
    def test_a_yaml_merge_key_says_merge_keys_are_unsupported(self):
        p = self.p
        job = p.script("job.sh", "true\n")
        p.write_raw(f"""timezone: America/New_York
daily_schedule:
  - &base
    name: Job
    script: {job}
  - <<: *base
    name: Job Two
""")
        r = p.run("--validate")
        self.assertRc(r, 2)
        self.assertIn("pipeline.yaml:6:", r.output)
        self.assertIn("merge keys", r.output)
        self.assertNotIn("unknown key '<<'", r.output)

    def test_a_newer_database_is_refused_without_being_touched(self):
        p = self.p
        job = p.script("job.sh", "true\n")
        p.write_config([{"name": "Job", "script": job}])
        os.makedirs(os.path.dirname(p.db_path))
        conn = sqlite3.connect(p.db_path)
        conn.execute("CREATE TABLE future (x)")
        conn.execute("PRAGMA user_version = 999")
        conn.commit()
        conn.close()
        with open(p.db_path, "rb") as f:
            before = f.read()
        r = p.daily()
        self.assertRc(r, 74)
        self.assertIn("newer", r.output)
        with open(p.db_path, "rb") as f:
            self.assertEqual(f.read(), before)  # still journal_mode=delete: not switched to WAL
        self.assertFalse(os.path.exists(p.db_path + "-wal"))

    def test_a_pipeline_from_a_pipe_has_no_folder_for_relative_paths(self):
        p = self.p
        job = p.script("job.sh", "pwd > \"$ORCHESTRATOR_DB.cwd\"\n")
        name = "orch-test-" + uuid.uuid4().hex[:8]
        self.addCleanup(shutil.rmtree, os.path.join("/dev", name), True)
        relative = f"timezone: America/New_York\ndatabase: {name}/p.db\nlog_dir: {name}/logs\n" \
                   f"daily_schedule:\n  - name: Job\n    script: {p.path(job)}\n"
        r = subprocess.run([BIN, "-c", "/dev/stdin", "--daily", "--no-wait"], input=relative.encode(),
                           cwd=p.root, env=p.env(), capture_output=True, timeout=60)
        out = (r.stdout + r.stderr).decode()
        self.assertEqual(r.returncode, 2, out)
        self.assertIn("/dev/stdin:3:", out)
        self.assertIn("relative path", out)
        self.assertFalse(os.path.exists(os.path.join("/dev", name)))
        # absolute paths work, and tasks run in the current folder
        absolute = f"timezone: America/New_York\ndatabase: {p.path('abs.db')}\nlog_dir: {p.path('logs')}\n" \
                   f"daily_schedule:\n  - name: Job\n    script: {p.path(job)}\n"
        r = subprocess.run([BIN, "-c", "/dev/stdin", "--daily", "--no-wait"], input=absolute.encode(),
                           cwd=p.root, env=p.env(), capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0, (r.stdout + r.stderr).decode())
        self.assertEqual(p.read("abs.db.cwd").strip(), os.path.realpath(p.root))
        # no database: or log_dir: at all: there is no folder for the defaults either
        bare = f"timezone: America/New_York\ndaily_schedule:\n  - name: Job\n    script: {p.path(job)}\n"
        r = subprocess.run([BIN, "-c", "/dev/stdin", "--db", p.path("x.db"), "--daily", "--no-wait"],
                           input=bare.encode(), cwd=p.root, env=p.env(), capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 2, r)
        self.assertIn(b"log_dir is required", r.stdout + r.stderr)


if __name__ == "__main__":
    unittest.main()
