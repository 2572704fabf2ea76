"""Unit tests for scripts/cf_fuzz.py (run, regression, minimize, gen, nightly's fuzz stages)
and the nightly report's fuzz sections in scripts/compactfuzz.

Run from the repo root: python3 -m unittest discover -s tests/scripts -v

The libFuzzer, AFL++ and sanitizer texts below were captured from real runs on the project's
machine (clang-14 libFuzzer + ASan/UBSan, AFL++ 4.04c); long runs are trimmed, nothing edited.
The sanitizer samples come from a small planted-bug target whose sources sat under
/tmp/cff/proj/{core,harness}, so that directory stands in for the repository root.
"""

import contextlib
import io
import json
import os
import signal
import stat
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest
from pathlib import Path
from unittest import mock

from driver_module import load_driver  # noqa: E402  (tests/scripts is on sys.path)

ROOT = Path(__file__).resolve().parents[2]
PROJ = "/tmp/cff/proj"  # repository root of the planted-bug target of the sanitizer samples


cf = load_driver("compactfuzz_for_cf_fuzz")
fz = sys.modules["cf_fuzz"]


class Base(unittest.TestCase):
    """Points cf_fuzz.DRIVER at this file's driver (other test files load their own)."""

    def setUp(self):
        cf.load_extensions()
        self.assertIs(sys.modules["cf_fuzz"], fz)

    def tmpdir(self):
        """A fresh temporary directory (removed after the test)."""
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        return Path(tmp.name)


def script(path, body):
    """Write an executable Python script (a fake fuzzer binary) and return its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!{sys.executable}\n" + textwrap.dedent(body))
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


# ---------------------------------------------------------------------------------------------
# Captured fixtures

LIBFUZZER_SINGLE = (
    'INFO: Running with entropic power schedule (0xFF, 100).\n'
    'INFO: Seed: 1181251404\n'
    'INFO: Loaded 1 modules   (4431 inline 8-bit counters): 4431 [0x56480df34950, 0x56480df35a9f), \n'
    'INFO: Loaded 1 PC tables (4431 PCs): 4431 [0x56480df35aa0,0x56480df46f90), \n'
    'INFO:        0 files found in /tmp/cff/c1\n'
    'INFO:       39 files found in corpus/real\n'
    'INFO: -max_len is not provided; libFuzzer will not generate inputs larger than 328912 bytes\n'
    'INFO: seed corpus: files: 39 min: 96b max: 328912b total: 1366057b rss: 31Mb\n'
    '#40\tINITED cov: 330 ft: 632 corp: 30/1166Kb exec/s: 0 rss: 47Mb\n'
    '#42\tNEW    cov: 349 ft: 655 corp: 31/1190Kb lim: 328912 exec/s: 0 rss: 49Mb L: 24032/328912 MS: 2 ChangeByte-CopyPart-\n'
    '#43\tNEW    cov: 352 ft: 668 corp: 32/1191Kb lim: 328912 exec/s: 0 rss: 49Mb L: 1480/328912 MS: 1 CopyPart-\n'
    '#44\tNEW    cov: 354 ft: 671 corp: 33/1193Kb lim: 328912 exec/s: 0 rss: 49Mb L: 2080/328912 MS: 1 CopyPart-\n'
    '#8192\tpulse  cov: 459 ft: 1145 corp: 148/8712Kb lim: 328912 exec/s: 2730 rss: 391Mb\n'
    '#16384\tpulse  cov: 465 ft: 1227 corp: 179/9689Kb lim: 328912 exec/s: 2730 rss: 392Mb\n'
    '#32768\tpulse  cov: 494 ft: 1266 corp: 194/9972Kb lim: 328912 exec/s: 2730 rss: 409Mb\n'
    '#42633\tDONE   cov: 498 ft: 1274 corp: 199/10420Kb lim: 328912 exec/s: 2664 rss: 411Mb\n'
    'Done 42633 runs in 16 second(s)\n'
    'stat::number_of_executed_units: 42633\n'
    'stat::average_exec_per_sec:     2664\n'
    'stat::new_units_added:          406\n'
    'stat::slowest_unit_time_sec:    0\n'
    'stat::peak_rss_mb:              411\n'
)

LIBFUZZER_FORK = (
    'INFO: Running with entropic power schedule (0xFF, 100).\n'
    'INFO: Seed: 2260336345\n'
    'INFO: Loaded 1 modules   (4431 inline 8-bit counters): 4431 [0x558ddd851950, 0x558ddd852a9f), \n'
    'INFO: Loaded 1 PC tables (4431 PCs): 4431 [0x558ddd852aa0,0x558ddd863f90), \n'
    'INFO: -fork=2: fuzzing in separate process(s)\n'
    'INFO: -fork=2: 30 seed inputs, starting to fuzz in /tmp/libFuzzerTemp.FuzzWithFork20622.dir\n'
    '#549: cov: 632 ft: 632 corp: 30 exec/s 274 oom/timeout/crash: 0/0/0 time: 2s job: 1 dft_time: 0\n'
    '#2401: cov: 1018 ft: 960 corp: 64 exec/s 617 oom/timeout/crash: 0/0/0 time: 3s job: 2 dft_time: 0\n'
    '#4752: cov: 1066 ft: 1075 corp: 89 exec/s 587 oom/timeout/crash: 0/0/0 time: 6s job: 3 dft_time: 0\n'
    '#15408: cov: 1079 ft: 1115 corp: 102 exec/s 2131 oom/timeout/crash: 0/0/0 time: 8s job: 4 dft_time: 0\n'
    '#19792: cov: 1102 ft: 1192 corp: 136 exec/s 730 oom/timeout/crash: 0/0/0 time: 13s job: 5 dft_time: 0\n'
    '#77645: cov: 1102 ft: 1202 corp: 144 exec/s 8264 oom/timeout/crash: 0/0/0 time: 15s job: 6 dft_time: 0\n'
    'INFO: fuzzed for 15 seconds, wrapping up soon\n'
    'INFO: exiting: 0 time: 16s\n'
)

ASAN_A1 = (
    'INFO: Running with entropic power schedule (0xFF, 100).\n'
    'INFO: Seed: 2777643191\n'
    'INFO: Loaded 1 modules   (54 inline 8-bit counters): 54 [0x5555d207e208, 0x5555d207e23e), \n'
    'INFO: Loaded 1 PC tables (54 PCs): 54 [0x5555d207e240,0x5555d207e5a0), \n'
    './fuzz_bug: Running 1 inputs 1 time(s) each.\n'
    'Running: a1\n'
    '=================================================================\n'
    '==21753==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x602000000056 at pc 0x5555d203c129 bp 0x7ffd8f80aea0 sp 0x7ffd8f80ae98\n'
    'READ of size 1 at 0x602000000056 thread T0\n'
    '    #0 0x5555d203c128 in cf::read_field(std::vector<unsigned char, std::allocator<unsigned char> > const&, unsigned long) /tmp/cff/proj/core/bug.cc:5:68\n'
    '    #1 0x5555d203c128 in cf::walk(std::vector<unsigned char, std::allocator<unsigned char> > const&) /tmp/cff/proj/core/bug.cc:6:50\n'
    '    #2 0x5555d203c42f in LLVMFuzzerTestOneInput /tmp/cff/proj/harness/fuzz_bug.cc:9:43\n'
    '    #3 0x5555d1f622c3 in fuzzer::Fuzzer::ExecuteCallback(unsigned char const*, unsigned long) (/tmp/cff/proj/fuzz_bug+0x432c3) (BuildId: 32df6f52e2397e83864c9f5364207a26f5b9d472)\n'
    '    #4 0x5555d1f4c2cf in fuzzer::RunOneTest(fuzzer::Fuzzer*, char const*, unsigned long) (/tmp/cff/proj/fuzz_bug+0x2d2cf) (BuildId: 32df6f52e2397e83864c9f5364207a26f5b9d472)\n'
    '    #5 0x5555d1f52006 in fuzzer::FuzzerDriver(int*, char***, int (*)(unsigned char const*, unsigned long)) (/tmp/cff/proj/fuzz_bug+0x33006) (BuildId: 32df6f52e2397e83864c9f5364207a26f5b9d472)\n'
    '    #6 0x5555d1f7be42 in main (/tmp/cff/proj/fuzz_bug+0x5ce42) (BuildId: 32df6f52e2397e83864c9f5364207a26f5b9d472)\n'
    '    #7 0x7f96c0565249 in __libc_start_call_main csu/../sysdeps/nptl/libc_start_call_main.h:58:16\n'
    '    #8 0x7f96c0565304 in __libc_start_main csu/../csu/libc-start.c:360:3\n'
    '    #9 0x5555d1f46960 in _start (/tmp/cff/proj/fuzz_bug+0x27960) (BuildId: 32df6f52e2397e83864c9f5364207a26f5b9d472)\n'
    '\n'
    '0x602000000056 is located 2 bytes to the right of 4-byte region [0x602000000050,0x602000000054)\n'
    'allocated by thread T0 here:\n'
    '    #0 0x5555d203997d in operator new(unsigned long) (/tmp/cff/proj/fuzz_bug+0x11a97d) (BuildId: 32df6f52e2397e83864c9f5364207a26f5b9d472)\n'
    '    #1 0x5555d203ca95 in std::__new_allocator<unsigned char>::allocate(unsigned long, void const*) /usr/bin/../lib/gcc/x86_64-linux-gnu/12/../../../../include/c++/12/bits/new_allocator.h:137:27\n'
    '    #2 0x5555d203ca95 in std::allocator_traits<std::allocator<unsigned char> >::allocate(std::allocator<unsigned char>&, unsigned long) /usr/bin/../lib/gcc/x86_64-linux-gnu/12/../../../../include/c++/12/bits/alloc_traits.h:464:20\n'
    '    #3 0x5555d203ca95 in std::_Vector_base<unsigned char, std::allocator<unsigned char> >::_M_allocate(unsigned long) /usr/bin/../lib/gcc/x86_64-linux-gnu/12/../../../../include/c++/12/bits/stl_vector.h:378:20\n'
    '    #4 0x5555d203ca95 in void std::vector<unsigned char, std::allocator<unsigned char> >::_M_range_initialize<unsigned char const*>(unsigned char const*, unsigned char const*, std::forward_iterator_tag) /usr/bin/../lib/gcc/x86_64-linux-gnu/12/../../../../include/c++/12/bits/stl_vector.h:1687:14\n'
    '    #5 0x5555d203c9a7 in std::vector<unsigned char, std::allocator<unsigned char> >::vector<unsigned char const*, void>(unsigned char const*, unsigned char const*, std::allocator<unsigned char> const&) /usr/bin/../lib/gcc/x86_64-linux-gnu/12/../../../../include/c++/12/bits/stl_vector.h:706:4\n'
    '    #6 0x5555d203c3c7 in LLVMFuzzerTestOneInput /tmp/cff/proj/harness/fuzz_bug.cc:8:24\n'
    '    #7 0x5555d1f622c3 in fuzzer::Fuzzer::ExecuteCallback(unsigned char const*, unsigned long) (/tmp/cff/proj/fuzz_bug+0x432c3) (BuildId: 32df6f52e2397e83864c9f5364207a26f5b9d472)\n'
    '    #8 0x5555d1f4c2cf in fuzzer::RunOneTest(fuzzer::Fuzzer*, char const*, unsigned long) (/tmp/cff/proj/fuzz_bug+0x2d2cf) (BuildId: 32df6f52e2397e83864c9f5364207a26f5b9d472)\n'
    '    #9 0x5555d1f52006 in fuzzer::FuzzerDriver(int*, char***, int (*)(unsigned char const*, unsigned long)) (/tmp/cff/proj/fuzz_bug+0x33006) (BuildId: 32df6f52e2397e83864c9f5364207a26f5b9d472)\n'
    '    #10 0x5555d1f7be42 in main (/tmp/cff/proj/fuzz_bug+0x5ce42) (BuildId: 32df6f52e2397e83864c9f5364207a26f5b9d472)\n'
    '    #11 0x7f96c0565249 in __libc_start_call_main csu/../sysdeps/nptl/libc_start_call_main.h:58:16\n'
    '\n'
    'SUMMARY: AddressSanitizer: heap-buffer-overflow /tmp/cff/proj/core/bug.cc:5:68 in cf::read_field(std::vector<unsigned char, std::allocator<unsigned char> > const&, unsigned long)\n'
)

ASAN_A2 = (
    'INFO: Running with entropic power schedule (0xFF, 100).\n'
    'INFO: Seed: 2880422160\n'
    'INFO: Loaded 1 modules   (54 inline 8-bit counters): 54 [0x561eb5925208, 0x561eb592523e), \n'
    'INFO: Loaded 1 PC tables (54 PCs): 54 [0x561eb5925240,0x561eb59255a0), \n'
    './fuzz_bug: Running 1 inputs 1 time(s) each.\n'
    'Running: a2\n'
    '=================================================================\n'
    '==21756==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x602000000056 at pc 0x561eb58e3129 bp 0x7fffb790c440 sp 0x7fffb790c438\n'
    'READ of size 1 at 0x602000000056 thread T0\n'
    '    #0 0x561eb58e3128 in cf::read_field(std::vector<unsigned char, std::allocator<unsigned char> > const&, unsigned long) /tmp/cff/proj/core/bug.cc:5:68\n'
    '    #1 0x561eb58e3128 in cf::walk(std::vector<unsigned char, std::allocator<unsigned char> > const&) /tmp/cff/proj/core/bug.cc:6:50\n'
    '    #2 0x561eb58e342f in LLVMFuzzerTestOneInput /tmp/cff/proj/harness/fuzz_bug.cc:9:43\n'
    '    #3 0x561eb58092c3 in fuzzer::Fuzzer::ExecuteCallback(unsigned char const*, unsigned long) (/tmp/cff/proj/fuzz_bug+0x432c3) (BuildId: 32df6f52e2397e83864c9f5364207a26f5b9d472)\n'
    '    #4 0x561eb57f32cf in fuzzer::RunOneTest(fuzzer::Fuzzer*, char const*, unsigned long) (/tmp/cff/proj/fuzz_bug+0x2d2cf) (BuildId: 32df6f52e2397e83864c9f5364207a26f5b9d472)\n'
    '    #5 0x561eb57f9006 in fuzzer::FuzzerDriver(int*, char***, int (*)(unsigned char const*, unsigned long)) (/tmp/cff/proj/fuzz_bug+0x33006) (BuildId: 32df6f52e2397e83864c9f5364207a26f5b9d472)\n'
    '    #6 0x561eb5822e42 in main (/tmp/cff/proj/fuzz_bug+0x5ce42) (BuildId: 32df6f52e2397e83864c9f5364207a26f5b9d472)\n'
    '    #7 0x7f8341d65249 in __libc_start_call_main csu/../sysdeps/nptl/libc_start_call_main.h:58:16\n'
    '    #8 0x7f8341d65304 in __libc_start_main csu/../csu/libc-start.c:360:3\n'
    '    #9 0x561eb57ed960 in _start (/tmp/cff/proj/fuzz_bug+0x27960) (BuildId: 32df6f52e2397e83864c9f5364207a26f5b9d472)\n'
    '\n'
    '0x602000000056 is located 2 bytes to the right of 4-byte region [0x602000000050,0x602000000054)\n'
    'allocated by thread T0 here:\n'
    '    #0 0x561eb58e097d in operator new(unsigned long) (/tmp/cff/proj/fuzz_bug+0x11a97d) (BuildId: 32df6f52e2397e83864c9f5364207a26f5b9d472)\n'
    '    #1 0x561eb58e3a95 in std::__new_allocator<unsigned char>::allocate(unsigned long, void const*) /usr/bin/../lib/gcc/x86_64-linux-gnu/12/../../../../include/c++/12/bits/new_allocator.h:137:27\n'
    '    #2 0x561eb58e3a95 in std::allocator_traits<std::allocator<unsigned char> >::allocate(std::allocator<unsigned char>&, unsigned long) /usr/bin/../lib/gcc/x86_64-linux-gnu/12/../../../../include/c++/12/bits/alloc_traits.h:464:20\n'
    '    #3 0x561eb58e3a95 in std::_Vector_base<unsigned char, std::allocator<unsigned char> >::_M_allocate(unsigned long) /usr/bin/../lib/gcc/x86_64-linux-gnu/12/../../../../include/c++/12/bits/stl_vector.h:378:20\n'
    '    #4 0x561eb58e3a95 in void std::vector<unsigned char, std::allocator<unsigned char> >::_M_range_initialize<unsigned char const*>(unsigned char const*, unsigned char const*, std::forward_iterator_tag) /usr/bin/../lib/gcc/x86_64-linux-gnu/12/../../../../include/c++/12/bits/stl_vector.h:1687:14\n'
    '    #5 0x561eb58e39a7 in std::vector<unsigned char, std::allocator<unsigned char> >::vector<unsigned char const*, void>(unsigned char const*, unsigned char const*, std::allocator<unsigned char> const&) /usr/bin/../lib/gcc/x86_64-linux-gnu/12/../../../../include/c++/12/bits/stl_vector.h:706:4\n'
    '    #6 0x561eb58e33c7 in LLVMFuzzerTestOneInput /tmp/cff/proj/harness/fuzz_bug.cc:8:24\n'
    '    #7 0x561eb58092c3 in fuzzer::Fuzzer::ExecuteCallback(unsigned char const*, unsigned long) (/tmp/cff/proj/fuzz_bug+0x432c3) (BuildId: 32df6f52e2397e83864c9f5364207a26f5b9d472)\n'
    '    #8 0x561eb57f32cf in fuzzer::RunOneTest(fuzzer::Fuzzer*, char const*, unsigned long) (/tmp/cff/proj/fuzz_bug+0x2d2cf) (BuildId: 32df6f52e2397e83864c9f5364207a26f5b9d472)\n'
    '    #9 0x561eb57f9006 in fuzzer::FuzzerDriver(int*, char***, int (*)(unsigned char const*, unsigned long)) (/tmp/cff/proj/fuzz_bug+0x33006) (BuildId: 32df6f52e2397e83864c9f5364207a26f5b9d472)\n'
    '    #10 0x561eb5822e42 in main (/tmp/cff/proj/fuzz_bug+0x5ce42) (BuildId: 32df6f52e2397e83864c9f5364207a26f5b9d472)\n'
    '    #11 0x7f8341d65249 in __libc_start_call_main csu/../sysdeps/nptl/libc_start_call_main.h:58:16\n'
    '\n'
    'SUMMARY: AddressSanitizer: heap-buffer-overflow /tmp/cff/proj/core/bug.cc:5:68 in cf::read_field(std::vector<unsigned char, std::allocator<unsigned char> > const&, unsigned long)\n'
)

CF_CHECK_C1 = (
    'INFO: Running with entropic power schedule (0xFF, 100).\n'
    'INFO: Seed: 2984356028\n'
    'INFO: Loaded 1 modules   (54 inline 8-bit counters): 54 [0x565523e76208, 0x565523e7623e), \n'
    'INFO: Loaded 1 PC tables (54 PCs): 54 [0x565523e76240,0x565523e765a0), \n'
    './fuzz_bug: Running 1 inputs 1 time(s) each.\n'
    'Running: c1\n'
    '/tmp/cff/proj/harness/fuzz_bug.cc:10: CF_CHECK(size < 3) failed: size 3 too big\n'
    '==21759== ERROR: libFuzzer: deadly signal\n'
    '    #0 0x565523e00cb1 in __sanitizer_print_stack_trace (/tmp/cff/proj/fuzz_bug+0xe9cb1) (BuildId: 32df6f52e2397e83864c9f5364207a26f5b9d472)\n'
    '    #1 0x565523d73608 in fuzzer::PrintStackTrace() (/tmp/cff/proj/fuzz_bug+0x5c608) (BuildId: 32df6f52e2397e83864c9f5364207a26f5b9d472)\n'
    '    #2 0x565523d58ed3 in fuzzer::Fuzzer::CrashCallback() (/tmp/cff/proj/fuzz_bug+0x41ed3) (BuildId: 32df6f52e2397e83864c9f5364207a26f5b9d472)\n'
    '    #3 0x7f6812a5a04f  (/lib/x86_64-linux-gnu/libc.so.6+0x3c04f) (BuildId: 93ac61ec5a8eb1396f9fbd350e3169a558528a40)\n'
    '    #4 0x7f6812aa8eeb in __pthread_kill_implementation nptl/./nptl/pthread_kill.c:43:17\n'
    '    #5 0x7f6812a59fb1 in raise signal/../sysdeps/posix/raise.c:26:13\n'
    '    #6 0x7f6812a44471 in abort stdlib/./stdlib/abort.c:79:7\n'
    '    #7 0x565523e346a8 in LLVMFuzzerTestOneInput /tmp/cff/proj/harness/fuzz_bug.cc:10:36\n'
    '    #8 0x565523d5a2c3 in fuzzer::Fuzzer::ExecuteCallback(unsigned char const*, unsigned long) (/tmp/cff/proj/fuzz_bug+0x432c3) (BuildId: 32df6f52e2397e83864c9f5364207a26f5b9d472)\n'
    '    #9 0x565523d442cf in fuzzer::RunOneTest(fuzzer::Fuzzer*, char const*, unsigned long) (/tmp/cff/proj/fuzz_bug+0x2d2cf) (BuildId: 32df6f52e2397e83864c9f5364207a26f5b9d472)\n'
    '    #10 0x565523d4a006 in fuzzer::FuzzerDriver(int*, char***, int (*)(unsigned char const*, unsigned long)) (/tmp/cff/proj/fuzz_bug+0x33006) (BuildId: 32df6f52e2397e83864c9f5364207a26f5b9d472)\n'
    '    #11 0x565523d73e42 in main (/tmp/cff/proj/fuzz_bug+0x5ce42) (BuildId: 32df6f52e2397e83864c9f5364207a26f5b9d472)\n'
    '    #12 0x7f6812a45249 in __libc_start_call_main csu/../sysdeps/nptl/libc_start_call_main.h:58:16\n'
    '    #13 0x7f6812a45304 in __libc_start_main csu/../csu/libc-start.c:360:3\n'
    '    #14 0x565523d3e960 in _start (/tmp/cff/proj/fuzz_bug+0x27960) (BuildId: 32df6f52e2397e83864c9f5364207a26f5b9d472)\n'
    '\n'
    'NOTE: libFuzzer has rudimentary signal handlers.\n'
    '      Combine libFuzzer with AddressSanitizer or similar for better crash reports.\n'
    'SUMMARY: libFuzzer: deadly signal\n'
)

UBSAN_U1 = (
    'INFO: Running with entropic power schedule (0xFF, 100).\n'
    'INFO: Seed: 3091338280\n'
    'INFO: Loaded 1 modules   (54 inline 8-bit counters): 54 [0x55711aeb2208, 0x55711aeb223e), \n'
    'INFO: Loaded 1 PC tables (54 PCs): 54 [0x55711aeb2240,0x55711aeb25a0), \n'
    './fuzz_bug: Running 1 inputs 1 time(s) each.\n'
    'Running: u1\n'
    "/tmp/cff/proj/core/bug.cc:7:36: runtime error: shift exponent 64 is too large for 32-bit type 'int'\n"
    '    #0 0x55711ae7021e in cf::shift(int, int) /tmp/cff/proj/core/bug.cc:7:36\n'
    '    #1 0x55711ae70582 in LLVMFuzzerTestOneInput /tmp/cff/proj/harness/fuzz_bug.cc:11:43\n'
    '    #2 0x55711ad962c3 in fuzzer::Fuzzer::ExecuteCallback(unsigned char const*, unsigned long) (/tmp/cff/proj/fuzz_bug+0x432c3) (BuildId: 32df6f52e2397e83864c9f5364207a26f5b9d472)\n'
    '    #3 0x55711ad802cf in fuzzer::RunOneTest(fuzzer::Fuzzer*, char const*, unsigned long) (/tmp/cff/proj/fuzz_bug+0x2d2cf) (BuildId: 32df6f52e2397e83864c9f5364207a26f5b9d472)\n'
    '    #4 0x55711ad86006 in fuzzer::FuzzerDriver(int*, char***, int (*)(unsigned char const*, unsigned long)) (/tmp/cff/proj/fuzz_bug+0x33006) (BuildId: 32df6f52e2397e83864c9f5364207a26f5b9d472)\n'
    '    #5 0x55711adafe42 in main (/tmp/cff/proj/fuzz_bug+0x5ce42) (BuildId: 32df6f52e2397e83864c9f5364207a26f5b9d472)\n'
    '    #6 0x7f5e27965249 in __libc_start_call_main csu/../sysdeps/nptl/libc_start_call_main.h:58:16\n'
    '    #7 0x7f5e27965304 in __libc_start_main csu/../csu/libc-start.c:360:3\n'
    '    #8 0x55711ad7a960 in _start (/tmp/cff/proj/fuzz_bug+0x27960) (BuildId: 32df6f52e2397e83864c9f5364207a26f5b9d472)\n'
    '\n'
    'SUMMARY: UndefinedBehaviorSanitizer: undefined-behavior /tmp/cff/proj/core/bug.cc:7:36 in \n'
)

TIMEOUT_T1 = (
    'INFO: Running with entropic power schedule (0xFF, 100).\n'
    'INFO: Seed: 3183476100\n'
    'INFO: Loaded 1 modules   (54 inline 8-bit counters): 54 [0x560ed05b4208, 0x560ed05b423e), \n'
    'INFO: Loaded 1 PC tables (54 PCs): 54 [0x560ed05b4240,0x560ed05b45a0), \n'
    './fuzz_bug: Running 1 inputs 1 time(s) each.\n'
    'Running: t1\n'
    'ALARM: working on the last Unit for 3 seconds\n'
    '       and the timeout value is 2 (use -timeout=N to change)\n'
    '==21765== ERROR: libFuzzer: timeout after 3 seconds\n'
    '    #0 0x560ed053ecb1 in __sanitizer_print_stack_trace (/tmp/cff/proj/fuzz_bug+0xe9cb1) (BuildId: 32df6f52e2397e83864c9f5364207a26f5b9d472)\n'
    '    #1 0x560ed04b1608 in fuzzer::PrintStackTrace() (/tmp/cff/proj/fuzz_bug+0x5c608) (BuildId: 32df6f52e2397e83864c9f5364207a26f5b9d472)\n'
    '    #2 0x560ed0496e49 in fuzzer::Fuzzer::AlarmCallback() (/tmp/cff/proj/fuzz_bug+0x41e49) (BuildId: 32df6f52e2397e83864c9f5364207a26f5b9d472)\n'
    '    #3 0x7f8a2977a04f  (/lib/x86_64-linux-gnu/libc.so.6+0x3c04f) (BuildId: 93ac61ec5a8eb1396f9fbd350e3169a558528a40)\n'
    '    #4 0x560ed0572810 in std::vector<unsigned char, std::allocator<unsigned char> >::operator[](unsigned long) /usr/bin/../lib/gcc/x86_64-linux-gnu/12/../../../../include/c++/12/bits/stl_vector.h:1124:25\n'
    '    #5 0x560ed0572810 in LLVMFuzzerTestOneInput /tmp/cff/proj/harness/fuzz_bug.cc:12:47\n'
    '    #6 0x560ed04982c3 in fuzzer::Fuzzer::ExecuteCallback(unsigned char const*, unsigned long) (/tmp/cff/proj/fuzz_bug+0x432c3) (BuildId: 32df6f52e2397e83864c9f5364207a26f5b9d472)\n'
    '    #7 0x560ed04822cf in fuzzer::RunOneTest(fuzzer::Fuzzer*, char const*, unsigned long) (/tmp/cff/proj/fuzz_bug+0x2d2cf) (BuildId: 32df6f52e2397e83864c9f5364207a26f5b9d472)\n'
    '    #8 0x560ed0488006 in fuzzer::FuzzerDriver(int*, char***, int (*)(unsigned char const*, unsigned long)) (/tmp/cff/proj/fuzz_bug+0x33006) (BuildId: 32df6f52e2397e83864c9f5364207a26f5b9d472)\n'
    '    #9 0x560ed04b1e42 in main (/tmp/cff/proj/fuzz_bug+0x5ce42) (BuildId: 32df6f52e2397e83864c9f5364207a26f5b9d472)\n'
    '    #10 0x7f8a29765249 in __libc_start_call_main csu/../sysdeps/nptl/libc_start_call_main.h:58:16\n'
    '    #11 0x7f8a29765304 in __libc_start_main csu/../csu/libc-start.c:360:3\n'
    '    #12 0x560ed047c960 in _start (/tmp/cff/proj/fuzz_bug+0x27960) (BuildId: 32df6f52e2397e83864c9f5364207a26f5b9d472)\n'
    '\n'
    'SUMMARY: libFuzzer: timeout\n'
)

AFL_STATS_START = (
    'start_time        : 1795558228\n'
    'last_update       : 1795558228\n'
    'run_time          : 0\n'
    'fuzzer_pid        : 32067\n'
    'cycles_done       : 0\n'
    'cycles_wo_finds   : 0\n'
    'execs_done        : 393\n'
    'execs_per_sec     : 196500.00\n'
    'execs_ps_last_min : 0.00\n'
    'corpus_count      : 56\n'
    'corpus_favored    : 9\n'
    'corpus_found      : 0\n'
    'corpus_imported   : 0\n'
    'corpus_variable   : 0\n'
    'max_depth         : 2\n'
    'cur_item          : 1\n'
    'pending_favs      : 8\n'
    'pending_total     : 53\n'
    'stability         : 100.00%\n'
    'bitmap_cvg        : 15.95%\n'
    'saved_crashes     : 0\n'
    'saved_hangs       : 0\n'
    'last_find         : 1795558228\n'
    'last_crash        : 0\n'
    'last_hang         : 0\n'
    'execs_since_crash : 393\n'
    'exec_timeout      : 25000\n'
    'slowest_exec_ms   : 0\n'
    'peak_rss_mb       : 0\n'
    'cpu_affinity      : -1\n'
    'edges_found       : 405\n'
    'total_edges       : 2539\n'
    'var_byte_count    : 0\n'
    'havoc_expansion   : 0\n'
    'auto_dict_entries : 0\n'
    'testcache_size    : 10496\n'
    'testcache_count   : 1\n'
    'testcache_evict   : 0\n'
    'afl_banner        : build/afl/bin/fuzz_inspect\n'
    'afl_version       : ++4.04c\n'
    'target_mode       : persistent shmem_testcase deferred \n'
    'command_line      : afl-fuzz -i /tmp/cff/runs/fuzz_inspect-afl-20261124T215723Z/afl-seeds -o /tmp/cff/afl2 -V 8 -t 25000 -M main -- build/afl/bin/fuzz_inspect\n'
)

AFL_STATS_END = (
    'start_time        : 1795558228\n'
    'last_update       : 1795558236\n'
    'run_time          : 8\n'
    'fuzzer_pid        : 32067\n'
    'cycles_done       : 0\n'
    'cycles_wo_finds   : 0\n'
    'execs_done        : 138164\n'
    'execs_per_sec     : 17240.33\n'
    'execs_ps_last_min : 0.00\n'
    'corpus_count      : 285\n'
    'corpus_favored    : 76\n'
    'corpus_found      : 230\n'
    'corpus_imported   : 0\n'
    'corpus_variable   : 0\n'
    'max_depth         : 3\n'
    'cur_item          : 135\n'
    'pending_favs      : 59\n'
    'pending_total     : 261\n'
    'stability         : 100.00%\n'
    'bitmap_cvg        : 25.13%\n'
    'saved_crashes     : 0\n'
    'saved_hangs       : 0\n'
    'last_find         : 1795558236\n'
    'last_crash        : 0\n'
    'last_hang         : 0\n'
    'execs_since_crash : 138164\n'
    'exec_timeout      : 25000\n'
    'slowest_exec_ms   : 0\n'
    'peak_rss_mb       : 0\n'
    'cpu_affinity      : -1\n'
    'edges_found       : 638\n'
    'total_edges       : 2539\n'
    'var_byte_count    : 0\n'
    'havoc_expansion   : 0\n'
    'auto_dict_entries : 0\n'
    'testcache_size    : 3075235\n'
    'testcache_count   : 285\n'
    'testcache_evict   : 0\n'
    'afl_banner        : build/afl/bin/fuzz_inspect\n'
    'afl_version       : ++4.04c\n'
    'target_mode       : persistent shmem_testcase deferred \n'
    'command_line      : afl-fuzz -i /tmp/cff/runs/fuzz_inspect-afl-20261124T215723Z/afl-seeds -o /tmp/cff/afl2 -V 8 -t 25000 -M main -- build/afl/bin/fuzz_inspect\n'
)

AFL_NO_UI_LOG = (
    '\x1b[1;94m[*] \x1b[0mFuzzing test case #129 (285 total, 0 crashes saved, perf_score=0, exec_us=78, hits=1, map=213, ascii=0)...\x1b[0m\n'
    '\x1b[1;94m[*] \x1b[0mFuzzing test case #134 (285 total, 0 crashes saved, perf_score=0, exec_us=63, hits=1, map=213, ascii=0)...\x1b[0m\n'
)

LIBFUZZER_MERGE = (
    'MERGE-OUTER: 227 files, 55 in the initial corpus, 0 processed earlier\n'
    'MERGE-OUTER: attempt 1\n'
    "MERGE-INNER: using the control file '/tmp/libFuzzerTemp.Merge31953.txt'\n"
    'MERGE-INNER: 227 total files; 0 processed earlier; will process 227 files now\n'
    '#227\tDONE   cov: 1400 ft: 4091 exec/s: 227 rss: 239Mb\n'
    'MERGE-OUTER: successful in 1 attempt(s)\n'
    'MERGE-OUTER: the control file has 60975 bytes\n'
    'MERGE-OUTER: consumed 0Mb (33Mb rss) to parse the control file\n'
    'MERGE-OUTER: 149 new files with 766 new features added; 243 new coverage edges\n'
)

# ---------------------------------------------------------------------------------------------
# Tests


class DurationTest(Base):
    def test_units(self):
        for text, seconds in (("90s", 90), ("5m", 300), ("1h", 3600), ("300", 300),
                              ("1h30m", 5400), (" 2M ", 120), ("1.5m", 90)):
            with self.subTest(text=text):
                self.assertEqual(fz.parse_duration(text), seconds)

    def test_bad_values_are_usage_errors(self):
        for text in ("", "5x", "m", "0", "0s", "-5", "5 m", "1d"):
            with self.subTest(text=text), self.assertRaises(cf.DriverError) as caught:
                fz.parse_duration(text)
            self.assertEqual(caught.exception.exit_code, 2)

    def test_budget_split(self):
        self.assertEqual(fz.split_budget(300, 5), 60)
        self.assertEqual(fz.split_budget(300, 10), 30)
        self.assertEqual(fz.split_budget(10, 5), 5)  # never below 5 s a run


class TargetsTest(Base):
    def test_default_is_every_target(self):
        self.assertEqual(fz.parse_targets(""), list(cf.FUZZ_TARGETS))

    def test_list(self):
        self.assertEqual(fz.parse_targets("fuzz_load, fuzz_io"), ["fuzz_load", "fuzz_io"])

    def test_unknown_is_usage_error(self):
        with self.assertRaises(cf.DriverError) as caught:
            fz.parse_targets("fuzz_load,fuzz_nope")
        self.assertEqual(caught.exception.exit_code, 2)
        self.assertIn("fuzz_nope", str(caught.exception))

    def test_engines(self):
        self.assertEqual(fz.engines_of("both"), ["libfuzzer", "afl"])
        self.assertEqual(fz.engines_of("afl"), ["afl"])


class LibFuzzerParseTest(Base):
    def test_status_line(self):
        line = LIBFUZZER_SINGLE.splitlines()[9]
        self.assertEqual(fz.parse_libfuzzer_line(line), {
            "event": "NEW", "execs": 42, "cov": 349, "ft": 655, "corpus": 31,
            "corpus_bytes": 1190 * 1024, "exec_s": 0, "rss_mb": 49})

    def test_other_lines_are_not_status(self):
        for line in ("INFO: Seed: 1181251404", "stat::peak_rss_mb:              411",
                     "Done 42633 runs in 16 second(s)", ""):
            self.assertIsNone(fz.parse_libfuzzer_line(line))

    def test_single_process_run(self):
        s = fz.parse_libfuzzer_output(LIBFUZZER_SINGLE)
        self.assertFalse(s["fork"])
        self.assertEqual((s["execs"], s["exec_s"], s["seconds"]), (42633, 2664, 16))
        self.assertEqual((s["cov_start"], s["cov_end"]), (330, 498))
        self.assertEqual((s["ft_start"], s["ft_end"]), (632, 1274))
        self.assertEqual((s["corpus_start"], s["corpus_end"]), (30, 199))
        self.assertEqual((s["new_units"], s["peak_rss_mb"]), (406, 411))
        self.assertIsNone(s["merge"])

    def test_without_final_stats_uses_status_lines(self):
        text = "".join(l for l in LIBFUZZER_SINGLE.splitlines(True)
                       if not l.startswith(("stat::", "Done ")))
        s = fz.parse_libfuzzer_output(text)
        self.assertEqual((s["execs"], s["exec_s"]), (42633, 2664))

    def test_fork_run(self):
        s = fz.parse_libfuzzer_output(LIBFUZZER_FORK)
        self.assertTrue(s["fork"])
        self.assertEqual((s["execs"], s["seconds"]), (77645, 15))
        self.assertEqual(s["exec_s"], round(77645 / 15))
        self.assertEqual((s["cov_start"], s["cov_end"]), (632, 1102))
        self.assertEqual((s["corpus_start"], s["corpus_end"]), (30, 144))
        self.assertEqual(s["fork_crashes"], 0)

    def test_fork_findings_are_counted(self):
        text = LIBFUZZER_FORK.replace("oom/timeout/crash: 0/0/0 time: 15s",
                                      "oom/timeout/crash: 1/2/3 time: 15s")
        self.assertEqual(fz.parse_libfuzzer_output(text)["fork_crashes"], 6)

    def test_merge(self):
        s = fz.parse_libfuzzer_output(LIBFUZZER_MERGE)
        self.assertEqual(s["merge"], {"files": 149, "features": 766, "edges": 243})

    def test_garbage_gives_nones(self):
        s = fz.parse_libfuzzer_output("Segmentation fault\n")
        self.assertEqual((s["execs"], s["exec_s"], s["cov_start"], s["merge"]),
                         (None, None, None, None))


class AflParseTest(Base):
    def test_stats_file(self):
        stats = fz.parse_afl_stats(AFL_STATS_END)
        self.assertEqual(stats["execs_done"], "138164")
        self.assertEqual(stats["afl_version"], "++4.04c")
        self.assertTrue(stats["command_line"].startswith("afl-fuzz -i "))
        self.assertEqual(fz.afl_number(stats, "bitmap_cvg"), 25.13)
        self.assertIsNone(fz.afl_number({"execs_per_sec": "inf"}, "execs_per_sec"))
        self.assertIsNone(fz.afl_number(stats, "no_such_key"))

    def test_summary_start_vs_end(self):
        start, end = fz.parse_afl_stats(AFL_STATS_START), fz.parse_afl_stats(AFL_STATS_END)
        s = fz.summarize_afl({"main": start}, {"main": end}, 55)
        self.assertEqual((s["execs"], s["exec_s"]), (138164, 17240))
        self.assertEqual((s["cov_start"], s["cov_end"]), (405, 638))
        self.assertEqual((s["bitmap_cvg_start"], s["bitmap_cvg_end"]), (15.95, 25.13))
        self.assertEqual((s["corpus_start"], s["corpus_end"]), (55, 285))
        self.assertEqual((s["crashes"], s["hangs"], s["instances"]), (0, 0, 1))

    def test_secondaries_are_summed(self):
        end = fz.parse_afl_stats(AFL_STATS_END)
        sec = dict(end, execs_done="1000", execs_per_sec="10.0", edges_found="700",
                   saved_crashes="2", corpus_count="999")
        s = fz.summarize_afl({"main": fz.parse_afl_stats(AFL_STATS_START)},
                             {"main": end, "sec1": sec}, 55)
        self.assertEqual((s["execs"], s["exec_s"]), (139164, 17250))
        self.assertEqual((s["cov_end"], s["crashes"], s["instances"]), (700, 2, 2))
        self.assertEqual(s["corpus_end"], 285)  # main's queue

    def test_no_ui_log_progress(self):
        self.assertEqual(fz.parse_afl_progress(AFL_NO_UI_LOG),
                         {"item": 134, "corpus": 285, "crashes": 0})
        self.assertEqual(fz.parse_afl_progress("no progress yet\n"), {})


class CommandLinesTest(Base):
    def corpus(self, with_regressions=True):
        """A corpus root with fuzz_load seeds, .dict, .options (and regressions)."""
        root = self.tmpdir() / "corpus"
        (root / "fuzz_load").mkdir(parents=True)
        (root / "fuzz_load" / "a").write_bytes(b"a")
        (root / "fuzz_load.dict").write_text('x="olean"\n')
        (root / "fuzz_load.options").write_text(
            "[libfuzzer]\nmax_len = 65536\ntimeout = 25\nrss_limit_mb = 2560\n")
        if with_regressions:
            (root / "regressions" / "fuzz_load").mkdir(parents=True)
        return root

    def test_options(self):
        root = self.corpus()
        options = fz.read_options(root / "fuzz_load.options")
        self.assertEqual(options, {"max_len": "65536", "timeout": "25", "rss_limit_mb": "2560"})
        self.assertEqual(fz.option_flags(options, fz.REPLAY_OPTION_KEYS),
                         ["-rss_limit_mb=2560", "-timeout=25"])
        self.assertEqual(fz.read_options(root / "missing.options"), {})
        self.assertEqual(fz.afl_timeout_ms(options), 25000)
        self.assertEqual(fz.afl_timeout_ms({}), 1000)

    def test_libfuzzer_single(self):
        root = self.corpus()
        files = fz.target_files("fuzz_load", root)
        cmd = fz.libfuzzer_command("bin/fuzz_load", files, Path("/r"), 30, 1,
                                   fz.read_options(files["options"]))
        self.assertEqual(cmd, ["bin/fuzz_load", "-max_total_time=30", "-print_final_stats=1",
                               "-artifact_prefix=/r/crashes/", f"-dict={root}/fuzz_load.dict",
                               "-max_len=65536", "-rss_limit_mb=2560", "-timeout=25",
                               "/r/corpus", f"{root}/fuzz_load", f"{root}/regressions/fuzz_load"])

    def test_libfuzzer_fork_and_no_regressions(self):
        root = self.corpus(with_regressions=False)
        files = fz.target_files("fuzz_load", root)
        cmd = fz.libfuzzer_command("b", files, Path("/r"), 30, 4, {})
        self.assertIn("-fork=4", cmd)
        self.assertIn("-ignore_crashes=1", cmd)
        self.assertEqual(cmd[-2:], ["/r/corpus", f"{root}/fuzz_load"])

    def test_afl_main_and_diverse_secondaries(self):
        cmds = fz.afl_commands("bin/t", "/s", "/o", 60, 3, None, 1000)
        self.assertEqual(cmds[0], ["afl-fuzz", "-i", "/s", "-o", "/o", "-V", "60", "-t", "1000",
                                   "-M", "main", "--", "bin/t"])
        self.assertEqual(cmds[1][-6:], ["-S", "sec1", "-p", "explore", "--", "bin/t"])
        self.assertEqual(cmds[2][-6:], ["-S", "sec2", "-L", "0", "--", "bin/t"])
        self.assertEqual(len(fz.afl_commands("b", "s", "o", 1, 1, None, 1)), 1)

    def test_afl_seeds_fit_and_are_unique(self):
        root = self.tmpdir()
        (root / "in").mkdir()
        (root / "in" / "small").write_bytes(b"x" * 10)
        (root / "in" / "same").write_bytes(b"x" * 10)
        (root / "in" / "empty").write_bytes(b"")
        (root / "in" / "big").write_bytes(b"y" * (fz.AFL_MAX_SEED + 1))
        self.assertEqual(fz.make_afl_seeds([root / "in", root / "absent"], root / "out"), 1)
        self.assertEqual(len(list((root / "out").iterdir())), 1)
        (root / "in" / "small").unlink()
        (root / "in" / "same").unlink()
        self.assertEqual(fz.make_afl_seeds([root / "in"], root / "out2"), 0)
        self.assertEqual([p.read_bytes() for p in (root / "out2").iterdir()], [b"\0"])


class CrashSignatureTest(Base):
    def sig(self, text):
        return fz.crash_signature(text, root=PROJ)

    def test_same_stack_different_addresses_same_token(self):
        self.assertNotEqual(ASAN_A1, ASAN_A2)
        self.assertIn("0x5555d203c128", ASAN_A1)
        self.assertNotIn("0x5555d203c128", ASAN_A2)
        a1, a2 = self.sig(ASAN_A1), self.sig(ASAN_A2)
        self.assertEqual(a1["token"], a2["token"])
        self.assertEqual(a1["kind"], "heap-buffer-overflow")
        self.assertEqual(a1["frames"], [
            "cf::read_field(std::vector<unsigned char, std::allocator<unsigned char> > const&, "
            "unsigned long) core/bug.cc:5",
            "cf::walk(std::vector<unsigned char, std::allocator<unsigned char> > const&) core/bug.cc:6",
            "LLVMFuzzerTestOneInput harness/fuzz_bug.cc:9"])

    def test_different_frames_different_token(self):
        renamed = ASAN_A1.replace("cf::read_field", "cf::read_other")
        self.assertNotEqual(self.sig(renamed)["token"], self.sig(ASAN_A1)["token"])
        self.assertNotEqual(self.sig(UBSAN_U1)["token"], self.sig(ASAN_A1)["token"])

    def test_same_frames_other_kind_different_token(self):
        other = ASAN_A1.replace("heap-buffer-overflow", "heap-use-after-free")
        self.assertNotEqual(self.sig(other)["token"], self.sig(ASAN_A1)["token"])

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
        self.assertEqual(s["frames"][0], "cf::shift(int, int) core/bug.cc:7")
        self.assertIn("shift exponent 64", s["summary"])

    def test_timeout_uses_in_project_frames_only(self):
        s = self.sig(TIMEOUT_T1)
        self.assertEqual(s["kind"], "timeout")
        self.assertEqual(s["frames"], ["LLVMFuzzerTestOneInput harness/fuzz_bug.cc:12"])

    def test_no_finding(self):
        self.assertIsNone(self.sig(LIBFUZZER_SINGLE))

    def test_grouping(self):
        findings = [{"target": "fuzz_load", "artifact": f"out/{n}", "signature": self.sig(t)}
                    for n, t in (("a1", ASAN_A1), ("u1", UBSAN_U1), ("a2", ASAN_A2))]
        unique = fz.group_crashes(findings)
        self.assertEqual([(u["kind"], u["count"], u["artifact"]) for u in unique],
                         [("heap-buffer-overflow", 2, "out/a1"), ("undefined-behavior", 1, "out/u1")])
        self.assertEqual(unique[0]["command"],
                         "scripts/compactfuzz reproduce out/a1 --target fuzz_load")


def fuzz_object(crash=True, ran=True):
    """A report `fuzz` object with one run and (optionally) one unique crash."""
    row = {"target": "fuzz_load", "engine": "libfuzzer", "seconds": 60, "jobs": 2,
           "executions": 123456, "exec_per_s": 2057, "corpus_before": 52, "corpus_after": 200,
           "cov_before": 1157, "cov_after": 1400, "new_cov": 243, "coverage_unit": "libFuzzer cov",
           "crashes_total": 3 if crash else 0, "crashes_unique": 1 if crash else 0,
           "merged_files": 149, "crash_files": []}
    unique = [{"token": "0123456789abcdef", "kind": "heap-buffer-overflow",
               "frames": ["cf::f<int|long>() core/x.cc:3"], "summary": "READ <of> size 1",
               "target": "fuzz_load", "targets": ["fuzz_load"], "artifact": "out/crash-1",
               "count": 3, "log": "out/0123456789abcdef.txt",
               "command": "scripts/compactfuzz reproduce out/crash-1 --target fuzz_load"}]
    return {"ran": ran, "budget_s": 60, "engine": "libfuzzer", "engines": ["libfuzzer"],
            "jobs": 2, "targets": ["fuzz_load"], "runs": [row] if ran else [],
            "crashes": {"total": 3 if crash else 0, "replayed": 3 if crash else 0,
                        "unique": unique if crash else []}}


def stages(*names, last="pass"):
    """Stage records, all passing except that the last gets status `last`."""
    out = [{"name": n, "status": "pass", "duration_s": 1.0} for n in names]
    out[-1]["status"] = last
    return out


class FuzzReportTest(Base):
    def write(self, report):
        return cf.write_reports(report, self.tmpdir() / "20261124T181500Z")

    def test_fuzz_section_and_crash(self):
        t = cf.utc_now()
        report = cf.make_report(t, t, "release", stages("build", "conformance", "fuzz", "crashes",
                                                        last="fail"),
                                cf.summarise_conformance([]), fuzz=fuzz_object())
        run_dir = self.write(report)
        data = json.loads((run_dir / "report.json").read_text())
        self.assertEqual(data["verdict"], "fail")
        self.assertEqual(data["schema"], "compactfuzz-nightly/1")
        self.assertEqual(data["fuzz"]["runs"][0]["executions"], 123456)
        md = (run_dir / "report.md").read_text()
        self.assertIn("fuzzing 1 runs, 1 unique crashes from 3 artifacts", md)
        self.assertIn("## Fuzzing", md)
        self.assertIn("| fuzz_load | libfuzzer | 60 | 123456 | 2057 | 52 → 200 | 1157 → 1400 "
                      "| +243 libFuzzer cov | 149 | 1/3 |  |", md)
        self.assertIn("### `0123456789abcdef` heap-buffer-overflow — fuzz_load", md)
        self.assertIn("scripts/compactfuzz reproduce out/crash-1 --target fuzz_load", md)
        self.assertIn("cf::f<int|long>() core/x.cc:3", md)
        html_text = (run_dir / "report.html").read_text()
        self.assertIn("<h2>Fuzzing</h2>", html_text)
        self.assertIn("<h2>Unique crashes</h2>", html_text)
        self.assertIn("READ &lt;of&gt; size 1", html_text)
        self.assertNotIn("READ <of>", html_text)

    def test_no_crash_says_none(self):
        t = cf.utc_now()
        report = cf.make_report(t, t, "release", stages("build", "conformance", "crashes"),
                                cf.summarise_conformance([]), fuzz=fuzz_object(crash=False))
        self.assertEqual(report["verdict"], "pass")
        md = cf.render_markdown(report)
        self.assertIn("## Unique crashes\n\nNone.", md)

    def test_without_fuzzing(self):
        t = cf.utc_now()
        report = cf.make_report(t, t, "release", stages("build", "conformance"),
                                cf.summarise_conformance([]))
        self.assertFalse(report["fuzz"]["ran"])
        md = cf.render_markdown(report)
        self.assertIn("Fuzzing was not part of this run (--no-fuzz).", md)
        self.assertIn("Crash deduplication did not run.", md)
        self.assertIn("**Verdict: PASS** — conformance 0/0 files passed\n", md)

    def test_old_report_without_fuzz_key_renders(self):
        t = cf.utc_now()
        report = cf.make_report(t, t, "release", stages("build", "conformance"),
                                cf.summarise_conformance([]))
        del report["fuzz"]
        self.assertIn("## Fuzzing", cf.render_markdown(report))
        self.assertIn("<h2>Fuzzing</h2>", cf.render_html(report))

    def test_interrupted(self):
        t = cf.utc_now()
        report = cf.make_report(t, t, "release", stages("build", "conformance", "fuzz",
                                                        last="interrupted"),
                                cf.summarise_conformance([]), fuzz=fuzz_object(crash=False),
                                interrupted=True)
        self.assertEqual(report["verdict"], "interrupted")
        run_dir = self.write(report)
        md = (run_dir / "report.md").read_text()
        self.assertIn("**Verdict: INTERRUPTED**", md)
        self.assertIn("| fuzz | interrupted |", md)
        self.assertIn("class='interrupted'", (run_dir / "report.html").read_text())


class NightlyTest(Base):
    """cmd_nightly with every stage body mocked."""

    def run_nightly(self, extra_args=(), fuzz_patches=None, check_patches=None):
        out = self.tmpdir() / "nightly"
        args = cf.parse_args(["nightly", "--no-setup", "--out", str(out), "--budget", "60s",
                              "--jobs", "2", *extra_args])
        checks = {"build_stage": lambda *a: {}, "conformance_stage": lambda *a: {},
                  "loader_stage": lambda *a: {}, "negative_stage": lambda *a: {},
                  "roundtrip_stage": lambda *a: {}}
        checks.update(check_patches or {})
        fuzzes = {"build_fuzz_stage": lambda *a: {}, "regression_stage": lambda *a: {},
                  "fuzz_stage": lambda *a: {}, "merge_stage": lambda *a: {},
                  "crashes_stage": lambda *a: {}}
        fuzzes.update(fuzz_patches or {})
        with contextlib.ExitStack() as stack:
            for name, fn in checks.items():
                stack.enter_context(mock.patch.object(cf, name, fn))
            for name, fn in fuzzes.items():
                stack.enter_context(mock.patch.object(fz, name, fn))
            stack.enter_context(contextlib.redirect_stdout(io.StringIO()))
            stack.enter_context(contextlib.redirect_stderr(io.StringIO()))
            rc = cf.cmd_nightly(args)
        run_dir = out / os.readlink(out / "latest")
        return rc, run_dir, json.loads((run_dir / "report.json").read_text())

    def names(self, report):
        return [(s["name"], s["status"]) for s in report["stages"]]

    def test_all_stages_pass(self):
        rc, _, report = self.run_nightly()
        self.assertEqual(rc, 0)
        self.assertEqual(report["verdict"], "pass")
        self.assertEqual([n for n, _ in self.names(report)],
                         ["build", "conformance", "loader", "negative", "roundtrip",
                          "build-fuzz", "regression", "fuzz", "merge", "crashes"])
        self.assertEqual((report["fuzz"]["budget_s"], report["fuzz"]["jobs"]), (60, 2))
        self.assertEqual(report["fuzz"]["targets"], list(cf.FUZZ_TARGETS))

    def test_no_fuzz(self):
        rc, _, report = self.run_nightly(["--no-fuzz"])
        self.assertEqual(rc, 0)
        self.assertEqual(len(report["stages"]), 5)
        self.assertFalse(report["fuzz"]["ran"])

    def test_crashes_fail_the_verdict(self):
        def crashes(*a):
            raise cf.DriverError("1 unique crashes")
        rc, _, report = self.run_nightly(fuzz_patches={"crashes_stage": crashes})
        self.assertEqual((rc, report["verdict"]), (1, "fail"))
        self.assertEqual(self.names(report)[-1], ("crashes", "fail"))

    def test_fuzzing_runs_after_a_failed_check(self):
        def conformance(*a):
            raise cf.DriverError("1 of 36 files failed")
        rc, _, report = self.run_nightly(check_patches={"conformance_stage": conformance})
        self.assertEqual(rc, 1)
        self.assertEqual(self.names(report)[:3], [("build", "pass"), ("conformance", "fail"),
                                                  ("build-fuzz", "pass")])
        self.assertEqual(self.names(report)[-1], ("crashes", "pass"))

    def test_failed_fuzz_build_stops_the_fuzz_stages(self):
        def build(*a):
            raise cf.DriverError("build: preset fuzz failed")
        rc, _, report = self.run_nightly(fuzz_patches={"build_fuzz_stage": build})
        self.assertEqual(rc, 1)
        self.assertEqual(self.names(report)[-1], ("build-fuzz", "fail"))

    def test_ctrl_c_writes_three_reports_and_stops_children(self):
        children = []

        def fuzz(*a):
            children.append(fz.start_group(["sleep", "60"]))
            raise KeyboardInterrupt

        before = signal.getsignal(signal.SIGINT)
        rc, run_dir, report = self.run_nightly(fuzz_patches={"fuzz_stage": fuzz})
        self.assertEqual(rc, 130)
        for name in ("report.json", "report.md", "report.html"):
            self.assertTrue((run_dir / name).is_file(), name)
        self.assertEqual(report["verdict"], "interrupted")
        self.assertEqual(self.names(report)[-2:], [("regression", "pass"), ("fuzz", "interrupted")])
        self.assertIn("**Verdict: INTERRUPTED**", (run_dir / "report.md").read_text())
        self.assertIsNotNone(children[0].poll(), "the fuzzer's process group was not stopped")
        self.assertIs(signal.getsignal(signal.SIGINT), before)

    def test_ctrl_c_in_a_check_stage(self):
        def loader(*a):
            raise KeyboardInterrupt
        rc, _, report = self.run_nightly(check_patches={"loader_stage": loader})
        self.assertEqual((rc, report["verdict"]), (130, "interrupted"))
        self.assertEqual(self.names(report)[-1], ("loader", "interrupted"))

    def test_bad_budget_is_usage_error(self):
        args = cf.parse_args(["nightly", "--no-setup", "--budget", "soon"])
        with self.assertRaises(cf.DriverError) as caught:
            cf.cmd_nightly(args)
        self.assertEqual(caught.exception.exit_code, 2)


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


class MinimizeTest(Base):
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
        fake = script(self.tmpdir() / "fuzz_load", FAKE_MERGE)
        with contextlib.redirect_stdout(io.StringIO()):
            before, after = fz.minimize_target(fake, "fuzz_load", root)
        self.assertEqual(before, (5, 17))
        # merged: one input per new first byte (aaaa, bccc, cddd, zz), then both reproducers
        contents = sorted(p.read_bytes() for p in seeds.iterdir())
        self.assertEqual(contents, [b"a-crash", b"aaaa", b"bccc", b"cddd", b"zz", b"zz"])
        self.assertEqual(after, (6, 23))
        self.assertTrue((seeds / "crash-1").is_file() and (seeds / "crash-2").is_file())
        self.assertEqual(sorted(p.name for p in root.iterdir()), ["fuzz_load", "regressions"])

    def test_failed_merge_leaves_corpus_untouched(self):
        root, seeds = self.corpus()
        fake = script(self.tmpdir() / "fuzz_load", FAKE_MERGE)
        with mock.patch.dict(os.environ, {"FAKE_FAIL": "1"}), \
             contextlib.redirect_stdout(io.StringIO()), self.assertRaises(cf.DriverError):
            fz.minimize_target(fake, "fuzz_load", root)
        self.assertEqual(sorted(p.name for p in seeds.iterdir()), ["s1", "s2", "s3", "s4", "s5"])
        self.assertEqual(sorted(p.name for p in root.iterdir()), ["fuzz_load", "regressions"])

    def test_cmd_minimize_prints_counts(self):
        root, _ = self.corpus()
        build = self.tmpdir()
        script(build / "bin" / "fuzz_load", FAKE_MERGE)
        out = io.StringIO()
        with mock.patch.object(cf, "build_dir", lambda preset, canary=None: build), \
             contextlib.redirect_stdout(out):
            rc = cf.SUBCOMMANDS["minimize"][0](cf.parse_args(
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

FAKE_LIBFUZZER_FILES = """
import sys
files = [a for a in sys.argv[1:] if not a.startswith("-")]
print(f"Running {len(files)} inputs 1 time(s) each.")
for f in files:
    print(f"Running: {f}")
    if b"BAD" in open(f, "rb").read():
        print("core/x.cc:3: CF_CHECK(ok) failed: bad input"); sys.exit(1)
    print(f"Executed {f} in 0 ms")
"""


class ReplayTest(Base):
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
        self.assertEqual([p.name for p in fz.replay_dirs("fuzz_io", root)],
                         ["fuzz_io", "fuzz_io", "real", "negative"])
        self.assertEqual(fz.replay_dirs("fuzz_chain", root), [root / "real", root / "negative"])

    def test_replay_driver_names_the_culprits(self):
        root = self.corpus()
        fake = script(self.tmpdir() / "fuzz_io", FAKE_REPLAY)
        result = fz.replay_target(fake, "fuzz_io", fz.replay_dirs("fuzz_io", root))
        self.assertEqual([Path(f).name for f, _ in result["failures"]], ["s2", "bad_magic"])
        self.assertIn("CF_CHECK", result["failures"][0][1])
        self.assertEqual(result["inputs"], 1 + 3 + 1 + 1)

    def test_cmd_regression_exit(self):
        root = self.corpus()
        build = self.tmpdir()
        script(build / "bin" / "fuzz_io", FAKE_REPLAY)
        argv = ["regression", "--targets", "fuzz_io", "--corpus-root", str(root), "--no-build"]
        with mock.patch.object(cf, "build_dir", lambda preset, canary=None: build), \
             contextlib.redirect_stdout(io.StringIO()):
            with self.assertRaises(cf.DriverError) as caught:
                cf.SUBCOMMANDS["regression"][0](cf.parse_args(argv))
            self.assertIn("fuzz_io/s2", str(caught.exception))
            (root / "fuzz_io" / "s2").write_bytes(b"fixed")
            (root / "negative" / "bad_magic").write_bytes(b"fixed")
            self.assertEqual(cf.SUBCOMMANDS["regression"][0](cf.parse_args(argv)), 0)

    def test_libfuzzer_file_replay_continues_past_failures(self):
        root = self.corpus()
        fake = script(self.tmpdir() / "fuzz_io", FAKE_LIBFUZZER_FILES)
        paths = [p for d in fz.replay_dirs("fuzz_io", root) for p in fz.files_in(d)]
        result = fz.libfuzzer_replay(fake, paths, {"timeout": "5"})
        self.assertEqual(result["inputs"], 6)
        self.assertEqual([Path(f).name for f, _ in result["failures"]], ["s2", "bad_magic"])


FAKE_FUZZER = """
import os, sys, time
prefix = next(a.split("=", 1)[1] for a in sys.argv if a.startswith("-artifact_prefix="))
corpus = [a for a in sys.argv[1:] if not a.startswith("-")][0]
sys.stderr.write(open(os.environ["FAKE_OUTPUT"]).read())
open(os.path.join(corpus, "new1"), "wb").write(b"n")
open(prefix + "crash-da39a3ee", "wb").write(b"boom")
sys.exit(1)
"""


class FuzzRunTest(Base):
    def test_libfuzzer_run_row(self):
        tmp = self.tmpdir()
        (tmp / "out.txt").write_text(LIBFUZZER_SINGLE)
        fake = script(tmp / "bin" / "fuzz_load", FAKE_FUZZER)
        root = tmp / "corpus"
        (root / "fuzz_load").mkdir(parents=True)
        with mock.patch.dict(os.environ, {"FAKE_OUTPUT": str(tmp / "out.txt")}), \
             contextlib.redirect_stdout(io.StringIO()):
            row = fz.fuzz_libfuzzer(fake, "fuzz_load", tmp / "run", 30, 1, root)
        self.assertEqual((row["executions"], row["exec_per_s"]), (42633, 2664))
        self.assertEqual((row["cov_before"], row["cov_after"], row["new_cov"]), (330, 498, 168))
        self.assertEqual((row["corpus_before"], row["corpus_after"]), (30, 199))
        self.assertEqual(row["crashes_total"], 1)
        self.assertTrue(row["crash_files"][0].endswith("run/crashes/crash-da39a3ee"))
        self.assertEqual((row["new_files"], row["exit_code"]), (1, 1))
        self.assertTrue((tmp / "run" / "fuzz.log").read_text().startswith("INFO: Running"))

    def test_crashes_stage_dedups_and_fails(self):
        tmp = self.tmpdir()
        build = tmp / "build"
        script(build / "bin" / "fuzz_load", f"""
            import sys
            data = open(sys.argv[-1], "rb").read()
            if data.startswith(b"ok"):
                sys.exit(0)
            print("{ROOT}/core/x.cc:3: CF_CHECK(a == b) failed: " + data.decode())
            sys.exit(1)
            """)
        crashes = tmp / "run" / "crashes"
        crashes.mkdir(parents=True)
        for name, data in (("crash-1", b"x"), ("crash-2", b"y"), ("crash-3", b"ok")):
            (crashes / name).write_bytes(data)
        rows = [{"target": "fuzz_load", "crash_files": [str(crashes / n) for n in
                                                        ("crash-1", "crash-2", "crash-3")]}]
        holder = {}
        with mock.patch.object(cf, "build_dir", lambda preset, canary=None: build), \
             contextlib.redirect_stdout(io.StringIO()):
            with self.assertRaises(cf.DriverError) as caught:
                fz.crashes_stage(rows, [], tmp / "run", tmp / "corpus", holder)
        self.assertIn("2 unique crashes from 3 artifacts", str(caught.exception))
        kinds = sorted((u["kind"], u["count"]) for u in holder["unique"])
        self.assertEqual(kinds, [("CF_CHECK", 2), ("no-repro", 1)])
        check = next(u for u in holder["unique"] if u["kind"] == "CF_CHECK")
        self.assertEqual(check["frames"], ["core/x.cc:3 CF_CHECK(a == b)"])
        self.assertTrue((tmp / "run" / "crashes" / f"{check['token']}.txt").is_file())
        self.assertEqual(rows[0]["crashes_unique"], 2)


class ProcessGroupTest(Base):
    def test_stop_group_kills_grandchildren(self):
        proc = fz.start_group(["sh", "-c", "sleep 60 & echo $!; wait"], stdout=subprocess.PIPE,
                              text=True)
        grandchild = int(proc.stdout.readline())
        fz.stop_group(proc, grace=1.0)
        self.assertIsNotNone(proc.poll())
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                state = Path(f"/proc/{grandchild}/stat").read_text().split(") ")[1][0]
            except (FileNotFoundError, IndexError):
                state = "gone"
            if state in ("gone", "Z"):
                break
            time.sleep(0.05)
        self.assertIn(state, ("gone", "Z"))
        proc.stdout.close()


class CommandLineTest(Base):
    def test_new_subcommands_parse(self):
        for argv in (["run", "fuzz_inspect", "--engine", "afl", "--time", "30", "--jobs", "2"],
                     ["run", "fuzz_io", "--canary", "eintr", "--out", "x", "--no-build"],
                     ["regression", "--preset", "dev", "--targets", "fuzz_io"],
                     ["minimize", "--targets", "fuzz_load", "--corpus-root", "/tmp/c"],
                     ["gen", "--out", "out/seeds"],
                     ["nightly", "--budget", "5m", "--targets", "fuzz_io", "--engine", "both",
                      "--jobs", "2", "--no-fuzz", "--no-setup"]):
            with self.subTest(argv=argv):
                self.assertIn(cf.parse_args(argv).command, cf.SUBCOMMANDS)

    def test_nightly_defaults(self):
        args = cf.parse_args(["nightly"])
        self.assertEqual((args.budget, args.engine, args.jobs, args.targets, args.no_fuzz),
                         ("10m", "libfuzzer", None, "", False))

    def test_run_unknown_target_is_usage_error(self):
        with self.assertRaises(cf.DriverError) as caught:
            fz.cmd_run(cf.parse_args(["run", "fuzz_nope", "--no-build"]))
        self.assertEqual(caught.exception.exit_code, 2)


if __name__ == "__main__":
    unittest.main()
