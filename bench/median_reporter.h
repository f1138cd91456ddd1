// File: median_reporter.h
//
// A Google Benchmark reporter for the programs in bench/: prints as the console reporter
// does and keeps each benchmark's items/s (the median when run with repetitions, otherwise
// the single run's value), so a program can print its figure next to a baseline measured
// in the same run, as a ratio.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"

namespace entrepot::bench {

class MedianReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      const auto counter = run.counters.find("items_per_second");
      if (run.error_occurred || counter == run.counters.end()) {
        continue;
      }
      const std::string& name = run.run_name.function_name;
      if (run.run_type == Run::RT_Aggregate && run.aggregate_name == "median") {
        medians_[name] = counter->second.value;
      } else if (run.run_type == Run::RT_Iteration) {
        singles_[name] = counter->second.value;
      }
    }
  }

  // Items per second of the benchmark function `name`, if it ran.
  std::optional<double> ItemsPerSecond(const std::string& name) const {
    if (const auto median = medians_.find(name); median != medians_.end()) {
      return median->second;
    }
    if (const auto single = singles_.find(name); single != singles_.end()) {
      return single->second;
    }
    return std::nullopt;
  }

 private:
  std::map<std::string, double> medians_;
  std::map<std::string, double> singles_;
};

// Runs the registered benchmarks with `reporter`; returns false on bad arguments.
inline bool RunBenchmarks(int* argc, char** argv, MedianReporter& reporter) {
  benchmark::Initialize(argc, argv);
  if (benchmark::ReportUnrecognizedArguments(*argc, argv)) {
    return false;
  }
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return true;
}

}  // namespace entrepot::bench
