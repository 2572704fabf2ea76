// regiontool: the command-line face of core + oracles (DESIGN.md "regiontool",
// docs/regiontool.md). One function per subcommand declares its options and runs it; exit
// codes are tools/exit_codes.h's: 0 clean, 1 rejected / differs / a finding, 2 usage or I/O.
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <new>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "tools/annotate.h"
#include "tools/check_cmd.h"
#include "tools/compact_cmds.h"
#include "tools/exit_codes.h"
#include "tools/inspect.h"
#include "tools/load_cmds.h"
#include "tools/serve_cmd.h"
#include "tools/snapshot_cmds.h"

namespace {

using cf::tool::exit_ok;
using cf::tool::exit_usage;

/// What a subcommand runs once the command line has parsed.
using Runner = std::function<int()>;

// A whole-string unsigned number, 0x-prefixed hex or decimal (never octal) (std::stoull would accept "12abc").
bool parse_u64(const std::string& s, uint64_t* out) {
  if (s.empty()) return false;
  char* end = nullptr;
  errno = 0;
  const bool hex = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
  const unsigned long long v = std::strtoull(s.c_str(), &end, hex ? 16 : 10);
  if (errno != 0 || end != s.c_str() + s.size() || s[0] == '-') return false;
  *out = v;
  return true;
}

Runner add_inspect(CLI::App& app) {
  struct Args {
    std::vector<std::string> files;
    bool json = false, objects = false, annotate = false, lenient = false, current = false;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "inspect", "Walk every object of each file: header fields, counts and bytes per kind, root, max depth");
  cmd->add_option("files", a->files, "region files")->required();
  cmd->add_flag("--json", a->json, "one JSON object per file (an array for several files)");
  cmd->add_flag("--objects", a->objects, "also list every object (offset, kind, tag, size, fields, depth)");
  cmd->add_flag("--annotate", a->annotate,
                "label every byte range (offset, bytes, field, value, meaning); a rejected file up to its "
                "error, then a `>>>` marker line")
      ->excludes("--json");
  cmd->add_flag("--lenient", a->lenient, "accept Tier C (canonical-form) violations");
  cmd->add_flag("--current", a->current, "accept only v2/v3, as current upstream Lean does");
  return [cmd, a]() -> int {
    if (!*cmd) return -1;
    cf::tool::InspectOptions options;
    options.objects = a->objects;
    options.walk.canonical = !a->lenient;
    options.header.current_only = a->current;
    int worst = exit_ok;
    nlohmann::json all = nlohmann::json::array();
    for (const std::string& f : a->files) {
      if (a->annotate) {
        const cf::tool::AnnotateReport r = cf::tool::annotate_file(f, options);
        cf::tool::print_annotation(std::cout, r);
        if (r.error) std::cerr << "regiontool: " << r.error->describe() << "\n";
        worst = cf::tool::worse(worst, r.exit_code);
        continue;
      }
      const cf::tool::InspectReport r = cf::tool::inspect_file(f, options);
      if (a->json) all.push_back(cf::tool::to_json(r, a->objects));
      else cf::tool::print_text(std::cout, r, a->objects);
      if (r.error) std::cerr << "regiontool: " << r.error->describe() << "\n";
      worst = cf::tool::worse(worst, r.exit_code);
    }
    if (a->json) std::cout << (a->files.size() == 1 ? all[0] : all).dump(1) << "\n";
    return worst;
  };
}

// validate and dump share the loader's options.
Runner add_load_command(CLI::App& app, bool dump) {
  struct Args {
    cf::tool::LoadCmdOptions load;
    std::string path = "auto", output;
    bool lenient = false, current = false, no_validate = false;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = dump ? app.add_subcommand("dump", "Load a file or chain and write its graph in canonical JSON")
                       : app.add_subcommand("validate", "Load each file (or one chain) with full validation");
  cmd->add_option("files", a->load.files, "region files; with --chain, one save chain in order")->required();
  cmd->add_flag("--chain", a->load.chain, "the files are one save chain: part k is read with parts 0..k-1 as deps");
  cmd->add_option("--path", a->path, "fast, slow or auto (default): fast fails unless every region is at its base")
      ->check(CLI::IsMember({"auto", "fast", "slow"}));
  cmd->add_flag("--lenient", a->lenient, "accept Tier C (canonical-form) violations");
  cmd->add_flag("--current", a->current, "accept only v2/v3, as current upstream Lean does");
  if (dump) cmd->add_option("-o,--output", a->output, "output file, or - for stdout")->required();
  else cmd->add_flag("--no-validate", a->no_validate, "skip validation on the fast path (upstream's speed)");
  return [cmd, a, dump]() -> int {
    if (!*cmd) return -1;
    cf::LoadOptions& l = a->load.load;
    l.path = a->path == "fast" ? cf::LoadPath::fast : a->path == "slow" ? cf::LoadPath::slow : cf::LoadPath::automatic;
    l.canonical = !a->lenient;
    l.header.current_only = a->current;
    l.validate = !a->no_validate;
    return dump ? cf::tool::run_dump(a->load, a->output, std::cout, std::cerr)
                : cf::tool::run_validate(a->load, std::cout, std::cerr);
  };
}

Runner add_compact(CLI::App& app) {
  struct Args {
    cf::tool::CompactCmdOptions compact;
    std::string key, base, strategy = "worklist";
    int format = 0;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("compact", "Compact a graph (canonical JSON) into a region file or save chain");
  cmd->add_option("graph", a->compact.input, "graph model JSON (docs/graph-model.md)")->required();
  cmd->add_option("-o,--output", a->compact.output, "part 0's file; later parts get .server, .private, .part<k>")
      ->required();
  CLI::Option* key = cmd->add_option("--key", a->key, "base = base_addr_for_key(NAME), e.g. Batteries.Data.Char");
  cmd->add_option("--base", a->base, "explicit base address (0x... or decimal)")->excludes(key);
  cmd->add_option("--strategy", a->strategy, "worklist (default) or recursive")
      ->check(CLI::IsMember({"worklist", "recursive"}));
  cmd->add_option("--format", a->format, "2 or 3 (default: part 0's format, else 3 with closures, else 2)")
      ->check(CLI::IsMember({2, 3}));
  cmd->add_option("--dep", a->compact.dep_files, "dep region files: the graph's dep k is file k (loaded as a chain)");
  return [cmd, a]() -> int {
    if (!*cmd) return -1;
    cf::tool::CompactCmdOptions& o = a->compact;
    if (!a->key.empty()) o.key = a->key;
    if (!a->base.empty()) {
      uint64_t base = 0;
      if (!parse_u64(a->base, &base)) {
        std::cerr << "regiontool compact: --base '" << a->base << "' is not a number\n";
        return exit_usage;
      }
      o.base = base;
    }
    o.strategy = a->strategy == "recursive" ? cf::Strategy::recursive : cf::Strategy::worklist;
    if (a->format != 0) o.format = a->format == 3 ? cf::Format::v3 : cf::Format::v2;
    return cf::tool::run_compact(o, std::cout, std::cerr);
  };
}

Runner add_roundtrip(CLI::App& app) {
  struct Args {
    std::vector<std::string> files;
    bool chain = false;
    std::string strategy = "both", order = "auto";
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "roundtrip", "Load each file (or one chain), re-compact it and compare with the input byte for byte");
  cmd->add_option("files", a->files, "region files; with --chain, one save chain in order")->required();
  cmd->add_flag("--chain", a->chain, "the files are one save chain, re-compacted through one compactor");
  cmd->add_option("--strategy", a->strategy, "both (default), worklist or recursive")
      ->check(CLI::IsMember({"both", "worklist", "recursive"}));
  cmd->add_option("--child-order", a->order,
                  "auto (ascending; a v0 file that differs is retried descending), ascending, descending")
      ->check(CLI::IsMember({"auto", "ascending", "descending"}));
  return [cmd, a]() -> int {
    if (!*cmd) return -1;
    cf::tool::RoundtripOptions rt;
    if (a->strategy == "worklist") rt.strategies = {cf::Strategy::worklist};
    if (a->strategy == "recursive") rt.strategies = {cf::Strategy::recursive};
    rt.order = a->order == "ascending"    ? cf::oracles::OrderChoice::ascending
               : a->order == "descending" ? cf::oracles::OrderChoice::descending
                                          : cf::oracles::OrderChoice::automatic;
    return cf::tool::run_roundtrip(a->files, a->chain, rt, std::cout, std::cerr);
  };
}

// --expect CLASS[@OFFSET] and --only ID,ID into CheckOptions; false (with a message) when unusable.
bool parse_check_args(const std::string& expect, const std::vector<std::string>& only, cf::tool::CheckOptions* o) {
  if (!expect.empty()) {
    const size_t at = expect.find('@');
    o->expect_class = expect.substr(0, at);
    cf::ErrorCode code;
    if (!cf::error_code_from_name(*o->expect_class, &code)) {
      std::cerr << "regiontool check: --expect class '" << *o->expect_class << "' is not an error class (docs/errors.md)\n";
      return false;
    }
    if (at != std::string::npos) {
      uint64_t off = 0;
      if (!parse_u64(expect.substr(at + 1), &off)) {
        std::cerr << "regiontool check: --expect offset '" << expect.substr(at + 1) << "' is not a number\n";
        return false;
      }
      o->expect_offset = off;
    }
  }
  for (const std::string& name : only) {
    const auto id = cf::oracles::oracle_from_name(name);
    if (!id) {
      std::cerr << "regiontool check: --only '" << name << "' is not an oracle; have:";
      for (const auto& info : cf::oracles::k_oracles) std::cerr << " " << info.name;
      std::cerr << "\n";
      return false;
    }
    o->only.push_back(*id);
  }
  return true;
}

Runner add_check(CLI::App& app) {
  struct Args {
    std::vector<std::string> inputs, only;
    std::string expect;
    cf::tool::CheckOptions check;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "check", "Run every applicable oracle (docs/oracles.md) on each file, chain or G.json: one verdict per oracle");
  cmd->add_option("inputs", a->inputs, "region files, or graph JSON files (*.json)");
  cmd->add_flag("--units", a->check.units_from_stdin,
                "read units from stdin, one JSON object per line ({\"id\", \"files\", \"chain\"}), and answer "
                "each with a JSON line (scripts/compactfuzz conform's build-tree workers)");
  cmd->add_flag("--chain", a->check.chain, "the region files are one save chain");
  cmd->add_option("--expect", a->expect, "CLASS[@OFFSET]: also run the negative-table oracle (expected rejection)");
  cmd->add_option("--only", a->only, "report only these oracles (ids as in docs/oracles.md), comma-separated")
      ->delimiter(',');
  cmd->add_flag("--json", a->check.json, "one JSON object per input unit and line (JSON Lines)");
  return [cmd, a]() -> int {
    if (!*cmd) return -1;
    if (!parse_check_args(a->expect, a->only, &a->check)) return exit_usage;
    if (a->check.units_from_stdin) return cf::tool::run_check_units(std::cin, a->check, std::cout, std::cerr);
    if (a->inputs.empty()) {
      std::cerr << "regiontool check: give inputs, or --units\n";
      return exit_usage;
    }
    return cf::tool::run_check(a->inputs, a->check, std::cout, std::cerr);
  };
}

Runner add_snapshot(CLI::App& app) {
  struct Args {
    cf::tool::SnapshotSaveCmd save;
    cf::tool::SnapshotLoadCmd load;
    std::string strategy = "worklist", path = "auto";
    unsigned workers = 0;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("snapshot", "Incremental snapshots with their .deps sidecar (docs/snapshots.md)");
  cmd->require_subcommand(1);
  CLI::App* save = cmd->add_subcommand("save", "Save a snapshot of the given modules' files, and its sidecar");
  save->add_option("files", a->save.files, "the modules' files (.olean, .olean.server, .olean.private, .ir, .ir.sig)")
      ->required();
  save->add_option("-o,--output", a->save.output, "the snapshot file F; the sidecar is F.deps")->required();
  save->add_option("--strategy", a->strategy, "worklist (default) or recursive")
      ->check(CLI::IsMember({"worklist", "recursive"}));
  std::vector<CLI::App*> readers;
  for (const char* name : {"load", "inspect"}) {
    CLI::App* r = cmd->add_subcommand(name, std::string(name) == "load"
                                                ? "Load a snapshot: its modules by workers, then itself"
                                                : "Load a snapshot and show every module, part, worker and path taken");
    r->add_option("snapshot", a->load.snapshot, "the snapshot file F (F.deps beside it)")->required();
    r->add_option("--workers", a->workers, "workers (default: LEAN_IMPORT_WORKERS, else min(cores, 4))");
    r->add_option("--path", a->path, "auto (default), fast or slow, for every read")
        ->check(CLI::IsMember({"auto", "fast", "slow"}));
    if (std::string(name) == "inspect") r->add_flag("--json", a->load.json, "one JSON object");
    readers.push_back(r);
  }
  return [cmd, save, readers, a]() -> int {
    if (!*cmd) return -1;
    if (*save) {
      a->save.strategy = a->strategy == "recursive" ? cf::Strategy::recursive : cf::Strategy::worklist;
      return cf::tool::run_snapshot_save(a->save, std::cout, std::cerr);
    }
    if (a->workers != 0) a->load.workers = a->workers;
    a->load.path = a->path == "fast" ? cf::LoadPath::fast : a->path == "slow" ? cf::LoadPath::slow : cf::LoadPath::automatic;
    return *readers[0] ? cf::tool::run_snapshot_load(a->load, std::cout, std::cerr)
                       : cf::tool::run_snapshot_inspect(a->load, std::cout, std::cerr);
  };
}

Runner add_serve(CLI::App& app) {
  auto o = std::make_shared<cf::tool::ServeOptions>();
  CLI::App* cmd = app.add_subcommand(
      "serve", "Be a conformance testee: answer docs/testee-protocol.md requests on stdin/stdout");
  cmd->add_option("--name", o->name, "the name hello answers (default compactfuzz-reference)");
  cmd->add_flag("--lenient", o->lenient, "accept Tier C (canonical-form) violations, as upstream does");
  cmd->add_flag("--current", o->current, "read v2/v3 only, as current upstream does (hello says so)");
  return [cmd, o]() -> int {
    if (!*cmd) return -1;
    return cf::tool::run_serve(*o, 0, 1, std::cerr);
  };
}

Runner add_judge(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand(
      "judge", "Judge pairs of testee answers with the conformance oracle (framed JSON on stdin/stdout)");
  return [cmd]() -> int {
    if (!*cmd) return -1;
    return cf::tool::run_judge(0, 1, std::cerr);
  };
}

int run(int argc, char** argv) {
  CLI::App app{"regiontool: inspect and check Lean 4 compacted-region files (.olean, .ir, snapshots)"};
  app.require_subcommand(1);
  const std::vector<Runner> commands = {add_inspect(app),  add_load_command(app, false), add_load_command(app, true),
                                        add_compact(app),  add_roundtrip(app),           add_check(app),
                                        add_snapshot(app), add_serve(app),            add_judge(app)};
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : exit_usage;
  }
  for (const Runner& run : commands)
    if (const int rc = run(); rc >= 0) return rc;
  return exit_usage;
}

constexpr char k_out_of_memory[] = "regiontool: out_of_memory: an allocation failed\n";

// std::terminate with a std::bad_alloc in flight: thrown where no handler may catch it, e.g.
// by nlohmann-json's destructor, which allocates its own work stack and is noexcept.
[[noreturn]] void on_terminate() {
  bool out_of_memory = false;
  if (std::exception_ptr e = std::current_exception()) {
    try {
      std::rethrow_exception(e);
    } catch (const std::bad_alloc&) {
      out_of_memory = true;
    } catch (...) {
    }
  }
  if (out_of_memory) {
    (void)!::write(2, k_out_of_memory, sizeof k_out_of_memory - 1);
    ::_exit(exit_usage);
  }
  std::abort();
}

}  // namespace

// An allocation that fails outside the loader (which types its own as out_of_memory) ends the
// command with a typed line and exit 2, never an abort (docs/fault-shim.md).
int main(int argc, char** argv) {
  std::set_terminate(on_terminate);
  try {
    return run(argc, argv);
  } catch (const std::bad_alloc&) {
    (void)!::write(2, k_out_of_memory, sizeof k_out_of_memory - 1);
    return exit_usage;
  }
}
