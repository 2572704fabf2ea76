#!/usr/bin/env python3
"""Write the annotated dump `<file>.txt` beside every file of the negative corpus.

Each dump is the stdout of `regiontool inspect --annotate corpus/negative/<file>` run from the
repo root (so the file name in it is stable): every byte range up to the failing byte, then the
`>>>` marker line with the error class, offset and message (docs/regiontool.md).

  scripts/annotate_negative.py [--regiontool PATH]            rewrite every .txt
  scripts/annotate_negative.py [--regiontool PATH] --check    exit 1 if a .txt is missing, stale or extra

regiontool is --regiontool, else $CF_REGIONTOOL, else build/dev/bin/regiontool. Rerun this after
scripts/make_negative_corpus.py, which rewrites corpus/negative/ and so removes the dumps.
Python 3 standard library only.
"""

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NEGATIVE = ROOT / "corpus" / "negative"
SUFFIX = ".txt"


def case_files(negative=NEGATIVE):
    """Every corpus file that gets a dump: not README.md, not a dump itself; sorted."""
    return sorted(p for p in negative.rglob("*")
                  if p.is_file() and p.name != "README.md" and p.suffix != SUFFIX)


def dump_path(path):
    return path.with_name(path.name + SUFFIX)


def annotate(tool, path):
    """The annotated dump of `path` (stdout of regiontool; exit 0 or 1 is fine, 2 is not)."""
    rel = path.relative_to(ROOT).as_posix()
    proc = subprocess.run([str(tool), "inspect", "--annotate", rel], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{rel}: regiontool exit {proc.returncode}: {proc.stderr.strip()}")
    return proc.stdout


def default_tool():
    return Path(os.environ.get("CF_REGIONTOOL") or ROOT / "build" / "dev" / "bin" / "regiontool")


def differences(tool, negative=NEGATIVE):
    """Each missing, stale or orphaned dump, as a message."""
    diffs = []
    wanted = set()
    for path in case_files(negative):
        dump = dump_path(path)
        wanted.add(dump)
        if not dump.is_file():
            diffs.append(f"missing: {dump.relative_to(ROOT)}")
        elif dump.read_text(encoding="utf-8") != annotate(tool, path):
            diffs.append(f"stale: {dump.relative_to(ROOT)}")
    for dump in sorted(negative.rglob("*" + SUFFIX)):
        if dump not in wanted:
            diffs.append(f"no such case file: {dump.relative_to(ROOT)}")
    return diffs


def main(argv=None):
    parser = argparse.ArgumentParser(description="Annotated dumps beside every negative-corpus file.")
    parser.add_argument("--regiontool", type=Path, default=None, help="regiontool binary")
    parser.add_argument("--check", action="store_true", help="compare instead of writing; exit 1 on a difference")
    args = parser.parse_args(argv)
    tool = args.regiontool or default_tool()
    if not tool.is_file():
        print(f"annotate_negative: no regiontool at {tool} (build it, or pass --regiontool)", file=sys.stderr)
        return 2
    if args.check:
        diffs = differences(tool)
        for d in diffs:
            print(f"annotate_negative: {d}", file=sys.stderr)
        if diffs:
            print("annotate_negative: rerun scripts/annotate_negative.py", file=sys.stderr)
        return 1 if diffs else 0
    for dump in NEGATIVE.rglob("*" + SUFFIX):
        dump.unlink()  # a removed case leaves no orphaned dump
    files = case_files()
    for path in files:
        dump_path(path).write_text(annotate(tool, path), encoding="utf-8")
    print(f"annotate_negative: wrote {len(files)} dumps under {NEGATIVE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
