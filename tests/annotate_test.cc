// `regiontool inspect --annotate` (tools/annotate.h): the NormalForms dump matches FORMAT.md
// §10.5, every corpus file is covered byte for byte, and a rejected or cut file is annotated up
// to its failing byte and no further. Coverage is checked on the structured ranges, not on text.
#include <gtest/gtest.h>

#include <random>
#include <sstream>

#include "testsupport/corpus.h"
#include "tools/annotate.h"

namespace cf {
namespace {

using tool::Annotation;

const std::string k_normal_forms =
    "cicixgliamici__a-weak-Silly-substitution-Calculus/.lake__build__lib__lean__SSC__NormalForms.olean";

std::vector<uint8_t> normal_forms() {
  for (const testsupport::ManifestRow& row : testsupport::load_manifest())
    if (row["file"] == k_normal_forms) return testsupport::read_corpus_file(row["file"]);
  ADD_FAILURE() << "NormalForms is not in MANIFEST.tsv";
  return {};
}

// The ranges are contiguous from 0, each at least one byte; returns where they end.
uint64_t expect_contiguous(const std::vector<Annotation>& ranges, const std::string& what) {
  uint64_t pos = 0;
  for (const Annotation& a : ranges) {
    EXPECT_EQ(a.offset, pos) << what << ": gap or overlap before " << a.field;
    EXPECT_GE(a.size, 1u) << what << " at " << a.offset;
    pos = a.offset + a.size;
  }
  return pos;
}

// A rejected file: the ranges stop with the one holding (or starting at) the failing byte.
void expect_cut_at_error(const tool::AnnotateReport& r, const std::string& what) {
  ASSERT_TRUE(r.error.has_value()) << what;
  const uint64_t end = expect_contiguous(r.ranges, what);
  const uint64_t e = r.error->offset, n = r.bytes.size();
  EXPECT_LE(end, n) << what;
  if (e >= n) {
    EXPECT_EQ(end, n) << what << ": a file ending early is annotated to its end";
  } else {
    ASSERT_FALSE(r.ranges.empty()) << what;
    const Annotation& last = r.ranges.back();
    EXPECT_LE(last.offset, e) << what;
    EXPECT_GT(last.offset + last.size, e) << what << ": the last range holds the failing byte";
  }
  std::ostringstream text;
  tool::print_annotation(text, r);
  EXPECT_NE(text.str().find(tool::marker_line(*r.error)), std::string::npos) << what;
}

const Annotation* range_at(const std::vector<Annotation>& ranges, uint64_t off) {
  for (const Annotation& a : ranges)
    if (a.offset == off) return &a;
  return nullptr;
}

// The key lines of FORMAT.md §10.5: offset, size, field, and what the value must contain.
struct KeyLine {
  uint64_t offset;
  uint64_t size;
  const char* field;
  const char* value;
  const char* meaning = "";
};

TEST(Annotate, NormalFormsMatchesFormatSection10_5) {
  const std::vector<uint8_t> file = normal_forms();
  const tool::AnnotateReport r = tool::annotate_bytes("NormalForms", file, {});
  ASSERT_FALSE(r.error.has_value()) << r.error->describe();
  const KeyLine keys[] = {
      {0x000, 5, "magic", "\"olean\""},
      {0x005, 1, "version", "2"},
      {0x006, 1, "flags", "0x01", "GMP"},
      {0x007, 33, "version string", "\"4.29.1\" + 27 NUL"},
      {0x028, 40, "githash", "\"f72c35b3f637c8c6571d353742168ab66cc22c00\", no NUL"},
      {0x050, 8, "base_addr", "0x4fb6fe40000"},
      {0x058, 8, "root slot", "@0x458 ctor t0 n5", "the last object"},
      {0x060, 8, "header", "rc 0, cs_sz 1, other 0, tag 249", "String, 40 bytes"},
      {0x068, 8, "m_size", "5"},
      {0x070, 8, "m_capacity", "5"},
      {0x078, 8, "m_length", "4"},
      {0x080, 5, "text", "\"Init\\0\""},
      {0x085, 3, "padding", "3 bytes"},
      {0x088, 8, "header", "rc 0, cs_sz 32, other 2, tag 1", "ctor tag 1, 2 object fields, 32 bytes"},
      {0x090, 8, "field 0", "box(0)"},
      {0x098, 8, "field 1", "@0x060 string \"Init\""},
      {0x0a0, 8, "scalars", "0x1a1edcc8b30c6698"},
      {0x0a8, 8, "header", "rc 0, cs_sz 24, other 1, tag 0"},
      {0x0b0, 8, "field 0", "@0x088 ctor t1 n2"},
      {0x0b8, 8, "scalars", "0x100"},
      {0x0c0, 8, "header", "tag 246", "Array, 32 bytes"},
      {0x0c8, 8, "m_size", "1"},
      {0x0d0, 8, "m_capacity", "1"},
      {0x0d8, 8, "element 0", "@0x0a8 ctor t0 n1"},
      {0x0e0, 8, "header", "tag 246", "Array, 24 bytes"},
      {0x0f8, 8, "header", "tag 249", "String, 48 bytes"},
      {0x118, 9, "text", "\"_private\\0\""},
      {0x230, 8, "header", "rc 0, cs_sz 32, other 2, tag 2"},
      {0x238, 8, "field 0", "@0x210 ctor t1 n2"},
      {0x240, 8, "field 1", "box(0)"},
      {0x248, 8, "scalars", "0x46674c546f5d1836"},
      {0x3a0, 8, "element 0", "box(1)"},
      {0x428, 8, "header", "tag 246", "Array, 48 bytes"},
      {0x440, 8, "element 0", "@0x320"},
      {0x448, 8, "element 1", "@0x3a8"},
      {0x450, 8, "element 2", "@0x410"},
      {0x458, 8, "header", "rc 0, cs_sz 56, other 5, tag 0", "5 object fields, 56 bytes"},
      {0x460, 8, "field 0", "@0x0c0 array[1]"},
      {0x468, 8, "field 1", "@0x0e0 array[0]"},
      {0x470, 8, "field 2", "@0x0e0 array[0]"},
      {0x478, 8, "field 3", "@0x0e0 array[0]"},
      {0x480, 8, "field 4", "@0x428 array[3]"},
      {0x488, 8, "scalars", "0x0"},
  };
  for (const KeyLine& k : keys) {
    SCOPED_TRACE("offset " + std::to_string(k.offset));
    const Annotation* a = range_at(r.ranges, k.offset);
    ASSERT_NE(a, nullptr) << "no range starts at " << k.offset;
    EXPECT_EQ(a->size, k.size);
    EXPECT_EQ(a->field, k.field);
    EXPECT_NE(a->value.find(k.value), std::string::npos) << a->value;
    EXPECT_NE(a->meaning.find(k.meaning), std::string::npos) << a->meaning;
  }
  EXPECT_EQ(expect_contiguous(r.ranges, "NormalForms"), 1168u);
}

TEST(Annotate, NormalFormsObjectHeadersAreTheGoldenObjectList) {
  const std::vector<uint8_t> file = normal_forms();
  std::vector<uint64_t> headers;
  for (const Annotation& a : tool::annotate_layout(file))
    if (a.field == "header") headers.push_back(a.offset);
  const std::vector<uint64_t> golden = {0x060, 0x088, 0x0a8, 0x0c0, 0x0e0, 0x0f8, 0x128, 0x148, 0x170, 0x190,
                                        0x1c0, 0x1e0, 0x210, 0x230, 0x250, 0x270, 0x2a0, 0x2c0, 0x2f0, 0x300,
                                        0x320, 0x338, 0x368, 0x388, 0x3a8, 0x3c0, 0x3f0, 0x410, 0x428, 0x458};
  EXPECT_EQ(headers, golden);
}

// Every real file: read, every byte covered once, nothing undecoded, and one "header" range per
// object the walker found, at the walker's offsets.
TEST(Annotate, EveryCorpusFileIsCoveredExactly) {
  for (const testsupport::ManifestRow& row : testsupport::load_manifest()) {
    SCOPED_TRACE(row["file"]);
    const std::vector<uint8_t> file = testsupport::read_corpus_file(row["file"]);
    const tool::AnnotateReport r = tool::annotate_bytes(row["file"], file, {});
    ASSERT_FALSE(r.error.has_value()) << r.error->describe();
    EXPECT_EQ(expect_contiguous(r.ranges, row["file"]), file.size());
    tool::InspectOptions keep;
    keep.objects = true;
    const tool::InspectReport walk = tool::inspect_bytes(row["file"], file, keep);
    ASSERT_TRUE(walk.summary.has_value());
    std::vector<uint64_t> headers, walked;
    for (const Annotation& a : r.ranges) {
      EXPECT_NE(a.field, "undecoded") << "at " << a.offset;
      EXPECT_NE(a.field, "trailing bytes") << "at " << a.offset;
      if (a.field == "header") headers.push_back(a.offset);
    }
    for (const ObjectRecord& o : walk.summary->table.records) walked.push_back(o.offset);
    EXPECT_EQ(headers, walked);
  }
}

TEST(Annotate, MutatedStringStopsAtTheMissingNul) {
  std::vector<uint8_t> file = normal_forms();
  file[0x84] = 'x';  // "Init\0" -> "Initx": corpus/negative/bad_string/no_nul.bin
  const tool::AnnotateReport r = tool::annotate_bytes("no_nul", file, {});
  ASSERT_TRUE(r.error.has_value());
  EXPECT_EQ(r.error->code, ErrorCode::bad_string);
  EXPECT_EQ(r.error->offset, 0x84u);
  expect_cut_at_error(r, "no_nul");
  EXPECT_EQ(r.ranges.back().offset, 0x80u);
  EXPECT_EQ(r.ranges.back().field, "text");
  EXPECT_EQ(tool::marker_line(*r.error).rfind(">>> 0x000084: bad_string: ", 0), 0u);
}

TEST(Annotate, TruncatedFileStopsAtItsEnd) {
  std::vector<uint8_t> file = normal_forms();
  file.resize(60);  // inside the githash
  const tool::AnnotateReport r = tool::annotate_bytes("cut", file, {});
  ASSERT_TRUE(r.error.has_value());
  EXPECT_EQ(r.error->code, ErrorCode::truncated);
  expect_cut_at_error(r, "cut");
  EXPECT_EQ(r.ranges.back().field, "githash");
  EXPECT_EQ(r.ranges.back().size, 20u);
}

TEST(Annotate, RootSlotErrorShowsTheRootSlot) {
  std::vector<uint8_t> file = normal_forms();
  std::fill(file.begin() + 88, file.begin() + 96, uint8_t{0});  // root slot -> 0
  const tool::AnnotateReport r = tool::annotate_bytes("root_zero", file, {});
  ASSERT_TRUE(r.error.has_value());
  EXPECT_EQ(r.error->code, ErrorCode::pointer_out_of_range);
  expect_cut_at_error(r, "root_zero");
  EXPECT_EQ(r.ranges.back().field, "root slot");
  EXPECT_EQ(r.ranges.back().value, "null pointer");
}

TEST(Annotate, UnreadableFileIsExitTwoWithNoRanges) {
  const tool::AnnotateReport r = tool::annotate_file("/nonexistent/compactfuzz/annotate", {});
  EXPECT_EQ(r.exit_code, tool::exit_usage);
  ASSERT_TRUE(r.error.has_value());
  EXPECT_EQ(r.error->code, ErrorCode::io_error);
  EXPECT_TRUE(r.ranges.empty());
}

// Robustness: NormalForms cut at every byte offset is annotated up to its error; each input sits
// in an exact-size buffer so the asan preset reports any read past its end. The one accepted cut
// is 96 bytes: header plus a root slot whose target lies outside the file (a chain part's shape).
TEST(Annotate, EveryCutOfNormalForms) {
  const std::vector<uint8_t> file = normal_forms();
  for (size_t cut = 0; cut < file.size(); ++cut) {
    const std::vector<uint8_t> prefix(file.begin(), file.begin() + static_cast<std::ptrdiff_t>(cut));
    const tool::AnnotateReport r = tool::annotate_bytes("cut", prefix, {});
    if (cut == 96) {
      EXPECT_EQ(r.exit_code, tool::exit_ok);
      EXPECT_EQ(expect_contiguous(r.ranges, "cut 96"), 96u);
      continue;
    }
    EXPECT_EQ(r.exit_code, tool::exit_rejected) << "cut " << cut;
    expect_cut_at_error(r, "cut " + std::to_string(cut));
    EXPECT_EQ(expect_contiguous(tool::annotate_layout(prefix), "layout"), cut);
  }
}

// Robustness: seeded random byte changes and random byte strings annotate without crashing,
// the layout always covers the whole input, and a rejection is cut at its error.
TEST(Annotate, RandomMutationsAndNoise) {
  const std::vector<uint8_t> file = normal_forms();
  std::mt19937_64 rng(0xa11070a7e);
  std::uniform_int_distribution<size_t> pos(0, file.size() - 1);
  std::uniform_int_distribution<int> byte(0, 255), count(1, 4);
  for (int i = 0; i < 3000; ++i) {
    std::vector<uint8_t> m = file;
    for (int k = count(rng); k > 0; --k) m[pos(rng)] = static_cast<uint8_t>(byte(rng));
    if (i % 3 == 0) m.resize(pos(rng));
    const tool::AnnotateReport r = tool::annotate_bytes("mutant", m, {});
    EXPECT_EQ(expect_contiguous(tool::annotate_layout(m), "layout"), m.size());
    if (r.error) expect_cut_at_error(r, "mutant " + std::to_string(i));
    else EXPECT_EQ(expect_contiguous(r.ranges, "mutant"), m.size());
  }
  std::uniform_int_distribution<size_t> len(0, 400);
  for (int i = 0; i < 2000; ++i) {
    std::vector<uint8_t> noise(len(rng));
    for (uint8_t& b : noise) b = static_cast<uint8_t>(byte(rng));
    if (i % 2 == 0 && noise.size() >= 6) std::copy_n("olean", 5, noise.begin()), noise[5] = static_cast<uint8_t>(1 + i % 3);
    EXPECT_EQ(expect_contiguous(tool::annotate_layout(noise), "noise"), noise.size());
  }
}

}  // namespace
}  // namespace cf
