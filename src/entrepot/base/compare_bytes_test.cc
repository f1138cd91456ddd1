#include "entrepot/base/compare_bytes.h"

#include <cstdio>
#include <random>
#include <string>

#include "gtest/gtest.h"

namespace entrepot {
namespace {

int Sign(int value) { return (value > 0) - (value < 0); }

TEST(CompareBytesTest, OrdersAsStringViewCompare) {
  EXPECT_EQ(CompareBytes("", ""), 0);
  EXPECT_LT(CompareBytes("", "a"), 0);
  EXPECT_GT(CompareBytes("b", "a"), 0);
  EXPECT_LT(CompareBytes("A-01-001-1-1", "A-01-001-1-2"), 0);
  EXPECT_LT(CompareBytes("09506000134352", "095060001343521"), 0);
  EXPECT_EQ(CompareBytes("label:T44", "label:T44"), 0);
}

TEST(CompareBytesTest, ComparesBytesAsUnsigned) {
  // memcmp's order: 0xE9 (é in Latin-1) after 'z', whatever the sign of char.
  EXPECT_GT(CompareBytes("abcdefgh\xE9", "abcdefghz"), 0);
  EXPECT_GT(CompareBytes("\xE9", "z"), 0);
}

TEST(CompareBytesTest, AgreesWithStringViewCompareOnRandomStrings) {
  const auto seed = std::random_device{}();
  std::printf("seed %u\n", seed);
  std::mt19937 random(seed);
  // A small alphabet and lengths around the word size, so that many pairs share prefixes
  // and differ in either the word loop or the tail.
  std::uniform_int_distribution<int> length(0, 20);
  std::uniform_int_distribution<int> byte(0, 3);
  const char alphabet[] = {'0', '1', 'z', '\xE9'};
  auto make = [&] {
    std::string s(static_cast<size_t>(length(random)), '0');
    for (char& c : s) {
      c = alphabet[byte(random)];
    }
    return s;
  };
  for (int i = 0; i < 100'000; ++i) {
    const std::string a = make();
    const std::string b = i % 4 == 0 ? a + make() : make();
    ASSERT_EQ(Sign(CompareBytes(a, b)), Sign(std::string_view(a).compare(b)))
        << "seed " << seed << " a=" << a << " b=" << b;
  }
}

}  // namespace
}  // namespace entrepot
