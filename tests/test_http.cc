#include "test_http.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <span>
#include <thread>
#include <utility>

#include "entrepot/domain/layout.h"
#include "entrepot/epcis/identifiers.h"
#include "entrepot/server/labor_day.h"
#include "entrepot/store/sqlite_journal.h"
#include "gtest/gtest.h"

namespace entrepot::testing {

std::string UrlEncode(const std::string& text) { return client::PercentEncode(text); }

void InitialiseSite(const std::string& data_dir) {
  auto layout = domain::ParseLayoutToml(SmallLayoutToml());
  ASSERT_TRUE(layout.ok()) << layout.status().ToString();
  auto journal = store::SqliteJournal::Open(data_dir + "/journal.db");
  ASSERT_TRUE(journal.ok());
  auto engine = engine::SiteEngine::Open(*std::move(journal));
  ASSERT_TRUE(engine.ok());
  ASSERT_TRUE((*engine)->LoadLayout(*layout).ok());
}

std::unique_ptr<auth::AccountStore> OpenTestAccounts(const std::string& data_dir,
                                                     std::function<int64_t()> now_ms,
                                                     auth::SessionKeys* keys) {
  auth::AccountStoreOptions options;
  options.now_ms = std::move(now_ms);
  options.hash_cost = auth::HashCost::kMinimum;
  options.session_keys = keys;
  auto accounts = auth::AccountStore::Open(data_dir + "/accounts.db", options);
  EXPECT_TRUE(accounts.ok()) << accounts.status().ToString();
  return accounts.ok() ? *std::move(accounts) : nullptr;
}

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
    std::string text = ReadFileText(log);
    size_t colon = text.find("127.0.0.1:");
    if (colon != std::string::npos && text.find('\n', colon) != std::string::npos) {
      *port = static_cast<uint16_t>(std::stoi(text.substr(colon + 10)));
      return pid;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pid;
}

TestServer::~TestServer() { Stop(); }

void TestServer::Start(const std::string& data_dir, TestServerOptions options) {
  now_ms_ = options.now_ms ? options.now_ms : [] { return kTestNowMs; };
  if (options.policy) {
    policy_ = *options.policy;
  }
  std::unique_ptr<engine::SiteEngine> engine;
  ASSERT_NO_FATAL_FAILURE(OpenEngine(data_dir, options.layout_toml, &engine));
  ASSERT_NO_FATAL_FAILURE(OpenServices(data_dir, options, *engine));
  const std::string site_code = engine->state().site_code();
  server::SequencerOptions sequencer_options;
  sequencer_options.on_commit = [this](size_t commands, double seconds) {
    metrics_.CountCommit(commands, seconds);
  };
  sequencer_ = std::make_unique<server::Sequencer>(std::move(engine), sequencer_options);
  ASSERT_NO_FATAL_FAILURE(OpenAccounts(data_dir, options));
  if (options.epcis) {
    ASSERT_NO_FATAL_FAILURE(OpenEpcis(data_dir, site_code));
  }
  ASSERT_NO_FATAL_FAILURE(StartHttp(site_code));
}

void TestServer::OpenEngine(const std::string& data_dir, const std::string& layout_toml,
                            std::unique_ptr<engine::SiteEngine>* engine) {
  auto journal = store::SqliteJournal::Open(data_dir + "/journal.db");
  ASSERT_TRUE(journal.ok()) << journal.status().ToString();
  auto opened = engine::SiteEngine::Open(*std::move(journal));
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  if (!layout_toml.empty()) {
    auto layout = domain::ParseLayoutToml(layout_toml);
    ASSERT_TRUE(layout.ok()) << layout.status().ToString();
    Status loaded = (*opened)->LoadLayout(*layout);
    ASSERT_TRUE(loaded.ok()) << loaded.ToString();
  }
  *engine = *std::move(opened);
}

void TestServer::OpenServices(const std::string& data_dir, const TestServerOptions& options,
                              engine::SiteEngine& engine) {
  if (options.audit) {
    auto audit = store::AuditLog::OpenInDirectory(data_dir);
    ASSERT_TRUE(audit.ok()) << audit.status().ToString();
    audit_ = *std::move(audit);
  }
  if (options.labor) {
    auto labor = store::LaborStore::Open(data_dir, policy_);
    ASSERT_TRUE(labor.ok()) << labor.status().ToString();
    labor_ = *std::move(labor);
    server::LaborRecorderOptions recorder_options;
    recorder_options.log = [](const std::string&) {};
    auto zone = server::LaborTimeZone::Find(policy_.labor.time_zone);
    ASSERT_TRUE(zone.ok()) << zone.status().ToString();
    recorder_options.time_zone = *zone;
    labor_recorder_ = server::LaborRecorder::Start(
        *labor_, server::ScanZones::FromState(engine.state()), recorder_options);
  }
  if (options.movement_index) {
    auto index = server::MovementIndex::Open(server::MovementIndexOptions::ForDataDir(data_dir));
    ASSERT_TRUE(index.ok()) << index.status().ToString();
    movements_ = *std::move(index);
  }
  if (options.events) {
    store::SqliteJournal::Options reader_options;
    reader_options.read_only = true;
    auto reader = store::SqliteJournal::Open(data_dir + "/journal.db", reader_options);
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    event_feed_ = std::make_unique<server::EventFeed>(*std::move(reader), engine.last_seq());
    event_routes_ = std::make_unique<api::EventRoutes>(*event_feed_, *options.events);
  }
  // One listener for all: the engine keeps one. It runs on the sequencer thread, stopped
  // (Stop) before any of these services.
  engine.set_commit_listener([this](std::span<const store::JournalRecord> records) {
    if (labor_recorder_) {
      labor_recorder_->Publish(records);
    }
    if (movements_) {
      movements_->Publish(records);
    }
    if (event_feed_) {
      event_feed_->Publish(records);
    }
  });
}

void TestServer::OpenAccounts(const std::string& data_dir, const TestServerOptions& options) {
  // Device sessions are sealed under the labor day's sign-in key, in DIR/labor-keys.
  auto zone = server::LaborTimeZone::Find(policy_.labor.time_zone);
  ASSERT_TRUE(zone.ok()) << zone.status().ToString();
  auto keys = server::SignInKeyDir::Open(data_dir + "/labor-keys", *zone, now_ms_);
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  signin_keys_ = *std::move(keys);
  accounts_ = OpenTestAccounts(data_dir, now_ms_, signin_keys_.get());
  ASSERT_NE(accounts_, nullptr);
  for (const TestUser& user : options.users) {
    auto added =
        accounts_->AddUser({user.login, user.login, user.role, {"*"}, kTestPassword, user.badge});
    ASSERT_TRUE(added.ok()) << user.login << ": " << added.status().ToString();
    user_ids_.push_back(added->id);
  }
  for (const std::string& device : options.devices) {
    ASSERT_NE(DeviceToken(device), "") << device;
  }
}

void TestServer::OpenEpcis(const std::string& data_dir, const std::string& site_code) {
  epcis::IdOptions ids;
  ids.site_code = site_code;
  ids.company_prefix_length = 7;  // The GTINs of the test layouts: 0950600 0134352 ...
  auto repository = server::EpcisRepository::Open(
      server::EpcisRepositoryOptions::ForDataDir(data_dir, ids, now_ms_));
  ASSERT_TRUE(repository.ok()) << repository.status().ToString();
  epcis_ = *std::move(repository);
}

void TestServer::StartHttp(const std::string& site_code) {
  handler_ =
      std::make_unique<api::ApiHandler>(*sequencer_, metrics_, *accounts_, site_code, now_ms_,
                                        api::ApiServices{.events = event_routes_.get(),
                                                         .movements = movements_.get(),
                                                         .audit = audit_.get(),
                                                         .labor = labor_.get(),
                                                         .labor_recorder = labor_recorder_.get(),
                                                         .policy = labor_ ? &policy_ : nullptr,
                                                         .epcis = epcis_.get()});
  api::HttpServerOptions options;
  options.port = 0;
  auto server = api::HttpServer::Start(*handler_, options);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  http_server_ = *std::move(server);
  ASSERT_NE(http_server_->port(), 0);
}

void TestServer::Stop() {
  if (http_server_) {
    http_server_->Stop();
  }
  if (sequencer_) {
    Status stopped = sequencer_->Stop();
    EXPECT_TRUE(stopped.ok()) << stopped.ToString();
  }
  // No commit reaches them any more: what is queued stays for the next Open.
  if (movements_) {
    movements_->Stop();
  }
  if (epcis_) {
    epcis_->Stop();
  }
  if (labor_recorder_) {
    labor_recorder_->Stop();
  }
}

Client TestServer::Login(const std::string& login, const std::string& password) {
  Client client(port());
  Reply reply =
      client.Post("/api/v1/login", nlohmann::json{{"login", login}, {"password", password}}.dump());
  EXPECT_EQ(reply.status, 200u) << login << ": " << reply.body;
  if (reply.status == 200u) {
    client.token = reply.Json()["token"];
  }
  return client;
}

std::string TestServer::DeviceToken(const std::string& name) {
  std::lock_guard lock(devices_mutex_);
  std::string& token = device_tokens_[name];
  if (token.empty()) {
    auto device = accounts_->AddDevice(name, 0);
    EXPECT_TRUE(device.ok()) << name << ": " << device.status().ToString();
    token = device.ok() ? device->token : "";
  }
  return token;
}

Client TestServer::Device(const std::string& name) {
  Client client(port());
  client.token = DeviceToken(name);
  return client;
}

}  // namespace entrepot::testing
