// See reference_ops.h.
#include "modules/reference_ops.h"

#include <utility>
#include <variant>
#include <vector>

#include "oracles/graph_build.h"
#include "oracles/graph_dump.h"

namespace cf::modules {
namespace {

using oracles::Answer;

// Loaded regions in load order; later ones point into earlier ones, so the vector is
// reserved up front and never reallocates.
struct LoadedChain {
  std::vector<Region> regions;
  std::vector<const Region*> deps, parts;
};

// Loads deps then files as serve's load does: every region with all regions before it as deps.
std::optional<LoadError> load_chain(std::span<const InputFile> files, std::span<const InputFile> deps,
                                    const LoadOptions& options, LoadedChain* out) {
  out->regions.reserve(deps.size() + files.size());
  std::vector<const Region*> visible;
  for (size_t i = 0; i < deps.size() + files.size(); ++i) {
    const bool is_dep = i < deps.size();
    const InputFile& f = is_dep ? deps[i] : files[i - deps.size()];
    auto region_or = Region::load_bytes(f.name, f.bytes, visible, options);
    if (!region_or) return region_or.take_error();
    out->regions.push_back(std::move(region_or.value()));
    visible.push_back(&out->regions.back());
    (is_dep ? out->deps : out->parts).push_back(&out->regions.back());
  }
  return std::nullopt;
}

}  // namespace

LoadOptions reference_load_options(LoadPath path) {
  LoadOptions o;
  o.path = path;
  o.canonical = true;
  o.header.flags = FlagsPolicy::expected;
  return o;
}

Answer reference_load(std::span<const InputFile> files, std::span<const InputFile> deps, LoadPath path,
                      bool want_graph) {
  LoadedChain chain;
  if (auto error = load_chain(files, deps, reference_load_options(path), &chain)) return oracles::rejected_answer(*error);
  Answer a;
  a.status = Answer::Status::graph;
  if (want_graph) a.graph = oracles::dump_graph(chain.parts, chain.deps);
  return a;
}

Answer reference_compact(std::string_view document, std::span<const InputFile> deps, std::optional<uint64_t> base,
                         Strategy strategy, std::optional<Format> format) {
  LoadedChain dep_chain;
  if (auto error = load_chain({}, deps, reference_load_options(LoadPath::automatic), &dep_chain))
    return oracles::garbage_answer("dep " + error->describe());
  oracles::BuildResult built = oracles::build_graph_text(document, dep_chain.deps);
  if (auto* e = std::get_if<oracles::BuildError>(&built)) return oracles::garbage_answer(e->message);
  const oracles::BuiltGraph& g = std::get<oracles::BuiltGraph>(built);
  // The options as compact_graph_file chooses them: the document's, then the request's.
  CompactorOptions options = oracles::save_options(g);
  if (base) options.base_addr = *base;
  else if (!g.parts[0].base_addr) return oracles::garbage_answer("parts[0] has no base_addr and the request gives no base");
  if (options.base_addr % 8 != 0) return oracles::garbage_answer("base " + std::to_string(options.base_addr) + " is not 8-aligned");
  options.strategy = strategy;
  if (format) options.format = *format;
  options.name = "<compact>";
  for (const Region* d : dep_chain.deps) options.deps.push_back(d->view());
  if (auto why = oracles::layout_mismatch(g, options)) return oracles::garbage_answer(*why);
  Compactor compactor(options);
  Answer a;
  for (const oracles::PartSpec& p : g.parts) {
    const oracles::PartSpec& text_from = p.text_given ? p : g.parts[0];
    compactor.set_text_fields(text_from.version_string, text_from.githash);
    auto image_or = compactor.save(p.root);
    if (!image_or) return oracles::rejected_answer(image_or.error());
    a.images.push_back(std::move(image_or.value()));
  }
  a.status = Answer::Status::bytes;
  return a;
}

}  // namespace cf::modules
