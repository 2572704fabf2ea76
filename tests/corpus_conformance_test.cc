// Conformance on the real corpus, driven by corpus/real/MANIFEST.tsv: `regiontool inspect`
// reports the MANIFEST's header fields and the per-kind counts of an independent walk
// (EXPECTED.json), in-process and through the regiontool binary; every Name hash stored in
// the files equals Name.hash recomputed from the Name's own components (§3.1).
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <map>
#include <memory>

#include "core/name_hash.h"
#include "testsupport/corpus.h"
#include "tools/inspect.h"

namespace cf {
namespace {

using nlohmann::json;

std::string manifest_format(const std::string& header_version) {
  return header_version == "0-oleanfile" ? "v0" : "v" + header_version;
}

// Compares one inspect JSON object with its MANIFEST row and EXPECTED entry.
void expect_conforms(const json& got, const testsupport::ManifestRow& row, const json& want) {
  SCOPED_TRACE(row["file"]);
  ASSERT_EQ(got.at("status"), "ok") << got.dump();
  EXPECT_EQ(got.at("format"), manifest_format(row["header_version"]));
  EXPECT_EQ(got.at("version_string"), row["version_string"] == "-" ? "" : row["version_string"]);
  EXPECT_EQ(std::stoull(got.at("base_addr").get<std::string>(), nullptr, 16), std::stoull(row["base_addr_hex"], nullptr, 16));
  EXPECT_EQ(got.at("file_size"), std::stoull(row["size_bytes"]));
  EXPECT_EQ(got.at("data_start"), want.at("data_start"));
  EXPECT_EQ(got.at("objects"), want.at("objects"));
  for (const char* field : {"objects_per_kind", "bytes_per_kind"}) {
    for (auto& [kind, n] : got.at(field).items()) {
      const uint64_t expected = want.at(field).contains(kind) ? want.at(field).at(kind).get<uint64_t>() : 0;
      EXPECT_EQ(n.get<uint64_t>(), expected) << field << "." << kind;
    }
    for (auto& [kind, n] : want.at(field).items()) EXPECT_TRUE(got.at(field).contains(kind)) << field << "." << kind;
  }
  EXPECT_EQ(got.at("root").contains("outside"), want.at("root").contains("outside"));
  if (want.at("root").contains("offset")) {
    EXPECT_EQ(got.at("root").at("offset"), want.at("root").at("offset"));
    EXPECT_EQ(got.at("root").at("kind"), want.at("root").at("kind"));
  }
  EXPECT_EQ(got.at("max_depth"), want.at("max_depth"));
  const json& pw = want.at("pointer_words");
  EXPECT_EQ(got.at("pointer_words").at("self"), pw.value("self", 0));
  EXPECT_EQ(got.at("pointer_words").at("scalar"), pw.value("scalar", 0));
  EXPECT_EQ(got.at("pointer_words").at("other"), pw.value("other", 0));
}

TEST(CorpusConformance, InspectMatchesManifestAndIndependentWalk) {
  const auto rows = testsupport::load_manifest();
  const auto expected = testsupport::load_expected();
  ASSERT_EQ(rows.size(), expected.size());
  for (const auto& row : rows) {
    auto r = tool::inspect_file(testsupport::corpus_dir() + "/" + row["file"], {});
    ASSERT_EQ(r.exit_code, tool::exit_ok) << (r.error ? r.error->describe() : "");
    expect_conforms(tool::to_json(r, false), row, expected.at(row["file"]));
  }
}

// The same through the real binary: one process, all 36 files, one JSON array, exit 0.
TEST(CorpusConformance, RegiontoolBinaryJson) {
  const auto rows = testsupport::load_manifest();
  const auto expected = testsupport::load_expected();
  std::string cmd = std::string(CF_REGIONTOOL) + " inspect --json";
  for (const auto& row : rows) cmd += " '" + testsupport::corpus_dir() + "/" + row["file"] + "'";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
  ASSERT_TRUE(pipe);
  std::string out;
  std::array<char, 65536> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe.get())) > 0) out.append(buf.data(), n);
  const int status = pclose(pipe.release());
  EXPECT_EQ(WEXITSTATUS(status), 0);
  const json all = json::parse(out);
  ASSERT_EQ(all.size(), rows.size());
  for (size_t i = 0; i < rows.size(); ++i) expect_conforms(all[i], rows[i], expected.at(rows[i]["file"]));
}

// Name.str (tag 1) and Name.num (tag 2) are 32-byte ctors with 2 fields and the Name's hash
// in their scalar area (§1.6). Recompute each stored hash bottom-up from the file's bytes.
struct NameHashTally {
  uint64_t checked = 0, mismatched = 0;
};

NameHashTally check_stored_name_hashes(const std::vector<uint8_t>& file) {
  NameHashTally t;
  auto h = parse_file_layout(file, {});
  if (!h) return {0, 1};
  WalkOptions keep;
  keep.keep_objects = true;
  auto s = walk_region(file, h.value(), keep);
  if (!s) return {0, 1};
  std::map<uint64_t, const ObjectRecord*> at;
  for (const ObjectRecord& r : s->table.records) at[r.offset] = &r;
  std::map<uint64_t, uint64_t> name_hash_at;  // offset of a verified Name -> its hash
  const uint64_t base = h->base_addr;
  auto own = [&](uint64_t w) -> const ObjectRecord* {
    if (is_scalar(w) || w < base || w - base >= file.size()) return nullptr;
    auto it = at.find(w - base);
    return it == at.end() ? nullptr : it->second;
  };
  for (const ObjectRecord& r : s->table.records) {
    if (r.kind != Kind::ctor || (r.tag != 1 && r.tag != 2) || r.slot_count != 2 || r.size != 32) continue;
    const uint64_t prefix = load_u64(file.data() + r.offset + 8), last = load_u64(file.data() + r.offset + 16);
    uint64_t h_prefix;
    if (prefix == box(0)) h_prefix = 1723;
    else if (const ObjectRecord* p = own(prefix); p && name_hash_at.count(p->offset)) h_prefix = name_hash_at[p->offset];
    else continue;
    uint64_t k;
    const ObjectRecord* target = own(last);
    if (r.tag == 1 && target && target->kind == Kind::string) {
      const uint64_t size = load_u64(file.data() + target->offset + 8);
      k = string_hash({reinterpret_cast<const char*>(file.data() + target->offset + 32), size - 1});
    } else if (r.tag == 2 && is_scalar(last)) {
      k = unbox(last);
    } else if (r.tag == 2 && target && target->kind == Kind::mpz) {
      const int32_t limbs = load_i32(file.data() + target->offset + 12);
      k = limbs == 1 ? load_u64(file.data() + target->offset + 24) : 17;
    } else {
      continue;
    }
    const uint64_t want = mix_hash(h_prefix, k), stored = load_u64(file.data() + r.offset + 24);
    ++t.checked;
    if (want == stored) name_hash_at[r.offset] = stored;
    else ++t.mismatched;
  }
  return t;
}

TEST(CorpusConformance, StoredNameHashesRecompute) {
  uint64_t total = 0;
  for (const auto& row : testsupport::load_manifest()) {
    // The May 2022 v0 file stores hashes from an older string hash (§3.1).
    if (row["base_addr_hex"] == "0x2eb0183b0000") continue;
    SCOPED_TRACE(row["file"]);
    const NameHashTally t = check_stored_name_hashes(testsupport::read_corpus_file(row["file"]));
    EXPECT_EQ(t.mismatched, 0u);
    total += t.checked;
  }
  std::printf("stored Name hashes recomputed: %llu\n", static_cast<unsigned long long>(total));
  EXPECT_GE(total, 5000u);
}

TEST(CorpusConformance, NameHashCheckCanFail) {
  const auto file = testsupport::read_corpus_file(
      "cicixgliamici__a-weak-Silly-substitution-Calculus/.lake__build__lib__lean__SSC__NormalForms.olean");
  EXPECT_EQ(check_stored_name_hashes(file).mismatched, 0u);
  auto broken = file;
  broken[0xa0] ^= 1;  // hash of Name `Init` (§10.5)
  const NameHashTally t = check_stored_name_hashes(broken);
  EXPECT_EQ(t.mismatched, 1u);
}

}  // namespace
}  // namespace cf
