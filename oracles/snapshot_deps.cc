// See snapshot_deps.h.
#include "oracles/snapshot_deps.h"

#include <array>
#include <nlohmann/json.hpp>

#include "core/fail.h"
#include "core/io.h"

namespace cf::oracles {
namespace {

using nlohmann::json;

// The parts §6.2 names, in their keys' sorted order (core/module_parts.h part_key).
constexpr std::array<ModulePart, 5> k_fields = {ModulePart::ir, ModulePart::ir_sig, ModulePart::olean,
                                                ModulePart::olean_private, ModulePart::olean_server};
// Fields of ModuleArtifacts upstream never populates for a snapshot: accepted, ignored.
constexpr std::array<const char*, 4> k_ignored = {"lean", "ilean", "c", "bc"};

LoadError bad(const std::string& path, uint64_t byte, const std::string& what) {
  LoadError e = fail(ErrorCode::bad_deps_json, byte, "failed to parse snapshot deps file %s: %s", path.c_str(), what.c_str());
  e.file = path;
  return e;
}

Result<ModuleArtifacts> module_of(const json& entry, size_t index, const std::string& path) {
  const std::string at = "entry " + std::to_string(index);
  if (!entry.is_object()) return bad(path, 0, at + " is " + entry.type_name() + ", not an object");
  ModuleArtifacts m;
  for (const auto& item : entry.items()) {
    const std::string& key = item.key();
    const json& value = item.value();
    const auto field = std::find_if(k_fields.begin(), k_fields.end(), [&](ModulePart p) { return key == part_key(p); });
    const bool ignored = std::find(k_ignored.begin(), k_ignored.end(), key) != k_ignored.end();
    if (field == k_fields.end() && !ignored) return bad(path, 0, at + " has an unknown key \"" + key + "\"");
    if (!value.is_string()) return bad(path, 0, at + "." + key + " is " + value.type_name() + ", not a path");
    // Upstream would try to open "" and fail with an I/O error naming no file; here the sidecar
    // is what is wrong, and the error names it (docs/snapshots.md).
    if (value.get_ref<const std::string&>().empty()) return bad(path, 0, at + "." + key + " is an empty path");
    if (field != k_fields.end()) m.*field_of(*field) = value.get<std::string>();
  }
  for (ModulePart p : k_fields)
    if (m.base.empty() && m.*field_of(p)) m.base = module_part_of(*(m.*field_of(p))).second;
  if (m.olean) m.base = *m.olean;
  return m;
}

}  // namespace

std::string deps_path_of(const std::string& snapshot_path) { return snapshot_path + ".deps"; }

std::string deps_json(const std::vector<ModuleArtifacts>& modules) {
  json all = json::array();
  for (const ModuleArtifacts& m : modules) {
    json entry = json::object();  // nlohmann's object is a sorted map: the keys come out sorted
    for (ModulePart p : k_fields)
      if (const auto& value = m.*field_of(p)) entry[std::string(part_key(p))] = *value;
    all.push_back(std::move(entry));
  }
  return all.dump();
}

Result<std::vector<ModuleArtifacts>> parse_deps_json(std::string_view text, const std::string& deps_path) {
  json doc;
  try {
    doc = json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {  // e.byte: the byte of the input where parsing stopped
    return bad(deps_path, e.byte > 0 ? e.byte - 1 : 0, e.what());
  }
  if (!doc.is_array()) return bad(deps_path, 0, std::string("the document is ") + doc.type_name() + ", not an array");
  std::vector<ModuleArtifacts> modules;
  for (size_t i = 0; i < doc.size(); ++i) {
    auto m = module_of(doc[i], i, deps_path);
    if (!m) return m.take_error();
    modules.push_back(std::move(m.value()));
  }
  return modules;
}

Result<std::vector<ModuleArtifacts>> read_deps_file(const std::string& snapshot_path) {
  const std::string path = deps_path_of(snapshot_path);
  auto text = read_file(path);
  if (!text) return text.take_error();
  return parse_deps_json({reinterpret_cast<const char*>(text.value().data()), text.value().size()}, path);
}

}  // namespace cf::oracles
