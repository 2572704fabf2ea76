// See check_cmd.h.
#include "tools/check_cmd.h"

#include <ostream>
#include <variant>

#include "oracles/catalogue.h"
#include "oracles/graph_build.h"
#include "tools/file_io.h"
#include "tools/inspect.h"

namespace cf::tool {
namespace {

// Where a graph without a recorded base is placed: inside every sanitizer's application range.
constexpr uint64_t k_default_base = 0x7e9c00000000ULL;

bool is_json(const std::string& path) { return path.size() > 5 && path.compare(path.size() - 5, 5, ".json") == 0; }

int print(const std::string& input, const std::vector<oracles::Verdict>& verdicts, std::ostream& out) {
  int code = exit_ok;
  for (const oracles::Verdict& v : verdicts) {
    out << input << ": " << v.oracle << ": " << oracles::outcome_name(v.outcome);
    if (!v.reason.empty()) out << " - " << v.reason;
    out << "\n";
    if (v.outcome == oracles::Outcome::finding) code = exit_rejected;
  }
  return code;
}

int check_graph_file(const std::string& path, std::ostream& out, std::ostream& err) {
  auto text = read_whole_file(path);
  if (!text) {
    err << "regiontool check: " << text.error().describe() << "\n";
    return exit_usage;
  }
  const std::string_view doc(reinterpret_cast<const char*>(text.value().data()), text.value().size());
  auto built = oracles::build_graph_text(doc, {});
  if (const auto* e = std::get_if<oracles::BuildError>(&built)) {
    err << "regiontool check: " << path << ": " << e->message << "\n";
    return exit_usage;
  }
  auto& g = std::get<oracles::BuiltGraph>(built);
  oracles::GraphInput in;
  in.gmp = g.heap.gmp();
  const oracles::PartSpec& p0 = g.parts.at(0);
  in.options.format = p0.format.value_or(g.has_closures ? Format::v3 : Format::v2);
  if (in.options.format < Format::v2) in.options.format = Format::v2;  // legacy headers: read-only
  in.options.flags = p0.flags;
  in.options.version_string = p0.version_string;
  in.options.githash = p0.githash;
  in.options.base_addr = p0.base_addr.value_or(k_default_base);
  in.options.libraries = g.libraries;
  in.options.name = path;
  for (const oracles::PartSpec& p : g.parts) in.roots.push_back(p.root);
  return print(path, oracles::check_graph(in), out);
}

}  // namespace

int run_check(const std::vector<std::string>& inputs, const CheckOptions& o, std::ostream& out, std::ostream& err) {
  std::vector<std::vector<std::string>> units;
  for (const std::string& f : inputs) {
    if (is_json(f)) {
      units.push_back({f});
    } else if (o.chain && !units.empty() && !is_json(units.back()[0])) {
      units.back().push_back(f);
    } else {
      units.push_back({f});
    }
  }
  int worst = exit_ok;
  for (const auto& files : units) {
    int code;
    if (is_json(files[0])) {
      code = check_graph_file(files[0], out, err);
    } else {
      oracles::FileUnit unit;
      unit.names = files;
      code = exit_ok;
      for (const std::string& f : files) {
        auto bytes = read_whole_file(f);
        if (!bytes) {
          err << "regiontool check: " << bytes.error().describe() << "\n";
          code = exit_usage;
          break;
        }
        unit.bytes.push_back(std::move(bytes.value()));
      }
      if (code == exit_ok) {
        std::vector<oracles::Verdict> v = oracles::check_file_unit(unit);
        if (o.expect_class) v.push_back(oracles::negative_table(unit, *o.expect_class, o.expect_offset));
        code = print(files.back(), v, out);
      }
    }
    worst = std::max(worst, code);
  }
  return worst;
}

}  // namespace cf::tool
