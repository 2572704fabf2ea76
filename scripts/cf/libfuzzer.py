"""libfuzzer: running the libFuzzer builds (build/fuzz/bin/<target>) and reading what they print.

A fuzzing run (`run`, the nightly's fuzz stage), a `-runs=0` coverage measurement, a
`-merge=1` merge (`minimize`, the nightly's merge stage) and a replay of files (the nightly's
regression and crashes stages).
"""

import re
import subprocess
import threading
import time
from pathlib import Path

from cf import common, engines

LF_STATUS = re.compile(
    r"^#(\d+)\s+(INITED|NEW|REDUCE|pulse|DONE|RELOAD)\s+cov: (\d+) ft: (\d+)"
    r"(?: corp: (\d+)/(\d+)(b|Kb|Mb|Gb))?.*?exec/s: (\d+)(?: rss: (\d+)Mb)?")
LF_FORK = re.compile(
    r"^#(\d+): cov: (\d+) ft: (\d+) corp: (\d+) exec/s:? (\d+) "
    r"oom/timeout/crash: (\d+)/(\d+)/(\d+) time: (\d+)s job: (\d+)")
LF_STAT = re.compile(r"^stat::(\w+):\s+(\d+)", re.M)
LF_DONE_RUNS = re.compile(r"^Done (\d+) runs in (\d+) second", re.M)
LF_MERGE = re.compile(r"MERGE-OUTER: (\d+) new files with (\d+) new features added; "
                      r"(\d+) new coverage edges")
SIZE_UNIT = {"b": 1, "Kb": 1 << 10, "Mb": 1 << 20, "Gb": 1 << 30}


def parse_libfuzzer_line(line):
    """One libFuzzer status line as a dict, or None. Plain lines (`#N\\tINITED cov: ...`,
    NEW, REDUCE, pulse, DONE) give event, execs, cov, ft, corpus, corpus_bytes, exec_s, rss_mb;
    fork-mode lines (`#N: cov: ... job: J`) give event 'fork' plus ooms, timeouts, crashes,
    time_s and job."""
    m = LF_STATUS.match(line)
    if m:
        return {"event": m[2], "execs": int(m[1]), "cov": int(m[3]), "ft": int(m[4]),
                "corpus": int(m[5]) if m[5] else None,
                "corpus_bytes": int(m[6]) * SIZE_UNIT[m[7]] if m[6] else None,
                "exec_s": int(m[8]), "rss_mb": int(m[9]) if m[9] else None}
    m = LF_FORK.match(line)
    if m:
        return {"event": "fork", "execs": int(m[1]), "cov": int(m[2]), "ft": int(m[3]),
                "corpus": int(m[4]), "exec_s": int(m[5]), "ooms": int(m[6]),
                "timeouts": int(m[7]), "crashes": int(m[8]), "time_s": int(m[9]),
                "job": int(m[10])}
    return None


def parse_libfuzzer_output(text):
    """Summary of a libFuzzer run's output: execs, exec_s, cov_start/cov_end (INITED or the
    first fork line vs the last status line), ft_*, corpus_*, new_units, peak_rss_mb, fork
    (bool), fork_crashes, and merge ({files, features, edges}) for a -merge=1 run. Values that
    the text does not give are None."""
    statuses = [s for s in map(parse_libfuzzer_line, text.splitlines()) if s]
    stats = {k: int(v) for k, v in LF_STAT.findall(text)}
    first = next((s for s in statuses if s["event"] in ("INITED", "fork")), None)
    last = statuses[-1] if statuses else None
    fork = any(s["event"] == "fork" for s in statuses)
    out = {"fork": fork, "execs": None, "exec_s": None, "seconds": None,
           "cov_start": first and first["cov"], "cov_end": last and last["cov"],
           "ft_start": first and first["ft"], "ft_end": last and last["ft"],
           "corpus_start": first and first["corpus"], "corpus_end": last and last["corpus"],
           "new_units": stats.get("new_units_added"), "peak_rss_mb": stats.get("peak_rss_mb"),
           "fork_crashes": None, "merge": None}
    done = LF_DONE_RUNS.findall(text)
    if "number_of_executed_units" in stats:
        out["execs"] = stats["number_of_executed_units"]
    elif done:
        out["execs"] = int(done[-1][0])
    elif last:
        out["execs"] = last["execs"]
    if done:
        out["seconds"] = int(done[-1][1])
    if fork and last:
        forks = [s for s in statuses if s["event"] == "fork"]
        out["execs"], out["seconds"] = forks[-1]["execs"], forks[-1]["time_s"]
        out["fork_crashes"] = forks[-1]["crashes"] + forks[-1]["timeouts"] + forks[-1]["ooms"]
        out["exec_s"] = round(out["execs"] / max(1, out["seconds"]))
    elif "average_exec_per_sec" in stats:
        out["exec_s"] = stats["average_exec_per_sec"]
    elif last:
        out["exec_s"] = last["exec_s"]
    merge = LF_MERGE.findall(text)
    if merge:
        files, features, edges = (int(x) for x in merge[-1])
        out["merge"] = {"files": files, "features": features, "edges": edges}
    return out


def libfuzzer_command(binary, files, run_dir, seconds, jobs, options):
    """The libFuzzer command line of a run: new inputs go to run_dir/corpus (first corpus dir),
    artifacts to run_dir/crashes/, seeds and reproducers are read-only inputs."""
    cmd = [str(binary), f"-max_total_time={seconds}", "-print_final_stats=1",
           f"-artifact_prefix={Path(run_dir) / 'crashes'}/"]
    if files["dict"].is_file():
        cmd.append(f"-dict={files['dict']}")
    cmd += common.option_flags(options)
    if jobs > 1:
        cmd += [f"-fork={jobs}", "-ignore_crashes=1"]
    cmd.append(str(Path(run_dir) / "corpus"))
    cmd += [str(files[k]) for k in ("seeds", "regressions") if files[k].is_dir()]
    return cmd


def measure(binary, dirs, options):
    """(cov, ft, corpus) of libFuzzer's INITED line for `-runs=0` over dirs (the corpus
    coverage without fuzzing), or (None, None, None) if it did not get that far."""
    dirs = [str(d) for d in dirs if Path(d).is_dir() and common.files_in(d)]
    if not dirs:
        return None, None, None
    flags = common.option_flags(options, common.REPLAY_OPTION_KEYS)
    _, out = common.run_captured([str(binary), "-runs=0", *flags, *dirs], timeout=1800)
    inited = next((s for s in map(parse_libfuzzer_line, out.splitlines())
                   if s and s["event"] == "INITED"), None)
    return (inited["cov"], inited["ft"], inited["corpus"]) if inited else (None, None, None)


def _run_logged(cmd, log_path, label, seconds, crash_dir):
    """Run a libFuzzer command in its own process group, copying its output to log_path and
    printing progress; returns (exit code, output lines, wall seconds)."""
    print(f"+ {' '.join(cmd)}", flush=True)
    lines, latest = [], {}
    started = time.monotonic()
    with open(log_path, "w", encoding="utf-8") as log:
        proc = common.start_group(cmd, env=common.sanitizer_env(), stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True, errors="replace")

        def reader():
            """Copy the fuzzer's output to the log; keep the latest status line."""
            for line in proc.stdout:
                log.write(line)
                lines.append(line)
                status = parse_libfuzzer_line(line)
                if status:
                    latest.update(status)

        thread = threading.Thread(target=reader, daemon=True)
        thread.start()
        try:
            engines.monitor([proc], label, seconds, started, lambda: {
                "execs": latest.get("execs"), "exec_s": latest.get("exec_s"),
                "cov": latest.get("cov"), "corpus": latest.get("corpus"),
                "crashes": len(engines.findings_in(crash_dir))})
        finally:
            common.stop_group(proc)
            thread.join(timeout=10)
            proc.stdout.close()
    return proc.returncode, lines, time.monotonic() - started


def fuzz(binary, target, run_dir, seconds, jobs, corpus_root=None, label=None):
    """Fuzz target with libFuzzer for `seconds` into run_dir (corpus/, crashes/, fuzz.log),
    printing progress; return the result row."""
    files = common.target_files(target, corpus_root)
    options = common.read_options(files["options"])
    run_dir = Path(run_dir)
    for sub in ("corpus", "crashes"):
        (run_dir / sub).mkdir(parents=True, exist_ok=True)
    before = (None, None, None)
    if jobs > 1:
        before = measure(binary, [files["seeds"], files["regressions"]], options)
    cmd = libfuzzer_command(binary, files, run_dir, seconds, jobs, options)
    log_path = run_dir / "fuzz.log"
    rc, lines, wall = _run_logged(cmd, log_path, label or f"{target} libfuzzer", seconds,
                                  run_dir / "crashes")
    stats = parse_libfuzzer_output("".join(lines))
    if jobs > 1:
        after = measure(binary, [files["seeds"], files["regressions"], run_dir / "corpus"],
                        options)
        stats.update(cov_start=before[0], cov_end=after[0], corpus_start=before[2],
                     corpus_end=after[2])
    crashes = sorted(engines.findings_in(run_dir / "crashes"))
    row = engines.result_row(target, "libfuzzer", seconds, jobs, wall, stats, crashes, run_dir,
                             log_path)
    row["exit_code"] = rc
    row["new_files"] = len(common.files_in(run_dir / "corpus"))
    if stats["execs"] is None and not crashes:
        row["error"] = f"libFuzzer exited {rc} without stats; see {common.rel(log_path)}"
    return row


def merge_into(binary, dest, sources, options, log_path=None):
    """`bin -merge=1 dest sources...` (libFuzzer): copy into dest every source input that adds
    coverage to what dest already has. Returns the parsed merge summary; DriverError if the
    merge fails."""
    sources = [str(s) for s in sources if common.files_in(s)]
    Path(dest).mkdir(parents=True, exist_ok=True)
    if not sources:
        return {"files": 0, "features": 0, "edges": 0}
    cmd = [str(binary), "-merge=1", *common.option_flags(options, common.REPLAY_OPTION_KEYS),
           str(dest), *sources]
    print(f"+ {' '.join(cmd)}", flush=True)
    rc, out = common.run_captured(cmd, timeout=3600)
    if log_path:
        Path(log_path).write_text(out, encoding="utf-8")
    summary = parse_libfuzzer_output(out)["merge"]
    if rc != 0 or summary is None:
        tail = " | ".join(out.strip().splitlines()[-3:])
        raise common.DriverError(f"merge into {common.rel(dest)} failed (exit {rc}): {tail}")
    return summary


def replay_files(binary, paths, options, timeout=1800):
    """Run every file once through a libFuzzer binary (file arguments), continuing past
    failures. Returns {inputs, failures: [(file, output)]}."""
    inputs, failures, pending = 0, [], [str(p) for p in paths]
    flags = common.option_flags(options, common.REPLAY_OPTION_KEYS)
    while pending:
        batch = common.batches(pending)[0]
        rc, out = common.run_captured([str(binary), *flags, *batch], timeout=timeout)
        inputs += len(re.findall(r"^Executed (.+) in \d+ ms$", out, re.M))
        if rc == 0:
            pending = pending[len(batch):]
            continue
        running = re.findall(r"^Running: (.+)$", out, re.M)
        culprit = running[-1] if running else batch[0]
        failures.append((culprit, out))
        inputs += 1
        pending = (pending[pending.index(culprit) + 1:] if culprit in pending
                   else pending[len(batch):])
    return {"inputs": inputs, "failures": failures}


def replay_artifact(binary, artifact, options, timeout):
    """Replay one artifact through a libFuzzer binary; (exit code or None on a hang, output)."""
    flags = common.option_flags(options, common.REPLAY_OPTION_KEYS)
    return common.run_captured([str(binary), *flags, str(artifact)], timeout=timeout)
