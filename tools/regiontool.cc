// regiontool: the command-line face of core (DESIGN.md "regiontool"). Exit codes: 0 clean,
// 1 an input was rejected, 2 usage or I/O error. Subcommands arrive with the issues that
// build them; `inspect` is here.
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "tools/inspect.h"
#include "tools/load_cmds.h"

namespace {

using cf::tool::ExitCode;

int run_inspect(const std::vector<std::string>& files, bool json, bool objects, bool lenient, bool current) {
  cf::tool::InspectOptions options;
  options.objects = objects;
  options.walk.canonical = !lenient;
  options.header.current_only = current;
  int worst = cf::tool::exit_ok;
  nlohmann::json all = nlohmann::json::array();
  for (const std::string& f : files) {
    cf::tool::InspectReport r = cf::tool::inspect_file(f, options);
    if (r.exit_code == cf::tool::exit_usage || worst == cf::tool::exit_usage) worst = cf::tool::exit_usage;
    else worst = std::max(worst, r.exit_code);
    if (json) all.push_back(cf::tool::to_json(r, objects));
    else cf::tool::print_text(std::cout, r, objects);
    if (r.error) std::cerr << "regiontool: " << r.error->describe() << "\n";
  }
  if (json) std::cout << (files.size() == 1 ? all[0] : all).dump(1) << "\n";
  return worst;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"regiontool: inspect and check Lean 4 compacted-region files (.olean, .ir, snapshots)"};
  app.require_subcommand(1);

  std::vector<std::string> files;
  bool json = false, objects = false, lenient = false, current = false;
  CLI::App* inspect = app.add_subcommand(
      "inspect", "Walk every object of each file: header fields, counts and bytes per kind, root, max depth");
  inspect->add_option("files", files, "region files")->required();
  inspect->add_flag("--json", json, "one JSON object per file (an array for several files)");
  inspect->add_flag("--objects", objects, "also list every object (offset, kind, tag, size, fields, depth)");
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

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : ExitCode::exit_usage;
  }
  if (*inspect) return run_inspect(files, json, objects, lenient, current);
  load.load.path = path_name == "fast" ? cf::LoadPath::fast : path_name == "slow" ? cf::LoadPath::slow : cf::LoadPath::automatic;
  load.load.canonical = !lenient;
  load.load.header.current_only = current;
  load.load.validate = !no_validate;
  if (*validate) return cf::tool::run_validate(load, std::cout, std::cerr);
  if (*dump) return cf::tool::run_dump(load, output, std::cout, std::cerr);
  return ExitCode::exit_usage;
}
