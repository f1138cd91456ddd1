// The simulator's drivers (client/sim_runner.h), their HTTP client (client/http_client.h)
// and `entrepot simulate` (issue 7):
//  - the client: refused connections, a silent server (timeout), a body over the limit,
//    a server that closes, and reconnection after the server closed an idle connection;
//  - the same seed writes the same scan stream, byte for byte, and another seed another one;
//  - that stream, ingested into a fresh site, gets the outcomes the model predicted;
//  - a short seeded shift with directed picking, run over HTTP against a server in this
//    process, ends with the server agreeing with the model unit by unit (stock per holder,
//    order progress, shipped units per cut-off) and without surprises;
//  - and the errors: taken device names, an unreachable server, a refused token, bad options.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "boost/asio/read_until.hpp"
#include "boost/asio/streambuf.hpp"
#include "boost/asio/write.hpp"
#include "entrepot/api/http_server.h"
#include "entrepot/auth/account_store.h"
#include "entrepot/cli/commands.h"
#include "entrepot/client/sim_runner.h"
#include "entrepot/domain/labels.h"
#include "entrepot/domain/layout.h"
#include "entrepot/sim/floor_model.h"
#include "entrepot/sim/scenario.h"
#include "entrepot/wire/rfc3339.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "test_http.h"
#include "test_site.h"

namespace entrepot {
namespace {

using nlohmann::json;

// ---- client::HttpClient ------------------------------------------------------------------

// A loopback listener that accepts one connection, reads a request head and writes
// `response` (raw bytes; nothing when empty), then holds the connection until destroyed.
class RawServer {
 public:
  explicit RawServer(std::string response) : response_(std::move(response)) {
    acceptor_.open(boost::asio::ip::tcp::v4());
    acceptor_.bind({boost::asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { Serve(); });
  }
  ~RawServer() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    released_.notify_all();
    if (!accepted_) {  // Unblocks accept() when the client never came.
      boost::asio::ip::tcp::socket poke(io_);
      boost::system::error_code ignored;
      poke.connect({boost::asio::ip::make_address("127.0.0.1"), port_}, ignored);
    }
    thread_.join();
  }
  uint16_t port() const { return port_; }

 private:
  void Serve() {
    boost::asio::ip::tcp::socket socket(io_);
    boost::system::error_code error;
    acceptor_.accept(socket, error);
    accepted_ = true;
    boost::asio::streambuf head;
    boost::asio::read_until(socket, head, "\r\n\r\n", error);
    if (!error && !response_.empty()) {
      boost::asio::write(socket, boost::asio::buffer(response_), error);
    }
    std::unique_lock lock(mutex_);
    released_.wait(lock, [this] { return done_; });
  }

  std::string response_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_{io_};
  uint16_t port_ = 0;
  std::atomic<bool> accepted_{false};
  std::mutex mutex_;
  std::condition_variable released_;
  bool done_ = false;
  std::thread thread_;
};

TEST(HttpClientTest, ARefusedConnectionIsStatusZeroWithTheReason) {
  uint16_t port = 0;
  {
    RawServer closed("");  // Its port, free again once it is gone.
    port = closed.port();
  }
  client::HttpClient http("127.0.0.1", port);
  client::HttpReply reply = http.Get("/healthz");
  EXPECT_EQ(reply.status, 0u);
  EXPECT_NE(reply.error.find("connect 127.0.0.1:" + std::to_string(port)), std::string::npos)
      << reply.error;
  EXPECT_FALSE(http.connected());
  EXPECT_EQ(http.last_error(), reply.error);
}

TEST(HttpClientTest, AServerThatNeverAnswersTimesOut) {
  RawServer silent("");
  client::HttpClientOptions options;
  options.exchange_timeout = std::chrono::milliseconds(300);
  client::HttpClient http("127.0.0.1", silent.port(), options);
  const auto started = std::chrono::steady_clock::now();
  client::HttpReply reply = http.Get("/healthz");
  EXPECT_EQ(reply.status, 0u);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  EXPECT_NE(reply.error.find("GET /healthz"), std::string::npos) << reply.error;
  EXPECT_FALSE(http.connected());
}

TEST(HttpClientTest, ALongerBodyThanTheLimitFailsTheExchange) {
  RawServer big("HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n" + std::string(2000, 'x'));
  client::HttpClientOptions options;
  options.max_response_body_bytes = 1000;
  client::HttpClient http("127.0.0.1", big.port(), options);
  client::HttpReply reply = http.Get("/");
  EXPECT_EQ(reply.status, 0u);
  EXPECT_NE(reply.error.find("body limit"), std::string::npos) << reply.error;
}

TEST(HttpClientTest, ReadsAnAnswerAndClosesWhenTheServerDoes) {
  RawServer once(
      "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nConnection: "
      "close\r\nContent-Length: 7\r\n\r\n{\"a\":1}");
  client::HttpClient http("127.0.0.1", once.port());
  http.token = "secret";
  client::HttpReply reply = http.Post("/x", "{}");
  EXPECT_EQ(reply.status, 201u);
  EXPECT_EQ(reply.Json()["a"], 1);
  EXPECT_EQ(reply.content_type, "application/json");
  EXPECT_FALSE(reply.keep_alive);
  EXPECT_FALSE(http.connected());  // The next call opens a new connection.
  client::HttpReply not_json;
  not_json.body = "{nope";
  EXPECT_TRUE(not_json.Json().is_discarded());
  EXPECT_EQ(client::PercentEncode("sscc:0950/(00) x"), "sscc%3A0950%2F%2800%29%20x");
}

// A short shift on testing::SmallLayoutToml: a few workers, two trucks, orders from the
// first minutes, mistakes more frequent than real ones so that their outcomes are exercised.
std::string ScenarioToml(uint64_t seed, const std::string& picking) {
  return "seed = " + std::to_string(seed) + "\nminutes = 40\nspeed = 0\npicking = \"" + picking +
         "\"\n"
         "[staff]\nreceive = 1\nstow = 2\npick = 2\npack = 1\nship = 1\n"
         "[inbound]\ntrucks = 2\npallets_per_truck = 2\nproducts_per_pallet = 2\n"
         "units_per_product = 6\n"
         "[orders]\nper_hour = 90\nmax_lines = 2\nmax_units_per_line = 2\nper_batch = 4\n"
         "release_every_minutes = 2\n"
         "[cadence]\nscan_seconds = 2\ntravel_seconds = 5\nbreak_minutes = 5\n"
         "[mistakes]\nwrong_bin = 0.05\nwrong_unit = 0.05\ndamaged_label = 0.05\n";
}

std::unique_ptr<sim::FloorModel> Model(uint64_t seed, const std::string& picking) {
  auto layout = domain::ParseLayoutToml(testing::SmallLayoutToml());
  EXPECT_TRUE(layout.ok()) << layout.status().ToString();
  auto scenario = sim::ParseScenarioToml(ScenarioToml(seed, picking));
  EXPECT_TRUE(scenario.ok()) << scenario.status().ToString();
  if (!layout.ok() || !scenario.ok()) {
    return nullptr;
  }
  auto model = sim::FloorModel::Create(*layout, *scenario);
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  return model.ok() ? *std::move(model) : nullptr;
}

std::string Stream(uint64_t seed) {
  std::unique_ptr<sim::FloorModel> model = Model(seed, "free");
  if (model == nullptr) {
    return "";
  }
  std::ostringstream out;
  auto scans = client::WriteScanStream(*model, "SIM", out);
  EXPECT_TRUE(scans.ok()) << scans.status().ToString();
  return out.str();
}

TEST(SimulateStreamTest, SameSeedSameBytesOtherSeedOtherStream) {
  const std::string first = Stream(7);
  const std::string again = Stream(7);
  const std::string other = Stream(8);
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(first, again);
  EXPECT_NE(first, other);
  // Every line is a scan record of a server device name, with an RFC 3339 time.
  std::map<std::string, int> modes;
  for (const std::string& line : testing::Lines(first)) {
    json record = json::parse(line, nullptr, false);
    ASSERT_TRUE(record.is_object()) << line;
    EXPECT_EQ(record.size(), 5u) << line;
    EXPECT_TRUE(record["device"].get<std::string>().starts_with("SIM-")) << line;
    EXPECT_TRUE(record["at"].get<std::string>().starts_with("2026-11-28T")) << line;
    EXPECT_FALSE(record["id"].get<std::string>().empty());
    ++modes[record["mode"].get<std::string>()];
  }
  for (const char* mode : {"receive", "stow", "pick", "pack", "ship"}) {
    EXPECT_GT(modes[mode], 0) << mode << " in " << first.substr(0, 400);
  }
}

TEST(SimulateStreamTest, ServerDeviceNamesAndExpiries) {
  EXPECT_EQ(client::ServerDeviceName("SIM", "HH-R01"), "SIM-R01");
  EXPECT_EQ(client::ServerDeviceName("RUN2", "HH-L03"), "RUN2-L03");
  EXPECT_EQ(client::ServerDeviceName("SIM", "OTHER"), "SIM-OTHER");
  EXPECT_EQ(sim::ModelExpiry("2027-03-15"), "270315");
  EXPECT_EQ(sim::ModelExpiry(""), "");
  EXPECT_EQ(sim::ModelExpiry("270315"), "270315");
}

TEST(SimulateStreamTest, DirectedPickingCannotBeWrittenOpenLoop) {
  std::unique_ptr<sim::FloorModel> model = Model(7, "directed");
  ASSERT_NE(model, nullptr);
  std::ostringstream out;
  auto scans = client::WriteScanStream(*model, "SIM", out);
  ASSERT_FALSE(scans.ok());
  EXPECT_EQ(scans.status().reason(), "needs_server");
  std::unique_ptr<sim::FloorModel> free = Model(7, "free");
  ASSERT_NE(free, nullptr);
  EXPECT_EQ(client::WriteScanStream(*free, "no spaces", out).status().reason(), "bad_run_options");
}

// `entrepot simulate --output` writes the same bytes as the driver, and refuses what it must.
class SimulateCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::WriteFile(dir_.File("layout.toml"), testing::SmallLayoutToml());
    testing::WriteFile(dir_.File("free.toml"), ScenarioToml(7, "free"));
    testing::WriteFile(dir_.File("directed.toml"), ScenarioToml(7, "directed"));
  }
  cli::SimulateOptions Options(const std::string& scenario) {
    cli::SimulateOptions options;
    options.layout_file = dir_.File("layout.toml");
    options.scenario_file = dir_.File(scenario);
    options.output_file = dir_.File("scans.ndjson");
    return options;
  }
  testing::TempDir dir_;
};

TEST_F(SimulateCommandTest, OutputWritesTheSeededStream) {
  ASSERT_EQ(cli::RunSimulate(Options("free.toml")), 0);
  EXPECT_EQ(testing::ReadFileText(dir_.File("scans.ndjson")), Stream(7));
  cli::SimulateOptions reseeded = Options("free.toml");
  reseeded.seed = 8;
  ASSERT_EQ(cli::RunSimulate(reseeded), 0);
  EXPECT_EQ(testing::ReadFileText(dir_.File("scans.ndjson")), Stream(8));
}

TEST_F(SimulateCommandTest, RefusesWhatCannotRun) {
  EXPECT_EQ(cli::RunSimulate(Options("directed.toml")), 1);  // Directed picking needs a server.
  cli::SimulateOptions neither = Options("free.toml");
  neither.output_file.clear();
  EXPECT_EQ(cli::RunSimulate(neither), 1);
  cli::SimulateOptions both = Options("free.toml");
  both.target = "http://127.0.0.1:1";
  EXPECT_EQ(cli::RunSimulate(both), 1);
  for (const char* url : {"https://127.0.0.1:8080", "127.0.0.1:8080", "http://127.0.0.1",
                          "http://127.0.0.1:0", "http://127.0.0.1:99999", "http://:80"}) {
    cli::SimulateOptions target = Options("directed.toml");
    target.output_file.clear();
    target.target = url;
    target.token_stdin = true;
    EXPECT_EQ(cli::RunSimulate(target), 1) << url;
  }
  testing::WriteFile(dir_.File("bad.toml"), "minutes = -3\n");
  EXPECT_EQ(cli::RunSimulate(Options("bad.toml")), 1);
  EXPECT_EQ(cli::RunSimulate(Options("missing.toml")), 2);
  EXPECT_FALSE(std::ifstream(dir_.File("scans.ndjson")).good());
}

// The stream ingested into a fresh site gets, scan by scan, the outcome the model predicted.
TEST_F(SimulateCommandTest, IngestedStreamGetsThePredictedOutcomes) {
  std::unique_ptr<sim::FloorModel> model = Model(9, "free");
  ASSERT_NE(model, nullptr);
  std::map<std::string, std::string> expected;  // Scan id -> predicted outcome.
  std::string stream;
  while (std::optional<sim::Action> action = model->Next()) {
    if (action->kind == sim::Action::Kind::kScan) {
      expected[action->scan_id] = action->expected;
      stream += client::ScanRecordJson(*action, "SIM") + "\n";
    }
    model->Complete(action->id, sim::FloorModel::Predicted(*action));
  }
  ASSERT_TRUE(model->Done());
  EXPECT_EQ(stream, Stream(9));
  testing::InitialiseSite(dir_.path());
  testing::WriteFile(dir_.File("in.ndjson"), stream);
  cli::IngestOptions ingest;
  ingest.data_dir = dir_.path();
  ingest.input_file = dir_.File("in.ndjson");
  ingest.outcomes_file = dir_.File("outcomes.ndjson");
  ASSERT_EQ(cli::RunIngest(ingest), 0);
  std::vector<std::string> outcomes =
      testing::Lines(testing::ReadFileText(dir_.File("outcomes.ndjson")));
  ASSERT_EQ(outcomes.size(), expected.size());
  int refused = 0;
  for (const std::string& line : outcomes) {
    json reply = json::parse(line);
    const std::string id = reply["id"];
    const std::string outcome = reply["outcome"];
    const std::string& predicted = expected[id];
    if (predicted == "ok") {
      EXPECT_TRUE(outcome == "ok" || outcome == "reverify") << id << ": " << line;
    } else {
      ++refused;
      EXPECT_EQ(outcome, predicted) << id << ": " << line;
    }
  }
  EXPECT_GT(refused, 0) << "the scenario's mistakes should have been made";
}

// A server on port 0 in this process, on a temporary site of testing::SmallLayoutToml, with
// an admin whose session token drives the run.
class SimulateServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::TestServerOptions options;
    options.now_ms = [] { return Now(); };
    options.users = {{"admin", auth::Role::kAdmin}};
    ASSERT_NO_FATAL_FAILURE(server_.Start(dir_.path(), std::move(options)));
    token_ = server_.Login("admin").token;
    ASSERT_FALSE(token_.empty());
  }
  static int64_t Now() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  client::RunOptions Options() {
    client::RunOptions options;
    options.port = server_.port();
    options.admin_token = token_;
    options.connections = 4;
    return options;
  }

  testing::TempDir dir_;
  testing::TestServer server_;
  std::string token_;
};

TEST_F(SimulateServerTest, TheClientReconnectsAfterTheServerClosedAnIdleConnection) {
  api::HttpServerOptions options;
  options.port = 0;
  options.idle_timeout = std::chrono::milliseconds(200);
  auto quick = api::HttpServer::Start(server_.handler(), options);
  ASSERT_TRUE(quick.ok()) << quick.status().ToString();
  client::HttpClient http("127.0.0.1", (*quick)->port());
  EXPECT_EQ(http.Get("/healthz").status, 200u);
  EXPECT_TRUE(http.connected());
  std::this_thread::sleep_for(std::chrono::milliseconds(600));  // The server closes it.
  client::HttpReply again = http.Get("/healthz");
  EXPECT_EQ(again.status, 200u) << again.error;
  (*quick)->Stop();
}

TEST_F(SimulateServerTest, ServerAgreesWithTheModelUnitByUnit) {
  const uint64_t seed = 11;
  std::unique_ptr<sim::FloorModel> model = Model(seed, "directed");
  ASSERT_NE(model, nullptr);
  client::RunOptions options = Options();
  int progress_calls = 0;
  options.progress = [&](const sim::Tally&, int64_t) { ++progress_calls; };
  auto report = client::RunSimulation(*model, options);
  ASSERT_TRUE(report.ok()) << report.status().ToString() << " (seed " << seed << ")";
  const sim::Tally& tally = report->tally;
  for (const std::string& example : tally.surprise_examples) {
    ADD_FAILURE() << "surprise: " << example;
  }
  EXPECT_EQ(tally.surprises, 0);
  EXPECT_TRUE(model->Done());
  EXPECT_FALSE(report->stopped);
  EXPECT_GT(tally.units_shipped, 0);
  EXPECT_GT(tally.orders_placed, 0);
  EXPECT_GT(report->requests, 0);
  EXPECT_GT(report->scans_per_second, 0);
  EXPECT_LE(report->latency_p50_ms, report->latency_p99_ms);
  EXPECT_LE(report->latency_p99_ms, report->latency_max_ms);
  EXPECT_GT(tally.scans_by_outcome.size(), 1u) << "mistakes should have been refused";

  auto verification = client::VerifyAgainstServer(*model, "127.0.0.1", server_.port(), token_);
  ASSERT_TRUE(verification.ok()) << verification.status().ToString();
  EXPECT_GT(verification->holders_checked, 0);
  EXPECT_GT(verification->orders_checked, 0);
  EXPECT_GT(verification->cutoffs_checked, 0);
  EXPECT_EQ(verification->mismatch_count, 0);
  for (const std::string& mismatch : verification->mismatches) {
    ADD_FAILURE() << "mismatch: " << mismatch;
  }
  // The run's devices were revoked at its end: their names are free again.
  EXPECT_TRUE(server_.accounts().AddDevice("SIM-R01", 0).ok());
}

TEST_F(SimulateServerTest, VerificationFindsWhatTheServerDoesNotAgreeWith) {
  std::unique_ptr<sim::FloorModel> model = Model(12, "directed");
  ASSERT_NE(model, nullptr);
  auto run = client::RunSimulation(*model, Options());
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  auto verification = client::VerifyAgainstServer(*model, "127.0.0.1", server_.port(), token_);
  ASSERT_TRUE(verification.ok()) << verification.status().ToString();
  ASSERT_EQ(verification->mismatch_count, 0);
  ASSERT_FALSE(model->orders().empty());
  auto refused = client::VerifyAgainstServer(*model, "127.0.0.1", server_.port(), "not a token");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().reason(), "unauthenticated");
  const sim::OrderBelief& believed = model->orders().begin()->second;

  // One more unit received into a pallet the model emptied, behind the model's back.
  std::string pallet;
  for (const auto& [holder, units] : model->stock()) {
    if (holder.starts_with("sscc:")) {
      pallet = holder;
    }
  }
  ASSERT_FALSE(pallet.empty());
  auto device = server_.accounts().AddDevice("HH-EXTRA", 0);
  ASSERT_TRUE(device.ok());
  testing::Client handheld(server_.port());
  handheld.token = device->token;
  int scans = 0;
  auto scan = [&](const std::string& code) {
    json record = {{"id", "x-" + std::to_string(++scans)},
                   {"device", "HH-EXTRA"},
                   {"mode", "receive"},
                   {"code", code}};
    testing::Reply reply = handheld.Post("/api/v1/scans", record.dump());
    return reply.status == 200u ? reply.Json()["outcome"].get<std::string>() : reply.body;
  };
  ASSERT_EQ(scan(domain::FormatLabel(domain::LabelKind::kLocation, "DOCK-01")), "ok");
  ASSERT_EQ(scan("(00)" + pallet.substr(5)), "ok");
  ASSERT_EQ(scan("(01)" + believed.lines.front().gtin), "ok");
  // And one more order for a cut-off the model planned.
  testing::Client admin(server_.port());
  admin.token = token_;
  json order = {{"id", "EXTRA-1"},
                {"carrier", believed.carrier},
                {"cutoff", wire::FormatRfc3339Ms(believed.cutoff_ms)},
                {"lines", {{{"gtin", believed.lines.front().gtin}, {"quantity", 1}}}}};
  ASSERT_EQ(admin.Post("/api/v1/orders", order.dump()).status, 201u);

  verification = client::VerifyAgainstServer(*model, "127.0.0.1", server_.port(), token_);
  ASSERT_TRUE(verification.ok()) << verification.status().ToString();
  ASSERT_EQ(verification->mismatch_count, 2);
  ASSERT_EQ(verification->mismatches.size(), 2u);
  EXPECT_TRUE(verification->mismatches[0].starts_with(pallet + ": "))
      << verification->mismatches[0];
  EXPECT_NE(verification->mismatches[0].find("model 0, server 1"), std::string::npos)
      << verification->mismatches[0];
  EXPECT_TRUE(verification->mismatches[1].starts_with(believed.carrier + " cut-off "))
      << verification->mismatches[1];
}

TEST_F(SimulateServerTest, RefusesATakenDeviceNameABadTokenAndBadOptions) {
  ASSERT_TRUE(server_.accounts().AddDevice("SIM-P01", 0).ok());  // A picker asks for work at once.
  std::unique_ptr<sim::FloorModel> model = Model(13, "directed");
  ASSERT_NE(model, nullptr);
  auto taken = client::RunSimulation(*model, Options());
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.status().reason(), "device_name_taken");
  EXPECT_NE(taken.status().message().find("--device-prefix"), std::string::npos);

  std::unique_ptr<sim::FloorModel> again = Model(13, "directed");
  client::RunOptions bad_token = Options();
  bad_token.admin_token = "not a token";
  auto refused = client::RunSimulation(*again, bad_token);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kUnauthenticated);

  for (auto change : std::vector<std::function<void(client::RunOptions&)>>{
           [](client::RunOptions& o) { o.connections = 0; },
           [](client::RunOptions& o) { o.connections = client::kMaxConnections + 1; },
           [](client::RunOptions& o) { o.device_prefix = ""; },
           [](client::RunOptions& o) { o.device_prefix = "a/b"; },
           [](client::RunOptions& o) { o.admin_token.clear(); }}) {
    client::RunOptions options = Options();
    change(options);
    EXPECT_EQ(client::RunSimulation(*again, options).status().reason(), "bad_run_options");
  }
}

TEST_F(SimulateServerTest, AStoppedServerFailsTheRunClearly) {
  std::unique_ptr<sim::FloorModel> model = Model(14, "directed");
  ASSERT_NE(model, nullptr);
  client::RunOptions options = Options();
  server_.http_server().Stop();  // Nothing listens on the port any more.
  auto run = client::RunSimulation(*model, options);
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.status().reason(), "server_unreachable") << run.status().ToString();
}

TEST_F(SimulateServerTest, TheStopFlagEndsTheRunWithAReport) {
  std::unique_ptr<sim::FloorModel> model = Model(15, "directed");
  ASSERT_NE(model, nullptr);
  std::atomic<bool> stop{true};
  client::RunOptions options = Options();
  options.stop = &stop;
  auto run = client::RunSimulation(*model, options);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_TRUE(run->stopped);
  EXPECT_EQ(run->requests, 0);
  EXPECT_FALSE(model->Done());
}

}  // namespace
}  // namespace entrepot
