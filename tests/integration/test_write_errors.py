"""Every mode that prints a result checks that it reached its reader: a write error on
stdout (a full disk, /dev/full) is a message and exit 74, never a success (exit 0) or an
abort; a reader that closed the pipe ends the run quietly, as it would a Unix tool (141)."""

import os
import subprocess
import unittest

from harness import PipelineTestCase, write_pipeline

NOW = "2026-11-20T10:00:00-05:00"


class StdoutWriteErrors(PipelineTestCase):
    def setUp(self):
        super().setUp()
        script = self.p.script("a.sh", "stamp run\n")
        write_pipeline(self.p, daily=[{"name": "Daily A", "script": script, "time": "09:30"}],
                       intraday=[{"name": "Price Data", "script": script, "interval_minutes": 1}])

    MODES = (
        ("--print-units", "systemd"),
        ("--validate", "--json"),
        ("--validate",),
        ("--health", "--json"),
        ("--calendar", "2026"),
        ("--calendar", "2026", "--json"),
        ("--market-status", "--json"),
        ("--daily", "--dry-run"),
        ("--intraday", "--once", "--dry-run"),
    )

    def _run_to(self, stdout, args):
        proc = subprocess.run(self.p.argv("--now", NOW, *args), cwd=self.p.root, env=self.p.env(),
                              stdin=subprocess.DEVNULL, stdout=stdout, stderr=subprocess.PIPE,
                              timeout=60)
        return proc.returncode, proc.stderr.decode(errors="replace")

    def test_a_full_disk_is_exit_74_with_a_message_in_every_mode(self):
        if not os.path.exists("/dev/full"):
            self.skipTest("no /dev/full")
        for args in self.MODES:
            with self.subTest(args=args):
                with open("/dev/full", "w") as full:
                    rc, err = self._run_to(full, args)
                self.assertEqual(rc, 74, err)
                self.assertIn("cannot write the output", err)
                self.assertRegex(err, "No space left on device|disk full")
                self.assertNotIn("terminate called", err)

    def test_a_closed_pipe_is_a_quiet_141_never_an_abort(self):
        for args in self.MODES:
            with self.subTest(args=args):
                read_end, write_end = os.pipe()
                os.close(read_end)
                try:
                    rc, err = self._run_to(write_end, args)
                finally:
                    os.close(write_end)
                self.assertEqual(rc, 141, err)
                self.assertNotIn("terminate called", err)
                self.assertNotIn("cannot write", err)

    def test_written_output_is_still_exit_0(self):
        r = self.p.run("--now", NOW, "--print-units", "systemd")
        self.assertRc(r, 0)
        self.assertIn("[Timer]", r.stdout)
        r = self.p.run("--now", NOW, "--validate", "--json")
        self.assertRc(r, 0)
        self.assertIn('"ok": true', r.stdout)


if __name__ == "__main__":
    unittest.main()
