// File: master_data.h
//
// Changes to a running site's master data: create or update a zone, a location, a product
// or a container while scans flow (the layout file defines the first master data; see
// docs/LAYOUT.md, "Changes while the site runs"). A change is decided against the current
// SiteState here, then journaled by the engine as one master-data entry holding one
// *Defined / ContainerRegistered event. Those events are upserts when applied (a second
// ZoneDefined for a code replaces its attributes; a LocationDefined keeps the stock and
// flag of the location; a ContainerRegistered keeps where the container is and what it
// holds), so replaying the journal rebuilds the same state.
//
// Design notes:
//  (1) Master data is never deleted: nothing that stock, a device or a journal entry refers
//      to can disappear, so a change can never leave a dangling reference.
//  (2) A change keeps inventory exact: a location that holds anything keeps its type
//      ("location_in_use"), a capacity is never set below the units a location holds
//      ("capacity_below_stock"), and a shipped container is history ("container_shipped").
//      Codes (the keys) never change: a renamed bin is a new location.
//  (3) A change that changes nothing is accepted as "unchanged" and writes no journal
//      record, so a retried PUT neither grows the journal nor moves the feed.
//  (4) Pure: no I/O, no clock; the caller passes the time of the change.
//
// Privacy (rule RET-01): a change carries no identity of the person who made it. Who changed
// what belongs in the account store's audit trail, never in the operational journal.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "entrepot/base/status.h"
#include "entrepot/core/events.h"
#include "entrepot/core/site_state.h"
#include "entrepot/domain/model.h"

namespace entrepot::core {

// What to store: the whole object, its key included (zone code, location code, GTIN,
// container id). Every attribute is replaced (PUT semantics).
using MasterDataChange =
    std::variant<domain::Zone, domain::Location, domain::Product, domain::ContainerSpec>;

// "zone", "location", "product", "container": the kind of object a change stores.
std::string_view MasterDataKindName(const MasterDataChange& change);

enum class MasterDataOutcome : uint8_t {
  kCreated,    // The object did not exist; one record was journaled.
  kUpdated,    // An attribute changed; one record was journaled.
  kUnchanged,  // Identical to what is stored; nothing was journaled (design note 3).
};
// "created", "updated", "unchanged".
std::string_view MasterDataOutcomeName(MasterDataOutcome outcome);

// Limits of the values (the same as a layout file's, docs/LAYOUT.md).
inline constexpr size_t kMaxZoneCodeLength = 16;
inline constexpr size_t kMaxZoneNameBytes = 200;
inline constexpr size_t kMaxProductDescriptionBytes = 500;

// OK when `code` is 1-16 upper-case letters and digits. Otherwise kInvalidArgument
// "bad_zone_code".
Status ValidateZoneCode(std::string_view code);

// A GTIN-8, -12, -13 or -14 as 14 digits. Errors, kInvalidArgument: "bad_gtin" (not 8, 12,
// 13 or 14 digits), "bad_check_digit" (the message gives the expected digit).
StatusOr<std::string> NormalizeProductGtin(std::string_view text);

// The canonical id of a container given as a canonical id ("sscc:<18 digits>",
// "grai:<AI 8003 data>", "giai:<AI 8004 data>", "label:<code>") or as its printed label
// ("C.T00042.2", any case). Errors, kInvalidArgument: "bad_container_id" (none of these
// forms, or GS1 data of the wrong shape), "bad_check_digit" (SSCC or GRAI), "bad_label_code",
// "bad_label_check".
StatusOr<std::string> CanonicalContainerId(std::string_view text);

struct MasterDataDecision {
  MasterDataOutcome outcome = MasterDataOutcome::kUnchanged;
  // The object as stored after the change, normalised (14-digit GTIN, canonical container
  // id); when unchanged, as it is stored.
  MasterDataChange stored;
  // The event to journal and apply. Meaningful only when outcome != kUnchanged.
  Event event;
};

// Decides `change` against `state`; changes nothing. Checks, in this order, and returns the
// first failure:
//   zone:      kInvalidArgument "bad_zone_code"; "bad_name" (name empty, over 200 bytes, or
//              holding control characters); kResourceExhausted "master_data_limit" (a new
//              zone past domain::kMaxLayoutZones).
//   location:  kInvalidArgument "bad_label_code" (code, docs/LABELS.md); "bad_coordinate"
//              (aisle, bay, level or position negative); "bad_capacity" (outside
//              [0, domain::kMaxLocationCapacityUnits]); kFailedPrecondition "unknown_zone";
//              for an existing location kFailedPrecondition "location_in_use" (the type
//              changes while units or containers are at the location) and
//              "capacity_below_stock" (a capacity other than 0 = unlimited below the units it
//              holds); for a new one kResourceExhausted "master_data_limit"
//              (domain::kMaxLayoutLocations).
//   product:   kInvalidArgument "bad_gtin", "bad_check_digit"; "bad_description" (empty,
//              over 500 bytes, or control characters); kFailedPrecondition "unknown_zone"
//              (home_zone, when not empty); kResourceExhausted "master_data_limit"
//              (domain::kMaxLayoutProducts).
//   container: the errors of CanonicalContainerId; kFailedPrecondition "container_shipped"
//              (a shipped container's type cannot change). Containers have no count limit:
//              scans register SSCCs without one.
// The type of a loaded container may change: no rule depends on a container's type once it
// exists, so its contents and place stay exact.
StatusOr<MasterDataDecision> DecideMasterData(const SiteState& state,
                                              const MasterDataChange& change);

}  // namespace entrepot::core
