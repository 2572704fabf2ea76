#include "harness/region_mutator.h"

#include <algorithm>
#include <cstring>
#include <optional>

#include "core/layout.h"
#include "oracles/chain_input.h"

// libFuzzer's own mutator; weak, so the replay driver, AFL++'s driver and the unit tests link
// without it (a simple byte mutation stands in).
extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size) __attribute__((weak));

namespace cf::fuzz {
namespace {

uint64_t get_u64(std::span<const uint8_t> f, uint64_t at) { return in_range(at, 8, f.size()) ? load_u64(f.data() + at) : 0; }
uint16_t get_u16(std::span<const uint8_t> f, uint64_t at) { return in_range(at, 2, f.size()) ? load_u16(f.data() + at) : 0; }
void put_u64(std::vector<uint8_t>& f, uint64_t at, uint64_t v) {
  if (in_range(at, 8, f.size())) store_u64(f.data() + at, v);
}
void put_u16(std::vector<uint8_t>& f, uint64_t at, uint16_t v) {
  if (in_range(at, 2, f.size())) store_u16(f.data() + at, v);
}

// The object at `off` as the step rule (core/layout.h) lays it out, with its pointer slots
// clamped to the bytes present; size 0 when it has no layout. Never reads past the file.
MappedObject shape_at(std::span<const uint8_t> f, uint64_t off, bool gmp) {
  const ObjectProbe p = probe_object(f.data() + off, f.size() - off, gmp);
  MappedObject o;
  o.offset = off;
  o.tag = f[off + layout::tag];
  if (!p.laid_out) return o;
  o.size = std::max<uint64_t>(k_word, p.step);  // a ctor claiming 0 bytes still moves on
  o.slot_first = p.slots.first;
  const uint64_t room = f.size() > off + p.slots.first ? (f.size() - off - p.slots.first) / k_word : 0;
  o.slot_count = std::min(p.slots.count, room);
  return o;
}

template <class T>
T pick(std::mt19937_64& rng, T n) {  // uniform in [0, n), n > 0
  return static_cast<T>(rng() % n);
}

// Every pointer-sized place a mutation may aim: the root slot and every object's slots.
std::vector<uint64_t> pointer_slots(const RegionMap& m) {
  std::vector<uint64_t> slots;
  if (m.header_ok) slots.push_back(m.data_start);
  for (const MappedObject& o : m.objects)
    for (uint64_t i = 0; i < o.slot_count && slots.size() < 1u << 20; ++i) slots.push_back(o.offset + o.slot_first + 8 * i);
  return slots;
}

}  // namespace

void byte_mutate(std::vector<uint8_t>& region, size_t max_size, std::mt19937_64& rng) {
  if (LLVMFuzzerMutate != nullptr) {
    const size_t old = region.size();
    region.resize(std::max<size_t>({max_size, old, 1}));
    region.resize(LLVMFuzzerMutate(region.data(), old, region.size()));
    return;
  }
  if (region.empty()) {
    region.push_back(static_cast<uint8_t>(rng()));
    return;
  }
  const size_t flips = 1 + pick<size_t>(rng, 4);
  for (size_t i = 0; i < flips; ++i) region[pick(rng, region.size())] ^= static_cast<uint8_t>(1u << pick(rng, 8u));
}

std::string_view mutation_name(Mutation m) {
  static constexpr std::string_view names[k_num_mutations] = {
      "pointer_to_object", "pointer_off_object", "pointer_into_dep", "pointer_to_scalar",
      "object_size",       "tag",                "field_count",      "string_length",
      "header_field",      "truncate_at_object", "ref_count",        "byte_level"};
  return names[static_cast<size_t>(m)];
}

RegionMap map_region(std::span<const uint8_t> f) {
  RegionMap m;
  std::optional<Format> format;
  if (f.size() >= k_magic_v0_size && std::memcmp(f.data(), k_magic_v0, k_magic_v0_size) == 0) {
    format = Format::v0;
  } else if (f.size() > k_magic_size && std::memcmp(f.data(), k_magic, k_magic_size) == 0 && f[k_magic_size] >= 1 &&
             f[k_magic_size] <= 3) {
    format = static_cast<Format>(f[k_magic_size]);
  }
  if (!format || f.size() < header_size(*format)) return m;
  const HeaderLayout& at = header_layout(*format);
  m.header_ok = true;
  m.version = static_cast<uint8_t>(*format);
  m.data_start = at.size;
  m.base_offset = at.base_addr_at;
  m.base_addr = get_u64(f, at.base_addr_at);
  m.data_end = f.size();
  if (at.data_size_at != 0) {
    const uint64_t ds = get_u64(f, at.data_size_at);
    if (ds >= 8 && ds <= f.size() - m.data_start) m.data_end = m.data_start + ds;
  }
  const bool gmp = at.flags_at == 0 || (f[at.flags_at] & k_flag_gmp) != 0;
  uint64_t off = m.data_start + 8;
  while (off + 8 <= m.data_end && m.objects.size() < (1u << 20)) {
    const MappedObject o = shape_at(f.first(m.data_end), off, gmp);
    if (o.size == 0) break;
    m.objects.push_back(o);
    if (o.size > m.data_end - off) break;
    off += o.size;
  }
  return m;
}

RegionView view_of(std::span<const uint8_t> region) {
  return RegionView{region.data(), region.size(), LogicalAddr{map_region(region).base_addr}, nullptr};
}

namespace {

// One function per kind of mutation; each returns false, the region unchanged, when it does not
// apply. The region was mapped as `map` just before.
using Rng = std::mt19937_64;

const MappedObject& any_object(const RegionMap& map, Rng& rng) { return map.objects[pick(rng, map.objects.size())]; }

bool mutate_pointer(std::vector<uint8_t>& region, const RegionMap& map, Mutation m, std::span<const RegionView> deps,
                    Rng& rng) {
  const auto& objs = map.objects;
  const std::vector<uint64_t> slots = pointer_slots(map);
  if (slots.empty()) return false;
  const uint64_t slot = slots[pick(rng, slots.size())];
  uint64_t target = 0;
  if (m == Mutation::pointer_to_scalar) {
    static constexpr uint64_t far[] = {0, 1, 0xFFFFFFFFFFFFFFFF, 0x8000000000000000};
    target = pick(rng, 3u) == 0 ? far[pick(rng, 4u)] : (rng() << 1) | 1;
  } else if (m == Mutation::pointer_into_dep) {
    if (deps.empty()) return false;
    const RegionView& d = deps[pick(rng, deps.size())];
    const RegionMap dep_map = map_region({d.begin, d.size});
    if (dep_map.objects.empty()) return false;
    target = d.base.value + dep_map.objects[pick(rng, dep_map.objects.size())].offset;
    if (pick(rng, 4u) == 0) target += pick(rng, 2u) ? 8 : -8;
  } else {
    if (objs.empty()) return false;
    const MappedObject& o = any_object(map, rng);
    target = map.base_addr + o.offset;
    if (m == Mutation::pointer_off_object) {
      static constexpr int64_t deltas[] = {1, -1, 8, -8, 4, 16};
      const size_t k = pick(rng, 7u);
      target = k < 6 ? target + static_cast<uint64_t>(deltas[k]) : target + o.size;
    }
  }
  if (get_u64(region, slot) == target) return false;
  put_u64(region, slot, target);
  return true;
}

bool mutate_object_size(std::vector<uint8_t>& region, const RegionMap& map, Rng& rng) {
  const auto& objs = map.objects;
  if (objs.empty()) return false;
  const MappedObject& o = any_object(map, rng);
  if (o.offset + layout::array_data > region.size() || pick(rng, 2u) == 0 || o.tag <= k_tag_closure) {
    const uint16_t cs = get_u16(region, o.offset + layout::cs_sz);
    static constexpr int deltas[] = {8, -8, 1, -1, 4096};
    put_u16(region, o.offset + layout::cs_sz, pick(rng, 4u) == 0 ? static_cast<uint16_t>(rng())
                                                      : static_cast<uint16_t>(cs + deltas[pick(rng, 5u)]));
  } else {
    // m_size or m_capacity (mpz: alloc and size, or the digit count)
    const uint64_t field = pick(rng, 2u) ? layout::array_size : layout::array_capacity;
    const uint64_t v = get_u64(region, o.offset + field);
    static constexpr uint64_t repl[] = {0, 1, 0xFFFFFFFF, 0x7FFFFFFFFFFFFFFF, 0xFFFFFFFFFFFFFFFF};
    put_u64(region, o.offset + field, pick(rng, 3u) == 0 ? repl[pick(rng, 5u)] : v + (pick(rng, 2u) ? 1 : -1));
  }
  return true;
}

bool mutate_tag(std::vector<uint8_t>& region, const RegionMap& map, Rng& rng) {
  const auto& objs = map.objects;
  if (objs.empty()) return false;
  static constexpr uint8_t tags[] = {0,           1,           7,           k_max_ctor_tag, k_tag_promise, k_tag_closure,
                                     k_tag_array, k_tag_struct_array, k_tag_scalar_array, k_tag_string, k_tag_mpz,
                                     k_tag_thunk, k_tag_task, k_tag_ref, k_tag_external, k_tag_reserved};
  const MappedObject& o = any_object(map, rng);
  const uint8_t t = tags[pick(rng, sizeof tags)];
  if (region[o.offset + layout::tag] == t) return false;
  region[o.offset + layout::tag] = t;
  return true;
}

bool mutate_field_count(std::vector<uint8_t>& region, const RegionMap& map, Rng& rng) {
  const auto& objs = map.objects;
  if (objs.empty()) return false;
  const MappedObject& o = any_object(map, rng);
  uint8_t& other = region[o.offset + layout::other];
  const uint8_t was = other;
  other = pick(rng, 3u) == 0 ? static_cast<uint8_t>(rng()) : static_cast<uint8_t>(other + (pick(rng, 2u) ? 1 : -1));
  return other != was;
}

bool mutate_string(std::vector<uint8_t>& region, const RegionMap& map, Rng& rng) {
  const auto& objs = map.objects;
  std::vector<const MappedObject*> strings;
  for (const MappedObject& o : objs)
    if (o.tag == k_tag_string && o.offset + layout::string_data <= region.size()) strings.push_back(&o);
  if (strings.empty()) return false;
  const MappedObject& s = *strings[pick(rng, strings.size())];
  const size_t what = pick(rng, 4u);
  if (what == 3) {  // a content byte: NUL inside, a stray continuation byte, an overlong lead
    const uint64_t len = std::min<uint64_t>(get_u64(region, s.offset + layout::array_size),
                                            region.size() - s.offset - layout::string_data);
    if (len == 0) return false;
    static constexpr uint8_t bytes[] = {0x00, 0x80, 0xC0, 0xFF, 0xED};
    region[s.offset + layout::string_data + pick(rng, len)] = bytes[pick(rng, 5u)];
  } else {
    const uint64_t field = what == 0   ? layout::string_length
                           : what == 1 ? layout::array_size
                                       : layout::array_capacity;
    put_u64(region, s.offset + field, get_u64(region, s.offset + field) + (pick(rng, 2u) ? 1 : -1));
  }
  return true;
}

bool mutate_header(std::vector<uint8_t>& region, const RegionMap& map, Rng& rng) {
  if (!map.header_ok) return false;
  const HeaderLayout& at = header_layout(static_cast<Format>(map.version));
  switch (pick(rng, 7u)) {
    case 0: region[pick<size_t>(rng, map.version == 0 ? k_magic_v0_size : k_magic_size)] ^= 0x20; break;  // magic
    case 1:
      if (at.version_at == 0) return false;
      region[at.version_at] = static_cast<uint8_t>(pick(rng, 5u));  // version byte 0..4
      break;
    case 2:
      if (at.flags_at == 0) return false;
      region[at.flags_at] ^= static_cast<uint8_t>(1u << pick(rng, 8u));
      break;
    case 3: put_u64(region, map.base_offset, map.base_addr + (pick(rng, 2u) ? 8 : 0x10000)); break;
    case 4: put_u64(region, map.base_offset, pick(rng, 2u) ? 0 : rng()); break;
    case 5:
      if (at.data_size_at == 0) return false;
      put_u64(region, at.data_size_at, get_u64(region, at.data_size_at) + (pick(rng, 2u) ? 8 : -8));
      break;
    default:
      if (at.version_string_at == 0) return false;
      region[at.version_string_at + pick(rng, k_version_string_size)] = pick(rng, 2u) ? 0 : static_cast<uint8_t>(rng());
      break;
  }
  return true;
}

bool truncate_at_object(std::vector<uint8_t>& region, const RegionMap& map, Rng& rng) {
  const auto& objs = map.objects;
  if (objs.empty()) return false;
  static constexpr int64_t deltas[] = {0, 0, 1, -1, 8};
  const uint64_t cut = any_object(map, rng).offset + static_cast<uint64_t>(deltas[pick(rng, 5u)]);
  if (cut >= region.size()) return false;
  region.resize(cut);
  return true;
}

bool mutate_ref_count(std::vector<uint8_t>& region, const RegionMap& map, Rng& rng) {
  const auto& objs = map.objects;
  if (objs.empty()) return false;
  const MappedObject& o = any_object(map, rng);
  region[o.offset + (pick(rng, 2u) ? 0 : 3)] ^= 1;  // m_rc = 1, or a sign bit high byte
  return true;
}

}  // namespace

bool apply_mutation(std::vector<uint8_t>& region, Mutation m, std::span<const RegionView> deps, std::mt19937_64& rng) {
  const RegionMap map = map_region(region);
  switch (m) {
    case Mutation::pointer_to_object:
    case Mutation::pointer_off_object:
    case Mutation::pointer_into_dep:
    case Mutation::pointer_to_scalar: return mutate_pointer(region, map, m, deps, rng);
    case Mutation::object_size: return mutate_object_size(region, map, rng);
    case Mutation::tag: return mutate_tag(region, map, rng);
    case Mutation::field_count: return mutate_field_count(region, map, rng);
    case Mutation::string_length: return mutate_string(region, map, rng);
    case Mutation::header_field: return mutate_header(region, map, rng);
    case Mutation::truncate_at_object: return truncate_at_object(region, map, rng);
    case Mutation::ref_count: return mutate_ref_count(region, map, rng);
    case Mutation::byte_level: break;
  }
  return false;
}

Mutation mutate_region(std::vector<uint8_t>& region, size_t max_size, std::span<const RegionView> deps,
                       std::mt19937_64& rng) {
  if (pick(rng, 5u) != 0) {
    const RegionMap map = map_region(region);
    if (map.header_ok) {
      for (int attempt = 0; attempt < 8; ++attempt) {
        const auto m = static_cast<Mutation>(pick(rng, k_num_mutations - 1));
        if (apply_mutation(region, m, deps, rng)) return m;
      }
    }
  }
  byte_mutate(region, max_size, rng);
  return Mutation::byte_level;
}

size_t mutate_file(uint8_t* data, size_t size, size_t max_size, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint8_t> region(data, data + size);
  mutate_region(region, max_size, {}, rng);
  if (region.size() > max_size) region.resize(max_size);
  std::memcpy(data, region.data(), region.size());
  return region.size();
}

size_t mutate_chain(uint8_t* data, size_t size, size_t max_size, unsigned seed) {
  std::mt19937_64 rng(seed);
  oracles::ChainInput chain = oracles::decode_chain({data, size});
  const size_t action = pick(rng, 10u);
  if (action == 0) {  // the container's flags: region count, leniency, dep-order seed
    data[0] = size > 0 ? static_cast<uint8_t>(data[0] ^ (1u << pick(rng, 8u))) : 0;
    return std::max<size_t>(size, 1);
  }
  if (action == 1 && chain.regions.size() > 1) {  // two regions trade places
    const size_t a = pick(rng, chain.regions.size()), b = pick(rng, chain.regions.size());
    std::swap(chain.regions[a], chain.regions[b]);
  } else if (action == 2) {  // the engine's own mutation of the whole container
    std::vector<uint8_t> all(data, data + size);
    byte_mutate(all, max_size, rng);
    std::memcpy(data, all.data(), std::min(all.size(), max_size));
    return std::min(all.size(), max_size);
  } else {
    const size_t k = pick(rng, chain.regions.size());
    std::vector<RegionView> deps;  // the regions before k, which chain.regions keeps alive
    for (size_t d = 0; d < k; ++d) deps.push_back(view_of(chain.regions[d]));
    const size_t others = size - chain.regions[k].size();
    mutate_region(chain.regions[k], max_size > others ? max_size - others : 0, deps, rng);
  }
  const std::vector<uint8_t> out = oracles::encode_chain(chain);
  if (out.size() > max_size) return size;  // cannot grow past the engine's limit: unchanged
  std::memcpy(data, out.data(), out.size());
  return out.size();
}

}  // namespace cf::fuzz
