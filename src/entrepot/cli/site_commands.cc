// `entrepot init`, `entrepot stock` and `entrepot verify`.
#include <chrono>
#include <iostream>
#include <map>
#include <string>

#include "entrepot/base/status_macros.h"
#include "entrepot/cli/commands.h"
#include "entrepot/cli/site_files.h"
#include "entrepot/core/scan_code.h"
#include "entrepot/core/site.h"
#include "entrepot/domain/gs1/check_digit.h"
#include "entrepot/domain/layout.h"
#include "nlohmann/json.hpp"

namespace entrepot::cli {
namespace {

using domain::Holder;
using nlohmann::json;

constexpr size_t kMaxLayoutBytes = size_t{256} << 20;

std::string Dump(const json& value) {
  return value.dump(2, ' ', false, json::error_handler_t::replace);
}

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

// A container with its contents and nested containers.
json ContainerJson(const core::SiteState& state, const std::string& id, int depth = 0) {
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
  if (depth < 16) {
    for (const std::string& child : container->children) {
      children.push_back(ContainerJson(state, child, depth + 1));
    }
  }
  out["containers"] = children;
  return out;
}

json Summary(const core::SiteState& state) {
  std::map<std::string, int64_t> units_by_zone;
  int64_t units = 0;
  int64_t units_without_location = 0;
  for (const auto& [key, quantity] : state.stock()) {
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

void PrintSummaryText(const json& summary) {
  std::cout << "site " << summary["site"].get<std::string>() << " — "
            << summary["name"].get<std::string>() << "\n"
            << "  " << summary["zones"] << " zones, " << summary["locations"] << " locations, "
            << summary["products"] << " products, " << summary["containers"] << " containers\n"
            << "  " << summary["units_on_hand"] << " units on hand in " << summary["stock_lines"]
            << " stock lines\n";
  for (const auto& [zone, units] : summary["units_by_zone"].items()) {
    std::cout << "    zone " << zone << ": " << units << " units\n";
  }
  std::cout << "    in containers not at a location: "
            << summary["units_in_containers_without_location"] << " units\n"
            << "  received " << summary["units_received"] << ", moved " << summary["units_moved"]
            << ", adjusted " << summary["units_adjusted"] << ", shipped "
            << summary["units_shipped"] << " units in " << summary["containers_shipped"]
            << " containers\n"
            << "  locations flagged for a quality check: " << summary["locations_flagged_for_check"]
            << "\n  scans by outcome:";
  for (const auto& [outcome, count] : summary["scans_by_outcome"].items()) {
    std::cout << " " << outcome << "=" << count;
  }
  std::cout << "\n";
}

// Accepts a code as typed (a location code, a GTIN, a canonical container id) or as
// scanned (a label, an SSCC in any GS1 form).
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

StatusOr<json> StockOf(const core::SiteState& state, const StockOptions& options) {
  if (options.location) {
    ENTREPOT_ASSIGN_OR_RETURN(
        std::string code, ResolveScannedId(*options.location, core::ScannedCode::Kind::kLocation));
    const core::LocationState* location = state.FindLocation(code);
    if (location == nullptr) {
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
        containers.push_back(ContainerJson(state, id));
      }
    }
    return json{{"location", code},
                {"zone", location->location.zone},
                {"type", domain::LocationTypeName(location->location.type)},
                {"capacity_units", location->location.capacity_units},
                {"units", location->units},
                {"flag", location->flag},
                {"stock", lines},
                {"containers", containers}};
  }
  if (options.product) {
    ENTREPOT_ASSIGN_OR_RETURN(std::string gtin, gs1::NormalizeGtin(*options.product));
    json lines = json::array();
    int64_t total = 0;
    for (const auto& [key, quantity] : state.stock()) {
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
  ENTREPOT_ASSIGN_OR_RETURN(
      std::string id, ResolveScannedId(*options.container, core::ScannedCode::Kind::kContainer));
  if (state.FindContainer(id) == nullptr) {
    return Error(StatusCode::kNotFound, "unknown_container", "no container " + id);
  }
  return ContainerJson(state, id);
}

void PrintLinesText(const json& stock, const std::string& indent) {
  for (const json& line : stock) {
    std::cout << indent << line["quantity"] << " x " << line["gtin"].get<std::string>();
    for (const char* field : {"lot", "expiry", "serial", "holder"}) {
      if (line.contains(field)) {
        std::cout << " " << field << " " << line[field].get<std::string>();
      }
    }
    std::cout << "\n";
  }
}

void PrintContainerText(const json& container, const std::string& indent) {
  std::cout << indent << container["type"].get<std::string>() << " "
            << container["container"].get<std::string>();
  if (container["shipped"].get<bool>()) {
    std::cout << " (shipped)";
  } else if (!container["location"].get<std::string>().empty()) {
    std::cout << " at " << container["location"].get<std::string>();
  }
  std::cout << "\n";
  PrintLinesText(container["stock"], indent + "  ");
  for (const json& child : container["containers"]) {
    PrintContainerText(child, indent + "  ");
  }
}

}  // namespace

int RunInit(const std::string& data_dir, const std::string& layout_file) {
  StatusOr<std::string> text = ReadFile(layout_file, kMaxLayoutBytes);
  if (!text.ok()) {
    return ReportError(text.status());
  }
  StatusOr<domain::Layout> layout = domain::ParseLayoutToml(*text);
  if (!layout.ok()) {
    return ReportError(layout.status().WithContext(layout_file), 1);
  }
  StatusOr<std::unique_ptr<engine::SiteEngine>> engine = OpenSite(data_dir, OpenMode::kCreate);
  if (!engine.ok()) {
    return ReportError(engine.status());
  }
  if (Status status = (*engine)->LoadLayout(*layout); !status.ok()) {
    return ReportError(status);
  }
  std::cout << "initialised site " << layout->site_code << " in " << data_dir << ": "
            << layout->zones.size() << " zones, " << layout->locations.size() << " locations, "
            << layout->products.size() << " products, " << layout->containers.size()
            << " containers\n";
  return 0;
}

int RunStock(const StockOptions& options) {
  StatusOr<std::unique_ptr<engine::SiteEngine>> engine =
      OpenSite(options.data_dir, OpenMode::kReadOnly);
  if (!engine.ok()) {
    return ReportError(engine.status());
  }
  const core::SiteState& state = (*engine)->state();
  if (!options.location && !options.product && !options.container) {
    json summary = Summary(state);
    if (options.json) {
      std::cout << Dump(summary) << "\n";
    } else {
      PrintSummaryText(summary);
    }
    return 0;
  }
  StatusOr<json> stock = StockOf(state, options);
  if (!stock.ok()) {
    return ReportError(stock.status(), 1);
  }
  if (options.json) {
    std::cout << Dump(*stock) << "\n";
  } else if (options.location) {
    std::cout << (*stock)["type"].get<std::string>() << " "
              << (*stock)["location"].get<std::string>() << ": " << (*stock)["units"] << " units\n";
    PrintLinesText((*stock)["stock"], "  ");
    for (const json& container : (*stock)["containers"]) {
      PrintContainerText(container, "  ");
    }
  } else if (options.product) {
    std::cout << (*stock)["gtin"].get<std::string>() << " "
              << (*stock)["description"].get<std::string>() << ": " << (*stock)["units"]
              << " units\n";
    PrintLinesText((*stock)["stock"], "  ");
  } else {
    PrintContainerText(*stock, "");
  }
  return 0;
}

int RunVerify(const std::string& data_dir) {
  auto start = std::chrono::steady_clock::now();
  StatusOr<std::unique_ptr<engine::SiteEngine>> engine = OpenSite(data_dir, OpenMode::kReadOnly);
  if (!engine.ok()) {
    return ReportError(engine.status(), 1);
  }
  StatusOr<engine::VerifyReport> report = (*engine)->Verify();
  if (!report.ok()) {
    return ReportError(report.status(), 1);
  }
  std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  bool good = report->snapshot_matches && report->state_matches;
  std::cout << (good ? "ok" : "MISMATCH") << ": " << report->records
            << " journal records (last seq " << report->last_seq
            << "), checksums and sequence intact\n"
            << "  snapshot at seq " << report->snapshot_seq << ": "
            << (report->snapshot_matches ? "equals replay" : "DIFFERS from replay") << "\n"
            << "  state after snapshot + tail: "
            << (report->state_matches ? "equals full replay" : "DIFFERS from full replay") << "\n  "
            << elapsed.count() << " s\n";
  return good ? 0 : 1;
}

}  // namespace entrepot::cli
