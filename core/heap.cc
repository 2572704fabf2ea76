// See heap.h. Every object is one zeroed, 8-aligned block owned by the Heap; m_rc = 1.
#include "core/heap.h"

#include <cstring>
#include <stdexcept>

#include "core/format.h"
#include "core/utf8.h"

namespace cf {
namespace {

void put_header(uint8_t* p, uint16_t cs_sz, uint8_t other, uint8_t tag) {
  ObjectHeader h;
  h.rc = 1;  // a live heap object; compaction writes 0
  h.cs_sz = cs_sz;
  h.other = other;
  h.tag = tag;
  h.encode(p);
}

void put_slots(uint8_t* p, std::span<const uint64_t> words) {
  for (size_t i = 0; i < words.size(); ++i) store_u64(p + 8 * i, words[i]);
}

// Caller errors (a bad builder call), not input errors: the heap is built by trusted code.
void require(bool ok, const char* what) {
  if (!ok) throw std::invalid_argument(what);
}

}  // namespace

uint8_t* Heap::alloc(uint64_t size) {
  const uint64_t words = align8(size) / 8;
  blocks_.push_back(std::make_unique<uint64_t[]>(words == 0 ? 1 : words));  // value-initialised: zero
  bytes_ += words * 8;
  return reinterpret_cast<uint8_t*>(blocks_.back().get());
}

uint64_t Heap::ctor(uint8_t tag, std::span<const uint64_t> fields, std::span<const uint8_t> scalars) {
  require(tag <= k_max_ctor_tag, "ctor tag > 243");
  require(fields.size() <= k_max_ctor_fields_in_file, "ctor with more than 255 fields");
  require(scalars.size() <= k_max_ctor_scalars_size, "ctor scalar area over 1024 bytes");
  const uint64_t size = align8(8 + 8 * fields.size() + scalars.size());
  uint8_t* p = alloc(size);
  put_header(p, static_cast<uint16_t>(size), static_cast<uint8_t>(fields.size()), tag);
  put_slots(p + layout::ctor_fields, fields);
  if (!scalars.empty()) std::memcpy(p + 8 + 8 * fields.size(), scalars.data(), scalars.size());
  return reinterpret_cast<uint64_t>(p);
}

uint64_t Heap::array(std::span<const uint64_t> elems, uint64_t spare) {
  const uint64_t cap = elems.size() + spare;
  uint8_t* p = alloc(layout::array_data + 8 * cap);
  put_header(p, 1, 0, k_tag_array);
  store_u64(p + layout::array_size, elems.size());
  store_u64(p + layout::array_capacity, cap);
  put_slots(p + layout::array_data, elems);
  return reinterpret_cast<uint64_t>(p);
}

uint64_t Heap::sarray(uint8_t elem_size, std::span<const uint8_t> data, uint64_t spare_elems) {
  require(elem_size >= 1 && elem_size < 0x80, "ScalarArray element size not in [1, 127]");
  require(data.size() % elem_size == 0, "ScalarArray data not a whole number of elements");
  const uint64_t size = data.size() / elem_size, cap = size + spare_elems;
  uint8_t* p = alloc(layout::array_data + elem_size * cap);
  put_header(p, 1, elem_size, k_tag_scalar_array);
  store_u64(p + layout::array_size, size);
  store_u64(p + layout::array_capacity, cap);
  if (!data.empty()) std::memcpy(p + layout::array_data, data.data(), data.size());
  return reinterpret_cast<uint64_t>(p);
}

uint64_t Heap::string(std::string_view utf8, uint64_t spare) {
  const Utf8Scan scan = scan_utf8({reinterpret_cast<const uint8_t*>(utf8.data()), utf8.size()});
  require(scan.valid, "String is not valid UTF-8");
  const uint64_t size = utf8.size() + 1, cap = size + spare;
  uint8_t* p = alloc(layout::string_data + cap);
  put_header(p, 1, 0, k_tag_string);
  store_u64(p + layout::array_size, size);
  store_u64(p + layout::array_capacity, cap);
  store_u64(p + layout::string_length, scan.code_points);
  if (!utf8.empty()) std::memcpy(p + layout::string_data, utf8.data(), utf8.size());
  return reinterpret_cast<uint64_t>(p);
}

uint64_t Heap::mpz(bool negative, std::span<const uint64_t> limbs) {
  if (!gmp_) {
    std::vector<uint32_t> digits;
    for (uint64_t l : limbs) {
      digits.push_back(static_cast<uint32_t>(l));
      digits.push_back(static_cast<uint32_t>(l >> 32));
    }
    while (!digits.empty() && digits.back() == 0) digits.pop_back();
    return mpz_digits(negative, digits);
  }
  require(limbs.size() < (uint64_t{1} << 31), "mpz with 2^31 limbs");
  // The limbs live in their own block, as GMP allocates them; _mp_alloc may exceed the size.
  uint8_t* d = alloc(8 * (limbs.size() + 1));
  put_slots(d, limbs);
  uint8_t* p = alloc(layout::mpz_limbs);
  const auto n = static_cast<int32_t>(limbs.size());
  put_header(p, static_cast<uint16_t>(layout::mpz_limbs), 0, k_tag_mpz);
  const int32_t alloc_limbs = n + 1, size = negative ? -n : n;
  std::memcpy(p + layout::mpz_alloc, &alloc_limbs, 4);
  std::memcpy(p + layout::mpz_size, &size, 4);
  store_u64(p + layout::mpz_limb_ptr, reinterpret_cast<uint64_t>(d));
  return reinterpret_cast<uint64_t>(p);
}

uint64_t Heap::mpz_digits(bool negative, std::span<const uint32_t> digits) {
  require(!gmp_, "mpz_digits on a GMP-layout heap");
  uint8_t* d = alloc(4 * digits.size() + 4);
  if (!digits.empty()) std::memcpy(d, digits.data(), 4 * digits.size());
  uint8_t* p = alloc(layout::mpz_digits);
  put_header(p, static_cast<uint16_t>(layout::mpz_digits), 0, k_tag_mpz);
  p[layout::mpz_sign] = negative ? 1 : 0;
  store_u64(p + layout::mpz_digit_count, digits.size());
  store_u64(p + layout::mpz_digit_ptr, reinterpret_cast<uint64_t>(d));
  return reinterpret_cast<uint64_t>(p);
}

// Thunk, Task (24 bytes) and Ref, Promise (16 bytes): a header and one value slot at +8.
uint64_t Heap::boxed_value(uint8_t tag, uint64_t size, uint64_t value) {
  uint8_t* p = alloc(size);
  put_header(p, static_cast<uint16_t>(size), 0, tag);
  store_u64(p + layout::value, value);
  return reinterpret_cast<uint64_t>(p);
}

uint64_t Heap::thunk(uint64_t value) { return boxed_value(k_tag_thunk, layout::thunk_size, value); }
uint64_t Heap::task(uint64_t value) { return boxed_value(k_tag_task, layout::thunk_size, value); }
uint64_t Heap::ref(uint64_t value) { return boxed_value(k_tag_ref, layout::ref_size, value); }
uint64_t Heap::promise(uint64_t value) { return boxed_value(k_tag_promise, layout::ref_size, value); }

uint64_t Heap::closure(uint64_t fun, uint16_t arity, std::span<const uint64_t> args) {
  require(args.size() <= 0xFFFF, "closure with more than 65535 fixed arguments");
  const uint64_t size = layout::closure_args + 8 * args.size();
  uint8_t* p = alloc(size);
  put_header(p, static_cast<uint16_t>(size), 0, k_tag_closure);  // wraps past 8188 args (§1.7)
  store_u64(p + layout::closure_fun, fun);
  const auto nf = static_cast<uint16_t>(args.size());
  std::memcpy(p + layout::closure_arity, &arity, 2);
  std::memcpy(p + layout::closure_num_fixed, &nf, 2);
  put_slots(p + layout::closure_args, args);
  return reinterpret_cast<uint64_t>(p);
}

uint64_t Heap::external() {
  uint8_t* p = alloc(24);
  put_header(p, 24, 0, k_tag_external);
  return reinterpret_cast<uint64_t>(p);
}

uint64_t Heap::struct_array() {
  uint8_t* p = alloc(24);
  put_header(p, 1, 0, k_tag_struct_array);
  return reinterpret_cast<uint64_t>(p);
}

uint64_t Heap::reserved() {
  uint8_t* p = alloc(16);
  put_header(p, 16, 0, k_tag_reserved);
  return reinterpret_cast<uint64_t>(p);
}

void Heap::set_slot(uint64_t object, uint64_t i, uint64_t value) {
  auto* p = reinterpret_cast<uint8_t*>(object);
  const ObjectHeader h = ObjectHeader::decode(p);
  switch (h.kind()) {
    case Kind::ctor: require(i < h.other, "ctor field out of range"); store_u64(p + 8 + 8 * i, value); return;
    case Kind::array:
      require(i < load_u64(p + layout::array_size), "array element out of range");
      store_u64(p + layout::array_data + 8 * i, value);
      return;
    case Kind::closure:
      require(i < load_u16(p + layout::closure_num_fixed), "closure argument out of range");
      store_u64(p + layout::closure_args + 8 * i, value);
      return;
    case Kind::thunk:
    case Kind::task:
    case Kind::ref:
    case Kind::promise: require(i == 0, "single-slot object"); store_u64(p + layout::value, value); return;
    default: require(false, "object kind has no slots");
  }
}

}  // namespace cf
