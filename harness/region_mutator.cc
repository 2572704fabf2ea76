#include "harness/region_mutator.h"

#include <algorithm>
#include <cstring>

#include "harness/chain_input.h"

// libFuzzer's own mutator; weak, so the replay driver, AFL++'s driver and the unit tests link
// without it (a simple byte mutation stands in).
extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size) __attribute__((weak));

namespace cf::fuzz {
namespace {

constexpr char k_magic_v0[] = "oleanfile!!!!!!!";

uint64_t get_u64(std::span<const uint8_t> f, uint64_t at) {
  uint64_t v = 0;
  if (at + 8 <= f.size()) std::memcpy(&v, f.data() + at, 8);
  return v;
}
uint16_t get_u16(std::span<const uint8_t> f, uint64_t at) {
  uint16_t v = 0;
  if (at + 2 <= f.size()) std::memcpy(&v, f.data() + at, 2);
  return v;
}
void put_u64(std::vector<uint8_t>& f, uint64_t at, uint64_t v) {
  if (at + 8 <= f.size()) std::memcpy(f.data() + at, &v, 8);
}
void put_u16(std::vector<uint8_t>& f, uint64_t at, uint16_t v) {
  if (at + 2 <= f.size()) std::memcpy(f.data() + at, &v, 2);
}
uint64_t align8(uint64_t n) { return (n + 7) & ~uint64_t{7}; }

// The size of the object at `off` from its header and length fields, as FORMAT.md §1.4 lays
// the kinds out; 0 when the tag has no layout. Never reads past the file.
MappedObject shape_at(std::span<const uint8_t> f, uint64_t off, bool gmp) {
  MappedObject o;
  o.offset = off;
  o.tag = f[off + 7];
  const uint16_t cs = get_u16(f, off + 4);
  const uint8_t other = f[off + 6];
  const uint64_t big = uint64_t{1} << 40;  // keeps the arithmetic below from wrapping
  switch (o.tag) {
    case 244:  // promise
    case 253:  // ref
      o.size = 16, o.slot_first = 8, o.slot_count = 1;
      break;
    case 251:  // thunk
    case 252:  // task
      o.size = 24, o.slot_first = 8, o.slot_count = 1;
      break;
    case 245:  // closure
      o.size = 24 + 8 * uint64_t{get_u16(f, off + 18)}, o.slot_first = 24, o.slot_count = get_u16(f, off + 18);
      break;
    case 246: {  // array
      const uint64_t cap = std::min(get_u64(f, off + 16), big);
      o.size = 24 + 8 * cap, o.slot_first = 24, o.slot_count = std::min(get_u64(f, off + 8), cap);
      break;
    }
    case 248:  // scalar array
      o.size = align8(24 + uint64_t{other} * std::min(get_u64(f, off + 16), big));
      break;
    case 249:  // string
      o.size = align8(32 + std::min(get_u64(f, off + 16), big));
      break;
    case 250:  // mpz
      if (gmp) {
        int32_t sz = 0;
        if (off + 16 <= f.size()) std::memcpy(&sz, f.data() + off + 12, 4);
        o.size = 24 + 8 * (sz < 0 ? uint64_t{0} - static_cast<uint64_t>(static_cast<int64_t>(sz)) : uint64_t(sz));
      } else {
        o.size = align8(32 + 4 * std::min(get_u64(f, off + 16), big));
      }
      break;
    default:
      if (o.tag <= 243) o.size = std::max<uint64_t>(8, align8(cs)), o.slot_first = 8, o.slot_count = other;
      break;
  }
  // Slots present in the file only.
  if (o.slot_count > 0) {
    const uint64_t room = f.size() > off + o.slot_first ? (f.size() - off - o.slot_first) / 8 : 0;
    o.slot_count = std::min(o.slot_count, room);
  }
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

}  // namespace

std::string_view mutation_name(Mutation m) {
  static constexpr std::string_view names[k_num_mutations] = {
      "pointer_to_object", "pointer_off_object", "pointer_into_dep", "pointer_to_scalar",
      "object_size",       "tag",                "field_count",      "string_length",
      "header_field",      "truncate_at_object", "ref_count",        "byte_level"};
  return names[static_cast<size_t>(m)];
}

RegionMap map_region(std::span<const uint8_t> f) {
  RegionMap m;
  if (f.size() >= 24 && std::memcmp(f.data(), k_magic_v0, 16) == 0) {
    m.version = 0, m.data_start = 24, m.base_offset = 16;
  } else if (f.size() >= 56 && std::memcmp(f.data(), "olean", 5) == 0 && f[5] >= 1 && f[5] <= 3) {
    m.version = f[5];
    m.data_start = m.version == 1 ? 56 : m.version == 2 ? 88 : 96;
    m.base_offset = m.version == 1 ? 48 : 80;
    if (f.size() < m.data_start) return m;
  } else {
    return m;
  }
  m.header_ok = true;
  m.base_addr = get_u64(f, m.base_offset);
  m.data_end = f.size();
  if (m.version == 3) {
    const uint64_t ds = get_u64(f, 88);
    if (ds >= 8 && ds <= f.size() - m.data_start) m.data_end = m.data_start + ds;
  }
  const bool gmp = m.version <= 1 || (f[6] & 1) != 0;
  uint64_t off = m.data_start + 8;
  while (off + 8 <= m.data_end && m.objects.size() < (1u << 20)) {
    const MappedObject o = shape_at(f, off, gmp);
    if (o.size == 0) break;
    m.objects.push_back(o);
    if (o.size > m.data_end - off) break;
    off += o.size;
  }
  return m;
}

DepTarget dep_target_of(const RegionMap& map) {
  DepTarget d;
  d.base_addr = map.base_addr;
  for (const MappedObject& o : map.objects) d.object_offsets.push_back(o.offset);
  return d;
}

bool apply_mutation(std::vector<uint8_t>& region, Mutation m, std::span<const DepTarget> deps, std::mt19937_64& rng) {
  const RegionMap map = map_region(region);
  const auto& objs = map.objects;
  const auto any_object = [&]() -> const MappedObject& { return objs[pick(rng, objs.size())]; };
  switch (m) {
    case Mutation::pointer_to_object:
    case Mutation::pointer_off_object:
    case Mutation::pointer_into_dep:
    case Mutation::pointer_to_scalar: {
      const std::vector<uint64_t> slots = pointer_slots(map);
      if (slots.empty()) return false;
      const uint64_t slot = slots[pick(rng, slots.size())];
      uint64_t target = 0;
      if (m == Mutation::pointer_to_scalar) {
        static constexpr uint64_t far[] = {0, 1, 0xFFFFFFFFFFFFFFFF, 0x8000000000000000};
        target = pick(rng, 3u) == 0 ? far[pick(rng, 4u)] : (rng() << 1) | 1;
      } else if (m == Mutation::pointer_into_dep) {
        if (deps.empty()) return false;
        const DepTarget& d = deps[pick(rng, deps.size())];
        if (d.object_offsets.empty()) return false;
        target = d.base_addr + d.object_offsets[pick(rng, d.object_offsets.size())];
        if (pick(rng, 4u) == 0) target += pick(rng, 2u) ? 8 : -8;
      } else {
        if (objs.empty()) return false;
        const MappedObject& o = any_object();
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
    case Mutation::object_size: {
      if (objs.empty()) return false;
      const MappedObject& o = any_object();
      if (o.offset + 24 > region.size() || pick(rng, 2u) == 0 || o.tag <= 245) {
        const uint16_t cs = get_u16(region, o.offset + 4);
        static constexpr int deltas[] = {8, -8, 1, -1, 4096};
        put_u16(region, o.offset + 4, pick(rng, 4u) == 0 ? static_cast<uint16_t>(rng())
                                                          : static_cast<uint16_t>(cs + deltas[pick(rng, 5u)]));
      } else {
        const uint64_t field = pick(rng, 2u) ? 8 : 16;  // m_size or m_capacity (mpz: alloc/size)
        const uint64_t v = get_u64(region, o.offset + field);
        static constexpr uint64_t repl[] = {0, 1, 0xFFFFFFFF, 0x7FFFFFFFFFFFFFFF, 0xFFFFFFFFFFFFFFFF};
        put_u64(region, o.offset + field, pick(rng, 3u) == 0 ? repl[pick(rng, 5u)] : v + (pick(rng, 2u) ? 1 : -1));
      }
      return true;
    }
    case Mutation::tag: {
      if (objs.empty()) return false;
      static constexpr uint8_t tags[] = {0, 1, 7, 243, 244, 245, 246, 247, 248, 249, 250, 251, 252, 253, 254, 255};
      const MappedObject& o = any_object();
      const uint8_t t = tags[pick(rng, sizeof tags)];
      if (region[o.offset + 7] == t) return false;
      region[o.offset + 7] = t;
      return true;
    }
    case Mutation::field_count: {
      if (objs.empty()) return false;
      const MappedObject& o = any_object();
      uint8_t& other = region[o.offset + 6];
      const uint8_t was = other;
      other = pick(rng, 3u) == 0 ? static_cast<uint8_t>(rng()) : static_cast<uint8_t>(other + (pick(rng, 2u) ? 1 : -1));
      return other != was;
    }
    case Mutation::string_length: {
      std::vector<const MappedObject*> strings;
      for (const MappedObject& o : objs)
        if (o.tag == 249 && o.offset + 32 <= region.size()) strings.push_back(&o);
      if (strings.empty()) return false;
      const MappedObject& s = *strings[pick(rng, strings.size())];
      const size_t what = pick(rng, 4u);
      if (what == 3) {  // a content byte: NUL inside, a stray continuation byte, an overlong lead
        const uint64_t len = std::min<uint64_t>(get_u64(region, s.offset + 8), region.size() - s.offset - 32);
        if (len == 0) return false;
        static constexpr uint8_t bytes[] = {0x00, 0x80, 0xC0, 0xFF, 0xED};
        region[s.offset + 32 + pick(rng, len)] = bytes[pick(rng, 5u)];
      } else {
        const uint64_t field = what == 0 ? 24 : what == 1 ? 8 : 16;  // m_length, m_size, m_capacity
        put_u64(region, s.offset + field, get_u64(region, s.offset + field) + (pick(rng, 2u) ? 1 : -1));
      }
      return true;
    }
    case Mutation::header_field: {
      if (!map.header_ok) return false;
      switch (pick(rng, 7u)) {
        case 0: region[pick<size_t>(rng, map.version == 0 ? 16 : 5)] ^= 0x20; break;  // magic
        case 1:
          if (map.version == 0) return false;
          region[5] = static_cast<uint8_t>(pick(rng, 5u));  // version byte 0..4
          break;
        case 2:
          if (map.version < 2) return false;
          region[6] ^= static_cast<uint8_t>(1u << pick(rng, 8u));  // flags
          break;
        case 3: put_u64(region, map.base_offset, map.base_addr + (pick(rng, 2u) ? 8 : 0x10000)); break;
        case 4: put_u64(region, map.base_offset, pick(rng, 2u) ? 0 : rng()); break;
        case 5:
          if (map.version != 3) return false;
          put_u64(region, 88, get_u64(region, 88) + (pick(rng, 2u) ? 8 : -8));  // data_size
          break;
        default:
          if (map.version < 2) return false;
          region[7 + pick(rng, 33u)] = pick(rng, 2u) ? 0 : static_cast<uint8_t>(rng());  // version string
          break;
      }
      return true;
    }
    case Mutation::truncate_at_object: {
      if (objs.empty()) return false;
      static constexpr int64_t deltas[] = {0, 0, 1, -1, 8};
      const uint64_t cut = any_object().offset + static_cast<uint64_t>(deltas[pick(rng, 5u)]);
      if (cut >= region.size()) return false;
      region.resize(cut);
      return true;
    }
    case Mutation::ref_count: {
      if (objs.empty()) return false;
      const MappedObject& o = any_object();
      region[o.offset + (pick(rng, 2u) ? 0 : 3)] ^= 1;  // m_rc = 1, or a sign bit high byte
      return true;
    }
    case Mutation::byte_level: break;
  }
  return false;
}

Mutation mutate_region(std::vector<uint8_t>& region, size_t max_size, std::span<const DepTarget> deps,
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
  ChainInput chain = decode_chain({data, size});
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
    std::vector<DepTarget> deps;
    for (size_t d = 0; d < k; ++d) deps.push_back(dep_target_of(map_region(chain.regions[d])));
    const size_t others = size - chain.regions[k].size();
    mutate_region(chain.regions[k], max_size > others ? max_size - others : 0, deps, rng);
  }
  const std::vector<uint8_t> out = encode_chain(chain);
  if (out.size() > max_size) return size;  // cannot grow past the engine's limit: unchanged
  std::memcpy(data, out.data(), out.size());
  return out.size();
}

}  // namespace cf::fuzz
