#include "entrepot/epcis/mapped_event.h"

#include <algorithm>
#include <utility>

#include "entrepot/base/status_macros.h"
#include "entrepot/epcis/document.h"
#include "entrepot/epcis/event_hash.h"

namespace entrepot::epcis {
namespace {

using nlohmann::json;

constexpr std::string_view kTimeZoneOffset = "+00:00";  // Times are written in UTC.

// A field as the pre-hash string writes it: "<name>=<value>", nothing for an empty value.
void AppendWritten(std::string& out, std::string_view name, std::string_view written) {
  if (!written.empty()) {
    out += name;
    out += '=';
    out += written;
  }
}

// A list: its name once, then its elements sorted, nothing when no element is written.
void AppendList(std::string& out, std::string_view name, std::vector<std::string>& elements) {
  if (elements.empty()) {
    return;
  }
  std::sort(elements.begin(), elements.end());
  out += name;
  for (const std::string& element : elements) {
    out += element;
  }
}

void AppendEpcs(std::string& out, std::string_view name, const std::vector<std::string>& epcs) {
  std::vector<std::string> elements;
  elements.reserve(epcs.size());
  for (const std::string& epc : epcs) {
    if (std::string written = PreHashValue(epc); !written.empty()) {
      elements.push_back("epc=" + written);
    }
  }
  AppendList(out, name, elements);
}

void AppendQuantities(std::string& out, std::string_view name,
                      const std::map<std::string, int64_t>& quantities) {
  std::vector<std::string> elements;
  elements.reserve(quantities.size());
  for (const auto& [epc_class, quantity] : quantities) {
    std::string element;
    AppendWritten(element, "epcClass", PreHashValue(epc_class));
    AppendWritten(element, "quantity", PreHashValue(std::to_string(quantity)));
    if (!element.empty()) {
      elements.push_back("quantityElement" + element);
    }
  }
  AppendList(out, name, elements);
}

// readPoint, bizLocation: the name, then "id=...".
void AppendPlace(std::string& out, std::string_view name, const std::optional<std::string>& id) {
  if (id) {
    if (std::string written = PreHashValue(*id); !written.empty()) {
      out += name;
      AppendWritten(out, "id", written);
    }
  }
}

}  // namespace

// The fields in the canonical property order: eventTime, eventTimeZoneOffset, epcList,
// parentID, childEPCs, quantityList, childQuantityList, action, bizStep, disposition,
// readPoint, bizLocation, bizTransactionList. `event_time`, FormatEpcisTime's of a year
// 1-9999, is already the UTC form the string takes.
std::string MappedEventPreHash(const MappedEvent& event, std::string_view event_time) {
  const bool aggregation = event.type == "AggregationEvent";
  std::string out;
  out.reserve(256 + 64 * (event.epcs.size() + event.quantities.size()));
  out += "eventType=";
  out += event.type;
  AppendWritten(out, "eventTime", event_time);
  AppendWritten(out, "eventTimeZoneOffset", PreHashValue(kTimeZoneOffset));
  if (aggregation) {
    AppendWritten(out, "parentID", PreHashValue(event.parent));
  }
  AppendEpcs(out, aggregation ? "childEPCs" : "epcList", event.epcs);
  AppendQuantities(out, aggregation ? "childQuantityList" : "quantityList", event.quantities);
  AppendWritten(out, "action", PreHashValue(event.action));
  AppendWritten(out, "bizStep", PreHashTerm("BizStep-", event.biz_step));
  AppendWritten(out, "disposition", PreHashTerm("Disp-", event.disposition));
  AppendPlace(out, "readPoint", event.read_point);
  AppendPlace(out, "bizLocation", event.biz_location);
  if (!event.bill_of_lading.empty()) {
    std::string element;
    AppendWritten(element, "type", PreHashTerm("BTT-", "bol"));
    AppendWritten(element, "bizTransaction", PreHashValue(event.bill_of_lading));
    if (!element.empty()) {
      out += "bizTransactionList";
      out += element;
    }
  }
  return out;
}

namespace {

// An object of one member; objects are built as json::object_t, whose members are moved in.
json Member(std::string_view key, json value) {
  json::object_t object;
  object.emplace(key, std::move(value));
  return json(std::move(object));
}

json QuantityList(const std::map<std::string, int64_t>& quantities) {
  json::array_t list;
  list.reserve(quantities.size());
  for (const auto& [epc_class, quantity] : quantities) {
    json::object_t element;
    element.emplace("epcClass", epc_class);
    element.emplace("quantity", quantity);
    list.emplace_back(std::move(element));
  }
  return json(std::move(list));
}

}  // namespace

StatusOr<json> MappedEventJson(MappedEvent mapped, const std::string& event_time) {
  std::sort(mapped.epcs.begin(), mapped.epcs.end());
  // A time outside years 1-9999 has no EPCIS form: the generic hash refuses it (bad_event),
  // from the event's JSON below.
  const bool time_ok = ParseEpcisTime(event_time).ok();
  std::string id = time_ok ? EventIdOfPreHash(MappedEventPreHash(mapped, event_time)) : "";
  const bool aggregation = mapped.type == "AggregationEvent";
  // An ObjectEvent needs an epcList unless it has quantities (EPCIS JSON Schema).
  const bool epc_list = !mapped.epcs.empty() || mapped.quantities.empty();
  json::array_t epcs;
  epcs.reserve(mapped.epcs.size());
  for (std::string& epc : mapped.epcs) {
    epcs.emplace_back(std::move(epc));
  }
  // Members in key order, each placed at the end (the order of dump() and of the map).
  json::object_t event;
  auto add = [&event](std::string_view key, json value) {
    event.emplace_hint(event.end(), key, std::move(value));
  };
  add("action", mapped.action);
  if (mapped.biz_location) {
    add("bizLocation", Member("id", std::move(*mapped.biz_location)));
  }
  add("bizStep", mapped.biz_step);
  if (!mapped.bill_of_lading.empty()) {
    json::object_t transaction;
    transaction.emplace("bizTransaction", std::move(mapped.bill_of_lading));
    transaction.emplace("type", "bol");
    add("bizTransactionList", json::array({json(std::move(transaction))}));
  }
  if (aggregation && epc_list) {
    add("childEPCs", std::move(epcs));
  }
  if (aggregation && !mapped.quantities.empty()) {
    add("childQuantityList", QuantityList(mapped.quantities));
  }
  if (!mapped.disposition.empty()) {
    add("disposition", mapped.disposition);
  }
  if (!aggregation && epc_list) {
    add("epcList", std::move(epcs));
  }
  add("eventTime", event_time);
  add("eventTimeZoneOffset", kTimeZoneOffset);
  if (aggregation) {
    add("parentID", std::move(mapped.parent));
  }
  if (!aggregation && !mapped.quantities.empty()) {
    add("quantityList", QuantityList(mapped.quantities));
  }
  if (mapped.read_point) {
    add("readPoint", Member("id", std::move(*mapped.read_point)));
  }
  add("type", mapped.type);
  json out(std::move(event));
  if (!time_ok) {
    ENTREPOT_ASSIGN_OR_RETURN(id, CanonicalEventId(out));
  }
  out["eventID"] = std::move(id);
  return out;
}

}  // namespace entrepot::epcis
