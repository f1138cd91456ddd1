// File: postgres_lease.h
//
// PostgresSiteLease: which node serves a site whose journal is in PostgreSQL. Several nodes
// may run `entrepot serve` for one site; the one holding the site's lease is active, the
// others wait as standbys (docs/STORAGE.md, "Failover").
//
// The lease is one row of entrepot_leases per site: the holder's name, a fencing token and
// an expiry on the database's clock (so the nodes' clocks never matter). The active node
// renews it well within its time to live. When the active node dies, its lease runs out and
// a standby takes it: the row's token grows by one, and the standby replays the journal and
// serves. Safety does not rest on time: the former holder's PostgresJournal was opened with
// its token (PostgresJournalOptions::lease_token), and every one of its commits checks, in
// its own transaction, that the lease still carries that token. So a node that lost its
// lease, even one paused for minutes that does not know it yet, can never commit again; and
// a batch it committed just before the takeover is in the journal the new holder replays.
//
// Not thread-safe: one connection per object (the server's lease keeper thread owns it).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "entrepot/base/status.h"
#include "entrepot/store/postgres_journal.h"

namespace entrepot::store {

struct SiteLeaseOptions {
  // Names this node in the lease, for the standbys and /healthz (e.g. "host:port pid 42").
  // 1 to kMaxHolderBytes bytes.
  std::string holder;
  // How long the lease lasts without renewal; 100 ms to 10 minutes.
  std::chrono::milliseconds ttl{5000};
  int connect_timeout_s = 5;
  int statement_timeout_ms = 5000;
};

// The lease row as it stands.
struct LeaseState {
  std::string holder;
  int64_t token = 0;
  int64_t expires_in_ms = 0;  // Negative once expired.
};

class PostgresSiteLease {
 public:
  using Options = SiteLeaseOptions;
  static constexpr size_t kMaxHolderBytes = 200;

  // Connects and brings the schema up to date (the lease table is migration 2). Errors:
  // kInvalidArgument "bad_site_code", "bad_store_url", "bad_lease_options"; the errors of
  // PostgresJournal::Open for connecting and migrating.
  static StatusOr<std::unique_ptr<PostgresSiteLease>> Open(const std::string& conninfo,
                                                           const std::string& site,
                                                           Options options);
  ~PostgresSiteLease();
  PostgresSiteLease(const PostgresSiteLease&) = delete;
  PostgresSiteLease& operator=(const PostgresSiteLease&) = delete;

  // Takes the site when no node holds it or its holder's lease has expired, with a token one
  // above the last. Returns the token, or nullopt while another node's lease runs (Current()
  // says whose). Errors: kUnavailable "journal_unavailable" (reconnected at the next call),
  // and the other errors of PostgresStatus.
  StatusOr<std::optional<int64_t>> TryAcquire();
  // Extends the lease by the time to live from now. Errors: kAborted "lease_lost" when
  // another node took the site (or nothing was acquired); those of TryAcquire.
  Status Renew();
  // Ends the lease at once, so that a standby takes over at its next try. OK when the lease
  // was already lost.
  Status Release();
  // The site's lease row; nullopt when no node ever held the site.
  StatusOr<std::optional<LeaseState>> Current();

  // The token acquired; nullopt before TryAcquire succeeds.
  std::optional<int64_t> token() const { return token_; }
  const std::string& site() const { return site_; }

 private:
  PostgresSiteLease(std::string site, Options options, internal::PostgresConnectionPtr connection);
  // Reconnects a broken connection (libpq's PQreset) and sets the session up again.
  Status EnsureConnected();
  Status ConfigureSession();

  std::string site_;
  Options options_;
  std::optional<int64_t> token_;
  internal::PostgresConnectionPtr connection_;
};

}  // namespace entrepot::store
