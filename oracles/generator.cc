// See generator.h. Each node is kept as a recipe (kind, payload, child words) next to its heap
// address, so a structural copy rebuilds it without parsing heap layouts. Payloads come from
// small value sets on purpose: independently built nodes then often coincide, which max
// sharing must notice as well as the deliberate copies.
#include "oracles/generator.h"

#include <algorithm>
#include <iterator>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/format.h"

namespace cf::oracles {
namespace {

struct Recipe {
  Kind kind = Kind::ctor;
  uint8_t small = 0;  // ctor tag, or sarray element size
  bool negative = false;
  uint16_t arity = 0;
  uint64_t fun = 0;
  std::vector<uint64_t> children;  // slot words: scalars, heap nodes, dep objects
  std::vector<uint8_t> bytes;      // ctor scalar area, sarray data, string text
  std::vector<uint64_t> limbs;
};

struct Node {
  uint64_t addr;
  uint32_t height;     // 1 + the tallest child node's height
  uint64_t tree_size;  // objects counted as a tree (an upper bound on a copy's size)
  Recipe recipe;
};

constexpr std::string_view k_strings[] = {
    "", "a", "b", "ab", "Lean", "Nat.succ", "h\xc3\xa9llo", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
    "\xf0\x9f\x99\x82x", "\xce\xbb x, x", "tab\there", "line\nbreak"};

bool shareable(Kind k) { return k != Kind::mpz && k != Kind::ref && k != Kind::closure; }

class Generator {
 public:
  Generator(Heap& heap, const GenSpec& spec) : heap_(heap), spec_(spec), rng_(spec.seed) {}

  GenGraph run() {
    const uint32_t parts = std::clamp<uint32_t>(spec_.parts, 1, 3);
    const bool weighted = spec_.part_pct[0] + spec_.part_pct[1] + spec_.part_pct[2] != 0;
    for (uint32_t k = 0; k < parts; ++k) {
      const uint64_t share = weighted ? uint64_t{spec_.objects} * spec_.part_pct[k] / 100 : spec_.objects / parts;
      const uint64_t per_part = std::max<uint64_t>(1, share);
      unused_.clear();
      for (uint64_t i = 0; i < per_part; ++i) step();
      out_.roots.push_back(part_root(k));
    }
    return std::move(out_);
  }

 private:
  uint64_t below(uint64_t n) { return n == 0 ? 0 : rng_() % n; }
  bool chance(uint32_t pct) { return below(100) < pct; }

  void step() {
    if (!nodes_.empty() && chance(spec_.dup_pct)) {
      const size_t i = below(nodes_.size());
      if (nodes_[i].tree_size <= spec_.dup_max) {
        unused_.push_back(copy_subtree(nodes_[i].addr));
        return;
      }
    }
    unused_.push_back(add(chance(spec_.edge_pct) ? edge_recipe() : random_recipe()));
  }

  // A part's root ties together the nodes no other node of the part uses; later parts
  // sometimes end on an earlier node, a copy of one, or a scalar instead.
  uint64_t part_root(uint32_t k) {
    const uint64_t roll = below(100);
    if (roll < 3) return box(below(100));
    if (k > 0 && roll < 10) return out_.roots[below(k)];
    if (k > 0 && roll < 16 && !is_scalar(out_.roots[k - 1]) && index_.count(out_.roots[k - 1]) != 0)
      return copy_subtree(out_.roots[k - 1]);
    if (unused_.size() == 1) return unused_[0];
    Recipe r;
    r.kind = unused_.size() <= 8 && chance(50) ? Kind::ctor : Kind::array;
    r.children = unused_;
    return add(std::move(r));
  }

  Kind pick_kind() {
    uint64_t total = 0;
    for (uint32_t w : spec_.kind_weights) total += w;
    uint64_t x = below(total);
    for (size_t i = 0; i < k_num_file_kinds; ++i) {
      if (x < spec_.kind_weights[i]) return static_cast<Kind>(i);
      x -= spec_.kind_weights[i];
    }
    return Kind::ctor;
  }

  // A slot word for a new node: a scalar, a dep object, a shared node, or a pending subtree.
  uint64_t child() {
    if (chance(spec_.scalar_pct)) return box(chance(90) ? below(8) : rng_() >> 1);
    if (!spec_.dep_objects.empty() && chance(spec_.dep_pct)) {
      ++out_.dep_refs;
      return spec_.dep_objects[below(spec_.dep_objects.size())];
    }
    if (nodes_.empty()) return box(below(8));
    if (unused_.empty() || chance(spec_.share_pct)) {
      const size_t i = below(nodes_.size());
      return nodes_[i].height < spec_.max_depth ? nodes_[i].addr : box(below(8));
    }
    const size_t u = below(unused_.size());
    const size_t i = index_.at(unused_[u]);
    // Too tall to be a child: it stays unused, so the part root still reaches it.
    if (nodes_[i].height >= spec_.max_depth) return box(below(8));
    unused_[u] = unused_.back();
    unused_.pop_back();
    return nodes_[i].addr;
  }

  std::vector<uint64_t> children(uint64_t n) {
    std::vector<uint64_t> c;
    if (n > 0 && !nodes_.empty() && chance(spec_.chain_pct) && nodes_.back().height < spec_.max_depth) {
      c.push_back(nodes_.back().addr);
    }
    while (c.size() < n) c.push_back(child());
    return c;
  }

  std::vector<uint8_t> small_bytes(uint64_t n) {
    std::vector<uint8_t> b(n);
    const bool wide = chance(30);
    for (auto& x : b) x = static_cast<uint8_t>(wide ? below(256) : below(3));
    return b;
  }

  // Index drawn from a table of per-mille weights.
  size_t draw(std::span<const uint32_t> per_mille) {
    uint64_t x = below(1000);
    for (size_t i = 0; i < per_mille.size(); ++i) {
      if (x < per_mille[i]) return i;
      x -= per_mille[i];
    }
    return per_mille.size() - 1;
  }

  // corpus/real's shapes (docs/generators.md): ctor fields 0..6, scalar areas 0/8/16 bytes
  // (Name hashes), tags 0..12, strings of 7..23 characters, arrays mostly 1..9 elements.
  Recipe real_recipe() {
    static constexpr uint32_t k_fields[] = {1, 51, 746, 123, 65, 11, 3};
    static constexpr uint32_t k_scalars[] = {274, 637, 89};
    Recipe r;
    r.kind = pick_kind();
    switch (r.kind) {
      case Kind::ctor:
        r.small = static_cast<uint8_t>(below(13));
        r.children = children(draw(k_fields));
        r.bytes = small_bytes(8 * draw(k_scalars));
        break;
      case Kind::array: {
        const uint64_t roll = below(100);
        r.children = children(roll < 50 ? 1 + below(2) : roll < 90 ? 3 + below(7) : 10 + below(190));
        break;
      }
      case Kind::string: {
        const uint64_t n = 7 + below(17);
        for (uint64_t i = 0; i < n; ++i) r.bytes.push_back(static_cast<uint8_t>('a' + below(26)));
        break;
      }
      default: return random_recipe_of(r.kind);
    }
    return r;
  }

  Recipe edge_recipe() {
    Recipe r;
    switch (below(5)) {
      case 0:
        r.small = static_cast<uint8_t>(below(k_max_ctor_tag + 1));
        r.children = children(k_max_ctor_fields_in_file);
        break;
      case 1: r.bytes = small_bytes(k_max_ctor_scalars_size); break;
      case 2:
        r.kind = Kind::mpz;
        r.limbs.assign(8189 + below(12), 0);
        for (auto& l : r.limbs) l = rng_();
        r.limbs.back() |= 1;  // no trailing zero limb
        r.negative = chance(50);
        break;
      case 3:
        r.kind = Kind::array;
        r.children = children(4096 + below(4096));
        break;
      default: break;  // a 0-field ctor without scalars: 8 bytes
    }
    return r;
  }

  Recipe random_recipe() {
    if (spec_.real_shapes) return real_recipe();
    return random_recipe_of(pick_kind());
  }

  Recipe random_recipe_of(Kind kind) {
    Recipe r;
    r.kind = kind;
    const uint64_t fanout = below(uint64_t{spec_.max_fanout} + 1);
    switch (r.kind) {
      case Kind::ctor: {
        r.small = static_cast<uint8_t>(chance(80) ? below(4) : below(k_max_ctor_tag + 1));
        r.children = children(fanout);
        const uint64_t roll = below(100);
        r.bytes = small_bytes(roll < 55 ? 0 : roll < 80 ? 8 * below(3) : roll < 98 ? 1 + below(24) : below(1025));
        break;
      }
      case Kind::array: r.children = children(chance(15) ? 0 : fanout); break;
      case Kind::sarray: {
        r.small = static_cast<uint8_t>(1u << below(4));
        r.bytes = small_bytes(r.small * below(6));
        break;
      }
      case Kind::string: r.bytes = string_bytes(); break;
      case Kind::mpz: {
        const uint64_t n = below(4);
        for (uint64_t i = 0; i < n; ++i) r.limbs.push_back(chance(50) ? below(3) + 1 : rng_());
        if (n > 0 && r.limbs.back() == 0) r.limbs.back() = 1;  // no trailing zero limb
        r.negative = n > 0 && chance(50);
        break;
      }
      case Kind::closure: {
        r.children = children(std::min<uint64_t>(fanout, 4));
        r.arity = static_cast<uint16_t>(r.children.size() + 1 + below(3));
        r.fun = spec_.closure_fun_base + 8 * below(4096);
        break;
      }
      default: r.children = children(1); break;  // thunk, task, ref, promise
    }
    return r;
  }

  std::vector<uint8_t> string_bytes() {
    std::string s;
    if (chance(85)) {
      s = k_strings[below(std::size(k_strings))];
    } else {
      const uint64_t n = below(40);
      for (uint64_t i = 0; i < n; ++i) s += chance(90) ? static_cast<char>('a' + below(26)) : '\0';
      if (chance(50)) s += "\xe2\x88\x80";  // a multi-byte tail
    }
    return {s.begin(), s.end()};
  }

  uint64_t spare() { return chance(spec_.spare_pct) ? 1 + below(4) : 0; }

  uint64_t build(const Recipe& r) {
    const std::span<const uint64_t> c = r.children;
    switch (r.kind) {
      case Kind::ctor: return heap_.ctor(r.small, c, r.bytes);
      case Kind::array: return heap_.array(c, spare());
      case Kind::sarray: return heap_.sarray(r.small, r.bytes, spare());
      case Kind::string: {
        const std::string_view text(reinterpret_cast<const char*>(r.bytes.data()), r.bytes.size());
        return heap_.string(text, spare());
      }
      case Kind::mpz: return heap_.mpz(r.negative, r.limbs);
      case Kind::thunk: return heap_.thunk(c[0]);
      case Kind::task: return heap_.task(c[0]);
      case Kind::ref: return heap_.ref(c[0]);
      case Kind::promise: return heap_.promise(c[0]);
      case Kind::closure: return heap_.closure(r.fun, r.arity, c);
      default: return box(0);  // the generator makes file kinds only
    }
  }

  uint64_t add(Recipe r) {
    const uint64_t addr = build(r);
    uint32_t height = 0;
    uint64_t tree = 1;
    for (const uint64_t c : r.children) {
      const auto it = index_.find(c);
      if (it == index_.end()) continue;  // scalar or dep object
      height = std::max(height, nodes_[it->second].height);
      tree = std::min<uint64_t>(tree + nodes_[it->second].tree_size, uint64_t{1} << 40);
    }
    index_[addr] = nodes_.size();
    nodes_.push_back({addr, height + 1, tree, std::move(r)});
    ++out_.objects;
    return addr;
  }

  // Rebuilds the subtree under `root` as new objects, post-order with an explicit stack,
  // keeping its internal sharing. Half the copies keep mpz / ref / closure nodes by identity
  // (so the copy's parents can still merge), the other half copy them (so they cannot).
  uint64_t copy_subtree(uint64_t root) {
    const bool keep_unshareable = chance(50);
    std::unordered_map<uint64_t, uint64_t> copied;
    auto settled = [&](uint64_t w) {
      if (copied.count(w) != 0 || index_.count(w) == 0) return true;  // done, scalar or dep
      return keep_unshareable && !shareable(nodes_[index_.at(w)].recipe.kind);
    };
    auto mapped = [&](uint64_t w) { return copied.count(w) != 0 ? copied.at(w) : w; };
    std::vector<uint64_t> stack{root};
    while (!stack.empty()) {
      const uint64_t w = stack.back();
      if (settled(w)) {
        stack.pop_back();
        continue;
      }
      Recipe r = nodes_[index_.at(w)].recipe;
      bool ready = true;
      for (const uint64_t c : r.children)
        if (!settled(c)) stack.push_back(c), ready = false;
      if (!ready) continue;
      stack.pop_back();
      for (uint64_t& c : r.children) c = mapped(c);
      copied[w] = add(std::move(r));
      ++out_.copies;
    }
    return mapped(root);
  }

  Heap& heap_;
  const GenSpec& spec_;
  std::mt19937_64 rng_;
  GenGraph out_;
  std::vector<Node> nodes_;
  std::unordered_map<uint64_t, size_t> index_;  // heap address -> nodes_ index
  std::vector<uint64_t> unused_;                // this part's nodes no node uses yet
};

}  // namespace

GenGraph generate(Heap& heap, const GenSpec& spec) { return Generator(heap, spec).run(); }

GenSpec real_file_profile(uint64_t seed, uint32_t objects) {
  GenSpec s;
  s.seed = seed;
  s.objects = objects;
  // Objects per kind in corpus/real: ctor 85.62 %, string 11.75 %, array 2.61 %, mpz 0.02 %.
  s.kind_weights = {8562, 261, 0, 1175, 2, 0, 0, 0, 0, 0};
  s.scalar_pct = 12;  // 11.7 % of pointer-slot words are boxed scalars
  s.share_pct = 30;
  s.dup_pct = 0;      // real graphs arrive max-shared (FORMAT.md §9.3)
  s.spare_pct = 0;
  s.max_depth = 96;   // deepest real file: 93
  s.real_shapes = true;
  return s;
}

uint64_t deep_list(Heap& heap, uint64_t n) {
  uint64_t tail = box(0);
  for (uint64_t i = 0; i < n; ++i) tail = heap.ctor(1, std::vector<uint64_t>{box(i), tail});
  return tail;
}

}  // namespace cf::oracles
