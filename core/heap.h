// A heap to compact from (issue 5): objects with the byte layouts of FORMAT.md §1 and a
// non-zero reference count (m_rc = 1), as the Lean runtime allocates them, as opposed to
// region objects (m_rc = 0). A value is a 64-bit word: a boxed scalar (odd) or the physical
// address of an object, on this heap or inside a loaded Region (a dep).
//
// Heap objects deliberately differ from their compacted images where the runtime's do:
// arrays and strings may carry spare capacity, and an mpz keeps its limbs (digits) in a
// separate allocation reached through its limb (digit) pointer. The compactor must
// normalise all of that (capacity = size, limbs inline, pointer = own address + 24/32).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "core/layout.h"

namespace cf {

class Heap {
 public:
  /// `gmp`: mpz objects use the GMP layout (flags bit 0), else the non-GMP digit layout.
  explicit Heap(bool gmp = true) : gmp_(gmp) {}
  Heap(const Heap&) = delete;
  Heap& operator=(const Heap&) = delete;
  Heap(Heap&&) = default;
  Heap& operator=(Heap&&) = default;

  bool gmp() const { return gmp_; }

  /// Constructor: tag 0..243, up to 255 object fields, then `scalars` (opaque, padded with
  /// zeros to 8; m_cs_sz = align8(8 + 8n + scalars.size())).
  uint64_t ctor(uint8_t tag, std::span<const uint64_t> fields, std::span<const uint8_t> scalars = {});
  /// Array of `elems`, with `spare` unused capacity slots (zero).
  uint64_t array(std::span<const uint64_t> elems, uint64_t spare = 0);
  /// ScalarArray of element size 1..127; data.size() must be a multiple of elem_size.
  uint64_t sarray(uint8_t elem_size, std::span<const uint8_t> data, uint64_t spare_elems = 0);
  /// String of UTF-8 text (no NUL appended by the caller); m_length = code points.
  uint64_t string(std::string_view utf8, uint64_t spare = 0);
  /// Big number: magnitude as 64-bit limbs, least significant first (no trailing zero limbs
  /// expected, but not required). In the non-GMP layout the limbs are split into u32 digits.
  uint64_t mpz(bool negative, std::span<const uint64_t> limbs);
  /// Non-GMP layout only: magnitude as u32 digits, least significant first.
  uint64_t mpz_digits(bool negative, std::span<const uint32_t> digits);
  /// Already-evaluated Thunk / finished Task (second word 0), Ref, resolved Promise.
  uint64_t thunk(uint64_t value);
  uint64_t task(uint64_t value);
  uint64_t ref(uint64_t value);
  uint64_t promise(uint64_t value);
  /// Closure: raw code address, arity, fixed arguments.
  uint64_t closure(uint64_t fun, uint16_t arity, std::span<const uint64_t> args);
  /// Objects compaction must reject: External (tag 254), StructArray (247), Reserved (255).
  uint64_t external();
  uint64_t struct_array();
  uint64_t reserved();

  /// Overwrites slot `i` of a Ref / Thunk / Task / Promise (m_value) or field i of a ctor /
  /// element i of an array / argument i of a closure: how a test builds a cycle.
  void set_slot(uint64_t object, uint64_t i, uint64_t value);

  size_t objects() const { return blocks_.size(); }
  uint64_t bytes() const { return bytes_; }

 private:
  uint8_t* alloc(uint64_t size);  // zeroed, 8-aligned; m_rc set to 1 by the callers
  uint64_t boxed_value(uint8_t tag, uint64_t size, uint64_t value);
  bool gmp_;
  std::vector<std::unique_ptr<uint64_t[]>> blocks_;
  uint64_t bytes_ = 0;
};

}  // namespace cf
