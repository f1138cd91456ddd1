// AccountStore on both backends (account_storage.h), with a fake clock and the minimum hash
// cost: a temporary DIR/accounts.db, and the rows of a site of its own in PostgreSQL
// (postgres_account_store.h) that the nodes of a site share. The Postgres/ cases need the
// cluster whose conninfo is in ENTREPOT_TEST_POSTGRES (CTest's fixture "postgres") and skip
// without it; CTest runs the others (and access_test) as a unit test of their own.
#include "entrepot/auth/account_store.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "entrepot/auth/postgres_account_store.h"
#include "entrepot/store/journal_test_util.h"
#include "gtest/gtest.h"

namespace entrepot::auth {
namespace {

using store::testing::RawPostgres;

constexpr char kPassword[] = "correct horse battery";

enum class Backend { kSqlite, kPostgres };

// The sign-in keys in memory, as the key directory the nodes of a site share holds them (the
// server's implementation over files is server/labor_recorder.h's SignInKeyDir).
class FakeSessionKeys final : public SessionKeys {
 public:
  std::string CurrentName() override { return "signin-" + day; }
  StatusOr<std::optional<SessionKey>> Load(const std::string& name) override {
    auto found = held.find(name);
    if (found == held.end()) {
      return std::optional<SessionKey>();
    }
    return std::optional<SessionKey>(SessionKey(found->second));
  }
  Status Write(const std::string& name, const SessionKey& key) override {
    held[name].assign(key.bytes().begin(), key.bytes().end());
    return OkStatus();
  }
  Status Destroy(const std::string& name) override {
    held.erase(name);
    return OkStatus();
  }
  StatusOr<std::vector<std::string>> Names() override {
    std::vector<std::string> names;
    for (const auto& entry : held) {
      names.push_back(entry.first);
    }
    return names;
  }

  std::string day = "2026-11-29";  // The labor day now.
  std::map<std::string, std::vector<uint8_t>> held;
};

// Whether `haystack` holds `value` as SQLite or PostgreSQL may write an integer: 8 bytes
// big- or little-endian, or the 6 big-endian bytes of SQLite's 48-bit integers.
bool HoldsInteger(const std::string& haystack, int64_t value) {
  std::string big(8, '\0');
  std::string little(8, '\0');
  for (size_t i = 0; i < 8; ++i) {
    big[7 - i] = static_cast<char>((static_cast<uint64_t>(value) >> (8 * i)) & 0xFF);
    little[i] = big[7 - i];
  }
  return haystack.find(big) != std::string::npos || haystack.find(little) != std::string::npos ||
         haystack.find(big.substr(2)) != std::string::npos;
}

std::string FileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

class AccountStoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "entrepot-auth-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    if (GetParam() == Backend::kPostgres) {
      std::optional<std::string> url = store::testing::TestPostgresUrl();
      if (!url) {
        GTEST_SKIP() << store::testing::kHowToStartPostgres;
      }
      url_ = *url;
      site_ = store::testing::UniqueSiteCode("accounts");
    }
    Reopen();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  AccountStoreOptions Options() {
    AccountStoreOptions options;
    options.now_ms = [this] { return now_.load(); };
    options.hash_cost = HashCost::kMinimum;
    options.site_code = site_;
    options.session_keys = &keys_;
    return options;
  }
  // Another store on the same accounts: another connection, process or node.
  StatusOr<std::unique_ptr<AccountStore>> OpenOther(AccountStoreOptions options) {
    if (GetParam() == Backend::kPostgres) {
      return OpenPostgresAccountStore(url_, site_, std::move(options));
    }
    return AccountStore::Open(path(), std::move(options));
  }
  void Reopen() {
    store_.reset();
    auto store = OpenOther(Options());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = *std::move(store);
  }
  std::string path() const { return dir_ + "/accounts.db"; }
  // Runs SQL on the SQLite file, as another program would.
  void Sql(const std::string& statement) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db, statement.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db);
    sqlite3_close(db);
  }
  // The stored row of a device session as a copy of the store shows it: its columns, and the
  // sealed blob ("" when there is no row).
  std::vector<std::string> SessionColumns() {
    std::vector<std::string> columns;
    if (GetParam() == Backend::kPostgres) {
      RawPostgres raw(url_);
      for (const char* name : {"site", "device_id", "sealed", "user_id", "since_ms"}) {
        if (raw.QueryInt("SELECT count(*) FROM information_schema.columns WHERE table_name = "
                         "'entrepot_account_device_sessions' AND column_name = '" +
                         std::string(name) + "'") == 1) {
          columns.push_back(name);
        }
      }
      return columns;
    }
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
    sqlite3_stmt* info = nullptr;
    sqlite3_prepare_v2(db, "SELECT name FROM pragma_table_info('device_sessions')", -1, &info,
                       nullptr);
    while (sqlite3_step(info) == SQLITE_ROW) {
      columns.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(info, 0)));
    }
    sqlite3_finalize(info);
    sqlite3_close(db);
    return columns;
  }
  std::string SealedRow(int64_t device_id) {
    const std::string id = std::to_string(device_id);
    std::string sealed;
    if (GetParam() == Backend::kPostgres) {
      RawPostgres raw(url_);
      const std::string row = "FROM entrepot_account_device_sessions WHERE site = '" + site_ +
                              "' AND device_id = " + id;
      const int64_t length =
          raw.QueryInt("SELECT coalesce((SELECT length(sealed) " + row + "), 0)");
      for (int64_t i = 0; i < length; ++i) {
        sealed.push_back(static_cast<char>(
            raw.QueryInt("SELECT get_byte(sealed, " + std::to_string(i) + ") " + row)));
      }
      return sealed;
    }
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
    sqlite3_stmt* select = nullptr;
    sqlite3_prepare_v2(db, ("SELECT sealed FROM device_sessions WHERE device_id = " + id).c_str(),
                       -1, &select, nullptr);
    if (sqlite3_step(select) == SQLITE_ROW) {
      sealed.assign(static_cast<const char*>(sqlite3_column_blob(select, 0)),
                    static_cast<size_t>(sqlite3_column_bytes(select, 0)));
    }
    sqlite3_finalize(select);
    sqlite3_close(db);
    return sealed;
  }
  // A worker w1 with a badge, signed in on a new device HH-07 at a time no other row holds.
  struct SignedIn {
    UserRecord worker;
    NewDevice device;
    int64_t since_ms = 0;
  };
  SignedIn SignInWorker() {
    Add("spare-1", Role::kWorker);  // So that the worker's id is not 1.
    SignedIn signed_in{Add("w1", Role::kWorker, "BADGE-0001"), {}, 0};
    auto device = store_->AddDevice("HH-07", 0);
    EXPECT_TRUE(device.ok());
    signed_in.device = device.ok() ? *device : NewDevice{};
    now_ += 4'321;
    auto session = store_->StartDeviceSession(signed_in.device.id, "BADGE-0001");
    EXPECT_TRUE(session.ok()) << session.status().ToString();
    signed_in.since_ms = now_.load();
    return signed_in;
  }
  UserRecord Add(const std::string& login, Role role, std::string badge = "",
                 AccountStore* store = nullptr) {
    NewUser user{login, "", role, {"*"}, kPassword, std::move(badge)};
    auto added = (store != nullptr ? store : store_.get())->AddUser(user);
    EXPECT_TRUE(added.ok()) << added.status().ToString();
    return added.ok() ? *added : UserRecord{};
  }

  std::string dir_;
  std::string url_;               // The test cluster (PostgreSQL only).
  std::string site_ = "FR-LYS1";  // A site of its own in PostgreSQL.
  std::atomic<int64_t> now_{1'795'000'000'000};
  FakeSessionKeys keys_;
  std::unique_ptr<AccountStore> store_;
};

// The cases that only the SQLite file has.
class SqliteAccountStoreTest : public AccountStoreTest {};
// The cases that only PostgreSQL has.
class PostgresAccountStoreTest : public AccountStoreTest {};

TEST_P(AccountStoreTest, LoginReturnsATokenThatAuthenticatesUntilItExpires) {
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

TEST_P(SqliteAccountStoreTest, PasswordIsStoredOnlyAsAnArgon2idHash) {
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

TEST_P(AccountStoreTest, BadCredentialsLookTheSameForUnknownLoginsAndWrongPasswords) {
  Add("ada", Role::kAdmin);
  Status wrong = store_->Login("ada", "wrong password!").status();
  Status unknown = store_->Login("bob", kPassword).status();
  EXPECT_EQ(wrong.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(wrong.reason(), "bad_credentials");
  EXPECT_EQ(unknown.reason(), "bad_credentials");
  EXPECT_EQ(wrong.message(), unknown.message());
}

TEST_P(AccountStoreTest, LoginAttemptsAreLimitedPerLoginPerMinute) {
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

TEST_P(AccountStoreTest, LogoutRevokes) {
  Add("ada", Role::kAdmin);
  auto login = store_->Login("ada", kPassword);
  ASSERT_TRUE(login.ok());
  ASSERT_TRUE(store_->Logout(login->token).ok());
  EXPECT_EQ(store_->Authenticate(login->token).status().reason(), "unauthenticated");
  EXPECT_EQ(store_->Logout(login->token).reason(), "unauthenticated");
}

TEST_P(AccountStoreTest, DisabledUsersCannotLogInAndLoseTheirSessions) {
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

TEST_P(AccountStoreTest, UpdatesRoleScopeAndPassword) {
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

TEST_P(AccountStoreTest, RefusesDuplicateLoginsWeakPasswordsAndBadInput) {
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

TEST_P(AccountStoreTest, DeviceTokensAuthenticateUntilRevoked) {
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

TEST_P(AccountStoreTest, DevicesAddedByAnotherConnectionAreSeen) {
  AccountStoreOptions options;
  options.now_ms = [this] { return now_.load(); };
  auto other = OpenOther(options);
  ASSERT_TRUE(other.ok());
  auto device = (*other)->AddDevice("HH-08", 0);
  ASSERT_TRUE(device.ok());
  EXPECT_TRUE(store_->Authenticate(device->token).ok());
}

TEST_P(AccountStoreTest, BadgeSignInTiesADeviceToAWorkerInTheAccountStore) {
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
TEST_P(AccountStoreTest, NoticeAcknowledgementsAreDurableAndFollowTheDeviceSession) {
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
  ASSERT_NO_FATAL_FAILURE(Reopen());
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

TEST_P(AccountStoreTest, RefusesBadNoticeVersionsAndUnknownUsers) {
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
TEST_P(SqliteAccountStoreTest, MigratesASchemaVersion1Store) {
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
  // A newer build's store is refused, not downgraded.
  sql(("PRAGMA user_version = " + std::to_string(kAccountSchemaVersion + 1)).c_str());
  AccountStoreOptions options;
  options.now_ms = [this] { return now_.load(); };
  EXPECT_EQ(AccountStore::Open(path(), options).status().reason(), "accounts_schema_too_new");
  sql(("PRAGMA user_version = " + std::to_string(kAccountSchemaVersion)).c_str());
}

// RET-01: a version-2 store kept device sessions in clear (user id, since). The upgrade drops
// them (the worker badges again) and rebuilds the file: neither the file nor its WAL keeps
// the clear time, and the table has no clear column left.
TEST_P(SqliteAccountStoreTest, UpgradeDropsTheClearDeviceSessionsOfAVersion2Store) {
  UserRecord worker = Add("w1", Role::kWorker, "BADGE-0001");
  auto device = store_->AddDevice("HH-07", 0);
  ASSERT_TRUE(device.ok());
  store_.reset();
  constexpr int64_t kClearSince = 1'777'777'777'777;
  const std::string id = std::to_string(device->id);
  Sql("DROP TABLE device_sessions; CREATE TABLE device_sessions(device_id INTEGER PRIMARY KEY "
      "REFERENCES devices(id), user_id INTEGER NOT NULL REFERENCES users(id), since_ms INTEGER "
      "NOT NULL); INSERT INTO device_sessions VALUES(" +
      id + ", " + std::to_string(worker.id) + ", " + std::to_string(kClearSince) +
      "); PRAGMA user_version = 2;");
  ASSERT_TRUE(HoldsInteger(FileBytes(path()) + FileBytes(path() + "-wal"), kClearSince));

  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_EQ(SessionColumns(), (std::vector<std::string>{"device_id", "sealed"}));
  EXPECT_FALSE(store_->SignedInWorker(device->id, "v1").has_value());
  EXPECT_FALSE(store_->CurrentDeviceSession(device->id)->has_value());
  EXPECT_FALSE(HoldsInteger(FileBytes(path()) + FileBytes(path() + "-wal"), kClearSince));
  ASSERT_TRUE(store_->StartDeviceSession(device->id, "BADGE-0001").ok());  // Badges again.
  EXPECT_EQ(store_->CurrentDeviceSession(device->id)->value().user_id, worker.id);
}

// RET-01: what a copy of the store shows of a badge sign-in is the device and ciphertext: no
// column for the user or the time, and neither in the row (nor, for the SQLite file, in any
// byte of the file or its WAL).
TEST_P(AccountStoreTest, AStoredDeviceSessionHoldsNeitherTheUserNorTheTime) {
  SignedIn signed_in = SignInWorker();
  auto current = store_->CurrentDeviceSession(signed_in.device.id);
  ASSERT_TRUE(current.ok() && current->has_value()) << current.status().ToString();
  EXPECT_EQ((*current)->user_id, signed_in.worker.id);
  EXPECT_EQ((*current)->since_ms, signed_in.since_ms);
  const std::vector<std::string> expected =
      GetParam() == Backend::kPostgres ? std::vector<std::string>{"site", "device_id", "sealed"}
                                       : std::vector<std::string>{"device_id", "sealed"};
  EXPECT_EQ(SessionColumns(), expected);
  const std::string sealed = SealedRow(signed_in.device.id);
  EXPECT_EQ(sealed.size(), kSealedSessionBytes);
  EXPECT_FALSE(HoldsInteger(sealed, signed_in.worker.id));
  EXPECT_FALSE(HoldsInteger(sealed, signed_in.since_ms));
  if (GetParam() == Backend::kSqlite) {
    EXPECT_FALSE(HoldsInteger(FileBytes(path()) + FileBytes(path() + "-wal"), signed_in.since_ms));
  } else {
    RawPostgres raw(url_);
    EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM entrepot_account_device_sessions d WHERE "
                           "strpos(d::text, '" +
                           std::to_string(signed_in.since_ms) + "') > 0"),
              0);
  }
  // The blob opens under the day's key, for its own device only.
  const SessionKey key(keys_.held.at("signin-2026-11-29"));
  EXPECT_EQ(UnsealDeviceSession(key, signed_in.device.id, sealed)->user_id, signed_in.worker.id);
  EXPECT_FALSE(UnsealDeviceSession(key, signed_in.device.id + 1, sealed).has_value());
}

// The end of the labor day: the live session is sealed again under the new day's key, the old
// key is destroyed, and what the old row held opens under no key left; the worker stays
// signed in, and so after a restart.
TEST_P(AccountStoreTest, RotationReSealsTheLiveSessionsAndDestroysTheOldKey) {
  SignedIn signed_in = SignInWorker();
  const int64_t device_id = signed_in.device.id;
  const std::string old_row = SealedRow(device_id);
  ASSERT_EQ(old_row.size(), kSealedSessionBytes);

  keys_.day = "2026-11-30";
  auto rotated = store_->RotateSessionKey();
  ASSERT_TRUE(rotated.ok()) << rotated.status().ToString();
  EXPECT_EQ(rotated->key_name, "signin-2026-11-30");
  EXPECT_EQ(rotated->resealed, 1u);
  EXPECT_EQ(rotated->dropped, 0u);
  EXPECT_EQ(rotated->destroyed, std::vector<std::string>{"signin-2026-11-29"});
  EXPECT_EQ(keys_.Names().value(), std::vector<std::string>{"signin-2026-11-30"});
  const std::string new_row = SealedRow(device_id);
  EXPECT_NE(new_row, old_row);
  const SessionKey key(keys_.held.at("signin-2026-11-30"));
  EXPECT_FALSE(UnsealDeviceSession(key, device_id, old_row).has_value());
  EXPECT_EQ(UnsealDeviceSession(key, device_id, new_row)->since_ms, signed_in.since_ms);

  ASSERT_TRUE(store_->SignedInWorker(device_id, "v1").has_value());
  EXPECT_EQ(store_->SignedInWorker(device_id, "v1")->user_id, signed_in.worker.id);
  ASSERT_NO_FATAL_FAILURE(Reopen());
  std::optional<DeviceWorker> restored = store_->SignedInWorker(device_id, "v1");
  ASSERT_TRUE(restored.has_value());
  EXPECT_EQ(restored->user_id, signed_in.worker.id);
  EXPECT_EQ(restored->since_ms, signed_in.since_ms);
  EXPECT_EQ(store_->device_sessions_dropped(), 0u);

  // The hourly runs of the same day change nothing.
  auto again = store_->RotateSessionKey();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->resealed, 0u);
  EXPECT_TRUE(again->destroyed.empty());
  EXPECT_EQ(SealedRow(device_id), new_row);
}

// A session whose key is gone (a node-local key directory after a failover, a key removed by
// hand) is dropped when the store loads, and counted; the worker badges again.
TEST_P(AccountStoreTest, OpenDropsTheSessionsWhoseKeyIsGone) {
  SignedIn signed_in = SignInWorker();
  keys_.held.clear();
  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_EQ(store_->device_sessions_dropped(), 1u);
  EXPECT_FALSE(store_->SignedInWorker(signed_in.device.id, "v1").has_value());
  EXPECT_TRUE(SealedRow(signed_in.device.id).empty());
  EXPECT_TRUE(store_->StartDeviceSession(signed_in.device.id, "BADGE-0001").ok());
  EXPECT_TRUE(store_->SignedInWorker(signed_in.device.id, "v1").has_value());
}

// The command line opens the store without the keys: accounts work, device sessions fail
// with a clear error and are neither read nor deleted.
TEST_P(AccountStoreTest, WithoutSessionKeysDeviceSessionsFailCleanly) {
  SignedIn signed_in = SignInWorker();
  AccountStoreOptions options = Options();
  options.session_keys = nullptr;
  auto keyless = OpenOther(options);
  ASSERT_TRUE(keyless.ok()) << keyless.status().ToString();
  Add("w2", Role::kWorker, "BADGE-0002", keyless->get());
  EXPECT_EQ((*keyless)->StartDeviceSession(signed_in.device.id, "BADGE-0002").status().reason(),
            "no_session_keys");
  EXPECT_EQ((*keyless)->CurrentDeviceSession(signed_in.device.id).status().reason(),
            "no_session_keys");
  EXPECT_EQ((*keyless)->RotateSessionKey().status().reason(), "no_session_keys");
  EXPECT_FALSE((*keyless)->SignedInWorker(signed_in.device.id, "v1").has_value());
  UserChange disable;
  disable.disabled = true;
  EXPECT_EQ((*keyless)->UpdateUser("w1", disable).status().reason(), "no_session_keys");
  keyless->reset();
  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_TRUE(store_->SignedInWorker(signed_in.device.id, "v1").has_value());
}

TEST_P(SqliteAccountStoreTest, RefusesTheStoreOfAnotherSite) {
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

// Two nodes of a site (two stores on the same accounts; in PostgreSQL, the active node and
// the one that takes over): what one writes the other's queries see at once; its memory (device
// sessions) is what it loaded at Open.
TEST_P(AccountStoreTest, ASecondNodeSeesTheTokensUsersAndDevicesOfTheFirst) {
  UserRecord ada = Add("ada", Role::kSupervisor);
  UserRecord worker = Add("w1", Role::kWorker, "BADGE-0001");
  auto device = store_->AddDevice("HH-07", 0);
  ASSERT_TRUE(device.ok());
  auto other = OpenOther(Options());
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  AccountStore& second = **other;

  auto login = store_->Login("ada", kPassword);
  ASSERT_TRUE(login.ok());
  auto principal = second.Authenticate(login->token);
  ASSERT_TRUE(principal.ok()) << principal.status().ToString();
  EXPECT_EQ(principal->id, ada.id);
  EXPECT_EQ(principal->role, Role::kSupervisor);
  EXPECT_EQ(second.Authenticate(device->token)->name, "HH-07");
  Add("bob", Role::kAdmin, "", &second);
  EXPECT_TRUE(store_->Login("bob", kPassword).ok());
  ASSERT_TRUE(second.Logout(login->token).ok());
  EXPECT_EQ(store_->Authenticate(login->token).status().reason(), "unauthenticated");

  // A badge sign-in on the first: in the second's queries at once, in its memory once it
  // opens the store again (as a node that takes the site over).
  ASSERT_TRUE(store_->StartDeviceSession(device->id, "BADGE-0001").ok());
  ASSERT_TRUE(store_->AcknowledgeNotice(worker.id, "v1").ok());
  EXPECT_TRUE(second.CurrentDeviceSession(device->id)->has_value());
  EXPECT_FALSE(second.SignedInWorker(device->id, "v1").has_value());
  other->reset();
  auto takeover = OpenOther(Options());
  ASSERT_TRUE(takeover.ok()) << takeover.status().ToString();
  std::optional<DeviceWorker> signed_in = (*takeover)->SignedInWorker(device->id, "v1");
  ASSERT_TRUE(signed_in.has_value());
  EXPECT_EQ(signed_in->user_id, worker.id);
  EXPECT_TRUE(signed_in->acknowledged);
}

// `entrepot migrate`: every row of every table, ids and hashes kept, into an empty store of
// either backend; a store that holds accounts is refused and left as it was.
TEST_P(AccountStoreTest, CopyIntoKeepsEveryRowAndRefusesAStoreWithAccounts) {
  store_.reset();
  AccountStoreOptions source_options = Options();
  source_options.site_code = "FR-LYS1";
  auto source = AccountStore::Open(dir_ + "/source.db", source_options);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  AccountStore& from = **source;
  Add("spare", Role::kWorker, "", &from);  // So that ids differ from a fresh store's.
  UserRecord ada = Add("ada", Role::kAdmin, "", &from);
  UserRecord worker = Add("w1", Role::kWorker, "BADGE-0001", &from);
  UserChange disable;
  disable.disabled = true;
  ASSERT_TRUE(from.UpdateUser("spare", disable).ok());
  auto login = from.Login("ada", kPassword);
  ASSERT_TRUE(login.ok());
  auto revoked = from.AddDevice("HH-01", ada.id);
  ASSERT_TRUE(revoked.ok());
  ASSERT_TRUE(from.RevokeDevice(revoked->id).ok());
  auto device = from.AddDevice("HH-01", ada.id);
  ASSERT_TRUE(device.ok());
  ASSERT_TRUE(from.StartDeviceSession(device->id, "BADGE-0001").ok());
  ASSERT_TRUE(from.AcknowledgeNotice(worker.id, "v1").ok());

  ASSERT_NO_FATAL_FAILURE(Reopen());
  auto copied = from.CopyInto(*store_);
  ASSERT_TRUE(copied.ok()) << copied.status().ToString();
  EXPECT_EQ(copied->users, 3u);
  EXPECT_EQ(copied->sessions, 1u);
  EXPECT_EQ(copied->devices, 2u);
  EXPECT_EQ(copied->device_sessions, 1u);
  EXPECT_EQ(copied->notice_acks, 1u);

  auto users = store_->ListUsers();
  ASSERT_TRUE(users.ok());
  auto all = from.ListUsers();
  ASSERT_EQ(users->size(), all->size());
  for (size_t i = 0; i < users->size(); ++i) {
    EXPECT_EQ((*users)[i].id, (*all)[i].id);
    EXPECT_EQ((*users)[i].login, (*all)[i].login);
    EXPECT_EQ((*users)[i].created_at_ms, (*all)[i].created_at_ms);
    EXPECT_EQ((*users)[i].disabled, (*all)[i].disabled);
    EXPECT_EQ((*users)[i].has_badge, (*all)[i].has_badge);
  }
  EXPECT_EQ(store_->Authenticate(login->token)->id, ada.id);
  EXPECT_EQ(store_->Authenticate(device->token)->id, device->id);
  EXPECT_EQ(store_->Authenticate(revoked->token).status().reason(), "unauthenticated");
  EXPECT_TRUE(store_->Login("ada", kPassword).ok());  // The password hash came along.
  ASSERT_TRUE(store_->SignedInWorker(device->id, "v1").has_value());
  EXPECT_TRUE(store_->SignedInWorker(device->id, "v1")->acknowledged);
  // New ids follow the copied ones.
  UserRecord next = Add("next", Role::kWorker);
  EXPECT_GT(next.id, worker.id);
  auto next_device = store_->AddDevice("HH-02", 0);
  ASSERT_TRUE(next_device.ok()) << next_device.status().ToString();
  EXPECT_GT(next_device->id, device->id);

  auto again = from.CopyInto(*store_);
  EXPECT_EQ(again.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(again.status().reason(), "accounts_not_empty");
  EXPECT_EQ(store_->ListUsers()->size(), 4u);
}

TEST_P(PostgresAccountStoreTest, TwoSitesOfADatabaseKeepTheirAccountsApart) {
  Add("ada", Role::kAdmin);
  auto login = store_->Login("ada", kPassword);
  ASSERT_TRUE(login.ok());
  auto device = store_->AddDevice("HH-07", 0);
  ASSERT_TRUE(device.ok());
  const std::string first_site = site_;
  site_ = store::testing::UniqueSiteCode("accounts-other");
  auto other = OpenOther(Options());
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  EXPECT_EQ((*other)->Authenticate(login->token).status().reason(), "unauthenticated");
  EXPECT_EQ((*other)->Authenticate(device->token).status().reason(), "unauthenticated");
  EXPECT_EQ((*other)->FindUser("ada").status().reason(), "unknown_user");
  Add("ada", Role::kWorker, "", other->get());  // The same login, another site.
  EXPECT_TRUE((*other)->AddDevice("HH-07", 0).ok());
  EXPECT_EQ(store_->FindUser("ada")->role, Role::kAdmin);

  AccountStoreOptions mismatch = Options();
  mismatch.site_code = first_site;
  EXPECT_EQ(OpenOther(mismatch).status().reason(), "site_mismatch");
  EXPECT_EQ(OpenPostgresAccountStore(url_, "bad site", Options()).status().reason(),
            "bad_site_code");
  EXPECT_EQ(OpenPostgresAccountStore("/var/lib/postgres", site_, Options()).status().reason(),
            "bad_store_url");
}

// Only hashes reach the database: no password, no token, no badge code.
TEST_P(PostgresAccountStoreTest, SecretsAreStoredOnlyAsHashes) {
  Add("w1", Role::kWorker, "BADGE-0001");
  auto login = store_->Login("w1", kPassword);
  ASSERT_TRUE(login.ok());
  auto device = store_->AddDevice("HH-07", 0);
  ASSERT_TRUE(device.ok());
  RawPostgres raw(url_);
  for (const std::string& secret :
       {std::string(kPassword), login->token, device->token, std::string("BADGE-0001")}) {
    EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM entrepot_account_users u, "
                           "entrepot_account_sessions s, entrepot_account_devices d WHERE "
                           "u.site = '" +
                           site_ +
                           "' AND s.site = u.site AND d.site = u.site "
                           "AND strpos(u::text || s::text || d::text, '" +
                           secret + "') > 0"),
              0)
        << secret;
  }
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM entrepot_account_users WHERE site = '" + site_ +
                         "' AND password_hash LIKE '$argon2id$%'"),
            1);
}

// Schema migration 7 (store/postgres_connection.cc) drops the clear device sessions of a
// database of schema 6 and their columns, in a database of its own.
TEST_P(PostgresAccountStoreTest, Migration7DropsTheClearDeviceSessions) {
  const std::string name = "entrepot_accounts_upgrade_" + std::to_string(getpid());
  const std::string url = store::testing::CreateDatabase(url_, name);
  {
    auto opened = OpenPostgresAccountStore(url, site_, Options());
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    Add("w1", Role::kWorker, "BADGE-0001", opened->get());
    ASSERT_TRUE((*opened)->AddDevice("HH-07", 0).ok());
  }
  {
    RawPostgres raw(url);
    raw.Exec(
        "ALTER TABLE entrepot_account_device_sessions DROP COLUMN sealed, ADD COLUMN user_id "
        "bigint NOT NULL, ADD COLUMN since_ms bigint NOT NULL; INSERT INTO "
        "entrepot_account_device_sessions(site, device_id, user_id, since_ms) SELECT site, id, "
        "(SELECT id FROM entrepot_account_users LIMIT 1), 1777777777777 FROM "
        "entrepot_account_devices; DELETE FROM entrepot_schema_migrations WHERE version = 7");
    ASSERT_EQ(raw.QueryInt("SELECT count(*) FROM entrepot_account_device_sessions"), 1);
  }
  {
    auto upgraded = OpenPostgresAccountStore(url, site_, Options());
    ASSERT_TRUE(upgraded.ok()) << upgraded.status().ToString();
    RawPostgres raw(url);
    EXPECT_EQ(raw.QueryInt("SELECT max(version) FROM entrepot_schema_migrations"), 7);
    EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM entrepot_account_device_sessions"), 0);
    EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM information_schema.columns WHERE table_name = "
                           "'entrepot_account_device_sessions' AND column_name IN ('user_id', "
                           "'since_ms')"),
              0);
  }
  store::testing::DropDatabase(url_, name);
}

INSTANTIATE_TEST_SUITE_P(Sqlite, AccountStoreTest, ::testing::Values(Backend::kSqlite));
INSTANTIATE_TEST_SUITE_P(Postgres, AccountStoreTest, ::testing::Values(Backend::kPostgres));
INSTANTIATE_TEST_SUITE_P(Sqlite, SqliteAccountStoreTest, ::testing::Values(Backend::kSqlite));
INSTANTIATE_TEST_SUITE_P(Postgres, PostgresAccountStoreTest, ::testing::Values(Backend::kPostgres));

}  // namespace
}  // namespace entrepot::auth
