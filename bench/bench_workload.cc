#include "bench_workload.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>

#include "entrepot/domain/labels.h"

namespace entrepot::bench {
namespace {

constexpr int kBins = 2000;
constexpr int kProducts = 200;
constexpr int kDevices = 50;

std::string Gtin(int product) {
  std::string body = "0950600" + std::to_string(100000 + product);  // 13 digits
  int sum = 0;
  for (size_t i = 0; i < body.size(); ++i) {
    sum += (body[body.size() - 1 - i] - '0') * (i % 2 == 0 ? 3 : 1);
  }
  return body + static_cast<char>('0' + (10 - sum % 10) % 10);
}

std::string BinCode(int bin) {
  char code[32];
  std::snprintf(code, sizeof(code), "A-%02d-%03d-1-1", 1 + bin / 100, 1 + bin % 100);
  return code;
}

}  // namespace

domain::Layout BenchLayout() {
  domain::Layout layout;
  layout.site_code = "FR-BENCH";
  layout.zones = {{"INB", "Inbound"}, {"A", "Stow"}};
  domain::Location dock;
  dock.code = "DOCK-01";
  dock.zone = "INB";
  dock.type = domain::LocationType::kDock;
  layout.locations.push_back(dock);
  for (int bin = 0; bin < kBins; ++bin) {
    domain::Location location;
    location.code = BinCode(bin);
    location.zone = "A";
    layout.locations.push_back(location);
  }
  for (int product = 0; product < kProducts; ++product) {
    layout.products.push_back({Gtin(product), "Product " + std::to_string(product), "A"});
  }
  for (int device = 0; device < kDevices; ++device) {
    layout.containers.push_back(
        {"label:T" + std::to_string(device + 1), domain::ContainerType::kTote});
  }
  return layout;
}

// Receive-then-stow cycles from kDevices handhelds, interleaved: every scan is accepted.
std::vector<core::ScanCommand> Workload(size_t scans) {
  std::vector<std::vector<std::pair<core::Mode, std::string>>> cycles(kDevices);
  std::vector<core::ScanCommand> commands;
  commands.reserve(scans);
  int64_t at_ms = 1'795'000'000'000;
  for (size_t n = 0; commands.size() < scans; ++n) {
    int device = static_cast<int>(n % kDevices);
    auto& cycle = cycles[static_cast<size_t>(device)];
    if (cycle.empty()) {
      std::string tote =
          domain::FormatLabel(domain::LabelKind::kContainer, "T" + std::to_string(device + 1));
      cycle.emplace_back(core::Mode::kReceive,
                         domain::FormatLabel(domain::LabelKind::kLocation, "DOCK-01"));
      cycle.emplace_back(core::Mode::kReceive, tote);
      std::vector<std::string> items;
      for (int i = 0; i < 10; ++i) {
        items.push_back("]d201" +
                        Gtin(static_cast<int>((n + static_cast<size_t>(i) * 7) % kProducts)) +
                        "17271231" + "10LOT" + std::to_string(i));
        cycle.emplace_back(core::Mode::kReceive, items.back());
      }
      cycle.emplace_back(core::Mode::kStow, tote);
      for (int i = 0; i < 10; ++i) {
        cycle.emplace_back(core::Mode::kStow, items[static_cast<size_t>(i)]);
        cycle.emplace_back(
            core::Mode::kStow,
            domain::FormatLabel(
                domain::LabelKind::kLocation,
                BinCode(static_cast<int>((n * 13 + static_cast<size_t>(i)) % kBins))));
      }
      std::reverse(cycle.begin(), cycle.end());
    }
    auto [mode, code] = cycle.back();
    cycle.pop_back();
    at_ms += 37;
    commands.push_back(core::ScanCommand{"k" + std::to_string(commands.size()),
                                         "HH-" + std::to_string(device), mode, code,
                                         at_ms + device * 100'000});
  }
  return commands;
}

}  // namespace entrepot::bench
