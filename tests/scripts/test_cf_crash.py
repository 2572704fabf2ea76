"""Unit tests for scripts/cf_crash.py: `reproduce` (report parsing, dedup tokens, target
detection, storing, draft tests, minimisation) and `coverage` (llvm-cov report parsing).

Run from the repo root: python3 -m unittest discover -s tests/scripts -v

The sanitizer and CF_CHECK fixtures below are real output, captured once:
  ASAN_FUZZ_LOAD  build/asan-canary-ctor_extent/bin/fuzz_load on the planted ctor_extent input
                  (planted_ctor_extent() below), shadow-byte table cut;
  ASAN_LIBFUZZER  a libFuzzer + ASan binary (clang++-14 -fsanitize=fuzzer,address,undefined) with
                  a heap over-read, built from a scratch checkout whose sources sit in core/;
  UBSAN_OVERFLOW  a clang++-14 -fsanitize=undefined binary with a signed overflow (same scratch);
  CF_CHECK_ABORT  a binary including harness/fuzz_check.h whose CF_CHECK fails;
  COV_REPORT      llvm-cov-14 report over a small instrumented binary.
"""

import contextlib
import hashlib
import io
import re
import struct
import sys
import tempfile
import unittest
from pathlib import Path
from unittest import mock

from driver_module import load_driver  # noqa: E402  (tests/scripts is on sys.path)

ROOT = Path(__file__).resolve().parents[2]


cf = load_driver("compactfuzz_for_cf_crash")
crash = sys.modules["cf_crash"]

PLANT_SOURCE = ROOT / "corpus" / "real" / "Klandry98__Kryptografie_mit_Lean" / ".lake__config__[anonymous]__lakefile.olean"


def planted_ctor_extent(source=PLANT_SOURCE, extra=8):
    """The ctor_extent canary's planted input: a valid region file whose last object is a ctor,
    with that ctor's m_cs_sz (u16 at object offset +4) raised by `extra` so it runs past the
    data end. The last object is found by walking the data section with regiontool's step
    rule for ctors/arrays/strings (FORMAT.md §1.5), which is all this small real file holds."""
    data = bytearray(Path(source).read_bytes())
    data_start = 88  # v2 header (FORMAT.md §2.4)
    off, last = data_start + 8, None
    while off < len(data):
        cs, tag = struct.unpack_from("<H", data, off + 4)[0], data[off + 7]
        if tag <= 243:
            step = (cs + 7) // 8 * 8
        elif tag == 246:  # Array: 24 + 8 * capacity
            step = 24 + 8 * struct.unpack_from("<Q", data, off + 16)[0]
        elif tag == 249:  # String: align8(32 + capacity)
            step = (32 + struct.unpack_from("<Q", data, off + 16)[0] + 7) // 8 * 8
        else:
            raise ValueError(f"tag {tag} at {off}: not a kind this generator walks")
        last, off = (off, tag), off + step
    if off != len(data) or last is None or last[1] > 243:
        raise ValueError("the file's last object is not a ctor ending at the data end")
    cs = struct.unpack_from("<H", data, last[0] + 4)[0]
    struct.pack_into("<H", data, last[0] + 4, cs + extra)
    return bytes(data), last[0]

# ---- real captured output (see the module docstring) ----

ASAN_FUZZ_LOAD = """\
=================================================================
==21726==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x619000000ed0 at pc 0x5629f58fbca9 bp 0x7fff5e0dceb0 sp 0x7fff5e0dcea8
READ of size 1 at 0x619000000ed0 thread T0
    #0 0x5629f58fbca8 in cf::oracles::(anonymous namespace)::hex_bytes[abi:cxx11](unsigned char const*, unsigned long) /work/main/oracles/graph_dump.cc:21:17
    #1 0x5629f58fd90e in cf::oracles::(anonymous namespace)::Dumper::object_node[abi:cxx11](unsigned char const*, bool) /work/main/oracles/graph_dump.cc:163:24
    #2 0x5629f58fd90e in cf::oracles::(anonymous namespace)::Dumper::emit(unsigned long) /work/main/oracles/graph_dump.cc:134:20
    #3 0x5629f58fd90e in cf::oracles::(anonymous namespace)::Dumper::node_of(unsigned long) /work/main/oracles/graph_dump.cc:118:42
    #4 0x5629f58fd90e in cf::oracles::(anonymous namespace)::Dumper::value[abi:cxx11](unsigned long) /work/main/oracles/graph_dump.cc:88:21
    #5 0x5629f58f9a8e in cf::oracles::dump_graph[abi:cxx11](std::span<cf::Region const* const, 18446744073709551615ul>, std::span<cf::Region const* const, 18446744073709551615ul>) /work/main/oracles/graph_dump.cc:236:27
    #6 0x5629f58e4176 in (anonymous namespace)::dump[abi:cxx11](cf::Region const&) /work/main/harness/fuzz_load.cc:32:10
    #7 0x5629f58e4176 in LLVMFuzzerTestOneInput /work/main/harness/fuzz_load.cc:51:3
    #8 0x5629f58f6c2a in (anonymous namespace)::run_file(std::filesystem::__cxx11::path const&) /work/main/harness/replay_main.cc:26:3
    #9 0x5629f58f65a7 in main /work/main/harness/replay_main.cc:42:8
    #10 0x7ff12c645249 in __libc_start_call_main csu/../sysdeps/nptl/libc_start_call_main.h:58:16
    #11 0x7ff12c645304 in __libc_start_main csu/../csu/libc-start.c:360:3
    #12 0x5629f5823620 in _start (/work/main/build/asan-canary-ctor_extent/bin/fuzz_load+0x57620) (BuildId: 7ae3a0b5f3a7438a402e90bbc2c744d05334cea0)

0x619000000ed0 is located 0 bytes to the right of 1104-byte region [0x619000000a80,0x619000000ed0)
allocated by thread T0 here:
    #0 0x5629f58a646e in malloc (/work/main/build/asan-canary-ctor_extent/bin/fuzz_load+0xda46e) (BuildId: 7ae3a0b5f3a7438a402e90bbc2c744d05334cea0)
    #1 0x5629f592e8a3 in cf::Region::load_bytes_impl(std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> > const&, std::span<unsigned char const, 18446744073709551615ul>, std::span<cf::Region const* const, 18446744073709551615ul>, cf::LoadOptions const&, cf::Io&) /work/main/core/region.cc:209:41
    #2 0x5629f592e1c3 in cf::Region::load_bytes(std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> > const&, std::span<unsigned char const, 18446744073709551615ul>, std::span<cf::Region const* const, 18446744073709551615ul>, cf::LoadOptions const&, cf::Io&) /work/main/core/region.cc:137:12
    #3 0x5629f58e3d9b in LLVMFuzzerTestOneInput /work/main/harness/fuzz_load.cc:42:12
    #4 0x5629f58f6c2a in (anonymous namespace)::run_file(std::filesystem::__cxx11::path const&) /work/main/harness/replay_main.cc:26:3
    #5 0x5629f58f65a7 in main /work/main/harness/replay_main.cc:42:8
    #6 0x7ff12c645249 in __libc_start_call_main csu/../sysdeps/nptl/libc_start_call_main.h:58:16

SUMMARY: AddressSanitizer: heap-buffer-overflow /work/main/oracles/graph_dump.cc:21:17 in cf::oracles::(anonymous namespace)::hex_bytes[abi:cxx11](unsigned char const*, unsigned long)
"""

ASAN_LIBFUZZER = """\
INFO: Running with entropic power schedule (0xFF, 100).
INFO: Seed: 1083075100
INFO: Loaded 1 modules   (42 inline 8-bit counters): 42 [0x558cb89500b8, 0x558cb89500e2), 
INFO: Loaded 1 PC tables (42 PCs): 42 [0x558cb89500e8,0x558cb8950388), 
./lf: Running 1 inputs 1 time(s) each.
Running: in.bin
=================================================================
==22950==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x602000000054 at pc 0x558cb890e076 bp 0x7fff47a3fe00 sp 0x7fff47a3fdf8
READ of size 1 at 0x602000000054 thread T0
    #0 0x558cb890e075 in cf::(anonymous namespace)::sum_words(std::vector<unsigned char, std::allocator<unsigned char> > const&, unsigned long) /tmp/cfc/proj/core/lf.cc:5:115
    #1 0x558cb890e075 in cf::checksum(std::vector<unsigned char, std::allocator<unsigned char> > const&) /tmp/cfc/proj/core/lf.cc:7:59
    #2 0x558cb890e342 in LLVMFuzzerTestOneInput /tmp/cfc/proj/core/lf.cc:11:25
    #3 0x558cb88342c3 in fuzzer::Fuzzer::ExecuteCallback(unsigned char const*, unsigned long) (/tmp/cfc/proj/lf+0x432c3) (BuildId: 213dac0c8f17f208274ee1f8840e5d302368a7a4)
    #4 0x558cb881e2cf in fuzzer::RunOneTest(fuzzer::Fuzzer*, char const*, unsigned long) (/tmp/cfc/proj/lf+0x2d2cf) (BuildId: 213dac0c8f17f208274ee1f8840e5d302368a7a4)
    #5 0x558cb8824006 in fuzzer::FuzzerDriver(int*, char***, int (*)(unsigned char const*, unsigned long)) (/tmp/cfc/proj/lf+0x33006) (BuildId: 213dac0c8f17f208274ee1f8840e5d302368a7a4)
    #6 0x558cb884de42 in main (/tmp/cfc/proj/lf+0x5ce42) (BuildId: 213dac0c8f17f208274ee1f8840e5d302368a7a4)
    #7 0x7fbf81e45249 in __libc_start_call_main csu/../sysdeps/nptl/libc_start_call_main.h:58:16
    #8 0x7fbf81e45304 in __libc_start_main csu/../csu/libc-start.c:360:3
    #9 0x558cb8818960 in _start (/tmp/cfc/proj/lf+0x27960) (BuildId: 213dac0c8f17f208274ee1f8840e5d302368a7a4)

0x602000000054 is located 0 bytes to the right of 4-byte region [0x602000000050,0x602000000054)
allocated by thread T0 here:
    #0 0x558cb890b97d in operator new(unsigned long) (/tmp/cfc/proj/lf+0x11a97d) (BuildId: 213dac0c8f17f208274ee1f8840e5d302368a7a4)
    #1 0x558cb890e926 in std::__new_allocator<unsigned char>::allocate(unsigned long, void const*) /usr/bin/../lib/gcc/x86_64-linux-gnu/12/../../../../include/c++/12/bits/new_allocator.h:137:27
    #2 0x558cb890e926 in std::allocator_traits<std::allocator<unsigned char> >::allocate(std::allocator<unsigned char>&, unsigned long) /usr/bin/../lib/gcc/x86_64-linux-gnu/12/../../../../include/c++/12/bits/alloc_traits.h:464:20
    #3 0x558cb890e524 in std::_Vector_base<unsigned char, std::allocator<unsigned char> >::_M_allocate(unsigned long) /usr/bin/../lib/gcc/x86_64-linux-gnu/12/../../../../include/c++/12/bits/stl_vector.h:378:20
    #4 0x558cb890e524 in void std::vector<unsigned char, std::allocator<unsigned char> >::_M_range_initialize<unsigned char const*>(unsigned char const*, unsigned char const*, std::forward_iterator_tag) /usr/bin/../lib/gcc/x86_64-linux-gnu/12/../../../../include/c++/12/bits/stl_vector.h:1687:14
    #5 0x558cb890e463 in std::vector<unsigned char, std::allocator<unsigned char> >::vector<unsigned char const*, void>(unsigned char const*, unsigned char const*, std::allocator<unsigned char> const&) /usr/bin/../lib/gcc/x86_64-linux-gnu/12/../../../../include/c++/12/bits/stl_vector.h:706:4
    #6 0x558cb890e32a in LLVMFuzzerTestOneInput /tmp/cfc/proj/core/lf.cc:10:30
    #7 0x558cb88342c3 in fuzzer::Fuzzer::ExecuteCallback(unsigned char const*, unsigned long) (/tmp/cfc/proj/lf+0x432c3) (BuildId: 213dac0c8f17f208274ee1f8840e5d302368a7a4)
    #8 0x558cb881e2cf in fuzzer::RunOneTest(fuzzer::Fuzzer*, char const*, unsigned long) (/tmp/cfc/proj/lf+0x2d2cf) (BuildId: 213dac0c8f17f208274ee1f8840e5d302368a7a4)
    #9 0x558cb8824006 in fuzzer::FuzzerDriver(int*, char***, int (*)(unsigned char const*, unsigned long)) (/tmp/cfc/proj/lf+0x33006) (BuildId: 213dac0c8f17f208274ee1f8840e5d302368a7a4)
    #10 0x558cb884de42 in main (/tmp/cfc/proj/lf+0x5ce42) (BuildId: 213dac0c8f17f208274ee1f8840e5d302368a7a4)
    #11 0x7fbf81e45249 in __libc_start_call_main csu/../sysdeps/nptl/libc_start_call_main.h:58:16

SUMMARY: AddressSanitizer: heap-buffer-overflow /tmp/cfc/proj/core/lf.cc:5:115 in cf::(anonymous namespace)::sum_words(std::vector<unsigned char, std::allocator<unsigned char> > const&, unsigned long)
"""

UBSAN_OVERFLOW = """\
core/ub.cc:4:37: runtime error: signed integer overflow: 100000 * 1048576 cannot be represented in type 'int'
    #0 0x55da07819fe3 in cf::scale(int, int) /tmp/cfc/proj/core/ub.cc:4:37
    #1 0x55da07819fe3 in cf::walk(int) /tmp/cfc/proj/core/ub.cc:5:26
    #2 0x55da07819fe3 in main /tmp/cfc/proj/core/ub.cc:7:50
    #3 0x7f0f57a25249 in __libc_start_call_main csu/../sysdeps/nptl/libc_start_call_main.h:58:16
    #4 0x7f0f57a25304 in __libc_start_main csu/../csu/libc-start.c:360:3
    #5 0x55da077f0370 in _start (/tmp/cfc/proj/ub+0x5370) (BuildId: e6b880b4dbde6bcf6e5db6a07f8228b0e14ff0d2)

SUMMARY: UndefinedBehaviorSanitizer: undefined-behavior core/ub.cc:4:37 in 
"""

CF_CHECK_ABORT = """\
harness/check_demo.cc:6: CF_CHECK(a_ok == s_ok) failed: verdicts differ: automatic ok, slow rejected
"""

COV_REPORT = """\
Filename                      Regions    Missed Regions     Cover   Functions  Missed Functions  Executed       Lines      Missed Lines     Cover    Branches   Missed Branches     Cover
-----------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------
/tmp/cfc/proj/core/cov.cc          11                 4    63.64%           3                 1    66.67%           3                 1    66.67%           6                 4    33.33%
-----------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------
TOTAL                              11                 4    63.64%           3                 1    66.67%           3                 1    66.67%           6                 4    33.33%
"""


def fake_runner(results):
    """A runner for crash.execute's signature that answers from `results` keyed by the binary's
    name (or by 'minimize' for a libFuzzer -minimize_crash run) and records every call."""
    calls = []

    def run(cmd, env=None, timeout=None, cwd=None):
        calls.append({"cmd": cmd, "env": env, "cwd": cwd})
        key = "minimize" if any(a.startswith("-minimize_crash") for a in cmd) else Path(cmd[0]).name
        answer = results[key]
        return answer(cmd) if callable(answer) else answer

    run.calls = calls
    return run


def with_driver(test_class):
    """Point cf_crash at this file's driver instance for every test (another test module may
    have loaded its own driver and re-pointed the shared cf_crash module)."""
    setup = getattr(test_class, "setUp")

    def set_up(self):
        crash.DRIVER = cf._Driver()
        setup(self)

    test_class.setUp = set_up
    return test_class


@with_driver
class ParseTest(unittest.TestCase):
    def test_asan_report_of_the_canary(self):
        f = crash.classify(-6, ASAN_FUZZ_LOAD)
        self.assertEqual(f["kind"], "sanitizer")
        self.assertTrue(f["error"].startswith("AddressSanitizer: heap-buffer-overflow on address"))
        self.assertTrue(f["summary"].startswith("AddressSanitizer: heap-buffer-overflow /work/main/oracles/graph_dump.cc"))
        # the crash stack only: 13 frames, not the 7 of "allocated by thread T0 here"
        self.assertEqual([fr["index"] for fr in f["frames"]], list(range(13)))
        top = f["frames"][0]
        self.assertEqual(crash.short_function(top["function"]), "cf::oracles::(anonymous namespace)::hex_bytes")
        self.assertEqual((crash.project_path(top["file"]), top["line"]), ("oracles/graph_dump.cc", 21))
        self.assertEqual(f["frames"][12]["function"], "_start")
        self.assertTrue(f["frames"][12]["module"].endswith("bin/fuzz_load"))
        mine = [crash.short_function(fr["function"]) for fr in f["frames"] if crash.is_project_frame(fr)]
        self.assertEqual(mine[:3], ["cf::oracles::(anonymous namespace)::hex_bytes",
                                    "cf::oracles::(anonymous namespace)::Dumper::object_node",
                                    "cf::oracles::(anonymous namespace)::Dumper::emit"])
        self.assertEqual(mine[-1], "main")  # harness/replay_main.cc is project code; libc is not
        self.assertEqual(len(mine), 10)

    def test_a_second_stack_right_after_the_first_is_not_appended(self):
        glued = re.sub(r"\n\n0x6190.*?here:\n", "\n", ASAN_FUZZ_LOAD, flags=re.S)
        self.assertNotIn("allocated by", glued)
        frames = crash.classify(-6, glued)["frames"]
        self.assertEqual([fr["index"] for fr in frames], list(range(13)))

    def test_libfuzzer_report_skips_engine_frames(self):
        f = crash.classify(-6, ASAN_LIBFUZZER)
        self.assertEqual(f["kind"], "sanitizer")
        mine = [crash.short_function(fr["function"]) for fr in f["frames"] if crash.is_project_frame(fr)]
        self.assertEqual(mine, ["cf::(anonymous namespace)::sum_words", "cf::checksum", "LLVMFuzzerTestOneInput"])
        engine = [fr for fr in f["frames"] if (fr["function"] or "").startswith("fuzzer::")]
        self.assertEqual(len(engine), 3)
        self.assertTrue(all(fr["module"] for fr in engine))

    def test_ubsan_report(self):
        f = crash.classify(1, UBSAN_OVERFLOW)
        self.assertEqual(f["kind"], "sanitizer")
        self.assertEqual(f["error"], "core/ub.cc:4:37: runtime error: signed integer overflow: "
                                     "100000 * 1048576 cannot be represented in type 'int'")
        self.assertTrue(f["summary"].startswith("UndefinedBehaviorSanitizer: undefined-behavior core/ub.cc:4:37"))
        self.assertEqual([crash.short_function(fr["function"]) for fr in f["frames"] if crash.is_project_frame(fr)],
                         ["cf::scale", "cf::walk", "main"])

    def test_cf_check_line(self):
        f = crash.classify(-6, CF_CHECK_ABORT)
        self.assertEqual(f["kind"], "check")
        self.assertEqual(f["check"]["file"], "harness/check_demo.cc")
        self.assertEqual(f["check"]["line"], 6)
        self.assertEqual(f["check"]["cond"], "a_ok == s_ok")
        self.assertEqual(f["check"]["reason"], "verdicts differ: automatic ok, slow rejected")

    def test_cf_check_with_parentheses_in_condition(self):
        line = "/w/harness/fuzz_load.cc:44: CF_CHECK(a.ok() == s.ok()) failed: verdicts differ: (x)"
        f = crash.classify(134, "replay stuff\n" + line + "\n")
        self.assertEqual((f["check"]["cond"], f["check"]["reason"]), ("a.ok() == s.ok()", "verdicts differ: (x)"))

    def test_exit_zero_is_no_finding_even_with_noise(self):
        self.assertEqual(crash.classify(0, "replay: 1 inputs run, 0 unreadable\n")["kind"], "none")
        self.assertIsNone(crash.classify(0, "")["token"])

    def test_other_failures(self):
        self.assertEqual(crash.classify("timeout", "")["kind"], "timeout")
        other = crash.classify(-9, "Killed\n")
        self.assertEqual(other["kind"], "crash")
        self.assertNotEqual(other["token"], crash.classify(-11, "")["token"])

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
            self.assertEqual(crash.short_function(raw), want, raw)

    def test_project_path(self):
        self.assertEqual(crash.project_path("/work/main/core/region_walker.cc"), "core/region_walker.cc")
        self.assertEqual(crash.project_path("/src/compactfuzz/core/region_walker.cc"), "core/region_walker.cc")
        self.assertEqual(crash.project_path("harness/fuzz_load.cc"), "harness/fuzz_load.cc")
        for foreign in ("/usr/include/c++/12/bits/stl_vector.h", "csu/../csu/libc-start.c",
                        "/build/llvm-toolchain-14-x/compiler-rt/lib/fuzzer/FuzzerLoop.cpp", None, ""):
            self.assertIsNone(crash.project_path(foreign), foreign)


def rewrite_addresses_and_lines(text, seed):
    """The same report as from another build: every address and every line:column changed."""
    text = re.sub(r"0x[0-9a-f]+", lambda m: hex(int(m.group(0), 16) ^ (seed << 12)), text)
    return re.sub(r"\.(cc|h|c|cpp):(\d+)(:\d+)?", lambda m: f".{m.group(1)}:{int(m.group(2)) + seed}:{seed}", text)


@with_driver
class TokenTest(unittest.TestCase):
    def test_addresses_and_line_numbers_do_not_change_it(self):
        base = crash.classify(-6, ASAN_FUZZ_LOAD)["token"]
        for seed in (1, 7, 300):
            other = rewrite_addresses_and_lines(ASAN_FUZZ_LOAD, seed)
            self.assertNotEqual(other, ASAN_FUZZ_LOAD)
            self.assertEqual(crash.classify(-6, other)["token"], base)

    def test_a_different_top_frame_changes_it(self):
        base = crash.classify(-6, ASAN_FUZZ_LOAD)["token"]
        moved = ASAN_FUZZ_LOAD.replace("Dumper::object_node", "Dumper::scalar_node")
        self.assertNotEqual(crash.classify(-6, moved)["token"], base)

    def test_frames_below_the_top_three_do_not_count(self):
        base = crash.classify(-6, ASAN_FUZZ_LOAD)["token"]
        deeper = ASAN_FUZZ_LOAD.replace("Dumper::node_of", "Dumper::other_node")
        self.assertEqual(crash.classify(-6, deeper)["token"], base)

    def test_non_project_frames_are_ignored(self):
        base = crash.classify(-6, ASAN_LIBFUZZER)["token"]
        # drop the libFuzzer and libc frames: the token stays
        kept = [l for l in ASAN_LIBFUZZER.splitlines()
                if not re.match(r"\s*#([3-9]|1[01]) ", l) or "allocated" in l]
        self.assertEqual(crash.classify(-6, "\n".join(kept))["token"], base)
        # a runtime/std frame on top of the stack (an interceptor, an inlined std:: call) neither
        tops = ("    #0 0x4a1b2c in __asan_memcpy (/x/bin/fuzz_load+0x4a1b2c)",
                "    #0 0x4a1b2c in std::vector<unsigned char>::operator[](unsigned long) "
                "/usr/include/c++/12/bits/stl_vector.h:1123:2")
        for top in tops:
            shifted = re.sub(r"#(\d+) ", lambda m: f"#{int(m.group(1)) + 1} ", ASAN_LIBFUZZER)
            shifted = shifted.replace("    #1 ", top + "\n    #1 ", 1)
            self.assertEqual(crash.classify(-6, shifted)["token"], base, top)

    def test_relocated_checkout_gives_the_same_token(self):
        moved = ASAN_FUZZ_LOAD.replace("/work/main/", "/src/compactfuzz/")
        self.assertEqual(crash.classify(-6, moved)["token"], crash.classify(-6, ASAN_FUZZ_LOAD)["token"])

    def test_cf_check_token_is_file_and_condition(self):
        base = crash.classify(-6, CF_CHECK_ABORT)["token"]
        self.assertEqual(crash.classify(-6, CF_CHECK_ABORT.replace(":6:", ":60:"))["token"], base)
        self.assertEqual(crash.classify(-6, CF_CHECK_ABORT.replace("slow rejected", "slow ok"))["token"], base)
        self.assertNotEqual(crash.classify(-6, CF_CHECK_ABORT.replace("a_ok == s_ok", "a_ok != s_ok"))["token"], base)
        self.assertNotEqual(crash.classify(-6, CF_CHECK_ABORT.replace("check_demo", "fuzz_io"))["token"], base)

    def test_tokens_are_short_hex(self):
        for text in (ASAN_FUZZ_LOAD, ASAN_LIBFUZZER, UBSAN_OVERFLOW, CF_CHECK_ABORT):
            self.assertRegex(crash.classify(1, text)["token"], r"^[0-9a-f]{8}$")
        tokens = {crash.classify(1, t)["token"] for t in (ASAN_FUZZ_LOAD, ASAN_LIBFUZZER, UBSAN_OVERFLOW,
                                                            CF_CHECK_ABORT)}
        self.assertEqual(len(tokens), 4)

    def test_describe_prints_summary_frames_and_token(self):
        f = crash.classify(-6, ASAN_FUZZ_LOAD)
        text = "\n".join(crash.describe(f, "fuzz_load"))
        self.assertIn("SUMMARY: AddressSanitizer: heap-buffer-overflow", text)
        self.assertIn("#0 cf::oracles::(anonymous namespace)::hex_bytes oracles/graph_dump.cc:21", text)
        self.assertNotIn("__libc_start_main", text)
        self.assertIn(f"dedup token: {f['token']}", text)
        check = "\n".join(crash.describe(crash.classify(-6, CF_CHECK_ABORT), "fuzz_load"))
        self.assertIn("oracle finding (CF_CHECK) in fuzz_load: harness/check_demo.cc:6: CF_CHECK(a_ok == s_ok)", check)


@with_driver
class DetectTargetTest(unittest.TestCase):
    def setUp(self):
        self.binaries = [(t, Path("/b/bin") / t) for t in cf.FUZZ_TARGETS]

    def test_first_failing_target_is_picked_and_later_ones_not_run(self):
        run = fake_runner({"fuzz_inspect": (0, "replay: 1 inputs run, 0 unreadable\n"),
                           "fuzz_load": (-6, ASAN_FUZZ_LOAD)})
        target, finding = crash.detect_target("x.olean", self.binaries, run, log=lambda *_: None)
        self.assertEqual(target, "fuzz_load")
        self.assertEqual(finding["kind"], "sanitizer")
        self.assertEqual([Path(c["cmd"][0]).name for c in run.calls], ["fuzz_inspect", "fuzz_load"])
        self.assertEqual(run.calls[0]["cmd"][1], "x.olean")

    def test_order_is_fuzz_targets_order(self):
        run = fake_runner({t: (-6, CF_CHECK_ABORT) for t in cf.FUZZ_TARGETS})
        target, _ = crash.detect_target("x", self.binaries, run, log=lambda *_: None)
        self.assertEqual(target, cf.FUZZ_TARGETS[0])

    def test_all_pass(self):
        run = fake_runner({t: (0, "replay: 1 inputs run, 0 unreadable\n") for t in cf.FUZZ_TARGETS})
        target, passed = crash.detect_target("x", self.binaries, run, log=lambda *_: None)
        self.assertIsNone(target)
        self.assertEqual(list(passed), list(cf.FUZZ_TARGETS))

    def test_runs_with_the_sanitizer_environment(self):
        run = fake_runner({"fuzz_inspect": (0, "")})
        crash.run_target("/b/bin/fuzz_inspect", "x", run)
        env = run.calls[0]["env"]
        for option in ("symbolize=1", "abort_on_error=1", "detect_leaks=1"):
            self.assertIn(option, env["ASAN_OPTIONS"])
        self.assertEqual(env["UBSAN_OPTIONS"], "print_stacktrace=1:halt_on_error=1")
        if crash.symbolizer_path():
            self.assertIn("llvm-symbolizer", env["ASAN_SYMBOLIZER_PATH"])


@with_driver
class StoreTest(unittest.TestCase):
    def test_name_is_token_and_content_hash(self):
        data = b"\x01\x02region"
        self.assertEqual(crash.stored_name("5beac22c", data), "5beac22c-" + hashlib.sha1(data).hexdigest()[:12])

    def test_same_content_is_stored_once(self):
        with tempfile.TemporaryDirectory() as d:
            first, already = crash.store(Path(d) / "fuzz_load", "5beac22c", b"abc")
            self.assertFalse(already)
            self.assertEqual(first.read_bytes(), b"abc")
            again, already = crash.store(Path(d) / "fuzz_load", "5beac22c", b"abc")
            self.assertTrue(already)
            self.assertEqual(again, first)
            # same bytes reached with another token (a different build's stack): still one file
            other, already = crash.store(Path(d) / "fuzz_load", "00000000", b"abc")
            self.assertTrue(already)
            self.assertEqual(other, first)
            self.assertEqual(len(list((Path(d) / "fuzz_load").iterdir())), 1)

    def test_different_content_is_a_new_file(self):
        with tempfile.TemporaryDirectory() as d:
            a, _ = crash.store(Path(d), "5beac22c", b"abc")
            b, already = crash.store(Path(d), "5beac22c", b"abd")
            self.assertFalse(already)
            self.assertNotEqual(a, b)
            self.assertEqual(sorted(p.name for p in Path(d).iterdir()), sorted([a.name, b.name]))

    def test_ctest_name_and_command(self):
        self.assertEqual(crash.ctest_name("fuzz_load", "5beac22c-0123456789ab"),
                         "regression.fuzz_load.5beac22c-0123456789ab")
        cmd = crash.ctest_command("build/asan", "fuzz_load", "5beac22c-0123456789ab")
        self.assertTrue(cmd.startswith("cmake --build build/asan && ctest --test-dir build/asan"))
        regex = re.search(r"-R '(.*)'$", cmd).group(1)
        self.assertTrue(re.fullmatch(regex, "regression.fuzz_load.5beac22c-0123456789ab"))
        self.assertFalse(re.fullmatch(regex, "regressionXfuzz_load.5beac22c-0123456789ab"))
        self.assertFalse(re.search(regex, "regression.fuzz_load.5beac22c-0123456789abc"))


@with_driver
class DraftTest(unittest.TestCase):
    NAME = "5beac22c-0123456789ab"

    def test_every_target_has_a_draft(self):
        for target in cf.FUZZ_TARGETS:
            text = crash.render_draft(target, self.NAME, "5beac22c")
            ident = crash.test_identifier(target, self.NAME)
            self.assertRegex(ident, r"^[A-Za-z][A-Za-z0-9_]*$")
            self.assertIn(f"TEST(Regression, {ident})", text)
            self.assertIn(f'CF_SOURCE_DIR "/corpus/regressions/{target}/{self.NAME}"', text)
            self.assertIn("#include <gtest/gtest.h>", text)
            self.assertEqual(text.count("{"), text.count("}"), target)
            self.assertNotRegex(text, r"\{(target|name|token|body|includes|test)\}")
            self.assertRegex(text, r"EXPECT_(NE|TRUE|EQ|LE)\(")

    def test_drafts_call_their_targets_oracles(self):
        wants = {
            "fuzz_inspect": ["cf::tool::inspect_bytes", "lenient.walk.canonical = false"],
            "fuzz_load": ["cf::oracles::path_differential(unit)", "cf::oracles::validate_then_walk(unit)",
                          "cf::oracles::work_bound(unit, 4)"],
            "fuzz_chain": ["cf::fuzz::decode_chain(bytes)", "cf::oracles::path_differential(unit)"],
            "fuzz_io": ["cf::oracles::observe_load_files", "cf::oracles::judge_io", "bytes[0] % 5"],
            "fuzz_roundtrip": ["cf::fuzz::roundtrip_case", "cf::oracles::round_trip(c.graph)",
                               "cf::oracles::idempotence(c.graph)", "cf::oracles::strategy_differential(c.graph)"],
        }
        self.assertEqual(set(wants), set(cf.FUZZ_TARGETS))
        for target, calls in wants.items():
            text = crash.render_draft(target, self.NAME, "5beac22c")
            for call in calls:
                self.assertIn(call, text, target)

    def test_unknown_target_has_none(self):
        with self.assertRaises(KeyError):
            crash.render_draft("fuzz_nothing", self.NAME, "t")


@with_driver
class PlantedInputTest(unittest.TestCase):
    @unittest.skipUnless(PLANT_SOURCE.is_file(), "corpus file absent")
    def test_planted_input_raises_the_last_ctors_size(self):
        original = PLANT_SOURCE.read_bytes()
        planted, off = planted_ctor_extent()
        self.assertEqual(len(planted), len(original))
        self.assertEqual(off, 1048)  # the root ctor, the file's last object
        diff = [i for i in range(len(original)) if original[i] != planted[i]]
        self.assertEqual(diff, [off + 4])
        self.assertEqual(struct.unpack_from("<H", planted, off + 4)[0], 56 + 8)
        self.assertGreater(off + 64, len(planted))  # it now runs past the data end


@with_driver
class ReproduceCommandTest(unittest.TestCase):
    """cmd_reproduce end to end with the builds and the runs faked."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = Path(self.tmp.name)
        (self.root / "core").mkdir()
        (self.root / "core" / "CMakeLists.txt").write_text("set(CF_CANARIES ctor_extent)\n")
        self.input = self.root / "crash.bin"
        self.input.write_bytes(b"planted bytes")
        for preset in ("asan", "asan-canary-ctor_extent", "fuzz-canary-ctor_extent"):
            (self.root / "build" / preset / "bin").mkdir(parents=True)
            for t in cf.FUZZ_TARGETS:
                (self.root / "build" / preset / "bin" / t).write_text("")
        self.built = []

        def build_preset(preset, log=None, canary=None):
            self.built.append((preset, canary))
            return self.root / "build" / (preset if not canary else f"{preset}-canary-{canary}")

        self.patches = [mock.patch.object(crash, "ROOT", self.root),
                        mock.patch.object(cf, "ROOT", self.root),
                        mock.patch.object(cf, "build_preset", build_preset)]
        for p in self.patches:
            p.start()

    def tearDown(self):
        for p in reversed(self.patches):
            p.stop()
        self.tmp.cleanup()

    def reproduce(self, results, *argv):
        run = fake_runner(results)
        args = cf.parse_args(["reproduce", str(self.input), *argv])
        out = io.StringIO()
        with mock.patch.object(crash, "execute", run), contextlib.redirect_stdout(out):
            rc = crash.cmd_reproduce(args)
        return rc, out.getvalue(), run

    def test_no_crash_exits_0(self):
        rc, out, run = self.reproduce({"fuzz_load": (0, "replay: 1 inputs run, 0 unreadable\n")},
                                      "--target", "fuzz_load")
        self.assertEqual(rc, 0)
        self.assertIn(f"no crash: {self.input} passes every oracle of fuzz_load", out)
        self.assertFalse((self.root / "corpus").exists())

    def test_crash_is_stored_with_ctest_name_and_draft(self):
        results = {t: (0, "replay: 1 inputs run, 0 unreadable\n") for t in cf.FUZZ_TARGETS}
        results["fuzz_load"] = (-6, ASAN_FUZZ_LOAD)
        rc, out, _ = self.reproduce(results, "--canary", "ctor_extent", "--no-minimize")
        self.assertEqual(rc, 1)
        self.assertEqual(self.built, [("asan", "ctor_extent")])
        token = crash.classify(-6, ASAN_FUZZ_LOAD)["token"]
        name = crash.stored_name(token, b"planted bytes")
        stored = self.root / "corpus" / "regressions" / "fuzz_load" / name
        self.assertEqual(stored.read_bytes(), b"planted bytes")
        self.assertIn("reproduce: target fuzz_load", out)
        self.assertIn(f"dedup token: {token}", out)
        self.assertIn(f"stored corpus/regressions/fuzz_load/{name}", out)
        self.assertIn(f"ctest case: regression.fuzz_load.{name}", out)
        self.assertIn("ctest --test-dir build/asan-canary-ctor_extent", out)
        self.assertIn("ctest --test-dir build/asan ", out)
        self.assertIn(f"TEST(Regression, {crash.test_identifier('fuzz_load', name)})", out)
        rc, out, _ = self.reproduce(results, "--canary", "ctor_extent", "--no-minimize")
        self.assertIn(f"already stored corpus/regressions/fuzz_load/{name}", out)

    def test_no_store_writes_nothing(self):
        rc, out, _ = self.reproduce({"fuzz_io": (-6, CF_CHECK_ABORT)}, "--target", "fuzz_io", "--no-store",
                                    "--no-minimize")
        self.assertEqual(rc, 1)
        self.assertIn("oracle finding (CF_CHECK) in fuzz_io", out)
        self.assertFalse((self.root / "corpus").exists())

    def minimize_results(self, replay_of_result):
        """asan replays: the original crashes with ASAN_FUZZ_LOAD, the minimised file gives
        replay_of_result; libFuzzer's run writes 5 bytes to its -exact_artifact_path."""
        def asan(cmd):
            return (-6, ASAN_FUZZ_LOAD) if Path(cmd[1]) == self.input else replay_of_result

        def minimizer(cmd):
            if "-seed=1" not in cmd:
                return 0, "CRASH_MIN: failed to minimize beyond /tmp/x (5 bytes), exiting\n"
            path = next(a.split("=", 1)[1] for a in cmd if a.startswith("-exact_artifact_path="))
            Path(path).write_bytes(b"small")
            return 0, "CRASH_MIN: minimizing crash input: 'x' (13 bytes)\n"
        return {"fuzz_load": asan, "minimize": minimizer}

    def test_minimised_input_with_the_same_token_is_stored(self):
        rc, out, run = self.reproduce(self.minimize_results((-6, rewrite_addresses_and_lines(ASAN_FUZZ_LOAD, 3))),
                                      "--target", "fuzz_load", "--canary", "ctor_extent", "--time", "7")
        self.assertEqual(self.built, [("asan", "ctor_extent"), ("fuzz", "ctor_extent")])
        minimize_cmd = next(c["cmd"] for c in run.calls if "-minimize_crash=1" in c["cmd"])
        self.assertIn("-max_total_time=7", minimize_cmd)
        self.assertTrue(minimize_cmd[0].endswith("build/fuzz-canary-ctor_extent/bin/fuzz_load"))
        stored = list((self.root / "corpus" / "regressions" / "fuzz_load").iterdir())
        self.assertEqual([p.read_bytes() for p in stored], [b"small"])
        self.assertIn("minimize: 13 -> 5 bytes, same token", out)
        env = next(c["env"] for c in run.calls if "-minimize_crash=1" in c["cmd"])
        self.assertIn("dedup_token_length=3", env["ASAN_OPTIONS"])

    def test_minimised_input_with_another_token_is_dropped(self):
        rc, out, _ = self.reproduce(self.minimize_results((-6, CF_CHECK_ABORT)), "--target", "fuzz_load",
                                    "--canary", "ctor_extent")
        stored = list((self.root / "corpus" / "regressions" / "fuzz_load").iterdir())
        self.assertEqual([p.read_bytes() for p in stored], [b"planted bytes"])
        self.assertIn("keeping the original", out)

    def test_minimised_input_that_no_longer_crashes_is_dropped(self):
        rc, out, _ = self.reproduce(self.minimize_results((0, "replay: 1 inputs run, 0 unreadable\n")),
                                    "--target", "fuzz_load", "--canary", "ctor_extent")
        stored = list((self.root / "corpus" / "regressions" / "fuzz_load").iterdir())
        self.assertEqual([p.read_bytes() for p in stored], [b"planted bytes"])

    def test_usage_errors_exit_2(self):
        for argv in (["--target", "fuzz_nothing"], ["--canary", "no_such_bug"], ["--time", "0"]):
            args = cf.parse_args(["reproduce", str(self.input), *argv])
            with self.assertRaises(cf.DriverError) as e:
                crash.cmd_reproduce(args)
            self.assertEqual(e.exception.exit_code, 2, argv)
        args = cf.parse_args(["reproduce", str(self.root / "missing")])
        with self.assertRaises(cf.DriverError) as e:
            crash.cmd_reproduce(args)
        self.assertEqual(e.exception.exit_code, 2)
        self.assertEqual(self.built, [])

    def test_main_maps_usage_error_to_exit_2(self):
        with contextlib.redirect_stderr(io.StringIO()) as err:
            rc = cf.main(["reproduce", str(self.root / "missing")])
        self.assertEqual(rc, 2)
        self.assertIn("no such file", err.getvalue())


@with_driver
class MinimizeLoopTest(unittest.TestCase):
    """crash.minimize's rounds, with libFuzzer and the clock faked."""

    def run_rounds(self, outputs, keep, seconds=60):
        """outputs: per round, (bytes written to the artifact or None, libFuzzer's text)."""
        seeds, now = [], [0.0]

        def runner(cmd, env=None, timeout=None, cwd=None):
            seeds.append(next(a for a in cmd if a.startswith("-seed=")))
            data, text = outputs[len(seeds) - 1]
            if data is not None:
                path = next(a.split("=", 1)[1] for a in cmd if a.startswith("-exact_artifact_path="))
                Path(path).write_bytes(data)
            now[0] += 5
            return 0, text

        best = crash.minimize("/b/fuzz_load", b"0123456789", seconds, keep, runner, clock=lambda: now[0])
        return best, seeds

    def test_another_bug_is_retried_with_the_next_seed(self):
        outputs = [(b"012", "mismatch in dedup tokens"), (b"01234", ""), (b"0", "failed to minimize beyond")]
        best, seeds = self.run_rounds(outputs, keep=lambda b: b != b"012")
        self.assertEqual(best, (b"0", 3, 2))  # round 1's other bug dropped, rounds 2 and 3 kept
        self.assertEqual(seeds, ["-seed=1", "-seed=2", "-seed=3"])

    def test_budget_ends_the_rounds(self):
        outputs = [(None, "")] * 100
        best, seeds = self.run_rounds(outputs, keep=lambda b: True, seconds=20)
        self.assertEqual(best[0], b"0123456789")
        self.assertEqual(len(seeds), 4)

    def test_input_that_does_not_crash_stops_at_once(self):
        best, seeds = self.run_rounds([(None, "ERROR: the input /tmp/x did not crash")] * 5, keep=lambda b: True)
        self.assertEqual((best, len(seeds)), ((b"0123456789", 1, 0), 1))


@with_driver
class CoverageReportTest(unittest.TestCase):
    def test_total_row(self):
        numbers = crash.parse_cov_report(COV_REPORT)
        self.assertEqual(numbers["lines"], {"total": 3, "covered": 2, "percent": 66.67})
        self.assertEqual(numbers["branches"], {"total": 6, "covered": 2, "percent": 33.33})
        self.assertEqual(numbers["functions"], {"total": 3, "covered": 2, "percent": 66.67})
        self.assertEqual(numbers["regions"], {"total": 11, "covered": 7, "percent": 63.64})

    def test_summary_line(self):
        line = crash.summary_line(crash.parse_cov_report(COV_REPORT))
        self.assertEqual(line, "core/ line coverage 66.67% (2/3), branch coverage 33.33% (2/6), "
                               "function coverage 66.67% (2/3), region coverage 63.64% (7/11)")

    def test_garbage_is_an_error(self):
        with self.assertRaises(ValueError):
            crash.parse_cov_report("error: no profile\n")
        with self.assertRaises(ValueError):
            crash.parse_cov_report(COV_REPORT.replace("           6                 4    33.33%", "", 2))

    def test_cov_command_main_object_then_objects(self):
        cmd = crash.cov_command("report", ["a", "b", "c"], "p.profdata", "core")
        self.assertEqual(cmd, ["llvm-cov-14", "report", "a", "-instr-profile=p.profdata", "-object", "b",
                               "-object", "c", "core"])

    def test_instrumented_objects(self):
        with tempfile.TemporaryDirectory() as d:
            for name in ("region_test", "catalogue_test", "fuzz_load", "regiontool", "walk_bench", "fuzz_io"):
                (Path(d) / name).write_text("")
            objects = [Path(o).name for o in crash.instrumented_objects(d, cf.FUZZ_TARGETS)]
        self.assertEqual(objects, ["catalogue_test", "region_test", "fuzz_load", "fuzz_io", "regiontool"])


if __name__ == "__main__":
    unittest.main()
