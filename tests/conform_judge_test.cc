// The conformance oracle's one judge (oracles/conform.h): every row of the table of
// docs/testee-protocol.md §4, and that each way of disagreeing is a finding that says how.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "oracles/conform.h"

namespace cf::oracles {
namespace {

using nlohmann::json;

json graph(const char* first_string = "a") {
  return {{"schema", "compactfuzz-graph/1"},
          {"parts", {{{"file", "x.olean"}, {"format", "v2"}, {"flags", 1}, {"base_addr", "0x7e8000000000"},
                      {"root", {{"ref", 1}}}}}},
          {"deps", json::array()},
          {"nodes", {{{"kind", "string"}, {"value", first_string}},
                     {{"kind", "ctor"}, {"tag", 0}, {"fields", {{{"ref", 0}}}}, {"scalars", "ABCD0000AbCd0000"}}}}};
}

Answer answer(const json& response) { return parse_answer(response, "case"); }
Answer ok_graph(const json& g) { return answer({{"id", "case"}, {"ok", true}, {"graph", g}}); }
Answer rejected(const char* cls, uint64_t offset) {
  return answer({{"id", "case"}, {"ok", false}, {"error", {{"class", cls}, {"offset", offset}}}});
}
ConformCase load_case(bool classes = true) { return {"case", "load", classes, {}, false}; }

void expect_finding(const Verdict& v, const std::string& text) {
  EXPECT_EQ(v.outcome, Outcome::finding) << v.reason;
  EXPECT_NE(v.reason.find(text), std::string::npos) << "reason: " << v.reason << "\nlacks: " << text;
  EXPECT_EQ(v.oracle, OracleId::conformance);
}

TEST(ConformJudge, EqualGraphsHoldWhateverTheFileNamesAndSpellings) {
  json other = graph();
  other["parts"][0]["file"] = "/elsewhere/y.olean";
  other["parts"][0]["base_addr"] = "0x00007E8000000000";   // a word, spelt otherwise
  other["nodes"][1]["scalars"] = "abcd0000abcd0000";     // hex bytes in another case
  other["extra"] = "ignored";
  EXPECT_EQ(judge_conformance(load_case(), ok_graph(graph()), ok_graph(other)).outcome, Outcome::holds);
}

TEST(ConformJudge, GraphsThatDifferNameTheFirstNodeOrField) {
  expect_finding(judge_conformance(load_case(), ok_graph(graph()), ok_graph(graph("b"))), "node 0");
  json base = graph();
  base["parts"][0]["base_addr"] = "0x7e8000010000";
  expect_finding(judge_conformance(load_case(), ok_graph(graph()), ok_graph(base)), "part 0 base_addr");
  json fewer = graph();
  fewer["nodes"].erase(1);
  expect_finding(judge_conformance(load_case(), ok_graph(graph()), ok_graph(fewer)), "2 nodes expected, 1 given");
}

TEST(ConformJudge, RejectionsAgreeOnClassAndOffsetWhenDeclared) {
  EXPECT_EQ(judge_conformance(load_case(), rejected("bad_magic", 0), rejected("bad_magic", 0)).outcome,
            Outcome::holds);
  expect_finding(judge_conformance(load_case(), rejected("bad_magic", 0), rejected("truncated", 0)), "rejected as truncated");
  expect_finding(judge_conformance(load_case(), rejected("bad_tag", 96), rejected("bad_tag", 104)), "offset 104");
  // Without error_classes only "rejected" is compared.
  EXPECT_EQ(judge_conformance(load_case(false), rejected("bad_tag", 96), rejected("whatever", 1)).outcome,
            Outcome::holds);
}

TEST(ConformJudge, AcceptingOrRejectingAgainstTheReferenceIsAFinding) {
  expect_finding(judge_conformance(load_case(), rejected("truncated", 1112), ok_graph(graph())),
                 "accepted what the reference rejects (truncated at offset 1112)");
  expect_finding(judge_conformance(load_case(), ok_graph(graph()), rejected("bad_magic", 0)),
                 "rejected what the reference accepts: bad_magic");
  ConformCase faulted = load_case();
  faulted.error_allowed = true;  // under the fault shim's ENOMEM a typed error is clean
  EXPECT_EQ(judge_conformance(faulted, ok_graph(graph()), rejected("out_of_memory", 0)).outcome, Outcome::holds);
}

TEST(ConformJudge, ATesteeThatDiedHungOrBrokeTheProtocolIsAFinding) {
  expect_finding(judge_conformance(load_case(), ok_graph(graph()),
                                   answer({{"runner", {{"status", "died"}, {"detail", "signal 11 (SIGSEGV)"}}}})),
                 "testee died: signal 11");
  expect_finding(judge_conformance(load_case(), ok_graph(graph()),
                                   answer({{"runner", {{"status", "timed_out"}, {"detail", "no answer after 2 s"}}}})),
                 "testee timed out");
  expect_finding(judge_conformance(load_case(), ok_graph(graph()), answer({{"id", "case"}, {"ok", "yes"}})),
                 "garbage answer: no boolean");
  expect_finding(judge_conformance(load_case(), ok_graph(graph()), answer({{"id", "other"}, {"ok", true}})),
                 "has id \"other\"");
  expect_finding(judge_conformance(load_case(), ok_graph(graph()), answer({{"id", "case"}, {"ok", true}})),
                 "without a \"graph\"");
  expect_finding(judge_conformance(load_case(), ok_graph(graph()), answer(json::array())), "not a JSON object");
}

TEST(ConformJudge, UnsupportedIsSkipped) {
  const Answer u = rejected("unsupported", 0);
  EXPECT_EQ(u.status, Answer::Status::unsupported);
  EXPECT_EQ(judge_conformance(load_case(), ok_graph(graph()), u).outcome, Outcome::not_applicable);
}

TEST(ConformJudge, CompactedPartsAreComparedByteForByte) {
  const auto dir = std::filesystem::temp_directory_path() / ("conform_judge_test." + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto write = [&](const char* name, const std::string& bytes) {
    std::ofstream(dir / name, std::ios::binary) << bytes;
    return (dir / name).string();
  };
  const std::string a = write("a", "abcdef"), b = write("b", "abcdef"), c = write("c", "abXdef"), d = write("d", "abc");
  auto files = [](std::vector<std::string> f) {
    json list = json::array();
    for (auto& x : f) list.push_back(x);
    return parse_answer({{"ok", true}, {"files", list}});
  };
  ConformCase compact{"case", "compact", true, {}, false};
  EXPECT_EQ(judge_conformance(compact, files({a}), files({b})).outcome, Outcome::holds);
  expect_finding(judge_conformance(compact, files({a}), files({c})), "first difference at offset 2");
  expect_finding(judge_conformance(compact, files({a}), files({d})), "6 bytes expected, 3 got");
  expect_finding(judge_conformance(compact, files({a}), files({a, b})), "2 part(s) written, the reference has 1");
  expect_finding(judge_conformance(compact, files({a}), files({(dir / "missing").string()})), "cannot read");
  ConformCase real = compact;
  real.expect_files = {c};  // a real file's bytes, not the reference's output
  expect_finding(judge_conformance(real, files({a}), files({b})), "against the real file");
  // The compactor's rejections compare by class only.
  EXPECT_EQ(judge_conformance(compact, rejected("closure_not_allowed", 5), rejected("closure_not_allowed", 9)).outcome,
            Outcome::holds);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace cf::oracles
