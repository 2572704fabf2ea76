// Whole-file reads for tests and benchmarks: core's read_file, with a failure thrown as
// std::runtime_error naming the file (a test's input that cannot be read is a broken test).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cf::testsupport {

/// All bytes of `path`; throws std::runtime_error with the io_error's description on failure.
std::vector<uint8_t> read_file(const std::string& path);

}  // namespace cf::testsupport
