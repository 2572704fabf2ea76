"""buildtree: `scripts/compactfuzz conform PATH...`, the conformance run over a build tree
(docs/conform.md "Build-tree mode").

Discovery groups the region files under PATH into units: a module's `.olean` with its
`.olean.server` / `.olean.private` parts as one chain, an `.ir` with its `.ir.sig` (irSig ->
ir, as core/module_parts.h reads them), a snapshot by its `.deps` sidecar, and any part whose
predecessors are missing as a unit of its own; every other file is ignored and counted. Each
unit gets every applicable oracle of the reference (`regiontool check --units`, one process per
worker, kept running), and with --testee each testee's load answers are compared with the
reference's through the conformance runner. --state records each unit's content hash and
verdict, so an interrupted or repeated run skips what it has seen; --shard I/N splits the units
for a CI matrix. Every finding carries a one-line command that reproduces it.
"""

import hashlib
import json
import os
import queue
import shlex
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from cf import build, common, conform, conform_cases, conform_report, regiontool
from cf.testee import Judge

CHAIN_SUFFIXES = (".olean", ".olean.server", ".olean.private")
IR_SUFFIXES = (".ir.sig", ".ir")
ALL_SUFFIXES = (".olean.server", ".olean.private", ".ir.sig", ".olean", ".ir")
STATE_SCHEMA = "compactfuzz-conform-state/1"
UNIT_TIMEOUT_S = 600.0


# ---------------------------------------------------------------------------------------------
# discovery


class Unit:
    """One checkable unit: files in load order, its kind and size."""

    def __init__(self, kind, files, root):
        self.kind, self.files = kind, [str(f) for f in files]
        self.id = unit_name(self.files[0], root)
        self.size = 0
        self.unreadable = None
        for f in self.files:
            try:
                self.size += os.stat(f).st_size
                if not os.access(f, os.R_OK):
                    self.unreadable = f"{f}: permission denied"
            except OSError as e:
                self.unreadable = f"{f}: {e.strerror}"

    @property
    def chain(self):
        return len(self.files) > 1

    def repro(self, tool):
        chain = " --chain" if self.chain else ""
        return f"{shlex.quote(str(tool))} check{chain} " + " ".join(shlex.quote(f) for f in self.files)


def unit_name(path, roots):
    """A unit's stable name: its first file relative to the PATH it was found under."""
    p = Path(path)
    for r in roots:
        try:
            return str(p.relative_to(r))
        except ValueError:
            continue
    return str(p)


def split_suffix(name):
    for s in ALL_SUFFIXES:
        if name.endswith(s):
            return name[: -len(s)], s
    return None, None


def discover(paths):
    """(units, ignored: {extension: count}, roots). Directories are walked recursively (links to
    directories are not followed); units come sorted by name, so runs and shards agree."""
    roots, files = [], []
    for p in paths:
        path = Path(p).resolve()
        if path.is_dir():
            roots.append(path)
            for dirpath, dirnames, filenames in os.walk(path):
                dirnames.sort()
                files += [Path(dirpath) / f for f in sorted(filenames)]
        elif path.exists() or path.is_symlink():
            roots.append(path.parent)
            files.append(path)
        else:
            raise common.DriverError(f"conform: {p}: no such file or directory", exit_code=2)
    names = {str(f) for f in files}
    snapshots = {n[: -len(".deps")] for n in names if n.endswith(".deps") and n[: -len(".deps")] in names}
    groups, ignored, units = {}, {}, []
    for f in sorted(names):
        if f in snapshots:
            units.append(Unit("snapshot", [f], roots))
            continue
        if f.endswith(".deps") and f[: -len(".deps")] in snapshots:
            continue
        stem, suffix = split_suffix(f)
        if stem is None:
            ext = Path(f).suffix or "(none)"
            ignored[ext] = ignored.get(ext, 0) + 1
            continue
        groups.setdefault(stem, {})[suffix] = f
    for stem in sorted(groups):
        have = groups[stem]
        present = [have.get(s) for s in CHAIN_SUFFIXES]
        chain = []
        for f in present:  # a prefix of the chain; a part without its predecessors: alone
            if f is None:
                break
            chain.append(f)
        if chain:
            units.append(Unit("module" if len(chain) > 1 else "file", chain, roots))
        for f in present[len(chain):]:
            if f is not None:
                units.append(Unit("part", [f], roots))
        # The IR chain: irSig -> ir; an .ir without its .ir.sig, or an .ir.sig alone, is a
        # region of its own.
        ir = [have[s] for s in IR_SUFFIXES if s in have]
        if ir:
            units.append(Unit("ir" if ".ir" in have else "file", ir, roots))
    units.sort(key=lambda u: u.id)
    return units, ignored, roots


def in_shard(unit, shard):
    """The unit's shard by a stable hash of its name (1-based I of N)."""
    if shard is None:
        return True
    index, count = shard
    digest = hashlib.sha1(unit.id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count == index - 1


def parse_shard(text):
    if not text:
        return None
    try:
        i, n = (int(x) for x in text.split("/"))
    except ValueError:
        i = n = 0
    if not 1 <= i <= n:
        raise common.DriverError(f"conform: --shard wants I/N with 1 <= I <= N, not {text!r}",
                                 exit_code=2)
    return i, n


# ---------------------------------------------------------------------------------------------
# state: what was seen, by content


class State:
    """--state FILE: per file (size, mtime, sha256), per unit (hash, verdict, findings). Written
    atomically (temp file + rename), so an interrupted run leaves the last consistent state."""

    def __init__(self, path):
        self.path = Path(path) if path else None
        self.files, self.units = {}, {}
        if self.path and self.path.exists():
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                if data.get("schema") == STATE_SCHEMA:
                    self.files, self.units = data.get("files", {}), data.get("units", {})
            except (OSError, ValueError):
                print(f"conform: --state {self.path}: unreadable; starting afresh", flush=True)
        self.last_save = time.monotonic()

    def file_hash(self, f):
        st = os.stat(f)
        known = self.files.get(f)
        if known and known[0] == st.st_size and known[1] == st.st_mtime_ns:
            return known[2]
        h = hashlib.sha256()
        with open(f, "rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                h.update(block)
        digest = h.hexdigest()
        self.files[f] = [st.st_size, st.st_mtime_ns, digest]
        return digest

    def unit_hash(self, unit):
        try:
            h = hashlib.sha256()
            for f in unit.files:
                h.update(f.encode() + b"\0" + self.file_hash(f).encode() + b"\0")
            return h.hexdigest()
        except OSError:
            return None

    def save(self, force=False):
        if not self.path or (not force and time.monotonic() - self.last_save < 2.0):
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + f".tmp.{os.getpid()}")
        tmp.write_text(json.dumps({"schema": STATE_SCHEMA, "files": self.files,
                                   "units": self.units}), encoding="utf-8")
        tmp.replace(self.path)
        self.last_save = time.monotonic()


# ---------------------------------------------------------------------------------------------
# workers: `regiontool check --units`, one process each


class Worker:
    def __init__(self, tool):
        self.tool = tool
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen([str(self.tool), "check", "--units"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                     errors="replace", bufsize=1, start_new_session=True)

    def check(self, unit):
        """The unit's JSON line, or a record of the reference failing on it."""
        if self.proc is None or self.proc.poll() is not None:
            self.start()
        line = json.dumps({"id": unit.id, "files": unit.files, "chain": unit.chain})
        answer = queue.Queue()
        try:
            self.proc.stdin.write(line + "\n")
            self.proc.stdin.flush()
            reader = threading.Thread(target=lambda: answer.put(self.proc.stdout.readline()),
                                      daemon=True)
            reader.start()
            text = answer.get(timeout=UNIT_TIMEOUT_S)
        except queue.Empty:
            self.stop()
            return {"crash": f"the reference took more than {UNIT_TIMEOUT_S:g} s"}
        except (BrokenPipeError, OSError):
            text = ""
        if not text:
            code = self.proc.wait()
            self.proc = None
            return {"crash": f"the reference died on this unit: "
                             f"{'signal ' + str(-code) if code < 0 else 'exit status ' + str(code)}"}
        try:
            return json.loads(text)
        except ValueError:
            return {"crash": f"the reference answered garbage: {text[:120]!r}"}

    def stop(self):
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self.proc.wait()
            self.proc = None


def verdict_of(unit, line, tool):
    """(result, reason, findings) of one unit from its check line."""
    if "crash" in line:
        return "unexpected_failure", line["crash"], [{"oracle": "reference", "reason": line["crash"]}]
    if line.get("error"):
        return "unexpected_failure", f"io_error: {line['error']}", \
            [{"oracle": "io_error", "reason": line["error"]}]
    findings = [{"oracle": v["oracle"], "reason": v.get("reason", "")}
                for v in line.get("verdicts", []) if v.get("outcome") == "finding"]
    if findings:
        return "unexpected_failure", "; ".join(f"{f['oracle']}: {f['reason']}" for f in findings)[:2000], findings
    held = sum(v.get("outcome") == "holds" for v in line.get("verdicts", []))
    return "success", f"{held} oracles hold", []


# ---------------------------------------------------------------------------------------------
# the run


class Progress:
    def __init__(self, total_units, total_bytes):
        self.units, self.bytes, self.done_units, self.done_bytes = total_units, total_bytes, 0, 0
        self.start = self.last = time.monotonic()
        self.tty = sys.stdout.isatty()

    def step(self, unit):
        self.done_units += 1
        self.done_bytes += unit.size
        now = time.monotonic()
        if now - self.last < (0.5 if self.tty else 30.0) and self.done_units != self.units:
            return
        self.last = now
        elapsed = max(now - self.start, 1e-6)
        rate = self.done_bytes / elapsed
        eta = (self.bytes - self.done_bytes) / rate if rate > 0 else 0
        text = (f"conform: {self.done_units}/{self.units} units, "
                f"{self.done_units / elapsed:.1f} units/s, {rate / 1e6:.1f} MB/s, ETA {eta:.0f} s")
        if self.tty:
            sys.stdout.write("\r" + text + "   ")
            sys.stdout.flush()
        else:
            print(text, flush=True)

    def finish(self):
        if self.tty:
            sys.stdout.write("\n")


def run_reference(tool, units, jobs, state, results):
    """Every oracle on every unit not already in the state; results appended in unit order of
    completion. Ctrl-C stops the dispatch, keeps what finished, and re-raises."""
    todo, resumed = [], 0
    hashes = {}
    for unit in units:
        if unit.unreadable:
            results[unit.id] = {"result": "unexpected_failure", "reason": f"io_error: {unit.unreadable}",
                                "findings": [{"oracle": "io_error", "reason": unit.unreadable}]}
            continue
        h = state.unit_hash(unit)
        hashes[unit.id] = h
        known = state.units.get(unit.id)
        if h and known and known.get("hash") == h:
            results[unit.id] = dict(known["verdict"], resumed=True)
            resumed += 1
            continue
        todo.append(unit)
    todo.sort(key=lambda u: -u.size)  # the largest first: the workers finish together
    progress = Progress(len(todo), sum(u.size for u in todo))
    pending = queue.Queue()
    for u in todo:
        pending.put(u)
    lock = threading.Lock()
    stop = threading.Event()

    def work():
        worker = Worker(tool)
        try:
            while not stop.is_set():
                try:
                    unit = pending.get_nowait()
                except queue.Empty:
                    return
                started = time.monotonic()
                line = worker.check(unit)
                if stop.is_set():
                    return  # interrupted: this unit's answer may be partial; not recorded
                result, reason, findings = verdict_of(unit, line, tool)
                record = {"result": result, "reason": reason, "findings": findings,
                          "seconds": round(time.monotonic() - started, 4)}
                with lock:
                    results[unit.id] = record
                    if hashes.get(unit.id) and "crash" not in line:  # the tool's failure: run again
                        state.units[unit.id] = {"hash": hashes[unit.id], "verdict": record}
                    state.save()
                    progress.step(unit)
        finally:
            worker.stop()

    threads = [threading.Thread(target=work, daemon=True) for _ in range(max(1, jobs))]
    for t in threads:
        t.start()
    try:
        while any(t.is_alive() for t in threads):
            for t in threads:
                t.join(timeout=0.2)
    except KeyboardInterrupt:
        stop.set()
        for t in threads:
            t.join(timeout=10)
        with lock:
            state.save(force=True)
        progress.finish()
        raise
    progress.finish()
    with lock:
        state.save(force=True)
    return resumed, progress


def testee_cases(units):
    """The load (and snapshot_load) requests a testee answers for each unit, as conform cases."""
    cases = []
    for u in units:
        if u.unreadable:
            continue
        if u.kind == "snapshot":
            cases.append(conform_cases.Case(f"tree.{u.id}.w4", "snapshot",
                                            {"op": "snapshot_load", "snapshot": u.files[0],
                                             "deps_file": u.files[0] + ".deps", "workers": 4,
                                             "path": "auto"}))
            continue
        for path in ("auto", "slow"):
            deps, files = ([u.files[0]], u.files[1:]) if u.kind == "ir" and len(u.files) > 1 \
                else ([], u.files)
            cases.append(conform_cases.Case(f"tree.{u.id}.{path}", "load",
                                            {"op": "load", "files": files, "deps": deps,
                                             "path": path}))
    return cases


def cmd_buildtree(args):
    """`conform PATH...`: every unit of a build tree through every oracle (and each testee)."""
    if args.regiontool:
        tool = Path(args.regiontool).resolve()
    else:
        build.build_or_reuse(args.preset, args.no_build)
        tool = regiontool.path(args.preset)
    shard = parse_shard(args.shard)
    started, clock = common.utc_now(), time.monotonic()
    units, ignored, roots = discover(args.paths)
    all_units = len(units)
    units = [u for u in units if in_shard(u, shard)]
    jobs = args.jobs or os.cpu_count() or 1
    total = sum(u.size for u in units)
    ignored_text = ", ".join(f"{n} {ext}" for ext, n in sorted(ignored.items())) or "none"
    print(f"conform: {len(units)} units ({common.human_bytes(total)})"
          + (f", shard {shard[0]}/{shard[1]} of {all_units}" if shard else "")
          + f" under {', '.join(map(str, roots))}; ignored files: {ignored_text}; {jobs} jobs",
          flush=True)
    state = State(args.state)
    results = {}
    interrupted = False
    try:
        resumed, progress = run_reference(tool, units, jobs, state, results)
    except KeyboardInterrupt:
        interrupted, resumed, progress = True, 0, None
        print("conform: interrupted; the state holds every unit that finished", flush=True)
    seconds = time.monotonic() - clock
    checked_bytes = progress.done_bytes if progress else 0
    report_results = []
    for u in units:
        r = results.get(u.id)
        if r is None:
            continue
        entry = {"testee": "reference", "case": u.id, "group": u.kind, "outcome":
                 "holds" if r["result"] == "success" else "finding", "reason": r["reason"],
                 "result": r["result"], "seconds": r.get("seconds", 0.0),
                 "files": u.files, "bytes": u.size, "resumed": bool(r.get("resumed"))}
        if r["result"] != "success":
            entry["repro"] = u.repro(tool)
            entry["findings"] = r.get("findings", [])
            print(f"conform: FAIL {u.id}: {r['reason'][:300]}\n  reproduce: {entry['repro']}",
                  flush=True)
        report_results.append(entry)
    infos = [{"name": "reference", "command": f"{tool} check --units", "testee_name": "oracles",
              "version": None, "capabilities": {}, "starts": jobs, "broken": None,
              "counts": conform.summary_counts(report_results)}]
    cases_json = [{"name": u.id, "group": u.kind, "files": u.files, "bytes": u.size} for u in units]
    if args.testee and not interrupted:
        out_dir = common.repo_path(args.out)
        cases = testee_cases([u for u in units if u.id in results])
        judge = Judge(tool)
        reference = conform.ReferenceAnswers(tool, out_dir / "work", args.timeout)
        try:
            for index, (name, command) in enumerate(conform.parse_testees(args.testee, tool)):
                listed = conform.listed_for(conform.read_failure_list(args.failure_list), name)
                info, rs = conform.run_testee(index, name, command, cases, reference, judge,
                                              out_dir / "work", listed, args.timeout)
                info["counts"] = conform.summary_counts(rs)
                infos.append(info)
                report_results += rs
        finally:
            reference.close()
            judge.close()
        cases_json += [c.to_json() for c in cases]
    report = {"schema": "compactfuzz-conform/1", "mode": "build-tree", "started": common.iso(started),
              "seconds": round(seconds, 3), "commit": common.git_commit(), "reference": str(tool),
              "paths": [str(p) for p in args.paths], "shard": args.shard, "jobs": jobs,
              "units": len(units), "bytes": total, "ignored": ignored, "resumed": resumed,
              "checked_bytes": checked_bytes, "interrupted": interrupted,
              "mb_per_s": round(checked_bytes / 1e6 / max(seconds, 1e-6), 2),
              "testees": infos, "cases": cases_json, "results": report_results}
    paths = conform_report.write_reports(report, common.repo_path(args.out))
    print(f"conform: {len(units)} units, {resumed} resumed from the state, "
          f"{common.human_bytes(checked_bytes)} checked in {seconds:.1f} s "
          f"({report['mb_per_s']} MB/s with {jobs} jobs)", flush=True)
    print(f"conform: reports: {', '.join(common.rel(p) for p in paths)}", flush=True)
    failed = False
    for info in infos:
        print(conform.summary_line(info["name"], info["counts"]), flush=True)
        failed = failed or info["counts"]["unexpected_failure"] > 0 or info["counts"]["unexpected_success"] > 0
    if interrupted:
        return 130
    return 1 if failed else 0
