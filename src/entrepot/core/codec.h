// File: codec.h
//
// The binary encoding of journal entries and snapshots. Compact and fast (the ingest hot
// path encodes one entry per scan), versioned by a leading format byte, and strict on
// decode: any malformed input returns kDataLoss, never undefined behaviour.
//
// Primitives: unsigned varints (LEB128), zig-zag signed varints, and length-prefixed
// strings. The event layout is documented in docs/EVENTS.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "entrepot/base/status.h"
#include "entrepot/core/events.h"

namespace entrepot::core {

class ByteWriter {
 public:
  ByteWriter() = default;
  // Writes into `buffer`'s storage: its contents are dropped, its capacity is reused.
  explicit ByteWriter(std::string buffer) : out_(std::move(buffer)) { out_.clear(); }

  void U8(uint8_t value) { out_.push_back(static_cast<char>(value)); }
  void Varint(uint64_t value);
  void Signed(int64_t value) {
    Varint((static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63));
  }
  void String(std::string_view value) {
    Varint(value.size());
    out_.append(value);
  }
  std::string& bytes() { return out_; }

 private:
  std::string out_;
};

// Reads what ByteWriter wrote. Every read after the first failure returns a zero value and
// ok() stays false, so a decoder can read a whole record and check once at the end.
class ByteReader {
 public:
  explicit ByteReader(std::string_view in) : in_(in) {}
  uint8_t U8();
  uint64_t Varint();
  int64_t Signed() {
    uint64_t raw = Varint();
    return static_cast<int64_t>(raw >> 1) ^ -static_cast<int64_t>(raw & 1);
  }
  std::string String();
  // A count of elements that follow, each at least one byte long (guards allocations).
  uint64_t Count();
  bool ok() const { return ok_; }
  bool AtEnd() const { return in_.empty(); }
  void Fail() { ok_ = false; }

 private:
  std::string_view in_;
  bool ok_ = true;
};

void EncodeItem(ByteWriter& out, const domain::ItemKey& item);
domain::ItemKey DecodeItem(ByteReader& in);
void EncodeHolder(ByteWriter& out, const domain::Holder& holder);
domain::Holder DecodeHolder(ByteReader& in);
void EncodePickTask(ByteWriter& out, const PickTask& task);
PickTask DecodePickTask(ByteReader& in);
void EncodeDeviceState(ByteWriter& out, const DeviceState& state);
DeviceState DecodeDeviceState(ByteReader& in);
void EncodeReturnLines(ByteWriter& out, const std::vector<ReturnLine>& lines);
std::vector<ReturnLine> DecodeReturnLines(ByteReader& in);
void EncodeLocation(ByteWriter& out, const domain::Location& location);
domain::Location DecodeLocation(ByteReader& in);

// Encodes `entry` into `buffer`'s storage (its contents are replaced): passing the spent
// payload of a committed record reuses its allocation.
std::string EncodeEntry(const Entry& entry, std::string buffer = {});
// The scan time of an encoded entry, read without decoding its events (restart reads it for
// every remembered idempotency key). Returns kDataLoss (reason "bad_entry") as DecodeEntry.
StatusOr<int64_t> DecodeEntryTime(std::string_view bytes);
// Returns kDataLoss (reason "bad_entry") when `bytes` is not a valid entry encoding.
StatusOr<Entry> DecodeEntry(std::string_view bytes);

}  // namespace entrepot::core
