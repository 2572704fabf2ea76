"""The conformance runner's pure parts: failure lists, classification, case selection, the
summary line, junit.xml, capabilities, and build-tree discovery, sharding and state. The runs
themselves are ctest cases (tests/scripts/conform_check.py)."""

import os
import tempfile
import unittest
import xml.etree.ElementTree as ET
from pathlib import Path

import support  # noqa: F401  (puts scripts/ on sys.path)
from cf import buildtree, common, conform, conform_cases, conform_report


class FailureListTest(unittest.TestCase):
    def test_lines_for_all_and_for_one_testee(self):
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "list.txt"
            path.write_text("# comment\nreject.negative.a\n\nupstream:load.real.x.slow  # why\n")
            listed = conform.read_failure_list(path)
        self.assertEqual(conform.listed_for(listed, "upstream"), {"reject.negative.a", "load.real.x.slow"})
        self.assertEqual(conform.listed_for(listed, "other"), {"reject.negative.a"})

    def test_missing_list_is_a_usage_error(self):
        with self.assertRaises(common.DriverError) as e:
            conform.read_failure_list("/no/such/list")
        self.assertEqual(e.exception.exit_code, 2)

    def test_classify(self):
        self.assertEqual(conform.classify("holds", False), "success")
        self.assertEqual(conform.classify("holds", True), "unexpected_success")
        self.assertEqual(conform.classify("finding", True), "expected_failure")
        self.assertEqual(conform.classify("finding", False), "unexpected_failure")
        self.assertEqual(conform.classify("not_applicable", False), "skipped")


class TesteeSpecTest(unittest.TestCase):
    def test_specs(self):
        self.assertEqual(conform.parse_testees(["a=prog --x"], "/t"), [("a", "prog --x")])
        self.assertEqual(conform.parse_testees([], "/t")[0][0], "ref")
        for bad in (["noequals"], ["=cmd"], ["a="], ["a=x", "a=y"], ["reference=x"]):
            with self.assertRaises(common.DriverError, msg=bad):
                conform.parse_testees(bad, "/t")


class CapabilityTest(unittest.TestCase):
    def case(self, **request):
        return conform_cases.Case("c", "load", dict({"op": "load", "files": ["a"], "path": "auto"}, **request),
                                  formats=["v1"])

    def test_skips_name_the_capability(self):
        full = {"load": True, "load_slow": True, "formats": ["v1", "v2"], "deps": True}
        self.assertIsNone(conform_cases.missing_capability(self.case(), full))
        self.assertIn("load_slow", conform_cases.missing_capability(self.case(path="slow"), {"load": True, "formats": ["v1"]}))
        self.assertIn("v1", conform_cases.missing_capability(self.case(), {"load": True}))
        self.assertIn("deps", conform_cases.missing_capability(self.case(files=["a", "b"]),
                                                               {"load": True, "formats": ["v1"]}))
        compact = conform_cases.Case("k", "compact", {"op": "compact", "strategy": "recursive", "format": "v3"})
        self.assertIn("recursive", conform_cases.missing_capability(compact, {"compact": True}))
        self.assertIn("v3", conform_cases.missing_capability(
            compact, {"compact": True, "strategies": ["worklist", "recursive"]}))

    def test_select(self):
        cases = [conform_cases.Case(n, "g", {"op": "load"}) for n in ("load.a", "reject.b", "load.c")]
        self.assertEqual([c.name for c in conform.select_cases(cases, "load.*")], ["load.a", "load.c"])
        self.assertEqual(len(conform.select_cases(cases, "")), 3)


class ReportTest(unittest.TestCase):
    def test_summary_line_and_junit_agree(self):
        results = [{"testee": "t", "case": f"c{i}", "group": "load", "result": r, "reason": "why <&>",
                    "seconds": 0.01} for i, r in enumerate(
                        ["success", "success", "skipped", "expected_failure", "unexpected_failure",
                         "unexpected_success"])]
        counts = conform.summary_counts(results)
        self.assertEqual(conform.summary_line("t", counts),
                         "conform: t: 3 successes, 1 skipped, 1 expected failures, 1 unexpected failures")
        report = {"testees": [{"name": "t", "counts": counts}], "results": results}
        root = ET.fromstring(conform_report.render_junit(report))
        self.assertEqual((root.get("tests"), root.get("failures"), root.get("skipped")), ("6", "2", "2"))
        failure = root.find(".//testcase[@name='c4']/failure")
        self.assertIn("why <&>", failure.get("message"))


class DiscoveryTest(unittest.TestCase):
    def tree(self, d, names):
        for n in names:
            p = Path(d) / n
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(b"x" * 10)

    def test_units(self):
        with tempfile.TemporaryDirectory() as d:
            self.tree(d, ["A/M.olean", "A/M.olean.server", "A/M.olean.private", "A/M.ir", "A/M.ir.sig",
                          "B/N.olean", "B/N.olean.private", "B/O.ir", "s.snap", "s.snap.deps", "notes.txt",
                          "x.c"])
            units, ignored, _ = buildtree.discover([d])
        kinds = {u.id: (u.kind, [Path(f).name for f in u.files]) for u in units}
        self.assertEqual(kinds["A/M.olean"], ("module", ["M.olean", "M.olean.server", "M.olean.private"]))
        self.assertEqual(kinds["A/M.ir.sig"], ("ir", ["M.ir.sig", "M.ir"]))
        self.assertEqual(kinds["B/N.olean"], ("file", ["N.olean"]))
        self.assertEqual(kinds["B/N.olean.private"], ("part", ["N.olean.private"]))
        self.assertEqual(kinds["B/O.ir"], ("ir", ["O.ir"]))
        self.assertEqual(kinds["s.snap"], ("snapshot", ["s.snap"]))
        self.assertEqual(ignored, {".txt": 1, ".c": 1})

    def test_missing_path_is_a_usage_error(self):
        with self.assertRaises(common.DriverError):
            buildtree.discover(["/no/such/dir"])

    def test_shards_partition(self):
        with tempfile.TemporaryDirectory() as d:
            self.tree(d, [f"m{i}.olean" for i in range(40)])
            units, _, _ = buildtree.discover([d])
        seen = [u.id for i in (1, 2, 3) for u in units if buildtree.in_shard(u, (i, 3))]
        self.assertEqual(sorted(seen), sorted(u.id for u in units))
        for bad in ("0/3", "4/3", "x", "1/0"):
            with self.assertRaises(common.DriverError):
                buildtree.parse_shard(bad)

    def test_state_rehashes_only_changed_files(self):
        with tempfile.TemporaryDirectory() as d:
            self.tree(d, ["m.olean"])
            units, _, _ = buildtree.discover([d])
            state = buildtree.State(Path(d) / "state.json")
            first = state.unit_hash(units[0])
            state.units[units[0].id] = {"hash": first, "verdict": {"result": "success"}}
            state.save(force=True)
            again = buildtree.State(Path(d) / "state.json")
            self.assertEqual(again.unit_hash(units[0]), first)
            f = Path(units[0].files[0])
            f.write_bytes(b"y" * 11)
            os.utime(f, ns=(1, 1))
            self.assertNotEqual(again.unit_hash(units[0]), first)


if __name__ == "__main__":
    unittest.main()
