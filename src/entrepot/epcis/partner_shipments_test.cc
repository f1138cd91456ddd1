#include "entrepot/epcis/partner_shipments.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace entrepot::epcis {
namespace {

using json = nlohmann::json;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// This site: GLN 0614141000012 (urn:epc:id:sgln:0614141.00001.*).
IdOptions Site() {
  IdOptions site;
  site.site_gln = "0614141000012";
  site.site_code = "FR-TST1";
  return site;
}

json Document(json events) {
  return {{"type", "EPCISDocument"},
          {"schemaVersion", "2.0"},
          {"creationDate", "2026-11-29T08:00:00Z"},
          {"epcisBody", {{"eventList", std::move(events)}}}};
}

// A partner's shipping event to `destination`.
json Shipping(const std::string& destination) {
  return {{"type", "ObjectEvent"},
          {"eventID", "ni:///sha-256;0123456789abcdef0123456789abcdef?ver=CBV2.0"},
          {"eventTime", "2026-11-29T06:30:00.000Z"},
          {"eventTimeZoneOffset", "+01:00"},
          {"action", "OBSERVE"},
          {"bizStep", "shipping"},
          {"epcList", json::array()},
          {"sourceList", {{{"type", "owning_party"}, {"source", "urn:epc:id:pgln:4034567.00000"}}}},
          {"destinationList", {{{"type", "location"}, {"destination", destination}}}}};
}

constexpr char kOurDock[] = "urn:epc:id:sgln:0614141.00001.DOCK-1";
constexpr char kPallet1[] = "urn:epc:id:sscc:4034567.0000000001";
constexpr char kPallet2[] = "urn:epc:id:sscc:4034567.0000000002";

TEST(PartnerShipmentsTest, AShipmentToThisSiteBecomesAReceiptWithItsPalletsAndTheirContents) {
  json shipping = Shipping(kOurDock);
  shipping["epcList"] = {kPallet1, kPallet2, "urn:epc:id:sgtin:4034567.012345.S1",
                         "urn:epc:id:sgtin:4034567.012345.S2"};
  shipping["quantityList"] = {
      {{"epcClass", "urn:epc:idpat:sgtin:4034567.054321.*"}, {"quantity", 12}}};
  shipping["bizTransactionList"] = {
      {{"type", "po"}, {"bizTransaction", "urn:epcglobal:cbv:bt:4034567000001:PO-77"}},
      {{"type", "urn:epcglobal:cbv:btt:desadv"},
       {"bizTransaction", "urn:epcglobal:cbv:bt:4034567000001:DA-1152"}}};
  json packed = {{"type", "AggregationEvent"},
                 {"eventTime", "2026-11-29T05:00:00Z"},
                 {"eventTimeZoneOffset", "+01:00"},
                 {"action", "ADD"},
                 {"parentID", kPallet1},
                 {"childEPCs", {"urn:epc:id:sgtin:4034567.012345.S3"}},
                 {"childQuantityList",
                  {{{"epcClass", "urn:epc:class:lgtin:4034567.054321.LOT9"}, {"quantity", 30}}}}};
  json elsewhere = {{"type", "AggregationEvent"},
                    {"eventTime", "2026-11-29T05:00:00Z"},
                    {"eventTimeZoneOffset", "+01:00"},
                    {"action", "ADD"},
                    {"parentID", "urn:epc:id:sscc:4034567.0000000009"},
                    {"childQuantityList",
                     {{{"epcClass", "urn:epc:idpat:sgtin:4034567.054321.*"}, {"quantity", 99}}}}};

  PartnerShipments read = ReadPartnerShipments(Document({packed, elsewhere, shipping}), Site());
  ASSERT_THAT(read.problems, IsEmpty());
  ASSERT_EQ(read.shipments.size(), 1u);
  const PartnerShipment& shipment = read.shipments[0];
  EXPECT_EQ(shipment.receipt_id, "DA-1152");  // The despatch advice wins over the PO.
  EXPECT_EQ(shipment.supplier, "4034567.00000");
  EXPECT_EQ(shipment.shipped_at_ms, 1795933800000);
  EXPECT_THAT(shipment.containers,
              ElementsAre("sscc:040345670000000018", "sscc:040345670000000025"));
  ASSERT_EQ(shipment.lines.size(), 2u);
  EXPECT_EQ(shipment.lines[0].gtin, "04034567123458");
  EXPECT_EQ(shipment.lines[0].quantity, 3);  // Two listed, one inside pallet 1.
  EXPECT_EQ(shipment.lines[1].gtin, "04034567543218");
  EXPECT_EQ(shipment.lines[1].quantity, 42);  // 12 listed, 30 inside pallet 1; not pallet 9.
}

TEST(PartnerShipmentsTest, EventsForOtherSitesOrOfOtherKindsAreNotRead) {
  json elsewhere = Shipping("urn:epc:id:sgln:4034567.00000.0");
  json receiving = Shipping(kOurDock);
  receiving["bizStep"] = "receiving";
  json added = Shipping(kOurDock);
  added["action"] = "ADD";
  for (json* event : {&elsewhere, &receiving, &added}) {
    (*event)["epcList"] = {"urn:epc:id:sgtin:4034567.012345.S1"};
  }
  PartnerShipments read = ReadPartnerShipments(Document({elsewhere, receiving, added}), Site());
  EXPECT_THAT(read.shipments, IsEmpty());
  EXPECT_THAT(read.problems, IsEmpty());
}

TEST(PartnerShipmentsTest, ASiteWithoutAGlnIsNamedByItsPrivateLocationUrn) {
  IdOptions site = Site();
  site.site_gln.clear();
  StatusOr<std::string> dock = LocationUri("DOCK-1", site);
  ASSERT_TRUE(dock.ok()) << dock.status().ToString();
  json shipping = Shipping(*dock);
  shipping["epcList"] = {"https://id.gs1.org/01/04034567123458/21/S1"};  // Digital Link too.
  shipping["eventID"] = "urn:uuid:6f1c2a4e-1d1b-4b1e-9f6e-2b8f1a7c9d01";
  PartnerShipments read = ReadPartnerShipments(Document(json::array({shipping})), site);
  ASSERT_EQ(read.shipments.size(), 1u);
  EXPECT_EQ(read.shipments[0].receipt_id, "epcis-6f1c2a4e-1d1b-4b1e-9f6e-2b8f1a7c9d01");
  EXPECT_THAT(read.shipments[0].lines, ::testing::SizeIs(1));
  EXPECT_TRUE(ReadPartnerShipments(Document(json::array({shipping})), Site()).shipments.empty());
}

TEST(PartnerShipmentsTest, AShipmentThatCannotBeAReceiptSaysWhy) {
  json empty = Shipping(kOurDock);
  empty["epcList"] = {kPallet1};  // A pallet, and nothing says what is on it.
  json fractional = Shipping(kOurDock);
  fractional["quantityList"] = {
      {{"epcClass", "urn:epc:idpat:sgtin:4034567.054321.*"}, {"quantity", 2.5}}};
  json weighed = Shipping(kOurDock);
  weighed["quantityList"] = {
      {{"epcClass", "urn:epc:idpat:sgtin:4034567.054321.*"}, {"quantity", 2}, {"uom", "KGM"}}};
  PartnerShipments read = ReadPartnerShipments(Document({empty, fractional, weighed}), Site());
  EXPECT_THAT(read.shipments, IsEmpty());
  ASSERT_EQ(read.problems.size(), 3u);
  EXPECT_EQ(read.problems[0].reason, "no_contents");
  EXPECT_EQ(read.problems[1].reason, "bad_quantity");
  EXPECT_EQ(read.problems[2].reason, "bad_quantity");
}

TEST(PartnerShipmentsTest, ADocumentOpensAtMostTheLimitOfReceipts) {
  json events = json::array();
  for (size_t i = 0; i <= kMaxPartnerShipments; ++i) {
    json shipping = Shipping(kOurDock);
    shipping["epcList"] = {"urn:epc:id:sgtin:4034567.012345.S" + std::to_string(i)};
    shipping["bizTransactionList"] = {
        {{"type", "desadv"}, {"bizTransaction", "DA-" + std::to_string(i)}}};
    events.push_back(std::move(shipping));
  }
  PartnerShipments read = ReadPartnerShipments(Document(events), Site());
  EXPECT_EQ(read.shipments.size(), kMaxPartnerShipments);
  ASSERT_EQ(read.problems.size(), 1u);
  EXPECT_EQ(read.problems[0].reason, "too_many_shipments");
}

TEST(PartnerShipmentsTest, MalformedEventsAreSkippedNotFatal) {
  for (const json& document :
       {json::object(), json{{"epcisBody", 3}}, json{{"epcisBody", {{"eventList", "x"}}}},
        Document({1, "text", json::array(), json{{"type", "ObjectEvent"}}})}) {
    PartnerShipments read = ReadPartnerShipments(document, Site());
    EXPECT_THAT(read.shipments, IsEmpty());
    EXPECT_THAT(read.problems, IsEmpty());
  }
}

// --- delivery confirmations ---------------------------------------------------------------

// A customer's receiving event: it took `epcs` at its own dock.
json Receiving(json epcs) {
  return {{"type", "ObjectEvent"},
          {"eventID", "urn:uuid:0b5a7c3e-5d1f-4c6e-8a2b-7e9d3f1a6c02"},
          {"eventTime", "2026-11-30T09:15:00Z"},
          {"eventTimeZoneOffset", "+01:00"},
          {"action", "OBSERVE"},
          {"bizStep", "https://ref.gs1.org/cbv/BizStep-receiving"},
          {"epcList", std::move(epcs)},
          {"readPoint", {{"id", "urn:epc:id:sgln:4012345.00001.0"}}},
          {"bizLocation", {{"id", "urn:epc:id:sgln:4012345.00001.0"}}}};
}

constexpr char kParcelUrn[] = "urn:epc:id:sscc:9506000.0000000001";  // sscc:095060000000000015
constexpr char kParcelLink[] = "https://id.gs1.org/00/095060000000000022";

TEST(PartnerDeliveriesTest, AReceivingEventConfirmsItsParcelsAnyIdFormOnceEach) {
  json receiving =
      Receiving({kParcelUrn, "urn:epc:id:sgtin:4034567.012345.S1", kParcelLink, kParcelUrn});
  receiving["destinationList"] = {{{"type", "urn:epcglobal:cbv:sdt:owning_party"},
                                   {"destination", "urn:epc:id:pgln:4012345.00000"}}};
  PartnerDeliveries read = ReadPartnerDeliveries(Document(json::array({receiving})));
  ASSERT_THAT(read.problems, IsEmpty());
  ASSERT_EQ(read.deliveries.size(), 1u);
  const PartnerDelivery& delivery = read.deliveries[0];
  EXPECT_EQ(delivery.event_id, "urn:uuid:0b5a7c3e-5d1f-4c6e-8a2b-7e9d3f1a6c02");
  EXPECT_EQ(delivery.delivered_at_ms, 1796030100000);
  EXPECT_EQ(delivery.partner, "4012345.00000");  // The owning party that took them.
  EXPECT_THAT(delivery.parcels, ElementsAre("sscc:095060000000000015", "sscc:095060000000000022"));
}

TEST(PartnerDeliveriesTest, ThePartnerIsTheBizLocationThenTheReadPointWithoutAnOwner) {
  json at_location = Receiving({kParcelUrn});
  json at_read_point = Receiving({kParcelUrn});
  at_read_point.erase("bizLocation");
  at_read_point["readPoint"] = {{"id", "https://id.gs1.org/414/4012345000092"}};
  json anonymous = Receiving({kParcelUrn});
  anonymous.erase("bizLocation");
  anonymous.erase("readPoint");
  PartnerDeliveries read = ReadPartnerDeliveries(Document({at_location, at_read_point, anonymous}));
  ASSERT_EQ(read.deliveries.size(), 3u);
  EXPECT_EQ(read.deliveries[0].partner, "4012345.00001.0");
  EXPECT_EQ(read.deliveries[1].partner, "4012345000092");
  EXPECT_EQ(read.deliveries[2].partner, "partner");
}

TEST(PartnerDeliveriesTest, AcceptingCountsOtherStepsActionsAndEventsWithoutSsccsDoNot) {
  json accepting = Receiving({kParcelUrn});
  accepting["bizStep"] = "urn:epcglobal:cbv:bizstep:accepting";
  json shipping = Receiving({kParcelUrn});
  shipping["bizStep"] = "shipping";
  json added = Receiving({kParcelUrn});
  added["action"] = "ADD";
  json units = Receiving({"urn:epc:id:sgtin:4034567.012345.S1"});
  json aggregation = Receiving({});
  aggregation["type"] = "AggregationEvent";
  aggregation["parentID"] = kParcelUrn;
  PartnerDeliveries read =
      ReadPartnerDeliveries(Document({shipping, added, units, aggregation, accepting}));
  ASSERT_EQ(read.deliveries.size(), 1u);
  EXPECT_THAT(read.deliveries[0].parcels, ElementsAre("sscc:095060000000000015"));
  EXPECT_THAT(read.problems, IsEmpty());
}

TEST(PartnerDeliveriesTest, ADocumentConfirmsAtMostTheLimitOfDeliveries) {
  json events = json::array();
  for (size_t i = 0; i <= kMaxPartnerDeliveries; ++i) {
    events.push_back(Receiving({kParcelUrn}));
  }
  PartnerDeliveries read = ReadPartnerDeliveries(Document(events));
  EXPECT_EQ(read.deliveries.size(), kMaxPartnerDeliveries);
  ASSERT_EQ(read.problems.size(), 1u);
  EXPECT_EQ(read.problems[0].reason, "too_many_deliveries");
}

TEST(PartnerDeliveriesTest, MalformedEventsAreSkippedNotFatal) {
  json bad_list = Receiving({});
  bad_list["epcList"] = "urn:epc:id:sscc:0614141.1234567890";
  // Not strings, not an EPC, an SSCC with a wrong check digit.
  json bad_epcs = Receiving(
      {3, json::object(), "urn:epc:id:sscc:bad", "https://id.gs1.org/00/095060000000000016"});
  for (const json& document :
       {json::object(), json{{"epcisBody", 3}}, Document({1, "text", bad_list, bad_epcs})}) {
    PartnerDeliveries read = ReadPartnerDeliveries(document);
    EXPECT_THAT(read.deliveries, IsEmpty());
    EXPECT_THAT(read.problems, IsEmpty());
  }
}

}  // namespace
}  // namespace entrepot::epcis
