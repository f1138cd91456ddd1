#include "entrepot/privacy/labor_aggregate.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <utility>

#include "entrepot/base/check.h"
#include "entrepot/base/status_macros.h"

namespace entrepot::privacy {

namespace {

using Cohort = QueryGuard::Cohort;

// A group being computed: its members and sums.
struct Group {
  Cohort members;
  int64_t units = 0;
  int64_t errors = 0;
  int64_t ms = 0;
  int64_t standard_ms = 0;
};

bool Matches(const std::optional<std::string>& filter, const std::string& value) {
  return !filter.has_value() || *filter == value;
}

const std::string& ValueOf(const LaborFact& fact, LaborDimension dimension) {
  static const std::string kEmpty;
  switch (dimension) {
    case LaborDimension::kZone:
      return fact.zone;
    case LaborDimension::kProcess:
      return fact.process;
    case LaborDimension::kTeam:
      return fact.team;
    case LaborDimension::kShift:
      return fact.shift;
    case LaborDimension::kNone:
      break;
  }
  return kEmpty;
}

void SortUnique(Cohort& cohort) {
  std::sort(cohort.begin(), cohort.end());
  cohort.erase(std::unique(cohort.begin(), cohort.end()), cohort.end());
}

std::map<std::string, Group> GroupFacts(const AggregateQuery& query,
                                        std::span<const LaborFact> facts) {
  std::map<std::string, Group> groups;
  for (const LaborFact& fact : facts) {
    if (!Matches(query.zone, fact.zone) || !Matches(query.process, fact.process) ||
        !Matches(query.team, fact.team) || !Matches(query.shift, fact.shift)) {
      continue;
    }
    Group& group = groups[ValueOf(fact, query.group_by)];
    group.members.emplace_back(fact.period, fact.member);
    group.units += fact.units;
    group.errors += fact.errors;
    group.ms += fact.ms;
    group.standard_ms += fact.standard_ms;
  }
  for (auto& [name, group] : groups) {
    SortUnique(group.members);
  }
  return groups;
}

// The size of a sorted unique cohort for k: the most members it holds in one period. Members
// of different periods may be the same worker, so they are never added up.
size_t LargestPeriod(const Cohort& cohort) {
  size_t largest = 0;
  size_t run = 0;
  for (size_t i = 0; i < cohort.size(); ++i) {
    run = (i > 0 && cohort[i].first == cohort[i - 1].first) ? run + 1 : 1;
    largest = std::max(largest, run);
  }
  return largest;
}

// How far apart two sorted unique cohorts are: the most differing members in one period,
// stopping early once it reaches `limit`.
size_t Difference(const Cohort& a, const Cohort& b, size_t limit) {
  size_t largest = 0;
  size_t run = 0;
  int64_t period = 0;
  auto count = [&](int64_t member_period) {
    run = (run > 0 && member_period == period) ? run + 1 : 1;
    period = member_period;
    largest = std::max(largest, run);
  };
  auto i = a.begin();
  auto j = b.begin();
  while ((i != a.end() || j != b.end()) && largest < limit) {
    if (j == b.end() || (i != a.end() && *i < *j)) {
      count(i->first);
      ++i;
    } else if (i == a.end() || *j < *i) {
      count(j->first);
      ++j;
    } else {
      ++i;
      ++j;
    }
  }
  return largest;
}

// Suppresses the smallest answered cells until the suppressed ones hold >= k workers or
// nothing is left to suppress (complementary suppression, AGG-02).
void SuppressComplements(std::vector<AggregateCell>& cells, const std::vector<Cohort>& cohorts,
                         size_t k) {
  Cohort hidden;
  std::vector<size_t> answered;
  for (size_t i = 0; i < cells.size(); ++i) {
    if (cells[i].suppression == Suppression::kNone) {
      answered.push_back(i);
    } else {
      hidden.insert(hidden.end(), cohorts[i].begin(), cohorts[i].end());
    }
  }
  if (hidden.empty()) {
    return;
  }
  std::sort(answered.begin(), answered.end(), [&](size_t a, size_t b) {
    return LargestPeriod(cohorts[a]) < LargestPeriod(cohorts[b]);
  });
  for (size_t index : answered) {
    SortUnique(hidden);
    if (LargestPeriod(hidden) >= k) {
      return;
    }
    cells[index].suppression = Suppression::kComplementary;
    hidden.insert(hidden.end(), cohorts[index].begin(), cohorts[index].end());
  }
}

}  // namespace

int64_t EffectiveMinGroupSize(const Policy& policy) {
  return std::max(policy.aggregates.min_group_size, kMinGroupSizeFloor);
}

std::string_view LaborDimensionName(LaborDimension dimension) {
  switch (dimension) {
    case LaborDimension::kNone:
      return "none";
    case LaborDimension::kZone:
      return "zone";
    case LaborDimension::kProcess:
      return "process";
    case LaborDimension::kTeam:
      return "team";
    case LaborDimension::kShift:
      return "shift";
  }
  return "none";
}

StatusOr<LaborDimension> ParseLaborDimension(std::string_view name) {
  for (LaborDimension dimension :
       {LaborDimension::kNone, LaborDimension::kZone, LaborDimension::kProcess,
        LaborDimension::kTeam, LaborDimension::kShift}) {
    if (LaborDimensionName(dimension) == name) {
      return dimension;
    }
  }
  return Error(StatusCode::kInvalidArgument, "bad_dimension",
               "group by one of none, zone, process, team, shift");
}

std::string_view SuppressionName(Suppression suppression) {
  switch (suppression) {
    case Suppression::kNone:
      return "none";
    case Suppression::kBelowMinGroup:
      return "below_min_group";
    case Suppression::kDifferencing:
      return "differencing";
    case Suppression::kComplementary:
      return "complementary";
  }
  return "none";
}

Status ValidateStandard(const ProcessStandard& standard) {
  const bool good = std::isfinite(standard.seconds_per_unit) && standard.seconds_per_unit > 0 &&
                    standard.seconds_per_unit <= kMaxStandardSecondsPerUnit &&
                    std::isfinite(standard.travel_allowance_percent) &&
                    standard.travel_allowance_percent >= 0 &&
                    standard.travel_allowance_percent <= kMaxTravelAllowancePercent;
  if (!good) {
    return Error(StatusCode::kInvalidArgument, "bad_standard",
                 "a labor standard is 0 to 3600 seconds per unit (not 0) and a travel "
                 "allowance of 0 to 500 percent");
  }
  return OkStatus();
}

int64_t StandardMs(const ProcessStandard& standard, int64_t units) {
  return std::llround(static_cast<double>(units) * standard.seconds_per_unit *
                      (1.0 + standard.travel_allowance_percent / 100.0) * 1000.0);
}

QueryGuard::QueryGuard(int64_t min_group_size, bool differencing_protection)
    : min_group_size_(min_group_size), differencing_protection_(differencing_protection) {
  ENTREPOT_CHECK(min_group_size >= kMinGroupSizeFloor);
}

void QueryGuard::Reset() { histories_.clear(); }

bool QueryGuard::DiffersByFewerThanK(const History& history, const Cohort& cohort) const {
  const auto k = static_cast<size_t>(min_group_size_);
  for (const Cohort& earlier : history.cohorts) {
    const size_t difference = Difference(earlier, cohort, k);
    if (difference > 0 && difference < k) {
      return true;
    }
  }
  return false;
}

namespace {

Status CheckRequester(std::string_view requester) {
  if (requester.empty() || requester.size() > kMaxRequesterBytes) {
    return Error(StatusCode::kInvalidArgument, "bad_requester",
                 "the requester must be named in 1 to 128 bytes");
  }
  return OkStatus();
}

}  // namespace

Status QueryGuard::Remember(std::string_view requester, std::span<const Cohort> cohorts) {
  ENTREPOT_RETURN_IF_ERROR(CheckRequester(requester));
  for (const Cohort& cohort : cohorts) {
    if (std::adjacent_find(cohort.begin(), cohort.end(),
                           [](const auto& a, const auto& b) { return !(a < b); }) != cohort.end()) {
      return Error(StatusCode::kInvalidArgument, "bad_cohort",
                   "a remembered cohort must be sorted and without duplicates");
    }
  }
  return AddToHistory(requester, std::vector<Cohort>(cohorts.begin(), cohorts.end()), nullptr);
}

Status QueryGuard::AddToHistory(std::string_view requester, std::vector<Cohort> cohorts,
                                std::vector<Cohort>* added) {
  auto found = histories_.find(requester);
  static const History kNoHistory;
  const History& history = found != histories_.end() ? found->second : kNoHistory;
  // Each distinct cohort once: a dashboard asking the same question again learns nothing new.
  std::vector<Cohort> fresh;
  size_t new_members = 0;
  for (Cohort& cohort : cohorts) {
    const bool known = std::find(history.cohorts.begin(), history.cohorts.end(), cohort) !=
                           history.cohorts.end() ||
                       std::find(fresh.begin(), fresh.end(), cohort) != fresh.end();
    if (!known) {
      new_members += cohort.size();
      fresh.push_back(std::move(cohort));
    }
  }
  if (fresh.empty()) {
    return OkStatus();
  }
  // Refuse rather than forget (AGG-02).
  if ((found == histories_.end() && histories_.size() >= kMaxRequesters) ||
      history.cohorts.size() + fresh.size() > kMaxCohortsPerRequester ||
      history.members + new_members > kMaxHistoryMembersPerRequester) {
    return Error(StatusCode::kResourceExhausted, "query_history_full",
                 "too many different aggregate queries for differencing protection; the "
                 "history is cleared when its period ends (docs/LABOR.md)");
  }
  History& mine = histories_[std::string(requester)];
  for (Cohort& cohort : fresh) {
    mine.members += cohort.size();
    if (added != nullptr) {
      added->push_back(cohort);
    }
    mine.cohorts.push_back(std::move(cohort));
  }
  return OkStatus();
}

StatusOr<AggregateAnswer> QueryGuard::Answer(std::string_view requester,
                                             const AggregateQuery& query,
                                             std::span<const LaborFact> facts,
                                             std::vector<Cohort>* remembered) {
  ENTREPOT_RETURN_IF_ERROR(CheckRequester(requester));
  const auto k = static_cast<size_t>(min_group_size_);
  std::map<std::string, Group> groups = GroupFacts(query, facts);
  AggregateAnswer answer{min_group_size_, {}};
  std::vector<Cohort> cohorts;
  auto found = histories_.find(requester);
  static const History kNoHistory;
  const History& history = found != histories_.end() ? found->second : kNoHistory;
  for (auto& [name, group] : groups) {
    AggregateCell cell{name, Suppression::kNone, {}, {}, {}, {}, {}};
    if (LargestPeriod(group.members) < k) {
      cell.suppression = Suppression::kBelowMinGroup;  // AGG-01.
    } else if (differencing_protection_ && DiffersByFewerThanK(history, group.members)) {
      cell.suppression = Suppression::kDifferencing;  // AGG-02.
    } else {
      cell.workers = static_cast<int64_t>(group.members.size());
      cell.units = group.units;
      cell.errors = group.errors;
      cell.ms = group.ms;
      cell.standard_ms = group.standard_ms;
    }
    answer.cells.push_back(std::move(cell));
    cohorts.push_back(std::move(group.members));
  }
  SuppressComplements(answer.cells, cohorts, k);
  std::vector<Cohort> answered;
  for (size_t i = 0; i < answer.cells.size(); ++i) {
    AggregateCell& cell = answer.cells[i];
    if (cell.suppression == Suppression::kNone) {
      answered.push_back(std::move(cohorts[i]));
      continue;
    }
    for (std::optional<int64_t>* figure :
         {&cell.workers, &cell.units, &cell.errors, &cell.ms, &cell.standard_ms}) {
      figure->reset();  // No figure, not even 0.
    }
  }
  if (differencing_protection_) {
    // Remember what is about to be answered; nothing is answered when it cannot be.
    ENTREPOT_RETURN_IF_ERROR(AddToHistory(requester, std::move(answered), remembered));
  }
  return answer;
}

}  // namespace entrepot::privacy
