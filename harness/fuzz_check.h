// CF_CHECK: the harnesses' oracle assertion. Always on (every build mode), loud, and it says
// what disagreed before aborting, so the engine saves the input (STYLE.md 15).
#pragma once

#include <cstdio>
#include <cstdlib>

#define CF_CHECK(cond, ...)                                                            \
  do {                                                                                 \
    if (!(cond)) {                                                                     \
      std::fprintf(stderr, "%s:%d: CF_CHECK(%s) failed: ", __FILE__, __LINE__, #cond); \
      std::fprintf(stderr, __VA_ARGS__);                                               \
      std::fputc('\n', stderr);                                                        \
      std::abort();                                                                    \
    }                                                                                  \
  } while (0)
