#include "entrepot/epcis/event_mapping.h"

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <string_view>
#include <utility>
#include <variant>

#include "entrepot/base/check.h"
#include "entrepot/base/status_macros.h"
#include "entrepot/epcis/document.h"
#include "entrepot/epcis/mapped_event.h"

namespace entrepot::epcis {
namespace {

using core::Mode;
using domain::Holder;
using nlohmann::json;

// Containers inside containers deeper than this are treated as at no known location (the
// core forbids loops; this only bounds the walk).
constexpr int kMaxContainerNesting = 64;

// One EPCIS event in the making: what happened (step, disposition, places) and to what.
struct Draft : MappedEvent {
  bool SameKind(const Draft& other) const {
    return type == other.type && action == other.action && biz_step == other.biz_step &&
           disposition == other.disposition && read_point == other.read_point &&
           biz_location == other.biz_location && parent == other.parent &&
           bill_of_lading == other.bill_of_lading;
  }
};

// The drafts of one entry, merged when they describe the same kind of event.
class Drafts {
 public:
  Draft& For(Draft kind) {
    for (Draft& draft : drafts_) {
      if (draft.SameKind(kind)) {
        return draft;
      }
    }
    drafts_.push_back(std::move(kind));
    return drafts_.back();
  }
  std::deque<Draft>& all() { return drafts_; }

 private:
  std::deque<Draft> drafts_;  // A deque: references from For() stay valid.
};

Status AddItem(const domain::ItemKey& item, int64_t quantity, const IdOptions& ids, Draft& draft) {
  if (!item.serial.empty()) {
    ENTREPOT_ASSIGN_OR_RETURN(std::string epc, InstanceEpc(item, ids));
    draft.epcs.push_back(std::move(epc));
    return OkStatus();
  }
  ENTREPOT_ASSIGN_OR_RETURN(std::string epc_class, ClassEpc(item, ids));
  draft.quantities[epc_class] += quantity;
  return OkStatus();
}

// What Map needs of the mapper while it drafts one entry's events.
class EntryMapper {
 public:
  EntryMapper(const IdOptions& ids, std::function<std::optional<std::string>(const Holder&)> at,
              const std::unordered_map<std::string, std::string>& door_loads)
      : ids_(ids), location_of_(std::move(at)), door_loads_(door_loads) {}

  Status Add(Mode mode, const core::Event& event);
  Drafts& drafts() { return drafts_; }

 private:
  // The URI of a location code, or nullopt for none.
  StatusOr<std::optional<std::string>> Place(const std::optional<std::string>& code) const {
    if (!code) {
      return std::optional<std::string>();
    }
    ENTREPOT_ASSIGN_OR_RETURN(std::string uri, LocationUri(*code, ids_));
    return std::optional<std::string>(std::move(uri));
  }
  // Where the scan happened: a location the goods went to or came from, or else the location
  // of the container involved.
  std::optional<std::string> ScanLocation(const Holder* from, const Holder& to) const {
    if (to.IsLocation()) {
      return to.id;
    }
    if (from != nullptr && from->IsLocation()) {
      return from->id;
    }
    if (std::optional<std::string> at = location_of_(to)) {
      return at;
    }
    return from != nullptr ? location_of_(*from) : std::nullopt;
  }
  StatusOr<Draft*> Open(std::string_view step, std::string_view disposition,
                        std::optional<std::string> read_point,
                        std::optional<std::string> biz_location, std::string parent = {},
                        std::string bill_of_lading = {});

  Status Units(Mode mode, const domain::ItemKey& item, int64_t quantity, const Holder* from,
               const Holder& to);
  Status Adjusted(const core::StockAdjusted& adjusted);
  Status Container(std::string_view step, std::string_view disposition,
                   const std::string& container, std::optional<std::string> read_point,
                   std::optional<std::string> biz_location);
  Status Shipped(const core::ContainerShipped& shipped);

  const IdOptions& ids_;
  std::function<std::optional<std::string>(const Holder&)> location_of_;
  const std::unordered_map<std::string, std::string>& door_loads_;
  Drafts drafts_;
};

StatusOr<Draft*> EntryMapper::Open(std::string_view step, std::string_view disposition,
                                   std::optional<std::string> read_point,
                                   std::optional<std::string> biz_location, std::string parent,
                                   std::string bill_of_lading) {
  Draft kind;
  kind.biz_step = step;
  kind.disposition = disposition;
  kind.bill_of_lading = std::move(bill_of_lading);
  ENTREPOT_ASSIGN_OR_RETURN(kind.read_point, Place(read_point));
  ENTREPOT_ASSIGN_OR_RETURN(kind.biz_location, Place(biz_location));
  if (!parent.empty()) {
    kind.type = "AggregationEvent";
    kind.action = "ADD";
    ENTREPOT_ASSIGN_OR_RETURN(kind.parent, ContainerEpc(parent, ids_));
  }
  return &drafts_.For(std::move(kind));
}

Status EntryMapper::Units(Mode mode, const domain::ItemKey& item, int64_t quantity,
                          const Holder* from, const Holder& to) {
  std::string_view step;
  std::string_view disposition = "in_progress";
  std::string parent;
  switch (mode) {
    case Mode::kReceive:
      step = "receiving";
      break;
    case Mode::kStow:
      step = "storing";
      disposition = "sellable_not_accessible";
      break;
    case Mode::kPick:
      step = "picking";
      break;
    case Mode::kPack:
      if (to.IsLocation()) {
        return OkStatus();  // Packing puts units into a parcel; nothing else is packing.
      }
      step = "packing";
      parent = to.id;
      break;
    case Mode::kCount:
      // A serial the books placed elsewhere, found in the counted bin.
      step = "cycle_counting";
      disposition = "sellable_not_accessible";
      break;
    case Mode::kMove:
    case Mode::kShip:
      return OkStatus();  // These modes move containers, not units.
  }
  ENTREPOT_ASSIGN_OR_RETURN(Draft * draft, Open(step, disposition, ScanLocation(from, to),
                                                location_of_(to), std::move(parent)));
  return AddItem(item, quantity, ids_, *draft);
}

Status EntryMapper::Adjusted(const core::StockAdjusted& adjusted) {
  if (adjusted.delta == 0) {
    return OkStatus();
  }
  std::optional<std::string> bin = location_of_(adjusted.holder);
  const bool found = adjusted.delta > 0;
  // Units found are where they were counted; missing ones are nowhere the site knows.
  ENTREPOT_ASSIGN_OR_RETURN(
      Draft * draft, Open("cycle_counting", found ? "sellable_not_accessible" : "unknown", bin,
                          found ? bin : std::nullopt));
  return AddItem(adjusted.item, found ? adjusted.delta : -adjusted.delta, ids_, *draft);
}

Status EntryMapper::Container(std::string_view step, std::string_view disposition,
                              const std::string& container, std::optional<std::string> read_point,
                              std::optional<std::string> biz_location) {
  ENTREPOT_ASSIGN_OR_RETURN(
      Draft * draft, Open(step, disposition, std::move(read_point), std::move(biz_location)));
  ENTREPOT_ASSIGN_OR_RETURN(std::string epc, ContainerEpc(container, ids_));
  draft->epcs.push_back(std::move(epc));
  return OkStatus();
}

// A shipment, on the load open at its door if there is one: its bill of lading is named.
Status EntryMapper::Shipped(const core::ContainerShipped& shipped) {
  std::string bill_of_lading;
  if (auto load = door_loads_.find(shipped.door); load != door_loads_.end()) {
    ENTREPOT_ASSIGN_OR_RETURN(bill_of_lading, BillOfLadingUri(load->second, ids_));
  }
  ENTREPOT_ASSIGN_OR_RETURN(Draft * draft, Open("shipping", "in_transit", shipped.door,
                                                std::nullopt, {}, std::move(bill_of_lading)));
  ENTREPOT_ASSIGN_OR_RETURN(std::string epc, ContainerEpc(shipped.container, ids_));
  draft->epcs.push_back(std::move(epc));
  return OkStatus();
}

Status EntryMapper::Add(Mode mode, const core::Event& event) {
  if (const auto* received = std::get_if<core::UnitsReceived>(&event)) {
    return mode == Mode::kReceive
               ? Units(mode, received->item, received->quantity, nullptr, received->to)
               : OkStatus();
  }
  if (const auto* moved = std::get_if<core::UnitsMoved>(&event)) {
    return Units(mode, moved->item, moved->quantity, &moved->from, moved->to);
  }
  if (const auto* adjusted = std::get_if<core::StockAdjusted>(&event)) {
    return mode == Mode::kCount ? Adjusted(*adjusted) : OkStatus();
  }
  if (const auto* moved = std::get_if<core::ContainerMoved>(&event)) {
    if (mode != Mode::kMove) {
      return OkStatus();  // A pallet placed at the dock, a parcel at its station: state only.
    }
    std::optional<std::string> at = location_of_(moved->to);
    return Container("transporting", "in_progress", moved->container, at, at);
  }
  if (const auto* shipped = std::get_if<core::ContainerShipped>(&event)) {
    return mode == Mode::kShip ? Shipped(*shipped) : OkStatus();
  }
  return OkStatus();  // Master data, flags, counted bins, device state: no business event.
}

}  // namespace

EpcisMapper::EpcisMapper(IdOptions ids) : ids_(std::move(ids)) {
  ENTREPOT_CHECK(ValidateIdOptions(ids_).ok());
}

std::optional<std::string> EpcisMapper::LocationOf(const Holder& holder) const {
  const Holder* at = &holder;
  for (int depth = 0; depth < kMaxContainerNesting; ++depth) {
    if (at->IsLocation()) {
      return at->id;
    }
    auto parent = container_holder_.find(at->id);
    if (parent == container_holder_.end()) {
      return std::nullopt;
    }
    at = &parent->second;
  }
  return std::nullopt;
}

void EpcisMapper::FollowContainers(const core::Entry& entry, Undo* undo) {
  auto remember = [&](const std::string& container) {
    if (undo == nullptr) {
      return;
    }
    auto it = container_holder_.find(container);
    undo->emplace_back(container, it == container_holder_.end()
                                      ? std::nullopt
                                      : std::optional<Holder>(it->second));
  };
  for (const core::Event& event : entry.events) {
    if (const auto* moved = std::get_if<core::ContainerMoved>(&event)) {
      remember(moved->container);
      container_holder_[moved->container] = moved->to;
    } else if (const auto* shipped = std::get_if<core::ContainerShipped>(&event)) {
      remember(shipped->container);
      container_holder_.erase(shipped->container);
    } else if (const auto* opened = std::get_if<core::LoadOpened>(&event)) {
      door_loads_[opened->door] = opened->load;
    } else if (const auto* closed = std::get_if<core::LoadClosed>(&event)) {
      std::erase_if(door_loads_, [&](const auto& door) { return door.second == closed->load; });
    }
  }
}

void EpcisMapper::Skip(const core::Entry& entry) { FollowContainers(entry, nullptr); }

StatusOr<std::vector<json>> EpcisMapper::Map(const core::Entry& entry) {
  // Containers move first, so that places are those after the entry; undone on error.
  Undo undo;
  FollowContainers(entry, &undo);
  StatusOr<std::vector<json>> events = [&]() -> StatusOr<std::vector<json>> {
    std::vector<json> out;
    if (entry.kind != core::Entry::Kind::kScan || !core::IsAccepted(entry.reply.outcome)) {
      return out;
    }
    EntryMapper mapper(
        ids_, [this](const Holder& holder) { return LocationOf(holder); }, door_loads_);
    for (const core::Event& event : entry.events) {
      ENTREPOT_RETURN_IF_ERROR(mapper.Add(entry.mode, event));
    }
    const std::string event_time = FormatEpcisTime(entry.at_ms);
    out.reserve(mapper.drafts().all().size());
    for (Draft& draft : mapper.drafts().all()) {
      ENTREPOT_ASSIGN_OR_RETURN(json event, MappedEventJson(std::move(draft), event_time));
      out.push_back(std::move(event));
    }
    return out;
  }();
  if (!events.ok()) {
    for (auto it = undo.rbegin(); it != undo.rend(); ++it) {
      if (it->second) {
        container_holder_[it->first] = *it->second;
      } else {
        container_holder_.erase(it->first);
      }
    }
  }
  return events;
}

}  // namespace entrepot::epcis
