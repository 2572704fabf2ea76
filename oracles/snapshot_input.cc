// See snapshot_input.h.
#include "oracles/snapshot_input.h"

#include <algorithm>

namespace cf::oracles {
namespace {

// Reads a u32 length at `*at` (missing bytes read as 0), then up to that many bytes.
std::span<const uint8_t> take_sized(std::span<const uint8_t> input, size_t* at) {
  uint32_t len = 0;
  for (size_t b = 0; b < 4; ++b) len |= static_cast<uint32_t>(*at + b < input.size() ? input[*at + b] : 0) << (8 * b);
  *at = std::min(*at + 4, input.size());
  const size_t take = std::min<size_t>(len, input.size() - *at);
  const std::span<const uint8_t> out = input.subspan(*at, take);
  *at += take;
  return out;
}

void put_sized(std::vector<uint8_t>& out, std::span<const uint8_t> bytes) {
  const auto len = static_cast<uint32_t>(bytes.size());
  for (size_t b = 0; b < 4; ++b) out.push_back(static_cast<uint8_t>(len >> (8 * b)));
  out.insert(out.end(), bytes.begin(), bytes.end());
}

}  // namespace

SnapshotInput decode_snapshot_input(std::span<const uint8_t> input) {
  SnapshotInput in;
  if (input.empty()) return in;
  in.flags = input[0];
  const size_t files = input.size() > 1 ? input[1] % (k_max_snapshot_files + 1) : 0;
  size_t at = std::min<size_t>(2, input.size());
  const std::span<const uint8_t> text = take_sized(input, &at);
  in.sidecar.assign(text.begin(), text.end());
  for (size_t k = 0; k < files; ++k) {
    const std::span<const uint8_t> f = take_sized(input, &at);
    in.files.emplace_back(f.begin(), f.end());
  }
  in.snapshot.assign(input.begin() + static_cast<std::ptrdiff_t>(at), input.end());
  return in;
}

std::vector<uint8_t> encode_snapshot_input(const SnapshotInput& in) {
  std::vector<uint8_t> out = {in.flags, static_cast<uint8_t>(std::min(in.files.size(), k_max_snapshot_files))};
  put_sized(out, {reinterpret_cast<const uint8_t*>(in.sidecar.data()), in.sidecar.size()});
  for (size_t k = 0; k < in.files.size() && k < k_max_snapshot_files; ++k) put_sized(out, in.files[k]);
  out.insert(out.end(), in.snapshot.begin(), in.snapshot.end());
  return out;
}

std::string resolve_file_refs(std::string_view sidecar, const std::vector<std::string>& paths) {
  std::string out;
  out.reserve(sidecar.size());
  for (size_t i = 0; i < sidecar.size();) {
    size_t end = i + 1;
    while (sidecar[i] == '@' && end < sidecar.size() && end - i <= 9 && sidecar[end] >= '0' && sidecar[end] <= '9') ++end;
    if (end > i + 1) {
      const size_t k = std::stoul(std::string(sidecar.substr(i + 1, end - i - 1)));
      if (k < paths.size()) {
        out += paths[k];
        i = end;
        continue;
      }
    }
    out += sidecar.substr(i, end - i);
    i = end;
  }
  return out;
}

}  // namespace cf::oracles
