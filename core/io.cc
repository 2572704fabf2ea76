// See io.h.
#include "core/io.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/fail.h"

namespace cf {

int Io::open(const char* path, int flags, int mode) { return ::open(path, flags, mode); }
int Io::close(int fd) { return ::close(fd); }
int Io::fstat(int fd, struct stat* st) { return ::fstat(fd, st); }
ssize_t Io::read(int fd, void* buf, size_t n) { return ::read(fd, buf, n); }
off_t Io::lseek(int fd, off_t off, int whence) { return ::lseek(fd, off, whence); }
void* Io::mmap(void* addr, size_t len, int prot, int flags, int fd, off_t off) {
  return ::mmap(addr, len, prot, flags, fd, off);
}
int Io::munmap(void* addr, size_t len) { return ::munmap(addr, len); }
void* Io::malloc(size_t n) { return std::malloc(n); }
void Io::free(void* p) { std::free(p); }
ssize_t Io::write(int fd, const void* buf, size_t n) { return ::write(fd, buf, n); }
int Io::fsync(int fd) { return ::fsync(fd); }
int Io::rename(const char* from, const char* to) { return ::rename(from, to); }
int Io::unlink(const char* path) { return ::unlink(path); }

Io& real_io() {
  static Io io;
  return io;
}

FaultIo::FaultIo(std::vector<IoFault> schedule, bool short_every_read, uint64_t short_len, uint64_t short_reads)
    : schedule_(std::move(schedule)), short_every_read_(short_every_read), short_len_(short_len), short_reads_(short_reads) {}

uint64_t FaultIo::calls(IoCall c) const {
  auto it = counts_.find(c);
  return it == counts_.end() ? 0 : it->second;
}

const IoFault* FaultIo::next(IoCall c) {
  const uint64_t n = ++counts_[c];
  for (const IoFault& f : schedule_)
    if (f.call == c && f.nth == n) {
      ++fired_;
      return &f;
    }
  return nullptr;
}

// Applies an errno-style effect; returns true when the call must fail with -1.
static bool errno_effect(const IoFault* f) {
  if (f == nullptr) return false;
  if (f->effect == IoEffect::eintr) {
    errno = EINTR;
    return true;
  }
  if (f->effect == IoEffect::fail_eio) {
    errno = EIO;
    return true;
  }
  return false;
}

int FaultIo::open(const char* path, int flags, int mode) {
  if (errno_effect(next(IoCall::open))) return -1;
  return Io::open(path, flags, mode);
}

int FaultIo::fstat(int fd, struct stat* st) {
  if (errno_effect(next(IoCall::fstat))) return -1;
  return Io::fstat(fd, st);
}

ssize_t FaultIo::read(int fd, void* buf, size_t n) {
  const IoFault* f = next(IoCall::read);
  if (errno_effect(f)) return -1;
  if (f != nullptr && f->effect == IoEffect::short_io && f->arg < n) n = f->arg;
  if (short_every_read_ && short_len_ < n && shortened_ < short_reads_) {
    n = short_len_;
    ++shortened_;
  }
  return Io::read(fd, buf, n);
}

off_t FaultIo::lseek(int fd, off_t off, int whence) {
  if (errno_effect(next(IoCall::lseek))) return -1;
  return Io::lseek(fd, off, whence);
}

void* FaultIo::mmap(void* addr, size_t len, int prot, int flags, int fd, off_t off) {
  const IoFault* f = next(IoCall::mmap);
  if (f != nullptr && (f->effect == IoEffect::no_memory || f->effect == IoEffect::fail_eio)) {
    errno = f->effect == IoEffect::no_memory ? ENOMEM : EIO;
    return MAP_FAILED;
  }
  if (f != nullptr && f->effect == IoEffect::mmap_miss) {
    // Map anywhere but the hint, as a kernel without MAP_FIXED_NOREPLACE or a sanitizer might.
    return Io::mmap(nullptr, len, prot, flags & ~MAP_FIXED_NOREPLACE, fd, off);
  }
  return Io::mmap(addr, len, prot, flags, fd, off);
}

void* FaultIo::malloc(size_t n) {
  const IoFault* f = next(IoCall::malloc);
  if (f != nullptr && f->effect == IoEffect::no_memory) return nullptr;
  return Io::malloc(n);
}

ssize_t FaultIo::write(int fd, const void* buf, size_t n) {
  const IoFault* f = next(IoCall::write);
  if (errno_effect(f)) return -1;
  if (f != nullptr && f->effect == IoEffect::short_io && f->arg < n) n = f->arg;
  return Io::write(fd, buf, n);
}

int FaultIo::fsync(int fd) {
  if (errno_effect(next(IoCall::fsync))) return -1;
  return Io::fsync(fd);
}

int FaultIo::rename(const char* from, const char* to) {
  if (errno_effect(next(IoCall::rename))) return -1;
  return Io::rename(from, to);
}

int FaultIo::unlink(const char* path) {
  if (errno_effect(next(IoCall::unlink))) return -1;
  return Io::unlink(path);
}

Result<size_t> readn(Io& io, int fd, void* buf, size_t n, uint64_t at) {
  size_t got = 0;
  auto* p = static_cast<uint8_t*>(buf);
  while (got < n) {
    const ssize_t r = io.read(fd, p + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return fail(ErrorCode::io_error, at + got, "failed to read file: %s", std::strerror(errno));
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  return got;
}

namespace {

// Closes a descriptor on every path out of a function.
struct FdGuard {
  Io& io;
  int fd;
  ~FdGuard() {
    if (fd >= 0) io.close(fd);
  }
};

LoadError named(LoadError e, const std::string& path) {
  e.file = path;
  return e;
}

}  // namespace

Result<std::vector<uint8_t>> read_file(const std::string& path, Io& io) {
  int fd;
  do fd = io.open(path.c_str(), O_RDONLY | O_CLOEXEC, 0);
  while (fd < 0 && errno == EINTR);
  if (fd < 0) return named(fail(ErrorCode::io_error, 0, "failed to open file: %s", std::strerror(errno)), path);
  FdGuard guard{io, fd};
  struct stat st;
  if (io.fstat(fd, &st) != 0)
    return named(fail(ErrorCode::io_error, 0, "failed to stat file: %s", std::strerror(errno)), path);
  if (!S_ISREG(st.st_mode)) return named(fail(ErrorCode::io_error, 0, "not a regular file"), path);
  std::vector<uint8_t> bytes(static_cast<size_t>(st.st_size));
  auto got_or = readn(io, fd, bytes.data(), bytes.size(), 0);
  if (!got_or) return named(got_or.take_error(), path);
  bytes.resize(got_or.value());  // the file shrank while it was read
  return bytes;
}

Status write_file_atomic(const std::string& path, std::span<const uint8_t> bytes, Io& io) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  auto failed = [&](const char* what, int e) {
    return named(fail(ErrorCode::io_error, 0, "cannot %s '%s': %s", what, tmp.c_str(), std::strerror(e)), path);
  };
  int fd;
  do fd = io.open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  while (fd < 0 && errno == EINTR);
  if (fd < 0) return failed("create", errno);
  auto abandon = [&](const char* what, int e) {
    io.close(fd);
    io.unlink(tmp.c_str());  // a failed save leaves no partial file (§4.9)
    return failed(what, e);
  };
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = io.write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return abandon("write", n < 0 ? errno : EIO);
    done += static_cast<size_t>(n);
  }
  if (io.fsync(fd) != 0) return abandon("fsync", errno);
  if (io.close(fd) != 0) {
    const int e = errno;
    io.unlink(tmp.c_str());
    return failed("close", e);
  }
  if (io.rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    io.unlink(tmp.c_str());
    return failed("rename", e);
  }
  return Ok{};
}

}  // namespace cf
