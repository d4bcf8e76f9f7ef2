"""Configuration refusals through the binary, and --validate (--json)."""

import json
import os
import re
import unittest

from harness import PipelineTestCase

HEADER = 'timezone: "America/New_York"\nkill_grace_seconds: 1\n'


class ConfigRefusals(PipelineTestCase):

    def setUp(self):
        super().setUp()
        self.ok = self.p.script("ok.sh", "stamp start\n")

    def refuse(self, yaml_text, *expect, line=None):
        """Both --validate and --daily must exit 2, write nothing and say why."""
        p = self.p
        p.write_raw(yaml_text)
        for mode in (["--validate"], ["--daily", "--no-wait"]):
            r = p.run(*mode)
            self.assertRc(r, 2)
            out = r.output
            if line is not None:
                self.assertIn(f"pipeline.yaml:{line}:", out, f"{mode}: no file:line in\n{out}")
            for text in expect:
                self.assertIn(text, out, f"{mode}: {text!r} missing in\n{out}")
            self.assertEqual(p.stamps(), {}, "a task ran despite a bad config")
            self.assertNothingWritten(r)
        return r

    def test_unknown_key_with_suggestion(self):
        r = self.refuse(HEADER + (
            "daily_schedule:\n"
            "  - name: Alpha\n"
            f"    script: {self.ok}\n"
            '    time: "09:30:00"\n'
            "    max_runtime_secs: 10\n"          # line 7
        ), "Alpha", "max_runtime_secs", "max_runtime_seconds", line=7)

    def test_unknown_top_level_key_with_suggestion(self):
        self.refuse(HEADER + "max_paralel: 2\n" + (
            "daily_schedule:\n"
            "  - name: Alpha\n"
            f"    script: {self.ok}\n"
            '    time: "09:30:00"\n'
        ), "max_paralel", "max_parallel", line=3)

    def test_cycle_is_named(self):
        r = self.refuse(HEADER + (
            "daily_schedule:\n"
            "  - name: A\n"
            f"    script: {self.ok}\n"
            '    time: "09:30:00"\n'
            "    dependencies: [B]\n"
            "  - name: B\n"
            f"    script: {self.ok}\n"
            '    time: "09:30:00"\n'
            "    dependencies: [A]\n"
        ))
        self.assertTrue("A -> B -> A" in r.output or "B -> A -> B" in r.output, r)
        self.assertRegex(r.output, r"pipeline\.yaml:\d+:.*'(A|B)'")

    def test_cycle_reported_before_tier_rules(self):
        r = self.refuse(HEADER + (
            "daily_schedule:\n"
            "  - name: A\n"
            f"    script: {self.ok}\n"
            '    time: "09:30:00"\n'
            "    tier: 0\n"
            "    dependencies: [B]\n"
            "  - name: B\n"
            f"    script: {self.ok}\n"
            '    time: "09:30:00"\n'
            "    tier: 1\n"
            "    dependencies: [A]\n"
        ))
        m = re.search(r"(A -> B -> A|B -> A -> B)", r.output)
        self.assertIsNotNone(m, r)
        # the first problem reported is the cycle, not a tier complaint about it
        first = [l for l in r.stderr.splitlines() if "pipeline.yaml:" in l][0]
        self.assertIn("cycle", first, r)

    def test_dependency_on_same_tier_task(self):
        self.refuse(HEADER + (
            "daily_schedule:\n"
            "  - name: First\n"
            f"    script: {self.ok}\n"
            '    time: "09:30:00"\n'
            "    tier: 0\n"
            "  - name: Second\n"
            f"    script: {self.ok}\n"
            '    time: "09:30:00"\n'
            "    tier: 0\n"
            "    dependencies: [First]\n"          # line 12
        ), "Second", "First", line=12)

    def test_dependency_on_higher_tier_task(self):
        r = self.refuse(HEADER + (
            "daily_schedule:\n"
            "  - name: Low\n"
            f"    script: {self.ok}\n"
            '    time: "09:30:00"\n'
            "    tier: 0\n"
            "    dependencies: [High]\n"
            "  - name: High\n"
            f"    script: {self.ok}\n"
            '    time: "09:30:00"\n'
            "    tier: 2\n"
        ), "Low", "High")
        self.assertRegex(r.output, r"pipeline\.yaml:\d+:")

    def test_bad_time_zone(self):
        self.refuse('timezone: "Mars/Olympus_Mons"\n' + (
            "daily_schedule:\n"
            "  - name: Alpha\n"
            f"    script: {self.ok}\n"
            '    time: "09:30:00"\n'
        ), "Mars/Olympus_Mons", line=1)

    def test_more_refusals_name_file_line_and_task(self):
        cases = [
            # (name, task block lines, expected texts, expected line)
            ("unknown dependency", ["    dependencies: [Nope]"], ["Nope"], 7),
            ("zero runtime", ["    max_runtime_seconds: 0"], ["max_runtime_seconds"], 7),
            ("negative runtime", ["    max_runtime_seconds: -5"], ["max_runtime_seconds"], 7),
        ]
        for name, extra, expect, line in cases:
            with self.subTest(name):
                text = HEADER + (
                    "daily_schedule:\n"
                    "  - name: Alpha\n"
                    f"    script: {self.ok}\n"
                    '    time: "09:30:00"\n'
                ) + "\n".join(extra) + "\n"
                self.refuse(text, "Alpha", *expect, line=line)

    def test_bad_time_value(self):
        self.refuse(HEADER + (
            "daily_schedule:\n"
            "  - name: Alpha\n"
            f"    script: {self.ok}\n"
            '    time: "25:61:00"\n'               # line 6
        ), "Alpha", "25:61:00", line=6)

    def test_duplicate_names(self):
        self.refuse(HEADER + (
            "daily_schedule:\n"
            "  - name: Alpha\n"
            f"    script: {self.ok}\n"
            '    time: "09:30:00"\n'
            "  - name: Alpha\n"                    # line 7
            f"    script: {self.ok}\n"
            '    time: "09:30:00"\n'
        ), "Alpha", line=7)

    def test_missing_script_key(self):
        self.refuse(HEADER + (
            "daily_schedule:\n"
            "  - name: Alpha\n"
            '    time: "09:30:00"\n'
        ), "Alpha", "script")

    def test_yaml_syntax_error(self):
        self.refuse(HEADER + (
            "daily_schedule:\n"
            "  - name: Alpha\n"
            f"    script: {self.ok}\n"
            '    time: "09:30:00\n'               # unterminated string
            "    tier: [0\n"
        ))
        self.assertRegex(self.p.run("--validate").output, r"pipeline\.yaml:\d+")

    def test_missing_config_file(self):
        r = self.p.run("-c", self.p.path("nope.yaml"), "--daily", config=False)
        self.assertRc(r, 2)
        self.assertIn("nope.yaml", r.output)
        self.assertNothingWritten(r)

    def test_all_problems_reported_at_once(self):
        r = self.refuse(HEADER + (
            "daily_schedule:\n"
            "  - name: Alpha\n"
            f"    script: {self.ok}\n"
            '    time: "09:30:00"\n'
            "    max_runtime_secs: 10\n"          # line 7
            "  - name: Beta\n"
            f"    script: {self.ok}\n"
            '    time: "09:30:00"\n'
            "    dependncies: []\n"               # line 11
        ), line=7)
        self.assertIn("pipeline.yaml:11:", r.output)


class Usage(PipelineTestCase):

    def setUp(self):
        super().setUp()
        ok = self.p.script("ok.sh", "stamp start\n")
        self.p.write_config([{"name": "Alpha", "script": ok}])

    def test_usage_errors_exit_2_and_write_nothing(self):
        cases = [
            [],                                   # no mode
            ["--daily", "--validate"],            # two modes
            ["--daily", "--bogus-option"],
            ["--daily", "-j", "abc"],
            ["--now", "2026-11-20T10:00:00", "--daily"],   # no UTC offset
            ["--now", "yesterday", "--daily"],
        ]
        for args in cases:
            with self.subTest(args=args):
                r = self.p.run(*args)
                self.assertRc(r, 2)
                self.assertNotEqual(r.stderr.strip(), "")
                self.assertEqual(self.p.stamps(), {})
                self.assertNothingWritten(r)

    def test_jobs_zero_message_is_sane(self):
        r = self.p.run("--daily", "-j", "0")
        self.assertRc(r, 2)
        self.assertIn("--jobs", r.stderr)
        # CLI11's default says "Value 0 not in range 0.000000 to 1797693134862...":
        # it puts 0 inside the range it rejects, with a 300-digit bound.
        self.assertNotIn("179769313486", r.stderr, r.stderr)
        self.assertLess(len(r.stderr.splitlines()[0]), 200, r.stderr)
        self.assertNothingWritten(r)

    def test_version_and_help(self):
        r = self.p.run("--version", config=False)
        self.assertRc(r, 0)
        self.assertRegex(r.stdout + r.stderr, r"\d+\.\d+\.\d+")
        r = self.p.run("--help", config=False)
        self.assertRc(r, 0)
        self.assertIn("--daily", r.stdout)
        self.assertNothingWritten(r)


class Validate(PipelineTestCase):

    def write_diamond(self):
        """Alpha -> Beta -> Delta <- Gamma: tiers 0 (Alpha, Gamma), 1 (Beta), 2 (Delta)."""
        ok = self.p.script("ok.sh", "stamp start\n")
        self.p.write_config([
            {"name": "Alpha", "script": ok},
            {"name": "Beta", "script": ok, "dependencies": ["Alpha"]},
            {"name": "Gamma", "script": ok},
            {"name": "Delta", "script": ok, "dependencies": ["Beta", "Gamma"]},
        ])

    def test_validate_prints_tiers(self):
        p = self.p
        self.write_diamond()
        r = p.run("--validate")
        self.assertRc(r, 0)
        self.assertIn("Alpha", r.stdout)
        self.assertLess(r.stdout.index("Beta"), r.stdout.index("Delta"))
        self.assertNothingWritten(r)

    def test_validate_json(self):
        p = self.p
        self.write_diamond()
        r = p.run("--validate", "--json")
        self.assertRc(r, 0)
        doc = json.loads(r.stdout)
        for key in ("ok", "errors", "warnings", "tiers", "intraday_tiers"):
            self.assertIn(key, doc)
        self.assertIs(doc["ok"], True)
        self.assertEqual(doc["errors"], [])
        self.assertIsInstance(doc["warnings"], list)
        self.assertEqual([sorted(t) for t in doc["tiers"]], [["Alpha", "Gamma"], ["Beta"], ["Delta"]])
        self.assertEqual(doc["intraday_tiers"], [])
        self.assertNothingWritten(r)

    def test_validate_json_intraday_tiers_and_cross_schedule_dependency(self):
        p = self.p
        ok = p.script("ok.sh", "stamp start\n")
        p.write_raw(HEADER + (
            "daily_schedule:\n"
            "  - name: Daily A\n"
            f"    script: {ok}\n"
            '    time: "09:30:00"\n'
            "intraday_schedule:\n"
            "  - name: Intra A\n"
            f"    script: {ok}\n"
            "    interval_minutes: 1\n"
            "  - name: Intra B\n"
            f"    script: {ok}\n"
            "    interval_seconds: 5\n"
            "    dependencies: [Intra A]\n"
        ))
        r = p.run("--validate", "--json")
        self.assertRc(r, 0)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["tiers"], [["Daily A"]])
        self.assertEqual(doc["intraday_tiers"], [["Intra A"], ["Intra B"]])
        # a daily task depending on an intraday one is refused
        with open(p.config_path) as f:
            text = f.read()
        p.write_raw(text.replace('    time: "09:30:00"\n', '    time: "09:30:00"\n    dependencies: [Intra B]\n', 1))
        r = p.run("--validate", "--json")
        self.assertRc(r, 2)
        doc = json.loads(r.stdout)
        self.assertIs(doc["ok"], False)
        self.assertTrue(any("Daily A" in e and "Intra B" in e and "pipeline.yaml:7:" in e
                            for e in doc["errors"]), doc)

    def test_validate_json_with_errors(self):
        p = self.p
        ok = p.script("ok.sh", "stamp start\n")
        p.write_config([
            {"name": "Alpha", "script": ok},
            {"name": "Ghost", "script": "scripts/ghost.sh"},
            {"name": "Beta", "script": ok, "dependencies": ["Alpah"]},
        ])
        r = p.run("--validate", "--json")
        self.assertRc(r, 2)
        doc = json.loads(r.stdout)
        self.assertIs(doc["ok"], False)
        self.assertEqual(len(doc["errors"]), 2, doc)
        joined = "\n".join(doc["errors"])
        self.assertIn("ghost.sh", joined)
        self.assertIn("Ghost", joined)
        self.assertIn("Alpah", joined)
        self.assertIn("Alpha", joined.replace("Alpah", ""))  # suggestion
        for e in doc["errors"]:
            self.assertRegex(e, r"pipeline\.yaml:\d+:")
        self.assertNothingWritten(r)


if __name__ == "__main__":
    unittest.main()
