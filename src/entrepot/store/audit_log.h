// File: audit_log.h
//
// AuditLog: the tamper-evident access log of personal data (RET-03, DSR-01; docs/AUDIT.md),
// separate from the operational journal and the account store. Each record is chained to the
// previous one by keyed BLAKE2b (privacy/audit_chain.h) under a 32-byte key kept in a file
// (DIR/audit.key, mode 0600, created with the log). Two backends store it
// (audit_log_storage.h), with the same chain and the same behaviour:
//  - DIR/audit.db, an SQLite database in WAL mode with synchronous=FULL (Open below);
//  - with a PostgreSQL store, the site's rows of tables entrepot_audit_chain and
//    entrepot_audit (OpenPostgresAuditLog, postgres_audit_log.h), shared by the nodes that
//    fail over for the site; the key file stays on each node and must be the same on all.
//
// Besides the records, the log keeps one row with
//  - the head: the last seq and its hash, updated in the same transaction as each append, so
//    that deleting the last records with SQL (without also rewriting the head) is found;
//  - the anchor: the seq and hash of the last pruned record (0 and the genesis hash before
//    any prune), where verification starts. A prune appends a record saying how far it went,
//    so removing records from the start by any other means is found too.
// Neither protects against someone who holds the key and rewrites everything, nor against
// the whole file being replaced by an older copy: for that, copy the head (`entrepot audit
// verify` prints it) somewhere else from time to time, and verify against it (checkpoint).
//
// Thread-safe: Append, PruneBefore, Query, Verify and Head may be called from any thread.
// Writes are serialised by a mutex and each is one transaction (one sync of the WAL); reads
// use a second connection and do not wait for writes. Several processes (or nodes) may open
// the log: each write reads the head inside a transaction that excludes the other writers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "entrepot/base/status.h"
#include "entrepot/privacy/audit_chain.h"

namespace entrepot::store {

class AuditLogStorage;  // audit_log_storage.h

struct AuditLogOptions {
  // Opens for reading only (`entrepot audit verify|list`): nothing is created or written,
  // and the key is optional (Verify needs it). Append and PruneBefore return
  // kFailedPrecondition "audit_log_read_only".
  bool read_only = false;
  // Creates audit.db (and audit.key when it does not exist) when the log is missing.
  bool create_if_missing = true;
  // How long a statement waits for another connection's lock before kUnavailable.
  int busy_timeout_ms = 5000;
};

// A record as stored, with its chain hash.
struct StoredAuditRecord {
  privacy::AuditRecord record;
  privacy::AuditHash hash{};
};

struct AuditQuery {
  // Records about this login, and those about everyone (subject "*": a list of all users
  // read is a read of each): what a worker sees of who consulted their data (DSR-01).
  std::optional<std::string> subject;
  std::optional<std::string> actor;  // Records by this login or device name.
  std::optional<int64_t> from_ms;    // at_ms >= from_ms.
  std::optional<int64_t> to_ms;      // at_ms < to_ms.
  // Paging: 0 for the first page, then the previous page's next_cursor. Oldest first, the
  // records have seq > cursor; newest first, seq < cursor.
  uint64_t cursor = 0;
  bool newest_first = false;
  size_t limit = 100;  // 1..AuditLog::kMaxPageSize.
};

struct AuditPage {
  std::vector<StoredAuditRecord> records;
  // The cursor of the next page; absent when this page is the last.
  std::optional<uint64_t> next_cursor;
};

struct AuditPruneResult {
  uint64_t pruned = 0;       // Records deleted.
  uint64_t through_seq = 0;  // The new anchor: every record up to it is gone.
  uint64_t record_seq = 0;   // The prune's own record.
};

class AuditLog {
 public:
  using Options = AuditLogOptions;

  static constexpr std::string_view kDbFileName = "audit.db";
  static constexpr std::string_view kKeyFileName = "audit.key";
  // The format this code writes and reads (meta row format_version).
  static constexpr int64_t kFormatVersion = 1;
  // PRAGMA application_id of every audit log: "EAUD".
  static constexpr int32_t kApplicationId = 0x45415544;
  static constexpr size_t kMaxPageSize = 1000;

  // Opens the log at `db_path` with the key at `key_path`. Errors:
  //   kNotFound "audit_log_not_found"        no file and (read_only or !create_if_missing);
  //   kFailedPrecondition "audit_key_missing"  the log exists but the key file does not
  //                                          (writable open; a new key would break the chain);
  //   kFailedPrecondition "audit_key_insecure" the key file is readable or writable by group
  //                                          or others (chmod 600 it);
  //   kDataLoss "audit_key_corrupt"          the key file is not 64 hex digits;
  //   kFailedPrecondition "audit_key_mismatch" (writable open) the key is not this log's;
  //   kFailedPrecondition "not_an_audit_log" another SQLite database;
  //   kFailedPrecondition "unsupported_format" written by a newer Entrepôt;
  //   kDataLoss "audit_log_corrupt"          not a database, or its tables are damaged;
  //   kUnavailable "audit_log_unavailable"   SQLite or the file system failed.
  static StatusOr<std::unique_ptr<AuditLog>> Open(const std::string& db_path,
                                                  const std::string& key_path,
                                                  Options options = {});
  // Open(DIR/audit.db, DIR/audit.key, options).
  static StatusOr<std::unique_ptr<AuditLog>> OpenInDirectory(const std::string& data_dir,
                                                             Options options = {});
  // For backends (audit_log_storage.h): the log kept by `storage`, chained under `key`
  // (nullopt: read-only without the key file). A writable log checks the stored key check
  // first: kFailedPrecondition "audit_key_mismatch", kDataLoss "audit_log_corrupt" (none
  // stored), or the storage's errors. REQUIRES: storage != nullptr; key set unless read_only.
  static StatusOr<std::unique_ptr<AuditLog>> FromStorage(std::unique_ptr<AuditLogStorage> storage,
                                                         std::optional<privacy::AuditKey> key,
                                                         bool read_only);

  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Validates `record` (privacy::ValidateAuditRecord), gives it the next seq, chains it and
  // commits it (durable on return). Returns its seq. Errors: kInvalidArgument
  // "bad_audit_record"; kFailedPrecondition "audit_log_read_only"; kUnavailable
  // "audit_log_unavailable" (nothing was written, or, for an I/O error during the commit,
  // the outcome is unknown and Verify tells); kDataLoss "audit_log_corrupt".
  StatusOr<uint64_t> Append(privacy::AuditRecord record);

  // RET-03: deletes the records before the first one with at_ms >= before_ms (a prefix of
  // the log, so the chain stays whole even if clocks went backwards), makes the last deleted
  // record the anchor, and appends the prune's own record (actor system, action "prune",
  // data class audit_log, purpose "retention", resource privacy::PruneResource) at now_ms.
  // The records to delete are verified first: a broken prefix is not pruned away. Errors:
  // kInvalidArgument "bad_prune_time" (before_ms > now_ms or negative); kDataLoss
  // "audit_chain_broken" (the prefix does not verify; run Verify); and Append's.
  StatusOr<AuditPruneResult> PruneBefore(int64_t before_ms, int64_t now_ms);

  // A page of records matching every given filter. Errors: kInvalidArgument "bad_limit"
  // (0 or above kMaxPageSize), "bad_query" (a name over 64 bytes, from_ms > to_ms);
  // kUnavailable, kDataLoss as Append.
  StatusOr<AuditPage> Query(const AuditQuery& query);

  // Walks the whole log (one read transaction) and reports the first break
  // (privacy::AuditChainVerifier), checked against `checkpoint` when given. Errors:
  // kFailedPrecondition "audit_key_missing" (opened read-only without the key file);
  // kDataLoss "audit_log_corrupt" (the head/anchor row is missing or malformed);
  // kUnavailable as Append. A tampered record is a report, not an error.
  StatusOr<privacy::AuditVerifyReport> Verify(
      std::optional<privacy::AuditCheckpoint> checkpoint = std::nullopt);

  // The head as stored: the last seq and its hash (seq 0 and the genesis hash when empty).
  StatusOr<privacy::AuditCheckpoint> Head();

  // The key's public fingerprint (privacy::AuditChain::KeyCheck) as hex; "" without a key.
  std::string KeyCheckHex() const;

  // Where the log is: the file's path, or "postgresql://HOST/DB site CODE".
  const std::string& path() const;

 private:
  AuditLog(std::unique_ptr<AuditLogStorage> storage, std::optional<privacy::AuditKey> key,
           bool read_only);

  // Runs `body` in one write transaction of the storage, under write_mutex_.
  template <typename T, typename Body>
  StatusOr<T> InWriteTransaction(Body body);
  StatusOr<uint64_t> AppendLocked(privacy::AuditRecord& record);
  Status VerifyPrefixLocked(uint64_t anchor_seq, const privacy::AuditHash& anchor_hash,
                            uint64_t through_seq, privacy::AuditHash& through_hash);
  StatusOr<AuditPruneResult> PruneLocked(int64_t before_ms, int64_t now_ms);

  const std::optional<privacy::AuditKey> key_;
  const bool read_only_;
  const privacy::AuditChain chain_;

  // The storage's write methods are called under write_mutex_, its reads under read_mutex_.
  std::mutex write_mutex_;
  std::mutex read_mutex_;
  const std::unique_ptr<AuditLogStorage> storage_;
};

}  // namespace entrepot::store
