"""The negative corpus's annotated dumps (corpus/negative/**/<file>.txt) are current and say why.

Each dump must equal today's `regiontool inspect --annotate` output (so a change to the annotator
or the corpus shows up as a stale dump: rerun scripts/annotate_negative.py), every case file must
have one, and each single-file README row's dump must end in the marker line
`>>> 0x<offset>: <class>: ...` with the row's expected class and offset. Rows whose rejection
needs deps (chains, `missing_dep`) are exempt from the marker check: inspect reads one file alone.

regiontool is $CF_REGIONTOOL, else build/dev/bin/regiontool; without it the tests are skipped.
"""

import importlib.util
import subprocess
import sys
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from test_negative_corpus import NEGATIVE, README, ROOT, parse_readme, regiontool_path  # noqa: E402

SCRIPT = ROOT / "scripts" / "annotate_negative.py"
# Classes inspect cannot see in a file read alone: it is given no deps.
NEEDS_DEPS = {"missing_dep", "dep_overlap"}


def load_script():
    spec = importlib.util.spec_from_file_location("annotate_negative", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class AnnotatedDumpTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tool = regiontool_path()
        if not cls.tool.is_file():
            raise unittest.SkipTest(f"no regiontool at {cls.tool} (build it, or set CF_REGIONTOOL)")
        help_text = subprocess.run([str(cls.tool), "inspect", "--help"], capture_output=True, text=True).stdout
        if "--annotate" not in help_text:
            raise unittest.SkipTest(f"{cls.tool} has no `inspect --annotate` yet")
        cls.script = load_script()
        cls.rows = parse_readme(README.read_text(encoding="utf-8"))

    def test_every_file_has_a_current_dump(self):
        files = self.script.case_files()
        self.assertGreater(len(files), 0)
        for path in files:
            with self.subTest(file=path.relative_to(NEGATIVE).as_posix()):
                dump = self.script.dump_path(path)
                self.assertTrue(dump.is_file(), "no .txt dump: run scripts/annotate_negative.py")
                self.assertEqual(dump.read_text(encoding="utf-8"), self.script.annotate(self.tool, path),
                                 "stale dump: rerun scripts/annotate_negative.py")

    def test_no_orphaned_dumps(self):
        wanted = {self.script.dump_path(p) for p in self.script.case_files()}
        orphans = sorted(p.relative_to(NEGATIVE).as_posix() for p in NEGATIVE.rglob("*.txt") if p not in wanted)
        self.assertEqual(orphans, [], "dumps with no case file")

    def test_marker_names_the_expected_class_and_offset(self):
        checked = 0
        for row in self.rows:
            if row.file.endswith("/") or row.cls in NEEDS_DEPS:
                continue
            with self.subTest(row=str(row)):
                lines = self.script.dump_path(row.path).read_text(encoding="utf-8").splitlines()
                markers = [line for line in lines if line.startswith(">>> ")]
                self.assertEqual(len(markers), 1, "exactly one marker line")
                self.assertEqual(lines[-1], markers[0], "the marker ends the dump")
                self.assertTrue(markers[0].startswith(f">>> 0x{row.offset:06x}: {row.cls}: "),
                                f"expected `>>> 0x{row.offset:06x}: {row.cls}: ...`, got `{markers[0]}`")
                checked += 1
        self.assertGreater(checked, 100)

    def test_check_mode(self):
        proc = subprocess.run([sys.executable, str(SCRIPT), "--regiontool", str(self.tool), "--check"],
                              capture_output=True, text=True, timeout=600)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)


if __name__ == "__main__":
    unittest.main()
