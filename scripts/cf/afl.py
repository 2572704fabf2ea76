"""afl: fuzzing with AFL++ (build/afl/bin/<target>): one -M main and N-1 diverse -S secondaries,
their seed directory, their fuzzer_stats and logs, and their crashes copied out under libFuzzer's
artifact names.
"""

import hashlib
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

from cf import common, engines

AFL_MAX_SEED = 1 << 20     # afl-fuzz refuses seed files larger than 1 MB (MAX_FILE)
AFL_ENV = {"AFL_NO_UI": "1", "AFL_SKIP_CPUFREQ": "1",
           "AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES": "1", "AFL_NO_AFFINITY": "1"}
# Secondary afl-fuzz instances get different strategies (FUZZING.md section 5): explore
# schedule, MOpt mutator, exploit schedule, coe schedule, then round again.
AFL_FLAVOURS = (("-p", "explore"), ("-L", "0"), ("-p", "exploit"), ("-p", "coe"))
AFL_PROGRESS = re.compile(r"Fuzzing test case #(\d+) \((\d+) total, (\d+) crashes saved")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def parse_afl_stats(text):
    """An AFL++ fuzzer_stats file as {key: value string}."""
    stats = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip():
            stats[key.strip()] = value.strip()
    return stats


def afl_number(stats, key):
    """A numeric fuzzer_stats/plot_data value (percent sign dropped) or None if absent/inf."""
    value = stats.get(key) if stats else None
    try:
        number = float(str(value).rstrip("%"))
    except (TypeError, ValueError):
        return None
    return None if number != number or number in (float("inf"), float("-inf")) else number


def parse_afl_progress(text):
    """{item, corpus, crashes} from the last 'Fuzzing test case #N (T total, C crashes saved'
    line of an afl-fuzz AFL_NO_UI log, or {}."""
    found = AFL_PROGRESS.findall(text)
    if not found:
        return {}
    item, total, crashes = (int(x) for x in found[-1])
    return {"item": item, "corpus": total, "crashes": crashes}


def _int(value):
    """int(value), keeping None."""
    return None if value is None else int(value)


def summarize_afl(start, end, seeds):
    """Run summary from fuzzer_stats per instance: start and end are {instance: stats dict}
    (start = first stats seen, after calibration). execs/exec_s are summed over instances,
    corpus is main's queue, coverage is edges_found (and bitmap_cvg %) of main at start vs the
    highest at the end, crashes/hangs are summed."""
    names = sorted(end) or sorted(start)
    main = "main" if "main" in names else (names[0] if names else None)

    def total(key):
        values = [afl_number(end.get(n), key) for n in names]
        present = [v for v in values if v is not None]
        return sum(present) if present else None

    def highest(key):
        return max((afl_number(end.get(n), key) or 0) for n in names) if names else None

    execs = total("execs_done")
    exec_s = total("execs_per_sec")
    if exec_s is None and execs is not None:
        run_time = highest("run_time")
        exec_s = execs / run_time if run_time else None
    first = start.get(main) or {}
    return {"execs": _int(execs), "exec_s": round(exec_s) if exec_s is not None else None,
            "cov_start": _int(afl_number(first, "edges_found")), "cov_end": _int(highest("edges_found")),
            "bitmap_cvg_start": afl_number(first, "bitmap_cvg"), "bitmap_cvg_end": highest("bitmap_cvg"),
            "corpus_start": seeds, "corpus_end": _int(afl_number(end.get(main), "corpus_count")),
            "crashes": _int(total("saved_crashes")), "hangs": _int(total("saved_hangs")),
            "instances": len(names)}


def afl_commands(binary, seed_dir, out_dir, seconds, jobs, dict_path, timeout_ms):
    """afl-fuzz command lines: one -M main and jobs-1 diverse -S secondaries sharing out_dir."""
    base = ["afl-fuzz", "-i", str(seed_dir), "-o", str(out_dir), "-V", str(seconds),
            "-t", str(timeout_ms)]
    if dict_path is not None and Path(dict_path).is_file():
        base += ["-x", str(dict_path)]
    cmds = [base + ["-M", "main", "--", str(binary)]]
    for k in range(1, max(1, jobs)):
        flavour = AFL_FLAVOURS[(k - 1) % len(AFL_FLAVOURS)]
        cmds.append(base + ["-S", f"sec{k}", *flavour, "--", str(binary)])
    return cmds


def afl_timeout_ms(options):
    """afl-fuzz -t from the .options timeout (seconds); 1000 ms if unset."""
    try:
        return max(100, int(float(options.get("timeout", 1)) * 1000))
    except ValueError:
        return 1000


def make_afl_seeds(sources, dest):
    """Copy the non-empty files of `sources` (dirs) that afl-fuzz accepts (<= 1 MB) into dest,
    named by index and content hash; write one minimal seed if none fits. Returns the count of
    real seeds copied."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    seen, count = set(), 0
    for src in sources:
        for path in common.files_in(src):
            size = path.stat().st_size
            if size == 0 or size > AFL_MAX_SEED:
                continue
            digest = hashlib.sha1(path.read_bytes()).hexdigest()
            if digest in seen:
                continue
            seen.add(digest)
            shutil.copyfile(path, dest / f"{count:06d}-{digest[:12]}")
            count += 1
    if count == 0:
        (dest / "000000-empty").write_bytes(b"\0")
    return count


def _read(path):
    """A text file's content, '' if it cannot be read."""
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def instance_stats(out_dir):
    """{instance name: parsed fuzzer_stats} for every instance under an afl-fuzz -o dir."""
    return {p.parent.name: parse_afl_stats(_read(p))
            for p in sorted(Path(out_dir).glob("*/fuzzer_stats"))}


def findings(out_dir):
    """Every crash and hang file (id:*) of every instance under an afl-fuzz -o dir."""
    return sorted(p for kind in ("crashes", "hangs")
                  for p in Path(out_dir).glob(f"*/{kind}/id:*") if p.is_file())


def collect_findings(out_dir, crash_dir):
    """Copy AFL crashes/hangs into crash_dir as crash-<sha1>/timeout-<sha1> (libFuzzer's
    naming, identical inputs once); return the copies."""
    out = []
    for p in findings(out_dir):
        data = p.read_bytes()
        kind = "timeout" if p.parent.name == "hangs" else "crash"
        dest = Path(crash_dir) / f"{kind}-{hashlib.sha1(data).hexdigest()}"
        if not dest.exists():
            dest.write_bytes(data)
        if dest not in out:
            out.append(dest)
    return sorted(out)


def live_figures(out_dir, run_dir):
    """Progress figures of a running afl-fuzz: executions and coverage from fuzzer_stats
    (afl-fuzz rewrites it about once a minute), corpus from main's log, crashes from the
    crash dirs."""
    stats = instance_stats(out_dir)
    execs = sum(afl_number(s, "execs_done") or 0 for s in stats.values())
    run_time = max([afl_number(s, "run_time") or 0 for s in stats.values()] + [0])
    edges = [e for e in (afl_number(s, "edges_found") for s in stats.values()) if e is not None]
    return {"execs": int(execs) if execs else None,
            "exec_s": round(execs / run_time) if execs and run_time else None,
            "cov": int(max(edges)) if edges else None,
            "corpus": parse_afl_progress(_read(Path(run_dir) / "afl-main.log")).get("corpus"),
            "crashes": len(findings(out_dir))}


def _start_instances(cmds, run_dir, env, procs, logs):
    """Start every afl-fuzz instance (main first, given a second to create the output dir),
    each logging to run_dir/afl-<name>.log; appends to procs and logs as it goes, so the
    caller can stop and close what started even if a later start fails."""
    for cmd in cmds:
        name = cmd[cmd.index("-M") + 1] if "-M" in cmd else cmd[cmd.index("-S") + 1]
        print(f"+ {' '.join(cmd)}", flush=True)
        log = open(Path(run_dir) / f"afl-{name}.log", "w", encoding="utf-8")
        logs.append(log)
        procs.append(common.start_group(cmd, env=env, stdout=log, stderr=subprocess.STDOUT))
        if name == "main" and len(cmds) > 1:
            time.sleep(1.0)


def fuzz(binary, target, run_dir, seconds, jobs, corpus_root=None, label=None):
    """Fuzz target with afl-fuzz (main + jobs-1 secondaries) for `seconds` into run_dir
    (afl/, afl-seeds/, crashes/ with copies of every crash and hang, afl-*.log), printing
    progress; return the result row."""
    files = common.target_files(target, corpus_root)
    options = common.read_options(files["options"])
    run_dir = Path(run_dir)
    (run_dir / "crashes").mkdir(parents=True, exist_ok=True)
    seeds = make_afl_seeds([files["seeds"], files["regressions"]], run_dir / "afl-seeds")
    out_dir = run_dir / "afl"
    cmds = afl_commands(binary, run_dir / "afl-seeds", out_dir, seconds, jobs, files["dict"],
                        afl_timeout_ms(options))
    start_stats, started, procs, logs = {}, time.monotonic(), [], []

    def first_stats():
        """Remember each instance's first fuzzer_stats (written after calibration)."""
        for name, stats in instance_stats(out_dir).items():
            if stats and name not in start_stats:
                start_stats[name] = stats

    try:
        _start_instances(cmds, run_dir, dict(os.environ, **AFL_ENV), procs, logs)
        engines.monitor(procs, label or f"{target} afl", seconds, started,
                        lambda: live_figures(out_dir, run_dir), tick=first_stats)
    finally:
        for p in procs:
            common.stop_group(p)
        for log in logs:
            log.close()
    end_stats = instance_stats(out_dir)
    stats = summarize_afl(start_stats, end_stats, seeds)
    crashes = collect_findings(out_dir, run_dir / "crashes")
    row = engines.result_row(target, "afl", seconds, jobs, time.monotonic() - started, stats,
                             crashes, run_dir, run_dir / "afl-main.log")
    row.update(bitmap_cvg_before=stats["bitmap_cvg_start"], bitmap_cvg_after=stats["bitmap_cvg_end"],
               exit_code=procs[0].returncode if procs else None, instances=len(cmds))
    if not end_stats:
        tail = _read(run_dir / "afl-main.log").strip().splitlines()[-5:]
        row["error"] = "afl-fuzz wrote no fuzzer_stats: " + " | ".join(ANSI.sub("", t) for t in tail)
    return row
