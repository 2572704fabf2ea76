#!/usr/bin/env python3
"""The layering rules of the C++ tree (docs/architecture.md), checked from the sources.

    core  <-  oracles  <-  {harness, tools}          core  <-  testsupport  <-  {tests, bench}
                oracles  <-  modules  <-  harness
                oracles  <-  bench  (its generated inputs only)

Two kinds of rule, each reported with the file and line that breaks it:

  includes  every `#include "dir/..."` of a folder's .h/.cc files names a folder that folder may
            include (harness and tools never include each other; nothing includes tests/);
  links     every library of ours a folder's CMakeLists.txt links is one of a layer that folder
            may use, and each test or benchmark program links exactly the layers its own source
            includes (cf_add_test(name libs...) / target_link_libraries(name ... libs...)).

Run: python3 scripts/cf/layering.py [--root DIR]; exit 0 when every rule holds, 1 with one line
per violation, 2 when the tree cannot be read. Standard library only.
"""

import argparse
import re
import sys
from pathlib import Path

# What each folder may include; a folder always may include itself.
MAY_INCLUDE = {
    "core": set(),
    "oracles": {"core"},
    "modules": {"core", "oracles"},  # the differential modules and the reference's answers
    "harness": {"core", "oracles", "modules"},
    "tools": {"core", "oracles"},
    "testsupport": {"core"},
    "tests": {"core", "oracles", "modules", "harness", "tools", "testsupport"},
    "bench": {"core", "oracles", "testsupport"},  # oracles: the generators of its inputs
    "shim": set(),  # preloaded into testees of any language: nothing of ours
}
# The library that carries each folder's code (harness: its support library, not the targets).
LIBRARY_OF = {
    "core": "cf_core",
    "oracles": "cf_oracles",
    "modules": "cf_modules",
    "harness": "cf_fuzzsupport",
    "tools": "cf_tool",
    "testsupport": "cf_testsupport",
}
FOLDER_OF = {lib: folder for folder, lib in LIBRARY_OF.items()}
# Folders whose programs must link exactly the layers their source file includes.
EXACT_LINKS = {"tests", "bench"}

INCLUDE = re.compile(r'^\s*#\s*include\s+"(?P<path>[^"]+)"')
CMAKE_CALL = re.compile(r"\b(?P<fn>target_link_libraries|cf_add_test)\s*\(", re.I)
LINK_KEYWORDS = {"PRIVATE", "PUBLIC", "INTERFACE"}


class Violation:
    def __init__(self, path, line, text):
        self.path, self.line, self.text = path, line, text

    def __str__(self):
        return f"{self.path}:{self.line}: {self.text}"


def sources(root, folder):
    """The C++ sources of one folder, recursively, sorted."""
    base = root / folder
    if not base.is_dir():
        return []
    return sorted(p for p in base.rglob("*") if p.suffix in (".h", ".c", ".cc", ".cpp", ".hpp") and p.is_file())


def includes_of(path):
    """(line number, included path) for every quoted include of a file."""
    out = []
    for n, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
        m = INCLUDE.match(line)
        if m:
            out.append((n, m.group("path")))
    return out


def included_folders(path):
    """The project folders a file includes from (its own folder included)."""
    return {inc.split("/", 1)[0] for _, inc in includes_of(path) if inc.split("/", 1)[0] in MAY_INCLUDE}


def check_includes(root, folder):
    allowed = MAY_INCLUDE[folder] | {folder}
    found = []
    for path in sources(root, folder):
        for n, inc in includes_of(path):
            top = inc.split("/", 1)[0]
            if top in MAY_INCLUDE and top not in allowed:
                may = ", ".join(sorted(allowed))
                found.append(Violation(path.relative_to(root), n,
                                       f'includes "{inc}": {folder}/ may include only {may}'))
    return found


def cmake_calls(path):
    """(function, line, [arguments]) of every target_link_libraries / cf_add_test call."""
    text = path.read_text(errors="replace")
    lines = text.splitlines()
    clean = "\n".join(line.split("#", 1)[0] for line in lines)  # comments off, line numbers kept
    calls = []
    for m in CMAKE_CALL.finditer(clean):
        depth, i = 1, m.end()
        while i < len(clean) and depth:
            depth += {"(": 1, ")": -1}.get(clean[i], 0)
            i += 1
        args = clean[m.end():i - 1].split()
        calls.append((m.group("fn").lower(), clean.count("\n", 0, m.start()) + 1, args))
    return calls


def check_links(root, folder):
    path = root / folder / "CMakeLists.txt"
    if not path.is_file():
        return []
    allowed = {LIBRARY_OF[f] for f in MAY_INCLUDE[folder] | {folder} if f in LIBRARY_OF}
    found = []
    for fn, line, args in cmake_calls(path):
        if not args:
            continue
        target, libs = args[0], [a for a in args[1:] if a not in LINK_KEYWORDS]
        ours = [lib for lib in libs if lib in FOLDER_OF]
        for lib in ours:
            if lib not in allowed and lib != LIBRARY_OF.get(folder):
                found.append(Violation(path.relative_to(root), line,
                                       f"{target} links {lib}: {folder}/ may use only {', '.join(sorted(allowed))}"))
        if folder in EXACT_LINKS and "$" not in target:
            found += exact_link(root, folder, path, line, target, set(ours))
    return found


def exact_link(root, folder, cmake, line, target, linked):
    """A test or benchmark program links exactly the layers its source includes."""
    source = root / folder / f"{target}.cc"
    if not source.is_file():
        return []
    wanted = {LIBRARY_OF[f] for f in included_folders(source) if f in LIBRARY_OF}
    found = []
    for lib in sorted(linked - wanted):
        found.append(Violation(cmake.relative_to(root), line,
                               f"{target} links {lib}, but {source.relative_to(root)} includes nothing of "
                               f"{FOLDER_OF[lib]}/"))
    for lib in sorted(wanted - linked):
        found.append(Violation(cmake.relative_to(root), line,
                               f"{target} includes {FOLDER_OF[lib]}/ but does not link {lib}"))
    return found


def check(root):
    """Every violation of the tree at root, in folder order."""
    found = []
    for folder in MAY_INCLUDE:
        found += check_includes(root, folder)
        found += check_links(root, folder)
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description="Check the include and link rules of the layers.")
    parser.add_argument("--root", default=str(Path(__file__).resolve().parents[2]), help="the repository root")
    args = parser.parse_args(argv)
    root = Path(args.root)
    if not (root / "core").is_dir():
        print(f"layering: {root} has no core/ folder", file=sys.stderr)
        return 2
    found = check(root)
    for v in found:
        print(v)
    counted = sum(len(sources(root, f)) for f in MAY_INCLUDE)
    print(f"layering: {counted} sources in {len(MAY_INCLUDE)} folders, {len(found)} violations")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
