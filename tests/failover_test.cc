// Failover of a site served from PostgreSQL (docs/STORAGE.md, "Failover"): two `entrepot
// serve` nodes on one site, handhelds posting scans to the active one; the active node is
// killed with SIGKILL under load; the standby takes the site over within a few seconds, the
// handhelds retry their unanswered scans there, and every acknowledged scan is in the
// journal exactly once, and a bearer token a person got from the first node works on the
// second: the accounts are the site's, in PostgreSQL. Also: nodes of two sites side by side on
// one database, and a clean stop that hands the site over at once, with a worker's badge
// session and scan of the day readable on the node that took over (the labor stream is the
// site's in PostgreSQL, its keys in a directory the nodes share). Needs the cluster whose conninfo
// is in ENTREPOT_TEST_POSTGRES (CTest's fixture "postgres"); skips without it.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "entrepot/auth/account_store.h"
#include "entrepot/auth/postgres_account_store.h"
#include "entrepot/store/journal_test_util.h"
#include "entrepot/store/postgres_journal.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "test_http.h"
#include "test_site.h"

namespace entrepot {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;

constexpr char kSite[] = "FR-TST1";  // The small layout's site code.
constexpr char kPassword[] = "a password for the failover test";

// One `entrepot serve` child process.
struct Node {
  pid_t pid = -1;
  std::string log;
  uint16_t port = 0;
};

// Waits until `log` holds `text`; false after `limit`.
bool WaitForLog(const std::string& log, const std::string& text,
                std::chrono::seconds limit = std::chrono::seconds(60)) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (testing::ReadFileText(log).find(text) != std::string::npos) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

// Starts `entrepot serve` for the site of `url` with DIR `data_dir`, a lease of
// `lease_seconds` and the `extra` arguments, and waits for its port.
Node StartNode(const std::string& data_dir, const std::string& url, const std::string& site,
               const std::string& log, int lease_seconds,
               const std::vector<std::string>& extra = {}) {
  Node node;
  node.log = log;
  std::vector<std::string> args = {ENTREPOT_BINARY,
                                   "serve",
                                   "--data",
                                   data_dir,
                                   "--store",
                                   url,
                                   "--site",
                                   site,
                                   "--listen",
                                   "127.0.0.1:0",
                                   "--lease-seconds",
                                   std::to_string(lease_seconds),
                                   "--network-threads",
                                   "1"};
  args.insert(args.end(), extra.begin(), extra.end());
  node.pid = fork();
  if (node.pid == 0) {
    FILE* out = std::freopen(log.c_str(), "w", stdout);
    (void)out;
    std::vector<char*> argv;
    for (std::string& arg : args) {
      argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    execv(ENTREPOT_BINARY, argv.data());
    _exit(127);
  }
  // "answering on http://...": it listens before it knows whether it is the active node.
  if (WaitForLog(log, "answering on http://127.0.0.1:")) {
    const std::string text = testing::ReadFileText(log);
    node.port = static_cast<uint16_t>(std::stoi(text.substr(text.find("127.0.0.1:") + 10)));
  }
  return node;
}

// SIGTERM, then the exit status (-1 when it died of a signal).
int StopNode(Node& node) {
  kill(node.pid, SIGTERM);
  int status = 0;
  waitpid(node.pid, &status, 0);
  node.pid = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

json Health(uint16_t port, unsigned* status) {
  testing::Client client(port);
  testing::Reply reply = client.Get("/healthz");
  *status = reply.status;
  return reply.status == 0 ? json() : json::parse(reply.body, nullptr, false);
}

class FailoverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::optional<std::string> cluster = store::testing::TestPostgresUrl();
    if (!cluster) {
      GTEST_SKIP() << store::testing::kHowToStartPostgres;
    }
    cluster_ = *cluster;
    database_ = "entrepot_failover_" + std::to_string(getpid());
    url_ = store::testing::CreateDatabase(cluster_, database_);
    testing::WriteFile(dir_.File("layout.toml"), testing::SmallLayoutToml());
  }
  void TearDown() override {
    for (Node* node : {&a_, &b_}) {
      if (node->pid > 0) {
        kill(node->pid, SIGKILL);
        waitpid(node->pid, nullptr, 0);
      }
    }
    if (!database_.empty()) {
      store::testing::DropDatabase(cluster_, database_);
    }
  }

  // Creates the site `site` in the database with DIR `dir`; the layout's code is kSite.
  void InitSite(const std::string& dir, const std::string& layout_file) {
    testing::CommandResult init =
        testing::RunEntrepot({"init", "--data", dir, "--layout", layout_file, "--store", url_});
    ASSERT_EQ(init.exit_status, 0) << init.out;
  }

  // Registers the stream's devices, and a supervisor "sup", in the site's accounts in
  // PostgreSQL; returns device -> token.
  std::map<std::string, std::string> AddAccounts(const std::vector<std::string>& stream) {
    auth::AccountStoreOptions options;
    options.now_ms = [] { return int64_t{1'795'000'000'000}; };
    options.hash_cost = auth::HashCost::kMinimum;
    auto accounts = auth::OpenPostgresAccountStore(url_, kSite, options);
    EXPECT_TRUE(accounts.ok()) << accounts.status().ToString();
    std::map<std::string, std::string> tokens;
    if (!accounts.ok()) {
      return tokens;
    }
    EXPECT_TRUE(
        (*accounts)->AddUser({"sup", "", auth::Role::kSupervisor, {"*"}, kPassword, ""}).ok());
    for (const std::string& record : stream) {
      const std::string device = json::parse(record)["device"];
      if (tokens.count(device) == 0) {
        auto added = (*accounts)->AddDevice(device, 0);
        EXPECT_TRUE(added.ok()) << added.status().ToString();
        tokens[device] = added.ok() ? added->token : "";
      }
    }
    return tokens;
  }

  // Idempotency key -> records carrying it, in the site's journal in PostgreSQL.
  std::map<std::string, int> JournalKeys(const std::string& site) {
    auto journal = store::PostgresJournal::Open(url_, site, {.read_only = true});
    EXPECT_TRUE(journal.ok()) << journal.status().ToString();
    return journal.ok() ? testing::JournalKeys(**journal) : std::map<std::string, int>();
  }

  testing::TempDir dir_;
  std::string cluster_;
  std::string database_;
  std::string url_;
  Node a_;
  Node b_;
};

TEST_F(FailoverTest, StandbyTakesOverAfterSigkillAndEveryAcknowledgedScanIsThereOnce) {
  const std::string dir_a = dir_.File("node-a");
  const std::string dir_b = dir_.File("node-b");
  ASSERT_NO_FATAL_FAILURE(InitSite(dir_a, dir_.File("layout.toml")));
  const std::vector<std::string> stream = testing::ScanStream(1500, 20261129);
  const std::map<std::string, std::string> tokens = AddAccounts(stream);
  // Each node has its own DIR; the accounts are the site's, in PostgreSQL (docs/STORAGE.md).
  std::filesystem::create_directories(dir_b);

  a_ = StartNode(dir_a, url_, kSite, dir_.File("a.log"), /*lease_seconds=*/2);
  ASSERT_TRUE(WaitForLog(a_.log, "active for site FR-TST1 (lease token 1)"))
      << testing::ReadFileText(a_.log);
  // The audit log is the site's, in PostgreSQL; every node holds its key (docs/STORAGE.md).
  std::filesystem::copy_file(dir_a + "/audit.key", dir_b + "/audit.key");
  b_ = StartNode(dir_b, url_, kSite, dir_.File("b.log"), 2);
  ASSERT_TRUE(WaitForLog(b_.log, "standby for site FR-TST1: the active node is"))
      << testing::ReadFileText(b_.log);
  unsigned status = 0;
  json health = Health(b_.port, &status);
  EXPECT_EQ(status, 503u);
  EXPECT_EQ(health["status"], "standby");
  EXPECT_EQ(health["sites"][0]["role"], "standby");
  EXPECT_THAT(health["sites"][0]["active_node"].get<std::string>(),
              HasSubstr(":" + std::to_string(a_.port) + " pid " + std::to_string(a_.pid)));
  health = Health(a_.port, &status);
  EXPECT_EQ(status, 200u);
  EXPECT_EQ(health["sites"][0]["role"], "active");
  EXPECT_EQ(health["sites"][0]["lease_token"], 1);
  // A person logs in on the active node; the token is kept for after the failover.
  testing::Client login(a_.port);
  testing::Reply session =
      login.Post("/api/v1/login", json{{"login", "sup"}, {"password", kPassword}}.dump());
  ASSERT_EQ(session.status, 200u) << session.body;
  testing::Client supervisor(a_.port);
  supervisor.token = session.Json()["token"].get<std::string>();
  EXPECT_EQ(supervisor.Get("/api/v1/stock").status, 200u);

  // Two handhelds' worth of clients; each scan is retried with the same id, first on the
  // node it was sent to and then on the other, until a node acknowledges it.
  std::mutex mutex;
  std::vector<std::string> acknowledged;
  std::atomic<bool> gave_up{false};
  std::vector<std::thread> clients;
  for (size_t first : {size_t{0}, size_t{1}}) {
    clients.emplace_back([&, first] {
      uint16_t port = a_.port;
      for (size_t i = first; i < stream.size() && !gave_up; i += 2) {
        const auto deadline = Clock::now() + std::chrono::seconds(60);
        while (true) {
          testing::Client client(port);
          client.token = tokens.at(json::parse(stream[i])["device"]);
          if (client.Post("/api/v1/scans", stream[i]).status == 200u) {
            break;
          }
          if (Clock::now() > deadline) {
            gave_up = true;
            return;
          }
          port = port == a_.port ? b_.port : a_.port;
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        std::lock_guard lock(mutex);
        acknowledged.push_back(json::parse(stream[i])["id"]);
      }
    });
  }
  // Kill the active node under load.
  const auto loaded = Clock::now() + std::chrono::seconds(60);
  while (Clock::now() < loaded) {
    {
      std::lock_guard lock(mutex);
      if (acknowledged.size() >= 300) {
        break;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(kill(a_.pid, SIGKILL), 0);
  const auto killed_at = Clock::now();
  waitpid(a_.pid, nullptr, 0);
  a_.pid = -1;
  ASSERT_TRUE(WaitForLog(b_.log, "active for site FR-TST1 (lease token 2)"))
      << testing::ReadFileText(b_.log);
  while (Health(b_.port, &status),
         status != 200u && Clock::now() < killed_at + std::chrono::seconds(60)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const double takeover_s = std::chrono::duration<double>(Clock::now() - killed_at).count();
  // A lease of 2 s, a try every 0.4 s, then the journal's replay.
  EXPECT_LT(takeover_s, 15.0);
  for (std::thread& client : clients) {
    client.join();
  }
  EXPECT_FALSE(gave_up);
  health = Health(b_.port, &status);
  EXPECT_EQ(health["sites"][0]["lease_token"], 2);
  // The token the former active node issued works on the new one.
  testing::Client after(b_.port);
  after.token = supervisor.token;
  testing::Reply stock = after.Get("/api/v1/stock");
  EXPECT_EQ(stock.status, 200u) << stock.body;
  after.token = "not-a-token";
  EXPECT_EQ(after.Get("/api/v1/stock").status, 401u);
  EXPECT_EQ(StopNode(b_), 0) << testing::ReadFileText(b_.log);

  std::map<std::string, int> keys = JournalKeys(kSite);
  EXPECT_EQ(acknowledged.size(), stream.size());
  for (const std::string& id : acknowledged) {
    EXPECT_EQ(keys[id], 1) << id;
  }
  for (const auto& [key, count] : keys) {
    EXPECT_EQ(count, 1) << key;  // No scan applied twice, acknowledged or not.
  }
  std::cout << acknowledged.size() << " scans acknowledged, took over in " << takeover_s
            << " s after SIGKILL\n";
}

TEST_F(FailoverTest, ACleanStopHandsTheSiteOverAtOnce) {
  const std::string dir_a = dir_.File("node-a");
  ASSERT_NO_FATAL_FAILURE(InitSite(dir_a, dir_.File("layout.toml")));
  // A worker with a badge and a handheld, in the site's accounts.
  std::string device_token;
  {
    auth::AccountStoreOptions options;
    options.now_ms = [] { return int64_t{1'795'000'000'000}; };
    options.hash_cost = auth::HashCost::kMinimum;
    auto accounts = auth::OpenPostgresAccountStore(url_, kSite, options);
    ASSERT_TRUE(accounts.ok()) << accounts.status().ToString();
    ASSERT_TRUE(
        (*accounts)->AddUser({"w1", "", auth::Role::kWorker, {"*"}, kPassword, "BADGE-W1"}).ok());
    auto device = (*accounts)->AddDevice("HH-01", 0);
    ASSERT_TRUE(device.ok()) << device.status().ToString();
    device_token = device->token;
  }
  // The labor keys in one directory for both nodes (docs/LABOR.md, "Failover and keys").
  const std::string labor_keys = dir_.File("shared-labor-keys");
  const std::vector<std::string> shared = {"--labor-keys", labor_keys};
  // A long lease: only the release can explain a quick takeover.
  a_ = StartNode(dir_a, url_, kSite, dir_.File("a.log"), 300, shared);
  ASSERT_TRUE(WaitForLog(a_.log, "active for site FR-TST1 (lease token 1)"));
  {
    // The worker badges in on node A, acknowledges the notice and scans once.
    testing::Client device(a_.port);
    device.token = device_token;
    testing::Reply signed_in =
        device.Post("/api/v1/devices/session", json{{"badge", "BADGE-W1"}}.dump());
    ASSERT_EQ(signed_in.status, 200u) << signed_in.body;
    testing::Reply ack =
        device.Post("/api/v1/devices/session/acknowledge",
                    json{{"version", signed_in.Json()["notice"]["version"]}}.dump());
    ASSERT_EQ(ack.status, 200u) << ack.body;
    testing::Reply scan = device.Post(
        "/api/v1/scans",
        json{{"id", "labor-1"}, {"device", "HH-01"}, {"mode", "receive"}, {"code", "X"}}.dump());
    ASSERT_EQ(scan.status, 200u) << scan.body;
  }
  for (const char* node : {"node-b", "node-c"}) {
    std::filesystem::create_directories(dir_.File(node));
    std::filesystem::copy_file(dir_a + "/audit.key", dir_.File(node) + "/audit.key");
  }
  b_ = StartNode(dir_.File("node-b"), url_, kSite, dir_.File("b.log"), 300, shared);
  ASSERT_TRUE(WaitForLog(b_.log, "standby for site FR-TST1"));
  const auto stopped_at = Clock::now();
  EXPECT_EQ(StopNode(a_), 0) << testing::ReadFileText(a_.log);  // Writes its labor events.
  ASSERT_TRUE(WaitForLog(b_.log, "active for site FR-TST1 (lease token 2)"))
      << testing::ReadFileText(b_.log);
  EXPECT_LT(Clock::now() - stopped_at, std::chrono::seconds(60));  // Not 300 s.
  {
    // On node B the worker reads their day: the session and the scan recorded on A.
    testing::Client login(b_.port);
    testing::Reply session =
        login.Post("/api/v1/login", json{{"login", "w1"}, {"password", kPassword}}.dump());
    ASSERT_EQ(session.status, 200u) << session.body;
    testing::Client worker(b_.port);
    worker.token = session.Json()["token"].get<std::string>();
    testing::Reply mine = worker.Get("/api/v1/labor/me");
    ASSERT_EQ(mine.status, 200u) << mine.body;
    const json today = mine.Json()["today"];
    ASSERT_EQ(today["scans"].size(), 1u) << mine.body;
    EXPECT_EQ(today["scans"][0]["process"], "receive");
    EXPECT_EQ(today["current_task"]["process"], "receive") << "the session is still open";

    // The badge sign-in made on A is sealed under a sign-in key of the shared directory: B
    // still knows who is on the device, and its next scan goes on in the worker's session.
    testing::Client device(b_.port);
    device.token = device_token;
    testing::Reply scan = device.Post(
        "/api/v1/scans",
        json{{"id", "labor-2"}, {"device", "HH-01"}, {"mode", "receive"}, {"code", "X"}}.dump());
    ASSERT_EQ(scan.status, 200u) << scan.body;
    size_t scans = 0;
    for (const auto deadline = Clock::now() + std::chrono::seconds(20);
         scans < 2 && Clock::now() < deadline;
         std::this_thread::sleep_for(std::chrono::milliseconds(50))) {
      scans = worker.Get("/api/v1/labor/me").Json()["today"]["scans"].size();
    }
    EXPECT_EQ(scans, 2u) << "the labor recorder of B attributes the scan to the worker";
  }
  // A standby stopped while it waits exits cleanly too.
  Node c = StartNode(dir_.File("node-c"), url_, kSite, dir_.File("c.log"), 300);
  ASSERT_TRUE(WaitForLog(c.log, "standby for site FR-TST1"));
  EXPECT_EQ(StopNode(c), 0);
  EXPECT_THAT(testing::ReadFileText(c.log), HasSubstr("while standing by"));
}

TEST_F(FailoverTest, TwoSitesAreServedSideBySideFromOneDatabase) {
  ASSERT_NO_FATAL_FAILURE(InitSite(dir_.File("site-1"), dir_.File("layout.toml")));
  std::string other = testing::SmallLayoutToml();
  other.replace(other.find(kSite), std::string(kSite).size(), "FR-TST2");
  testing::WriteFile(dir_.File("layout-2.toml"), other);
  ASSERT_NO_FATAL_FAILURE(InitSite(dir_.File("site-2"), dir_.File("layout-2.toml")));
  a_ = StartNode(dir_.File("site-1"), url_, kSite, dir_.File("a.log"), 5);
  b_ = StartNode(dir_.File("site-2"), url_, "FR-TST2", dir_.File("b.log"), 5);
  ASSERT_TRUE(WaitForLog(a_.log, "active for site FR-TST1 (lease token 1)"));
  ASSERT_TRUE(WaitForLog(b_.log, "active for site FR-TST2 (lease token 1)"));
  unsigned status = 0;
  EXPECT_EQ(Health(a_.port, &status)["sites"][0]["site"], kSite);
  EXPECT_EQ(status, 200u);
  EXPECT_EQ(Health(b_.port, &status)["sites"][0]["site"], "FR-TST2");
  EXPECT_EQ(status, 200u);
}

}  // namespace
}  // namespace entrepot
