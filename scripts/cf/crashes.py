"""crashes: the identity of a crash, and what follows from it.

`classify` reads what a fuzz target printed on one input (a replay-driver build or a libFuzzer
build, under common.sanitizer_env()) and gives the finding and its dedup token. The token is the
one name of a crash everywhere: the nightly's crash deduplication and its report, `reproduce`,
its minimisation (a smaller input is kept only with the same token) and the stored reproducer
`corpus/regressions/<target>/<token>-<sha12>`. docs/reproduce.md states the rule.
"""

import hashlib
import os
import re
from pathlib import Path

CHECK_LINE = re.compile(r"^(?P<file>[^\s:][^:]*):(?P<line>\d+): CF_CHECK\((?P<cond>.*)\) "
                        r"failed: (?P<reason>.*)$", re.M)
FRAME_LINE = re.compile(r"^\s*#(?P<index>\d+)\s+0x[0-9a-fA-F]+"
                        r"(?:\s+in\s+(?P<rest>.*)|\s+(?P<module>\(.*\)))?\s*$")
BUILD_ID = re.compile(r"\s+\(BuildId: [0-9a-fA-F]+\)$")
SOURCE_LOCATION = re.compile(r"^(?P<function>.*) (?P<file>\S+?):(?P<line>\d+)(?::(?P<column>\d+))?$")
MODULE_LOCATION = re.compile(r"^(?P<function>.*) \((?P<module>[^()]+)\+0x[0-9a-fA-F]+\)$")
ERROR_LINE = re.compile(r"^(?:==\d+==)?ERROR: (?P<text>\w*Sanitizer: .*)$", re.M)
UBSAN_ERROR = re.compile(r"^(?P<text>\S+:\d+:\d+: runtime error: .*)$", re.M)
SUMMARY_LINE = re.compile(r"^SUMMARY: (?P<text>\w*Sanitizer: .*)$", re.M)
LIBFUZZER_ERROR = re.compile(r"^==\d+== ?ERROR: libFuzzer: (?P<what>.*)$", re.M)

# Directories of this repository whose code counts as "in-project" for a stack frame.
PROJECT_DIRS = ("core", "oracles", "harness", "tools", "tests", "bench")
# Paths and function prefixes that are never the project's, even if a directory name matches.
FOREIGN_PATHS = ("/usr/", "compiler-rt/", "llvm-toolchain", "/sysdeps/", "csu/", "libc-start")
RUNTIME_FUNCTIONS = ("__asan", "__ubsan", "__sanitizer", "__interceptor", "__lsan", "fuzzer::",
                     "__libc_", "std::", "__gnu_cxx::")
LIBC_FUNCTIONS = {"_start", "abort", "raise", "malloc", "calloc", "realloc", "free", "operator new",
                  "operator new[]", "operator delete", "operator delete[]", "memcpy", "memmove",
                  "memset", "memcmp", "strlen", "gsignal"}
# The harness entry point: frames below it are the engine's or the replay driver's, which
# differ between builds of one target, so they never count.
ENTRY_POINT = "LLVMFuzzerTestOneInput"

TOKEN_FRAMES = 3  # OSS-Fuzz's "crash state": the top 3 frames (FUZZING.md §4)
TOKEN_HEX = 8


# ---------------------------------------------------------------------------------------------
# Stack frames


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
    frame = {"index": int(m.group("index")), "function": None, "file": None, "line": None,
             "module": None}
    rest = BUILD_ID.sub("", m.group("rest") or "").strip()
    if m.group("module"):
        frame["module"] = BUILD_ID.sub("", m.group("module")).strip("()").split("+0x")[0]
        return frame
    src, mod = SOURCE_LOCATION.match(rest), MODULE_LOCATION.match(rest)
    if src:
        frame.update(function=src.group("function"), file=src.group("file"),
                     line=int(src.group("line")))
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


def harness_frames(frames):
    """The frames from the crash site down to the harness entry point (inclusive)."""
    out = []
    for frame in frames:
        out.append(frame)
        if short_function(frame.get("function")) == ENTRY_POINT:
            break
    return out


def token_frames(frames):
    """The frames a sanitizer token hashes: the top 3 in-project frames above the engine; when
    the stack has no project frame at all, the top 3 frames outside the runtimes and libc."""
    frames = harness_frames(frames)
    mine = [f for f in frames if is_project_frame(f)]
    if not mine:
        mine = [f for f in frames if f.get("function")
                and not f["function"].startswith(RUNTIME_FUNCTIONS)
                and short_function(f["function"]) not in LIBC_FUNCTIONS]
    return mine[:TOKEN_FRAMES]


def frame_text(frame, index=True):
    """One frame as printed: '#3 cf::Walker::check_ctor core/region_walker.cc:231'."""
    where = project_path(frame.get("file")) or frame.get("file") or frame.get("module") or "?"
    line = f":{frame['line']}" if frame.get("line") is not None else ""
    text = f"{short_function(frame.get('function')) or '?'} {where}{line}"
    return f"#{frame['index']} {text}" if index else text


# ---------------------------------------------------------------------------------------------
# The finding and its token


def token_of(parts):
    """A short stable hash of the strings that identify a finding."""
    return hashlib.sha1("\n".join(parts).encode()).hexdigest()[:TOKEN_HEX]


def sanitizer_token(frames):
    """Dedup token of a sanitizer report: the function names of token_frames (no addresses,
    no line numbers, no parameter lists)."""
    return token_of(["sanitizer", *(short_function(f["function"]) for f in token_frames(frames))])


def check_token(check):
    """Dedup token of a CF_CHECK finding: hash over the check's file and condition."""
    where = project_path(check["file"]) or Path(check["file"]).name
    return token_of(["CF_CHECK", where, check["cond"]])


SAN_KIND = re.compile(r" on | after |\s*\(| at pc ")


def sanitizer_kind(error):
    """The kind of a sanitizer error text: 'heap-buffer-overflow', 'SEGV', 'undefined-behavior'..."""
    if " runtime error: " in error:
        return "undefined-behavior"
    return SAN_KIND.split(error.split(": ", 1)[-1].strip())[0].strip()


def _check_finding(m):
    """The finding of a CF_CHECK line match."""
    check = {"file": m.group("file"), "line": int(m.group("line")), "cond": m.group("cond"),
             "reason": m.group("reason"), "text": m.group(0)}
    return {"kind": "check", "label": "CF_CHECK", "check": check, "token": check_token(check),
            "summary": m.group(0).strip()}


def classify(rc, text):
    """What one run of a target on one input gave (rc None: killed after a deadline), as a dict:
      kind     'none' (passed), 'check' (a CF_CHECK oracle finding), 'sanitizer' (ASan, UBSan,
               LSan report), 'timeout', 'oom', or 'crash' (non-zero exit with none of these);
      token    the dedup token (None for 'none');
      label    the kind as the nightly report names it ('CF_CHECK', 'heap-buffer-overflow'...);
      summary  the line that says what happened;
      and per kind: check {file, line, cond, reason, text}; error; frames (the first stack)."""
    if rc == 0:
        return {"kind": "none", "token": None, "rc": rc}
    m = CHECK_LINE.search(text)
    finding = _check_finding(m) if m else None
    lf = LIBFUZZER_ERROR.search(text)
    frames = first_stack(text)
    if finding is None and (rc is None or (lf and lf.group("what").startswith("timeout"))):
        finding = {"kind": "timeout", "label": "timeout", "token": token_of(["timeout"]),
                   "summary": lf.group(0).strip() if lf else "no result before the deadline"}
    elif finding is None and lf and lf.group("what").startswith("out-of-memory"):
        finding = {"kind": "oom", "label": "out-of-memory", "token": token_of(["out-of-memory"]),
                   "summary": lf.group(0).strip()}
    error = ERROR_LINE.search(text) or UBSAN_ERROR.search(text)
    summary = SUMMARY_LINE.search(text)
    if finding is None and (error or summary):
        text_of = error.group("text") if error else summary.group("text")
        finding = {"kind": "sanitizer", "label": sanitizer_kind(text_of),
                   "error": error.group("text") if error else None,
                   "summary": summary.group("text") if summary else None,
                   "token": sanitizer_token(frames)}
    if finding is None:
        tail = [line for line in text.splitlines() if line.strip()][-3:]
        finding = {"kind": "crash", "label": lf.group("what").strip() if lf else f"exit {rc}",
                   "tail": tail, "summary": tail[-1] if tail else f"exit {rc}",
                   "token": sanitizer_token(frames) if frames else token_of(["exit", str(rc)])}
    finding.update(rc=rc, frames=frames)
    return finding


def signature(finding):
    """The nightly report's view of a finding: {kind, frames, token, summary}; frames are the
    ones the token hashes (the CF_CHECK for an oracle finding), as 'function file:line'."""
    if finding["kind"] == "check":
        c = finding["check"]
        where = project_path(c["file"]) or c["file"]
        frames = [f"{where}:{c['line']} CF_CHECK({c['cond']})"]
    else:
        frames = [frame_text(f, index=False) for f in token_frames(finding.get("frames", []))]
    summary = finding.get("error") or finding.get("summary") or finding["label"]
    return {"kind": finding["label"], "frames": frames, "token": finding["token"],
            "summary": summary[:300]}


def no_repro_signature(target):
    """Signature of an artifact whose replay did not fail (flaky or state-dependent)."""
    return {"kind": "no-repro", "frames": [], "token": token_of(["no-repro", target]),
            "summary": "replay of the artifact did not fail"}


def describe(finding, target, timeout_s=None):
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
        out.append(f"in-project frames ({len(mine)} of {len(finding['frames'])}; the token hashes "
                   f"the first {TOKEN_FRAMES} above the engine):")
        out += [f"  {frame_text(f)}" for f in mine]
    elif kind == "timeout":
        limit = f"within {timeout_s} s" if timeout_s else "before the deadline"
        out.append(f"hang in {target}: no result {limit} ({finding['summary']})")
    elif kind == "oom":
        out.append(f"out of memory in {target}: {finding['summary']}")
    else:
        out.append(f"crash in {target} (exit {finding['rc']}) without a sanitizer report or "
                   f"CF_CHECK line:")
        out += [f"  {line}" for line in finding.get("tail", [])]
        out += [f"  {frame_text(f)}" for f in finding.get("frames", [])]
    out.append(f"dedup token: {finding['token']}")
    return out


# ---------------------------------------------------------------------------------------------
# Deduplication (nightly)


def group_crashes(findings):
    """Group replayed findings ({target, artifact, signature}) by token: the unique crashes,
    each {token, kind, frames, summary, target, targets, artifact, count, command}, in
    first-seen order."""
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
# Regression storage: corpus/regressions/<target>/<token>-<sha12>, one ctest case each


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
