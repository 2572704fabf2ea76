"""conform: judge implementations of the format against the reference (docs/conform.md).

`scripts/compactfuzz conform --testee NAME=CMD ...` runs the built-in suite (conform_cases)
against each testee over the protocol of docs/testee-protocol.md. The reference answers every
case through `regiontool serve`, exactly as a foreign testee does, and `regiontool judge` (the
conformance oracle's one judge, oracles/conform.h) compares the two answers. One summary line
per testee; reports under out/conform/ (conform_report).
"""

import fnmatch
import json
import os
import shlex
import shutil
import sys
import time
from pathlib import Path

from cf import build, common, conform_cases, conform_report, regiontool
from cf.testee import Judge, Testee

REFERENCE = "reference"


def parse_testees(specs, tool):
    """[(name, command)] from NAME=CMD arguments; none given: the reference itself."""
    if not specs:
        return [("ref", f"{shlex.quote(str(tool))} serve")]
    out, seen = [], set()
    for spec in specs:
        name, sep, command = spec.partition("=")
        if not sep or not name or not command.strip():
            raise common.DriverError(f"conform: --testee wants NAME=COMMAND, not {spec!r}",
                                     exit_code=2)
        if name in seen or name == REFERENCE:
            raise common.DriverError(f"conform: testee name {name!r} given twice or reserved",
                                     exit_code=2)
        seen.add(name)
        out.append((name, command))
    return out


def read_failure_list(path):
    """{testee or None: set of case names}: `case` applies to every testee, `NAME:case` to
    one. Blank lines and # comments are ignored."""
    listed = {}
    if not path:
        return listed
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise common.DriverError(f"conform: --failure-list {path}: {e.strerror}", exit_code=2)
    for raw in lines:
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        testee, sep, case = line.partition(":")
        if sep and "." not in testee:
            listed.setdefault(testee, set()).add(case.strip())
        else:
            listed.setdefault(None, set()).add(line)
    return listed


def listed_for(listed, testee):
    return listed.get(None, set()) | listed.get(testee, set())


def select_cases(cases, patterns):
    """Cases whose names match any of the comma-separated fnmatch patterns (all when none)."""
    pats = [p for p in (patterns or "").split(",") if p]
    if not pats:
        return cases
    return [c for c in cases if any(fnmatch.fnmatchcase(c.name, p) for p in pats)]


def classify(verdict_outcome, listed):
    """success / skipped / expected_failure / unexpected_failure / unexpected_success."""
    if verdict_outcome == "holds":
        return "unexpected_success" if listed else "success"
    if verdict_outcome == "not_applicable":
        return "skipped"
    return "expected_failure" if listed else "unexpected_failure"


def repro_command(testee_name, command, case_name):
    """One line that reruns one case against one testee."""
    return (f"scripts/compactfuzz conform --no-build --testee "
            f"{shlex.quote(testee_name + '=' + command)} --cases {shlex.quote(case_name)}")


def output_dir_for(work, testee_index, case):
    """Where a testee writes a compact case's output (part 0's path)."""
    return work / "out" / str(testee_index) / case.name / "out.olean"


class Progress:
    """A one-line progress display on a terminal; silent otherwise."""

    def __init__(self, total, label):
        self.total, self.label, self.done = total, label, 0
        self.tty = sys.stdout.isatty()
        self.started = time.monotonic()

    def step(self):
        self.done += 1
        if self.tty and (self.done % 10 == 0 or self.done == self.total):
            rate = self.done / max(time.monotonic() - self.started, 1e-6)
            sys.stdout.write(f"\r{self.label}: {self.done}/{self.total} cases, {rate:.0f}/s   ")
            sys.stdout.flush()

    def finish(self):
        if self.tty:
            sys.stdout.write("\r" + " " * 72 + "\r")
            sys.stdout.flush()


def ask_under_faults(testee, request, faults, shim, timeout, log):
    """One request to a fresh process of the testee with the fault shim preloaded and the
    schedule in its environment (counts start at its first call), then gone. Returns the
    answer and how many faults the shim injected."""
    log.parent.mkdir(parents=True, exist_ok=True)
    log.unlink(missing_ok=True)
    env = dict(os.environ, **faults, CF_FAULTS_LOG=str(log))
    env["LD_PRELOAD"] = " ".join(x for x in (str(shim), os.environ.get("LD_PRELOAD", "")) if x)
    faulted = Testee(testee.name, testee.command, env=env, cwd=common.ROOT, timeout=timeout)
    try:
        body = faulted.ask(request)
    finally:
        faulted.kill()
        testee.starts += faulted.starts
    injected = len(log.read_text(errors="replace").splitlines()) if log.exists() else 0
    return body, injected


def find_shim(tool, given=None):
    """The fault shim beside the reference's build (build/<preset>/lib), or --shim."""
    if given:
        path = Path(given)
        if not path.is_file():
            raise common.DriverError(f"conform: --shim {given}: no such file", exit_code=2)
        return path.resolve()
    candidate = Path(tool).resolve().parent.parent / "lib" / "libcf_faultshim.so"
    return candidate if candidate.is_file() else None


def run_testee(index, name, command, cases, reference, judge, work, listed, timeout, shim=None):
    """Every case against one testee: a list of result dicts."""
    testee = Testee(name, command, cwd=common.ROOT, timeout=timeout)
    results = []
    progress = Progress(len(cases), f"conform: {name}")
    testee.ensure_started()
    caps = testee.capabilities
    compare_classes = bool(caps.get("error_classes"))
    for case in cases:
        started = time.monotonic()
        result = {"testee": name, "case": case.name, "group": case.group}
        why_not = None if testee.broken else missing_capability_or_none(case, caps)
        if not why_not and case.faults is not None and not shim:
            why_not = "no fault shim (build the shim/ library, or give --shim)"
        if testee.broken:
            outcome, reason, status = "finding", testee.broken, "died"
        elif why_not:
            outcome, reason, status = "not_applicable", f"skipped: {why_not}", "skipped"
        else:
            request = dict(case.request)
            if request["op"] == "compact":
                out = output_dir_for(work, index, case)
                out.parent.mkdir(parents=True, exist_ok=True)
                request["output"] = str(out)
            if case.faults is not None:
                body, result["faults_injected"] = ask_under_faults(
                    testee, request, case.faults, shim, timeout,
                    work / "faults" / str(index) / (case.name.replace("/", "_") + ".log"))
            else:
                body = testee.ask(request)
            verdict = judge.judge(case.judge_case(compare_classes), reference.answer(case), body)
            outcome, reason = verdict.get("outcome", "finding"), verdict.get("reason", "")
            status = verdict.get("testee_status", "")
            if "error" in verdict:
                outcome, reason = "finding", f"the judge refused the case: {verdict['error']}"
            testee.restart_for_garbage(status)
            if "faults_injected" in result:
                reason += f" ({result['faults_injected']} faults injected)"
        result.update(outcome=outcome, reason=reason, testee_status=status,
                      result=classify(outcome, case.name in listed),
                      seconds=round(time.monotonic() - started, 4))
        if result["result"] in ("unexpected_failure", "expected_failure"):
            result["repro"] = repro_command(name, command, case.name)
        if result["result"] == "unexpected_failure":
            print(f"conform: {name}: FAIL {case.name}: {reason}", flush=True)
        results.append(result)
        progress.step()
    progress.finish()
    testee.close()
    hello = testee.hello or {}
    info = {"name": name, "command": command, "testee_name": hello.get("name"),
            "version": hello.get("version"), "capabilities": caps, "starts": testee.starts,
            "broken": testee.broken}
    return info, results


def missing_capability_or_none(case, caps):
    return conform_cases.missing_capability(case, caps)


class ReferenceAnswers:
    """The reference testee (`regiontool serve`), asked each case once; answers are cached
    for every testee after the first."""

    def __init__(self, tool, work, timeout):
        self.testee = Testee(REFERENCE, f"{shlex.quote(str(tool))} serve", cwd=common.ROOT,
                             timeout=max(timeout, 60.0))
        self.work = work
        self.cache = {}

    def answer(self, case):
        if case.name not in self.cache:
            request = dict(case.request)
            if request["op"] == "compact":
                out = self.work / "out" / REFERENCE / case.name / "out.olean"
                out.parent.mkdir(parents=True, exist_ok=True)
                request["output"] = str(out)
            self.cache[case.name] = self.testee.ask(request)
        return self.cache[case.name]

    def close(self):
        self.testee.close()


def summary_counts(results):
    counts = {"success": 0, "skipped": 0, "expected_failure": 0, "unexpected_failure": 0,
              "unexpected_success": 0}
    for r in results:
        counts[r["result"]] += 1
    return counts


def summary_line(name, counts):
    """protobuf's conformance summary, per testee (an unexpected success counts as a
    success here and is reported on a line of its own)."""
    return (f"conform: {name}: {counts['success'] + counts['unexpected_success']} successes, "
            f"{counts['skipped']} skipped, {counts['expected_failure']} expected failures, "
            f"{counts['unexpected_failure']} unexpected failures")


def run_suite(tool, testees, cases, out_dir, listed, timeout, shim=None):
    """Runs every case against every testee; returns the report dict."""
    work = out_dir / "work"
    judge = Judge(tool)
    reference = ReferenceAnswers(tool, work, timeout)
    infos, results = [], []
    started, clock = common.utc_now(), time.monotonic()
    try:
        for index, (name, command) in enumerate(testees):
            info, rs = run_testee(index, name, command, cases, reference, judge, work,
                                  listed_for(listed, name), timeout, shim)
            info["counts"] = summary_counts(rs)
            infos.append(info)
            results += rs
    finally:
        reference.close()
        judge.close()
    return {"schema": "compactfuzz-conform/1", "started": common.iso(started),
            "seconds": round(time.monotonic() - clock, 3), "commit": common.git_commit(),
            "reference": str(tool), "shim": str(shim) if shim else None, "testees": infos,
            "cases": [c.to_json() for c in cases], "results": results}


def cmd_conform(args):
    """`conform`: the built-in suite against each --testee (build-tree mode: PATH...)."""
    if args.paths:
        from cf import buildtree  # noqa: PLC0415 (build-tree mode, its own module)
        return buildtree.cmd_buildtree(args)
    if args.regiontool:
        tool = Path(args.regiontool).resolve()
    else:
        build.build_or_reuse(args.preset, args.no_build)
        tool = regiontool.path(args.preset)
    if not Path(tool).exists():
        raise common.DriverError(f"conform: no regiontool at {tool} (build the {args.preset} "
                                 "preset, or give --regiontool)", exit_code=2)
    out_dir = common.repo_path(args.out)
    work = out_dir / "work"
    if work.exists():
        shutil.rmtree(work)
    testees = parse_testees(args.testee, tool)
    listed = read_failure_list(args.failure_list)
    print(f"conform: making the suite's inputs under {common.rel(work)}", file=sys.stderr, flush=True)
    cases = select_cases(conform_cases.make_suite(tool, work / "inputs"), args.cases)
    if args.list:
        for c in cases:
            print(c.name)
        return 0
    if not cases:
        raise common.DriverError(f"conform: no case matches {args.cases!r}", exit_code=2)
    print(f"conform: {len(cases)} cases, {len(testees)} testee(s)", flush=True)
    report = run_suite(tool, testees, cases, out_dir, listed, args.timeout,
                       find_shim(tool, args.shim))
    paths = conform_report.write_reports(report, out_dir)
    if not args.keep_work:
        shutil.rmtree(work, ignore_errors=True)
    failed = False
    for info in report["testees"]:
        counts = info["counts"]
        if counts["unexpected_success"]:
            passing = [r["case"] for r in report["results"]
                       if r["testee"] == info["name"] and r["result"] == "unexpected_success"]
            print(f"conform: {info['name']}: {len(passing)} listed case(s) passed; remove them "
                  f"from the failure list: {', '.join(passing[:10])}"
                  + (" ..." if len(passing) > 10 else ""), flush=True)
        failed = failed or counts["unexpected_failure"] > 0 or counts["unexpected_success"] > 0
    print(f"conform: reports: {', '.join(common.rel(p) for p in paths)}", flush=True)
    for info in report["testees"]:
        print(summary_line(info["name"], info["counts"]), flush=True)
    return 1 if failed else 0


def load_report(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))
