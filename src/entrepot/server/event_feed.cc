#include "entrepot/server/event_feed.h"

#include <utility>

#include "entrepot/base/check.h"

namespace entrepot::server {

EventFeed::EventFeed(std::unique_ptr<store::Journal> journal, uint64_t last_seq,
                     EventFeedOptions options)
    : options_(options), journal_(std::move(journal)), last_seq_(last_seq) {
  ENTREPOT_CHECK(journal_ != nullptr);
  ENTREPOT_CHECK(options_.window_records >= 1);
}

EventFeed::~EventFeed() { Close(); }

void EventFeed::AppendLocked(const store::JournalRecord& record) {
  if (record.seq != last_seq_ + 1) {
    // The window holds consecutive seqs only; the journal covers what is skipped.
    window_.clear();
    window_bytes_ = 0;
  }
  window_.push_back(std::make_shared<const FeedRecord>(FeedRecord{record.seq, record.payload}));
  window_bytes_ += CostOf(record.payload.size());
  last_seq_ = record.seq;
  while (window_.size() > options_.window_records ||
         (window_bytes_ > options_.window_bytes && !window_.empty())) {
    window_bytes_ -= CostOf(window_.front()->payload.size());
    window_.pop_front();
  }
}

void EventFeed::Publish(std::span<const store::JournalRecord> records) {
  std::vector<std::function<void()>> wake;
  {
    std::lock_guard lock(mutex_);
    size_t first_new = 0;
    while (first_new < records.size() && records[first_new].seq <= last_seq_) {
      ++first_new;  // Already published: a duplicate delivery changes nothing.
    }
    // Copy only the newest records that fit the window: for a batch larger than the window
    // the older ones would be evicted at once, and so would everything before them.
    size_t start = records.size();
    size_t count = 0;
    size_t bytes = 0;
    while (start > first_new) {
      size_t cost = CostOf(records[start - 1].payload.size());
      if (count + 1 > options_.window_records || bytes + cost > options_.window_bytes) {
        break;
      }
      ++count;
      bytes += cost;
      --start;
    }
    if (start > first_new) {
      window_.clear();
      window_bytes_ = 0;
      last_seq_ = records[start - 1].seq;
    }
    for (size_t i = start; i < records.size(); ++i) {
      AppendLocked(records[i]);
    }
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      if (it->second.after < last_seq_) {
        wake.push_back(std::move(it->second.ready));
        it = waiters_.erase(it);
      } else {
        ++it;
      }
    }
  }
  // Outside the lock: a callback may read a page (from another thread) at once.
  for (std::function<void()>& ready : wake) {
    ready();
  }
}

StatusOr<FeedPage> EventFeed::Page(uint64_t after, size_t limit) const {
  if (limit == 0 || limit > kMaxFeedPageRecords) {
    return Error(StatusCode::kInvalidArgument, "bad_limit",
                 "a page holds 1 to " + std::to_string(kMaxFeedPageRecords) + " records");
  }
  FeedPage page;
  {
    std::lock_guard lock(mutex_);
    page.last_seq = last_seq_;
    if (after >= last_seq_) {
      ++pages_from_window_;
      return page;
    }
    if (!window_.empty() && window_.front()->seq <= after + 1) {
      size_t bytes = 0;
      for (size_t i = after + 1 - window_.front()->seq;
           i < window_.size() && page.records.size() < limit && bytes < kMaxFeedPageBytes; ++i) {
        page.records.push_back(window_[i]);
        bytes += window_[i]->payload.size();
      }
      ++pages_from_window_;
      return page;
    }
    ++pages_from_journal_;
  }
  // The window starts after `after + 1` (or is empty): read from the journal without holding
  // the window's lock, so Publish never waits for SQLite.
  StatusOr<std::vector<FeedRecordPtr>> records = ReadJournal(after, page.last_seq, limit);
  if (!records.ok()) {
    return records.status();
  }
  page.records = *std::move(records);
  page.from_journal = true;
  return page;
}

StatusOr<std::vector<FeedRecordPtr>> EventFeed::ReadJournal(uint64_t after, uint64_t until,
                                                            size_t limit) const {
  std::vector<FeedRecordPtr> out;
  size_t bytes = 0;
  bool stopped = false;
  auto stop = [&stopped] {
    stopped = true;
    return Error(StatusCode::kAborted, "page_full", "the page is full");
  };
  std::lock_guard lock(journal_mutex_);
  // Scan queries the file on each call, so it sees records appended since the reader
  // opened; `until` (the published seq) is the end, never the reader's LastSeq().
  Status scanned = journal_->Scan(after, [&](const store::JournalRecord& record) -> Status {
    if (record.seq > until) {
      return stop();  // Not yet published: the engine has not reported it committed.
    }
    out.push_back(std::make_shared<const FeedRecord>(FeedRecord{record.seq, record.payload}));
    bytes += record.payload.size();
    if (out.size() >= limit || bytes >= kMaxFeedPageBytes) {
      return stop();
    }
    return OkStatus();
  });
  if (!scanned.ok() && !stopped) {
    return scanned;
  }
  return out;
}

EventFeed::WaitId EventFeed::Wait(uint64_t after, std::function<void()> ready) {
  std::lock_guard lock(mutex_);
  if (closed_ || last_seq_ > after) {
    return kNoWait;
  }
  WaitId id = next_wait_id_++;
  waiters_.emplace(id, Waiter{after, std::move(ready)});
  return id;
}

bool EventFeed::CancelWait(WaitId id) {
  std::lock_guard lock(mutex_);
  return waiters_.erase(id) > 0;
}

void EventFeed::Close() {
  std::map<WaitId, Waiter> wake;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    wake.swap(waiters_);
  }
  for (auto& [id, waiter] : wake) {
    waiter.ready();
  }
}

bool EventFeed::closed() const {
  std::lock_guard lock(mutex_);
  return closed_;
}

uint64_t EventFeed::last_seq() const {
  std::lock_guard lock(mutex_);
  return last_seq_;
}

EventFeedStats EventFeed::stats() const {
  std::lock_guard lock(mutex_);
  EventFeedStats stats;
  stats.last_seq = last_seq_;
  stats.window_first_seq = window_.empty() ? 0 : window_.front()->seq;
  stats.window_records = window_.size();
  stats.window_bytes = window_bytes_;
  stats.waiters = waiters_.size();
  stats.pages_from_window = pages_from_window_;
  stats.pages_from_journal = pages_from_journal_;
  return stats;
}

}  // namespace entrepot::server
