#include "entrepot/api/metrics.h"

#include <cmath>
#include <cstdio>

namespace entrepot::api {
namespace {

constexpr std::array<double, 12> kSecondsBounds = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                   0.01,   0.025,   0.05,   0.1,   0.5,    1.0};
constexpr std::array<double, 10> kCommandsBounds = {1, 2, 4, 8, 16, 64, 256, 1024, 4096, 16384};

std::string Number(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.6g", value);
  return text;
}

std::string Labels(const std::string& labels, const std::string& more) {
  if (labels.empty()) {
    return "{" + more + "}";
  }
  return "{" + labels + "," + more + "}";
}

template <size_t N>
std::array<Histogram<N>, kRouteCount> MakeRouteHistograms(std::array<double, N> bounds) {
  return [&]<size_t... I>(std::index_sequence<I...>) {
    return std::array<Histogram<N>, kRouteCount>{((void)I, Histogram<N>(bounds))...};
  }
  (std::make_index_sequence<kRouteCount>{});
}

}  // namespace

template <size_t N>
void Histogram<N>::Observe(double value) {
  size_t bucket = 0;
  while (bucket < N && value > bounds_[bucket]) {
    ++bucket;
  }
  counts_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(static_cast<uint64_t>(std::llround(std::max(0.0, value) * 1e6)),
                        std::memory_order_relaxed);
}

template <size_t N>
void Histogram<N>::Render(const std::string& name, const std::string& labels,
                          std::string& out) const {
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= N; ++i) {
    cumulative += counts_[i].load(std::memory_order_relaxed);
    std::string le = i < N ? Number(bounds_[i]) : "+Inf";
    out += name + "_bucket" + Labels(labels, "le=\"" + le + "\"") + " " +
           std::to_string(cumulative) + "\n";
  }
  std::string suffix = labels.empty() ? "" : "{" + labels + "}";
  out += name + "_sum" + suffix + " " +
         Number(static_cast<double>(sum_micros_.load(std::memory_order_relaxed)) / 1e6) + "\n";
  out += name + "_count" + suffix + " " + std::to_string(cumulative) + "\n";
}

Metrics::Metrics()
    : latency_(MakeRouteHistograms(kSecondsBounds)),
      batch_commands_(kCommandsBounds),
      commit_seconds_(kSecondsBounds) {}

void Metrics::CountRequest(Route route, unsigned http_status, double seconds) {
  {
    std::lock_guard lock(mutex_);
    ++requests_[{route, http_status}];
  }
  latency_[static_cast<size_t>(route)].Observe(seconds);
}

void Metrics::CountCommit(size_t commands, double seconds) {
  batch_commands_.Observe(static_cast<double>(commands));
  commit_seconds_.Observe(seconds);
}

void Metrics::CountOutcome(core::Outcome outcome) {
  outcomes_[static_cast<size_t>(outcome)].fetch_add(1, std::memory_order_relaxed);
}

std::string Metrics::Render(size_t queue_depth, uint64_t last_seq, bool healthy) const {
  std::string out;
  out += "# HELP entrepot_http_requests_total HTTP requests answered, by route and status.\n";
  out += "# TYPE entrepot_http_requests_total counter\n";
  {
    std::lock_guard lock(mutex_);
    for (const auto& [key, count] : requests_) {
      out += "entrepot_http_requests_total{route=\"" + std::string(RoutePattern(key.first)) +
             "\",status=\"" + std::to_string(key.second) + "\"} " + std::to_string(count) + "\n";
    }
  }
  out += "# HELP entrepot_http_request_duration_seconds Time from request read to reply.\n";
  out += "# TYPE entrepot_http_request_duration_seconds histogram\n";
  for (size_t i = 0; i < latency_.size(); ++i) {
    latency_[i].Render("entrepot_http_request_duration_seconds",
                       "route=\"" + std::string(RoutePattern(static_cast<Route>(i))) + "\"", out);
  }
  out += "# HELP entrepot_commit_commands Scan commands per group commit.\n";
  out += "# TYPE entrepot_commit_commands histogram\n";
  batch_commands_.Render("entrepot_commit_commands", "", out);
  out += "# HELP entrepot_commit_duration_seconds Time to execute and commit one batch.\n";
  out += "# TYPE entrepot_commit_duration_seconds histogram\n";
  commit_seconds_.Render("entrepot_commit_duration_seconds", "", out);
  out += "# HELP entrepot_sequencer_queue_depth Commands and queries waiting.\n";
  out += "# TYPE entrepot_sequencer_queue_depth gauge\n";
  out += "entrepot_sequencer_queue_depth " + std::to_string(queue_depth) + "\n";
  out += "# HELP entrepot_journal_last_seq The last committed journal seq.\n";
  out += "# TYPE entrepot_journal_last_seq gauge\n";
  out += "entrepot_journal_last_seq " + std::to_string(last_seq) + "\n";
  out += "# HELP entrepot_healthy 1 while the engine can commit.\n";
  out += "# TYPE entrepot_healthy gauge\n";
  out += std::string("entrepot_healthy ") + (healthy ? "1" : "0") + "\n";
  out += "# HELP entrepot_scans_total Scans answered over HTTP, by outcome.\n";
  out += "# TYPE entrepot_scans_total counter\n";
  for (size_t i = 0; i < outcomes_.size(); ++i) {
    out += "entrepot_scans_total{outcome=\"" +
           std::string(core::OutcomeName(static_cast<core::Outcome>(i))) + "\"} " +
           std::to_string(outcomes_[i].load(std::memory_order_relaxed)) + "\n";
  }
  return out;
}

template class Histogram<10>;
template class Histogram<12>;

}  // namespace entrepot::api
