#include "entrepot/domain/gs1/gs1_date.h"

#include <gtest/gtest.h>

namespace entrepot::gs1 {
namespace {

TEST(Gs1DateTest, ExpandsWithinTheCurrentCentury) {
  EXPECT_EQ(*ExpandGs1Date("271231", 2025), "2027-12-31");
  EXPECT_EQ(*ExpandGs1Date("250101", 2025), "2025-01-01");
}

TEST(Gs1DateTest, DayZeroIsTheLastDayOfTheMonth) {
  EXPECT_EQ(*ExpandGs1Date("270200", 2025), "2027-02-28");
  EXPECT_EQ(*ExpandGs1Date("280200", 2025), "2028-02-29");
  EXPECT_EQ(*ExpandGs1Date("270400", 2025), "2027-04-30");
  EXPECT_EQ(*ExpandGs1Date("271200", 2025), "2027-12-31");
}

TEST(Gs1DateTest, SlidingCenturyWindow) {
  // YY - current YY in [51, 99]: previous century; in [-99, -50]: next century.
  EXPECT_EQ(*ExpandGs1Date("760101", 2025), "1976-01-01");  // +51
  EXPECT_EQ(*ExpandGs1Date("750101", 2025), "2075-01-01");  // +50
  EXPECT_EQ(*ExpandGs1Date("250101", 2075), "2125-01-01");  // -50
  EXPECT_EQ(*ExpandGs1Date("260101", 2075), "2026-01-01");  // -49
  EXPECT_EQ(*ExpandGs1Date("990101", 2000), "1999-01-01");  // +99
  EXPECT_EQ(*ExpandGs1Date("000101", 2099), "2100-01-01");  // -99
}

TEST(Gs1DateTest, LeapYearsFollowTheExpandedCentury) {
  EXPECT_EQ(*ExpandGs1Date("000229", 2030), "2000-02-29");
  EXPECT_EQ(ExpandGs1Date("000229", 2099).status().reason(), "bad_date");  // 2100.
  EXPECT_EQ(ExpandGs1Date("230229", 2025).status().reason(), "bad_date");
}

TEST(Gs1DateTest, Errors) {
  EXPECT_EQ(ExpandGs1Date("2712", 2025).status().reason(), "bad_length");
  EXPECT_EQ(ExpandGs1Date("27123A", 2025).status().reason(), "bad_character");
  const Status month = ExpandGs1Date("271301", 2025).status();
  EXPECT_EQ(month.reason(), "bad_date");
  EXPECT_EQ(month.message(), "month 13 is not a valid month");
  EXPECT_EQ(ExpandGs1Date("271232", 2025).status().reason(), "bad_date");
  EXPECT_EQ(ExpandGs1Date("270431", 2025).status().reason(), "bad_date");
}

TEST(Gs1DateTest, ExpiryDateOfParsedCode) {
  const StatusOr<Gs1Data> data = ParseGs1("(01)09506000134352(17)270200");
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_EQ(*ExpiryDate(*data, 2025), "2027-02-28");
  const StatusOr<Gs1Data> no_expiry = ParseGs1("(01)09506000134352");
  ASSERT_TRUE(no_expiry.ok());
  const Status status = ExpiryDate(*no_expiry, 2025).status();
  EXPECT_EQ(status.reason(), "no_expiry_date");
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace entrepot::gs1
