"""nightly: the `nightly` subcommand and its stages (docs/nightly-report.md).

The checks (setup, build, conformance, loader, negative, roundtrip) stop at the first failure;
the fuzz stages (build-fuzz, regression, fuzz, merge, crashes) run after them unless setup
failed, and among themselves stop only when the fuzz build failed. Every judgement is made by a
project binary (regiontool, a fuzz target); a stage only runs it and counts. The report is
written in every case, also after Ctrl-C.
"""

import os
import signal
import sys
import time
from pathlib import Path

from cf import (build, common, conformance, crashes, corpora, engines, libfuzzer, negative,
                regiontool, report, run, snapshots)

MAX_REPLAYS = 200  # crash artifacts replayed per nightly; the rest are counted only


class StageFailed(common.DriverError):
    """A stage failure that still reports the stage's extra fields (counts)."""

    def __init__(self, message, extra):
        super().__init__(message)
        self.extra = extra


def run_stage(stages, name, action):
    """Run one stage, timing it and recording pass/fail (with the message) in stages."""
    print(f"== {name}", flush=True)
    start = time.monotonic()
    stage = {"name": name, "status": "pass"}
    try:
        stage.update(action() or {})
    except common.DriverError as e:
        stage.update(getattr(e, "extra", {}))
        stage.update(status="fail", error=str(e))
        print(f"{name} stage failed: {e}", file=sys.stderr, flush=True)
    stage["duration_s"] = round(time.monotonic() - start, 3)
    stages.append(stage)
    return stage["status"] == "pass"


# ---------------------------------------------------------------------------------------------
# The checks


def build_stage(preset, log_path):
    """The nightly build stage: build the preset, keeping the output in log_path."""
    try:
        with open(log_path, "w", encoding="utf-8") as log:
            build.build_preset(preset, log=log)
    except common.DriverError as e:
        raise common.DriverError(f"{e} (output in {Path(log_path).name})") from e
    return {"preset": preset, "log": Path(log_path).name}


def check_units(tool, units, every_line):
    """`regiontool check --json` on each unit: (name, files, chain, expect, required oracles).
    Prints a line per unit (every_line) or per failing unit; returns (results, failures as
    'name: problem; problem')."""
    results, failures = [], []
    for i, (name, files, chain, expect, required) in enumerate(units, 1):
        result = regiontool.run_check(tool, files, chain=chain, expect=expect)
        bad = regiontool.problems(result, required)
        results.append(result)
        if bad:
            failures.append(f"{name}: {'; '.join(bad[:3])}")
        if bad or every_line:
            print(f"[{i:3}/{len(units)}] {'ok ' if not bad else 'ERR'} {name}"
                  + (f": {'; '.join(bad[:3])}" if bad else ""), flush=True)
    return results, failures


def run_loader(tool, inputs=None):
    """The loader stage's body: `regiontool check --json [--chain]` on every real file and
    save chain of corpus/real; every verdict must hold or be n/a. Extra fields: inputs, failed,
    verdicts (per oracle: holds/finding/n/a)."""
    inputs = inputs or common.load_inputs(common.read_manifest())
    units = [(Path(files[-1]).name, files, len(files) > 1, None, ()) for files in inputs]
    results, failures = check_units(tool, units, every_line=True)
    extra = {"inputs": len(inputs), "failed": len(failures),
             "verdicts": regiontool.count_outcomes(results)}
    if failures:
        raise StageFailed(f"{len(failures)} of {len(inputs)} inputs fail a check: "
                          + "; ".join(failures[:5]), extra)
    return extra


def loader_stage(preset):
    """The nightly loader stage: every oracle of `regiontool check` on corpus/real."""
    return run_loader(regiontool.path(preset))


def run_negative(tool, cases=None):
    """The negative stage's body: `regiontool check --json [--chain] FILE... --expect
    CLASS@OFFSET` on every row of the negative table; exit 0 and a negative_table verdict
    that holds are required. Extra fields: rows, failed, verdicts."""
    cases = cases if cases is not None else negative.read_table()
    units = [(c.path, [common.rel(f) for f in c.files()], c.chain, c.expect, ("negative_table",))
             for c in cases]
    results, failures = check_units(tool, units, every_line=False)
    print(f"negative: {len(cases) - len(failures)} of {len(cases)} rows rejected as the "
          f"table says", flush=True)
    extra = {"rows": len(cases), "failed": len(failures),
             "verdicts": regiontool.count_outcomes(results)}
    if failures or not cases:
        raise StageFailed(f"{len(failures)} of {len(cases)} negative rows fail: "
                          + "; ".join(failures[:5]), extra)
    return extra


def negative_stage(preset):
    """The nightly negative stage: the negative table through `regiontool check --expect`."""
    return run_negative(regiontool.path(preset))


def run_roundtrip(tool, inputs=None):
    """The roundtrip stage's body: `regiontool roundtrip` (both strategies) on every input."""
    inputs, failures = inputs or common.load_inputs(common.read_manifest()), []
    for i, files in enumerate(inputs):
        chain = ["--chain"] if len(files) > 1 else []
        rc, out = common.run_captured([str(tool), "roundtrip", *chain, *files], timeout=1800,
                                      env=dict(os.environ))
        if rc != 0:
            failures.append(f"{Path(files[-1]).name}: exit {rc} {out.strip()[:200]}")
        print(f"[{i + 1:2}/{len(inputs)}] {'ok ' if rc == 0 else 'ERR'} {Path(files[-1]).name}",
              flush=True)
    extra = {"inputs": len(inputs), "failed": len(failures)}
    if failures:
        raise StageFailed(f"{len(failures)} reproduction failures: " + "; ".join(failures[:5]),
                          extra)
    return extra


def roundtrip_stage(preset):
    """The nightly real-file reproduction stage: every file and chain re-compacts byte for byte."""
    return run_roundtrip(regiontool.path(preset))


def snapshot_stage(preset, run_dir):
    """The nightly snapshot stage: snapshots of corpus/real judged by every snapshot oracle."""
    return snapshots.snapshot_stage(preset, run_dir)


# ---------------------------------------------------------------------------------------------
# The fuzz stages


def build_fuzz_stage(engine_names, log_path):
    """Nightly `build-fuzz`: build the fuzz preset (and afl if an engine needs it)."""
    presets = ["fuzz"] + (["afl"] if "afl" in engine_names else [])
    try:
        with open(log_path, "w", encoding="utf-8") as log:
            for preset in presets:
                build.build_preset(preset, log=log)
    except common.DriverError as e:
        raise common.DriverError(f"{e} (output in {Path(log_path).name})") from e
    return {"presets": ",".join(presets), "log": Path(log_path).name}


def regression_stage(targets, corpus_root, findings):
    """Nightly `regression`: every reproducer, seed, real and negative file through each
    target's libFuzzer binary (build/fuzz), each run once. Failing files are added to
    `findings` for the crashes stage; the stage fails if any file fails."""
    tree = common.build_dir("fuzz")
    total, failed = 0, []
    for target in targets:
        binary = common.binary_path(tree, target)
        options = common.read_options(common.target_files(target, corpus_root)["options"])
        paths = [p for d in corpora.replay_dirs(target, corpus_root) for p in common.files_in(d)]
        result = libfuzzer.replay_files(binary, paths, options)
        total += result["inputs"]
        for path, _ in result["failures"]:
            findings.append({"target": target, "artifact": common.rel(path),
                             "source": "regression"})
            failed.append(f"{target} {common.rel(path)}")
        verdict = "ok" if not result["failures"] else f"FAIL ({len(result['failures'])})"
        print(f"regression: {target:<15} {result['inputs']:>6} inputs: {verdict}", flush=True)
    extra = {"inputs": total, "failed": len(failed)}
    if failed:
        raise StageFailed(f"{len(failed)} inputs fail: " + "; ".join(failed[:5]), extra)
    return extra


def fuzz_stage(fuzz, run_dir, corpus_root):
    """Nightly `fuzz`: every target with every engine, the budget split evenly; result rows
    are appended to fuzz["runs"] as they finish. Crashes do not fail this stage (the crashes
    stage reports them); a run that could not fuzz at all does."""
    targets, engine_names, rows = fuzz["targets"], fuzz["engines"], fuzz["runs"]
    seconds = engines.split_budget(fuzz["budget_s"], len(targets) * len(engine_names))
    jobs, errors = fuzz["jobs"], []
    for i, target in enumerate(targets, 1):
        for engine in engine_names:
            print(f"fuzz: [{i}/{len(targets)}] {target} with {engine} for {seconds} s, "
                  f"{jobs} job{'s' if jobs != 1 else ''}", flush=True)
            out = Path(run_dir) / "fuzz" / f"{target}-{engine}"
            tree = common.build_dir(engines.ENGINE_PRESET[engine])
            try:
                row = run.fuzz_target(engine, tree, target, out, seconds, jobs, corpus_root)
            except common.DriverError as e:
                row = {"target": target, "engine": engine, "seconds": seconds, "jobs": jobs,
                       "error": str(e), "crashes_total": 0, "crash_files": [],
                       "run_dir": common.rel(out)}
            rows.append(row)
            if row.get("error"):
                errors.append(f"{target}/{engine}: {row['error']}")
    extra = {"seconds_per_run": seconds, "runs": len(rows),
             "executions": sum(r.get("executions") or 0 for r in rows),
             "crash_files": sum(r.get("crashes_total") or 0 for r in rows)}
    if errors:
        raise StageFailed("; ".join(errors[:5]), extra)
    return extra


def merge_stage(rows, corpus_root):
    """Nightly `merge`: merge each run's new inputs (libFuzzer run corpus, AFL queues) into
    corpus/<T> with -merge=1, so the seed corpus grows; records files added per target."""
    tree = common.build_dir("fuzz")
    added = 0
    for row in rows:
        if row.get("error") and not row.get("run_dir"):
            continue
        run_dir = common.ROOT / row["run_dir"]
        sources = [run_dir / "corpus"] + sorted(run_dir.glob("afl/*/queue"))
        files = common.target_files(row["target"], corpus_root)
        before = {p.name for p in common.files_in(files["seeds"])}
        summary = libfuzzer.merge_into(common.binary_path(tree, row["target"]), files["seeds"],
                                       sources, common.read_options(files["options"]),
                                       log_path=run_dir / "merge.log")
        new = sorted({p.name for p in common.files_in(files["seeds"])} - before)
        row.update(merged_files=len(new), merged_edges=summary["edges"],
                   merged_names=[common.rel(files["seeds"] / n) for n in new])
        added += len(new)
        print(f"merge: {row['target']:<15} {row['engine']:<9} +{len(new)} files "
              f"(+{summary['edges']} edges) into {common.rel(files['seeds'])}", flush=True)
    return {"files_added": added}


def replay_finding(tree, finding, corpus_root):
    """Replay one artifact with the fuzz binary; return (its signature, the replay output),
    or None if the target was not built. The token is crashes.classify's, the same that
    `reproduce` names the stored reproducer with."""
    try:
        binary = common.binary_path(tree, finding["target"])
    except common.DriverError:
        return None
    options = common.read_options(common.target_files(finding["target"], corpus_root)["options"])
    timeout = float(options.get("timeout", 25)) + 60
    rc, out = libfuzzer.replay_artifact(binary, common.ROOT / finding["artifact"], options, timeout)
    classified = crashes.classify(rc, out)
    if classified["kind"] == "none":
        return crashes.no_repro_signature(finding["target"]), out
    return crashes.signature(classified), out


def crashes_stage(rows, findings, run_dir, corpus_root, holder):
    """Nightly `crashes`: replay every crash/timeout artifact of the fuzz runs (and every
    failing regression file) with the fuzz binary, dedup by token, store the unique crashes
    in holder['unique'] and per-target counts in the rows; fail if there are any."""
    tree = common.build_dir("fuzz")
    all_findings = list(findings) + [{"target": r["target"], "artifact": a, "source": "fuzz"}
                                     for r in rows for a in r.get("crash_files", [])]
    logs = Path(run_dir) / "crashes"
    replayed = []
    for f in all_findings[:MAX_REPLAYS]:
        replay = replay_finding(tree, f, corpus_root)
        if replay is None:
            continue
        sig, out = replay
        logs.mkdir(parents=True, exist_ok=True)
        if not (logs / f"{sig['token']}.txt").exists():
            (logs / f"{sig['token']}.txt").write_text(out, encoding="utf-8")
        replayed.append({**f, "signature": sig})
        print(f"crashes: {f['artifact']}: {sig['kind']} [{sig['token']}]", flush=True)
    unique = crashes.group_crashes(replayed)
    for u in unique:
        u["log"] = common.rel(logs / f"{u['token']}.txt")
    for row in rows:
        row["crashes_unique"] = len({r["signature"]["token"] for r in replayed
                                     if r["target"] == row["target"]
                                     and r["artifact"] in row.get("crash_files", [])})
    holder.update(total=len(all_findings), replayed=len(replayed), unique=unique)
    extra = {"total": len(all_findings), "unique": len(unique)}
    if unique:
        raise StageFailed(f"{len(unique)} unique crashes from {len(all_findings)} artifacts: "
                          + ", ".join(f"{u['target']} {u['kind']} [{u['token']}]"
                                      for u in unique[:5]), extra)
    return extra


# ---------------------------------------------------------------------------------------------
# The command


def fuzz_object(args):
    """The report's `fuzz` object before any fuzz stage ran, from nightly's options."""
    jobs = args.jobs if args.jobs is not None else (os.cpu_count() or 1)
    if jobs < 1:
        raise common.DriverError("nightly: --jobs must be at least 1", exit_code=2)
    return {"ran": not args.no_fuzz, "budget_s": common.parse_duration(args.budget),
            "engine": args.engine, "engines": engines.engines_of(args.engine), "jobs": jobs,
            "targets": common.parse_targets(args.targets), "runs": [],
            "crashes": {"total": 0, "replayed": 0, "unique": []}}


def plan(args, run_dir, fuzz, conf):
    """The stages as two groups of (name, action): the checks, and the fuzz stages (empty with
    --no-fuzz). The actions fill `conf` (conformance) and `fuzz` (runs, crashes)."""
    checks = ([] if args.no_setup else [("setup", build.setup)]) + [
        ("build", lambda: build_stage(args.preset, run_dir / "build.log")),
        ("conformance", lambda: conformance.conformance_stage(args.preset, conf)),
        ("loader", lambda: loader_stage(args.preset)),
        ("negative", lambda: negative_stage(args.preset)),
        ("roundtrip", lambda: roundtrip_stage(args.preset)),
        ("snapshot", lambda: snapshot_stage(args.preset, run_dir)),
    ]
    if args.no_fuzz:
        return checks, []
    corpus_root = common.repo_path(args.corpus_root or "corpus")
    findings = []
    return checks, [
        ("build-fuzz", lambda: build_fuzz_stage(fuzz["engines"], run_dir / "build-fuzz.log")),
        ("regression", lambda: regression_stage(fuzz["targets"], corpus_root, findings)),
        ("fuzz", lambda: fuzz_stage(fuzz, run_dir, corpus_root)),
        ("merge", lambda: merge_stage(fuzz["runs"], corpus_root)),
        ("crashes", lambda: crashes_stage(fuzz["runs"], findings, run_dir, corpus_root,
                                          fuzz["crashes"])),
    ]


def run_groups(groups, stages):
    """Run the stage groups; a failed check stops the checks, a failed build-fuzz the fuzz
    stages, a failed setup everything. Ctrl-C stops the children and records the running
    stage as interrupted; returns True if that happened."""
    current = None
    try:
        for group, stoppers in zip(groups, (None, ("build-fuzz",))):
            for name, action in group:
                current = (name, time.monotonic())
                ok = run_stage(stages, name, action)
                current = None
                if not ok and (stoppers is None or name in stoppers):
                    break
            if any(s["name"] == "setup" and s["status"] != "pass" for s in stages):
                break
    except KeyboardInterrupt:
        common.stop_all_children()
        if current:
            stages.append({"name": current[0], "status": "interrupted",
                           "error": "interrupted (Ctrl-C)",
                           "duration_s": round(time.monotonic() - current[1], 3)})
        print("\nnightly: interrupted; writing the report of what ran", file=sys.stderr,
              flush=True)
        return True
    return False


def cmd_nightly(args):
    """`nightly`: the checks, then (unless --no-fuzz) the fuzz stages; write the report; exit
    by the verdict (130 after Ctrl-C, with the report of what ran)."""
    started = common.utc_now()
    fuzz = fuzz_object(args)
    run_dir = common.fresh_dir(common.repo_path(args.out), common.stamp(started))
    stages, conf = [], conformance.empty_conformance()
    interrupted = run_groups(plan(args, run_dir, fuzz, conf), stages)
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if interrupted else None
    try:
        result = report.make_report(started, common.utc_now(), args.preset, stages, conf,
                                    fuzz=fuzz, interrupted=interrupted)
        report.write_reports(result, run_dir)
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    print(f"nightly: verdict {result['verdict']}; report {run_dir / 'report.md'}")
    if interrupted:
        return 130
    return 0 if result["verdict"] == "pass" else 1
