// Name.hash and base addresses against every vector of FORMAT.md §10.1-§10.3, and every
// v1+ corpus file's base recomputed from its module key and part index (MANIFEST-driven).
#include "core/name_hash.h"

#include <gtest/gtest.h>

#include <cstring>
#include <map>

#include "core/format.h"
#include "testsupport/corpus.h"

namespace cf {
namespace {

Name parsed(const std::string& dotted) {
  auto n = Name::parse(dotted);
  EXPECT_TRUE(n.has_value()) << dotted;
  return n.value_or(Name{});
}

TEST(StringHash, Section10_1Vectors) {
  const std::pair<std::string, uint64_t> vectors[] = {
      {"", 0x89133354f2041b41ULL},       {"a", 0xdce594566b8c31f5ULL},        {"ir", 0x9e517cf4d031c7f9ULL},
      {"\xce\xb1", 0x59454d2d534aafddULL}, {"Init", 0x4ac6cf60613f691fULL},     {"abcdefgh", 0x3c488c52c1dedce6ULL},
      {"lakefile", 0xdaad7e061771a243ULL}, {"Batteries", 0xe7b390fa3d82e02dULL},
  };
  for (const auto& [s, h] : vectors) EXPECT_EQ(string_hash(s), h) << '"' << s << '"';
}

TEST(MixHash, Section10_1Vectors) {
  EXPECT_EQ(mix_hash(0, 0), 0x35a98f4d286a90b9ULL);
  EXPECT_EQ(mix_hash(1723, 0), 0x2557972a226f13c6ULL);
  EXPECT_EQ(mix_hash(1723, 1), 0xd636c7f9afd7b5daULL);
}

struct KeyVector {
  Name key;
  uint64_t hash, mod, base;
};

TEST(NameHash, Section10_2KeyToBase) {
  const KeyVector vectors[] = {
      {parsed("Init"), 0x1a1edcc8b30c6698ULL, 0x03c8b30c6698ULL, 0x03c8b30c0000ULL},
      {parsed("Main"), 0xdd36721ef573d952ULL, 0x5a1ef573d952ULL, 0x5a1ef5730000ULL},
      {parsed("lakefile"), 0x4638fefe8c5d1cf9ULL, 0x0bfe8c5d1cf9ULL, 0x0bfe8c5d0000ULL},
      {parsed("Lean"), 0xa5d043e97e53c146ULL, 0x00e97e53c146ULL, 0x00e97e530000ULL},
      {parsed("Mathlib"), 0xe41fb84902a1d576ULL, 0x0f4902a1d576ULL, 0x0f4902a10000ULL},
      {parsed("Batteries.Data.Char"), 0x7dcf6595af0da740ULL, 0x7e95af0da740ULL, 0x7e95af0d0000ULL},
      {parsed("Batteries.Data.Char.ir"), 0xd6c2322b9708897aULL, 0x182b9708897aULL, 0x182b97080000ULL},
      {parsed("_private.Lean.Compiler.ModPkgExt.0"), 0x46674c546f5d1836ULL, 0x36546f5d1836ULL, 0x36546f5d0000ULL},
      {parsed("_uniq.1"), 0x227297bd7e58a374ULL, 0x07bd7e58a374ULL, 0x07bd7e580000ULL},
      {parsed("x.17"), 0x24ba1f2d56ad7621ULL, 0x272d56ad7621ULL, 0x272d56ad0000ULL},
      {Name{}.str("x").big_num(), 0x24ba1f2d56ad7621ULL, 0x272d56ad7621ULL, 0x272d56ad0000ULL},
      {parsed("_snap"), 0xd2cf40cec1ecbe1bULL, 0x30cec1ecbe1bULL, 0x30cec1ec0000ULL},
      {Name{}, 0x6bbULL, 0x6bbULL, 0},
  };
  for (const KeyVector& v : vectors) {
    SCOPED_TRACE(v.key.to_string());
    EXPECT_EQ(name_hash(v.key), v.hash);
    EXPECT_EQ(name_hash(v.key) % k_base_modulus, v.mod);
    EXPECT_EQ(base_addr_for_key(v.key), v.base);
  }
}

TEST(NameHash, Section10_2IntermediateHashes) {
  const std::pair<std::string, uint64_t> vectors[] = {
      {"Batteries", 0xdfa570e2c088de46ULL},
      {"Batteries.Data", 0x0c8ba9288b3afab1ULL},
      {"Batteries.Data.Char", 0x7dcf6595af0da740ULL},
      {"Batteries.Data.Char.ir", 0xd6c2322b9708897aULL},
      {"_private", 0x99c1c622504bd667ULL},
      {"_private.Lean", 0x8facd612827e125aULL},
      {"_private.Lean.Compiler", 0x14d766ac1ce3f548ULL},
      {"_private.Lean.Compiler.ModPkgExt", 0xe69babe51e1bcc4bULL},
      {"_uniq", 0x37374acaaaa28dedULL},
      {"Lean.Elab", 0x9fbc175cc9f8f734ULL},
      {"Lean.Elab.1", 0x178680d40dbd0fc1ULL},
  };
  for (const auto& [n, h] : vectors) EXPECT_EQ(name_hash(parsed(n)), h) << n;
  EXPECT_EQ(base_addr_for_key(parsed("Lean.Elab.1")), 0x6bd40dbd0000ULL);
}

TEST(NameHash, Section10_2OtherCorpusKeys) {
  const std::pair<std::string, uint64_t> vectors[] = {
      {"Batteries.Classes.Cast", 0x29023b9e0000ULL},
      {"Batteries.Classes.Cast.ir", 0x35ea7bcc0000ULL},
      {"Batteries.Data.Array.Init.Lemmas", 0x05ddcb8c0000ULL},
      {"Batteries.Data.Array.Init.Lemmas.ir", 0x6907620f0000ULL},
      {"Batteries.Data.Random.MersenneTwister", 0x4e67f6930000ULL},
      {"Batteries.Data.Random.MersenneTwister.ir", 0x02d3b1ef0000ULL},
      {"SSC.NormalForms", 0x04fb6fe40000ULL},
      {"LeaningIntoGroupTheory", 0x7aa0997c0000ULL},
      {"AES.Cipher", 0x655c52c00000ULL},
      {"LeanPlayground", 0x475a18dd0000ULL},
  };
  for (const auto& [n, base] : vectors) EXPECT_EQ(base_addr_for_key(parsed(n)), base) << n;
}

TEST(NameHash, Section10_3ChainedBases) {
  struct Chain {
    const char* key;
    uint64_t base[3];
    uint64_t size[2];
  };
  const Chain chains[] = {
      {"Batteries.Classes.Cast", {0x29023b9e0000ULL, 0x29023b9f0000ULL, 0x29023ba00000ULL}, {26280, 2280}},
      {"Batteries.Data.Char", {0x7e95af0d0000ULL, 0x7e95af0e0000ULL, 0x7e95af0f0000ULL}, {25048, 96}},
      {"Batteries.Data.Array.Init.Lemmas", {0x05ddcb8c0000ULL, 0x05ddcb8d0000ULL, 0x05ddcb8e0000ULL}, {24032, 1808}},
      {"Batteries.Data.Random.MersenneTwister", {0x4e67f6930000ULL, 0x4e67f6960000ULL, 0x4e67f6970000ULL}, {133240, 10632}},
  };
  for (const Chain& c : chains) {
    SCOPED_TRACE(c.key);
    EXPECT_EQ(base_addr_for_key(parsed(c.key)), c.base[0]);
    EXPECT_EQ(next_part_base(c.base[0], c.size[0]), c.base[1]);
    EXPECT_EQ(next_part_base(c.base[1], c.size[1]), c.base[2]);
  }
}

TEST(NameParse, ComponentsAndEscapes) {
  EXPECT_EQ(parsed("A.B").components.size(), 2u);
  EXPECT_TRUE(parsed("x.17").components[1].is_num);
  EXPECT_TRUE(parsed("x.18446744073709551616").components[1].num_big);  // 2^64
  EXPECT_FALSE(parsed("x.18446744073709551615").components[1].num_big);  // 2^64 - 1
  const Name quoted = parsed("\u00abA.B\u00bb.C");
  ASSERT_EQ(quoted.components.size(), 2u);
  EXPECT_EQ(quoted.components[0].str, "A.B");
  EXPECT_FALSE(parsed("\u00ab17\u00bb").components[0].is_num);
  EXPECT_FALSE(Name::parse("A..B").has_value());
  EXPECT_FALSE(Name::parse("A.").has_value());
  EXPECT_FALSE(Name::parse("\u00abA").has_value());
  EXPECT_TRUE(Name::parse("").has_value());  // anonymous
}

TEST(ArtifactKey, FromBuildPaths) {
  auto k = artifact_key_from_path(".lake/packages/batteries/.lake/build/lib/lean/Batteries/Data/Char.olean.server");
  ASSERT_TRUE(k);
  EXPECT_EQ(k->key.to_string(), "Batteries.Data.Char");
  EXPECT_EQ(k->part, 1u);
  k = artifact_key_from_path("build/lib/Main.olean");
  ASSERT_TRUE(k);
  EXPECT_EQ(k->key.to_string(), "Main");
  k = artifact_key_from_path(".lake/build/lib/lean/Batteries/Data/Char.ir");
  ASSERT_TRUE(k);
  EXPECT_EQ(k->key.to_string(), "Batteries.Data.Char.ir");
  k = artifact_key_from_path(".lake/config/[anonymous]/lakefile.olean");
  ASSERT_TRUE(k);
  EXPECT_EQ(k->key.to_string(), "lakefile");
  EXPECT_FALSE(artifact_key_from_path("Main.olean"));
  EXPECT_FALSE(artifact_key_from_path("build/lib/Main.txt"));
}

// Every v1+ corpus file's base_addr, recomputed from the key its original path implies:
// part 0 from Name.hash, part k from part k-1 (§3.4). v0 files from Feb 2023 follow the rule
// too; the May 2022 file (signatures-Main) predates it (§3.1) and is only listed.
TEST(CorpusBaseAddr, RecomputedFromModuleKeyAndPartIndex) {
  const auto rows = testsupport::load_manifest();
  std::map<std::string, const testsupport::ManifestRow*> by_path;
  for (const auto& r : rows) by_path[r["repo"] + "@" + r["commit"] + ":" + r["original_path"]] = &r;
  int checked = 0;
  for (const auto& r : rows) {
    SCOPED_TRACE(r["file"]);
    const uint64_t base = std::stoull(r["base_addr_hex"], nullptr, 16);
    const bool old_hash = r["header_version"] == "0-oleanfile" && base == 0x2eb0183b0000ULL;
    if (r["header_version"] == "0-oleanfile" && old_hash) continue;
    auto key = artifact_key_from_path(r["original_path"]);
    ASSERT_TRUE(key) << "no key derivable from " << r["original_path"];
    if (key->part == 0) {
      EXPECT_EQ(base_addr_for_key(key->key), base) << key->key.to_string();
    } else {
      const std::string path = r["original_path"];
      const std::string prev_path =
          key->part == 1 ? path.substr(0, path.size() - 7) : path.substr(0, path.size() - 8) + ".server";
      auto prev = by_path.find(r["repo"] + "@" + r["commit"] + ":" + prev_path);
      ASSERT_NE(prev, by_path.end()) << "previous part " << prev_path;
      const auto& p = *prev->second;
      EXPECT_EQ(next_part_base(std::stoull(p["base_addr_hex"], nullptr, 16), std::stoull(p["size_bytes"])), base);
    }
    ++checked;
  }
  EXPECT_GE(checked, 35);  // 36 files less the May 2022 v0 file
}

}  // namespace
}  // namespace cf
