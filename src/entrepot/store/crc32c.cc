#include "entrepot/store/crc32c.h"

#include <array>
#include <cstddef>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace entrepot::store {
namespace {

constexpr uint32_t kPolynomial = 0x82F63B78;  // Castagnoli, bit-reversed.

using Tables = std::array<std::array<uint32_t, 256>, 8>;

// tables[0] is the classic byte-at-a-time table; tables[k][b] is the CRC of byte b followed by
// k zero bytes, which lets the main loop fold eight bytes with eight independent lookups.
constexpr Tables MakeTables() {
  Tables tables{};
  for (uint32_t byte = 0; byte < 256; ++byte) {
    uint32_t crc = byte;
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 1) != 0 ? (crc >> 1) ^ kPolynomial : crc >> 1;
    }
    tables[0][byte] = crc;
  }
  for (size_t k = 1; k < tables.size(); ++k) {
    for (size_t byte = 0; byte < 256; ++byte) {
      const uint32_t previous = tables[k - 1][byte];
      tables[k][byte] = (previous >> 8) ^ tables[0][previous & 0xFF];
    }
  }
  return tables;
}

constexpr Tables kTables = MakeTables();

// Little-endian load, independent of the host's byte order.
inline uint32_t Load32(const unsigned char* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

#if defined(__x86_64__)
// Works on the inverted register, as the table loop does.
__attribute__((target("sse4.2"))) uint32_t ExtendWithCrc32Instruction(uint32_t l,
                                                                      const unsigned char* p,
                                                                      size_t n) {
  uint64_t l64 = l;
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t word;
    std::memcpy(&word, p, sizeof(word));  // x86 is little-endian, as the CRC wants.
    l64 = _mm_crc32_u64(l64, word);
  }
  auto l32 = static_cast<uint32_t>(l64);
  for (; n > 0; ++p, --n) {
    l32 = _mm_crc32_u8(l32, *p);
  }
  return l32;
}

bool HasCrc32Instruction() {
  static const bool has = [] {
    __builtin_cpu_init();  // We may run before the constructors that would call it.
    return __builtin_cpu_supports("sse4.2") != 0;
  }();
  return has;
}
#endif

}  // namespace

uint32_t Crc32cExtend(uint32_t crc, std::string_view data) {
#if defined(__x86_64__)
  if (HasCrc32Instruction()) {
    return ~ExtendWithCrc32Instruction(~crc, reinterpret_cast<const unsigned char*>(data.data()),
                                       data.size());
  }
#endif
  return internal::Crc32cExtendPortable(crc, data);
}

namespace internal {

uint32_t Crc32cExtendPortable(uint32_t crc, std::string_view data) {
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  size_t n = data.size();
  uint32_t l = ~crc;
  while (n >= 8) {
    const uint32_t low = l ^ Load32(p);
    const uint32_t high = Load32(p + 4);
    l = kTables[7][low & 0xFF] ^ kTables[6][(low >> 8) & 0xFF] ^ kTables[5][(low >> 16) & 0xFF] ^
        kTables[4][low >> 24] ^ kTables[3][high & 0xFF] ^ kTables[2][(high >> 8) & 0xFF] ^
        kTables[1][(high >> 16) & 0xFF] ^ kTables[0][high >> 24];
    p += 8;
    n -= 8;
  }
  for (; n > 0; --n, ++p) {
    l = kTables[0][(l ^ *p) & 0xFF] ^ (l >> 8);
  }
  return ~l;
}

}  // namespace internal
}  // namespace entrepot::store
