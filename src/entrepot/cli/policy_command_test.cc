// `entrepot policy check` and `entrepot policy explain` as a user runs them: the real
// binary on the shipped examples/policies/ and on broken files in a temporary directory.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "test_site.h"

namespace entrepot::cli {
namespace {

using testing::CommandResult;
using testing::RunEntrepot;

std::string Example(const std::string& name) {
  return std::string(ENTREPOT_SOURCE_DIR) + "/examples/policies/" + name;
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class PolicyCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "entrepot-policy-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  std::string dir_;
};

// The two lawful examples pass; `--today` pins the date the governance records are judged at.
TEST_F(PolicyCliTest, CheckPassesOnTheLawfulExamples) {
  for (const char* name : {"cnil-strict.toml", "fr-conseil-etat-2025.toml"}) {
    CommandResult result = RunEntrepot({"policy", "check", Example(name), "--today", "2026-05-04"});
    EXPECT_EQ(result.exit_status, 0) << name << "\n" << result.out;
    EXPECT_TRUE(Contains(result.out, "0 hard-rule violations")) << result.out;
    EXPECT_TRUE(Contains(result.out, "lawful.")) << result.out;
  }
}

TEST_F(PolicyCliTest, CheckFailsOnTheCnilFinedConfigurationWithRuleIdsAndSources) {
  CommandResult result =
      RunEntrepot({"policy", "check", Example("cnil-2024-fined.toml"), "--today", "2026-05-04"});
  EXPECT_EQ(result.exit_status, 1) << result.out;
  for (const char* part :
       {"IND-01 (hard rule) indicators.stow_speed_check.attach_to",
        "IND-02 (hard rule) indicators.idle_time.threshold_minutes is 10",
        "IND-03 (hard rule) indicators.latency.enabled",
        "RET-01 (hard rule) retention.labor_events_days is 31", "IND-07", "IND-09", "GOV-01",
        "source: CNIL SAN-2023-021 §§66-76", "source: CNIL SAN-2023-021 §§124-131", "not lawful"}) {
    EXPECT_TRUE(Contains(result.out, part)) << part << "\n" << result.out;
  }
}

TEST_F(PolicyCliTest, CheckWithoutFileChecksTheDefaultPolicy) {
  CommandResult result = RunEntrepot({"policy", "check"});
  EXPECT_EQ(result.exit_status, 0) << result.out;
  EXPECT_TRUE(Contains(result.out, "the default policy")) << result.out;
  EXPECT_TRUE(Contains(result.out, "TRN-02 (warning) notice.dpo_contact")) << result.out;
}

TEST_F(PolicyCliTest, UnreadableOrInvalidFilesExitOneWithAClearMessage) {
  CommandResult missing = RunEntrepot({"policy", "check", dir_ + "/absent.toml"});
  EXPECT_EQ(missing.exit_status, 1) << missing.out;
  EXPECT_TRUE(Contains(missing.out, "error: file_not_found")) << missing.out;

  std::string typo = Write("typo.toml", "[indicators.idle_time]\nthreshold_minute = 30\n");
  CommandResult invalid = RunEntrepot({"policy", "check", typo});
  EXPECT_EQ(invalid.exit_status, 1) << invalid.out;
  EXPECT_TRUE(Contains(invalid.out, "error: bad_policy: " + typo +
                                        ": indicators.idle_time.threshold_minute: unknown key"))
      << invalid.out;

  std::string broken = Write("broken.toml", "profile = \n");
  CommandResult bad_toml = RunEntrepot({"policy", "explain", broken});
  EXPECT_EQ(bad_toml.exit_status, 1) << bad_toml.out;
  EXPECT_TRUE(Contains(bad_toml.out, "error: bad_toml")) << bad_toml.out;

  CommandResult bad_date = RunEntrepot({"policy", "check", "--today", "2026-02-30"});
  EXPECT_EQ(bad_date.exit_status, 1) << bad_date.out;
  EXPECT_TRUE(Contains(bad_date.out, "bad_date")) << bad_date.out;
}

// The labor day's time zone is looked up in the machine's tz database: a typo is a hard
// violation (RET-01) naming the key, as serve would refuse it.
TEST_F(PolicyCliTest, CheckRefusesATimeZoneTheTzDatabaseDoesNotKnow) {
  CommandResult typo = RunEntrepot(
      {"policy", "check", Write("typo.toml", "[labor]\ntime_zone = \"Europe/Pari\"\n")});
  EXPECT_EQ(typo.exit_status, 1) << typo.out;
  EXPECT_TRUE(Contains(typo.out, "RET-01 (hard rule) labor.time_zone is \"Europe/Pari\""))
      << typo.out;
  CommandResult paris = RunEntrepot(
      {"policy", "check", Write("paris.toml", "[labor]\ntime_zone = \"Europe/Paris\"\n")});
  EXPECT_EQ(paris.exit_status, 0) << paris.out;
}

TEST_F(PolicyCliTest, GovernanceRecordsAreJudgedAtTheGivenDate) {
  // The example's works council was consulted on 2025-03-14: a day before, it was not.
  CommandResult result = RunEntrepot(
      {"policy", "check", Example("fr-conseil-etat-2025.toml"), "--today", "2025-03-13"});
  EXPECT_EQ(result.exit_status, 1) << result.out;
  EXPECT_TRUE(Contains(result.out,
                       "GOV-01 (hard rule) governance.works_council.consulted_on is "
                       "2025-03-14, after today (2025-03-13)"))
      << result.out;
}

TEST_F(PolicyCliTest, ExplainPrintsTheNoticeInEnglishOrFrench) {
  CommandResult english = RunEntrepot({"policy", "explain", Example("cnil-strict.toml")});
  EXPECT_EQ(english.exit_status, 0) << english.out;
  for (const char* part :
       {"Entrepôt: what is recorded about your work", "Employer: Example Logistique SAS.",
        "Your work today", "How long: 13 weeks", "Data protection officer: dpo@example.com."}) {
    EXPECT_TRUE(Contains(english.out, part)) << part << "\n" << english.out;
  }
  EXPECT_FALSE(Contains(english.out, "warning:")) << english.out;

  CommandResult french =
      RunEntrepot({"policy", "explain", Example("cnil-strict.toml"), "--lang", "fr"});
  EXPECT_EQ(french.exit_status, 0) << french.out;
  EXPECT_TRUE(Contains(french.out, "Vos droits")) << french.out;

  CommandResult german =
      RunEntrepot({"policy", "explain", Example("cnil-strict.toml"), "--lang", "de"});
  EXPECT_EQ(german.exit_status, 1) << german.out;
  EXPECT_TRUE(Contains(german.out, "bad_language")) << german.out;
}

TEST_F(PolicyCliTest, ExplainWarnsThatAnUnlawfulPolicyCannotBeUsed) {
  CommandResult result =
      RunEntrepot({"policy", "explain", Example("cnil-2024-fined.toml"), "--today", "2026-05-04"});
  EXPECT_EQ(result.exit_status, 0) << result.out;
  EXPECT_TRUE(Contains(result.out, "warning: ")) << result.out;
  EXPECT_TRUE(Contains(result.out, "cannot be used")) << result.out;
  EXPECT_TRUE(Contains(result.out, "Idle time")) << result.out;
}

}  // namespace
}  // namespace entrepot::cli
