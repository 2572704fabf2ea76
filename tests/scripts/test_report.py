"""Unit tests for scripts/cf/report.py: report.json, report.md and report.html of the nightly
(docs/nightly-report.md), from report objects built here.

Run from the repo root: python3 -m unittest discover -s tests/scripts -v
"""

import json
import os
import tempfile
import unittest
from pathlib import Path

import support
from cf import common, conformance
from cf import report as cf_report
from support import ENTRY, ROW, regiontool_json


def sample_report(failing):
    """A report with two files, the second failing when `failing` is set."""
    good = conformance.file_result("a__b/<Good>.olean", conformance.inspect_checks(ROW, ENTRY, regiontool_json()))
    info = regiontool_json()
    info["max_depth"] = 16 if failing else 15
    other = conformance.file_result("a__b/Other|pipe.olean", conformance.inspect_checks(ROW, ENTRY, info))
    summary = conformance.summarise_conformance([good, other])
    status = "fail" if failing else "pass"
    stages = [{"name": "build", "status": "pass", "duration_s": 1.0},
              {"name": "conformance", "status": status, "duration_s": 0.5}]
    t = common.utc_now()
    return cf_report.make_report(t, t, "release", stages, summary)


class ReportTest(unittest.TestCase):
    def write(self, report):
        """Write report into a fresh temp run dir; return that dir."""
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        return cf_report.write_reports(report, Path(tmp.name) / "20261124T181500Z")

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
        t = common.utc_now()
        report = cf_report.make_report(t, t, "release", [{"name": "build", "status": "pass", "duration_s": 0}],
                                conformance.summarise_conformance([]))
        self.assertEqual(report["verdict"], "fail")

    def test_latest_moves_to_newest_run(self):
        first = self.write(sample_report(failing=False))
        second = cf_report.write_reports(sample_report(failing=True), first.parent / "20261125T000000Z")
        self.assertEqual(os.readlink(first.parent / "latest"), second.name)


def fuzz_object(crash=True, ran=True):
    """A report `fuzz` object with one run and (optionally) one unique crash."""
    row = {"target": "fuzz_load", "engine": "libfuzzer", "seconds": 60, "jobs": 2,
           "executions": 123456, "exec_per_s": 2057, "corpus_before": 52, "corpus_after": 200,
           "cov_before": 1157, "cov_after": 1400, "new_cov": 243, "coverage_unit": "libFuzzer cov",
           "crashes_total": 3 if crash else 0, "crashes_unique": 1 if crash else 0,
           "merged_files": 149, "crash_files": []}
    unique = [{"token": "0123456789abcdef", "kind": "heap-buffer-overflow",
               "frames": ["cf::f<int|long>() core/x.cc:3"], "summary": "READ <of> size 1",
               "target": "fuzz_load", "targets": ["fuzz_load"], "artifact": "out/crash-1",
               "count": 3, "log": "out/0123456789abcdef.txt",
               "command": "scripts/compactfuzz reproduce out/crash-1 --target fuzz_load"}]
    return {"ran": ran, "budget_s": 60, "engine": "libfuzzer", "engines": ["libfuzzer"],
            "jobs": 2, "targets": ["fuzz_load"], "runs": [row] if ran else [],
            "crashes": {"total": 3 if crash else 0, "replayed": 3 if crash else 0,
                        "unique": unique if crash else []}}


def stages(*names, last="pass"):
    """Stage records, all passing except that the last gets status `last`."""
    out = [{"name": n, "status": "pass", "duration_s": 1.0} for n in names]
    out[-1]["status"] = last
    return out


class FuzzReportTest(support.TempDirTest):
    def write(self, report):
        return cf_report.write_reports(report, self.tmpdir() / "20261124T181500Z")

    def test_fuzz_section_and_crash(self):
        t = common.utc_now()
        report = cf_report.make_report(t, t, "release", stages("build", "conformance", "fuzz", "crashes",
                                                        last="fail"),
                                conformance.summarise_conformance([]), fuzz=fuzz_object())
        run_dir = self.write(report)
        data = json.loads((run_dir / "report.json").read_text())
        self.assertEqual(data["verdict"], "fail")
        self.assertEqual(data["schema"], "compactfuzz-nightly/1")
        self.assertEqual(data["fuzz"]["runs"][0]["executions"], 123456)
        md = (run_dir / "report.md").read_text()
        self.assertIn("fuzzing 1 runs, 1 unique crashes from 3 artifacts", md)
        self.assertIn("## Fuzzing", md)
        self.assertIn("| fuzz_load | libfuzzer | 60 | 123456 | 2057 | 52 → 200 | 1157 → 1400 "
                      "| +243 libFuzzer cov | 149 | 1/3 |  |", md)
        self.assertIn("### `0123456789abcdef` heap-buffer-overflow — fuzz_load", md)
        self.assertIn("scripts/compactfuzz reproduce out/crash-1 --target fuzz_load", md)
        self.assertIn("cf::f<int|long>() core/x.cc:3", md)
        html_text = (run_dir / "report.html").read_text()
        self.assertIn("<h2>Fuzzing</h2>", html_text)
        self.assertIn("<h2>Unique crashes</h2>", html_text)
        self.assertIn("READ &lt;of&gt; size 1", html_text)
        self.assertNotIn("READ <of>", html_text)

    def test_no_crash_says_none(self):
        t = common.utc_now()
        report = cf_report.make_report(t, t, "release", stages("build", "conformance", "crashes"),
                                conformance.summarise_conformance([]), fuzz=fuzz_object(crash=False))
        self.assertEqual(report["verdict"], "pass")
        md = cf_report.render_markdown(report)
        self.assertIn("## Unique crashes\n\nNone.", md)

    def test_without_fuzzing(self):
        t = common.utc_now()
        report = cf_report.make_report(t, t, "release", stages("build", "conformance"),
                                conformance.summarise_conformance([]))
        self.assertFalse(report["fuzz"]["ran"])
        md = cf_report.render_markdown(report)
        self.assertIn("Fuzzing was not part of this run (--no-fuzz).", md)
        self.assertIn("Crash deduplication did not run.", md)
        self.assertIn("**Verdict: PASS** — conformance 0/0 files passed\n", md)

    def test_old_report_without_fuzz_key_renders(self):
        t = common.utc_now()
        report = cf_report.make_report(t, t, "release", stages("build", "conformance"),
                                conformance.summarise_conformance([]))
        del report["fuzz"]
        self.assertIn("## Fuzzing", cf_report.render_markdown(report))
        self.assertIn("<h2>Fuzzing</h2>", cf_report.render_html(report))

    def test_interrupted(self):
        t = common.utc_now()
        report = cf_report.make_report(t, t, "release", stages("build", "conformance", "fuzz",
                                                        last="interrupted"),
                                conformance.summarise_conformance([]), fuzz=fuzz_object(crash=False),
                                interrupted=True)
        self.assertEqual(report["verdict"], "interrupted")
        run_dir = self.write(report)
        md = (run_dir / "report.md").read_text()
        self.assertIn("**Verdict: INTERRUPTED**", md)
        self.assertIn("| fuzz | interrupted |", md)
        self.assertIn("class='interrupted'", (run_dir / "report.html").read_text())


class StageNoteTest(unittest.TestCase):
    def test_error_wins(self):
        self.assertEqual(cf_report.stage_note({"name": "x", "status": "fail", "duration_s": 1,
                                            "error": "boom", "inputs": 3}), "boom")

    def test_verdict_counts_are_compact(self):
        stage = {"name": "loader", "status": "pass", "duration_s": 1.0, "inputs": 32, "failed": 0,
                 "verdicts": {"path_differential": {"holds": 32, "finding": 0, "not_applicable": 0},
                              "idempotence": {"holds": 2, "finding": 0, "not_applicable": 30}}}
        self.assertEqual(cf_report.stage_note(stage),
                         "inputs 32, failed 0, verdicts path_differential 32/0/0, idempotence 2/0/30")
        md = cf_report.render_markdown(cf_report.make_report(common.utc_now(), common.utc_now(), "release",
                                                       [stage], conformance.summarise_conformance([])))
        self.assertIn("| loader | pass | 1.0 | inputs 32, failed 0, verdicts path_differential 32/0/0", md)


if __name__ == "__main__":
    unittest.main()
