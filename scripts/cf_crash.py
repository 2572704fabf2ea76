"""cf_crash: compactfuzz subcommands (loaded by scripts/compactfuzz). Standard library only.

`reproduce FILE`: replay a crashing input under ASan/UBSan, name the finding (oracle verdict or
symbolised stack) with a dedup token, minimise it with libFuzzer, store it as a regression
input (one ctest case per file) and print a draft GoogleTest case (docs/reproduce.md).

`coverage`: clang source-based coverage over ctest and every corpus, as HTML plus a core/
summary (docs/coverage.md).
"""

import hashlib
import json
import math
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

DRIVER = None  # scripts/compactfuzz's globals, set by load_extensions()

ROOT = Path(__file__).resolve().parent.parent

# ---------------------------------------------------------------------------------------------
# Sanitizer environment

SYMBOLIZERS = ("/usr/bin/llvm-symbolizer-14", "/usr/lib/llvm-14/bin/llvm-symbolizer")
ASAN_OPTIONS = "symbolize=1:abort_on_error=1:detect_leaks=1"
UBSAN_OPTIONS = "print_stacktrace=1:halt_on_error=1"
RUN_TIMEOUT_S = 600  # one replay of one input; longer is reported as a hang


def symbolizer_path():
    """The llvm-symbolizer to hand ASan/UBSan: clang-14's, else any on PATH, else None."""
    for candidate in SYMBOLIZERS:
        if os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("llvm-symbolizer")


def sanitizer_env(base=None):
    """The environment a reproduction runs in: symbolised, aborting, leak-checking reports."""
    env = dict(os.environ if base is None else base)
    env["ASAN_OPTIONS"] = ASAN_OPTIONS
    env["UBSAN_OPTIONS"] = UBSAN_OPTIONS
    symbolizer = symbolizer_path()
    if symbolizer:
        env["ASAN_SYMBOLIZER_PATH"] = symbolizer
    return env


# ---------------------------------------------------------------------------------------------
# Parsing what a run printed

CHECK_LINE = re.compile(r"^(?P<file>[^\s:][^:]*):(?P<line>\d+): CF_CHECK\((?P<cond>.*)\) failed: (?P<reason>.*)$",
                        re.M)
FRAME_LINE = re.compile(r"^\s*#(?P<index>\d+)\s+0x[0-9a-fA-F]+(?:\s+in\s+(?P<rest>.*)|\s+(?P<module>\(.*\)))?\s*$")
BUILD_ID = re.compile(r"\s+\(BuildId: [0-9a-fA-F]+\)$")
SOURCE_LOCATION = re.compile(r"^(?P<function>.*) (?P<file>\S+?):(?P<line>\d+)(?::(?P<column>\d+))?$")
MODULE_LOCATION = re.compile(r"^(?P<function>.*) \((?P<module>[^()]+)\+0x[0-9a-fA-F]+\)$")
ERROR_LINE = re.compile(r"^(?:==\d+==)?ERROR: (?P<text>\w*Sanitizer: .*)$", re.M)
UBSAN_ERROR = re.compile(r"^(?P<text>\S+:\d+:\d+: runtime error: .*)$", re.M)
SUMMARY_LINE = re.compile(r"^SUMMARY: (?P<text>\w*Sanitizer: .*)$", re.M)

# Directories of this repository whose code counts as "in-project" for a stack frame.
PROJECT_DIRS = ("core", "oracles", "harness", "tools", "tests", "bench")
# Paths and function prefixes that are never the project's, even if a directory name matches.
FOREIGN_PATHS = ("/usr/", "compiler-rt/", "llvm-toolchain", "/sysdeps/", "csu/", "libc-start")
RUNTIME_FUNCTIONS = ("__asan", "__ubsan", "__sanitizer", "__interceptor", "__lsan", "fuzzer::", "__libc_",
                     "std::", "__gnu_cxx::")
LIBC_FUNCTIONS = {"_start", "abort", "raise", "malloc", "calloc", "realloc", "free", "operator new",
                  "operator new[]", "operator delete", "operator delete[]", "memcpy", "memmove",
                  "memset", "memcmp", "strlen", "gsignal"}

TOKEN_FRAMES = 3  # OSS-Fuzz's "crash state": the top 3 frames (FUZZING.md §4)
TOKEN_HEX = 8


def project_path(path):
    """The repo-relative form (core/x.cc) of a frame's source path if it is project code, else
    None. Matches by the first project directory in the path, so a checkout elsewhere
    (/src/compactfuzz/core/x.cc on OSS-Fuzz) gives the same answer."""
    if not path or any(f in path for f in FOREIGN_PATHS):
        return None
    parts = Path(path).parts
    for i, part in enumerate(parts):
        if part in PROJECT_DIRS and i + 1 < len(parts):
            return "/".join(parts[i:])
    return None


def short_function(name):
    """A frame's function without parameter list, ABI tags or cv-qualifiers, so an edited
    signature or inlining note does not change the dedup token."""
    if not name:
        return ""
    name = name.replace("[abi:cxx11]", "").replace("(anonymous namespace)", "\0")
    depth = 0
    for i, ch in enumerate(name):
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth = max(0, depth - 1)
        elif ch == "(" and depth == 0 and i > 0:
            name = name[:i]
            break
    return name.replace("\0", "(anonymous namespace)").strip()


def parse_frame(line):
    """One stack-trace line -> {index, function, file, line, module}, or None if not a frame."""
    m = FRAME_LINE.match(line.rstrip("\n"))
    if not m:
        return None
    frame = {"index": int(m.group("index")), "function": None, "file": None, "line": None, "module": None}
    rest = BUILD_ID.sub("", m.group("rest") or "").strip()
    if m.group("module"):
        frame["module"] = BUILD_ID.sub("", m.group("module")).strip("()").split("+0x")[0]
        return frame
    src, mod = SOURCE_LOCATION.match(rest), MODULE_LOCATION.match(rest)
    if src:
        frame.update(function=src.group("function"), file=src.group("file"), line=int(src.group("line")))
    elif mod:
        frame.update(function=mod.group("function"), module=mod.group("module"))
    else:
        frame["function"] = rest
    return frame


def first_stack(text):
    """The frames of the first stack in text (the crash site, not 'allocated by' stacks)."""
    frames = []
    for line in text.splitlines():
        frame = parse_frame(line)
        if frame is not None and (frames or frame["index"] == 0):
            if frames and frame["index"] != frames[-1]["index"] + 1:
                break
            frames.append(frame)
        elif frames:
            break
    return frames


def is_project_frame(frame):
    """True for a frame of this project's code (not sanitizer, libFuzzer, libc or std)."""
    function = frame.get("function") or ""
    if function.startswith(RUNTIME_FUNCTIONS):
        return False
    return project_path(frame.get("file")) is not None


def token_of(parts):
    """A short stable hash of the strings that identify a finding."""
    return hashlib.sha1("\n".join(parts).encode()).hexdigest()[:TOKEN_HEX]


def sanitizer_token(frames):
    """Dedup token of a sanitizer report: hash over the top 3 in-project frames' function
    names (no addresses, no line numbers). Falls back to the top 3 non-runtime frames when
    the stack has no project frame at all."""
    mine = [short_function(f["function"]) for f in frames if is_project_frame(f)]
    if not mine:
        mine = [short_function(f["function"]) for f in frames if f.get("function")
                and not f["function"].startswith(RUNTIME_FUNCTIONS)
                and short_function(f["function"]) not in LIBC_FUNCTIONS]
    return token_of(["sanitizer", *mine[:TOKEN_FRAMES]])


def check_token(check):
    """Dedup token of a CF_CHECK finding: hash over the check's file and condition."""
    return token_of(["CF_CHECK", project_path(check["file"]) or Path(check["file"]).name, check["cond"]])


def classify(rc, text):
    """What one run of a target on one input gave, as a dict:
      kind     'none' (passed), 'check' (CF_CHECK oracle finding), 'sanitizer' (ASan/UBSan/LSan
               report), 'timeout', or 'crash' (non-zero exit with neither);
      token    dedup token (None when kind is 'none');
      and per kind: check {file, line, cond, reason, text}; error, summary, frames."""
    if rc == 0:
        return {"kind": "none", "token": None, "rc": rc}
    if rc == "timeout":
        return {"kind": "timeout", "token": token_of(["timeout"]), "rc": rc}
    m = CHECK_LINE.search(text)
    if m:
        check = {"file": m.group("file"), "line": int(m.group("line")), "cond": m.group("cond"),
                 "reason": m.group("reason"), "text": m.group(0)}
        return {"kind": "check", "check": check, "token": check_token(check), "rc": rc}
    error = ERROR_LINE.search(text) or UBSAN_ERROR.search(text)
    summary = SUMMARY_LINE.search(text)
    frames = first_stack(text)
    if error or summary:
        return {"kind": "sanitizer", "error": error.group("text") if error else None,
                "summary": summary.group("text") if summary else None, "frames": frames,
                "token": sanitizer_token(frames), "rc": rc}
    tail = [line for line in text.splitlines() if line.strip()][-3:]
    return {"kind": "crash", "frames": frames, "tail": tail, "rc": rc,
            "token": sanitizer_token(frames) if frames else token_of(["exit", str(rc)])}


def frame_text(frame):
    """One frame as printed: '#3 cf::Walker::check_ctor core/region_walker.cc:231'."""
    where = project_path(frame.get("file")) or frame.get("file") or frame.get("module") or "?"
    line = f":{frame['line']}" if frame.get("line") is not None else ""
    return f"#{frame['index']} {short_function(frame.get('function')) or '?'} {where}{line}"


def describe(finding, target):
    """The lines `reproduce` prints for a finding."""
    kind = finding["kind"]
    out = []
    if kind == "check":
        out.append(f"oracle finding (CF_CHECK) in {target}: {finding['check']['text']}")
    elif kind == "sanitizer":
        out.append(f"sanitizer report in {target}: {finding.get('error') or finding.get('summary')}")
        if finding.get("summary"):
            out.append(f"SUMMARY: {finding['summary']}")
        mine = [f for f in finding["frames"] if is_project_frame(f)]
        out.append(f"in-project frames ({len(mine)} of {len(finding['frames'])}; the token hashes the first "
                   f"{TOKEN_FRAMES}):")
        out += [f"  {frame_text(f)}" for f in mine]
    elif kind == "timeout":
        out.append(f"hang in {target}: no result within {RUN_TIMEOUT_S} s")
    else:
        out.append(f"crash in {target} (exit {finding['rc']}) without a sanitizer report or CF_CHECK line:")
        out += [f"  {line}" for line in finding.get("tail", [])]
        out += [f"  {frame_text(f)}" for f in finding.get("frames", [])]
    out.append(f"dedup token: {finding['token']}")
    return out


# ---------------------------------------------------------------------------------------------
# Running targets


def execute(cmd, env=None, timeout=RUN_TIMEOUT_S, cwd=None):
    """Run cmd in its own process group, capturing stdout+stderr; return (rc, text). rc is the
    string 'timeout' if the deadline passed (the whole group is killed then)."""
    try:
        proc = subprocess.Popen(cmd, cwd=cwd or ROOT, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, start_new_session=True)
    except FileNotFoundError as e:
        raise driver_error(f"{cmd[0]}: not found") from e
    try:
        out, _ = proc.communicate(timeout=timeout)
        return proc.returncode, out.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        return "timeout", out.decode("utf-8", "replace")


def driver_error(message, exit_code=1):
    """A DriverError of the driver's own class (so its main() reports it), ready to raise."""
    return DRIVER.DriverError(message, exit_code)


def run_target(binary, path, runner=None):
    """Run one input through one replay binary under the sanitizer environment; classify it."""
    runner = runner or execute
    rc, text = runner([str(binary), str(path)], env=sanitizer_env())
    finding = classify(rc, text)
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
# Minimising, storing, the draft test


def minimize_env():
    """The sanitizer environment plus DEDUP_TOKEN lines, so libFuzzer's minimiser itself stops
    when a smaller input crashes somewhere else (a different top 3 frames)."""
    env = sanitizer_env()
    for key in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
        env[key] += ":dedup_token_length=3"
    return env


def minimize(fuzz_binary, data, seconds, keep, runner=None, clock=time.monotonic):
    """Shrink data with libFuzzer's crash minimiser within `seconds` of wall time: each round
    runs `fuzz_binary -minimize_crash=1 -max_total_time=<time left> -exact_artifact_path=<tmp>`
    on the best input so far, and keeps its result only if it is smaller and keep(result) is
    true (the caller checks it still gives the same dedup token). A round that ends on another
    bug is retried with the next -seed. Returns (best bytes, rounds, rounds kept)."""
    runner = runner or execute
    deadline = clock() + seconds
    best, rounds, kept = data, 0, 0
    with tempfile.TemporaryDirectory(prefix="cf-minimize-") as tmp:
        current, artifact = Path(tmp) / "current", Path(tmp) / "minimized"
        while len(best) > 1 and clock() < deadline:
            rounds += 1
            left = max(1, math.ceil(deadline - clock()))
            current.write_bytes(best)
            artifact.unlink(missing_ok=True)
            cmd = [str(fuzz_binary), "-minimize_crash=1", f"-max_total_time={left}", f"-seed={rounds}",
                   f"-exact_artifact_path={artifact}", f"-artifact_prefix={tmp}/", str(current)]
            if rounds == 1:
                print(f"+ {' '.join(cmd)}", flush=True)
            rc, text = runner(cmd, env=minimize_env(), timeout=left + 60, cwd=tmp)
            if "did not crash" in text:
                print(f"minimize: {Path(fuzz_binary).name} does not crash on the input; nothing to minimise",
                      flush=True)
                break
            result = artifact.read_bytes() if artifact.is_file() else b""
            if result and len(result) < len(best) and keep(result):
                best, kept = result, kept + 1
            if "failed to minimize beyond" in text:
                break  # a whole round's budget without a smaller crash: done
    return best, rounds, kept


def stored_name(token, data):
    """The reproducer's file name: <dedup token>-<first 12 hex of sha1(content)>."""
    return f"{token}-{hashlib.sha1(data).hexdigest()[:12]}"


def store(directory, token, data):
    """Write data as directory/<stored_name>; return (path, already) where already is True if
    the same bytes were stored before (under this name or another token)."""
    directory = Path(directory)
    name = stored_name(token, data)
    suffix = name.rsplit("-", 1)[1]
    if directory.is_dir():
        for existing in sorted(directory.glob(f"*-{suffix}")):
            if existing.is_file() and existing.read_bytes() == data:
                return existing, True
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    tmp = directory / f".{name}.tmp"
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return path, False


def ctest_name(target, name):
    """The ctest case harness/CMakeLists.txt registers for corpus/regressions/<target>/<name>."""
    return f"regression.{target}.{name}"


def ctest_command(build, target, name):
    """The command line that runs exactly that case in a build tree."""
    regex = "^" + re.escape(ctest_name(target, name)).replace("\\-", "-") + "$"
    return f"cmake --build {build} && ctest --test-dir {build} --output-on-failure -R '{regex}'"


DRAFT_HEAD = """\
// Draft regression test for corpus/regressions/{target}/{name}
// (printed by `scripts/compactfuzz reproduce`; dedup token {token}). It replays the stored input
// through {target}'s oracles from oracles/catalogue.h, so it fails while the bug is present
// (a finding, or an ASan/UBSan report in the asan preset) and passes once it is fixed.
// Paste into a tests/*_test.cc (e.g. tests/regression_test.cc, listed in CF_UNIT_TESTS).
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>
{includes}
TEST(Regression, {test}) {{
  const std::string path = CF_SOURCE_DIR "/corpus/regressions/{target}/{name}";
  std::ifstream stream(path, std::ios::binary);
  ASSERT_TRUE(stream) << "cannot read " << path;
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(stream)), std::istreambuf_iterator<char>());
{body}}}
"""

# target -> (extra #include lines, test body). Each body replays what harness/<target>.cc does.
DRAFT_BODIES = {
    "fuzz_inspect": ("""
#include "tools/inspect.h"
""", """\
  // fuzz_inspect: regiontool inspect's parse + walk, canonical and lenient, must agree.
  cf::tool::InspectOptions canonical, lenient;
  lenient.walk.canonical = false;
  const auto strict = cf::tool::inspect_bytes("input", bytes, canonical);
  const auto loose = cf::tool::inspect_bytes("input", bytes, lenient);
  EXPECT_TRUE(strict.exit_code == 0 || strict.exit_code == 1) << "exit code " << strict.exit_code;
  if (!strict.error) {
    ASSERT_FALSE(loose.error) << "lenient rejected what canonical accepted: " << loose.error->describe();
    EXPECT_EQ(strict.summary->objects, loose.summary->objects);
    EXPECT_EQ(strict.summary->max_depth, loose.summary->max_depth);
    EXPECT_LE(strict.summary->work, 8 * (bytes.size() / 8 + 1));
  }
"""),
    "fuzz_load": ("""
#include "oracles/catalogue.h"
""", """\
  // fuzz_load's oracles: path differential, validate-then-walk (the dump reads every field,
  // so an over-read is an ASan report here too) and the work bound, on the file as one part.
  const cf::oracles::FileUnit unit{{path}, {bytes}};
  for (const cf::oracles::Verdict& v : {cf::oracles::path_differential(unit), cf::oracles::validate_then_walk(unit),
                                        cf::oracles::work_bound(unit, 4)})
    EXPECT_NE(v.outcome, cf::oracles::Outcome::finding) << v.oracle << ": " << v.reason;
"""),
    "fuzz_chain": ("""
#include "harness/chain_input.h"
#include "oracles/catalogue.h"
""", """\
  // fuzz_chain's container (harness/chain_input.h) decoded, then the chain-wide catalogue
  // oracles: path differential, validate-then-walk, work bound. (The harness's dep-order
  // permutation check has no catalogue entry; replay the file with build/asan/bin/fuzz_chain
  // for that one.)
  const cf::fuzz::ChainInput chain = cf::fuzz::decode_chain(bytes);
  cf::oracles::FileUnit unit;
  for (size_t k = 0; k < chain.regions.size(); ++k) {
    unit.names.push_back("region " + std::to_string(k));
    unit.bytes.push_back(chain.regions[k]);
  }
  for (const cf::oracles::Verdict& v : {cf::oracles::path_differential(unit), cf::oracles::validate_then_walk(unit),
                                        cf::oracles::work_bound(unit, 4)})
    EXPECT_NE(v.outcome, cf::oracles::Outcome::finding) << v.oracle << ": " << v.reason;
"""),
    "fuzz_io": ("""
#include <cstdio>

#include "core/io.h"
#include "oracles/catalogue.h"
""", """\
  // fuzz_io: bytes 0-1 choose the fault schedule, the rest is the file (harness/fuzz_io.cc).
  // The clean load and the faulted load must agree, or the faulted one fail cleanly.
  if (bytes.size() < 2) GTEST_SKIP() << "fuzz_io ignores inputs under 2 bytes";
  const std::vector<uint8_t> file(bytes.begin() + 2, bytes.end());
  const std::string copy = testing::TempDir() + "fuzz_io_regression.olean";
  {
    std::ofstream out(copy, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(file.data()), static_cast<std::streamsize>(file.size()));
    ASSERT_TRUE(out.good()) << "cannot write " << copy;
  }
  const uint64_t n = bytes[1] == 0 ? 1 : bytes[1];
  cf::FaultIo faulty = [&] {
    switch (bytes[0] % 5) {
      case 0: return cf::FaultIo({{cf::IoCall::read, n, cf::IoEffect::eintr}});
      case 1: return cf::FaultIo({}, true, n);
      case 2: return cf::FaultIo({{cf::IoCall::malloc, n, cf::IoEffect::no_memory}});
      case 3: return cf::FaultIo({{cf::IoCall::mmap, n, cf::IoEffect::mmap_miss}});
      default: return cf::FaultIo({{cf::IoCall::read, n, cf::IoEffect::fail_eio}});
    }
  }();
  const cf::oracles::FileUnit unit{{copy}, {file}};
  cf::FaultIo clean_io;
  const auto clean = cf::oracles::observe_load_files(unit, cf::LoadPath::slow, clean_io);
  const auto faulted = cf::oracles::observe_load_files(unit, cf::LoadPath::automatic, faulty);
  const cf::oracles::Verdict v = cf::oracles::judge_io(clean, {faulted});
  std::remove(copy.c_str());
  EXPECT_NE(v.outcome, cf::oracles::Outcome::finding) << v.oracle << ": " << v.reason;
"""),
    "fuzz_roundtrip": ("""
#include "harness/roundtrip_input.h"
#include "oracles/catalogue.h"
""", """\
  // fuzz_roundtrip: the input describes a generated graph (harness/roundtrip_input.h: knobs
  // from the tail, seed from all of it); the catalogue's graph oracles must hold on it.
  const cf::fuzz::RoundTripCase c = cf::fuzz::roundtrip_case(bytes);
  for (const cf::oracles::Verdict& v : {cf::oracles::strategy_differential(c.graph), cf::oracles::round_trip(c.graph),
                                        cf::oracles::idempotence(c.graph)})
    EXPECT_NE(v.outcome, cf::oracles::Outcome::finding) << v.oracle << ": " << v.reason;
"""),
}


def test_identifier(target, name):
    """A GoogleTest name for the reproducer: FuzzLoad_<token>_<sha12>."""
    camel = "".join(w.capitalize() for w in target.split("_"))
    return camel + "_" + re.sub(r"[^0-9A-Za-z]", "_", name)


def render_draft(target, name, token):
    """The draft GoogleTest case that replays corpus/regressions/<target>/<name>."""
    if target not in DRAFT_BODIES:
        raise KeyError(f"no draft test template for target {target}")
    includes, body = DRAFT_BODIES[target]
    return DRAFT_HEAD.format(target=target, name=name, token=token, includes=includes,
                             test=test_identifier(target, name), body=body)


# ---------------------------------------------------------------------------------------------
# reproduce


def known_canaries():
    """The canary names core/CMakeLists.txt accepts (set(CF_CANARIES ...))."""
    text = (ROOT / "core" / "CMakeLists.txt").read_text(encoding="utf-8")
    m = re.search(r"set\(CF_CANARIES([^)]*)\)", text)
    return m.group(1).split() if m else []


def check_reproduce_args(args):
    """Usage errors of `reproduce` (exit 2): missing file, unknown target or canary, bad time."""
    path = Path(args.file)
    if not path.is_file():
        raise driver_error(f"reproduce: {args.file}: no such file", exit_code=2)
    if args.target and args.target not in DRIVER.FUZZ_TARGETS:
        raise driver_error(f"reproduce: no target {args.target} (have {', '.join(DRIVER.FUZZ_TARGETS)})", 2)
    if args.canary and args.canary not in known_canaries():
        raise driver_error(f"reproduce: no canary {args.canary} (have {', '.join(known_canaries()) or 'none'})", 2)
    if args.time <= 0:
        raise driver_error("reproduce: --time must be positive", exit_code=2)
    return path


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
        fuzz = DRIVER.build_preset("fuzz", canary=args.canary) / "bin" / target
        best, rounds, kept = minimize(fuzz, original, args.time, same_token, runner)
    except DRIVER.DriverError as e:
        print(f"minimize: skipped ({e}); keeping the original", flush=True)
        return original
    if len(best) < len(original):
        print(f"minimize: {len(original)} -> {len(best)} bytes, same token {finding['token']} "
              f"({kept} of {rounds} libFuzzer rounds kept)", flush=True)
    else:
        print(f"minimize: no smaller input with token {finding['token']} in {args.time} s "
              f"({rounds} libFuzzer rounds); keeping the original {len(original)} bytes", flush=True)
    return best


def cmd_reproduce(args):
    """`reproduce`: replay FILE under ASan/UBSan, name and minimise the finding, store it as a
    regression input and print its ctest case and a draft test. Exit 1 if it reproduced."""
    path = check_reproduce_args(args)
    asan = DRIVER.build_preset("asan", canary=args.canary)
    targets = [args.target] if args.target else list(DRIVER.FUZZ_TARGETS)
    binaries = [(t, asan / "bin" / t) for t in targets]
    absent = [str(b) for _, b in binaries if not b.is_file()]
    if absent:
        raise driver_error(f"reproduce: not built: {', '.join(absent)}")
    target, finding = detect_target(path, binaries)
    if target is None:
        for t in targets:
            print(f"no crash: {args.file} passes every oracle of {t}")
        return 0
    if not args.target:
        print(f"reproduce: target {target} (the first of {', '.join(targets)} that fails)")
    print("\n".join(describe(finding, target)), flush=True)
    data = minimized_bytes(args, target, path, finding, asan / "bin" / target)
    if args.no_store:
        print("reproduce: --no-store: nothing written")
        return 1
    stored, already = store(ROOT / "corpus" / "regressions" / target, finding["token"], data)
    rel = stored.relative_to(ROOT)
    print(f"reproduce: {'already stored' if already else 'stored'} {rel} ({len(data)} bytes)")
    print(f"ctest case: {ctest_name(target, stored.name)}")
    for build in [DRIVER.build_dir("asan", args.canary)] + ([DRIVER.build_dir("asan")] if args.canary else []):
        note = " (fails while the bug is planted)" if build.name != "asan" else ""
        print(f"run it{note}: {ctest_command(build.relative_to(ROOT), target, stored.name)}")
    print("draft test (paste into tests/regression_test.cc):\n")
    print(render_draft(target, stored.name, finding["token"]))
    return 1


# ---------------------------------------------------------------------------------------------
# coverage

LLVM_PROFDATA = "llvm-profdata-14"
LLVM_COV = "llvm-cov-14"
SHOW_IGNORE = r"(^/usr/|/build/)"
CORE_IGNORE = r"(^/usr/|/tests/|/build/)"
METRICS = ("lines", "branches", "functions", "regions")
# llvm-cov report column groups: (header of the total column, metric)
REPORT_COLUMNS = {"Regions": "regions", "Functions": "functions", "Lines": "lines", "Branches": "branches"}


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
    parts = [f"{words[m]} coverage {numbers[m]['percent']:.2f}% ({numbers[m]['covered']}/{numbers[m]['total']})"
             for m in METRICS if m in numbers]
    return "core/ " + ", ".join(parts)


def instrumented_objects(bin_dir, targets):
    """The binaries the report covers: the test executables, the fuzz targets, regiontool."""
    bin_dir = Path(bin_dir)
    tests = sorted(p for p in bin_dir.glob("*_test") if p.is_file())
    rest = [bin_dir / t for t in (*targets, "regiontool") if (bin_dir / t).is_file()]
    return [str(p) for p in tests + rest]


def replay_inputs(target):
    """The corpus directories replayed through one target (those that exist and hold files)."""
    dirs = [ROOT / "corpus" / target, ROOT / "corpus" / "regressions" / target,
            ROOT / "corpus" / "real", ROOT / "corpus" / "negative"]
    return [d for d in dirs if d.is_dir() and any(p.is_file() for p in d.rglob("*"))]


def cov_command(tool, objects, profdata, *extra):
    """An llvm-cov command over all objects: the first as the main object, the rest -object."""
    cmd = [LLVM_COV, tool, objects[0], f"-instr-profile={profdata}"]
    for o in objects[1:]:
        cmd += ["-object", o]
    return cmd + list(extra)


def cmd_coverage(args):
    """`coverage`: build the coverage preset, run ctest and replay every corpus with profiling
    on, merge, write HTML + summary.txt + summary.json under <out>/<UTC timestamp>/."""
    started = DRIVER.utc_now()
    build = DRIVER.build_preset("coverage")
    prof = build / "prof"
    shutil.rmtree(prof, ignore_errors=True)
    prof.mkdir(parents=True)
    env = dict(os.environ, LLVM_PROFILE_FILE=str(prof / "%p-%m.profraw"))
    notes = []
    if not args.no_tests:
        print("+ ctest --preset coverage", flush=True)
        rc, lines = DRIVER.run_streamed(["ctest", "--preset", "coverage"], env=env)
        summary = DRIVER.parse_ctest_summary("".join(lines))
        if rc != 0:
            notes.append(f"ctest exit {rc}" + (f": {summary[1]} of {summary[2]} failed" if summary else ""))
    for target in DRIVER.FUZZ_TARGETS:
        binary = build / "bin" / target
        if not binary.is_file():
            notes.append(f"{target}: not built")
            continue
        for d in replay_inputs(target):
            rc, text = execute([str(binary), str(d)], env=env)
            ran = re.search(r"replay: \d+ inputs run, \d+ unreadable", text)
            print(f"coverage: {target} {d.relative_to(ROOT)}: {ran.group(0) if ran else 'exit ' + str(rc)}",
                  flush=True)
            if rc != 0:
                notes.append(f"{target} on {d.relative_to(ROOT)} exit {rc} (its profile is lost if it aborted)")
    raws = sorted(str(p) for p in prof.glob("*.profraw"))
    if not raws:
        raise driver_error("coverage: no .profraw files were written")
    out_root = Path(args.out) if Path(args.out).is_absolute() else ROOT / args.out
    run_dir = DRIVER.new_run_dir(out_root, started)
    profdata = run_dir / "coverage.profdata"
    DRIVER.run_checked([LLVM_PROFDATA, "merge", "-sparse", *raws, "-o", str(profdata)], "coverage: merge")
    objects = instrumented_objects(build / "bin", DRIVER.FUZZ_TARGETS)
    DRIVER.run_checked(cov_command("show", objects, profdata, "-format=html", f"-output-dir={run_dir / 'html'}",
                                   f"-ignore-filename-regex={SHOW_IGNORE}", "-show-branches=count"),
                       "coverage: html")
    report = subprocess.run(cov_command("report", objects, profdata, f"-ignore-filename-regex={CORE_IGNORE}",
                                        str(ROOT / "core")), cwd=ROOT, capture_output=True, text=True)
    if report.returncode != 0:
        raise driver_error(f"coverage: llvm-cov report failed: {report.stderr.strip()[:400]}")
    (run_dir / "summary.txt").write_text(report.stdout, encoding="utf-8")
    print(report.stdout)
    numbers = parse_cov_report(report.stdout)
    line = summary_line(numbers)
    (run_dir / "summary.json").write_text(json.dumps({
        "schema": "compactfuzz-coverage/1", "started": DRIVER.iso(started), "finished": DRIVER.iso(DRIVER.utc_now()),
        "git_commit": DRIVER.git_commit(), "scope": "core/", "core": numbers, "summary": line,
        "objects": [os.path.relpath(o, ROOT) for o in objects], "profraw_files": len(raws),
        "ctest": "skipped" if args.no_tests else "run", "notes": notes,
        "html": "html/index.html"}, indent=1) + "\n", encoding="utf-8")
    DRIVER.update_latest(run_dir)
    for n in notes:
        print(f"coverage: note: {n}")
    print(line)
    print(f"coverage: report {run_dir.relative_to(ROOT) if run_dir.is_relative_to(ROOT) else run_dir}/html/index.html")
    return 0


# name -> (function(args), help, [(flags, argparse kwargs)]), merged into SUBCOMMANDS
COMMANDS = {
    "reproduce": (cmd_reproduce, "replay a crashing input under ASan/UBSan, minimise, store it as a "
                                 "regression test and print a draft test (exit 1 if it crashes)", [
        (("file",), {"metavar": "FILE", "help": "the input to reproduce"}),
        (("--target",), {"help": "fuzz target to run it through (default: the first that fails)"}),
        (("--canary",), {"help": "plant this bug (CF_CANARY, docs/canaries.md) in the builds used"}),
        (("--no-minimize",), {"action": "store_true", "help": "store the input as given"}),
        (("--no-store",), {"action": "store_true", "help": "do not write corpus/regressions/"}),
        (("--time",), {"type": int, "default": 60, "metavar": "S",
                       "help": "minimisation budget in seconds (default 60)"}),
    ]),
    "coverage": (cmd_coverage, "source-based coverage of ctest + every corpus: HTML and a core/ summary", [
        (("--no-tests",), {"action": "store_true", "help": "skip ctest; replay the corpora only"}),
        (("--out",), {"default": "out/coverage", "help": "report root, relative to the repo (default out/coverage)"}),
    ]),
}
