// See diff_modules.h.
#include "harness/diff_modules.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace cf::fuzz {
namespace {

using oracles::Answer;

template <typename Fn>
bool resolve(void* handle, const char* symbol, Fn* fn, std::string* why) {
  void* p = ::dlsym(handle, symbol);
  if (p == nullptr) {
    *why = std::string("no symbol ") + symbol;
    return false;
  }
  *fn = reinterpret_cast<Fn>(p);
  return true;
}

std::vector<cf_module_file> abi_files(std::span<const modules::InputFile> files) {
  std::vector<cf_module_file> out;
  for (const modules::InputFile& f : files) out.push_back({f.name.c_str(), f.bytes.data(), f.bytes.size()});
  return out;
}

// The parts of a result every status shares: rejections, unsupported, failures. An accepted
// result is left to the caller (a graph or images).
Answer common_answer(const cf_module_result& r) {
  Answer a;
  const std::string message = r.message != nullptr ? r.message : "";
  switch (r.status) {
    case CF_MODULE_REJECTED:
      a.status = Answer::Status::rejected;
      a.error_class.assign(r.error_class, ::strnlen(r.error_class, sizeof r.error_class));
      if (r.has_offset) a.offset = r.offset;
      a.detail = message;
      return a;
    case CF_MODULE_UNSUPPORTED:
      a.status = Answer::Status::unsupported;
      a.detail = message;
      return a;
    case CF_MODULE_FAILED:
      return oracles::garbage_answer("the module failed: " + (message.empty() ? std::string("no message") : message));
    default:
      return oracles::garbage_answer("status " + std::to_string(r.status) + " is not a cf_module status");
  }
}

Answer load_answer(const cf_module_result& r, bool want_graph) {
  if (r.status != CF_MODULE_ACCEPTED) return common_answer(r);
  Answer a;
  a.status = Answer::Status::graph;
  if (!want_graph) return a;
  if (r.graph_json == nullptr) return oracles::garbage_answer("accepted without graph_json");
  a.graph = nlohmann::json::parse(r.graph_json, r.graph_json + r.graph_json_size, nullptr, false);
  if (a.graph.is_discarded() || !a.graph.is_object())
    return oracles::garbage_answer("graph_json is not a JSON object (" + std::to_string(r.graph_json_size) + " bytes)");
  return a;
}

Answer compact_answer(const cf_module_result& r) {
  if (r.status != CF_MODULE_ACCEPTED) return common_answer(r);
  if (r.n_parts != 0 && r.parts == nullptr) return oracles::garbage_answer("n_parts " + std::to_string(r.n_parts) + " with no parts");
  Answer a;
  a.status = Answer::Status::bytes;
  for (size_t k = 0; k < r.n_parts; ++k) {
    const cf_module_part& p = r.parts[k];
    if (p.size != 0 && p.bytes == nullptr) return oracles::garbage_answer("part " + std::to_string(k) + " has a size but no bytes");
    a.images.emplace_back(p.bytes, p.bytes + p.size);
  }
  return a;
}

std::vector<DiffModule> open_environment_modules(const char* target) {
  std::vector<DiffModule> out;
  const char* env = std::getenv("CF_MODULES");
  const std::string list = env != nullptr ? env : "";
  size_t from = 0;
  while (from <= list.size()) {
    const size_t colon = std::min(list.find(':', from), list.size());
    const std::string path = list.substr(from, colon - from);
    from = colon + 1;
    if (path.empty()) continue;
    std::string why;
    std::optional<DiffModule> m = open_module(path, &why);
    if (!m) {
      std::fprintf(stderr, "%s: cannot use the module %s of CF_MODULES: %s\n", target, path.c_str(), why.c_str());
      std::_Exit(2);
    }
    std::fprintf(stderr, "%s: judging module %s (%s) against the reference\n", target, m->name.c_str(), path.c_str());
    out.push_back(std::move(*m));
  }
  if (out.empty())
    std::fprintf(stderr, "%s: CF_MODULES names no module: judging the reference alone (docs/differential-modules.md)\n",
                 target);
  return out;
}

}  // namespace

std::optional<DiffModule> open_module(const std::string& path, std::string* why) {
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* e = ::dlerror();
    *why = e != nullptr ? e : "dlopen failed";
    return std::nullopt;
  }
  const auto give_up = [&] {
    ::dlclose(handle);
    return std::nullopt;
  };
  cf_module_abi_version_fn version = nullptr;
  cf_module_capabilities_fn capabilities = nullptr;
  cf_module_name_fn name = nullptr;
  DiffModule m;
  m.path = path;
  if (!resolve(handle, "cf_module_abi_version", &version, why)) return give_up();
  if (const uint32_t v = version(); v != CF_MODULE_ABI_VERSION) {
    *why = "ABI version " + std::to_string(v) + ", this host speaks " + std::to_string(CF_MODULE_ABI_VERSION);
    return give_up();
  }
  if (!resolve(handle, "cf_module_name", &name, why) || !resolve(handle, "cf_module_capabilities", &capabilities, why) ||
      !resolve(handle, "cf_module_load", &m.load, why) ||
      !resolve(handle, "cf_module_compact", &m.compact, why) ||
      !resolve(handle, "cf_module_free_result", &m.free_result, why))
    return give_up();
  m.error_classes = (capabilities() & CF_MODULE_CAP_ERROR_CLASSES) != 0;
  const char* n = name();
  m.name = n != nullptr && *n != '\0' ? n : path;
  return m;  // the handle is kept open: the module's functions are used until the process ends
}

const std::vector<DiffModule>& diff_modules(const char* target) {
  static const std::vector<DiffModule> modules = open_environment_modules(target);
  return modules;
}

Answer module_load(const DiffModule& m, std::span<const modules::InputFile> files,
                   std::span<const modules::InputFile> deps, LoadPath path, bool want_graph) {
  const std::vector<cf_module_file> f = abi_files(files), d = abi_files(deps);
  cf_module_result r{};
  m.load(f.data(), f.size(), d.data(), d.size(), path == LoadPath::slow ? CF_MODULE_PATH_SLOW : CF_MODULE_PATH_AUTO,
         want_graph ? 0u : static_cast<uint32_t>(CF_MODULE_LOAD_NO_GRAPH), &r);
  Answer a = load_answer(r, want_graph);
  m.free_result(&r);
  return a;
}

Answer module_compact(const DiffModule& m, std::string_view document, std::span<const modules::InputFile> deps,
                      std::optional<uint64_t> base, Strategy strategy, std::optional<Format> format) {
  const std::vector<cf_module_file> d = abi_files(deps);
  const int32_t f = format ? static_cast<int32_t>(*format) : 0;  // Format::v2 is 2, v3 is 3
  cf_module_result r{};
  m.compact(document.data(), document.size(), d.data(), d.size(), base.value_or(0),
            strategy == Strategy::recursive ? CF_MODULE_RECURSIVE : CF_MODULE_WORKLIST, f, &r);
  Answer a = compact_answer(r);
  m.free_result(&r);
  return a;
}

void report_disagreement(const char* target, const DiffModule& m, const std::string& what, const std::string& reason) {
  std::fprintf(stderr, "%s: module %s (%s) disagrees with the reference on %s: %s\n", target, m.name.c_str(),
               m.path.c_str(), what.c_str(), reason.c_str());
  std::abort();
}

}  // namespace cf::fuzz
