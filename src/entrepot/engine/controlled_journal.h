// File: controlled_journal.h
//
// ControlledJournal, for tests of the engine and of what runs it: a store::Journal that
// delegates to a real one, and whose Append the test can hold (it waits while `hold` is set),
// count and fail (once `fail` is set, as a full disk would). Header-only; tests only.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <thread>
#include <utility>

#include "entrepot/store/journal.h"

namespace entrepot::engine::testing {

struct JournalControls {
  std::atomic<bool> fail{false};  // Append fails with kUnavailable "disk_full".
  std::atomic<bool> hold{false};  // Append waits while set.
  std::atomic<int> entered{0};    // Append calls begun.
  std::atomic<int> appended{0};   // Append calls that went past the hold.

  // Waits until `count` Append calls have begun.
  void AwaitEntered(int count) const {
    while (entered.load() < count) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
};

class ControlledJournal : public store::Journal {
 public:
  // `controls` must outlive the journal.
  ControlledJournal(std::unique_ptr<store::Journal> inner, JournalControls* controls)
      : inner_(std::move(inner)), controls_(controls) {}

  Status Append(std::span<const store::JournalRecord> records) override {
    ++controls_->entered;
    while (controls_->hold.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ++controls_->appended;
    if (controls_->fail.load()) {
      return Error(StatusCode::kUnavailable, "disk_full", "injected failure");
    }
    return inner_->Append(records);
  }
  uint64_t LastSeq() const override { return inner_->LastSeq(); }
  Status Scan(uint64_t after,
              const std::function<Status(const store::JournalRecord&)>& visit) const override {
    return inner_->Scan(after, visit);
  }
  Status WriteSnapshot(const store::Snapshot& snapshot) override {
    return inner_->WriteSnapshot(snapshot);
  }
  StatusOr<std::optional<store::Snapshot>> LatestSnapshot() const override {
    return inner_->LatestSnapshot();
  }
  Status CheckIntegrity() const override { return inner_->CheckIntegrity(); }

 private:
  std::unique_ptr<store::Journal> inner_;
  JournalControls* controls_;
};

}  // namespace entrepot::engine::testing
