// See snapshot_mutator.h.
#include "harness/snapshot_mutator.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/region_mutator.h"
#include "oracles/snapshot_input.h"

namespace cf::fuzz {
namespace {

using nlohmann::json;

size_t below(std::mt19937_64& rng, size_t n) { return n == 0 ? 0 : static_cast<size_t>(rng() % n); }

// The keys a sidecar entry may hold (§6.2): the five parts, the four upstream ignores, and
// misspellings a reader must reject.
constexpr const char* k_keys[] = {"olean", "oleanServer", "oleanPrivate", "irSig", "ir", "lean", "ilean",
                                  "c",     "bc",          "oleen",        "",      "Olean"};

// A reference to module file `k`, or (one time in eight) to a file that is not there.
std::string file_ref(std::mt19937_64& rng, size_t files) {
  if (files == 0 || below(rng, 8) == 0) return below(rng, 2) ? "@" + std::to_string(files + below(rng, 3)) : "/nonexistent";
  return "@" + std::to_string(below(rng, files));
}

json wrong_value(std::mt19937_64& rng) {
  switch (below(rng, 5)) {
    case 0: return nullptr;
    case 1: return 7;
    case 2: return json::array({"@0"});
    case 3: return json::object();
    default: return "";
  }
}

// One structural edit of a parsed sidecar.
void edit(json& doc, size_t files, std::mt19937_64& rng) {
  if (!doc.is_array() || below(rng, 20) == 0) {  // the document's shape itself
    doc = below(rng, 2) ? json::array({doc}) : json(json::object({{"olean", file_ref(rng, files)}}));
    return;
  }
  const size_t n = doc.size();
  const size_t op = below(rng, 9);
  if (n == 0 || op == 0) {  // a new module
    json m = json::object();
    for (size_t k = 0, parts = 1 + below(rng, 3); k < parts; ++k) m[k_keys[below(rng, 5)]] = file_ref(rng, files);
    doc.insert(doc.begin() + static_cast<std::ptrdiff_t>(below(rng, n + 1)), m);
    return;
  }
  const size_t i = below(rng, n), j = below(rng, n);
  json& entry = doc[i];
  switch (op) {
    case 1: doc.erase(doc.begin() + static_cast<std::ptrdiff_t>(i)); return;  // a module dropped
    case 2: doc.push_back(doc[i]); return;                                     // listed twice
    case 3: std::swap(doc[i], doc[j]); return;                                 // reordered
    default: break;
  }
  if (!entry.is_object() || entry.empty()) {
    entry = json::object({{k_keys[below(rng, 5)], file_ref(rng, files)}});
    return;
  }
  auto field = entry.begin();
  std::advance(field, static_cast<std::ptrdiff_t>(below(rng, entry.size())));
  const std::string key = field.key();
  switch (op) {
    case 4: {  // renamed to another key
      json value = field.value();
      entry.erase(key);
      entry[k_keys[below(rng, std::size(k_keys))]] = std::move(value);
      return;
    }
    case 5: field.value() = file_ref(rng, files); return;  // another file
    case 6: entry.erase(key); return;                      // a part dropped
    case 7: field.value() = wrong_value(rng); return;
    default: entry[k_keys[below(rng, 5)]] = file_ref(rng, files); return;  // a part added or replaced
  }
}

}  // namespace

std::string mutate_sidecar(const std::string& text, size_t files, std::mt19937_64& rng) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) {
    std::vector<uint8_t> bytes(text.begin(), text.end());
    byte_mutate(bytes, text.size() + 64, rng);
    return {bytes.begin(), bytes.end()};
  }
  edit(doc, files, rng);
  return doc.dump();
}

size_t mutate_snapshot(uint8_t* data, size_t size, size_t max_size, unsigned seed) {
  std::mt19937_64 rng(seed);
  oracles::SnapshotInput in = oracles::decode_snapshot_input({data, size});
  const size_t action = below(rng, 12);
  if (action == 0) {  // the flags: the worker count
    in.flags = static_cast<uint8_t>(in.flags ^ (1u << below(rng, 2)));
  } else if (action <= 3) {
    in.sidecar = mutate_sidecar(in.sidecar, in.files.size(), rng);
  } else if (action == 4) {
    std::vector<uint8_t> bytes(in.sidecar.begin(), in.sidecar.end());
    byte_mutate(bytes, in.sidecar.size() + 64, rng);
    in.sidecar.assign(bytes.begin(), bytes.end());
  } else if (action == 5 && !in.files.empty()) {  // the set and order of module files
    const size_t i = below(rng, in.files.size()), j = below(rng, in.files.size());
    switch (below(rng, 3)) {
      case 0: in.files.erase(in.files.begin() + static_cast<std::ptrdiff_t>(i)); break;
      case 1: in.files.push_back(in.files[i]); break;
      default: std::swap(in.files[i], in.files[j]); break;
    }
  } else if (action == 11) {  // the engine's own mutation of the whole container
    std::vector<uint8_t> all(data, data + size);
    byte_mutate(all, max_size, rng);
    const size_t n = std::min(all.size(), max_size);
    std::memcpy(data, all.data(), n);
    return n;
  } else {  // one module file or the snapshot, at the object level
    std::vector<RegionView> views;
    const bool snapshot = in.files.empty() || action >= 8;
    const size_t k = snapshot ? in.files.size() : below(rng, in.files.size());
    for (size_t d = 0; d < in.files.size(); ++d)
      if (d != k) views.push_back(view_of(in.files[d]));
    std::vector<uint8_t>& target = snapshot ? in.snapshot : in.files[k];
    const size_t others = size > target.size() ? size - target.size() : 0;
    mutate_region(target, max_size > others ? max_size - others : 0, views, rng);
  }
  const std::vector<uint8_t> out = oracles::encode_snapshot_input(in);
  if (out.size() > max_size) return size;  // cannot grow past the engine's limit: unchanged
  std::memcpy(data, out.data(), out.size());
  return out.size();
}

}  // namespace cf::fuzz
