// See check_cmd.h.
#include "tools/check_cmd.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <istream>
#include <ostream>
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

#include "core/io.h"
#include "core/placement.h"
#include "oracles/catalogue.h"
#include "oracles/graph_build.h"
#include "oracles/snapshot_deps.h"
#include "oracles/snapshot_oracles.h"
#include "tools/exit_codes.h"

namespace cf::tool {
namespace {

bool is_json(const std::string& path) { return path.size() > 5 && path.compare(path.size() - 5, 5, ".json") == 0; }

// One unit's verdicts, printed; the unit's exit code.
int report(const std::vector<std::string>& files, std::vector<oracles::Verdict> verdicts, const CheckOptions& o,
           std::ostream& out) {
  if (!o.only.empty())
    std::erase_if(verdicts, [&](const oracles::Verdict& v) {
      return std::find(o.only.begin(), o.only.end(), v.oracle) == o.only.end();
    });
  int code = exit_ok;
  for (const oracles::Verdict& v : verdicts)
    if (v.outcome == oracles::Outcome::finding) code = exit_rejected;
  const std::string& input = files.back();
  if (!o.json) {
    for (const oracles::Verdict& v : verdicts) out << input << ": " << oracles::describe(v) << "\n";
    return code;
  }
  nlohmann::json list = nlohmann::json::array();
  for (const oracles::Verdict& v : verdicts)
    list.push_back({{"oracle", std::string(oracles::oracle_name(v.oracle))},
                    {"title", std::string(oracles::oracle_title(v.oracle))},
                    {"outcome", std::string(oracles::outcome_id(v.outcome))},
                    {"reason", v.reason}});
  nlohmann::json line{{"input", input}, {"files", files}, {"verdicts", list}, {"exit", code}};
  if (!o.unit_id.empty()) line["id"] = o.unit_id;
  out << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  return code;
}

// A unit that could not be read or built: exit 2, and a JSON line saying so with --json.
int unusable(const std::vector<std::string>& files, const std::string& why, const CheckOptions& o, std::ostream& out,
             std::ostream& err) {
  err << "regiontool check: " << why << "\n";
  if (o.json) {
    nlohmann::json line{{"input", files.back()}, {"files", files}, {"verdicts", nlohmann::json::array()},
                        {"exit", exit_usage}, {"error", why}};
    if (!o.unit_id.empty()) line["id"] = o.unit_id;
    out << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  }
  return exit_usage;
}

int check_graph_file(const std::string& path, const CheckOptions& o, std::ostream& out, std::ostream& err) {
  auto text = read_file(path);
  if (!text) return unusable({path}, text.error().describe(), o, out, err);
  const std::string_view doc(reinterpret_cast<const char*>(text.value().data()), text.value().size());
  auto built = oracles::build_graph_text(doc, {});
  if (const auto* e = std::get_if<oracles::BuildError>(&built)) return unusable({path}, path + ": " + e->message, o, out, err);
  auto& g = std::get<oracles::BuiltGraph>(built);
  oracles::GraphInput in;
  in.gmp = g.heap.gmp();
  in.options = oracles::save_options(g);
  if (in.options.format < Format::v2) in.options.format = Format::v2;  // legacy headers are read-only here
  if (!g.parts.at(0).base_addr) in.options.base_addr = placement::k_graph_document;
  in.options.name = path;
  for (const oracles::PartSpec& p : g.parts) in.roots.push_back(p.root);
  return report({path}, oracles::check_graph(in), o, out);
}

// A region file with a `.deps` sidecar beside it is a snapshot: the snapshot oracles.
int check_snapshot_file(const std::string& path, const CheckOptions& o, std::ostream& out, std::ostream& err) {
  const std::string deps = oracles::deps_path_of(path);
  auto text = read_file(deps);
  if (!text) return unusable({path}, text.error().describe(), o, out, err);
  const std::string_view sidecar(reinterpret_cast<const char*>(text.value().data()), text.value().size());
  return report({path}, oracles::check_snapshot_with_sidecar(path, sidecar, deps), o, out);
}

bool has_sidecar(const std::string& path) { return ::access(oracles::deps_path_of(path).c_str(), F_OK) == 0; }

int check_file_unit(const std::vector<std::string>& files, const CheckOptions& o, std::ostream& out, std::ostream& err) {
  oracles::FileUnit unit;
  unit.names = files;
  for (const std::string& f : files) {
    auto bytes = read_file(f);
    if (!bytes) return unusable(files, bytes.error().describe(), o, out, err);
    unit.bytes.push_back(std::move(bytes.value()));
  }
  std::vector<oracles::Verdict> v = oracles::check_file_unit(unit);
  if (o.expect_class) v.push_back(oracles::negative_table(unit, *o.expect_class, o.expect_offset));
  return report(files, std::move(v), o, out);
}

}  // namespace

int run_check(const std::vector<std::string>& inputs, const CheckOptions& o, std::ostream& out, std::ostream& err) {
  for (const std::string& f : inputs) {
    struct stat st {};
    if (::stat(f.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      err << "regiontool check: " << f << " is a directory; check a build tree (every module, chain and snapshot "
          << "in it) with `scripts/compactfuzz conform " << f << "`\n";
      return exit_usage;
    }
  }
  std::vector<std::vector<std::string>> units;
  for (const std::string& f : inputs) {
    if (o.chain && !is_json(f) && !units.empty() && !is_json(units.back()[0])) units.back().push_back(f);
    else units.push_back({f});
  }
  int worst = exit_ok;
  for (const auto& files : units) {
    const bool snapshot = files.size() == 1 && !is_json(files[0]) && has_sidecar(files[0]) && !o.expect_class;
    worst = worse(worst, is_json(files[0]) ? check_graph_file(files[0], o, out, err)
                         : snapshot        ? check_snapshot_file(files[0], o, out, err)
                                           : check_file_unit(files, o, out, err));
  }
  return worst;
}

int run_check_units(std::istream& in, const CheckOptions& options, std::ostream& out, std::ostream& err) {
  std::string text;
  while (std::getline(in, text)) {
    if (text.empty()) continue;
    const nlohmann::json unit = nlohmann::json::parse(text, nullptr, false);
    CheckOptions o = options;
    o.json = true;
    bool usable = unit.is_object() && unit.contains("files") && unit["files"].is_array() && !unit["files"].empty();
    std::vector<std::string> files;
    if (usable)
      for (const nlohmann::json& f : unit["files"]) {
        if (!f.is_string()) usable = false;
        else files.push_back(f.get<std::string>());
      }
    if (!usable) {
      out << nlohmann::json{{"error", "a unit is {\"id\", \"files\": [...], \"chain\": bool}"}}.dump() << std::endl;
      continue;
    }
    o.unit_id = unit.value("id", files[0]);
    o.chain = unit.value("chain", files.size() > 1);
    run_check(files, o, out, err);
    out.flush();
  }
  return exit_ok;
}

}  // namespace cf::tool
