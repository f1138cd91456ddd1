// Property: for any stream of scans, replaying the journal's entries (encoded and decoded)
// from an empty state gives exactly the state the sequencer built incrementally, and a
// snapshot taken anywhere restores to the same state.
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "entrepot/core/codec.h"
#include "entrepot/core/site.h"
#include "entrepot/core/site_test_util.h"
#include "gtest/gtest.h"

namespace entrepot::core {
namespace {

using namespace std::string_literals;  // NOLINT(google-build-using-namespace): test only.

// Codes a random stream draws from: every kind of scan, valid or not.
std::vector<std::string> Vocabulary() {
  using testing::ContainerLabel;
  using testing::Item;
  using testing::LocationLabel;
  return {LocationLabel("DOCK-01"),
          LocationLabel("DOCK-02"),
          LocationLabel("A-01-001-1-1"),
          LocationLabel("A-01-001-1-2"),
          LocationLabel("P-01-001-1-1"),
          LocationLabel("PACK-01"),
          LocationLabel("DOOR-01"),
          LocationLabel("NOPE-1"),
          ContainerLabel("T1"),
          ContainerLabel("T2"),
          ContainerLabel("K1"),
          Item(testing::kKettle),
          Item(testing::kCable),
          Item(testing::kCable) + "(30)3",
          testing::ItemWithLot(testing::kKettle, "L1", "270630"),
          testing::ItemWithLot(testing::kKettle, "L2", "270100"),
          testing::ItemWithSerial(testing::kCable, "S1"),
          testing::ItemWithSerial(testing::kCable, "S2"),
          Item(testing::kUnknownGtin),
          testing::Sscc(testing::kParcel1),
          testing::Sscc(testing::kParcel2),
          testing::Sscc(testing::kPallet),
          "(01)09506000134353",
          "garbage"};
}

uint64_t SeedFromEnvironmentOr(uint64_t fallback) {
  const char* seed = std::getenv("ENTREPOT_TEST_SEED");
  return seed != nullptr ? std::strtoull(seed, nullptr, 10) : fallback;
}

class ReplayTest : public ::testing::TestWithParam<uint64_t> {};

TEST_P(ReplayTest, ReplayOfJournalEqualsIncrementalState) {
  const uint64_t seed = SeedFromEnvironmentOr(GetParam());
  std::cout << "seed " << seed << " (rerun with ENTREPOT_TEST_SEED=" << seed << ")\n";
  std::mt19937_64 random(seed);
  const std::vector<std::string> vocabulary = Vocabulary();
  const std::vector<std::string> devices = {"HH-01", "HH-02", "HH-03"};

  Site live;
  std::vector<std::string> journal;
  for (const Entry& entry : live.LoadLayout(testing::SmallLayout(), 1)) {
    journal.push_back(EncodeEntry(entry));
  }
  std::string snapshot;
  uint64_t snapshot_seq = 0;
  int64_t now = testing::kStart;
  const int scans = 3000;
  for (int i = 0; i < scans; ++i) {
    now += static_cast<int64_t>(random() % 3000);
    ScanCommand command;
    command.key = "k" + std::to_string(random() % 2500);  // Some keys repeat.
    command.device = devices[random() % devices.size()];
    command.mode = static_cast<Mode>(random() % kModeCount);
    command.code = vocabulary[random() % vocabulary.size()];
    command.at_ms = now;
    Site::Execution execution = live.Execute(command, journal.size() + 1);
    if (execution.duplicate_of == 0) {
      journal.push_back(EncodeEntry(execution.entry));
    }
    if (i == scans / 2) {
      snapshot = live.state().Encode();
      snapshot_seq = journal.size();
    }
  }

  Site replayed;
  for (size_t i = 0; i < journal.size(); ++i) {
    StatusOr<Entry> entry = DecodeEntry(journal[i]);
    ASSERT_TRUE(entry.ok()) << entry.status().ToString();
    entry->seq = i + 1;
    replayed.Replay(*entry);
  }
  EXPECT_EQ(replayed.state().Encode(), live.state().Encode()) << "seed " << seed;

  StatusOr<SiteState> restored = SiteState::Decode(snapshot);
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  Site resumed(SiteConfig{}, *std::move(restored));
  for (size_t i = snapshot_seq; i < journal.size(); ++i) {
    StatusOr<Entry> entry = DecodeEntry(journal[i]);
    ASSERT_TRUE(entry.ok());
    entry->seq = i + 1;
    resumed.Replay(*entry);
  }
  EXPECT_EQ(resumed.state().Encode(), live.state().Encode()) << "seed " << seed;
  // The stream exercised accepted and refused scans alike.
  const SiteCounters& counters = live.state().counters();
  EXPECT_GT(counters.scans_by_outcome[static_cast<int>(Outcome::kOk)], 100) << "seed " << seed;
  EXPECT_GT(counters.scans_by_outcome[static_cast<int>(Outcome::kNotExpected)], 100);
}

INSTANTIATE_TEST_SUITE_P(Seeds, ReplayTest, ::testing::Values(1, 2, 3, 42, 2026));

}  // namespace
}  // namespace entrepot::core
