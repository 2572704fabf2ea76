// See graph_build.h. Internally a defect throws Bad (path + message) so the per-kind readers
// stay short; build_graph turns it into a BuildError, the only thing callers ever see.
#include "oracles/graph_build.h"

#include <algorithm>
#include <limits>
#include <new>
#include <stdexcept>
#include <utility>

#include "core/layout.h"
#include "core/utf8.h"

namespace cf::oracles {
namespace {

using nlohmann::json;

struct Bad {
  std::string message;
};

[[noreturn]] void bad(const std::string& path, const std::string& what) { throw Bad{path + ": " + what}; }

std::string at(const std::string& path, const char* key) { return path.empty() ? key : path + "." + key; }
std::string at(const std::string& path, size_t i) { return path + "[" + std::to_string(i) + "]"; }

const json& field(const json& obj, const char* key, const std::string& path) {
  auto it = obj.find(key);
  if (it == obj.end()) bad(path, std::string("missing field \"") + key + "\"");
  return *it;
}

const json& object(const json& v, const std::string& path) {
  if (!v.is_object()) bad(path, "expected an object, got " + std::string(v.type_name()));
  return v;
}

const json& array(const json& v, const std::string& path) {
  if (!v.is_array()) bad(path, "expected an array, got " + std::string(v.type_name()));
  return v;
}

// A non-negative integer no larger than `max` (JSON numbers that are integers only).
uint64_t integer(const json& v, const std::string& path, uint64_t max = std::numeric_limits<uint64_t>::max()) {
  uint64_t n = 0;
  if (v.is_number_unsigned()) n = v.get<uint64_t>();
  else if (v.is_number_integer() && v.get<int64_t>() >= 0) n = static_cast<uint64_t>(v.get<int64_t>());
  else bad(path, "expected a non-negative integer, got " + v.dump());
  if (n > max) bad(path, std::to_string(n) + " is out of range (at most " + std::to_string(max) + ")");
  return n;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A 64-bit word: "0x..." (1-16 hex digits), or a non-negative JSON integer.
uint64_t word(const json& v, const std::string& path) {
  if (!v.is_string()) return integer(v, path);
  const std::string& s = v.get_ref<const std::string&>();
  if (s.size() < 3 || s.size() > 18 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
    bad(path, "expected \"0x\" and 1-16 hex digits, got \"" + s + "\"");
  uint64_t w = 0;
  for (size_t i = 2; i < s.size(); ++i) {
    const int d = hex_digit(s[i]);
    if (d < 0) bad(path, "bad hex digit in \"" + s + "\"");
    w = (w << 4) | static_cast<uint64_t>(d);
  }
  return w;
}

// Raw bytes as hex digits, two per byte, at most `max` bytes.
std::vector<uint8_t> hex_bytes(const json& v, const std::string& path, size_t max = SIZE_MAX) {
  if (!v.is_string()) bad(path, "expected a hex string, got " + std::string(v.type_name()));
  const std::string& s = v.get_ref<const std::string&>();
  if (s.size() % 2 != 0) bad(path, "hex string has an odd number of digits (" + std::to_string(s.size()) + ")");
  if (s.size() / 2 > max)
    bad(path, std::to_string(s.size() / 2) + " bytes of hex, at most " + std::to_string(max) + " allowed");
  std::vector<uint8_t> out(s.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    const int hi = hex_digit(s[2 * i]), lo = hex_digit(s[2 * i + 1]);
    if (hi < 0 || lo < 0) bad(path, "bad hex digit at position " + std::to_string(hi < 0 ? 2 * i : 2 * i + 1));
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return out;
}

template <size_t N>
std::array<uint8_t, N> hex_field(const json& v, const std::string& path) {
  const std::vector<uint8_t> b = hex_bytes(v, path, N);
  std::array<uint8_t, N> out{};  // shorter input is NUL-padded, as the header fields are
  std::copy(b.begin(), b.end(), out.begin());
  return out;
}

Format format_of(const json& v, const std::string& path) {
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    for (Format f : {Format::v0, Format::v1, Format::v2, Format::v3})
      if (s == format_name(f)) return f;
    bad(path, "unknown format \"" + s + "\" (expected v0, v1, v2 or v3)");
  }
  return static_cast<Format>(integer(v, path, 3));
}

class Builder {
 public:
  Builder(const json& doc, std::span<const Region* const> deps) : doc_(doc), deps_(deps) {}

  BuiltGraph run() {
    object(doc_, "document");
    const json& schema = field(doc_, "schema", "document");
    if (schema != "compactfuzz-graph/1") bad("schema", "expected \"compactfuzz-graph/1\", got " + schema.dump());
    check_deps();
    const json& parts = array(field(doc_, "parts", "document"), "parts");
    if (parts.empty()) bad("parts", "a graph needs at least one part");
    for (size_t k = 0; k < parts.size(); ++k) g_.parts.push_back(part_meta(parts[k], at("parts", k)));
    const PartSpec& p0 = g_.parts[0];
    const bool gmp = (p0.format && *p0.format <= Format::v1) || (p0.flags & k_flag_gmp) != 0;
    g_.heap = Heap(gmp);
    if (auto it = doc_.find("libraries"); it != doc_.end()) read_libraries(*it);
    const json& nodes = array(field(doc_, "nodes", "document"), "nodes");
    addrs_.reserve(nodes.size());
    for (size_t i = 0; i < nodes.size(); ++i) addrs_.push_back(node(nodes[i], at("nodes", i)));
    g_.nodes = nodes.size();
    for (size_t k = 0; k < parts.size(); ++k) {
      const std::string path = at(at("parts", k), "root");
      g_.parts[k].root = value(field(parts[k], "root", at("parts", k)), path, addrs_.size());
    }
    return std::move(g_);
  }

 private:
  // The document's deps must be exactly the regions supplied, in order.
  void check_deps() {
    auto it = doc_.find("deps");
    const size_t named = it == doc_.end() ? 0 : array(*it, "deps").size();
    if (named != deps_.size())
      bad("deps", "the graph names " + std::to_string(named) + " dep region(s) but " + std::to_string(deps_.size()) +
                      " were supplied (--dep)");
    for (size_t k = 0; k < named; ++k) {
      const std::string path = at("deps", k);
      const json& d = object((*it)[k], path);
      if (auto b = d.find("base_addr"); b != d.end() && word(*b, at(path, "base_addr")) != deps_[k]->base_addr())
        bad(at(path, "base_addr"), "graph records " + b->dump() + " but the supplied dep " + deps_[k]->name() +
                                       " has another base_addr");
    }
  }

  static PartSpec part_meta(const json& p, const std::string& path) {
    object(p, path);
    PartSpec s;
    if (auto it = p.find("format"); it != p.end()) s.format = format_of(*it, at(path, "format"));
    if (auto it = p.find("flags"); it != p.end()) s.flags = static_cast<uint8_t>(integer(*it, at(path, "flags"), 255));
    if (auto it = p.find("version_string"); it != p.end()) {
      s.version_string = hex_field<k_version_string_size>(*it, at(path, "version_string"));
      s.text_given = true;
    }
    if (auto it = p.find("githash"); it != p.end()) {
      s.githash = hex_field<k_githash_size_v1>(*it, at(path, "githash"));
      s.text_given = true;
    }
    if (auto it = p.find("base_addr"); it != p.end()) s.base_addr = word(*it, at(path, "base_addr"));
    return s;
  }

  void read_libraries(const json& libs) {
    array(libs, "libraries");
    for (size_t i = 0; i < libs.size(); ++i) {
      const std::string path = at("libraries", i);
      const json& l = object(libs[i], path);
      LibraryEntry e;
      e.base = word(field(l, "base", path), at(path, "base"));
      const json& id = field(l, "identity", path);
      if (!id.is_string()) bad(at(path, "identity"), "expected a string");
      e.identity = id.get<std::string>();
      g_.libraries.push_back(std::move(e));
    }
  }

  // {"box": n} or {"ref": i} with i < limit (the referencing node's own id).
  uint64_t value(const json& v, const std::string& path, size_t limit) const {
    object(v, path);
    const bool has_box = v.contains("box"), has_ref = v.contains("ref");
    if (has_box == has_ref) bad(path, "a value is exactly one of {\"box\": n} or {\"ref\": i}, got " + v.dump());
    if (has_box) return box(integer(v["box"], at(path, "box"), (uint64_t{1} << 63) - 1));
    const uint64_t i = integer(v["ref"], at(path, "ref"));
    if (i >= limit) {
      const std::string known =
          limit == 0 ? "no node precedes it" : "only 0.." + std::to_string(limit - 1) + " exist here";
      bad(at(path, "ref"), "ref " + std::to_string(i) + " is not an earlier node (" + known + ")");
    }
    return addrs_[i];
  }

  std::vector<uint64_t> values(const json& a, const std::string& path, size_t limit, uint64_t max_count) const {
    array(a, path);
    if (a.size() > max_count)
      bad(path, std::to_string(a.size()) + " entries, at most " + std::to_string(max_count) + " allowed");
    std::vector<uint64_t> out;
    out.reserve(a.size());
    for (size_t i = 0; i < a.size(); ++i) out.push_back(value(a[i], at(path, i), limit));
    return out;
  }

  uint64_t node(const json& n, const std::string& path) {
    object(n, path);
    const json& k = field(n, "kind", path);
    if (!k.is_string()) bad(at(path, "kind"), "expected a string");
    const std::string& kind = k.get_ref<const std::string&>();
    const size_t self = addrs_.size();
    auto slots = [&](const char* key, uint64_t max) { return values(field(n, key, path), at(path, key), self, max); };
    if (kind == "dep") return dep(n, path);  // the graph model's own kind: an object of a dep region
    const std::optional<Kind> known = kind_from_name(kind);
    if (!known) bad(at(path, "kind"), "unknown kind \"" + kind + "\"");
    switch (*known) {
      case Kind::ctor: return ctor(n, path, slots("fields", k_max_ctor_fields_in_file));
      case Kind::array: return g_.heap.array(slots("elems", std::numeric_limits<uint64_t>::max()));
      case Kind::sarray: return sarray(n, path);
      case Kind::string: return string(n, path);
      case Kind::mpz: return mpz(n, path);
      case Kind::closure: return closure(n, path, slots("args", 0xFFFF));
      case Kind::thunk: return g_.heap.thunk(value(field(n, "value", path), at(path, "value"), self));
      case Kind::task: return g_.heap.task(value(field(n, "value", path), at(path, "value"), self));
      case Kind::ref: return g_.heap.ref(value(field(n, "value", path), at(path, "value"), self));
      case Kind::promise: return g_.heap.promise(value(field(n, "value", path), at(path, "value"), self));
      // Kinds no file holds: here so a graph can ask the compactor to reject them (§4.8).
      case Kind::external: return g_.heap.external();
      case Kind::struct_array: return g_.heap.struct_array();
      case Kind::reserved: return g_.heap.reserved();
    }
    bad(at(path, "kind"), "unknown kind \"" + kind + "\"");
  }

  uint64_t ctor(const json& n, const std::string& path, const std::vector<uint64_t>& fields) {
    const auto tag = static_cast<uint8_t>(integer(field(n, "tag", path), at(path, "tag"), k_max_ctor_tag));
    std::vector<uint8_t> scalars;
    if (auto it = n.find("scalars"); it != n.end())
      scalars = hex_bytes(*it, at(path, "scalars"), k_max_ctor_scalars_size);
    return g_.heap.ctor(tag, fields, scalars);
  }

  uint64_t sarray(const json& n, const std::string& path) {
    const uint64_t e = integer(field(n, "elem_size", path), at(path, "elem_size"), 127);
    if (e == 0) bad(at(path, "elem_size"), "element size must be 1..127");
    const std::vector<uint8_t> data = hex_bytes(field(n, "data", path), at(path, "data"));
    if (data.size() % e != 0)
      bad(at(path, "data"), std::to_string(data.size()) + " bytes is not a whole number of " + std::to_string(e) +
                                "-byte elements");
    return g_.heap.sarray(static_cast<uint8_t>(e), data);
  }

  uint64_t string(const json& n, const std::string& path) {
    const json& v = field(n, "value", path);
    if (!v.is_string()) bad(at(path, "value"), "expected a string");
    const std::string& s = v.get_ref<const std::string&>();
    const Utf8Scan scan = scan_utf8({reinterpret_cast<const uint8_t*>(s.data()), s.size()});
    if (!scan.valid) bad(at(path, "value"), "invalid UTF-8 at byte " + std::to_string(scan.bad_index));
    return g_.heap.string(s);
  }

  uint64_t mpz(const json& n, const std::string& path) {
    const json& neg = field(n, "negative", path);
    if (!neg.is_boolean()) bad(at(path, "negative"), "expected true or false");
    const bool negative = neg.get<bool>();
    const bool has_limbs = n.contains("limbs"), has_digits = n.contains("digits");
    if (has_limbs == has_digits) bad(path, "an mpz has exactly one of \"limbs\" or \"digits\"");
    if (has_limbs) {
      const json& a = array(n["limbs"], at(path, "limbs"));
      if (a.size() >= (uint64_t{1} << 31)) bad(at(path, "limbs"), "too many limbs");
      std::vector<uint64_t> limbs;
      for (size_t i = 0; i < a.size(); ++i) limbs.push_back(word(a[i], at(at(path, "limbs"), i)));
      return g_.heap.mpz(negative, limbs);  // a non-GMP heap splits them into digits
    }
    const json& a = array(n["digits"], at(path, "digits"));
    std::vector<uint32_t> digits;
    for (size_t i = 0; i < a.size(); ++i)
      digits.push_back(static_cast<uint32_t>(integer(a[i], at(at(path, "digits"), i), 0xFFFFFFFFu)));
    if (!g_.heap.gmp()) return g_.heap.mpz_digits(negative, digits);
    std::vector<uint64_t> limbs((digits.size() + 1) / 2);  // GMP heap: pair digits into limbs
    for (size_t i = 0; i < digits.size(); ++i) limbs[i / 2] |= uint64_t{digits[i]} << (32 * (i % 2));
    while (!limbs.empty() && limbs.back() == 0) limbs.pop_back();
    return g_.heap.mpz(negative, limbs);
  }

  uint64_t closure(const json& n, const std::string& path, const std::vector<uint64_t>& args) {
    const uint64_t fun = word(field(n, "fun", path), at(path, "fun"));
    const auto arity = static_cast<uint16_t>(integer(field(n, "arity", path), at(path, "arity"), 0xFFFF));
    g_.has_closures = true;
    return g_.heap.closure(fun, arity, args);
  }

  // An object of a supplied dep region: it must be one of that region's object starts.
  uint64_t dep(const json& n, const std::string& path) const {
    const uint64_t k = integer(field(n, "dep", path), at(path, "dep"));
    if (k >= deps_.size())
      bad(at(path, "dep"), "dep " + std::to_string(k) + " out of range (" + std::to_string(deps_.size()) +
                               " dep region(s) supplied)");
    const Region& r = *deps_[k];
    const uint64_t off = integer(field(n, "offset", path), at(path, "offset"));
    if (!is_object_start(r, off))
      bad(at(path, "offset"), "offset " + std::to_string(off) + " is not an object start in " + r.name());
    return reinterpret_cast<uint64_t>(r.begin()) + off;
  }

  static bool is_object_start(const Region& r, uint64_t off) {
    if (!r.validated())  // loaded without validation: a range check is all that is known
      return off % 8 == 0 && off >= r.header().data_start() + 8 && off < r.header().data_start() + r.header().data_size;
    return r.objects().at(FileOffset{off}) != nullptr;
  }

  const json& doc_;
  std::span<const Region* const> deps_;
  BuiltGraph g_;
  std::vector<uint64_t> addrs_;  // node id -> physical address
};

}  // namespace

BuildResult build_graph(const nlohmann::json& doc, std::span<const Region* const> deps) {
  try {
    return Builder(doc, deps).run();
  } catch (const Bad& b) {
    return BuildError{b.message};
  } catch (const std::bad_alloc&) {
    return BuildError{"document: out of memory while building the graph"};
  } catch (const std::exception& e) {  // a Heap precondition this reader failed to check first
    return BuildError{std::string("document: ") + e.what()};
  }
}

BuildResult build_graph_text(std::string_view text, std::span<const Region* const> deps) {
  json doc;
  try {
    doc = json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {  // what() names the byte position and the reason
    return BuildError{std::string("not valid JSON: ") + e.what()};
  }
  return build_graph(doc, deps);
}

CompactorOptions save_options(const BuiltGraph& g) {
  const PartSpec& p0 = g.parts.at(0);
  CompactorOptions o;
  o.format = p0.format.value_or(g.has_closures ? Format::v3 : Format::v2);
  o.flags = p0.flags;
  o.version_string = p0.version_string;
  o.githash = p0.githash;
  o.base_addr = p0.base_addr.value_or(0);
  o.libraries = g.libraries;
  return o;
}

std::optional<std::string> layout_mismatch(const BuiltGraph& g, const CompactorOptions& o) {
  const bool gmp = o.format <= Format::v1 || (o.flags & k_flag_gmp) != 0;
  if (gmp == g.heap.gmp()) return std::nullopt;
  return "format " + std::string(format_name(o.format)) + " with flags " + std::to_string(o.flags) +
         " contradicts the mpz layout of parts[0]";
}

}  // namespace cf::oracles
