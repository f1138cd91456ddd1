// File: scan_record.h
//
// The scan record: one JSON object as a handheld sends it, or as one line of an NDJSON file.
//
//   {"id":"dev-07-000123","device":"HH-07","mode":"stow",
//    "code":"]d2010950600013435210AB12","at":"2026-11-28T08:15:02.120Z"}
//
// This header defines ScanRecord (the validated record), ScanRecordParser (the reusable
// parser for the ingest hot path) and ParseScanRecord (the one-shot form). The parser checks
// the syntax and the limits of each field; what the values mean (is "stow" a mode, is the
// code valid GS1) is for the core to decide.
//
// Privacy (rule RET-01): scanner apps may add fields naming the worker ("badge", "worker",
// "user", "operator", "employee", ...). ScanRecord has no place for them, and the parser never
// copies a field it does not know: they are validated as JSON, then dropped, and their values
// never appear in a result or an error message. So they cannot reach the operational journal.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "entrepot/base/status.h"

namespace entrepot::wire {

// Limits of a scan record. Ids and devices use kIdAlphabet, modes lower-case letters and '_'.
inline constexpr size_t kMaxRecordBytes = 8192;  // The whole JSON text of one record.
inline constexpr size_t kMaxIdChars = 64;
inline constexpr size_t kMaxDeviceChars = 64;
inline constexpr size_t kMaxModeChars = 16;
inline constexpr size_t kMaxCodeBytes = 4096;
// Deepest nesting accepted inside an ignored field ({"x":[[...]]}).
inline constexpr int kMaxIgnoredFieldDepth = 32;

// Field names that carry a worker's identity in some scanner apps. The parser drops these
// like any other unknown field; the list documents RET-01 and drives its tests.
inline constexpr std::array<std::string_view, 5> kPersonalFieldNames = {"badge", "worker", "user",
                                                                        "operator", "employee"};

// One validated scan. Every field satisfies the limits above.
struct ScanRecord {
  std::string id;                // Idempotency key: 1..64 chars of [A-Za-z0-9._:-].
  std::string device;            // 1..64 chars of [A-Za-z0-9._:-].
  std::string mode;              // 1..16 chars of [a-z_]; the core checks the value.
  std::string code;              // The scanned data, 1..4096 bytes of UTF-8; may hold GS (0x1D).
  std::optional<int64_t> at_ms;  // When scanned, Unix epoch milliseconds (UTC), if given.

  friend bool operator==(const ScanRecord&, const ScanRecord&) = default;
};

// Parses scan records, reusing its buffers from one record to the next: after the first
// call, parsing allocates only the strings of the result. Not thread-safe: use one parser
// per thread. Movable (a moved-from parser may only be destroyed or assigned), not copyable.
class ScanRecordParser {
 public:
  ScanRecordParser();
  ~ScanRecordParser();
  ScanRecordParser(ScanRecordParser&&) noexcept;
  ScanRecordParser& operator=(ScanRecordParser&&) noexcept;
  ScanRecordParser(const ScanRecordParser&) = delete;
  ScanRecordParser& operator=(const ScanRecordParser&) = delete;

  // Parses one JSON object (surrounding JSON whitespace, such as an NDJSON line's "\r",
  // is allowed). Fields:
  //   "id", "device", "mode", "code": strings, required, limits as in ScanRecord.
  //   "at": optional; an RFC 3339 string (see rfc3339.h) or an integer of epoch
  //         milliseconds in [kMinRfc3339Ms, kMaxRfc3339Ms]; null means absent.
  //   anything else: validated as JSON, then ignored (see the privacy note above).
  // Errors, all kInvalidArgument:
  //   "record_too_large"  the text is longer than kMaxRecordBytes (checked before parsing).
  //   "bad_json"          not JSON, not an object, or content after the object; the message
  //                       holds simdjson's error text and, when known, the byte offset.
  //   "bad_field"         a known field has the wrong type, length or characters, or appears
  //                       twice; or an ignored field nests deeper than kMaxIgnoredFieldDepth.
  //   "bad_timestamp"     "at" is not a valid RFC 3339 timestamp, or is a number that is not
  //                       an integer in range.
  //   "missing_field"     a required field is absent (the first of id, device, mode, code).
  // Precedence: bad_json over any field error (the whole text is read first); then the first
  // bad_field or bad_timestamp in document order; then missing_field.
  // REQUIRES: this parser has not been moved from.
  StatusOr<ScanRecord> Parse(std::string_view json);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// One-shot form of ScanRecordParser::Parse, same contract. Thread-safe: it uses a parser
// per thread, so it is as fast as a ScanRecordParser after each thread's first call.
StatusOr<ScanRecord> ParseScanRecord(std::string_view json);

}  // namespace entrepot::wire
