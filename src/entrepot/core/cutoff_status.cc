#include "entrepot/core/cutoff_status.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

namespace entrepot::core {
namespace {

constexpr double kMsPerMinute = 60'000;

struct Pending {
  CutoffGroup group;
  std::vector<std::string> unshipped;  // Order ids (the map below visits them sorted).
};

// Design note 1: what a line still needs picked, packed and shipped.
int64_t WorkLeft(const OrderLineState& line) {
  int64_t can_ship = std::max<int64_t>(line.quantity - line.shorted, 0);
  return std::max<int64_t>(can_ship - line.picked, 0) +
         std::max<int64_t>(can_ship - line.packed, 0) +
         std::max<int64_t>(can_ship - line.shipped, 0);
}

void AddOrder(const OrderState& order, Pending& pending) {
  CutoffGroup& group = pending.group;
  ++group.orders;
  for (const OrderLineState& line : order.lines) {
    group.units += line.quantity;
    group.reserved += line.reserved;
    group.allocated += line.allocated;
    group.picked += line.picked;
    group.packed += line.packed;
    group.shipped += line.shipped;
    group.shorted += line.shorted;
    group.work_left += WorkLeft(line);
  }
  const OrderStatus status = order.Status();
  if (status != OrderStatus::kShipped && status != OrderStatus::kDelivered) {
    pending.unshipped.push_back(order.id);
  }
}

// Design notes 2 and 3, given the work of this group and every earlier one.
void Project(CutoffGroup& group, int64_t work_through, int64_t now_ms, double units_per_minute) {
  if (group.work_left == 0) {
    return;
  }
  if (units_per_minute <= 0) {
    group.at_risk = true;
    return;
  }
  double minutes = static_cast<double>(work_through) / units_per_minute;
  group.projected_ms = now_ms + static_cast<int64_t>(std::ceil(minutes * kMsPerMinute));
  group.at_risk = *group.projected_ms > group.cutoff_ms;
}

}  // namespace

CutoffReport ComputeCutoffStatus(const OrderBook& book, int64_t now_ms, double units_per_minute) {
  std::map<std::pair<int64_t, std::string>, Pending> groups;
  for (const auto& [id, order] : book.orders()) {
    if (order.cancelled) {
      continue;  // Design note 4.
    }
    Pending& pending = groups[{order.cutoff_ms, order.carrier}];
    pending.group.carrier = order.carrier;
    pending.group.cutoff_ms = order.cutoff_ms;
    AddOrder(order, pending);
  }
  CutoffReport report;
  report.now_ms = now_ms;
  report.units_per_minute = units_per_minute > 0 ? units_per_minute : 0;
  int64_t work_through = 0;
  for (auto& [key, pending] : groups) {
    work_through += pending.group.work_left;
    Project(pending.group, work_through, now_ms, report.units_per_minute);
    if (report.groups.size() == kMaxCutoffGroups) {
      report.groups_truncated = true;
    } else {
      report.groups.push_back(pending.group);
    }
    if (!pending.group.at_risk) {
      continue;
    }
    for (std::string& id : pending.unshipped) {
      if (report.at_risk.size() == kMaxAtRiskOrders) {
        report.at_risk_truncated = true;
        break;
      }
      report.at_risk.push_back(std::move(id));
    }
  }
  return report;
}

}  // namespace entrepot::core
