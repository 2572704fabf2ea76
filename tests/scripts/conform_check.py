#!/usr/bin/env python3
"""The conformance runner's proofs, one ctest case per check (tests/CMakeLists.txt):

  reference  the whole built-in suite against `regiontool serve`: no unexpected failure; the
             summary line, report.json and junit.xml agree
  canary     a regiontool with a canary planted, run as a testee: exit 1, unexpected failures,
             and among them the cases given (the ones that must catch that canary)
  broken     testees that crash, hang, exit, answer garbage, a wrong id, a wrong graph or a
             rejection on chosen cases: the runner stands, records each exactly, restarts the
             testee and passes every other case; a failure list turns them into expected
             failures, and a listed case that passes fails the run
  matrix     two testees: report.html opened in headless chromium, the matrix cells' rendered
             colours counted by the page and compared with report.json

Usage: conform_check.py CHECK --regiontool PATH [--canary PATH --expect CASE...]
Exit 0 when the check holds, 1 with the reasons. Standard library only.
"""

import argparse
import collections
import json
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DRIVER = ROOT / "scripts" / "compactfuzz"
MISBEHAVE = ROOT / "tests" / "scripts" / "testees" / "misbehave.py"
SUMMARY = re.compile(r"^conform: (\S+): (\d+) successes, (\d+) skipped, (\d+) expected failures, "
                     r"(\d+) unexpected failures$", re.M)

problems = []


def check(condition, message):
    if not condition:
        problems.append(message)
    return condition


def conform(tool, out, *args, timeout=1500):
    cmd = [sys.executable, str(DRIVER), "conform", "--regiontool", str(tool), "--out", str(out),
           *args]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, errors="replace",
                          timeout=timeout)
    sys.stdout.write(proc.stdout[-4000:])
    sys.stderr.write(proc.stderr[-4000:])
    report = json.loads((Path(out) / "report.json").read_text()) \
        if (Path(out) / "report.json").exists() else None
    return proc, report


def results_of(report, testee):
    return {r["case"]: r for r in report["results"] if r["testee"] == testee}


def junit_counts(path):
    """{suite name: Counter of success/skipped/expected_failure/failure}."""
    out = {}
    for suite in ET.parse(path).getroot().iter("testsuite"):
        c = collections.Counter()
        for case in suite.iter("testcase"):
            skipped, failure = case.find("skipped"), case.find("failure")
            if failure is not None:
                c["failure"] += 1
            elif skipped is not None:
                c["expected_failure" if skipped.get("message", "").startswith("expected failure")
                  else "skipped"] += 1
            else:
                c["success"] += 1
        out[suite.get("name")] = c
    return out


def summaries(stdout):
    return {m.group(1): tuple(int(x) for x in m.groups()[1:]) for m in SUMMARY.finditer(stdout)}


def agree(proc, report, out):
    """The summary lines, report.json and junit.xml say the same."""
    lines = summaries(proc.stdout)
    junit = junit_counts(Path(out) / "junit.xml")
    for t in report["testees"]:
        c = t["counts"]
        want = (c["success"] + c["unexpected_success"], c["skipped"], c["expected_failure"],
                c["unexpected_failure"])
        check(lines.get(t["name"]) == want,
              f"{t['name']}: summary line {lines.get(t['name'])} vs report.json {want}")
        j = junit.get(f"conform.{t['name']}", collections.Counter())
        jwant = (j["success"] + c["unexpected_success"], j["skipped"], j["expected_failure"],
                 j["failure"] - c["unexpected_success"])
        check(jwant == want, f"{t['name']}: junit.xml {dict(j)} vs summary {want}")


def check_reference(a, out):
    proc, report = conform(a.regiontool, out, "--testee", f"ref={a.regiontool} serve")
    if not check(report is not None, "no report.json"):
        return
    check(proc.returncode == 0, f"exit {proc.returncode}, expected 0")
    counts = report["testees"][0]["counts"]
    check(counts["unexpected_failure"] == 0, f"unexpected failures: {counts}")
    check(counts["success"] == len(report["cases"]) > 300,
          f"{counts['success']} successes of {len(report['cases'])} cases")
    groups = collections.Counter(c["group"] for c in report["cases"])
    for g in ("load", "reject", "compact", "snapshot"):
        check(groups[g] > 0, f"no {g} cases")
    io = [r for r in report["results"] if r["group"] == "io"]
    check(len(io) >= 20, f"only {len(io)} io cases ran (is the fault shim built?)")
    for r in io:
        if r["case"].startswith(("io.eintr.", "io.short.")):
            check(r.get("faults_injected", 0) > 0, f"{r['case']}: no fault was injected")
    agree(proc, report, out)


def check_canary(a, out):
    cases = ["--cases", a.cases] if a.cases else []
    proc, report = conform(a.regiontool, out, "--testee", f"canary={a.canary} serve", *cases)
    if not check(report is not None, "no report.json"):
        return
    check(proc.returncode == 1, f"exit {proc.returncode}, expected 1")
    failed = {c for c, r in results_of(report, "canary").items() if r["result"] == "unexpected_failure"}
    for case in a.expect:
        check(case in failed, f"{case} did not fail (failures: {sorted(failed)[:8]})")
    for line in (f"FAIL {case}" for case in a.expect):
        check(line in proc.stdout, f"no '{line}' line in the output")
    agree(proc, report, out)


BROKEN = {  # option -> (case pattern, case, what the reason must say)
    "--crash-on": ("reject.negative.first_byte", "testee died: signal 11"),
    "--hang-on": ("reject.negative.fourth_byte", "testee timed out: no answer after 2 s"),
    "--garbage-on": ("reject.negative.elf_file", "garbage answer: not UTF-8 JSON"),
    "--huge-on": ("load.empty", "garbage answer: message length 67108865"),
    "--wrong-id-on": ("reject.empty_file", "has id \"some.other.case\""),
    "--exit-on": ("load.deep.100000.auto", "testee died: exit status 3"),
    "--reject-on": ("load.generated.1.auto", "rejected what the reference accepts: bad_magic"),
    "--alter-on": ("load.generated.2.slow", "graphs differ at node 0"),
}


def check_broken(a, out):
    args = [sys.executable, str(MISBEHAVE), "--stderr", "misbehaving now"]
    for option, (case, _) in BROKEN.items():
        args += [option, case]
    command = shlex.join(args + ["--", str(a.regiontool), "serve"])
    cases = ",".join(case for case, _ in BROKEN.values()) + ",load.generated.*,reject.negative.*"
    proc, report = conform(a.regiontool, out, "--timeout", "2", "--testee", f"bad={command}",
                           "--cases", cases)
    if not check(report is not None, "no report.json"):
        return
    check(proc.returncode == 1, f"exit {proc.returncode}, expected 1")
    results = results_of(report, "bad")
    for option, (case, text) in BROKEN.items():
        r = results.get(case)
        if check(r is not None, f"{option}: no result for {case}"):
            check(r["result"] == "unexpected_failure" and text in r["reason"],
                  f"{option}: {case}: {r['result']}: {r['reason']!r} lacks {text!r}")
            check("repro" in r and case in r["repro"], f"{case}: no reproduction command")
    misbehaved = {case for case, _ in BROKEN.values()}
    others = [r for c, r in results.items() if c not in misbehaved]
    check(len(others) > 150, f"only {len(others)} other cases ran")
    bad_others = [c for c, r in results.items() if c not in misbehaved and r["result"] != "success"]
    check(not bad_others, f"cases after a misbehaviour did not pass: {bad_others[:5]}")
    check(report["testees"][0]["starts"] >= 6, f"restarted {report['testees'][0]['starts'] - 1} times")
    died = results["reject.negative.first_byte"]["reason"]
    check("misbehaving now" in died, f"the testee's stderr is not in the report: {died!r}")
    agree(proc, report, out)

    # A failure list: every misbehaviour becomes an expected failure, and a listed case that
    # passes is reported and fails the run.
    listing = Path(out) / "failures.txt"
    listing.write_text("# known\n" + "\n".join(f"bad:{c}" for c in misbehaved)
                       + "\nreject.negative.magic_cut\n")
    proc, report = conform(a.regiontool, Path(out) / "listed", "--timeout", "2", "--testee",
                           f"bad={command}", "--cases", cases, "--failure-list", str(listing))
    if not check(report is not None, "no report.json (failure list)"):
        return
    counts = report["testees"][0]["counts"]
    check(counts["expected_failure"] == len(misbehaved) and counts["unexpected_failure"] == 0,
          f"with the failure list: {counts}")
    check(counts["unexpected_success"] == 1 and "reject.negative.magic_cut" in proc.stdout
          and "remove them from the failure list" in proc.stdout,
          f"a listed passing case was not reported: {counts}")
    check(proc.returncode == 1, f"a listed passing case must fail the run (exit {proc.returncode})")
    agree(proc, report, Path(out) / "listed")


def check_matrix(a, out):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if not browser:
        print("conform_check: chromium is not installed (scripts/compactfuzz setup)")
        sys.exit(1)
    bad = f"{sys.executable} {MISBEHAVE} --reject-on 'load.real.*.auto' -- {a.regiontool} serve"
    proc, report = conform(a.regiontool, out, "--testee", f"ref={a.regiontool} serve",
                           "--testee", f"bad={bad}", "--cases", "load.real.*,reject.negative.b*")
    if not check(report is not None, "no report.json"):
        return
    page = subprocess.run([browser, "--headless=new", "--no-sandbox", "--disable-gpu",
                           "--dump-dom", (Path(out) / "report.html").resolve().as_uri()],
                          capture_output=True, text=True, timeout=120)
    m = re.search(r'<pre id="selfcheck">([^<]*)</pre>', page.stdout)
    if not check(m and m.group(1), f"the page's self-check did not run: {page.stderr[-300:]}"):
        return
    rendered = json.loads(m.group(1))
    want = collections.Counter(r["result"] for r in report["results"])
    got = collections.Counter()
    colours = collections.defaultdict(set)
    for key, n in rendered.items():
        result, colour = key.split("=", 1)
        got[result] += n
        colours[result].add(colour)
    check(got == want, f"rendered cells {dict(got)} vs report.json {dict(want)}")
    check(len({c for cs in colours.values() for c in cs}) == len(colours),
          f"results share a colour: {dict(colours)}")
    check(want["unexpected_failure"] > 0 and want["success"] > 0, f"matrix too uniform: {want}")
    check(all("rgba(0, 0, 0, 0)" not in cs for cs in colours.values()), "an uncoloured cell")
    md = (Path(out) / "report.md").read_text()
    check("## Results matrix" in md and "| FAIL |" in md.replace(" FAIL |", "| FAIL |"),
          "report.md has no matrix")


def check_tree(a, out):
    """Build-tree mode: discovery (chain, lone part, snapshot, ignored and unreadable files),
    every unit judged, --state resume, --shard partition, a testee over the tree."""
    tree = Path(out) / "tree"
    real = ROOT / "corpus" / "real" / "heartpunk__learnability"
    stem = ".lake__packages__batteries__.lake__build__lib__lean__Batteries__Data__Char"
    (tree / "lib" / "Batteries").mkdir(parents=True)
    for suffix in (".olean", ".olean.server", ".olean.private", ".ir"):
        shutil.copy(real / (stem + suffix), tree / "lib" / "Batteries" / ("Char" + suffix))
    lone = ".lake__packages__batteries__.lake__build__lib__lean__Batteries__Classes__Cast"
    shutil.copy(real / (lone + ".olean.private"), tree / "lib" / "Cast.olean.private")
    (tree / "lib" / "README.txt").write_text("not a region\n")
    (tree / "lib" / "Gone.olean").symlink_to(tree / "nowhere")
    subprocess.run([a.seedgen, "--library", str(tree / "gen"), "--modules", "12", "--mean-objects", "300"],
                   check=True, capture_output=True)
    state = Path(out) / "state.json"
    proc, report = conform(a.regiontool, Path(out) / "r1", str(tree), "--state", str(state), "--jobs", "2")
    if not check(report is not None, "no report.json"):
        return
    results = {r["case"]: r for r in report["results"]}
    kinds = collections.Counter(r["group"] for r in report["results"])
    check(proc.returncode == 1, f"exit {proc.returncode}: the unreadable file is a finding (expected 1)")
    check(kinds["module"] >= 13 and kinds["part"] == 1 and kinds["snapshot"] == 1 and kinds["ir"] == 13,
          f"units by kind: {dict(kinds)}")
    check(report["ignored"] == {".txt": 1}, f"ignored: {report['ignored']}")
    gone = results.get("lib/Gone.olean", {})
    check(gone.get("result") == "unexpected_failure" and "io_error" in gone.get("reason", "")
          and "Gone.olean" in gone.get("repro", ""), f"the dangling link: {gone}")
    others = [c for c, r in results.items() if c != "lib/Gone.olean" and r["result"] != "success"]
    check(not others, f"units that did not hold: {others[:4]}")
    check("conform: FAIL lib/Gone.olean" in proc.stdout and "reproduce:" in proc.stdout, "no FAIL line")
    agree(proc, report, Path(out) / "r1")
    # Resume: nothing changed, nothing is checked again.
    started = time.monotonic()
    proc, again = conform(a.regiontool, Path(out) / "r2", str(tree), "--state", str(state))
    elapsed = time.monotonic() - started
    check(again["resumed"] == again["units"] - 1, f"resumed {again['resumed']} of {again['units']}")
    check({r["case"]: r["result"] for r in again["results"]} == {c: r["result"] for c, r in results.items()},
          "the resumed verdicts differ")
    print(f"conform_check tree: resumed run of {again['units']} units in {elapsed:.2f} s")
    # One file changed: its unit alone is checked again.
    target = tree / "lib" / "Batteries" / "Char.ir"
    data = bytearray(target.read_bytes())
    data[-1] ^= 0xFF
    target.write_bytes(bytes(data))
    proc, third = conform(a.regiontool, Path(out) / "r3", str(tree), "--state", str(state))
    check(third["resumed"] == third["units"] - 2, f"after one change resumed {third['resumed']}")
    # Shards partition the units.
    seen = []
    for i in (1, 2, 3):
        proc, part = conform(a.regiontool, Path(out) / f"s{i}", str(tree), "--shard", f"{i}/3")
        seen += [r["case"] for r in part["results"]]
    check(sorted(seen) == sorted(results), f"shards cover {len(seen)} units, {len(set(seen))} distinct, "
                                           f"of {len(results)}")
    # A testee over the tree: each unit's load answers judged against the reference's.
    (tree / "lib" / "Gone.olean").unlink()
    proc, t = conform(a.regiontool, Path(out) / "t", str(tree / "lib"), "--testee", f"ref={a.regiontool} serve")
    rs = [r for r in t["results"] if r["testee"] == "ref"]
    check(len(rs) >= 6 and all(r["result"] == "success" for r in rs) and proc.returncode == 0,
          f"testee over the tree: {[(r['case'], r['result']) for r in rs][:6]} exit {proc.returncode}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("check", choices=("reference", "canary", "broken", "matrix", "tree"))
    p.add_argument("--seedgen")
    p.add_argument("--regiontool", required=True)
    p.add_argument("--canary")
    p.add_argument("--expect", nargs="*", default=[])
    p.add_argument("--cases", default="")
    a = p.parse_args()
    with tempfile.TemporaryDirectory(prefix=f"conform-{a.check}-") as out:
        {"reference": check_reference, "canary": check_canary, "broken": check_broken,
         "matrix": check_matrix, "tree": check_tree}[a.check](a, Path(out))
    for line in problems:
        print(f"conform_check {a.check}: {line}")
    print(f"conform_check {a.check}: {'FAILED' if problems else 'ok'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
