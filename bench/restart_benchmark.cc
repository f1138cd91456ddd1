// Restart time of a site with a long journal: SiteEngine::Open loading the newest snapshot
// and replaying the tail, next to the baseline of replaying the whole journal (the same
// journal with its snapshots removed), measured in the same run.
//
//   restart_benchmark [--benchmark_repetitions=3]      ENTREPOT_RESTART_SCANS (default 10M)
//
// Building the journal is not timed: it runs the workload through the engine once, with a
// snapshot every million records as the engine writes them in production.
#include <sqlite3.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "bench_workload.h"
#include "benchmark/benchmark.h"
#include "entrepot/engine/site_engine.h"
#include "entrepot/store/sqlite_journal.h"
#include "median_reporter.h"

namespace entrepot::bench {
namespace {

std::string TempPath(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("entrepot-restart-" + std::to_string(::getpid()) + "-" + name + ".db"))
      .string();
}

void RemoveDatabase(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(path + suffix);
  }
}

size_t ScansFromEnvironment() {
  const char* scans = std::getenv("ENTREPOT_RESTART_SCANS");
  return scans != nullptr ? std::strtoull(scans, nullptr, 10) : 10'000'000;
}

// Two journals of the same scans: one with the engine's snapshots, one without.
class Journals {
 public:
  static Journals& Get() {
    static Journals journals;
    return journals;
  }
  const std::string& with_snapshots() const { return with_snapshots_; }
  const std::string& without_snapshots() const { return without_snapshots_; }
  uint64_t records() const { return records_; }

 private:
  Journals() : with_snapshots_(TempPath("snapshots")), without_snapshots_(TempPath("replay")) {
    RemoveDatabase(with_snapshots_);
    RemoveDatabase(without_snapshots_);
    const size_t scans = ScansFromEnvironment();
    std::fprintf(stderr, "building a journal of %zu scans...\n", scans);
    {
      auto engine = engine::SiteEngine::Open(*store::SqliteJournal::Open(with_snapshots_));
      (void)(*engine)->LoadLayout(BenchLayout());
      const size_t chunk = 1'000'000;
      for (size_t done = 0; done < scans; done += chunk) {
        std::vector<core::ScanCommand> commands = Workload(std::min(chunk, scans - done));
        for (core::ScanCommand& command : commands) {
          command.key = "r" + std::to_string(done) + "-" + command.key;
        }
        for (size_t begin = 0; begin < commands.size(); begin += 4096) {
          size_t size = std::min<size_t>(4096, commands.size() - begin);
          (void)(*engine)->Execute({commands.data() + begin, size});
        }
      }
      records_ = (*engine)->last_seq();
    }
    std::filesystem::copy_file(with_snapshots_, without_snapshots_);
    sqlite3* db = nullptr;
    sqlite3_open(without_snapshots_.c_str(), &db);
    sqlite3_exec(db, "DELETE FROM snapshot", nullptr, nullptr, nullptr);
    sqlite3_close(db);
  }
  ~Journals() {
    RemoveDatabase(with_snapshots_);
    RemoveDatabase(without_snapshots_);
  }

  std::string with_snapshots_;
  std::string without_snapshots_;
  uint64_t records_ = 0;
};

void Restart(benchmark::State& state, const std::string& path) {
  const Journals& journals = Journals::Get();
  for (auto _ : state) {
    store::SqliteJournal::Options options;
    options.read_only = true;
    auto engine = engine::SiteEngine::Open(*store::SqliteJournal::Open(path, options));
    if (!engine.ok()) {
      state.SkipWithError(engine.status().ToString().c_str());
      return;
    }
    benchmark::DoNotOptimize((*engine)->last_seq());
  }
  state.counters["records"] = static_cast<double>(journals.records());
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void BM_RestartFromSnapshot(benchmark::State& state) {
  Restart(state, Journals::Get().with_snapshots());
}
BENCHMARK(BM_RestartFromSnapshot)->Unit(benchmark::kSecond)->UseRealTime()->Iterations(1);

void BM_RestartFullReplay(benchmark::State& state) {
  Restart(state, Journals::Get().without_snapshots());
}
BENCHMARK(BM_RestartFullReplay)->Unit(benchmark::kSecond)->UseRealTime()->Iterations(1);

}  // namespace
}  // namespace entrepot::bench

int main(int argc, char** argv) {
  entrepot::bench::MedianReporter reporter;
  if (!entrepot::bench::RunBenchmarks(&argc, argv, reporter)) {
    return 1;
  }
  auto snapshot = reporter.ItemsPerSecond("BM_RestartFromSnapshot");
  auto replay = reporter.ItemsPerSecond("BM_RestartFullReplay");
  if (snapshot && replay && *snapshot > 0 && *replay > 0) {
    std::printf(
        "restart of %llu records: %.2f s from snapshot + tail, %.2f s full replay (%.1fx)\n",
        static_cast<unsigned long long>(entrepot::bench::Journals::Get().records()), 1 / *snapshot,
        1 / *replay, *snapshot / *replay);
  }
  return 0;
}
