// File: movement_index.h
//
// MovementIndex: the operational history of units and containers, and the flow of units per
// zone and process, for GET /api/v1/units/{code}/history and GET /api/v1/flow. It is a
// derived, rebuildable index in its own SQLite file (DIR/index.db beside DIR/journal.db; see
// docs/STORAGE.md), maintained from the journal:
//
//  - Live: the engine's commit listener calls Publish() with each committed batch, on the
//    thread that committed it. Publish copies the records into a bounded queue and returns at
//    once; a background thread, at a lower CPU priority than the request path
//    (options.thread_nice), takes everything queued at most every batch_interval and indexes
//    it, batch_records_max records per transaction. It never holds the queue's lock for more
//    than a swap, so Publish never waits for indexing.
//  - Catch-up: the journal is the truth. The thread scans it (a read-only journal: a
//    SqliteJournal on the journal file, or whatever options.open_journal opens, such as the
//    site's PostgresJournal; reopened for each catch-up, so it sees what the writer committed
//    since) from the index's watermark when it starts, when the queue overflowed (Publish
//    then drops what it held), when published records skip ahead of the watermark, and
//    after an error.
//  - Rebuild: a missing, damaged or older-version index.db is recreated and filled from
//    the journal; so is one whose watermark record no longer matches the journal it follows.
//
// Reads (Lookup, Flow) see what is indexed so far (indexed_seq in every answer; WaitForSeq
// waits for a seq). They never block the sequencer and never read the site state.
//
// Privacy (rule RET-01): the index holds no worker identity, no device id, no idempotency
// key and no scanned text; device-state events are not indexed.
//
// Thread safety: every public method may be called from any thread. Publish is meant for
// the sequencer thread and never waits for the indexer.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "entrepot/base/status.h"
#include "entrepot/server/movement.h"
#include "entrepot/store/journal.h"

namespace entrepot::server {

namespace internal {
class MovementDb;
}  // namespace internal

struct MovementIndexOptions {
  // Opens, read-only, the journal the index follows (called from the index's thread).
  using JournalOpener = std::function<StatusOr<std::unique_ptr<store::Journal>>()>;

  std::string index_path;    // DIR/index.db
  std::string journal_path;  // DIR/journal.db, read only; ignored when open_journal is set.
  // The machine's boot (CurrentBootId): the index then writes without syncs and is rebuilt
  // after a boot that found it not closed cleanly (MovementDb::OpenWriter). Empty: it syncs
  // at each checkpoint.
  std::string boot_id;
  // When set, the journal the index follows, instead of the SQLite file at journal_path: for
  // a site whose journal is in PostgreSQL, a read-only PostgresJournal of that site. Called
  // at Open and at each catch-up; each call must return a new reader of the same journal.
  JournalOpener open_journal;
  // Publish() drops its queue and asks for a catch-up past either bound (records, bytes).
  size_t queue_records_max = 262'144;
  size_t queue_bytes_max = size_t{64} << 20;
  // Records indexed per transaction.
  size_t batch_records_max = 8'192;
  // Added to the nice value of the index's thread (Linux; 0 keeps the process's): on a
  // loaded machine the request path gets the cores first and the index catches up when they
  // are free, or from the journal after its queue overflowed. At 10 the thread weighs about a
  // tenth of a normal one, so it still advances while the server is busy.
  int thread_nice = 10;
  // After indexing live records, the thread waits this long (unless batch_records_max are
  // queued, or it is stopping) so that many small commits are indexed in one transaction:
  // the index is derived data and may lag a little; the request path must not pay for it.
  std::chrono::milliseconds batch_interval{100};
  // Wait after an indexing error before catching up again from the journal.
  std::chrono::milliseconds retry_delay{1000};

  // The options for a data directory: DIR/index.db and DIR/journal.db, and CurrentBootId().
  static MovementIndexOptions ForDataDir(const std::string& dir);
};

// The id of the running kernel's boot (Linux: /proc/sys/kernel/random/boot_id), which changes
// at each boot; empty when it cannot be read.
std::string CurrentBootId();

// Counters since Open, for tests, /metrics and /healthz.
struct MovementIndexStats {
  uint64_t indexed_seq = 0;   // The watermark.
  size_t queued_records = 0;  // Published, not yet indexed.
  uint64_t overflows = 0;     // Times Publish dropped its queue.
  uint64_t catch_ups = 0;     // Journal scans begun.
  uint64_t rebuilds = 0;      // Times the index was emptied or recreated and refilled.
  uint64_t errors = 0;        // Failed indexing attempts (each retried after retry_delay).
  std::string last_error;     // The latest error, "" when none yet.
};

class MovementIndex {
 public:
  // Opens (or creates, or rebuilds) the index and starts its thread, which first catches up
  // from the journal. Returns:
  //  - kInvalidArgument "bad_index_path" when index_path is empty or names journal_path;
  //  - kFailedPrecondition "not_an_index" when index_path holds another SQLite database;
  //  - the read-only journal's errors ("journal_not_found", "journal_corrupt",
  //    "journal_unavailable", ...), or open_journal's;
  //  - kUnavailable "index_unavailable" / kInternal "index_error" when SQLite fails.
  static StatusOr<std::unique_ptr<MovementIndex>> Open(MovementIndexOptions options);

  // Stops the thread (see Stop).
  ~MovementIndex();
  MovementIndex(const MovementIndex&) = delete;
  MovementIndex& operator=(const MovementIndex&) = delete;

  // Hands committed records over to the indexer (copied). Returns at once; if the queue
  // would exceed its bounds, drops everything queued and schedules a catch-up from the
  // journal instead. Ignored after Stop(). Fits engine::SiteEngine::CommitListener.
  void Publish(std::span<const store::JournalRecord> records);

  // One page of the history of `code` (see ResolveHistoryCode), newest first, older than
  // `before` (all when absent), at most `limit` movements. Errors:
  //  - kInvalidArgument "bad_limit" unless 1 <= limit <= kMaxHistoryLimit;
  //  - the errors of ResolveHistoryCode ("unknown_code", GS1 reasons, "not_a_unit");
  //  - kUnavailable "index_unavailable", kDataLoss "index_corrupt", kInternal "index_error".
  // A code nothing happened to yet gives an empty page, not an error.
  StatusOr<HistoryPage> Lookup(std::string_view code, std::optional<HistoryCursor> before,
                               int64_t limit = kDefaultHistoryLimit);

  // The flow in [now_ms - window_ms, now_ms] (scan times). Errors: kInvalidArgument
  // "bad_window" unless 0 < window_ms <= kMaxFlowWindowMs; "bad_time" when |now_ms| is
  // beyond 2^53; the SQLite errors of Lookup.
  StatusOr<FlowReport> Flow(int64_t now_ms, int64_t window_ms);

  // The same window cut into buckets of `step_ms`, oldest first: bucket i covers
  // [now_ms - window_ms + i * step_ms, that + step_ms), the last one ending at now_ms
  // (throughput over the day, for dashboards). Errors: Flow's, and kInvalidArgument
  // "bad_step" unless 1 s <= step_ms <= window_ms, window_ms is a multiple of step_ms and
  // there are at most kMaxFlowSteps buckets.
  StatusOr<std::vector<FlowReport>> FlowSeries(int64_t now_ms, int64_t window_ms, int64_t step_ms);

  // Waits until every record up to `seq` is indexed, or `timeout` passed; true when indexed.
  // A record is indexed once published, or found by a catch-up.
  bool WaitForSeq(uint64_t seq, std::chrono::milliseconds timeout);

  uint64_t indexed_seq() const { return indexed_seq_.load(std::memory_order_acquire); }
  MovementIndexStats stats() const;

  // Stops the thread; what is queued stays unindexed until the next Open catches up.
  // Lookup and Flow keep answering. Idempotent.
  void Stop();

 private:
  MovementIndex(MovementIndexOptions options, std::unique_ptr<internal::MovementDb> writer,
                std::unique_ptr<internal::MovementDb> reader);

  void Run();
  // Indexes the queued records that follow the watermark, batch_records_max per
  // transaction; kAborted "index_gap" when they do not start right after it.
  Status IndexQueued(std::span<const store::JournalRecord> records);
  // Scans the journal from the watermark to its end, rebuilding first when the journal no
  // longer holds the watermark record.
  Status CatchUp();
  Status CheckJournalMatches(const store::Journal& journal);
  Status IndexAndAdvance(std::span<const store::JournalRecord> records);
  void RecordError(const Status& status);
  bool Stopping() const;

  MovementIndexOptions options_;
  std::unique_ptr<internal::MovementDb> writer_;  // Used by the thread only.

  std::mutex reader_mutex_;
  std::unique_ptr<internal::MovementDb> reader_;  // Guarded by reader_mutex_.

  mutable std::mutex mutex_;
  std::condition_variable wake_;             // The thread: work or stop.
  std::condition_variable indexed_;          // WaitForSeq: the watermark moved.
  std::vector<store::JournalRecord> queue_;  // Guarded by mutex_.
  size_t queue_bytes_ = 0;                   // Guarded by mutex_.
  bool catch_up_requested_ = false;          // Guarded by mutex_.
  bool stopping_ = false;                    // Guarded by mutex_.
  MovementIndexStats stats_;                 // Guarded by mutex_ (but indexed_seq).

  std::atomic<uint64_t> indexed_seq_{0};
  std::mutex stop_mutex_;  // Serialises Stop().
  std::thread thread_;
};

}  // namespace entrepot::server
