"""The negative corpus (corpus/negative/) as tests: every README row is checked against regiontool.

For each row `| file | args | bytes changed | expected class | expected offset |` this runs
`regiontool validate [args] FILE(S)` and expects exit code 1 and `<class> at offset <offset>` in
the output. A chain row names a directory; its files are passed in name order.

regiontool is $CF_REGIONTOOL, else build/dev/bin/regiontool; without it (or without its
`validate` command) the regiontool tests are skipped with the reason. Also checked: the rows
and the files on disk match one to one, every class named is a docs/errors.md class, every
unmutated base is accepted, and scripts/make_negative_corpus.py --check passes.

Run from the repo root: python3 -m unittest discover -s tests/scripts -v
"""

import os
import re
import shlex
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NEGATIVE = ROOT / "corpus" / "negative"
README = NEGATIVE / "README.md"
GENERATOR = ROOT / "scripts" / "make_negative_corpus.py"
ERRORS_DOC = ROOT / "docs" / "errors.md"
HEADER = ["file", "args", "bytes changed", "expected class", "expected offset"]

# The classes a file alone can trigger that the corpus must cover (FORMAT.md §8.3).
REQUIRED_CLASSES = {
    "truncated", "bad_magic", "incompatible_header", "bad_header_field", "trailing_bytes", "bad_tag",
    "bad_object_header", "bad_object_size", "bad_object_field", "bad_string", "bad_padding",
    "pointer_out_of_range", "pointer_not_object_start", "forward_pointer", "root_not_last",
    "unreachable_object", "missing_dep", "dep_overlap", "closure_offset_out_of_range", "bad_closure_table",
}


class Row:
    def __init__(self, cells, line_no):
        self.file, self.args, self.changed, self.cls, offset = cells
        self.line_no = line_no
        self.offset = int(offset)

    @property
    def path(self):
        return NEGATIVE / self.file

    def files(self):
        """The files given to regiontool: the .bin, or a chain directory's files in name order."""
        if self.file.endswith("/"):
            return sorted(p for p in self.path.iterdir() if p.is_file() and p.suffix != ".txt")  # not the dumps
        return [self.path]

    def __str__(self):
        return f"README line {self.line_no}: {self.file}"


def split_row(line):
    """The cells of a Markdown table line, stripped of spaces and backticks."""
    return [c.strip().strip("`") for c in line.strip().strip("|").split("|")]


def parse_readme(text):
    """The rows of the case table (the table whose header is HEADER)."""
    rows, in_table = [], False
    for n, line in enumerate(text.splitlines(), 1):
        if not line.startswith("|"):
            in_table = False
            continue
        cells = split_row(line)
        if cells == HEADER:
            in_table = True
        elif in_table and not set(line) <= set("|-: "):
            if len(cells) != len(HEADER):
                raise ValueError(f"README line {n}: {len(cells)} cells, expected {len(HEADER)}")
            rows.append(Row(cells, n))
    return rows


def known_classes():
    """Every class name in the first column of docs/errors.md's table."""
    names = set()
    for line in ERRORS_DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("| `"):
            names.update(re.findall(r"`(\w+)`", line.split("|")[1]))
    return names


def regiontool_path():
    return Path(os.environ.get("CF_REGIONTOOL") or ROOT / "build" / "dev" / "bin" / "regiontool")


def run(cmd):
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=60)


def rejection_pattern(cls, offset):
    """Matches `<class> at offset <decimal>` and not, say, offset 880 for 88."""
    return re.compile(rf"\b{re.escape(cls)} at offset {offset}\b")


class ReadmeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rows = parse_readme(README.read_text(encoding="utf-8"))

    def test_has_rows(self):
        self.assertGreater(len(self.rows), 0, "no case rows found in corpus/negative/README.md")

    def test_classes_are_documented(self):
        known = known_classes()
        for row in self.rows:
            with self.subTest(row=str(row)):
                self.assertIn(row.cls, known, "not a class of docs/errors.md")
                self.assertTrue(row.file.startswith(row.cls + "/"), "a case lives under its class directory")

    def test_required_classes_covered(self):
        missing = REQUIRED_CLASSES - {row.cls for row in self.rows}
        self.assertFalse(missing, f"classes without a negative case: {sorted(missing)}")

    def test_rows_and_files_match(self):
        """Every README row names existing files, and every file on disk is named by one row."""
        listed = []
        for row in self.rows:
            with self.subTest(row=str(row)):
                if row.file.endswith("/"):
                    self.assertTrue(row.path.is_dir(), "chain directory missing")
                    self.assertIn("--chain", shlex.split(row.args), "a directory case is a chain")
                    files = row.files()
                    self.assertTrue(files, "empty chain directory")
                    self.assertTrue(all(p.name.startswith("part") for p in files), "chain files are part<k>.*")
                else:
                    self.assertTrue(row.file.endswith(".bin"), "a single-file case is a .bin")
                    self.assertTrue(row.path.is_file(), "file missing")
                    files = [row.path]
                listed += [p.relative_to(NEGATIVE).as_posix() for p in files if p.exists()]
        self.assertEqual(len(listed), len(set(listed)), "a file is named by two rows")
        # The annotated dumps (*.txt) are test_annotated_dumps.py's business.
        on_disk = {p.relative_to(NEGATIVE).as_posix() for p in NEGATIVE.rglob("*")
                   if p.is_file() and p.suffix != ".txt"} - {"README.md"}
        self.assertEqual(sorted(on_disk - set(listed)), [], "files in corpus/negative/ with no README row")


class GeneratorTest(unittest.TestCase):
    def test_check_mode(self):
        """The committed files are exactly what scripts/make_negative_corpus.py writes."""
        proc = run([sys.executable, GENERATOR, "--check"])
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)


class RegiontoolTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tool = regiontool_path()
        if not cls.tool.is_file():
            raise unittest.SkipTest(f"no regiontool at {cls.tool} (build it, or set CF_REGIONTOOL)")
        if run([cls.tool, "validate", "--help"]).returncode != 0:
            raise unittest.SkipTest(f"{cls.tool} has no `validate` command yet")
        cls.rows = parse_readme(README.read_text(encoding="utf-8"))

    def test_every_row_is_rejected_as_documented(self):
        checked = 0
        for row in self.rows:
            with self.subTest(row=str(row)):
                proc = run([self.tool, "validate", *shlex.split(row.args), *row.files()])
                output = proc.stdout + proc.stderr
                self.assertEqual(proc.returncode, 1, f"expected a rejection (exit 1); output:\n{output}")
                self.assertRegex(output, rejection_pattern(row.cls, row.offset),
                                 f"expected `{row.cls} at offset {row.offset}`")
                checked += 1
        print(f"\nnegative corpus: {checked} of {len(self.rows)} rows rejected as documented "
              f"by {self.tool} validate", file=sys.stderr)

    def test_bases_are_accepted(self):
        """Each unmutated base is accepted, so each rejection is caused by the row's byte change."""
        with tempfile.TemporaryDirectory() as tmp:
            bases = Path(tmp) / "bases"
            gen = run([sys.executable, GENERATOR, "--out", Path(tmp) / "negative", "--bases", bases])
            self.assertEqual(gen.returncode, 0, gen.stderr)
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


class ParseReadmeTest(unittest.TestCase):
    """The README parser itself."""

    def test_rows_after_header_only(self):
        text = ("| base | what |\n|---|---|\n| `x` | y |\n\n"
                "| file | args | bytes changed | expected class | expected offset |\n|---|---|---|---|---|\n"
                "| `truncated/a.bin` |  | cut | `truncated` | 12 |\n"
                "| `dep_overlap/c/` | `--chain --path slow` | moved | `dep_overlap` | 80 |\n\ntrailer\n")
        rows = parse_readme(text)
        self.assertEqual([(r.file, r.args, r.cls, r.offset) for r in rows],
                         [("truncated/a.bin", "", "truncated", 12),
                          ("dep_overlap/c/", "--chain --path slow", "dep_overlap", 80)])

    def test_wrong_cell_count(self):
        text = "| file | args | bytes changed | expected class | expected offset |\n|---|---|---|---|---|\n| a | b |\n"
        with self.assertRaises(ValueError):
            parse_readme(text)

    def test_pattern_needs_whole_offset(self):
        pattern = rejection_pattern("missing_dep", 88)
        self.assertRegex("f: missing_dep at offset 88 (0x58): m", pattern)
        self.assertNotRegex("f: missing_dep at offset 880 (0x370): m", pattern)
        self.assertNotRegex("f: missing_dep at offset 8 (0x8): m", pattern)


if __name__ == "__main__":
    unittest.main()
