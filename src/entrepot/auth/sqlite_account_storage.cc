// The SQLite backend of the account store: DIR/accounts.db (account_storage.h).
#include <sqlite3.h>

#include <filesystem>
#include <functional>
#include <utility>

#include "entrepot/auth/account_storage.h"
#include "entrepot/base/status_macros.h"

namespace entrepot::auth {
namespace {

// The whole schema, every statement idempotent: a new file gets it all, and a file of an
// older version gets what it lacks (version 1 -> 2: notice_acks; 2 -> 3: device_sessions
// sealed, see Open) in the same transaction.
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
  sealed BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS notice_acks(
  user_id INTEGER NOT NULL REFERENCES users(id),
  version TEXT NOT NULL,
  acknowledged_at_ms INTEGER NOT NULL,
  PRIMARY KEY(user_id, version));
)sql";

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

  Statement& Bind(int index, const std::string& text) {
    sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& Bind(int index, int64_t value) {
    sqlite3_bind_int64(stmt_, index, value);
    return *this;
  }
  Statement& BindBlob(int index, const std::string& bytes) {
    sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& BindNull(int index) {
    sqlite3_bind_null(stmt_, index);
    return *this;
  }
  template <typename T>
  Statement& Bind(int index, const std::optional<T>& value) {
    return value ? Bind(index, *value) : BindNull(index);
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int Step() { return stmt_ ? sqlite3_step(stmt_) : SQLITE_ERROR; }
  std::string Text(int column) const {
    const unsigned char* text = sqlite3_column_text(stmt_, column);
    return text ? std::string(reinterpret_cast<const char*>(text),
                              static_cast<size_t>(sqlite3_column_bytes(stmt_, column)))
                : std::string();
  }
  std::string Blob(int column) const {
    const void* bytes = sqlite3_column_blob(stmt_, column);
    return bytes ? std::string(static_cast<const char*>(bytes),
                               static_cast<size_t>(sqlite3_column_bytes(stmt_, column)))
                 : std::string();
  }
  int64_t Int(int column) const { return sqlite3_column_int64(stmt_, column); }
  bool IsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  std::optional<int64_t> OptionalInt(int column) const {
    return IsNull(column) ? std::nullopt : std::optional<int64_t>(Int(column));
  }
  std::optional<std::string> OptionalText(int column) const {
    return IsNull(column) ? std::nullopt : std::optional<std::string>(Text(column));
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

// Columns selected for a UserRecord, in this order.
constexpr char kUserColumns[] =
    "id, login, display_name, role, scope, created_at_ms, disabled_at_ms, badge_hash";

UserRecord ReadUser(const Statement& row) {
  UserRecord user;
  user.id = row.Int(0);
  user.login = row.Text(1);
  user.display_name = row.Text(2);
  user.role = StoredRole(row.Text(3));
  user.scope = SplitScope(row.Text(4));
  user.created_at_ms = row.Int(5);
  user.disabled = !row.IsNull(6);
  user.has_badge = !row.IsNull(7);
  return user;
}

class SqliteAccountStorage final : public AccountStorage {
 public:
  explicit SqliteAccountStorage(std::string path) : path_(std::move(path)) {}
  ~SqliteAccountStorage() override { sqlite3_close(db_); }

  Status Open(const AccountStoreOptions& options);

  const std::string& location() const override { return path_; }
  StatusOr<int64_t> InsertUser(const UserRow& user) override;
  StatusOr<std::optional<UserRecord>> FindUser(const std::string& login) override;
  StatusOr<std::vector<UserRecord>> ListUsers() override;
  Status UpdateUser(int64_t user_id, const UserUpdate& update) override;
  StatusOr<std::optional<UserCredentials>> FindCredentials(const std::string& login) override;
  Status InsertSession(const SessionRow& session) override;
  StatusOr<bool> RevokeSession(const std::string& token_hash, int64_t now_ms) override;
  StatusOr<std::optional<SessionOwner>> FindSession(const std::string& token_hash) override;
  StatusOr<int64_t> InsertDevice(const DeviceRow& device) override;
  StatusOr<std::optional<Principal>> FindLiveDevice(const std::string& token_hash) override;
  StatusOr<bool> RevokeDevice(int64_t device_id, int64_t now_ms) override;
  StatusOr<std::optional<BadgeHolder>> FindBadge(const std::string& badge_hash) override;
  Status PutDeviceSession(const SealedDeviceSession& session) override;
  Status DeleteDeviceSession(int64_t device_id) override;
  StatusOr<std::optional<SealedDeviceSession>> FindDeviceSession(int64_t device_id) override;
  StatusOr<std::vector<SealedDeviceSession>> ListDeviceSessions() override;
  Status RewriteDeviceSessions(const std::vector<SealedDeviceSession>& resealed,
                               const std::vector<int64_t>& deleted) override;
  StatusOr<std::optional<int64_t>> AddAcknowledgement(
      const NoticeAcknowledgement& acknowledgement) override;
  StatusOr<std::optional<int64_t>> FindAcknowledgement(int64_t user_id,
                                                       const std::string& version) override;
  StatusOr<std::vector<std::string>> Acknowledgements(int64_t user_id, size_t limit) override;
  StatusOr<AccountRows> ReadAll() override;
  Status WriteAll(const AccountRows& rows) override;

 private:
  Status Unavailable(const std::string& what) const {
    return AccountsUnavailable(path_, what, db_ ? sqlite3_errmsg(db_) : "no database");
  }
  Status Exec(const std::string& sql, const std::string& what) {
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
      return Unavailable(what);
    }
    return OkStatus();
  }
  // Runs `body` between BEGIN IMMEDIATE and COMMIT; rolls back when it fails.
  Status InTransaction(const std::function<Status()>& body) {
    ENTREPOT_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE", "start a transaction"));
    Status done = body();
    if (!done.ok()) {
      (void)Exec("ROLLBACK", "roll back");
      return done;
    }
    return Exec("COMMIT", "commit");
  }
  // Steps every row of `statement` into `visit`; Unavailable(what) when SQLite fails.
  Status EachRow(Statement& statement, const std::function<void(const Statement&)>& visit,
                 const std::string& what) {
    int rc = SQLITE_ROW;
    while ((rc = statement.Step()) == SQLITE_ROW) {
      visit(statement);
    }
    return rc == SQLITE_DONE ? OkStatus() : Unavailable(what);
  }
  Status CheckSite(const std::string& site_code);
  Status Upgrade(int64_t found);

  const std::string path_;
  sqlite3* db_ = nullptr;
};

Status SqliteAccountStorage::Open(const AccountStoreOptions& options) {
  std::error_code error;
  bool exists = std::filesystem::exists(path_, error);
  if (!exists && !options.create_if_missing) {
    return Error(StatusCode::kNotFound, "accounts_not_found", "no accounts store at " + path_);
  }
  if (sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    return Unavailable("open " + path_);
  }
  // Password hashes and personal data: readable by the service account only.
  std::filesystem::permissions(
      path_, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, error);
  sqlite3_busy_timeout(db_, 5000);
  // secure_delete: a deleted or replaced row (a device session, a revoked token's row) is
  // overwritten with zeros, not left in a free page for a copy of the file to show.
  ENTREPOT_RETURN_IF_ERROR(
      Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
           "PRAGMA secure_delete=ON;",
           "configure"));
  int64_t found = 0;
  {
    // Finalised before the upgrade: a live statement would lock the tables it drops.
    Statement version(db_, "PRAGMA user_version");
    if (version.Step() != SQLITE_ROW) {
      return Unavailable("read the schema version");
    }
    found = version.Int(0);
  }
  if (found > kAccountSchemaVersion) {
    return Error(StatusCode::kFailedPrecondition, "accounts_schema_too_new",
                 path_ + " has schema version " + std::to_string(found) + "; this build knows " +
                     std::to_string(kAccountSchemaVersion) + ": upgrade entrepot");
  }
  if (found < kAccountSchemaVersion) {
    ENTREPOT_RETURN_IF_ERROR(Upgrade(found));
  }
  return options.site_code.empty() ? OkStatus() : CheckSite(options.site_code);
}

// Brings a file of schema `found` (0: a new file) to kAccountSchemaVersion. Versions 1 and 2
// kept device sessions in clear (user id, since): those rows are dropped, not sealed (the
// workers badge again once), with secure_delete on so that their pages are zeroed; then the
// file is rebuilt (VACUUM) and the WAL emptied, so that no older free page or WAL frame keeps
// them. The version is written last: an upgrade cut short is done again at the next Open.
Status SqliteAccountStorage::Upgrade(int64_t found) {
  ENTREPOT_RETURN_IF_ERROR(Exec(std::string("BEGIN IMMEDIATE; DROP TABLE IF EXISTS "
                                            "device_sessions;") +
                                    kSchema + "COMMIT;",
                                "create the schema"));
  if (found > 0) {
    ENTREPOT_RETURN_IF_ERROR(Exec("VACUUM", "rebuild the file without the clear device sessions"));
    ENTREPOT_RETURN_IF_ERROR(Exec("PRAGMA wal_checkpoint(TRUNCATE)", "empty the WAL"));
  }
  return Exec("PRAGMA user_version=" + std::to_string(kAccountSchemaVersion),
              "record the schema version");
}

// The first site to open the file is recorded; another one is refused.
Status SqliteAccountStorage::CheckSite(const std::string& site_code) {
  Statement site(db_, "SELECT value FROM meta WHERE key = 'site_code'");
  if (site.Step() == SQLITE_ROW) {
    if (site.Text(0) != site_code) {
      return Error(StatusCode::kFailedPrecondition, "site_mismatch",
                   path_ + " holds the accounts of site " + site.Text(0) + ", not " + site_code);
    }
    return OkStatus();
  }
  Statement insert(db_, "INSERT INTO meta(key, value) VALUES('site_code', ?)");
  if (insert.Bind(1, site_code).Step() != SQLITE_DONE) {
    return Unavailable("record the site code");
  }
  return OkStatus();
}

StatusOr<int64_t> SqliteAccountStorage::InsertUser(const UserRow& user) {
  Statement insert(db_,
                   "INSERT INTO users(login, display_name, role, scope, password_hash, badge_hash, "
                   "created_at_ms) VALUES(?, ?, ?, ?, ?, ?, ?)");
  insert.Bind(1, user.login)
      .Bind(2, user.display_name)
      .Bind(3, user.role)
      .Bind(4, user.scope)
      .Bind(5, user.password_hash)
      .Bind(6, user.badge_hash)
      .Bind(7, user.created_at_ms);
  int rc = insert.Step();
  if (rc == SQLITE_CONSTRAINT) {
    ENTREPOT_ASSIGN_OR_RETURN(std::optional<UserRecord> same, FindUser(user.login));
    return same ? LoginTaken(user.login) : BadgeTaken();
  }
  if (rc != SQLITE_DONE) {
    return Unavailable("add a user");
  }
  return sqlite3_last_insert_rowid(db_);
}

StatusOr<std::optional<UserRecord>> SqliteAccountStorage::FindUser(const std::string& login) {
  Statement find(db_,
                 (std::string("SELECT ") + kUserColumns + " FROM users WHERE login = ?").c_str());
  int rc = find.Bind(1, login).Step();
  if (rc == SQLITE_ROW) {
    return std::optional<UserRecord>(ReadUser(find));
  }
  if (rc != SQLITE_DONE) {
    return Unavailable("read a user");
  }
  return std::optional<UserRecord>();
}

StatusOr<std::vector<UserRecord>> SqliteAccountStorage::ListUsers() {
  Statement list(db_,
                 (std::string("SELECT ") + kUserColumns + " FROM users ORDER BY login").c_str());
  std::vector<UserRecord> users;
  ENTREPOT_RETURN_IF_ERROR(EachRow(
      list, [&](const Statement& row) { users.push_back(ReadUser(row)); }, "list users"));
  return users;
}

Status SqliteAccountStorage::UpdateUser(int64_t user_id, const UserUpdate& update) {
  return InTransaction([&]() -> Status {
    std::vector<int> results;
    auto set = [&](const char* sql, const auto& value) {
      Statement statement(db_, sql);
      results.push_back(statement.Bind(1, value).Bind(2, user_id).Step());
    };
    if (update.display_name) {
      set("UPDATE users SET display_name = ?1 WHERE id = ?2", *update.display_name);
    }
    if (update.role) {
      set("UPDATE users SET role = ?1 WHERE id = ?2", std::string(RoleName(*update.role)));
    }
    if (update.scope) {
      set("UPDATE users SET scope = ?1 WHERE id = ?2", JoinScope(*update.scope));
    }
    if (update.disabled) {
      set("UPDATE users SET disabled_at_ms = ?1 WHERE id = ?2",
          *update.disabled ? std::optional<int64_t>(update.now_ms) : std::nullopt);
    }
    if (update.password_hash) {
      set("UPDATE users SET password_hash = ?1 WHERE id = ?2", *update.password_hash);
    }
    if (update.badge_hash) {
      set("UPDATE users SET badge_hash = ?1 WHERE id = ?2", *update.badge_hash);
    }
    if (update.end_sessions) {
      set("UPDATE sessions SET revoked_at_ms = ?1 WHERE user_id = ?2 AND revoked_at_ms IS NULL",
          update.now_ms);
    }
    for (int64_t device_id : update.end_device_sessions) {
      Statement end(db_, "DELETE FROM device_sessions WHERE device_id = ?");
      results.push_back(end.Bind(1, device_id).Step());
    }
    for (int rc : results) {
      if (rc == SQLITE_CONSTRAINT) {
        return BadgeTaken();
      }
      if (rc != SQLITE_DONE) {
        return Unavailable("update a user");
      }
    }
    return OkStatus();
  });
}

StatusOr<std::optional<UserCredentials>> SqliteAccountStorage::FindCredentials(
    const std::string& login) {
  Statement find(db_, "SELECT id, password_hash, role, disabled_at_ms FROM users WHERE login = ?");
  int rc = find.Bind(1, login).Step();
  if (rc == SQLITE_ROW) {
    return std::optional<UserCredentials>(
        UserCredentials{find.Int(0), find.Text(1), StoredRole(find.Text(2)), !find.IsNull(3)});
  }
  if (rc != SQLITE_DONE) {
    return Unavailable("read a user");
  }
  return std::optional<UserCredentials>();
}

Status SqliteAccountStorage::InsertSession(const SessionRow& session) {
  Statement insert(db_,
                   "INSERT INTO sessions(token_hash, user_id, created_at_ms, expires_at_ms, "
                   "revoked_at_ms) VALUES(?, ?, ?, ?, ?)");
  if (insert.Bind(1, session.token_hash)
          .Bind(2, session.user_id)
          .Bind(3, session.created_at_ms)
          .Bind(4, session.expires_at_ms)
          .Bind(5, session.revoked_at_ms)
          .Step() != SQLITE_DONE) {
    return Unavailable("open a session");
  }
  return OkStatus();
}

StatusOr<bool> SqliteAccountStorage::RevokeSession(const std::string& token_hash, int64_t now_ms) {
  Statement revoke(db_,
                   "UPDATE sessions SET revoked_at_ms = ?1 WHERE token_hash = ?2 AND revoked_at_ms "
                   "IS NULL AND expires_at_ms > ?1");
  if (revoke.Bind(1, now_ms).Bind(2, token_hash).Step() != SQLITE_DONE) {
    return Unavailable("revoke a session");
  }
  return sqlite3_changes(db_) > 0;
}

StatusOr<std::optional<SessionOwner>> SqliteAccountStorage::FindSession(
    const std::string& token_hash) {
  Statement session(db_,
                    "SELECT u.id, u.login, u.role, u.scope, s.expires_at_ms, s.revoked_at_ms, "
                    "u.disabled_at_ms FROM sessions s JOIN users u ON u.id = s.user_id "
                    "WHERE s.token_hash = ?");
  int rc = session.Bind(1, token_hash).Step();
  if (rc == SQLITE_ROW) {
    return std::optional<SessionOwner>(SessionOwner{
        Principal{Principal::Kind::kUser, session.Int(0), session.Text(1),
                  StoredRole(session.Text(2)), SplitScope(session.Text(3)), session.Int(4)},
        !session.IsNull(5), !session.IsNull(6)});
  }
  if (rc != SQLITE_DONE) {
    return Unavailable("read a session");
  }
  return std::optional<SessionOwner>();
}

StatusOr<int64_t> SqliteAccountStorage::InsertDevice(const DeviceRow& device) {
  Statement insert(db_,
                   "INSERT INTO devices(name, token_hash, registered_by, created_at_ms) "
                   "VALUES(?, ?, ?, ?)");
  int rc = insert.Bind(1, device.name)
               .Bind(2, device.token_hash)
               .Bind(3, device.registered_by)
               .Bind(4, device.created_at_ms)
               .Step();
  if (rc == SQLITE_CONSTRAINT) {
    return DeviceNameTaken(device.name);
  }
  if (rc != SQLITE_DONE) {
    return Unavailable("register a device");
  }
  return sqlite3_last_insert_rowid(db_);
}

StatusOr<std::optional<Principal>> SqliteAccountStorage::FindLiveDevice(
    const std::string& token_hash) {
  Statement device(db_,
                   "SELECT id, name FROM devices WHERE token_hash = ? AND revoked_at_ms IS NULL");
  int rc = device.Bind(1, token_hash).Step();
  if (rc == SQLITE_ROW) {
    return std::optional<Principal>(
        Principal{Principal::Kind::kDevice, device.Int(0), device.Text(1), Role::kWorker, {}, 0});
  }
  if (rc != SQLITE_DONE) {
    return Unavailable("read a device");
  }
  return std::optional<Principal>();
}

StatusOr<bool> SqliteAccountStorage::RevokeDevice(int64_t device_id, int64_t now_ms) {
  bool revoked = false;
  ENTREPOT_RETURN_IF_ERROR(InTransaction([&]() -> Status {
    Statement revoke(db_,
                     "UPDATE devices SET revoked_at_ms = ? WHERE id = ? AND revoked_at_ms IS NULL");
    if (revoke.Bind(1, now_ms).Bind(2, device_id).Step() != SQLITE_DONE) {
      return Unavailable("revoke a device");
    }
    revoked = sqlite3_changes(db_) > 0;
    Statement end(db_, "DELETE FROM device_sessions WHERE device_id = ?");
    return end.Bind(1, device_id).Step() == SQLITE_DONE ? OkStatus()
                                                        : Unavailable("end a device session");
  }));
  return revoked;
}

StatusOr<std::optional<BadgeHolder>> SqliteAccountStorage::FindBadge(
    const std::string& badge_hash) {
  Statement find(db_, "SELECT id, scope, disabled_at_ms FROM users WHERE badge_hash = ?");
  int rc = find.Bind(1, badge_hash).Step();
  if (rc == SQLITE_ROW) {
    return std::optional<BadgeHolder>(
        BadgeHolder{find.Int(0), SplitScope(find.Text(1)), !find.IsNull(2)});
  }
  if (rc != SQLITE_DONE) {
    return Unavailable("read a badge");
  }
  return std::optional<BadgeHolder>();
}

Status SqliteAccountStorage::PutDeviceSession(const SealedDeviceSession& session) {
  Statement upsert(db_, "INSERT OR REPLACE INTO device_sessions(device_id, sealed) VALUES(?, ?)");
  if (upsert.Bind(1, session.device_id).BindBlob(2, session.sealed).Step() != SQLITE_DONE) {
    return Unavailable("start a device session");
  }
  return OkStatus();
}

Status SqliteAccountStorage::DeleteDeviceSession(int64_t device_id) {
  Statement end(db_, "DELETE FROM device_sessions WHERE device_id = ?");
  if (end.Bind(1, device_id).Step() != SQLITE_DONE) {
    return Unavailable("end a device session");
  }
  return OkStatus();
}

StatusOr<std::optional<SealedDeviceSession>> SqliteAccountStorage::FindDeviceSession(
    int64_t device_id) {
  Statement find(db_, "SELECT sealed FROM device_sessions WHERE device_id = ?");
  int rc = find.Bind(1, device_id).Step();
  if (rc == SQLITE_ROW) {
    return std::optional<SealedDeviceSession>(SealedDeviceSession{device_id, find.Blob(0)});
  }
  if (rc != SQLITE_DONE) {
    return Unavailable("read a device session");
  }
  return std::optional<SealedDeviceSession>();
}

StatusOr<std::vector<SealedDeviceSession>> SqliteAccountStorage::ListDeviceSessions() {
  Statement list(db_, "SELECT device_id, sealed FROM device_sessions ORDER BY device_id");
  std::vector<SealedDeviceSession> sessions;
  ENTREPOT_RETURN_IF_ERROR(EachRow(
      list,
      [&](const Statement& row) {
        sessions.push_back(SealedDeviceSession{row.Int(0), row.Blob(1)});
      },
      "read the device sessions"));
  return sessions;
}

Status SqliteAccountStorage::RewriteDeviceSessions(const std::vector<SealedDeviceSession>& resealed,
                                                   const std::vector<int64_t>& deleted) {
  return InTransaction([&]() -> Status {
    for (const SealedDeviceSession& session : resealed) {
      Statement update(db_, "UPDATE device_sessions SET sealed = ? WHERE device_id = ?");
      if (update.BindBlob(1, session.sealed).Bind(2, session.device_id).Step() != SQLITE_DONE) {
        return Unavailable("re-seal a device session");
      }
    }
    for (int64_t device_id : deleted) {
      ENTREPOT_RETURN_IF_ERROR(DeleteDeviceSession(device_id));
    }
    return OkStatus();
  });
}

StatusOr<std::optional<int64_t>> SqliteAccountStorage::AddAcknowledgement(
    const NoticeAcknowledgement& acknowledgement) {
  // The first acknowledgement of a version stands: a repeated one keeps the first time.
  Statement insert(db_,
                   "INSERT OR IGNORE INTO notice_acks(user_id, version, acknowledged_at_ms) "
                   "VALUES(?, ?, ?)");
  int rc = insert.Bind(1, acknowledgement.user_id)
               .Bind(2, acknowledgement.version)
               .Bind(3, acknowledgement.acknowledged_at_ms)
               .Step();
  if (rc == SQLITE_CONSTRAINT) {
    return std::optional<int64_t>();  // The foreign key: no such user.
  }
  if (rc != SQLITE_DONE) {
    return Unavailable("record a notice acknowledgement");
  }
  return FindAcknowledgement(acknowledgement.user_id, acknowledgement.version);
}

StatusOr<std::optional<int64_t>> SqliteAccountStorage::FindAcknowledgement(
    int64_t user_id, const std::string& version) {
  Statement find(db_,
                 "SELECT acknowledged_at_ms FROM notice_acks WHERE user_id = ? AND version = ?");
  int rc = find.Bind(1, user_id).Bind(2, version).Step();
  if (rc == SQLITE_ROW) {
    return std::optional<int64_t>(find.Int(0));
  }
  if (rc != SQLITE_DONE) {
    return Unavailable("read a notice acknowledgement");
  }
  return std::optional<int64_t>();
}

StatusOr<std::vector<std::string>> SqliteAccountStorage::Acknowledgements(int64_t user_id,
                                                                          size_t limit) {
  Statement list(db_,
                 "SELECT version FROM notice_acks WHERE user_id = ? "
                 "ORDER BY acknowledged_at_ms DESC LIMIT ?");
  list.Bind(1, user_id).Bind(2, static_cast<int64_t>(limit));
  std::vector<std::string> versions;
  ENTREPOT_RETURN_IF_ERROR(EachRow(
      list, [&](const Statement& row) { versions.push_back(row.Text(0)); },
      "read the notice acknowledgements"));
  return versions;
}

StatusOr<AccountRows> SqliteAccountStorage::ReadAll() {
  AccountRows rows;
  ENTREPOT_RETURN_IF_ERROR(Exec("BEGIN", "start a read transaction"));
  auto read = [&]() -> Status {
    Statement users(db_,
                    "SELECT id, login, display_name, role, scope, password_hash, badge_hash, "
                    "created_at_ms, disabled_at_ms FROM users ORDER BY id");
    ENTREPOT_RETURN_IF_ERROR(EachRow(
        users,
        [&](const Statement& row) {
          rows.users.push_back(UserRow{row.Int(0), row.Text(1), row.Text(2), row.Text(3),
                                       row.Text(4), row.Text(5), row.OptionalText(6), row.Int(7),
                                       row.OptionalInt(8)});
        },
        "read the users"));
    Statement sessions(db_,
                       "SELECT token_hash, user_id, created_at_ms, expires_at_ms, revoked_at_ms "
                       "FROM sessions ORDER BY created_at_ms, token_hash");
    ENTREPOT_RETURN_IF_ERROR(EachRow(
        sessions,
        [&](const Statement& row) {
          rows.sessions.push_back(
              SessionRow{row.Text(0), row.Int(1), row.Int(2), row.Int(3), row.OptionalInt(4)});
        },
        "read the sessions"));
    Statement devices(db_,
                      "SELECT id, name, token_hash, registered_by, created_at_ms, revoked_at_ms "
                      "FROM devices ORDER BY id");
    ENTREPOT_RETURN_IF_ERROR(EachRow(
        devices,
        [&](const Statement& row) {
          rows.devices.push_back(DeviceRow{row.Int(0), row.Text(1), row.Text(2), row.OptionalInt(3),
                                           row.Int(4), row.OptionalInt(5)});
        },
        "read the devices"));
    ENTREPOT_ASSIGN_OR_RETURN(rows.device_sessions, ListDeviceSessions());
    Statement acks(db_,
                   "SELECT user_id, version, acknowledged_at_ms FROM notice_acks "
                   "ORDER BY user_id, version");
    return EachRow(
        acks,
        [&](const Statement& row) {
          rows.notice_acks.push_back(NoticeAcknowledgement{row.Int(0), row.Text(1), row.Int(2)});
        },
        "read the notice acknowledgements");
  };
  Status done = read();
  (void)Exec(done.ok() ? "COMMIT" : "ROLLBACK", "end a read transaction");
  ENTREPOT_RETURN_IF_ERROR(done);
  return rows;
}

Status SqliteAccountStorage::WriteAll(const AccountRows& rows) {
  return InTransaction([&]() -> Status {
    Statement count(db_, "SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM devices)");
    if (count.Step() != SQLITE_ROW) {
      return Unavailable("count the accounts");
    }
    if (count.Int(0) != 0) {
      return AccountsNotEmpty(path_);
    }
    auto done = [this](int rc) { return rc == SQLITE_DONE ? OkStatus() : Unavailable("copy"); };
    for (const UserRow& user : rows.users) {
      Statement insert(db_,
                       "INSERT INTO users(id, login, display_name, role, scope, password_hash, "
                       "badge_hash, created_at_ms, disabled_at_ms) VALUES(?, ?, ?, ?, ?, ?, ?, ?, "
                       "?)");
      ENTREPOT_RETURN_IF_ERROR(done(insert.Bind(1, user.id)
                                        .Bind(2, user.login)
                                        .Bind(3, user.display_name)
                                        .Bind(4, user.role)
                                        .Bind(5, user.scope)
                                        .Bind(6, user.password_hash)
                                        .Bind(7, user.badge_hash)
                                        .Bind(8, user.created_at_ms)
                                        .Bind(9, user.disabled_at_ms)
                                        .Step()));
    }
    for (const SessionRow& session : rows.sessions) {
      ENTREPOT_RETURN_IF_ERROR(InsertSession(session));
    }
    for (const DeviceRow& device : rows.devices) {
      Statement insert(db_,
                       "INSERT INTO devices(id, name, token_hash, registered_by, created_at_ms, "
                       "revoked_at_ms) VALUES(?, ?, ?, ?, ?, ?)");
      ENTREPOT_RETURN_IF_ERROR(done(insert.Bind(1, device.id)
                                        .Bind(2, device.name)
                                        .Bind(3, device.token_hash)
                                        .Bind(4, device.registered_by)
                                        .Bind(5, device.created_at_ms)
                                        .Bind(6, device.revoked_at_ms)
                                        .Step()));
    }
    for (const SealedDeviceSession& session : rows.device_sessions) {
      ENTREPOT_RETURN_IF_ERROR(PutDeviceSession(session));
    }
    for (const NoticeAcknowledgement& ack : rows.notice_acks) {
      ENTREPOT_ASSIGN_OR_RETURN(std::optional<int64_t> stored, AddAcknowledgement(ack));
      if (!stored) {
        return Unavailable("copy a notice acknowledgement of an unknown user");
      }
    }
    return OkStatus();
  });
}

}  // namespace

StatusOr<std::unique_ptr<AccountStorage>> OpenSqliteAccountStorage(
    const std::string& path, const AccountStoreOptions& options) {
  auto storage = std::make_unique<SqliteAccountStorage>(path);
  ENTREPOT_RETURN_IF_ERROR(storage->Open(options));
  return std::unique_ptr<AccountStorage>(std::move(storage));
}

}  // namespace entrepot::auth
