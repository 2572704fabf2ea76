// fuzz_chain: a save chain of 1-4 regions in one input (harness/chain_input.h): region k is
// loaded with regions 0..k-1 as its deps, the way chain parts and dep regions are (FORMAT.md
// §5.7, §6). Oracles (docs/oracles.md):
//   * dep order: loading every region with its deps permuted gives the same verdict (the same
//     region, class and offset) and an equal dump (upstream's eager dep sort, §5.7);
//   * path differential: the automatic path and the forced slow path agree, chain-wide;
//   * validate-then-walk: every accepted region's objects are read byte by byte and the whole
//     chain is dumped field by field;
//   * work bound: each region's work stays within 4 units per file word.
// The custom mutator (harness/region_mutator.h) mutates one region at the object level.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "harness/chain_input.h"
#include "harness/fuzz_check.h"
#include "harness/region_mutator.h"

#include "core/region.h"
#include "oracles/graph_dump.h"

namespace {

// What one chain load gave: the regions that loaded, or the first rejection.
struct ChainLoad {
  std::vector<std::unique_ptr<cf::Region>> regions;
  std::optional<cf::LoadError> error;
  size_t failed_at = 0;  ///< index of the rejected region when error is set
  nlohmann::json dump;   ///< canonical dump of every loaded region (accepted chains only)
};

std::string verdict_text(const ChainLoad& l) {
  if (!l.error) return "accepted";
  return "region " + std::to_string(l.failed_at) + " rejected: " + l.error->describe();
}

// Loads the chain; `order(k)` gives the dep order for region k (a permutation of 0..k-1).
template <class Order>
ChainLoad load_chain(const cf::fuzz::ChainInput& in, cf::LoadPath path, Order order) {
  ChainLoad out;
  cf::LoadOptions options;
  options.path = path;
  options.canonical = !in.lenient;
  for (size_t k = 0; k < in.regions.size(); ++k) {
    std::vector<const cf::Region*> deps;
    for (size_t d : order(k)) deps.push_back(out.regions[d].get());
    options.header.expected_flags = cf::declared_flags(in.regions[k]);
    auto r = cf::Region::load_bytes("region " + std::to_string(k), in.regions[k], deps, options);
    if (!r) {
      out.error = r.take_error();
      out.failed_at = k;
      return out;
    }
    out.regions.push_back(std::make_unique<cf::Region>(std::move(r.value())));
  }
  std::vector<const cf::Region*> parts;
  for (const auto& r : out.regions) parts.push_back(r.get());
  out.dump = cf::oracles::dump_graph(parts, {});
  return out;
}

std::vector<size_t> identity(size_t k) {
  std::vector<size_t> v(k);
  for (size_t i = 0; i < k; ++i) v[i] = i;
  return v;
}

void check_same(const ChainLoad& a, const ChainLoad& b, const char* what) {
  CF_CHECK(a.error.has_value() == b.error.has_value(), "%s: %s, but %s", what, verdict_text(a).c_str(),
           verdict_text(b).c_str());
  if (a.error) {
    CF_CHECK(a.failed_at == b.failed_at && a.error->code == b.error->code && a.error->offset == b.error->offset,
             "%s: %s, but %s", what, verdict_text(a).c_str(), verdict_text(b).c_str());
  } else {
    CF_CHECK(a.dump == b.dump, "%s: the dumps differ", what);
  }
}

uint64_t touch_every_byte(const cf::Region& r) {
  uint64_t sum = 0;
  for (const cf::ObjectRecord& o : r.summary().object_list)
    for (uint64_t i = 0; i < o.size; ++i) sum += r.begin()[o.offset + i];
  return sum;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // decode_chain copies every region into its own exact-size vector: ASan sees over-reads.
  const cf::fuzz::ChainInput in = cf::fuzz::decode_chain({data, size});

  ChainLoad automatic = load_chain(in, cf::LoadPath::automatic, identity);
  for (const auto& r : automatic.regions) {
    touch_every_byte(*r);
    CF_CHECK(r->work() <= 4 * (r->size() / 8 + 1), "%s: work %llu over 4 units per word", r->name().c_str(),
             static_cast<unsigned long long>(r->work()));
  }
  // Release the automatic load before the others, so they can take the fast path too.
  ChainLoad first{{}, automatic.error, automatic.failed_at, automatic.dump};
  automatic.regions.clear();

  const ChainLoad slow = load_chain(in, cf::LoadPath::slow, identity);
  check_same(first, slow, "path differential (automatic vs slow)");

  if (in.regions.size() > 2) {  // with 3+ regions the dep list of the last ones can be reordered
    std::minstd_rand rng(in.order_seed + 1u);
    const auto permuted = [&](size_t k) {
      std::vector<size_t> v = identity(k);
      if (in.order_seed & 1) std::reverse(v.begin(), v.end());
      else std::shuffle(v.begin(), v.end(), rng);
      return v;
    };
    ChainLoad shuffled = load_chain(in, cf::LoadPath::automatic, permuted);
    check_same(first, shuffled, "dep order (identity vs permuted)");
  }
  return 0;
}

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  return cf::fuzz::mutate_chain(data, size, max_size, seed);
}
