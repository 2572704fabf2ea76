"""Unit tests for scripts/cf/ossfuzz.py (the `oss-fuzz` subcommand): the environment it gives
build.sh per sanitizer, and the checks it runs over $OUT (files, options, edges, call counts).

Run from the repo root: python3 -m unittest discover -s tests/scripts -v
"""

import contextlib
import io
import os
import shutil
import subprocess
import tempfile
import unittest
import zipfile
from pathlib import Path

import support
from cf import common, ossfuzz

ROOT = Path(__file__).resolve().parents[2]


ENTRY = support.load_entry()

# A real banner: libFuzzer (clang-14) starting build/fuzz/bin/fuzz_inspect -runs=4 on an
# empty directory.
BANNER = """\
INFO: Running with entropic power schedule (0xFF, 100).
INFO: Seed: 1337
INFO: Loaded 1 modules   (4431 inline 8-bit counters): 4431 [0x562ad9bd6950, 0x562ad9bd7a9f), 
INFO: Loaded 1 PC tables (4431 PCs): 4431 [0x562ad9bd7aa0,0x562ad9be8f90), 
INFO:        0 files found in empty
INFO: -max_len is not provided; libFuzzer will not generate inputs larger than 4096 bytes
INFO: A corpus is not provided, starting from an empty corpus
#2	INITED cov: 91 ft: 92 corp: 1/1b exec/s: 0 rss: 31Mb
#4	DONE   cov: 91 ft: 92 corp: 1/1b lim: 4 exec/s: 0 rss: 31Mb
Done 4 runs in 0 second(s)
"""

GOOD_OPTIONS = "[libfuzzer]\nmax_len = 400000\ntimeout = 25\nrss_limit_mb = 2560\n"
GOOD_DICT = '# tokens\nmagic="olean"\n"\\x00\\x01"\n\nkw_quote="a\\"b"\n'


def make_out(directory, target="fuzz_demo", seeds=("a", "b"), skip=()):
    """Lay out a fake $OUT: an executable ELF binary (a copy of /bin/true), a flat seed zip,
    a dictionary and an options file; leave out any file kind named in `skip`."""
    out = Path(directory)
    if "binary" not in skip:
        shutil.copy(shutil.which("true"), out / target)
        os.chmod(out / target, 0o755)
    if "zip" not in skip:
        with zipfile.ZipFile(out / f"{target}_seed_corpus.zip", "w") as z:
            for name in seeds:
                z.writestr(name, b"seed " + name.encode())
    if "dict" not in skip:
        (out / f"{target}.dict").write_text(GOOD_DICT)
    if "options" not in skip:
        (out / f"{target}.options").write_text(GOOD_OPTIONS)
    return out


class EnvTest(unittest.TestCase):
    """The variables build.sh sees, per sanitizer, match OSS-Fuzz's base-builder."""

    def env(self, sanitizer):
        """ossfuzz_env over an empty base environment."""
        return ossfuzz.ossfuzz_env(sanitizer, "/s", "/w", "/o", base={"PATH": "/bin"})

    def test_address(self):
        env = self.env("address")
        self.assertEqual(env["CC"], "clang-14")
        self.assertEqual(env["CXX"], "clang++-14")
        self.assertEqual(env["LIB_FUZZING_ENGINE"], "-fsanitize=fuzzer")
        self.assertEqual(env["CFLAGS"], env["CXXFLAGS"])
        flags = env["CFLAGS"].split()
        for f in ("-O1", "-fno-omit-frame-pointer", "-gline-tables-only",
                  "-DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION", "-fsanitize=address",
                  "-fsanitize-address-use-after-scope", "-fsanitize=fuzzer-no-link"):
            self.assertIn(f, flags)
        self.assertNotIn("-fsanitize=fuzzer", flags)  # the engine is only linked
        self.assertFalse(any("undefined" in f or "-stdlib" in f for f in flags))
        self.assertEqual((env["SRC"], env["WORK"], env["OUT"]), ("/s", "/w", "/o"))
        self.assertEqual((env["SANITIZER"], env["FUZZING_ENGINE"]), ("address", "libfuzzer"))
        self.assertEqual(env["PATH"], "/bin")

    def test_undefined(self):
        env = self.env("undefined")
        flags = env["CXXFLAGS"].split()
        self.assertNotIn("-fsanitize=address", flags)
        self.assertIn("-fsanitize=fuzzer-no-link", flags)
        checks = next(f for f in flags if f.startswith("-fsanitize=array-bounds"))
        fatal = next(f for f in flags if f.startswith("-fno-sanitize-recover="))
        checks = set(checks.split("=", 1)[1].split(","))
        fatal = set(fatal.split("=", 1)[1].split(","))
        # OSS-Fuzz: unsigned overflow is checked but recoverable (and silenced at run time).
        self.assertEqual(checks - fatal, {"unsigned-integer-overflow"})
        self.assertTrue({"signed-integer-overflow", "shift", "vptr", "null", "function",
                         "object-size", "enum", "bool"} <= fatal)
        self.assertIn("silence_unsigned_overflow=1", ossfuzz.runtime_env({})["UBSAN_OPTIONS"])

    def test_unknown_sanitizer(self):
        with self.assertRaises(common.DriverError) as e:
            self.env("memory")
        self.assertEqual(e.exception.exit_code, 2)


class OptionsTest(unittest.TestCase):
    """The .options check: ini, a [libfuzzer] section, flag names, integer limits."""

    def check(self, text):
        """options_problems over a file holding text."""
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "t.options"
            path.write_text(text)
            return ossfuzz.options_problems(path)

    def test_good(self):
        options, problems = self.check(GOOD_OPTIONS)
        self.assertEqual(problems, [])
        self.assertEqual(options, {"max_len": "400000", "timeout": "25", "rss_limit_mb": "2560"})

    def test_no_section(self):
        _, problems = self.check("[afl]\ntimeout = 25\n")
        self.assertEqual(len(problems), 1)
        self.assertIn("no [libfuzzer] section", problems[0])

    def test_not_ini(self):
        _, problems = self.check("max_len = 5\n")
        self.assertIn("does not parse", problems[0])

    def test_bad_values(self):
        _, problems = self.check("[libfuzzer]\ntimeout = soon\nMax-Len = 3\n")
        self.assertEqual(len(problems), 2)
        self.assertTrue(any("timeout" in p for p in problems))
        self.assertTrue(any("'max-len' is not a libFuzzer flag name" in p for p in problems))

    def test_missing(self):
        options, problems = ossfuzz.options_problems("/nonexistent/t.options")
        self.assertEqual((options, problems), ({}, ["t.options missing"]))

    def test_engine_flags_resolve_dict(self):
        flags = ossfuzz.engine_flags({"dict": "t.dict", "timeout": "25"}, "/out")
        self.assertEqual(flags, ["-dict=/out/t.dict", "-timeout=25"])


class DictTest(unittest.TestCase):
    """The dictionary check accepts libFuzzer's syntax and names a bad line."""

    def check(self, text):
        """dict_problems over a file holding text."""
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "t.dict"
            path.write_text(text)
            return ossfuzz.dict_problems(path)

    def test_good(self):
        self.assertEqual(self.check(GOOD_DICT), [])

    def test_unquoted(self):
        problems = self.check('ok="x"\nbad=x\n')
        self.assertEqual(len(problems), 1)
        self.assertIn("t.dict:2", problems[0])

    def test_empty(self):
        self.assertEqual(self.check("# nothing\n"), ["t.dict has no entries"])

    def test_project_dicts(self):
        for path in sorted((ROOT / "corpus").glob("*.dict")):
            with self.subTest(path.name):
                self.assertEqual(ossfuzz.dict_problems(path), [])


class EdgesTest(unittest.TestCase):
    """The edge count comes from libFuzzer's 'Loaded N modules' banner."""

    def test_real_banner(self):
        self.assertEqual(ossfuzz.parse_edges(BANNER), 4431)

    def test_no_banner(self):
        self.assertIsNone(ossfuzz.parse_edges("INFO: Seed: 1\nDone 4 runs in 0 second(s)\n"))

    def test_guards_and_modules_sum(self):
        text = ("INFO: Loaded 1 modules   (120 guards): 120 [0x1, 0x2), \n"
                "INFO: Loaded 2 modules   (30 inline 8-bit counters): 10 [0x3, 0x4), 20 [0x5, 0x6), \n")
        self.assertEqual(ossfuzz.parse_edges(text), 150)


class SanitizerCallsTest(unittest.TestCase):
    """Call-site counting over objdump output, and the mixed/missing sanitizer verdicts."""

    DISASM = ("  401000:\tcall   401a20 <__asan_report_load8>\n"
              "  401005:\tcallq  401a20 <__asan_report_store4>\n"
              "  40100a:\tcall   402000 <__ubsan_handle_shift_out_of_bounds_abort>\n"
              "  40100f:\tjmp    401a20 <__asan_report_load8>\n"
              "  401014:\tcall   403000 <memcpy@plt>\n")

    def test_count(self):
        counts = ossfuzz.count_sanitizer_calls(self.DISASM)
        self.assertEqual(counts, {"asan": 2, "ubsan": 1, "msan": 0, "dfsan": 0})

    def test_verdicts(self):
        asan = {"asan": 5000, "ubsan": 10, "msan": 0, "dfsan": 0}
        ubsan = {"asan": 0, "ubsan": 3000, "msan": 0, "dfsan": 0}
        self.assertEqual(ossfuzz.sanitizer_problems("address", asan), [])
        self.assertEqual(ossfuzz.sanitizer_problems("undefined", ubsan), [])
        self.assertIn("not built with ASan", ossfuzz.sanitizer_problems("address", ubsan)[0])
        self.assertIn("mixed", ossfuzz.sanitizer_problems("undefined", asan)[-1])
        mixed = dict(asan, ubsan=3000)
        self.assertIn("mixed", ossfuzz.sanitizer_problems("address", mixed)[0])


class StaticChecksTest(unittest.TestCase):
    """The per-target file check over a fake $OUT fails on each missing or broken file."""

    def test_complete(self):
        with tempfile.TemporaryDirectory() as d:
            make_out(d)
            result = ossfuzz.static_checks(d, "fuzz_demo")
            self.assertEqual(result["problems"], [])
            self.assertEqual(result["seeds"], 2)

    def test_missing_each(self):
        names = {"binary": "fuzz_demo missing", "zip": "fuzz_demo_seed_corpus.zip missing",
                 "dict": "fuzz_demo.dict missing", "options": "fuzz_demo.options missing"}
        for kind, message in names.items():
            with self.subTest(kind), tempfile.TemporaryDirectory() as d:
                make_out(d, skip=(kind,))
                self.assertEqual(ossfuzz.static_checks(d, "fuzz_demo")["problems"], [message])

    def test_broken_zip_and_nested_and_empty(self):
        with tempfile.TemporaryDirectory() as d:
            out = make_out(d)
            (out / "fuzz_demo_seed_corpus.zip").write_bytes(b"not a zip")
            self.assertIn("not a readable zip",
                          ossfuzz.static_checks(d, "fuzz_demo")["problems"][0])
        with tempfile.TemporaryDirectory() as d:
            make_out(d, seeds=("dir/a",))
            self.assertIn("not flat", ossfuzz.static_checks(d, "fuzz_demo")["problems"][0])
        with tempfile.TemporaryDirectory() as d:
            make_out(d, seeds=())
            self.assertIn("holds no seeds", ossfuzz.static_checks(d, "fuzz_demo")["problems"][0])

    def test_not_executable_not_elf(self):
        with tempfile.TemporaryDirectory() as d:
            out = make_out(d, skip=("binary",))
            (out / "fuzz_demo").write_text("#!/bin/sh\n")
            problems = ossfuzz.static_checks(d, "fuzz_demo")["problems"]
            self.assertEqual(problems, ["fuzz_demo is not executable",
                                        "fuzz_demo is not an ELF executable"])

    def test_check_out_skips_dynamic_without_binary(self):
        with tempfile.TemporaryDirectory() as d:
            make_out(d, skip=("binary", "dict"))
            results = ossfuzz.check_out(d, ["fuzz_demo"], "address")
            self.assertEqual(results[0]["problems"], ["fuzz_demo missing", "fuzz_demo.dict missing"])
            out = io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
                ossfuzz.print_table(results)
            self.assertRegex(out.getvalue(), r"fuzz_demo\s+-\s+-\s+2\s+FAIL")


class BuildScriptTest(unittest.TestCase):
    """scripts/oss-fuzz/build.sh refuses to run without OSS-Fuzz's variables and names a
    missing per-target file (run against a copy of the tree's layout, no compiler needed)."""

    def run_build(self, root, env):
        """Run a build.sh copy living in root/scripts/oss-fuzz; return (rc, stderr)."""
        result = subprocess.run(["bash", str(root / "scripts" / "oss-fuzz" / "build.sh")],
                                capture_output=True, text=True, env=env)
        return result.returncode, result.stderr

    def test_missing_variable_and_file(self):
        with tempfile.TemporaryDirectory() as d:
            root = Path(d)
            (root / "scripts" / "oss-fuzz").mkdir(parents=True)
            shutil.copy(ROOT / "scripts" / "oss-fuzz" / "build.sh", root / "scripts" / "oss-fuzz")
            (root / "harness").mkdir()
            (root / "harness" / "fuzz_demo.cc").write_text("")
            (root / "CMakeLists.txt").write_text("")
            (root / "corpus" / "fuzz_demo").mkdir(parents=True)
            (root / "corpus" / "fuzz_demo.dict").write_text(GOOD_DICT)
            env = {"PATH": os.environ["PATH"], "CC": "cc", "CXX": "c++", "OUT": d + "/out",
                   "WORK": d + "/work"}
            rc, err = self.run_build(root, env)
            self.assertEqual(rc, 1)
            self.assertIn("$LIB_FUZZING_ENGINE is not set", err)
            env["LIB_FUZZING_ENGINE"] = "-fsanitize=fuzzer"
            rc, err = self.run_build(root, env)
            self.assertEqual(rc, 1)
            self.assertIn("corpus/fuzz_demo.options", err)
            self.assertNotIn("fuzz_demo.dict", err)


class CommandTest(unittest.TestCase):
    """The subcommand is registered with its options."""

    def test_registered(self):
        self.assertIn("oss-fuzz", ENTRY.SUBCOMMANDS)
        args = ENTRY.parse_args(["oss-fuzz", "--sanitizer", "undefined"])
        self.assertEqual((args.sanitizer, args.out), ("undefined", "out/oss-fuzz"))
        with contextlib.redirect_stderr(io.StringIO()), self.assertRaises(SystemExit):
            ENTRY.parse_args(["oss-fuzz", "--sanitizer", "memory"])

    def test_targets_follow_harness(self):
        self.assertEqual(ossfuzz.harness_targets(ROOT), sorted(common.FUZZ_TARGETS))


if __name__ == "__main__":
    unittest.main()
