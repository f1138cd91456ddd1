// File: site_at_start.h
//
// What a site holds, read from its state, as the floor model's starting belief
// (FloorModel::Create's SiteAtStart): the next shift carries on from the last one.
#pragma once

#include "entrepot/core/site_state.h"
#include "entrepot/sim/floor_model.h"

namespace entrepot::sim {

// Stock per holder (expiries in the model's YYMMDD form, serials merged), the orders neither
// shipped nor cancelled, the picked orders' totes to pack, the parcels not shipped, the
// pallets with units to stow, and the totes in use (holding units, or an order's).
SiteAtStart ReadSiteAtStart(const core::SiteState& state);

}  // namespace entrepot::sim
