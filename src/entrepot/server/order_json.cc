// The order routes' request bodies as core order commands (order_json.h).
#include "entrepot/server/order_json.h"

#include <algorithm>
#include <functional>
#include <initializer_list>
#include <limits>
#include <set>
#include <string_view>
#include <utility>

#include "entrepot/base/status_macros.h"
#include "entrepot/core/master_data.h"
#include "entrepot/domain/container_id.h"
#include "entrepot/wire/rfc3339.h"

namespace entrepot::server {

using nlohmann::json;

namespace {

Status Invalid(std::string reason, std::string message) {
  return Error(StatusCode::kInvalidArgument, std::move(reason), std::move(message));
}

}  // namespace

// Parses `body` as one JSON object whose fields appear once each and are all `allowed`.
// An empty body is an empty object when `empty_ok`.
StatusOr<json> ParseOrderObject(const std::string& body,
                                std::initializer_list<std::string_view> allowed, bool empty_ok) {
  if (body.size() > kMaxOrderBodyBytes) {
    return Error(StatusCode::kResourceExhausted, "body_too_large",
                 "the body has " + std::to_string(body.size()) + " bytes; at most " +
                     std::to_string(kMaxOrderBodyBytes) + " are accepted");
  }
  if (empty_ok && body.find_first_not_of(" \t\r\n") == std::string::npos) {
    return json::object();
  }
  std::set<std::string, std::less<>> seen;
  std::optional<std::string> duplicate;
  auto callback = [&](int depth, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::key && depth == 1 && parsed.is_string() && !duplicate &&
        !seen.insert(parsed.get_ref<const std::string&>()).second) {
      duplicate = parsed.get_ref<const std::string&>();
    }
    return true;
  };
  json value;
  // nlohmann throws; nothing escapes this adapter.
  try {
    value = json::parse(body.begin(), body.end(), callback);
  } catch (const json::exception&) {
    return Invalid("bad_json", "the body is not valid JSON");
  }
  if (!value.is_object()) {
    return Invalid("bad_json", "the body must be a JSON object");
  }
  if (duplicate) {
    return Invalid("duplicate_field", "field \"" + *duplicate + "\" is given twice");
  }
  for (const auto& [key, field] : value.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string names;
      for (std::string_view name : allowed) {
        names += (names.empty() ? "" : ", ") + std::string(name);
      }
      return Invalid("unknown_field",
                     "unknown field \"" + key + "\" (the fields are: " + names + ")");
    }
  }
  return value;
}

Status BadField(std::string_view name, std::string_view expected) {
  return Invalid("bad_field",
                 "field \"" + std::string(name) + "\" must be " + std::string(expected));
}

StatusOr<std::string> StringField(const json& body, std::string_view name) {
  auto found = body.find(name);
  if (found == body.end() || !found->is_string()) {
    return BadField(name, "a string");
  }
  return found->get<std::string>();
}

// The integer field `name` in [low, high], or `fallback` when absent and optional.
StatusOr<int64_t> IntegerField(const json& body, std::string_view name, int64_t low, int64_t high,
                               std::optional<int64_t> fallback) {
  auto found = body.find(name);
  if (found == body.end()) {
    if (fallback) {
      return *fallback;
    }
    return BadField(name, "an integer");
  }
  std::string range = "an integer from " + std::to_string(low) + " to " + std::to_string(high);
  if (found->is_number_unsigned()) {
    uint64_t value = found->get<uint64_t>();
    if (value > static_cast<uint64_t>(high) || (low > 0 && value < static_cast<uint64_t>(low))) {
      return BadField(name, range);
    }
    return static_cast<int64_t>(value);
  }
  if (!found->is_number_integer()) {
    return BadField(name, range);
  }
  int64_t value = found->get<int64_t>();
  if (value < low || value > high) {
    return BadField(name, range);
  }
  return value;
}

StatusOr<int64_t> TimeField(const json& body, std::string_view name) {
  ENTREPOT_ASSIGN_OR_RETURN(std::string text, StringField(body, name));
  return wire::ParseRfc3339Ms(text);
}

namespace {

// Checks that lines[index] is an object of only the fields `allowed` (listed in messages).
Status CheckLineObject(const json& line, size_t index,
                       std::initializer_list<std::string_view> allowed) {
  if (!line.is_object()) {
    return Invalid("bad_field", "lines[" + std::to_string(index) + "] must be an object");
  }
  for (const auto& [key, value] : line.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string names;
      for (std::string_view name : allowed) {
        names += (names.empty() ? "" : ", ") + std::string(name);
      }
      return Invalid("unknown_field", "unknown field \"" + key + "\" in lines[" +
                                          std::to_string(index) + "] (" + names + ")");
    }
  }
  return OkStatus();
}

}  // namespace

StatusOr<core::OrderLineRequest> ParseOrderLine(const json& line, size_t index) {
  ENTREPOT_RETURN_IF_ERROR(CheckLineObject(line, index, {"gtin", "quantity"}));
  core::OrderLineRequest request;
  ENTREPOT_ASSIGN_OR_RETURN(std::string gtin, StringField(line, "gtin"));
  ENTREPOT_ASSIGN_OR_RETURN(request.gtin, core::NormalizeProductGtin(gtin));
  // Core refuses quantities beyond its own bound ("bad_quantity"); here only the JSON type.
  ENTREPOT_ASSIGN_OR_RETURN(request.quantity,
                            IntegerField(line, "quantity", std::numeric_limits<int64_t>::min(),
                                         std::numeric_limits<int64_t>::max(), std::nullopt));
  return request;
}

namespace {

// The "lines" array of `object`, each parsed by parse(line, index); `shape` says what a line
// is in the error message.
template <typename Line, typename Parse>
StatusOr<std::vector<Line>> ParseLines(const json& object, std::string_view shape, Parse parse) {
  auto lines = object.find("lines");
  if (lines == object.end() || !lines->is_array()) {
    return BadField("lines", "an array of " + std::string(shape));
  }
  if (lines->size() > core::kMaxOrderLines) {
    return Invalid("too_many_lines", "at most " + std::to_string(core::kMaxOrderLines) +
                                         " lines are accepted; split it");
  }
  std::vector<Line> parsed;
  for (size_t i = 0; i < lines->size(); ++i) {
    ENTREPOT_ASSIGN_OR_RETURN(Line line, parse((*lines)[i], i));
    parsed.push_back(std::move(line));
  }
  return parsed;
}

}  // namespace

// The lines array of an order or a receipt.
StatusOr<std::vector<core::OrderLineRequest>> ParseOrderLines(const json& object) {
  return ParseLines<core::OrderLineRequest>(object, "{\"gtin\", \"quantity\"}", ParseOrderLine);
}

// The terms of POST /api/v1/orders (id in the body) or PUT /api/v1/orders/{id} (`path_id`).
StatusOr<core::OrderTerms> ParseOrderTerms(const std::string& body,
                                           std::optional<std::string> path_id) {
  ENTREPOT_ASSIGN_OR_RETURN(
      json object, path_id
                       ? ParseOrderObject(body, {"carrier", "cutoff", "priority", "lines"})
                       : ParseOrderObject(body, {"id", "carrier", "cutoff", "priority", "lines"}));
  core::OrderTerms terms;
  if (path_id) {
    terms.id = *std::move(path_id);
  } else {
    ENTREPOT_ASSIGN_OR_RETURN(terms.id, StringField(object, "id"));
  }
  ENTREPOT_ASSIGN_OR_RETURN(terms.carrier, StringField(object, "carrier"));
  ENTREPOT_ASSIGN_OR_RETURN(terms.cutoff_ms, TimeField(object, "cutoff"));
  ENTREPOT_ASSIGN_OR_RETURN(int64_t priority,
                            IntegerField(object, "priority", 0, core::kMaxOrderPriority, 0));
  terms.priority = static_cast<int32_t>(priority);
  ENTREPOT_ASSIGN_OR_RETURN(terms.lines, ParseOrderLines(object));
  return terms;
}

StatusOr<core::ReleaseOrders> ParseRelease(const std::string& body) {
  ENTREPOT_ASSIGN_OR_RETURN(
      json object, ParseOrderObject(body, {"horizon", "max_orders", "orders_per_batch"}, true));
  core::ReleaseOrders release;
  if (object.contains("horizon")) {
    ENTREPOT_ASSIGN_OR_RETURN(release.horizon_ms, TimeField(object, "horizon"));
  }
  ENTREPOT_ASSIGN_OR_RETURN(
      int64_t max_orders,
      IntegerField(object, "max_orders", 1, static_cast<int64_t>(core::kMaxReleaseOrders),
                   static_cast<int64_t>(release.max_orders)));
  ENTREPOT_ASSIGN_OR_RETURN(
      int64_t per_batch,
      IntegerField(object, "orders_per_batch", 1, static_cast<int64_t>(core::kMaxOrdersPerBatch),
                   static_cast<int64_t>(release.orders_per_batch)));
  release.max_orders = static_cast<size_t>(max_orders);
  release.orders_per_batch = static_cast<size_t>(per_batch);
  return release;
}

StatusOr<core::DefineCarrier> ParseCarrier(const std::string& code, const std::string& body) {
  ENTREPOT_ASSIGN_OR_RETURN(json object, ParseOrderObject(body, {"doors"}));
  auto doors = object.find("doors");
  if (doors == object.end() || !doors->is_array()) {
    return BadField("doors", "an array of outbound-door location codes");
  }
  if (doors->size() > core::kMaxCarrierDoors) {
    return Invalid("too_many_doors",
                   "a carrier has at most " + std::to_string(core::kMaxCarrierDoors) + " doors");
  }
  core::DefineCarrier carrier{code, {}};
  for (const json& door : *doors) {
    if (!door.is_string()) {
      return BadField("doors", "an array of location codes (strings)");
    }
    carrier.doors.push_back(door.get<std::string>());
  }
  return carrier;
}

namespace {

// A container of the array `field`: a canonical id ("sscc:<18 digits>", "label:...", ...),
// or an SSCC as its 18 digits alone; the check digit counts.
StatusOr<std::string> ParseContainer(const json& value, std::string_view field) {
  if (!value.is_string()) {
    return BadField(field, "an array of SSCCs or container ids (strings)");
  }
  std::string id = value.get<std::string>();
  if (id.find(':') == std::string::npos) {
    id = "sscc:" + id;
  }
  ENTREPOT_RETURN_IF_ERROR(domain::ValidateContainerId(id));
  return id;
}

// A pallet of an ASN: an SSCC ("sscc:<18 digits>", or the digits alone).
StatusOr<std::string> ParseSscc(const json& value) {
  ENTREPOT_ASSIGN_OR_RETURN(std::string id, ParseContainer(value, "containers"));
  if (!id.starts_with("sscc:")) {
    return BadField("containers", "an array of SSCCs");
  }
  return id;
}

}  // namespace

StatusOr<core::ExpectReceipt> ParseReceipt(const std::string& body) {
  ENTREPOT_ASSIGN_OR_RETURN(
      json object, ParseOrderObject(body, {"id", "supplier", "expected", "lines", "containers"}));
  core::ExpectReceipt receipt;
  ENTREPOT_ASSIGN_OR_RETURN(receipt.id, StringField(object, "id"));
  ENTREPOT_ASSIGN_OR_RETURN(receipt.supplier, StringField(object, "supplier"));
  if (object.contains("expected")) {
    ENTREPOT_ASSIGN_OR_RETURN(receipt.expected_at_ms, TimeField(object, "expected"));
  }
  ENTREPOT_ASSIGN_OR_RETURN(receipt.lines, ParseOrderLines(object));
  auto containers = object.find("containers");
  if (containers == object.end() || !containers->is_array()) {
    return BadField("containers", "an array of the pallets' SSCCs");
  }
  if (containers->size() > core::kMaxReceiptContainers) {
    return Invalid(
        "too_many_containers",
        "a receipt lists at most " + std::to_string(core::kMaxReceiptContainers) + " pallets");
  }
  for (const json& container : *containers) {
    ENTREPOT_ASSIGN_OR_RETURN(std::string id, ParseSscc(container));
    receipt.containers.push_back(std::move(id));
  }
  return receipt;
}

StatusOr<core::OpenLoad> ParseLoad(const std::string& body, int64_t now_ms) {
  ENTREPOT_ASSIGN_OR_RETURN(json object, ParseOrderObject(body, {"id", "door", "carrier"}));
  core::OpenLoad load;
  ENTREPOT_ASSIGN_OR_RETURN(load.id, StringField(object, "id"));
  ENTREPOT_ASSIGN_OR_RETURN(load.door, StringField(object, "door"));
  if (object.contains("carrier")) {
    ENTREPOT_ASSIGN_OR_RETURN(load.carrier, StringField(object, "carrier"));
  }
  load.at_ms = now_ms;
  return load;
}

StatusOr<core::ConfirmDeliveries> ParseDeliveries(const std::string& body, int64_t now_ms) {
  ENTREPOT_ASSIGN_OR_RETURN(json object, ParseOrderObject(body, {"parcels", "by", "delivered"}));
  core::ConfirmDeliveries confirmed;
  auto parcels = object.find("parcels");
  if (parcels == object.end() || !parcels->is_array()) {
    return BadField("parcels", "an array of the delivered parcels' SSCCs");
  }
  if (parcels->size() > core::kMaxDeliveryParcels) {
    return Invalid("too_many_parcels", "a delivery confirmation lists at most " +
                                           std::to_string(core::kMaxDeliveryParcels) + " parcels");
  }
  for (const json& parcel : *parcels) {
    ENTREPOT_ASSIGN_OR_RETURN(std::string id, ParseContainer(parcel, "parcels"));
    confirmed.parcels.push_back(std::move(id));
  }
  ENTREPOT_ASSIGN_OR_RETURN(confirmed.by, StringField(object, "by"));
  confirmed.delivered_at_ms = now_ms;
  if (object.contains("delivered")) {
    ENTREPOT_ASSIGN_OR_RETURN(confirmed.delivered_at_ms, TimeField(object, "delivered"));
  }
  return confirmed;
}

nlohmann::json DeliveryOutcomeJson(const core::OrderDecision& decision, uint64_t seq) {
  json problems = json::array();
  for (const core::DeliveryProblem& problem : decision.delivery_problems) {
    problems.push_back({{"parcel", problem.parcel}, {"reason", problem.reason}});
  }
  return {{"delivered", decision.delivered},
          {"problems", std::move(problems)},
          {"seq", seq == 0 ? json(nullptr) : json(seq)}};
}

StatusOr<core::DefinePickFace> ParsePickFace(const std::string& code, const std::string& body) {
  ENTREPOT_ASSIGN_OR_RETURN(json object, ParseOrderObject(body, {"gtin", "min", "max"}));
  core::DefinePickFace face{code, "", 0, 0};
  ENTREPOT_ASSIGN_OR_RETURN(face.max,
                            IntegerField(object, "max", 0, core::kMaxLineQuantity, std::nullopt));
  if (face.max == 0) {
    return face;
  }
  ENTREPOT_ASSIGN_OR_RETURN(std::string gtin, StringField(object, "gtin"));
  ENTREPOT_ASSIGN_OR_RETURN(face.gtin, core::NormalizeProductGtin(gtin));
  ENTREPOT_ASSIGN_OR_RETURN(face.min,
                            IntegerField(object, "min", 0, core::kMaxLineQuantity, std::nullopt));
  return face;
}

StatusOr<core::RequestCounts> ParseCountRequest(const std::string& body) {
  ENTREPOT_ASSIGN_OR_RETURN(json object, ParseOrderObject(body, {"locations", "zone"}));
  core::RequestCounts request;
  if (object.contains("zone")) {
    ENTREPOT_ASSIGN_OR_RETURN(request.zone, StringField(object, "zone"));
  }
  auto locations = object.find("locations");
  if (locations == object.end()) {
    return request;
  }
  if (!locations->is_array()) {
    return BadField("locations", "an array of location codes");
  }
  if (locations->size() > core::kMaxCountLocations) {
    return Invalid(
        "too_many_locations",
        "a request names at most " + std::to_string(core::kMaxCountLocations) + " locations");
  }
  for (const json& code : *locations) {
    if (!code.is_string()) {
      return BadField("locations", "an array of location codes");
    }
    request.locations.push_back(code.get<std::string>());
  }
  return request;
}

namespace {

// lines[`index`] of a return: {"gtin", "quantity", "reason", "disposition"}.
StatusOr<core::ReturnLine> ParseReturnLine(const json& line, size_t index) {
  ENTREPOT_RETURN_IF_ERROR(
      CheckLineObject(line, index, {"gtin", "quantity", "reason", "disposition"}));
  json units = {{"gtin", line.value("gtin", json())}, {"quantity", line.value("quantity", json())}};
  ENTREPOT_ASSIGN_OR_RETURN(core::OrderLineRequest request, ParseOrderLine(units, index));
  core::ReturnLine parsed;
  parsed.gtin = std::move(request.gtin);
  parsed.quantity = request.quantity;
  ENTREPOT_ASSIGN_OR_RETURN(parsed.reason, StringField(line, "reason"));
  ENTREPOT_ASSIGN_OR_RETURN(std::string disposition, StringField(line, "disposition"));
  for (int i = 0; i < core::kReturnDispositionCount; ++i) {
    auto candidate = static_cast<core::ReturnDisposition>(i);
    if (core::ReturnDispositionName(candidate) == disposition) {
      parsed.disposition = candidate;
      return parsed;
    }
  }
  return BadField("disposition", "\"restock\", \"inspect\" or \"scrap\"");
}

}  // namespace

StatusOr<core::ReceiveReturn> ParseReturn(const std::string& body) {
  ENTREPOT_ASSIGN_OR_RETURN(json object,
                            ParseOrderObject(body, {"id", "order", "location", "lines"}));
  core::ReceiveReturn request;
  ENTREPOT_ASSIGN_OR_RETURN(request.id, StringField(object, "id"));
  ENTREPOT_ASSIGN_OR_RETURN(request.order, StringField(object, "order"));
  ENTREPOT_ASSIGN_OR_RETURN(request.location, StringField(object, "location"));
  ENTREPOT_ASSIGN_OR_RETURN(
      request.lines,
      ParseLines<core::ReturnLine>(object, "{\"gtin\", \"quantity\", \"reason\", \"disposition\"}",
                                   ParseReturnLine));
  return request;
}

// POST /api/v1/workload: {"hours", "standards": {"pick","pack","ship"} (seconds per unit),
// "planned": {"<zone>": [staff per hour, ...]}}, all optional.
StatusOr<core::WorkloadRequest> ParseWorkload(const std::string& body, int64_t now_ms) {
  ENTREPOT_ASSIGN_OR_RETURN(json object,
                            ParseOrderObject(body, {"hours", "standards", "planned"}, true));
  core::WorkloadRequest request;
  request.now_ms = now_ms;
  ENTREPOT_ASSIGN_OR_RETURN(int64_t hours, IntegerField(object, "hours", 1, 48, 8));
  request.hours = static_cast<int>(hours);
  if (auto standards = object.find("standards"); standards != object.end()) {
    if (!standards->is_object()) {
      return BadField("standards", "an object of seconds per unit: pick, pack, ship");
    }
    for (const auto& [name, seconds] : standards->items()) {
      int process = name == "pick" ? 0 : name == "pack" ? 1 : name == "ship" ? 2 : -1;
      if (process < 0 || !seconds.is_number()) {
        return BadField("standards", "an object of seconds per unit: pick, pack, ship");
      }
      request.standards.seconds_per_unit[process] = seconds.get<double>();
    }
  }
  if (auto planned = object.find("planned"); planned != object.end()) {
    if (!planned->is_object() || planned->size() > 1000) {
      return BadField("planned", "an object of at most 1000 zones, each an array of staff");
    }
    for (const auto& [zone, staff] : planned->items()) {
      if (!staff.is_array() || staff.size() > 48 ||
          !std::all_of(staff.begin(), staff.end(), [](const json& s) { return s.is_number(); })) {
        return BadField("planned", "per zone, an array of staff per hour (numbers)");
      }
      std::vector<double>& slots = request.planned[zone];
      for (const json& s : staff) {
        slots.push_back(s.get<double>());
      }
    }
  }
  return request;
}

}  // namespace entrepot::server
