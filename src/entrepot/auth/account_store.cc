#include "entrepot/auth/account_store.h"

#include <sqlite3.h>

#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "entrepot/base/status_macros.h"

namespace entrepot::auth {
namespace {

constexpr int64_t kMinuteMs = 60'000;
// Logins tracked for the attempt limit before stale entries are pruned.
constexpr size_t kMaxTrackedLogins = 4096;
// Notice versions of one user kept in memory (the newest); a site changes its policy a few
// times a year, so this is never reached in practice.
constexpr int kMaxCachedAcknowledgements = 1000;

// The whole schema, every statement idempotent: a new file gets it all, and a file of an
// older version gets what it lacks (version 1 -> 2: notice_acks) in the same transaction.
constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users(
  id INTEGER PRIMARY KEY,
  login TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  role TEXT NOT NULL,
  scope TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  badge_hash TEXT UNIQUE,
  created_at_ms INTEGER NOT NULL,
  disabled_at_ms INTEGER);
CREATE TABLE IF NOT EXISTS sessions(
  token_hash TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  created_at_ms INTEGER NOT NULL,
  expires_at_ms INTEGER NOT NULL,
  revoked_at_ms INTEGER);
CREATE TABLE IF NOT EXISTS devices(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  registered_by INTEGER,
  created_at_ms INTEGER NOT NULL,
  revoked_at_ms INTEGER);
CREATE UNIQUE INDEX IF NOT EXISTS devices_live_name ON devices(name) WHERE revoked_at_ms IS NULL;
CREATE TABLE IF NOT EXISTS device_sessions(
  device_id INTEGER PRIMARY KEY REFERENCES devices(id),
  user_id INTEGER NOT NULL REFERENCES users(id),
  since_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS notice_acks(
  user_id INTEGER NOT NULL REFERENCES users(id),
  version TEXT NOT NULL,
  acknowledged_at_ms INTEGER NOT NULL,
  PRIMARY KEY(user_id, version));
)sql";

Status Unavailable(sqlite3* db, const std::string& what) {
  return Error(StatusCode::kUnavailable, "accounts_unavailable",
               "accounts store: cannot " + what + ": " + (db ? sqlite3_errmsg(db) : "no database"));
}

// A prepared statement; binds by position (1-based) and steps.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) {
      stmt_ = nullptr;
    }
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool ok() const { return stmt_ != nullptr; }
  Statement& Bind(int index, const std::string& text) {
    sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& Bind(int index, int64_t value) {
    sqlite3_bind_int64(stmt_, index, value);
    return *this;
  }
  Statement& BindNull(int index) {
    sqlite3_bind_null(stmt_, index);
    return *this;
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int Step() { return stmt_ ? sqlite3_step(stmt_) : SQLITE_ERROR; }
  std::string Text(int column) const {
    const unsigned char* text = sqlite3_column_text(stmt_, column);
    return text ? std::string(reinterpret_cast<const char*>(text),
                              static_cast<size_t>(sqlite3_column_bytes(stmt_, column)))
                : std::string();
  }
  int64_t Int(int column) const { return sqlite3_column_int64(stmt_, column); }
  bool IsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

std::string JoinScope(const Scope& scope) {
  std::string out;
  for (const std::string& entry : scope) {
    out += (out.empty() ? "" : ",") + entry;
  }
  return out;
}

Scope SplitScope(const std::string& text) {
  Scope scope;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) {
      end = text.size();
    }
    scope.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return scope;
}

bool AllCharsIn(const std::string& text, std::string_view extra) {
  for (char c : text) {
    bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && extra.find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

Status ValidateLogin(const std::string& login) {
  if (login.empty() || login.size() > 64 || !AllCharsIn(login, "._@-")) {
    return Error(StatusCode::kInvalidArgument, "bad_login",
                 "a login has 1..64 letters, digits, '.', '_', '@' or '-'");
  }
  return OkStatus();
}

Status ValidateName(const std::string& name) {
  if (name.size() > 128) {
    return Error(StatusCode::kInvalidArgument, "bad_name", "a display name has at most 128 bytes");
  }
  return OkStatus();
}

Status ValidateNoticeVersion(const std::string& version) {
  if (version.empty() || version.size() > kMaxNoticeVersionBytes || !AllCharsIn(version, "._:-")) {
    return Error(StatusCode::kInvalidArgument, "bad_notice_version",
                 "a notice version has 1.." + std::to_string(kMaxNoticeVersionBytes) +
                     " letters, digits, '.', '_', ':' or '-' (send the version the notice "
                     "route gave)");
  }
  return OkStatus();
}

Status ValidateBadge(const std::string& badge) {
  if (badge.size() > 128) {
    return Error(StatusCode::kInvalidArgument, "bad_badge", "a badge code has at most 128 bytes");
  }
  return OkStatus();
}

Status Unauthenticated(const std::string& why) {
  return Error(StatusCode::kUnauthenticated, "unauthenticated", why);
}

Status BadCredentials() {
  return Error(StatusCode::kUnauthenticated, "bad_credentials", "wrong login or password");
}

// Columns selected for a UserRecord, in this order.
constexpr char kUserColumns[] =
    "id, login, display_name, role, scope, created_at_ms, disabled_at_ms, badge_hash";

UserRecord ReadUser(const Statement& row) {
  UserRecord user;
  user.id = row.Int(0);
  user.login = row.Text(1);
  user.display_name = row.Text(2);
  StatusOr<Role> role = ParseRole(row.Text(3));
  user.role = role.ok() ? *role : Role::kWorker;  // The store writes only valid names.
  user.scope = SplitScope(row.Text(4));
  user.created_at_ms = row.Int(5);
  user.disabled = !row.IsNull(6);
  user.has_badge = !row.IsNull(7);
  return user;
}

}  // namespace

class AccountStore::Impl {
 public:
  explicit Impl(AccountStoreOptions options) : options_(std::move(options)) {}
  ~Impl() { sqlite3_close(db_); }

  Status Open(const std::string& path);
  Status Exec(const std::string& sql, const std::string& what);
  Status InsertUser(const NewUser& user, const std::string& password_hash);
  StatusOr<UserRecord> FindUserLocked(const std::string& login);
  Status ApplyChange(const UserRecord& user, const UserChange& change,
                     const std::optional<std::string>& password_hash);
  void EndUserSessionsLocked(int64_t user_id, int64_t now);
  bool TooManyAttemptsLocked(const std::string& login, int64_t now);
  Status LoadDeviceSessionsLocked();
  Status LoadAcknowledgementsLocked(int64_t user_id);
  void CountFailureLocked(const std::string& login, int64_t now);
  const std::string& DummyHash();

  AccountStoreOptions options_;
  std::mutex mutex_;
  sqlite3* db_ = nullptr;  // Guarded by mutex_.
  // Failed login times per login, oldest first. Guarded by mutex_.
  std::map<std::string, std::deque<int64_t>> failures_;
  // Live device tokens by hash: the scan path authenticates without a query. Guarded.
  std::unordered_map<std::string, Principal> devices_;
  // Live device sessions by device id, as in device_sessions. Guarded by mutex_.
  std::unordered_map<int64_t, DeviceSession> device_sessions_;
  // The notice versions each user acknowledged, for the users signed in on a device since
  // Open (loaded at sign-in): the scan path's TRN-01 check reads no SQLite. Guarded.
  std::unordered_map<int64_t, std::unordered_set<std::string>> acknowledged_;
  std::once_flag dummy_once_;
  std::string dummy_hash_;
};

Status AccountStore::Impl::Exec(const std::string& sql, const std::string& what) {
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
    return Unavailable(db_, what);
  }
  return OkStatus();
}

Status AccountStore::Impl::Open(const std::string& path) {
  std::error_code error;
  bool exists = std::filesystem::exists(path, error);
  if (!exists && !options_.create_if_missing) {
    return Error(StatusCode::kNotFound, "accounts_not_found", "no accounts store at " + path);
  }
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    return Unavailable(db_, "open " + path);
  }
  // Password hashes and personal data: readable by the service account only.
  std::filesystem::permissions(
      path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, error);
  sqlite3_busy_timeout(db_, 5000);
  ENTREPOT_RETURN_IF_ERROR(Exec(
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", "configure"));
  Statement version(db_, "PRAGMA user_version");
  if (version.Step() != SQLITE_ROW) {
    return Unavailable(db_, "read the schema version");
  }
  int64_t found = version.Int(0);
  if (found > kAccountSchemaVersion) {
    return Error(StatusCode::kFailedPrecondition, "accounts_schema_too_new",
                 path + " has schema version " + std::to_string(found) + "; this build knows " +
                     std::to_string(kAccountSchemaVersion) + ": upgrade entrepot");
  }
  if (found < kAccountSchemaVersion) {
    ENTREPOT_RETURN_IF_ERROR(
        Exec(std::string("BEGIN IMMEDIATE;") + kSchema +
                 "PRAGMA user_version=" + std::to_string(kAccountSchemaVersion) + "; COMMIT;",
             "create the schema"));
  }
  ENTREPOT_RETURN_IF_ERROR(LoadDeviceSessionsLocked());
  if (options_.site_code.empty()) {
    return OkStatus();
  }
  Statement site(db_, "SELECT value FROM meta WHERE key = 'site_code'");
  if (site.Step() == SQLITE_ROW) {
    if (site.Text(0) != options_.site_code) {
      return Error(
          StatusCode::kFailedPrecondition, "site_mismatch",
          path + " holds the accounts of site " + site.Text(0) + ", not " + options_.site_code);
    }
    return OkStatus();
  }
  Statement insert(db_, "INSERT INTO meta(key, value) VALUES('site_code', ?)");
  if (insert.Bind(1, options_.site_code).Step() != SQLITE_DONE) {
    return Unavailable(db_, "record the site code");
  }
  return OkStatus();
}

Status AccountStore::Impl::LoadDeviceSessionsLocked() {
  Statement list(db_, "SELECT device_id, user_id, since_ms FROM device_sessions");
  int rc = SQLITE_ROW;
  while ((rc = list.Step()) == SQLITE_ROW) {
    device_sessions_[list.Int(0)] = DeviceSession{list.Int(0), list.Int(1), list.Int(2)};
  }
  if (rc != SQLITE_DONE) {
    return Unavailable(db_, "read the device sessions");
  }
  for (const auto& [device_id, session] : device_sessions_) {
    ENTREPOT_RETURN_IF_ERROR(LoadAcknowledgementsLocked(session.user_id));
  }
  return OkStatus();
}

Status AccountStore::Impl::LoadAcknowledgementsLocked(int64_t user_id) {
  if (acknowledged_.contains(user_id)) {
    return OkStatus();
  }
  Statement list(db_,
                 "SELECT version FROM notice_acks WHERE user_id = ? "
                 "ORDER BY acknowledged_at_ms DESC LIMIT ?");
  list.Bind(1, user_id).Bind(2, int64_t{kMaxCachedAcknowledgements});
  std::unordered_set<std::string> versions;
  int rc = SQLITE_ROW;
  while ((rc = list.Step()) == SQLITE_ROW) {
    versions.insert(list.Text(0));
  }
  if (rc != SQLITE_DONE) {
    return Unavailable(db_, "read the notice acknowledgements");
  }
  acknowledged_.emplace(user_id, std::move(versions));
  return OkStatus();
}

const std::string& AccountStore::Impl::DummyHash() {
  std::call_once(dummy_once_, [this] {
    StatusOr<std::string> hash = HashPassword("not a password of anyone", options_.hash_cost);
    dummy_hash_ = hash.ok() ? *hash : std::string();
  });
  return dummy_hash_;
}

bool AccountStore::Impl::TooManyAttemptsLocked(const std::string& login, int64_t now) {
  auto found = failures_.find(login);
  if (found == failures_.end()) {
    return false;
  }
  std::deque<int64_t>& times = found->second;
  while (!times.empty() && times.front() <= now - kMinuteMs) {
    times.pop_front();
  }
  if (times.empty()) {
    failures_.erase(found);
    return false;
  }
  return static_cast<int>(times.size()) >= options_.login_attempts_per_minute;
}

void AccountStore::Impl::CountFailureLocked(const std::string& login, int64_t now) {
  if (failures_.size() >= kMaxTrackedLogins) {
    // Bounded memory under a spray of login names: forget entries with no recent failure.
    std::erase_if(failures_, [now](const auto& entry) {
      return entry.second.empty() || entry.second.back() <= now - kMinuteMs;
    });
  }
  failures_[login].push_back(now);
}

StatusOr<UserRecord> AccountStore::Impl::FindUserLocked(const std::string& login) {
  Statement find(db_,
                 (std::string("SELECT ") + kUserColumns + " FROM users WHERE login = ?").c_str());
  int rc = find.Bind(1, login).Step();
  if (rc == SQLITE_ROW) {
    return ReadUser(find);
  }
  if (rc != SQLITE_DONE) {
    return Unavailable(db_, "read a user");
  }
  return Error(StatusCode::kNotFound, "unknown_user", "no user with login '" + login + "'");
}

void AccountStore::Impl::EndUserSessionsLocked(int64_t user_id, int64_t now) {
  Statement revoke(db_,
                   "UPDATE sessions SET revoked_at_ms = ? WHERE user_id = ? AND revoked_at_ms IS "
                   "NULL");
  revoke.Bind(1, now).Bind(2, user_id).Step();
  Statement end(db_, "DELETE FROM device_sessions WHERE user_id = ?");
  end.Bind(1, user_id).Step();
}

AccountStore::AccountStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AccountStore::~AccountStore() = default;

StatusOr<std::unique_ptr<AccountStore>> AccountStore::Open(const std::string& path,
                                                           AccountStoreOptions options) {
  ENTREPOT_CHECK(options.now_ms != nullptr);
  ENTREPOT_RETURN_IF_ERROR(InitSodium());
  auto impl = std::make_unique<Impl>(std::move(options));
  ENTREPOT_RETURN_IF_ERROR(impl->Open(path));
  return std::unique_ptr<AccountStore>(new AccountStore(std::move(impl)));
}

StatusOr<UserRecord> AccountStore::AddUser(const NewUser& user) {
  ENTREPOT_RETURN_IF_ERROR(ValidateLogin(user.login));
  ENTREPOT_RETURN_IF_ERROR(ValidateName(user.display_name));
  ENTREPOT_RETURN_IF_ERROR(CheckPasswordPolicy(user.password));
  ENTREPOT_RETURN_IF_ERROR(ValidateScope(user.scope));
  ENTREPOT_RETURN_IF_ERROR(ValidateBadge(user.badge));
  ENTREPOT_ASSIGN_OR_RETURN(std::string hash,
                            HashPassword(user.password, impl_->options_.hash_cost));
  std::lock_guard lock(impl_->mutex_);
  Statement insert(impl_->db_,
                   "INSERT INTO users(login, display_name, role, scope, password_hash, badge_hash, "
                   "created_at_ms) VALUES(?, ?, ?, ?, ?, ?, ?)");
  insert.Bind(1, user.login)
      .Bind(2, user.display_name.empty() ? user.login : user.display_name)
      .Bind(3, std::string(RoleName(user.role)))
      .Bind(4, JoinScope(user.scope))
      .Bind(5, hash)
      .Bind(7, impl_->options_.now_ms());
  if (user.badge.empty()) {
    insert.BindNull(6);
  } else {
    insert.Bind(6, SecretHash(user.badge));
  }
  int rc = insert.Step();
  if (rc == SQLITE_CONSTRAINT) {
    Status taken = impl_->FindUserLocked(user.login).status();
    return taken.ok() ? Error(StatusCode::kAlreadyExists, "login_taken",
                              "a user already has login '" + user.login + "'")
                      : Error(StatusCode::kAlreadyExists, "badge_taken",
                              "another user already has this badge");
  }
  if (rc != SQLITE_DONE) {
    return Unavailable(impl_->db_, "add a user");
  }
  return impl_->FindUserLocked(user.login);
}

StatusOr<std::vector<UserRecord>> AccountStore::ListUsers() {
  std::lock_guard lock(impl_->mutex_);
  Statement list(impl_->db_,
                 (std::string("SELECT ") + kUserColumns + " FROM users ORDER BY login").c_str());
  std::vector<UserRecord> users;
  int rc = SQLITE_ROW;
  while ((rc = list.Step()) == SQLITE_ROW) {
    users.push_back(ReadUser(list));
  }
  if (rc != SQLITE_DONE) {
    return Unavailable(impl_->db_, "list users");
  }
  return users;
}

StatusOr<UserRecord> AccountStore::FindUser(const std::string& login) {
  std::lock_guard lock(impl_->mutex_);
  return impl_->FindUserLocked(login);
}

Status AccountStore::Impl::ApplyChange(const UserRecord& user, const UserChange& change,
                                       const std::optional<std::string>& password_hash) {
  int64_t now = options_.now_ms();
  auto run = [&](const char* sql, auto&& bind) -> int {
    Statement statement(db_, sql);
    bind(statement);
    return statement.Bind(99, user.id).Step();
  };
  std::vector<int> results;
  if (change.display_name) {
    results.push_back(run("UPDATE users SET display_name = ?1 WHERE id = ?99",
                          [&](Statement& s) { s.Bind(1, *change.display_name); }));
  }
  if (change.role) {
    results.push_back(run("UPDATE users SET role = ?1 WHERE id = ?99",
                          [&](Statement& s) { s.Bind(1, std::string(RoleName(*change.role))); }));
  }
  if (change.scope) {
    results.push_back(run("UPDATE users SET scope = ?1 WHERE id = ?99",
                          [&](Statement& s) { s.Bind(1, JoinScope(*change.scope)); }));
  }
  if (change.disabled) {
    results.push_back(run("UPDATE users SET disabled_at_ms = ?1 WHERE id = ?99", [&](Statement& s) {
      if (*change.disabled) {
        s.Bind(1, now);
      } else {
        s.BindNull(1);
      }
    }));
  }
  if (password_hash) {
    results.push_back(run("UPDATE users SET password_hash = ?1 WHERE id = ?99",
                          [&](Statement& s) { s.Bind(1, *password_hash); }));
  }
  if (change.badge) {
    results.push_back(run("UPDATE users SET badge_hash = ?1 WHERE id = ?99", [&](Statement& s) {
      if (change.badge->empty()) {
        s.BindNull(1);
      } else {
        s.Bind(1, SecretHash(*change.badge));
      }
    }));
  }
  for (int rc : results) {
    if (rc == SQLITE_CONSTRAINT) {
      return Error(StatusCode::kAlreadyExists, "badge_taken",
                   "another user already has this badge");
    }
    if (rc != SQLITE_DONE) {
      return Unavailable(db_, "update a user");
    }
  }
  // A disabled user or a changed password must not keep working through old tokens.
  if ((change.disabled && *change.disabled) || password_hash) {
    EndUserSessionsLocked(user.id, now);
  }
  return OkStatus();
}

StatusOr<UserRecord> AccountStore::UpdateUser(const std::string& login, const UserChange& change) {
  if (change.display_name) {
    ENTREPOT_RETURN_IF_ERROR(ValidateName(*change.display_name));
  }
  if (change.scope) {
    ENTREPOT_RETURN_IF_ERROR(ValidateScope(*change.scope));
  }
  if (change.badge) {
    ENTREPOT_RETURN_IF_ERROR(ValidateBadge(*change.badge));
  }
  std::optional<std::string> password_hash;
  if (change.password) {
    ENTREPOT_RETURN_IF_ERROR(CheckPasswordPolicy(*change.password));
    ENTREPOT_ASSIGN_OR_RETURN(password_hash,
                              HashPassword(*change.password, impl_->options_.hash_cost));
  }
  std::lock_guard lock(impl_->mutex_);
  ENTREPOT_ASSIGN_OR_RETURN(UserRecord user, impl_->FindUserLocked(login));
  ENTREPOT_RETURN_IF_ERROR(impl_->Exec("BEGIN IMMEDIATE", "start a transaction"));
  Status applied = impl_->ApplyChange(user, change, password_hash);
  if (!applied.ok()) {
    (void)impl_->Exec("ROLLBACK", "roll back");
    return applied;
  }
  ENTREPOT_RETURN_IF_ERROR(impl_->Exec("COMMIT", "commit a user change"));
  if ((change.disabled && *change.disabled) || password_hash) {
    // ApplyChange ended the user's device sessions (EndUserSessionsLocked).
    std::erase_if(impl_->device_sessions_,
                  [&user](const auto& entry) { return entry.second.user_id == user.id; });
  }
  return impl_->FindUserLocked(login);
}

StatusOr<LoginResult> AccountStore::Login(const std::string& login, const std::string& password) {
  int64_t now = impl_->options_.now_ms();
  int64_t user_id = 0;
  std::string hash;
  Role role = Role::kWorker;
  bool usable = false;
  {
    std::lock_guard lock(impl_->mutex_);
    if (impl_->TooManyAttemptsLocked(login, now)) {
      return Error(StatusCode::kResourceExhausted, "too_many_attempts",
                   "too many failed logins for this account; wait a minute");
    }
    Statement find(impl_->db_,
                   "SELECT id, password_hash, role, disabled_at_ms FROM users WHERE login = ?");
    int rc = find.Bind(1, login).Step();
    if (rc == SQLITE_ROW) {
      user_id = find.Int(0);
      hash = find.Text(1);
      StatusOr<Role> parsed = ParseRole(find.Text(2));
      role = parsed.ok() ? *parsed : Role::kWorker;
      usable = find.IsNull(3);
    } else if (rc != SQLITE_DONE) {
      return Unavailable(impl_->db_, "read a user");
    }
  }
  // Hashing outside the lock; an unknown login costs the same work as a known one.
  bool matches = VerifyPassword(password, hash.empty() ? impl_->DummyHash() : hash);
  std::lock_guard lock(impl_->mutex_);
  if (!matches || hash.empty() || !usable) {
    impl_->CountFailureLocked(login, now);
    return BadCredentials();
  }
  impl_->failures_.erase(login);
  LoginResult result{NewToken(), now + impl_->options_.session_ttl_ms, role};
  Statement insert(impl_->db_,
                   "INSERT INTO sessions(token_hash, user_id, created_at_ms, expires_at_ms) "
                   "VALUES(?, ?, ?, ?)");
  if (insert.Bind(1, SecretHash(result.token))
          .Bind(2, user_id)
          .Bind(3, now)
          .Bind(4, result.expires_at_ms)
          .Step() != SQLITE_DONE) {
    return Unavailable(impl_->db_, "open a session");
  }
  return result;
}

Status AccountStore::Logout(const std::string& token) {
  int64_t now = impl_->options_.now_ms();
  std::lock_guard lock(impl_->mutex_);
  Statement revoke(impl_->db_,
                   "UPDATE sessions SET revoked_at_ms = ? WHERE token_hash = ? AND revoked_at_ms "
                   "IS NULL AND expires_at_ms > ?");
  if (revoke.Bind(1, now).Bind(2, SecretHash(token)).Bind(3, now).Step() != SQLITE_DONE) {
    return Unavailable(impl_->db_, "revoke a session");
  }
  if (sqlite3_changes(impl_->db_) == 0) {
    return Unauthenticated("this token is not a live session");
  }
  return OkStatus();
}

StatusOr<Principal> AccountStore::Authenticate(const std::string& token) {
  if (token.empty() || token.size() > 256) {
    return Unauthenticated("send a bearer token: Authorization: Bearer <token>");
  }
  std::string hash = SecretHash(token);
  int64_t now = impl_->options_.now_ms();
  std::lock_guard lock(impl_->mutex_);
  if (auto device = impl_->devices_.find(hash); device != impl_->devices_.end()) {
    return device->second;
  }
  Statement session(impl_->db_,
                    "SELECT u.id, u.login, u.role, u.scope, s.expires_at_ms, s.revoked_at_ms, "
                    "u.disabled_at_ms FROM sessions s JOIN users u ON u.id = s.user_id "
                    "WHERE s.token_hash = ?");
  int rc = session.Bind(1, hash).Step();
  if (rc == SQLITE_ROW) {
    if (!session.IsNull(5) || !session.IsNull(6)) {
      return Unauthenticated("this token was revoked; log in again");
    }
    if (session.Int(4) <= now) {
      return Unauthenticated("this token has expired; log in again");
    }
    StatusOr<Role> role = ParseRole(session.Text(2));
    return Principal{Principal::Kind::kUser,
                     session.Int(0),
                     session.Text(1),
                     role.ok() ? *role : Role::kWorker,
                     SplitScope(session.Text(3)),
                     session.Int(4)};
  }
  if (rc != SQLITE_DONE) {
    return Unavailable(impl_->db_, "read a session");
  }
  // A device registered by another process (the command line) since the cache was filled.
  Statement device(impl_->db_,
                   "SELECT id, name FROM devices WHERE token_hash = ? AND revoked_at_ms IS NULL");
  if (device.Bind(1, hash).Step() == SQLITE_ROW) {
    Principal principal{
        Principal::Kind::kDevice, device.Int(0), device.Text(1), Role::kWorker, {}, 0};
    impl_->devices_.emplace(hash, principal);
    return principal;
  }
  return Unauthenticated("unknown token");
}

StatusOr<NewDevice> AccountStore::AddDevice(const std::string& name, int64_t registered_by) {
  if (name.empty() || name.size() > 64 || !AllCharsIn(name, "._-")) {
    return Error(StatusCode::kInvalidArgument, "bad_device_name",
                 "a device name has 1..64 letters, digits, '.', '_' or '-'");
  }
  NewDevice device{0, name, NewToken()};
  std::lock_guard lock(impl_->mutex_);
  Statement insert(impl_->db_,
                   "INSERT INTO devices(name, token_hash, registered_by, created_at_ms) "
                   "VALUES(?, ?, ?, ?)");
  insert.Bind(1, name).Bind(2, SecretHash(device.token)).Bind(4, impl_->options_.now_ms());
  if (registered_by == 0) {
    insert.BindNull(3);
  } else {
    insert.Bind(3, registered_by);
  }
  int rc = insert.Step();
  if (rc == SQLITE_CONSTRAINT) {
    return Error(StatusCode::kAlreadyExists, "device_name_taken",
                 "a device named '" + name + "' is registered; revoke it first");
  }
  if (rc != SQLITE_DONE) {
    return Unavailable(impl_->db_, "register a device");
  }
  device.id = sqlite3_last_insert_rowid(impl_->db_);
  return device;
}

Status AccountStore::RevokeDevice(int64_t device_id) {
  std::lock_guard lock(impl_->mutex_);
  Statement revoke(impl_->db_,
                   "UPDATE devices SET revoked_at_ms = ? WHERE id = ? AND revoked_at_ms IS NULL");
  if (revoke.Bind(1, impl_->options_.now_ms()).Bind(2, device_id).Step() != SQLITE_DONE) {
    return Unavailable(impl_->db_, "revoke a device");
  }
  if (sqlite3_changes(impl_->db_) == 0) {
    return Error(StatusCode::kNotFound, "unknown_device",
                 "no registered device has id " + std::to_string(device_id));
  }
  std::erase_if(impl_->devices_,
                [device_id](const auto& entry) { return entry.second.id == device_id; });
  Statement end(impl_->db_, "DELETE FROM device_sessions WHERE device_id = ?");
  end.Bind(1, device_id).Step();
  impl_->device_sessions_.erase(device_id);
  return OkStatus();
}

StatusOr<DeviceSession> AccountStore::StartDeviceSession(int64_t device_id,
                                                         const std::string& badge) {
  int64_t now = impl_->options_.now_ms();
  std::lock_guard lock(impl_->mutex_);
  Statement find(impl_->db_, "SELECT id, scope, disabled_at_ms FROM users WHERE badge_hash = ?");
  int rc = badge.empty() ? SQLITE_DONE : find.Bind(1, SecretHash(badge)).Step();
  if (rc == SQLITE_DONE) {
    return Error(StatusCode::kNotFound, "unknown_badge", "this badge belongs to no account");
  }
  if (rc != SQLITE_ROW) {
    return Unavailable(impl_->db_, "read a badge");
  }
  if (!find.IsNull(2)) {
    return Error(StatusCode::kPermissionDenied, "forbidden", "this account is disabled");
  }
  if (!impl_->options_.site_code.empty() &&
      !ScopeCovers(SplitScope(find.Text(1)), impl_->options_.site_code)) {
    return Error(StatusCode::kPermissionDenied, "forbidden",
                 "site " + impl_->options_.site_code + " is outside this account's scope");
  }
  DeviceSession session{device_id, find.Int(0), now};
  // Before the session exists: the scan path must know what this worker acknowledged.
  ENTREPOT_RETURN_IF_ERROR(impl_->LoadAcknowledgementsLocked(session.user_id));
  Statement upsert(impl_->db_,
                   "INSERT OR REPLACE INTO device_sessions(device_id, user_id, since_ms) "
                   "VALUES(?, ?, ?)");
  if (upsert.Bind(1, device_id).Bind(2, session.user_id).Bind(3, now).Step() != SQLITE_DONE) {
    return Unavailable(impl_->db_, "start a device session");
  }
  impl_->device_sessions_[device_id] = session;
  return session;
}

Status AccountStore::EndDeviceSession(int64_t device_id) {
  std::lock_guard lock(impl_->mutex_);
  Statement end(impl_->db_, "DELETE FROM device_sessions WHERE device_id = ?");
  if (end.Bind(1, device_id).Step() != SQLITE_DONE) {
    return Unavailable(impl_->db_, "end a device session");
  }
  impl_->device_sessions_.erase(device_id);
  return OkStatus();
}

StatusOr<std::optional<DeviceSession>> AccountStore::CurrentDeviceSession(int64_t device_id) {
  std::lock_guard lock(impl_->mutex_);
  Statement find(impl_->db_, "SELECT user_id, since_ms FROM device_sessions WHERE device_id = ?");
  int rc = find.Bind(1, device_id).Step();
  if (rc == SQLITE_ROW) {
    return std::optional<DeviceSession>(DeviceSession{device_id, find.Int(0), find.Int(1)});
  }
  if (rc != SQLITE_DONE) {
    return Unavailable(impl_->db_, "read a device session");
  }
  return std::optional<DeviceSession>();
}

StatusOr<NoticeAcknowledgement> AccountStore::AcknowledgeNotice(int64_t user_id,
                                                                const std::string& version) {
  ENTREPOT_RETURN_IF_ERROR(ValidateNoticeVersion(version));
  std::lock_guard lock(impl_->mutex_);
  // The first acknowledgement of a version stands: a repeated one (a retried request) keeps
  // the time the worker first confirmed.
  Statement insert(impl_->db_,
                   "INSERT OR IGNORE INTO notice_acks(user_id, version, acknowledged_at_ms) "
                   "VALUES(?, ?, ?)");
  constexpr int64_t kMsPerDay = int64_t{86'400'000};
  const int64_t now_ms = impl_->options_.now_ms();
  const int64_t day_start_ms = now_ms - ((now_ms % kMsPerDay) + kMsPerDay) % kMsPerDay;
  int rc = insert.Bind(1, user_id).Bind(2, version).Bind(3, day_start_ms).Step();
  if (rc == SQLITE_CONSTRAINT) {
    return Error(StatusCode::kNotFound, "unknown_user",
                 "no user has id " + std::to_string(user_id));
  }
  if (rc != SQLITE_DONE) {
    return Unavailable(impl_->db_, "record a notice acknowledgement");
  }
  if (auto known = impl_->acknowledged_.find(user_id); known != impl_->acknowledged_.end()) {
    known->second.insert(version);
  } else {
    ENTREPOT_RETURN_IF_ERROR(impl_->LoadAcknowledgementsLocked(user_id));
  }
  Statement find(impl_->db_,
                 "SELECT acknowledged_at_ms FROM notice_acks WHERE user_id = ? AND version = ?");
  if (find.Bind(1, user_id).Bind(2, version).Step() != SQLITE_ROW) {
    return Unavailable(impl_->db_, "read a notice acknowledgement");
  }
  return NoticeAcknowledgement{user_id, version, find.Int(0)};
}

StatusOr<std::optional<NoticeAcknowledgement>> AccountStore::FindNoticeAcknowledgement(
    int64_t user_id, const std::string& version) {
  std::lock_guard lock(impl_->mutex_);
  Statement find(impl_->db_,
                 "SELECT acknowledged_at_ms FROM notice_acks WHERE user_id = ? AND version = ?");
  int rc = find.Bind(1, user_id).Bind(2, version).Step();
  if (rc == SQLITE_ROW) {
    return std::optional<NoticeAcknowledgement>(
        NoticeAcknowledgement{user_id, version, find.Int(0)});
  }
  if (rc != SQLITE_DONE) {
    return Unavailable(impl_->db_, "read a notice acknowledgement");
  }
  return std::optional<NoticeAcknowledgement>();
}

std::optional<DeviceWorker> AccountStore::SignedInWorker(int64_t device_id,
                                                         std::string_view notice_version) {
  std::lock_guard lock(impl_->mutex_);
  auto session = impl_->device_sessions_.find(device_id);
  if (session == impl_->device_sessions_.end()) {
    return std::nullopt;
  }
  DeviceWorker worker{session->second.user_id, session->second.since_ms, false};
  if (auto known = impl_->acknowledged_.find(worker.user_id); known != impl_->acknowledged_.end()) {
    worker.acknowledged = known->second.contains(std::string(notice_version));
  }
  return worker;
}

}  // namespace entrepot::auth
