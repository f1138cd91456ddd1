// File: event_feed.h
//
// EventFeed is the live feed of a site's committed journal records, for dashboards (the
// /api/v1/events route, as JSON pages and Server-Sent Events):
//
//  - Publish() receives every batch right after its commit (engine::SiteEngine's commit
//    listener, on the sequencer thread). It copies the records into a bounded in-memory
//    window of recent records (bounded in records and in bytes; the oldest are dropped) and
//    wakes the waiting subscribers. It never waits for a reader or does I/O.
//  - Page(after, limit) returns the records after a seq: from the window when it covers
//    them, otherwise from a read-only store::Journal on the same file. A subscriber that
//    fell behind the window therefore simply continues from the journal; nothing is queued
//    per subscriber, so a slow one costs no memory beyond the page it is reading.
//  - Wait(after, ready) registers a one-shot callback for "a record after `after` exists"
//    (or the feed closed). No thread waits per subscriber: the callback runs on the
//    publishing thread and is expected to post to an executor (Asio) and return.
//
// Only records the engine reported committed are served: the feed's last_seq() is the
// engine's seq at construction, raised by each Publish; the reader's own LastSeq() is never
// consulted (whether a reader opened earlier sees later appends there depends on the
// backend). The reader is used only through Scan(), which queries the file on each call and
// so returns records appended after the reader was opened.
//
// The feed hands out records as stored (seq and encoded entry) without the idempotency key,
// which never leaves the journal; rendering (and leaving out the device and its state,
// RET-01) is the API's job (api/event_json.h).
//
// Thread safety: every method may be called from any thread. Journal reads are serialised
// on a mutex of their own, so Publish never waits for one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "entrepot/base/status.h"
#include "entrepot/store/journal.h"

namespace entrepot::server {

// Records a page holds at most (the API's largest `limit`).
inline constexpr size_t kMaxFeedPageRecords = 1000;
// A page stops once its payloads reach this many bytes (it always holds at least one record).
inline constexpr size_t kMaxFeedPageBytes = size_t{4} << 20;
// Default bounds of the in-memory window.
inline constexpr size_t kDefaultFeedWindowRecords = 100'000;
inline constexpr size_t kDefaultFeedWindowBytes = size_t{32} << 20;

struct EventFeedOptions {
  size_t window_records = kDefaultFeedWindowRecords;  // REQUIRES: >= 1.
  size_t window_bytes = kDefaultFeedWindowBytes;      // Payload bytes plus a per-record cost.
};

// One committed record as the feed keeps it: its seq and its encoded core::Entry.
struct FeedRecord {
  uint64_t seq = 0;
  std::string payload;
};
using FeedRecordPtr = std::shared_ptr<const FeedRecord>;

struct FeedPage {
  std::vector<FeedRecordPtr> records;  // Consecutive seqs from after + 1; may be empty.
  uint64_t last_seq = 0;               // The feed's last seq when the page was taken.
  bool from_journal = false;           // The window did not cover `after + 1`.
};

struct EventFeedStats {
  uint64_t last_seq = 0;
  uint64_t window_first_seq = 0;  // 0 when the window is empty.
  size_t window_records = 0;
  size_t window_bytes = 0;
  size_t waiters = 0;
  uint64_t pages_from_window = 0;
  uint64_t pages_from_journal = 0;
};

class EventFeed {
 public:
  using WaitId = uint64_t;
  // What Wait returns when no wait is needed: a record after `after` exists already, or the
  // feed is closed. The caller reads a page at once instead.
  static constexpr WaitId kNoWait = 0;

  // `journal` (a reader of the file the engine writes, opened read-only) serves the pages
  // the window does not cover; REQUIRES: not null. `last_seq` is the engine's last committed
  // seq when the feed starts: the records up to it are read from the journal.
  EventFeed(std::unique_ptr<store::Journal> journal, uint64_t last_seq,
            EventFeedOptions options = {});
  // Closes (see Close) if still open.
  ~EventFeed();
  EventFeed(const EventFeed&) = delete;
  EventFeed& operator=(const EventFeed&) = delete;

  // The commit listener: copies `records` (without their idempotency keys) into the window,
  // evicting the oldest past the window's bounds, then calls the waiters whose `after` is now
  // passed, outside the lock. Records at or below last_seq() are ignored; a gap (a seq above
  // last_seq() + 1) empties the window, the journal then serves the pages.
  void Publish(std::span<const store::JournalRecord> records);

  // Up to `limit` consecutive records with seq > `after`, at most kMaxFeedPageBytes of
  // payload (but at least one record when any exists), never beyond last_seq(). Empty when
  // `after` >= last_seq(). Errors:
  //   kInvalidArgument "bad_limit"  limit is 0 or above kMaxFeedPageRecords;
  //   the journal's Scan errors (kUnavailable "journal_unavailable", kDataLoss
  //   "journal_corrupt") when the page is read from the journal.
  StatusOr<FeedPage> Page(uint64_t after, size_t limit) const;

  // Registers `ready` to be called once, on the publishing thread (or the one calling
  // Close), when last_seq() exceeds `after` or the feed closes. Returns kNoWait, without
  // keeping or calling `ready`, when that is already the case. `ready` must be quick and must
  // not call back into the feed's Wait/CancelWait/Close (post to an executor instead).
  WaitId Wait(uint64_t after, std::function<void()> ready);

  // Removes a waiter. True when it was still registered (its `ready` will never be called);
  // false when it has been called, is being called, or `id` is unknown or kNoWait.
  bool CancelWait(WaitId id);

  // Wakes every waiter and makes later Wait calls return kNoWait; pages still work.
  // Idempotent.
  void Close();

  bool closed() const;
  uint64_t last_seq() const;
  EventFeedStats stats() const;

 private:
  struct Waiter {
    uint64_t after = 0;
    std::function<void()> ready;
  };

  // REQUIRES: mutex_ held. Appends one record (emptying the window first at a gap in the
  // seqs), then evicts the oldest records past the bounds.
  void AppendLocked(const store::JournalRecord& record);
  // Reads up to `limit` records in (after, until] from the journal.
  StatusOr<std::vector<FeedRecordPtr>> ReadJournal(uint64_t after, uint64_t until,
                                                   size_t limit) const;

  // What a record costs the window's byte bound besides its payload.
  static constexpr size_t kRecordOverheadBytes = 64;
  static size_t CostOf(size_t payload_bytes) { return payload_bytes + kRecordOverheadBytes; }

  EventFeedOptions options_;

  mutable std::mutex journal_mutex_;
  std::unique_ptr<store::Journal> journal_;  // Guarded by journal_mutex_.

  mutable std::mutex mutex_;
  std::deque<FeedRecordPtr> window_;         // Guarded by mutex_: consecutive seqs.
  size_t window_bytes_ = 0;                  // Guarded by mutex_.
  uint64_t last_seq_ = 0;                    // Guarded by mutex_.
  bool closed_ = false;                      // Guarded by mutex_.
  WaitId next_wait_id_ = 1;                  // Guarded by mutex_.
  std::map<WaitId, Waiter> waiters_;         // Guarded by mutex_.
  mutable uint64_t pages_from_window_ = 0;   // Guarded by mutex_.
  mutable uint64_t pages_from_journal_ = 0;  // Guarded by mutex_.
};

}  // namespace entrepot::server
