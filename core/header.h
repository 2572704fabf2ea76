// File headers of every format generation (FORMAT.md §2): detection, parsing with every
// field checked in the order of §8.2 (steps 1-3), and byte-exact serialisation.
// Opaque fields (version string, githash) are kept as raw bytes and written back unchanged.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/layout.h"
#include "core/result.h"

namespace cf {

/// One entry of the v3 library table (§2.5).
struct LibraryEntry {
  uint64_t base = 0;     ///< load base in the saving process
  std::string identity;  ///< dl_iterate_phdr name etc.; no NUL
  bool operator==(const LibraryEntry&) const = default;
};

/// The v3 closure trailer (§2.5). Structure only; semantics are checked by the walker.
struct V3Trailer {
  std::vector<uint64_t> closure_offsets;  ///< relative to D = 96
  std::vector<LibraryEntry> libraries;
  bool operator==(const V3Trailer&) const = default;
};

/// Everything a header says, in every generation.
struct FileHeader {
  Format format = Format::v2;
  uint8_t flags = k_flag_gmp;  ///< v2/v3 byte 6; v0/v1 have none and use GMP mpz
  std::array<uint8_t, k_version_string_size> version_string{};  ///< v2/v3, opaque
  std::array<uint8_t, k_githash_size_v1> githash{};  ///< v1: 42 bytes; v2/v3: first 40
  uint64_t base_addr = 0;
  uint64_t file_size = 0;
  uint64_t data_size = 0;  ///< bytes of the data section, root slot included
  V3Trailer trailer;       ///< v3 only

  /// D: file offset of the root slot (24, 56, 88 or 96).
  uint64_t data_start() const;
  /// mpz objects use the GMP layout (flags bit 0; always for v0/v1).
  bool gmp() const { return format <= Format::v1 || (flags & k_flag_gmp) != 0; }
  /// Version byte at offset 5 (v1..v3), 0 for v0.
  uint8_t version_byte() const { return format == Format::v0 ? 0 : static_cast<uint8_t>(format); }
  /// Version string up to its first NUL ("" before v2).
  std::string version_string_text() const;
  /// Githash up to its first NUL ("" for v0).
  std::string githash_text() const;
  /// Whether each opaque text field is NUL-padded (only NULs after the first NUL).
  bool opaque_fields_nul_padded() const;
};

/// Which flags byte a reader accepts (§8.3 H4).
enum class FlagsPolicy : uint8_t {
  expected,  ///< the whole byte must equal HeaderOptions::expected_flags: how a runtime reads
  declared,  ///< whatever the file declares: how oracles judge files of any configuration
};

/// What the reader accepts (§5.10, §8.3 H3-H5).
struct HeaderOptions {
  FlagsPolicy flags = FlagsPolicy::expected;
  uint8_t expected_flags = k_flag_gmp;  ///< with FlagsPolicy::expected (H4); every real file has 0x01
  bool current_only = false;            ///< accept only v2/v3, as current upstream does (H3)
  std::optional<std::string> expected_githash;  ///< exact match when set (H5)
};

/// Parses and checks the header (§8.2 step 1, and v3's data_size) from the file's first bytes.
/// `prefix` may be shorter than the file; `file_size` is the whole file's size.
Result<FileHeader> parse_header(std::span<const uint8_t> prefix, uint64_t file_size,
                                const HeaderOptions& options);

/// §8.2 step 2 for a v3 header parse_header returned: the trailer's structure (T1, T2), read
/// from the whole file into header->trailer.
Status parse_trailer(std::span<const uint8_t> file, FileHeader* header);
/// §8.2 step 3: the data section holds the root slot and whole words (D1, D2).
Status check_data_section(const FileHeader& header);
/// The file offset of library entry `i` (its base field) of a trailer parse_trailer read.
uint64_t library_entry_offset(const FileHeader& header, size_t i);

/// The rest of §8.2 steps 2-3 for a header parse_header returned: parse_trailer (v3), then
/// check_data_section. (The loader resolves a v3 file's libraries between the two.)
Status complete_layout(std::span<const uint8_t> file, FileHeader* header);

/// parse_header + complete_layout (§8.2 steps 1-3), for a whole file in memory.
Result<FileHeader> parse_file_layout(std::span<const uint8_t> file, const HeaderOptions& options);

/// The header bytes [0, D) exactly as a writer emits them (v3: including data_size).
std::vector<uint8_t> serialize_header(const FileHeader& header);
/// The v3 trailer bytes, exactly as §2.5 lays them out.
std::vector<uint8_t> serialize_trailer(const V3Trailer& trailer);

}  // namespace cf
