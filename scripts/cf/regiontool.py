"""regiontool: the driver's calls of build/<preset>/bin/regiontool and the reading of its output.

`inspect --json` (the conformance stage) and `check --json` (the loader and negative stages):
every oracle is judged inside regiontool; the driver only runs it and reads its verdicts
(docs/regiontool.md). `check --json` prints JSON Lines, one object per unit (a file, a chain or
a G.json): {"input", "files", "verdicts": [{"oracle", "title", "outcome", "reason"}], "exit"}.
"""

import json
import subprocess

from cf import common

# The outcomes of a verdict, as `check --json` spells them.
OUTCOMES = ("holds", "finding", "not_applicable")
CHECK_TIMEOUT_S = 1800  # one `check` of one unit; the largest real file takes seconds


def path(preset):
    """build/<preset>/bin/regiontool (it may not exist yet)."""
    return common.build_dir(preset) / "bin" / "regiontool"


# ---------------------------------------------------------------------------------------------
# inspect --json


def inspect_batch(regiontool, paths):
    """Run `regiontool inspect --json` on paths; return the list of per-file objects."""
    cmd = [str(regiontool), "inspect", "--json", *paths]
    proc = subprocess.run(cmd, cwd=common.ROOT, capture_output=True, text=True, errors="replace")
    if proc.returncode not in (0, 1):
        raise common.DriverError(f"regiontool exited {proc.returncode}: {proc.stderr.strip()}")
    try:
        data = json.loads(proc.stdout)
    except json.JSONDecodeError as e:
        raise common.DriverError(f"regiontool output is not JSON ({e}); "
                                 f"stderr: {proc.stderr.strip()}") from e
    data = [data] if isinstance(data, dict) else data
    if not isinstance(data, list) or len(data) != len(paths):
        raise common.DriverError(f"regiontool gave {len(data)} results for {len(paths)} files")
    return data


def inspect_all(regiontool, paths):
    """regiontool's JSON for every path, in order, batched to fit a command line."""
    return [info for batch in common.batches(paths) for info in inspect_batch(regiontool, batch)]


# ---------------------------------------------------------------------------------------------
# check --json


def check_command(regiontool, files, chain=False, expect=None, only=None):
    """The `regiontool check --json` command line for one unit."""
    cmd = [str(regiontool), "check", "--json"]
    cmd += ["--chain"] if chain else []
    cmd += [str(f) for f in files]
    cmd += ["--expect", expect] if expect else []
    cmd += ["--only", ",".join(only)] if only else []
    return cmd


def parse_check_lines(text):
    """The unit objects of `check --json` output (JSON Lines; blank lines skipped). ValueError
    names the first line that is not a unit object."""
    units = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            unit = json.loads(line)
        except json.JSONDecodeError as e:
            raise ValueError(f"line {n} is not JSON ({e}): {line[:120]}") from e
        if not isinstance(unit, dict) or not isinstance(unit.get("verdicts"), list):
            raise ValueError(f"line {n} is not a unit object with verdicts: {line[:120]}")
        units.append(unit)
    return units


def run_check(regiontool, files, chain=False, expect=None, only=None):
    """Run `regiontool check --json` on one unit (a file, or the files of a chain); return
    {"exit", "units", "stderr", "error"}; error is None or why the output cannot be used."""
    cmd = check_command(regiontool, files, chain, expect, only)
    try:
        proc = subprocess.run(cmd, cwd=common.ROOT, capture_output=True, text=True,
                              errors="replace", timeout=CHECK_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return {"exit": None, "units": [], "stderr": "",
                "error": f"no result within {CHECK_TIMEOUT_S} s"}
    result = {"exit": proc.returncode, "units": [], "stderr": proc.stderr.strip(), "error": None}
    try:
        result["units"] = parse_check_lines(proc.stdout)
    except ValueError as e:
        result["error"] = f"output is not JSON Lines: {e}"
    if result["error"] is None and proc.returncode in (0, 1) and not result["units"]:
        result["error"] = "no unit in the output"
    return result


def verdicts(result):
    """Every verdict of a run_check result, over all its units."""
    return [v for u in result["units"] for v in u.get("verdicts", [])]


def problems(result, required=()):
    """Why a run_check result is not a pass, as one-line strings ([] for a pass): an unusable
    output, exit code not 0, a verdict that is not holds or not_applicable, or an oracle of
    `required` without a verdict or with one that is not_applicable (it must hold)."""
    out = []
    if result["error"]:
        out.append(result["error"])
    if result["exit"] not in (0, None):
        detail = f": {result['stderr'][:200]}" if result["stderr"] else ""
        out.append(f"exit {result['exit']}{detail}")
    for v in verdicts(result):
        if v.get("outcome") not in ("holds", "not_applicable"):
            out.append(f"{v.get('oracle')}: {v.get('outcome')} - {v.get('reason', '')}".strip())
    outcomes = {}
    for v in verdicts(result):
        outcomes.setdefault(v.get("oracle"), set()).add(v.get("outcome"))
    for oracle in required:
        if oracle not in outcomes:
            out.append(f"{oracle}: no verdict")
        elif outcomes[oracle] == {"not_applicable"}:
            out.append(f"{oracle}: not_applicable, but it must hold")
    return out


def count_outcomes(results):
    """{oracle: {holds, finding, not_applicable}} over the verdicts of run_check results, in
    the order oracles first appear."""
    counts = {}
    for result in results:
        for v in verdicts(result):
            row = counts.setdefault(v.get("oracle", "?"), dict.fromkeys(OUTCOMES, 0))
            outcome = v.get("outcome")
            row[outcome if outcome in OUTCOMES else "finding"] += 1
    return counts
