"""coverage: clang source-based coverage of ctest and every corpus, as an llvm-cov HTML report
plus a core/ summary (docs/coverage.md).
"""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

from cf import build, common

LLVM_PROFDATA = "llvm-profdata-14"
LLVM_COV = "llvm-cov-14"
SHOW_IGNORE = r"(^/usr/|/build/)"
CORE_IGNORE = r"(^/usr/|/tests/|/build/)"
METRICS = ("lines", "branches", "functions", "regions")
# llvm-cov report column groups: (header of the total column, metric)
REPORT_COLUMNS = {"Regions": "regions", "Functions": "functions", "Lines": "lines",
                  "Branches": "branches"}
REPLAY_TIMEOUT_S = 600


def parse_cov_report(text):
    """The TOTAL row of `llvm-cov report` as {metric: {total, covered, percent}}."""
    lines = text.splitlines()
    header = next((l for l in lines if l.startswith("Filename")), None)
    total = next((l for l in lines if l.startswith("TOTAL")), None)
    if header is None or total is None:
        raise ValueError("no Filename header or TOTAL row in llvm-cov report output")
    names = re.split(r"\s{2,}", header.strip())[1:]
    values = total.split()[1:]
    if len(names) != len(values):
        raise ValueError(f"TOTAL row has {len(values)} values for {len(names)} columns")
    row = dict(zip(names, values))
    out = {}
    for column, metric in REPORT_COLUMNS.items():
        if column not in row:
            continue
        count = int(row[column])
        missed = int(row[f"Missed {column}"])
        out[metric] = {"total": count, "covered": count - missed,
                       "percent": round(100.0 * (count - missed) / count, 2) if count else 0.0}
    return out


def summary_line(numbers):
    """'core/ line coverage X% (a/b), branch coverage Y% (c/d), function ..., region ...'."""
    words = {"lines": "line", "branches": "branch", "functions": "function", "regions": "region"}
    parts = [f"{words[m]} coverage {numbers[m]['percent']:.2f}% "
             f"({numbers[m]['covered']}/{numbers[m]['total']})" for m in METRICS if m in numbers]
    return "core/ " + ", ".join(parts)


def instrumented_objects(bin_dir, targets):
    """The binaries the report covers: the test executables, the fuzz targets, regiontool."""
    bin_dir = Path(bin_dir)
    tests = sorted(p for p in bin_dir.glob("*_test") if p.is_file())
    rest = [bin_dir / t for t in (*targets, "regiontool") if (bin_dir / t).is_file()]
    return [str(p) for p in tests + rest]


def replay_inputs(target):
    """The corpus directories replayed through one target (those that exist and hold files)."""
    corpus = common.ROOT / "corpus"
    dirs = [corpus / target, corpus / "regressions" / target, corpus / "real", corpus / "negative"]
    return [d for d in dirs if common.files_in(d)]


def cov_command(tool, objects, profdata, *extra):
    """An llvm-cov command over all objects: the first as the main object, the rest -object."""
    cmd = [LLVM_COV, tool, objects[0], f"-instr-profile={profdata}"]
    for o in objects[1:]:
        cmd += ["-object", o]
    return cmd + list(extra)


def collect_profiles(tree, no_tests):
    """Run ctest (unless no_tests) and replay every corpus through every target with profiling
    into tree/prof; returns (the .profraw files, notes on what failed)."""
    prof = tree / "prof"
    shutil.rmtree(prof, ignore_errors=True)
    prof.mkdir(parents=True)
    env = dict(os.environ, LLVM_PROFILE_FILE=str(prof / "%p-%m.profraw"))
    notes = []
    if not no_tests:
        print("+ ctest --preset coverage", flush=True)
        rc, lines = common.run_streamed(["ctest", "--preset", "coverage"], env=env)
        summary = build.parse_ctest_summary("".join(lines))
        if rc != 0:
            notes.append(f"ctest exit {rc}" + (f": {summary[1]} of {summary[2]} failed"
                                               if summary else ""))
    for target in common.FUZZ_TARGETS:
        binary = tree / "bin" / target
        if not binary.is_file():
            notes.append(f"{target}: not built")
            continue
        for d in replay_inputs(target):
            rc, text = common.run_captured([str(binary), str(d)], timeout=REPLAY_TIMEOUT_S,
                                           env=env)
            ran = re.search(r"replay: \d+ inputs run, \d+ unreadable", text)
            shown = d.relative_to(common.ROOT)
            print(f"coverage: {target} {shown}: {ran.group(0) if ran else f'exit {rc}'}",
                  flush=True)
            if rc != 0:
                notes.append(f"{target} on {shown} exit {rc} (its profile is lost if it aborted)")
    return sorted(str(p) for p in prof.glob("*.profraw")), notes


def write_report(tree, run_dir, raws):
    """Merge the profiles and write html/ and summary.txt into run_dir; returns (numbers,
    objects)."""
    profdata = run_dir / "coverage.profdata"
    common.run_checked([LLVM_PROFDATA, "merge", "-sparse", *raws, "-o", str(profdata)],
                       "coverage: merge")
    objects = instrumented_objects(tree / "bin", common.FUZZ_TARGETS)
    common.run_checked(cov_command("show", objects, profdata, "-format=html",
                                   f"-output-dir={run_dir / 'html'}",
                                   f"-ignore-filename-regex={SHOW_IGNORE}", "-show-branches=count"),
                       "coverage: html")
    report = subprocess.run(cov_command("report", objects, profdata,
                                        f"-ignore-filename-regex={CORE_IGNORE}",
                                        str(common.ROOT / "core")),
                            cwd=common.ROOT, capture_output=True, text=True)
    if report.returncode != 0:
        raise common.DriverError(f"coverage: llvm-cov report failed: {report.stderr.strip()[:400]}")
    (run_dir / "summary.txt").write_text(report.stdout, encoding="utf-8")
    print(report.stdout)
    return parse_cov_report(report.stdout), objects


def cmd_coverage(args):
    """`coverage`: build the coverage preset, run ctest and replay every corpus with profiling
    on, merge, write HTML + summary.txt + summary.json under <out>/<UTC timestamp>/."""
    started = common.utc_now()
    tree = build.build_preset("coverage")
    raws, notes = collect_profiles(tree, args.no_tests)
    if not raws:
        raise common.DriverError("coverage: no .profraw files were written")
    run_dir = common.fresh_dir(common.repo_path(args.out), common.stamp(started))
    numbers, objects = write_report(tree, run_dir, raws)
    line = summary_line(numbers)
    (run_dir / "summary.json").write_text(json.dumps({
        "schema": "compactfuzz-coverage/1", "started": common.iso(started),
        "finished": common.iso(common.utc_now()), "git_commit": common.git_commit(),
        "scope": "core/", "core": numbers, "summary": line,
        "objects": [os.path.relpath(o, common.ROOT) for o in objects], "profraw_files": len(raws),
        "ctest": "skipped" if args.no_tests else "run", "notes": notes,
        "html": "html/index.html"}, indent=1) + "\n", encoding="utf-8")
    common.update_latest(run_dir)
    for n in notes:
        print(f"coverage: note: {n}")
    print(line)
    print(f"coverage: report {common.rel(run_dir)}/html/index.html")
    return 0
