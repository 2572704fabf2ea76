// See closures.h.
#include "core/closures.h"

#include <link.h>

#include <algorithm>
#include <string>

#include "core/fail.h"

namespace cf {

std::vector<LibraryEntry> loaded_libraries() {
  std::vector<LibraryEntry> out;
  dl_iterate_phdr(
      [](struct dl_phdr_info* info, size_t, void* data) -> int {
        auto* libs = static_cast<std::vector<LibraryEntry>*>(data);
        libs->push_back({static_cast<uint64_t>(info->dlpi_addr), info->dlpi_name ? info->dlpi_name : ""});
        return 0;
      },
      &out);
  std::stable_sort(out.begin(), out.end(), [](const LibraryEntry& a, const LibraryEntry& b) { return a.base < b.base; });
  return out;
}

const LibraryEntry* library_of(std::span<const LibraryEntry> by_base, uint64_t address) {
  auto it = std::upper_bound(by_base.begin(), by_base.end(), address,
                             [](uint64_t a, const LibraryEntry& l) { return a < l.base; });
  return it == by_base.begin() ? nullptr : &*(it - 1);
}

std::vector<LibraryEntry> saved_libraries(std::span<const std::vector<uint8_t>> files) {
  std::vector<LibraryEntry> out;
  HeaderOptions any;
  any.flags = FlagsPolicy::declared;
  for (const std::vector<uint8_t>& f : files) {
    auto header = parse_file_layout(f, any);
    if (!header) continue;
    for (const LibraryEntry& l : header->trailer.libraries)
      if (std::find(out.begin(), out.end(), l) == out.end()) out.push_back(l);
  }
  return out;
}

bool ClosureRelocation::is_identity() const {
  return std::all_of(deltas.begin(), deltas.end(), [](const auto& d) { return d.second == 0; });
}

Result<ClosureRelocation> resolve_libraries(const FileHeader& h, std::span<const LibraryEntry> loaded) {
  ClosureRelocation r;
  const auto& saved = h.trailer.libraries;
  for (size_t i = 0; i < saved.size(); ++i) {
    auto it = std::find_if(loaded.begin(), loaded.end(), [&](const LibraryEntry& l) { return l.identity == saved[i].identity; });
    if (it == loaded.end())
      return fail(ErrorCode::missing_library, library_entry_offset(h, i),
                  "library required for closure relocation is not loaded in this process: '%s'",
                  saved[i].identity.c_str());
    r.deltas.emplace_back(saved[i].base, it->base - saved[i].base);  // mod 2^64
  }
  std::stable_sort(r.deltas.begin(), r.deltas.end());
  return r;
}

Status check_closure_offsets(const FileHeader& h) {
  const uint64_t table = h.data_start() + h.data_size + 4;
  for (size_t i = 0; i < h.trailer.closure_offsets.size(); ++i) {
    const uint64_t off = h.trailer.closure_offsets[i];
    if (off % 8 != 0 || h.data_size < 8 || off > h.data_size - 8)
      return fail(ErrorCode::closure_offset_out_of_range, table + 8 * i,
                  "closure offset %llu is outside the data or misaligned", static_cast<unsigned long long>(off));
  }
  return Ok{};
}

uint64_t relocate_closures(uint8_t* file, const FileHeader& h, const ClosureRelocation& r) {
  if (r.is_identity()) return 0;
  uint64_t work = 0;
  for (const uint64_t off : h.trailer.closure_offsets) {
    uint8_t* fun = file + h.data_start() + off;
    const uint64_t fn = load_u64(fun);
    auto it = std::upper_bound(r.deltas.begin(), r.deltas.end(), fn,
                               [](uint64_t a, const std::pair<uint64_t, uint64_t>& d) { return a < d.first; });
    if (it != r.deltas.begin()) store_u64(fun, fn + (it - 1)->second);  // none below: left as is (§5.5)
    ++work;
  }
  return work;
}

}  // namespace cf
