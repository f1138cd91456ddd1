#include "entrepot/domain/gs1/element_string.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace entrepot::gs1 {
namespace {

using ::testing::HasSubstr;

const std::string kGs = "\x1D";

// "(ai)value..." of the elements, for compact expectations.
std::string Summary(const Gs1Data& data) {
  std::string text;
  for (const Element& e : data.elements) {
    text += "(" + e.ai + ")" + e.value;
  }
  return text;
}

// Parses `scan`, expecting success; returns the summary.
std::string ParseOk(const std::string& scan) {
  const StatusOr<Gs1Data> data = ParseGs1(scan);
  EXPECT_TRUE(data.ok()) << "scan: " << scan << "\n" << data.status().ToString();
  return data.ok() ? Summary(*data) : "";
}

// Parses `scan`, expecting failure; returns the status.
Status ParseError(const std::string& scan) {
  const StatusOr<Gs1Data> data = ParseGs1(scan);
  EXPECT_FALSE(data.ok()) << "scan: " << scan << " parsed as " << (data.ok() ? Summary(*data) : "");
  return data.status();
}

// --- Forms ---------------------------------------------------------------------------------

TEST(ParseGs1Test, BracketedForm) {
  const StatusOr<Gs1Data> data = ParseGs1("(01)09506000134352(10)AB12");
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_EQ(data->form, kFormBracketed);
  EXPECT_EQ(data->symbology, "");
  ASSERT_EQ(data->elements.size(), 2u);
  EXPECT_EQ(data->elements[0], (Element{"01", "09506000134352", "GTIN"}));
  EXPECT_EQ(data->elements[1], (Element{"10", "AB12", "BATCH/LOT"}));
  EXPECT_EQ(data->Find("10")->value, "AB12");
  EXPECT_EQ(data->Find("17"), nullptr);
}

TEST(ParseGs1Test, BracketedFormUnescapesParentheses) {
  EXPECT_EQ(ParseOk("(01)09506000134352(10)A\\(B)C(17)271231"),
            "(01)09506000134352(10)A(B)C(17)271231");
}

TEST(ParseGs1Test, RawFormWithSeparators) {
  const StatusOr<Gs1Data> data =
      ParseGs1(kGs + "0109506000134352" + "10AB12" + kGs + "17271231" + kGs);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_EQ(data->form, kFormRaw);
  EXPECT_EQ(Summary(*data), "(01)09506000134352(10)AB12(17)271231");
}

TEST(ParseGs1Test, RawFormToleratesSeparatorAfterFixedLengthValue) {
  EXPECT_EQ(ParseOk("0109506000134352" + kGs + "17271231" + kGs + "10AB"),
            "(01)09506000134352(17)271231(10)AB");
}

TEST(ParseGs1Test, RawFormWithoutSymbologyIdentifierOrSeparator) {
  const StatusOr<Gs1Data> data = ParseGs1("010950600013435217271231");
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_EQ(data->form, kFormRaw);
  EXPECT_EQ(Summary(*data), "(01)09506000134352(17)271231");
  EXPECT_EQ(ParseOk("010950600013435210AB-12"), "(01)09506000134352(10)AB-12");
}

TEST(ParseGs1Test, GS1SymbologyIdentifiers) {
  for (const std::string id : {"]C1", "]d2", "]Q3", "]J1", "]e0"}) {
    const StatusOr<Gs1Data> data = ParseGs1(id + "0109506000134352" + "10AB12" + kGs + "17271231");
    ASSERT_TRUE(data.ok()) << id << ": " << data.status().ToString();
    EXPECT_EQ(data->form, kFormAim);
    EXPECT_EQ(data->symbology, id);
    EXPECT_EQ(Summary(*data), "(01)09506000134352(10)AB12(17)271231");
  }
  // FNC1 in first position transmitted as GS.
  EXPECT_EQ(ParseOk("]C1" + kGs + "0109506000134352"), "(01)09506000134352");
}

TEST(ParseGs1Test, EanUpcSymbologyIdentifiers) {
  const StatusOr<Gs1Data> ean13 = ParseGs1("]E04006381333931");
  ASSERT_TRUE(ean13.ok()) << ean13.status().ToString();
  EXPECT_EQ(ean13->form, kFormPlainGtin);
  EXPECT_EQ(ean13->symbology, "]E0");
  EXPECT_EQ(Summary(*ean13), "(01)04006381333931");
  EXPECT_EQ(ParseOk("]E0036000291452"), "(01)00036000291452");        // UPC-A, 12 digits.
  EXPECT_EQ(ParseOk("]E440063812"), "(01)00000040063812");            // EAN-8.
  EXPECT_EQ(ParseOk("]E3400638133393112"), "(01)04006381333931");     // 2-digit add-on.
  EXPECT_EQ(ParseOk("]E3400638133393112345"), "(01)04006381333931");  // 5-digit add-on.
  EXPECT_EQ(ParseOk("]I109506000134352"), "(01)09506000134352");      // ITF-14.
  EXPECT_EQ(ParseOk("]E04006381333931|]e01727123110AB"),
            "(01)04006381333931(17)271231(10)AB");  // With a composite component.
}

TEST(ParseGs1Test, EanUpcErrors) {
  EXPECT_EQ(ParseError("]E04006381333932").reason(), "bad_check_digit");
  EXPECT_EQ(ParseError("]E0400638133393").reason(), "bad_check_digit");  // 12 digits as UPC-A.
  EXPECT_EQ(ParseError("]E040063813339").reason(), "bad_length");
  EXPECT_EQ(ParseError("]E0400638133393A").reason(), "bad_character");
  EXPECT_EQ(ParseError("]E44006381").reason(), "bad_length");
  EXPECT_EQ(ParseError("]E440063813").reason(), "bad_check_digit");
}

TEST(ParseGs1Test, PlainKeysWithoutAi) {
  const StatusOr<Gs1Data> gtin = ParseGs1("9506000134352");
  ASSERT_TRUE(gtin.ok()) << gtin.status().ToString();
  EXPECT_EQ(gtin->form, kFormPlainGtin);
  EXPECT_EQ(Summary(*gtin), "(01)09506000134352");
  EXPECT_EQ(ParseOk("09506000134352"), "(01)09506000134352");
  EXPECT_EQ(ParseOk("036000291452"), "(01)00036000291452");
  EXPECT_EQ(ParseOk("40063812"), "(01)00000040063812");
  const StatusOr<Gs1Data> sscc = ParseGs1("106141411234567897");
  ASSERT_TRUE(sscc.ok()) << sscc.status().ToString();
  EXPECT_EQ(sscc->form, kFormPlainSscc);
  EXPECT_EQ(Summary(*sscc), "(00)106141411234567897");
}

TEST(ParseGs1Test, PlainKeyCheckDigitErrorNamesPosition) {
  const Status status = ParseError("9506000134353");
  EXPECT_EQ(status.reason(), "bad_check_digit");
  EXPECT_EQ(status.message(), "AI (01) GTIN at position 1: check digit is 3, expected 2");
  EXPECT_EQ(ParseError("106141411234567898").reason(), "bad_check_digit");
}

TEST(ParseGs1Test, TrailingLineEndsAreIgnored) {
  EXPECT_EQ(ParseOk("(01)09506000134352\r\n"), "(01)09506000134352");
  EXPECT_EQ(ParseOk("09506000134352\n"), "(01)09506000134352");
}

TEST(ParseGs1Test, NonGs1CodesAreNotGs1) {
  for (const std::string scan :
       {"]C0ABC123", "]Q1hello", "]d1plain", "]E1", "]E212345", "]X", "]A0ABC", "12345",
        "LOC-A-01-02", "hello world", "123456789012345", "2399999999999999"}) {
    const Status status = ParseError(scan);
    EXPECT_EQ(status.reason(), "not_gs1") << scan << ": " << status.ToString();
  }
}

// --- Errors --------------------------------------------------------------------------------

TEST(ParseGs1Test, EmptyCodes) {
  for (const std::string& scan :
       std::vector<std::string>{"", "\r\n", "]d2", "]C1" + kGs, "]Q3" + kGs + kGs}) {
    const Status status = ParseError(scan);
    EXPECT_EQ(status.reason(), "empty_code") << scan;
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  }
}

TEST(ParseGs1Test, CodeTooLong) {
  const std::string scan = "(90)" + std::string(kMaxScanLength, 'A');
  const Status status = ParseError(scan);
  EXPECT_EQ(status.reason(), "code_too_long");
  EXPECT_EQ(status.code(), StatusCode::kResourceExhausted);
  // The limit itself is accepted as far as length goes (then (90) is too long a value).
  EXPECT_EQ(ParseError("(90)" + std::string(kMaxScanLength - 4, 'A')).reason(), "bad_length");
}

TEST(ParseGs1Test, UnknownAis) {
  Status status = ParseError("(01)09506000134352(2399)X");
  EXPECT_EQ(status.reason(), "unknown_ai");
  EXPECT_EQ(status.message(), "AI (2399) at position 19 is not a GS1 AI");
  EXPECT_EQ(ParseError("(01)09506000134352(ABC)X").reason(), "unknown_ai");
  EXPECT_EQ(ParseError("(01").reason(), "unknown_ai");
  EXPECT_EQ(ParseError("(12345)X").reason(), "unknown_ai");
  status = ParseError("]C10109506000134352" + std::string("2399"));
  EXPECT_EQ(status.reason(), "unknown_ai");
  EXPECT_THAT(status.message(), HasSubstr("position 20"));
}

TEST(ParseGs1Test, BadLengths) {
  Status status = ParseError("(01)0950600013435");
  EXPECT_EQ(status.reason(), "bad_length");
  EXPECT_EQ(status.message(),
            "AI (01) GTIN at position 5: the value has 13 characters, expected 14");
  status = ParseError("(01)09506000134352(10)123456789012345678901");
  EXPECT_EQ(status.reason(), "bad_length");
  EXPECT_THAT(status.message(), HasSubstr("21 characters, expected at most 20"));
  status = ParseError("(10)(01)09506000134352");
  EXPECT_EQ(status.reason(), "bad_length");
  EXPECT_THAT(status.message(), HasSubstr("AI (10) BATCH/LOT at position 5: the value is missing"));
  // Raw: a fixed-length value cut short by a separator.
  EXPECT_EQ(ParseError("]C1010950600013435" + kGs + "10A").reason(), "bad_length");
  // A component cut short: (7007) is one or two six-digit dates.
  status = ParseError("(01)09506000134352(7007)240101241");
  EXPECT_EQ(status.reason(), "bad_length");
  EXPECT_THAT(status.message(), HasSubstr("component 2 needs 6 characters, got 3"));
}

TEST(ParseGs1Test, BadCharacterNamesItsPosition) {
  Status status = ParseError("(01)09506000134352(10)AB 12");
  EXPECT_EQ(status.reason(), "bad_character");
  EXPECT_EQ(status.message(),
            "AI (10) BATCH/LOT at position 23: character 0x20 is not in GS1 character set 82 "
            "(position 25)");
  status = ParseError("(01)0950600013435X");
  EXPECT_EQ(status.reason(), "bad_character");
  EXPECT_THAT(status.message(), HasSubstr("'X' is not a digit (position 18)"));
  // Escapes shift positions: the bad '#' is the 27th character of the scan.
  status = ParseError("(01)09506000134352(10)A\\(B#");
  EXPECT_EQ(status.reason(), "bad_character");
  EXPECT_THAT(status.message(), HasSubstr("(position 27)"));
  // A GS inside a bracketed value is not data.
  EXPECT_EQ(ParseError("(01)09506000134352(10)AB" + kGs).reason(), "bad_character");
}

TEST(ParseGs1Test, BadCheckDigit) {
  const Status status = ParseError("(01)09506000134353");
  EXPECT_EQ(status.reason(), "bad_check_digit");
  EXPECT_EQ(status.message(), "AI (01) GTIN at position 5: check digit is 3, expected 2");
  EXPECT_EQ(ParseError("(00)106141411234567898").reason(), "bad_check_digit");
  EXPECT_EQ(ParseError("(01)09506000134352(414)9506000000009").reason(), "bad_check_digit");
}

TEST(ParseGs1Test, BadDateNamesAiAndPosition) {
  Status status = ParseError("010950600013435217271232");
  EXPECT_EQ(status.reason(), "bad_date");
  EXPECT_EQ(status.message(), "AI (17) USE BY or EXPIRY at position 19: day 32 is not a valid day");
  status = ParseError("(01)09506000134352(17)271301");
  EXPECT_EQ(status.reason(), "bad_date");
  EXPECT_EQ(status.message(),
            "AI (17) USE BY or EXPIRY at position 23: month 13 is not a valid month");
  EXPECT_EQ(ParseError("(01)09506000134352(17)230229").reason(), "bad_date");
  EXPECT_EQ(ParseOk("(01)09506000134352(17)240229"), "(01)09506000134352(17)240229");
  EXPECT_EQ(ParseOk("(01)09506000134352(17)271200"), "(01)09506000134352(17)271200");
  // (7003) date and time: the hour is checked too.
  EXPECT_EQ(ParseError("(01)09506000134352(7003)2712312400").reason(), "bad_date");
  // (11) uses yymmd0 too: day 00 is allowed.
  EXPECT_EQ(ParseOk("(01)09506000134352(11)271200"), "(01)09506000134352(11)271200");
}

TEST(ParseGs1Test, LinterFailuresAreBadValueNamingTheRule) {
  Status status = ParseError("(01)09506000134352(422)999");
  EXPECT_EQ(status.reason(), "bad_value");
  EXPECT_EQ(status.message(),
            "AI (422) ORIGIN at position 24: iso3166: \"999\" is not an ISO 3166 numeric "
            "country code");
  status = ParseError("(8006)095060001343520302");
  EXPECT_EQ(status.reason(), "bad_value");
  EXPECT_THAT(status.message(), HasSubstr("pieceoftotal: piece 03 exceeds the total 02"));
  EXPECT_EQ(ParseOk("(8006)095060001343520102"), "(8006)095060001343520102");
  EXPECT_EQ(ParseOk("(00)106141411234567897(4330)001234-"), "(00)106141411234567897(4330)001234-");
  status = ParseError("(00)106141411234567897(4330)001234+");
  EXPECT_EQ(status.reason(), "bad_value");
  EXPECT_THAT(status.message(), HasSubstr("hyphen:"));
}

// --- Pairing rules -------------------------------------------------------------------------

TEST(ParseGs1Test, MissingRequiredAi) {
  Status status = ParseError("(10)AB12");
  EXPECT_EQ(status.reason(), "missing_required_ai");
  EXPECT_EQ(status.message(),
            "AI (10) BATCH/LOT at position 1: requires AI (01), (02), (03), (8006) or (8026)");
  // req=01+21,...: all AIs of one alternative are needed.
  status = ParseError("(01)09506000134352(250)ABC");
  EXPECT_EQ(status.reason(), "missing_required_ai");
  EXPECT_THAT(status.message(), HasSubstr("(01)+(21), (03)+(21) or (8006)+(21)"));
  EXPECT_EQ(ParseOk("(01)09506000134352(21)S1(250)ABC"), "(01)09506000134352(21)S1(250)ABC");
  // Patterns with digit wildcards: (3920) needs (01) with (30), (31nn), (32nn), ...
  EXPECT_EQ(ParseError("(01)09506000134352(3920)100").reason(), "missing_required_ai");
  EXPECT_EQ(ParseOk("(01)09506000134352(3103)000500(3920)100"),
            "(01)09506000134352(3103)000500(3920)100");
}

TEST(ParseGs1Test, InvalidAiPair) {
  Status status = ParseError("(01)09506000134352(3100)000100(3101)000200");
  EXPECT_EQ(status.reason(), "invalid_ai_pair");
  EXPECT_EQ(status.message(),
            "AI (3100) NET WEIGHT (kg) at position 19: may not be combined with AI (3101) at "
            "position 31");
  status = ParseError("(01)09506000134352(21)123(235)XYZ");
  EXPECT_EQ(status.reason(), "invalid_ai_pair");
  EXPECT_THAT(status.message(), HasSubstr("AI (21) SERIAL at position 19"));
  EXPECT_EQ(ParseError("(01)09506000134352(02)09506000134352(37)10").reason(), "invalid_ai_pair");
}

TEST(ParseGs1Test, DuplicateAis) {
  const Status status = ParseError("(01)09506000134352(10)A(10)B");
  EXPECT_EQ(status.reason(), "duplicate_ai");
  EXPECT_EQ(status.message(),
            "AI (10) BATCH/LOT at position 24: repeats AI (10) at position 19 with a different "
            "value");
  EXPECT_EQ(ParseOk("(01)09506000134352(10)A(10)A"), "(01)09506000134352(10)A");
}

TEST(ParseGs1Test, ExactRepeatsAreDroppedKeepingScanOrder) {
  EXPECT_EQ(ParseOk("(01)09506000134352(10)A(01)09506000134352(21)S(10)A(17)271231"),
            "(01)09506000134352(10)A(21)S(17)271231");
}

TEST(DecodeGs1Test, GivesTheElementsAndErrorsOfParseGs1) {
  const AiTable& table = DefaultAiTable();
  for (const std::string& scan : std::vector<std::string>{
           "(01)09506000134352(10)AB\\(12(17)271231",
           "]d2010950600013435217271231"
           "10LOT3" +
               kGs + "21S",
           "0109506000134352"
           "10A" +
               kGs +
               "30"
               "12",
           "]E09506000134352",
           "106141411234567897",
           "https://id.gs1.org/01/09506000134352/10/AB12?17=271231",
           "(01)09506000134352(10)A(10)B",
           "(01)09506000134352(17)271232",
           "(10)AB12",
           "hello",
       }) {
    const StatusOr<Gs1Data> parsed = ParseGs1(scan);
    const StatusOr<DecodedGs1> decoded = DecodeGs1(scan, ParseOptions(), table);
    ASSERT_EQ(decoded.ok(), parsed.ok()) << scan;
    if (!parsed.ok()) {
      EXPECT_EQ(decoded.status().reason(), parsed.status().reason()) << scan;
      EXPECT_EQ(decoded.status().message(), parsed.status().message()) << scan;
      continue;
    }
    EXPECT_EQ(decoded->form, parsed->form) << scan;
    EXPECT_EQ(decoded->symbology, parsed->symbology) << scan;
    ASSERT_EQ(decoded->elements.size(), parsed->elements.size()) << scan;
    for (std::size_t i = 0; i < parsed->elements.size(); ++i) {
      const internal::ScannedElement& element = decoded->elements[i];
      EXPECT_EQ(element.entry->ai, parsed->elements[i].ai) << scan;
      EXPECT_EQ(element.value, parsed->elements[i].value) << scan;
      EXPECT_EQ(element.entry->title, parsed->elements[i].title) << scan;
      EXPECT_EQ(decoded->Find(element.entry), &element) << scan;
    }
    EXPECT_EQ(decoded->Find(table.Find("8004")), nullptr) << scan;
  }
}

TEST(ParseGs1Test, PairingCanBeCheckedOverSeveralBarcodes) {
  ParseOptions options;
  options.check_pairing = false;
  const StatusOr<Gs1Data> batch = ParseGs1("(10)AB12(15)271231", options);
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  EXPECT_EQ(CheckAiPairing(*batch).reason(), "missing_required_ai");
  EXPECT_EQ(ParseGs1("(10)A(10)B", options).status().reason(), "duplicate_ai");

  const StatusOr<Gs1Data> content =
      ParseGs1("(00)106141411234567897(02)09506000134352(37)12", options);
  ASSERT_TRUE(content.ok()) << content.status().ToString();
  Gs1Data combined = *content;
  combined.elements.insert(combined.elements.end(), batch->elements.begin(), batch->elements.end());
  EXPECT_TRUE(CheckAiPairing(combined).ok()) << CheckAiPairing(combined).ToString();

  combined.elements.push_back(Element{"01", "09506000134352", "GTIN"});
  EXPECT_EQ(CheckAiPairing(combined).reason(), "invalid_ai_pair");
  EXPECT_EQ(CheckAiPairing(Gs1Data{}).reason(), "empty_code");
  EXPECT_EQ(CheckAiPairing(Gs1Data{"raw", "", {Element{"2399", "X", ""}}}).reason(), "unknown_ai");
}

// --- Output forms --------------------------------------------------------------------------

TEST(ParseGs1Test, ToBracketedIsCanonicalAndEscapesParentheses) {
  const StatusOr<Gs1Data> data = ParseGs1("]C1010950600013435210A(B" + kGs + "17271231");
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_EQ(ToBracketed(*data), "(01)09506000134352(10)A\\(B(17)271231");
  EXPECT_EQ(Summary(*ParseGs1(ToBracketed(*data))), Summary(*data));
}

TEST(ParseGs1Test, ToElementStringSeparatesOnlyVariableLengthValues) {
  const StatusOr<Gs1Data> data = ParseGs1("(01)09506000134352(10)AB12(17)271231(21)S");
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_EQ(ToElementString(*data),
            "0109506000134352"
            "10AB12" +
                kGs +
                "17271231"
                "21S");
}

}  // namespace
}  // namespace entrepot::gs1
