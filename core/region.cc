// See region.h. Order of work (FORMAT.md §5.2, §8.2): open, fstat, header, placement,
// full header/trailer checks, path decision, slow-path dep-overlap checks, the validating
// walk (read-only), and only then relocation. Any failure releases what was placed.
#include "core/region.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>

#include "core/fail.h"
#include "core/placement.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000  // §5.3: defined by hand where headers lack it
#endif

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CF_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define CF_TSAN 1
#endif

namespace cf {
Result<std::vector<Region>> load_parts_impl(const std::vector<std::string>& files, const LoadOptions& options,
                                            Io& io);

namespace {

using ull = unsigned long long;
constexpr uint64_t k_page = 4096;

// Whether asking the kernel for `base` is safe in this build. TSan aborts the process on a
// fixed hint outside its application ranges (TOOLCHAIN.md §9), and page 0 is mappable by
// root: both take the malloc fallback instead.
bool hint_usable(uint64_t base, uint64_t size) {
  if (base % k_page != 0 || base < 0x10000 || size > placement::k_user_top || base > placement::k_user_top - size)
    return false;
#ifdef CF_TSAN
  return base >= placement::k_safe_band;
#else
  return true;
#endif
}

uint64_t base_field_offset(Format f) { return header_layout(f).base_addr_at; }

// Closes a descriptor on every path out of load_file.
struct FdGuard {
  Io& io;
  int fd;
  ~FdGuard() {
    if (fd >= 0) io.close(fd);
  }
};

std::vector<RegionView> views_of(std::span<const Region* const> deps) {
  std::vector<RegionView> views;
  views.reserve(deps.size());
  for (const Region* d : deps) views.push_back(d->view());
  return views;
}

}  // namespace

std::string_view load_path_name(LoadPath p) {
  switch (p) {
    case LoadPath::automatic: return "auto";
    case LoadPath::fast: return "fast";
    case LoadPath::slow: return "slow";
  }
  return "?";
}

Region::Region(Region&& o) noexcept { *this = std::move(o); }

Region& Region::operator=(Region&& o) noexcept {
  if (this == &o) return *this;
  release();
  io_ = o.io_;
  name_ = std::move(o.name_);
  begin_ = o.begin_;
  size_ = o.size_;
  mapped_ = o.mapped_;
  validated_ = o.validated_;
  path_ = o.path_;
  root_ = o.root_;
  relocation_work_ = o.relocation_work_;
  dep_work_ = o.dep_work_;
  closures_ = std::move(o.closures_);
  header_ = std::move(o.header_);
  summary_ = std::move(o.summary_);
  o.begin_ = nullptr;
  o.size_ = 0;
  return *this;
}

Region::~Region() { release(); }

void Region::release() {
  if (begin_ == nullptr) return;
  if (mapped_) io_->munmap(begin_, size_);
  else io_->free(begin_);
  begin_ = nullptr;
}

RegionView Region::view() const {
  return RegionView{begin_, size_, LogicalAddr{header_.base_addr}, validated_ ? &summary_.table : nullptr};
}

Result<Region> Region::load_file(const std::string& path, std::span<const Region* const> deps,
                                 const LoadOptions& options, Io& io) {
  try {
    return load_file_impl(path, deps, options, io);
  } catch (const std::bad_alloc&) {  // the walk's own tables, when memory runs out (#13549)
    LoadError e = fail(ErrorCode::out_of_memory, 0, "out of memory while loading");
    e.file = path;
    return e;
  }
}

Result<Region> Region::load_bytes(const std::string& name, std::span<const uint8_t> bytes,
                                  std::span<const Region* const> deps, const LoadOptions& options, Io& io) {
  try {
    return load_bytes_impl(name, bytes, deps, options, io);
  } catch (const std::bad_alloc&) {
    LoadError e = fail(ErrorCode::out_of_memory, 0, "out of memory while loading");
    e.file = name;
    return e;
  }
}

Result<Region> Region::load_file_impl(const std::string& path, std::span<const Region* const> deps,
                                      const LoadOptions& options, Io& io) {
  auto with_name = [&](LoadError e) {
    e.file = path;
    return e;
  };
  int fd;
  do {
    fd = io.open(path.c_str(), O_RDONLY | O_CLOEXEC, 0);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return with_name(fail(ErrorCode::io_error, 0, "failed to open file: %s", std::strerror(errno)));
  FdGuard guard{io, fd};
  struct stat st;
  if (io.fstat(fd, &st) != 0) return with_name(fail(ErrorCode::io_error, 0, "failed to stat file: %s", std::strerror(errno)));
  if (!S_ISREG(st.st_mode)) return with_name(fail(ErrorCode::io_error, 0, "not a regular file"));
  const uint64_t size = static_cast<uint64_t>(st.st_size);

  // Header first (§5.2 step 2): nothing is placed for a file whose header is bad.
  uint8_t head[k_max_header_size];
  auto got_or = readn(io, fd, head, std::min<uint64_t>(size, sizeof head), 0);
  if (!got_or) return with_name(got_or.take_error());
  auto header_or = parse_header({head, got_or.value()}, size, options.header);
  if (!header_or) return with_name(header_or.take_error());
  if (got_or.value() < std::min<uint64_t>(size, sizeof head))
    return with_name(fail(ErrorCode::truncated, got_or.value(), "file shrank while its header was read"));
  const uint64_t base = header_or->base_addr;

  Region r;
  r.io_ = &io;
  r.name_ = path;
  r.size_ = size;
  if (options.path != LoadPath::slow) r.map_at_base(base, fd);
  if (r.begin_ == nullptr) {
    void* buf = io.malloc(size);
    if (buf == nullptr)
      return with_name(fail(ErrorCode::out_of_memory, 0, "failed to allocate %llu bytes for the file", static_cast<ull>(size)));
    r.begin_ = static_cast<uint8_t*>(buf);
    if (io.lseek(fd, 0, SEEK_SET) != 0)
      return with_name(fail(ErrorCode::io_error, 0, "failed to seek: %s", std::strerror(errno)));
    auto body_or = readn(io, fd, r.begin_, size, 0);
    if (!body_or) return with_name(body_or.take_error());
    if (body_or.value() < size)
      return with_name(fail(ErrorCode::truncated, body_or.value(), "failed to read file: %llu of %llu bytes",
                            static_cast<ull>(body_or.value()), static_cast<ull>(size)));
  }
  if (auto st2 = r.finish(std::move(header_or.value()), deps, options); !st2) return with_name(st2.take_error());
  return r;
}

Result<Region> Region::load_bytes_impl(const std::string& name, std::span<const uint8_t> bytes,
                                       std::span<const Region* const> deps, const LoadOptions& options, Io& io) {
  auto with_name = [&](LoadError e) {
    e.file = name;
    return e;
  };
  auto header_or = parse_header(bytes, bytes.size(), options.header);
  if (!header_or) return with_name(header_or.take_error());
  const uint64_t base = header_or->base_addr, size = bytes.size();
  Region r;
  r.io_ = &io;
  r.name_ = name;
  r.size_ = size;
  if (options.path != LoadPath::slow) r.map_at_base(base, -1);
  if (r.begin_ == nullptr) {
    r.begin_ = static_cast<uint8_t*>(io.malloc(size));
    if (r.begin_ == nullptr)
      return with_name(fail(ErrorCode::out_of_memory, 0, "failed to allocate %llu bytes for the file", static_cast<ull>(size)));
  }
  std::memcpy(r.begin_, bytes.data(), size);
  if (auto st = r.finish(std::move(header_or.value()), deps, options); !st) return with_name(st.take_error());
  return r;
}

// §5.3: copy-on-write, writable, MAP_FIXED_NOREPLACE at the saved base; the file counts as
// mapped only if the result equals the hint. fd < 0 maps anonymous memory (load_bytes).
void Region::map_at_base(uint64_t base, int fd) {
  if (!hint_usable(base, size_)) return;
  void* hint = reinterpret_cast<void*>(base);
  const int flags = MAP_PRIVATE | MAP_FIXED_NOREPLACE | (fd < 0 ? MAP_ANONYMOUS : 0);
  void* p = io_->mmap(hint, size_, PROT_READ | PROT_WRITE, flags, fd, 0);
  if (p == hint) {
    begin_ = static_cast<uint8_t*>(p);
    mapped_ = true;
  } else if (p != MAP_FAILED) {
    io_->munmap(p, size_);
  }
}

// Everything after placement: the rest of the layout checks (the header itself was parsed
// once, before placement), path decision, validation, relocation.
// §8.2 steps 2-3 on the header parsed before placement: the v3 trailer's structure, library
// resolution when the file has closures (§5.5 steps 1-2, upstream's order), the data section.
Status Region::complete_header(const LoadOptions& options) {
  if (header_.format == Format::v3) {
    if (auto st = parse_trailer({begin_, size_}, &header_); !st) return st;
    if (!header_.trailer.closure_offsets.empty()) {
      auto relocation_or = options.libraries ? resolve_libraries(header_, *options.libraries)
                                             : resolve_libraries(header_, loaded_libraries());
      if (!relocation_or) return relocation_or.take_error();
      closures_ = std::move(relocation_or.value());
    }
  }
  return check_data_section(header_);
}

Status Region::finish(FileHeader header, std::span<const Region* const> deps, const LoadOptions& options) {
  const std::span<const uint8_t> bytes(begin_, size_);
  header_ = std::move(header);
  if (auto st = complete_header(options); !st) return st;

  bool fast = at_base();
  for (const Region* d : deps) fast = fast && d->at_base();
  if (options.path == LoadPath::fast && !fast)
    return fail(ErrorCode::path_unavailable, base_field_offset(header_.format),
                "fast path required, but %s is not at its saved base", at_base() ? "a dep" : "the file");
  if (options.path == LoadPath::slow) fast = false;
  path_ = fast ? LoadPath::fast : LoadPath::slow;
  if (fast && !options.validate) {  // upstream's fast path: no per-dep work beyond the base check
    if (auto st = check_closure_offsets(header_); !st) return st;  // never patch outside the data
    relocation_work_ += relocate_closures(begin_, header_, closures_);
    root_ = load_u64(begin_ + header_.data_start());
    return Ok{};
  }
  const std::vector<RegionView> views = views_of(deps);
  std::vector<uint32_t> by_base;
  if (!fast) {
    by_base = order_by_base(views);
    dep_work_ += 2 * views.size();                                     // sorted once, checked once
    if (auto st = check_dep_overlap(views, by_base); !st) return st;  // §5.7 step 1: slow path only
  }
  WalkOptions walk;
  walk.canonical = options.canonical;
  walk.allow_external = false;
  walk.keep_objects = true;
  walk.depths = false;
  walk.deps = views;
  walk.dep_order = by_base;  // the slow path sorted them once already; the fast path sorts lazily
  walk.work_per_word = options.work_per_word;
  auto summary_or = walk_region(bytes, header_, walk);
  if (!summary_or) return summary_or.take_error();
  summary_ = std::move(summary_or.value());
  validated_ = true;
  relocation_work_ += relocate_closures(begin_, header_, closures_);  // after validation: nothing half-patched
  root_ = load_u64(begin_ + header_.data_start());
  if (!fast) relocate(views, by_base);
  return Ok{};
}

// §5.7 step 1, in upstream's order and with upstream's messages.
Status Region::check_dep_overlap(std::span<const RegionView> deps, std::span<const uint32_t> by_base) const {
  const uint64_t at = base_field_offset(header_.format);
  for (size_t i = 1; i < by_base.size(); ++i) {
    const RegionView &lo = deps[by_base[i - 1]], &hi = deps[by_base[i]];
    if (lo.base.value + lo.size > hi.base.value)
      return fail(ErrorCode::dep_overlap, at, "region_reader: dep regions have overlapping `base_addr` ranges");
  }
  const uint64_t own_lo = header_.base_addr + header_.data_start(), own_hi = own_lo + header_.data_size;
  for (const uint32_t k : by_base)
    if (own_lo < deps[k].base.value + deps[k].size && deps[k].base.value < own_hi)
      return fail(ErrorCode::dep_overlap, at, "region_reader: own region overlaps a dep region's `base_addr` range");
  return Ok{};
}

// §5.7 step 2, after validation succeeded: every pointer slot (and the root) is translated to
// a physical address; mpz limb/digit pointers are recomputed from the object's own place.
void Region::relocate(std::span<const RegionView> deps, std::span<const uint32_t> by_base) {
  const LogicalAddr base{header_.base_addr};
  const uint64_t phys = reinterpret_cast<uint64_t>(begin_);
  auto physical = [&](uint64_t w) -> uint64_t {
    if (is_scalar(w)) return w;
    if (const auto own = translate(LogicalAddr{w}, base, size_)) return phys + own->value;
    const RegionView& d = deps[static_cast<size_t>(find_dep(deps, by_base, LogicalAddr{w}))];  // validated: found
    return reinterpret_cast<uint64_t>(d.begin) + d.offset_of(LogicalAddr{w})->value;
  };
  const bool gmp = header_.gmp();
  const uint64_t mpz_field = gmp ? layout::mpz_limb_ptr : layout::mpz_digit_ptr;
  const uint64_t mpz_data = gmp ? layout::mpz_limbs : layout::mpz_digits;
  for (const ObjectRecord& o : summary_.table.records) {
    for (uint64_t k = 0; k < o.slot_count; ++k) {
      uint8_t* slot = begin_ + o.offset + o.slot_first + k_word * k;
      store_u64(slot, physical(load_u64(slot)));
    }
    relocation_work_ += 1 + o.slot_count;
    if (o.kind == Kind::mpz) store_u64(begin_ + o.offset + mpz_field, phys + o.offset + mpz_data);
  }
  root_ = physical(root_);
  store_u64(begin_ + header_.data_start(), root_);
}

Result<std::vector<Region>> load_parts(const std::vector<std::string>& files, const LoadOptions& options, Io& io) {
  try {
    return load_parts_impl(files, options, io);
  } catch (const std::bad_alloc&) {
    return fail(ErrorCode::out_of_memory, 0, "out of memory while loading a chain");
  }
}

Result<std::vector<Region>> load_parts_impl(const std::vector<std::string>& files, const LoadOptions& options,
                                            Io& io) {
  std::vector<Region> parts;
  parts.reserve(files.size());  // deps point into this vector: it must not reallocate
  std::vector<const Region*> deps;
  for (const std::string& f : files) {
    auto part_or = Region::load_file(f, deps, options, io);
    if (!part_or) return part_or.take_error();
    parts.push_back(std::move(part_or.value()));
    deps.push_back(&parts.back());
  }
  return parts;
}

}  // namespace cf
