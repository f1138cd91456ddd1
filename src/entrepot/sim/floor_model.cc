// The floor model (floor_model.h): agents with plans of steps, a belief of where every
// unit is, and queues of work passing from one process to the next.
#include "entrepot/sim/floor_model.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <limits>
#include <tuple>
#include <utility>

#include "entrepot/domain/gs1/check_digit.h"
#include "entrepot/domain/labels.h"
#include "entrepot/wire/rfc3339.h"

namespace entrepot::sim {
namespace {

constexpr int64_t kIdleMs = 30'000;  // An agent without work looks again after this.
constexpr int64_t kSupervisorLookMs = 60'000;
// How far ahead of the earliest action in flight an agent may plan (Next()).
constexpr int64_t kPlanLookaheadMs = 2 * kSupervisorLookMs;
constexpr int64_t kDayMs = 86'400'000;
constexpr size_t kMaxSurpriseExamples = 20;
constexpr size_t kParcelsPerLoad = 10;

enum class Role { kSupervisor, kReceive, kStow, kPick, kPack, kShip };

std::string LocationLabel(const std::string& code) {
  return domain::FormatLabel(domain::LabelKind::kLocation, code);
}

// "label:T0001" -> "C.T0001.X"; "sscc:…" -> "(00)…".
std::string ContainerScan(const std::string& id) {
  if (id.starts_with("sscc:"))
    return "(00)" + id.substr(5);
  return domain::FormatLabel(domain::LabelKind::kContainer, id.substr(6));
}

// The same label with a check character that does not fit: a damaged or mistyped label.
std::string Damaged(const std::string& scan) {
  std::string damaged = scan;
  char& last = damaged.back();
  if (scan.starts_with("(00)") || scan.starts_with("(01)")) {
    // A GS1 key: the check digit is the 18th / 14th digit after the AI.
    size_t at = scan.starts_with("(00)") ? 4 + 17 : 4 + 13;
    damaged[at] = damaged[at] == '9' ? '0' : static_cast<char>(damaged[at] + 1);
    return damaged;
  }
  last = last == 'Z' ? '0' : (last == '9' ? 'A' : static_cast<char>(last + 1));
  return damaged;
}

std::string Sscc(int64_t serial) {
  char body[18];
  std::snprintf(body, sizeof body, "0950600%010lld", static_cast<long long>(serial));
  std::string digits(body, 17);
  return digits + gs1::ComputeCheckDigit(digits);
}

Action Call(Action::Kind kind) {
  Action action;
  action.kind = kind;
  return action;
}

bool Accepted(const std::string& outcome) { return outcome == "ok" || outcome == "reverify"; }

}  // namespace

class FloorModel::Impl {
 public:
  Impl(const Scenario& scenario) : sc_(scenario), random_(scenario.seed) {}

  Status Load(const domain::Layout& layout, const SiteAtStart& at_start);
  void Resume(const SiteAtStart& at_start);
  std::optional<Action> Next();
  void Complete(int64_t action_id, const Result& result);
  bool Done() const;

  int64_t now_ms_ = 0;
  Tally tally_;
  std::map<std::string, OrderBelief> orders_;
  std::map<std::string, std::map<Item, int64_t>> stock_;
  std::set<std::string> shipped_;

 private:
  // One step of an agent's plan: the action to take, how long it takes the worker before
  // the next step, and what the result changes in the belief.
  struct Step {
    Action action;
    double seconds = 0;
    std::function<void(const Result&)> effect;
  };
  struct Agent {
    Role role = Role::kSupervisor;
    std::string device;
    int64_t time_ms = 0;
    bool waiting = false;
    bool done = false;
    bool had_break = false;
    double pace = 1.0;  // Scales the worker's scan and travel times (the skill mix).
    int32_t wave = 0;   // Break wave: 0, 1 or 2 (before, at, after mid-shift).
    int64_t scans = 0;
    std::deque<Step> plan;
  };
  struct Bin {
    std::string code;
    std::string zone;
    int64_t capacity = 0;  // 0: unlimited.
    int64_t planned = 0;   // Units in it or on their way to it.
  };
  struct Pallet {
    std::string id;  // "sscc:…"
    std::string dock;
    std::string receipt;
    size_t truck = 0;
    int64_t ready_ms = 0;
    std::vector<std::pair<Item, int32_t>> contents;
  };
  struct Truck {
    int64_t arrival_ms = 0;
    std::vector<Pallet> pallets;
    size_t received = 0;
    bool announced = false;
  };
  struct ToteWork {
    std::string order;
    std::string tote;  // Container id.
  };
  struct Parcel {
    std::string id;
    std::string order;
  };

  // Planning.
  void PlanTrucks();
  void PlanJob(Agent& agent);
  void PlanSupervisor(Agent& agent);
  void PlanReceive(Agent& agent);
  void PlanStow(Agent& agent);
  bool PlanTotes(Agent& agent, const TaskBatch& batch);
  void PlanPick(Agent& agent, const TaskBatch& batch);
  void PlanFreePick(Agent& agent);
  void PlanPack(Agent& agent);
  void PlanShip(Agent& agent);
  void PlaceDueOrders(Agent& agent);
  std::optional<OrderLinePlan> DrawLine(const std::set<std::string>& taken);
  void AddScan(Agent& agent, std::string mode, std::string code, double seconds,
               std::function<void(const Result&)> effect = {}, std::string expected = "ok");
  void AddCall(Agent& agent, Action action, std::function<void(const Result&)> effect = {});
  void MaybeMistake(Agent& agent, const std::string& mode, double rate, std::string code,
                    std::string expected);
  size_t ChooseBin(const Item& item);
  std::string ItemScan(const Item& item);
  std::string NewSscc() { return Sscc(sscc_base_ + next_sscc_++); }
  bool Chance(double p) { return p > 0 && std::uniform_real_distribution<>(0, 1)(random_) < p; }
  size_t Uniform(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(random_); }

  // Belief changes.
  void Promise(const std::string& gtin, int64_t units);
  void Move(const std::string& from, const std::string& to, const Item& item, int64_t units);
  void NoteSurprise(const Action& action, const Result& result);

  Scenario sc_;
  std::mt19937_64 random_;
  std::vector<Agent> agents_;
  std::map<int64_t, std::pair<size_t, Step>> pending_;
  // Agents neither waiting nor done, by (simulated time, index): the next to act first.
  std::set<std::pair<int64_t, size_t>> ready_;
  std::multiset<int64_t> in_flight_at_;  // When each action in flight was taken.
  int64_t next_action_id_ = 1;
  int64_t next_scan_ = 0;
  int64_t sscc_base_ = 0;
  int64_t next_sscc_ = 0;

  // The site as the layout gives it.
  std::vector<std::string> docks_;
  std::vector<std::string> doors_;
  std::vector<std::string> products_;
  std::map<std::string, std::string> home_zone_;
  std::vector<Bin> bins_;
  std::map<std::string, size_t> bin_index_;
  std::map<std::string, size_t> zone_cursor_;
  std::map<Item, std::set<size_t>> bins_with_item_;  // Bins an item was stowed into.
  std::deque<std::string> free_totes_;
  std::map<std::string, std::vector<std::string>> carrier_doors_;

  // Work between processes.
  std::vector<Truck> trucks_;
  size_t trucks_due_ = 0;
  std::deque<Pallet> to_receive_;
  std::deque<Pallet> to_stow_;
  std::deque<std::string> to_pick_;  // Free picking: orders in arrival order.
  std::deque<ToteWork> to_pack_;
  std::deque<Parcel> to_ship_;
  std::map<std::string, int64_t> promisable_;  // Units stowed and not promised, per GTIN.
  // Free picking: units stowed and not allocated, per GTIN, earliest expiry first.
  std::map<std::string, std::map<std::tuple<std::string, std::string, std::string>, int64_t>>
      unallocated_;  // gtin -> (expiry, lot, bin) -> units
  // GTINs with units to promise, for drawing order lines at random (promisable_ > 0).
  std::vector<std::string> promisable_gtins_;
  std::map<std::string, size_t> promisable_slot_;
  std::map<std::string, std::string> tote_of_order_;
  int64_t next_order_ms_ = 0;
  int64_t next_release_ms_ = 0;
  int64_t order_count_ = 0;
};

// ---- Layout ---------------------------------------------------------------------------

Status FloorModel::Impl::Load(const domain::Layout& layout, const SiteAtStart& at_start) {
  auto missing = [](const std::string& what) {
    return Error(StatusCode::kInvalidArgument, "bad_scenario",
                 "the layout has no " + what + ", which the simulation needs");
  };
  for (const domain::Location& location : layout.locations) {
    if (location.type == domain::LocationType::kDock)
      docks_.push_back(location.code);
    if (location.type == domain::LocationType::kOutboundDoor)
      doors_.push_back(location.code);
    if (location.type == domain::LocationType::kStowBin) {
      bin_index_[location.code] = bins_.size();
      bins_.push_back({location.code, location.zone, location.capacity_units, 0});
    }
  }
  for (const domain::Product& product : layout.products) {
    products_.push_back(product.gtin);
    home_zone_[product.gtin] = product.home_zone;
  }
  for (const domain::ContainerSpec& container : layout.containers) {
    if (container.type == domain::ContainerType::kTote && container.id.starts_with("label:") &&
        !at_start.totes_in_use.contains(container.id)) {
      free_totes_.push_back(container.id);
    }
  }
  if (docks_.empty())
    return missing("dock");
  if (doors_.empty())
    return missing("outbound door");
  if (bins_.empty())
    return missing("stow bin");
  if (products_.empty())
    return missing("product");
  // A tote waiting to be packed comes free once packed: a shift may start with every tote in
  // use as long as some are on their way back (pickers wait for them meanwhile).
  if (free_totes_.empty() && at_start.totes_to_pack.empty())
    return missing("free tote");
  std::set<std::string> known_doors(doors_.begin(), doors_.end());
  if (sc_.carriers.empty()) {
    sc_.carriers.push_back(
        {"CARRIER", doors_, {sc_.start_ms + sc_.minutes * 30'000LL, sc_.end_ms()}});
  }
  for (const CarrierPlan& carrier : sc_.carriers) {
    for (const std::string& door : carrier.doors) {
      if (!known_doors.contains(door))
        return missing("outbound door \"" + door + "\"");
    }
    carrier_doors_[carrier.code] = carrier.doors;
  }
  sscc_base_ = static_cast<int64_t>(sc_.seed % 10'000) * 1'000'000;
  PlanTrucks();
  return OkStatus();
}

// Trucks arrive evenly over the first 70% of the shift; pallets carry a few products each.
void FloorModel::Impl::PlanTrucks() {
  int64_t span = sc_.end_ms() - sc_.start_ms;
  for (int32_t t = 0; t < sc_.trucks; ++t) {
    Truck& truck = trucks_.emplace_back();
    truck.arrival_ms = sc_.start_ms + span * 7 * t / (10 * std::max(sc_.trucks, 1));
    std::string receipt = "ASN-" + std::to_string(sc_.seed) + "-" + std::to_string(t + 1);
    for (int32_t p = 0; p < sc_.pallets_per_truck; ++p) {
      Pallet& pallet = truck.pallets.emplace_back();
      pallet.id = "sscc:" + NewSscc();
      pallet.dock = docks_[static_cast<size_t>(t) % docks_.size()];
      pallet.receipt = receipt;
      pallet.truck = trucks_.size() - 1;
      pallet.ready_ms = truck.arrival_ms;
      std::set<std::string> chosen;
      for (int32_t k = 0; k < sc_.products_per_pallet && chosen.size() < products_.size(); ++k) {
        std::string gtin = products_[Uniform(products_.size())];
        if (!chosen.insert(gtin).second)
          continue;
        int64_t days = 60 + static_cast<int64_t>(Uniform(600));
        std::string date = wire::FormatRfc3339Ms(sc_.start_ms + days * kDayMs);
        std::string expiry = date.substr(2, 2) + date.substr(5, 2) + date.substr(8, 2);
        std::string lot = "L" + std::to_string(sc_.seed % 1000) + "T" + std::to_string(t + 1) +
                          "P" + std::to_string(p + 1);
        pallet.contents.push_back({{gtin, lot, expiry}, sc_.units_per_product});
      }
    }
  }
}

void FloorModel::Impl::Resume(const SiteAtStart& at_start) {
  for (const auto& [holder, items] : at_start.stock) {
    auto bin = bin_index_.find(holder);
    for (const auto& [item, units] : items) {
      if (units <= 0)
        continue;
      stock_[holder][item] += units;
      if (bin == bin_index_.end())
        continue;
      bins_[bin->second].planned += units;
      bins_with_item_[item].insert(bin->second);
    }
  }
  for (const auto& [id, order] : at_start.open_orders)
    orders_[id] = order;
  for (const auto& [order, tote] : at_start.totes_to_pack) {
    tote_of_order_[order] = tote;
    to_pack_.push_back({order, tote});
  }
  for (const auto& [order, parcel] : at_start.parcels_to_ship)
    to_ship_.push_back({parcel, order});
  for (const std::string& id : at_start.pallets_to_stow) {
    Pallet& pallet = to_stow_.emplace_back();
    pallet.id = id;
    for (const auto& [item, units] : stock_[id]) {
      pallet.contents.push_back({item, static_cast<int32_t>(std::min<int64_t>(units, 1'000'000))});
    }
  }
}

// ---- Agents ----------------------------------------------------------------------------

std::optional<Action> FloorModel::Impl::Next() {
  if (agents_.empty()) {
    agents_.emplace_back().role = Role::kSupervisor;
    auto add = [&](Role role, char letter, int32_t count) {
      for (int32_t i = 1; i <= count; ++i) {
        char name[16];
        std::snprintf(name, sizeof name, "HH-%c%02d", letter, static_cast<int>(i));
        Agent& agent = agents_.emplace_back();
        agent.role = role;
        agent.device = name;
        agent.time_ms = sc_.start_ms + 1'000 * i;  // Staggered, so that replays are stable.
        agent.wave = i % 3;
        agent.pace =
            std::uniform_real_distribution<>(1 - sc_.skill_spread, 1 + sc_.skill_spread)(random_);
      }
    };
    add(Role::kReceive, 'R', sc_.receivers);
    add(Role::kStow, 'S', sc_.stowers);
    add(Role::kPick, 'P', sc_.pickers);
    add(Role::kPack, 'K', sc_.packers);
    add(Role::kShip, 'L', sc_.shippers);
    agents_[0].time_ms = sc_.start_ms;
    next_order_ms_ = sc_.start_ms;
    next_release_ms_ = sc_.start_ms;
    for (size_t i = 0; i < agents_.size(); ++i)
      ready_.insert({agents_[i].time_ms, i});
  }
  // Planning reads the queues that results still in flight will fill. An agent that plans
  // ahead of them finds less work than there is, which is harmless (the belief changes only
  // with results) unless it runs far ahead: idle workers would poll their way to the end of
  // the shift while the call that gives them work is in flight. So an agent plans its next
  // job only within kPlanLookaheadMs of the earliest action in flight; steps already
  // planned go ahead meanwhile, and connections overlap.
  for (auto it = ready_.begin(); it != ready_.end();) {
    size_t index = it->second;
    Agent* agent = &agents_[index];
    if (agent->plan.empty()) {
      if (agent->time_ms >= sc_.end_ms()) {
        it = ready_.erase(it);
        agent->done = true;
        continue;
      }
      if (!in_flight_at_.empty() && *in_flight_at_.begin() + kPlanLookaheadMs < agent->time_ms) {
        ++it;
        continue;
      }
      ready_.erase(it);
      PlanJob(*agent);
      ready_.insert({agent->time_ms, index});
      it = ready_.begin();
      continue;
    }
    ready_.erase(it);
    Step step = std::move(agent->plan.front());
    agent->plan.pop_front();
    step.action.id = next_action_id_++;
    step.action.at_ms = agent->time_ms;
    now_ms_ = std::max(now_ms_, agent->time_ms);
    agent->waiting = true;
    in_flight_at_.insert(agent->time_ms);
    Action action = step.action;
    pending_.emplace(action.id, std::make_pair(index, std::move(step)));
    return action;
  }
  return std::nullopt;
}

void FloorModel::Impl::Complete(int64_t action_id, const Result& result) {
  auto it = pending_.find(action_id);
  if (it == pending_.end())
    return;
  auto [index, step] = std::move(it->second);
  pending_.erase(it);
  in_flight_at_.erase(in_flight_at_.find(step.action.at_ms));
  Agent& agent = agents_[index];
  agent.waiting = false;
  agent.time_ms += static_cast<int64_t>(step.seconds * agent.pace * 1000);
  const Action& action = step.action;
  if (action.kind == Action::Kind::kScan) {
    ++tally_.scans_by_outcome[result.outcome];
    bool as_predicted =
        action.expected == "ok" ? Accepted(result.outcome) : result.outcome == action.expected;
    if (!as_predicted)
      NoteSurprise(action, result);
  } else {
    ++tally_.api_calls;
    bool fine = result.outcome == "ok" ||
                (action.kind == Action::Kind::kTakeTask && result.outcome == "no_work");
    if (!fine) {
      ++tally_.api_errors;
      NoteSurprise(action, result);
    }
  }
  if (step.effect)
    step.effect(result);
  ready_.insert({agent.time_ms, index});
}

bool FloorModel::Impl::Done() const {
  if (agents_.empty())
    return false;
  return pending_.empty() &&
         std::all_of(agents_.begin(), agents_.end(), [](const Agent& agent) { return agent.done; });
}

void FloorModel::Impl::NoteSurprise(const Action& action, const Result& result) {
  ++tally_.surprises;
  if (tally_.surprise_examples.size() >= kMaxSurpriseExamples)
    return;
  std::string what =
      action.kind == Action::Kind::kScan
          ? action.device + " " + action.mode + " " + action.code + ": expected " + action.expected
          : "call for " + action.order + action.receipt + action.carrier + action.device;
  tally_.surprise_examples.push_back(wire::FormatRfc3339Ms(action.at_ms) + " " + what + ", got " +
                                     result.outcome);
}

void FloorModel::Impl::AddScan(Agent& agent, std::string mode, std::string code, double seconds,
                               std::function<void(const Result&)> effect, std::string expected) {
  Step step;
  step.action.kind = Action::Kind::kScan;
  step.action.device = agent.device;
  step.action.mode = std::move(mode);
  step.action.code = std::move(code);
  step.action.scan_id =
      agent.device + "-" + std::to_string(sc_.seed) + "-" + std::to_string(++next_scan_);
  step.action.expected = std::move(expected);
  step.seconds = seconds;
  step.effect = std::move(effect);
  agent.plan.push_back(std::move(step));
}

void FloorModel::Impl::AddCall(Agent& agent, Action action,
                               std::function<void(const Result&)> effect) {
  action.device = action.kind == Action::Kind::kTakeTask ? agent.device : action.device;
  agent.plan.push_back({std::move(action), 1.0, std::move(effect)});
}

// A mistake made on purpose, before the right scan: it must be refused with `expected`.
void FloorModel::Impl::MaybeMistake(Agent& agent, const std::string& mode, double rate,
                                    std::string code, std::string expected) {
  if (Chance(rate))
    AddScan(agent, mode, std::move(code), sc_.scan_seconds, {}, expected);
}

void FloorModel::Impl::PlanJob(Agent& agent) {
  // Breaks in three waves around mid-shift, so that the floor never stops at once.
  int64_t wave = static_cast<int64_t>(agent.wave) - 1;
  int64_t break_at =
      sc_.start_ms + (sc_.end_ms() - sc_.start_ms) / 2 + wave * int64_t{sc_.break_minutes} * 60'000;
  if (agent.role != Role::kSupervisor && !agent.had_break && agent.time_ms >= break_at) {
    agent.had_break = true;
    agent.time_ms += int64_t{sc_.break_minutes} * 60'000;
    return;
  }
  size_t before = agent.plan.size();
  switch (agent.role) {
    case Role::kSupervisor:
      PlanSupervisor(agent);
      break;
    case Role::kReceive:
      PlanReceive(agent);
      break;
    case Role::kStow:
      PlanStow(agent);
      break;
    case Role::kPick:
      if (sc_.directed_picking) {
        AddCall(agent, Call(Action::Kind::kTakeTask), [this, &agent](const Result& result) {
          if (result.outcome == "ok") {
            PlanPick(agent, result.batch);
          } else {
            agent.time_ms += kIdleMs;  // No work released yet: ask again later, not at once.
          }
        });
      } else {
        PlanFreePick(agent);
      }
      break;
    case Role::kPack:
      PlanPack(agent);
      break;
    case Role::kShip:
      PlanShip(agent);
      break;
  }
  if (agent.plan.size() == before) {
    agent.time_ms += agent.role == Role::kSupervisor ? kSupervisorLookMs : kIdleMs;
  }
}

// ---- Supervisor: carriers, trucks announced, orders placed, work released ---------------

void FloorModel::Impl::PlanSupervisor(Agent& agent) {
  if (agent.time_ms == sc_.start_ms && sc_.directed_picking) {
    for (const CarrierPlan& carrier : sc_.carriers) {
      Action define = Call(Action::Kind::kDefineCarrier);
      define.carrier = carrier.code;
      define.doors = carrier.doors;
      AddCall(agent, std::move(define));
    }
  }
  for (; trucks_due_ < trucks_.size() && trucks_[trucks_due_].arrival_ms <= agent.time_ms;
       ++trucks_due_) {
    Truck& truck = trucks_[trucks_due_];
    auto arrive = [this, &truck](const Result&) {
      for (const Pallet& pallet : truck.pallets)
        to_receive_.push_back(pallet);
    };
    if (!sc_.directed_picking) {
      arrive(Result{});
      continue;
    }
    Action asn = Call(Action::Kind::kExpectReceipt);
    asn.receipt = truck.pallets[0].receipt;
    std::map<std::string, int32_t> lines;
    for (const Pallet& pallet : truck.pallets) {
      asn.containers.push_back(pallet.id.substr(5));
      for (const auto& [item, units] : pallet.contents)
        lines[item.gtin] += units;
    }
    for (const auto& [gtin, units] : lines)
      asn.lines.push_back({gtin, units});
    AddCall(agent, std::move(asn), arrive);
  }
  PlaceDueOrders(agent);
  if (sc_.directed_picking && agent.time_ms >= next_release_ms_) {
    next_release_ms_ = agent.time_ms + int64_t{sc_.release_every_minutes} * 60'000;
    Action release = Call(Action::Kind::kRelease);
    release.orders_per_batch = sc_.orders_per_batch;
    AddCall(agent, std::move(release));
  }
  // The supervisor looks again a minute after the last of these calls.
  if (!agent.plan.empty())
    agent.plan.back().seconds += 60;
}

// A line of a product that has units to promise, not among `taken`; nullopt when none.
std::optional<OrderLinePlan> FloorModel::Impl::DrawLine(const std::set<std::string>& taken) {
  if (promisable_gtins_.size() <= taken.size())
    return std::nullopt;
  std::string gtin;
  do {
    gtin = promisable_gtins_[Uniform(promisable_gtins_.size())];
  } while (taken.contains(gtin));
  int64_t most = std::min<int64_t>(promisable_[gtin], sc_.max_units_per_line);
  int32_t quantity = static_cast<int32_t>(1 + Uniform(static_cast<size_t>(most)));
  return OrderLinePlan{gtin, quantity};
}

// Orders arrive as a Poisson process; each promises only units the model believes stowed
// and not yet promised, so that no order is short (a shortage would be a surprise).
void FloorModel::Impl::PlaceDueOrders(Agent& agent) {
  if (sc_.orders_per_hour <= 0)
    return;
  std::exponential_distribution<> gap_hours(sc_.orders_per_hour);
  while (next_order_ms_ <= agent.time_ms) {
    next_order_ms_ += std::max<int64_t>(1, static_cast<int64_t>(gap_hours(random_) * 3.6e6));
    OrderBelief order;
    const CarrierPlan& carrier = sc_.carriers[Uniform(sc_.carriers.size())];
    order.carrier = carrier.code;
    order.cutoff_ms = carrier.cutoffs_ms.front() + kDayMs;  // Tomorrow's first, if none left.
    for (int64_t cutoff : carrier.cutoffs_ms) {
      if (cutoff >= agent.time_ms + 30 * 60'000) {
        order.cutoff_ms = cutoff;
        break;
      }
    }
    std::set<std::string> taken;
    int32_t lines = static_cast<int32_t>(1 + Uniform(static_cast<size_t>(sc_.max_lines)));
    for (int32_t i = 0; i < lines; ++i) {
      std::optional<OrderLinePlan> line = DrawLine(taken);
      if (!line)
        break;
      taken.insert(line->gtin);
      Promise(line->gtin, -line->quantity);
      order.units += line->quantity;
      order.lines.push_back(*line);
    }
    if (order.lines.empty())
      continue;  // Nothing in stock yet: the customer goes elsewhere.
    std::string id = "SIM-" + std::to_string(sc_.seed) + "-" + std::to_string(++order_count_);
    ++tally_.orders_placed;
    orders_[id] = order;
    if (!sc_.directed_picking) {
      to_pick_.push_back(id);
      continue;
    }
    Action place = Call(Action::Kind::kPlaceOrder);
    place.order = id;
    place.carrier = order.carrier;
    place.cutoff_ms = order.cutoff_ms;
    place.lines = order.lines;
    AddCall(agent, std::move(place), [this, id](const Result& result) {
      if (result.outcome == "ok")
        return;
      for (const OrderLinePlan& line : orders_[id].lines) {
        Promise(line.gtin, line.quantity);
      }
      orders_.erase(id);
    });
  }
}

// ---- Receive and stow ------------------------------------------------------------------

std::string FloorModel::Impl::ItemScan(const Item& item) {
  std::string gtin = item.gtin;
  switch (Uniform(3)) {
    case 0:  // A GS1 DataMatrix read by a scanner that sends the AIM prefix.
      return "]d201" + gtin + "17" + item.expiry + "10" + item.lot;
    case 1:  // A GS1 Digital Link QR code.
      return "https://id.gs1.org/01/" + gtin + "/10/" + item.lot + "?17=" + item.expiry;
    default:  // A GS1-128 label as a person would type it.
      return "(01)" + gtin + "(17)" + item.expiry + "(10)" + item.lot;
  }
}

void FloorModel::Impl::PlanReceive(Agent& agent) {
  if (to_receive_.empty() || to_receive_.front().ready_ms > agent.time_ms)
    return;
  Pallet pallet = std::move(to_receive_.front());
  to_receive_.pop_front();
  AddScan(agent, "receive", LocationLabel(pallet.dock), sc_.travel_seconds);
  std::string pallet_scan = ContainerScan(pallet.id);
  MaybeMistake(agent, "receive", sc_.damaged_label, Damaged(pallet_scan), "bad_check_digit");
  AddScan(agent, "receive", pallet_scan, sc_.scan_seconds,
          [this, id = pallet.id](const Result& result) {
            if (Accepted(result.outcome))
              stock_[id];
          });
  for (const auto& [received, units] : pallet.contents) {
    const Item& item = received;  // Captured below (clang 14 cannot capture a binding).
    for (int32_t u = 0; u < units; ++u) {
      std::string scan = ItemScan(item);
      if (scan.starts_with("(01)")) {
        MaybeMistake(agent, "receive", sc_.damaged_label, Damaged(scan), "bad_check_digit");
      }
      AddScan(agent, "receive", scan, sc_.scan_seconds,
              [this, id = pallet.id, item](const Result& result) {
                if (!Accepted(result.outcome))
                  return;
                ++stock_[id][item];
                ++tally_.units_received;
              });
    }
  }
  // The last step hands the pallet to stowing and, with the truck's last pallet, closes
  // the receipt.
  agent.plan.back().effect = [this, pallet, last = agent.plan.back().effect](const Result& result) {
    last(result);
    to_stow_.push_back(pallet);
    Truck& truck = trucks_[pallet.truck];
    if (++truck.received == truck.pallets.size() && sc_.directed_picking) {
      Agent& supervisor = agents_[0];
      Action close = Call(Action::Kind::kCloseReceipt);
      close.receipt = pallet.receipt;
      AddCall(supervisor, std::move(close));
    }
  };
}

// A bin for one unit: one of the product's home zone that already holds it and has room,
// else the next bin with room in the home zone, else in any zone; bins_.size() when full.
size_t FloorModel::Impl::ChooseBin(const Item& item) {
  auto has_room = [](const Bin& bin) { return bin.capacity == 0 || bin.planned < bin.capacity; };
  const std::string& zone = home_zone_[item.gtin];
  std::set<size_t>& holding = bins_with_item_[item];
  for (size_t i : holding) {
    if (bins_[i].zone == zone && has_room(bins_[i]))
      return i;
  }
  for (int pass = 0; pass < 2; ++pass) {
    size_t& cursor = zone_cursor_[pass == 0 ? zone : ""];
    for (size_t n = 0; n < bins_.size(); ++n) {
      size_t i = (cursor + n) % bins_.size();
      if ((pass == 1 || bins_[i].zone == zone) && has_room(bins_[i])) {
        cursor = i;
        holding.insert(i);
        return i;
      }
    }
  }
  return bins_.size();
}

void FloorModel::Impl::PlanStow(Agent& agent) {
  if (to_stow_.empty())
    return;
  Pallet pallet = std::move(to_stow_.front());
  to_stow_.pop_front();
  AddScan(agent, "stow", ContainerScan(pallet.id), sc_.travel_seconds);
  std::string last_bin;
  for (const auto& [stowed, units] : pallet.contents) {
    const Item& item = stowed;  // Captured below (clang 14 cannot capture a binding).
    for (int32_t u = 0; u < units; ++u) {
      size_t bin = ChooseBin(item);
      if (bin == bins_.size())
        return;  // The site is full: what is left stays on the pallet.
      ++bins_[bin].planned;
      const std::string& code = bins_[bin].code;
      AddScan(agent, "stow", ItemScan(item), code == last_bin ? 0 : sc_.travel_seconds);
      std::string label = LocationLabel(code);
      MaybeMistake(agent, "stow", sc_.damaged_label, Damaged(label), "bad_check_digit");
      AddScan(agent, "stow", label, sc_.scan_seconds,
              [this, from = pallet.id, code, item](const Result& result) {
                if (!Accepted(result.outcome))
                  return;
                Move(from, code, item, 1);
                Promise(item.gtin, 1);
                ++unallocated_[item.gtin][{item.expiry, item.lot, code}];
                ++tally_.units_stowed;
              });
      last_bin = code;
    }
  }
}

// ---- Pick ------------------------------------------------------------------------------

// One empty tote per order of the batch that needs one; false (nothing planned) when there
// are not enough empty totes: the batch waits, held by the device, until packing frees some.
bool FloorModel::Impl::PlanTotes(Agent& agent, const TaskBatch& batch) {
  size_t needed =
      static_cast<size_t>(std::count(batch.needs_tote.begin(), batch.needs_tote.end(), true));
  if (needed > free_totes_.size())
    return false;
  for (size_t i = 0; i < batch.orders.size(); ++i) {
    const std::string& order = batch.orders[i];
    if (!batch.needs_tote[i]) {
      if (!batch.totes[i].empty())
        tote_of_order_[order] = batch.totes[i];
      continue;
    }
    std::string tote = free_totes_.front();
    free_totes_.pop_front();
    AddScan(agent, "pick", ContainerScan(tote), sc_.scan_seconds,
            [this, order, tote](const Result& result) {
              if (Accepted(result.outcome)) {
                tote_of_order_[order] = tote;
                stock_[tote];
              } else {
                free_totes_.push_back(tote);
              }
            });
  }
  return true;
}

// Directed picking of a batch the server assigned: a tote per order, then bin by bin.
void FloorModel::Impl::PlanPick(Agent& agent, const TaskBatch& batch) {
  if (!PlanTotes(agent, batch))
    return;
  std::string at;
  for (const PickTask& task : batch.tasks) {
    if (task.location != at) {
      if (sc_.directed_picking && Chance(sc_.wrong_bin)) {
        const std::string& wrong = bins_[Uniform(bins_.size())].code;
        bool has_work = std::any_of(batch.tasks.begin(), batch.tasks.end(),
                                    [&](const PickTask& t) { return t.location == wrong; });
        if (!has_work) {
          AddScan(agent, "pick", LocationLabel(wrong), sc_.travel_seconds, {}, "wrong_location");
        }
      }
      AddScan(agent, "pick", LocationLabel(task.location), sc_.travel_seconds);
      at = task.location;
    }
    Item item = task.item;
    if (item.lot.empty() || item.expiry.empty()) {  // Any unit of the product will do.
      for (const auto& [held, units] : stock_[task.location]) {
        if (held.gtin == item.gtin && units > 0)
          item = held;
      }
    }
    for (int32_t u = 0; u < task.quantity; ++u) {
      if (Chance(sc_.wrong_unit)) {
        const std::string& other = products_[Uniform(products_.size())];
        if (other != item.gtin) {
          // Directed: not the task's unit; free: not in the bin.
          AddScan(agent, "pick", ItemScan({other, "X1", item.expiry}), sc_.scan_seconds, {},
                  sc_.directed_picking ? "not_expected" : "wrong_location");
        }
      }
      AddScan(agent, "pick", ItemScan(item), sc_.scan_seconds,
              [this, task, item](const Result& result) {
                if (!Accepted(result.outcome))
                  return;
                Move(task.location, tote_of_order_[task.order], item, 1);
                ++orders_[task.order].picked;
                ++tally_.units_picked;
              });
    }
  }
  if (agent.plan.empty())
    return;
  agent.plan.back().effect = [this, orders = batch.orders,
                              last = agent.plan.back().effect](const Result& result) {
    if (last)
      last(result);
    for (const std::string& order : orders) {
      if (tote_of_order_.contains(order))
        to_pack_.push_back({order, tote_of_order_[order]});
    }
  };
}

// Free picking (no server tasks): the model allocates the next order from its own belief,
// earliest expiry first, and picks it into one tote.
void FloorModel::Impl::PlanFreePick(Agent& agent) {
  if (to_pick_.empty() || free_totes_.empty())
    return;
  TaskBatch batch;
  std::string order = to_pick_.front();
  to_pick_.pop_front();
  for (const OrderLinePlan& line : orders_[order].lines) {
    int64_t left = line.quantity;
    auto& lines = unallocated_[line.gtin];
    while (left > 0 && !lines.empty()) {  // What is not found is not picked (short).
      auto first = lines.begin();
      const auto& [expiry, lot, bin] = first->first;
      int64_t take = std::min(first->second, left);
      left -= take;
      batch.tasks.push_back({order, bin, {line.gtin, lot, expiry}, static_cast<int32_t>(take)});
      if ((first->second -= take) == 0)
        lines.erase(first);
    }
  }
  std::sort(batch.tasks.begin(), batch.tasks.end(), [this](const auto& a, const auto& b) {
    return bin_index_[a.location] < bin_index_[b.location];
  });
  batch.orders = {order};
  batch.needs_tote = {true};
  batch.totes = {""};
  PlanPick(agent, batch);
}

// ---- Pack and ship ---------------------------------------------------------------------

void FloorModel::Impl::PlanPack(Agent& agent) {
  if (to_pack_.empty())
    return;
  ToteWork work = std::move(to_pack_.front());
  to_pack_.pop_front();
  std::map<Item, int64_t> contents = stock_[work.tote];
  if (contents.empty()) {  // Nothing was picked into it (a refused pick): nothing to pack.
    free_totes_.push_back(work.tote);
    return;
  }
  AddScan(agent, "pack", ContainerScan(work.tote), sc_.travel_seconds);
  auto scanned = std::make_shared<std::map<Item, int64_t>>();
  for (const auto& [packed, units] : contents) {
    const Item& item = packed;  // Captured below (clang 14 cannot capture a binding).
    for (int64_t u = 0; u < units; ++u) {
      std::string scan = ItemScan(item);
      if (scan.starts_with("(01)")) {
        MaybeMistake(agent, "pack", sc_.damaged_label, Damaged(scan), "bad_check_digit");
      }
      AddScan(agent, "pack", scan, sc_.scan_seconds, [scanned, item](const Result& result) {
        if (Accepted(result.outcome))
          ++(*scanned)[item];
      });
    }
  }
  std::string parcel = "sscc:" + NewSscc();
  AddScan(agent, "pack", ContainerScan(parcel), sc_.scan_seconds,
          [this, work, parcel, scanned](const Result& result) {
            if (!Accepted(result.outcome))
              return;
            int64_t packed = 0;
            for (const auto& [item, units] : *scanned) {
              Move(work.tote, parcel, item, units);
              packed += units;
            }
            orders_[work.order].packed += packed;
            orders_[work.order].parcel = parcel;
            tally_.units_packed += packed;
            if (stock_[work.tote].empty())
              free_totes_.push_back(work.tote);
            to_ship_.push_back({parcel, work.order});
          });
}

// Sort parcels of one carrier to one of its doors, then load them on the truck.
void FloorModel::Impl::PlanShip(Agent& agent) {
  if (to_ship_.empty())
    return;
  std::string carrier = orders_[to_ship_.front().order].carrier;
  // A carrier the scenario does not list (an order of an earlier shift) loads at any door.
  auto listed = carrier_doors_.find(carrier);
  const std::vector<std::string>& doors = listed != carrier_doors_.end() ? listed->second : doors_;
  std::string door = doors[Uniform(doors.size())];
  std::vector<Parcel> load;
  for (auto it = to_ship_.begin(); it != to_ship_.end() && load.size() < kParcelsPerLoad;) {
    if (orders_[it->order].carrier != carrier) {
      ++it;
      continue;
    }
    load.push_back(*it);
    it = to_ship_.erase(it);
  }
  for (const Parcel& parcel : load) {
    AddScan(agent, "move", ContainerScan(parcel.id), sc_.travel_seconds);
    AddScan(agent, "move", LocationLabel(door), sc_.scan_seconds);
  }
  AddScan(agent, "ship", LocationLabel(door), sc_.travel_seconds);
  for (const Parcel& parcel : load) {
    AddScan(agent, "ship", ContainerScan(parcel.id), sc_.scan_seconds,
            [this, parcel, &agent](const Result& result) {
              if (!Accepted(result.outcome))
                return;
              OrderBelief& order = orders_[parcel.order];
              int64_t units = 0;
              for (const auto& [item, count] : stock_[parcel.id])
                units += count;
              stock_.erase(parcel.id);
              shipped_.insert(parcel.id);
              order.shipped += units;
              tally_.units_shipped += units;
              ++tally_.parcels_shipped;
              if (order.shipped >= order.units && order.shipped_at_ms == 0) {
                order.shipped_at_ms = agent.time_ms;
                ++tally_.orders_shipped;
                if (order.shipped_at_ms <= order.cutoff_ms)
                  ++tally_.orders_shipped_on_time;
              }
            });
  }
}

// Adds `units` (negative: takes them) to what can be promised of `gtin`, keeping the list
// of GTINs with something to promise.
void FloorModel::Impl::Promise(const std::string& gtin, int64_t units) {
  int64_t& promisable = promisable_[gtin];
  bool had = promisable > 0;
  promisable += units;
  if (!had && promisable > 0) {
    promisable_slot_[gtin] = promisable_gtins_.size();
    promisable_gtins_.push_back(gtin);
  } else if (had && promisable <= 0) {
    size_t slot = promisable_slot_[gtin];
    promisable_slot_[promisable_gtins_.back()] = slot;
    std::swap(promisable_gtins_[slot], promisable_gtins_.back());
    promisable_gtins_.pop_back();
    promisable_slot_.erase(gtin);
  }
}

void FloorModel::Impl::Move(const std::string& from, const std::string& to, const Item& item,
                            int64_t units) {
  auto& source = stock_[from];
  auto it = source.find(item);
  if (it != source.end()) {
    it->second -= units;
    if (it->second <= 0)
      source.erase(it);
  }
  stock_[to][item] += units;
  if (auto bin = bin_index_.find(from); bin != bin_index_.end()) {
    bins_[bin->second].planned -= units;
  }
}

std::string ModelExpiry(const std::string& date) {
  bool iso = date.size() == 10 && date[4] == '-' && date[7] == '-';
  return iso ? date.substr(2, 2) + date.substr(5, 2) + date.substr(8, 2) : date;
}

// ---- FloorModel ------------------------------------------------------------------------

StatusOr<std::unique_ptr<FloorModel>> FloorModel::Create(const domain::Layout& layout,
                                                         const Scenario& scenario,
                                                         const SiteAtStart& at_start) {
  auto impl = std::make_unique<Impl>(scenario);
  Status loaded = impl->Load(layout, at_start);
  if (loaded.ok())
    impl->Resume(at_start);
  if (!loaded.ok())
    return loaded;
  return std::unique_ptr<FloorModel>(new FloorModel(std::move(impl)));
}

FloorModel::FloorModel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FloorModel::~FloorModel() = default;

std::optional<Action> FloorModel::Next() { return impl_->Next(); }
void FloorModel::Complete(int64_t action_id, const Result& result) {
  impl_->Complete(action_id, result);
}
Result FloorModel::Predicted(const Action& action) {
  Result result;
  result.outcome = action.kind == Action::Kind::kScan ? action.expected : "ok";
  return result;
}
bool FloorModel::Done() const { return impl_->Done(); }
int64_t FloorModel::now_ms() const { return impl_->now_ms_; }
const Tally& FloorModel::tally() const { return impl_->tally_; }
const std::map<std::string, OrderBelief>& FloorModel::orders() const { return impl_->orders_; }
const std::map<std::string, std::map<Item, int64_t>>& FloorModel::stock() const {
  return impl_->stock_;
}
const std::set<std::string>& FloorModel::shipped_containers() const { return impl_->shipped_; }

}  // namespace entrepot::sim
