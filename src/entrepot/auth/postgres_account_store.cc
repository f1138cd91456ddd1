#include "entrepot/auth/postgres_account_store.h"

#include <filesystem>
#include <functional>
#include <string_view>
#include <utility>

#include "entrepot/auth/account_storage.h"
#include "entrepot/base/status_macros.h"
#include "entrepot/store/postgres_connection.h"

namespace entrepot::auth {
namespace {

namespace pg = store::pg;

constexpr int kConnectTimeoutS = 10;
constexpr int kStatementTimeoutMs = 30'000;
constexpr int kLockTimeoutMs = 5'000;
constexpr std::string_view kUniqueViolation = "23505";

// Columns selected for a UserRecord, in this order.
constexpr char kUserColumns[] =
    "id, login, display_name, role, scope, created_at_ms, disabled_at_ms, badge_hash";

// The shared PostgreSQL helpers word errors as the journal's ("journal_unavailable", ...);
// these are the accounts'.
Status Mapped(const Status& status) { return pg::RenamedReason(status, "accounts"); }

using pg::Row;

UserRecord ReadUser(const Row& row) {
  return UserRecord{
      row.Int(0), row.Text(1),    row.Text(2),   StoredRole(row.Text(3)), SplitScope(row.Text(4)),
      row.Int(5), !row.IsNull(6), !row.IsNull(7)};
}

using Params = pg::SiteParams;

class PostgresAccountStorage final : public AccountStorage {
 public:
  PostgresAccountStorage(std::string location, std::string site, pg::ConnectionPtr connection)
      : location_(std::move(location)),
        site_(std::move(site)),
        connection_(std::move(connection)) {}

  const std::string& location() const override { return location_; }
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
  // Runs one statement. A unique violation is `on_unique(constraint name)` when given.
  StatusOr<pg::ResultPtr> Run(
      const char* sql, const Params& params, std::string_view what,
      const std::function<Status(std::string_view constraint)>& on_unique = nullptr);
  Status Exec(const char* sql, std::string_view what) {
    return Mapped(pg::Exec(Connection(), sql, what));
  }
  // Runs `body` in one transaction (`begin` starts it); rolls back when it fails.
  Status InTransaction(const char* begin, const std::function<Status()>& body);
  // The rows of a query, each handed to `visit`.
  Status EachRow(const char* sql, const Params& params, std::string_view what,
                 const std::function<void(const Row&)>& visit);
  // The connection, made again when it was lost (the server restarted, a failover of
  // PostgreSQL itself) rather than failing every call until the node restarts.
  PGconn* Connection() {
    if (PQstatus(connection_.get()) != CONNECTION_OK) {
      PQreset(connection_.get());
    }
    return connection_.get();
  }
  Params SiteParams() const { return Params(site_); }

  const std::string location_;
  const std::string site_;
  pg::ConnectionPtr connection_;
};

StatusOr<pg::ResultPtr> PostgresAccountStorage::Run(
    const char* sql, const Params& params, std::string_view what,
    const std::function<Status(std::string_view constraint)>& on_unique) {
  const pg::Params& values = params.get();
  PGconn* connection = Connection();
  pg::ResultPtr result(PQexecParams(connection, sql, values.size(), values.types(), values.values(),
                                    values.lengths(), values.formats(), 1));
  if (pg::Succeeded(result.get())) {
    return result;
  }
  const char* state =
      result != nullptr ? PQresultErrorField(result.get(), PG_DIAG_SQLSTATE) : nullptr;
  if (on_unique && state != nullptr && state == kUniqueViolation) {
    const char* constraint = PQresultErrorField(result.get(), PG_DIAG_CONSTRAINT_NAME);
    return on_unique(constraint != nullptr ? constraint : "");
  }
  return Mapped(pg::PostgresStatus(connection, result.get(), what));
}

Status PostgresAccountStorage::InTransaction(const char* begin,
                                             const std::function<Status()>& body) {
  ENTREPOT_RETURN_IF_ERROR(Exec(begin, "begin a transaction"));
  Status done = body();
  if (!done.ok()) {
    pg::ResultPtr rolled_back(PQexec(connection_.get(), "ROLLBACK"));
    return done;
  }
  return Exec("COMMIT", "commit");
}

Status PostgresAccountStorage::EachRow(const char* sql, const Params& params, std::string_view what,
                                       const std::function<void(const Row&)>& visit) {
  ENTREPOT_ASSIGN_OR_RETURN(pg::ResultPtr result, Run(sql, params, what));
  for (int row = 0; row < PQntuples(result.get()); ++row) {
    visit(Row(result.get(), row));
  }
  return OkStatus();
}

// The first row of a query through `read`, or nullopt when there is none.
template <typename T>
StatusOr<std::optional<T>> FirstRow(StatusOr<pg::ResultPtr> result,
                                    const std::function<T(const Row&)>& read) {
  if (!result.ok()) {
    return result.status();
  }
  if (PQntuples(result->get()) == 0) {
    return std::optional<T>();
  }
  return std::optional<T>(read(Row(result->get(), 0)));
}

StatusOr<int64_t> PostgresAccountStorage::InsertUser(const UserRow& user) {
  ENTREPOT_ASSIGN_OR_RETURN(
      pg::ResultPtr result,
      Run("INSERT INTO entrepot_account_users(site, login, display_name, role, scope, "
          "password_hash, badge_hash, created_at_ms) VALUES($1, $2, $3, $4, $5, $6, $7, $8) "
          "RETURNING id",
          SiteParams()
              .Text(user.login)
              .Text(user.display_name)
              .Text(user.role)
              .Text(user.scope)
              .Text(user.password_hash)
              .OptionalText(user.badge_hash)
              .Int(user.created_at_ms),
          "add a user", [&](std::string_view constraint) {
            return constraint == "entrepot_account_users_login" ? LoginTaken(user.login)
                                                                : BadgeTaken();
          }));
  return pg::GetInt8(result.get(), 0, 0);
}

StatusOr<std::optional<UserRecord>> PostgresAccountStorage::FindUser(const std::string& login) {
  const std::string sql = std::string("SELECT ") + kUserColumns +
                          " FROM entrepot_account_users WHERE site = $1 AND login = $2";
  return FirstRow<UserRecord>(Run(sql.c_str(), SiteParams().Text(login), "read a user"), ReadUser);
}

StatusOr<std::vector<UserRecord>> PostgresAccountStorage::ListUsers() {
  const std::string sql = std::string("SELECT ") + kUserColumns +
                          " FROM entrepot_account_users WHERE site = $1 ORDER BY login COLLATE "
                          "\"C\"";
  std::vector<UserRecord> users;
  ENTREPOT_RETURN_IF_ERROR(EachRow(sql.c_str(), SiteParams(), "list users",
                                   [&](const Row& row) { users.push_back(ReadUser(row)); }));
  return users;
}

Status PostgresAccountStorage::UpdateUser(int64_t user_id, const UserUpdate& update) {
  // One statement for the columns: COALESCE keeps those not given; $8 says whether the
  // badge changes (to $9, NULL to remove it) and $6 whether `disabled` does.
  Params params = SiteParams();
  params.Int(user_id)
      .OptionalText(update.display_name)
      .OptionalText(update.role ? std::optional<std::string>(RoleName(*update.role)) : std::nullopt)
      .OptionalText(update.scope ? std::optional<std::string>(JoinScope(*update.scope))
                                 : std::nullopt)
      .Int(update.disabled ? (*update.disabled ? 1 : 0) : -1)
      .OptionalText(update.password_hash)
      .Int(update.badge_hash ? 1 : 0)
      .OptionalText(update.badge_hash ? *update.badge_hash : std::nullopt)
      .Int(update.now_ms);
  return InTransaction("BEGIN", [&]() -> Status {
    ENTREPOT_RETURN_IF_ERROR(
        Run("UPDATE entrepot_account_users SET display_name = COALESCE($3, display_name), "
            "role = COALESCE($4, role), scope = COALESCE($5, scope), "
            "disabled_at_ms = CASE $6::int8 WHEN 1 THEN $10 WHEN 0 THEN NULL "
            "ELSE disabled_at_ms END, password_hash = COALESCE($7, password_hash), "
            "badge_hash = CASE WHEN $8::int8 = 1 THEN $9 ELSE badge_hash END "
            "WHERE site = $1 AND id = $2",
            params, "update a user", [](std::string_view) { return BadgeTaken(); })
            .status());
    if (update.end_sessions) {
      ENTREPOT_RETURN_IF_ERROR(
          Run("UPDATE entrepot_account_sessions SET revoked_at_ms = $3 WHERE site = $1 AND "
              "user_id = $2 AND revoked_at_ms IS NULL",
              SiteParams().Int(user_id).Int(update.now_ms), "revoke the user's sessions")
              .status());
    }
    for (int64_t device_id : update.end_device_sessions) {
      ENTREPOT_RETURN_IF_ERROR(DeleteDeviceSession(device_id));
    }
    return OkStatus();
  });
}

StatusOr<std::optional<UserCredentials>> PostgresAccountStorage::FindCredentials(
    const std::string& login) {
  return FirstRow<UserCredentials>(
      Run("SELECT id, password_hash, role, disabled_at_ms FROM entrepot_account_users WHERE "
          "site = $1 AND login = $2",
          SiteParams().Text(login), "read a user"),
      [](const Row& row) {
        return UserCredentials{row.Int(0), row.Text(1), StoredRole(row.Text(2)), !row.IsNull(3)};
      });
}

Status PostgresAccountStorage::InsertSession(const SessionRow& session) {
  return Run("INSERT INTO entrepot_account_sessions(site, token_hash, user_id, created_at_ms, "
             "expires_at_ms, revoked_at_ms) VALUES($1, $2, $3, $4, $5, $6)",
             SiteParams()
                 .Text(session.token_hash)
                 .Int(session.user_id)
                 .Int(session.created_at_ms)
                 .Int(session.expires_at_ms)
                 .OptionalInt(session.revoked_at_ms),
             "open a session")
      .status();
}

StatusOr<bool> PostgresAccountStorage::RevokeSession(const std::string& token_hash,
                                                     int64_t now_ms) {
  ENTREPOT_ASSIGN_OR_RETURN(
      pg::ResultPtr result,
      Run("UPDATE entrepot_account_sessions SET revoked_at_ms = $3 WHERE site = $1 AND "
          "token_hash = $2 AND revoked_at_ms IS NULL AND expires_at_ms > $3 RETURNING 1",
          SiteParams().Text(token_hash).Int(now_ms), "revoke a session"));
  return PQntuples(result.get()) > 0;
}

StatusOr<std::optional<SessionOwner>> PostgresAccountStorage::FindSession(
    const std::string& token_hash) {
  return FirstRow<SessionOwner>(
      Run("SELECT u.id, u.login, u.role, u.scope, s.expires_at_ms, s.revoked_at_ms, "
          "u.disabled_at_ms FROM entrepot_account_sessions s JOIN entrepot_account_users u ON "
          "u.site = s.site AND u.id = s.user_id WHERE s.site = $1 AND s.token_hash = $2",
          SiteParams().Text(token_hash), "read a session"),
      [](const Row& row) {
        return SessionOwner{Principal{Principal::Kind::kUser, row.Int(0), row.Text(1),
                                      StoredRole(row.Text(2)), SplitScope(row.Text(3)), row.Int(4)},
                            !row.IsNull(5), !row.IsNull(6)};
      });
}

StatusOr<int64_t> PostgresAccountStorage::InsertDevice(const DeviceRow& device) {
  ENTREPOT_ASSIGN_OR_RETURN(
      pg::ResultPtr result,
      Run("INSERT INTO entrepot_account_devices(site, name, token_hash, registered_by, "
          "created_at_ms) VALUES($1, $2, $3, $4, $5) RETURNING id",
          SiteParams()
              .Text(device.name)
              .Text(device.token_hash)
              .OptionalInt(device.registered_by)
              .Int(device.created_at_ms),
          "register a device", [&](std::string_view) { return DeviceNameTaken(device.name); }));
  return pg::GetInt8(result.get(), 0, 0);
}

StatusOr<std::optional<Principal>> PostgresAccountStorage::FindLiveDevice(
    const std::string& token_hash) {
  return FirstRow<Principal>(
      Run("SELECT id, name FROM entrepot_account_devices WHERE site = $1 AND token_hash = $2 "
          "AND revoked_at_ms IS NULL",
          SiteParams().Text(token_hash), "read a device"),
      [](const Row& row) {
        return Principal{Principal::Kind::kDevice, row.Int(0), row.Text(1), Role::kWorker, {}, 0};
      });
}

StatusOr<bool> PostgresAccountStorage::RevokeDevice(int64_t device_id, int64_t now_ms) {
  bool revoked = false;
  auto revoke = [&]() -> Status {
    ENTREPOT_ASSIGN_OR_RETURN(
        pg::ResultPtr result,
        Run("UPDATE entrepot_account_devices SET revoked_at_ms = $3 WHERE site = $1 AND id = $2 "
            "AND revoked_at_ms IS NULL RETURNING 1",
            SiteParams().Int(device_id).Int(now_ms), "revoke a device"));
    revoked = PQntuples(result.get()) > 0;
    return DeleteDeviceSession(device_id);
  };
  ENTREPOT_RETURN_IF_ERROR(InTransaction("BEGIN", revoke));
  return revoked;
}

StatusOr<std::optional<BadgeHolder>> PostgresAccountStorage::FindBadge(
    const std::string& badge_hash) {
  return FirstRow<BadgeHolder>(
      Run("SELECT id, scope, disabled_at_ms FROM entrepot_account_users WHERE site = $1 AND "
          "badge_hash = $2",
          SiteParams().Text(badge_hash), "read a badge"),
      [](const Row& row) {
        return BadgeHolder{row.Int(0), SplitScope(row.Text(1)), !row.IsNull(2)};
      });
}

Status PostgresAccountStorage::PutDeviceSession(const SealedDeviceSession& session) {
  return Run("INSERT INTO entrepot_account_device_sessions(site, device_id, sealed) "
             "VALUES($1, $2, $3) ON CONFLICT (site, device_id) DO UPDATE SET "
             "sealed = excluded.sealed",
             SiteParams().Int(session.device_id).Bytes(session.sealed), "start a device session")
      .status();
}

Status PostgresAccountStorage::DeleteDeviceSession(int64_t device_id) {
  return Run("DELETE FROM entrepot_account_device_sessions WHERE site = $1 AND device_id = $2",
             SiteParams().Int(device_id), "end a device session")
      .status();
}

StatusOr<std::optional<SealedDeviceSession>> PostgresAccountStorage::FindDeviceSession(
    int64_t device_id) {
  return FirstRow<SealedDeviceSession>(
      Run("SELECT device_id, sealed FROM entrepot_account_device_sessions WHERE site = $1 AND "
          "device_id = $2",
          SiteParams().Int(device_id), "read a device session"),
      [](const Row& row) {
        return SealedDeviceSession{row.Int(0), row.Text(1)};
      });
}

StatusOr<std::vector<SealedDeviceSession>> PostgresAccountStorage::ListDeviceSessions() {
  std::vector<SealedDeviceSession> sessions;
  ENTREPOT_RETURN_IF_ERROR(
      EachRow("SELECT device_id, sealed FROM entrepot_account_device_sessions WHERE site = $1 "
              "ORDER BY device_id",
              SiteParams(), "read the device sessions", [&](const Row& row) {
                sessions.push_back(SealedDeviceSession{row.Int(0), row.Text(1)});
              }));
  return sessions;
}

Status PostgresAccountStorage::RewriteDeviceSessions(
    const std::vector<SealedDeviceSession>& resealed, const std::vector<int64_t>& deleted) {
  return InTransaction("BEGIN", [&]() -> Status {
    for (const SealedDeviceSession& session : resealed) {
      ENTREPOT_RETURN_IF_ERROR(
          Run("UPDATE entrepot_account_device_sessions SET sealed = $3 WHERE site = $1 AND "
              "device_id = $2",
              SiteParams().Int(session.device_id).Bytes(session.sealed), "re-seal a device session")
              .status());
    }
    for (int64_t device_id : deleted) {
      ENTREPOT_RETURN_IF_ERROR(DeleteDeviceSession(device_id));
    }
    return OkStatus();
  });
}

StatusOr<std::optional<int64_t>> PostgresAccountStorage::AddAcknowledgement(
    const NoticeAcknowledgement& acknowledgement) {
  // The first acknowledgement of a version stands; none for a user the site does not have.
  ENTREPOT_RETURN_IF_ERROR(
      Run("INSERT INTO entrepot_account_notice_acks(site, user_id, version, acknowledged_at_ms) "
          "SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM entrepot_account_users WHERE "
          "site = $1 AND id = $2) ON CONFLICT (site, user_id, version) DO NOTHING",
          SiteParams()
              .Int(acknowledgement.user_id)
              .Text(acknowledgement.version)
              .Int(acknowledgement.acknowledged_at_ms),
          "record a notice acknowledgement")
          .status());
  return FindAcknowledgement(acknowledgement.user_id, acknowledgement.version);
}

StatusOr<std::optional<int64_t>> PostgresAccountStorage::FindAcknowledgement(
    int64_t user_id, const std::string& version) {
  return FirstRow<int64_t>(
      Run("SELECT acknowledged_at_ms FROM entrepot_account_notice_acks WHERE site = $1 AND "
          "user_id = $2 AND version = $3",
          SiteParams().Int(user_id).Text(version), "read a notice acknowledgement"),
      [](const Row& row) { return row.Int(0); });
}

StatusOr<std::vector<std::string>> PostgresAccountStorage::Acknowledgements(int64_t user_id,
                                                                            size_t limit) {
  std::vector<std::string> versions;
  ENTREPOT_RETURN_IF_ERROR(
      EachRow("SELECT version FROM entrepot_account_notice_acks WHERE site = $1 AND user_id = $2 "
              "ORDER BY acknowledged_at_ms DESC LIMIT $3",
              SiteParams().Int(user_id).Int(static_cast<int64_t>(limit)),
              "read the notice acknowledgements",
              [&](const Row& row) { versions.push_back(row.Text(0)); }));
  return versions;
}

StatusOr<AccountRows> PostgresAccountStorage::ReadAll() {
  AccountRows rows;
  auto read = [&]() -> Status {
    ENTREPOT_RETURN_IF_ERROR(
        EachRow("SELECT id, login, display_name, role, scope, password_hash, badge_hash, "
                "created_at_ms, disabled_at_ms FROM entrepot_account_users WHERE site = $1 "
                "ORDER BY id",
                SiteParams(), "read the users", [&](const Row& row) {
                  rows.users.push_back(UserRow{row.Int(0), row.Text(1), row.Text(2), row.Text(3),
                                               row.Text(4), row.Text(5), row.OptionalText(6),
                                               row.Int(7), row.OptionalInt(8)});
                }));
    ENTREPOT_RETURN_IF_ERROR(
        EachRow("SELECT token_hash, user_id, created_at_ms, expires_at_ms, revoked_at_ms FROM "
                "entrepot_account_sessions WHERE site = $1 ORDER BY created_at_ms, token_hash",
                SiteParams(), "read the sessions", [&](const Row& row) {
                  rows.sessions.push_back(SessionRow{row.Text(0), row.Int(1), row.Int(2),
                                                     row.Int(3), row.OptionalInt(4)});
                }));
    ENTREPOT_RETURN_IF_ERROR(EachRow(
        "SELECT id, name, token_hash, registered_by, created_at_ms, revoked_at_ms FROM "
        "entrepot_account_devices WHERE site = $1 ORDER BY id",
        SiteParams(), "read the devices", [&](const Row& row) {
          rows.devices.push_back(DeviceRow{row.Int(0), row.Text(1), row.Text(2), row.OptionalInt(3),
                                           row.Int(4), row.OptionalInt(5)});
        }));
    ENTREPOT_ASSIGN_OR_RETURN(rows.device_sessions, ListDeviceSessions());
    return EachRow(
        "SELECT user_id, version, acknowledged_at_ms FROM entrepot_account_notice_acks "
        "WHERE site = $1 ORDER BY user_id, version",
        SiteParams(), "read the notice acknowledgements", [&](const Row& row) {
          rows.notice_acks.push_back(NoticeAcknowledgement{row.Int(0), row.Text(1), row.Int(2)});
        });
  };
  ENTREPOT_RETURN_IF_ERROR(InTransaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", read));
  return rows;
}

Status PostgresAccountStorage::WriteAll(const AccountRows& rows) {
  return InTransaction("BEGIN", [&]() -> Status {
    // Two copies into one site at once: the second waits here, then finds the first's rows.
    ENTREPOT_RETURN_IF_ERROR(Run("SELECT pg_advisory_xact_lock(hashtext('entrepot_accounts'), "
                                 "hashtext($1))",
                                 SiteParams(), "lock the site's accounts")
                                 .status());
    ENTREPOT_ASSIGN_OR_RETURN(
        pg::ResultPtr found,
        Run("SELECT EXISTS (SELECT 1 FROM entrepot_account_users WHERE site = $1) OR EXISTS "
            "(SELECT 1 FROM entrepot_account_devices WHERE site = $1)",
            SiteParams(), "look for accounts"));
    if (PQgetvalue(found.get(), 0, 0)[0] != 0) {  // A binary bool: 1 byte.
      return AccountsNotEmpty(location_);
    }
    for (const UserRow& user : rows.users) {
      ENTREPOT_RETURN_IF_ERROR(
          Run("INSERT INTO entrepot_account_users(site, id, login, display_name, role, scope, "
              "password_hash, badge_hash, created_at_ms, disabled_at_ms) VALUES($1, $2, $3, $4, "
              "$5, $6, $7, $8, $9, $10)",
              SiteParams()
                  .Int(user.id)
                  .Text(user.login)
                  .Text(user.display_name)
                  .Text(user.role)
                  .Text(user.scope)
                  .Text(user.password_hash)
                  .OptionalText(user.badge_hash)
                  .Int(user.created_at_ms)
                  .OptionalInt(user.disabled_at_ms),
              "copy a user")
              .status());
    }
    for (const SessionRow& session : rows.sessions) {
      ENTREPOT_RETURN_IF_ERROR(InsertSession(session));
    }
    for (const DeviceRow& device : rows.devices) {
      ENTREPOT_RETURN_IF_ERROR(
          Run("INSERT INTO entrepot_account_devices(site, id, name, token_hash, registered_by, "
              "created_at_ms, revoked_at_ms) VALUES($1, $2, $3, $4, $5, $6, $7)",
              SiteParams()
                  .Int(device.id)
                  .Text(device.name)
                  .Text(device.token_hash)
                  .OptionalInt(device.registered_by)
                  .Int(device.created_at_ms)
                  .OptionalInt(device.revoked_at_ms),
              "copy a device")
              .status());
    }
    for (const SealedDeviceSession& session : rows.device_sessions) {
      ENTREPOT_RETURN_IF_ERROR(PutDeviceSession(session));
    }
    for (const NoticeAcknowledgement& ack : rows.notice_acks) {
      ENTREPOT_RETURN_IF_ERROR(
          Run("INSERT INTO entrepot_account_notice_acks(site, user_id, version, "
              "acknowledged_at_ms) VALUES($1, $2, $3, $4)",
              SiteParams().Int(ack.user_id).Text(ack.version).Int(ack.acknowledged_at_ms),
              "copy a notice acknowledgement")
              .status());
    }
    // The copied ids were not drawn from the identity sequences: move them past the ids now
    // in the tables (of every site: the sequences are shared), so that the next user or
    // device of any site gets a new id.
    return Exec(
        "SELECT setval(pg_get_serial_sequence('entrepot_account_users', 'id'), "
        "GREATEST((SELECT max(id) FROM entrepot_account_users), "
        "pg_sequence_last_value(pg_get_serial_sequence('entrepot_account_users', 'id')::regclass), "
        "1)); "
        "SELECT setval(pg_get_serial_sequence('entrepot_account_devices', 'id'), "
        "GREATEST((SELECT max(id) FROM entrepot_account_devices), "
        "pg_sequence_last_value(pg_get_serial_sequence('entrepot_account_devices', "
        "'id')::regclass), 1));",
        "move the id sequences");
  });
}

StatusOr<pg::ConnectionPtr> ConnectForAccounts(const std::string& conninfo) {
  // Shared settings: a returned write (a session, a sign-in) survives the server's crash, so
  // the node that takes over knows it.
  StatusOr<pg::ConnectionPtr> connection =
      pg::ConnectShared(conninfo, kConnectTimeoutS, kStatementTimeoutMs, kLockTimeoutMs);
  if (!connection.ok()) {
    return Mapped(connection.status());
  }
  return connection;
}

}  // namespace

StatusOr<std::unique_ptr<AccountStore>> OpenPostgresAccountStore(const std::string& conninfo,
                                                                 const std::string& site,
                                                                 AccountStoreOptions options) {
  ENTREPOT_RETURN_IF_ERROR(pg::CheckSiteCode(site));
  ENTREPOT_ASSIGN_OR_RETURN(std::string described, pg::DescribeConninfo(conninfo));
  const std::string location = described + " site " + site;
  if (!options.site_code.empty() && options.site_code != site) {
    return Error(StatusCode::kFailedPrecondition, "site_mismatch",
                 "the accounts of " + location + " are not those of site " + options.site_code);
  }
  options.site_code = site;
  auto open = [&]() -> StatusOr<std::unique_ptr<AccountStore>> {
    ENTREPOT_ASSIGN_OR_RETURN(pg::ConnectionPtr connection, ConnectForAccounts(conninfo));
    ENTREPOT_RETURN_IF_ERROR(Mapped(pg::MigrateSchema(connection.get())));
    return AccountStore::FromStorage(
        std::make_unique<PostgresAccountStorage>(location, site, std::move(connection)),
        std::move(options));
  };
  StatusOr<std::unique_ptr<AccountStore>> store = open();
  if (!store.ok()) {
    return store.status().WithContext("open the accounts of " + location);
  }
  return store;
}

StatusOr<std::unique_ptr<AccountStore>> OpenSiteAccountStore(const std::string& data_dir,
                                                             const std::string& store_url,
                                                             const std::string& site,
                                                             AccountStoreOptions options) {
  if (store_url.empty()) {
    return AccountStore::Open((std::filesystem::path(data_dir) / kAccountsFileName).string(),
                              std::move(options));
  }
  return OpenPostgresAccountStore(store_url, site, std::move(options));
}

}  // namespace entrepot::auth
