#include "entrepot/sim/scenario.h"

#include <gtest/gtest.h>

namespace entrepot::sim {
namespace {

TEST(ScenarioTest, EmptyTextKeepsEveryDefault) {
  StatusOr<Scenario> scenario = ParseScenarioToml("");
  ASSERT_TRUE(scenario.ok()) << scenario.status().ToString();
  EXPECT_EQ(scenario->seed, 1u);
  EXPECT_EQ(scenario->minutes, 480);
  EXPECT_TRUE(scenario->directed_picking);
  EXPECT_TRUE(scenario->carriers.empty());
}

TEST(ScenarioTest, ReadsEverySection) {
  StatusOr<Scenario> scenario = ParseScenarioToml(R"(
seed = 42
start = "2026-11-30T05:00:00Z"
minutes = 90
speed = 0
picking = "free"
[staff]
receive = 1
stow = 2
pick = 3
pack = 4
ship = 5
[inbound]
trucks = 2
pallets_per_truck = 3
products_per_pallet = 2
units_per_product = 6
[orders]
per_hour = 120.5
max_lines = 2
max_units_per_line = 1
per_batch = 4
release_every_minutes = 2
[cadence]
scan_seconds = 2
travel_seconds = 5
skill_spread = 0.3
break_minutes = 0
[mistakes]
wrong_bin = 0.1
wrong_unit = 0
damaged_label = 0.02
[[carriers]]
code = "DPD"
doors = ["DOOR-01"]
cutoffs = ["14:00", "18:30"]
)");
  ASSERT_TRUE(scenario.ok()) << scenario.status().ToString();
  EXPECT_EQ(scenario->seed, 42u);
  EXPECT_EQ(scenario->minutes, 90);
  EXPECT_EQ(scenario->speed, 0);
  EXPECT_FALSE(scenario->directed_picking);
  EXPECT_EQ(scenario->workers(), 15);
  EXPECT_EQ(scenario->units_per_product, 6);
  EXPECT_DOUBLE_EQ(scenario->orders_per_hour, 120.5);
  EXPECT_DOUBLE_EQ(scenario->wrong_bin, 0.1);
  EXPECT_DOUBLE_EQ(scenario->skill_spread, 0.3);
  ASSERT_EQ(scenario->carriers.size(), 1u);
  // 14:00 and 18:30 UTC on the start's day.
  EXPECT_EQ(scenario->carriers[0].cutoffs_ms,
            (std::vector<int64_t>{1'796'047'200'000, 1'796'063'400'000}));
}

TEST(ScenarioTest, UnknownKeyIsRefusedByName) {
  StatusOr<Scenario> scenario = ParseScenarioToml("[staff]\npickers = 3\n");
  ASSERT_FALSE(scenario.ok());
  EXPECT_EQ(scenario.status().reason(), "bad_scenario");
  EXPECT_NE(scenario.status().message().find("staff.pickers"), std::string::npos);
}

TEST(ScenarioTest, ValueOutOfRangeNamesTheRange) {
  StatusOr<Scenario> scenario = ParseScenarioToml("[mistakes]\nwrong_bin = 0.5\n");
  ASSERT_FALSE(scenario.ok());
  EXPECT_EQ(scenario.status().reason(), "bad_scenario");
  EXPECT_NE(scenario.status().message().find("mistakes.wrong_bin: must be a number from 0 to 0.2"),
            std::string::npos)
      << scenario.status().message();
}

TEST(ScenarioTest, BadCutoffAndUnorderedCutoffsAreRefused) {
  EXPECT_EQ(ParseScenarioToml("[[carriers]]\ncode = \"X\"\ndoors = [\"D\"]\ncutoffs = [\"25:00\"]")
                .status()
                .reason(),
            "bad_scenario");
  EXPECT_EQ(ParseScenarioToml(
                "[[carriers]]\ncode = \"X\"\ndoors = [\"D\"]\ncutoffs = [\"18:00\", \"14:00\"]")
                .status()
                .reason(),
            "bad_scenario");
}

TEST(ScenarioTest, TooManyWorkersIsRefused) {
  StatusOr<Scenario> scenario =
      ParseScenarioToml("[staff]\nreceive = 500\nstow = 500\npick = 500\npack = 500\nship = 1\n");
  ASSERT_FALSE(scenario.ok());
  EXPECT_NE(scenario.status().message().find("at most 2000 workers"), std::string::npos);
}

TEST(ScenarioTest, InvalidTomlIsBadToml) {
  EXPECT_EQ(ParseScenarioToml("seed = = 3").status().reason(), "bad_toml");
  EXPECT_EQ(ParseScenarioToml("seed = \"seven\"").status().reason(), "bad_scenario");
  EXPECT_EQ(ParseScenarioToml("picking = \"wave\"").status().reason(), "bad_scenario");
}

}  // namespace
}  // namespace entrepot::sim
