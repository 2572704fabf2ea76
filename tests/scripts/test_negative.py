"""Unit tests for scripts/cf/negative.py and regions.py: the negative corpus's table
(corpus/negative/cases.tsv), the writer that makes every file and the README from it, and every
row judged by regiontool's own negative-table oracle.

regiontool is $CF_REGIONTOOL, else build/dev/bin/regiontool; without it the regiontool tests are
skipped with the reason.

Run from the repo root: python3 -m unittest discover -s tests/scripts -v
"""

import re
import subprocess
import sys
import unittest
import unittest.mock

import support
from cf import common, negative, regions

ERRORS_DOC = support.ROOT / "docs" / "errors.md"
HEADER = "\t".join(negative.COLUMNS)

# The classes a file alone can trigger that the corpus must cover (FORMAT.md §8.3).
REQUIRED_CLASSES = {
    "truncated", "bad_magic", "incompatible_header", "bad_header_field", "trailing_bytes", "bad_tag",
    "bad_object_header", "bad_object_size", "bad_object_field", "bad_string", "bad_padding",
    "pointer_out_of_range", "pointer_not_object_start", "forward_pointer", "root_not_last",
    "unreachable_object", "missing_dep", "dep_overlap", "closure_offset_out_of_range", "bad_closure_table",
    "missing_library",
}


def known_classes():
    """Every class name in the first column of docs/errors.md's table."""
    names = set()
    for line in ERRORS_DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("| `"):
            names.update(re.findall(r"`(\w+)`", line.split("|")[1]))
    return names


def table(*rows):
    """A cases.tsv text with a comment, the header and the given rows (lists of 9 cells)."""
    return "# a comment\n" + HEADER + "\n" + "".join("\t".join(r) + "\n" for r in rows)


ROW = ["truncated", "cut", "", "H1", "3", "NormalForms", "cut=3", "cut to 3 bytes", "-"]


def run(cmd):
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=120)


class TableTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cases = negative.read_table()

    def test_has_rows(self):
        self.assertEqual(len(self.cases), 136)

    def test_classes_are_documented_and_required_ones_covered(self):
        known = known_classes()
        for case in self.cases:
            with self.subTest(case=str(case)):
                self.assertIn(case.cls, known, "not a class of docs/errors.md")
        missing = REQUIRED_CLASSES - {c.cls for c in self.cases}
        self.assertFalse(missing, f"classes without a negative case: {sorted(missing)}")

    def test_rows_and_files_match(self):
        """Every row names existing files, and every file on disk is named by one row."""
        listed = [p.relative_to(negative.negative_dir()).as_posix() for c in self.cases for p in c.files()]
        self.assertTrue(all((negative.negative_dir() / p).is_file() for p in listed))
        self.assertEqual(len(listed), len(set(listed)), "a file is named by two rows")
        on_disk = {p.relative_to(negative.negative_dir()).as_posix() for p in negative.negative_dir().rglob("*")
                   if p.is_file() and p.suffix != ".txt"} - {"README.md", "cases.tsv"}
        self.assertEqual(sorted(on_disk - set(listed)), [], "files in corpus/negative/ with no row")

    def test_chains_are_directories_of_parts(self):
        chains = [c for c in self.cases if c.chain]
        self.assertEqual(len(chains), 5)
        for case in chains:
            with self.subTest(case=str(case)):
                self.assertTrue(case.path.endswith("/"))
                self.assertEqual([p.name for p in case.files()][:2], ["part0.olean", "part1.olean.server"])

    def test_committed_corpus_is_what_the_writer_writes(self):
        """Byte for byte: every .bin, every chain part and the README."""
        self.assertEqual(negative.differences(negative.negative_dir(), self.cases), [])

    def test_check_command(self):
        proc = run([sys.executable, support.SCRIPTS / "compactfuzz", "negative", "--check", "--no-dumps"])
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIn("136 cases up to date in corpus/negative (dumps not checked)", proc.stdout)


class ParseTableTest(unittest.TestCase):
    def test_comments_and_rows(self):
        cases = negative.parse_table(table(ROW, ["dep_overlap", "c", "--chain --path slow", "R2", "80",
                                                 "NormalForms+server-part", "1:u64@80=0x10", "moved", "why"]))
        self.assertEqual([(c.path, c.args, c.expect, c.line_no) for c in cases],
                         [("truncated/cut.bin", "", "truncated@3", 3),
                          ("dep_overlap/c/", "--chain --path slow", "dep_overlap@80", 4)])
        self.assertEqual(cases[0].description, "H1: cut to 3 bytes")

    def test_bad_rows_are_errors(self):
        bad = {
            "cells": ROW[:5],
            "edit": ROW[:6] + ["cut3"] + ROW[7:],
            "chain without --chain": ["x", "c", "", "-", "1", "NormalForms+server-part", "1:cut=3", "c", "-"],
            "part on a file edit": ROW[:6] + ["0:cut=3"] + ROW[7:],
            "part beyond the chain": ["x", "c", "--chain", "-", "1", "NormalForms+server-part", "2:cut=3", "c", "-"],
            "unknown base": ROW[:5] + ["NoSuchBase"] + ROW[6:],
            "pipe in changed": ROW[:7] + ["a | b", "-"],
            "name": ["x", "Bad-Name"] + ROW[2:],
        }
        for what, row in bad.items():
            with self.subTest(what=what), self.assertRaises(ValueError):
                negative.parse_table(table(row))
        with self.assertRaises(ValueError):
            negative.parse_table(table(ROW, ROW))
        with self.assertRaises(ValueError):
            negative.parse_table("# no header\nclass\tname\n")


class EditTest(unittest.TestCase):
    def edit(self, data, text):
        return negative.apply_edit(data, negative.EDIT.match(text))

    def test_every_edit(self):
        data = bytes(range(16))
        self.assertEqual(self.edit(data, "cut=3"), b"\x00\x01\x02")
        self.assertEqual(self.edit(data, "pad=2")[-3:], b"\x0f\x00\x00")
        self.assertEqual(self.edit(data, "append=7f45")[-2:], b"\x7fE")
        self.assertEqual(self.edit(data, "u8@0x5=255")[5], 255)
        self.assertEqual(self.edit(data, "u16@4=0x0102")[4:6], b"\x02\x01")
        self.assertEqual(self.edit(data, "u32@0=0xffffffff")[:4], b"\xff" * 4)
        self.assertEqual(self.edit(data, "u64@8=0x4fb6fe40090")[8:], (0x4fb6fe40090).to_bytes(8, "little"))
        self.assertEqual(self.edit(data, "bytes@1=c080")[:3], b"\x00\xc0\x80")
        self.assertEqual(self.edit(data, "del@2+3"), bytes([0, 1]) + bytes(range(5, 16)))

    def test_out_of_range_is_an_error(self):
        with self.assertRaises(ValueError):
            self.edit(b"abc", "u64@0=1")
        with self.assertRaises(OverflowError):
            self.edit(b"abcdefgh", "u8@0=256")

    def test_chain_edits_go_to_their_part(self):
        case = negative.parse_table(table(["x", "c", "--chain", "-", "1", "NormalForms+server-part",
                                           "1:u64@88=0x4fb6fe40460 0:cut=96", "c", "-"]))[0]
        part0, part1 = negative.case_bytes(case)
        self.assertEqual(part0, regions.normal_forms()[:96])
        self.assertEqual(part1[88:96], (0x4fb6fe40460).to_bytes(8, "little"))
        self.assertEqual(part1[:88], regions.BASES["server-part"]()[:88])


class WriterTest(support.TempDirTest):
    def test_write_keeps_the_table_and_drops_stale_files(self):
        out = self.tmpdir() / "negative"
        (out / "old_class").mkdir(parents=True)
        (out / "old_class" / "gone.bin").write_bytes(b"x")
        (out / "cases.tsv").write_text("kept")
        cases = negative.parse_table(table(ROW))
        negative.write_tree(out, cases)
        self.assertEqual(sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()),
                         ["README.md", "cases.tsv", "truncated/cut.bin"])
        self.assertEqual((out / "cases.tsv").read_text(), "kept")
        self.assertEqual((out / "truncated" / "cut.bin").read_bytes(), regions.normal_forms()[:3])
        self.assertIn("| `truncated/cut.bin` |  | H1: cut to 3 bytes | `truncated` | 3 |", (out / "README.md").read_text())
        self.assertEqual(negative.differences(out, cases), [])
        (out / "truncated" / "cut.bin").write_bytes(b"ole!")
        self.assertEqual(negative.differences(out, cases), ["differs: truncated/cut.bin"])

    def test_bases(self):
        out = self.tmpdir()
        negative.write_bases(out)
        self.assertEqual((out / "NormalForms.bin").read_bytes(), regions.normal_forms())
        self.assertEqual(len(list(out.glob("*.bin"))), len(regions.ACCEPTED_FILES))
        self.assertEqual(sorted(p.name for p in (out / "r1-part0+r1-part1+r1-part2").iterdir()),
                         sorted(regions.PART_NAMES))

    def test_normal_forms_is_checked_against_its_hash(self):
        self.assertEqual(len(regions.normal_forms()), 1168)
        with unittest.mock.patch.object(regions, "NF_SHA256", "0" * 64):
            with self.assertRaises(common.DriverError):
                regions.normal_forms()


class RegiontoolTest(support.TempDirTest):
    """Every row is rejected as the table says, judged by regiontool's negative-table oracle
    (the judge the nightly's negative stage asks too), and every base is accepted."""

    @classmethod
    def setUpClass(cls):
        cls.tool = negative.default_regiontool()
        if not cls.tool.is_file():
            raise unittest.SkipTest(f"no regiontool at {cls.tool} (build it, or set CF_REGIONTOOL)")
        if "--expect" not in run([cls.tool, "check", "--help"]).stdout:
            raise unittest.SkipTest(f"{cls.tool} has no `check --expect` yet")
        cls.cases = negative.read_table()

    def test_every_row_holds_under_check_expect(self):
        for case in self.cases:
            with self.subTest(case=str(case)):
                chain = ["--chain"] if case.chain else []
                proc = run([self.tool, "check", *chain, *case.files(), "--expect", case.expect])
                self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
                self.assertRegex(proc.stdout, r"negative.table: holds")

    def test_every_row_is_rejected_by_validate(self):
        """`validate`, the loader as a runtime calls it, rejects each row as the table says too."""
        for case in self.cases:
            with self.subTest(case=str(case)):
                proc = run([self.tool, "validate", *case.args.split(), *case.files()])
                self.assertEqual(proc.returncode, 1, proc.stdout + proc.stderr)
                self.assertRegex(proc.stdout + proc.stderr, rf"\b{case.cls} at offset {case.offset}\b")

    def test_check_expect_can_fail(self):
        case = self.cases[1]
        proc = run([self.tool, "check", *case.files(), "--expect", f"{case.cls}@{case.offset + 1}"])
        self.assertEqual(proc.returncode, 1, proc.stdout + proc.stderr)

    def test_bases_are_accepted(self):
        """Each unmutated base is accepted, so each rejection is caused by the row's edits."""
        bases = self.tmpdir()
        negative.write_bases(bases)
        for base in sorted(bases.iterdir()):
            if base.is_dir():
                parts = sorted(base.iterdir())
                commands = [["--chain", *parts], ["--chain", "--path", "slow", *parts]]
            else:
                commands = [[base]]
            for args in commands:
                with self.subTest(base=base.name, args=" ".join(str(a) for a in args[:-1])):
                    proc = run([self.tool, "validate", *args])
                    self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)


if __name__ == "__main__":
    unittest.main()
