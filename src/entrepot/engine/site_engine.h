// File: site_engine.h
//
// SiteEngine is the single writer of one site: it runs commands through the Site state
// machine in batches and commits each batch to the journal with one transaction and one
// sync (group commit). A reply is returned only after its batch is committed, so a reply
// means the scan is durable.
//
// Open() rebuilds the state: the newest intact snapshot, then the journal records after
// it; the idempotency keys of recent records are reloaded so replays are recognised across
// restarts. Order commands can be grouped too (ExecuteOrders): decided one at a time, their
// entries committed together. Verify() checks the journal and that a full replay equals the
// snapshot and the incremental state.
//
// Pipelined group commit (ExecuteAsync): the engine's thread decides and applies batch N+1
// while a journal writer thread of the engine writes and syncs batch N. Replies still leave
// only after their own commit, batches are committed in seq order, and after a failed commit
// nothing later is written or acknowledged.
//
// Thread safety: one thread owns a SiteEngine (the server's sequencer thread, or the CLI) and
// makes every call; only ExecuteAsync's callbacks and the commit listener run on the writer
// thread. If a commit fails, the in-memory state is ahead of the journal: the engine refuses
// further work (kUnavailable) and must be reopened, which rebuilds the state from the
// journal.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "entrepot/base/status.h"
#include "entrepot/core/site.h"
#include "entrepot/store/journal.h"

namespace entrepot::engine {

struct EngineOptions {
  core::SiteConfig site;
  // A snapshot is written after a commit once this many records followed the last one.
  uint64_t snapshot_every_records = 1'000'000;
  // At most this many commands per Execute() or ExecuteOrders() call.
  size_t batch_commands_max = 65'536;
  // ExecuteOrders commits what it has decided once its records reach this many bytes, so a
  // group of large orders stays within the journal's batch limit (store::kMaxBatchBytes,
  // which must exceed this by store::kMaxPayloadBytes).
  size_t order_commit_bytes_max = size_t{8} << 20;
  // ExecuteAsync waits while this many records are decided but not yet committed, so the
  // state never runs far ahead of the journal (and memory stays bounded).
  size_t pipeline_records_max = 65'536;
};

struct ScanReply {
  core::Reply reply;
  uint64_t seq = 0;       // The journal entry that holds this scan's decision.
  bool replayed = false;  // The key was seen before: this is the first reply, unchanged.
};

struct MasterDataReply {
  core::MasterDataOutcome outcome = core::MasterDataOutcome::kUnchanged;
  core::MasterDataChange stored;  // The object as stored now, normalised.
  uint64_t seq = 0;               // The journal entry of the change; 0 when unchanged.
};

struct OrderReply {
  core::OrderDecision decision;
  uint64_t seq = 0;      // The journal entry of the command; 0 when it changed nothing.
  bool amended = false;  // A PlaceOrder decided as an AmendOrder (IfOrderExists::kAmend).
};

// What ExecuteOrders does with a PlaceOrder refused because the order exists.
enum class IfOrderExists {
  kRefuse,  // Its result is the "order_exists" error.
  kAmend,   // It is decided again as an AmendOrder with the same terms.
};

struct VerifyReport {
  uint64_t records = 0;
  uint64_t last_seq = 0;
  uint64_t snapshot_seq = 0;  // 0 when there is no snapshot.
  bool snapshot_matches = true;
  bool state_matches = true;
};

class SiteEngine {
 public:
  // Called after each successful commit with the records just made durable, in seq order
  // (scan batches, layout and master-data changes alike). Runs on the engine's thread inside
  // Execute: it must be quick (copy or hand the records over, never block).
  // Runs on the journal writer thread for ExecuteAsync's commits, on the caller's otherwise;
  // never on two threads at once, always in seq order.
  using CommitListener = std::function<void(std::span<const store::JournalRecord>)>;
  // The replies of an ExecuteAsync batch once committed, or kUnavailable.
  using ScanDone = std::function<void(StatusOr<std::vector<ScanReply>>)>;

  // Opens the site stored in `journal` and rebuilds its state.
  // Returns kDataLoss when the journal or snapshot cannot be decoded.
  static StatusOr<std::unique_ptr<SiteEngine>> Open(std::unique_ptr<store::Journal> journal,
                                                    EngineOptions options = {});

  // Executes `commands` in order as one batch and commits it. Replies are in command order.
  // Returns kResourceExhausted (reason "batch_too_large") past batch_commands_max, and
  // kUnavailable when the commit fails (see the file comment).
  // Waits for ExecuteAsync's batches first.
  StatusOr<std::vector<ScanReply>> Execute(std::span<const core::ScanCommand> commands);

  // Executes `commands` as Execute does (decided and applied at once, so the next batch sees
  // them) but commits them on the engine's journal writer thread, started at the first call,
  // and returns without waiting for the commit. The contract:
  //  - `done` is called on the writer thread after the batch's commit, in call order, with
  //    the replies: a reply still means durable. Batches queued while the writer is busy are
  //    committed together, in one transaction;
  //  - when a commit fails, the engine fails (see the file comment): `done` of that batch and
  //    of every batch queued after it gets kUnavailable ("commit_failed" or "engine_failed"),
  //    and nothing after the failed batch is appended;
  //  - waits while pipeline_records_max records are queued for the writer.
  // Returns, without calling `done`: "batch_too_large" as Execute; kUnavailable
  // "engine_failed" when a commit failed earlier; the journal's error when reading back the
  // first reply of a repeated key failed (the engine fails, as Execute).
  Status ExecuteAsync(std::span<const core::ScanCommand> commands, ScanDone done);

  // Waits until every ExecuteAsync batch is committed or refused and its `done` has returned.
  // Returns kUnavailable "engine_failed" when the engine has failed. Every other method that
  // uses the journal drains first, so it sees the journal and the state agree.
  Status Drain();

  // Changes master data while the site runs (core/master_data.h): decides `change` against
  // the current state, journals it as one master-data entry made at `at_ms` (Unix ms) and
  // commits it before returning, so a reply means durable; the commit listener sees the
  // record like any other. A change that changes nothing is answered kUnchanged with seq 0
  // and writes nothing. Returns:
  //   the errors of core::DecideMasterData (nothing changes; the engine stays usable);
  //   kUnavailable "engine_failed" or "commit_failed", as Execute.
  StatusOr<MasterDataReply> ChangeMasterData(const core::MasterDataChange& change, int64_t at_ms);

  // Executes an order command (core/orders.h) the same way: decided against the current
  // state, journaled as one order entry made at `at_ms` and committed before returning. A
  // command without events (a device asking for the batch it has) writes nothing. Returns
  // core::DecideOrder's errors (nothing changes), or kUnavailable as Execute.
  StatusOr<OrderReply> ExecuteOrder(const core::OrderCommand& command, int64_t at_ms);

  // Executes order commands as ExecuteOrder does, one at a time in order (each decided
  // against the effects of those before it, so reservations never over-promise), and commits
  // the entries of those that change something together, made at `at_ms`: in one journal
  // transaction, or in several in order when their records pass order_commit_bytes_max. It
  // returns after the last commit; the commit listener sees each commit's records.
  // Returns one result per command, in command order: its OrderReply (accepted commands take
  // consecutive seqs), or core::DecideOrder's error for a refused command, which changes
  // nothing and takes no seq. `if_exists` says what a PlaceOrder refused as "order_exists"
  // becomes. The call as a whole returns:
  //   kResourceExhausted "batch_too_large" past batch_commands_max (nothing is decided);
  //   kUnavailable "engine_failed" or "commit_failed", as Execute: the records of earlier
  //   commits of the call are durable, those of the failed one are not.
  StatusOr<std::vector<StatusOr<OrderReply>>> ExecuteOrders(
      std::span<const core::OrderCommand> commands, int64_t at_ms,
      IfOrderExists if_exists = IfOrderExists::kRefuse);

  // Defines the layout's master data. Returns kFailedPrecondition (reason
  // "site_initialised") when the journal already holds records.
  Status LoadLayout(const domain::Layout& layout);

  // Writes a snapshot of the current state.
  Status WriteSnapshot();

  // Checks integrity and replay (see VerifyReport). The engine's own state is compared
  // with the full replay too. REQUIRES: no ExecuteAsync batch in flight (Drain first).
  StatusOr<VerifyReport> Verify() const;

  // Replaces the commit listener (empty: none). REQUIRES: no ExecuteAsync batch in flight.
  void set_commit_listener(CommitListener listener) { commit_listener_ = std::move(listener); }

  // Drains (see Drain), then stops the writer thread.
  ~SiteEngine();
  SiteEngine(const SiteEngine&) = delete;
  SiteEngine& operator=(const SiteEngine&) = delete;

  // The state after every batch decided so far, committed or not (see Drain).
  const core::SiteState& state() const { return site_.state(); }
  // True once a commit failed (see the file comment); every later call is refused. Any thread.
  bool failed() const { return failed_.load(std::memory_order_acquire); }
  // The seq of the last decided entry: committed unless ExecuteAsync batches are in flight.
  uint64_t last_seq() const { return last_seq_; }
  // The seq of the last committed entry. Any thread.
  uint64_t committed_seq() const { return committed_seq_.load(std::memory_order_acquire); }

 private:
  // An ExecuteAsync batch waiting for the writer thread.
  struct PendingBatch {
    std::vector<store::JournalRecord> records;
    std::vector<ScanReply> replies;
    ScanDone done;
    size_t bytes = 0;  // Keys and payloads, for the journal's batch limit.
  };

  SiteEngine(std::unique_ptr<store::Journal> journal, EngineOptions options, core::Site site,
             uint64_t last_seq, uint64_t snapshot_seq);

  // Decides `commands` as entries last_seq_ + 1, ... and applies them; fills `records` and
  // `replies`. Fails the engine when a repeated key's first reply cannot be read back.
  Status Decide(std::span<const core::ScanCommand> commands,
                std::vector<store::JournalRecord>& records, std::vector<ScanReply>& replies);
  // Appends under journal_mutex_; fails the engine on error. Sets committed_seq_ and calls
  // the listener on success.
  Status Append(std::span<const store::JournalRecord> records);
  // Drains, then appends `records` (entries last_seq_ + 1, ...) and advances last_seq_.
  Status Commit(std::vector<store::JournalRecord>& records);
  // The writer thread: commits queued batches in order, as many per transaction as fit.
  void WriteQueued();
  // Appends the group's records in one transaction, then calls each batch's `done`.
  void CommitGroup(std::vector<PendingBatch>& group);
  // kResourceExhausted "batch_too_large" when `commands` passes batch_commands_max.
  Status CheckBatchSize(size_t commands) const;
  // Decides `command` as entry `seq` and applies it (see ExecuteOrders for `if_exists`);
  // appends its record to `records` unless it changes nothing.
  StatusOr<OrderReply> ApplyOrder(const core::OrderCommand& command, uint64_t seq, int64_t at_ms,
                                  IfOrderExists if_exists,
                                  std::vector<store::JournalRecord>& records);
  // Keeps the payload buffers of committed `records` for Decide to encode into. Without
  // reuse, each batch takes thousands of fresh blocks from the allocator's slow path, which
  // measured about 7% of a scan's cost on the journaled path. Any thread.
  void RecyclePayloads(std::vector<store::JournalRecord>& records);
  // Up to `count` recycled payload buffers (empty strings with capacity). Any thread.
  std::vector<std::string> TakeSparePayloads(size_t count);
  // Writes a snapshot when snapshot_every_records have followed the last one.
  void MaybeSnapshot();
  static Status EngineFailed();
  StatusOr<core::Reply> ReplyOf(uint64_t seq, const std::string& key) const;

  std::unique_ptr<store::Journal> journal_;
  EngineOptions options_;
  core::Site site_;
  uint64_t last_seq_ = 0;
  uint64_t snapshot_seq_ = 0;
  std::atomic<uint64_t> committed_seq_{0};
  std::atomic<bool> failed_{false};
  CommitListener commit_listener_;

  // journal_ is used by this engine's owner and by the writer thread; the mutex keeps them
  // apart (a repeated key's first reply may be read while the writer appends).
  mutable std::mutex journal_mutex_;
  std::mutex pipeline_mutex_;
  std::condition_variable pipeline_changed_;  // Work queued, a group committed, or stop.
  std::deque<PendingBatch> pipeline_;         // Guarded by pipeline_mutex_: not yet taken.
  size_t pipeline_records_ = 0;  // Guarded by pipeline_mutex_: queued or being written.
  bool writer_busy_ = false;     // Guarded by pipeline_mutex_: a group is being written.
  bool writer_stop_ = false;     // Guarded by pipeline_mutex_.
  std::thread writer_;

  std::mutex spare_mutex_;
  std::vector<std::string> spare_payloads_;  // Guarded by spare_mutex_ (RecyclePayloads).
};

}  // namespace entrepot::engine
