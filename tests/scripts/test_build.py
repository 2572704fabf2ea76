"""Unit tests for scripts/cf/build.py: the ctest and unittest summaries `test` reads, and the
package check `setup` makes (dpkg-query and apt-get faked).

Run from the repo root: python3 -m unittest discover -s tests/scripts -v
"""

import contextlib
import io
import subprocess
import unittest
from unittest import mock

import support  # noqa: F401  (puts scripts/ on sys.path)
from cf import build, common


class CtestSummaryTest(unittest.TestCase):
    def test_all_passed(self):
        text = "...\n100% tests passed, 0 tests failed out of 12\n\nTotal Test time (real) = 1.2 sec\n"
        self.assertEqual(build.parse_ctest_summary(text), (12, 0, 12))

    def test_some_failed(self):
        text = "83% tests passed, 2 tests failed out of 12\n\nThe following tests FAILED:\n"
        self.assertEqual(build.parse_ctest_summary(text), (10, 2, 12))

    def test_no_summary(self):
        self.assertIsNone(build.parse_ctest_summary("No tests were found!!!\n"))

    def test_last_summary_wins(self):
        text = "100% tests passed, 0 tests failed out of 1\n0% tests passed, 3 tests failed out of 3\n"
        self.assertEqual(build.parse_ctest_summary(text), (0, 3, 3))


class UnittestSummaryTest(unittest.TestCase):
    def test_ok(self):
        self.assertEqual(build.parse_unittest_summary("....\nRan 4 tests in 0.010s\n\nOK\n"), (4, 0, 4))

    def test_failed(self):
        text = "Ran 6 tests in 0.2s\n\nFAILED (failures=1, errors=2, skipped=1)\n"
        self.assertEqual(build.parse_unittest_summary(text), (2, 3, 6))

    def test_garbage(self):
        self.assertIsNone(build.parse_unittest_summary("Traceback (most recent call last):\n"))


def fake_dpkg(installed):
    """A subprocess.run stand-in answering dpkg-query as if only `installed` were installed."""
    def run(cmd, **kwargs):
        assert cmd[:2] == ["dpkg-query", "-W"], cmd
        if cmd[-1] in installed:
            return subprocess.CompletedProcess(cmd, 0, "install ok installed", "")
        if cmd[-1] == "afl++":
            return subprocess.CompletedProcess(cmd, 0, "deinstall ok config-files", "")
        return subprocess.CompletedProcess(cmd, 1, "", f"dpkg-query: no packages found matching {cmd[-1]}\n")
    return run


class SetupTest(unittest.TestCase):
    def test_missing_packages_detected(self):
        installed = set(build.PACKAGES) - {"afl++", "libcli11-dev"}
        with mock.patch.object(build.subprocess, "run", fake_dpkg(installed)):
            self.assertEqual(build.missing_packages(), ["libcli11-dev", "afl++"])

    def test_all_present_is_a_no_op(self):
        out = io.StringIO()
        with mock.patch.object(build.subprocess, "run", fake_dpkg(set(build.PACKAGES))), \
             mock.patch.object(common.subprocess, "Popen", side_effect=AssertionError("ran a command")), \
             contextlib.redirect_stdout(out):
            build.setup()
        self.assertEqual(out.getvalue(), f"setup: all {len(build.PACKAGES)} packages present\n")

    def test_missing_without_root_exits_2_with_command(self):
        installed = set(build.PACKAGES) - {"afl++"}
        with mock.patch.object(build.subprocess, "run", fake_dpkg(installed)), \
             mock.patch.object(common.subprocess, "Popen", side_effect=AssertionError("ran a command")), \
             mock.patch.object(build.os, "geteuid", return_value=1000):
            with self.assertRaises(common.DriverError) as caught:
                build.setup()
        self.assertEqual(caught.exception.exit_code, 2)
        self.assertIn("apt-get install -y --no-install-recommends afl++", str(caught.exception))

    def test_missing_as_root_runs_apt_get(self):
        installed = set(build.PACKAGES) - {"afl++"}
        commands = []

        def streamed(cmd, env=None, log=None):
            commands.append((cmd, env.get("DEBIAN_FRONTEND")))
            return 0, []
        with mock.patch.object(build.subprocess, "run", fake_dpkg(installed)), \
             mock.patch.object(common, "run_streamed", streamed), \
             mock.patch.object(build, "verify_tools", lambda: None), \
             mock.patch.object(build.os, "geteuid", return_value=0), \
             contextlib.redirect_stdout(io.StringIO()):
            build.setup()
        self.assertEqual(commands, [
            (["apt-get", "update"], "noninteractive"),
            (["apt-get", "install", "-y", "--no-install-recommends", "afl++"], "noninteractive")])


class BuildPresetTest(unittest.TestCase):
    def test_canary_builds_in_its_own_tree(self):
        commands = []
        with mock.patch.object(common, "run_checked", lambda cmd, what, env=None, log=None: commands.append(cmd)):
            where = build.build_preset("asan", canary="ctor_extent")
        self.assertEqual(where, common.ROOT / "build" / "asan-canary-ctor_extent")
        self.assertEqual(commands, [["cmake", "--preset", "asan", "-B", str(where), "-DCF_CANARY=ctor_extent"],
                                    ["cmake", "--build", str(where)]])

    def test_no_build_reuses_the_tree(self):
        with mock.patch.object(common, "run_checked", side_effect=AssertionError("built")):
            self.assertEqual(build.build_or_reuse("fuzz", True), common.ROOT / "build" / "fuzz")


if __name__ == "__main__":
    unittest.main()
