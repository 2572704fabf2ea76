"""Unit tests for scripts/compactfuzz, the command line, and for the package's own rules
(scripts/README.md): plain imports of the standard library and of cf only, no file over 600
lines, no function over 120 lines.

Run from the repo root: python3 -m unittest discover -s tests/scripts -v
"""

import ast
import contextlib
import io
import sys
import unittest

import support
from cf import build, common, run

ENTRY = support.load_entry()
PACKAGE = sorted((support.SCRIPTS / "cf").glob("*.py"))
SOURCES = PACKAGE + [support.SCRIPTS / "compactfuzz"]
MAX_FILE_LINES = 600
MAX_FUNCTION_LINES = 120


class CommandLineTest(unittest.TestCase):
    def test_every_subcommand_parses(self):
        for argv in (["setup"], ["build", "--preset", "asan", "--no-setup"],
                     ["test", "--presets", "dev"], ["nightly", "--out", "x", "--no-setup"],
                     ["run", "fuzz_inspect", "--engine", "afl", "--time", "30", "--jobs", "2"],
                     ["run", "fuzz_io", "--canary", "eintr", "--out", "x", "--no-build"],
                     ["regression", "--preset", "dev", "--targets", "fuzz_io"],
                     ["minimize", "--targets", "fuzz_load", "--corpus-root", "/tmp/c"],
                     ["gen", "--out", "out/seeds"],
                     ["nightly", "--budget", "5m", "--targets", "fuzz_io", "--engine", "both",
                      "--jobs", "2", "--no-fuzz", "--no-setup"],
                     ["reproduce", "x", "--target", "fuzz_load", "--no-minimize", "--no-store", "--time", "5"],
                     ["coverage", "--no-tests", "--out", "x"], ["oss-fuzz", "--sanitizer", "undefined"],
                     ["negative", "--check", "--no-dumps", "--bases", "x", "--regiontool", "y", "--out", "z"]):
            with self.subTest(argv=argv):
                self.assertIn(ENTRY.parse_args(argv).command, ENTRY.SUBCOMMANDS)

    def test_every_subcommand_is_a_module_function(self):
        for name, (function, help_text, _) in ENTRY.SUBCOMMANDS.items():
            with self.subTest(name=name):
                self.assertTrue(function.__module__.startswith("cf."), function.__module__)
                self.assertTrue(function.__name__.startswith("cmd_"))
                self.assertTrue(help_text)

    def test_nightly_defaults(self):
        args = ENTRY.parse_args(["nightly"])
        self.assertEqual((args.budget, args.engine, args.jobs, args.targets, args.no_fuzz, args.preset),
                         ("10m", "libfuzzer", None, "", False, "release"))

    def test_run_unknown_target_is_usage_error(self):
        with self.assertRaises(common.DriverError) as caught:
            run.cmd_run(ENTRY.parse_args(["run", "fuzz_nope", "--no-build"]))
        self.assertEqual(caught.exception.exit_code, 2)

    def test_unknown_test_preset_is_usage_error(self):
        with self.assertRaises(common.DriverError) as caught:
            build.cmd_test(ENTRY.parse_args(["test", "--presets", "dev,nope", "--no-setup"]))
        self.assertEqual(caught.exception.exit_code, 2)

    def test_main_prints_the_error_and_returns_its_code(self):
        with contextlib.redirect_stderr(io.StringIO()) as err:
            rc = ENTRY.main(["run", "fuzz_nope", "--no-build"])
        self.assertEqual(rc, 2)
        self.assertIn("compactfuzz: no fuzz target named fuzz_nope", err.getvalue())


def imports_of(tree):
    """The top-level module names a parsed file imports."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add((node.module or "").split(".")[0])
    return names


class PackageRulesTest(unittest.TestCase):
    """The rules scripts/README.md states, checked on the sources."""

    def parse(self, path):
        return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))

    def test_standard_library_and_cf_only(self):
        allowed = set(sys.stdlib_module_names) | {"cf"}
        for path in SOURCES:
            with self.subTest(file=path.name):
                self.assertEqual(sorted(imports_of(self.parse(path)) - allowed), [])

    def test_no_hidden_coupling(self):
        """No importlib, no globals proxy, no test module run or imported by the driver."""
        for path in SOURCES:
            tree = self.parse(path)
            calls = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
            names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
            with self.subTest(file=path.name):
                self.assertNotIn("importlib", imports_of(tree))
                self.assertNotIn("unittest", imports_of(tree))
                self.assertFalse(calls & {"globals", "__import__", "exec", "eval"}, calls & {"globals", "__import__"})
                self.assertNotIn("DRIVER", names)
                self.assertFalse(any(m.startswith("test_") for m in imports_of(tree)))

    def test_files_are_at_most_600_lines(self):
        for path in SOURCES:
            with self.subTest(file=path.name):
                self.assertLessEqual(len(path.read_text(encoding="utf-8").splitlines()), MAX_FILE_LINES)

    def test_functions_are_at_most_120_lines(self):
        for path in SOURCES:
            for node in ast.walk(self.parse(path)):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    with self.subTest(function=f"{path.name}:{node.name}"):
                        self.assertLessEqual(node.end_lineno - node.lineno + 1, MAX_FUNCTION_LINES)

    def test_every_module_is_described_in_the_readme(self):
        readme = (support.SCRIPTS / "README.md").read_text(encoding="utf-8")
        for path in PACKAGE:
            if path.name not in ("__init__.py", "layering.py"):
                with self.subTest(module=path.name):
                    self.assertIn(f"`{path.stem}`", readme)


if __name__ == "__main__":
    unittest.main()
