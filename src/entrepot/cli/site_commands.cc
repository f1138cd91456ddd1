// `entrepot init`, `entrepot stock` and `entrepot verify`.
#include <chrono>
#include <iostream>
#include <string>

#include "entrepot/api/stock_json.h"
#include "entrepot/base/status_macros.h"
#include "entrepot/cli/commands.h"
#include "entrepot/cli/site_files.h"
#include "entrepot/core/site.h"
#include "entrepot/domain/layout.h"
#include "nlohmann/json.hpp"

namespace entrepot::cli {
namespace {

using nlohmann::json;

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

StatusOr<json> StockOf(const core::SiteState& state, const StockOptions& options) {
  if (options.location) {
    return api::LocationStockJson(state, *options.location);
  }
  if (options.product) {
    return api::ProductStockJson(state, *options.product);
  }
  return api::ContainerStockJson(state, *options.container);
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

int RunInit(const InitOptions& options) {
  StatusOr<domain::Layout> layout = ReadLayoutFile(options.layout_file);
  if (!layout.ok()) {
    return ReportError(layout.status(),
                       layout.status().code() == StatusCode::kInvalidArgument ? 1 : 2);
  }
  const SiteLocation location(options.data_dir, options.store, options.site);
  if (Status created = CreateSite(location, *layout); !created.ok()) {
    return ReportSiteError(created);
  }
  std::cout << "initialised site " << layout->site_code << " in "
            << (options.store.empty() ? options.data_dir : "PostgreSQL") << ": "
            << layout->zones.size() << " zones, " << layout->locations.size() << " locations, "
            << layout->products.size() << " products, " << layout->containers.size()
            << " containers\n";
  return 0;
}

int RunStock(const StockOptions& options) {
  StatusOr<std::unique_ptr<engine::SiteEngine>> engine =
      OpenSite({options.data_dir, options.store, options.site}, OpenMode::kReadOnly);
  if (!engine.ok()) {
    return ReportSiteError(engine.status());
  }
  const core::SiteState& state = (*engine)->state();
  if (!options.location && !options.product && !options.container) {
    json summary = api::SummaryJson(state);
    if (options.json) {
      std::cout << api::DumpJson(summary, 2) << "\n";
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
    std::cout << api::DumpJson(*stock, 2) << "\n";
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

int RunVerify(const VerifyOptions& options) {
  auto start = std::chrono::steady_clock::now();
  StatusOr<std::unique_ptr<engine::SiteEngine>> engine =
      OpenSite({options.data_dir, options.store, options.site}, OpenMode::kReadOnly);
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
