// File: journal_benchmark.cc
//
// Throughput of SqliteJournal on a real file (in $ENTREPOT_BENCH_DIR, default /tmp; it must
// be a real disk, not tmpfs, or syncs cost nothing):
//   - BM_AppendGroupCommit: batches of 1,024 records of 120-byte payloads per Append, the
//     sequencer's group commit (one transaction, one sync per batch);
//   - BM_AppendOneTransactionPerRecord: one record per Append, the naive baseline of one
//     transaction per scan;
//   - BM_Scan: replay throughput over $ENTREPOT_BENCH_SCAN_RECORDS records (default 1 Mi).
// After the runs it prints the ratio of the two append rates, from the medians when run with
// --benchmark_repetitions=5 --benchmark_report_aggregates_only=true (the intended use).
#include <stdlib.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "benchmark/benchmark.h"
#include "entrepot/store/sqlite_journal.h"
#include "median_reporter.h"

namespace entrepot::store {
namespace {

constexpr size_t kPayloadBytes = 120;
constexpr int64_t kGroupCommitBatch = 1024;

// A journal in a fresh directory, removed with it.
class TempJournal {
 public:
  TempJournal() {
    const char* base = std::getenv("ENTREPOT_BENCH_DIR");
    std::string pattern = std::string(base != nullptr ? base : "/tmp") + "/journal_bench.XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      std::perror("mkdtemp");
      std::exit(1);
    }
    dir_ = pattern;
    StatusOr<std::unique_ptr<SqliteJournal>> journal = SqliteJournal::Open(dir_ + "/bench.journal");
    if (!journal.ok()) {
      std::fprintf(stderr, "%s\n", journal.status().ToString().c_str());
      std::exit(1);
    }
    journal_ = std::move(journal).value();
  }
  ~TempJournal() {
    journal_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  TempJournal(const TempJournal&) = delete;
  TempJournal& operator=(const TempJournal&) = delete;

  SqliteJournal& journal() { return *journal_; }

 private:
  std::string dir_;
  std::unique_ptr<SqliteJournal> journal_;
};

// Records shaped like encoded scans: a 36-byte idempotency key and a 120-byte payload.
std::vector<JournalRecord> MakeRecords(size_t count) {
  std::vector<JournalRecord> records(count);
  for (size_t i = 0; i < count; ++i) {
    char key[48];
    std::snprintf(key, sizeof(key), "3f2b8c1e-7d4a-4e6b-9a10-%012zu", i);
    records[i].idempotency_key = key;
    records[i].payload.assign(kPayloadBytes, static_cast<char>('a' + i % 26));
  }
  return records;
}

// Appends batches of state.range(0) records until the benchmark has enough samples.
void AppendBatches(benchmark::State& state) {
  const auto batch_size = static_cast<size_t>(state.range(0));
  TempJournal temp;
  std::vector<JournalRecord> batch = MakeRecords(batch_size);
  uint64_t next_seq = 1;
  for (auto _ : state) {
    for (size_t i = 0; i < batch_size; ++i) {
      batch[i].seq = next_seq + i;
    }
    if (Status status = temp.journal().Append(batch); !status.ok()) {
      state.SkipWithError(status.ToString().c_str());
      break;
    }
    next_seq += batch_size;
  }
  state.SetItemsProcessed(static_cast<int64_t>(next_seq - 1));
}

void BM_AppendGroupCommit(benchmark::State& state) { AppendBatches(state); }
BENCHMARK(BM_AppendGroupCommit)
    ->Arg(kGroupCommitBatch)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

void BM_AppendOneTransactionPerRecord(benchmark::State& state) { AppendBatches(state); }
BENCHMARK(BM_AppendOneTransactionPerRecord)->Arg(1)->UseRealTime()->Unit(benchmark::kMicrosecond);

// One journal for every repetition of BM_Scan, filled on first use (filling takes longer
// than scanning) and removed at exit.
std::unique_ptr<TempJournal> scan_journal;

SqliteJournal& ScanJournal(uint64_t records) {
  if (scan_journal != nullptr) {
    return scan_journal->journal();
  }
  scan_journal = std::make_unique<TempJournal>();
  std::vector<JournalRecord> batch = MakeRecords(static_cast<size_t>(kGroupCommitBatch));
  for (uint64_t first = 1; first <= records; first += batch.size()) {
    batch.resize(std::min<size_t>(batch.size(), records - first + 1));
    for (size_t i = 0; i < batch.size(); ++i) {
      batch[i].seq = first + i;
    }
    if (Status status = scan_journal->journal().Append(batch); !status.ok()) {
      std::fprintf(stderr, "filling the scan journal: %s\n", status.ToString().c_str());
      std::exit(1);
    }
  }
  return scan_journal->journal();
}

uint64_t ScanRecords() {
  const char* text = std::getenv("ENTREPOT_BENCH_SCAN_RECORDS");
  return text != nullptr ? std::strtoull(text, nullptr, 10) : uint64_t{1} << 20;
}

void BM_Scan(benchmark::State& state) {
  const SqliteJournal& journal = ScanJournal(ScanRecords());
  uint64_t records = 0;
  for (auto _ : state) {
    size_t bytes = 0;
    const Status status = journal.Scan(0, [&bytes](const JournalRecord& record) {
      bytes += record.payload.size();
      return OkStatus();
    });
    if (!status.ok()) {
      state.SkipWithError(status.ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(bytes);
    records += journal.LastSeq();
  }
  state.SetItemsProcessed(static_cast<int64_t>(records));
}
BENCHMARK(BM_Scan)->UseRealTime()->Unit(benchmark::kMillisecond);

void PrintSummary(const bench::MedianReporter& reporter) {
  const std::optional<double> group = reporter.ItemsPerSecond("BM_AppendGroupCommit");
  const std::optional<double> single = reporter.ItemsPerSecond("BM_AppendOneTransactionPerRecord");
  const std::optional<double> scan = reporter.ItemsPerSecond("BM_Scan");
  if (group) {
    std::printf("group commit (%lld records per Append): %.0f records/s\n",
                static_cast<long long>(kGroupCommitBatch), *group);
  }
  if (single) {
    std::printf("one transaction per record: %.0f records/s\n", *single);
  }
  if (scan) {
    std::printf("scan: %.0f records/s\n", *scan);
  }
  if (group && single && *single > 0) {
    std::printf("group commit / one transaction per record: %.1fx\n", *group / *single);
  }
}

}  // namespace
}  // namespace entrepot::store

int main(int argc, char** argv) {
  entrepot::bench::MedianReporter reporter;
  if (!entrepot::bench::RunBenchmarks(&argc, argv, reporter)) {
    return 1;
  }
  entrepot::store::PrintSummary(reporter);
  return 0;
}
