// File: epcis_postgres.h
//
// The captured EPCIS events and capture jobs of a site whose journal is in PostgreSQL
// (docs/STORAGE.md, "Failover"; docs/EPCIS.md): a SharedEpcisCaptureStore
// (epcis_capture_store.h) over the site's rows of the entrepot_epcis_* tables (schema
// migration 6, store/postgres_connection.cc), so that a capture answered by one node is kept
// by the site, and the node that takes the site over serves it. The site's own events are not
// there: each node derives them from the journal into its DIR/epcis.db.
//
// Captures of a site are serialised by the lock on its row of entrepot_epcis_counters (taken
// by InsertJob, held until the transaction ends), which also numbers its jobs and events, so
// that events become visible in seq order and a node copying them after a seq misses none.
//
// A library of its own (postgres_epcis), so that only what serves a site from PostgreSQL
// links libpq.
#pragma once

#include <memory>
#include <string>

#include "entrepot/base/status.h"
#include "entrepot/server/epcis_capture_store.h"

namespace entrepot::server {

// The captured events of `site` in the database of `conninfo` (a postgresql:// URL or libpq
// conninfo), the schema migrated first (as PostgresJournal::Open). The connection is
// re-established by the next call after it was lost. Errors: kInvalidArgument
// "bad_site_code", "bad_store_url"; kFailedPrecondition "unsupported_format" (a newer schema);
// kUnavailable "epcis_unavailable"; kPermissionDenied "epcis_permission_denied"; kInternal
// "epcis_error"; the methods' errors are the same.
StatusOr<std::unique_ptr<SharedEpcisCaptureStore>> OpenPostgresEpcisCaptures(
    const std::string& conninfo, const std::string& site);

}  // namespace entrepot::server
