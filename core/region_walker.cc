// See region_walker.h. One class per walk; per-kind check functions fanned out by one switch
// (STYLE.md 11); every rejection through fail() (STYLE.md 6).
#include "core/region_walker.h"

#include <algorithm>
#include <unordered_set>
#include <string>

#include "core/fail.h"
#include "core/utf8.h"

namespace cf {
namespace {

using ull = unsigned long long;

// What a per-kind check learned about one object.
struct Shape {
  uint64_t step = 0;
  SlotRange slots;
};

class Walker {
 public:
  Walker(std::span<const uint8_t> file, const FileHeader& h, const WalkOptions& o)
      : f_(file.data()), size_(file.size()), h_(h), o_(o), d_(h.data_start()),
        end_(h.data_start() + h.data_size), base_(h.base_addr),
        budget_(o.work_per_word * (file.size() / 8 + 1)) {}

  Result<RegionSummary> run();

 private:
  Status walk_objects();
  Status check_object(uint64_t off);
  Result<Shape> check_shape(uint64_t off, const ObjectHeader& hdr);
  Result<Shape> check_ctor(uint64_t off, const ObjectHeader& hdr);
  Result<Shape> check_array(uint64_t off, const ObjectHeader& hdr);
  Result<Shape> check_sarray(uint64_t off, const ObjectHeader& hdr);
  Result<Shape> check_string(uint64_t off, const ObjectHeader& hdr);
  Result<Shape> check_mpz(uint64_t off, const ObjectHeader& hdr);
  Result<Shape> check_mpz_gmp(uint64_t off, const ObjectHeader& hdr);
  Result<Shape> check_mpz_digits(uint64_t off, const ObjectHeader& hdr);
  Result<Shape> check_closure(uint64_t off, const ObjectHeader& hdr);
  Result<Shape> check_boxed_value(uint64_t off, const ObjectHeader& hdr);
  Status check_slots(uint64_t off, SlotRange slots, uint32_t* depth);
  Status check_zero(uint64_t from, uint64_t to, const char* what);
  Status check_root();
  Status check_closure_table();
  Status check_reachability();
  Status charge(uint64_t units, uint64_t off);
  // Dep containing logical address w (greatest base <= w, §5.7), or -1. Sorted lazily: only
  // when the first pointer leaves the own file (§5.10 rule 5).
  int64_t find_dep(uint64_t w);
  // Checks a pointer that left the own file; `at` is the slot's file offset. Sets *dep/*off.
  Status check_external(uint64_t w, uint64_t at, int64_t* dep, uint64_t* off);

  uint64_t word_at(uint64_t off) const { return load_u64(f_ + off); }
  // Bit per data word (1/64 of the file: stays in cache where index_ would not). Callers
  // pass an own data offset in [d_, end_) that is 8-aligned.
  static bool test_bit(const std::vector<uint64_t>& bits, uint64_t word) { return (bits[word / 64] >> (word % 64)) & 1; }
  static void set_bit(std::vector<uint64_t>& bits, uint64_t word) { bits[word / 64] |= uint64_t{1} << (word % 64); }
  uint64_t data_word(uint64_t off) const { return (off - d_) / 8; }
  // Object index + 1 for an own data offset that is an object start, else 0.
  uint32_t object_at(uint64_t off) const {
    if (off < d_ || off >= end_ || off % 8 != 0) return 0;
    return index_[(off - d_) / 8];
  }

  const uint8_t* f_;
  uint64_t size_;
  const FileHeader& h_;
  const WalkOptions& o_;
  uint64_t d_, end_, base_;
  uint64_t budget_;
  std::vector<uint32_t> index_;   // data word -> object index + 1 (written in order, read rarely)
  std::vector<uint64_t> starts_;  // data word -> is an object start (the hot-path check)
  std::vector<ObjectRecord> objs_;
  std::vector<uint32_t> dep_order_;  // deps sorted by base_addr, built on first use
  bool dep_order_built_ = false;
  RegionSummary s_;
};

int64_t Walker::find_dep(uint64_t w) {
  const auto& deps = o_.deps;
  if (deps.empty()) return -1;
  if (!dep_order_built_) {
    dep_order_.resize(deps.size());
    for (uint32_t i = 0; i < deps.size(); ++i) dep_order_[i] = i;
#ifndef CF_CANARY_DEP_ORDER  // the planted bug (docs/canaries.md): deps searched in the caller's order
    std::stable_sort(dep_order_.begin(), dep_order_.end(),
                     [&](uint32_t a, uint32_t b) { return deps[a].base_addr < deps[b].base_addr; });
#endif
    dep_order_built_ = true;
  }
  auto it = std::upper_bound(dep_order_.begin(), dep_order_.end(), w,
                             [&](uint64_t v, uint32_t i) { return v < deps[i].base_addr; });
  if (it == dep_order_.begin()) return -1;
  const DepView& d = deps[*(it - 1)];
  return w - d.base_addr < d.file_size ? static_cast<int64_t>(*(it - 1)) : -1;
}

Status Walker::check_external(uint64_t w, uint64_t at, int64_t* dep, uint64_t* off) {
  *dep = find_dep(w);
  if (*dep < 0) {
    if (o_.allow_external) return Ok{};
    return fail(ErrorCode::missing_dep, at, "pointer 0x%llx is outside this file and every dep",
                static_cast<unsigned long long>(w));
  }
  const DepView& d = o_.deps[static_cast<size_t>(*dep)];
  *off = w - d.base_addr;
  if (d.object_index == nullptr) return Ok{};
  const uint64_t t = *off;
  const bool start = t >= d.data_start && t - d.data_start < d.data_size && t % 8 == 0 &&
                     (*d.object_index)[(t - d.data_start) / 8] != 0;
  if (!start)
    return fail(ErrorCode::pointer_not_object_start, at, "pointer 0x%llx -> dep offset %llu, not an object start",
                static_cast<unsigned long long>(w), static_cast<unsigned long long>(t));
  return Ok{};
}

Status Walker::charge(uint64_t units, uint64_t off) {
  s_.work += units;
  if (s_.work > budget_)
    return fail(ErrorCode::work_limit, off, "validation work %llu exceeds the budget %llu", static_cast<ull>(s_.work),
                static_cast<ull>(budget_));
  return Ok{};
}

Result<RegionSummary> Walker::run() {
  index_.assign(h_.data_size / 8, 0);
  starts_.assign(h_.data_size / 8 / 64 + 1, 0);
  // Real and generated files average 30-60 bytes per object: one reservation instead of
  // ~20 reallocations (each a copy and fresh page faults) on a large file.
  objs_.reserve(h_.data_size / 40 + 1);
  if (auto st = walk_objects(); !st) return st.take_error();
  if (auto st = check_root(); !st) return st.take_error();
  if (h_.format == Format::v3) {
    if (auto st = check_closure_table(); !st) return st.take_error();
  }
  if (o_.canonical) {
    if (auto st = check_reachability(); !st) return st.take_error();
  }
  if (o_.depths)
    for (const ObjectRecord& r : objs_) s_.max_depth = std::max(s_.max_depth, r.depth);
  if (o_.keep_objects) {
    s_.object_list = std::move(objs_);
    s_.object_index = std::move(index_);
  }
  return std::move(s_);
}

Status Walker::walk_objects() {
  uint64_t off = d_ + 8;
  while (off < end_) {
    if (auto st = check_object(off); !st) return st;
    off += objs_.back().size;
  }
  return Ok{};
}

// §8.2 step 5, for the object at `off`: header present, tag, m_rc, size and extent,
// conventions, fields, padding (inside check_shape), then the pointer slots.
Status Walker::check_object(uint64_t off) {
  if (end_ - off < layout::header)
    return fail(ErrorCode::truncated, off, "object header runs past the data end");
  const ObjectHeader hdr = ObjectHeader::decode(f_ + off);
  const Kind kind = hdr.kind();
  if (kind == Kind::struct_array || kind == Kind::external || kind == Kind::reserved)
    return fail(ErrorCode::bad_tag, off + 7, "tag %u (%s) cannot occur in a region", hdr.tag,
                std::string(kind_name(kind)).c_str());
  if (kind == Kind::closure && h_.format != Format::v3)
    return fail(ErrorCode::bad_tag, off + 7, "closure (tag 245) in a %s file; closures need v3",
                std::string(format_name(h_.format)).c_str());
  if (hdr.rc != 0)
    return fail(ErrorCode::bad_object_header, off, "m_rc %d; compacted objects have 0", hdr.rc);
  auto shape_or = check_shape(off, hdr);
  if (!shape_or) return shape_or.take_error();
  const Shape shape = shape_or.value();
  ObjectRecord rec;
  rec.offset = off;
  rec.size = shape.step;
  rec.kind = kind;
  rec.tag = hdr.tag;
  rec.slot_first = static_cast<uint32_t>(shape.slots.first);
  rec.slot_count = static_cast<uint32_t>(shape.slots.count);
  if (auto st = check_slots(off, shape.slots, &rec.depth); !st) return st;
  if (auto st = charge(1 + shape.step / 8, off); !st) return st;
  if (objs_.size() >= UINT32_MAX - 1)
    return fail(ErrorCode::work_limit, off, "more than 2^32 objects");
  objs_.push_back(rec);
  index_[data_word(off)] = static_cast<uint32_t>(objs_.size());
  set_bit(starts_, data_word(off));
  const size_t k = static_cast<size_t>(kind);
  s_.objects += 1;
  s_.objects_per_kind[k] += 1;
  s_.bytes_per_kind[k] += shape.step;
  if (kind == Kind::ctor) s_.ctor_tags[hdr.tag] += 1;
  if (kind == Kind::closure) s_.closures += 1;
  return Ok{};
}

Result<Shape> Walker::check_shape(uint64_t off, const ObjectHeader& hdr) {
  switch (hdr.kind()) {
    case Kind::ctor: return check_ctor(off, hdr);
    case Kind::array: return check_array(off, hdr);
    case Kind::sarray: return check_sarray(off, hdr);
    case Kind::string: return check_string(off, hdr);
    case Kind::mpz: return check_mpz(off, hdr);
    case Kind::closure: return check_closure(off, hdr);
    case Kind::thunk:
    case Kind::task:
    case Kind::ref:
    case Kind::promise: return check_boxed_value(off, hdr);
    default: return fail(ErrorCode::bad_tag, off + 7, "tag %u has no layout", hdr.tag);
  }
}

Status Walker::check_zero(uint64_t from, uint64_t to, const char* what) {
  for (uint64_t i = from; i < to; ++i)
    if (f_[i] != 0) return fail(ErrorCode::bad_padding, i, "%s byte is 0x%02x, not 0", what, f_[i]);
  return Ok{};
}

// ctor: m_cs_sz = 8 + 8n + scalar bytes, exact (§1.5); O4 is Tier S, O5 Tier C.
Result<Shape> Walker::check_ctor(uint64_t off, const ObjectHeader& hdr) {
  const uint64_t n = hdr.other, cs = hdr.cs_sz;
  if (cs < 8 + 8 * n)
    return fail(ErrorCode::bad_object_size, off + 4, "ctor m_cs_sz %llu < 8 + 8 * %llu fields", static_cast<ull>(cs),
                static_cast<ull>(n));
  const uint64_t step = align8(cs);
#ifndef CF_CANARY_CTOR_EXTENT  // the planted bug (docs/canaries.md): a ctor may run past the data end
  if (step > end_ - off)
    return fail(ErrorCode::truncated, off, "ctor of %llu bytes runs past the data end", static_cast<ull>(step));
#endif
  if (o_.canonical && (cs % 8 != 0 || cs > k_max_ctor_size))
    return fail(ErrorCode::bad_object_size, off + 4, "ctor m_cs_sz %llu is not a multiple of 8 in [8, %u]",
                static_cast<ull>(cs), k_max_ctor_size);
  return Shape{step, {layout::ctor_fields, n}};
}

// Array: 24 + 8 * capacity; m_size slots are edges (§1.4).
Result<Shape> Walker::check_array(uint64_t off, const ObjectHeader& hdr) {
  const uint64_t avail = end_ - off;
  if (avail < layout::array_data) return fail(ErrorCode::truncated, off, "Array header runs past the data end");
  const uint64_t size = word_at(off + layout::array_size), cap = word_at(off + layout::array_capacity);
  if (size > cap)
    return fail(ErrorCode::bad_object_size, off + layout::array_size, "Array m_size %llu > m_capacity %llu",
                static_cast<ull>(size), static_cast<ull>(cap));
  if (cap > (avail - layout::array_data) / 8)
    return fail(ErrorCode::truncated, off + layout::array_capacity, "Array capacity %llu runs past the data end",
                static_cast<ull>(cap));
  if (o_.canonical && cap != size)
    return fail(ErrorCode::bad_object_size, off + layout::array_capacity, "Array m_capacity %llu != m_size %llu",
                static_cast<ull>(cap), static_cast<ull>(size));
  if (o_.canonical && (hdr.cs_sz != 1 || hdr.other != 0))
    return fail(ErrorCode::bad_object_header, off + 4, "Array m_cs_sz %u / m_other %u; expected 1 / 0", hdr.cs_sz,
                hdr.other);
  return Shape{layout::array_data + 8 * cap, {layout::array_data, size}};
}

// ScalarArray: align8(24 + e * capacity), e = m_other (§1.5); no edges.
Result<Shape> Walker::check_sarray(uint64_t off, const ObjectHeader& hdr) {
  const uint64_t avail = end_ - off;
  if (avail < layout::array_data) return fail(ErrorCode::truncated, off, "ScalarArray header runs past the data end");
  const uint64_t e = hdr.other;
  if (e == 0 || e >= 0x80)
    return fail(ErrorCode::bad_object_header, off + 6, "ScalarArray element size %llu (m_other) not in [1, 127]",
                static_cast<ull>(e));
  const uint64_t size = word_at(off + layout::array_size), cap = word_at(off + layout::array_capacity);
  if (size > cap)
    return fail(ErrorCode::bad_object_size, off + layout::array_size, "ScalarArray m_size %llu > m_capacity %llu",
                static_cast<ull>(size), static_cast<ull>(cap));
  if (cap > (avail - layout::array_data) / e)
    return fail(ErrorCode::truncated, off + layout::array_capacity,
                "ScalarArray capacity %llu x %llu bytes runs past the data end", static_cast<ull>(cap),
                static_cast<ull>(e));
  const uint64_t payload_end = off + layout::array_data + e * cap;
  const uint64_t step = align8(layout::array_data + e * cap);
  if (step > avail) return fail(ErrorCode::truncated, off, "ScalarArray padding runs past the data end");
  if (o_.canonical && cap != size)
    return fail(ErrorCode::bad_object_size, off + layout::array_capacity, "ScalarArray m_capacity %llu != m_size %llu",
                static_cast<ull>(cap), static_cast<ull>(size));
  if (o_.canonical && hdr.cs_sz != 1)
    return fail(ErrorCode::bad_object_header, off + 4, "ScalarArray m_cs_sz %u; expected 1", hdr.cs_sz);
  if (o_.canonical) {
    if (auto st = check_zero(payload_end, off + step, "ScalarArray tail padding"); !st) return st.take_error();
  }
  return Shape{step, {}};
}

// String: align8(32 + capacity); m_size counts the NUL; content is strict UTF-8 (§1.6).
Result<Shape> Walker::check_string(uint64_t off, const ObjectHeader& hdr) {
  const uint64_t avail = end_ - off;
  if (avail < layout::string_data) return fail(ErrorCode::truncated, off, "String header runs past the data end");
  const uint64_t size = word_at(off + layout::array_size), cap = word_at(off + layout::array_capacity);
  const uint64_t length = word_at(off + layout::string_length);
  if (size > cap)
    return fail(ErrorCode::bad_object_size, off + layout::array_size, "String m_size %llu > m_capacity %llu",
                static_cast<ull>(size), static_cast<ull>(cap));
  if (cap > avail - layout::string_data)
    return fail(ErrorCode::truncated, off + layout::array_capacity, "String capacity %llu runs past the data end",
                static_cast<ull>(cap));
  const uint64_t step = align8(layout::string_data + cap);
  if (step > avail) return fail(ErrorCode::truncated, off, "String padding runs past the data end");
  if (o_.canonical && cap != size)
    return fail(ErrorCode::bad_object_size, off + layout::array_capacity, "String m_capacity %llu != m_size %llu",
                static_cast<ull>(cap), static_cast<ull>(size));
  if (o_.canonical && (hdr.cs_sz != 1 || hdr.other != 0))
    return fail(ErrorCode::bad_object_header, off + 4, "String m_cs_sz %u / m_other %u; expected 1 / 0", hdr.cs_sz,
                hdr.other);
  const uint64_t data = off + layout::string_data;
  if (size == 0) return fail(ErrorCode::bad_string, off + layout::array_size, "String m_size 0 (no NUL)");
  if (f_[data + size - 1] != 0)
    return fail(ErrorCode::bad_string, data + size - 1, "String does not end in NUL (byte 0x%02x)", f_[data + size - 1]);
  const Utf8Scan scan = scan_utf8({f_ + data, size - 1});
  if (!scan.valid) return fail(ErrorCode::bad_string, data + scan.bad_index, "String is not valid UTF-8");
  if (scan.code_points != length)
    return fail(ErrorCode::bad_string, off + layout::string_length, "String m_length %llu, content has %llu code points",
                static_cast<ull>(length), static_cast<ull>(scan.code_points));
  if (o_.canonical) {
    if (auto st = check_zero(data + cap, off + step, "String tail padding"); !st) return st.take_error();
  }
  return Shape{step, {}};
}

Result<Shape> Walker::check_mpz(uint64_t off, const ObjectHeader& hdr) {
  return h_.gmp() ? check_mpz_gmp(off, hdr) : check_mpz_digits(off, hdr);
}

// GMP layout: 24 + 8|_mp_size|; alloc == |size|; limb pointer == own logical address + 24 (O12).
Result<Shape> Walker::check_mpz_gmp(uint64_t off, const ObjectHeader& hdr) {
  const uint64_t avail = end_ - off;
  if (avail < layout::mpz_limbs) return fail(ErrorCode::truncated, off, "MPZ header runs past the data end");
  const int32_t alloc = load_i32(f_ + off + layout::mpz_alloc), sz = load_i32(f_ + off + layout::mpz_size);
  if (sz == INT32_MIN) return fail(ErrorCode::bad_object_field, off + layout::mpz_size, "MPZ _mp_size is -2^31");
  const uint64_t n = static_cast<uint64_t>(sz < 0 ? -static_cast<int64_t>(sz) : sz);
  if (n > (avail - layout::mpz_limbs) / 8)
    return fail(ErrorCode::truncated, off + layout::mpz_size, "MPZ with %llu limbs runs past the data end",
                static_cast<ull>(n));
  const uint64_t step = layout::mpz_limbs + 8 * n;
  if (o_.canonical && (hdr.cs_sz != (step & 0xFFFF) || hdr.other != 0))
    return fail(ErrorCode::bad_object_header, off + 4, "MPZ m_cs_sz %u / m_other %u; expected %llu / 0", hdr.cs_sz,
                hdr.other, static_cast<ull>(step & 0xFFFF));
  if (static_cast<int64_t>(alloc) != static_cast<int64_t>(n))
    return fail(ErrorCode::bad_object_field, off + layout::mpz_alloc, "MPZ _mp_alloc %d != |_mp_size| %llu", alloc,
                static_cast<ull>(n));
  const uint64_t limbs = word_at(off + layout::mpz_limb_ptr);
  if (limbs != base_ + off + layout::mpz_limbs)
    return fail(ErrorCode::bad_object_field, off + layout::mpz_limb_ptr, "MPZ limb pointer 0x%llx, expected 0x%llx",
                static_cast<ull>(limbs), static_cast<ull>(base_ + off + layout::mpz_limbs));
  return Shape{step, {}};
}

// Non-GMP layout (flags bit 0 clear): sign byte, zero padding, digit count, digit pointer, u32 digits.
Result<Shape> Walker::check_mpz_digits(uint64_t off, const ObjectHeader& hdr) {
  const uint64_t avail = end_ - off;
  if (avail < layout::mpz_digits) return fail(ErrorCode::truncated, off, "MPZ header runs past the data end");
  const uint64_t nd = word_at(off + layout::mpz_digit_count);
  if (nd > (avail - layout::mpz_digits) / 4)
    return fail(ErrorCode::truncated, off + layout::mpz_digit_count, "MPZ with %llu digits runs past the data end",
                static_cast<ull>(nd));
  const uint64_t size = layout::mpz_digits + 4 * nd, step = align8(size);
  if (step > avail) return fail(ErrorCode::truncated, off, "MPZ padding runs past the data end");
  if (o_.canonical && (hdr.cs_sz != (size & 0xFFFF) || hdr.other != 0))
    return fail(ErrorCode::bad_object_header, off + 4, "MPZ m_cs_sz %u / m_other %u; expected %llu / 0", hdr.cs_sz,
                hdr.other, static_cast<ull>(size & 0xFFFF));
  if (f_[off + layout::mpz_sign] > 1)
    return fail(ErrorCode::bad_object_field, off + layout::mpz_sign, "MPZ sign byte %u is not a bool",
                f_[off + layout::mpz_sign]);
  const uint64_t digits = word_at(off + layout::mpz_digit_ptr);
  if (digits != base_ + off + layout::mpz_digits)
    return fail(ErrorCode::bad_object_field, off + layout::mpz_digit_ptr, "MPZ digit pointer 0x%llx, expected 0x%llx",
                static_cast<ull>(digits), static_cast<ull>(base_ + off + layout::mpz_digits));
  if (o_.canonical) {
    if (auto st = check_zero(off + layout::mpz_sign + 1, off + layout::mpz_digit_count, "MPZ sign padding"); !st)
      return st.take_error();
    if (auto st = check_zero(off + size, off + step, "MPZ tail padding"); !st) return st.take_error();
  }
  return Shape{step, {}};
}

// Closure (v3 only): 24 + 8 * m_num_fixed, and m_cs_sz must say so (O14).
Result<Shape> Walker::check_closure(uint64_t off, const ObjectHeader& hdr) {
  const uint64_t avail = end_ - off;
  if (avail < layout::closure_args) return fail(ErrorCode::truncated, off, "Closure header runs past the data end");
  const uint64_t arity = load_u16(f_ + off + layout::closure_arity);
  const uint64_t nf = load_u16(f_ + off + layout::closure_num_fixed);
  const uint64_t size = layout::closure_args + 8 * nf;
  if (hdr.cs_sz != size)
    return fail(ErrorCode::bad_object_size, off + 4, "Closure m_cs_sz %u != 24 + 8 * %llu fixed arguments", hdr.cs_sz,
                static_cast<ull>(nf));
  if (size > avail) return fail(ErrorCode::truncated, off, "Closure runs past the data end");
  if (o_.canonical && hdr.other != 0)
    return fail(ErrorCode::bad_object_header, off + 6, "Closure m_other %u; expected 0", hdr.other);
  if (o_.canonical && (arity == 0 || nf >= arity))
    return fail(ErrorCode::bad_object_field, off + layout::closure_arity, "Closure arity %llu with %llu fixed arguments",
                static_cast<ull>(arity), static_cast<ull>(nf));
  if (o_.canonical) {
    if (auto st = check_zero(off + 20, off + 24, "Closure padding"); !st) return st.take_error();
  }
  return Shape{size, {layout::closure_args, nf}};
}

// Thunk, Task (24 bytes, second word 0) and Ref, Promise (16 bytes): one edge at +8.
Result<Shape> Walker::check_boxed_value(uint64_t off, const ObjectHeader& hdr) {
  const Kind kind = hdr.kind();
  const bool two_words = kind == Kind::thunk || kind == Kind::task;
  const uint64_t size = two_words ? layout::thunk_size : layout::ref_size;
  const std::string name(kind_name(kind));
  if (size > end_ - off) return fail(ErrorCode::truncated, off, "%s runs past the data end", name.c_str());
  if (o_.canonical && hdr.cs_sz != size)
    return fail(ErrorCode::bad_object_header, off + 4, "%s m_cs_sz %u; expected %llu", name.c_str(), hdr.cs_sz,
                static_cast<ull>(size));
  if (two_words && word_at(off + layout::thunk_closure) != 0)
    return fail(ErrorCode::bad_object_field, off + layout::thunk_closure, "%s %s is 0x%llx; must be 0", name.c_str(),
                kind == Kind::thunk ? "m_closure" : "m_imp", static_cast<ull>(word_at(off + layout::thunk_closure)));
  return Shape{size, {layout::value, 1}};
}

// §8.3 P1-P5 for each slot, ascending; computes the object's depth from its own children.
Status Walker::check_slots(uint64_t off, SlotRange slots, uint32_t* depth) {
  uint32_t deepest = 0;
  for (uint64_t i = 0; i < slots.count; ++i) {
    const uint64_t at = off + slots.first + 8 * i;
    const uint64_t w = word_at(at);
    if (is_scalar(w)) {
      ++s_.pointer_words.scalar;
      continue;
    }
    if (w == 0) return fail(ErrorCode::pointer_out_of_range, at, "pointer word 0");
    if (w < base_ || w - base_ >= size_) {
      int64_t dep;
      uint64_t dep_off;
      if (auto st = check_external(w, at, &dep, &dep_off); !st) return st;
      ++s_.pointer_words.other;
      continue;
    }
    const uint64_t t = w - base_;
    if (t < d_ || t >= end_)
      return fail(ErrorCode::pointer_out_of_range, at, "pointer 0x%llx -> file offset %llu, outside the data section",
                  static_cast<ull>(w), static_cast<ull>(t));
    if (t % 8 != 0)
      return fail(ErrorCode::pointer_not_object_start, at, "pointer 0x%llx -> file offset %llu is not 8-aligned",
                  static_cast<ull>(w), static_cast<ull>(t));
    if (t >= off)
      return fail(ErrorCode::forward_pointer, at, "pointer -> file offset %llu, not below its object at %llu",
                  static_cast<ull>(t), static_cast<ull>(off));
    if (!test_bit(starts_, data_word(t)))  // t is aligned, in the data and below off
      return fail(ErrorCode::pointer_not_object_start, at, "pointer -> file offset %llu, not an object start",
                  static_cast<ull>(t));
    ++s_.pointer_words.self;
    if (o_.depths) deepest = std::max(deepest, objs_[object_at(t) - 1].depth);
  }
  *depth = deepest + 1;
  return Ok{};
}

// §8.3 P7: the root slot may point anywhere an edge may, and forward.
Status Walker::check_root() {
  const uint64_t w = word_at(d_);
  s_.root.word = w;
  if (is_scalar(w)) {
    s_.root.cls = RootClass::scalar;
    return Ok{};
  }
  if (w == 0) return fail(ErrorCode::pointer_out_of_range, d_, "root slot is 0");
  if (w < base_ || w - base_ >= size_) {
    if (auto st = check_external(w, d_, &s_.root.dep, &s_.root.offset); !st) return st;
    s_.root.cls = RootClass::external;
    if (s_.root.dep >= 0) {
      const DepView& d = o_.deps[static_cast<size_t>(s_.root.dep)];
      if (d.object_index != nullptr && d.objects != nullptr)
        s_.root.kind = (*d.objects)[(*d.object_index)[(s_.root.offset - d.data_start) / 8] - 1].kind;
    }
    return Ok{};
  }
  const uint64_t t = w - base_;
  if (t < d_ || t >= end_)
    return fail(ErrorCode::pointer_out_of_range, d_, "root -> file offset %llu, outside the data section",
                static_cast<ull>(t));
  const uint32_t target = object_at(t);
  if (target == 0)
    return fail(ErrorCode::pointer_not_object_start, d_, "root -> file offset %llu, not an object start",
                static_cast<ull>(t));
  s_.root.cls = RootClass::own;
  s_.root.offset = t;
  s_.root.kind = objs_[target - 1].kind;
  return Ok{};
}

// §8.3 T3-T6, T8, T9: the v3 closure offsets name exactly the closures' m_fun fields.
Status Walker::check_closure_table() {
  const V3Trailer& t = h_.trailer;
  const uint64_t table = d_ + h_.data_size + 4;  // file offset of the first closure offset
  for (size_t i = 0; i < t.closure_offsets.size(); ++i) {
    const uint64_t off = t.closure_offsets[i], at = table + 8 * i;
    if (off % 8 != 0 || off > h_.data_size - 8)
      return fail(ErrorCode::closure_offset_out_of_range, at, "closure offset %llu is outside the data or misaligned",
                  static_cast<ull>(off));
    if (i > 0 && off <= t.closure_offsets[i - 1])
      return fail(ErrorCode::bad_closure_table, at, "closure offsets not strictly ascending at entry %zu", i);
    const uint32_t obj = off >= 8 ? object_at(d_ + off - 8) : 0;
    if (obj == 0 || objs_[obj - 1].kind != Kind::closure)
      return fail(ErrorCode::closure_offset_out_of_range, at, "closure offset %llu is not the m_fun of a closure",
                  static_cast<ull>(off));
  }
  if (s_.closures != t.closure_offsets.size()) {
    std::unordered_set<uint64_t> listed(t.closure_offsets.begin(), t.closure_offsets.end());
    for (const ObjectRecord& r : objs_)
      if (r.kind == Kind::closure && listed.count(r.offset + 8 - d_) == 0)
        return fail(ErrorCode::bad_closure_table, r.offset, "closure's m_fun is not in the closure table");
  }
  uint64_t lowest_base = UINT64_MAX;
  std::unordered_set<std::string> ids;
  for (const LibraryEntry& lib : t.libraries) {
    lowest_base = std::min(lowest_base, lib.base);
    if (lib.identity.find('\0') != std::string::npos)
      return fail(ErrorCode::bad_closure_table, table, "library identity contains a NUL");
    if (o_.canonical && !ids.insert(lib.identity).second)
      return fail(ErrorCode::bad_closure_table, table, "library '%s' listed twice", lib.identity.c_str());
  }
  if (o_.canonical && t.closure_offsets.empty() && !t.libraries.empty())
    return fail(ErrorCode::bad_closure_table, table, "%zu libraries listed without closures", t.libraries.size());
  for (size_t i = 0; i < t.closure_offsets.size(); ++i) {
    const uint64_t fn = word_at(d_ + t.closure_offsets[i]);
    if (fn < lowest_base)
      return fail(ErrorCode::bad_closure_table, d_ + t.closure_offsets[i],
                  "closure m_fun 0x%llx lies below every saved library base", static_cast<ull>(fn));
  }
  return Ok{};
}

// Tier C (§8.3 P8, P9): an own root is the last object, and every object is reachable.
// Children sit at lower addresses, so one reverse pass marks everything reachable.
Status Walker::check_reachability() {
  if (objs_.empty()) return Ok{};
  if (s_.root.cls == RootClass::own && s_.root.offset != objs_.back().offset)
    return fail(ErrorCode::root_not_last, d_, "root -> file offset %llu; the last object is at %llu",
                static_cast<ull>(s_.root.offset), static_cast<ull>(objs_.back().offset));
  // Marks by data word, not object number: a bitmap stays in cache, and no index lookup.
  std::vector<uint64_t> reached(starts_.size(), 0);
  if (s_.root.cls == RootClass::own) set_bit(reached, data_word(objs_.back().offset));
  for (size_t i = objs_.size(); i-- > 0;) {
    const ObjectRecord& r = objs_[i];
    if (!test_bit(reached, data_word(r.offset))) continue;
    if (auto st = charge(1 + r.slot_count, r.offset); !st) return st;
    for (uint64_t k = 0; k < r.slot_count; ++k) {
      const uint64_t w = word_at(r.offset + r.slot_first + 8 * k);
      if (is_scalar(w) || w < base_ || w - base_ >= size_) continue;
      set_bit(reached, data_word(w - base_));  // checked to be an own object start by check_slots
    }
  }
  for (size_t i = 0; i < objs_.size(); ++i)
    if (!test_bit(reached, data_word(objs_[i].offset)))
      return fail(ErrorCode::unreachable_object, objs_[i].offset, "%s object not reachable from the root",
                  std::string(kind_name(objs_[i].kind)).c_str());
  return Ok{};
}

}  // namespace

Result<RegionSummary> walk_region(std::span<const uint8_t> file, const FileHeader& header,
                                  const WalkOptions& options) {
  Walker w(file, header, options);
  return w.run();
}

}  // namespace cf
