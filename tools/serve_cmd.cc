// See serve_cmd.h.
#include "tools/serve_cmd.h"

#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <ostream>
#include <vector>

#include "core/io.h"
#include "core/region.h"
#include "oracles/conform.h"
#include "oracles/graph_dump.h"
#include "oracles/snapshot_deps.h"
#include "oracles/snapshot_oracles.h"
#include "tools/compact_cmds.h"

namespace cf::tool {
namespace {

using nlohmann::json;

// Reads exactly `n` bytes unless the input ends; returns how many were read, or -1 on error.
ssize_t read_full(int fd, char* buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    const ssize_t r = ::read(fd, buf + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return -1;
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  return static_cast<ssize_t>(got);
}

// A request the protocol cannot answer: a typed protocol_error (§3).
struct ProtocolError {
  std::string message;
};

json error_answer(const std::string& cls, const std::string& message) {
  return {{"ok", false}, {"error", {{"class", cls}, {"message", message}}}};
}

json rejection(const LoadError& e) {
  return {{"ok", false},
          {"error",
           {{"class", std::string(error_name(e.code))}, {"offset", e.offset}, {"file", e.file}, {"message", e.describe()}}}};
}

std::vector<std::string> strings(const json& req, const char* key, bool required) {
  std::vector<std::string> out;
  if (!req.contains(key)) {
    if (required) throw ProtocolError{std::string("\"") + key + "\" is missing"};
    return out;
  }
  if (!req[key].is_array()) throw ProtocolError{std::string("\"") + key + "\" is not a list"};
  for (const json& v : req[key]) {
    if (!v.is_string()) throw ProtocolError{std::string("\"") + key + "\" holds a non-string"};
    out.push_back(v.get<std::string>());
  }
  return out;
}

std::string text(const json& req, const char* key, const std::string& fallback) {
  if (!req.contains(key) || req[key].is_null()) return fallback;
  if (!req[key].is_string()) throw ProtocolError{std::string("\"") + key + "\" is not a string"};
  return req[key].get<std::string>();
}

LoadPath path_of(const json& req) {
  const std::string p = text(req, "path", "auto");
  if (p == "auto") return LoadPath::automatic;
  if (p == "slow") return LoadPath::slow;
  if (p == "fast") return LoadPath::fast;
  throw ProtocolError{"\"path\" must be auto or slow, not '" + p + "'"};
}

LoadOptions load_options(const ServeOptions& o, LoadPath path) {
  LoadOptions lo;
  lo.path = path;
  lo.canonical = !o.lenient;
  lo.header.current_only = o.current;
  return lo;
}

json hello(const ServeOptions& o, const json& req) {
  if (!req.contains("protocol") || req["protocol"] != k_protocol_version)
    return error_answer("unsupported", "this testee speaks protocol " + std::to_string(k_protocol_version));
  const json formats = o.current ? json{"v2", "v3"} : json{"v0", "v1", "v2", "v3"};
  return {{"ok", true},
          {"protocol", k_protocol_version},
          {"name", o.name},
          {"version", "regiontool serve 1"},
          {"capabilities",
           {{"load", true},
            {"load_slow", true},
            {"formats", formats},
            {"deps", true},
            {"error_classes", true},
            {"compact", true},
            {"strategies", {"worklist", "recursive"}},
            {"compact_formats", {"v2", "v3"}},
            {"closures", true},
            {"snapshots", true},
            {"gmp", true}}}};
}

json load(const ServeOptions& o, const json& req) {
  const std::vector<std::string> files = strings(req, "files", true);
  const std::vector<std::string> dep_files = strings(req, "deps", false);
  const LoadOptions lo = load_options(o, path_of(req));
  // Regions never move once loaded: later ones point into earlier ones.
  std::vector<std::unique_ptr<Region>> regions;
  std::vector<const Region*> deps, parts, visible;
  for (size_t i = 0; i < dep_files.size() + files.size(); ++i) {
    const bool is_dep = i < dep_files.size();
    const std::string& f = is_dep ? dep_files[i] : files[i - dep_files.size()];
    auto region_or = Region::load_file(f, visible, lo);
    if (!region_or) return rejection(region_or.error());
    regions.push_back(std::make_unique<Region>(std::move(region_or.value())));
    visible.push_back(regions.back().get());
    (is_dep ? deps : parts).push_back(regions.back().get());
  }
  return {{"ok", true}, {"graph", oracles::dump_graph(parts, deps)}};
}

json compact(const json& req) {
  CompactCmdOptions c;
  c.input = text(req, "graph", "");
  c.output = text(req, "output", "");
  if (c.input.empty() || c.output.empty()) throw ProtocolError{"\"graph\" and \"output\" are required"};
  if (req.contains("base") && !req["base"].is_null()) {
    const json& b = req["base"];
    if (b.is_number_unsigned()) {
      c.base = b.get<uint64_t>();
    } else {
      const std::string s = b.is_string() ? b.get<std::string>() : "";
      char* end = nullptr;
      const bool hex = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
      c.base = std::strtoull(s.c_str(), &end, hex ? 16 : 10);
      if (s.empty() || *end != '\0') throw ProtocolError{"\"base\" is not an address: " + b.dump()};
    }
  }
  const std::string strategy = text(req, "strategy", "worklist");
  if (strategy == "recursive") c.strategy = Strategy::recursive;
  else if (strategy != "worklist") return error_answer("unsupported", "no strategy '" + strategy + "'");
  const std::string format = text(req, "format", "");
  if (format == "v2") c.format = Format::v2;
  else if (format == "v3") c.format = Format::v3;
  else if (!format.empty()) return error_answer("unsupported", "cannot write format '" + format + "'");
  c.dep_files = strings(req, "deps", false);
  const CompactOutcome r = compact_graph_file(c);
  if (r.error) return rejection(*r.error);
  if (r.exit_code != 0) return error_answer("io_error", r.message);
  return {{"ok", true}, {"files", r.files}};
}

json snapshot_load(const ServeOptions& o, const json& req) {
  oracles::SnapshotUnit unit;
  unit.path = text(req, "snapshot", "");
  if (unit.path.empty()) throw ProtocolError{"\"snapshot\" is required"};
  const std::string deps_file = text(req, "deps_file", oracles::deps_path_of(unit.path));
  auto text_or = read_file(deps_file);
  if (!text_or) return rejection(text_or.error());
  auto modules_or = oracles::parse_deps_json(
      std::string_view(reinterpret_cast<const char*>(text_or->data()), text_or->size()), deps_file);
  if (!modules_or) return rejection(modules_or.error());
  unit.modules = std::move(modules_or.value());
  oracles::SnapshotSettings s;
  if (req.contains("workers") && !req["workers"].is_number_unsigned()) throw ProtocolError{"\"workers\" is not a count"};
  s.workers = std::max(1u, static_cast<unsigned>(std::min<uint64_t>(req.value("workers", uint64_t{1}), 256)));
  s.path = path_of(req);
  (void)o;
  const oracles::LoadObservation obs = oracles::observe_snapshot(unit, s);
  if (!obs.accepted) return rejection(*obs.error);
  return {{"ok", true}, {"graph", obs.graph}};
}

}  // namespace

Message read_message(int fd) {
  Message m;
  char header[4];
  const ssize_t h = read_full(fd, header, 4);
  if (h == 0) {
    m.problem = "end of input";
    return m;
  }
  if (h < 0) {
    m.problem = std::string("read failed: ") + std::strerror(errno);
    return m;
  }
  if (h < 4) {
    m.problem = "the input ended inside a length prefix";
    return m;
  }
  const uint32_t n = static_cast<uint32_t>(static_cast<uint8_t>(header[0])) |
                     static_cast<uint32_t>(static_cast<uint8_t>(header[1])) << 8 |
                     static_cast<uint32_t>(static_cast<uint8_t>(header[2])) << 16 |
                     static_cast<uint32_t>(static_cast<uint8_t>(header[3])) << 24;
  if (n == 0 || n > k_max_message) {
    m.problem = "message length " + std::to_string(n) + " outside 1.." + std::to_string(k_max_message);
    return m;
  }
  std::string body(n, '\0');
  const ssize_t b = read_full(fd, body.data(), n);
  if (b != static_cast<ssize_t>(n)) {
    m.problem = "the input ended inside a " + std::to_string(n) + "-byte message";
    return m;
  }
  m.body = std::move(body);
  return m;
}

bool write_message(int fd, const std::string& body) {
  std::string frame(4, '\0');
  const auto n = static_cast<uint32_t>(body.size());
  for (int i = 0; i < 4; ++i) frame[i] = static_cast<char>(n >> (8 * i) & 0xff);
  frame += body;
  size_t done = 0;
  while (done < frame.size()) {
    const ssize_t w = ::write(fd, frame.data() + done, frame.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    done += static_cast<size_t>(w);
  }
  return true;
}

json serve_request(const ServeOptions& o, const json& request) {
  json answer;
  try {
    if (!request.is_object() || !request.contains("op") || !request["op"].is_string())
      throw ProtocolError{"a request is an object with a string \"op\""};
    const std::string op = request["op"].get<std::string>();
    if (op == "hello") answer = hello(o, request);
    else if (op == "load") answer = load(o, request);
    else if (op == "compact") answer = compact(request);
    else if (op == "snapshot_load") answer = snapshot_load(o, request);
    else if (op == "bye") answer = {{"ok", true}};
    else answer = error_answer("unsupported", "no request '" + op + "'");
  } catch (const ProtocolError& e) {
    answer = error_answer("protocol_error", e.message);
  } catch (const std::bad_alloc&) {  // the loader types its own; this is the dump or the JSON
    answer = error_answer("out_of_memory", "an allocation failed while answering");
  } catch (const std::exception& e) {  // a JSON type error in the request
    answer = error_answer("protocol_error", e.what());
  }
  if (request.is_object() && request.contains("id")) answer["id"] = request["id"];
  return answer;
}

int run_serve(const ServeOptions& o, int in_fd, int out_fd, std::ostream& err) {
  std::signal(SIGPIPE, SIG_IGN);  // a runner that went away ends the loop, not the process
  for (;;) {
    const Message m = read_message(in_fd);
    if (!m.body) {
      if (m.problem == "end of input") return 0;
      err << "regiontool serve: " << m.problem << "\n";
      write_message(out_fd, error_answer("protocol_error", m.problem).dump());
      return 2;
    }
    const json request = json::parse(*m.body, nullptr, false);
    const json answer = request.is_discarded() ? error_answer("protocol_error", "the message is not JSON")
                                               : serve_request(o, request);
    if (!write_message(out_fd, answer.dump(-1, ' ', false, json::error_handler_t::replace))) return 0;
    if (!request.is_discarded() && request.is_object() && request.value("op", "") == "bye") return 0;
  }
}

json judge_request(const json& c, const std::string& reference, const std::string& testee) {
  if (!c.is_object()) return {{"error", "the case is not a JSON object"}};
  oracles::ConformCase cc;
  cc.name = c.value("name", "");
  cc.op = c.value("op", "load");
  cc.compare_classes = c.value("compare_classes", false);
  cc.error_allowed = c.value("error_allowed", false);
  if (c.contains("expect_files") && c["expect_files"].is_array())
    for (const json& f : c["expect_files"])
      if (f.is_string()) cc.expect_files.push_back(f.get<std::string>());
  auto answer_of = [&cc](const std::string& body) {
    const json j = json::parse(body, nullptr, false);
    if (!j.is_discarded()) return oracles::parse_answer(j, cc.name);
    oracles::Answer a;
    a.detail = "not UTF-8 JSON (" + std::to_string(body.size()) + " bytes: " +
               json(body.substr(0, 40)).dump(-1, ' ', false, json::error_handler_t::replace) + ")";
    return a;
  };
  const oracles::Answer t = answer_of(testee);
  const oracles::Verdict v = oracles::judge_conformance(cc, answer_of(reference), t);
  return {{"oracle", std::string(oracles::oracle_name(v.oracle))},
          {"outcome", std::string(oracles::outcome_id(v.outcome))},
          {"reason", v.reason},
          {"testee_status", std::string(oracles::answer_status_name(t.status))}};
}

int run_judge(int in_fd, int out_fd, std::ostream& err) {
  std::signal(SIGPIPE, SIG_IGN);
  for (;;) {
    Message parts[3];
    for (int i = 0; i < 3; ++i) {
      parts[i] = read_message(in_fd);
      if (parts[i].body) continue;
      if (i == 0 && parts[i].problem == "end of input") return 0;
      err << "regiontool judge: " << parts[i].problem << "\n";
      return 2;
    }
    const json c = json::parse(*parts[0].body, nullptr, false);
    const json answer = judge_request(c, *parts[1].body, *parts[2].body);
    if (!write_message(out_fd, answer.dump(-1, ' ', false, json::error_handler_t::replace))) return 0;
  }
}

}  // namespace cf::tool
