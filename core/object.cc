// Object header encoding (FORMAT.md §1.2).
#include "core/object.h"

namespace cf {

std::optional<Kind> kind_from_name(std::string_view name) {
  for (size_t i = 0; i < k_kind_names.size(); ++i)
    if (k_kind_names[i] == name) return static_cast<Kind>(i);
  return std::nullopt;
}

ObjectHeader ObjectHeader::decode(const uint8_t* p) {
  ObjectHeader h;
  h.rc = load_i32(p);
  h.cs_sz = load_u16(p + 4);
  h.other = p[6];
  h.tag = p[7];
  return h;
}

void ObjectHeader::encode(uint8_t* p) const {
  std::memcpy(p, &rc, 4);
  std::memcpy(p + 4, &cs_sz, 2);
  p[6] = other;
  p[7] = tag;
}

SlotRange object_slots(const uint8_t* obj) {
  const ObjectHeader h = ObjectHeader::decode(obj);
  switch (h.kind()) {
    case Kind::ctor: return {layout::ctor_fields, h.other};
    case Kind::array: return {layout::array_data, load_u64(obj + layout::array_size)};
    case Kind::closure: return {layout::closure_args, load_u16(obj + layout::closure_num_fixed)};
    case Kind::thunk:
    case Kind::task:
    case Kind::ref:
    case Kind::promise: return {layout::value, 1};
    default: return {};
  }
}

}  // namespace cf
