// File: postgres_journal.h
//
// PostgresJournal: the Journal backend (store/journal.h) for operators who run many sites or
// need more than one machine: the journal of one site in a PostgreSQL database (15 or newer)
// through libpq. One database holds many sites: every table is keyed by the site code, and a
// PostgresJournal opens for one site. The schema, its migrations and the durability settings
// are described in docs/STORAGE.md.
//
// Design notes:
//  1. Schema migrations are versioned (table entrepot_schema_migrations) and applied by
//     Open() in one transaction under a transaction-level advisory lock, so that nodes
//     starting together neither race on CREATE TABLE nor apply a migration twice. A database
//     migrated by a newer build is refused, never downgraded.
//  2. Append() is one transaction: BEGIN, one INSERT of the whole batch (unnest() of four
//     binary array parameters: one statement and one round trip whatever the batch size),
//     COMMIT with synchronous_commit on, so a returned OK means the commit record is flushed
//     to the server's WAL: the group commit of the sequencer's batch.
//  3. Payloads and keys travel as binary parameters and results (bytea), not hex text: no
//     encoding cost, no doubling of the bytes on the wire, no escaping.
//  4. Each record carries the CRC-32C of SqliteJournal (over seq, key and payload), and each
//     snapshot its own, so damage done behind PostgreSQL's back is reported by seq.
//  5. A COMMIT whose answer never arrives (the connection broke) has an unknown outcome: the
//     server may have committed. The journal then refuses further writes until it is
//     reopened; after reopening, LastSeq() tells whether the batch made it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "entrepot/base/status.h"
#include "entrepot/store/journal.h"

struct pg_conn;

namespace entrepot::store {

namespace internal {
struct PostgresConnectionCloser {
  void operator()(pg_conn* connection) const;
};
using PostgresConnectionPtr = std::unique_ptr<pg_conn, PostgresConnectionCloser>;
}  // namespace internal

struct PostgresJournalOptions {
  // Opens the site for reading only (`verify`, `stock`, the server's followers): the schema
  // is neither created nor migrated, the session is read-only, Append() and WriteSnapshot()
  // return kFailedPrecondition. LastSeq() asks the server each time: the writer may have
  // appended since.
  bool read_only = false;
  // Registers the site when the database does not know it yet (ignored when read_only).
  bool create_if_missing = true;
  // Each statement is cancelled by the server after this long (kUnavailable).
  int statement_timeout_ms = 30'000;
  // Seconds libpq waits for the connection to be made.
  int connect_timeout_s = 10;
  // Snapshots above this size are refused with kResourceExhausted "snapshot_too_large".
  size_t max_snapshot_bytes = size_t{512} << 20;
  // Fencing (postgres_lease.h): when set, Append() and WriteSnapshot() commit only while the
  // site's lease still carries this token, checked inside their transaction. A node whose
  // lease was taken over can then never commit again, even if it does not know yet. When
  // not set, they commit only while no node holds a live lease on the site ("site_leased"):
  // a command cannot write behind a serving node's back.
  std::optional<int64_t> lease_token{};
  // Refuse to write to a server that runs with fsync off (kFailedPrecondition
  // "store_not_durable"): an acknowledged scan could be lost in a crash of the server.
  bool require_fsync = true;
  // Tests only: called inside Append() after the batch is inserted, just before COMMIT, to
  // break the connection at the worst moment.
  std::function<void()> before_commit_for_testing{};
};

// Not thread-safe, as Journal: one connection per object. Any number of PostgresJournal
// objects may open one site, in one process or several: one writer and any number of
// read-only readers.
class PostgresJournal final : public Journal {
 public:
  using Options = PostgresJournalOptions;

  // The schema version this code migrates to and reads (entrepot_schema_migrations):
  // 1 sites, journal and snapshots; 2 site leases (postgres_lease.h); 3 the audit log
  // (postgres_audit_log.h); 4 the accounts (auth/postgres_account_store.h); 5 the labor
  // stream (postgres_labor_store.h); 6 the captured EPCIS events (server/epcis_postgres.h);
  // 7 device sessions sealed (auth/session_keys.h).
  static constexpr int64_t kSchemaVersion = 7;
  // The key of the advisory lock held while migrating ("EJRN").
  static constexpr int64_t kMigrationLockKey = 0x454A524E;

  // Limits. Going over one gives kResourceExhausted and writes nothing (as SqliteJournal).
  static constexpr size_t kMaxBatchRecords = store::kMaxBatchRecords;
  static constexpr size_t kMaxBatchBytes = store::kMaxBatchBytes;
  static constexpr size_t kMaxPayloadBytes = store::kMaxPayloadBytes;
  static constexpr size_t kMaxIdempotencyKeyBytes = store::kMaxIdempotencyKeyBytes;
  // Scan() reads this many records per query (one round trip each).
  static constexpr size_t kScanPageRecords = 1024;
  // CheckIntegrity() lists at most this many problems, then "and N more".
  static constexpr size_t kMaxReportedProblems = IntegrityProblems::kMaxShown;
  // Site codes: 1 to 64 bytes of A-Z a-z 0-9 . _ -.
  static constexpr size_t kMaxSiteCodeBytes = 64;

  // Whether `store` names a PostgreSQL store: it starts with postgresql:// or postgres://.
  static bool IsStoreUrl(std::string_view store);

  // Connects with `conninfo` (a postgresql:// URL or "key=value ..." string, see libpq),
  // applies the schema migrations (unless read-only) and opens the journal of `site`.
  // Returns:
  //  - kInvalidArgument "bad_store_url" for a conninfo libpq cannot parse, "bad_site_code"
  //    for a site code outside the rule above;
  //  - kUnavailable "journal_unavailable" when the server cannot be reached or refuses the
  //    connection (the message carries libpq's, never the password);
  //  - kNotFound "journal_not_found" when the database holds no journal schema or does not
  //    know the site, and may not create it (read_only, or create_if_missing false);
  //  - kFailedPrecondition "unsupported_format" when the schema was migrated by a newer
  //    build, "store_not_durable" when the server runs with fsync off (require_fsync);
  //  - kPermissionDenied "journal_permission_denied" when the role may not create or write
  //    the tables;
  //  - kAborted "lease_lost" for a writer whose options.lease_token the site's lease no
  //    longer carries; kFailedPrecondition "site_leased" for a writer without a token while
  //    a node holds a live lease on the site;
  //  - kInternal "journal_error" for anything else the server reports.
  static StatusOr<std::unique_ptr<PostgresJournal>> Open(const std::string& conninfo,
                                                         const std::string& site,
                                                         Options options = {});

  // The sites the database holds, in order; empty when it has no journal schema. Errors as
  // Open().
  static StatusOr<std::vector<std::string>> ListSites(const std::string& conninfo);

  ~PostgresJournal() override;
  PostgresJournal(const PostgresJournal&) = delete;
  PostgresJournal& operator=(const PostgresJournal&) = delete;

  // Journal. Besides the contract of journal.h, Append() returns:
  //  - OK without writing for an empty batch;
  //  - kResourceExhausted "batch_too_large", "record_too_large" or
  //    "idempotency_key_too_long" when a limit above is exceeded (nothing is written);
  //  - kFailedPrecondition "journal_read_only" on a journal opened read-only;
  //  - kInternal "concurrent_writer" when a seq of the batch is already stored: another
  //    process appended to the site; the batch is not committed;
  //  - kAborted "lease_lost" when options.lease_token is set and the site's lease no longer
  //    carries it (another node took the site over); the batch is not committed, and every
  //    later Append() and WriteSnapshot() returns the same;
  //  - kFailedPrecondition "site_leased" when options.lease_token is not set and a node holds
  //    a live lease on the site (`entrepot serve --store`): the batch is not committed (Open
  //    of a writer says the same);
  //  - kUnavailable "journal_unavailable" (connection lost before COMMIT, timeout, disk
  //    full, server shutting down; the batch is not committed; when the connection is
  //    lost, later writes return "journal_needs_reopen"), kInternal "journal_error";
  //  - kUnavailable "commit_outcome_unknown" when the connection broke during COMMIT (design
  //    note 5); then every later Append() and WriteSnapshot() returns kUnavailable
  //    "journal_needs_reopen";
  //  - kDataLoss "journal_corrupt" when the server reports damaged data.
  Status Append(std::span<const JournalRecord> records) override;
  // On a read-only journal, asks the server (one round trip); on an error, the value known
  // so far (a correct lower bound: seqs only grow).
  uint64_t LastSeq() const override;
  // One indexed lookup.
  StatusOr<JournalRecord> Read(uint64_t seq) const override;
  // Reads kScanPageRecords per query; the visitor may call this journal again.
  Status Scan(uint64_t after,
              const std::function<Status(const JournalRecord&)>& visit) const override;
  // Returns kResourceExhausted "snapshot_too_large" above options.max_snapshot_bytes, and the
  // errors of Append() ("lease_lost" included). A snapshot with the same seq is replaced; the
  // newest two are kept.
  Status WriteSnapshot(const Snapshot& snapshot) override;
  // A snapshot also counts as damaged when its seq is beyond LastSeq().
  StatusOr<std::optional<Snapshot>> LatestSnapshot() const override;
  // Checksums and continuity of every record of the site and its snapshots, in one
  // repeatable-read transaction. (PostgreSQL's own page checks need the amcheck extension
  // and data checksums, which are the operator's; see docs/STORAGE.md.)
  Status CheckIntegrity() const override;

  // "postgresql://USER@HOST:PORT/DB site SITE": names the journal in messages (no password).
  const std::string& Description() const { return description_; }
  const std::string& Site() const { return site_; }
  bool ReadOnly() const { return options_.read_only; }
  // The server process of the connection (tests break it with pg_terminate_backend).
  int BackendPid() const;

 private:
  using ConnectionPtr = internal::PostgresConnectionPtr;

  PostgresJournal(std::string site, std::string description, Options options,
                  ConnectionPtr connection);
  static StatusOr<std::unique_ptr<PostgresJournal>> OpenWithoutContext(const std::string& conninfo,
                                                                       const std::string& site,
                                                                       Options options);
  Status Initialize();
  Status CheckSchema();
  Status RegisterSite();
  StatusOr<uint64_t> QueryLastSeq() const;
  Status CheckWritable() const;
  // Inside a write transaction: kAborted "lease_lost" unless the lease carries
  // options_.lease_token (OK without a token). Holds the lease row until the commit, so a
  // takeover waits for this transaction, and replays it.
  // Without a token: kFailedPrecondition "site_leased" while a node holds a live lease.
  Status CheckLease();
  Status CheckNoLiveLease();
  Status LeaseLost() const;
  // Runs `body` between BEGIN and COMMIT; see design note 5 for the COMMIT's errors.
  Status InTransaction(std::string_view what, const std::function<Status()>& body);
  Status Commit(std::string_view what);
  void Rollback();
  // After an error: a broken connection needs a reopen.
  void NoteConnectionState();

  std::string site_;
  std::string description_;
  Options options_;
  mutable uint64_t last_seq_ = 0;
  bool needs_reopen_ = false;
  bool lease_lost_ = false;
  ConnectionPtr connection_;
};

}  // namespace entrepot::store
