// AccountStore on a temporary SQLite file with a fake clock and the minimum hash cost.
#include "entrepot/auth/account_store.h"

#include <sqlite3.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>

#include "gtest/gtest.h"

namespace entrepot::auth {
namespace {

constexpr char kPassword[] = "correct horse battery";

class AccountStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "entrepot-auth-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    Reopen();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Reopen(const std::string& site = "FR-LYS1") {
    store_.reset();
    AccountStoreOptions options;
    options.now_ms = [this] { return now_.load(); };
    options.hash_cost = HashCost::kMinimum;
    options.site_code = site;
    auto store = AccountStore::Open(path(), options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = *std::move(store);
  }
  std::string path() const { return dir_ + "/accounts.db"; }
  UserRecord Add(const std::string& login, Role role, std::string badge = "") {
    NewUser user{login, "", role, {"*"}, kPassword, std::move(badge)};
    auto added = store_->AddUser(user);
    EXPECT_TRUE(added.ok()) << added.status().ToString();
    return added.ok() ? *added : UserRecord{};
  }

  std::string dir_;
  std::atomic<int64_t> now_{1'795'000'000'000};
  std::unique_ptr<AccountStore> store_;
};

TEST_F(AccountStoreTest, LoginReturnsATokenThatAuthenticatesUntilItExpires) {
  UserRecord ada = Add("ada", Role::kSiteManager);
  EXPECT_EQ(ada.display_name, "ada");
  auto login = store_->Login("ada", kPassword);
  ASSERT_TRUE(login.ok()) << login.status().ToString();
  EXPECT_EQ(login->role, Role::kSiteManager);
  EXPECT_EQ(login->expires_at_ms, now_.load() + kDefaultSessionTtlMs);
  EXPECT_EQ(login->token.size(), 43u);
  auto principal = store_->Authenticate(login->token);
  ASSERT_TRUE(principal.ok());
  EXPECT_EQ(principal->kind, Principal::Kind::kUser);
  EXPECT_EQ(principal->name, "ada");
  EXPECT_EQ(principal->role, Role::kSiteManager);
  EXPECT_EQ(principal->scope, Scope{"*"});
  now_ += kDefaultSessionTtlMs - 1;
  EXPECT_TRUE(store_->Authenticate(login->token).ok());
  now_ += 1;
  EXPECT_EQ(store_->Authenticate(login->token).status().reason(), "unauthenticated");
  EXPECT_EQ(store_->Authenticate("nonsense").status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(store_->Authenticate("").status().code(), StatusCode::kUnauthenticated);
}

TEST_F(AccountStoreTest, PasswordIsStoredOnlyAsAnArgon2idHash) {
  Add("ada", Role::kAdmin);
  auto token = store_->Login("ada", kPassword);
  ASSERT_TRUE(token.ok());
  store_.reset();
  std::ifstream in(path(), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ifstream wal(path() + "-wal", std::ios::binary);
  bytes.append((std::istreambuf_iterator<char>(wal)), std::istreambuf_iterator<char>());
  EXPECT_EQ(bytes.find(kPassword), std::string::npos);
  EXPECT_EQ(bytes.find(token->token), std::string::npos);
  EXPECT_NE(bytes.find("$argon2id$"), std::string::npos);
  auto perms = std::filesystem::status(path()).permissions();
  EXPECT_EQ(perms & std::filesystem::perms::others_read, std::filesystem::perms::none);
}

TEST_F(AccountStoreTest, BadCredentialsLookTheSameForUnknownLoginsAndWrongPasswords) {
  Add("ada", Role::kAdmin);
  Status wrong = store_->Login("ada", "wrong password!").status();
  Status unknown = store_->Login("bob", kPassword).status();
  EXPECT_EQ(wrong.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(wrong.reason(), "bad_credentials");
  EXPECT_EQ(unknown.reason(), "bad_credentials");
  EXPECT_EQ(wrong.message(), unknown.message());
}

TEST_F(AccountStoreTest, LoginAttemptsAreLimitedPerLoginPerMinute) {
  Add("ada", Role::kAdmin);
  Add("bob", Role::kAdmin);
  for (int i = 0; i < kDefaultLoginAttemptsPerMinute; ++i) {
    EXPECT_EQ(store_->Login("ada", "wrong password!").status().reason(), "bad_credentials");
    now_ += 1000;
  }
  // Even the right password is refused while the limit holds; other logins are unaffected.
  EXPECT_EQ(store_->Login("ada", kPassword).status().reason(), "too_many_attempts");
  EXPECT_EQ(store_->Login("ada", kPassword).status().code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(store_->Login("bob", kPassword).ok());
  now_ += 60'000;
  EXPECT_TRUE(store_->Login("ada", kPassword).ok());
}

TEST_F(AccountStoreTest, LogoutRevokes) {
  Add("ada", Role::kAdmin);
  auto login = store_->Login("ada", kPassword);
  ASSERT_TRUE(login.ok());
  ASSERT_TRUE(store_->Logout(login->token).ok());
  EXPECT_EQ(store_->Authenticate(login->token).status().reason(), "unauthenticated");
  EXPECT_EQ(store_->Logout(login->token).reason(), "unauthenticated");
}

TEST_F(AccountStoreTest, DisabledUsersCannotLogInAndLoseTheirSessions) {
  Add("ada", Role::kWorker);
  auto login = store_->Login("ada", kPassword);
  ASSERT_TRUE(login.ok());
  UserChange disable;
  disable.disabled = true;
  auto changed = store_->UpdateUser("ada", disable);
  ASSERT_TRUE(changed.ok()) << changed.status().ToString();
  EXPECT_TRUE(changed->disabled);
  EXPECT_EQ(store_->Authenticate(login->token).status().reason(), "unauthenticated");
  EXPECT_EQ(store_->Login("ada", kPassword).status().reason(), "bad_credentials");
  UserChange enable;
  enable.disabled = false;
  ASSERT_TRUE(store_->UpdateUser("ada", enable).ok());
  EXPECT_TRUE(store_->Login("ada", kPassword).ok());
}

TEST_F(AccountStoreTest, UpdatesRoleScopeAndPassword) {
  Add("ada", Role::kWorker);
  auto before = store_->Login("ada", kPassword);
  ASSERT_TRUE(before.ok());
  UserChange change;
  change.role = Role::kSupervisor;
  change.scope = Scope{"FR-LYS1", "PL-WRO1"};
  change.password = "a brand new passphrase";
  auto changed = store_->UpdateUser("ada", change);
  ASSERT_TRUE(changed.ok()) << changed.status().ToString();
  EXPECT_EQ(changed->role, Role::kSupervisor);
  EXPECT_EQ(changed->scope, (Scope{"FR-LYS1", "PL-WRO1"}));
  EXPECT_EQ(store_->Authenticate(before->token).status().reason(), "unauthenticated");
  EXPECT_EQ(store_->Login("ada", kPassword).status().reason(), "bad_credentials");
  EXPECT_TRUE(store_->Login("ada", "a brand new passphrase").ok());
  UserChange weak;
  weak.password = "short";
  EXPECT_EQ(store_->UpdateUser("ada", weak).status().reason(), "weak_password");
  EXPECT_EQ(store_->UpdateUser("nobody", change).status().reason(), "unknown_user");
}

TEST_F(AccountStoreTest, RefusesDuplicateLoginsWeakPasswordsAndBadInput) {
  Add("ada", Role::kAdmin);
  NewUser same{"ada", "Other Ada", Role::kWorker, {"*"}, kPassword, ""};
  auto duplicate = store_->AddUser(same);
  EXPECT_EQ(duplicate.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(duplicate.status().reason(), "login_taken");
  NewUser weak{"bob", "", Role::kWorker, {"*"}, "elevenchars", ""};
  EXPECT_EQ(store_->AddUser(weak).status().reason(), "weak_password");
  weak.password = "twelve chars";
  EXPECT_TRUE(store_->AddUser(weak).ok());
  NewUser bad_login{"a b", "", Role::kWorker, {"*"}, kPassword, ""};
  EXPECT_EQ(store_->AddUser(bad_login).status().reason(), "bad_login");
  NewUser bad_scope{"carl", "", Role::kWorker, {}, kPassword, ""};
  EXPECT_EQ(store_->AddUser(bad_scope).status().reason(), "bad_scope");
  auto users = store_->ListUsers();
  ASSERT_TRUE(users.ok());
  ASSERT_EQ(users->size(), 2u);
  EXPECT_EQ((*users)[0].login, "ada");
  EXPECT_EQ((*users)[1].login, "bob");
}

TEST_F(AccountStoreTest, DeviceTokensAuthenticateUntilRevoked) {
  auto device = store_->AddDevice("HH-07", 0);
  ASSERT_TRUE(device.ok()) << device.status().ToString();
  EXPECT_EQ(store_->AddDevice("HH-07", 0).status().reason(), "device_name_taken");
  EXPECT_EQ(store_->AddDevice("HH 07", 0).status().reason(), "bad_device_name");
  now_ += int64_t{365} * 24 * 3600 * 1000;  // Device tokens do not expire.
  auto principal = store_->Authenticate(device->token);
  ASSERT_TRUE(principal.ok());
  EXPECT_EQ(principal->kind, Principal::Kind::kDevice);
  EXPECT_EQ(principal->name, "HH-07");
  ASSERT_TRUE(store_->RevokeDevice(device->id).ok());
  EXPECT_EQ(store_->Authenticate(device->token).status().reason(), "unauthenticated");
  EXPECT_EQ(store_->RevokeDevice(device->id).reason(), "unknown_device");
  // The name is free again once revoked.
  EXPECT_TRUE(store_->AddDevice("HH-07", 0).ok());
}

TEST_F(AccountStoreTest, DevicesAddedByAnotherConnectionAreSeen) {
  AccountStoreOptions options;
  options.now_ms = [this] { return now_.load(); };
  auto other = AccountStore::Open(path(), options);
  ASSERT_TRUE(other.ok());
  auto device = (*other)->AddDevice("HH-08", 0);
  ASSERT_TRUE(device.ok());
  EXPECT_TRUE(store_->Authenticate(device->token).ok());
}

TEST_F(AccountStoreTest, BadgeSignInTiesADeviceToAWorkerInTheAccountStore) {
  UserRecord worker = Add("w1", Role::kWorker, "BADGE-0001");
  EXPECT_TRUE(worker.has_badge);
  auto device = store_->AddDevice("HH-07", 0);
  ASSERT_TRUE(device.ok());
  EXPECT_EQ(store_->StartDeviceSession(device->id, "BADGE-9999").status().reason(),
            "unknown_badge");
  auto session = store_->StartDeviceSession(device->id, "BADGE-0001");
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  EXPECT_EQ(session->user_id, worker.id);
  auto current = store_->CurrentDeviceSession(device->id);
  ASSERT_TRUE(current.ok() && current->has_value());
  EXPECT_EQ((*current)->since_ms, now_.load());
  ASSERT_TRUE(store_->EndDeviceSession(device->id).ok());
  EXPECT_FALSE(store_->CurrentDeviceSession(device->id)->has_value());
  // A disabled worker cannot sign in; disabling ends an open session.
  ASSERT_TRUE(store_->StartDeviceSession(device->id, "BADGE-0001").ok());
  UserChange disable;
  disable.disabled = true;
  ASSERT_TRUE(store_->UpdateUser("w1", disable).ok());
  EXPECT_FALSE(store_->CurrentDeviceSession(device->id)->has_value());
  EXPECT_EQ(store_->StartDeviceSession(device->id, "BADGE-0001").status().reason(), "forbidden");
  NewUser same_badge{"w2", "", Role::kWorker, {"*"}, kPassword, "BADGE-0001"};
  EXPECT_EQ(store_->AddUser(same_badge).status().reason(), "badge_taken");
}

// TRN-01: who acknowledged which notice version is durable, and the scan path's question
// (who is signed in on this device, and did they acknowledge?) is answered from memory that
// follows every change of the device's session.
TEST_F(AccountStoreTest, NoticeAcknowledgementsAreDurableAndFollowTheDeviceSession) {
  UserRecord worker = Add("w1", Role::kWorker, "BADGE-0001");
  auto device = store_->AddDevice("HH-07", 0);
  ASSERT_TRUE(device.ok());
  EXPECT_FALSE(store_->SignedInWorker(device->id, "v1").has_value());
  ASSERT_TRUE(store_->StartDeviceSession(device->id, "BADGE-0001").ok());
  std::optional<DeviceWorker> signed_in = store_->SignedInWorker(device->id, "v1");
  ASSERT_TRUE(signed_in.has_value());
  EXPECT_EQ(signed_in->user_id, worker.id);
  EXPECT_FALSE(signed_in->acknowledged);
  EXPECT_FALSE(store_->FindNoticeAcknowledgement(worker.id, "v1")->has_value());

  // Kept to the day (RET-01: a time to the ms could be matched with the device's next scan).
  const int64_t first = now_.load() - now_.load() % 86'400'000;
  auto ack = store_->AcknowledgeNotice(worker.id, "v1");
  ASSERT_TRUE(ack.ok()) << ack.status().ToString();
  EXPECT_EQ(ack->acknowledged_at_ms, first);
  EXPECT_TRUE(store_->SignedInWorker(device->id, "v1")->acknowledged);
  EXPECT_FALSE(store_->SignedInWorker(device->id, "v2")->acknowledged);
  now_ += 60'000;  // A retried acknowledgement keeps the first time.
  EXPECT_EQ(store_->AcknowledgeNotice(worker.id, "v1")->acknowledged_at_ms, first);
  EXPECT_EQ((*store_->FindNoticeAcknowledgement(worker.id, "v1"))->acknowledged_at_ms, first);

  // Both the session and the acknowledgement survive a restart.
  Reopen();
  ASSERT_TRUE(store_->SignedInWorker(device->id, "v1").has_value());
  EXPECT_TRUE(store_->SignedInWorker(device->id, "v1")->acknowledged);
  ASSERT_TRUE(store_->EndDeviceSession(device->id).ok());
  EXPECT_FALSE(store_->SignedInWorker(device->id, "v1").has_value());

  // Disabling the worker and revoking the device end the session in memory too.
  ASSERT_TRUE(store_->StartDeviceSession(device->id, "BADGE-0001").ok());
  UserChange disable;
  disable.disabled = true;
  ASSERT_TRUE(store_->UpdateUser("w1", disable).ok());
  EXPECT_FALSE(store_->SignedInWorker(device->id, "v1").has_value());
  UserChange enable;
  enable.disabled = false;
  ASSERT_TRUE(store_->UpdateUser("w1", enable).ok());
  ASSERT_TRUE(store_->StartDeviceSession(device->id, "BADGE-0001").ok());
  ASSERT_TRUE(store_->RevokeDevice(device->id).ok());
  EXPECT_FALSE(store_->SignedInWorker(device->id, "v1").has_value());
}

TEST_F(AccountStoreTest, RefusesBadNoticeVersionsAndUnknownUsers) {
  UserRecord worker = Add("w1", Role::kWorker);
  for (const std::string& version : {std::string(), std::string("a b"), std::string("v\n1"),
                                     std::string(kMaxNoticeVersionBytes + 1, 'a')}) {
    EXPECT_EQ(store_->AcknowledgeNotice(worker.id, version).status().reason(), "bad_notice_version")
        << version;
  }
  EXPECT_TRUE(store_->AcknowledgeNotice(worker.id, std::string(kMaxNoticeVersionBytes, 'a')).ok());
  EXPECT_EQ(store_->AcknowledgeNotice(worker.id + 100, "v1").status().reason(), "unknown_user");
}

// A store of schema version 1 (before notice acknowledgements) is migrated in place.
TEST_F(AccountStoreTest, MigratesASchemaVersion1Store) {
  UserRecord worker = Add("w1", Role::kWorker);
  store_.reset();
  auto sql = [this](const char* statement) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db, statement, nullptr, nullptr, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db);
    sqlite3_close(db);
  };
  sql("DROP TABLE notice_acks; PRAGMA user_version = 1;");
  ASSERT_NO_FATAL_FAILURE(Reopen());
  ASSERT_TRUE(store_->AcknowledgeNotice(worker.id, "v1").ok());
  EXPECT_TRUE(store_->FindNoticeAcknowledgement(worker.id, "v1")->has_value());
  store_.reset();
  sql("PRAGMA user_version = 3;");  // A newer build's store is refused, not downgraded.
  AccountStoreOptions options;
  options.now_ms = [this] { return now_.load(); };
  EXPECT_EQ(AccountStore::Open(path(), options).status().reason(), "accounts_schema_too_new");
  sql("PRAGMA user_version = 2;");
}

TEST_F(AccountStoreTest, RefusesTheStoreOfAnotherSite) {
  store_.reset();
  AccountStoreOptions options;
  options.now_ms = [this] { return now_.load(); };
  options.site_code = "PL-WRO1";
  EXPECT_EQ(AccountStore::Open(path(), options).status().reason(), "site_mismatch");
  options.site_code = "";
  EXPECT_TRUE(AccountStore::Open(path(), options).ok());
  options.create_if_missing = false;
  EXPECT_EQ(AccountStore::Open(dir_ + "/none.db", options).status().reason(), "accounts_not_found");
}

}  // namespace
}  // namespace entrepot::auth
