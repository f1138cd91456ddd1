#include "entrepot/store/postgres_audit_log.h"

#include <charconv>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <utility>
#include <variant>

#include "entrepot/base/status_macros.h"
#include "entrepot/store/audit_log_storage.h"
#include "entrepot/store/postgres_connection.h"

namespace entrepot::store {
namespace {

using privacy::AuditChainEnds;
using privacy::AuditHash;
using privacy::AuditRecord;

// The schema version that created the audit tables.
constexpr int64_t kAuditSchemaVersion = 3;
constexpr int kConnectTimeoutS = 10;
constexpr int kStatementTimeoutMs = 30'000;
// Rows read per statement when walking the log (keyset pages of one snapshot).
constexpr int64_t kScanPageRows = 1000;

constexpr const char* kColumns =
    "seq, at_ms, actor_kind, actor, actor_role, action, data_class, subject, purpose, resource, "
    "outcome, reason, hash";

// The shared PostgreSQL helpers name the journal in their reasons; these are the log's.
Status Mapped(Status status) {
  if (status.reason() == "journal_unavailable") {
    return Error(status.code(), "audit_log_unavailable", status.message());
  }
  if (status.reason() == "journal_corrupt") {
    return Error(status.code(), "audit_log_corrupt", status.message());
  }
  return status;
}

Status Corrupt(std::string message) {
  return Error(StatusCode::kDataLoss, "audit_log_corrupt", std::move(message));
}

std::string_view HashBytes(const AuditHash& hash) {
  return {reinterpret_cast<const char*>(hash.data()), hash.size()};
}

StatusOr<pg::ResultPtr> RunSql(PGconn* connection, const char* sql, const pg::Params& params,
                               std::string_view what) {
  StatusOr<pg::ResultPtr> result = pg::Run(connection, sql, params, what);
  if (!result.ok()) {
    return Mapped(result.status());
  }
  return result;
}

Status ExecSql(PGconn* connection, const char* sql, std::string_view what) {
  return Mapped(pg::Exec(connection, sql, what));
}

pg::Params SiteParams(const std::string& site) {
  pg::Params params;
  params.AddText(site);
  return params;
}

// Row `row` of a result of kColumns.
StatusOr<StoredAuditRecord> ReadRow(const PGresult* result, int row) {
  auto text = [&](int column) { return pg::GetBytes(result, row, column); };
  return MakeStoredAuditRecord(
      pg::GetInt8(result, row, 0), pg::GetInt8(result, row, 1),
      {text(2), text(3), text(4), text(5), text(6), text(7), text(8), text(9), text(10), text(11)},
      text(12));
}

// Hands each row of `result` to `visit`; false once `visit` asked to stop.
bool VisitRows(const PGresult* result, const AuditRowVisitor& visit) {
  for (int row = 0; row < PQntuples(result); ++row) {
    if (!visit(static_cast<uint64_t>(pg::GetInt8(result, row, 0)), ReadRow(result, row))) {
      return false;
    }
  }
  return true;
}

StatusOr<AuditChainEnds> ReadEndsOn(PGconn* connection, const std::string& site) {
  ENTREPOT_ASSIGN_OR_RETURN(pg::ResultPtr result,
                            RunSql(connection,
                                   "SELECT anchor_seq, anchor_hash, head_seq, head_hash FROM "
                                   "entrepot_audit_chain WHERE site = $1",
                                   SiteParams(site), "read the audit chain row"));
  if (PQntuples(result.get()) != 1) {
    return Corrupt("the chain row (head and anchor) of site " + site + " is missing");
  }
  const int64_t anchor_seq = pg::GetInt8(result.get(), 0, 0);
  const int64_t head_seq = pg::GetInt8(result.get(), 0, 2);
  std::optional<AuditHash> anchor_hash = AuditHashFromBytes(pg::GetBytes(result.get(), 0, 1));
  std::optional<AuditHash> head_hash = AuditHashFromBytes(pg::GetBytes(result.get(), 0, 3));
  if (anchor_seq < 0 || head_seq < anchor_seq || !anchor_hash || !head_hash) {
    return Corrupt("the chain row (head and anchor) of site " + site + " is malformed");
  }
  return AuditChainEnds{static_cast<uint64_t>(anchor_seq), *anchor_hash,
                        static_cast<uint64_t>(head_seq), *head_hash};
}

StatusOr<std::optional<std::string>> ReadKeyCheckOn(PGconn* connection, const std::string& site) {
  ENTREPOT_ASSIGN_OR_RETURN(
      pg::ResultPtr result,
      RunSql(connection, "SELECT key_check FROM entrepot_audit_chain WHERE site = $1",
             SiteParams(site), "read the audit key check"));
  if (PQntuples(result.get()) == 0) {
    return std::optional<std::string>();
  }
  return std::optional<std::string>(std::string(pg::GetBytes(result.get(), 0, 0)));
}

// The rows of `site` with after < seq <= through, in seq order, a page per statement (within
// the caller's transaction, so one snapshot when it is REPEATABLE READ).
Status ScanRows(PGconn* connection, const std::string& site, uint64_t after, uint64_t through,
                const AuditRowVisitor& visit, std::string_view what) {
  const std::string sql = "SELECT " + std::string(kColumns) +
                          " FROM entrepot_audit WHERE site = $1 AND seq > $2 AND seq <= $3 "
                          "ORDER BY seq LIMIT $4";
  uint64_t next_after = after;
  while (true) {
    pg::Params params;
    params.AddText(site);
    params.AddInt8(static_cast<int64_t>(next_after));
    params.AddInt8(static_cast<int64_t>(through));
    params.AddInt8(kScanPageRows);
    ENTREPOT_ASSIGN_OR_RETURN(pg::ResultPtr result, RunSql(connection, sql.c_str(), params, what));
    const int rows = PQntuples(result.get());
    if (!VisitRows(result.get(), visit) || rows < kScanPageRows) {
      return OkStatus();
    }
    next_after = static_cast<uint64_t>(pg::GetInt8(result.get(), rows - 1, 0));
  }
}

// The site's rows of entrepot_audit_chain and entrepot_audit, through a writer connection
// (none when read-only) and a reader connection.
class PostgresAuditLogStorage final : public AuditLogStorage {
 public:
  PostgresAuditLogStorage(std::string location, std::string site, pg::ConnectionPtr writer,
                          pg::ConnectionPtr reader)
      : location_(std::move(location)),
        site_(std::move(site)),
        writer_(std::move(writer)),
        reader_(std::move(reader)) {}

  const std::string& location() const override { return location_; }

  Status BeginWrite() override;
  Status CommitWrite() override { return ExecSql(writer_.get(), "COMMIT", "commit"); }
  void AbortWrite() override {
    if (PQtransactionStatus(writer_.get()) != PQTRANS_IDLE) {
      pg::ResultPtr rolled_back(PQexec(writer_.get(), "ROLLBACK"));
    }
  }
  StatusOr<AuditChainEnds> WriteEnds() override { return ReadEndsOn(writer_.get(), site_); }
  Status Insert(const AuditRecord& record, const AuditHash& hash) override;
  Status SetHead(uint64_t seq, const AuditHash& hash) override {
    return SetEnd(seq, hash,
                  "UPDATE entrepot_audit_chain SET head_seq = $2, head_hash = $3 WHERE site = $1",
                  "update the head");
  }
  Status SetAnchor(uint64_t seq, const AuditHash& hash) override {
    return SetEnd(
        seq, hash,
        "UPDATE entrepot_audit_chain SET anchor_seq = $2, anchor_hash = $3 WHERE site = $1",
        "move the anchor");
  }
  StatusOr<std::optional<uint64_t>> FirstSeqAtOrAfter(int64_t at_ms) override;
  Status ScanRange(uint64_t after, uint64_t through, const AuditRowVisitor& visit) override {
    return ScanRows(writer_.get(), site_, after, through, visit, "read the records to prune");
  }
  StatusOr<uint64_t> DeleteThrough(uint64_t through) override;

  StatusOr<std::optional<std::string>> ReadKeyCheck() override {
    return ReadKeyCheckOn(reader_.get(), site_);
  }
  StatusOr<AuditChainEnds> ReadEnds() override { return ReadEndsOn(reader_.get(), site_); }
  Status ReadAll(
      const std::function<bool(const std::optional<std::string>&, const AuditChainEnds&)>& begin,
      const AuditRowVisitor& visit) override;
  Status QueryRows(const AuditQuery& query, const AuditRowVisitor& visit) override;

 private:
  Status SetEnd(uint64_t seq, const AuditHash& hash, const char* sql, std::string_view what) {
    pg::Params params;
    params.AddText(site_);
    params.AddInt8(static_cast<int64_t>(seq));
    params.AddBytes(HashBytes(hash));
    return RunSql(writer_.get(), sql, params, what).status();
  }

  const std::string location_;
  const std::string site_;
  pg::ConnectionPtr writer_;  // Null when read-only.
  pg::ConnectionPtr reader_;
};

Status PostgresAuditLogStorage::BeginWrite() {
  // A connection lost since the last write (the server restarted, a failover of PostgreSQL
  // itself) is made again rather than failing every write until the node restarts.
  if (PQstatus(writer_.get()) != CONNECTION_OK) {
    PQreset(writer_.get());
  }
  ENTREPOT_RETURN_IF_ERROR(ExecSql(writer_.get(), "BEGIN", "begin a transaction"));
  // The site's chain row, locked until COMMIT: every other writer of the site, on this node
  // or another, waits here, so the head read next is the one this write chains to.
  StatusOr<pg::ResultPtr> locked =
      RunSql(writer_.get(), "SELECT 1 FROM entrepot_audit_chain WHERE site = $1 FOR UPDATE",
             SiteParams(site_), "lock the audit chain");
  if (locked.ok() && PQntuples(locked->get()) != 1) {
    locked = Corrupt("the chain row (head and anchor) of site " + site_ + " is missing");
  }
  if (!locked.ok()) {
    AbortWrite();
    return locked.status();
  }
  return OkStatus();
}

Status PostgresAuditLogStorage::Insert(const AuditRecord& record, const AuditHash& hash) {
  pg::Params params;
  params.AddText(site_);
  params.AddInt8(static_cast<int64_t>(record.seq));
  params.AddInt8(record.at_ms);
  params.AddText(privacy::PrincipalKindName(record.actor_kind));
  params.AddText(record.actor);
  params.AddText(record.actor_role ? privacy::RoleName(*record.actor_role) : "");
  params.AddText(record.action);
  params.AddText(record.data_class);
  params.AddText(record.subject);
  params.AddText(record.purpose);
  params.AddText(record.resource);
  params.AddText(privacy::AuditOutcomeName(record.outcome));
  params.AddText(record.reason);
  params.AddBytes(HashBytes(hash));
  return RunSql(
             writer_.get(),
             "INSERT INTO entrepot_audit(site, seq, at_ms, actor_kind, actor, actor_role, action, "
             "data_class, subject, purpose, resource, outcome, reason, hash) VALUES($1, $2, $3, "
             "$4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
             params, "insert an audit record")
      .status();
}

StatusOr<std::optional<uint64_t>> PostgresAuditLogStorage::FirstSeqAtOrAfter(int64_t at_ms) {
  pg::Params params;
  params.AddText(site_);
  params.AddInt8(at_ms);
  ENTREPOT_ASSIGN_OR_RETURN(
      pg::ResultPtr result,
      RunSql(writer_.get(), "SELECT min(seq) FROM entrepot_audit WHERE site = $1 AND at_ms >= $2",
             params, "find the records to prune"));
  if (PQntuples(result.get()) != 1 || PQgetisnull(result.get(), 0, 0) != 0) {
    return std::optional<uint64_t>();
  }
  return std::optional<uint64_t>(static_cast<uint64_t>(pg::GetInt8(result.get(), 0, 0)));
}

StatusOr<uint64_t> PostgresAuditLogStorage::DeleteThrough(uint64_t through) {
  pg::Params params;
  params.AddText(site_);
  params.AddInt8(static_cast<int64_t>(through));
  ENTREPOT_ASSIGN_OR_RETURN(
      pg::ResultPtr result,
      RunSql(writer_.get(), "DELETE FROM entrepot_audit WHERE site = $1 AND seq <= $2", params,
             "delete the pruned records"));
  const std::string_view count = PQcmdTuples(result.get());
  uint64_t deleted = 0;
  std::from_chars(count.data(), count.data() + count.size(), deleted);
  return deleted;
}

Status PostgresAuditLogStorage::ReadAll(
    const std::function<bool(const std::optional<std::string>&, const AuditChainEnds&)>& begin,
    const AuditRowVisitor& visit) {
  PGconn* connection = reader_.get();
  // REPEATABLE READ: every statement of the walk sees the snapshot of the first.
  ENTREPOT_RETURN_IF_ERROR(ExecSql(connection, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                                   "begin a read transaction"));
  auto scan = [&]() -> Status {
    ENTREPOT_ASSIGN_OR_RETURN(std::optional<std::string> key_check,
                              ReadKeyCheckOn(connection, site_));
    ENTREPOT_ASSIGN_OR_RETURN(AuditChainEnds ends, ReadEndsOn(connection, site_));
    if (!begin(key_check, ends)) {
      return OkStatus();
    }
    return ScanRows(connection, site_, 0,
                    static_cast<uint64_t>(std::numeric_limits<int64_t>::max()), visit,
                    "read the audit log");
  };
  Status scanned = scan();
  // A read-only transaction: ending it cannot lose anything, whatever the answer.
  pg::ResultPtr ended(PQexec(connection, scanned.ok() ? "COMMIT" : "ROLLBACK"));
  return scanned;
}

Status PostgresAuditLogStorage::QueryRows(const AuditQuery& query, const AuditRowVisitor& visit) {
  const AuditQuerySql sql = BuildAuditQuerySql(query, "$", 2);
  const std::string text = "SELECT " + std::string(kColumns) +
                           " FROM entrepot_audit WHERE site = $1" + sql.conditions +
                           sql.order_limit;
  pg::Params params;
  params.AddText(site_);
  for (const std::variant<std::string, int64_t>& parameter : sql.parameters) {
    if (const auto* value = std::get_if<std::string>(&parameter)) {
      params.AddText(*value);
    } else {
      params.AddInt8(std::get<int64_t>(parameter));
    }
  }
  ENTREPOT_ASSIGN_OR_RETURN(pg::ResultPtr result,
                            RunSql(reader_.get(), text.c_str(), params, "query the audit log"));
  VisitRows(result.get(), visit);
  return OkStatus();
}

StatusOr<pg::ConnectionPtr> ConnectForAudit(const std::string& conninfo,
                                            const AuditLogOptions& options, bool read_only) {
  StatusOr<pg::ConnectionPtr> connection = pg::Connect(conninfo, kConnectTimeoutS);
  if (!connection.ok()) {
    return Mapped(connection.status());
  }
  // synchronous_commit on: a returned append is in the server's WAL on disk. lock_timeout:
  // how long an append waits for another node's (AuditLogOptions::busy_timeout_ms).
  std::string settings = "SET synchronous_commit TO on; SET client_min_messages TO warning; ";
  settings += "SET statement_timeout TO " + std::to_string(kStatementTimeoutMs) + "; ";
  settings += "SET lock_timeout TO " + std::to_string(options.busy_timeout_ms) + "; ";
  if (read_only) {
    settings += "SET default_transaction_read_only TO on; ";
  }
  ENTREPOT_RETURN_IF_ERROR(ExecSql(connection->get(), settings.c_str(), "configure the session"));
  return connection;
}

// Whether the site has a log: its chain row, checked against stray records (a deleted chain
// row must not restart the chain at seq 1) and the format this build reads.
StatusOr<bool> SiteLogExists(PGconn* connection, const std::string& site) {
  ENTREPOT_ASSIGN_OR_RETURN(
      pg::ResultPtr result,
      RunSql(connection,
             "SELECT (SELECT format_version FROM entrepot_audit_chain WHERE site = $1), "
             "EXISTS (SELECT 1 FROM entrepot_audit WHERE site = $1)",
             SiteParams(site), "look for the audit log"));
  const bool has_chain = PQgetisnull(result.get(), 0, 0) == 0;
  const bool has_records = PQgetvalue(result.get(), 0, 1)[0] != 0;
  if (!has_chain && has_records) {
    return Corrupt("the chain row (head and anchor) of site " + site +
                   " is missing but its records remain");
  }
  if (has_chain && pg::GetInt8(result.get(), 0, 0) > AuditLog::kFormatVersion) {
    return Error(StatusCode::kFailedPrecondition, "unsupported_format",
                 "the audit log of site " + site + " has format " +
                     std::to_string(pg::GetInt8(result.get(), 0, 0)) + ", newer than format " +
                     std::to_string(AuditLog::kFormatVersion) +
                     " that this build reads: use a newer Entrepôt");
  }
  return has_chain;
}

Status CreateSiteLog(PGconn* connection, const std::string& site,
                     const privacy::AuditChain& chain) {
  pg::Params params;
  params.AddText(site);
  params.AddInt8(AuditLog::kFormatVersion);
  const std::string key_check = privacy::AuditHashHex(chain.KeyCheck());
  params.AddText(key_check);
  const AuditHash genesis = chain.Genesis();
  params.AddBytes(HashBytes(genesis));
  // ON CONFLICT: another node created it meanwhile; its key check decides (FromStorage).
  return RunSql(connection,
                "INSERT INTO entrepot_audit_chain(site, format_version, key_check, anchor_seq, "
                "anchor_hash, head_seq, head_hash) VALUES($1, $2, $3, 0, $4, 0, $4) "
                "ON CONFLICT (site) DO NOTHING",
                params, "create the audit log")
      .status();
}

StatusOr<std::unique_ptr<AuditLog>> OpenStorage(const std::string& conninfo,
                                                const std::string& site,
                                                const std::string& key_path,
                                                const AuditLogOptions& options,
                                                const std::string& location) {
  pg::ConnectionPtr writer;
  if (!options.read_only) {
    ENTREPOT_ASSIGN_OR_RETURN(writer, ConnectForAudit(conninfo, options, false));
    ENTREPOT_RETURN_IF_ERROR(Mapped(pg::MigrateSchema(writer.get())));
  }
  ENTREPOT_ASSIGN_OR_RETURN(pg::ConnectionPtr reader, ConnectForAudit(conninfo, options, true));
  StatusOr<int64_t> version = pg::SchemaVersion(reader.get());
  if (!version.ok()) {
    return Mapped(version.status());
  }
  if (*version > pg::kSchemaVersion) {
    return pg::NewerSchema(*version);
  }
  bool exists = false;
  if (*version >= kAuditSchemaVersion) {
    ENTREPOT_ASSIGN_OR_RETURN(exists, SiteLogExists(reader.get(), site));
  }
  if (!exists && (options.read_only || !options.create_if_missing)) {
    return Error(StatusCode::kNotFound, "audit_log_not_found",
                 "no audit log for site " + site + " (the server creates it)");
  }
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<privacy::AuditKey> key,
                            LoadOrCreateAuditKey(key_path, exists, options));
  if (!exists) {
    ENTREPOT_RETURN_IF_ERROR(CreateSiteLog(writer.get(), site, privacy::AuditChain(*key)));
  }
  return AuditLog::FromStorage(std::make_unique<PostgresAuditLogStorage>(
                                   location, site, std::move(writer), std::move(reader)),
                               key, options.read_only);
}

}  // namespace

StatusOr<std::unique_ptr<AuditLog>> OpenPostgresAuditLog(const std::string& conninfo,
                                                         const std::string& site,
                                                         const std::string& key_path,
                                                         AuditLogOptions options) {
  ENTREPOT_RETURN_IF_ERROR(pg::CheckSiteCode(site));
  ENTREPOT_ASSIGN_OR_RETURN(std::string described, pg::DescribeConninfo(conninfo));
  const std::string location = described + " site " + site;
  StatusOr<std::unique_ptr<AuditLog>> log =
      OpenStorage(conninfo, site, key_path, options, location);
  if (!log.ok()) {
    return log.status().WithContext("open audit log " + location);
  }
  return log;
}

StatusOr<std::unique_ptr<AuditLog>> OpenSiteAuditLog(const std::string& data_dir,
                                                     const std::string& store_url,
                                                     const std::string& site,
                                                     AuditLogOptions options) {
  if (store_url.empty()) {
    return AuditLog::OpenInDirectory(data_dir, options);
  }
  const std::filesystem::path key = std::filesystem::path(data_dir) / AuditLog::kKeyFileName;
  return OpenPostgresAuditLog(store_url, site, key.string(), options);
}

}  // namespace entrepot::store
