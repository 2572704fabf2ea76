"""scripts/cf/snapshots.py: the nightly snapshot stage picks disjoint modules and the Main.olean
hazard, and fails when a snapshot oracle does not hold (judged by a fake regiontool here; the
real one runs in RealRegiontool, when built)."""

import json
import os
import subprocess
import unittest
from pathlib import Path
from unittest import mock

import support
from cf import common, regiontool, snapshots


class ModuleChoice(unittest.TestCase):
    def test_module_of_groups_parts_under_their_olean(self):
        for f in ("a/M.olean", "a/M.olean.server", "a/M.olean.private", "a/M.ir", "a/M.ir.sig"):
            self.assertEqual(snapshots.module_of(f), "a/M.olean")

    def test_overlapping_modules_are_left_out_whole(self):
        infos = {
            "A.olean": {"status": "ok", "base_addr": "0x10000", "file_size": 100},
            "A.ir": {"status": "ok", "base_addr": "0x90000", "file_size": 100},
            "B.olean": {"status": "ok", "base_addr": "0x10040", "file_size": 100},  # inside A
            "C.olean": {"status": "ok", "base_addr": "0x20000", "file_size": 100},
            "D.olean": {"status": "rejected"},
        }
        with mock.patch.object(regiontool, "inspect_all", lambda tool, files: [infos[f] for f in files]):
            self.assertEqual(snapshots.disjoint_modules("rt", list(infos)), ["A.olean", "A.ir", "C.olean"])

    def test_the_hazard_is_every_main(self):
        self.assertEqual(snapshots.hazard_files(["x/.lake__build__lib__Main.olean", "y/build__lib__Main.olean", "z/Foo.olean"]),
                         ["x/.lake__build__lib__Main.olean", "y/build__lib__Main.olean"])


FAKE = """
import json, sys
args = sys.argv[1:]
if args[:2] == ["snapshot", "save"]:
    out = args[args.index("-o") + 1]
    open(out, "w").write("snap"); open(out + ".deps", "w").write("[]")
    print(out + ": snapshot of 1 modules"); sys.exit(0)
if args[0] == "inspect":
    print(json.dumps([{"status": "ok", "base_addr": hex(0x10000 * i), "file_size": 10}
                      for i, _ in enumerate(args[2:], 1)])); sys.exit(0)
if args[0] == "check":
    hazard = "hazard" in args[-1]
    outcome = "OUTCOME"
    verdicts = [{"oracle": "worker_determinism", "outcome": outcome if not hazard else "holds", "reason": ""},
                {"oracle": "snapshot_round_trip", "outcome": "holds", "reason": ""},
                {"oracle": "overlap_hazard", "outcome": "holds" if hazard else "not_applicable", "reason": ""}]
    bad = any(v["outcome"] == "finding" for v in verdicts)
    print(json.dumps({"input": args[-1], "files": [args[-1]], "verdicts": verdicts, "exit": 1 if bad else 0}))
    sys.exit(1 if bad else 0)
sys.exit(2)
"""


class Stage(support.TempDirTest):
    def fake(self, outcome):
        tool = self.tmpdir() / "regiontool"
        support.script(tool, FAKE.replace("OUTCOME", outcome))
        return tool

    def files(self):
        return ["a/Foo.olean", "b/.lake__build__lib__Main.olean", "c/build__lib__Main.olean"]

    def test_passes_when_every_oracle_holds(self):
        extra = snapshots.run_snapshots(self.fake("holds"), self.tmpdir() / "out", self.files())
        self.assertEqual(extra["hazard_files"], 2)
        self.assertEqual(extra["verdicts"]["overlap_hazard"], {"holds": 1, "finding": 0, "not_applicable": 1})

    def test_fails_on_a_finding(self):
        with self.assertRaises(common.DriverError) as e:
            snapshots.run_snapshots(self.fake("finding"), self.tmpdir() / "out", self.files())
        self.assertIn("disjoint", str(e.exception))


HEARTPUNK = common.ROOT / "corpus" / "real" / "heartpunk__learnability"


class RealRegiontool(support.TempDirTest):
    def tool(self):
        tool = Path(os.environ.get("CF_REGIONTOOL", common.ROOT / "build" / "dev" / "bin" / "regiontool"))
        if not tool.is_file():
            self.skipTest(f"no regiontool at {tool}")
        return tool

    def run_tool(self, *args, env=None):
        return subprocess.run([str(self.tool()), *map(str, args)], capture_output=True, text=True,
                              env={**os.environ, **(env or {})})

    def saved(self):
        """A snapshot of the four heartpunk modules (16 files) and its sidecar."""
        snap = self.tmpdir() / "m.snap"
        files = sorted(HEARTPUNK.iterdir())
        proc = self.run_tool("snapshot", "save", "-o", snap, *files)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("snapshot of 4 modules (16 regions)", proc.stdout)
        return snap

    def test_save_inspect_load(self):
        snap = self.saved()
        sidecar = json.loads(Path(str(snap) + ".deps").read_text())
        self.assertEqual(len(sidecar), 4)
        proc = self.run_tool("snapshot", "inspect", "--json", "--workers", "3", snap)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        shown = json.loads(proc.stdout)
        self.assertEqual(shown["workers"], 3)
        self.assertEqual(shown["regions"], 16)
        # worker w takes modules w, w+N, ...; every module's parts in the order a loader reads them
        self.assertEqual([m["worker"] for m in shown["modules"]], [0, 1, 2, 0])
        for m in shown["modules"]:
            self.assertEqual([p["part"] for p in m["parts"]], ["olean", "oleanServer", "oleanPrivate", "ir"])
            for p in m["parts"]:
                self.assertIn(p["path"], ("fast", "slow"))
                self.assertTrue(p["why"])
        self.assertGreater(shown["snapshot_read"]["objects"], 0)
        # LEAN_IMPORT_WORKERS is read when --workers is not given
        proc = self.run_tool("snapshot", "load", "--path", "slow", snap, env={"LEAN_IMPORT_WORKERS": "2"})
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("2 workers; the snapshot read took the slow path", proc.stdout)

    def test_a_broken_sidecar_is_bad_deps_json_at_its_byte(self):
        snap = self.saved()
        deps = Path(str(snap) + ".deps")
        text = deps.read_text()
        deps.write_text(text[:40])
        proc = self.run_tool("snapshot", "load", snap)
        self.assertEqual(proc.returncode, 1, proc.stdout + proc.stderr)
        self.assertIn("rejected: bad_deps_json", proc.stdout)
        self.assertIn(str(deps), proc.stderr)
        self.assertIn("at offset 40", proc.stderr)

    def test_a_missing_dep_file_is_named(self):
        snap = self.saved()
        deps = Path(str(snap) + ".deps")
        moved = self.tmpdir() / "gone.olean"
        sidecar = json.loads(deps.read_text())
        sidecar[1]["olean"] = str(moved)
        deps.write_text(json.dumps(sidecar))
        proc = self.run_tool("snapshot", "load", snap)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn(str(moved), proc.stderr)

    def test_the_stage_passes_on_corpus_real(self):
        tool = self.tool()
        extra = snapshots.run_snapshots(tool, self.tmpdir() / "out")
        self.assertGreater(extra["disjoint_files"], 10)
        self.assertGreaterEqual(extra["hazard_files"], 2)


if __name__ == "__main__":
    unittest.main()
