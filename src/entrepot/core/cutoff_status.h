// File: cutoff_status.h
//
// The on-time view of outbound work: per carrier and cut-off, how many orders and units are
// promised, and how far they have come (reserved, released to pick tasks, picked, packed,
// shipped, short); when the remaining work should be done at the recent throughput, and
// whether that passes the cut-off (the at-risk list). GET /api/v1/cutoffs shows it.
//
// Method (design notes):
//  (1) Work left of a line = the units still to pick + to pack + to ship, out of the units it
//      can still ship (quantity - shorted). Throughput is measured in the same units: units
//      picked + packed + shipped per minute over the last hour (the caller measures it).
//  (2) Work is released and done in cut-off order (core/orders.h note 2), so a cut-off
//      completes after the work of every earlier cut-off: projected completion of a group =
//      now + (work left of it and of all groups with an earlier cut-off) / throughput.
//  (3) A group with work left is at risk when its projection passes its cut-off, when its
//      cut-off has already passed, or when there is no throughput to project from (nothing
//      was done in the last hour: the work would not finish). A group with no work left is
//      never at risk and has no projection.
//  (4) Cancelled orders are left out. Pure: no I/O, no clock (now is a parameter).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "entrepot/core/order_book.h"

namespace entrepot::core {

// Groups and at-risk order ids shown at most (the earliest cut-offs first).
inline constexpr size_t kMaxCutoffGroups = 1000;
inline constexpr size_t kMaxAtRiskOrders = 1000;

struct CutoffGroup {
  std::string carrier;
  int64_t cutoff_ms = 0;
  int64_t orders = 0;
  int64_t units = 0;  // Ordered.
  int64_t reserved = 0;
  int64_t allocated = 0;  // Released into pick tasks.
  int64_t picked = 0;
  int64_t packed = 0;
  int64_t shipped = 0;
  int64_t shorted = 0;
  int64_t work_left = 0;                // Design note 1.
  std::optional<int64_t> projected_ms;  // Design note 2; absent: no work left or no throughput.
  bool at_risk = false;                 // Design note 3.
  friend bool operator==(const CutoffGroup&, const CutoffGroup&) = default;
};

struct CutoffReport {
  int64_t now_ms = 0;
  double units_per_minute = 0;
  std::vector<CutoffGroup> groups;   // By cut-off, then carrier; at most kMaxCutoffGroups.
  bool groups_truncated = false;     // More groups than shown.
  std::vector<std::string> at_risk;  // Unshipped orders of at-risk groups, by cut-off, id.
  bool at_risk_truncated = false;    // More at-risk orders than kMaxAtRiskOrders.
};

// The cut-off status of `book` at `now_ms` given the measured throughput (units picked +
// packed + shipped per minute; 0 or less: none measured). Never fails.
CutoffReport ComputeCutoffStatus(const OrderBook& book, int64_t now_ms, double units_per_minute);

}  // namespace entrepot::core
