#include "entrepot/core/codec.h"

#include <random>
#include <string>

#include "gtest/gtest.h"

namespace entrepot::core {
namespace {

using domain::Holder;
using domain::ItemKey;

Entry EntryWithEveryEvent() {
  Entry entry;
  entry.kind = Entry::Kind::kScan;
  entry.key = "dev-1-000042";
  entry.device = "HH-07";
  entry.mode = Mode::kPack;
  entry.code =
      "]d2\x1d"
      "0109506000134352";
  entry.at_ms = -5;  // Signed values survive zig-zag encoding.
  entry.reply = {Outcome::kReverify, "Stowed.", "Scan the next item."};
  const std::string kGtin = "09506000134352";
  ItemKey item{kGtin, "L1", "2027-06-30", "S1"};
  domain::Location location;
  location.code = "A-01-001-1-1";
  location.zone = "A";
  location.aisle = 1;
  location.type = domain::LocationType::kPickFace;
  location.capacity_units = 40;
  DeviceState device;
  device.mode = Mode::kCount;
  device.has_source = true;
  device.source = Holder::InContainer("label:T1");
  device.pending = {item, item};
  device.moving = "label:K1";
  device.last_stow_at_ms = 1'795'000'000'000;
  entry.events = {
      SiteDefined{"FR-TEST", "Test"},
      ZoneDefined{{"A", "Stow A"}},
      LocationDefined{location},
      ProductDefined{{"09506000134352", "Kettle", "A"}},
      ContainerRegistered{"sscc:095060000000000015", domain::ContainerType::kParcel},
      UnitsReceived{item, 3, Holder::AtLocation("DOCK-01")},
      UnitsMoved{item, 1, Holder::AtLocation("DOCK-01"), Holder::InContainer("x")},
      ContainerMoved{"label:T1", Holder::InContainer("label:K1")},
      ContainerShipped{"sscc:095060000000000015", "DOOR-01"},
      StockAdjusted{item, Holder::AtLocation("A"), -2, "cycle_count"},
      LocationFlagged{"A-01-001-1-1", "stow_too_fast"},
      LocationCounted{"A-01-001-1-1"},
      DeviceStateChanged{"HH-07", device},
      OrderPlaced{"O-1", "DPD", 1'795'000'000'000, 7, {{kGtin, 3, 2}}, true},
      OrderCancelled{"O-2"},
      OrderReleased{"O-1", "B9-1", {2}, {{4, "O-1", "A-01-001-1-1", item, 2}}},
      BatchAssigned{"B9-1", "HH-07"},
      ToteAssigned{"label:T1", "O-1"},
      TaskProgressed{4, 1, 1},
      OrderPacked{"O-1", "sscc:095060000000000015", kGtin, 1},
      CarrierDefined{"DPD", {"DOOR-01", "DOOR-02"}},
      ReceiptExpected{"ASN-1", "ACME", 9, {{kGtin, 10, 0}}, {"sscc:095060000000000015"}},
      ReceiptClosed{"ASN-1"},
      ReturnReceived{"R-1",
                     "O-1",
                     "DOCK-01",
                     {{kGtin, 2, "damaged", ReturnDisposition::kInspect},
                      {kGtin, 1, "late", ReturnDisposition::kScrap}}},
      PickFaceDefined{"P-01-001-1-1", kGtin, 4, 20},
      DeliveriesConfirmed{{"sscc:095060000000000015", "sscc:095060000000000022"},
                          1'795'000'000'000,
                          "0614141000005"},
      LoadOpened{"BOL-4711", "DOOR-01", "DPD", 1'795'000'000'000},
      LoadClosed{"BOL-4711", 1'795'000'360'000}};
  return entry;
}

TEST(CodecTest, EntryWithEveryEventRoundTrips) {
  Entry entry = EntryWithEveryEvent();
  ASSERT_EQ(entry.events.size(), std::variant_size_v<Event>);
  StatusOr<Entry> decoded = DecodeEntry(EncodeEntry(entry));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  // Encoding is canonical, so equal bytes mean equal entries.
  EXPECT_EQ(EncodeEntry(*decoded), EncodeEntry(entry));
  EXPECT_EQ(decoded->code, entry.code);
  EXPECT_EQ(decoded->at_ms, -5);
  EXPECT_EQ(std::get<DeviceStateChanged>(decoded->events[12]).state.pending.size(), 2u);
  EXPECT_EQ(std::get<CarrierDefined>(decoded->events[20]).doors.size(), 2u);
  EXPECT_EQ(std::get<ReceiptExpected>(decoded->events[21]).containers.size(), 1u);
  EXPECT_EQ(std::get<DeliveriesConfirmed>(decoded->events[25]),
            std::get<DeliveriesConfirmed>(entry.events[25]));
  EXPECT_EQ(std::get<LoadOpened>(decoded->events[26]), std::get<LoadOpened>(entry.events[26]));
  EXPECT_EQ(std::get<LoadClosed>(decoded->events[27]), std::get<LoadClosed>(entry.events[27]));
}

TEST(CodecTest, EncodingIntoASpentBufferReplacesItsBytes) {
  const Entry entry = EntryWithEveryEvent();
  std::string spent(4096, 'x');
  const char* storage = spent.data();
  std::string reused = EncodeEntry(entry, std::move(spent));
  EXPECT_EQ(reused, EncodeEntry(entry));
  EXPECT_EQ(reused.data(), storage);  // Its allocation was large enough to keep.
}

TEST(CodecTest, EveryTruncationReturnsDataLoss) {
  std::string bytes = EncodeEntry(EntryWithEveryEvent());
  for (size_t size = 0; size < bytes.size(); ++size) {
    StatusOr<Entry> decoded = DecodeEntry(bytes.substr(0, size));
    ASSERT_FALSE(decoded.ok()) << "size " << size;
    EXPECT_EQ(decoded.status().code(), StatusCode::kDataLoss);
    EXPECT_EQ(decoded.status().reason(), "bad_entry");
  }
}

TEST(CodecTest, EntryTimeIsReadWithoutDecodingEvents) {
  std::string bytes = EncodeEntry(EntryWithEveryEvent());
  EXPECT_EQ(*DecodeEntryTime(bytes), -5);
  EXPECT_EQ(DecodeEntryTime(bytes.substr(0, 10)).status().reason(), "bad_entry");
  EXPECT_EQ(DecodeEntryTime("").status().reason(), "bad_entry");
}

TEST(CodecTest, EventTagPastTheLastReturnsDataLoss) {
  Entry entry;
  entry.events = {LocationCounted{"A"}};
  std::string bytes = EncodeEntry(entry);
  // The event is the last thing encoded: its tag, then the location as a string of 1 byte.
  ASSERT_EQ(bytes[bytes.size() - 3], 11);
  bytes[bytes.size() - 3] = static_cast<char>(std::variant_size_v<Event>);
  EXPECT_EQ(DecodeEntry(bytes).status().reason(), "bad_entry");
}

TEST(CodecTest, TrailingBytesReturnDataLoss) {
  EXPECT_FALSE(DecodeEntry(EncodeEntry(EntryWithEveryEvent()) + "x").ok());
}

TEST(CodecTest, RandomBytesNeverCrash) {
  std::mt19937 random(7);
  std::string valid = EncodeEntry(EntryWithEveryEvent());
  for (int i = 0; i < 20000; ++i) {
    std::string bytes = valid;
    for (int flips = 1 + static_cast<int>(random() % 4); flips > 0; --flips) {
      bytes[random() % bytes.size()] = static_cast<char>(random());
    }
    (void)DecodeEntry(bytes).ok();
  }
}

TEST(CodecTest, VarintHandlesFullRange) {
  ByteWriter out;
  out.Varint(0);
  out.Varint(UINT64_MAX);
  out.Signed(INT64_MIN);
  out.Signed(INT64_MAX);
  ByteReader in(out.bytes());
  EXPECT_EQ(in.Varint(), 0u);
  EXPECT_EQ(in.Varint(), UINT64_MAX);
  EXPECT_EQ(in.Signed(), INT64_MIN);
  EXPECT_EQ(in.Signed(), INT64_MAX);
  EXPECT_TRUE(in.ok());
  EXPECT_TRUE(in.AtEnd());
}

}  // namespace
}  // namespace entrepot::core
