// Allocation failure at every allocation point of a load (issue 4): this binary replaces the
// global operator new so the n-th allocation after arming throws std::bad_alloc, and FaultIo
// fails the region buffer's malloc. Every n gives out_of_memory or the clean result, never a
// crash; under the asan preset, LeakSanitizer at exit proves nothing leaked on those paths.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <new>

#include "core/region.h"
#include "testsupport/corpus.h"

namespace {
long g_fail_at = -1;  // 1-based allocation number to fail after arming; -1: never
long g_count = 0;
}  // namespace

void* operator new(std::size_t n) {
  if (g_fail_at > 0 && ++g_count == g_fail_at) throw std::bad_alloc();
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
// The nothrow forms too (std::stable_sort's temporary buffer uses them), so every allocation
// and its release go through the same pair and ASan sees no new/free mismatch.
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  if (g_fail_at > 0 && ++g_count == g_fail_at) return nullptr;
  return std::malloc(n ? n : 1);
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace cf {
namespace {

// Runs `load` with the n-th operator-new allocation failing; returns the verdict.
template <typename F>
auto with_failure(long n, F load) {
  g_count = 0;
  g_fail_at = n;
  auto r = load();
  g_fail_at = -1;
  return r;
}

TEST(AllocFailure, EveryAllocationPointOfEveryChainAndFile) {
  std::vector<std::vector<std::string>> inputs;
  const auto rows = testsupport::load_manifest();
  for (const auto& chain : testsupport::manifest_chains(rows)) {
    std::vector<std::string> files;
    for (const auto& r : chain) files.push_back(testsupport::corpus_dir() + "/" + r["file"]);
    inputs.push_back(files);
  }
  for (const auto& r : rows)
    if (r["file"].ends_with(".olean") || r["file"].ends_with(".ir")) inputs.push_back({testsupport::corpus_dir() + "/" + r["file"]});
  uint64_t points = 0, oom = 0, clean = 0;
  for (const auto& files : inputs) {
    SCOPED_TRACE(files[0]);
    for (LoadPath path : {LoadPath::automatic, LoadPath::slow}) {
      LoadOptions o;
      o.path = path;
      g_count = 0;
      g_fail_at = 1L << 40;  // count without failing
      {
        auto r = load_parts(files, o);
        ASSERT_TRUE(r.ok()) << r.error().describe();
      }
      const long allocations = g_count;
      g_fail_at = -1;
      for (long n = 1; n <= allocations; ++n) {
        auto r = with_failure(n, [&] { return load_parts(files, o); });
        ++points;
        if (r.ok()) {
          ++clean;  // e.g. a failed allocation on a path that does not need it
        } else {
          EXPECT_EQ(r.error().code, ErrorCode::out_of_memory) << "allocation " << n << ": " << r.error().describe();
          ++oom;
        }
      }
      // The region buffer itself (FaultIo's malloc), each part in turn.
      for (uint64_t n = 1; n <= files.size(); ++n) {
        FaultIo io({{IoCall::malloc, n, IoEffect::no_memory}});
        LoadOptions slow = o;
        slow.path = LoadPath::slow;
        auto r = load_parts(files, slow, io);
        ASSERT_FALSE(r.ok());
        EXPECT_EQ(r.error().code, ErrorCode::out_of_memory);
        ++points;
        ++oom;
      }
    }
  }
  std::printf("allocation failure points: %llu (out_of_memory %llu, clean %llu)\n",
              static_cast<unsigned long long>(points), static_cast<unsigned long long>(oom),
              static_cast<unsigned long long>(clean));
  EXPECT_GT(oom, 0u);
}

}  // namespace
}  // namespace cf
