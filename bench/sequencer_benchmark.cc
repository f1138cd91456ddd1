// The scan path's throughput, each figure next to its baseline from the same run:
//   BM_SequencerAlone          core::Site::Execute on one core: decode, decide, apply.
//   BM_JournaledGroupCommit    the same through engine::SiteEngine and the SQLite journal,
//                              4,096 scans per commit (one transaction, one fsync).
//   BM_JournaledPipelined      the same batches through SiteEngine::ExecuteAsync, as the
//                              server's sequencer runs them: batch N+1 is decided while the
//                              engine's writer thread commits batch N (what queued meanwhile
//                              is merged into the next transaction); timed to the last commit.
//   BM_JournaledOneTransactionPerScan  the naive baseline: one commit per scan, as an
//                              ORM-based WMS writes.
// Run from a release build:
//   sequencer_benchmark --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
// and read the ratios printed at the end (medians).
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "bench_workload.h"
#include "benchmark/benchmark.h"
#include "entrepot/core/site.h"
#include "entrepot/domain/labels.h"
#include "entrepot/engine/site_engine.h"
#include "entrepot/store/sqlite_journal.h"
#include "median_reporter.h"

namespace entrepot::bench {
namespace {

void BM_SequencerAlone(benchmark::State& state) {
  const std::vector<core::ScanCommand> commands = Workload(200'000);
  size_t executed = 0;
  for (auto _ : state) {
    state.PauseTiming();
    core::Site site;
    uint64_t seq = site.LoadLayout(BenchLayout(), 1).size();
    state.ResumeTiming();
    for (const core::ScanCommand& command : commands) {
      core::Site::Execution execution = site.Execute(command, ++seq);
      benchmark::DoNotOptimize(execution.entry.reply.outcome);
    }
    executed += commands.size();
  }
  state.SetItemsProcessed(static_cast<int64_t>(executed));
}
BENCHMARK(BM_SequencerAlone)->Unit(benchmark::kMillisecond)->UseRealTime();

// A site engine on a fresh SQLite file in the temp dir.
class BenchSite {
 public:
  BenchSite() {
    path_ = (std::filesystem::temp_directory_path() /
             ("entrepot-bench-" + std::to_string(::getpid()) + ".db"))
                .string();
    Remove();
    auto journal = store::SqliteJournal::Open(path_);
    auto engine = engine::SiteEngine::Open(*std::move(journal));
    engine_ = *std::move(engine);
    (void)engine_->LoadLayout(BenchLayout());
  }
  ~BenchSite() {
    engine_.reset();
    Remove();
  }
  engine::SiteEngine& engine() { return *engine_; }

 private:
  void Remove() {
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::filesystem::remove(path_ + suffix);
    }
  }
  std::string path_;
  std::unique_ptr<engine::SiteEngine> engine_;
};

// Executes `scans` workload scans on a fresh site, `batch` per SiteEngine call: Execute
// (decide, commit, then the next batch), or ExecuteAsync when `pipelined` (the next batch is
// decided while the engine's writer thread commits this one), timed to the last commit.
void RunJournaled(benchmark::State& state, size_t scans, size_t batch, bool pipelined = false) {
  const std::vector<core::ScanCommand> commands = Workload(scans);
  size_t executed = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto site = std::make_unique<BenchSite>();
    state.ResumeTiming();
    for (size_t begin = 0; begin < commands.size(); begin += batch) {
      std::span<const core::ScanCommand> next(commands.data() + begin,
                                              std::min(batch, commands.size() - begin));
      Status done = pipelined ? site->engine().ExecuteAsync(next, [](auto) {})
                              : site->engine().Execute(next).status();
      if (!done.ok()) {
        state.SkipWithError(done.ToString().c_str());
        return;
      }
    }
    if (Status drained = site->engine().Drain(); !drained.ok()) {
      state.SkipWithError(drained.ToString().c_str());
      return;
    }
    executed += commands.size();
    state.PauseTiming();
    site.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(executed));
}

void BM_JournaledGroupCommit(benchmark::State& state) { RunJournaled(state, 200'000, 4096); }
BENCHMARK(BM_JournaledGroupCommit)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_JournaledPipelined(benchmark::State& state) {
  RunJournaled(state, 200'000, 4096, /*pipelined=*/true);
}
BENCHMARK(BM_JournaledPipelined)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_JournaledOneTransactionPerScan(benchmark::State& state) { RunJournaled(state, 2'000, 1); }
BENCHMARK(BM_JournaledOneTransactionPerScan)->Unit(benchmark::kMillisecond)->UseRealTime();

void PrintRatios(const MedianReporter& reporter) {
  auto alone = reporter.ItemsPerSecond("BM_SequencerAlone");
  auto group = reporter.ItemsPerSecond("BM_JournaledGroupCommit");
  auto pipelined = reporter.ItemsPerSecond("BM_JournaledPipelined");
  auto naive = reporter.ItemsPerSecond("BM_JournaledOneTransactionPerScan");
  if (alone) {
    std::printf("sequencer alone: %.0f scans/s on one core\n", *alone);
  }
  if (group) {
    std::printf("sequencer + SQLite journal, group commit: %.0f scans/s\n", *group);
  }
  if (pipelined) {
    std::printf("the same, pipelined (commit N while deciding N+1): %.0f scans/s\n", *pipelined);
  }
  if (pipelined && group && *group > 0) {
    std::printf("pipelined / group commit: %.2fx\n", *pipelined / *group);
  }
  if (naive) {
    std::printf("one SQLite transaction per scan (baseline): %.0f scans/s\n", *naive);
  }
  if (group && naive && *naive > 0) {
    std::printf("group commit / one transaction per scan: %.1fx\n", *group / *naive);
  }
  if (group && alone && *alone > 0) {
    std::printf("journaled / sequencer alone: %.2f\n", *group / *alone);
  }
}

}  // namespace
}  // namespace entrepot::bench

int main(int argc, char** argv) {
  entrepot::bench::MedianReporter reporter;
  if (!entrepot::bench::RunBenchmarks(&argc, argv, reporter)) {
    return 1;
  }
  entrepot::bench::PrintRatios(reporter);
  return 0;
}
