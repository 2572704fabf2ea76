// `regiontool inspect --annotate`: every byte range of a file, in file order, with its field
// name, decoded value and meaning (FORMAT.md §10.5 is the model). A rejected file is annotated
// up to the range holding the failing offset, then a marker line names the error.
//
// The annotator decodes layout only (header, step rule, per-kind fields, v3 trailer) and never
// validates: validation is inspect_bytes's job, which supplies the error offset. Keeping the two
// apart lets a broken file be annotated as far as its bytes can be laid out, and lets the
// annotator run on any input with every read bounds-checked and work linear in the file size.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/error.h"
#include "tools/inspect.h"

namespace cf::tool {

/// One labelled byte range [offset, offset + size); size >= 1.
struct Annotation {
  uint64_t offset = 0;
  uint64_t size = 0;
  std::string field;    ///< e.g. "header", "field 1", "m_capacity", "githash"
  std::string value;    ///< decoded value, e.g. "5", "box(0)", "@0x060 string \"Init\""
  std::string meaning;  ///< what it is for, e.g. "String, 40 bytes"
};

struct AnnotateReport {
  std::string file;
  std::vector<uint8_t> bytes;          ///< the file, so the printer can show raw bytes
  std::vector<Annotation> ranges;      ///< contiguous from 0; up to the error's range when rejected
  std::optional<LoadError> error;      ///< rejection (exit 1) or I/O error (exit 2)
  int exit_code = exit_ok;
};

/// Lays out every byte of `bytes` (no clipping at any error): contiguous ranges covering the
/// whole input, whatever it holds. Undecodable bytes get one "undecoded" range.
std::vector<Annotation> annotate_layout(std::span<const uint8_t> bytes);

/// inspect_bytes for the verdict, annotate_layout for the ranges, cut after the range that holds
/// the error offset. Never throws on any input bytes.
AnnotateReport annotate_bytes(const std::string& name, std::span<const uint8_t> bytes, const InspectOptions& options);
/// Reads `path` and annotates it; an unreadable file gives io_error, no ranges and exit code 2.
AnnotateReport annotate_file(const std::string& path, const InspectOptions& options);

/// `>>> 0x0000a8: bad_string: String does not end in NUL`
std::string marker_line(const LoadError& error);
/// The text form documented in docs/regiontool.md.
void print_annotation(std::ostream& out, const AnnotateReport& report);

}  // namespace cf::tool
