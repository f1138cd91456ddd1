#include "entrepot/privacy/labor_aggregate.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "entrepot/base/check.h"

namespace entrepot::privacy {

namespace {

// A group being computed: its members and sums.
struct Group {
  std::vector<uint64_t> members;
  int64_t units = 0;
  int64_t errors = 0;
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

std::map<std::string, Group> GroupFacts(const AggregateQuery& query,
                                        std::span<const LaborFact> facts) {
  std::map<std::string, Group> groups;
  for (const LaborFact& fact : facts) {
    if (!Matches(query.zone, fact.zone) || !Matches(query.process, fact.process) ||
        !Matches(query.team, fact.team) || !Matches(query.shift, fact.shift)) {
      continue;
    }
    Group& group = groups[ValueOf(fact, query.group_by)];
    group.members.push_back(fact.member);
    group.units += fact.units;
    group.errors += fact.errors;
  }
  for (auto& [name, group] : groups) {
    std::sort(group.members.begin(), group.members.end());
    group.members.erase(std::unique(group.members.begin(), group.members.end()),
                        group.members.end());
  }
  return groups;
}

// |a Δ b| for sorted unique vectors, stopping early once it reaches `limit`.
size_t SymmetricDifference(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b,
                           size_t limit) {
  size_t count = 0;
  auto i = a.begin();
  auto j = b.begin();
  while ((i != a.end() || j != b.end()) && count < limit) {
    if (j == b.end() || (i != a.end() && *i < *j)) {
      ++count;
      ++i;
    } else if (i == a.end() || *j < *i) {
      ++count;
      ++j;
    } else {
      ++i;
      ++j;
    }
  }
  return count;
}

// Suppresses the smallest answered cells until the suppressed ones hold >= k workers or
// nothing is left to suppress (complementary suppression, AGG-02).
void SuppressComplements(std::vector<AggregateCell>& cells,
                         const std::vector<std::vector<uint64_t>>& cohorts, size_t k) {
  std::vector<uint64_t> hidden;
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
  std::sort(answered.begin(), answered.end(),
            [&](size_t a, size_t b) { return cohorts[a].size() < cohorts[b].size(); });
  for (size_t index : answered) {
    std::sort(hidden.begin(), hidden.end());
    hidden.erase(std::unique(hidden.begin(), hidden.end()), hidden.end());
    if (hidden.size() >= k) {
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

QueryGuard::QueryGuard(int64_t min_group_size, bool differencing_protection)
    : min_group_size_(min_group_size), differencing_protection_(differencing_protection) {
  ENTREPOT_CHECK(min_group_size >= kMinGroupSizeFloor);
}

void QueryGuard::Reset() { histories_.clear(); }

bool QueryGuard::DiffersByFewerThanK(const History& history,
                                     const std::vector<uint64_t>& cohort) const {
  const auto k = static_cast<size_t>(min_group_size_);
  for (const std::vector<uint64_t>& earlier : history.cohorts) {
    const size_t difference = SymmetricDifference(earlier, cohort, k);
    if (difference > 0 && difference < k) {
      return true;
    }
  }
  return false;
}

StatusOr<AggregateAnswer> QueryGuard::Answer(std::string_view requester,
                                             const AggregateQuery& query,
                                             std::span<const LaborFact> facts) {
  if (requester.empty() || requester.size() > kMaxRequesterBytes) {
    return Error(StatusCode::kInvalidArgument, "bad_requester",
                 "the requester must be named in 1 to 128 bytes");
  }
  const auto k = static_cast<size_t>(min_group_size_);
  std::map<std::string, Group> groups = GroupFacts(query, facts);
  AggregateAnswer answer{min_group_size_, {}};
  std::vector<std::vector<uint64_t>> cohorts;
  auto found = histories_.find(requester);
  static const History kNoHistory;
  const History& history = found != histories_.end() ? found->second : kNoHistory;
  for (auto& [name, group] : groups) {
    AggregateCell cell{name, Suppression::kNone, {}, {}, {}};
    if (group.members.size() < k) {
      cell.suppression = Suppression::kBelowMinGroup;  // AGG-01.
    } else if (differencing_protection_ && DiffersByFewerThanK(history, group.members)) {
      cell.suppression = Suppression::kDifferencing;  // AGG-02.
    } else {
      cell.workers = static_cast<int64_t>(group.members.size());
      cell.units = group.units;
      cell.errors = group.errors;
    }
    answer.cells.push_back(std::move(cell));
    cohorts.push_back(std::move(group.members));
  }
  SuppressComplements(answer.cells, cohorts, k);
  // Remember what is about to be answered; refuse rather than forget (AGG-02).
  size_t new_cohorts = 0;
  size_t new_members = 0;
  for (size_t i = 0; i < answer.cells.size(); ++i) {
    if (answer.cells[i].suppression == Suppression::kNone) {
      ++new_cohorts;
      new_members += cohorts[i].size();
    } else {
      answer.cells[i].workers.reset();
      answer.cells[i].units.reset();
      answer.cells[i].errors.reset();
    }
  }
  if (!differencing_protection_ || new_cohorts == 0) {
    return answer;
  }
  if ((found == histories_.end() && histories_.size() >= kMaxRequesters) ||
      history.cohorts.size() + new_cohorts > kMaxCohortsPerRequester ||
      history.members + new_members > kMaxHistoryMembersPerRequester) {
    return Error(StatusCode::kResourceExhausted, "query_history_full",
                 "too many aggregate queries today for differencing protection; the history "
                 "is cleared at the end of the day");
  }
  History& mine = histories_[std::string(requester)];
  for (size_t i = 0; i < answer.cells.size(); ++i) {
    if (answer.cells[i].suppression == Suppression::kNone) {
      mine.members += cohorts[i].size();
      mine.cohorts.push_back(std::move(cohorts[i]));
    }
  }
  return answer;
}

}  // namespace entrepot::privacy
