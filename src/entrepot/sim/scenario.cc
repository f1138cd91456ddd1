// ParseScenarioToml(): the strict reader of simulator scenarios (scenario.h).
#include "entrepot/sim/scenario.h"

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "entrepot/base/status_macros.h"
#include "entrepot/base/toml.h"
#include "entrepot/wire/rfc3339.h"

namespace entrepot::sim {
namespace {

Status Bad(std::string_view key, const std::string& problem) {
  return Error(StatusCode::kInvalidArgument, "bad_scenario", std::string(key) + ": " + problem);
}

// A table whose keys must all be known: reading a key marks it, Finish() names the rest.
class Table {
 public:
  Table(const toml::table* table, std::string path) : table_(table), path_(std::move(path)) {}

  Status Int(std::string_view key, int64_t min, int64_t max, int32_t& out) {
    int64_t value = out;
    ENTREPOT_RETURN_IF_ERROR(Int64(key, min, max, value));
    out = static_cast<int32_t>(value);
    return OkStatus();
  }
  Status Int64(std::string_view key, int64_t min, int64_t max, int64_t& out) {
    const toml::node* node = Take(key);
    if (node == nullptr)
      return OkStatus();
    std::optional<int64_t> value = node->value<int64_t>();
    if (!node->is_integer() || !value || *value < min || *value > max) {
      return Bad(Path(key),
                 "must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
    }
    out = *value;
    return OkStatus();
  }
  Status Real(std::string_view key, double min, double max, double& out) {
    const toml::node* node = Take(key);
    if (node == nullptr)
      return OkStatus();
    std::optional<double> value = node->value<double>();  // Integers convert too.
    if (!value || !std::isfinite(*value) || *value < min || *value > max) {
      return Bad(Path(key), "must be a number from " + Number(min) + " to " + Number(max));
    }
    out = *value;
    return OkStatus();
  }
  Status Text(std::string_view key, std::string& out) {
    const toml::node* node = Take(key);
    if (node == nullptr)
      return OkStatus();
    if (!node->is_string())
      return Bad(Path(key), "must be a string");
    out = *node->value<std::string>();
    return OkStatus();
  }
  Status Strings(std::string_view key, std::vector<std::string>& out) {
    const toml::node* node = Take(key);
    if (node == nullptr)
      return OkStatus();
    const toml::array* array = node->as_array();
    if (array == nullptr || array->size() > 64) {
      return Bad(Path(key), "must be an array of at most 64 strings");
    }
    for (const toml::node& element : *array) {
      if (!element.is_string())
        return Bad(Path(key), "must be an array of strings");
      out.push_back(*element.value<std::string>());
    }
    return OkStatus();
  }
  // The sub-table `key`, or an empty one.
  StatusOr<Table> Sub(std::string_view key) {
    const toml::node* node = Take(key);
    if (node != nullptr && !node->is_table())
      return Bad(Path(key), "must be a table");
    return Table(node == nullptr ? nullptr : node->as_table(), Path(key));
  }
  const toml::array* Array(std::string_view key) {
    return Take(key) ? table_->get_as<toml::array>(key) : nullptr;
  }

  Status Finish() const {
    if (table_ == nullptr)
      return OkStatus();
    for (const auto& [key, node] : *table_) {
      if (!read_.contains(std::string(key.str()))) {
        return Bad(Path(key.str()), "is not a scenario key (see docs/SIMULATOR.md)");
      }
    }
    return OkStatus();
  }
  const std::string& path() const { return path_; }

 private:
  const toml::node* Take(std::string_view key) {
    read_.insert(std::string(key));
    return table_ == nullptr ? nullptr : table_->get(key);
  }
  std::string Path(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }
  static std::string Number(double value) {
    std::string text = std::to_string(value);
    while (text.size() > 1 && text.back() == '0')
      text.pop_back();
    if (text.back() == '.')
      text.pop_back();
    return text;
  }

  const toml::table* table_;
  std::string path_;
  std::set<std::string> read_;
};

bool IsCarrierCode(std::string_view code) {
  if (code.empty() || code.size() > 64)
    return false;
  for (char c : code) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok)
      return false;
  }
  return true;
}

// "14:00" on the start's UTC day, as an absolute time.
StatusOr<int64_t> CutoffOnStartDay(std::string_view hhmm, int64_t start_ms, std::string_view key) {
  bool shaped = hhmm.size() == 5 && hhmm[2] == ':';
  for (size_t i : {size_t{0}, size_t{1}, size_t{3}, size_t{4}})
    shaped = shaped && hhmm[i] >= '0' && hhmm[i] <= '9';
  int hours = shaped ? (hhmm[0] - '0') * 10 + (hhmm[1] - '0') : 0;
  int minutes = shaped ? (hhmm[3] - '0') * 10 + (hhmm[4] - '0') : 0;
  if (!shaped || hours > 23 || minutes > 59) {
    return Bad(key, "\"" + std::string(hhmm) + "\" is not a time of day \"HH:MM\"");
  }
  constexpr int64_t kDayMs = 86'400'000;
  int64_t day_start = start_ms - ((start_ms % kDayMs) + kDayMs) % kDayMs;
  return day_start + (int64_t{hours} * 60 + minutes) * 60'000;
}

Status ReadCarrier(Table& table, const Scenario& scenario, CarrierPlan& carrier) {
  ENTREPOT_RETURN_IF_ERROR(table.Text("code", carrier.code));
  if (!IsCarrierCode(carrier.code)) {
    return Bad(table.path() + ".code", "must be 1..64 of A-Z a-z 0-9 . _ -");
  }
  ENTREPOT_RETURN_IF_ERROR(table.Strings("doors", carrier.doors));
  if (carrier.doors.empty())
    return Bad(table.path() + ".doors", "needs at least one door");
  std::vector<std::string> cutoffs;
  ENTREPOT_RETURN_IF_ERROR(table.Strings("cutoffs", cutoffs));
  if (cutoffs.empty())
    return Bad(table.path() + ".cutoffs", "needs at least one time");
  for (const std::string& text : cutoffs) {
    ENTREPOT_ASSIGN_OR_RETURN(int64_t at,
                              CutoffOnStartDay(text, scenario.start_ms, table.path() + ".cutoffs"));
    if (!carrier.cutoffs_ms.empty() && at <= carrier.cutoffs_ms.back()) {
      return Bad(table.path() + ".cutoffs", "must be in ascending order");
    }
    carrier.cutoffs_ms.push_back(at);
  }
  return table.Finish();
}

Status ReadSections(Table& root, Scenario& s) {
  ENTREPOT_ASSIGN_OR_RETURN(Table staff, root.Sub("staff"));
  ENTREPOT_RETURN_IF_ERROR(staff.Int("receive", 1, 500, s.receivers));
  ENTREPOT_RETURN_IF_ERROR(staff.Int("stow", 1, 500, s.stowers));
  ENTREPOT_RETURN_IF_ERROR(staff.Int("pick", 1, 500, s.pickers));
  ENTREPOT_RETURN_IF_ERROR(staff.Int("pack", 1, 500, s.packers));
  ENTREPOT_RETURN_IF_ERROR(staff.Int("ship", 1, 500, s.shippers));
  ENTREPOT_RETURN_IF_ERROR(staff.Finish());

  ENTREPOT_ASSIGN_OR_RETURN(Table inbound, root.Sub("inbound"));
  ENTREPOT_RETURN_IF_ERROR(inbound.Int("trucks", 0, kMaxScenarioTrucks, s.trucks));
  ENTREPOT_RETURN_IF_ERROR(inbound.Int("pallets_per_truck", 1, 60, s.pallets_per_truck));
  ENTREPOT_RETURN_IF_ERROR(inbound.Int("products_per_pallet", 1, 50, s.products_per_pallet));
  ENTREPOT_RETURN_IF_ERROR(inbound.Int("units_per_product", 1, 500, s.units_per_product));
  ENTREPOT_RETURN_IF_ERROR(inbound.Finish());

  ENTREPOT_ASSIGN_OR_RETURN(Table orders, root.Sub("orders"));
  ENTREPOT_RETURN_IF_ERROR(orders.Real("per_hour", 0, 100'000, s.orders_per_hour));
  ENTREPOT_RETURN_IF_ERROR(orders.Int("max_lines", 1, 20, s.max_lines));
  ENTREPOT_RETURN_IF_ERROR(orders.Int("max_units_per_line", 1, 20, s.max_units_per_line));
  ENTREPOT_RETURN_IF_ERROR(orders.Int("per_batch", 1, 64, s.orders_per_batch));
  ENTREPOT_RETURN_IF_ERROR(orders.Int("release_every_minutes", 1, 120, s.release_every_minutes));
  ENTREPOT_RETURN_IF_ERROR(orders.Finish());

  ENTREPOT_ASSIGN_OR_RETURN(Table cadence, root.Sub("cadence"));
  ENTREPOT_RETURN_IF_ERROR(cadence.Real("scan_seconds", 0.5, 600, s.scan_seconds));
  ENTREPOT_RETURN_IF_ERROR(cadence.Real("travel_seconds", 0, 3600, s.travel_seconds));
  ENTREPOT_RETURN_IF_ERROR(cadence.Real("skill_spread", 0, 0.5, s.skill_spread));
  ENTREPOT_RETURN_IF_ERROR(cadence.Int("break_minutes", 0, 120, s.break_minutes));
  ENTREPOT_RETURN_IF_ERROR(cadence.Finish());

  ENTREPOT_ASSIGN_OR_RETURN(Table mistakes, root.Sub("mistakes"));
  ENTREPOT_RETURN_IF_ERROR(mistakes.Real("wrong_bin", 0, 0.2, s.wrong_bin));
  ENTREPOT_RETURN_IF_ERROR(mistakes.Real("wrong_unit", 0, 0.2, s.wrong_unit));
  ENTREPOT_RETURN_IF_ERROR(mistakes.Real("damaged_label", 0, 0.2, s.damaged_label));
  return mistakes.Finish();
}

Status ReadCarriers(Table& root, Scenario& s) {
  const toml::array* carriers = root.Array("carriers");
  if (carriers == nullptr)
    return OkStatus();
  if (carriers->size() > kMaxScenarioCarriers) {
    return Bad("carriers", "at most " + std::to_string(kMaxScenarioCarriers) + " carriers");
  }
  for (size_t i = 0; i < carriers->size(); ++i) {
    std::string path = "carriers[" + std::to_string(i) + "]";
    const toml::table* table = carriers->get(i)->as_table();
    if (table == nullptr)
      return Bad(path, "must be a table");
    Table carrier_table(table, path);
    ENTREPOT_RETURN_IF_ERROR(ReadCarrier(carrier_table, s, s.carriers.emplace_back()));
    for (size_t j = 0; j + 1 < s.carriers.size(); ++j) {
      if (s.carriers[j].code == s.carriers.back().code) {
        return Bad(path + ".code", "\"" + s.carriers.back().code + "\" is listed twice");
      }
    }
  }
  return OkStatus();
}

}  // namespace

StatusOr<Scenario> ParseScenarioToml(std::string_view text) {
  if (text.size() > kMaxScenarioTomlBytes) {
    return Bad("scenario", "the file is larger than 1 MiB");
  }
  toml::parse_result parsed = toml::parse(text);
  if (!parsed) {
    const toml::parse_error& error = parsed.error();
    return Error(StatusCode::kInvalidArgument, "bad_toml",
                 std::string(error.description()) + " (line " +
                     std::to_string(error.source().begin.line) + ", column " +
                     std::to_string(error.source().begin.column) + ")");
  }
  Scenario s;
  Table root(&parsed.table(), "");
  int64_t seed = 1;
  ENTREPOT_RETURN_IF_ERROR(root.Int64("seed", 0, INT64_MAX, seed));
  s.seed = static_cast<uint64_t>(seed);
  std::string start;
  ENTREPOT_RETURN_IF_ERROR(root.Text("start", start));
  if (!start.empty()) {
    StatusOr<int64_t> start_ms = wire::ParseRfc3339Ms(start);
    if (!start_ms.ok())
      return Bad("start", start_ms.status().message());
    s.start_ms = *start_ms;
  }
  ENTREPOT_RETURN_IF_ERROR(root.Int("minutes", 1, kMaxScenarioMinutes, s.minutes));
  ENTREPOT_RETURN_IF_ERROR(root.Real("speed", 0, 100'000, s.speed));
  std::string picking = "directed";
  ENTREPOT_RETURN_IF_ERROR(root.Text("picking", picking));
  if (picking != "directed" && picking != "free") {
    return Bad("picking", "must be \"directed\" or \"free\"");
  }
  s.directed_picking = picking == "directed";
  ENTREPOT_RETURN_IF_ERROR(ReadSections(root, s));
  ENTREPOT_RETURN_IF_ERROR(ReadCarriers(root, s));
  ENTREPOT_RETURN_IF_ERROR(root.Finish());
  if (s.workers() > kMaxScenarioWorkers) {
    return Bad("staff", "at most " + std::to_string(kMaxScenarioWorkers) + " workers in all");
  }
  return s;
}

}  // namespace entrepot::sim
