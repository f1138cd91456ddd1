#include "entrepot/core/master_data.h"

#include <cctype>
#include <string>
#include <vector>

#include "entrepot/core/codec.h"
#include "entrepot/core/site.h"
#include "entrepot/core/site_test_util.h"
#include "entrepot/domain/layout.h"
#include "gtest/gtest.h"

namespace entrepot::core {
namespace {

using domain::ContainerSpec;
using domain::ContainerType;
using domain::Location;
using domain::LocationType;
using domain::Product;
using domain::Zone;
using testing::ContainerLabel;
using testing::Item;
using testing::kKettle;
using testing::LocationLabel;

Location Bin(std::string code, std::string zone, LocationType type, int64_t capacity) {
  Location location;
  location.code = std::move(code);
  location.zone = std::move(zone);
  location.type = type;
  location.capacity_units = capacity;
  return location;
}

// The small site with stock: 2 kettles stowed in A-01-001-1-1 (capacity 2), 1 kettle left
// at DOCK-01, tote T1 parked at DOCK-02 with 1 kettle in it, tote T2 shipped.
class MasterDataTest : public ::testing::Test {
 protected:
  MasterDataTest() {
    entries_ = site_.LoadLayout(testing::SmallLayout(), 1);
    Scan("HH-1", Mode::kReceive, LocationLabel("DOCK-01"));
    for (int i = 0; i < 3; ++i) {
      Scan("HH-1", Mode::kReceive, Item(kKettle));
    }
    Scan("HH-1", Mode::kStow, LocationLabel("DOCK-01"));
    for (int i = 0; i < 2; ++i) {
      Scan("HH-1", Mode::kStow, Item(kKettle));
      Scan("HH-1", Mode::kStow, LocationLabel("A-01-001-1-1"));
    }
    Scan("HH-2", Mode::kReceive, LocationLabel("DOCK-02"));
    Scan("HH-2", Mode::kReceive, ContainerLabel("T1"));
    Scan("HH-2", Mode::kReceive, Item(kKettle));
    Scan("HH-3", Mode::kShip, LocationLabel("DOOR-01"));
    Scan("HH-3", Mode::kShip, ContainerLabel("T2"));
  }

  Reply Scan(const std::string& device, Mode mode, const std::string& code) {
    at_ms_ += 5000;  // Slow enough never to trip the too-fast-stow check.
    Site::Execution execution = site_.Execute(
        ScanCommand{"k" + std::to_string(NextSeq()), device, mode, code, at_ms_}, NextSeq());
    entries_.push_back(execution.entry);
    return execution.entry.reply;
  }

  StatusOr<Site::MasterDataExecution> Change(const MasterDataChange& change) {
    at_ms_ += 1000;
    StatusOr<Site::MasterDataExecution> execution =
        site_.ChangeMasterData(change, NextSeq(), at_ms_);
    if (execution.ok() && execution->outcome != MasterDataOutcome::kUnchanged) {
      entries_.push_back(execution->entry);
    }
    return execution;
  }

  uint64_t NextSeq() const { return entries_.size() + 1; }

  Site site_;
  std::vector<Entry> entries_;
  int64_t at_ms_ = testing::kStart;
};

TEST_F(MasterDataTest, FixtureHoldsTheStockTheRulesNeed) {
  EXPECT_EQ(site_.state().FindLocation("A-01-001-1-1")->units, 2);
  EXPECT_EQ(site_.state().FindLocation("DOCK-01")->units, 1);
  EXPECT_EQ(site_.state().FindLocation("DOCK-02")->units, 0);
  EXPECT_EQ(site_.state().LocationOf(domain::Holder::InContainer("label:T1")), "DOCK-02");
  EXPECT_TRUE(site_.state().FindContainer("label:T2")->shipped);
}

struct Refusal {
  std::string name;
  MasterDataChange change;
  StatusCode code;
  std::string reason;
};

TEST_F(MasterDataTest, InvalidChangesAreRefusedWithStableReasonsAndChangeNothing) {
  const std::vector<Refusal> cases = {
      {"zone code lower case", Zone{"a", "Stow"}, StatusCode::kInvalidArgument, "bad_zone_code"},
      {"zone code too long", Zone{std::string(17, 'Z'), "Z"}, StatusCode::kInvalidArgument,
       "bad_zone_code"},
      {"zone code empty", Zone{"", "Z"}, StatusCode::kInvalidArgument, "bad_zone_code"},
      {"zone name empty", Zone{"B", ""}, StatusCode::kInvalidArgument, "bad_name"},
      {"zone name too long", Zone{"B", std::string(201, 'n')}, StatusCode::kInvalidArgument,
       "bad_name"},
      {"zone name with newline", Zone{"B", "Stow\nB"}, StatusCode::kInvalidArgument, "bad_name"},
      {"location code syntax", Bin("A--1", "A", LocationType::kStowBin, 0),
       StatusCode::kInvalidArgument, "bad_label_code"},
      {"location code lower case", Bin("a-1", "A", LocationType::kStowBin, 0),
       StatusCode::kInvalidArgument, "bad_label_code"},
      {"location unknown zone", Bin("Q-01", "Q", LocationType::kStowBin, 0),
       StatusCode::kFailedPrecondition, "unknown_zone"},
      {"location negative capacity", Bin("A-9", "A", LocationType::kStowBin, -1),
       StatusCode::kInvalidArgument, "bad_capacity"},
      {"location huge capacity",
       Bin("A-9", "A", LocationType::kStowBin, domain::kMaxLocationCapacityUnits + 1),
       StatusCode::kInvalidArgument, "bad_capacity"},
      {"stocked bin below its stock", Bin("A-01-001-1-1", "A", LocationType::kStowBin, 1),
       StatusCode::kFailedPrecondition, "capacity_below_stock"},
      {"stocked bin changes type", Bin("A-01-001-1-1", "A", LocationType::kPickFace, 2),
       StatusCode::kFailedPrecondition, "location_in_use"},
      {"dock with units changes type", Bin("DOCK-01", "INB", LocationType::kStowBin, 0),
       StatusCode::kFailedPrecondition, "location_in_use"},
      {"dock with a tote changes type", Bin("DOCK-02", "INB", LocationType::kStowBin, 0),
       StatusCode::kFailedPrecondition, "location_in_use"},
      {"product bad length", Product{"123", "Thing", ""}, StatusCode::kInvalidArgument, "bad_gtin"},
      {"product letters", Product{"0950600013435X", "Thing", ""}, StatusCode::kInvalidArgument,
       "bad_gtin"},
      {"product check digit", Product{"09506000134353", "Thing", ""}, StatusCode::kInvalidArgument,
       "bad_check_digit"},
      {"product empty description", Product{kKettle, "", ""}, StatusCode::kInvalidArgument,
       "bad_description"},
      {"product long description", Product{kKettle, std::string(501, 'd'), ""},
       StatusCode::kInvalidArgument, "bad_description"},
      {"product unknown home zone", Product{kKettle, "Kettle", "Q"},
       StatusCode::kFailedPrecondition, "unknown_zone"},
      {"container without prefix", ContainerSpec{"T1", ContainerType::kTote},
       StatusCode::kInvalidArgument, "bad_container_id"},
      {"container location label", ContainerSpec{LocationLabel("DOCK-01"), ContainerType::kTote},
       StatusCode::kInvalidArgument, "bad_container_id"},
      {"container label bad check", ContainerSpec{"C.T1.0", ContainerType::kTote},
       StatusCode::kInvalidArgument, "bad_label_check"},
      {"container label code", ContainerSpec{"label:t-1", ContainerType::kTote},
       StatusCode::kInvalidArgument, "bad_label_code"},
      {"container short sscc", ContainerSpec{"sscc:1234", ContainerType::kPallet},
       StatusCode::kInvalidArgument, "bad_container_id"},
      {"container sscc check digit",
       ContainerSpec{"sscc:095060000000000016", ContainerType::kPallet},
       StatusCode::kInvalidArgument, "bad_check_digit"},
      {"shipped container changes type", ContainerSpec{"label:T2", ContainerType::kCrate},
       StatusCode::kFailedPrecondition, "container_shipped"},
  };
  const std::string before = site_.state().Encode();
  for (const Refusal& refusal : cases) {
    SCOPED_TRACE(refusal.name);
    StatusOr<Site::MasterDataExecution> result = Change(refusal.change);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), refusal.code);
    EXPECT_EQ(result.status().reason(), refusal.reason) << result.status().message();
    EXPECT_FALSE(result.status().message().empty());
  }
  EXPECT_EQ(site_.state().Encode(), before);
}

TEST_F(MasterDataTest, MessagesTellTheOperatorWhatToDo) {
  StatusOr<Site::MasterDataExecution> below =
      Change(Bin("A-01-001-1-1", "A", LocationType::kStowBin, 1));
  EXPECT_NE(below.status().message().find("at least 2"), std::string::npos)
      << below.status().message();
  StatusOr<Site::MasterDataExecution> in_use =
      Change(Bin("DOCK-02", "INB", LocationType::kStowBin, 0));
  EXPECT_NE(in_use.status().message().find("empty it"), std::string::npos)
      << in_use.status().message();
  StatusOr<Site::MasterDataExecution> zone = Change(Bin("Q-1", "Q", LocationType::kStowBin, 0));
  EXPECT_NE(zone.status().message().find("define the zone first"), std::string::npos);
}

TEST_F(MasterDataTest, ZoneIsCreatedThenRenamedThenUnchanged) {
  StatusOr<Site::MasterDataExecution> created = Change(Zone{"B", "Stow B"});
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(created->outcome, MasterDataOutcome::kCreated);
  EXPECT_EQ(created->entry.kind, Entry::Kind::kMasterData);
  EXPECT_EQ(created->entry.seq, entries_.size());
  EXPECT_EQ(created->entry.at_ms, at_ms_);
  ASSERT_EQ(created->entry.events.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<ZoneDefined>(created->entry.events[0]));

  StatusOr<Site::MasterDataExecution> renamed = Change(Zone{"B", "Stow B (mezzanine)"});
  ASSERT_TRUE(renamed.ok());
  EXPECT_EQ(renamed->outcome, MasterDataOutcome::kUpdated);
  EXPECT_EQ(site_.state().zones().at("B").name, "Stow B (mezzanine)");

  size_t records = entries_.size();
  StatusOr<Site::MasterDataExecution> again = Change(Zone{"B", "Stow B (mezzanine)"});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->outcome, MasterDataOutcome::kUnchanged);
  EXPECT_TRUE(again->entry.events.empty());
  EXPECT_EQ(entries_.size(), records);
  EXPECT_EQ(std::get<Zone>(again->stored).name, "Stow B (mezzanine)");
}

TEST_F(MasterDataTest, NewLocationIsUsableByTheNextScan) {
  ASSERT_TRUE(Change(Zone{"B", "Stow B"}).ok());
  Location bin = Bin("B-01-001-1-1", "B", LocationType::kStowBin, 5);
  bin.aisle = 1;
  bin.bay = 1;
  bin.level = 1;
  bin.position = 1;
  StatusOr<Site::MasterDataExecution> created = Change(bin);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(created->outcome, MasterDataOutcome::kCreated);
  Scan("HH-1", Mode::kStow, Item(kKettle));
  EXPECT_EQ(Scan("HH-1", Mode::kStow, LocationLabel("B-01-001-1-1")).outcome, Outcome::kOk);
  EXPECT_EQ(site_.state().FindLocation("B-01-001-1-1")->units, 1);
}

TEST_F(MasterDataTest, StockedLocationKeepsItsStockThroughAllowedChanges) {
  // Same type, capacity at the stock, another zone and coordinates: allowed.
  Location bin = Bin("A-01-001-1-1", "P", LocationType::kStowBin, 2);
  bin.aisle = 7;
  StatusOr<Site::MasterDataExecution> moved = Change(bin);
  ASSERT_TRUE(moved.ok()) << moved.status().ToString();
  EXPECT_EQ(moved->outcome, MasterDataOutcome::kUpdated);
  const LocationState* state = site_.state().FindLocation("A-01-001-1-1");
  EXPECT_EQ(state->units, 2);
  EXPECT_EQ(state->location.zone, "P");
  EXPECT_EQ(state->location.aisle, 7);
  // 0 means unlimited, never below the stock.
  bin.capacity_units = 0;
  ASSERT_TRUE(Change(bin).ok());
  // An empty location may change type.
  StatusOr<Site::MasterDataExecution> retyped =
      Change(Bin("A-01-001-1-2", "A", LocationType::kPickFace, 0));
  ASSERT_TRUE(retyped.ok()) << retyped.status().ToString();
  EXPECT_EQ(site_.state().FindLocation("A-01-001-1-2")->location.type, LocationType::kPickFace);
}

TEST_F(MasterDataTest, RaisedCapacityLetsTheNextStowIn) {
  Scan("HH-1", Mode::kStow, Item(kKettle));
  EXPECT_EQ(Scan("HH-1", Mode::kStow, LocationLabel("A-01-001-1-1")).outcome,
            Outcome::kLocationFull);
  ASSERT_TRUE(Change(Bin("A-01-001-1-1", "A", LocationType::kStowBin, 3)).ok());
  EXPECT_EQ(Scan("HH-1", Mode::kStow, LocationLabel("A-01-001-1-1")).outcome, Outcome::kOk);
  EXPECT_EQ(site_.state().FindLocation("A-01-001-1-1")->units, 3);
}

TEST_F(MasterDataTest, ProductGtinIsNormalisedToFourteenDigits) {
  StatusOr<Site::MasterDataExecution> same = Change(Product{"9506000134352", "Kettle 1.7 L", "A"});
  ASSERT_TRUE(same.ok()) << same.status().ToString();
  EXPECT_EQ(same->outcome, MasterDataOutcome::kUnchanged);
  EXPECT_EQ(std::get<Product>(same->stored).gtin, kKettle);

  StatusOr<Site::MasterDataExecution> gtin8 = Change(Product{"95060002", "Sticker", ""});
  ASSERT_TRUE(gtin8.ok()) << gtin8.status().ToString();
  EXPECT_EQ(gtin8->outcome, MasterDataOutcome::kCreated);
  EXPECT_EQ(std::get<Product>(gtin8->stored).gtin, "00000095060002");
  EXPECT_NE(site_.state().FindProduct("00000095060002"), nullptr);

  StatusOr<Site::MasterDataExecution> renamed = Change(Product{kKettle, "Kettle 1.7 L, steel", ""});
  ASSERT_TRUE(renamed.ok());
  EXPECT_EQ(renamed->outcome, MasterDataOutcome::kUpdated);
  EXPECT_EQ(site_.state().FindProduct(kKettle)->home_zone, "");
}

TEST_F(MasterDataTest, NewProductCanBeReceived) {
  const std::string gtin = "09506000134376";  // testing::kUnknownGtin.
  Scan("HH-1", Mode::kReceive, LocationLabel("DOCK-01"));
  EXPECT_EQ(Scan("HH-1", Mode::kReceive, Item(gtin)).outcome, Outcome::kUnknownProduct);
  ASSERT_TRUE(Change(Product{gtin, "Toaster", "A"}).ok());
  EXPECT_EQ(Scan("HH-1", Mode::kReceive, Item(gtin)).outcome, Outcome::kOk);
}

TEST_F(MasterDataTest, ContainerIsRegisteredByIdOrLabelAndKeepsItsContents) {
  StatusOr<Site::MasterDataExecution> by_label =
      Change(ContainerSpec{ContainerLabel("T1"), ContainerType::kTote});
  ASSERT_TRUE(by_label.ok()) << by_label.status().ToString();
  EXPECT_EQ(by_label->outcome, MasterDataOutcome::kUnchanged);
  EXPECT_EQ(std::get<ContainerSpec>(by_label->stored).id, "label:T1");

  // T1 holds a kettle at DOCK-02: its type may change, its contents and place stay.
  StatusOr<Site::MasterDataExecution> retyped =
      Change(ContainerSpec{"label:T1", ContainerType::kCrate});
  ASSERT_TRUE(retyped.ok()) << retyped.status().ToString();
  EXPECT_EQ(retyped->outcome, MasterDataOutcome::kUpdated);
  const ContainerState* t1 = site_.state().FindContainer("label:T1");
  EXPECT_EQ(t1->type, ContainerType::kCrate);
  EXPECT_EQ(site_.state().LocationOf(domain::Holder::InContainer("label:T1")), "DOCK-02");
  EXPECT_EQ(site_.state().StockIn(domain::Holder::InContainer("label:T1")).size(), 1u);

  StatusOr<Site::MasterDataExecution> pallet =
      Change(ContainerSpec{"sscc:" + std::string(testing::kPallet), ContainerType::kPallet});
  ASSERT_TRUE(pallet.ok()) << pallet.status().ToString();
  EXPECT_EQ(pallet->outcome, MasterDataOutcome::kCreated);

  // A shipped container may be named again as it was: nothing changes.
  StatusOr<Site::MasterDataExecution> shipped =
      Change(ContainerSpec{"label:T2", ContainerType::kTote});
  ASSERT_TRUE(shipped.ok());
  EXPECT_EQ(shipped->outcome, MasterDataOutcome::kUnchanged);
}

TEST_F(MasterDataTest, ZoneCountIsLimited) {
  size_t zones = site_.state().zones().size();
  for (size_t i = zones; i < domain::kMaxLayoutZones; ++i) {
    ASSERT_TRUE(Change(Zone{"Z" + std::to_string(i), "Zone"}).ok());
  }
  StatusOr<Site::MasterDataExecution> over = Change(Zone{"ZMAX", "One too many"});
  EXPECT_EQ(over.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(over.status().reason(), "master_data_limit");
  // Renaming an existing zone is still possible at the limit.
  EXPECT_TRUE(Change(Zone{"A", "Stow A, renamed"}).ok());
}

TEST_F(MasterDataTest, ReplayOfEncodedEntriesRebuildsTheSameState) {
  ASSERT_TRUE(Change(Zone{"B", "Stow B"}).ok());
  ASSERT_TRUE(Change(Zone{"A", "Stow A, renamed"}).ok());
  ASSERT_TRUE(Change(Bin("B-1", "B", LocationType::kStowBin, 4)).ok());
  ASSERT_TRUE(Change(Bin("A-01-001-1-1", "B", LocationType::kStowBin, 9)).ok());
  ASSERT_TRUE(Change(Product{kKettle, "Kettle, steel", "B"}).ok());
  ASSERT_TRUE(Change(ContainerSpec{"label:T1", ContainerType::kPallet}).ok());
  ASSERT_TRUE(Change(ContainerSpec{"label:NEW-9", ContainerType::kCart}).ok());
  Scan("HH-1", Mode::kStow, Item(kKettle));
  Scan("HH-1", Mode::kStow, LocationLabel("B-1"));

  Site replayed;
  for (const Entry& entry : entries_) {
    StatusOr<Entry> decoded = DecodeEntry(EncodeEntry(entry));
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    decoded->seq = entry.seq;
    replayed.Replay(*decoded);
  }
  EXPECT_EQ(replayed.state().Encode(), site_.state().Encode());
  EXPECT_EQ(replayed.state().FindLocation("B-1")->units, 1);
  // And a snapshot of it restores the same bytes.
  StatusOr<SiteState> restored = SiteState::Decode(site_.state().Encode());
  ASSERT_TRUE(restored.ok());
  EXPECT_EQ(restored->Encode(), site_.state().Encode());
}

TEST(MasterDataNamesTest, KindsAndOutcomesHaveStableNames) {
  EXPECT_EQ(MasterDataKindName(Zone{}), "zone");
  EXPECT_EQ(MasterDataKindName(Location{}), "location");
  EXPECT_EQ(MasterDataKindName(Product{}), "product");
  EXPECT_EQ(MasterDataKindName(ContainerSpec{}), "container");
  EXPECT_EQ(MasterDataOutcomeName(MasterDataOutcome::kCreated), "created");
  EXPECT_EQ(MasterDataOutcomeName(MasterDataOutcome::kUpdated), "updated");
  EXPECT_EQ(MasterDataOutcomeName(MasterDataOutcome::kUnchanged), "unchanged");
}

TEST(CanonicalContainerIdTest, AcceptsEveryIdFormAndTheLabel) {
  EXPECT_EQ(*CanonicalContainerId("label:T00042"), "label:T00042");
  EXPECT_EQ(*CanonicalContainerId(ContainerLabel("T00042")), "label:T00042");
  std::string lower = ContainerLabel("T00042");
  for (char& c : lower) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  EXPECT_EQ(*CanonicalContainerId(lower), "label:T00042");
  EXPECT_EQ(*CanonicalContainerId("sscc:095060000000000015"), "sscc:095060000000000015");
  EXPECT_EQ(CanonicalContainerId("giai:").status().reason(), "bad_container_id");
  EXPECT_EQ(CanonicalContainerId("").status().reason(), "bad_container_id");
}

}  // namespace
}  // namespace entrepot::core
