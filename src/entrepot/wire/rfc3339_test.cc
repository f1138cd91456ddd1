#include "entrepot/wire/rfc3339.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>

namespace entrepot::wire {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kMsPerDay = 86'400'000;

int64_t ParseOrDie(std::string_view text) {
  StatusOr<int64_t> at_ms = ParseRfc3339Ms(text);
  EXPECT_TRUE(at_ms.ok()) << text << ": " << at_ms.status().ToString();
  return at_ms.ok() ? *at_ms : 0;
}

// Expects bad_timestamp with `detail` in the message.
void ExpectBad(std::string_view text, std::string_view detail) {
  StatusOr<int64_t> at_ms = ParseRfc3339Ms(text);
  ASSERT_FALSE(at_ms.ok()) << text << " parsed as " << *at_ms;
  EXPECT_EQ(at_ms.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(at_ms.status().reason(), "bad_timestamp") << text;
  EXPECT_THAT(at_ms.status().message(), HasSubstr(std::string(detail))) << text;
}

TEST(ParseRfc3339MsTest, EpochIsZero) { EXPECT_EQ(ParseOrDie("1970-01-01T00:00:00Z"), 0); }

TEST(ParseRfc3339MsTest, KnownInstant) {
  // date -u -d 2026-11-28T08:15:02.120Z +%s%3N
  EXPECT_EQ(ParseOrDie("2026-11-28T08:15:02.120Z"), 1'795'853'702'120);
  EXPECT_EQ(ParseOrDie("2026-11-28T08:15:02Z"), 1'795'853'702'000);
}

TEST(ParseRfc3339MsTest, OffsetsAreSubtractedToGetUtc) {
  const int64_t utc = ParseOrDie("2026-11-28T08:15:02.120Z");
  EXPECT_EQ(ParseOrDie("2026-11-28T09:15:02.120+01:00"), utc);
  EXPECT_EQ(ParseOrDie("2026-11-28T02:45:02.120-05:30"), utc);
  EXPECT_EQ(ParseOrDie("2026-11-28T08:15:02.120+00:00"), utc);
  EXPECT_EQ(ParseOrDie("2026-11-28T08:15:02.120-00:00"), utc);
  // An offset that crosses midnight and a year boundary.
  EXPECT_EQ(ParseOrDie("2027-01-01T00:30:00+01:00"), ParseOrDie("2026-12-31T23:30:00Z"));
  EXPECT_EQ(ParseOrDie("2026-12-31T23:30:00-23:59"), ParseOrDie("2027-01-01T23:29:00Z"));
}

TEST(ParseRfc3339MsTest, LowerCaseTAndZAreAccepted) {
  EXPECT_EQ(ParseOrDie("2026-11-28t08:15:02.120z"), ParseOrDie("2026-11-28T08:15:02.120Z"));
}

TEST(ParseRfc3339MsTest, FractionsOfOneToNineDigitsTruncateToMilliseconds) {
  const int64_t base = ParseOrDie("2026-11-28T08:15:02Z");
  EXPECT_EQ(ParseOrDie("2026-11-28T08:15:02.1Z"), base + 100);
  EXPECT_EQ(ParseOrDie("2026-11-28T08:15:02.12Z"), base + 120);
  EXPECT_EQ(ParseOrDie("2026-11-28T08:15:02.123Z"), base + 123);
  EXPECT_EQ(ParseOrDie("2026-11-28T08:15:02.1239Z"), base + 123);
  EXPECT_EQ(ParseOrDie("2026-11-28T08:15:02.999999999Z"), base + 999);
  EXPECT_EQ(ParseOrDie("2026-11-28T08:15:02.000000001Z"), base);
}

TEST(ParseRfc3339MsTest, LeapYearsFollowTheGregorianRule) {
  EXPECT_EQ(ParseOrDie("2028-03-01T00:00:00Z") - ParseOrDie("2028-02-29T00:00:00Z"), kMsPerDay);
  EXPECT_EQ(ParseOrDie("2000-03-01T00:00:00Z") - ParseOrDie("2000-02-29T00:00:00Z"), kMsPerDay);
  ExpectBad("2026-02-29T00:00:00Z", "day 29 is out of range 01..28");
  ExpectBad("1900-02-29T00:00:00Z", "day 29 is out of range 01..28");
  ExpectBad("2100-02-29T00:00:00Z", "day 29 is out of range 01..28");
  EXPECT_EQ(ParseOrDie("2024-12-31T00:00:00Z") - ParseOrDie("2024-01-01T00:00:00Z"),
            365 * kMsPerDay);
}

TEST(ParseRfc3339MsTest, RefusesDaysMonthsAndTimesOutOfRange) {
  ExpectBad("2026-04-31T00:00:00Z", "day 31 is out of range 01..30");
  ExpectBad("2026-01-00T00:00:00Z", "day 0 is out of range 01..31");
  ExpectBad("2026-13-01T00:00:00Z", "month 13 is out of range 01..12");
  ExpectBad("2026-00-01T00:00:00Z", "month 0 is out of range 01..12");
  ExpectBad("2026-11-28T24:00:00Z", "hour 24 is out of range 00..23");
  ExpectBad("2026-11-28T08:60:00Z", "minute 60 is out of range 00..59");
  ExpectBad("2026-11-28T08:15:61Z", "second 61 is out of range 00..59");
  ExpectBad("2026-12-31T23:59:60Z", "leap second");
  ExpectBad("2026-11-28T08:15:02+24:00", "offset hour 24 is out of range 00..23");
  ExpectBad("2026-11-28T08:15:02+01:60", "offset minute 60 is out of range 00..59");
}

TEST(ParseRfc3339MsTest, RefusesGrammarDeviations) {
  ExpectBad("", "year needs 4 digits at offset 0");
  ExpectBad("26-11-28T08:15:02Z", "year needs 4 digits");
  ExpectBad("2026/11/28T08:15:02Z", "expected '-' after the year at offset 4");
  ExpectBad("2026-1-28T08:15:02Z", "month needs 2 digits");
  ExpectBad("2026-11-28 08:15:02Z", "expected 'T' between date and time at offset 10");
  ExpectBad("2026-11-28T08:15Z", "expected ':' after the minute");
  ExpectBad("2026-11-28T8:15:02Z", "hour needs 2 digits");
  ExpectBad("2026-11-28T08:15:02", "expected time zone 'Z' or +hh:mm at offset 19");
  ExpectBad("2026-11-28T08:15:02.Z", "fraction needs 1 to 9 digits");
  ExpectBad("2026-11-28T08:15:02.1234567890Z", "more than 9 digits");
  ExpectBad("2026-11-28T08:15:02+0100", "expected ':' in the offset");
  ExpectBad("2026-11-28T08:15:02+01", "expected ':' in the offset");
  ExpectBad("2026-11-28T08:15:02ZZ", "unexpected characters after the time zone at offset 20");
  ExpectBad("2026-11-28T08:15:02Z ", "unexpected characters after the time zone");
  ExpectBad(" 2026-11-28T08:15:02Z", "year needs 4 digits");
  ExpectBad("2026-11-28", "expected 'T'");
  ExpectBad("+2026-11-28T08:15:02Z", "year needs 4 digits");
  ExpectBad("２026-11-28T08:15:02Z", "year needs 4 digits");  // Full-width digit.
}

TEST(ParseRfc3339MsTest, MessageQuotesTheInputSafely) {
  StatusOr<int64_t> at_ms = ParseRfc3339Ms(std::string("2026\x01-11", 8));
  ASSERT_FALSE(at_ms.ok());
  EXPECT_THAT(at_ms.status().message(), HasSubstr("\"2026\\x01-11\""));
  at_ms = ParseRfc3339Ms(std::string(100, '9'));
  ASSERT_FALSE(at_ms.ok());
  EXPECT_THAT(at_ms.status().message(), HasSubstr("...")) << "long input is cut";
  EXPECT_LT(at_ms.status().message().size(), 100u);
}

TEST(ParseRfc3339MsTest, RangeIsYearsZeroToNineThousandNineHundredNinetyNineInUtc) {
  EXPECT_EQ(ParseOrDie("0000-01-01T00:00:00Z"), kMinRfc3339Ms);
  EXPECT_EQ(ParseOrDie("9999-12-31T23:59:59.999Z"), kMaxRfc3339Ms);
  EXPECT_EQ(ParseOrDie("1969-12-31T23:59:59.999Z"), -1);
  ExpectBad("0000-01-01T00:30:00+01:00", "outside years 0000..9999");
  ExpectBad("9999-12-31T23:30:00-01:00", "outside years 0000..9999");
}

TEST(FormatRfc3339MsTest, FormatsUtcWithMilliseconds) {
  EXPECT_EQ(FormatRfc3339Ms(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatRfc3339Ms(1'795'853'702'120), "2026-11-28T08:15:02.120Z");
  EXPECT_EQ(FormatRfc3339Ms(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatRfc3339Ms(-kMsPerDay), "1969-12-31T00:00:00.000Z");
  EXPECT_EQ(FormatRfc3339Ms(kMinRfc3339Ms), "0000-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatRfc3339Ms(kMaxRfc3339Ms), "9999-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatRfc3339Ms(ParseOrDie("2028-02-29T12:00:00Z")), "2028-02-29T12:00:00.000Z");
}

TEST(FormatRfc3339MsDeathTest, OutOfRangeIsAProgrammerError) {
  EXPECT_DEATH((void)FormatRfc3339Ms(kMaxRfc3339Ms + 1), "check failed");
  EXPECT_DEATH((void)FormatRfc3339Ms(kMinRfc3339Ms - 1), "check failed");
}

TEST(Rfc3339RoundTripTest, EveryDayOfFourHundredYearsRoundTrips) {
  // One Gregorian cycle, 1970..2370, at a time of day that exercises every field.
  const int64_t time_of_day_ms = ((13 * 60 + 47) * 60 + 9) * 1000 + 87;
  for (int64_t day = 0; day < 146097; ++day) {
    const int64_t at_ms = day * kMsPerDay + time_of_day_ms;
    const std::string text = FormatRfc3339Ms(at_ms);
    StatusOr<int64_t> parsed = ParseRfc3339Ms(text);
    ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.status().ToString();
    ASSERT_EQ(*parsed, at_ms) << text;
  }
}

TEST(Rfc3339RoundTripTest, RandomInstantsOverTheWholeRangeRoundTrip) {
  const uint32_t seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 random(seed);
  std::uniform_int_distribution<int64_t> instants(kMinRfc3339Ms, kMaxRfc3339Ms);
  for (int i = 0; i < 100'000; ++i) {
    const int64_t at_ms = instants(random);
    const std::string text = FormatRfc3339Ms(at_ms);
    StatusOr<int64_t> parsed = ParseRfc3339Ms(text);
    ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.status().ToString();
    ASSERT_EQ(*parsed, at_ms) << text;
  }
}

}  // namespace
}  // namespace entrepot::wire
