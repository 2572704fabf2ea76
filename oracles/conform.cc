// See conform.h.
#include "oracles/conform.h"

#include <algorithm>
#include <cctype>
#include <cinttypes>
#include <cstdio>

#include "core/io.h"
#include "oracles/judges.h"

namespace cf::oracles {
namespace {

using nlohmann::json;
using Status = Answer::Status;

constexpr OracleId k_id = OracleId::conformance;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// A word ("0x…" or a non-negative integer) in one spelling; anything else unchanged.
json word(const json& v) {
  uint64_t n = 0;
  if (v.is_number_unsigned()) {
    n = v.get<uint64_t>();
  } else if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    if (s.size() < 3 || s.size() > 18 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return v;
    for (size_t i = 2; i < s.size(); ++i)
      if (!std::isxdigit(static_cast<unsigned char>(s[i]))) return v;
    n = std::strtoull(s.c_str() + 2, nullptr, 16);
  } else {
    return v;
  }
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%" PRIx64, n);
  return buf;
}

json hex_bytes(const json& v) { return v.is_string() ? json(lower(v.get<std::string>())) : v; }

json format_name_of(const json& v) {
  if (v.is_number_unsigned()) return "v" + std::to_string(v.get<uint64_t>());
  return v;
}

// The comparable form of a dump: what §4 of the protocol compares, in one spelling.
json normalised(const json& g) {
  json out = json::object();
  json parts = json::array();
  if (g.contains("parts") && g["parts"].is_array())
    for (const json& p : g["parts"]) {
      json q = json::object();
      if (!p.is_object()) {
        parts.push_back(p);
        continue;
      }
      for (const char* k : {"format", "flags", "base_addr", "version_string", "githash", "root"})
        if (p.contains(k)) q[k] = p[k];
      if (q.contains("format")) q["format"] = format_name_of(q["format"]);
      if (q.contains("base_addr")) q["base_addr"] = word(q["base_addr"]);
      for (const char* k : {"version_string", "githash"})
        if (q.contains(k)) q[k] = hex_bytes(q[k]);
      parts.push_back(std::move(q));
    }
  out["parts"] = std::move(parts);
  json deps = json::array();
  if (g.contains("deps") && g["deps"].is_array())
    for (const json& d : g["deps"]) deps.push_back(d.is_object() && d.contains("base_addr") ? word(d["base_addr"]) : json());
  out["deps"] = std::move(deps);
  json nodes = json::array();
  if (g.contains("nodes") && g["nodes"].is_array())
    for (const json& n : g["nodes"]) {
      json m = n;
      if (m.is_object()) {
        if (m.contains("fun")) m["fun"] = word(m["fun"]);
        if (m.contains("limbs") && m["limbs"].is_array())
          for (json& l : m["limbs"]) l = word(l);
        for (const char* k : {"scalars", "data"})
          if (m.contains(k)) m[k] = hex_bytes(m[k]);
      }
      nodes.push_back(std::move(m));
    }
  out["nodes"] = std::move(nodes);
  return out;
}

std::string clip(const json& v, size_t n = 120) {
  std::string s = v.dump();
  return s.size() > n ? s.substr(0, n) + "…" : s;
}

std::string error_text(const Answer& a) {
  std::string s = a.error_class.empty() ? "an error without a class" : a.error_class;
  if (a.offset) s += " at offset " + std::to_string(*a.offset);
  return s;
}

// What an answer was, for a finding's reason.
std::string what(const Answer& a) {
  switch (a.status) {
    case Status::graph: return "a graph";
    case Status::files: return std::to_string(a.files.size()) + " written part(s)";
    case Status::bytes: return std::to_string(a.images.size()) + " compacted part(s)";
    case Status::rejected: return "a rejection (" + error_text(a) + ")";
    case Status::unsupported: return "unsupported";
    case Status::died: return "testee died: " + a.detail;
    case Status::timed_out: return "testee timed out: " + a.detail;
    case Status::garbage: return "garbage answer: " + a.detail;
  }
  return "?";
}

bool is_success(const Answer& a) {
  return a.status == Status::graph || a.status == Status::files || a.status == Status::bytes;
}

// The bytes of a compact answer's parts; an unreadable file is a reason.
std::optional<std::string> images_of(const Answer& a, const std::vector<std::string>& files,
                                     std::vector<std::vector<uint8_t>>* out) {
  if (a.status == Status::bytes && files.empty()) {
    *out = a.images;
    return std::nullopt;
  }
  for (const std::string& f : files) {
    auto bytes_or = read_file(f);
    if (!bytes_or) return "cannot read " + f + ": " + bytes_or.error().message;
    out->push_back(std::move(bytes_or.value()));
  }
  return std::nullopt;
}

Verdict judge_compaction(const ConformCase& c, const Answer& reference, const Answer& testee) {
  std::vector<std::vector<uint8_t>> expected, actual;
  const bool from_real = !c.expect_files.empty();
  if (auto why = images_of(reference, from_real ? c.expect_files : reference.files, &expected))
    return finding(k_id, "the expected output: " + *why);
  if (auto why = images_of(testee, testee.files, &actual)) return finding(k_id, "the testee's output: " + *why);
  const std::string against = from_real ? "the real file" : "the reference";
  if (expected.size() != actual.size())
    return finding(k_id, std::to_string(actual.size()) + " part(s) written, " + against + " has " +
                             std::to_string(expected.size()));
  for (size_t k = 0; k < expected.size(); ++k) {
    Verdict v = compare_bytes(k_id, "part " + std::to_string(k) + " against " + against, expected[k], actual[k]);
    if (v.outcome != Outcome::holds) return v;
  }
  return holds(k_id, std::to_string(actual.size()) + " part(s) byte-identical to " + against);
}

}  // namespace

std::string_view answer_status_name(Answer::Status s) {
  switch (s) {
    case Status::graph: return "graph";
    case Status::files: return "files";
    case Status::bytes: return "bytes";
    case Status::rejected: return "rejected";
    case Status::unsupported: return "unsupported";
    case Status::died: return "died";
    case Status::timed_out: return "timed_out";
    case Status::garbage: return "garbage";
  }
  return "?";
}

Answer parse_answer(const json& r, std::string_view expected_id) {
  Answer a;
  if (!r.is_object()) {
    a.detail = "not a JSON object: " + clip(r, 60);
    return a;
  }
  if (r.contains("runner")) {  // the runner's own record of a testee that gave no answer
    const json& run = r["runner"];
    const std::string s = run.is_object() ? run.value("status", "") : "";
    a.status = s == "died" ? Status::died : s == "timed_out" ? Status::timed_out : Status::garbage;
    a.detail = run.is_object() ? run.value("detail", std::string("no detail")) : clip(run, 60);
    return a;
  }
  if (!expected_id.empty() && r.contains("id") && r["id"] != json(std::string(expected_id))) {
    a.detail = "the answer to '" + std::string(expected_id) + "' has id " + clip(r["id"], 60);
    return a;
  }
  if (!r.contains("ok") || !r["ok"].is_boolean()) {
    a.detail = "no boolean \"ok\": " + clip(r, 60);
    return a;
  }
  if (r["ok"].get<bool>()) {
    if (r.contains("graph") && r["graph"].is_object()) {
      a.status = Status::graph;
      a.graph = r["graph"];
    } else if (r.contains("files") && r["files"].is_array()) {
      for (const json& f : r["files"]) {
        if (!f.is_string()) {
          a.detail = "a non-string entry in \"files\"";
          return a;
        }
        a.files.push_back(f.get<std::string>());
      }
      a.status = Status::files;
    } else {
      a.detail = "\"ok\": true without a \"graph\" object or a \"files\" list";
    }
    return a;
  }
  const json& e = r.contains("error") ? r["error"] : json();
  if (!e.is_object()) {
    a.detail = "\"ok\": false without an \"error\" object";
    return a;
  }
  a.error_class = e.contains("class") && e["class"].is_string() ? e["class"].get<std::string>() : "";
  if (e.contains("offset") && e["offset"].is_number_unsigned()) a.offset = e["offset"].get<uint64_t>();
  a.detail = e.contains("message") && e["message"].is_string() ? e["message"].get<std::string>() : "";
  a.status = a.error_class == "unsupported" ? Status::unsupported : Status::rejected;
  return a;
}

std::optional<std::string> graph_difference(const json& expected, const json& actual) {
  const json e = normalised(expected), a = normalised(actual);
  const json &en = e["nodes"], &an = a["nodes"];
  for (size_t i = 0; i < std::min(en.size(), an.size()); ++i)
    if (en[i] != an[i]) return "node " + std::to_string(i) + ": expected " + clip(en[i]) + ", got " + clip(an[i]);
  if (en.size() != an.size())
    return std::to_string(en.size()) + " nodes expected, " + std::to_string(an.size()) + " given";
  const json &ep = e["parts"], &ap = a["parts"];
  if (ep.size() != ap.size()) return std::to_string(ep.size()) + " parts expected, " + std::to_string(ap.size()) + " given";
  for (size_t k = 0; k < ep.size(); ++k)
    if (ep[k] != ap[k]) {
      for (auto it = ep[k].begin(); it != ep[k].end(); ++it)
        if (!ap[k].contains(it.key()) || ap[k][it.key()] != it.value())
          return "part " + std::to_string(k) + " " + it.key() + ": expected " + clip(it.value()) + ", got " +
                 (ap[k].contains(it.key()) ? clip(ap[k][it.key()]) : std::string("nothing"));
      return "part " + std::to_string(k) + ": expected " + clip(ep[k]) + ", got " + clip(ap[k]);
    }
  if (e["deps"] != a["deps"]) return "deps: expected " + clip(e["deps"]) + ", got " + clip(a["deps"]);
  return std::nullopt;
}

Verdict judge_conformance(const ConformCase& c, const Answer& reference, const Answer& testee) {
  if (testee.status == Status::unsupported) return not_applicable(k_id, "the testee answered unsupported");
  if (testee.status == Status::died || testee.status == Status::timed_out || testee.status == Status::garbage)
    return finding(k_id, what(testee));
  if (!is_success(reference) && reference.status != Status::rejected)
    return finding(k_id, "the reference gave no answer: " + what(reference));
  if (reference.status == Status::rejected) {
    if (testee.status != Status::rejected)
      return finding(k_id, "accepted what the reference rejects (" + error_text(reference) + ")");
    if (c.compare_classes) {
      if (testee.error_class != reference.error_class)
        return finding(k_id, "rejected as " + error_text(testee) + ", the reference as " + error_text(reference));
      if (c.op != "compact" && reference.offset && testee.offset != reference.offset)
        return finding(k_id, "rejected at " + (testee.offset ? "offset " + std::to_string(*testee.offset)
                                                               : std::string("no offset")) +
                                 ", the reference at offset " + std::to_string(*reference.offset) + " (" +
                                 reference.error_class + ")");
      return holds(k_id, "both reject: " + error_text(reference));
    }
    return holds(k_id, "both reject (the reference: " + error_text(reference) + ")");
  }
  if (testee.status == Status::rejected && c.error_allowed && !testee.error_class.empty())
    return holds(k_id, "a typed error under the fault schedule: " + error_text(testee));
  if (testee.status == Status::rejected)
    return finding(k_id, "rejected what the reference accepts: " + error_text(testee) +
                             (testee.detail.empty() ? "" : " - " + testee.detail.substr(0, 160)));
  if (c.op == "compact") {
    if (testee.status == Status::graph) return finding(k_id, "answered a compact request with a graph");
    return judge_compaction(c, reference, testee);
  }
  if (testee.status != Status::graph) return finding(k_id, "answered " + what(testee) + " where a graph was due");
  if (auto diff = graph_difference(reference.graph, testee.graph)) return finding(k_id, "graphs differ at " + *diff);
  return holds(k_id, "graph equal to the reference's (" + std::to_string(reference.graph.value("nodes", json::array()).size()) +
                         " nodes)");
}

}  // namespace cf::oracles
