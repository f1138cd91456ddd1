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
// The facts come from the caller (store/labor_store.h builds them from today's events);
// members are opaque 64-bit ids stable for the day (derived from day pseudonyms). Pure logic:
// no I/O, no clock. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
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

// One worker's activity in one (zone, process) today, with the worker's team and shift of
// the day ("" when the worker has no assignment).
struct LaborFact {
  uint64_t member = 0;
  std::string zone;
  std::string process;
  std::string team;
  std::string shift;
  int64_t units = 0;
  int64_t errors = 0;
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

// One group. When suppressed, workers/units/errors are absent (never reported as zero).
struct AggregateCell {
  std::string group;  // The group's value; "" for kNone and for unassigned workers.
  Suppression suppression = Suppression::kNone;
  std::optional<int64_t> workers;
  std::optional<int64_t> units;
  std::optional<int64_t> errors;
};

struct AggregateAnswer {
  int64_t min_group_size = 0;
  std::vector<AggregateCell> cells;  // Sorted by group.
};

class QueryGuard {
 public:
  // REQUIRES: min_group_size >= kMinGroupSizeFloor.
  QueryGuard(int64_t min_group_size, bool differencing_protection);

  // Answers `query` over `facts` for `requester` (an account id or login: whoever must not
  // combine answers) and remembers the answered cohorts. Errors: kInvalidArgument
  // "bad_requester" (empty or over kMaxRequesterBytes); kResourceExhausted
  // "query_history_full" (nothing is answered or remembered).
  StatusOr<AggregateAnswer> Answer(std::string_view requester, const AggregateQuery& query,
                                   std::span<const LaborFact> facts);

  // Forgets every history: call when the day changes (the facts are a new day's).
  void Reset();

  int64_t min_group_size() const { return min_group_size_; }

 private:
  struct History {
    std::vector<std::vector<uint64_t>> cohorts;  // Each sorted, unique.
    size_t members = 0;
  };
  bool DiffersByFewerThanK(const History& history, const std::vector<uint64_t>& cohort) const;

  int64_t min_group_size_;
  bool differencing_protection_;
  std::map<std::string, History, std::less<>> histories_;
};

}  // namespace entrepot::privacy
