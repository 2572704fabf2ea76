/* The differential-module ABI (docs/differential-modules.md): a shared library that answers the
 * testee protocol's `load` and `compact` requests (docs/testee-protocol.md §3.2-§3.3) in
 * process, so fuzz_diff_load and fuzz_diff_compact can hold an implementation against the
 * reference on every fuzz input. Plain C, usable from C and C++; nothing but these functions
 * crosses it: no C++ types, no exceptions, no memory the other side must free with its own
 * allocator.
 *
 * Versioning: a host dlopen()s a module, calls cf_module_abi_version() first and refuses a
 * module whose version differs from the CF_MODULE_ABI_VERSION it was built with. A later
 * version may add functions and append fields; it never changes the meaning of one below.
 *
 * Calls: a host makes one call at a time (no two calls into one module concurrently). Every
 * call fills *out completely, whatever happens; the host passes it to cf_module_free_result()
 * once it has read it. */
#ifndef CF_MODULE_H
#define CF_MODULE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CF_MODULE_ABI_VERSION 1u

/* The functions a module exports; build modules with -fvisibility=hidden, so that these are its
 * only dynamic symbols (docs/differential-modules.md, "Symbol isolation"). */
#if defined(__GNUC__)
#define CF_MODULE_EXPORT __attribute__((visibility("default")))
#else
#define CF_MODULE_EXPORT
#endif

/** One region file, in memory. The module reads `bytes` during the call only, and copies what
 *  it keeps. */
typedef struct cf_module_file {
  const char* name;     /**< NUL-terminated; for messages and the dump's "file" fields only */
  const uint8_t* bytes; /**< `size` bytes; may be NULL when size is 0 */
  size_t size;
} cf_module_file;

/** What a call gave (cf_module_result.status). */
enum {
  CF_MODULE_ACCEPTED = 0,    /**< load: the chain loaded (graph_json); compact: parts written */
  CF_MODULE_REJECTED = 1,    /**< the input is malformed: error_class, offset, message */
  CF_MODULE_UNSUPPORTED = 2, /**< the implementation cannot do this (a format, a strategy): skipped */
  CF_MODULE_FAILED = 3       /**< no answer: a malformed request or an internal error (message) */
};

/** cf_module_load's `path` (the protocol's "path"). */
enum {
  CF_MODULE_PATH_AUTO = 0, /**< as the runtime reads: mapped at the saved base when free, else relocated */
  CF_MODULE_PATH_SLOW = 1  /**< always read into memory and relocate every pointer */
};

/** cf_module_load's `flags`. */
enum {
  /** Accept or reject only: leave graph_json NULL. The host asks so when the reference
   *  rejected the input, since only the verdict is compared then. */
  CF_MODULE_LOAD_NO_GRAPH = 1u
};

/** cf_module_compact's `strategy` (FORMAT.md §4.3). */
enum { CF_MODULE_WORKLIST = 0, CF_MODULE_RECURSIVE = 1 };

/** One compacted part: `size` bytes the module allocated with malloc. */
typedef struct cf_module_part {
  uint8_t* bytes;
  size_t size;
} cf_module_part;

/** The answer to one call. The module owns every pointer in it until cf_module_free_result. */
typedef struct cf_module_result {
  int32_t status;          /**< CF_MODULE_ACCEPTED, _REJECTED, _UNSUPPORTED or _FAILED */
  int32_t has_offset;      /**< rejected: nonzero when `offset` is meaningful */
  uint64_t offset;         /**< rejected: the byte offset in the failing file the error is about */
  char error_class[64];    /**< rejected: a docs/errors.md class ("bad_magic", ...), NUL-terminated;
                                empty when the implementation has no classes */
  char* message;           /**< NULL or a NUL-terminated text for people (malloc'd); never compared */
  char* graph_json;        /**< load accepted: the canonical dump, UTF-8 JSON (malloc'd, NUL-terminated) */
  size_t graph_json_size;  /**< its length in bytes, without the NUL */
  cf_module_part* parts;   /**< compact accepted: one entry per part, in chain order (malloc'd) */
  size_t n_parts;
} cf_module_result;

/** cf_module_capabilities() bits: what changes how a module's answers are judged. Whatever
 *  else a module cannot do (the slow path, compaction, a strategy, a format) it answers per
 *  call with CF_MODULE_UNSUPPORTED. */
enum {
  /** Rejections carry a docs/errors.md class and, for load, the byte offset: both are compared
   *  with the reference's (the protocol's `error_classes`). Without it only "rejected" is. */
  CF_MODULE_CAP_ERROR_CLASSES = 1u
};

/** CF_MODULE_ABI_VERSION as the module was built. */
CF_MODULE_EXPORT uint32_t cf_module_abi_version(void);

/** CF_MODULE_CAP_* bits; unknown bits are ignored by hosts. */
CF_MODULE_EXPORT uint32_t cf_module_capabilities(void);

/** A short, stable name for reports ("reference", "canary-ctor_extent", "lean-4.28"). */
CF_MODULE_EXPORT const char* cf_module_name(void);

/** The protocol's `load` (§3.2). `deps` (n_deps files) are loaded first, as one chain: dep k
 *  with deps 0..k-1; they are not dumped, and objects in them appear as "dep" nodes. Then
 *  `files` (one save chain, in order): part k with all deps and parts 0..k-1. Accepted:
 *  graph_json is the canonical dump of docs/graph-model.md of the parts (what
 *  oracles::dump_graph(parts, deps) gives) unless `flags` has CF_MODULE_LOAD_NO_GRAPH.
 *  Rejected: the first failing file's class and offset. `path`: CF_MODULE_PATH_*. Validation
 *  is the runtime's: canonical form enforced, the flags byte expected to be 0x01 (GMP).
 *  Returns out->status. */
CF_MODULE_EXPORT int32_t cf_module_load(const cf_module_file* files, size_t n_files, const cf_module_file* deps,
                                        size_t n_deps, int32_t path, uint32_t flags, cf_module_result* out);

/** The protocol's `compact` (§3.3) in memory. `graph_json` (`len` bytes, not necessarily
 *  NUL-terminated) is a graph document of docs/graph-model.md; its "dep" nodes refer to `deps`,
 *  loaded as one chain. `base`: part 0's base address, 0 for the document's
 *  parts[0].base_addr. `strategy`: CF_MODULE_WORKLIST or _RECURSIVE. `format`: 2 or 3, or 0
 *  for the document's. Accepted: `parts` holds one image per part of the document, byte for
 *  byte what would be written to disk. Rejected: the compactor's class (`closure_not_allowed`,
 *  `unrepresentable`, ...); offsets are not compared for compaction. A document that is not
 *  one (bad JSON, a reference to a later node, no base anywhere) is CF_MODULE_FAILED.
 *  Returns out->status. */
CF_MODULE_EXPORT int32_t cf_module_compact(const char* graph_json, size_t len, const cf_module_file* deps,
                                           size_t n_deps, uint64_t base, int32_t strategy, int32_t format,
                                           cf_module_result* out);

/** Releases what `result` holds and zeroes it; a zeroed result is released as a no-op. */
CF_MODULE_EXPORT void cf_module_free_result(cf_module_result* result);

/* The signatures, for dlsym() casts. */
typedef uint32_t (*cf_module_abi_version_fn)(void);
typedef uint32_t (*cf_module_capabilities_fn)(void);
typedef const char* (*cf_module_name_fn)(void);
typedef int32_t (*cf_module_load_fn)(const cf_module_file*, size_t, const cf_module_file*, size_t, int32_t, uint32_t,
                                     cf_module_result*);
typedef int32_t (*cf_module_compact_fn)(const char*, size_t, const cf_module_file*, size_t, uint64_t, int32_t,
                                        int32_t, cf_module_result*);
typedef void (*cf_module_free_result_fn)(cf_module_result*);

#ifdef __cplusplus
}
#endif

#endif /* CF_MODULE_H */
