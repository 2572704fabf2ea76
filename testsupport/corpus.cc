// See corpus.h.
#include "testsupport/corpus.h"

#include "testsupport/files.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace cf::testsupport {

std::string corpus_dir() { return std::string(CF_SOURCE_DIR) + "/corpus/real"; }

std::vector<uint8_t> read_corpus_file(const std::string& relative) { return read_file(corpus_dir() + "/" + relative); }

static std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  std::string cell;
  while (std::getline(ss, cell, '\t')) out.push_back(cell);
  return out;
}

std::vector<ManifestRow> load_manifest() {
  std::ifstream in(corpus_dir() + "/MANIFEST.tsv");
  if (!in) throw std::runtime_error("cannot open MANIFEST.tsv");
  std::string line;
  std::getline(in, line);
  const std::vector<std::string> names = split_tabs(line);
  std::vector<ManifestRow> rows;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const std::vector<std::string> cells = split_tabs(line);
    if (cells.size() != names.size()) throw std::runtime_error("MANIFEST row with wrong column count: " + line);
    ManifestRow row;
    for (size_t i = 0; i < names.size(); ++i) row.col[names[i]] = cells[i];
    rows.push_back(std::move(row));
  }
  return rows;
}

std::map<std::string, nlohmann::json> load_expected() {
  std::ifstream in(corpus_dir() + "/EXPECTED.json");
  if (!in) throw std::runtime_error("cannot open EXPECTED.json");
  nlohmann::json all = nlohmann::json::parse(in);
  std::map<std::string, nlohmann::json> out;
  for (auto& e : all) out[e.at("file").get<std::string>()] = e;
  return out;
}

std::vector<std::vector<ManifestRow>> manifest_chains(const std::vector<ManifestRow>& rows) {
  std::vector<std::vector<ManifestRow>> chains;
  for (const ManifestRow& r : rows) {
    const std::string& path = r["original_path"];
    const std::string suffix = ".olean";
    if (path.size() < suffix.size() || path.compare(path.size() - suffix.size(), suffix.size(), suffix) != 0) continue;
    std::vector<ManifestRow> chain{r};
    for (const char* part : {".server", ".private"})
      for (const ManifestRow& s : rows)
        if (s["repo"] == r["repo"] && s["commit"] == r["commit"] && s["original_path"] == path + part) chain.push_back(s);
    if (chain.size() > 1) chains.push_back(std::move(chain));
  }
  return chains;
}

}  // namespace cf::testsupport
