"""Imports scripts/compactfuzz (a script without a .py suffix) as a module, for the tests."""

import importlib.machinery
import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def load_driver(name, extensions=True):
    """The driver as module `name` (one per test file, so patches stay local); with its
    extension modules (scripts/cf_*.py) loaded when `extensions`."""
    loader = importlib.machinery.SourceFileLoader(name, str(ROOT / "scripts" / "compactfuzz"))
    spec = importlib.util.spec_from_loader(name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    if extensions:
        module.load_extensions()
    return module
