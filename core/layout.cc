// Lookups over the layout tables of core/layout.h.
#include "core/layout.h"

namespace cf {

std::optional<Kind> kind_from_name(std::string_view name) {
  for (size_t i = 0; i < k_kinds.size(); ++i)
    if (k_kinds[i].name == name) return static_cast<Kind>(i);
  return std::nullopt;
}

}  // namespace cf
