// See region_walker.h. One class per walk; per-kind check functions fanned out by one switch
// (STYLE.md 11), each taking its sizes from the step rule of core/layout.h and adding the
// checks of §8.3 in a fixed order: fixed fields present, conventions that need only those,
// the extent, then the rest; every rejection through fail() (STYLE.md 6).
#include "core/region_walker.h"

#include <algorithm>
#include <string>
#include <unordered_set>

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
  Walker(std::span<const uint8_t> file, const FileHeader& header, const WalkOptions& options)
      : file_(file.data()), file_size_(file.size()), header_(header), options_(options),
        data_start_(header.data_start()), data_end_(header.data_start() + header.data_size),
        base_(header.base_addr), budget_(options.work_per_word * (file.size() / k_word + 1)) {}

  Result<RegionSummary> run();

 private:
  Status walk_objects();
  Status check_object(FileOffset off);
  Result<Shape> check_shape(FileOffset off, const ObjectHeader& hdr);
  Result<Shape> check_ctor(FileOffset off, const ObjectHeader& hdr);
  Result<Shape> check_array(FileOffset off, const ObjectHeader& hdr);
  Result<Shape> check_sarray(FileOffset off, const ObjectHeader& hdr);
  Result<Shape> check_string(FileOffset off, const ObjectHeader& hdr);
  Result<Shape> check_mpz_gmp(FileOffset off, const ObjectHeader& hdr);
  Result<Shape> check_mpz_digits(FileOffset off, const ObjectHeader& hdr);
  Result<Shape> check_closure(FileOffset off, const ObjectHeader& hdr);
  Result<Shape> check_boxed_value(FileOffset off, const ObjectHeader& hdr);
  Status check_slots(FileOffset off, SlotRange slots, uint32_t* depth);
  Status check_zero(FileOffset from, FileOffset to, const char* what);
  Status check_root();
  Status check_closure_table();
  Status check_reachability();
  Status charge(uint64_t units, FileOffset off);
  // Checks a pointer that left the own file; `at` is the slot's file offset. Sets *dep/*off.
  Status check_external(LogicalAddr w, FileOffset at, int64_t* dep, uint64_t* off);

  uint64_t avail(FileOffset off) const { return data_end_ - off; }
  uint64_t word_at(FileOffset off) const { return load_u64(file_ + off.value); }
  ObjectProbe probe(FileOffset off, Kind kind) const { return probe_kind(file_ + off.value, avail(off), kind, header_.gmp()); }
  // Bit per file word (1/64 of the file: stays in cache where the start index would not).
  bool is_start(FileOffset off) const {
    const uint64_t w = word_of(off).value;
    return (start_bits_[w / 64] >> (w % 64)) & 1;
  }
  static void set_bit(std::vector<uint64_t>& bits, WordIndex w) { bits[w.value / 64] |= uint64_t{1} << (w.value % 64); }
  static bool test_bit(const std::vector<uint64_t>& bits, WordIndex w) { return (bits[w.value / 64] >> (w.value % 64)) & 1; }

  const uint8_t* file_;
  uint64_t file_size_;
  const FileHeader& header_;
  const WalkOptions& options_;
  FileOffset data_start_, data_end_;
  LogicalAddr base_;
  uint64_t budget_;
  ObjectTable table_;                // records, and file word -> record index + 1
  std::vector<uint64_t> start_bits_;  // file word -> is an object start (the hot-path check)
  std::vector<uint32_t> dep_order_;  // deps by base, built on the first pointer leaving the file
  bool dep_order_built_ = false;
  RegionSummary summary_;
};

Status Walker::check_external(LogicalAddr w, FileOffset at, int64_t* dep, uint64_t* off) {
  // Deps are sorted lazily: only when the first pointer leaves the own file (§5.10 rule 5),
  // and not at all when the caller sorted them.
  if (!dep_order_built_ && options_.dep_order.size() != options_.deps.size()) {
    dep_order_ = order_by_base(options_.deps);
    summary_.dep_work += options_.deps.size();
  }
  dep_order_built_ = true;
  const std::span<const uint32_t> order = options_.dep_order.size() == options_.deps.size() ? options_.dep_order
                                                                                              : std::span<const uint32_t>(dep_order_);
  *dep = find_dep(options_.deps, order, w);
  if (*dep < 0) {
    if (options_.allow_external) return Ok{};
    return fail(ErrorCode::missing_dep, at.value, "pointer 0x%llx is outside this file and every dep",
                static_cast<ull>(w.value));
  }
  const RegionView& d = options_.deps[static_cast<size_t>(*dep)];
  const FileOffset t = *d.offset_of(w);
  *off = t.value;
  if (d.objects != nullptr && d.objects->at(t) == nullptr)
    return fail(ErrorCode::pointer_not_object_start, at.value, "pointer 0x%llx -> dep offset %llu, not an object start",
                static_cast<ull>(w.value), static_cast<ull>(t.value));
  return Ok{};
}

Status Walker::charge(uint64_t units, FileOffset off) {
  summary_.work += units;
  if (summary_.work > budget_)
    return fail(ErrorCode::work_limit, off.value, "validation work %llu exceeds the budget %llu",
                static_cast<ull>(summary_.work), static_cast<ull>(budget_));
  return Ok{};
}

Result<RegionSummary> Walker::run() {
  const uint64_t words = data_end_.value / k_word;
  table_.starts.assign(words, 0);
  start_bits_.assign(words / 64 + 1, 0);
  // Real and generated files average 30-60 bytes per object: one reservation instead of
  // ~20 reallocations (each a copy and fresh page faults) on a large file.
  table_.records.reserve(header_.data_size / 40 + 1);
  if (auto st = walk_objects(); !st) return st.take_error();
  if (auto st = check_root(); !st) return st.take_error();
  if (header_.format == Format::v3) {
    if (auto st = check_closure_table(); !st) return st.take_error();
  }
  if (options_.canonical) {
    if (auto st = check_reachability(); !st) return st.take_error();
  }
  if (options_.depths)
    for (const ObjectRecord& r : table_.records) summary_.max_depth = std::max(summary_.max_depth, r.depth);
  if (options_.keep_objects) summary_.table = std::move(table_);
  return std::move(summary_);
}

Status Walker::walk_objects() {
  FileOffset off = data_start_ + k_word;
  while (off < data_end_) {
    if (auto st = check_object(off); !st) return st;
    off = off + table_.records.back().size;
  }
  return Ok{};
}

// §8.2 step 5, for the object at `off`: header present, tag, m_rc, size and extent,
// conventions, fields, padding (inside check_shape), then the pointer slots.
Status Walker::check_object(FileOffset off) {
  if (avail(off) < layout::header)
    return fail(ErrorCode::truncated, off.value, "object header runs past the data end");
  const ObjectHeader hdr = ObjectHeader::decode(file_ + off.value);
  const Kind kind = hdr.kind();
  if (kind == Kind::struct_array || kind == Kind::external || kind == Kind::reserved)
    return fail(ErrorCode::bad_tag, off.value + layout::tag, "tag %u (%s) cannot occur in a region", hdr.tag,
                std::string(kind_name(kind)).c_str());
  if (kind == Kind::closure && header_.format != Format::v3)
    return fail(ErrorCode::bad_tag, off.value + layout::tag, "closure (tag 245) in a %s file; closures need v3",
                std::string(format_name(header_.format)).c_str());
  if (hdr.rc != 0) return fail(ErrorCode::bad_object_header, off.value, "m_rc %d; compacted objects have 0", hdr.rc);
  auto shape_or = check_shape(off, hdr);
  if (!shape_or) return shape_or.take_error();
  const Shape shape = shape_or.value();
  ObjectRecord rec;
  rec.offset = off.value;
  rec.size = shape.step;
  rec.kind = kind;
  rec.tag = hdr.tag;
  rec.slot_first = static_cast<uint32_t>(shape.slots.first);
  rec.slot_count = static_cast<uint32_t>(shape.slots.count);
  if (auto st = check_slots(off, shape.slots, &rec.depth); !st) return st;
  if (auto st = charge(1 + shape.step / k_word, off); !st) return st;
  if (table_.records.size() >= UINT32_MAX - 1) return fail(ErrorCode::work_limit, off.value, "more than 2^32 objects");
  table_.records.push_back(rec);
  table_.starts[word_of(off).value] = static_cast<uint32_t>(table_.records.size());
  set_bit(start_bits_, word_of(off));
  const size_t k = static_cast<size_t>(kind);
  summary_.objects += 1;
  summary_.objects_per_kind[k] += 1;
  summary_.bytes_per_kind[k] += shape.step;
  if (kind == Kind::ctor) summary_.ctor_tags[hdr.tag] += 1;
  if (kind == Kind::closure) summary_.closures += 1;
  return Ok{};
}

Result<Shape> Walker::check_shape(FileOffset off, const ObjectHeader& hdr) {
  switch (hdr.kind()) {
    case Kind::ctor: return check_ctor(off, hdr);
    case Kind::array: return check_array(off, hdr);
    case Kind::sarray: return check_sarray(off, hdr);
    case Kind::string: return check_string(off, hdr);
    case Kind::mpz: return header_.gmp() ? check_mpz_gmp(off, hdr) : check_mpz_digits(off, hdr);
    case Kind::closure: return check_closure(off, hdr);
    case Kind::thunk:
    case Kind::task:
    case Kind::ref:
    case Kind::promise: return check_boxed_value(off, hdr);
    default: return fail(ErrorCode::bad_tag, off.value + layout::tag, "tag %u has no layout", hdr.tag);
  }
}

Status Walker::check_zero(FileOffset from, FileOffset to, const char* what) {
  for (uint64_t i = from.value; i < to.value; ++i)
    if (file_[i] != 0) return fail(ErrorCode::bad_padding, i, "%s byte is 0x%02x, not 0", what, file_[i]);
  return Ok{};
}

// ctor: m_cs_sz = 8 + 8n + scalar bytes, exact (§1.5); O4 is Tier S, O5 Tier C.
Result<Shape> Walker::check_ctor(FileOffset off, const ObjectHeader& hdr) {
  const ObjectProbe p = probe(off, Kind::ctor);
  const uint64_t n = hdr.other, cs = hdr.cs_sz;
  if (cs < 8 + 8 * n)
    return fail(ErrorCode::bad_object_size, off.value + layout::cs_sz, "ctor m_cs_sz %llu < 8 + 8 * %llu fields",
                static_cast<ull>(cs), static_cast<ull>(n));
#ifndef CF_CANARY_CTOR_EXTENT  // the planted bug (docs/canaries.md): a ctor may run past the data end
  if (p.step > avail(off))
    return fail(ErrorCode::truncated, off.value, "ctor of %llu bytes runs past the data end", static_cast<ull>(p.step));
#endif
  if (options_.canonical && (cs % 8 != 0 || cs > k_max_ctor_size))
    return fail(ErrorCode::bad_object_size, off.value + layout::cs_sz, "ctor m_cs_sz %llu is not a multiple of 8 in [8, %u]",
                static_cast<ull>(cs), k_max_ctor_size);
  return Shape{p.step, p.slots};
}

// Array: 24 + 8 * capacity; m_size slots are edges (§1.4).
Result<Shape> Walker::check_array(FileOffset off, const ObjectHeader& hdr) {
  const ObjectProbe p = probe(off, Kind::array);
  if (!p.laid_out) return fail(ErrorCode::truncated, off.value, "Array header runs past the data end");
  const uint64_t size = word_at(off + layout::array_size), cap = word_at(off + layout::array_capacity);
  if (size > cap)
    return fail(ErrorCode::bad_object_size, off.value + layout::array_size, "Array m_size %llu > m_capacity %llu",
                static_cast<ull>(size), static_cast<ull>(cap));
  if (p.step > avail(off))
    return fail(ErrorCode::truncated, off.value + p.size_field, "Array capacity %llu runs past the data end",
                static_cast<ull>(cap));
  if (options_.canonical && cap != size)
    return fail(ErrorCode::bad_object_size, off.value + layout::array_capacity, "Array m_capacity %llu != m_size %llu",
                static_cast<ull>(cap), static_cast<ull>(size));
  if (options_.canonical && (hdr.cs_sz != 1 || hdr.other != 0))
    return fail(ErrorCode::bad_object_header, off.value + layout::cs_sz, "Array m_cs_sz %u / m_other %u; expected 1 / 0",
                hdr.cs_sz, hdr.other);
  return Shape{p.step, p.slots};
}

// ScalarArray: align8(24 + e * capacity), e = m_other (§1.5); no edges.
Result<Shape> Walker::check_sarray(FileOffset off, const ObjectHeader& hdr) {
  const ObjectProbe p = probe(off, Kind::sarray);
  if (!p.laid_out) return fail(ErrorCode::truncated, off.value, "ScalarArray header runs past the data end");
  const uint64_t e = hdr.other;
  if (e == 0 || e >= 0x80)
    return fail(ErrorCode::bad_object_header, off.value + layout::other,
                "ScalarArray element size %llu (m_other) not in [1, 127]", static_cast<ull>(e));
  const uint64_t size = word_at(off + layout::array_size), cap = word_at(off + layout::array_capacity);
  if (size > cap)
    return fail(ErrorCode::bad_object_size, off.value + layout::array_size, "ScalarArray m_size %llu > m_capacity %llu",
                static_cast<ull>(size), static_cast<ull>(cap));
  if (p.payload > avail(off))
    return fail(ErrorCode::truncated, off.value + p.size_field,
                "ScalarArray capacity %llu x %llu bytes runs past the data end", static_cast<ull>(cap),
                static_cast<ull>(e));
  if (p.step > avail(off)) return fail(ErrorCode::truncated, off.value, "ScalarArray padding runs past the data end");
  if (options_.canonical && cap != size)
    return fail(ErrorCode::bad_object_size, off.value + layout::array_capacity,
                "ScalarArray m_capacity %llu != m_size %llu", static_cast<ull>(cap), static_cast<ull>(size));
  if (options_.canonical && hdr.cs_sz != 1)
    return fail(ErrorCode::bad_object_header, off.value + layout::cs_sz, "ScalarArray m_cs_sz %u; expected 1", hdr.cs_sz);
  if (options_.canonical) {
    if (auto st = check_zero(off + p.payload, off + p.step, "ScalarArray tail padding"); !st) return st.take_error();
  }
  return Shape{p.step, p.slots};
}

// String: align8(32 + capacity); m_size counts the NUL; content is strict UTF-8 (§1.6).
Result<Shape> Walker::check_string(FileOffset off, const ObjectHeader& hdr) {
  const ObjectProbe p = probe(off, Kind::string);
  if (!p.laid_out) return fail(ErrorCode::truncated, off.value, "String header runs past the data end");
  const uint64_t size = word_at(off + layout::array_size), cap = word_at(off + layout::array_capacity);
  const uint64_t length = word_at(off + layout::string_length);
  if (size > cap)
    return fail(ErrorCode::bad_object_size, off.value + layout::array_size, "String m_size %llu > m_capacity %llu",
                static_cast<ull>(size), static_cast<ull>(cap));
  if (p.payload > avail(off))
    return fail(ErrorCode::truncated, off.value + p.size_field, "String capacity %llu runs past the data end",
                static_cast<ull>(cap));
  if (p.step > avail(off)) return fail(ErrorCode::truncated, off.value, "String padding runs past the data end");
  if (options_.canonical && cap != size)
    return fail(ErrorCode::bad_object_size, off.value + layout::array_capacity, "String m_capacity %llu != m_size %llu",
                static_cast<ull>(cap), static_cast<ull>(size));
  if (options_.canonical && (hdr.cs_sz != 1 || hdr.other != 0))
    return fail(ErrorCode::bad_object_header, off.value + layout::cs_sz, "String m_cs_sz %u / m_other %u; expected 1 / 0",
                hdr.cs_sz, hdr.other);
  const FileOffset data = off + layout::string_data;
  if (size == 0) return fail(ErrorCode::bad_string, off.value + layout::array_size, "String m_size 0 (no NUL)");
  const uint8_t last = file_[data.value + size - 1];
  if (last != 0)
    return fail(ErrorCode::bad_string, data.value + size - 1, "String does not end in NUL (byte 0x%02x)", last);
  const Utf8Scan scan = scan_utf8({file_ + data.value, size - 1});
  if (!scan.valid) return fail(ErrorCode::bad_string, data.value + scan.bad_index, "String is not valid UTF-8");
  if (scan.code_points != length)
    return fail(ErrorCode::bad_string, off.value + layout::string_length,
                "String m_length %llu, content has %llu code points", static_cast<ull>(length),
                static_cast<ull>(scan.code_points));
  if (options_.canonical) {
    if (auto st = check_zero(data + cap, off + p.step, "String tail padding"); !st) return st.take_error();
  }
  return Shape{p.step, p.slots};
}

// GMP layout: 24 + 8|_mp_size|; alloc == |size|; limb pointer == own logical address + 24 (O12).
Result<Shape> Walker::check_mpz_gmp(FileOffset off, const ObjectHeader& hdr) {
  const ObjectProbe p = probe(off, Kind::mpz);
  if (!p.laid_out) return fail(ErrorCode::truncated, off.value, "MPZ header runs past the data end");
  const int32_t alloc = load_i32(file_ + off.value + layout::mpz_alloc);
  const int32_t sz = load_i32(file_ + off.value + layout::mpz_size);
  if (sz == INT32_MIN) return fail(ErrorCode::bad_object_field, off.value + layout::mpz_size, "MPZ _mp_size is -2^31");
  const uint64_t n = (p.payload - layout::mpz_limbs) / 8;
  if (p.step > avail(off))
    return fail(ErrorCode::truncated, off.value + p.size_field, "MPZ with %llu limbs runs past the data end",
                static_cast<ull>(n));
  if (options_.canonical && (hdr.cs_sz != (p.step & 0xFFFF) || hdr.other != 0))
    return fail(ErrorCode::bad_object_header, off.value + layout::cs_sz, "MPZ m_cs_sz %u / m_other %u; expected %llu / 0",
                hdr.cs_sz, hdr.other, static_cast<ull>(p.step & 0xFFFF));
  if (static_cast<int64_t>(alloc) != static_cast<int64_t>(n))
    return fail(ErrorCode::bad_object_field, off.value + layout::mpz_alloc, "MPZ _mp_alloc %d != |_mp_size| %llu", alloc,
                static_cast<ull>(n));
  const LogicalAddr limbs{word_at(off + layout::mpz_limb_ptr)}, own = address_of(off + layout::mpz_limbs, base_);
  if (limbs != own)
    return fail(ErrorCode::bad_object_field, off.value + layout::mpz_limb_ptr, "MPZ limb pointer 0x%llx, expected 0x%llx",
                static_cast<ull>(limbs.value), static_cast<ull>(own.value));
  return Shape{p.step, p.slots};
}

// Non-GMP layout (flags bit 0 clear): sign byte, zero padding, digit count, digit pointer, u32 digits.
Result<Shape> Walker::check_mpz_digits(FileOffset off, const ObjectHeader& hdr) {
  const ObjectProbe p = probe(off, Kind::mpz);
  if (!p.laid_out) return fail(ErrorCode::truncated, off.value, "MPZ header runs past the data end");
  if (p.payload > avail(off))
    return fail(ErrorCode::truncated, off.value + p.size_field, "MPZ with %llu digits runs past the data end",
                static_cast<ull>(word_at(off + layout::mpz_digit_count)));
  if (p.step > avail(off)) return fail(ErrorCode::truncated, off.value, "MPZ padding runs past the data end");
  if (options_.canonical && (hdr.cs_sz != (p.payload & 0xFFFF) || hdr.other != 0))
    return fail(ErrorCode::bad_object_header, off.value + layout::cs_sz, "MPZ m_cs_sz %u / m_other %u; expected %llu / 0",
                hdr.cs_sz, hdr.other, static_cast<ull>(p.payload & 0xFFFF));
  const uint8_t sign = file_[off.value + layout::mpz_sign];
  if (sign > 1) return fail(ErrorCode::bad_object_field, off.value + layout::mpz_sign, "MPZ sign byte %u is not a bool", sign);
  const LogicalAddr digits{word_at(off + layout::mpz_digit_ptr)}, own = address_of(off + layout::mpz_digits, base_);
  if (digits != own)
    return fail(ErrorCode::bad_object_field, off.value + layout::mpz_digit_ptr,
                "MPZ digit pointer 0x%llx, expected 0x%llx", static_cast<ull>(digits.value), static_cast<ull>(own.value));
  if (options_.canonical) {
    if (auto st = check_zero(off + (layout::mpz_sign + 1), off + layout::mpz_digit_count, "MPZ sign padding"); !st)
      return st.take_error();
    if (auto st = check_zero(off + p.payload, off + p.step, "MPZ tail padding"); !st) return st.take_error();
  }
  return Shape{p.step, p.slots};
}

// Closure (v3 only): 24 + 8 * m_num_fixed, and m_cs_sz must say so (O14).
Result<Shape> Walker::check_closure(FileOffset off, const ObjectHeader& hdr) {
  const ObjectProbe p = probe(off, Kind::closure);
  if (!p.laid_out) return fail(ErrorCode::truncated, off.value, "Closure header runs past the data end");
  const uint64_t arity = load_u16(file_ + off.value + layout::closure_arity), nf = p.slots.count;
  if (hdr.cs_sz != p.step)
    return fail(ErrorCode::bad_object_size, off.value + layout::cs_sz, "Closure m_cs_sz %u != 24 + 8 * %llu fixed arguments",
                hdr.cs_sz, static_cast<ull>(nf));
  if (p.step > avail(off)) return fail(ErrorCode::truncated, off.value, "Closure runs past the data end");
  if (options_.canonical && hdr.other != 0)
    return fail(ErrorCode::bad_object_header, off.value + layout::other, "Closure m_other %u; expected 0", hdr.other);
  if (options_.canonical && (arity == 0 || nf >= arity))
    return fail(ErrorCode::bad_object_field, off.value + layout::closure_arity,
                "Closure arity %llu with %llu fixed arguments", static_cast<ull>(arity), static_cast<ull>(nf));
  if (options_.canonical) {
    if (auto st = check_zero(off + layout::closure_padding, off + layout::closure_args, "Closure padding"); !st)
      return st.take_error();
  }
  return Shape{p.step, p.slots};
}

// Thunk, Task (24 bytes, second word 0) and Ref, Promise (16 bytes): one edge at +8.
Result<Shape> Walker::check_boxed_value(FileOffset off, const ObjectHeader& hdr) {
  const Kind kind = hdr.kind();
  const ObjectProbe p = probe(off, kind);
  const std::string name(kind_name(kind));
  if (p.step > avail(off)) return fail(ErrorCode::truncated, off.value, "%s runs past the data end", name.c_str());
  if (options_.canonical && hdr.cs_sz != p.step)
    return fail(ErrorCode::bad_object_header, off.value + layout::cs_sz, "%s m_cs_sz %u; expected %llu", name.c_str(),
                hdr.cs_sz, static_cast<ull>(p.step));
  const bool two_words = kind == Kind::thunk || kind == Kind::task;
  if (two_words && word_at(off + layout::thunk_closure) != 0)
    return fail(ErrorCode::bad_object_field, off.value + layout::thunk_closure, "%s %s is 0x%llx; must be 0",
                name.c_str(), kind == Kind::thunk ? "m_closure" : "m_imp",
                static_cast<ull>(word_at(off + layout::thunk_closure)));
  return Shape{p.step, p.slots};
}

// §8.3 P1-P5 for each slot, ascending; computes the object's depth from its own children.
Status Walker::check_slots(FileOffset off, SlotRange slots, uint32_t* depth) {
  uint32_t deepest = 0;
  for (uint64_t i = 0; i < slots.count; ++i) {
    const FileOffset at = off + (slots.first + k_word * i);
    const uint64_t w = word_at(at);
    if (is_scalar(w)) {
      ++summary_.pointer_words.scalar;
      continue;
    }
    if (w == 0) return fail(ErrorCode::pointer_out_of_range, at.value, "pointer word 0");
    const std::optional<FileOffset> own = translate(LogicalAddr{w}, base_, file_size_);
    if (!own) {
      int64_t dep;
      uint64_t dep_off;
      if (auto st = check_external(LogicalAddr{w}, at, &dep, &dep_off); !st) return st;
      ++summary_.pointer_words.other;
      continue;
    }
    const FileOffset t = *own;
    if (t < data_start_ || t >= data_end_)
      return fail(ErrorCode::pointer_out_of_range, at.value,
                  "pointer 0x%llx -> file offset %llu, outside the data section", static_cast<ull>(w),
                  static_cast<ull>(t.value));
    if (t.value % k_word != 0)
      return fail(ErrorCode::pointer_not_object_start, at.value, "pointer 0x%llx -> file offset %llu is not 8-aligned",
                  static_cast<ull>(w), static_cast<ull>(t.value));
    if (t >= off)
      return fail(ErrorCode::forward_pointer, at.value, "pointer -> file offset %llu, not below its object at %llu",
                  static_cast<ull>(t.value), static_cast<ull>(off.value));
    if (!is_start(t))  // t is aligned, in the data and below off
      return fail(ErrorCode::pointer_not_object_start, at.value, "pointer -> file offset %llu, not an object start",
                  static_cast<ull>(t.value));
    ++summary_.pointer_words.self;
    if (options_.depths) deepest = std::max(deepest, table_.at(t)->depth);
  }
  *depth = deepest + 1;
  return Ok{};
}

// §8.3 P7: the root slot may point anywhere an edge may, and forward.
Status Walker::check_root() {
  const uint64_t w = word_at(data_start_);
  RootInfo& root = summary_.root;
  root.word = w;
  if (is_scalar(w)) {
    root.cls = RootClass::scalar;
    return Ok{};
  }
  if (w == 0) return fail(ErrorCode::pointer_out_of_range, data_start_.value, "root slot is 0");
  const std::optional<FileOffset> own = translate(LogicalAddr{w}, base_, file_size_);
  if (!own) {
    if (auto st = check_external(LogicalAddr{w}, data_start_, &root.dep, &root.offset); !st) return st;
    root.cls = RootClass::external;
    if (root.dep >= 0) {
      const RegionView& d = options_.deps[static_cast<size_t>(root.dep)];
      if (d.objects != nullptr) root.kind = d.objects->at(FileOffset{root.offset})->kind;
    }
    return Ok{};
  }
  if (*own < data_start_ || *own >= data_end_)
    return fail(ErrorCode::pointer_out_of_range, data_start_.value, "root -> file offset %llu, outside the data section",
                static_cast<ull>(own->value));
  const ObjectRecord* target = table_.at(*own);
  if (target == nullptr)
    return fail(ErrorCode::pointer_not_object_start, data_start_.value, "root -> file offset %llu, not an object start",
                static_cast<ull>(own->value));
  root.cls = RootClass::own;
  root.offset = own->value;
  root.kind = target->kind;
  return Ok{};
}

// §8.3 T3-T6, T8, T9: the v3 closure offsets name exactly the closures' m_fun fields.
Status Walker::check_closure_table() {
  const V3Trailer& t = header_.trailer;
  const uint64_t table = data_end_.value + 4;  // file offset of the first closure offset
  for (size_t i = 0; i < t.closure_offsets.size(); ++i) {
    const uint64_t off = t.closure_offsets[i], at = table + 8 * i;
    if (off % 8 != 0 || off > header_.data_size - 8)
      return fail(ErrorCode::closure_offset_out_of_range, at, "closure offset %llu is outside the data or misaligned",
                  static_cast<ull>(off));
    if (i > 0 && off <= t.closure_offsets[i - 1])
      return fail(ErrorCode::bad_closure_table, at, "closure offsets not strictly ascending at entry %zu", i);
    const ObjectRecord* obj = off >= 8 ? table_.at(data_start_ + (off - layout::closure_fun)) : nullptr;
    if (obj == nullptr || obj->kind != Kind::closure)
      return fail(ErrorCode::closure_offset_out_of_range, at, "closure offset %llu is not the m_fun of a closure",
                  static_cast<ull>(off));
  }
  if (summary_.closures != t.closure_offsets.size()) {
    std::unordered_set<uint64_t> listed(t.closure_offsets.begin(), t.closure_offsets.end());
    for (const ObjectRecord& r : table_.records)
      if (r.kind == Kind::closure && listed.count(r.offset + layout::closure_fun - data_start_.value) == 0)
        return fail(ErrorCode::bad_closure_table, r.offset, "closure's m_fun is not in the closure table");
  }
  uint64_t lowest_base = UINT64_MAX;
  std::unordered_set<std::string> ids;
  for (const LibraryEntry& lib : t.libraries) {
    lowest_base = std::min(lowest_base, lib.base);
    if (lib.identity.find('\0') != std::string::npos)
      return fail(ErrorCode::bad_closure_table, table, "library identity contains a NUL");
    if (options_.canonical && !ids.insert(lib.identity).second)
      return fail(ErrorCode::bad_closure_table, table, "library '%s' listed twice", lib.identity.c_str());
  }
  if (options_.canonical && t.closure_offsets.empty() && !t.libraries.empty())
    return fail(ErrorCode::bad_closure_table, table, "%zu libraries listed without closures", t.libraries.size());
  for (const uint64_t rel : t.closure_offsets) {
    const uint64_t fn = word_at(data_start_ + rel);
    if (fn < lowest_base)
      return fail(ErrorCode::bad_closure_table, data_start_.value + rel,
                  "closure m_fun 0x%llx lies below every saved library base", static_cast<ull>(fn));
  }
  return Ok{};
}

// Tier C (§8.3 P8, P9): an own root is the last object, and every object is reachable.
// Children sit at lower addresses, so one reverse pass marks everything reachable.
Status Walker::check_reachability() {
  const std::vector<ObjectRecord>& objs = table_.records;
  if (objs.empty()) return Ok{};
  if (summary_.root.cls == RootClass::own && summary_.root.offset != objs.back().offset)
    return fail(ErrorCode::root_not_last, data_start_.value, "root -> file offset %llu; the last object is at %llu",
                static_cast<ull>(summary_.root.offset), static_cast<ull>(objs.back().offset));
  // Marks by file word, not object number: a bitmap stays in cache, and no index lookup.
  std::vector<uint64_t> reached(start_bits_.size(), 0);
  if (summary_.root.cls == RootClass::own) set_bit(reached, word_of(FileOffset{objs.back().offset}));
  for (size_t i = objs.size(); i-- > 0;) {
    const ObjectRecord& r = objs[i];
    if (!test_bit(reached, word_of(FileOffset{r.offset}))) continue;
    if (auto st = charge(1 + r.slot_count, FileOffset{r.offset}); !st) return st;
    for (uint64_t k = 0; k < r.slot_count; ++k) {
      const uint64_t w = load_u64(file_ + r.offset + r.slot_first + k_word * k);
      if (is_scalar(w)) continue;
      // checked by check_slots to be an own object start, or to leave the file
      if (const auto t = translate(LogicalAddr{w}, base_, file_size_)) set_bit(reached, word_of(*t));
    }
  }
  for (const ObjectRecord& r : objs)
    if (!test_bit(reached, word_of(FileOffset{r.offset})))
      return fail(ErrorCode::unreachable_object, r.offset, "%s object not reachable from the root",
                  std::string(kind_name(r.kind)).c_str());
  return Ok{};
}

}  // namespace

Result<RegionSummary> walk_region(std::span<const uint8_t> file, const FileHeader& header,
                                  const WalkOptions& options) {
  Walker w(file, header, options);
  return w.run();
}

}  // namespace cf
