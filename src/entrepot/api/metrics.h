// File: metrics.h
//
// Metrics counts what the API server does and renders it in the Prometheus text format
// (version 0.0.4) for GET /metrics: requests by route and status, request latency, group
// commit sizes and durations, the sequencer's queue depth, and scans by outcome.
//
// Thread safety: every method may be called from any thread (atomics; a mutex for the
// request-count map, whose keys are few).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "entrepot/api/router.h"
#include "entrepot/core/events.h"

namespace entrepot::api {

// A histogram with fixed upper bounds (Prometheus "le"), lock-free.
template <size_t N>
class Histogram {
 public:
  explicit Histogram(std::array<double, N> bounds) : bounds_(bounds) {}
  void Observe(double value);
  // Appends the _bucket, _sum and _count lines of `name` with extra `labels` ("" or "a=\"b\"").
  void Render(const std::string& name, const std::string& labels, std::string& out) const;

 private:
  std::array<double, N> bounds_;
  std::array<std::atomic<uint64_t>, N + 1> counts_{};  // The last is +Inf.
  std::atomic<uint64_t> sum_micros_{0};                // Sum in millionths of the unit.
};

class Metrics {
 public:
  Metrics();

  void CountRequest(Route route, unsigned http_status, double seconds);
  void CountCommit(size_t commands, double seconds);
  void CountOutcome(core::Outcome outcome);

  // The whole exposition, with the sequencer's current queue depth, last seq and health.
  std::string Render(size_t queue_depth, uint64_t last_seq, bool healthy) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<Route, unsigned>, uint64_t> requests_;  // Guarded by mutex_.
  std::array<Histogram<12>, kRouteCount> latency_;
  Histogram<10> batch_commands_;
  Histogram<12> commit_seconds_;
  std::array<std::atomic<uint64_t>, core::kOutcomeCount> outcomes_{};
};

}  // namespace entrepot::api
