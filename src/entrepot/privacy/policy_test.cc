#include "entrepot/privacy/policy.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "entrepot/auth/access.h"

namespace entrepot::privacy {
namespace {

// Expects a parse error with this reason and every one of `parts` in its message.
void ExpectError(std::string_view toml, std::string_view reason,
                 const std::vector<std::string>& parts,
                 StatusCode code = StatusCode::kInvalidArgument) {
  StatusOr<Policy> result = ParsePolicyToml(toml);
  ASSERT_FALSE(result.ok()) << "parsed, expected " << reason << " from:\n" << toml;
  EXPECT_EQ(result.status().code(), code) << result.status().ToString();
  EXPECT_EQ(result.status().reason(), reason) << result.status().ToString();
  for (const std::string& part : parts) {
    EXPECT_NE(result.status().message().find(part), std::string::npos)
        << "\"" << part << "\" not in: " << result.status().message();
  }
}

Policy Parse(std::string_view toml) {
  StatusOr<Policy> policy = ParsePolicyToml(toml);
  EXPECT_TRUE(policy.ok()) << policy.status().ToString();
  return policy.ok() ? *policy : Policy{};
}

TEST(PolicyTest, EmptyFileIsTheDefaultPolicy) {
  EXPECT_EQ(Parse(""), DefaultPolicy());
  EXPECT_EQ(Parse("# only a comment\nversion = 1\n"), DefaultPolicy());
  StatusOr<Policy> loaded = LoadPolicyOrDefault("");
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(*loaded, DefaultPolicy());
}

TEST(PolicyTest, DefaultPolicyIsStrict) {
  const Policy policy = DefaultPolicy();
  EXPECT_EQ(policy.profile, Profile::kCnilStrict);
  EXPECT_FALSE(policy.indicators.idle_time.enabled);
  EXPECT_FALSE(policy.indicators.latency.enabled);
  EXPECT_EQ(policy.indicators.stow_speed_check.attach_to, Attachment::kLocation);
  EXPECT_EQ(policy.retention.labor_events_days, 1);
  EXPECT_EQ(policy.retention.worker_weekly_weeks, 13);
  EXPECT_EQ(policy.retention.audit_log_months, 6);
  EXPECT_EQ(policy.aggregates.min_group_size, 10);
  EXPECT_TRUE(policy.notice.require_acknowledgement);
  EXPECT_FALSE(policy.access.empty());
}

TEST(PolicyTest, AbsentKeysKeepTheirDefaults) {
  Policy policy = Parse(
      "profile = \"fr-conseil-etat-2025\"\n"
      "[indicators.idle_time]\n"
      "enabled = true\n"
      "threshold_minutes = 12\n");
  EXPECT_EQ(policy.profile, Profile::kFrConseilEtat2025);
  EXPECT_TRUE(policy.indicators.idle_time.enabled);
  EXPECT_EQ(policy.indicators.idle_time.threshold_minutes, 12);
  EXPECT_TRUE(policy.indicators.idle_time.breaks_excluded);
  EXPECT_EQ(policy.indicators.idle_time.display_delay_minutes, 120);
  EXPECT_EQ(policy.retention, DefaultPolicy().retention);
  EXPECT_EQ(policy.access, DefaultPolicy().access);
}

TEST(PolicyTest, ReadsEveryKey) {
  Policy policy = Parse(R"(
version = 1
profile = "fr-conseil-etat-2025"
[indicators.realtime_individual]
enabled = false
link_quality_errors = false
purposes = ["quality"]
[indicators.worker_weekly]
bucket = "month"
contents = ["units_per_item_type"]
purposes = ["evaluation"]
[indicators.stow_speed_check]
threshold_ms = 900
attach_to = "worker"
purposes = ["quality"]
[indicators.idle_time]
enabled = true
threshold_minutes = 15
breaks_excluded = false
display_delay_minutes = 60
weekly_totals = true
purposes = ["process_improvement", "safety"]
[indicators.latency]
enabled = true
from_minutes = 2
to_minutes = 8
display_delay_minutes = 30
weekly_totals = true
purposes = ["safety"]
[retention]
operational_years = 5
labor_events_days = 3
worker_weekly_weeks = 26
audit_log_months = 12
[labor]
time_zone = "Europe/Paris"
[aggregates]
min_group_size = 7
differencing_protection = false
[[access]]
role = "dpo"
data = "audit_log"
scope = "site"
period = "all_retained"
purposes = ["data_protection"]
[governance]
staff_count = 40
audit_retention_justification = "internal control"
[governance.works_council]
consulted_on = 2025-03-14
reference = "CSE 4"
[governance.dpia]
reference = "DPIA-1"
completed_on = 2025-02-20
[governance.evaluation_methods]
published_on = 2025-04-01
reference = "handbook"
[notice]
require_acknowledgement = false
controller = "ACME"
dpo_contact = "dpo@acme.example"
languages = ["en"]
)");
  EXPECT_EQ(policy.profile, Profile::kFrConseilEtat2025);
  EXPECT_EQ(policy.labor.time_zone, "Europe/Paris");
  EXPECT_FALSE(policy.indicators.realtime_individual.enabled);
  EXPECT_FALSE(policy.indicators.realtime_individual.link_quality_errors);
  EXPECT_EQ(policy.indicators.worker_weekly.bucket, Bucket::kMonth);
  EXPECT_EQ(policy.indicators.worker_weekly.contents,
            std::vector<WeeklyContent>{WeeklyContent::kUnitsPerItemType});
  EXPECT_EQ(policy.indicators.stow_speed_check.threshold_ms, 900);
  EXPECT_EQ(policy.indicators.stow_speed_check.attach_to, Attachment::kWorker);
  const IdleTime& idle = policy.indicators.idle_time;
  EXPECT_EQ(idle.threshold_minutes, 15);
  EXPECT_FALSE(idle.breaks_excluded);
  EXPECT_EQ(idle.display_delay_minutes, 60);
  EXPECT_TRUE(idle.weekly_totals);
  EXPECT_EQ(idle.purposes, (std::vector<Purpose>{Purpose::kProcessImprovement, Purpose::kSafety}));
  EXPECT_EQ(policy.indicators.latency.from_minutes, 2);
  EXPECT_EQ(policy.indicators.latency.to_minutes, 8);
  EXPECT_EQ(policy.retention, (Retention{5, 3, 26, 12}));
  EXPECT_EQ(policy.aggregates, (Aggregates{7, false}));
  ASSERT_EQ(policy.access.size(), 1u);  // A given [[access]] list replaces the default.
  EXPECT_EQ(policy.access[0].role, Role::kDpo);
  EXPECT_EQ(policy.governance.staff_count, 40);
  EXPECT_EQ(policy.governance.works_council.date,
            Date(std::chrono::year(2025), std::chrono::March, std::chrono::day(14)));
  EXPECT_EQ(policy.governance.dpia.reference, "DPIA-1");
  EXPECT_EQ(policy.governance.evaluation_methods.reference, "handbook");
  EXPECT_EQ(policy.governance.audit_retention_justification, "internal control");
  EXPECT_FALSE(policy.notice.require_acknowledgement);
  EXPECT_EQ(policy.notice.controller, "ACME");
  EXPECT_EQ(policy.notice.languages, std::vector<Language>{Language::kEnglish});
}

// The labor day's time zone: an IANA name by its form (whether the tz database knows it is
// the check's question: policy_check_test).
TEST(PolicyTest, TimeZonesAreIanaNames) {
  EXPECT_EQ(DefaultPolicy().labor.time_zone, "UTC");
  for (const char* zone : {"UTC", "Europe/Paris", "America/Argentina/Buenos_Aires", "Etc/GMT-2",
                           "Etc/GMT+10", "Mars/Olympus_Mons"}) {
    EXPECT_EQ(Parse("[labor]\ntime_zone = \"" + std::string(zone) + "\"\n").labor.time_zone, zone);
  }
  for (const char* zone : {"", "/etc/passwd", "Europe//Paris", "Europe/Paris/", "../Paris",
                           "Europe/Paris time", "Europe/Pa\u00e9ris"}) {
    ExpectError("[labor]\ntime_zone = \"" + std::string(zone) + "\"\n", "bad_policy",
                {"labor.time_zone", "must be an IANA time zone name", "line 2"});
  }
  ExpectError("[labor]\ntime_zone = \"" + std::string(65, 'A') + "\"\n", "bad_policy",
              {"labor.time_zone"});
  ExpectError("[labor]\ntime_zone = 1\n", "bad_policy", {"labor.time_zone", "must be a string"});
  ExpectError("[labor]\nzone = \"Europe/Paris\"\n", "bad_policy",
              {"labor.zone: unknown key", "time_zone"});
}

TEST(PolicyTest, UnknownKeysNameTheirPath) {
  ExpectError("bogus = 1\n", "bad_policy", {"bogus: unknown key", "profile", "line 1"});
  ExpectError(
      "[indicators.idle_time]\nthreshhold_minutes = 10\n", "bad_policy",
      {"indicators.idle_time.threshhold_minutes: unknown key", "threshold_minutes", "line 2"});
  ExpectError("[indicators.speed]\nenabled = true\n", "bad_policy",
              {"indicators.speed: unknown key"});
  ExpectError("[governance.dpia]\ndate = 2025-01-01\n", "bad_policy",
              {"governance.dpia.date: unknown key", "completed_on"});
  ExpectError("[[access]]\nrole = \"hr\"\nwho = \"x\"\n", "bad_policy",
              {"access[0].who: unknown key"});
}

TEST(PolicyTest, WrongTypesNameTheirPath) {
  ExpectError(
      "[indicators.idle_time]\nthreshold_minutes = \"10\"\n", "bad_policy",
      {"indicators.idle_time.threshold_minutes", "must be an integer, not a string", "line 2"});
  ExpectError("[indicators.idle_time]\nbreaks_excluded = 1\n", "bad_policy",
              {"indicators.idle_time.breaks_excluded", "must be a boolean"});
  ExpectError("indicators = 3\n", "bad_policy", {"indicators", "must be a table"});
  ExpectError("access = {role = \"hr\"}\n", "bad_policy", {"access", "array of tables"});
  ExpectError("[governance.works_council]\nconsulted_on = \"2025-03-14\"\n", "bad_policy",
              {"governance.works_council.consulted_on", "without quotes"});
  ExpectError("[governance.works_council]\nconsulted_on = 2025-03-14T10:00:00\n", "bad_policy",
              {"governance.works_council.consulted_on", "not a time"});
  ExpectError("[indicators.worker_weekly]\npurposes = \"planning\"\n", "bad_policy",
              {"indicators.worker_weekly.purposes", "must be an array"});
  ExpectError("[indicators.worker_weekly]\npurposes = [1]\n", "bad_policy",
              {"indicators.worker_weekly.purposes[0]", "must be a string"});
  ExpectError("[governance]\nstaff_count = 12.5\n", "bad_policy",
              {"governance.staff_count", "not a float"});
}

TEST(PolicyTest, UnknownNamesListTheAllowedOnes) {
  ExpectError("profile = \"cnil\"\n", "bad_policy",
              {"profile", "\"cnil\" is not one of: cnil-strict, fr-conseil-etat-2025"});
  ExpectError("[indicators.worker_weekly]\nbucket = \"fortnight\"\n", "bad_policy",
              {"indicators.worker_weekly.bucket", "hour, half_day, day, week, month"});
  ExpectError("[indicators.realtime_individual]\npurposes = [\"quality\", \"profit\"]\n",
              "bad_policy", {"indicators.realtime_individual.purposes[1]", "\"profit\""});
  ExpectError(
      "[[access]]\nrole = \"boss\"\ndata = \"audit_log\"\nscope = \"site\"\n"
      "period = \"today\"\npurposes = [\"data_protection\"]\n",
      "bad_policy", {"access[0].role", "\"boss\"", "site_manager"});
  ExpectError("[notice]\nlanguages = [\"de\"]\n", "bad_policy", {"notice.languages[0]", "en, fr"});
}

TEST(PolicyTest, NumbersOutOfBoundsAreRefused) {
  ExpectError("[retention]\nlabor_events_days = 0\n", "bad_policy",
              {"retention.labor_events_days", "is 0", "[1, 3650]"});
  ExpectError("[indicators.idle_time]\ndisplay_delay_minutes = -1\n", "bad_policy",
              {"indicators.idle_time.display_delay_minutes", "[0, 10080]"});
  ExpectError("[aggregates]\nmin_group_size = 0\n", "bad_policy",
              {"aggregates.min_group_size", "[1, 1000]"});
  ExpectError("version = 2\n", "bad_policy", {"version", "is 2", "[1, 1]"});
  ExpectError("[indicators.latency]\nfrom_minutes = 10\nto_minutes = 5\n", "bad_policy",
              {"indicators.latency.to_minutes", "less than from_minutes (10)"});
}

TEST(PolicyTest, ListsMustBeNonEmptyAndDistinct) {
  ExpectError("[indicators.idle_time]\npurposes = []\n", "bad_policy",
              {"indicators.idle_time.purposes", "at least one"});
  ExpectError("[indicators.worker_weekly]\ncontents = [\"raw_errors\", \"raw_errors\"]\n",
              "bad_policy", {"indicators.worker_weekly.contents[1]", "listed twice"});
  ExpectError("[notice]\nlanguages = []\n", "bad_policy", {"notice.languages"});
}

constexpr std::string_view kGrant =
    "[[access]]\nrole = \"hr\"\ndata = \"worker_weekly\"\nscope = \"site\"\n"
    "period = \"all_retained\"\npurposes = [\"planning\"]\n";

TEST(PolicyTest, GrantsNeedEveryFieldAndNoDuplicate) {
  ExpectError(
      "[[access]]\nrole = \"hr\"\ndata = \"worker_weekly\"\nscope = \"site\"\n"
      "purposes = [\"planning\"]\n",
      "bad_policy", {"access[0].period: missing key"});
  ExpectError(std::string(kGrant) + std::string(kGrant), "bad_policy",
              {"access[1].role", "grants hr worker_weekly for scope site again", "access[0]"});
  EXPECT_TRUE(ParsePolicyToml("access = []\n").ok());  // An empty list is legal (and unlawful).
}

TEST(PolicyTest, StringsAreOneBoundedLine) {
  ExpectError("[notice]\ndpo_contact = \"dpo\\n@x\"\n", "bad_policy",
              {"notice.dpo_contact", "one line"});
  ExpectError("[notice]\ncontroller = \"" + std::string(kMaxPolicyStringBytes + 1, 'x') + "\"\n",
              "policy_too_large", {"notice.controller", "at most 500"},
              StatusCode::kResourceExhausted);
}

TEST(PolicyTest, LimitsGivePolicyTooLarge) {
  std::string big = "# " + std::string(kMaxPolicyTomlBytes, 'x') + "\n";
  ExpectError(big, "policy_too_large", {"at most 1048576"}, StatusCode::kResourceExhausted);
  std::string grants;
  for (size_t i = 0; i <= kMaxAccessGrants; ++i) {
    grants +=
        "[[access]]\nrole = \"worker\"\ndata = \"operational\"\nscope = \"self\"\n"
        "period = \"today\"\npurposes = [\"quality\"]\n";
  }
  ExpectError(grants, "policy_too_large", {"access", "101 grants; at most 100"},
              StatusCode::kResourceExhausted);
}

TEST(PolicyTest, BadTomlGivesLineAndColumn) {
  ExpectError("profile = \n", "bad_toml", {"line 1"});
  ExpectError("[retention]\nlabor_events_days = 1\n[retention]\n", "bad_toml", {"line 3"});
}

TEST(PolicyTest, DatesRoundTrip) {
  StatusOr<Date> date = ParseDate("2026-05-04");
  ASSERT_TRUE(date.ok()) << date.status().ToString();
  EXPECT_EQ(*date, Date(std::chrono::year(2026), std::chrono::May, std::chrono::day(4)));
  EXPECT_EQ(FormatDate(*date), "2026-05-04");
  for (std::string_view bad : {"2026-02-30", "2026-5-04", "2026/05/04", "abcd-ef-gh", "+026-05-04",
                               "2026-05-04x", "", "2026-13-01"}) {
    StatusOr<Date> parsed = ParseDate(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.status().reason(), "bad_date");
    }
  }
}

// The policy's roles are the account roles: a grant must name a role a user can have.
TEST(PolicyTest, RolesAreTheAccountRoles) {
  for (Role role : kAllRoles) {
    StatusOr<auth::Role> account_role = auth::ParseRole(RoleName(role));
    ASSERT_TRUE(account_role.ok()) << RoleName(role);
    EXPECT_EQ(auth::RoleName(*account_role), RoleName(role));
  }
  for (auth::Role role : {auth::Role::kAdmin, auth::Role::kSiteManager, auth::Role::kSupervisor,
                          auth::Role::kHr, auth::Role::kDpo, auth::Role::kWorker}) {
    bool found = false;
    for (Role policy_role : kAllRoles) {
      found = found || RoleName(policy_role) == auth::RoleName(role);
    }
    EXPECT_TRUE(found) << auth::RoleName(role);
  }
}

TEST(PolicyTest, EveryNameParsesBack) {
  for (Purpose purpose : kAllPurposes) {
    Policy policy = Parse("[indicators.idle_time]\npurposes = [\"" +
                          std::string(PurposeName(purpose)) + "\"]\n");
    EXPECT_EQ(policy.indicators.idle_time.purposes, std::vector<Purpose>{purpose});
  }
  for (WeeklyContent content : kAllWeeklyContents) {
    Policy policy = Parse("[indicators.worker_weekly]\ncontents = [\"" +
                          std::string(WeeklyContentName(content)) + "\"]\n");
    EXPECT_EQ(policy.indicators.worker_weekly.contents, std::vector<WeeklyContent>{content});
  }
  for (DataClass data : kAllDataClasses) {
    for (Scope scope : kAllScopes) {
      for (Period period : kAllPeriods) {
        Policy policy =
            Parse("[[access]]\nrole = \"dpo\"\ndata = \"" + std::string(DataClassName(data)) +
                  "\"\nscope = \"" + std::string(ScopeName(scope)) + "\"\nperiod = \"" +
                  std::string(PeriodName(period)) + "\"\npurposes = [\"quality\"]\n");
        ASSERT_EQ(policy.access.size(), 1u);
        EXPECT_EQ(policy.access[0].data, data);
        EXPECT_EQ(policy.access[0].scope, scope);
        EXPECT_EQ(policy.access[0].period, period);
      }
    }
  }
}

}  // namespace
}  // namespace entrepot::privacy
