// File: orders.h
//
// Order commands, decided against the current SiteState by the site's single writer:
// place, amend and cancel an order, release work by cut-off, hand a batch to a device,
// define a carrier's doors, expect and close receipts, request counts, receive returns, set
// pick-face levels, record the deliveries partners confirm, and open and close loads (a
// trailer at a door under its bill of lading). A decision is a list of order
// events (events.h) that the engine journals as one kOrder entry and applies (order_book.h holds
// the state they build).
//
// Design notes:
//  (1) Reservation never over-promises: a line reserves at most the product's
//      available-to-promise (order_book.h, note 1) at the moment its command is decided;
//      commands are decided one at a time, so concurrent orders cannot take the same unit.
//      A line that cannot be fully reserved is accepted with its shortage reported.
//  (2) Release is waveless: unreleased orders go in order of cut-off, then priority (higher
//      first), then placement, up to a count; reservations are topped up from stock that
//      arrived since; units are allocated to bin stock lines FEFO (earliest expiry first,
//      undated last), then FIFO (the line that arrived first: StockLine::arrival), then by
//      location code, never to units another task holds; orders are
//      grouped into batches of one cart of totes. Units that cannot be allocated are reported
//      as shortages now, not discovered at the bin; an order with nothing to pick stays open.
//  (3) Amendments keep the physical truth: no change once anything is packed ("order_packed");
//      after release a line can only shrink, and not below what is already allocated to tasks
//      ("order_released", "below_allocated").
//  (4) Pure: no I/O, no clock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "entrepot/base/status.h"
#include "entrepot/core/events.h"
#include "entrepot/core/site_state.h"

namespace entrepot::core {

inline constexpr size_t kMaxOrderIdLength = 64;
inline constexpr size_t kMaxOrderLines = 500;
inline constexpr int64_t kMaxLineQuantity = 1'000'000;
inline constexpr int32_t kMaxOrderPriority = 100;
inline constexpr size_t kMaxReleaseOrders = 100'000;
inline constexpr size_t kMaxOrdersPerBatch = 64;
inline constexpr size_t kMaxCarrierDoors = 64;

struct OrderLineRequest {
  std::string gtin;  // 14 digits, a product of the master data.
  int64_t quantity = 0;
};

struct OrderTerms {
  std::string id;       // 1..64 of [A-Za-z0-9._-]
  std::string carrier;  // 1..64 of [A-Za-z0-9._-]
  int64_t cutoff_ms = 0;
  int32_t priority = 0;  // 0..100
  std::vector<OrderLineRequest> lines;
};

struct PlaceOrder {
  OrderTerms terms;
};
struct AmendOrder {
  OrderTerms terms;
};
struct CancelOrder {
  std::string id;
};
struct ReleaseOrders {
  int64_t horizon_ms = 0;       // Only orders with cut-off at or before this; 0: every order.
  size_t max_orders = 1000;     // 1..kMaxReleaseOrders
  size_t orders_per_batch = 8;  // Totes on a cart; 1..kMaxOrdersPerBatch
};
// Gives `device` its next batch to pick (the one it has, if it has one).
struct AssignBatch {
  std::string device;
};
struct DefineCarrier {
  std::string carrier;
  std::vector<std::string> doors;  // Outbound-door location codes; empty: any door.
};

inline constexpr size_t kMaxReceiptContainers = 500;

// An expected receipt (ASN): lines (`reserved` unused) and its pallets' SSCCs
// ("sscc:" + 18 digits), 1..500 of each.
struct ExpectReceipt {
  std::string id;        // As an order id.
  std::string supplier;  // As a carrier code.
  int64_t expected_at_ms = 0;
  std::vector<OrderLineRequest> lines;
  std::vector<std::string> containers;
};
// Closes a receipt: its summary reports what is short, over and unexpected.
struct CloseReceipt {
  std::string id;
};

inline constexpr size_t kMaxCountLocations = 10'000;

// Asks for cycle counts: flags the listed locations, or every stow bin and pick face of
// `zone` (exactly one of the two), "count_requested". A location whose count is already due
// keeps its flag (and its reason). The flagged locations are the open count tasks; counting
// one (count mode) clears its flag. At most kMaxCountLocations per request.
struct RequestCounts {
  std::vector<std::string> locations;
  std::string zone;
};

// Why a unit came back: a closed list, so that returns can be counted by cause.
inline constexpr const char* kReturnReasons[] = {
    "damaged", "defective", "wrong_item", "not_as_described", "no_longer_needed", "late", "other"};
// "restock", "inspect", "scrap".
std::string_view ReturnDispositionName(ReturnDisposition disposition);

// Receives units of a shipped order back at `location` (a dock, a stow bin, a pick face or
// a pack station): per line, the product (on the order), the units, a reason and a
// disposition. Restocked units enter stock there; inspected ones too, but only at a dock or
// a pack station, out of the stock orders can take, and the location is flagged
// "return_inspection" (a count task); scrapped ones are recorded only. A line never takes
// back more than was shipped of its product, less what came back before.
struct ReceiveReturn {
  std::string id;  // As an order id; unique among returns.
  std::string order;
  std::string location;
  std::vector<ReturnLine> lines;  // 1..kMaxOrderLines
};

// Sets a pick face's replenishment levels: it holds product `gtin` and is refilled up to
// `max` units when it falls below `min` (0 <= min < max, max within its capacity); max 0
// removes the settings. See core/replenishment.h.
struct DefinePickFace {
  std::string location;
  std::string gtin;
  int64_t min = 0;
  int64_t max = 0;
};

inline constexpr size_t kMaxDeliveryParcels = 500;

// Records that parcels this site shipped were delivered, as partner `by` (the carrier or the
// customer) confirmed at `delivered_at_ms` (e.g. an EPCIS receiving event): each parcel's
// order keeps its delivery, and an order whose every shipped parcel is delivered reads
// "delivered". A parcel no order packed ("unknown_parcel"), one not shipped yet
// ("not_shipped") and one delivered before ("already_delivered") is reported in the
// decision's delivery_problems, not refused; a parcel listed twice counts once. Nothing
// to record: no event, nothing journaled.
struct ConfirmDeliveries {
  std::vector<std::string> parcels;  // Canonical container ids, 1..kMaxDeliveryParcels.
  int64_t delivered_at_ms = 0;       // > 0
  std::string by;                    // As a carrier code.
};

// Opens a trailer's load at an outbound door under its bill of lading: containers shipped
// through the door from now on travel on it, until CloseLoad. Refused: a BOL used before
// ("load_exists"), a door that is not an outbound door ("bad_door") or already has an open
// load ("door_busy"), a carrier whose doors do not include it ("wrong_door").
struct OpenLoad {
  std::string id;       // The BOL number, as an order id.
  std::string door;     // An outbound-door location code.
  std::string carrier;  // As a carrier code; "" when not given.
  int64_t at_ms = 0;    // > 0: when the load was opened.
};
// The load's trailer left at `at_ms` (> 0): "unknown_load", "load_closed".
struct CloseLoad {
  std::string id;
  int64_t at_ms = 0;
};

using OrderCommand =
    std::variant<PlaceOrder, AmendOrder, CancelOrder, ReleaseOrders, AssignBatch, DefineCarrier,
                 ExpectReceipt, CloseReceipt, RequestCounts, ReceiveReturn, DefinePickFace,
                 ConfirmDeliveries, OpenLoad, CloseLoad>;

// Units of a line that could not be reserved (place, amend) or allocated (release).
struct Shortage {
  std::string order;
  std::string gtin;
  int64_t units = 0;
  friend bool operator==(const Shortage&, const Shortage&) = default;
};

// A receipt line's difference when closed: received - expected (over > 0, short < 0), and
// products not on the ASN (expected 0).
struct ReceiptDifference {
  std::string gtin;
  int64_t expected = 0;
  int64_t received = 0;
  friend bool operator==(const ReceiptDifference&, const ReceiptDifference&) = default;
};

// A parcel of ConfirmDeliveries that was not recorded, and why: "unknown_parcel",
// "not_shipped" or "already_delivered".
struct DeliveryProblem {
  std::string parcel;
  std::string reason;
  friend bool operator==(const DeliveryProblem&, const DeliveryProblem&) = default;
};

// A note for the receive scan of `units` of `gtin` into `container` (before it is applied):
// progress against its open receipt, "not on" it, or over it; "" when on no receipt.
std::string ReceiptNote(const SiteState& state, const std::string& container,
                        const std::string& gtin, int64_t units);

struct OrderDecision {
  std::vector<Event> events;  // Empty when nothing changes (an assign of the device's batch).
  std::string summary;        // One sentence, for a person and the journal entry.
  std::vector<Shortage> shortages;
  std::vector<std::string> released;  // Release: the orders released, in release order.
  std::vector<std::string> batches;   // Release: the batches made; assign: the batch given.
  std::vector<ReceiptDifference> differences;  // Close receipt: every line that differs.
  std::vector<std::string> counts;  // Request counts: the locations flagged now, code order.
  // Confirm deliveries: the parcels recorded as delivered now, in command order, and those
  // that were not.
  std::vector<std::string> delivered;
  std::vector<DeliveryProblem> delivery_problems;
};

// Decides `command` against `state` as journal entry `seq` (batch ids derive from it).
// Errors (nothing changes):
//   kInvalidArgument: "bad_order_id", "bad_carrier", "bad_cutoff", "bad_priority",
//     "no_lines", "too_many_lines", "bad_quantity", "duplicate_line", "bad_release",
//     "bad_device", "bad_door", "too_many_doors", "bad_container", "too_many_containers",
//     "bad_count_request", "too_many_locations", "not_countable", "bad_return_id",
//     "bad_reason", "not_on_order", "bad_return_location", "not_a_pick_face",
//     "bad_levels", "no_parcels", "too_many_parcels", "bad_parcel", "bad_delivery_time",
//     "bad_partner";
//   kNotFound: "unknown_product", "no_such_order", "no_such_receipt", "no_work" (assign:
//     nothing released and unassigned), "unknown_location", "unknown_zone";
//   kAlreadyExists: "order_exists", "receipt_exists", "container_expected" (an SSCC already
//     on another open receipt), "return_exists";
//   kFailedPrecondition: "order_cancelled", "order_packed", "order_released",
//     "below_allocated", "receipt_closed", "more_than_shipped", "location_full".
StatusOr<OrderDecision> DecideOrder(const SiteState& state, const OrderCommand& command,
                                    uint64_t seq);

}  // namespace entrepot::core
