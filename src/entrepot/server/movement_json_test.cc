// Tests of the movement values' parsers (movement.h) and their JSON views (movement_json.h).
#include "entrepot/server/movement_json.h"

#include <limits>
#include <string>

#include "entrepot/core/site_test_util.h"
#include "entrepot/server/movement.h"
#include "gtest/gtest.h"

namespace entrepot::server {
namespace {

using domain::Holder;
using nlohmann::json;

TEST(ParseHistoryCursorTest, ReadsSeqAloneOrSeqAndOrd) {
  ASSERT_TRUE(ParseHistoryCursor("42").ok());
  EXPECT_EQ(*ParseHistoryCursor("42"), (HistoryCursor{42, 0}));
  EXPECT_EQ(*ParseHistoryCursor("42.7"), (HistoryCursor{42, 7}));
  EXPECT_EQ(*ParseHistoryCursor(FormatHistoryCursor({9'000'000'000, 4'000'000'000})),
            (HistoryCursor{9'000'000'000, 4'000'000'000}));
}

TEST(ParseHistoryCursorTest, RefusesAnythingElseAsBadCursor) {
  for (const char* text : {"", "0", "-1", "+1", "1.", ".1", "1.2.3", "a", "1 ", " 1", "1.-2",
                           "9223372036854775808", "1.4294967296", "99999999999999999999999"}) {
    EXPECT_EQ(ParseHistoryCursor(text).status().reason(), "bad_cursor") << text;
  }
}

TEST(ParseHistoryLimitTest, AcceptsOneToTheMaximum) {
  EXPECT_EQ(*ParseHistoryLimit("1"), 1);
  EXPECT_EQ(*ParseHistoryLimit("500"), kMaxHistoryLimit);
  for (const char* text : {"", "0", "501", "-5", "5x", "1e2", "99999999999999999999999"}) {
    EXPECT_EQ(ParseHistoryLimit(text).status().reason(), "bad_limit") << text;
  }
}

TEST(ParseFlowWindowTest, ReadsSecondsMinutesAndHours) {
  EXPECT_EQ(*ParseFlowWindow("30s"), 30'000);
  EXPECT_EQ(*ParseFlowWindow("15m"), 900'000);
  EXPECT_EQ(*ParseFlowWindow("1h"), 3'600'000);
  EXPECT_EQ(*ParseFlowWindow("24h"), kMaxFlowWindowMs);
  EXPECT_EQ(*ParseFlowWindow("1440m"), kMaxFlowWindowMs);
  EXPECT_EQ(*ParseFlowWindow("86400s"), kMaxFlowWindowMs);
}

TEST(ParseFlowWindowTest, RefusesMalformedZeroAndTooLongAsBadWindow) {
  for (const char* text : {"", "m", "15", "15x", "0m", "25h", "1441m", "86401s", "-5m", "1.5h",
                           "15M", " 15m", "1d", "99999999999999999999999h"}) {
    EXPECT_EQ(ParseFlowWindow(text).status().reason(), "bad_window") << text;
  }
}

TEST(ResolveHistoryCodeTest, UnitCodesSelectSerialLotOrProduct) {
  using core::testing::kKettle;
  auto serial = ResolveHistoryCode("(01)09506000134352(10)L1(21)S1");
  ASSERT_TRUE(serial.ok()) << serial.status().ToString();
  EXPECT_EQ(*serial, (HistorySubject{HistorySubject::Kind::kSerial, kKettle, "", "S1", ""}));
  auto lot = ResolveHistoryCode("(01)09506000134352(17)271231(10)L1");
  EXPECT_EQ(*lot, (HistorySubject{HistorySubject::Kind::kLot, kKettle, "L1", "", ""}));
  auto link = ResolveHistoryCode("https://id.example.com/01/09506000134352/21/S9");
  ASSERT_TRUE(link.ok()) << link.status().ToString();
  EXPECT_EQ(link->kind, HistorySubject::Kind::kSerial);
  EXPECT_EQ(link->serial, "S9");
  auto product = ResolveHistoryCode("9506000134352");  // EAN-13 as typed.
  ASSERT_TRUE(product.ok()) << product.status().ToString();
  EXPECT_EQ(*product, (HistorySubject{HistorySubject::Kind::kProduct, kKettle, "", "", ""}));
}

TEST(ResolveHistoryCodeTest, ContainerCodesSelectTheCanonicalContainer) {
  const std::string sscc = "sscc:095060000000000015";
  EXPECT_EQ(ResolveHistoryCode("(00)095060000000000015")->container, sscc);
  EXPECT_EQ(ResolveHistoryCode("095060000000000015")->container, sscc);
  EXPECT_EQ(ResolveHistoryCode(sscc)->container, sscc);
  EXPECT_EQ(ResolveHistoryCode(core::testing::ContainerLabel("T1"))->container, "label:T1");
  EXPECT_EQ(ResolveHistoryCode("label:T1")->kind, HistorySubject::Kind::kContainer);
  EXPECT_EQ(ResolveHistoryCode("label:").status().reason(), "unknown_code");
  EXPECT_EQ(ResolveHistoryCode("label:" + std::string(kMaxHistoryCodeBytes, 'T')).status().reason(),
            "unknown_code");
}

TEST(MovementJsonTest, UnitMovementCarriesItsItemAndHolders) {
  Movement m{.seq = 12,
             .ord = 1,
             .at_ms = 1'795'853'702'120,
             .process = "stow",
             .kind = MovementKind::kMoved,
             .location = "A-01-001-1-2",
             .zone = "A",
             .from = Holder::InContainer("label:T1"),
             .to = Holder::AtLocation("A-01-001-1-2"),
             .item = {"09506000134352", "L1", "2027-12-31", ""},
             .quantity = 3};
  EXPECT_EQ(MovementJson(m), json::parse(R"({
    "seq": 12, "position": "12.1", "at": "2026-11-28T08:15:02.120Z", "at_ms": 1795853702120,
    "process": "stow", "event": "moved", "zone": "A", "location": "A-01-001-1-2",
    "from": {"kind": "container", "id": "label:T1"},
    "to": {"kind": "location", "id": "A-01-001-1-2"},
    "gtin": "09506000134352", "lot": "L1", "expiry": "2027-12-31", "quantity": 3})"));
}

TEST(MovementJsonTest, ContainerMovementHasNoItemAndNullsWhatIsUnknown) {
  Movement m{.seq = 3,
             .at_ms = 0,
             .process = "pack",
             .kind = MovementKind::kContainerMoved,
             .to = Holder::InContainer("label:K1"),
             .container = "label:T1"};
  json out = MovementJson(m);
  EXPECT_EQ(out["zone"], nullptr);
  EXPECT_EQ(out["location"], nullptr);
  EXPECT_EQ(out["from"], nullptr);
  EXPECT_EQ(out["event"], "container_moved");
  EXPECT_EQ(out["container"], "label:T1");
  EXPECT_EQ(out["at"], "1970-01-01T00:00:00.000Z");
  EXPECT_FALSE(out.contains("gtin"));
  EXPECT_FALSE(out.contains("serial"));
  EXPECT_FALSE(out.contains("reason"));
  m.at_ms = std::numeric_limits<int64_t>::max();  // Unrepresentable: at_ms only.
  EXPECT_EQ(MovementJson(m)["at"], nullptr);
  EXPECT_EQ(MovementJson(m)["at_ms"], std::numeric_limits<int64_t>::max());
}

TEST(HistoryJsonTest, GivesTheSubjectTheMovementsAndTheNextCursor) {
  HistoryPage page;
  page.subject = {HistorySubject::Kind::kSerial, "09506000134352", "", "S1", ""};
  page.movements.push_back({.seq = 9, .process = "receive", .kind = MovementKind::kReceived});
  page.indexed_seq = 40;
  json out = HistoryJson(page);
  EXPECT_EQ(out["subject"], json::parse(R"({"kind":"serial","gtin":"09506000134352",
                                            "serial":"S1"})"));
  EXPECT_EQ(out["movements"].size(), 1u);
  EXPECT_EQ(out["next"], nullptr);
  EXPECT_EQ(out["indexed_seq"], 40);
  page.next = HistoryCursor{9, 0};
  EXPECT_EQ(HistoryJson(page)["next"], "9.0");
}

TEST(FlowJsonTest, GivesCellsAndTotals) {
  FlowReport report;
  report.from_ms = 1'795'852'802'120;
  report.to_ms = 1'795'853'702'120;
  report.cells = {{"", "move", 4, 1}, {"A", "stow", 2, 2}};
  report.by_zone = {{"", 4, 1}, {"A", 2, 2}};
  report.by_process = {{"move", 4, 1}, {"stow", 2, 2}};
  report.units = 6;
  report.movements = 3;
  report.indexed_seq = 77;
  EXPECT_EQ(FlowJson(report), json::parse(R"({
    "from": "2026-11-28T08:00:02.120Z", "to": "2026-11-28T08:15:02.120Z",
    "from_ms": 1795852802120, "to_ms": 1795853702120, "window_ms": 900000, "indexed_seq": 77,
    "flows": [{"zone": null, "process": "move", "units": 4, "movements": 1},
              {"zone": "A", "process": "stow", "units": 2, "movements": 2}],
    "totals": {"units": 6, "movements": 3,
               "by_zone": [{"zone": null, "units": 4, "movements": 1},
                           {"zone": "A", "units": 2, "movements": 2}],
               "by_process": [{"process": "move", "units": 4, "movements": 1},
                              {"process": "stow", "units": 2, "movements": 2}]}})"));
}

}  // namespace
}  // namespace entrepot::server
