// The shipped examples/policies/*.toml and docs/POLICY.md, checked against the code.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "entrepot/privacy/policy.h"
#include "entrepot/privacy/policy_check.h"
#include "entrepot/privacy/rules.h"

namespace entrepot::privacy {
namespace {

const Date kToday{std::chrono::year(2026), std::chrono::May, std::chrono::day(4)};

std::string ReadSourceFile(const std::string& relative) {
  std::ifstream in(std::string(ENTREPOT_SOURCE_DIR) + "/" + relative, std::ios::binary);
  EXPECT_TRUE(in.good()) << relative;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool Flags(const PolicyReport& report, std::string_view rule_id, std::string_view key) {
  for (const Violation& violation : report.violations) {
    if (violation.rule_id == rule_id && violation.key == key) {
      return true;
    }
  }
  return false;
}

Policy Example(const std::string& name) {
  StatusOr<Policy> policy = ParsePolicyToml(ReadSourceFile("examples/policies/" + name));
  EXPECT_TRUE(policy.ok()) << name << ": " << policy.status().ToString();
  return policy.ok() ? *policy : Policy{};
}

TEST(ExamplePoliciesTest, CnilStrictExampleIsLawfulAndSpellsOutTheDefault) {
  Policy policy = Example("cnil-strict.toml");
  PolicyReport report = CheckPolicy(policy, kToday);
  EXPECT_TRUE(report.lawful()) << FormatReport(report);
  EXPECT_TRUE(report.violations.empty()) << FormatReport(report);
  EXPECT_EQ(policy.profile, Profile::kCnilStrict);
  // The recommended starting point is the built-in default, with the notice filled in.
  const Policy fallback = DefaultPolicy();
  EXPECT_EQ(policy.indicators, fallback.indicators);
  EXPECT_EQ(policy.retention, fallback.retention);
  EXPECT_EQ(policy.aggregates, fallback.aggregates);
  EXPECT_EQ(policy.access, fallback.access);
  EXPECT_EQ(policy.governance, fallback.governance);
}

TEST(ExamplePoliciesTest, ConseilEtatExampleIsLawfulUnderItsProfileOnly) {
  Policy policy = Example("fr-conseil-etat-2025.toml");
  EXPECT_EQ(policy.profile, Profile::kFrConseilEtat2025);
  EXPECT_TRUE(policy.indicators.idle_time.enabled);
  PolicyReport report = CheckPolicy(policy, kToday);
  EXPECT_TRUE(report.lawful()) << FormatReport(report);
  EXPECT_TRUE(report.violations.empty()) << FormatReport(report);
  // Idle time from 10 minutes is the appeal court's reading, not the regulator's.
  policy.profile = Profile::kCnilStrict;
  PolicyReport strict = CheckPolicy(policy, kToday);
  EXPECT_FALSE(strict.lawful());
  EXPECT_TRUE(strict.HasRule("IND-02")) << FormatReport(strict);
  // Its governance records date from 2025: checked on the day before, they did not exist.
  policy.profile = Profile::kFrConseilEtat2025;
  PolicyReport earlier = CheckPolicy(
      policy, Date{std::chrono::year(2025), std::chrono::February, std::chrono::day(19)});
  EXPECT_TRUE(earlier.HasRule("GOV-01")) << FormatReport(earlier);
}

// The configuration of CNIL SAN-2023-021: per-worker inter-scan speed errors (IND-01), idle
// time from 10 minutes in real time and counted weekly (IND-02), latencies of 1 to 10
// minutes (IND-03), 31-day detailed retention (RET-01), hourly statistics (IND-07), weekly
// reports with daily and hourly detail and raw errors (IND-08), idle time for working-time
// control (IND-09), supervisors reading the whole 31 days (IND-04, ACC-01), and no
// governance records for the monitoring indicators (GOV-01).
TEST(ExamplePoliciesTest, CnilFinedConfigurationFailsWithTheRightRuleIds) {
  Policy policy = Example("cnil-2024-fined.toml");
  PolicyReport report = CheckPolicy(policy, kToday);
  EXPECT_FALSE(report.lawful());
  for (std::string_view rule_id : {"IND-01", "IND-02", "IND-03", "RET-01", "IND-07", "IND-08",
                                   "IND-09", "IND-04", "ACC-01", "GOV-01"}) {
    EXPECT_TRUE(report.HasRule(rule_id)) << rule_id << "\n" << FormatReport(report);
  }
  for (const Violation& violation : report.violations) {
    EXPECT_NE(FindRule(violation.rule_id), nullptr) << violation.rule_id;
    EXPECT_FALSE(violation.source.empty()) << violation.rule_id;
  }
  EXPECT_TRUE(Flags(report, "IND-01", "indicators.stow_speed_check.attach_to"));
  EXPECT_TRUE(Flags(report, "IND-02", "indicators.idle_time.threshold_minutes"));
  EXPECT_TRUE(Flags(report, "IND-03", "indicators.latency.enabled"));
  EXPECT_TRUE(Flags(report, "RET-01", "retention.labor_events_days"));

  // The Conseil d'État reformed the fine but upheld the 31-day retention breach.
  policy.profile = Profile::kFrConseilEtat2025;
  PolicyReport conseil_etat = CheckPolicy(policy, kToday);
  EXPECT_FALSE(conseil_etat.lawful());
  EXPECT_TRUE(Flags(conseil_etat, "RET-01", "retention.labor_events_days"))
      << FormatReport(conseil_etat);
  // What that reading allows is no longer flagged: per-worker stow flags, 10 minutes.
  EXPECT_FALSE(Flags(conseil_etat, "IND-01", "indicators.stow_speed_check.attach_to"));
  EXPECT_FALSE(Flags(conseil_etat, "IND-02", "indicators.idle_time.threshold_minutes"));
}

TEST(ExamplePoliciesTest, LoadLawfulPolicyAcceptsTheLawfulExamplesOnly) {
  for (const char* name : {"cnil-strict.toml", "fr-conseil-etat-2025.toml"}) {
    StatusOr<Policy> policy =
        LoadLawfulPolicy(ReadSourceFile(std::string("examples/policies/") + name), kToday);
    EXPECT_TRUE(policy.ok()) << name << ": " << policy.status().ToString();
  }
  StatusOr<Policy> fined =
      LoadLawfulPolicy(ReadSourceFile("examples/policies/cnil-2024-fined.toml"), kToday);
  ASSERT_FALSE(fined.ok());
  EXPECT_EQ(fined.status().reason(), "policy_unlawful");
}

// docs/POLICY.md is the reference: it must name every rule the check reports and every
// name a policy file accepts.
TEST(ExamplePoliciesTest, PolicyReferenceDocumentsEveryRuleAndName) {
  const std::string doc = ReadSourceFile("docs/POLICY.md");
  auto documented = [&doc](std::string_view word) {
    return doc.find(std::string(word)) != std::string::npos;
  };
  for (const Rule& rule : PolicyRules()) {
    EXPECT_TRUE(documented(rule.id)) << rule.id;
  }
  std::vector<std::string_view> names;
  for (Profile value : kAllProfiles) {
    names.push_back(ProfileName(value));
  }
  for (Purpose value : kAllPurposes) {
    names.push_back(PurposeName(value));
  }
  for (DataClass value : kAllDataClasses) {
    names.push_back(DataClassName(value));
  }
  for (Role value : kAllRoles) {
    names.push_back(RoleName(value));
  }
  for (Scope value : kAllScopes) {
    names.push_back(ScopeName(value));
  }
  for (Period value : kAllPeriods) {
    names.push_back(PeriodName(value));
  }
  for (Bucket value : kAllBuckets) {
    names.push_back(BucketName(value));
  }
  for (WeeklyContent value : kAllWeeklyContents) {
    names.push_back(WeeklyContentName(value));
  }
  for (std::string_view name : names) {
    EXPECT_TRUE(documented("`" + std::string(name) + "`")) << name;
  }
}

}  // namespace
}  // namespace entrepot::privacy
