#include "entrepot/store/postgres_audit_import.h"

#include <sqlite3.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string_view>

#include "entrepot/base/status_macros.h"
#include "entrepot/store/audit_log.h"
#include "entrepot/store/postgres_audit_log.h"
#include "entrepot/store/postgres_connection.h"

namespace entrepot::store {
namespace {

constexpr int kConnectTimeoutS = 10;

struct DatabaseCloser {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};
struct StatementFinalizer {
  void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};
using DatabasePtr = std::unique_ptr<sqlite3, DatabaseCloser>;
using StatementPtr = std::unique_ptr<sqlite3_stmt, StatementFinalizer>;

// The columns of both backends' record tables, in the same order (audit_log_storage.h).
constexpr const char* kColumns =
    "seq, at_ms, actor_kind, actor, actor_role, action, data_class, subject, purpose, resource, "
    "outcome, reason, hash";
constexpr int kTextColumns = 10;  // actor_kind .. reason.

Status Unavailable(sqlite3* db, std::string_view what) {
  return Error(StatusCode::kUnavailable, "audit_log_unavailable",
               "audit.db: cannot " + std::string(what) + ": " +
                   (db != nullptr ? sqlite3_errmsg(db) : "no database"));
}

Status NotEmpty(const std::string& site) {
  return Error(
      StatusCode::kFailedPrecondition, "audit_log_not_empty",
      "site " + site + " already has an audit log in PostgreSQL: refusing to mix two chains");
}

// The source, opened read-only, inside one read transaction.
class Source {
 public:
  static StatusOr<Source> Open(const std::string& path) {
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
    Source source(DatabasePtr{raw});
    if (rc != SQLITE_OK || sqlite3_exec(raw, "BEGIN", nullptr, nullptr, nullptr) != SQLITE_OK) {
      return Unavailable(raw, "open " + path);
    }
    return source;
  }

  StatusOr<StatementPtr> Prepare(const char* sql) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db_.get(), sql, -1, &statement, nullptr) != SQLITE_OK) {
      return Unavailable(db_.get(), "read");
    }
    return StatementPtr(statement);
  }
  // The first row of `sql`, stepped; kDataLoss when there is none.
  StatusOr<StatementPtr> Row(const char* sql, std::string_view what) {
    ENTREPOT_ASSIGN_OR_RETURN(StatementPtr statement, Prepare(sql));
    if (sqlite3_step(statement.get()) != SQLITE_ROW) {
      return Error(StatusCode::kDataLoss, "audit_log_corrupt",
                   "audit.db: " + std::string(what) + " is missing");
    }
    return statement;
  }
  sqlite3* db() { return db_.get(); }

 private:
  explicit Source(DatabasePtr db) : db_(std::move(db)) {}
  DatabasePtr db_;
};

std::string_view Column(sqlite3_stmt* statement, int column) {
  const void* bytes = sqlite3_column_blob(statement, column);
  return {static_cast<const char*>(bytes),
          static_cast<size_t>(sqlite3_column_bytes(statement, column))};
}

// Writes the chain row and every record of `source` for `site`, inside the caller's
// transaction on `connection`.
StatusOr<AuditImportReport> CopyRows(Source& source, PGconn* connection, const std::string& site) {
  AuditImportReport report;
  ENTREPOT_ASSIGN_OR_RETURN(StatementPtr meta,
                            source.Row("SELECT (SELECT value FROM meta WHERE key = "
                                       "'format_version'), (SELECT value FROM meta WHERE key = "
                                       "'key_check')",
                                       "the meta table"));
  ENTREPOT_ASSIGN_OR_RETURN(
      StatementPtr ends,
      source.Row("SELECT anchor_seq, anchor_hash, head_seq, head_hash FROM chain WHERE id = 1",
                 "the chain row"));
  report.anchor_seq = static_cast<uint64_t>(sqlite3_column_int64(ends.get(), 0));
  report.head_seq = static_cast<uint64_t>(sqlite3_column_int64(ends.get(), 2));
  pg::Params chain;
  chain.AddText(site);
  chain.AddInt8(sqlite3_column_int64(meta.get(), 0));
  chain.AddText(Column(meta.get(), 1));
  chain.AddInt8(static_cast<int64_t>(report.anchor_seq));
  chain.AddBytes(Column(ends.get(), 1));
  chain.AddInt8(static_cast<int64_t>(report.head_seq));
  chain.AddBytes(Column(ends.get(), 3));
  // ON CONFLICT: the site has a log already (the lock of its row keeps two copies apart).
  ENTREPOT_ASSIGN_OR_RETURN(
      pg::ResultPtr created,
      pg::Run(connection,
              "INSERT INTO entrepot_audit_chain(site, format_version, key_check, anchor_seq, "
              "anchor_hash, head_seq, head_hash) VALUES($1, $2, $3, $4, $5, $6, $7) "
              "ON CONFLICT (site) DO NOTHING RETURNING 1",
              chain, "create the audit log"));
  pg::Params site_only;
  site_only.AddText(site);
  ENTREPOT_ASSIGN_OR_RETURN(
      pg::ResultPtr stray,
      pg::Run(connection, "SELECT 1 FROM entrepot_audit WHERE site = $1 LIMIT 1", site_only,
              "look for audit records"));
  if (PQntuples(created.get()) != 1 || PQntuples(stray.get()) != 0) {
    return NotEmpty(site);
  }
  ENTREPOT_ASSIGN_OR_RETURN(
      StatementPtr records,
      source.Prepare((std::string("SELECT ") + kColumns + " FROM audit ORDER BY seq").c_str()));
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(records.get())) == SQLITE_ROW) {
    pg::Params row;
    row.AddText(site);
    row.AddInt8(sqlite3_column_int64(records.get(), 0));
    row.AddInt8(sqlite3_column_int64(records.get(), 1));
    for (int column = 2; column < 2 + kTextColumns; ++column) {
      row.AddText(Column(records.get(), column));
    }
    row.AddBytes(Column(records.get(), 2 + kTextColumns));
    ENTREPOT_RETURN_IF_ERROR(
        pg::Run(connection,
                "INSERT INTO entrepot_audit(site, seq, at_ms, actor_kind, actor, actor_role, "
                "action, data_class, subject, purpose, resource, outcome, reason, hash) "
                "VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                row, "copy an audit record")
            .status());
    ++report.records;
  }
  if (rc != SQLITE_DONE) {
    return Unavailable(source.db(), "read the records");
  }
  return report;
}

Status Broken(const privacy::AuditVerifyReport& report, const std::string& where) {
  return Error(StatusCode::kDataLoss, "audit_chain_broken",
               "the audit log " + where + " does not verify (seq " +
                   std::to_string(report.broken_seq) + ": " + report.message + ")");
}

}  // namespace

StatusOr<AuditImportReport> CopyAuditLogToPostgres(const std::string& data_dir,
                                                   const std::string& conninfo,
                                                   const std::string& site) {
  ENTREPOT_RETURN_IF_ERROR(pg::CheckSiteCode(site));
  const std::filesystem::path db_path = std::filesystem::path(data_dir) / AuditLog::kDbFileName;
  const std::filesystem::path key_path = std::filesystem::path(data_dir) / AuditLog::kKeyFileName;
  std::error_code error;
  if (!std::filesystem::exists(db_path, error)) {
    return Error(StatusCode::kNotFound, "audit_log_not_found", "no " + db_path.string());
  }
  // A broken log is not copied: its break would look like one made in PostgreSQL.
  ENTREPOT_ASSIGN_OR_RETURN(std::unique_ptr<AuditLog> log,
                            AuditLog::OpenInDirectory(data_dir, {.read_only = true}));
  ENTREPOT_ASSIGN_OR_RETURN(privacy::AuditVerifyReport checked, log->Verify());
  log.reset();
  if (!checked.intact()) {
    return Broken(checked, "in " + db_path.string());
  }

  ENTREPOT_ASSIGN_OR_RETURN(Source source, Source::Open(db_path.string()));
  ENTREPOT_ASSIGN_OR_RETURN(pg::ConnectionPtr connection, pg::Connect(conninfo, kConnectTimeoutS));
  ENTREPOT_RETURN_IF_ERROR(pg::MigrateSchema(connection.get()));
  ENTREPOT_RETURN_IF_ERROR(pg::Exec(connection.get(), "BEGIN", "begin the copy"));
  StatusOr<AuditImportReport> copied = CopyRows(source, connection.get(), site);
  if (!copied.ok()) {
    pg::ResultPtr rolled_back(PQexec(connection.get(), "ROLLBACK"));
    return copied.status();
  }
  ENTREPOT_RETURN_IF_ERROR(pg::Exec(connection.get(), "COMMIT", "commit the copy"));

  // The copy as the nodes will read it: the same chain, the same records.
  ENTREPOT_ASSIGN_OR_RETURN(
      std::unique_ptr<AuditLog> copy,
      OpenPostgresAuditLog(conninfo, site, key_path.string(), {.read_only = true}));
  ENTREPOT_ASSIGN_OR_RETURN(privacy::AuditVerifyReport verified, copy->Verify());
  if (!verified.intact() || verified.records != checked.records ||
      verified.last_seq != checked.last_seq) {
    return Broken(verified, "copied into PostgreSQL (site " + site + ")");
  }
  return *copied;
}

}  // namespace entrepot::store
