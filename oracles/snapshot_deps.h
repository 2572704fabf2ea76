// The `.deps` sidecar of a snapshot (FORMAT.md §6.2): a compact JSON array with one object per
// module, keyed by the ModuleArtifacts fields (`olean`, `oleanServer`, `oleanPrivate`, `irSig`,
// `ir`; `lean`, `ilean`, `c`, `bc` are accepted and ignored), written with its keys sorted and
// read in any key order, through nlohmann-json.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/module_parts.h"
#include "core/result.h"

namespace cf::oracles {

/// `F` + ".deps".
std::string deps_path_of(const std::string& snapshot_path);

/// The sidecar's text: modules in order, keys sorted, paths as given, no whitespace.
std::string deps_json(const std::vector<ModuleArtifacts>& modules);

/// Parses a sidecar. Anything but an array of objects whose known fields are non-empty strings is
/// `bad_deps_json`, with upstream's message ("failed to parse snapshot deps file <path>: ..."),
/// naming `deps_path`, at the byte the parser reports (0 for a well-formed document of the
/// wrong shape). A module's base is its olean path, else the first part it names.
Result<std::vector<ModuleArtifacts>> parse_deps_json(std::string_view text, const std::string& deps_path);

/// Reads and parses `F.deps`; io_error when it cannot be read.
Result<std::vector<ModuleArtifacts>> read_deps_file(const std::string& snapshot_path);

}  // namespace cf::oracles
