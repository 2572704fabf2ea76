// Lean's Name and Name.hash (FORMAT.md §3.1), and the base-address rules of a save
// (§3.2-§3.4). These bind writers; a reader takes base_addr from the header.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cf {

/// MurmurHash64A over `bytes` with `seed` (wrapping u64 arithmetic).
uint64_t murmur64a(std::span<const uint8_t> bytes, uint64_t seed);
/// Hash of a Name's string component: murmur64a(UTF-8 bytes, seed 11).
uint64_t string_hash(std::string_view s);
/// lean.h's mix step (note the XOR with M, not a third multiply).
uint64_t mix_hash(uint64_t h, uint64_t k);

/// One component of a hierarchical Name: a string, or a number (which may exceed 2^64).
struct NameComponent {
  bool is_num = false;
  std::string str;      ///< string component, unescaped
  uint64_t num = 0;     ///< numeric component when < 2^64
  bool num_big = false; ///< numeric component >= 2^64 (hashes as 17)
  bool operator==(const NameComponent&) const = default;
};

/// A Lean Name as its list of components from the root: A.B.C = [A, B, C].
struct Name {
  std::vector<NameComponent> components;

  Name& str(std::string s);
  Name& num(uint64_t n);
  Name& big_num();
  /// Parses a dotted name. Components made only of digits are numeric; «...» quotes a
  /// component containing dots. Returns nullopt for an empty component or unbalanced «».
  static std::optional<Name> parse(std::string_view dotted);
  /// Dotted text; numeric >= 2^64 components print as "(>=2^64)".
  std::string to_string() const;
  bool operator==(const Name&) const = default;
};

/// Name.hash: anonymous 1723; str and num mix in their component's hash.
uint64_t name_hash(const Name& name);

inline constexpr uint64_t k_base_modulus = 0x7f0000000000;  // 2^47 - 2^40

/// base_addr(key) = (Name.hash(key) mod 0x7f0000000000) rounded down to 64 KiB (§3.2).
uint64_t base_addr_for_key(const Name& key);
/// Base of chain part k+1 from part k's base and file size, for v2 (§3.4).
uint64_t next_part_base(uint64_t prev_base, uint64_t prev_file_size);

/// Which artifact of a module a file is, from its file name (§3.3).
enum class ArtifactKind { olean, olean_server, olean_private, ir, ir_sig, lakefile, other };

/// The save key of a module artifact and the part index within its chain.
struct ArtifactKey {
  ArtifactKind kind = ArtifactKind::other;
  Name key;          ///< M, `M ++ ir`, or `lakefile`
  unsigned part = 0; ///< 0 for .olean/.ir/lakefile; 1 for .olean.server; 2 for .olean.private
};

/// Derives module name and key from a build path such as
/// `.lake/build/lib/lean/Batteries/Data/Char.olean.server` or `build/lib/Main.olean`: the module
/// path starts after the last `lib/lean/` or else the last `lib/`. nullopt when not derivable.
std::optional<ArtifactKey> artifact_key_from_path(std::string_view path);

}  // namespace cf
