#include "entrepot/wire/rfc3339.h"

#include <cstdio>
#include <string>

#include "entrepot/base/check.h"
#include "entrepot/base/status_macros.h"

namespace entrepot::wire {
namespace {

constexpr int64_t kMsPerDay = 86'400'000;
constexpr size_t kMaxQuotedChars = 40;

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
// REQUIRES: 1 <= month <= 12, 1 <= day <= days in that month.
int64_t DaysFromCivil(int64_t year, int64_t month, int64_t day) {
  year -= month <= 2 ? 1 : 0;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t year_of_era = year - era * 400;  // [0, 399]
  const int64_t day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

struct CivilDate {
  int64_t year;
  int64_t month;
  int64_t day;
};

// The inverse of DaysFromCivil (Hinnant's civil_from_days).
CivilDate CivilFromDays(int64_t days) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t day_of_era = days - era * 146097;  // [0, 146096]
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t month_index = (5 * day_of_year + 2) / 153;  // [0, 11], March first
  const int64_t day = day_of_year - (153 * month_index + 2) / 5 + 1;
  const int64_t month = month_index < 10 ? month_index + 3 : month_index - 9;
  return {year_of_era + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

bool IsLeapYear(int64_t year) { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0); }

int64_t DaysInMonth(int64_t year, int64_t month) {
  constexpr int64_t kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

// The input for a message: at most kMaxQuotedChars, non-printable bytes as \xNN.
std::string Quote(std::string_view text) {
  std::string quoted = "\"";
  for (size_t i = 0; i < text.size() && i < kMaxQuotedChars; ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x20 || byte >= 0x7f || byte == '"' || byte == '\\') {
      char escaped[8];
      std::snprintf(escaped, sizeof(escaped), "\\x%02X", static_cast<unsigned>(byte));
      quoted += escaped;
    } else {
      quoted += static_cast<char>(byte);
    }
  }
  quoted += text.size() > kMaxQuotedChars ? "\"..." : "\"";
  return quoted;
}

// A cursor over the timestamp text; every method reports the first deviation it meets.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  size_t position() const { return pos_; }
  bool AtEnd() const { return pos_ == text_.size(); }
  bool Peek(char c) const { return pos_ < text_.size() && text_[pos_] == c; }
  bool PeekDigit() const { return pos_ < text_.size() && IsDigit(text_[pos_]); }

  // Reads exactly `count` ASCII digits as a number.
  StatusOr<int64_t> Digits(int count, std::string_view what) {
    int64_t value = 0;
    for (int i = 0; i < count; ++i, ++pos_) {
      if (pos_ >= text_.size() || !IsDigit(text_[pos_])) {
        return Fail(std::string(what) + " needs " + std::to_string(count) + " digits");
      }
      value = value * 10 + (text_[pos_] - '0');
    }
    return value;
  }

  // Consumes one of `accepted` (a set of single characters).
  StatusOr<char> Expect(std::string_view accepted, std::string_view what) {
    if (pos_ >= text_.size() || accepted.find(text_[pos_]) == std::string_view::npos) {
      return Fail("expected " + std::string(what));
    }
    return text_[pos_++];
  }

  Status Fail(const std::string& detail) const {
    return Error(StatusCode::kInvalidArgument, "bad_timestamp",
                 Quote(text_) + ": " + detail + " at offset " + std::to_string(pos_));
  }

 private:
  static bool IsDigit(char c) { return c >= '0' && c <= '9'; }

  std::string_view text_;
  size_t pos_ = 0;
};

Status OutOfRange(std::string_view text, std::string_view what, int64_t value,
                  std::string_view range) {
  return Error(StatusCode::kInvalidArgument, "bad_timestamp",
               Quote(text) + ": " + std::string(what) + " " + std::to_string(value) +
                   " is out of range " + std::string(range));
}

struct LocalTime {
  int64_t hour;
  int64_t minute;
  int64_t second;
  int64_t millisecond;
};

// hh:mm:ss[.fraction], fraction truncated to milliseconds.
StatusOr<LocalTime> ScanTime(Scanner& scanner, std::string_view text) {
  LocalTime time{};
  ENTREPOT_ASSIGN_OR_RETURN(time.hour, scanner.Digits(2, "hour"));
  ENTREPOT_RETURN_IF_ERROR(scanner.Expect(":", "':' after the hour").status());
  ENTREPOT_ASSIGN_OR_RETURN(time.minute, scanner.Digits(2, "minute"));
  ENTREPOT_RETURN_IF_ERROR(scanner.Expect(":", "':' after the minute").status());
  ENTREPOT_ASSIGN_OR_RETURN(time.second, scanner.Digits(2, "second"));
  if (scanner.Peek('.')) {
    ENTREPOT_RETURN_IF_ERROR(scanner.Expect(".", "'.'").status());
    int digits = 0;
    int64_t scale = 100;
    for (; scanner.PeekDigit(); ++digits) {
      if (digits == 9) {
        return scanner.Fail("fraction has more than 9 digits");
      }
      ENTREPOT_ASSIGN_OR_RETURN(const int64_t digit, scanner.Digits(1, "fraction"));
      time.millisecond += digit * scale;  // Digits past the third add 0: truncation.
      scale /= 10;
    }
    if (digits == 0) {
      return scanner.Fail("fraction needs 1 to 9 digits after '.'");
    }
  }
  if (time.hour > 23) {
    return OutOfRange(text, "hour", time.hour, "00..23");
  }
  if (time.minute > 59) {
    return OutOfRange(text, "minute", time.minute, "00..59");
  }
  if (time.second == 60) {
    return Error(StatusCode::kInvalidArgument, "bad_timestamp",
                 Quote(text) + ": second 60 (a leap second) is not supported by Unix time");
  }
  if (time.second > 59) {
    return OutOfRange(text, "second", time.second, "00..59");
  }
  return time;
}

// "Z", "z" or ±hh:mm; returns the offset east of UTC in minutes.
StatusOr<int64_t> ScanZone(Scanner& scanner, std::string_view text) {
  ENTREPOT_ASSIGN_OR_RETURN(const char sign, scanner.Expect("Zz+-", "time zone 'Z' or +hh:mm"));
  if (sign == 'Z' || sign == 'z') {
    return 0;
  }
  ENTREPOT_ASSIGN_OR_RETURN(const int64_t hours, scanner.Digits(2, "offset hour"));
  ENTREPOT_RETURN_IF_ERROR(scanner.Expect(":", "':' in the offset").status());
  ENTREPOT_ASSIGN_OR_RETURN(const int64_t minutes, scanner.Digits(2, "offset minute"));
  if (hours > 23) {
    return OutOfRange(text, "offset hour", hours, "00..23");
  }
  if (minutes > 59) {
    return OutOfRange(text, "offset minute", minutes, "00..59");
  }
  return (sign == '-' ? -1 : 1) * (hours * 60 + minutes);
}

// Writes the `width` low decimal digits of `value` (>= 0) at text[position...].
void PutDigits(std::string& text, size_t position, size_t width, int64_t value) {
  for (size_t i = width; i > 0; --i, value /= 10) {
    text[position + i - 1] = static_cast<char>('0' + value % 10);
  }
}

}  // namespace

StatusOr<int64_t> ParseRfc3339Ms(std::string_view text) {
  Scanner scanner(text);
  ENTREPOT_ASSIGN_OR_RETURN(const int64_t year, scanner.Digits(4, "year"));
  ENTREPOT_RETURN_IF_ERROR(scanner.Expect("-", "'-' after the year").status());
  ENTREPOT_ASSIGN_OR_RETURN(const int64_t month, scanner.Digits(2, "month"));
  ENTREPOT_RETURN_IF_ERROR(scanner.Expect("-", "'-' after the month").status());
  ENTREPOT_ASSIGN_OR_RETURN(const int64_t day, scanner.Digits(2, "day"));
  ENTREPOT_RETURN_IF_ERROR(scanner.Expect("Tt", "'T' between date and time").status());
  ENTREPOT_ASSIGN_OR_RETURN(const LocalTime time, ScanTime(scanner, text));
  ENTREPOT_ASSIGN_OR_RETURN(const int64_t offset_minutes, ScanZone(scanner, text));
  if (!scanner.AtEnd()) {
    return scanner.Fail("unexpected characters after the time zone");
  }
  if (month < 1 || month > 12) {
    return OutOfRange(text, "month", month, "01..12");
  }
  if (day < 1 || day > DaysInMonth(year, month)) {
    return OutOfRange(text, "day", day, "01.." + std::to_string(DaysInMonth(year, month)));
  }
  const int64_t local_seconds =
      ((DaysFromCivil(year, month, day) * 24 + time.hour) * 60 + time.minute) * 60 + time.second;
  const int64_t at_ms = (local_seconds - offset_minutes * 60) * 1000 + time.millisecond;
  if (at_ms < kMinRfc3339Ms || at_ms > kMaxRfc3339Ms) {
    return Error(StatusCode::kInvalidArgument, "bad_timestamp",
                 Quote(text) + ": in UTC this falls outside years 0000..9999");
  }
  return at_ms;
}

std::string FormatRfc3339Ms(int64_t at_ms) {
  ENTREPOT_CHECK(at_ms >= kMinRfc3339Ms && at_ms <= kMaxRfc3339Ms);
  // Floor division, so that instants before 1970 land on the right day.
  const int64_t days = at_ms >= 0 ? at_ms / kMsPerDay : (at_ms - (kMsPerDay - 1)) / kMsPerDay;
  const int64_t ms_of_day = at_ms - days * kMsPerDay;
  const CivilDate date = CivilFromDays(days);
  std::string text = "0000-00-00T00:00:00.000Z";
  PutDigits(text, 0, 4, date.year);
  PutDigits(text, 5, 2, date.month);
  PutDigits(text, 8, 2, date.day);
  PutDigits(text, 11, 2, ms_of_day / 3'600'000);
  PutDigits(text, 14, 2, ms_of_day / 60'000 % 60);
  PutDigits(text, 17, 2, ms_of_day / 1000 % 60);
  PutDigits(text, 20, 3, ms_of_day % 1000);
  return text;
}

}  // namespace entrepot::wire
