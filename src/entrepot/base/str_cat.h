// File: str_cat.h
//
// StrCat joins pieces (anything a std::string_view can be made from) into one string with a
// single allocation. A chain of operator+ allocates again each time the growing temporary
// outgrows its capacity: the replies of the scan path took four or five allocations each.
#pragma once

#include <string>
#include <string_view>

namespace entrepot {

template <typename... Pieces>
std::string StrCat(const Pieces&... pieces) {
  const std::string_view views[] = {std::string_view(pieces)...};
  size_t size = 0;
  for (std::string_view view : views) {
    size += view.size();
  }
  std::string joined;
  joined.reserve(size);
  for (std::string_view view : views) {
    joined.append(view);
  }
  return joined;
}

}  // namespace entrepot
