"""What the driver's unit tests share: the repo root, scripts/ on sys.path (so `from cf import
common` works as in scripts/compactfuzz), the entry script loaded as a module, temporary
directories, and fake binaries (executable Python scripts standing in for regiontool or a fuzz
target).
"""

import importlib.machinery
import importlib.util
import sys
import tempfile
import textwrap
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts"
if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))


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
