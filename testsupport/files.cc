// See files.h.
#include "testsupport/files.h"

#include <stdexcept>

#include "core/io.h"

namespace cf::testsupport {

std::vector<uint8_t> read_file(const std::string& path) {
  auto bytes = cf::read_file(path);
  if (!bytes) throw std::runtime_error(bytes.error().describe());
  return std::move(bytes).value();
}

}  // namespace cf::testsupport
