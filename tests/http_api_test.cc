// The HTTP API over real loopback connections: a server on port 0 in this process with a
// temporary SQLite site, driven by a Beast client; and `entrepot serve` as a child process
// killed with SIGKILL while scans are posted, to check that every acknowledged scan is
// durable.
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "boost/asio/connect.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "entrepot/api/api_handler.h"
#include "entrepot/api/http_server.h"
#include "entrepot/api/openapi.h"
#include "entrepot/auth/account_store.h"
#include "entrepot/domain/labels.h"
#include "entrepot/domain/layout.h"
#include "entrepot/server/sequencer.h"
#include "entrepot/store/audit_log.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "test_http.h"
#include "test_site.h"

namespace entrepot {
namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using nlohmann::json;
using tcp = boost::asio::ip::tcp;
using testing::Client;
using testing::Reply;
using testing::UrlEncode;

constexpr char kKettle[] = "09506000134352";
constexpr char kSiteCode[] = "FR-TST1";  // The site of testing::SmallLayoutToml.

// The "device" field of a scan record.
std::string DeviceOf(const std::string& record) { return json::parse(record)["device"]; }

std::string Scan(const std::string& id, const std::string& mode, const std::string& code) {
  return json{{"id", id}, {"device", "HH-01"}, {"mode", mode}, {"code", code}}.dump();
}

std::string LocationLabel(const std::string& code) {
  return domain::FormatLabel(domain::LabelKind::kLocation, code);
}

class HttpApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::TestServerOptions options;
    options.now_ms = [this] { return now_.load(); };
    options.users = {{"admin", auth::Role::kAdmin}};
    options.devices = {"HH-01"};
    options.audit = true;
    ASSERT_NO_FATAL_FAILURE(server_.Start(dir_.path(), std::move(options)));
  }

  Client Device() { return server_.Device("HH-01"); }
  Client Admin() { return server_.Login("admin"); }

  testing::TempDir dir_;
  std::atomic<int64_t> now_{1'795'000'000'000};
  testing::TestServer server_;
};

TEST_F(HttpApiTest, ScanRoundTripAndReplayedIdReturnsTheFirstReply) {
  Client client = Device();
  ASSERT_TRUE(client.connected());
  Reply dock = client.Post("/api/v1/scans", Scan("a-1", "receive", LocationLabel("DOCK-01")));
  ASSERT_EQ(dock.status, 200u) << dock.body;
  EXPECT_EQ(dock.Json()["outcome"], "ok");
  EXPECT_TRUE(dock.keep_alive);
  Reply item = client.Post("/api/v1/scans", Scan("a-2", "receive", "(01)" + std::string(kKettle)));
  ASSERT_EQ(item.status, 200u);
  json first = item.Json();
  EXPECT_EQ(first["outcome"], "ok");
  EXPECT_EQ(first["seq"], dock.Json()["seq"].get<uint64_t>() + 1);
  EXPECT_EQ(first["replayed"], false);
  for (const char* field : {"message", "prompt"}) {
    EXPECT_TRUE(first[field].is_string()) << field;
  }
  // Same id, even with another code: the first reply, unchanged, and nothing new journaled.
  Reply again = client.Post("/api/v1/scans", Scan("a-2", "receive", "(01)09506000134369"));
  ASSERT_EQ(again.status, 200u);
  json replayed = again.Json();
  EXPECT_EQ(replayed["replayed"], true);
  EXPECT_EQ(replayed["seq"], first["seq"]);
  EXPECT_EQ(replayed["outcome"], first["outcome"]);
  EXPECT_EQ(replayed["message"], first["message"]);
  EXPECT_EQ(testing::JournalKeys(dir_.path())["a-2"], 1);
  // A scan whose outcome is a refusal is still processed: 200 with the outcome.
  Reply unknown = client.Post("/api/v1/scans", Scan("a-3", "receive", "nonsense"));
  ASSERT_EQ(unknown.status, 200u);
  EXPECT_EQ(unknown.Json()["outcome"], "unknown_code");
}

TEST_F(HttpApiTest, MalformedScansGetErrorBodies) {
  Client client = Device();
  Reply bad_json = client.Post("/api/v1/scans", "{nope");
  EXPECT_EQ(bad_json.status, 400u);
  EXPECT_EQ(bad_json.Json()["error"]["code"], "bad_json");
  Reply bad_mode = client.Post("/api/v1/scans", Scan("m-1", "dance", "x"));
  EXPECT_EQ(bad_mode.status, 400u);
  EXPECT_EQ(bad_mode.Json()["error"]["code"], "bad_mode");
  Reply missing = client.Post("/api/v1/scans", R"({"id":"m-2","device":"HH"})");
  EXPECT_EQ(missing.Json()["error"]["code"], "missing_field");
  Reply form = client.Send(http::verb::post, "/api/v1/scans", Scan("m-3", "receive", "x"),
                           "application/x-www-form-urlencoded");
  EXPECT_EQ(form.status, 415u);
  EXPECT_EQ(form.Json()["error"]["code"], "unsupported_media_type");
  Reply big = client.Post("/api/v1/scans", std::string(9000, ' '));
  EXPECT_EQ(big.status, 413u);
  EXPECT_EQ(big.Json()["error"]["code"], "body_too_large");
  EXPECT_TRUE(testing::JournalKeys(dir_.path()).empty());
}

TEST_F(HttpApiTest, BatchAnswersEveryLineInOrder) {
  Client client = Device();
  std::string body = Scan("b-1", "receive", LocationLabel("DOCK-01")) + "\n" + "{broken\n" + "\n" +
                     Scan("b-2", "receive", "(01)" + std::string(kKettle)) + "\r\n" +
                     Scan("b-3", "teleport", "x") + "\n" +
                     Scan("b-4", "receive", "(01)" + std::string(kKettle));
  Reply reply = client.Send(http::verb::post, "/api/v1/scans/batch", body, "application/x-ndjson");
  ASSERT_EQ(reply.status, 200u) << reply.body;
  std::vector<json> lines;
  std::istringstream in(reply.body);
  for (std::string line; std::getline(in, line);) {
    lines.push_back(json::parse(line));
  }
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0]["line"], 1);
  EXPECT_EQ(lines[0]["outcome"], "ok");
  EXPECT_EQ(lines[1]["line"], 2);
  EXPECT_EQ(lines[1]["error"]["code"], "bad_json");
  EXPECT_EQ(lines[2]["line"], 4);
  EXPECT_EQ(lines[2]["outcome"], "ok");
  EXPECT_EQ(lines[3]["line"], 5);
  EXPECT_EQ(lines[3]["error"]["code"], "bad_mode");
  EXPECT_EQ(lines[4]["line"], 6);
  EXPECT_EQ(lines[4]["seq"], lines[2]["seq"].get<uint64_t>() + 1);
  // The three valid lines went into one commit.
  EXPECT_EQ(server_.sequencer().stats().batches, 1u);
  auto keys = testing::JournalKeys(dir_.path());
  EXPECT_EQ(keys.size(), 3u);
}

TEST_F(HttpApiTest, BatchLimitsAnswer413) {
  Client client = Device();
  std::string lines;
  for (size_t i = 0; i <= api::kMaxBatchLines; ++i) {
    lines += "{}\n";
  }
  Reply too_many =
      client.Send(http::verb::post, "/api/v1/scans/batch", lines, "application/x-ndjson");
  EXPECT_EQ(too_many.status, 413u);
  EXPECT_EQ(too_many.Json()["error"]["code"], "too_many_lines");
  // Refused from the Content-Length alone, before the body is sent, and the connection closed.
  boost::asio::io_context context;
  tcp::socket socket(context);
  socket.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), server_.port()));
  std::string header =
      "POST /api/v1/scans/batch HTTP/1.1\r\nHost: x\r\nContent-Type: "
      "application/x-ndjson\r\nContent-Length: " +
      std::to_string(api::kMaxBodyBytes + 1) + "\r\n\r\n";
  boost::asio::write(socket, boost::asio::buffer(header));
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  beast::error_code error;
  http::read(socket, buffer, response, error);
  ASSERT_FALSE(error) << error.message();
  EXPECT_EQ(response.result_int(), 413u);
  EXPECT_EQ(json::parse(response.body())["error"]["code"], "body_too_large");
  EXPECT_FALSE(response.keep_alive());
}

TEST_F(HttpApiTest, StockQueriesSeeAcknowledgedScans) {
  Client client = Device();
  std::string body = Scan("q-1", "receive", LocationLabel("DOCK-01")) + "\n" +
                     Scan("q-2", "receive", "(01)" + std::string(kKettle)) + "\n" +
                     Scan("q-3", "receive", "(01)" + std::string(kKettle)) + "\n";
  ASSERT_EQ(
      client.Send(http::verb::post, "/api/v1/scans/batch", body, "application/x-ndjson").status,
      200u);
  Reply by_code = client.Get("/api/v1/locations/DOCK-01/stock");
  ASSERT_EQ(by_code.status, 200u) << by_code.body;
  EXPECT_EQ(by_code.Json()["units"], 2);
  EXPECT_EQ(by_code.Json()["stock"][0]["gtin"], kKettle);
  Reply by_label =
      client.Get("/api/v1/locations/" + UrlEncode(LocationLabel("DOCK-01")) + "/stock");
  EXPECT_EQ(by_label.body, by_code.body);
  Reply product = client.Get("/api/v1/products/" + std::string(kKettle) + "/stock");
  ASSERT_EQ(product.status, 200u);
  EXPECT_EQ(product.Json()["units"], 2);
  EXPECT_EQ(product.Json()["stock"][0]["location"], "DOCK-01");
  std::string tote = domain::FormatLabel(domain::LabelKind::kContainer, "T0001");
  Reply container = client.Get("/api/v1/containers/" + UrlEncode(tote));
  ASSERT_EQ(container.status, 200u) << container.body;
  EXPECT_EQ(container.Json()["type"], "tote");
  Reply summary = client.Get("/api/v1/stock");
  ASSERT_EQ(summary.status, 200u);
  EXPECT_EQ(summary.Json()["units_on_hand"], 2);
  EXPECT_EQ(summary.Json()["units_received"], 2);

  Reply unknown = client.Get("/api/v1/locations/NOWHERE/stock");
  EXPECT_EQ(unknown.status, 404u);
  EXPECT_EQ(unknown.Json()["error"]["code"], "unknown_location");
  Reply bad_gtin = client.Get("/api/v1/products/123/stock");
  EXPECT_EQ(bad_gtin.status, 400u);
  Reply no_container = client.Get("/api/v1/containers/label%3AT9999");
  EXPECT_EQ(no_container.status, 404u);
  EXPECT_EQ(no_container.Json()["error"]["code"], "unknown_container");
}

TEST_F(HttpApiTest, UnknownRoutesAndWrongMethods) {
  Client client(server_.port());
  Reply missing = client.Get("/api/v2/stock");
  EXPECT_EQ(missing.status, 404u);
  EXPECT_EQ(missing.Json()["error"]["code"], "not_found");
  Reply wrong = client.Send(http::verb::delete_, "/api/v1/stock");
  EXPECT_EQ(wrong.status, 405u);
  EXPECT_EQ(wrong.allow, "GET");
  EXPECT_EQ(wrong.Json()["error"]["code"], "method_not_allowed");
  Reply get_scans = client.Get("/api/v1/scans");
  EXPECT_EQ(get_scans.status, 405u);
  EXPECT_EQ(get_scans.allow, "POST");
  Reply bad_escape = client.Get("/api/v1/containers/%zz");
  EXPECT_EQ(bad_escape.status, 400u);
  EXPECT_EQ(bad_escape.Json()["error"]["code"], "bad_path");
}

TEST_F(HttpApiTest, OversizedHeadersAndMalformedHttp) {
  Client client(server_.port());
  Reply huge = client.Send(http::verb::get, "/healthz?" + std::string(api::kMaxHeaderBytes, 'x'));
  EXPECT_EQ(huge.status, 431u);
  EXPECT_EQ(huge.Json()["error"]["code"], "headers_too_large");

  boost::asio::io_context context;
  tcp::socket socket(context);
  socket.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), server_.port()));
  std::string garbage = "NOT HTTP AT ALL\r\n\r\n";
  boost::asio::write(socket, boost::asio::buffer(garbage));
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  beast::error_code error;
  http::read(socket, buffer, response, error);
  ASSERT_FALSE(error) << error.message();
  EXPECT_EQ(response.result_int(), 400u);
  EXPECT_NE(response.body().find("bad_request"), std::string::npos);
  // The server is still fine.
  EXPECT_EQ(Client(server_.port()).Get("/healthz").status, 200u);
}

TEST_F(HttpApiTest, HealthAndMetrics) {
  Client client = Device();
  Client admin = Admin();
  Reply health = client.Get("/healthz");
  ASSERT_EQ(health.status, 200u);
  EXPECT_EQ(health.Json()["status"], "ok");
  EXPECT_EQ(health.Json()["last_seq"], server_.sequencer().last_seq());
  ASSERT_EQ(client.Post("/api/v1/scans", Scan("h-1", "receive", LocationLabel("DOCK-01"))).status,
            200u);
  EXPECT_EQ(client.Get("/healthz").Json()["last_seq"], server_.sequencer().last_seq());
  client.Get("/nope");
  EXPECT_EQ(client.Get("/metrics").status, 403u);  // Devices do not read metrics.
  Reply metrics = admin.Get("/metrics");
  ASSERT_EQ(metrics.status, 200u);
  for (const char* expected :
       {"entrepot_http_requests_total{route=\"/api/v1/scans\",status=\"200\"} 1\n",
        "entrepot_http_requests_total{route=\"/healthz\",status=\"200\"} 2\n",
        "entrepot_http_requests_total{route=\"unmatched\",status=\"404\"} 1\n",
        "entrepot_http_request_duration_seconds_count{route=\"/api/v1/scans\"} 1\n",
        "entrepot_commit_commands_count 1\n", "entrepot_commit_duration_seconds_count 1\n",
        "entrepot_sequencer_queue_depth 0\n", "entrepot_healthy 1\n",
        "entrepot_scans_total{outcome=\"ok\"} 1\n"}) {
    EXPECT_NE(metrics.body.find(expected), std::string::npos) << expected << metrics.body;
  }
}

TEST_F(HttpApiTest, ServesTheOpenApiDocumentWithoutAToken) {
  Client anonymous(server_.port());
  Reply document = anonymous.Get("/api/v1/openapi.json");
  ASSERT_EQ(document.status, 200u) << document.body;
  EXPECT_EQ(document.content_type, "application/json");
  EXPECT_EQ(document.body, api::OpenApiDocument());
  EXPECT_EQ(document.Json()["openapi"], "3.0.3");
}

TEST_F(HttpApiTest, WithoutAnEventFeedTheEventRouteIsUnavailable) {
  // This fixture's handler has no api::EventRoutes (tests/events_api_test.cc covers the feed).
  Reply events = Admin().Get("/api/v1/events");
  EXPECT_EQ(events.status, 503u);
  EXPECT_EQ(events.Json()["error"]["code"], "events_unavailable");
  EXPECT_EQ(Device().Get("/api/v1/events").status, 403u);  // Authorised first.
}

TEST_F(HttpApiTest, ConcurrentClientsAreAllAcknowledgedOnce) {
  constexpr int kThreads = 4;
  constexpr int kScansPerThread = 500;
  std::vector<std::string> stream = testing::ScanStream(kThreads * kScansPerThread, 7);
  std::atomic<int> acknowledged{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Client client(server_.port());
      for (int i = t; i < kThreads * kScansPerThread; i += kThreads) {
        client.token = server_.DeviceToken(DeviceOf(stream[static_cast<size_t>(i)]));
        Reply reply = client.Post("/api/v1/scans", stream[static_cast<size_t>(i)]);
        EXPECT_EQ(reply.status, 200u) << reply.body;
        acknowledged += reply.status == 200u ? 1 : 0;
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(acknowledged.load(), kThreads * kScansPerThread);
  auto keys = testing::JournalKeys(dir_.path());
  EXPECT_EQ(keys.size(), size_t{kThreads * kScansPerThread});
  for (const auto& [key, count] : keys) {
    EXPECT_EQ(count, 1) << key;
  }
  server::SequencerStats stats = server_.sequencer().stats();
  std::cout << "batches " << stats.batches << " for " << stats.commands << " scans\n";
}

TEST_F(HttpApiTest, LoginGivesATokenForQueriesAndLogoutRevokesIt) {
  Client client(server_.port());
  Reply login = client.Post("/api/v1/login",
                            json{{"login", "admin"}, {"password", testing::kTestPassword}}.dump());
  ASSERT_EQ(login.status, 200u) << login.body;
  EXPECT_EQ(login.Json()["role"], "admin");
  EXPECT_EQ(login.Json()["expires_at"], now_.load() + auth::kDefaultSessionTtlMs);
  client.token = login.Json()["token"];
  EXPECT_EQ(client.Get("/api/v1/stock").status, 200u);
  Reply me = client.Get("/api/v1/me");
  ASSERT_EQ(me.status, 200u);
  EXPECT_EQ(me.Json()["login"], "admin");
  EXPECT_EQ(me.Json()["kind"], "user");
  EXPECT_EQ(me.Json()["scope"], json::array({"*"}));
  EXPECT_EQ(client.Post("/api/v1/logout", "").status, 200u);
  Reply after = client.Get("/api/v1/stock");
  EXPECT_EQ(after.status, 401u);
  EXPECT_EQ(after.Json()["error"]["code"], "unauthenticated");
  EXPECT_EQ(after.www_authenticate, "Bearer realm=\"entrepot\"");
}

TEST_F(HttpApiTest, MissingBadOrExpiredTokensGet401) {
  Client anonymous(server_.port());
  for (const char* target : {"/api/v1/stock", "/api/v1/me", "/api/v1/users", "/metrics"}) {
    Reply reply = anonymous.Get(target);
    EXPECT_EQ(reply.status, 401u) << target;
    EXPECT_EQ(reply.Json()["error"]["code"], "unauthenticated") << target;
    EXPECT_EQ(reply.www_authenticate, "Bearer realm=\"entrepot\"") << target;
  }
  Reply scan = anonymous.Post("/api/v1/scans", Scan("u-1", "receive", "x"));
  EXPECT_EQ(scan.status, 401u);
  anonymous.token = "not-a-token";
  EXPECT_EQ(anonymous.Get("/api/v1/stock").status, 401u);
  EXPECT_EQ(anonymous.Get("/healthz").status, 200u);  // Open to all.
  Client admin = Admin();
  EXPECT_EQ(admin.Get("/api/v1/stock").status, 200u);
  now_ += auth::kDefaultSessionTtlMs;
  Reply expired = admin.Get("/api/v1/stock");
  EXPECT_EQ(expired.status, 401u);
  EXPECT_NE(expired.Json()["error"]["message"].get<std::string>().find("expired"),
            std::string::npos);
  EXPECT_TRUE(testing::JournalKeys(dir_.path()).empty());
}

TEST_F(HttpApiTest, EveryRoleSeesOnlyItsRoutes) {
  Client admin = Admin();
  const std::string password = "password of every role";
  for (const char* role : {"site_manager", "supervisor", "hr", "dpo", "worker"}) {
    Reply created = admin.Post(
        "/api/v1/users", json{{"login", role}, {"role", role}, {"password", password}}.dump());
    ASSERT_EQ(created.status, 201u) << created.body;
    EXPECT_EQ(created.Json()["scope"], json::array({kSiteCode}));  // Defaults to this site.
  }
  struct Case {
    const char* role;
    unsigned stock, metrics, users;
  };
  for (const Case& expected :
       {Case{"site_manager", 200, 200, 403}, Case{"supervisor", 200, 403, 403},
        Case{"hr", 403, 403, 403}, Case{"dpo", 403, 403, 403}, Case{"worker", 200, 403, 403}}) {
    Client client = server_.Login(expected.role, password);
    EXPECT_EQ(client.Get("/api/v1/stock").status, expected.stock) << expected.role;
    EXPECT_EQ(client.Get("/metrics").status, expected.metrics) << expected.role;
    Reply users = client.Get("/api/v1/users");
    EXPECT_EQ(users.status, expected.users) << expected.role;
    EXPECT_EQ(users.Json()["error"]["code"], "forbidden");
    EXPECT_NE(users.Json()["error"]["message"].get<std::string>().find("admin"), std::string::npos);
    EXPECT_EQ(client.Post("/api/v1/users", "{}").status, 403u) << expected.role;
    EXPECT_EQ(client.Post("/api/v1/devices", R"({"name":"HH-99"})").status, 403u);
    EXPECT_EQ(client.Post("/api/v1/scans", Scan("r-1", "receive", "x")).status, 403u);
    EXPECT_EQ(client.Get("/api/v1/me").status, 200u) << expected.role;
  }
  // Admins do not scan either: scans come from devices.
  EXPECT_EQ(admin.Post("/api/v1/scans", Scan("r-2", "receive", "x")).status, 403u);
  // A site manager of another site is refused here.
  ASSERT_EQ(admin.Patch("/api/v1/users/site_manager", R"({"scope":["PL-WRO1"]})").status, 200u);
  Reply other = server_.Login("site_manager", password).Get("/api/v1/stock");
  EXPECT_EQ(other.status, 403u);
  EXPECT_NE(other.body.find("scope"), std::string::npos);
  EXPECT_TRUE(testing::JournalKeys(dir_.path()).empty());
}

TEST_F(HttpApiTest, ScansNeedTheTokenOfTheDeviceTheyNameAndDevicesCanBeRevoked) {
  Client device = Device();
  Reply other = device.Post(
      "/api/v1/scans",
      json{{"id", "d-1"}, {"device", "HH-02"}, {"mode", "receive"}, {"code", "x"}}.dump());
  EXPECT_EQ(other.status, 403u);
  EXPECT_EQ(other.Json()["error"]["code"], "device_mismatch");
  std::string batch =
      Scan("d-2", "receive", LocationLabel("DOCK-01")) + "\n" +
      json{{"id", "d-3"}, {"device", "HH-02"}, {"mode", "receive"}, {"code", "x"}}.dump() + "\n";
  Reply lines = device.Send(http::verb::post, "/api/v1/scans/batch", batch, "application/x-ndjson");
  ASSERT_EQ(lines.status, 200u);
  EXPECT_NE(lines.body.find("\"outcome\":\"ok\""), std::string::npos) << lines.body;
  EXPECT_NE(lines.body.find("device_mismatch"), std::string::npos) << lines.body;
  EXPECT_EQ(testing::JournalKeys(dir_.path()).size(), 1u);
  // Registered and revoked by an admin over the API.
  Client admin = Admin();
  Reply added = admin.Post("/api/v1/devices", R"({"name":"HH-09"})");
  ASSERT_EQ(added.status, 201u) << added.body;
  EXPECT_EQ(admin.Post("/api/v1/devices", R"({"name":"HH-09"})").Json()["error"]["code"],
            "device_name_taken");
  Client handheld(server_.port());
  handheld.token = added.Json()["token"];
  Reply scan = handheld.Post(
      "/api/v1/scans",
      json{{"id", "d-4"}, {"device", "HH-09"}, {"mode", "receive"}, {"code", "x"}}.dump());
  EXPECT_EQ(scan.status, 200u) << scan.body;
  std::string id = std::to_string(added.Json()["id"].get<int64_t>());
  EXPECT_EQ(handheld.Delete("/api/v1/devices/" + id).status, 403u);
  EXPECT_EQ(handheld.Post("/api/v1/logout", "").status, 403u);
  EXPECT_EQ(admin.Delete("/api/v1/devices/" + id).status, 200u);
  EXPECT_EQ(admin.Delete("/api/v1/devices/" + id).status, 404u);
  EXPECT_EQ(admin.Delete("/api/v1/devices/abc").status, 404u);
  Reply revoked = handheld.Post(
      "/api/v1/scans",
      json{{"id", "d-5"}, {"device", "HH-09"}, {"mode", "receive"}, {"code", "x"}}.dump());
  EXPECT_EQ(revoked.status, 401u);
}

// RET-03: every request for personal data leaves a chained record, refusals included; the
// operational routes leave none (they carry no worker identity).
TEST_F(HttpApiTest, PersonalDataRequestsAreAuditedAndOperationalOnesAreNot) {
  Client admin = Admin();
  ASSERT_EQ(admin.Get("/api/v1/users").status, 200u);
  ASSERT_EQ(
      admin
          .Post("/api/v1/users",
                json{{"login", "w.two"}, {"role", "worker"}, {"password", "worker password 2"}}
                    .dump())
          .status,
      201u);
  Client worker = server_.Login("w.two", "worker password 2");
  ASSERT_EQ(worker.Get("/api/v1/me").status, 200u);
  EXPECT_EQ(worker.Get("/api/v1/users").status, 403u);
  EXPECT_EQ(Client(server_.port()).Patch("/api/v1/users/w.two", "{}").status, 401u);
  ASSERT_EQ(worker.Get("/api/v1/stock").status, 200u);
  ASSERT_EQ(Device().Get("/api/v1/me").status, 200u);

  auto page = server_.audit().Query({});
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  std::vector<std::string> seen;
  for (const store::StoredAuditRecord& stored : page->records) {
    const privacy::AuditRecord& r = stored.record;
    seen.push_back(std::string(privacy::PrincipalKindName(r.actor_kind)) + " " + r.actor + " " +
                   r.action + " " + r.subject + " " + r.resource + " " +
                   std::string(privacy::AuditOutcomeName(r.outcome)) + " " + r.reason);
  }
  EXPECT_EQ(seen, (std::vector<std::string>{
                      "user admin read * GET /api/v1/users allowed ",
                      "user admin create w.two POST /api/v1/users allowed ",
                      "user w.two read w.two GET /api/v1/me allowed ",
                      "user w.two read * GET /api/v1/users refused forbidden",
                      "anonymous  update w.two PATCH /api/v1/users/w.two refused unauthenticated",
                  }));
  auto verified = server_.audit().Verify();
  ASSERT_TRUE(verified.ok()) << verified.status().ToString();
  EXPECT_TRUE(verified->intact()) << verified->message;
  EXPECT_EQ(verified->records, 5u);
}

TEST_F(HttpApiTest, UserManagementNeverShowsPasswordHashes) {
  Client admin = Admin();
  std::vector<std::string> bodies;
  auto keep = [&](const Reply& reply) {
    bodies.push_back(reply.body);
    return reply;
  };
  const std::string password = "worker password 1";
  Reply created = keep(admin.Post("/api/v1/users", json{{"login", "w.one"},
                                                        {"name", "Worker One"},
                                                        {"role", "worker"},
                                                        {"password", password},
                                                        {"badge", "BADGE-42"}}
                                                       .dump()));
  ASSERT_EQ(created.status, 201u) << created.body;
  EXPECT_EQ(created.Json()["has_badge"], true);
  EXPECT_EQ(
      keep(admin.Post("/api/v1/users",
                      json{{"login", "w.one"}, {"role", "worker"}, {"password", password}}.dump()))
          .status,
      409u);
  Reply weak =
      keep(admin.Post("/api/v1/users", R"({"login":"w.two","role":"worker","password":"short"})"));
  EXPECT_EQ(weak.status, 400u);
  EXPECT_EQ(weak.Json()["error"]["code"], "weak_password");
  EXPECT_EQ(keep(admin.Post("/api/v1/users", R"({"login":"w.two","role":"boss","password":"x"})"))
                .Json()["error"]["code"],
            "bad_role");
  EXPECT_EQ(keep(admin.Post("/api/v1/users", "[1]")).Json()["error"]["code"], "bad_json");
  Reply list = keep(admin.Get("/api/v1/users"));
  ASSERT_EQ(list.status, 200u);
  EXPECT_EQ(list.Json()["users"].size(), 2u);
  Client worker = server_.Login("w.one", password);
  keep(worker.Get("/api/v1/me"));
  Reply disabled = keep(admin.Patch("/api/v1/users/w.one", R"({"disabled":true})"));
  ASSERT_EQ(disabled.status, 200u) << disabled.body;
  EXPECT_EQ(disabled.Json()["disabled"], true);
  EXPECT_EQ(worker.Get("/api/v1/stock").status, 401u);
  Reply refused =
      keep(Client(server_.port())
               .Post("/api/v1/login", json{{"login", "w.one"}, {"password", password}}.dump()));
  EXPECT_EQ(refused.status, 401u);
  EXPECT_EQ(refused.Json()["error"]["code"], "bad_credentials");
  EXPECT_TRUE(refused.www_authenticate.empty());
  EXPECT_EQ(keep(admin.Patch("/api/v1/users/nobody", R"({"disabled":true})")).status, 404u);
  EXPECT_EQ(keep(admin.Patch("/api/v1/users/w.one", R"({"disabled":"yes"})")).status, 400u);
  for (const std::string& body : bodies) {
    EXPECT_EQ(body.find("argon2"), std::string::npos) << body;
    EXPECT_EQ(body.find(password), std::string::npos) << body;
    EXPECT_EQ(body.find("BADGE-42"), std::string::npos) << body;
    EXPECT_EQ(body.find("hash"), std::string::npos) << body;
  }
}

TEST_F(HttpApiTest, LoginFailuresAreUniformAndLimited) {
  Client client(server_.port());
  Reply unknown =
      client.Post("/api/v1/login", R"({"login":"ghost","password":"whatever password"})");
  Reply wrong = client.Post("/api/v1/login", R"({"login":"admin","password":"wrong password!"})");
  EXPECT_EQ(unknown.status, 401u);
  EXPECT_EQ(wrong.status, 401u);
  EXPECT_EQ(unknown.body, wrong.body);
  for (int i = 1; i < auth::kDefaultLoginAttemptsPerMinute; ++i) {
    EXPECT_EQ(
        client.Post("/api/v1/login", R"({"login":"admin","password":"wrong password!"})").status,
        401u);
  }
  Reply limited = client.Post(
      "/api/v1/login", json{{"login", "admin"}, {"password", testing::kTestPassword}}.dump());
  EXPECT_EQ(limited.status, 429u);
  EXPECT_EQ(limited.Json()["error"]["code"], "too_many_attempts");
  now_ += 60'000;
  Admin();  // Succeeds again a minute later.
  EXPECT_EQ(client.Post("/api/v1/login", R"({"login":"admin"})").Json()["error"]["code"],
            "missing_field");
}

TEST_F(HttpApiTest, BadgeSignInStaysInTheAccountStore) {
  Client admin = Admin();
  ASSERT_EQ(admin
                .Post("/api/v1/users", json{{"login", "marie.k"},
                                            {"role", "worker"},
                                            {"password", "worker password 2"},
                                            {"badge", "BADGE-77"}}
                                           .dump())
                .status,
            201u);
  Client device = Device();
  EXPECT_EQ(device.Post("/api/v1/devices/session", R"({"badge":"BADGE-00"})").status, 404u);
  Reply signed_in = device.Post("/api/v1/devices/session", R"({"badge":"BADGE-77"})");
  ASSERT_EQ(signed_in.status, 200u) << signed_in.body;
  EXPECT_EQ(signed_in.Json()["signed_in"], true);
  auto me = device.Get("/api/v1/me").Json();
  EXPECT_EQ(me["kind"], "device");
  auto session = server_.accounts().CurrentDeviceSession(me["id"].get<int64_t>());
  ASSERT_TRUE(session.ok() && session->has_value());
  // TRN-01: the worker acknowledges the notice before the device scans for them.
  EXPECT_EQ(signed_in.Json()["notice"]["acknowledged"], false);
  ASSERT_EQ(device
                .Post("/api/v1/devices/session/acknowledge",
                      json{{"version", signed_in.Json()["notice"]["version"]}}.dump())
                .status,
            200u);
  ASSERT_EQ(device.Post("/api/v1/scans", Scan("s-1", "receive", LocationLabel("DOCK-01"))).status,
            200u);
  // Users cannot open device sessions.
  EXPECT_EQ(admin.Post("/api/v1/devices/session", R"({"badge":"BADGE-77"})").status, 403u);
  EXPECT_EQ(device.Delete("/api/v1/devices/session").Json()["signed_in"], false);
  EXPECT_FALSE(server_.accounts().CurrentDeviceSession(me["id"].get<int64_t>())->has_value());
  // Nothing about the worker reached the operational journal (RET-01).
  ASSERT_TRUE(server_.sequencer().Stop().ok());
  std::string journal = testing::ReadFileText(dir_.path() + "/journal.db") +
                        testing::ReadFileText(dir_.path() + "/journal.db-wal");
  EXPECT_NE(journal.find("HH-01"), std::string::npos);
  EXPECT_EQ(journal.find("marie.k"), std::string::npos);
  EXPECT_EQ(journal.find("BADGE-77"), std::string::npos);
}

TEST(HttpCrashTest, AcknowledgedScansSurviveSigkill) {
  testing::TempDir dir;
  std::string data = dir.File("site");
  std::filesystem::create_directories(data);
  testing::InitialiseSite(data);
  std::vector<std::string> stream = testing::ScanStream(20'000, 11);
  std::map<std::string, std::string> tokens;  // device -> token
  {
    auto accounts = testing::OpenTestAccounts(data, [] { return int64_t{1'795'000'000'000}; });
    ASSERT_NE(accounts, nullptr);
    for (const std::string& record : stream) {
      std::string device = DeviceOf(record);
      if (tokens.count(device) == 0) {
        auto added = accounts->AddDevice(device, 0);
        ASSERT_TRUE(added.ok()) << added.status().ToString();
        tokens[device] = added->token;
      }
    }
  }
  uint16_t port = 0;
  pid_t pid = testing::StartServe(data, dir.File("serve.log"), &port);
  ASSERT_GT(pid, 0);
  ASSERT_NE(port, 0) << testing::ReadFileText(dir.File("serve.log"));

  std::mutex mutex;
  std::vector<std::string> acknowledged;
  std::vector<std::thread> clients;
  for (int t = 0; t < 2; ++t) {
    clients.emplace_back([&, t] {
      Client client(port);
      for (size_t i = static_cast<size_t>(t); i < stream.size(); i += 2) {
        client.token = tokens.at(DeviceOf(stream[i]));
        Reply reply = client.Post("/api/v1/scans", stream[i]);
        if (reply.status != 200u) {
          return;  // The server died.
        }
        std::lock_guard lock(mutex);
        acknowledged.push_back(json::parse(stream[i])["id"]);
      }
    });
  }
  // Kill it under load, once it has acknowledged a good number of scans.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    {
      std::lock_guard lock(mutex);
      if (acknowledged.size() >= 500) {
        break;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  int status = 0;
  waitpid(pid, &status, 0);
  for (std::thread& client : clients) {
    client.join();
  }
  ASSERT_GE(acknowledged.size(), 500u);
  auto keys = testing::JournalKeys(data);
  for (const std::string& id : acknowledged) {
    EXPECT_EQ(keys[id], 1) << id;
  }
  std::cout << acknowledged.size() << " acknowledged, " << keys.size() << " journaled\n";
}

}  // namespace
}  // namespace entrepot
