"""Unit tests for scripts/compactfuzz, the driver: its parsers, checks, report and setup logic.

Run from the repo root: python3 -m unittest discover -s tests/scripts -v
"""

import contextlib
import copy
import importlib.machinery
import importlib.util
import io
import json
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[2]


def load_driver():
    """Import scripts/compactfuzz (no .py suffix) as a module."""
    loader = importlib.machinery.SourceFileLoader("compactfuzz", str(ROOT / "scripts" / "compactfuzz"))
    spec = importlib.util.spec_from_loader("compactfuzz", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


cf = load_driver()

ROW = {
    "file": "owner__repo/build__lib__Main.olean", "repo": "owner/repo", "commit": "abc",
    "original_path": "build/lib/Main.olean", "lean_toolchain": "-", "header_version": "2",
    "flags": "1", "version_string": "4.28.0", "base_addr_hex": "0x29023b9e0000",
    "size_bytes": "26280", "sha256": "00", "githash": "7e01",
}
ENTRY = {
    "file": ROW["file"], "format": "v2", "version_string": "4.28.0", "base_addr": "0x29023b9e0000",
    "file_size": 26280, "data_start": 88, "objects": 695,
    "objects_per_kind": {"array": 12, "string": 228, "ctor": 455},
    "bytes_per_kind": {"array": 1632, "string": 11280, "ctor": 13272},
    "root": {"offset": 26224, "kind": "ctor"}, "max_depth": 15,
}


def regiontool_json(entry=ENTRY):
    """What regiontool inspect --json prints for a file matching entry (all ten kinds listed)."""
    info = copy.deepcopy(entry)
    info["status"] = "ok"
    for table in ("objects_per_kind", "bytes_per_kind"):
        info[table] = {k: entry[table].get(k, 0) for k in cf.KINDS}
    info["root"] = dict(entry["root"], tag=0) if "offset" in entry["root"] else dict(entry["root"])
    return info


def failed_checks(checks):
    """Names of the checks that failed."""
    return [c["check"] for c in checks if not c["ok"]]


class CtestSummaryTest(unittest.TestCase):
    def test_all_passed(self):
        text = "...\n100% tests passed, 0 tests failed out of 12\n\nTotal Test time (real) = 1.2 sec\n"
        self.assertEqual(cf.parse_ctest_summary(text), (12, 0, 12))

    def test_some_failed(self):
        text = "83% tests passed, 2 tests failed out of 12\n\nThe following tests FAILED:\n"
        self.assertEqual(cf.parse_ctest_summary(text), (10, 2, 12))

    def test_no_summary(self):
        self.assertIsNone(cf.parse_ctest_summary("No tests were found!!!\n"))

    def test_last_summary_wins(self):
        text = "100% tests passed, 0 tests failed out of 1\n0% tests passed, 3 tests failed out of 3\n"
        self.assertEqual(cf.parse_ctest_summary(text), (0, 3, 3))


class UnittestSummaryTest(unittest.TestCase):
    def test_ok(self):
        self.assertEqual(cf.parse_unittest_summary("....\nRan 4 tests in 0.010s\n\nOK\n"), (4, 0, 4))

    def test_failed(self):
        text = "Ran 6 tests in 0.2s\n\nFAILED (failures=1, errors=2, skipped=1)\n"
        self.assertEqual(cf.parse_unittest_summary(text), (2, 3, 6))

    def test_garbage(self):
        self.assertIsNone(cf.parse_unittest_summary("Traceback (most recent call last):\n"))


class FormatMappingTest(unittest.TestCase):
    def test_known_versions(self):
        cases = {"0-oleanfile": "v0", "1": "v1", "2": "v2", "3": "v3"}
        for header_version, fmt in cases.items():
            with self.subTest(header_version=header_version):
                self.assertEqual(cf.manifest_format(header_version), fmt)

    def test_unknown_version_never_matches(self):
        self.assertNotIn(cf.manifest_format("9"), ("v0", "v1", "v2", "v3"))


class ComparisonTest(unittest.TestCase):
    def test_matching_file_passes(self):
        checks = cf.inspect_checks(ROW, ENTRY, regiontool_json())
        self.assertEqual(failed_checks(checks), [])
        self.assertEqual(cf.file_result(ROW["file"], checks)["status"], "pass")

    def test_wrong_object_count_fails(self):
        info = regiontool_json()
        info["objects"] = 694
        info["objects_per_kind"]["ctor"] = 454
        checks = cf.inspect_checks(ROW, ENTRY, info)
        self.assertEqual(failed_checks(checks), ["objects", "objects_per_kind.ctor"])
        self.assertEqual(cf.file_result(ROW["file"], checks)["status"], "fail")

    def test_manifest_mismatches_fail(self):
        info = regiontool_json()
        info.update(format="v1", version_string="4.29.0", base_addr="0x29023b9f0000", file_size=1)
        checks = cf.inspect_checks(ROW, ENTRY, info)
        self.assertEqual(failed_checks(checks), ["format", "version_string", "base_addr", "file_size"])

    def test_base_addr_compared_as_integer(self):
        info = regiontool_json()
        info["base_addr"] = "0x000029023B9E0000"
        self.assertEqual(failed_checks(cf.inspect_checks(ROW, ENTRY, info)), [])

    def test_dash_version_string_means_empty(self):
        row = dict(ROW, header_version="1", version_string="-")
        info = regiontool_json(dict(ENTRY, format="v1", version_string=""))
        self.assertEqual(failed_checks(cf.inspect_checks(row, ENTRY, info)), [])

    def test_kind_missing_from_expected_is_zero(self):
        info = regiontool_json()
        info["objects_per_kind"]["mpz"] = 1
        self.assertEqual(failed_checks(cf.inspect_checks(ROW, ENTRY, info)), ["objects_per_kind.mpz"])

    def test_zero_kinds_are_not_reported(self):
        names = [c["check"] for c in cf.inspect_checks(ROW, ENTRY, regiontool_json())]
        self.assertIn("objects_per_kind.ctor", names)
        self.assertNotIn("objects_per_kind.thunk", names)

    def test_root_outside(self):
        entry = dict(ENTRY, root={"outside": True})
        info = regiontool_json(entry)
        info["root"] = {"outside": True, "address": "0x1234"}
        self.assertEqual(failed_checks(cf.inspect_checks(ROW, entry, info)), [])
        info["root"] = {"offset": 88, "kind": "ctor"}
        self.assertEqual(failed_checks(cf.inspect_checks(ROW, entry, info)), ["root"])

    def test_root_offset_mismatch_fails(self):
        info = regiontool_json()
        info["root"] = {"offset": 26216, "kind": "ctor"}
        self.assertEqual(failed_checks(cf.inspect_checks(ROW, ENTRY, info)), ["root"])

    def test_rejected_file_fails_with_error(self):
        info = {"file": ROW["file"], "status": "rejected", "format": "v2",
                "error": {"class": "truncated", "offset": 40, "message": "file ends at 40"}}
        checks = cf.inspect_checks(ROW, ENTRY, info)
        result = cf.file_result(ROW["file"], checks, cf.describe_error(info))
        self.assertEqual(result["status"], "fail")
        self.assertIn("status", failed_checks(checks))
        self.assertIn("truncated at offset 40", result["error"])
        per_kind = [c for c in checks if "_per_kind." in c["check"]]
        self.assertEqual(len(per_kind), 6)  # the six non-zero kinds of ENTRY, none of the zeros
        self.assertTrue(all(c["actual"] is None for c in per_kind))

    def test_missing_expected_entry_fails(self):
        self.assertIn("expected_entry", failed_checks(cf.inspect_checks(ROW, None, regiontool_json())))

    def test_integrity_checks(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "f.olean"
            path.write_bytes(b"abc")
            good = dict(ROW, sha256="ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
            self.assertEqual(failed_checks(cf.integrity_checks(path, good)), [])
            self.assertEqual(failed_checks(cf.integrity_checks(path, ROW)), ["sha256"])
            self.assertEqual(failed_checks(cf.integrity_checks(path.with_name("gone"), ROW)), ["exists"])

    def test_batches_respect_limit(self):
        paths = [f"p{i:03d}" for i in range(10)]
        split = cf.batches(paths, limit=12)
        self.assertEqual([p for b in split for p in b], paths)
        self.assertTrue(all(len(" ".join(b)) <= 12 for b in split))
        self.assertEqual(cf.batches([]), [])


def fake_regiontool(tmp, body):
    """Write an executable fake regiontool running `body` (Python) and return its path."""
    path = Path(tmp) / "regiontool"
    path.write_text(f"#!{sys.executable}\nimport json, sys\n{body}\n")
    path.chmod(0o755)
    return path


# A fake that answers from EXPECTED.json, as a correct regiontool would.
ECHO_EXPECTED = """
expected = {e["file"]: e for e in json.load(open("corpus/real/EXPECTED.json"))}
out = [dict(expected[p[len("corpus/real/"):]], status="ok") for p in sys.argv[3:]]
print(json.dumps(out[0] if len(out) == 1 else out))
"""


class ConformanceTest(unittest.TestCase):
    def run_quietly(self, regiontool):
        """run_conformance with its progress output swallowed."""
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            return cf.run_conformance(regiontool)

    def test_correct_regiontool_passes_whole_corpus(self):
        with tempfile.TemporaryDirectory() as tmp:
            conformance, error = self.run_quietly(fake_regiontool(tmp, ECHO_EXPECTED))
        self.assertIsNone(error)
        self.assertEqual(conformance["files"], len(cf.read_manifest()))
        self.assertEqual(conformance["failed"], 0, [r for r in conformance["results"] if r["status"] != "pass"])

    def test_usage_exit_is_stage_error(self):
        body = "sys.stderr.write('regiontool: cannot open x\\n'); sys.exit(2)"
        with tempfile.TemporaryDirectory() as tmp:
            conformance, error = self.run_quietly(fake_regiontool(tmp, body))
        self.assertIn("cannot open x", error)
        self.assertEqual(conformance["passed"], 0)

    def test_unparsable_output_is_stage_error(self):
        with tempfile.TemporaryDirectory() as tmp:
            _, error = self.run_quietly(fake_regiontool(tmp, "print('not json')"))
        self.assertIn("not JSON", error)


class LoaderStageTest(unittest.TestCase):
    def run_quietly(self, regiontool, run_dir):
        """run_loader with its progress output swallowed."""
        inputs = cf.load_inputs(cf.read_manifest())
        sample = [inputs[0], inputs[-1]]  # one single file and one chain keep the test fast
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            return cf.run_loader(regiontool, run_dir, sample)

    def test_inputs_are_single_files_and_chains(self):
        inputs = cf.load_inputs(cf.read_manifest())
        self.assertEqual(sum(1 for i in inputs if len(i) == 1), 28)
        self.assertEqual(sum(1 for i in inputs if len(i) == 3), 4)

    def test_equal_dumps_pass(self):
        body = "out = sys.argv[sys.argv.index('-o') + 1] if '-o' in sys.argv else None\n" \
               "if out: open(out, 'w').write('same')"
        with tempfile.TemporaryDirectory() as tmp:
            extra = self.run_quietly(fake_regiontool(tmp, body), Path(tmp))
        self.assertEqual(extra["failed"], 0)

    def test_differing_dumps_fail(self):
        body = "out = sys.argv[sys.argv.index('-o') + 1] if '-o' in sys.argv else None\n" \
               "if out: open(out, 'w').write(sys.argv[sys.argv.index('--path') + 1])"
        with tempfile.TemporaryDirectory() as tmp:
            with self.assertRaises(cf.DriverError) as ctx:
                self.run_quietly(fake_regiontool(tmp, body), Path(tmp))
        self.assertIn("dumps differ", str(ctx.exception))

    def test_rejection_fails(self):
        with tempfile.TemporaryDirectory() as tmp:
            with self.assertRaises(cf.DriverError) as ctx:
                self.run_quietly(fake_regiontool(tmp, "sys.stderr.write('x: truncated'); sys.exit(1)"), Path(tmp))
        self.assertIn("exit 1", str(ctx.exception))


class RoundtripStageTest(unittest.TestCase):
    def run_quietly(self, regiontool):
        """run_roundtrip on one single file and one chain, progress output swallowed."""
        inputs = cf.load_inputs(cf.read_manifest())
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            return cf.run_roundtrip(regiontool, [inputs[0], inputs[-1]])

    def test_identical_passes_and_chains_get_the_flag(self):
        body = "assert sys.argv[1] == 'roundtrip'\n" \
               "sys.exit(0 if ('--chain' in sys.argv) == (len(sys.argv) > 4) else 3)"
        with tempfile.TemporaryDirectory() as tmp:
            extra = self.run_quietly(fake_regiontool(tmp, body))
        self.assertEqual(extra, {"inputs": 2, "failed": 0})

    def test_a_difference_fails_the_stage_with_its_message(self):
        body = "print('differs at offset 0x60'); sys.exit(1)"
        with tempfile.TemporaryDirectory() as tmp:
            with self.assertRaises(cf.DriverError) as ctx:
                self.run_quietly(fake_regiontool(tmp, body))
        self.assertIn("2 reproduction failures", str(ctx.exception))
        self.assertIn("differs at offset 0x60", str(ctx.exception))


def sample_report(failing):
    """A report with two files, the second failing when `failing` is set."""
    good = cf.file_result("a__b/<Good>.olean", cf.inspect_checks(ROW, ENTRY, regiontool_json()))
    info = regiontool_json()
    info["max_depth"] = 16 if failing else 15
    other = cf.file_result("a__b/Other|pipe.olean", cf.inspect_checks(ROW, ENTRY, info))
    conformance = cf.summarise_conformance([good, other])
    status = "fail" if failing else "pass"
    stages = [{"name": "build", "status": "pass", "duration_s": 1.0},
              {"name": "conformance", "status": status, "duration_s": 0.5}]
    t = cf.utc_now()
    return cf.make_report(t, t, "release", stages, conformance)


class ReportTest(unittest.TestCase):
    def write(self, report):
        """Write report into a fresh temp run dir; return that dir."""
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        return cf.write_reports(report, Path(tmp.name) / "20261124T181500Z")

    def test_files_written_and_json_loads(self):
        run_dir = self.write(sample_report(failing=False))
        for name in ("report.json", "report.md", "report.html"):
            self.assertTrue((run_dir / name).is_file(), name)
        report = json.loads((run_dir / "report.json").read_text())
        self.assertEqual(report["schema"], "compactfuzz-nightly/1")
        self.assertEqual(report["verdict"], "pass")
        self.assertEqual(report["conformance"]["passed"], 2)
        self.assertEqual(os.readlink(run_dir.parent / "latest"), run_dir.name)

    def test_failed_check_gives_fail_verdict(self):
        run_dir = self.write(sample_report(failing=True))
        report = json.loads((run_dir / "report.json").read_text())
        self.assertEqual(report["verdict"], "fail")
        self.assertEqual(report["conformance"]["failed"], 1)
        md = (run_dir / "report.md").read_text()
        self.assertIn("**Verdict: FAIL**", md)
        self.assertIn("| max_depth | 15 | 16 |", md)
        self.assertIn("Other\\|pipe", md)

    def test_html_is_escaped(self):
        html_text = (self.write(sample_report(failing=True)) / "report.html").read_text()
        self.assertIn("&lt;Good&gt;", html_text)
        self.assertNotIn("<Good>", html_text)

    def test_no_conformance_stage_is_fail(self):
        t = cf.utc_now()
        report = cf.make_report(t, t, "release", [{"name": "build", "status": "pass", "duration_s": 0}],
                                cf.summarise_conformance([]))
        self.assertEqual(report["verdict"], "fail")

    def test_latest_moves_to_newest_run(self):
        first = self.write(sample_report(failing=False))
        second = cf.write_reports(sample_report(failing=True), first.parent / "20261125T000000Z")
        self.assertEqual(os.readlink(first.parent / "latest"), second.name)


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
        installed = set(cf.PACKAGES) - {"afl++", "libcli11-dev"}
        with mock.patch.object(cf.subprocess, "run", fake_dpkg(installed)):
            self.assertEqual(cf.missing_packages(), ["libcli11-dev", "afl++"])

    def test_all_present_is_a_no_op(self):
        out = io.StringIO()
        with mock.patch.object(cf.subprocess, "run", fake_dpkg(set(cf.PACKAGES))), \
             mock.patch.object(cf.subprocess, "Popen", side_effect=AssertionError("ran a command")), \
             contextlib.redirect_stdout(out):
            cf.setup()
        self.assertEqual(out.getvalue(), f"setup: all {len(cf.PACKAGES)} packages present\n")

    def test_missing_without_root_exits_2_with_command(self):
        installed = set(cf.PACKAGES) - {"afl++"}
        with mock.patch.object(cf.subprocess, "run", fake_dpkg(installed)), \
             mock.patch.object(cf.subprocess, "Popen", side_effect=AssertionError("ran a command")), \
             mock.patch.object(cf.os, "geteuid", return_value=1000):
            with self.assertRaises(cf.DriverError) as caught:
                cf.setup()
        self.assertEqual(caught.exception.exit_code, 2)
        self.assertIn("apt-get install -y --no-install-recommends afl++", str(caught.exception))

    def test_missing_as_root_runs_apt_get(self):
        installed = set(cf.PACKAGES) - {"afl++"}
        commands = []
        def streamed(cmd, env=None, log=None):
            commands.append((cmd, env.get("DEBIAN_FRONTEND")))
            return 0, []
        with mock.patch.object(cf.subprocess, "run", fake_dpkg(installed)), \
             mock.patch.object(cf, "run_streamed", streamed), \
             mock.patch.object(cf, "verify_tools", lambda: None), \
             mock.patch.object(cf.os, "geteuid", return_value=0), \
             contextlib.redirect_stdout(io.StringIO()):
            cf.setup()
        self.assertEqual(commands, [
            (["apt-get", "update"], "noninteractive"),
            (["apt-get", "install", "-y", "--no-install-recommends", "afl++"], "noninteractive")])


class CommandLineTest(unittest.TestCase):
    def test_every_subcommand_parses(self):
        for argv in (["setup"], ["build", "--preset", "asan", "--no-setup"],
                     ["test", "--presets", "dev"], ["nightly", "--out", "x", "--no-setup"]):
            with self.subTest(argv=argv):
                self.assertIn(cf.parse_args(argv).command, cf.SUBCOMMANDS)

    def test_unknown_test_preset_is_usage_error(self):
        with self.assertRaises(cf.DriverError) as caught:
            cf.cmd_test(cf.parse_args(["test", "--presets", "dev,nope", "--no-setup"]))
        self.assertEqual(caught.exception.exit_code, 2)


if __name__ == "__main__":
    unittest.main()
