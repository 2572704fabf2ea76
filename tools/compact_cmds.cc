// See compact_cmds.h.
#include "tools/compact_cmds.h"

#include <algorithm>
#include <cstdio>
#include <ostream>
#include <sstream>
#include <string_view>
#include <variant>

#include "core/closures.h"
#include "core/io.h"
#include "core/name_hash.h"
#include "oracles/graph_build.h"
#include "oracles/reproduction.h"
#include "tools/text.h"

namespace cf::tool {
namespace {

std::string offset_text(uint64_t off) { return std::to_string(off) + " (" + hex(off) + ")"; }

// ---- compact ----------------------------------------------------------------------------

// Part 0's base: --key, else --base, else what the graph recorded.
bool choose_base(const CompactCmdOptions& o, const oracles::BuiltGraph& g, uint64_t* base, std::ostream& err) {
  if (o.key) {
    auto name = Name::parse(*o.key);
    if (!name) {
      err << "regiontool compact: --key '" << *o.key << "' is not a dotted Lean name\n";
      return false;
    }
    *base = base_addr_for_key(*name);
  } else if (o.base) {
    *base = *o.base;
  } else if (g.parts[0].base_addr) {
    *base = *g.parts[0].base_addr;
  } else {
    err << "regiontool compact: " << o.input << ": parts[0] has no base_addr; give --key or --base\n";
    return false;
  }
  if (*base % 8 != 0) {  // a reader rejects it (FORMAT.md §8, H6): refuse to write such a file
    err << "regiontool compact: base " << hex(*base) << " is not 8-aligned\n";
    return false;
  }
  return true;
}

// The compactor's options: what the document asks for (oracles::save_options), then the
// command line's base, format and strategy, and the dep regions.
bool compactor_options(const CompactCmdOptions& o, const oracles::BuiltGraph& g,
                       const std::vector<Region>& deps, CompactorOptions* c, std::ostream& err) {
  *c = oracles::save_options(g);
  if (!choose_base(o, g, &c->base_addr, err)) return false;
  c->strategy = o.strategy;
  if (o.format) c->format = *o.format;
  c->name = o.output;
  for (const Region& d : deps) c->deps.push_back(d.view());
  if (auto why = oracles::layout_mismatch(g, *c)) {
    err << "regiontool compact: " << o.input << ": " << *why << "\n";
    return false;
  }
  return true;
}

Result<std::vector<Region>> load_deps(const CompactCmdOptions& o) {
  if (o.dep_files.empty()) return std::vector<Region>{};
  return load_parts(o.dep_files, o.load);
}

}  // namespace

std::string part_file_name(const std::string& output, size_t k) {
  switch (k) {
    case 0: return output;
    case 1: return output + ".server";
    case 2: return output + ".private";
    default: return output + ".part" + std::to_string(k);
  }
}

CompactOutcome compact_graph_file(const CompactCmdOptions& o) {
  CompactOutcome r;
  std::ostringstream err;
  auto usage = [&](std::string message) {
    r.exit_code = exit_usage;
    r.message = std::move(message);
    return r;
  };
  auto text_or = read_file(o.input);
  if (!text_or) return usage(o.input + ": " + text_or.error().message);
  auto deps_or = load_deps(o);
  if (!deps_or) return usage("dep " + deps_or.error().describe());
  std::vector<const Region*> dep_ptrs;
  for (const Region& d : deps_or.value()) dep_ptrs.push_back(&d);
  const std::string_view json_text(reinterpret_cast<const char*>(text_or->data()), text_or->size());
  oracles::BuildResult built = oracles::build_graph_text(json_text, dep_ptrs);
  if (auto* e = std::get_if<oracles::BuildError>(&built)) return usage(o.input + ": " + e->message);
  auto& g = std::get<oracles::BuiltGraph>(built);
  CompactorOptions copts;
  if (!compactor_options(o, g, deps_or.value(), &copts, err)) {
    std::string m = err.str();
    const std::string prefix = "regiontool compact: ";
    if (m.rfind(prefix, 0) == 0) m.erase(0, prefix.size());
    while (!m.empty() && m.back() == '\n') m.pop_back();
    return usage(m);
  }
  Compactor compactor(copts);
  // Every part is compacted before any is written: a rejected chain leaves no files.
  std::vector<std::vector<uint8_t>> images;
  for (const oracles::PartSpec& p : g.parts) {
    const oracles::PartSpec& text_from = p.text_given ? p : g.parts[0];
    compactor.set_text_fields(text_from.version_string, text_from.githash);
    auto image_or = compactor.save(p.root);
    if (!image_or) {
      r.exit_code = exit_rejected;
      r.error = image_or.take_error();
      return r;
    }
    images.push_back(std::move(image_or.value()));
  }
  uint64_t base = copts.base_addr;
  for (size_t k = 0; k < images.size(); ++k) {
    const std::string path = part_file_name(o.output, k);
    if (auto st = write_file_atomic(path, images[k]); !st) {
      for (const std::string& done : r.files) std::remove(done.c_str());  // all parts or none
      r.files.clear();
      return usage(st.error().describe());
    }
    r.files.push_back(path);
    r.sizes.push_back(images[k].size());
    r.bases.push_back(base);
    base += align64k(images[k].size());  // §3.4, as the compactor placed the next part
  }
  r.format = copts.format;
  r.strategy = copts.strategy;
  return r;
}

int run_compact(const CompactCmdOptions& o, std::ostream& out, std::ostream& err) {
  const CompactOutcome r = compact_graph_file(o);
  if (r.error) {
    err << "regiontool compact: " << r.error->describe() << "\n";  // names class and offset
    return r.exit_code;
  }
  if (r.exit_code != exit_ok) {
    err << "regiontool compact: " << r.message << "\n";
    return r.exit_code;
  }
  for (size_t k = 0; k < r.files.size(); ++k)
    out << r.files[k] << ": " << r.sizes[k] << " bytes, " << format_name(r.format) << ", base " << hex(r.bases[k])
        << " (" << strategy_name(r.strategy) << ")\n";
  return exit_ok;
}

// ---- roundtrip --------------------------------------------------------------------------

namespace {

std::string_view order_name(ChildOrder c) { return c == ChildOrder::ascending ? "ascending" : "descending"; }

// Where offset `off` of the input falls: a named header area, or the object containing it.
void locate(const Region& input, uint64_t off, PartReport* p) {
  const FileHeader& h = input.header();
  const uint64_t d = h.data_start();
  if (off >= p->input_size) {
    p->where = "past the input's end";
  } else if (off < d) {
    p->where = "header";
  } else if (off < d + 8) {
    p->where = "root slot";
  } else if (off >= d + h.data_size) {
    p->where = "trailer";
  } else {
    const auto& list = input.objects().records;
    auto it = std::upper_bound(list.begin(), list.end(), off,
                               [](uint64_t v, const ObjectRecord& o) { return v < o.offset; });
    if (it != list.begin() && off - (it - 1)->offset < (it - 1)->size) p->object = *(it - 1);
  }
}

PartReport compare(const Region& input, const std::vector<uint8_t>& in, const std::vector<uint8_t>& outb) {
  PartReport p;
  p.file = input.name();
  p.input_size = in.size();
  p.output_size = outb.size();
  const size_t n = std::min(in.size(), outb.size());
  const auto mismatch = std::mismatch(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(n), outb.begin());
  const auto first = static_cast<uint64_t>(mismatch.first - in.begin());
  if (first == n && in.size() == outb.size()) return p;
  p.first_difference = first;
  locate(input, first, &p);
  return p;
}

// One strategy's attempt (with the order policy of oracles::reproduce), part by part.
StrategyReport attempt(const std::vector<const Region*>& parts, const oracles::FileUnit& inputs, Strategy s,
                       oracles::OrderChoice order) {
  const oracles::Reproduction r = oracles::reproduce(parts, inputs, s, order);
  StrategyReport report;
  report.strategy = r.strategy;
  report.order = r.order;
  report.compact_error = r.result.error;
  if (r.result.ok())
    for (size_t k = 0; k < parts.size(); ++k)
      report.parts.push_back(compare(*parts[k], inputs.bytes[k], r.result.images[k]));
  return report;
}

}  // namespace

bool StrategyReport::identical() const {
  if (compact_error) return false;
  return std::all_of(parts.begin(), parts.end(), [](const PartReport& p) { return p.identical(); });
}

int GroupReport::exit_code() const {
  if (load_error) return exit_usage;
  for (const StrategyReport& r : results)
    if (!r.identical()) return exit_rejected;
  return exit_ok;
}

GroupReport roundtrip_group(const std::vector<std::string>& files, const RoundtripOptions& o) {
  GroupReport g;
  g.files = files;
  oracles::FileUnit inputs;
  for (const std::string& f : files) {
    auto bytes_or = read_file(f);
    if (!bytes_or) {
      g.load_error = bytes_or.take_error();
      return g;
    }
    inputs.names.push_back(f);
    inputs.bytes.push_back(std::move(bytes_or.value()));
  }
  LoadOptions as_saved = o.load;  // closures stay where they were saved: the bytes can come back
  as_saved.libraries = saved_libraries(inputs.bytes);
  auto regions_or = load_parts(files, as_saved);
  if (!regions_or) {
    g.load_error = regions_or.take_error();
    return g;
  }
  std::vector<const Region*> parts;
  for (const Region& r : regions_or.value()) parts.push_back(&r);
  for (Strategy s : o.strategies) g.results.push_back(attempt(parts, inputs, s, o.order));
  return g;
}

void print_roundtrip(std::ostream& out, std::ostream& err, const GroupReport& g) {
  if (g.load_error) {
    const std::string& f = g.load_error->file.empty() ? g.files.front() : g.load_error->file;
    out << f << ": load failed: " << error_name(g.load_error->code) << "\n";
    err << "regiontool roundtrip: " << g.load_error->describe() << "\n";
    return;
  }
  for (const StrategyReport& r : g.results) {
    const std::string how = std::string(strategy_name(r.strategy)) + ", " + std::string(order_name(r.order)) +
                            " child order";
    if (r.compact_error) {
      out << g.files.front() << ": not reproduced (" << how << "): compaction rejected: "
          << error_name(r.compact_error->code) << "\n";
      err << "regiontool roundtrip: " << r.compact_error->describe() << "\n";
      continue;
    }
    for (const PartReport& p : r.parts) {
      if (p.identical()) {
        out << p.file << ": identical (" << how << ")\n";
        continue;
      }
      out << p.file << ": differs (" << how << "): first difference at offset " << offset_text(*p.first_difference);
      if (p.object)
        out << ", in the input's " << kind_name(p.object->kind) << " object at " << offset_text(p.object->offset)
            << ", tag " << int{p.object->tag} << ", " << p.object->size << " bytes";
      else if (!p.where.empty())
        out << ", in the input's " << p.where;
      out << "; output " << p.output_size << " bytes, input " << p.input_size << " bytes\n";
    }
  }
}

int run_roundtrip(const std::vector<std::string>& files, bool chain, const RoundtripOptions& o, std::ostream& out,
                  std::ostream& err) {
  std::vector<std::vector<std::string>> groups;
  if (chain) groups.push_back(files);
  else
    for (const std::string& f : files) groups.push_back({f});
  int worst = exit_ok;
  for (const auto& files_of_group : groups) {
    const GroupReport g = roundtrip_group(files_of_group, o);
    print_roundtrip(out, err, g);
    worst = worse(worst, g.exit_code());
  }
  return worst;
}

}  // namespace cf::tool
