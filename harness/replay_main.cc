// The engine-free replay driver (STYLE.md 16): linked into every target when no fuzzing
// engine is present (ctest, coverage). Runs each file argument (directories recursively)
// through LLVMFuzzerTestOneInput once, each in an exact-size buffer; prints a count; exits
// non-zero if any file could not be read.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <vector>

#include "core/io.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

bool run_file(const std::filesystem::path& p) {
  auto bytes = cf::read_file(p.string());  // an exact-size buffer per file
  if (!bytes) {
    std::fprintf(stderr, "replay: %s\n", bytes.error().describe().c_str());
    return false;
  }
  LLVMFuzzerTestOneInput(bytes.value().data(), bytes.value().size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  size_t ran = 0, unreadable = 0;
  for (int i = 1; i < argc; ++i) {
    const fs::path arg(argv[i]);
    std::error_code ec;
    if (fs::is_directory(arg, ec)) {
      for (const auto& e : fs::recursive_directory_iterator(arg, ec))
        if (e.is_regular_file()) (run_file(e.path()) ? ran : unreadable) += 1;
    } else {
      (run_file(arg) ? ran : unreadable) += 1;
    }
  }
  std::printf("replay: %zu inputs run, %zu unreadable\n", ran, unreadable);
  return unreadable == 0 && ran > 0 ? 0 : 1;
}
