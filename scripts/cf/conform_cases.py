"""conform_cases: the built-in conformance suite (docs/testee-protocol.md §5, docs/conform.md).

Every case is a protocol request with a stable name, what a testee must declare to be asked it,
and how its answers are judged. The inputs are the suite's own: corpus/real, corpus/negative,
files cut short, generated graphs (made here, compacted by the reference), deep graphs and
snapshots. make_suite() writes what it needs under a work directory and returns the cases.
"""

import json
import random
import subprocess
from pathlib import Path

from cf import common, negative, snapshots

STRATEGIES = ("worklist", "recursive")
SNAPSHOT_WORKERS = (1, 2, 4, 32)
GENERATED_SEEDS = 24
DEEP_DEPTH = 100_000
GENERATED_BASE = 0x7ED000000000  # in the band every sanitizer maps hints in (core/placement.h)
CUTS = (1, 4, 8, 50, 88, 92, 96)  # bytes kept of a real file (plus half and all but 1 and 8)
FORMAT_OF_VERSION = {0: "v0", 1: "v1", 2: "v2", 3: "v3"}


class Case:
    """One named request. `needs`: capability requirements (see missing_capability)."""

    def __init__(self, name, group, request, needs=(), formats=(), expect_files=(),
                 description="", faults=None, error_allowed=False):
        self.name, self.group, self.request = name, group, dict(request, id=name)
        self.faults = faults  # environment of the fault shim (docs/fault-shim.md), or None
        self.error_allowed = error_allowed
        self.needs, self.formats = tuple(needs), tuple(f for f in formats if f)
        self.expect_files = [str(f) for f in expect_files]
        self.description = description

    def judge_case(self, compare_classes):
        return {"name": self.name, "op": self.request["op"], "compare_classes": compare_classes,
                "expect_files": self.expect_files, "error_allowed": self.error_allowed}

    def to_json(self):
        return {"name": self.name, "group": self.group, "request": self.request,
                "needs": list(self.needs), "formats": list(self.formats),
                "expect_files": self.expect_files, "description": self.description,
                "faults": self.faults}


DEFAULT_FORMATS = ["v2", "v3"]


def missing_capability(case, caps):
    """Why a testee with capabilities `caps` is not asked `case` (None: it is asked)."""
    op = case.request["op"]
    if op == "load" and not caps.get("load"):
        return "no load capability"
    if op == "load" and case.request.get("path") == "slow" and not caps.get("load_slow"):
        return "no load_slow capability"
    if op == "load" and (len(case.request.get("files", [])) > 1 or case.request.get("deps")) \
            and not caps.get("deps"):
        return "no deps capability (a chain or deps)"
    if op in ("load", "snapshot_load"):
        have = caps.get("formats") or DEFAULT_FORMATS
        lacking = sorted(set(case.formats) - set(have))
        if lacking:
            return f"reads no {', '.join(lacking)} files"
    if op == "compact":
        if not caps.get("compact"):
            return "no compact capability"
        strategy = case.request.get("strategy", "worklist")
        if strategy not in (caps.get("strategies") or ["worklist"]):
            return f"no {strategy} strategy"
        fmt = case.request.get("format")
        if fmt and fmt not in (caps.get("compact_formats") or ["v2"]):
            return f"writes no {fmt} files"
        if case.request.get("deps") and not caps.get("deps"):
            return "no deps capability"
    if op == "snapshot_load" and not caps.get("snapshots"):
        return "no snapshots capability"
    for need in case.needs:
        if not caps.get(need, need == "gmp"):
            return f"no {need} capability"
    return None


# ---------------------------------------------------------------------------------------------
# inputs


def inspect_formats(tool, paths):
    """{path: "v2" ...} for the files whose header parses (inspect --json, batched)."""
    out = {}
    for batch in common.batches([str(p) for p in paths]):
        proc = subprocess.run([str(tool), "inspect", "--json", "--lenient", *batch],
                              capture_output=True, text=True, errors="replace", cwd=common.ROOT)
        try:
            data = json.loads(proc.stdout)
        except ValueError:
            continue
        for entry in data if isinstance(data, list) else [data]:
            if entry.get("format"):
                out[str(entry["file"])] = entry["format"]
    return out


def case_key(path):
    """A real file's part of a case name: its path under corpus/real."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to((common.ROOT / "corpus" / "real").resolve()))
    except ValueError:
        return p.name


def real_units():
    """Single real files, then chains, as lists of absolute paths (MANIFEST order)."""
    return [[str(common.ROOT / f) for f in unit]
            for unit in common.load_inputs(common.read_manifest())]


def generate_graph(seed):
    """A seeded random acyclic graph in the graph model: ctors, arrays, scalar arrays and
    strings, with sharing (nodes referenced several times) and boxed scalars."""
    rnd = random.Random(seed)
    nodes = []

    def value():
        if not nodes or rnd.random() < 0.2:
            return {"box": rnd.randrange(0, 1 << rnd.choice((4, 16, 62)))}
        return {"ref": rnd.randrange(len(nodes))}

    for _ in range(rnd.randrange(3, 60)):
        kind = rnd.choice(("ctor", "ctor", "ctor", "array", "sarray", "string"))
        if kind == "ctor":
            nodes.append({"kind": "ctor", "tag": rnd.randrange(0, 12),
                          "fields": [value() for _ in range(rnd.randrange(0, 5))],
                          "scalars": bytes(rnd.randrange(256) for _ in range(8 * rnd.randrange(0, 3))).hex()})
        elif kind == "array":
            nodes.append({"kind": "array", "elems": [value() for _ in range(rnd.randrange(0, 6))]})
        elif kind == "sarray":
            n = rnd.randrange(0, 20)
            nodes.append({"kind": "sarray", "elem_size": 1,
                          "data": bytes(rnd.randrange(256) for _ in range(n)).hex()})
        else:
            text = "".join(rnd.choice("abcxyz λ→∀ 0123") for _ in range(rnd.randrange(0, 24)))
            nodes.append({"kind": "string", "value": text})
    # The root reaches every node: an array of all the nodes no other node references.
    referenced = {v["ref"] for n in nodes for v in n.get("fields", []) + n.get("elems", []) if "ref" in v}
    nodes.append({"kind": "array", "elems": [{"ref": i} for i in range(len(nodes)) if i not in referenced]})
    return {"schema": "compactfuzz-graph/1",
            "parts": [{"format": "v2", "flags": 1, "base_addr": hex(GENERATED_BASE + (seed << 28)),
                       "root": {"ref": len(nodes) - 1}}],
            "nodes": nodes}


def deep_graph(depth):
    """A chain of `depth` nested one-field ctors: no reader or compactor may recurse on it."""
    nodes = [{"kind": "string", "value": "bottom"}]
    nodes += [{"kind": "ctor", "tag": 1, "fields": [{"ref": i}], "scalars": ""} for i in range(depth)]
    return {"schema": "compactfuzz-graph/1",
            "parts": [{"format": "v2", "flags": 1, "base_addr": hex(GENERATED_BASE - (1 << 32)),
                       "root": {"ref": len(nodes) - 1}}],
            "nodes": nodes}


def write_json(path, doc):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, separators=(",", ":"), ensure_ascii=False), encoding="utf-8")
    return path


def compact_file(tool, graph, output):
    """`regiontool compact` of a graph document: the reference makes the generated inputs."""
    output.parent.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([str(tool), "compact", str(graph), "-o", str(output)],
                          capture_output=True, text=True, errors="replace", cwd=common.ROOT)
    if proc.returncode != 0:
        raise common.DriverError(f"conform: could not make {output}: {proc.stderr.strip()[:300]}")
    return output


def dump_file(tool, files, output):
    """`regiontool dump --chain` of a real unit: the graph a compact case asks to reproduce."""
    proc = subprocess.run([str(tool), "dump", "--chain", *map(str, files), "-o", str(output)],
                          capture_output=True, text=True, errors="replace", cwd=common.ROOT)
    return proc.returncode == 0


# ---------------------------------------------------------------------------------------------
# the suite


def load_cases(kind, key, files, fmt, deps=(), paths=("auto", "slow"), description=""):
    return [Case(f"load.{kind}.{key}.{path}", "load",
                 {"op": "load", "files": [str(f) for f in files], "deps": [str(d) for d in deps],
                  "path": path}, formats=fmt, description=description)
            for path in paths]


def real_cases(tool, work, formats):
    """load.real / load.chain on both paths, reject.part_alone, compact.real per strategy."""
    cases = []
    for i, unit in enumerate(real_units()):
        fmts = [formats.get(f) for f in unit]
        key = case_key(unit[0])
        kind = "chain" if len(unit) > 1 else "real"
        cases += load_cases(kind, key, unit, fmts, description=f"{len(unit)} part(s)")
        for part in unit[1:]:
            cases.append(Case(f"reject.part_alone.{case_key(part)}", "reject",
                              {"op": "load", "files": [part], "deps": [], "path": "auto"},
                              formats=[formats.get(part)],
                              description="a later chain part read without its predecessors: "
                                          "its pointers have no dep to land in (missing_dep)"))
        if all(f in ("v2", "v3") for f in fmts):
            graph = work / "graphs" / f"real-{i}.json"
            if not dump_file(tool, unit, graph):
                continue
            for strategy in STRATEGIES:
                cases.append(Case(f"compact.real.{key}.{strategy}", "compact",
                                  {"op": "compact", "graph": str(graph), "format": fmts[0],
                                   "strategy": strategy, "deps": []},
                                  expect_files=unit,
                                  description="re-compacting the real file's graph gives its bytes"))
    return cases


def negative_cases(formats):
    """reject.negative.<name>: every file or chain of corpus/negative, read as cases.tsv says."""
    cases = []
    for case in negative.read_table():
        files = [str(f) for f in case.files()]
        path = "slow" if "--path slow" in case.args else "auto"
        cases.append(Case(f"reject.negative.{case.name}", "reject",
                          {"op": "load", "files": files, "deps": [], "path": path},
                          formats=[formats.get(f) for f in files],
                          description=f"{case.cls} at offset {case.offset}: {case.changed}"))
    return cases


def edge_cases(tool, work):
    """load.empty, reject.empty_file, reject.truncated.*, load/compact.deep.*."""
    cases = [Case("load.empty", "load", {"op": "load", "files": [], "deps": [], "path": "auto"},
                  description="an empty chain loads to an empty graph (#13521)")]
    empty = work / "inputs" / "empty.olean"
    empty.parent.mkdir(parents=True, exist_ok=True)
    empty.write_bytes(b"")
    cases.append(Case("reject.empty_file", "reject",
                      {"op": "load", "files": [str(empty)], "deps": [], "path": "auto"},
                      description="a 0-byte file"))
    source = common.ROOT / "corpus/real/cicixgliamici__a-weak-Silly-substitution-Calculus/" \
                           ".lake__build__lib__lean__SSC__NormalForms.olean"
    data = source.read_bytes()
    for n in sorted(set(CUTS + (len(data) // 2, len(data) - 8, len(data) - 1))):
        cut = work / "inputs" / f"NormalForms.cut{n}.olean"
        cut.write_bytes(data[:n])
        cases.append(Case(f"reject.truncated.NormalForms.{n}", "reject",
                          {"op": "load", "files": [str(cut)], "deps": [], "path": "auto"},
                          formats=["v2"] if n >= 88 else [],
                          description=f"NormalForms.olean ({len(data)} bytes) cut to {n} bytes"))
    graph = write_json(work / "graphs" / f"deep-{DEEP_DEPTH}.json", deep_graph(DEEP_DEPTH))
    deep = compact_file(tool, graph, work / "inputs" / f"deep-{DEEP_DEPTH}.olean")
    cases += load_cases("deep", DEEP_DEPTH, [deep], ["v2"],
                        description=f"{DEEP_DEPTH} nested ctors: no recursion in the reader")
    for strategy in STRATEGIES:
        cases.append(Case(f"compact.deep.{DEEP_DEPTH}.{strategy}", "compact",
                          {"op": "compact", "graph": str(graph), "format": "v2",
                           "strategy": strategy, "deps": []},
                          description=f"{DEEP_DEPTH} nested ctors: no recursion in the compactor"))
    return cases


def generated_cases(tool, work):
    """compact.generated.<seed>.<strategy> and load.generated.<seed>.<path>."""
    cases = []
    for seed in range(1, GENERATED_SEEDS + 1):
        graph = write_json(work / "graphs" / f"generated-{seed}.json", generate_graph(seed))
        for strategy in STRATEGIES:
            cases.append(Case(f"compact.generated.{seed}.{strategy}", "compact",
                              {"op": "compact", "graph": str(graph), "format": "v2",
                               "strategy": strategy, "deps": []},
                              description="a generated graph: bytes equal to the reference's"))
        made = compact_file(tool, graph, work / "inputs" / f"generated-{seed}.olean")
        cases += load_cases("generated", seed, [made], ["v2"],
                            description="the reference's file of a generated graph")
    return cases


def snapshot_cases(tool, work):
    """snapshot.<name>.w<N>[.slow]: the disjoint and the hazard snapshot of corpus/real."""
    files = sorted(str(p) for p in (common.ROOT / "corpus" / "real").rglob("*")
                   if p.is_file() and p.name.endswith(snapshots.MODULE_SUFFIXES))
    plans = (("disjoint", snapshots.disjoint_modules(tool, files)),
             ("hazard", snapshots.hazard_files(files)))
    cases = []
    for name, chosen in plans:
        snap = work / "snapshots" / f"{name}.snap"
        snap.parent.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run([str(tool), "snapshot", "save", "-o", str(snap), *chosen],
                              capture_output=True, text=True, errors="replace", cwd=common.ROOT)
        if proc.returncode != 0:
            raise common.DriverError(f"conform: snapshot save {name}: {proc.stderr.strip()[:300]}")
        for workers in SNAPSHOT_WORKERS:
            for path in ("auto", "slow"):
                suffix = "" if path == "auto" else ".slow"
                cases.append(Case(f"snapshot.{name}.w{workers}{suffix}", "snapshot",
                                  {"op": "snapshot_load", "snapshot": str(snap),
                                   "deps_file": str(snap) + ".deps", "workers": workers,
                                   "path": path},
                                  needs=("load_slow",) if path == "slow" else (),
                                  formats=["v3"],
                                  description=f"{len(chosen)} files, {workers} worker(s)"))
    return cases


# name -> (CF_FAULTS, CF_FAULTS_MIN_SIZE, a clean error allowed): the shim's schedules.
IO_SCHEDULES = {
    "eintr": ("eintr:open+read+pread@%2", None, False),
    "short": ("short:read+pread@all", None, False),
    "nomap_eintr_short": ("enomem:mmap@1,eintr:read+pread@%2,short:read+pread@%3", None, False),
    "enomem_first": ("enomem:malloc+mmap@1", "4096", True),
    "enomem_second": ("enomem:malloc+mmap@2", "4096", True),
}
IO_FILES = 6  # real units under each schedule: the largest, the smallest, chains


def io_cases(formats):
    """io.<schedule>.<file>: real units loaded by a testee with the fault shim preloaded; the
    graph must be the clean one, or for ENOMEM a clean (typed) error."""
    units = real_units()
    by_size = sorted(units, key=lambda u: sum(Path(f).stat().st_size for f in u))
    chosen = []
    for u in by_size[-2:] + by_size[:2] + [u for u in units if len(u) > 1][:2]:
        if u not in chosen:
            chosen.append(u)
    real = str((common.ROOT / "corpus" / "real").resolve())
    cases = []
    for sched, (rule, min_size, allowed) in IO_SCHEDULES.items():
        env = {"CF_FAULTS": rule, "CF_FAULTS_PATHS": real}
        if min_size:
            env["CF_FAULTS_MIN_SIZE"] = min_size
        for unit in chosen[:IO_FILES]:
            path = "slow" if sched.startswith("nomap") else "auto"
            cases.append(Case(f"io.{sched}.{case_key(unit[0])}", "io",
                              {"op": "load", "files": unit, "deps": [], "path": path},
                              formats=[formats.get(f) for f in unit], faults=env,
                              error_allowed=allowed,
                              description=f"CF_FAULTS={rule}: the clean graph"
                                          + (", or a typed error" if allowed else "")))
    return cases


def make_suite(tool, work):
    """Every built-in case, its inputs written under `work`."""
    work = Path(work)
    work.mkdir(parents=True, exist_ok=True)
    real = [f for unit in real_units() for f in unit]
    neg = [str(f) for c in negative.read_table() for f in c.files()]
    formats = inspect_formats(tool, real + neg)
    return (real_cases(tool, work, formats) + negative_cases(formats) + edge_cases(tool, work)
            + generated_cases(tool, work) + snapshot_cases(tool, work) + io_cases(formats))
