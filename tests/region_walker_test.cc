// The structural walk (FORMAT.md §1.5, §8.2-§8.3): every object kind accepted when well
// formed, every O*/P*/T3-T10 class rejected with its code and offset, and the §10.5
// golden object list of a real file.
#include "core/region_walker.h"

#include <gtest/gtest.h>

#include <functional>

#include "testsupport/corpus.h"
#include "testsupport/region_forger.h"

namespace cf {
namespace {

using testsupport::put_word;
using testsupport::RegionForger;
using testsupport::word_at;

Result<RegionSummary> walk(const std::vector<uint8_t>& file, WalkOptions options = {}) {
  auto h = parse_file_layout(file, {});
  if (!h) return h.take_error();
  return walk_region(file, h.value(), options);
}

// A file with one object of every kind a v3 file may hold, each reachable from the root.
RegionForger every_kind(Format format) {
  RegionForger b(format);
  const uint64_t s = b.string("h\xc3\xa9llo \xf0\x9f\x98\x80");  // multi-byte UTF-8
  const uint64_t e = b.string("");
  const uint64_t sa1 = b.sarray(1, {1, 2, 3});
  const uint64_t sa8 = b.sarray(8, std::vector<uint8_t>(16, 0xAB));
  const uint64_t m = b.mpz({0x1234, 0x1}, true);
  const uint64_t z = b.mpz({});
  const uint64_t t = b.thunk(s);
  const uint64_t k = b.thunk(box(7), k_tag_task);
  const uint64_t r = b.ref(e);
  const uint64_t p = b.ref(k, k_tag_promise);
  const uint64_t a = b.array({s, e, sa1, sa8, m, z, t, k, r, p, box(3)});
  const uint64_t c0 = b.ctor(0, {});
  std::vector<uint64_t> wide(255, box(1));
  wide[0] = c0;
  const uint64_t w = b.ctor(7, wide, std::vector<uint8_t>(16, 0x5A));
  std::vector<uint64_t> root_fields{a, w};
  if (format == Format::v3) {
    const uint64_t cl = b.closure(0x7f0000001000ULL, 3, {s, box(1)});
    root_fields.push_back(cl);
    b.header().trailer.closure_offsets = {b.offset_of(cl) + 8 - b.data_start()};
    b.header().trailer.libraries = {{0x7f0000000000ULL, "libtest.so"}};
  }
  b.set_root(b.ctor(243, root_fields, {1, 0, 0, 0, 0, 0, 0, 0}));
  return b;
}

TEST(Walker, AcceptsEveryKindV2AndV3) {
  for (Format f : {Format::v2, Format::v3}) {
    SCOPED_TRACE(std::string(format_name(f)));
    auto b = every_kind(f);
    auto s = walk(b.bytes());
    ASSERT_TRUE(s.ok()) << s.error().describe();
    EXPECT_EQ(s->objects_per_kind[static_cast<size_t>(Kind::string)], 2u);
    EXPECT_EQ(s->objects_per_kind[static_cast<size_t>(Kind::sarray)], 2u);
    EXPECT_EQ(s->objects_per_kind[static_cast<size_t>(Kind::mpz)], 2u);
    EXPECT_EQ(s->objects_per_kind[static_cast<size_t>(Kind::thunk)], 1u);
    EXPECT_EQ(s->objects_per_kind[static_cast<size_t>(Kind::task)], 1u);
    EXPECT_EQ(s->objects_per_kind[static_cast<size_t>(Kind::ref)], 1u);
    EXPECT_EQ(s->objects_per_kind[static_cast<size_t>(Kind::promise)], 1u);
    EXPECT_EQ(s->objects_per_kind[static_cast<size_t>(Kind::closure)], f == Format::v3 ? 1u : 0u);
    EXPECT_EQ(s->root.cls, RootClass::own);
    EXPECT_EQ(s->root.kind, Kind::ctor);
    EXPECT_EQ(s->max_depth, 4u);  // root -> array -> promise -> task
    EXPECT_EQ(s->ctor_tags[243], 1u);
    EXPECT_LE(s->work, 8 * (b.bytes().size() / 8 + 1));
  }
}

TEST(Walker, EmptyPartWithExternalRoot) {
  RegionForger b;
  b.set_root(0x7e95af0d61a0ULL);  // Char.olean's root, seen from Char.olean.server (§4.6)
  auto s = walk(b.bytes());
  ASSERT_TRUE(s.ok()) << s.error().describe();
  EXPECT_EQ(b.bytes().size(), 96u);
  EXPECT_EQ(s->objects, 0u);
  EXPECT_EQ(s->root.cls, RootClass::external);
  WalkOptions no_external;
  no_external.allow_external = false;
  auto m = walk(b.bytes(), no_external);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, ErrorCode::missing_dep);
  EXPECT_EQ(m.error().offset, 88u);
}

// A corruption: build a valid file, then change it.
struct Corruption {
  std::string name;
  std::function<std::vector<uint8_t>()> make;
  ErrorCode code;
  std::function<uint64_t(const std::vector<uint8_t>&)> offset;  // expected file offset
};

std::vector<Corruption> corruptions() {
  std::vector<Corruption> c;
  // Each builder: root ctor at the end, victim object first at offset 96.
  auto one = [](auto make_victim, auto mutate) {
    return [=]() {
      RegionForger b;
      const uint64_t v = make_victim(b);
      b.set_root(b.ctor(0, {v}));
      auto bytes = b.bytes();
      mutate(bytes, b.offset_of(v));
      return bytes;
    };
  };
  auto str = [](RegionForger& b) { return b.string("abc"); };
  auto arr = [](RegionForger& b) { return b.array({box(1), box(2)}); };
  auto ctor2 = [](RegionForger& b) { return b.ctor(1, {box(1), box(2)}); };
  auto mpz1 = [](RegionForger& b) { return b.mpz({42}); };
  auto thk = [](RegionForger& b) { return b.thunk(box(1)); };
  auto sa = [](RegionForger& b) { return b.sarray(1, {1, 2, 3}); };
  auto fixed = [](uint64_t o) { return [o](const std::vector<uint8_t>&) { return o; }; };
  auto set_byte = [](uint64_t rel, uint8_t v) { return [=](std::vector<uint8_t>& f, uint64_t o) { f[o + rel] = v; }; };
  auto set_word = [](uint64_t rel, uint64_t v) { return [=](std::vector<uint8_t>& f, uint64_t o) { put_word(f, o + rel, v); }; };

  c.push_back({"tag 247 StructArray (O3)", one(ctor2, set_byte(7, 247)), ErrorCode::bad_tag, fixed(103)});
  c.push_back({"tag 254 External (O3)", one(ctor2, set_byte(7, 254)), ErrorCode::bad_tag, fixed(103)});
  c.push_back({"tag 255 (O3)", one(ctor2, set_byte(7, 255)), ErrorCode::bad_tag, fixed(103)});
  c.push_back({"closure in v2 (T10)", one(ctor2, set_byte(7, 245)), ErrorCode::bad_tag, fixed(103)});
  c.push_back({"m_rc 1 (O2)", one(ctor2, set_byte(0, 1)), ErrorCode::bad_object_header, fixed(96)});
  c.push_back({"ctor m_cs_sz 0 (O4)", one(ctor2, set_word(0, 0x0102000000000000ULL)), ErrorCode::bad_object_size, fixed(100)});
  c.push_back({"ctor m_cs_sz < fields (O4)", one(ctor2, set_byte(4, 16)), ErrorCode::bad_object_size, fixed(100)});
  c.push_back({"ctor m_cs_sz odd (O5)", one(ctor2, set_byte(4, 25)), ErrorCode::bad_object_size, fixed(100)});
  c.push_back({"ctor past the end (O1)", one(ctor2, set_byte(5, 1)), ErrorCode::truncated, fixed(96)});
  c.push_back({"Array size > capacity (O6)", one(arr, set_word(8, 3)), ErrorCode::bad_object_size, fixed(104)});
  c.push_back({"Array capacity huge (O1)", one(arr, [](std::vector<uint8_t>& f, uint64_t o) {
                 put_word(f, o + 8, UINT64_MAX / 4);
                 put_word(f, o + 16, UINT64_MAX / 4);
               }), ErrorCode::truncated, fixed(112)});
  c.push_back({"Array capacity > size (O7)", one(arr, set_word(16, 3)), ErrorCode::bad_object_size, fixed(112)});
  c.push_back({"Array m_cs_sz 0 (O8)", one(arr, set_byte(4, 0)), ErrorCode::bad_object_header, fixed(100)});
  c.push_back({"ScalarArray elem size 0 (O9)", one(sa, set_byte(6, 0)), ErrorCode::bad_object_header, fixed(102)});
  c.push_back({"ScalarArray elem size 0x80 (O9)", one(sa, set_byte(6, 0x81)), ErrorCode::bad_object_header, fixed(102)});
  c.push_back({"ScalarArray tail padding (O11)", one(sa, set_byte(31, 9)), ErrorCode::bad_padding, fixed(127)});
  c.push_back({"String size 0 (O10)", one(str, [](std::vector<uint8_t>& f, uint64_t o) {
                 put_word(f, o + 8, 0);
                 put_word(f, o + 16, 0);
               }), ErrorCode::bad_string, fixed(104)});
  c.push_back({"String no NUL (O10)", one(str, set_byte(35, 'd')), ErrorCode::bad_string, fixed(131)});
  c.push_back({"String bad UTF-8 (O10)", one(str, set_byte(33, 0xC0)), ErrorCode::bad_string, fixed(129)});
  c.push_back({"String surrogate (O10)", one([](RegionForger& b) { return b.string("\xed\xa0\x80"); }, set_byte(0, 0)),
               ErrorCode::bad_string, fixed(128)});
  c.push_back({"String m_length wrong (O10)", one(str, set_word(24, 4)), ErrorCode::bad_string, fixed(120)});
  c.push_back({"String tail padding (O11)", one(str, set_byte(37, 1)), ErrorCode::bad_padding, fixed(133)});
  c.push_back({"String capacity huge (O1)", one(str, [](std::vector<uint8_t>& f, uint64_t o) {
                 put_word(f, o + 8, UINT64_MAX - 3);
                 put_word(f, o + 16, UINT64_MAX - 3);
               }), ErrorCode::truncated, fixed(112)});
  c.push_back({"mpz alloc != size (O12)", one(mpz1, set_byte(8, 2)), ErrorCode::bad_object_field, fixed(104)});
  c.push_back({"mpz size -2^31 (O12)", one(mpz1, set_word(8, 0x8000000000000001ULL)), ErrorCode::bad_object_field, fixed(108)});
  c.push_back({"mpz limb pointer (O12)", one(mpz1, [](std::vector<uint8_t>& f, uint64_t o) {
                 put_word(f, o + 16, word_at(f, o + 16) + 8);
               }), ErrorCode::bad_object_field, fixed(112)});
  c.push_back({"mpz limbs past the end (O1)", one(mpz1, set_word(8, 0x0010000000100000ULL)), ErrorCode::truncated, fixed(108)});
  c.push_back({"mpz m_cs_sz (O8)", one(mpz1, set_byte(4, 40)), ErrorCode::bad_object_header, fixed(100)});
  c.push_back({"thunk m_closure (O13)", one(thk, set_word(16, 0x1000)), ErrorCode::bad_object_field, fixed(112)});
  c.push_back({"thunk m_cs_sz (O8)", one(thk, set_byte(4, 16)), ErrorCode::bad_object_header, fixed(100)});
  c.push_back({"pointer word 0 (P1)", one(ctor2, set_word(8, 0)), ErrorCode::pointer_out_of_range, fixed(104)});
  c.push_back({"pointer into header (P2)", one(ctor2, set_word(8, 0x10000000000ULL + 16)), ErrorCode::pointer_out_of_range,
               fixed(104)});
  c.push_back({"pointer at the root slot (P3)", one(ctor2, set_word(8, 0x10000000000ULL + 88)),
               ErrorCode::pointer_not_object_start, fixed(104)});
  c.push_back({"self pointer (P4)", one(ctor2, set_word(8, 0x10000000000ULL + 96)), ErrorCode::forward_pointer, fixed(104)});
  c.push_back({"misaligned pointer (P3)", one(ctor2, set_word(8, 0x10000000000ULL + 100)),
               ErrorCode::pointer_not_object_start, fixed(104)});
  return c;
}

TEST(Walker, RejectsEachMalformedObjectWithItsClass) {
  for (const Corruption& c : corruptions()) {
    SCOPED_TRACE(c.name);
    const auto file = c.make();
    auto s = walk(file);
    ASSERT_FALSE(s.ok()) << "accepted";
    EXPECT_EQ(error_name(s.error().code), error_name(c.code)) << s.error().describe();
    EXPECT_EQ(s.error().offset, c.offset(file)) << s.error().describe();
  }
}

TEST(Walker, PointerTargetsAndTierC) {
  RegionForger b;
  const uint64_t s = b.string("abc");
  const uint64_t inner = b.ctor(0, {s});
  b.set_root(b.ctor(0, {inner, s}));
  auto good = b.bytes();
  ASSERT_TRUE(walk(good).ok());

  auto f = good;
  put_word(f, b.offset_of(inner) + 8, s + 8);  // into the middle of the string
  auto r = walk(f);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::pointer_not_object_start);

  f = good;
  put_word(f, 88, inner);  // root at an earlier object: not last (P8), accepted leniently
  r = walk(f);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::root_not_last);
  WalkOptions lenient;
  lenient.canonical = false;
  EXPECT_TRUE(walk(f, lenient).ok());

  f = good;
  put_word(f, b.offset_of(inner) + 8, box(0));  // the string is now unreachable (P9)
  put_word(f, f.size() - 8, box(0));
  r = walk(f);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::unreachable_object);
  EXPECT_EQ(r.error().offset, 96u);

  f = good;
  put_word(f, 88, good.size() + 0x10000000000ULL + 0x100000);  // root beyond the file
  r = walk(f);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::unreachable_object);  // external root, own objects orphaned
  put_word(f, 88, 0);
  r = walk(f);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::pointer_out_of_range);
  put_word(f, 88, 0x10000000000ULL + 104);
  r = walk(f);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::pointer_not_object_start);
}

TEST(Walker, V3ClosureTable) {
  auto fresh = [] { return every_kind(Format::v3); };
  ASSERT_TRUE(walk(fresh().bytes()).ok());
  struct TableCase {
    const char* name;
    std::function<void(V3Trailer&)> edit;
    ErrorCode code;
  };
  const TableCase cases[] = {
      {"offset misaligned (T3)", [](V3Trailer& t) { t.closure_offsets[0] += 4; }, ErrorCode::closure_offset_out_of_range},
      {"offset past data (T3)", [](V3Trailer& t) { t.closure_offsets[0] = 1u << 30; }, ErrorCode::closure_offset_out_of_range},
      {"offset not an m_fun (T4)", [](V3Trailer& t) { t.closure_offsets[0] = 8; }, ErrorCode::closure_offset_out_of_range},
      {"offset listed twice (T5)", [](V3Trailer& t) { t.closure_offsets.push_back(t.closure_offsets[0]); },
       ErrorCode::bad_closure_table},
      {"closure not listed (T6)", [](V3Trailer& t) { t.closure_offsets.clear(); t.libraries.clear(); },
       ErrorCode::bad_closure_table},
      {"m_fun below every library (T8)", [](V3Trailer& t) { t.libraries[0].base = 0x7f0000002000ULL; },
       ErrorCode::bad_closure_table},
      {"duplicate library (T9)", [](V3Trailer& t) { t.libraries.push_back(t.libraries[0]); }, ErrorCode::bad_closure_table},
      {"NUL in identity", [](V3Trailer& t) { t.libraries[0].identity = std::string("a\0b", 3); },
       ErrorCode::bad_closure_table},
  };
  for (const TableCase& c : cases) {
    SCOPED_TRACE(c.name);
    auto b = fresh();
    c.edit(b.header().trailer);
    auto r = walk(b.bytes());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(error_name(r.error().code), error_name(c.code)) << r.error().describe();
  }
  RegionForger none(Format::v3);
  none.header().trailer.libraries = {{1, "unused"}};
  none.set_root(none.string("x"));
  auto r = walk(none.bytes());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::bad_closure_table);  // T9: libraries without closures
}

TEST(Walker, NonGmpMpzLayout) {
  RegionForger b;
  b.header().flags = 0;
  // 32-byte struct + 3 u32 digits, padded to 48.
  const uint64_t addr = b.next_addr();
  const uint64_t m = b.raw({0, 0, 3, addr + 32, 0x0000000200000001ULL, 0x0000000000000003ULL});
  b.set_root(b.ctor(0, {m}));
  auto file = b.bytes();
  // Header word: rc 0, m_cs_sz 44 (32 + 4*3), m_other 0, tag 250.
  put_word(file, 96, (uint64_t{250} << 56) | (uint64_t{44} << 32));
  HeaderOptions flags0;
  flags0.expected_flags = 0;
  auto h = parse_file_layout(file, flags0);
  ASSERT_TRUE(h.ok()) << h.error().describe();
  auto s = walk_region(file, h.value(), {});
  ASSERT_TRUE(s.ok()) << s.error().describe();
  EXPECT_EQ(s->bytes_per_kind[static_cast<size_t>(Kind::mpz)], 48u);
  file[96 + 8] = 2;  // sign byte not a bool
  auto bad = walk_region(file, h.value(), {});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::bad_object_field);
  file[96 + 8] = 1;
  file[96 + 9] = 1;  // sign padding
  bad = walk_region(file, h.value(), {});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::bad_padding);
}

// FORMAT.md §10.5: the full object list of NormalForms is a golden vector for walkers.
TEST(Walker, NormalFormsGoldenObjectList) {
  const auto file = testsupport::read_corpus_file(
      "cicixgliamici__a-weak-Silly-substitution-Calculus/.lake__build__lib__lean__SSC__NormalForms.olean");
  auto h = parse_file_layout(file, {});
  ASSERT_TRUE(h.ok());
  WalkOptions keep;
  keep.keep_objects = true;
  auto s = walk_region(file, h.value(), keep);
  ASSERT_TRUE(s.ok()) << s.error().describe();
  const std::pair<uint64_t, uint64_t> golden[] = {
      {0x060, 40}, {0x088, 32}, {0x0a8, 24}, {0x0c0, 32}, {0x0e0, 24}, {0x0f8, 48}, {0x128, 32}, {0x148, 40},
      {0x170, 32}, {0x190, 48}, {0x1c0, 32}, {0x1e0, 48}, {0x210, 32}, {0x230, 32}, {0x250, 32}, {0x270, 48},
      {0x2a0, 32}, {0x2c0, 48}, {0x2f0, 16}, {0x300, 32}, {0x320, 24}, {0x338, 48}, {0x368, 32}, {0x388, 32},
      {0x3a8, 24}, {0x3c0, 48}, {0x3f0, 32}, {0x410, 24}, {0x428, 48}, {0x458, 56},
  };
  ASSERT_EQ(s->table.records.size(), std::size(golden));
  for (size_t i = 0; i < std::size(golden); ++i) {
    EXPECT_EQ(s->table.records[i].offset, golden[i].first) << i;
    EXPECT_EQ(s->table.records[i].size, golden[i].second) << i;
  }
  EXPECT_EQ(s->root.offset, 0x458u);
  EXPECT_EQ(s->objects, 30u);
  EXPECT_EQ(s->ctor_tags[0], 5u);
  EXPECT_EQ(s->ctor_tags[1], 10u);
  EXPECT_EQ(s->ctor_tags[2], 1u);
  EXPECT_EQ(s->pointer_words.self, 33u);
  EXPECT_EQ(s->pointer_words.scalar, 6u);
  EXPECT_EQ(s->max_depth, 11u);
  EXPECT_EQ(s->bytes_per_kind[static_cast<size_t>(Kind::ctor)], 488u);
  EXPECT_EQ(s->bytes_per_kind[static_cast<size_t>(Kind::array)], 168u);
  EXPECT_EQ(s->bytes_per_kind[static_cast<size_t>(Kind::string)], 416u);
}

}  // namespace
}  // namespace cf
