// File: journal.h
//
// The journal is the durable source of truth of a site: an append-only sequence of records,
// each one committed command (a scan with its reply and events, or a master-data change),
// plus snapshots of the in-memory state that make restart fast. The store does not interpret
// payloads: core/entry_codec.h encodes and decodes them. Backends: SqliteJournal (embedded
// default); PostgreSQL later.
//
// Durability contract: when Append() returns OK, every record of the batch is on stable
// storage (one transaction, one sync) and survives a crash of the process or the machine.
// When it returns an error, none of the batch is visible after reopening, except after
// kUnavailable "commit_outcome_unknown" (the commit's own sync failed): then the batch may or
// may not be there; later writes fail until the journal is reopened, and LastSeq() after
// reopening tells. The engine treats every Append error this way: it stops and is reopened,
// which rebuilds its state from what the journal holds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "entrepot/base/status.h"

namespace entrepot::store {

struct JournalRecord {
  uint64_t seq = 0;             // 1, 2, 3, ... without gaps.
  std::string idempotency_key;  // The scan's key; empty for records without one.
  std::string payload;          // Opaque encoded entry.
};

// Limits every backend enforces in Append, the same for all so that a site can move between
// them (entrepot migrate).
inline constexpr size_t kMaxBatchRecords = 65'536;      // reason "batch_too_large"
inline constexpr size_t kMaxBatchBytes = 64 << 20;      // keys + payloads; "batch_too_large"
inline constexpr size_t kMaxPayloadBytes = 1 << 20;     // reason "record_too_large"
inline constexpr size_t kMaxIdempotencyKeyBytes = 128;  // reason "idempotency_key_too_long"

// Checks a batch against those limits: OK, or kResourceExhausted with the reason above and a
// message naming the record and the limit.
Status CheckAppendLimits(std::span<const JournalRecord> records);

// Collects the problems a backend's CheckIntegrity() finds, keeping the first kMaxShown.
class IntegrityProblems {
 public:
  static constexpr size_t kMaxShown = 20;
  void Add(std::string problem);
  // OK when none; else kDataLoss "journal_corrupt": "<where>: N problems: a; b; ...; and K
  // more".
  Status ToStatus(const std::string& where) const;

 private:
  std::vector<std::string> shown_;
  size_t total_ = 0;
};

struct Snapshot;
// Checks a snapshot against a backend's size limit: OK, or kResourceExhausted
// "snapshot_too_large" naming its seq, its size and the limit.
Status CheckSnapshotLimit(const Snapshot& snapshot, size_t max_bytes);

struct Snapshot {
  uint64_t seq = 0;     // State after applying every record up to and including seq.
  std::string payload;  // Opaque encoded state.
};

// Not thread-safe: one writer (the site's sequencer) owns a Journal.
class Journal {
 public:
  virtual ~Journal() = default;

  // Appends `records` atomically and durably (see the file comment).
  // REQUIRES: records[i].seq == LastSeq() + 1 + i.
  // Errors: kResourceExhausted when a backend limit is hit (nothing written);
  // kFailedPrecondition when opened read-only; kUnavailable when the store fails (see the
  // file comment for "commit_outcome_unknown"); kDataLoss when the file is damaged.
  virtual Status Append(std::span<const JournalRecord> records) = 0;

  // The seq of the last committed record; 0 for an empty journal.
  virtual uint64_t LastSeq() const = 0;

  // Calls `visit` for every record with seq > `after`, in order, until it returns an error
  // (which Scan returns). A record whose checksum does not match, or a gap in the sequence,
  // returns kDataLoss with reason "journal_corrupt" naming the seq.
  virtual Status Scan(uint64_t after,
                      const std::function<Status(const JournalRecord&)>& visit) const = 0;

  // Reads the record `seq`. Returns kNotFound when there is none, kDataLoss as Scan does.
  virtual StatusOr<JournalRecord> Read(uint64_t seq) const {
    if (seq == 0 || seq > LastSeq()) {
      return Error(StatusCode::kNotFound, "no_such_record",
                   "journal record " + std::to_string(seq) + " does not exist");
    }
    JournalRecord found;
    Status status = Scan(seq - 1, [&found](const JournalRecord& record) {
      found = record;
      return Error(StatusCode::kAborted, "scan_stopped", "stop after one record");
    });
    if (status.reason() != "scan_stopped") {
      return status.ok() ? InternalError("journal scan returned no record") : status;
    }
    return found;
  }

  // Stores a snapshot durably. Older snapshots may be discarded, but the newest two are kept.
  // REQUIRES: snapshot.seq <= LastSeq().
  virtual Status WriteSnapshot(const Snapshot& snapshot) = 0;

  // The newest snapshot whose checksum is intact, or nullopt when there is none. A damaged
  // newer snapshot is skipped in favour of an older intact one (replay covers the gap).
  virtual StatusOr<std::optional<Snapshot>> LatestSnapshot() const = 0;

  // Checks the physical integrity of the store (the database's own check, checksums of
  // every record and snapshot, sequence continuity). Returns OK or kDataLoss with a message
  // that names each problem precisely (seq, table, what is wrong), first problems first.
  virtual Status CheckIntegrity() const = 0;
};

}  // namespace entrepot::store
