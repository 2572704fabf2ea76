// See graph_dump.h. Reads only validated regions, so it trusts their layout.
#include "oracles/graph_dump.h"

#include <cstdio>
#include <string>
#include <unordered_map>
#include <vector>

namespace cf::oracles {
namespace {

using nlohmann::json;

std::string hex_bytes(const uint8_t* p, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  s.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) {
    s += digits[p[i] >> 4];
    s += digits[p[i] & 15];
  }
  return s;
}

std::string hex_word(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

class Dumper {
 public:
  Dumper(std::span<const Region* const> parts, std::span<const Region* const> deps) : parts_(parts), deps_(deps) {}

  json run() {
    json out;
    out["schema"] = "compactfuzz-graph/1";
    json parts = json::array();
    for (const Region* p : parts_) {
      const FileHeader& h = p->header();
      json part = {{"file", p->name()},
                   {"format", std::string(format_name(h.format))},
                   {"flags", h.flags},
                   {"version_string", hex_bytes(h.version_string.data(), h.version_string.size())},
                   {"githash", hex_bytes(h.githash.data(), h.githash.size())},
                   {"base_addr", hex_word(h.base_addr)}};
      part["root"] = value(p->root());
      parts.push_back(std::move(part));
    }
    json deps = json::array();
    for (const Region* d : deps_) deps.push_back({{"file", d->name()}, {"base_addr", hex_word(d->base_addr())}});
    out["parts"] = std::move(parts);
    out["deps"] = std::move(deps);
    out["nodes"] = std::move(nodes_);
    return out;
  }

 private:
  // A field value: a boxed scalar, or a reference to a node (emitting its subgraph first).
  json value(uint64_t w) {
    if (is_scalar(w)) return {{"box", unbox(w)}};
    return {{"ref", node_of(w)}};
  }

  // Post-order emission with an explicit stack; returns the node id of the object at w.
  uint32_t node_of(uint64_t root) {
    if (auto it = ids_.find(root); it != ids_.end()) return it->second;
    struct Frame {
      uint64_t addr;
      uint64_t next;  // next child slot to visit
    };
    std::vector<Frame> stack{{root, 0}};
    while (!stack.empty()) {
      Frame& f = stack.back();
      const auto* obj = reinterpret_cast<const uint8_t*>(f.addr);
      const SlotRange slots = own_region(f.addr) ? slots_of(obj) : SlotRange{};
      bool pushed = false;
      while (f.next < slots.count) {
        const uint64_t c = load_u64(obj + slots.first + 8 * f.next++);
        if (!is_scalar(c) && ids_.find(c) == ids_.end()) {
          stack.push_back({c, 0});
          pushed = true;
          break;
        }
      }
      if (pushed) continue;
      const uint64_t addr = f.addr;
      stack.pop_back();
      if (ids_.find(addr) == ids_.end()) emit(addr);
    }
    return ids_.at(root);
  }

  const Region* own_region(uint64_t addr) const {
    for (const Region* p : parts_)
      if (p->contains(reinterpret_cast<const void*>(addr))) return p;
    return nullptr;
  }

  static SlotRange slots_of(const uint8_t* obj) {
    const ObjectHeader h = ObjectHeader::decode(obj);
    switch (h.kind()) {
      case Kind::ctor: return {layout::ctor_fields, h.other};
      case Kind::array: return {layout::array_data, load_u64(obj + layout::array_size)};
      case Kind::closure: return {layout::closure_args, load_u16(obj + layout::closure_num_fixed)};
      case Kind::thunk:
      case Kind::task:
      case Kind::ref:
      case Kind::promise: return {layout::value, 1};
      default: return {};
    }
  }

  json refs(const uint8_t* obj, SlotRange slots) {
    json a = json::array();
    for (uint64_t i = 0; i < slots.count; ++i) {
      const uint64_t w = load_u64(obj + slots.first + 8 * i);
      a.push_back(is_scalar(w) ? json{{"box", unbox(w)}} : json{{"ref", ids_.at(w)}});
    }
    return a;
  }

  void emit(uint64_t addr) {
    json n;
    const Region* own = own_region(addr);
    if (own == nullptr) {
      n = dep_node(addr);
    } else {
      n = object_node(reinterpret_cast<const uint8_t*>(addr), own->header().gmp());
    }
    ids_[addr] = static_cast<uint32_t>(nodes_.size());
    nodes_.push_back(std::move(n));
  }

  json dep_node(uint64_t addr) const {
    for (size_t k = 0; k < deps_.size(); ++k)
      if (deps_[k]->contains(reinterpret_cast<const void*>(addr)))
        return {{"kind", "dep"}, {"dep", k}, {"offset", addr - reinterpret_cast<uint64_t>(deps_[k]->begin())}};
    return {{"kind", "unknown"}, {"address", hex_word(addr)}};  // unreachable for validated regions
  }

  json object_node(const uint8_t* obj, bool gmp) {
    const ObjectHeader h = ObjectHeader::decode(obj);
    const Kind k = h.kind();
    json n = {{"kind", std::string(kind_name(k))}};
    const SlotRange slots = slots_of(obj);
    switch (k) {
      case Kind::ctor: {
        n["tag"] = h.tag;
        n["fields"] = refs(obj, slots);
        const uint64_t scalar_at = 8 + 8 * uint64_t{h.other};
        n["scalars"] = hex_bytes(obj + scalar_at, align8(h.cs_sz) - scalar_at);
        break;
      }
      case Kind::array: n["elems"] = refs(obj, slots); break;
      case Kind::sarray: {
        n["elem_size"] = h.other;
        n["data"] = hex_bytes(obj + layout::array_data, h.other * load_u64(obj + layout::array_size));
        break;
      }
      case Kind::string: {
        const uint64_t size = load_u64(obj + layout::array_size);
        n["value"] = std::string(reinterpret_cast<const char*>(obj + layout::string_data), size - 1);
        break;
      }
      case Kind::mpz: n.update(mpz_fields(obj, gmp)); break;
      case Kind::closure: {
        n["fun"] = hex_word(load_u64(obj + layout::closure_fun));
        n["arity"] = load_u16(obj + layout::closure_arity);
        n["args"] = refs(obj, slots);
        break;
      }
      default: n["value"] = refs(obj, slots)[0]; break;  // thunk, task, ref, promise
    }
    return n;
  }

  static json mpz_fields(const uint8_t* obj, bool gmp) {
    json n;
    json limbs = json::array();
    if (gmp) {
      const int32_t sz = load_i32(obj + layout::mpz_size);
      n["negative"] = sz < 0;
      const uint64_t count = static_cast<uint64_t>(sz < 0 ? -static_cast<int64_t>(sz) : sz);
      for (uint64_t i = 0; i < count; ++i) limbs.push_back(hex_word(load_u64(obj + layout::mpz_limbs + 8 * i)));
      n["limbs"] = std::move(limbs);
    } else {
      n["negative"] = obj[layout::mpz_sign] != 0;
      const uint64_t count = load_u64(obj + layout::mpz_digit_count);
      for (uint64_t i = 0; i < count; ++i) limbs.push_back(load_u32(obj + layout::mpz_digits + 4 * i));
      n["digits"] = std::move(limbs);
    }
    return n;
  }

  std::span<const Region* const> parts_;
  std::span<const Region* const> deps_;
  std::unordered_map<uint64_t, uint32_t> ids_;
  json nodes_ = json::array();
};

}  // namespace

json dump_graph(std::span<const Region* const> parts, std::span<const Region* const> deps) {
  return Dumper(parts, deps).run();
}

}  // namespace cf::oracles
