// File: postgres_audit_import.h
//
// `entrepot migrate` of a site's audit log of personal-data access (docs/AUDIT.md): DIR/audit.db
// copied as it is into the site's log in PostgreSQL (postgres_audit_log.h), so that the nodes
// of the site go on appending to the same chain and `entrepot audit verify --store` checks
// the whole history, from before the move too.
#pragma once

#include <cstdint>
#include <string>

#include "entrepot/base/status.h"

namespace entrepot::store {

struct AuditImportReport {
  uint64_t records = 0;     // Records copied.
  uint64_t anchor_seq = 0;  // Records up to it had been pruned before the copy.
  uint64_t head_seq = 0;    // The last record.
};

// Copies the audit log of `data_dir` (DIR/audit.db, chained under DIR/audit.key) into the log
// of `site` in the database of `conninfo`, in one transaction: every record with its seq and
// hash, the anchor (what was pruned), the head and the key's fingerprint, so that the copy
// verifies under the same key file, which stays in DIR (copy it to every node). The source is
// only read, and verified first: a log that does not verify is not copied. The copy is then
// verified in PostgreSQL. Errors:
//   kNotFound "audit_log_not_found"            DIR holds no audit.db (nothing to copy);
//   kFailedPrecondition "audit_log_not_empty"  the site already has a log or records there;
//   kDataLoss "audit_chain_broken"             the source does not verify (or the copy);
//   and those of AuditLog::Open (the source, its key) and OpenPostgresAuditLog.
StatusOr<AuditImportReport> CopyAuditLogToPostgres(const std::string& data_dir,
                                                   const std::string& conninfo,
                                                   const std::string& site);

}  // namespace entrepot::store
