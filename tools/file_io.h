// Whole-file reads for the command-line tools. (The loader's injectable I/O layer is separate.)
#pragma once

#include <string>
#include <vector>

#include "core/result.h"

namespace cf::tool {

/// Reads all of `path`; io_error with strerror on failure. Retries EINTR and short reads.
Result<std::vector<uint8_t>> read_whole_file(const std::string& path);

}  // namespace cf::tool
