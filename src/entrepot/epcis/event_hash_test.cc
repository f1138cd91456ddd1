#include "entrepot/epcis/event_hash.h"

#include <regex>
#include <string>

#include "gtest/gtest.h"

namespace entrepot::epcis {
namespace {

using nlohmann::json;

// The worked examples of GS1's reference implementation (github.com/RalphTro/
// epcis-event-hash-generator, README "Worked examples", CBV 2.0 rows): the JSON-LD events,
// their pre-hash strings (printed there one element per line; the hashed string has no
// separators) and their event hash ids.
const char kExampleContext[] = R"({"example": "https://ns.example.com/epcis/"})";

const char kExample1[] = R"({
  "type": "ObjectEvent",
  "eventTime": "2020-03-04T11:00:30.000+01:00",
  "eventTimeZoneOffset": "+01:00",
  "recordTime": "2020-03-04T11:00:30.999+01:00",
  "epcList": ["urn:epc:id:sscc:4012345.0000000333", "urn:epc:id:sscc:4012345.0000000111",
              "urn:epc:id:sscc:4012345.0000000222"],
  "action": "OBSERVE",
  "bizStep": "departing",
  "readPoint": {"id": "urn:epc:id:sgln:4012345.00011.987"},
  "example:myField1": {"example:mySubField1": "2", "example:mySubField2": "5"},
  "example:myField2": "0",
  "example:myField3": {"example:mySubField3": ["3", "1"]}
})";
const char kExample1PreHash[] =
    "eventType=ObjectEvent"
    "eventTime=2020-03-04T10:00:30.000Z"
    "eventTimeZoneOffset=+01:00"
    "epcList"
    "epc=https://id.gs1.org/00/040123450000001112"
    "epc=https://id.gs1.org/00/040123450000002225"
    "epc=https://id.gs1.org/00/040123450000003338"
    "action=OBSERVE"
    "bizStep=https://ref.gs1.org/cbv/BizStep-departing"
    "readPoint"
    "id=https://id.gs1.org/414/4012345000115/254/987"
    "{https://ns.example.com/epcis/}myField1"
    "{https://ns.example.com/epcis/}mySubField1=2"
    "{https://ns.example.com/epcis/}mySubField2=5"
    "{https://ns.example.com/epcis/}myField2=0"
    "{https://ns.example.com/epcis/}myField3"
    "{https://ns.example.com/epcis/}mySubField3=1"
    "{https://ns.example.com/epcis/}mySubField3=3";
const char kExample1Id[] =
    "ni:///sha-256;6ae96341e0acc6d7a261364751f60e68278a81cdf51da0abb6b4e617014e39d7?ver=CBV2.0";

const char kExample2[] = R"({
  "type": "ObjectEvent",
  "eventTime": "2020-04-01T15:00:00+01:00",
  "eventTimeZoneOffset": "+01:00",
  "epcList": ["urn:epc:id:sgtin:4012345.011111.9876"],
  "action": "OBSERVE",
  "bizStep": "inspecting",
  "readPoint": {"id": "urn:epc:id:sgln:4012345.00005.0"},
  "sensorElementList": [{
    "sensorMetadata": {"deviceID": "urn:epc:id:giai:4000001.111",
                       "deviceMetadata": "https://id.gs1.org/8004/4000001111"},
    "sensorReport": [
      {"type": "Temperature", "value": 26, "sDev": 0.1, "uom": "CEL"},
      {"type": "AbsoluteHumidity", "value": 12.1, "uom": "A93"},
      {"type": "Dimensionless", "microorganism": "https://www.ncbi.nlm.nih.gov/taxonomy/1126011",
       "value": 0.05, "uom": "C35"},
      {"type": "Dimensionless",
       "chemicalSubstance": "https://identifiers.org/inchikey:CZMRCDWAGMRECN-UGDNZRGBSA-N",
       "value": 0.18, "uom": "C35"}
    ]
  }]
})";
const char kExample2PreHash[] =
    "eventType=ObjectEvent"
    "eventTime=2020-04-01T14:00:00.000Z"
    "eventTimeZoneOffset=+01:00"
    "epcList"
    "epc=https://id.gs1.org/01/04012345111118/21/9876"
    "action=OBSERVE"
    "bizStep=https://ref.gs1.org/cbv/BizStep-inspecting"
    "readPoint"
    "id=https://id.gs1.org/414/4012345000054"
    "sensorElement"
    "sensorMetadata"
    "deviceID=https://id.gs1.org/8004/4000001111"
    "deviceMetadata=https://id.gs1.org/8004/4000001111"
    "sensorReport"
    "type=https://ref.gs1.org/voc/AbsoluteHumidity"
    "value=12.1"
    "uom=A93"
    "sensorReport"
    "type=https://ref.gs1.org/voc/Dimensionless"
    "chemicalSubstance=https://identifiers.org/inchikey:CZMRCDWAGMRECN-UGDNZRGBSA-N"
    "value=0.18"
    "uom=C35"
    "sensorReport"
    "type=https://ref.gs1.org/voc/Dimensionless"
    "microorganism=https://www.ncbi.nlm.nih.gov/taxonomy/1126011"
    "value=0.05"
    "uom=C35"
    "sensorReport"
    "type=https://ref.gs1.org/voc/Temperature"
    "value=26"
    "sDev=0.1"
    "uom=CEL";
const char kExample2Id[] =
    "ni:///sha-256;271565c346ae2fb28c4583c4dca4ab4772d465eb4e0b6e548d77d8b49377d95c?ver=CBV2.0";

const char kExample3[] = R"({
  "type": "ObjectEvent",
  "eventTime": "2020-03-04T11:00:30+01:00",
  "eventTimeZoneOffset": "+01:00",
  "epcList": ["urn:epc:id:sgtin:0614141.011111.987"],
  "action": "OBSERVE",
  "bizStep": "departing",
  "disposition": "in_transit",
  "readPoint": {"id": "urn:epc:id:sgln:4012345.00011.0", "example:myField1": "AB-12"},
  "bizTransactionList": [{"type": "po", "bizTransaction": "urn:epc:id:gdti:4012345.11111.123"}],
  "sourceList": [{"type": "owning_party", "source": "urn:epc:id:pgln:4012345.00000"}],
  "destinationList": [{"type": "owning_party", "destination": "urn:epc:id:pgln:0614141.00000"}],
  "example:userExt": "CD-34"
})";
const char kExample3PreHash[] =
    "eventType=ObjectEvent"
    "eventTime=2020-03-04T10:00:30.000Z"
    "eventTimeZoneOffset=+01:00"
    "epcList"
    "epc=https://id.gs1.org/01/00614141111114/21/987"
    "action=OBSERVE"
    "bizStep=https://ref.gs1.org/cbv/BizStep-departing"
    "disposition=https://ref.gs1.org/cbv/Disp-in_transit"
    "readPoint"
    "id=https://id.gs1.org/414/4012345000115"
    "bizTransactionList"
    "type=https://ref.gs1.org/cbv/BTT-po"
    "bizTransaction=https://id.gs1.org/253/4012345111118123"
    "sourceList"
    "type=https://ref.gs1.org/cbv/SDT-owning_party"
    "source=https://id.gs1.org/417/4012345000009"
    "destinationList"
    "type=https://ref.gs1.org/cbv/SDT-owning_party"
    "destination=https://id.gs1.org/417/0614141000005"
    "readPoint"
    "{https://ns.example.com/epcis/}myField1=AB-12"
    "{https://ns.example.com/epcis/}userExt=CD-34";
const char kExample3Id[] =
    "ni:///sha-256;3ae14c02c4bdc220cc31942cf804f6845eb8dec96ba6483391c92a9b165f9329?ver=CBV2.0";

JsonLdPrefixes ExamplePrefixes() {
  return ContextPrefixes(
      json::array({"https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
                   json::parse(kExampleContext)}));
}

struct ReferenceCase {
  const char* event;
  const char* pre_hash;
  const char* id;
};

TEST(EventHashTest, ReproducesTheReferenceImplementationsWorkedExamples) {
  for (const ReferenceCase& example : {ReferenceCase{kExample1, kExample1PreHash, kExample1Id},
                                       ReferenceCase{kExample2, kExample2PreHash, kExample2Id},
                                       ReferenceCase{kExample3, kExample3PreHash, kExample3Id}}) {
    json event = json::parse(example.event);
    StatusOr<std::string> pre_hash = EventPreHashString(event, ExamplePrefixes());
    ASSERT_TRUE(pre_hash.ok()) << pre_hash.status().ToString();
    EXPECT_EQ(*pre_hash, example.pre_hash);
    StatusOr<std::string> id = CanonicalEventId(event, ExamplePrefixes());
    ASSERT_TRUE(id.ok());
    EXPECT_EQ(*id, example.id);
  }
}

// GS1's EPCIS 2.0 example 9.6.1 (data/epcis/), first event: the pre-hash string that the
// epcis2.js implementation's tests give for it.
TEST(EventHashTest, AgreesWithAnotherImplementationOnTheStandardsExample) {
  json event = json::parse(R"({
    "eventID": "ni:///sha-256;df7bb3c352fef055578554f09f5e2aa41782150ced7bd0b8af24dd3ccb30ba69",
    "type": "ObjectEvent", "action": "OBSERVE", "bizStep": "shipping",
    "disposition": "in_transit",
    "epcList": ["urn:epc:id:sgtin:0614141.107346.2017", "urn:epc:id:sgtin:0614141.107346.2018"],
    "eventTime": "2005-04-03T20:33:31.116000-06:00", "eventTimeZoneOffset": "-06:00",
    "readPoint": {"id": "urn:epc:id:sgln:0614141.07346.1234"},
    "bizTransactionList": [
      {"type": "po", "bizTransaction": "http://transaction.acme.com/po/12345678"}]
  })");
  StatusOr<std::string> pre_hash = EventPreHashString(event);
  ASSERT_TRUE(pre_hash.ok()) << pre_hash.status().ToString();
  EXPECT_EQ(*pre_hash,
            "eventType=ObjectEventeventTime=2005-04-04T02:33:31.116ZeventTimeZoneOffset=-06:00"
            "epcListepc=https://id.gs1.org/01/10614141073464/21/2017"
            "epc=https://id.gs1.org/01/10614141073464/21/2018action=OBSERVE"
            "bizStep=https://ref.gs1.org/cbv/BizStep-shipping"
            "disposition=https://ref.gs1.org/cbv/Disp-in_transit"
            "readPointid=https://id.gs1.org/414/0614141073467/254/1234"
            "bizTransactionListtype=https://ref.gs1.org/cbv/BTT-po"
            "bizTransaction=http://transaction.acme.com/po/12345678");
}

TEST(EventHashTest, IdHasTheNiFormAndIsDeterministic) {
  json event = json::parse(kExample3);
  StatusOr<std::string> first = CanonicalEventId(event);
  StatusOr<std::string> second = CanonicalEventId(event);
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(std::regex_match(*first, std::regex("ni:///sha-256;[0-9a-f]{64}\\?ver=CBV2\\.0")));
  EXPECT_EQ(*first, *second);
}

TEST(EventHashTest, SameEventWrittenDifferentlyHasTheSameId) {
  json event = json::parse(kExample1);
  json other = event;
  // Another instant notation, list order, identifier form, CBV URN, ignored fields.
  other["eventTime"] = "2020-03-04T10:00:30Z";
  other["epcList"] = {"https://id.gs1.org/00/040123450000002225",
                      "https://example.com/sscc/040123450000003338?x=1",
                      "urn:epc:id:sscc:4012345.0000000111"};
  other["bizStep"] = "urn:epcglobal:cbv:bizstep:departing";
  other["eventID"] = "urn:uuid:1";
  other["recordTime"] = "2030-01-01T00:00:00Z";
  other["errorDeclaration"] = {{"declarationTime", "2030-01-01T00:00:00Z"}};
  other["certificationInfo"] = "https://example.com/cert";
  EXPECT_EQ(*CanonicalEventId(event, ExamplePrefixes()),
            *CanonicalEventId(other, ExamplePrefixes()));
}

TEST(EventHashTest, AnyChangeChangesTheId) {
  json event = json::parse(kExample3);
  const std::string id = *CanonicalEventId(event);
  auto changed = [&](const char* pointer, json value) {
    json other = event;
    other[json::json_pointer(pointer)] = std::move(value);
    return *CanonicalEventId(other) != id;
  };
  EXPECT_TRUE(changed("/epcList/0", "urn:epc:id:sgtin:0614141.011111.988"));
  EXPECT_TRUE(changed("/bizStep", "shipping"));
  EXPECT_TRUE(changed("/eventTime", "2020-03-04T11:00:30.001+01:00"));
  EXPECT_TRUE(changed("/eventTimeZoneOffset", "+02:00"));
  EXPECT_TRUE(changed("/readPoint/example:myField1", "AB-13"));
  EXPECT_TRUE(changed("/example:userExt", "CD-35"));
  EXPECT_TRUE(changed("/example:added", "x"));
  EXPECT_TRUE(changed("/bizLocation", json{{"id", "urn:epc:id:sgln:4012345.00011.0"}}));
}

TEST(EventHashTest, QuantitiesAndAggregationsFollowTheOrder) {
  json event = json::parse(R"({
    "type": "AggregationEvent", "eventTime": "2026-11-28T11:33:50.123Z",
    "eventTimeZoneOffset": "+00:00", "action": "ADD", "bizStep": "packing",
    "parentID": "urn:epc:id:sscc:9506000.0000000001",
    "childEPCs": ["urn:epc:id:sgtin:9506000.013435.S2"],
    "childQuantityList": [
      {"epcClass": "urn:epc:class:lgtin:9506000.013435.L1", "quantity": 2.0},
      {"epcClass": "urn:epc:idpat:sgtin:9506000.013436.*", "quantity": 0.5, "uom": "KGM"}]
  })");
  EXPECT_EQ(*EventPreHashString(event),
            "eventType=AggregationEventeventTime=2026-11-28T11:33:50.123Z"
            "eventTimeZoneOffset=+00:00"
            "parentID=https://id.gs1.org/00/095060000000000015"
            "childEPCsepc=https://id.gs1.org/01/09506000134352/21/S2"
            "childQuantityList"
            "quantityElementepcClass=https://id.gs1.org/01/09506000134352/10/L1quantity=2"
            "quantityElementepcClass=https://id.gs1.org/01/09506000134369quantity=0.5uom=KGM"
            "action=ADDbizStep=https://ref.gs1.org/cbv/BizStep-packing");
}

TEST(EventHashTest, IlmdAndPersistentDispositionAreIncluded) {
  json event = json::parse(R"({
    "type": "ObjectEvent", "eventTime": "2026-11-28T11:33:50Z", "eventTimeZoneOffset": "+00:00",
    "action": "ADD", "epcList": [],
    "persistentDisposition": {"unset": ["completeness_inferred"], "set": ["completeness_verified"]},
    "ilmd": {"cbvmda:bestBeforeDate": "2027-01-31"}
  })");
  EXPECT_EQ(*EventPreHashString(event),
            "eventType=ObjectEventeventTime=2026-11-28T11:33:50.000Z"
            "eventTimeZoneOffset=+00:00action=ADD"
            "persistentDisposition"
            "set=https://ref.gs1.org/cbv/Disp-completeness_verified"
            "unset=https://ref.gs1.org/cbv/Disp-completeness_inferred"
            "ilmd{urn:epcglobal:cbv:mda}bestBeforeDate=2027-01-31");
}

TEST(EventHashTest, NumbersLoseTrailingZerosAndKeepPythonsLayout) {
  auto value_of = [](json value) {
    json event = {
        {"type", "ObjectEvent"}, {"eventTime", "2026-11-28T11:33:50Z"}, {"ex:v", std::move(value)}};
    std::string pre_hash = *EventPreHashString(event);
    return pre_hash.substr(pre_hash.find("ex:v=") + 5);
  };
  EXPECT_EQ(value_of(1.0), "1");
  EXPECT_EQ(value_of(0.3434), "0.3434");
  EXPECT_EQ(value_of("0.34340"), "0.3434");
  EXPECT_EQ(value_of("007"), "7");
  EXPECT_EQ(value_of(1.5e-7), "1.5e-07");
  EXPECT_EQ(value_of(0.0001), "0.0001");
  EXPECT_EQ(value_of(-12.25), "-12.25");
  EXPECT_EQ(value_of(1e20), "100000000000000000000");
  EXPECT_EQ(value_of(true), "true");
  EXPECT_EQ(value_of("1e"), "1e");
  EXPECT_EQ(value_of("nan"), "nan");
}

TEST(EventHashTest, ExtensionsWithoutAKnownPrefixKeepTheirKey) {
  json event = {{"type", "ObjectEvent"}, {"eventTime", "2026-11-28T11:33:50Z"}, {"ex:v", "a"}};
  EXPECT_EQ(*EventPreHashString(event),
            "eventType=ObjectEventeventTime=2026-11-28T11:33:50.000Zex:v=a");
  event["@context"] = {{"ex", "https://ex.example/"}};
  EXPECT_EQ(*EventPreHashString(event),
            "eventType=ObjectEventeventTime=2026-11-28T11:33:50.000Z{https://ex.example/}v=a");
}

TEST(EventHashTest, MalformedEventsAreRefused) {
  const char* const kBad[] = {
      R"([])",
      R"({"eventTime": "2026-11-28T11:33:50Z"})",
      R"({"type": "ObjectEvent"})",
      R"({"type": "ObjectEvent", "eventTime": 1795000000000})",
      R"({"type": "ObjectEvent", "eventTime": "yesterday"})",
      R"({"type": "ObjectEvent", "eventTime": "2026-11-28T11:33:50Z", "epcList": "urn:x:y"})",
      R"({"type": "ObjectEvent", "eventTime": "2026-11-28T11:33:50Z", "epcList": [1]})",
      R"({"type": "ObjectEvent", "eventTime": "2026-11-28T11:33:50Z", "readPoint": "urn:x"})",
      R"({"type": "ObjectEvent", "eventTime": "2026-11-28T11:33:50Z", "bizStep": {}})",
      R"({"type": "ObjectEvent", "eventTime": "2026-11-28T11:33:50Z", "quantityList": {}})",
      R"({"type": "ObjectEvent", "eventTime": "2026-11-28T11:33:50Z", "sourceList": ["x"]})",
  };
  for (const char* text : kBad) {
    StatusOr<std::string> id = CanonicalEventId(json::parse(text));
    EXPECT_FALSE(id.ok()) << text;
    EXPECT_EQ(id.status().reason(), "bad_event") << text;
  }
  json deep = "leaf";
  for (int i = 0; i < 100; ++i) {
    deep = json{{"ex:n", deep}};
  }
  json event = {{"type", "ObjectEvent"}, {"eventTime", "2026-11-28T11:33:50Z"}, {"ex:d", deep}};
  EXPECT_EQ(CanonicalEventId(event).status().reason(), "bad_event");
}

struct UriCase {
  const char* in;
  const char* out;
};

TEST(EventHashTest, IdentifiersTakeTheConstrainedDigitalLinkForm) {
  const UriCase kCases[] = {
      {"urn:epc:id:sgtin:9506000.013435.S1", "https://id.gs1.org/01/09506000134352/21/S1"},
      {"urn:epc:id:sgtin:9506000.013435.A(1)", "https://id.gs1.org/01/09506000134352/21/A%281%29"},
      {"urn:epc:id:sscc:9506000.0000000001", "https://id.gs1.org/00/095060000000000015"},
      {"urn:epc:id:sgln:9506000.00001.0", "https://id.gs1.org/414/9506000000015"},
      {"urn:epc:id:sgln:9506000.00001.A-01", "https://id.gs1.org/414/9506000000015/254/A-01"},
      {"urn:epc:class:lgtin:9506000.013435.L1", "https://id.gs1.org/01/09506000134352/10/L1"},
      {"urn:epc:idpat:sgtin:9506000.013435.*", "https://id.gs1.org/01/09506000134352"},
      {"urn:epc:id:grai:9506000.00001.7", "https://id.gs1.org/8003/095060000000157"},
      {"urn:epc:id:giai:9506000.TOTE7", "https://id.gs1.org/8004/9506000TOTE7"},
      {"urn:epc:id:pgln:9506000.00000", "https://id.gs1.org/417/9506000000008"},
      {"urn:epc:id:gdti:4012345.11111.123", "https://id.gs1.org/253/4012345111118123"},
      {"urn:epc:id:gsrn:9506000.0000000001", "https://id.gs1.org/8018/950600000000000019"},
      {"https://shop.example.com/gtin/9506000134352/lot/L1/ser/S1?17=271231",
       "https://id.gs1.org/01/09506000134352/21/S1"},
      {"http://id.gs1.org/01/09506000134352/22/2A/10/L1",
       "https://id.gs1.org/01/09506000134352/10/L1"},
      {"https://id.gs1.org/414/9506000000015/254/A-01",
       "https://id.gs1.org/414/9506000000015/254/A-01"},
      // Not GS1 identifiers, or malformed: unchanged.
      {"urn:entrepot:FR-LYS1:loc:A-01", "urn:entrepot:FR-LYS1:loc:A-01"},
      {"urn:epc:id:sgtin:95060.013435.S1", "urn:epc:id:sgtin:95060.013435.S1"},
      {"urn:epc:id:sscc:9506000.1", "urn:epc:id:sscc:9506000.1"},
      {"https://id.gs1.org/01/123", "https://id.gs1.org/01/123"},
      {"https://id.gs1.org/01/09506000134352/17/271231",
       "https://id.gs1.org/01/09506000134352/17/271231"},
      {"http://transaction.acme.com/po/12345678", "http://transaction.acme.com/po/12345678"},
      {"geo:47.506694,11.104301", "geo:47.506694,11.104301"},
  };
  for (const UriCase& c : kCases) {
    EXPECT_EQ(CanonicalHashUri(c.in), c.out) << c.in;
  }
}

TEST(EventHashTest, ContextPrefixesAddTheDocumentsPrefixesToTheStandardOnes) {
  JsonLdPrefixes prefixes = ContextPrefixes(
      json::array({"https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
                   {{"example", "https://ns.example.com/epcis/"}, {"@vocab", "x"}, {"n", 3}}}));
  EXPECT_EQ(prefixes.at("example"), "https://ns.example.com/epcis/");
  EXPECT_EQ(prefixes.at("gs1"), "https://ref.gs1.org/voc/");
  EXPECT_EQ(prefixes.at("cbv"), "https://ref.gs1.org/cbv/");
  EXPECT_FALSE(prefixes.contains("@vocab"));
  EXPECT_FALSE(prefixes.contains("n"));
  EXPECT_EQ(ContextPrefixes("https://example.com/ctx.jsonld").size(), 4u);
}

}  // namespace
}  // namespace entrepot::epcis
