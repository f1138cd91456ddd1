// File: model.h
//
// The warehouse's master data as value types: zones, locations (bins), products, containers,
// and the identity of a unit of stock. Pure data: no I/O, no clock. The sequencer (core/)
// keeps these in memory; layout.h builds them from a TOML file.
//
// Identifiers are canonical strings so they can key maps, travel in events and be printed:
//   - a location is its code, e.g. "A-01-012-3-1" (see labels.h for the printed label);
//   - a container is "sscc:<18 digits>", "grai:<AI 8003 data>", "giai:<AI 8004 data>" or
//     "label:<code>" for an internal container label;
//   - a product is its GTIN normalised to 14 digits.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "entrepot/base/status.h"

namespace entrepot::domain {

enum class LocationType { kDock, kStowBin, kPickFace, kPackStation, kOutboundDoor };
enum class ContainerType { kTote, kCrate, kPallet, kCart, kParcel };

// Lower-case names used in files, JSON and messages ("stow_bin", "pack_station", "tote").
std::string_view LocationTypeName(LocationType type);
std::string_view ContainerTypeName(ContainerType type);
// Return kInvalidArgument (reason "unknown_location_type" / "unknown_container_type").
StatusOr<LocationType> ParseLocationType(std::string_view name);
StatusOr<ContainerType> ParseContainerType(std::string_view name);

struct Zone {
  std::string code;  // "A", "PICK", ...: upper-case letters and digits.
  std::string name;
};

struct Location {
  std::string code;  // Unique in the site; see labels.h.
  std::string zone;  // Zone code.
  int32_t aisle = 0;
  int32_t bay = 0;
  int32_t level = 0;
  int32_t position = 0;
  LocationType type = LocationType::kStowBin;
  int64_t capacity_units = 0;  // Units the location may hold; 0 means unlimited.
};

struct Product {
  std::string gtin;  // 14 digits, valid check digit.
  std::string description;
  std::string home_zone;  // Preferred storage zone; may be empty.
};

struct ContainerSpec {
  std::string id;  // Canonical container id (see the file comment).
  ContainerType type = ContainerType::kTote;
};

// What identifies a unit of stock, apart from where it is. Empty lot/serial/expiry mean the
// label did not carry them. expiry is "YYYY-MM-DD" (AI 17, day 00 resolved to month end).
struct ItemKey {
  std::string gtin;
  std::string lot;
  std::string expiry;
  std::string serial;

  friend bool operator==(const ItemKey&, const ItemKey&) = default;
  friend auto operator<=>(const ItemKey&, const ItemKey&) = default;
};

// Where stock is: directly in a location, or in a container (which is somewhere itself).
struct Holder {
  enum class Kind : uint8_t { kLocation, kContainer };
  Kind kind = Kind::kLocation;
  std::string id;  // Location code or canonical container id.

  static Holder AtLocation(std::string code) { return {Kind::kLocation, std::move(code)}; }
  static Holder InContainer(std::string id) { return {Kind::kContainer, std::move(id)}; }
  bool IsLocation() const { return kind == Kind::kLocation; }
  friend bool operator==(const Holder&, const Holder&) = default;
  friend auto operator<=>(const Holder&, const Holder&) = default;
};

// The site's master data as loaded from a layout file.
struct Layout {
  std::string site_code;
  std::string site_name;
  std::vector<Zone> zones;
  std::vector<Location> locations;
  std::vector<Product> products;
  std::vector<ContainerSpec> containers;
};

}  // namespace entrepot::domain
