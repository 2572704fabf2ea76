// fuzz_diff_load: the load differential against in-process modules (docs/differential-modules.md).
// Input: one region file; or "CFCH" and a chain container (oracles/chain_input.h) whose
// first D regions are deps and the rest one save chain, D = byte 0's bits 3-4, at most
// count - 1 (the container's lenient bit is ignored: modules validate as the runtime does).
// Oracle: conformance (oracles/conform.h). On the automatic and on the slow path, the
// reference's answer in process (modules/reference_ops.h) and each CF_MODULES module's answer
// through the ABI are judged by judge_conformance (classes and offsets compared for modules
// with CF_MODULE_CAP_ERROR_CLASSES, only the verdict for others); a finding
// prints "fuzz_diff_load: module <name> (<path>) disagrees with the reference on the <path>
// path: <reason>" and aborts. Without modules, the reference's two paths are judged against
// each other. The custom mutator is fuzz_load's (one file) or fuzz_chain's (the container).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "harness/diff_modules.h"
#include "harness/region_mutator.h"
#include "oracles/chain_input.h"
#include "oracles/conform.h"

namespace {

using cf::modules::InputFile;
using cf::oracles::Answer;

constexpr char k_chain_tag[] = "CFCH";
constexpr size_t k_tag_size = 4;

bool is_chain(const uint8_t* data, size_t size) {
  return size >= k_tag_size && std::memcmp(data, k_chain_tag, k_tag_size) == 0;
}

// The regions of one input (exact-size copies) and how many of them are deps.
struct DiffLoadInput {
  std::vector<std::vector<uint8_t>> regions;
  size_t deps = 0;
};

DiffLoadInput decode(const uint8_t* data, size_t size) {
  DiffLoadInput in;
  if (!is_chain(data, size)) {
    in.regions.emplace_back(data, data + size);
    return in;
  }
  const std::span<const uint8_t> rest(data + k_tag_size, size - k_tag_size);
  cf::oracles::ChainInput chain = cf::oracles::decode_chain(rest);
  in.regions = std::move(chain.regions);
  in.deps = std::min<size_t>(chain.order_seed & 3u, in.regions.size() - 1);
  return in;
}

std::string describe(cf::LoadPath path, const DiffLoadInput& in) {
  std::string s = "the " + std::string(cf::load_path_name(path)) + " path";
  if (in.regions.size() > 1)
    s += " (" + std::to_string(in.regions.size() - in.deps) + " part(s), " + std::to_string(in.deps) + " dep(s))";
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  cf::fuzz::diff_modules("fuzz_diff_load");  // open them before the first input, once
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<cf::fuzz::DiffModule>& modules = cf::fuzz::diff_modules("fuzz_diff_load");
  const DiffLoadInput in = decode(data, size);
  std::vector<InputFile> deps, files;
  for (size_t k = 0; k < in.regions.size(); ++k)
    (k < in.deps ? deps : files).push_back({"region " + std::to_string(k), in.regions[k]});
  cf::oracles::ConformCase c;
  c.op = "load";
  c.compare_classes = true;
  std::vector<Answer> reference;  // per path, for the reference-only judgement
  for (const cf::LoadPath path : {cf::LoadPath::automatic, cf::LoadPath::slow}) {
    c.name = "fuzz_diff_load." + std::string(cf::load_path_name(path));
    reference.push_back(cf::modules::reference_load(files, deps, path, true));
    const Answer& ref = reference.back();
    for (const cf::fuzz::DiffModule& m : modules) {
      // Only the verdict is compared when the reference rejects: ask for no graph then.
      const Answer got = cf::fuzz::module_load(m, files, deps, path, ref.status == Answer::Status::graph);
      c.compare_classes = m.error_classes;
      const cf::oracles::Verdict v = cf::oracles::judge_conformance(c, ref, got);
      if (v.outcome == cf::oracles::Outcome::finding)
        cf::fuzz::report_disagreement("fuzz_diff_load", m, describe(path, in), v.reason);
    }
  }
  if (modules.empty()) {
    c.compare_classes = true;
    const cf::oracles::Verdict v = cf::oracles::judge_conformance(c, reference[0], reference[1]);
    if (v.outcome == cf::oracles::Outcome::finding) {
      std::fprintf(stderr, "fuzz_diff_load: the reference's slow path disagrees with its automatic path: %s\n",
                   v.reason.c_str());
      std::abort();
    }
  }
  return 0;
}

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  if (is_chain(data, size) && max_size > k_tag_size)
    return k_tag_size + cf::fuzz::mutate_chain(data + k_tag_size, size - k_tag_size, max_size - k_tag_size, seed);
  return cf::fuzz::mutate_file(data, size, max_size, seed);
}
