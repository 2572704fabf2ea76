// See compactor.h and compactor_state.h. This file: the chain of parts (headers, root slots,
// v3 trailers, the 64 KiB part alignment), checkpoints and the one rollback, the public face.
#include "core/compactor.h"

#include <algorithm>
#include <new>

#include "core/compactor_state.h"

namespace cf {

std::string_view strategy_name(Strategy s) { return s == Strategy::recursive ? "recursive" : "worklist"; }

Compactor::State::State(CompactorOptions o) : options(std::move(o)), shared(gmp()) {
  deps = options.deps;
  std::sort(deps.begin(), deps.end(), [](const RegionView& a, const RegionView& b) { return a.begin < b.begin; });
  libs = options.libraries;
  std::stable_sort(libs.begin(), libs.end(), [](const LibraryEntry& a, const LibraryEntry& b) { return a.base < b.base; });
}

Compactor::State::Checkpoint Compactor::State::checkpoint() const {
  return Checkpoint{buffer.size(), stats.emitted, stats.shared, closure_fields.size(), libs_used};
}

void Compactor::State::restore(const Checkpoint& c) {
  const uint64_t lo = base0().value + c.buffer_size, hi = base0().value + buffer.size();
  placed.filter([&](uint64_t v) { return v != k_pending && !(v >= lo && v < hi); });
  shared.drop_from(c.buffer_size, buffer);
  buffer.resize(c.buffer_size);
  stats.emitted = c.emitted, stats.shared = c.shared;
  closure_fields.resize(std::min(closure_fields.size(), c.closures));
  libs_used = c.libs_used;
}

Result<std::vector<uint8_t>> Compactor::State::save(uint64_t root) {
  const Checkpoint before = checkpoint();
  try {
    part_start = FileOffset{parts == 0 ? 0 : align64k(buffer.size())};
    buffer.resize(data_start().value + 8);  // padding, header, root slot: zeros
    closure_fields.clear();
    libs_used.assign(libs.size(), false);
    auto r = place_root(root);
    if (!r) {
      restore(before);
      return r.take_error();
    }
    return finish_part(r.value());
  } catch (const std::bad_alloc&) {
    restore(before);
    return named(fail(ErrorCode::out_of_memory, buffer.size(), "out of memory while compacting"));
  }
}

Result<std::vector<uint8_t>> Compactor::State::finish_part(uint64_t root_word) {
  const FileOffset d = data_start();
  store_u64(buffer.data() + d.value, root_word);
  FileHeader fh;
  fh.format = options.format;
  fh.flags = options.flags;
  fh.version_string = options.version_string;
  fh.githash = options.githash;
  fh.base_addr = address_of(part_start, base0()).value;
  fh.data_size = buffer.size() - d.value;
  std::vector<uint8_t> trailer;
  if (options.format == Format::v3) {
    for (uint64_t f : closure_fields) fh.trailer.closure_offsets.push_back(f - d.value);
    for (size_t i = 0; i < libs.size(); ++i)
      if (libs_used[i]) fh.trailer.libraries.push_back(libs[i]);
    trailer = serialize_trailer(fh.trailer);
  }
  std::vector<uint8_t> file = serialize_header(fh);
  file.insert(file.end(), buffer.begin() + static_cast<std::ptrdiff_t>(d.value), buffer.end());
  file.insert(file.end(), trailer.begin(), trailer.end());
  if (options.format == Format::v3) {
    // §4.7 [X]: the trailer's pieces are reserved in the buffer so the next part follows them.
    uint64_t reserve = 8 + 8 * fh.trailer.closure_offsets.size() + 8;
    for (const LibraryEntry& l : fh.trailer.libraries) reserve += 16 + align8(l.identity.size());
    buffer.resize(buffer.size() + reserve);
  }
  ++parts;
  return file;
}

Compactor::Compactor(CompactorOptions options) : s_(std::make_unique<State>(std::move(options))) {}

Compactor::~Compactor() = default;

Result<std::vector<uint8_t>> Compactor::save(uint64_t root) { return s_->save(root); }

void Compactor::set_text_fields(const std::array<uint8_t, k_version_string_size>& version_string,
                                const std::array<uint8_t, k_githash_size_v1>& githash) {
  s_->options.version_string = version_string;
  s_->options.githash = githash;
}

uint64_t Compactor::next_base() const {
  return s_->base0().value + (s_->parts == 0 ? 0 : align64k(s_->buffer.size()));
}
size_t Compactor::parts() const { return s_->parts; }
const CompactStats& Compactor::stats() const { return s_->stats; }
const CompactorOptions& Compactor::options() const { return s_->options; }

Result<std::vector<uint8_t>> compact(uint64_t root, const CompactorOptions& options) {
  Compactor c(options);
  return c.save(root);
}

}  // namespace cf
