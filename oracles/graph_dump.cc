// See graph_dump.h. Reads only validated regions or trusted heaps, so it trusts their layout.
#include "oracles/graph_dump.h"

#include <cstdio>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
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


// Where the objects of a dump live. Region dumps list their parts' bytes (each with its mpz
// layout) and anything else is a dep; a memory graph lists no parts: everything outside the
// deps is its own, with one mpz layout.
struct Space {
  struct Part {
    RegionView view;
    bool gmp;
  };
  std::vector<Part> parts;
  std::vector<RegionView> deps;
  bool memory = false;
  bool memory_gmp = true;

  // The mpz layout of an object to dump, or nullopt for an object outside the dump.
  std::optional<bool> own_gmp(uint64_t addr) const {
    if (memory) return dep_of(addr) ? std::nullopt : std::optional<bool>(memory_gmp);
    for (const Part& p : parts)
      if (p.view.holds(reinterpret_cast<const void*>(addr))) return p.gmp;
    return std::nullopt;
  }

  std::optional<size_t> dep_of(uint64_t addr) const {
    for (size_t k = 0; k < deps.size(); ++k)
      if (deps[k].holds(reinterpret_cast<const void*>(addr))) return k;
    return std::nullopt;
  }
};

class Dumper {
 public:
  Dumper(Space space, bool max_share) : space_(std::move(space)), max_share_(max_share) {}

  // A root or field value: a boxed scalar, or a reference to a node (emitting its subgraph first).
  json value(uint64_t w) {
    if (is_scalar(w)) return {{"box", unbox(w)}};
    return {{"ref", node_of(w)}};
  }

  json take_nodes() { return std::move(nodes_); }

 private:
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
      const SlotRange slots = space_.own_gmp(f.addr) ? object_slots(obj) : SlotRange{};
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

  json refs(const uint8_t* obj, SlotRange slots) {
    json a = json::array();
    for (uint64_t i = 0; i < slots.count; ++i) {
      const uint64_t w = load_u64(obj + slots.first + 8 * i);
      a.push_back(is_scalar(w) ? json{{"box", unbox(w)}} : json{{"ref", ids_.at(w)}});
    }
    return a;
  }

  void emit(uint64_t addr) {
    const std::optional<bool> gmp = space_.own_gmp(addr);
    json n = gmp ? object_node(reinterpret_cast<const uint8_t*>(addr), *gmp) : dep_node(addr);
    if (max_share_ && gmp && is_shareable(ObjectHeader::decode(reinterpret_cast<const uint8_t*>(addr)).kind())) {
      // Children are ids already, so equal JSON is §4.4's equal byte image at graph level.
      const auto [it, fresh] = shared_.try_emplace(n.dump(), static_cast<uint32_t>(nodes_.size()));
      if (!fresh) {
        ids_[addr] = it->second;
        return;
      }
    }
    ids_[addr] = static_cast<uint32_t>(nodes_.size());
    nodes_.push_back(std::move(n));
  }

  json dep_node(uint64_t addr) const {
    if (const auto k = space_.dep_of(addr))
      return {{"kind", "dep"}, {"dep", *k}, {"offset", addr - reinterpret_cast<uint64_t>(space_.deps[*k].begin)}};
    return {{"kind", "unknown"}, {"address", hex_word(addr)}};  // unreachable for validated regions
  }

  json object_node(const uint8_t* obj, bool gmp) {
    const ObjectHeader h = ObjectHeader::decode(obj);
    const Kind k = h.kind();
    json n = {{"kind", std::string(kind_name(k))}};
    const SlotRange slots = object_slots(obj);
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

  // Limbs (digits) are read through the limb (digit) pointer: a heap mpz keeps them in a
  // separate block, a loaded one right after its struct.
  static json mpz_fields(const uint8_t* obj, bool gmp) {
    json n;
    json limbs = json::array();
    if (gmp) {
      const int32_t sz = load_i32(obj + layout::mpz_size);
      n["negative"] = sz < 0;
      const uint64_t count = static_cast<uint64_t>(sz < 0 ? -static_cast<int64_t>(sz) : sz);
      const auto* at = reinterpret_cast<const uint8_t*>(load_u64(obj + layout::mpz_limb_ptr));
      for (uint64_t i = 0; i < count; ++i) limbs.push_back(hex_word(load_u64(at + 8 * i)));
      n["limbs"] = std::move(limbs);
    } else {
      n["negative"] = obj[layout::mpz_sign] != 0;
      const uint64_t count = load_u64(obj + layout::mpz_digit_count);
      const auto* at = reinterpret_cast<const uint8_t*>(load_u64(obj + layout::mpz_digit_ptr));
      for (uint64_t i = 0; i < count; ++i) limbs.push_back(load_u32(at + 4 * i));
      n["digits"] = std::move(limbs);
    }
    return n;
  }

  Space space_;
  bool max_share_;
  std::unordered_map<uint64_t, uint32_t> ids_;
  std::unordered_map<std::string, uint32_t> shared_;  // shareable node JSON -> its id
  json nodes_ = json::array();
};

}  // namespace

json dump_graph(std::span<const Region* const> parts, std::span<const Region* const> deps) {
  Space space;
  for (const Region* p : parts) space.parts.push_back({p->view(), p->header().gmp()});
  for (const Region* d : deps) space.deps.push_back(d->view());
  Dumper dumper(std::move(space), false);
  json out;
  out["schema"] = "compactfuzz-graph/1";
  json part_list = json::array();
  for (const Region* p : parts) {
    const FileHeader& h = p->header();
    json part = {{"file", p->name()},
                 {"format", std::string(format_name(h.format))},
                 {"flags", h.flags},
                 {"version_string", hex_bytes(h.version_string.data(), h.version_string.size())},
                 {"githash", hex_bytes(h.githash.data(), h.githash.size())},
                 {"base_addr", hex_word(h.base_addr)}};
    part["root"] = dumper.value(p->root());
    part_list.push_back(std::move(part));
  }
  json dep_list = json::array();
  for (const Region* d : deps) dep_list.push_back({{"file", d->name()}, {"base_addr", hex_word(d->base_addr())}});
  out["parts"] = std::move(part_list);
  out["deps"] = std::move(dep_list);
  out["nodes"] = dumper.take_nodes();
  return out;
}

json dump_memory_graph(std::span<const uint64_t> roots, std::span<const RegionView> deps, bool gmp, bool max_share) {
  Space space;
  space.deps.assign(deps.begin(), deps.end());
  space.memory = true;
  space.memory_gmp = gmp;
  Dumper dumper(std::move(space), max_share);
  json out;
  out["schema"] = "compactfuzz-graph/1";
  json part_list = json::array();
  for (const uint64_t r : roots) part_list.push_back({{"root", dumper.value(r)}});
  json dep_list = json::array();
  for (const RegionView& d : deps) dep_list.push_back({{"size", d.size}});
  out["parts"] = std::move(part_list);
  out["deps"] = std::move(dep_list);
  out["nodes"] = dumper.take_nodes();
  return out;
}

}  // namespace cf::oracles
