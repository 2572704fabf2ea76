// The I/O layer: every system call the loader and writer make goes through Io, whose
// default is the real call. FaultIo replaces it with a deterministic fault schedule so tests
// can make the n-th read return EINTR or a short count, the n-th allocation fail, or an mmap
// miss its hint, and prove the loader survives (#13493, #13549).
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"

namespace cf {

class Io {
 public:
  virtual ~Io() = default;
  virtual int open(const char* path, int flags, int mode);
  virtual int close(int fd);
  virtual int fstat(int fd, struct stat* st);
  virtual ssize_t read(int fd, void* buf, size_t n);
  virtual off_t lseek(int fd, off_t off, int whence);
  virtual void* mmap(void* addr, size_t len, int prot, int flags, int fd, off_t off);
  virtual int munmap(void* addr, size_t len);
  virtual void* malloc(size_t n);
  virtual void free(void* p);
  virtual ssize_t write(int fd, const void* buf, size_t n);
  virtual int fsync(int fd);
  virtual int rename(const char* from, const char* to);
  virtual int unlink(const char* path);
};

/// The process-wide real implementation.
Io& real_io();

/// Calls FaultIo can disturb.
enum class IoCall : uint8_t { open, fstat, read, lseek, mmap, malloc, write, fsync, rename, unlink };

/// What the n-th call of a kind does instead of its real work.
enum class IoEffect : uint8_t {
  eintr,     ///< return -1 with errno EINTR (read, write, open)
  short_io,  ///< read/write at most `arg` bytes (arg >= 1)
  fail_eio,  ///< return -1 with errno EIO
  no_memory, ///< malloc returns NULL; mmap fails with ENOMEM
  mmap_miss, ///< mmap maps somewhere other than its hint (the real call without the hint)
};

struct IoFault {
  IoCall call;
  uint64_t nth;  ///< 1-based index among calls of this kind
  IoEffect effect;
  uint64_t arg = 0;
};

/// Real calls, except where the schedule says otherwise. Counts every call.
class FaultIo : public Io {
 public:
  /// `short_every_read`: each read returns at most `short_len` bytes, for the first
  /// `short_reads` reads (then reads are whole again, so a large file costs no more than its
  /// header and first blocks: the reader's handling of a short read is met at once or never).
  explicit FaultIo(std::vector<IoFault> schedule = {}, bool short_every_read = false, uint64_t short_len = 0,
                   uint64_t short_reads = UINT64_MAX);
  int open(const char* path, int flags, int mode) override;
  int fstat(int fd, struct stat* st) override;
  ssize_t read(int fd, void* buf, size_t n) override;
  off_t lseek(int fd, off_t off, int whence) override;
  void* mmap(void* addr, size_t len, int prot, int flags, int fd, off_t off) override;
  void* malloc(size_t n) override;
  ssize_t write(int fd, const void* buf, size_t n) override;
  int fsync(int fd) override;
  int rename(const char* from, const char* to) override;
  int unlink(const char* path) override;

  uint64_t calls(IoCall c) const;
  uint64_t faults_fired() const { return fired_; }

 private:
  const IoFault* next(IoCall c);
  std::vector<IoFault> schedule_;
  std::map<IoCall, uint64_t> counts_;
  bool short_every_read_;
  uint64_t short_len_;
  uint64_t short_reads_;
  uint64_t shortened_ = 0;
  uint64_t fired_ = 0;
};

/// Reads up to n bytes, retrying EINTR and short reads until n bytes or EOF (#13493).
/// Returns the count read; an errno other than EINTR is io_error at file offset `at`.
Result<size_t> readn(Io& io, int fd, void* buf, size_t n, uint64_t at);

/// Reads all of a regular file (the size fstat gives, or less if it shrinks meanwhile).
/// Failures are io_error naming `path`. For tools and tests: the loader places files itself.
Result<std::vector<uint8_t>> read_file(const std::string& path, Io& io = real_io());

/// Writes `bytes` to `path` atomically (FORMAT.md §4.9): `<path>.tmp.<pid>`, fsync, rename.
/// On any failure the temp file is removed and an existing `path` is left untouched.
Status write_file_atomic(const std::string& path, std::span<const uint8_t> bytes, Io& io = real_io());

}  // namespace cf
