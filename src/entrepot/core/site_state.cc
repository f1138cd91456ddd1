#include "entrepot/core/site_state.h"

#include <algorithm>
#include <type_traits>
#include <utility>

#include "entrepot/base/check.h"
#include "entrepot/core/codec.h"

namespace entrepot::core {

using domain::Holder;
using domain::ItemKey;

void SiteState::Add(const Holder& holder, const ItemKey& item, int64_t delta) {
  ENTREPOT_CHECK(delta != 0);
  const StockKeyView key{holder, item};
  auto it = stock_.lower_bound(key);
  if (it == stock_.end() || StockKeyLess()(key, it->first)) {
    // A new line, placed where the search ended: one walk down the tree, not two.
    it = stock_.emplace_hint(it, StockKey{holder, item}, StockLine{0, ++arrivals_});
  }
  it->second.units += delta;
  ENTREPOT_CHECK(it->second.units >= 0);
  if (it->second.units == 0) {
    stock_.erase(it);
  }
  if (holder.IsLocation()) {
    auto location = locations_.find(holder.id);
    ENTREPOT_CHECK(location != locations_.end());
    location->second.units += delta;
    if (IsPickable(location->second.location.type)) {
      order_book_.OnPickableStock(item.gtin, delta);
      AddHeld(item.gtin, holder.id, delta);
    }
    if (location->second.units == 0 || location->second.units == delta) {
      UpdateVacancy(location->second);  // It became empty, or it was.
    }
  }
  if (!item.serial.empty()) {
    auto serial = serials_.find(SerialView(item.gtin, item.serial));
    if (delta < 0) {
      if (serial != serials_.end()) {
        serials_.erase(serial);
      }
    } else if (serial != serials_.end()) {
      serial->second = holder;
    } else {
      serials_.emplace(std::make_pair(item.gtin, item.serial), holder);
    }
  }
}

void SiteState::AddHeld(const std::string& gtin, const std::string& code, int64_t delta) {
  ProductBins& bins = bins_by_product_[gtin];
  auto bin = bins.by_code.try_emplace(code, 0).first;
  const int64_t held = bin->second;
  bin->second += delta;
  // Re-rank the bin, reusing its node when it was ranked (no allocation on a change).
  RankedBins::node_type node;
  if (held != 0) {
    auto ranked = bins.ranked.find(std::pair<int64_t, std::string_view>(held, code));
    ENTREPOT_CHECK(ranked != bins.ranked.end());
    node = bins.ranked.extract(ranked);
  }
  if (bin->second == 0) {
    bins.by_code.erase(bin);
    if (bins.by_code.empty()) {
      bins_by_product_.erase(gtin);
    }
  } else if (node) {
    node.value().first = bin->second;
    bins.ranked.insert(std::move(node));
  } else {
    bins.ranked.emplace(bin->second, code);
  }
}

void SiteState::Attach(const std::string& container, const Holder& holder) {
  ContainerState& state = containers_.at(container);
  state.parent = holder;
  state.has_parent = true;
  if (holder.IsLocation()) {
    LocationState& location = locations_.at(holder.id);
    ++location.containers;
    UpdateVacancy(location);
  } else {
    containers_.at(holder.id).children.insert(container);
  }
}

void SiteState::Detach(const std::string& container) {
  ContainerState& state = containers_.at(container);
  if (state.has_parent && !state.parent.IsLocation()) {
    containers_.at(state.parent.id).children.erase(container);
  } else if (state.has_parent) {
    LocationState& location = locations_.at(state.parent.id);
    --location.containers;
    ENTREPOT_CHECK(location.containers >= 0);
    UpdateVacancy(location);
  }
  state.has_parent = false;
  state.parent = {};
}

void SiteState::DefineLocation(const domain::Location& location, std::string flag) {
  LocationState& slot = locations_[location.code];
  if (auto old = empty_stow_bins_.find(slot.location.zone); old != empty_stow_bins_.end()) {
    old->second.erase(location.code);  // The zone or the type may change.
  }
  slot.location = location;
  SetFlag(slot, std::move(flag));
  UpdateVacancy(slot);
}

void SiteState::SetFlag(LocationState& location, std::string flag) {
  location.flag = std::move(flag);
  if (location.flag.empty()) {
    flagged_.erase(location.location.code);
  } else {
    flagged_.insert(location.location.code);
  }
}

void SiteState::UpdateVacancy(const LocationState& location) {
  if (location.location.type != domain::LocationType::kStowBin) {
    return;  // Never in the index: DefineLocation takes a bin out when its type changes.
  }
  if (location.units == 0 && location.containers == 0) {
    empty_stow_bins_[location.location.zone].insert(location.location.code);
    return;
  }
  auto zone = empty_stow_bins_.find(location.location.zone);
  if (zone != empty_stow_bins_.end()) {
    zone->second.erase(location.location.code);
  }
}

void SiteState::RemoveShipped(const std::string& container) {
  ContainerState& state = containers_.at(container);
  state.shipped = true;
  order_book_.OnContainerShipped(container);
  for (const auto& [item, quantity] : StockIn(Holder::InContainer(container))) {
    counters_.units_shipped += quantity;
    Add(Holder::InContainer(container), item, -quantity);
  }
  for (const std::string& child : state.children) {
    RemoveShipped(child);
  }
}

void SiteState::Apply(const Event& event) {
  std::visit(
      [this, &event](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, SiteDefined>) {
          site_code_ = e.code;
          site_name_ = e.name;
        } else if constexpr (std::is_same_v<T, ZoneDefined>) {
          zones_[e.zone.code] = e.zone;
        } else if constexpr (std::is_same_v<T, LocationDefined>) {
          auto known = locations_.find(e.location.code);
          DefineLocation(e.location, known == locations_.end() ? "" : known->second.flag);
        } else if constexpr (std::is_same_v<T, ProductDefined>) {
          products_[e.product.gtin] = e.product;
        } else if constexpr (std::is_same_v<T, ContainerRegistered>) {
          containers_[e.container].type = e.type;
        } else if constexpr (std::is_same_v<T, UnitsReceived>) {
          Add(e.to, e.item, e.quantity);
          if (!e.to.IsLocation()) {
            order_book_.OnReceived(e.to.id, e.item.gtin, e.quantity);
          }
          counters_.units_received += e.quantity;
        } else if constexpr (std::is_same_v<T, UnitsMoved>) {
          Add(e.from, e.item, -e.quantity);
          Add(e.to, e.item, e.quantity);
          counters_.units_moved += e.quantity;
        } else if constexpr (std::is_same_v<T, ContainerMoved>) {
          Detach(e.container);
          Attach(e.container, e.to);
        } else if constexpr (std::is_same_v<T, ContainerShipped>) {
          order_book_.OnShippedThrough(e.container, e.door);
          Detach(e.container);
          RemoveShipped(e.container);
          ++counters_.containers_shipped;
        } else if constexpr (std::is_same_v<T, StockAdjusted>) {
          Add(e.holder, e.item, e.delta);
          counters_.units_adjusted += e.delta < 0 ? -e.delta : e.delta;
        } else if constexpr (std::is_same_v<T, LocationFlagged>) {
          SetFlag(locations_.at(e.location), e.reason);
        } else if constexpr (std::is_same_v<T, LocationCounted>) {
          SetFlag(locations_.at(e.location), "");
        } else if constexpr (std::is_same_v<T, DeviceStateChanged>) {
          devices_[e.device] = e.state;
        } else if constexpr (std::is_same_v<T, OrderPlaced> || std::is_same_v<T, OrderCancelled> ||
                             std::is_same_v<T, OrderReleased> || std::is_same_v<T, BatchAssigned> ||
                             std::is_same_v<T, ToteAssigned> || std::is_same_v<T, TaskProgressed> ||
                             std::is_same_v<T, OrderPacked> || std::is_same_v<T, CarrierDefined> ||
                             std::is_same_v<T, ReceiptExpected> ||
                             std::is_same_v<T, ReceiptClosed> ||
                             std::is_same_v<T, ReturnReceived> ||
                             std::is_same_v<T, PickFaceDefined> ||
                             std::is_same_v<T, DeliveriesConfirmed> ||
                             std::is_same_v<T, LoadOpened> || std::is_same_v<T, LoadClosed>) {
          order_book_.Apply(event);
        } else {
          static_assert(sizeof(T) == 0, "event without projection");
        }
      },
      event);
}

const std::map<std::string, int64_t>* SiteState::BinsHolding(const std::string& gtin) const {
  auto it = bins_by_product_.find(gtin);
  return it == bins_by_product_.end() ? nullptr : &it->second.by_code;
}

const RankedBins* SiteState::BinsMostHeldFirst(const std::string& gtin) const {
  auto it = bins_by_product_.find(gtin);
  return it == bins_by_product_.end() ? nullptr : &it->second.ranked;
}

const std::set<std::string>* SiteState::EmptyStowBins(const std::string& zone) const {
  auto it = empty_stow_bins_.find(zone);
  return it == empty_stow_bins_.end() || it->second.empty() ? nullptr : &it->second;
}

bool IsPickable(domain::LocationType type) {
  return type == domain::LocationType::kStowBin || type == domain::LocationType::kPickFace;
}

const LocationState* SiteState::FindLocation(const std::string& code) const {
  auto it = locations_.find(code);
  return it == locations_.end() ? nullptr : &it->second;
}

const domain::Product* SiteState::FindProduct(const std::string& gtin) const {
  auto it = products_.find(gtin);
  return it == products_.end() ? nullptr : &it->second;
}

const ContainerState* SiteState::FindContainer(const std::string& id) const {
  auto it = containers_.find(id);
  return it == containers_.end() ? nullptr : &it->second;
}

const DeviceState* SiteState::FindDevice(const std::string& device) const {
  auto it = devices_.find(device);
  return it == devices_.end() ? nullptr : &it->second;
}

int64_t SiteState::Quantity(const Holder& holder, const ItemKey& item) const {
  auto it = stock_.find(StockKeyView{holder, item});
  return it == stock_.end() ? 0 : it->second.units;
}

std::vector<std::pair<ItemKey, int64_t>> SiteState::StockIn(const Holder& holder) const {
  std::vector<std::pair<ItemKey, int64_t>> lines;
  const ItemKey first;
  for (auto it = stock_.lower_bound(StockKeyView{holder, first});
       it != stock_.end() && it->first.holder == holder; ++it) {
    lines.emplace_back(it->first.item, it->second.units);
  }
  return lines;
}

std::string SiteState::LocationOf(const Holder& holder) const {
  Holder current = holder;
  // The parent chain has no cycles (design note 2) and is bounded by the container count.
  for (size_t depth = 0; depth <= containers_.size(); ++depth) {
    if (current.IsLocation()) {
      return current.id;
    }
    const ContainerState* container = FindContainer(current.id);
    if (container == nullptr || container->shipped || !container->has_parent) {
      return "";
    }
    current = container->parent;
  }
  ENTREPOT_CHECK(false);
  return "";
}

bool SiteState::IsWithin(const std::string& id, const std::string& ancestor) const {
  std::string current = id;
  for (size_t depth = 0; depth <= containers_.size(); ++depth) {
    if (current == ancestor) {
      return true;
    }
    const ContainerState* container = FindContainer(current);
    if (container == nullptr || !container->has_parent || container->parent.IsLocation()) {
      return false;
    }
    current = container->parent.id;
  }
  ENTREPOT_CHECK(false);
  return false;
}

const Holder* SiteState::FindSerial(const std::string& gtin, const std::string& serial) const {
  auto it = serials_.find(SerialView(gtin, serial));
  return it == serials_.end() ? nullptr : &it->second;
}

// --- Snapshot encoding -------------------------------------------------------------------

namespace {

// Format 2 added the order book after the products (format 1 snapshots have none); format 3
// the returns at the end of the order book, and the stock lines' arrival ranks (older
// formats rank their lines in key order); format 4 the parcels' deliveries (older formats
// have none); format 5 the loads at the end of the order book. Older formats still read.
constexpr uint8_t kSnapshotFormatV1 = 1;
constexpr uint8_t kSnapshotFormatV2 = 2;
constexpr uint8_t kSnapshotFormatV3 = 3;
constexpr uint8_t kSnapshotFormat = 5;

template <typename Map>
std::vector<typename Map::const_pointer> SortedByKey(const Map& map) {
  std::vector<typename Map::const_pointer> sorted;
  sorted.reserve(map.size());
  for (const auto& entry : map) {
    sorted.push_back(&entry);
  }
  std::sort(sorted.begin(), sorted.end(),
            [](const auto* a, const auto* b) { return a->first < b->first; });
  return sorted;
}

}  // namespace

std::string SiteState::Encode() const {
  ByteWriter out;
  out.U8(kSnapshotFormat);
  out.String(site_code_);
  out.String(site_name_);
  out.Varint(zones_.size());
  for (const auto& [code, zone] : zones_) {
    out.String(zone.code);
    out.String(zone.name);
  }
  out.Varint(locations_.size());
  for (const auto* entry : SortedByKey(locations_)) {
    EncodeLocation(out, entry->second.location);
    out.String(entry->second.flag);
  }
  out.Varint(products_.size());
  for (const auto* entry : SortedByKey(products_)) {
    out.String(entry->second.gtin);
    out.String(entry->second.description);
    out.String(entry->second.home_zone);
  }
  order_book_.Encode(out);
  out.Varint(containers_.size());
  for (const auto* entry : SortedByKey(containers_)) {
    out.String(entry->first);
    out.U8(static_cast<uint8_t>(entry->second.type));
    out.U8(static_cast<uint8_t>(entry->second.has_parent) |
           static_cast<uint8_t>(entry->second.shipped << 1));
    EncodeHolder(out, entry->second.parent);
  }
  out.Varint(arrivals_);
  out.Varint(stock_.size());
  for (const auto& [key, line] : stock_) {
    EncodeHolder(out, key.holder);
    EncodeItem(out, key.item);
    out.Signed(line.units);
    out.Varint(line.arrival);
  }
  out.Varint(devices_.size());
  for (const auto* entry : SortedByKey(devices_)) {
    out.String(entry->first);
    EncodeDeviceState(out, entry->second);
  }
  out.Signed(counters_.units_received);
  out.Signed(counters_.units_moved);
  out.Signed(counters_.units_adjusted);
  out.Signed(counters_.containers_shipped);
  out.Signed(counters_.units_shipped);
  out.Varint(kOutcomeCount);  // So a later build with more outcomes still reads this.
  for (int64_t count : counters_.scans_by_outcome) {
    out.Signed(count);
  }
  return std::move(out.bytes());
}

StatusOr<SiteState> SiteState::Decode(std::string_view bytes) {
  ByteReader in(bytes);
  SiteState state;
  const uint8_t format = in.U8();
  if (format < kSnapshotFormatV1 || format > kSnapshotFormat) {
    return Error(StatusCode::kDataLoss, "bad_snapshot", "unknown snapshot format");
  }
  state.site_code_ = in.String();
  state.site_name_ = in.String();
  for (uint64_t n = in.Count(); n > 0 && in.ok(); --n) {
    domain::Zone zone{in.String(), in.String()};
    state.zones_[zone.code] = zone;
  }
  for (uint64_t n = in.Count(); n > 0 && in.ok(); --n) {
    domain::Location location = DecodeLocation(in);
    std::string flag = in.String();
    state.DefineLocation(location, std::move(flag));
  }
  for (uint64_t n = in.Count(); n > 0 && in.ok(); --n) {
    domain::Product product{in.String(), in.String(), in.String()};
    state.products_[product.gtin] = product;
  }
  if (format >= kSnapshotFormatV2) {
    // Before the stock, whose lines feed the book's pickable figures as they are added.
    state.order_book_ = OrderBook::Decode(in, format);
  }
  std::vector<std::string> nested;
  for (uint64_t n = in.Count(); n > 0 && in.ok(); --n) {
    std::string id = in.String();
    ContainerState& container = state.containers_[id];
    uint8_t type = in.U8();
    if (type >= 5) {
      in.Fail();
    }
    container.type = static_cast<domain::ContainerType>(type);
    uint8_t flags = in.U8();
    container.has_parent = (flags & 1) != 0;
    container.shipped = (flags & 2) != 0;
    container.parent = DecodeHolder(in);
    if (container.has_parent && !container.parent.IsLocation()) {
      nested.push_back(id);
    } else if (container.has_parent) {
      auto location = state.locations_.find(container.parent.id);
      if (location == state.locations_.end()) {
        in.Fail();
        break;
      }
      ++location->second.containers;
      state.UpdateVacancy(location->second);
    }
  }
  const uint64_t arrivals = format >= kSnapshotFormatV3 ? in.Varint() : 0;
  for (uint64_t n = in.Count(); n > 0 && in.ok(); --n) {
    Holder holder = DecodeHolder(in);
    ItemKey item = DecodeItem(in);
    int64_t quantity = in.Signed();
    const uint64_t arrival = format >= kSnapshotFormatV3 ? in.Varint() : 0;
    if (quantity <= 0 || (holder.IsLocation() && !state.locations_.contains(holder.id)) ||
        arrival > arrivals) {
      in.Fail();
      break;
    }
    state.Add(holder, item, quantity);  // Ranks lines in key order for older formats.
    if (format >= kSnapshotFormatV3) {
      state.stock_.find(StockKeyView{holder, item})->second.arrival = arrival;
    }
  }
  if (format >= kSnapshotFormatV3) {
    state.arrivals_ = arrivals;
  }
  for (uint64_t n = in.Count(); n > 0 && in.ok(); --n) {
    std::string device = in.String();
    state.devices_[device] = DecodeDeviceState(in);
  }
  state.counters_.units_received = in.Signed();
  state.counters_.units_moved = in.Signed();
  state.counters_.units_adjusted = in.Signed();
  state.counters_.containers_shipped = in.Signed();
  state.counters_.units_shipped = in.Signed();
  uint64_t outcomes = in.Varint();
  if (outcomes > kOutcomeCount) {
    in.Fail();
  }
  for (uint64_t i = 0; i < outcomes && in.ok(); ++i) {
    state.counters_.scans_by_outcome[i] = in.Signed();
  }
  for (const std::string& id : nested) {
    auto parent = state.containers_.find(state.containers_.at(id).parent.id);
    if (parent == state.containers_.end()) {
      in.Fail();
      break;
    }
    parent->second.children.insert(id);
  }
  if (!in.ok() || !in.AtEnd()) {
    return Error(StatusCode::kDataLoss, "bad_snapshot",
                 "snapshot bytes are truncated or malformed");
  }
  return state;
}

}  // namespace entrepot::core
