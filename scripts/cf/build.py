"""build: installing the Debian packages, building presets and running ctest.

The `setup`, `build` and `test` subcommands, and the helpers every other job uses to build
what it needs (`build_preset`, `build_or_reuse`).
"""

import os
import re
import shutil
import subprocess
import sys

from cf import common

# Every Debian package the project needs, and what needs it. `setup` installs the missing ones.
PACKAGES = {
    "cmake": "configures the build; CMakePresets.json v6 needs cmake >= 3.25",
    "ninja-build": "the generator of every preset",
    "g++-12": "compiler of the dev preset (Debug, -Werror)",
    "gcc-12": "C compiler of the dev preset (googletest enables C)",
    "clang-14": "compiler of release, asan, tsan, fuzz and coverage presets",
    "libclang-rt-14-dev": "sanitizer runtimes and libFuzzer for asan, tsan and fuzz",
    "llvm-14": "llvm-symbolizer for sanitizer reports; llvm-profdata and llvm-cov for coverage",
    "lld-14": "linker afl-clang-lto needs (afl preset)",
    "libgtest-dev": "GoogleTest unit, property and conformance tests (tests/)",
    "libgmock-dev": "GoogleMock matchers used by tests/",
    "googletest": "googletest sources, for builds that compile gtest themselves",
    "libbenchmark-dev": "Google Benchmark programs (bench/)",
    "nlohmann-json3-dev": "JSON output of regiontool and the graph model (tools/, oracles/)",
    "libcli11-dev": "command-line parsing of regiontool (tools/)",
    "libgmp-dev": "big integers for mpz objects in the object model (core/)",
    "afl++": "afl-clang-fast++ and afl-fuzz for the afl preset",
    "python3": "this driver and tests/scripts/",
    "chromium": "headless browser that renders conform's report.html in ctest (conform.results_matrix)",
}

# Tools that must be on PATH once the packages are in.
REQUIRED_TOOLS = ("cmake", "ninja", "g++-12", "clang++-14")

CTEST_SUMMARY = re.compile(r"(\d+)% tests passed, (\d+) tests? failed out of (\d+)")
UNITTEST_RAN = re.compile(r"^Ran (\d+) tests? in ", re.M)
UNITTEST_RESULT = re.compile(r"^(OK|FAILED)\b(?: \((.*)\))?", re.M)


# ---------------------------------------------------------------------------------------------
# setup


def is_installed(package):
    """True if dpkg-query reports the package as installed."""
    try:
        result = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package],
                                capture_output=True, text=True)
    except FileNotFoundError as e:
        raise common.DriverError("setup: dpkg-query not found; setup supports Debian only "
                                 "(use --no-setup elsewhere)", exit_code=2) from e
    words = result.stdout.split()
    return result.returncode == 0 and bool(words) and words[-1] == "installed"


def missing_packages(packages=PACKAGES):
    """The packages of the table that are not installed, in table order."""
    return [p for p in packages if not is_installed(p)]


def apt_install_command(missing):
    """The apt-get install command line for the missing packages."""
    return ["apt-get", "install", "-y", "--no-install-recommends", *missing]


def verify_tools(tools=REQUIRED_TOOLS):
    """Raise DriverError if any required tool is not on PATH."""
    absent = [t for t in tools if shutil.which(t) is None]
    if absent:
        raise common.DriverError(f"setup: installed, but not on PATH: {' '.join(absent)}")


def setup():
    """Install missing Debian packages (root only); a no-op when all are present."""
    missing = missing_packages()
    if not missing:
        print(f"setup: all {len(PACKAGES)} packages present", flush=True)
        return
    install = " ".join(apt_install_command(missing))
    if os.geteuid() != 0:
        raise common.DriverError(f"setup: missing packages: {' '.join(missing)}\n"
                                 f"run as root:\n  apt-get update && "
                                 f"DEBIAN_FRONTEND=noninteractive {install}", exit_code=2)
    print(f"setup: installing {' '.join(missing)}", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    common.run_checked(["apt-get", "update"], "setup", env=env)
    common.run_checked(apt_install_command(missing), "setup", env=env)
    verify_tools()
    print(f"setup: installed {len(missing)} packages", flush=True)


def cmd_setup(args):
    """`setup`: install what is missing."""
    setup()
    return 0


# ---------------------------------------------------------------------------------------------
# build


def build_preset(preset, log=None, canary=None):
    """Configure and build one preset (optionally with canary `canary` planted, in its own
    tree); raise DriverError naming the preset on failure. Returns the build directory."""
    where = common.build_dir(preset, canary)
    what = f"build: preset {preset}" + (f" with canary {canary}" if canary else "")
    if canary:
        common.run_checked(["cmake", "--preset", preset, "-B", str(where),
                            f"-DCF_CANARY={canary}"], f"{what}: configure", log=log)
        common.run_checked(["cmake", "--build", str(where)], what, log=log)
    else:
        common.run_checked(["cmake", "--preset", preset], f"{what}: configure", log=log)
        common.run_checked(["cmake", "--build", "--preset", preset], what, log=log)
    return where


def build_or_reuse(preset, no_build, canary=None, log=None):
    """The build dir of preset: built now, or the existing tree with --no-build."""
    if no_build:
        return common.build_dir(preset, canary)
    return build_preset(preset, log=log, canary=canary)


def cmd_build(args):
    """`build`: set up, then configure and build one preset."""
    if not args.no_setup:
        setup()
    build_preset(args.preset)
    print(f"build: preset {args.preset} ok")
    return 0


# ---------------------------------------------------------------------------------------------
# test


def parse_ctest_summary(text):
    """(passed, failed, total) from ctest's summary line, or None if there is none."""
    found = CTEST_SUMMARY.findall(text)
    if not found:
        return None
    _, failed, total = (int(x) for x in found[-1])
    return total - failed, failed, total


def parse_unittest_summary(text):
    """(passed, failed, total) from unittest's 'Ran N tests' and OK/FAILED lines, or None."""
    ran = UNITTEST_RAN.findall(text)
    result = UNITTEST_RESULT.findall(text)
    if not ran or not result:
        return None
    total = int(ran[-1])
    counts = dict(re.findall(r"(\w+)=(\d+)", result[-1][1]))
    failed = sum(int(counts.get(k, 0)) for k in ("failures", "errors", "unexpected_successes"))
    skipped = int(counts.get("skipped", 0))
    return total - failed - skipped, failed, total


def test_preset(preset):
    """Build and ctest one preset; return its summary row (a dict)."""
    row = {"name": preset, "build": "fail", "passed": 0, "failed": 0, "total": 0, "ok": False}
    try:
        build_preset(preset)
    except common.DriverError as e:
        print(f"test: {e}", file=sys.stderr, flush=True)
        return row
    row["build"] = "ok"
    print(f"+ ctest --preset {preset}", flush=True)
    rc, lines = common.run_streamed(["ctest", "--preset", preset])
    summary = parse_ctest_summary("".join(lines))
    if summary:
        row["passed"], row["failed"], row["total"] = summary
    row["ok"] = rc == 0 and summary is not None and summary[1] == 0
    if summary is None:
        row["note"] = f"ctest printed no summary line (exit code {rc})"
    elif not row["ok"]:
        row["note"] = f"ctest: {row['failed']} of {row['total']} failed (exit code {rc})"
    return row


def test_python():
    """Run the driver's own unit tests (tests/scripts); return their summary row."""
    cmd = [sys.executable, "-m", "unittest", "discover", "-s", "tests/scripts"]
    print(f"+ {' '.join(cmd)}", flush=True)
    rc, lines = common.run_streamed(cmd)
    passed, failed, total = parse_unittest_summary("".join(lines)) or (0, 0, 0)
    row = {"name": "python", "build": "-", "passed": passed, "failed": failed,
           "total": total, "ok": rc == 0 and total > 0}
    if not row["ok"]:
        row["note"] = f"unittest: {failed} of {total} failed (exit code {rc})"
    return row


def print_test_summary(rows):
    """The per-preset table, failure lines, and the final `test: P passed, F failed` line."""
    print("\npreset    build  passed  failed  total  result")
    for r in rows:
        print(f"{r['name']:<9} {r['build']:<6} {r['passed']:>6}  {r['failed']:>6}  "
              f"{r['total']:>5}  {'ok' if r['ok'] else 'FAIL'}")
    for r in rows:
        if r["build"] == "fail":
            print(f"test: build of preset {r['name']} failed", file=sys.stderr)
        elif not r["ok"]:
            print(f"test: {r['name']}: {r.get('note', 'failed')}", file=sys.stderr)
    sys.stderr.flush()
    passed = sum(r["passed"] for r in rows)
    failed = sum(r["failed"] for r in rows)
    print(f"test: {passed} passed, {failed} failed", flush=True)


def cmd_test(args):
    """`test`: set up, build and ctest each preset, run the driver tests, summarise."""
    presets = [p for p in args.presets.split(",") if p]
    unknown = [p for p in presets if p not in common.TEST_PRESETS]
    if unknown:
        raise common.DriverError(f"test: no test preset named {', '.join(unknown)} "
                                 f"(have {', '.join(common.TEST_PRESETS)})", exit_code=2)
    if not args.no_setup:
        setup()
    rows = [test_preset(p) for p in presets]
    rows.append(test_python())
    print_test_summary(rows)
    return 0 if all(r["ok"] for r in rows) else 1
