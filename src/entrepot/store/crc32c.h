// File: crc32c.h
//
// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum the journal stores with
// every record and snapshot (see docs/STORAGE.md). A portable table-driven implementation
// (slicing-by-8, about 2 GB/s on one core), and on x86-64 processors with SSE4.2 the CRC32
// instruction (several times faster: the checksum was a third of the time of a journal
// scan), chosen once at run time. No I/O; thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

namespace entrepot::store {

// Returns the CRC-32C of `previous_data + data`, given `crc`, the CRC-32C of `previous_data`
// (0 for nothing). Crc32cExtend(Crc32cExtend(0, a), b) == Crc32c(a + b).
uint32_t Crc32cExtend(uint32_t crc, std::string_view data);

// Returns the CRC-32C of `data`; 0 for empty data. Crc32c("123456789") == 0xE3069283.
inline uint32_t Crc32c(std::string_view data) { return Crc32cExtend(0, data); }

namespace internal {
// The table-driven implementation, whatever the processor: Crc32cExtend() must equal it.
uint32_t Crc32cExtendPortable(uint32_t crc, std::string_view data);
}  // namespace internal

}  // namespace entrepot::store
