// `regiontool inspect` never crashes: every corpus file cut at every byte offset (files over
// 64 KiB: at every object boundary +-1 and 2,000 seeded random offsets), and 10,000 seeded
// random byte strings, give exit 0 or 1 with a typed error. Run under the asan preset, each
// input sits in an exact-size heap buffer so any read past its end is reported.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include "testsupport/corpus.h"
#include "tools/inspect.h"

namespace cf {
namespace {

constexpr uint64_t k_seed = 0x5eed0c0ffee;
constexpr size_t k_exhaustive_limit = 64 * 1024;

std::set<uint64_t> cut_points(const std::vector<uint8_t>& file, std::mt19937_64& rng) {
  std::set<uint64_t> cuts;
  if (file.size() <= k_exhaustive_limit) {
    for (uint64_t i = 0; i < file.size(); ++i) cuts.insert(i);
    return cuts;
  }
  tool::InspectOptions keep;
  keep.objects = true;
  auto r = tool::inspect_bytes("whole", file, keep);
  EXPECT_TRUE(r.summary.has_value());
  std::vector<uint64_t> bounds{0, 5, 6, 16, 24, 56, 88, 96, file.size()};
  if (r.summary)
    for (const ObjectRecord& o : r.summary->table.records) bounds.push_back(o.offset);
  for (uint64_t b : bounds)
    for (int64_t d : {-1, 0, 1})
      if (b + d < file.size()) cuts.insert(b + d);
  std::uniform_int_distribution<uint64_t> any(0, file.size() - 1);
  for (int i = 0; i < 2000; ++i) cuts.insert(any(rng));
  return cuts;
}

struct Tally {
  uint64_t inputs = 0, accepted = 0;
  std::map<std::string, uint64_t> by_class;
  void add(const tool::InspectReport& r) {
    ++inputs;
    if (r.error) ++by_class[std::string(error_name(r.error->code))];
    else ++accepted;
  }
  void print(const char* what) const {
    std::printf("%s: %llu inputs, %llu accepted", what, static_cast<unsigned long long>(inputs),
                static_cast<unsigned long long>(accepted));
    for (const auto& [name, n] : by_class) std::printf(", %s %llu", name.c_str(), static_cast<unsigned long long>(n));
    std::printf("\n");
  }
};

TEST(InspectRobustness, EveryCorpusFileTruncatedEverywhere) {
  std::mt19937_64 rng(k_seed);
  Tally tally;
  tool::InspectOptions canonical, lenient;
  lenient.walk.canonical = false;
  for (const auto& row : testsupport::load_manifest()) {
    SCOPED_TRACE(row["file"]);
    const auto file = testsupport::read_corpus_file(row["file"]);
    auto whole = tool::inspect_bytes(row["file"], file, canonical);
    ASSERT_EQ(whole.exit_code, tool::exit_ok);
    const uint64_t d = whole.header->data_start();
    for (uint64_t cut : cut_points(file, rng)) {
      const std::vector<uint8_t> part(file.begin(), file.begin() + static_cast<std::ptrdiff_t>(cut));
      auto r = tool::inspect_bytes(row["file"], part, canonical);
      tally.add(r);
      ASSERT_TRUE(r.exit_code == tool::exit_ok || r.exit_code == tool::exit_rejected) << cut;
      // Only a cut right after the root slot leaves a valid file: an empty part whose root lies
      // elsewhere (§4.6). Any other cut loses bytes a conforming file needs.
      if (cut == d + 8) {
        EXPECT_EQ(r.exit_code, tool::exit_ok) << cut;
      } else {
        ASSERT_TRUE(r.error.has_value()) << "accepted a cut at " << cut;
        if (cut < d + 8 || (cut - d) % 8 != 0) {
          EXPECT_EQ(r.error->code, ErrorCode::truncated) << r.error->describe();
        }
      }
      if (cut > d && (cut - d) % 8 == 0) {
        auto l = tool::inspect_bytes(row["file"], part, lenient);
        tally.add(l);
        ASSERT_TRUE(l.exit_code == tool::exit_ok || l.exit_code == tool::exit_rejected) << cut;
      }
    }
  }
  tally.print("truncations");
  EXPECT_GT(tally.inputs, 300000u);
}

// Random inputs in three families: raw bytes, a valid magic and version then noise, and a
// small real file with random byte flips (which gets past the header and into the walk).
std::vector<uint8_t> random_input(int i, std::mt19937_64& rng, const std::vector<uint8_t>& seed_file) {
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<size_t> len(0, 600);
  std::vector<uint8_t> v;
  switch (i % 3) {
    case 0: {
      v.resize(len(rng));
      for (auto& b : v) b = static_cast<uint8_t>(byte(rng));
      break;
    }
    case 1: {
      static const std::string magics[] = {"oleanfile!!!!!!!", "olean\x01", "olean\x02\x01", "olean\x03\x01"};
      const std::string& m = magics[(i / 3) % 4];
      v.assign(m.begin(), m.end());
      const size_t n = len(rng);
      for (size_t k = 0; k < n; ++k) v.push_back(static_cast<uint8_t>(byte(rng) < 160 ? 0 : byte(rng)));
      break;
    }
    default: {
      v = seed_file;
      std::uniform_int_distribution<size_t> pos(0, v.size() - 1);
      const int flips = 1 + (i % 4);
      for (int k = 0; k < flips; ++k) v[pos(rng)] ^= static_cast<uint8_t>(1u << (byte(rng) % 8));
      break;
    }
  }
  return v;
}

TEST(InspectRobustness, TenThousandRandomInputs) {
  std::mt19937_64 rng(k_seed + 1);
  const auto seed_file = testsupport::read_corpus_file(
      "cicixgliamici__a-weak-Silly-substitution-Calculus/.lake__build__lib__lean__SSC__NormalForms.olean");
  Tally tally;
  for (int i = 0; i < 10000; ++i) {
    const std::vector<uint8_t> input = random_input(i, rng, seed_file);
    auto r = tool::inspect_bytes("random", input, {});
    tally.add(r);
    ASSERT_TRUE(r.exit_code == tool::exit_ok || r.exit_code == tool::exit_rejected) << "input " << i;
    if (r.error) {
      EXPECT_FALSE(r.error->message.empty());
    }
  }
  tally.print("random inputs");
  EXPECT_EQ(tally.inputs, 10000u);
  EXPECT_GE(tally.by_class.size(), 8u);  // the inputs reach many different checks
}

// The same property through the binary: a sample of cuts of every corpus file, one process
// per corpus file, each cut a real file on disk. Exit 1 (some rejected), never a signal.
TEST(InspectRobustness, RegiontoolBinaryOnTruncatedFiles) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("cf_trunc_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  int files = 0;
  for (const auto& row : testsupport::load_manifest()) {
    const auto file = testsupport::read_corpus_file(row["file"]);
    std::string cmd = std::string(CF_REGIONTOOL) + " inspect --json";
    for (uint64_t cut = 0; cut < file.size(); cut += 1 + file.size() / 40) {
      const fs::path p = dir / ("cut_" + std::to_string(cut));
      std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(file.data()), static_cast<std::streamsize>(cut));
      cmd += " " + p.string();
      ++files;
    }
    cmd += " >/dev/null 2>&1";
    const int status = std::system(cmd.c_str());
    ASSERT_TRUE(WIFEXITED(status)) << row["file"] << ": killed by a signal";
    EXPECT_EQ(WEXITSTATUS(status), 1) << row["file"];
    for (const auto& e : fs::directory_iterator(dir)) fs::remove(e.path());
  }
  fs::remove_all(dir);
  std::printf("regiontool runs on %d truncated files\n", files);
}

}  // namespace
}  // namespace cf
