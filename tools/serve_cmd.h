// `regiontool serve`: the reference as a testee of docs/testee-protocol.md (length-prefixed
// JSON requests on stdin, one response each on stdout), and `regiontool judge`: the conformance
// oracle's judge (oracles/conform.h) over the same framing, for the `conform` runner.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace cf::tool {

/// The protocol version `serve` speaks and `hello` names.
inline constexpr int k_protocol_version = 1;
/// The largest message body either side may send (§1): 64 MiB.
inline constexpr uint32_t k_max_message = 64u << 20;

/// Reads one message from `fd`: its body, or why not ("end of input" at a clean end between
/// messages). EINTR and short reads are retried.
struct Message {
  std::optional<std::string> body;
  std::string problem;
};
Message read_message(int fd);
/// Writes one message (length + body) to `fd`; false when the peer went away.
bool write_message(int fd, const std::string& body);

struct ServeOptions {
  std::string name = "compactfuzz-reference";
  bool lenient = false;  ///< accept Tier C violations (as upstream does)
  bool current = false;  ///< read v2/v3 only (as current upstream does); hello says so
};

/// The answer to one request (exposed so tests call the same code without a pipe).
nlohmann::json serve_request(const ServeOptions& o, const nlohmann::json& request);

/// Serves requests from `in_fd` until `bye` or end of input. Exit 0 after `bye` or a clean
/// end of input, 2 when the stream breaks the framing (after answering a protocol_error).
int run_serve(const ServeOptions& o, int in_fd, int out_fd, std::ostream& err);

/// One judgement: the case ({name, op, compare_classes, expect_files}) and the two response
/// bodies as they arrived (a body that is not JSON is the testee's garbage) ->
/// {"oracle", "outcome", "reason", "testee_status"}.
nlohmann::json judge_request(const nlohmann::json& c, const std::string& reference, const std::string& testee);

/// Judges until end of input; each judgement is three messages in (case, reference body,
/// testee body) and one out. Exit 0, or 2 on broken framing.
int run_judge(int in_fd, int out_fd, std::ostream& err);

}  // namespace cf::tool
