#include "entrepot/api/event_json.h"

#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "entrepot/core/codec.h"
#include "entrepot/wire/rfc3339.h"

namespace entrepot::api {
namespace {

using nlohmann::json;

json ItemJson(const domain::ItemKey& item) {
  json out = {{"gtin", item.gtin}};
  if (!item.lot.empty()) {
    out["lot"] = item.lot;
  }
  if (!item.expiry.empty()) {
    out["expiry"] = item.expiry;
  }
  if (!item.serial.empty()) {
    out["serial"] = item.serial;
  }
  return out;
}

json HolderJson(const domain::Holder& holder) {
  return {{"kind", holder.IsLocation() ? "location" : "container"}, {"id", holder.id}};
}

json Typed(std::string_view type, json fields) {
  json out = {{"type", type}};
  out.update(fields);
  return out;
}

json MasterDataJson(const core::SiteDefined& e) {
  return Typed("site_defined", {{"code", e.code}, {"name", e.name}});
}
json MasterDataJson(const core::ZoneDefined& e) {
  return Typed("zone_defined", {{"code", e.zone.code}, {"name", e.zone.name}});
}
json MasterDataJson(const core::LocationDefined& e) {
  const domain::Location& l = e.location;
  return Typed("location_defined", {{"code", l.code},
                                    {"zone", l.zone},
                                    {"aisle", l.aisle},
                                    {"bay", l.bay},
                                    {"level", l.level},
                                    {"position", l.position},
                                    {"location_type", domain::LocationTypeName(l.type)},
                                    {"capacity_units", l.capacity_units}});
}
json MasterDataJson(const core::ProductDefined& e) {
  return Typed("product_defined", {{"gtin", e.product.gtin},
                                   {"description", e.product.description},
                                   {"home_zone", e.product.home_zone}});
}
json MasterDataJson(const core::ContainerRegistered& e) {
  return Typed("container_registered",
               {{"container", e.container}, {"container_type", domain::ContainerTypeName(e.type)}});
}

json OperationalJson(const core::UnitsReceived& e) {
  return Typed("received",
               {{"item", ItemJson(e.item)}, {"quantity", e.quantity}, {"to", HolderJson(e.to)}});
}
json OperationalJson(const core::UnitsMoved& e) {
  return Typed("moved", {{"item", ItemJson(e.item)},
                         {"quantity", e.quantity},
                         {"from", HolderJson(e.from)},
                         {"to", HolderJson(e.to)}});
}
json OperationalJson(const core::ContainerMoved& e) {
  return Typed("container_moved", {{"container", e.container}, {"to", HolderJson(e.to)}});
}
json OperationalJson(const core::ContainerShipped& e) {
  return Typed("shipped", {{"container", e.container}, {"door", e.door}});
}
json OperationalJson(const core::StockAdjusted& e) {
  return Typed("adjusted", {{"item", ItemJson(e.item)},
                            {"holder", HolderJson(e.holder)},
                            {"delta", e.delta},
                            {"reason", e.reason}});
}
json OperationalJson(const core::LocationFlagged& e) {
  return Typed("location_flagged", {{"location", e.location}, {"reason", e.reason}});
}
json OperationalJson(const core::LocationCounted& e) {
  return Typed("location_counted", {{"location", e.location}});
}

// Order events (core/events.h). None names a worker; BatchAssigned's device is left out: a
// device and a time could be joined to a badge session on a dashboard (RET-01).
json OrderLinesJson(const std::vector<core::OrderLine>& lines) {
  json out = json::array();
  for (const core::OrderLine& line : lines) {
    out.push_back({{"gtin", line.gtin}, {"quantity", line.quantity}, {"reserved", line.reserved}});
  }
  return out;
}
json OperationalJson(const core::OrderPlaced& e) {
  bool in_range = e.cutoff_ms >= wire::kMinRfc3339Ms && e.cutoff_ms <= wire::kMaxRfc3339Ms;
  return Typed(e.amendment ? "order_amended" : "order_placed",
               {{"order", e.order},
                {"carrier", e.carrier},
                {"cutoff", in_range ? json(wire::FormatRfc3339Ms(e.cutoff_ms)) : json(nullptr)},
                {"priority", e.priority},
                {"lines", OrderLinesJson(e.lines)}});
}
json OperationalJson(const core::OrderCancelled& e) {
  return Typed("order_cancelled", {{"order", e.order}});
}
json OperationalJson(const core::OrderReleased& e) {
  json tasks = json::array();
  for (const core::PickTask& task : e.tasks) {
    tasks.push_back({{"task", task.id},
                     {"location", task.location},
                     {"item", ItemJson(task.item)},
                     {"quantity", task.quantity}});
  }
  return Typed("order_released", {{"order", e.order},
                                  {"batch", e.batch},
                                  {"reserved", e.reserved},
                                  {"tasks", std::move(tasks)}});
}
json OperationalJson(const core::BatchAssigned& e) {
  return Typed("batch_assigned", {{"batch", e.batch}});
}
json OperationalJson(const core::ToteAssigned& e) {
  return Typed("tote_assigned", {{"tote", e.tote}, {"order", e.order}});
}
json OperationalJson(const core::TaskProgressed& e) {
  return Typed("task_progressed", {{"task", e.task}, {"picked", e.picked}, {"shorted", e.shorted}});
}
json OperationalJson(const core::OrderPacked& e) {
  return Typed(
      "order_packed",
      {{"order", e.order}, {"parcel", e.parcel}, {"gtin", e.gtin}, {"quantity", e.quantity}});
}
json OperationalJson(const core::LoadOpened& e) {
  return Typed("load_opened", {{"load", e.load},
                               {"door", e.door},
                               {"carrier", e.carrier},
                               {"opened_at_ms", e.opened_at_ms}});
}
json OperationalJson(const core::LoadClosed& e) {
  return Typed("load_closed", {{"load", e.load}, {"departed_at_ms", e.departed_at_ms}});
}
json MasterDataJson(const core::CarrierDefined& e) {
  return Typed("carrier_defined", {{"carrier", e.carrier}, {"doors", e.doors}});
}

template <typename T>
concept HasMasterDataJson = requires(const T& event) {
  MasterDataJson(event);
};
template <typename T>
concept HasOperationalJson = requires(const T& event) {
  OperationalJson(event);
};

// The event's JSON, or nullopt for what the feed never shows: DeviceStateChanged (it names
// the device, RET-01) and any event type not reviewed for the feed yet.
std::optional<json> EventJson(const core::Event& event) {
  return std::visit(
      [](const auto& e) -> std::optional<json> {
        using T = std::decay_t<decltype(e)>;
        if constexpr (HasOperationalJson<T>) {
          return OperationalJson(e);
        } else if constexpr (HasMasterDataJson<T>) {
          return MasterDataJson(e);
        } else {
          return std::nullopt;
        }
      },
      event);
}

}  // namespace

json EntryEventJson(uint64_t seq, const core::Entry& entry) {
  bool in_range = entry.at_ms >= wire::kMinRfc3339Ms && entry.at_ms <= wire::kMaxRfc3339Ms;
  json out = {{"seq", seq},
              {"at", in_range ? json(wire::FormatRfc3339Ms(entry.at_ms)) : json(nullptr)},
              {"at_ms", entry.at_ms}};
  if (entry.kind == core::Entry::Kind::kScan) {
    out["kind"] = "scan";
    out["mode"] = core::ModeName(entry.mode);
    out["outcome"] = core::OutcomeName(entry.reply.outcome);
  } else if (entry.kind == core::Entry::Kind::kOrder) {
    out["kind"] = "order";
  } else {
    out["kind"] = "master_data";
  }
  json events = json::array();
  for (const core::Event& event : entry.events) {
    if (std::optional<json> shown = EventJson(event)) {
      events.push_back(*std::move(shown));
    }
  }
  out["events"] = std::move(events);
  return out;
}

StatusOr<json> EntryEventJson(uint64_t seq, std::string_view payload) {
  StatusOr<core::Entry> entry = core::DecodeEntry(payload);
  if (!entry.ok()) {
    return entry.status();
  }
  return EntryEventJson(seq, *entry);
}

}  // namespace entrepot::api
