"""Real output captured once from the project's tools, shared by the driver's unit tests.

Each was captured from a real run on the project's machine (clang-14 libFuzzer + ASan/UBSan,
AFL++ 4.04c, llvm-cov-14); long runs are trimmed, nothing edited.

From fuzzing runs (the sanitizer samples of this group come from a small planted-bug target whose
sources sat under /tmp/cff/proj/{core,harness}, so PROJ stands in for the repository root):
  LIBFUZZER_SINGLE, LIBFUZZER_FORK, LIBFUZZER_MERGE  libFuzzer runs: single process, -fork=2,
                       and a -merge=1;
  ASAN_A1, ASAN_A2     one heap over-read replayed from two artifacts (a libFuzzer + ASan build);
  CF_CHECK_C1, UBSAN_U1, TIMEOUT_T1   an oracle finding, a UBSan shift, a libFuzzer timeout;
  AFL_STATS_START, AFL_STATS_END, AFL_NO_UI_LOG      an afl-fuzz run of build/afl/bin/fuzz_inspect.

From reproductions:
  ASAN_FUZZ_LOAD  build/asan-canary-ctor_extent/bin/fuzz_load on the planted ctor_extent input,
                  shadow-byte table cut (before the redesign: the over-read met in graph_dump);
  ASAN_FUZZ_LOAD_NOW  the same, after the redesign (the over-read is met where observe_load
                  reads every byte back); its dedup token names the stored reproducer
                  corpus/regressions/fuzz_load/09e14f57-fd4cf0e5299a;
  ASAN_LIBFUZZER  a libFuzzer + ASan binary (clang++-14 -fsanitize=fuzzer,address,undefined) with
                  a heap over-read, built from a scratch checkout whose sources sit in core/;
  UBSAN_OVERFLOW  a clang++-14 -fsanitize=undefined binary with a signed overflow (same scratch);
  CF_CHECK_ABORT  a binary including harness/fuzz_check.h whose CF_CHECK fails;
  COV_REPORT      llvm-cov-14 report over a small instrumented binary.
"""

PROJ = "/tmp/cff/proj"  # repository root of the planted-bug target of the fuzzing samples

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

ASAN_FUZZ_LOAD_NOW = """\
=================================================================
==8698==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x6190000013d0 at pc 0x55bbffc889c2 bp 0x7ffcc3abb090 sp 0x7ffcc3abb088
READ of size 1 at 0x6190000013d0 thread T0
    #0 0x55bbffc889c1 in cf::oracles::(anonymous namespace)::touch_every_byte(cf::Region const&) /work/main/oracles/observe.cc:14:52
    #1 0x55bbffc8837b in cf::oracles::observe_load(cf::oracles::FileUnit const&, cf::oracles::LoadSettings const&) /work/main/oracles/observe.cc:67:19
    #2 0x55bbffc66262 in cf::oracles::check_load_input(std::span<unsigned char const, 18446744073709551615ul>) /work/main/oracles/target_inputs.cc:72:37
    #3 0x55bbffc638d7 in LLVMFuzzerTestOneInput /work/main/harness/fuzz_load.cc:14:3
    #4 0x55bbffc6514f in (anonymous namespace)::run_file(std::filesystem::__cxx11::path const&) /work/main/harness/replay_main.cc:22:3
    #5 0x55bbffc64cc7 in main /work/main/harness/replay_main.cc:38:8
    #6 0x7f068f645249 in __libc_start_call_main csu/../sysdeps/nptl/libc_start_call_main.h:58:16
    #7 0x7f068f645304 in __libc_start_main csu/../csu/libc-start.c:360:3
    #8 0x55bbffba3600 in _start (/work/main/build/asan-canary-ctor_extent/bin/fuzz_load+0x83600) (BuildId: c55cfbab1a5e19288c278ca9ec6f73da24f566df)

0x6190000013d0 is located 0 bytes to the right of 1104-byte region [0x619000000f80,0x6190000013d0)
allocated by thread T0 here:
    #0 0x55bbffc2644e in malloc (/work/main/build/asan-canary-ctor_extent/bin/fuzz_load+0x10644e) (BuildId: c55cfbab1a5e19288c278ca9ec6f73da24f566df)
    #1 0x55bbffcfbd61 in cf::Region::load_bytes_impl(std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> > const&, std::span<unsigned char const, 18446744073709551615ul>, std::span<cf::Region const* const, 18446744073709551615ul>, cf::LoadOptions const&, cf::Io&) /work/main/core/region.cc:202:41
    #2 0x55bbffcfb673 in cf::Region::load_bytes(std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> > const&, std::span<unsigned char const, 18446744073709551615ul>, std::span<cf::Region const* const, 18446744073709551615ul>, cf::LoadOptions const&, cf::Io&) /work/main/core/region.cc:130:12
    #3 0x55bbffc87395 in cf::oracles::load_unit(cf::oracles::FileUnit const&, cf::oracles::LoadSettings const&, std::optional<cf::LoadError>*, unsigned long*) /work/main/oracles/observe.cc:36:28
    #4 0x55bbffc87fbe in cf::oracles::observe_load(cf::oracles::FileUnit const&, cf::oracles::LoadSettings const&) /work/main/oracles/observe.cc:57:28
    #5 0x55bbffc66262 in cf::oracles::check_load_input(std::span<unsigned char const, 18446744073709551615ul>) /work/main/oracles/target_inputs.cc:72:37
    #6 0x55bbffc638d7 in LLVMFuzzerTestOneInput /work/main/harness/fuzz_load.cc:14:3
    #7 0x55bbffc6514f in (anonymous namespace)::run_file(std::filesystem::__cxx11::path const&) /work/main/harness/replay_main.cc:22:3
    #8 0x55bbffc64cc7 in main /work/main/harness/replay_main.cc:38:8
    #9 0x7f068f645249 in __libc_start_call_main csu/../sysdeps/nptl/libc_start_call_main.h:58:16

SUMMARY: AddressSanitizer: heap-buffer-overflow /work/main/oracles/observe.cc:14:52 in cf::oracles::(anonymous namespace)::touch_every_byte(cf::Region const&)

SUMMARY: AddressSanitizer: heap-buffer-overflow /work/main/oracles/observe.cc:14:52 in cf::oracles::(anonymous namespace)::touch_every_byte(cf::Region const&)
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
