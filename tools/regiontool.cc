// regiontool: the command-line face of core (DESIGN.md "regiontool"). Exit codes: 0 clean,
// 1 an input was rejected (or, for compact/roundtrip, not reproduced), 2 usage or I/O error.
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "tools/check_cmd.h"
#include "tools/annotate.h"
#include "tools/compact_cmds.h"
#include "tools/inspect.h"
#include "tools/load_cmds.h"

namespace {

using cf::tool::ExitCode;

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

// The worst exit code wins, and 2 (usage/IO) beats 1 (rejected).
int worse(int worst, int code) {
  if (code == cf::tool::exit_usage || worst == cf::tool::exit_usage) return cf::tool::exit_usage;
  return std::max(worst, code);
}

int run_annotate(const std::vector<std::string>& files, const cf::tool::InspectOptions& options) {
  int worst = cf::tool::exit_ok;
  for (const std::string& f : files) {
    cf::tool::AnnotateReport r = cf::tool::annotate_file(f, options);
    worst = worse(worst, r.exit_code);
    cf::tool::print_annotation(std::cout, r);
    if (r.error) std::cerr << "regiontool: " << r.error->describe() << "\n";
  }
  return worst;
}

int run_inspect(const std::vector<std::string>& files, bool json, bool objects, bool annotate, bool lenient,
                bool current) {
  cf::tool::InspectOptions options;
  options.objects = objects;
  options.walk.canonical = !lenient;
  options.header.current_only = current;
  if (annotate) return run_annotate(files, options);
  int worst = cf::tool::exit_ok;
  nlohmann::json all = nlohmann::json::array();
  for (const std::string& f : files) {
    cf::tool::InspectReport r = cf::tool::inspect_file(f, options);
    worst = worse(worst, r.exit_code);
    if (json) all.push_back(cf::tool::to_json(r, objects));
    else cf::tool::print_text(std::cout, r, objects);
    if (r.error) std::cerr << "regiontool: " << r.error->describe() << "\n";
  }
  if (json) std::cout << (files.size() == 1 ? all[0] : all).dump(1) << "\n";
  return worst;
}

int run_compact(cf::tool::CompactCmdOptions o, const std::string& key, const std::string& base_text,
                const std::string& strategy, int format_number) {
  if (!key.empty()) o.key = key;
  if (!base_text.empty()) {
    uint64_t base = 0;
    if (!parse_u64(base_text, &base)) {
      std::cerr << "regiontool compact: --base '" << base_text << "' is not a number\n";
      return ExitCode::exit_usage;
    }
    o.base = base;
  }
  o.strategy = strategy == "recursive" ? cf::Strategy::recursive : cf::Strategy::worklist;
  if (format_number != 0) o.format = format_number == 3 ? cf::Format::v3 : cf::Format::v2;
  return cf::tool::run_compact(o, std::cout, std::cerr);
}

int run_roundtrip(const std::vector<std::string>& files, bool chain, const std::string& strategy,
                  const std::string& order) {
  cf::tool::RoundtripOptions rt;
  if (strategy == "worklist") rt.strategies = {cf::Strategy::worklist};
  if (strategy == "recursive") rt.strategies = {cf::Strategy::recursive};
  rt.order = order == "ascending"    ? cf::tool::OrderChoice::ascending
             : order == "descending" ? cf::tool::OrderChoice::descending
                                     : cf::tool::OrderChoice::automatic;
  return cf::tool::run_roundtrip(files, chain, rt, std::cout, std::cerr);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"regiontool: inspect and check Lean 4 compacted-region files (.olean, .ir, snapshots)"};
  app.require_subcommand(1);

  std::vector<std::string> files;
  bool json = false, objects = false, annotate = false, lenient = false, current = false;
  CLI::App* inspect = app.add_subcommand(
      "inspect", "Walk every object of each file: header fields, counts and bytes per kind, root, max depth");
  inspect->add_option("files", files, "region files")->required();
  inspect->add_flag("--json", json, "one JSON object per file (an array for several files)");
  inspect->add_flag("--objects", objects, "also list every object (offset, kind, tag, size, fields, depth)");
  inspect->add_flag("--annotate", annotate,
                    "label every byte range (offset, bytes, field, value, meaning); a rejected file up to its "
                    "error, then a `>>>` marker line")
      ->excludes("--json");
  inspect->add_flag("--lenient", lenient, "accept Tier C (canonical-form) violations");
  inspect->add_flag("--current", current, "accept only v2/v3, as current upstream Lean does");

  cf::tool::LoadCmdOptions load;
  std::string path_name = "auto", output;
  bool no_validate = false;
  auto add_load_options = [&](CLI::App* cmd) {
    cmd->add_option("files", load.files, "region files; with --chain, one save chain in order")->required();
    cmd->add_flag("--chain", load.chain, "the files are one save chain: part k is read with parts 0..k-1 as deps");
    cmd->add_option("--path", path_name, "fast, slow or auto (default): fast fails unless every region is at its base")
        ->check(CLI::IsMember({"auto", "fast", "slow"}));
    cmd->add_flag("--lenient", lenient, "accept Tier C (canonical-form) violations");
    cmd->add_flag("--current", current, "accept only v2/v3, as current upstream Lean does");
  };
  CLI::App* validate = app.add_subcommand("validate", "Load each file (or one chain) with full validation");
  add_load_options(validate);
  validate->add_flag("--no-validate", no_validate, "skip validation on the fast path (upstream's speed)");
  CLI::App* dump = app.add_subcommand("dump", "Load a file or chain and write its graph in canonical JSON");
  add_load_options(dump);
  dump->add_option("-o,--output", output, "output file, or - for stdout")->required();

  cf::tool::CompactCmdOptions compact_opts;
  std::string key, base_text, compact_strategy = "worklist";
  int format_number = 0;
  CLI::App* compact =
      app.add_subcommand("compact", "Compact a graph (canonical JSON) into a region file or save chain");
  compact->add_option("graph", compact_opts.input, "graph model JSON (docs/graph-model.md)")->required();
  compact->add_option("-o,--output", compact_opts.output, "part 0's file; later parts get .server, .private, .part<k>")
      ->required();
  CLI::Option* key_opt = compact->add_option("--key", key, "base = base_addr_for_key(NAME), e.g. Batteries.Data.Char");
  compact->add_option("--base", base_text, "explicit base address (0x... or decimal)")->excludes(key_opt);
  compact->add_option("--strategy", compact_strategy, "worklist (default) or recursive")
      ->check(CLI::IsMember({"worklist", "recursive"}));
  compact->add_option("--format", format_number, "2 or 3 (default: part 0's format, else 3 with closures, else 2)")
      ->check(CLI::IsMember({2, 3}));
  compact->add_option("--dep", compact_opts.dep_files,
                      "dep region files: the graph's dep k is file k (loaded as a chain)");

  std::vector<std::string> rt_files;
  bool rt_chain = false;
  std::string rt_strategy = "both", rt_order = "auto";
  CLI::App* roundtrip = app.add_subcommand(
      "roundtrip", "Load each file (or one chain), re-compact it and compare with the input byte for byte");
  roundtrip->add_option("files", rt_files, "region files; with --chain, one save chain in order")->required();
  roundtrip->add_flag("--chain", rt_chain, "the files are one save chain, re-compacted through one compactor");
  roundtrip->add_option("--strategy", rt_strategy, "both (default), worklist or recursive")
      ->check(CLI::IsMember({"both", "worklist", "recursive"}));
  roundtrip
      ->add_option("--child-order", rt_order,
                   "auto (ascending; a v0 file that differs is retried descending), ascending, descending")
      ->check(CLI::IsMember({"auto", "ascending", "descending"}));

  std::vector<std::string> check_inputs;
  cf::tool::CheckOptions check_opts;
  std::string expect;
  CLI::App* check = app.add_subcommand(
      "check", "Run every applicable oracle (docs/oracles.md) on each file, chain or G.json: one verdict per oracle");
  check->add_option("inputs", check_inputs, "region files, or graph JSON files (*.json)")->required();
  check->add_flag("--chain", check_opts.chain, "the region files are one save chain");
  check->add_option("--expect", expect, "CLASS[@OFFSET]: also run the negative-table oracle (expected rejection)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : ExitCode::exit_usage;
  }
  if (*inspect) return run_inspect(files, json, objects, annotate, lenient, current);
  load.load.path = path_name == "fast" ? cf::LoadPath::fast : path_name == "slow" ? cf::LoadPath::slow : cf::LoadPath::automatic;
  load.load.canonical = !lenient;
  load.load.header.current_only = current;
  load.load.validate = !no_validate;
  if (*validate) return cf::tool::run_validate(load, std::cout, std::cerr);
  if (*dump) return cf::tool::run_dump(load, output, std::cout, std::cerr);
  if (*compact) return run_compact(compact_opts, key, base_text, compact_strategy, format_number);
  if (*roundtrip) return run_roundtrip(rt_files, rt_chain, rt_strategy, rt_order);
  if (*check) {
    if (!expect.empty()) {
      const size_t at = expect.find('@');
      check_opts.expect_class = expect.substr(0, at);
      if (at != std::string::npos) {
        uint64_t off = 0;
        if (!parse_u64(expect.substr(at + 1), &off)) {
          std::cerr << "regiontool check: --expect offset '" << expect.substr(at + 1) << "' is not a number\n";
          return ExitCode::exit_usage;
        }
        check_opts.expect_offset = off;
      }
    }
    return cf::tool::run_check(check_inputs, check_opts, std::cout, std::cerr);
  }
  return ExitCode::exit_usage;
}
