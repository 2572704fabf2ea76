// The reference's answers to the testee protocol's `load` and `compact` requests
// (docs/testee-protocol.md §3.2-§3.3), taken from bytes in memory rather than from paths. One code
// path for two callers: libcf_module_ref.so wraps it in the C ABI (reference_module.cc), and
// fuzz_diff_load / fuzz_diff_compact call it in process as the answer every module is judged
// against (docs/differential-modules.md). It mirrors `regiontool serve`'s load and
// compact_graph_file: the same load options, the same reading of a graph document.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/compactor.h"
#include "core/layout.h"
#include "core/region.h"
#include "oracles/conform.h"

namespace cf::modules {

/// One region file in memory; `bytes` must outlive the call only (the loader copies them).
struct InputFile {
  std::string name;
  std::span<const uint8_t> bytes;
};

/// The load options of every reference load here: the runtime's validation (canonical form,
/// the flags byte expected to be 0x01), as `regiontool serve` loads without --lenient.
LoadOptions reference_load_options(LoadPath path);

/// `load`: `deps` loaded first as one chain (dep k with deps 0..k-1), then `files` as one save
/// chain, part k with every dep and parts 0..k-1. Accepted: Status::graph with
/// oracles::dump_graph(parts, deps), or a null graph when !want_graph. Rejected: the first
/// error's class and offset, `detail` its description. Every region is released on return.
oracles::Answer reference_load(std::span<const InputFile> files, std::span<const InputFile> deps, LoadPath path,
                               bool want_graph);

/// `compact` in memory: the graph document (docs/graph-model.md) built over `deps` (loaded as
/// one chain) and saved part by part with the document's options, then `base` (else the
/// document's parts[0].base_addr), `strategy` and `format` (else the document's). Accepted:
/// Status::bytes with one image per part. The compactor's rejection: Status::rejected. A
/// document that cannot be built, no or a misaligned base, an unloadable dep: Status::garbage
/// with `detail` saying why (the ABI's CF_MODULE_FAILED).
oracles::Answer reference_compact(std::string_view document, std::span<const InputFile> deps,
                                  std::optional<uint64_t> base, Strategy strategy, std::optional<Format> format);

}  // namespace cf::modules
