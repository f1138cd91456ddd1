#include "entrepot/cli/line_reader.h"

namespace entrepot::cli {

LineReader::LineReader(std::istream& in, size_t max_line_bytes)
    : in_(in), max_line_bytes_(max_line_bytes) {}

LineReader::Result LineReader::Next(std::string& line) {
  line.clear();
  std::streambuf* buffer = in_.rdbuf();
  bool too_long = false;
  bool any = false;
  for (;;) {
    int c = buffer->sbumpc();
    if (c == std::char_traits<char>::eof()) {
      if (!any) {
        return Result::kEnd;
      }
      break;
    }
    any = true;
    if (c == '\n') {
      break;
    }
    if (line.size() < max_line_bytes_) {
      line.push_back(static_cast<char>(c));
    } else {
      too_long = true;
    }
  }
  ++line_number_;
  return too_long ? Result::kTooLong : Result::kLine;
}

}  // namespace entrepot::cli
