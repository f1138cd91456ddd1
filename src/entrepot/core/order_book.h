// File: order_book.h
//
// OrderBook is the part of SiteState (site_state.h) that holds outbound work: orders and
// their lines, what is reserved for them, released pick tasks grouped in batches, the totes
// and parcels that carry each order, and the carriers' doors. Like the rest of the state it
// changes only through Apply(event) of the order events in events.h, so replay rebuilds it.
//
// Design notes:
//  (1) Available-to-promise (ATP) of a product = units in pickable locations (stow bins and
//      pick faces) - units reserved for orders and not yet picked. The sequencer reserves
//      against ATP when it decides an order (core/orders.h), one command at a time, so two
//      orders can never be promised the same unit. Stock that leaves a bin for another
//      reason (a count, a free pick) can make ATP negative: release reports that shortage.
//  (2) A released task allocates exactly one stock line of one bin; the units allocated and
//      not yet picked are not allocated again (AllocatedAt).
//  (3) Units received into a pallet listed on an open expected receipt (ASN) count against
//      it; a product not on the ASN counts as unexpected.
//  (4) Picked units travel in the order's tote; packed units in its parcels; a parcel that
//      ships ships its units of the order; a shipped parcel a partner confirms is delivered.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "entrepot/core/codec.h"
#include "entrepot/core/events.h"
#include "entrepot/domain/model.h"

namespace entrepot::core {

struct OrderLineState {
  std::string gtin;
  int64_t quantity = 0;
  int64_t reserved = 0;   // Promised out of ATP (design note 1).
  int64_t allocated = 0;  // In pick tasks.
  int64_t picked = 0;
  int64_t shorted = 0;  // Allocated units the bin did not have.
  int64_t packed = 0;
  int64_t shipped = 0;
  int64_t returned = 0;  // Shipped units that came back (returns); derived from the returns.
  // Reserved units still to be picked: what this line holds out of ATP.
  int64_t Outstanding() const {
    int64_t open = reserved - picked - shorted;
    return open > 0 ? open : 0;
  }
  friend bool operator==(const OrderLineState&, const OrderLineState&) = default;
};

// kShort: released, and every unit allocated to it was reported short at its bin, so nothing
// will be picked: it can only be cancelled (or shipped nothing). kDelivered: shipped, and
// every parcel it shipped was confirmed delivered. Derived, never stored.
enum class OrderStatus : uint8_t {
  kOpen,
  kReleased,
  kPicked,
  kPacked,
  kShipped,
  kCancelled,
  kShort,
  kDelivered
};
// "open", "released", "picked", "packed", "shipped", "cancelled", "short", "delivered".
std::string_view OrderStatusName(OrderStatus status);

// A shipped parcel's delivery, as a partner confirmed it (DeliveriesConfirmed).
struct ParcelDelivery {
  int64_t at_ms = 0;
  std::string by;  // The partner, never a person.
  friend bool operator==(const ParcelDelivery&, const ParcelDelivery&) = default;
};

struct OrderState {
  std::string id;
  std::string carrier;
  int64_t cutoff_ms = 0;
  int32_t priority = 0;
  uint64_t number = 0;  // Placement order, 1, 2, ...: the tie-break after cut-off and priority.
  std::vector<OrderLineState> lines;
  bool released = false;
  bool cancelled = false;
  std::string batch;  // Set when released.
  std::string tote;   // The tote collecting its picked units, once assigned.
  std::map<std::string, std::map<std::string, int64_t>> parcels;  // parcel -> gtin -> units
  std::set<std::string> shipped_parcels;
  std::map<std::string, ParcelDelivery> delivered_parcels;  // Each one of shipped_parcels.
  std::vector<std::string> returns;  // Ids of the returns received against it, in order.

  OrderStatus Status() const;
  int64_t Units() const;  // Sum of line quantities.
  // The line for `gtin`, or nullptr.
  const OrderLineState* Line(std::string_view gtin) const;
  friend bool operator==(const OrderState&, const OrderState&) = default;
};

struct TaskState {
  PickTask task;
  std::string batch;
  int64_t picked = 0;
  int64_t shorted = 0;
  int64_t Remaining() const { return task.quantity - picked - shorted; }
  friend bool operator==(const TaskState&, const TaskState&) = default;
};

struct BatchState {
  std::vector<std::string> orders;  // In release order; one tote each.
  std::vector<uint64_t> tasks;      // In walk order (location code).
  std::string device;               // Empty until assigned.
  uint64_t number = 0;              // Release order.
  friend bool operator==(const BatchState&, const BatchState&) = default;
};

struct ReceiptLineState {
  std::string gtin;
  int64_t expected = 0;
  int64_t received = 0;
  friend bool operator==(const ReceiptLineState&, const ReceiptLineState&) = default;
};

// An expected receipt (ASN) and what arrived against it.
struct ReceiptState {
  std::string id;
  std::string supplier;
  int64_t expected_at_ms = 0;
  std::vector<ReceiptLineState> lines;
  std::vector<std::string> containers;
  std::map<std::string, int64_t> unexpected;  // gtin -> units not on the ASN
  bool closed = false;
  friend bool operator==(const ReceiptState&, const ReceiptState&) = default;
};

// Containers shipped on one load (its bill of lading) stop being listed past this many: a ship
// scan at a door whose open load is full is refused (core/site.cc).
inline constexpr size_t kMaxLoadContainers = 10'000;

// A trailer's load at an outbound door (LoadOpened) and the containers shipped on it: the
// top-level containers scanned at the door while it was open, in scan order.
struct LoadState {
  std::string id;  // The bill of lading number.
  std::string door;
  std::string carrier;  // "" when not given.
  int64_t opened_at_ms = 0;
  int64_t departed_at_ms = 0;  // 0 while open.
  std::vector<std::string> containers;
  bool open() const { return departed_at_ms == 0; }
  friend bool operator==(const LoadState&, const LoadState&) = default;
};

// A borrowed (location, item): looks allocations up without copying five strings.
struct BinLineView {
  std::string_view location;
  const domain::ItemKey* item;
};

// Orders (location, item) keys, owned or borrowed alike.
struct BinLineLess {
  using is_transparent = void;
  static std::string_view Location(const std::pair<std::string, domain::ItemKey>& key) {
    return key.first;
  }
  static std::string_view Location(const BinLineView& key) { return key.location; }
  static const domain::ItemKey& Item(const std::pair<std::string, domain::ItemKey>& key) {
    return key.second;
  }
  static const domain::ItemKey& Item(const BinLineView& key) { return *key.item; }
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    if (Location(a) != Location(b)) {
      return Location(a) < Location(b);
    }
    return Item(a) < Item(b);
  }
};

class OrderBook {
 public:
  // Applies an order event. REQUIRES: valid for this state (decided by core/orders.h).
  void Apply(const Event& event);
  // Called by SiteState for every change of stock held by a pickable location. Only the
  // units per product are kept here: the scan hot path pays one hash update, and release
  // finds the bin stock lines in the state's stock itself (orders.cc).
  void OnPickableStock(const std::string& gtin, int64_t delta);
  // Called by SiteState for units received into a container: counted against its receipt.
  void OnReceived(const std::string& container, const std::string& gtin, int64_t units);
  // Called by SiteState when a container ships: the order parcels it carries ship too.
  void OnContainerShipped(const std::string& container);
  // Called by SiteState when a container ships through `door` (not for what it carries):
  // it joins the load open at the door, if any.
  void OnShippedThrough(const std::string& container, const std::string& door);

  const OrderState* FindOrder(const std::string& id) const;
  const ReceiptState* FindReceipt(const std::string& id) const;
  const ReturnReceived* FindReturn(const std::string& id) const;
  // The open receipt a container is expected on, or nullptr.
  const ReceiptState* ReceiptOfContainer(const std::string& container) const;
  const TaskState* FindTask(uint64_t id) const;
  const BatchState* FindBatch(const std::string& id) const;
  // The order whose tote `tote` is, or nullptr.
  const OrderState* OrderOfTote(const std::string& tote) const;
  // The order a parcel was packed for, or nullptr.
  const OrderState* OrderOfParcel(const std::string& parcel) const;
  // The batch assigned to `device` and not finished, or "".
  std::string BatchOfDevice(const std::string& device) const;
  const LoadState* FindLoad(const std::string& id) const;
  // The load open at `door`, or nullptr.
  const LoadState* OpenLoadAt(const std::string& door) const;
  // The doors of a carrier (empty when undefined: any outbound door).
  const std::vector<std::string>* CarrierDoors(const std::string& carrier) const;

  // Units of `gtin` in pickable locations, reserved and not picked, and ATP (may be < 0).
  int64_t Pickable(const std::string& gtin) const;
  int64_t Reserved(const std::string& gtin) const;
  int64_t Available(const std::string& gtin) const { return Pickable(gtin) - Reserved(gtin); }
  // Units of this bin's stock line in open tasks (design note 2).
  int64_t AllocatedAt(const std::string& location, const domain::ItemKey& item) const;

  const std::map<std::string, OrderState>& orders() const { return orders_; }
  const std::map<std::string, BatchState>& batches() const { return batches_; }
  const std::map<uint64_t, TaskState>& tasks() const { return tasks_; }
  const std::map<std::string, ReceiptState>& receipts() const { return receipts_; }
  const std::map<std::string, ReturnReceived>& returns() const { return returns_; }
  // Pick faces with replenishment settings, by location code.
  const std::map<std::string, PickFaceDefined>& pick_faces() const { return pick_faces_; }
  const std::map<std::string, LoadState>& loads() const { return loads_; }
  uint64_t last_task_id() const { return last_task_id_; }
  uint64_t orders_placed() const { return orders_placed_; }
  uint64_t batches_released() const { return batches_released_; }

  void Encode(ByteWriter& out) const;
  // Reads what Encode wrote in snapshot format `format` (2: before returns; 3: before
  // deliveries; 4: before loads); failures show as !in.ok().
  static OrderBook Decode(ByteReader& in, uint8_t format);

  friend bool operator==(const OrderBook&, const OrderBook&) = default;

 private:
  // Changes one line through `change`, keeping the reserved totals exact.
  template <typename Change>
  void ChangeLine(OrderState& order, size_t line, Change change);
  void Place(const OrderPlaced& e);
  void Cancel(const OrderCancelled& e);
  void Release(const OrderReleased& e);
  void Progress(const TaskProgressed& e);
  void Pack(const OrderPacked& e);
  void Return(const ReturnReceived& e);
  void Deliver(const DeliveriesConfirmed& e);
  bool DecodeLoads(ByteReader& in);
  // True when the return's order and lines exist (a snapshot's returns are checked).
  bool ValidReturn(const ReturnReceived& e) const;
  void CloseTask(const TaskState& task);
  size_t LineIndex(const OrderState& order, const std::string& gtin) const;

  std::map<std::string, OrderState> orders_;
  std::map<uint64_t, TaskState> tasks_;  // Open and finished; finished ones stay for status.
  std::map<std::string, BatchState> batches_;
  std::map<std::string, std::string> device_batches_;  // device -> unfinished batch
  std::map<std::string, std::string> totes_;           // tote -> order (until packed out)
  std::map<std::string, std::string> parcels_;         // parcel -> order
  std::map<std::string, std::vector<std::string>> carriers_;
  std::map<std::string, ReceiptState> receipts_;
  std::map<std::string, std::string> receipt_containers_;  // sscc -> open receipt
  std::map<std::string, ReturnReceived> returns_;          // Return id -> the return.
  std::map<std::string, PickFaceDefined> pick_faces_;      // Location -> its levels.
  std::map<std::string, LoadState> loads_;                 // BOL -> the load, open or closed.
  std::map<std::string, std::string> door_loads_;          // door -> its open load
  std::unordered_map<std::string, int64_t> reserved_;      // gtin -> outstanding reservations
  std::unordered_map<std::string, int64_t> pickable_;      // gtin -> units in pickable bins
  std::map<std::pair<std::string, domain::ItemKey>, int64_t, BinLineLess> allocated_;
  uint64_t last_task_id_ = 0;
  uint64_t orders_placed_ = 0;
  uint64_t batches_released_ = 0;
};

}  // namespace entrepot::core
