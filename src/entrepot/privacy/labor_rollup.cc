#include "entrepot/privacy/labor_rollup.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>

#include "entrepot/base/check.h"

namespace entrepot::privacy {

namespace {

bool IsLabelChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == ':' || c == '/' || c == '-';
}

// Durations never go negative: a clock step back on a device must not subtract time.
int64_t Elapsed(int64_t from_ms, int64_t to_ms) { return to_ms > from_ms ? to_ms - from_ms : 0; }

}  // namespace

Status ValidateLaborLabel(std::string_view label, std::string_view what) {
  if (label.empty() || label.size() > kMaxLaborLabelBytes ||
      !std::all_of(label.begin(), label.end(), IsLabelChar)) {
    return Error(StatusCode::kInvalidArgument, "bad_label",
                 std::string(what) + " must be 1 to " + std::to_string(kMaxLaborLabelBytes) +
                     " characters from A-Z a-z 0-9 . _ : / -");
  }
  return OkStatus();
}

Date WeekStart(const Date& day) {
  const std::chrono::sys_days days(day);
  const std::chrono::weekday weekday(days);
  // iso_encoding(): Monday 1 .. Sunday 7.
  const auto back = std::chrono::days(weekday.iso_encoding() - 1);
  return Date(days - back);
}

std::string IsoWeekName(const Date& day) {
  // The ISO year is the year of the week's Thursday.
  const std::chrono::sys_days thursday =
      std::chrono::sys_days(WeekStart(day)) + std::chrono::days(3);
  const Date thursday_date(thursday);
  const std::chrono::sys_days jan1(thursday_date.year() / std::chrono::January / 1);
  const int64_t week = (thursday - jan1).count() / 7 + 1;
  char text[32];
  std::snprintf(text, sizeof(text), "%04d-W%02d", static_cast<int>(thursday_date.year()),
                static_cast<int>(week));
  return text;
}

StatusOr<Date> ParseIsoWeek(std::string_view text) {
  auto digits = [&](size_t from, size_t count) {
    int value = 0;
    for (size_t i = from; i < from + count; ++i) {
      if (text[i] < '0' || text[i] > '9') {
        return -1;
      }
      value = value * 10 + (text[i] - '0');
    }
    return value;
  };
  const int year = text.size() == 8 ? digits(0, 4) : -1;
  const int week = text.size() == 8 && text.substr(4, 2) == "-W" ? digits(6, 2) : -1;
  if (year >= 1 && week >= 1 && week <= 53) {
    // 4 January is always in week 1 of its ISO year.
    const Date jan4{std::chrono::year(year), std::chrono::January, std::chrono::day(4)};
    const Date monday = AddDays(WeekStart(jan4), 7 * static_cast<int64_t>(week - 1));
    if (IsoWeekName(monday) == text) {  // Week 53 of a 52-week year is the next W01.
      return monday;
    }
  }
  return Error(StatusCode::kInvalidArgument, "bad_week",
               "an ISO week is written YYYY-Www, e.g. 2026-W19");
}

Date WeekExpiryDay(const Date& week_start, int64_t retention_weeks) {
  ENTREPOT_CHECK(retention_weeks >= 0);
  return AddDays(week_start, (retention_weeks + 1) * 7);
}

Date AddDays(const Date& day, int64_t days) {
  return Date(std::chrono::sys_days(day) + std::chrono::days(days));
}

void WorkerTotals::Add(const WorkerTotals& other) {
  for (const auto& [name, value] : other.units_per_process)
    units_per_process[name] += value;
  for (const auto& [name, value] : other.errors_per_cause)
    errors_per_cause[name] += value;
  for (const auto& [name, value] : other.ms_per_zone)
    ms_per_zone[name] += value;
}

uint64_t TeamMemberOf(const SecretKey& week_key, int64_t worker_id) {
  ENTREPOT_CHECK(!week_key.IsZero());
  // Its own context: the token is not a prefix of the worker's week pseudonym.
  const std::string message = "entrepot-labor-team-v1:" + std::to_string(worker_id);
  std::array<uint8_t, crypto_auth_hmacsha256_BYTES> mac{};
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, week_key.bytes().data(), week_key.bytes().size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(message.data()),
                                message.size());
  crypto_auth_hmacsha256_final(&state, mac.data());
  sodium_memzero(&state, sizeof(state));
  uint64_t token = 0;
  for (size_t i = 0; i < 8; ++i) {
    token = (token << 8) | mac[i];
  }
  return token;
}

void DayRollUp::BeginSession(const Pseudonym& worker, int64_t start_ms) {
  ENTREPOT_CHECK(!open_.has_value());
  open_ = worker;
  last_ms_ = start_ms;
  last_zone_.reset();
  last_activity_ = {};
}

void DayRollUp::Scan(std::string_view process, std::string_view zone,
                     std::string_view outcome_class, int64_t units, int64_t at_ms) {
  ENTREPOT_CHECK(open_.has_value());
  ENTREPOT_CHECK(units >= 0);
  WorkerTotals& totals = totals_[*open_];
  const int64_t elapsed = Elapsed(last_ms_, at_ms);
  totals.ms_per_zone[std::string(zone)] += elapsed;
  last_activity_ = {std::string(process), std::string(zone)};
  Activity& activity = activities_[*open_][last_activity_];
  activity.ms += elapsed;
  if (outcome_class == kOutcomeOk) {
    totals.units_per_process[std::string(process)] += units;
    activity.units += units;
  } else {
    totals.errors_per_cause[std::string(outcome_class)] += 1;
    activity.errors += 1;
  }
  last_ms_ = std::max(last_ms_, at_ms);
  last_zone_ = std::string(zone);
}

void DayRollUp::EndSession(int64_t end_ms) {
  ENTREPOT_CHECK(open_.has_value());
  WorkerTotals& totals = totals_[*open_];
  const int64_t elapsed = Elapsed(last_ms_, end_ms);
  totals.ms_per_zone[last_zone_.value_or("")] += elapsed;
  activities_[*open_][last_activity_].ms += elapsed;  // ("", "") for a session without scans.
  open_.reset();
  last_zone_.reset();
}

const std::map<Pseudonym, WorkerTotals>& DayRollUp::totals() const {
  ENTREPOT_CHECK(!open_.has_value());
  return totals_;
}

const std::map<Pseudonym, Activities>& DayRollUp::activities() const {
  ENTREPOT_CHECK(!open_.has_value());
  return activities_;
}

}  // namespace entrepot::privacy
