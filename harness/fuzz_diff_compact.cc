// fuzz_diff_compact: the compaction differential against in-process modules
// (docs/differential-modules.md). Input: fuzz_roundtrip's (oracles/roundtrip_input.h: knobs
// from the tail, the generator's seed from all of it), so every input is a valid graph; it is
// written as a graph document (docs/graph-model.md: oracles::dump_memory_graph plus the save
// options) that the reference (modules/reference_ops.h) and every CF_MODULES module compact
// with each strategy. Oracle: conformance (oracles/conform.h), op "compact": the same parts
// byte for byte, or the same rejection class; a finding prints "fuzz_diff_compact: module
// <name> (<path>) disagrees with the reference on the <strategy> strategy: <reason>" (the
// reason names the part and its first differing byte) and aborts. Always: the document
// compacts to what the generated heap compacts to, so a disagreement is the module's and not
// the document's. Without modules: the reference's two strategies are judged against each other.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/compactor.h"
#include "core/layout.h"
#include "harness/diff_modules.h"
#include "oracles/conform.h"
#include "oracles/graph_dump.h"
#include "oracles/roundtrip_input.h"

namespace {

using cf::oracles::Answer;
using nlohmann::json;

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

// The generated graph as a document: the model dump (identity sharing only, as the heap holds
// it) with the options it is saved with, which roundtrip_case keeps in graph.options.
json document_of(const cf::oracles::RoundTripCase& c) {
  const cf::CompactorOptions& o = c.graph.options;
  json doc = cf::oracles::dump_memory_graph(c.graph.roots, {}, c.graph.gmp, false);
  doc.erase("deps");
  for (size_t k = 0; k < doc["parts"].size(); ++k) {
    json& part = doc["parts"][k];
    part["format"] = std::string(cf::format_name(o.format));
    part["flags"] = o.flags;
    if (k == 0) part["base_addr"] = hex(o.base_addr);
  }
  json libraries = json::array();
  for (const cf::LibraryEntry& l : o.libraries) libraries.push_back({{"base", hex(l.base)}, {"identity", l.identity}});
  if (!libraries.empty()) doc["libraries"] = std::move(libraries);
  return doc;
}

// The generated heap compacted directly, part by part, as an Answer.
Answer heap_answer(const cf::oracles::RoundTripCase& c, cf::Strategy strategy) {
  cf::CompactorOptions o = c.graph.options;
  o.strategy = strategy;
  cf::Compactor compactor(o);
  Answer a;
  for (const uint64_t root : c.graph.roots) {
    auto image_or = compactor.save(root);
    if (!image_or) {
      a.status = Answer::Status::rejected;
      a.error_class = std::string(cf::error_name(image_or.error().code));
      return a;
    }
    a.images.push_back(std::move(image_or.value()));
  }
  a.status = Answer::Status::bytes;
  return a;
}

[[noreturn]] void reference_finding(const char* what, const std::string& reason) {
  std::fprintf(stderr, "fuzz_diff_compact: %s: %s\n", what, reason.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  cf::fuzz::diff_modules("fuzz_diff_compact");  // open them before the first input, once
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<cf::fuzz::DiffModule>& modules = cf::fuzz::diff_modules("fuzz_diff_compact");
  const std::vector<uint8_t> bytes(data, data + size);
  const cf::oracles::RoundTripCase c = cf::oracles::roundtrip_case(bytes);
  const std::string document = document_of(c).dump();
  cf::oracles::ConformCase cc;
  cc.op = "compact";
  cc.compare_classes = true;
  std::vector<Answer> reference;  // per strategy
  for (const cf::Strategy strategy : {cf::Strategy::worklist, cf::Strategy::recursive}) {
    const std::string what = "the " + std::string(cf::strategy_name(strategy)) + " strategy";
    cc.name = "fuzz_diff_compact." + std::string(cf::strategy_name(strategy));
    reference.push_back(cf::modules::reference_compact(document, {}, std::nullopt, strategy, std::nullopt));
    const Answer& ref = reference.back();
    if (ref.status != Answer::Status::bytes && ref.status != Answer::Status::rejected)
      reference_finding("the reference cannot read the generated document", ref.detail);
    for (const cf::fuzz::DiffModule& m : modules) {
      const Answer got = cf::fuzz::module_compact(m, document, {}, std::nullopt, strategy, std::nullopt);
      cc.compare_classes = m.error_classes;
      const cf::oracles::Verdict v = cf::oracles::judge_conformance(cc, ref, got);
      if (v.outcome == cf::oracles::Outcome::finding) cf::fuzz::report_disagreement("fuzz_diff_compact", m, what, v.reason);
    }
  }
  cc.compare_classes = true;
  const cf::oracles::Verdict faithful = cf::oracles::judge_conformance(cc, heap_answer(c, cf::Strategy::worklist), reference[0]);
  if (faithful.outcome == cf::oracles::Outcome::finding)
    reference_finding("the graph document does not compact as the generated heap does", faithful.reason);
  if (modules.empty()) {
    const cf::oracles::Verdict v = cf::oracles::judge_conformance(cc, reference[0], reference[1]);
    if (v.outcome == cf::oracles::Outcome::finding)
      reference_finding("the reference's recursive strategy disagrees with its worklist strategy", v.reason);
  }
  return 0;
}
