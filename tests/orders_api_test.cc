// The orders API over real loopback connections (issue 5): a server on port 0 in this
// process with a temporary SQLite site. Orders are placed, amended, cancelled and read;
// concurrent clients placing orders for the same scarce product never reserve more than
// the stock; work is released, handed to a device and scanned through pick, pack and ship
// over POST /api/v1/scans; the cut-off status follows; and every error answers its reason.
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "entrepot/auth/account_store.h"
#include "entrepot/domain/labels.h"
#include "entrepot/wire/rfc3339.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "test_http.h"
#include "test_site.h"

namespace entrepot {
namespace {

using nlohmann::json;
using testing::Client;
using testing::Reply;

constexpr char kKettle[] = "09506000134352";
constexpr char kCable[] = "09506000134369";
constexpr char kBin[] = "A-01-001-1-1";
constexpr char kParcel[] = "095060000000000015";
constexpr int64_t kHour = 3'600'000;

std::string LocationLabel(const std::string& code) {
  return domain::FormatLabel(domain::LabelKind::kLocation, code);
}
std::string ToteLabel(const std::string& code) {
  return domain::FormatLabel(domain::LabelKind::kContainer, code);
}

class OrdersApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::TestServerOptions options;
    options.now_ms = [this] { return now_.load(); };
    options.users = {{"sup", auth::Role::kSupervisor},
                     {"worker", auth::Role::kWorker},
                     {"hr", auth::Role::kHr},
                     {"admin", auth::Role::kAdmin}};
    // The movement index gives the cut-off status its throughput, as `entrepot serve` does.
    options.movement_index = true;
    options.epcis = epcis_;
    ASSERT_NO_FATAL_FAILURE(server_.Start(dir_.path(), std::move(options)));
  }

  Client User(const std::string& login) { return server_.Login(login); }
  Client Device(const std::string& name) { return server_.Device(name); }
  // Posts one scan of `device` and returns its outcome ("ok", "wrong_location", ...).
  std::string Scan(Client& device, const std::string& name, const std::string& mode,
                   const std::string& code) {
    now_ += 5000;  // Scans a few seconds apart: a stow in the same instant is re-verified.
    json record = {{"id", name + "-" + std::to_string(++scans_)},
                   {"device", name},
                   {"mode", mode},
                   {"code", code}};
    Reply reply = device.Post("/api/v1/scans", record.dump());
    EXPECT_EQ(reply.status, 200u) << reply.body;
    return reply.status == 200u ? reply.Json()["outcome"].get<std::string>() : reply.body;
  }
  void ScanAll(Client& device, const std::string& name, const std::string& mode,
               const std::vector<std::string>& codes) {
    for (const std::string& code : codes) {
      ASSERT_EQ(Scan(device, name, mode, code), "ok") << mode << " " << code;
    }
  }
  // Given: `units` of `gtin` received at the dock and stowed into kBin by device HH-90.
  void GivenStock(const std::string& gtin, int units) {
    Client hh = Device("HH-90");
    ScanAll(hh, "HH-90", "receive", {LocationLabel("DOCK-01")});
    for (int i = 0; i < units; ++i) {
      ScanAll(hh, "HH-90", "receive", {"(01)" + gtin});
    }
    ScanAll(hh, "HH-90", "stow", {LocationLabel("DOCK-01")});
    for (int i = 0; i < units; ++i) {
      ScanAll(hh, "HH-90", "stow", {"(01)" + gtin, LocationLabel(kBin)});
    }
  }
  std::string Cutoff(int64_t offset_ms) { return wire::FormatRfc3339Ms(now_.load() + offset_ms); }
  json Order(const std::string& id, const std::string& gtin, int64_t quantity,
             int64_t cutoff_offset_ms = kHour) {
    return {{"id", id},
            {"carrier", "DPD"},
            {"cutoff", Cutoff(cutoff_offset_ms)},
            {"priority", 5},
            {"lines", json::array({{{"gtin", gtin}, {"quantity", quantity}}})}};
  }
  static std::string Code(const Reply& reply) {
    json body = reply.Json();
    return body.is_object() && body.contains("error") ? body["error"]["code"].get<std::string>()
                                                      : "";
  }

  bool epcis_ = false;  // Set by a subclass's constructor: an EPCIS repository too.
  testing::TempDir dir_;
  std::atomic<int64_t> now_{1'795'000'000'000};
  int scans_ = 0;
  testing::TestServer server_;
};

TEST_F(OrdersApiTest, PlaceReservesAndReturnsTheOrderAsStored) {
  GivenStock(kKettle, 3);
  Client sup = User("sup");
  json order = Order("O-1", "9506000134352", 5);  // GTIN-13: stored as 14 digits.
  Reply placed = sup.Post("/api/v1/orders", order.dump());
  ASSERT_EQ(placed.status, 201u) << placed.body;
  json body = placed.Json();
  EXPECT_EQ(body["id"], "O-1");
  EXPECT_EQ(body["cutoff"], Cutoff(kHour));
  EXPECT_EQ(body["lines"][0], json({{"gtin", kKettle}, {"quantity", 5}, {"reserved", 3}}));
  EXPECT_EQ(body["shortages"][0], json({{"order", "O-1"}, {"gtin", kKettle}, {"units", 2}}));

  Reply read = sup.Get("/api/v1/orders/O-1");
  ASSERT_EQ(read.status, 200u) << read.body;
  EXPECT_EQ(read.Json()["status"], "open");
  EXPECT_EQ(read.Json()["lines"][0]["reserved"], 3);
  EXPECT_EQ(read.Json()["batch"], nullptr);

  Reply again = sup.Post("/api/v1/orders", order.dump());
  EXPECT_EQ(again.status, 409u);
  EXPECT_EQ(Code(again), "order_exists");
}

TEST_F(OrdersApiTest, AmendCancelAndListOrders) {
  GivenStock(kKettle, 4);
  Client sup = User("sup");
  ASSERT_EQ(sup.Post("/api/v1/orders", Order("A", kKettle, 1).dump()).status, 201u);
  ASSERT_EQ(sup.Post("/api/v1/orders", Order("B", kKettle, 1).dump()).status, 201u);
  ASSERT_EQ(sup.Post("/api/v1/orders", Order("C", kKettle, 1).dump()).status, 201u);
  json amendment = Order("A", kKettle, 2);
  amendment.erase("id");
  Reply amended = sup.Put("/api/v1/orders/A", amendment.dump());
  ASSERT_EQ(amended.status, 200u) << amended.body;
  EXPECT_EQ(amended.Json()["lines"][0]["reserved"], 2);
  Reply cancelled = sup.Post("/api/v1/orders/B/cancel", "");
  ASSERT_EQ(cancelled.status, 200u) << cancelled.body;
  EXPECT_EQ(cancelled.Json()["status"], "cancelled");
  EXPECT_EQ(Code(sup.Post("/api/v1/orders/B/cancel", "")), "order_cancelled");

  Reply open = sup.Get("/api/v1/orders?status=open&limit=1");
  ASSERT_EQ(open.status, 200u) << open.body;
  ASSERT_EQ(open.Json()["orders"].size(), 1u);
  EXPECT_EQ(open.Json()["orders"][0]["id"], "A");
  EXPECT_EQ(open.Json()["next"], "A");
  Reply rest = sup.Get("/api/v1/orders?status=open&limit=1&after=A");
  ASSERT_EQ(rest.Json()["orders"].size(), 1u);
  EXPECT_EQ(rest.Json()["orders"][0]["id"], "C");
  EXPECT_EQ(rest.Json()["next"], nullptr);
  EXPECT_EQ(sup.Get("/api/v1/orders?status=cancelled").Json()["orders"][0]["id"], "B");
  EXPECT_EQ(Code(sup.Get("/api/v1/orders?limit=1001")), "bad_limit");
  EXPECT_EQ(Code(sup.Get("/api/v1/orders?status=lost")), "bad_status");
}

TEST_F(OrdersApiTest, ConcurrentOrdersForAScarceProductNeverOverReserve) {
  constexpr int kStock = 5;
  constexpr int kThreads = 6;
  constexpr int kOrdersEach = 4;
  GivenStock(kKettle, kStock);
  std::string token = User("sup").token;
  std::atomic<int> created{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Client client(server_.port());
      client.token = token;
      for (int i = 0; i < kOrdersEach; ++i) {
        std::string id = "T" + std::to_string(t) + "-" + std::to_string(i);
        if (client.Post("/api/v1/orders", Order(id, kKettle, 1 + (i % 2)).dump()).status == 201u) {
          ++created;
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  ASSERT_EQ(created.load(), kThreads * kOrdersEach);
  Reply list = User("sup").Get("/api/v1/orders?limit=1000");
  ASSERT_EQ(list.status, 200u);
  json orders = list.Json()["orders"];
  ASSERT_EQ(orders.size(), static_cast<size_t>(kThreads * kOrdersEach));
  int64_t reserved = 0;
  for (const json& order : orders) {
    EXPECT_LE(order["reserved"].get<int64_t>(), order["units"].get<int64_t>()) << order.dump();
    reserved += order["reserved"].get<int64_t>();
  }
  // Far more was ordered than is in stock: every unit is promised, none twice.
  EXPECT_EQ(reserved, kStock);
}

TEST_F(OrdersApiTest, ReleasePickPackShipThroughScansAndTheCutoffStatusFollows) {
  GivenStock(kKettle, 2);
  Client sup = User("sup");
  ASSERT_EQ(sup.Put("/api/v1/carriers/DPD", R"({"doors":["DOOR-01"]})").status, 200u);
  ASSERT_EQ(sup.Post("/api/v1/orders", Order("O-1", kKettle, 2).dump()).status, 201u);
  Client hh = Device("HH-01");
  EXPECT_EQ(Code(hh.Post("/api/v1/tasks/next", R"({"device":"HH-01"})")), "no_work");

  Reply release = sup.Post("/api/v1/release", "{}");
  ASSERT_EQ(release.status, 200u) << release.body;
  EXPECT_EQ(release.Json()["released"], json::array({"O-1"}));
  ASSERT_EQ(release.Json()["batches"].size(), 1u);
  EXPECT_TRUE(release.Json()["shortages"].empty());

  Reply other = hh.Post("/api/v1/tasks/next", R"({"device":"HH-02"})");
  EXPECT_EQ(other.status, 403u);
  EXPECT_EQ(Code(other), "device_mismatch");
  Reply next = hh.Post("/api/v1/tasks/next", R"({"device":"HH-01"})");
  ASSERT_EQ(next.status, 200u) << next.body;
  json batch = next.Json();
  EXPECT_EQ(batch["batch"], release.Json()["batches"][0]);
  EXPECT_EQ(batch["orders"][0], json({{"order", "O-1"}, {"tote", nullptr}, {"needs_tote", true}}));
  ASSERT_EQ(batch["tasks"].size(), 1u);
  EXPECT_EQ(batch["tasks"][0]["location"], kBin);
  EXPECT_EQ(batch["tasks"][0]["gtin"], kKettle);
  EXPECT_EQ(batch["tasks"][0]["quantity"], 2);

  ScanAll(hh, "HH-01", "pick",
          {ToteLabel("T0001"), LocationLabel(kBin), "(01)" + std::string(kKettle)});
  Reply half = hh.Post("/api/v1/tasks/next", R"({"device":"HH-01"})");
  ASSERT_EQ(half.status, 200u) << half.body;
  EXPECT_EQ(half.Json()["orders"][0]["tote"], "label:T0001");
  EXPECT_EQ(half.Json()["tasks"][0]["quantity"], 1);
  ScanAll(hh, "HH-01", "pick", {"(01)" + std::string(kKettle)});
  EXPECT_EQ(sup.Get("/api/v1/orders/O-1").Json()["status"], "picked");

  ScanAll(hh, "HH-01", "pack",
          {ToteLabel("T0001"), "(01)" + std::string(kKettle), "(01)" + std::string(kKettle),
           "(00)" + std::string(kParcel)});
  EXPECT_EQ(sup.Get("/api/v1/orders/O-1").Json()["status"], "packed");
  json amendment = Order("O-1", kKettle, 2);
  amendment.erase("id");
  Reply late = sup.Put("/api/v1/orders/O-1", amendment.dump());
  EXPECT_EQ(late.status, 409u);
  EXPECT_EQ(Code(late), "order_packed");

  ScanAll(hh, "HH-01", "ship", {LocationLabel("DOOR-01"), "(00)" + std::string(kParcel)});
  Reply shipped = sup.Get("/api/v1/orders/O-1");
  ASSERT_EQ(shipped.status, 200u);
  EXPECT_EQ(shipped.Json()["status"], "shipped");
  EXPECT_EQ(shipped.Json()["lines"][0]["shipped"], 2);
  EXPECT_EQ(shipped.Json()["parcels"][0]["parcel"], std::string("sscc:") + kParcel);
  EXPECT_EQ(shipped.Json()["parcels"][0]["shipped"], true);

  Reply cutoffs = sup.Get("/api/v1/cutoffs");
  ASSERT_EQ(cutoffs.status, 200u) << cutoffs.body;
  ASSERT_EQ(cutoffs.Json()["cutoffs"].size(), 1u);
  json group = cutoffs.Json()["cutoffs"][0];
  EXPECT_EQ(group["carrier"], "DPD");
  EXPECT_EQ(group["orders"], 1);
  EXPECT_EQ(group["units"], 2);
  EXPECT_EQ(group["released"], 2);
  EXPECT_EQ(group["picked"], 2);
  EXPECT_EQ(group["packed"], 2);
  EXPECT_EQ(group["shipped"], 2);
  EXPECT_EQ(group["work_left"], 0);
  EXPECT_EQ(group["at_risk"], false);
  EXPECT_TRUE(cutoffs.Json()["at_risk"].empty());

  // Throughput from the movement index: the units picked, packed and shipped in the last
  // hour project the next cut-off's work (3 units: pick, pack, ship of one cable).
  ASSERT_TRUE(
      server_.movements().WaitForSeq(server_.sequencer().last_seq(), std::chrono::seconds(10)));
  ASSERT_EQ(sup.Post("/api/v1/orders", Order("O-2", kCable, 1, 2 * kHour).dump()).status, 201u);
  json measured = sup.Get("/api/v1/cutoffs").Json();
  ASSERT_TRUE(measured["units_per_minute"].is_number()) << measured.dump();
  double per_minute = measured["units_per_minute"].get<double>();
  EXPECT_GT(per_minute, 0) << measured.dump();
  ASSERT_EQ(measured["cutoffs"].size(), 2u);
  json next_cutoff = measured["cutoffs"][1];
  EXPECT_EQ(next_cutoff["work_left"], 3);
  ASSERT_TRUE(next_cutoff["projected_completion"].is_string()) << measured.dump();
  auto projected = wire::ParseRfc3339Ms(next_cutoff["projected_completion"].get<std::string>());
  ASSERT_TRUE(projected.ok());
  EXPECT_NEAR(static_cast<double>(*projected - now_.load()), 3 / per_minute * 60'000, 1.0);
  EXPECT_EQ(next_cutoff["at_risk"], *projected > now_.load() + 2 * kHour);

  // A customer sends one kettle back, damaged: inspected, at the dock.
  json line = {
      {"gtin", kKettle}, {"quantity", 1}, {"reason", "damaged"}, {"disposition", "inspect"}};
  json back = {{"id", "R-1"}, {"order", "O-1"}, {"location", "DOCK-01"}, {"lines", {line}}};
  Reply returned = sup.Post("/api/v1/returns", back.dump());
  ASSERT_EQ(returned.status, 201u) << returned.body;
  EXPECT_EQ(returned.Json()["summary"],
            "Return R-1 of order O-1 at DOCK-01: 0 restocked, 1 to inspect, 0 scrapped.");
  json after = sup.Get("/api/v1/orders/O-1").Json();
  EXPECT_EQ(after["lines"][0]["returned"], 1);
  EXPECT_EQ(after["returns"][0], json({{"id", "R-1"}, {"location", "DOCK-01"}, {"lines", {line}}}));
  Reply dock = sup.Get("/api/v1/locations/" + LocationLabel("DOCK-01") + "/stock");
  ASSERT_EQ(dock.status, 200u) << dock.body;
  EXPECT_EQ(dock.Json()["flag"], "return_inspection") << dock.body;
  back["id"] = "R-2";
  back["lines"][0]["quantity"] = 2;
  EXPECT_EQ(Code(sup.Post("/api/v1/returns", back.dump())), "more_than_shipped");
  back["lines"][0]["disposition"] = "resell";
  EXPECT_EQ(Code(sup.Post("/api/v1/returns", back.dump())), "bad_field");
  EXPECT_EQ(User("worker").Post("/api/v1/returns", back.dump()).status, 403u);
}

TEST_F(OrdersApiTest, CutoffsListOrdersAtRiskWhenNothingIsMeasured) {
  Client sup = User("sup");
  ASSERT_EQ(sup.Post("/api/v1/orders", Order("LATE", kCable, 3, -kHour).dump()).status, 201u);
  ASSERT_EQ(sup.Post("/api/v1/orders", Order("SOON", kCable, 1, kHour).dump()).status, 201u);
  Reply cutoffs = sup.Get("/api/v1/cutoffs?at=" + testing::UrlEncode(Cutoff(0)));
  ASSERT_EQ(cutoffs.status, 200u) << cutoffs.body;
  json body = cutoffs.Json();
  EXPECT_EQ(body["units_per_minute"], 0.0);  // No pick, pack or ship in the last hour.
  ASSERT_EQ(body["cutoffs"].size(), 2u);
  EXPECT_EQ(body["cutoffs"][0]["units"], 3);
  EXPECT_EQ(body["cutoffs"][0]["work_left"], 9);
  EXPECT_EQ(body["cutoffs"][0]["projected_completion"], nullptr);
  EXPECT_EQ(body["at_risk"], json::array({"LATE", "SOON"}));
  EXPECT_EQ(Code(sup.Get("/api/v1/cutoffs?at=yesterday")), "bad_timestamp");
}

TEST_F(OrdersApiTest, ReceiptAgainstAnAsnReportsWhatDiffersWhenClosed) {
  Client sup = User("sup");
  json asn = {{"id", "ASN-7"},
              {"supplier", "ACME"},
              {"lines", json::array({{{"gtin", kKettle}, {"quantity", 2}},
                                     {{"gtin", kCable}, {"quantity", 1}}})},
              {"containers", json::array({kParcel})}};
  Reply expected = sup.Post("/api/v1/receipts", asn.dump());
  ASSERT_EQ(expected.status, 201u) << expected.body;
  EXPECT_EQ(Code(sup.Post("/api/v1/receipts", asn.dump())), "receipt_exists");

  Client hh = Device("HH-11");
  ScanAll(hh, "HH-11", "receive",
          {LocationLabel("DOCK-01"), std::string("(00)") + kParcel, std::string("(01)") + kKettle,
           std::string("(01)") + kKettle, std::string("(01)") + kKettle});
  Reply read = sup.Get("/api/v1/receipts/ASN-7");
  ASSERT_EQ(read.status, 200u) << read.body;
  EXPECT_EQ(read.Json()["lines"][0]["received"], 3);

  Reply closed = sup.Post("/api/v1/receipts/ASN-7/close", "");
  ASSERT_EQ(closed.status, 200u) << closed.body;
  EXPECT_EQ(
      closed.Json()["differences"],
      json::array({{{"gtin", kKettle}, {"expected", 2}, {"received", 3}, {"difference", 1}},
                   {{"gtin", kCable}, {"expected", 1}, {"received", 0}, {"difference", -1}}}));
  EXPECT_EQ(sup.Post("/api/v1/receipts/ASN-7/close", "").status, 409u);
  EXPECT_EQ(Code(sup.Get("/api/v1/receipts/NONE")), "no_such_receipt");
  json bad = asn;
  bad["id"] = "ASN-8";
  bad["containers"] = json::array({"095060000000000016"});  // Wrong check digit.
  EXPECT_EQ(sup.Post("/api/v1/receipts", bad.dump()).status, 400u);
}

TEST_F(OrdersApiTest, WorkloadPlanGivesStaffNeededPerZoneAndHour) {
  GivenStock(kKettle, 4);
  Client sup = User("sup");
  ASSERT_EQ(sup.Post("/api/v1/orders", Order("O-1", kKettle, 4, kHour / 2).dump()).status, 201u);
  ASSERT_EQ(sup.Post("/api/v1/release", "").status, 200u);  // Pick work now sits in kBin's zone.
  json request = {
      {"hours", 2}, {"standards", {{"pick", 900}}}, {"planned", {{"A", json::array({0.5, 1})}}}};
  Reply plan = sup.Post("/api/v1/workload", request.dump());
  ASSERT_EQ(plan.status, 200u) << plan.body;
  json zone = plan.Json()["zones"][0];
  EXPECT_EQ(zone["zone"], "A");
  EXPECT_EQ(zone["open_units"]["pick"], 4);
  EXPECT_EQ(zone["needed"], json::array({1.0, 0.0}));  // 4 units x 15 min, due this hour.
  EXPECT_EQ(zone["gap"], json::array({0.5, -1.0}));
  EXPECT_EQ(Code(sup.Post("/api/v1/workload", json{{"hours", 49}}.dump())), "bad_field");
  EXPECT_EQ(User("worker").Post("/api/v1/workload", "{}").status, 403u);
}

TEST_F(OrdersApiTest, ErrorsAnswerTheirReasons) {
  Client sup = User("sup");
  EXPECT_EQ(Code(sup.Get("/api/v1/orders/NOPE")), "no_such_order");
  EXPECT_EQ(sup.Get("/api/v1/orders/NOPE").status, 404u);
  EXPECT_EQ(Code(sup.Post("/api/v1/orders/NOPE/cancel", "")), "no_such_order");
  Reply bad = sup.Post("/api/v1/orders", "{\"id\":");
  EXPECT_EQ(bad.status, 400u);
  EXPECT_EQ(Code(bad), "bad_json");
  json extra = Order("X", kKettle, 1);
  extra["colour"] = "red";
  EXPECT_EQ(Code(sup.Post("/api/v1/orders", extra.dump())), "unknown_field");
  json no_lines = Order("X", kKettle, 1);
  no_lines["lines"] = json::array();
  EXPECT_EQ(Code(sup.Post("/api/v1/orders", no_lines.dump())), "no_lines");
  json bad_time = Order("X", kKettle, 1);
  bad_time["cutoff"] = "tomorrow";
  EXPECT_EQ(Code(sup.Post("/api/v1/orders", bad_time.dump())), "bad_timestamp");
  json unknown = Order("X", "09506000134390", 1);  // Valid, not in the layout.
  Reply unknown_reply = sup.Post("/api/v1/orders", unknown.dump());
  EXPECT_EQ(unknown_reply.status, 404u) << unknown_reply.body;
  EXPECT_EQ(Code(unknown_reply), "unknown_product");
  EXPECT_EQ(Code(sup.Post("/api/v1/orders", Order("X", "123", 1).dump())), "bad_gtin");
  json many = Order("X", kKettle, 1);
  for (int i = 0; i < 500; ++i) {
    many["lines"].push_back({{"gtin", kKettle}, {"quantity", 1}});
  }
  EXPECT_EQ(Code(sup.Post("/api/v1/orders", many.dump())), "too_many_lines");
  Reply huge = sup.Post("/api/v1/orders", std::string(300 << 10, ' '));
  EXPECT_EQ(huge.status, 413u);
  EXPECT_EQ(Code(huge), "body_too_large");
  EXPECT_EQ(Code(sup.Post("/api/v1/release", R"({"orders_per_batch":0})")), "bad_field");
  EXPECT_EQ(Code(sup.Put("/api/v1/carriers/DPD", R"({"doors":["A-01-001-1-1"]})")), "bad_door");
  EXPECT_EQ(sup.Get("/api/v1/orders").status, 200u);

  // Roles: workers and hr neither read nor place orders; devices only take tasks.
  for (const char* login : {"worker", "hr"}) {
    Client user = User(login);
    EXPECT_EQ(user.Get("/api/v1/orders").status, 403u) << login;
    EXPECT_EQ(Code(user.Post("/api/v1/orders", Order("W", kKettle, 1).dump())), "forbidden");
    EXPECT_EQ(user.Get("/api/v1/cutoffs").status, 403u) << login;
    EXPECT_EQ(user.Post("/api/v1/tasks/next", R"({"device":"HH-01"})").status, 403u) << login;
  }
  Client hh = Device("HH-01");
  EXPECT_EQ(hh.Post("/api/v1/orders", Order("D", kKettle, 1).dump()).status, 403u);
  EXPECT_EQ(hh.Post("/api/v1/release", "{}").status, 403u);
  EXPECT_EQ(Client(server_.port()).Get("/api/v1/orders").status, 401u);
  // A supervisor may ask on a device's behalf.
  EXPECT_EQ(Code(sup.Post("/api/v1/tasks/next", R"({"device":"HH-01"})")), "no_work");
  EXPECT_EQ(Code(sup.Post("/api/v1/tasks/next", R"({"device":"no device"})")), "bad_device");
}

// Directed putaway and counting over the API: the stow prompt proposes the bin already
// holding the product; requested counts list as open tasks, the count scan closes them.
TEST_F(OrdersApiTest, StowProposesABinAndCountsAreRequestedListedAndDone) {
  GivenStock(kKettle, 1);
  Client hh = Device("HH-91");
  ScanAll(hh, "HH-91", "receive", {LocationLabel("DOCK-01"), "(01)" + std::string(kKettle)});
  ScanAll(hh, "HH-91", "stow", {LocationLabel("DOCK-01")});
  json item = {{"id", "HH-91-stow"},
               {"device", "HH-91"},
               {"mode", "stow"},
               {"code", "(01)" + std::string(kKettle)}};
  Reply stow = hh.Post("/api/v1/scans", item.dump());
  ASSERT_EQ(stow.status, 200u) << stow.body;
  EXPECT_EQ(stow.Json()["prompt"],
            "Stow in A-01-001-1-1 (holds this product), or scan another bin.");

  Client sup = User("sup");
  Reply requested = sup.Post("/api/v1/counts", R"({"locations":["A-02-001-1-1","A-01-001-1-1"]})");
  ASSERT_EQ(requested.status, 200u) << requested.body;
  EXPECT_EQ(requested.Json()["requested"], json({"A-01-001-1-1", "A-02-001-1-1"}));
  Reply page = sup.Get("/api/v1/counts?zone=A&limit=1");
  ASSERT_EQ(page.status, 200u) << page.body;
  EXPECT_EQ(page.Json()["due"], 2);
  EXPECT_EQ(page.Json()["next"], "A-01-001-1-1");
  EXPECT_EQ(page.Json()["counts"][0], json({{"location", "A-01-001-1-1"},
                                            {"zone", "A"},
                                            {"type", "stow_bin"},
                                            {"reason", "count_requested"},
                                            {"units", 1}}));

  ScanAll(hh, "HH-91", "count",
          {LocationLabel("A-01-001-1-1"), "(01)" + std::string(kKettle),
           LocationLabel("A-01-001-1-1")});
  Reply after = sup.Get("/api/v1/counts");
  ASSERT_EQ(after.status, 200u) << after.body;
  EXPECT_EQ(after.Json()["due"], 1);
  EXPECT_EQ(after.Json()["counts"][0]["location"], "A-02-001-1-1");

  EXPECT_EQ(Code(sup.Post("/api/v1/counts", R"({"zone":"A","locations":["DOCK-01"]})")),
            "bad_count_request");
  EXPECT_EQ(Code(sup.Post("/api/v1/counts", R"({"locations":["NOPE-1"]})")), "unknown_location");
  EXPECT_EQ(Code(sup.Post("/api/v1/counts", R"({"locations":["DOOR-01"]})")), "not_countable");
  EXPECT_EQ(Code(sup.Post("/api/v1/counts", R"({"locations":"A-01-001-1-1"})")), "bad_field");
  EXPECT_EQ(Code(sup.Get("/api/v1/counts?limit=0")), "bad_limit");
  EXPECT_EQ(User("worker").Post("/api/v1/counts", R"({"zone":"A"})").status, 403u);
  EXPECT_EQ(hh.Get("/api/v1/counts").status, 403u);
}

// Replenishment over the API: levels on a pick face, the face below its min listed with its
// reserve source, the stow prompt refilling it, and the list empty once it is refilled.
TEST_F(OrdersApiTest, PickFaceBelowItsMinIsListedForReplenishment) {
  GivenStock(kKettle, 3);  // In kBin, a stow bin.
  Client sup = User("sup");
  // The small layout has no pick face: an admin adds one to the master data.
  Reply face = User("admin").Put("/api/v1/locations/P-01",
                                 R"({"zone":"A","type":"pick_face","capacity_units":10})");
  ASSERT_EQ(face.status / 100, 2u) << face.body;
  Reply levels =
      sup.Put("/api/v1/pick-faces/P-01", json({{"gtin", kKettle}, {"min", 2}, {"max", 5}}).dump());
  ASSERT_EQ(levels.status, 200u) << levels.body;
  Reply listed = sup.Get("/api/v1/replenishments");
  ASSERT_EQ(listed.status, 200u) << listed.body;
  json task = listed.Json()["tasks"][0];
  EXPECT_EQ(task["face"], "P-01");
  EXPECT_EQ(task["quantity"], 5);
  EXPECT_EQ(task["sources"][0],
            json({{"location", kBin}, {"lot", nullptr}, {"expiry", nullptr}, {"units", 3}}));
  EXPECT_EQ(task["missing"], 2);
  EXPECT_EQ(listed.Json()["next"], nullptr);
  EXPECT_EQ(Code(sup.Get("/api/v1/replenishments?limit=0")), "bad_limit");

  Client hh = Device("HH-92");
  ScanAll(hh, "HH-92", "pick", {ToteLabel("T0003"), LocationLabel(kBin)});
  ScanAll(hh, "HH-92", "pick", {"(01)" + std::string(kKettle), "(01)" + std::string(kKettle)});
  ScanAll(hh, "HH-92", "stow", {ToteLabel("T0003")});
  json item = {{"id", "HH-92-refill"},
               {"device", "HH-92"},
               {"mode", "stow"},
               {"code", "(01)" + std::string(kKettle)}};
  Reply prompt = hh.Post("/api/v1/scans", item.dump());
  ASSERT_EQ(prompt.status, 200u) << prompt.body;
  EXPECT_EQ(prompt.Json()["prompt"],
            "Stow in P-01 (pick face below its min), or scan another bin.");
  ScanAll(hh, "HH-92", "stow",
          {LocationLabel("P-01"), "(01)" + std::string(kKettle), LocationLabel("P-01")});
  EXPECT_TRUE(sup.Get("/api/v1/replenishments").Json()["tasks"].empty());

  EXPECT_EQ(Code(sup.Put("/api/v1/pick-faces/A-01-001-1-1",
                         json({{"gtin", kKettle}, {"min", 2}, {"max", 5}}).dump())),
            "not_a_pick_face");
  EXPECT_EQ(Code(sup.Put("/api/v1/pick-faces/P-01",
                         json({{"gtin", kKettle}, {"min", 5}, {"max", 5}}).dump())),
            "bad_levels");
  EXPECT_EQ(Code(sup.Put("/api/v1/pick-faces/P-01", R"({"gtin":"x","min":1,"max":2})")),
            "bad_gtin");
  EXPECT_EQ(User("worker").Get("/api/v1/replenishments").status, 403u);
  EXPECT_EQ(sup.Put("/api/v1/pick-faces/P-01", R"({"max":0})").status, 200u);
}

// --- loads and deliveries -----------------------------------------------------------------

class LoadsApiTest : public OrdersApiTest {
 protected:
  LoadsApiTest() { epcis_ = true; }

  // Given: order O-1 for one kettle picked and packed into kParcel by HH-01.
  void GivenPackedParcel() {
    GivenStock(kKettle, 1);
    Client sup = User("sup");
    ASSERT_EQ(sup.Post("/api/v1/orders", Order("O-1", kKettle, 1).dump()).status, 201u);
    ASSERT_EQ(sup.Post("/api/v1/release", "{}").status, 200u);
    Client hh = Device("HH-01");
    ASSERT_EQ(hh.Post("/api/v1/tasks/next", R"({"device":"HH-01"})").status, 200u);
    ScanAll(hh, "HH-01", "pick",
            {ToteLabel("T0001"), LocationLabel(kBin), "(01)" + std::string(kKettle)});
    ScanAll(hh, "HH-01", "pack",
            {ToteLabel("T0001"), "(01)" + std::string(kKettle), "(00)" + std::string(kParcel)});
  }
};

TEST_F(LoadsApiTest, ParcelsShippedWhileALoadIsOpenCarryItsBillOfLadingToEpcis) {
  ASSERT_NO_FATAL_FAILURE(GivenPackedParcel());
  Client sup = User("sup");
  const json load = {{"id", "BOL-4711"}, {"door", "DOOR-01"}, {"carrier", "DPD"}};
  Reply opened = sup.Post("/api/v1/loads", load.dump());
  ASSERT_EQ(opened.status, 201u) << opened.body;
  EXPECT_EQ(opened.Json()["status"], "open");
  EXPECT_EQ(Code(sup.Post("/api/v1/loads", load.dump())), "load_exists");
  EXPECT_EQ(Code(sup.Post("/api/v1/loads", R"({"id":"BOL-2","door":"DOOR-01"})")), "door_busy");
  EXPECT_EQ(Code(sup.Post("/api/v1/loads", R"({"id":"BOL-2","door":"DOCK-01"})")), "bad_door");
  EXPECT_EQ(User("worker").Post("/api/v1/loads", load.dump()).status, 403u);

  Client hh = Device("HH-01");
  ScanAll(hh, "HH-01", "ship", {LocationLabel("DOOR-01"), "(00)" + std::string(kParcel)});
  Reply carried = sup.Get("/api/v1/loads/BOL-4711");
  ASSERT_EQ(carried.status, 200u) << carried.body;
  EXPECT_EQ(carried.Json()["containers"],
            json::parse(R"([{"id": "sscc:095060000000000015", "order": "O-1"}])"));
  EXPECT_EQ(carried.Json()["container_count"], 1);

  Reply closed = sup.Post("/api/v1/loads/BOL-4711/close", "{}");
  ASSERT_EQ(closed.status, 200u) << closed.body;
  EXPECT_EQ(closed.Json()["status"], "departed");
  EXPECT_EQ(Code(sup.Post("/api/v1/loads/BOL-4711/close", "{}")), "load_closed");
  EXPECT_EQ(Code(sup.Post("/api/v1/loads/BOL-9/close", "{}")), "unknown_load");
  json departed = sup.Get("/api/v1/loads?status=departed").Json();
  ASSERT_EQ(departed["loads"].size(), 1u) << departed.dump();
  EXPECT_EQ(departed["loads"][0]["id"], "BOL-4711");
  EXPECT_FALSE(departed["loads"][0].contains("containers"));
  EXPECT_TRUE(sup.Get("/api/v1/loads?status=open").Json()["loads"].empty());
  EXPECT_EQ(Code(sup.Get("/api/v1/loads?status=gone")), "bad_status");

  // The site's own EPCIS shipping event names the bill of lading.
  Client admin = User("admin");
  ASSERT_TRUE(server_.epcis().WaitForSeq(server_.sequencer().last_seq(), std::chrono::seconds(10)));
  Reply events = admin.Get("/epcis/events?EQ_bizStep=shipping");
  ASSERT_EQ(events.status, 200u) << events.body;
  json list = events.Json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"];
  ASSERT_EQ(list.size(), 1u) << events.body;
  EXPECT_EQ(list[0]["bizTransactionList"][0]["type"], "bol");
  EXPECT_EQ(list[0]["bizTransactionList"][0]["bizTransaction"],
            "urn:entrepot:FR-TST1:bol:BOL-4711");
}

TEST_F(LoadsApiTest, DeliveriesConfirmedByHandMakeTheOrderDelivered) {
  ASSERT_NO_FATAL_FAILURE(GivenPackedParcel());
  Client sup = User("sup");
  const json proof = {{"parcels", {kParcel}}, {"by", "DPD"}, {"delivered", Cutoff(kHour)}};
  EXPECT_EQ(sup.Post("/api/v1/deliveries", proof.dump()).Json()["problems"][0]["reason"],
            "not_shipped");
  Client hh = Device("HH-01");
  ScanAll(hh, "HH-01", "ship", {LocationLabel("DOOR-01"), "(00)" + std::string(kParcel)});

  Reply delivered = sup.Post("/api/v1/deliveries", proof.dump());
  ASSERT_EQ(delivered.status, 200u) << delivered.body;
  EXPECT_EQ(delivered.Json()["delivered"], json::array({"sscc:095060000000000015"}));
  EXPECT_TRUE(delivered.Json()["seq"].is_number());
  json order = sup.Get("/api/v1/orders/O-1").Json();
  EXPECT_EQ(order["status"], "delivered");
  EXPECT_EQ(order["parcels"][0]["delivered_by"], "DPD");

  Reply again = sup.Post("/api/v1/deliveries", proof.dump());
  ASSERT_EQ(again.status, 200u) << again.body;
  EXPECT_EQ(again.Json()["problems"][0]["reason"], "already_delivered");
  EXPECT_TRUE(again.Json()["seq"].is_null());
  EXPECT_EQ(Code(sup.Post("/api/v1/deliveries", R"({"parcels":[],"by":"DPD"})")), "no_parcels");
  EXPECT_EQ(Code(sup.Post("/api/v1/deliveries", R"({"parcels":["12"],"by":"DPD"})")),
            "bad_container_id");
  EXPECT_EQ(User("worker").Post("/api/v1/deliveries", proof.dump()).status, 403u);
}

}  // namespace
}  // namespace entrepot
