// `entrepot migrate` (the journal, the accounts and the audit log) and `entrepot serve --store`
// as a user runs them, against the test
// cluster whose conninfo is in ENTREPOT_TEST_POSTGRES (CTest's fixture "postgres"). Each test
// uses a database of its own. Fails when the variable is set and the server unreachable;
// skips when it is not set.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "entrepot/auth/account_store.h"
#include "entrepot/auth/postgres_account_store.h"
#include "entrepot/cli/postgres_test_database.h"
#include "entrepot/engine/site_engine.h"
#include "entrepot/server/epcis_capture_store.h"
#include "entrepot/server/epcis_postgres.h"
#include "entrepot/server/epcis_repository.h"
#include "entrepot/server/epcis_test_documents.h"
#include "entrepot/server/labor_recorder.h"
#include "entrepot/store/audit_log.h"
#include "entrepot/store/journal_test_util.h"
#include "entrepot/store/labor_store.h"
#include "entrepot/store/postgres_audit_log.h"
#include "entrepot/store/postgres_journal.h"
#include "entrepot/store/postgres_labor_store.h"
#include "entrepot/store/sqlite_journal.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_site.h"

extern char** environ;

namespace entrepot::cli {
namespace {

using ::testing::HasSubstr;

constexpr const char* kSite = "FR-TST1";  // The code of testing::SmallLayoutToml().
constexpr const char* kPassword = "a password to migrate";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// `keys`: the sign-in keys of the device sessions (null: none, as the command line).
auth::AccountStoreOptions AccountOptions(auth::SessionKeys* keys = nullptr) {
  auth::AccountStoreOptions options;
  options.now_ms = NowMs;
  options.hash_cost = auth::HashCost::kMinimum;
  options.session_keys = keys;
  return options;
}

privacy::AuditRecord Read(const std::string& subject, int64_t at_ms) {
  privacy::AuditRecord record;
  record.at_ms = at_ms;
  record.actor_kind = privacy::PrincipalKind::kUser;
  record.actor = "boss";
  record.actor_role = privacy::Role::kAdmin;
  record.action = "read";
  record.data_class = "accounts";
  record.subject = subject;
  record.purpose = "account_administration";
  record.resource = "GET /api/v1/users/" + subject;
  return record;
}

class MigrateCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_.Create("entrepot_migrate");
    if (IsSkipped() || HasFatalFailure()) {
      return;
    }
    url_ = database_.url();
    data_ = dir_.File("site");
  }

  // A site with its layout and `scans` scans.
  void MakeSite(int scans) {
    testing::WriteFile(dir_.File("layout.toml"), testing::SmallLayoutToml());
    testing::CommandResult init =
        testing::RunEntrepot({"init", "--data", data_, "--layout", dir_.File("layout.toml")});
    ASSERT_EQ(init.exit_status, 0) << init.out;
    std::string lines;
    for (const std::string& line : testing::ScanStream(scans, 7)) {
      lines += line + "\n";
    }
    testing::WriteFile(dir_.File("scans.ndjson"), lines);
    testing::CommandResult ingest =
        testing::RunEntrepot({"ingest", "--data", data_, dir_.File("scans.ndjson")});
    ASSERT_EQ(ingest.exit_status, 0) << ingest.out;
  }

  // The sign-in keys in DIR/labor-keys, as `entrepot serve` keeps them. REQUIRES: DIR exists.
  auth::SessionKeys* SignInKeys() {
    if (signin_keys_ == nullptr) {
      auto keys = server::SignInKeyDir::Open(std::filesystem::path(data_) / "labor-keys",
                                             server::LaborTimeZone{}, NowMs);
      EXPECT_TRUE(keys.ok()) << keys.status().ToString();
      signin_keys_ = keys.ok() ? *std::move(keys) : nullptr;
    }
    return signin_keys_.get();
  }

  // The site's accounts.db: an admin with a session and a worker signed in on a handheld.
  struct Accounts {
    std::string session_token;
    std::string device_token;
    int64_t device_id = 0;
  };
  Accounts MakeAccounts() {
    Accounts made;
    auto store = auth::AccountStore::Open(data_ + "/accounts.db", AccountOptions(SignInKeys()));
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    if (!store.ok()) {
      return made;
    }
    EXPECT_TRUE((*store)->AddUser({"boss", "", auth::Role::kAdmin, {"*"}, kPassword, ""}).ok());
    EXPECT_TRUE(
        (*store)->AddUser({"w1", "", auth::Role::kWorker, {"*"}, kPassword, "BADGE-1"}).ok());
    auto login = (*store)->Login("boss", kPassword);
    auto device = (*store)->AddDevice("HH-07", 0);
    EXPECT_TRUE(login.ok() && device.ok());
    if (login.ok() && device.ok()) {
      made = {login->token, device->token, device->id};
      EXPECT_TRUE((*store)->StartDeviceSession(device->id, "BADGE-1").ok());
    }
    return made;
  }

  // The site's audit.db: five records, the first two pruned (anchor at seq 2); returns the
  // head seq.
  uint64_t MakeAuditLog() {
    auto log = store::AuditLog::OpenInDirectory(data_);
    EXPECT_TRUE(log.ok()) << log.status().ToString();
    if (!log.ok()) {
      return 0;
    }
    const int64_t now = NowMs();
    for (int hours : {3, 2, 1}) {
      EXPECT_TRUE((*log)->Append(Read("w" + std::to_string(hours), now - hours * 3'600'000)).ok());
    }
    auto pruned = (*log)->PruneBefore(now - 90 * 60'000, now);
    EXPECT_TRUE(pruned.ok() && pruned->through_seq == 2) << pruned.status().ToString();
    auto last = (*log)->Append(Read("*", now));
    EXPECT_TRUE(last.ok());
    return last.ok() ? *last : 0;
  }

  testing::TempDir dir_;
  std::string data_;
  testing::PostgresTestDatabase database_;
  std::string url_;                                    // This test's database.
  std::unique_ptr<server::SignInKeyDir> signin_keys_;  // SignInKeys().
};

std::unique_ptr<engine::SiteEngine> OpenPostgresSite(const std::string& url) {
  StatusOr<std::unique_ptr<store::PostgresJournal>> journal =
      store::PostgresJournal::Open(url, kSite, {.read_only = true});
  EXPECT_TRUE(journal.ok()) << journal.status().ToString();
  if (!journal.ok()) {
    return nullptr;
  }
  StatusOr<std::unique_ptr<engine::SiteEngine>> engine =
      engine::SiteEngine::Open(*std::move(journal));
  EXPECT_TRUE(engine.ok()) << engine.status().ToString();
  return engine.ok() ? *std::move(engine) : nullptr;
}

std::unique_ptr<engine::SiteEngine> OpenSqliteSite(const std::string& data_dir) {
  StatusOr<std::unique_ptr<store::SqliteJournal>> journal =
      store::SqliteJournal::Open(data_dir + "/journal.db", {.read_only = true});
  EXPECT_TRUE(journal.ok()) << journal.status().ToString();
  if (!journal.ok()) {
    return nullptr;
  }
  StatusOr<std::unique_ptr<engine::SiteEngine>> engine =
      engine::SiteEngine::Open(*std::move(journal));
  EXPECT_TRUE(engine.ok()) << engine.status().ToString();
  return engine.ok() ? *std::move(engine) : nullptr;
}

// Starts `entrepot serve`, waits for "listening on", stops it with SIGTERM; returns its exit
// status and everything it printed.
testing::CommandResult ServeAndStop(const std::vector<std::string>& args) {
  int pipe_fds[2];
  EXPECT_EQ(::pipe(pipe_fds), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
  std::vector<std::string> argv_strings = {ENTREPOT_BINARY, "serve"};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : argv_strings) {
    argv.push_back(arg.data());
  }
  argv.push_back(nullptr);
  pid_t pid = 0;
  EXPECT_EQ(posix_spawn(&pid, ENTREPOT_BINARY, &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  testing::CommandResult result;
  char buffer[4096];
  bool signalled = false;
  ssize_t got;
  while ((got = ::read(pipe_fds[0], buffer, sizeof(buffer))) > 0) {
    result.out.append(buffer, static_cast<size_t>(got));
    if (!signalled && result.out.find("listening on") != std::string::npos) {
      ::kill(pid, SIGTERM);
      signalled = true;
    }
  }
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

TEST_F(MigrateCommandTest, MovesASiteVerifiedByReplayAndServesItFromPostgres) {
  MakeSite(120);
  testing::CommandResult migrated =
      testing::RunEntrepot({"migrate", "--from", data_, "--to", url_, "--batch", "50"});
  ASSERT_EQ(migrated.exit_status, 0) << migrated.out;
  EXPECT_THAT(migrated.out, HasSubstr("migrated site FR-TST1"));
  EXPECT_THAT(migrated.out, HasSubstr("verified by replay"));

  // An independent check of the claim: both replay to the same bytes.
  std::unique_ptr<engine::SiteEngine> from = OpenSqliteSite(data_);
  std::unique_ptr<engine::SiteEngine> to = OpenPostgresSite(url_);
  ASSERT_NE(from, nullptr);
  ASSERT_NE(to, nullptr);
  EXPECT_GT(from->last_seq(), 100u);
  EXPECT_EQ(to->last_seq(), from->last_seq());
  EXPECT_EQ(to->state().Encode(), from->state().Encode());
  const uint64_t last_seq = from->last_seq();

  // The site is served from PostgreSQL (the engine's writer and the feed's reader), and
  // DIR/journal.db is not touched: serve's stop snapshot lands in PostgreSQL.
  testing::CommandResult served = ServeAndStop(
      {"--data", data_, "--store", url_, "--listen", "127.0.0.1:0", "--network-threads", "1"});
  EXPECT_EQ(served.exit_status, 0) << served.out;
  EXPECT_THAT(served.out, HasSubstr("stopped at seq " + std::to_string(last_seq)));
  store::testing::RawPostgres raw(url_);
  EXPECT_EQ(raw.QueryInt("SELECT max(seq) FROM entrepot_snapshots WHERE site = 'FR-TST1'"),
            static_cast<int64_t>(last_seq));
}

// The accounts and the audit log move too: a token, a device and a badge sign-in from before
// the move work against the site in PostgreSQL, and the audit chain verifies there whole.
TEST_F(MigrateCommandTest, MovesTheAccountsAndTheAuditLogWithTheJournal) {
  MakeSite(10);
  const Accounts accounts = MakeAccounts();
  const uint64_t head = MakeAuditLog();
  testing::CommandResult migrated =
      testing::RunEntrepot({"migrate", "--from", data_, "--to", url_});
  ASSERT_EQ(migrated.exit_status, 0) << migrated.out;
  EXPECT_THAT(migrated.out, HasSubstr("accounts: 2 users, 1 devices, 1 sessions, 1 device "
                                      "sessions, 0 notice acknowledgements copied"));
  EXPECT_THAT(migrated.out, HasSubstr("audit log: 3 records (to seq " + std::to_string(head) +
                                      ", pruned up to seq 2) copied"));

  // The badge sign-in came sealed as it was: it opens with the key directory that stayed in
  // DIR (copied or shared apart, as the labor keys).
  auto there = auth::OpenPostgresAccountStore(url_, kSite, AccountOptions(SignInKeys()));
  ASSERT_TRUE(there.ok()) << there.status().ToString();
  EXPECT_EQ((*there)->Authenticate(accounts.session_token)->name, "boss");
  EXPECT_EQ((*there)->Authenticate(accounts.device_token)->name, "HH-07");
  EXPECT_TRUE((*there)->Login("w1", kPassword).ok());
  EXPECT_TRUE((*there)->SignedInWorker(accounts.device_id, "v1").has_value());
  EXPECT_TRUE((*there)->AddDevice("HH-08", 0).ok());
  there->reset();

  const std::vector<std::string> verify = {"audit",   "verify", "--data", data_,
                                           "--store", url_,     "--site", kSite};
  testing::CommandResult verified = testing::RunEntrepot(verify);
  EXPECT_EQ(verified.exit_status, 0) << verified.out;
  EXPECT_THAT(verified.out, HasSubstr("intact"));
  // A node goes on with the same chain.
  auto log = store::OpenPostgresAuditLog(url_, kSite, data_ + "/audit.key");
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ(*(*log)->Append(Read("w1", NowMs())), head + 1);
  log->reset();
  EXPECT_EQ(testing::RunEntrepot(verify).exit_status, 0);
}

// Accounts or an audit log of the site already in the database: refused before anything is
// written there (the journal included).
TEST_F(MigrateCommandTest, RefusesASiteWhoseAccountsOrAuditLogAreThereAlready) {
  MakeSite(10);
  MakeAccounts();
  MakeAuditLog();
  store::testing::RawPostgres raw(url_);
  {
    auto there = auth::OpenPostgresAccountStore(url_, kSite, AccountOptions());
    ASSERT_TRUE(there.ok()) << there.status().ToString();
    ASSERT_TRUE((*there)->AddDevice("HH-01", 0).ok());
  }
  testing::CommandResult accounts =
      testing::RunEntrepot({"migrate", "--from", data_, "--to", url_});
  EXPECT_EQ(accounts.exit_status, 1) << accounts.out;
  EXPECT_THAT(accounts.out, HasSubstr("accounts_not_empty"));
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM entrepot_journal"), 0);
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM entrepot_account_devices"), 1);
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM entrepot_audit"), 0);

  raw.Exec("DELETE FROM entrepot_account_devices");
  const std::string other_dir = dir_.File("other-node");
  std::filesystem::create_directories(other_dir);
  {
    auto log = store::OpenPostgresAuditLog(url_, kSite, other_dir + "/audit.key");
    ASSERT_TRUE(log.ok()) << log.status().ToString();
  }
  testing::CommandResult audit = testing::RunEntrepot({"migrate", "--from", data_, "--to", url_});
  EXPECT_EQ(audit.exit_status, 1) << audit.out;
  EXPECT_THAT(audit.out, HasSubstr("audit_log_not_empty"));
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM entrepot_journal"), 0);
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM entrepot_account_users"), 0);
}

// The labor stream moves too (docs/LABOR.md): with the same key directory, the worker's day
// recorded in DIR/labor.db reads the same from the site's labor tables, and a second copy is
// refused before anything is written.
TEST_F(MigrateCommandTest, MovesTheLaborStreamAndRefusesASiteWithLaborRows) {
  MakeSite(10);
  const privacy::Date monday{std::chrono::year(2026), std::chrono::month(5), std::chrono::day(4)};
  {
    auto labor = store::LaborStore::Open(data_, privacy::DefaultPolicy());
    ASSERT_TRUE(labor.ok()) << labor.status().ToString();
    ASSERT_TRUE((*labor)->StartSession(monday, "HH-07", 7, 1000).ok());
    ASSERT_TRUE(*(*labor)->RecordScan("HH-07", "pick", "A", "ok", 3, 2000));
  }
  store::testing::RawPostgres raw(url_);
  {
    // Another copy of the labor stream there already: refused, nothing written.
    auto there = store::OpenPostgresLaborStore(url_, kSite, privacy::DefaultPolicy(),
                                               {.key_dir = dir_.File("other-keys")});
    ASSERT_TRUE(there.ok()) << there.status().ToString();
    ASSERT_TRUE((*there)->StartSession(monday, "HH-01", 1, 0).ok());
  }
  testing::CommandResult refused = testing::RunEntrepot({"migrate", "--from", data_, "--to", url_});
  EXPECT_EQ(refused.exit_status, 1) << refused.out;
  EXPECT_THAT(refused.out, HasSubstr("labor_not_empty"));
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM entrepot_journal"), 0);

  raw.Exec("DELETE FROM entrepot_labor_sessions");
  testing::CommandResult migrated =
      testing::RunEntrepot({"migrate", "--from", data_, "--to", url_});
  ASSERT_EQ(migrated.exit_status, 0) << migrated.out;
  EXPECT_THAT(migrated.out, HasSubstr("labor stream: 1 sessions, 1 scans, 0 weekly rows copied"));
  EXPECT_THAT(migrated.out, HasSubstr("--labor-keys"));
  auto there = store::OpenPostgresLaborStore(url_, kSite, privacy::DefaultPolicy(),
                                             {.key_dir = data_ + "/labor-keys"});
  ASSERT_TRUE(there.ok()) << there.status().ToString();
  StatusOr<store::OwnLaborDay> day = (*there)->WorkerDay(monday, 7);
  ASSERT_TRUE(day.ok()) << day.status().ToString();
  EXPECT_EQ(day->today.units, 3);
  EXPECT_EQ(day->sessions.size(), 1u);
}

// The events partners captured into DIR/epcis.db go to the site's EPCIS tables, with their
// jobs, so that a node taking the site over serves them (docs/STORAGE.md).
TEST_F(MigrateCommandTest, MovesTheCapturedEpcisEventsAndRefusesASiteWithCaptures) {
  MakeSite(10);
  constexpr int64_t kCaptureTime = 1'800'000'000'000;
  {
    server::EpcisRepositoryOptions options;
    options.db_path = data_ + "/epcis.db";
    auto repository = server::EpcisRepository::Open(std::move(options));
    ASSERT_TRUE(repository.ok()) << repository.status().ToString();
    auto job = (*repository)
                   ->Capture(server::epcis_testing::Document({server::epcis_testing::Receipt(1),
                                                              server::epcis_testing::Receipt(2)})
                                 .dump(),
                             server::CaptureBehaviour::kRollback, kCaptureTime);
    ASSERT_TRUE(job.ok()) << job.status().ToString();
    ASSERT_EQ(job->captured_count, 2u);
  }
  store::testing::RawPostgres raw(url_);
  {
    // A capture there already: refused, nothing written.
    auto there = server::OpenPostgresEpcisCaptures(url_, kSite);
    ASSERT_TRUE(there.ok()) << there.status().ToString();
    auto copied = server::CopyEpcisCaptures(data_ + "/epcis.db", **there);
    ASSERT_TRUE(copied.ok()) << copied.status().ToString();
  }
  testing::CommandResult refused = testing::RunEntrepot({"migrate", "--from", data_, "--to", url_});
  EXPECT_EQ(refused.exit_status, 1) << refused.out;
  EXPECT_THAT(refused.out, HasSubstr("epcis_not_empty"));
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM entrepot_journal"), 0);

  raw.Exec("DELETE FROM entrepot_epcis_events");
  raw.Exec("DELETE FROM entrepot_epcis_capture_jobs");
  testing::CommandResult migrated =
      testing::RunEntrepot({"migrate", "--from", data_, "--to", url_});
  ASSERT_EQ(migrated.exit_status, 0) << migrated.out;
  EXPECT_THAT(migrated.out, HasSubstr("EPCIS captures: 2 captured events and 1 capture jobs"));
  auto there = server::OpenPostgresEpcisCaptures(url_, kSite);
  ASSERT_TRUE(there.ok()) << there.status().ToString();
  auto captured = (*there)->CapturedAfter(0, 10);
  ASSERT_TRUE(captured.ok()) << captured.status().ToString();
  ASSERT_EQ(captured->size(), 2u);
  EXPECT_EQ((*captured)[0].record_time_ms, kCaptureTime);
  auto job = (*there)->FindJob((*captured)[0].job);
  ASSERT_TRUE(job.ok() && job->has_value());
  EXPECT_EQ((*job)->captured_count, 2u);
  EXPECT_EQ((*job)->created_ms, kCaptureTime);
}

TEST_F(MigrateCommandTest, RefusesASiteThatAlreadyHasRecordsThere) {
  MakeSite(10);
  ASSERT_EQ(testing::RunEntrepot({"migrate", "--from", data_, "--to", url_}).exit_status, 0);
  testing::CommandResult again = testing::RunEntrepot({"migrate", "--from", data_, "--to", url_});
  EXPECT_EQ(again.exit_status, 1) << again.out;
  EXPECT_THAT(again.out, HasSubstr("target_not_empty"));
}

TEST_F(MigrateCommandTest, RefusesBadArgumentsAndMissingSites) {
  testing::CommandResult bad_url =
      testing::RunEntrepot({"migrate", "--from", data_, "--to", "/var/lib/postgres"});
  EXPECT_EQ(bad_url.exit_status, 1) << bad_url.out;
  EXPECT_THAT(bad_url.out, HasSubstr("bad_store_url"));
  testing::CommandResult missing = testing::RunEntrepot({"migrate", "--from", data_, "--to", url_});
  EXPECT_EQ(missing.exit_status, 2) << missing.out;
  EXPECT_THAT(missing.out, HasSubstr("site_not_found"));
  // serve --store on a database that does not hold the site.
  testing::CommandResult served =
      testing::RunEntrepot({"serve", "--data", data_, "--store", url_, "--listen", "127.0.0.1:0"});
  EXPECT_EQ(served.exit_status, 2) << served.out;
  EXPECT_THAT(served.out, HasSubstr("site_not_found"));
}

}  // namespace
}  // namespace entrepot::cli
