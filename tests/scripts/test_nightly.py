"""Unit tests for scripts/cf/nightly.py: the `nightly` command with every stage body mocked
(order, stops, verdict, Ctrl-C), and the stage bodies themselves against fake binaries that
speak the real interfaces: `regiontool check --json` (loader, negative), `regiontool roundtrip`,
and libFuzzer builds (regression, crashes).

Run from the repo root: python3 -m unittest discover -s tests/scripts -v
"""

import contextlib
import io
import json
import os
import signal
import subprocess
import unittest
from pathlib import Path
from unittest import mock

import support
from cf import common, conformance, negative, nightly

ENTRY = support.load_entry()
ROOT = support.ROOT

# A fake `regiontool check --json` (the contract of docs/regiontool.md): one unit per call, the
# verdicts chosen by the environment: CF_FAKE_FINDING names an input whose path_differential
# is a finding; CF_FAKE_NEGATIVE is the negative_table outcome when --expect is given.
FAKE_CHECK = """
import os
args = sys.argv[1:]
assert args[:2] == ["check", "--json"], args
expect = args[args.index("--expect") + 1] if "--expect" in args else None
files = [a for a in args[2:] if not a.startswith("--") and a != expect]
log = os.environ.get("CF_FAKE_LOG")
if log:
    open(log, "a").write(json.dumps(args) + "\\n")
assert ("--chain" in args) == (len(files) > 1), args
finding = os.environ.get("CF_FAKE_FINDING", "\\0") in files[-1]
verdicts = [{"oracle": "path_differential", "title": "path differential",
             "outcome": "finding" if finding else "holds", "reason": "dumps differ" if finding else ""},
            {"oracle": "idempotence", "title": "idempotence", "outcome": "not_applicable", "reason": "rejected"}]
if expect:
    verdicts.append({"oracle": "negative_table", "title": "negative table",
                     "outcome": os.environ.get("CF_FAKE_NEGATIVE", "holds"), "reason": expect})
code = 1 if any(v["outcome"] == "finding" for v in verdicts) else 0
print(json.dumps({"input": files[-1], "files": files, "verdicts": verdicts, "exit": code}))
sys.exit(code)
"""


def quietly(fn, *args):
    """fn(*args) with its progress output swallowed."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return fn(*args)


class LoaderStageTest(support.TempDirTest):
    def sample(self):
        """One single file and one chain of corpus/real keep the test fast."""
        inputs = common.load_inputs(common.read_manifest())
        return [inputs[0], inputs[-1]]

    def test_every_verdict_holds_and_counts_are_reported(self):
        tool = support.fake_regiontool(self.tmpdir(), FAKE_CHECK)
        extra = quietly(nightly.run_loader, tool, self.sample())
        self.assertEqual((extra["inputs"], extra["failed"]), (2, 0))
        self.assertEqual(extra["verdicts"], {
            "path_differential": {"holds": 2, "finding": 0, "not_applicable": 0},
            "idempotence": {"holds": 0, "finding": 0, "not_applicable": 2}})

    def test_the_chain_is_one_unit_in_order(self):
        tmp = self.tmpdir()
        tool = support.fake_regiontool(tmp, FAKE_CHECK)
        with mock.patch.dict(os.environ, {"CF_FAKE_LOG": str(tmp / "calls")}):
            quietly(nightly.run_loader, tool, self.sample())
        calls = [json.loads(line) for line in (tmp / "calls").read_text().splitlines()]
        self.assertEqual(calls[0], ["check", "--json", self.sample()[0][0]])
        self.assertEqual(calls[1], ["check", "--json", "--chain", *self.sample()[1]])

    def test_a_finding_fails_the_stage_with_its_reason_and_counts(self):
        tool = support.fake_regiontool(self.tmpdir(), FAKE_CHECK)
        chain_name = Path(self.sample()[1][-1]).name
        with mock.patch.dict(os.environ, {"CF_FAKE_FINDING": chain_name}):
            with self.assertRaises(nightly.StageFailed) as caught:
                quietly(nightly.run_loader, tool, self.sample())
        self.assertIn(f"1 of 2 inputs fail a check: {chain_name}: exit 1; "
                      "path_differential: finding - dumps differ", str(caught.exception))
        self.assertEqual(caught.exception.extra["verdicts"]["path_differential"],
                         {"holds": 1, "finding": 1, "not_applicable": 0})

    def test_a_regiontool_without_json_fails(self):
        tool = support.fake_regiontool(self.tmpdir(), "print('--json: not expected', file=sys.stderr); sys.exit(2)")
        with self.assertRaises(common.DriverError) as caught:
            quietly(nightly.run_loader, tool, self.sample())
        self.assertIn("exit 2: --json: not expected", str(caught.exception))

    def test_failed_stage_keeps_its_counts_in_the_report(self):
        def action():
            raise nightly.StageFailed("1 of 2 inputs fail", {"inputs": 2, "failed": 1})
        stages = []
        self.assertFalse(quietly(nightly.run_stage, stages, "loader", action))
        self.assertEqual({k: stages[0][k] for k in ("status", "inputs", "failed", "error")},
                         {"status": "fail", "inputs": 2, "failed": 1, "error": "1 of 2 inputs fail"})


class NegativeStageTest(support.TempDirTest):
    def sample(self):
        """Two single-file rows and the two dep_overlap chains."""
        cases = negative.read_table()
        return cases[:2] + [c for c in cases if c.cls == "dep_overlap"]

    def test_each_row_is_checked_against_its_expectation(self):
        tmp = self.tmpdir()
        tool = support.fake_regiontool(tmp, FAKE_CHECK)
        with mock.patch.dict(os.environ, {"CF_FAKE_LOG": str(tmp / "calls")}):
            extra = quietly(nightly.run_negative, tool, self.sample())
        self.assertEqual((extra["rows"], extra["failed"]), (4, 0))
        self.assertEqual(extra["verdicts"]["negative_table"], {"holds": 4, "finding": 0, "not_applicable": 0})
        calls = [json.loads(line) for line in (tmp / "calls").read_text().splitlines()]
        self.assertEqual(calls[0], ["check", "--json", "corpus/negative/truncated/empty.bin",
                                    "--expect", "truncated@0"])
        self.assertEqual(calls[2], ["check", "--json", "--chain",
                                    *(f"corpus/negative/dep_overlap/own_data_in_dep/{p}"
                                      for p in ("part0.olean", "part1.olean.server")),
                                    "--expect", "dep_overlap@80"])

    def test_a_negative_table_that_does_not_hold_fails(self):
        tool = support.fake_regiontool(self.tmpdir(), FAKE_CHECK)
        for outcome in ("finding", "not_applicable"):
            with self.subTest(outcome=outcome), mock.patch.dict(os.environ, {"CF_FAKE_NEGATIVE": outcome}):
                with self.assertRaises(nightly.StageFailed) as caught:
                    quietly(nightly.run_negative, tool, self.sample())
                self.assertIn("4 of 4 negative rows fail", str(caught.exception))
                self.assertIn("negative_table", str(caught.exception))

    def test_an_empty_table_fails(self):
        tool = support.fake_regiontool(self.tmpdir(), FAKE_CHECK)
        with self.assertRaises(common.DriverError):
            quietly(nightly.run_negative, tool, [])


class RealRegiontoolTest(unittest.TestCase):
    """The loader and negative stages with the real regiontool, once it speaks `check --json`."""

    @classmethod
    def setUpClass(cls):
        cls.tool = negative.default_regiontool()
        if not cls.tool.is_file():
            raise unittest.SkipTest(f"no regiontool at {cls.tool} (build it, or set CF_REGIONTOOL)")
        help_text = subprocess.run([str(cls.tool), "check", "--help"], capture_output=True, text=True).stdout
        if "--json" not in help_text:
            raise unittest.SkipTest(f"{cls.tool} has no `check --json` yet")

    def test_loader_stage_passes_on_corpus_real(self):
        extra = quietly(nightly.run_loader, self.tool)
        self.assertEqual((extra["inputs"], extra["failed"]), (32, 0))
        self.assertEqual(extra["verdicts"]["path_differential"]["holds"], 32)

    def test_negative_stage_passes_on_the_table(self):
        extra = quietly(nightly.run_negative, self.tool)
        self.assertEqual(extra["failed"], 0)
        self.assertEqual(extra["verdicts"]["negative_table"]["holds"], extra["rows"])


class RoundtripStageTest(support.TempDirTest):
    def run_quietly(self, tool):
        """run_roundtrip on one single file and one chain."""
        inputs = common.load_inputs(common.read_manifest())
        return quietly(nightly.run_roundtrip, tool, [inputs[0], inputs[-1]])

    def test_identical_passes_and_chains_get_the_flag(self):
        body = "assert sys.argv[1] == 'roundtrip'\n" \
               "sys.exit(0 if ('--chain' in sys.argv) == (len(sys.argv) > 4) else 3)"
        extra = self.run_quietly(support.fake_regiontool(self.tmpdir(), body))
        self.assertEqual(extra, {"inputs": 2, "failed": 0})

    def test_a_difference_fails_the_stage_with_its_message(self):
        body = "print('differs at offset 0x60'); sys.exit(1)"
        with self.assertRaises(common.DriverError) as ctx:
            self.run_quietly(support.fake_regiontool(self.tmpdir(), body))
        self.assertIn("2 reproduction failures", str(ctx.exception))
        self.assertIn("differs at offset 0x60", str(ctx.exception))




class FuzzStagesTest(support.TempDirTest):
    def test_regression_stage_hands_failing_files_to_the_crashes_stage(self):
        tmp = self.tmpdir()
        root = tmp / "corpus"
        for d, name, data in (("regressions/fuzz_io", "r1", b"ok"), ("fuzz_io", "s1", b"BAD"), ("real", "x", b"ok")):
            (root / d).mkdir(parents=True, exist_ok=True)
            (root / d / name).write_bytes(data)
        support.script(tmp / "build" / "bin" / "fuzz_io", support.FAKE_LIBFUZZER_FILES)
        findings = []
        with mock.patch.object(common, "build_dir", lambda preset, canary=None: tmp / "build"):
            with self.assertRaises(nightly.StageFailed) as caught:
                quietly(nightly.regression_stage, ["fuzz_io"], root, findings)
        self.assertEqual(caught.exception.extra, {"inputs": 3, "failed": 1})
        self.assertEqual([(f["target"], Path(f["artifact"]).name) for f in findings], [("fuzz_io", "s1")])

    def test_crashes_stage_dedups_and_fails(self):
        tmp = self.tmpdir()
        build = tmp / "build"
        support.script(build / "bin" / "fuzz_load", f"""
            import sys
            data = open(sys.argv[-1], "rb").read()
            if data.startswith(b"ok"):
                sys.exit(0)
            print("{ROOT}/core/x.cc:3: CF_CHECK(a == b) failed: " + data.decode())
            sys.exit(1)
            """)
        crashes_dir = tmp / "run" / "crashes"
        crashes_dir.mkdir(parents=True)
        for name, data in (("crash-1", b"x"), ("crash-2", b"y"), ("crash-3", b"ok")):
            (crashes_dir / name).write_bytes(data)
        rows = [{"target": "fuzz_load", "crash_files": [str(crashes_dir / n) for n in
                                                        ("crash-1", "crash-2", "crash-3")]}]
        holder = {}
        with mock.patch.object(common, "build_dir", lambda preset, canary=None: build):
            with self.assertRaises(common.DriverError) as caught:
                quietly(nightly.crashes_stage, rows, [], tmp / "run", tmp / "corpus", holder)
        self.assertIn("2 unique crashes from 3 artifacts", str(caught.exception))
        kinds = sorted((u["kind"], u["count"]) for u in holder["unique"])
        self.assertEqual(kinds, [("CF_CHECK", 2), ("no-repro", 1)])
        check = next(u for u in holder["unique"] if u["kind"] == "CF_CHECK")
        self.assertEqual(check["frames"], ["core/x.cc:3 CF_CHECK(a == b)"])
        self.assertRegex(check["token"], r"^[0-9a-f]{8}$")
        self.assertTrue((tmp / "run" / "crashes" / f"{check['token']}.txt").is_file())
        self.assertEqual(rows[0]["crashes_unique"], 2)

    def test_a_run_that_could_not_fuzz_fails_the_fuzz_stage(self):
        fuzz = {"targets": ["fuzz_io"], "engines": ["libfuzzer"], "budget_s": 10, "jobs": 1, "runs": []}
        with mock.patch.object(common, "build_dir", lambda preset, canary=None: self.tmpdir()):
            with self.assertRaises(nightly.StageFailed) as caught:
                quietly(nightly.fuzz_stage, fuzz, self.tmpdir(), self.tmpdir())
        self.assertIn("fuzz_io/libfuzzer", str(caught.exception))
        self.assertEqual(fuzz["runs"][0]["crashes_total"], 0)
        self.assertEqual(caught.exception.extra["runs"], 1)


class NightlyTest(support.TempDirTest):
    """cmd_nightly with every stage body mocked."""

    def run_nightly(self, extra_args=(), fuzz_patches=None, check_patches=None):
        out = self.tmpdir() / "nightly"
        args = ENTRY.parse_args(["nightly", "--no-setup", "--out", str(out), "--budget", "60s",
                              "--jobs", "2", *extra_args])
        checks = {"build_stage": lambda *a: {}, "loader_stage": lambda *a: {},
                  "negative_stage": lambda *a: {}, "roundtrip_stage": lambda *a: {},
                  "snapshot_stage": lambda *a: {}}
        checks.update(check_patches or {})
        fuzzes = {"build_fuzz_stage": lambda *a: {}, "regression_stage": lambda *a: {},
                  "fuzz_stage": lambda *a: {}, "merge_stage": lambda *a: {},
                  "crashes_stage": lambda *a: {}}
        fuzzes.update(fuzz_patches or {})
        with contextlib.ExitStack() as stack:
            stack.enter_context(mock.patch.object(conformance, "conformance_stage",
                                                  checks.pop("conformance_stage", lambda *a: {})))
            for name, fn in {**checks, **fuzzes}.items():
                stack.enter_context(mock.patch.object(nightly, name, fn))
            stack.enter_context(contextlib.redirect_stdout(io.StringIO()))
            stack.enter_context(contextlib.redirect_stderr(io.StringIO()))
            rc = nightly.cmd_nightly(args)
        run_dir = out / os.readlink(out / "latest")
        return rc, run_dir, json.loads((run_dir / "report.json").read_text())

    def names(self, report):
        return [(s["name"], s["status"]) for s in report["stages"]]

    def test_all_stages_pass(self):
        rc, _, report = self.run_nightly()
        self.assertEqual(rc, 0)
        self.assertEqual(report["verdict"], "pass")
        self.assertEqual([n for n, _ in self.names(report)],
                         ["build", "conformance", "loader", "negative", "roundtrip", "snapshot",
                          "build-fuzz", "regression", "fuzz", "merge", "crashes"])
        self.assertEqual((report["fuzz"]["budget_s"], report["fuzz"]["jobs"]), (60, 2))
        self.assertEqual(report["fuzz"]["targets"], list(common.FUZZ_TARGETS))

    def test_no_fuzz(self):
        rc, _, report = self.run_nightly(["--no-fuzz"])
        self.assertEqual(rc, 0)
        self.assertEqual(len(report["stages"]), 6)
        self.assertFalse(report["fuzz"]["ran"])

    def test_crashes_fail_the_verdict(self):
        def crashes(*a):
            raise common.DriverError("1 unique crashes")
        rc, _, report = self.run_nightly(fuzz_patches={"crashes_stage": crashes})
        self.assertEqual((rc, report["verdict"]), (1, "fail"))
        self.assertEqual(self.names(report)[-1], ("crashes", "fail"))

    def test_fuzzing_runs_after_a_failed_check(self):
        def conformance(*a):
            raise common.DriverError("1 of 36 files failed")
        rc, _, report = self.run_nightly(check_patches={"conformance_stage": conformance})
        self.assertEqual(rc, 1)
        self.assertEqual(self.names(report)[:3], [("build", "pass"), ("conformance", "fail"),
                                                  ("build-fuzz", "pass")])
        self.assertEqual(self.names(report)[-1], ("crashes", "pass"))

    def test_failed_fuzz_build_stops_the_fuzz_stages(self):
        def build(*a):
            raise common.DriverError("build: preset fuzz failed")
        rc, _, report = self.run_nightly(fuzz_patches={"build_fuzz_stage": build})
        self.assertEqual(rc, 1)
        self.assertEqual(self.names(report)[-1], ("build-fuzz", "fail"))

    def test_ctrl_c_writes_three_reports_and_stops_children(self):
        children = []

        def fuzz(*a):
            children.append(common.start_group(["sleep", "60"]))
            raise KeyboardInterrupt

        before = signal.getsignal(signal.SIGINT)
        rc, run_dir, report = self.run_nightly(fuzz_patches={"fuzz_stage": fuzz})
        self.assertEqual(rc, 130)
        for name in ("report.json", "report.md", "report.html"):
            self.assertTrue((run_dir / name).is_file(), name)
        self.assertEqual(report["verdict"], "interrupted")
        self.assertEqual(self.names(report)[-2:], [("regression", "pass"), ("fuzz", "interrupted")])
        self.assertIn("**Verdict: INTERRUPTED**", (run_dir / "report.md").read_text())
        self.assertIsNotNone(children[0].poll(), "the fuzzer's process group was not stopped")
        self.assertIs(signal.getsignal(signal.SIGINT), before)

    def test_ctrl_c_in_a_check_stage(self):
        def loader(*a):
            raise KeyboardInterrupt
        rc, _, report = self.run_nightly(check_patches={"loader_stage": loader})
        self.assertEqual((rc, report["verdict"]), (130, "interrupted"))
        self.assertEqual(self.names(report)[-1], ("loader", "interrupted"))

    def test_bad_budget_is_usage_error(self):
        args = ENTRY.parse_args(["nightly", "--no-setup", "--budget", "soon"])
        with self.assertRaises(common.DriverError) as caught:
            nightly.cmd_nightly(args)
        self.assertEqual(caught.exception.exit_code, 2)

    def test_no_setup_stage_unless_asked(self):
        with mock.patch.object(nightly.build, "setup", side_effect=common.DriverError("setup: missing")):
            out = self.tmpdir() / "nightly"
            args = ENTRY.parse_args(["nightly", "--out", str(out), "--no-fuzz"])
            rc = quietly(nightly.cmd_nightly, args)
        report = json.loads((out / "latest" / "report.json").read_text())
        self.assertEqual(rc, 1)
        self.assertEqual(self.names(report), [("setup", "fail")])


if __name__ == "__main__":
    unittest.main()
