// See module_parts.h.
#include "core/module_parts.h"

#include <map>

namespace cf {
namespace {

bool strip(std::string_view path, std::string_view ext, std::string* rest) {
  if (path.size() <= ext.size() || path.substr(path.size() - ext.size()) != ext) return false;
  *rest = std::string(path.substr(0, path.size() - ext.size()));
  return true;
}

}  // namespace

std::string_view part_key(ModulePart p) {
  switch (p) {
    case ModulePart::olean_server: return "oleanServer";
    case ModulePart::olean_private: return "oleanPrivate";
    case ModulePart::ir_sig: return "irSig";
    case ModulePart::ir: return "ir";
    case ModulePart::olean: break;
  }
  return "olean";
}

std::string_view part_suffix(ModulePart p) {
  switch (p) {
    case ModulePart::olean_server: return ".olean.server";
    case ModulePart::olean_private: return ".olean.private";
    case ModulePart::ir_sig: return ".ir.sig";
    case ModulePart::ir: return ".ir";
    case ModulePart::olean: break;
  }
  return ".olean";
}

std::optional<std::string> ModuleArtifacts::*field_of(ModulePart p) {
  switch (p) {
    case ModulePart::olean_server: return &ModuleArtifacts::olean_server;
    case ModulePart::olean_private: return &ModuleArtifacts::olean_private;
    case ModulePart::ir_sig: return &ModuleArtifacts::ir_sig;
    case ModulePart::ir: return &ModuleArtifacts::ir;
    case ModulePart::olean: break;
  }
  return &ModuleArtifacts::olean;
}

std::pair<ModulePart, std::string> module_part_of(std::string_view path) {
  std::string rest;
  if (strip(path, ".server", &rest)) return {ModulePart::olean_server, rest};
  if (strip(path, ".private", &rest)) return {ModulePart::olean_private, rest};
  if (strip(path, ".ir.sig", &rest)) return {ModulePart::ir_sig, rest + ".olean"};
  if (strip(path, ".ir", &rest)) return {ModulePart::ir, rest + ".olean"};
  return {ModulePart::olean, std::string(path)};
}

std::vector<ModuleArtifacts> group_module_parts(const std::vector<std::string>& paths) {
  std::vector<ModuleArtifacts> modules;
  std::map<std::string, size_t> index;
  for (const std::string& p : paths) {
    auto [part, base] = module_part_of(p);
    auto [it, fresh] = index.try_emplace(base, modules.size());
    if (fresh) modules.push_back(ModuleArtifacts{base, {}, {}, {}, {}, {}});
    std::optional<std::string>& slot = modules[it->second].*field_of(part);
    if (!slot) slot = p;
  }
  return modules;
}

std::vector<std::vector<ModuleFile>> module_chain_files(const ModuleArtifacts& m) {
  std::vector<std::vector<ModuleFile>> chains;
  for (const auto& chain : {std::vector{ModulePart::olean, ModulePart::olean_server, ModulePart::olean_private},
                            std::vector{ModulePart::ir_sig, ModulePart::ir}}) {
    std::vector<ModuleFile> files;
    for (ModulePart p : chain)
      if (const auto& path = m.*field_of(p)) files.push_back({p, *path});
    if (!files.empty()) chains.push_back(std::move(files));
  }
  return chains;
}

std::vector<std::vector<std::string>> module_chains(const ModuleArtifacts& m) {
  std::vector<std::vector<std::string>> chains;
  for (const auto& files : module_chain_files(m)) {
    chains.emplace_back();
    for (const ModuleFile& f : files) chains.back().push_back(f.path);
  }
  return chains;
}

}  // namespace cf
