// A module's files (FORMAT.md §3.3, §6.2, §6.3): `M.olean` with its chained parts
// `M.olean.server` and `M.olean.private`, and its IR, `M.ir.sig` then `M.ir`. Grouped by path
// the way upstream groups a snapshot's regions into `ModuleArtifacts`, and ordered into the
// chains a loader reads (each part with the earlier ones as deps).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cf {

/// Which part of a module a file is, chosen by its extension (§6.2).
enum class ModulePart : uint8_t { olean, olean_server, olean_private, ir_sig, ir };

/// One module's files by part; parts a module lacks are empty.
struct ModuleArtifacts {
  std::string base;  ///< the module's base path: its `.olean` path (the `olean` field's value when present)
  std::optional<std::string> olean, olean_server, olean_private, ir_sig, ir;
};

/// The part's field name in a `.deps` sidecar (§6.2): "olean", "oleanServer", "oleanPrivate",
/// "irSig", "ir".
std::string_view part_key(ModulePart p);
/// The part's file extension: ".olean", ".olean.server", ".olean.private", ".ir.sig", ".ir".
std::string_view part_suffix(ModulePart p);

/// The ModuleArtifacts field that holds part `p`: `m.*field_of(p)`.
std::optional<std::string> ModuleArtifacts::*field_of(ModulePart p);

/// The part `path` is and its module's base path: `.server` and `.private` strip their
/// extension, `.ir` becomes `.olean`, `.sig` strips itself then maps `.ir` to `.olean`; any other
/// path is an `.olean` (its own base).
std::pair<ModulePart, std::string> module_part_of(std::string_view path);

/// Groups `paths` into modules by base path, in first-seen order (§6.2). A later file for a
/// part a module already has replaces nothing: the first one wins.
std::vector<ModuleArtifacts> group_module_parts(const std::vector<std::string>& paths);

/// One file of a module's chain, and which part it is (by the field that named it, whatever its
/// path looks like).
struct ModuleFile {
  ModulePart part = ModulePart::olean;
  std::string path;
};

/// module_chains() with each file's part.
std::vector<std::vector<ModuleFile>> module_chain_files(const ModuleArtifacts& m);

/// The chains a loader reads for a module (§6.3), each only with the parts present:
/// olean -> olean_server -> olean_private, and ir_sig -> ir. Empty chains are left out.
std::vector<std::vector<std::string>> module_chains(const ModuleArtifacts& m);

}  // namespace cf
