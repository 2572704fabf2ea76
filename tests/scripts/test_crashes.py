"""Unit tests for scripts/cf/crashes.py: the identity of a crash.

Reading sanitizer, libFuzzer and CF_CHECK output, the dedup token and what does and does not
change it, the nightly's view of a finding and its grouping, and storing reproducers. The
identity tests show that the nightly's crash path (a libFuzzer build replaying an artifact) and
`reproduce` (the asan replay-driver build) give one input one token, the one the stored
reproducer is named by.

Run from the repo root: python3 -m unittest discover -s tests/scripts -v
"""

import contextlib
import hashlib
import io
import re
import tempfile
import unittest
from pathlib import Path
from unittest import mock

import support
from support import rewrite_addresses_and_lines
from cf import build, common, crashes, nightly, reproduce
from fixtures import (ASAN_A1, ASAN_A2, ASAN_FUZZ_LOAD, ASAN_FUZZ_LOAD_NOW, ASAN_LIBFUZZER, CF_CHECK_ABORT, CF_CHECK_C1,
                      LIBFUZZER_SINGLE, TIMEOUT_T1, UBSAN_OVERFLOW, UBSAN_U1)

ENTRY = support.load_entry()


LIBFUZZER_BOTTOM = """\
    #8 0x55d1f62c3 in fuzzer::Fuzzer::ExecuteCallback(unsigned char const*, unsigned long) (/work/main/build/fuzz/bin/fuzz_load+0x432c3) (BuildId: 213dac0c8f17f208274ee1f8840e5d302368a7a4)
    #9 0x55d1f4c2cf in fuzzer::RunOneTest(fuzzer::Fuzzer*, char const*, unsigned long) (/work/main/build/fuzz/bin/fuzz_load+0x2d2cf) (BuildId: 213dac0c8f17f208274ee1f8840e5d302368a7a4)
    #10 0x55d1f52006 in fuzzer::FuzzerDriver(int*, char***, int (*)(unsigned char const*, unsigned long)) (/work/main/build/fuzz/bin/fuzz_load+0x33006) (BuildId: 213dac0c8f17f208274ee1f8840e5d302368a7a4)
    #11 0x55d1f7be42 in main (/work/main/build/fuzz/bin/fuzz_load+0x5ce42) (BuildId: 213dac0c8f17f208274ee1f8840e5d302368a7a4)
    #12 0x7f96c0565249 in __libc_start_call_main csu/../sysdeps/nptl/libc_start_call_main.h:58:16
"""


def as_libfuzzer_build(replay_output, artifact="crash-1"):
    """ASAN_FUZZ_LOAD as the libFuzzer build of the same target prints it for the same input:
    libFuzzer's banner, other addresses, and the engine's frames instead of the replay driver's
    below LLVMFuzzerTestOneInput."""
    lines = replay_output.splitlines(keepends=True)
    top = [l for l in lines if re.match(r"\s*#[0-7] ", l)][:8]
    first = lines.index(top[0])
    rest = lines[first + 13:]  # the replay driver's stack had 13 frames
    text = ("INFO: Seed: 1083075100\nINFO: Loaded 1 modules   (9120 inline 8-bit counters)\n"
            f"./fuzz_load: Running 1 inputs 1 time(s) each.\nRunning: {artifact}\n"
            + "".join(lines[:first] + top) + LIBFUZZER_BOTTOM + "".join(rest))
    return rewrite_addresses_and_lines(text, 5)


class ParseTest(unittest.TestCase):
    def test_asan_report_of_the_canary(self):
        f = crashes.classify(-6, ASAN_FUZZ_LOAD)
        self.assertEqual(f["kind"], "sanitizer")
        self.assertTrue(f["error"].startswith("AddressSanitizer: heap-buffer-overflow on address"))
        self.assertTrue(f["summary"].startswith("AddressSanitizer: heap-buffer-overflow /work/main/oracles/graph_dump.cc"))
        # the crash stack only: 13 frames, not the 7 of "allocated by thread T0 here"
        self.assertEqual([fr["index"] for fr in f["frames"]], list(range(13)))
        top = f["frames"][0]
        self.assertEqual(crashes.short_function(top["function"]), "cf::oracles::(anonymous namespace)::hex_bytes")
        self.assertEqual((crashes.project_path(top["file"]), top["line"]), ("oracles/graph_dump.cc", 21))
        self.assertEqual(f["frames"][12]["function"], "_start")
        self.assertTrue(f["frames"][12]["module"].endswith("bin/fuzz_load"))
        mine = [crashes.short_function(fr["function"]) for fr in f["frames"] if crashes.is_project_frame(fr)]
        self.assertEqual(mine[:3], ["cf::oracles::(anonymous namespace)::hex_bytes",
                                    "cf::oracles::(anonymous namespace)::Dumper::object_node",
                                    "cf::oracles::(anonymous namespace)::Dumper::emit"])
        self.assertEqual(mine[-1], "main")  # harness/replay_main.cc is project code; libc is not
        self.assertEqual(len(mine), 10)

    def test_a_second_stack_right_after_the_first_is_not_appended(self):
        glued = re.sub(r"\n\n0x6190.*?here:\n", "\n", ASAN_FUZZ_LOAD, flags=re.S)
        self.assertNotIn("allocated by", glued)
        frames = crashes.classify(-6, glued)["frames"]
        self.assertEqual([fr["index"] for fr in frames], list(range(13)))

    def test_libfuzzer_report_skips_engine_frames(self):
        f = crashes.classify(-6, ASAN_LIBFUZZER)
        self.assertEqual(f["kind"], "sanitizer")
        mine = [crashes.short_function(fr["function"]) for fr in f["frames"] if crashes.is_project_frame(fr)]
        self.assertEqual(mine, ["cf::(anonymous namespace)::sum_words", "cf::checksum", "LLVMFuzzerTestOneInput"])
        engine = [fr for fr in f["frames"] if (fr["function"] or "").startswith("fuzzer::")]
        self.assertEqual(len(engine), 3)
        self.assertTrue(all(fr["module"] for fr in engine))

    def test_ubsan_report(self):
        f = crashes.classify(1, UBSAN_OVERFLOW)
        self.assertEqual(f["kind"], "sanitizer")
        self.assertEqual(f["error"], "core/ub.cc:4:37: runtime error: signed integer overflow: "
                                     "100000 * 1048576 cannot be represented in type 'int'")
        self.assertTrue(f["summary"].startswith("UndefinedBehaviorSanitizer: undefined-behavior core/ub.cc:4:37"))
        self.assertEqual([crashes.short_function(fr["function"]) for fr in f["frames"] if crashes.is_project_frame(fr)],
                         ["cf::scale", "cf::walk", "main"])

    def test_cf_check_line(self):
        f = crashes.classify(-6, CF_CHECK_ABORT)
        self.assertEqual(f["kind"], "check")
        self.assertEqual(f["check"]["file"], "harness/check_demo.cc")
        self.assertEqual(f["check"]["line"], 6)
        self.assertEqual(f["check"]["cond"], "a_ok == s_ok")
        self.assertEqual(f["check"]["reason"], "verdicts differ: automatic ok, slow rejected")

    def test_cf_check_with_parentheses_in_condition(self):
        line = "/w/harness/fuzz_load.cc:44: CF_CHECK(a.ok() == s.ok()) failed: verdicts differ: (x)"
        f = crashes.classify(134, "replay stuff\n" + line + "\n")
        self.assertEqual((f["check"]["cond"], f["check"]["reason"]), ("a.ok() == s.ok()", "verdicts differ: (x)"))

    def test_exit_zero_is_no_finding_even_with_noise(self):
        self.assertEqual(crashes.classify(0, "replay: 1 inputs run, 0 unreadable\n")["kind"], "none")
        self.assertIsNone(crashes.classify(0, "")["token"])

    def test_other_failures(self):
        self.assertEqual(crashes.classify(None, "")["kind"], "timeout")
        other = crashes.classify(-9, "Killed\n")
        self.assertEqual(other["kind"], "crash")
        self.assertNotEqual(other["token"], crashes.classify(-11, "")["token"])

    def test_short_function(self):
        cases = {
            "cf::oracles::(anonymous namespace)::hex_bytes[abi:cxx11](unsigned char const*, unsigned long)":
                "cf::oracles::(anonymous namespace)::hex_bytes",
            "cf::Walker::check_ctor(unsigned long, cf::ObjectHeader const&) const": "cf::Walker::check_ctor",
            "void std::vector<int, std::allocator<int> >::f<char const*>(char const*)":
                "void std::vector<int, std::allocator<int> >::f<char const*>",
            "LLVMFuzzerTestOneInput": "LLVMFuzzerTestOneInput",
            "(anonymous namespace)::dump[abi:cxx11](cf::Region const&)": "(anonymous namespace)::dump",
        }
        for raw, want in cases.items():
            self.assertEqual(crashes.short_function(raw), want, raw)

    def test_project_path(self):
        self.assertEqual(crashes.project_path("/work/main/core/region_walker.cc"), "core/region_walker.cc")
        self.assertEqual(crashes.project_path("/src/compactfuzz/core/region_walker.cc"), "core/region_walker.cc")
        self.assertEqual(crashes.project_path("harness/fuzz_load.cc"), "harness/fuzz_load.cc")
        for foreign in ("/usr/include/c++/12/bits/stl_vector.h", "csu/../csu/libc-start.c",
                        "/build/llvm-toolchain-14-x/compiler-rt/lib/fuzzer/FuzzerLoop.cpp", None, ""):
            self.assertIsNone(crashes.project_path(foreign), foreign)


class TokenTest(unittest.TestCase):
    def test_addresses_and_line_numbers_do_not_change_it(self):
        base = crashes.classify(-6, ASAN_FUZZ_LOAD)["token"]
        for seed in (1, 7, 300):
            other = rewrite_addresses_and_lines(ASAN_FUZZ_LOAD, seed)
            self.assertNotEqual(other, ASAN_FUZZ_LOAD)
            self.assertEqual(crashes.classify(-6, other)["token"], base)

    def test_a_different_top_frame_changes_it(self):
        base = crashes.classify(-6, ASAN_FUZZ_LOAD)["token"]
        moved = ASAN_FUZZ_LOAD.replace("Dumper::object_node", "Dumper::scalar_node")
        self.assertNotEqual(crashes.classify(-6, moved)["token"], base)

    def test_frames_below_the_top_three_do_not_count(self):
        base = crashes.classify(-6, ASAN_FUZZ_LOAD)["token"]
        deeper = ASAN_FUZZ_LOAD.replace("Dumper::node_of", "Dumper::other_node")
        self.assertEqual(crashes.classify(-6, deeper)["token"], base)

    def test_non_project_frames_are_ignored(self):
        base = crashes.classify(-6, ASAN_LIBFUZZER)["token"]
        # drop the libFuzzer and libc frames: the token stays
        kept = [l for l in ASAN_LIBFUZZER.splitlines()
                if not re.match(r"\s*#([3-9]|1[01]) ", l) or "allocated" in l]
        self.assertEqual(crashes.classify(-6, "\n".join(kept))["token"], base)
        # a runtime/std frame on top of the stack (an interceptor, an inlined std:: call) neither
        tops = ("    #0 0x4a1b2c in __asan_memcpy (/x/bin/fuzz_load+0x4a1b2c)",
                "    #0 0x4a1b2c in std::vector<unsigned char>::operator[](unsigned long) "
                "/usr/include/c++/12/bits/stl_vector.h:1123:2")
        for top in tops:
            shifted = re.sub(r"#(\d+) ", lambda m: f"#{int(m.group(1)) + 1} ", ASAN_LIBFUZZER)
            shifted = shifted.replace("    #1 ", top + "\n    #1 ", 1)
            self.assertEqual(crashes.classify(-6, shifted)["token"], base, top)

    def test_relocated_checkout_gives_the_same_token(self):
        moved = ASAN_FUZZ_LOAD.replace("/work/main/", "/src/compactfuzz/")
        self.assertEqual(crashes.classify(-6, moved)["token"], crashes.classify(-6, ASAN_FUZZ_LOAD)["token"])

    def test_cf_check_token_is_file_and_condition(self):
        base = crashes.classify(-6, CF_CHECK_ABORT)["token"]
        self.assertEqual(crashes.classify(-6, CF_CHECK_ABORT.replace(":6:", ":60:"))["token"], base)
        self.assertEqual(crashes.classify(-6, CF_CHECK_ABORT.replace("slow rejected", "slow ok"))["token"], base)
        self.assertNotEqual(crashes.classify(-6, CF_CHECK_ABORT.replace("a_ok == s_ok", "a_ok != s_ok"))["token"], base)
        self.assertNotEqual(crashes.classify(-6, CF_CHECK_ABORT.replace("check_demo", "fuzz_io"))["token"], base)

    def test_tokens_are_short_hex(self):
        for text in (ASAN_FUZZ_LOAD, ASAN_LIBFUZZER, UBSAN_OVERFLOW, CF_CHECK_ABORT):
            self.assertRegex(crashes.classify(1, text)["token"], r"^[0-9a-f]{8}$")
        tokens = {crashes.classify(1, t)["token"] for t in (ASAN_FUZZ_LOAD, ASAN_LIBFUZZER, UBSAN_OVERFLOW,
                                                            CF_CHECK_ABORT)}
        self.assertEqual(len(tokens), 4)

    def test_describe_prints_summary_frames_and_token(self):
        f = crashes.classify(-6, ASAN_FUZZ_LOAD)
        text = "\n".join(crashes.describe(f, "fuzz_load"))
        self.assertIn("SUMMARY: AddressSanitizer: heap-buffer-overflow", text)
        self.assertIn("#0 cf::oracles::(anonymous namespace)::hex_bytes oracles/graph_dump.cc:21", text)
        self.assertNotIn("__libc_start_main", text)
        self.assertIn(f"dedup token: {f['token']}", text)
        check = "\n".join(crashes.describe(crashes.classify(-6, CF_CHECK_ABORT), "fuzz_load"))
        self.assertIn("oracle finding (CF_CHECK) in fuzz_load: harness/check_demo.cc:6: CF_CHECK(a_ok == s_ok)", check)


class StoreTest(unittest.TestCase):
    def test_name_is_token_and_content_hash(self):
        data = b"\x01\x02region"
        self.assertEqual(crashes.stored_name("5beac22c", data), "5beac22c-" + hashlib.sha1(data).hexdigest()[:12])

    def test_same_content_is_stored_once(self):
        with tempfile.TemporaryDirectory() as d:
            first, already = crashes.store(Path(d) / "fuzz_load", "5beac22c", b"abc")
            self.assertFalse(already)
            self.assertEqual(first.read_bytes(), b"abc")
            again, already = crashes.store(Path(d) / "fuzz_load", "5beac22c", b"abc")
            self.assertTrue(already)
            self.assertEqual(again, first)
            # same bytes reached with another token (a different build's stack): still one file
            other, already = crashes.store(Path(d) / "fuzz_load", "00000000", b"abc")
            self.assertTrue(already)
            self.assertEqual(other, first)
            self.assertEqual(len(list((Path(d) / "fuzz_load").iterdir())), 1)

    def test_different_content_is_a_new_file(self):
        with tempfile.TemporaryDirectory() as d:
            a, _ = crashes.store(Path(d), "5beac22c", b"abc")
            b, already = crashes.store(Path(d), "5beac22c", b"abd")
            self.assertFalse(already)
            self.assertNotEqual(a, b)
            self.assertEqual(sorted(p.name for p in Path(d).iterdir()), sorted([a.name, b.name]))

    def test_ctest_name_and_command(self):
        self.assertEqual(crashes.ctest_name("fuzz_load", "5beac22c-0123456789ab"),
                         "regression.fuzz_load.5beac22c-0123456789ab")
        cmd = crashes.ctest_command("build/asan", "fuzz_load", "5beac22c-0123456789ab")
        self.assertTrue(cmd.startswith("cmake --build build/asan && ctest --test-dir build/asan"))
        regex = re.search(r"-R '(.*)'$", cmd).group(1)
        self.assertTrue(re.fullmatch(regex, "regression.fuzz_load.5beac22c-0123456789ab"))
        self.assertFalse(re.fullmatch(regex, "regressionXfuzz_load.5beac22c-0123456789ab"))
        self.assertFalse(re.search(regex, "regression.fuzz_load.5beac22c-0123456789abc"))


class SignatureTest(unittest.TestCase):
    """The nightly's view of a finding (kind, frames, token, summary) from libFuzzer builds."""

    def sig(self, text, rc=1):
        return crashes.signature(crashes.classify(rc, text))

    def test_same_stack_different_addresses_same_token(self):
        self.assertNotEqual(ASAN_A1, ASAN_A2)
        self.assertIn("0x5555d203c128", ASAN_A1)
        self.assertNotIn("0x5555d203c128", ASAN_A2)
        a1, a2 = self.sig(ASAN_A1), self.sig(ASAN_A2)
        self.assertEqual(a1["token"], a2["token"])
        self.assertEqual(a1["kind"], "heap-buffer-overflow")
        self.assertEqual(a1["frames"], ["cf::read_field core/bug.cc:5", "cf::walk core/bug.cc:6",
                                        "LLVMFuzzerTestOneInput harness/fuzz_bug.cc:9"])
        self.assertTrue(a1["summary"].startswith("AddressSanitizer: heap-buffer-overflow on address"))

    def test_different_frames_different_token(self):
        renamed = ASAN_A1.replace("cf::read_field", "cf::read_other")
        self.assertNotEqual(self.sig(renamed)["token"], self.sig(ASAN_A1)["token"])
        self.assertNotEqual(self.sig(UBSAN_U1)["token"], self.sig(ASAN_A1)["token"])

    def test_kind_is_reported_but_not_hashed(self):
        """Like OSS-Fuzz's crash state: the top frames name the bug, whatever the sanitizer
        called the bad access."""
        other = ASAN_A1.replace("heap-buffer-overflow", "heap-use-after-free")
        self.assertEqual(self.sig(other)["kind"], "heap-use-after-free")
        self.assertEqual(self.sig(other)["token"], self.sig(ASAN_A1)["token"])

    def test_line_moves_keep_the_token(self):
        moved = ASAN_A1.replace("bug.cc:5:68", "bug.cc:7:68")
        self.assertEqual(self.sig(moved)["token"], self.sig(ASAN_A1)["token"])

    def test_cf_check(self):
        s = self.sig(CF_CHECK_C1)
        self.assertEqual(s["kind"], "CF_CHECK")
        self.assertEqual(s["frames"], ["harness/fuzz_bug.cc:10 CF_CHECK(size < 3)"])
        other_reason = CF_CHECK_C1.replace("size 3 too big", "size 9 too big")
        self.assertEqual(self.sig(other_reason)["token"], s["token"])
        other_check = CF_CHECK_C1.replace("CF_CHECK(size < 3)", "CF_CHECK(size < 4)")
        self.assertNotEqual(self.sig(other_check)["token"], s["token"])

    def test_ubsan(self):
        s = self.sig(UBSAN_U1)
        self.assertEqual(s["kind"], "undefined-behavior")
        self.assertEqual(s["frames"][0], "cf::shift core/bug.cc:7")
        self.assertIn("shift exponent 64", s["summary"])

    def test_timeouts_share_one_token(self):
        """A hang cannot be deduplicated by its stack (it is wherever the alarm caught it), so
        every timeout has one token, libFuzzer's own and a deadline's alike."""
        s = self.sig(TIMEOUT_T1)
        self.assertEqual(s["kind"], "timeout")
        self.assertEqual(s["frames"], ["LLVMFuzzerTestOneInput harness/fuzz_bug.cc:12"])
        self.assertEqual(s["token"], crashes.token_of(["timeout"]))
        self.assertEqual(self.sig("", rc=None)["token"], s["token"])

    def test_out_of_memory(self):
        text = "==7== ERROR: libFuzzer: out-of-memory (used: 2561Mb; exceeds: 2560Mb)\n"
        s = self.sig(text)
        self.assertEqual((s["kind"], s["token"]), ("out-of-memory", crashes.token_of(["out-of-memory"])))

    def test_no_finding(self):
        self.assertEqual(crashes.classify(0, LIBFUZZER_SINGLE)["kind"], "none")
        self.assertEqual(crashes.no_repro_signature("fuzz_io")["kind"], "no-repro")
        self.assertNotEqual(crashes.no_repro_signature("fuzz_io")["token"],
                            crashes.no_repro_signature("fuzz_load")["token"])

    def test_grouping(self):
        findings = [{"target": "fuzz_load", "artifact": f"out/{n}", "signature": self.sig(t)}
                    for n, t in (("a1", ASAN_A1), ("u1", UBSAN_U1), ("a2", ASAN_A2))]
        findings.append({"target": "fuzz_chain", "artifact": "out/a3", "signature": self.sig(ASAN_A2)})
        unique = crashes.group_crashes(findings)
        self.assertEqual([(u["kind"], u["count"], u["artifact"]) for u in unique],
                         [("heap-buffer-overflow", 3, "out/a1"), ("undefined-behavior", 1, "out/u1")])
        self.assertEqual(unique[0]["targets"], ["fuzz_load", "fuzz_chain"])
        self.assertEqual(unique[0]["command"], "scripts/compactfuzz reproduce out/a1 --target fuzz_load")


class IdentityTest(support.TempDirTest):
    """One crash, one name: nightly dedup, reproduce and the stored reproducer agree."""

    def test_the_stored_reproducer_is_named_by_todays_rule(self):
        # ASAN_FUZZ_LOAD_NOW is the report the ctor_extent canary build prints for the reproducer
        # stored as corpus/regressions/fuzz_load/09e14f57-fd4cf0e5299a.
        self.assertEqual(crashes.classify(-6, ASAN_FUZZ_LOAD_NOW)["token"], "09e14f57")
        stored = common.ROOT / "corpus" / "regressions" / "fuzz_load" / "09e14f57-fd4cf0e5299a"
        self.assertTrue(stored.is_file())
        self.assertEqual(crashes.stored_name("09e14f57", stored.read_bytes()), stored.name)

    def test_the_stored_chain_reproducer_is_its_cf_check(self):
        # fuzz_chain's dep-order finding as harness/fuzz_check.h prints it for the dep_order
        # canary build on the reproducer stored as 5e767c42-8fe180fcfefd.
        line = ("/work/main/harness/fuzz_chain.cc:15: CF_CHECK(dep_order holds) failed: dep order: deps in order "
                "accepted; deps permuted rejected at part 2: region 2: missing_dep at offset 104 (0x68): pointer "
                "0x7ebd00010060 is outside this file and every dep\n")
        self.assertEqual(crashes.classify(-6, line)["token"], "5e767c42")
        self.assertTrue((common.ROOT / "corpus" / "regressions" / "fuzz_chain" / "5e767c42-8fe180fcfefd").is_file())

    def test_every_stored_reproducer_is_token_and_content_hash(self):
        stored = [p for t in common.FUZZ_TARGETS
                  for p in common.files_in(common.ROOT / "corpus" / "regressions" / t)]
        self.assertGreater(len(stored), 0)
        for path in stored:
            with self.subTest(path=common.rel(path)):
                token = path.name.split("-")[0]
                self.assertRegex(token, r"^[0-9a-f]{8}$")
                self.assertEqual(crashes.stored_name(token, path.read_bytes()), path.name)

    def test_replay_driver_and_libfuzzer_builds_give_one_token(self):
        fuzz_build = as_libfuzzer_build(ASAN_FUZZ_LOAD)
        stack = crashes.first_stack(fuzz_build)
        self.assertIn("fuzzer::Fuzzer::ExecuteCallback", [f["function"].split("(")[0] for f in stack])
        self.assertNotIn("harness/replay_main.cc", [crashes.project_path(f["file"]) for f in stack])
        self.assertEqual(crashes.classify(1, fuzz_build)["token"], crashes.classify(-6, ASAN_FUZZ_LOAD)["token"])

    def test_frames_below_the_entry_point_never_count(self):
        """A crash right in the harness: the replay driver's run_file would be the third
        in-project frame, libFuzzer's frames are not project code; neither counts."""
        def shallow(text):
            kept = [l for l in text.splitlines(keepends=True) if not re.match(r"\s*#[0-5] ", l)
                    or "allocated" in l]
            return "".join(kept).replace("    #6 ", "    #0 ", 1).replace("    #7 ", "    #1 ", 1)
        replay = shallow(ASAN_FUZZ_LOAD)
        fuzz_build = shallow(as_libfuzzer_build(ASAN_FUZZ_LOAD))
        finding = crashes.classify(-6, replay)
        self.assertEqual([crashes.short_function(f["function"]) for f in crashes.token_frames(finding["frames"])],
                         ["(anonymous namespace)::dump", "LLVMFuzzerTestOneInput"])
        self.assertEqual(crashes.classify(1, fuzz_build)["token"], finding["token"])

    def test_nightly_crash_and_reproduce_store_one_name(self):
        """The nightly's crashes stage replays an artifact with the fuzz build; `reproduce` runs
        the same file with the asan replay driver, names it and stores it. Same token."""
        root = self.tmpdir()
        artifact = root / "out" / "fuzz_load-libfuzzer" / "crashes" / "crash-1"
        artifact.parent.mkdir(parents=True)
        artifact.write_bytes(b"planted bytes")
        (root / "fuzz-log.txt").write_text(as_libfuzzer_build(ASAN_FUZZ_LOAD, str(artifact)))
        (root / "asan-log.txt").write_text(ASAN_FUZZ_LOAD)
        for preset, log in (("fuzz", "fuzz-log.txt"), ("asan", "asan-log.txt")):
            for target in common.FUZZ_TARGETS:
                fails = target == "fuzz_load"
                support.script(root / "build" / preset / "bin" / target, f"""
                    import sys
                    if {fails}:
                        sys.stderr.write(open({str(root / log)!r}).read()); sys.exit(1)
                    print("replay: 1 inputs run, 0 unreadable")
                    """)
        rows = [{"target": "fuzz_load", "crash_files": [str(artifact)]}]
        holder, out = {}, io.StringIO()
        with mock.patch.object(common, "ROOT", root), \
             mock.patch.object(build, "build_preset", lambda preset, log=None, canary=None: common.build_dir(preset)), \
             contextlib.redirect_stdout(out):
            with self.assertRaises(common.DriverError):
                nightly.crashes_stage(rows, [], root / "run", root / "corpus", holder)
            rc = reproduce.cmd_reproduce(ENTRY.parse_args(["reproduce", str(artifact), "--no-minimize"]))
        self.assertEqual(rc, 1)
        (nightly_token,) = [u["token"] for u in holder["unique"]]
        (stored,) = (root / "corpus" / "regressions" / "fuzz_load").iterdir()
        self.assertEqual(stored.name, crashes.stored_name(nightly_token, b"planted bytes"))
        self.assertEqual(nightly_token, "5beac22c")
        self.assertIn(f"dedup token: {nightly_token}", out.getvalue())
        self.assertTrue((root / "run" / "crashes" / f"{nightly_token}.txt").is_file())


if __name__ == "__main__":
    unittest.main()
