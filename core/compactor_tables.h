// The compactor's two hash tables (FORMAT.md §4.2, §4.4), internal to core/compactor*.cc.
//
//  * AddrMap: source object address -> logical address (or a pending mark). The compactor's
//    hottest structure (PERFORMANCE.md): open addressing over (key, value) pairs, one cache
//    line per probe.
//  * ShareSet: emitted shareable objects by their byte image, for max sharing. One word per
//    entry, so the table stays a quarter the size of (hash, offset, size) entries: its probe
//    is a cache miss per emitted object.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "core/layout.h"
#include "core/name_hash.h"

namespace cf::compaction {

inline uint64_t mix(uint64_t k) {  // splitmix64 finaliser: addresses differ mostly in low bits
  k ^= k >> 30;
  k *= 0xbf58476d1ce4e5b9ULL;
  k ^= k >> 27;
  k *= 0x94d049bb133111ebULL;
  return k ^ (k >> 31);
}

class AddrMap {
 public:
  AddrMap() { slots_.assign(1024, Slot{}); }
  /// The value stored for k, or 0 when absent (keys and values are never 0).
  uint64_t get(uint64_t k) const {
    for (size_t i = mix(k) & mask();; i = (i + 1) & mask()) {
      if (slots_[i].key == k) return slots_[i].val;
      if (slots_[i].key == 0) return 0;
    }
  }
  void set(uint64_t k, uint64_t v) {
    if (2 * (used_ + 1) > slots_.size()) rehash(2 * slots_.size());
    for (size_t i = mix(k) & mask();; i = (i + 1) & mask()) {
      if (slots_[i].key == k) {
        slots_[i].val = v;
        return;
      }
      if (slots_[i].key == 0) {
        slots_[i] = {k, v};
        ++used_;
        return;
      }
    }
  }
  /// Starts loading k's home slot: a node's children are looked up one after another, and
  /// their misses overlap when all are requested first.
  void prefetch(uint64_t k) const { __builtin_prefetch(&slots_[mix(k) & mask()]); }
  /// Keeps only the entries whose value `keep` accepts (rollback of a failed part).
  template <typename F>
  void filter(F keep) {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.assign(old.size(), Slot{}), used_ = 0;
    for (const Slot& e : old)
      if (e.key != 0 && keep(e.val)) set(e.key, e.val);
  }

 private:
  struct Slot {
    uint64_t key = 0, val = 0;
  };
  size_t mask() const { return slots_.size() - 1; }
  void rehash(size_t n) {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.assign(n, Slot{}), used_ = 0;
    for (const Slot& e : old)
      if (e.key != 0) set(e.key, e.val);
  }
  std::vector<Slot> slots_;
  size_t used_ = 0;
};

/// Entries are (offset / 8) << 24 | 24 bits of the hash; offsets are buffer offsets, compared
/// against the buffer, which may move between calls. An image's size comes from the step rule.
class ShareSet {
 public:
  explicit ShareSet(bool gmp) : gmp_(gmp) { slots_.assign(1024, 0); }
  /// The offset of an earlier object with the same bytes as buf[off, off + size), else
  /// records this one and returns UINT64_MAX.
  uint64_t find_or_insert(const std::vector<uint8_t>& buf, uint64_t off, uint64_t size) {
    const uint64_t h = murmur64a({buf.data() + off, size}, 17);
    const uint64_t tag = h >> 40;
    for (size_t i = h & mask();; i = (i + 1) & mask()) {
      const uint64_t e = slots_[i];
      if (e == 0) break;
      if ((e & k_tag_mask) != tag) continue;
      const uint64_t at = offset_of(e);
      if (step_at(buf, at) == size && std::memcmp(buf.data() + at, buf.data() + off, size) == 0) return at;
    }
    insert(buf, off, h);
    return UINT64_MAX;
  }
  /// Forgets every entry at buffer offset >= first_offset (rollback).
  void drop_from(uint64_t first_offset, const std::vector<uint8_t>& buf) {
    std::vector<uint64_t> old;
    old.swap(slots_);
    slots_.assign(old.size(), 0), used_ = 0;
    for (uint64_t e : old)
      if (e != 0 && offset_of(e) < first_offset) insert(buf, offset_of(e), hash_at(buf, offset_of(e)));
  }

 private:
  static constexpr uint64_t k_tag_mask = (uint64_t{1} << 24) - 1;
  static uint64_t offset_of(uint64_t e) { return (e >> 24) * 8; }
  // Emitted images are well formed: the step rule reads their size, with nothing to bound.
  uint64_t step_at(const std::vector<uint8_t>& buf, uint64_t at) const {
    return probe_object(buf.data() + at, k_unbounded, gmp_).step;
  }
  uint64_t hash_at(const std::vector<uint8_t>& buf, uint64_t at) const {
    return murmur64a({buf.data() + at, step_at(buf, at)}, 17);
  }
  size_t mask() const { return slots_.size() - 1; }
  void insert(const std::vector<uint8_t>& buf, uint64_t off, uint64_t h) {  // off >= 96: never 0
    if (2 * (used_ + 1) > slots_.size()) {
      // Growing re-hashes every entry from the buffer (the slot keeps only 24 hash bits):
      // amortised, about one extra hash per object.
      std::vector<uint64_t> old;
      old.swap(slots_);
      slots_.assign(2 * old.size(), 0), used_ = 0;
      for (uint64_t e : old)
        if (e != 0) place(offset_of(e), hash_at(buf, offset_of(e)));
    }
    place(off, h);
  }
  void place(uint64_t off, uint64_t h) {
    size_t i = h & mask();
    while (slots_[i] != 0) i = (i + 1) & mask();
    slots_[i] = (off / 8) << 24 | (h >> 40), ++used_;
  }
  bool gmp_;
  std::vector<uint64_t> slots_;
  size_t used_ = 0;
};

}  // namespace cf::compaction
