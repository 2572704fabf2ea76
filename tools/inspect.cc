// See inspect.h.
#include "tools/inspect.h"

#include <cstdio>
#include <ostream>

#include "core/io.h"
#include "tools/text.h"

namespace cf::tool {
namespace {

// Printable form of an opaque text field: bytes up to the first NUL, non-printables as \xNN.
std::string printable(const std::string& raw) {
  std::string out;
  for (unsigned char c : raw) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

nlohmann::json kind_counts(const std::array<uint64_t, k_num_file_kinds>& counts) {
  nlohmann::json j = nlohmann::json::object();
  for (size_t k = 0; k < k_num_file_kinds; ++k) j[std::string(k_kinds[k].name)] = counts[k];
  return j;
}

nlohmann::json root_json(const RootInfo& root) {
  switch (root.cls) {
    case RootClass::own: return {{"offset", root.offset}, {"kind", std::string(kind_name(root.kind))}};
    case RootClass::external: return {{"outside", true}, {"address", hex(root.word)}};
    case RootClass::scalar: return {{"scalar", true}, {"value", unbox(root.word)}};
  }
  return nullptr;
}

void header_json(nlohmann::json& j, const FileHeader& h) {
  j["format"] = std::string(format_name(h.format));
  j["header_version"] = h.version_byte();
  j["flags"] = h.format >= Format::v2 ? nlohmann::json(h.flags) : nlohmann::json(nullptr);
  j["version_string"] = printable(h.version_string_text());
  j["githash"] = printable(h.githash_text());
  j["base_addr"] = hex(h.base_addr);
  j["file_size"] = h.file_size;
  j["data_start"] = h.data_start();
  j["data_size"] = h.data_size;
  if (h.format == Format::v3) {
    nlohmann::json libs = nlohmann::json::array();
    for (const LibraryEntry& lib : h.trailer.libraries)
      libs.push_back({{"base", hex(lib.base)}, {"identity", printable(lib.identity)}});
    j["closure_offsets"] = h.trailer.closure_offsets.size();
    j["libraries"] = libs;
  }
}

void summary_json(nlohmann::json& j, const RegionSummary& s, bool objects) {
  j["objects"] = s.objects;
  j["objects_per_kind"] = kind_counts(s.objects_per_kind);
  j["bytes_per_kind"] = kind_counts(s.bytes_per_kind);
  nlohmann::json tags = nlohmann::json::object();
  for (size_t t = 0; t < s.ctor_tags.size(); ++t)
    if (s.ctor_tags[t] != 0) tags[std::to_string(t)] = s.ctor_tags[t];
  j["ctor_tags"] = tags;
  j["root"] = root_json(s.root);
  j["max_depth"] = s.max_depth;
  j["pointer_words"] = {{"scalar", s.pointer_words.scalar}, {"self", s.pointer_words.self},
                        {"other", s.pointer_words.other}};
  j["work"] = s.work;
  if (objects) {
    nlohmann::json list = nlohmann::json::array();
    for (const ObjectRecord& r : s.table.records)
      list.push_back({{"offset", r.offset}, {"kind", std::string(kind_name(r.kind))}, {"tag", r.tag},
                      {"size", r.size}, {"fields", r.slot_count}, {"depth", r.depth}});
    j["object_list"] = list;
  }
}

void print_kinds(std::ostream& out, const RegionSummary& s) {
  out << "  kind        objects      bytes\n";
  char line[96];
  for (size_t k = 0; k < k_num_file_kinds; ++k) {
    if (s.objects_per_kind[k] == 0) continue;
    std::snprintf(line, sizeof line, "  %-8s %10llu %10llu\n", k_kinds[k].name.data(),
                  static_cast<unsigned long long>(s.objects_per_kind[k]),
                  static_cast<unsigned long long>(s.bytes_per_kind[k]));
    out << line;
  }
  std::string tags;
  for (size_t t = 0; t < s.ctor_tags.size(); ++t)
    if (s.ctor_tags[t] != 0) tags += (tags.empty() ? "" : ", ") + std::to_string(t) + ": " + std::to_string(s.ctor_tags[t]);
  if (!tags.empty()) out << "  ctor tags    " << tags << "\n";
}

void print_root(std::ostream& out, const RootInfo& root) {
  out << "  root         ";
  switch (root.cls) {
    case RootClass::own: out << kind_name(root.kind) << " at offset " << root.offset << "\n"; break;
    case RootClass::external: out << "outside this file, " << hex(root.word) << " (a dep or an earlier part)\n"; break;
    case RootClass::scalar: out << "scalar box(" << unbox(root.word) << ")\n"; break;
  }
}

}  // namespace

InspectReport inspect_bytes(const std::string& name, std::span<const uint8_t> bytes, const InspectOptions& options) {
  InspectReport r;
  r.file = name;
  auto header_or = parse_file_layout(bytes, options.header);
  if (!header_or) {
    r.error = header_or.take_error();
  } else {
    r.header = header_or.value();
    WalkOptions walk = options.walk;
    walk.keep_objects = options.objects;
    auto summary_or = walk_region(bytes, *r.header, walk);
    if (summary_or) r.summary = std::move(summary_or).value();
    else r.error = summary_or.take_error();
  }
  if (r.error) {
    r.error->file = name;
    r.exit_code = exit_rejected;
  }
  return r;
}

InspectReport inspect_file(const std::string& path, const InspectOptions& options) {
  auto bytes_or = read_file(path);
  if (!bytes_or) {
    InspectReport r;
    r.file = path;
    r.error = bytes_or.take_error();
    r.exit_code = exit_usage;
    return r;
  }
  return inspect_bytes(path, bytes_or.value(), options);
}

nlohmann::json to_json(const InspectReport& r, bool objects) {
  nlohmann::json j = {{"file", r.file}, {"status", r.error ? "rejected" : "ok"}};
  if (r.error && r.error->code == ErrorCode::io_error) j["status"] = "io_error";
  if (r.header) header_json(j, *r.header);
  if (r.summary) summary_json(j, *r.summary, objects);
  if (r.error)
    j["error"] = {{"class", std::string(error_name(r.error->code))}, {"offset", r.error->offset},
                  {"message", r.error->message}};
  return j;
}

void print_text(std::ostream& out, const InspectReport& r, bool objects) {
  out << r.file << "\n";
  if (const FileHeader* h = r.header ? &*r.header : nullptr) {
    out << "  format       " << format_name(h->format);
    if (h->format >= Format::v2) out << " (flags " << hex(h->flags) << ")";
    out << "\n";
    if (h->format >= Format::v2) out << "  version      " << printable(h->version_string_text()) << "\n";
    if (h->format >= Format::v1) out << "  githash      " << printable(h->githash_text()) << "\n";
    out << "  base_addr    " << hex(h->base_addr) << "\n";
    out << "  file_size    " << h->file_size << "\n";
    out << "  data         offset " << h->data_start() << ", " << h->data_size << " bytes\n";
    if (h->format == Format::v3)
      out << "  trailer      " << h->trailer.closure_offsets.size() << " closure offsets, "
          << h->trailer.libraries.size() << " libraries\n";
  }
  if (const RegionSummary* s = r.summary ? &*r.summary : nullptr) {
    print_root(out, s->root);
    out << "  objects      " << s->objects << ", max depth " << s->max_depth << "\n";
    print_kinds(out, *s);
    out << "  pointers     self " << s->pointer_words.self << ", other " << s->pointer_words.other << ", scalar "
        << s->pointer_words.scalar << "\n";
    if (objects) {
      out << "  offset     kind      tag   size  fields  depth\n";
      char line[96];
      for (const ObjectRecord& o : s->table.records) {
        std::snprintf(line, sizeof line, "  0x%-8llx %-8s %4u %6llu %7u %6u\n", static_cast<unsigned long long>(o.offset),
                      kind_name(o.kind).data(), o.tag, static_cast<unsigned long long>(o.size), o.slot_count, o.depth);
        out << line;
      }
    }
  }
  out << "  status       " << (r.error ? r.error->describe() : std::string("ok")) << "\n";
}

}  // namespace cf::tool
