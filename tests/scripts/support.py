"""What the driver's unit tests share: the repo root, scripts/ on sys.path (so `from cf import
common` works as in scripts/compactfuzz), the entry script loaded as a module, temporary
directories, fake binaries (executable Python scripts standing in for regiontool or a fuzz
target), a sample MANIFEST row with its EXPECTED entry, and a rewriter that makes a captured
report look like another build's.
"""

import copy
import importlib.machinery
import importlib.util
import re
import sys
import tempfile
import textwrap
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts"
if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))

from cf import conformance  # noqa: E402


def load_entry():
    """scripts/compactfuzz (no .py suffix) as a module: its SUBCOMMANDS, parse_args, main."""
    name = "compactfuzz_entry"
    if name in sys.modules:
        return sys.modules[name]
    loader = importlib.machinery.SourceFileLoader(name, str(SCRIPTS / "compactfuzz"))
    spec = importlib.util.spec_from_loader(name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    sys.modules[name] = module
    return module


def script(path, body):
    """Write an executable Python script (a fake binary) at path and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!{sys.executable}\n" + textwrap.dedent(body))
    path.chmod(0o755)
    return path


def fake_regiontool(directory, body):
    """A fake regiontool in directory running `body` (Python; json and sys are imported)."""
    return script(Path(directory) / "regiontool", "import json, sys\n" + textwrap.dedent(body))


class TempDirTest(unittest.TestCase):
    """A TestCase with tmpdir(): a fresh temporary directory removed after the test."""

    def tmpdir(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        return Path(tmp.name)


ROW = {
    "file": "owner__repo/build__lib__Main.olean", "repo": "owner/repo", "commit": "abc",
    "original_path": "build/lib/Main.olean", "lean_toolchain": "-", "header_version": "2",
    "flags": "1", "version_string": "4.28.0", "base_addr_hex": "0x29023b9e0000",
    "size_bytes": "26280", "sha256": "00", "githash": "7e01",
}
ENTRY = {
    "file": ROW["file"], "format": "v2", "version_string": "4.28.0", "base_addr": "0x29023b9e0000",
    "file_size": 26280, "data_start": 88, "objects": 695,
    "objects_per_kind": {"array": 12, "string": 228, "ctor": 455},
    "bytes_per_kind": {"array": 1632, "string": 11280, "ctor": 13272},
    "root": {"offset": 26224, "kind": "ctor"}, "max_depth": 15,
}


def regiontool_json(entry=ENTRY):
    """What regiontool inspect --json prints for a file matching entry (all ten kinds listed)."""
    info = copy.deepcopy(entry)
    info["status"] = "ok"
    for table in ("objects_per_kind", "bytes_per_kind"):
        info[table] = {k: entry[table].get(k, 0) for k in conformance.KINDS}
    info["root"] = dict(entry["root"], tag=0) if "offset" in entry["root"] else dict(entry["root"])
    return info


def rewrite_addresses_and_lines(text, seed):
    """The same report as from another build: every address and every line:column changed."""
    text = re.sub(r"0x[0-9a-f]+", lambda m: hex(int(m.group(0), 16) ^ (seed << 12)), text)
    return re.sub(r"\.(cc|h|c|cpp):(\d+)(:\d+)?", lambda m: f".{m.group(1)}:{int(m.group(2)) + seed}:{seed}", text)


# A fake libFuzzer binary run on files: each is "executed"; one holding b"BAD" fails with a
# CF_CHECK line, as a target with a finding does.
FAKE_LIBFUZZER_FILES = """
import sys
files = [a for a in sys.argv[1:] if not a.startswith("-")]
print(f"Running {len(files)} inputs 1 time(s) each.")
for f in files:
    print(f"Running: {f}")
    if b"BAD" in open(f, "rb").read():
        print("core/x.cc:3: CF_CHECK(ok) failed: bad input"); sys.exit(1)
    print(f"Executed {f} in 0 ms")
"""
