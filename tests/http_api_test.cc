// The HTTP API over real loopback connections: a server on port 0 in this process with a
// temporary SQLite site, driven by a Beast client; and `entrepot serve` as a child process
// killed with SIGKILL while scans are posted, to check that every acknowledged scan is
// durable.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "boost/asio/connect.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "entrepot/api/api_handler.h"
#include "entrepot/api/http_server.h"
#include "entrepot/api/metrics.h"
#include "entrepot/domain/labels.h"
#include "entrepot/domain/layout.h"
#include "entrepot/server/sequencer.h"
#include "entrepot/store/sqlite_journal.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "test_site.h"

namespace entrepot {
namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using nlohmann::json;
using tcp = boost::asio::ip::tcp;

constexpr char kKettle[] = "09506000134352";

struct Reply {
  unsigned status = 0;
  std::string body;
  std::string allow;
  bool keep_alive = false;
  json Json() const { return json::parse(body, nullptr, false); }
};

// A keep-alive HTTP/1.1 client on one connection.
class Client {
 public:
  explicit Client(uint16_t port) : stream_(context_) {
    beast::error_code error;
    stream_.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port), error);
    connected_ = !error;
  }
  bool connected() const { return connected_; }

  // Status 0 when the connection failed.
  Reply Send(http::verb method, const std::string& target, const std::string& body = "",
             const std::string& content_type = "application/json") {
    http::request<http::string_body> request(method, target, 11);
    request.set(http::field::host, "localhost");
    if (!body.empty()) {
      request.set(http::field::content_type, content_type);
      request.body() = body;
    }
    request.prepare_payload();
    beast::error_code error;
    http::write(stream_, request, error);
    Reply reply;
    if (error) {
      return reply;
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    http::read(stream_, buffer_, parser, error);
    if (error) {
      return reply;
    }
    auto& response = parser.get();
    reply.status = response.result_int();
    reply.body = response.body();
    reply.allow = std::string(response[http::field::allow]);
    reply.keep_alive = response.keep_alive();
    return reply;
  }
  Reply Post(const std::string& target, const std::string& body) {
    return Send(http::verb::post, target, body);
  }
  Reply Get(const std::string& target) { return Send(http::verb::get, target); }

 private:
  boost::asio::io_context context_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  bool connected_ = false;
};

std::string UrlEncode(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_') {
      out += c;
    } else {
      char escaped[4];
      std::snprintf(escaped, sizeof(escaped), "%%%02X",
                    static_cast<unsigned>(static_cast<unsigned char>(c)));
      out += escaped;
    }
  }
  return out;
}

std::string Scan(const std::string& id, const std::string& mode, const std::string& code) {
  return json{{"id", id}, {"device", "HH-01"}, {"mode", mode}, {"code", code}}.dump();
}

std::string LocationLabel(const std::string& code) {
  return domain::FormatLabel(domain::LabelKind::kLocation, code);
}

// idempotency key -> number of journal records carrying it.
std::map<std::string, int> JournalKeys(const std::string& data_dir) {
  store::SqliteJournal::Options options;
  options.read_only = true;
  auto journal = store::SqliteJournal::Open(data_dir + "/journal.db", options);
  EXPECT_TRUE(journal.ok()) << journal.status().ToString();
  std::map<std::string, int> keys;
  if (journal.ok()) {
    EXPECT_TRUE((*journal)
                    ->Scan(0,
                           [&](const store::JournalRecord& record) {
                             if (!record.idempotency_key.empty()) {
                               ++keys[record.idempotency_key];
                             }
                             return OkStatus();
                           })
                    .ok());
  }
  return keys;
}

void InitialiseSite(const std::string& data_dir) {
  auto layout = domain::ParseLayoutToml(testing::SmallLayoutToml());
  ASSERT_TRUE(layout.ok()) << layout.status().ToString();
  auto journal = store::SqliteJournal::Open(data_dir + "/journal.db");
  ASSERT_TRUE(journal.ok());
  auto engine = engine::SiteEngine::Open(*std::move(journal));
  ASSERT_TRUE(engine.ok());
  ASSERT_TRUE((*engine)->LoadLayout(*layout).ok());
}

class HttpApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    InitialiseSite(dir_.path());
    auto journal = store::SqliteJournal::Open(dir_.path() + "/journal.db");
    ASSERT_TRUE(journal.ok());
    auto engine = engine::SiteEngine::Open(*std::move(journal));
    ASSERT_TRUE(engine.ok());
    server::SequencerOptions options;
    options.on_commit = [this](size_t commands, double seconds) {
      metrics_.CountCommit(commands, seconds);
    };
    sequencer_ = std::make_unique<server::Sequencer>(*std::move(engine), options);
    handler_ = std::make_unique<api::ApiHandler>(*sequencer_, metrics_,
                                                 [] { return int64_t{1'795'000'000'000}; });
    api::HttpServerOptions server_options;
    server_options.port = 0;
    auto server = api::HttpServer::Start(*handler_, server_options);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = *std::move(server);
    ASSERT_NE(server_->port(), 0);
  }
  void TearDown() override {
    if (server_) {
      server_->Stop();
    }
    if (sequencer_) {
      EXPECT_TRUE(sequencer_->Stop().ok());
    }
  }

  testing::TempDir dir_;
  api::Metrics metrics_;
  std::unique_ptr<server::Sequencer> sequencer_;
  std::unique_ptr<api::ApiHandler> handler_;
  std::unique_ptr<api::HttpServer> server_;
};

TEST_F(HttpApiTest, ScanRoundTripAndReplayedIdReturnsTheFirstReply) {
  Client client(server_->port());
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
  EXPECT_EQ(JournalKeys(dir_.path())["a-2"], 1);
  // A scan whose outcome is a refusal is still processed: 200 with the outcome.
  Reply unknown = client.Post("/api/v1/scans", Scan("a-3", "receive", "nonsense"));
  ASSERT_EQ(unknown.status, 200u);
  EXPECT_EQ(unknown.Json()["outcome"], "unknown_code");
}

TEST_F(HttpApiTest, MalformedScansGetErrorBodies) {
  Client client(server_->port());
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
  EXPECT_TRUE(JournalKeys(dir_.path()).empty());
}

TEST_F(HttpApiTest, BatchAnswersEveryLineInOrder) {
  Client client(server_->port());
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
  EXPECT_EQ(sequencer_->stats().batches, 1u);
  auto keys = JournalKeys(dir_.path());
  EXPECT_EQ(keys.size(), 3u);
}

TEST_F(HttpApiTest, BatchLimitsAnswer413) {
  Client client(server_->port());
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
  socket.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), server_->port()));
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
  Client client(server_->port());
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
  Client client(server_->port());
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
  Client client(server_->port());
  Reply huge = client.Send(http::verb::get, "/healthz?" + std::string(api::kMaxHeaderBytes, 'x'));
  EXPECT_EQ(huge.status, 431u);
  EXPECT_EQ(huge.Json()["error"]["code"], "headers_too_large");

  boost::asio::io_context context;
  tcp::socket socket(context);
  socket.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), server_->port()));
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
  EXPECT_EQ(Client(server_->port()).Get("/healthz").status, 200u);
}

TEST_F(HttpApiTest, HealthAndMetrics) {
  Client client(server_->port());
  Reply health = client.Get("/healthz");
  ASSERT_EQ(health.status, 200u);
  EXPECT_EQ(health.Json()["status"], "ok");
  EXPECT_EQ(health.Json()["last_seq"], sequencer_->last_seq());
  ASSERT_EQ(client.Post("/api/v1/scans", Scan("h-1", "receive", LocationLabel("DOCK-01"))).status,
            200u);
  EXPECT_EQ(client.Get("/healthz").Json()["last_seq"], sequencer_->last_seq());
  client.Get("/nope");
  Reply metrics = client.Get("/metrics");
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

TEST_F(HttpApiTest, ConcurrentClientsAreAllAcknowledgedOnce) {
  constexpr int kThreads = 4;
  constexpr int kScansPerThread = 500;
  std::vector<std::string> stream = testing::ScanStream(kThreads * kScansPerThread, 7);
  std::atomic<int> acknowledged{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Client client(server_->port());
      for (int i = t; i < kThreads * kScansPerThread; i += kThreads) {
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
  auto keys = JournalKeys(dir_.path());
  EXPECT_EQ(keys.size(), size_t{kThreads * kScansPerThread});
  for (const auto& [key, count] : keys) {
    EXPECT_EQ(count, 1) << key;
  }
  server::SequencerStats stats = sequencer_->stats();
  std::cout << "batches " << stats.batches << " for " << stats.commands << " scans\n";
}

// Starts `entrepot serve` on port 0 and returns its pid; `port` is read from its output.
pid_t StartServe(const std::string& data_dir, const std::string& log, uint16_t* port) {
  pid_t pid = fork();
  if (pid == 0) {
    FILE* out = std::freopen(log.c_str(), "w", stdout);
    (void)out;
    execl(ENTREPOT_BINARY, ENTREPOT_BINARY, "serve", "--data", data_dir.c_str(), "--listen",
          "127.0.0.1:0", static_cast<char*>(nullptr));
    _exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    std::string text = testing::ReadFileText(log);
    size_t colon = text.find("127.0.0.1:");
    if (colon != std::string::npos && text.find('\n', colon) != std::string::npos) {
      *port = static_cast<uint16_t>(std::stoi(text.substr(colon + 10)));
      return pid;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pid;
}

TEST(HttpCrashTest, AcknowledgedScansSurviveSigkill) {
  testing::TempDir dir;
  std::string data = dir.File("site");
  std::filesystem::create_directories(data);
  InitialiseSite(data);
  uint16_t port = 0;
  pid_t pid = StartServe(data, dir.File("serve.log"), &port);
  ASSERT_GT(pid, 0);
  ASSERT_NE(port, 0) << testing::ReadFileText(dir.File("serve.log"));

  std::vector<std::string> stream = testing::ScanStream(20'000, 11);
  std::mutex mutex;
  std::vector<std::string> acknowledged;
  std::vector<std::thread> clients;
  for (int t = 0; t < 2; ++t) {
    clients.emplace_back([&, t] {
      Client client(port);
      for (size_t i = static_cast<size_t>(t); i < stream.size(); i += 2) {
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
  auto keys = JournalKeys(data);
  for (const std::string& id : acknowledged) {
    EXPECT_EQ(keys[id], 1) << id;
  }
  std::cout << acknowledged.size() << " acknowledged, " << keys.size() << " journaled\n";
}

}  // namespace
}  // namespace entrepot
