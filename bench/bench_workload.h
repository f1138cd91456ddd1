// File: bench_workload.h
//
// A synthetic site and scan workload shared by the benchmarks: a dock, 2,000 bins, 200
// products, 50 handhelds doing receive-then-stow cycles of GS1 DataMatrix units (lot and
// expiry), so every scan is accepted and every path of a real scan is exercised.
#pragma once

#include <cstddef>
#include <vector>

#include "entrepot/core/site.h"
#include "entrepot/domain/model.h"

namespace entrepot::bench {

domain::Layout BenchLayout();
std::vector<core::ScanCommand> Workload(size_t scans);

}  // namespace entrepot::bench
