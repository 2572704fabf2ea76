// naive_reader: a deliberately careless file reader, the testee of shim/fault_shim_test.cc. It
// has the two bugs the fault shim exists to expose, each with a switch that fixes it:
//
//   naive_reader [--retry] [--loop] [--pread|--fopen|--stdio|--mmap|--reuse] [--malloc N] FILE|-
//
// By default it reads FILE ("-": stdin) with read() in 4096-byte requests, treats -1 as fatal
// (`error: <strerror>`, exit 3; --retry retries EINTR, the open included) and a short read as
// the end of the file (--loop reads on to a 0 return). --pread reads with pread() at the offset
// reached, --fopen opens with fopen() and reads with read() on its descriptor, --stdio reads with
// fread(), --mmap maps the file whole, and --reuse opens FILE with fopen, closes it with fclose
// (whose close the shim cannot see) and then reads stdin through dup(0), which gets the very
// descriptor number FILE had. --malloc N first mallocs N bytes (`malloc failed`,
// exit 4). On success it prints `bytes=<count> fnv1a=<16 hex digits>` and exits 0; usage
// errors exit 2.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

enum Mode { mode_read, mode_pread, mode_fopen, mode_stdio, mode_mmap, mode_reuse };

static uint64_t g_hash = 14695981039346656037ull;  // FNV-1a 64, offset basis
static uint64_t g_bytes;
static void* volatile g_sink;  // keeps the --malloc block from being optimised away

static void take(const unsigned char* p, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    g_hash ^= p[i];
    g_hash *= 1099511628211ull;  // FNV prime
  }
  g_bytes += n;
}

static int fatal(const char* what) {
  fprintf(stderr, "error: %s: %s\n", what, strerror(errno));
  return 3;
}

int main(int argc, char** argv) {
  int retry = 0, loop = 0;
  enum Mode mode = mode_read;
  long long malloc_size = -1;
  const char* path = NULL;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--retry") == 0) retry = 1;
    else if (strcmp(argv[i], "--loop") == 0) loop = 1;
    else if (strcmp(argv[i], "--pread") == 0) mode = mode_pread;
    else if (strcmp(argv[i], "--fopen") == 0) mode = mode_fopen;
    else if (strcmp(argv[i], "--stdio") == 0) mode = mode_stdio;
    else if (strcmp(argv[i], "--mmap") == 0) mode = mode_mmap;
    else if (strcmp(argv[i], "--reuse") == 0) mode = mode_reuse;
    else if (strcmp(argv[i], "--malloc") == 0 && i + 1 < argc) malloc_size = atoll(argv[++i]);
    else if (path == NULL) path = argv[i];
    else {
      fprintf(stderr, "usage: naive_reader [--retry] [--loop] [--pread|--fopen|--stdio|--mmap|--reuse] [--malloc N] FILE|-\n");
      return 2;
    }
  }
  if (path == NULL) {
    fprintf(stderr, "naive_reader: no FILE\n");
    return 2;
  }

  if (malloc_size >= 0) {
    void* p = malloc((size_t)malloc_size);
    if (p == NULL) {
      fprintf(stderr, "malloc failed\n");
      return 4;
    }
    memset(p, 0xa5, (size_t)malloc_size);
    g_sink = p;
    free(g_sink);
  }

  int fd = 0;
  FILE* file = NULL;
  if (mode == mode_reuse) {
    FILE* f = fopen(path, "rb");
    if (f == NULL) return fatal("fopen");
    const int was = fileno(f);
    fclose(f);
    fd = dup(0);
    if (fd != was) {
      fprintf(stderr, "error: dup gave descriptor %d, not %d\n", fd, was);
      return 3;
    }
  } else if (mode == mode_fopen || mode == mode_stdio) {
    file = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (file == NULL) return fatal("fopen");
    fd = fileno(file);
  } else if (strcmp(path, "-") != 0) {
    do fd = open(path, O_RDONLY);
    while (fd < 0 && retry && errno == EINTR);
    if (fd < 0) return fatal("open");
  }

  if (mode == mode_mmap) {
    struct stat st;
    if (fstat(fd, &st) != 0) return fatal("fstat");
    if (st.st_size > 0) {
      void* m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
      if (m == MAP_FAILED) return fatal("mmap");
      take(m, (size_t)st.st_size);
      munmap(m, (size_t)st.st_size);
    }
  } else {
    unsigned char buf[4096];
    for (;;) {
      ssize_t got;
      if (mode == mode_stdio) {
        got = (ssize_t)fread(buf, 1, sizeof buf, file);
        if (got == 0 && ferror(file)) got = -1;
      } else if (mode == mode_pread) {
        got = pread(fd, buf, sizeof buf, (off_t)g_bytes);
      } else {
        got = read(fd, buf, sizeof buf);
      }
      if (got < 0 && retry && errno == EINTR) continue;
      if (got < 0) return fatal("read");
      if (got == 0) break;
      take(buf, (size_t)got);
      if (!loop && (size_t)got < sizeof buf) break;  // the bug: a short read taken as the end
    }
  }
  printf("bytes=%" PRIu64 " fnv1a=%016" PRIx64 "\n", g_bytes, g_hash);
  return 0;
}
