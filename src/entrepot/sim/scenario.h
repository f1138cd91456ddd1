// File: scenario.h
//
// A simulated shift's parameters (docs/SIMULATOR.md), read from TOML. Everything the floor
// model does follows from a Scenario and the site's layout, so one scenario and one seed
// give one scan stream.
//
//   seed = 7                        # the only source of randomness
//   start = "2026-11-28T06:00:00Z"  # when the shift starts (simulated time)
//   minutes = 480                   # how long it lasts
//   speed = 60                      # simulated seconds per real second; 0: as fast as replies
//   picking = "directed"            # "directed" (orders, release, tasks) or "free"
//   [staff]    receive, stow, pick, pack, ship       (workers, hence handhelds, per process)
//   [inbound]  trucks, pallets_per_truck, products_per_pallet, units_per_product
//   [orders]   per_hour, max_lines, max_units_per_line, per_batch, release_every_minutes
//   [cadence]  scan_seconds, travel_seconds, skill_spread, break_minutes (one break each, in three
//   waves) [mistakes] wrong_bin, wrong_unit, damaged_label            (probability per scan,
//   0..0.2)
//   [[carriers]] code, doors = ["DOOR-01"], cutoffs = ["14:00", "18:00"]   (UTC on start's day)
//
// Every key is optional and has the default written in the struct below.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "entrepot/base/status.h"

namespace entrepot::sim {

struct CarrierPlan {
  std::string code;                 // As an order's carrier: 1..64 of A-Z a-z 0-9 . _ -
  std::vector<std::string> doors;   // Outbound-door location codes; at least one.
  std::vector<int64_t> cutoffs_ms;  // Absolute cut-off times, ascending.
};

struct Scenario {
  uint64_t seed = 1;
  int64_t start_ms = 1'795'845'600'000;  // 2026-11-28T06:00:00Z.
  int32_t minutes = 480;
  double speed = 60.0;
  bool directed_picking = true;

  int32_t receivers = 2;
  int32_t stowers = 4;
  int32_t pickers = 8;
  int32_t packers = 3;
  int32_t shippers = 1;

  int32_t trucks = 6;
  int32_t pallets_per_truck = 4;
  int32_t products_per_pallet = 4;
  int32_t units_per_product = 12;

  double orders_per_hour = 240.0;
  int32_t max_lines = 3;
  int32_t max_units_per_line = 2;
  int32_t orders_per_batch = 8;
  int32_t release_every_minutes = 5;

  double scan_seconds = 2.5;    // Between two scans at one place.
  double travel_seconds = 8.0;  // Between two places (bins, docks, doors).
  // Skill mix: each worker's pace is drawn once from [1 - spread, 1 + spread] and scales
  // their scan and travel times.
  double skill_spread = 0.2;
  int32_t break_minutes = 20;

  double wrong_bin = 0.01;
  double wrong_unit = 0.005;
  double damaged_label = 0.005;

  std::vector<CarrierPlan> carriers;  // Empty: ParseScenarioToml fills in one default.

  int64_t end_ms() const { return start_ms + int64_t{minutes} * 60'000; }
  // Moves the shift to start at `start`, its cut-offs with it (the same times of the shift).
  void MoveStart(int64_t start) {
    for (CarrierPlan& carrier : carriers) {
      for (int64_t& cutoff : carrier.cutoffs_ms)
        cutoff += start - start_ms;
    }
    start_ms = start;
  }
  int32_t workers() const { return receivers + stowers + pickers + packers + shippers; }
};

// Upper bounds, so that a scenario cannot ask for more than a run can hold.
inline constexpr int32_t kMaxScenarioWorkers = 2'000;
inline constexpr int32_t kMaxScenarioMinutes = 24 * 60;
inline constexpr int32_t kMaxScenarioTrucks = 1'000;
inline constexpr int32_t kMaxScenarioCarriers = 64;
inline constexpr size_t kMaxScenarioTomlBytes = 1 << 20;

// Parses a scenario. Missing keys keep their defaults; with no [[carriers]], `carriers`
// stays empty (the floor model then lets one carrier "CARRIER" load at every outbound door,
// with cut-offs at the shift's middle and end).
// Errors, all kInvalidArgument:
//   "bad_toml"      — not TOML (the message has line and column);
//   "bad_scenario"  — an unknown key, a value of the wrong type, or one outside its range
//                     (the message names the key and the range).
StatusOr<Scenario> ParseScenarioToml(std::string_view text);

}  // namespace entrepot::sim
