"""The cache of a large pipeline file (.<name>.cache beside it): a start on the same bytes
gives the same result as a parse, and every doubt falls back to parsing with the same result:
the file changed, the cache is truncated or corrupt, it was written by another version, or
the folder is read-only."""

import os
import shutil
import struct
import subprocess
import unittest

from harness import PipelineTestCase

MASK = (1 << 64) - 1


def checksum(data):
    """The cache's checksum (src/config/config_cache.cpp), to forge an intact cache."""
    h = (0x243F6A8885A308D3 ^ len(data)) & MASK
    n8 = len(data) // 8 * 8
    for (w,) in struct.iter_unpack("<Q", data[:n8]):
        h = ((h ^ w) * 0x9E3779B97F4A7C15) & MASK
        h ^= h >> 29
    for b in data[n8:]:
        h = ((h ^ b) * 0x100000001B3) & MASK
    h ^= h >> 32
    return (h * 0xD6E8FEB86659FD93) & MASK


class ConfigCacheTest(PipelineTestCase):
    TASKS = 700  # about 90 kB of YAML: above the 64 KiB from which files are cached

    def setUp(self):
        super().setUp()
        self.cache = self.p.path(".pipeline.yaml.cache")
        self.p.script("ok.sh", "exit 0")

    def write(self, tasks=TASKS, edit=None):
        lines = ["timezone: America/New_York", "log_dir: logs",
                 "freshness_thresholds:", "  green: {nobody_writes_this: 60}",
                 "daily_schedule:"]
        for i in range(tasks):
            lines += [f'  - name: "Task {i:04d}"', "    script: scripts/ok.sh",
                      f'    args: ["--part", "{i}"]', "    max_runtime_seconds: 600",
                      f"    data_source: source_{i % 20}"]
            if i >= 10:
                lines.append(f'    dependencies: ["Task {i - 10:04d}", "Task {i // 2:04d}"]'
                             if i // 2 != i - 10 else f'    dependencies: ["Task {i - 10:04d}"]')
        text = "\n".join(lines) + "\n"
        if edit:
            text = edit(text)
        self.p.write_raw(text)
        self.assertEqual(len(text) > 64 * 1024, tasks == self.TASKS)

    def read_cache(self):
        with open(self.cache, "rb") as f:
            return f.read()

    def validate(self, *extra):
        r = self.p.run("--validate", *extra)
        return (r.returncode, r.stdout, r.stderr)

    def cold(self, *extra):
        """What a parse without any cache gives (the cache it writes is removed again)."""
        saved = self.cache + ".saved"
        if os.path.exists(self.cache):
            os.replace(self.cache, saved)
        try:
            return self.validate(*extra)
        finally:
            if os.path.exists(saved):
                os.replace(saved, self.cache)
            elif os.path.exists(self.cache):
                os.remove(self.cache)

    def test_second_start_uses_the_cache_and_says_the_same(self):
        self.write()
        first = self.validate()
        self.assertEqual(first[0], 0, first)
        self.assertIn("freshness threshold", first[2] + first[1])  # the warning
        self.assertTrue(os.path.isfile(self.cache))
        stamp = os.stat(self.cache).st_mtime_ns
        self.assertEqual(self.validate(), first)
        self.assertEqual(self.validate("--json"), self.cold("--json"))
        self.assertEqual(os.stat(self.cache).st_mtime_ns, stamp)  # read, not rewritten
        # Not readable by more people than the pipeline file.
        self.assertEqual(os.stat(self.cache).st_mode & 0o777,
                         os.stat(self.p.config_path).st_mode & 0o666)
        # The run modes load through it too, with the same plan.
        warm = self.p.run("--daily", "--dry-run", "--no-wait", "--now", "2026-11-20T10:00:00-05:00")
        os.remove(self.cache)
        cold = self.p.run("--daily", "--dry-run", "--no-wait", "--now", "2026-11-20T10:00:00-05:00")
        self.assertEqual((warm.returncode, warm.stdout), (cold.returncode, cold.stdout))

    def test_small_files_are_not_cached(self):
        self.write(tasks=20)
        self.assertEqual(self.validate()[0], 0)
        self.assertFalse(os.path.exists(self.cache))

    def test_a_changed_file_is_parsed_again(self):
        self.write()
        self.assertEqual(self.validate()[0], 0)
        # Same length, one byte different: a runtime limit.
        self.write(edit=lambda t: t.replace("max_runtime_seconds: 600", "max_runtime_seconds: 900", 1))
        self.assertEqual(self.validate("--json"), self.cold("--json"))
        # An edit that breaks the file is reported, whatever the cache holds.
        self.write(edit=lambda t: t.replace('["Task 0000"', '["Task 9999"', 1))
        changed = self.validate()
        self.assertEqual(changed[0], 2, changed)
        self.assertIn("Task 9999", changed[1] + changed[2])
        self.assertEqual(changed, self.cold())
        # A script that went missing since the cache was written is reported too.
        self.write()
        self.assertEqual(self.validate()[0], 0)
        os.remove(self.p.path("scripts", "ok.sh"))
        gone = self.validate()
        self.assertEqual(gone[0], 2, gone)
        self.assertIn("does not exist", gone[1] + gone[2])
        self.assertEqual(gone, self.cold())

    def test_truncated_and_corrupt_caches_fall_back(self):
        self.write()
        reference = self.validate()
        full = self.read_cache()
        for damaged in (full[: len(full) // 2], full[:-1], b"",
                        full[: len(full) * 3 // 4] + bytes([full[len(full) * 3 // 4] ^ 0x41])
                        + full[len(full) * 3 // 4 + 1:]):
            with open(self.cache, "wb") as f:
                f.write(damaged)
            self.assertEqual(self.validate(), reference)
            self.assertEqual(self.read_cache(), full)  # written again, whole

    def test_a_cache_of_another_version_or_format_falls_back(self):
        self.write()
        reference = self.validate()
        full = self.read_cache()
        (id_len,) = struct.unpack_from("<Q", full, 9)
        identity = full[17:17 + id_len]
        self.assertRegex(identity.decode(), r"^[0-9a-f]+ \S+$")  # build id and version

        def forged(body):  # intact (right checksum), so only the key can refuse it
            body = body[:-8]
            return body + struct.pack("<Q", checksum(body))

        other_build = full[:17] + bytes([identity[0] ^ 1]) + full[18:]
        other_version = full[:17 + id_len - 1] + b"9" + full[17 + id_len:]
        other_format = full[:8] + bytes([full[8] + 1]) + full[9:]
        for cache in (other_build, other_version, other_format):
            with open(self.cache, "wb") as f:
                f.write(forged(cache))
            self.assertEqual(self.validate(), reference)
            self.assertEqual(self.read_cache(), full)

    def test_a_cache_for_another_path_is_not_used(self):
        self.write()
        self.assertEqual(self.validate()[0], 0)
        # A copy of the folder elsewhere: relative paths resolve there, not in the original.
        other = self.p.path("copy")
        os.makedirs(os.path.join(other, "scripts"))
        shutil.copy(self.p.config_path, other)
        shutil.copy(self.cache, other)
        proc = subprocess.run([self.p.argv()[0], "-c", os.path.join(other, "pipeline.yaml"),
                               "--validate"], cwd=other, env=self.p.env(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.assertEqual(proc.returncode, 2)  # its scripts/ok.sh does not exist
        self.assertIn(os.path.join(other, "scripts", "ok.sh"), proc.stdout.decode() + proc.stderr.decode())

    def test_a_read_only_folder_parses_every_time(self):
        self.write()
        reference = self.cold()
        self.make_read_only(self.p.root)
        self.assertEqual(self.validate(), reference)
        self.assertEqual(self.validate("--json"), self.cold_json_reference)
        self.assertFalse(os.path.exists(self.cache))
        self.assertEqual([n for n in os.listdir(self.p.root) if n.endswith(".tmp")], [])

    def make_read_only(self, folder):
        self.cold_json_reference = self.cold("--json")
        if os.geteuid() != 0:
            os.chmod(folder, 0o555)
            self.addCleanup(os.chmod, folder, 0o755)
            return
        # root ignores permission bits: the immutable attribute stops it (ext4, xfs, btrfs).
        if shutil.which("chattr") is None or subprocess.run(
                ["chattr", "+i", folder], stderr=subprocess.DEVNULL).returncode != 0:
            self.skipTest("cannot make a folder read-only for root here (no chattr +i)")
        self.addCleanup(subprocess.run, ["chattr", "-i", folder])


if __name__ == "__main__":
    unittest.main()
