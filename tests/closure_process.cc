// closure_process: one side of the cross-process closure test (tests/closure_test.cc). It
// saves closures whose code lives in cf_closure_lib, or, in a fresh process where ASLR (and a
// reservation of the old base) put the library somewhere else, loads them, relocates them
// (FORMAT.md §5.5) and calls each one.
//
//   closure_process save FILE LIB          prints "saved <n> closures, library base 0x..."
//   closure_process load FILE LIB PATH     PATH: auto or slow; prints "delta 0x...", then one
//                                          "closure <i>: <result>" line per closure
//   closure_process load FILE - PATH       the same without loading LIB: a missing_library
//
// Exit 0 done, 1 the load was rejected (its error on stdout), 2 usage or setup failure.
#include <dlfcn.h>
#include <sys/mman.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "core/closures.h"
#include "core/compactor.h"
#include "core/heap.h"
#include "core/io.h"
#include "core/placement.h"
#include "core/region.h"

namespace {

using Fun2 = uint64_t (*)(uint64_t, uint64_t);
using Fun3 = uint64_t (*)(uint64_t, uint64_t, uint64_t);

int usage() {
  std::fprintf(stderr, "usage: closure_process save FILE LIB | load FILE LIB|- auto|slow\n");
  return 2;
}

void* open_library(const char* lib) {
  void* handle = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) std::fprintf(stderr, "closure_process: dlopen %s: %s\n", lib, dlerror());
  return handle;
}

int save(const char* file, const char* lib) {
  void* handle = open_library(lib);
  if (handle == nullptr) return 2;
  const auto add = reinterpret_cast<uint64_t>(dlsym(handle, "cf_closure_add"));
  const auto mul = reinterpret_cast<uint64_t>(dlsym(handle, "cf_closure_mul"));
  const auto sub3 = reinterpret_cast<uint64_t>(dlsym(handle, "cf_closure_sub3"));
  if (add == 0 || mul == 0 || sub3 == 0) return usage();
  cf::Heap heap;
  const uint64_t closures[] = {
      heap.closure(add, 2, std::vector<uint64_t>{cf::box(40)}),  // 40 + x
      heap.closure(mul, 2, std::vector<uint64_t>{cf::box(6)}),   // 6 * x
      heap.closure(sub3, 3, std::vector<uint64_t>{cf::box(100), cf::box(1)}),  // 100 - 1 - x
      heap.closure(add, 2, {}),                                  // x + y
  };
  const uint64_t root = heap.ctor(0, closures);
  cf::CompactorOptions o;
  o.format = cf::Format::v3;
  o.base_addr = cf::placement::test_base(40);
  o.libraries = cf::loaded_libraries();  // the saving process's libraries (§4.7)
  auto bytes = cf::compact(root, o);
  if (!bytes) {
    std::printf("%s\n", bytes.error().describe().c_str());
    return 1;
  }
  if (auto st = cf::write_file_atomic(file, bytes.value()); !st) {
    std::fprintf(stderr, "closure_process: %s\n", st.error().describe().c_str());
    return 2;
  }
  const cf::LibraryEntry* at = cf::library_of(o.libraries, add);
  std::printf("saved 4 closures, library %s base 0x%llx\n", at->identity.c_str(), static_cast<unsigned long long>(at->base));
  return 0;
}

// Keeps the saved library bases unmappable, so the library must land elsewhere when opened.
void reserve_saved_bases(const char* file) {
  auto bytes = cf::read_file(file);
  if (!bytes) return;
  auto header = cf::parse_file_layout(bytes.value(), {});
  if (!header) return;
  for (const cf::LibraryEntry& l : header->trailer.libraries)
    if (!l.identity.empty())
      mmap(reinterpret_cast<void*>(l.base), 1 << 20, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
}

uint64_t call(const uint8_t* closure, const std::vector<uint64_t>& rest) {
  const uint64_t fun = cf::load_u64(closure + cf::layout::closure_fun);
  const uint16_t arity = cf::load_u16(closure + cf::layout::closure_arity);
  const uint16_t fixed = cf::load_u16(closure + cf::layout::closure_num_fixed);
  std::vector<uint64_t> args;
  for (uint16_t i = 0; i < fixed; ++i) args.push_back(cf::load_u64(closure + cf::layout::closure_args + 8 * i));
  args.insert(args.end(), rest.begin(), rest.end());
  if (arity == 2) return reinterpret_cast<Fun2>(fun)(args[0], args[1]);
  return reinterpret_cast<Fun3>(fun)(args[0], args[1], args[2]);
}

int load(const char* file, const char* lib, const std::string& path) {
  reserve_saved_bases(file);
  if (std::strcmp(lib, "-") != 0 && open_library(lib) == nullptr) return 2;
  cf::LoadOptions o;
  o.path = path == "slow" ? cf::LoadPath::slow : cf::LoadPath::automatic;
  auto region = cf::Region::load_file(file, {}, o);
  if (!region) {
    std::printf("%s\n", region.error().describe().c_str());
    return 1;
  }
  for (const auto& [saved, delta] : region->closure_relocation().deltas)
    std::printf("library saved at 0x%llx: delta 0x%llx\n", static_cast<unsigned long long>(saved),
                static_cast<unsigned long long>(delta));
  const auto* root = reinterpret_cast<const uint8_t*>(region->root());
  for (int i = 0; i < 4; ++i) {
    const auto* c = reinterpret_cast<const uint8_t*>(cf::load_u64(root + cf::layout::ctor_fields + 8 * i));
    const std::vector<uint64_t> rest = i == 3 ? std::vector<uint64_t>{cf::box(2), cf::box(3)} : std::vector<uint64_t>{cf::box(2)};
    std::printf("closure %d: %llu\n", i, static_cast<unsigned long long>(cf::unbox(call(c, rest))));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::strcmp(argv[1], "save") == 0) return save(argv[2], argv[3]);
  if (argc == 5 && std::strcmp(argv[1], "load") == 0) return load(argv[2], argv[3], argv[4]);
  return usage();
}
