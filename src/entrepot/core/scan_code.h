// File: scan_code.h
//
// What a scanned code designates, before the sequencer judges it against the state: a unit
// of a product (GTIN with lot, expiry, serial, quantity), a location, a container, or a
// badge. Reads every form scanners send (GS1 element strings in all their carriers, GS1
// Digital Link, plain EAN/UPC, internal labels); see docs/SCANNING.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "entrepot/base/status.h"
#include "entrepot/domain/model.h"

namespace entrepot::core {

struct ScannedCode {
  enum class Kind : uint8_t { kItem, kLocation, kContainer, kBadge };
  Kind kind = Kind::kItem;
  domain::ItemKey item;  // kItem.
  int64_t quantity = 1;  // kItem: from AI (30) or (37) when present.
  std::string id;        // kLocation: location code; kContainer: canonical id; kBadge: code.
  // kContainer: the type a new container of this id would have (SSCC: parcel, GRAI: crate).
  domain::ContainerType container_type = domain::ContainerType::kTote;
};

// True if a scanned item (whose empty lot, expiry and serial are wildcards) designates the
// stock line `line`: the same product, and every detail the scan gives equal.
// Inline: the stow, pick and count paths call it for every candidate line.
inline bool Designates(const domain::ItemKey& scanned, const domain::ItemKey& line) {
  return scanned.gtin == line.gtin && (scanned.lot.empty() || scanned.lot == line.lot) &&
         (scanned.serial.empty() || scanned.serial == line.serial) &&
         (scanned.expiry.empty() || scanned.expiry == line.expiry);
}

// Interprets `code`. `reference_year` resolves two-digit GS1 years (the year the scan was
// made). Errors carry the reasons of the GS1 and label parsers (bad_check_digit,
// bad_label_check, bad_length, ...) plus "unknown_code" for data that is neither GS1 nor a
// label and "no_identifier" for GS1 data without a GTIN, SSCC, GRAI or GIAI.
StatusOr<ScannedCode> InterpretCode(std::string_view code, int reference_year);

}  // namespace entrepot::core
