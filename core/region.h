// The reference loader (FORMAT.md §5): a Region owns one loaded file, mapped at its saved base
// (MAP_FIXED_NOREPLACE, copy-on-write) or read into a malloc'd buffer, validated before
// anything is exposed (§5.10), and relocated on the slow path. load_parts is upstream's
// readModuleDataParts: part k is read with parts 0..k-1 as deps.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/closures.h"
#include "core/header.h"
#include "core/io.h"
#include "core/region_view.h"
#include "core/region_walker.h"
#include "core/result.h"

namespace cf {

enum class LoadPath : uint8_t {
  automatic,  ///< fast when this file and every dep sit at their saved bases, else slow
  fast,       ///< fail with path_unavailable unless the fast path is possible
  slow,       ///< never map at the saved base: load elsewhere and relocate every pointer
};
std::string_view load_path_name(LoadPath p);

struct LoadOptions {
  LoadPath path = LoadPath::automatic;
  /// Validate on the fast path too (§5.10). false gives upstream's O(1) fast path; the slow
  /// path always validates, because relocation needs the checked object list.
  bool validate = true;
  HeaderOptions header;
  /// Reject Tier C canonical-form violations (§8.1).
  bool canonical = true;
  /// Work budget per 8-byte word of the file (see WalkOptions::work_per_word).
  uint64_t work_per_word = k_work_budget_per_word;
  /// The libraries loaded in this process as v3 closure relocation sees them (§5.5); unset:
  /// loaded_libraries(). Tests and oracles set it to replay another process's library bases.
  std::optional<std::vector<LibraryEntry>> libraries;
};

class Region {
 public:
  Region(Region&& other) noexcept;
  Region& operator=(Region&& other) noexcept;
  Region(const Region&) = delete;
  Region& operator=(const Region&) = delete;
  ~Region();

  /// Loads `path` with `deps` (already loaded, outliving this region). `io` must outlive it too.
  static Result<Region> load_file(const std::string& path, std::span<const Region* const> deps,
                                  const LoadOptions& options, Io& io = real_io());
  /// The same from bytes in memory (fuzz targets, tests): placed by an anonymous mapping at
  /// the base when possible, else a malloc'd copy.
  static Result<Region> load_bytes(const std::string& name, std::span<const uint8_t> bytes,
                                   std::span<const Region* const> deps, const LoadOptions& options,
                                   Io& io = real_io());

  const std::string& name() const { return name_; }
  uint8_t* begin() const { return begin_; }  ///< physical address of file byte 0
  uint64_t size() const { return size_; }
  uint64_t base_addr() const { return header_.base_addr; }
  bool mapped() const { return mapped_; }  ///< by mmap (else malloc)
  bool at_base() const { return reinterpret_cast<uint64_t>(begin_) == header_.base_addr; }
  LoadPath path_taken() const { return path_; }  ///< fast or slow
  /// The root: a boxed scalar, or the physical address of the root object.
  uint64_t root() const { return root_; }
  const FileHeader& header() const { return header_; }
  /// The validating walk's findings; the object table is empty when validation was skipped.
  const RegionSummary& summary() const { return summary_; }
  /// The objects the validating walk found (empty when validation was skipped).
  const ObjectTable& objects() const { return summary_.table; }
  bool validated() const { return validated_; }
  /// Work units: the walk's plus one per relocated word (and per relocated closure).
  uint64_t work() const { return summary_.work + relocation_work_; }
  /// How this load moved the file's closures (§5.5): empty for v0-v2 and files without closures.
  const ClosureRelocation& closure_relocation() const { return closures_; }
  /// Per-dep work this load did (sorting the deps, checking them for overlap), counted by dep:
  /// 0 on upstream's fast path (#14016), whatever the number of deps.
  uint64_t dep_work() const { return dep_work_ + summary_.dep_work; }
  /// This region as a value (a dep of a later load, of a compactor, of a dump); it carries the
  /// object table when validated. Valid while this Region lives.
  RegionView view() const;
  /// True when physical address p lies in this region's bytes.
  bool contains(const void* p) const { return view().holds(p); }

 private:
  Region() = default;
  static Result<Region> load_file_impl(const std::string& path, std::span<const Region* const> deps,
                                       const LoadOptions& options, Io& io);
  static Result<Region> load_bytes_impl(const std::string& name, std::span<const uint8_t> bytes,
                                        std::span<const Region* const> deps, const LoadOptions& options, Io& io);
  void release();
  void map_at_base(uint64_t base, int fd);
  Status finish(FileHeader header, std::span<const Region* const> deps, const LoadOptions& options);
  Status complete_header(const LoadOptions& options);
  Status check_dep_overlap(std::span<const RegionView> deps, std::span<const uint32_t> by_base) const;
  void relocate(std::span<const RegionView> deps, std::span<const uint32_t> by_base);

  Io* io_ = nullptr;
  std::string name_;
  uint8_t* begin_ = nullptr;
  uint64_t size_ = 0;
  bool mapped_ = false;
  bool validated_ = false;
  LoadPath path_ = LoadPath::slow;
  uint64_t root_ = 1;
  uint64_t relocation_work_ = 0;
  uint64_t dep_work_ = 0;
  ClosureRelocation closures_;
  FileHeader header_;
  RegionSummary summary_;
};

/// readModuleDataParts: part k read with parts 0..k-1 as deps. Empty input, empty result (#13521).
Result<std::vector<Region>> load_parts(const std::vector<std::string>& files, const LoadOptions& options,
                                       Io& io = real_io());

}  // namespace cf
