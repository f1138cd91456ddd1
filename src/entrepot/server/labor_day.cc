#include "entrepot/server/labor_day.h"

#include <date/tz.h>

#include <algorithm>
#include <exception>

#include "entrepot/base/status_macros.h"
#include "entrepot/privacy/labor_rollup.h"

namespace entrepot::server {

namespace {

using std::chrono::milliseconds;

// Days since 1970-01-01 of a local or UTC day, and back: the calendar is the same.
int64_t DayNumber(const privacy::Date& day) {
  return std::chrono::sys_days(day).time_since_epoch().count();
}
privacy::Date FromDayNumber(int64_t days) {
  return privacy::Date(std::chrono::sys_days(std::chrono::days(days)));
}

}  // namespace

StatusOr<LaborTimeZone> LaborTimeZone::Find(std::string_view name) {
  LaborTimeZone zone;
  if (name == "UTC") {
    return zone;
  }
  // The library reports an unknown zone or an unreadable database by exceptions; they stop
  // here. The zone's file is read now (get_info), not on the first conversion.
  try {
    const date::time_zone* found = date::locate_zone(name);
    (void)found->get_info(date::sys_seconds{});
    zone.zone_ = found;
    zone.name_ = std::string(name);
    return zone;
  } catch (const std::exception& error) {
    return Error(
        StatusCode::kFailedPrecondition, "unknown_time_zone",
        "the time zone \"" + std::string(name) +
            "\" is not in the tz database (/usr/share/zoneinfo, Debian's tzdata): " + error.what());
  }
}

privacy::Date LaborTimeZone::DayOf(int64_t at_ms) const {
  const std::chrono::sys_time<milliseconds> at{milliseconds(at_ms)};
  if (zone_ == nullptr) {
    return privacy::Date(std::chrono::floor<std::chrono::days>(at));
  }
  const auto local = zone_->to_local(at);
  return FromDayNumber(date::floor<date::days>(local).time_since_epoch().count());
}

int64_t LaborTimeZone::StartOfDayMs(const privacy::Date& day) const {
  const int64_t days = DayNumber(day);
  if (zone_ == nullptr) {
    return days * 86'400'000;
  }
  const date::local_days midnight{date::days(days)};
  // earliest: a midnight that happens twice (clocks go back at midnight) starts at the first;
  // one that never happens (clocks go forward) at the instant the day begins.
  const auto start = zone_->to_sys(midnight, date::choose::earliest);
  return std::chrono::duration_cast<milliseconds>(start.time_since_epoch()).count();
}

privacy::Date LaborDayOf(int64_t at_ms, const LaborTimeZone& zone) { return zone.DayOf(at_ms); }

StatusOr<privacy::Date> LaborDayOf(int64_t at_ms, std::string_view zone_name) {
  ENTREPOT_ASSIGN_OR_RETURN(LaborTimeZone zone, LaborTimeZone::Find(zone_name));
  return zone.DayOf(at_ms);
}

bool IsKnownTimeZone(std::string_view name) { return LaborTimeZone::Find(name).ok(); }

milliseconds UntilNextRun(int64_t now_ms, milliseconds every, const LaborTimeZone& zone,
                          milliseconds margin) {
  const int64_t next_day_ms = zone.StartOfDayMs(privacy::AddDays(zone.DayOf(now_ms), 1));
  const milliseconds until_midnight(next_day_ms - now_ms + margin.count());
  return std::max(milliseconds(1), std::min(every, until_midnight));
}

}  // namespace entrepot::server
