"""Unit tests for scripts/cf/engines.py, libfuzzer.py and afl.py: reading libFuzzer and AFL++
output, their command lines, the AFL seed directory, and one fuzzing run with a fake fuzzer.

Run from the repo root: python3 -m unittest discover -s tests/scripts -v
"""

import contextlib
import io
import os
import unittest
from pathlib import Path
from unittest import mock

import support
from cf import afl, common, engines, libfuzzer
from fixtures import (AFL_NO_UI_LOG, AFL_STATS_END, AFL_STATS_START, LIBFUZZER_FORK, LIBFUZZER_MERGE,
                      LIBFUZZER_SINGLE)


class EnginesTest(unittest.TestCase):
    def test_budget_split(self):
        self.assertEqual(engines.split_budget(300, 5), 60)
        self.assertEqual(engines.split_budget(300, 10), 30)
        self.assertEqual(engines.split_budget(10, 5), 5)  # never below 5 s a run

    def test_engines(self):
        self.assertEqual(engines.engines_of("both"), ["libfuzzer", "afl"])
        self.assertEqual(engines.engines_of("afl"), ["afl"])

    def test_progress_line(self):
        line = engines.progress_line("fuzz_inspect libfuzzer", 20.4, 30,
                                     {"execs": 95592, "exec_s": 5031, "cov": 685, "corpus": 267, "crashes": 0})
        self.assertEqual(line, "[fuzz_inspect libfuzzer]   20/30 s  execs     95592  exec/s   5031  cov   685  "
                               "corpus   267  crashes 0")
        self.assertIn("execs         -", engines.progress_line("x", 0, 1, {}))


class LibFuzzerParseTest(support.TempDirTest):
    def test_status_line(self):
        line = LIBFUZZER_SINGLE.splitlines()[9]
        self.assertEqual(libfuzzer.parse_libfuzzer_line(line), {
            "event": "NEW", "execs": 42, "cov": 349, "ft": 655, "corpus": 31,
            "corpus_bytes": 1190 * 1024, "exec_s": 0, "rss_mb": 49})

    def test_other_lines_are_not_status(self):
        for line in ("INFO: Seed: 1181251404", "stat::peak_rss_mb:              411",
                     "Done 42633 runs in 16 second(s)", ""):
            self.assertIsNone(libfuzzer.parse_libfuzzer_line(line))

    def test_single_process_run(self):
        s = libfuzzer.parse_libfuzzer_output(LIBFUZZER_SINGLE)
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
        s = libfuzzer.parse_libfuzzer_output(text)
        self.assertEqual((s["execs"], s["exec_s"]), (42633, 2664))

    def test_fork_run(self):
        s = libfuzzer.parse_libfuzzer_output(LIBFUZZER_FORK)
        self.assertTrue(s["fork"])
        self.assertEqual((s["execs"], s["seconds"]), (77645, 15))
        self.assertEqual(s["exec_s"], round(77645 / 15))
        self.assertEqual((s["cov_start"], s["cov_end"]), (632, 1102))
        self.assertEqual((s["corpus_start"], s["corpus_end"]), (30, 144))
        self.assertEqual(s["fork_crashes"], 0)

    def test_fork_findings_are_counted(self):
        text = LIBFUZZER_FORK.replace("oom/timeout/crash: 0/0/0 time: 15s",
                                      "oom/timeout/crash: 1/2/3 time: 15s")
        self.assertEqual(libfuzzer.parse_libfuzzer_output(text)["fork_crashes"], 6)

    def test_merge(self):
        s = libfuzzer.parse_libfuzzer_output(LIBFUZZER_MERGE)
        self.assertEqual(s["merge"], {"files": 149, "features": 766, "edges": 243})

    def test_garbage_gives_nones(self):
        s = libfuzzer.parse_libfuzzer_output("Segmentation fault\n")
        self.assertEqual((s["execs"], s["exec_s"], s["cov_start"], s["merge"]),
                         (None, None, None, None))


class AflParseTest(support.TempDirTest):
    def test_stats_file(self):
        stats = afl.parse_afl_stats(AFL_STATS_END)
        self.assertEqual(stats["execs_done"], "138164")
        self.assertEqual(stats["afl_version"], "++4.04c")
        self.assertTrue(stats["command_line"].startswith("afl-fuzz -i "))
        self.assertEqual(afl.afl_number(stats, "bitmap_cvg"), 25.13)
        self.assertIsNone(afl.afl_number({"execs_per_sec": "inf"}, "execs_per_sec"))
        self.assertIsNone(afl.afl_number(stats, "no_such_key"))

    def test_summary_start_vs_end(self):
        start, end = afl.parse_afl_stats(AFL_STATS_START), afl.parse_afl_stats(AFL_STATS_END)
        s = afl.summarize_afl({"main": start}, {"main": end}, 55)
        self.assertEqual((s["execs"], s["exec_s"]), (138164, 17240))
        self.assertEqual((s["cov_start"], s["cov_end"]), (405, 638))
        self.assertEqual((s["bitmap_cvg_start"], s["bitmap_cvg_end"]), (15.95, 25.13))
        self.assertEqual((s["corpus_start"], s["corpus_end"]), (55, 285))
        self.assertEqual((s["crashes"], s["hangs"], s["instances"]), (0, 0, 1))

    def test_secondaries_are_summed(self):
        end = afl.parse_afl_stats(AFL_STATS_END)
        sec = dict(end, execs_done="1000", execs_per_sec="10.0", edges_found="700",
                   saved_crashes="2", corpus_count="999")
        s = afl.summarize_afl({"main": afl.parse_afl_stats(AFL_STATS_START)},
                             {"main": end, "sec1": sec}, 55)
        self.assertEqual((s["execs"], s["exec_s"]), (139164, 17250))
        self.assertEqual((s["cov_end"], s["crashes"], s["instances"]), (700, 2, 2))
        self.assertEqual(s["corpus_end"], 285)  # main's queue

    def test_no_ui_log_progress(self):
        self.assertEqual(afl.parse_afl_progress(AFL_NO_UI_LOG),
                         {"item": 134, "corpus": 285, "crashes": 0})
        self.assertEqual(afl.parse_afl_progress("no progress yet\n"), {})


class CommandLinesTest(support.TempDirTest):
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
        options = common.read_options(root / "fuzz_load.options")
        self.assertEqual(options, {"max_len": "65536", "timeout": "25", "rss_limit_mb": "2560"})
        self.assertEqual(common.option_flags(options, common.REPLAY_OPTION_KEYS),
                         ["-rss_limit_mb=2560", "-timeout=25"])
        self.assertEqual(common.read_options(root / "missing.options"), {})
        self.assertEqual(afl.afl_timeout_ms(options), 25000)
        self.assertEqual(afl.afl_timeout_ms({}), 1000)

    def test_libfuzzer_single(self):
        root = self.corpus()
        files = common.target_files("fuzz_load", root)
        cmd = libfuzzer.libfuzzer_command("bin/fuzz_load", files, Path("/r"), 30, 1,
                                   common.read_options(files["options"]))
        self.assertEqual(cmd, ["bin/fuzz_load", "-max_total_time=30", "-print_final_stats=1",
                               "-artifact_prefix=/r/crashes/", f"-dict={root}/fuzz_load.dict",
                               "-max_len=65536", "-rss_limit_mb=2560", "-timeout=25",
                               "/r/corpus", f"{root}/fuzz_load", f"{root}/regressions/fuzz_load"])

    def test_libfuzzer_fork_and_no_regressions(self):
        root = self.corpus(with_regressions=False)
        files = common.target_files("fuzz_load", root)
        cmd = libfuzzer.libfuzzer_command("b", files, Path("/r"), 30, 4, {})
        self.assertIn("-fork=4", cmd)
        self.assertIn("-ignore_crashes=1", cmd)
        self.assertEqual(cmd[-2:], ["/r/corpus", f"{root}/fuzz_load"])

    def test_afl_main_and_diverse_secondaries(self):
        cmds = afl.afl_commands("bin/t", "/s", "/o", 60, 3, None, 1000)
        self.assertEqual(cmds[0], ["afl-fuzz", "-i", "/s", "-o", "/o", "-V", "60", "-t", "1000",
                                   "-M", "main", "--", "bin/t"])
        self.assertEqual(cmds[1][-6:], ["-S", "sec1", "-p", "explore", "--", "bin/t"])
        self.assertEqual(cmds[2][-6:], ["-S", "sec2", "-L", "0", "--", "bin/t"])
        self.assertEqual(len(afl.afl_commands("b", "s", "o", 1, 1, None, 1)), 1)

    def test_afl_seeds_fit_and_are_unique(self):
        root = self.tmpdir()
        (root / "in").mkdir()
        (root / "in" / "small").write_bytes(b"x" * 10)
        (root / "in" / "same").write_bytes(b"x" * 10)
        (root / "in" / "empty").write_bytes(b"")
        (root / "in" / "big").write_bytes(b"y" * (afl.AFL_MAX_SEED + 1))
        self.assertEqual(afl.make_afl_seeds([root / "in", root / "absent"], root / "out"), 1)
        self.assertEqual(len(list((root / "out").iterdir())), 1)
        (root / "in" / "small").unlink()
        (root / "in" / "same").unlink()
        self.assertEqual(afl.make_afl_seeds([root / "in"], root / "out2"), 0)
        self.assertEqual([p.read_bytes() for p in (root / "out2").iterdir()], [b"\0"])


FAKE_FUZZER = """
import os, sys, time
prefix = next(a.split("=", 1)[1] for a in sys.argv if a.startswith("-artifact_prefix="))
corpus = [a for a in sys.argv[1:] if not a.startswith("-")][0]
sys.stderr.write(open(os.environ["FAKE_OUTPUT"]).read())
open(os.path.join(corpus, "new1"), "wb").write(b"n")
open(prefix + "crash-da39a3ee", "wb").write(b"boom")
sys.exit(1)
"""


class FuzzRunTest(support.TempDirTest):
    def test_libfuzzer_run_row(self):
        tmp = self.tmpdir()
        (tmp / "out.txt").write_text(LIBFUZZER_SINGLE)
        fake = support.script(tmp / "bin" / "fuzz_load", FAKE_FUZZER)
        root = tmp / "corpus"
        (root / "fuzz_load").mkdir(parents=True)
        with mock.patch.dict(os.environ, {"FAKE_OUTPUT": str(tmp / "out.txt")}), \
             contextlib.redirect_stdout(io.StringIO()):
            row = libfuzzer.fuzz(fake, "fuzz_load", tmp / "run", 30, 1, root)
        self.assertEqual((row["executions"], row["exec_per_s"]), (42633, 2664))
        self.assertEqual((row["cov_before"], row["cov_after"], row["new_cov"]), (330, 498, 168))
        self.assertEqual((row["corpus_before"], row["corpus_after"]), (30, 199))
        self.assertEqual(row["crashes_total"], 1)
        self.assertTrue(row["crash_files"][0].endswith("run/crashes/crash-da39a3ee"))
        self.assertEqual((row["new_files"], row["exit_code"]), (1, 1))
        self.assertTrue((tmp / "run" / "fuzz.log").read_text().startswith("INFO: Running"))


FAKE_AFL = """
import os, sys, time
args = sys.argv[1:]
out = args[args.index("-o") + 1]
name = args[args.index("-M") + 1] if "-M" in args else args[args.index("-S") + 1]
inst = os.path.join(out, name)
os.makedirs(os.path.join(inst, "crashes"), exist_ok=True)
os.makedirs(os.path.join(inst, "hangs"), exist_ok=True)
open(os.path.join(inst, "fuzzer_stats"), "w").write(open(os.environ["FAKE_START"]).read())
print("Fuzzing test case #3 (57 total, 0 crashes saved, perf_score=0)", flush=True)
time.sleep(0.6)
open(os.path.join(inst, "fuzzer_stats"), "w").write(open(os.environ["FAKE_END"]).read())
open(os.path.join(inst, "crashes", "id:000000,sig:06"), "wb").write(b"boom " + name.encode())
open(os.path.join(inst, "hangs", "id:000000"), "wb").write(b"slow")
"""


class AflRunTest(support.TempDirTest):
    def test_afl_run_row(self):
        tmp = self.tmpdir()
        (tmp / "start").write_text(AFL_STATS_START)
        (tmp / "end").write_text(AFL_STATS_END)
        support.script(tmp / "bin" / "afl-fuzz", FAKE_AFL)
        root = tmp / "corpus"
        (root / "fuzz_io").mkdir(parents=True)
        (root / "fuzz_io" / "s1").write_bytes(b"seed")
        env = {"PATH": f"{tmp / 'bin'}:{os.environ['PATH']}", "FAKE_START": str(tmp / "start"),
               "FAKE_END": str(tmp / "end")}
        with mock.patch.dict(os.environ, env), contextlib.redirect_stdout(io.StringIO()):
            row = afl.fuzz(tmp / "target", "fuzz_io", tmp / "run", 5, 1, root)
        self.assertEqual((row["engine"], row["instances"], row["jobs"]), ("afl", 1, 1))
        self.assertEqual((row["cov_before"], row["cov_after"]), (405, 638))
        self.assertEqual((row["corpus_before"], row["corpus_after"]), (1, 285))
        self.assertEqual(row["executions"], 138164)
        # the crash and the hang, copied under libFuzzer's names
        self.assertEqual(sorted(Path(p).name.split("-")[0] for p in row["crash_files"]), ["crash", "timeout"])
        self.assertNotIn("error", row)
        self.assertTrue((tmp / "run" / "afl-main.log").read_text().startswith("Fuzzing test case #3"))

    def test_secondaries_start_after_main_and_are_stopped(self):
        tmp = self.tmpdir()
        (tmp / "start").write_text(AFL_STATS_START)
        (tmp / "end").write_text(AFL_STATS_END)
        support.script(tmp / "bin" / "afl-fuzz", FAKE_AFL)
        env = {"PATH": f"{tmp / 'bin'}:{os.environ['PATH']}", "FAKE_START": str(tmp / "start"),
               "FAKE_END": str(tmp / "end")}
        with mock.patch.dict(os.environ, env), contextlib.redirect_stdout(io.StringIO()):
            row = afl.fuzz(tmp / "target", "fuzz_io", tmp / "run", 5, 3, tmp / "corpus")
        self.assertEqual(row["instances"], 3)
        self.assertEqual(row["executions"], 3 * 138164)
        self.assertEqual(sorted(p.name for p in (tmp / "run").glob("afl-*.log")),
                         ["afl-main.log", "afl-sec1.log", "afl-sec2.log"])
        self.assertEqual(common._CHILDREN, set())

    def test_afl_that_writes_no_stats_is_an_error_row(self):
        tmp = self.tmpdir()
        support.script(tmp / "bin" / "afl-fuzz", "print('[-] PROGRAM ABORT : no seeds')")
        with mock.patch.dict(os.environ, {"PATH": f"{tmp / 'bin'}:{os.environ['PATH']}"}), \
             contextlib.redirect_stdout(io.StringIO()):
            row = afl.fuzz(tmp / "target", "fuzz_io", tmp / "run", 5, 1, tmp / "corpus")
        self.assertIn("afl-fuzz wrote no fuzzer_stats: [-] PROGRAM ABORT : no seeds", row["error"])


if __name__ == "__main__":
    unittest.main()
