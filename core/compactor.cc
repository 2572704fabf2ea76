// See compactor.h. One buffer for the whole chain; buffer offset x has logical address
// base0 + x, and the header bytes of each part are reserved as zeros so buffer offsets are
// file offsets (FORMAT.md §4.2). Objects are appended in post-order; a shareable object whose
// bytes equal an earlier one's is rolled back and mapped to that one (§4.4).
#include "core/compactor.h"

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>
#include <optional>

#include "core/fail.h"
#include "core/format.h"
#include "core/name_hash.h"
#include "core/object.h"

namespace cf {
namespace {

using ull = unsigned long long;

// Marks a source object whose subgraph is being placed: meeting it again is a cycle. Logical
// addresses are 8-aligned, so 2 is never one (and 1 would look like a scalar).
constexpr uint64_t k_pending = 2;

uint64_t mix(uint64_t k) {  // splitmix64 finaliser: addresses differ mostly in low bits
  k ^= k >> 30;
  k *= 0xbf58476d1ce4e5b9ULL;
  k ^= k >> 27;
  k *= 0x94d049bb133111ebULL;
  return k ^ (k >> 31);
}

// Source object address -> logical address (or k_pending). Open addressing over (key, value)
// pairs, key 0 = empty: the identity table is the compactor's hottest structure (PERFORMANCE.md),
// and one cache line per probe is what it costs.
class AddrMap {
 public:
  AddrMap() { slots_.assign(1024, Slot{}); }
  uint64_t get(uint64_t k) const {  // 0 when absent
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
  // Starts loading k's home slot: a node's children are looked up one after another, and
  // their misses overlap when all are requested first.
  void prefetch(uint64_t k) const { __builtin_prefetch(&slots_[mix(k) & mask()]); }
  // Keeps only the entries whose value `keep` accepts (rollback of a failed part).
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

// The step of a compacted image of a shareable kind, read back from the buffer.
uint64_t image_step(const uint8_t* p) {
  const ObjectHeader h = ObjectHeader::decode(p);
  switch (h.kind()) {
    case Kind::ctor: return align8(h.cs_sz);
    case Kind::array: return layout::array_data + 8 * load_u64(p + layout::array_size);
    case Kind::sarray: return align8(layout::array_data + uint64_t{h.other} * load_u64(p + layout::array_size));
    case Kind::string: return align8(layout::string_data + load_u64(p + layout::array_size));
    case Kind::thunk:
    case Kind::task: return layout::thunk_size;
    default: return layout::ref_size;  // promise (ref, mpz, closure are never in the table)
  }
}

// Max-sharing table: emitted shareable objects by their byte image (header included,
// children already turned into addresses). One word per entry, (offset / 8) << 24 | 24 bits
// of the hash, so the table stays a quarter the size of (hash, offset, size) entries: its
// probe is a cache miss per emitted object (PERFORMANCE.md). Offsets are buffer offsets,
// compared against the buffer, which may move between calls.
class ShareSet {
 public:
  ShareSet() { slots_.assign(1024, 0); }
  // Returns the offset of an earlier object with the same bytes as buf[off, off + size),
  // else records this one and returns UINT64_MAX.
  uint64_t find_or_insert(const std::vector<uint8_t>& buf, uint64_t off, uint64_t size) {
    const uint64_t h = murmur64a({buf.data() + off, size}, 17);
    const uint64_t tag = h >> 40;
    for (size_t i = h & mask();; i = (i + 1) & mask()) {
      const uint64_t e = slots_[i];
      if (e == 0) break;
      if ((e & k_tag_mask) != tag) continue;
      const uint64_t at = (e >> 24) * 8;
      if (image_step(buf.data() + at) == size && std::memcmp(buf.data() + at, buf.data() + off, size) == 0) return at;
    }
    insert(buf, off, h);
    return UINT64_MAX;
  }
  void drop_from(uint64_t first_offset, const std::vector<uint8_t>& buf) {  // rollback
    std::vector<uint64_t> old;
    old.swap(slots_);
    slots_.assign(old.size(), 0), used_ = 0;
    for (uint64_t e : old)
      if (e != 0 && offset_of(e) < first_offset) insert(buf, offset_of(e), hash_at(buf, offset_of(e)));
  }

 private:
  static constexpr uint64_t k_tag_mask = (uint64_t{1} << 24) - 1;
  static uint64_t offset_of(uint64_t e) { return (e >> 24) * 8; }
  static uint64_t hash_at(const std::vector<uint8_t>& buf, uint64_t at) {
    return murmur64a({buf.data() + at, image_step(buf.data() + at)}, 17);
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
  std::vector<uint64_t> slots_;
  size_t used_ = 0;
};

bool shareable(Kind k) {
  switch (k) {
    case Kind::mpz:
    case Kind::closure:
    case Kind::ref: return false;  // §4.4: never merged
    default: return true;
  }
}

}  // namespace

std::string_view strategy_name(Strategy s) { return s == Strategy::recursive ? "recursive" : "worklist"; }

struct Compactor::State {
  CompactorOptions o;
  std::vector<uint8_t> buf;
  AddrMap table;
  ShareSet share;
  std::vector<DepRegionView> deps;       // sorted by begin (§4.5: binary search)
  std::vector<LibraryEntry> libs;        // sorted by base (§4.7)
  size_t parts = 0;
  CompactStats stats;
  // The part being saved.
  uint64_t part_start = 0;               // buffer offset of its file byte 0
  std::vector<uint64_t> closure_fields;  // buffer offsets of emitted closures' m_fun
  std::vector<bool> lib_used;

  uint64_t base0() const { return o.base_addr; }
  uint64_t data_start() const { return part_start + header_size(o.format); }

  LoadError err(LoadError e) const {
    e.file = o.name;
    return e;
  }

  // Where a source object lives: a dep object (m_rc == 0 inside a dep) gets its dep address.
  uint64_t dep_address(uint64_t v) const {
    if (deps.empty()) return 0;
    const auto* p = reinterpret_cast<const uint8_t*>(v);
    auto it = std::upper_bound(deps.begin(), deps.end(), p,
                               [](const uint8_t* a, const DepRegionView& d) { return a < d.begin; });
    if (it == deps.begin()) return 0;
    const DepRegionView& d = *(it - 1);
    if (static_cast<uint64_t>(p - d.begin) >= d.size) return 0;
    if (ObjectHeader::decode(p).rc != 0) return 0;
    return d.base_addr + static_cast<uint64_t>(p - d.begin);
  }

  // True when the child needs no placement (scalar, placed, or in a dep); cycle if pending.
  Result<bool> ready(uint64_t c) {
    if (is_scalar(c)) return true;
    const uint64_t t = table.get(c);
    if (t == k_pending)
      return err(fail(ErrorCode::cycle, buf.size(), "object at %p is its own descendant (a cycle)",
                      reinterpret_cast<const void*>(c)));
    if (t != 0) return true;
    if (const uint64_t d = dep_address(c); d != 0) {
      table.set(c, d);
      ++stats.dep_refs;
      return true;
    }
    return false;
  }

  uint64_t child(uint64_t obj, const SlotRange& s, uint64_t i) const {
    const uint64_t k = o.child_order == ChildOrder::ascending ? i : s.count - 1 - i;
    return load_u64(reinterpret_cast<const uint8_t*>(obj) + s.first + 8 * k);
  }

  uint64_t translate(uint64_t w) const { return is_scalar(w) ? w : table.get(w); }

  void prefetch_children(uint64_t obj, const SlotRange& s) const {
    const auto* p = reinterpret_cast<const uint8_t*>(obj) + s.first;
    for (uint64_t i = 0; i < s.count && i < 16; ++i)
      if (const uint64_t c = load_u64(p + 8 * i); !is_scalar(c)) table.prefetch(c);
  }

  // Copies `count` slot words from src+from to dst+from, translated.
  void copy_slots(uint8_t* dst, const uint8_t* src, uint64_t from, uint64_t count) const {
    for (uint64_t i = 0; i < count; ++i)
      store_u64(dst + from + 8 * i, translate(load_u64(src + from + 8 * i)));
  }

  Result<uint64_t> place_worklist(uint64_t root);
  Result<uint64_t> place_recursive(uint64_t v, uint64_t depth, uint64_t limit);
  Result<uint64_t> place_recursive_on_thread(uint64_t root);
  Status emit(uint64_t v);
  Result<uint64_t> encode(const uint8_t* src, const ObjectHeader& h, uint64_t at);
  Result<std::vector<uint8_t>> save(uint64_t root);
  Result<uint64_t> place_root(uint64_t root);
  Result<std::vector<uint8_t>> finish_part(uint64_t root_word);
  void rollback(uint64_t buffer_size_before);
  void undo_to(uint64_t mark);
};

Result<uint64_t> Compactor::State::place_worklist(uint64_t root) {
  struct Frame {
    uint64_t obj, next;
    SlotRange slots;
  };
  std::vector<Frame> stack;
  table.set(root, k_pending);
  stack.push_back({root, 0, object_slots(reinterpret_cast<const uint8_t*>(root))});
  prefetch_children(root, stack.back().slots);
  while (!stack.empty()) {
    stats.max_depth = std::max<uint64_t>(stats.max_depth, stack.size());
    Frame& f = stack.back();
    bool descended = false;
    while (f.next < f.slots.count) {
      const uint64_t c = child(f.obj, f.slots, f.next++);
      auto r = ready(c);
      if (!r) return r.take_error();
      if (r.value()) continue;
      table.set(c, k_pending);
      stack.push_back({c, 0, object_slots(reinterpret_cast<const uint8_t*>(c))});  // f is dead now
      prefetch_children(c, stack.back().slots);
      descended = true;
      break;
    }
    if (descended) continue;
    const uint64_t obj = f.obj;
    stack.pop_back();
    if (auto st = emit(obj); !st) return st.take_error();
  }
  return table.get(root);
}

// Direct recursion, as upstream since #14122; runs on a thread sized for o.max_depth levels.
Result<uint64_t> Compactor::State::place_recursive(uint64_t v, uint64_t depth, uint64_t limit) {
  if (depth > limit)
    return err(fail(ErrorCode::depth_limit, buf.size(), "graph nesting exceeds the recursive strategy's budget of %llu",
                    static_cast<ull>(limit)));
  stats.max_depth = std::max(stats.max_depth, depth);
  const SlotRange s = object_slots(reinterpret_cast<const uint8_t*>(v));
  prefetch_children(v, s);
  for (uint64_t i = 0; i < s.count; ++i) {
    const uint64_t c = child(v, s, i);
    auto r = ready(c);
    if (!r) return r.take_error();
    if (r.value()) continue;
    table.set(c, k_pending);
    if (auto p = place_recursive(c, depth + 1, limit); !p) return p.take_error();
  }
  if (auto st = emit(v); !st) return st.take_error();
  return table.get(v);
}

// Appends v's image (its children are all placed), then merges it if an equal one exists.
Status Compactor::State::emit(uint64_t v) {
  const auto* src = reinterpret_cast<const uint8_t*>(v);
  const ObjectHeader h = ObjectHeader::decode(src);
  const uint64_t at = buf.size();
  auto size = encode(src, h, at);
  if (!size) {
    buf.resize(at);
    return size.take_error();
  }
  if (o.max_sharing && shareable(h.kind())) {
    const uint64_t same = share.find_or_insert(buf, at, size.value());
    if (same != UINT64_MAX) {
      buf.resize(at);  // children were all present, so this leaves no hole (§4.4)
      table.set(v, base0() + same);
      ++stats.shared;
      return Ok{};
    }
  }
  table.set(v, base0() + at);
  ++stats.emitted;
  return Ok{};
}

// Writes the compacted image of src at buffer offset `at` (= buf.size()); returns its step.
Result<uint64_t> Compactor::State::encode(const uint8_t* src, const ObjectHeader& h, uint64_t at) {
  const Kind kind = h.kind();
  const uint64_t own = base0() + at;
  auto grow = [&](uint64_t step) {
    buf.resize(at + step);  // zero-filled: every padding byte is 0 (§1.2)
    return buf.data() + at;
  };
  auto put_header = [](uint8_t* p, uint64_t cs_sz, uint8_t other, uint8_t tag) {
    ObjectHeader out;
    out.rc = 0;
    out.cs_sz = static_cast<uint16_t>(cs_sz);  // mpz: (24 + 8n) mod 2^16 (§1.7)
    out.other = other;
    out.tag = tag;
    out.encode(p);
  };
  switch (kind) {
    case Kind::ctor: {
      const uint64_t n = h.other, step = align8(h.cs_sz);
      if (h.cs_sz < 8 + 8 * n)
        return err(fail(ErrorCode::unrepresentable, at, "ctor with %llu fields but m_cs_sz %u", static_cast<ull>(n),
                        h.cs_sz));
      uint8_t* p = grow(step);
      put_header(p, step, h.other, h.tag);
      copy_slots(p, src, layout::ctor_fields, n);
      std::memcpy(p + 8 + 8 * n, src + 8 + 8 * n, step - 8 - 8 * n);  // opaque scalar area (§1.6)
      return step;
    }
    case Kind::array: {
      const uint64_t n = load_u64(src + layout::array_size), step = layout::array_data + 8 * n;
      uint8_t* p = grow(step);
      put_header(p, 1, 0, h.tag);
      store_u64(p + layout::array_size, n);
      store_u64(p + layout::array_capacity, n);
      copy_slots(p, src, layout::array_data, n);
      return step;
    }
    case Kind::sarray: {
      const uint64_t e = h.other & 0x7F, n = load_u64(src + layout::array_size);
      const uint64_t step = align8(layout::array_data + e * n);
      uint8_t* p = grow(step);
      put_header(p, 1, static_cast<uint8_t>(e), h.tag);  // the linearity bit 0x80 is masked (§1.5)
      store_u64(p + layout::array_size, n);
      store_u64(p + layout::array_capacity, n);
      if (e * n != 0) std::memcpy(p + layout::array_data, src + layout::array_data, e * n);
      return step;
    }
    case Kind::string: {
      const uint64_t n = load_u64(src + layout::array_size), step = align8(layout::string_data + n);
      uint8_t* p = grow(step);
      put_header(p, 1, 0, h.tag);
      store_u64(p + layout::array_size, n);
      store_u64(p + layout::array_capacity, n);
      store_u64(p + layout::string_length, load_u64(src + layout::string_length));
      if (n != 0) std::memcpy(p + layout::string_data, src + layout::string_data, n);
      return step;
    }
    case Kind::mpz: {
      if ((o.flags & k_flag_gmp) != 0 || o.format <= Format::v1) {
        const int32_t sz = load_i32(src + layout::mpz_size);
        const uint64_t n = sz < 0 ? static_cast<uint64_t>(-static_cast<int64_t>(sz)) : static_cast<uint64_t>(sz);
        const auto* limbs = reinterpret_cast<const uint8_t*>(load_u64(src + layout::mpz_limb_ptr));
        const uint64_t step = layout::mpz_limbs + 8 * n;
        uint8_t* p = grow(step);
        put_header(p, step, 0, h.tag);
        const auto alloc = static_cast<int32_t>(n);
        std::memcpy(p + layout::mpz_alloc, &alloc, 4);
        std::memcpy(p + layout::mpz_size, &sz, 4);
        store_u64(p + layout::mpz_limb_ptr, own + layout::mpz_limbs);  // §1.6: own address + 24
        if (n != 0) std::memcpy(p + layout::mpz_limbs, limbs, 8 * n);
        return step;
      }
      // Non-GMP: fields one by one so the padding stays zero (#2908).
      const uint64_t nd = load_u64(src + layout::mpz_digit_count);
      const auto* digits = reinterpret_cast<const uint8_t*>(load_u64(src + layout::mpz_digit_ptr));
      const uint64_t size = layout::mpz_digits + 4 * nd, step = align8(size);
      uint8_t* p = grow(step);
      put_header(p, size, 0, h.tag);
      p[layout::mpz_sign] = src[layout::mpz_sign] != 0 ? 1 : 0;
      store_u64(p + layout::mpz_digit_count, nd);
      store_u64(p + layout::mpz_digit_ptr, own + layout::mpz_digits);
      if (nd != 0) std::memcpy(p + layout::mpz_digits, digits, 4 * nd);
      return step;
    }
    case Kind::thunk:
    case Kind::task: {
      uint8_t* p = grow(layout::thunk_size);
      put_header(p, layout::thunk_size, h.other, h.tag);
      copy_slots(p, src, layout::value, 1);  // forced / finished: m_closure / m_imp stay 0
      return layout::thunk_size;
    }
    case Kind::ref:
    case Kind::promise: {
      uint8_t* p = grow(layout::ref_size);
      put_header(p, layout::ref_size, h.other, h.tag);
      copy_slots(p, src, layout::value, 1);
      return layout::ref_size;
    }
    case Kind::closure: {
      if (o.format != Format::v3)
        return err(fail(ErrorCode::closure_not_allowed, at,
                        "closures cannot be compacted without allowClosures: save with "
                        "CompactedRegion.save (allowClosures := true), or keep functions out of "
                        "persistent environment extensions"));
      const uint64_t nf = load_u16(src + layout::closure_num_fixed), step = layout::closure_args + 8 * nf;
      if (step > 0xFFFF)
        return err(fail(ErrorCode::unrepresentable, at,
                        "closure with %llu fixed arguments: m_cs_sz %llu overflows 16 bits (§1.7)",
                        static_cast<ull>(nf), static_cast<ull>(step)));
      const uint64_t fun = load_u64(src + layout::closure_fun);
      auto lib = std::upper_bound(libs.begin(), libs.end(), fun,
                                  [](uint64_t f, const LibraryEntry& l) { return f < l.base; });
      if (lib == libs.begin())
        return err(fail(ErrorCode::missing_library, at,
                        "closure function pointer does not belong to any loaded library (m_fun 0x%llx)",
                        static_cast<ull>(fun)));
      uint8_t* p = grow(step);
      put_header(p, step, 0, h.tag);
      store_u64(p + layout::closure_fun, fun);
      std::memcpy(p + layout::closure_arity, src + layout::closure_arity, 4);  // arity, num_fixed
      copy_slots(p, src, layout::closure_args, nf);
      closure_fields.push_back(at + layout::closure_fun);
      lib_used[static_cast<size_t>(lib - libs.begin() - 1)] = true;
      return step;
    }
    case Kind::external:
      return err(fail(ErrorCode::external_object, at, "external objects cannot be compacted"));
    case Kind::struct_array:
    case Kind::reserved:
      return err(fail(ErrorCode::unrepresentable, at, "tag %u (%s) has no compacted form", h.tag,
                      std::string(kind_name(kind)).c_str()));
  }
  return err(fail(ErrorCode::unrepresentable, at, "tag %u has no layout", h.tag));
}

// The recursion's stack per level: upstream uses 128 bytes (PERFORMANCE.md); ours, with
// Result<> frames and sanitizer redzones, a few times that.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define CF_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define CF_SANITIZED 1
#endif
#endif
#ifdef CF_SANITIZED
constexpr uint64_t k_frame = 4096;
constexpr uint64_t k_inline_levels = 256;  // on the caller's stack: 1 MiB of it
#else
constexpr uint64_t k_frame = 1024;
constexpr uint64_t k_inline_levels = 1024;
#endif

Result<uint64_t> Compactor::State::place_root(uint64_t root) {
  auto r = ready(root);
  if (!r) return r.take_error();
  if (r.value()) return translate(root);
  if (o.strategy == Strategy::worklist) return place_worklist(root);
  // Most graphs are shallow (real files reach 3,043 levels): recurse on the caller's stack
  // first, and only a graph deeper than that pays for a thread with a large stack.
  const uint64_t mark = buf.size();
  const CompactStats before = stats;
  const size_t closures = closure_fields.size();
  const std::vector<bool> libs_before = lib_used;
  table.set(root, k_pending);
  auto inline_try = place_recursive(root, 1, std::min(o.max_depth, k_inline_levels));
  if (inline_try.ok() || inline_try.error().code != ErrorCode::depth_limit || o.max_depth <= k_inline_levels)
    return inline_try;
  undo_to(mark);
  stats.emitted = before.emitted, stats.shared = before.shared;
  closure_fields.resize(closures);
  lib_used = libs_before;
  table.set(root, k_pending);
  return place_recursive_on_thread(root);
}

Result<uint64_t> Compactor::State::place_recursive_on_thread(uint64_t root) {
  struct Job {
    State* self;
    uint64_t root;
    std::optional<Result<uint64_t>> out;
  } job{this, root, std::nullopt};
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, (1u << 20) + o.max_depth * k_frame);
  pthread_t t;
  const int rc = pthread_create(
      &t, &attr,
      [](void* arg) -> void* {
        auto* j = static_cast<Job*>(arg);
        j->out.emplace(j->self->place_recursive(j->root, 1, j->self->o.max_depth));
        return nullptr;
      },
      &job);
  pthread_attr_destroy(&attr);
  if (rc != 0)
    return err(fail(ErrorCode::out_of_memory, buf.size(), "cannot start the recursive compaction thread: %s",
                    std::strerror(rc)));
  pthread_join(t, nullptr);
  return std::move(*job.out);
}

// Forgets everything placed at buffer offset >= mark: own addresses from there on and pending
// marks. Dep references and merges into earlier bytes stay valid and are kept.
void Compactor::State::undo_to(uint64_t mark) {
  const uint64_t lo = base0() + mark, hi = base0() + buf.size();
  table.filter([&](uint64_t v) { return v != k_pending && !(v >= lo && v < hi); });
  share.drop_from(mark, buf);
  buf.resize(mark);
}

void Compactor::State::rollback(uint64_t buffer_size_before) {
  undo_to(buffer_size_before);
  closure_fields.clear();
}

Result<std::vector<uint8_t>> Compactor::State::save(uint64_t root) {
  const uint64_t before = buf.size();
  const uint64_t stats_emitted = stats.emitted, stats_shared = stats.shared;
  try {
    part_start = parts == 0 ? 0 : align64k(buf.size());
    buf.resize(part_start + header_size(o.format) + 8);  // padding, header, root slot: zeros
    closure_fields.clear();
    lib_used.assign(libs.size(), false);
    auto r = place_root(root);
    if (!r) {
      rollback(before);
      stats.emitted = stats_emitted, stats.shared = stats_shared;
      return r.take_error();
    }
    return finish_part(r.value());
  } catch (const std::bad_alloc&) {
    rollback(before);
    return err(fail(ErrorCode::out_of_memory, buf.size(), "out of memory while compacting"));
  }
}

Result<std::vector<uint8_t>> Compactor::State::finish_part(uint64_t root_word) {
  const uint64_t d = data_start();
  store_u64(buf.data() + d, root_word);
  FileHeader fh;
  fh.format = o.format;
  fh.flags = o.flags;
  fh.version_string = o.version_string;
  fh.githash = o.githash;
  fh.base_addr = base0() + part_start;
  fh.data_size = buf.size() - d;
  std::vector<uint8_t> trailer;
  if (o.format == Format::v3) {
    for (uint64_t f : closure_fields) fh.trailer.closure_offsets.push_back(f - d);
    for (size_t i = 0; i < libs.size(); ++i)
      if (lib_used[i]) fh.trailer.libraries.push_back(libs[i]);
    trailer = serialize_trailer(fh.trailer);
  }
  std::vector<uint8_t> file = serialize_header(fh);
  file.insert(file.end(), buf.begin() + static_cast<std::ptrdiff_t>(d), buf.end());
  file.insert(file.end(), trailer.begin(), trailer.end());
  if (o.format == Format::v3) {
    // §4.7 [X]: the trailer's pieces are reserved in the buffer so the next part follows them.
    uint64_t reserve = 8 + 8 * fh.trailer.closure_offsets.size() + 8;
    for (const LibraryEntry& l : fh.trailer.libraries) reserve += 16 + align8(l.identity.size());
    buf.resize(buf.size() + reserve);
  }
  ++parts;
  return file;
}

Compactor::Compactor(CompactorOptions options) : s_(std::make_unique<State>()) {
  s_->o = std::move(options);
  s_->deps = s_->o.deps;
  std::sort(s_->deps.begin(), s_->deps.end(),
            [](const DepRegionView& a, const DepRegionView& b) { return a.begin < b.begin; });
  s_->libs = s_->o.libraries;
  std::stable_sort(s_->libs.begin(), s_->libs.end(),
                   [](const LibraryEntry& a, const LibraryEntry& b) { return a.base < b.base; });
}

Compactor::~Compactor() = default;

Result<std::vector<uint8_t>> Compactor::save(uint64_t root) { return s_->save(root); }

void Compactor::set_text_fields(const std::array<uint8_t, k_version_string_size>& version_string,
                                const std::array<uint8_t, k_githash_size_v1>& githash) {
  s_->o.version_string = version_string;
  s_->o.githash = githash;
}

uint64_t Compactor::next_base() const {
  return s_->base0() + (s_->parts == 0 ? 0 : align64k(s_->buf.size()));
}
size_t Compactor::parts() const { return s_->parts; }
const CompactStats& Compactor::stats() const { return s_->stats; }
const CompactorOptions& Compactor::options() const { return s_->o; }

Result<std::vector<uint8_t>> compact(uint64_t root, const CompactorOptions& options) {
  Compactor c(options);
  return c.save(root);
}

Status write_file_atomic(const std::string& path, std::span<const uint8_t> bytes, Io& io) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  auto failed = [&](const char* what, int e) {
    LoadError le = fail(ErrorCode::io_error, 0, "cannot %s '%s': %s", what, tmp.c_str(), std::strerror(e));
    le.file = path;
    return le;
  };
  int fd;
  do fd = io.open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  while (fd < 0 && errno == EINTR);
  if (fd < 0) return failed("create", errno);
  auto abandon = [&](const char* what, int e) {
    io.close(fd);
    io.unlink(tmp.c_str());  // a failed save leaves no partial file (§4.9)
    return failed(what, e);
  };
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = io.write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return abandon("write", n < 0 ? errno : EIO);
    done += static_cast<size_t>(n);
  }
  if (io.fsync(fd) != 0) return abandon("fsync", errno);
  if (io.close(fd) != 0) {
    const int e = errno;
    io.unlink(tmp.c_str());
    return failed("close", e);
  }
  if (io.rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    io.unlink(tmp.c_str());
    return failed("rename", e);
  }
  return Ok{};
}

}  // namespace cf
