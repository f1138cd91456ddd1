#include "entrepot/base/str_cat.h"

#include <string>
#include <string_view>

#include "gtest/gtest.h"

namespace entrepot {
namespace {

TEST(StrCatTest, JoinsPiecesOfEveryStringKindInOrder) {
  const std::string bin = "A-01-004-1-1";
  const std::string_view dot = ".";
  EXPECT_EQ(StrCat("Stowed in ", bin, dot), "Stowed in A-01-004-1-1.");
  EXPECT_EQ(StrCat("", bin, ""), bin);
}

TEST(StrCatTest, ReservesExactlyTheJoinedSize) {
  const std::string long_piece(100, 'x');
  const std::string joined = StrCat(long_piece, "-", long_piece);
  EXPECT_EQ(joined.size(), 201u);
  EXPECT_EQ(joined.capacity(), 201u);  // One allocation, no growth.
}

}  // namespace
}  // namespace entrepot
