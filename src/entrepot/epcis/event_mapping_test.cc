// EpcisMapper on real journal entries: a small site (core/site_test_util.h) runs scans
// through core::Site, and every entry is fed to the mapper in seq order, as the export does.
#include "entrepot/epcis/event_mapping.h"

#include <set>
#include <string>
#include <vector>

#include "entrepot/core/site.h"
#include "entrepot/core/site_test_util.h"
#include "entrepot/epcis/event_hash.h"
#include "entrepot/epcis/schema.h"
#include "gtest/gtest.h"

namespace entrepot::epcis {
namespace {

using core::Mode;
using core::testing::ContainerLabel;
using core::testing::Item;
using core::testing::ItemWithLot;
using core::testing::ItemWithSerial;
using core::testing::kCable;
using core::testing::kKettle;
using core::testing::kParcel1;
using core::testing::LocationLabel;
using core::testing::Sscc;
using nlohmann::json;

// GLN 950600000001 + check digit, in GS1's example company prefix.
constexpr char kSiteGln[] = "9506000000015";
constexpr char kDevice[] = "HH-SECRET-DEVICE-07";

IdOptions UrnIds(std::string gln = kSiteGln) {
  IdOptions ids;
  ids.form = IdForm::kUrn;
  ids.company_prefix_length = 7;
  ids.site_gln = std::move(gln);
  ids.site_code = "FR-TEST";
  return ids;
}

std::string Sgln(const std::string& code) { return "urn:epc:id:sgln:9506000.00001." + code; }
const char kKettleClass[] = "urn:epc:idpat:sgtin:9506000.013435.*";
const char kCableClass[] = "urn:epc:idpat:sgtin:9506000.013436.*";
const char kParcelEpc[] = "urn:epc:id:sscc:9506000.0000000001";

std::string Describe(const std::vector<SchemaViolation>& violations) {
  std::string text;
  for (const SchemaViolation& violation : violations) {
    text += violation.pointer + ": " + violation.message + "\n";
  }
  return text;
}

class EpcisMapperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const core::Entry& entry : site_.LoadLayout(core::testing::SmallLayout(), 1)) {
      seq_ = entry.seq;
      Feed(entry);
    }
  }

  // Maps `entry` with every mapper of the test and checks what RET-01 and the schema require
  // of each event.
  std::vector<json> Feed(const core::Entry& entry) {
    entries_.push_back(entry);
    StatusOr<std::vector<json>> events = mapper_.Map(entry);
    EXPECT_TRUE(events.ok()) << events.status().ToString();
    if (!events.ok()) {
      return {};
    }
    for (const json& event : *events) {
      std::vector<SchemaViolation> violations = ValidateEpcisEvent(event);
      EXPECT_TRUE(violations.empty()) << event.dump(2) << "\n" << Describe(violations);
      json without_id = event;
      without_id.erase("eventID");
      EXPECT_EQ(event["eventID"], *CanonicalEventId(without_id));
      all_events_.push_back(event);
    }
    return *events;
  }

  // Scans `code` and returns the events of its entry.
  std::vector<json> Scan(Mode mode, const std::string& code, bool expect_accepted = true) {
    now_ += 2000;
    std::string key = "idem-key-" + std::to_string(seq_ + 1);
    core::Site::Execution execution =
        site_.Execute(core::ScanCommand{key, kDevice, mode, code, now_}, ++seq_);
    EXPECT_EQ(core::IsAccepted(execution.entry.reply.outcome), expect_accepted)
        << code << ": " << execution.entry.reply.message;
    scanned_.push_back(code);
    keys_.push_back(key);
    return Feed(execution.entry);
  }
  // Scans each code; returns the events of the last one.
  std::vector<json> ScanAll(Mode mode, const std::vector<std::string>& codes) {
    std::vector<json> events;
    for (const std::string& code : codes) {
      events = Scan(mode, code);
    }
    return events;
  }
  // Receives `count` kettles into tote T1 at DOCK-01, and stows them into `bin`.
  void GivenKettlesInBin(int count, const std::string& bin) {
    ScanAll(Mode::kReceive, {LocationLabel("DOCK-01"), ContainerLabel("T1")});
    for (int i = 0; i < count; ++i) {
      Scan(Mode::kReceive, Item(kKettle));
    }
    Scan(Mode::kStow, ContainerLabel("T1"));
    for (int i = 0; i < count; ++i) {
      ScanAll(Mode::kStow, {Item(kKettle), LocationLabel(bin)});
    }
  }

  core::Site site_;
  EpcisMapper mapper_{UrnIds()};
  uint64_t seq_ = 0;
  int64_t now_ = core::testing::kStart;
  std::vector<core::Entry> entries_;
  std::vector<json> all_events_;
  std::vector<std::string> scanned_;
  std::vector<std::string> keys_;
};

TEST_F(EpcisMapperTest, MasterDataAndSetupScansProduceNoEvent) {
  EXPECT_TRUE(all_events_.empty());  // The layout's entries.
  EXPECT_TRUE(Scan(Mode::kReceive, LocationLabel("DOCK-01")).empty());
  EXPECT_TRUE(Scan(Mode::kReceive, ContainerLabel("T1")).empty());  // Placed at the dock.
  EXPECT_TRUE(Scan(Mode::kReceive, "not a code", false).empty());
  EXPECT_TRUE(all_events_.empty());
}

TEST_F(EpcisMapperTest, ReceiveIsObservedAtTheDockWhereTheToteIs) {
  ScanAll(Mode::kReceive, {LocationLabel("DOCK-01"), ContainerLabel("T1")});
  std::vector<json> events = Scan(Mode::kReceive, Item(kKettle));
  ASSERT_EQ(events.size(), 1u);
  const json& event = events[0];
  EXPECT_EQ(event["type"], "ObjectEvent");
  EXPECT_EQ(event["action"], "OBSERVE");
  EXPECT_EQ(event["bizStep"], "receiving");
  EXPECT_EQ(event["disposition"], "in_progress");
  EXPECT_EQ(event["eventTime"], "2026-11-18T11:06:46.000Z");  // The third scan.
  EXPECT_EQ(event["eventTimeZoneOffset"], "+00:00");
  EXPECT_EQ(event["readPoint"]["id"], Sgln("DOCK-01"));
  EXPECT_EQ(event["bizLocation"]["id"], Sgln("DOCK-01"));
  EXPECT_EQ(event["quantityList"], json::parse(std::string(R"([{"epcClass": ")") + kKettleClass +
                                               R"(", "quantity": 1}])"));
  EXPECT_FALSE(event.contains("epcList"));
  EXPECT_TRUE(std::string(event["eventID"]).starts_with("ni:///sha-256;"));
}

TEST_F(EpcisMapperTest, SerialisedUnitsAreInstancesAndLotsAreClasses) {
  ScanAll(Mode::kReceive, {LocationLabel("DOCK-02")});
  std::vector<json> serial = Scan(Mode::kReceive, ItemWithSerial(kKettle, "SN-1"));
  ASSERT_EQ(serial.size(), 1u);
  EXPECT_EQ(serial[0]["epcList"], json::array({"urn:epc:id:sgtin:9506000.013435.SN-1"}));
  EXPECT_FALSE(serial[0].contains("quantityList"));
  std::vector<json> lot = Scan(Mode::kReceive, ItemWithLot(kCable, "L7", "271231"));
  ASSERT_EQ(lot.size(), 1u);
  EXPECT_EQ(lot[0]["quantityList"][0]["epcClass"], "urn:epc:class:lgtin:9506000.013436.L7");
  EXPECT_EQ(lot[0]["readPoint"]["id"], Sgln("DOCK-02"));
}

TEST_F(EpcisMapperTest, StowIsStoringInTheBin) {
  GivenKettlesInBin(1, "A-01-001-1-2");
  const json& event = all_events_.back();
  EXPECT_EQ(event["bizStep"], "storing");
  EXPECT_EQ(event["disposition"], "sellable_not_accessible");
  EXPECT_EQ(event["readPoint"]["id"], Sgln("A-01-001-1-2"));
  EXPECT_EQ(event["bizLocation"]["id"], Sgln("A-01-001-1-2"));
  EXPECT_EQ(event["quantityList"][0]["quantity"], 1);
}

TEST_F(EpcisMapperTest, PickIsReadAtTheBinAndLocatedWhereTheToteIs) {
  GivenKettlesInBin(2, "A-01-001-1-2");
  std::vector<json> picked =
      ScanAll(Mode::kPick, {ContainerLabel("T2"), LocationLabel("A-01-001-1-2"), Item(kKettle)});
  ASSERT_EQ(picked.size(), 1u);
  EXPECT_EQ(picked[0]["bizStep"], "picking");
  EXPECT_EQ(picked[0]["disposition"], "in_progress");
  EXPECT_EQ(picked[0]["readPoint"]["id"], Sgln("A-01-001-1-2"));
  EXPECT_FALSE(picked[0].contains("bizLocation"));  // T2 was never placed.

  ScanAll(Mode::kMove, {ContainerLabel("T2"), LocationLabel("PACK-01")});
  picked =
      ScanAll(Mode::kPick, {ContainerLabel("T2"), LocationLabel("A-01-001-1-2"), Item(kKettle)});
  ASSERT_EQ(picked.size(), 1u);
  EXPECT_EQ(picked[0]["bizLocation"]["id"], Sgln("PACK-01"));
}

TEST_F(EpcisMapperTest, MoveIsTransportingTheContainer) {
  std::vector<json> moved = ScanAll(Mode::kMove, {ContainerLabel("T2"), LocationLabel("PACK-01")});
  ASSERT_EQ(moved.size(), 1u);
  EXPECT_EQ(moved[0]["bizStep"], "transporting");
  EXPECT_EQ(moved[0]["disposition"], "in_progress");
  EXPECT_EQ(moved[0]["epcList"], json::array({"urn:entrepot:FR-TEST:label:T2"}));
  EXPECT_EQ(moved[0]["readPoint"]["id"], Sgln("PACK-01"));
  EXPECT_EQ(moved[0]["bizLocation"]["id"], Sgln("PACK-01"));

  // Onto a cart: located where the cart is.
  ScanAll(Mode::kMove, {ContainerLabel("K1"), LocationLabel("DOCK-02")});
  moved = ScanAll(Mode::kMove, {ContainerLabel("T2"), ContainerLabel("K1")});
  ASSERT_EQ(moved.size(), 1u);
  EXPECT_EQ(moved[0]["bizLocation"]["id"], Sgln("DOCK-02"));
}

TEST_F(EpcisMapperTest, PackIsAnAggregationIntoTheParcelAndShipIsShipping) {
  ScanAll(Mode::kReceive, {LocationLabel("DOCK-01"), ContainerLabel("T1"), Item(kKettle),
                           Item(kKettle), ItemWithSerial(kCable, "C-9")});
  ScanAll(Mode::kMove, {ContainerLabel("T1"), LocationLabel("PACK-01")});
  std::vector<json> packed =
      ScanAll(Mode::kPack, {ContainerLabel("T1"), Item(kKettle), Item(kKettle),
                            ItemWithSerial(kCable, "C-9"), Sscc(kParcel1)});
  ASSERT_EQ(packed.size(), 1u);
  const json& aggregation = packed[0];
  EXPECT_EQ(aggregation["type"], "AggregationEvent");
  EXPECT_EQ(aggregation["action"], "ADD");
  EXPECT_EQ(aggregation["bizStep"], "packing");
  EXPECT_EQ(aggregation["disposition"], "in_progress");
  EXPECT_EQ(aggregation["parentID"], kParcelEpc);
  EXPECT_EQ(aggregation["childEPCs"], json::array({"urn:epc:id:sgtin:9506000.013436.C-9"}));
  EXPECT_EQ(aggregation["childQuantityList"], json::parse(std::string(R"([{"epcClass": ")") +
                                                          kKettleClass + R"(", "quantity": 2}])"));
  EXPECT_EQ(aggregation["readPoint"]["id"], Sgln("PACK-01"));
  EXPECT_EQ(aggregation["bizLocation"]["id"], Sgln("PACK-01"));

  std::vector<json> shipped = ScanAll(Mode::kShip, {LocationLabel("DOOR-01"), Sscc(kParcel1)});
  ASSERT_EQ(shipped.size(), 1u);
  EXPECT_EQ(shipped[0]["bizStep"], "shipping");
  EXPECT_EQ(shipped[0]["disposition"], "in_transit");
  EXPECT_EQ(shipped[0]["epcList"], json::array({kParcelEpc}));
  EXPECT_EQ(shipped[0]["readPoint"]["id"], Sgln("DOOR-01"));
  EXPECT_FALSE(shipped[0].contains("bizLocation"));
}

// An order entry carrying `event` (a load opened or closed at the site's desk).
core::Entry OrderEntry(uint64_t seq, core::Event event) {
  core::Entry entry;
  entry.kind = core::Entry::Kind::kOrder;
  entry.seq = seq;
  entry.at_ms = core::testing::kStart;
  entry.events.push_back(std::move(event));
  return entry;
}

TEST_F(EpcisMapperTest, ShippingOnALoadNamesItsBillOfLading) {
  EXPECT_TRUE(Feed(OrderEntry(++seq_, core::LoadOpened{"BOL-1", "DOOR-01", "DPD", now_})).empty());
  std::vector<json> on_load =
      ScanAll(Mode::kShip, {LocationLabel("DOOR-01"), ContainerLabel("T1")});
  ASSERT_EQ(on_load.size(), 1u);
  EXPECT_EQ(on_load[0]["bizTransactionList"], json::parse(R"([{"type": "bol",
                             "bizTransaction": "urn:epcglobal:cbv:bt:9506000000015:BOL-1"}])"));
  Feed(OrderEntry(++seq_, core::LoadClosed{"BOL-1", now_}));
  std::vector<json> no_load = Scan(Mode::kShip, ContainerLabel("T2"));
  ASSERT_EQ(no_load.size(), 1u);
  EXPECT_FALSE(no_load[0].contains("bizTransactionList"));
  EXPECT_NE(no_load[0]["eventID"], on_load[0]["eventID"]);
}

TEST_F(EpcisMapperTest, WithoutASiteGlnTheBillOfLadingIsAPrivateUrn) {
  mapper_ = EpcisMapper(UrnIds(""));
  Feed(OrderEntry(++seq_, core::LoadOpened{"BOL-1", "DOOR-01", "", now_}));
  std::vector<json> shipped =
      ScanAll(Mode::kShip, {LocationLabel("DOOR-01"), ContainerLabel("T1")});
  ASSERT_EQ(shipped.size(), 1u);
  EXPECT_EQ(shipped[0]["bizTransactionList"][0]["bizTransaction"],
            "urn:entrepot:FR-TEST:bol:BOL-1");
}

TEST_F(EpcisMapperTest, CountReportsUnitsFoundAndUnitsMissing) {
  GivenKettlesInBin(2, "A-01-001-1-2");
  ScanAll(Mode::kCount, {LocationLabel("A-01-001-1-2"), Item(kKettle), Item(kCable)});
  std::vector<json> counted = Scan(Mode::kCount, LocationLabel("A-01-001-1-2"));
  ASSERT_EQ(counted.size(), 2u);
  const json* missing = nullptr;
  const json* found = nullptr;
  for (const json& event : counted) {
    EXPECT_EQ(event["bizStep"], "cycle_counting");
    EXPECT_EQ(event["readPoint"]["id"], Sgln("A-01-001-1-2"));
    (event["disposition"] == "unknown" ? missing : found) = &event;
  }
  ASSERT_NE(missing, nullptr);
  ASSERT_NE(found, nullptr);
  EXPECT_EQ((*missing)["quantityList"][0]["epcClass"], kKettleClass);
  EXPECT_EQ((*missing)["quantityList"][0]["quantity"], 1);
  EXPECT_FALSE(missing->contains("bizLocation"));
  EXPECT_EQ((*found)["disposition"], "sellable_not_accessible");
  EXPECT_EQ((*found)["quantityList"][0]["epcClass"], kCableClass);
  EXPECT_EQ((*found)["bizLocation"]["id"], Sgln("A-01-001-1-2"));
}

TEST_F(EpcisMapperTest, CountThatFindsWhatTheBooksSayProducesNoEvent) {
  GivenKettlesInBin(1, "A-01-001-1-2");
  size_t before = all_events_.size();
  ScanAll(Mode::kCount, {LocationLabel("A-01-001-1-2"), Item(kKettle)});
  EXPECT_TRUE(Scan(Mode::kCount, LocationLabel("A-01-001-1-2")).empty());
  EXPECT_EQ(all_events_.size(), before);
}

// Rule RET-01: operational data never carries a worker's identity; EPCIS output does not
// carry the device, the idempotency key or the scanned text either.
TEST_F(EpcisMapperTest, Ret01NoDeviceKeyOrScannedTextInTheEvents) {
  GivenKettlesInBin(2, "A-01-001-1-2");
  ScanAll(Mode::kPick, {ContainerLabel("T2"), LocationLabel("A-01-001-1-2"), Item(kKettle)});
  ScanAll(Mode::kMove, {ContainerLabel("T2"), LocationLabel("PACK-01")});
  ScanAll(Mode::kPack, {ContainerLabel("T2"), Item(kKettle), Sscc(kParcel1)});
  ScanAll(Mode::kShip, {LocationLabel("DOOR-01"), Sscc(kParcel1)});
  ASSERT_GE(all_events_.size(), 6u);
  const std::string output = json(all_events_).dump();
  EXPECT_EQ(output.find(kDevice), std::string::npos);
  EXPECT_EQ(output.find("HH-"), std::string::npos);
  for (const std::string& key : keys_) {
    EXPECT_EQ(output.find(key), std::string::npos) << key;
  }
  for (const std::string& code : scanned_) {
    EXPECT_EQ(output.find(json(code).dump()), std::string::npos) << code;
    EXPECT_EQ(output.find(code), std::string::npos) << code;
  }
  std::set<std::string> keys_seen;
  for (const json& event : all_events_) {
    for (const auto& [key, value] : event.items()) {
      keys_seen.insert(key);
    }
  }
  for (const std::string& key : keys_seen) {
    EXPECT_TRUE(
        (std::set<std::string>{"eventID", "type", "eventTime", "eventTimeZoneOffset", "action",
                               "bizStep", "disposition", "readPoint", "bizLocation", "epcList",
                               "quantityList", "parentID", "childEPCs", "childQuantityList"}
             .contains(key)))
        << key;
  }
}

TEST_F(EpcisMapperTest, SameJournalMapsToTheSameIdsInBothIdentifierForms) {
  GivenKettlesInBin(2, "A-01-001-1-2");
  ScanAll(Mode::kPick, {ContainerLabel("T2"), LocationLabel("A-01-001-1-2"), Item(kKettle)});
  ScanAll(Mode::kMove, {ContainerLabel("T2"), LocationLabel("PACK-01")});
  ScanAll(Mode::kPack, {ContainerLabel("T2"), Item(kKettle), Sscc(kParcel1)});

  IdOptions link = UrnIds();
  link.form = IdForm::kDigitalLink;
  EpcisMapper again(UrnIds());
  EpcisMapper linked(link);
  std::vector<json> link_events, repeated;
  for (const core::Entry& entry : entries_) {
    StatusOr<std::vector<json>> same = again.Map(entry);
    StatusOr<std::vector<json>> other = linked.Map(entry);
    ASSERT_TRUE(same.ok() && other.ok());
    repeated.insert(repeated.end(), same->begin(), same->end());
    link_events.insert(link_events.end(), other->begin(), other->end());
  }
  ASSERT_EQ(repeated, all_events_);
  ASSERT_EQ(link_events.size(), all_events_.size());
  std::set<std::string> ids;
  for (size_t i = 0; i < all_events_.size(); ++i) {
    EXPECT_EQ(link_events[i]["eventID"], all_events_[i]["eventID"]) << i;
    EXPECT_TRUE(ids.insert(all_events_[i]["eventID"]).second) << "duplicate id at " << i;
    EXPECT_TRUE(ValidateEpcisEvent(link_events[i]).empty());
  }
  EXPECT_EQ(link_events.back()["parentID"], "https://id.gs1.org/00/095060000000000015");
  EXPECT_EQ(link_events.back()["readPoint"]["id"],
            "https://id.gs1.org/414/9506000000015/254/PACK-01");
}

TEST_F(EpcisMapperTest, WithoutASiteGlnLocationsArePrivateUrns) {
  mapper_ = EpcisMapper(UrnIds(""));
  ScanAll(Mode::kReceive, {LocationLabel("DOCK-01"), ContainerLabel("T1")});
  std::vector<json> events = Scan(Mode::kReceive, Item(kKettle));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["readPoint"]["id"], "urn:entrepot:FR-TEST:loc:DOCK-01");
}

core::Entry MoveEntry(uint64_t seq, const std::string& container, domain::Holder to) {
  core::Entry entry;
  entry.seq = seq;
  entry.mode = Mode::kMove;
  entry.at_ms = core::testing::kStart;
  entry.events.push_back(core::ContainerMoved{container, std::move(to)});
  return entry;
}

TEST(EpcisMapperErrorTest, UnwritableIdentifierFailsAndLeavesTheStateAsItWas) {
  EpcisMapper mapper(UrnIds());
  ASSERT_TRUE(mapper.Map(MoveEntry(1, "label:T1", domain::Holder::AtLocation("PACK-01"))).ok());
  // An AI 254 extension holds at most 20 characters.
  StatusOr<std::vector<json>> refused =
      mapper.Map(MoveEntry(2, "label:T1", domain::Holder::AtLocation(std::string(30, 'X'))));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);

  core::Entry receive;
  receive.seq = 3;
  receive.mode = Mode::kReceive;
  receive.at_ms = core::testing::kStart;
  receive.events.push_back(
      core::UnitsReceived{{kKettle, "", "", ""}, 1, domain::Holder::InContainer("label:T1")});
  StatusOr<std::vector<json>> received = mapper.Map(receive);
  ASSERT_TRUE(received.ok());
  ASSERT_EQ(received->size(), 1u);
  EXPECT_EQ((*received)[0]["readPoint"]["id"], Sgln("PACK-01"));  // Not the refused move.

  receive.events[0] =
      core::UnitsReceived{{"123", "", "", ""}, 1, domain::Holder::AtLocation("DOCK-01")};
  StatusOr<std::vector<json>> bad_gtin = mapper.Map(receive);
  ASSERT_FALSE(bad_gtin.ok());
  EXPECT_EQ(bad_gtin.status().reason(), "bad_gtin");
}

TEST(EpcisMapperSkipTest, SkippedEntriesStillMoveAndShipContainers) {
  EpcisMapper mapper(UrnIds());
  mapper.Skip(MoveEntry(1, "label:T1", domain::Holder::AtLocation("PACK-01")));
  core::Entry receive;
  receive.seq = 2;
  receive.mode = Mode::kReceive;
  receive.at_ms = core::testing::kStart;
  receive.events.push_back(
      core::UnitsReceived{{kKettle, "", "", ""}, 1, domain::Holder::InContainer("label:T1")});
  StatusOr<std::vector<json>> received = mapper.Map(receive);
  ASSERT_TRUE(received.ok());
  ASSERT_EQ(received->size(), 1u);
  EXPECT_EQ((*received)[0]["readPoint"]["id"], Sgln("PACK-01"));

  core::Entry ship;
  ship.seq = 3;
  ship.mode = Mode::kShip;
  ship.events.push_back(core::ContainerShipped{"label:T1", "DOOR-01"});
  mapper.Skip(ship);
  received = mapper.Map(receive);
  ASSERT_TRUE(received.ok());
  ASSERT_EQ(received->size(), 1u);
  EXPECT_FALSE((*received)[0].contains("readPoint"));  // The tote left with the shipment.

  // A load opened in a skipped entry is still the one a later shipment travels on.
  mapper.Skip(OrderEntry(4, core::LoadOpened{"BOL-9", "DOOR-01", "", core::testing::kStart}));
  ship.seq = 5;
  ship.events[0] = core::ContainerShipped{"label:T2", "DOOR-01"};
  StatusOr<std::vector<json>> shipped = mapper.Map(ship);
  ASSERT_TRUE(shipped.ok());
  ASSERT_EQ(shipped->size(), 1u);
  EXPECT_EQ((*shipped)[0]["bizTransactionList"][0]["type"], "bol");
}

}  // namespace
}  // namespace entrepot::epcis
