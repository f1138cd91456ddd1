#include "entrepot/store/postgres_connection.h"

#include <array>
#include <charconv>
#include <functional>
#include <utility>

#include "entrepot/base/status_macros.h"

namespace entrepot::store {

namespace internal {
void PostgresConnectionCloser::operator()(pg_conn* connection) const { PQfinish(connection); }
}  // namespace internal

namespace pg {
namespace {

// The migrations, in order: migration i + 1 is kMigrations[i]. Never edit one that shipped;
// add the next.
struct Migration {
  const char* description;
  const char* sql;
};
constexpr std::array<Migration, kSchemaVersion> kMigrations = {{
    {"sites, journal and snapshots", R"sql(
      CREATE TABLE entrepot_sites(
        site text PRIMARY KEY,
        created_at timestamptz NOT NULL DEFAULT now());
      CREATE TABLE entrepot_journal(
        site text NOT NULL,
        seq bigint NOT NULL CHECK (seq > 0),
        idempotency_key bytea,
        payload bytea NOT NULL,
        crc bigint NOT NULL,
        PRIMARY KEY (site, seq));
      CREATE TABLE entrepot_snapshots(
        site text NOT NULL,
        seq bigint NOT NULL CHECK (seq >= 0),
        payload bytea NOT NULL,
        crc bigint NOT NULL,
        PRIMARY KEY (site, seq));
    )sql"},
    // One row per site served from PostgreSQL: the node holding the site (PostgresSiteLease).
    // `token` grows at each change of holder and fences a former holder's writes;
    // `expires_at` is on the database's clock, so the nodes' clocks never matter.
    {"site leases", R"sql(
      CREATE TABLE entrepot_leases(
        site text PRIMARY KEY,
        holder text NOT NULL,
        token bigint NOT NULL CHECK (token > 0),
        acquired_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL);
    )sql"},
    // The audit log of personal-data access of each site (postgres_audit_log.h): one chain
    // row per site (the head, the anchor, the key check; locked by each append, so the nodes
    // of a site append to one chain) and the records. The key is not stored here.
    {"audit log", R"sql(
      CREATE TABLE entrepot_audit_chain(
        site text PRIMARY KEY,
        format_version bigint NOT NULL,
        key_check text NOT NULL,
        anchor_seq bigint NOT NULL CHECK (anchor_seq >= 0),
        anchor_hash bytea NOT NULL,
        head_seq bigint NOT NULL CHECK (head_seq >= anchor_seq),
        head_hash bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now());
      CREATE TABLE entrepot_audit(
        site text NOT NULL,
        seq bigint NOT NULL CHECK (seq > 0),
        at_ms bigint NOT NULL,
        actor_kind text NOT NULL,
        actor text NOT NULL,
        actor_role text NOT NULL,
        action text NOT NULL,
        data_class text NOT NULL,
        subject text NOT NULL,
        purpose text NOT NULL,
        resource text NOT NULL,
        outcome text NOT NULL,
        reason text NOT NULL,
        hash bytea NOT NULL,
        PRIMARY KEY (site, seq));
      CREATE INDEX entrepot_audit_by_subject ON entrepot_audit(site, subject, seq);
      CREATE INDEX entrepot_audit_by_actor ON entrepot_audit(site, actor, seq);
      CREATE INDEX entrepot_audit_by_time ON entrepot_audit(site, at_ms);
    )sql"},
}};

constexpr const char* kMigrationsTableSql = R"sql(
  CREATE TABLE IF NOT EXISTS entrepot_schema_migrations(
    version integer PRIMARY KEY,
    description text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now())
)sql";

// The body of MigrateSchema's transaction.
Status ApplyMigrations(PGconn* connection) {
  Params lock;
  lock.AddInt8(kMigrationLockKey);
  ENTREPOT_RETURN_IF_ERROR(
      Run(connection, "SELECT pg_advisory_xact_lock($1)", lock, "take the migration lock")
          .status());
  ENTREPOT_RETURN_IF_ERROR(
      Exec(connection, kMigrationsTableSql, "create table entrepot_schema_migrations"));
  // Again under the lock: another node may have migrated meanwhile.
  ENTREPOT_ASSIGN_OR_RETURN(int64_t current, SchemaVersion(connection));
  if (current > kSchemaVersion) {
    return NewerSchema(current);
  }
  for (int64_t next = current + 1; next <= kSchemaVersion; ++next) {
    const Migration& migration = kMigrations[static_cast<size_t>(next - 1)];
    const std::string what = "apply schema migration " + std::to_string(next);
    ENTREPOT_RETURN_IF_ERROR(Exec(connection, migration.sql, what));
    Params row;
    row.AddInt8(next);
    row.AddText(migration.description);
    ENTREPOT_RETURN_IF_ERROR(Run(connection,
                                 "INSERT INTO entrepot_schema_migrations(version, description) "
                                 "VALUES($1::int8::int4, $2)",
                                 row, what)
                                 .status());
  }
  return OkStatus();
}

}  // namespace

int64_t GetInt8(const PGresult* result, int row, int column) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(PQgetvalue(result, row, column));
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) {
    value = (value << 8) | bytes[i];
  }
  return static_cast<int64_t>(value);
}

std::string_view GetBytes(const PGresult* result, int row, int column) {
  return {PQgetvalue(result, row, column), static_cast<size_t>(PQgetlength(result, row, column))};
}

std::string Trimmed(const char* message) {
  std::string text = message != nullptr ? message : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
    text.pop_back();
  }
  return text.empty() ? "no message" : text;
}

// Maps a failed statement to the Journal contract's codes. `result` may be null (libpq
// could not even send the statement).
Status PostgresStatus(PGconn* connection, const PGresult* result, std::string_view what) {
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const std::string sqlstate = state != nullptr ? state : "";
  const std::string message =
      std::string(what) + ": " +
      Trimmed(result != nullptr ? PQresultErrorMessage(result) : PQerrorMessage(connection)) +
      (sqlstate.empty() ? "" : " (SQLSTATE " + sqlstate + ")");
  const std::string klass = sqlstate.substr(0, 2);
  if (PQstatus(connection) == CONNECTION_BAD || sqlstate.empty() || klass == "08" ||
      klass == "53" || klass == "57" || klass == "40" || sqlstate == "55P03" ||
      sqlstate == "25006") {
    // Connection lost, out of disk or memory, shutdown, timeout, lock timeout, standby.
    return Error(StatusCode::kUnavailable, "journal_unavailable", message);
  }
  if (klass == "XX" && sqlstate != "XX000") {
    return Error(StatusCode::kDataLoss, "journal_corrupt", message);
  }
  if (sqlstate == "42501") {
    return Error(StatusCode::kPermissionDenied, "journal_permission_denied", message);
  }
  return Error(StatusCode::kInternal, "journal_error", message);
}

bool Succeeded(const PGresult* result) {
  const ExecStatusType status = result != nullptr ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

// Runs one statement with binary parameters and results.
StatusOr<ResultPtr> Run(PGconn* connection, const char* sql, const Params& params,
                        std::string_view what) {
  ResultPtr result(PQexecParams(connection, sql, params.size(), params.types(), params.values(),
                                params.lengths(), params.formats(), 1));
  if (!Succeeded(result.get())) {
    return PostgresStatus(connection, result.get(), what);
  }
  return result;
}

StatusOr<ResultPtr> RunPrepared(PGconn* connection, const char* name, const Params& params,
                                std::string_view what) {
  ResultPtr result(PQexecPrepared(connection, name, params.size(), params.values(),
                                  params.lengths(), params.formats(), 1));
  if (!Succeeded(result.get())) {
    return PostgresStatus(connection, result.get(), what);
  }
  return result;
}

// Runs SQL without parameters (several statements allowed), results in text.
Status Exec(PGconn* connection, const char* sql, std::string_view what) {
  ResultPtr result(PQexec(connection, sql));
  if (!Succeeded(result.get())) {
    return PostgresStatus(connection, result.get(), what);
  }
  return OkStatus();
}

// The first column of the first row as text; nullopt for no row or NULL.
StatusOr<std::optional<std::string>> QueryText(PGconn* connection, const char* sql,
                                               std::string_view what) {
  ResultPtr result(PQexec(connection, sql));
  if (!Succeeded(result.get())) {
    return PostgresStatus(connection, result.get(), what);
  }
  if (PQntuples(result.get()) == 0 || PQgetisnull(result.get(), 0, 0) != 0) {
    return std::optional<std::string>();
  }
  return std::optional<std::string>(PQgetvalue(result.get(), 0, 0));
}

bool ValidSiteCode(std::string_view site) {
  if (site.empty() || site.size() > kMaxSiteCodeBytes) {
    return false;
  }
  for (char c : site) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) {
      return false;
    }
  }
  return true;
}

// "postgresql://USER@HOST:PORT/DB" from a conninfo, leaving the password out. Returns
// kInvalidArgument "bad_store_url" when libpq cannot parse it.
StatusOr<std::string> DescribeConninfo(const std::string& conninfo) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  if (options == nullptr) {
    std::string message = Trimmed(error);
    PQfreemem(error);
    return Error(StatusCode::kInvalidArgument, "bad_store_url",
                 "not a PostgreSQL connection string or postgresql:// URL: " + message);
  }
  std::string user, host, port, dbname;
  for (PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
    const std::string value = option->val != nullptr ? option->val : "";
    const std::string_view keyword = option->keyword;
    if (keyword == "user") {
      user = value;
    } else if (keyword == "host") {
      host = value;
    } else if (keyword == "port") {
      port = value;
    } else if (keyword == "dbname") {
      dbname = value;
    }
  }
  PQconninfoFree(options);
  return "postgresql://" + (user.empty() ? "" : user + "@") + host +
         (port.empty() ? "" : ":" + port) + "/" + dbname;
}

// Connects; kUnavailable "journal_unavailable" with libpq's message when it cannot.
StatusOr<ConnectionPtr> Connect(const std::string& conninfo, int connect_timeout_s) {
  // libpq takes the keywords and values as arrays; "dbname" carrying a whole conninfo or
  // URL is expanded (expand_dbname), and the timeout is added without editing the string.
  const std::string timeout = std::to_string(connect_timeout_s);
  const std::array<const char*, 3> keywords = {"dbname", "connect_timeout", nullptr};
  const std::array<const char*, 3> values = {conninfo.c_str(), timeout.c_str(), nullptr};
  ConnectionPtr connection(PQconnectdbParams(keywords.data(), values.data(), /*expand_dbname=*/1));
  if (connection == nullptr) {
    return Error(StatusCode::kUnavailable, "journal_unavailable", "libpq: out of memory");
  }
  if (PQstatus(connection.get()) != CONNECTION_OK) {
    return Error(StatusCode::kUnavailable, "journal_unavailable",
                 "cannot connect: " + Trimmed(PQerrorMessage(connection.get())));
  }
  // Notices (such as "relation already exists, skipping") are not errors: keep stderr clean.
  PQsetNoticeProcessor(
      connection.get(), [](void*, const char*) {}, nullptr);
  return connection;
}

// The schema version the database is at: 0 without a migrations table.
StatusOr<int64_t> SchemaVersion(PGconn* connection) {
  ENTREPOT_ASSIGN_OR_RETURN(
      std::optional<std::string> table,
      QueryText(connection, "SELECT to_regclass('entrepot_schema_migrations')::text",
                "read the schema"));
  if (!table) {
    return int64_t{0};
  }
  ENTREPOT_ASSIGN_OR_RETURN(
      std::optional<std::string> version,
      QueryText(connection, "SELECT max(version) FROM entrepot_schema_migrations",
                "read the schema version"));
  int64_t number = 0;
  if (version && std::from_chars(version->data(), version->data() + version->size(), number).ec !=
                     std::errc()) {
    return Error(StatusCode::kDataLoss, "journal_corrupt",
                 "table entrepot_schema_migrations holds a bad version: " + *version);
  }
  return number;
}

Status CheckSiteCode(std::string_view site) {
  if (ValidSiteCode(site)) {
    return OkStatus();
  }
  return Error(StatusCode::kInvalidArgument, "bad_site_code",
               "a site code is 1 to " + std::to_string(kMaxSiteCodeBytes) +
                   " characters among A-Z a-z 0-9 . _ -");
}

Status NewerSchema(int64_t version) {
  return Error(StatusCode::kFailedPrecondition, "unsupported_format",
               "the database's journal schema is at version " + std::to_string(version) +
                   ", newer than version " + std::to_string(kSchemaVersion) +
                   " that this build reads: use a newer Entrepôt");
}

Status MigrateSchema(PGconn* connection) {
  ENTREPOT_ASSIGN_OR_RETURN(int64_t version, SchemaVersion(connection));
  if (version >= kSchemaVersion) {
    return version > kSchemaVersion ? NewerSchema(version) : OkStatus();
  }
  ENTREPOT_RETURN_IF_ERROR(Exec(connection, "BEGIN", "migrate the schema: begin"));
  Status migrated = ApplyMigrations(connection);
  if (!migrated.ok()) {
    ResultPtr rolled_back(PQexec(connection, "ROLLBACK"));
    return migrated;
  }
  // A COMMIT whose answer is lost leaves the schema unknown: the next open reads it again.
  return Exec(connection, "COMMIT", "migrate the schema: commit");
}

}  // namespace pg
}  // namespace entrepot::store
