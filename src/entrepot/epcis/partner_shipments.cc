#include "entrepot/epcis/partner_shipments.h"

#include <cmath>
#include <map>
#include <set>
#include <string_view>
#include <utility>
#include <variant>

#include "entrepot/epcis/document.h"

namespace entrepot::epcis {
namespace {

using json = nlohmann::json;

// The term of a CBV value in any of its forms: "shipping", "urn:epcglobal:cbv:bizstep:shipping"
// or "https://ref.gs1.org/cbv/BizStep-shipping".
std::string_view CbvTerm(std::string_view value) {
  if (value.starts_with("urn:epcglobal:cbv:")) {
    return value.substr(value.rfind(':') + 1);
  }
  if (value.starts_with("https://ref.gs1.org/cbv/")) {
    return value.substr(value.rfind('-') + 1);
  }
  return value;
}

std::string_view StringOf(const json& object, const char* field) {
  auto found = object.find(field);
  return found != object.end() && found->is_string()
             ? std::string_view(found->get_ref<const std::string&>())
             : std::string_view();
}

bool IsIdentifierChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

// The identifier at the end of a URI ("urn:epcglobal:cbv:bt:0614141073467:DA-1152" ->
// "DA-1152"), at most 64 characters; "" when it ends in none.
std::string IdentifierTail(std::string_view uri) {
  size_t start = uri.size();
  while (start > 0 && IsIdentifierChar(uri[start - 1])) {
    --start;
  }
  std::string_view tail = uri.substr(start);
  return tail.size() <= 64 ? std::string(tail) : std::string();
}

// The value of the first entry of `list` (e.g. "bizTransactionList") whose type is `type`.
std::string_view ListValue(const json& event, const char* list, const char* value_field,
                           std::string_view type) {
  auto entries = event.find(list);
  if (entries == event.end() || !entries->is_array()) {
    return {};
  }
  for (const json& entry : *entries) {
    if (entry.is_object() && CbvTerm(StringOf(entry, "type")) == type) {
      return StringOf(entry, value_field);
    }
  }
  return {};
}

bool IsSiteLocation(std::string_view uri, const IdOptions& site) {
  StatusOr<ParsedUri> parsed = ParseUri(uri);
  if (!parsed.ok() || parsed->kind != ParsedUri::Kind::kLocation) {
    return false;
  }
  return site.site_gln.empty() ? parsed->site == site.site_code : parsed->gln == site.site_gln;
}

bool IsShipmentToSite(const json& event, const IdOptions& site) {
  if (StringOf(event, "type") != "ObjectEvent" || StringOf(event, "action") != "OBSERVE" ||
      CbvTerm(StringOf(event, "bizStep")) != "shipping") {
    return false;
  }
  auto destinations = event.find("destinationList");
  if (destinations == event.end() || !destinations->is_array()) {
    return false;
  }
  for (const json& destination : *destinations) {
    if (destination.is_object() && IsSiteLocation(StringOf(destination, "destination"), site)) {
      return true;
    }
  }
  return false;
}

// The receipt being filled from one shipping event.
class ShipmentBuilder {
 public:
  explicit ShipmentBuilder(PartnerShipment& shipment) : shipment_(shipment) {}

  // An EPC of epcList or childEPCs: a pallet (SSCC, when `pallets`) or one serialised unit.
  // Other EPCs (returnable assets, an SSCC inside a pallet) are not stock: skipped.
  void AddEpc(std::string_view uri, bool pallets) {
    StatusOr<ParsedUri> parsed = ParseUri(uri);
    if (!parsed.ok()) {
      return;
    }
    if (parsed->kind == ParsedUri::Kind::kInstance) {
      AddUnits(parsed->gtin, 1);
    } else if (pallets && parsed->kind == ParsedUri::Kind::kContainer &&
               parsed->container.starts_with("sscc:") && seen_.insert(parsed->container).second) {
      shipment_.containers.push_back(parsed->container);
    }
  }

  // A quantityList or childQuantityList entry: a GTIN class or an LGTIN and a quantity in
  // units. Returns false for a quantity that is not a positive whole number of units.
  bool AddQuantity(const json& entry) {
    StatusOr<ParsedUri> parsed = ParseUri(StringOf(entry, "epcClass"));
    if (!parsed.ok() || parsed->kind != ParsedUri::Kind::kClass) {
      return true;  // Not a GS1 product class: not stock this site knows.
    }
    auto quantity = entry.find("quantity");
    const std::string_view uom = StringOf(entry, "uom");
    if (quantity == entry.end() || !quantity->is_number() ||
        !(uom.empty() || uom == "EA" || uom == "H87")) {
      return false;
    }
    const double value = quantity->get<double>();
    if (!(value >= 1 && value <= 1e9) || std::floor(value) != value) {
      return false;
    }
    AddUnits(parsed->gtin, static_cast<int64_t>(value));
    return true;
  }

  // The EPCs and quantities of one event's `epcs` and `quantities` fields.
  bool AddContents(const json& event, const char* epcs, const char* quantities, bool pallets) {
    if (auto list = event.find(epcs); list != event.end() && list->is_array()) {
      for (const json& epc : *list) {
        if (epc.is_string()) {
          AddEpc(epc.get_ref<const std::string&>(), pallets);
        }
      }
    }
    bool whole = true;
    if (auto list = event.find(quantities); list != event.end() && list->is_array()) {
      for (const json& entry : *list) {
        whole = (entry.is_object() && AddQuantity(entry)) && whole;
      }
    }
    return whole;
  }

 private:
  void AddUnits(const std::string& gtin, int64_t units) {
    auto [at, added] = line_of_.emplace(gtin, shipment_.lines.size());
    if (added) {
      shipment_.lines.push_back({gtin, 0});
    }
    shipment_.lines[at->second].quantity += units;
  }

  PartnerShipment& shipment_;
  std::map<std::string, size_t> line_of_;
  std::set<std::string> seen_;
};

// The AggregationEvents (ADD) of the document by their parent's canonical container id.
std::multimap<std::string, const json*> PalletContents(const json& events) {
  std::multimap<std::string, const json*> contents;
  for (const json& event : events) {
    if (!event.is_object() || StringOf(event, "type") != "AggregationEvent" ||
        StringOf(event, "action") != "ADD") {
      continue;
    }
    StatusOr<ParsedUri> parent = ParseUri(StringOf(event, "parentID"));
    if (parent.ok() && parent->kind == ParsedUri::Kind::kContainer) {
      contents.emplace(parent->container, &event);
    }
  }
  return contents;
}

std::string ReceiptIdOf(const json& event, int64_t shipped_at_ms) {
  for (std::string_view type : {"desadv", "po"}) {
    std::string id = IdentifierTail(ListValue(event, "bizTransactionList", "bizTransaction", type));
    if (!id.empty()) {
      return id;
    }
  }
  const std::string_view event_id = StringOf(event, "eventID");
  if (const size_t hash = event_id.find("sha-256;"); hash != std::string_view::npos) {
    return "epcis-" + IdentifierTail(event_id.substr(hash + 8, 16));
  }
  const std::string tail = IdentifierTail(event_id);
  return "epcis-" + (tail.empty() ? std::to_string(shipped_at_ms) : tail.substr(0, 58));
}

// One shipping event to the site as a shipment, or the problem that stops it.
std::variant<PartnerShipment, PartnerShipmentProblem> ReadShipment(
    const json& event, const std::multimap<std::string, const json*>& pallets) {
  PartnerShipment shipment;
  shipment.event_id = std::string(StringOf(event, "eventID"));
  StatusOr<int64_t> shipped = ParseEpcisTime(StringOf(event, "eventTime"));
  shipment.shipped_at_ms = shipped.ok() ? *shipped : 0;
  shipment.receipt_id = ReceiptIdOf(event, shipment.shipped_at_ms);
  const std::string supplier =
      IdentifierTail(ListValue(event, "sourceList", "source", "owning_party"));
  shipment.supplier = supplier.empty() ? "partner" : supplier;
  ShipmentBuilder builder(shipment);
  bool whole = builder.AddContents(event, "epcList", "quantityList", /*pallets=*/true);
  for (const std::string& pallet : std::vector<std::string>(shipment.containers)) {
    auto [first, last] = pallets.equal_range(pallet);
    for (auto it = first; it != last; ++it) {
      whole = builder.AddContents(*it->second, "childEPCs", "childQuantityList", false) && whole;
    }
  }
  if (!whole) {
    return PartnerShipmentProblem{shipment.event_id, "bad_quantity",
                                  "a quantity of shipment " + shipment.receipt_id +
                                      " is not a whole number of units: open the receipt by hand"};
  }
  if (shipment.lines.empty()) {
    return PartnerShipmentProblem{
        shipment.event_id, "no_contents",
        "shipment " + shipment.receipt_id +
            " names no product (no SGTIN, no quantity, no pallet contents in the document): "
            "open the receipt by hand"};
  }
  return shipment;
}

// The eventList of a document, or nullptr.
const json* EventsOf(const json& document) {
  if (auto body = document.find("epcisBody"); body != document.end() && body->is_object()) {
    if (auto list = body->find("eventList"); list != body->end() && list->is_array()) {
      return &*list;
    }
  }
  return nullptr;
}

bool IsDeliveryConfirmation(const json& event) {
  if (StringOf(event, "type") != "ObjectEvent" || StringOf(event, "action") != "OBSERVE") {
    return false;
  }
  const std::string_view step = CbvTerm(StringOf(event, "bizStep"));
  return step == "receiving" || step == "accepting";
}

// The id of a readPoint or bizLocation ({"id": uri}) of `event`.
std::string_view PlaceOf(const json& event, const char* field) {
  auto place = event.find(field);
  return place != event.end() && place->is_object() ? StringOf(*place, "id") : std::string_view();
}

// Who took the parcels (partner_shipments.h): the first of these that ends in an identifier.
std::string PartnerOf(const json& event) {
  for (std::string_view uri : {ListValue(event, "destinationList", "destination", "owning_party"),
                               PlaceOf(event, "bizLocation"), PlaceOf(event, "readPoint")}) {
    if (std::string partner = IdentifierTail(uri); !partner.empty()) {
      return partner;
    }
  }
  return "partner";
}

// The SSCCs of the event's epcList, in order, without repeats.
std::vector<std::string> ParcelsOf(const json& event) {
  std::vector<std::string> parcels;
  auto list = event.find("epcList");
  if (list == event.end() || !list->is_array()) {
    return parcels;
  }
  std::set<std::string> seen;
  for (const json& epc : *list) {
    if (!epc.is_string()) {
      continue;
    }
    StatusOr<ParsedUri> parsed = ParseUri(epc.get_ref<const std::string&>());
    if (parsed.ok() && parsed->kind == ParsedUri::Kind::kContainer &&
        parsed->container.starts_with("sscc:") && seen.insert(parsed->container).second) {
      parcels.push_back(parsed->container);
    }
  }
  return parcels;
}

}  // namespace

PartnerDeliveries ReadPartnerDeliveries(const json& document) {
  PartnerDeliveries found;
  const json* events = EventsOf(document);
  if (events == nullptr) {
    return found;
  }
  for (const json& event : *events) {
    if (!event.is_object() || !IsDeliveryConfirmation(event)) {
      continue;
    }
    PartnerDelivery delivery;
    delivery.event_id = std::string(StringOf(event, "eventID"));
    delivery.parcels = ParcelsOf(event);
    if (delivery.parcels.empty()) {
      continue;  // Received goods, not parcels: not a delivery of this site's.
    }
    if (found.deliveries.size() == kMaxPartnerDeliveries) {
      found.problems.push_back({std::move(delivery.event_id), "too_many_deliveries",
                                "a document confirms at most " +
                                    std::to_string(kMaxPartnerDeliveries) +
                                    " deliveries: capture the rest in another document"});
      continue;
    }
    StatusOr<int64_t> at = ParseEpcisTime(StringOf(event, "eventTime"));
    delivery.delivered_at_ms = at.ok() ? *at : 0;
    delivery.partner = PartnerOf(event);
    found.deliveries.push_back(std::move(delivery));
  }
  return found;
}

PartnerShipments ReadPartnerShipments(const json& document, const IdOptions& site) {
  PartnerShipments found;
  const json* events = EventsOf(document);
  if (events == nullptr) {
    return found;
  }
  const std::multimap<std::string, const json*> pallets = PalletContents(*events);
  for (const json& event : *events) {
    if (!event.is_object() || !IsShipmentToSite(event, site)) {
      continue;
    }
    if (found.shipments.size() == kMaxPartnerShipments) {
      found.problems.push_back({std::string(StringOf(event, "eventID")), "too_many_shipments",
                                "a document opens at most " + std::to_string(kMaxPartnerShipments) +
                                    " receipts: capture the rest in another document"});
      continue;
    }
    std::variant<PartnerShipment, PartnerShipmentProblem> read = ReadShipment(event, pallets);
    if (auto* shipment = std::get_if<PartnerShipment>(&read)) {
      found.shipments.push_back(std::move(*shipment));
    } else {
      found.problems.push_back(std::get<PartnerShipmentProblem>(std::move(read)));
    }
  }
  return found;
}

}  // namespace entrepot::epcis
