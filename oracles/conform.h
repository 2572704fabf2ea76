// The conformance oracle (docs/testee-protocol.md): another implementation of the format - a
// testee over the protocol's pipe, or an in-process differential module - is asked what the
// reference is asked, and one judge compares the two answers. Every place that reports a
// conformance verdict (the `conform` runner through `regiontool judge`, fuzz_diff_load and
// fuzz_diff_compact, ctest) calls judge_conformance.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "oracles/verdict.h"

namespace cf::oracles {

/// What one implementation answered to one request, in the protocol's terms (§3), plus what
/// the runner saw when there was no answer at all (§6).
struct Answer {
  enum class Status : uint8_t {
    graph,        ///< load / snapshot_load succeeded: `graph` holds the canonical dump
    files,        ///< compact succeeded: `files` are the parts written, in order
    bytes,        ///< compact succeeded in memory (differential modules): `images`
    rejected,     ///< {"ok": false}: `error_class`, `offset`
    unsupported,  ///< {"ok": false, "error": {"class": "unsupported"}}: the case is skipped
    died,         ///< the process exited or was killed before answering: `detail`
    timed_out,    ///< no answer within the timeout: `detail`
    garbage,      ///< an answer that breaks the protocol: `detail`
  };
  Status status = Status::garbage;
  nlohmann::json graph;
  std::vector<std::string> files;
  std::vector<std::vector<uint8_t>> images;
  std::string error_class;
  std::optional<uint64_t> offset;
  std::string detail;  ///< died/timed out/garbage: what happened; rejected: the message
};

/// An answer that breaks the protocol or the module ABI, saying why. (Inline, like
/// rejected_answer: the differential modules use them without linking the judge.)
inline Answer garbage_answer(std::string why) {
  Answer a;
  a.status = Answer::Status::garbage;
  a.detail = std::move(why);
  return a;
}

/// The reference's rejection as an answer: its class, offset and description.
inline Answer rejected_answer(const LoadError& e) {
  Answer a;
  a.status = Answer::Status::rejected;
  a.error_class = std::string(error_name(e.code));
  a.offset = e.offset;
  a.detail = e.describe();
  return a;
}

/// "graph", "files", "bytes", "rejected", "unsupported", "died", "timed_out", "garbage".
std::string_view answer_status_name(Answer::Status s);

/// Reads a protocol response (§3) or a runner record ({"runner": {"status": "died",
/// "detail": "signal 11"}}) into an Answer; anything else is a garbage Answer saying why, as
/// is a response whose "id" is not `expected_id` (when that is not empty).
Answer parse_answer(const nlohmann::json& response, std::string_view expected_id = {});

/// How a case is judged.
struct ConformCase {
  std::string name;                ///< stable case name: "load.real.<file>.slow", ...
  std::string op;                  ///< "load", "compact", "snapshot_load"
  bool compare_classes = false;    ///< the testee declared `error_classes`
  /// compact: the files the output must equal byte for byte (a real file's parts); empty:
  /// the reference's output.
  std::vector<std::string> expect_files;
  /// The testee ran under allocation failures (the fault shim): a typed rejection where the
  /// reference accepts is a clean answer too.
  bool error_allowed = false;
};

/// The one judge of the conformance oracle (the table of docs/testee-protocol.md §4):
/// holds when the testee agrees with the reference, not_applicable when the testee said
/// `unsupported`, else a finding that names the first difference or what the testee did.
Verdict judge_conformance(const ConformCase& c, const Answer& reference, const Answer& testee);

/// Graph equality as §4 defines it (file names and unknown fields ignored, words as numbers,
/// hex bytes in any case): empty when equal, else where they first differ.
std::optional<std::string> graph_difference(const nlohmann::json& expected, const nlohmann::json& actual);

}  // namespace cf::oracles
