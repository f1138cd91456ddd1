// Tests of identifiers.h: known vectors from the GS1 EPC Tag Data Standard (TDS) and the
// EPCIS 2.0 examples in data/epcis/, both forms both ways, company prefix splits, TDS
// percent-encoding, private URNs, every error reason, and a random round-trip property
// test (seed printed; set EPCIS_IDS_SEED to rerun with another one).
#include "entrepot/epcis/identifiers.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "entrepot/domain/gs1/check_digit.h"

namespace entrepot::epcis {
namespace {

using domain::ItemKey;

constexpr std::string_view kSite = "PAR1";

IdOptions UrnOptions(int company_prefix_length = 7) {
  IdOptions options;
  options.form = IdForm::kUrn;
  options.company_prefix_length = company_prefix_length;
  options.site_code = std::string(kSite);
  return options;
}

IdOptions LinkOptions() {
  IdOptions options = UrnOptions();
  options.form = IdForm::kDigitalLink;
  return options;
}

IdOptions WithGln(IdOptions options, std::string gln = "0614141073467") {
  options.site_gln = std::move(gln);
  return options;
}

template <typename T>
std::string ReasonOf(const StatusOr<T>& result) {
  return result.ok() ? "ok" : result.status().reason();
}
std::string ReasonOf(const Status& status) { return status.reason(); }

std::string Must(const StatusOr<std::string>& result) {
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  return result.ok() ? *result : "";
}

ParsedUri MustParse(std::string_view uri) {
  StatusOr<ParsedUri> parsed = ParseUri(uri);
  EXPECT_TRUE(parsed.ok()) << uri << ": " << parsed.status().ToString();
  return parsed.ok() ? *parsed : ParsedUri{};
}

// Every field, so that a test names what differs.
std::string Describe(const ParsedUri& p) {
  return "kind=" + std::to_string(static_cast<int>(p.kind)) + " gtin=" + p.gtin + " lot=" + p.lot +
         " serial=" + p.serial + " container=" + p.container + " gln=" + p.gln + " site=" + p.site +
         " extension=" + p.extension;
}

ParsedUri Instance(std::string gtin, std::string serial) {
  ParsedUri p;
  p.kind = ParsedUri::Kind::kInstance;
  p.gtin = std::move(gtin);
  p.serial = std::move(serial);
  return p;
}

ParsedUri Class(std::string gtin, std::string lot = "") {
  ParsedUri p;
  p.kind = ParsedUri::Kind::kClass;
  p.gtin = std::move(gtin);
  p.lot = std::move(lot);
  return p;
}

ParsedUri Container(std::string container, std::string site = "") {
  ParsedUri p;
  p.kind = ParsedUri::Kind::kContainer;
  p.container = std::move(container);
  p.site = std::move(site);
  return p;
}

ParsedUri GlnLocation(std::string gln, std::string extension) {
  ParsedUri p;
  p.kind = ParsedUri::Kind::kLocation;
  p.gln = std::move(gln);
  p.extension = std::move(extension);
  return p;
}

ParsedUri PrivateLocation(std::string site, std::string code) {
  ParsedUri p;
  p.kind = ParsedUri::Kind::kLocation;
  p.site = std::move(site);
  p.extension = std::move(code);
  return p;
}

// Checks that `urn` and `link` both parse to `expected`, that FormatUri writes them back
// (URN with `options`), and that both normalise to `link`.
void ExpectPair(const std::string& urn, const std::string& link, const ParsedUri& expected,
                const IdOptions& options) {
  SCOPED_TRACE(urn + " <-> " + link);
  EXPECT_EQ(Describe(MustParse(urn)), Describe(expected));
  EXPECT_EQ(Describe(MustParse(link)), Describe(expected));
  EXPECT_EQ(Must(FormatUri(expected, options)), urn);
  IdOptions link_options = options;
  link_options.form = IdForm::kDigitalLink;
  EXPECT_EQ(Must(FormatUri(expected, link_options)), link);
  EXPECT_EQ(NormalizeUri(urn), link);
  EXPECT_EQ(NormalizeUri(link), link);
}

// ---- Forms and options ----

TEST(IdFormTest, NamesRoundTrip) {
  for (IdForm form : {IdForm::kUrn, IdForm::kDigitalLink}) {
    StatusOr<IdForm> parsed = ParseIdForm(IdFormName(form));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, form);
  }
  EXPECT_EQ(IdFormName(IdForm::kUrn), "urn");
  EXPECT_EQ(IdFormName(IdForm::kDigitalLink), "digital-link");
}

TEST(IdFormTest, UnknownNameIsBadIdForm) {
  for (std::string_view name : {"", "URN", "dl", "digital_link", "urn "}) {
    EXPECT_EQ(ReasonOf(ParseIdForm(name)), "bad_id_form") << name;
  }
}

TEST(IdOptionsTest, DefaultsWithSiteCodeAreValid) {
  EXPECT_TRUE(ValidateIdOptions(UrnOptions()).ok());
  EXPECT_TRUE(ValidateIdOptions(WithGln(UrnOptions())).ok());
}

TEST(IdOptionsTest, CompanyPrefixLengthIsSixToTwelve) {
  for (int length : {6, 9, 12}) {
    EXPECT_TRUE(ValidateIdOptions(UrnOptions(length)).ok()) << length;
  }
  for (int length : {-1, 0, 5, 13, 100}) {
    EXPECT_EQ(ReasonOf(ValidateIdOptions(UrnOptions(length))), "bad_company_prefix_length")
        << length;
  }
}

TEST(IdOptionsTest, SiteGlnNeedsThirteenDigitsAndCheckDigit) {
  for (std::string gln : {"0614141073468", "061414107346", "06141410734670", "061414107346A"}) {
    EXPECT_EQ(ReasonOf(ValidateIdOptions(WithGln(UrnOptions(), gln))), "bad_gln") << gln;
  }
}

TEST(IdOptionsTest, SiteCodeIsPlainAndBounded) {
  IdOptions options = UrnOptions();
  for (const std::string& site :
       std::vector<std::string>{"PAR1", "par-1_b.2", std::string(64, 'S')}) {
    options.site_code = site;
    EXPECT_TRUE(ValidateIdOptions(options).ok()) << site;
  }
  for (const std::string& site : std::vector<std::string>{"", "PAR 1", "PAR:1", "PAR/1",
                                                          "P\xC3\xA4r", std::string(65, 'S')}) {
    options.site_code = site;
    EXPECT_EQ(ReasonOf(ValidateIdOptions(options)), "bad_site_code") << site;
  }
}

// ---- Known vectors (TDS and data/epcis examples) ----

TEST(KnownVectorTest, SgtinOfEpcisAggregationExample) {
  // data/epcis/Example_9.6.3-AggregationEvent.jsonld.
  const ItemKey item{"10614141073464", "", "", "2017"};
  EXPECT_EQ(Must(InstanceEpc(item, UrnOptions())), "urn:epc:id:sgtin:0614141.107346.2017");
  EXPECT_EQ(Must(InstanceEpc(item, LinkOptions())), "https://id.gs1.org/01/10614141073464/21/2017");
  ExpectPair("urn:epc:id:sgtin:0614141.107346.2017", "https://id.gs1.org/01/10614141073464/21/2017",
             Instance("10614141073464", "2017"), UrnOptions());
}

TEST(KnownVectorTest, SgtinWithIndicatorDigitAndHeaderExample) {
  ExpectPair("urn:epc:id:sgtin:0614141.812345.6789", "https://id.gs1.org/01/80614141123458/21/6789",
             Instance("80614141123458", "6789"), UrnOptions());
  ExpectPair("urn:epc:id:sgtin:0614141.012345.6789", "https://id.gs1.org/01/00614141123452/21/6789",
             Instance("00614141123452", "6789"), UrnOptions());
}

TEST(KnownVectorTest, SsccOfEpcisAggregationExample) {
  EXPECT_EQ(Must(ContainerEpc("sscc:106141412345678908", UrnOptions())),
            "urn:epc:id:sscc:0614141.1234567890");
  ExpectPair("urn:epc:id:sscc:0614141.1234567890", "https://id.gs1.org/00/106141412345678908",
             Container("sscc:106141412345678908"), UrnOptions());
}

TEST(KnownVectorTest, LgtinAndGtinPatternOfEpcisObjectEventExamples) {
  EXPECT_EQ(Must(ClassEpc(ItemKey{"04012345123456", "998877", "", ""}, UrnOptions())),
            "urn:epc:class:lgtin:4012345.012345.998877");
  ExpectPair("urn:epc:class:lgtin:4012345.012345.998877",
             "https://id.gs1.org/01/04012345123456/10/998877", Class("04012345123456", "998877"),
             UrnOptions());
  EXPECT_EQ(Must(ClassEpc(ItemKey{"04012345987652", "", "", ""}, UrnOptions())),
            "urn:epc:idpat:sgtin:4012345.098765.*");
  ExpectPair("urn:epc:idpat:sgtin:4012345.098765.*", "https://id.gs1.org/01/04012345987652",
             Class("04012345987652"), UrnOptions());
}

TEST(KnownVectorTest, SglnOfEpcisExamples) {
  ExpectPair("urn:epc:id:sgln:0614141.07346.1234", "https://id.gs1.org/414/0614141073467/254/1234",
             GlnLocation("0614141073467", "1234"), UrnOptions());
  ExpectPair("urn:epc:id:sgln:0614141.00001.0", "https://id.gs1.org/414/0614141000012",
             GlnLocation("0614141000012", ""), UrnOptions());
  ExpectPair("urn:epc:id:sgln:0012345.11111.400", "https://id.gs1.org/414/0012345111112/254/400",
             GlnLocation("0012345111112", "400"), UrnOptions());
  EXPECT_EQ(Must(LocationUri("1234", WithGln(UrnOptions()))), "urn:epc:id:sgln:0614141.07346.1234");
  EXPECT_EQ(Must(LocationUri("1234", WithGln(LinkOptions()))),
            "https://id.gs1.org/414/0614141073467/254/1234");
}

TEST(KnownVectorTest, GraiAndGiaiOfTds) {
  // TDS: (8003) 0 0614141123452 400 <-> urn:epc:id:grai:0614141.12345.400.
  EXPECT_EQ(Must(ContainerEpc("grai:00614141123452400", UrnOptions())),
            "urn:epc:id:grai:0614141.12345.400");
  ExpectPair("urn:epc:id:grai:0614141.12345.400", "https://id.gs1.org/8003/00614141123452400",
             Container("grai:00614141123452400"), UrnOptions());
  // (8004) 0614141123456789 <-> urn:epc:id:giai:0614141.123456789.
  ExpectPair("urn:epc:id:giai:0614141.123456789", "https://id.gs1.org/8004/0614141123456789",
             Container("giai:0614141123456789"), UrnOptions());
}

TEST(KnownVectorTest, GraiWithoutSerialIsThePattern) {
  ExpectPair("urn:epc:idpat:grai:0614141.12345.*", "https://id.gs1.org/8003/00614141123452",
             Container("grai:00614141123452"), UrnOptions());
}

// ---- Company prefix length ----

TEST(CompanyPrefixTest, SplitsAGtinAtEveryLength) {
  const std::string gtin = "10614141073464";
  for (int length = 6; length <= 12; ++length) {
    const size_t n = static_cast<size_t>(length);
    const std::string urn =
        "urn:epc:id:sgtin:" + gtin.substr(1, n) + ".1" + gtin.substr(1 + n, 12 - n) + ".S1";
    SCOPED_TRACE(urn);
    EXPECT_EQ(Must(InstanceEpc(ItemKey{gtin, "", "", "S1"}, UrnOptions(length))), urn);
    ExpectPair(urn, "https://id.gs1.org/01/" + gtin + "/21/S1", Instance(gtin, "S1"),
               UrnOptions(length));
  }
  EXPECT_EQ(Must(InstanceEpc(ItemKey{gtin, "", "", "S1"}, UrnOptions(6))),
            "urn:epc:id:sgtin:061414.1107346.S1");
  EXPECT_EQ(Must(InstanceEpc(ItemKey{gtin, "", "", "S1"}, UrnOptions(12))),
            "urn:epc:id:sgtin:061414107346.1.S1");
}

TEST(CompanyPrefixTest, GtinEightKeyAlwaysGetsTheEightDigitPrefix) {
  // TDS 7.1.2: GTIN-8 12345670 -> company prefix 00000 + 123, whatever length is set.
  const ItemKey item{"00000012345670", "", "", "X"};
  for (int length : {6, 7, 8, 12}) {
    SCOPED_TRACE(length);
    EXPECT_EQ(Must(InstanceEpc(item, UrnOptions(length))), "urn:epc:id:sgtin:00000123.04567.X");
    EXPECT_EQ(Must(ClassEpc(item, UrnOptions(length))), "urn:epc:idpat:sgtin:00000123.04567.*");
  }
  ExpectPair("urn:epc:id:sgtin:00000123.04567.X", "https://id.gs1.org/01/00000012345670/21/X",
             Instance("00000012345670", "X"), UrnOptions(12));
  // A GTIN-8 (and GTIN-12, GTIN-13) in a Digital Link is padded to 14 digits.
  EXPECT_EQ(NormalizeUri("https://id.gs1.org/01/12345670/21/X"),
            "https://id.gs1.org/01/00000012345670/21/X");
  EXPECT_EQ(NormalizeUri("https://id.gs1.org/01/614141123452/21/X"),
            "https://id.gs1.org/01/00614141123452/21/X");
  EXPECT_EQ(NormalizeUri("https://id.gs1.org/01/0614141123452/21/X"),
            "https://id.gs1.org/01/00614141123452/21/X");
}

TEST(CompanyPrefixTest, OtherKeysAtTheExtremeLengths) {
  ExpectPair("urn:epc:id:sscc:061414123456.17890", "https://id.gs1.org/00/106141412345678908",
             Container("sscc:106141412345678908"), UrnOptions(12));
  ExpectPair("urn:epc:id:sscc:061414.11234567890", "https://id.gs1.org/00/106141412345678908",
             Container("sscc:106141412345678908"), UrnOptions(6));
  // With a 12-digit prefix the asset type and location reference are empty.
  ExpectPair("urn:epc:id:grai:061414112345..400", "https://id.gs1.org/8003/00614141123452400",
             Container("grai:00614141123452400"), UrnOptions(12));
  ExpectPair("urn:epc:id:sgln:061414107346..1234", "https://id.gs1.org/414/0614141073467/254/1234",
             GlnLocation("0614141073467", "1234"), UrnOptions(12));
  ExpectPair("urn:epc:id:giai:061414112345.6789", "https://id.gs1.org/8004/0614141123456789",
             Container("giai:0614141123456789"), UrnOptions(12));
}

TEST(CompanyPrefixTest, GiaiThatCannotBeSplitIsABadContainer) {
  // Too short for a 12-digit prefix plus a reference, or letters inside the prefix.
  EXPECT_EQ(ReasonOf(ContainerEpc("giai:061414112345", UrnOptions(12))), "bad_container");
  EXPECT_EQ(ReasonOf(ContainerEpc("giai:0614ABC99", UrnOptions(7))), "bad_container");
  StatusOr<std::string> status = ContainerEpc("giai:0614ABC99", UrnOptions(7));
  EXPECT_NE(status.status().message().find("Company Prefix"), std::string::npos)
      << status.status().message();
  // The Digital Link form needs no split.
  EXPECT_EQ(Must(ContainerEpc("giai:0614ABC99", LinkOptions())),
            "https://id.gs1.org/8004/0614ABC99");
}

TEST(CompanyPrefixTest, UrnsCheckOnlyTheOptionsTheyUse) {
  IdOptions bad = UrnOptions(5);
  EXPECT_EQ(ReasonOf(InstanceEpc(ItemKey{"10614141073464", "", "", "1"}, bad)),
            "bad_company_prefix_length");
  EXPECT_EQ(ReasonOf(ContainerEpc("sscc:106141412345678908", bad)), "bad_company_prefix_length");
  bad.form = IdForm::kDigitalLink;
  bad.site_code.clear();
  EXPECT_TRUE(InstanceEpc(ItemKey{"10614141073464", "", "", "1"}, bad).ok());
  EXPECT_EQ(ReasonOf(ContainerEpc("label:T1", bad)), "bad_site_code");
  EXPECT_EQ(ReasonOf(LocationUri("A-1", bad)), "bad_site_code");
}

// ---- Percent-encoding ----

TEST(PercentEncodingTest, UrnEscapesExactlyTheTdsCharacters) {
  // Every punctuation character of CSET 82: 20 characters, the most AI (21) allows.
  const std::string serial = "!\"%&'()*+,-./:;<=>?_";
  const ItemKey item{"10614141073464", "", "", serial};
  const std::string urn = "urn:epc:id:sgtin:0614141.107346.!%22%25%26'()*+,-.%2F:;%3C=%3E%3F_";
  const std::string link =
      "https://id.gs1.org/01/10614141073464/21/"
      "%21%22%25%26%27%28%29%2A%2B%2C-.%2F%3A%3B%3C%3D%3E%3F_";
  EXPECT_EQ(Must(InstanceEpc(item, UrnOptions())), urn);
  EXPECT_EQ(Must(InstanceEpc(item, LinkOptions())), link);
  ExpectPair(urn, link, Instance("10614141073464", serial), UrnOptions());
}

TEST(PercentEncodingTest, LotsExtensionsAndAssetsAreEncodedToo) {
  ExpectPair("urn:epc:class:lgtin:0614141.107346.L%2F1%3F",
             "https://id.gs1.org/01/10614141073464/10/L%2F1%3F", Class("10614141073464", "L/1?"),
             UrnOptions());
  ExpectPair("urn:epc:id:sgln:0614141.07346.A%26B",
             "https://id.gs1.org/414/0614141073467/254/A%26B", GlnLocation("0614141073467", "A&B"),
             UrnOptions());
  ExpectPair("urn:epc:id:grai:0614141.12345.a%2Fb", "https://id.gs1.org/8003/00614141123452a%2Fb",
             Container("grai:00614141123452a/b"), UrnOptions());
  ExpectPair("urn:epc:id:giai:0614141.x%25y", "https://id.gs1.org/8004/0614141x%25y",
             Container("giai:0614141x%y"), UrnOptions());
  // Dots in the last URN part belong to it.
  ExpectPair("urn:epc:id:sgtin:0614141.107346.1.2.3",
             "https://id.gs1.org/01/10614141073464/21/1.2.3", Instance("10614141073464", "1.2.3"),
             UrnOptions());
}

TEST(PercentEncodingTest, DecodingAcceptsLowerCaseHexAndNeedlessEscapes) {
  EXPECT_EQ(MustParse("urn:epc:id:sgtin:0614141.107346.A%2fB").serial, "A/B");
  EXPECT_EQ(MustParse("urn:epc:id:sgtin:0614141.107346.%41%2d").serial, "A-");
  EXPECT_EQ(MustParse("https://id.gs1.org/01/10614141073464/21/A%2fB").serial, "A/B");
  EXPECT_EQ(NormalizeUri("urn:epc:id:sgtin:0614141.107346.%41%2f"),
            NormalizeUri("urn:epc:id:sgtin:0614141.107346.A%2F"));
}

TEST(PercentEncodingTest, InvalidEscapesAreBadEpcUri) {
  for (std::string_view uri : {
           "urn:epc:id:sgtin:0614141.107346.%",
           "urn:epc:id:sgtin:0614141.107346.A%2",
           "urn:epc:id:sgtin:0614141.107346.%G1",
           "urn:epc:id:sgtin:0614141.107346.%2G",
           "urn:epc:id:sgtin:0614141.107346.%%41",
           "urn:epc:class:lgtin:0614141.107346.L%Z",
           "urn:epc:id:sgln:0614141.07346.%4",
           "urn:epc:id:giai:0614141.%x1",
           "urn:entrepot:PAR1:loc:A%",
           "https://id.gs1.org/01/10614141073464/21/A%2",
       }) {
    EXPECT_EQ(ReasonOf(ParseUri(uri)), "bad_epc_uri") << uri;
  }
}

TEST(PercentEncodingTest, UnescapedOrForbiddenCharactersAreBadEpcUri) {
  for (std::string_view uri : {
           "urn:epc:id:sgtin:0614141.107346.A/B",     // '/' must be %2F in a URN.
           "urn:epc:id:sgtin:0614141.107346.A?B",     // '?' must be %3F.
           "urn:epc:id:sgtin:0614141.107346.A&B",     // '&' must be %26.
           "urn:epc:id:sgtin:0614141.107346.A\"B",    // '"' must be %22.
           "urn:epc:id:sgtin:0614141.107346.A%20B",   // A space is not in CSET 82.
           "urn:epc:id:sgtin:0614141.107346.A%23B",   // Nor is '#'.
           "urn:epc:id:sgtin:0614141.107346.%C3%A9",  // Nor is any non-ASCII byte.
           "urn:epc:id:sgtin:0614141.107346.A%1DB",   // Nor a group separator.
           "urn:epc:id:sgtin:0614141.107346.A B",
           "urn:epc:id:sgtin:0614141.107346.A\nB",
           "https://id.gs1.org/01/10614141073464/21/A%20B",
       }) {
    EXPECT_EQ(ReasonOf(ParseUri(uri)), "bad_epc_uri") << uri;
  }
}

// ---- Private URNs ----

TEST(PrivateUrnTest, LocationsWithoutSiteGlnAreInTheSiteNamespace) {
  for (const IdOptions& options : {UrnOptions(), LinkOptions()}) {
    EXPECT_EQ(Must(LocationUri("A-01-02", options)), "urn:entrepot:PAR1:loc:A-01-02");
  }
  ExpectPair("urn:entrepot:PAR1:loc:A-01-02", "urn:entrepot:PAR1:loc:A-01-02",
             PrivateLocation("PAR1", "A-01-02"), UrnOptions());
  // Codes are percent-encoded like URN components.
  EXPECT_EQ(Must(LocationUri("A/1", UrnOptions())), "urn:entrepot:PAR1:loc:A%2F1");
  EXPECT_EQ(MustParse("urn:entrepot:PAR1:loc:A%2F1").extension, "A/1");
}

TEST(PrivateUrnTest, ContainerLabelsAreInTheSiteNamespace) {
  for (const IdOptions& options : {UrnOptions(), LinkOptions()}) {
    EXPECT_EQ(Must(ContainerEpc("label:T00042", options)), "urn:entrepot:PAR1:label:T00042");
  }
  ExpectPair("urn:entrepot:PAR1:label:T00042", "urn:entrepot:PAR1:label:T00042",
             Container("label:T00042", "PAR1"), UrnOptions());
}

TEST(PrivateUrnTest, FormatUriKeepsTheParsedSite) {
  IdOptions options = UrnOptions();
  EXPECT_EQ(Must(FormatUri(MustParse("urn:entrepot:LYS-2:loc:B%2F1"), options)),
            "urn:entrepot:LYS-2:loc:B%2F1");
  EXPECT_EQ(Must(FormatUri(PrivateLocation("", "B/1"), options)), "urn:entrepot:PAR1:loc:B%2F1");
  EXPECT_EQ(Must(FormatUri(Container("label:T1"), options)), "urn:entrepot:PAR1:label:T1");
  EXPECT_EQ(MustParse("urn:entrepot:LYS-2:loc:B%2F1").extension, "B/1");
}

TEST(PrivateUrnTest, MalformedPrivateUrnsAreBadEpcUri) {
  for (std::string_view uri : {
           "urn:entrepot:",
           "urn:entrepot:PAR1",
           "urn:entrepot:PAR1:loc",
           "urn:entrepot:PAR1:loc:",
           "urn:entrepot::loc:A",
           "urn:entrepot:PAR%31:loc:A",
           "urn:entrepot:PAR1:bin:A",
           "urn:entrepot:PAR1:label:t00042",  // Label codes are upper case.
           "urn:entrepot:PAR1:label:T--1",
           "urn:entrepot:PAR1:label:",
           "urn:entrepot:PAR1:loc:A/B",
       }) {
    EXPECT_EQ(ReasonOf(ParseUri(uri)), "bad_epc_uri") << uri;
  }
  EXPECT_EQ(ReasonOf(ParseUri("urn:entrepot:PAR1:loc:" + std::string(65, 'A'))), "bad_epc_uri");
}

// ---- Errors of the writers ----

TEST(WriterErrorTest, BadGtin) {
  for (std::string gtin : {"", "1061414107346", "106141410734640", "1061414107346X",
                           "10614141073465", "0614141073464"}) {
    SCOPED_TRACE(gtin);
    EXPECT_EQ(ReasonOf(InstanceEpc(ItemKey{gtin, "", "", "1"}, UrnOptions())), "bad_gtin");
    EXPECT_EQ(ReasonOf(ClassEpc(ItemKey{gtin, "L1", "", ""}, LinkOptions())), "bad_gtin");
    EXPECT_EQ(ReasonOf(FormatUri(Instance(gtin, "1"), UrnOptions())), "bad_gtin");
  }
}

TEST(WriterErrorTest, BadSerialAndLot) {
  for (std::string value : {std::string(), std::string(21, '1'), std::string("a b"),
                            std::string("caf\xC3\xA9"), std::string("a#b"), std::string("a\x1D")}) {
    SCOPED_TRACE(value);
    EXPECT_EQ(ReasonOf(InstanceEpc(ItemKey{"10614141073464", "", "", value}, UrnOptions())),
              "bad_serial");
    if (!value.empty()) {
      EXPECT_EQ(ReasonOf(ClassEpc(ItemKey{"10614141073464", value, "", ""}, UrnOptions())),
                "bad_lot");
    }
  }
  const Status bad =
      InstanceEpc(ItemKey{"10614141073464", "", "", "caf\xC3\xA9"}, UrnOptions()).status();
  // Messages stay printable ASCII (they end up in JSON).
  for (char c : bad.message()) {
    EXPECT_TRUE(c >= 0x20 && c < 0x7F) << static_cast<int>(c) << " in " << bad.message();
  }
}

TEST(WriterErrorTest, BadContainer) {
  for (std::string id : {"", "pallet-1", "SSCC:106141412345678908", "sscc:106141412345678909",
                         "sscc:10614141234567890", "grai:10614141123452400",
                         "grai:00614141123453400", "giai:", "label:t1", "label:"}) {
    EXPECT_EQ(ReasonOf(ContainerEpc(id, UrnOptions())), "bad_container") << id;
    EXPECT_EQ(ReasonOf(FormatUri(Container(id), LinkOptions())), "bad_container") << id;
  }
}

TEST(WriterErrorTest, BadLocationAndGln) {
  const IdOptions gln = WithGln(UrnOptions());
  for (const std::string& code :
       std::vector<std::string>{"", "0", std::string(21, 'A'), "A B", "A#1"}) {
    EXPECT_EQ(ReasonOf(LocationUri(code, gln)), "bad_location") << code;
  }
  for (std::string code : {std::string(), std::string(65, 'A'), std::string("A B"),
                           std::string("A\x01"), std::string("\xC3\xA9")}) {
    EXPECT_EQ(ReasonOf(LocationUri(code, UrnOptions())), "bad_location") << code;
  }
  EXPECT_EQ(ReasonOf(LocationUri("A1", WithGln(UrnOptions(), "0614141073468"))), "bad_gln");
  EXPECT_EQ(ReasonOf(FormatUri(GlnLocation("0614141073468", ""), UrnOptions())), "bad_gln");
  EXPECT_EQ(ReasonOf(FormatUri(GlnLocation("0614141073467", "0"), UrnOptions())), "bad_location");
  EXPECT_EQ(ReasonOf(FormatUri(PrivateLocation("PAR1", ""), UrnOptions())), "bad_location");
}

// ---- Errors of the reader ----

TEST(ParseErrorTest, UnknownSchemes) {
  for (std::string_view uri : {
           "",
           "2017",
           "mailto:ops@example.com",
           "urn:isbn:0451450523",
           "URN:EPC:ID:SGTIN:0614141.107346.2017",
           "urn:epc:id:gdti:0614141.12345.006847",
           "urn:epc:id:sgcn:4012345.67890.04711",
           "urn:epc:tag:sgtin-96:3.0614141.812345.6789",
           "urn:epc:class:lgtin-x:4012345.012345.998877",
           "urn:partner:thing:1",
           "ftp://id.gs1.org/01/10614141073464",
           "https://example.com/about",
           "https://example.com",
           "https://id.gs1.org/417/0614141073467",
           "https://id.gs1.org/8006/106141410734640102",
       }) {
    EXPECT_EQ(ReasonOf(ParseUri(uri)), "unknown_uri_scheme") << uri;
  }
}

TEST(ParseErrorTest, MalformedEpcUris) {
  for (std::string_view uri : {
           "urn:epc:id:sgtin:",
           "urn:epc:id:sgtin:0614141.107346",
           "urn:epc:id:sgtin:0614141.107346.",
           "urn:epc:id:sgtin:0614141.10734.2017",
           "urn:epc:id:sgtin:0614141.1073460.2017",
           "urn:epc:id:sgtin:061414A.107346.2017",
           "urn:epc:id:sgtin:06141.41107346.2017",
           "urn:epc:id:sgtin:0614141073464.1.2017",
           "urn:epc:id:sgtin:.10614141073464.2017",
           "urn:epc:id:sgtin:0614141.107346.123456789012345678901",
           "urn:epc:class:lgtin:0614141.107346.",
           "urn:epc:idpat:sgtin:0614141.107346.X",
           "urn:epc:idpat:sgtin:0614141.*.*",
           "urn:epc:id:sscc:0614141.123456789",
           "urn:epc:id:sscc:0614141.12345678901",
           "urn:epc:id:sscc:0614141.",
           "urn:epc:id:grai:0614141.12345.",
           "urn:epc:id:grai:0614141.12345.12345678901234567",
           "urn:epc:idpat:grai:0614141.12345.400",
           "urn:epc:id:giai:0614141.",
           "urn:epc:id:giai:0614141",
           "urn:epc:id:giai:0614141.1234567890123456789012345",
           "urn:epc:id:sgln:0614141.07346.",
           "urn:epc:id:sgln:0614141.07346.123456789012345678901",
           "urn:epc:id:sgln:0614141.0734.1",
           "https://id.gs1.org/01/10614141073464/22/ABC",
           "https://id.gs1.org/01/1061414107346X",
           "https://id.gs1.org/01/1061414107/21/1",
           "https://id.gs1.org/00/106141412345678908/21/1",
           "https://id.gs1.org/414/0614141073467/7040/1A23",
           "https:///01/10614141073464",
       }) {
    EXPECT_EQ(ReasonOf(ParseUri(uri)), "bad_epc_uri") << uri;
  }
}

TEST(ParseErrorTest, WrongCheckDigitsInDigitalLinks) {
  for (std::string_view uri : {
           "https://id.gs1.org/01/10614141073465/21/2017",
           "https://id.gs1.org/01/10614141073465",
           "https://id.gs1.org/01/12345671",
           "https://id.gs1.org/00/106141412345678909",
           "https://id.gs1.org/414/0614141073468",
           "https://id.gs1.org/8003/00614141123453400",
       }) {
    StatusOr<ParsedUri> parsed = ParseUri(uri);
    EXPECT_EQ(ReasonOf(parsed), "bad_check_digit") << uri;
    EXPECT_EQ(NormalizeUri(uri), uri);
  }
}

TEST(ParseErrorTest, OverLongInput) {
  const std::string prefix = "urn:epc:id:sgtin:0614141.107346.";
  const std::string at_limit = prefix + std::string(kMaxUriBytes - prefix.size(), '1');
  EXPECT_EQ(ReasonOf(ParseUri(at_limit)), "bad_epc_uri");  // Serial too long, not the URI.
  EXPECT_EQ(ReasonOf(ParseUri(at_limit + "1")), "uri_too_long");
  EXPECT_EQ(ReasonOf(ParseUri(std::string(1 << 20, 'x'))), "uri_too_long");
  EXPECT_EQ(ReasonOf(ParseUri("https://id.gs1.org/01/10614141073464/21/1?" +
                              std::string(kMaxUriBytes, 'a'))),
            "uri_too_long");
  EXPECT_EQ(NormalizeUri(at_limit + "1"), at_limit + "1");
}

// ---- Digital Link reading ----

TEST(DigitalLinkTest, AnyHostHttpAndPathPrefixAreAccepted) {
  const std::string canonical = "https://id.gs1.org/01/10614141073464/21/2017";
  for (std::string_view uri : {
           "http://id.gs1.org/01/10614141073464/21/2017",
           "HTTPS://example.com/01/10614141073464/21/2017",
           "https://shop.example.com/products/01/10614141073464/21/2017",
           "https://example.com/01/10614141073464/21/2017/",
           "https://example.com/01/10614141073464/21/2017?17=271231&utm=x",
           "https://example.com/01/10614141073464/21/2017#top",
           "https://example.com/01/10614141073464/10/LOT1/21/2017",
       }) {
    EXPECT_EQ(NormalizeUri(uri), canonical) << uri;
  }
  // The lot next to a serial is kept, but is not part of the instance's identity.
  EXPECT_EQ(MustParse("https://example.com/01/10614141073464/10/LOT1/21/2017").lot, "LOT1");
}

TEST(DigitalLinkTest, ExtensionZeroIsTheWholeLocation) {
  EXPECT_EQ(NormalizeUri("https://id.gs1.org/414/0614141073467/254/0"),
            "https://id.gs1.org/414/0614141073467");
  EXPECT_EQ(MustParse("urn:epc:id:sgln:0614141.07346.%30").extension, "");
}

// ---- Normalisation ----

TEST(NormalizeTest, UrnAndDigitalLinkOfEveryKindAgree) {
  const std::vector<ParsedUri> things = {
      Instance("10614141073464", "2017"),   Instance("00000012345670", "a/b"),
      Class("04012345123456", "998877"),    Class("04012345987652"),
      Container("sscc:106141412345678908"), Container("grai:00614141123452400"),
      Container("grai:00614141123452"),     Container("giai:0614141123456789"),
      Container("label:T00042", "PAR1"),    GlnLocation("0614141073467", "1234"),
      GlnLocation("0614141073467", ""),     PrivateLocation("PAR1", "A-01-02"),
  };
  for (int length : {6, 7, 9, 12}) {
    for (const ParsedUri& thing : things) {
      SCOPED_TRACE(Describe(thing) + " at " + std::to_string(length));
      const std::string urn = Must(FormatUri(thing, UrnOptions(length)));
      const std::string link = Must(FormatUri(thing, LinkOptions()));
      EXPECT_EQ(NormalizeUri(urn), NormalizeUri(link));
      EXPECT_EQ(NormalizeUri(link), link);
      EXPECT_EQ(Must(FormatUri(MustParse(link), UrnOptions(length))), urn);
      EXPECT_EQ(Must(FormatUri(MustParse(urn), LinkOptions())), link);
    }
  }
}

TEST(NormalizeTest, UnreadableUrisAreLeftAsTheyAre) {
  for (std::string_view uri : {"urn:partner:pallet:77", "urn:epc:id:gdti:0614141.12345.006847",
                               "urn:epc:id:sgtin:0614141.107346.A/B", "", "not a uri"}) {
    EXPECT_EQ(NormalizeUri(uri), uri);
  }
}

// ---- Property test ----

class KeyGenerator {
 public:
  explicit KeyGenerator(std::uint64_t seed) : rng_(seed) {}

  int Uniform(int low, int high) { return std::uniform_int_distribution<int>(low, high)(rng_); }

  std::string Digits(int n) {
    std::string digits;
    for (int i = 0; i < n; ++i) {
      digits += static_cast<char>('0' + Uniform(0, 9));
    }
    return digits;
  }

  std::string WithCheck(std::string digits) { return digits + gs1::ComputeCheckDigit(digits); }

  // A GTIN-14; one in five is a padded GTIN-8.
  std::string Gtin() { return WithCheck(Uniform(0, 4) == 0 ? "000000" + Digits(7) : Digits(13)); }

  std::string Cset82(int min, int max) {
    static constexpr std::string_view kCset82 =
        "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
    std::string text;
    const int n = Uniform(min, max);
    for (int i = 0; i < n; ++i) {
      text += kCset82[static_cast<size_t>(Uniform(0, static_cast<int>(kCset82.size()) - 1))];
    }
    return text;
  }

  std::string Printable(int min, int max) {
    std::string text;
    const int n = Uniform(min, max);
    for (int i = 0; i < n; ++i) {
      text += static_cast<char>(Uniform(0x21, 0x7E));
    }
    return text;
  }

  std::string LabelCode() {
    std::string code = Digits(1);
    const int n = Uniform(0, 10);
    for (int i = 0; i < n; ++i) {
      code += static_cast<char>(Uniform(0, 1) == 0 ? 'A' + Uniform(0, 25) : '0' + Uniform(0, 9));
    }
    return code;
  }

  // A random valid thing; `length` is the company prefix length the URN will use.
  ParsedUri Thing(int length) {
    switch (Uniform(0, 8)) {
      case 0:
        return Instance(Gtin(), Cset82(1, 20));
      case 1:
        return Class(Gtin(), Cset82(1, 20));
      case 2:
        return Class(Gtin());
      case 3:
        return Container("sscc:" + WithCheck(Digits(17)));
      case 4:
        return Container("grai:0" + WithCheck(Digits(12)) + Cset82(0, 16));
      case 5:
        return Container("giai:" + Digits(length) + Cset82(1, 30 - length));
      case 6:
        return Container("label:" + LabelCode(), "S-" + Digits(2));
      case 7: {
        std::string extension = Cset82(0, 20);
        return GlnLocation(WithCheck(Digits(12)), extension == "0" ? "" : extension);
      }
      default:
        return PrivateLocation("S_" + Digits(3), Printable(1, 64));
    }
  }

 private:
  std::mt19937_64 rng_;
};

std::uint64_t Seed() {
  const char* env = std::getenv("EPCIS_IDS_SEED");
  return env != nullptr ? std::strtoull(env, nullptr, 10) : 20250917;
}

TEST(RoundTripPropertyTest, RandomValidKeysSurviveBothForms) {
  const std::uint64_t seed = Seed();
  std::cout << "epcis ids round-trip seed: " << seed << " (set EPCIS_IDS_SEED to change)\n";
  RecordProperty("seed", std::to_string(seed));
  KeyGenerator gen(seed);
  for (int i = 0; i < 3000; ++i) {
    const int length = gen.Uniform(6, 12);
    const ParsedUri thing = gen.Thing(length);
    SCOPED_TRACE("seed " + std::to_string(seed) + ", case " + std::to_string(i) + ": " +
                 Describe(thing) + " at " + std::to_string(length));
    const std::string urn = Must(FormatUri(thing, UrnOptions(length)));
    const std::string link = Must(FormatUri(thing, LinkOptions()));
    ASSERT_EQ(Describe(MustParse(urn)), Describe(thing)) << urn;
    ASSERT_EQ(Describe(MustParse(link)), Describe(thing)) << link;
    ASSERT_EQ(Must(FormatUri(MustParse(urn), UrnOptions(length))), urn);
    ASSERT_EQ(NormalizeUri(urn), link);
    ASSERT_EQ(NormalizeUri(link), link);
    ASSERT_LE(urn.size(), kMaxUriBytes);
  }
}

}  // namespace
}  // namespace entrepot::epcis
