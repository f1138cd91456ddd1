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
// Thread safety: none; one thread owns a SiteEngine (the server's sequencer thread, or the
// CLI). If a commit fails, the in-memory state is ahead of the journal: the engine refuses
// further work (kUnavailable) and must be reopened, which rebuilds the state from the
// journal.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
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
  using CommitListener = std::function<void(std::span<const store::JournalRecord>)>;

  // Opens the site stored in `journal` and rebuilds its state.
  // Returns kDataLoss when the journal or snapshot cannot be decoded.
  static StatusOr<std::unique_ptr<SiteEngine>> Open(std::unique_ptr<store::Journal> journal,
                                                    EngineOptions options = {});

  // Executes `commands` in order as one batch and commits it. Replies are in command order.
  // Returns kResourceExhausted (reason "batch_too_large") past batch_commands_max, and
  // kUnavailable when the commit fails (see the file comment).
  StatusOr<std::vector<ScanReply>> Execute(std::span<const core::ScanCommand> commands);

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
  // with the full replay too.
  StatusOr<VerifyReport> Verify() const;

  // Replaces the commit listener (empty: none).
  void set_commit_listener(CommitListener listener) { commit_listener_ = std::move(listener); }

  const core::SiteState& state() const { return site_.state(); }
  // True once a commit failed (see the file comment); every later call is refused.
  bool failed() const { return failed_; }
  uint64_t last_seq() const { return last_seq_; }

 private:
  SiteEngine(std::unique_ptr<store::Journal> journal, EngineOptions options, core::Site site,
             uint64_t last_seq, uint64_t snapshot_seq);

  Status Commit(std::vector<store::JournalRecord>& records);
  // kResourceExhausted "batch_too_large" when `commands` passes batch_commands_max.
  Status CheckBatchSize(size_t commands) const;
  // Decides `command` as entry `seq` and applies it (see ExecuteOrders for `if_exists`);
  // appends its record to `records` unless it changes nothing.
  StatusOr<OrderReply> ApplyOrder(const core::OrderCommand& command, uint64_t seq, int64_t at_ms,
                                  IfOrderExists if_exists,
                                  std::vector<store::JournalRecord>& records);
  // Writes a snapshot when snapshot_every_records have followed the last one.
  void MaybeSnapshot();
  static Status EngineFailed();
  StatusOr<core::Reply> ReplyOf(uint64_t seq, const std::string& key) const;

  std::unique_ptr<store::Journal> journal_;
  EngineOptions options_;
  core::Site site_;
  uint64_t last_seq_ = 0;
  uint64_t snapshot_seq_ = 0;
  bool failed_ = false;
  CommitListener commit_listener_;
};

}  // namespace entrepot::engine
