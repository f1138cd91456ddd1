// The record of processing activities (GDPR Art. 30) generated from the shipped example
// policies and from hand-made ones.
#include "entrepot/privacy/record_of_processing.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

namespace entrepot::privacy {
namespace {

using nlohmann::json;

Policy Example(const std::string& name) {
  std::ifstream in(std::string(ENTREPOT_SOURCE_DIR) + "/examples/policies/" + name,
                   std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  std::ostringstream text;
  text << in.rdbuf();
  StatusOr<Policy> policy = ParsePolicyToml(text.str());
  EXPECT_TRUE(policy.ok()) << name << ": " << policy.status().ToString();
  return policy.ok() ? *policy : Policy{};
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Every purpose the policy enables: those of enabled indicators and of every grant.
std::set<std::string> EnabledPurposes(const Policy& policy) {
  std::set<std::string> names;
  auto add = [&](const std::vector<Purpose>& purposes) {
    for (Purpose purpose : purposes) {
      names.insert(std::string(PurposeName(purpose)));
    }
  };
  const Indicators& indicators = policy.indicators;
  if (indicators.realtime_individual.enabled) {
    add(indicators.realtime_individual.purposes);
  }
  if (indicators.worker_weekly.enabled) {
    add(indicators.worker_weekly.purposes);
  }
  if (indicators.idle_time.enabled) {
    add(indicators.idle_time.purposes);
  }
  if (indicators.latency.enabled) {
    add(indicators.latency.purposes);
  }
  for (const AccessGrant& grant : policy.access) {
    add(grant.purposes);
  }
  return names;
}

const ProcessingActivity* Find(const RecordOfProcessing& record, const std::string& id) {
  for (const ProcessingActivity& activity : record.activities) {
    if (activity.id == id) {
      return &activity;
    }
  }
  return nullptr;
}

class ExampleRegisterTest : public ::testing::TestWithParam<const char*> {};

TEST_P(ExampleRegisterTest, MentionsEachEnabledPurposeAndEachRetention) {
  const Policy policy = Example(GetParam());
  const std::string markdown = RecordOfProcessingMarkdown(BuildRecordOfProcessing(policy));
  for (const std::string& purpose : EnabledPurposes(policy)) {
    EXPECT_TRUE(Contains(markdown, purpose)) << GetParam() << ": purpose " << purpose;
  }
  const Retention& retention = policy.retention;
  EXPECT_TRUE(Contains(markdown, std::to_string(retention.audit_log_months) + " month"));
  EXPECT_TRUE(Contains(markdown, std::to_string(retention.worker_weekly_weeks) + " week"));
  EXPECT_TRUE(Contains(markdown, std::to_string(retention.operational_years) + " year"));
  EXPECT_TRUE(Contains(markdown, retention.labor_events_days == 1
                                     ? "the current day"
                                     : std::to_string(retention.labor_events_days) + " day"))
      << markdown;
  EXPECT_TRUE(Contains(markdown, "retention.labor_events_days"));
}

TEST_P(ExampleRegisterTest, HasEveryArticle30Heading) {
  const std::string markdown =
      RecordOfProcessingMarkdown(BuildRecordOfProcessing(Example(GetParam())));
  for (const char* heading :
       {"# Record of processing activities (GDPR Art. 30)", "## Controller",
        "**Data protection officer:**", "## Processing activities", "**Purposes:**",
        "**Data subjects:**", "**Categories of personal data:**", "**Recipients:**",
        "**Retention:**", "## Safeguards", "## Transfers", "None.", "## Governance records"}) {
    EXPECT_TRUE(Contains(markdown, heading)) << GetParam() << ": " << heading;
  }
}

TEST_P(ExampleRegisterTest, JsonCarriesTheSameActivities) {
  const Policy policy = Example(GetParam());
  const RecordOfProcessing record = BuildRecordOfProcessing(policy);
  const json document = json::parse(RecordOfProcessingJson(record));
  ASSERT_TRUE(document.is_object());
  EXPECT_EQ(document["controller"], policy.notice.controller);
  EXPECT_EQ(document["dpo_contact"], policy.notice.dpo_contact);
  EXPECT_EQ(document["profile"], ProfileName(policy.profile));
  ASSERT_EQ(document["activities"].size(), record.activities.size());
  std::set<std::string> purposes;
  for (const json& activity : document["activities"]) {
    for (const json& purpose : activity["purposes"]) {
      purposes.insert(purpose.get<std::string>());
    }
    for (const json& recipient : activity["recipients"]) {
      for (const json& purpose : recipient["purposes"]) {
        purposes.insert(purpose.get<std::string>());
      }
    }
  }
  for (const json& item : document["non_personal"]) {
    for (const std::string& purpose : EnabledPurposes(policy)) {
      if (Contains(item["description"].get<std::string>(), purpose)) {
        purposes.insert(purpose);
      }
    }
  }
  for (const std::string& purpose : EnabledPurposes(policy)) {
    EXPECT_TRUE(purposes.count(purpose)) << GetParam() << ": purpose " << purpose;
  }
  const json& audit = document["activities"][record.activities.size() - 2];
  EXPECT_EQ(audit["id"], "audit_log");
  EXPECT_EQ(audit["retention"]["value"], policy.retention.audit_log_months);
  EXPECT_EQ(audit["retention"]["unit"], "months");
}

INSTANTIATE_TEST_SUITE_P(Examples, ExampleRegisterTest,
                         ::testing::Values("cnil-strict.toml", "fr-conseil-etat-2025.toml",
                                           "cnil-2024-fined.toml"),
                         [](const ::testing::TestParamInfo<const char*>& param) {
                           std::string name = param.param;
                           name = name.substr(0, name.find('.'));
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(RecordOfProcessingTest, TheDefaultPolicyListsItsActivitiesInOrder) {
  const RecordOfProcessing record = BuildRecordOfProcessing(DefaultPolicy());
  std::vector<std::string> ids;
  for (const ProcessingActivity& activity : record.activities) {
    ids.push_back(activity.id);
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"realtime_individual", "worker_weekly", "audit_log",
                                           "accounts"}));
  // The stow check flags bins, not workers: no personal data (IND-01).
  ASSERT_EQ(record.non_personal.size(), 3u);
  EXPECT_EQ(record.non_personal[1].id, "stow_speed_check");
}

TEST(RecordOfProcessingTest, RealtimeRecipientsAreTheSupervisorAndTheWorker) {
  const RecordOfProcessing record = BuildRecordOfProcessing(DefaultPolicy());
  const ProcessingActivity* realtime = Find(record, "realtime_individual");
  ASSERT_NE(realtime, nullptr);
  ASSERT_EQ(realtime->recipients.size(), 2u);
  EXPECT_EQ(realtime->recipients[0].role, Role::kSupervisor);
  EXPECT_EQ(realtime->recipients[0].scope, Scope::kOwnShiftAndZone);
  EXPECT_EQ(realtime->recipients[0].period, Period::kToday);
  EXPECT_EQ(realtime->recipients[1].role, Role::kWorker);
  EXPECT_EQ(realtime->recipients[1].scope, Scope::kSelf);
  EXPECT_EQ(realtime->purposes,
            (std::vector<std::string>{"flow_management", "coaching", "quality", "own_data"}));
  EXPECT_EQ(realtime->retention_value, 1);
  EXPECT_EQ(realtime->retention_unit, "days");
}

TEST(RecordOfProcessingTest, MonitoringIndicatorsAppearOnlyWhenEnabled) {
  Policy policy = DefaultPolicy();
  EXPECT_EQ(Find(BuildRecordOfProcessing(policy), "idle_time"), nullptr);
  EXPECT_EQ(Find(BuildRecordOfProcessing(policy), "latency"), nullptr);
  policy.indicators.idle_time.enabled = true;
  policy.indicators.latency.enabled = true;
  policy.indicators.stow_speed_check.attach_to = Attachment::kWorker;
  const RecordOfProcessing record = BuildRecordOfProcessing(policy);
  const ProcessingActivity* idle = Find(record, "idle_time");
  ASSERT_NE(idle, nullptr);
  EXPECT_EQ(idle->purposes.front(), "process_improvement");
  EXPECT_TRUE(Contains(idle->data_categories.front(), "30 minutes"));
  EXPECT_NE(Find(record, "latency"), nullptr);
  EXPECT_NE(Find(record, "stow_speed_check"), nullptr);
  for (const NonPersonalProcessing& item : record.non_personal) {
    EXPECT_NE(item.id, "stow_speed_check");
  }
}

TEST(RecordOfProcessingTest, DisabledIndicatorsAreNotListed) {
  Policy policy = DefaultPolicy();
  policy.indicators.realtime_individual.enabled = false;
  policy.indicators.worker_weekly.enabled = false;
  const RecordOfProcessing record = BuildRecordOfProcessing(policy);
  EXPECT_EQ(Find(record, "realtime_individual"), nullptr);
  EXPECT_EQ(Find(record, "worker_weekly"), nullptr);
  EXPECT_NE(Find(record, "audit_log"), nullptr);  // Always kept (RET-03).
}

TEST(RecordOfProcessingTest, RetentionFollowsThePolicy) {
  Policy policy = DefaultPolicy();
  policy.retention.labor_events_days = 3;
  policy.retention.worker_weekly_weeks = 26;
  policy.retention.audit_log_months = 12;
  const RecordOfProcessing record = BuildRecordOfProcessing(policy);
  EXPECT_EQ(Find(record, "realtime_individual")->retention_value, 3);
  EXPECT_TRUE(Contains(Find(record, "realtime_individual")->retention, "3 days"));
  EXPECT_EQ(Find(record, "worker_weekly")->retention_value, 26);
  EXPECT_EQ(Find(record, "audit_log")->retention_value, 12);
  EXPECT_TRUE(Contains(RecordOfProcessingMarkdown(record), "12 months"));
}

TEST(RecordOfProcessingTest, AMissingControllerOrDpoIsShownAsMissing) {
  const std::string markdown = RecordOfProcessingMarkdown(BuildRecordOfProcessing(DefaultPolicy()));
  EXPECT_TRUE(Contains(markdown, "*not set: fill in `notice.controller` in the policy*"));
  EXPECT_TRUE(Contains(markdown, "*not set: fill in `notice.dpo_contact` in the policy*"));
}

TEST(RecordOfProcessingTest, SafeguardsFollowTheAggregateSettings) {
  Policy policy = DefaultPolicy();
  policy.aggregates.min_group_size = 12;
  policy.aggregates.differencing_protection = false;
  const RecordOfProcessing record = BuildRecordOfProcessing(policy);
  std::string all;
  for (const std::string& safeguard : record.safeguards) {
    all += safeguard + "\n";
  }
  EXPECT_TRUE(Contains(all, "k = 12"));
  EXPECT_TRUE(Contains(all, "does NOT refuse"));
}

TEST(RecordOfProcessingTest, GovernanceRecordsAreListedWithTheirDates) {
  Policy policy = DefaultPolicy();
  policy.governance.dpia.reference = "DPIA-2026-01";
  policy.governance.dpia.date =
      Date{std::chrono::year(2026), std::chrono::March, std::chrono::day(2)};
  const std::string markdown = RecordOfProcessingMarkdown(BuildRecordOfProcessing(policy));
  EXPECT_TRUE(Contains(markdown, "DPIA-2026-01, 2026-03-02")) << markdown;
  EXPECT_TRUE(
      Contains(markdown, "Works council consultation (C. trav. L2312-38):** none recorded"));
}

TEST(RecordOfProcessingTest, JsonSurvivesInvalidUtf8InPolicyStrings) {
  Policy policy = DefaultPolicy();
  policy.notice.controller = "Bad \xFF byte";
  const json document = json::parse(RecordOfProcessingJson(BuildRecordOfProcessing(policy)));
  EXPECT_TRUE(document["controller"].is_string());
}

}  // namespace
}  // namespace entrepot::privacy
