#include "entrepot/core/site.h"

#include <algorithm>
#include <map>
#include <optional>
#include <utility>

#include "entrepot/base/check.h"
#include "entrepot/base/status_macros.h"
#include "entrepot/base/str_cat.h"
#include "entrepot/core/order_scans.h"
#include "entrepot/core/putaway.h"
#include "entrepot/core/scan_code.h"

namespace entrepot::core {
namespace {

using domain::ContainerType;
using domain::Holder;
using domain::ItemKey;
using domain::LocationType;

std::string Describe(const Holder& holder) {
  if (holder.IsLocation()) {
    return holder.id;
  }
  return StrCat("container ", holder.id);
}

Outcome OutcomeOfCodeError(const Status& status) {
  const std::string& reason = status.reason();
  if (reason == "bad_check_digit" || reason == "bad_label_check") {
    return Outcome::kBadCheckDigit;
  }
  if (reason == "unknown_code" || reason == "no_identifier" || reason == "not_a_label") {
    return Outcome::kUnknownCode;
  }
  return Outcome::kBadBarcode;
}

// Decides one scan. Holds a copy of the device's state that the handlers change; the
// caller turns a changed copy into a DeviceStateChanged event.
class Decider {
 public:
  Decider(const SiteState& state, const SiteConfig& config, const ScanCommand& command,
          DeviceState device)
      : state_(state), config_(config), command_(command), device_(std::move(device)) {
    events_.reserve(2);  // Most scans: one event and the device's new state, one allocation.
  }

  Reply Decide(const ScannedCode& scanned) {
    switch (command_.mode) {
      case Mode::kReceive:
        return Receive(scanned);
      case Mode::kStow:
        return Stow(scanned);
      case Mode::kPick:
        return Pick(scanned);
      case Mode::kPack:
        return Pack(scanned);
      case Mode::kMove:
        return Move(scanned);
      case Mode::kShip:
        return Ship(scanned);
      case Mode::kCount:
        return Count(scanned);
    }
    ENTREPOT_CHECK(false);
    return {};
  }

  const DeviceState& device() const { return device_; }
  DeviceState TakeDevice() { return std::move(device_); }
  std::vector<Event>& events() { return events_; }

 private:
  static Reply Make(Outcome outcome, std::string message, std::string prompt) {
    return Reply{outcome, std::move(message), std::move(prompt)};
  }
  Reply NotExpected(std::string message, std::string prompt) {
    return Make(Outcome::kNotExpected, std::move(message), std::move(prompt));
  }

  std::string ProductName(const std::string& gtin) const {
    const domain::Product* product = state_.FindProduct(gtin);
    return product == nullptr ? gtin : StrCat(product->description, " (", gtin, ")");
  }

  // Looks up a location and checks its type; fills `reply` on failure.
  const LocationState* CheckLocation(const ScannedCode& scanned,
                                     std::initializer_list<LocationType> types,
                                     std::string_view purpose, std::optional<Reply>& reply) {
    const LocationState* location = state_.FindLocation(scanned.id);
    if (location == nullptr) {
      reply = Make(Outcome::kUnknownLocation,
                   "Location " + scanned.id + " is not in this site's layout.",
                   "Report the label and scan another location.");
      return nullptr;
    }
    if (std::find(types.begin(), types.end(), location->location.type) == types.end()) {
      reply = Make(Outcome::kWrongLocation,
                   scanned.id + " is a " +
                       std::string(domain::LocationTypeName(location->location.type)) + "; " +
                       std::string(purpose) + ".",
                   "Scan a suitable location.");
      return nullptr;
    }
    return location;
  }

  // Looks up a container that must exist and still be on site; fills `reply` on failure.
  const ContainerState* CheckContainer(const ScannedCode& scanned, std::optional<Reply>& reply) {
    const ContainerState* container = state_.FindContainer(scanned.id);
    if (container == nullptr) {
      reply = Make(Outcome::kUnknownContainer, "Container " + scanned.id + " is not registered.",
                   "Use a registered tote, crate or pallet label.");
      return nullptr;
    }
    if (container->shipped) {
      reply = Make(Outcome::kAlreadyShipped, "Container " + scanned.id + " has been shipped.",
                   "Scan a container that is on site.");
      return nullptr;
    }
    return container;
  }

  // The stock line in `holder` that a scanned item designates, skipping units already
  // claimed in `claimed`: FEFO, the earliest expiry first, undated lines last, then key
  // order.
  std::optional<ItemKey> FindLine(const Holder& holder, const ItemKey& scanned,
                                  const std::vector<ItemKey>& claimed = {}) const {
    const ItemKey* best = nullptr;
    state_.VisitLines(holder, scanned.gtin, [&](const ItemKey& line, int64_t quantity) {
      if (!Designates(scanned, line) ||
          quantity <= std::count(claimed.begin(), claimed.end(), line)) {
        return false;
      }
      if (best == nullptr || ExpiresBefore(line, *best)) {
        best = &line;
      }
      return false;
    });
    return best == nullptr ? std::nullopt : std::optional<ItemKey>(*best);
  }

  static bool ExpiresBefore(const ItemKey& a, const ItemKey& b) {
    if (a.expiry.empty() || b.expiry.empty()) {
      return !a.expiry.empty() && b.expiry.empty();
    }
    return a.expiry < b.expiry;
  }

  Reply NoStock(const ItemKey& item, const Holder& holder) {
    return Make(Outcome::kNotInStock,
                "No unit of " + ProductName(item.gtin) + " in " + Describe(holder) + ".",
                "Check the item and scan again.");
  }

  // --- receive ---------------------------------------------------------------------------

  Reply Receive(const ScannedCode& scanned) {
    std::optional<Reply> error;
    switch (scanned.kind) {
      case ScannedCode::Kind::kLocation: {
        if (CheckLocation(scanned, {LocationType::kDock}, "receive at a dock", error) == nullptr) {
          return *error;
        }
        device_.target = Holder::AtLocation(scanned.id);
        device_.has_target = true;
        return Make(Outcome::kOk, "Receiving at " + scanned.id + ".",
                    "Scan items, or the pallet or tote to receive into.");
      }
      case ScannedCode::Kind::kContainer:
        return ReceiveInto(scanned);
      case ScannedCode::Kind::kItem:
        return ReceiveItem(scanned);
      case ScannedCode::Kind::kBadge:
        break;
    }
    return NotExpected("A badge is not expected while receiving.", "Scan a dock or an item.");
  }

  Reply ReceiveInto(const ScannedCode& scanned) {
    const ContainerState* container = state_.FindContainer(scanned.id);
    if (container == nullptr && scanned.id.starts_with("label:")) {
      std::optional<Reply> error;
      CheckContainer(scanned, error);
      return *error;
    }
    if (container != nullptr && container->shipped) {
      std::optional<Reply> error;
      CheckContainer(scanned, error);
      return *error;
    }
    if (container == nullptr) {
      ContainerType type = scanned.container_type == ContainerType::kParcel
                               ? ContainerType::kPallet
                               : scanned.container_type;
      events_.push_back(ContainerRegistered{scanned.id, type});
    }
    bool placed = container != nullptr && container->has_parent;
    if (!placed && device_.has_target && device_.target.IsLocation()) {
      events_.push_back(ContainerMoved{scanned.id, device_.target});
    }
    device_.target = Holder::InContainer(scanned.id);
    device_.has_target = true;
    return Make(Outcome::kOk, "Receiving into " + scanned.id + ".", "Scan items.");
  }

  Reply ReceiveItem(const ScannedCode& scanned) {
    if (!device_.has_target) {
      return NotExpected("Scan the dock or the container you receive into first.",
                         "Scan a dock or a container.");
    }
    if (state_.FindProduct(scanned.item.gtin) == nullptr) {
      return Make(Outcome::kUnknownProduct,
                  "Product " + scanned.item.gtin + " is not in the master data.",
                  "Set the item aside for the inbound office and scan the next one.");
    }
    if (!scanned.item.serial.empty()) {
      if (const Holder* at = state_.FindSerial(scanned.item.gtin, scanned.item.serial)) {
        return Make(Outcome::kDuplicate,
                    "Serial " + scanned.item.serial + " of " + ProductName(scanned.item.gtin) +
                        " is already in stock in " + Describe(*at) + ".",
                    "Set the item aside for a check and scan the next one.");
      }
      if (scanned.quantity != 1) {
        return Make(Outcome::kBadBarcode, "A serialised unit cannot have a count.",
                    "Scan the unit's own label.");
      }
    }
    std::string note =
        device_.target.IsLocation()
            ? ""
            : ReceiptNote(state_, device_.target.id, scanned.item.gtin, scanned.quantity);
    events_.push_back(UnitsReceived{scanned.item, scanned.quantity, device_.target});
    return Make(
        Outcome::kOk,
        StrCat("Received ", std::to_string(scanned.quantity), " x ", ProductName(scanned.item.gtin),
               " into ", Describe(device_.target), ".", note),
        "Scan the next item.");
  }

  // --- stow ------------------------------------------------------------------------------

  Reply Stow(const ScannedCode& scanned) {
    bool item_pending = !device_.pending.empty();
    switch (scanned.kind) {
      case ScannedCode::Kind::kContainer: {
        if (item_pending) {
          return NotExpected("Scan a bin for the item first.", "Scan a bin.");
        }
        std::optional<Reply> error;
        if (CheckContainer(scanned, error) == nullptr) {
          return *error;
        }
        device_.source = Holder::InContainer(scanned.id);
        device_.has_source = true;
        return Make(Outcome::kOk, "Stowing from " + scanned.id + ".", "Scan an item.");
      }
      case ScannedCode::Kind::kLocation:
        return item_pending ? StowInto(scanned) : StowFromLocation(scanned);
      case ScannedCode::Kind::kItem:
        return StowItem(scanned);
      case ScannedCode::Kind::kBadge:
        break;
    }
    return NotExpected("A badge is not expected while stowing.", "Scan an item or a bin.");
  }

  Reply StowFromLocation(const ScannedCode& scanned) {
    std::optional<Reply> error;
    if (CheckLocation(scanned, {LocationType::kDock}, "scan an item before its bin", error) ==
        nullptr) {
      return error->outcome == Outcome::kWrongLocation
                 ? NotExpected("Scan an item before its bin.", "Scan an item.")
                 : *error;
    }
    device_.source = Holder::AtLocation(scanned.id);
    device_.has_source = true;
    return Make(Outcome::kOk, "Stowing from " + scanned.id + ".", "Scan an item.");
  }

  Reply StowItem(const ScannedCode& scanned) {
    if (!device_.has_source) {
      return NotExpected("Scan the tote or dock you stow from first.", "Scan a tote.");
    }
    std::optional<ItemKey> line = FindLine(device_.source, scanned.item);
    if (!line) {
      return NoStock(scanned.item, device_.source);
    }
    device_.pending.assign(1, *line);
    return Make(Outcome::kOk, StrCat(ProductName(line->gtin), "."), StowPrompt(line->gtin));
  }

  // Directed putaway (putaway.h): the bin to propose; the worker may scan another.
  std::string StowPrompt(const std::string& gtin) const {
    std::optional<PutawayProposal> bin = ProposeBin(state_, gtin);
    if (!bin) {
      return "No free bin found: scan any bin with room.";
    }
    switch (bin->rule) {
      case PutawayRule::kRefill:
        return StrCat("Stow in ", bin->location,
                      " (pick face below its min), or scan another bin.");
      case PutawayRule::kSameProduct:
        return StrCat("Stow in ", bin->location, " (holds this product), or scan another bin.");
      case PutawayRule::kHomeZone:
        return StrCat("Stow in ", bin->location,
                      " (free, in the product's zone), or scan another bin.");
      case PutawayRule::kFreeBin:
        break;
    }
    return StrCat("Stow in ", bin->location, " (free), or scan another bin.");
  }

  Reply StowInto(const ScannedCode& scanned) {
    std::optional<Reply> error;
    const LocationState* bin = CheckLocation(
        scanned, {LocationType::kStowBin, LocationType::kPickFace}, "stow into a bin", error);
    if (bin == nullptr) {
      return *error;
    }
    const ItemKey item = device_.pending.front();
    if (state_.Quantity(device_.source, item) <= 0) {
      device_.pending.clear();
      return NoStock(item, device_.source);
    }
    int64_t capacity = bin->location.capacity_units;
    if (capacity > 0 && bin->units + 1 > capacity) {
      return Make(Outcome::kLocationFull,
                  "Bin " + scanned.id + " is full (" + std::to_string(bin->units) + "/" +
                      std::to_string(capacity) + " units).",
                  "Scan another bin.");
    }
    Holder to = Holder::AtLocation(scanned.id);
    events_.push_back(UnitsMoved{item, 1, device_.source, to});
    device_.pending.clear();
    int64_t previous = device_.last_stow_at_ms;
    device_.last_stow_at_ms = command_.at_ms;
    if (previous > 0 && command_.at_ms >= previous &&
        command_.at_ms - previous < config_.stow_too_fast_ms) {
      events_.push_back(LocationFlagged{scanned.id, "stow_too_fast"});
      return Make(Outcome::kReverify,
                  "Stowed in " + scanned.id +
                      ". Scans came very fast: please check the item is in this bin.",
                  "Check the bin, then scan the next item.");
    }
    return Make(Outcome::kOk, StrCat("Stowed in ", scanned.id, "."), "Scan the next item.");
  }

  // --- pick ------------------------------------------------------------------------------

  Reply Pick(const ScannedCode& scanned) {
    if (std::string batch = state_.orders().BatchOfDevice(command_.device); !batch.empty()) {
      return DecideDirectedPick(state_, batch, scanned, device_, events_);
    }
    std::optional<Reply> error;
    switch (scanned.kind) {
      case ScannedCode::Kind::kContainer:
        if (CheckContainer(scanned, error) == nullptr) {
          return *error;
        }
        device_.target = Holder::InContainer(scanned.id);
        device_.has_target = true;
        return Make(Outcome::kOk, "Picking into " + scanned.id + ".", "Scan a bin.");
      case ScannedCode::Kind::kLocation:
        if (CheckLocation(scanned, {LocationType::kStowBin, LocationType::kPickFace},
                          "pick from a bin", error) == nullptr) {
          return *error;
        }
        device_.source = Holder::AtLocation(scanned.id);
        device_.has_source = true;
        return Make(Outcome::kOk, "At " + scanned.id + ".", "Scan an item.");
      case ScannedCode::Kind::kItem:
        return PickItem(scanned);
      case ScannedCode::Kind::kBadge:
        break;
    }
    return NotExpected("A badge is not expected while picking.", "Scan a bin or an item.");
  }

  Reply PickItem(const ScannedCode& scanned) {
    if (!device_.has_target) {
      return NotExpected("Scan your tote first.", "Scan a tote.");
    }
    if (!device_.has_source) {
      return NotExpected("Scan the bin first.", "Scan a bin.");
    }
    std::optional<ItemKey> line = FindLine(device_.source, scanned.item);
    if (!line) {
      return Make(
          Outcome::kWrongLocation,
          "No unit of " + ProductName(scanned.item.gtin) + " in bin " + device_.source.id + ".",
          "Check the bin and the item.");
    }
    events_.push_back(UnitsMoved{*line, 1, device_.source, device_.target});
    return Make(Outcome::kOk,
                "Picked " + ProductName(line->gtin) + " into " + device_.target.id + ".",
                "Scan the next item or bin.");
  }

  // --- pack ------------------------------------------------------------------------------

  Reply Pack(const ScannedCode& scanned) {
    switch (scanned.kind) {
      case ScannedCode::Kind::kContainer:
        if (scanned.id.starts_with("sscc:")) {
          return PackParcel(scanned);
        }
        return PackFrom(scanned);
      case ScannedCode::Kind::kItem:
        return PackItem(scanned);
      case ScannedCode::Kind::kLocation:
      case ScannedCode::Kind::kBadge:
        break;
    }
    return NotExpected("Pack expects a tote, items and a parcel label.", "Scan a tote.");
  }

  Reply PackFrom(const ScannedCode& scanned) {
    if (!device_.pending.empty()) {
      return NotExpected("Finish the parcel first: scan its label.", "Scan the parcel label.");
    }
    std::optional<Reply> error;
    if (CheckContainer(scanned, error) == nullptr) {
      return *error;
    }
    device_.source = Holder::InContainer(scanned.id);
    device_.has_source = true;
    return Make(Outcome::kOk, "Packing from " + scanned.id + ".", "Scan the items.");
  }

  Reply PackItem(const ScannedCode& scanned) {
    if (!device_.has_source) {
      return NotExpected("Scan the tote you pack from first.", "Scan a tote.");
    }
    if (device_.pending.size() >= config_.pending_items_max) {
      return Make(
          Outcome::kTooManyItems,
          "A parcel holds at most " + std::to_string(config_.pending_items_max) + " scanned items.",
          "Scan the parcel label.");
    }
    std::optional<ItemKey> line = FindLine(device_.source, scanned.item, device_.pending);
    if (!line) {
      return NoStock(scanned.item, device_.source);
    }
    if (std::optional<Reply> refusal =
            CheckPackedUnit(state_, device_.source.id, device_.pending, *line)) {
      return *refusal;
    }
    device_.pending.push_back(*line);
    return Make(
        Outcome::kOk,
        "Item " + std::to_string(device_.pending.size()) + ": " + ProductName(line->gtin) + ".",
        "Scan the next item or the parcel label.");
  }

  Reply PackParcel(const ScannedCode& scanned) {
    if (device_.pending.empty()) {
      return NotExpected("Scan the items before the parcel label.", "Scan an item.");
    }
    const ContainerState* parcel = state_.FindContainer(scanned.id);
    if (parcel != nullptr &&
        (parcel->shipped || !state_.StockIn(Holder::InContainer(scanned.id)).empty())) {
      return Make(Outcome::kDuplicate, "Parcel label " + scanned.id + " is already used.",
                  "Use a new parcel label.");
    }
    std::map<ItemKey, int64_t> quantities;
    for (const ItemKey& item : device_.pending) {
      ++quantities[item];
    }
    for (const auto& [item, quantity] : quantities) {
      if (state_.Quantity(device_.source, item) < quantity) {
        device_.pending.clear();
        return NoStock(item, device_.source);
      }
    }
    if (parcel == nullptr) {
      events_.push_back(ContainerRegistered{scanned.id, ContainerType::kParcel});
    }
    Holder to = Holder::InContainer(scanned.id);
    for (const auto& [item, quantity] : quantities) {
      events_.push_back(UnitsMoved{item, quantity, device_.source, to});
    }
    AppendOrderPacked(state_, device_.source.id, scanned.id, device_.pending, events_);
    std::string at = state_.LocationOf(device_.source);
    if (!at.empty()) {
      events_.push_back(ContainerMoved{scanned.id, Holder::AtLocation(at)});
    }
    size_t packed = device_.pending.size();
    device_.pending.clear();
    return Make(Outcome::kOk,
                "Packed " + std::to_string(packed) + " items into parcel " + scanned.id + ".",
                "Scan the items of the next parcel.");
  }

  // --- move ------------------------------------------------------------------------------

  Reply Move(const ScannedCode& scanned) {
    std::optional<Reply> error;
    if (scanned.kind == ScannedCode::Kind::kContainer && device_.moving.empty()) {
      if (CheckContainer(scanned, error) == nullptr) {
        return *error;
      }
      device_.moving = scanned.id;
      return Make(Outcome::kOk, "Moving " + scanned.id + ".", "Scan the destination.");
    }
    if (device_.moving.empty()) {
      return NotExpected("Scan the container to move first.", "Scan a container.");
    }
    Holder to;
    if (scanned.kind == ScannedCode::Kind::kLocation) {
      if (state_.FindLocation(scanned.id) == nullptr) {
        CheckLocation(scanned, {}, "", error);
        return *error;
      }
      if (std::optional<Reply> refusal = CheckCarrierDoor(state_, device_.moving, scanned.id)) {
        return *refusal;  // Sorting: the parcel stays in hand, the next scan may fix it.
      }
      to = Holder::AtLocation(scanned.id);
    } else if (scanned.kind == ScannedCode::Kind::kContainer) {
      if (CheckContainer(scanned, error) == nullptr) {
        return *error;
      }
      if (state_.IsWithin(scanned.id, device_.moving)) {
        return Make(Outcome::kContainerLoop,
                    scanned.id + " is " + device_.moving + " or inside it.",
                    "Scan another destination.");
      }
      to = Holder::InContainer(scanned.id);
    } else {
      return NotExpected("Scan a location or a container as destination.", "Scan the destination.");
    }
    if (state_.FindContainer(device_.moving)->shipped) {
      device_.moving.clear();
      return Make(Outcome::kAlreadyShipped, "The container has been shipped meanwhile.",
                  "Scan a container.");
    }
    events_.push_back(ContainerMoved{device_.moving, to});
    std::string message = "Moved " + device_.moving + " to " + Describe(to) + ".";
    device_.moving.clear();
    return Make(Outcome::kOk, std::move(message), "Scan the next container.");
  }

  // --- ship ------------------------------------------------------------------------------

  Reply Ship(const ScannedCode& scanned) {
    std::optional<Reply> error;
    if (scanned.kind == ScannedCode::Kind::kLocation) {
      if (CheckLocation(scanned, {LocationType::kOutboundDoor}, "ship through an outbound door",
                        error) == nullptr) {
        return *error;
      }
      device_.target = Holder::AtLocation(scanned.id);
      device_.has_target = true;
      const LoadState* load = state_.orders().OpenLoadAt(scanned.id);
      return Make(Outcome::kOk,
                  "Loading at " + scanned.id +
                      (load != nullptr ? " on load " + load->id : std::string()) + ".",
                  "Scan parcels or pallets.");
    }
    if (scanned.kind != ScannedCode::Kind::kContainer) {
      return NotExpected("Ship parcels and pallets, not loose items.", "Scan a container.");
    }
    if (!device_.has_target) {
      return NotExpected("Scan the outbound door first.", "Scan a door.");
    }
    if (CheckContainer(scanned, error) == nullptr) {
      return *error;
    }
    if (std::optional<Reply> refusal = CheckCarrierDoor(state_, scanned.id, device_.target.id)) {
      return *refusal;
    }
    const LoadState* load = state_.orders().OpenLoadAt(device_.target.id);
    if (load != nullptr && load->containers.size() >= kMaxLoadContainers) {
      return Make(Outcome::kLocationFull,
                  "Load " + load->id + " lists " + std::to_string(kMaxLoadContainers) +
                      " containers already: close it and open the next one.",
                  "Scan the next parcel.");
    }
    events_.push_back(ContainerShipped{scanned.id, device_.target.id});
    return Make(Outcome::kOk,
                "Shipped " + scanned.id + " through " + device_.target.id +
                    (load != nullptr ? " on load " + load->id : std::string()) + ".",
                "Scan the next parcel.");
  }

  // --- count -----------------------------------------------------------------------------

  Reply Count(const ScannedCode& scanned) {
    switch (scanned.kind) {
      case ScannedCode::Kind::kLocation:
        return CountLocation(scanned);
      case ScannedCode::Kind::kItem:
        return CountItem(scanned);
      case ScannedCode::Kind::kContainer:
      case ScannedCode::Kind::kBadge:
        break;
    }
    return NotExpected("Count expects a bin and the units in it.", "Scan a bin or a unit.");
  }

  Reply CountLocation(const ScannedCode& scanned) {
    if (device_.has_target && device_.target.id != scanned.id) {
      return NotExpected("Finish counting " + device_.target.id + ": scan its label again.",
                         "Scan " + device_.target.id + ".");
    }
    if (device_.has_target) {
      return CloseCount();
    }
    std::optional<Reply> error;
    if (CheckLocation(scanned,
                      {LocationType::kStowBin, LocationType::kPickFace, LocationType::kDock,
                       LocationType::kPackStation},
                      "count bins, docks and stations", error) == nullptr) {
      return *error;
    }
    device_.target = Holder::AtLocation(scanned.id);
    device_.has_target = true;
    device_.pending.clear();
    return Make(Outcome::kOk, "Counting " + scanned.id + ".",
                "Scan every unit, then scan " + scanned.id + " again.");
  }

  Reply CountItem(const ScannedCode& scanned) {
    if (!device_.has_target) {
      return NotExpected("Scan the bin to count first.", "Scan a bin.");
    }
    if (state_.FindProduct(scanned.item.gtin) == nullptr) {
      return Make(Outcome::kUnknownProduct,
                  "Product " + scanned.item.gtin + " is not in the master data.",
                  "Set the item aside and scan the next one.");
    }
    if (device_.pending.size() + static_cast<size_t>(scanned.quantity) >
        config_.pending_items_max) {
      return Make(Outcome::kTooManyItems,
                  "A count holds at most " + std::to_string(config_.pending_items_max) + " units.",
                  "Scan the bin to close this count.");
    }
    device_.pending.insert(device_.pending.end(), static_cast<size_t>(scanned.quantity),
                           scanned.item);
    return Make(Outcome::kOk,
                std::to_string(device_.pending.size()) +
                    " counted: " + ProductName(scanned.item.gtin) + ".",
                "Scan the next unit, or the bin to finish.");
  }

  // Matches counted units to stock lines (same rule as picking), then corrects the
  // differences: missing units and surplus units become StockAdjusted events; a surplus
  // serial that the state places elsewhere is moved here instead.
  Reply CloseCount() {
    const Holder here = device_.target;
    std::map<ItemKey, int64_t> remaining;
    for (const auto& [item, quantity] : state_.StockIn(here)) {
      remaining[item] = quantity;
    }
    std::map<ItemKey, int64_t> surplus;
    for (const ItemKey& counted : device_.pending) {
      auto match = std::find_if(remaining.begin(), remaining.end(), [&](const auto& line) {
        return line.second > 0 && Designates(counted, line.first);
      });
      if (match != remaining.end()) {
        --match->second;
      } else {
        ++surplus[counted];
      }
    }
    int adjustments = 0;
    for (const auto& [item, quantity] : remaining) {
      if (quantity > 0) {
        events_.push_back(StockAdjusted{item, here, -quantity, "cycle_count"});
        ++adjustments;
      }
    }
    for (const auto& [item, quantity] : surplus) {
      const Holder* elsewhere =
          item.serial.empty() ? nullptr : state_.FindSerial(item.gtin, item.serial);
      if (elsewhere != nullptr) {
        events_.push_back(UnitsMoved{item, 1, *elsewhere, here});
      } else {
        events_.push_back(StockAdjusted{item, here, quantity, "cycle_count"});
      }
      ++adjustments;
    }
    events_.push_back(LocationCounted{here.id});
    std::string message = "Counted " + here.id + ": " + std::to_string(device_.pending.size()) +
                          " units, " + std::to_string(adjustments) + " corrections.";
    device_.pending.clear();
    device_.has_target = false;
    device_.target = {};
    return Make(Outcome::kOk, std::move(message), NextCountPrompt(here.id));
  }

  // Directs counting through the open count tasks (flagged locations) in walk order, from
  // the one after `after`, wrapping round; `after` itself is being closed.
  std::string NextCountPrompt(const std::string& after) const {
    const std::set<std::string>& due = state_.flagged_locations();
    auto next = due.upper_bound(after);
    if (next == due.end()) {
      next = due.begin();
    }
    if (next == due.end() || *next == after) {
      return "No count is due: scan any bin to count.";
    }
    return "Next count: " + *next + " (" + state_.FindLocation(*next)->flag + "). Scan it.";
  }

  const SiteState& state_;
  const SiteConfig& config_;
  const ScanCommand& command_;
  DeviceState device_;
  std::vector<Event> events_;
};

}  // namespace

int CivilYear(int64_t at_ms) {
  // Howard Hinnant's civil_from_days, for the year only.
  int64_t days = at_ms / 86'400'000;
  if (at_ms % 86'400'000 < 0) {
    --days;
  }
  days += 719'468;
  int64_t era = (days >= 0 ? days : days - 146'096) / 146'097;
  int64_t day_of_era = days - era * 146'097;
  int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36'524 - day_of_era / 146'096) / 365;
  int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  int64_t month_index = (5 * day_of_year + 2) / 153;
  int64_t year = year_of_era + era * 400 + (month_index >= 10 ? 1 : 0);
  return static_cast<int>(year);
}

Site::Site(SiteConfig config) : config_(config), keys_(config.idempotency_window) {}

Site::Site(SiteConfig config, SiteState state)
    : config_(config), state_(std::move(state)), keys_(config.idempotency_window) {}

void Site::RememberKey(const std::string& key, uint64_t seq, int64_t at_ms) {
  if (!key.empty()) {
    keys_.Remember(key, seq, at_ms);
  }
}

Site::Execution Site::Execute(const ScanCommand& command, uint64_t seq, bool ignore_known_key) {
  if (!ignore_known_key) {
    if (uint64_t earlier = keys_.Find(command.key); earlier != 0) {
      return Execution{{}, earlier};
    }
  }
  Entry entry;
  entry.kind = Entry::Kind::kScan;
  entry.seq = seq;
  entry.key = command.key;
  entry.device = command.device;
  entry.mode = command.mode;
  entry.code = command.code;
  entry.at_ms = command.at_ms;
  if (keys_.forgotten_until_ms() > 0 && command.at_ms <= keys_.forgotten_until_ms()) {
    entry.reply = Reply{Outcome::kTooOld,
                        "This scan was made before the oldest scan the site still remembers; it "
                        "may have been recorded already, so it was not applied.",
                        "Check the stock, then scan again."};
    Replay(entry);
    return Execution{std::move(entry), 0};
  }

  // `known` stays valid until Replay() below applies the events.
  const DeviceState* known = state_.FindDevice(command.device);
  DeviceState device;
  if (known != nullptr && known->mode == command.mode) {
    device = *known;
  } else {
    device.mode = command.mode;
    device.last_stow_at_ms = known != nullptr ? known->last_stow_at_ms : 0;
  }
  Decider decider(state_, config_, command, std::move(device));
  StatusOr<ScannedCode> scanned = InterpretCode(command.code, CivilYear(command.at_ms));
  if (scanned.ok()) {
    entry.reply = decider.Decide(*scanned);
  } else {
    entry.reply = Reply{OutcomeOfCodeError(scanned.status()), scanned.status().message(),
                        "Check the label and scan again."};
  }
  entry.events = std::move(decider.events());
  if (known == nullptr || !(decider.device() == *known)) {
    entry.events.push_back(DeviceStateChanged{command.device, decider.TakeDevice()});
  }
  Replay(entry);
  return Execution{std::move(entry), 0};
}

std::vector<Entry> Site::LoadLayout(const domain::Layout& layout, uint64_t first_seq) {
  std::vector<Event> events;
  events.push_back(SiteDefined{layout.site_code, layout.site_name});
  for (const domain::Zone& zone : layout.zones) {
    events.push_back(ZoneDefined{zone});
  }
  for (const domain::Location& location : layout.locations) {
    events.push_back(LocationDefined{location});
  }
  for (const domain::Product& product : layout.products) {
    events.push_back(ProductDefined{product});
  }
  for (const domain::ContainerSpec& container : layout.containers) {
    events.push_back(ContainerRegistered{container.id, container.type});
  }
  std::vector<Entry> entries;
  const size_t chunk = std::max<size_t>(config_.master_data_events_per_entry, 1);
  for (size_t begin = 0; begin < events.size(); begin += chunk) {
    Entry entry;
    entry.kind = Entry::Kind::kMasterData;
    entry.seq = first_seq + entries.size();
    size_t end = std::min(events.size(), begin + chunk);
    entry.events.assign(std::make_move_iterator(events.begin() + static_cast<ptrdiff_t>(begin)),
                        std::make_move_iterator(events.begin() + static_cast<ptrdiff_t>(end)));
    Replay(entry);
    entries.push_back(std::move(entry));
  }
  return entries;
}

StatusOr<Site::MasterDataExecution> Site::ChangeMasterData(const MasterDataChange& change,
                                                           uint64_t seq, int64_t at_ms) {
  StatusOr<MasterDataDecision> decision = DecideMasterData(state_, change);
  if (!decision.ok()) {
    return decision.status();
  }
  MasterDataExecution execution{decision->outcome, std::move(decision->stored), {}};
  if (execution.outcome == MasterDataOutcome::kUnchanged) {
    return execution;
  }
  execution.entry.kind = Entry::Kind::kMasterData;
  execution.entry.seq = seq;
  execution.entry.at_ms = at_ms;
  execution.entry.events.push_back(std::move(decision->event));
  Replay(execution.entry);
  return execution;
}

StatusOr<Site::OrderExecution> Site::ExecuteOrder(const OrderCommand& command, uint64_t seq,
                                                  int64_t at_ms) {
  ENTREPOT_ASSIGN_OR_RETURN(OrderDecision decision, DecideOrder(state_, command, seq));
  OrderExecution execution{std::move(decision), {}};
  if (execution.decision.events.empty()) {
    return execution;
  }
  execution.entry.kind = Entry::Kind::kOrder;
  execution.entry.seq = seq;
  execution.entry.at_ms = at_ms;
  execution.entry.reply.message = execution.decision.summary;
  execution.entry.events = execution.decision.events;
  Replay(execution.entry);
  return execution;
}

void Site::Replay(const Entry& entry) {
  for (const Event& event : entry.events) {
    state_.Apply(event);
  }
  if (entry.kind == Entry::Kind::kScan) {
    state_.CountScan(entry.reply.outcome);
    RememberKey(entry.key, entry.seq, entry.at_ms);
  }
}

}  // namespace entrepot::core
