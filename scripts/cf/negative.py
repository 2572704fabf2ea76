"""negative: the negative corpus, corpus/negative/: malformed region files, one expected error each.

The case table is data, corpus/negative/cases.tsv: one row per case, naming a known-good base
(cf.regions) and the byte edits that break it, with its expected error class and offset. This
module reads it (for the writer, the nightly's negative stage and the unit tests), writes every
file and the README from it (`scripts/compactfuzz negative`; `--check` compares instead), and
writes the annotated `<file>.txt` dumps with `regiontool inspect --annotate`.
"""

import csv
import io
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from cf import common, regions

COLUMNS = ["class", "name", "args", "row", "offset", "base", "edits", "changed", "why"]
DUMP_SUFFIX = ".txt"
TABLE_NAME = "cases.tsv"
NAME = re.compile(r"^[a-z0-9_]+$")
NUMBER = r"(0x[0-9a-fA-F]+|\d+)"
EDIT = re.compile(rf"^(?:(?P<part>\d+):)?(?:(?P<op>cut|pad)=(?P<count>\d+)"
                  rf"|append=(?P<append>(?:[0-9a-f]{{2}})*)"
                  rf"|u(?P<bits>8|16|32|64)@(?P<int_at>{NUMBER[1:-1]})=(?P<value>{NUMBER[1:-1]})"
                  rf"|bytes@(?P<bytes_at>{NUMBER[1:-1]})=(?P<bytes>(?:[0-9a-f]{{2}})+)"
                  rf"|del@(?P<del_at>{NUMBER[1:-1]})\+(?P<del_count>\d+))$")


def negative_dir():
    """corpus/negative, the corpus this module writes."""
    return common.ROOT / "corpus" / "negative"


def table_path():
    """corpus/negative/cases.tsv, the case table."""
    return negative_dir() / TABLE_NAME


class Case:
    """One row of cases.tsv."""

    def __init__(self, row, line_no):
        self.cls, self.name, self.args, self.row = row["class"], row["name"], row["args"], row["row"]
        self.offset, self.base, self.edits = int(row["offset"]), row["base"], row["edits"]
        self.changed, self.why, self.line_no = row["changed"], row["why"], line_no

    @property
    def chain(self):
        """True for a save chain (the base names several parts): a directory of part files."""
        return "+" in self.base

    @property
    def path(self):
        """The README `file` cell: a .bin file, or a chain directory (trailing slash)."""
        return f"{self.cls}/{self.name}/" if self.chain else f"{self.cls}/{self.name}.bin"

    @property
    def expect(self):
        """The `regiontool check --expect` value: CLASS@OFFSET."""
        return f"{self.cls}@{self.offset}"

    @property
    def description(self):
        """The README `bytes changed` cell, led by the §8.3 row id."""
        return f"{self.row}: {self.changed}" if self.row != "-" else self.changed

    def file_names(self):
        """The names of the case's files, in the order regiontool reads them."""
        if self.chain:
            return list(regions.PART_NAMES[:len(self.base.split("+"))])
        return [f"{self.name}.bin"]

    def files(self, root=None):
        """The case's files under root (default corpus/negative), in order."""
        folder = Path(root or negative_dir()) / (self.path if self.chain else self.cls)
        return [folder / n for n in self.file_names()]

    def __str__(self):
        return f"{TABLE_NAME} line {self.line_no}: {self.path}"


def check_case(case):
    """ValueError naming what is wrong with one row (names, args, edits, base)."""
    if not NAME.match(case.cls) or not NAME.match(case.name):
        raise ValueError(f"{case}: class and name must be [a-z0-9_]+")
    if case.chain != ("--chain" in case.args.split()):
        raise ValueError(f"{case}: a chain (base with '+') needs --chain in args, a file none")
    if "|" in case.changed or not case.changed:
        raise ValueError(f"{case}: `changed` must be non-empty and hold no '|'")
    parts = case.base.split("+")
    unknown = [p for p in parts if p not in regions.BASES and case.base != "-"]
    if unknown:
        raise ValueError(f"{case}: unknown base {', '.join(unknown)}")
    for text in edit_list(case):
        m = EDIT.match(text)
        if not m:
            raise ValueError(f"{case}: bad edit {text!r}")
        if (m.group("part") is not None) != case.chain or int(m.group("part") or 0) >= len(parts):
            raise ValueError(f"{case}: edit {text!r}: a chain's edits name their part (K:), "
                             f"a file's do not")


def parse_table(text):
    """The cases of a cases.tsv text (lines starting with # are comments), in order."""
    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1)
             if line.strip() and not line.startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(line for _, line in lines)), delimiter="\t",
                            quoting=csv.QUOTE_NONE)
    if reader.fieldnames != COLUMNS:
        raise ValueError(f"{TABLE_NAME}: columns {reader.fieldnames}, expected {COLUMNS}")
    cases = []
    for (line_no, _), row in zip(lines[1:], reader):
        if None in row or None in row.values():
            raise ValueError(f"{TABLE_NAME} line {line_no}: {len(COLUMNS)} tab-separated cells "
                             f"expected")
        case = Case(row, line_no)
        check_case(case)
        cases.append(case)
    paths = [c.path for c in cases]
    duplicates = sorted({p for p in paths if paths.count(p) > 1})
    if duplicates:
        raise ValueError(f"{TABLE_NAME}: duplicate cases {', '.join(duplicates)}")
    return cases


def read_table(path=None):
    """The cases of corpus/negative/cases.tsv (or path)."""
    return parse_table(Path(path or table_path()).read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------
# Building a case's bytes


def edit_list(case):
    """The case's edits as strings, in order ([] for '-')."""
    return [] if case.edits == "-" else case.edits.split()


def apply_edit(data, m):
    """data (bytes) with one parsed edit applied."""
    if m.group("op") == "cut":
        return data[:int(m.group("count"))]
    if m.group("op") == "pad":
        return data + bytes(int(m.group("count")))
    if m.group("append") is not None:
        return data + bytes.fromhex(m.group("append"))
    if m.group("del_at") is not None:
        at, count = int(m.group("del_at"), 0), int(m.group("del_count"))
        return data[:at] + data[at + count:]
    if m.group("bits"):
        at, width = int(m.group("int_at"), 0), int(m.group("bits")) // 8
        new = int(m.group("value"), 0).to_bytes(width, "little")
    else:
        at, new = int(m.group("bytes_at"), 0), bytes.fromhex(m.group("bytes"))
    if at + len(new) > len(data):
        raise ValueError(f"edit {m.group(0)!r} writes past the end ({len(data)} bytes)")
    return data[:at] + new + data[at + len(new):]


def case_bytes(case):
    """The bytes of each file of a case: its base parts with its edits applied in order."""
    parts = regions.base_parts(case.base)
    for text in edit_list(case):
        m = EDIT.match(text)
        k = int(m.group("part") or 0)
        try:
            parts[k] = apply_edit(parts[k], m)
        except (ValueError, OverflowError) as e:
            raise ValueError(f"{case}: {e}") from e
    return parts


# ---------------------------------------------------------------------------------------------
# Writing and checking the corpus

README_INTRO = """\
# Negative corpus

Hand-made malformed region files, each with exactly one expected rejection: an error class
(`docs/errors.md`) and the file offset `regiontool` must report. Every file is a known-good
base with a small, named byte change, so each row below says which bytes changed.

**The table is `cases.tsv`; everything else here is generated, do not edit it by hand.**
`cases.tsv` has one row per case: class, name, `regiontool` arguments, the FORMAT.md §8.3 row,
the expected offset, the base, the edits that turn the base into the case, the `bytes changed`
text shown below, and why the case exists. `scripts/compactfuzz negative` (scripts/cf/negative.py,
Python 3 standard library; deterministic) writes every file and this README from it, then the
annotated dumps; `scripts/compactfuzz negative --check` regenerates into a temporary directory and
exits 1 if anything here differs. To add or change a case, edit `cases.tsv` and rerun it.

**Every row is checked by the loader's own judge.** The nightly's `negative` stage runs
`regiontool check [--chain] FILE(S) --expect <class>@<offset> --json` for each row and requires
exit 0 with a `negative_table` verdict that holds; `tests/scripts/test_negative.py` (ctest
`scripts.compactfuzz_unittest`) runs the same `check --expect` for each row, and checks that the
table and the files on disk match one to one, that every unmutated base is accepted, and that
`negative --check` passes.

**Annotated dumps.** Beside every file is `<file>.txt`, its `regiontool inspect --annotate` dump
(`docs/regiontool.md`): every byte range up to the failing byte, labelled, then a `>>>` marker
line with the class, offset and message. `scripts/compactfuzz negative` writes them after the
files, and `tests/scripts/test_negative_dumps.py` checks that each is current and that each
single-file row's dump ends in its expected class at its expected offset. `inspect` reads a file
alone, counts pointers that leave it as external references and resolves no library, so chain
parts and the `missing_dep` and `missing_library` rows carry no such marker.

Edits (`edits` column, applied in order; `K:` before an edit of a chain names part K; numbers are
decimal or `0x` hex; `-` means no edit):

| edit | effect |
|---|---|
| `cut=N` | keep the first N bytes |
| `pad=N` | append N zero bytes |
| `append=HEX` | append these bytes |
| `uW@OFF=V` | store V as a W-bit little-endian integer at OFF (W is 8, 16, 32 or 64) |
| `bytes@OFF=HEX` | overwrite the bytes at OFF |
| `del@OFF+N` | remove N bytes at OFF |

Bases (offsets are file offsets; `@x` is a pointer to file offset `x`; each
`bytes changed` cell starts with the FORMAT.md §8.3 row it exercises, if any):

| base | what it is |
|---|---|
| NormalForms | the real v2 file `corpus/real/cicixgliamici__a-weak-Silly-substitution-Calculus/.lake__build__lib__lean__SSC__NormalForms.olean` (1168 bytes, base 0x4fb6fe40000); FORMAT.md §10.5 lists its objects |
| syn-v3 | v3: ctor A (1 scalar field), closures C1 (arity 2, 1 fixed argument -> A) and C2 (arity 1), root ctor -> C1, C2; trailer C = 2 offsets, L = 1 library: `""`, the main program, loaded in every process (FORMAT.md §5.5) |
| syn-v3-plain | v3 without closures: String "v3", root ctor; trailer `00000000 00000000` |
| syn-mpz | v2: a 1-limb GMP mpz M, root ctor -> M |
| syn-thunk | v2: Thunk T, Task K, Ref R (scalar values), root ctor -> T, K, R |
| syn-sarray | v2: ByteArray SA `abc` (5 tail padding bytes), FloatArray (2 elements), root ctor -> both |
| syn-bigctor | v2: one field-less ctor of 3072 bytes (the largest legal), the root |
| syn-v0, syn-v1 | v0 / v1: String, root ctor -> it |
| syn-v2-closure | the syn-v3 objects C1 and A in a v2 file (invalid on purpose: closures are v3-only) |
| server-part, server-part-object | 96-byte v2 `.olean.server` part at 0x4fb6fe50000 whose root is NormalForms @0x458; the same with one own ctor -> NormalForms @0x458 |
| r1-part0, r1-part1, r1-part2 | a chain at 0x50000000000: a 96-byte part, a part with a String and a root ctor at base + 0x20000, a 96-byte part whose root is part1's root |

Chain cases are directories: their files are passed in name order,
`regiontool validate --chain part0.olean part1.olean.server ...`, and part k is read with parts
0..k-1 as deps; the offset is in the part that is rejected (the last one). `--path slow` selects
the slow path, the only one that checks dep overlap (FORMAT.md §5.7).
"""


def readme(cases):
    """README.md of the corpus: the intro and the case table."""
    lines = [README_INTRO, "| file | args | bytes changed | expected class | expected offset |",
             "|---|---|---|---|---|"]
    for case in cases:
        args = f"`{case.args}`" if case.args else ""
        lines.append(f"| `{case.path}` | {args} | {case.description} | `{case.cls}` | "
                     f"{case.offset} |")
    counts = {}
    for case in cases:
        counts[case.cls] = counts.get(case.cls, 0) + 1
    lines += ["", f"{len(cases)} cases in {len(counts)} classes: "
              + ", ".join(f"`{k}` {v}" for k, v in counts.items()) + "."]
    return "\n".join(lines) + "\n"


def write_tree(out, cases):
    """Write every case file and README.md under `out`, after removing everything there but
    the table itself (a renamed case leaves nothing stale)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for entry in out.iterdir():
        if entry.name == TABLE_NAME:
            continue
        if entry.is_dir():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    for case in cases:
        for path, data in zip(case.files(out), case_bytes(case)):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    (out / "README.md").write_text(readme(cases), encoding="utf-8")


def write_bases(out):
    """The unmutated accepted bases into out: a file per single base, a dir per chain."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for name in regions.ACCEPTED_FILES:
        (out / (name + ".bin")).write_bytes(regions.BASES[name]())
    for spec in regions.ACCEPTED_CHAINS:
        (out / spec).mkdir(exist_ok=True)
        for part_name, data in zip(regions.PART_NAMES, regions.base_parts(spec)):
            (out / spec / part_name).write_bytes(data)


def tree_files(root):
    """{relative path: bytes} of every generated file under root: not the table, not the
    annotated dumps (*.txt, written from regiontool's output)."""
    root = Path(root)
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.suffix != DUMP_SUFFIX and p.name != TABLE_NAME}


def differences(out, cases):
    """Regenerate into a temp dir and compare with `out`; the list of differences."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "negative"
        write_tree(fresh, cases)
        want = tree_files(fresh)
    have = tree_files(out) if Path(out).is_dir() else {}
    diffs = [f"missing: {p}" for p in sorted(want.keys() - have.keys())]
    diffs += [f"not generated (stale): {p}" for p in sorted(have.keys() - want.keys())]
    diffs += [f"differs: {p}" for p in sorted(want.keys() & have.keys()) if want[p] != have[p]]
    return diffs


# ---------------------------------------------------------------------------------------------
# Annotated dumps


def dump_path(path):
    """The annotated dump beside a case file: <file>.txt."""
    return Path(path).with_name(Path(path).name + DUMP_SUFFIX)


def annotate(tool, path):
    """The annotated dump of `path`: the stdout of `regiontool inspect --annotate` run from the
    repo root on its repo-relative path (exit 0 or 1 is fine, 2 is not)."""
    shown = common.rel(path)
    proc = subprocess.run([str(tool), "inspect", "--annotate", shown], cwd=common.ROOT,
                          capture_output=True, text=True, timeout=60)
    if proc.returncode not in (0, 1):
        raise common.DriverError(f"{shown}: regiontool exit {proc.returncode}: "
                                 f"{proc.stderr.strip()}")
    return proc.stdout


def write_dumps(tool, out, cases):
    """Write the dump of every case file under out; returns how many."""
    files = [f for case in cases for f in case.files(out)]
    for path in files:
        dump_path(path).write_text(annotate(tool, path), encoding="utf-8")
    return len(files)


def dump_differences(tool, out, cases):
    """Each missing, stale or orphaned dump under out, as a message."""
    diffs, wanted = [], set()
    for path in (f for case in cases for f in case.files(out)):
        dump = dump_path(path)
        wanted.add(dump)
        if not dump.is_file():
            diffs.append(f"missing dump: {common.rel(dump)}")
        elif dump.read_text(encoding="utf-8") != annotate(tool, path):
            diffs.append(f"stale dump: {common.rel(dump)}")
    diffs += [f"dump of no case file: {common.rel(d)}"
              for d in sorted(Path(out).rglob("*" + DUMP_SUFFIX)) if d not in wanted]
    return diffs


def default_regiontool():
    """$CF_REGIONTOOL, else build/dev/bin/regiontool (it may not exist)."""
    return Path(os.environ.get("CF_REGIONTOOL") or common.build_dir("dev") / "bin" / "regiontool")


# ---------------------------------------------------------------------------------------------
# The command


def cmd_negative(args):
    """`negative`: write corpus/negative/ (files, README, dumps) from cases.tsv, or with --check
    compare it with a fresh build and exit 1 on any difference."""
    cases = read_table()
    out = common.repo_path(args.out)
    if args.bases:
        write_bases(common.repo_path(args.bases))
    tool = None if args.no_dumps else Path(args.regiontool or default_regiontool())
    if tool is not None and not tool.is_file():
        raise common.DriverError(f"negative: no regiontool at {tool} for the annotated dumps "
                                 f"(build the dev preset, pass --regiontool, or --no-dumps)",
                                 exit_code=2)
    if args.check:
        diffs = differences(out, cases) + (dump_differences(tool, out, cases) if tool else [])
        for d in diffs:
            print(f"negative: {d}", flush=True)
        if diffs:
            raise common.DriverError(f"negative: {common.rel(out)} is out of date; rerun "
                                     f"scripts/compactfuzz negative")
        print(f"negative: {len(cases)} cases up to date in {common.rel(out)}"
              + ("" if tool else " (dumps not checked)"))
        return 0
    write_tree(out, cases)
    dumps = write_dumps(tool, out, cases) if tool else 0
    print(f"negative: wrote {len(cases)} cases and {dumps} annotated dumps to {common.rel(out)}")
    return 0
