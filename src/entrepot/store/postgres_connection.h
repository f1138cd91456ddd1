// File: postgres_connection.h
//
// What the PostgreSQL store's classes (PostgresJournal, PostgresSiteLease, the audit log, the
// labor stream, and the account store of auth/postgres_account_store.cc) share:
// connecting through libpq, binary statement parameters, mapping server errors onto the store's
// status codes, and the versioned schema with its migrations (docs/STORAGE.md). Internal to the
// PostgreSQL backends: only their .cc files include this header (it includes libpq's), those
// of the postgres_journal library and auth/postgres_account_store.cc.
#pragma once

#include <libpq-fe.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "entrepot/base/status.h"
#include "entrepot/store/postgres_journal.h"

namespace entrepot::store::pg {

// Type OIDs of pg_type (stable across PostgreSQL versions).
inline constexpr Oid kBoolOid = 16;
inline constexpr Oid kInt8Oid = 20;
inline constexpr Oid kByteaOid = 17;
inline constexpr Oid kTextOid = 25;
inline constexpr Oid kInt8ArrayOid = 1016;
inline constexpr Oid kByteaArrayOid = 1001;

inline constexpr int64_t kSchemaVersion = PostgresJournal::kSchemaVersion;
inline constexpr int64_t kMigrationLockKey = PostgresJournal::kMigrationLockKey;
inline constexpr size_t kMaxSiteCodeBytes = PostgresJournal::kMaxSiteCodeBytes;

// The owning connection of PostgresJournal and PostgresSiteLease (PQfinish on destruction).
using ConnectionPtr = internal::PostgresConnectionPtr;

struct ResultClearer {
  void operator()(PGresult* result) const { PQclear(result); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultClearer>;

// Binary parameters of one statement. Bytes passed in are not copied: the caller keeps
// them alive until the statement ran.
class Params {
 public:
  void AddInt8(int64_t value) {
    std::string& bytes = owned_.emplace_back();
    AppendBigEndian(bytes, static_cast<uint64_t>(value), 8);
    Add(kInt8Oid, bytes);
  }
  void AddText(std::string_view text) { Add(kTextOid, text); }
  void AddBytes(std::string_view bytes) { Add(kByteaOid, bytes); }
  // A one-dimensional array, built by the caller with ArrayBuilder.
  void AddOwned(Oid type, std::string bytes) { Add(type, owned_.emplace_back(std::move(bytes))); }
  // SQL NULL of `type`.
  void AddNull(Oid type) {
    types_.push_back(type);
    values_.push_back(nullptr);
    lengths_.push_back(0);
    formats_.push_back(1);
  }

  int size() const { return static_cast<int>(values_.size()); }
  const Oid* types() const { return types_.data(); }
  const char* const* values() const { return values_.data(); }
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

  static void AppendBigEndian(std::string& out, uint64_t value, size_t bytes) {
    for (size_t i = bytes; i-- > 0;) {
      out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
    }
  }

 private:
  void Add(Oid type, std::string_view bytes) {
    types_.push_back(type);
    // A zero-length value must still be non-null: libpq sends a null pointer as SQL NULL.
    values_.push_back(bytes.data() != nullptr ? bytes.data() : "");
    lengths_.push_back(static_cast<int>(bytes.size()));
    formats_.push_back(1);
  }

  std::deque<std::string> owned_;  // A deque: growing it does not move the strings.
  std::vector<Oid> types_;
  std::vector<const char*> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
};

// Statement parameters for the stores that keep a site's rows in tables shared by sites (the
// account store, the labor stream): the site first ($1), then values that are each copied,
// so that a builder may be fed temporaries (a role's name, an optional's value), and NULLs.
// Not copyable: Params points into its own strings.
class SiteParams {
 public:
  explicit SiteParams(std::string_view site) { Text(site); }
  SiteParams(const SiteParams&) = delete;
  SiteParams& operator=(const SiteParams&) = delete;

  SiteParams& Text(std::string_view text) {
    params_.AddOwned(kTextOid, std::string(text));
    return *this;
  }
  SiteParams& Bytes(std::string_view bytes) {
    params_.AddOwned(kByteaOid, std::string(bytes));
    return *this;
  }
  SiteParams& Bytes(std::span<const uint8_t> bytes) {
    return Bytes(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  }
  SiteParams& Int(int64_t value) {
    params_.AddInt8(value);
    return *this;
  }
  SiteParams& Bool(bool value) {
    params_.AddOwned(kBoolOid, std::string(1, value ? '\1' : '\0'));
    return *this;
  }
  SiteParams& OptionalText(const std::optional<std::string>& text) {
    return text ? Text(*text) : Null(kTextOid);
  }
  SiteParams& OptionalInt(const std::optional<int64_t>& value) {
    return value ? Int(*value) : Null(kInt8Oid);
  }
  SiteParams& Null(Oid type) {
    params_.AddNull(type);
    return *this;
  }
  const Params& get() const { return params_; }

 private:
  Params params_;
};

// The binary form of a one-dimensional array (PostgreSQL's array_send): header, then each
// element as a length (-1 for NULL) and its bytes.
class ArrayBuilder {
 public:
  ArrayBuilder(Oid element_type, size_t count, size_t reserve_bytes) {
    bytes_.reserve(20 + count * 4 + reserve_bytes);
    Params::AppendBigEndian(bytes_, 1, 4);  // Dimensions.
    has_null_at_ = bytes_.size();
    Params::AppendBigEndian(bytes_, 0, 4);  // Has nulls: patched by AddNull().
    Params::AppendBigEndian(bytes_, element_type, 4);
    Params::AppendBigEndian(bytes_, count, 4);
    Params::AppendBigEndian(bytes_, 1, 4);  // Lower bound.
  }
  void AddInt8(int64_t value) {
    Params::AppendBigEndian(bytes_, 8, 4);
    Params::AppendBigEndian(bytes_, static_cast<uint64_t>(value), 8);
  }
  void AddBytes(std::string_view value) {
    Params::AppendBigEndian(bytes_, value.size(), 4);
    bytes_.append(value);
  }
  void AddNull() {
    bytes_[has_null_at_ + 3] = 1;
    Params::AppendBigEndian(bytes_, 0xFFFFFFFF, 4);
  }
  std::string Take() { return std::move(bytes_); }

 private:
  std::string bytes_;
  size_t has_null_at_ = 0;
};

// A binary int8 or bytea column of a result row.
int64_t GetInt8(const PGresult* result, int row, int column);
std::string_view GetBytes(const PGresult* result, int row, int column);

// The columns of one row of a binary result (int8, bool, text and bytea columns).
class Row {
 public:
  Row(const PGresult* result, int row) : result_(result), row_(row) {}
  bool IsNull(int column) const { return PQgetisnull(result_, row_, column) != 0; }
  int64_t Int(int column) const { return GetInt8(result_, row_, column); }
  bool Bool(int column) const {
    const std::string_view bytes = GetBytes(result_, row_, column);
    return !bytes.empty() && bytes[0] != 0;
  }
  std::string Text(int column) const { return std::string(GetBytes(result_, row_, column)); }
  std::span<const uint8_t> Bytes(int column) const {
    const std::string_view bytes = GetBytes(result_, row_, column);
    return {reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()};
  }
  std::optional<int64_t> OptionalInt(int column) const {
    return IsNull(column) ? std::nullopt : std::optional<int64_t>(Int(column));
  }
  std::optional<std::string> OptionalText(int column) const {
    return IsNull(column) ? std::nullopt : std::optional<std::string>(Text(column));
  }

 private:
  const PGresult* result_;
  int row_;
};

// libpq's message without its trailing newline; "no message" for none.
std::string Trimmed(const char* message);

// Maps a failed statement to the Journal contract's codes: kUnavailable
// "journal_unavailable" (connection lost, out of disk or memory, shutdown, timeout, lock
// timeout, standby), kDataLoss "journal_corrupt", kPermissionDenied
// "journal_permission_denied", else kInternal "journal_error". `result` may be null (libpq
// could not even send the statement).
Status PostgresStatus(PGconn* connection, const PGresult* result, std::string_view what);

// Whether a statement succeeded (with or without rows).
bool Succeeded(const PGresult* result);

// Runs one statement with binary parameters and results; errors as PostgresStatus.
StatusOr<ResultPtr> Run(PGconn* connection, const char* sql, const Params& params,
                        std::string_view what);
StatusOr<ResultPtr> RunPrepared(PGconn* connection, const char* name, const Params& params,
                                std::string_view what);
// Runs SQL without parameters (several statements allowed), results in text.
Status Exec(PGconn* connection, const char* sql, std::string_view what);
// The first column of the first row as text; nullopt for no row or NULL.
StatusOr<std::optional<std::string>> QueryText(PGconn* connection, const char* sql,
                                               std::string_view what);

// Whether `site` follows the site code rule above.
bool ValidSiteCode(std::string_view site);
// kInvalidArgument "bad_site_code" unless ValidSiteCode(site).
Status CheckSiteCode(std::string_view site);

// "postgresql://USER@HOST:PORT/DB" from a conninfo, leaving the password out. Returns
// kInvalidArgument "bad_store_url" when libpq cannot parse it.
StatusOr<std::string> DescribeConninfo(const std::string& conninfo);

// Connects; kUnavailable "journal_unavailable" with libpq's message when it cannot.
// Notices are silenced.
StatusOr<ConnectionPtr> Connect(const std::string& conninfo, int connect_timeout_s);
// Connects, then sets the session of a store the nodes of a site share (the accounts, the
// labor stream): synchronous_commit on, so that a returned write survives the server's crash
// and the node that takes over sees it; client_min_messages warning; the statement and lock
// timeouts. Errors as Connect and Exec.
StatusOr<ConnectionPtr> ConnectShared(const std::string& conninfo, int connect_timeout_s,
                                      int statement_timeout_ms, int lock_timeout_ms);

// `status` with a reason "journal_X" renamed "<prefix>_X", other statuses unchanged: the
// helpers here word their errors as the journal's, and the accounts ("accounts") and the
// labor stream ("labor") have reasons of their own.
Status RenamedReason(const Status& status, std::string_view prefix);

// The schema version the database is at: 0 without a migrations table.
StatusOr<int64_t> SchemaVersion(PGconn* connection);
// kFailedPrecondition "unsupported_format": `version` is newer than kSchemaVersion.
Status NewerSchema(int64_t version);

// Brings the schema to kSchemaVersion in one transaction under a transaction-level advisory
// lock, so that nodes starting together neither race on CREATE TABLE nor apply a migration
// twice. Reads first without locking: a database already at kSchemaVersion needs no lock
// and no CREATE privilege. A database migrated by a newer build is refused (NewerSchema),
// never downgraded. REQUIRES: no transaction open on `connection`.
Status MigrateSchema(PGconn* connection);

}  // namespace entrepot::store::pg
