// Master data, unit history and flow through the HTTP API, on a server in this process over
// real loopback connections with a temporary SQLite site, its movement index and accounts:
// an administrator adds a zone, a bin and a product while the site runs; handhelds use them
// at once; the unit's history and the flow per zone and process show what happened, without
// any device or worker trace (RET-01); each route answers only the roles it is for.
#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "entrepot/auth/account_store.h"
#include "entrepot/domain/labels.h"
#include "entrepot/server/movement_index.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "test_http.h"
#include "test_site.h"

namespace entrepot {
namespace {

using nlohmann::json;
using testing::Client;
using testing::Reply;
using testing::UrlEncode;

constexpr char kTeapot[] = "04000000000013";  // Not in testing::SmallLayoutToml.
constexpr int64_t kNow = 1'795'000'000'000;

std::string Label(const std::string& code) {
  return domain::FormatLabel(domain::LabelKind::kLocation, code);
}

class RecordsApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::TestServerOptions options;
    options.now_ms = [this] { return now_.load(); };
    options.users = {{"admin", auth::Role::kAdmin},
                     {"site_manager", auth::Role::kSiteManager},
                     {"supervisor", auth::Role::kSupervisor},
                     {"worker", auth::Role::kWorker}};
    options.devices = {"HH-01"};
    options.movement_index = true;
    ASSERT_NO_FATAL_FAILURE(server_.Start(dir_.path(), std::move(options)));
  }

  Client As(const std::string& login) { return server_.Login(login); }
  // Posts one scan of HH-01 made at kNow + offset seconds; returns its outcome.
  std::string ScanAt(int offset_s, const std::string& mode, const std::string& code) {
    Client client = server_.Device("HH-01");
    // No "at": the server stamps the scan with its clock, now_.
    json record = {{"id", "k-" + std::to_string(++scans_)},
                   {"device", "HH-01"},
                   {"mode", mode},
                   {"code", code}};
    now_ = kNow + offset_s * 1000;
    Reply reply = client.Post("/api/v1/scans", record.dump());
    EXPECT_EQ(reply.status, 200u) << reply.body;
    return reply.status == 200u ? reply.Json()["outcome"].get<std::string>() : "";
  }
  void WaitForIndex() {
    EXPECT_TRUE(
        server_.movements().WaitForSeq(server_.sequencer().last_seq(), std::chrono::seconds(10)));
  }

  testing::TempDir dir_;
  std::atomic<int64_t> now_{kNow};
  int scans_ = 0;
  testing::TestServer server_;
};

TEST_F(RecordsApiTest, AdminAddsMasterDataThatScansUseAtOnce) {
  Client admin = As("admin");
  Reply zone = admin.Put("/api/v1/zones/B", R"({"name":"Stow B"})");
  ASSERT_EQ(zone.status, 201u) << zone.body;
  EXPECT_EQ(zone.Json()["outcome"], "created");
  Reply bin = admin.Put("/api/v1/locations/B-01-001-1-1",
                        R"({"zone":"B","type":"stow_bin","capacity_units":2})");
  ASSERT_EQ(bin.status, 201u) << bin.body;
  Reply product = admin.Put(std::string("/api/v1/products/") + kTeapot,
                            R"({"description":"Teapot","home_zone":"B"})");
  ASSERT_EQ(product.status, 201u) << product.body;
  // The same body again changes nothing and writes nothing.
  Reply again = admin.Put("/api/v1/zones/B", R"({"name":"Stow B"})");
  ASSERT_EQ(again.status, 200u) << again.body;
  EXPECT_EQ(again.Json()["outcome"], "unchanged");
  EXPECT_TRUE(again.Json()["seq"].is_null());

  // Whoever reads stock reads master data; GET gives what PUT took.
  Client worker = As("worker");
  Reply read = worker.Get("/api/v1/locations/B-01-001-1-1");
  ASSERT_EQ(read.status, 200u) << read.body;
  EXPECT_EQ(read.Json()["zone"], "B");
  EXPECT_EQ(read.Json()["capacity_units"], 2);
  EXPECT_EQ(worker.Get("/api/v1/zones").Json()["zones"].size(), 4u);

  EXPECT_EQ(ScanAt(1, "receive", Label("DOCK-01")), "ok");
  EXPECT_EQ(ScanAt(2, "receive", std::string("(01)") + kTeapot), "ok");
  EXPECT_EQ(ScanAt(3, "stow", Label("DOCK-01")), "ok");
  EXPECT_EQ(ScanAt(4, "stow", std::string("(01)") + kTeapot), "ok");
  EXPECT_EQ(ScanAt(5, "stow", Label("B-01-001-1-1")), "ok");

  // Stock now holds the bin to its rules: no capacity below what it holds, no new type.
  Reply shrink = admin.Put("/api/v1/locations/B-01-001-1-1",
                           R"({"zone":"B","type":"stow_bin","capacity_units":0})");
  EXPECT_EQ(shrink.status, 200u) << shrink.body;  // 0 is unlimited.
  Reply retype = admin.Put("/api/v1/locations/B-01-001-1-1", R"({"zone":"B","type":"dock"})");
  EXPECT_EQ(retype.status, 409u) << retype.body;
  EXPECT_EQ(retype.Json()["error"]["code"], "location_in_use");
}

TEST_F(RecordsApiTest, MasterDataWritesAreTheAdministratorsAndBodiesAreChecked) {
  for (const char* role : {"site_manager", "supervisor", "worker"}) {
    Reply refused = As(role).Put("/api/v1/zones/C", R"({"name":"C"})");
    EXPECT_EQ(refused.status, 403u) << role;
  }
  Client device = server_.Device("HH-01");
  EXPECT_EQ(device.Put("/api/v1/zones/C", R"({"name":"C"})").status, 403u);

  Client admin = As("admin");
  Reply unknown_field = admin.Put("/api/v1/zones/C", R"({"name":"C","colour":"red"})");
  EXPECT_EQ(unknown_field.status, 400u);
  EXPECT_EQ(unknown_field.Json()["error"]["code"], "unknown_field");
  Reply no_zone =
      admin.Put("/api/v1/locations/Z-01-001-1-1", R"({"zone":"NOPE","type":"stow_bin"})");
  EXPECT_EQ(no_zone.status, 409u);
  EXPECT_EQ(no_zone.Json()["error"]["code"], "unknown_zone");
  Reply bad_gtin = admin.Put("/api/v1/products/09506000134360", R"({"description":"x"})");
  EXPECT_EQ(bad_gtin.status, 400u);
  EXPECT_EQ(bad_gtin.Json()["error"]["code"], "bad_check_digit");
  Reply text = admin.Send(boost::beast::http::verb::put, "/api/v1/zones/C", "name=C",
                          "application/x-www-form-urlencoded");
  EXPECT_EQ(text.status, 415u);
  EXPECT_EQ(admin.Get("/api/v1/zones/C").status, 404u);
}

TEST_F(RecordsApiTest, HistoryFollowsASerialAndFlowCountsItByZoneAndProcess) {
  const std::string unit = "(01)09506000134352(21)SN-0001";
  EXPECT_EQ(ScanAt(10, "receive", Label("DOCK-01")), "ok");
  EXPECT_EQ(ScanAt(11, "receive", unit), "ok");
  EXPECT_EQ(ScanAt(12, "stow", Label("DOCK-01")), "ok");
  EXPECT_EQ(ScanAt(13, "stow", unit), "ok");
  EXPECT_EQ(ScanAt(60, "stow", Label("A-01-001-1-1")), "ok");
  WaitForIndex();

  Client supervisor = As("supervisor");
  Reply history = supervisor.Get("/api/v1/units/" + UrlEncode(unit) + "/history");
  ASSERT_EQ(history.status, 200u) << history.body;
  json movements = history.Json()["movements"];
  ASSERT_EQ(movements.size(), 2u) << history.body;
  EXPECT_EQ(movements[0]["event"], "moved");  // Newest first.
  EXPECT_EQ(movements[0]["location"], "A-01-001-1-1");
  EXPECT_EQ(movements[0]["zone"], "A");
  EXPECT_EQ(movements[1]["event"], "received");
  EXPECT_EQ(movements[1]["serial"], "SN-0001");
  EXPECT_EQ(history.body.find("HH-"), std::string::npos) << "a device leaked: " << history.body;
  Reply page = supervisor.Get("/api/v1/units/" + UrlEncode(unit) + "/history?limit=1");
  ASSERT_EQ(page.status, 200u) << page.body;
  EXPECT_EQ(page.Json()["movements"].size(), 1u);

  Reply flow = supervisor.Get("/api/v1/flow?window=15m");
  ASSERT_EQ(flow.status, 200u) << flow.body;
  EXPECT_EQ(flow.Json()["totals"]["units"], 2);
  bool stowed_in_a = false;
  const json cells = flow.Json()["flows"];
  for (const json& cell : cells) {
    stowed_in_a |= cell["zone"] == "A" && cell["process"] == "stow" && cell["units"] == 1;
  }
  EXPECT_TRUE(stowed_in_a) << flow.body;
  // A window that ends before the stow does not see it (the server's clock is now_).
  now_ = kNow + 40'000;
  EXPECT_EQ(supervisor.Get("/api/v1/flow?window=1m").Json()["totals"]["units"], 1);

  EXPECT_EQ(supervisor.Get("/api/v1/flow?window=2d").Json()["error"]["code"], "bad_window");
  EXPECT_EQ(supervisor.Get("/api/v1/units/x/history?limit=0").status, 400u);
}

TEST_F(RecordsApiTest, HistoryAndFlowAreForThoseWhoRunTheFloor) {
  for (const char* role : {"admin", "site_manager", "supervisor"}) {
    EXPECT_EQ(As(role).Get("/api/v1/flow").status, 200u) << role;
  }
  EXPECT_EQ(As("worker").Get("/api/v1/flow").status, 403u);
  EXPECT_EQ(
      As("worker").Get("/api/v1/units/" + UrlEncode("(01)09506000134352") + "/history").status,
      403u);
  Client anonymous(server_.port());
  EXPECT_EQ(anonymous.Get("/api/v1/flow").status, 401u);
}

}  // namespace
}  // namespace entrepot
