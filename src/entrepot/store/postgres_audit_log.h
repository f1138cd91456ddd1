// File: postgres_audit_log.h
//
// The audit log of a site whose journal is in PostgreSQL (docs/STORAGE.md, "Failover"): the
// same AuditLog (audit_log.h), chain and behaviour as DIR/audit.db, stored in the site's rows
// of two tables of the database (schema migration 3, postgres_connection.cc):
//  - entrepot_audit_chain: one row per site with the head, the anchor, the format version
//    and the key check;
//  - entrepot_audit: the records, keyed by (site, seq).
// Every append and prune locks the site's chain row (SELECT ... FOR UPDATE) before reading
// the head, so the nodes that fail over for a site, and several processes on one node,
// append to one chain; the lock is released at COMMIT.
//
// The key is NOT in the database: it stays in a file on each node (DIR/audit.key), which must
// be the same file on every node of the site (copy it when adding a node). The database keeps
// only the key's public fingerprint, so that whoever administers the database, without the
// key, cannot rebuild a chain after editing or deleting records, and a node with another key
// refuses to write ("audit_key_mismatch") rather than fork the chain.
#pragma once

#include <memory>
#include <string>

#include "entrepot/base/status.h"
#include "entrepot/store/audit_log.h"

namespace entrepot::store {

// Opens the audit log of `site` in the database of `conninfo` (a postgresql:// URL or libpq
// conninfo) with the key file at `key_path`. A writable open applies the schema migrations
// (as PostgresJournal::Open) and, when the site has no log yet and options.create_if_missing,
// creates it (and the key file when missing). options.busy_timeout_ms bounds the wait for
// another writer's lock (kUnavailable past it). Errors: those of AuditLog::Open for the key
// file and the log (audit_key_missing, audit_key_insecure, audit_key_corrupt,
// audit_key_mismatch, unsupported_format: the schema or the log is newer than this build),
// and
//   kInvalidArgument "bad_site_code", "bad_store_url";
//   kNotFound "audit_log_not_found"      the site has no log and (read_only or
//                                        !create_if_missing), or the schema predates it;
//   kDataLoss "audit_log_corrupt"        the site's chain row is missing but records remain;
//   kUnavailable "audit_log_unavailable" the server cannot be reached or failed;
//   kPermissionDenied "journal_permission_denied", kInternal "journal_error" (the server
//                                        refused a statement).
StatusOr<std::unique_ptr<AuditLog>> OpenPostgresAuditLog(const std::string& conninfo,
                                                         const std::string& site,
                                                         const std::string& key_path,
                                                         AuditLogOptions options = {});

// The audit log of a site as `entrepot serve` and `entrepot audit` find it: with an empty
// `store_url`, AuditLog::OpenInDirectory(data_dir); otherwise OpenPostgresAuditLog(store_url,
// site, DIR/audit.key). Errors as those.
StatusOr<std::unique_ptr<AuditLog>> OpenSiteAuditLog(const std::string& data_dir,
                                                     const std::string& store_url,
                                                     const std::string& site,
                                                     AuditLogOptions options = {});

}  // namespace entrepot::store
