// compact_<kind>: one object's compacted image (FORMAT.md §4.2, §1.4-§1.7), the mirror of the
// walker's check_<kind>, fanned out by one switch. Images normalise what heap objects may
// carry: spare capacity is dropped, mpz limbs (digits) are moved inline behind a pointer to
// the object's own logical address, m_rc is 0, and every padding byte is 0.
#include <algorithm>
#include <cstring>
#include <string>

#include "core/compactor_state.h"

namespace cf {
namespace {

using ull = unsigned long long;

void put_header(uint8_t* p, uint64_t cs_sz, uint8_t other, uint8_t tag) {
  // mpz: m_cs_sz is (24 + 8n) mod 2^16 (§1.7); every other kind fits 16 bits.
  ObjectHeader{0, static_cast<uint16_t>(cs_sz), other, tag}.encode(p);
}

}  // namespace

Status Compactor::State::emit(uint64_t v) {
  const auto* src = reinterpret_cast<const uint8_t*>(v);
  const ObjectHeader h = ObjectHeader::decode(src);
  const FileOffset at{buffer.size()};
  auto size = compact_object(src, h, at);
  if (!size) {
    buffer.resize(at.value);
    return size.take_error();
  }
  if (options.max_sharing && is_shareable(h.kind())) {
    const uint64_t same = shared.find_or_insert(buffer, at.value, size.value());
    if (same != UINT64_MAX) {
      buffer.resize(at.value);  // children were all present, so this leaves no hole (§4.4)
      placed.set(v, address_of(FileOffset{same}, base0()).value);
      ++stats.shared;
      return Ok{};
    }
  }
  placed.set(v, address_of(at, base0()).value);
  ++stats.emitted;
  return Ok{};
}

Result<uint64_t> Compactor::State::compact_object(const uint8_t* src, const ObjectHeader& h, FileOffset at) {
  const Kind kind = h.kind();
  switch (kind) {
    case Kind::ctor: return compact_ctor(src, h, at);
    case Kind::array: return compact_array(src, h, at);
    case Kind::sarray: return compact_sarray(src, h, at);
    case Kind::string: return compact_string(src, h, at);
    case Kind::mpz: return gmp() ? compact_mpz_gmp(src, h, at) : compact_mpz_digits(src, h, at);
    case Kind::thunk:
    case Kind::task:
    case Kind::ref:
    case Kind::promise: return compact_boxed_value(src, h, at);
    case Kind::closure: return compact_closure(src, h, at);
    case Kind::external:
      return named(fail(ErrorCode::external_object, at.value, "external objects cannot be compacted"));
    default:  // StructArray, Reserved
      return named(fail(ErrorCode::unrepresentable, at.value, "tag %u (%s) has no compacted form", h.tag,
                        std::string(kind_name(kind)).c_str()));
  }
}

Result<uint64_t> Compactor::State::compact_ctor(const uint8_t* src, const ObjectHeader& h, FileOffset at) {
  const uint64_t n = h.other, step = align8(h.cs_sz);
  if (h.cs_sz < 8 + 8 * n)
    return named(fail(ErrorCode::unrepresentable, at.value, "ctor with %llu fields but m_cs_sz %u", static_cast<ull>(n),
                      h.cs_sz));
  uint8_t* p = grow(at, step);
  put_header(p, step, h.other, h.tag);
  copy_slots(p, src, layout::ctor_fields, n);
  std::memcpy(p + 8 + 8 * n, src + 8 + 8 * n, step - 8 - 8 * n);  // opaque scalar area (§1.6)
  return step;
}

Result<uint64_t> Compactor::State::compact_array(const uint8_t* src, const ObjectHeader& h, FileOffset at) {
  const uint64_t n = load_u64(src + layout::array_size), step = layout::array_data + 8 * n;
  uint8_t* p = grow(at, step);
  put_header(p, 1, 0, h.tag);
  store_u64(p + layout::array_size, n);
  store_u64(p + layout::array_capacity, n);
  copy_slots(p, src, layout::array_data, n);
  return step;
}

Result<uint64_t> Compactor::State::compact_sarray(const uint8_t* src, const ObjectHeader& h, FileOffset at) {
  const uint64_t e = h.other & 0x7F, n = load_u64(src + layout::array_size);
  const uint64_t step = align8(layout::array_data + e * n);
  uint8_t* p = grow(at, step);
  put_header(p, 1, static_cast<uint8_t>(e), h.tag);  // the linearity bit 0x80 is masked (§1.5)
  store_u64(p + layout::array_size, n);
  store_u64(p + layout::array_capacity, n);
  if (e * n != 0) std::memcpy(p + layout::array_data, src + layout::array_data, e * n);
  return step;
}

Result<uint64_t> Compactor::State::compact_string(const uint8_t* src, const ObjectHeader& h, FileOffset at) {
  const uint64_t n = load_u64(src + layout::array_size), step = align8(layout::string_data + n);
  uint8_t* p = grow(at, step);
  put_header(p, 1, 0, h.tag);
  store_u64(p + layout::array_size, n);
  store_u64(p + layout::array_capacity, n);
  store_u64(p + layout::string_length, load_u64(src + layout::string_length));
  if (n != 0) std::memcpy(p + layout::string_data, src + layout::string_data, n);
  return step;
}

Result<uint64_t> Compactor::State::compact_mpz_gmp(const uint8_t* src, const ObjectHeader& h, FileOffset at) {
  const int32_t sz = load_i32(src + layout::mpz_size);
  const uint64_t n = sz < 0 ? static_cast<uint64_t>(-static_cast<int64_t>(sz)) : static_cast<uint64_t>(sz);
  const auto* limbs = reinterpret_cast<const uint8_t*>(load_u64(src + layout::mpz_limb_ptr));
  const uint64_t step = layout::mpz_limbs + 8 * n;
  uint8_t* p = grow(at, step);
  put_header(p, step, 0, h.tag);
  const auto alloc = static_cast<int32_t>(n);
  std::memcpy(p + layout::mpz_alloc, &alloc, 4);
  std::memcpy(p + layout::mpz_size, &sz, 4);
  store_u64(p + layout::mpz_limb_ptr, address_of(at + layout::mpz_limbs, base0()).value);  // §1.6: own + 24
  if (n != 0) std::memcpy(p + layout::mpz_limbs, limbs, 8 * n);
  return step;
}

// Non-GMP: fields one by one so the padding stays zero (#2908).
Result<uint64_t> Compactor::State::compact_mpz_digits(const uint8_t* src, const ObjectHeader& h, FileOffset at) {
  const uint64_t nd = load_u64(src + layout::mpz_digit_count);
  const auto* digits = reinterpret_cast<const uint8_t*>(load_u64(src + layout::mpz_digit_ptr));
  const uint64_t size = layout::mpz_digits + 4 * nd, step = align8(size);
  uint8_t* p = grow(at, step);
  put_header(p, size, 0, h.tag);
  p[layout::mpz_sign] = src[layout::mpz_sign] != 0 ? 1 : 0;
  store_u64(p + layout::mpz_digit_count, nd);
  store_u64(p + layout::mpz_digit_ptr, address_of(at + layout::mpz_digits, base0()).value);
  if (nd != 0) std::memcpy(p + layout::mpz_digits, digits, 4 * nd);
  return step;
}

// Thunk, Task: forced / finished, so m_closure / m_imp stay 0. Ref, Promise: one slot.
Result<uint64_t> Compactor::State::compact_boxed_value(const uint8_t* src, const ObjectHeader& h, FileOffset at) {
  const Kind kind = h.kind();
  const uint64_t step = kind == Kind::thunk || kind == Kind::task ? layout::thunk_size : layout::ref_size;
  uint8_t* p = grow(at, step);
  put_header(p, step, h.other, h.tag);
  copy_slots(p, src, layout::value, 1);
  return step;
}

Result<uint64_t> Compactor::State::compact_closure(const uint8_t* src, const ObjectHeader& h, FileOffset at) {
  if (options.format != Format::v3)
    return named(fail(ErrorCode::closure_not_allowed, at.value,
                      "closures cannot be compacted without allowClosures: save with "
                      "CompactedRegion.save (allowClosures := true), or keep functions out of "
                      "persistent environment extensions"));
  const uint64_t nf = load_u16(src + layout::closure_num_fixed), step = layout::closure_args + 8 * nf;
  if (step > 0xFFFF)
    return named(fail(ErrorCode::unrepresentable, at.value,
                      "closure with %llu fixed arguments: m_cs_sz %llu overflows 16 bits (§1.7)", static_cast<ull>(nf),
                      static_cast<ull>(step)));
  const uint64_t fun = load_u64(src + layout::closure_fun);
  auto lib = std::upper_bound(libs.begin(), libs.end(), fun, [](uint64_t f, const LibraryEntry& l) { return f < l.base; });
  if (lib == libs.begin())
    return named(fail(ErrorCode::missing_library, at.value,
                      "closure function pointer does not belong to any loaded library (m_fun 0x%llx)",
                      static_cast<ull>(fun)));
  uint8_t* p = grow(at, step);
  put_header(p, step, 0, h.tag);
  store_u64(p + layout::closure_fun, fun);
  std::memcpy(p + layout::closure_arity, src + layout::closure_arity, 4);  // arity, num_fixed
  copy_slots(p, src, layout::closure_args, nf);
  closure_fields.push_back(at.value + layout::closure_fun);
  libs_used[static_cast<size_t>(lib - libs.begin() - 1)] = true;
  return step;
}

}  // namespace cf
