// File: movement.h
//
// The values of the movement index (movement_index.h): one Movement per unit-level fact of
// the journal (units received, moved, adjusted or shipped; a container moved or shipped), the
// subject a history lookup is about (a serial, a lot, a product or a container, resolved from
// what a person scans or types), the paging cursor of a history, and the flow report (units
// per zone and process over a time window). Also the parsers of the HTTP parameters that
// select them (limit, cursor, window), so every caller refuses bad input with the same reasons.
//
// Privacy (rule RET-01): a Movement carries no worker identity, no device id and no
// idempotency key, and not the scanned text either (a badge scan is a person's id).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "entrepot/base/status.h"
#include "entrepot/domain/model.h"

namespace entrepot::server {

// What a Movement records. The names (MovementKindName) are stable wire values.
enum class MovementKind : uint8_t {
  kReceived,          // Units entered the site (UnitsReceived).
  kMoved,             // Units moved between holders (UnitsMoved: stow, pick, pack, count).
  kAdjusted,          // Stock corrected after a count (StockAdjusted).
  kShipped,           // One stock line left the site in a shipped container.
  kContainerMoved,    // A container was put in or on a holder (ContainerMoved).
  kContainerShipped,  // A container left through an outbound door (ContainerShipped).
};
inline constexpr int kMovementKindCount = 6;

// "received", "moved", "adjusted", "shipped", "container_moved", "container_shipped".
std::string_view MovementKindName(MovementKind kind);

// The process of a movement: the mode of its scan ("receive", "stow", ... as
// core::ModeName), or kMasterDataProcess for a master-data change.
inline constexpr std::string_view kMasterDataProcess = "master_data";

struct Movement {
  uint64_t seq = 0;  // The journal entry it comes from.
  uint32_t ord = 0;  // Its rank among the movements of that entry (0, 1, ...).
  int64_t at_ms = 0;
  std::string process{};  // See kMasterDataProcess.
  MovementKind kind = MovementKind::kMoved;
  // Where it happened: the location of the destination when that is a location, else of the
  // source, else where the destination (then the source) container stood. Empty when the
  // container stood nowhere known; `zone` is then empty too.
  std::string location{};
  std::string zone{};
  std::optional<domain::Holder> from{};  // Absent for a receipt, or a container never placed.
  std::optional<domain::Holder> to{};    // Absent for a negative adjustment.
  domain::ItemKey item{};                // Empty for container movements.
  // The container moved or shipped; for kShipped, the container that was shipped (the line
  // may sit in a container nested in it: see `from`).
  std::string container{};
  // Units, always >= 0: the line's quantity, the adjustment's size, or the units in and
  // under a container (at the time) for container movements.
  int64_t quantity = 0;
  std::string reason{};  // kAdjusted: "cycle_count", ...; empty otherwise.

  friend bool operator==(const Movement&, const Movement&) = default;
};

// Position in a history, newest first: a page "before" a cursor holds the movements ordered
// before (seq, ord). Text form "SEQ" (everything before entry SEQ, i.e. ord 0) or "SEQ.ORD".
struct HistoryCursor {
  uint64_t seq = 0;
  uint32_t ord = 0;

  friend bool operator==(const HistoryCursor&, const HistoryCursor&) = default;
};
// Returns kInvalidArgument "bad_cursor" unless `text` is "SEQ" or "SEQ.ORD" in decimal
// (SEQ in 1..2^63-1, ORD in 0..2^32-1, no sign, no spaces).
StatusOr<HistoryCursor> ParseHistoryCursor(std::string_view text);
// "SEQ.ORD", which ParseHistoryCursor reads back.
std::string FormatHistoryCursor(const HistoryCursor& cursor);

// Page sizes of a history: the default when none is asked, and the largest accepted.
inline constexpr int64_t kDefaultHistoryLimit = 50;
inline constexpr int64_t kMaxHistoryLimit = 500;
// Parses a page size (decimal). Returns kInvalidArgument "bad_limit" unless it is an integer
// in 1..kMaxHistoryLimit.
StatusOr<int64_t> ParseHistoryLimit(std::string_view text);

// What a history is about.
struct HistorySubject {
  enum class Kind : uint8_t {
    kSerial,     // One serialised unit: gtin + serial.
    kLot,        // One lot of a product: gtin + lot.
    kProduct,    // Every movement of a product: gtin.
    kContainer,  // A container's moves and shipping, and units put into or taken out of it.
  };
  Kind kind = Kind::kProduct;
  std::string gtin;       // 14 digits; empty for a container.
  std::string lot;        // kLot.
  std::string serial;     // kSerial.
  std::string container;  // kContainer: the canonical id ("sscc:…", "label:T1", ...).

  friend bool operator==(const HistorySubject&, const HistorySubject&) = default;
};
// "serial", "lot", "product", "container".
std::string_view HistorySubjectKindName(HistorySubject::Kind kind);

// The longest code ResolveHistoryCode reads (the longest GS1 scan accepted).
inline constexpr size_t kMaxHistoryCodeBytes = 4096;

// Resolves `code` as scanned or typed, with core::InterpretCode (every GS1 form, Digital
// Link, plain GTIN, SSCC, container labels) plus the canonical container ids the stock API
// prints ("sscc:…", "label:…", "grai:…", "giai:…"). A unit code with a serial gives kSerial
// (even with a lot), with a lot kLot, otherwise kProduct; expiry and quantity are ignored.
// Errors (kInvalidArgument): the reasons of InterpretCode ("unknown_code" for text that is
// no code, "empty_code", "bad_check_digit", "bad_length", "no_identifier", ...);
// "unknown_code" above kMaxHistoryCodeBytes; "not_a_unit" for a location label or a badge
// (a person's badge never selects a history: rule RET-01).
StatusOr<HistorySubject> ResolveHistoryCode(std::string_view code);

// One page of a history, newest first.
struct HistoryPage {
  HistorySubject subject;
  std::vector<Movement> movements;
  // Where the next (older) page starts; absent on the last page.
  std::optional<HistoryCursor> next;
  // The journal entries up to this seq are indexed; later ones are not in the page yet.
  uint64_t indexed_seq = 0;
};

// The longest flow window accepted.
inline constexpr int64_t kMaxFlowWindowMs = int64_t{24} * 3600 * 1000;
// Parses a window: a positive decimal count followed by one unit, "s", "m" or "h" ("30s",
// "15m", "1h"). Returns the milliseconds, or kInvalidArgument "bad_window" when malformed,
// zero, or longer than kMaxFlowWindowMs.
StatusOr<int64_t> ParseFlowWindow(std::string_view text);
// The most buckets a flow series has (a day in five-minute steps).
inline constexpr int64_t kMaxFlowSteps = 288;

// Units that flowed through a zone in a process. A movement counts its quantity (container
// moves: the units in and under the container; a shipped container counts through its
// kShipped lines, not itself) and counts as one movement, except kContainerShipped.
struct FlowCell {
  std::string zone;  // Empty when the movement's location is unknown.
  std::string process;
  int64_t units = 0;
  int64_t movements = 0;

  friend bool operator==(const FlowCell&, const FlowCell&) = default;
};

struct FlowTotal {
  std::string key;  // A zone or a process.
  int64_t units = 0;
  int64_t movements = 0;

  friend bool operator==(const FlowTotal&, const FlowTotal&) = default;
};

// The movements whose scan time is in [from_ms, to_ms], both ends included.
struct FlowReport {
  int64_t from_ms = 0;
  int64_t to_ms = 0;
  std::vector<FlowCell> cells;        // Sorted by zone, then process; no all-zero cell.
  std::vector<FlowTotal> by_zone;     // Sorted by zone.
  std::vector<FlowTotal> by_process;  // Sorted by process.
  int64_t units = 0;
  int64_t movements = 0;
  uint64_t indexed_seq = 0;  // As HistoryPage::indexed_seq.
};

}  // namespace entrepot::server
