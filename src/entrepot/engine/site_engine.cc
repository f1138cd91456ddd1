#include "entrepot/engine/site_engine.h"

#include <pthread.h>

#include <algorithm>
#include <iterator>
#include <utility>
#include <variant>

#include "entrepot/base/status_macros.h"
#include "entrepot/core/codec.h"

namespace entrepot::engine {

using core::Entry;
using store::JournalRecord;

SiteEngine::SiteEngine(std::unique_ptr<store::Journal> journal, EngineOptions options,
                       core::Site site, uint64_t last_seq, uint64_t snapshot_seq)
    : journal_(std::move(journal)),
      options_(options),
      site_(std::move(site)),
      last_seq_(last_seq),
      snapshot_seq_(snapshot_seq),
      committed_seq_(last_seq) {}

SiteEngine::~SiteEngine() {
  {
    std::lock_guard lock(pipeline_mutex_);
    writer_stop_ = true;
  }
  pipeline_changed_.notify_all();
  if (writer_.joinable()) {
    writer_.join();  // The writer empties its queue before it returns.
  }
}

StatusOr<std::unique_ptr<SiteEngine>> SiteEngine::Open(std::unique_ptr<store::Journal> journal,
                                                       EngineOptions options) {
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<store::Snapshot> snapshot, journal->LatestSnapshot());
  uint64_t snapshot_seq = 0;
  core::Site site(options.site);
  if (snapshot) {
    ENTREPOT_ASSIGN_OR_RETURN(core::SiteState state, core::SiteState::Decode(snapshot->payload));
    site = core::Site(options.site, std::move(state));
    snapshot_seq = snapshot->seq;
  }
  const uint64_t last_seq = journal->LastSeq();
  // The keys of the last `window` records, plus one record before them: remembering it
  // overflows the window by one, so the site knows a time before which it has forgotten
  // keys (see Site::Execute on kTooOld). That time is a lower bound of the one before the
  // restart, so a restart may accept an old replay the running engine would have refused,
  // never the other way round.
  const uint64_t window = options.site.idempotency_window;
  const uint64_t keys_from = last_seq > window ? last_seq - window - 1 : 0;
  const uint64_t scan_from = std::min(snapshot_seq, keys_from);
  Status scanned = journal->Scan(scan_from, [&](const JournalRecord& record) -> Status {
    if (record.seq <= snapshot_seq) {
      if (!record.idempotency_key.empty()) {
        StatusOr<int64_t> at_ms = core::DecodeEntryTime(record.payload);
        if (!at_ms.ok()) {
          return at_ms.status().WithContext("journal record " + std::to_string(record.seq));
        }
        site.RememberKey(record.idempotency_key, record.seq, *at_ms);
      }
      return OkStatus();
    }
    StatusOr<Entry> entry = core::DecodeEntry(record.payload);
    if (!entry.ok()) {
      return entry.status().WithContext("journal record " + std::to_string(record.seq));
    }
    entry->seq = record.seq;
    site.Replay(*entry);
    return OkStatus();
  });
  ENTREPOT_RETURN_IF_ERROR(scanned);
  return std::unique_ptr<SiteEngine>(
      new SiteEngine(std::move(journal), options, std::move(site), last_seq, snapshot_seq));
}

StatusOr<core::Reply> SiteEngine::ReplyOf(uint64_t seq, const std::string& key) const {
  StatusOr<JournalRecord> read = [&] {
    std::lock_guard lock(journal_mutex_);
    return journal_->Read(seq);
  }();
  ENTREPOT_ASSIGN_OR_RETURN(JournalRecord record, std::move(read));
  if (record.idempotency_key != key) {
    return Error(StatusCode::kNotFound, "key_mismatch", "hash collision");
  }
  ENTREPOT_ASSIGN_OR_RETURN(Entry entry, core::DecodeEntry(record.payload));
  return entry.reply;
}

Status SiteEngine::CheckBatchSize(size_t commands) const {
  if (commands > options_.batch_commands_max) {
    return Error(StatusCode::kResourceExhausted, "batch_too_large",
                 "a batch holds at most " + std::to_string(options_.batch_commands_max) +
                     " commands, got " + std::to_string(commands));
  }
  return OkStatus();
}

Status SiteEngine::EngineFailed() {
  return Error(StatusCode::kUnavailable, "engine_failed",
               "a commit failed earlier; reopen the site to rebuild its state");
}

StatusOr<std::vector<ScanReply>> SiteEngine::Execute(std::span<const core::ScanCommand> commands) {
  ENTREPOT_RETURN_IF_ERROR(Drain());
  ENTREPOT_RETURN_IF_ERROR(CheckBatchSize(commands.size()));
  std::vector<JournalRecord> records;
  std::vector<ScanReply> replies;
  ENTREPOT_RETURN_IF_ERROR(Decide(commands, records, replies));
  ENTREPOT_RETURN_IF_ERROR(Commit(records));
  MaybeSnapshot();
  return replies;
}

Status SiteEngine::ExecuteAsync(std::span<const core::ScanCommand> commands, ScanDone done) {
  if (failed()) {
    return EngineFailed();
  }
  ENTREPOT_RETURN_IF_ERROR(CheckBatchSize(commands.size()));
  PendingBatch batch;
  ENTREPOT_RETURN_IF_ERROR(Decide(commands, batch.records, batch.replies));
  batch.done = std::move(done);
  for (const JournalRecord& record : batch.records) {
    batch.bytes += record.idempotency_key.size() + record.payload.size();
  }
  if (!batch.records.empty()) {
    last_seq_ = batch.records.back().seq;
  }
  const size_t count = batch.records.size();
  {
    std::unique_lock lock(pipeline_mutex_);
    if (!writer_.joinable()) {
      writer_ = std::thread([this] { WriteQueued(); });
    }
    // Backpressure: the state may run ahead of the journal by a bounded number of records.
    pipeline_changed_.wait(lock, [&] {
      return pipeline_records_ < options_.pipeline_records_max ||
             (pipeline_.empty() && !writer_busy_);
    });
    pipeline_.push_back(std::move(batch));
    pipeline_records_ += count;
  }
  pipeline_changed_.notify_all();
  MaybeSnapshot();  // Drains first, when a snapshot is due.
  return OkStatus();
}

Status SiteEngine::Drain() {
  {
    std::unique_lock lock(pipeline_mutex_);
    pipeline_changed_.wait(lock, [this] { return pipeline_.empty() && !writer_busy_; });
  }
  return failed() ? EngineFailed() : OkStatus();
}

Status SiteEngine::Decide(std::span<const core::ScanCommand> commands,
                          std::vector<JournalRecord>& records, std::vector<ScanReply>& replies) {
  records.reserve(commands.size());
  replies.reserve(commands.size());
  std::vector<std::string> spare = TakeSparePayloads(commands.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    const core::ScanCommand& command = commands[i];
    if (i + 1 < commands.size()) {
      site_.Prefetch(commands[i + 1]);
    }
    const uint64_t seq = last_seq_ + records.size() + 1;
    core::Site::Execution execution = site_.Execute(command, seq);
    if (execution.duplicate_of != 0) {
      const uint64_t earlier = execution.duplicate_of;
      if (earlier > last_seq_) {
        // The first use is in this batch: its reply is among the new ones.
        for (const ScanReply& reply : replies) {
          if (reply.seq == earlier && !reply.replayed) {
            replies.push_back(ScanReply{reply.reply, earlier, true});
            break;
          }
        }
        continue;
      }
      // The first use may still be on its way to the journal (ExecuteAsync): wait for it.
      // Drain fails only when the engine has failed.
      Status readable = earlier > committed_seq() ? Drain() : OkStatus();
      StatusOr<core::Reply> reply =
          readable.ok() ? ReplyOf(earlier, command.key) : StatusOr<core::Reply>(readable);
      if (reply.ok()) {
        replies.push_back(ScanReply{*reply, earlier, true});
        continue;
      }
      if (reply.status().reason() != "key_mismatch") {
        // Commands before this one in the batch were applied but will not be committed:
        // the state is ahead of the journal, as after a failed commit.
        failed_.store(true, std::memory_order_release);
        return reply.status();
      }
      execution = site_.Execute(command, seq, /*ignore_known_key=*/true);
    }
    std::string buffer;
    if (!spare.empty()) {
      buffer = std::move(spare.back());
      spare.pop_back();
    }
    std::string payload = core::EncodeEntry(execution.entry, std::move(buffer));
    // The entry's copy of the key is spent once encoded: the record takes it.
    records.push_back(JournalRecord{seq, std::move(execution.entry.key), std::move(payload)});
    replies.push_back(ScanReply{std::move(execution.entry.reply), seq, false});
  }
  return OkStatus();
}

void SiteEngine::WriteQueued() {
  pthread_setname_np(pthread_self(), "journal-writer");  // For top -H, perf and gdb.
  std::unique_lock lock(pipeline_mutex_);
  while (true) {
    pipeline_changed_.wait(lock, [this] { return writer_stop_ || !pipeline_.empty(); });
    if (pipeline_.empty()) {
      return;  // Stopping, and everything queued is answered.
    }
    // Whole batches in order while they fit in one journal transaction.
    std::vector<PendingBatch> group;
    size_t records = 0;
    size_t bytes = 0;
    while (!pipeline_.empty()) {
      const PendingBatch& next = pipeline_.front();
      if (!group.empty() && (records + next.records.size() > store::kMaxBatchRecords ||
                             bytes + next.bytes > store::kMaxBatchBytes)) {
        break;
      }
      records += next.records.size();
      bytes += next.bytes;
      group.push_back(std::move(pipeline_.front()));
      pipeline_.pop_front();
    }
    writer_busy_ = true;
    lock.unlock();
    CommitGroup(group);
    group.clear();  // Before Drain can return: the callbacks' captures are released.
    lock.lock();
    writer_busy_ = false;
    pipeline_records_ -= records;
    pipeline_changed_.notify_all();
  }
}

void SiteEngine::CommitGroup(std::vector<PendingBatch>& group) {
  Status status = failed() ? EngineFailed() : OkStatus();
  std::vector<JournalRecord> records = std::move(group.front().records);
  if (status.ok()) {
    for (size_t i = 1; i < group.size(); ++i) {
      std::move(group[i].records.begin(), group[i].records.end(), std::back_inserter(records));
    }
    status = Append(records);
    RecyclePayloads(records);
  }
  for (PendingBatch& batch : group) {
    if (status.ok()) {
      batch.done(std::move(batch.replies));
    } else {
      batch.done(status);
    }
  }
}

StatusOr<MasterDataReply> SiteEngine::ChangeMasterData(const core::MasterDataChange& change,
                                                       int64_t at_ms) {
  ENTREPOT_RETURN_IF_ERROR(Drain());
  const uint64_t seq = last_seq_ + 1;
  ENTREPOT_ASSIGN_OR_RETURN(core::Site::MasterDataExecution execution,
                            site_.ChangeMasterData(change, seq, at_ms));
  MasterDataReply reply{execution.outcome, std::move(execution.stored), 0};
  if (reply.outcome == core::MasterDataOutcome::kUnchanged) {
    return reply;
  }
  // One record per change, through Commit like a scan batch, so the commit listener (the
  // live feed) sees master-data changes in seq order with the scans around them.
  std::vector<JournalRecord> records;
  records.push_back(JournalRecord{seq, "", core::EncodeEntry(execution.entry)});
  ENTREPOT_RETURN_IF_ERROR(Commit(records));
  reply.seq = seq;
  MaybeSnapshot();
  return reply;
}

StatusOr<OrderReply> SiteEngine::ExecuteOrder(const core::OrderCommand& command, int64_t at_ms) {
  ENTREPOT_ASSIGN_OR_RETURN(std::vector<StatusOr<OrderReply>> replies,
                            ExecuteOrders({&command, 1}, at_ms));
  return std::move(replies.front());
}

StatusOr<std::vector<StatusOr<OrderReply>>> SiteEngine::ExecuteOrders(
    std::span<const core::OrderCommand> commands, int64_t at_ms, IfOrderExists if_exists) {
  ENTREPOT_RETURN_IF_ERROR(Drain());
  ENTREPOT_RETURN_IF_ERROR(CheckBatchSize(commands.size()));
  std::vector<StatusOr<OrderReply>> replies;
  replies.reserve(commands.size());
  std::vector<JournalRecord> records;
  size_t bytes = 0;
  for (const core::OrderCommand& command : commands) {
    const size_t recorded = records.size();
    replies.push_back(ApplyOrder(command, last_seq_ + recorded + 1, at_ms, if_exists, records));
    if (records.size() > recorded) {
      bytes += records.back().payload.size();
    }
    // Committed before the next command is decided, so at every commit the state holds
    // exactly the committed entries.
    if (bytes >= options_.order_commit_bytes_max) {
      ENTREPOT_RETURN_IF_ERROR(Commit(records));
      records.clear();
      bytes = 0;
    }
  }
  ENTREPOT_RETURN_IF_ERROR(Commit(records));
  MaybeSnapshot();
  return replies;
}

StatusOr<OrderReply> SiteEngine::ApplyOrder(const core::OrderCommand& command, uint64_t seq,
                                            int64_t at_ms, IfOrderExists if_exists,
                                            std::vector<JournalRecord>& records) {
  StatusOr<core::Site::OrderExecution> execution = site_.ExecuteOrder(command, seq, at_ms);
  bool amended = false;
  const auto* place = std::get_if<core::PlaceOrder>(&command);
  if (!execution.ok() && place != nullptr && if_exists == IfOrderExists::kAmend &&
      execution.status().reason() == "order_exists") {
    // Decided at once, before the next command, which must see the amended reservations.
    execution = site_.ExecuteOrder(core::AmendOrder{place->terms}, seq, at_ms);
    amended = true;
  }
  if (!execution.ok()) {
    return execution.status();
  }
  OrderReply reply{std::move(execution->decision), 0, amended};
  if (!reply.decision.events.empty()) {
    // One record per command, through Commit like a scan batch, so the commit listener (the
    // live feed) sees order entries in seq order with the scans around them.
    records.push_back(JournalRecord{seq, "", core::EncodeEntry(execution->entry)});
    reply.seq = seq;
  }
  return reply;
}

void SiteEngine::MaybeSnapshot() {
  if (last_seq_ - snapshot_seq_ >= options_.snapshot_every_records) {
    // What was committed stays committed whatever happens here; a failed snapshot is
    // retried after the next commit, and replay covers the gap meanwhile.
    Status snapshot = WriteSnapshot();
    (void)snapshot;
  }
}

Status SiteEngine::Append(std::span<const JournalRecord> records) {
  if (records.empty()) {
    return OkStatus();  // A batch of repeated keys only: nothing new to write.
  }
  Status status = [&] {
    std::lock_guard lock(journal_mutex_);
    return journal_->Append(records);
  }();
  if (!status.ok()) {
    failed_.store(true, std::memory_order_release);
    return Error(StatusCode::kUnavailable, "commit_failed",
                 "the journal did not commit the batch: " + status.message());
  }
  committed_seq_.store(records.back().seq, std::memory_order_release);
  if (commit_listener_) {
    commit_listener_(records);
  }
  return OkStatus();
}

Status SiteEngine::Commit(std::vector<JournalRecord>& records) {
  ENTREPOT_RETURN_IF_ERROR(Drain());
  if (records.empty()) {
    return OkStatus();
  }
  ENTREPOT_RETURN_IF_ERROR(Append(records));
  last_seq_ = records.back().seq;
  RecyclePayloads(records);
  return OkStatus();
}

void SiteEngine::RecyclePayloads(std::vector<JournalRecord>& records) {
  // Bounded: at most one large batch of typical scan payloads (about 4 MiB).
  constexpr size_t kMaxSpare = 16'384;
  constexpr size_t kMaxSpareCapacity = 1024;
  std::lock_guard lock(spare_mutex_);
  for (JournalRecord& record : records) {
    if (spare_payloads_.size() == kMaxSpare) {
      return;
    }
    if (record.payload.capacity() <= kMaxSpareCapacity) {
      spare_payloads_.push_back(std::move(record.payload));
      spare_payloads_.back().clear();
    }
  }
}

std::vector<std::string> SiteEngine::TakeSparePayloads(size_t count) {
  std::lock_guard lock(spare_mutex_);
  const auto first =
      spare_payloads_.end() - static_cast<std::ptrdiff_t>(std::min(count, spare_payloads_.size()));
  std::vector<std::string> spare(std::make_move_iterator(first),
                                 std::make_move_iterator(spare_payloads_.end()));
  spare_payloads_.erase(first, spare_payloads_.end());
  return spare;
}

Status SiteEngine::LoadLayout(const domain::Layout& layout) {
  ENTREPOT_RETURN_IF_ERROR(Drain());
  if (last_seq_ != 0) {
    return Error(StatusCode::kFailedPrecondition, "site_initialised",
                 "the site already has " + std::to_string(last_seq_) +
                     " journal records; initialise a new data directory instead");
  }
  std::vector<Entry> entries = site_.LoadLayout(layout, 1);
  std::vector<JournalRecord> records;
  records.reserve(entries.size());
  for (const Entry& entry : entries) {
    records.push_back(JournalRecord{entry.seq, "", core::EncodeEntry(entry)});
  }
  ENTREPOT_RETURN_IF_ERROR(Commit(records));
  return WriteSnapshot();
}

Status SiteEngine::WriteSnapshot() {
  ENTREPOT_RETURN_IF_ERROR(Drain());
  std::string encoded = site_.state().Encode();
  std::lock_guard lock(journal_mutex_);
  ENTREPOT_RETURN_IF_ERROR(journal_->WriteSnapshot({last_seq_, std::move(encoded)}));
  snapshot_seq_ = last_seq_;
  return OkStatus();
}

StatusOr<VerifyReport> SiteEngine::Verify() const {
  ENTREPOT_RETURN_IF_ERROR(journal_->CheckIntegrity());
  VerifyReport report;
  report.last_seq = journal_->LastSeq();
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<store::Snapshot> snapshot, journal_->LatestSnapshot());
  core::Site replayed(options_.site);
  report.snapshot_matches = !snapshot.has_value();
  if (snapshot) {
    report.snapshot_seq = snapshot->seq;
    report.snapshot_matches = snapshot->seq == 0 && replayed.state().Encode() == snapshot->payload;
  }
  Status scanned = journal_->Scan(0, [&](const JournalRecord& record) -> Status {
    StatusOr<Entry> entry = core::DecodeEntry(record.payload);
    if (!entry.ok()) {
      return entry.status().WithContext("journal record " + std::to_string(record.seq));
    }
    entry->seq = record.seq;
    replayed.Replay(*entry);
    ++report.records;
    if (snapshot && record.seq == snapshot->seq) {
      report.snapshot_matches = replayed.state().Encode() == snapshot->payload;
    }
    return OkStatus();
  });
  ENTREPOT_RETURN_IF_ERROR(scanned);
  report.state_matches = replayed.state().Encode() == site_.state().Encode();
  return report;
}

}  // namespace entrepot::engine
