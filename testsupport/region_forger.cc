// See region_forger.h.
#include "testsupport/region_forger.h"

#include <cstring>

namespace cf::testsupport {
namespace {

void put(std::vector<uint8_t>& v, uint64_t off, const void* src, size_t n) { std::memcpy(v.data() + off, src, n); }

std::vector<uint8_t> with_header(uint64_t size, uint16_t cs_sz, uint8_t other, uint8_t tag) {
  std::vector<uint8_t> obj(align8(size), 0);
  ObjectHeader h;
  h.cs_sz = cs_sz;
  h.other = other;
  h.tag = tag;
  h.encode(obj.data());
  return obj;
}

uint64_t utf8_code_points(const std::string& s) {
  uint64_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

}  // namespace

RegionForger::RegionForger(Format format, uint64_t base_addr) {
  header_.format = format;
  header_.base_addr = base_addr;
  const char vs[] = "4.99.0";
  std::memcpy(header_.version_string.data(), vs, sizeof vs - 1);
  const char gh[] = "0123456789abcdef0123456789abcdef01234567";
  std::memcpy(header_.githash.data(), gh, sizeof gh - 1);
}

uint64_t RegionForger::append(const std::vector<uint8_t>& obj) {
  const uint64_t addr = next_addr();
  data_.insert(data_.end(), obj.begin(), obj.end());
  return addr;
}

uint64_t RegionForger::ctor(uint8_t tag, const std::vector<uint64_t>& fields, const std::vector<uint8_t>& scalars) {
  const uint64_t size = 8 + 8 * fields.size() + scalars.size();
  auto obj = with_header(size, static_cast<uint16_t>(align8(size)), static_cast<uint8_t>(fields.size()), tag);
  for (size_t i = 0; i < fields.size(); ++i) put(obj, 8 + 8 * i, &fields[i], 8);
  if (!scalars.empty()) put(obj, 8 + 8 * fields.size(), scalars.data(), scalars.size());
  return append(obj);
}

uint64_t RegionForger::array(const std::vector<uint64_t>& elems) {
  auto obj = with_header(24 + 8 * elems.size(), 1, 0, k_tag_array);
  const uint64_t n = elems.size();
  put(obj, 8, &n, 8);
  put(obj, 16, &n, 8);
  for (size_t i = 0; i < elems.size(); ++i) put(obj, 24 + 8 * i, &elems[i], 8);
  return append(obj);
}

uint64_t RegionForger::sarray(uint8_t elem_size, const std::vector<uint8_t>& payload) {
  auto obj = with_header(24 + payload.size(), 1, elem_size, k_tag_scalar_array);
  const uint64_t n = payload.size() / elem_size;
  put(obj, 8, &n, 8);
  put(obj, 16, &n, 8);
  if (!payload.empty()) put(obj, 24, payload.data(), payload.size());
  return append(obj);
}

uint64_t RegionForger::string(const std::string& utf8) {
  const uint64_t size = utf8.size() + 1, len = utf8_code_points(utf8);
  auto obj = with_header(32 + size, 1, 0, k_tag_string);
  put(obj, 8, &size, 8);
  put(obj, 16, &size, 8);
  put(obj, 24, &len, 8);
  if (!utf8.empty()) put(obj, 32, utf8.data(), utf8.size());
  return append(obj);
}

uint64_t RegionForger::mpz(const std::vector<uint64_t>& limbs, bool negative) {
  const uint64_t size = 24 + 8 * limbs.size();
  auto obj = with_header(size, static_cast<uint16_t>(size & 0xFFFF), 0, k_tag_mpz);
  const int32_t n = static_cast<int32_t>(limbs.size());
  const int32_t signed_n = negative ? -n : n;
  const uint64_t limb_ptr = next_addr() + 24;
  put(obj, 8, &n, 4);
  put(obj, 12, &signed_n, 4);
  put(obj, 16, &limb_ptr, 8);
  for (size_t i = 0; i < limbs.size(); ++i) put(obj, 24 + 8 * i, &limbs[i], 8);
  return append(obj);
}

uint64_t RegionForger::thunk(uint64_t value, uint8_t tag) {
  auto obj = with_header(24, 24, 0, tag);
  put(obj, 8, &value, 8);
  return append(obj);
}

uint64_t RegionForger::ref(uint64_t value, uint8_t tag) {
  auto obj = with_header(16, 16, 0, tag);
  put(obj, 8, &value, 8);
  return append(obj);
}

uint64_t RegionForger::closure(uint64_t fn, uint16_t arity, const std::vector<uint64_t>& args) {
  const uint64_t size = 24 + 8 * args.size();
  auto obj = with_header(size, static_cast<uint16_t>(size), 0, k_tag_closure);
  const uint16_t nf = static_cast<uint16_t>(args.size());
  put(obj, 8, &fn, 8);
  put(obj, 16, &arity, 2);
  put(obj, 18, &nf, 2);
  for (size_t i = 0; i < args.size(); ++i) put(obj, 24 + 8 * i, &args[i], 8);
  return append(obj);
}

uint64_t RegionForger::raw(const std::vector<uint64_t>& words) {
  std::vector<uint8_t> obj(8 * words.size());
  for (size_t i = 0; i < words.size(); ++i) put(obj, 8 * i, &words[i], 8);
  return append(obj);
}

std::vector<uint8_t> RegionForger::bytes() const {
  FileHeader h = header_;
  h.data_size = 8 + data_.size();
  std::vector<uint8_t> out = serialize_header(h);
  const size_t root_at = out.size();
  out.resize(root_at + 8);
  put(out, root_at, &root_, 8);
  out.insert(out.end(), data_.begin(), data_.end());
  if (h.format == Format::v3) {
    std::vector<uint8_t> t = serialize_trailer(h.trailer);
    out.insert(out.end(), t.begin(), t.end());
  }
  return out;
}

uint64_t word_at(const std::vector<uint8_t>& bytes, uint64_t off) { return load_u64(bytes.data() + off); }
void put_word(std::vector<uint8_t>& bytes, uint64_t off, uint64_t value) { store_u64(bytes.data() + off, value); }

}  // namespace cf::testsupport
