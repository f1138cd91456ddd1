// File: site_state.h
//
// SiteState is the in-memory projection of a site's journal: master data, stock per
// (holder, item), containers and where they are, location flags, and each device's place in
// its scan sequence. It changes only through Apply(event), so applying the journal's events
// in order from an empty state always rebuilds the same state (replay == incremental).
//
// Design notes:
//  (1) Stock is keyed by (holder, item) and holds a positive quantity; a line that reaches
//      zero is erased. No running balance is stored in any event.
//  (2) A container is held by at most one holder (a location or another container); the
//      parent chain has no cycles (the sequencer refuses moves that would make one).
//  (3) A shipped container and everything nested in it leave the stock map; the container
//      record stays, marked shipped, so a later scan of its label is answered precisely.
//  (4) Some lookups are indexes derived from the rest (the bins holding each product, by
//      code and ranked by units held, the empty stow bins of each zone, the flagged
//      locations): kept up to date by Apply and rebuilt by Decode, never encoded.
//  (5) Apply() trusts its events: they were validated when decided. A violation of the
//      invariants above is a bug and stops the process (ENTREPOT_CHECK).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "entrepot/base/compare_bytes.h"
#include "entrepot/core/events.h"
#include "entrepot/core/order_book.h"
#include "entrepot/domain/model.h"

namespace entrepot::core {

struct StockKey {
  domain::Holder holder;
  domain::ItemKey item;
  friend auto operator<=>(const StockKey&, const StockKey&) = default;
  friend bool operator==(const StockKey&, const StockKey&) = default;
};

// A borrowed (holder, item), to look stock up without copying five strings into a key.
struct StockKeyView {
  const domain::Holder& holder;
  const domain::ItemKey& item;
};

// Orders StockKey and StockKeyView alike: the order of StockKey's operator<=>, field by field
// (on the scan path: every stock lookup compares keys down a tree of all stock lines).
struct StockKeyLess {
  using is_transparent = void;
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    if (a.holder.kind != b.holder.kind) {
      return a.holder.kind < b.holder.kind;
    }
    if (const int order = CompareBytes(a.holder.id, b.holder.id); order != 0) {
      return order < 0;
    }
    if (const int order = CompareBytes(a.item.gtin, b.item.gtin); order != 0) {
      return order < 0;
    }
    if (const int order = CompareBytes(a.item.lot, b.item.lot); order != 0) {
      return order < 0;
    }
    if (const int order = CompareBytes(a.item.expiry, b.item.expiry); order != 0) {
      return order < 0;
    }
    return CompareBytes(a.item.serial, b.item.serial) < 0;
  }
};

// A stock line: its units, and when it arrived: the rank of its creation among the site's
// stock lines (1, 2, ...), so that release takes undated stock first in, first out. A line
// topped up keeps its rank; one emptied and filled again gets a new one.
struct StockLine {
  int64_t units = 0;
  uint64_t arrival = 0;
  friend bool operator==(const StockLine&, const StockLine&) = default;
};

using StockMap = std::map<StockKey, StockLine, StockKeyLess>;

// Orders (units held, location code) pairs most units first, then by code: the order in which
// directed putaway tries the bins already holding a product (putaway.h). Transparent, so that
// a lookup can borrow the code.
struct MostHeldFirst {
  using is_transparent = void;
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    if (a.first != b.first) {
      return a.first > b.first;
    }
    return CompareBytes(a.second, b.second) < 0;
  }
};
using RankedBins = std::set<std::pair<int64_t, std::string>, MostHeldFirst>;

struct LocationState {
  domain::Location location;
  int64_t units = 0;       // Units held directly (not inside containers).
  int64_t containers = 0;  // Containers placed directly at it (a pallet in a rack bin).
  std::string flag;        // Non-empty: a count is due, and why.
};

struct ContainerState {
  domain::ContainerType type = domain::ContainerType::kTote;
  domain::Holder parent;  // Valid when has_parent.
  bool has_parent = false;
  bool shipped = false;
  std::set<std::string> children;  // Containers directly inside or on this one.
};

// Counters that describe the journal's effect; they are part of the state, so replay
// reproduces them.
struct SiteCounters {
  int64_t units_received = 0;
  int64_t units_moved = 0;
  int64_t units_adjusted = 0;  // Sum of |delta|.
  int64_t containers_shipped = 0;
  int64_t units_shipped = 0;
  int64_t scans_by_outcome[kOutcomeCount] = {};
  friend bool operator==(const SiteCounters&, const SiteCounters&) = default;
};

// Stow bins and pick faces: where orders are picked from (order_book.h, design note 1).
bool IsPickable(domain::LocationType type);

class SiteState {
 public:
  // Applies one event. REQUIRES: the event is valid for this state (design note 4).
  void Apply(const Event& event);
  // Records a scan's outcome in the counters (scans whose events are applied separately).
  void CountScan(Outcome outcome) { ++counters_.scans_by_outcome[static_cast<int>(outcome)]; }

  // Lookups; nullptr when unknown.
  const LocationState* FindLocation(const std::string& code) const;
  const domain::Product* FindProduct(const std::string& gtin) const;
  const ContainerState* FindContainer(const std::string& id) const;
  const DeviceState* FindDevice(const std::string& device) const;

  // Quantity of exactly this stock line (0 if none).
  int64_t Quantity(const domain::Holder& holder, const domain::ItemKey& item) const;
  // Stock lines held directly by `holder`, in key order.
  std::vector<std::pair<domain::ItemKey, int64_t>> StockIn(const domain::Holder& holder) const;
  // Calls visit(item, quantity) for each stock line of product `gtin` held directly by
  // `holder`, in key order, until visit returns true.
  template <typename Visit>
  void VisitLines(const domain::Holder& holder, const std::string& gtin, Visit visit) const {
    const domain::ItemKey first{gtin, "", "", ""};
    for (auto it = stock_.lower_bound(StockKeyView{holder, first});
         it != stock_.end() && it->first.holder == holder && it->first.item.gtin == gtin; ++it) {
      if (visit(it->first.item, it->second.units)) {
        return;
      }
    }
  }
  // The location a holder is ultimately at (following container parents), or "" if unknown
  // or shipped.
  std::string LocationOf(const domain::Holder& holder) const;
  // True if `id` is `ancestor` or nested (at any depth) inside it.
  bool IsWithin(const std::string& id, const std::string& ancestor) const;
  // Where a serial number of this product is in stock, if anywhere.
  const domain::Holder* FindSerial(const std::string& gtin, const std::string& serial) const;
  // The stow bins and pick faces holding product `gtin` directly: code -> units (nullptr:
  // none). For directed putaway (putaway.h).
  const std::map<std::string, int64_t>* BinsHolding(const std::string& gtin) const;
  // The same bins as (units, code), most units first, then in code order (nullptr: none):
  // directed putaway takes the first with room instead of walking them all.
  const RankedBins* BinsMostHeldFirst(const std::string& gtin) const;
  // The stow bins of `zone` that hold no unit and no container, in code order (nullptr:
  // none).
  const std::set<std::string>* EmptyStowBins(const std::string& zone) const;
  // Locations with a flag (a count is due), in code order: the open count tasks.
  const std::set<std::string>& flagged_locations() const { return flagged_; }

  const std::string& site_code() const { return site_code_; }
  const std::string& site_name() const { return site_name_; }
  const std::map<std::string, domain::Zone>& zones() const { return zones_; }
  const std::unordered_map<std::string, LocationState>& locations() const { return locations_; }
  const std::unordered_map<std::string, domain::Product>& products() const { return products_; }
  const std::unordered_map<std::string, ContainerState>& containers() const { return containers_; }
  const StockMap& stock() const { return stock_; }
  const std::unordered_map<std::string, DeviceState>& devices() const { return devices_; }
  const SiteCounters& counters() const { return counters_; }
  const OrderBook& orders() const { return order_book_; }

  // Bytes in a canonical order (two equal states encode to equal bytes), and back.
  std::string Encode() const;
  // Returns kDataLoss (reason "bad_snapshot") when the bytes are not a valid encoding.
  static StatusOr<SiteState> Decode(std::string_view bytes);

 private:
  void Add(const domain::Holder& holder, const domain::ItemKey& item, int64_t delta);
  // Places `container` at `holder` (a location or a container), or takes it from there.
  void Attach(const std::string& container, const domain::Holder& holder);
  void Detach(const std::string& container);
  void DefineLocation(const domain::Location& location, std::string flag);
  void SetFlag(LocationState& location, std::string flag);
  // Keeps the location in or out of its zone's empty stow bins (design note 4).
  void UpdateVacancy(const LocationState& location);
  void RemoveShipped(const std::string& container);

  std::string site_code_;
  std::string site_name_;
  std::map<std::string, domain::Zone> zones_;
  std::unordered_map<std::string, LocationState> locations_;
  std::unordered_map<std::string, domain::Product> products_;
  std::unordered_map<std::string, ContainerState> containers_;
  StockMap stock_;
  // Orders (gtin, serial) keys as std::pair does, and compares them with borrowed views too,
  // so that a lookup copies no strings.
  struct SerialLess {
    using is_transparent = void;
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      if (const int order = CompareBytes(a.first, b.first); order != 0) {
        return order < 0;
      }
      return CompareBytes(a.second, b.second) < 0;
    }
  };
  using SerialView = std::pair<std::string_view, std::string_view>;
  // (gtin, serial) -> holder, for serialised units in stock.
  std::map<std::pair<std::string, std::string>, domain::Holder, SerialLess> serials_;
  std::unordered_map<std::string, DeviceState> devices_;
  // Derived indexes (design note 4).
  struct ProductBins {
    std::map<std::string, int64_t> by_code;  // Stow bins and pick faces: code -> units.
    RankedBins ranked;                       // The same entries as (units, code).
  };
  // Adds `delta` units of product `gtin` at pickable location `code` to the indexes above.
  void AddHeld(const std::string& gtin, const std::string& code, int64_t delta);
  std::unordered_map<std::string, ProductBins> bins_by_product_;
  std::unordered_map<std::string, std::set<std::string>> empty_stow_bins_;  // zone -> codes
  std::set<std::string> flagged_;
  SiteCounters counters_;
  uint64_t arrivals_ = 0;  // Stock lines created so far (StockLine::arrival).
  OrderBook order_book_;
};

}  // namespace entrepot::core
