// Placing a graph (FORMAT.md §4.3): the worklist strategy (an explicit stack, any depth) and
// the recursive one (direct recursion, as upstream since #14122), which must give the same
// bytes. Both place objects in post-order, children in ascending slot order (or descending,
// the pre-#2286 legacy order of early v0 files), each at its first encounter.
#include <pthread.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "core/compactor_state.h"

namespace cf {
namespace {

using ull = unsigned long long;

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

}  // namespace

uint64_t Compactor::State::dep_address(uint64_t v) const {
  if (deps.empty()) return 0;
  const auto* p = reinterpret_cast<const uint8_t*>(v);
  auto it = std::upper_bound(deps.begin(), deps.end(), p,
                             [](const uint8_t* a, const RegionView& d) { return a < d.begin; });
  if (it == deps.begin()) return 0;
  const RegionView& d = *(it - 1);
  if (!d.holds(p) || ObjectHeader::decode(p).rc != 0) return 0;
  return d.address_of_physical(p).value;
}

Result<bool> Compactor::State::ready(uint64_t c) {
  if (is_scalar(c)) return true;
  const uint64_t t = placed.get(c);
  if (t == k_pending)
    return named(fail(ErrorCode::cycle, buffer.size(), "object at %p is its own descendant (a cycle)",
                      reinterpret_cast<const void*>(c)));
  if (t != 0) return true;
  if (const uint64_t d = dep_address(c); d != 0) {
    placed.set(c, d);
    ++stats.dep_refs;
    return true;
  }
  return false;
}

uint64_t Compactor::State::child(uint64_t obj, const SlotRange& s, uint64_t i) const {
  const uint64_t k = options.child_order == ChildOrder::ascending ? i : s.count - 1 - i;
  return load_u64(reinterpret_cast<const uint8_t*>(obj) + s.first + 8 * k);
}

void Compactor::State::prefetch_children(uint64_t obj, const SlotRange& s) const {
  const auto* p = reinterpret_cast<const uint8_t*>(obj) + s.first;
  for (uint64_t i = 0; i < s.count && i < 16; ++i)
    if (const uint64_t c = load_u64(p + 8 * i); !is_scalar(c)) placed.prefetch(c);
}

Result<uint64_t> Compactor::State::place_root(uint64_t root) {
  auto r = ready(root);
  if (!r) return r.take_error();
  if (r.value()) return image_word(root);
  if (options.strategy == Strategy::worklist) return place_worklist(root);
  // Most graphs are shallow (real files reach 3,043 levels): recurse on the caller's stack
  // first, and only a graph deeper than that pays for a thread with a large stack.
  const Checkpoint before = checkpoint();
  placed.set(root, k_pending);
  auto inline_try = place_recursive(root, 1, std::min(options.max_depth, k_inline_levels));
  if (inline_try.ok() || inline_try.error().code != ErrorCode::depth_limit || options.max_depth <= k_inline_levels)
    return inline_try;
  restore(before);
  placed.set(root, k_pending);
  return place_recursive_on_thread(root);
}

Result<uint64_t> Compactor::State::place_worklist(uint64_t root) {
  struct Frame {
    uint64_t obj, next;
    SlotRange slots;
  };
  std::vector<Frame> stack;
  placed.set(root, k_pending);
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
      placed.set(c, k_pending);
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
  return placed.get(root);
}

// Direct recursion, as upstream since #14122; runs on a thread sized for options.max_depth levels.
Result<uint64_t> Compactor::State::place_recursive(uint64_t v, uint64_t depth, uint64_t limit) {
  if (depth > limit)
    return named(fail(ErrorCode::depth_limit, buffer.size(),
                      "graph nesting exceeds the recursive strategy's budget of %llu", static_cast<ull>(limit)));
  stats.max_depth = std::max(stats.max_depth, depth);
  const SlotRange s = object_slots(reinterpret_cast<const uint8_t*>(v));
  prefetch_children(v, s);
  for (uint64_t i = 0; i < s.count; ++i) {
    const uint64_t c = child(v, s, i);
    auto r = ready(c);
    if (!r) return r.take_error();
    if (r.value()) continue;
    placed.set(c, k_pending);
    if (auto p = place_recursive(c, depth + 1, limit); !p) return p.take_error();
  }
  if (auto st = emit(v); !st) return st.take_error();
  return placed.get(v);
}

Result<uint64_t> Compactor::State::place_recursive_on_thread(uint64_t root) {
  struct Job {
    State* self;
    uint64_t root;
    std::optional<Result<uint64_t>> out;
  } job{this, root, std::nullopt};
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, (1u << 20) + options.max_depth * k_frame);
  pthread_t t;
  const int rc = pthread_create(
      &t, &attr,
      [](void* arg) -> void* {
        auto* j = static_cast<Job*>(arg);
        j->out.emplace(j->self->place_recursive(j->root, 1, j->self->options.max_depth));
        return nullptr;
      },
      &job);
  pthread_attr_destroy(&attr);
  if (rc != 0)
    return named(fail(ErrorCode::out_of_memory, buffer.size(), "cannot start the recursive compaction thread: %s",
                      std::strerror(rc)));
  pthread_join(t, nullptr);
  return std::move(*job.out);
}

}  // namespace cf
