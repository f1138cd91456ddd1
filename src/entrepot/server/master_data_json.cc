#include "entrepot/server/master_data_json.h"

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <variant>

#include "entrepot/base/status_macros.h"
#include "entrepot/domain/labels.h"
#include "entrepot/domain/layout.h"

namespace entrepot::server {
namespace {

using nlohmann::json;

// Field names in messages are cut so that a hostile name cannot flood a log line.
constexpr size_t kMaxEchoedNameBytes = 64;

std::string Quoted(std::string_view text) {
  if (text.size() > kMaxEchoedNameBytes) {
    return "\"" + std::string(text.substr(0, kMaxEchoedNameBytes)) + "…\"";
  }
  return "\"" + std::string(text) + "\"";
}

Status Invalid(std::string reason, std::string message) {
  return Error(StatusCode::kInvalidArgument, std::move(reason), std::move(message));
}

// "an array", "a string", "null", ...: a JSON value's type in a message.
std::string TypeName(const json& value) {
  if (value.is_null()) {
    return "null";
  }
  if (value.is_number() && !value.is_number_integer()) {
    return "a number with a fraction or exponent";
  }
  std::string name = value.type_name();
  return (value.is_array() || value.is_object() ? "an " : "a ") + name;
}

// Parses `body` as one JSON object whose fields appear once each.
StatusOr<json> ParseObject(std::string_view body) {
  if (body.size() > kMaxMasterDataBodyBytes) {
    return Error(StatusCode::kResourceExhausted, "body_too_large",
                 "the body has " + std::to_string(body.size()) + " bytes; at most " +
                     std::to_string(kMaxMasterDataBodyBytes) + " are accepted");
  }
  std::set<std::string, std::less<>> seen;
  std::optional<std::string> duplicate;
  // nlohmann keeps the last of two equal keys silently: the callback sees each key of the
  // top-level object (depth 1) as it is read.
  auto callback = [&](int depth, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::key && depth == 1 && parsed.is_string() && !duplicate) {
      if (!seen.insert(parsed.get_ref<const std::string&>()).second) {
        duplicate = parsed.get_ref<const std::string&>();
      }
    }
    return true;
  };
  json value;
  // The one place this module meets a throwing library: nothing escapes it.
  try {
    value = json::parse(body.begin(), body.end(), callback);
  } catch (const json::parse_error& error) {
    return Invalid("bad_json",
                   "the body is not valid JSON (at byte " + std::to_string(error.byte) + ")");
  } catch (const json::exception&) {
    return Invalid("bad_json", "the body is not valid JSON");
  }
  if (!value.is_object()) {
    return Invalid("bad_json", "the body must be a JSON object, not " + TypeName(value));
  }
  if (duplicate) {
    return Invalid("duplicate_field", "field " + Quoted(*duplicate) + " is given twice");
  }
  return value;
}

// Refuses a field that is not among `allowed`.
Status CheckFields(const json& body, std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : body.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) {
      continue;
    }
    std::string expected;
    for (std::string_view name : allowed) {
      expected += expected.empty() ? "" : ", ";
      expected += name;
    }
    return Invalid("unknown_field",
                   "unknown field " + Quoted(key) + " (the fields are: " + expected + ")");
  }
  return OkStatus();
}

// The string field `name`, or nullopt when absent.
StatusOr<std::optional<std::string>> OptionalString(const json& body, std::string_view name) {
  auto found = body.find(name);
  if (found == body.end()) {
    return std::optional<std::string>();
  }
  if (!found->is_string()) {
    return Invalid("bad_field",
                   "field " + Quoted(name) + " must be a string, not " + TypeName(*found));
  }
  return std::optional<std::string>(found->get_ref<const std::string&>());
}

StatusOr<std::string> RequiredString(const json& body, std::string_view name) {
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<std::string> value, OptionalString(body, name));
  if (!value) {
    return Invalid("missing_field", "field " + Quoted(name) + " is required");
  }
  return *std::move(value);
}

// The integer field `name` in [min, max] (`reason` otherwise), or `fallback` when absent.
StatusOr<int64_t> OptionalInteger(const json& body, std::string_view name, int64_t fallback,
                                  int64_t min, int64_t max, std::string_view reason) {
  auto found = body.find(name);
  if (found == body.end()) {
    return fallback;
  }
  if (!found->is_number_integer()) {
    return Invalid("bad_field",
                   "field " + Quoted(name) + " must be an integer, not " + TypeName(*found));
  }
  // nlohmann reads non-negative integers as unsigned; those above INT64_MAX fit no range.
  bool in_range = false;
  if (found->is_number_unsigned()) {
    auto value = found->get<uint64_t>();
    in_range =
        value <= static_cast<uint64_t>(max) && (min <= 0 || value >= static_cast<uint64_t>(min));
  } else {
    auto value = found->get<int64_t>();
    in_range = value >= min && value <= max;
  }
  if (!in_range) {
    return Invalid(std::string(reason), "field " + Quoted(name) + " must be in [" +
                                            std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return found->get<int64_t>();
}

// The body's key field, when given, must name the object of the path.
Status CheckKey(const json& body, std::string_view field, const std::string& id,
                StatusOr<std::string> (*canonical)(std::string_view)) {
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<std::string> given, OptionalString(body, field));
  if (!given) {
    return OkStatus();
  }
  StatusOr<std::string> normalised =
      canonical != nullptr ? canonical(*given) : StatusOr<std::string>(*given);
  if (!normalised.ok() || *normalised != id) {
    return Invalid("id_mismatch", "field " + Quoted(field) + " is " + Quoted(*given) +
                                      " but the path names " + Quoted(id) +
                                      "; leave it out or make them agree");
  }
  return OkStatus();
}

StatusOr<core::MasterDataChange> ParseZone(std::string_view id, const json& body) {
  ENTREPOT_RETURN_IF_ERROR(CheckFields(body, {"code", "name"}));
  domain::Zone zone;
  zone.code = std::string(id);
  ENTREPOT_RETURN_IF_ERROR(CheckKey(body, "code", zone.code, nullptr));
  ENTREPOT_ASSIGN_OR_RETURN(zone.name, RequiredString(body, "name"));
  return zone;
}

StatusOr<core::MasterDataChange> ParseLocation(std::string_view id, const json& body) {
  ENTREPOT_RETURN_IF_ERROR(CheckFields(
      body, {"code", "zone", "type", "capacity_units", "aisle", "bay", "level", "position"}));
  domain::Location location;
  location.code = std::string(id);
  ENTREPOT_RETURN_IF_ERROR(CheckKey(body, "code", location.code, nullptr));
  ENTREPOT_ASSIGN_OR_RETURN(location.zone, RequiredString(body, "zone"));
  ENTREPOT_ASSIGN_OR_RETURN(std::string type, RequiredString(body, "type"));
  ENTREPOT_ASSIGN_OR_RETURN(location.type, domain::ParseLocationType(type));
  ENTREPOT_ASSIGN_OR_RETURN(location.capacity_units,
                            OptionalInteger(body, "capacity_units", 0, 0,
                                            domain::kMaxLocationCapacityUnits, "bad_capacity"));
  int32_t* coordinates[] = {&location.aisle, &location.bay, &location.level, &location.position};
  const std::string_view names[] = {"aisle", "bay", "level", "position"};
  for (size_t i = 0; i < 4; ++i) {
    ENTREPOT_ASSIGN_OR_RETURN(
        int64_t value, OptionalInteger(body, names[i], 0, 0, std::numeric_limits<int32_t>::max(),
                                       "bad_coordinate"));
    *coordinates[i] = static_cast<int32_t>(value);  // In range: checked above.
  }
  return location;
}

StatusOr<core::MasterDataChange> ParseProduct(std::string_view id, const json& body) {
  ENTREPOT_RETURN_IF_ERROR(CheckFields(body, {"gtin", "description", "home_zone"}));
  domain::Product product;
  ENTREPOT_ASSIGN_OR_RETURN(product.gtin, core::NormalizeProductGtin(id));
  ENTREPOT_RETURN_IF_ERROR(CheckKey(body, "gtin", product.gtin, &core::NormalizeProductGtin));
  ENTREPOT_ASSIGN_OR_RETURN(product.description, RequiredString(body, "description"));
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<std::string> home_zone,
                            OptionalString(body, "home_zone"));
  product.home_zone = home_zone.value_or("");
  return product;
}

StatusOr<core::MasterDataChange> ParseContainer(std::string_view id, const json& body) {
  ENTREPOT_RETURN_IF_ERROR(CheckFields(body, {"id", "type"}));
  domain::ContainerSpec container;
  ENTREPOT_ASSIGN_OR_RETURN(container.id, core::CanonicalContainerId(id));
  ENTREPOT_RETURN_IF_ERROR(CheckKey(body, "id", container.id, &core::CanonicalContainerId));
  ENTREPOT_ASSIGN_OR_RETURN(std::string type, RequiredString(body, "type"));
  ENTREPOT_ASSIGN_OR_RETURN(container.type, domain::ParseContainerType(type));
  return container;
}

json LocationObject(const domain::Location& location) {
  return {{"code", location.code},
          {"zone", location.zone},
          {"type", domain::LocationTypeName(location.type)},
          {"capacity_units", location.capacity_units},
          {"aisle", location.aisle},
          {"bay", location.bay},
          {"level", location.level},
          {"position", location.position}};
}

}  // namespace

StatusOr<core::MasterDataChange> ParseMasterDataChange(MasterDataKind kind, std::string_view id,
                                                       std::string_view body) {
  ENTREPOT_ASSIGN_OR_RETURN(json object, ParseObject(body));
  switch (kind) {
    case MasterDataKind::kZone:
      return ParseZone(id, object);
    case MasterDataKind::kLocation:
      return ParseLocation(id, object);
    case MasterDataKind::kProduct:
      return ParseProduct(id, object);
    case MasterDataKind::kContainer:
      return ParseContainer(id, object);
  }
  return InternalError("unknown master-data kind");
}

json MasterDataObjectJson(const core::MasterDataChange& object) {
  return std::visit(
      [](const auto& value) -> json {
        using T = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<T, domain::Zone>) {
          return {{"code", value.code}, {"name", value.name}};
        } else if constexpr (std::is_same_v<T, domain::Location>) {
          return LocationObject(value);
        } else if constexpr (std::is_same_v<T, domain::Product>) {
          return {{"gtin", value.gtin},
                  {"description", value.description},
                  {"home_zone", value.home_zone}};
        } else {
          static_assert(std::is_same_v<T, domain::ContainerSpec>, "a kind without a JSON form");
          return {{"id", value.id}, {"type", domain::ContainerTypeName(value.type)}};
        }
      },
      object);
}

json MasterDataReplyJson(const engine::MasterDataReply& reply) {
  json out = {{"outcome", core::MasterDataOutcomeName(reply.outcome)},
              {"seq", reply.seq == 0 ? json(nullptr) : json(reply.seq)}};
  out[std::string(core::MasterDataKindName(reply.stored))] = MasterDataObjectJson(reply.stored);
  return out;
}

json ZonesJson(const core::SiteState& state) {
  json zones = json::array();
  for (const auto& [code, zone] : state.zones()) {
    zones.push_back(MasterDataObjectJson(zone));
  }
  return {{"zones", std::move(zones)}};
}

StatusOr<json> ZoneJson(const core::SiteState& state, std::string_view code) {
  auto zone = state.zones().find(std::string(code));
  if (zone == state.zones().end()) {
    return Error(StatusCode::kNotFound, "unknown_zone", "no zone " + Quoted(code));
  }
  return MasterDataObjectJson(zone->second);
}

StatusOr<json> LocationJson(const core::SiteState& state, std::string_view code) {
  std::string key(code);
  if (domain::LooksLikeLabel(code)) {
    StatusOr<domain::InternalLabel> label = domain::ParseLabel(code);
    if (label.ok() && label->kind == domain::LabelKind::kLocation) {
      key = label->code;
    }
  }
  const core::LocationState* location = state.FindLocation(key);
  if (location == nullptr) {
    return Error(StatusCode::kNotFound, "unknown_location",
                 "location " + Quoted(code) + " is not in this site's layout");
  }
  return LocationObject(location->location);
}

StatusOr<json> ProductJson(const core::SiteState& state, std::string_view gtin) {
  ENTREPOT_ASSIGN_OR_RETURN(std::string normalised, core::NormalizeProductGtin(gtin));
  const domain::Product* product = state.FindProduct(normalised);
  if (product == nullptr) {
    return Error(StatusCode::kNotFound, "unknown_product",
                 "product " + normalised + " is not in the master data");
  }
  return MasterDataObjectJson(*product);
}

}  // namespace entrepot::server
