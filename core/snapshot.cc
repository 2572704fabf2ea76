// See snapshot.h.
#include "core/snapshot.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <system_error>
#include <thread>

#include "core/closures.h"
#include "core/fail.h"
#include "core/heap.h"
#include "core/name_hash.h"

namespace cf {
namespace {

// A worker's output: the regions of its modules, in order, or the first module that failed.
struct WorkerResult {
  std::vector<SnapshotRegion> regions;
  std::optional<size_t> failed_module;
  std::optional<LoadError> error;
};

// Reads one module's chains (§6.3 step 2), each part with only its own earlier parts as deps.
std::optional<LoadError> read_module(const ModuleArtifacts& m, size_t index, unsigned worker, const LoadOptions& o,
                                     std::vector<SnapshotRegion>* out) {
  for (const std::vector<ModuleFile>& chain : module_chain_files(m)) {
    std::vector<std::string> paths;
    for (const ModuleFile& f : chain) paths.push_back(f.path);
    auto parts_or = load_parts(paths, o);
    if (!parts_or) return parts_or.take_error();
    for (size_t k = 0; k < chain.size(); ++k)
      out->push_back({std::make_unique<Region>(std::move(parts_or.value()[k])), index, chain[k].part, worker});
  }
  return std::nullopt;
}

void run_worker(unsigned w, unsigned n, const std::vector<ModuleArtifacts>& modules, const LoadOptions& o,
                WorkerResult* result) {
  for (size_t m = w; m < modules.size(); m += n) {
    if (auto error = read_module(modules[m], m, w, o, &result->regions)) {
      result->failed_module = m;
      result->error = std::move(error);
      return;
    }
  }
}

// Runs every worker, on threads of their own when there are several.
std::optional<LoadError> run_workers(unsigned n, const std::vector<ModuleArtifacts>& modules, const LoadOptions& o,
                                     std::vector<WorkerResult>* results) {
  results->resize(n);
  if (n == 1) {
    run_worker(0, 1, modules, o, &(*results)[0]);
    return std::nullopt;
  }
  std::vector<std::thread> threads;
  try {
    for (unsigned w = 0; w < n; ++w) threads.emplace_back(run_worker, w, n, std::cref(modules), std::cref(o), &(*results)[w]);
  } catch (const std::system_error& e) {
    for (std::thread& t : threads) t.join();
    return fail(ErrorCode::out_of_memory, 0, "cannot start snapshot worker %zu of %u: %s", threads.size(), n, e.what());
  }
  for (std::thread& t : threads) t.join();
  return std::nullopt;
}

}  // namespace

uint64_t snapshot_base() { return base_addr_for_key(*Name::parse("_snap")); }

unsigned import_workers(const char* env_value) {
  if (env_value != nullptr && *env_value >= '0' && *env_value <= '9') {
    char* end = nullptr;
    errno = 0;
    const unsigned long long n = std::strtoull(env_value, &end, 10);
    if (errno == 0 && *end == '\0') return static_cast<unsigned>(std::clamp<unsigned long long>(n, 1, 1u << 16));
  }
  const unsigned hardware = std::thread::hardware_concurrency();
  return std::max(1u, std::min(hardware == 0 ? 1u : hardware, 4u));
}

Result<std::vector<uint8_t>> save_snapshot(uint64_t root, std::span<const Region* const> deps,
                                           const SnapshotSaveOptions& options) {
  CompactorOptions c;
  c.format = Format::v3;  // allowClosures := true (§6.1)
  c.strategy = options.strategy;
  c.base_addr = snapshot_base();
  c.libraries = options.libraries ? *options.libraries : loaded_libraries();
  c.name = options.name;
  for (const Region* d : deps) c.deps.push_back(d->view());
  return compact(root, c);
}

Result<std::vector<uint8_t>> save_snapshot_of(std::span<const Region* const> regions, const SnapshotSaveOptions& options) {
  Heap heap;
  std::vector<uint64_t> roots;
  roots.reserve(regions.size());
  for (const Region* r : regions) roots.push_back(r->root());
  return save_snapshot(heap.array(roots), regions, options);
}

Result<LoadedSnapshot> load_snapshot(const std::string& snapshot_path, const std::vector<ModuleArtifacts>& modules,
                                     const SnapshotLoadOptions& options) {
  LoadedSnapshot out;
  out.workers = std::max(1u, options.workers);
  std::vector<WorkerResult> results;
  if (auto error = run_workers(out.workers, modules, options.load, &results)) return std::move(*error);
  // The lowest-numbered failing module: the same error whatever the number of workers.
  const WorkerResult* first_failure = nullptr;
  for (const WorkerResult& r : results)
    if (r.failed_module && (first_failure == nullptr || *r.failed_module < *first_failure->failed_module))
      first_failure = &r;
  if (first_failure != nullptr) return *first_failure->error;
  for (WorkerResult& r : results)  // §6.3 step 3: concatenated in worker order
    for (SnapshotRegion& region : r.regions) out.regions.push_back(std::move(region));
  std::vector<const Region*> deps;
  deps.reserve(out.regions.size());
  for (const SnapshotRegion& r : out.regions) deps.push_back(r.region.get());
  auto snapshot_or = Region::load_file(snapshot_path, deps, options.load);
  if (!snapshot_or) return snapshot_or.take_error();
  out.snapshot = std::make_unique<Region>(std::move(snapshot_or.value()));
  return out;
}

}  // namespace cf
