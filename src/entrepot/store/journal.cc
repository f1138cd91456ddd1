#include "entrepot/store/journal.h"

#include <utility>

namespace entrepot::store {

Status CheckAppendLimits(std::span<const JournalRecord> records) {
  if (records.size() > kMaxBatchRecords) {
    return Error(StatusCode::kResourceExhausted, "batch_too_large",
                 "a batch of " + std::to_string(records.size()) + " records exceeds the limit of " +
                     std::to_string(kMaxBatchRecords) + " records per Append");
  }
  size_t bytes = 0;
  for (const JournalRecord& record : records) {
    if (record.payload.size() > kMaxPayloadBytes) {
      return Error(StatusCode::kResourceExhausted, "record_too_large",
                   "record seq " + std::to_string(record.seq) + ": payload of " +
                       std::to_string(record.payload.size()) + " bytes exceeds the limit of " +
                       std::to_string(kMaxPayloadBytes) + " bytes");
    }
    if (record.idempotency_key.size() > kMaxIdempotencyKeyBytes) {
      return Error(StatusCode::kResourceExhausted, "idempotency_key_too_long",
                   "record seq " + std::to_string(record.seq) + ": idempotency key of " +
                       std::to_string(record.idempotency_key.size()) +
                       " bytes exceeds the limit of " + std::to_string(kMaxIdempotencyKeyBytes) +
                       " bytes");
    }
    bytes += record.payload.size() + record.idempotency_key.size();
  }
  if (bytes > kMaxBatchBytes) {
    return Error(StatusCode::kResourceExhausted, "batch_too_large",
                 "a batch of " + std::to_string(bytes) + " bytes exceeds the limit of " +
                     std::to_string(kMaxBatchBytes) + " bytes per Append");
  }
  return OkStatus();
}

Status CheckSnapshotLimit(const Snapshot& snapshot, size_t max_bytes) {
  if (snapshot.payload.size() > max_bytes) {
    return Error(StatusCode::kResourceExhausted, "snapshot_too_large",
                 "snapshot seq " + std::to_string(snapshot.seq) + ": " +
                     std::to_string(snapshot.payload.size()) + " bytes exceed the limit of " +
                     std::to_string(max_bytes) + " bytes");
  }
  return OkStatus();
}

void IntegrityProblems::Add(std::string problem) {
  if (shown_.size() < kMaxShown) {
    shown_.push_back(std::move(problem));
  }
  ++total_;
}

Status IntegrityProblems::ToStatus(const std::string& where) const {
  if (total_ == 0) {
    return OkStatus();
  }
  std::string message =
      where + ": " + std::to_string(total_) + (total_ == 1 ? " problem: " : " problems: ");
  for (size_t i = 0; i < shown_.size(); ++i) {
    message += (i == 0 ? "" : "; ") + shown_[i];
  }
  if (total_ > shown_.size()) {
    message += "; and " + std::to_string(total_ - shown_.size()) + " more";
  }
  return Error(StatusCode::kDataLoss, "journal_corrupt", std::move(message));
}

}  // namespace entrepot::store
