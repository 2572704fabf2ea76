// The closed vocabulary of rejections (FORMAT.md §8.1, DESIGN.md "Error model").
// Names are stable: scripts, corpus directories and tests refer to them by string.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace cf {

enum class ErrorCode : uint8_t {
  io_error,                     ///< open/stat/read errno other than EINTR (§8.3 I*)
  truncated,                    ///< bytes end too early: header, data, trailer or object (H1, D1-D3, T1, O1, I2)
  bad_magic,                    ///< neither `olean` nor `oleanfile!!!!!!!` (H2)
  incompatible_header,          ///< version, flags or githash not accepted (H3-H5)
  bad_header_field,             ///< base_addr misaligned or wrapping, v3 data_size misaligned (H6, H7, D4)
  trailing_bytes,               ///< bytes after the v3 library table (T2)
  bad_tag,                      ///< tag 247, 254, 255, or a closure outside v3 (O3, T10)
  bad_object_header,            ///< m_rc != 0 or m_cs_sz/m_other conventions (O2, O8, O9)
  bad_object_size,              ///< size fields inconsistent (O4-O7, O14)
  bad_object_field,             ///< an mpz/thunk/task/closure fixed field invalid (O12, O13, O15)
  bad_string,                   ///< String content invalid: NUL, UTF-8, m_length (O10)
  bad_padding,                  ///< a padding byte the format knows is nonzero (O11)
  pointer_out_of_range,         ///< pointer word 0, or into the own file outside its data (P1, P2)
  missing_dep,                  ///< pointer outside the own file and every supplied dep (P5)
  pointer_not_object_start,     ///< pointer into a region that misses every object start (P3, P6)
  forward_pointer,              ///< a field pointing at an own object at the same or a higher address (P4)
  root_not_last,                ///< own root that is not the last object (P8, Tier C)
  unreachable_object,           ///< own object not reachable from the root (P9, Tier C)
  dep_overlap,                  ///< the slow path's dep-overlap checks (R1, R2)
  closure_offset_out_of_range,  ///< v3 closure offset outside the data or not at an m_fun (T3, T4)
  bad_closure_table,            ///< other v3 closure/library table defects (T5, T6, T8, T9)
  missing_library,              ///< a saved library is not loaded (T7)
  out_of_memory,                ///< an allocation failed (I3)
  work_limit,                   ///< validation work exceeded its budget (I4)
  depth_limit,                  ///< graph depth exceeded its budget (I4)
  bad_deps_json,                ///< a snapshot's `.deps` file did not parse (§7.3)
  cycle,                        ///< writer: the source graph has a cycle (§4.8)
  external_object,              ///< writer: External objects cannot be compacted (§4.8)
  closure_not_allowed,          ///< writer: closure without allowClosures (§4.8)
  unrepresentable,              ///< writer: m_cs_sz overflow of a closure, StructArray (§4.8)
  path_unavailable,             ///< the fast path was required, but a region is not at its saved base (§5.6)
};

struct ErrorInfo {
  ErrorCode code;
  std::string_view name;     ///< stable identifier, equal to the enumerator's spelling
  std::string_view summary;  ///< one line for humans
};

inline constexpr std::array k_error_table = {
    ErrorInfo{ErrorCode::io_error, "io_error", "I/O error"},
    ErrorInfo{ErrorCode::truncated, "truncated", "input ends too early"},
    ErrorInfo{ErrorCode::bad_magic, "bad_magic", "invalid header (bad magic)"},
    ErrorInfo{ErrorCode::incompatible_header, "incompatible_header", "incompatible header"},
    ErrorInfo{ErrorCode::bad_header_field, "bad_header_field", "unusable header field"},
    ErrorInfo{ErrorCode::trailing_bytes, "trailing_bytes", "bytes after the v3 trailer"},
    ErrorInfo{ErrorCode::bad_tag, "bad_tag", "object tag not allowed here"},
    ErrorInfo{ErrorCode::bad_object_header, "bad_object_header", "object header convention violated"},
    ErrorInfo{ErrorCode::bad_object_size, "bad_object_size", "object size fields inconsistent"},
    ErrorInfo{ErrorCode::bad_object_field, "bad_object_field", "object fixed field invalid"},
    ErrorInfo{ErrorCode::bad_string, "bad_string", "string content invalid"},
    ErrorInfo{ErrorCode::bad_padding, "bad_padding", "nonzero padding byte"},
    ErrorInfo{ErrorCode::pointer_out_of_range, "pointer_out_of_range", "pointer outside the data section"},
    ErrorInfo{ErrorCode::missing_dep, "missing_dep", "pointer outside the file and every dep"},
    ErrorInfo{ErrorCode::pointer_not_object_start, "pointer_not_object_start", "pointer misses every object start"},
    ErrorInfo{ErrorCode::forward_pointer, "forward_pointer", "field points at the same or a higher address"},
    ErrorInfo{ErrorCode::root_not_last, "root_not_last", "root is not the last object"},
    ErrorInfo{ErrorCode::unreachable_object, "unreachable_object", "object not reachable from the root"},
    ErrorInfo{ErrorCode::dep_overlap, "dep_overlap", "dep regions overlap"},
    ErrorInfo{ErrorCode::closure_offset_out_of_range, "closure_offset_out_of_range", "closure offset out of range"},
    ErrorInfo{ErrorCode::bad_closure_table, "bad_closure_table", "closure/library table invalid"},
    ErrorInfo{ErrorCode::missing_library, "missing_library", "library required for closure relocation is not loaded"},
    ErrorInfo{ErrorCode::out_of_memory, "out_of_memory", "allocation failed"},
    ErrorInfo{ErrorCode::work_limit, "work_limit", "validation work budget exceeded"},
    ErrorInfo{ErrorCode::depth_limit, "depth_limit", "depth budget exceeded"},
    ErrorInfo{ErrorCode::bad_deps_json, "bad_deps_json", "snapshot deps file did not parse"},
    ErrorInfo{ErrorCode::cycle, "cycle", "object graph has a cycle"},
    ErrorInfo{ErrorCode::external_object, "external_object", "external objects cannot be compacted"},
    ErrorInfo{ErrorCode::closure_not_allowed, "closure_not_allowed", "closures need allowClosures (format 3)"},
    ErrorInfo{ErrorCode::unrepresentable, "unrepresentable", "object cannot be represented in the format"},
    ErrorInfo{ErrorCode::path_unavailable, "path_unavailable", "fast path required but a region is not at its base"},
};

constexpr bool error_table_matches_enum() {
  for (size_t i = 0; i < k_error_table.size(); ++i)
    if (static_cast<size_t>(k_error_table[i].code) != i) return false;
  return static_cast<size_t>(ErrorCode::path_unavailable) + 1 == k_error_table.size();
}
static_assert(error_table_matches_enum(), "k_error_table must list every ErrorCode, in enum order");

/// Stable name of a code, e.g. "pointer_not_object_start".
constexpr std::string_view error_name(ErrorCode c) { return k_error_table[static_cast<size_t>(c)].name; }
/// Inverse of error_name; false if the name is unknown.
bool error_code_from_name(std::string_view name, ErrorCode* out);

/// A rejection: what went wrong, where, and up to two numbers that say why.
/// `offset` is a file offset; `file` is filled in by whoever knows the path.
struct LoadError {
  ErrorCode code = ErrorCode::io_error;
  uint64_t offset = 0;
  std::string message;  ///< what is wrong, without the file name (e.g. "String m_size 0")
  std::string file;

  /// "<file>: <class> at offset 0x1a8: <message>"
  std::string describe() const;
};

}  // namespace cf
