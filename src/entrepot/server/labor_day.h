// File: labor_day.h
//
// Labor days in the site's time zone (docs/LABOR.md, "Labor days"). A labor day runs from
// local midnight to local midnight in the policy's labor.time_zone (an IANA name, "UTC" by
// default), so that a French warehouse's day ends at midnight in Paris, in winter and summer
// time alike, and a night shift's sign-in at 22:00 local belongs to that evening's day. The
// end of the labor day starts the roll-up that destroys its key (RET-01).
//
// The conversion reads the operating system's tz database (/usr/share/zoneinfo, Debian's
// tzdata) through Howard Hinnant's date library (libdate-tz), once per zone; "UTC" needs no
// database. The date arithmetic of privacy/ stays pure: this is where the I/O is.
//
// Thread safety: a LaborTimeZone is immutable once found and may be shared by threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "entrepot/base/status.h"
#include "entrepot/privacy/policy.h"

namespace date {
class time_zone;  // date/tz.h, kept out of this header.
}  // namespace date

namespace entrepot::server {

class LaborTimeZone {
 public:
  // UTC.
  LaborTimeZone() = default;
  // The zone named `name` ("Europe/Paris"; "UTC" without the database). Errors:
  // kFailedPrecondition "unknown_time_zone" (no such zone in the tz database, or the
  // database cannot be read: the message says which).
  static StatusOr<LaborTimeZone> Find(std::string_view name);

  const std::string& name() const { return name_; }
  // The local calendar day of `at_ms` (Unix milliseconds).
  privacy::Date DayOf(int64_t at_ms) const;
  // The first instant of the local day `day`, in Unix milliseconds: local midnight, or the
  // first local time after it when a clock change skips midnight.
  int64_t StartOfDayMs(const privacy::Date& day) const;

 private:
  const date::time_zone* zone_ = nullptr;  // Null: UTC. Owned by the process's tz database.
  std::string name_ = "UTC";
};

// The labor day of `at_ms` in the site's `zone`.
privacy::Date LaborDayOf(int64_t at_ms, const LaborTimeZone& zone);

// The labor day of `at_ms` in the zone named `zone_name` (the policy's labor.time_zone,
// which the server checked at start). Errors: those of LaborTimeZone::Find.
StatusOr<privacy::Date> LaborDayOf(int64_t at_ms, std::string_view zone_name);

// Whether the tz database knows `name`: the privacy::TimeZoneLookup that CheckPolicy and
// LoadLawfulPolicy take, so that `entrepot policy check` and `entrepot serve` refuse an
// unknown labor.time_zone.
bool IsKnownTimeZone(std::string_view name);

// How long the end-of-day job waits after a run at `now_ms`: `every`, or less so that it
// runs just after the next local midnight (plus `margin`, so that the clock it reads then
// is past midnight), whichever comes first.
std::chrono::milliseconds UntilNextRun(int64_t now_ms, std::chrono::milliseconds every,
                                       const LaborTimeZone& zone,
                                       std::chrono::milliseconds margin = std::chrono::seconds(1));

}  // namespace entrepot::server
