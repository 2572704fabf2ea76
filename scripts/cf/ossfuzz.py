"""ossfuzz: the `oss-fuzz` subcommand: build the fuzz targets with scripts/oss-fuzz/build.sh exactly as OSS-Fuzz's
base-builder would (its compiler flags and variables, libFuzzer, one sanitizer), then check
each target the way OSS-Fuzz's bad_build_check does before it accepts a build
(docs/oss-fuzz.md).
"""

import configparser
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from cf import common

# base-builder's flags (infra/base-images/base-clang, base-builder): every build gets
# COMMON_FLAGS + the sanitizer's flags + the engine's coverage flags, in CFLAGS and CXXFLAGS.
# Not copied: OSS-Fuzz also adds -stdlib=libc++ to CXXFLAGS (its own libc++ build); Debian's
# clang-14 has no libc++ installed here, so the local build keeps libstdc++.
COMMON_FLAGS = "-O1 -fno-omit-frame-pointer -gline-tables-only -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION"
UBSAN_CHECKS = ("array-bounds,bool,builtin,enum,float-divide-by-zero,function,"
                "integer-divide-by-zero,null,object-size,return,returns-nonnull-attribute,shift,"
                "signed-integer-overflow,{unsigned}unreachable,vla-bound,vptr")
# unsigned-integer-overflow is compiled in but recoverable (absent from -fno-sanitize-recover),
# and base-runner's UBSAN_OPTIONS has silence_unsigned_overflow=1 (RUNTIME_ENV below): OSS-Fuzz
# checks it and never reports it. Hashing code wraps on purpose, so the same holds here.
SANITIZER_FLAGS = {
    "address": "-fsanitize=address -fsanitize-address-use-after-scope",
    "undefined": (f"-fsanitize={UBSAN_CHECKS.format(unsigned='unsigned-integer-overflow,')} "
                  f"-fno-sanitize-recover={UBSAN_CHECKS.format(unsigned='')}"),
}
LIBFUZZER_COVERAGE_FLAGS = "-fsanitize=fuzzer-no-link"
LIBFUZZER_ENGINE = "-fsanitize=fuzzer"

# base-runner's runtime options (the subset that matters for these checks).
RUNTIME_ENV = {
    "ASAN_OPTIONS": ("alloc_dealloc_mismatch=0:allocator_may_return_null=1:"
                     "allocator_release_to_os_interval_ms=500:check_malloc_usable_size=0:"
                     "detect_container_overflow=1:detect_odr_violation=0:detect_leaks=1:"
                     "detect_stack_use_after_return=1:fast_unwind_on_fatal=0:handle_abort=1:"
                     "handle_segv=1:handle_sigill=1:max_uar_stack_size_log=16:print_scariness=1:"
                     "quarantine_size_mb=10:strict_memcmp=1:symbolize=1:use_sigaltstack=1:"
                     "dedup_token_length=3"),
    "UBSAN_OPTIONS": ("print_stacktrace=1:print_summary=1:silence_unsigned_overflow=1:"
                      "symbolize=1:dedup_token_length=3"),
}
SYMBOLIZER = "/usr/lib/llvm-14/bin/llvm-symbolizer"

# bad_build_check's thresholds: edges a real target shows, sanitizer call sites a build with
# that sanitizer has, and __ubsan_handle call sites tolerated in a non-UBSan build (the ASan
# runtime carries the UBSan handlers).
MIN_EDGES = 100
MIN_SANITIZER_CALLS = 100
MAX_UBSAN_CALLS_NON_UBSAN = 200
STARTUP_RUNS = 4
# OSS-Fuzz's reproduction limits, used when the .options file sets none.
DEFAULT_TIMEOUT = 25
DEFAULT_RSS_LIMIT_MB = 2560

EDGES = re.compile(r"INFO: Loaded \d+ modules? +\((\d+) (?:inline 8-bit counters|guards)\)")
SANITIZER_CALL = re.compile(r"\bcall[lq]?\s+(?:\*?0x)?[0-9a-f]+\s+<(__asan|__ubsan_handle|__msan|__dfsan)")
DICT_ENTRY = re.compile(r'^(?:[A-Za-z0-9_]+\s*=\s*)?"((?:[^"\\]|\\\\|\\"|\\x[0-9A-Fa-f]{2})*)"$')
OPTION_NAME = re.compile(r"^[a-z_]+$")
TARGET_NAME = re.compile(r"^[A-Za-z0-9_-]+$")


# ---------------------------------------------------------------------------------------------
# The build


def ossfuzz_env(sanitizer, src, work, out, base=None):
    """The environment base-builder's `compile` gives build.sh for a libFuzzer build with
    `sanitizer` (clang-14 as CC/CXX), on top of `base` (default os.environ)."""
    if sanitizer not in SANITIZER_FLAGS:
        raise common.DriverError(f"oss-fuzz: no sanitizer {sanitizer!r} "
                                 f"(have {', '.join(SANITIZER_FLAGS)})", exit_code=2)
    flags = f"{COMMON_FLAGS} {SANITIZER_FLAGS[sanitizer]} {LIBFUZZER_COVERAGE_FLAGS}"
    env = dict(os.environ if base is None else base)
    env.update({
        "CC": "clang-14", "CXX": "clang++-14", "CCC": "clang++-14",
        "CFLAGS": flags, "CXXFLAGS": flags,
        "LIB_FUZZING_ENGINE": LIBFUZZER_ENGINE,
        "SANITIZER": sanitizer, "FUZZING_ENGINE": "libfuzzer", "ARCHITECTURE": "x86_64",
        "FUZZING_LANGUAGE": "c++",
        "SRC": str(src), "WORK": str(work), "OUT": str(out),
    })
    return env


def runtime_env(base=None):
    """The environment targets run in: base-runner's sanitizer options, and the symbolizer."""
    env = dict(os.environ if base is None else base)
    env.update(RUNTIME_ENV)
    if Path(SYMBOLIZER).exists():
        env.setdefault("ASAN_SYMBOLIZER_PATH", SYMBOLIZER)
        env.setdefault("UBSAN_SYMBOLIZER_PATH", SYMBOLIZER)
    return env


def harness_targets(root):
    """The fuzz targets, one per harness/fuzz_*.cc (the rule build.sh uses)."""
    return sorted(p.stem for p in (Path(root) / "harness").glob("fuzz_*.cc"))


def run_build(sanitizer, out_root):
    """Run scripts/oss-fuzz/build.sh with OSS-Fuzz's variables; return the $OUT directory.
    $SRC is a temporary directory holding a `compactfuzz` symlink to the repository, as in
    the base-builder image; $WORK (the CMake tree) is kept between runs, $OUT is emptied."""
    root = common.ROOT
    work, out = out_root / "work", out_root / "out"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    work.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cf-oss-fuzz-src-") as src:
        (Path(src) / "compactfuzz").symlink_to(root, target_is_directory=True)
        env = ossfuzz_env(sanitizer, src, work, out)
        script = Path(src) / "compactfuzz" / "scripts" / "oss-fuzz" / "build.sh"
        print(f"oss-fuzz: CC={env['CC']} CXX={env['CXX']} SANITIZER={sanitizer} "
              f"LIB_FUZZING_ENGINE={env['LIB_FUZZING_ENGINE']}\n"
              f"oss-fuzz: CFLAGS=CXXFLAGS={env['CFLAGS']}\n"
              f"oss-fuzz: SRC={src} WORK={work} OUT={out}", flush=True)
        common.run_checked(["bash", str(script)], f"oss-fuzz: build ({sanitizer})", env=env)
    return out


# ---------------------------------------------------------------------------------------------
# Static checks: the files beside each binary


def options_problems(path):
    """(the [libfuzzer] options as a dict, problems): the .options file must parse as an ini
    file with a [libfuzzer] section of libFuzzer flag names and non-empty values."""
    path = Path(path)
    if not path.is_file():
        return {}, [f"{path.name} missing"]
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(path.read_text(encoding="utf-8"), source=str(path))
    except (configparser.Error, UnicodeDecodeError) as e:
        first = str(e).splitlines()[0]
        return {}, [f"{path.name} does not parse: {first}"]
    if not parser.has_section("libfuzzer"):
        return {}, [f"{path.name} has no [libfuzzer] section"]
    options, problems = dict(parser.items("libfuzzer")), []
    for key, value in options.items():
        if not OPTION_NAME.match(key):
            problems.append(f"{path.name}: {key!r} is not a libFuzzer flag name")
        elif not value.strip():
            problems.append(f"{path.name}: {key} has no value")
        elif key in ("max_len", "timeout", "rss_limit_mb", "malloc_limit_mb", "len_control",
                     "use_value_profile") and not value.strip().isdigit():
            problems.append(f"{path.name}: {key} = {value!r} is not a non-negative integer")
    return options, problems


def dict_problems(path):
    """Problems with a libFuzzer/AFL dictionary: each line blank, a # comment, or
    [name=]"token" with only \\\\, \\" and \\xNN escapes; at least one token."""
    path = Path(path)
    if not path.is_file():
        return [f"{path.name} missing"]
    problems, tokens = [], 0
    for n, line in enumerate(path.read_text(encoding="latin-1").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if DICT_ENTRY.match(line):
            tokens += 1
        elif len(problems) < 3:
            problems.append(f"{path.name}:{n}: not a dictionary entry: {line[:60]}")
    if tokens == 0 and not problems:
        problems.append(f"{path.name} has no entries")
    return problems


def seed_zip_problems(path):
    """(number of seeds, problems): the seed corpus must be a readable, flat, non-empty zip."""
    path = Path(path)
    if not path.is_file():
        return 0, [f"{path.name} missing"]
    try:
        with zipfile.ZipFile(path) as z:
            bad = z.testzip()
            names = [i.filename for i in z.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, OSError) as e:
        return 0, [f"{path.name} is not a readable zip: {e}"]
    problems = []
    if bad is not None:
        problems.append(f"{path.name}: {bad} fails its CRC")
    nested = [n for n in names if "/" in n]
    if nested:
        problems.append(f"{path.name} is not flat: {nested[0]}")
    if not names:
        problems.append(f"{path.name} holds no seeds")
    return len(names), problems


def binary_problems(path):
    """Problems with the target itself: present, executable, an ELF file."""
    path = Path(path)
    if not path.is_file():
        return [f"{path.name} missing"]
    problems = []
    if not os.access(path, os.X_OK):
        problems.append(f"{path.name} is not executable")
    with open(path, "rb") as f:
        if f.read(4) != b"\x7fELF":
            problems.append(f"{path.name} is not an ELF executable")
    return problems


def static_checks(out, target):
    """Check the four files OSS-Fuzz looks for next to a target; return a result dict with
    the seed count, the parsed options and a list of problems."""
    out = Path(out)
    options, opt_problems = options_problems(out / f"{target}.options")
    seeds, zip_problems = seed_zip_problems(out / f"{target}_seed_corpus.zip")
    problems = (binary_problems(out / target) + zip_problems
                + dict_problems(out / f"{target}.dict") + opt_problems)
    if not TARGET_NAME.match(target):
        problems.append(f"{target}: OSS-Fuzz allows letters, digits, _ and - in target names")
    return {"target": target, "seeds": seeds, "options": options, "problems": problems,
            "edges": None, "sanitizer": "-"}


# ---------------------------------------------------------------------------------------------
# Dynamic checks: what the binary does


def parse_edges(text):
    """The instrumented edge count from libFuzzer's 'INFO: Loaded N modules (E inline 8-bit
    counters)' banner (summed over modules), or None if there is no banner."""
    found = EDGES.findall(text)
    return sum(int(n) for n in found) if found else None


def count_sanitizer_calls(disassembly):
    """Call sites per sanitizer runtime ({'asan','ubsan','msan','dfsan'}) in objdump -d text,
    the way bad_build_check counts them."""
    counts = {"asan": 0, "ubsan": 0, "msan": 0, "dfsan": 0}
    names = {"__asan": "asan", "__ubsan_handle": "ubsan", "__msan": "msan", "__dfsan": "dfsan"}
    for m in SANITIZER_CALL.finditer(disassembly):
        counts[names[m.group(1)]] += 1
    return counts


def sanitizer_problems(sanitizer, counts):
    """Problems when the call counts do not show `sanitizer` alone (mixed or missing builds)."""
    problems = []
    if sanitizer == "address":
        if counts["asan"] < MIN_SANITIZER_CALLS:
            problems.append(f"not built with ASan ({counts['asan']} __asan call sites)")
        if counts["ubsan"] > MAX_UBSAN_CALLS_NON_UBSAN:
            problems.append(f"mixed: {counts['ubsan']} __ubsan_handle call sites in an ASan build")
    elif sanitizer == "undefined":
        if counts["ubsan"] < MIN_SANITIZER_CALLS:
            problems.append(f"not built with UBSan ({counts['ubsan']} __ubsan_handle call sites)")
        if counts["asan"] > 0:
            problems.append(f"mixed: {counts['asan']} __asan call sites in a UBSan build")
    for other in ("msan", "dfsan"):
        if counts[other] > 0:
            problems.append(f"mixed: {counts[other]} __{other} call sites")
    return problems


def disassemble(binary):
    """objdump -d of the binary (llvm-objdump-14 if binutils is absent)."""
    tool = shutil.which("objdump") or shutil.which("llvm-objdump-14")
    if tool is None:
        raise common.DriverError("oss-fuzz: neither objdump nor llvm-objdump-14 is on PATH")
    result = subprocess.run([tool, "-d", "--no-show-raw-insn", str(binary)],
                            capture_output=True, text=True, errors="replace")
    if result.returncode != 0:
        raise common.DriverError(f"oss-fuzz: {tool} -d {binary} failed: {result.stderr.strip()}")
    return result.stdout


def run_target(cmd, timeout, env):
    """Run a target (own process group); return (exit code, combined output). A hang is exit
    code None."""
    return common.run_captured(cmd, timeout=timeout, env=env)


def last_lines(text, n=6):
    """The last n non-empty lines of text, indented, for a failure message."""
    lines = [l for l in text.splitlines() if l.strip()][-n:]
    return "\n".join("      " + l for l in lines)


def engine_flags(options, out):
    """-flag=value arguments from a .options [libfuzzer] section (dict resolved in $OUT)."""
    flags = []
    for key, value in options.items():
        if key == "dict":
            value = str(Path(out) / value) if not os.path.isabs(value) else value
        flags.append(f"-{key}={value}")
    return flags


def dynamic_checks(out, result, sanitizer):
    """Edges, sanitizer runtime, startup runs and seed replay for one target; adds to
    result's problems and fills edges and sanitizer."""
    out, target = Path(out), result["target"]
    binary, env = out / target, runtime_env()
    counts = count_sanitizer_calls(disassemble(binary))
    bad = sanitizer_problems(sanitizer, counts)
    result["sanitizer"] = f"{sanitizer} ({counts['asan' if sanitizer == 'address' else 'ubsan']})"
    if bad:
        result["sanitizer"] = "BAD"
        result["problems"] += bad
    options = {k: v for k, v in result["options"].items() if k not in ("runs",)}
    options.setdefault("timeout", str(DEFAULT_TIMEOUT))
    options.setdefault("rss_limit_mb", str(DEFAULT_RSS_LIMIT_MB))
    dict_flag = [f"-dict={out / (target + '.dict')}"] if "dict" not in options else []
    with tempfile.TemporaryDirectory(prefix=f"cf-oss-fuzz-{target}-") as tmp:
        empty, seeds = Path(tmp) / "empty", Path(tmp) / "seeds"
        empty.mkdir()
        seeds.mkdir()
        # Startup: a few runs from an empty corpus (this also loads the dictionary and prints
        # the edge banner).
        cmd = [str(binary), f"-runs={STARTUP_RUNS}", "-seed=1337",
               *engine_flags(options, out), *dict_flag, str(empty)]
        rc, text = run_target(cmd, 120, env)
        result["edges"] = parse_edges(text)
        if rc != 0:
            result["problems"].append(f"startup ({' '.join(cmd[1:-1])}) exited with "
                                      f"{'a hang' if rc is None else rc}:\n{last_lines(text)}")
        elif result["edges"] is None:
            result["problems"].append("no libFuzzer 'INFO: Loaded N modules' banner at startup")
        elif result["edges"] < MIN_EDGES:
            result["problems"].append(f"only {result['edges']} instrumented edges "
                                      f"(OSS-Fuzz wants >= {MIN_EDGES})")
        # Replay: the whole seed corpus, once, under the .options limits.
        zip_path = out / f"{target}_seed_corpus.zip"
        if result["seeds"] and zip_path.is_file():
            with zipfile.ZipFile(zip_path) as z:
                z.extractall(seeds)
            cmd = [str(binary), "-runs=0", *engine_flags(options, out), str(seeds)]
            limit = max(300, int(options["timeout"]) * 4)
            rc, text = run_target(cmd, limit, env)
            if rc != 0:
                result["problems"].append(f"seed corpus replay ({result['seeds']} seeds) exited "
                                          f"with {'a hang' if rc is None else rc}:\n"
                                          f"{last_lines(text)}")
    return result


# ---------------------------------------------------------------------------------------------
# The command


def print_table(results):
    """The per-target table, then each failing target's problems."""
    print("\ntarget           edges  sanitizer            seeds  result")
    for r in results:
        edges = "-" if r["edges"] is None else str(r["edges"])
        print(f"{r['target']:<16} {edges:>5}  {r['sanitizer']:<20} {r['seeds']:>5}  "
              f"{'ok' if not r['problems'] else 'FAIL'}")
    for r in results:
        for p in r["problems"]:
            print(f"oss-fuzz: {r['target']}: {p}", file=sys.stderr)
    sys.stderr.flush()


def check_out(out, targets, sanitizer, dynamic=True):
    """Run every check over each target in $OUT; return the result dicts."""
    results = []
    for t in targets:
        r = static_checks(out, t)
        if dynamic and not binary_problems(Path(out) / t):
            dynamic_checks(out, r, sanitizer)
        results.append(r)
    return results


def cmd_oss_fuzz(args):
    """`oss-fuzz`: build with scripts/oss-fuzz/build.sh as OSS-Fuzz would, then check each
    target like bad_build_check; exit 1 if any check fails."""
    out_root = Path(args.out) if Path(args.out).is_absolute() else common.ROOT / args.out
    targets = harness_targets(common.ROOT)
    if not targets:
        raise common.DriverError("oss-fuzz: no harness/fuzz_*.cc targets")
    out = run_build(args.sanitizer, out_root)
    results = check_out(out, targets, args.sanitizer)
    print_table(results)
    failed = [r["target"] for r in results if r["problems"]]
    print(f"oss-fuzz: {args.sanitizer}: {len(results) - len(failed)} of {len(results)} targets "
          f"pass{'; failing: ' + ', '.join(failed) if failed else ''} ($OUT = {out})", flush=True)
    return 1 if failed else 0
