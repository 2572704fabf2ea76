// See annotate.h. Every read goes through le(), which reads only the bytes that exist, and every
// range through add(), which clips it to the current bound: so no input can make the annotator
// read out of bounds, and the ranges are contiguous by construction.
#include "tools/annotate.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ostream>
#include <string_view>

#include "core/format.h"
#include "core/header.h"
#include "core/layout.h"
#include "core/io.h"
#include "tools/text.h"

namespace cf::tool {
namespace {

using ull = unsigned long long;

constexpr std::string_view k_v0_magic{k_magic_v0, k_magic_v0_size};
constexpr size_t k_max_quoted = 48;      // longer text values are elided with a byte count
constexpr size_t k_preview = 20;         // string content shown in a pointer's target
constexpr uint64_t k_bytes_per_line = 16;
constexpr uint64_t k_max_byte_lines = 4;  // a longer range shows 3 lines and a count

// File offsets as §10.5 writes them: 0x060, at least three digits.
std::string at(uint64_t off) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "@0x%03llx", static_cast<ull>(off));
  return buf;
}

std::string plural(uint64_t n, const char* what) {
  return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
}

// Quoted, C-escaped text; elided past k_max_quoted characters so one line stays one line.
std::string quoted(std::span<const uint8_t> raw, size_t limit = k_max_quoted) {
  std::string out = "\"";
  size_t shown = 0;
  for (uint8_t c : raw) {
    if (shown++ == limit) {
      out += "\"... (" + std::to_string(raw.size()) + " bytes)";
      return out;
    }
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == 0) {
      out += "\\0";
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out + "\"";
}

// An opaque NUL-padded text field: the text up to the first NUL, and how it is padded.
std::string padded_text(std::span<const uint8_t> raw) {
  const auto nul = std::find(raw.begin(), raw.end(), uint8_t{0});
  std::string v = quoted(raw.first(static_cast<size_t>(nul - raw.begin())));
  const auto pad = static_cast<uint64_t>(raw.end() - nul);
  if (pad == 0) return v + ", no NUL";
  const bool clean = std::all_of(nul, raw.end(), [](uint8_t c) { return c == 0; });
  return v + " + " + std::to_string(pad) + (clean ? " NUL" : " bytes (not all NUL)");
}

/// An object the layout scan could step over.
struct ScannedObject {
  uint64_t offset = 0;
  uint64_t step = 0;
  ObjectHeader hdr;
  std::string label;  ///< how a pointer to it is described: `ctor t1 n2`, `string "Init"`
};

class Annotator {
 public:
  explicit Annotator(std::span<const uint8_t> f) : f_(f), n_(f.size()), limit_(f.size()) {}
  std::vector<Annotation> run();

 private:
  // Little-endian value of the `len` <= 8 bytes at `off`; bytes past the end read as 0.
  uint64_t le(uint64_t off, uint64_t len) const {
    uint64_t v = 0;
    for (uint64_t i = 0; i < len && off < n_ && i < n_ - off; ++i) v |= uint64_t{f_[off + i]} << (8 * i);
    return v;
  }
  // The bytes of [off, off + len) that exist.
  std::span<const uint8_t> bytes(uint64_t off, uint64_t len) const {
    if (off >= n_) return {};
    return f_.subspan(off, std::min(len, n_ - off));
  }
  void add(uint64_t size, std::string field, std::string value, std::string meaning);
  void add_rest(uint64_t end, const std::string& field, const std::string& meaning);

  bool header();
  bool header_v0();
  bool header_olean();
  void root_slot();
  std::optional<uint64_t> step_of(uint64_t off, const ObjectHeader& hdr) const;
  std::string label_of(uint64_t off, const ObjectHeader& hdr) const;
  void scan_objects();
  void objects();
  void object(uint64_t off, uint64_t end, const ObjectHeader& hdr, bool complete);
  void ctor_body(const ObjectHeader& hdr, uint64_t end);
  void array_body(uint64_t off);
  void sarray_body(uint64_t off, const ObjectHeader& hdr, uint64_t end);
  void string_body(uint64_t off, uint64_t end);
  void mpz_body(uint64_t off, uint64_t end);
  void closure_body(uint64_t off);
  void value_body(const ObjectHeader& hdr);
  void trailer();
  std::string pointer(uint64_t word) const;
  const ScannedObject* object_at(uint64_t off) const;

  std::span<const uint8_t> f_;
  uint64_t n_;
  uint64_t limit_;  ///< add() clips ranges here: the file end, or the current object's end
  uint64_t pos_ = 0;
  std::vector<Annotation> out_;

  int format_ = -1;  ///< 0..3 once known
  bool gmp_ = true;
  uint64_t base_ = 0;
  uint64_t d_ = 0;
  uint64_t data_end_ = 0;                  ///< objects end here (a whole number of words)
  std::optional<uint64_t> trailer_start_;  ///< v3: 96 + data_size, when inside the file
  std::vector<ScannedObject> objs_;
  uint64_t scan_end_ = 0;  ///< where the layout scan stopped
};

void Annotator::add(uint64_t size, std::string field, std::string value, std::string meaning) {
  if (pos_ >= limit_ || size == 0) return;
  if (size > limit_ - pos_) {
    size = limit_ - pos_;
    meaning += meaning.empty() ? "cut short" : " (cut short)";
  }
  out_.push_back({pos_, size, std::move(field), std::move(value), std::move(meaning)});
  pos_ += size;
}

void Annotator::add_rest(uint64_t end, const std::string& field, const std::string& meaning) {
  if (end > pos_) add(end - pos_, field, plural(end - pos_, "byte"), meaning);
}

std::vector<Annotation> Annotator::run() {
  if (header()) {
    if (format_ != 3) data_end_ = n_ > d_ ? d_ + ((n_ - d_) & ~uint64_t{7}) : d_;
    scan_objects();  // first, so the root slot (which points forward) can name its target
    root_slot();
    objects();
    trailer();
  }
  limit_ = n_;
  add_rest(n_, "undecoded", format_ < 0 ? "not a region header" : "past what the layout could decode");
  return std::move(out_);
}

// --- header (FORMAT.md §2.1-§2.5) --------------------------------------------------------

bool Annotator::header() {
  // v0 when all 16 magic bytes agree, or the file ends (past byte 5) while they still agree.
  const uint64_t v0_have = std::min<uint64_t>(n_, k_v0_magic.size());
  if (v0_have > 5 && std::memcmp(f_.data(), k_v0_magic.data(), v0_have) == 0) return header_v0();
  const uint64_t have = std::min<uint64_t>(n_, 5);
  if (n_ > 0 && std::memcmp(f_.data(), k_magic, have) == 0) return header_olean();
  add(5, "magic", quoted(bytes(0, 5)), "neither `olean` nor `oleanfile!!!!!!!`");
  return false;
}

bool Annotator::header_v0() {
  format_ = 0;
  add(16, "magic", quoted(bytes(0, 16)), "v0 magic");
  const HeaderLayout& at = header_layout(Format::v0);
  base_ = le(at.base_addr_at, 8);
  add(8, "base_addr", hex(base_), "logical address of file offset 0");
  d_ = at.size;
  return true;
}

bool Annotator::header_olean() {
  add(5, "magic", quoted(bytes(0, 5)), "v1-v3 magic");
  if (n_ <= 5) return false;
  const uint8_t version = f_[5];
  if (version < 1 || version > 3) {
    add(1, "version", std::to_string(version), "unknown format version (1-3 exist)");
    return false;
  }
  format_ = version;
  add(1, "version", std::to_string(version), "format v" + std::to_string(version));
  const HeaderLayout& at = header_layout(static_cast<Format>(version));
  if (version == 1) {
    add(at.githash_size, "githash", padded_text(bytes(at.githash_at, at.githash_size)), "Lean build githash, opaque");
  } else {
    const uint8_t flags = n_ > at.flags_at ? f_[at.flags_at] : 0;
    gmp_ = (flags & k_flag_gmp) != 0;
    std::string meaning = gmp_ ? "bit 0: mpz use the GMP layout" : "bit 0 clear: non-GMP mpz";
    if ((flags & ~k_flag_gmp) != 0) meaning += "; reserved bits set";
    char flag_text[8];
    std::snprintf(flag_text, sizeof flag_text, "0x%02x", flags);
    add(1, "flags", flag_text, meaning);
    add(k_version_string_size, "version string", padded_text(bytes(at.version_string_at, k_version_string_size)),
        "Lean version, opaque");
    add(at.githash_size, "githash", padded_text(bytes(at.githash_at, at.githash_size)), "Lean build githash, opaque");
  }
  // Fixed offsets, not pos_: a cut header leaves pos_ at the file end.
  base_ = le(at.base_addr_at, 8);
  add(8, "base_addr", hex(base_), base_ % 8 == 0 ? "logical address of file offset 0" : "not 8-aligned");
  d_ = at.base_addr_at + 8;
  if (at.data_size_at != 0) {
    const uint64_t ds = le(at.data_size_at, 8);
    add(8, "data_size", std::to_string(ds), "bytes of the data section, root slot included");
    d_ = at.size;
    if (d_ <= n_ && ds <= n_ - d_) trailer_start_ = d_ + ds;
    data_end_ = d_ + (std::min(ds, n_ > d_ ? n_ - d_ : 0) & ~uint64_t{7});
    return true;
  }
  return true;
}

void Annotator::root_slot() {
  if (data_end_ < d_ + 8) return;  // no whole root slot: the rest is undecoded
  const uint64_t w = le(d_, 8);
  std::string meaning = "the root: ";
  const ScannedObject* target = is_scalar(w) || w < base_ ? nullptr : object_at(w - base_);
  if (is_scalar(w)) meaning += "a boxed scalar";
  else if (target && target == &objs_.back()) meaning += "the last object";
  else if (target) meaning += "an own object, but not the last one";
  else if (w >= base_ && w - base_ < n_) meaning += "not an own object start";
  else meaning += "an object of a dep or an earlier part";
  add(8, "root slot", pointer(w), meaning);
}

// --- objects (§1.4, §1.5) -----------------------------------------------------------------

// The §1.5 step (core/layout.h's step rule), or nothing when the object cannot be laid out
// inside the data section. A ScalarArray of element size 0 has no meaningful layout either.
std::optional<uint64_t> Annotator::step_of(uint64_t off, const ObjectHeader& hdr) const {
  const uint64_t avail = data_end_ - off;
  const ObjectProbe p = probe_kind(f_.data() + off, avail, hdr.kind(), gmp_);
  if (!p.laid_out || (hdr.kind() == Kind::sarray && hdr.other == 0)) return std::nullopt;
  if (p.step < 8 || p.step > avail) return std::nullopt;
  return p.step;
}

std::string Annotator::label_of(uint64_t off, const ObjectHeader& hdr) const {
  switch (hdr.kind()) {
    case Kind::ctor: return "ctor t" + std::to_string(hdr.tag) + " n" + std::to_string(hdr.other);
    case Kind::array: return "array[" + std::to_string(le(off + layout::array_size, 8)) + "]";
    case Kind::string: {
      const uint64_t size = le(off + layout::array_size, 8), cap = le(off + layout::array_capacity, 8);
      const uint64_t text = std::min(size, cap) > 0 ? std::min(size, cap) - 1 : 0;
      return "string " + quoted(bytes(off + layout::string_data, std::min<uint64_t>(text, 4 * k_preview)), k_preview);
    }
    default: return std::string(kind_name(hdr.kind()));
  }
}

void Annotator::scan_objects() {
  uint64_t off = d_ + 8;
  while (off < data_end_ && data_end_ - off >= 8) {
    const ObjectHeader hdr = ObjectHeader::decode(f_.data() + off);
    const std::optional<uint64_t> step = step_of(off, hdr);
    if (!step) break;
    objs_.push_back({off, *step, hdr, label_of(off, hdr)});
    off += *step;
  }
  scan_end_ = off;
}

const ScannedObject* Annotator::object_at(uint64_t off) const {
  auto it = std::lower_bound(objs_.begin(), objs_.end(), off,
                             [](const ScannedObject& o, uint64_t x) { return o.offset < x; });
  return it != objs_.end() && it->offset == off ? &*it : nullptr;
}

// A pointer-slot word: a boxed scalar, an own object (with its kind), or a word leaving the file.
std::string Annotator::pointer(uint64_t w) const {
  if (is_scalar(w)) return "box(" + std::to_string(unbox(w)) + ")";
  if (w == 0) return "null pointer";
  if (w < base_ || w - base_ >= n_) return hex(w) + ": outside this file (a dep or an earlier part)";
  const uint64_t off = w - base_;
  if (const ScannedObject* o = object_at(off)) return at(off) + " " + o->label;
  if (off >= d_ + 8 && off < data_end_) return at(off) + ": not an object start";
  return at(off) + ": outside the data section";
}

void Annotator::objects() {
  for (const ScannedObject& o : objs_) object(o.offset, o.offset + o.step, o.hdr, true);
  // The object the scan could not step over: its fields as far as they lie in the data.
  if (scan_end_ < data_end_ && data_end_ - scan_end_ >= 8) {
    const ObjectHeader hdr = ObjectHeader::decode(f_.data() + scan_end_);
    object(scan_end_, data_end_, hdr, false);
  }
  limit_ = n_;
}

void Annotator::object(uint64_t off, uint64_t end, const ObjectHeader& hdr, bool complete) {
  limit_ = end;  // pos_ == off: objects are laid out back to back
  const Kind kind = hdr.kind();
  char value[64];
  std::snprintf(value, sizeof value, "rc %d, cs_sz %u, other %u, tag %u", hdr.rc, hdr.cs_sz, hdr.other, hdr.tag);
  std::string meaning(kind_title(kind));
  if (kind == Kind::ctor) meaning += " tag " + std::to_string(hdr.tag) + ", " + plural(hdr.other, "object field");
  meaning += complete ? ", " + plural(end - off, "byte") : ": cannot be laid out in the data section";
  add(8, "header", value, meaning);
  switch (kind) {
    case Kind::ctor: ctor_body(hdr, end); break;
    case Kind::array: array_body(off); break;
    case Kind::sarray: sarray_body(off, hdr, end); break;
    case Kind::string: string_body(off, end); break;
    case Kind::mpz: mpz_body(off, end); break;
    case Kind::closure: closure_body(off); break;
    case Kind::thunk:
    case Kind::task:
    case Kind::ref:
    case Kind::promise: value_body(hdr); break;
    default: break;
  }
  add_rest(end, "undecoded", "rest of an object that cannot be laid out");
}

void Annotator::ctor_body(const ObjectHeader& hdr, uint64_t end) {
  for (uint32_t i = 0; i < hdr.other && pos_ < limit_; ++i)
    add(8, "field " + std::to_string(i), pointer(le(pos_, 8)), "object field " + std::to_string(i));
  if (pos_ >= end) return;
  const uint64_t s = end - pos_;
  add(s, "scalars", s == 8 ? hex(le(pos_, 8)) : plural(s, "byte"), "opaque scalar area, " + plural(s, "byte"));
}

void Annotator::array_body(uint64_t off) {
  const uint64_t size = le(off + layout::array_size, 8), cap = le(off + layout::array_capacity, 8);
  add(8, "m_size", std::to_string(size), "elements");
  add(8, "m_capacity", std::to_string(cap), "element slots; step 24 + 8 * capacity");
  for (uint64_t i = 0; i < cap && pos_ < limit_; ++i)
    add(8, "element " + std::to_string(i), pointer(le(pos_, 8)), i < size ? "array element" : "unused capacity slot");
}

void Annotator::sarray_body(uint64_t off, const ObjectHeader& hdr, uint64_t end) {
  const uint64_t size = le(off + layout::array_size, 8), cap = le(off + layout::array_capacity, 8);
  add(8, "m_size", std::to_string(size), "elements of " + plural(hdr.other, "byte"));
  add(8, "m_capacity", std::to_string(cap), "element slots");
  // Clamped by the file size so a bogus count cannot overflow; add() clips to the object anyway.
  const uint64_t used = std::min({size, cap, n_}) * hdr.other;
  if (used > 0) add(used, "data", quoted(bytes(pos_, used), 24), "payload, " + plural(used, "byte"));
  const uint64_t spare = cap > size ? std::min(cap - size, n_) * hdr.other : 0;
  if (spare > 0) add(spare, "unused", plural(spare, "byte"), "unused capacity");
  add_rest(end, "padding", "zero padding to a whole word");
}

void Annotator::string_body(uint64_t off, uint64_t end) {
  const uint64_t size = le(off + layout::array_size, 8), cap = le(off + layout::array_capacity, 8);
  add(8, "m_size", std::to_string(size), "UTF-8 bytes including the NUL");
  add(8, "m_capacity", std::to_string(cap), "step align8(32 + capacity)");
  add(8, "m_length", std::to_string(le(off + layout::string_length, 8)), "code points");
  const uint64_t text = std::min(size, cap);
  if (text > 0 && pos_ < limit_) add(text, "text", quoted(bytes(pos_, std::min(text, limit_ - pos_))), "string content");
  if (cap > text && pos_ < limit_) add(cap - text, "unused", plural(cap - text, "byte"), "unused capacity");
  add_rest(end, "padding", "zero padding to a whole word");
}

void Annotator::mpz_body(uint64_t off, uint64_t end) {
  if (!gmp_) {
    add(1, "sign", std::to_string(le(pos_, 1)), "non-GMP mpz sign");
    add(7, "padding", "7 bytes", "zero padding");
    const uint64_t nd = le(pos_, 8);
    add(8, "digit count", std::to_string(nd), "32-bit digits");
    const uint64_t ptr = le(pos_, 8);
    add(8, "digit pointer", hex(ptr), ptr == base_ + off + layout::mpz_digits ? "= own address + 32" : "!= own address + 32");
    for (uint64_t j = 0; j < nd && pos_ < limit_ && limit_ - pos_ >= 4; ++j)
      add(4, "digit " + std::to_string(j), hex(le(pos_, 4)), "least significant first");
    add_rest(end, "padding", "zero padding to a whole word");
    return;
  }
  const int32_t alloc = static_cast<int32_t>(le(pos_, 4));
  add(4, "_mp_alloc", std::to_string(alloc), "limbs allocated");
  const int32_t size = static_cast<int32_t>(le(pos_, 4));
  const uint64_t n = size < 0 ? uint64_t{0} - static_cast<uint64_t>(static_cast<int64_t>(size)) : static_cast<uint64_t>(size);
  std::string value_text;
  if (n == 1 && off + 32 <= limit_) value_text = std::to_string(le(off + 24, 8));
  if (n == 2 && off + 40 <= limit_) {
    __extension__ unsigned __int128 v = (static_cast<unsigned __int128>(le(off + 32, 8)) << 64) | le(off + 24, 8);
    while (v != 0) {
      value_text.insert(value_text.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
      v /= 10;
    }
  }
  std::string meaning = "limb count, sign = value's sign";
  if (!value_text.empty()) meaning += "; value " + std::string(size < 0 ? "-" : "") + value_text;
  add(4, "_mp_size", std::to_string(size), meaning);
  const uint64_t ptr = le(pos_, 8);
  add(8, "limb pointer", hex(ptr), ptr == base_ + off + layout::mpz_limbs ? "= own address + 24" : "!= own address + 24");
  for (uint64_t j = 0; j < n && pos_ < limit_; ++j)
    add(8, "limb " + std::to_string(j), hex(le(pos_, 8)), "64-bit limb, least significant first");
}

void Annotator::closure_body(uint64_t off) {
  add(8, "m_fun", hex(le(pos_, 8)), "raw code address, relocated through the v3 trailer");
  add(2, "m_arity", std::to_string(le(pos_, 2)), "arity");
  const uint64_t nf = le(off + layout::closure_num_fixed, 2);
  add(2, "m_num_fixed", std::to_string(nf), "fixed arguments; step 24 + 8 * num_fixed");
  add(4, "padding", "4 bytes", "zero padding");
  for (uint64_t i = 0; i < nf && pos_ < limit_; ++i)
    add(8, "arg " + std::to_string(i), pointer(le(pos_, 8)), "fixed argument " + std::to_string(i));
}

void Annotator::value_body(const ObjectHeader& hdr) {
  const Kind kind = hdr.kind();
  add(8, kind == Kind::promise ? "m_result" : "m_value", pointer(le(pos_, 8)), "the one pointer slot");
  if (kind == Kind::thunk || kind == Kind::task)
    add(8, kind == Kind::thunk ? "m_closure" : "m_imp", hex(le(pos_, 8)), "must be 0");
}

// --- v3 trailer (§2.5) --------------------------------------------------------------------

void Annotator::trailer() {
  const uint64_t t = trailer_start_.value_or(data_end_);
  add_rest(format_ == 3 ? t : data_end_, "undecoded", "past what the layout could decode");
  if (format_ != 3) {
    add_rest(n_, "trailing bytes", "not a whole word of data");
    return;
  }
  if (!trailer_start_) return;  // data_size runs past the file: no trailer to find
  const uint64_t c = le(pos_, 4);
  add(4, "closure count", std::to_string(c), "closure offsets that follow");
  for (uint64_t i = 0; i < c && pos_ < n_; ++i) {
    const uint64_t rel = le(pos_, 8);
    std::string meaning = "m_fun of the closure at ";
    const uint64_t fun = d_ + rel;  // may wrap on a bogus offset; then it names no object
    meaning += fun >= 8 && object_at(fun - 8) ? at(fun - 8) : "(no closure there)";
    add(8, "closure offset " + std::to_string(i), hex(rel), meaning);
  }
  const uint64_t l = le(pos_, 4);
  add(4, "library count", std::to_string(l), "libraries holding closure code");
  for (uint64_t i = 0; i < l && pos_ < n_; ++i) {
    add(8, "library " + std::to_string(i) + " base", hex(le(pos_, 8)), "load base in the saving process");
    const uint64_t len = le(pos_, 4);
    add(4, "library " + std::to_string(i) + " id_len", std::to_string(len), "identity bytes");
    add(len, "library " + std::to_string(i) + " identity", quoted(bytes(pos_, len)), "library identity, no NUL");
  }
  add_rest(n_, "trailing bytes", "after the library table");
}

// --- printing -----------------------------------------------------------------------------

std::string offset_text(uint64_t off) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%06llx", static_cast<ull>(off));
  return buf;
}

std::string byte_text(std::span<const uint8_t> b) {
  std::string s;
  char buf[4];
  for (uint8_t c : b) {
    std::snprintf(buf, sizeof buf, "%s%02x", s.empty() ? "" : " ", c);
    s += buf;
  }
  return s;
}

std::string pad(std::string s, size_t width) {
  if (s.size() < width) s.resize(width, ' ');
  return s;
}

void print_range(std::ostream& out, std::span<const uint8_t> file, const Annotation& a) {
  const uint64_t lines = (a.size + k_bytes_per_line - 1) / k_bytes_per_line;
  const uint64_t shown = lines > k_max_byte_lines ? k_max_byte_lines - 1 : lines;
  for (uint64_t i = 0; i < shown; ++i) {
    const uint64_t off = a.offset + i * k_bytes_per_line;
    const uint64_t len = std::min(k_bytes_per_line, a.offset + a.size - off);
    std::string line = offset_text(off) + "  " + pad(byte_text(file.subspan(off, len)), 47);
    if (i == 0) line += "  " + pad(a.field, 16) + "  " + pad(a.value, 32) + "  " + a.meaning;
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  }
  if (shown < lines) {
    const uint64_t off = a.offset + shown * k_bytes_per_line;
    out << offset_text(off) << "  ... " << plural(a.offset + a.size - off, "more byte") << "\n";
  }
}

}  // namespace

std::vector<Annotation> annotate_layout(std::span<const uint8_t> bytes) { return Annotator(bytes).run(); }

AnnotateReport annotate_bytes(const std::string& name, std::span<const uint8_t> bytes, const InspectOptions& options) {
  InspectOptions quiet = options;
  quiet.objects = false;  // the verdict is all we need from the walk
  InspectReport verdict = inspect_bytes(name, bytes, quiet);
  AnnotateReport r;
  r.file = name;
  r.bytes.assign(bytes.begin(), bytes.end());
  r.error = std::move(verdict.error);
  r.exit_code = verdict.exit_code;
  r.ranges = annotate_layout(bytes);
  if (r.error) {
    // Keep the range holding the failing byte (or starting at it), so the line above the marker shows it.
    const uint64_t e = r.error->offset;
    auto cut = std::find_if(r.ranges.begin(), r.ranges.end(), [e](const Annotation& a) { return a.offset > e; });
    r.ranges.erase(cut, r.ranges.end());
  }
  return r;
}

AnnotateReport annotate_file(const std::string& path, const InspectOptions& options) {
  auto bytes_or = read_file(path);
  if (!bytes_or) {
    AnnotateReport r;
    r.file = path;
    r.error = bytes_or.take_error();
    r.error->file = path;
    r.exit_code = exit_usage;
    return r;
  }
  return annotate_bytes(path, bytes_or.value(), options);
}

std::string marker_line(const LoadError& error) {
  return ">>> " + offset_text(error.offset) + ": " + std::string(error_name(error.code)) + ": " + error.message;
}

void print_annotation(std::ostream& out, const AnnotateReport& r) {
  out << r.file << " (" << plural(r.bytes.size(), "byte") << ")\n";
  if (!r.ranges.empty())
    out << pad("offset", 10) << pad("bytes", 47) << "  " << pad("field", 16) << "  " << pad("value", 32)
        << "  meaning\n";
  for (const Annotation& a : r.ranges) print_range(out, r.bytes, a);
  if (r.error) out << marker_line(*r.error) << "\n";
  else out << "--- " << offset_text(r.bytes.size()) << ": end of file, ok\n";
}

}  // namespace cf::tool
