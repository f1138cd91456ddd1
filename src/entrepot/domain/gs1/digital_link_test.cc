// GS1 Digital Link URIs through the public ParseGs1 (internal/digital_link.h does the
// extraction, ai_validation.h the checks).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "entrepot/domain/gs1/element_string.h"

namespace entrepot::gs1 {
namespace {

using ::testing::HasSubstr;

std::string Summary(const Gs1Data& data) {
  std::string text;
  for (const Element& e : data.elements) {
    text += "(" + e.ai + ")" + e.value;
  }
  return text;
}

std::string ParseOk(const std::string& uri) {
  const StatusOr<Gs1Data> data = ParseGs1(uri);
  EXPECT_TRUE(data.ok()) << uri << "\n" << data.status().ToString();
  if (!data.ok()) {
    return "";
  }
  EXPECT_EQ(data->form, kFormDigitalLink);
  return Summary(*data);
}

Status ParseError(const std::string& uri) {
  const StatusOr<Gs1Data> data = ParseGs1(uri);
  EXPECT_FALSE(data.ok()) << uri << " parsed as " << (data.ok() ? Summary(*data) : "");
  return data.status();
}

TEST(DigitalLinkTest, PrimaryKeyOnAnyHost) {
  EXPECT_EQ(ParseOk("https://id.gs1.org/01/09506000134352"), "(01)09506000134352");
  EXPECT_EQ(ParseOk("http://example.com/01/09506000134352"), "(01)09506000134352");
  EXPECT_EQ(ParseOk("HTTPS://ID.GS1.ORG/01/09506000134352"), "(01)09506000134352");
  EXPECT_EQ(ParseOk("https://id.gs1.org/00/106141411234567897"), "(00)106141411234567897");
  EXPECT_EQ(ParseOk("https://id.gs1.org/414/9506000000008"), "(414)9506000000008");
}

TEST(DigitalLinkTest, PathPrefixQualifiersAndQueryAttributes) {
  EXPECT_EQ(ParseOk("https://id.example.com/shop/products/01/09506000134352/10/AB12"
                    "?17=271231&utm_source=label&flag#fragment"),
            "(01)09506000134352(10)AB12(17)271231");
  // A numeric-looking prefix that is not a key pair is part of the prefix.
  EXPECT_EQ(ParseOk("https://example.com/01/shop/01/09506000134352"), "(01)09506000134352");
  // A trailing slash is tolerated.
  EXPECT_EQ(ParseOk("https://id.gs1.org/01/09506000134352/"), "(01)09506000134352");
}

TEST(DigitalLinkTest, ShortGtinsAreNormalised) {
  EXPECT_EQ(ParseOk("https://id.gs1.org/01/9506000134352"), "(01)09506000134352");
  EXPECT_EQ(ParseOk("https://id.gs1.org/01/036000291452"), "(01)00036000291452");
  EXPECT_EQ(ParseOk("https://id.gs1.org/01/40063812"), "(01)00000040063812");
  const Status status = ParseError("https://id.gs1.org/01/9506000134353");
  EXPECT_EQ(status.reason(), "bad_check_digit");
  EXPECT_EQ(status.message(), "AI (01) GTIN at position 23: check digit is 3, expected 2");
}

TEST(DigitalLinkTest, QualifiersInAnOrderDlpkeyAllows) {
  EXPECT_EQ(ParseOk("https://id.gs1.org/01/09506000134352/22/V1/10/AB/21/S1"),
            "(01)09506000134352(22)V1(10)AB(21)S1");
  EXPECT_EQ(ParseOk("https://id.gs1.org/01/09506000134352/10/AB/21/S1"),
            "(01)09506000134352(10)AB(21)S1");
  EXPECT_EQ(ParseOk("https://id.gs1.org/01/09506000134352/22/V1/21/S1"),
            "(01)09506000134352(22)V1(21)S1");
  EXPECT_EQ(ParseOk("https://id.gs1.org/01/09506000134352/235/TPX1"),
            "(01)09506000134352(235)TPX1");
  EXPECT_EQ(ParseOk("https://id.gs1.org/414/9506000000008/254/EXT1"),
            "(414)9506000000008(254)EXT1");
}

TEST(DigitalLinkTest, QualifiersOutOfOrderAreBadDigitalLink) {
  Status status = ParseError("https://id.gs1.org/01/09506000134352/10/AB/22/V1");
  EXPECT_EQ(status.reason(), "bad_digital_link");
  EXPECT_EQ(status.message(),
            "AI (22) at position 44 may not follow in the path of primary key AI (01); allowed "
            "qualifier orders: 22/10/21 or 235");
  // Alternatives may not be mixed.
  EXPECT_EQ(ParseError("https://id.gs1.org/01/09506000134352/22/V1/235/T").reason(),
            "bad_digital_link");
  // A qualifier repeated.
  EXPECT_EQ(ParseError("https://id.gs1.org/01/09506000134352/10/A/10/A").reason(),
            "bad_digital_link");
  // A key without qualifiers.
  status = ParseError("https://id.gs1.org/00/106141411234567897/10/AB");
  EXPECT_EQ(status.reason(), "bad_digital_link");
  EXPECT_THAT(status.message(), HasSubstr("it takes no key qualifiers"));
  // An AI that is no qualifier of the key.
  EXPECT_EQ(ParseError("https://id.gs1.org/01/09506000134352/17/271231").reason(),
            "bad_digital_link");
}

TEST(DigitalLinkTest, PercentEncoding) {
  EXPECT_EQ(ParseOk("https://id.gs1.org/01/09506000134352/10/AB%2F12"),
            "(01)09506000134352(10)AB/12");
  EXPECT_EQ(ParseOk("https://id.gs1.org/01/09506000134352/21/A%25b?10=X%2bY"),
            "(01)09506000134352(21)A%b(10)X+Y");
  // '+' is a space in the query: not a valid character in (10).
  Status status = ParseError("https://id.gs1.org/01/09506000134352?10=A+B");
  EXPECT_EQ(status.reason(), "bad_character");
  // Decoded characters keep the position of their encoding.
  status = ParseError("https://id.gs1.org/01/09506000134352/10/A%20B");
  EXPECT_EQ(status.reason(), "bad_character");
  EXPECT_EQ(status.message(),
            "AI (10) BATCH/LOT at position 41: character 0x20 is not in GS1 character set 82 "
            "(position 42)");
  EXPECT_EQ(ParseError("https://id.gs1.org/01/09506000134352/10/A%G1").reason(),
            "bad_digital_link");
  status = ParseError("https://id.gs1.org/01/09506000134352/10/A%2");
  EXPECT_EQ(status.reason(), "bad_digital_link");
  EXPECT_THAT(status.message(), HasSubstr("invalid percent-encoding at position 42"));
}

TEST(DigitalLinkTest, QueryAttributes) {
  EXPECT_EQ(ParseOk("https://id.gs1.org/01/09506000134352?17=271231&3103=000500&&x=1"),
            "(01)09506000134352(17)271231(3103)000500");
  // (21) is not flagged '?' in the dictionary: a qualifier, not a data attribute.
  Status status = ParseError("https://id.gs1.org/01/09506000134352?21=S1");
  EXPECT_EQ(status.reason(), "bad_digital_link");
  EXPECT_EQ(status.message(),
            "AI (21) SERIAL at position 38: may not be a Digital Link query parameter");
  status = ParseError("https://id.gs1.org/01/09506000134352?2399=1");
  EXPECT_EQ(status.reason(), "unknown_ai");
  EXPECT_THAT(status.message(), HasSubstr("(2399) at position 38"));
  // Query values are validated like any other.
  status = ParseError("https://id.gs1.org/01/09506000134352?17=271232");
  EXPECT_EQ(status.reason(), "bad_date");
  EXPECT_THAT(status.message(), HasSubstr("at position 41"));
}

TEST(DigitalLinkTest, PairingRulesApply) {
  EXPECT_EQ(ParseError("https://id.gs1.org/00/106141411234567897?10=AB").reason(),
            "missing_required_ai");
  EXPECT_EQ(ParseError("https://id.gs1.org/01/09506000134352/10/A?10=B").reason(), "duplicate_ai");
  EXPECT_EQ(ParseOk("https://id.gs1.org/01/09506000134352/10/A?10=A"), "(01)09506000134352(10)A");
}

TEST(DigitalLinkTest, UrlsWithoutAKeyAreNotGs1) {
  for (const std::string uri :
       {"https://example.com", "https://example.com/", "https://example.com/about/us",
        "https://example.com?01=09506000134352", "https://example.com/01",
        "https://example.com/99/x"}) {
    EXPECT_EQ(ParseError(uri).reason(), "not_gs1") << uri;
  }
}

TEST(DigitalLinkTest, MalformedUris) {
  Status status = ParseError("https://id.gs1.org/01/09506000134352/10/AB 12");
  EXPECT_EQ(status.reason(), "bad_digital_link");
  EXPECT_THAT(status.message(), HasSubstr("at position 43"));
  EXPECT_EQ(ParseError("https:///01/09506000134352").reason(), "bad_digital_link");
  EXPECT_EQ(ParseError("https://id.gs1.org/01/09506000134352/10/\xC3\xA9").reason(),
            "bad_digital_link");
}

TEST(DigitalLinkTest, AfterPlainQrOrDataMatrixIdentifier) {
  const StatusOr<Gs1Data> data = ParseGs1("]Q1https://id.gs1.org/01/09506000134352/10/AB12");
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_EQ(data->form, kFormDigitalLink);
  EXPECT_EQ(data->symbology, "]Q1");
  EXPECT_EQ(Summary(*data), "(01)09506000134352(10)AB12");
  const Status status = ParseError("]d1https://id.gs1.org/01/09506000134353");
  EXPECT_EQ(status.reason(), "bad_check_digit");
  EXPECT_THAT(status.message(), HasSubstr("at position 26"));
}

}  // namespace
}  // namespace entrepot::gs1
