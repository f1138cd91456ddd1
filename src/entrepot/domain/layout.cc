#include "entrepot/domain/layout.h"

#include <algorithm>
#include <initializer_list>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "entrepot/base/status_macros.h"
#include "entrepot/base/toml.h"
#include "entrepot/domain/container_id.h"
#include "entrepot/domain/gs1/check_digit.h"
#include "entrepot/domain/gs1/element_string.h"
#include "entrepot/domain/labels.h"

namespace entrepot::domain {
namespace {

// ---------------------------------------------------------------------------------------------
// Limits and bounds of the file format (docs/LAYOUT.md).

constexpr size_t kMaxZoneCodeLength = 16;
constexpr size_t kMaxNameBytes = 200;
constexpr size_t kMaxDescriptionBytes = 500;

struct Bounds {
  int64_t min;
  int64_t max;
};
// The rack-bin code "<zone>-<aisle 2>-<bay 3>-<level 1>-<position 1>" fixes these.
constexpr Bounds kAisleBounds{1, 99};
constexpr Bounds kBayBounds{1, 999};
constexpr Bounds kLevelBounds{1, 9};
constexpr Bounds kPositionBounds{1, 9};
// Explicit locations may carry any coordinates; 0 means "not set".
constexpr Bounds kCoordinateBounds{0, INT32_MAX};
constexpr Bounds kCapacityBounds{0, kMaxLocationCapacityUnits};
constexpr Bounds kDigitsBounds{1, 9};
constexpr Bounds kNumberBounds{0, 999'999'999};

// ---------------------------------------------------------------------------------------------
// Error messages that name the entry and the place in the file.

std::string Quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

std::string Where(const toml::node* node) {
  if (node == nullptr || !node->source().begin) {
    return "";
  }
  const toml::source_position& begin = node->source().begin;
  return " (line " + std::to_string(begin.line) + ", column " + std::to_string(begin.column) + ")";
}

// A table being read, e.g. "locations[12]", named in every error about it.
struct Entry {
  std::string name;
  const toml::table& table;
};

Status EntryError(const Entry& entry, const toml::node* at, std::string_view reason,
                  const std::string& problem) {
  return Error(StatusCode::kInvalidArgument, std::string(reason),
               entry.name + ": " + problem + Where(at != nullptr ? at : &entry.table));
}

Status LayoutError(const Entry& entry, const toml::node* at, const std::string& problem) {
  return EntryError(entry, at, "bad_layout", problem);
}

// Keeps the reason of a Status from a helper (labels, model, GTIN) and adds the entry.
Status InEntry(const Status& status, const Entry& entry, const toml::node* at) {
  return Error(status.code(), status.reason(),
               entry.name + ": " + status.message() + Where(at != nullptr ? at : &entry.table));
}

Status TooLarge(const Entry& entry, const toml::node* at, const std::string& problem) {
  return Error(StatusCode::kResourceExhausted, "layout_too_large",
               entry.name + ": " + problem + Where(at));
}

std::string_view TypeName(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time:
      return "a date or time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

// ---------------------------------------------------------------------------------------------
// Reading typed fields of an entry.

Status CheckKeys(const Entry& entry, std::initializer_list<std::string_view> allowed) {
  for (auto&& [key, value] : entry.table) {
    if (std::find(allowed.begin(), allowed.end(), key.str()) != allowed.end()) {
      continue;
    }
    std::string expected;
    for (std::string_view name : allowed) {
      expected += expected.empty() ? "" : ", ";
      expected += name;
    }
    return LayoutError(entry, &value,
                       "unknown key " + Quoted(key.str()) + " (expected: " + expected + ")");
  }
  return OkStatus();
}

StatusOr<std::optional<std::string>> OptionalString(const Entry& entry, std::string_view key) {
  const toml::node* node = entry.table.get(key);
  if (node == nullptr) {
    return std::optional<std::string>();
  }
  if (!node->is_string()) {
    return LayoutError(entry, node,
                       std::string(key) + " must be a string, not " + std::string(TypeName(*node)));
  }
  return std::optional<std::string>(node->as_string()->get());
}

StatusOr<std::string> RequiredString(const Entry& entry, std::string_view key) {
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<std::string> value, OptionalString(entry, key));
  if (!value.has_value()) {
    return LayoutError(entry, nullptr, "missing key " + Quoted(key));
  }
  return std::move(*value);
}

StatusOr<std::string> Name(const Entry& entry, std::string_view key, size_t max_bytes) {
  ENTREPOT_ASSIGN_OR_RETURN(std::string name, RequiredString(entry, key));
  if (name.empty() || name.size() > max_bytes) {
    return LayoutError(entry, entry.table.get(key),
                       std::string(key) + " must have 1 to " + std::to_string(max_bytes) +
                           " bytes, not " + std::to_string(name.size()));
  }
  return name;
}

Status CheckBounds(const Entry& entry, const toml::node* node, std::string_view what, int64_t value,
                   Bounds bounds) {
  if (value < bounds.min || value > bounds.max) {
    return LayoutError(entry, node,
                       std::string(what) + " is " + std::to_string(value) + "; it must be in [" +
                           std::to_string(bounds.min) + ", " + std::to_string(bounds.max) + "]");
  }
  return OkStatus();
}

StatusOr<std::optional<int64_t>> OptionalInteger(const Entry& entry, std::string_view key,
                                                 Bounds bounds) {
  const toml::node* node = entry.table.get(key);
  if (node == nullptr) {
    return std::optional<int64_t>();
  }
  if (!node->is_integer()) {
    return LayoutError(
        entry, node, std::string(key) + " must be an integer, not " + std::string(TypeName(*node)));
  }
  int64_t value = node->as_integer()->get();
  ENTREPOT_RETURN_IF_ERROR(CheckBounds(entry, node, key, value, bounds));
  return std::optional<int64_t>(value);
}

StatusOr<int64_t> RequiredInteger(const Entry& entry, std::string_view key, Bounds bounds) {
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<int64_t> value, OptionalInteger(entry, key, bounds));
  if (!value.has_value()) {
    return LayoutError(entry, nullptr, "missing key " + Quoted(key));
  }
  return *value;
}

// An inclusive range of integers, written [from, to] or as one integer.
struct Span {
  int64_t from;
  int64_t to;
  size_t Count() const { return static_cast<size_t>(to - from + 1); }
};

StatusOr<Span> SpanField(const Entry& entry, std::string_view key, Bounds bounds,
                         std::optional<Span> default_span) {
  const toml::node* node = entry.table.get(key);
  if (node == nullptr) {
    if (default_span.has_value()) {
      return *default_span;
    }
    return LayoutError(entry, nullptr, "missing key " + Quoted(key));
  }
  Span span{};
  if (node->is_integer()) {
    span = {node->as_integer()->get(), node->as_integer()->get()};
  } else if (const toml::array* array = node->as_array();
             array != nullptr && array->size() == 2 && array->is_homogeneous<int64_t>()) {
    span = {array->get(0)->as_integer()->get(), array->get(1)->as_integer()->get()};
  } else {
    return LayoutError(entry, node,
                       std::string(key) + " must be [from, to] or one integer, not " +
                           std::string(TypeName(*node)));
  }
  if (span.from > span.to) {
    return LayoutError(entry, node,
                       std::string(key) + " goes from " + std::to_string(span.from) + " down to " +
                           std::to_string(span.to) + "; from must be <= to");
  }
  ENTREPOT_RETURN_IF_ERROR(CheckBounds(entry, node, std::string(key) + " from", span.from, bounds));
  ENTREPOT_RETURN_IF_ERROR(CheckBounds(entry, node, std::string(key) + " to", span.to, bounds));
  return span;
}

// Returns the array of tables under `key`, or nullptr if the file has none.
StatusOr<const toml::array*> ArrayOfTables(const Entry& root, std::string_view key) {
  const toml::node* node = root.table.get(key);
  if (node == nullptr) {
    return static_cast<const toml::array*>(nullptr);
  }
  const toml::array* array = node->as_array();
  if (array == nullptr || (!array->empty() && !array->is_array_of_tables())) {
    return LayoutError(root, node,
                       Quoted(key) + " must be an array of tables, written [[" + std::string(key) +
                           "]], not " + std::string(TypeName(*node)));
  }
  return array;
}

// ---------------------------------------------------------------------------------------------
// GS1 identifiers, checked by the GS1 module against the Barcode Syntax Dictionary.

// GTIN-8, -12, -13 or -14 to the 14-digit form. A wrong length or character is "bad_gtin"
// here (the layout's reason); a wrong check digit keeps "bad_check_digit".
StatusOr<std::string> NormalizeGtin(std::string_view text) {
  StatusOr<std::string> gtin = gs1::NormalizeGtin(text);
  if (!gtin.ok() && gtin.status().reason() != "bad_check_digit") {
    return Error(StatusCode::kInvalidArgument, "bad_gtin",
                 "GTIN " + Quoted(text) + " must be 8, 12, 13 or 14 digits");
  }
  return gtin;
}

std::string ZeroPadded(int64_t value, int digits) {
  std::string text = std::to_string(value);
  if (text.size() < static_cast<size_t>(digits)) {
    text.insert(0, static_cast<size_t>(digits) - text.size(), '0');
  }
  return text;
}

// ---------------------------------------------------------------------------------------------
// The parser: reads the tables in a fixed order and keeps the indexes that validation needs.

class LayoutParser {
 public:
  StatusOr<Layout> Parse(const toml::table& root);

 private:
  // Calls `read` on every entry of the array of tables `key`, naming each "key[i]".
  template <typename Read>
  Status ForEachEntry(const Entry& root, std::string_view key, size_t max_entries, Read read);

  Status ReadSite(const Entry& root);
  Status ReadZone(const Entry& entry);
  Status ReadLocation(const Entry& entry);
  Status ReadLocationRange(const Entry& entry);
  Status ReadProduct(const Entry& entry);
  Status ReadContainer(const Entry& entry);
  Status ReadContainerRange(const Entry& entry);

  StatusOr<std::string> ZoneField(const Entry& entry, std::string_view key, bool required);
  Status AddLocation(const Entry& entry, Location location);
  Status AddContainer(const Entry& entry, ContainerSpec container);
  Status ReserveLocations(const Entry& entry, size_t count);
  Status ReserveContainers(const Entry& entry, size_t count);
  std::string LocationOrigin(size_t index) const;
  std::string ContainerOrigin(size_t index) const;

  Layout layout_;
  std::unordered_map<std::string, size_t> zone_index_;
  std::unordered_map<std::string, size_t> location_index_;
  std::unordered_map<std::string, size_t> product_index_;
  std::unordered_map<std::string, size_t> container_index_;
  // Where each range's output starts in layout_.locations / layout_.containers, so a
  // duplicate can name the entry that defined the first copy.
  size_t explicit_locations_ = 0;
  std::vector<size_t> location_range_starts_;
  size_t explicit_containers_ = 0;
  std::vector<size_t> container_range_starts_;
};

template <typename Read>
Status LayoutParser::ForEachEntry(const Entry& root, std::string_view key, size_t max_entries,
                                  Read read) {
  ENTREPOT_ASSIGN_OR_RETURN(const toml::array* array, ArrayOfTables(root, key));
  if (array == nullptr) {
    return OkStatus();
  }
  if (array->size() > max_entries) {
    return TooLarge(root, array,
                    std::to_string(array->size()) + " [[" + std::string(key) +
                        "]] entries; at most " + std::to_string(max_entries) + " are allowed");
  }
  for (size_t i = 0; i < array->size(); ++i) {
    Entry entry{std::string(key) + "[" + std::to_string(i) + "]", *array->get(i)->as_table()};
    ENTREPOT_RETURN_IF_ERROR((this->*read)(entry));
  }
  return OkStatus();
}

StatusOr<Layout> LayoutParser::Parse(const toml::table& root_table) {
  const Entry root{"layout", root_table};
  ENTREPOT_RETURN_IF_ERROR(CheckKeys(root, {"site", "zones", "locations", "location_ranges",
                                            "products", "containers", "container_ranges"}));
  ENTREPOT_RETURN_IF_ERROR(ReadSite(root));
  ENTREPOT_RETURN_IF_ERROR(ForEachEntry(root, "zones", kMaxLayoutZones, &LayoutParser::ReadZone));
  ENTREPOT_RETURN_IF_ERROR(
      ForEachEntry(root, "locations", kMaxLayoutLocations, &LayoutParser::ReadLocation));
  explicit_locations_ = layout_.locations.size();
  ENTREPOT_RETURN_IF_ERROR(
      ForEachEntry(root, "location_ranges", kMaxLayoutLocations, &LayoutParser::ReadLocationRange));
  ENTREPOT_RETURN_IF_ERROR(
      ForEachEntry(root, "products", kMaxLayoutProducts, &LayoutParser::ReadProduct));
  ENTREPOT_RETURN_IF_ERROR(
      ForEachEntry(root, "containers", kMaxLayoutContainers, &LayoutParser::ReadContainer));
  explicit_containers_ = layout_.containers.size();
  ENTREPOT_RETURN_IF_ERROR(ForEachEntry(root, "container_ranges", kMaxLayoutContainers,
                                        &LayoutParser::ReadContainerRange));
  return std::move(layout_);
}

Status LayoutParser::ReadSite(const Entry& root) {
  const toml::node* node = root.table.get("site");
  if (node == nullptr || !node->is_table()) {
    return LayoutError(root, node, "a [site] table with code and name is required");
  }
  const Entry site{"site", *node->as_table()};
  ENTREPOT_RETURN_IF_ERROR(CheckKeys(site, {"code", "name"}));
  ENTREPOT_ASSIGN_OR_RETURN(layout_.site_code, RequiredString(site, "code"));
  if (Status valid = ValidateLabelCode(layout_.site_code); !valid.ok()) {
    // Same syntax as a label code, but a bad site code is a layout error, not a label one.
    return LayoutError(site, site.table.get("code"), "site " + valid.message());
  }
  ENTREPOT_ASSIGN_OR_RETURN(layout_.site_name, Name(site, "name", kMaxNameBytes));
  return OkStatus();
}

Status LayoutParser::ReadZone(const Entry& entry) {
  ENTREPOT_RETURN_IF_ERROR(CheckKeys(entry, {"code", "name"}));
  ENTREPOT_ASSIGN_OR_RETURN(std::string code, RequiredString(entry, "code"));
  bool alnum = std::all_of(code.begin(), code.end(),
                           [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'); });
  if (code.empty() || code.size() > kMaxZoneCodeLength || !alnum) {
    return LayoutError(entry, entry.table.get("code"),
                       "zone code " + Quoted(code) + " must be 1 to " +
                           std::to_string(kMaxZoneCodeLength) + " upper-case letters and digits");
  }
  ENTREPOT_ASSIGN_OR_RETURN(std::string name, Name(entry, "name", kMaxNameBytes));
  auto [it, inserted] = zone_index_.emplace(code, layout_.zones.size());
  if (!inserted) {
    return LayoutError(entry, entry.table.get("code"),
                       "zone " + Quoted(code) + " is already defined by zones[" +
                           std::to_string(it->second) + "]");
  }
  layout_.zones.push_back(Zone{std::move(code), std::move(name)});
  return OkStatus();
}

StatusOr<std::string> LayoutParser::ZoneField(const Entry& entry, std::string_view key,
                                              bool required) {
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<std::string> zone, OptionalString(entry, key));
  if (!zone.has_value() || (zone->empty() && !required)) {
    if (required) {
      return LayoutError(entry, nullptr, "missing key " + Quoted(key));
    }
    return std::string();
  }
  if (!zone_index_.contains(*zone)) {
    return LayoutError(entry, entry.table.get(key),
                       std::string(key) + " " + Quoted(*zone) + " is not defined");
  }
  return std::move(*zone);
}

StatusOr<LocationType> LocationTypeField(const Entry& entry) {
  ENTREPOT_ASSIGN_OR_RETURN(std::string name, RequiredString(entry, "type"));
  StatusOr<LocationType> type = ParseLocationType(name);
  if (!type.ok()) {
    return InEntry(type.status(), entry, entry.table.get("type"));
  }
  return *type;
}

StatusOr<ContainerType> ContainerTypeField(const Entry& entry) {
  ENTREPOT_ASSIGN_OR_RETURN(std::string name, RequiredString(entry, "type"));
  StatusOr<ContainerType> type = ParseContainerType(name);
  if (!type.ok()) {
    return InEntry(type.status(), entry, entry.table.get("type"));
  }
  return *type;
}

Status LayoutParser::ReadLocation(const Entry& entry) {
  ENTREPOT_RETURN_IF_ERROR(
      CheckKeys(entry, {"code", "zone", "type", "capacity", "aisle", "bay", "level", "position"}));
  Location location;
  ENTREPOT_ASSIGN_OR_RETURN(location.code, RequiredString(entry, "code"));
  if (Status valid = ValidateLabelCode(location.code); !valid.ok()) {
    return InEntry(valid, entry, entry.table.get("code"));
  }
  ENTREPOT_ASSIGN_OR_RETURN(location.zone, ZoneField(entry, "zone", /*required=*/true));
  ENTREPOT_ASSIGN_OR_RETURN(location.type, LocationTypeField(entry));
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<int64_t> capacity,
                            OptionalInteger(entry, "capacity", kCapacityBounds));
  location.capacity_units = capacity.value_or(0);
  int32_t* coordinates[] = {&location.aisle, &location.bay, &location.level, &location.position};
  const std::string_view keys[] = {"aisle", "bay", "level", "position"};
  for (size_t i = 0; i < 4; ++i) {
    ENTREPOT_ASSIGN_OR_RETURN(std::optional<int64_t> value,
                              OptionalInteger(entry, keys[i], kCoordinateBounds));
    *coordinates[i] = static_cast<int32_t>(value.value_or(0));
  }
  return AddLocation(entry, std::move(location));
}

Status LayoutParser::ReadLocationRange(const Entry& entry) {
  ENTREPOT_RETURN_IF_ERROR(
      CheckKeys(entry, {"zone", "type", "aisles", "bays", "levels", "positions", "capacity"}));
  ENTREPOT_ASSIGN_OR_RETURN(std::string zone, ZoneField(entry, "zone", /*required=*/true));
  ENTREPOT_ASSIGN_OR_RETURN(LocationType type, LocationTypeField(entry));
  ENTREPOT_ASSIGN_OR_RETURN(Span aisles, SpanField(entry, "aisles", kAisleBounds, std::nullopt));
  ENTREPOT_ASSIGN_OR_RETURN(Span bays, SpanField(entry, "bays", kBayBounds, std::nullopt));
  ENTREPOT_ASSIGN_OR_RETURN(Span levels, SpanField(entry, "levels", kLevelBounds, std::nullopt));
  ENTREPOT_ASSIGN_OR_RETURN(Span positions,
                            SpanField(entry, "positions", kPositionBounds, Span{1, 1}));
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<int64_t> capacity,
                            OptionalInteger(entry, "capacity", kCapacityBounds));
  // At most 99 * 999 * 9 * 9 bins, so the product cannot overflow.
  ENTREPOT_RETURN_IF_ERROR(
      ReserveLocations(entry, aisles.Count() * bays.Count() * levels.Count() * positions.Count()));
  location_range_starts_.push_back(layout_.locations.size());
  // Bounds were checked against the code scheme, so the narrowing casts are exact.
  for (auto aisle = static_cast<int32_t>(aisles.from); aisle <= aisles.to; ++aisle) {
    for (auto bay = static_cast<int32_t>(bays.from); bay <= bays.to; ++bay) {
      for (auto level = static_cast<int32_t>(levels.from); level <= levels.to; ++level) {
        for (auto position = static_cast<int32_t>(positions.from); position <= positions.to;
             ++position) {
          ENTREPOT_RETURN_IF_ERROR(AddLocation(
              entry, Location{.code = RackLocationCode(zone, aisle, bay, level, position),
                              .zone = zone,
                              .aisle = aisle,
                              .bay = bay,
                              .level = level,
                              .position = position,
                              .type = type,
                              .capacity_units = capacity.value_or(0)}));
        }
      }
    }
  }
  return OkStatus();
}

Status LayoutParser::ReserveLocations(const Entry& entry, size_t count) {
  if (count > kMaxLayoutLocations - layout_.locations.size()) {
    return TooLarge(entry, &entry.table,
                    "this range brings the site to " +
                        std::to_string(layout_.locations.size() + count) + " locations; at most " +
                        std::to_string(kMaxLayoutLocations) + " are allowed");
  }
  layout_.locations.reserve(layout_.locations.size() + count);
  return OkStatus();
}

Status LayoutParser::AddLocation(const Entry& entry, Location location) {
  if (layout_.locations.size() >= kMaxLayoutLocations) {
    return TooLarge(entry, &entry.table,
                    "more than " + std::to_string(kMaxLayoutLocations) + " locations");
  }
  auto [it, inserted] = location_index_.emplace(location.code, layout_.locations.size());
  if (!inserted) {
    return LayoutError(entry, entry.table.get("code"),
                       "location " + Quoted(location.code) + " is already defined by " +
                           LocationOrigin(it->second));
  }
  layout_.locations.push_back(std::move(location));
  return OkStatus();
}

std::string LayoutParser::LocationOrigin(size_t index) const {
  if (index < explicit_locations_ || location_range_starts_.empty()) {
    return "locations[" + std::to_string(index) + "]";
  }
  auto after =
      std::upper_bound(location_range_starts_.begin(), location_range_starts_.end(), index);
  return "location_ranges[" + std::to_string(after - location_range_starts_.begin() - 1) + "]";
}

Status LayoutParser::ReadProduct(const Entry& entry) {
  ENTREPOT_RETURN_IF_ERROR(CheckKeys(entry, {"gtin", "description", "home_zone"}));
  const toml::node* gtin_node = entry.table.get("gtin");
  if (gtin_node != nullptr && gtin_node->is_integer()) {
    return EntryError(entry, gtin_node, "bad_gtin",
                      "gtin must be a quoted string (\"09506000000012\") so that leading zeros "
                      "are kept");
  }
  ENTREPOT_ASSIGN_OR_RETURN(std::string gtin_text, RequiredString(entry, "gtin"));
  StatusOr<std::string> gtin = NormalizeGtin(gtin_text);
  if (!gtin.ok()) {
    return InEntry(gtin.status(), entry, gtin_node);
  }
  Product product;
  product.gtin = std::move(gtin).value();
  ENTREPOT_ASSIGN_OR_RETURN(product.description, Name(entry, "description", kMaxDescriptionBytes));
  ENTREPOT_ASSIGN_OR_RETURN(product.home_zone, ZoneField(entry, "home_zone", /*required=*/false));
  auto [it, inserted] = product_index_.emplace(product.gtin, layout_.products.size());
  if (!inserted) {
    return LayoutError(entry, gtin_node,
                       "GTIN " + product.gtin + " is already defined by products[" +
                           std::to_string(it->second) + "]");
  }
  layout_.products.push_back(std::move(product));
  return OkStatus();
}

Status LayoutParser::ReadContainer(const Entry& entry) {
  ENTREPOT_RETURN_IF_ERROR(CheckKeys(entry, {"id", "label", "type"}));
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<std::string> id, OptionalString(entry, "id"));
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<std::string> label, OptionalString(entry, "label"));
  if (id.has_value() == label.has_value()) {
    return LayoutError(entry, nullptr, "give exactly one of \"id\" and \"label\"");
  }
  ContainerSpec container;
  const toml::node* id_node = entry.table.get(id.has_value() ? "id" : "label");
  container.id = id.has_value() ? std::move(*id) : "label:" + *label;
  if (Status valid = ValidateContainerId(container.id); !valid.ok()) {
    // A malformed id is the layout's mistake ("bad_layout"); a wrong check digit keeps its
    // own reason.
    return InEntry(valid.reason() == "bad_container_id"
                       ? Error(StatusCode::kInvalidArgument, "bad_layout", valid.message())
                       : valid,
                   entry, id_node);
  }
  ENTREPOT_ASSIGN_OR_RETURN(container.type, ContainerTypeField(entry));
  return AddContainer(entry, std::move(container));
}

Status LayoutParser::ReadContainerRange(const Entry& entry) {
  ENTREPOT_RETURN_IF_ERROR(CheckKeys(entry, {"type", "prefix", "from", "to", "digits"}));
  ENTREPOT_ASSIGN_OR_RETURN(ContainerType type, ContainerTypeField(entry));
  ENTREPOT_ASSIGN_OR_RETURN(std::string prefix, RequiredString(entry, "prefix"));
  ENTREPOT_ASSIGN_OR_RETURN(int64_t digits, RequiredInteger(entry, "digits", kDigitsBounds));
  ENTREPOT_ASSIGN_OR_RETURN(int64_t from, RequiredInteger(entry, "from", kNumberBounds));
  ENTREPOT_ASSIGN_OR_RETURN(int64_t to, RequiredInteger(entry, "to", kNumberBounds));
  if (from > to) {
    return LayoutError(
        entry, entry.table.get("to"),
        "from " + std::to_string(from) + " is greater than to " + std::to_string(to));
  }
  if (std::to_string(to).size() > static_cast<size_t>(digits)) {
    return LayoutError(
        entry, entry.table.get("to"),
        "to " + std::to_string(to) + " does not fit in " + std::to_string(digits) + " digits");
  }
  // Every generated code has the same shape, so checking one checks them all.
  const int width = static_cast<int>(digits);
  if (Status valid = ValidateLabelCode(prefix + ZeroPadded(from, width)); !valid.ok()) {
    return InEntry(valid, entry, entry.table.get("prefix"));
  }
  ENTREPOT_RETURN_IF_ERROR(ReserveContainers(entry, static_cast<size_t>(to - from + 1)));
  container_range_starts_.push_back(layout_.containers.size());
  for (int64_t number = from; number <= to; ++number) {
    ENTREPOT_RETURN_IF_ERROR(
        AddContainer(entry, ContainerSpec{"label:" + prefix + ZeroPadded(number, width), type}));
  }
  return OkStatus();
}

Status LayoutParser::ReserveContainers(const Entry& entry, size_t count) {
  if (count > kMaxLayoutContainers - layout_.containers.size()) {
    return TooLarge(
        entry, &entry.table,
        "this range brings the site to " + std::to_string(layout_.containers.size() + count) +
            " containers; at most " + std::to_string(kMaxLayoutContainers) + " are allowed");
  }
  layout_.containers.reserve(layout_.containers.size() + count);
  return OkStatus();
}

Status LayoutParser::AddContainer(const Entry& entry, ContainerSpec container) {
  if (layout_.containers.size() >= kMaxLayoutContainers) {
    return TooLarge(entry, &entry.table,
                    "more than " + std::to_string(kMaxLayoutContainers) + " containers");
  }
  auto [it, inserted] = container_index_.emplace(container.id, layout_.containers.size());
  if (!inserted) {
    return LayoutError(entry, nullptr,
                       "container " + Quoted(container.id) + " is already defined by " +
                           ContainerOrigin(it->second));
  }
  layout_.containers.push_back(std::move(container));
  return OkStatus();
}

std::string LayoutParser::ContainerOrigin(size_t index) const {
  if (index < explicit_containers_ || container_range_starts_.empty()) {
    return "containers[" + std::to_string(index) + "]";
  }
  auto after =
      std::upper_bound(container_range_starts_.begin(), container_range_starts_.end(), index);
  return "container_ranges[" + std::to_string(after - container_range_starts_.begin() - 1) + "]";
}

}  // namespace

StatusOr<Layout> ParseLayoutToml(std::string_view toml_text) {
  if (toml_text.size() > kMaxLayoutTomlBytes) {
    return Error(StatusCode::kResourceExhausted, "layout_too_large",
                 "layout file has " + std::to_string(toml_text.size()) + " bytes; at most " +
                     std::to_string(kMaxLayoutTomlBytes) + " are allowed");
  }
  toml::parse_result parsed = toml::parse(toml_text);
  if (!parsed) {
    const toml::parse_error& error = parsed.error();
    const toml::source_position& begin = error.source().begin;
    return Error(StatusCode::kInvalidArgument, "bad_toml",
                 std::string(error.description()) + " (line " + std::to_string(begin.line) +
                     ", column " + std::to_string(begin.column) + ")");
  }
  LayoutParser parser;
  return parser.Parse(parsed.table());
}

std::string RackLocationCode(std::string_view zone, int32_t aisle, int32_t bay, int32_t level,
                             int32_t position) {
  ENTREPOT_CHECK(aisle >= 0);
  ENTREPOT_CHECK(aisle <= 99);
  ENTREPOT_CHECK(bay >= 0);
  ENTREPOT_CHECK(bay <= 999);
  ENTREPOT_CHECK(level >= 0);
  ENTREPOT_CHECK(level <= 9);
  ENTREPOT_CHECK(position >= 0);
  ENTREPOT_CHECK(position <= 9);
  return std::string(zone) + "-" + ZeroPadded(aisle, 2) + "-" + ZeroPadded(bay, 3) + "-" +
         ZeroPadded(level, 1) + "-" + ZeroPadded(position, 1);
}

}  // namespace entrepot::domain
