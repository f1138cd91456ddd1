#include "entrepot/server/movement_index.h"

#include <pthread.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <system_error>
#include <utility>
#include <vector>

#include "entrepot/base/status_macros.h"
#include "entrepot/server/movement_db.h"
#include "entrepot/server/thread_priority.h"
#include "entrepot/store/crc32c.h"
#include "entrepot/store/sqlite_journal.h"

namespace entrepot::server {
namespace {

// A catch-up ends its journal read transaction after this many records and starts a new
// one, so a long rebuild never pins the journal's WAL.
constexpr size_t kCatchUpChunkRecords = 65'536;
// A catch-up batch is also cut at this many payload bytes.
constexpr size_t kCatchUpBatchBytes = size_t{32} << 20;
// Flow times beyond this are refused (they overflow no arithmetic below it).
constexpr int64_t kMaxAbsTimeMs = int64_t{1} << 53;

Status CheckFlowWindow(int64_t now_ms, int64_t window_ms) {
  if (window_ms <= 0 || window_ms > kMaxFlowWindowMs) {
    return Error(StatusCode::kInvalidArgument, "bad_window",
                 "the flow window must be more than 0 and at most 24h, not " +
                     std::to_string(window_ms) + " ms");
  }
  if (now_ms > kMaxAbsTimeMs || now_ms < -kMaxAbsTimeMs) {
    return Error(StatusCode::kInvalidArgument, "bad_time",
                 "time " + std::to_string(now_ms) + " ms is out of range");
  }
  return OkStatus();
}

size_t QueuedBytes(const store::JournalRecord& record) {
  return sizeof(store::JournalRecord) + record.payload.size();
}

bool SamePath(const std::string& a, const std::string& b) {
  std::error_code error;
  const auto canonical_a = std::filesystem::weakly_canonical(a, error);
  const auto canonical_b = std::filesystem::weakly_canonical(b, error);
  return error ? a == b : canonical_a == canonical_b;
}

// A new reader of the journal the index follows.
StatusOr<std::unique_ptr<store::Journal>> OpenJournal(const MovementIndexOptions& options) {
  return options.open_journal ? options.open_journal()
                              : store::SqliteJournal::OpenReader(options.journal_path);
}

Status Stopped() { return Error(StatusCode::kAborted, "stopping", "the index is stopping"); }

}  // namespace

MovementIndexOptions MovementIndexOptions::ForDataDir(const std::string& dir) {
  MovementIndexOptions options;
  options.index_path = (std::filesystem::path(dir) / "index.db").string();
  options.journal_path = (std::filesystem::path(dir) / "journal.db").string();
  options.boot_id = CurrentBootId();
  return options;
}

std::string CurrentBootId() {
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::string id;
  std::getline(in, id);
  return id;
}

StatusOr<std::unique_ptr<MovementIndex>> MovementIndex::Open(MovementIndexOptions options) {
  if (options.index_path.empty() || SamePath(options.index_path, options.journal_path)) {
    return Error(StatusCode::kInvalidArgument, "bad_index_path",
                 "the movement index needs a file of its own beside the journal, such as "
                 "DIR/index.db (got \"" +
                     options.index_path + "\")");
  }
  if (options.batch_records_max == 0) {
    options.batch_records_max = 1;
  }
  // The journal must be readable now: catching up from it is how the index stays whole.
  ENTREPOT_RETURN_IF_ERROR(OpenJournal(options).status());
  bool recreated = false;
  ENTREPOT_ASSIGN_OR_RETURN(
      std::unique_ptr<internal::MovementDb> writer,
      internal::MovementDb::OpenWriter(options.index_path, options.boot_id, &recreated));
  ENTREPOT_ASSIGN_OR_RETURN(std::unique_ptr<internal::MovementDb> reader,
                            internal::MovementDb::OpenReader(options.index_path));
  ENTREPOT_ASSIGN_OR_RETURN(internal::MovementDb::Watermark watermark, writer->ReadWatermark());
  std::unique_ptr<MovementIndex> index(
      new MovementIndex(std::move(options), std::move(writer), std::move(reader)));
  index->indexed_seq_.store(watermark.seq, std::memory_order_release);
  index->stats_.rebuilds = recreated ? 1 : 0;
  index->thread_ = std::thread([raw = index.get()] { raw->Run(); });
  return index;
}

MovementIndex::MovementIndex(MovementIndexOptions options,
                             std::unique_ptr<internal::MovementDb> writer,
                             std::unique_ptr<internal::MovementDb> reader)
    : options_(std::move(options)), writer_(std::move(writer)), reader_(std::move(reader)) {}

MovementIndex::~MovementIndex() { Stop(); }

void MovementIndex::Stop() {
  std::lock_guard stop_lock(stop_mutex_);
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    // The journal keeps these records; the next Open catches up on them.
    queue_.clear();
    queue_bytes_ = 0;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
    // The thread is the writer's only user; after a failure the next boot rebuilds the index.
    if (Status closed = writer_->CloseCleanly(); !closed.ok()) {
      RecordError(closed);
    }
  }
}

bool MovementIndex::Stopping() const {
  std::lock_guard lock(mutex_);
  return stopping_;
}

void MovementIndex::Publish(std::span<const store::JournalRecord> records) {
  if (records.empty()) {
    return;
  }
  // Copied before taking the lock, so that the indexer never waits for the copies and the
  // committing thread never waits for more than a few moves.
  std::vector<store::JournalRecord> copies;
  copies.reserve(records.size());
  size_t bytes = 0;
  for (const store::JournalRecord& record : records) {
    // The idempotency key is not needed (and not kept: rule RET-01 keeps the index to
    // operational facts).
    copies.push_back(store::JournalRecord{record.seq, "", record.payload});
    bytes += QueuedBytes(record);
  }
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      return;
    }
    const bool was_empty = queue_.empty();
    if (queue_.size() + copies.size() > options_.queue_records_max ||
        queue_bytes_ + bytes > options_.queue_bytes_max) {
      // The journal holds these records: the indexer reads them back from there.
      queue_.clear();
      queue_bytes_ = 0;
      catch_up_requested_ = true;
      ++stats_.overflows;
    } else if (queue_.empty()) {
      queue_ = std::move(copies);
      queue_bytes_ = bytes;
    } else {
      queue_.insert(queue_.end(), std::make_move_iterator(copies.begin()),
                    std::make_move_iterator(copies.end()));
      queue_bytes_ += bytes;
    }
    // The thread sleeps while the queue is empty, then lets a batch gather: a wake-up at
    // every commit would only find it still gathering.
    wake = catch_up_requested_ || was_empty || queue_.size() >= options_.batch_records_max;
  }
  if (wake) {
    wake_.notify_one();
  }
}

void MovementIndex::Run() {
  pthread_setname_np(pthread_self(), "movement-index");  // For top -H, perf and gdb.
  LowerThreadPriority(options_.thread_nice);
  bool catch_up = true;  // The journal may hold records committed while no index ran.
  auto next_batch = std::chrono::steady_clock::now();
  while (true) {
    std::vector<store::JournalRecord> batch;
    {
      std::unique_lock lock(mutex_);
      wake_.wait_until(lock, next_batch, [&] {
        return stopping_ || catch_up || catch_up_requested_ ||
               queue_.size() >= options_.batch_records_max;
      });
      wake_.wait(lock,
                 [&] { return stopping_ || catch_up || catch_up_requested_ || !queue_.empty(); });
      if (stopping_) {
        return;
      }
      catch_up = catch_up || std::exchange(catch_up_requested_, false);
      if (!catch_up) {
        batch.swap(queue_);  // Everything published so far; the lock is held for no copy.
        queue_bytes_ = 0;
      }
    }
    Status status = catch_up ? CatchUp() : IndexQueued(batch);
    next_batch = std::chrono::steady_clock::now() + options_.batch_interval;
    if (status.ok()) {
      catch_up = false;
    } else if (status.reason() == "stopping") {
      return;
    } else if (status.reason() == "index_gap") {
      catch_up = true;
    } else {
      RecordError(status);
      catch_up = true;
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, options_.retry_delay, [this] { return stopping_; });
    }
  }
}

Status MovementIndex::IndexQueued(std::span<const store::JournalRecord> records) {
  const uint64_t next = indexed_seq() + 1;
  size_t begin = 0;
  while (begin < records.size() && records[begin].seq < next) {
    ++begin;  // Already indexed by a catch-up.
  }
  size_t end = begin;
  while (end < records.size() && records[end].seq == next + (end - begin)) {
    ++end;
  }
  // One transaction per batch_records_max records.
  for (size_t from = begin; from < end; from += options_.batch_records_max) {
    if (Stopping()) {
      return Stopped();  // The journal keeps the rest; the next Open catches up.
    }
    const size_t count = std::min(options_.batch_records_max, end - from);
    ENTREPOT_RETURN_IF_ERROR(IndexAndAdvance(records.subspan(from, count)));
  }
  if (end < records.size()) {
    return Error(StatusCode::kAborted, "index_gap",
                 "published seq " + std::to_string(records[end].seq) + " does not follow " +
                     std::to_string(indexed_seq()));
  }
  return OkStatus();
}

Status MovementIndex::IndexAndAdvance(std::span<const store::JournalRecord> records) {
  if (records.empty()) {
    return OkStatus();
  }
  ENTREPOT_RETURN_IF_ERROR(writer_->IndexBatch(records));
  indexed_seq_.store(records.back().seq, std::memory_order_release);
  {
    std::lock_guard lock(mutex_);  // Orders the store before a waiter's check.
  }
  indexed_.notify_all();
  return OkStatus();
}

Status MovementIndex::CheckJournalMatches(const store::Journal& journal) {
  const uint64_t seq = indexed_seq();
  if (seq == 0) {
    return OkStatus();
  }
  ENTREPOT_ASSIGN_OR_RETURN(internal::MovementDb::Watermark watermark, writer_->ReadWatermark());
  std::optional<uint32_t> journal_crc;
  Status scan = journal.Scan(seq - 1, [&](const store::JournalRecord& record) {
    journal_crc = store::Crc32c(record.payload);
    return Error(StatusCode::kAborted, "scan_stopped", "one record is enough");
  });
  if (!scan.ok() && scan.reason() != "scan_stopped") {
    return scan;
  }
  if (journal_crc == watermark.crc) {
    return OkStatus();
  }
  // The journal beside the index is not the one it was built from: start again.
  ENTREPOT_RETURN_IF_ERROR(writer_->Clear());
  indexed_seq_.store(0, std::memory_order_release);
  std::lock_guard lock(mutex_);
  ++stats_.rebuilds;
  return OkStatus();
}

Status MovementIndex::CatchUp() {
  {
    std::lock_guard lock(mutex_);
    ++stats_.catch_ups;
  }
  ENTREPOT_ASSIGN_OR_RETURN(std::unique_ptr<store::Journal> journal, OpenJournal(options_));
  ENTREPOT_RETURN_IF_ERROR(CheckJournalMatches(*journal));
  std::vector<store::JournalRecord> batch;
  size_t batch_bytes = 0;
  auto flush = [&]() -> Status {
    Status status = IndexAndAdvance(batch);
    batch.clear();
    batch_bytes = 0;
    return status;
  };
  while (true) {
    size_t seen = 0;
    Status status = journal->Scan(indexed_seq(), [&](const store::JournalRecord& record) {
      if (Stopping()) {
        return Stopped();
      }
      batch.push_back(store::JournalRecord{record.seq, "", record.payload});
      batch_bytes += record.payload.size();
      if (batch.size() >= options_.batch_records_max || batch_bytes >= kCatchUpBatchBytes) {
        ENTREPOT_RETURN_IF_ERROR(flush());
      }
      return ++seen < kCatchUpChunkRecords
                 ? OkStatus()
                 : Error(StatusCode::kAborted, "chunk_done", "start a new read");
    });
    if (!status.ok() && status.reason() != "chunk_done") {
      return status;
    }
    ENTREPOT_RETURN_IF_ERROR(flush());
    if (status.ok()) {
      return OkStatus();
    }
  }
}

void MovementIndex::RecordError(const Status& status) {
  std::lock_guard lock(mutex_);
  ++stats_.errors;
  stats_.last_error = status.ToString();
  // Whatever was queued is read back from the journal by the catch-up that follows.
  queue_.clear();
  queue_bytes_ = 0;
}

StatusOr<HistoryPage> MovementIndex::Lookup(std::string_view code,
                                            std::optional<HistoryCursor> before, int64_t limit) {
  if (limit < 1 || limit > kMaxHistoryLimit) {
    return Error(StatusCode::kInvalidArgument, "bad_limit",
                 "limit must be from 1 to " + std::to_string(kMaxHistoryLimit) + ", not " +
                     std::to_string(limit));
  }
  ENTREPOT_ASSIGN_OR_RETURN(HistorySubject subject, ResolveHistoryCode(code));
  const HistoryCursor cursor =
      before.value_or(HistoryCursor{static_cast<uint64_t>(std::numeric_limits<int64_t>::max()), 0});
  StatusOr<HistoryPage> page = [&] {
    std::lock_guard lock(reader_mutex_);
    return reader_->ReadHistory(subject, cursor, limit);
  }();
  if (page.ok() && page->movements.size() > static_cast<size_t>(limit)) {
    page->movements.pop_back();
    page->next = HistoryCursor{page->movements.back().seq, page->movements.back().ord};
  }
  return page;
}

StatusOr<FlowReport> MovementIndex::Flow(int64_t now_ms, int64_t window_ms) {
  ENTREPOT_RETURN_IF_ERROR(CheckFlowWindow(now_ms, window_ms));
  std::lock_guard lock(reader_mutex_);
  return reader_->ReadFlow(now_ms - window_ms, now_ms);
}

StatusOr<std::vector<FlowReport>> MovementIndex::FlowSeries(int64_t now_ms, int64_t window_ms,
                                                            int64_t step_ms) {
  ENTREPOT_RETURN_IF_ERROR(CheckFlowWindow(now_ms, window_ms));
  if (step_ms < 1000 || step_ms > window_ms || window_ms % step_ms != 0 ||
      window_ms / step_ms > kMaxFlowSteps) {
    return Error(StatusCode::kInvalidArgument, "bad_step",
                 "the step must divide the window into 1 to " + std::to_string(kMaxFlowSteps) +
                     " buckets of at least 1s (window=24h&step=1h, say)");
  }
  std::vector<FlowReport> buckets;
  std::lock_guard lock(reader_mutex_);
  for (int64_t from = now_ms - window_ms; from < now_ms; from += step_ms) {
    ENTREPOT_ASSIGN_OR_RETURN(FlowReport bucket, reader_->ReadFlow(from, from + step_ms - 1));
    buckets.push_back(std::move(bucket));
  }
  return buckets;
}

bool MovementIndex::WaitForSeq(uint64_t seq, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return indexed_.wait_for(lock, timeout, [&] { return indexed_seq() >= seq; });
}

MovementIndexStats MovementIndex::stats() const {
  std::lock_guard lock(mutex_);
  MovementIndexStats stats = stats_;
  stats.indexed_seq = indexed_seq();
  stats.queued_records = queue_.size();
  return stats;
}

}  // namespace entrepot::server
