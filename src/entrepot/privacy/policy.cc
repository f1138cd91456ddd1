// Names, the default policy and dates. The TOML reader is in policy_toml.cc.
#include "entrepot/privacy/policy.h"

#include <charconv>
#include <cstdio>

namespace entrepot::privacy {

std::string_view ProfileName(Profile profile) {
  switch (profile) {
    case Profile::kCnilStrict:
      return "cnil-strict";
    case Profile::kFrConseilEtat2025:
      return "fr-conseil-etat-2025";
  }
  return "?";
}

std::string_view PurposeName(Purpose purpose) {
  switch (purpose) {
    case Purpose::kFlowManagement:
      return "flow_management";
    case Purpose::kCoaching:
      return "coaching";
    case Purpose::kQuality:
      return "quality";
    case Purpose::kSafety:
      return "safety";
    case Purpose::kProcessImprovement:
      return "process_improvement";
    case Purpose::kPlanning:
      return "planning";
    case Purpose::kEvaluation:
      return "evaluation";
    case Purpose::kTraining:
      return "training";
    case Purpose::kWorkingTime:
      return "working_time";
    case Purpose::kDiscipline:
      return "discipline";
    case Purpose::kDataProtection:
      return "data_protection";
    case Purpose::kOwnData:
      return "own_data";
  }
  return "?";
}

std::string_view DataClassName(DataClass data_class) {
  switch (data_class) {
    case DataClass::kOperational:
      return "operational";
    case DataClass::kLaborEvents:
      return "labor_events";
    case DataClass::kWorkerWeekly:
      return "worker_weekly";
    case DataClass::kTeamAggregates:
      return "team_aggregates";
    case DataClass::kAuditLog:
      return "audit_log";
  }
  return "?";
}

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kAdmin:
      return "admin";
    case Role::kSiteManager:
      return "site_manager";
    case Role::kSupervisor:
      return "supervisor";
    case Role::kHr:
      return "hr";
    case Role::kDpo:
      return "dpo";
    case Role::kWorker:
      return "worker";
  }
  return "?";
}

std::string_view ScopeName(Scope scope) {
  switch (scope) {
    case Scope::kSelf:
      return "self";
    case Scope::kOwnShiftAndZone:
      return "own_shift_and_zone";
    case Scope::kOwnTeam:
      return "own_team";
    case Scope::kSite:
      return "site";
  }
  return "?";
}

std::string_view PeriodName(Period period) {
  switch (period) {
    case Period::kCurrentShift:
      return "current_shift";
    case Period::kToday:
      return "today";
    case Period::kAllRetained:
      return "all_retained";
  }
  return "?";
}

std::string_view AttachmentName(Attachment attachment) {
  switch (attachment) {
    case Attachment::kLocation:
      return "location";
    case Attachment::kWorker:
      return "worker";
  }
  return "?";
}

std::string_view BucketName(Bucket bucket) {
  switch (bucket) {
    case Bucket::kHour:
      return "hour";
    case Bucket::kHalfDay:
      return "half_day";
    case Bucket::kDay:
      return "day";
    case Bucket::kWeek:
      return "week";
    case Bucket::kMonth:
      return "month";
  }
  return "?";
}

std::string_view WeeklyContentName(WeeklyContent content) {
  switch (content) {
    case WeeklyContent::kUnitsPerProcess:
      return "units_per_process";
    case WeeklyContent::kUnitsPerItemType:
      return "units_per_item_type";
    case WeeklyContent::kTimePerStation:
      return "time_per_station";
    case WeeklyContent::kErrorsPerCause:
      return "errors_per_cause";
    case WeeklyContent::kDailyBreakdown:
      return "daily_breakdown";
    case WeeklyContent::kHourlyBreakdown:
      return "hourly_breakdown";
    case WeeklyContent::kRawErrors:
      return "raw_errors";
    case WeeklyContent::kIdleTime:
      return "idle_time";
    case WeeklyContent::kRanking:
      return "ranking";
  }
  return "?";
}

std::string_view LanguageName(Language language) {
  switch (language) {
    case Language::kEnglish:
      return "en";
    case Language::kFrench:
      return "fr";
  }
  return "?";
}

Policy DefaultPolicy() {
  Policy policy;
  // Each grant is the narrowest that lets the feature work (ACC-01, ACC-02, DSR-01, RET-03).
  policy.access = {
      {Role::kSupervisor,
       DataClass::kLaborEvents,
       Scope::kOwnShiftAndZone,
       Period::kToday,
       {Purpose::kFlowManagement, Purpose::kCoaching, Purpose::kQuality}},
      {Role::kWorker,
       DataClass::kLaborEvents,
       Scope::kSelf,
       Period::kAllRetained,
       {Purpose::kOwnData}},
      {Role::kWorker,
       DataClass::kWorkerWeekly,
       Scope::kSelf,
       Period::kAllRetained,
       {Purpose::kOwnData}},
      {Role::kSupervisor,
       DataClass::kWorkerWeekly,
       Scope::kOwnTeam,
       Period::kAllRetained,
       {Purpose::kPlanning, Purpose::kTraining}},
      {Role::kHr,
       DataClass::kWorkerWeekly,
       Scope::kSite,
       Period::kAllRetained,
       {Purpose::kPlanning, Purpose::kTraining}},
      {Role::kSupervisor,
       DataClass::kTeamAggregates,
       Scope::kSite,
       Period::kAllRetained,
       {Purpose::kFlowManagement, Purpose::kQuality}},
      {Role::kSiteManager,
       DataClass::kTeamAggregates,
       Scope::kSite,
       Period::kAllRetained,
       {Purpose::kFlowManagement, Purpose::kPlanning, Purpose::kProcessImprovement}},
      // HR may read any worker's weeks for planning and training (ACC-02); the k-anonymous
      // team figures answer the same questions without naming anyone (IND-06, AGG-01), so a
      // question about a team never needs a read of its members' weeks.
      {Role::kHr,
       DataClass::kTeamAggregates,
       Scope::kSite,
       Period::kAllRetained,
       {Purpose::kPlanning, Purpose::kTraining}},
      {Role::kDpo,
       DataClass::kAuditLog,
       Scope::kSite,
       Period::kAllRetained,
       {Purpose::kDataProtection}},
      {Role::kWorker,
       DataClass::kAuditLog,
       Scope::kSelf,
       Period::kAllRetained,
       {Purpose::kOwnData}},
  };
  return policy;
}

StatusOr<Policy> LoadPolicyOrDefault(std::string_view toml_text) {
  if (toml_text.empty()) {
    return DefaultPolicy();
  }
  return ParsePolicyToml(toml_text);
}

std::string FormatDate(const Date& date) {
  char text[16];
  int year = static_cast<int>(date.year());
  auto month = static_cast<unsigned>(date.month());
  auto day = static_cast<unsigned>(date.day());
  std::snprintf(text, sizeof(text), "%04d-%02u-%02u", year, month, day);
  return text;
}

StatusOr<Date> ParseDate(std::string_view text) {
  auto bad = [&] {
    return Error(StatusCode::kInvalidArgument, "bad_date",
                 "\"" + std::string(text) + "\" is not a date written YYYY-MM-DD");
  };
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
    return bad();
  }
  int parts[3] = {0, 0, 0};
  const size_t starts[3] = {0, 5, 8};
  const size_t lengths[3] = {4, 2, 2};
  for (size_t i = 0; i < 3; ++i) {
    const char* begin = text.data() + starts[i];
    const char* end = begin + lengths[i];
    auto [stop, error] = std::from_chars(begin, end, parts[i]);
    if (error != std::errc() || stop != end || *begin == '-' || *begin == '+') {
      return bad();
    }
  }
  Date date{std::chrono::year(parts[0]), std::chrono::month(static_cast<unsigned>(parts[1])),
            std::chrono::day(static_cast<unsigned>(parts[2]))};
  if (!date.ok()) {
    return bad();
  }
  return date;
}

}  // namespace entrepot::privacy
