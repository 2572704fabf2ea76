"""corpora: the subcommands that replay or maintain the corpora (docs/fuzzing-driver.md).

`regression` replays every reproducer, seed, real and negative file through a replay-driver
build; `minimize` shrinks corpus/<target>/ by a libFuzzer merge, keeping every reproducer;
`gen` writes the seed corpora with cf_seedgen.
"""

import os
import re
import shutil
from pathlib import Path

from cf import build, common, crashes, libfuzzer

REPLAY_LINE = re.compile(r"replay: (\d+) inputs run, (\d+) unreadable")
REPLAY_TIMEOUT_S = 1800


# ---------------------------------------------------------------------------------------------
# regression: replay through the replay driver (dev/asan)


def replay_dirs(target, corpus_root=None):
    """The directories a target's regression replays, in order, that exist and hold files:
    regressions/<T>, <T> seeds, real, negative."""
    root = Path(corpus_root) if corpus_root else common.ROOT / "corpus"
    files = common.target_files(target, root)
    dirs = [files["regressions"], files["seeds"], root / "real", root / "negative"]
    return [d for d in dirs if common.files_in(d)]


def failure_reason(rc, out):
    """A one-line reason from a failed replay: the finding's kind and summary line."""
    finding = crashes.classify(rc, out)
    if finding["kind"] == "none":
        return "passed"
    return f"{finding['label']}: {crashes.signature(finding)['summary']} [{finding['token']}]"


def replay_target(binary, dirs, timeout=REPLAY_TIMEOUT_S):
    """Replay every dir through a replay-driver binary (`bin/T DIR`); when a dir fails,
    re-run its files one by one to name the culprits. Returns {inputs, failures: [(file,
    reason)]}."""
    inputs, failures = 0, []
    for d in dirs:
        rc, out = common.run_captured([str(binary), str(d)], timeout=timeout)
        m = REPLAY_LINE.findall(out)
        if rc == 0 and m:
            inputs += int(m[-1][0])
            continue
        before = len(failures)
        for path in common.files_in(d):
            frc, fout = common.run_captured([str(binary), str(path)], timeout=timeout)
            inputs += 1
            if frc != 0:
                failures.append((common.rel(path), failure_reason(frc, fout)))
        if rc != 0 and len(failures) == before:
            failures.append((common.rel(d), f"exit {rc} replaying the directory, but no single "
                                            f"file fails alone"))
    return {"inputs": inputs, "failures": failures}


def cmd_regression(args):
    """`regression`: build dev or asan, replay regressions, seeds, real and negative files
    through every target; exit 1 naming the failing files."""
    targets = common.parse_targets(args.targets)
    tree = build.build_or_reuse(args.preset, args.no_build)
    corpus_root = common.repo_path(args.corpus_root)
    failed = []
    for target in targets:
        binary = common.binary_path(tree, target)
        dirs = replay_dirs(target, corpus_root)
        result = replay_target(binary, dirs)
        verdict = "ok" if not result["failures"] else f"FAIL ({len(result['failures'])})"
        print(f"regression: {target:<15} {result['inputs']:>6} inputs from "
              f"{', '.join(common.rel(d) for d in dirs) or 'nothing'}: {verdict}", flush=True)
        for path, reason in result["failures"]:
            print(f"  {path}: {reason}", flush=True)
            failed.append(f"{target} {path}")
        if result["inputs"] == 0:
            failed.append(f"{target}: no inputs")
    if failed:
        raise common.DriverError(f"regression: {len(failed)} failures: " + "; ".join(failed[:10]))
    print(f"regression: {len(targets)} targets ok (preset {args.preset})")
    return 0


# ---------------------------------------------------------------------------------------------
# minimize


def replace_dir(old, new):
    """Atomically put directory `new` in place of `old` (rename old away, rename new in,
    delete old); both must be on one file system."""
    old, new = Path(old), Path(new)
    aside = old.parent / f".{old.name}.old-{os.getpid()}"
    if old.exists():
        os.rename(old, aside)
    try:
        os.rename(new, old)
    except OSError:
        if aside.exists():
            os.rename(aside, old)
        raise
    shutil.rmtree(aside, ignore_errors=True)


def minimize_target(binary, target, corpus_root):
    """Minimize corpus_root/<T> by a libFuzzer merge of <T> and regressions/<T> into a fresh
    dir, add every reproducer, then swap it in. Returns (before, after) (files, bytes)."""
    files = common.target_files(target, corpus_root)
    seeds, regressions = files["seeds"], files["regressions"]
    before = common.dir_stats(seeds)
    if not common.files_in(seeds) and not common.files_in(regressions):
        print(f"minimize: {target}: nothing to minimize", flush=True)
        return before, before
    tmp = seeds.parent / f".{target}.min-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        libfuzzer.merge_into(binary, tmp, [seeds, regressions],
                             common.read_options(files["options"]))
        for path in common.files_in(regressions):
            dest = tmp / path.name
            if dest.exists() and dest.read_bytes() != path.read_bytes():
                dest = tmp / f"regression-{path.name}"
            if not dest.exists():
                shutil.copyfile(path, dest)
        replace_dir(seeds, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return before, common.dir_stats(seeds)


def cmd_minimize(args):
    """`minimize`: shrink every target's seed corpus by a libFuzzer merge, keeping every
    reproducer; print before/after counts and bytes."""
    targets = common.parse_targets(args.targets)
    tree = build.build_or_reuse("fuzz", args.no_build)
    corpus_root = common.repo_path(args.corpus_root)
    for target in targets:
        (n0, b0), (n1, b1) = minimize_target(common.binary_path(tree, target), target,
                                             corpus_root)
        print(f"minimize: {target:<15} {n0:>5} files {common.human_bytes(b0):>9} -> "
              f"{n1:>5} files {common.human_bytes(b1):>9}", flush=True)
    return 0


# ---------------------------------------------------------------------------------------------
# gen


def cmd_gen(args):
    """`gen`: build dev, run cf_seedgen (--real corpus/real --out DIR), print per-target counts."""
    tree = build.build_or_reuse("dev", args.no_build)
    seedgen = tree / "bin" / "cf_seedgen"
    if not seedgen.is_file():
        raise common.DriverError(f"gen: {common.rel(seedgen)} does not exist")
    out = common.repo_path(args.out)
    common.run_checked([str(seedgen), "--real", str(common.real_dir()), "--out", str(out)], "gen")
    for target in common.FUZZ_TARGETS:
        n, size = common.dir_stats(out / target)
        print(f"gen: {target:<15} {n:>5} files {common.human_bytes(size):>9} in "
              f"{common.rel(out / target)}")
    return 0
