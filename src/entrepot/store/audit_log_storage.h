// File: audit_log_storage.h
//
// AuditLogStorage: where an AuditLog (audit_log.h) keeps its records, head and anchor. The
// chain itself (seqs, hashes, the prune's checks and record, verification) is AuditLog's and
// the same for every backend; a backend only stores and reads rows:
//  - SQLite: DIR/audit.db (AuditLog::Open, in audit_log.cc);
//  - PostgreSQL: tables entrepot_audit_chain and entrepot_audit keyed by site
//    (postgres_audit_log.h), so that the nodes that fail over for a site share one chain.
// Also the helpers both backends share: the key file, reading a row back, the SQL of a query.
// For backends only: callers use AuditLog.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "entrepot/base/status.h"
#include "entrepot/privacy/audit_chain.h"
#include "entrepot/store/audit_log.h"

namespace entrepot::store {

// Called for each stored row in seq order: the record, or why the row cannot be read back
// (kInvalidArgument "bad_audit_record": edited outside the log). Returns false to stop.
using AuditRowVisitor = std::function<bool(uint64_t seq, const StatusOr<StoredAuditRecord>& row)>;

// Not thread-safe: AuditLog calls the write methods under its write mutex and the read
// methods under its read mutex; a backend keeps one connection for each side. Errors use
// the reasons of audit_log.h ("audit_log_unavailable", "audit_log_corrupt", ...).
class AuditLogStorage {
 public:
  virtual ~AuditLogStorage() = default;

  // Where the log is, for messages: a file path, or "postgresql://HOST/DB site CODE".
  virtual const std::string& location() const = 0;

  // --- Writes: between BeginWrite() and CommitWrite() or AbortWrite().
  // Begins a transaction that excludes every other writer of this log (threads of other
  // AuditLog objects, other processes, other nodes) until it ends, so that the head read
  // next is the one the append chains to.
  virtual Status BeginWrite() = 0;
  virtual Status CommitWrite() = 0;
  // Rolls back; harmless when the transaction already ended.
  virtual void AbortWrite() = 0;
  virtual StatusOr<privacy::AuditChainEnds> WriteEnds() = 0;
  virtual Status Insert(const privacy::AuditRecord& record, const privacy::AuditHash& hash) = 0;
  virtual Status SetHead(uint64_t seq, const privacy::AuditHash& hash) = 0;
  virtual Status SetAnchor(uint64_t seq, const privacy::AuditHash& hash) = 0;
  // The lowest seq with at_ms >= `at_ms`; nullopt when none.
  virtual StatusOr<std::optional<uint64_t>> FirstSeqAtOrAfter(int64_t at_ms) = 0;
  // The rows with after < seq <= through, inside the write transaction.
  virtual Status ScanRange(uint64_t after, uint64_t through, const AuditRowVisitor& visit) = 0;
  // Deletes the rows with seq <= `through`; returns how many.
  virtual StatusOr<uint64_t> DeleteThrough(uint64_t through) = 0;

  // --- Reads: each sees one committed state of the log.
  // The key check stored with the log (AuditChain::KeyCheck as hex); nullopt when missing.
  virtual StatusOr<std::optional<std::string>> ReadKeyCheck() = 0;
  virtual StatusOr<privacy::AuditChainEnds> ReadEnds() = 0;
  // In one snapshot: calls `begin` with the key check and the ends; when it returns true,
  // every row in seq order until `visit` returns false.
  virtual Status ReadAll(const std::function<bool(const std::optional<std::string>& key_check,
                                                  const privacy::AuditChainEnds& ends)>& begin,
                         const AuditRowVisitor& visit) = 0;
  // The rows of a validated `query`, at most query.limit + 1 (the extra one tells that a
  // next page exists), in the query's order.
  virtual Status QueryRows(const AuditQuery& query, const AuditRowVisitor& visit) = 0;
};

// The text columns of a row, in the order of the tables of both backends.
struct AuditRowText {
  std::string_view actor_kind, actor, actor_role, action, data_class, subject, purpose, resource,
      outcome, reason;
};
// A row read back. kInvalidArgument "bad_audit_record" names what cannot be (a name that is
// not one, a hash that is not 32 bytes).
StatusOr<StoredAuditRecord> MakeStoredAuditRecord(int64_t seq, int64_t at_ms,
                                                  const AuditRowText& text, std::string_view hash);
// A hash column as a hash; nullopt unless 32 bytes.
std::optional<privacy::AuditHash> AuditHashFromBytes(std::string_view bytes);

// The filters, order and limit of a validated query as SQL: `conditions` is " AND ..."
// terms to append to a WHERE clause and `order_limit` the ORDER BY and LIMIT clauses, with
// parameters written `placeholder` + number, numbered from `first_parameter`; `parameters`
// holds their values in that order (the limit is query.limit + 1).
struct AuditQuerySql {
  std::string conditions;
  std::string order_limit;
  std::vector<std::variant<std::string, int64_t>> parameters;
};
AuditQuerySql BuildAuditQuerySql(const AuditQuery& query, std::string_view placeholder,
                                 int first_parameter);

// The key of a log at `key_path`: read it; when there is none, create one (mode 0600)
// unless `log_exists` (kFailedPrecondition "audit_key_missing": a new key would break the
// chain) or options.read_only (nullopt). Errors as AuditLog::Open's for the key file.
StatusOr<std::optional<privacy::AuditKey>> LoadOrCreateAuditKey(const std::string& key_path,
                                                                bool log_exists,
                                                                const AuditLogOptions& options);

}  // namespace entrepot::store
