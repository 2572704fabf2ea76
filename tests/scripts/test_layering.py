"""scripts/cf/layering.py: the include and link rules hold on this tree, and each kind of
violation planted in a small tree of its own is reported with the offending file and line."""

import importlib.util
import io
import tempfile
import unittest
from contextlib import redirect_stdout
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SPEC = importlib.util.spec_from_file_location("cf_layering", ROOT / "scripts" / "cf" / "layering.py")
layering = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(layering)

# A minimal tree that obeys every rule.
CLEAN = {
    "core/a.h": "#pragma once\n#include <cstdint>\n",
    "core/a.cc": '#include "core/a.h"\n',
    "core/CMakeLists.txt": "add_library(cf_core STATIC a.cc)\n",
    "oracles/o.cc": '#include "core/a.h"\n',
    "oracles/CMakeLists.txt": "add_library(cf_oracles STATIC o.cc)\ntarget_link_libraries(cf_oracles PUBLIC cf_core)\n",
    "harness/fuzz_x.cc": '#include "oracles/o.h"\n',
    "harness/CMakeLists.txt": "target_link_libraries(${t} PRIVATE cf_oracles cf_fuzzsupport)\n",
    "tools/t.cc": '#include "oracles/o.h"\n#include "core/a.h"\n',
    "tools/CMakeLists.txt": "target_link_libraries(cf_tool PUBLIC cf_core\n  cf_oracles)\n",
    "testsupport/s.cc": '#include "core/a.h"\n',
    "tests/x_test.cc": '#include "core/a.h"\n#include "testsupport/s.h"\n',
    "tests/CMakeLists.txt": "cf_add_test(x_test cf_core cf_testsupport)  # comment (cf_tool)\n",
    "bench/b.cc": '#include "core/a.h"\n',
    "bench/CMakeLists.txt": "target_link_libraries(b PRIVATE cf_core benchmark::benchmark)\n",
}


def tree(changes):
    """A temporary tree: CLEAN with `changes` (path -> text) applied; returns its path."""
    d = tempfile.TemporaryDirectory()
    for rel, text in {**CLEAN, **changes}.items():
        p = Path(d.name) / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return d


def violations(changes):
    with tree(changes) as d:
        return [str(v) for v in layering.check(Path(d))]


class LayeringOfThisTree(unittest.TestCase):
    def test_the_tree_obeys_every_rule(self):
        found = [str(v) for v in layering.check(ROOT)]
        self.assertEqual(found, [], "\n".join(found))

    def test_main_exits_by_the_verdict(self):
        with redirect_stdout(io.StringIO()) as out:
            self.assertEqual(layering.main(["--root", str(ROOT)]), 0)
        self.assertIn("0 violations", out.getvalue())
        with tree({"core/a.cc": '#include "tools/t.h"\n'}) as d, redirect_stdout(io.StringIO()) as out:
            self.assertEqual(layering.main(["--root", d]), 1)
        self.assertIn("core/a.cc:1:", out.getvalue())


class PlantedViolations(unittest.TestCase):
    def test_clean_tree_has_none(self):
        self.assertEqual(violations({}), [])

    def test_core_including_oracles(self):
        found = violations({"core/a.cc": '#include "core/a.h"\n#include "oracles/o.h"\n'})
        self.assertEqual(len(found), 1, found)
        self.assertTrue(found[0].startswith("core/a.cc:2: includes \"oracles/o.h\""), found)

    def test_harness_and_tools_never_include_each_other(self):
        found = violations({"harness/fuzz_x.cc": '#include "tools/inspect.h"\n',
                            "tools/t.cc": '#include "harness/region_mutator.h"\n'})
        self.assertEqual(len(found), 2, found)
        self.assertTrue(any(f.startswith("harness/fuzz_x.cc:1:") for f in found), found)
        self.assertTrue(any(f.startswith("tools/t.cc:1:") for f in found), found)

    def test_nothing_includes_tests(self):
        found = violations({"bench/b.cc": '#include "core/a.h"\n#include "tests/testlib/x.h"\n'})
        self.assertEqual(found, ['bench/b.cc:2: includes "tests/testlib/x.h": bench/ may include only bench, core, '
                                 'oracles, testsupport'])

    def test_bench_may_not_include_harness_or_tools(self):
        found = violations({"bench/b.cc": '#include "oracles/snapshot_gen.h"\n#include "harness/snapshot_mutator.h"\n'
                                          '#include "tools/inspect.h"\n'})
        includes = [f.split(":")[1] for f in found if f.startswith("bench/b.cc:")]
        self.assertEqual(includes, ["2", "3"], found)

    def test_a_layer_linking_a_higher_one(self):
        found = violations({"oracles/CMakeLists.txt": "target_link_libraries(cf_oracles PUBLIC cf_core cf_tool)\n"})
        self.assertEqual(len(found), 1, found)
        self.assertTrue(found[0].startswith("oracles/CMakeLists.txt:1: cf_oracles links cf_tool"), found)

    def test_a_test_linking_more_than_it_includes(self):
        found = violations({"tests/CMakeLists.txt": "cf_add_test(x_test cf_core cf_oracles cf_testsupport)\n"})
        self.assertEqual(found, ["tests/CMakeLists.txt:1: x_test links cf_oracles, but tests/x_test.cc includes "
                                 "nothing of oracles/"])

    def test_a_test_linking_less_than_it_includes(self):
        found = violations({"tests/x_test.cc": '#include "core/a.h"\n#include "tools/t.h"\n#include "testsupport/s.h"\n'})
        self.assertEqual(found, ["tests/CMakeLists.txt:1: x_test includes tools/ but does not link cf_tool"])

    def test_a_call_over_several_lines_reports_its_first(self):
        found = violations({"bench/CMakeLists.txt": "\n\ntarget_link_libraries(b PRIVATE\n  cf_core\n  cf_oracles)\n"})
        self.assertTrue(found and found[0].startswith("bench/CMakeLists.txt:3: b links cf_oracles"), found)


if __name__ == "__main__":
    unittest.main()
