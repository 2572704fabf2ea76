// The real-file corpus (corpus/real/): MANIFEST.tsv rows, EXPECTED.json entries, file bytes.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "testsupport/files.h"

namespace cf::testsupport {

/// One MANIFEST.tsv row, by column name.
struct ManifestRow {
  std::map<std::string, std::string> col;
  const std::string& operator[](const std::string& name) const { return col.at(name); }
};

std::string corpus_dir();  ///< <source>/corpus/real
std::vector<ManifestRow> load_manifest();
/// EXPECTED.json entries keyed by their "file".
std::map<std::string, nlohmann::json> load_expected();
/// The bytes of corpus/real/<relative>; throws std::runtime_error when unreadable.
std::vector<uint8_t> read_corpus_file(const std::string& relative);

/// The save chains of the manifest (same repo, commit and module stem; .olean,
/// .olean.server, .olean.private in order), each of two or three parts.
std::vector<std::vector<ManifestRow>> manifest_chains(const std::vector<ManifestRow>& rows);

}  // namespace cf::testsupport
