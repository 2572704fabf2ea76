"""Unit tests for scripts/cf/corpora.py (`regression`, `minimize`, `gen`) and the libFuzzer
file replay the nightly's regression stage uses, with fake fuzz binaries.

Run from the repo root: python3 -m unittest discover -s tests/scripts -v
"""

import contextlib
import io
import os
import unittest
from pathlib import Path
from unittest import mock

import support
from cf import common, corpora, libfuzzer

ENTRY = support.load_entry()

FAKE_MERGE = """
import hashlib, os, sys
args = [a for a in sys.argv[1:] if not a.startswith("-")]
assert "-merge=1" in sys.argv, sys.argv
if os.environ.get("FAKE_FAIL"):
    print("==1==ERROR: libFuzzer: deadly signal"); sys.exit(1)
dest, sources = args[0], args[1:]
# "coverage" of an input is its first byte; keep one input per new first byte
seen = {open(os.path.join(dest, f), "rb").read()[:1] for f in os.listdir(dest)}
added = 0
for src in sources:
    for name in sorted(os.listdir(src)):
        data = open(os.path.join(src, name), "rb").read()
        if data[:1] not in seen:
            seen.add(data[:1]); added += 1
            open(os.path.join(dest, hashlib.sha1(data).hexdigest()), "wb").write(data)
print(f"MERGE-OUTER: {added} new files with {added} new features added; {added} new coverage edges")
"""


class MinimizeTest(support.TempDirTest):
    def corpus(self):
        root = self.tmpdir() / "corpus"
        seeds, regs = root / "fuzz_load", root / "regressions" / "fuzz_load"
        seeds.mkdir(parents=True)
        regs.mkdir(parents=True)
        for name, data in (("s1", b"aaaa"), ("s2", b"abbb"), ("s3", b"bccc"), ("s4", b"b"),
                           ("s5", b"cddd")):
            (seeds / name).write_bytes(data)
        (regs / "crash-1").write_bytes(b"a-crash")  # first byte seen: only kept as a reproducer
        (regs / "crash-2").write_bytes(b"zz")
        return root, seeds

    def test_merge_keeps_coverage_and_every_reproducer(self):
        root, seeds = self.corpus()
        fake = support.script(self.tmpdir() / "fuzz_load", FAKE_MERGE)
        with contextlib.redirect_stdout(io.StringIO()):
            before, after = corpora.minimize_target(fake, "fuzz_load", root)
        self.assertEqual(before, (5, 17))
        # merged: one input per new first byte (aaaa, bccc, cddd, zz), then both reproducers
        contents = sorted(p.read_bytes() for p in seeds.iterdir())
        self.assertEqual(contents, [b"a-crash", b"aaaa", b"bccc", b"cddd", b"zz", b"zz"])
        self.assertEqual(after, (6, 23))
        self.assertTrue((seeds / "crash-1").is_file() and (seeds / "crash-2").is_file())
        self.assertEqual(sorted(p.name for p in root.iterdir()), ["fuzz_load", "regressions"])

    def test_failed_merge_leaves_corpus_untouched(self):
        root, seeds = self.corpus()
        fake = support.script(self.tmpdir() / "fuzz_load", FAKE_MERGE)
        with mock.patch.dict(os.environ, {"FAKE_FAIL": "1"}), \
             contextlib.redirect_stdout(io.StringIO()), self.assertRaises(common.DriverError):
            corpora.minimize_target(fake, "fuzz_load", root)
        self.assertEqual(sorted(p.name for p in seeds.iterdir()), ["s1", "s2", "s3", "s4", "s5"])
        self.assertEqual(sorted(p.name for p in root.iterdir()), ["fuzz_load", "regressions"])

    def test_cmd_minimize_prints_counts(self):
        root, _ = self.corpus()
        build = self.tmpdir()
        support.script(build / "bin" / "fuzz_load", FAKE_MERGE)
        out = io.StringIO()
        with mock.patch.object(common, "build_dir", lambda preset, canary=None: build), \
             contextlib.redirect_stdout(out):
            rc = corpora.cmd_minimize(ENTRY.parse_args(
                ["minimize", "--targets", "fuzz_load", "--corpus-root", str(root), "--no-build"]))
        self.assertEqual(rc, 0)
        self.assertRegex(out.getvalue(), r"minimize: fuzz_load +5 files +17 B -> +6 files +23 B")


FAKE_REPLAY = """
import os, sys
files = []
for a in sys.argv[1:]:
    if os.path.isdir(a):
        files += [os.path.join(r, f) for r, _, fs in os.walk(a) for f in fs]
    else:
        files.append(a)
for f in files:
    if b"BAD" in open(f, "rb").read():
        print("core/x.cc:3: CF_CHECK(ok) failed: bad input", file=sys.stderr); sys.exit(1)
print(f"replay: {len(files)} inputs run, 0 unreadable")
sys.exit(0 if files else 1)
"""



class ReplayTest(support.TempDirTest):
    def corpus(self):
        root = self.tmpdir() / "corpus"
        for d, name, data in (("regressions/fuzz_io", "r1", b"ok"), ("fuzz_io", "s1", b"ok"),
                              ("fuzz_io", "s2", b"BAD"), ("fuzz_io", "s3", b"ok"),
                              ("real", "x.olean", b"ok"), ("negative", "bad_magic", b"BAD!")):
            (root / d).mkdir(parents=True, exist_ok=True)
            (root / d / name).write_bytes(data)
        return root

    def test_dirs_in_order(self):
        root = self.corpus()
        self.assertEqual([p.name for p in corpora.replay_dirs("fuzz_io", root)],
                         ["fuzz_io", "fuzz_io", "real", "negative"])
        self.assertEqual(corpora.replay_dirs("fuzz_chain", root), [root / "real", root / "negative"])

    def test_replay_driver_names_the_culprits(self):
        root = self.corpus()
        fake = support.script(self.tmpdir() / "fuzz_io", FAKE_REPLAY)
        result = corpora.replay_target(fake, corpora.replay_dirs("fuzz_io", root))
        self.assertEqual([Path(f).name for f, _ in result["failures"]], ["s2", "bad_magic"])
        self.assertIn("CF_CHECK", result["failures"][0][1])
        self.assertEqual(result["inputs"], 1 + 3 + 1 + 1)

    def test_cmd_regression_exit(self):
        root = self.corpus()
        build = self.tmpdir()
        support.script(build / "bin" / "fuzz_io", FAKE_REPLAY)
        argv = ["regression", "--targets", "fuzz_io", "--corpus-root", str(root), "--no-build"]
        with mock.patch.object(common, "build_dir", lambda preset, canary=None: build), \
             contextlib.redirect_stdout(io.StringIO()):
            with self.assertRaises(common.DriverError) as caught:
                corpora.cmd_regression(ENTRY.parse_args(argv))
            self.assertIn("fuzz_io/s2", str(caught.exception))
            (root / "fuzz_io" / "s2").write_bytes(b"fixed")
            (root / "negative" / "bad_magic").write_bytes(b"fixed")
            self.assertEqual(corpora.cmd_regression(ENTRY.parse_args(argv)), 0)

    def test_libfuzzer_file_replay_continues_past_failures(self):
        root = self.corpus()
        fake = support.script(self.tmpdir() / "fuzz_io", support.FAKE_LIBFUZZER_FILES)
        paths = [p for d in corpora.replay_dirs("fuzz_io", root) for p in common.files_in(d)]
        result = libfuzzer.replay_files(fake, paths, {"timeout": "5"})
        self.assertEqual(result["inputs"], 6)
        self.assertEqual([Path(f).name for f, _ in result["failures"]], ["s2", "bad_magic"])


class GenTest(support.TempDirTest):
    def test_gen_runs_seedgen_and_counts(self):
        build, out = self.tmpdir(), self.tmpdir() / "seeds"
        support.script(build / "bin" / "cf_seedgen", """
            import os, sys
            assert sys.argv[1] == "--real" and sys.argv[2].endswith("corpus/real"), sys.argv
            out = sys.argv[sys.argv.index("--out") + 1]
            os.makedirs(os.path.join(out, "fuzz_load"))
            open(os.path.join(out, "fuzz_load", "s1"), "wb").write(b"abc")
            """)
        stdout = io.StringIO()
        with mock.patch.object(common, "build_dir", lambda preset, canary=None: build), \
             contextlib.redirect_stdout(stdout):
            rc = corpora.cmd_gen(ENTRY.parse_args(["gen", "--out", str(out), "--no-build"]))
        self.assertEqual(rc, 0)
        self.assertRegex(stdout.getvalue(), r"gen: fuzz_load +1 files +3 B in ")
        self.assertRegex(stdout.getvalue(), r"gen: fuzz_io +0 files")

    def test_gen_without_seedgen_fails(self):
        build = self.tmpdir()
        with mock.patch.object(common, "build_dir", lambda preset, canary=None: build):
            with self.assertRaises(common.DriverError):
                corpora.cmd_gen(ENTRY.parse_args(["gen", "--no-build"]))


if __name__ == "__main__":
    unittest.main()
