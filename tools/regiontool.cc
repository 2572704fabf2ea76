// regiontool: the command-line face of core (DESIGN.md "regiontool"). Exit codes: 0 clean,
// 1 an input was rejected, 2 usage or I/O error. Subcommands arrive with the issues that
// build them; `inspect` is here.
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "tools/inspect.h"

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

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : ExitCode::exit_usage;
  }
  if (*inspect) return run_inspect(files, json, objects, lenient, current);
  return ExitCode::exit_usage;
}
