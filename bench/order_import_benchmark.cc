// Importing orders (`entrepot orders import`): SiteEngine::ExecuteOrders committing groups of
// 1,000 orders in one journal transaction each, next to the baseline of ExecuteOrder
// committing (and syncing) every order on its own, measured in the same run on the same site.
//
//   order_import_benchmark [--benchmark_repetitions=5]
//       ENTREPOT_IMPORT_ORDERS (default 2,000)   ENTREPOT_BENCH_DIR (default the temp dir;
//       give a directory on a real disk, a tmpfs makes syncs free)
//
// Building the site (layout and 20,000 scans of stock) is not timed; each run places the
// same orders into a fresh copy of it.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "bench_workload.h"
#include "benchmark/benchmark.h"
#include "entrepot/engine/site_engine.h"
#include "entrepot/store/sqlite_journal.h"
#include "median_reporter.h"

namespace entrepot::bench {
namespace {

constexpr size_t kOrdersPerGroup = 1'000;
constexpr int64_t kStart = 1'795'000'000'000;

std::string Directory() {
  const char* dir = std::getenv("ENTREPOT_BENCH_DIR");
  return dir != nullptr ? dir : std::filesystem::temp_directory_path().string();
}

size_t OrdersFromEnvironment() {
  const char* orders = std::getenv("ENTREPOT_IMPORT_ORDERS");
  return orders != nullptr ? std::strtoull(orders, nullptr, 10) : 2'000;
}

void RemoveDatabase(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(path + suffix);
  }
}

void Fail(const Status& status, const char* what) {
  if (!status.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, status.ToString().c_str());
    std::abort();
  }
}

// A site with stock, built once; each run imports into a copy of its database.
class Fixture {
 public:
  static Fixture& Get() {
    static Fixture fixture;
    return fixture;
  }
  ~Fixture() {
    RemoveDatabase(site_);
    RemoveDatabase(copy_);
  }

  // A fresh copy of the stocked site.
  std::unique_ptr<engine::SiteEngine> Open() {
    RemoveDatabase(copy_);
    std::filesystem::copy_file(site_, copy_);
    auto journal = store::SqliteJournal::Open(copy_);
    Fail(journal.status(), "opening the copy");
    auto engine = engine::SiteEngine::Open(*std::move(journal));
    Fail(engine.status(), "opening the engine");
    return *std::move(engine);
  }

  // One place command per order, 1 to 3 lines of the layout's products.
  const std::vector<core::OrderCommand>& orders() const { return orders_; }

 private:
  Fixture() : site_(Path("site")), copy_(Path("copy")) {
    RemoveDatabase(site_);
    const domain::Layout layout = BenchLayout();
    {
      auto engine = engine::SiteEngine::Open(*store::SqliteJournal::Open(site_));
      Fail(engine.status(), "creating the site");
      Fail((*engine)->LoadLayout(layout), "loading the layout");
      std::vector<core::ScanCommand> scans = Workload(20'000);
      for (size_t begin = 0; begin < scans.size(); begin += 4096) {
        const size_t size = std::min<size_t>(4096, scans.size() - begin);
        Fail((*engine)->Execute({scans.data() + begin, size}).status(), "stocking the site");
      }
    }
    const size_t count = OrdersFromEnvironment();
    for (size_t o = 0; o < count; ++o) {
      core::OrderTerms terms{"O" + std::to_string(o),
                             o % 3 == 0 ? "DPD" : "UPS",
                             kStart + static_cast<int64_t>(o % 12) * 3'600'000,
                             0,
                             {}};
      for (size_t line = 0; line <= o % 3; ++line) {
        const size_t product = (o * 7 + line * 13) % layout.products.size();
        terms.lines.push_back({layout.products[product].gtin, static_cast<int64_t>(line + 1)});
      }
      orders_.push_back(core::PlaceOrder{std::move(terms)});
    }
  }

  static std::string Path(const std::string& name) {
    return (std::filesystem::path(Directory()) /
            ("entrepot-import-" + std::to_string(::getpid()) + "-" + name + ".db"))
        .string();
  }

  std::string site_;
  std::string copy_;
  std::vector<core::OrderCommand> orders_;
};

void BM_ImportInGroups(benchmark::State& state) {
  Fixture& fixture = Fixture::Get();
  const std::vector<core::OrderCommand>& orders = fixture.orders();
  for (auto _ : state) {
    state.PauseTiming();
    std::unique_ptr<engine::SiteEngine> engine = fixture.Open();
    state.ResumeTiming();
    for (size_t begin = 0; begin < orders.size(); begin += kOrdersPerGroup) {
      const size_t size = std::min(kOrdersPerGroup, orders.size() - begin);
      auto replies = engine->ExecuteOrders({orders.data() + begin, size}, kStart);
      Fail(replies.status(), "import");
      for (const StatusOr<engine::OrderReply>& reply : *replies) {
        Fail(reply.status(), "placing an order");  // Each must be placed, as in the baseline.
      }
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(orders.size()));
}
BENCHMARK(BM_ImportInGroups)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

void BM_ImportOneCommitPerOrder(benchmark::State& state) {
  Fixture& fixture = Fixture::Get();
  const std::vector<core::OrderCommand>& orders = fixture.orders();
  for (auto _ : state) {
    state.PauseTiming();
    std::unique_ptr<engine::SiteEngine> engine = fixture.Open();
    state.ResumeTiming();
    for (const core::OrderCommand& order : orders) {
      Fail(engine->ExecuteOrder(order, kStart).status(), "import");
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(orders.size()));
}
BENCHMARK(BM_ImportOneCommitPerOrder)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

}  // namespace
}  // namespace entrepot::bench

int main(int argc, char** argv) {
  entrepot::bench::MedianReporter reporter;
  if (!entrepot::bench::RunBenchmarks(&argc, argv, reporter)) {
    return 1;
  }
  auto grouped = reporter.ItemsPerSecond("BM_ImportInGroups");
  auto single = reporter.ItemsPerSecond("BM_ImportOneCommitPerOrder");
  if (grouped && single && *single > 0) {
    std::printf(
        "import of %zu orders: %.0f orders/s in groups of %zu, %.0f one commit each (%.1fx)\n",
        entrepot::bench::Fixture::Get().orders().size(), *grouped, entrepot::bench::kOrdersPerGroup,
        *single, *grouped / *single);
  }
  return 0;
}
