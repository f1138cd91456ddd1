#include "entrepot/core/key_index.h"

#include <iostream>
#include <random>
#include <string>
#include <unordered_map>

#include "gtest/gtest.h"

namespace entrepot::core {
namespace {

TEST(KeyIndexTest, FindsRememberedKeysAndNothingElse) {
  KeyIndex index(100);
  index.Remember("dev-1-000001", 7, 7 * 1000);
  index.Remember("dev-1-000002", 8, 8 * 1000);
  EXPECT_EQ(index.Find("dev-1-000001"), 7u);
  EXPECT_EQ(index.Find("dev-1-000002"), 8u);
  EXPECT_EQ(index.Find("dev-1-000003"), 0u);
  EXPECT_EQ(index.size(), 2u);
}

TEST(KeyIndexTest, ForgetsTheOldestKeysFirstPastTheWindow) {
  KeyIndex index(3);
  index.Remember("a", 1, 1 * 1000);
  index.Remember("b", 2, 2 * 1000);
  index.Remember("c", 3, 3 * 1000);
  index.Remember("d", 4, 4 * 1000);
  EXPECT_EQ(index.Find("a"), 0u);
  EXPECT_EQ(index.Find("b"), 2u);
  EXPECT_EQ(index.Find("d"), 4u);
  EXPECT_EQ(index.size(), 3u);
}

TEST(KeyIndexTest, KnowsTheNewestTimeItForgot) {
  KeyIndex index(2);
  index.Remember("a", 1, 5000);
  index.Remember("b", 2, 4000);
  EXPECT_EQ(index.forgotten_until_ms(), 0);
  index.Remember("c", 3, 6000);  // Forgets a (5000).
  EXPECT_EQ(index.forgotten_until_ms(), 5000);
  index.Remember("d", 4, 7000);  // Forgets b (4000): the newest forgotten stays 5000.
  EXPECT_EQ(index.forgotten_until_ms(), 5000);
}

TEST(KeyIndexTest, RememberingAKeyAgainKeepsItsNewestSeq) {
  KeyIndex index(2);
  index.Remember("a", 1, 1 * 1000);
  index.Remember("a", 5, 5 * 1000);
  index.Remember("b", 6, 6 * 1000);  // Evicts the arrival (a, 1), which must not erase (a, 5).
  EXPECT_EQ(index.Find("a"), 5u);
  EXPECT_EQ(index.Find("b"), 6u);
}

// Property: the index agrees with a model (a map of the last `window` arrivals) over a
// random stream with repeats, through growth and many evictions.
TEST(KeyIndexTest, AgreesWithAModelOverRandomStreams) {
  const uint64_t seed = std::random_device{}();
  std::cout << "seed " << seed << "\n";
  std::mt19937_64 random(seed);
  const size_t window = 5000;
  KeyIndex index(window);
  std::vector<std::pair<std::string, uint64_t>> arrivals;
  for (uint64_t seq = 1; seq <= 60'000; ++seq) {
    std::string key = "k" + std::to_string(random() % 20'000);
    index.Remember(key, seq, static_cast<int64_t>(seq));
    arrivals.emplace_back(key, seq);
    if (seq % 997 == 0) {
      std::unordered_map<std::string, uint64_t> model;
      size_t first = arrivals.size() > window ? arrivals.size() - window : 0;
      for (size_t i = first; i < arrivals.size(); ++i) {
        model[arrivals[i].first] = arrivals[i].second;
      }
      ASSERT_EQ(index.size(), model.size()) << "seed " << seed;
      for (const auto& [k, s] : model) {
        ASSERT_EQ(index.Find(k), s) << k << " seed " << seed;
      }
      for (size_t i = 0; i < first; ++i) {
        if (!model.contains(arrivals[i].first)) {
          ASSERT_EQ(index.Find(arrivals[i].first), 0u) << arrivals[i].first << " seed " << seed;
        }
      }
    }
  }
}

}  // namespace
}  // namespace entrepot::core
