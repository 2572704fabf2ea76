// How a harness turns a finding into a crash the engine saves: loud, in every build mode, and
// saying which oracle disagreed and why (STYLE.md 15). The line printed is what `reproduce`
// and the nightly recognise as an oracle finding (`file:line: CF_CHECK(cond) failed: reason`).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "oracles/verdict.h"

/// A harness-level invariant (not an oracle's): aborts with file, line and condition.
#define CF_CHECK(cond, ...)                                                            \
  do {                                                                                 \
    if (!(cond)) {                                                                     \
      std::fprintf(stderr, "%s:%d: CF_CHECK(%s) failed: ", __FILE__, __LINE__, #cond); \
      std::fprintf(stderr, __VA_ARGS__);                                               \
      std::fputc('\n', stderr);                                                        \
      std::abort();                                                                    \
    }                                                                                  \
  } while (0)

/// Aborts on the first finding among `verdicts`, naming the target's file and the oracle.
#define CF_REQUIRE_NO_FINDING(verdicts) ::cf::fuzz::require_no_finding((verdicts), __FILE__, __LINE__)

namespace cf::fuzz {

inline void require_no_finding(const std::vector<oracles::Verdict>& verdicts, const char* file, int line) {
  for (const oracles::Verdict& v : verdicts) {
    if (v.outcome != oracles::Outcome::finding) continue;
    std::fprintf(stderr, "%s:%d: CF_CHECK(%s holds) failed: %s: %s\n", file, line,
                 std::string(oracles::oracle_name(v.oracle)).c_str(), std::string(oracles::oracle_title(v.oracle)).c_str(),
                 v.reason.c_str());
    std::abort();
  }
}

}  // namespace cf::fuzz
