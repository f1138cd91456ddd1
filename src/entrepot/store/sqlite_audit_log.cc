// The SQLite backend of AuditLog (audit_log_storage.h): DIR/audit.db, and AuditLog::Open.
#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <system_error>
#include <utility>

#include "entrepot/base/status_macros.h"
#include "entrepot/store/audit_log.h"
#include "entrepot/store/audit_log_storage.h"
#include "entrepot/store/sqlite_status.h"

namespace entrepot::store {
namespace {

using privacy::AuditChainEnds;
using privacy::AuditHash;
using privacy::AuditRecord;

struct DatabaseCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StatementFinalizer {
  void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};
using DatabasePtr = std::unique_ptr<sqlite3, DatabaseCloser>;
using StatementPtr = std::unique_ptr<sqlite3_stmt, StatementFinalizer>;

constexpr const char* kSchema = R"sql(
  CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE chain(id INTEGER PRIMARY KEY CHECK (id = 1), anchor_seq INTEGER NOT NULL,
                     anchor_hash BLOB NOT NULL, head_seq INTEGER NOT NULL,
                     head_hash BLOB NOT NULL);
  CREATE TABLE audit(seq INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, actor_kind TEXT NOT NULL,
                     actor TEXT NOT NULL, actor_role TEXT NOT NULL, action TEXT NOT NULL,
                     data_class TEXT NOT NULL, subject TEXT NOT NULL, purpose TEXT NOT NULL,
                     resource TEXT NOT NULL, outcome TEXT NOT NULL, reason TEXT NOT NULL,
                     hash BLOB NOT NULL);
  CREATE INDEX audit_by_subject ON audit(subject, seq);
  CREATE INDEX audit_by_actor ON audit(actor, seq);
  CREATE INDEX audit_by_time ON audit(at_ms);
)sql";

constexpr std::string_view kColumns =
    "seq, at_ms, actor_kind, actor, actor_role, action, data_class, subject, purpose, resource, "
    "outcome, reason, hash";

Status SqliteStatus(sqlite3* db, int rc, std::string_view what) {
  return store::SqliteStatus(db, rc, what, "audit_log");
}

Status Corrupt(std::string message) {
  return Error(StatusCode::kDataLoss, "audit_log_corrupt", std::move(message));
}

StatusOr<StatementPtr> Prepare(sqlite3* db, std::string_view sql) {
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &raw, nullptr);
  StatementPtr statement(raw);
  if (rc != SQLITE_OK) {
    return SqliteStatus(db, rc, "prepare \"" + std::string(sql.substr(0, 60)) + "\"");
  }
  return statement;
}

Status Exec(sqlite3* db, const std::string& sql, std::string_view what) {
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
  return rc == SQLITE_OK ? OkStatus() : SqliteStatus(db, rc, what);
}

// Steps a statement that returns no row.
Status StepDone(sqlite3* db, sqlite3_stmt* statement, std::string_view what) {
  const int rc = sqlite3_step(statement);
  return rc == SQLITE_DONE ? OkStatus() : SqliteStatus(db, rc, what);
}

void BindText(sqlite3_stmt* statement, int index, std::string_view text) {
  sqlite3_bind_text64(statement, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

void BindHash(sqlite3_stmt* statement, int index, const AuditHash& hash) {
  sqlite3_bind_blob(statement, index, hash.data(), static_cast<int>(hash.size()), SQLITE_TRANSIENT);
}

std::string_view ColumnText(sqlite3_stmt* statement, int column) {
  const unsigned char* text = sqlite3_column_text(statement, column);
  if (text == nullptr) {
    return {};
  }
  return {reinterpret_cast<const char*>(text),
          static_cast<size_t>(sqlite3_column_bytes(statement, column))};
}

std::optional<AuditHash> ColumnHash(sqlite3_stmt* statement, int column) {
  const void* bytes = sqlite3_column_blob(statement, column);
  if (bytes == nullptr ||
      sqlite3_column_bytes(statement, column) != static_cast<int>(privacy::kAuditHashBytes)) {
    return std::nullopt;
  }
  AuditHash hash;
  std::memcpy(hash.data(), bytes, hash.size());
  return hash;
}

// Ends a transaction begun with Begin(): Commit(), or ROLLBACK when it goes out of scope
// first (an error on the way). A failed COMMIT leaves SQLite to roll back.
class Transaction {
 public:
  explicit Transaction(sqlite3* db) : db_(db) {}
  ~Transaction() {
    if (active_ && sqlite3_get_autocommit(db_) == 0) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  Status Begin(const char* sql) {
    ENTREPOT_RETURN_IF_ERROR(Exec(db_, sql, "begin a transaction"));
    active_ = true;
    return OkStatus();
  }
  Status Commit() {
    Status status = Exec(db_, "COMMIT", "commit");
    active_ = !status.ok();
    return status;
  }

 private:
  sqlite3* db_;
  bool active_ = false;
};

// The columns of kColumns, from `statement`'s current row. kInvalidArgument
// "bad_audit_record" names what cannot be read back (a row edited outside the log).
StatusOr<StoredAuditRecord> ReadRow(sqlite3_stmt* statement) {
  const void* hash = sqlite3_column_blob(statement, 12);
  const auto hash_bytes = static_cast<size_t>(sqlite3_column_bytes(statement, 12));
  return MakeStoredAuditRecord(
      sqlite3_column_int64(statement, 0), sqlite3_column_int64(statement, 1),
      {ColumnText(statement, 2), ColumnText(statement, 3), ColumnText(statement, 4),
       ColumnText(statement, 5), ColumnText(statement, 6), ColumnText(statement, 7),
       ColumnText(statement, 8), ColumnText(statement, 9), ColumnText(statement, 10),
       ColumnText(statement, 11)},
      hash == nullptr ? std::string_view()
                      : std::string_view(static_cast<const char*>(hash), hash_bytes));
}

StatusOr<AuditChainEnds> ReadEnds(sqlite3* db) {
  ENTREPOT_ASSIGN_OR_RETURN(
      StatementPtr statement,
      Prepare(db, "SELECT anchor_seq, anchor_hash, head_seq, head_hash FROM chain WHERE id = 1"));
  const int rc = sqlite3_step(statement.get());
  if (rc == SQLITE_DONE) {
    return Corrupt("the chain row (head and anchor) is missing");
  }
  if (rc != SQLITE_ROW) {
    return SqliteStatus(db, rc, "read the chain row");
  }
  const int64_t anchor_seq = sqlite3_column_int64(statement.get(), 0);
  const int64_t head_seq = sqlite3_column_int64(statement.get(), 2);
  std::optional<AuditHash> anchor_hash = ColumnHash(statement.get(), 1);
  std::optional<AuditHash> head_hash = ColumnHash(statement.get(), 3);
  if (anchor_seq < 0 || head_seq < anchor_seq || !anchor_hash || !head_hash) {
    return Corrupt("the chain row (head and anchor) is malformed");
  }
  return AuditChainEnds{static_cast<uint64_t>(anchor_seq), *anchor_hash,
                        static_cast<uint64_t>(head_seq), *head_hash};
}

StatusOr<std::optional<std::string>> ReadMeta(sqlite3* db, std::string_view key) {
  ENTREPOT_ASSIGN_OR_RETURN(StatementPtr statement,
                            Prepare(db, "SELECT value FROM meta WHERE key = ?1"));
  BindText(statement.get(), 1, key);
  const int rc = sqlite3_step(statement.get());
  if (rc == SQLITE_DONE) {
    return std::optional<std::string>();
  }
  if (rc != SQLITE_ROW) {
    return SqliteStatus(db, rc, "read meta");
  }
  return std::optional<std::string>(std::string(ColumnText(statement.get(), 0)));
}

StatusOr<int64_t> QueryInt(sqlite3* db, std::string_view sql) {
  ENTREPOT_ASSIGN_OR_RETURN(StatementPtr statement, Prepare(db, sql));
  const int rc = sqlite3_step(statement.get());
  if (rc != SQLITE_ROW) {
    return SqliteStatus(db, rc == SQLITE_DONE ? SQLITE_CORRUPT : rc, sql);
  }
  return sqlite3_column_int64(statement.get(), 0);
}

// Checks that `db` is an audit log of a format this code reads.
Status CheckFormat(sqlite3* db) {
  ENTREPOT_ASSIGN_OR_RETURN(int64_t application_id, QueryInt(db, "PRAGMA application_id"));
  if (application_id != AuditLog::kApplicationId) {
    return Error(StatusCode::kFailedPrecondition, "not_an_audit_log",
                 "an SQLite database but not an Entrepôt audit log (application_id " +
                     std::to_string(application_id) + ")");
  }
  ENTREPOT_ASSIGN_OR_RETURN(int64_t tables,
                            QueryInt(db,
                                     "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND "
                                     "name IN ('meta', 'chain', 'audit')"));
  if (tables != 3) {
    return Corrupt("the schema is damaged (tables meta, chain, audit expected, " +
                   std::to_string(tables) + " found)");
  }
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<std::string> version, ReadMeta(db, "format_version"));
  int64_t format = 0;
  if (version.has_value()) {
    auto [end, parse_error] =
        std::from_chars(version->data(), version->data() + version->size(), format);
    if (parse_error != std::errc() || end != version->data() + version->size()) {
      format = 0;
    }
  }
  if (format > AuditLog::kFormatVersion) {
    return Error(StatusCode::kFailedPrecondition, "unsupported_format",
                 "audit log format " + *version + ", newer than format " +
                     std::to_string(AuditLog::kFormatVersion) +
                     " that this build reads: use a newer Entrepôt");
  }
  if (format < 1) {
    return Corrupt("the format_version row of table meta is missing or invalid");
  }
  return OkStatus();
}

// Creates the schema in an empty database, or checks an existing one.
Status CreateOrCheck(sqlite3* db, const privacy::AuditChain& chain) {
  Transaction transaction(db);
  ENTREPOT_RETURN_IF_ERROR(transaction.Begin("BEGIN IMMEDIATE"));
  ENTREPOT_ASSIGN_OR_RETURN(int64_t objects, QueryInt(db, "SELECT count(*) FROM sqlite_schema"));
  ENTREPOT_ASSIGN_OR_RETURN(int64_t application_id, QueryInt(db, "PRAGMA application_id"));
  if (objects != 0 || application_id != 0) {
    ENTREPOT_RETURN_IF_ERROR(transaction.Commit());
    return CheckFormat(db);
  }
  ENTREPOT_RETURN_IF_ERROR(
      Exec(db, "PRAGMA application_id=" + std::to_string(AuditLog::kApplicationId) + ";" + kSchema,
           "create the schema"));
  ENTREPOT_ASSIGN_OR_RETURN(
      StatementPtr meta,
      Prepare(db, "INSERT INTO meta(key, value) VALUES('format_version', ?1), ('key_check', ?2)"));
  BindText(meta.get(), 1, std::to_string(AuditLog::kFormatVersion));
  BindText(meta.get(), 2, privacy::AuditHashHex(chain.KeyCheck()));
  ENTREPOT_RETURN_IF_ERROR(StepDone(db, meta.get(), "write meta"));
  ENTREPOT_ASSIGN_OR_RETURN(StatementPtr ends,
                            Prepare(db,
                                    "INSERT INTO chain(id, anchor_seq, anchor_hash, head_seq, "
                                    "head_hash) VALUES(1, 0, ?1, 0, ?1)"));
  BindHash(ends.get(), 1, chain.Genesis());
  ENTREPOT_RETURN_IF_ERROR(StepDone(db, ends.get(), "write the chain row"));
  return transaction.Commit();
}

StatusOr<DatabasePtr> OpenDatabase(const std::string& path, bool read_only, int busy_timeout_ms) {
  const int flags =
      (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
      SQLITE_OPEN_NOMUTEX;
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  DatabasePtr db(raw);
  if (rc != SQLITE_OK) {
    return SqliteStatus(raw, rc, "sqlite3_open");
  }
  sqlite3_extended_result_codes(db.get(), 1);
  sqlite3_busy_timeout(db.get(), busy_timeout_ms);
  return db;
}

Status InsertRecord(sqlite3* db, const AuditRecord& record, const AuditHash& hash) {
  ENTREPOT_ASSIGN_OR_RETURN(StatementPtr insert,
                            Prepare(db, "INSERT INTO audit(" + std::string(kColumns) +
                                            ") VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
                                            "?11, ?12, ?13)"));
  sqlite3_stmt* statement = insert.get();
  sqlite3_bind_int64(statement, 1, static_cast<int64_t>(record.seq));
  sqlite3_bind_int64(statement, 2, record.at_ms);
  BindText(statement, 3, privacy::PrincipalKindName(record.actor_kind));
  BindText(statement, 4, record.actor);
  BindText(statement, 5, record.actor_role ? privacy::RoleName(*record.actor_role) : "");
  BindText(statement, 6, record.action);
  BindText(statement, 7, record.data_class);
  BindText(statement, 8, record.subject);
  BindText(statement, 9, record.purpose);
  BindText(statement, 10, record.resource);
  BindText(statement, 11, privacy::AuditOutcomeName(record.outcome));
  BindText(statement, 12, record.reason);
  BindHash(statement, 13, hash);
  return StepDone(db, statement, "insert an audit record");
}

void BindInt(sqlite3_stmt* statement, int index, uint64_t value) {
  sqlite3_bind_int64(statement, index, static_cast<int64_t>(value));
}

// Steps `statement` and hands each row to `visit` until it returns false.
Status VisitRows(sqlite3* db, sqlite3_stmt* statement, const AuditRowVisitor& visit,
                 std::string_view what) {
  int rc;
  while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
    if (!visit(static_cast<uint64_t>(sqlite3_column_int64(statement, 0)), ReadRow(statement))) {
      return OkStatus();
    }
  }
  return rc == SQLITE_DONE ? OkStatus() : SqliteStatus(db, rc, what);
}

// DIR/audit.db: a writer connection (none when read-only) and a reader connection.
class SqliteAuditLogStorage final : public AuditLogStorage {
 public:
  SqliteAuditLogStorage(std::string path, DatabasePtr writer, DatabasePtr reader)
      : path_(std::move(path)), writer_(std::move(writer)), reader_(std::move(reader)) {}

  const std::string& location() const override { return path_; }

  Status BeginWrite() override {
    // IMMEDIATE: the head is read under the write lock, so another process cannot interleave.
    return Exec(writer_.get(), "BEGIN IMMEDIATE", "begin a transaction");
  }
  Status CommitWrite() override { return Exec(writer_.get(), "COMMIT", "commit"); }
  void AbortWrite() override {
    // A failed COMMIT may leave SQLite to roll back by itself.
    if (sqlite3_get_autocommit(writer_.get()) == 0) {
      sqlite3_exec(writer_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    }
  }
  StatusOr<AuditChainEnds> WriteEnds() override { return store::ReadEnds(writer_.get()); }
  Status Insert(const AuditRecord& record, const AuditHash& hash) override {
    return InsertRecord(writer_.get(), record, hash);
  }
  Status SetHead(uint64_t seq, const AuditHash& hash) override {
    return SetEnd(seq, hash, "UPDATE chain SET head_seq = ?1, head_hash = ?2 WHERE id = 1",
                  "update the head");
  }
  Status SetAnchor(uint64_t seq, const AuditHash& hash) override {
    return SetEnd(seq, hash, "UPDATE chain SET anchor_seq = ?1, anchor_hash = ?2 WHERE id = 1",
                  "move the anchor");
  }
  StatusOr<std::optional<uint64_t>> FirstSeqAtOrAfter(int64_t at_ms) override;
  Status ScanRange(uint64_t after, uint64_t through, const AuditRowVisitor& visit) override;
  StatusOr<uint64_t> DeleteThrough(uint64_t through) override;

  StatusOr<std::optional<std::string>> ReadKeyCheck() override {
    return ReadMeta(writer_ != nullptr ? writer_.get() : reader_.get(), "key_check");
  }
  StatusOr<AuditChainEnds> ReadEnds() override { return store::ReadEnds(reader_.get()); }
  Status ReadAll(
      const std::function<bool(const std::optional<std::string>&, const AuditChainEnds&)>& begin,
      const AuditRowVisitor& visit) override;
  Status QueryRows(const AuditQuery& query, const AuditRowVisitor& visit) override;

 private:
  Status SetEnd(uint64_t seq, const AuditHash& hash, std::string_view sql, std::string_view what) {
    ENTREPOT_ASSIGN_OR_RETURN(StatementPtr statement, Prepare(writer_.get(), sql));
    BindInt(statement.get(), 1, seq);
    BindHash(statement.get(), 2, hash);
    return StepDone(writer_.get(), statement.get(), what);
  }

  const std::string path_;
  DatabasePtr writer_;  // Null when read-only.
  DatabasePtr reader_;
};

StatusOr<std::optional<uint64_t>> SqliteAuditLogStorage::FirstSeqAtOrAfter(int64_t at_ms) {
  ENTREPOT_ASSIGN_OR_RETURN(StatementPtr statement,
                            Prepare(writer_.get(), "SELECT min(seq) FROM audit WHERE at_ms >= ?1"));
  sqlite3_bind_int64(statement.get(), 1, at_ms);
  const int rc = sqlite3_step(statement.get());
  if (rc != SQLITE_ROW) {
    return SqliteStatus(writer_.get(), rc, "find the records to prune");
  }
  if (sqlite3_column_type(statement.get(), 0) == SQLITE_NULL) {
    return std::optional<uint64_t>();
  }
  return std::optional<uint64_t>(static_cast<uint64_t>(sqlite3_column_int64(statement.get(), 0)));
}

Status SqliteAuditLogStorage::ScanRange(uint64_t after, uint64_t through,
                                        const AuditRowVisitor& visit) {
  ENTREPOT_ASSIGN_OR_RETURN(
      StatementPtr rows,
      Prepare(writer_.get(), "SELECT " + std::string(kColumns) +
                                 " FROM audit WHERE seq > ?1 AND seq <= ?2 ORDER BY seq"));
  BindInt(rows.get(), 1, after);
  BindInt(rows.get(), 2, through);
  return VisitRows(writer_.get(), rows.get(), visit, "read the records to prune");
}

StatusOr<uint64_t> SqliteAuditLogStorage::DeleteThrough(uint64_t through) {
  ENTREPOT_ASSIGN_OR_RETURN(StatementPtr remove,
                            Prepare(writer_.get(), "DELETE FROM audit WHERE seq <= ?1"));
  BindInt(remove.get(), 1, through);
  ENTREPOT_RETURN_IF_ERROR(StepDone(writer_.get(), remove.get(), "delete the pruned records"));
  return static_cast<uint64_t>(sqlite3_changes64(writer_.get()));
}

Status SqliteAuditLogStorage::ReadAll(
    const std::function<bool(const std::optional<std::string>&, const AuditChainEnds&)>& begin,
    const AuditRowVisitor& visit) {
  sqlite3* db = reader_.get();
  ENTREPOT_RETURN_IF_ERROR(Exec(db, "BEGIN", "begin a transaction"));
  auto scan = [&]() -> Status {
    ENTREPOT_ASSIGN_OR_RETURN(std::optional<std::string> key_check, ReadMeta(db, "key_check"));
    ENTREPOT_ASSIGN_OR_RETURN(AuditChainEnds ends, store::ReadEnds(db));
    if (!begin(key_check, ends)) {
      return OkStatus();
    }
    ENTREPOT_ASSIGN_OR_RETURN(StatementPtr rows, Prepare(db, "SELECT " + std::string(kColumns) +
                                                                 " FROM audit ORDER BY seq"));
    return VisitRows(db, rows.get(), visit, "read the audit log");
  };
  Status scanned = scan();  // Its statements are finalised before the transaction ends.
  Status ended = Exec(db, "COMMIT", "end the read transaction");
  if (!ended.ok() && sqlite3_get_autocommit(db) == 0) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  ENTREPOT_RETURN_IF_ERROR(scanned);
  return ended;
}

Status SqliteAuditLogStorage::QueryRows(const AuditQuery& query, const AuditRowVisitor& visit) {
  const AuditQuerySql sql = BuildAuditQuerySql(query, "?", 1);
  ENTREPOT_ASSIGN_OR_RETURN(
      StatementPtr statement,
      Prepare(reader_.get(), "SELECT " + std::string(kColumns) + " FROM audit WHERE 1" +
                                 sql.conditions + sql.order_limit));
  for (size_t i = 0; i < sql.parameters.size(); ++i) {
    const int index = static_cast<int>(i) + 1;
    if (const auto* text = std::get_if<std::string>(&sql.parameters[i])) {
      BindText(statement.get(), index, *text);
    } else {
      sqlite3_bind_int64(statement.get(), index, std::get<int64_t>(sql.parameters[i]));
    }
  }
  return VisitRows(reader_.get(), statement.get(), visit, "query the audit log");
}

Status CreateEmptyFile(const std::string& db_path) {
  // The log names who read whose data: only its owner reads it. SQLite gives the -wal and
  // -shm files the database's mode. An empty file is what SQLite would create anyway.
  const int fd = ::open(db_path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Error(StatusCode::kUnavailable, "audit_log_unavailable",
                 "create " + db_path + ": " + std::strerror(errno));
  }
  ::close(fd);
  return OkStatus();
}

StatusOr<std::unique_ptr<AuditLogStorage>> OpenSqliteStorage(const std::string& db_path,
                                                             const privacy::AuditChain& chain,
                                                             const AuditLogOptions& options) {
  DatabasePtr writer;
  if (!options.read_only) {
    ENTREPOT_ASSIGN_OR_RETURN(writer,
                              OpenDatabase(db_path, /*read_only=*/false, options.busy_timeout_ms));
    ENTREPOT_RETURN_IF_ERROR(CreateOrCheck(writer.get(), chain));
    // Only once the file is known to be an audit log: switching to WAL writes to it.
    ENTREPOT_RETURN_IF_ERROR(
        Exec(writer.get(), "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", "configure"));
  }
  ENTREPOT_ASSIGN_OR_RETURN(DatabasePtr reader,
                            OpenDatabase(db_path, /*read_only=*/true, options.busy_timeout_ms));
  ENTREPOT_RETURN_IF_ERROR(CheckFormat(reader.get()));
  return std::unique_ptr<AuditLogStorage>(
      std::make_unique<SqliteAuditLogStorage>(db_path, std::move(writer), std::move(reader)));
}

}  // namespace

StatusOr<std::unique_ptr<AuditLog>> AuditLog::OpenInDirectory(const std::string& data_dir,
                                                              Options options) {
  const std::filesystem::path dir(data_dir);
  return Open((dir / kDbFileName).string(), (dir / kKeyFileName).string(), options);
}

StatusOr<std::unique_ptr<AuditLog>> AuditLog::Open(const std::string& db_path,
                                                   const std::string& key_path, Options options) {
  std::error_code error;
  const bool db_exists = std::filesystem::exists(db_path, error);
  if (error) {
    return Error(StatusCode::kUnavailable, "audit_log_unavailable",
                 "stat " + db_path + ": " + error.message());
  }
  if (!db_exists && (options.read_only || !options.create_if_missing)) {
    return Error(StatusCode::kNotFound, "audit_log_not_found",
                 "no audit log at " + db_path + " (the server creates it)");
  }
  StatusOr<std::optional<privacy::AuditKey>> key =
      LoadOrCreateAuditKey(key_path, db_exists, options);
  if (!key.ok()) {
    return key.status().WithContext("open audit log " + db_path);
  }
  if (!db_exists) {
    ENTREPOT_RETURN_IF_ERROR(CreateEmptyFile(db_path));
  }
  const privacy::AuditChain chain =
      key->has_value() ? privacy::AuditChain(**key) : privacy::AuditChain();
  StatusOr<std::unique_ptr<AuditLogStorage>> storage = OpenSqliteStorage(db_path, chain, options);
  if (!storage.ok()) {
    return storage.status().WithContext("open audit log " + db_path);
  }
  StatusOr<std::unique_ptr<AuditLog>> log =
      FromStorage(*std::move(storage), *key, options.read_only);
  if (!log.ok()) {
    return log.status().WithContext("open audit log " + db_path);
  }
  return log;
}

}  // namespace entrepot::store
