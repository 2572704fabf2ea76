// The reference as a differential module (modules/cf_module.h, docs/differential-modules.md):
// the C ABI around reference_ops.h. Built once per module: libcf_module_ref.so over the
// reference core, libcf_module_canary_<name>.so over a core with that canary planted
// (CF_MODULE_NAME tells them apart). Every entry point catches everything: no exception
// crosses the ABI, and every call leaves *out complete.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "modules/cf_module.h"
#include "modules/reference_ops.h"

#ifndef CF_MODULE_NAME
#define CF_MODULE_NAME "reference"
#endif

namespace {

using cf::modules::InputFile;
using cf::oracles::Answer;

// A malloc'd, NUL-terminated copy (the host frees it through cf_module_free_result).
char* copy_text(const std::string& s) {
  char* p = static_cast<char*>(std::malloc(s.size() + 1));
  if (p == nullptr) throw std::bad_alloc();
  std::memcpy(p, s.data(), s.size());
  p[s.size()] = '\0';
  return p;
}

// Never throws: it is what the catch handlers call.
int32_t failed(cf_module_result* out, const char* why) {
  cf_module_free_result(out);
  out->status = CF_MODULE_FAILED;
  const size_t n = std::strlen(why);
  out->message = static_cast<char*>(std::malloc(n + 1));  // best effort: NULL is allowed
  if (out->message != nullptr) std::memcpy(out->message, why, n + 1);
  return out->status;
}

std::vector<InputFile> inputs(const cf_module_file* files, size_t n) {
  std::vector<InputFile> out;
  for (size_t i = 0; i < n; ++i) {
    const cf_module_file& f = files[i];
    out.push_back({f.name != nullptr ? f.name : "", {f.bytes, f.bytes != nullptr ? f.size : 0}});
  }
  return out;
}

void set_error_class(cf_module_result* out, const std::string& cls) {
  const size_t n = std::min(cls.size(), sizeof out->error_class - 1);
  std::memcpy(out->error_class, cls.data(), n);
  out->error_class[n] = '\0';
}

// Writes an Answer of reference_ops into the ABI's result.
int32_t fill(const Answer& a, bool compact, cf_module_result* out) {
  switch (a.status) {
    case Answer::Status::graph:
      out->status = CF_MODULE_ACCEPTED;
      if (!compact && !a.graph.is_null()) {
        const std::string text = a.graph.dump();  // strict UTF-8: a bad string throws, caught above
        out->graph_json = copy_text(text);
        out->graph_json_size = text.size();
      }
      return out->status;
    case Answer::Status::bytes:
      out->parts = static_cast<cf_module_part*>(std::calloc(a.images.size() + 1, sizeof(cf_module_part)));
      if (out->parts == nullptr) throw std::bad_alloc();
      for (const std::vector<uint8_t>& image : a.images) {
        cf_module_part& p = out->parts[out->n_parts++];
        p.bytes = static_cast<uint8_t*>(std::malloc(image.size() + 1));
        if (p.bytes == nullptr) throw std::bad_alloc();
        std::memcpy(p.bytes, image.data(), image.size());
        p.size = image.size();
      }
      out->status = CF_MODULE_ACCEPTED;
      return out->status;
    case Answer::Status::rejected:
      out->status = CF_MODULE_REJECTED;
      set_error_class(out, a.error_class);
      out->has_offset = a.offset.has_value();
      out->offset = a.offset.value_or(0);
      out->message = copy_text(a.detail);
      return out->status;
    case Answer::Status::unsupported:
      out->status = CF_MODULE_UNSUPPORTED;
      out->message = copy_text(a.detail);
      return out->status;
    default:
      return failed(out, a.detail.empty() ? "no answer" : a.detail.c_str());
  }
}

}  // namespace

extern "C" {

uint32_t cf_module_abi_version(void) { return CF_MODULE_ABI_VERSION; }

uint32_t cf_module_capabilities(void) { return CF_MODULE_CAP_ERROR_CLASSES; }

const char* cf_module_name(void) { return CF_MODULE_NAME; }

int32_t cf_module_load(const cf_module_file* files, size_t n_files, const cf_module_file* deps, size_t n_deps,
                       int32_t path, uint32_t flags, cf_module_result* out) {
  if (out == nullptr) return CF_MODULE_FAILED;
  std::memset(out, 0, sizeof *out);
  if ((files == nullptr && n_files != 0) || (deps == nullptr && n_deps != 0))
    return failed(out, "a NULL file list with a nonzero count");
  if (path != CF_MODULE_PATH_AUTO && path != CF_MODULE_PATH_SLOW)
    return failed(out, "path is neither CF_MODULE_PATH_AUTO nor CF_MODULE_PATH_SLOW");
  try {
    const std::vector<InputFile> f = inputs(files, n_files), d = inputs(deps, n_deps);
    const Answer a = cf::modules::reference_load(f, d, path == CF_MODULE_PATH_SLOW ? cf::LoadPath::slow : cf::LoadPath::automatic,
                                                 (flags & CF_MODULE_LOAD_NO_GRAPH) == 0);
    return fill(a, false, out);
  } catch (const std::exception& e) {
    return failed(out, e.what());
  } catch (...) {
    return failed(out, "an exception that is not a std::exception");
  }
}

int32_t cf_module_compact(const char* graph_json, size_t len, const cf_module_file* deps, size_t n_deps,
                          uint64_t base, int32_t strategy, int32_t format, cf_module_result* out) {
  if (out == nullptr) return CF_MODULE_FAILED;
  std::memset(out, 0, sizeof *out);
  if ((graph_json == nullptr && len != 0) || (deps == nullptr && n_deps != 0))
    return failed(out, "a NULL document or dep list with a nonzero length");
  if (strategy != CF_MODULE_WORKLIST && strategy != CF_MODULE_RECURSIVE) {
    out->status = CF_MODULE_UNSUPPORTED;
    return out->status;
  }
  if (format != 0 && format != 2 && format != 3) {
    out->status = CF_MODULE_UNSUPPORTED;  // the reference writes v2 and v3 only (as serve says)
    return out->status;
  }
  try {
    const std::vector<InputFile> d = inputs(deps, n_deps);
    std::optional<cf::Format> f;
    if (format == 2) f = cf::Format::v2;
    if (format == 3) f = cf::Format::v3;
    const Answer a = cf::modules::reference_compact(
        std::string_view(graph_json != nullptr ? graph_json : "", len), d, base != 0 ? std::optional<uint64_t>(base) : std::nullopt,
        strategy == CF_MODULE_RECURSIVE ? cf::Strategy::recursive : cf::Strategy::worklist, f);
    return fill(a, true, out);
  } catch (const std::exception& e) {
    return failed(out, e.what());
  } catch (...) {
    return failed(out, "an exception that is not a std::exception");
  }
}

void cf_module_free_result(cf_module_result* result) {
  if (result == nullptr) return;
  std::free(result->message);
  std::free(result->graph_json);
  for (size_t i = 0; i < result->n_parts; ++i) std::free(result->parts[i].bytes);
  std::free(result->parts);
  std::memset(result, 0, sizeof *result);
}

}  // extern "C"
