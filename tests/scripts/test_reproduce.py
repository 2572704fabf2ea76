"""Unit tests for scripts/cf/reproduce.py: `reproduce` end to end with the builds and runs
faked (target detection, the sanitizer environment, storing, the ctest case), libFuzzer's
minimisation rounds, and the draft GoogleTest case it prints.

Run from the repo root: python3 -m unittest discover -s tests/scripts -v
"""

import contextlib
import io
import struct
import tempfile
import unittest
from pathlib import Path
from unittest import mock

import support
from cf import build, common, crashes, reproduce
from fixtures import ASAN_FUZZ_LOAD, CF_CHECK_ABORT
from support import rewrite_addresses_and_lines

ROOT = support.ROOT
ENTRY = support.load_entry()

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

def fake_runner(results):
    """A runner for common.run_captured's signature that answers from `results` keyed by the binary's
    name (or by 'minimize' for a libFuzzer -minimize_crash run) and records every call."""
    calls = []

    def run(cmd, env=None, timeout=None, cwd=None):
        calls.append({"cmd": cmd, "env": env, "cwd": cwd})
        key = "minimize" if any(a.startswith("-minimize_crash") for a in cmd) else Path(cmd[0]).name
        answer = results[key]
        return answer(cmd) if callable(answer) else answer

    run.calls = calls
    return run


class DetectTargetTest(unittest.TestCase):
    def setUp(self):
        self.binaries = [(t, Path("/b/bin") / t) for t in common.FUZZ_TARGETS]

    def test_first_failing_target_is_picked_and_later_ones_not_run(self):
        run = fake_runner({"fuzz_inspect": (0, "replay: 1 inputs run, 0 unreadable\n"),
                           "fuzz_load": (-6, ASAN_FUZZ_LOAD)})
        target, finding = reproduce.detect_target("x.olean", self.binaries, run, log=lambda *_: None)
        self.assertEqual(target, "fuzz_load")
        self.assertEqual(finding["kind"], "sanitizer")
        self.assertEqual([Path(c["cmd"][0]).name for c in run.calls], ["fuzz_inspect", "fuzz_load"])
        self.assertEqual(run.calls[0]["cmd"][1], "x.olean")

    def test_order_is_fuzz_targets_order(self):
        run = fake_runner({t: (-6, CF_CHECK_ABORT) for t in common.FUZZ_TARGETS})
        target, _ = reproduce.detect_target("x", self.binaries, run, log=lambda *_: None)
        self.assertEqual(target, common.FUZZ_TARGETS[0])

    def test_all_pass(self):
        run = fake_runner({t: (0, "replay: 1 inputs run, 0 unreadable\n") for t in common.FUZZ_TARGETS})
        target, passed = reproduce.detect_target("x", self.binaries, run, log=lambda *_: None)
        self.assertIsNone(target)
        self.assertEqual(list(passed), list(common.FUZZ_TARGETS))

    def test_runs_with_the_sanitizer_environment(self):
        run = fake_runner({"fuzz_inspect": (0, "")})
        reproduce.run_target("/b/bin/fuzz_inspect", "x", run)
        env = run.calls[0]["env"]
        for option in ("symbolize=1", "abort_on_error=1", "detect_leaks=1"):
            self.assertIn(option, env["ASAN_OPTIONS"])
        self.assertEqual(env["UBSAN_OPTIONS"], "print_stacktrace=1:halt_on_error=1")
        if common.symbolizer_path():
            self.assertIn("llvm-symbolizer", env["ASAN_SYMBOLIZER_PATH"])


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
            for t in common.FUZZ_TARGETS:
                (self.root / "build" / preset / "bin" / t).write_text("")
        self.built = []

        def build_preset(preset, log=None, canary=None):
            self.built.append((preset, canary))
            return self.root / "build" / (preset if not canary else f"{preset}-canary-{canary}")

        self.patches = [mock.patch.object(common, "ROOT", self.root),
                        mock.patch.object(build, "build_preset", build_preset)]
        for p in self.patches:
            p.start()

    def tearDown(self):
        for p in reversed(self.patches):
            p.stop()
        self.tmp.cleanup()

    def reproduce(self, results, *argv):
        run = fake_runner(results)
        args = ENTRY.parse_args(["reproduce", str(self.input), *argv])
        out = io.StringIO()
        with mock.patch.object(common, "run_captured", run), contextlib.redirect_stdout(out):
            rc = reproduce.cmd_reproduce(args)
        return rc, out.getvalue(), run

    def test_no_crash_exits_0(self):
        rc, out, run = self.reproduce({"fuzz_load": (0, "replay: 1 inputs run, 0 unreadable\n")},
                                      "--target", "fuzz_load")
        self.assertEqual(rc, 0)
        self.assertIn(f"no crash: {self.input} passes every oracle of fuzz_load", out)
        self.assertFalse((self.root / "corpus").exists())

    def test_crash_is_stored_with_ctest_name_and_draft(self):
        results = {t: (0, "replay: 1 inputs run, 0 unreadable\n") for t in common.FUZZ_TARGETS}
        results["fuzz_load"] = (-6, ASAN_FUZZ_LOAD)
        rc, out, _ = self.reproduce(results, "--canary", "ctor_extent", "--no-minimize")
        self.assertEqual(rc, 1)
        self.assertEqual(self.built, [("asan", "ctor_extent")])
        token = crashes.classify(-6, ASAN_FUZZ_LOAD)["token"]
        name = crashes.stored_name(token, b"planted bytes")
        stored = self.root / "corpus" / "regressions" / "fuzz_load" / name
        self.assertEqual(stored.read_bytes(), b"planted bytes")
        self.assertIn("reproduce: target fuzz_load", out)
        self.assertIn(f"dedup token: {token}", out)
        self.assertIn(f"stored corpus/regressions/fuzz_load/{name}", out)
        self.assertIn(f"ctest case: regression.fuzz_load.{name}", out)
        self.assertIn("ctest --test-dir build/asan-canary-ctor_extent", out)
        self.assertIn("ctest --test-dir build/asan ", out)
        self.assertIn(f"TEST(Regression_fuzz_load, {reproduce.test_identifier(name)})", out)
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
            args = ENTRY.parse_args(["reproduce", str(self.input), *argv])
            with self.assertRaises(common.DriverError) as e:
                reproduce.cmd_reproduce(args)
            self.assertEqual(e.exception.exit_code, 2, argv)
        args = ENTRY.parse_args(["reproduce", str(self.root / "missing")])
        with self.assertRaises(common.DriverError) as e:
            reproduce.cmd_reproduce(args)
        self.assertEqual(e.exception.exit_code, 2)
        self.assertEqual(self.built, [])

    def test_main_maps_usage_error_to_exit_2(self):
        with contextlib.redirect_stderr(io.StringIO()) as err:
            rc = ENTRY.main(["reproduce", str(self.root / "missing")])
        self.assertEqual(rc, 2)
        self.assertIn("no such file", err.getvalue())


class MinimizeLoopTest(unittest.TestCase):
    """reproduce.minimize's rounds, with libFuzzer and the clock faked."""

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

        best = reproduce.minimize("/b/fuzz_load", b"0123456789", seconds, keep, runner, clock=lambda: now[0])
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


class DraftTest(unittest.TestCase):
    NAME = "5beac22c-0123456789ab"

    def test_every_target_has_a_draft(self):
        for target in common.FUZZ_TARGETS:
            with self.subTest(target=target):
                text = reproduce.render_draft(target, self.NAME, "5beac22c")
                ident = reproduce.test_identifier(self.NAME)
                self.assertRegex(ident, r"^[A-Za-z][A-Za-z0-9_]*$")
                self.assertRegex(reproduce.test_suite(target), r"^[A-Za-z][A-Za-z0-9_]*$")
                self.assertIn(f"TEST(Regression_{target}, {ident})", text)
                self.assertIn(f'CF_SOURCE_DIR "/corpus/regressions/{target}/{self.NAME}"', text)
                self.assertIn(f'cf::oracles::check_target_input("{target}", input)', text)
                self.assertEqual(text.count("{"), text.count("}"), target)
                self.assertEqual(text.count("("), text.count(")"), target)
                self.assertNotRegex(text, r"\{(target|name|token|suite|test)\}")

    def test_draft_uses_the_target_input_api(self):
        text = reproduce.render_draft("fuzz_load", "5beac22c-fd4cf0e5299a", "5beac22c")
        for line in ('#include "oracles/target_inputs.h"', '#include "testsupport/files.h"',
                     "TEST(Regression_fuzz_load, T5beac22c_fd4cf0e5299a) {",
                     '      cf::testsupport::read_file(CF_SOURCE_DIR "/corpus/regressions/fuzz_load/5beac22c-fd4cf0e5299a");',
                     '  for (const cf::oracles::Verdict& v : cf::oracles::check_target_input("fuzz_load", input))',
                     "    EXPECT_NE(v.outcome, cf::oracles::Outcome::finding) << cf::oracles::describe(v);"):
            self.assertIn(line + "\n", text)
        self.assertIn("dedup token 5beac22c", text)
        # no per-target internals any more
        for internal in ("work_bound(", "roundtrip_case", "decode_chain", "inspect_bytes", "judge_io"):
            self.assertNotIn(internal, text)

    def test_unknown_target_has_none(self):
        with self.assertRaises(KeyError):
            reproduce.render_draft("fuzz_nothing", self.NAME, "t")


if __name__ == "__main__":
    unittest.main()
