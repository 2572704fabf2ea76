"""engines: what a fuzzing run with libFuzzer (cf.libfuzzer) and one with AFL++ (cf.afl) share:
the engine names and their presets, the budget split, progress lines while a fuzzer runs, the
watchdog that stops an overrunning fuzzer, and the result row both engines fill.
"""

import time

from cf import common

ENGINES = ("libfuzzer", "afl")
ENGINE_PRESET = {"libfuzzer": "fuzz", "afl": "afl"}
PROGRESS_EVERY_S = 10      # a progress line this often while a fuzzer runs
OVERRUN_S = 60             # a fuzzer still running this long after its budget is killed
# libFuzzer artifact names that are findings (slow-unit-* is only a note).
FINDING_PREFIXES = ("crash-", "timeout-", "oom-", "leak-")


def engines_of(engine):
    """The engines an --engine value names: libfuzzer, afl, or both."""
    return list(ENGINES) if engine == "both" else [engine]


def split_budget(budget_s, runs):
    """Seconds per fuzzing run when budget_s is split evenly over `runs` runs (at least 5)."""
    return max(5, budget_s // max(1, runs))


def findings_in(crash_dir):
    """The finding artifacts (crash-, timeout-, oom-, leak-) in a libFuzzer artifact dir."""
    return [p for p in common.files_in(crash_dir) if p.name.startswith(FINDING_PREFIXES)]


def progress_line(label, elapsed, total, p):
    """One progress line: target/engine, elapsed/total, execs, exec/s, coverage, corpus, crashes."""
    def show(v):
        return "-" if v is None else str(v)
    return (f"[{label}] {int(elapsed):>4}/{total} s  execs {show(p.get('execs')):>9}  "
            f"exec/s {show(p.get('exec_s')):>6}  cov {show(p.get('cov')):>5}  "
            f"corpus {show(p.get('corpus')):>5}  crashes {show(p.get('crashes'))}")


def monitor(procs, label, seconds, started, snapshot, tick=None):
    """Wait for procs to exit, calling tick() every 0.25 s, printing a progress line (from
    snapshot()) every PROGRESS_EVERY_S and killing them once they overrun the budget by
    OVERRUN_S."""
    next_print = started + PROGRESS_EVERY_S
    while any(p.poll() is None for p in procs):
        time.sleep(0.25)
        if tick:
            tick()
        now = time.monotonic()
        if now >= next_print:
            print(progress_line(label, now - started, seconds, snapshot()), flush=True)
            next_print = now + PROGRESS_EVERY_S
        if now - started > seconds + OVERRUN_S:
            print(f"[{label}] still running {OVERRUN_S} s after its budget; stopping it",
                  flush=True)
            for p in procs:
                common.stop_group(p)
    print(progress_line(label, time.monotonic() - started, seconds, snapshot()), flush=True)


def result_row(target, engine, seconds, jobs, wall, stats, crashes, run_dir, log_path):
    """A fuzzing result row (the report's fuzz.runs[] entry)."""
    cov_start, cov_end = stats.get("cov_start"), stats.get("cov_end")
    return {"target": target, "engine": engine, "seconds": seconds, "jobs": jobs,
            "wall_s": round(wall, 1), "executions": stats.get("execs"),
            "exec_per_s": stats.get("exec_s"),
            "corpus_before": stats.get("corpus_start"), "corpus_after": stats.get("corpus_end"),
            "cov_before": cov_start, "cov_after": cov_end,
            "new_cov": (cov_end - cov_start) if None not in (cov_start, cov_end) else None,
            "coverage_unit": "libFuzzer cov" if engine == "libfuzzer" else "AFL edges",
            "crashes_total": len(crashes), "crashes_unique": None,
            "crash_files": [common.rel(p) for p in crashes],
            "run_dir": common.rel(run_dir), "log": common.rel(log_path)}
