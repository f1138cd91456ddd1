// File: scan_record_fuzzer.cc
//
// libFuzzer target for entrepot::wire::ParseScanRecord. Beyond "never crashes" (ASan and
// UBSan watch), every input checks these properties:
//   1. Determinism: a reused ScanRecordParser and the one-shot function agree exactly, so
//      no state leaks from one record to the next.
//   2. An error has one of the documented reasons and a message.
//   3. An accepted record satisfies every documented limit, and its text is valid JSON by
//      a second, independent parser (nlohmann::json), so nothing malformed gets through.
//   4. Re-encoding an accepted record and parsing it again gives the same record, and its
//      timestamp survives FormatRfc3339Ms / ParseRfc3339Ms.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "entrepot/base/check.h"
#include "entrepot/wire/rfc3339.h"
#include "entrepot/wire/scan_record.h"

namespace entrepot::wire {
namespace {

bool IsKnownReason(const std::string& reason) {
  return reason == "bad_json" || reason == "missing_field" || reason == "bad_field" ||
         reason == "bad_timestamp" || reason == "record_too_large";
}

bool AllOf(std::string_view text, bool (*predicate)(char)) {
  for (char c : text) {
    if (!predicate(c)) {
      return false;
    }
  }
  return true;
}

bool IsIdChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == ':' || c == '-';
}

bool IsModeChar(char c) { return (c >= 'a' && c <= 'z') || c == '_'; }

void CheckLimits(const ScanRecord& record) {
  ENTREPOT_CHECK(!record.id.empty() && record.id.size() <= kMaxIdChars);
  ENTREPOT_CHECK(AllOf(record.id, IsIdChar));
  ENTREPOT_CHECK(!record.device.empty() && record.device.size() <= kMaxDeviceChars);
  ENTREPOT_CHECK(AllOf(record.device, IsIdChar));
  ENTREPOT_CHECK(!record.mode.empty() && record.mode.size() <= kMaxModeChars);
  ENTREPOT_CHECK(AllOf(record.mode, IsModeChar));
  ENTREPOT_CHECK(!record.code.empty() && record.code.size() <= kMaxCodeBytes);
  if (record.at_ms.has_value()) {
    ENTREPOT_CHECK(*record.at_ms >= kMinRfc3339Ms && *record.at_ms <= kMaxRfc3339Ms);
    StatusOr<int64_t> round_trip = ParseRfc3339Ms(FormatRfc3339Ms(*record.at_ms));
    ENTREPOT_CHECK(round_trip.ok() && *round_trip == *record.at_ms);
  }
}

// Encodes `record` as JSON with an independent encoder; the timestamp alternates between
// its two wire forms.
std::string Encode(const ScanRecord& record) {
  nlohmann::json json = {
      {"id", record.id}, {"device", record.device}, {"mode", record.mode}, {"code", record.code}};
  if (record.at_ms.has_value()) {
    if (*record.at_ms % 2 == 0) {
      json["at"] = FormatRfc3339Ms(*record.at_ms);
    } else {
      json["at"] = *record.at_ms;
    }
  }
  return json.dump();
}

}  // namespace
}  // namespace entrepot::wire

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using entrepot::StatusOr;
  using entrepot::wire::ScanRecord;
  static entrepot::wire::ScanRecordParser parser;

  const std::string_view input(reinterpret_cast<const char*>(data), size);
  StatusOr<ScanRecord> record = parser.Parse(input);
  StatusOr<ScanRecord> again = entrepot::wire::ParseScanRecord(input);
  ENTREPOT_CHECK(record.status() == again.status());
  if (!record.ok()) {
    ENTREPOT_CHECK(entrepot::wire::IsKnownReason(record.status().reason()));
    ENTREPOT_CHECK(!record.status().message().empty());
    return 0;
  }
  ENTREPOT_CHECK(*record == *again);
  entrepot::wire::CheckLimits(*record);
  ENTREPOT_CHECK(nlohmann::json::accept(input));

  // Escaping can push a valid record over the size limit ("\u001d" is 6 bytes for 1).
  const std::string encoded = entrepot::wire::Encode(*record);
  if (encoded.size() <= entrepot::wire::kMaxRecordBytes) {
    StatusOr<ScanRecord> decoded = parser.Parse(encoded);
    ENTREPOT_CHECK(decoded.ok());
    ENTREPOT_CHECK(*decoded == *record);
  }
  return 0;
}
