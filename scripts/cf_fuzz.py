"""cf_fuzz: the fuzzing subcommands of compactfuzz (loaded by scripts/compactfuzz).

`run TARGET` fuzzes one target with libFuzzer or AFL++, `regression` replays every reproducer,
seed, real and negative file through a replay build, `minimize` shrinks corpus/<target>/ by a
libFuzzer merge (keeping every reproducer), `gen` writes seed corpora with cf_seedgen. The
nightly job's fuzz stages (build-fuzz, regression, fuzz, merge, crashes) live here too; the
driver's cmd_nightly calls them. docs/fuzzing-driver.md is the user-facing description.

Standard library only. DRIVER is a live view of the driver's globals (ROOT, DriverError,
build_preset, FUZZ_TARGETS, ...), set by load_extensions(); everything here reaches the driver
through it, so a test that patches a driver function patches it here too.
"""

import configparser
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

DRIVER = None  # scripts/compactfuzz's globals, set by load_extensions()

ENGINES = ("libfuzzer", "afl")
ENGINE_PRESET = {"libfuzzer": "fuzz", "afl": "afl"}
PROGRESS_EVERY_S = 10      # a progress line this often while a fuzzer runs
OVERRUN_S = 60             # a fuzzer still running this long after its budget is killed
AFL_MAX_SEED = 1 << 20     # afl-fuzz refuses seed files larger than 1 MB (MAX_FILE)
AFL_ENV = {"AFL_NO_UI": "1", "AFL_SKIP_CPUFREQ": "1",
           "AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES": "1", "AFL_NO_AFFINITY": "1"}
# Secondary afl-fuzz instances get different strategies (FUZZING.md section 5): explore
# schedule, MOpt mutator, exploit schedule, coe schedule, then round again.
AFL_FLAVOURS = (("-p", "explore"), ("-L", "0"), ("-p", "exploit"), ("-p", "coe"))
# libFuzzer artifact names that are findings (slow-unit-* is only a note).
FINDING_PREFIXES = ("crash-", "timeout-", "oom-", "leak-")
# Option keys of corpus/<target>.options [libfuzzer] that also apply when only replaying or
# merging (max_len would truncate long seeds there, so it is left out).
REPLAY_OPTION_KEYS = ("timeout", "rss_limit_mb", "malloc_limit_mb")
# Source directories whose stack frames count as in-project for crash deduplication.
PROJECT_DIRS = ("core", "oracles", "harness", "tools")
FRAMES_PER_TOKEN = 3
MAX_REPLAYS = 200          # crash artifacts replayed per nightly; the rest are counted only
SANITIZER_ENV = {"ASAN_OPTIONS": "abort_on_error=0:detect_leaks=1:symbolize=1",
                 "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1"}

# ---------------------------------------------------------------------------------------------
# Small pure helpers (unit-tested)

DURATION = re.compile(r"(?:\d+(?:\.\d+)?[hms])+|\d+(?:\.\d+)?")
DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)([hms])")
UNIT_SECONDS = {"h": 3600, "m": 60, "s": 1}


def parse_duration(text):
    """Seconds (int) from '90s', '5m', '1h', '1h30m' or plain seconds '300'; DriverError (exit
    code 2) for anything else or for zero."""
    text = str(text).strip().lower()
    if not DURATION.fullmatch(text):
        raise DRIVER.DriverError(f"bad duration {text!r}: use e.g. 90s, 5m, 1h or seconds",
                                 exit_code=2)
    if text[-1].isdigit():
        seconds = float(text)
    else:
        seconds = sum(float(n) * UNIT_SECONDS[u] for n, u in DURATION_PART.findall(text))
    if seconds < 1:
        raise DRIVER.DriverError(f"duration {text!r} is shorter than a second", exit_code=2)
    return int(round(seconds))


def parse_targets(text):
    """The targets of a comma-separated --targets value (all of FUZZ_TARGETS when empty);
    DriverError (exit code 2) naming any unknown one."""
    if not text:
        return list(DRIVER.FUZZ_TARGETS)
    targets = [t.strip() for t in text.split(",") if t.strip()]
    unknown = [t for t in targets if t not in DRIVER.FUZZ_TARGETS]
    if unknown or not targets:
        raise DRIVER.DriverError(f"no fuzz target named {', '.join(unknown) or repr(text)} "
                                 f"(have {', '.join(DRIVER.FUZZ_TARGETS)})", exit_code=2)
    return targets


def engines_of(engine):
    """The engines an --engine value names: libfuzzer, afl, or both."""
    return list(ENGINES) if engine == "both" else [engine]


def split_budget(budget_s, runs):
    """Seconds per fuzzing run when budget_s is split evenly over `runs` runs (at least 5)."""
    return max(5, budget_s // max(1, runs))


def target_files(target, corpus_root=None):
    """The per-target corpus paths: seeds dir, .dict, .options, regressions dir."""
    root = Path(corpus_root) if corpus_root else DRIVER.ROOT / "corpus"
    return {"seeds": root / target, "dict": root / f"{target}.dict",
            "options": root / f"{target}.options", "regressions": root / "regressions" / target}


def read_options(path):
    """The [libfuzzer] section of a .options file as {key: value}; {} if there is none."""
    parser = configparser.ConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error as e:
        raise DRIVER.DriverError(f"{path}: not an ini file: {e}") from e
    return dict(parser["libfuzzer"]) if parser.has_section("libfuzzer") else {}


def option_flags(options, keys=None):
    """libFuzzer flags -key=value for the options (only `keys`, if given), in a stable order."""
    return [f"-{k}={v}" for k, v in sorted(options.items()) if keys is None or k in keys]


def files_in(directory):
    """Every regular file under directory (recursively), sorted; [] if it does not exist."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.rglob("*") if p.is_file())


def dir_stats(directory):
    """(file count, total bytes) of the files under directory."""
    files = files_in(directory)
    return len(files), sum(p.stat().st_size for p in files)


def human_bytes(n):
    """A byte count as a short human-readable string."""
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"


def rel(path):
    """A path relative to the repo root when it is inside it, else absolute (as a string)."""
    path = Path(path).resolve()
    try:
        return str(path.relative_to(DRIVER.ROOT))
    except ValueError:
        return str(path)


# ---------------------------------------------------------------------------------------------
# libFuzzer output

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
    cmd += option_flags(options)
    if jobs > 1:
        cmd += [f"-fork={jobs}", "-ignore_crashes=1"]
    cmd.append(str(Path(run_dir) / "corpus"))
    cmd += [str(files[k]) for k in ("seeds", "regressions") if files[k].is_dir()]
    return cmd


# ---------------------------------------------------------------------------------------------
# AFL++ output


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


AFL_PROGRESS = re.compile(r"Fuzzing test case #(\d+) \((\d+) total, (\d+) crashes saved")


def parse_afl_progress(text):
    """{item, corpus, crashes} from the last 'Fuzzing test case #N (T total, C crashes saved'
    line of an afl-fuzz AFL_NO_UI log, or {}."""
    found = AFL_PROGRESS.findall(text)
    if not found:
        return {}
    item, total, crashes = (int(x) for x in found[-1])
    return {"item": item, "corpus": total, "crashes": crashes}


def summarize_afl(start, end, seeds):
    """Run summary from fuzzer_stats per instance: start and end are {instance: stats dict}
    (start = first stats seen, after calibration). execs/exec_s are summed over instances,
    corpus is main's queue, coverage is edges_found (and bitmap_cvg %) of main at start vs the
    highest at the end, crashes/hangs are summed."""
    names = sorted(end) or sorted(start)
    main = "main" if "main" in names else (names[0] if names else None)

    def total(key):
        values = [afl_number(end.get(n), key) for n in names]
        return sum(v for v in values if v is not None) if any(v is not None for v in values) else None

    execs = total("execs_done")
    exec_s = total("execs_per_sec")
    if exec_s is None and execs is not None:
        run_time = max((afl_number(end.get(n), "run_time") or 0) for n in names)
        exec_s = execs / run_time if run_time else None
    edges_end = max((afl_number(end.get(n), "edges_found") or 0) for n in names) if names else None
    cvg_end = max((afl_number(end.get(n), "bitmap_cvg") or 0) for n in names) if names else None
    first = start.get(main) or {}
    return {"execs": int(execs) if execs is not None else None,
            "exec_s": round(exec_s) if exec_s is not None else None,
            "cov_start": _int(afl_number(first, "edges_found")), "cov_end": _int(edges_end),
            "bitmap_cvg_start": afl_number(first, "bitmap_cvg"), "bitmap_cvg_end": cvg_end,
            "corpus_start": seeds, "corpus_end": _int(afl_number(end.get(main), "corpus_count")),
            "crashes": _int(total("saved_crashes")), "hangs": _int(total("saved_hangs")),
            "instances": len(names)}


def _int(value):
    """int(value), keeping None."""
    return None if value is None else int(value)


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
        for path in files_in(src):
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


# ---------------------------------------------------------------------------------------------
# Crash deduplication

FRAME = re.compile(r"^\s*#(\d+) 0x[0-9a-fA-F]+\s+(?:in )?(.*?)\s*$")
BUILD_ID = re.compile(r"\s*\(BuildId: [0-9a-fA-F]+\)$")
SAN_ERROR = re.compile(r"ERROR: (AddressSanitizer|LeakSanitizer|MemorySanitizer|"
                       r"ThreadSanitizer|UndefinedBehaviorSanitizer|libFuzzer): (.+)$")
UBSAN_ERROR = re.compile(r"^(\S+?):(\d+):(?:\d+:)? runtime error: (.*)$")
CF_CHECK_LINE = re.compile(r"^(\S+?):(\d+): CF_CHECK\((.*)\) failed: ?(.*)$")


def in_project(path, root):
    """The path relative to root if it is a source file of the project (core/, oracles/,
    harness/, tools/), else None."""
    try:
        relative = Path(os.path.normpath(path)).relative_to(root)
    except ValueError:
        if Path(path).is_absolute():
            return None
        relative = Path(os.path.normpath(path))
    return str(relative) if relative.parts and relative.parts[0] in PROJECT_DIRS else None


def parse_frame(text):
    """(function, file, line) of one symbolized stack-frame body ('func /path/f.cc:12:3');
    file and line are None for frames without source ('func (/bin/x+0x12)')."""
    text = BUILD_ID.sub("", text)
    if text.startswith("("):
        return "", None, None
    function, _, location = text.rpartition(" ")
    if not function or location.startswith("("):
        return (function or text), None, None
    m = re.match(r"^(.*?)(?::(\d+))?(?::\d+)?$", location)
    return function, m[1], int(m[2]) if m[2] else None


def first_stack(lines):
    """The frames of the first stack trace in lines: [(function, file, line)]."""
    frames, started = [], False
    for line in lines:
        m = FRAME.match(line)
        if m:
            if started and m[1] == "0":
                break
            started = True
            frames.append(parse_frame(m[2]))
        elif started:
            break
    return frames


def crash_kind(text):
    """The kind of a sanitizer/libFuzzer finding ('heap-buffer-overflow', 'timeout',
    'deadly signal', 'undefined-behavior', ...) or None if the text shows none."""
    for line in text.splitlines():
        m = SAN_ERROR.search(line)
        if m:
            return re.split(r" on | after |\s*\(| at pc ", m[2].strip())[0].strip()
        if UBSAN_ERROR.match(line):
            return "undefined-behavior"
    return None


def crash_signature(text, root=None):
    """Dedup signature of a crash replay's output: {kind, frames, token, summary}. A CF_CHECK
    line (oracle finding) gives the frame 'file:line CF_CHECK(cond)'; otherwise the top three
    in-project frames of the first stack ('function file:line'). The token hashes the kind and
    the frames without line numbers or addresses, so the same bug hashes equally in every run
    and after small edits."""
    root = Path(root or DRIVER.ROOT)
    lines = text.splitlines()
    for line in lines:
        m = CF_CHECK_LINE.match(line.strip())
        if m:
            where = in_project(m[1], root) or m[1]
            frame = f"{where}:{m[2]} CF_CHECK({m[3]})"
            return _signature("CF_CHECK", [frame], [f"{where} CF_CHECK({m[3]})"], line.strip())
    kind = crash_kind(text)
    if kind is None:
        return None
    start = next((i for i, line in enumerate(lines)
                  if SAN_ERROR.search(line) or UBSAN_ERROR.match(line)), 0)
    frames = first_stack(lines[start:])
    mine = [(f, in_project(p, root), n) for f, p, n in frames if p and in_project(p, root)]
    if mine:
        top = mine[:FRAMES_PER_TOKEN]
        shown = [f"{f} {p}:{n}" if n else f"{f} {p}" for f, p, n in top]
        keys = [f"{f} {p}" for f, p, _ in top]
    else:
        other = [f for f, _, _ in frames if not _runtime_frame(f)][:FRAMES_PER_TOKEN]
        shown, keys = other, other
    summary = next((line.strip() for line in lines[start:]
                    if SAN_ERROR.search(line) or UBSAN_ERROR.match(line)), kind)
    return _signature(kind, shown, keys, summary)


def _runtime_frame(function):
    """True for frames of the sanitizer runtime, libFuzzer or libc start-up."""
    return (function.startswith(("__sanitizer", "__asan", "__ubsan", "fuzzer::", "__libc",
                                 "_start", "main", "abort", "raise", "__pthread"))
            or function == "")


def _signature(kind, frames, keys, summary):
    """The signature dict: token = first 16 hex digits of sha256(kind, keys)."""
    digest = hashlib.sha256("\n".join([kind, *keys]).encode()).hexdigest()[:16]
    return {"kind": kind, "frames": frames, "token": digest, "summary": summary[:300]}


def no_repro_signature(target):
    """Signature of an artifact whose replay did not fail (flaky or state-dependent)."""
    return _signature("no-repro", [], [target], "replay of the artifact did not fail")


def group_crashes(findings):
    """Group replayed findings ({target, artifact, signature}) by token: the unique crashes,
    each {token, kind, frames, summary, target, artifact, count, command}, in first-seen order."""
    groups = {}
    for f in findings:
        sig = f["signature"]
        g = groups.get(sig["token"])
        if g is None:
            groups[sig["token"]] = {
                "token": sig["token"], "kind": sig["kind"], "frames": sig["frames"],
                "summary": sig["summary"], "target": f["target"], "artifact": f["artifact"],
                "count": 1, "targets": [f["target"]],
                "command": f"scripts/compactfuzz reproduce {f['artifact']} --target {f['target']}"}
        else:
            g["count"] += 1
            if f["target"] not in g["targets"]:
                g["targets"].append(f["target"])
    return list(groups.values())


# ---------------------------------------------------------------------------------------------
# Child processes: own process group each, so Ctrl-C can stop a fuzzer and all its children

_CHILDREN = set()


def start_group(cmd, env=None, **kwargs):
    """Popen cmd in the repo root as the leader of a new process group (recorded for
    stop_all_children)."""
    try:
        proc = subprocess.Popen(cmd, cwd=DRIVER.ROOT, env=env, start_new_session=True, **kwargs)
    except FileNotFoundError as e:
        raise DRIVER.DriverError(f"{cmd[0]}: not found (run scripts/compactfuzz setup)") from e
    _CHILDREN.add(proc)
    return proc


def stop_group(proc, grace=5.0):
    """SIGTERM proc's process group, SIGKILL it if still alive after `grace` seconds, reap."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, None)):
        if proc.poll() is not None:
            break
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            break
        try:
            proc.wait(wait)
        except subprocess.TimeoutExpired:
            continue
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # stragglers (fork-mode jobs, AFL targets)
    except (ProcessLookupError, PermissionError):
        pass
    if proc.poll() is None:
        proc.wait()
    _CHILDREN.discard(proc)


def stop_all_children():
    """Stop every process group this module started and that is still recorded."""
    for proc in list(_CHILDREN):
        stop_group(proc, grace=2.0)


def sanitizer_env(extra=None):
    """os.environ plus the sanitizer options used for fuzzing and replays (and `extra`)."""
    env = dict(os.environ)
    for key, value in SANITIZER_ENV.items():
        env.setdefault(key, value)
    symbolizer = shutil.which("llvm-symbolizer-14") or shutil.which("llvm-symbolizer")
    if symbolizer:
        env.setdefault("ASAN_SYMBOLIZER_PATH", symbolizer)
    env.update(extra or {})
    return env


def run_captured(cmd, timeout=None, env=None):
    """Run cmd (own process group) to completion; return (exit code, stdout+stderr text).
    Exit code None means it was killed after `timeout` seconds."""
    proc = start_group(cmd, env=env or sanitizer_env(), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, errors="replace")
    try:
        out, _ = proc.communicate(timeout=timeout)
        return proc.returncode, out
    except subprocess.TimeoutExpired:
        stop_group(proc)
        out, _ = proc.communicate()
        return None, out
    finally:
        stop_group(proc)


# ---------------------------------------------------------------------------------------------
# Fuzzing one target


def binary_path(build, target):
    """build/<preset>/bin/<target>; DriverError if it was not built."""
    path = Path(build) / "bin" / target
    if not path.is_file():
        raise DRIVER.DriverError(f"{rel(path)} does not exist (was the target built?)")
    return path


def progress_line(label, elapsed, total, p):
    """One progress line: target/engine, elapsed/total, execs, exec/s, coverage, corpus, crashes."""
    def show(v):
        return "-" if v is None else str(v)
    return (f"[{label}] {int(elapsed):>4}/{total} s  execs {show(p.get('execs')):>9}  "
            f"exec/s {show(p.get('exec_s')):>6}  cov {show(p.get('cov')):>5}  "
            f"corpus {show(p.get('corpus')):>5}  crashes {show(p.get('crashes'))}")


def count_findings(crash_dir):
    """Number of finding artifacts (crash-, timeout-, oom-, leak-) in a libFuzzer artifact dir."""
    return sum(1 for p in files_in(crash_dir) if p.name.startswith(FINDING_PREFIXES))


def measure_libfuzzer(binary, dirs, options):
    """(cov, ft, corpus) of libFuzzer's INITED line for `-runs=0` over dirs (the corpus
    coverage without fuzzing), or (None, None, None) if it did not get that far."""
    dirs = [str(d) for d in dirs if Path(d).is_dir() and files_in(d)]
    if not dirs:
        return None, None, None
    rc, out = run_captured([str(binary), "-runs=0", *option_flags(options, REPLAY_OPTION_KEYS),
                            *dirs], timeout=1800)
    inited = next((s for s in map(parse_libfuzzer_line, out.splitlines())
                   if s and s["event"] == "INITED"), None)
    return (inited["cov"], inited["ft"], inited["corpus"]) if inited else (None, None, None)


def fuzz_libfuzzer(binary, target, run_dir, seconds, jobs, corpus_root=None, label=None):
    """Fuzz target with libFuzzer for `seconds` into run_dir (corpus/, crashes/, fuzz.log),
    printing progress; return the result row."""
    files = target_files(target, corpus_root)
    options = read_options(files["options"])
    run_dir = Path(run_dir)
    for sub in ("corpus", "crashes"):
        (run_dir / sub).mkdir(parents=True, exist_ok=True)
    label = label or f"{target} libfuzzer"
    before = (None, None, None)
    if jobs > 1:
        before = measure_libfuzzer(binary, [files["seeds"], files["regressions"]], options)
    cmd = libfuzzer_command(binary, files, run_dir, seconds, jobs, options)
    log_path = run_dir / "fuzz.log"
    print(f"+ {' '.join(cmd)}", flush=True)
    lines, latest = [], {}
    started = time.monotonic()
    with open(log_path, "w", encoding="utf-8") as log:
        proc = start_group(cmd, env=sanitizer_env(), stdout=subprocess.PIPE,
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
            _monitor(proc, label, seconds, started, lambda: {
                "execs": latest.get("execs"), "exec_s": latest.get("exec_s"),
                "cov": latest.get("cov"), "corpus": latest.get("corpus"),
                "crashes": count_findings(run_dir / "crashes")})
        finally:
            stop_group(proc)
            thread.join(timeout=10)
            proc.stdout.close()
    wall = time.monotonic() - started
    stats = parse_libfuzzer_output("".join(lines))
    if jobs > 1:
        after = measure_libfuzzer(binary, [files["seeds"], files["regressions"],
                                           run_dir / "corpus"], options)
        stats.update(cov_start=before[0], cov_end=after[0], corpus_start=before[2],
                     corpus_end=after[2])
    crashes = sorted(p for p in files_in(run_dir / "crashes") if p.name.startswith(FINDING_PREFIXES))
    row = _row(target, "libfuzzer", seconds, jobs, wall, stats, crashes, run_dir, log_path)
    row["exit_code"] = proc.returncode
    row["new_files"] = len(files_in(run_dir / "corpus"))
    if stats["execs"] is None and not crashes:
        row["error"] = f"libFuzzer exited {proc.returncode} without stats; see {rel(log_path)}"
    return row


def _monitor(proc, label, seconds, started, snapshot, procs=None, tick=None):
    """Wait for proc (and procs) to exit, calling tick() every 0.25 s, printing a progress
    line every PROGRESS_EVERY_S and killing them once they overrun the budget by OVERRUN_S."""
    procs = procs or [proc]
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
                stop_group(p)
    print(progress_line(label, time.monotonic() - started, seconds, snapshot()), flush=True)


def _row(target, engine, seconds, jobs, wall, stats, crashes, run_dir, log_path):
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
            "crash_files": [rel(p) for p in crashes],
            "run_dir": rel(run_dir), "log": rel(log_path)}


def fuzz_afl(binary, target, run_dir, seconds, jobs, corpus_root=None, label=None):
    """Fuzz target with afl-fuzz (main + jobs-1 secondaries) for `seconds` into run_dir
    (afl/, afl-seeds/, crashes/ with copies of every crash and hang, afl-*.log), printing
    progress; return the result row."""
    files = target_files(target, corpus_root)
    options = read_options(files["options"])
    run_dir = Path(run_dir)
    (run_dir / "crashes").mkdir(parents=True, exist_ok=True)
    seeds = make_afl_seeds([files["seeds"], files["regressions"]], run_dir / "afl-seeds")
    out_dir = run_dir / "afl"
    cmds = afl_commands(binary, run_dir / "afl-seeds", out_dir, seconds, jobs, files["dict"],
                        afl_timeout_ms(options))
    env = dict(os.environ, **AFL_ENV)
    label = label or f"{target} afl"
    started, procs, logs, start_stats = time.monotonic(), [], [], {}
    try:
        for cmd in cmds:
            name = cmd[cmd.index("-M") + 1] if "-M" in cmd else cmd[cmd.index("-S") + 1]
            print(f"+ {' '.join(cmd)}", flush=True)
            log = open(run_dir / f"afl-{name}.log", "w", encoding="utf-8")
            logs.append(log)
            procs.append(start_group(cmd, env=env, stdout=log, stderr=subprocess.STDOUT))
            if name == "main" and len(cmds) > 1:
                time.sleep(1.0)  # let main create the output dir first

        def first_stats():
            """Remember each instance's first fuzzer_stats (written after calibration)."""
            for name in {p.parent.name for p in out_dir.glob("*/fuzzer_stats")} - set(start_stats):
                start_stats.update({k: v for k, v in _afl_instance_stats(out_dir).items()
                                    if k == name and v})

        def snapshot():
            """Live figures: executions and coverage from fuzzer_stats (afl-fuzz rewrites it
            about once a minute), corpus from main's log, crashes from the crash dirs."""
            first_stats()
            stats = _afl_instance_stats(out_dir)
            execs = sum(afl_number(s, "execs_done") or 0 for s in stats.values())
            run_time = max([afl_number(s, "run_time") or 0 for s in stats.values()] + [0])
            live = parse_afl_progress(_read(run_dir / "afl-main.log"))
            edges = [afl_number(s, "edges_found") for s in stats.values()]
            return {"execs": int(execs) if execs else None,
                    "exec_s": round(execs / run_time) if execs and run_time else None,
                    "cov": int(max(e for e in edges if e is not None)) if any(
                        e is not None for e in edges) else None,
                    "corpus": live.get("corpus"), "crashes": len(_afl_findings(out_dir))}

        _monitor(procs[0], label, seconds, started, snapshot, procs, tick=first_stats)
    finally:
        for p in procs:
            stop_group(p)
        for log in logs:
            log.close()
    wall = time.monotonic() - started
    end_stats = _afl_instance_stats(out_dir)
    stats = summarize_afl(start_stats, end_stats, seeds)
    crashes = _collect_afl_findings(out_dir, run_dir / "crashes")
    row = _row(target, "afl", seconds, jobs, wall,
               {**stats, "execs": stats["execs"], "exec_s": stats["exec_s"]},
               crashes, run_dir, run_dir / "afl-main.log")
    row.update(bitmap_cvg_before=stats["bitmap_cvg_start"], bitmap_cvg_after=stats["bitmap_cvg_end"],
               exit_code=procs[0].returncode if procs else None, instances=len(cmds))
    if not end_stats:
        tail = _read(run_dir / "afl-main.log").strip().splitlines()[-5:]
        row["error"] = "afl-fuzz wrote no fuzzer_stats: " + " | ".join(
            re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", t) for t in tail)
    return row


def _read(path):
    """A text file's content, '' if it cannot be read."""
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _afl_instance_stats(out_dir):
    """{instance name: parsed fuzzer_stats} for every instance under an afl-fuzz -o dir."""
    return {p.parent.name: parse_afl_stats(_read(p))
            for p in sorted(Path(out_dir).glob("*/fuzzer_stats"))}


def _afl_findings(out_dir):
    """Every crash and hang file (id:*) of every instance under an afl-fuzz -o dir."""
    return sorted(p for kind in ("crashes", "hangs")
                  for p in Path(out_dir).glob(f"*/{kind}/id:*") if p.is_file())


def _collect_afl_findings(out_dir, crash_dir):
    """Copy AFL crashes/hangs into crash_dir as crash-<sha1>/timeout-<sha1> (libFuzzer's
    naming, identical inputs once); return the copies."""
    out = []
    for p in _afl_findings(out_dir):
        data = p.read_bytes()
        kind = "timeout" if p.parent.name == "hangs" else "crash"
        dest = Path(crash_dir) / f"{kind}-{hashlib.sha1(data).hexdigest()}"
        if not dest.exists():
            dest.write_bytes(data)
        if dest not in out:
            out.append(dest)
    return sorted(out)


def fuzz_target(engine, build, target, run_dir, seconds, jobs, corpus_root=None):
    """Fuzz one target with one engine (binary from the build dir); return its result row."""
    binary = binary_path(build, target)
    if engine == "afl":
        return fuzz_afl(binary, target, run_dir, seconds, jobs, corpus_root)
    return fuzz_libfuzzer(binary, target, run_dir, seconds, jobs, corpus_root)


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


def new_output_dir(out_root, name):
    """A fresh directory out_root/<name>-<UTC timestamp>[-n]."""
    stamp = DRIVER.utc_now().strftime("%Y%m%dT%H%M%SZ")
    for n in range(100):
        path = Path(out_root) / (f"{name}-{stamp}" + (f"-{n}" if n else ""))
        try:
            path.mkdir(parents=True)
            return path
        except FileExistsError:
            continue
    raise DRIVER.DriverError(f"cannot create a fresh directory under {out_root}")


def repo_path(path):
    """A command-line path: absolute as given, relative ones from the repo root."""
    path = Path(path)
    return path if path.is_absolute() else DRIVER.ROOT / path


def build_or_reuse(preset, no_build, canary=None, log=None):
    """The build dir of preset: built now (DRIVER.build_preset), or the existing tree with
    --no-build."""
    if no_build:
        return DRIVER.build_dir(preset, canary)
    return DRIVER.build_preset(preset, log=log, canary=canary)


def cmd_run(args):
    """`run TARGET`: build the engine's preset, fuzz one target, print a summary; exit 1 if
    it found crashes, 130 on Ctrl-C."""
    target = parse_targets(args.target)
    if len(target) != 1:
        raise DRIVER.DriverError("run: give exactly one target", exit_code=2)
    target, seconds = target[0], parse_duration(args.time)
    if args.jobs < 1:
        raise DRIVER.DriverError("run: --jobs must be at least 1", exit_code=2)
    build = build_or_reuse(ENGINE_PRESET[args.engine], args.no_build, args.canary)
    run_dir = new_output_dir(repo_path(args.out), f"{target}-{args.engine}")
    try:
        row = fuzz_target(args.engine, build, target, run_dir, seconds, args.jobs,
                          repo_path(args.corpus_root))
    except KeyboardInterrupt:
        stop_all_children()
        print(f"run: interrupted; partial output in {rel(run_dir)}", file=sys.stderr)
        return 130
    print_summary(row)
    if row.get("error"):
        raise DRIVER.DriverError(f"run: {row['error']}")
    return 1 if row["crashes_total"] else 0


# ---------------------------------------------------------------------------------------------
# regression: replay through the replay driver (dev/asan) or a libFuzzer binary (nightly)

REPLAY_LINE = re.compile(r"replay: (\d+) inputs run, (\d+) unreadable")


def replay_dirs(target, corpus_root=None):
    """The directories a target's regression replays, in order, that exist and hold files:
    regressions/<T>, <T> seeds, real, negative."""
    root = Path(corpus_root) if corpus_root else DRIVER.ROOT / "corpus"
    files = target_files(target, root)
    dirs = [files["regressions"], files["seeds"], root / "real", root / "negative"]
    return [d for d in dirs if files_in(d)]


def replay_target(binary, target, dirs, timeout=1800):
    """Replay every dir through a replay-driver binary (`bin/T DIR`); when a dir fails,
    re-run its files one by one to name the culprits. Returns {inputs, failures: [(file,
    reason)]}."""
    inputs, failures = 0, []
    for d in dirs:
        rc, out = run_captured([str(binary), str(d)], timeout=timeout)
        m = REPLAY_LINE.findall(out)
        if rc == 0 and m:
            inputs += int(m[-1][0])
            continue
        for path in files_in(d):
            frc, fout = run_captured([str(binary), str(path)], timeout=timeout)
            inputs += 1
            if frc != 0:
                failures.append((rel(path), _failure_reason(frc, fout)))
        if rc != 0 and not failures:
            failures.append((rel(d), f"exit {rc} replaying the directory, but no single file "
                                     f"fails alone"))
    return {"inputs": inputs, "failures": failures}


def _failure_reason(rc, out):
    """A one-line reason from a failed replay: the CF_CHECK/sanitizer line, or the exit code."""
    if rc is None:
        return "timed out"
    sig = crash_signature(out)
    return f"{sig['kind']}: {sig['summary']}" if sig else f"exit {rc}"


def cmd_regression(args):
    """`regression`: build dev or asan, replay regressions, seeds, real and negative files
    through every target; exit 1 naming the failing files."""
    targets = parse_targets(args.targets)
    build = build_or_reuse(args.preset, args.no_build)
    corpus_root = repo_path(args.corpus_root)
    failed = []
    for target in targets:
        binary = binary_path(build, target)
        dirs = replay_dirs(target, corpus_root)
        result = replay_target(binary, target, dirs)
        verdict = "ok" if not result["failures"] else f"FAIL ({len(result['failures'])})"
        print(f"regression: {target:<15} {result['inputs']:>6} inputs from "
              f"{', '.join(rel(d) for d in dirs) or 'nothing'}: {verdict}", flush=True)
        for path, reason in result["failures"]:
            print(f"  {path}: {reason}", flush=True)
            failed.append(f"{target} {path}")
        if result["inputs"] == 0:
            failed.append(f"{target}: no inputs")
    if failed:
        raise DRIVER.DriverError(f"regression: {len(failed)} failures: " + "; ".join(failed[:10]))
    print(f"regression: {len(targets)} targets ok (preset {args.preset})")
    return 0


# ---------------------------------------------------------------------------------------------
# minimize


def merge_into(binary, dest, sources, options, log_path=None):
    """`bin -merge=1 dest sources...` (libFuzzer): copy into dest every source input that adds
    coverage to what dest already has. Returns the parsed merge summary; DriverError if the
    merge fails."""
    sources = [str(s) for s in sources if files_in(s)]
    Path(dest).mkdir(parents=True, exist_ok=True)
    if not sources:
        return {"files": 0, "features": 0, "edges": 0}
    cmd = [str(binary), "-merge=1", *option_flags(options, REPLAY_OPTION_KEYS), str(dest),
           *sources]
    print(f"+ {' '.join(cmd)}", flush=True)
    rc, out = run_captured(cmd, timeout=3600)
    if log_path:
        Path(log_path).write_text(out, encoding="utf-8")
    summary = parse_libfuzzer_output(out)["merge"]
    if rc != 0 or summary is None:
        tail = " | ".join(out.strip().splitlines()[-3:])
        raise DRIVER.DriverError(f"merge into {rel(dest)} failed (exit {rc}): {tail}")
    return summary


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
    files = target_files(target, corpus_root)
    seeds, regressions = files["seeds"], files["regressions"]
    before = dir_stats(seeds)
    if not files_in(seeds) and not files_in(regressions):
        print(f"minimize: {target}: nothing to minimize", flush=True)
        return before, before
    tmp = seeds.parent / f".{target}.min-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        merge_into(binary, tmp, [seeds, regressions], read_options(files["options"]))
        for path in files_in(regressions):
            dest = tmp / path.name
            if dest.exists() and dest.read_bytes() != path.read_bytes():
                dest = tmp / f"regression-{path.name}"
            if not dest.exists():
                shutil.copyfile(path, dest)
        replace_dir(seeds, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return before, dir_stats(seeds)


def cmd_minimize(args):
    """`minimize`: shrink every target's seed corpus by a libFuzzer merge, keeping every
    reproducer; print before/after counts and bytes."""
    targets = parse_targets(args.targets)
    build = build_or_reuse("fuzz", args.no_build)
    corpus_root = repo_path(args.corpus_root)
    for target in targets:
        (n0, b0), (n1, b1) = minimize_target(binary_path(build, target), target, corpus_root)
        print(f"minimize: {target:<15} {n0:>5} files {human_bytes(b0):>9} -> "
              f"{n1:>5} files {human_bytes(b1):>9}", flush=True)
    return 0


# ---------------------------------------------------------------------------------------------
# gen


def cmd_gen(args):
    """`gen`: build dev, run cf_seedgen (--real corpus/real --out DIR), print per-target counts."""
    build = build_or_reuse("dev", args.no_build)
    seedgen = build / "bin" / "cf_seedgen"
    if not seedgen.is_file():
        raise DRIVER.DriverError(f"gen: {rel(seedgen)} does not exist")
    out = repo_path(args.out)
    DRIVER.run_checked([str(seedgen), "--real", str(DRIVER.ROOT / "corpus" / "real"),
                        "--out", str(out)], "gen")
    for target in DRIVER.FUZZ_TARGETS:
        n, size = dir_stats(out / target)
        print(f"gen: {target:<15} {n:>5} files {human_bytes(size):>9} in {rel(out / target)}")
    return 0


# ---------------------------------------------------------------------------------------------
# nightly stages (called by the driver's cmd_nightly)


def build_fuzz_stage(engines, log_path):
    """Nightly `build-fuzz`: build the fuzz preset (and afl if an engine needs it)."""
    presets = sorted({"fuzz"} | {ENGINE_PRESET[e] for e in engines}, key=["fuzz", "afl"].index)
    try:
        with open(log_path, "w", encoding="utf-8") as log:
            for preset in presets:
                DRIVER.build_preset(preset, log=log)
    except DRIVER.DriverError as e:
        raise DRIVER.DriverError(f"{e} (output in {Path(log_path).name})") from e
    return {"presets": ",".join(presets), "log": Path(log_path).name}


def libfuzzer_replay(binary, paths, options, timeout=1800):
    """Run every file once through a libFuzzer binary (file arguments), continuing past
    failures. Returns {inputs, failures: [(file, output)]}."""
    inputs, failures, pending = 0, [], [str(p) for p in paths]
    flags = option_flags(options, REPLAY_OPTION_KEYS)
    while pending:
        batch = DRIVER.batches(pending)[0]
        rc, out = run_captured([str(binary), *flags, *batch], timeout=timeout)
        executed = re.findall(r"^Executed (.+) in \d+ ms$", out, re.M)
        inputs += len(executed)
        if rc == 0:
            pending = pending[len(batch):]
            continue
        running = re.findall(r"^Running: (.+)$", out, re.M)
        culprit = running[-1] if running else batch[0]
        failures.append((culprit, out))
        inputs += 1
        pending = pending[pending.index(culprit) + 1:] if culprit in pending else pending[len(batch):]
    return {"inputs": inputs, "failures": failures}


def regression_stage(targets, corpus_root, findings, run_dir):
    """Nightly `regression`: every reproducer, seed, real and negative file through each
    target's libFuzzer binary (build/fuzz), each run once. Failing files are added to
    `findings` for the crashes stage; the stage fails if any file fails."""
    build = DRIVER.build_dir("fuzz")
    total, failed = 0, []
    for target in targets:
        binary = binary_path(build, target)
        options = read_options(target_files(target, corpus_root)["options"])
        paths = [p for d in replay_dirs(target, corpus_root) for p in files_in(d)]
        result = libfuzzer_replay(binary, paths, options)
        total += result["inputs"]
        for path, out in result["failures"]:
            findings.append({"target": target, "artifact": rel(path), "source": "regression"})
            failed.append(f"{target} {rel(path)}")
        verdict = "ok" if not result["failures"] else f"FAIL ({len(result['failures'])})"
        print(f"regression: {target:<15} {result['inputs']:>6} inputs: {verdict}", flush=True)
    extra = {"inputs": total, "failed": len(failed)}
    if failed:
        raise DRIVER.DriverError(f"{len(failed)} inputs fail: " + "; ".join(failed[:5]))
    return extra


def fuzz_stage(targets, engines, budget_s, jobs, run_dir, corpus_root, rows):
    """Nightly `fuzz`: every target with every engine, the budget split evenly; result rows
    are appended to `rows` as they finish. Crashes do not fail this stage (the crashes stage
    reports them); a run that could not fuzz at all does."""
    seconds = split_budget(budget_s, len(targets) * len(engines))
    builds = {e: DRIVER.build_dir(ENGINE_PRESET[e]) for e in engines}
    errors = []
    for i, target in enumerate(targets, 1):
        for engine in engines:
            print(f"fuzz: [{i}/{len(targets)}] {target} with {engine} for {seconds} s, "
                  f"{jobs} job{'s' if jobs != 1 else ''}", flush=True)
            out = Path(run_dir) / "fuzz" / f"{target}-{engine}"
            try:
                row = fuzz_target(engine, builds[engine], target, out, seconds, jobs, corpus_root)
            except DRIVER.DriverError as e:
                row = {"target": target, "engine": engine, "seconds": seconds, "jobs": jobs,
                       "error": str(e), "crashes_total": 0, "crash_files": [],
                       "run_dir": rel(out)}
            rows.append(row)
            if row.get("error"):
                errors.append(f"{target}/{engine}: {row['error']}")
    extra = {"seconds_per_run": seconds, "runs": len(rows),
             "executions": sum(r.get("executions") or 0 for r in rows),
             "crash_files": sum(r.get("crashes_total") or 0 for r in rows)}
    if errors:
        raise DRIVER.DriverError("; ".join(errors[:5]))
    return extra


def merge_stage(rows, corpus_root):
    """Nightly `merge`: merge each run's new inputs (libFuzzer run corpus, AFL queues) into
    corpus/<T> with -merge=1, so the seed corpus grows; records files added per target."""
    build = DRIVER.build_dir("fuzz")
    added = 0
    for row in rows:
        if row.get("error") and not row.get("run_dir"):
            continue
        run_dir = DRIVER.ROOT / row["run_dir"]
        sources = [run_dir / "corpus"] + sorted(run_dir.glob("afl/*/queue"))
        files = target_files(row["target"], corpus_root)
        before = {p.name for p in files_in(files["seeds"])}
        summary = merge_into(binary_path(build, row["target"]), files["seeds"], sources,
                             read_options(files["options"]),
                             log_path=run_dir / "merge.log")
        new = sorted({p.name for p in files_in(files["seeds"])} - before)
        row["merged_files"] = len(new)
        row["merged_edges"] = summary["edges"]
        row["merged_names"] = [rel(files["seeds"] / n) for n in new]
        added += len(new)
        print(f"merge: {row['target']:<15} {row['engine']:<9} +{len(new)} files "
              f"(+{summary['edges']} edges) into {rel(files['seeds'])}", flush=True)
    return {"files_added": added}


def replay_artifact(binary, artifact, options, timeout):
    """Replay one artifact through a libFuzzer binary; (exit code, output)."""
    return run_captured([str(binary), *option_flags(options, REPLAY_OPTION_KEYS), str(artifact)],
                        timeout=timeout)


def crashes_stage(rows, findings, run_dir, corpus_root, holder):
    """Nightly `crashes`: replay every crash/timeout artifact of the fuzz runs (and every
    failing regression file) with the fuzz binary, dedup by stack token, store the unique
    crashes in holder['unique'] and per-target counts in the rows; fail if there are any."""
    build = DRIVER.build_dir("fuzz")
    all_findings = list(findings) + [{"target": r["target"], "artifact": a, "source": "fuzz"}
                                     for r in rows for a in r.get("crash_files", [])]
    logs = Path(run_dir) / "crashes"
    replayed = []
    for i, f in enumerate(all_findings):
        if i >= MAX_REPLAYS:
            break
        options = read_options(target_files(f["target"], corpus_root)["options"])
        timeout = float(options.get("timeout", 25)) + 60
        try:
            binary = binary_path(build, f["target"])
        except DRIVER.DriverError:
            continue
        rc, out = replay_artifact(binary, DRIVER.ROOT / f["artifact"], options, timeout)
        sig = (crash_signature(out) if rc != 0 else None) or (
            no_repro_signature(f["target"]) if rc == 0 else
            _signature("unknown", [], [f["target"], str(rc)], f"exit {rc}"))
        logs.mkdir(parents=True, exist_ok=True)
        log = logs / f"{sig['token']}.txt"
        if not log.exists():
            log.write_text(out, encoding="utf-8")
        replayed.append({**f, "signature": sig})
        print(f"crashes: {f['artifact']}: {sig['kind']} [{sig['token']}]", flush=True)
    unique = group_crashes(replayed)
    for u in unique:
        u["log"] = rel(logs / f"{u['token']}.txt")
    for row in rows:
        tokens = {r["signature"]["token"] for r in replayed if r["target"] == row["target"]
                  and r["artifact"] in row.get("crash_files", [])}
        row["crashes_unique"] = len(tokens)
    holder.update(total=len(all_findings), replayed=len(replayed), unique=unique)
    extra = {"total": len(all_findings), "unique": len(unique)}
    if unique:
        raise DRIVER.DriverError(f"{len(unique)} unique crashes from {len(all_findings)} "
                                 f"artifacts: " + ", ".join(f"{u['target']} {u['kind']} "
                                                            f"[{u['token']}]" for u in unique[:5]))
    return extra


def nightly_fuzz_plan(args, run_dir, fuzz):
    """The nightly's fuzz stages as (name, action) pairs; they fill the report's `fuzz` object
    (runs, crashes) as they go. Used by the driver's cmd_nightly."""
    corpus_root = repo_path(getattr(args, "corpus_root", None) or "corpus")
    engines = fuzz["engines"]
    findings = []
    return [
        ("build-fuzz", lambda: build_fuzz_stage(engines, Path(run_dir) / "build-fuzz.log")),
        ("regression", lambda: regression_stage(fuzz["targets"], corpus_root, findings, run_dir)),
        ("fuzz", lambda: fuzz_stage(fuzz["targets"], engines, fuzz["budget_s"], fuzz["jobs"],
                                    run_dir, corpus_root, fuzz["runs"])),
        ("merge", lambda: merge_stage(fuzz["runs"], corpus_root)),
        ("crashes", lambda: crashes_stage(fuzz["runs"], findings, run_dir, corpus_root,
                                          fuzz["crashes"])),
    ]


# ---------------------------------------------------------------------------------------------
# command table

NO_BUILD = (("--no-build",), {"action": "store_true",
                              "help": "use the existing build tree instead of building"})
TARGETS = (("--targets",), {"default": "", "help": "comma-separated targets (default all)"})
CORPUS_ROOT = (("--corpus-root",), {"default": "corpus",
                                    "help": "corpus directory (default corpus)"})

COMMANDS = {
    "run": (cmd_run, "fuzz one target with libFuzzer or AFL++ and summarise the run", [
        (("target",), {"metavar": "TARGET", "help": "fuzz target (fuzz_inspect, ...)"}),
        (("--engine",), {"default": "libfuzzer", "choices": ENGINES,
                         "help": "fuzzing engine (default libfuzzer)"}),
        (("--time",), {"default": "60", "help": "fuzzing time: 90s, 5m, 1h or seconds (default 60)"}),
        (("--jobs",), {"type": int, "default": 1,
                       "help": "parallel jobs: libFuzzer -fork=N, AFL++ main + N-1 secondaries"}),
        (("--out",), {"default": "out/run", "help": "output root (default out/run)"}),
        (("--canary",), {"default": None, "help": "fuzz a build with this canary planted"}),
        CORPUS_ROOT, NO_BUILD]),
    "regression": (cmd_regression, "replay reproducers, seeds, real and negative files "
                                   "through every target's replay build", [
        (("--preset",), {"default": "asan", "choices": ("dev", "asan"),
                         "help": "replay build (default asan)"}),
        TARGETS, CORPUS_ROOT, NO_BUILD]),
    "minimize": (cmd_minimize, "shrink corpus/<target>/ by a libFuzzer merge, keeping every "
                               "reproducer", [TARGETS, CORPUS_ROOT, NO_BUILD]),
    "gen": (cmd_gen, "write seed corpora with cf_seedgen", [
        (("--out",), {"default": "corpus", "help": "output root (default corpus)"}),
        NO_BUILD]),
}
