// File: test_http.h
//
// Helpers for tests that talk to the HTTP API over real loopback connections: the keep-alive
// client of client/http_client.h, percent-encoding, a site initialised with
// testing::SmallLayoutToml, an account store with the cheapest Argon2id cost so that tests
// stay fast, `entrepot serve` started as a child process, and TestServer: a site served in
// this process as `entrepot serve` wires it (journal, engine, sequencer, accounts, the
// services a test asks for, api::HttpServer on port 0). Beast and Asio are included for the tests
// that also speak HTTP by hand (streams, malformed requests).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "entrepot/api/api_handler.h"
#include "entrepot/api/event_routes.h"
#include "entrepot/api/http_server.h"
#include "entrepot/api/metrics.h"
#include "entrepot/auth/account_store.h"
#include "entrepot/client/http_client.h"
#include "entrepot/engine/site_engine.h"
#include "entrepot/privacy/policy.h"
#include "entrepot/server/epcis_repository.h"
#include "entrepot/server/event_feed.h"
#include "entrepot/server/labor_recorder.h"
#include "entrepot/server/movement_index.h"
#include "entrepot/server/sequencer.h"
#include "entrepot/store/audit_log.h"
#include "entrepot/store/labor_store.h"
#include "nlohmann/json.hpp"
#include "test_site.h"

namespace entrepot::testing {

// The production client (client/http_client.h) on 127.0.0.1: replies with status 0 when
// the connection or the exchange failed.
using Reply = client::HttpReply;

// A keep-alive HTTP/1.1 client on one connection to 127.0.0.1:port, connected at
// construction (connected() tells whether it could be).
class Client : public client::HttpClient {
 public:
  explicit Client(uint16_t port) : client::HttpClient("127.0.0.1", port) { Connect(); }
};

// Percent-encodes everything but letters, digits, '-', '.' and '_' (a path segment).
std::string UrlEncode(const std::string& text);

// Initialises DIR/journal.db with testing::SmallLayoutToml() (site FR-TST1).
void InitialiseSite(const std::string& data_dir);

// The account store DIR/accounts.db with the minimum Argon2id cost and `keys` (the sign-in
// keys of its device sessions; null: none, as the command line); null (and a test failure)
// when it cannot be opened.
std::unique_ptr<auth::AccountStore> OpenTestAccounts(const std::string& data_dir,
                                                     std::function<int64_t()> now_ms,
                                                     auth::SessionKeys* keys = nullptr);

// Starts `entrepot serve --data DIR --listen 127.0.0.1:0` (ENTREPOT_BINARY) as a child
// process whose stdout goes to the file `log`, and returns its pid (-1 when fork failed).
// Sets *port from the address the server prints, within 20 s; leaves it as is otherwise.
pid_t StartServe(const std::string& data_dir, const std::string& log, uint16_t* port);

// The password of every user a TestServer creates (TestServerOptions::users).
inline constexpr char kTestPassword[] = "a password for the tests";
// The server time of a TestServer whose options give no clock: 2026-11-18T11:06:40Z.
inline constexpr int64_t kTestNowMs = 1'795'000'000'000;

// A user TestServer::Start creates, with the password kTestPassword and the scope "*".
struct TestUser {
  TestUser(std::string user_login, auth::Role user_role, std::string user_badge = "")
      : login(std::move(user_login)), role(user_role), badge(std::move(user_badge)) {}

  std::string login;  // Also the display name.
  auth::Role role;
  std::string badge;  // For sign-in on devices; empty: none.
};

// What TestServer::Start wires. Each service is what `entrepot serve` gives the handler in
// api::ApiServices; those that follow the journal get every commit through the engine's
// commit listener (or, for EPCIS, read it themselves).
struct TestServerOptions {
  // Loaded into DIR/journal.db before anything is served; empty: DIR already holds a site.
  std::string layout_toml = SmallLayoutToml();
  // Server time (Unix ms) for the handler, the account store and the EPCIS repository;
  // empty: kTestNowMs, always. Called from the server's threads.
  std::function<int64_t()> now_ms;
  std::vector<TestUser> users;       // Created in this order (see TestServer::user_ids).
  std::vector<std::string> devices;  // Registered after the users, in this order.
  // server::MovementIndex in DIR/index.db (ApiServices::movements): histories, flow, the
  // cut-off status's throughput.
  bool movement_index = false;
  // store::AuditLog in DIR (ApiServices::audit): reads of personal data are recorded.
  bool audit = false;
  // store::LaborStore in DIR under `policy` and a server::LaborRecorder writing the committed
  // scans and badge sign-ins into it, silently, with labor days in the policy's
  // labor.time_zone (ApiServices::labor, labor_recorder, policy).
  bool labor = false;
  // The active policy of the labor routes; nullopt: privacy::DefaultPolicy().
  std::optional<privacy::Policy> policy;
  // A server::EventFeed and the api::EventRoutes of GET /api/v1/events with these options
  // (ApiServices::events); nullopt: none, the route answers 503.
  std::optional<api::EventRoutesOptions> events;
  // A server::EpcisRepository in DIR following the journal, with a company prefix of 7
  // digits (ApiServices::epcis); false: none, the EPCIS routes answer 503.
  bool epcis = false;
};

// A site served over HTTP in this process, on 127.0.0.1 and a port the system picks:
//
//   testing::TestServerOptions options;
//   options.users = {{"sup", auth::Role::kSupervisor}};
//   options.movement_index = true;
//   ASSERT_NO_FATAL_FAILURE(server_.Start(dir_.path(), std::move(options)));
//   testing::Client sup = server_.Login("sup");
//
// A fixture declares it after the directory and after what its clock reads, so that it is
// destroyed (stopped) first.
//
// Every failure is a test failure (gtest assertions), not a Status. The accessors of a
// service REQUIRE that its option was set, and every accessor that Start succeeded.
class TestServer {
 public:
  TestServer() = default;
  // Stop().
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  // Opens DIR/journal.db (loading options.layout_toml into it first when not empty), wires
  // the services of `options` and the sequencer (whose commits are counted in metrics(), as
  // serve counts them), opens DIR/accounts.db with the minimum hashing cost, creates the
  // users and devices, and starts the server. A fatal test failure when any step fails:
  // call it inside ASSERT_NO_FATAL_FAILURE when more follows. REQUIRES: called once.
  void Start(const std::string& data_dir, TestServerOptions options = {});
  // Stops the HTTP server, then the sequencer (expecting a clean stop), then the services
  // that follow the journal. Idempotent; what Start left half-built is stopped too.
  void Stop();

  // A client signed in as the user `login` (a test failure, and no token, when login fails).
  Client Login(const std::string& login, const std::string& password = kTestPassword);
  // The token of device `name`, registered on first use (a test failure, and "", when it
  // cannot be). Thread-safe.
  std::string DeviceToken(const std::string& name);
  // A client carrying the token of device `name` (see DeviceToken).
  Client Device(const std::string& name);

  uint16_t port() const { return http_server_->port(); }
  api::HttpServer& http_server() { return *http_server_; }
  api::ApiHandler& handler() { return *handler_; }
  api::Metrics& metrics() { return metrics_; }
  server::Sequencer& sequencer() { return *sequencer_; }
  auth::AccountStore& accounts() { return *accounts_; }
  // The ids of options.users, in their order.
  const std::vector<int64_t>& user_ids() const { return user_ids_; }
  server::MovementIndex& movements() { return *movements_; }
  store::AuditLog& audit() { return *audit_; }
  store::LaborStore& labor() { return *labor_; }
  server::LaborRecorder& labor_recorder() { return *labor_recorder_; }
  api::EventRoutes& events() { return *event_routes_; }
  server::EpcisRepository& epcis() { return *epcis_; }

 private:
  // The steps of Start, each a fatal test failure when it fails.
  void OpenEngine(const std::string& data_dir, const std::string& layout_toml,
                  std::unique_ptr<engine::SiteEngine>* engine);
  void OpenServices(const std::string& data_dir, const TestServerOptions& options,
                    engine::SiteEngine& engine);
  void OpenAccounts(const std::string& data_dir, const TestServerOptions& options);
  void OpenEpcis(const std::string& data_dir, const std::string& site_code);
  void StartHttp(const std::string& site_code);

  std::function<int64_t()> now_ms_;
  api::Metrics metrics_;
  // Declared in the order they are needed: each is destroyed before what it uses.
  std::unique_ptr<store::AuditLog> audit_;
  privacy::Policy policy_ = privacy::DefaultPolicy();
  std::unique_ptr<store::LaborStore> labor_;
  std::unique_ptr<server::LaborRecorder> labor_recorder_;
  std::unique_ptr<server::MovementIndex> movements_;
  std::unique_ptr<server::EventFeed> event_feed_;
  std::unique_ptr<api::EventRoutes> event_routes_;
  std::unique_ptr<server::EpcisRepository> epcis_;
  std::unique_ptr<server::Sequencer> sequencer_;
  std::unique_ptr<server::SignInKeyDir> signin_keys_;  // DIR/labor-keys, as `serve`.
  std::unique_ptr<auth::AccountStore> accounts_;
  std::vector<int64_t> user_ids_;
  std::mutex devices_mutex_;
  std::map<std::string, std::string> device_tokens_;  // Name -> token.
  std::unique_ptr<api::ApiHandler> handler_;
  std::unique_ptr<api::HttpServer> http_server_;
};

}  // namespace entrepot::testing
