// Name lookup and formatting for ErrorCode / LoadError.
#include "core/error.h"

#include <cstdio>

namespace cf {

bool error_code_from_name(std::string_view name, ErrorCode* out) {
  for (const ErrorInfo& e : k_error_table) {
    if (e.name == name) {
      *out = e.code;
      return true;
    }
  }
  return false;
}

std::string LoadError::describe() const {
  char at[48];
  std::snprintf(at, sizeof at, " at offset %llu (0x%llx)", static_cast<unsigned long long>(offset),
                static_cast<unsigned long long>(offset));
  std::string s;
  if (!file.empty()) s += file + ": ";
  s += std::string(error_name(code)) + at;
  if (!message.empty()) s += ": " + message;
  return s;
}

}  // namespace cf
