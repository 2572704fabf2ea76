"""reproduce: turn a crash file into a regression test (docs/reproduce.md).

Replay the input under ASan/UBSan (the asan preset's replay-driver builds), name the finding
with its dedup token (cf.crashes), minimise it with libFuzzer keeping only results with the same
token, store it as corpus/regressions/<target>/<token>-<sha12> (one ctest case per file) and
print a draft GoogleTest case that runs it through `cf::oracles::check_target_input`.
"""

import math
import os
import re
import tempfile
import time
from pathlib import Path

from cf import build, common, crashes

RUN_TIMEOUT_S = 600  # one replay of one input; longer is reported as a hang
MINIMIZE_OPTIONS = "dedup_token_length=3"  # libFuzzer's minimiser stops on another bug


def run_target(binary, path, runner=None):
    """Run one input through one replay binary under the sanitizer environment; classify it."""
    runner = runner or common.run_captured
    rc, text = runner([str(binary), str(path)], env=common.sanitizer_env(), timeout=RUN_TIMEOUT_S)
    finding = crashes.classify(rc, text)
    finding["output"] = text
    return finding


def detect_target(path, binaries, runner=None, log=print):
    """Try path on every (target, binary) in order; return (target, finding) for the first that
    fails, or (None, {target: finding}) when all pass."""
    passed = {}
    for target, binary in binaries:
        finding = run_target(binary, path, runner)
        if finding["kind"] != "none":
            log(f"reproduce: {target} fails on it")
            return target, finding
        log(f"reproduce: {target} passes")
        passed[target] = finding
    return None, passed


# ---------------------------------------------------------------------------------------------
# Minimising


def minimize(fuzz_binary, data, seconds, keep, runner=None, clock=time.monotonic):
    """Shrink data with libFuzzer's crash minimiser within `seconds` of wall time: each round
    runs `fuzz_binary -minimize_crash=1 -max_total_time=<time left> -exact_artifact_path=<tmp>`
    on the best input so far, and keeps its result only if it is smaller and keep(result) is
    true (the caller checks it still gives the same dedup token). A round that ends on another
    bug is retried with the next -seed. Returns (best bytes, rounds, rounds kept)."""
    runner = runner or common.run_captured
    deadline = clock() + seconds
    best, rounds, kept = data, 0, 0
    with tempfile.TemporaryDirectory(prefix="cf-minimize-") as tmp:
        current, artifact = Path(tmp) / "current", Path(tmp) / "minimized"
        while len(best) > 1 and clock() < deadline:
            rounds += 1
            left = max(1, math.ceil(deadline - clock()))
            current.write_bytes(best)
            artifact.unlink(missing_ok=True)
            cmd = [str(fuzz_binary), "-minimize_crash=1", f"-max_total_time={left}",
                   f"-seed={rounds}", f"-exact_artifact_path={artifact}",
                   f"-artifact_prefix={tmp}/", str(current)]
            if rounds == 1:
                print(f"+ {' '.join(cmd)}", flush=True)
            _, text = runner(cmd, env=common.sanitizer_env(MINIMIZE_OPTIONS), timeout=left + 60,
                             cwd=tmp)
            if "did not crash" in text:
                print(f"minimize: {Path(fuzz_binary).name} does not crash on the input; "
                      f"nothing to minimise", flush=True)
                break
            result = artifact.read_bytes() if artifact.is_file() else b""
            if result and len(result) < len(best) and keep(result):
                best, kept = result, kept + 1
            if "failed to minimize beyond" in text:
                break  # a whole round's budget without a smaller crash: done
    return best, rounds, kept


def minimized_bytes(args, target, path, finding, asan_bin, runner=None):
    """The smallest input found within --time that still gives the finding's dedup token in
    the asan build (libFuzzer minimises in the fuzz build), else the original bytes."""
    original = path.read_bytes()
    if args.no_minimize:
        return original

    def same_token(candidate):
        """True if the asan replay of candidate gives the original finding's token."""
        with tempfile.NamedTemporaryFile(prefix="cf-min-", delete=False) as f:
            f.write(candidate)
        try:
            return run_target(asan_bin, f.name, runner)["token"] == finding["token"]
        finally:
            os.unlink(f.name)

    try:
        fuzz = build.build_preset("fuzz", canary=args.canary) / "bin" / target
        best, rounds, kept = minimize(fuzz, original, args.time, same_token, runner)
    except common.DriverError as e:
        print(f"minimize: skipped ({e}); keeping the original", flush=True)
        return original
    if len(best) < len(original):
        print(f"minimize: {len(original)} -> {len(best)} bytes, same token {finding['token']} "
              f"({kept} of {rounds} libFuzzer rounds kept)", flush=True)
    else:
        print(f"minimize: no smaller input with token {finding['token']} in {args.time} s "
              f"({rounds} libFuzzer rounds); keeping the original {len(original)} bytes",
              flush=True)
    return best


# ---------------------------------------------------------------------------------------------
# The draft test

DRAFT = """\
// Draft regression test for corpus/regressions/{target}/{name}
// (printed by `scripts/compactfuzz reproduce`; dedup token {token}). It runs the stored input
// through {target}'s oracles (cf::oracles::check_target_input), so it fails while the bug is
// present (a finding, or an ASan/UBSan report in the asan preset) and passes once it is fixed.
// Paste into a tests/*_test.cc (e.g. tests/regression_test.cc, listed in CF_UNIT_TESTS).
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "oracles/target_inputs.h"
#include "testsupport/files.h"

TEST({suite}, {test}) {{
  const std::vector<uint8_t> input =
      cf::testsupport::read_file(CF_SOURCE_DIR "/corpus/regressions/{target}/{name}");
  for (const cf::oracles::Verdict& v : cf::oracles::check_target_input("{target}", input))
    EXPECT_NE(v.outcome, cf::oracles::Outcome::finding) << cf::oracles::describe(v);
}}
"""


def test_suite(target):
    """The GoogleTest suite of a target's regression drafts: Regression_fuzz_load."""
    return "Regression_" + re.sub(r"[^0-9A-Za-z_]", "_", target)


def test_identifier(name):
    """A GoogleTest name for the reproducer <token>-<sha12>: T<token>_<sha12>."""
    return "T" + re.sub(r"[^0-9A-Za-z]", "_", name)


def render_draft(target, name, token):
    """The draft GoogleTest case that replays corpus/regressions/<target>/<name>."""
    if target not in common.FUZZ_TARGETS:
        raise KeyError(f"no fuzz target {target}")
    return DRAFT.format(target=target, name=name, token=token, suite=test_suite(target),
                        test=test_identifier(name))


# ---------------------------------------------------------------------------------------------
# The command


def known_canaries():
    """The canary names core/CMakeLists.txt accepts (set(CF_CANARIES ...))."""
    text = (common.ROOT / "core" / "CMakeLists.txt").read_text(encoding="utf-8")
    m = re.search(r"set\(CF_CANARIES([^)]*)\)", text)
    return m.group(1).split() if m else []


def check_reproduce_args(args):
    """Usage errors of `reproduce` (exit 2): missing file, unknown target or canary, bad time."""
    path = Path(args.file)
    if not path.is_file():
        raise common.DriverError(f"reproduce: {args.file}: no such file", exit_code=2)
    if args.target and args.target not in common.FUZZ_TARGETS:
        raise common.DriverError(f"reproduce: no target {args.target} "
                                 f"(have {', '.join(common.FUZZ_TARGETS)})", exit_code=2)
    if args.canary and args.canary not in known_canaries():
        raise common.DriverError(f"reproduce: no canary {args.canary} "
                                 f"(have {', '.join(known_canaries()) or 'none'})", exit_code=2)
    if args.time <= 0:
        raise common.DriverError("reproduce: --time must be positive", exit_code=2)
    return path


def print_stored(args, target, token, data):
    """Store the reproducer and print its file, its ctest case, how to run it and the draft."""
    stored, already = crashes.store(common.ROOT / "corpus" / "regressions" / target, token, data)
    shown = stored.relative_to(common.ROOT)
    print(f"reproduce: {'already stored' if already else 'stored'} {shown} ({len(data)} bytes)")
    print(f"ctest case: {crashes.ctest_name(target, stored.name)}")
    builds = [common.build_dir("asan", args.canary)]
    builds += [common.build_dir("asan")] if args.canary else []
    for tree in builds:
        note = " (fails while the bug is planted)" if tree.name != "asan" else ""
        print(f"run it{note}: "
              f"{crashes.ctest_command(tree.relative_to(common.ROOT), target, stored.name)}")
    print("draft test (paste into tests/regression_test.cc):\n")
    print(render_draft(target, stored.name, token))


def cmd_reproduce(args):
    """`reproduce`: replay FILE under ASan/UBSan, name and minimise the finding, store it as a
    regression input and print its ctest case and a draft test. Exit 1 if it reproduced."""
    path = check_reproduce_args(args)
    asan = build.build_preset("asan", canary=args.canary)
    targets = [args.target] if args.target else list(common.FUZZ_TARGETS)
    binaries = [(t, asan / "bin" / t) for t in targets]
    absent = [str(b) for _, b in binaries if not b.is_file()]
    if absent:
        raise common.DriverError(f"reproduce: not built: {', '.join(absent)}")
    target, finding = detect_target(path, binaries)
    if target is None:
        for t in targets:
            print(f"no crash: {args.file} passes every oracle of {t}")
        return 0
    if not args.target:
        print(f"reproduce: target {target} (the first of {', '.join(targets)} that fails)")
    print("\n".join(crashes.describe(finding, target, RUN_TIMEOUT_S)), flush=True)
    data = minimized_bytes(args, target, path, finding, asan / "bin" / target)
    if args.no_store:
        print("reproduce: --no-store: nothing written")
        return 1
    print_stored(args, target, finding["token"], data)
    return 1
