"""Unit tests for scripts/cf/regiontool.py: the `regiontool check --json` command lines the
driver builds, and how it reads the JSON Lines verdicts (a fake regiontool speaks the contract
of docs/regiontool.md).

Run from the repo root: python3 -m unittest discover -s tests/scripts -v
"""

import json
import unittest

import support
from cf import regiontool


def unit(input_name, *outcomes, exit_code=None):
    """A `check --json` unit object with one verdict per (oracle, outcome)."""
    verdicts = [{"oracle": o, "title": o.replace("_", " "), "outcome": out, "reason": f"{o} says {out}"}
                for o, out in outcomes]
    if exit_code is None:
        exit_code = 1 if any(out == "finding" for _, out in outcomes) else 0
    return {"input": input_name, "files": [input_name], "verdicts": verdicts, "exit": exit_code}


def result(*units, exit_code=0, error=None, stderr=""):
    return {"exit": exit_code, "units": list(units), "stderr": stderr, "error": error}


class CommandTest(unittest.TestCase):
    def test_file(self):
        self.assertEqual(regiontool.check_command("rt", ["a.olean"]), ["rt", "check", "--json", "a.olean"])

    def test_chain_expect_only(self):
        cmd = regiontool.check_command("rt", ["p0", "p1"], chain=True, expect="dep_overlap@80",
                                       only=["negative_table", "path_differential"])
        self.assertEqual(cmd, ["rt", "check", "--json", "--chain", "p0", "p1", "--expect", "dep_overlap@80",
                               "--only", "negative_table,path_differential"])


class ParseTest(unittest.TestCase):
    def test_json_lines(self):
        text = json.dumps(unit("a", ("path_differential", "holds"))) + "\n\n" + \
            json.dumps(unit("b", ("work_bound", "not_applicable"))) + "\n"
        units = regiontool.parse_check_lines(text)
        self.assertEqual([u["input"] for u in units], ["a", "b"])
        self.assertEqual(units[1]["verdicts"][0]["outcome"], "not_applicable")

    def test_text_output_is_rejected(self):
        with self.assertRaises(ValueError) as caught:
            regiontool.parse_check_lines("a.olean: path differential: holds - both accept\n")
        self.assertIn("line 1", str(caught.exception))

    def test_object_without_verdicts_is_rejected(self):
        with self.assertRaises(ValueError):
            regiontool.parse_check_lines('{"input": "a"}\n')


class ProblemsTest(unittest.TestCase):
    def test_holds_and_not_applicable_pass(self):
        r = result(unit("a", ("path_differential", "holds"), ("idempotence", "not_applicable")))
        self.assertEqual(regiontool.problems(r), [])

    def test_a_finding_fails_with_its_reason(self):
        r = result(unit("a", ("path_differential", "finding"), ("work_bound", "holds")), exit_code=1)
        self.assertEqual(regiontool.problems(r), ["exit 1", "path_differential: finding - path_differential says finding"])

    def test_exit_code_alone_fails(self):
        r = result(unit("a", ("path_differential", "holds")), exit_code=2, stderr="cannot open a")
        self.assertEqual(regiontool.problems(r), ["exit 2: cannot open a"])

    def test_required_oracle_must_hold(self):
        r = result(unit("a", ("negative_table", "not_applicable")))
        self.assertEqual(regiontool.problems(r, ("negative_table",)),
                         ["negative_table: not_applicable, but it must hold"])
        r = result(unit("a", ("path_differential", "holds")))
        self.assertEqual(regiontool.problems(r, ("negative_table",)), ["negative_table: no verdict"])
        r = result(unit("a", ("negative_table", "finding")), exit_code=1)
        self.assertEqual(regiontool.problems(r, ("negative_table",)),
                         ["exit 1", "negative_table: finding - negative_table says finding"])
        r = result(unit("a", ("negative_table", "holds")))
        self.assertEqual(regiontool.problems(r, ("negative_table",)), [])

    def test_unusable_output_fails(self):
        self.assertEqual(regiontool.problems(result(error="no unit in the output")), ["no unit in the output"])

    def test_counts_per_oracle(self):
        results = [result(unit("a", ("path_differential", "holds"), ("idempotence", "not_applicable"))),
                   result(unit("b", ("path_differential", "finding"), ("idempotence", "holds"))),
                   result(unit("c", ("path_differential", "weird")))]
        self.assertEqual(regiontool.count_outcomes(results), {
            "path_differential": {"holds": 1, "finding": 2, "not_applicable": 0},
            "idempotence": {"holds": 1, "finding": 0, "not_applicable": 1}})


class RunCheckTest(support.TempDirTest):
    def test_runs_the_contract_and_reads_it(self):
        tool = support.fake_regiontool(self.tmpdir(), """
            assert sys.argv[1:4] == ["check", "--json", "--chain"], sys.argv
            files = [a for a in sys.argv[4:] if not a.startswith("--")][:2]
            print(json.dumps({"input": files[-1], "files": files, "exit": 0, "verdicts": [
                {"oracle": "path_differential", "title": "path differential", "outcome": "holds", "reason": ""}]}))
            """)
        r = regiontool.run_check(tool, ["p0", "p1"], chain=True)
        self.assertEqual((r["exit"], r["error"]), (0, None))
        self.assertEqual(r["units"][0]["files"], ["p0", "p1"])
        self.assertEqual(regiontool.problems(r), [])

    def test_old_regiontool_without_json_is_a_usage_failure(self):
        tool = support.fake_regiontool(self.tmpdir(), """
            print("The following argument was not expected: --json", file=sys.stderr)
            sys.exit(2)
            """)
        r = regiontool.run_check(tool, ["a"])
        self.assertEqual(r["exit"], 2)
        self.assertIn("exit 2: The following argument was not expected: --json", regiontool.problems(r))

    def test_empty_output_is_an_error(self):
        tool = support.fake_regiontool(self.tmpdir(), "sys.exit(0)")
        self.assertEqual(regiontool.problems(regiontool.run_check(tool, ["a"])), ["no unit in the output"])


if __name__ == "__main__":
    unittest.main()
