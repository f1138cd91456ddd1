#include "entrepot/core/workload_plan.h"

#include <algorithm>

namespace entrepot::core {
namespace {

constexpr int kMaxHours = 48;
constexpr int64_t kHourMs = 3'600'000;

Status BadRequest(std::string message) {
  return Error(StatusCode::kInvalidArgument, "bad_workload_request", std::move(message));
}

Status CheckRequest(const WorkloadRequest& request) {
  if (request.hours < 1 || request.hours > kMaxHours) {
    return BadRequest("A workload plan covers 1 to 48 hours.");
  }
  for (int p = 0; p < kWorkProcessCount; ++p) {
    double seconds = request.standards.seconds_per_unit[p];
    if (!(seconds > 0 && seconds <= 3600)) {
      return BadRequest("The standard for " +
                        std::string(WorkProcessName(static_cast<WorkProcess>(p))) +
                        " must be more than 0 and at most 3600 seconds per unit.");
    }
  }
  for (const auto& [zone, staff] : request.planned) {
    if (staff.size() > static_cast<size_t>(request.hours) ||
        std::any_of(staff.begin(), staff.end(), [](double s) { return !(s >= 0 && s < 1e6); })) {
      return BadRequest("Planned staff for zone " + zone.substr(0, 32) +
                        ": one non-negative figure per hour, at most one per planned hour.");
    }
  }
  return OkStatus();
}

// The zone of the first location of `type` in code order, or "" when the site has none.
std::string FirstZoneOf(const SiteState& state, domain::LocationType type) {
  const LocationState* first = nullptr;
  for (const auto& [code, location] : state.locations()) {
    if (location.location.type == type && (first == nullptr || code < first->location.code)) {
      first = &location;
    }
  }
  return first == nullptr ? "" : first->location.zone;
}

class Planner {
 public:
  Planner(const SiteState& state, const WorkloadRequest& request)
      : state_(state), request_(request) {}

  WorkloadPlan Build() {
    const std::string pack_zone = FirstZoneOf(state_, domain::LocationType::kPackStation);
    const std::string ship_zone = FirstZoneOf(state_, domain::LocationType::kOutboundDoor);
    const OrderBook& book = state_.orders();
    for (const auto& [id, order] : book.orders()) {
      if (order.cancelled) {
        continue;
      }
      for (const OrderLineState& line : order.lines) {
        if (!order.released) {
          const domain::Product* product = state_.FindProduct(line.gtin);
          Add(product == nullptr ? "" : product->home_zone, WorkProcess::kPick, line.reserved,
              order.cutoff_ms);
        }
        Add(pack_zone, WorkProcess::kPack, line.picked - line.packed, order.cutoff_ms);
        Add(ship_zone, WorkProcess::kShip, line.packed - line.shipped, order.cutoff_ms);
      }
    }
    for (const auto& [id, task] : book.tasks()) {
      const LocationState* bin = state_.FindLocation(task.task.location);
      const OrderState* order = book.FindOrder(task.task.order);
      Add(bin == nullptr ? "" : bin->location.zone, WorkProcess::kPick, task.Remaining(),
          order->cutoff_ms);
    }
    for (const auto& [zone, staff] : request_.planned) {
      Zone(zone);  // Planned zones appear even without work.
    }
    for (auto& [code, zone] : zones_) {
      zone.planned.resize(static_cast<size_t>(request_.hours), 0);
      auto planned = request_.planned.find(code);
      if (planned != request_.planned.end()) {
        std::copy(planned->second.begin(), planned->second.end(), zone.planned.begin());
      }
      for (size_t slot = 0; slot < zone.needed.size(); ++slot) {
        zone.gap.push_back(zone.needed[slot] - zone.planned[slot]);
      }
      plan_.zones.push_back(std::move(zone));
    }
    plan_.from_ms = request_.now_ms;
    plan_.hours = request_.hours;
    return std::move(plan_);
  }

 private:
  ZoneWorkload& Zone(const std::string& code) {
    auto [it, inserted] = zones_.try_emplace(code.empty() ? "-" : code);
    if (inserted) {
      it->second.zone = it->first;
      it->second.needed.assign(static_cast<size_t>(request_.hours), 0);
    }
    return it->second;
  }

  void Add(const std::string& zone, WorkProcess process, int64_t units, int64_t due_ms) {
    if (units <= 0) {
      return;
    }
    int64_t slot = due_ms <= request_.now_ms ? 0 : (due_ms - request_.now_ms - 1) / kHourMs;
    if (slot >= request_.hours) {
      plan_.beyond_horizon_units += units;
      return;
    }
    ZoneWorkload& workload = Zone(zone);
    const int p = static_cast<int>(process);
    workload.open_units[p] += units;
    double hours = static_cast<double>(units) * request_.standards.seconds_per_unit[p] / 3600.0;
    workload.work_hours += hours;
    workload.needed[static_cast<size_t>(slot)] += hours;
  }

  const SiteState& state_;
  const WorkloadRequest& request_;
  std::map<std::string, ZoneWorkload> zones_;
  WorkloadPlan plan_;
};

}  // namespace

std::string_view WorkProcessName(WorkProcess process) {
  switch (process) {
    case WorkProcess::kPick:
      return "pick";
    case WorkProcess::kPack:
      return "pack";
    case WorkProcess::kShip:
      return "ship";
  }
  return "unknown";
}

StatusOr<WorkloadPlan> PlanWorkload(const SiteState& state, const WorkloadRequest& request) {
  if (Status valid = CheckRequest(request); !valid.ok()) {
    return valid;
  }
  return Planner(state, request).Build();
}

}  // namespace entrepot::core
