// Header detection, checks and serialisation (FORMAT.md §2, §8.2 steps 1-3, §8.3 H*/D*/T1-T2).
#include "core/header.h"

#include <algorithm>
#include <cstring>

#include "core/fail.h"

namespace cf {
namespace {

// Length of the common prefix of the file's bytes and a magic.
uint64_t agreeing_prefix(std::span<const uint8_t> bytes, const char* magic, uint64_t magic_len) {
  uint64_t n = std::min<uint64_t>(bytes.size(), magic_len);
  for (uint64_t i = 0; i < n; ++i)
    if (bytes[i] != static_cast<uint8_t>(magic[i])) return i;
  return n;
}

// §2.1 detection: v0 magic, else `olean` + version byte, else bad_magic; a file that ends
// while still agreeing with a magic is truncated.
Result<Format> detect_format(std::span<const uint8_t> bytes) {
  const uint64_t n = bytes.size();
  const uint64_t v0_agree = agreeing_prefix(bytes, k_magic_v0, k_magic_v0_size);
  if (v0_agree == k_magic_v0_size) return Format::v0;
  const uint64_t agree = agreeing_prefix(bytes, k_magic, k_magic_size);
  if (v0_agree == n && n < k_magic_v0_size)
    return fail(ErrorCode::truncated, n, "file ends after %llu bytes, inside the magic",
                static_cast<unsigned long long>(n));
  if (agree < k_magic_size)
    return fail(ErrorCode::bad_magic, agree, "invalid header: byte 0x%02x does not match the magic",
                static_cast<unsigned>(bytes[agree]));
  const uint64_t version_at = header_layout(Format::v1).version_at;
  if (n <= version_at) return fail(ErrorCode::truncated, n, "file ends before the version byte");
  const uint8_t version = bytes[version_at];
  if (version < 1 || version > 3)
    return fail(ErrorCode::incompatible_header, version_at,
                "incompatible header: version byte %u (readable: 1, 2, 3)", static_cast<unsigned>(version));
  return static_cast<Format>(version);
}

bool nul_padded(const uint8_t* p, size_t n) {
  const uint8_t* nul = static_cast<const uint8_t*>(std::memchr(p, 0, n));
  if (nul == nullptr) return true;
  return std::all_of(nul, p + n, [](uint8_t b) { return b == 0; });
}

std::string text_until_nul(const uint8_t* p, size_t n) {
  const void* nul = std::memchr(p, 0, n);
  size_t len = nul == nullptr ? n : static_cast<size_t>(static_cast<const uint8_t*>(nul) - p);
  return std::string(reinterpret_cast<const char*>(p), len);
}

size_t githash_size(Format f) { return header_layout(f).githash_size; }

}  // namespace

uint64_t FileHeader::data_start() const { return header_size(format); }

std::string FileHeader::version_string_text() const {
  if (format <= Format::v1) return "";
  return text_until_nul(version_string.data(), version_string.size());
}

std::string FileHeader::githash_text() const {
  if (format == Format::v0) return "";
  return text_until_nul(githash.data(), githash_size(format));
}

bool FileHeader::opaque_fields_nul_padded() const {
  if (format == Format::v0) return true;
  bool ok = nul_padded(githash.data(), githash_size(format));
  if (format >= Format::v2) ok = ok && nul_padded(version_string.data(), version_string.size());
  return ok;
}

Result<FileHeader> parse_header(std::span<const uint8_t> prefix, uint64_t file_size,
                                const HeaderOptions& options) {
  if (prefix.size() > file_size) prefix = prefix.first(file_size);
  auto format_or = detect_format(prefix);
  if (!format_or) return format_or.take_error();
  FileHeader h;
  h.format = format_or.value();
  h.file_size = file_size;
  const HeaderLayout& at = header_layout(h.format);
  if (prefix.size() < at.size)
    return fail(ErrorCode::truncated, prefix.size(), "%s header needs %llu bytes, file has %llu",
                format_name(h.format).data(), static_cast<unsigned long long>(at.size),
                static_cast<unsigned long long>(prefix.size()));
  const uint8_t* p = prefix.data();
  if (options.current_only && h.format <= Format::v1)
    return fail(ErrorCode::incompatible_header, at.version_at,
                "incompatible header: %s file, current mode reads only v2 and v3", format_name(h.format).data());
  if (at.flags_at != 0) {
    h.flags = p[at.flags_at];
    if (options.flags == FlagsPolicy::expected && h.flags != options.expected_flags)
      return fail(ErrorCode::incompatible_header, at.flags_at, "incompatible header: flags 0x%02x, expected 0x%02x",
                  static_cast<unsigned>(h.flags), static_cast<unsigned>(options.expected_flags));
    std::memcpy(h.version_string.data(), p + at.version_string_at, k_version_string_size);
  }
  if (at.githash_at != 0) std::memcpy(h.githash.data(), p + at.githash_at, at.githash_size);
  if (options.expected_githash && h.githash_text() != *options.expected_githash)
    return fail(ErrorCode::incompatible_header, at.githash_at,
                "incompatible header: githash '%s' is not the expected '%s'", h.githash_text().c_str(),
                options.expected_githash->c_str());
  h.base_addr = load_u64(p + at.base_addr_at);
  if (h.base_addr % 8 != 0)
    return fail(ErrorCode::bad_header_field, at.base_addr_at, "base_addr 0x%llx is not 8-aligned",
                static_cast<unsigned long long>(h.base_addr));
  if (h.base_addr > UINT64_MAX - file_size)
    return fail(ErrorCode::bad_header_field, at.base_addr_at, "base_addr 0x%llx + file size %llu wraps past 2^64",
                static_cast<unsigned long long>(h.base_addr), static_cast<unsigned long long>(file_size));
  if (at.data_size_at == 0) {
    h.data_size = file_size - at.size;
    return h;
  }
  h.data_size = load_u64(p + at.data_size_at);
  if (h.data_size > file_size - at.size)
    return fail(ErrorCode::truncated, at.data_size_at, "data_size %llu runs past the end of the file (%llu bytes)",
                static_cast<unsigned long long>(h.data_size), static_cast<unsigned long long>(file_size));
  if (h.data_size % 8 != 0)
    return fail(ErrorCode::bad_header_field, at.data_size_at, "data_size %llu is not a multiple of 8",
                static_cast<unsigned long long>(h.data_size));
  return h;
}

Status parse_trailer(std::span<const uint8_t> file, FileHeader* header) {
  header->trailer = V3Trailer{};
  uint64_t cur = header_size(Format::v3) + header->data_size;
  const uint64_t end = file.size();
  auto need = [&](uint64_t n, const char* what) -> Status {
    if (n > end - cur)
      return fail(ErrorCode::truncated, cur, "v3 trailer: %s needs %llu bytes, %llu remain", what,
                  static_cast<unsigned long long>(n), static_cast<unsigned long long>(end - cur));
    return Ok{};
  };
  if (auto s = need(4, "closure count"); !s) return s;
  const uint64_t c = load_u32(file.data() + cur);
  cur += 4;
  if (auto s = need(8 * c, "closure offsets"); !s) return s;
  header->trailer.closure_offsets.resize(c);
  for (uint64_t i = 0; i < c; ++i, cur += 8) header->trailer.closure_offsets[i] = load_u64(file.data() + cur);
  if (auto s = need(4, "library count"); !s) return s;
  const uint64_t l = load_u32(file.data() + cur);
  cur += 4;
  for (uint64_t i = 0; i < l; ++i) {
    LibraryEntry lib;
    if (auto s = need(12, "library base and id_len"); !s) return s;
    lib.base = load_u64(file.data() + cur);
    const uint64_t id_len = load_u32(file.data() + cur + 8);
    cur += 12;
    if (auto s = need(id_len, "library identity"); !s) return s;
    lib.identity.assign(reinterpret_cast<const char*>(file.data() + cur), id_len);
    cur += id_len;
    header->trailer.libraries.push_back(std::move(lib));
  }
  if (cur != end)
    return fail(ErrorCode::trailing_bytes, cur, "%llu bytes after the v3 library table",
                static_cast<unsigned long long>(end - cur));
  return Ok{};
}

uint64_t library_entry_offset(const FileHeader& h, size_t i) {
  uint64_t at = header_size(Format::v3) + h.data_size + 4 + 8 * h.trailer.closure_offsets.size() + 4;
  for (size_t k = 0; k < i && k < h.trailer.libraries.size(); ++k) at += 12 + h.trailer.libraries[k].identity.size();
  return at;
}

Status check_data_section(const FileHeader& header) {
  const FileHeader* h = &header;
  const uint64_t d = h->data_start();
  if (h->data_size < 8)
    return fail(ErrorCode::truncated, d + h->data_size, "data section is %llu bytes; the root slot needs 8",
                static_cast<unsigned long long>(h->data_size));
  if (h->data_size % 8 != 0)
    return fail(ErrorCode::truncated, d + h->data_size - h->data_size % 8,
                "data section is %llu bytes, not a whole number of words", static_cast<unsigned long long>(h->data_size));
  return Ok{};
}

Status complete_layout(std::span<const uint8_t> file, FileHeader* h) {
  if (h->format == Format::v3) {
    if (auto s = parse_trailer(file, h); !s) return s;
  }
  return check_data_section(*h);
}

Result<FileHeader> parse_file_layout(std::span<const uint8_t> file, const HeaderOptions& options) {
  auto header_or = parse_header(file, file.size(), options);
  if (!header_or) return header_or;
  if (auto s = complete_layout(file, &header_or.value()); !s) return s.take_error();
  return header_or;
}

std::vector<uint8_t> serialize_header(const FileHeader& h) {
  const HeaderLayout& at = header_layout(h.format);
  std::vector<uint8_t> out(at.size, 0);
  uint8_t* p = out.data();
  if (h.format == Format::v0) {
    std::memcpy(p, k_magic_v0, k_magic_v0_size);
  } else {
    std::memcpy(p, k_magic, k_magic_size);
    p[at.version_at] = h.version_byte();
  }
  if (at.flags_at != 0) {
    p[at.flags_at] = h.flags;
    std::memcpy(p + at.version_string_at, h.version_string.data(), k_version_string_size);
  }
  if (at.githash_at != 0) std::memcpy(p + at.githash_at, h.githash.data(), at.githash_size);
  store_u64(p + at.base_addr_at, h.base_addr);
  if (at.data_size_at != 0) store_u64(p + at.data_size_at, h.data_size);
  return out;
}

std::vector<uint8_t> serialize_trailer(const V3Trailer& t) {
  std::vector<uint8_t> out;
  auto put = [&out](const void* src, size_t n) {
    const auto* b = static_cast<const uint8_t*>(src);
    out.insert(out.end(), b, b + n);
  };
  const uint32_t c = static_cast<uint32_t>(t.closure_offsets.size());
  put(&c, 4);
  for (uint64_t off : t.closure_offsets) put(&off, 8);
  const uint32_t l = static_cast<uint32_t>(t.libraries.size());
  put(&l, 4);
  for (const LibraryEntry& lib : t.libraries) {
    put(&lib.base, 8);
    const uint32_t id_len = static_cast<uint32_t>(lib.identity.size());
    put(&id_len, 4);
    put(lib.identity.data(), lib.identity.size());
  }
  return out;
}

}  // namespace cf
