"""snapshots: the nightly's snapshot stage (docs/snapshots.md).

Two snapshots are built from corpus/real with `regiontool snapshot save` and judged by
`regiontool check --json`, which runs every snapshot oracle (path differential, validate-then-
walk, worker determinism, overlap hazard, snapshot round trip):

  disjoint  the modules of corpus/real whose saved ranges overlap no other chosen module's (a
            module: a .olean with its .olean.server/.olean.private and its .ir), so the snapshot
            loads; worker determinism and the snapshot round trip must hold;
  hazard    every `Main.olean` of corpus/real: saved under one key, so at one base (FORMAT.md
            §6.4): each reads alone, the snapshot never does; the overlap hazard must hold.
"""

import subprocess
from pathlib import Path

from cf import common, regiontool

MODULE_SUFFIXES = (".olean.server", ".olean.private", ".ir.sig", ".ir", ".olean")


def module_of(path):
    """A file's module (its .olean path), as core/module_parts.h groups them (§6.2)."""
    for suffix in MODULE_SUFFIXES:
        if path.endswith(suffix):
            return path[: -len(suffix)] + ".olean"
    return path


def disjoint_modules(tool, files):
    """The files of the modules whose saved ranges overlap no earlier chosen module's, in path
    order; each module whole or not at all."""
    infos = regiontool.inspect_all(tool, files)
    modules = {}
    for f, info in zip(files, infos):
        if info.get("status") != "ok":
            continue
        base = int(info["base_addr"], 16)
        modules.setdefault(module_of(f), []).append((f, base, base + info["file_size"]))
    chosen, taken = [], []
    for name in sorted(modules):
        ranges = [(lo, hi) for _, lo, hi in modules[name]]
        if any(lo < t_hi and t_lo < hi for lo, hi in ranges for t_lo, t_hi in taken):
            continue
        taken += ranges
        chosen += [f for f, _, _ in modules[name]]
    return chosen


def hazard_files(files):
    """Every Main.olean: one key, one base."""
    return [f for f in files if f.endswith("__Main.olean")]


def build_and_check(tool, out_dir, name, files, required):
    """`snapshot save` then `check --json`; returns (result, problems)."""
    snapshot = Path(out_dir) / f"{name}.snap"
    cmd = [str(tool), "snapshot", "save", "-o", str(snapshot), *files]
    proc = subprocess.run(cmd, cwd=common.ROOT, capture_output=True, text=True, errors="replace")
    if proc.returncode != 0:
        return None, [f"snapshot save exited {proc.returncode}: {proc.stderr.strip()[:300]}"]
    print(f"snapshot: {proc.stdout.strip()}", flush=True)
    result = regiontool.run_check(tool, [snapshot])
    return result, regiontool.problems(result, required)


def run_snapshots(tool, out_dir, files=None):
    """The stage's body. Extra fields: modules per snapshot, verdicts per oracle."""
    files = files or sorted(str(p) for p in (common.ROOT / "corpus" / "real").rglob("*")
                            if p.is_file() and p.name.endswith(MODULE_SUFFIXES))
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    plans = [("disjoint", disjoint_modules(tool, files), ("worker_determinism", "snapshot_round_trip")),
             ("hazard", hazard_files(files), ("overlap_hazard",))]
    results, failures, extra = [], [], {}
    for name, chosen, required in plans:
        extra[f"{name}_files"] = len(chosen)
        result, bad = build_and_check(tool, out_dir, name, chosen, required)
        if result is not None:
            results.append(result)
        for v in regiontool.verdicts(result or {"units": []}):
            print(f"snapshot {name}: {v.get('title') or v.get('oracle')}: {v.get('outcome')} - {v.get('reason', '')}", flush=True)
        if bad:
            failures.append(f"{name}: {'; '.join(bad[:3])}")
    extra["verdicts"] = regiontool.count_outcomes(results)
    if failures:
        raise common.DriverError("snapshot: " + "; ".join(failures))
    return extra


def snapshot_stage(preset, run_dir):
    """The nightly snapshot stage."""
    return run_snapshots(regiontool.path(preset), Path(run_dir) / "snapshots")
