// File: csv_reader.h
//
// Reads CSV records (RFC 4180) from a stream with bounded memory: fields separated by
// commas, records by LF or CRLF; a field in double quotes may hold commas, line breaks and
// quotes (doubled: "a ""b"""). Written for `entrepot orders import`; small on purpose, and
// safe on any bytes: a record longer than its limit, or with too many fields, is reported
// and skipped, never held whole.
//
// Not accepted (each reported as an error for the record, which is then skipped to the end
// of its physical line): a quote inside an unquoted field (`ab"c`), anything but a comma or
// the record's end after a closing quote (`"ab"c`), an unterminated quote at the end of the
// input. A UTF-8 byte order mark at the start of the input is skipped.
#pragma once

#include <cstddef>
#include <istream>
#include <string>
#include <vector>

#include "entrepot/base/status.h"

namespace entrepot::cli {

inline constexpr size_t kMaxCsvRecordBytes = size_t{64} << 10;
inline constexpr size_t kMaxCsvFields = 64;

class CsvReader {
 public:
  // REQUIRES: `in` outlives the reader; max_record_bytes > 0, max_fields > 0.
  explicit CsvReader(std::istream& in, size_t max_record_bytes = kMaxCsvRecordBytes,
                     size_t max_fields = kMaxCsvFields);

  // Reads the next record into `fields` (unquoted). Returns true for a record, false at the
  // end of the input. An empty line is a record with no fields.
  // Errors (kInvalidArgument; the record is skipped, the next call reads the one after):
  //   "record_too_long"    the record has more than max_record_bytes bytes;
  //   "too_many_fields"    more than max_fields fields;
  //   "bad_quote"          a quote inside an unquoted field, or text after a closing quote;
  //   "unterminated_quote" the input ends inside a quoted field.
  StatusOr<bool> Next(std::vector<std::string>& fields);

  // The 1-based physical line on which the record last returned (or refused) starts.
  size_t line_number() const { return record_line_; }

 private:
  // The next byte (counting lines), or EOF.
  int Get();
  int Peek();
  // Skips a UTF-8 byte order mark at the start; other first bytes are kept for Get.
  void SkipBom();
  // Skips to just after the next line feed (or the end), after an error.
  void SkipLine();
  // The error, after skipping the rest of the line unless `at_line_end`.
  Status Refuse(bool at_line_end, std::string reason, std::string message);

  std::istream& in_;
  size_t max_record_bytes_;
  size_t max_fields_;
  size_t line_ = 1;         // The physical line of the next byte.
  size_t record_line_ = 0;  // The line the last record started on.
  bool started_ = false;    // Whether the byte order mark check was done.
  std::string pending_;     // First bytes read by SkipBom that were not a byte order mark.
  size_t pending_at_ = 0;
};

}  // namespace entrepot::cli
