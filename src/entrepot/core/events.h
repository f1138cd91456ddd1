// File: events.h
//
// The vocabulary of the journal: operational events (facts about units, containers and
// locations), master-data events, and the Entry that groups the events of one command with
// the command and its reply. Events are applied to SiteState (site_state.h) both when they
// are decided and when the journal is replayed, so replay rebuilds exactly the same state.
//
// Privacy (rule RET-01): no event and no entry field carries a worker's identity. A device
// id identifies a handheld; the link from a device session to a person lives only in the
// labor stream (privacy module), never here.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "entrepot/base/status.h"
#include "entrepot/domain/model.h"

namespace entrepot::core {

// A device works in one mode at a time; each mode has its own scan sequence (scan.h).
enum class Mode : uint8_t { kReceive, kStow, kPick, kPack, kMove, kShip, kCount };
inline constexpr int kModeCount = 7;

std::string_view ModeName(Mode mode);
// Returns kInvalidArgument with reason "bad_mode" naming the accepted modes.
StatusOr<Mode> ParseMode(std::string_view name);

// The outcome of a scan, as the device shows it. The names (OutcomeName) are stable wire
// values; new outcomes may be added, existing ones never change meaning.
enum class Outcome : uint8_t {
  kOk,                // Accepted.
  kReverify,          // Accepted, but the location was flagged for a quality check.
  kUnknownCode,       // Not a code Entrepôt knows how to read.
  kBadBarcode,        // A GS1 code that breaks a syntax rule.
  kBadCheckDigit,     // A check digit or label check character is wrong.
  kUnknownLocation,   // A well-formed location label that is not in the layout.
  kUnknownProduct,    // A GTIN that is not in the master data.
  kUnknownContainer,  // A container label that is not registered.
  kWrongLocation,     // A location of the wrong type, or not where the step expects.
  kLocationFull,      // The location has no capacity left.
  kNotExpected,       // A valid code, but not what this step of the sequence expects.
  kNotInStock,        // The unit is not in the source the step takes it from.
  kDuplicate,         // A serial already in stock, or a parcel label already used.
  kContainerLoop,     // Would put a container inside itself.
  kAlreadyShipped,    // The container has left the site.
  kTooManyItems,      // A pending list (pack) reached its limit.
  kTooOld,            // Made before the oldest remembered key: may be a forgotten replay.
};
inline constexpr int kOutcomeCount = 17;

std::string_view OutcomeName(Outcome outcome);
// True when the scan was accepted (kOk, kReverify).
bool IsAccepted(Outcome outcome);

// --- Master-data events ------------------------------------------------------------------

struct SiteDefined {
  std::string code;
  std::string name;
};
struct ZoneDefined {
  domain::Zone zone;
};
struct LocationDefined {
  domain::Location location;
};
struct ProductDefined {
  domain::Product product;
};
// A container becomes known: from the layout, or first seen on a scan (a new SSCC).
struct ContainerRegistered {
  std::string container;  // Canonical container id.
  domain::ContainerType type = domain::ContainerType::kTote;
};

// --- Operational events ------------------------------------------------------------------

struct UnitsReceived {
  domain::ItemKey item;
  int64_t quantity = 0;  // > 0
  domain::Holder to;
};
struct UnitsMoved {
  domain::ItemKey item;  // The exact stock line taken from `from`.
  int64_t quantity = 0;  // > 0
  domain::Holder from;
  domain::Holder to;
};
// A container (with everything in and on it) now sits in or on `to`.
struct ContainerMoved {
  std::string container;
  domain::Holder to;
};
// A container and its contents left the site through an outbound door.
struct ContainerShipped {
  std::string container;
  std::string door;  // Location code.
};
// A correction of stock after a count: never an edit of history (delta may be negative).
struct StockAdjusted {
  domain::ItemKey item;
  domain::Holder holder;
  int64_t delta = 0;
  std::string reason;  // "cycle_count", ...
};
// A location needs a quality check (rule IND-01: the flag is on the bin, never a person).
struct LocationFlagged {
  std::string location;
  std::string reason;  // "stow_too_fast", ...
};
// A location was counted; its quality flag is cleared.
struct LocationCounted {
  std::string location;
};

// --- Orders (core/order_book.h, core/orders.h) -------------------------------------------

// A line of an order as decided: `reserved` units of the product are promised to it out of
// the available-to-promise stock (never more than was available when decided).
struct OrderLine {
  std::string gtin;
  int64_t quantity = 0;  // > 0
  int64_t reserved = 0;  // 0..quantity
  friend bool operator==(const OrderLine&, const OrderLine&) = default;
};
// An order is placed, or amended (the terms and lines replace the previous ones).
struct OrderPlaced {
  std::string order;
  std::string carrier;
  int64_t cutoff_ms = 0;  // Ship-by cut-off, Unix ms.
  int32_t priority = 0;   // Higher first among orders with the same cut-off.
  std::vector<OrderLine> lines;
  bool amendment = false;
};
// An order is cancelled: its reservations and open pick tasks are released.
struct OrderCancelled {
  std::string order;
};
// One unit-picking instruction: take `quantity` of exactly `item` from `location` for
// `order`.
struct PickTask {
  uint64_t id = 0;  // Unique in the site.
  std::string order;
  std::string location;
  domain::ItemKey item;
  int64_t quantity = 0;  // > 0
  friend bool operator==(const PickTask&, const PickTask&) = default;
};
// An order's work is released: its reservations topped up to `reserved` (one per line) and
// its units allocated to pick tasks, in batch `batch`.
struct OrderReleased {
  std::string order;
  std::string batch;
  std::vector<int64_t> reserved;
  std::vector<PickTask> tasks;
};
// A device takes a batch of released orders to pick (one cart of totes).
struct BatchAssigned {
  std::string batch;
  std::string device;
};
// A tote on the cart now collects one order's units.
struct ToteAssigned {
  std::string tote;
  std::string order;
};
// Units of a task were picked (the UnitsMoved next to it moves the stock), or found missing
// at the bin (`shorted`).
struct TaskProgressed {
  uint64_t task = 0;
  int64_t picked = 0;
  int64_t shorted = 0;
};
// Units of an order were packed into a parcel.
struct OrderPacked {
  std::string order;
  std::string parcel;
  std::string gtin;
  int64_t quantity = 0;
};
// A carrier and the outbound doors its trucks load at (sorting checks them).
struct CarrierDefined {
  std::string carrier;
  std::vector<std::string> doors;
};

// Expected receipt (ASN): what a supplier's delivery should hold, and the SSCCs of its
// pallets; units received into those pallets count against it.
struct ReceiptExpected {
  std::string receipt;
  std::string supplier;
  int64_t expected_at_ms = 0;
  std::vector<OrderLine> lines;         // gtin and quantity expected; `reserved` unused (0).
  std::vector<std::string> containers;  // Canonical "sscc:..." ids.
};
// The receipt is done: what was not received is short from now on.
struct ReceiptClosed {
  std::string receipt;
};

// What becomes of a returned unit: back into stock where it was received ("restock"), into
// stock there with the location flagged for an inspection ("inspect"), or written off
// without entering stock ("scrap").
enum class ReturnDisposition : uint8_t { kRestock, kInspect, kScrap };
inline constexpr int kReturnDispositionCount = 3;

struct ReturnLine {
  std::string gtin;
  int64_t quantity = 0;  // > 0
  std::string reason;    // One of core::kReturnReasons (orders.h).
  ReturnDisposition disposition = ReturnDisposition::kRestock;
  friend bool operator==(const ReturnLine&, const ReturnLine&) = default;
};
// Units of a shipped order came back, received at `location`. The UnitsReceived (and
// LocationFlagged) events beside it in the entry put the restocked and inspected units
// there.
struct ReturnReceived {
  std::string return_id;
  std::string order;
  std::string location;
  std::vector<ReturnLine> lines;
  friend bool operator==(const ReturnReceived&, const ReturnReceived&) = default;
};

// A pick face's replenishment settings: it holds product `gtin`, refilled up to `max`
// units when it falls below `min` (min 0 and max 0: the settings are removed).
struct PickFaceDefined {
  std::string location;
  std::string gtin;
  int64_t min = 0;
  int64_t max = 0;
  friend bool operator==(const PickFaceDefined&, const PickFaceDefined&) = default;
};

// Parcels this site shipped reached their destination, as a partner (the carrier or the
// customer) confirmed, e.g. by an EPCIS receiving event: each parcel's order records its
// delivery. Every parcel listed was shipped and not delivered before.
struct DeliveriesConfirmed {
  std::vector<std::string> parcels;  // Canonical container ids ("sscc:...").
  int64_t delivered_at_ms = 0;       // When the partner received them, Unix ms.
  std::string by;                    // The partner that confirmed (an identifier), never a person.
  friend bool operator==(const DeliveriesConfirmed&, const DeliveriesConfirmed&) = default;
};

// A trailer at an outbound door, under its bill of lading (BOL): each container shipped
// through the door while the load is open travels on it (order_book.h keeps the list), and
// its EPCIS shipping event names the BOL. At most one open load per door.
struct LoadOpened {
  std::string load;     // The BOL number, as an order id.
  std::string door;     // An outbound-door location code.
  std::string carrier;  // As a carrier code; "" when not given.
  int64_t opened_at_ms = 0;
  friend bool operator==(const LoadOpened&, const LoadOpened&) = default;
};
// The trailer left: later shipments through its door travel on the next load opened there,
// or on none.
struct LoadClosed {
  std::string load;
  int64_t departed_at_ms = 0;
  friend bool operator==(const LoadClosed&, const LoadClosed&) = default;
};

// --- Device state ------------------------------------------------------------------------

// Where a device is in its mode's scan sequence. Kept as an event so replay restores it.
struct DeviceState {
  Mode mode = Mode::kReceive;
  domain::Holder source;  // Where units come from (stow, pick location, pack tote).
  bool has_source = false;
  domain::Holder target;  // Where units go (receive target, pick tote, ship door, count bin).
  bool has_target = false;
  std::vector<domain::ItemKey> pending;  // Stow: the item awaiting its bin; pack: the items.
  std::string moving;                    // Move: the container awaiting its destination.
  int64_t last_stow_at_ms = 0;           // 0 when none; for the too-fast check only.

  friend bool operator==(const DeviceState&, const DeviceState&) = default;
};
struct DeviceStateChanged {
  std::string device;
  DeviceState state;
};

using Event =
    std::variant<SiteDefined, ZoneDefined, LocationDefined, ProductDefined, ContainerRegistered,
                 UnitsReceived, UnitsMoved, ContainerMoved, ContainerShipped, StockAdjusted,
                 LocationFlagged, LocationCounted, DeviceStateChanged, OrderPlaced, OrderCancelled,
                 OrderReleased, BatchAssigned, ToteAssigned, TaskProgressed, OrderPacked,
                 CarrierDefined, ReceiptExpected, ReceiptClosed, ReturnReceived, PickFaceDefined,
                 DeliveriesConfirmed, LoadOpened, LoadClosed>;

// What the device is told.
struct Reply {
  Outcome outcome = Outcome::kOk;
  std::string message;  // What happened, for a person.
  std::string prompt;   // What to scan next.
};

// One journal record: a scan with its reply and events, a master-data change, or an order
// command (place, amend, cancel, release, assign, carrier).
struct Entry {
  enum class Kind : uint8_t { kScan, kMasterData, kOrder };
  Kind kind = Kind::kScan;
  uint64_t seq = 0;
  std::string key;     // Idempotency key (scans); empty for master data.
  std::string device;  // Scans only.
  Mode mode = Mode::kReceive;
  std::string code;
  int64_t at_ms = 0;
  Reply reply;
  std::vector<Event> events;
};

}  // namespace entrepot::core
