"""conformance: the nightly's conformance stage.

Every file of corpus/real/MANIFEST.tsv is read with `regiontool inspect --json` and compared
with its MANIFEST row and its EXPECTED.json entry, check by check (docs/nightly-report.md).
"""

import hashlib
import os
import sys

from cf import common, regiontool

# MANIFEST header_version -> regiontool "format".
FORMAT_OF_HEADER_VERSION = {"0-oleanfile": "v0", "1": "v1", "2": "v2", "3": "v3"}

# Object kinds regiontool counts (objects_per_kind / bytes_per_kind keys).
KINDS = ("ctor", "array", "sarray", "string", "mpz", "thunk", "task", "ref", "promise", "closure")


def manifest_format(header_version):
    """MANIFEST header_version ('0-oleanfile', '1', '2', '3') -> regiontool format ('v0'..'v3')."""
    return FORMAT_OF_HEADER_VERSION.get(header_version, f"unknown:{header_version}")


def hex_canonical(text):
    """A '0x...' string in canonical form (lower case, no leading zeros); None if malformed."""
    try:
        return f"{int(text, 16):#x}"
    except (TypeError, ValueError):
        return None


def root_key(root):
    """The comparable part of a root: {offset, kind}, {outside: true} or {scalar: true}."""
    if not isinstance(root, dict):
        return root
    for flag in ("outside", "scalar"):
        if root.get(flag):
            return {flag: True}
    return {"offset": root.get("offset"), "kind": root.get("kind")}


# (check, expected from the MANIFEST row, actual from regiontool's JSON for the file)
MANIFEST_CHECKS = (
    ("format", lambda m: manifest_format(m["header_version"]), lambda j: j.get("format")),
    ("version_string", lambda m: "" if m["version_string"] == "-" else m["version_string"],
     lambda j: j.get("version_string")),
    ("base_addr", lambda m: hex_canonical(m["base_addr_hex"]),
     lambda j: hex_canonical(j.get("base_addr"))),
    ("file_size", lambda m: int(m["size_bytes"]), lambda j: j.get("file_size")),
)

# (check, expected from the EXPECTED.json entry, actual from regiontool's JSON for the file)
EXPECTED_CHECKS = (
    ("objects", lambda e: e.get("objects"), lambda j: j.get("objects")),
    *((f"{table}.{kind}",
       lambda e, t=table, k=kind: e.get(t, {}).get(k, 0),
       lambda j, t=table, k=kind: j[t].get(k, 0) if isinstance(j.get(t), dict) else None)
      for table in ("objects_per_kind", "bytes_per_kind") for kind in KINDS),
    ("root", lambda e: root_key(e.get("root")), lambda j: root_key(j.get("root"))),
    ("max_depth", lambda e: e.get("max_depth"), lambda j: j.get("max_depth")),
)


def check_row(check, expected, actual):
    """One comparison, as the report records it."""
    return {"check": check, "expected": expected, "actual": actual, "ok": expected == actual}


def is_trivial(row):
    """A per-kind count expected to be zero and not non-zero in fact says nothing; omit it."""
    return "_per_kind." in row["check"] and row["expected"] == 0 and not row["actual"]


def integrity_checks(path, row):
    """exists and sha256 of one corpus file against its MANIFEST row."""
    if not path.is_file():
        return [check_row("exists", True, False)]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return [check_row("exists", True, True), check_row("sha256", row["sha256"], digest)]


def inspect_checks(row, entry, info):
    """Compare regiontool's JSON for one file with its MANIFEST row and EXPECTED entry."""
    checks = [check_row("status", "ok", info.get("status"))]
    checks += [check_row(name, want(row), got(info)) for name, want, got in MANIFEST_CHECKS]
    if entry is None:
        return checks + [check_row("expected_entry", "present", "missing")]
    rows = [check_row(name, want(entry), got(info)) for name, want, got in EXPECTED_CHECKS]
    return checks + [r for r in rows if not is_trivial(r)]


def describe_error(info):
    """A one-line description of a regiontool rejection, or None."""
    err = info.get("error") if info else None
    if not err:
        return None
    return f"{err.get('class')} at offset {err.get('offset')}: {err.get('message')}"


def file_result(name, checks, error=None):
    """The report entry for one file; status fail if any check failed or there is an error."""
    ok = bool(checks) and all(c["ok"] for c in checks) and error is None
    result = {"file": name, "status": "pass" if ok else "fail", "checks": checks}
    if error is not None:
        result["error"] = error
    return result


def conformance_results(rows, expected, infos):
    """Per-file results from MANIFEST rows, EXPECTED entries and regiontool output by file."""
    results = []
    for i, row in enumerate(rows, 1):
        name = row["file"]
        checks = integrity_checks(common.ROOT / common.corpus_path(name), row)
        info, error = infos.get(name), None
        if info:
            checks += inspect_checks(row, expected.get(name), info)
            error = describe_error(info)
        elif checks[0]["ok"]:
            error = "no regiontool output for this file"
        result = file_result(name, checks, error)
        flag = "ok  " if result["status"] == "pass" else "FAIL"
        print(f"[{i:>2}/{len(rows)}] {flag} {name}", flush=True)
        results.append(result)
    return results


def summarise_conformance(results):
    """The report's conformance object from per-file results."""
    passed = sum(r["status"] == "pass" for r in results)
    return {"files": len(results), "passed": passed, "failed": len(results) - passed,
            "results": results}


def empty_conformance():
    """The report's conformance object before (or without) the conformance stage."""
    return summarise_conformance([])


def run_conformance(tool):
    """Every corpus/real file against MANIFEST.tsv and EXPECTED.json with regiontool `tool`;
    returns (conformance object, stage error or None)."""
    rows, expected = common.read_manifest(), common.read_expected()
    present = [r["file"] for r in rows if (common.ROOT / common.corpus_path(r["file"])).is_file()]
    shown = os.path.relpath(tool, common.ROOT)
    print(f"conformance: {len(rows)} files, regiontool {shown}", flush=True)
    stage_error = None
    try:
        if not tool.is_file():
            raise common.DriverError(f"{shown} does not exist")
        infos = dict(zip(present, regiontool.inspect_all(
            tool, [common.corpus_path(f) for f in present])))
    except common.DriverError as e:
        stage_error, infos = str(e), {}
        print(f"conformance: {stage_error}", file=sys.stderr, flush=True)
    results = conformance_results(rows, expected, infos)
    return summarise_conformance(results), stage_error


def conformance_stage(preset, holder):
    """The nightly conformance stage; stores the conformance object in holder."""
    conformance, error = run_conformance(regiontool.path(preset))
    holder.update(conformance)
    extra = {k: conformance[k] for k in ("files", "passed", "failed")}
    if error is not None:
        raise common.DriverError(f"regiontool: {error}")
    if conformance["failed"] or not conformance["files"]:
        raise common.DriverError(f"{conformance['failed']} of {conformance['files']} files failed")
    return extra
