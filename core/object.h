// The object model of FORMAT.md §1: the 8-byte header, tags and kinds, per-kind layouts,
// and the step rule that moves a walker from one object start to the next.
// Pure descriptions only; checking lives in region_walker.cc.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/format.h"

namespace cf {

// Tags (§1.3). 0..243 are constructors.
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

/// Object kinds. The first ten are the kinds a file may hold; their names are the
/// stable JSON keys of `regiontool inspect --json`.
enum class Kind : uint8_t {
  ctor, array, sarray, string, mpz, thunk, task, ref, promise, closure,
  struct_array, external, reserved,
};
inline constexpr size_t k_num_file_kinds = 10;  // ctor .. closure
inline constexpr size_t k_num_kinds = 13;

constexpr std::array<std::string_view, k_num_kinds> k_kind_names = {
    "ctor", "array", "sarray", "string", "mpz", "thunk", "task", "ref", "promise", "closure",
    "struct_array", "external", "reserved"};
constexpr std::string_view kind_name(Kind k) { return k_kind_names[static_cast<size_t>(k)]; }
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

/// The 8-byte object header (§1.2): m_rc i32, m_cs_sz u16, m_other u8, m_tag u8.
struct ObjectHeader {
  int32_t rc = 0;
  uint16_t cs_sz = 0;
  uint8_t other = 0;
  uint8_t tag = 0;

  static ObjectHeader decode(const uint8_t* p);
  void encode(uint8_t* p) const;
  Kind kind() const { return kind_of_tag(tag); }
};

/// Field offsets from the object start (§1.4).
namespace layout {
inline constexpr uint64_t header = 8;
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
inline constexpr uint64_t closure_args = 24;
inline constexpr uint64_t value = 8;               // Thunk/Task m_value, Ref, Promise slot
inline constexpr uint64_t thunk_closure = 16;      // Thunk m_closure, Task m_imp: must be 0
inline constexpr uint64_t thunk_size = 24;
inline constexpr uint64_t ref_size = 16;
}  // namespace layout

/// The pointer slots of an object: `count` words starting at `first` (from the object start).
struct SlotRange {
  uint64_t first = 0;
  uint64_t count = 0;
};

/// The graph edges of a well-formed object in memory (a heap object or a validated region
/// object), in slot order (§1.4). Trusts the object: untrusted bytes go through the walker.
SlotRange object_slots(const uint8_t* obj);

}  // namespace cf
