// File: partner_shipments.h
//
// What a partner's captured EPCIS events mean to this site's inbound work (docs/EPCIS.md,
// "Partner shipments"): a shipping event whose destination is this site announces goods on
// their way, an advance shipping notice. ReadPartnerShipments finds those events in a
// captured document and turns each into the lines and pallets of an expected receipt
// (core::ExpectReceipt), which the API then opens like POST /api/v1/receipts.
//
// An announced shipment is an ObjectEvent with action OBSERVE and bizStep shipping whose
// destinationList names one of this site's locations: its GLN (any extension), or its
// private location URN when the site has no GLN. Its contents:
//   - SSCCs in epcList are the pallets (the receipt's containers);
//   - SGTINs in epcList count one unit each; quantityList entries (GTIN class or LGTIN) add
//     their quantity, which must be a whole number of units;
//   - an AggregationEvent (ADD) of the same document whose parentID is one of the shipped
//     SSCCs adds its childEPCs and childQuantityList: the pallet's contents.
// The receipt id is the despatch advice's number (bizTransaction of type desadv), else the
// purchase order's (po), else "epcis-" and the start of the event's id; the supplier is the
// source of type owning_party (its GLN), else "partner".
//
// The other way, ReadPartnerDeliveries finds a partner's confirmation that parcels arrived
// (docs/EPCIS.md, "Partner receipts confirm deliveries"): an ObjectEvent with action OBSERVE
// and bizStep receiving or accepting whose epcList holds SSCCs (EPC URN or Digital Link).
// Whose parcels they are is not checked here: the SSCCs say it (core::ConfirmDeliveries
// reports the ones this site never shipped). The partner is the destination of type
// owning_party (the party that took the goods), else the event's bizLocation, else its
// readPoint, else "partner"; a URI is read as the identifier at its end (a GLN, an SGLN's
// "company.location.extension"). No I/O, no clock.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "entrepot/epcis/identifiers.h"
#include "nlohmann/json.hpp"

namespace entrepot::epcis {

// At most this many shipments are read from one document (the rest are reported).
inline constexpr size_t kMaxPartnerShipments = 100;

struct PartnerShipmentLine {
  std::string gtin;  // 14 digits.
  int64_t quantity = 0;
};

struct PartnerShipment {
  std::string event_id;  // The captured event's eventID ("" when it had none).
  std::string receipt_id;
  std::string supplier;
  int64_t shipped_at_ms = 0;
  std::vector<PartnerShipmentLine> lines;  // In the order first seen; one per GTIN.
  std::vector<std::string> containers;     // Canonical ids ("sscc:" + 18 digits).
};

// A shipping event to this site that cannot become a receipt, and why ("no_contents",
// "bad_quantity", "too_many_shipments", ...).
struct PartnerShipmentProblem {
  std::string event_id;
  std::string reason;
  std::string message;
};

struct PartnerShipments {
  std::vector<PartnerShipment> shipments;
  std::vector<PartnerShipmentProblem> problems;
};

// At most this many delivery confirmations are read from one document (the rest are
// reported).
inline constexpr size_t kMaxPartnerDeliveries = 100;

// One receiving (or accepting) event of a partner: the parcels it took.
struct PartnerDelivery {
  std::string event_id;              // The captured event's eventID ("" when it had none).
  int64_t delivered_at_ms = 0;       // Its eventTime (0 when unreadable).
  std::string partner;               // An identifier of 1..64 of [A-Za-z0-9._-].
  std::vector<std::string> parcels;  // Canonical ids ("sscc:" + 18 digits), no repeats.
};

struct PartnerDeliveries {
  std::vector<PartnerDelivery> deliveries;
  std::vector<PartnerShipmentProblem> problems;  // "too_many_deliveries".
};

// The shipments `document` (a validated EPCISDocument) announces to the site of `site`
// (site_gln, or site_code for private URNs). Events for other destinations, and events of
// other kinds, are not read.
PartnerShipments ReadPartnerShipments(const nlohmann::json& document, const IdOptions& site);

// The delivery confirmations of `document` (a validated EPCISDocument), in document order:
// every receiving or accepting ObjectEvent (OBSERVE) with at least one SSCC in its epcList.
// Other events, and other EPCs of the epcList, are not read.
PartnerDeliveries ReadPartnerDeliveries(const nlohmann::json& document);

}  // namespace entrepot::epcis
