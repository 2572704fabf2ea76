// v3 closures across processes (FORMAT.md §2.5, §4.7, §5.5, #13891): which libraries this
// process has loaded, which of them a closure's code lies in, and how a loaded file's closures
// are moved from the saving process's library bases to this one's.
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "core/header.h"
#include "core/result.h"

namespace cf {

/// Everything the dynamic loader has mapped into this process, as closures name it: the load
/// base and the `dl_iterate_phdr` name ("" for the main program), sorted by base.
std::vector<LibraryEntry> loaded_libraries();

/// The library with the greatest base <= `address` (§4.7, §5.5) among libraries sorted by
/// base, or null when every base is above it.
const LibraryEntry* library_of(std::span<const LibraryEntry> by_base, uint64_t address);

/// The libraries the trailers of `files` (a file or a chain) list, without repeats: the saving
/// process's, as far as they show. Loading with these as LoadOptions::libraries replays that
/// process: nothing moves, so re-compacting gives the files' bytes back (real-file
/// reproduction). Files that do not parse contribute nothing.
std::vector<LibraryEntry> saved_libraries(std::span<const std::vector<uint8_t>> files);

/// How a v3 file's closures move into this process: per saved library, by saved base, the
/// delta to the library of the same identity loaded here (§5.5 steps 1-2).
struct ClosureRelocation {
  std::vector<std::pair<uint64_t, uint64_t>> deltas;  ///< (saved base, current - saved), by saved base
  /// Every delta is 0: the file's code addresses are already right here, nothing moves (#13891).
  bool is_identity() const;
};

/// Resolves every library a v3 file's trailer lists against `loaded` (exact identity match).
/// The first one not loaded is `missing_library`, with upstream's message, at its trailer entry.
Result<ClosureRelocation> resolve_libraries(const FileHeader& header, std::span<const LibraryEntry> loaded);

/// §8.3 T3 for every closure offset, for a load that skips the validating walk (which checks
/// T3-T6 and T8): nothing is patched outside the data section.
Status check_closure_offsets(const FileHeader& header);

/// §5.5 steps 3-4: adds its library's delta to every closure's m_fun, located by the trailer's
/// offsets (checked before), in the file whose byte 0 is at `file`. Returns the work done: one
/// unit per closure.
uint64_t relocate_closures(uint8_t* file, const FileHeader& header, const ClosureRelocation& relocation);

}  // namespace cf
