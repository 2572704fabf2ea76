// `regiontool inspect`: header fields, object counts and bytes per kind, the root, depth.
// Works on bytes so tests and fuzz targets run exactly what the command runs.
#pragma once

#include <iosfwd>
#include <optional>
#include <span>
#include <string>

#include <nlohmann/json.hpp>

#include "core/header.h"
#include "core/region_walker.h"
#include "tools/exit_codes.h"

namespace cf::tool {

struct InspectOptions {
  bool objects = false;  ///< keep and print the per-object list
  HeaderOptions header;
  WalkOptions walk;
};

/// What inspect learned about one input.
struct InspectReport {
  std::string file;
  std::optional<FileHeader> header;       ///< when the header parsed
  std::optional<RegionSummary> summary;   ///< when the walk completed
  std::optional<LoadError> error;         ///< rejection or I/O error
  int exit_code = exit_ok;
};

/// Inspects an in-memory file; never throws on any input bytes.
InspectReport inspect_bytes(const std::string& name, std::span<const uint8_t> bytes, const InspectOptions& options);
/// Reads `path` and inspects it; an unreadable file gives io_error and exit code 2.
InspectReport inspect_file(const std::string& path, const InspectOptions& options);

/// The documented JSON form (docs/regiontool.md).
nlohmann::json to_json(const InspectReport& report, bool objects);
/// Human-readable form.
void print_text(std::ostream& out, const InspectReport& report, bool objects);

}  // namespace cf::tool
