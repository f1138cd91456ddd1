// `entrepot migrate` and `entrepot serve --store` as a user runs them, against the test
// cluster whose conninfo is in ENTREPOT_TEST_POSTGRES (CTest's fixture "postgres"). Each test
// uses a database of its own. Fails when the variable is set and the server unreachable;
// skips when it is not set.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "entrepot/cli/postgres_test_database.h"
#include "entrepot/engine/site_engine.h"
#include "entrepot/store/journal_test_util.h"
#include "entrepot/store/postgres_journal.h"
#include "entrepot/store/sqlite_journal.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_site.h"

extern char** environ;

namespace entrepot::cli {
namespace {

using ::testing::HasSubstr;

constexpr const char* kSite = "FR-TST1";  // The code of testing::SmallLayoutToml().

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

  testing::TempDir dir_;
  std::string data_;
  testing::PostgresTestDatabase database_;
  std::string url_;  // This test's database.
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
