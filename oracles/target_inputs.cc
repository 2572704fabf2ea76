// See target_inputs.h. Every input is copied into exact-size buffers first, so a read past the
// end of what the engine gave is an ASan report, not a silent over-read.
#include "oracles/target_inputs.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <random>
#include <string>

#include "oracles/catalogue.h"
#include "oracles/chain_input.h"
#include "oracles/judges.h"
#include "oracles/observe.h"
#include "oracles/roundtrip_input.h"
#include "oracles/snapshot_input.h"
#include "oracles/snapshot_oracles.h"

namespace cf::oracles {
namespace {

LoadSettings settings(LoadPath path, bool canonical) {
  LoadSettings s;
  s.path = path;
  s.canonical = canonical;
  return s;
}

std::vector<size_t> in_order(size_t k) {
  std::vector<size_t> v(k);
  for (size_t i = 0; i < k; ++i) v[i] = i;
  return v;
}

// The fuzz_io schedules: byte 0 % 5 picks the kind, byte 1 the call (or short length).
FaultIo schedule_of(uint8_t kind, uint8_t n) {
  const uint64_t nth = n == 0 ? 1 : n;
  switch (kind % 5) {
    case 0: return FaultIo({{IoCall::read, nth, IoEffect::eintr}});
    case 1: return FaultIo({}, true, nth);
    case 2: return FaultIo({{IoCall::malloc, nth, IoEffect::no_memory}});
    case 3: return FaultIo({{IoCall::mmap, nth, IoEffect::mmap_miss}});
    default: return FaultIo({{IoCall::read, nth, IoEffect::fail_eio}});
  }
}

// An anonymous memory file holding `bytes`, closed on destruction; fd < 0 when none could be made.
struct MemoryFile {
  int fd = -1;
  explicit MemoryFile(const std::vector<uint8_t>& bytes) {
    fd = ::memfd_create("cf_input", MFD_CLOEXEC);
    for (size_t done = 0; fd >= 0 && done < bytes.size();) {
      const ssize_t w = ::write(fd, bytes.data() + done, bytes.size() - done);
      if (w <= 0) {
        ::close(fd);
        fd = -1;
      } else {
        done += static_cast<size_t>(w);
      }
    }
  }
  ~MemoryFile() {
    if (fd >= 0) ::close(fd);
  }
  std::string path() const { return "/proc/self/fd/" + std::to_string(fd); }
};

}  // namespace

std::vector<Verdict> check_load_input(std::span<const uint8_t> input) {
  const FileUnit unit{{"input"}, {std::vector<uint8_t>(input.begin(), input.end())}};
  const bool canonical = !(!input.empty() && (input.back() & 1));
  const LoadObservation automatic = observe_load(unit, settings(LoadPath::automatic, canonical));
  const LoadObservation slow = observe_load(unit, settings(LoadPath::slow, canonical));
  return {judge_paths(automatic, slow), judge_walk(automatic), judge_work(slow.parts)};
}

std::vector<Verdict> check_chain_input(std::span<const uint8_t> input) {
  const ChainInput in = decode_chain(input);
  FileUnit unit;
  for (size_t k = 0; k < in.regions.size(); ++k) {
    unit.names.push_back("region " + std::to_string(k));
    unit.bytes.push_back(in.regions[k]);
  }
  const LoadObservation given = observe_load(unit, settings(LoadPath::automatic, !in.lenient));
  const LoadObservation slow = observe_load(unit, settings(LoadPath::slow, !in.lenient));
  std::vector<Verdict> out = {judge_paths(given, slow)};
  if (in.regions.size() > 2) {  // with 3+ regions the deps of the last ones can be reordered
    LoadSettings s = settings(LoadPath::automatic, !in.lenient);
    std::minstd_rand rng(in.order_seed + 1u);
    s.dep_order = [&](size_t k) {
      std::vector<size_t> v = in_order(k);
      if (in.order_seed & 1) std::reverse(v.begin(), v.end());
      else std::shuffle(v.begin(), v.end(), rng);
      return v;
    };
    out.push_back(judge_dep_order(given, observe_load(unit, s)));
  } else {
    out.push_back(not_applicable(OracleId::dep_order, "fewer than 3 regions: no dep list to reorder"));
  }
  out.push_back(judge_walk(given));
  out.push_back(judge_work(given.parts));
  return out;
}

std::vector<Verdict> check_inspect_input(std::span<const uint8_t> input) {
  const std::vector<uint8_t> file(input.begin(), input.end());
  const WalkObservation canonical = observe_walk("input", file, true);
  const WalkObservation lenient = observe_walk("input", file, false);
  std::vector<Verdict> out = {judge_lenient(canonical, lenient)};
  if (canonical.accepted) out.push_back(judge_work(std::span<const PartWork>(&canonical.work, 1)));
  return out;
}

std::vector<Verdict> check_roundtrip_input(std::span<const uint8_t> input) {
  const std::vector<uint8_t> bytes(input.begin(), input.end());
  const RoundTripCase c = roundtrip_case(bytes);
  return judge_graph(observe_graph(c.graph), c.graph);
}

std::vector<Verdict> check_io_input(std::span<const uint8_t> input) {
  if (input.size() < 2) return {not_applicable(OracleId::io_schedule, "no schedule: the input has under 2 bytes")};
  const std::vector<uint8_t> file(input.begin() + 2, input.end());
  const MemoryFile memory(file);
  if (memory.fd < 0) return {finding(OracleId::io_schedule, "cannot make the anonymous memory file the load reads")};
  const FileUnit unit{{memory.path()}, {file}};
  LoadSettings s = settings(LoadPath::slow, true);
  s.from_disk = true;
  FaultIo clean_io;
  s.io = &clean_io;
  const LoadObservation clean = observe_load(unit, s);
  // The automatic path may take the fast path where the clean (slow) load did not: the
  // graphs are address-free, so they still compare.
  FaultIo faulty = schedule_of(input[0], input[1]);
  s.path = LoadPath::automatic;
  s.io = &faulty;
  return {judge_io(clean, {observe_load(unit, s)})};
}

std::vector<Verdict> check_snapshot_input(std::span<const uint8_t> input) {
  const SnapshotInput in = decode_snapshot_input(input);
  std::vector<std::unique_ptr<MemoryFile>> files;
  std::vector<std::string> paths;
  for (const std::vector<uint8_t>& f : in.files) {
    files.push_back(std::make_unique<MemoryFile>(f));
    paths.push_back(files.back()->path());
  }
  const MemoryFile snapshot(in.snapshot);
  if (snapshot.fd < 0 || std::any_of(files.begin(), files.end(), [](const auto& f) { return f->fd < 0; }))
    return {not_applicable(OracleId::snapshot_round_trip, "cannot make the anonymous memory files the load reads")};
  return check_snapshot_with_sidecar(snapshot.path(), resolve_file_refs(in.sidecar, paths), "input.deps", in.workers());
}

namespace {

struct Target {
  std::string_view name;
  std::vector<Verdict> (*check)(std::span<const uint8_t>);
};
constexpr Target k_targets[] = {
    {"fuzz_inspect", check_inspect_input}, {"fuzz_load", check_load_input}, {"fuzz_roundtrip", check_roundtrip_input},
    {"fuzz_chain", check_chain_input},     {"fuzz_io", check_io_input},         {"fuzz_snapshot", check_snapshot_input},
};

}  // namespace

std::vector<Verdict> check_target_input(std::string_view target, std::span<const uint8_t> input) {
  for (const Target& t : k_targets)
    if (t.name == target) return t.check(input);
  return {};
}

std::vector<std::string_view> target_names() {
  std::vector<std::string_view> out;
  for (const Target& t : k_targets) out.push_back(t.name);
  return out;
}

}  // namespace cf::oracles
