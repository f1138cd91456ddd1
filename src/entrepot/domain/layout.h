// File: layout.h
//
// Builds the site's master data (model.h's Layout) from a layout file written in TOML. The
// format, with a complete example, is in docs/LAYOUT.md; examples/fc-lyon/layout.toml is a
// realistic site with 22,660 locations. A file lists:
//
//   [site]                 code, name
//   [[zones]]              code, name
//   [[locations]]          one location: code, zone, type, capacity, aisle/bay/level/position
//   [[location_ranges]]    a rack expanded into bins "<zone>-<aisle>-<bay>-<level>-<position>"
//   [[products]]           gtin (8, 12, 13 or 14 digits; stored as 14), description, home_zone
//   [[containers]]         one container: id ("sscc:...", "label:T09999", ...) or label, type
//   [[container_ranges]]   numbered internal-label containers: prefix, from, to, digits, type
//
// Parsing is pure: the caller reads the file and passes its text. The whole file is
// validated before anything is returned, so a Layout that comes back is internally
// consistent (unique codes, defined zones, valid GTINs and container ids, within limits).
//
// Order of Layout::locations, deterministic for a given file: the [[locations]] entries in
// file order, then each [[location_ranges]] entry in file order, its bins by ascending aisle,
// bay, level, position. Layout::containers likewise: [[containers]], then each range in order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "entrepot/base/status.h"
#include "entrepot/domain/model.h"

namespace entrepot::domain {

// Limits on what a layout file may define (more gives "layout_too_large").
inline constexpr size_t kMaxLayoutTomlBytes = size_t{256} << 20;
inline constexpr size_t kMaxLayoutZones = 1'000;
inline constexpr size_t kMaxLayoutLocations = 1'000'000;
inline constexpr size_t kMaxLayoutProducts = 1'000'000;
inline constexpr size_t kMaxLayoutContainers = 1'000'000;
// Largest capacity a location may declare, so that sums of capacities cannot overflow.
inline constexpr int64_t kMaxLocationCapacityUnits = 1'000'000'000;

// Parses and validates a layout file. Errors name the table entry and, where toml++ knows
// it, the line and column: `locations[12]: zone "Q" is not defined (line 80, column 8)`.
// Entry indexes count from 0 in file order. The first error found is returned:
//   kInvalidArgument "bad_toml"               — not valid TOML;
//   kInvalidArgument "bad_gtin"               — a GTIN is not 8, 12, 13 or 14 digits;
//   kInvalidArgument "bad_check_digit"        — a GTIN, SSCC or GRAI has a wrong check digit;
//   kInvalidArgument "bad_label_code"         — a location, container label or generated code
//                                               breaks labels.h's rules;
//   kInvalidArgument "unknown_location_type" / "unknown_container_type";
//   kResourceExhausted "layout_too_large"     — more than the limits above;
//   kInvalidArgument "bad_layout"             — anything else: a missing or unknown key, a
//                                               wrong value type, an undefined zone, a
//                                               duplicate code, GTIN or container id, a range
//                                               with from > to or outside the code scheme, a
//                                               negative capacity.
StatusOr<Layout> ParseLayoutToml(std::string_view toml_text);

// "A-04-012-3-2": the code of a rack bin, as [[location_ranges]] generates it (aisle in two
// digits, bay in three, level and position in one).
// REQUIRES: aisle in [0, 99], bay in [0, 999], level and position in [0, 9].
std::string RackLocationCode(std::string_view zone, int32_t aisle, int32_t bay, int32_t level,
                             int32_t position);

}  // namespace entrepot::domain
