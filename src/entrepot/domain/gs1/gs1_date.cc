#include "entrepot/domain/gs1/gs1_date.h"

#include "entrepot/base/check.h"
#include "entrepot/domain/gs1/internal/linters.h"

namespace entrepot::gs1 {
namespace {

int TwoDigits(std::string_view s) { return (s[0] - '0') * 10 + (s[1] - '0'); }

}  // namespace

StatusOr<std::string> ExpandGs1Date(std::string_view yymmdd, int reference_year) {
  ENTREPOT_CHECK(reference_year >= 1000 && reference_year <= 9899);
  if (yymmdd.size() != 6) {
    return Error(StatusCode::kInvalidArgument, "bad_length",
                 "a GS1 date YYMMDD has 6 digits, got " + std::to_string(yymmdd.size()));
  }
  for (std::size_t i = 0; i < yymmdd.size(); ++i) {
    if (yymmdd[i] < '0' || yymmdd[i] > '9') {
      return Error(StatusCode::kInvalidArgument, "bad_character",
                   "a GS1 date has a non-digit at position " + std::to_string(i + 1));
    }
  }
  const int yy = TwoDigits(yymmdd.substr(0, 2));
  const int difference = yy - reference_year % 100;
  int century = reference_year / 100;
  if (difference >= 51) {
    --century;
  } else if (difference <= -50) {
    ++century;
  }
  const int year = century * 100 + yy;
  const int month = TwoDigits(yymmdd.substr(2, 2));
  int day = TwoDigits(yymmdd.substr(4, 2));
  if (month < 1 || month > 12) {
    return Error(StatusCode::kInvalidArgument, "bad_date",
                 "month " + std::string(yymmdd.substr(2, 2)) + " is not a valid month");
  }
  const int days_in_month = internal::DaysInMonth(year, month);
  if (day > days_in_month) {
    return Error(StatusCode::kInvalidArgument, "bad_date",
                 "day " + std::string(yymmdd.substr(4, 2)) + " is not a valid day in " +
                     std::to_string(year) + "-" + std::string(yymmdd.substr(2, 2)));
  }
  if (day == 0) {
    day = days_in_month;  // "00": the last day of the month.
  }
  // Formatted by hand: this runs for every scanned expiry date, and snprintf costs more
  // than the rest of the function.
  std::string date = "0000-00-00";
  auto put = [&date](size_t end, int value) {
    for (size_t at = end; value > 0; value /= 10) {
      date[--at] = static_cast<char>('0' + value % 10);
    }
  };
  put(4, year);
  put(7, month);
  put(10, day);
  return date;
}

StatusOr<std::string> ExpiryDate(const Gs1Data& data, int reference_year) {
  const Element* expiry = data.Find("17");
  if (expiry == nullptr) {
    return Error(StatusCode::kNotFound, "no_expiry_date", "the code has no AI (17) expiry date");
  }
  return ExpandGs1Date(expiry->value, reference_year);
}

}  // namespace entrepot::gs1
