#include "entrepot/domain/gs1/internal/code_lists.h"

#include <gtest/gtest.h>

namespace entrepot::gs1::internal {
namespace {

TEST(CodeListsTest, ListsAreSortedForBinarySearch) { EXPECT_TRUE(CodeListsAreSortedForTest()); }

TEST(CodeListsTest, KnownAndUnknownCodes) {
  EXPECT_TRUE(IsIso3166Numeric("276"));  // Germany
  EXPECT_TRUE(IsIso3166Numeric("004"));  // First of the list.
  EXPECT_TRUE(IsIso3166Numeric("894"));  // Last of the list.
  EXPECT_FALSE(IsIso3166Numeric("999"));
  EXPECT_FALSE(IsIso3166Numeric("27"));
  EXPECT_TRUE(IsIso3166Alpha2("DE"));
  EXPECT_FALSE(IsIso3166Alpha2("EU"));
  EXPECT_TRUE(IsIso4217Numeric("978"));   // EUR
  EXPECT_TRUE(IsIso4217Numeric("999"));   // XXX
  EXPECT_FALSE(IsIso4217Numeric("191"));  // HRK, withdrawn.
  EXPECT_TRUE(IsPackageTypeCode("PX"));   // Pallet
  EXPECT_FALSE(IsPackageTypeCode("px"));
  EXPECT_TRUE(IsAidcMediaType("80"));
  EXPECT_FALSE(IsAidcMediaType("50"));
}

}  // namespace
}  // namespace entrepot::gs1::internal
