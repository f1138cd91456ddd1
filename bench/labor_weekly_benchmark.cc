// The dashboard's weekly labor aggregates (store/labor_store.h, QueryWeekly) on a month of a
// 2,000-worker site: 20 teams of 100 in 3 shifts, five processes in 10 zones, five weeks of
// five working days, each day recorded (sessions, scans) and rolled up into a real labor.db
// in a temporary directory, plus today's raw events. Timed: the weekly aggregate over the
// five weeks by team and by shift, and the team standard-vs-actual comparison, each with
// k-anonymity and differencing protection (k = 10) as the API asks them. Baselines in the
// same run: the same figures by a plain SQL GROUP BY over the team-week rows (no privacy,
// the least any answer costs), and today's aggregate by team over the raw events (the query
// the dashboard already makes). The target of issue 4 is under 50 ms per dashboard query.
//
//   labor_weekly_benchmark [--benchmark_repetitions=5 --benchmark_report_aggregates_only=true]
//
// Building the month is not timed. The simulation is deterministic (seed kSeed).
#include <sqlite3.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "entrepot/privacy/labor_aggregate.h"
#include "entrepot/privacy/labor_rollup.h"
#include "entrepot/store/labor_store.h"
#include "median_reporter.h"

namespace entrepot::bench {
namespace {

constexpr int kWorkers = 2'000;
constexpr int kTeams = 20;
constexpr int kZones = 10;
constexpr int kWeeks = 5;
constexpr int kScansPerDay = 12;
constexpr uint64_t kSeed = 20260601;
constexpr const char* kProcesses[] = {"pick", "pick", "pack", "stow", "receive", "ship"};
constexpr const char* kShifts[] = {"early", "late", "night"};

// Monday of the first week (2026-W18) and today (Monday of 2026-W23).
const privacy::Date kFirstMonday{std::chrono::year(2026), std::chrono::April, std::chrono::day(27)};
const privacy::Date kToday{std::chrono::year(2026), std::chrono::June, std::chrono::day(1)};

[[noreturn]] void Fail(const char* what, const Status& status) {
  std::fprintf(stderr, "%s: %s\n", what, status.ToString().c_str());
  std::abort();
}

std::string Team(int worker) { return "T" + std::to_string(worker % kTeams); }

// One working day: the rota, then a session of kScansPerDay scans per worker, mostly in the
// worker's process and zone, 2% errors.
void RecordDay(store::LaborStore& labor, const privacy::Date& day, std::mt19937_64& random) {
  std::vector<store::LaborAssignment> rota;
  for (int w = 0; w < kWorkers; ++w) {
    rota.push_back(
        {w + 1, Team(w), kShifts[(w % kTeams) % 3], "Z" + std::to_string(w % kZones), false});
  }
  if (Status set = labor.SetAssignments(day, rota); !set.ok()) {
    Fail("rota", set);
  }
  std::vector<store::LaborScan> scans;
  for (int w = 0; w < kWorkers; ++w) {
    const std::string device = "HH-" + std::to_string(w);
    if (Status started = labor.StartSession(day, device, w + 1, 0); !started.ok()) {
      Fail("session", started);
    }
    for (int s = 0; s < kScansPerDay; ++s) {
      const bool elsewhere = random() % 10 == 0;
      const auto own = static_cast<uint64_t>(w);
      const uint64_t process = elsewhere ? random() % 6 : (own % kTeams) % 6;
      const uint64_t zone = elsewhere ? random() % kZones : own % kZones;
      scans.push_back({device, kProcesses[process], "Z" + std::to_string(zone),
                       random() % 50 == 0 ? "wrong_location" : "ok",
                       static_cast<int64_t>(1 + random() % 20), (s + 1) * 2'400'000});
    }
    if (scans.size() >= 5'000) {
      if (auto recorded = labor.RecordScans(scans); !recorded.ok()) {
        Fail("scans", recorded.status());
      }
      scans.clear();
    }
  }
  if (auto recorded = labor.RecordScans(scans); !recorded.ok()) {
    Fail("scans", recorded.status());
  }
}

struct Month {
  std::filesystem::path dir;
  std::unique_ptr<store::LaborStore> labor;
  sqlite3* reader = nullptr;  // For the plain SQL baseline.
};

Month* built_month = nullptr;  // Set once the month is built (main removes its directory).

Month& TheMonth() {
  static Month* month = [] {
    auto* built = new Month();
    built_month = built;
    std::string pattern =
        (std::filesystem::temp_directory_path() / "labor_weekly_benchmark_XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      std::abort();
    }
    built->dir = pattern;
    auto opened = store::LaborStore::Open(built->dir, privacy::DefaultPolicy());
    if (!opened.ok()) {
      Fail("open", opened.status());
    }
    built->labor = std::move(*opened);
    std::vector<int64_t> ids;
    for (int w = 0; w < kWorkers; ++w) {
      ids.push_back(w + 1);
    }
    std::mt19937_64 random(kSeed);
    std::printf("simulating %d workers over %d weeks (seed %llu)...\n", kWorkers, kWeeks,
                static_cast<unsigned long long>(kSeed));
    for (int week = 0; week < kWeeks; ++week) {
      for (int weekday = 0; weekday < 5; ++weekday) {
        const privacy::Date day = privacy::AddDays(kFirstMonday, week * 7 + weekday);
        RecordDay(*built->labor, day, random);
        if (auto rolled = built->labor->RollUpDay(day, ids); !rolled.ok()) {
          Fail("roll-up", rolled.status());
        }
      }
    }
    RecordDay(*built->labor, kToday, random);  // Today's raw events, for the baseline.
    sqlite3_open_v2((built->dir / store::kLaborFileName).string().c_str(), &built->reader,
                    SQLITE_OPEN_READONLY, nullptr);
    return built;
  }();
  return *month;
}

store::WeeklyQuery MonthQuery(privacy::LaborDimension group_by,
                              const privacy::ProcessStandards* standards = nullptr) {
  privacy::AggregateQuery query;
  query.group_by = group_by;
  return {kFirstMonday, privacy::AddDays(kFirstMonday, 7 * (kWeeks - 1)), query, standards};
}

void RunWeekly(benchmark::State& state, const char* requester, const store::WeeklyQuery& query) {
  store::LaborStore& labor = *TheMonth().labor;
  size_t answered = 0;
  for (auto _ : state) {
    StatusOr<store::WeeklyAnswer> answer = labor.QueryWeekly(kToday, requester, query);
    if (!answer.ok()) {
      state.SkipWithError(answer.status().ToString().c_str());
      return;
    }
    answered = 0;
    for (const privacy::AggregateCell& cell : answer->aggregate.cells) {
      answered += cell.suppression == privacy::Suppression::kNone ? 1 : 0;
    }
    benchmark::DoNotOptimize(answer);
  }
  state.counters["answered_cells"] = static_cast<double>(answered);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void BM_WeeklyByTeam(benchmark::State& state) {
  RunWeekly(state, "by-team", MonthQuery(privacy::LaborDimension::kTeam));
}
BENCHMARK(BM_WeeklyByTeam)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_WeeklyByShift(benchmark::State& state) {
  RunWeekly(state, "by-shift", MonthQuery(privacy::LaborDimension::kShift));
}
BENCHMARK(BM_WeeklyByShift)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_StandardVsActualByTeam(benchmark::State& state) {
  static const privacy::ProcessStandards standards = {
      {"pick", {12, 15}}, {"pack", {20, 0}}, {"ship", {6, 10}}};
  RunWeekly(state, "standard", MonthQuery(privacy::LaborDimension::kTeam, &standards));
}
BENCHMARK(BM_StandardVsActualByTeam)->Unit(benchmark::kMillisecond)->UseRealTime();

// Baseline: the same month by team, straight from the team-week rows, no privacy at all.
void BM_PlainGroupByTeamBaseline(benchmark::State& state) {
  sqlite3* db = TheMonth().reader;
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db,
                     "SELECT team, count(DISTINCT week || member), sum(units), sum(errors), "
                     "sum(ms) FROM team_weekly WHERE week BETWEEN ?1 AND ?2 GROUP BY team",
                     -1, &stmt, nullptr);
  const std::string from = privacy::FormatDate(kFirstMonday);
  const std::string to = privacy::FormatDate(privacy::AddDays(kFirstMonday, 7 * (kWeeks - 1)));
  int64_t units = 0;
  for (auto _ : state) {
    sqlite3_reset(stmt);
    sqlite3_bind_text(stmt, 1, from.c_str(), -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, to.c_str(), -1, SQLITE_STATIC);
    units = 0;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      units += sqlite3_column_int64(stmt, 2);
    }
    benchmark::DoNotOptimize(units);
  }
  sqlite3_finalize(stmt);
  state.counters["units"] = static_cast<double>(units);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_PlainGroupByTeamBaseline)->Unit(benchmark::kMillisecond)->UseRealTime();

// Baseline: today's aggregate by team over today's raw events (2,000 workers, one day).
void BM_TodayByTeamBaseline(benchmark::State& state) {
  store::LaborStore& labor = *TheMonth().labor;
  privacy::AggregateQuery query;
  query.group_by = privacy::LaborDimension::kTeam;
  for (auto _ : state) {
    StatusOr<privacy::AggregateAnswer> answer = labor.QueryAggregates(kToday, "today", query);
    if (!answer.ok()) {
      state.SkipWithError(answer.status().ToString().c_str());
      return;
    }
    benchmark::DoNotOptimize(answer);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_TodayByTeamBaseline)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace entrepot::bench

int main(int argc, char** argv) {
  entrepot::bench::MedianReporter reporter;
  if (!entrepot::bench::RunBenchmarks(&argc, argv, reporter)) {
    return 1;
  }
  const auto plain = reporter.ItemsPerSecond("BM_PlainGroupByTeamBaseline");
  const auto today = reporter.ItemsPerSecond("BM_TodayByTeamBaseline");
  for (const char* name : {"BM_WeeklyByTeam", "BM_WeeklyByShift", "BM_StandardVsActualByTeam"}) {
    const auto rate = reporter.ItemsPerSecond(name);
    if (!rate || *rate <= 0) {
      continue;
    }
    std::printf("%s: %.2f ms per query (target < 50 ms)", name, 1000.0 / *rate);
    if (plain && *plain > 0) {
      std::printf("; %.2f x a plain GROUP BY (%.2f ms)", *plain / *rate, 1000.0 / *plain);
    }
    if (today && *today > 0) {
      std::printf("; %.2f x today's aggregate (%.2f ms)", *today / *rate, 1000.0 / *today);
    }
    std::printf("\n");
  }
  if (entrepot::bench::Month* month = entrepot::bench::built_month; month != nullptr) {
    sqlite3_close(month->reader);
    month->labor.reset();
    std::error_code ignored;
    std::filesystem::remove_all(month->dir, ignored);
  }
  return 0;
}
