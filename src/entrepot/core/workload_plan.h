// File: workload_plan.h
//
// The workload plan: the open outbound work of a site, per zone and process, turned into
// the staff each zone needs hour by hour to meet the cut-offs, against the staff planned.
// Team level only: no figure here is about a person, and nothing reads who did what (the
// plan uses the order book, never the labor stream).
//
// Method:
//  - Open work: pick = units still to pick (in released tasks, in the zone of their bin;
//    reserved units of unreleased orders, in the product's home zone); pack = picked units
//    not packed; ship = packed units not shipped (sorting and loading). Pack and ship work
//    is placed in the zone of the site's first pack station / outbound door.
//  - Each unit is due in the hour slot of its order's cut-off (work overdue, or due within
//    the first slot, counts in the first slot; work due after the horizon is left out).
//  - Work hours = units x the engineered standard of its process (seconds per unit) / 3600;
//    staff needed in a slot = the work hours due in it (one hour of work needs one person
//    for the hour). A zone whose work cannot wait simply shows a larger need early.
//  - Gap = needed - planned, per zone and slot (planned staff come from the caller).
// Pure: `now_ms` is a parameter; no I/O.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "entrepot/base/status.h"
#include "entrepot/core/site_state.h"

namespace entrepot::core {

enum class WorkProcess : uint8_t { kPick, kPack, kShip };
inline constexpr int kWorkProcessCount = 3;
// "pick", "pack", "ship".
std::string_view WorkProcessName(WorkProcess process);

struct LaborStandards {
  double seconds_per_unit[kWorkProcessCount] = {12.0, 20.0, 6.0};  // pick, pack, ship
};

struct WorkloadRequest {
  int64_t now_ms = 0;
  int hours = 8;  // Slots of one hour from now; 1..48.
  LaborStandards standards;
  // Planned staff per zone per slot (missing zones or slots: 0).
  std::map<std::string, std::vector<double>> planned;
};

struct ZoneWorkload {
  std::string zone;
  int64_t open_units[kWorkProcessCount] = {};  // Within the horizon.
  double work_hours = 0;
  std::vector<double> needed;   // Staff needed per slot.
  std::vector<double> planned;  // As requested, per slot.
  std::vector<double> gap;      // needed - planned.
};

struct WorkloadPlan {
  int64_t from_ms = 0;  // Start of the first slot (now).
  int hours = 0;
  std::vector<ZoneWorkload> zones;   // By zone code.
  int64_t beyond_horizon_units = 0;  // Open units due after the horizon (not planned).
};

// Builds the plan. Returns kInvalidArgument "bad_workload_request" when hours is outside
// 1..48, a standard is not positive (or over an hour per unit), or a planned figure is
// negative or has more slots than `hours`.
StatusOr<WorkloadPlan> PlanWorkload(const SiteState& state, const WorkloadRequest& request);

}  // namespace entrepot::core
