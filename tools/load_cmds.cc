// See load_cmds.h.
#include "tools/load_cmds.h"

#include <ostream>

#include "core/io.h"
#include "oracles/graph_dump.h"
#include "tools/exit_codes.h"

namespace cf::tool {
namespace {

int exit_for(const LoadError& e) { return e.code == ErrorCode::io_error ? exit_usage : exit_rejected; }

void print_ok(std::ostream& out, const Region& r) {
  out << r.name() << ": ok (" << load_path_name(r.path_taken()) << " path, " << (r.mapped() ? "mmap" : "malloc")
      << (r.at_base() ? " at base" : " elsewhere") << ", " << r.summary().objects << " objects"
      << (r.validated() ? "" : ", not validated") << ")\n";
}

void print_rejected(std::ostream& out, std::ostream& err, const LoadError& e) {
  out << e.file << ": rejected: " << error_name(e.code) << "\n";
  err << e.describe() << "\n";
}

// Loads every file as requested; on failure returns the error and what loaded before it.
Result<std::vector<Region>> load_all(const LoadCmdOptions& o) {
  if (o.chain) return load_parts(o.files, o.load);
  std::vector<Region> regions;
  for (const std::string& f : o.files) {
    auto r = Region::load_file(f, {}, o.load);
    if (!r) return r.take_error();
    regions.push_back(std::move(r.value()));
  }
  return regions;
}

}  // namespace

int run_validate(const LoadCmdOptions& o, std::ostream& out, std::ostream& err) {
  if (o.chain) {
    auto parts = load_parts(o.files, o.load);
    if (!parts) {
      print_rejected(out, err, parts.error());
      return exit_for(parts.error());
    }
    for (const Region& r : parts.value()) print_ok(out, r);
    return exit_ok;
  }
  int worst = exit_ok;
  for (const std::string& f : o.files) {
    auto r = Region::load_file(f, {}, o.load);
    if (r) {
      print_ok(out, r.value());
      continue;
    }
    print_rejected(out, err, r.error());
    worst = worse(worst, exit_for(r.error()));
  }
  return worst;
}

int run_dump(const LoadCmdOptions& o, const std::string& output, std::ostream& out, std::ostream& err) {
  if (!o.chain && o.files.size() != 1) {
    err << "regiontool dump: give one file, or several with --chain\n";
    return exit_usage;
  }
  auto regions = load_all(o);
  if (!regions) {
    print_rejected(out, err, regions.error());
    return exit_for(regions.error());
  }
  std::vector<const Region*> parts;
  for (const Region& r : regions.value()) parts.push_back(&r);
  const std::string text = oracles::dump_graph(parts, {}).dump(1) + "\n";
  if (output == "-") {
    out << text;
    return exit_ok;
  }
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  if (auto st = write_file_atomic(output, {bytes, text.size()}); !st) {
    err << "regiontool dump: " << st.error().describe() << "\n";
    return exit_usage;
  }
  return exit_ok;
}

}  // namespace cf::tool
