// v3 closures across processes (FORMAT.md §2.5, §4.7, §5.5; #13891): the libraries a process
// has loaded, library resolution and its missing_library error, relocation by delta (a no-op
// when every delta is 0), and the cross-process round trip: one process compacts closures whose
// code lives in a shared library of the suite, a fresh one (the library moved) loads the file
// and calls every closure.
#include "core/closures.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "core/compactor.h"
#include "core/heap.h"
#include "core/placement.h"
#include "core/region.h"
#include "testsupport/tool_run.h"

namespace cf {
namespace {

extern "C" uint64_t closure_test_twice(uint64_t x) { return box(2 * unbox(x)); }

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / (name + "." + std::to_string(::getpid()))).string();
}

TEST(ClosureLibraries, TheMainProgramAndLibcAreLoaded) {
  const std::vector<LibraryEntry> libs = loaded_libraries();
  ASSERT_FALSE(libs.empty());
  EXPECT_TRUE(std::is_sorted(libs.begin(), libs.end(), [](const auto& a, const auto& b) { return a.base < b.base; }));
  const auto main_program = std::find_if(libs.begin(), libs.end(), [](const LibraryEntry& l) { return l.identity.empty(); });
  ASSERT_NE(main_program, libs.end()) << "the main program is named \"\"";
  const LibraryEntry* here = library_of(libs, reinterpret_cast<uint64_t>(&closure_test_twice));
  ASSERT_NE(here, nullptr);
  EXPECT_EQ(here->identity, "") << "a function of this program lies in the main program";
  EXPECT_EQ(library_of(libs, 0), nullptr);
}

// Closures whose code is in this program, saved and loaded in this process: every delta is 0,
// nothing moves, and each closure still calls its function.
TEST(ClosureRelocation, InProcessRoundTripCallsEachClosure) {
  Heap heap;
  const auto fn = reinterpret_cast<uint64_t>(&closure_test_twice);
  const uint64_t root = heap.ctor(0, std::vector<uint64_t>{heap.closure(fn, 1, {}), heap.closure(fn, 1, {})});
  CompactorOptions o;
  o.format = Format::v3;
  o.base_addr = placement::test_base(41);
  o.libraries = loaded_libraries();
  auto bytes = compact(root, o);
  ASSERT_TRUE(bytes) << bytes.error().describe();
  for (LoadPath path : {LoadPath::automatic, LoadPath::slow}) {
    LoadOptions lo;
    lo.path = path;
    auto r = Region::load_bytes("closures", bytes.value(), {}, lo);
    ASSERT_TRUE(r) << r.error().describe();
    EXPECT_TRUE(r->closure_relocation().is_identity());
    const auto* ctor = reinterpret_cast<const uint8_t*>(r->root());
    for (int i = 0; i < 2; ++i) {
      const auto* c = reinterpret_cast<const uint8_t*>(load_u64(ctor + layout::ctor_fields + 8 * i));
      const auto f = reinterpret_cast<uint64_t (*)(uint64_t)>(load_u64(c + layout::closure_fun));
      EXPECT_EQ(unbox(f(box(21))), 42u);
    }
  }
}

// A library that sits elsewhere in the loading process: every m_fun moves by its library's
// delta, on both paths, and the fast path without validation patches them too.
TEST(ClosureRelocation, EveryFunctionMovesByItsLibrarysDelta) {
  Heap heap;
  const uint64_t root =
      heap.ctor(0, std::vector<uint64_t>{heap.closure(0x500010, 2, {}), heap.closure(0x900020, 2, {}),
                                         heap.closure(0x500040, 2, {})});
  CompactorOptions o;
  o.format = Format::v3;
  o.base_addr = placement::test_base(42);
  o.libraries = {{0x500000, "liba"}, {0x900000, "libb"}};
  auto bytes = compact(root, o);
  ASSERT_TRUE(bytes) << bytes.error().describe();
  struct Case {
    LoadPath path;
    bool validate;
  };
  for (const Case c : {Case{LoadPath::automatic, true}, Case{LoadPath::slow, true}, Case{LoadPath::automatic, false}}) {
    LoadOptions lo;
    lo.path = c.path;
    lo.validate = c.validate;
    lo.libraries = {{{0x7000, "libb"}, {0x510000, "liba"}, {0x1000, "other"}}};
    auto r = Region::load_bytes("moved", bytes.value(), {}, lo);
    ASSERT_TRUE(r) << r.error().describe();
    ASSERT_EQ(r->closure_relocation().deltas.size(), 2u);
    EXPECT_FALSE(r->closure_relocation().is_identity());
    const auto* ctor = reinterpret_cast<const uint8_t*>(r->root());
    const uint64_t want[] = {0x510010, 0x7020, 0x510040};
    for (int i = 0; i < 3; ++i) {
      const auto* cl = reinterpret_cast<const uint8_t*>(load_u64(ctor + layout::ctor_fields + 8 * i));
      EXPECT_EQ(load_u64(cl + layout::closure_fun), want[i]) << "closure " << i;
    }
  }
}

TEST(ClosureRelocation, ALibraryNotLoadedIsMissingLibrary) {
  Heap heap;
  const uint64_t root = heap.ctor(0, std::vector<uint64_t>{heap.closure(0x500010, 2, {})});
  CompactorOptions o;
  o.format = Format::v3;
  o.base_addr = placement::test_base(43);
  o.libraries = {{0x500000, "libgone.so"}};
  auto bytes = compact(root, o);
  ASSERT_TRUE(bytes) << bytes.error().describe();
  LoadOptions lo;
  lo.libraries = {{{0x500000, "libother.so"}}};
  auto r = Region::load_bytes("needs-libgone", bytes.value(), {}, lo);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::missing_library);
  EXPECT_EQ(r.error().message, "library required for closure relocation is not loaded in this process: 'libgone.so'");
  // The entry's base field: 96 + data_size + 4 (C) + 8 (one offset) + 4 (L).
  EXPECT_EQ(r.error().offset, 96 + load_u64(bytes.value().data() + 88) + 16);
}

std::string run(const std::vector<std::string>& args, int* code) {
  testsupport::ToolRun r = testsupport::run_regiontool(CF_CLOSURE_PROCESS, args);
  *code = r.code;
  return r.output;
}

// The cross-process test: saved in one process, loaded in a fresh one where the library lies
// elsewhere, every closure called with the expected result, on both paths.
TEST(ClosureRelocation, CrossProcessRoundTripCallsEachClosure) {
  const std::string file = temp_path("cf_closures.olean");
  int code = 0;
  const std::string saved = run({"save", file, CF_CLOSURE_LIB}, &code);
  ASSERT_EQ(code, 0) << saved;
  for (const char* path : {"auto", "slow"}) {
    const std::string out = run({"load", file, CF_CLOSURE_LIB, path}, &code);
    EXPECT_EQ(code, 0) << out;
    EXPECT_NE(out.find("closure 0: 42\nclosure 1: 12\nclosure 2: 97\nclosure 3: 5\n"), std::string::npos) << out;
    EXPECT_NE(out.find(": delta 0x"), std::string::npos) << out;
    EXPECT_EQ(out.find(": delta 0x0\n"), std::string::npos) << "the library must have moved: " << saved << out;
  }
  const std::string missing = run({"load", file, "-", "auto"}, &code);
  EXPECT_EQ(code, 1) << missing;
  EXPECT_NE(missing.find("missing_library"), std::string::npos) << missing;
  EXPECT_NE(missing.find(std::string("library required for closure relocation is not loaded in this process: '") +
                         CF_CLOSURE_LIB + "'"),
            std::string::npos)
      << missing;
  std::remove(file.c_str());
}

}  // namespace
}  // namespace cf
