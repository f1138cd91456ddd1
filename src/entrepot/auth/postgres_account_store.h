// File: postgres_account_store.h
//
// The accounts of a site whose journal is in PostgreSQL (docs/STORAGE.md, "Failover"): the
// same AccountStore (account_store.h) and behaviour as DIR/accounts.db, stored in the site's
// rows of five tables of the database (schema migrations 4 and 7, store/postgres_connection.cc):
// entrepot_account_users, entrepot_account_sessions, entrepot_account_devices,
// entrepot_account_device_sessions and entrepot_account_notice_acks, each keyed by site. Every
// node of the site reads and writes the same rows: a bearer token issued by one node, or a
// user or device added on one, works on the others, in particular after a failover. User and
// device ids are unique in the database (identity columns shared by its sites).
//
// What each node keeps in memory (live device tokens, device sessions) is as account_store.h
// says: loaded at Open, following that node's writes. Only the active node serves the site,
// and a node opens the store when it takes the site over, so it starts from what the former
// active node wrote.
//
// A library of its own (postgres_accounts), so that only what serves a site from PostgreSQL
// links libpq.
#pragma once

#include <memory>
#include <string>

#include "entrepot/auth/account_store.h"
#include "entrepot/base/status.h"

namespace entrepot::auth {

// Opens the accounts of `site` in the database of `conninfo` (a postgresql:// URL or libpq
// conninfo), applying the schema migrations (as PostgresJournal::Open) first. The store's
// site code (scope checks at badge sign-in) is `site`; options.site_code, when set, must be
// the same. options.create_if_missing is not used: a site's accounts are its rows, none at
// first. Errors:
//   kInvalidArgument "bad_site_code", "bad_store_url";
//   kFailedPrecondition "site_mismatch" (options.site_code names another site),
//                       "unsupported_format" (the schema is newer than this build);
//   kUnavailable "accounts_unavailable" (the server cannot be reached or failed);
//   kPermissionDenied "accounts_permission_denied", kInternal "accounts_error" (the server
//                       refused a statement).
StatusOr<std::unique_ptr<AccountStore>> OpenPostgresAccountStore(const std::string& conninfo,
                                                                 const std::string& site,
                                                                 AccountStoreOptions options);

// The accounts of a site as `entrepot serve`, `user add` and `device add` find them: with an
// empty `store_url`, AccountStore::Open(DIR/accounts.db); otherwise
// OpenPostgresAccountStore(store_url, site). Errors as those.
StatusOr<std::unique_ptr<AccountStore>> OpenSiteAccountStore(const std::string& data_dir,
                                                             const std::string& store_url,
                                                             const std::string& site,
                                                             AccountStoreOptions options);

}  // namespace entrepot::auth
