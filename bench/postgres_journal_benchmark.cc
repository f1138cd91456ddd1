// File: postgres_journal_benchmark.cc
//
// Journaled ingest into PostgreSQL (PostgresJournal), in one run:
//   - BM_PostgresGroupCommit: batches of 256 records per Append, the sequencer's group
//     commit (one transaction: one multi-row INSERT, one COMMIT with synchronous_commit on);
//   - BM_PostgresOneTransactionPerRecord: one record per Append (BEGIN, INSERT, COMMIT per
//     scan), how ORM-based WMSs write.
// The records are real journal entries: bench_workload.h's scans run through a SiteEngine
// (receive-then-stow cycles of GS1 units), captured in memory, then appended again and again
// with new seqs. After the runs it prints both rates and their ratio (target: at least 20x),
// from the medians when run with --benchmark_repetitions=5
// --benchmark_report_aggregates_only=true (the intended use).
//
// The server: $ENTREPOT_BENCH_POSTGRES (a postgresql:// URL) when set; otherwise the program
// starts a throwaway cluster with tools/pg_test_cluster.sh in a fresh directory under
// $ENTREPOT_BENCH_DIR (default /tmp; a real disk, not tmpfs, or syncs cost nothing) and stops
// it at exit. Each benchmark run appends to a site of its own.
#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bench_workload.h"
#include "benchmark/benchmark.h"
#include "entrepot/base/status_macros.h"
#include "entrepot/engine/site_engine.h"
#include "entrepot/store/postgres_journal.h"
#include "median_reporter.h"

namespace entrepot::store {
namespace {

constexpr int64_t kGroupCommitBatch = 256;
constexpr size_t kCapturedScans = 20'000;

// A Journal in memory that keeps what the engine appends.
class CaptureJournal final : public Journal {
 public:
  Status Append(std::span<const JournalRecord> records) override {
    records_.insert(records_.end(), records.begin(), records.end());
    return OkStatus();
  }
  uint64_t LastSeq() const override { return records_.size(); }
  Status Scan(uint64_t after,
              const std::function<Status(const JournalRecord&)>& visit) const override {
    for (uint64_t seq = after + 1; seq <= records_.size(); ++seq) {
      ENTREPOT_RETURN_IF_ERROR(visit(records_[seq - 1]));
    }
    return OkStatus();
  }
  Status WriteSnapshot(const Snapshot&) override { return OkStatus(); }
  StatusOr<std::optional<Snapshot>> LatestSnapshot() const override {
    return std::optional<Snapshot>();
  }
  Status CheckIntegrity() const override { return OkStatus(); }

  std::vector<JournalRecord> records_;
};

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "postgres_journal_benchmark: %s\n", what.c_str());
  std::exit(1);
}

// The journal records of kCapturedScans workload scans (without the layout's records).
std::vector<JournalRecord> CaptureRecords() {
  auto capture = std::make_unique<CaptureJournal>();
  CaptureJournal* journal = capture.get();
  StatusOr<std::unique_ptr<engine::SiteEngine>> engine =
      engine::SiteEngine::Open(std::move(capture));
  if (!engine.ok() || !(*engine)->LoadLayout(bench::BenchLayout()).ok()) {
    Die("cannot build the bench site");
  }
  const size_t layout_records = journal->records_.size();
  const std::vector<core::ScanCommand> scans = bench::Workload(kCapturedScans);
  for (size_t first = 0; first < scans.size(); first += kGroupCommitBatch) {
    const size_t count = std::min<size_t>(kGroupCommitBatch, scans.size() - first);
    if (!(*engine)->Execute(std::span(scans).subspan(first, count)).ok()) {
      Die("the workload failed");
    }
  }
  return {journal->records_.begin() + static_cast<ptrdiff_t>(layout_records),
          journal->records_.end()};
}

const std::vector<JournalRecord>& Records() {
  static const std::vector<JournalRecord> records = CaptureRecords();
  return records;
}

// The server: ENTREPOT_BENCH_POSTGRES, or a cluster of our own stopped at exit.
std::string cluster_dir;

void StopCluster() {
  const std::string command = std::string(ENTREPOT_SOURCE_DIR) +
                              "/tools/pg_test_cluster.sh stop '" + cluster_dir + "' >/dev/null";
  if (std::system(command.c_str()) != 0) {
    std::fprintf(stderr, "could not stop the cluster in %s\n", cluster_dir.c_str());
  }
}

const std::string& ServerUrl() {
  static const std::string url = [] {
    if (const char* given = std::getenv("ENTREPOT_BENCH_POSTGRES")) {
      return std::string(given);
    }
    const char* base = std::getenv("ENTREPOT_BENCH_DIR");
    std::string pattern = std::string(base != nullptr ? base : "/tmp") + "/pgbench.XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      Die("mkdtemp failed");
    }
    cluster_dir = pattern;
    const std::string command =
        std::string(ENTREPOT_SOURCE_DIR) + "/tools/pg_test_cluster.sh start '" + pattern + "'";
    FILE* out = popen(command.c_str(), "r");
    char line[1024] = {};
    const bool read = out != nullptr && std::fgets(line, sizeof(line), out) != nullptr;
    if (out == nullptr || pclose(out) != 0 || !read) {
      Die("could not start a cluster with " + command);
    }
    std::atexit(StopCluster);
    std::string started = line;
    while (!started.empty() && started.back() == '\n') {
      started.pop_back();
    }
    std::fprintf(stderr, "throwaway cluster in %s: %s\n", pattern.c_str(), started.c_str());
    return started;
  }();
  return url;
}

// Appends batches of state.range(0) records to a site of its own until the benchmark has
// enough samples.
void AppendBatches(benchmark::State& state) {
  static int run = 0;
  const auto batch_size = static_cast<size_t>(state.range(0));
  const std::vector<JournalRecord>& records = Records();
  StatusOr<std::unique_ptr<PostgresJournal>> journal = PostgresJournal::Open(
      ServerUrl(), "BENCH-" + std::to_string(::getpid()) + "-" + std::to_string(run++));
  if (!journal.ok()) {
    state.SkipWithError(journal.status().ToString().c_str());
    return;
  }
  std::vector<JournalRecord> batch(batch_size);
  uint64_t next_seq = 1;
  for (auto _ : state) {
    for (size_t i = 0; i < batch_size; ++i) {
      batch[i] = records[(next_seq - 1 + i) % records.size()];
      batch[i].seq = next_seq + i;
    }
    if (Status status = (*journal)->Append(batch); !status.ok()) {
      state.SkipWithError(status.ToString().c_str());
      break;
    }
    next_seq += batch_size;
  }
  state.SetItemsProcessed(static_cast<int64_t>(next_seq - 1));
}

void BM_PostgresGroupCommit(benchmark::State& state) { AppendBatches(state); }
BENCHMARK(BM_PostgresGroupCommit)
    ->Arg(kGroupCommitBatch)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

void BM_PostgresOneTransactionPerRecord(benchmark::State& state) { AppendBatches(state); }
BENCHMARK(BM_PostgresOneTransactionPerRecord)->Arg(1)->UseRealTime()->Unit(benchmark::kMicrosecond);

void PrintSummary(const bench::MedianReporter& reporter) {
  const std::vector<JournalRecord>& records = Records();
  size_t bytes = 0;
  for (const JournalRecord& record : records) {
    bytes += record.payload.size();
  }
  std::printf(
      "records: real journal entries of %zu workload scans, %.0f payload bytes on average\n",
      records.size(), static_cast<double>(bytes) / static_cast<double>(records.size()));
  const std::optional<double> group = reporter.ItemsPerSecond("BM_PostgresGroupCommit");
  const std::optional<double> single =
      reporter.ItemsPerSecond("BM_PostgresOneTransactionPerRecord");
  if (group) {
    std::printf("group commit (%lld records per transaction): %.0f records/s\n",
                static_cast<long long>(kGroupCommitBatch), *group);
  }
  if (single) {
    std::printf("one INSERT transaction per record: %.0f records/s\n", *single);
  }
  if (group && single && *single > 0) {
    std::printf("group commit / one transaction per record: %.1fx (target: at least 20x)\n",
                *group / *single);
  }
}

}  // namespace
}  // namespace entrepot::store

int main(int argc, char** argv) {
  entrepot::bench::MedianReporter reporter;
  (void)entrepot::store::Records();  // Before the timings: capturing takes a second or two.
  (void)entrepot::store::ServerUrl();
  if (!entrepot::bench::RunBenchmarks(&argc, argv, reporter)) {
    return 1;
  }
  entrepot::store::PrintSummary(reporter);
  return 0;
}
