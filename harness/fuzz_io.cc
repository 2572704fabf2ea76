// fuzz_io: a fault schedule plus a region file. The first two bytes choose the schedule, the
// rest is the file, written to an anonymous memory file and loaded from its /proc path:
//   byte 0 % 5: 0 EINTR at read n, 1 short reads of n bytes at every call, 2 malloc fails at
//               call n, 3 mmap misses its hint at call n, 4 read fails with EIO at call n
//   byte 1:     n (1-based; short lengths 1..255)
// Oracle (docs/oracles.md, I/O schedule): the faulted load equals the clean load, or is a
// clean io_error / out_of_memory.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <vector>

#include "harness/fuzz_check.h"

#include "core/io.h"
#include "oracles/catalogue.h"

namespace {

cf::FaultIo schedule_of(uint8_t kind, uint8_t n) {
  const uint64_t nth = n == 0 ? 1 : n;
  switch (kind % 5) {
    case 0: return cf::FaultIo({{cf::IoCall::read, nth, cf::IoEffect::eintr}});
    case 1: return cf::FaultIo({}, true, nth);
    case 2: return cf::FaultIo({{cf::IoCall::malloc, nth, cf::IoEffect::no_memory}});
    case 3: return cf::FaultIo({{cf::IoCall::mmap, nth, cf::IoEffect::mmap_miss}});
    default: return cf::FaultIo({{cf::IoCall::read, nth, cf::IoEffect::fail_eio}});
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const std::vector<uint8_t> file(data + 2, data + size);  // exact size: over-reads are reported
  const int fd = ::memfd_create("fuzz_io", MFD_CLOEXEC);
  CF_CHECK(fd >= 0, "memfd_create failed");
  size_t done = 0;
  while (done < file.size()) {
    const ssize_t w = ::write(fd, file.data() + done, file.size() - done);
    CF_CHECK(w > 0, "write to the memory file failed");
    done += static_cast<size_t>(w);
  }
  cf::oracles::FileUnit unit{{"/proc/self/fd/" + std::to_string(fd)}, {file}};
  cf::FaultIo clean_io;
  const cf::oracles::LoadObservation clean = cf::oracles::observe_load_files(unit, cf::LoadPath::slow, clean_io);
  cf::FaultIo faulty = schedule_of(data[0], data[1]);
  const cf::oracles::LoadObservation faulted =
      cf::oracles::observe_load_files(unit, cf::LoadPath::automatic, faulty);
  // The automatic path may take the fast path where the clean (slow) load did not: the
  // dumps are address-free, so they still compare.
  const cf::oracles::Verdict v = cf::oracles::judge_io(clean, {faulted});
  ::close(fd);
  CF_CHECK(v.outcome != cf::oracles::Outcome::finding, "%s: %s", v.oracle.c_str(), v.reason.c_str());
  return 0;
}
