#include "entrepot/server/sequencer.h"

#include <algorithm>
#include <chrono>
#include <iterator>
#include <numeric>
#include <string>
#include <utility>

namespace entrepot::server {
namespace {

Status EngineFailed() {
  return Error(StatusCode::kUnavailable, "engine_failed",
               "the journal could not commit; the server must be restarted");
}

}  // namespace

Sequencer::Sequencer(std::unique_ptr<engine::SiteEngine> engine, SequencerOptions options)
    : engine_(std::move(engine)), options_(std::move(options)) {
  ENTREPOT_CHECK(engine_ != nullptr);
  ENTREPOT_CHECK(options_.batch_commands_max > 0);
  last_seq_.store(engine_->committed_seq(), std::memory_order_release);
  thread_ = std::thread([this] { Run(); });
}

Sequencer::~Sequencer() { (void)Stop(); }

Status Sequencer::Admit(size_t cost) const {
  if (stopping_) {
    return Error(StatusCode::kUnavailable, "shutting_down", "the server is shutting down");
  }
  if (failed_.load(std::memory_order_acquire)) {
    return EngineFailed();
  }
  if (queue_cost_ + cost > options_.queue_commands_max) {
    return Error(StatusCode::kResourceExhausted, "queue_full",
                 "the sequencer queue is full (" + std::to_string(options_.queue_commands_max) +
                     " commands); retry shortly");
  }
  return OkStatus();
}

Status Sequencer::SubmitScans(std::vector<core::ScanCommand> commands, ScanCallback done) {
  if (commands.empty()) {
    return Error(StatusCode::kInvalidArgument, "empty_batch", "no scan commands to execute");
  }
  if (commands.size() > options_.batch_commands_max) {
    return Error(StatusCode::kResourceExhausted, "batch_too_large",
                 std::to_string(commands.size()) + " commands; at most " +
                     std::to_string(options_.batch_commands_max) + " per request");
  }
  Item item;
  item.commands = std::move(commands);
  item.scan_done = std::move(done);
  return Enqueue(std::move(item));
}

Status Sequencer::SubmitQuery(QueryCallback query) {
  Item item;
  item.query = std::move(query);
  return Enqueue(std::move(item));
}

Status Sequencer::SubmitMasterData(core::MasterDataChange change, int64_t at_ms,
                                   MasterDataCallback done) {
  Item item;
  item.change = std::move(change);
  item.change_at_ms = at_ms;
  item.change_done = std::move(done);
  return Enqueue(std::move(item));
}

Status Sequencer::SubmitOrder(core::OrderCommand command, int64_t at_ms, OrderCallback done) {
  Item item;
  item.order = std::move(command);
  item.change_at_ms = at_ms;
  item.order_done = std::move(done);
  return Enqueue(std::move(item));
}

Status Sequencer::Enqueue(Item item) {
  const size_t cost = item.Cost();
  {
    std::lock_guard lock(mutex_);
    if (Status admitted = Admit(cost); !admitted.ok()) {
      return admitted;
    }
    queue_.push_back(std::move(item));
    queue_cost_ += cost;
    queued_.store(queue_cost_, std::memory_order_relaxed);
  }
  wake_.notify_one();
  return OkStatus();
}

Status Sequencer::Stop() {
  std::lock_guard stop_lock(stop_mutex_);
  if (!thread_.joinable()) {
    return stop_status_;
  }
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
  // The thread has drained the queue and exited: the engine is ours alone now.
  if (failed_.load(std::memory_order_acquire)) {
    stop_status_ = EngineFailed();
  } else if (options_.snapshot_on_stop) {
    stop_status_ = engine_->WriteSnapshot();
  }
  return stop_status_;
}

SequencerStats Sequencer::stats() const {
  return SequencerStats{batches_.load(), commands_.load(), queries_.load(),
                        master_data_changes_.load(), order_commands_.load()};
}

bool Sequencer::TakeBatch(std::vector<Item>& items) {
  std::unique_lock lock(mutex_);
  wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
  if (queue_.empty()) {
    return false;  // Stopping, and everything queued has been answered.
  }
  // Whole units in arrival order while they fit in one commit; queries ride along. A
  // master-data change is a batch of its own, so that what was queued before it is decided
  // before it and what was queued after it sees it.
  size_t commands = 0;
  while (!queue_.empty()) {
    Item& next = queue_.front();
    const bool change = next.Alone();
    if ((change && !items.empty()) ||
        (commands > 0 && commands + next.commands.size() > options_.batch_commands_max)) {
      break;
    }
    commands += next.commands.size();
    queue_cost_ -= next.Cost();
    items.push_back(std::move(next));
    queue_.pop_front();
    if (change) {
      break;
    }
  }
  queued_.store(queue_cost_, std::memory_order_relaxed);
  return true;
}

void Sequencer::Run() {
  std::vector<Item> items;
  while (TakeBatch(items)) {
    ExecuteBatch(items);
    ChangeMasterData(items);
    ExecuteOrders(items);
    RunQueries(items);
    items.clear();
  }
  // Stopping: every queued scan is decided; wait for its commit and its answer.
  if (!engine_->Drain().ok()) {
    failed_.store(true, std::memory_order_release);
  }
}

void Sequencer::ExecuteBatch(std::vector<Item>& items) {
  // Each unit's callback and size, in submission order, for the writer thread.
  auto units = std::make_shared<std::vector<std::pair<size_t, ScanCallback>>>();
  Item* only = nullptr;  // The one scan unit, when there is one: decided in place.
  for (Item& item : items) {
    if (!item.commands.empty()) {
      units->emplace_back(item.commands.size(), std::move(item.scan_done));
      only = units->size() == 1 ? &item : nullptr;
    }
  }
  if (units->empty()) {
    return;
  }
  std::vector<core::ScanCommand> merged;
  if (only == nullptr) {
    merged.reserve(std::accumulate(units->begin(), units->end(), size_t{0},
                                   [](size_t sum, const auto& unit) { return sum + unit.first; }));
    for (Item& item : items) {
      std::move(item.commands.begin(), item.commands.end(), std::back_inserter(merged));
    }
  }
  const std::vector<core::ScanCommand>& commands = only != nullptr ? only->commands : merged;
  Status queued = EngineFailed();
  if (!failed_.load(std::memory_order_acquire)) {
    // Decided and applied now; committed by the engine's writer thread while this thread
    // decides what follows (pipelined group commit). The replies leave after the commit.
    queued = engine_->ExecuteAsync(
        commands, [this, units, count = commands.size(), start = std::chrono::steady_clock::now()](
                      StatusOr<std::vector<engine::ScanReply>> replies) {
          if (replies.ok()) {
            std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
            last_seq_.store(engine_->committed_seq(), std::memory_order_release);
            batches_.fetch_add(1, std::memory_order_relaxed);
            commands_.fetch_add(count, std::memory_order_relaxed);
            if (options_.on_commit) {
              options_.on_commit(count, took.count());
            }
          } else {
            replies = CommitFailed(replies.status());
          }
          Answer(*units, std::move(replies));
        });
    if (!queued.ok()) {
      queued = CommitFailed(queued);
    }
  }
  if (!queued.ok()) {
    Answer(*units, queued);
  }
}

Status Sequencer::CommitFailed(const Status& status) {
  // The state may be ahead of the journal: refuse everything from now on.
  failed_.store(true, std::memory_order_release);
  if (status.reason() == "engine_failed") {
    return status;
  }
  return Error(StatusCode::kUnavailable, "engine_failed",
               "the journal could not commit: " + status.ToString());
}

void Sequencer::Answer(std::vector<std::pair<size_t, ScanCallback>>& units,
                       StatusOr<std::vector<engine::ScanReply>> replies) {
  if (units.size() == 1) {
    units.front().second(std::move(replies));  // The whole batch is one request's.
    return;
  }
  // Hand each unit its slice of the replies, in submission order.
  size_t next = 0;
  for (auto& [count, done] : units) {
    if (!replies.ok()) {
      done(replies.status());
    } else {
      auto first = replies->begin() + static_cast<std::ptrdiff_t>(next);
      done(std::vector<engine::ScanReply>(
          std::make_move_iterator(first),
          std::make_move_iterator(first + static_cast<std::ptrdiff_t>(count))));
    }
    next += count;
  }
}

void Sequencer::ChangeMasterData(std::vector<Item>& items) {
  for (Item& item : items) {
    if (!item.change.has_value()) {
      continue;
    }
    master_data_changes_.fetch_add(1, std::memory_order_relaxed);
    if (failed_.load(std::memory_order_acquire)) {
      item.change_done(EngineFailed());
      continue;
    }
    StatusOr<engine::MasterDataReply> reply =
        engine_->ChangeMasterData(*item.change, item.change_at_ms);
    if (engine_->failed()) {
      // The state may be ahead of the journal: refuse everything from now on.
      failed_.store(true, std::memory_order_release);
      item.change_done(Error(StatusCode::kUnavailable, "engine_failed",
                             "the journal could not commit: " + reply.status().ToString()));
      continue;
    }
    last_seq_.store(engine_->committed_seq(), std::memory_order_release);
    item.change_done(std::move(reply));
  }
}

void Sequencer::ExecuteOrders(std::vector<Item>& items) {
  for (Item& item : items) {
    if (!item.order.has_value()) {
      continue;
    }
    order_commands_.fetch_add(1, std::memory_order_relaxed);
    if (failed_.load(std::memory_order_acquire)) {
      item.order_done(EngineFailed());
      continue;
    }
    StatusOr<engine::OrderReply> reply = engine_->ExecuteOrder(*item.order, item.change_at_ms);
    if (engine_->failed()) {
      failed_.store(true, std::memory_order_release);
      item.order_done(Error(StatusCode::kUnavailable, "engine_failed",
                            "the journal could not commit: " + reply.status().ToString()));
      continue;
    }
    last_seq_.store(engine_->committed_seq(), std::memory_order_release);
    item.order_done(std::move(reply));
  }
}

void Sequencer::RunQueries(std::vector<Item>& items) {
  const bool any = std::any_of(items.begin(), items.end(),
                               [](const Item& item) { return static_cast<bool>(item.query); });
  // A query reads only what is durable: the scans decided before it must be committed first.
  if (any && !engine_->Drain().ok()) {
    failed_.store(true, std::memory_order_release);
  }
  for (Item& item : items) {
    if (!item.query) {
      continue;
    }
    queries_.fetch_add(1, std::memory_order_relaxed);
    if (failed_.load(std::memory_order_acquire)) {
      item.query(EngineFailed());
    } else {
      item.query(&engine_->state());
    }
  }
}

}  // namespace entrepot::server
