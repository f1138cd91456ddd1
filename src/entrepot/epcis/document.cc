#include "entrepot/epcis/document.h"

#include <chrono>
#include <cstdio>
#include <utility>

#include "entrepot/base/status_macros.h"

namespace entrepot::epcis {
namespace {

using nlohmann::json;

constexpr int64_t kMsPerSecond = 1000;
constexpr int64_t kSecondsPerDay = 86'400;
// Longer than any EPCIS date-time a person or partner would write (nanoseconds and an
// offset fit in 35 characters); bounds the work on hostile input.
constexpr size_t kMaxTimeText = 64;

json BaseDocument(std::string_view type, int64_t created_ms) {
  return json{{"@context", json::array({std::string(kEpcisContext)})},
              {"type", type},
              {"schemaVersion", "2.0"},
              {"creationDate", FormatEpcisTime(created_ms)}};
}

Status BadTime(std::string_view text, std::string_view why) {
  return Error(StatusCode::kInvalidArgument, "bad_time",
               "'" + std::string(text.substr(0, kMaxTimeText)) + "' is not an EPCIS date-time (" +
                   std::string(why) +
                   "); write it as YYYY-MM-DDThh:mm:ss[.sss] followed by Z or +hh:mm");
}

// Reads exactly `count` digits at `pos` into `value`; false when they are not all digits.
bool ReadDigits(std::string_view text, size_t pos, size_t count, int& value) {
  if (pos + count > text.size()) {
    return false;
  }
  value = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') {
      return false;
    }
    value = value * 10 + (text[i] - '0');
  }
  return true;
}

bool Expect(std::string_view text, size_t pos, char c) {
  return pos < text.size() && text[pos] == c;
}

// The offset "Z", "+hh:mm" or "-hh:mm" starting at `pos`, which must end the text, in
// seconds east of UTC.
StatusOr<int64_t> ParseOffset(std::string_view text, size_t pos) {
  if (pos == text.size()) {
    return BadTime(text, "the UTC offset is missing");
  }
  if (text[pos] == 'Z' && pos + 1 == text.size()) {
    return int64_t{0};
  }
  int hours = 0;
  int minutes = 0;
  if ((text[pos] != '+' && text[pos] != '-') || pos + 6 != text.size() ||
      !ReadDigits(text, pos + 1, 2, hours) || !Expect(text, pos + 3, ':') ||
      !ReadDigits(text, pos + 4, 2, minutes)) {
    return BadTime(text, "the UTC offset must be Z or +hh:mm");
  }
  if (minutes > 59 || hours > 14 || (hours == 14 && minutes > 0)) {
    return BadTime(text, "the UTC offset is out of range");
  }
  int64_t seconds = hours * int64_t{3600} + minutes * int64_t{60};
  return text[pos] == '-' ? -seconds : seconds;
}

}  // namespace

json MakeEpcisDocument(std::vector<json> events, int64_t created_ms) {
  json document = BaseDocument("EPCISDocument", created_ms);
  document["epcisBody"] = json{{"eventList", json(std::move(events))}};
  return document;
}

json MakeQueryDocument(std::vector<json> events, std::string_view query_name, int64_t created_ms) {
  json document = BaseDocument("EPCISQueryDocument", created_ms);
  document["epcisBody"] =
      json{{"queryResults", json{{"queryName", query_name},
                                 {"resultsBody", json{{"eventList", json(std::move(events))}}}}}};
  return document;
}

std::string FormatEpcisTime(int64_t unix_ms) {
  using std::chrono::days;
  using std::chrono::milliseconds;
  using std::chrono::sys_days;
  const std::chrono::sys_time<milliseconds> time{milliseconds(unix_ms)};
  const sys_days day = std::chrono::floor<days>(time);
  const std::chrono::year_month_day date(day);
  const int64_t in_day = (time - day).count();  // 0 .. 86'399'999
  const int64_t seconds = in_day / kMsPerSecond;
  char text[40];
  std::snprintf(text, sizeof(text), "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()), static_cast<int>(seconds / 3600),
                static_cast<int>(seconds / 60 % 60), static_cast<int>(seconds % 60),
                static_cast<int>(in_day % kMsPerSecond));
  return text;
}

StatusOr<int64_t> ParseEpcisTime(std::string_view text) {
  if (text.size() > kMaxTimeText) {
    return BadTime(text, "too long");
  }
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!ReadDigits(text, 0, 4, year) || !Expect(text, 4, '-') || !ReadDigits(text, 5, 2, month) ||
      !Expect(text, 7, '-') || !ReadDigits(text, 8, 2, day) || !Expect(text, 10, 'T') ||
      !ReadDigits(text, 11, 2, hour) || !Expect(text, 13, ':') ||
      !ReadDigits(text, 14, 2, minute) || !Expect(text, 16, ':') ||
      !ReadDigits(text, 17, 2, second)) {
    return BadTime(text, "expected YYYY-MM-DDThh:mm:ss");
  }
  const std::chrono::year_month_day date{std::chrono::year(year),
                                         std::chrono::month(static_cast<unsigned>(month)),
                                         std::chrono::day(static_cast<unsigned>(day))};
  if (year == 0 || !date.ok()) {
    return BadTime(text, "no such date");
  }
  if (hour > 23 || minute > 59 || second > 59) {
    return BadTime(text, "no such time of day");
  }
  size_t pos = 19;
  int64_t millis = 0;
  if (Expect(text, pos, '.')) {
    // Fractions beyond milliseconds are truncated, as the canonical event hash does.
    size_t digits = 0;
    for (++pos; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos, ++digits) {
      if (digits < 3) {
        millis = millis * 10 + (text[pos] - '0');
      }
    }
    if (digits == 0) {
      return BadTime(text, "a decimal point needs digits after it");
    }
    for (; digits < 3; ++digits) {
      millis *= 10;
    }
  }
  ENTREPOT_ASSIGN_OR_RETURN(int64_t offset_seconds, ParseOffset(text, pos));
  const int64_t days_since_epoch = std::chrono::sys_days(date).time_since_epoch().count();
  const int64_t local_seconds =
      days_since_epoch * kSecondsPerDay + hour * int64_t{3600} + minute * int64_t{60} + second;
  return (local_seconds - offset_seconds) * kMsPerSecond + millis;
}

}  // namespace entrepot::epcis
