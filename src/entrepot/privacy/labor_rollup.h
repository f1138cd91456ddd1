// File: labor_rollup.h
//
// The end-of-day roll-up of the labor stream (docs/LABOR.md): one day's device sessions and
// the scans made in them, each session under the worker's day pseudonym, become per-worker
// totals that are added to the worker's WEEKLY aggregate (IND-08: units per process, error
// counts per cause, time per zone). The totals carry no time of day and no list of events,
// and a weekly row never says which day contributed (IND-07, IND-08: no daily or hourly
// breakdown, no raw error list). The same pass gives each worker's activity per process and
// zone, which the roll-up adds to the TEAM-week rows (team, shift, process, zone) under a
// member token that links back to nobody once the week key is destroyed (IND-06, AGG-04,
// RET-02). Also here: the labels a labor event may carry, and ISO weeks. Pure logic: no I/O,
// no clock.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "entrepot/base/status.h"
#include "entrepot/privacy/labor_pseudonym.h"
#include "entrepot/privacy/policy.h"

namespace entrepot::privacy {

// Limits on the labels of labor events and assignments.
inline constexpr size_t kMaxLaborLabelBytes = 64;
inline constexpr int64_t kMaxUnitsPerScan = 1'000'000;

// The outcome class of an accepted scan. Everything else is an error cause (an outcome name
// such as "wrong_location"). A scan accepted with a bin flagged for re-verification counts
// as "ok": the stow speed flag belongs to the bin, never to the worker (IND-01).
inline constexpr std::string_view kOutcomeOk = "ok";

// Checks a label (device, process, zone, outcome class, team, shift): 1..kMaxLaborLabelBytes
// characters from [A-Za-z0-9._:/-]. `what` names the field in the message. Returns
// kInvalidArgument "bad_label" otherwise. An empty zone is allowed by callers that say so.
Status ValidateLaborLabel(std::string_view label, std::string_view what);

// The Monday of the ISO week containing `day`: the key of weekly aggregates (AGG-03).
Date WeekStart(const Date& day);
// "2026-W19".
std::string IsoWeekName(const Date& day);
// The Monday of an ISO week named as IsoWeekName does ("2026-W19"). Returns
// kInvalidArgument "bad_week" for anything else, or a week 53 the year does not have.
StatusOr<Date> ParseIsoWeek(std::string_view text);
// The first day on which the aggregates of the week starting `week_start` are expired:
// they are kept during their week and `retention_weeks` full weeks after it (RET-02).
// REQUIRES: retention_weeks >= 0.
Date WeekExpiryDay(const Date& week_start, int64_t retention_weeks);
// `day` shifted by `days` (may be negative).
Date AddDays(const Date& day, int64_t days);

// What one worker did, summed over a day or a week (IND-08). Time per zone is the time of
// the worker's sessions attributed to the zone of the scans (see DayRollUp); it is not idle
// time, and a session without a scan counts under the zone "" (IND-02, IND-09).
struct WorkerTotals {
  std::map<std::string, int64_t> units_per_process;
  std::map<std::string, int64_t> errors_per_cause;
  std::map<std::string, int64_t> ms_per_zone;
  // Adds `other` into this.
  void Add(const WorkerTotals& other);
  friend bool operator==(const WorkerTotals&, const WorkerTotals&) = default;
};

// One worker's activity in one process and zone over a day or week (team-level rows only).
struct Activity {
  int64_t units = 0;   // Units of accepted scans.
  int64_t errors = 0;  // Scans of any other outcome class.
  int64_t ms = 0;      // Session time attributed to the process and zone (as ms_per_zone).
  friend bool operator==(const Activity&, const Activity&) = default;
};
// (process, zone); ("", "") for the time of a session without scans.
using ActivityKey = std::pair<std::string, std::string>;
using Activities = std::map<ActivityKey, Activity>;

// The member of a team-week row: the first 8 bytes of HMAC-SHA-256(week key,
// "entrepot-labor-team-v1:" + decimal id). Stable within the week, so the distinct workers of
// a team-week cell can be counted (AGG-01); unrelated to the worker's week pseudonym (the
// team rows cannot be joined to the per-worker rows without the key) and to other weeks'
// tokens; unlinkable to anyone once the week key is destroyed (RET-02, AGG-04).
// REQUIRES: !week_key.IsZero().
uint64_t TeamMemberOf(const SecretKey& week_key, int64_t worker_id);

// Accumulates one day's sessions, fed in order: BeginSession, its scans in time order,
// EndSession; then the next session. Session time is split between zones: the time up to a
// scan goes to that scan's zone, and the time from the last scan to the end of the session
// to the last scan's zone. Times that go backwards count as zero, never negative.
class DayRollUp {
 public:
  // REQUIRES: no session is open.
  void BeginSession(const Pseudonym& worker, int64_t start_ms);
  // REQUIRES: a session is open; units >= 0. Units count only when outcome_class is "ok";
  // any other class counts one error under that cause.
  void Scan(std::string_view process, std::string_view zone, std::string_view outcome_class,
            int64_t units, int64_t at_ms);
  // Closes the open session at `end_ms` (REQUIRES: a session is open). A session still
  // open at the end of the day is closed by the caller at its last event.
  void EndSession(int64_t end_ms);

  // The totals per day pseudonym. REQUIRES: no session is open.
  const std::map<Pseudonym, WorkerTotals>& totals() const;
  // The activity per (process, zone) per day pseudonym, time split as for ms_per_zone (the
  // time after the last scan goes to the last scan's process and zone). REQUIRES: no
  // session is open.
  const std::map<Pseudonym, Activities>& activities() const;

 private:
  std::map<Pseudonym, WorkerTotals> totals_;
  std::map<Pseudonym, Activities> activities_;
  std::optional<Pseudonym> open_;
  int64_t last_ms_ = 0;
  std::optional<std::string> last_zone_;
  ActivityKey last_activity_;
};

}  // namespace entrepot::privacy
