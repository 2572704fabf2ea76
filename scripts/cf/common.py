"""common: what every job of the driver shares.

The repository root, the driver's one error type, the fuzz-target table, running commands (streamed
to the terminal, or captured in their own process group so that Ctrl-C or a deadline stops a whole
tree), the one sanitizer environment, output directories, option parsing, the per-target corpus
files, and the one reader of corpus/real/MANIFEST.tsv and EXPECTED.json.
"""

import configparser
import csv
import datetime
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# The fuzz targets (harness/fuzz_<name>.cc), in the order `reproduce` tries them. Each has
# corpus/<target>/ seeds, corpus/<target>.dict and .options, and corpus/regressions/<target>/.
FUZZ_TARGETS = ("fuzz_inspect", "fuzz_load", "fuzz_roundtrip", "fuzz_chain", "fuzz_io", "fuzz_snapshot",
                "fuzz_diff_load", "fuzz_diff_compact")

# Configure/build presets in CMakePresets.json, and the ones that also have a ctest preset.
PRESETS = ("dev", "release", "asan", "tsan", "fuzz", "afl", "coverage")
TEST_PRESETS = ("dev", "release", "asan", "tsan", "coverage")

MAX_ARGS_CHARS = 100_000  # batch command lines well below ARG_MAX


class DriverError(Exception):
    """A failure the driver explains in one message; carries the exit code to use (1 a failed
    build, test or check; 2 a usage error or a set-up that needs root)."""

    def __init__(self, message, exit_code=1):
        super().__init__(message)
        self.exit_code = exit_code


# ---------------------------------------------------------------------------------------------
# Paths


def rel(path):
    """A path relative to the repo root when it is inside it, else absolute (as a string)."""
    path = Path(path).resolve()
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def repo_path(path):
    """A command-line path: absolute as given, relative ones from the repo root."""
    path = Path(path)
    return path if path.is_absolute() else ROOT / path


def build_dir(preset, canary=None):
    """The build tree of a preset: build/<preset>, or build/<preset>-canary-<name> for a build
    with a planted bug (CF_CANARY, docs/canaries.md)."""
    return ROOT / "build" / (preset if not canary else f"{preset}-canary-{canary}")


def binary_path(build, name):
    """build/<preset>/bin/<name>; DriverError if it was not built."""
    path = Path(build) / "bin" / name
    if not path.is_file():
        raise DriverError(f"{rel(path)} does not exist (was the target built?)")
    return path


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


# ---------------------------------------------------------------------------------------------
# Running commands


def run_streamed(cmd, env=None, log=None):
    """Run cmd in the repo root, echoing output live (and into log); return (rc, output lines)."""
    lines = []
    try:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, errors="replace")
    except FileNotFoundError as e:
        raise DriverError(f"{cmd[0]}: not found on PATH (run scripts/compactfuzz setup)") from e
    with proc:
        for line in proc.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            lines.append(line)
            if log is not None:
                log.write(line)
    return proc.returncode, lines


def run_checked(cmd, what, env=None, log=None):
    """Run cmd streamed; raise DriverError naming `what` if it fails."""
    print(f"+ {' '.join(cmd)}", flush=True)
    rc, lines = run_streamed(cmd, env=env, log=log)
    if rc != 0:
        raise DriverError(f"{what}: `{' '.join(cmd)}` failed with exit code {rc}")
    return lines


_CHILDREN = set()


def start_group(cmd, env=None, cwd=None, **kwargs):
    """Popen cmd (in the repo root unless cwd) as the leader of a new process group, recorded
    for stop_all_children."""
    try:
        proc = subprocess.Popen(cmd, cwd=cwd or ROOT, env=env, start_new_session=True, **kwargs)
    except FileNotFoundError as e:
        raise DriverError(f"{cmd[0]}: not found (run scripts/compactfuzz setup)") from e
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
    """Stop every process group start_group started that is still recorded."""
    for proc in list(_CHILDREN):
        stop_group(proc, grace=2.0)


def run_captured(cmd, timeout=None, env=None, cwd=None):
    """Run cmd (own process group) to completion under `env` (default: sanitizer_env());
    return (exit code, stdout+stderr text). Exit code None means it was still running after
    `timeout` seconds, and its whole group was killed."""
    proc = start_group(cmd, env=sanitizer_env() if env is None else env, cwd=cwd,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       errors="replace")
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
# The sanitizer environment: every replay, reproduction and fuzzing run of the driver uses it.

SYMBOLIZERS = ("/usr/bin/llvm-symbolizer-14", "/usr/lib/llvm-14/bin/llvm-symbolizer")
SANITIZER_OPTIONS = {"ASAN_OPTIONS": "symbolize=1:abort_on_error=1:detect_leaks=1",
                     "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1"}


def symbolizer_path():
    """The llvm-symbolizer to hand ASan/UBSan: clang-14's, else any on PATH, else None."""
    for candidate in SYMBOLIZERS:
        if os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("llvm-symbolizer-14") or shutil.which("llvm-symbolizer")


def sanitizer_env(extra_options="", base=None):
    """`base` (default os.environ) with the project's sanitizer options (they replace what the
    environment had, so a report reads the same on every machine), `extra_options` appended to
    both option strings, and ASAN_SYMBOLIZER_PATH."""
    env = dict(os.environ if base is None else base)
    for key, value in SANITIZER_OPTIONS.items():
        env[key] = value + (f":{extra_options}" if extra_options else "")
    symbolizer = symbolizer_path()
    if symbolizer:
        env["ASAN_SYMBOLIZER_PATH"] = symbolizer
    return env


# ---------------------------------------------------------------------------------------------
# Time and output directories


def utc_now():
    """The current time, UTC, aware."""
    return datetime.datetime.now(datetime.timezone.utc)


def iso(t):
    """ISO 8601 UTC with a Z suffix, to the second."""
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def stamp(t):
    """A UTC time as a directory name: 20261124T181500Z."""
    return t.strftime("%Y%m%dT%H%M%SZ")


def git_commit():
    """HEAD's commit id, or None outside git or before the first commit."""
    try:
        proc = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT,
                              capture_output=True, text=True)
    except FileNotFoundError:
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def fresh_dir(parent, name):
    """Create parent/name (parent/name-1, -2, ... if it exists) and return it."""
    for n in range(100):
        path = Path(parent) / (name if n == 0 else f"{name}-{n}")
        try:
            path.mkdir(parents=True)
            return path
        except FileExistsError:
            continue
    raise DriverError(f"cannot create a fresh directory {name} under {parent}")


def update_latest(run_dir):
    """Atomically point run_dir's sibling `latest` symlink at run_dir."""
    run_dir = Path(run_dir)
    tmp = run_dir.parent / f".latest.{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(run_dir.name)
    os.replace(tmp, run_dir.parent / "latest")


# ---------------------------------------------------------------------------------------------
# Command-line values

DURATION = re.compile(r"(?:\d+(?:\.\d+)?[hms])+|\d+(?:\.\d+)?")
DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)([hms])")
UNIT_SECONDS = {"h": 3600, "m": 60, "s": 1}


def parse_duration(text):
    """Seconds (int) from '90s', '5m', '1h', '1h30m' or plain seconds '300'; DriverError (exit
    code 2) for anything else or for zero."""
    text = str(text).strip().lower()
    if not DURATION.fullmatch(text):
        raise DriverError(f"bad duration {text!r}: use e.g. 90s, 5m, 1h or seconds", exit_code=2)
    if text[-1].isdigit():
        seconds = float(text)
    else:
        seconds = sum(float(n) * UNIT_SECONDS[u] for n, u in DURATION_PART.findall(text))
    if seconds < 1:
        raise DriverError(f"duration {text!r} is shorter than a second", exit_code=2)
    return int(round(seconds))


def parse_targets(text):
    """The targets of a comma-separated --targets value (all of FUZZ_TARGETS when empty);
    DriverError (exit code 2) naming any unknown one."""
    if not text:
        return list(FUZZ_TARGETS)
    targets = [t.strip() for t in text.split(",") if t.strip()]
    unknown = [t for t in targets if t not in FUZZ_TARGETS]
    if unknown or not targets:
        raise DriverError(f"no fuzz target named {', '.join(unknown) or repr(text)} "
                          f"(have {', '.join(FUZZ_TARGETS)})", exit_code=2)
    return targets


def batches(paths, limit=MAX_ARGS_CHARS):
    """Split paths into lists whose joined length stays under limit."""
    out, current, size = [], [], 0
    for p in paths:
        if current and size + len(p) + 1 > limit:
            out.append(current)
            current, size = [], 0
        current.append(p)
        size += len(p) + 1
    return out + [current] if current else out


# ---------------------------------------------------------------------------------------------
# Per-target corpus files

# Option keys of corpus/<target>.options [libfuzzer] that also apply when only replaying or
# merging (max_len would truncate long seeds there, so it is left out).
REPLAY_OPTION_KEYS = ("timeout", "rss_limit_mb", "malloc_limit_mb")


def target_files(target, corpus_root=None):
    """The per-target corpus paths: seeds dir, .dict, .options, regressions dir."""
    root = Path(corpus_root) if corpus_root else ROOT / "corpus"
    return {"seeds": root / target, "dict": root / f"{target}.dict",
            "options": root / f"{target}.options", "regressions": root / "regressions" / target}


def read_options(path):
    """The [libfuzzer] section of a .options file as {key: value}; {} if there is none."""
    parser = configparser.ConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error as e:
        raise DriverError(f"{path}: not an ini file: {e}") from e
    return dict(parser["libfuzzer"]) if parser.has_section("libfuzzer") else {}


def option_flags(options, keys=None):
    """libFuzzer flags -key=value for the options (only `keys`, if given), in a stable order."""
    return [f"-{k}={v}" for k, v in sorted(options.items()) if keys is None or k in keys]


# ---------------------------------------------------------------------------------------------
# corpus/real: MANIFEST.tsv and EXPECTED.json, read here and nowhere else

LATER_PARTS = (".server", ".private")  # a save chain: X.olean, X.olean.server, X.olean.private


def real_dir():
    """corpus/real, where the real Lean files and their MANIFEST live."""
    return ROOT / "corpus" / "real"


def read_manifest(path=None):
    """MANIFEST.tsv rows as dicts (the header row gives the keys)."""
    with open(path or real_dir() / "MANIFEST.tsv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def read_expected(path=None):
    """EXPECTED.json entries keyed by file."""
    with open(path or real_dir() / "EXPECTED.json", encoding="utf-8") as f:
        return {e["file"]: e for e in json.load(f)}


def corpus_path(name):
    """The repo-relative path of a MANIFEST file as given to regiontool."""
    return f"corpus/real/{name}"


def load_inputs(rows):
    """The loadable units of MANIFEST rows, as lists of repo-relative paths: every file that
    loads alone (not a .olean.server or .olean.private part), then every save chain (.olean,
    .olean.server, .olean.private of one build) with more than one part."""
    later = tuple(".olean" + s for s in LATER_PARTS)
    by_key = {(r["repo"], r["commit"], r["original_path"]): r for r in rows}
    inputs = [[corpus_path(r["file"])] for r in rows if not r["original_path"].endswith(later)]
    for r in rows:
        if not r["original_path"].endswith(".olean"):
            continue
        keys = [(r["repo"], r["commit"], r["original_path"] + s) for s in LATER_PARTS]
        parts = [r] + [by_key[k] for k in keys if k in by_key]
        if len(parts) > 1:
            inputs.append([corpus_path(p["file"]) for p in parts])
    return inputs
