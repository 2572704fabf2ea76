"""The negative corpus's annotated dumps (corpus/negative/**/<file>.txt) are current and say why.

Each dump must equal today's `regiontool inspect --annotate` output (so a change to the annotator
or the corpus shows up as a stale dump: rerun scripts/compactfuzz negative), every case file must
have one, and each single-file row's dump must end in the marker line `>>> 0x<offset>: <class>: ...`
with the row's expected class and offset. Rows whose rejection needs loading (chains, `missing_dep`,
`missing_library`) are exempt from the marker check: inspect reads one file alone and resolves
no library.

regiontool is $CF_REGIONTOOL, else build/dev/bin/regiontool; without it the tests are skipped.

Run from the repo root: python3 -m unittest discover -s tests/scripts -v
"""

import subprocess
import sys
import unittest

import support
from cf import negative

# Classes inspect cannot see in a file read alone: it is given no deps.
# Classes `inspect` (a structural walk of one file: no deps, no library resolution) cannot see.
NEEDS_LOADING = {"missing_dep", "dep_overlap", "missing_library"}


class AnnotatedDumpTest(support.TempDirTest):
    @classmethod
    def setUpClass(cls):
        cls.tool = negative.default_regiontool()
        if not cls.tool.is_file():
            raise unittest.SkipTest(f"no regiontool at {cls.tool} (build it, or set CF_REGIONTOOL)")
        help_text = subprocess.run([str(cls.tool), "inspect", "--help"], capture_output=True, text=True).stdout
        if "--annotate" not in help_text:
            raise unittest.SkipTest(f"{cls.tool} has no `inspect --annotate` yet")
        cls.cases = negative.read_table()
        cls.files = [f for c in cls.cases for f in c.files()]

    def test_every_file_has_a_current_dump(self):
        self.assertEqual(len(self.files), 142)
        for path in self.files:
            with self.subTest(file=path.relative_to(negative.negative_dir()).as_posix()):
                dump = negative.dump_path(path)
                self.assertTrue(dump.is_file(), "no .txt dump: run scripts/compactfuzz negative")
                self.assertEqual(dump.read_text(encoding="utf-8"), negative.annotate(self.tool, path),
                                 "stale dump: rerun scripts/compactfuzz negative")

    def test_no_orphaned_dumps(self):
        self.assertEqual(negative.dump_differences(self.tool, negative.negative_dir(), self.cases), [])
        out = self.tmpdir() / "negative"
        negative.write_tree(out, self.cases[:1])
        (out / "truncated" / "gone.bin.txt").write_text("orphan")
        self.assertEqual([d.split(": ")[0] for d in negative.dump_differences(self.tool, out, self.cases[:1])],
                         ["missing dump", "dump of no case file"])

    def test_marker_names_the_expected_class_and_offset(self):
        checked = 0
        for case in self.cases:
            if case.chain or case.cls in NEEDS_LOADING:
                continue
            with self.subTest(case=str(case)):
                lines = negative.dump_path(case.files()[0]).read_text(encoding="utf-8").splitlines()
                markers = [line for line in lines if line.startswith(">>> ")]
                self.assertEqual(len(markers), 1, "exactly one marker line")
                self.assertEqual(lines[-1], markers[0], "the marker ends the dump")
                self.assertTrue(markers[0].startswith(f">>> 0x{case.offset:06x}: {case.cls}: "),
                                f"expected `>>> 0x{case.offset:06x}: {case.cls}: ...`, got `{markers[0]}`")
                checked += 1
        self.assertGreater(checked, 100)

    def test_check_command_with_dumps(self):
        proc = subprocess.run([sys.executable, str(support.SCRIPTS / "compactfuzz"), "negative", "--check",
                               "--regiontool", str(self.tool)], capture_output=True, text=True, timeout=600)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIn("136 cases up to date in corpus/negative\n", proc.stdout)


if __name__ == "__main__":
    unittest.main()
