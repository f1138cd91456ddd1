// Release planning (core/orders.h, ReleaseOrders): 100,000 open orders against 1 million
// units of stock in 50,000 bins, every order planned in one decision (cut-off order, FEFO
// allocation, batches). The target is under one second. The baseline, measured in the same
// run, is the least any cut-off-driven release must do: sort the same open orders by
// cut-off, priority and placement.
//
//   release_benchmark [--benchmark_repetitions=3]
//
// Building the site and placing the orders is not timed.
#include <algorithm>
#include <cstdio>
#include <string>
#include <tuple>
#include <vector>

#include "benchmark/benchmark.h"
#include "entrepot/core/orders.h"
#include "entrepot/core/site.h"
#include "median_reporter.h"

namespace entrepot::bench {
namespace {

constexpr int kBins = 50'000;
constexpr int kUnitsPerBin = 20;  // 1,000,000 units.
constexpr int kProducts = 20'000;
constexpr int kOrders = 100'000;
constexpr int64_t kStart = 1'795'000'000'000;

std::string Gtin(int n) {
  std::string body = std::to_string(950600000000 + n);  // 12 digits.
  body = "0" + body;
  int sum = 0;
  for (size_t i = 0; i < body.size(); ++i) {
    int digit = body[body.size() - 1 - i] - '0';
    sum += digit * (i % 2 == 0 ? 3 : 1);
  }
  return body + static_cast<char>('0' + (10 - sum % 10) % 10);
}

core::Site BuildSite() {
  core::SiteState state;
  state.Apply(core::SiteDefined{"FR-BENCH", "Release benchmark"});
  state.Apply(core::ZoneDefined{{"A", "Stow A"}});
  for (int p = 0; p < kProducts; ++p) {
    state.Apply(core::ProductDefined{{Gtin(p), "Product " + std::to_string(p), "A"}});
  }
  for (int b = 0; b < kBins; ++b) {
    domain::Location bin;
    bin.code = "A-" + std::to_string(b);
    bin.zone = "A";
    bin.type = domain::LocationType::kStowBin;
    state.Apply(core::LocationDefined{bin});
    // Two lots per product spread over its bins, so FEFO has a choice to make.
    domain::ItemKey item{Gtin(b % kProducts), "L" + std::to_string(b % 2),
                         b % 2 == 0 ? "2027-06-30" : "2027-03-31", ""};
    state.Apply(core::UnitsReceived{item, kUnitsPerBin, domain::Holder::AtLocation(bin.code)});
  }
  core::Site site({}, std::move(state));
  uint64_t seq = 1;
  for (int o = 0; o < kOrders; ++o) {
    core::OrderTerms terms{"O" + std::to_string(o),
                           o % 3 == 0 ? "DPD" : "UPS",
                           kStart + (o % 12) * 3'600'000,
                           o % 5,
                           {}};
    for (int line = 0; line <= o % 3; ++line) {
      terms.lines.push_back({Gtin((o * 7 + line * 13) % kProducts), 1 + line});
    }
    StatusOr<core::Site::OrderExecution> placed =
        site.ExecuteOrder(core::PlaceOrder{std::move(terms)}, ++seq, kStart);
    if (!placed.ok()) {
      std::fprintf(stderr, "placing order %d failed: %s\n", o, placed.status().ToString().c_str());
      std::abort();
    }
  }
  return site;
}

const core::Site& TheSite() {
  static const core::Site site = BuildSite();
  return site;
}

void BM_ReleasePlanning(benchmark::State& state) {
  const core::Site& site = TheSite();
  size_t released = 0;
  for (auto _ : state) {
    StatusOr<core::OrderDecision> decision =
        core::DecideOrder(site.state(), core::ReleaseOrders{0, kOrders, 8}, 1'000'000);
    released = decision.ok() ? decision->released.size() : 0;
    benchmark::DoNotOptimize(decision);
  }
  state.counters["released"] = static_cast<double>(released);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kOrders);
}
BENCHMARK(BM_ReleasePlanning)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_SortOpenOrdersBaseline(benchmark::State& state) {
  const core::Site& site = TheSite();
  for (auto _ : state) {
    std::vector<const core::OrderState*> waiting;
    waiting.reserve(kOrders);
    for (const auto& [id, order] : site.state().orders().orders()) {
      waiting.push_back(&order);
    }
    std::sort(waiting.begin(), waiting.end(), [](const auto* a, const auto* b) {
      return std::make_tuple(a->cutoff_ms, -a->priority, a->number) <
             std::make_tuple(b->cutoff_ms, -b->priority, b->number);
    });
    benchmark::DoNotOptimize(waiting);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kOrders);
}
BENCHMARK(BM_SortOpenOrdersBaseline)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace entrepot::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  entrepot::bench::MedianReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  const auto release = reporter.ItemsPerSecond("BM_ReleasePlanning");
  const auto sort = reporter.ItemsPerSecond("BM_SortOpenOrdersBaseline");
  if (release && sort && *release > 0) {
    const double seconds = entrepot::bench::kOrders / *release;
    std::printf(
        "release planning: %d orders in %.3f s (target < 1 s); %.1f x the time of sorting them "
        "(baseline)\n",
        entrepot::bench::kOrders, seconds, *sort / *release);
  }
  benchmark::Shutdown();
  return 0;
}
