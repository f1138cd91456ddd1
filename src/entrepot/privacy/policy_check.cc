// CheckPolicy(): one function per section of the policy, each naming the rule ids it
// enforces. Hard findings are what the rule base marks (X) or a product cap; warnings are
// values below a default the rule base recommends.
#include "entrepot/privacy/policy_check.h"

#include <algorithm>
#include <initializer_list>
#include <utility>

#include "entrepot/base/check.h"
#include "entrepot/privacy/rules.h"

namespace entrepot::privacy {
namespace {

// What differs between the two readings of the law (docs/POLICY.md, "Profiles").
struct ProfileRules {
  int64_t idle_threshold_floor_minutes;  // IND-02.
  int64_t display_delay_floor_minutes;   // IND-02, IND-03: under it is a hard violation.
  bool latency_allowed;                  // IND-03.
  bool stow_flag_on_worker_allowed;      // IND-01.
};

// cnil-strict takes as its floor the remediation the CNIL called positive (30 minutes, 2
// hours: SAN-2023-021 §§86, 102-103); the Conseil d'État's reading, 10 consecutive minutes
// and a delayed (not real-time) display.
ProfileRules RulesOf(Profile profile) {
  switch (profile) {
    case Profile::kCnilStrict:
      return {30, 120, false, false};
    case Profile::kFrConseilEtat2025:
      return {10, 1, true, true};
  }
  return {30, 120, false, false};
}

// The display delay the rule base sets as default for idle time (IND-02): under it, warn.
constexpr int64_t kRecommendedDisplayDelayMinutes = 120;
constexpr int64_t kMaxLaborEventsDays = 7;     // RET-01 hard maximum.
constexpr int64_t kMaxWorkerWeeklyWeeks = 52;  // RET-02: 12 months [D].
constexpr int64_t kMinAuditLogMonths = 6;      // RET-03.
constexpr int64_t kMaxAuditLogMonths = 12;     // RET-03, without a justification.
constexpr int64_t kMaxJustifiedAuditLogMonths = 36;
constexpr int64_t kMinGroupSizeFloor = 5;            // AGG-01 hard floor.
constexpr int64_t kRecommendedMinGroupSize = 10;     // AGG-01 default.
constexpr int64_t kWorksCouncilStaffThreshold = 50;  // C. trav. L2312-38.

bool Has(const std::vector<Purpose>& purposes, Purpose purpose) {
  return std::find(purposes.begin(), purposes.end(), purpose) != purposes.end();
}

bool In(Purpose purpose, std::initializer_list<Purpose> set) {
  return std::find(set.begin(), set.end(), purpose) != set.end();
}

std::string Quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

std::string Minutes(int64_t minutes) { return std::to_string(minutes) + " minutes"; }

// The names of the entries of `values` for which `keep` holds.
template <typename E, typename Predicate>
std::vector<std::string_view> NamesWhere(const std::vector<E>& values, std::string_view (*name)(E),
                                         Predicate keep) {
  std::vector<std::string_view> names;
  for (E value : values) {
    if (keep(value)) {
      names.push_back(name(value));
    }
  }
  return names;
}

class Checker {
 public:
  Checker(const Policy& policy, const Date& today, const TimeZoneLookup& known_zone)
      : policy_(policy), today_(today), known_zone_(known_zone), rules_(RulesOf(policy.profile)) {}

  std::vector<Violation> Run() && {
    CheckStowSpeed();
    CheckIdleTime();
    CheckLatency();
    CheckRealtimeIndividual();
    CheckWorkerWeekly();
    CheckRetention();
    CheckLaborDay();
    CheckAggregates();
    for (size_t i = 0; i < policy_.access.size(); ++i) {
      CheckGrant(i, policy_.access[i]);
    }
    CheckOwnAccess();
    CheckMonitoringRecords();
    CheckEvaluationMethods();
    CheckNotice();
    return std::move(violations_);
  }

 private:
  void Add(Severity severity, std::string_view rule_id, std::string key, std::string message) {
    const Rule* rule = FindRule(rule_id);
    ENTREPOT_CHECK(rule != nullptr);
    violations_.push_back(Violation{std::string(rule_id), severity, std::move(key),
                                    std::move(message), std::string(rule->source)});
  }
  void Hard(std::string_view rule_id, std::string key, std::string message) {
    Add(Severity::kHard, rule_id, std::move(key), std::move(message));
  }
  void Warn(std::string_view rule_id, std::string key, std::string message) {
    Add(Severity::kWarning, rule_id, std::move(key), std::move(message));
  }

  // One violation for all the entries of a list that break the same rule:
  // `lists "a", "b"; <why>`. Nothing when `entries` is empty.
  void HardListed(std::string_view rule_id, std::string key,
                  const std::vector<std::string_view>& entries, std::string_view why) {
    if (entries.empty()) {
      return;
    }
    std::string listed;
    for (std::string_view entry : entries) {
      listed += (listed.empty() ? "" : ", ") + Quoted(entry);
    }
    Hard(rule_id, std::move(key), "lists " + listed + "; " + std::string(why));
  }

  std::string_view ProfileText() const { return ProfileName(policy_.profile); }

  // IND-01: the inter-scan speed check serves bin quality, not worker scores.
  void CheckStowSpeed() {
    const StowSpeedCheck& stow = policy_.indicators.stow_speed_check;
    if (!stow.enabled) {
      return;
    }
    const std::string key = "indicators.stow_speed_check";
    HardListed("IND-01", key + ".purposes",
               NamesWhere(stow.purposes, PurposeName,
                          [](Purpose purpose) { return purpose != Purpose::kQuality; }),
               "the stow speed check may only detect handling errors (purpose \"quality\"), "
               "never feed a score, ranking, evaluation or discipline");
    if (stow.attach_to != Attachment::kWorker) {
      return;
    }
    if (!rules_.stow_flag_on_worker_allowed) {
      Hard("IND-01", key + ".attach_to",
           "is \"worker\": an inter-scan speed indicator per worker is refused under " +
               std::string(ProfileText()) +
               "; attach the flag to the \"location\" so the bin is re-checked");
      return;
    }
    monitoring_.push_back(key);
  }

  // IND-02 (and IND-09): nominative idle time only with all its safeguards.
  void CheckIdleTime() {
    const IdleTime& idle = policy_.indicators.idle_time;
    if (!idle.enabled) {
      return;
    }
    const std::string key = "indicators.idle_time";
    monitoring_.push_back(key);
    if (idle.threshold_minutes < rules_.idle_threshold_floor_minutes) {
      Hard("IND-02", key + ".threshold_minutes",
           "is " + std::to_string(idle.threshold_minutes) + "; under " +
               std::string(ProfileText()) + " nominative idle time starts from " +
               Minutes(rules_.idle_threshold_floor_minutes) + " without a scan at least");
    }
    if (!idle.breaks_excluded) {
      Hard("IND-02", key + ".breaks_excluded",
           "is false; declared break periods must never count as idle time");
    }
    CheckDisplayDelay("IND-02", key, idle.display_delay_minutes);
    if (idle.weekly_totals) {
      Hard("IND-02", key + ".weekly_totals",
           "is true; idle time is never counted per worker and week");
    }
    CheckInactivityPurposes("IND-02", key, idle.purposes);
  }

  // IND-03: latencies at shift start and end and around breaks.
  void CheckLatency() {
    const Latency& latency = policy_.indicators.latency;
    if (!latency.enabled) {
      return;
    }
    const std::string key = "indicators.latency";
    monitoring_.push_back(key);
    if (!rules_.latency_allowed) {
      Hard("IND-03", key + ".enabled",
           "is true; under " + std::string(ProfileText()) + " no indicator of latencies (" +
               std::to_string(latency.from_minutes) + " to " + Minutes(latency.to_minutes) +
               ") at shift start or end or around breaks is offered");
      CheckInactivityPurposes("IND-03", key, latency.purposes);
      return;
    }
    CheckDisplayDelay("IND-03", key, latency.display_delay_minutes);
    if (latency.weekly_totals) {
      Hard("IND-03", key + ".weekly_totals",
           "is true; latencies are never counted per worker and week");
    }
    CheckInactivityPurposes("IND-03", key, latency.purposes);
  }

  void CheckDisplayDelay(std::string_view rule_id, const std::string& key, int64_t delay) {
    if (delay < rules_.display_delay_floor_minutes) {
      Hard(rule_id, key + ".display_delay_minutes",
           "is " + std::to_string(delay) + "; supervisors may see it only after a delay of " +
               Minutes(rules_.display_delay_floor_minutes) + " at least under " +
               std::string(ProfileText()) + ", never in real time");
    } else if (delay < kRecommendedDisplayDelayMinutes) {
      Warn(rule_id, key + ".display_delay_minutes",
           "is " + std::to_string(delay) + "; the recommended delay is " +
               Minutes(kRecommendedDisplayDelayMinutes));
    }
  }

  // Inactivity measures serve only to resolve technical or process problems (IND-02), and
  // never working-time control (IND-09).
  void CheckInactivityPurposes(std::string_view rule_id, const std::string& key,
                               const std::vector<Purpose>& purposes) {
    HardListed(rule_id, key + ".purposes",
               NamesWhere(purposes, PurposeName,
                          [](Purpose purpose) {
                            return purpose != Purpose::kProcessImprovement &&
                                   purpose != Purpose::kWorkingTime;
                          }),
               "inactivity may only serve to resolve technical or process problems "
               "(\"process_improvement\"), never flow management, coaching, evaluation or "
               "discipline");
    if (Has(purposes, Purpose::kWorkingTime)) {
      Hard("IND-09", key + ".purposes",
           "lists \"working_time\"; scanner inactivity is never used for working-time control "
           "(working time comes from the time clock)");
    }
  }

  // IND-04, IND-07, IND-09: what real-time individual data may serve.
  void CheckRealtimeIndividual() {
    const RealtimeIndividual& realtime = policy_.indicators.realtime_individual;
    if (!realtime.enabled) {
      return;
    }
    const std::string key = "indicators.realtime_individual.purposes";
    const std::vector<Purpose>& purposes = realtime.purposes;
    HardListed("IND-04", key,
               NamesWhere(purposes, PurposeName,
                          [](Purpose purpose) {
                            return !In(purpose, {Purpose::kFlowManagement, Purpose::kCoaching,
                                                 Purpose::kQuality, Purpose::kSafety,
                                                 Purpose::kPlanning, Purpose::kEvaluation,
                                                 Purpose::kTraining, Purpose::kWorkingTime});
                          }),
               "real-time individual data serves flow management, coaching, quality and safety "
               "only");
    HardListed(
        "IND-07", key,
        NamesWhere(
            purposes, PurposeName,
            [](Purpose purpose) {
              return In(purpose, {Purpose::kPlanning, Purpose::kEvaluation, Purpose::kTraining});
            }),
        "day-level individual data is not used for planning, evaluation or training "
        "(use the weekly per-worker aggregates)");
    if (Has(purposes, Purpose::kWorkingTime)) {
      Hard("IND-09", key,
           "lists \"working_time\"; scan activity is never used for working-time control");
    }
  }

  // IND-07, IND-08, IND-02, IND-14, GOV-02: the weekly per-worker aggregates.
  void CheckWorkerWeekly() {
    const WorkerWeekly& weekly = policy_.indicators.worker_weekly;
    if (!weekly.enabled) {
      return;
    }
    const std::string key = "indicators.worker_weekly";
    if (weekly.bucket != Bucket::kWeek && weekly.bucket != Bucket::kMonth) {
      Hard("IND-07", key + ".bucket",
           "is " + Quoted(BucketName(weekly.bucket)) +
               "; individual history is kept per week (or coarser), never per hour, half day "
               "or day");
    }
    const std::vector<WeeklyContent>& contents = weekly.contents;
    HardListed("IND-08", key + ".contents",
               NamesWhere(contents, WeeklyContentName,
                          [](WeeklyContent content) {
                            return content == WeeklyContent::kDailyBreakdown ||
                                   content == WeeklyContent::kHourlyBreakdown ||
                                   content == WeeklyContent::kRawErrors;
                          }),
               "weekly reports hold weekly totals only, no daily or hourly breakdown and no raw "
               "error list");
    if (std::find(contents.begin(), contents.end(), WeeklyContent::kIdleTime) != contents.end()) {
      Hard("IND-02", key + ".contents",
           "lists \"idle_time\"; idle time is never counted per worker and week");
    }
    if (std::find(contents.begin(), contents.end(), WeeklyContent::kRanking) != contents.end()) {
      Hard("IND-14", key + ".contents",
           "lists \"ranking\"; workers are never ranked against each other");
    }
    HardListed("GOV-02", key + ".purposes",
               NamesWhere(weekly.purposes, PurposeName,
                          [](Purpose purpose) {
                            return !In(purpose, {Purpose::kPlanning, Purpose::kEvaluation,
                                                 Purpose::kTraining, Purpose::kFlowManagement,
                                                 Purpose::kCoaching});
                          }),
               "weekly per-worker aggregates serve planning, evaluation, training, reassignment "
               "(flow_management) and coaching only");
  }

  // RET-01, RET-02, RET-03.
  void CheckRetention() {
    const Retention& retention = policy_.retention;
    const std::string key = "retention";
    if (retention.labor_events_days > kMaxLaborEventsDays) {
      Hard("RET-01", key + ".labor_events_days",
           "is " + std::to_string(retention.labor_events_days) +
               "; raw worker-linked events are kept " + std::to_string(kMaxLaborEventsDays) +
               " days at most (the current day by default), then only weekly aggregates remain");
    } else if (retention.labor_events_days > 1) {
      Warn("RET-01", key + ".labor_events_days",
           "is " + std::to_string(retention.labor_events_days) +
               "; the recommended value is 1 (the current day)");
    }
    if (retention.worker_weekly_weeks > kMaxWorkerWeeklyWeeks) {
      Hard("RET-02", key + ".worker_weekly_weeks",
           "is " + std::to_string(retention.worker_weekly_weeks) +
               "; weekly per-worker aggregates are kept 52 weeks (12 months) at most");
    }
    CheckAuditRetention(key + ".audit_log_months", retention.audit_log_months);
  }

  // RET-01: the day key is destroyed at the end of the labor day, which ends at midnight in
  // the site's time zone; an unknown zone leaves no day to end.
  void CheckLaborDay() {
    if (known_zone_ && !known_zone_(policy_.labor.time_zone)) {
      Hard("RET-01", "labor.time_zone",
           "is \"" + policy_.labor.time_zone +
               "\", which the tz database does not know (IANA names such as "
               "\"Europe/Paris\"); the labor day ends at midnight in this zone, and with it the "
               "day key");
    }
  }

  void CheckAuditRetention(const std::string& key, int64_t months) {
    const std::string is = "is " + std::to_string(months) + "; ";
    if (months > kMaxJustifiedAuditLogMonths) {
      Hard("RET-03", key, is + "the audit log is kept 36 months at most");
    } else if (months > kMaxAuditLogMonths &&
               policy_.governance.audit_retention_justification.empty()) {
      Hard("RET-03", key,
           is + "more than 12 months needs a documented internal-control case in "
                "governance.audit_retention_justification");
    } else if (months < kMinAuditLogMonths) {
      Warn("RET-03", key,
           is + "the recommended period is 6 to 12 months, so that workers and the DPO can "
                "trace reads");
    }
  }

  // AGG-01, AGG-02.
  void CheckAggregates() {
    const Aggregates& aggregates = policy_.aggregates;
    const std::string key = "aggregates";
    const std::string is = "is " + std::to_string(aggregates.min_group_size) + "; ";
    if (aggregates.min_group_size < kMinGroupSizeFloor) {
      Hard("AGG-01", key + ".min_group_size",
           is + "an aggregate must count 5 distinct workers at least (hard floor)");
    } else if (aggregates.min_group_size < kRecommendedMinGroupSize) {
      Warn("AGG-01", key + ".min_group_size",
           is + "manager dashboards should count 10 distinct workers at least");
    }
    if (!aggregates.differencing_protection) {
      Hard("AGG-02", key + ".differencing_protection",
           "is false; overlapping queries whose difference isolates fewer than k workers must "
           "be refused or suppressed");
    }
  }

  // ACC-01, ACC-02, IND-04, RET-03, GOV-02: one access grant.
  void CheckGrant(size_t index, const AccessGrant& grant) {
    const std::string key = "access[" + std::to_string(index) + "]";
    if (Has(grant.purposes, Purpose::kOwnData) && grant.scope != Scope::kSelf) {
      Hard("GOV-02", key + ".purposes",
           "lists \"own_data\" with scope " + Quoted(ScopeName(grant.scope)) +
               "; \"own_data\" is a worker reading their own data (scope \"self\")");
    }
    switch (grant.data) {
      case DataClass::kOperational:
        CheckForbiddenPurposes(key, grant, "operational data",
                               {Purpose::kDiscipline, Purpose::kEvaluation, Purpose::kWorkingTime});
        return;
      case DataClass::kLaborEvents:
        CheckLaborEventsGrant(key, grant);
        return;
      case DataClass::kWorkerWeekly:
        CheckWorkerWeeklyGrant(key, grant);
        return;
      case DataClass::kTeamAggregates:
        CheckForbiddenPurposes(key, grant, "team aggregates",
                               {Purpose::kDiscipline, Purpose::kEvaluation, Purpose::kWorkingTime});
        return;
      case DataClass::kAuditLog:
        CheckAuditLogGrant(key, grant);
        return;
    }
  }

  void CheckForbiddenPurposes(const std::string& key, const AccessGrant& grant,
                              std::string_view what, std::initializer_list<Purpose> forbidden) {
    HardListed("GOV-02", key + ".purposes",
               NamesWhere(grant.purposes, PurposeName,
                          [forbidden](Purpose purpose) { return In(purpose, forbidden); }),
               std::string(what) + " name no worker and cannot be repurposed to judge a person");
  }

  // A grant's purposes must be among those the data class declares (GOV-02).
  void CheckDeclaredPurposes(const std::string& key, const AccessGrant& grant,
                             const std::vector<Purpose>& declared, std::string_view where) {
    HardListed("GOV-02", key + ".purposes",
               NamesWhere(grant.purposes, PurposeName,
                          [&declared](Purpose purpose) {
                            return purpose != Purpose::kOwnData && !Has(declared, purpose);
                          }),
               "not declared by " + std::string(where) +
                   "; a read may only serve the data's declared purposes");
  }

  void CheckLaborEventsGrant(const std::string& key, const AccessGrant& grant) {
    if (grant.scope == Scope::kSelf) {
      return;  // A worker's own data (DSR-01).
    }
    if (grant.role != Role::kSupervisor) {
      Hard("ACC-01", key + ".role",
           "is " + Quoted(RoleName(grant.role)) +
               "; real-time individual data (labor_events) is visible only to the supervisor "
               "of the worker's current shift and zone");
    } else if (grant.scope != Scope::kOwnShiftAndZone) {
      Hard("ACC-01", key + ".scope",
           "is " + Quoted(ScopeName(grant.scope)) +
               "; a supervisor sees labor_events of their own shift and zone only "
               "(\"own_shift_and_zone\")");
    }
    if (grant.period == Period::kAllRetained) {
      Hard("IND-04", key + ".period",
           "is \"all_retained\"; real-time individual data is readable for the current working "
           "day only (\"today\" or \"current_shift\")");
    }
    CheckDeclaredPurposes(key, grant, LaborEventPurposes(),
                          "the purposes of the enabled indicators on labor_events");
  }

  // The purposes labor_events may be read for: those of the enabled indicators kept there
  // (real-time data, idle time, latencies, per-worker stow flags).
  std::vector<Purpose> LaborEventPurposes() const {
    const Indicators& indicators = policy_.indicators;
    std::vector<Purpose> declared;
    auto add = [&declared](bool enabled, const std::vector<Purpose>& purposes) {
      for (Purpose purpose : purposes) {
        if (enabled && !Has(declared, purpose)) {
          declared.push_back(purpose);
        }
      }
    };
    add(indicators.realtime_individual.enabled, indicators.realtime_individual.purposes);
    add(indicators.idle_time.enabled, indicators.idle_time.purposes);
    add(indicators.latency.enabled, indicators.latency.purposes);
    add(indicators.stow_speed_check.enabled &&
            indicators.stow_speed_check.attach_to == Attachment::kWorker,
        indicators.stow_speed_check.purposes);
    return declared;
  }

  void CheckWorkerWeeklyGrant(const std::string& key, const AccessGrant& grant) {
    if (grant.scope == Scope::kSelf) {
      return;
    }
    const bool line_manager = grant.role == Role::kSupervisor || grant.role == Role::kSiteManager;
    if (line_manager && grant.scope != Scope::kOwnTeam) {
      Hard("ACC-02", key + ".scope",
           "is " + Quoted(ScopeName(grant.scope)) +
               "; a line manager sees the weekly aggregates of their own team only "
               "(\"own_team\")");
    } else if (!line_manager && grant.role != Role::kHr) {
      Hard("ACC-02", key + ".role",
           "is " + Quoted(RoleName(grant.role)) +
               "; weekly per-worker aggregates are visible only to the worker, their line "
               "manager (supervisor or site_manager, scope \"own_team\") and hr");
    }
    CheckDeclaredPurposes(key, grant, policy_.indicators.worker_weekly.purposes,
                          "indicators.worker_weekly.purposes");
  }

  void CheckAuditLogGrant(const std::string& key, const AccessGrant& grant) {
    if (grant.scope == Scope::kSelf) {
      return;  // Workers see who consulted their data (DSR-01).
    }
    if (grant.role != Role::kDpo) {
      Hard("RET-03", key + ".role",
           "is " + Quoted(RoleName(grant.role)) +
               "; the audit log is segregated: the dpo reads it, and each worker the entries "
               "about them");
    }
    HardListed("RET-03", key + ".purposes",
               NamesWhere(grant.purposes, PurposeName,
                          [](Purpose purpose) { return purpose != Purpose::kDataProtection; }),
               "the audit log serves data protection only, never performance monitoring");
  }

  // DSR-01: a worker can read all data held about them, and who consulted it.
  void CheckOwnAccess() {
    std::vector<DataClass> needed = {DataClass::kAuditLog};
    if (policy_.indicators.realtime_individual.enabled) {
      needed.push_back(DataClass::kLaborEvents);
    }
    if (policy_.indicators.worker_weekly.enabled) {
      needed.push_back(DataClass::kWorkerWeekly);
    }
    for (DataClass data : needed) {
      bool granted = std::any_of(
          policy_.access.begin(), policy_.access.end(), [data](const AccessGrant& grant) {
            return grant.role == Role::kWorker && grant.scope == Scope::kSelf && grant.data == data;
          });
      if (!granted) {
        Hard("DSR-01", "access",
             "has no grant {role = \"worker\", data = " + Quoted(DataClassName(data)) +
                 ", scope = \"self\"}; workers must be able to see and export their own " +
                 std::string(DataClassName(data)));
      }
    }
  }

  // GOV-01: monitoring-class indicators stay locked until the records exist, as of today.
  void CheckMonitoringRecords() {
    if (monitoring_.empty()) {
      return;
    }
    std::string features;
    for (const std::string& feature : monitoring_) {
      features += features.empty() ? "" : ", ";
      features += feature;
    }
    const std::string locked =
        "; monitoring-class indicators (" + features + ") stay locked until it exists";
    const Governance& governance = policy_.governance;
    const bool council_required = !governance.staff_count.has_value() ||
                                  *governance.staff_count >= kWorksCouncilStaffThreshold;
    if (council_required) {
      CheckRecordDate("GOV-01", "governance.works_council.consulted_on",
                      governance.works_council.date,
                      "the works council (CSE) must be consulted before", locked);
    }
    if (governance.dpia.reference.empty()) {
      Hard("GOV-01", "governance.dpia.reference", "is missing: a DPIA is required" + locked);
    } else if (governance.dpia.date.has_value()) {
      CheckRecordDate("GOV-01", "governance.dpia.completed_on", governance.dpia.date,
                      "the DPIA must be completed before", locked);
    }
  }

  // A record's date exists and is not after today.
  void CheckRecordDate(std::string_view rule_id, const std::string& key,
                       const std::optional<Date>& date, const std::string& requirement,
                       const std::string& locked) {
    if (!date.has_value()) {
      Hard(rule_id, key, "is missing: " + requirement + " use" + locked);
    } else if (*date > today_) {
      Hard(rule_id, key,
           "is " + FormatDate(*date) + ", after today (" + FormatDate(today_) +
               "): " + requirement + " use" + locked);
    }
  }

  // TRN-03: evaluation methods are published before any evaluation use.
  void CheckEvaluationMethods() {
    std::string used_by;
    const WorkerWeekly& weekly = policy_.indicators.worker_weekly;
    if (weekly.enabled && Has(weekly.purposes, Purpose::kEvaluation)) {
      used_by = "indicators.worker_weekly.purposes";
    }
    for (size_t i = 0; i < policy_.access.size() && used_by.empty(); ++i) {
      if (Has(policy_.access[i].purposes, Purpose::kEvaluation)) {
        used_by = "access[" + std::to_string(i) + "].purposes";
      }
    }
    if (used_by.empty()) {
      return;
    }
    const Record& methods = policy_.governance.evaluation_methods;
    const std::string why = " (" + used_by + " lists \"evaluation\")";
    if (methods.reference.empty()) {
      Hard("TRN-03", "governance.evaluation_methods.reference",
           "is missing: workers must be told where the evaluation methods are published" + why);
    }
    CheckRecordDate("TRN-03", "governance.evaluation_methods.published_on", methods.date,
                    "evaluation methods must be disclosed to workers before", why);
  }

  // TRN-01, TRN-02.
  void CheckNotice() {
    const Notice& notice = policy_.notice;
    if (!notice.require_acknowledgement) {
      Hard("TRN-01", "notice.require_acknowledgement",
           "is false; every worker, temps included, acknowledges the notice on the device "
           "before their first scan session");
    }
    if (notice.dpo_contact.empty()) {
      Warn("TRN-02", "notice.dpo_contact",
           "is missing; the notice must give the DPO's contact (it says to ask the employer "
           "until then)");
    }
  }

  const Policy& policy_;
  const Date today_;
  const TimeZoneLookup& known_zone_;  // Empty: the zone's form was checked at parse only.
  const ProfileRules rules_;
  std::vector<std::string> monitoring_;  // Keys of the enabled monitoring-class indicators.
  std::vector<Violation> violations_;
};

}  // namespace

std::string_view SeverityName(Severity severity) {
  return severity == Severity::kHard ? "hard rule" : "warning";
}

bool PolicyReport::lawful() const { return CountOf(Severity::kHard) == 0; }

size_t PolicyReport::CountOf(Severity severity) const {
  return static_cast<size_t>(
      std::count_if(violations.begin(), violations.end(),
                    [severity](const Violation& v) { return v.severity == severity; }));
}

bool PolicyReport::HasRule(std::string_view rule_id) const {
  return std::any_of(violations.begin(), violations.end(),
                     [rule_id](const Violation& v) { return v.rule_id == rule_id; });
}

PolicyReport CheckPolicy(const Policy& policy, const Date& today,
                         const TimeZoneLookup& known_zone) {
  PolicyReport report;
  report.profile = policy.profile;
  report.violations = Checker(policy, today, known_zone).Run();
  return report;
}

std::string FormatViolation(const Violation& violation) {
  return violation.rule_id + " (" + std::string(SeverityName(violation.severity)) + ") " +
         violation.key + " " + violation.message + "\n  source: " + violation.source + "\n";
}

std::string FormatReport(const PolicyReport& report) {
  const size_t hard = report.CountOf(Severity::kHard);
  const size_t warnings = report.CountOf(Severity::kWarning);
  std::string text = "profile " + std::string(ProfileName(report.profile)) + ": " +
                     std::to_string(hard) +
                     (hard == 1 ? " hard-rule violation, " : " hard-rule violations, ") +
                     std::to_string(warnings) + (warnings == 1 ? " warning\n" : " warnings\n");
  for (const Violation& violation : report.violations) {
    text += FormatViolation(violation);
  }
  text += report.lawful() ? "lawful.\n"
                          : "not lawful: fix the hard-rule violations above (docs/POLICY.md).\n";
  return text;
}

StatusOr<Policy> LoadLawfulPolicy(std::string_view toml_text, const Date& today,
                                  const TimeZoneLookup& known_zone) {
  StatusOr<Policy> policy = LoadPolicyOrDefault(toml_text);
  if (!policy.ok()) {
    return policy;
  }
  PolicyReport report = CheckPolicy(*policy, today, known_zone);
  if (report.lawful()) {
    return policy;
  }
  std::string message = "the privacy policy breaks " +
                        std::to_string(report.CountOf(Severity::kHard)) +
                        " hard rule(s) (run `entrepot policy check` for sources):";
  for (const Violation& violation : report.violations) {
    if (violation.severity == Severity::kHard) {
      message += "\n  " + violation.rule_id + " " + violation.key + " " + violation.message;
    }
  }
  return Error(StatusCode::kFailedPrecondition, "policy_unlawful", message);
}

}  // namespace entrepot::privacy
