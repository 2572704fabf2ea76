// Small text helpers shared by regiontool's commands.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace cf::tool {

/// 0x-prefixed lowercase hex, no padding: addresses and offsets in messages and tables.
inline std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace cf::tool
