"""Unit tests for scripts/cf/conformance.py: the conformance stage's checks of `regiontool
inspect --json` against corpus/real/MANIFEST.tsv and EXPECTED.json.

Run from the repo root: python3 -m unittest discover -s tests/scripts -v
"""

import contextlib
import io
import tempfile
import unittest
import unittest.mock
from pathlib import Path

import support
from cf import common, conformance
from support import ENTRY, ROW, regiontool_json

def failed_checks(checks):
    """Names of the checks that failed."""
    return [c["check"] for c in checks if not c["ok"]]


class FormatMappingTest(unittest.TestCase):
    def test_known_versions(self):
        cases = {"0-oleanfile": "v0", "1": "v1", "2": "v2", "3": "v3"}
        for header_version, fmt in cases.items():
            with self.subTest(header_version=header_version):
                self.assertEqual(conformance.manifest_format(header_version), fmt)

    def test_unknown_version_never_matches(self):
        self.assertNotIn(conformance.manifest_format("9"), ("v0", "v1", "v2", "v3"))


class ComparisonTest(unittest.TestCase):
    def test_matching_file_passes(self):
        checks = conformance.inspect_checks(ROW, ENTRY, regiontool_json())
        self.assertEqual(failed_checks(checks), [])
        self.assertEqual(conformance.file_result(ROW["file"], checks)["status"], "pass")

    def test_wrong_object_count_fails(self):
        info = regiontool_json()
        info["objects"] = 694
        info["objects_per_kind"]["ctor"] = 454
        checks = conformance.inspect_checks(ROW, ENTRY, info)
        self.assertEqual(failed_checks(checks), ["objects", "objects_per_kind.ctor"])
        self.assertEqual(conformance.file_result(ROW["file"], checks)["status"], "fail")

    def test_manifest_mismatches_fail(self):
        info = regiontool_json()
        info.update(format="v1", version_string="4.29.0", base_addr="0x29023b9f0000", file_size=1)
        checks = conformance.inspect_checks(ROW, ENTRY, info)
        self.assertEqual(failed_checks(checks), ["format", "version_string", "base_addr", "file_size"])

    def test_base_addr_compared_as_integer(self):
        info = regiontool_json()
        info["base_addr"] = "0x000029023B9E0000"
        self.assertEqual(failed_checks(conformance.inspect_checks(ROW, ENTRY, info)), [])

    def test_dash_version_string_means_empty(self):
        row = dict(ROW, header_version="1", version_string="-")
        info = regiontool_json(dict(ENTRY, format="v1", version_string=""))
        self.assertEqual(failed_checks(conformance.inspect_checks(row, ENTRY, info)), [])

    def test_kind_missing_from_expected_is_zero(self):
        info = regiontool_json()
        info["objects_per_kind"]["mpz"] = 1
        self.assertEqual(failed_checks(conformance.inspect_checks(ROW, ENTRY, info)), ["objects_per_kind.mpz"])

    def test_zero_kinds_are_not_reported(self):
        names = [c["check"] for c in conformance.inspect_checks(ROW, ENTRY, regiontool_json())]
        self.assertIn("objects_per_kind.ctor", names)
        self.assertNotIn("objects_per_kind.thunk", names)

    def test_root_outside(self):
        entry = dict(ENTRY, root={"outside": True})
        info = regiontool_json(entry)
        info["root"] = {"outside": True, "address": "0x1234"}
        self.assertEqual(failed_checks(conformance.inspect_checks(ROW, entry, info)), [])
        info["root"] = {"offset": 88, "kind": "ctor"}
        self.assertEqual(failed_checks(conformance.inspect_checks(ROW, entry, info)), ["root"])

    def test_root_offset_mismatch_fails(self):
        info = regiontool_json()
        info["root"] = {"offset": 26216, "kind": "ctor"}
        self.assertEqual(failed_checks(conformance.inspect_checks(ROW, ENTRY, info)), ["root"])

    def test_rejected_file_fails_with_error(self):
        info = {"file": ROW["file"], "status": "rejected", "format": "v2",
                "error": {"class": "truncated", "offset": 40, "message": "file ends at 40"}}
        checks = conformance.inspect_checks(ROW, ENTRY, info)
        result = conformance.file_result(ROW["file"], checks, conformance.describe_error(info))
        self.assertEqual(result["status"], "fail")
        self.assertIn("status", failed_checks(checks))
        self.assertIn("truncated at offset 40", result["error"])
        per_kind = [c for c in checks if "_per_kind." in c["check"]]
        self.assertEqual(len(per_kind), 6)  # the six non-zero kinds of ENTRY, none of the zeros
        self.assertTrue(all(c["actual"] is None for c in per_kind))

    def test_missing_expected_entry_fails(self):
        self.assertIn("expected_entry", failed_checks(conformance.inspect_checks(ROW, None, regiontool_json())))

    def test_integrity_checks(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "f.olean"
            path.write_bytes(b"abc")
            good = dict(ROW, sha256="ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
            self.assertEqual(failed_checks(conformance.integrity_checks(path, good)), [])
            self.assertEqual(failed_checks(conformance.integrity_checks(path, ROW)), ["sha256"])
            self.assertEqual(failed_checks(conformance.integrity_checks(path.with_name("gone"), ROW)), ["exists"])


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
            return conformance.run_conformance(regiontool)

    def test_correct_regiontool_passes_whole_corpus(self):
        with tempfile.TemporaryDirectory() as tmp:
            summary, error = self.run_quietly(support.fake_regiontool(tmp, ECHO_EXPECTED))
        self.assertIsNone(error)
        self.assertEqual(summary["files"], len(common.read_manifest()))
        self.assertEqual(summary["failed"], 0, [r for r in summary["results"] if r["status"] != "pass"])

    def test_usage_exit_is_stage_error(self):
        body = "sys.stderr.write('regiontool: cannot open x\\n'); sys.exit(2)"
        with tempfile.TemporaryDirectory() as tmp:
            summary, error = self.run_quietly(support.fake_regiontool(tmp, body))
        self.assertIn("cannot open x", error)
        self.assertEqual(summary["passed"], 0)

    def test_unparsable_output_is_stage_error(self):
        with tempfile.TemporaryDirectory() as tmp:
            _, error = self.run_quietly(support.fake_regiontool(tmp, "print('not json')"))
        self.assertIn("not JSON", error)


class ConformanceStageTest(unittest.TestCase):
    def test_stage_fails_on_a_failed_file_and_keeps_the_results(self):
        holder = {}
        failing = conformance.summarise_conformance([conformance.file_result("a", [conformance.check_row("x", 1, 2)])])
        with unittest.mock.patch.object(conformance, "run_conformance", lambda tool: (failing, None)):
            with self.assertRaises(common.DriverError) as caught:
                conformance.conformance_stage("release", holder)
        self.assertIn("1 of 1 files failed", str(caught.exception))
        self.assertEqual(holder["failed"], 1)


if __name__ == "__main__":
    unittest.main()
