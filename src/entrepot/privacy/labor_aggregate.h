// File: labor_aggregate.h
//
// Group figures of the labor stream by zone, process, team and shift (IND-06), answered
// only for groups of at least k distinct workers (AGG-01) and protected against
// differencing (AGG-02): QueryGuard remembers, per requester and for the day, the cohort
// (the set of workers) behind every figure it has answered, and suppresses a new cell
// whose cohort differs from an earlier one by 1 to k-1 workers, since subtracting the two
// figures would single those workers out. When cells are suppressed for size, further
// cells are suppressed until the suppressed cells together hold at least k workers
// (complementary suppression), so that a total minus the answered cells does not isolate
// them either. A suppressed cell carries no figure at all, never a zero.
//
// The facts come from the caller (store/labor_store.h builds them from today's events, or
// from the team-week rows of the end-of-day roll-up); members are opaque 64-bit ids, stable
// within a PERIOD (a day's are derived from the day pseudonym, a week's from the week key)
// and unrelated across periods. A worker of several periods is therefore several members,
// so counts of people are never added across periods: the size of a cohort, for k, is the
// largest number of distinct members in ONE of its periods (a lower bound of the distinct
// workers behind it), and two cohorts differ by the largest number of differing members in
// one period. Over a single period (today) these are the plain counts. Pure logic: no I/O,
// no clock. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "entrepot/base/status.h"
#include "entrepot/privacy/policy.h"

namespace entrepot::privacy {

// AGG-01: the smallest k the engine ever applies, whatever the policy says.
inline constexpr int64_t kMinGroupSizeFloor = 5;
// The k in force: the policy's aggregates.min_group_size, raised to kMinGroupSizeFloor.
int64_t EffectiveMinGroupSize(const Policy& policy);

// Bounds of the per-requester history (more gives kResourceExhausted
// "query_history_full": answering would mean forgetting what the requester already knows).
inline constexpr size_t kMaxCohortsPerRequester = 500;
inline constexpr size_t kMaxHistoryMembersPerRequester = 1'000'000;
inline constexpr size_t kMaxRequesters = 10'000;
inline constexpr size_t kMaxRequesterBytes = 128;

enum class LaborDimension { kNone, kZone, kProcess, kTeam, kShift };
// "none", "zone", "process", "team", "shift".
std::string_view LaborDimensionName(LaborDimension dimension);
// The inverse; kInvalidArgument "bad_dimension" otherwise.
StatusOr<LaborDimension> ParseLaborDimension(std::string_view name);

// One worker's activity in one (zone, process) in one period (today, or an ISO week), with
// the worker's team and shift ("" when the worker has no assignment).
struct LaborFact {
  uint64_t member = 0;
  std::string zone;
  std::string process;
  std::string team;
  std::string shift;
  int64_t units = 0;
  int64_t errors = 0;
  int64_t period = 0;       // 0 for today's facts; the week (days since 1970 of its Monday).
  int64_t ms = 0;           // Session time attributed to the activity (weekly facts).
  int64_t standard_ms = 0;  // Time the units would take at the engineered standard.
};

// Keep only facts whose dimension equals the given value; group the rest by `group_by`.
struct AggregateQuery {
  std::optional<std::string> zone{};
  std::optional<std::string> process{};
  std::optional<std::string> team{};
  std::optional<std::string> shift{};
  LaborDimension group_by = LaborDimension::kNone;
};

enum class Suppression {
  kNone,
  kBelowMinGroup,  // "below_min_group": fewer than k workers (AGG-01).
  kDifferencing,   // "differencing": 1..k-1 workers away from an answered cohort (AGG-02).
  kComplementary,  // "complementary": hides the small cells from a total minus the rest.
};
std::string_view SuppressionName(Suppression suppression);

// One group. When suppressed, no figure is present (never reported as zero).
struct AggregateCell {
  std::string group;  // The group's value; "" for kNone and for unassigned workers.
  Suppression suppression = Suppression::kNone;
  // Distinct members summed over the periods: workers over one period (today), worker-weeks
  // over weeks.
  std::optional<int64_t> workers;
  std::optional<int64_t> units;
  std::optional<int64_t> errors;
  std::optional<int64_t> ms;           // Sum of the facts' ms.
  std::optional<int64_t> standard_ms;  // Sum of the facts' standard_ms.
};

struct AggregateAnswer {
  int64_t min_group_size = 0;
  std::vector<AggregateCell> cells;  // Sorted by group.
};

// An engineered labor standard of one process: the time one unit takes, plus a travel
// allowance in percent of it (walking between locations). Team level only: it is compared
// with the output of groups of at least k workers, never of a person.
struct ProcessStandard {
  double seconds_per_unit = 0;
  double travel_allowance_percent = 0;
};
// By labor process name ("pick", "pack", ...); a process without a standard is left out of
// a standard-vs-actual comparison.
using ProcessStandards = std::map<std::string, ProcessStandard, std::less<>>;
inline constexpr double kMaxStandardSecondsPerUnit = 3600;
inline constexpr double kMaxTravelAllowancePercent = 500;
// kInvalidArgument "bad_standard" unless 0 < seconds_per_unit <= kMaxStandardSecondsPerUnit
// and 0 <= travel_allowance_percent <= kMaxTravelAllowancePercent (both finite).
Status ValidateStandard(const ProcessStandard& standard);
// The milliseconds `units` take at `standard`, allowance included (rounded).
int64_t StandardMs(const ProcessStandard& standard, int64_t units);

class QueryGuard {
 public:
  // REQUIRES: min_group_size >= kMinGroupSizeFloor.
  QueryGuard(int64_t min_group_size, bool differencing_protection);

  // A cohort: (period, member) pairs, sorted and unique.
  using Cohort = std::vector<std::pair<int64_t, uint64_t>>;

  // Answers `query` over `facts` for `requester` (an account id or login: whoever must not
  // combine answers) and remembers the answered cohorts (each distinct cohort once). A cell
  // is answered when its cohort holds at least k distinct members in one period (AGG-01).
  // `remembered`, when not null, receives the cohorts this answer added to the history (the
  // caller keeps them, to Remember them after a restart). Errors: kInvalidArgument
  // "bad_requester" (empty or over kMaxRequesterBytes); kResourceExhausted
  // "query_history_full" (nothing is answered or remembered).
  StatusOr<AggregateAnswer> Answer(std::string_view requester, const AggregateQuery& query,
                                   std::span<const LaborFact> facts,
                                   std::vector<Cohort>* remembered = nullptr);

  // Adds `cohorts` to the history of `requester`, as Answer remembered them (a history kept
  // by the caller, loaded back after a restart); a cohort already known is skipped. Errors:
  // "bad_requester"; kInvalidArgument "bad_cohort" (not sorted and unique);
  // "query_history_full" (nothing is added).
  Status Remember(std::string_view requester, std::span<const Cohort> cohorts);

  // Forgets every history: call when the members change (a new day's facts) or when the
  // caller's history period ends (see LaborStore).
  void Reset();

  int64_t min_group_size() const { return min_group_size_; }

 private:
  struct History {
    std::vector<Cohort> cohorts;  // Distinct cohorts answered: asking one again adds nothing.
    size_t members = 0;
  };
  // Adds the cohorts of `cohorts` not yet known to `requester`'s history, each once, and
  // appends them to `added` when not null; "query_history_full" adds none.
  Status AddToHistory(std::string_view requester, std::vector<Cohort> cohorts,
                      std::vector<Cohort>* added);
  // True when `cohort` is 1 to k-1 members (in one period) away from a remembered cohort.
  bool DiffersByFewerThanK(const History& history, const Cohort& cohort) const;

  int64_t min_group_size_;
  bool differencing_protection_;
  std::map<std::string, History, std::less<>> histories_;
};

}  // namespace entrepot::privacy
