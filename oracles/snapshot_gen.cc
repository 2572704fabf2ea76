// See snapshot_gen.h.
#include "oracles/snapshot_gen.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <random>

#include "core/compactor.h"
#include "core/heap.h"
#include "core/name_hash.h"
#include "oracles/generator.h"

namespace cf::oracles {
namespace {

constexpr uint64_t k_granule = 0x10000;  // bases are 64 KiB aligned (§3.3); ranges compare in granules

// The saved ranges already taken, in 64 KiB granules: [first, last] by first.
class Ranges {
 public:
  bool clear(const std::vector<GeneratedFile>& files) const {
    for (const GeneratedFile& f : files) {
      const uint64_t lo = f.base_addr / k_granule, hi = (f.base_addr + f.bytes.size() - 1) / k_granule;
      auto next = taken_.upper_bound(hi);  // the first range starting past hi
      if (next != taken_.begin() && std::prev(next)->second >= lo) return false;
    }
    return true;
  }
  void take(const std::vector<GeneratedFile>& files) {
    for (const GeneratedFile& f : files)
      taken_[f.base_addr / k_granule] = (f.base_addr + f.bytes.size() - 1) / k_granule;
  }

 private:
  std::map<uint64_t, uint64_t> taken_;
};

// One chain of a module: `parts` generated with the real-file profile, saved at `key`'s base.
Status add_chain(const std::string& key, uint64_t seed, uint32_t objects, std::span<const ModulePart> parts,
                 std::array<uint32_t, 3> pct, std::vector<GeneratedFile>* out) {
  Heap heap;
  GenSpec spec = real_file_profile(seed, std::max<uint32_t>(objects, static_cast<uint32_t>(parts.size())));
  spec.parts = static_cast<uint32_t>(parts.size());
  spec.part_pct = pct;
  const GenGraph g = generate(heap, spec);
  CompactorOptions o;
  auto name = Name::parse(key);
  o.base_addr = base_addr_for_key(*name);
  o.name = key;
  Compactor c(o);
  for (size_t k = 0; k < parts.size(); ++k) {
    const uint64_t base = c.next_base();
    auto bytes = c.save(g.roots[k]);
    if (!bytes) return bytes.take_error();
    out->push_back({parts[k], base, std::move(bytes.value())});
  }
  return Ok{};
}

// Module `index` named `name`: its olean chain and its IR chain.
Result<GeneratedModule> make_module(const LibraryShape& shape, size_t index, const std::string& name, uint32_t objects) {
  GeneratedModule m;
  m.name = name;
  const uint64_t seed = shape.seed * 1000003 + index;
  constexpr ModulePart olean[] = {ModulePart::olean, ModulePart::olean_server, ModulePart::olean_private};
  if (auto st = add_chain(name, seed, objects * 8 / 10, olean, {60, 10, 30}, &m.files); !st) return st.take_error();
  const bool sig = shape.no_sig_every == 0 || index % shape.no_sig_every != shape.no_sig_every - 1;
  constexpr ModulePart with_sig[] = {ModulePart::ir_sig, ModulePart::ir};
  const std::span<const ModulePart> ir = sig ? std::span<const ModulePart>(with_sig) : std::span(with_sig + 1, 1);
  const auto pct = sig ? std::array<uint32_t, 3>{10, 90, 0} : std::array<uint32_t, 3>{100, 0, 0};
  if (auto st = add_chain(name + ".ir", seed ^ 0x1e, objects * 2 / 10, ir, pct, &m.files); !st) return st.take_error();
  return m;
}

}  // namespace

std::vector<GeneratedModule> generate_library(const LibraryShape& shape) {
  std::vector<GeneratedModule> out;
  std::mt19937_64 rng(shape.seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  const double mean_of_weight = std::exp(0.5);  // E[exp(Z)], Z ~ N(0, 1)
  Ranges taken;
  for (size_t i = 0; i < shape.modules; ++i) {
    const double weight = std::exp(normal(rng)) / mean_of_weight;
    const auto objects = static_cast<uint32_t>(std::clamp(weight * shape.mean_objects, 8.0, 1e7));
    const std::string name = shape.prefix + ".M" + std::to_string(i);
    for (unsigned retry = 0;; ++retry) {
      auto m = make_module(shape, i, retry == 0 ? name : name + "_" + std::to_string(retry), objects);
      if (!m) break;  // a generated graph always compacts; nothing to add if one did not
      if (!taken.clear(m->files)) continue;
      taken.take(m->files);
      out.push_back(std::move(m.value()));
      break;
    }
  }
  return out;
}

std::string file_name(const GeneratedModule& m, const GeneratedFile& f) { return m.name + std::string(part_suffix(f.part)); }

ModuleArtifacts artifacts_of(const GeneratedModule& m, const std::vector<std::string>& paths) {
  ModuleArtifacts a;
  for (size_t k = 0; k < m.files.size() && k < paths.size(); ++k) a.*field_of(m.files[k].part) = paths[k];
  a.base = a.olean ? *a.olean : (paths.empty() ? m.name : paths[0]);
  return a;
}

Result<std::vector<uint8_t>> snapshot_of_library(std::span<const GeneratedModule> modules,
                                                 const SnapshotSaveOptions& options) {
  std::vector<std::unique_ptr<Region>> regions;
  std::vector<const Region*> all;
  for (const GeneratedModule& m : modules) {
    std::vector<std::string> index;  // the module's files named by their index in m.files
    for (size_t k = 0; k < m.files.size(); ++k) index.push_back(std::to_string(k));
    for (const std::vector<ModuleFile>& files : module_chain_files(artifacts_of(m, index))) {
      std::vector<const Region*> chain;  // each part with its chain's earlier parts as deps (§6.3)
      for (const ModuleFile& f : files) {
        const GeneratedFile& file = m.files[std::stoul(f.path)];
        auto r = Region::load_bytes(file_name(m, file), file.bytes, chain, {});
        if (!r) return r.take_error();
        regions.push_back(std::make_unique<Region>(std::move(r.value())));
        chain.push_back(regions.back().get());
        all.push_back(regions.back().get());
      }
    }
  }
  return save_snapshot_of(all, options);
}

}  // namespace cf::oracles
