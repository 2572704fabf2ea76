// Header detection and checks (FORMAT.md §2, §8.3 H1-H7, D1-D4, T1-T2) and byte-exact
// serialisation, on forged headers and on every corpus file.
#include "core/header.h"

#include <gtest/gtest.h>

#include <cstring>

#include "testsupport/corpus.h"
#include "testsupport/region_forger.h"

namespace cf {
namespace {

using testsupport::RegionForger;

std::vector<uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

struct Case {
  std::string name;
  std::vector<uint8_t> file;
  ErrorCode code;
  uint64_t offset;
};

void check_case(const Case& c, const HeaderOptions& options = {}) {
  SCOPED_TRACE(c.name);
  auto h = parse_file_layout(c.file, options);
  ASSERT_FALSE(h.ok()) << "accepted";
  EXPECT_EQ(error_name(h.error().code), error_name(c.code)) << h.error().describe();
  EXPECT_EQ(h.error().offset, c.offset) << h.error().describe();
}

std::vector<uint8_t> v2_file() {
  RegionForger b(Format::v2, 0x7e95af0d0000ULL);
  b.set_root(b.string("x"));
  return b.bytes();
}

TEST(HeaderDetect, MagicAndTruncation) {
  const Case cases[] = {
      {"empty file (H1)", {}, ErrorCode::truncated, 0},
      {"one byte of magic", bytes_of("o"), ErrorCode::truncated, 1},
      {"olean without version", bytes_of("olean"), ErrorCode::truncated, 5},
      {"v0 magic prefix", bytes_of("oleanfile!!"), ErrorCode::truncated, 11},
      {"bad first byte (H2)", bytes_of("xlean\x02"), ErrorCode::bad_magic, 0},
      {"bad fourth byte", bytes_of("oleXn\x02"), ErrorCode::bad_magic, 3},
      {"version 0 (H3)", bytes_of(std::string("olean\0", 6) + std::string(90, '\0')), ErrorCode::incompatible_header, 5},
      {"version 4 (H3)", bytes_of("olean\x04" + std::string(90, '\0')), ErrorCode::incompatible_header, 5},
      {"v0 magic broken late", bytes_of("oleanfile!!!!!!?" + std::string(16, '\0')), ErrorCode::incompatible_header, 5},
      {"v1 header cut", bytes_of("olean\x01" + std::string(40, 'a')), ErrorCode::truncated, 46},
      {"v2 header cut", bytes_of("olean\x02\x01" + std::string(70, '\0')), ErrorCode::truncated, 77},
      {"v3 header cut before data_size", bytes_of("olean\x03\x01" + std::string(85, '\0')), ErrorCode::truncated, 92},
      {"v0 header cut", bytes_of(std::string("oleanfile!!!!!!!\0\0", 18)), ErrorCode::truncated, 18},
  };
  for (const Case& c : cases) check_case(c);
}

TEST(HeaderChecks, FlagsGithashBase) {
  auto file = v2_file();
  file[6] = 0x03;
  check_case({"reserved flag bit (H4)", file, ErrorCode::incompatible_header, 6});
  file[6] = 0x00;
  check_case({"non-GMP build flags (H4)", file, ErrorCode::incompatible_header, 6});
  HeaderOptions other_flags;
  other_flags.expected_flags = 0x00;
  EXPECT_TRUE(parse_file_layout(file, other_flags).ok());

  file = v2_file();
  HeaderOptions githash;
  githash.expected_githash = "0123456789abcdef0123456789abcdef01234567";
  EXPECT_TRUE(parse_file_layout(file, githash).ok());
  githash.expected_githash = "v4.29.1";
  check_case({"githash mismatch (H5)", file, ErrorCode::incompatible_header, 40}, githash);

  file = v2_file();
  testsupport::put_word(file, 80, 0x7e95af0d0004ULL);
  check_case({"base not 8-aligned (H6)", file, ErrorCode::bad_header_field, 80});
  testsupport::put_word(file, 80, UINT64_MAX - 63);
  check_case({"base + size wraps (H7)", file, ErrorCode::bad_header_field, 80});
  testsupport::put_word(file, 80, 0x7e95af0d0008ULL);  // H8: not 64 KiB aligned is accepted
  EXPECT_TRUE(parse_file_layout(file, {}).ok());

  HeaderOptions current;
  current.current_only = true;
  RegionForger v1(Format::v1);
  check_case({"v1 in current mode (H3)", v1.bytes(), ErrorCode::incompatible_header, 5}, current);
  RegionForger v0(Format::v0);
  check_case({"v0 in current mode (H3)", v0.bytes(), ErrorCode::incompatible_header, 0}, current);
  EXPECT_TRUE(parse_file_layout(v2_file(), current).ok());
}

TEST(HeaderChecks, DataSection) {
  auto file = v2_file();
  file.resize(88);
  check_case({"v2 with no root slot (D1)", file, ErrorCode::truncated, 88});
  file.resize(92);
  check_case({"v2 with half a root slot (D1)", file, ErrorCode::truncated, 92});
  file = v2_file();
  file.resize(file.size() - 3);
  check_case({"v2 data not whole words (D2)", file, ErrorCode::truncated, file.size() - 5});
  RegionForger v0(Format::v0);
  auto v0b = v0.bytes();
  v0b.push_back(0);
  check_case({"v0 data not whole words (D2)", v0b, ErrorCode::truncated, 32});
}

TEST(HeaderChecks, V3DataSizeAndTrailer) {
  RegionForger b(Format::v3, 0x30cec1ec0000ULL);
  b.set_root(b.string("snap"));
  const auto good = b.bytes();
  ASSERT_TRUE(parse_file_layout(good, {}).ok());

  auto f = good;
  testsupport::put_word(f, 88, 1u << 20);
  check_case({"data_size past EOF (D3)", f, ErrorCode::truncated, 88});
  testsupport::put_word(f, 88, UINT64_MAX);
  check_case({"data_size huge (D3, no wrap)", f, ErrorCode::truncated, 88});
  f = good;
  testsupport::put_word(f, 88, testsupport::word_at(good, 88) - 4);
  check_case({"data_size not a multiple of 8 (D4)", f, ErrorCode::bad_header_field, 88});
  f = good;
  testsupport::put_word(f, 88, 0);
  check_case({"data_size 0: root slot read as a huge closure count", f, ErrorCode::truncated, 100});

  const uint64_t t = 96 + testsupport::word_at(good, 88);
  f = good;
  f.resize(t + 2);
  check_case({"closure count cut (T1)", f, ErrorCode::truncated, t});
  f = good;
  f[t] = 5;  // C = 5 offsets, none present
  check_case({"closure offsets past EOF (T1)", f, ErrorCode::truncated, t + 4});
  f = good;
  f.push_back(0);
  check_case({"trailing byte (T2)", f, ErrorCode::trailing_bytes, t + 8});
  f = good;
  f[t + 4] = 1;  // L = 1, no entry
  check_case({"library entry past EOF (T1)", f, ErrorCode::truncated, t + 8});
  f.insert(f.end(), {0, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 'a'});
  check_case({"library id_len bytes past EOF (T1)", f, ErrorCode::truncated, t + 20});
}

TEST(HeaderSerialize, V3RoundTrip) {
  RegionForger b(Format::v3, 0x30cec1ec0000ULL);
  b.header().trailer.libraries = {{0x7f0000000000ULL, ""}, {0x7f1000000000ULL, "/usr/lib/libleanshared.so"}};
  b.header().trailer.closure_offsets = {};
  b.set_root(b.string("x"));
  const auto file = b.bytes();
  auto h = parse_file_layout(file, {});
  ASSERT_TRUE(h.ok()) << h.error().describe();
  EXPECT_EQ(h->trailer, b.header().trailer);
  const auto head = serialize_header(h.value());
  ASSERT_EQ(head.size(), 96u);
  EXPECT_TRUE(std::equal(head.begin(), head.end(), file.begin()));
  const auto trailer = serialize_trailer(h->trailer);
  EXPECT_TRUE(std::equal(trailer.begin(), trailer.end(), file.end() - trailer.size()));
}

// Every corpus file: the header parses, its fields equal the MANIFEST's, and serialising
// the parsed header gives back bytes [0, D) exactly.
TEST(HeaderSerialize, EveryCorpusFileByteExact) {
  const auto rows = testsupport::load_manifest();
  ASSERT_EQ(rows.size(), 36u);
  for (const auto& r : rows) {
    SCOPED_TRACE(r["file"]);
    const auto file = testsupport::read_corpus_file(r["file"]);
    auto h = parse_file_layout(file, {});
    ASSERT_TRUE(h.ok()) << h.error().describe();
    const auto head = serialize_header(h.value());
    ASSERT_EQ(head.size(), h->data_start());
    EXPECT_TRUE(std::equal(head.begin(), head.end(), file.begin()));
    EXPECT_TRUE(h->opaque_fields_nul_padded());
    const std::string fmt = r["header_version"] == "0-oleanfile" ? "v0" : "v" + r["header_version"];
    EXPECT_EQ(format_name(h->format), fmt);
    EXPECT_EQ(h->base_addr, std::stoull(r["base_addr_hex"], nullptr, 16));
    EXPECT_EQ(h->file_size, std::stoull(r["size_bytes"]));
    EXPECT_EQ(h->version_string_text(), r["version_string"] == "-" ? "" : r["version_string"]);
    if (h->format >= Format::v1) {
      EXPECT_EQ(h->githash_text(), r["githash"]);
    }
    if (h->format >= Format::v2) {
      EXPECT_EQ(std::to_string(h->flags), r["flags"]);
    }
  }
}

}  // namespace
}  // namespace cf
