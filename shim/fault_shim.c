// fault_shim.c: a library preloaded (LD_PRELOAD) into any dynamically linked program, the
// "testee", that injects faults into its file I/O and large allocations from the schedule in
// its environment (CF_FAULTS, docs/fault-shim.md), so a conformance run can see whether the
// testee retries EINTR, survives short reads and fails cleanly on ENOMEM.
//
// C11 and glibc only, nothing of ours: it goes into processes written in any language. Rules
// that hold everywhere below: no allocation inside a hook (the log is written with raw system
// calls), errno is preserved unless a fault sets it, and every counter or table entry is an
// atomic, because a testee may call these from many threads at once.
#define _GNU_SOURCE
#undef _FORTIFY_SOURCE  // the fortified headers define open() inline; we define it ourselves

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

// ---------------------------------------------------------------------------------------------
// The entry points we define (the public ones are declared by the system headers). glibc's
// fortified variants are what a program built with _FORTIFY_SOURCE calls instead of open/read.

#define SHIM_EXPORT __attribute__((visibility("default")))

SHIM_EXPORT int __open_2(const char* path, int flags);
SHIM_EXPORT int __open64_2(const char* path, int flags);
SHIM_EXPORT int __openat_2(int dirfd, const char* path, int flags);
SHIM_EXPORT int __openat64_2(int dirfd, const char* path, int flags);
SHIM_EXPORT ssize_t __read_chk(int fd, void* buf, size_t n, size_t buflen);
SHIM_EXPORT ssize_t __pread_chk(int fd, void* buf, size_t n, off_t off, size_t buflen);
SHIM_EXPORT ssize_t __pread64_chk(int fd, void* buf, size_t n, off64_t off, size_t buflen);
typedef int (*MainFn)(int, char**, char**);
SHIM_EXPORT int __libc_start_main(MainFn main_fn, int argc, char** argv, void (*init)(void), void (*fini)(void),
                                  void (*rtld_fini)(void), void* stack_end);

// ---------------------------------------------------------------------------------------------
// The real functions, found with dlsym(RTLD_NEXT) once. Until they are known (dlsym itself may
// allocate), allocations come from a static bump buffer and the file calls from raw syscalls.

typedef int (*OpenFn)(const char*, int, ...);
typedef int (*OpenAtFn)(int, const char*, int, ...);
typedef int (*Open2Fn)(const char*, int);
typedef int (*OpenAt2Fn)(int, const char*, int);
typedef FILE* (*FopenFn)(const char*, const char*);
typedef int (*CloseFn)(int);
typedef ssize_t (*ReadFn)(int, void*, size_t);
typedef ssize_t (*ReadChkFn)(int, void*, size_t, size_t);
typedef ssize_t (*PreadFn)(int, void*, size_t, off_t);
typedef ssize_t (*Pread64Fn)(int, void*, size_t, off64_t);
typedef ssize_t (*PreadChkFn)(int, void*, size_t, off_t, size_t);
typedef ssize_t (*Pread64ChkFn)(int, void*, size_t, off64_t, size_t);
typedef void* (*MmapFn)(void*, size_t, int, int, int, off_t);
typedef void* (*Mmap64Fn)(void*, size_t, int, int, int, off64_t);
typedef void* (*MallocFn)(size_t);
typedef void* (*CallocFn)(size_t, size_t);
typedef void* (*ReallocFn)(void*, size_t);
typedef void (*FreeFn)(void*);
typedef void* (*AlignedAllocFn)(size_t, size_t);
typedef int (*PosixMemalignFn)(void**, size_t, size_t);
typedef int (*StartFn)(MainFn, int, char**, void (*)(void), void (*)(void), void (*)(void), void*);

enum RealIndex {
  r_open, r_open64, r_openat, r_openat64, r_open_2, r_open64_2, r_openat_2, r_openat64_2,
  r_fopen, r_fopen64, r_close,
  r_read, r_read_chk, r_pread, r_pread64, r_pread_chk, r_pread64_chk,
  r_mmap, r_mmap64,
  r_malloc, r_calloc, r_realloc, r_free, r_aligned_alloc, r_posix_memalign,
  r_libc_start_main,
  r_count
};
static const char* const k_real_names[r_count] = {
  "open", "open64", "openat", "openat64", "__open_2", "__open64_2", "__openat_2", "__openat64_2",
  "fopen", "fopen64", "close",
  "read", "__read_chk", "pread", "pread64", "__pread_chk", "__pread64_chk",
  "mmap", "mmap64",
  "malloc", "calloc", "realloc", "free", "aligned_alloc", "posix_memalign",
  "__libc_start_main",
};
static void* _Atomic g_real[r_count];
static atomic_int g_resolve_state;  // 0 not begun, 1 in progress (maybe in this very thread), 2 done

static void resolve_reals(void) {
  int expected = 0;
  if (!atomic_compare_exchange_strong(&g_resolve_state, &expected, 1)) return;
  for (int i = 0; i < r_count; ++i) atomic_store(&g_real[i], dlsym(RTLD_NEXT, k_real_names[i]));
  atomic_store(&g_resolve_state, 2);
}

// The real function i, or NULL while dlsym is still running (the caller then falls back).
static void* real(enum RealIndex i) {
  void* f = atomic_load_explicit(&g_real[i], memory_order_acquire);
  if (f == NULL && atomic_load(&g_resolve_state) == 0) {
    resolve_reals();
    f = atomic_load_explicit(&g_real[i], memory_order_acquire);
  }
  return f;
}

// Waits for another thread's resolution; for entry points dlsym never calls, with no fallback.
static void* real_waiting(enum RealIndex i) {
  void* f = real(i);
  while (f == NULL && atomic_load(&g_resolve_state) == 1) {
    sched_yield();
    f = atomic_load_explicit(&g_real[i], memory_order_acquire);
  }
  return f;
}

// The bump buffer: 16-byte header (the size) then the block; never freed, never reused.
#define BUMP_SIZE (64 * 1024)
static _Alignas(64) unsigned char g_bump[BUMP_SIZE];
static atomic_size_t g_bump_used;

static int in_bump(const void* p) {
  const unsigned char* c = p;
  return c >= g_bump && c < g_bump + BUMP_SIZE;
}

static void* bump_alloc(size_t n) {
  if (n > BUMP_SIZE) return NULL;
  const size_t need = 16 + ((n + 15) & ~(size_t)15);
  const size_t at = atomic_fetch_add(&g_bump_used, need);
  if (at + need > BUMP_SIZE) {
    errno = ENOMEM;
    return NULL;
  }
  memcpy(g_bump + at, &n, sizeof n);
  return g_bump + at + 16;  // static storage: already zero, as calloc needs
}

static size_t bump_size(const void* p) {
  size_t n;
  memcpy(&n, (const unsigned char*)p - 16, sizeof n);
  return n;
}

// ---------------------------------------------------------------------------------------------
// The schedule, parsed once by the constructor and read-only afterwards.

enum Kind { kind_none, kind_eintr, kind_short, kind_enomem };
enum Family { fam_open = 1u, fam_read = 2u, fam_pread = 4u, fam_mmap = 8u, fam_malloc = 16u };
enum When { when_nth, when_from, when_every, when_all };

#define MAX_RULES 16
#define MAX_PREFIXES 32
#define PREFIX_BYTES 4096
#define FD_SLOTS 4096

struct Rule {
  enum Kind kind;
  unsigned families;
  enum When when;
  uint64_t n;
  atomic_uint_least64_t count;  // eligible calls of its families seen so far
};

static struct Rule g_rules[MAX_RULES];
static int g_rule_count;
static unsigned g_families_of[4];  // per kind: the families some rule of that kind covers
static uint64_t g_short_len = 1;
static uint64_t g_min_size = 65536;
static char g_prefix_text[PREFIX_BYTES];
static const char* g_prefixes[MAX_PREFIXES];
static size_t g_prefix_len[MAX_PREFIXES];
static int g_prefix_count = -1;  // -1: CF_FAULTS_PATHS unset, the default exclusions apply
static char g_log_path[PATH_MAX];
static atomic_int g_ready;  // the schedule is parsed and has at least one rule: track descriptors
static atomic_int g_armed;  // the program's own start-up has begun: inject

// Descriptors opened on an eligible regular file, with the file's identity so a descriptor
// closed behind our back (fclose, close_range, dup2 over it) and reused is never faulted.
static atomic_uint_least64_t g_fd_dev[FD_SLOTS];
static atomic_uint_least64_t g_fd_ino[FD_SLOTS];
static atomic_int g_fd_tracked[FD_SLOTS];

// ---------------------------------------------------------------------------------------------
// Small string helpers that never allocate.

struct Line {
  char text[PATH_MAX + 256];
  size_t len;
};

static void put(struct Line* l, const char* s, size_t n) {
  if (n > sizeof l->text - l->len) n = sizeof l->text - l->len;
  memcpy(l->text + l->len, s, n);
  l->len += n;
}

static void puts_(struct Line* l, const char* s) { put(l, s, strlen(s)); }

static void put_u64(struct Line* l, uint64_t v) {
  char digits[24];
  size_t i = sizeof digits;
  do {
    digits[--i] = (char)('0' + v % 10);
    v /= 10;
  } while (v != 0);
  put(l, digits + i, sizeof digits - i);
}

static void put_i64(struct Line* l, int64_t v) {
  if (v < 0) {
    puts_(l, "-");
    put_u64(l, (uint64_t)0 - (uint64_t)v);
  } else {
    put_u64(l, (uint64_t)v);
  }
}

static void write_all(int fd, const char* s, size_t n) {
  while (n > 0) {
    const long w = syscall(SYS_write, fd, s, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    s += w;
    n -= (size_t)w;
  }
}

// A whole decimal number (no sign, no spaces, no overflow) of [s, s + n).
static int parse_u64(const char* s, size_t n, uint64_t* out) {
  if (n == 0) return 0;
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    if (s[i] < '0' || s[i] > '9') return 0;
    const uint64_t d = (uint64_t)(s[i] - '0');
    if (v > (UINT64_MAX - d) / 10) return 0;
    v = v * 10 + d;
  }
  *out = v;
  return 1;
}

static int span_is(const char* s, size_t n, const char* word) { return strlen(word) == n && memcmp(s, word, n) == 0; }

// ---------------------------------------------------------------------------------------------
// Parsing the environment.

static void complain(const char* what, const char* text, size_t n, const char* why) {
  struct Line l;
  l.len = 0;
  puts_(&l, "cf_faultshim: bad ");
  puts_(&l, what);
  puts_(&l, " '");
  put(&l, text, n);
  puts_(&l, "': ");
  puts_(&l, why);
  puts_(&l, "\n");
  write_all(2, l.text, l.len);
}

static const char* const k_family_names[] = {"open", "read", "pread", "mmap", "malloc"};

static unsigned family_of(const char* s, size_t n) {
  for (unsigned i = 0; i < sizeof k_family_names / sizeof k_family_names[0]; ++i)
    if (span_is(s, n, k_family_names[i])) return 1u << i;
  return 0;
}

// Parses one rule KIND[:CALLS][@WHEN]; returns NULL or why it is bad.
static const char* parse_rule(const char* s, size_t n, struct Rule* r) {
  if (n == 0) return "empty rule";
  const char* at = memchr(s, '@', n);
  const size_t head_len = at != NULL ? (size_t)(at - s) : n;
  const char* colon = memchr(s, ':', head_len);
  const size_t kind_len = colon != NULL ? (size_t)(colon - s) : head_len;

  unsigned allowed;
  if (span_is(s, kind_len, "eintr")) {
    r->kind = kind_eintr;
    allowed = fam_open | fam_read | fam_pread;
    r->families = allowed;
    r->when = when_all;
  } else if (span_is(s, kind_len, "short")) {
    r->kind = kind_short;
    allowed = fam_read | fam_pread;
    r->families = allowed;
    r->when = when_all;
  } else if (span_is(s, kind_len, "enomem")) {
    r->kind = kind_enomem;
    allowed = fam_malloc | fam_mmap;
    r->families = allowed;
    r->when = when_nth;
    r->n = 1;
  } else {
    return "unknown kind (eintr, short or enomem)";
  }

  if (colon != NULL) {
    const char* c = colon + 1;
    const char* end = s + head_len;
    if (c == end) return "empty call list";
    r->families = 0;
    while (c <= end) {
      const char* plus = memchr(c, '+', (size_t)(end - c));
      const char* stop = plus != NULL ? plus : end;
      const unsigned f = family_of(c, (size_t)(stop - c));
      if (f == 0) return "unknown call family (open, read, pread, mmap or malloc)";
      if ((f & allowed) == 0) {
        switch (r->kind) {
          case kind_eintr: return "eintr applies to open, read and pread only";
          case kind_short: return "short applies to read and pread only";
          default: return "enomem applies to malloc and mmap only";
        }
      }
      r->families |= f;
      c = stop + 1;
    }
  }

  if (at != NULL) {
    const char* w = at + 1;
    const size_t wn = n - head_len - 1;
    if (span_is(w, wn, "all")) {
      r->when = when_all;
    } else if (wn > 0 && w[0] == '%') {
      r->when = when_every;
      if (!parse_u64(w + 1, wn - 1, &r->n) || r->n == 0) return "bad WHEN after '%' (a number >= 1)";
    } else if (wn > 0 && w[wn - 1] == '-') {
      r->when = when_from;
      if (!parse_u64(w, wn - 1, &r->n) || r->n == 0) return "bad WHEN before '-' (a number >= 1)";
    } else {
      r->when = when_nth;
      if (!parse_u64(w, wn, &r->n) || r->n == 0) return "bad WHEN (N, N-, %N or all; N >= 1)";
    }
  }
  return NULL;
}

static int parse_number_env(const char* name, uint64_t* out, uint64_t min) {
  const char* v = getenv(name);
  if (v == NULL) return 1;
  uint64_t n;
  if (!parse_u64(v, strlen(v), &n) || n < min) {
    complain(name, v, strlen(v), min > 0 ? "not a decimal number >= 1" : "not a decimal number");
    return 0;
  }
  *out = n;
  return 1;
}

static int parse_paths(void) {
  const char* v = getenv("CF_FAULTS_PATHS");
  if (v == NULL) return 1;
  const size_t n = strlen(v);
  if (n >= sizeof g_prefix_text) {
    complain("CF_FAULTS_PATHS", v, n, "longer than 4095 bytes");
    return 0;
  }
  memcpy(g_prefix_text, v, n + 1);
  g_prefix_count = 0;
  char* c = g_prefix_text;
  for (;;) {
    char* colon = strchr(c, ':');
    if (colon != NULL) *colon = '\0';
    size_t len = strlen(c);
    if (len > 0) {
      if (c[0] != '/') {
        complain("CF_FAULTS_PATHS entry", c, len, "not an absolute path");
        return 0;
      }
      if (g_prefix_count == MAX_PREFIXES) {
        complain("CF_FAULTS_PATHS", v, n, "more than 32 entries");
        return 0;
      }
      while (len > 1 && c[len - 1] == '/') c[--len] = '\0';  // "/a/b/" is "/a/b"; "/" stays
      g_prefixes[g_prefix_count] = c;
      g_prefix_len[g_prefix_count] = len;
      ++g_prefix_count;
    }
    if (colon == NULL) break;
    c = colon + 1;
  }
  return 1;
}

// Reads the whole schedule; on any error, says so on stderr and leaves no rule at all.
static void parse_config(void) {
  const char* spec = getenv("CF_FAULTS");
  if (spec == NULL || spec[0] == '\0') return;
  if (!parse_number_env("CF_FAULTS_SHORT", &g_short_len, 1)) return;
  if (!parse_number_env("CF_FAULTS_MIN_SIZE", &g_min_size, 0)) return;
  if (!parse_paths()) return;
  const char* log = getenv("CF_FAULTS_LOG");
  if (log != NULL && log[0] != '\0') {
    const size_t n = strlen(log);
    if (n >= sizeof g_log_path) {
      complain("CF_FAULTS_LOG", log, n, "path too long");
      return;
    }
    memcpy(g_log_path, log, n + 1);
  }

  int count = 0;
  const char* c = spec;
  for (;;) {
    const char* comma = strchr(c, ',');
    const size_t len = comma != NULL ? (size_t)(comma - c) : strlen(c);
    if (count == MAX_RULES) {
      complain("CF_FAULTS rule", c, len, "more than 16 rules");
      return;
    }
    struct Rule* r = &g_rules[count];
    const char* why = parse_rule(c, len, r);
    if (why != NULL) {
      complain("CF_FAULTS rule", c, len, why);
      return;
    }
    ++count;
    if (comma == NULL) break;
    c = comma + 1;
  }
  for (int i = 0; i < count; ++i) g_families_of[g_rules[i].kind] |= g_rules[i].families;
  g_rule_count = count;
  atomic_store(&g_ready, 1);
}

__attribute__((constructor)) static void shim_init(void) {
  const int saved = errno;
  resolve_reals();
  parse_config();
  errno = saved;
}

// Faults start when the program's own start-up does, after every shared library's
// initialisers (libstdc++'s emergency exception pool, locale set-up), so the count of a rule
// does not depend on the order the dynamic loader runs those in.
int __libc_start_main(MainFn main_fn, int argc, char** argv, void (*init)(void), void (*fini)(void),
                      void (*rtld_fini)(void), void* stack_end) {
  StartFn start = (StartFn)real_waiting(r_libc_start_main);
  if (start == NULL) abort();  // no libc to start the program with: nothing sensible to do
  if (atomic_load(&g_ready)) atomic_store(&g_armed, 1);
  return start(main_fn, argc, argv, init, fini, rtld_fini, stack_end);
}

// ---------------------------------------------------------------------------------------------
// Eligibility.

// Makes `path` (relative to dirfd) absolute and removes ".", ".." and repeated slashes, without
// following symbolic links. Returns 0 when it cannot (no cwd, no /proc, too long).
static int absolute_path(int dirfd, const char* path, char* out, size_t cap) {
  size_t len = 0;
  const size_t plen = strlen(path);
  if (path[0] != '/') {
    if (dirfd == AT_FDCWD) {
      const long r = syscall(SYS_getcwd, out, cap);
      if (r <= 0 || out[0] != '/') return 0;
      len = strlen(out);
    } else {
      char proc[32] = "/proc/self/fd/";
      char digits[16];
      size_t d = sizeof digits, at = strlen(proc);
      unsigned v = (unsigned)dirfd;
      if (dirfd < 0) return 0;
      do {
        digits[--d] = (char)('0' + v % 10);
        v /= 10;
      } while (v != 0);
      memcpy(proc + at, digits + d, sizeof digits - d);
      proc[at + sizeof digits - d] = '\0';
      const long r = syscall(SYS_readlinkat, AT_FDCWD, proc, out, cap - 1);
      if (r <= 0 || out[0] != '/') return 0;
      len = (size_t)r;
    }
    if (len + 1 + plen + 1 > cap) return 0;
    out[len++] = '/';
  }
  if (len + plen + 1 > cap) return 0;
  memcpy(out + len, path, plen + 1);

  // Normalise in place: w is the write end, r the read position, both past a '/'.
  char* s = out;
  size_t w = 1, r = 1;
  const size_t n = strlen(s);
  while (r <= n) {
    size_t e = r;
    while (e < n && s[e] != '/') ++e;
    const size_t clen = e - r;
    if (clen == 0 || (clen == 1 && s[r] == '.')) {
      // skip
    } else if (clen == 2 && s[r] == '.' && s[r + 1] == '.') {
      if (w > 1) {
        w -= 1;  // the '/' after the last component
        while (w > 1 && s[w - 1] != '/') --w;
      }
    } else {
      memmove(s + w, s + r, clen);
      w += clen;
      s[w++] = '/';
    }
    r = e + 1;
  }
  if (w > 1) --w;  // no trailing '/', except for "/" itself
  s[w] = '\0';
  return 1;
}

// `path` equals `prefix` or lies below it ("/a/b" is under "/a", "/a/bc" is not).
static int under(const char* path, const char* prefix, size_t plen) {
  if (strncmp(path, prefix, plen) != 0) return 0;
  return path[plen] == '\0' || path[plen] == '/' || (plen == 1 && prefix[0] == '/');
}

static const char* const k_excluded[] = {"/proc", "/sys", "/dev", "/usr", "/lib", "/etc"};

static int path_eligible(int dirfd, const char* path) {
  if (path == NULL || path[0] == '\0') return 0;
  char abs[PATH_MAX * 2];
  if (!absolute_path(dirfd, path, abs, sizeof abs)) return 0;
  if (g_prefix_count < 0) {
    for (size_t i = 0; i < sizeof k_excluded / sizeof k_excluded[0]; ++i)
      if (under(abs, k_excluded[i], strlen(k_excluded[i]))) return 0;
    return 1;
  }
  for (int i = 0; i < g_prefix_count; ++i)
    if (under(abs, g_prefixes[i], g_prefix_len[i])) return 1;
  return 0;
}

// After a successful open: remember fd if it is a regular file under the eligible paths,
// forget whatever the slot held otherwise.
static void track(int fd, int dirfd, const char* path) {
  if (fd < 0 || fd >= FD_SLOTS || !atomic_load_explicit(&g_ready, memory_order_acquire)) return;
  const int saved = errno;
  struct stat st;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && path_eligible(dirfd, path)) {
    atomic_store_explicit(&g_fd_tracked[fd], 0, memory_order_relaxed);
    atomic_store_explicit(&g_fd_dev[fd], (uint64_t)st.st_dev, memory_order_relaxed);
    atomic_store_explicit(&g_fd_ino[fd], (uint64_t)st.st_ino, memory_order_relaxed);
    atomic_store_explicit(&g_fd_tracked[fd], 1, memory_order_release);
  } else {
    atomic_store_explicit(&g_fd_tracked[fd], 0, memory_order_release);
  }
  errno = saved;
}

// fd is one we saw opened on an eligible file, and it still names that file.
static int fd_eligible(int fd) {
  if (fd < 0 || fd >= FD_SLOTS || !atomic_load_explicit(&g_fd_tracked[fd], memory_order_acquire)) return 0;
  const int saved = errno;
  struct stat st;
  const int same = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
                   (uint64_t)st.st_dev == atomic_load_explicit(&g_fd_dev[fd], memory_order_relaxed) &&
                   (uint64_t)st.st_ino == atomic_load_explicit(&g_fd_ino[fd], memory_order_relaxed);
  errno = saved;
  return same;
}

static int armed(void) { return atomic_load_explicit(&g_armed, memory_order_acquire); }

// Some rule of `kind` covers `family` (and injection has begun).
static int wanted(enum Kind kind, unsigned family) { return armed() && (g_families_of[kind] & family) != 0; }

static int when_matches(const struct Rule* r, uint64_t n) {
  switch (r->when) {
    case when_nth: return n == r->n;
    case when_from: return n >= r->n;
    case when_every: return n % r->n == 0;
    case when_all: return 1;
  }
  return 0;
}

struct Verdict {
  enum Kind kind;  // kind_none: do the real call
  uint64_t call;   // the firing rule's count
};

// Counts one eligible call in every rule that covers its family and one of the kinds in
// `kinds` (a bit per Kind); the first of those rules, in schedule order, whose WHEN holds fires.
static struct Verdict decide(unsigned family, unsigned kinds) {
  struct Verdict v = {kind_none, 0};
  for (int i = 0; i < g_rule_count; ++i) {
    struct Rule* r = &g_rules[i];
    if ((r->families & family) == 0 || (kinds & (1u << r->kind)) == 0) continue;
    const uint64_t n = atomic_fetch_add(&r->count, 1) + 1;
    if (v.kind == kind_none && when_matches(r, n)) {
      v.kind = r->kind;
      v.call = n;
    }
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// The log: one line per fault, appended with raw system calls.

static const char* const k_kind_names[] = {"none", "eintr", "short", "enomem"};

static void log_fault(enum Kind kind, const char* fn, const char* key, int64_t value, const char* path, uint64_t size,
                      uint64_t call) {
  if (g_log_path[0] == '\0') return;
  const int saved = errno;
  struct Line l;
  l.len = 0;
  puts_(&l, k_kind_names[kind]);
  puts_(&l, " ");
  puts_(&l, fn);
  if (key != NULL) {
    puts_(&l, " ");
    puts_(&l, key);
    puts_(&l, "=");
    put_i64(&l, value);
  }
  if (path != NULL) {
    puts_(&l, " path=");
    puts_(&l, path);
  }
  if (size != 0) {
    puts_(&l, " size=");
    put_u64(&l, size);
  }
  puts_(&l, " call=");
  put_u64(&l, call);
  puts_(&l, " pid=");
  put_i64(&l, (int64_t)syscall(SYS_getpid));
  if (l.len == sizeof l.text) l.len--;
  l.text[l.len++] = '\n';
  const long fd = syscall(SYS_openat, AT_FDCWD, g_log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd >= 0) {
    write_all((int)fd, l.text, l.len);
    syscall(SYS_close, fd);
  }
  errno = saved;
}

// ---------------------------------------------------------------------------------------------
// open family: EINTR before the real call (which is then not made), tracking after it.

static int open_needs_mode(int flags) {
#ifdef O_TMPFILE
  if ((flags & O_TMPFILE) == O_TMPFILE) return 1;
#endif
  return (flags & O_CREAT) != 0;
}

// Returns 1 when this open must fail with EINTR (errno set, logged).
static int open_fault(const char* fn, int dirfd, const char* path, int flags) {
  if (!wanted(kind_eintr, fam_open)) return 0;
  const int saved = errno;
  struct stat st;
  const int eligible = path != NULL &&
                       fstatat(dirfd, path, &st, (flags & O_NOFOLLOW) ? AT_SYMLINK_NOFOLLOW : 0) == 0 &&
                       S_ISREG(st.st_mode) && path_eligible(dirfd, path);
  errno = saved;
  if (!eligible) return 0;
  const struct Verdict v = decide(fam_open, 1u << kind_eintr);
  if (v.kind != kind_eintr) return 0;
  log_fault(kind_eintr, fn, NULL, 0, path, 0, v.call);
  errno = EINTR;
  return 1;
}

static int open_at(enum RealIndex which, const char* fn, int dirfd, const char* path, int flags, mode_t mode) {
  if (open_fault(fn, dirfd, path, flags)) return -1;
  void* f = real(which);
  int fd;
  switch (which) {
    case r_open:
    case r_open64: fd = f ? ((OpenFn)f)(path, flags, mode) : (int)syscall(SYS_openat, AT_FDCWD, path, flags, mode); break;
    case r_openat:
    case r_openat64: fd = f ? ((OpenAtFn)f)(dirfd, path, flags, mode) : (int)syscall(SYS_openat, dirfd, path, flags, mode); break;
    case r_open_2:
    case r_open64_2: fd = f ? ((Open2Fn)f)(path, flags) : (int)syscall(SYS_openat, AT_FDCWD, path, flags, 0); break;
    default: fd = f ? ((OpenAt2Fn)f)(dirfd, path, flags) : (int)syscall(SYS_openat, dirfd, path, flags, 0); break;
  }
  track(fd, dirfd, path);
  return fd;
}

#define MODE_ARG(flags, mode)         \
  do {                                \
    if (open_needs_mode(flags)) {     \
      va_list ap;                     \
      va_start(ap, flags);            \
      mode = (mode_t)va_arg(ap, int); \
      va_end(ap);                     \
    }                                 \
  } while (0)

SHIM_EXPORT int open(const char* path, int flags, ...) {
  mode_t mode = 0;
  MODE_ARG(flags, mode);
  return open_at(r_open, "open", AT_FDCWD, path, flags, mode);
}

SHIM_EXPORT int open64(const char* path, int flags, ...) {
  mode_t mode = 0;
  MODE_ARG(flags, mode);
  return open_at(r_open64, "open64", AT_FDCWD, path, flags, mode);
}

SHIM_EXPORT int openat(int dirfd, const char* path, int flags, ...) {
  mode_t mode = 0;
  MODE_ARG(flags, mode);
  return open_at(r_openat, "openat", dirfd, path, flags, mode);
}

SHIM_EXPORT int openat64(int dirfd, const char* path, int flags, ...) {
  mode_t mode = 0;
  MODE_ARG(flags, mode);
  return open_at(r_openat64, "openat64", dirfd, path, flags, mode);
}

int __open_2(const char* path, int flags) { return open_at(r_open_2, "__open_2", AT_FDCWD, path, flags, 0); }
int __open64_2(const char* path, int flags) { return open_at(r_open64_2, "__open64_2", AT_FDCWD, path, flags, 0); }
int __openat_2(int dirfd, const char* path, int flags) {
  return open_at(r_openat_2, "__openat_2", dirfd, path, flags, 0);
}
int __openat64_2(int dirfd, const char* path, int flags) {
  return open_at(r_openat64_2, "__openat64_2", dirfd, path, flags, 0);
}

// fopen is tracked (C++ streams open with it and then call read() on the descriptor) but never
// faulted itself: its own open is glibc-internal.
static FILE* fopen_tracked(enum RealIndex which, const char* path, const char* mode) {
  FopenFn f = (FopenFn)real_waiting(which);
  if (f == NULL) {
    errno = ENOSYS;
    return NULL;
  }
  FILE* file = f(path, mode);
  if (file != NULL) track(fileno(file), AT_FDCWD, path);
  return file;
}

SHIM_EXPORT FILE* fopen(const char* path, const char* mode) { return fopen_tracked(r_fopen, path, mode); }
SHIM_EXPORT FILE* fopen64(const char* path, const char* mode) { return fopen_tracked(r_fopen64, path, mode); }

SHIM_EXPORT int close(int fd) {
  if (fd >= 0 && fd < FD_SLOTS) atomic_store_explicit(&g_fd_tracked[fd], 0, memory_order_release);
  CloseFn f = (CloseFn)real(r_close);
  return f ? f(fd) : (int)syscall(SYS_close, fd);
}

// ---------------------------------------------------------------------------------------------
// read and pread: EINTR (nothing read) or a short count (those bytes really read).

// What to do with a read of n bytes on fd: kind_none, kind_eintr (errno set, logged) or
// kind_short (*n lowered, logged).
static enum Kind read_fault(unsigned family, const char* fn, int fd, size_t* n) {
  if (!wanted(kind_eintr, family) && !wanted(kind_short, family)) return kind_none;
  if (!fd_eligible(fd)) return kind_none;
  unsigned kinds = 1u << kind_eintr;
  if (*n > g_short_len) kinds |= 1u << kind_short;  // a read no longer than that cannot be shortened
  const struct Verdict v = decide(family, kinds);
  if (v.kind == kind_eintr) {
    log_fault(kind_eintr, fn, "fd", fd, NULL, 0, v.call);
    errno = EINTR;
  } else if (v.kind == kind_short) {
    *n = (size_t)g_short_len;
    log_fault(kind_short, fn, "fd", fd, NULL, 0, v.call);
  }
  return v.kind;
}

SHIM_EXPORT ssize_t read(int fd, void* buf, size_t n) {
  if (read_fault(fam_read, "read", fd, &n) == kind_eintr) return -1;
  ReadFn f = (ReadFn)real(r_read);
  return f ? f(fd, buf, n) : (ssize_t)syscall(SYS_read, fd, buf, n);
}

ssize_t __read_chk(int fd, void* buf, size_t n, size_t buflen) {
  ReadChkFn f = (ReadChkFn)real_waiting(r_read_chk);
  if (n <= buflen && read_fault(fam_read, "__read_chk", fd, &n) == kind_eintr) return -1;
  if (f == NULL) return n <= buflen ? (ssize_t)syscall(SYS_read, fd, buf, n) : (abort(), -1);
  return f(fd, buf, n, buflen);  // n > buflen: glibc's own check reports the overflow
}

SHIM_EXPORT ssize_t pread(int fd, void* buf, size_t n, off_t off) {
  if (read_fault(fam_pread, "pread", fd, &n) == kind_eintr) return -1;
  PreadFn f = (PreadFn)real(r_pread);
  return f ? f(fd, buf, n, off) : (ssize_t)syscall(SYS_pread64, fd, buf, n, off);
}

SHIM_EXPORT ssize_t pread64(int fd, void* buf, size_t n, off64_t off) {
  if (read_fault(fam_pread, "pread64", fd, &n) == kind_eintr) return -1;
  Pread64Fn f = (Pread64Fn)real(r_pread64);
  return f ? f(fd, buf, n, off) : (ssize_t)syscall(SYS_pread64, fd, buf, n, off);
}

ssize_t __pread_chk(int fd, void* buf, size_t n, off_t off, size_t buflen) {
  PreadChkFn f = (PreadChkFn)real_waiting(r_pread_chk);
  if (n <= buflen && read_fault(fam_pread, "__pread_chk", fd, &n) == kind_eintr) return -1;
  if (f == NULL) return n <= buflen ? (ssize_t)syscall(SYS_pread64, fd, buf, n, off) : (abort(), -1);
  return f(fd, buf, n, off, buflen);
}

ssize_t __pread64_chk(int fd, void* buf, size_t n, off64_t off, size_t buflen) {
  Pread64ChkFn f = (Pread64ChkFn)real_waiting(r_pread64_chk);
  if (n <= buflen && read_fault(fam_pread, "__pread64_chk", fd, &n) == kind_eintr) return -1;
  if (f == NULL) return n <= buflen ? (ssize_t)syscall(SYS_pread64, fd, buf, n, off) : (abort(), -1);
  return f(fd, buf, n, off, buflen);
}

// ---------------------------------------------------------------------------------------------
// mmap: ENOMEM for file mappings of tracked descriptors and large anonymous mappings.

static int mmap_fault(const char* fn, size_t len, int flags, int fd) {
  if (!wanted(kind_enomem, fam_mmap)) return 0;
  const int anonymous = (flags & MAP_ANONYMOUS) != 0;
  if (anonymous ? len < g_min_size : !fd_eligible(fd)) return 0;
  const struct Verdict v = decide(fam_mmap, 1u << kind_enomem);
  if (v.kind != kind_enomem) return 0;
  log_fault(kind_enomem, fn, "fd", anonymous ? -1 : fd, NULL, len, v.call);
  errno = ENOMEM;
  return 1;
}

SHIM_EXPORT void* mmap(void* addr, size_t len, int prot, int flags, int fd, off_t off) {
  if (mmap_fault("mmap", len, flags, fd)) return MAP_FAILED;
  MmapFn f = (MmapFn)real(r_mmap);
  return f ? f(addr, len, prot, flags, fd, off) : (void*)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
}

SHIM_EXPORT void* mmap64(void* addr, size_t len, int prot, int flags, int fd, off64_t off) {
  if (mmap_fault("mmap64", len, flags, fd)) return MAP_FAILED;
  Mmap64Fn f = (Mmap64Fn)real(r_mmap64);
  return f ? f(addr, len, prot, flags, fd, off) : (void*)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
}

// ---------------------------------------------------------------------------------------------
// The malloc family: ENOMEM for requests of at least CF_FAULTS_MIN_SIZE bytes.

static int malloc_fault(const char* fn, size_t size) {
  if (size == 0 || size < g_min_size || !wanted(kind_enomem, fam_malloc)) return 0;
  const struct Verdict v = decide(fam_malloc, 1u << kind_enomem);
  if (v.kind != kind_enomem) return 0;
  log_fault(kind_enomem, fn, NULL, 0, NULL, size, v.call);
  errno = ENOMEM;
  return 1;
}

SHIM_EXPORT void* malloc(size_t size) {
  MallocFn f = (MallocFn)real(r_malloc);
  if (f == NULL) return bump_alloc(size);
  if (malloc_fault("malloc", size)) return NULL;
  return f(size);
}

SHIM_EXPORT void* calloc(size_t count, size_t size) {
  CallocFn f = (CallocFn)real(r_calloc);
  if (f == NULL) {
    if (size != 0 && count > SIZE_MAX / size) return NULL;
    return bump_alloc(count * size);
  }
  if (size == 0 || count <= SIZE_MAX / size) {  // an overflowing request fails in the real calloc
    if (malloc_fault("calloc", count * size)) return NULL;
  }
  return f(count, size);
}

SHIM_EXPORT void* realloc(void* p, size_t size) {
  ReallocFn f = (ReallocFn)real(r_realloc);
  if (p != NULL && in_bump(p)) {  // a bootstrap block: move it (its old copy is simply dropped)
    MallocFn m = (MallocFn)real(r_malloc);
    void* q = m != NULL ? m(size) : bump_alloc(size);
    if (q != NULL) {
      const size_t old = bump_size(p);
      memcpy(q, p, old < size ? old : size);
    }
    return q;
  }
  if (f == NULL) return p == NULL ? bump_alloc(size) : NULL;
  if (malloc_fault("realloc", size)) return NULL;  // the old block stays as it was
  return f(p, size);
}

SHIM_EXPORT void free(void* p) {
  if (p == NULL || in_bump(p)) return;
  FreeFn f = (FreeFn)real(r_free);
  if (f != NULL) f(p);
}

SHIM_EXPORT void* aligned_alloc(size_t alignment, size_t size) {
  AlignedAllocFn f = (AlignedAllocFn)real(r_aligned_alloc);
  if (f == NULL) return alignment <= 16 ? bump_alloc(size) : NULL;
  if (malloc_fault("aligned_alloc", size)) return NULL;
  return f(alignment, size);
}

SHIM_EXPORT int posix_memalign(void** out, size_t alignment, size_t size) {
  PosixMemalignFn f = (PosixMemalignFn)real(r_posix_memalign);
  if (f == NULL) {
    if (alignment > 16) return ENOMEM;
    void* p = bump_alloc(size);
    if (p == NULL) return ENOMEM;
    *out = p;
    return 0;
  }
  const int saved = errno;
  if (malloc_fault("posix_memalign", size)) {
    errno = saved;  // posix_memalign reports through its result, not errno
    return ENOMEM;
  }
  return f(out, alignment, size);
}
