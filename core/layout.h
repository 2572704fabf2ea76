// The layout layer: every fact of FORMAT.md §1-§2 about *where* things are, in one place.
// Header field offsets per format generation, tags and kinds with their names, the object
// header, per-kind field offsets, the step rule (probe_object: tolerant, never validating),
// and the two primitives every reader builds on: a range check and address translation.
//
// Everything that lays bytes out uses this: the strict walker (which adds the checks of §8),
// the compactor, the annotator, the structure-aware mutator and the graph dump. Independent
// models that deliberately do not (test forgers that must write what a compactor refuses)
// say so where they live.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/format.h"

namespace cf {

// ---- header layout (§2) ---------------------------------------------------------------------

enum class Format : uint8_t { v0, v1, v2, v3 };
inline constexpr size_t k_num_formats = 4;
/// "v0" .. "v3".
constexpr std::string_view format_name(Format f) {
  constexpr std::string_view names[k_num_formats] = {"v0", "v1", "v2", "v3"};
  return names[static_cast<size_t>(f)];
}

inline constexpr char k_magic_v0[] = "oleanfile!!!!!!!";  // 16 bytes, no NUL in the file
inline constexpr char k_magic[] = "olean";                // 5 bytes, then the version byte
inline constexpr uint64_t k_magic_v0_size = 16;
inline constexpr uint64_t k_magic_size = 5;
inline constexpr uint8_t k_flag_gmp = 0x01;
inline constexpr size_t k_version_string_size = 33;
inline constexpr size_t k_githash_size_v1 = 42;
inline constexpr size_t k_githash_size_v2 = 40;

/// Where each header field of one format generation lives (§2.2-§2.5). An offset of 0 means
/// the field is absent in that generation (offset 0 always holds the magic).
struct HeaderLayout {
  uint64_t size;               ///< D: header bytes, which is also the root slot's file offset
  uint64_t version_at;         ///< the version byte
  uint64_t flags_at;           ///< the flags byte (v2, v3)
  uint64_t version_string_at;  ///< the 33-byte version string (v2, v3)
  uint64_t githash_at;         ///< the githash (v1: 42 bytes, v2/v3: 40)
  uint64_t githash_size;
  uint64_t base_addr_at;       ///< the recorded base address
  uint64_t data_size_at;       ///< v3's data_size
};

inline constexpr std::array<HeaderLayout, k_num_formats> k_header_layouts = {{
    {24, 0, 0, 0, 0, 0, 16, 0},                   // v0: magic[16], base_addr
    {56, 5, 0, 0, 6, k_githash_size_v1, 48, 0},   // v1: magic, version, githash[42], base_addr
    {88, 5, 6, 7, 40, k_githash_size_v2, 80, 0},  // v2: magic, version, flags, version[33], githash[40], base
    {96, 5, 6, 7, 40, k_githash_size_v2, 80, 88}, // v3: v2 + data_size
}};
constexpr const HeaderLayout& header_layout(Format f) { return k_header_layouts[static_cast<size_t>(f)]; }
/// D, the header's size and the file offset of the root slot: 24, 56, 88 or 96 (§2.6).
constexpr uint64_t header_size(Format f) { return header_layout(f).size; }
/// The largest header (v3), enough to read any header in one go.
inline constexpr uint64_t k_max_header_size = 96;

// ---- tags and kinds (§1.3) --------------------------------------------------------------------

// 0..243 are constructors.
inline constexpr uint8_t k_max_ctor_tag = 243;
inline constexpr uint8_t k_tag_promise = 244;
inline constexpr uint8_t k_tag_closure = 245;
inline constexpr uint8_t k_tag_array = 246;
inline constexpr uint8_t k_tag_struct_array = 247;
inline constexpr uint8_t k_tag_scalar_array = 248;
inline constexpr uint8_t k_tag_string = 249;
inline constexpr uint8_t k_tag_mpz = 250;
inline constexpr uint8_t k_tag_thunk = 251;
inline constexpr uint8_t k_tag_task = 252;
inline constexpr uint8_t k_tag_ref = 253;
inline constexpr uint8_t k_tag_external = 254;
inline constexpr uint8_t k_tag_reserved = 255;

// Limits from lean.h (§1.3).
inline constexpr uint32_t k_max_ctor_fields_in_file = 255;  // m_other is 8 bits
inline constexpr uint32_t k_max_ctor_scalars_size = 1024;
/// 8 + 8*255 + 1024: the largest legal constructor (§1.6).
inline constexpr uint32_t k_max_ctor_size = 8 + 8 * k_max_ctor_fields_in_file + k_max_ctor_scalars_size;

/// Object kinds. The first ten are the kinds a file may hold.
enum class Kind : uint8_t {
  ctor, array, sarray, string, mpz, thunk, task, ref, promise, closure,
  struct_array, external, reserved,
};
inline constexpr size_t k_num_file_kinds = 10;  // ctor .. closure
inline constexpr size_t k_num_kinds = 13;

struct KindInfo {
  std::string_view name;   ///< stable identifier: JSON keys of `inspect --json`, graph dumps, profiles
  std::string_view title;  ///< how people write it: "ScalarArray", "MPZ"
};
inline constexpr std::array<KindInfo, k_num_kinds> k_kinds = {{
    {"ctor", "ctor"},       {"array", "Array"},     {"sarray", "ScalarArray"}, {"string", "String"},
    {"mpz", "MPZ"},         {"thunk", "Thunk"},     {"task", "Task"},          {"ref", "Ref"},
    {"promise", "Promise"}, {"closure", "Closure"}, {"struct_array", "StructArray"},
    {"external", "External"}, {"reserved", "Reserved"},
}};
constexpr std::string_view kind_name(Kind k) { return k_kinds[static_cast<size_t>(k)].name; }
constexpr std::string_view kind_title(Kind k) { return k_kinds[static_cast<size_t>(k)].title; }
/// Inverse of kind_name.
std::optional<Kind> kind_from_name(std::string_view name);

constexpr Kind kind_of_tag(uint8_t tag) {
  if (tag <= k_max_ctor_tag) return Kind::ctor;
  switch (tag) {
    case k_tag_promise: return Kind::promise;
    case k_tag_closure: return Kind::closure;
    case k_tag_array: return Kind::array;
    case k_tag_struct_array: return Kind::struct_array;
    case k_tag_scalar_array: return Kind::sarray;
    case k_tag_string: return Kind::string;
    case k_tag_mpz: return Kind::mpz;
    case k_tag_thunk: return Kind::thunk;
    case k_tag_task: return Kind::task;
    case k_tag_ref: return Kind::ref;
    case k_tag_external: return Kind::external;
    default: return Kind::reserved;
  }
}

/// The kinds max sharing may merge (§4.4): everything but mpz, ref and closure.
constexpr bool is_shareable(Kind k) {
  switch (k) {
    case Kind::ctor:
    case Kind::array:
    case Kind::sarray:
    case Kind::string:
    case Kind::thunk:
    case Kind::task:
    case Kind::promise: return true;
    default: return false;
  }
}

/// The 8-byte object header (§1.2): m_rc i32, m_cs_sz u16, m_other u8, m_tag u8.
struct ObjectHeader {
  int32_t rc = 0;
  uint16_t cs_sz = 0;
  uint8_t other = 0;
  uint8_t tag = 0;

  static ObjectHeader decode(const uint8_t* p) {
    return ObjectHeader{load_i32(p), load_u16(p + 4), p[6], p[7]};
  }
  void encode(uint8_t* p) const {
    std::memcpy(p, &rc, 4);
    store_u16(p + 4, cs_sz);
    p[6] = other;
    p[7] = tag;
  }
  Kind kind() const { return kind_of_tag(tag); }
};

/// Field offsets from the object start (§1.4).
namespace layout {
inline constexpr uint64_t header = 8;
inline constexpr uint64_t cs_sz = 4;
inline constexpr uint64_t other = 6;
inline constexpr uint64_t tag = 7;
inline constexpr uint64_t ctor_fields = 8;         // field i at 8 + 8i
inline constexpr uint64_t array_size = 8;          // also ScalarArray, String m_size
inline constexpr uint64_t array_capacity = 16;
inline constexpr uint64_t array_data = 24;         // Array elements, ScalarArray bytes
inline constexpr uint64_t string_length = 24;
inline constexpr uint64_t string_data = 32;
inline constexpr uint64_t mpz_alloc = 8;           // GMP layout
inline constexpr uint64_t mpz_size = 12;
inline constexpr uint64_t mpz_limb_ptr = 16;
inline constexpr uint64_t mpz_limbs = 24;
inline constexpr uint64_t mpz_sign = 8;            // non-GMP layout
inline constexpr uint64_t mpz_digit_count = 16;
inline constexpr uint64_t mpz_digit_ptr = 24;
inline constexpr uint64_t mpz_digits = 32;
inline constexpr uint64_t closure_fun = 8;
inline constexpr uint64_t closure_arity = 16;
inline constexpr uint64_t closure_num_fixed = 18;
inline constexpr uint64_t closure_padding = 20;
inline constexpr uint64_t closure_args = 24;
inline constexpr uint64_t value = 8;               // Thunk/Task m_value, Ref, Promise slot
inline constexpr uint64_t thunk_closure = 16;      // Thunk m_closure, Task m_imp: must be 0
inline constexpr uint64_t thunk_size = 24;
inline constexpr uint64_t ref_size = 16;
}  // namespace layout

// ---- the step rule (§1.5) -----------------------------------------------------------------------

/// The pointer slots of an object: `count` words starting at `first` (from the object start).
struct SlotRange {
  uint64_t first = 0;
  uint64_t count = 0;
};

/// Sizes too large for any file saturate here, so sums and align8 never wrap.
inline constexpr uint64_t k_unbounded = uint64_t{1} << 62;

/// What the step rule says about one object, from its header and size fields alone.
struct ObjectProbe {
  Kind kind = Kind::reserved;
  uint64_t fixed = layout::header;  ///< bytes from the start that hold the size fields
  uint64_t size_field = 0;          ///< offset of the count the size derives from (0: the header)
  uint64_t payload = 0;             ///< bytes of contents, before padding (k_unbounded if absurd)
  uint64_t step = 0;                ///< to the next object: payload padded to a word; 0: no layout
  SlotRange slots;                  ///< graph edges as declared (a count, not clamped to any bytes)
  /// False for kinds with no step rule (StructArray, External, Reserved) and when fewer than
  /// `fixed` bytes were available, so the size fields could not be read.
  bool laid_out = false;
};

namespace probe_detail {
constexpr uint64_t times_plus(uint64_t n, uint64_t each, uint64_t plus) {  // plus + n * each, saturated
  return each != 0 && n > (k_unbounded - plus) / each ? k_unbounded : plus + n * each;
}
constexpr uint64_t padded(uint64_t n) { return n >= k_unbounded ? k_unbounded : align8(n); }
}  // namespace probe_detail

/// probe_object for one kind: `avail` bytes are readable from `obj` (at least the 8-byte header).
/// Reads only [obj, obj + min(avail, fixed)); validates nothing; never overflows.
inline ObjectProbe probe_kind(const uint8_t* obj, uint64_t avail, Kind kind, bool gmp) {
  using namespace probe_detail;
  const ObjectHeader h = ObjectHeader::decode(obj);
  ObjectProbe p;
  p.kind = kind;
  auto fixed = [&](uint64_t n, uint64_t size_field) {
    p.fixed = n, p.size_field = size_field;
    return avail >= n;
  };
  auto sized = [&](uint64_t payload) {
    p.payload = payload;
    p.step = padded(payload);
    p.laid_out = true;
  };
  switch (kind) {
    case Kind::ctor:
      fixed(layout::header, layout::cs_sz);
      sized(h.cs_sz);
      p.slots = {layout::ctor_fields, h.other};
      break;
    case Kind::array:
      if (!fixed(layout::array_data, layout::array_capacity)) break;
      sized(times_plus(load_u64(obj + layout::array_capacity), 8, layout::array_data));
      p.slots = {layout::array_data, load_u64(obj + layout::array_size)};
      break;
    case Kind::sarray:
      if (!fixed(layout::array_data, layout::array_capacity)) break;
      sized(times_plus(load_u64(obj + layout::array_capacity), h.other, layout::array_data));
      break;
    case Kind::string:
      if (!fixed(layout::string_data, layout::array_capacity)) break;
      sized(times_plus(load_u64(obj + layout::array_capacity), 1, layout::string_data));
      break;
    case Kind::mpz:
      if (gmp) {
        if (!fixed(layout::mpz_limbs, layout::mpz_size)) break;
        const int64_t sz = load_i32(obj + layout::mpz_size);
        sized(times_plus(static_cast<uint64_t>(sz < 0 ? -sz : sz), 8, layout::mpz_limbs));
      } else {
        if (!fixed(layout::mpz_digits, layout::mpz_digit_count)) break;
        sized(times_plus(load_u64(obj + layout::mpz_digit_count), 4, layout::mpz_digits));
      }
      break;
    case Kind::closure: {
      if (!fixed(layout::closure_args, layout::closure_num_fixed)) break;
      const uint64_t nf = load_u16(obj + layout::closure_num_fixed);
      sized(layout::closure_args + 8 * nf);
      p.slots = {layout::closure_args, nf};
      break;
    }
    case Kind::thunk:
    case Kind::task:
      sized(layout::thunk_size);
      p.slots = {layout::value, 1};
      break;
    case Kind::ref:
    case Kind::promise:
      sized(layout::ref_size);
      p.slots = {layout::value, 1};
      break;
    default: break;  // StructArray, External, Reserved: no step rule
  }
  return p;
}

/// The step rule of §1.5 for the object at `obj`, tolerant of any bytes (see probe_kind).
inline ObjectProbe probe_object(const uint8_t* obj, uint64_t avail, bool gmp) {
  return probe_kind(obj, avail, kind_of_tag(obj[layout::tag]), gmp);
}

/// The graph edges of a well-formed object in memory (a heap object or a validated region
/// object), in slot order (§1.4): the step rule's slots, with nothing to bound. Trusts the
/// object: untrusted bytes go through the walker.
inline SlotRange object_slots(const uint8_t* obj) {
  return probe_kind(obj, k_unbounded, kind_of_tag(obj[layout::tag]), /*gmp=*/true).slots;  // mpz has no slots
}

// ---- ranges and addresses (STYLE.md 7) ---------------------------------------------------------

/// [offset, offset + len) lies inside [0, size), written so that nothing can wrap.
constexpr bool in_range(uint64_t offset, uint64_t len, uint64_t size) { return len <= size && offset <= size - len; }

/// The file offset a logical address names in a region saved at `base` that is `size` bytes
/// long, or nothing when it lies outside. The only code that subtracts a recorded base.
constexpr std::optional<FileOffset> translate(LogicalAddr addr, LogicalAddr base, uint64_t size) {
  if (addr.value < base.value || addr.value - base.value >= size) return std::nullopt;
  return FileOffset{addr.value - base.value};
}
/// The logical address of file offset `off` in a region saved at `base`.
constexpr LogicalAddr address_of(FileOffset off, LogicalAddr base) { return LogicalAddr{base.value + off.value}; }

}  // namespace cf
