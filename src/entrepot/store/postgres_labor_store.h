// File: postgres_labor_store.h
//
// The labor stream of a site whose journal is in PostgreSQL (docs/STORAGE.md, "Failover";
// docs/LABOR.md): the same LaborStore (labor_store.h) and behaviour as DIR/labor.db, its rows
// in the site's rows of the entrepot_labor_* tables (schema migration 5,
// store/postgres_connection.cc), so that the node that takes a site over finds the day's
// sessions and scans, the rota and the weekly figures the former active node recorded.
//
// The keys are not in PostgreSQL: they stay files of the key directory
// (LaborStoreOptions::key_dir, `entrepot serve --labor-keys`). PostgreSQL keeps deleted rows
// in dead tuples, its WAL, replicas and backups, and there is nothing like SQLite's scrub;
// the rows hold only day pseudonyms, week pseudonyms and team tokens, so once a key file is
// destroyed its day or week links nobody, wherever old copies of the rows remain. For a day
// to stay attributable across a takeover, all nodes of a site must share one key directory;
// with node-local ones, the node that takes over starts a new day key and the sessions
// recorded before roll up unattributed (docs/LABOR.md, "Failover and keys").
//
// A library of its own (postgres_labor), so that only what serves a site from PostgreSQL
// links libpq.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "entrepot/base/status.h"
#include "entrepot/privacy/policy.h"
#include "entrepot/store/labor_storage.h"
#include "entrepot/store/labor_store.h"

namespace entrepot::store {

// The rows of the labor stream of `site` in the database of `conninfo` (a postgresql:// URL
// or libpq conninfo), the schema migrated first (as PostgresJournal::Open). Errors:
// kInvalidArgument "bad_site_code", "bad_store_url"; kFailedPrecondition
// "unsupported_format" (a newer schema); kUnavailable "labor_unavailable";
// kPermissionDenied "labor_permission_denied"; kInternal "labor_error".
StatusOr<std::unique_ptr<LaborStorage>> OpenPostgresLaborStorage(const std::string& conninfo,
                                                                 const std::string& site);

// A LaborStore over OpenPostgresLaborStorage(conninfo, site) and the key directory
// options.key_dir, which holds the keys of one site: its file "site" names it (written at the
// first open), since key names carry no site. REQUIRES: options.key_dir is not empty. Errors:
// kFailedPrecondition "labor_keys_of_another_site"; those of OpenPostgresLaborStorage and
// LaborStore::Open.
StatusOr<std::unique_ptr<LaborStore>> OpenPostgresLaborStore(const std::string& conninfo,
                                                             const std::string& site,
                                                             const privacy::Policy& policy,
                                                             LaborStoreOptions options);

// The labor store of a site as `entrepot serve` finds it: with an empty `store_url`,
// LaborStore::Open(data_dir); otherwise OpenPostgresLaborStore(store_url, site). The key
// directory is options.key_dir, or DIR/labor-keys when empty. Errors as those.
StatusOr<std::unique_ptr<LaborStore>> OpenSiteLaborStore(const std::filesystem::path& data_dir,
                                                         const std::string& store_url,
                                                         const std::string& site,
                                                         const privacy::Policy& policy,
                                                         LaborStoreOptions options);

}  // namespace entrepot::store
