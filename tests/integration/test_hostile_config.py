"""Hostile pipeline files (RELIABILITY.md, "Bad input"), table-driven.

Each case is given to the real binary as -c FILE, for --validate and for --daily: it must
exit 2 with a diagnostic naming the file, in bounded time and memory, never crash (no
signal, no sanitizer report), never write anything. The libFuzzer targets in tests/fuzz/
explore the same loader with generated inputs.
"""

import os
import subprocess
import time
import unittest

from harness import BIN, PipelineTestCase, sanitized_binary

MAX_SECONDS = 10  # x3 for a sanitized build (see below)
# peak RSS of the orchestrator; a sanitized build carries shadow memory of its own
MAX_RSS_MB = 150


def deep_flow(levels):
    return "daily_schedule: " + "[" * levels + "]" * levels + "\n"


def deep_flow_maps(levels):
    return "daily_schedule:\n  - name: A\n    script: a.sh\n    env: " + \
        "{a: " * levels + "1" + "}" * levels + "\n"


def billion_laughs(levels=12):
    # each level 10 aliases of the one before: 10^12 nodes if anything expanded them
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]")
    top = f"*a{levels - 1}"
    lines += [
        "daily_schedule:",
        f"  - name: A\n    script: a.sh\n    args: {top}\n    env: {{K: {top}}}\n"
        f"    dependencies: {top}\n    time: {top}\n    max_runtime_seconds: {top}",
        f"  - {top}",
        f"intraday_schedule: {top}",
        f"market_hours: {{extra_closures: {top}, extra_early_closes: {top}}}",
        f"freshness_thresholds: {{green: {top}, yellow: {top}}}",
        f"retry_policy: {{max_attempts: {top}, backoff_seconds: {top}}}",
        f"on_failure: {{command: {top}}}",
    ]
    return "\n".join(lines) + "\n"


def merge_key_bomb(levels=12):
    lines = ["b0: &b0 {k0: 1, k1: 1, k2: 1}"]
    for i in range(1, levels):
        lines.append(f"b{i}: &b{i} {{<<: [" + ",".join([f"*b{i - 1}"] * 10) + "]}")
    lines.append(f"daily_schedule:\n  - <<: *b{levels - 1}\n    name: A\n    script: a.sh")
    return "\n".join(lines) + "\n"


HUGE_NUMBERS = """\
max_parallel: 99999999999999999999
kill_grace_seconds: 1e400
retry_policy: {max_attempts: -99999999999999999999, backoff_seconds: [9223372036854775807, .nan, .inf, -1e400]}
daily_schedule:
  - name: A
    script: a.sh
    max_runtime_seconds: 18446744073709551616
    tier: 99999999999999999999
intraday_schedule:
  - name: B
    script: a.sh
    interval_minutes: 9223372036854775807
freshness_thresholds:
  green: {price_data: 1e400}
"""

NON_UTF8 = (b"timezone: \"\xff\xfeAmerica/New_York\x80\"\n"
            b"daily_schedule:\n"
            b"  - name: \"Bad \xc3\x28 Name\"\n"
            b"    script: \"a\xe2\x82.sh\"\n"
            b"    \xfe\xff: 1\n"
            b"    env: {\"\xed\xa0\x80\": \"\xf4\x90\x80\x80\"}\n")

TEN_MB = 10 * 1024 * 1024


def _write_cases(folder):
    """{case name: path}; every path refused with exit 2."""
    cases = {}

    def put(name, data):
        path = os.path.join(folder, name + ".yaml")
        mode = "wb" if isinstance(data, bytes) else "w"
        with open(path, mode) as f:
            f.write(data)
        cases[name] = path

    put("empty", "")
    put("only_whitespace", "\n\n   \n\t\n")
    put("only_comments_10mb", "# padding\n" * (TEN_MB // 10))
    put("ten_mb_task_name", "daily_schedule:\n  - name: \"" + "N" * TEN_MB + "\"\n    script: a.sh\n")
    put("ten_mb_value_in_a_list", "daily_schedule:\n  - name: A\n    script: a.sh\n"
        "    args: [\"" + "x" * TEN_MB + "\"]\n    bogus: 1\n")
    put("over_16_mib", "#" * (17 * 1024 * 1024) + "\n")
    put("deep_nesting_10000_seqs", deep_flow(10_000))
    put("deep_nesting_10000_maps", deep_flow_maps(10_000))
    put("billion_laughs", billion_laughs())
    put("merge_key_bomb", merge_key_bomb())
    put("non_utf8", NON_UTF8)
    put("nul_bytes", b"daily_schedule:\n  - name: A\x00B\n    script: a\x00.sh\n")
    put("huge_numbers", HUGE_NUMBERS)
    put("scalar_document", "just a string\n")
    put("list_document", "- a\n- b\n")
    put("null_document", "~\n")
    put("many_documents", "a: 1\n---\nb: 2\n")
    put("unterminated_quote", 'daily_schedule:\n  - name: "A\n    script: a.sh\n')
    put("tab_indentation", "daily_schedule:\n\t- name: A\n\t  script: a.sh\n")
    put("duplicate_keys", "timezone: UTC\ntimezone: UTC\ndaily_schedule: []\n")
    put("binary_garbage", bytes(range(256)) * 64)
    put("unknown_tag", "daily_schedule: !!python/object:os.system [\"touch pwned\"]\n")
    dir_case = os.path.join(folder, "a_directory")
    os.makedirs(dir_case)
    cases["a_directory"] = dir_case
    cases["dev_zero"] = "/dev/zero"
    cases["missing"] = os.path.join(folder, "does_not_exist.yaml")
    return cases


class HostileConfig(PipelineTestCase):

    def test_every_hostile_file_is_refused_cleanly(self):
        folder = self.p.path("hostile")
        os.makedirs(folder)
        cases = _write_cases(folder)
        max_rss = MAX_RSS_MB * (4 if sanitized_binary() else 1)
        max_seconds = MAX_SECONDS * (3 if sanitized_binary() else 1)
        for name, path in sorted(cases.items()):
            for mode_args in (["--validate"], ["--daily", "--no-wait"]):
                with self.subTest(case=name, mode=mode_args[0]):
                    rc, out, err, elapsed, peak_kb = self._run_measured(path, mode_args)
                    self.assertEqual(rc, 2, f"{name}: rc {rc}\n{err[-2000:]}")
                    self.assertLess(elapsed, max_seconds, f"{name}: took {elapsed:.1f}s")
                    self.assertLess(peak_kb, max_rss * 1024, f"{name}: peak RSS {peak_kb} kB")
                    self.assertIn(path, err, f"{name}: the message does not name the file")
                    self.assertNotIn("Sanitizer", err)
                    self.assertNotIn("runtime error", err)
                    # a diagnostic quotes values shortened, never the 10 MB
                    self.assertLess(len(err), 64 * 1024, f"{name}: {len(err)} bytes of errors")
                    self.assertEqual(self.p.nothing_written(), [], name)
        self.assertFalse(os.path.exists(self.p.path("pwned")))

    def _run_measured(self, config, mode_args):
        argv = [BIN, "-c", config] + mode_args
        start = time.monotonic()
        out_path, err_path = self.p.path("out.txt"), self.p.path("err.txt")
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            proc = subprocess.Popen(argv, cwd=self.p.root, env=self.p.env(),
                                    stdin=subprocess.DEVNULL, stdout=out, stderr=err)
            deadline = start + 60
            while True:
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid == proc.pid:
                    break
                if time.monotonic() > deadline:
                    proc.kill()
                    os.wait4(proc.pid, 0)
                    self.fail(f"{config}: no answer in 60 s")
                time.sleep(0.005)
            proc.returncode = os.waitstatus_to_exitcode(status)
        elapsed = time.monotonic() - start
        with open(out_path, "rb") as f:
            out_text = f.read().decode(errors="replace")
        with open(err_path, "rb") as f:
            err_text = f.read().decode(errors="replace")
        os.remove(out_path)
        os.remove(err_path)
        return proc.returncode, out_text, err_text, elapsed, usage.ru_maxrss

    def test_validate_json_of_a_hostile_file_is_one_json_object(self):
        import json
        path = self.p.path("bomb.yaml")
        with open(path, "w") as f:
            f.write(billion_laughs())
        rc, out, err, _, _ = self._run_measured(path, ["--validate", "--json"])
        self.assertEqual(rc, 2, err)
        doc = json.loads(out)
        self.assertFalse(doc["ok"])
        self.assertTrue(doc["errors"])


if __name__ == "__main__":
    unittest.main()
