// The inverse of graph_dump: a cf::Heap built from the canonical graph JSON
// (docs/graph-model.md, schema "compactfuzz-graph/1"), ready for the Compactor. Nodes are
// built in order, so every reference is to an already built node; `dep` nodes become
// addresses inside loaded dep Regions (region.begin() + offset), which the compactor then
// references instead of copying (FORMAT.md §4.5).
//
// The JSON is untrusted (a fuzzer or a person wrote it): every defect is a BuildError naming
// the JSON path of the offending value, never an exception or an abort.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/compactor.h"
#include "core/header.h"
#include "core/heap.h"
#include "core/region.h"

namespace cf::oracles {

/// Why a graph document could not be built; `message` starts with the JSON path
/// (e.g. "nodes[12].fields[3]: ref 40 is not an earlier node").
struct BuildError {
  std::string message;
};

/// One part of the save chain, as the document describes it.
struct PartSpec {
  std::optional<Format> format;  ///< "v0".."v3" (or 0..3) when given
  uint8_t flags = k_flag_gmp;
  std::array<uint8_t, k_version_string_size> version_string{};
  std::array<uint8_t, k_githash_size_v1> githash{};
  bool text_given = false;            ///< version_string or githash present
  std::optional<uint64_t> base_addr;  ///< the part's recorded base, when given
  uint64_t root = 1;                  ///< a boxed scalar, or a physical address (heap or dep)
};

/// A built graph: the heap owns every non-dep object; roots point into it or into the deps.
struct BuiltGraph {
  Heap heap;
  std::vector<PartSpec> parts;
  std::vector<LibraryEntry> libraries;  ///< optional top-level "libraries" (v3 closures)
  uint64_t nodes = 0;
  bool has_closures = false;
};

using BuildResult = std::variant<BuiltGraph, BuildError>;

/// Builds from a parsed document. `deps[k]` is the loaded region that the document's
/// `deps[k]` names; their count must match, and a recorded base_addr must equal the region's.
/// mpz objects use the GMP layout unless part 0 says otherwise (flags bit 0 clear, v2/v3).
BuildResult build_graph(const nlohmann::json& doc, std::span<const Region* const> deps);

/// Parses `text` as JSON first; a syntax error is a BuildError too.
BuildResult build_graph_text(std::string_view text, std::span<const Region* const> deps);

/// How the document asks to be saved: part 0's format (else v3 when a node is a closure, else
/// v2), flags, version string, githash and recorded base (0 when it records none: the caller
/// places it, by --key, --base or a default), and the top-level libraries. The one reading of
/// a document into compactor options; callers override only what their command line says.
CompactorOptions save_options(const BuiltGraph& g);

/// Why `options` would read the heap's mpz objects in another layout than the one they were
/// built in (part 0's flags fixed it), or nothing when they agree.
std::optional<std::string> layout_mismatch(const BuiltGraph& g, const CompactorOptions& options);

}  // namespace cf::oracles
