#include "entrepot/store/postgres_lease.h"

#include <utility>

#include "entrepot/base/status_macros.h"
#include "entrepot/store/postgres_connection.h"

namespace entrepot::store {
namespace {

using pg::GetInt8;
using pg::Params;
using pg::ResultPtr;

// A free lease, or one whose expiry has passed, goes to the caller with the next token.
constexpr const char* kAcquireSql =
    "INSERT INTO entrepot_leases AS l(site, holder, token, acquired_at, expires_at) "
    "VALUES ($1, $2, 1, clock_timestamp(), clock_timestamp() + $3::int8 * interval '1 ms') "
    "ON CONFLICT (site) DO UPDATE SET holder = excluded.holder, token = l.token + 1, "
    "acquired_at = excluded.acquired_at, expires_at = excluded.expires_at "
    "WHERE l.expires_at <= clock_timestamp() "
    "RETURNING token";
constexpr const char* kRenewSql =
    "UPDATE entrepot_leases SET expires_at = clock_timestamp() + $3::int8 * interval '1 ms' "
    "WHERE site = $1 AND token = $2";
constexpr const char* kReleaseSql =
    "UPDATE entrepot_leases SET expires_at = clock_timestamp() WHERE site = $1 AND token = $2";
constexpr const char* kCurrentSql =
    "SELECT holder, token, "
    "(extract(epoch FROM expires_at - clock_timestamp()) * 1000)::int8 "
    "FROM entrepot_leases WHERE site = $1";

bool RowsChanged(const PGresult* result) {
  const char* tuples = PQcmdTuples(const_cast<PGresult*>(result));
  return tuples != nullptr && tuples[0] != '\0' && tuples[0] != '0';
}

Status CheckOptions(const SiteLeaseOptions& options) {
  if (options.holder.empty() || options.holder.size() > PostgresSiteLease::kMaxHolderBytes) {
    return Error(StatusCode::kInvalidArgument, "bad_lease_options",
                 "a lease holder's name has 1 to " +
                     std::to_string(PostgresSiteLease::kMaxHolderBytes) + " bytes");
  }
  if (options.ttl < std::chrono::milliseconds(100) || options.ttl > std::chrono::minutes(10)) {
    return Error(StatusCode::kInvalidArgument, "bad_lease_options",
                 "a lease lasts 100 ms to 10 minutes");
  }
  return OkStatus();
}

}  // namespace

StatusOr<std::unique_ptr<PostgresSiteLease>> PostgresSiteLease::Open(const std::string& conninfo,
                                                                     const std::string& site,
                                                                     Options options) {
  ENTREPOT_RETURN_IF_ERROR(pg::CheckSiteCode(site));
  ENTREPOT_RETURN_IF_ERROR(CheckOptions(options));
  ENTREPOT_RETURN_IF_ERROR(pg::DescribeConninfo(conninfo).status());
  ENTREPOT_ASSIGN_OR_RETURN(pg::ConnectionPtr connection,
                            pg::Connect(conninfo, options.connect_timeout_s));
  std::unique_ptr<PostgresSiteLease> lease(
      new PostgresSiteLease(site, std::move(options), std::move(connection)));
  ENTREPOT_RETURN_IF_ERROR(lease->ConfigureSession());
  ENTREPOT_RETURN_IF_ERROR(pg::MigrateSchema(lease->connection_.get()));
  return lease;
}

PostgresSiteLease::PostgresSiteLease(std::string site, Options options,
                                     internal::PostgresConnectionPtr connection)
    : site_(std::move(site)), options_(std::move(options)), connection_(std::move(connection)) {}

PostgresSiteLease::~PostgresSiteLease() = default;

Status PostgresSiteLease::ConfigureSession() {
  // The lease's statements must answer well within the time to live, or not at all.
  const std::string settings = "SET client_min_messages TO warning; SET statement_timeout TO " +
                               std::to_string(options_.statement_timeout_ms);
  return pg::Exec(connection_.get(), settings.c_str(), "configure the lease session");
}

Status PostgresSiteLease::EnsureConnected() {
  if (PQstatus(connection_.get()) == CONNECTION_OK) {
    return OkStatus();
  }
  PQreset(connection_.get());
  if (PQstatus(connection_.get()) != CONNECTION_OK) {
    return Error(StatusCode::kUnavailable, "journal_unavailable",
                 "lease of site " + site_ +
                     ": cannot reconnect: " + pg::Trimmed(PQerrorMessage(connection_.get())));
  }
  return ConfigureSession();
}

StatusOr<std::optional<int64_t>> PostgresSiteLease::TryAcquire() {
  ENTREPOT_RETURN_IF_ERROR(EnsureConnected());
  Params params;
  params.AddText(site_);
  params.AddText(options_.holder);
  params.AddInt8(options_.ttl.count());
  ENTREPOT_ASSIGN_OR_RETURN(ResultPtr result, pg::Run(connection_.get(), kAcquireSql, params,
                                                      "acquire the lease of site " + site_));
  if (PQntuples(result.get()) == 0) {
    return std::optional<int64_t>();
  }
  token_ = GetInt8(result.get(), 0, 0);
  return token_;
}

Status PostgresSiteLease::Renew() {
  if (!token_) {
    return Error(StatusCode::kAborted, "lease_lost",
                 "this node holds no lease on site " + site_ + " to renew");
  }
  ENTREPOT_RETURN_IF_ERROR(EnsureConnected());
  Params params;
  params.AddText(site_);
  params.AddInt8(*token_);
  params.AddInt8(options_.ttl.count());
  ENTREPOT_ASSIGN_OR_RETURN(ResultPtr result, pg::Run(connection_.get(), kRenewSql, params,
                                                      "renew the lease of site " + site_));
  if (!RowsChanged(result.get())) {
    return Error(StatusCode::kAborted, "lease_lost",
                 "the lease of site " + site_ + " (token " + std::to_string(*token_) +
                     ") was taken over by another node");
  }
  return OkStatus();
}

Status PostgresSiteLease::Release() {
  if (!token_) {
    return OkStatus();
  }
  ENTREPOT_RETURN_IF_ERROR(EnsureConnected());
  Params params;
  params.AddText(site_);
  params.AddInt8(*token_);
  return pg::Run(connection_.get(), kReleaseSql, params, "release the lease of site " + site_)
      .status();
}

StatusOr<std::optional<LeaseState>> PostgresSiteLease::Current() {
  ENTREPOT_RETURN_IF_ERROR(EnsureConnected());
  Params params;
  params.AddText(site_);
  ENTREPOT_ASSIGN_OR_RETURN(ResultPtr result, pg::Run(connection_.get(), kCurrentSql, params,
                                                      "read the lease of site " + site_));
  if (PQntuples(result.get()) == 0) {
    return std::optional<LeaseState>();
  }
  return std::optional<LeaseState>(
      LeaseState{.holder = std::string(pg::GetBytes(result.get(), 0, 0)),
                 .token = GetInt8(result.get(), 0, 1),
                 .expires_in_ms = GetInt8(result.get(), 0, 2)});
}

}  // namespace entrepot::store
