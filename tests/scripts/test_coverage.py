"""Unit tests for scripts/cf/coverage.py: reading `llvm-cov report`, the llvm-cov command line
and which binaries and corpora the coverage run covers.

Run from the repo root: python3 -m unittest discover -s tests/scripts -v
"""

import tempfile
import unittest
from pathlib import Path

import support  # noqa: F401  (puts scripts/ on sys.path)
from cf import common, coverage
from fixtures import COV_REPORT


class CoverageReportTest(unittest.TestCase):
    def test_total_row(self):
        numbers = coverage.parse_cov_report(COV_REPORT)
        self.assertEqual(numbers["lines"], {"total": 3, "covered": 2, "percent": 66.67})
        self.assertEqual(numbers["branches"], {"total": 6, "covered": 2, "percent": 33.33})
        self.assertEqual(numbers["functions"], {"total": 3, "covered": 2, "percent": 66.67})
        self.assertEqual(numbers["regions"], {"total": 11, "covered": 7, "percent": 63.64})

    def test_summary_line(self):
        line = coverage.summary_line(coverage.parse_cov_report(COV_REPORT))
        self.assertEqual(line, "core/ line coverage 66.67% (2/3), branch coverage 33.33% (2/6), "
                               "function coverage 66.67% (2/3), region coverage 63.64% (7/11)")

    def test_garbage_is_an_error(self):
        with self.assertRaises(ValueError):
            coverage.parse_cov_report("error: no profile\n")
        with self.assertRaises(ValueError):
            coverage.parse_cov_report(COV_REPORT.replace("           6                 4    33.33%", "", 2))

    def test_cov_command_main_object_then_objects(self):
        cmd = coverage.cov_command("report", ["a", "b", "c"], "p.profdata", "core")
        self.assertEqual(cmd, ["llvm-cov-14", "report", "a", "-instr-profile=p.profdata", "-object", "b",
                               "-object", "c", "core"])

    def test_instrumented_objects(self):
        with tempfile.TemporaryDirectory() as d:
            for name in ("region_test", "catalogue_test", "fuzz_load", "regiontool", "walk_bench", "fuzz_io"):
                (Path(d) / name).write_text("")
            objects = [Path(o).name for o in coverage.instrumented_objects(d, common.FUZZ_TARGETS)]
        self.assertEqual(objects, ["catalogue_test", "region_test", "fuzz_load", "fuzz_io", "regiontool"])

    def test_replay_inputs_hold_files(self):
        dirs = coverage.replay_inputs("fuzz_load")
        self.assertIn(common.ROOT / "corpus" / "real", dirs)
        self.assertIn(common.ROOT / "corpus" / "regressions" / "fuzz_load", dirs)
        self.assertTrue(all(common.files_in(d) for d in dirs))


if __name__ == "__main__":
    unittest.main()
