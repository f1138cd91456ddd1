#include "entrepot/domain/model.h"

#include <array>
#include <string>
#include <utility>

namespace entrepot::domain {
namespace {

// One table per enum so that Name and Parse cannot drift apart.
constexpr std::array<std::pair<LocationType, std::string_view>, 5> kLocationTypeNames = {{
    {LocationType::kDock, "dock"},
    {LocationType::kStowBin, "stow_bin"},
    {LocationType::kPickFace, "pick_face"},
    {LocationType::kPackStation, "pack_station"},
    {LocationType::kOutboundDoor, "outbound_door"},
}};

constexpr std::array<std::pair<ContainerType, std::string_view>, 5> kContainerTypeNames = {{
    {ContainerType::kTote, "tote"},
    {ContainerType::kCrate, "crate"},
    {ContainerType::kPallet, "pallet"},
    {ContainerType::kCart, "cart"},
    {ContainerType::kParcel, "parcel"},
}};

template <typename Table>
std::string JoinNames(const Table& table) {
  std::string joined;
  for (const auto& [value, name] : table) {
    if (!joined.empty()) {
      joined += ", ";
    }
    joined += name;
  }
  return joined;
}

}  // namespace

std::string_view LocationTypeName(LocationType type) {
  for (const auto& [value, name] : kLocationTypeNames) {
    if (value == type) {
      return name;
    }
  }
  ENTREPOT_CHECK(false && "LocationType missing from kLocationTypeNames");
  return {};
}

std::string_view ContainerTypeName(ContainerType type) {
  for (const auto& [value, name] : kContainerTypeNames) {
    if (value == type) {
      return name;
    }
  }
  ENTREPOT_CHECK(false && "ContainerType missing from kContainerTypeNames");
  return {};
}

StatusOr<LocationType> ParseLocationType(std::string_view name) {
  for (const auto& [value, known] : kLocationTypeNames) {
    if (known == name) {
      return value;
    }
  }
  return Error(StatusCode::kInvalidArgument, "unknown_location_type",
               "unknown location type \"" + std::string(name) +
                   "\"; expected one of: " + JoinNames(kLocationTypeNames));
}

StatusOr<ContainerType> ParseContainerType(std::string_view name) {
  for (const auto& [value, known] : kContainerTypeNames) {
    if (known == name) {
      return value;
    }
  }
  return Error(StatusCode::kInvalidArgument, "unknown_container_type",
               "unknown container type \"" + std::string(name) +
                   "\"; expected one of: " + JoinNames(kContainerTypeNames));
}

}  // namespace entrepot::domain
