// EventFeed: pages from the window and from a read-only SQLite journal written meanwhile,
// eviction by records and bytes, waiter wake-ups, limits, and a publisher racing readers.
#include "entrepot/server/event_feed.h"

#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "entrepot/store/sqlite_journal.h"
#include "gtest/gtest.h"

namespace entrepot::server {
namespace {

store::JournalRecord Record(uint64_t seq, size_t payload_bytes = 0) {
  std::string payload = "entry " + std::to_string(seq);
  payload.resize(std::max(payload.size(), payload_bytes), 'x');
  return store::JournalRecord{seq, "key-" + std::to_string(seq), std::move(payload)};
}

std::vector<store::JournalRecord> Batch(uint64_t first, uint64_t last, size_t payload_bytes = 0) {
  std::vector<store::JournalRecord> out;
  for (uint64_t seq = first; seq <= last; ++seq) {
    out.push_back(Record(seq, payload_bytes));
  }
  return out;
}

std::vector<uint64_t> Seqs(const FeedPage& page) {
  std::vector<uint64_t> out;
  for (const FeedRecordPtr& record : page.records) {
    out.push_back(record->seq);
  }
  return out;
}

std::vector<uint64_t> Range(uint64_t first, uint64_t last) {
  std::vector<uint64_t> out;
  for (uint64_t seq = first; seq <= last; ++seq) {
    out.push_back(seq);
  }
  return out;
}

// A journal whose Scan fails: the feed must pass the error on.
class FailingJournal : public store::Journal {
 public:
  Status Append(std::span<const store::JournalRecord>) override { return OkStatus(); }
  uint64_t LastSeq() const override { return 0; }
  Status Scan(uint64_t, const std::function<Status(const store::JournalRecord&)>&) const override {
    return Error(StatusCode::kUnavailable, "journal_unavailable", "disk gone");
  }
  Status WriteSnapshot(const store::Snapshot&) override { return OkStatus(); }
  StatusOr<std::optional<store::Snapshot>> LatestSnapshot() const override {
    return std::optional<store::Snapshot>();
  }
  Status CheckIntegrity() const override { return OkStatus(); }
};

// A writer journal in a temporary directory, and read-only readers of the same file.
class EventFeedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "event_feed_test.XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    auto writer = store::SqliteJournal::Open(dir_ + "/journal.db");
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
    writer_ = *std::move(writer);
  }
  void TearDown() override {
    writer_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::unique_ptr<store::Journal> Reader() {
    store::SqliteJournal::Options options;
    options.read_only = true;
    auto reader = store::SqliteJournal::Open(dir_ + "/journal.db", options);
    EXPECT_TRUE(reader.ok()) << reader.status().ToString();
    return reader.ok() ? *std::move(reader) : nullptr;
  }
  // Commits `records` as the engine does, then hands them to the feed as its listener does.
  void Commit(EventFeed& feed, const std::vector<store::JournalRecord>& records) {
    ASSERT_TRUE(writer_->Append(records).ok());
    feed.Publish(records);
  }

  std::string dir_;
  std::unique_ptr<store::SqliteJournal> writer_;
};

TEST_F(EventFeedTest, PagesFromTheWindowWithoutKeys) {
  EventFeed feed(Reader(), 0);
  Commit(feed, Batch(1, 10));
  StatusOr<FeedPage> first = feed.Page(0, 4);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(Seqs(*first), Range(1, 4));
  EXPECT_FALSE(first->from_journal);
  EXPECT_EQ(first->last_seq, 10u);
  EXPECT_EQ(first->records[0]->payload, "entry 1");
  StatusOr<FeedPage> rest = feed.Page(4, 100);
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(Seqs(*rest), Range(5, 10));
  StatusOr<FeedPage> end = feed.Page(10, 100);
  ASSERT_TRUE(end.ok());
  EXPECT_TRUE(end->records.empty());
  EXPECT_TRUE(feed.Page(99, 1)->records.empty());  // Beyond the end: empty, not an error.
  EXPECT_EQ(feed.stats().pages_from_journal, 0u);
}

TEST_F(EventFeedTest, OlderRecordsComeFromTheJournal) {
  ASSERT_TRUE(writer_->Append(Batch(1, 20)).ok());  // Before the server started.
  EventFeed feed(Reader(), 20, EventFeedOptions{.window_records = 5});
  Commit(feed, Batch(21, 30));
  EXPECT_EQ(feed.stats().window_first_seq, 26u);
  StatusOr<FeedPage> old = feed.Page(0, 7);
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  EXPECT_TRUE(old->from_journal);
  EXPECT_EQ(Seqs(*old), Range(1, 7));
  EXPECT_EQ(old->records[6]->payload, "entry 7");
  // Across the window's start, still one consecutive page.
  StatusOr<FeedPage> across = feed.Page(22, 100);
  ASSERT_TRUE(across.ok());
  EXPECT_TRUE(across->from_journal);
  EXPECT_EQ(Seqs(*across), Range(23, 30));
  StatusOr<FeedPage> recent = feed.Page(25, 100);
  ASSERT_TRUE(recent.ok());
  EXPECT_FALSE(recent->from_journal);
  EXPECT_EQ(Seqs(*recent), Range(26, 30));
  EXPECT_EQ(feed.stats().pages_from_journal, 2u);
}

TEST_F(EventFeedTest, AReaderOpenedEarlierStillServesLaterRecords) {
  // Opened on an empty file: everything below was appended after it.
  EventFeed feed(Reader(), 0, EventFeedOptions{.window_records = 3});
  Commit(feed, Batch(1, 12));
  Commit(feed, Batch(13, 15));
  StatusOr<FeedPage> page = feed.Page(0, 1000);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_TRUE(page->from_journal);
  EXPECT_EQ(Seqs(*page), Range(1, 15));
}

TEST_F(EventFeedTest, NeverServesRecordsNotYetPublished) {
  EventFeed feed(Reader(), 0, EventFeedOptions{.window_records = 2});
  std::vector<store::JournalRecord> batch = Batch(1, 10);
  ASSERT_TRUE(writer_->Append(batch).ok());
  feed.Publish(std::span(batch).first(6));  // 7..10 are in the file, not yet reported.
  StatusOr<FeedPage> page = feed.Page(0, 100);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(Seqs(*page), Range(1, 6));
  EXPECT_EQ(page->last_seq, 6u);
}

TEST_F(EventFeedTest, WindowIsBoundedByRecordsAndBytes) {
  EventFeed by_count(Reader(), 0, EventFeedOptions{.window_records = 4});
  Commit(by_count, Batch(1, 3));
  Commit(by_count, Batch(4, 6));
  EventFeedStats stats = by_count.stats();
  EXPECT_EQ(stats.window_records, 4u);
  EXPECT_EQ(stats.window_first_seq, 3u);
  EXPECT_EQ(stats.last_seq, 6u);
  // A batch larger than the window keeps only its newest records.
  Commit(by_count, Batch(7, 100));
  EXPECT_EQ(by_count.stats().window_first_seq, 97u);
  EXPECT_EQ(by_count.stats().window_records, 4u);

  // 1000-byte payloads cost a little more than 1000 bytes: 3 fit in 3500, not 4.
  EventFeed by_bytes(Reader(), 100, EventFeedOptions{.window_bytes = 3500});
  Commit(by_bytes, Batch(101, 102, 1000));
  EXPECT_EQ(by_bytes.stats().window_records, 2u);
  Commit(by_bytes, Batch(103, 105, 1000));
  stats = by_bytes.stats();
  EXPECT_EQ(stats.window_records, 3u);
  EXPECT_EQ(stats.window_first_seq, 103u);
  EXPECT_LE(stats.window_bytes, 3500u);
  // A record larger than the whole window is not kept, yet served from the journal.
  Commit(by_bytes, Batch(106, 106, 10'000));
  EXPECT_EQ(by_bytes.stats().window_records, 0u);
  StatusOr<FeedPage> page = by_bytes.Page(105, 10);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->from_journal);
  ASSERT_EQ(Seqs(*page), Range(106, 106));
  EXPECT_EQ(page->records[0]->payload.size(), 10'000u);
}

TEST_F(EventFeedTest, PagesAreBoundedByLimitAndBytes) {
  EventFeed feed(Reader(), 0);
  for (uint64_t limit : {uint64_t{0}, uint64_t{kMaxFeedPageRecords + 1}}) {
    StatusOr<FeedPage> refused = feed.Page(0, limit);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.status().reason(), "bad_limit");
    EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  }
  Commit(feed, Batch(1, 1500));
  EXPECT_EQ(feed.Page(0, kMaxFeedPageRecords)->records.size(), kMaxFeedPageRecords);
  // Megabyte payloads: a page stops once it holds kMaxFeedPageBytes.
  Commit(feed, Batch(1501, 1510, size_t{1} << 20));
  StatusOr<FeedPage> big = feed.Page(1500, 100);
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(big->records.size(), kMaxFeedPageBytes / (size_t{1} << 20));
  // The same bound applies to pages read from the journal.
  EventFeed cold(Reader(), 1510, EventFeedOptions{.window_records = 1});
  StatusOr<FeedPage> from_journal = cold.Page(1500, 100);
  ASSERT_TRUE(from_journal.ok()) << from_journal.status().ToString();
  EXPECT_TRUE(from_journal->from_journal);
  EXPECT_EQ(Seqs(*from_journal), Range(1501, 1504));
}

TEST_F(EventFeedTest, DuplicatesAreIgnoredAndAGapEmptiesTheWindow) {
  EventFeed feed(Reader(), 0);
  Commit(feed, Batch(1, 5));
  feed.Publish(Batch(3, 5));  // Delivered twice: no change.
  EXPECT_EQ(feed.stats().window_records, 5u);
  EXPECT_EQ(Seqs(*feed.Page(0, 100)), Range(1, 5));
  // 6..8 never reached the feed (say, a listener installed late): the window restarts at 9
  // and the journal fills the gap.
  ASSERT_TRUE(writer_->Append(Batch(6, 8)).ok());
  Commit(feed, Batch(9, 10));
  EXPECT_EQ(feed.stats().window_first_seq, 9u);
  StatusOr<FeedPage> page = feed.Page(0, 100);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->from_journal);
  EXPECT_EQ(Seqs(*page), Range(1, 10));
}

TEST_F(EventFeedTest, JournalErrorsArePassedOn) {
  EventFeed feed(std::make_unique<FailingJournal>(), 10);
  StatusOr<FeedPage> page = feed.Page(0, 10);
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.status().reason(), "journal_unavailable");
  EXPECT_TRUE(feed.Page(10, 10).ok());  // Nothing to read: no journal access.
}

TEST_F(EventFeedTest, WaitersWakeOnceWhenTheirRecordArrives) {
  EventFeed feed(Reader(), 0);
  Commit(feed, Batch(1, 2));
  int early = 0;
  int late = 0;
  int cancelled = 0;
  EXPECT_EQ(feed.Wait(1, [&] { ++early; }), EventFeed::kNoWait);  // 2 exists already.
  EventFeed::WaitId next = feed.Wait(2, [&] { ++early; });
  EventFeed::WaitId far = feed.Wait(3, [&] { ++late; });
  EventFeed::WaitId dropped = feed.Wait(2, [&] { ++cancelled; });
  ASSERT_NE(next, EventFeed::kNoWait);
  ASSERT_NE(far, EventFeed::kNoWait);
  EXPECT_EQ(feed.stats().waiters, 3u);
  EXPECT_TRUE(feed.CancelWait(dropped));
  EXPECT_FALSE(feed.CancelWait(dropped));
  Commit(feed, Batch(3, 3));
  EXPECT_EQ(early, 1);
  EXPECT_EQ(late, 0);                   // Waits for a seq after 3.
  EXPECT_FALSE(feed.CancelWait(next));  // Already called.
  Commit(feed, Batch(4, 4));
  Commit(feed, Batch(5, 5));
  EXPECT_EQ(early, 1);
  EXPECT_EQ(late, 1);
  EXPECT_EQ(cancelled, 0);
  EXPECT_EQ(feed.stats().waiters, 0u);
}

TEST_F(EventFeedTest, CloseWakesEveryWaiterAndEndsWaiting) {
  EventFeed feed(Reader(), 0);
  int woken = 0;
  ASSERT_NE(feed.Wait(0, [&] { ++woken; }), EventFeed::kNoWait);
  ASSERT_NE(feed.Wait(7, [&] { ++woken; }), EventFeed::kNoWait);
  feed.Close();
  EXPECT_EQ(woken, 2);
  EXPECT_TRUE(feed.closed());
  EXPECT_EQ(feed.Wait(0, [&] { ++woken; }), EventFeed::kNoWait);
  feed.Close();
  EXPECT_EQ(woken, 2);
  Commit(feed, Batch(1, 1));
  EXPECT_EQ(Seqs(*feed.Page(0, 10)), Range(1, 1));  // Pages still work.
}

// Subscribers page and wait exactly as the SSE stream does, while one thread commits small
// batches into a small window: each sees every seq once, in order, whether it read from the
// window or fell behind into the journal.
TEST_F(EventFeedTest, SubscribersRacingThePublisherSeeEverySeqOnce) {
  constexpr uint64_t kLast = 3000;
  EventFeed feed(Reader(), 0, EventFeedOptions{.window_records = 20});
  // The slow one pauses after each page, so it falls behind the window now and then.
  auto subscribe = [&](size_t page_limit, std::chrono::microseconds pause,
                       std::vector<uint64_t>* seen) {
    std::mutex mutex;
    std::condition_variable woken;
    bool ready = false;
    uint64_t after = 0;
    while (after < kLast) {
      StatusOr<FeedPage> page = feed.Page(after, page_limit);
      ASSERT_TRUE(page.ok()) << page.status().ToString();
      for (const FeedRecordPtr& record : page->records) {
        seen->push_back(record->seq);
        after = record->seq;
      }
      if (!page->records.empty()) {
        std::this_thread::sleep_for(pause);
        continue;
      }
      {
        std::lock_guard lock(mutex);
        ready = false;
      }
      EventFeed::WaitId id = feed.Wait(after, [&] {
        std::lock_guard lock(mutex);
        ready = true;
        woken.notify_one();
      });
      if (id != EventFeed::kNoWait) {
        std::unique_lock lock(mutex);
        woken.wait(lock, [&] { return ready; });
      }
    }
  };
  std::vector<uint64_t> fast;
  std::vector<uint64_t> slow;
  std::thread fast_reader(subscribe, 500, std::chrono::microseconds(0), &fast);
  std::thread slow_reader(subscribe, 3, std::chrono::microseconds(1500), &slow);
  for (uint64_t first = 1; first <= kLast; first += 7) {
    Commit(feed, Batch(first, std::min(first + 6, kLast)));
  }
  fast_reader.join();
  slow_reader.join();
  EXPECT_EQ(fast, Range(1, kLast));
  EXPECT_EQ(slow, Range(1, kLast));
  std::cout << "pages from the journal: " << feed.stats().pages_from_journal << "\n";
}

}  // namespace
}  // namespace entrepot::server
