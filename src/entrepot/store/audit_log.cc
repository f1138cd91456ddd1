#include "entrepot/store/audit_log.h"

#include <fcntl.h>
#include <sodium.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string_view>
#include <system_error>
#include <utility>

#include "entrepot/base/status_macros.h"
#include "entrepot/store/sqlite_status.h"

namespace entrepot::store {
namespace {

using privacy::AuditChainEnds;
using privacy::AuditHash;
using privacy::AuditKey;
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

// The key file holds 64 hex digits and a newline; anything much longer is not a key file.
constexpr size_t kMaxKeyFileBytes = 256;

Status SqliteStatus(sqlite3* db, int rc, std::string_view what) {
  return store::SqliteStatus(db, rc, what, "audit_log");
}

Status Corrupt(std::string message) {
  return Error(StatusCode::kDataLoss, "audit_log_corrupt", std::move(message));
}

Status Unavailable(const std::string& what, int error) {
  return Error(StatusCode::kUnavailable, "audit_log_unavailable",
               what + ": " + std::strerror(error));
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
  StoredAuditRecord row;
  AuditRecord& record = row.record;
  record.seq = static_cast<uint64_t>(sqlite3_column_int64(statement, 0));
  record.at_ms = sqlite3_column_int64(statement, 1);
  ENTREPOT_ASSIGN_OR_RETURN(record.actor_kind,
                            privacy::ParsePrincipalKind(ColumnText(statement, 2)));
  record.actor = std::string(ColumnText(statement, 3));
  if (std::string_view role = ColumnText(statement, 4); !role.empty()) {
    ENTREPOT_ASSIGN_OR_RETURN(record.actor_role, privacy::ParseAuditRole(role));
  }
  record.action = std::string(ColumnText(statement, 5));
  record.data_class = std::string(ColumnText(statement, 6));
  record.subject = std::string(ColumnText(statement, 7));
  record.purpose = std::string(ColumnText(statement, 8));
  record.resource = std::string(ColumnText(statement, 9));
  ENTREPOT_ASSIGN_OR_RETURN(record.outcome, privacy::ParseAuditOutcome(ColumnText(statement, 10)));
  record.reason = std::string(ColumnText(statement, 11));
  std::optional<AuditHash> hash = ColumnHash(statement, 12);
  if (!hash.has_value()) {
    return Error(StatusCode::kInvalidArgument, "bad_audit_record",
                 "audit record: hash is not 32 bytes");
  }
  row.hash = *hash;
  return row;
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

Status SyncDirectory(const std::string& file) {
  std::string directory = std::filesystem::path(file).parent_path().string();
  const int fd =
      ::open(directory.empty() ? "." : directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    const int error = errno;
    if (fd >= 0) {
      ::close(fd);
    }
    return Unavailable("sync " + directory, error);
  }
  ::close(fd);
  return OkStatus();
}

// The key in `path`, or nullopt when there is no such file.
StatusOr<std::optional<AuditKey>> ReadKeyFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      return std::optional<AuditKey>();
    }
    return Unavailable("open " + path, errno);
  }
  struct stat info {};
  char buffer[kMaxKeyFileBytes];
  ssize_t size = -1;
  const bool stat_ok = ::fstat(fd, &info) == 0;
  if (stat_ok && S_ISREG(info.st_mode) && (info.st_mode & 077) == 0) {
    size = ::read(fd, buffer, sizeof(buffer));
  }
  const int error = errno;
  ::close(fd);
  if (!stat_ok) {
    return Unavailable("stat " + path, error);
  }
  if (!S_ISREG(info.st_mode)) {
    return Error(StatusCode::kDataLoss, "audit_key_corrupt", path + " is not a regular file");
  }
  if ((info.st_mode & 077) != 0) {
    return Error(StatusCode::kFailedPrecondition, "audit_key_insecure",
                 path + " is readable or writable by others than its owner: chmod 600 it");
  }
  if (size < 0) {
    return Unavailable("read " + path, error);
  }
  std::string_view text(buffer, static_cast<size_t>(size));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  std::optional<AuditHash> key = privacy::ParseAuditHashHex(text);
  sodium_memzero(buffer, sizeof(buffer));
  if (!key.has_value()) {
    return Error(StatusCode::kDataLoss, "audit_key_corrupt",
                 path + " does not hold a key (64 hex digits)");
  }
  return std::optional<AuditKey>(*key);
}

// Writes a new random key to `path` (mode 0600): under a temporary name, synced, then
// hard-linked into place, so `path` never holds half a key. When another process created
// `path` meanwhile, its key is used.
StatusOr<AuditKey> CreateKeyFile(const std::string& path) {
  if (sodium_init() < 0) {
    return Error(StatusCode::kInternal, "sodium_init_failed", "libsodium could not initialise");
  }
  AuditKey key;
  randombytes_buf(key.data(), key.size());
  const std::string temp = path + ".creating-" + std::to_string(::getpid());
  ::unlink(temp.c_str());  // Leftover of an interrupted attempt; never the key.
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Unavailable("create " + temp, errno);
  }
  const std::string text = privacy::AuditHashHex(key) + "\n";
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                       ::fsync(fd) == 0;
  const int error = errno;
  ::close(fd);
  if (!written) {
    ::unlink(temp.c_str());
    return Unavailable("write " + temp, error);
  }
  const bool linked = ::link(temp.c_str(), path.c_str()) == 0;
  const int link_error = errno;
  ::unlink(temp.c_str());
  if (!linked && link_error != EEXIST) {
    return Unavailable("create " + path, link_error);
  }
  if (!linked) {
    ENTREPOT_ASSIGN_OR_RETURN(std::optional<AuditKey> existing, ReadKeyFile(path));
    if (!existing.has_value()) {
      return Unavailable("read " + path, ENOENT);
    }
    return *existing;
  }
  ENTREPOT_RETURN_IF_ERROR(SyncDirectory(path));
  return key;
}

StatusOr<std::optional<AuditKey>> LoadOrCreateKey(const std::string& key_path, bool db_exists,
                                                  const AuditLogOptions& options) {
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<AuditKey> key, ReadKeyFile(key_path));
  if (key.has_value() || options.read_only) {
    return key;
  }
  if (db_exists) {
    return Error(StatusCode::kFailedPrecondition, "audit_key_missing",
                 "the key file " + key_path +
                     " is missing: restore it from a backup (a new key would make every record "
                     "look edited)");
  }
  ENTREPOT_ASSIGN_OR_RETURN(AuditKey created, CreateKeyFile(key_path));
  return std::optional<AuditKey>(created);
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

Status BadQuery(std::string message) {
  return Error(StatusCode::kInvalidArgument, "bad_query", std::move(message));
}

Status ValidateQuery(const AuditQuery& query) {
  if (query.limit == 0 || query.limit > AuditLog::kMaxPageSize) {
    return Error(StatusCode::kInvalidArgument, "bad_limit",
                 "limit must be 1 to " + std::to_string(AuditLog::kMaxPageSize) + ", not " +
                     std::to_string(query.limit));
  }
  for (const std::optional<std::string>* name : {&query.subject, &query.actor}) {
    if (name->has_value() && (*name)->size() > privacy::kMaxAuditNameBytes) {
      return BadQuery("a subject or actor is at most 64 bytes");
    }
  }
  if (query.from_ms && query.to_ms && *query.from_ms > *query.to_ms) {
    return BadQuery("from_ms is after to_ms");
  }
  if (query.cursor > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return BadQuery("the cursor is out of range");
  }
  return OkStatus();
}

}  // namespace

struct AuditLog::Connection {
  DatabasePtr db;
};

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
  StatusOr<std::optional<AuditKey>> key = LoadOrCreateKey(key_path, db_exists, options);
  if (!key.ok()) {
    return key.status().WithContext("open audit log " + db_path);
  }
  if (!db_exists) {
    // The log names who read whose data: only its owner reads it. SQLite gives the -wal and
    // -shm files the database's mode. An empty file is what SQLite would create anyway.
    const int fd = ::open(db_path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
      return Unavailable("create " + db_path, errno);
    }
    ::close(fd);
  }
  // A private constructor: std::make_unique cannot reach it.
  std::unique_ptr<AuditLog> log(new AuditLog(db_path, *key, options.read_only));
  Status initialized = log->Initialize(options);
  if (!initialized.ok()) {
    return initialized.WithContext("open audit log " + db_path);
  }
  return log;
}

AuditLog::AuditLog(std::string path, std::optional<AuditKey> key, bool read_only)
    : path_(std::move(path)),
      key_(key),
      read_only_(read_only),
      chain_(key.has_value() ? privacy::AuditChain(*key) : privacy::AuditChain()) {}

AuditLog::~AuditLog() = default;

Status AuditLog::Initialize(const Options& options) {
  if (!read_only_) {
    ENTREPOT_ASSIGN_OR_RETURN(DatabasePtr db,
                              OpenDatabase(path_, /*read_only=*/false, options.busy_timeout_ms));
    ENTREPOT_RETURN_IF_ERROR(CreateOrCheck(db.get(), chain_));
    // Only once the file is known to be an audit log: switching to WAL writes to it.
    ENTREPOT_RETURN_IF_ERROR(
        Exec(db.get(), "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", "configure"));
    ENTREPOT_ASSIGN_OR_RETURN(std::optional<std::string> key_check,
                              ReadMeta(db.get(), "key_check"));
    if (key_check != KeyCheckHex()) {
      return Error(StatusCode::kFailedPrecondition, "audit_key_mismatch",
                   "the key file is not the key this log was written with: restore the right "
                   "audit.key");
    }
    writer_ = std::make_unique<Connection>(Connection{std::move(db)});
  }
  ENTREPOT_ASSIGN_OR_RETURN(DatabasePtr reader,
                            OpenDatabase(path_, /*read_only=*/true, options.busy_timeout_ms));
  ENTREPOT_RETURN_IF_ERROR(CheckFormat(reader.get()));
  reader_ = std::make_unique<Connection>(Connection{std::move(reader)});
  return OkStatus();
}

std::string AuditLog::KeyCheckHex() const {
  return key_.has_value() ? privacy::AuditHashHex(chain_.KeyCheck()) : "";
}

StatusOr<uint64_t> AuditLog::AppendLocked(AuditRecord& record) {
  sqlite3* db = writer_->db.get();
  ENTREPOT_ASSIGN_OR_RETURN(AuditChainEnds ends, ReadEnds(db));
  record.seq = ends.head_seq + 1;
  const AuditHash hash = chain_.Next(ends.head_hash, record);
  ENTREPOT_RETURN_IF_ERROR(InsertRecord(db, record, hash));
  ENTREPOT_ASSIGN_OR_RETURN(
      StatementPtr head,
      Prepare(db, "UPDATE chain SET head_seq = ?1, head_hash = ?2 WHERE id = 1"));
  sqlite3_bind_int64(head.get(), 1, static_cast<int64_t>(record.seq));
  BindHash(head.get(), 2, hash);
  ENTREPOT_RETURN_IF_ERROR(StepDone(db, head.get(), "update the head"));
  return record.seq;
}

StatusOr<uint64_t> AuditLog::Append(AuditRecord record) {
  if (read_only_) {
    return Error(StatusCode::kFailedPrecondition, "audit_log_read_only",
                 "the audit log was opened read-only");
  }
  ENTREPOT_RETURN_IF_ERROR(privacy::ValidateAuditRecord(record));
  std::lock_guard lock(write_mutex_);
  Transaction transaction(writer_->db.get());
  // IMMEDIATE: the head is read under the write lock, so another process cannot interleave.
  ENTREPOT_RETURN_IF_ERROR(transaction.Begin("BEGIN IMMEDIATE"));
  ENTREPOT_ASSIGN_OR_RETURN(uint64_t seq, AppendLocked(record));
  ENTREPOT_RETURN_IF_ERROR(transaction.Commit());
  return seq;
}

Status AuditLog::VerifyPrefixLocked(uint64_t anchor_seq, const AuditHash& anchor_hash,
                                    uint64_t through_seq, AuditHash& through_hash) {
  sqlite3* db = writer_->db.get();
  ENTREPOT_ASSIGN_OR_RETURN(
      StatementPtr rows, Prepare(db, "SELECT " + std::string(kColumns) +
                                         " FROM audit WHERE seq > ?1 AND seq <= ?2 ORDER BY seq"));
  sqlite3_bind_int64(rows.get(), 1, static_cast<int64_t>(anchor_seq));
  sqlite3_bind_int64(rows.get(), 2, static_cast<int64_t>(through_seq));
  AuditHash previous = anchor_hash;
  uint64_t expected = anchor_seq + 1;
  auto broken = [&](const std::string& why) {
    return Error(StatusCode::kDataLoss, "audit_chain_broken",
                 "not pruning: record seq " + std::to_string(expected) + " " + why +
                     "; run `entrepot audit verify`");
  };
  int rc;
  while ((rc = sqlite3_step(rows.get())) == SQLITE_ROW) {
    StatusOr<StoredAuditRecord> row = ReadRow(rows.get());
    if (!row.ok()) {
      return broken("is unreadable");
    }
    if (row->record.seq != expected) {
      return broken("is missing");
    }
    if (chain_.Next(previous, row->record) != row->hash) {
      return broken("does not match its hash");
    }
    previous = row->hash;
    ++expected;
  }
  if (rc != SQLITE_DONE) {
    return SqliteStatus(db, rc, "read the records to prune");
  }
  if (expected != through_seq + 1) {
    return broken("is missing");
  }
  through_hash = previous;
  return OkStatus();
}

StatusOr<AuditPruneResult> AuditLog::PruneLocked(int64_t before_ms, int64_t now_ms) {
  sqlite3* db = writer_->db.get();
  ENTREPOT_ASSIGN_OR_RETURN(AuditChainEnds ends, ReadEnds(db));
  ENTREPOT_ASSIGN_OR_RETURN(StatementPtr first_kept,
                            Prepare(db, "SELECT min(seq) FROM audit WHERE at_ms >= ?1"));
  sqlite3_bind_int64(first_kept.get(), 1, before_ms);
  const int rc = sqlite3_step(first_kept.get());
  if (rc != SQLITE_ROW) {
    return SqliteStatus(db, rc, "find the records to prune");
  }
  uint64_t through = ends.head_seq;
  if (sqlite3_column_type(first_kept.get(), 0) != SQLITE_NULL) {
    through = static_cast<uint64_t>(sqlite3_column_int64(first_kept.get(), 0) - 1);
  }
  AuditPruneResult result;
  result.through_seq = std::max(through, ends.anchor_seq);
  if (result.through_seq > ends.anchor_seq) {
    AuditHash through_hash;
    ENTREPOT_RETURN_IF_ERROR(
        VerifyPrefixLocked(ends.anchor_seq, ends.anchor_hash, result.through_seq, through_hash));
    ENTREPOT_ASSIGN_OR_RETURN(StatementPtr remove,
                              Prepare(db, "DELETE FROM audit WHERE seq <= ?1"));
    sqlite3_bind_int64(remove.get(), 1, static_cast<int64_t>(result.through_seq));
    ENTREPOT_RETURN_IF_ERROR(StepDone(db, remove.get(), "delete the pruned records"));
    result.pruned = static_cast<uint64_t>(sqlite3_changes64(db));
    ENTREPOT_ASSIGN_OR_RETURN(
        StatementPtr anchor,
        Prepare(db, "UPDATE chain SET anchor_seq = ?1, anchor_hash = ?2 WHERE id = 1"));
    sqlite3_bind_int64(anchor.get(), 1, static_cast<int64_t>(result.through_seq));
    BindHash(anchor.get(), 2, through_hash);
    ENTREPOT_RETURN_IF_ERROR(StepDone(db, anchor.get(), "move the anchor"));
  }
  AuditRecord record;
  record.at_ms = now_ms;
  record.actor_kind = privacy::PrincipalKind::kSystem;
  record.actor = std::string(privacy::kSystemActor);
  record.action = "prune";
  record.data_class = std::string(privacy::DataClassName(privacy::DataClass::kAuditLog));
  record.purpose = std::string(privacy::kRetentionPurpose);
  record.resource = privacy::PruneResource(result.through_seq, before_ms);
  ENTREPOT_ASSIGN_OR_RETURN(result.record_seq, AppendLocked(record));
  return result;
}

StatusOr<AuditPruneResult> AuditLog::PruneBefore(int64_t before_ms, int64_t now_ms) {
  if (read_only_) {
    return Error(StatusCode::kFailedPrecondition, "audit_log_read_only",
                 "the audit log was opened read-only");
  }
  if (before_ms < 0 || before_ms > now_ms) {
    return Error(StatusCode::kInvalidArgument, "bad_prune_time",
                 "the prune cutoff must be between 0 and now");
  }
  std::lock_guard lock(write_mutex_);
  Transaction transaction(writer_->db.get());
  ENTREPOT_RETURN_IF_ERROR(transaction.Begin("BEGIN IMMEDIATE"));
  ENTREPOT_ASSIGN_OR_RETURN(AuditPruneResult result, PruneLocked(before_ms, now_ms));
  ENTREPOT_RETURN_IF_ERROR(transaction.Commit());
  return result;
}

StatusOr<AuditPage> AuditLog::Query(const AuditQuery& query) {
  ENTREPOT_RETURN_IF_ERROR(ValidateQuery(query));
  std::string sql = "SELECT " + std::string(kColumns) + " FROM audit WHERE 1";
  // Parameters are numbered in the order the filters are added.
  int next = 1;
  const int subject = query.subject ? next++ : 0;
  const int actor = query.actor ? next++ : 0;
  const int from = query.from_ms ? next++ : 0;
  const int to = query.to_ms ? next++ : 0;
  const int cursor = query.cursor > 0 ? next++ : 0;
  const int limit = next;
  auto parameter = [](int index) { return "?" + std::to_string(index); };
  if (subject != 0) {
    sql += " AND subject IN (" + parameter(subject) + ", '*')";
  }
  if (actor != 0) {
    sql += " AND actor = " + parameter(actor);
  }
  if (from != 0) {
    sql += " AND at_ms >= " + parameter(from);
  }
  if (to != 0) {
    sql += " AND at_ms < " + parameter(to);
  }
  if (cursor != 0) {
    sql += std::string(" AND seq ") + (query.newest_first ? "<" : ">") + " " + parameter(cursor);
  }
  sql += std::string(" ORDER BY seq ") + (query.newest_first ? "DESC" : "ASC") + " LIMIT " +
         parameter(limit);

  std::lock_guard lock(read_mutex_);
  sqlite3* db = reader_->db.get();
  ENTREPOT_ASSIGN_OR_RETURN(StatementPtr statement, Prepare(db, sql));
  if (subject != 0) {
    BindText(statement.get(), subject, *query.subject);
  }
  if (actor != 0) {
    BindText(statement.get(), actor, *query.actor);
  }
  if (from != 0) {
    sqlite3_bind_int64(statement.get(), from, *query.from_ms);
  }
  if (to != 0) {
    sqlite3_bind_int64(statement.get(), to, *query.to_ms);
  }
  if (cursor != 0) {
    sqlite3_bind_int64(statement.get(), cursor, static_cast<int64_t>(query.cursor));
  }
  // One more than the page: whether a next page exists, without a count.
  sqlite3_bind_int64(statement.get(), limit, static_cast<int64_t>(query.limit + 1));
  AuditPage page;
  int rc;
  while ((rc = sqlite3_step(statement.get())) == SQLITE_ROW) {
    if (page.records.size() == query.limit) {
      page.next_cursor = page.records.back().record.seq;
      break;
    }
    StatusOr<StoredAuditRecord> row = ReadRow(statement.get());
    if (!row.ok()) {
      return Corrupt("record seq " + std::to_string(sqlite3_column_int64(statement.get(), 0)) +
                     " cannot be read back (" + row.status().message() +
                     "): run `entrepot audit verify`");
    }
    page.records.push_back(*std::move(row));
  }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    return SqliteStatus(db, rc, "query the audit log");
  }
  return page;
}

StatusOr<privacy::AuditVerifyReport> AuditLog::Verify(
    std::optional<privacy::AuditCheckpoint> checkpoint) {
  if (!key_.has_value()) {
    return Error(StatusCode::kFailedPrecondition, "audit_key_missing",
                 "verifying the audit log needs its key file, audit.key");
  }
  std::lock_guard lock(read_mutex_);
  sqlite3* db = reader_->db.get();
  // One read transaction: the head, the anchor and the records of one moment.
  Transaction transaction(db);
  ENTREPOT_RETURN_IF_ERROR(transaction.Begin("BEGIN"));
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<std::string> key_check, ReadMeta(db, "key_check"));
  ENTREPOT_ASSIGN_OR_RETURN(AuditChainEnds ends, ReadEnds(db));
  if (key_check != KeyCheckHex()) {
    privacy::AuditVerifyReport report;
    report.broken = privacy::AuditBreak::kKeyMismatch;
    report.anchor_seq = ends.anchor_seq;
    report.message =
        "the key file is not the key this log was written with (the log's key_check differs): "
        "either audit.key was replaced or the log's key_check was edited";
    return report;
  }
  privacy::AuditChainVerifier verifier(chain_, ends, checkpoint);
  ENTREPOT_ASSIGN_OR_RETURN(StatementPtr rows, Prepare(db, "SELECT " + std::string(kColumns) +
                                                               " FROM audit ORDER BY seq"));
  int rc = SQLITE_DONE;
  while (verifier.ok() && (rc = sqlite3_step(rows.get())) == SQLITE_ROW) {
    StatusOr<StoredAuditRecord> row = ReadRow(rows.get());
    if (row.ok()) {
      verifier.Add(row->record, row->hash);
    } else {
      verifier.AddUnreadable(static_cast<uint64_t>(sqlite3_column_int64(rows.get(), 0)),
                             row.status().message());
    }
  }
  if (verifier.ok() && rc != SQLITE_DONE) {
    return SqliteStatus(db, rc, "read the audit log");
  }
  rows.reset();  // Finalised before the read transaction ends.
  ENTREPOT_RETURN_IF_ERROR(transaction.Commit());
  return std::move(verifier).Finish();
}

StatusOr<privacy::AuditCheckpoint> AuditLog::Head() {
  std::lock_guard lock(read_mutex_);
  ENTREPOT_ASSIGN_OR_RETURN(AuditChainEnds ends, ReadEnds(reader_->db.get()));
  return privacy::AuditCheckpoint{ends.head_seq, ends.head_hash};
}

}  // namespace entrepot::store
