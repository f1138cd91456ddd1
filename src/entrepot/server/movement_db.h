// File: movement_db.h
//
// MovementDb: the SQLite file behind the movement index (movement_index.h), DIR/index.db. It
// turns committed journal entries into Movement rows and answers history and flow queries.
// Internal to the index: use MovementIndex, which owns one writer and one reader connection.
//
// The file is derived from the journal and rebuildable: the writer deletes and recreates it
// when it is not an index of this schema version (user_version), is not an SQLite database,
// or belongs to another application. What it holds is described in docs/STORAGE.md:
//  - movement: one row per Movement, keyed (seq, ord), indexed by unit key and by time;
//  - movement_container: (container, seq, ord) for every container a movement involves;
//  - flow_second / flow_minute: units and movements per (time bucket, zone, process), so a
//    flow over hours sums buckets instead of rows;
//  - tracked_location / tracked_container / tracked_content: what the index must know of the
//    site to place a movement (the zone of a location, where a container stands, what a
//    container holds when it ships), kept from the journal's own events;
//  - meta: the watermark (the last indexed seq and the CRC-32C of its payload, which tells
//    whether the journal beside the index is still the one it was built from);
//  - unsynced: the boot during which the file was written without syncs, until a clean close
//    (OpenWriter).
// Every batch of entries is one transaction that also advances the watermark, so the index
// is always the image of a prefix of the journal.
//
// Errors of every method: kUnavailable "index_unavailable" (locks held too long, I/O error,
// disk full), kDataLoss "index_corrupt" (SQLite finds the file damaged), kInternal
// "index_error" (anything else SQLite reports).
//
// Thread safety: none; one thread uses a MovementDb at a time. Several connections (one
// writer, readers) may share the file: it is in WAL mode.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "entrepot/base/status.h"
#include "entrepot/server/movement.h"
#include "entrepot/store/journal.h"

struct sqlite3;
struct sqlite3_stmt;

namespace entrepot::server::internal {

class MovementDb {
 public:
  // PRAGMA application_id of an index file: "EIDX".
  static constexpr int32_t kApplicationId = 0x45494458;
  // PRAGMA user_version of the schema this code writes; any other value is rebuilt.
  static constexpr int32_t kSchemaVersion = 3;

  // Opens the index at `path` for writing, creating it when absent. A file that is not an
  // index of kSchemaVersion (or not a database at all) is deleted and recreated; then
  // `*recreated` (when given) is set to true. REQUIRES: no other connection has it open.
  //
  // `boot_id` names the machine's current boot (CurrentBootId); when it is given, the writer
  // commits with synchronous=OFF: the index is derived data, and its syncs (32 MiB at each
  // checkpoint) made the journal's own syncs, on the same disk, wait. Before the first such
  // write the file is durably marked "unsynced during boot B", and CloseCleanly removes the
  // mark once everything is synced. A process crash leaves the page cache, so the file is
  // whole; a power loss or a kernel crash may leave it damaged without SQLite noticing. So a
  // file still marked with another boot is deleted and rebuilt (and `*recreated` set). An
  // empty `boot_id` keeps SQLite's synchronous=NORMAL.
  static StatusOr<std::unique_ptr<MovementDb>> OpenWriter(const std::string& path,
                                                          const std::string& boot_id,
                                                          bool* recreated = nullptr);
  // Opens a read-only connection on an index that OpenWriter created.
  static StatusOr<std::unique_ptr<MovementDb>> OpenReader(const std::string& path);

  ~MovementDb();
  MovementDb(const MovementDb&) = delete;
  MovementDb& operator=(const MovementDb&) = delete;

  struct Watermark {
    uint64_t seq = 0;  // The last indexed journal seq; 0 when nothing is indexed.
    uint32_t crc = 0;  // CRC-32C of that record's payload.
  };
  StatusOr<Watermark> ReadWatermark();

  // Indexes `records` (decoded with core::DecodeEntry) in one transaction that advances the
  // watermark to the last one. Returns kDataLoss "bad_entry" (with the seq) when a payload
  // does not decode; nothing of the batch is then written.
  // REQUIRES: records are contiguous and records[0].seq == the watermark's seq + 1.
  Status IndexBatch(std::span<const store::JournalRecord> records);

  // Empties every table; the watermark goes back to 0.
  Status Clear();

  // Syncs everything written without a sync and removes the file's unsynced mark (see
  // OpenWriter); nothing for a writer without a boot id. A failure (a reader in the middle
  // of a query, an I/O error) leaves the mark: the next boot then rebuilds the index.
  Status CloseCleanly();

  // The movements of `subject` ordered before `before`, newest first, at most `limit` + 1 (so
  // the caller knows whether a next page exists), with the watermark, read in one snapshot.
  // REQUIRES: 1 <= limit <= kMaxHistoryLimit.
  StatusOr<HistoryPage> ReadHistory(const HistorySubject& subject, HistoryCursor before,
                                    int64_t limit);

  // The flow of the movements whose at_ms is in [from_ms, to_ms], read in one snapshot.
  // REQUIRES: from_ms <= to_ms, both within +-2^53.
  StatusOr<FlowReport> ReadFlow(int64_t from_ms, int64_t to_ms);

  const std::string& path() const { return path_; }

 private:
  class Statements;

  MovementDb(std::string path, sqlite3* db);
  static StatusOr<std::unique_ptr<MovementDb>> OpenWriterOnce(const std::string& path,
                                                              const std::string& boot_id);
  // Checks the unsynced mark against `boot_id`, then marks the file and turns syncs off.
  Status StartUnsynced(const std::string& boot_id);
  Status Exec(const char* sql, std::string_view what);
  Status ReadSnapshotBegin();
  void ReadSnapshotEnd();

  std::string path_;
  sqlite3* db_ = nullptr;
  std::unique_ptr<Statements> statements_;  // Finalized before db_ closes.
  bool unsynced_ = false;                   // Committing with synchronous=OFF.
};

}  // namespace entrepot::server::internal
