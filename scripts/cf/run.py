"""run: the `run TARGET` subcommand: fuzz one target with libFuzzer or AFL++ and summarise the
run (docs/fuzzing-driver.md). The nightly's fuzz stage calls fuzz_target too.
"""

import sys

from cf import afl, build, common, engines, libfuzzer


def fuzz_target(engine, tree, target, run_dir, seconds, jobs, corpus_root=None):
    """Fuzz one target with one engine (binary from the build tree); return its result row."""
    binary = common.binary_path(tree, target)
    module = afl if engine == "afl" else libfuzzer
    return module.fuzz(binary, target, run_dir, seconds, jobs, corpus_root)


def print_summary(row):
    """The end-of-run summary of one fuzzing run."""
    def show(v):
        return "-" if v is None else str(v)
    print(f"run: {row['target']} ({row['engine']}, {row['seconds']} s, {row['jobs']} job"
          f"{'s' if row['jobs'] != 1 else ''}, wall {row['wall_s']} s)")
    print(f"  executions  {show(row['executions'])}  ({show(row['exec_per_s'])} exec/s)")
    print(f"  corpus      {show(row['corpus_before'])} -> {show(row['corpus_after'])}")
    extra = ""
    if row["engine"] == "afl" and row.get("bitmap_cvg_after") is not None:
        extra = f"; bitmap {row.get('bitmap_cvg_before')}% -> {row.get('bitmap_cvg_after')}%"
    print(f"  coverage    {show(row['cov_before'])} -> {show(row['cov_after'])} "
          f"(new {show(row['new_cov'])} {row['coverage_unit']}{extra})")
    print(f"  crashes     {row['crashes_total']}")
    for path in row["crash_files"]:
        print(f"    {path}")
    print(f"  output      {row['run_dir']} (log {row['log']})", flush=True)


def cmd_run(args):
    """`run TARGET`: build the engine's preset, fuzz one target, print a summary; exit 1 if
    it found crashes, 130 on Ctrl-C."""
    targets = common.parse_targets(args.target)
    if len(targets) != 1:
        raise common.DriverError("run: give exactly one target", exit_code=2)
    target, seconds = targets[0], common.parse_duration(args.time)
    if args.jobs < 1:
        raise common.DriverError("run: --jobs must be at least 1", exit_code=2)
    tree = build.build_or_reuse(engines.ENGINE_PRESET[args.engine], args.no_build, args.canary)
    stamp = common.stamp(common.utc_now())
    run_dir = common.fresh_dir(common.repo_path(args.out), f"{target}-{args.engine}-{stamp}")
    try:
        row = fuzz_target(args.engine, tree, target, run_dir, seconds, args.jobs,
                          common.repo_path(args.corpus_root))
    except KeyboardInterrupt:
        common.stop_all_children()
        print(f"run: interrupted; partial output in {common.rel(run_dir)}", file=sys.stderr)
        return 130
    print_summary(row)
    if row.get("error"):
        raise common.DriverError(f"run: {row['error']}")
    return 1 if row["crashes_total"] else 0
