#include "entrepot/store/sqlite_journal.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "entrepot/base/check.h"
#include "entrepot/base/status_macros.h"
#include "entrepot/store/crc32c.h"
#include "entrepot/store/fsync_path.h"
#include "entrepot/store/sqlite_status.h"
#include "entrepot/store/wal_write_buffer.h"

namespace entrepot::store {

namespace internal {
void SqliteDatabaseCloser::operator()(sqlite3* db) const { sqlite3_close_v2(db); }
void SqliteStatementFinalizer::operator()(sqlite3_stmt* statement) const {
  sqlite3_finalize(statement);
}
}  // namespace internal

namespace {

using DatabasePtr = internal::SqliteDatabasePtr;
using StatementPtr = internal::SqliteStatementPtr;

constexpr const char* kSchema = R"sql(
  CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE journal(seq INTEGER PRIMARY KEY, idempotency_key TEXT, payload BLOB NOT NULL,
                       crc INTEGER NOT NULL);
  CREATE TABLE snapshot(seq INTEGER PRIMARY KEY, payload BLOB NOT NULL, crc INTEGER NOT NULL);
)sql";

constexpr std::string_view kScanSql =
    "SELECT seq, idempotency_key, payload, crc FROM journal WHERE seq > ?1 ORDER BY seq";
constexpr std::string_view kReadSql =
    "SELECT seq, idempotency_key, payload, crc FROM journal WHERE seq = ?1";
constexpr std::string_view kLastSeqSql = "SELECT max(seq) FROM journal";

// The WAL is truncated back to this size after a checkpoint, so that one huge batch does not
// leave a huge file behind.
constexpr int64_t kWalSizeLimitBytes = int64_t{64} << 20;

// The smallest possible SQLite database page; a journal file holds several.
constexpr uintmax_t kMinJournalFileBytes = 512;

constexpr uint64_t kMaxSeq = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

Status SqliteStatus(sqlite3* db, int rc, std::string_view what) {
  return store::SqliteStatus(db, rc, what, "journal");
}

Status Corrupt(std::string message) {
  return Error(StatusCode::kDataLoss, "journal_corrupt", std::move(message));
}

StatusOr<StatementPtr> PrepareStatement(sqlite3* db, std::string_view sql, unsigned int flags = 0) {
  sqlite3_stmt* raw = nullptr;
  const int rc =
      sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), flags, &raw, nullptr);
  StatementPtr statement(raw);
  if (rc != SQLITE_OK) {
    return SqliteStatus(db, rc, "prepare \"" + std::string(sql) + "\"");
  }
  return statement;
}

Status Exec(sqlite3* db, const char* sql, std::string_view what) {
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    return SqliteStatus(db, rc, what);
  }
  return OkStatus();
}

// Resets a statement when leaving the scope, which also ends its implicit read transaction.
class ResetOnExit {
 public:
  explicit ResetOnExit(sqlite3_stmt* statement) : statement_(statement) {}
  ~ResetOnExit() { sqlite3_reset(statement_); }
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;

 private:
  sqlite3_stmt* statement_;
};

// Steps a statement that returns no rows, then resets it.
Status StepDone(sqlite3* db, sqlite3_stmt* statement, std::string_view what) {
  ResetOnExit reset(statement);
  const int rc = sqlite3_step(statement);
  if (rc != SQLITE_DONE) {
    return SqliteStatus(db, rc, what);
  }
  return OkStatus();
}

// Runs a query whose first row's first column is an integer; nullopt for no row or NULL.
StatusOr<std::optional<int64_t>> QueryInt(sqlite3* db, std::string_view sql,
                                          std::string_view what) {
  ENTREPOT_ASSIGN_OR_RETURN(StatementPtr statement, PrepareStatement(db, sql));
  const int rc = sqlite3_step(statement.get());
  if (rc == SQLITE_DONE) {
    return std::optional<int64_t>();
  }
  if (rc != SQLITE_ROW) {
    return SqliteStatus(db, rc, what);
  }
  if (sqlite3_column_type(statement.get(), 0) == SQLITE_NULL) {
    return std::optional<int64_t>();
  }
  return std::optional<int64_t>(sqlite3_column_int64(statement.get(), 0));
}

// The bytes of a column, valid until the next step or reset of the statement.
std::string_view ColumnBytes(sqlite3_stmt* statement, int column) {
  const void* data = sqlite3_column_blob(statement, column);
  const int size = sqlite3_column_bytes(statement, column);
  if (data == nullptr) {
    return {};
  }
  return {static_cast<const char*>(data), static_cast<size_t>(size)};
}

// Binds bytes without copying (the caller keeps them alive until the step). An empty blob
// is bound as a zero-length blob, not as NULL, which the NOT NULL columns would refuse.
// Records inserted by one step of the multi-row INSERT: SQLite's per-statement cost
// (VDBE setup and halt) is then paid once for many rows, which halves the journal's share of
// a scan's cost. Within SQLITE_MAX_VARIABLE_NUMBER (32,766 since 3.32) with 4 per row.
constexpr size_t kRowsPerInsert = 32;

// INSERT INTO journal ... VALUES (?, ?, ?, ?), ... with `rows` rows.
std::string InsertSql(size_t rows) {
  std::string sql = "INSERT INTO journal(seq, idempotency_key, payload, crc) VALUES";
  for (size_t row = 0; row < rows; ++row) {
    sql += row == 0 ? "(?, ?, ?, ?)" : ", (?, ?, ?, ?)";
  }
  return sql;
}

int BindBytes(sqlite3_stmt* statement, int index, std::string_view bytes) {
  if (bytes.empty()) {
    return sqlite3_bind_zeroblob(statement, index, 0);
  }
  return sqlite3_bind_blob64(statement, index, bytes.data(), bytes.size(), SQLITE_STATIC);
}

void AppendLittleEndian(uint64_t value, size_t bytes, char* out) {
  for (size_t i = 0; i < bytes; ++i) {
    out[i] = static_cast<char>((value >> (8 * i)) & 0xFF);
  }
}

// CRC-32C of seq (8 bytes, little-endian), key length (4 bytes, little-endian), key, payload.
// The key length keeps the split between key and payload under the checksum.
uint32_t RecordCrc(uint64_t seq, std::string_view key, std::string_view payload) {
  std::array<char, 12> header;
  AppendLittleEndian(seq, 8, header.data());
  AppendLittleEndian(key.size(), 4, header.data() + 8);
  uint32_t crc = Crc32c(std::string_view(header.data(), header.size()));
  crc = Crc32cExtend(crc, key);
  return Crc32cExtend(crc, payload);
}

// CRC-32C of seq (8 bytes, little-endian) and payload.
uint32_t SnapshotCrc(uint64_t seq, std::string_view payload) {
  std::array<char, 8> header;
  AppendLittleEndian(seq, 8, header.data());
  return Crc32cExtend(Crc32c(std::string_view(header.data(), header.size())), payload);
}

// Fills `record` from a row of kScanSql, reusing its buffers; returns the stored crc.
int64_t ReadRecordRow(sqlite3_stmt* statement, JournalRecord& record) {
  record.seq = static_cast<uint64_t>(sqlite3_column_int64(statement, 0));
  record.idempotency_key.assign(ColumnBytes(statement, 1));
  record.payload.assign(ColumnBytes(statement, 2));
  return sqlite3_column_int64(statement, 3);
}

bool RecordCrcMatches(const JournalRecord& record, int64_t stored_crc) {
  return stored_crc == RecordCrc(record.seq, record.idempotency_key, record.payload);
}

std::string SeqRange(uint64_t first, uint64_t last) {
  return first == last ? "seq " + std::to_string(first)
                       : "seqs " + std::to_string(first) + " to " + std::to_string(last);
}

Status SyncPath(const std::string& path, int flags) {
  if (const int error = FsyncPath(path, flags); error != 0) {
    return Error(StatusCode::kUnavailable, "journal_unavailable",
                 "sync " + path + ": " + std::strerror(error));
  }
  return OkStatus();
}

void RemoveDatabaseFiles(const std::string& path) {
  for (const char* suffix : {"", "-journal", "-wal", "-shm"}) {
    ::unlink((path + suffix).c_str());
  }
}

// Writes the schema into a new database at `temp_path` and closes it.
Status WriteNewDatabase(const std::string& temp_path, const char* vfs) {
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(temp_path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, vfs);
  DatabasePtr db(raw);
  if (rc != SQLITE_OK) {
    return SqliteStatus(raw, rc, "create " + temp_path);
  }
  const std::string sql = "PRAGMA synchronous=FULL; PRAGMA application_id=" +
                          std::to_string(SqliteJournal::kApplicationId) + "; BEGIN; " + kSchema +
                          "INSERT INTO meta(key, value) VALUES('format_version', '" +
                          std::to_string(SqliteJournal::kFormatVersion) + "'); COMMIT;";
  ENTREPOT_RETURN_IF_ERROR(Exec(db.get(), sql.c_str(), "create schema in " + temp_path));
  const int close_rc = sqlite3_close(db.release());
  if (close_rc != SQLITE_OK) {
    return SqliteStatus(nullptr, close_rc, "close " + temp_path);
  }
  return OkStatus();
}

// Creates the journal file at `path` (design note 1): the database is written and synced
// under a temporary name, then hard-linked into place, which fails rather than replaces when
// another process created `path` meanwhile.
Status CreateJournalFile(const std::string& path, const SqliteJournalOptions& options) {
  const std::string temp_path = path + ".creating-" + std::to_string(::getpid());
  RemoveDatabaseFiles(temp_path);  // Leftovers of an interrupted attempt; never a journal.
  Status status =
      WriteNewDatabase(temp_path, options.vfs_name.empty() ? nullptr : options.vfs_name.c_str());
  if (status.ok()) {
    status = SyncPath(temp_path, O_RDONLY);
  }
  if (status.ok() && ::link(temp_path.c_str(), path.c_str()) != 0 && errno != EEXIST) {
    status = Error(StatusCode::kUnavailable, "journal_unavailable",
                   std::string("create: ") + std::strerror(errno));
  }
  RemoveDatabaseFiles(temp_path);
  ENTREPOT_RETURN_IF_ERROR(status);
  std::string directory = std::filesystem::path(path).parent_path().string();
  return SyncPath(directory.empty() ? "." : directory, O_RDONLY | O_DIRECTORY);
}

// Makes sure a journal file exists at `path` before SQLite opens it, which it then does
// without SQLITE_OPEN_CREATE.
Status PrepareFile(const std::string& path, const SqliteJournalOptions& options) {
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (error && error != std::errc::no_such_file_or_directory) {
    return Error(StatusCode::kUnavailable, "journal_unavailable", "stat: " + error.message());
  }
  if (!std::filesystem::exists(status)) {
    if (options.read_only || !options.create_if_missing) {
      return Error(StatusCode::kNotFound, "journal_not_found", "no such file");
    }
    const std::filesystem::path directory = std::filesystem::path(path).parent_path();
    if (!directory.empty() && !std::filesystem::is_directory(directory, error)) {
      return Error(StatusCode::kNotFound, "journal_not_found",
                   "no such directory: " + directory.string());
    }
    return CreateJournalFile(path, options);
  }
  if (!std::filesystem::is_regular_file(status)) {
    return Error(StatusCode::kFailedPrecondition, "not_a_journal", "not a regular file");
  }
  // SQLite reads a file shorter than its header as an empty database; a journal always holds
  // its schema, which takes several pages of at least 512 bytes.
  const uintmax_t size = std::filesystem::file_size(path, error);
  if (!error && size < kMinJournalFileBytes) {
    return Corrupt("the file is only " + std::to_string(size) +
                   " bytes long, too short for a journal: it was truncated or overwritten; "
                   "restore it from a backup");
  }
  return OkStatus();
}

// Checks that the open file is a journal of a format this code reads. Reads only.
Status CheckFormat(sqlite3* db) {
  // The first read of the file: garbage fails here with SQLITE_NOTADB.
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<int64_t> application_id,
                            QueryInt(db, "PRAGMA application_id", "read the database header"));
  if (application_id.value_or(0) != SqliteJournal::kApplicationId) {
    return Error(StatusCode::kFailedPrecondition, "not_a_journal",
                 "an SQLite database but not an Entrepôt journal (application_id " +
                     std::to_string(application_id.value_or(0)) + ")");
  }
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<int64_t> tables,
                            QueryInt(db,
                                     "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND "
                                     "name IN ('meta', 'journal', 'snapshot')",
                                     "read the schema"));
  if (tables.value_or(0) != 3) {
    return Corrupt("the schema is damaged (tables meta, journal, snapshot expected, " +
                   std::to_string(tables.value_or(0)) + " found)");
  }
  ENTREPOT_ASSIGN_OR_RETURN(
      std::optional<int64_t> version,
      QueryInt(db, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'format_version'",
               "read the format version"));
  if (version.value_or(0) > SqliteJournal::kFormatVersion) {
    return Error(StatusCode::kFailedPrecondition, "unsupported_format",
                 "journal format " + std::to_string(*version) + ", newer than format " +
                     std::to_string(SqliteJournal::kFormatVersion) +
                     " that this build reads: use a newer Entrepôt");
  }
  if (version.value_or(0) < 1) {
    return Corrupt("the format_version row of table meta is missing or invalid");
  }
  return OkStatus();
}

// SQLite's own check of the b-trees and pages.
void CheckDatabase(sqlite3* db, IntegrityProblems& problems) {
  const std::string sql =
      "PRAGMA integrity_check(" + std::to_string(SqliteJournal::kMaxReportedProblems + 1) + ")";
  StatusOr<StatementPtr> statement = PrepareStatement(db, sql);
  if (!statement.ok()) {
    problems.Add("sqlite integrity_check: " + statement.status().message());
    return;
  }
  int rc;
  while ((rc = sqlite3_step(statement->get())) == SQLITE_ROW) {
    std::string row(ColumnBytes(statement->get(), 0));
    if (row != "ok") {
      std::replace(row.begin(), row.end(), '\n', ' ');
      problems.Add("sqlite: " + row);
    }
  }
  if (rc != SQLITE_DONE) {
    problems.Add("sqlite integrity_check: " + SqliteStatus(db, rc, "step").message());
  }
}

// Checksums of every record and continuity of seqs from 1 to at least `last_seq`. Returns
// the last seq found.
uint64_t CheckRecords(sqlite3* db, uint64_t last_seq, IntegrityProblems& problems) {
  StatusOr<StatementPtr> statement = PrepareStatement(db, kScanSql);
  if (!statement.ok()) {
    problems.Add("journal: " + statement.status().message());
    return 0;
  }
  sqlite3_bind_int64(statement->get(), 1, 0);
  JournalRecord record;
  uint64_t expected = 1;
  int rc;
  while ((rc = sqlite3_step(statement->get())) == SQLITE_ROW) {
    const int64_t stored_crc = ReadRecordRow(statement->get(), record);
    if (record.seq < expected) {
      problems.Add("journal: record seq " + std::to_string(record.seq) +
                   " is out of order (after seq " + std::to_string(expected - 1) + ")");
      continue;
    }
    if (record.seq > expected) {
      problems.Add("journal: record " + SeqRange(expected, record.seq - 1) + " missing (seq " +
                   std::to_string(record.seq) + " follows seq " + std::to_string(expected - 1) +
                   ")");
    }
    if (!RecordCrcMatches(record, stored_crc)) {
      problems.Add("journal: record seq " + std::to_string(record.seq) + ": checksum mismatch");
    }
    expected = record.seq + 1;
  }
  if (rc != SQLITE_DONE) {
    problems.Add("journal: reading after seq " + std::to_string(expected - 1) + ": " +
                 SqliteStatus(db, rc, "step").message());
  } else if (expected <= last_seq) {
    problems.Add("journal: record " + SeqRange(expected, last_seq) +
                 " missing at the end (the journal held seq " + std::to_string(last_seq) +
                 " when opened)");
  }
  return expected - 1;
}

// Checksums of the snapshots, and that none is beyond the last record.
void CheckSnapshots(sqlite3* db, uint64_t last_record_seq, IntegrityProblems& problems) {
  StatusOr<StatementPtr> statement =
      PrepareStatement(db, "SELECT seq, payload, crc FROM snapshot ORDER BY seq");
  if (!statement.ok()) {
    problems.Add("snapshot: " + statement.status().message());
    return;
  }
  int rc;
  while ((rc = sqlite3_step(statement->get())) == SQLITE_ROW) {
    const auto seq = static_cast<uint64_t>(sqlite3_column_int64(statement->get(), 0));
    const std::string_view payload = ColumnBytes(statement->get(), 1);
    if (sqlite3_column_int64(statement->get(), 2) != SnapshotCrc(seq, payload)) {
      problems.Add("snapshot seq " + std::to_string(seq) + ": checksum mismatch");
    }
    if (seq > last_record_seq) {
      problems.Add("snapshot seq " + std::to_string(seq) +
                   ": beyond the last record of the journal (seq " +
                   std::to_string(last_record_seq) + ")");
    }
  }
  if (rc != SQLITE_DONE) {
    problems.Add("snapshot: " + SqliteStatus(db, rc, "step").message());
  }
}

}  // namespace

StatusOr<std::unique_ptr<SqliteJournal>> SqliteJournal::Open(const std::string& path,
                                                             Options options) {
  StatusOr<std::unique_ptr<SqliteJournal>> journal = OpenWithoutContext(path, std::move(options));
  if (!journal.ok()) {
    return journal.status().WithContext("open journal " + path);
  }
  return journal;
}

StatusOr<std::unique_ptr<Journal>> SqliteJournal::OpenReader(const std::string& path) {
  ENTREPOT_ASSIGN_OR_RETURN(std::unique_ptr<SqliteJournal> journal,
                            Open(path, {.read_only = true, .create_if_missing = false}));
  return std::unique_ptr<Journal>(std::move(journal));
}

StatusOr<std::unique_ptr<SqliteJournal>> SqliteJournal::OpenWithoutContext(const std::string& path,
                                                                           Options options) {
  ENTREPOT_RETURN_IF_ERROR(PrepareFile(path, options));
  // No SQLITE_OPEN_CREATE: the file exists now, and if it vanished meanwhile, SQLite must not
  // silently make an empty one.
  const int flags =
      (options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) | SQLITE_OPEN_NOMUTEX;
  // The writer's WAL writes go out in one call per commit (wal_write_buffer.h). An unknown
  // vfs_name goes to SQLite as given, which refuses it ("no such vfs").
  const char* named = options.vfs_name.empty() ? nullptr : options.vfs_name.c_str();
  const char* buffered = options.read_only ? nullptr : WalWriteBufferVfs(options.vfs_name);
  const char* vfs = buffered != nullptr ? buffered : named;
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, vfs);
  DatabasePtr db(raw);
  if (rc != SQLITE_OK) {
    return SqliteStatus(raw, rc, "sqlite3_open");
  }
  // A private constructor: std::make_unique cannot reach it.
  std::unique_ptr<SqliteJournal> journal(
      new SqliteJournal(path, std::move(options), std::move(db)));
  ENTREPOT_RETURN_IF_ERROR(journal->Initialize());
  return journal;
}

SqliteJournal::SqliteJournal(std::string path, Options options, DatabasePtr db)
    : path_(std::move(path)), options_(std::move(options)), db_(std::move(db)) {}

SqliteJournal::~SqliteJournal() = default;

Status SqliteJournal::Initialize() {
  sqlite3* db = db_.get();
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, options_.busy_timeout_ms);
  if (!options_.read_only && sqlite3_db_readonly(db, "main") == 1) {
    return Error(StatusCode::kPermissionDenied, "journal_read_only",
                 "the file is write-protected: open it read-only or fix its permissions");
  }
  ENTREPOT_RETURN_IF_ERROR(CheckFormat(db));
  if (!options_.read_only) {
    // Only now: switching to WAL writes to the file, which must be a journal (design note 1).
    // synchronous=FULL makes every COMMIT sync the WAL: one sync per Append.
    const std::string pragmas =
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
        "PRAGMA journal_size_limit=" +
        std::to_string(kWalSizeLimitBytes) + ";";
    ENTREPOT_RETURN_IF_ERROR(Exec(db, pragmas.c_str(), "configure"));
    ENTREPOT_ASSIGN_OR_RETURN(StatementPtr mode, PrepareStatement(db, "PRAGMA journal_mode"));
    if (sqlite3_step(mode.get()) != SQLITE_ROW || ColumnBytes(mode.get(), 0) != "wal") {
      return Error(StatusCode::kInternal, "journal_error", "could not switch to WAL mode");
    }
    ENTREPOT_ASSIGN_OR_RETURN(
        checkpointer_,
        WalCheckpointer::Start(db, path_,
                               options_.vfs_name.empty() ? nullptr : options_.vfs_name.c_str()));
  }
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<int64_t> last_seq,
                            QueryInt(db, kLastSeqSql, "read the last seq"));
  if (last_seq.value_or(0) < 0) {
    return Corrupt("negative seq " + std::to_string(*last_seq) + " in table journal");
  }
  last_seq_ = static_cast<uint64_t>(last_seq.value_or(0));
  return PrepareStatements();
}

Status SqliteJournal::PrepareStatements() {
  sqlite3* db = db_.get();
  const unsigned int persistent = SQLITE_PREPARE_PERSISTENT;
  ENTREPOT_ASSIGN_OR_RETURN(begin_, PrepareStatement(db, "BEGIN IMMEDIATE", persistent));
  ENTREPOT_ASSIGN_OR_RETURN(commit_, PrepareStatement(db, "COMMIT", persistent));
  ENTREPOT_ASSIGN_OR_RETURN(rollback_, PrepareStatement(db, "ROLLBACK", persistent));
  ENTREPOT_ASSIGN_OR_RETURN(insert_, PrepareStatement(db, InsertSql(1), persistent));
  ENTREPOT_ASSIGN_OR_RETURN(insert_many_,
                            PrepareStatement(db, InsertSql(kRowsPerInsert), persistent));
  ENTREPOT_ASSIGN_OR_RETURN(scan_, PrepareStatement(db, kScanSql, persistent));
  ENTREPOT_ASSIGN_OR_RETURN(read_, PrepareStatement(db, kReadSql, persistent));
  return OkStatus();
}

WalCheckpointerStats SqliteJournal::CheckpointStats() const {
  return checkpointer_ != nullptr ? checkpointer_->stats() : WalCheckpointerStats{};
}

uint64_t SqliteJournal::LastSeq() const {
  if (options_.read_only) {
    // The writer may have appended since: ask the file. Seqs only grow, so on a read error
    // the value known so far is still a correct lower bound.
    StatusOr<std::optional<int64_t>> last = QueryInt(db_.get(), kLastSeqSql, "read the last seq");
    if (last.ok() && last->value_or(0) > 0) {
      last_seq_ = std::max(last_seq_, static_cast<uint64_t>(**last));
    }
  }
  return last_seq_;
}

StatusOr<JournalRecord> SqliteJournal::Read(uint64_t seq) const {
  if (seq == 0 || seq >= kMaxSeq) {
    return Error(StatusCode::kNotFound, "no_such_record",
                 "journal record " + std::to_string(seq) + " does not exist");
  }
  // Prepared once: a device that replays its offline queue reads one record per scan.
  sqlite3_stmt* statement = read_.get();
  ResetOnExit reset(statement);
  sqlite3_bind_int64(statement, 1, static_cast<int64_t>(seq));
  const int rc = sqlite3_step(statement);
  if (rc == SQLITE_DONE) {
    if (seq <= LastSeq()) {
      return Corrupt(path_ + ": record seq " + std::to_string(seq) + " is missing");
    }
    return Error(StatusCode::kNotFound, "no_such_record",
                 "journal record " + std::to_string(seq) + " does not exist");
  }
  if (rc != SQLITE_ROW) {
    return SqliteStatus(db_.get(), rc, path_ + ": read seq " + std::to_string(seq));
  }
  JournalRecord record;
  const int64_t stored_crc = ReadRecordRow(statement, record);
  if (!RecordCrcMatches(record, stored_crc)) {
    return Corrupt(path_ + ": record seq " + std::to_string(seq) + ": checksum mismatch");
  }
  return record;
}

Status SqliteJournal::CheckWritable() const {
  if (options_.read_only) {
    return Error(StatusCode::kFailedPrecondition, "journal_read_only",
                 path_ + " was opened read-only");
  }
  if (needs_reopen_) {
    return Error(StatusCode::kUnavailable, "journal_needs_reopen",
                 path_ +
                     ": an earlier commit failed with an unknown outcome; reopen the "
                     "journal before writing again");
  }
  return OkStatus();
}

namespace {

std::string DescribeBatch(std::span<const JournalRecord> records) {
  return "append " + SeqRange(records.front().seq, records.back().seq);
}

}  // namespace

Status SqliteJournal::Append(std::span<const JournalRecord> records) {
  if (records.empty()) {
    return OkStatus();
  }
  ENTREPOT_RETURN_IF_ERROR(CheckWritable());
  ENTREPOT_RETURN_IF_ERROR(CheckAppendLimits(records));
  ENTREPOT_CHECK(last_seq_ + records.size() <= kMaxSeq);
  for (size_t i = 0; i < records.size(); ++i) {
    ENTREPOT_CHECK(records[i].seq == last_seq_ + 1 + i);
  }
  // BEGIN IMMEDIATE takes the write lock now, so a competing writer shows up as a busy
  // error here rather than halfway through the batch.
  if (Status status = StepDone(db_.get(), begin_.get(), "begin"); !status.ok()) {
    return status.WithContext(DescribeBatch(records));
  }
  for (size_t begin = 0; begin < records.size();) {
    const size_t rows = records.size() - begin >= kRowsPerInsert ? kRowsPerInsert : 1;
    sqlite3_stmt* statement = rows == 1 ? insert_.get() : insert_many_.get();
    if (Status status = InsertRecords(statement, records.subspan(begin, rows)); !status.ok()) {
      Rollback();
      return status.WithContext(DescribeBatch(records));
    }
    begin += rows;
  }
  ENTREPOT_RETURN_IF_ERROR(Commit(DescribeBatch(records)));
  last_seq_ += records.size();
  return OkStatus();
}

Status SqliteJournal::InsertRecords(sqlite3_stmt* statement,
                                    std::span<const JournalRecord> records) {
  ResetOnExit reset(statement);
  int column = 0;
  for (const JournalRecord& record : records) {
    const std::string_view key = record.idempotency_key;
    sqlite3_bind_int64(statement, ++column, static_cast<int64_t>(record.seq));
    if (key.empty()) {
      sqlite3_bind_null(statement, ++column);
    } else {
      sqlite3_bind_text64(statement, ++column, key.data(), key.size(), SQLITE_STATIC, SQLITE_UTF8);
    }
    BindBytes(statement, ++column, record.payload);
    sqlite3_bind_int64(statement, ++column, RecordCrc(record.seq, key, record.payload));
  }
  const std::string seqs = records.size() == 1
                               ? "seq " + std::to_string(records.front().seq)
                               : "one of seqs " + std::to_string(records.front().seq) + " to " +
                                     std::to_string(records.back().seq);
  const int rc = sqlite3_step(statement);
  if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return Error(StatusCode::kInternal, "concurrent_writer",
                 seqs + " is already in the journal although LastSeq() was " +
                     std::to_string(last_seq_) +
                     ": another process is appending to it (one writer per site)");
  }
  if (rc != SQLITE_DONE) {
    return SqliteStatus(db_.get(), rc, "insert " + seqs);
  }
  return OkStatus();
}

Status SqliteJournal::Commit(std::string_view what) {
  sqlite3* db = db_.get();
  const int rc = sqlite3_step(commit_.get());
  if (rc == SQLITE_DONE) {
    sqlite3_reset(commit_.get());
    return OkStatus();
  }
  const Status error = SqliteStatus(db, rc, std::string(what) + ": commit");
  sqlite3_reset(commit_.get());
  if (sqlite3_get_autocommit(db) == 0) {
    // The transaction is still open, so COMMIT wrote nothing: a clean failure.
    Rollback();
    return error;
  }
  // SQLite ended the transaction itself, typically on an I/O error while writing or syncing
  // the WAL: its commit frame may be durable (design note 3).
  needs_reopen_ = true;
  return Error(StatusCode::kUnavailable, "commit_outcome_unknown",
               error.message() +
                   "; the batch may or may not be durable: reopen the journal and read LastSeq()");
}

void SqliteJournal::Rollback() {
  sqlite3* db = db_.get();
  if (sqlite3_get_autocommit(db) != 0) {
    return;  // SQLite already rolled the transaction back.
  }
  const int rc = sqlite3_step(rollback_.get());
  sqlite3_reset(rollback_.get());
  if (rc != SQLITE_DONE) {
    // The connection is in an unknown state; only a reopen recovers it.
    needs_reopen_ = true;
  }
}

Status SqliteJournal::Scan(uint64_t after,
                           const std::function<Status(const JournalRecord&)>& visit) const {
  if (after >= kMaxSeq) {
    return OkStatus();
  }
  sqlite3_stmt* statement = scan_.get();
  StatementPtr nested;
  if (sqlite3_stmt_busy(statement) != 0) {
    // A visitor scanning again: the cached statement is in use by the outer scan.
    ENTREPOT_ASSIGN_OR_RETURN(nested, PrepareStatement(db_.get(), kScanSql));
    statement = nested.get();
  }
  ResetOnExit reset(statement);
  sqlite3_bind_int64(statement, 1, static_cast<int64_t>(after));
  JournalRecord record;  // Reused: assign() keeps the buffers' capacity.
  uint64_t expected = after + 1;
  int rc;
  while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
    const int64_t stored_crc = ReadRecordRow(statement, record);
    if (record.seq != expected) {
      return Corrupt(path_ + ": record seq " + std::to_string(expected) + " is missing (seq " +
                     std::to_string(record.seq) + " follows seq " + std::to_string(expected - 1) +
                     ")");
    }
    if (!RecordCrcMatches(record, stored_crc)) {
      return Corrupt(path_ + ": record seq " + std::to_string(record.seq) + ": checksum mismatch");
    }
    ENTREPOT_RETURN_IF_ERROR(visit(record));
    ++expected;
  }
  if (rc != SQLITE_DONE) {
    return SqliteStatus(db_.get(), rc, path_ + ": scan after seq " + std::to_string(expected - 1));
  }
  if (expected <= last_seq_) {
    return Corrupt(path_ + ": record " + SeqRange(expected, last_seq_) +
                   " missing at the end (the journal held seq " + std::to_string(last_seq_) +
                   " when opened)");
  }
  return OkStatus();
}

Status SqliteJournal::WriteSnapshot(const Snapshot& snapshot) {
  ENTREPOT_RETURN_IF_ERROR(CheckWritable());
  ENTREPOT_RETURN_IF_ERROR(CheckSnapshotLimit(snapshot, options_.max_snapshot_bytes));
  ENTREPOT_CHECK(snapshot.seq <= last_seq_);
  sqlite3* db = db_.get();
  const std::string what = "write snapshot seq " + std::to_string(snapshot.seq);
  ENTREPOT_ASSIGN_OR_RETURN(
      StatementPtr insert,
      PrepareStatement(db,
                       "INSERT OR REPLACE INTO snapshot(seq, payload, crc) VALUES(?1, ?2, ?3)"));
  // Keeps the newest two: the second is the fallback when the newest turns out damaged.
  ENTREPOT_ASSIGN_OR_RETURN(
      StatementPtr prune,
      PrepareStatement(db,
                       "DELETE FROM snapshot WHERE seq < "
                       "(SELECT seq FROM snapshot ORDER BY seq DESC LIMIT 1 OFFSET 1)"));
  sqlite3_bind_int64(insert.get(), 1, static_cast<int64_t>(snapshot.seq));
  BindBytes(insert.get(), 2, snapshot.payload);
  sqlite3_bind_int64(insert.get(), 3, SnapshotCrc(snapshot.seq, snapshot.payload));
  ENTREPOT_RETURN_IF_ERROR(StepDone(db, begin_.get(), what + ": begin"));
  Status status = StepDone(db, insert.get(), what + ": insert");
  if (status.ok()) {
    status = StepDone(db, prune.get(), what + ": prune older snapshots");
  }
  if (!status.ok()) {
    Rollback();
    return status;
  }
  return Commit(what);
}

StatusOr<std::optional<Snapshot>> SqliteJournal::LatestSnapshot() const {
  sqlite3* db = db_.get();
  ENTREPOT_ASSIGN_OR_RETURN(
      StatementPtr select,
      PrepareStatement(db, "SELECT seq, payload, crc FROM snapshot ORDER BY seq DESC"));
  int rc;
  while ((rc = sqlite3_step(select.get())) == SQLITE_ROW) {
    const auto seq = static_cast<uint64_t>(sqlite3_column_int64(select.get(), 0));
    const std::string_view payload = ColumnBytes(select.get(), 1);
    const int64_t stored_crc = sqlite3_column_int64(select.get(), 2);
    // A damaged snapshot is skipped: an older one plus a longer replay gives the same state.
    if (seq <= last_seq_ && stored_crc == SnapshotCrc(seq, payload)) {
      return std::optional<Snapshot>(Snapshot{.seq = seq, .payload = std::string(payload)});
    }
  }
  if (rc != SQLITE_DONE) {
    return SqliteStatus(db, rc, path_ + ": read snapshots");
  }
  return std::optional<Snapshot>();
}

Status SqliteJournal::CheckIntegrity() const {
  sqlite3* db = db_.get();
  // One read transaction, so that all checks see the same state even while another
  // connection appends.
  ENTREPOT_RETURN_IF_ERROR(Exec(db, "BEGIN", path_ + ": begin integrity check"));
  IntegrityProblems problems;
  CheckDatabase(db, problems);
  const uint64_t last_record_seq = CheckRecords(db, last_seq_, problems);
  CheckSnapshots(db, last_record_seq, problems);
  // Ending a read transaction cannot lose anything; its result does not matter.
  sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
  return problems.ToStatus(path_);
}

}  // namespace entrepot::store
