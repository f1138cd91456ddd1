// File: line_reader.h
//
// Reads newline-separated records from a stream without ever holding more than a bounded
// line in memory: a line longer than the limit is reported as too long and skipped to its
// end, so a corrupt or hostile file cannot exhaust memory.
#pragma once

#include <cstddef>
#include <istream>
#include <string>

namespace entrepot::cli {

class LineReader {
 public:
  // REQUIRES: `in` outlives the reader; max_line_bytes > 0.
  LineReader(std::istream& in, size_t max_line_bytes);

  enum class Result { kLine, kTooLong, kEnd };
  // Reads the next line (without its '\n') into `line`. kTooLong: the line exceeded the
  // limit; `line` holds its first max_line_bytes bytes and the rest was skipped.
  Result Next(std::string& line);
  // 1-based number of the line last returned.
  size_t line_number() const { return line_number_; }

 private:
  std::istream& in_;
  size_t max_line_bytes_;
  size_t line_number_ = 0;
};

}  // namespace entrepot::cli
