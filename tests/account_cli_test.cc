// `entrepot user add` and `entrepot device add` run as a user would, on a temporary site.
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "entrepot/auth/account_store.h"
#include "entrepot/domain/layout.h"
#include "entrepot/engine/site_engine.h"
#include "entrepot/store/sqlite_journal.h"
#include "gtest/gtest.h"
#include "test_site.h"

namespace entrepot {
namespace {

struct CommandResult {
  int exit_status = -1;
  std::string out;
};

// Runs `entrepot ARGS` with `input` on stdin; stdout is captured, stderr goes to
// DIR/stderr.txt.
CommandResult Entrepot(const std::string& args, const std::string& input, const std::string& dir) {
  std::string input_file = dir + "/stdin.txt";
  FILE* in = std::fopen(input_file.c_str(), "w");
  std::fputs(input.c_str(), in);
  std::fclose(in);
  std::string command =
      std::string(ENTREPOT_BINARY) + " " + args + " < " + input_file + " 2>" + dir + "/stderr.txt";
  CommandResult run;
  FILE* pipe = popen(command.c_str(), "r");
  char buffer[256];
  while (std::fgets(buffer, sizeof(buffer), pipe) != nullptr) {
    run.out += buffer;
  }
  int status = pclose(pipe);
  run.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

class AccountCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    site_ = dir_.File("site");
    auto layout = domain::ParseLayoutToml(testing::SmallLayoutToml());
    ASSERT_TRUE(layout.ok());
    std::filesystem::create_directories(site_);
    auto journal = store::SqliteJournal::Open(site_ + "/journal.db");
    ASSERT_TRUE(journal.ok()) << journal.status().ToString();
    auto engine = engine::SiteEngine::Open(*std::move(journal));
    ASSERT_TRUE(engine.ok());
    ASSERT_TRUE((*engine)->LoadLayout(*layout).ok());
  }
  std::unique_ptr<auth::AccountStore> Accounts() {
    auth::AccountStoreOptions options;
    options.now_ms = [] { return int64_t{1'795'000'000'000}; };
    auto accounts = auth::AccountStore::Open(site_ + "/accounts.db", options);
    EXPECT_TRUE(accounts.ok()) << accounts.status().ToString();
    return accounts.ok() ? *std::move(accounts) : nullptr;
  }

  testing::TempDir dir_;
  std::string site_;
};

TEST_F(AccountCliTest, FirstAdminCanLogIn) {
  CommandResult added = Entrepot(
      "user add --data " + site_ + " --login root --role admin --name Root " + "--password-stdin",
      "first admin password\n", dir_.path());
  ASSERT_EQ(added.exit_status, 0) << testing::ReadFileText(dir_.File("stderr.txt"));
  EXPECT_NE(added.out.find("added user root (admin)"), std::string::npos);
  auto accounts = Accounts();
  ASSERT_NE(accounts, nullptr);
  auto login = accounts->Login("root", "first admin password");
  ASSERT_TRUE(login.ok()) << login.status().ToString();
  EXPECT_EQ(login->role, auth::Role::kAdmin);
  auto user = accounts->FindUser("root");
  ASSERT_TRUE(user.ok());
  EXPECT_EQ(user->display_name, "Root");
  EXPECT_EQ(user->scope, auth::Scope{"*"});
}

TEST_F(AccountCliTest, RefusesWeakPasswordsDuplicatesBadRolesAndMissingSites) {
  std::string add = "user add --data " + site_ + " --login root --role admin --password-stdin";
  EXPECT_EQ(Entrepot(add, "short\n", dir_.path()).exit_status, 1);
  EXPECT_NE(testing::ReadFileText(dir_.File("stderr.txt")).find("weak_password"),
            std::string::npos);
  EXPECT_EQ(Entrepot(add, "a long enough password\n", dir_.path()).exit_status, 0);
  EXPECT_EQ(Entrepot(add, "a long enough password\n", dir_.path()).exit_status, 1);
  EXPECT_NE(testing::ReadFileText(dir_.File("stderr.txt")).find("login_taken"), std::string::npos);
  EXPECT_EQ(Entrepot("user add --data " + site_ + " --login x --role boss --password-stdin",
                     "a long enough password\n", dir_.path())
                .exit_status,
            1);
  EXPECT_EQ(Entrepot("user add --data " + dir_.File("nosite") +
                         " --login x --role admin --password-stdin",
                     "a long enough password\n", dir_.path())
                .exit_status,
            2);
}

TEST_F(AccountCliTest, DeviceAddPrintsATokenThatAuthenticates) {
  CommandResult added = Entrepot("device add --data " + site_ + " --name HH-07", "", dir_.path());
  ASSERT_EQ(added.exit_status, 0) << testing::ReadFileText(dir_.File("stderr.txt"));
  std::string token = added.out.substr(0, added.out.find('\n'));
  EXPECT_EQ(token.size(), 43u);
  auto accounts = Accounts();
  ASSERT_NE(accounts, nullptr);
  auto principal = accounts->Authenticate(token);
  ASSERT_TRUE(principal.ok());
  EXPECT_EQ(principal->kind, auth::Principal::Kind::kDevice);
  EXPECT_EQ(principal->name, "HH-07");
  EXPECT_EQ(Entrepot("device add --data " + site_ + " --name HH-07", "", dir_.path()).exit_status,
            1);
}

}  // namespace
}  // namespace entrepot
