#include "entrepot/cli/csv_reader.h"

#include <string_view>
#include <utility>

namespace entrepot::cli {
namespace {

constexpr int kEnd = std::char_traits<char>::eof();
constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

}  // namespace

CsvReader::CsvReader(std::istream& in, size_t max_record_bytes, size_t max_fields)
    : in_(in), max_record_bytes_(max_record_bytes), max_fields_(max_fields) {}

int CsvReader::Get() {
  int c = pending_at_ < pending_.size() ? static_cast<unsigned char>(pending_[pending_at_++])
                                        : in_.rdbuf()->sbumpc();
  if (c == '\n') {
    ++line_;
  }
  return c;
}

int CsvReader::Peek() {
  return pending_at_ < pending_.size() ? static_cast<unsigned char>(pending_[pending_at_])
                                       : in_.rdbuf()->sgetc();
}

void CsvReader::SkipBom() {
  started_ = true;
  for (size_t i = 0; i < kByteOrderMark.size(); ++i) {
    int c = in_.rdbuf()->sbumpc();
    if (c == kEnd) {
      break;
    }
    pending_.push_back(static_cast<char>(c));
  }
  if (pending_ == kByteOrderMark) {
    pending_.clear();
  }
}

void CsvReader::SkipLine() {
  for (int c = Get(); c != kEnd && c != '\n'; c = Get()) {
  }
}

Status CsvReader::Refuse(bool at_line_end, std::string reason, std::string message) {
  if (!at_line_end) {
    SkipLine();
  }
  return Error(StatusCode::kInvalidArgument, std::move(reason), std::move(message));
}

StatusOr<bool> CsvReader::Next(std::vector<std::string>& fields) {
  fields.clear();
  if (!started_) {
    SkipBom();
  }
  record_line_ = line_;
  enum class State { kFieldStart, kUnquoted, kQuoted, kAfterQuote };
  State state = State::kFieldStart;
  std::string field;
  size_t bytes = 0;
  bool any = false;  // Whether the record has any content (an empty line has none).
  for (;;) {
    int c = Get();
    if (c == kEnd && bytes == 0) {
      return false;
    }
    if (c != kEnd && ++bytes > max_record_bytes_) {
      return Refuse(c == '\n', "record_too_long",
                    "the record is longer than " + std::to_string(max_record_bytes_) + " bytes");
    }
    if (state == State::kQuoted) {
      if (c == kEnd) {
        return Refuse(true, "unterminated_quote", "the input ends inside a quoted field");
      }
      if (c != '"') {
        field.push_back(static_cast<char>(c));
      } else if (Peek() == '"') {
        Get();  // A doubled quote stands for one.
        ++bytes;
        field.push_back('"');
      } else {
        state = State::kAfterQuote;
      }
      continue;
    }
    // Outside quotes: CR before LF is part of the line break.
    if (c == '\r' && Peek() == '\n') {
      continue;
    }
    bool record_end = c == kEnd || c == '\n';
    if (record_end || c == ',') {
      if (record_end && !any) {
        return true;  // An empty line: no fields.
      }
      if (fields.size() >= max_fields_) {
        return Refuse(record_end, "too_many_fields",
                      "the record has more than " + std::to_string(max_fields_) + " fields");
      }
      fields.push_back(std::move(field));
      field.clear();
      if (record_end) {
        return true;
      }
      state = State::kFieldStart;
      any = true;
      continue;
    }
    any = true;
    if (state == State::kAfterQuote || (c == '"' && state == State::kUnquoted)) {
      return Refuse(false, "bad_quote",
                    state == State::kAfterQuote
                        ? "a closing quote must be followed by a comma or the end of the record"
                        : "a quote inside an unquoted field (quote the whole field and double "
                          "the quote)");
    }
    if (c == '"') {
      state = State::kQuoted;
    } else {
      field.push_back(static_cast<char>(c));
      state = State::kUnquoted;
    }
  }
}

}  // namespace entrepot::cli
