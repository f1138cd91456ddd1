// File: compare_bytes.h
//
// CompareBytes orders byte strings as std::string_view::compare does (unsigned bytes, then
// length), inline and eight bytes at a time. Hot ordered containers (the stock map's keys are
// bin codes, GTINs and lots of 8 to 20 bytes) otherwise pay a call to memcmp per comparison
// down the tree, most of it call overhead for so few bytes.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace entrepot {

// Negative, zero or positive as `a` orders before, equal to or after `b`.
inline int CompareBytes(std::string_view a, std::string_view b) {
  const size_t common = a.size() < b.size() ? a.size() : b.size();
  size_t i = 0;
  for (; i + 8 <= common; i += 8) {
    uint64_t x;
    uint64_t y;
    std::memcpy(&x, a.data() + i, 8);
    std::memcpy(&y, b.data() + i, 8);
    if (x != y) {
      if constexpr (std::endian::native == std::endian::little) {
        x = __builtin_bswap64(x);  // The first byte becomes the most significant.
        y = __builtin_bswap64(y);
      }
      return x < y ? -1 : 1;
    }
  }
  for (; i < common; ++i) {
    const auto x = static_cast<unsigned char>(a[i]);
    const auto y = static_cast<unsigned char>(b[i]);
    if (x != y) {
      return x < y ? -1 : 1;
    }
  }
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

}  // namespace entrepot
