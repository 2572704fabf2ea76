// The host side of the differential-module ABI (modules/cf_module.h,
// docs/differential-modules.md): the modules named by CF_MODULES, opened once per process, and
// their answers as the conformance judge (oracles/conform.h) reads answers. fuzz_diff_load and
// fuzz_diff_compact hold every module against the reference with these; tests open modules
// with open_module.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/compactor.h"
#include "core/layout.h"
#include "core/region.h"
#include "modules/cf_module.h"
#include "modules/reference_ops.h"
#include "oracles/conform.h"

namespace cf::fuzz {

/// One module, opened: its ABI version checked and every cf_module_* function resolved. The
/// library stays loaded for the rest of the process.
struct DiffModule {
  std::string path;
  std::string name;  ///< cf_module_name()
  /// CF_MODULE_CAP_ERROR_CLASSES: rejections are judged by class (and offset), not only as such.
  bool error_classes = false;
  cf_module_load_fn load = nullptr;
  cf_module_compact_fn compact = nullptr;
  cf_module_free_result_fn free_result = nullptr;
};

/// dlopen()s `path` (RTLD_NOW | RTLD_LOCAL), checks cf_module_abi_version() against
/// CF_MODULE_ABI_VERSION and resolves the functions; nullopt with *why saying what failed.
std::optional<DiffModule> open_module(const std::string& path, std::string* why);

/// The modules of the environment variable CF_MODULES (paths separated by ':'), opened on the
/// first call and kept. A module that cannot be opened ends the process: a message naming it on
/// stderr, then _Exit(2) (no engine mistakes it for a crash of the input). CF_MODULES unset or
/// empty: no modules, and `target` says once on stderr that it judges the reference alone.
const std::vector<DiffModule>& diff_modules(const char* target);

/// cf_module_load through the ABI, as an Answer: graph (null when !want_graph), rejected with
/// class, offset and message, unsupported, or garbage when the module failed (FAILED, a graph
/// that is not a JSON object, an unknown status).
oracles::Answer module_load(const DiffModule& m, std::span<const modules::InputFile> files,
                            std::span<const modules::InputFile> deps, LoadPath path, bool want_graph);

/// cf_module_compact through the ABI, as an Answer: bytes (one image per part), rejected,
/// unsupported or garbage. `base` unset: the document's; `format` (v2 or v3) unset: the document's.
oracles::Answer module_compact(const DiffModule& m, std::string_view document, std::span<const modules::InputFile> deps,
                               std::optional<uint64_t> base, Strategy strategy, std::optional<Format> format);

/// Prints "<target>: module <name> (<path>) disagrees with the reference on <what>: <reason>"
/// and aborts, so an engine saves the input and the replay driver fails.
[[noreturn]] void report_disagreement(const char* target, const DiffModule& m, const std::string& what,
                                      const std::string& reason);

}  // namespace cf::fuzz
