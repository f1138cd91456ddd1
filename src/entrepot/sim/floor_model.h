// File: floor_model.h
//
// The discrete-event model of a fulfilment centre's shift (docs/SIMULATOR.md). Workers,
// each with a handheld, receive pallets from trucks, stow units into bins, pick released
// orders into totes, pack parcels and load them at their carrier's door; a supervisor
// defines the carriers, announces the trucks (ASNs), places the orders as they arrive and
// releases work. Every step is an Action: a scan, or an API call. The model does no I/O and
// reads no clock: a driver takes actions with Next(), performs them (against a server, or
// not at all) and reports each result with Complete().
//
// What the model believes is what it did: a unit is in a bin once the scan that put it
// there was accepted. Mistakes are made on purpose at the scenario's rates (a wrong bin, a
// wrong unit, a damaged label) and each has the outcome it must get; a result other than
// the one predicted is a surprise, counted, and the belief follows the real result.
//
// Determinism: a Scenario and a layout give one sequence of actions as long as results
// arrive in the order actions were taken (the open-loop run of the NDJSON writer). Under a
// concurrent driver the interleaving of workers follows the replies.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "entrepot/base/status.h"
#include "entrepot/domain/model.h"
#include "entrepot/sim/scenario.h"

namespace entrepot::sim {

// One unit's identity as the model tracks it: product, lot and expiry ("YYMMDD").
struct Item {
  std::string gtin;
  std::string lot;
  std::string expiry;
  friend auto operator<=>(const Item&, const Item&) = default;
};

// "2027-03-15" (the site's and the API's form of an expiry date) -> "270315" (the model's,
// as scanned in AI (17)); any other text is returned unchanged.
std::string ModelExpiry(const std::string& date);

struct OrderLinePlan {
  std::string gtin;
  int32_t quantity = 0;
};

struct PickTask {
  std::string order;
  std::string location;
  Item item;  // lot and expiry empty when the task does not name them.
  int32_t quantity = 0;
};

struct TaskBatch {
  std::string batch;
  std::vector<std::string> orders;  // Orders of the batch, in order.
  std::vector<bool> needs_tote;     // Parallel to orders.
  std::vector<std::string> totes;   // Parallel to orders: the tote already held, or "".
  std::vector<PickTask> tasks;      // Open tasks in walk order.
};

struct Action {
  enum class Kind {
    kScan,           // device, mode, code, scan_id
    kDefineCarrier,  // carrier, doors
    kExpectReceipt,  // receipt, lines, containers
    kPlaceOrder,     // order, carrier, cutoff_ms, lines
    kRelease,        // (orders_per_batch from the scenario)
    kTakeTask,       // device
    kCloseReceipt,   // receipt
  };
  int64_t id = 0;  // Pass back to Complete().
  Kind kind = Kind::kScan;
  int64_t at_ms = 0;
  std::string device;
  std::string mode;
  std::string code;
  std::string scan_id;
  // The outcome the scan must get: "ok" (accepted: ok or reverify) or a refusal's name.
  std::string expected = "ok";
  std::string carrier;
  std::vector<std::string> doors;
  std::string order;
  std::string receipt;
  int64_t cutoff_ms = 0;
  std::vector<OrderLinePlan> lines;
  std::vector<std::string> containers;  // SSCCs, 18 digits.
  int32_t orders_per_batch = 0;
};

// What happened to an action. For scans, `outcome` is the server's outcome name; for API
// calls, "ok" or the error reason; for kTakeTask, "ok" with `batch`, or "no_work".
struct Result {
  std::string outcome = "ok";
  TaskBatch batch;
};

// Tallies for the end-of-run report.
struct Tally {
  std::map<std::string, int64_t> scans_by_outcome;
  int64_t surprises = 0;                       // Results other than predicted.
  std::vector<std::string> surprise_examples;  // The first few, for the report.
  int64_t units_received = 0;
  int64_t units_stowed = 0;
  int64_t units_picked = 0;
  int64_t units_packed = 0;
  int64_t units_shipped = 0;
  int64_t orders_placed = 0;
  int64_t orders_shipped = 0;
  int64_t orders_shipped_on_time = 0;
  int64_t parcels_shipped = 0;
  int64_t api_calls = 0;
  int64_t api_errors = 0;
};

// The model's belief about one order.
struct OrderBelief {
  std::string carrier;
  int64_t cutoff_ms = 0;
  std::vector<OrderLinePlan> lines;
  int64_t units = 0;
  int64_t picked = 0;
  int64_t packed = 0;
  int64_t shipped = 0;
  std::string parcel;  // Canonical id once packed.
  int64_t shipped_at_ms = 0;
};

// What a site already holds when a shift starts on it (the demo's next shift): the model
// believes it, finishes the open orders' work as the server hands it out, packs the totes
// and ships the parcels left waiting, stows the pallets left at the docks, and leaves the
// totes in use alone. It promises new orders only out of what its own shift brings in.
struct SiteAtStart {
  std::map<std::string, std::map<Item, int64_t>> stock;  // Per holder, as FloorModel::stock().
  std::map<std::string, OrderBelief> open_orders;        // Placed, neither shipped nor cancelled.
  std::set<std::string> totes_in_use;                    // Canonical ids.
  std::vector<std::pair<std::string, std::string>> totes_to_pack;    // (order, tote id)
  std::vector<std::pair<std::string, std::string>> parcels_to_ship;  // (order, parcel id)
  std::vector<std::string> pallets_to_stow;  // Pallet ids whose units `stock` holds.
};

class FloorModel {
 public:
  // Plans the shift on a site that holds `at_start`. Errors, kInvalidArgument
  // "bad_scenario": the layout lacks what the scenario needs (a dock, a stow bin, a free
  // tote, a product, a carrier's door), naming it.
  static StatusOr<std::unique_ptr<FloorModel>> Create(const domain::Layout& layout,
                                                      const Scenario& scenario,
                                                      const SiteAtStart& at_start = {});
  ~FloorModel();
  FloorModel(const FloorModel&) = delete;
  FloorModel& operator=(const FloorModel&) = delete;

  // The next action in simulated-time order among agents not waiting for a result; nullopt
  // when every agent is waiting or done. An action's agent waits until Complete(id).
  std::optional<Action> Next();

  // Reports an action's result. REQUIRES: `action_id` came from Next() and was not
  // completed yet.
  void Complete(int64_t action_id, const Result& result);

  // The result the model predicts for `action` (what an open-loop run feeds back): the
  // expected outcome for scans, "ok" for API calls. REQUIRES: not kTakeTask.
  static Result Predicted(const Action& action);

  // True when every agent finished its shift and nothing is waiting.
  bool Done() const;

  // The simulated time of the last action taken.
  int64_t now_ms() const;

  const Tally& tally() const;
  const std::map<std::string, OrderBelief>& orders() const;
  // Units per holder: a location code, or a canonical container id ("label:T0001",
  // "sscc:…"), then per item. Holders that were ever touched stay, possibly empty; shipped
  // containers are removed.
  const std::map<std::string, std::map<Item, int64_t>>& stock() const;
  // Canonical ids of containers that left the site.
  const std::set<std::string>& shipped_containers() const;

 private:
  class Impl;
  explicit FloorModel(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace entrepot::sim
