#include "entrepot/core/master_data.h"

#include <algorithm>
#include <utility>

#include "entrepot/base/status_macros.h"
#include "entrepot/domain/container_id.h"
#include "entrepot/domain/gs1/check_digit.h"
#include "entrepot/domain/gs1/element_string.h"
#include "entrepot/domain/labels.h"
#include "entrepot/domain/layout.h"

namespace entrepot::core {
namespace {

using domain::ContainerSpec;
using domain::Location;
using domain::Product;
using domain::Zone;

std::string Quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

Status Invalid(std::string reason, std::string message) {
  return Error(StatusCode::kInvalidArgument, std::move(reason), std::move(message));
}

Status Refused(std::string reason, std::string message) {
  return Error(StatusCode::kFailedPrecondition, std::move(reason), std::move(message));
}

Status LimitReached(std::string_view what, size_t limit) {
  return Error(StatusCode::kResourceExhausted, "master_data_limit",
               "the site has " + std::to_string(limit) + " " + std::string(what) +
                   ", the most it may have; reuse an existing one");
}

// Names and descriptions show on handheld screens and in reports: one line of text.
Status CheckText(std::string_view reason, std::string_view what, std::string_view text,
                 size_t max_bytes) {
  if (text.empty() || text.size() > max_bytes) {
    return Invalid(std::string(reason), std::string(what) + " must have 1 to " +
                                            std::to_string(max_bytes) + " bytes, not " +
                                            std::to_string(text.size()));
  }
  auto control = std::find_if(text.begin(), text.end(), [](char c) {
    auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
  });
  if (control != text.end()) {
    return Invalid(std::string(reason), std::string(what) + " holds a control character at byte " +
                                            std::to_string(control - text.begin() + 1) +
                                            "; use one line of text");
  }
  return OkStatus();
}

Status CheckZoneDefined(const SiteState& state, std::string_view field, const std::string& zone) {
  if (!state.zones().contains(zone)) {
    return Refused("unknown_zone", std::string(field) + " " + Quoted(zone) +
                                       " is not defined; define the zone first");
  }
  return OkStatus();
}

StatusOr<MasterDataDecision> DecideZone(const SiteState& state, Zone zone) {
  ENTREPOT_RETURN_IF_ERROR(ValidateZoneCode(zone.code));
  ENTREPOT_RETURN_IF_ERROR(CheckText("bad_name", "zone name", zone.name, kMaxZoneNameBytes));
  auto existing = state.zones().find(zone.code);
  MasterDataOutcome outcome = MasterDataOutcome::kCreated;
  if (existing != state.zones().end()) {
    outcome = existing->second.name == zone.name ? MasterDataOutcome::kUnchanged
                                                 : MasterDataOutcome::kUpdated;
  } else if (state.zones().size() >= domain::kMaxLayoutZones) {
    return LimitReached("zones", domain::kMaxLayoutZones);
  }
  Event event = ZoneDefined{zone};
  return MasterDataDecision{outcome, std::move(zone), std::move(event)};
}

bool SameLocation(const Location& a, const Location& b) {
  return a.code == b.code && a.zone == b.zone && a.aisle == b.aisle && a.bay == b.bay &&
         a.level == b.level && a.position == b.position && a.type == b.type &&
         a.capacity_units == b.capacity_units;
}

Status CheckLocationValues(const Location& location) {
  ENTREPOT_RETURN_IF_ERROR(domain::ValidateLabelCode(location.code));
  const std::pair<std::string_view, int32_t> coordinates[] = {{"aisle", location.aisle},
                                                              {"bay", location.bay},
                                                              {"level", location.level},
                                                              {"position", location.position}};
  for (const auto& [name, value] : coordinates) {
    if (value < 0) {
      return Invalid("bad_coordinate", std::string(name) + " is " + std::to_string(value) +
                                           "; coordinates are >= 0 (0 = not set)");
    }
  }
  if (location.capacity_units < 0 || location.capacity_units > domain::kMaxLocationCapacityUnits) {
    return Invalid("bad_capacity", "capacity_units is " + std::to_string(location.capacity_units) +
                                       "; it must be in [0, " +
                                       std::to_string(domain::kMaxLocationCapacityUnits) +
                                       "] (0 = unlimited)");
  }
  return OkStatus();
}

// The rules that keep stock exact when an existing location changes (design note 2).
Status CheckLocationUpdate(const LocationState& current, const Location& location) {
  const Location& before = current.location;
  if (location.type != before.type) {
    std::string held = current.units > 0        ? std::to_string(current.units) + " units"
                       : current.containers > 0 ? "containers"
                                                : "";
    if (!held.empty()) {
      return Refused("location_in_use", "location " + location.code + " is a " +
                                            std::string(domain::LocationTypeName(before.type)) +
                                            " that holds " + held +
                                            "; empty it before making it a " +
                                            std::string(domain::LocationTypeName(location.type)));
    }
  }
  if (location.capacity_units > 0 && location.capacity_units < current.units) {
    return Refused("capacity_below_stock",
                   "location " + location.code + " holds " + std::to_string(current.units) +
                       " units; a capacity of " + std::to_string(location.capacity_units) +
                       " is below that. Move units out first, or set a capacity of at least " +
                       std::to_string(current.units));
  }
  return OkStatus();
}

StatusOr<MasterDataDecision> DecideLocation(const SiteState& state, Location location) {
  ENTREPOT_RETURN_IF_ERROR(CheckLocationValues(location));
  ENTREPOT_RETURN_IF_ERROR(CheckZoneDefined(state, "zone", location.zone));
  MasterDataOutcome outcome = MasterDataOutcome::kCreated;
  if (const LocationState* current = state.FindLocation(location.code)) {
    if (SameLocation(current->location, location)) {
      return MasterDataDecision{MasterDataOutcome::kUnchanged, location, LocationDefined{location}};
    }
    ENTREPOT_RETURN_IF_ERROR(CheckLocationUpdate(*current, location));
    outcome = MasterDataOutcome::kUpdated;
  } else if (state.locations().size() >= domain::kMaxLayoutLocations) {
    return LimitReached("locations", domain::kMaxLayoutLocations);
  }
  Event event = LocationDefined{location};
  return MasterDataDecision{outcome, std::move(location), std::move(event)};
}

StatusOr<MasterDataDecision> DecideProduct(const SiteState& state, Product product) {
  ENTREPOT_ASSIGN_OR_RETURN(product.gtin, NormalizeProductGtin(product.gtin));
  ENTREPOT_RETURN_IF_ERROR(CheckText("bad_description", "description", product.description,
                                     kMaxProductDescriptionBytes));
  if (!product.home_zone.empty()) {
    ENTREPOT_RETURN_IF_ERROR(CheckZoneDefined(state, "home_zone", product.home_zone));
  }
  MasterDataOutcome outcome = MasterDataOutcome::kCreated;
  if (const Product* current = state.FindProduct(product.gtin)) {
    bool same =
        current->description == product.description && current->home_zone == product.home_zone;
    outcome = same ? MasterDataOutcome::kUnchanged : MasterDataOutcome::kUpdated;
  } else if (state.products().size() >= domain::kMaxLayoutProducts) {
    return LimitReached("products", domain::kMaxLayoutProducts);
  }
  Event event = ProductDefined{product};
  return MasterDataDecision{outcome, std::move(product), std::move(event)};
}

StatusOr<MasterDataDecision> DecideContainer(const SiteState& state, ContainerSpec container) {
  ENTREPOT_ASSIGN_OR_RETURN(container.id, CanonicalContainerId(container.id));
  MasterDataOutcome outcome = MasterDataOutcome::kCreated;
  if (const ContainerState* current = state.FindContainer(container.id)) {
    if (current->type == container.type) {
      outcome = MasterDataOutcome::kUnchanged;
    } else if (current->shipped) {
      return Refused("container_shipped",
                     "container " + container.id + " was shipped as a " +
                         std::string(domain::ContainerTypeName(current->type)) +
                         "; a shipped container's record cannot change");
    } else {
      outcome = MasterDataOutcome::kUpdated;
    }
  }
  Event event = ContainerRegistered{container.id, container.type};
  return MasterDataDecision{outcome, std::move(container), std::move(event)};
}

}  // namespace

std::string_view MasterDataKindName(const MasterDataChange& change) {
  static constexpr std::string_view kNames[] = {"zone", "location", "product", "container"};
  return kNames[change.index()];
}

std::string_view MasterDataOutcomeName(MasterDataOutcome outcome) {
  switch (outcome) {
    case MasterDataOutcome::kCreated:
      return "created";
    case MasterDataOutcome::kUpdated:
      return "updated";
    case MasterDataOutcome::kUnchanged:
      return "unchanged";
  }
  return "unchanged";
}

Status ValidateZoneCode(std::string_view code) {
  bool alnum = std::all_of(code.begin(), code.end(),
                           [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'); });
  if (code.empty() || code.size() > kMaxZoneCodeLength || !alnum) {
    return Invalid("bad_zone_code", "zone code " + Quoted(code) + " must be 1 to " +
                                        std::to_string(kMaxZoneCodeLength) +
                                        " upper-case letters and digits");
  }
  return OkStatus();
}

StatusOr<std::string> NormalizeProductGtin(std::string_view text) {
  StatusOr<std::string> gtin = gs1::NormalizeGtin(text);
  if (!gtin.ok() && gtin.status().reason() != "bad_check_digit") {
    return Invalid("bad_gtin", "GTIN " + Quoted(text) + " must be 8, 12, 13 or 14 digits");
  }
  if (!gtin.ok()) {
    return Invalid("bad_check_digit", "GTIN " + Quoted(text) + ": " + gtin.status().message());
  }
  return gtin;
}

StatusOr<std::string> CanonicalContainerId(std::string_view text) {
  if (domain::HasContainerIdPrefix(text)) {
    ENTREPOT_RETURN_IF_ERROR(domain::ValidateContainerId(text));
    return std::string(text);
  }
  if (domain::LooksLikeLabel(text)) {
    ENTREPOT_ASSIGN_OR_RETURN(domain::InternalLabel label, domain::ParseLabel(text));
    if (label.kind == domain::LabelKind::kContainer) {
      return "label:" + label.code;
    }
  }
  return Invalid("bad_container_id",
                 "container id " + Quoted(text) +
                     ": expected sscc:, grai:, giai: or label: followed by the id, or a "
                     "container label such as C.T00042.2");
}

StatusOr<MasterDataDecision> DecideMasterData(const SiteState& state,
                                              const MasterDataChange& change) {
  return std::visit(
      [&state](const auto& object) -> StatusOr<MasterDataDecision> {
        using T = std::decay_t<decltype(object)>;
        if constexpr (std::is_same_v<T, Zone>) {
          return DecideZone(state, object);
        } else if constexpr (std::is_same_v<T, Location>) {
          return DecideLocation(state, object);
        } else if constexpr (std::is_same_v<T, Product>) {
          return DecideProduct(state, object);
        } else {
          static_assert(std::is_same_v<T, ContainerSpec>, "a master-data kind without a rule");
          return DecideContainer(state, object);
        }
      },
      change);
}

}  // namespace entrepot::core
