// One test per rule id: each builds the smallest policy that breaks the rule, and the
// nearest one that does not.
#include "entrepot/privacy/policy_check.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "entrepot/privacy/rules.h"

namespace entrepot::privacy {
namespace {

const Date kToday{std::chrono::year(2026), std::chrono::May, std::chrono::day(4)};

constexpr std::string_view kCnil = "profile = \"cnil-strict\"\n";
constexpr std::string_view kConseilEtat = "profile = \"fr-conseil-etat-2025\"\n";

// The works-council consultation and the DPIA that unlock monitoring-class indicators.
constexpr std::string_view kRecords = R"(
[governance.works_council]
consulted_on = 2026-01-15
reference = "CSE minutes 2026-01"
[governance.dpia]
reference = "DPIA-7"
completed_on = 2026-01-10
)";

constexpr std::string_view kDpo = "\n[notice]\ndpo_contact = \"dpo@example.com\"\n";

PolicyReport Check(std::string_view toml) {
  StatusOr<Policy> policy = ParsePolicyToml(toml);
  EXPECT_TRUE(policy.ok()) << policy.status().ToString() << "\n" << toml;
  return CheckPolicy(policy.ok() ? *policy : DefaultPolicy(), kToday);
}

std::string Text(const PolicyReport& report) { return FormatReport(report); }

// The rule ids of the violations of this severity, in order.
std::vector<std::string> Ids(const PolicyReport& report, Severity severity) {
  std::vector<std::string> ids;
  for (const Violation& violation : report.violations) {
    if (violation.severity == severity) {
      ids.push_back(violation.rule_id);
    }
  }
  return ids;
}

std::vector<std::string> Hard(const PolicyReport& report) { return Ids(report, Severity::kHard); }
std::vector<std::string> Warnings(const PolicyReport& report) {
  return Ids(report, Severity::kWarning);
}

// True when a violation with this rule id and severity concerns `key`.
bool Flags(const PolicyReport& report, std::string_view rule_id, std::string_view key,
           Severity severity = Severity::kHard) {
  for (const Violation& violation : report.violations) {
    if (violation.rule_id == rule_id && violation.key == key && violation.severity == severity) {
      return true;
    }
  }
  return false;
}

using Ids_ = std::vector<std::string>;

TEST(PolicyCheckTest, DefaultPolicyIsLawfulWithOnlyTheDpoWarning) {
  PolicyReport report = CheckPolicy(DefaultPolicy(), kToday);
  EXPECT_TRUE(report.lawful()) << Text(report);
  EXPECT_EQ(Hard(report), Ids_{});
  EXPECT_EQ(Warnings(report), Ids_{"TRN-02"});
  EXPECT_TRUE(Flags(report, "TRN-02", "notice.dpo_contact", Severity::kWarning));
  EXPECT_TRUE(Check(kDpo).violations.empty()) << Text(Check(kDpo));
}

TEST(PolicyCheckTest, ViolationsCarryTheRuleSource) {
  PolicyReport report = Check("[retention]\nlabor_events_days = 31\n");
  ASSERT_EQ(Hard(report), Ids_{"RET-01"});
  const Violation& violation = report.violations[0];
  EXPECT_EQ(violation.key, "retention.labor_events_days");
  EXPECT_NE(violation.message.find("is 31"), std::string::npos) << violation.message;
  EXPECT_EQ(violation.source, FindRule("RET-01")->source);
  EXPECT_NE(violation.source.find("CNIL SAN-2023-021 §§124-131"), std::string::npos);
  std::string text = FormatViolation(violation);
  EXPECT_NE(text.find("RET-01 (hard rule) retention.labor_events_days is 31"), std::string::npos)
      << text;
  EXPECT_NE(text.find("  source: CNIL"), std::string::npos) << text;
}

TEST(PolicyCheckTest, Ind01StowFlagOnWorkerRefusedUnderCnilStrict) {
  PolicyReport refused = Check(std::string(kCnil) + "[indicators.stow_speed_check]\n" +
                               "attach_to = \"worker\"\n" + std::string(kRecords));
  EXPECT_EQ(Hard(refused), Ids_{"IND-01"});
  EXPECT_TRUE(Flags(refused, "IND-01", "indicators.stow_speed_check.attach_to"));
  EXPECT_TRUE(
      Check(std::string(kCnil) + "[indicators.stow_speed_check]\n" + "attach_to = \"location\"\n")
          .lawful());
  EXPECT_TRUE(
      Check("[indicators.stow_speed_check]\nenabled = false\nattach_to = \"worker\"\n").lawful());
}

TEST(PolicyCheckTest, Ind01StowFlagOnWorkerGatedUnderConseilEtat) {
  std::string on_worker =
      std::string(kConseilEtat) + "[indicators.stow_speed_check]\nattach_to = \"worker\"\n";
  PolicyReport locked = Check(on_worker);
  EXPECT_EQ(Hard(locked), (Ids_{"GOV-01", "GOV-01"})) << Text(locked);
  EXPECT_TRUE(Check(on_worker + std::string(kRecords)).lawful());
  PolicyReport scored =
      Check(on_worker + "purposes = [\"quality\", \"evaluation\"]\n" + std::string(kRecords));
  EXPECT_EQ(Hard(scored), Ids_{"IND-01"});
  EXPECT_TRUE(Flags(scored, "IND-01", "indicators.stow_speed_check.purposes"));
}

// A lawful idle-time section for each profile, to which each test adds one fault.
std::string Idle(std::string_view profile, int64_t threshold, std::string_view extra = "") {
  return std::string(profile) + "[indicators.idle_time]\nenabled = true\nthreshold_minutes = " +
         std::to_string(threshold) + "\n" + std::string(extra) + std::string(kRecords);
}

TEST(PolicyCheckTest, Ind02IdleThresholdFloorDependsOnProfile) {
  EXPECT_TRUE(Check(Idle(kCnil, 30)).lawful()) << Text(Check(Idle(kCnil, 30)));
  PolicyReport cnil = Check(Idle(kCnil, 29));
  EXPECT_EQ(Hard(cnil), Ids_{"IND-02"});
  EXPECT_TRUE(Flags(cnil, "IND-02", "indicators.idle_time.threshold_minutes"));
  EXPECT_TRUE(Check(Idle(kConseilEtat, 10)).lawful()) << Text(Check(Idle(kConseilEtat, 10)));
  EXPECT_EQ(Hard(Check(Idle(kConseilEtat, 9))), Ids_{"IND-02"});
  EXPECT_EQ(Hard(Check(Idle(kCnil, 10))), Ids_{"IND-02"});
}

TEST(PolicyCheckTest, Ind02BreaksMustBeExcludedUnderBothProfiles) {
  for (std::string_view profile : {kCnil, kConseilEtat}) {
    PolicyReport report = Check(Idle(profile, 30, "breaks_excluded = false\n"));
    EXPECT_EQ(Hard(report), Ids_{"IND-02"}) << profile;
    EXPECT_TRUE(Flags(report, "IND-02", "indicators.idle_time.breaks_excluded"));
  }
}

TEST(PolicyCheckTest, Ind02DisplayIsDelayed) {
  for (std::string_view profile : {kCnil, kConseilEtat}) {
    PolicyReport realtime = Check(Idle(profile, 30, "display_delay_minutes = 0\n"));
    EXPECT_TRUE(Flags(realtime, "IND-02", "indicators.idle_time.display_delay_minutes")) << profile;
  }
  // Under two hours: refused by cnil-strict, a warning under the Conseil d'État's reading.
  PolicyReport cnil = Check(Idle(kCnil, 30, "display_delay_minutes = 60\n"));
  EXPECT_EQ(Hard(cnil), Ids_{"IND-02"});
  PolicyReport conseil_etat = Check(Idle(kConseilEtat, 30, "display_delay_minutes = 60\n"));
  EXPECT_TRUE(conseil_etat.lawful());
  EXPECT_TRUE(Flags(conseil_etat, "IND-02", "indicators.idle_time.display_delay_minutes",
                    Severity::kWarning));
}

TEST(PolicyCheckTest, Ind02IdleTimeIsNeverCountedPerWeekOrUsedForEvaluation) {
  for (std::string_view profile : {kCnil, kConseilEtat}) {
    PolicyReport weekly = Check(Idle(profile, 30, "weekly_totals = true\n"));
    EXPECT_EQ(Hard(weekly), Ids_{"IND-02"}) << profile;
    EXPECT_TRUE(Flags(weekly, "IND-02", "indicators.idle_time.weekly_totals"));
    PolicyReport evaluation =
        Check(Idle(profile, 30, "purposes = [\"process_improvement\", \"evaluation\"]\n"));
    EXPECT_EQ(Hard(evaluation), Ids_{"IND-02"}) << profile;
    EXPECT_TRUE(Flags(evaluation, "IND-02", "indicators.idle_time.purposes"));
  }
  PolicyReport in_weekly_report =
      Check("[indicators.worker_weekly]\ncontents = [\"units_per_process\", \"idle_time\"]\n");
  EXPECT_EQ(Hard(in_weekly_report), Ids_{"IND-02"});
  EXPECT_TRUE(Flags(in_weekly_report, "IND-02", "indicators.worker_weekly.contents"));
}

TEST(PolicyCheckTest, Ind03LatencyRefusedUnderCnilStrict) {
  PolicyReport refused =
      Check(std::string(kCnil) + "[indicators.latency]\nenabled = true\n" + std::string(kRecords));
  EXPECT_EQ(Hard(refused), Ids_{"IND-03"});
  EXPECT_TRUE(Flags(refused, "IND-03", "indicators.latency.enabled"));
  EXPECT_TRUE(Check(std::string(kCnil) + "[indicators.latency]\nenabled = false\n").lawful());
}

TEST(PolicyCheckTest, Ind03LatencyGatedWithSafeguardsUnderConseilEtat) {
  std::string latency = std::string(kConseilEtat) + "[indicators.latency]\nenabled = true\n";
  EXPECT_EQ(Hard(Check(latency)), (Ids_{"GOV-01", "GOV-01"}));
  EXPECT_TRUE(Check(latency + std::string(kRecords)).lawful());
  PolicyReport weekly = Check(latency + "weekly_totals = true\n" + std::string(kRecords));
  EXPECT_EQ(Hard(weekly), Ids_{"IND-03"});
  PolicyReport realtime = Check(latency + "display_delay_minutes = 0\n" + std::string(kRecords));
  EXPECT_TRUE(Flags(realtime, "IND-03", "indicators.latency.display_delay_minutes"));
  PolicyReport coaching = Check(latency + "purposes = [\"coaching\"]\n" + std::string(kRecords));
  EXPECT_TRUE(Flags(coaching, "IND-03", "indicators.latency.purposes"));
}

TEST(PolicyCheckTest, Ind04SupervisorSeesTodayOnly) {
  auto grant = [](std::string_view period) {
    return "[[access]]\nrole = \"supervisor\"\ndata = \"labor_events\"\n"
           "scope = \"own_shift_and_zone\"\nperiod = \"" +
           std::string(period) +
           "\"\npurposes = [\"coaching\"]\n"
           "[[access]]\nrole = \"worker\"\ndata = \"labor_events\"\nscope = \"self\"\n"
           "period = \"all_retained\"\npurposes = [\"own_data\"]\n"
           "[[access]]\nrole = \"worker\"\ndata = \"worker_weekly\"\nscope = \"self\"\n"
           "period = \"all_retained\"\npurposes = [\"own_data\"]\n"
           "[[access]]\nrole = \"worker\"\ndata = \"audit_log\"\nscope = \"self\"\n"
           "period = \"all_retained\"\npurposes = [\"own_data\"]\n";
  };
  EXPECT_TRUE(Check(grant("today")).lawful()) << Text(Check(grant("today")));
  EXPECT_TRUE(Check(grant("current_shift")).lawful());
  PolicyReport history = Check(grant("all_retained"));
  EXPECT_EQ(Hard(history), Ids_{"IND-04"});
  EXPECT_TRUE(Flags(history, "IND-04", "access[0].period"));
  PolicyReport discipline =
      Check("[indicators.realtime_individual]\npurposes = [\"quality\", \"discipline\"]\n");
  EXPECT_TRUE(Flags(discipline, "IND-04", "indicators.realtime_individual.purposes"));
}

TEST(PolicyCheckTest, Ind07NoSubWeeklyIndividualHistory) {
  for (std::string_view bucket : {"hour", "half_day", "day"}) {
    PolicyReport report =
        Check("[indicators.worker_weekly]\nbucket = \"" + std::string(bucket) + "\"\n");
    EXPECT_EQ(Hard(report), Ids_{"IND-07"}) << bucket;
    EXPECT_TRUE(Flags(report, "IND-07", "indicators.worker_weekly.bucket"));
  }
  EXPECT_TRUE(Check("[indicators.worker_weekly]\nbucket = \"week\"\n").lawful());
  EXPECT_TRUE(Check("[indicators.worker_weekly]\nbucket = \"month\"\n").lawful());
  EXPECT_TRUE(Check("[indicators.worker_weekly]\nenabled = false\nbucket = \"hour\"\n").lawful());
  PolicyReport planning =
      Check("[indicators.realtime_individual]\npurposes = [\"flow_management\", \"planning\"]\n");
  EXPECT_TRUE(Flags(planning, "IND-07", "indicators.realtime_individual.purposes"));
}

TEST(PolicyCheckTest, Ind08WeeklyReportsHoldWeeklyTotalsOnly) {
  for (std::string_view content : {"daily_breakdown", "hourly_breakdown", "raw_errors"}) {
    PolicyReport report = Check("[indicators.worker_weekly]\ncontents = [\"errors_per_cause\", \"" +
                                std::string(content) + "\"]\n");
    EXPECT_EQ(Hard(report), Ids_{"IND-08"}) << content;
  }
  EXPECT_TRUE(Check("[indicators.worker_weekly]\ncontents = [\"units_per_process\", "
                    "\"units_per_item_type\", \"time_per_station\", \"errors_per_cause\"]\n")
                  .lawful());
}

TEST(PolicyCheckTest, Ind09InactivityNeverControlsWorkingTime) {
  PolicyReport idle = Check(Idle(kConseilEtat, 10, "purposes = [\"working_time\"]\n"));
  EXPECT_EQ(Hard(idle), Ids_{"IND-09"});
  PolicyReport latency =
      Check(std::string(kConseilEtat) +
            "[indicators.latency]\nenabled = true\npurposes = [\"working_time\"]\n" +
            std::string(kRecords));
  EXPECT_EQ(Hard(latency), Ids_{"IND-09"});
  PolicyReport realtime =
      Check("[indicators.realtime_individual]\npurposes = [\"working_time\"]\n");
  EXPECT_TRUE(Flags(realtime, "IND-09", "indicators.realtime_individual.purposes"));
  // The default supervisor grant now reads for purposes the data no longer declares.
  EXPECT_TRUE(Flags(realtime, "GOV-02", "access[0].purposes"));
}

TEST(PolicyCheckTest, Ind14NoRanking) {
  PolicyReport report = Check("[indicators.worker_weekly]\ncontents = [\"ranking\"]\n");
  EXPECT_EQ(Hard(report), Ids_{"IND-14"});
  EXPECT_TRUE(Flags(report, "IND-14", "indicators.worker_weekly.contents"));
}

TEST(PolicyCheckTest, Ret01RawLaborEventsSevenDaysAtMost) {
  EXPECT_EQ(Hard(Check("[retention]\nlabor_events_days = 8\n")), Ids_{"RET-01"});
  PolicyReport seven = Check("[retention]\nlabor_events_days = 7\n");
  EXPECT_TRUE(seven.lawful());
  EXPECT_TRUE(Flags(seven, "RET-01", "retention.labor_events_days", Severity::kWarning));
  EXPECT_FALSE(Check("[retention]\nlabor_events_days = 1\n").HasRule("RET-01"));
  // The 31 days the CNIL fined stay refused under the Conseil d'État's reading too.
  EXPECT_EQ(Hard(Check(std::string(kConseilEtat) + "[retention]\nlabor_events_days = 31\n")),
            Ids_{"RET-01"});
}

// RET-01: the labor day ends at midnight in labor.time_zone; a zone the tz database does not
// know leaves no day to end. The lookup is the caller's (the check does no I/O).
TEST(PolicyCheckTest, Ret01TheLaborDaysTimeZoneMustExist) {
  const TimeZoneLookup known = [](std::string_view zone) {
    return zone == "UTC" || zone == "Europe/Paris";
  };
  StatusOr<Policy> typo = ParsePolicyToml("[labor]\ntime_zone = \"Europe/Pari\"\n");
  ASSERT_TRUE(typo.ok()) << typo.status().ToString();
  PolicyReport report = CheckPolicy(*typo, kToday, known);
  EXPECT_EQ(Hard(report), Ids_{"RET-01"});
  EXPECT_TRUE(Flags(report, "RET-01", "labor.time_zone"));
  EXPECT_NE(Text(report).find("\"Europe/Pari\", which the tz database does not know"),
            std::string::npos)
      << Text(report);
  // Without a lookup only the form is checked (at parse).
  EXPECT_TRUE(CheckPolicy(*typo, kToday).lawful());
  StatusOr<Policy> paris = ParsePolicyToml("[labor]\ntime_zone = \"Europe/Paris\"\n");
  ASSERT_TRUE(paris.ok());
  EXPECT_FALSE(CheckPolicy(*paris, kToday, known).HasRule("RET-01"));
  EXPECT_FALSE(CheckPolicy(DefaultPolicy(), kToday, known).HasRule("RET-01"));
  // The server refuses to start on it.
  StatusOr<Policy> refused =
      LoadLawfulPolicy("[labor]\ntime_zone = \"Europe/Pari\"\n", kToday, known);
  EXPECT_EQ(refused.status().reason(), "policy_unlawful");
  EXPECT_NE(refused.status().message().find("RET-01 labor.time_zone"), std::string::npos)
      << refused.status().message();
}

TEST(PolicyCheckTest, Ret02WeeklyAggregatesTwelveMonthsAtMost) {
  EXPECT_EQ(Hard(Check("[retention]\nworker_weekly_weeks = 53\n")), Ids_{"RET-02"});
  EXPECT_TRUE(Check("[retention]\nworker_weekly_weeks = 52\n").lawful());
}

TEST(PolicyCheckTest, Ret03AuditLogRetention) {
  EXPECT_EQ(Hard(Check("[retention]\naudit_log_months = 13\n")), Ids_{"RET-03"});
  EXPECT_TRUE(Check("[retention]\naudit_log_months = 12\n").lawful());
  EXPECT_TRUE(Check("[retention]\naudit_log_months = 36\n[governance]\n"
                    "audit_retention_justification = \"internal control of payroll access\"\n")
                  .lawful());
  EXPECT_EQ(Hard(Check("[retention]\naudit_log_months = 37\n[governance]\n"
                       "audit_retention_justification = \"internal control\"\n")),
            Ids_{"RET-03"});
  PolicyReport short_log = Check("[retention]\naudit_log_months = 5\n");
  EXPECT_TRUE(short_log.lawful());
  EXPECT_TRUE(Flags(short_log, "RET-03", "retention.audit_log_months", Severity::kWarning));
}

// The default grants, with one more appended.
std::string WithGrant(std::string_view role, std::string_view data, std::string_view scope,
                      std::string_view period, std::string_view purposes) {
  return std::string(kCnil) + R"(
[[access]]
role = "worker"
data = "labor_events"
scope = "self"
period = "all_retained"
purposes = ["own_data"]
[[access]]
role = "worker"
data = "worker_weekly"
scope = "self"
period = "all_retained"
purposes = ["own_data"]
[[access]]
role = "worker"
data = "audit_log"
scope = "self"
period = "all_retained"
purposes = ["own_data"]
[[access]]
role = ")" +
         std::string(role) + "\"\ndata = \"" + std::string(data) + "\"\nscope = \"" +
         std::string(scope) + "\"\nperiod = \"" + std::string(period) +
         "\"\npurposes = " + std::string(purposes) + "\n";
}

TEST(PolicyCheckTest, Ret03AuditLogIsSegregated) {
  EXPECT_TRUE(Check(WithGrant("dpo", "audit_log", "site", "all_retained", "[\"data_protection\"]"))
                  .lawful());
  PolicyReport hr =
      Check(WithGrant("hr", "audit_log", "site", "all_retained", "[\"data_protection\"]"));
  EXPECT_EQ(Hard(hr), Ids_{"RET-03"});
  EXPECT_TRUE(Flags(hr, "RET-03", "access[3].role"));
  PolicyReport monitoring =
      Check(WithGrant("dpo", "audit_log", "site", "all_retained", "[\"evaluation\"]"));
  EXPECT_TRUE(Flags(monitoring, "RET-03", "access[3].purposes"));
}

TEST(PolicyCheckTest, Agg01MinimumGroupSize) {
  EXPECT_EQ(Hard(Check("[aggregates]\nmin_group_size = 4\n")), Ids_{"AGG-01"});
  PolicyReport five = Check("[aggregates]\nmin_group_size = 5\n");
  EXPECT_TRUE(five.lawful());
  EXPECT_TRUE(Flags(five, "AGG-01", "aggregates.min_group_size", Severity::kWarning));
  EXPECT_FALSE(Check("[aggregates]\nmin_group_size = 10\n").HasRule("AGG-01"));
}

TEST(PolicyCheckTest, Agg02DifferencingProtection) {
  PolicyReport report = Check("[aggregates]\ndifferencing_protection = false\n");
  EXPECT_EQ(Hard(report), Ids_{"AGG-02"});
  EXPECT_TRUE(Check("[aggregates]\ndifferencing_protection = true\n").lawful());
}

TEST(PolicyCheckTest, Acc01RealtimeDataOnlyForTheShiftAndZoneSupervisor) {
  EXPECT_TRUE(Check(WithGrant("supervisor", "labor_events", "own_shift_and_zone", "today",
                              "[\"coaching\"]"))
                  .lawful());
  PolicyReport manager = Check(
      WithGrant("site_manager", "labor_events", "own_shift_and_zone", "today", "[\"coaching\"]"));
  EXPECT_EQ(Hard(manager), Ids_{"ACC-01"});
  EXPECT_TRUE(Flags(manager, "ACC-01", "access[3].role"));
  PolicyReport other_zone =
      Check(WithGrant("supervisor", "labor_events", "site", "today", "[\"coaching\"]"));
  EXPECT_EQ(Hard(other_zone), Ids_{"ACC-01"});
  EXPECT_TRUE(Flags(other_zone, "ACC-01", "access[3].scope"));
}

TEST(PolicyCheckTest, Acc02WeeklyDataOnlyForWorkerLineManagerAndHr) {
  EXPECT_TRUE(
      Check(WithGrant("hr", "worker_weekly", "site", "all_retained", "[\"planning\"]")).lawful());
  EXPECT_TRUE(Check(WithGrant("site_manager", "worker_weekly", "own_team", "all_retained",
                              "[\"training\"]"))
                  .lawful());
  PolicyReport admin =
      Check(WithGrant("admin", "worker_weekly", "site", "all_retained", "[\"planning\"]"));
  EXPECT_EQ(Hard(admin), Ids_{"ACC-02"});
  PolicyReport whole_site =
      Check(WithGrant("supervisor", "worker_weekly", "site", "all_retained", "[\"planning\"]"));
  EXPECT_EQ(Hard(whole_site), Ids_{"ACC-02"});
  EXPECT_TRUE(Flags(whole_site, "ACC-02", "access[3].scope"));
}

TEST(PolicyCheckTest, Gov01MonitoringLockedUntilRecordsExist) {
  std::string idle = std::string(kConseilEtat) +
                     "[indicators.idle_time]\nenabled = true\nthreshold_minutes = 10\n";
  PolicyReport locked = Check(idle);
  EXPECT_EQ(Hard(locked), (Ids_{"GOV-01", "GOV-01"}));
  EXPECT_TRUE(Flags(locked, "GOV-01", "governance.works_council.consulted_on"));
  EXPECT_TRUE(Flags(locked, "GOV-01", "governance.dpia.reference"));
  EXPECT_NE(locked.violations[0].message.find("indicators.idle_time"), std::string::npos);
  // Below 50 staff there is no works council to consult; the DPIA is still needed.
  PolicyReport small = Check(idle + "[governance]\nstaff_count = 49\n");
  EXPECT_EQ(Hard(small), Ids_{"GOV-01"});
  EXPECT_TRUE(Flags(small, "GOV-01", "governance.dpia.reference"));
  EXPECT_TRUE(Check(idle + "[governance]\nstaff_count = 49\n[governance.dpia]\n"
                           "reference = \"DPIA-7\"\n")
                  .lawful());
  EXPECT_TRUE(Check(idle + std::string(kRecords)).lawful());
}

TEST(PolicyCheckTest, Gov01RecordsDatedAfterTodayDoNotCount) {
  std::string idle = std::string(kConseilEtat) +
                     "[indicators.idle_time]\nenabled = true\nthreshold_minutes = 10\n"
                     "[governance.dpia]\nreference = \"DPIA-7\"\n"
                     "[governance.works_council]\nconsulted_on = ";
  PolicyReport future = Check(idle + "2026-05-05\n");
  EXPECT_EQ(Hard(future), Ids_{"GOV-01"});
  EXPECT_NE(future.violations[0].message.find("2026-05-05, after today (2026-05-04)"),
            std::string::npos)
      << future.violations[0].message;
  EXPECT_TRUE(Check(idle + "2026-05-04\n").lawful());
}

TEST(PolicyCheckTest, Gov02PurposeBinding) {
  // A read for a purpose the data class does not declare.
  PolicyReport undeclared =
      Check(WithGrant("hr", "worker_weekly", "site", "all_retained", "[\"evaluation\"]"));
  EXPECT_TRUE(Flags(undeclared, "GOV-02", "access[3].purposes")) << Text(undeclared);
  PolicyReport stock_for_discipline =
      Check(WithGrant("site_manager", "operational", "site", "all_retained", "[\"discipline\"]"));
  EXPECT_EQ(Hard(stock_for_discipline), Ids_{"GOV-02"});
  PolicyReport team_for_evaluation = Check(
      WithGrant("site_manager", "team_aggregates", "site", "all_retained", "[\"evaluation\"]"));
  EXPECT_TRUE(Flags(team_for_evaluation, "GOV-02", "access[3].purposes"));
  PolicyReport own_data_of_others =
      Check(WithGrant("hr", "worker_weekly", "site", "all_retained", "[\"own_data\"]"));
  EXPECT_EQ(Hard(own_data_of_others), Ids_{"GOV-02"});
  PolicyReport weekly_discipline =
      Check("[indicators.worker_weekly]\npurposes = [\"planning\", \"discipline\"]\n");
  EXPECT_TRUE(Flags(weekly_discipline, "GOV-02", "indicators.worker_weekly.purposes"));
  EXPECT_TRUE(
      Check(WithGrant("site_manager", "operational", "site", "all_retained", "[\"planning\"]"))
          .lawful());
}

// labor_events may be read for the purposes of every enabled indicator kept there.
TEST(PolicyCheckTest, Gov02LaborEventPurposesComeFromTheEnabledIndicators) {
  std::string grant = WithGrant("supervisor", "labor_events", "own_shift_and_zone", "today",
                                "[\"process_improvement\"]");
  PolicyReport idle_off = Check(grant);
  EXPECT_EQ(Hard(idle_off), Ids_{"GOV-02"});
  EXPECT_TRUE(Flags(idle_off, "GOV-02", "access[3].purposes"));
  PolicyReport idle_on =
      Check(grant + "[indicators.idle_time]\nenabled = true\n" + std::string(kRecords));
  EXPECT_TRUE(idle_on.lawful()) << Text(idle_on);
}

TEST(PolicyCheckTest, Trn01NoticeAcknowledgedBeforeFirstScan) {
  PolicyReport report = Check("[notice]\nrequire_acknowledgement = false\n");
  EXPECT_EQ(Hard(report), Ids_{"TRN-01"});
  EXPECT_TRUE(Flags(report, "TRN-01", "notice.require_acknowledgement"));
}

TEST(PolicyCheckTest, Trn03EvaluationNeedsPublishedMethods) {
  std::string evaluation =
      "[indicators.worker_weekly]\npurposes = [\"planning\", \"training\", \"evaluation\"]\n";
  PolicyReport unpublished = Check(evaluation);
  EXPECT_EQ(Hard(unpublished), (Ids_{"TRN-03", "TRN-03"}));
  EXPECT_TRUE(Flags(unpublished, "TRN-03", "governance.evaluation_methods.reference"));
  EXPECT_TRUE(Flags(unpublished, "TRN-03", "governance.evaluation_methods.published_on"));
  std::string methods =
      "[governance.evaluation_methods]\nreference = \"handbook ch. 6\"\n"
      "published_on = ";
  EXPECT_TRUE(Check(evaluation + methods + "2026-04-01\n").lawful());
  EXPECT_EQ(Hard(Check(evaluation + methods + "2026-06-01\n")), Ids_{"TRN-03"});
}

TEST(PolicyCheckTest, Dsr01WorkersSeeTheirOwnData) {
  PolicyReport none = Check("access = []\n");
  EXPECT_EQ(Hard(none), (Ids_{"DSR-01", "DSR-01", "DSR-01"}));
  EXPECT_NE(Text(none).find("data = \"audit_log\""), std::string::npos) << Text(none);
  // Without weekly aggregates or real-time data, only the audit entries remain to be seen.
  PolicyReport fewer = Check(
      "[indicators.worker_weekly]\nenabled = false\n"
      "[indicators.realtime_individual]\nenabled = false\n"
      "[[access]]\nrole = \"worker\"\ndata = \"audit_log\"\nscope = \"self\"\n"
      "period = \"all_retained\"\npurposes = [\"own_data\"]\n");
  EXPECT_TRUE(fewer.lawful()) << Text(fewer);
}

TEST(PolicyCheckTest, EveryRuleIdHasASource) {
  for (const Rule& rule : PolicyRules()) {
    EXPECT_FALSE(rule.summary.empty()) << rule.id;
    EXPECT_FALSE(rule.source.empty()) << rule.id;
    EXPECT_EQ(FindRule(rule.id), &rule);
  }
  EXPECT_EQ(FindRule("XYZ-99"), nullptr);
}

TEST(PolicyCheckTest, FormatReportSaysWhetherLawful) {
  EXPECT_NE(Text(Check(kDpo)).find("0 hard-rule violations, 0 warnings\nlawful.\n"),
            std::string::npos)
      << Text(Check(kDpo));
  std::string unlawful = Text(Check("[aggregates]\nmin_group_size = 2\n"));
  EXPECT_NE(unlawful.find("1 hard-rule violation, 1 warning"), std::string::npos) << unlawful;
  EXPECT_NE(unlawful.find("not lawful"), std::string::npos);
}

TEST(PolicyCheckTest, LoadLawfulPolicyRefusesHardViolations) {
  StatusOr<Policy> fallback = LoadLawfulPolicy("", kToday);
  ASSERT_TRUE(fallback.ok()) << fallback.status().ToString();
  EXPECT_EQ(*fallback, DefaultPolicy());
  StatusOr<Policy> warned = LoadLawfulPolicy("[aggregates]\nmin_group_size = 6\n", kToday);
  ASSERT_TRUE(warned.ok()) << warned.status().ToString();
  EXPECT_EQ(warned->aggregates.min_group_size, 6);

  StatusOr<Policy> refused = LoadLawfulPolicy(
      "[retention]\nlabor_events_days = 31\n[aggregates]\nmin_group_size = 6\n", kToday);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(refused.status().reason(), "policy_unlawful");
  EXPECT_NE(refused.status().message().find("RET-01 retention.labor_events_days is 31"),
            std::string::npos)
      << refused.status().message();
  EXPECT_EQ(refused.status().message().find("AGG-01"), std::string::npos)
      << "warnings do not refuse: " << refused.status().message();

  StatusOr<Policy> invalid = LoadLawfulPolicy("bogus = true\n", kToday);
  ASSERT_FALSE(invalid.ok());
  EXPECT_EQ(invalid.status().reason(), "bad_policy");
}

}  // namespace
}  // namespace entrepot::privacy
