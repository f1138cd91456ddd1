// `entrepot init|ingest|stock|verify|export epcis|user add|device add --store postgresql://...`
// as a user runs them, against the test cluster whose conninfo is in ENTREPOT_TEST_POSTGRES
// (CTest's fixture "postgres"; skipped when it is not set). The same commands on a SQLite
// site are the oracle: a site in PostgreSQL must answer as its twin in DIR/journal.db does.
// Each test uses a database of its own.
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "entrepot/cli/postgres_test_database.h"
#include "entrepot/store/journal_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_site.h"

namespace entrepot::cli {
namespace {

using testing::CommandResult;
using ::testing::HasSubstr;
using testing::RunEntrepot;

// RunEntrepot with `input` on stdin (for --password-stdin): the command inherits this
// process's stdin, pointed at a file for the while.
CommandResult RunWithInput(const std::vector<std::string>& args, const std::string& input,
                           const std::string& dir) {
  const std::string input_file = dir + "/stdin.txt";
  testing::WriteFile(input_file, input);
  const int saved = ::dup(STDIN_FILENO);
  const int file = ::open(input_file.c_str(), O_RDONLY);
  EXPECT_GE(file, 0) << input_file;
  ::dup2(file, STDIN_FILENO);
  ::close(file);
  CommandResult result = RunEntrepot(args);
  ::dup2(saved, STDIN_FILENO);
  ::close(saved);
  return result;
}

// `args` with `--store URL` appended (empty URL: none).
std::vector<std::string> With(std::vector<std::string> args, const std::string& url) {
  if (!url.empty()) {
    args.insert(args.end(), {"--store", url});
  }
  return args;
}

class StoreCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_.Create("entrepot_store_cli");
    if (IsSkipped() || HasFatalFailure()) {
      return;
    }
    url_ = database_.url();
    layout_ = dir_.File("layout.toml");
    testing::WriteFile(layout_, testing::SmallLayoutToml());
    std::string lines;
    for (const std::string& line : testing::ScanStream(80, 11)) {
      lines += line + "\n";
    }
    scans_ = dir_.File("scans.ndjson");
    testing::WriteFile(scans_, lines);
  }
  // `entrepot ARGS --data DIR [--store URL]`, which must succeed.
  std::string Ok(std::vector<std::string> args, const std::string& data, const std::string& url) {
    args.insert(args.end(), {"--data", data});
    CommandResult result = RunEntrepot(With(args, url), /*with_stderr=*/false);
    EXPECT_EQ(result.exit_status, 0) << args[0] << ": " << result.out;
    return result.out;
  }

  testing::PostgresTestDatabase database_;
  testing::TempDir dir_;
  std::string url_;  // The database's conninfo.
  std::string layout_;
  std::string scans_;
};

TEST_F(StoreCommandsTest, ASiteInPostgresAnswersAsItsTwinInSqlite) {
  const std::string pg = dir_.File("pg");  // DIR of the PostgreSQL site: no journal.db.
  const std::string lite = dir_.File("lite");
  for (const auto& [data, url] : {std::pair{pg, url_}, std::pair{lite, std::string()}}) {
    SCOPED_TRACE(data);
    EXPECT_THAT(Ok({"init", "--layout", layout_}, data, url),
                HasSubstr("initialised site FR-TST1"));
    EXPECT_THAT(Ok({"ingest", scans_}, data, url), HasSubstr("ingested 80 scans"));
    EXPECT_THAT(Ok({"verify"}, data, url), HasSubstr("ok: "));
  }
  EXPECT_FALSE(std::filesystem::exists(pg + "/journal.db"));
  store::testing::RawPostgres raw(url_);
  EXPECT_GT(raw.QueryInt("SELECT count(*) FROM entrepot_journal WHERE site = 'FR-TST1'"), 80);

  EXPECT_EQ(Ok({"stock", "--json"}, pg, url_), Ok({"stock", "--json"}, lite, ""));
  EXPECT_EQ(Ok({"stock", "--location", "A-01-001-1-1"}, pg, url_),
            Ok({"stock", "--location", "A-01-001-1-1"}, lite, ""));
  EXPECT_EQ(Ok({"verify"}, pg, url_).substr(0, 40), Ok({"verify"}, lite, "").substr(0, 40));

  // The same events, but for the document's creationDate.
  Ok({"export", "epcis", "--output", dir_.File("pg.json")}, pg, url_);
  Ok({"export", "epcis", "--output", dir_.File("lite.json")}, lite, "");
  const std::string exported = testing::ReadFileText(dir_.File("pg.json"));
  EXPECT_THAT(exported, HasSubstr("\"eventList\""));
  EXPECT_EQ(exported.substr(exported.find("\"epcisBody\"")),
            testing::ReadFileText(dir_.File("lite.json"))
                .substr(testing::ReadFileText(dir_.File("lite.json")).find("\"epcisBody\"")));

  // Ingesting the same file again replays every id: nothing new is written.
  const int64_t records = raw.QueryInt("SELECT max(seq) FROM entrepot_journal");
  EXPECT_THAT(Ok({"ingest", scans_}, pg, url_),
              HasSubstr("replayed ids (first outcome returned): 80"));
  EXPECT_EQ(raw.QueryInt("SELECT max(seq) FROM entrepot_journal"), records);
}

// The accounts of a site in PostgreSQL are in the database (every node of the site shares
// them), not in DIR.
TEST_F(StoreCommandsTest, AccountsOfASiteInPostgresLiveInTheDatabase) {
  const std::string data = dir_.File("site");
  Ok({"init", "--layout", layout_}, data, url_);
  const std::vector<std::string> add_user = {
      "user", "add", "--data", data, "--login", "root", "--role", "admin", "--password-stdin"};
  CommandResult added = RunWithInput(With(add_user, url_), "first admin password\n", dir_.path());
  EXPECT_EQ(added.exit_status, 0) << added.out;
  EXPECT_THAT(added.out, HasSubstr("added user root (admin)"));
  EXPECT_FALSE(std::filesystem::exists(data + "/accounts.db"));
  store::testing::RawPostgres raw(url_);
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM entrepot_account_users WHERE site = 'FR-TST1' "
                         "AND login = 'root'"),
            1);
  // The same store: the login is taken.
  CommandResult again = RunWithInput(With(add_user, url_), "first admin password\n", dir_.path());
  EXPECT_EQ(again.exit_status, 1) << again.out;
  EXPECT_THAT(again.out, HasSubstr("login_taken"));

  const std::vector<std::string> add_device = {"device", "add", "--data", data, "--name", "HH-07"};
  CommandResult device = RunEntrepot(With(add_device, url_), /*with_stderr=*/false);
  EXPECT_EQ(device.exit_status, 0) << device.out;
  EXPECT_FALSE(device.out.empty());  // The token.
  CommandResult taken = RunEntrepot(With(add_device, url_));
  EXPECT_EQ(taken.exit_status, 1) << taken.out;
  EXPECT_THAT(taken.out, HasSubstr("device_name_taken"));
  // Without --store, DIR holds no site.
  CommandResult bare = RunEntrepot(add_device);
  EXPECT_EQ(bare.exit_status, 2) << bare.out;
  EXPECT_THAT(bare.out, HasSubstr("site_not_found"));

  // Another site of the database has accounts of its own.
  std::string other = testing::SmallLayoutToml();
  other.replace(other.find("FR-TST1"), 7, "FR-TST2");
  testing::WriteFile(dir_.File("other.toml"), other);
  Ok({"init", "--layout", dir_.File("other.toml")}, dir_.File("other"), url_);
  CommandResult second = RunEntrepot(
      With({"device", "add", "--data", data, "--name", "HH-07", "--site", "FR-TST2"}, url_));
  EXPECT_EQ(second.exit_status, 0) << second.out;
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM entrepot_account_devices WHERE name = 'HH-07'"), 2);
}

TEST_F(StoreCommandsTest, RefusesWhatCannotBeRightAndSaysWhy) {
  const std::string data = dir_.File("site");
  struct Case {
    std::vector<std::string> args;
    int exit_status;
    std::string reason;
  };
  const std::vector<Case> before_init = {
      // Nothing in the database yet.
      {With({"stock", "--data", data}, url_), 2, "site_not_found"},
      {With({"verify", "--data", data, "--site", "FR-TST1"}, url_), 1, "journal_not_found"},
      {With({"device", "add", "--data", data, "--name", "HH-01"}, url_), 2, "site_not_found"},
      {{"device", "add", "--data", data, "--name", "HH-01"}, 2, "site_not_found"},
      {With({"init", "--data", data, "--layout", layout_, "--site", "FR-XXX"}, url_), 1,
       "site_mismatch"},
      {{"init", "--data", data, "--layout", layout_, "--store", "host=/tmp dbname=x"},
       1,
       "bad_store_url"},
      {With({"export", "epcis", "--data", data}, "postgres-ish"), 1, "bad_store_url"},
      // --site means nothing without --store (CLI11 refuses it).
      {{"stock", "--data", data, "--site", "FR-TST1"}, 107, "--site requires --store"},
  };
  for (const Case& c : before_init) {
    CommandResult result = RunEntrepot(c.args);
    EXPECT_EQ(result.exit_status, c.exit_status)
        << c.args[0] << " " << c.args[1] << ": " << result.out;
    EXPECT_THAT(result.out, HasSubstr(c.reason)) << c.args[0];
  }
  EXPECT_FALSE(std::filesystem::exists(data)) << "a refused init made DIR";

  Ok({"init", "--layout", layout_}, data, url_);
  std::string other = testing::SmallLayoutToml();
  other.replace(other.find("FR-TST1"), 7, "FR-TST2");
  testing::WriteFile(dir_.File("other.toml"), other);
  Ok({"init", "--layout", dir_.File("other.toml")}, dir_.File("other"), url_);
  const std::vector<Case> after_init = {
      {With({"init", "--data", data, "--layout", layout_}, url_), 2, "site_initialised"},
      {With({"stock", "--data", data}, url_), 1, "site_required"},
      {With({"ingest", "--data", data, scans_}, url_), 1, "site_required"},
      {With({"device", "add", "--data", data, "--name", "HH-01", "--site", "FR-TST9"}, url_), 2,
       "journal_not_found"},
  };
  for (const Case& c : after_init) {
    CommandResult result = RunEntrepot(c.args);
    EXPECT_EQ(result.exit_status, c.exit_status) << c.args[0] << ": " << result.out;
    EXPECT_THAT(result.out, HasSubstr(c.reason)) << c.args[0];
  }
  // Named, each of the two sites is served to the commands.
  EXPECT_THAT(Ok({"stock", "--site", "FR-TST2"}, data, url_), HasSubstr("site FR-TST2"));
}

}  // namespace
}  // namespace entrepot::cli
