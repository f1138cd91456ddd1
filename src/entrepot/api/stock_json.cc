#include "entrepot/api/stock_json.h"

#include <map>
#include <string_view>

#include "entrepot/base/status_macros.h"
#include "entrepot/core/scan_code.h"
#include "entrepot/domain/gs1/check_digit.h"

namespace entrepot::api {
namespace {

using domain::Holder;
using nlohmann::json;

// Containers nest at most this deep in a reply (the state has no cycles; this bounds size).
constexpr int kMaxNestingShown = 16;

json ItemJson(const domain::ItemKey& item, int64_t quantity) {
  json line = {{"gtin", item.gtin}, {"quantity", quantity}};
  if (!item.lot.empty()) {
    line["lot"] = item.lot;
  }
  if (!item.expiry.empty()) {
    line["expiry"] = item.expiry;
  }
  if (!item.serial.empty()) {
    line["serial"] = item.serial;
  }
  return line;
}

// A container with its contents and nested containers. REQUIRES: `id` is known.
json ContainerJson(const core::SiteState& state, const std::string& id, int depth) {
  const core::ContainerState* container = state.FindContainer(id);
  json out = {{"container", id},
              {"type", domain::ContainerTypeName(container->type)},
              {"shipped", container->shipped},
              {"location", state.LocationOf(Holder::InContainer(id))}};
  if (container->has_parent) {
    out["in"] = container->parent.id;
  }
  json lines = json::array();
  for (const auto& [item, quantity] : state.StockIn(Holder::InContainer(id))) {
    lines.push_back(ItemJson(item, quantity));
  }
  out["stock"] = lines;
  json children = json::array();
  if (depth < kMaxNestingShown) {
    for (const std::string& child : container->children) {
      children.push_back(ContainerJson(state, child, depth + 1));
    }
  }
  out["containers"] = children;
  return out;
}

// Accepts a code as typed (a location code, a canonical container id) or as scanned (a
// label, an SSCC in any GS1 form).
StatusOr<std::string> ResolveScannedId(const std::string& value, core::ScannedCode::Kind kind) {
  for (std::string_view prefix : {"sscc:", "label:", "grai:", "giai:"}) {
    if (value.starts_with(prefix)) {
      return value;
    }
  }
  StatusOr<core::ScannedCode> scanned = core::InterpretCode(value, 2000);
  if (!scanned.ok() || scanned->kind != kind) {
    return kind == core::ScannedCode::Kind::kLocation
               ? StatusOr<std::string>(value)
               : Error(StatusCode::kInvalidArgument, "bad_container",
                       value + " is not a container id, label or SSCC");
  }
  return scanned->id;
}

}  // namespace

StatusOr<json> LocationStockJson(const core::SiteState& state, const std::string& location) {
  ENTREPOT_ASSIGN_OR_RETURN(std::string code,
                            ResolveScannedId(location, core::ScannedCode::Kind::kLocation));
  const core::LocationState* found = state.FindLocation(code);
  if (found == nullptr) {
    return Error(StatusCode::kNotFound, "unknown_location", "no location " + code);
  }
  json lines = json::array();
  for (const auto& [item, quantity] : state.StockIn(Holder::AtLocation(code))) {
    lines.push_back(ItemJson(item, quantity));
  }
  json containers = json::array();
  for (const auto& [id, container] : state.containers()) {
    if (container.has_parent && container.parent == Holder::AtLocation(code) &&
        !container.shipped) {
      containers.push_back(ContainerJson(state, id, 0));
    }
  }
  return json{{"location", code},
              {"zone", found->location.zone},
              {"type", domain::LocationTypeName(found->location.type)},
              {"capacity_units", found->location.capacity_units},
              {"units", found->units},
              {"flag", found->flag},
              {"stock", lines},
              {"containers", containers}};
}

StatusOr<json> ProductStockJson(const core::SiteState& state, const std::string& gtin_text) {
  ENTREPOT_ASSIGN_OR_RETURN(std::string gtin, gs1::NormalizeGtin(gtin_text));
  json lines = json::array();
  int64_t total = 0;
  for (const auto& [key, stock] : state.stock()) {
    const int64_t quantity = stock.units;
    if (key.item.gtin == gtin) {
      json line = ItemJson(key.item, quantity);
      line["holder"] = key.holder.id;
      line["location"] = state.LocationOf(key.holder);
      lines.push_back(line);
      total += quantity;
    }
  }
  const domain::Product* product = state.FindProduct(gtin);
  return json{{"gtin", gtin},
              {"description", product == nullptr ? "" : product->description},
              {"known", product != nullptr},
              {"units", total},
              {"stock", lines}};
}

StatusOr<json> ContainerStockJson(const core::SiteState& state, const std::string& container) {
  ENTREPOT_ASSIGN_OR_RETURN(std::string id,
                            ResolveScannedId(container, core::ScannedCode::Kind::kContainer));
  if (state.FindContainer(id) == nullptr) {
    return Error(StatusCode::kNotFound, "unknown_container", "no container " + id);
  }
  return ContainerJson(state, id, 0);
}

json SummaryJson(const core::SiteState& state) {
  std::map<std::string, int64_t> units_by_zone;
  int64_t units = 0;
  int64_t units_without_location = 0;
  for (const auto& [key, stock] : state.stock()) {
    const int64_t quantity = stock.units;
    units += quantity;
    std::string location = state.LocationOf(key.holder);
    const core::LocationState* at = location.empty() ? nullptr : state.FindLocation(location);
    if (at == nullptr) {
      units_without_location += quantity;
    } else {
      units_by_zone[at->location.zone] += quantity;
    }
  }
  int64_t flagged = 0;
  for (const auto& [code, location] : state.locations()) {
    flagged += location.flag.empty() ? 0 : 1;
  }
  json outcomes = json::object();
  for (int i = 0; i < core::kOutcomeCount; ++i) {
    if (int64_t count = state.counters().scans_by_outcome[i]; count > 0) {
      outcomes[std::string(core::OutcomeName(static_cast<core::Outcome>(i)))] = count;
    }
  }
  const core::SiteCounters& counters = state.counters();
  return {{"site", state.site_code()},
          {"name", state.site_name()},
          {"zones", state.zones().size()},
          {"locations", state.locations().size()},
          {"products", state.products().size()},
          {"containers", state.containers().size()},
          {"stock_lines", state.stock().size()},
          {"units_on_hand", units},
          {"units_by_zone", units_by_zone},
          {"units_in_containers_without_location", units_without_location},
          {"locations_flagged_for_check", flagged},
          {"units_received", counters.units_received},
          {"units_moved", counters.units_moved},
          {"units_adjusted", counters.units_adjusted},
          {"units_shipped", counters.units_shipped},
          {"containers_shipped", counters.containers_shipped},
          {"scans_by_outcome", outcomes}};
}

std::string DumpJson(const json& value, int indent) {
  return value.dump(indent, ' ', false, json::error_handler_t::replace);
}

}  // namespace entrepot::api
