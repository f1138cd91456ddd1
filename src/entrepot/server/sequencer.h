// File: sequencer.h
//
// Sequencer runs one site's engine::SiteEngine on a thread of its own. Network threads
// submit work through a bounded queue and are answered through callbacks:
//
//  - Scan units (one HTTP request's commands) queue up while the engine decides. The thread
//    takes every queued unit (up to batch_commands_max commands) and hands them to
//    SiteEngine::ExecuteAsync as one batch: decided and applied at once, then committed by
//    the engine's journal writer thread (group commit: one transaction, one sync, batches
//    queued meanwhile merged) while this thread decides the next batch. Each unit's callback
//    gets its replies only after its batch's commit, in submission order. A reply therefore
//    always means "durable".
//  - Master-data changes (core/master_data.h) and order commands (core/orders.h) are
//    committed one by one, each in its own
//    transaction, in their place in the queue: scans queued before a change are decided
//    before it, scans queued after it see it. The callback gets the reply after the commit.
//  - Queries (read-only closures over core::SiteState) run on the same thread after the
//    batch they were queued with, once every scan decided before them is committed, so the
//    state needs no locks, a query sees every scan and change acknowledged before it was
//    submitted, and it never sees one that is not durable.
//
// The queue is bounded in commands (a query and a master-data change count as one): when it is
// full, Submit fails at once, so a network thread never waits for the sequencer. If a commit fails
// the engine is unusable (see site_engine.h): the sequencer answers that batch, every batch
// decided after it, everything queued and everything submitted later with kUnavailable and
// reports unhealthy; the operator restarts the server, which reopens the site from its journal.
//
// Thread safety: Submit*, healthy(), last_seq(), queue_depth() and Stop() may be called from
// any thread. Scan callbacks (and on_commit) run on the engine's journal writer thread, the
// others on the sequencer thread: they must be quick and must not call Stop().
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "entrepot/base/status.h"
#include "entrepot/core/master_data.h"
#include "entrepot/core/site.h"
#include "entrepot/core/site_state.h"
#include "entrepot/engine/site_engine.h"

namespace entrepot::server {

// Default bound of the queue, in commands (a query counts as one).
inline constexpr size_t kDefaultQueueCommandsMax = 65'536;
// Default cap of commands per group commit.
inline constexpr size_t kDefaultBatchCommandsMax = 16'384;

struct SequencerOptions {
  size_t queue_commands_max = kDefaultQueueCommandsMax;
  // At most this many commands per SiteEngine::Execute call. REQUIRES: not above the
  // engine's own batch_commands_max. A unit is never split across commits.
  size_t batch_commands_max = kDefaultBatchCommandsMax;
  // Called on the engine's writer thread after each successful commit of scans: commands in
  // the batch and the seconds from its decision to its commit (master-data changes are not
  // reported here). Used for metrics; may be empty.
  std::function<void(size_t commands, double seconds)> on_commit;
  // Write a snapshot when Stop() has drained the queue (skipped when the engine failed).
  bool snapshot_on_stop = true;
};

// Counters since start, for tests and metrics.
struct SequencerStats {
  uint64_t batches = 0;              // Successful SiteEngine::Execute calls.
  uint64_t commands = 0;             // Commands in those batches.
  uint64_t queries = 0;              // Queries run.
  uint64_t master_data_changes = 0;  // Master-data changes answered (refused ones included).
  uint64_t order_commands = 0;       // Order commands answered (refused ones included).
};

class Sequencer {
 public:
  // Replies in command order, or kUnavailable ("engine_failed", "shutting_down").
  using ScanCallback = std::function<void(StatusOr<std::vector<engine::ScanReply>>)>;
  // The state to read, or kUnavailable when the engine failed.
  using QueryCallback = std::function<void(StatusOr<const core::SiteState*>)>;
  // The committed change, its refusal (core::DecideMasterData's reasons), or kUnavailable
  // ("engine_failed", "shutting_down").
  using MasterDataCallback = std::function<void(StatusOr<engine::MasterDataReply>)>;
  // The committed order command, its refusal (core::DecideOrder's reasons), or kUnavailable.
  using OrderCallback = std::function<void(StatusOr<engine::OrderReply>)>;

  // Starts the thread. `engine` must be open.
  Sequencer(std::unique_ptr<engine::SiteEngine> engine, SequencerOptions options = {});
  // Stops (see Stop) if still running.
  ~Sequencer();
  Sequencer(const Sequencer&) = delete;
  Sequencer& operator=(const Sequencer&) = delete;

  // Queues `commands` to be executed as one unit; `done` is called after their commit.
  // Returns, without calling `done`:
  //   kInvalidArgument "empty_batch"        no commands;
  //   kResourceExhausted "batch_too_large"  more commands than batch_commands_max;
  //   kResourceExhausted "queue_full"       the queue holds queue_commands_max commands;
  //   kUnavailable "engine_failed"          a commit failed earlier;
  //   kUnavailable "shutting_down"          Stop() was called.
  Status SubmitScans(std::vector<core::ScanCommand> commands, ScanCallback done);

  // Queues a read of the state; `query` runs on the sequencer thread. Returns "queue_full",
  // "engine_failed" or "shutting_down" as SubmitScans does, without calling `query`.
  Status SubmitQuery(QueryCallback query);

  // Queues a master-data change made at `at_ms` (Unix ms); `done` is called after its commit
  // (engine::SiteEngine::ChangeMasterData), or with its refusal. Returns "queue_full",
  // "engine_failed" or "shutting_down" as SubmitScans does, without calling `done`.
  Status SubmitMasterData(core::MasterDataChange change, int64_t at_ms, MasterDataCallback done);

  // Queues an order command made at `at_ms`, committed on its own like a master-data change
  // (engine::SiteEngine::ExecuteOrder). Returns as SubmitMasterData.
  Status SubmitOrder(core::OrderCommand command, int64_t at_ms, OrderCallback done);

  // Refuses new work, executes and commits everything queued, answers it, writes a snapshot
  // (options.snapshot_on_stop), and joins the thread. Returns the snapshot's error, or
  // kUnavailable "engine_failed" when the engine had failed. Idempotent.
  Status Stop();

  bool healthy() const { return !failed_.load(std::memory_order_acquire); }
  // The seq of the last committed entry.
  uint64_t last_seq() const { return last_seq_.load(std::memory_order_acquire); }
  // Commands (and queries) waiting in the queue.
  size_t queue_depth() const { return queued_.load(std::memory_order_relaxed); }
  SequencerStats stats() const;

 private:
  // One queued unit of work: a scan unit, a query, or a master-data change.
  struct Item {
    std::vector<core::ScanCommand> commands;  // A scan unit; empty otherwise.
    ScanCallback scan_done;
    QueryCallback query;                           // Set for a query.
    std::optional<core::MasterDataChange> change;  // Set for a master-data change.
    int64_t change_at_ms = 0;
    MasterDataCallback change_done;
    std::optional<core::OrderCommand> order;  // Set for an order command.
    OrderCallback order_done;

    // Master-data changes and order commands are committed one by one (the file comment).
    bool Alone() const { return change.has_value() || order.has_value(); }
    size_t Cost() const { return commands.empty() ? 1 : commands.size(); }
  };

  Status Admit(size_t cost) const;  // REQUIRES: mutex_ held.
  Status Enqueue(Item item);
  void Run();
  // Takes the next group of items off the queue; false when stopping and the queue is empty.
  bool TakeBatch(std::vector<Item>& items);
  // Decides the scans of `items` and queues them for commit (SiteEngine::ExecuteAsync).
  void ExecuteBatch(std::vector<Item>& items);
  // Marks the sequencer failed; `status` as kUnavailable "engine_failed".
  Status CommitFailed(const Status& status);
  // Calls each unit's callback with its slice of `replies` (or the error), in order.
  static void Answer(std::vector<std::pair<size_t, ScanCallback>>& units,
                     StatusOr<std::vector<engine::ScanReply>> replies);
  void ChangeMasterData(std::vector<Item>& items);
  void ExecuteOrders(std::vector<Item>& items);
  void RunQueries(std::vector<Item>& items);

  std::unique_ptr<engine::SiteEngine> engine_;
  SequencerOptions options_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Item> queue_;  // Guarded by mutex_.
  size_t queue_cost_ = 0;   // Guarded by mutex_: commands + queries queued.
  bool stopping_ = false;   // Guarded by mutex_.

  std::mutex stop_mutex_;  // Serialises Stop().
  Status stop_status_;     // Guarded by stop_mutex_.

  std::atomic<bool> failed_{false};
  std::atomic<uint64_t> last_seq_{0};
  std::atomic<size_t> queued_{0};
  std::atomic<uint64_t> batches_{0};
  std::atomic<uint64_t> commands_{0};
  std::atomic<uint64_t> queries_{0};
  std::atomic<uint64_t> master_data_changes_{0};
  std::atomic<uint64_t> order_commands_{0};
  std::thread thread_;
};

}  // namespace entrepot::server
