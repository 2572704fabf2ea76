"""Unit tests for scripts/cf/common.py: option parsing, output directories, the one sanitizer
environment, process groups, the per-target corpus files and the one MANIFEST reader.

Run from the repo root: python3 -m unittest discover -s tests/scripts -v
"""

import os
import subprocess
import time
import unittest
from pathlib import Path
from unittest import mock

import support
from cf import common


class DurationTest(unittest.TestCase):
    def test_units(self):
        for text, seconds in (("90s", 90), ("5m", 300), ("1h", 3600), ("300", 300),
                              ("1h30m", 5400), (" 2M ", 120), ("1.5m", 90)):
            with self.subTest(text=text):
                self.assertEqual(common.parse_duration(text), seconds)

    def test_bad_values_are_usage_errors(self):
        for text in ("", "5x", "m", "0", "0s", "-5", "5 m", "1d"):
            with self.subTest(text=text), self.assertRaises(common.DriverError) as caught:
                common.parse_duration(text)
            self.assertEqual(caught.exception.exit_code, 2)


class TargetsTest(unittest.TestCase):
    def test_default_is_every_target(self):
        self.assertEqual(common.parse_targets(""), list(common.FUZZ_TARGETS))

    def test_list(self):
        self.assertEqual(common.parse_targets("fuzz_load, fuzz_io"), ["fuzz_load", "fuzz_io"])

    def test_unknown_is_usage_error(self):
        with self.assertRaises(common.DriverError) as caught:
            common.parse_targets("fuzz_load,fuzz_nope")
        self.assertEqual(caught.exception.exit_code, 2)
        self.assertIn("fuzz_nope", str(caught.exception))

    def test_every_target_has_a_harness_and_corpus_files(self):
        for target in common.FUZZ_TARGETS:
            with self.subTest(target=target):
                self.assertTrue((common.ROOT / "harness" / f"{target}.cc").is_file())
                files = common.target_files(target)
                self.assertTrue(files["options"].is_file())
                self.assertTrue(files["dict"].is_file())


class BatchesTest(unittest.TestCase):
    def test_batches_respect_limit(self):
        paths = [f"p{i:03d}" for i in range(10)]
        split = common.batches(paths, limit=12)
        self.assertEqual([p for b in split for p in b], paths)
        self.assertTrue(all(len(" ".join(b)) <= 12 for b in split))
        self.assertEqual(common.batches([]), [])


class OptionsTest(support.TempDirTest):
    def test_not_ini_is_an_error(self):
        path = self.tmpdir() / "bad.options"
        path.write_text("max_len = 1\n")
        with self.assertRaises(common.DriverError):
            common.read_options(path)


class SanitizerEnvTest(unittest.TestCase):
    def test_project_options_replace_the_environment(self):
        env = common.sanitizer_env(base={"ASAN_OPTIONS": "abort_on_error=0", "PATH": "/bin"})
        self.assertEqual(env["ASAN_OPTIONS"], "symbolize=1:abort_on_error=1:detect_leaks=1")
        self.assertEqual(env["UBSAN_OPTIONS"], "print_stacktrace=1:halt_on_error=1")
        self.assertEqual(env["PATH"], "/bin")
        if common.symbolizer_path():
            self.assertIn("llvm-symbolizer", env["ASAN_SYMBOLIZER_PATH"])

    def test_extra_options_go_to_both(self):
        env = common.sanitizer_env("dedup_token_length=3", base={})
        self.assertTrue(env["ASAN_OPTIONS"].endswith(":dedup_token_length=3"))
        self.assertTrue(env["UBSAN_OPTIONS"].endswith(":dedup_token_length=3"))


class DirectoriesTest(support.TempDirTest):
    def test_fresh_dir_never_reuses(self):
        root = self.tmpdir()
        first = common.fresh_dir(root, "20261124T181500Z")
        second = common.fresh_dir(root, "20261124T181500Z")
        self.assertEqual((first.name, second.name), ("20261124T181500Z", "20261124T181500Z-1"))

    def test_latest_points_at_the_newest(self):
        root = self.tmpdir()
        common.update_latest(common.fresh_dir(root, "a"))
        common.update_latest(common.fresh_dir(root, "b"))
        self.assertEqual(os.readlink(root / "latest"), "b")

    def test_rel_and_repo_path(self):
        self.assertEqual(common.rel(common.ROOT / "corpus" / "real"), "corpus/real")
        self.assertEqual(common.rel("/"), "/")
        self.assertEqual(common.repo_path("out/x"), common.ROOT / "out" / "x")
        self.assertEqual(common.repo_path("/tmp/x"), Path("/tmp/x"))


class ManifestTest(unittest.TestCase):
    def test_inputs_are_single_files_and_chains(self):
        inputs = common.load_inputs(common.read_manifest())
        self.assertEqual(sum(1 for i in inputs if len(i) == 1), 28)
        self.assertEqual(sum(1 for i in inputs if len(i) == 3), 4)
        for chain in (i for i in inputs if len(i) == 3):
            self.assertTrue(chain[0].endswith(".olean"))
            self.assertTrue(chain[1].endswith(".olean.server"))
            self.assertTrue(chain[2].endswith(".olean.private"))

    def test_every_manifest_file_has_an_expected_entry(self):
        rows, expected = common.read_manifest(), common.read_expected()
        self.assertEqual(sorted(r["file"] for r in rows), sorted(expected))


class ProcessGroupTest(unittest.TestCase):
    def test_stop_group_kills_grandchildren(self):
        proc = common.start_group(["sh", "-c", "sleep 60 & echo $!; wait"], stdout=subprocess.PIPE,
                                  text=True)
        grandchild = int(proc.stdout.readline())
        common.stop_group(proc, grace=1.0)
        self.assertIsNotNone(proc.poll())
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                state = Path(f"/proc/{grandchild}/stat").read_text().split(") ")[1][0]
            except (FileNotFoundError, IndexError):
                state = "gone"
            if state in ("gone", "Z"):
                break
            time.sleep(0.05)
        self.assertIn(state, ("gone", "Z"))
        proc.stdout.close()

    def test_run_captured_times_out_with_none(self):
        rc, out = common.run_captured(["sh", "-c", "echo started; sleep 30"], timeout=0.5, env={})
        self.assertIsNone(rc)
        self.assertIn("started", out)

    def test_run_captured_default_env_is_the_sanitizer_env(self):
        with mock.patch.dict(os.environ, {"ASAN_OPTIONS": "x=1"}):
            rc, out = common.run_captured(["sh", "-c", "echo $ASAN_OPTIONS"])
        self.assertEqual((rc, out.strip()), (0, "symbolize=1:abort_on_error=1:detect_leaks=1"))


if __name__ == "__main__":
    unittest.main()
