// A loaded region as a value, and the object table a validating walk leaves behind.
//
// RegionView is the one type by which code refers to a region it does not own: the walker's
// deps (a pointer may leave the file into one, §5.7), the compactor's dep regions (objects
// there are referenced, never copied, §4.5), the loader's relocation, the graph dump. It is
// {begin, size, base} plus, when the region was validated, its object table: passed by value,
// owning nothing; whoever placed the bytes (a Region) releases them and must outlive it.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/format.h"
#include "core/layout.h"

namespace cf {

/// One object as the validating walk saw it.
struct ObjectRecord {
  uint64_t offset = 0;  ///< file offset of the object header
  uint64_t size = 0;    ///< step to the next object
  Kind kind = Kind::ctor;
  uint8_t tag = 0;
  uint32_t slot_first = 0;  ///< first pointer slot, from the object start
  uint32_t slot_count = 0;  ///< number of pointer slots (graph edges)
  uint32_t depth = 0;       ///< 1 + deepest own child; children in other regions count 0
};

/// Every object of a region in address order, and which file words start one.
struct ObjectTable {
  std::vector<ObjectRecord> records;
  std::vector<uint32_t> starts;  ///< file word -> record index + 1; 0 where no object starts

  /// The object starting at `off`, or null (any offset: out of range or unaligned is null).
  const ObjectRecord* at(FileOffset off) const {
    if (off.value % k_word != 0 || off.value / k_word >= starts.size()) return nullptr;
    const uint32_t n = starts[off.value / k_word];
    return n == 0 ? nullptr : &records[n - 1];
  }
};

struct RegionView {
  const uint8_t* begin = nullptr;  ///< where file byte 0 lies now (null: only the saved range is known)
  uint64_t size = 0;               ///< file size in bytes
  LogicalAddr base;                ///< the base_addr its header records
  const ObjectTable* objects = nullptr;  ///< when validated: pointers into it must hit an object start (§8.3 P6)

  /// The file offset `addr` names in this region's saved range, if it lies there.
  std::optional<FileOffset> offset_of(LogicalAddr addr) const { return translate(addr, base, size); }
  /// Whether physical address p lies in this region's bytes.
  bool holds(const void* p) const {
    const auto a = reinterpret_cast<uint64_t>(p), b = reinterpret_cast<uint64_t>(begin);
    return begin != nullptr && a >= b && a - b < size;
  }
  /// The logical address of physical address p, which lies in this region's bytes.
  LogicalAddr address_of_physical(const void* p) const {
    return cf::address_of(FileOffset{reinterpret_cast<uint64_t>(p) - reinterpret_cast<uint64_t>(begin)}, base);
  }
};

/// The indices of `deps` by ascending base (stable): the order find_dep searches.
std::vector<uint32_t> order_by_base(std::span<const RegionView> deps);

/// The dep whose saved range holds `addr`: the one with the greatest base <= addr (§5.7), if
/// addr lies inside it; else -1. `order` is order_by_base(deps).
int64_t find_dep(std::span<const RegionView> deps, std::span<const uint32_t> order, LogicalAddr addr);

}  // namespace cf
