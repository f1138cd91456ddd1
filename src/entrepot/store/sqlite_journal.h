// File: sqlite_journal.h
//
// SqliteJournal: the embedded Journal backend (store/journal.h). One SQLite database file per
// site, in WAL mode with synchronous=FULL, so that each Append is one transaction and one sync
// of the WAL: the group commit of the sequencer's batch. The WAL is checkpointed into the
// database file by a thread of the journal's own (wal_checkpointer.h), never inside an Append.
// The schema, the checksums and the durability contract are described in docs/STORAGE.md.
//
// Design notes:
//  1. Committed records are never deleted or rewritten. Open() of a damaged, truncated or
//     foreign file fails without writing to it; only a missing file is created, and it is
//     built under a temporary name and linked into place, so a file at `path` always holds
//     a complete schema (an empty file there means truncation, not an interrupted create).
//  2. Each record carries a CRC-32C over its seq, key and payload; each snapshot one over
//     its seq and payload. Scan() checks them and the continuity of seqs, so corruption is
//     reported by seq instead of being replayed.
//  3. A failed COMMIT whose transaction SQLite has already ended (an I/O error while writing
//     or syncing the WAL) leaves the outcome unknown: the commit record may be durable
//     although Append() reported an error. The journal then refuses further writes until it
//     is reopened; after reopening, LastSeq() tells whether the batch made it, and the
//     idempotency keys let clients retry safely either way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "entrepot/base/status.h"
#include "entrepot/store/journal.h"
#include "entrepot/store/wal_checkpointer.h"

struct sqlite3;
struct sqlite3_stmt;

namespace entrepot::store {

namespace internal {
struct SqliteDatabaseCloser {
  void operator()(sqlite3* db) const;
};
struct SqliteStatementFinalizer {
  void operator()(sqlite3_stmt* statement) const;
};
using SqliteDatabasePtr = std::unique_ptr<sqlite3, SqliteDatabaseCloser>;
using SqliteStatementPtr = std::unique_ptr<sqlite3_stmt, SqliteStatementFinalizer>;
}  // namespace internal

struct SqliteJournalOptions {
  // Opens the file for reading only (the `verify` and `stock` commands): the file is never
  // created or modified, Append() and WriteSnapshot() return kFailedPrecondition. Another
  // process may keep appending meanwhile; LastSeq() stays the value read at Open().
  bool read_only = false;
  // Creates the journal when `path` does not exist (ignored when read_only).
  bool create_if_missing = true;
  // How long a statement waits for a lock held by another connection before failing with
  // kUnavailable.
  int busy_timeout_ms = 5000;
  // Snapshots above this size are refused with kResourceExhausted "snapshot_too_large". The
  // default fits a large site's state; raise it if a site outgrows it.
  size_t max_snapshot_bytes = size_t{512} << 20;
  // The name of a registered SQLite VFS to use instead of the default one; empty for the
  // default. Meant for fault-injection tests.
  std::string vfs_name{};
};

// Not thread-safe, as Journal. Several SqliteJournal objects may share one file, in one
// process or several: one writer and any number of read-only readers.
class SqliteJournal final : public Journal {
 public:
  using Options = SqliteJournalOptions;

  // The on-disk format this code writes and reads (the `format_version` row of `meta`).
  static constexpr int64_t kFormatVersion = 1;
  // PRAGMA application_id of every journal file: "EJRN".
  static constexpr int32_t kApplicationId = 0x454A524E;

  // Limits. Going over one gives kResourceExhausted and writes nothing.
  static constexpr size_t kMaxBatchRecords = store::kMaxBatchRecords;
  static constexpr size_t kMaxBatchBytes = store::kMaxBatchBytes;
  static constexpr size_t kMaxPayloadBytes = store::kMaxPayloadBytes;
  static constexpr size_t kMaxIdempotencyKeyBytes = store::kMaxIdempotencyKeyBytes;

  // Opens the journal at `path`, creating it when absent (unless options say otherwise),
  // and reads LastSeq(). Returns:
  //  - kNotFound "journal_not_found" when the file is absent and may not be created;
  //  - kDataLoss "journal_corrupt" when the file is empty, truncated, not an SQLite
  //    database, or its schema is damaged (the message says which and names the file);
  //  - kFailedPrecondition "not_a_journal" for an SQLite database that is not a journal;
  //  - kFailedPrecondition "unsupported_format" for a journal written by a newer format;
  //  - kPermissionDenied "journal_read_only" when writing is asked for but the file is
  //    write-protected;
  //  - kUnavailable "journal_unavailable" for I/O errors and locks held too long.
  static StatusOr<std::unique_ptr<SqliteJournal>> Open(const std::string& path,
                                                       Options options = {});
  // A reader of the journal at `path` that exists already (read_only, not created): what
  // the followers of a running site open. Errors as Open.
  static StatusOr<std::unique_ptr<Journal>> OpenReader(const std::string& path);

  ~SqliteJournal() override;
  SqliteJournal(const SqliteJournal&) = delete;
  SqliteJournal& operator=(const SqliteJournal&) = delete;

  // Journal. Besides the contract of journal.h, Append() returns:
  //  - OK without writing for an empty batch;
  //  - kResourceExhausted "batch_too_large", "record_too_large" or
  //    "idempotency_key_too_long" when a limit above is exceeded (nothing is written);
  //  - kFailedPrecondition "journal_read_only" on a journal opened read-only;
  //  - kUnavailable "journal_unavailable" (lock timeout, I/O error, disk full) or kInternal
  //    "journal_error" (anything else SQLite reports); the batch is not committed;
  //  - kInternal "concurrent_writer" when a seq of the batch is already in the file: another
  //    process appended to the journal; the batch is not committed;
  //  - kUnavailable "commit_outcome_unknown" when COMMIT itself failed after SQLite ended the
  //    transaction (design note 3); then every later Append() and WriteSnapshot() returns
  //    kUnavailable "journal_needs_reopen";
  //  - kDataLoss "journal_corrupt" when SQLite finds the file damaged.
  Status Append(std::span<const JournalRecord> records) override;
  // On a journal opened read-only, asks the file each time: another connection (the
  // writer) may have appended since.
  uint64_t LastSeq() const override;
  // One indexed lookup (the default reads through Scan).
  StatusOr<JournalRecord> Read(uint64_t seq) const override;
  // Streams with one prepared statement inside one read transaction, reusing one record.
  Status Scan(uint64_t after,
              const std::function<Status(const JournalRecord&)>& visit) const override;
  // Returns kResourceExhausted "snapshot_too_large" above options.max_snapshot_bytes, and the
  // read-only and SQLite errors of Append(). A snapshot with the same seq is replaced.
  Status WriteSnapshot(const Snapshot& snapshot) override;
  // A snapshot also counts as damaged when its seq is beyond LastSeq().
  StatusOr<std::optional<Snapshot>> LatestSnapshot() const override;
  // Lists at most kMaxReportedProblems problems, then "and N more".
  Status CheckIntegrity() const override;
  static constexpr size_t kMaxReportedProblems = IntegrityProblems::kMaxShown;

  // The path given to Open().
  const std::string& Path() const { return path_; }
  // Whether the journal was opened with options.read_only.
  bool ReadOnly() const { return options_.read_only; }
  // The WAL checkpoints run so far by the journal's checkpoint thread; zero when read-only.
  WalCheckpointerStats CheckpointStats() const;

 private:
  using DatabasePtr = internal::SqliteDatabasePtr;
  using StatementPtr = internal::SqliteStatementPtr;

  SqliteJournal(std::string path, Options options, DatabasePtr db);
  static StatusOr<std::unique_ptr<SqliteJournal>> OpenWithoutContext(const std::string& path,
                                                                     Options options);

  Status Initialize();
  Status PrepareStatements();
  Status CheckWritable() const;
  // Inserts `records` (at most kRowsPerInsert) with one step of `statement`, which inserts
  // exactly records.size() rows.
  Status InsertRecords(sqlite3_stmt* statement, std::span<const JournalRecord> records);
  Status Commit(std::string_view what);
  void Rollback();

  std::string path_;
  Options options_;
  // Mutable: a read-only journal refreshes it in LastSeq().
  mutable uint64_t last_seq_ = 0;
  // Set by a COMMIT of unknown outcome (design note 3) or a failed ROLLBACK.
  bool needs_reopen_ = false;
  // Declared before the statements so that they are finalized before it closes.
  DatabasePtr db_;
  StatementPtr begin_;
  StatementPtr commit_;
  StatementPtr rollback_;
  StatementPtr insert_;       // One row.
  StatementPtr insert_many_;  // kRowsPerInsert rows: one VDBE run for many records.
  StatementPtr scan_;
  StatementPtr read_;
  // Declared after db_, so that it is stopped before db_ closes. Null when read-only.
  std::unique_ptr<WalCheckpointer> checkpointer_;
};

}  // namespace entrepot::store
