// Name.hash and base addresses (FORMAT.md §3). Verified against §10's vectors in tests.
#include "core/name_hash.h"

#include <algorithm>

#include "core/format.h"

namespace cf {
namespace {

constexpr uint64_t k_m = 0xc6a4a7935bd1e995ULL;
constexpr uint64_t k_string_seed = 11;
constexpr uint64_t k_anonymous_hash = 1723;
constexpr uint64_t k_big_num_hash = 17;

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Parses decimal digits; sets *big when the value does not fit in 64 bits.
uint64_t parse_decimal(std::string_view s, bool* big) {
  uint64_t v = 0;
  *big = false;
  for (char c : s) {
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) {
      *big = true;
      return 0;
    }
    v = v * 10 + d;
  }
  return v;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

uint64_t murmur64a(std::span<const uint8_t> b, uint64_t seed) {
  const uint64_t n = b.size();
  uint64_t h = seed ^ (n * k_m);
  const uint64_t blocks = n / 8;
  for (uint64_t i = 0; i < blocks; ++i) {
    uint64_t k = load_u64(b.data() + 8 * i);
    k *= k_m;
    k ^= k >> 47;
    k *= k_m;
    h ^= k;
    h *= k_m;
  }
  const uint64_t tail = n % 8;
  if (tail > 0) {
    for (uint64_t j = 0; j < tail; ++j) h ^= static_cast<uint64_t>(b[8 * blocks + j]) << (8 * j);
    h *= k_m;
  }
  h ^= h >> 47;
  h *= k_m;
  h ^= h >> 47;
  return h;
}

uint64_t string_hash(std::string_view s) {
  return murmur64a({reinterpret_cast<const uint8_t*>(s.data()), s.size()}, k_string_seed);
}

uint64_t mix_hash(uint64_t h, uint64_t k) {
  k *= k_m;
  k ^= k >> 47;
  k ^= k_m;
  return (h ^ k) * k_m;
}

Name& Name::str(std::string s) {
  components.push_back(NameComponent{false, std::move(s), 0, false});
  return *this;
}
Name& Name::num(uint64_t n) {
  components.push_back(NameComponent{true, {}, n, false});
  return *this;
}
Name& Name::big_num() {
  components.push_back(NameComponent{true, {}, 0, true});
  return *this;
}

std::optional<Name> Name::parse(std::string_view dotted) {
  static constexpr std::string_view open = "\u00ab", close = "\u00bb";
  Name name;
  if (dotted.empty()) return name;  // anonymous
  size_t i = 0;
  while (true) {
    std::string comp;
    bool quoted = false;
    if (dotted.substr(i, open.size()) == open) {
      const size_t end = dotted.find(close, i + open.size());
      if (end == std::string_view::npos) return std::nullopt;
      comp = std::string(dotted.substr(i + open.size(), end - i - open.size()));
      i = end + close.size();
      quoted = true;
    } else {
      const size_t end = std::min(dotted.find('.', i), dotted.size());
      comp = std::string(dotted.substr(i, end - i));
      i = end;
      if (comp.empty()) return std::nullopt;
    }
    if (!quoted && all_digits(comp)) {
      bool big = false;
      const uint64_t v = parse_decimal(comp, &big);
      big ? name.big_num() : name.num(v);
    } else {
      name.str(std::move(comp));
    }
    if (i == dotted.size()) return name;
    if (dotted[i] != '.') return std::nullopt;
    ++i;
    if (i == dotted.size()) return std::nullopt;
  }
}

std::string Name::to_string() const {
  std::string out;
  for (size_t i = 0; i < components.size(); ++i) {
    if (i) out += '.';
    const NameComponent& c = components[i];
    if (!c.is_num) out += c.str;
    else if (c.num_big) out += "(>=2^64)";
    else out += std::to_string(c.num);
  }
  return out;
}

uint64_t name_hash(const Name& name) {
  uint64_t h = k_anonymous_hash;
  for (const NameComponent& c : name.components) {
    const uint64_t k = !c.is_num ? string_hash(c.str) : (c.num_big ? k_big_num_hash : c.num);
    h = mix_hash(h, k);
  }
  return h;
}

uint64_t base_addr_for_key(const Name& key) {
  return (name_hash(key) % k_base_modulus) & ~uint64_t{0xFFFF};
}

uint64_t next_part_base(uint64_t prev_base, uint64_t prev_file_size) {
  return prev_base + align64k(prev_file_size);
}

std::optional<ArtifactKey> artifact_key_from_path(std::string_view path) {
  const size_t slash = path.rfind('/');
  const std::string_view file = slash == std::string_view::npos ? path : path.substr(slash + 1);
  ArtifactKey out;
  if (file == "lakefile.olean") {
    out.kind = ArtifactKind::lakefile;
    out.key.str("lakefile");
    return out;
  }
  struct Suffix {
    std::string_view text;
    ArtifactKind kind;
    unsigned part;
    bool ir_key;
  };
  static constexpr Suffix suffixes[] = {
      {".olean.server", ArtifactKind::olean_server, 1, false},
      {".olean.private", ArtifactKind::olean_private, 2, false},
      {".olean", ArtifactKind::olean, 0, false},
      {".ir.sig", ArtifactKind::ir_sig, 0, true},
      {".ir", ArtifactKind::ir, 0, true},
  };
  const Suffix* match = nullptr;
  for (const Suffix& s : suffixes)
    if (ends_with(path, s.text)) {
      match = &s;
      break;
    }
  if (match == nullptr) return std::nullopt;
  std::string_view stem = path.substr(0, path.size() - match->text.size());
  size_t root = stem.rfind("lib/lean/");
  size_t root_len = 9;
  if (root == std::string_view::npos) {
    root = stem.rfind("lib/");
    root_len = 4;
  }
  if (root == std::string_view::npos) return std::nullopt;
  stem = stem.substr(root + root_len);
  if (stem.empty()) return std::nullopt;
  for (size_t start = 0; start <= stem.size();) {
    const size_t end = std::min(stem.find('/', start), stem.size());
    if (end == start) return std::nullopt;
    out.key.str(std::string(stem.substr(start, end - start)));
    start = end + 1;
  }
  if (match->ir_key) out.key.str("ir");
  out.kind = match->kind;
  out.part = match->part;
  return out;
}

}  // namespace cf
