#include "entrepot/domain/gs1/check_digit.h"

#include <gtest/gtest.h>

namespace entrepot::gs1 {
namespace {

TEST(CheckDigitTest, ValidatesGtinsOfEveryLength) {
  EXPECT_TRUE(HasValidCheckDigit("40063812"));        // GTIN-8
  EXPECT_TRUE(HasValidCheckDigit("036000291452"));    // GTIN-12 (UPC-A)
  EXPECT_TRUE(HasValidCheckDigit("4006381333931"));   // GTIN-13
  EXPECT_TRUE(HasValidCheckDigit("09506000134352"));  // GTIN-14
  EXPECT_FALSE(HasValidCheckDigit("40063813"));
  EXPECT_FALSE(HasValidCheckDigit("036000291453"));
  EXPECT_FALSE(HasValidCheckDigit("4006381333932"));
  EXPECT_FALSE(HasValidCheckDigit("09506000134353"));
}

TEST(CheckDigitTest, RejectsTooShortOrNonDigitInput) {
  EXPECT_FALSE(HasValidCheckDigit(""));
  EXPECT_FALSE(HasValidCheckDigit("0"));
  EXPECT_TRUE(HasValidCheckDigit("00"));
  EXPECT_FALSE(HasValidCheckDigit("0950600013435A"));
  EXPECT_FALSE(HasValidCheckDigit("A9506000134352"));
}

TEST(CheckDigitTest, ComputesCheckDigit) {
  EXPECT_EQ(ComputeCheckDigit("0950600013435"), '2');
  EXPECT_EQ(ComputeCheckDigit("10614141123456789"), '7');
  EXPECT_EQ(ComputeCheckDigit("1234567"), '0');
  EXPECT_EQ(ComputeCheckDigit("0"), '0');
  EXPECT_EQ(ComputeCheckDigit(""), '\0');
  EXPECT_EQ(ComputeCheckDigit("12a"), '\0');
}

TEST(CheckDigitTest, NormalizesGtinsToFourteenDigits) {
  EXPECT_EQ(*NormalizeGtin("40063812"), "00000040063812");
  EXPECT_EQ(*NormalizeGtin("036000291452"), "00036000291452");
  EXPECT_EQ(*NormalizeGtin("4006381333931"), "04006381333931");
  EXPECT_EQ(*NormalizeGtin("09506000134352"), "09506000134352");
}

TEST(CheckDigitTest, NormalizeGtinReportsEachError) {
  EXPECT_EQ(NormalizeGtin("123456789").status().reason(), "bad_length");
  EXPECT_EQ(NormalizeGtin("").status().reason(), "bad_length");
  EXPECT_EQ(NormalizeGtin("0950600013435X").status().reason(), "bad_character");
  const Status bad = NormalizeGtin("4006381333932").status();
  EXPECT_EQ(bad.reason(), "bad_check_digit");
  EXPECT_EQ(bad.message(), "GTIN-13 check digit is 2, expected 1");
}

TEST(CheckDigitTest, ValidatesSscc) {
  EXPECT_TRUE(ValidateSscc("106141411234567897").ok());
  EXPECT_EQ(ValidateSscc("106141411234567898").reason(), "bad_check_digit");
  EXPECT_EQ(ValidateSscc("10614141123456789").reason(), "bad_length");
  EXPECT_EQ(ValidateSscc("10614141123456789X").reason(), "bad_character");
}

TEST(CheckDigitTest, ValidatesGln) {
  EXPECT_TRUE(ValidateGln("9506000000008").ok());
  EXPECT_TRUE(ValidateGln("5901234123457").ok());
  EXPECT_EQ(ValidateGln("5901234123458").reason(), "bad_check_digit");
  EXPECT_EQ(ValidateGln("590123412345").reason(), "bad_length");
  EXPECT_EQ(ValidateGln("590123412345A").reason(), "bad_character");
}

}  // namespace
}  // namespace entrepot::gs1
