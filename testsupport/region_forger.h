// Forges small region files byte by byte for tests: objects are appended in address order
// and addressed by their logical address, exactly as FORMAT.md §1.4 lays them out.
//
// A deliberately independent model of the object layouts: it takes only the field offsets
// and tags from core/layout.h, never the compactor or the step rule, so a test can write
// what a compactor refuses to (and a bug in the step rule cannot hide itself from the tests).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/header.h"
#include "core/layout.h"

namespace cf::testsupport {

class RegionForger {
 public:
  explicit RegionForger(Format format = Format::v2, uint64_t base_addr = 0x10000000000);

  /// Logical address of the next object to be appended.
  uint64_t next_addr() const { return header_.base_addr + data_start() + 8 + data_.size(); }
  uint64_t data_start() const { return header_.data_start(); }

  uint64_t ctor(uint8_t tag, const std::vector<uint64_t>& fields, const std::vector<uint8_t>& scalars = {});
  uint64_t array(const std::vector<uint64_t>& elems);
  uint64_t sarray(uint8_t elem_size, const std::vector<uint8_t>& payload);  // payload.size() % elem_size == 0
  uint64_t string(const std::string& utf8);
  uint64_t mpz(const std::vector<uint64_t>& limbs, bool negative = false);
  uint64_t thunk(uint64_t value, uint8_t tag = k_tag_thunk);  // also tasks
  uint64_t ref(uint64_t value, uint8_t tag = k_tag_ref);      // also promises
  uint64_t closure(uint64_t fn, uint16_t arity, const std::vector<uint64_t>& args);
  /// Appends raw words (a forged object); returns its logical address.
  uint64_t raw(const std::vector<uint64_t>& words);

  void set_root(uint64_t word) { root_ = word; }
  FileHeader& header() { return header_; }
  std::vector<uint8_t>& data() { return data_; }  // bytes after the root slot
  /// File offset of a logical address produced by this builder.
  uint64_t offset_of(uint64_t addr) const { return addr - header_.base_addr; }

  /// The finished file: header, root slot, objects, and for v3 the trailer.
  std::vector<uint8_t> bytes() const;

 private:
  uint64_t append(const std::vector<uint8_t>& obj);
  FileHeader header_;
  std::vector<uint8_t> data_;
  uint64_t root_ = 1;  // box(0)
};

/// Reads a little-endian u64 at `off`.
uint64_t word_at(const std::vector<uint8_t>& bytes, uint64_t off);
/// Overwrites the u64 at `off`.
void put_word(std::vector<uint8_t>& bytes, uint64_t off, uint64_t value);

}  // namespace cf::testsupport
