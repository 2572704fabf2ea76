// Units and byte-level primitives of the compacted-region format (FORMAT.md §0).
// Every integer in a file is little-endian; these helpers are the only place that
// reads or writes raw words, always through memcpy (no aligned-access assumptions).
//
// The format mixes three address spaces, and mixing them up is the classic reader bug
// (Lean's unchecked fix_object_ptr): a byte offset into the file, the base-relative address
// a pointer word stores, and an 8-byte word index. Each has its own type here; none converts
// implicitly, and translate() in core/layout.h is the only code that subtracts a recorded base.
#pragma once

#include <compare>
#include <cstdint>
#include <cstring>

namespace cf {

inline constexpr uint64_t k_word = 8;
inline constexpr uint64_t k_64k = 0x10000;

/// align8(x) = (x + 7) & ~7; callers guarantee x <= UINT64_MAX - 7.
constexpr uint64_t align8(uint64_t x) { return (x + 7) & ~uint64_t{7}; }
/// align64K(x) = (x + 0xFFFF) & ~0xFFFF (used for chained part bases, §3.4).
constexpr uint64_t align64k(uint64_t x) { return (x + 0xFFFF) & ~uint64_t{0xFFFF}; }

/// A byte offset from file byte 0 (in the compactor: from byte 0 of the chain's buffer).
struct FileOffset {
  uint64_t value = 0;
  constexpr FileOffset() = default;
  constexpr explicit FileOffset(uint64_t v) : value(v) {}
  constexpr FileOffset operator+(uint64_t bytes) const { return FileOffset{value + bytes}; }
  /// Bytes from `other` up to this offset; other <= *this.
  constexpr uint64_t operator-(FileOffset other) const { return value - other.value; }
  constexpr auto operator<=>(const FileOffset&) const = default;
};

/// An address as a pointer word in a file stores it: the saving process's base_addr + offset.
struct LogicalAddr {
  uint64_t value = 0;
  constexpr LogicalAddr() = default;
  constexpr explicit LogicalAddr(uint64_t v) : value(v) {}
  constexpr LogicalAddr operator+(uint64_t bytes) const { return LogicalAddr{value + bytes}; }
  constexpr auto operator<=>(const LogicalAddr&) const = default;
};

/// The index of an 8-byte word from file byte 0: offset / 8 for an aligned offset.
struct WordIndex {
  uint64_t value = 0;
  constexpr WordIndex() = default;
  constexpr explicit WordIndex(uint64_t v) : value(v) {}
  constexpr auto operator<=>(const WordIndex&) const = default;
};

/// The word holding file offset `off` (the word it starts, for an aligned offset).
constexpr WordIndex word_of(FileOffset off) { return WordIndex{off.value / k_word}; }

/// A word in a pointer slot is a boxed scalar iff bit 0 is set (§1.1).
constexpr bool is_scalar(uint64_t word) { return (word & 1) != 0; }
constexpr uint64_t box(uint64_t n) { return (n << 1) | 1; }
constexpr uint64_t unbox(uint64_t w) { return w >> 1; }

inline uint64_t load_u64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;  // little-endian host only (FORMAT.md §0)
}
inline uint32_t load_u32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline uint16_t load_u16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}
inline int32_t load_i32(const uint8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline void store_u64(uint8_t* p, uint64_t v) { std::memcpy(p, &v, 8); }
inline void store_u32(uint8_t* p, uint32_t v) { std::memcpy(p, &v, 4); }
inline void store_u16(uint8_t* p, uint16_t v) { std::memcpy(p, &v, 2); }

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "FORMAT.md §0: little-endian hosts only");
static_assert(sizeof(void*) == 8, "FORMAT.md §0: 64-bit hosts only");

}  // namespace cf
