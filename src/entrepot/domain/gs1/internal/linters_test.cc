#include "entrepot/domain/gs1/internal/linters.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace entrepot::gs1::internal {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

struct LintCase {
  Linter linter;
  std::vector<std::string> good;
  std::vector<std::string> bad;
  std::string bad_reason;
};

// Pass and fail vectors for every linter the dictionary uses; many follow the unit tests of
// the GS1 reference linters.
std::vector<LintCase> Cases() {
  return {
      {Linter::kCsum,
       {"09506000134352", "106141411234567897", "00"},
       {"09506000134353", "1"},
       "bad_check_digit"},
      {Linter::kCsumAlpha,
       {"1987654Ad4X4bL5ttr2310c2K", "12345678901234567890123NT", "22", "!22", "00000!HV",
        "12345_!\"%&'()*+,-./LC"},
       {"1987654Ad4X4bL5ttr2310cXK", "1987654Ad4X4bL5ttr2310c2X", "33", "2",
        "12345678901234567890123 T"},
       "bad_check_digit"},
      {Linter::kGcpPos1, {"1234", "12345A"}, {"123", "123A5", "A2345"}, "bad_value"},
      {Linter::kGcpPos2, {"I1234", "01234A"}, {"I123", "1A2345"}, "bad_value"},
      {Linter::kYymmd0,
       {"200229", "200600", "000229", "991231"},
       {"200230", "201310", "200000", "210229", "200132"},
       "bad_date"},
      {Linter::kYymmdd,
       {"200229", "240229", "991231"},
       {"200600", "230229", "201232", "2001"},
       "bad_date"},
      {Linter::kYyyymmdd,
       {"20000229", "20240229", "19991231"},
       {"19000229", "21000229", "20231301", "20230100"},
       "bad_date"},
      {Linter::kHhmi, {"0000", "2359", "1230"}, {"2400", "1260", "123"}, "bad_date"},
      {Linter::kHh, {"00", "23"}, {"24", "99", "1"}, "bad_date"},
      {Linter::kMi, {"00", "59"}, {"60", "7"}, "bad_date"},
      {Linter::kSs, {"00", "59"}, {"60", "123"}, "bad_date"},
      {Linter::kIso3166, {"004", "276", "840", "894"}, {"000", "999", "AAA", "27"}, "bad_value"},
      {Linter::kIso3166999, {"999", "276"}, {"000", "998"}, "bad_value"},
      {Linter::kIso3166Alpha2, {"AD", "DE", "ZW"}, {"AA", "de", "DEU", "XX"}, "bad_value"},
      {Linter::kIso4217, {"978", "840", "008"}, {"000", "191", "97"}, "bad_value"},
      {Linter::kIso5218, {"0", "1", "2", "9"}, {"3", "", "01"}, "bad_value"},
      {Linter::kPcenc, {"", "ABC", "%20", "ABC%ffXYZ"}, {"%fg", "ABC%g", "%2"}, "bad_value"},
      {Linter::kHyphen, {"-", "--"}, {"", "X", "-X"}, "bad_value"},
      {Linter::kYesNo, {"0", "1"}, {"2", "9", ""}, "bad_value"},
      {Linter::kNonZero, {"0001", "1000"}, {"0000", "0"}, "bad_value"},
      {Linter::kZero, {"0", "00"}, {"", "1", "01"}, "bad_value"},
      {Linter::kWinding, {"0", "1", "9"}, {"2", "8", "01"}, "bad_value"},
      {Linter::kPosInSeqSlash,
       {"1/1", "2/3", "9/10", "100/100"},
       {"", "/", "1/", "/1", "0/1", "1/02", "2/1", "10/9", "1//2", "x/y"},
       "bad_value"},
      {Linter::kPackageType, {"1A", "PX", "200", "ZZ", "8"}, {"", "0", "PXX", "_1A"}, "bad_value"},
      {Linter::kNoZeroPrefix, {"", "1", "10", "1234567890"}, {"0", "01", "A999"}, "bad_value"},
      {Linter::kMediaType, {"01", "10", "80", "99"}, {"00", "11", "79", "1"}, "bad_value"},
      {Linter::kLongitude, {"0000000000", "3600000000"}, {"3600000001", "123"}, "bad_value"},
      {Linter::kLatitude, {"0279085848", "1800000000"}, {"1800000001", "02790858481"}, "bad_value"},
      {Linter::kImporterIdx, {"-", "0", "A", "z", "_"}, {"", "AA", "!", "/", "~"}, "bad_value"},
      {Linter::kIban,
       {"GB98MIDL07009312345678", "DE91100000000123456789", "BE71096123456769",
        "MT90MALT011000012345MTLCAST001SABC"},
       {"BE71", "XX361234567890", "LC14BOSLxx3456789012345678901230",
        "MTXXMALT011000012345MTLCAST001SABCD"},
       "bad_value"},
      {Linter::kHasNonDigit, {"A", "123A", "12-3"}, {"", "123"}, "bad_value"},
      {Linter::kCouponPosOffer,
       {"001234561234560123456", "101234561234560123456", "061234567890121234569123456789012345"},
       {"", "201234561234560123456", "07", "00123456123456", "0012345612345601234567",
        "a01234561234560123456"},
       "bad_value"},
      {Linter::kCouponCode,
       {"012345612345611110123", "012345612345611110123101101239",
        "012345612345611110123101101230123456", "0123456123456111101233231231423010191231"},
       {"", "71234567890123", "0123456123456", "01234561234560", "01234561234561111012a",
        "0123456123456111101239", "012345612345611110123321323141", "012345612345611110123X"},
       "bad_value"},
      {Linter::kPieceOfTotal,
       {"11", "0103", "999999"},
       {"", "1", "01", "10", "21", "0908", "1x"},
       "bad_value"},
  };
}

TEST(LintersTest, EveryLinterPassesGoodAndFailsBadData) {
  for (const LintCase& c : Cases()) {
    const std::string name(LinterName(c.linter));
    for (const std::string& good : c.good) {
      const std::optional<LintFailure> failure = RunLinter(c.linter, good);
      EXPECT_FALSE(failure.has_value())
          << name << " rejected \"" << good << "\": " << (failure ? failure->message : "");
    }
    for (const std::string& bad : c.bad) {
      const std::optional<LintFailure> failure = RunLinter(c.linter, bad);
      ASSERT_TRUE(failure.has_value()) << name << " accepted \"" << bad << "\"";
      if (c.bad_reason == "bad_value") {
        EXPECT_THAT(failure->message, StartsWith(name + ": ")) << bad;
      }
    }
  }
}

TEST(LintersTest, CasesCoverEveryLinter) {
  std::vector<bool> covered(static_cast<std::size_t>(Linter::kPieceOfTotal) + 1, false);
  for (const LintCase& c : Cases()) {
    covered[static_cast<std::size_t>(c.linter)] = true;
  }
  for (std::size_t i = 0; i < covered.size(); ++i) {
    EXPECT_TRUE(covered[i]) << LinterName(static_cast<Linter>(i));
  }
}

TEST(LintersTest, FailuresCarryReasonMessageAndOffset) {
  std::optional<LintFailure> f = RunLinter(Linter::kYymmd0, "270132");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->reason, "bad_date");
  EXPECT_EQ(f->message, "day 32 is not a valid day");
  EXPECT_EQ(f->offset, 4u);

  f = RunLinter(Linter::kYymmdd, "271301");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->message, "month 13 is not a valid month");
  EXPECT_EQ(f->offset, 2u);

  f = RunLinter(Linter::kYymmdd, "230229");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->message, "day 29 is not a valid day in month 02");

  f = RunLinter(Linter::kCsum, "09506000134353");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->reason, "bad_check_digit");
  EXPECT_EQ(f->message, "check digit is 3, expected 2");
  EXPECT_EQ(f->offset, 13u);

  f = RunLinter(Linter::kIso3166, "999");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->message, "iso3166: \"999\" is not an ISO 3166 numeric country code");

  f = RunLinter(Linter::kIban, "BE71096123456760");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->reason, "bad_check_digit");

  f = RunLinter(Linter::kCouponCode, "01234561234561111012332301014231231");
  ASSERT_TRUE(f.has_value());
  EXPECT_THAT(f->message, HasSubstr("expiration date precedes the start date"));
}

TEST(LintersTest, CharacterSets) {
  EXPECT_FALSE(CheckCharSet(CharSet::kNumeric, "0123456789"));
  EXPECT_EQ(CheckCharSet(CharSet::kNumeric, "12A4")->offset, 2u);
  EXPECT_FALSE(CheckCharSet(CharSet::kCset82, "AZaz09!\"%&'()*+,-./:;<=>?_"));
  for (const char* bad :
       {" ", "#", "$", "@", "[", "\\", "]", "^", "`", "{", "|", "}", "~", "\x1D", "\xC3\xA9"}) {
    const std::optional<LintFailure> f = CheckCharSet(CharSet::kCset82, std::string("A") + bad);
    ASSERT_TRUE(f.has_value()) << bad;
    EXPECT_EQ(f->reason, "bad_character");
    EXPECT_EQ(f->offset, 1u);
  }
  EXPECT_FALSE(CheckCharSet(CharSet::kCset39, "#-/09AZ"));
  EXPECT_TRUE(CheckCharSet(CharSet::kCset39, "abc"));
  EXPECT_TRUE(CheckCharSet(CharSet::kCset39, "A!"));
  EXPECT_FALSE(CheckCharSet(CharSet::kCset64, "AZaz09-_"));
  EXPECT_FALSE(CheckCharSet(CharSet::kCset64, "12="));
  EXPECT_FALSE(CheckCharSet(CharSet::kCset64, "1=="));
  EXPECT_TRUE(CheckCharSet(CharSet::kCset64, "123="));
  EXPECT_TRUE(CheckCharSet(CharSet::kCset64, "==="));
  EXPECT_TRUE(CheckCharSet(CharSet::kCset64, "AB+C"));
  EXPECT_TRUE(CheckCharSet(CharSet::kCset64, "AB/C"));
}

TEST(LintersTest, DaysInMonthFollowsTheGregorianCalendar) {
  EXPECT_EQ(DaysInMonth(2024, 2), 29);
  EXPECT_EQ(DaysInMonth(2023, 2), 28);
  EXPECT_EQ(DaysInMonth(2000, 2), 29);
  EXPECT_EQ(DaysInMonth(1900, 2), 28);
  EXPECT_EQ(DaysInMonth(2023, 4), 30);
  EXPECT_EQ(DaysInMonth(2023, 12), 31);
}

}  // namespace
}  // namespace entrepot::gs1::internal
