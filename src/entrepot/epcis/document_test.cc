#include "entrepot/epcis/document.h"

#include <cstdint>
#include <iostream>
#include <random>
#include <string>

#include "entrepot/epcis/schema.h"
#include "gtest/gtest.h"

namespace entrepot::epcis {
namespace {

using nlohmann::json;

TEST(DocumentTest, FormatsUtcWithMilliseconds) {
  EXPECT_EQ(FormatEpcisTime(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatEpcisTime(1'795'000'000'000), "2026-11-18T11:06:40.000Z");
  EXPECT_EQ(FormatEpcisTime(1'795'000'000'123), "2026-11-18T11:06:40.123Z");
  EXPECT_EQ(FormatEpcisTime(1'709'208'000'000), "2024-02-29T12:00:00.000Z");
  EXPECT_EQ(FormatEpcisTime(-1), "1969-12-31T23:59:59.999Z");
}

TEST(DocumentTest, ParsesOffsetsAndFractions) {
  EXPECT_EQ(*ParseEpcisTime("2026-11-18T11:06:40Z"), 1'795'000'000'000);
  EXPECT_EQ(*ParseEpcisTime("2026-11-18T11:06:40.123Z"), 1'795'000'000'123);
  EXPECT_EQ(*ParseEpcisTime("2026-11-18T12:06:40.1+01:00"), 1'795'000'000'100);
  EXPECT_EQ(*ParseEpcisTime("2005-04-03T20:33:31.116000-06:00"), 1'112'582'011'116);
  // Digits beyond the millisecond are truncated, as the event hash does.
  EXPECT_EQ(*ParseEpcisTime("2026-11-18T11:06:40.1239Z"), 1'795'000'000'123);
  EXPECT_EQ(*ParseEpcisTime("2024-02-29T12:00:00+14:00"), 1'709'208'000'000 - 14 * 3'600'000);
  EXPECT_EQ(*ParseEpcisTime("1969-12-31T23:59:59.999Z"), -1);
}

TEST(DocumentTest, RefusesWhatIsNotAnEpcisDateTime) {
  const char* const kBad[] = {
      "",
      "2026-11-18",
      "2026-11-18 11:06:40Z",
      "2026-11-18T11:06:40",  // No offset: a local time is ambiguous.
      "2026-11-18T11:06Z",
      "2026-11-18T24:00:00Z",
      "2026-11-18T11:60:00Z",
      "2026-11-18T11:06:60Z",
      "2026-02-29T11:06:40Z",  // 2026 is not a leap year.
      "2026-13-01T00:00:00Z",
      "0000-01-01T00:00:00Z",
      "2026-11-18T11:06:40.Z",
      "2026-11-18T11:06:40+15:00",
      "2026-11-18T11:06:40+01:60",
      "2026-11-18T11:06:40+0100",
      "2026-11-18T11:06:40Zjunk",
      "+2026-11-18T11:06:40Z",
      "2026-11-18T11:06:40.123456789012345678901234567890123456789012345Z",
  };
  for (const char* text : kBad) {
    StatusOr<int64_t> time = ParseEpcisTime(text);
    EXPECT_FALSE(time.ok()) << text;
    EXPECT_EQ(time.status().reason(), "bad_time") << text;
  }
}

TEST(DocumentTest, FormatAndParseRoundTrip) {
  const uint32_t seed = std::random_device{}();
  std::cout << "seed " << seed << "\n";
  std::mt19937_64 random(seed);
  // Years 1 to 9999.
  std::uniform_int_distribution<int64_t> ms(-62'135'596'800'000, 253'402'300'799'999);
  for (int i = 0; i < 2000; ++i) {
    int64_t time = ms(random);
    StatusOr<int64_t> back = ParseEpcisTime(FormatEpcisTime(time));
    ASSERT_TRUE(back.ok()) << FormatEpcisTime(time) << " seed " << seed;
    EXPECT_EQ(*back, time) << FormatEpcisTime(time) << " seed " << seed;
  }
}

TEST(DocumentTest, EpcisDocumentHasTheStandardHeaderAndValidates) {
  json event = {{"type", "ObjectEvent"},
                {"eventTime", "2026-11-18T11:06:40.000Z"},
                {"eventTimeZoneOffset", "+00:00"},
                {"action", "OBSERVE"},
                {"epcList", json::array({"urn:epc:id:sscc:9506000.0000000001"})}};
  json document = MakeEpcisDocument({event, event}, 1'795'000'000'000);
  EXPECT_EQ(document["type"], "EPCISDocument");
  EXPECT_EQ(document["schemaVersion"], "2.0");
  EXPECT_EQ(document["creationDate"], "2026-11-18T11:06:40.000Z");
  EXPECT_EQ(document["@context"], json::array({std::string(kEpcisContext)}));
  EXPECT_EQ(document["epcisBody"]["eventList"].size(), 2u);
  EXPECT_TRUE(ValidateEpcisDocument(document).empty());
  EXPECT_TRUE(ValidateEpcisDocument(MakeEpcisDocument({}, 0)).empty());
}

TEST(DocumentTest, QueryDocumentNamesTheQuery) {
  json document = MakeQueryDocument({}, "SimpleEventQuery", 0);
  EXPECT_EQ(document["type"], "EPCISQueryDocument");
  EXPECT_EQ(document["epcisBody"]["queryResults"]["queryName"], "SimpleEventQuery");
  EXPECT_TRUE(document["epcisBody"]["queryResults"]["resultsBody"]["eventList"].is_array());
  EXPECT_TRUE(ValidateEpcisDocument(document).empty());
}

}  // namespace
}  // namespace entrepot::epcis
