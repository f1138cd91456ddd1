#include "entrepot/store/postgres_journal.h"

#include <libpq-fe.h>

#include <array>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <limits>
#include <utility>

#include "entrepot/base/check.h"
#include "entrepot/base/status_macros.h"
#include "entrepot/store/crc32c.h"
#include "entrepot/store/postgres_connection.h"

namespace entrepot::store {

namespace {

using pg::ArrayBuilder;
using pg::Exec;
using pg::GetBytes;
using pg::GetInt8;
using pg::kByteaArrayOid;
using pg::kByteaOid;
using pg::kInt8ArrayOid;
using pg::kInt8Oid;
using pg::Params;
using pg::PostgresStatus;
using pg::QueryText;
using pg::ResultPtr;
using pg::Run;
using pg::RunPrepared;
using pg::Succeeded;

constexpr uint64_t kMaxSeq = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

constexpr const char* kAppendStatement = "entrepot_append";
// A writer without a token (ingest, init, migrate) inserts nothing while a node holds a live
// lease on the site. The lease row is locked whether live or not, so a takeover's UPDATE
// either waits for this batch (and replays it) or makes the batch insert nothing.
constexpr const char* kUnleasedAppendSql =
    "INSERT INTO entrepot_journal(site, seq, idempotency_key, payload, crc) "
    "SELECT $1, r.seq, r.idempotency_key, r.payload, r.crc "
    "FROM unnest($2::int8[], $3::bytea[], $4::bytea[], $5::int8[]) "
    "AS r(seq, idempotency_key, payload, crc) "
    "WHERE NOT EXISTS (SELECT 1 FROM (SELECT expires_at FROM entrepot_leases WHERE site = $1 "
    "FOR SHARE) AS l WHERE l.expires_at > clock_timestamp())";
// The same insert, fenced: it inserts nothing unless the site's lease carries the token $6.
// FOR SHARE holds the lease row until COMMIT, so a takeover's UPDATE waits for this batch
// (and its replay then includes it); a takeover committed first makes it insert nothing.
constexpr const char* kFencedAppendSql =
    "INSERT INTO entrepot_journal(site, seq, idempotency_key, payload, crc) "
    "SELECT $1, r.seq, r.idempotency_key, r.payload, r.crc "
    "FROM unnest($2::int8[], $3::bytea[], $4::bytea[], $5::int8[]) "
    "AS r(seq, idempotency_key, payload, crc) "
    "WHERE EXISTS (SELECT 1 FROM entrepot_leases WHERE site = $1 AND token = $6 FOR SHARE)";
constexpr const char* kLeaseCheckSql =
    "SELECT 1 FROM entrepot_leases WHERE site = $1 AND token = $2 FOR SHARE";
// The holder of a live lease on the site, locking the row as kUnleasedAppendSql does.
constexpr const char* kLiveLeaseSql =
    "SELECT holder, (extract(epoch FROM expires_at - clock_timestamp()) * 1000)::int8 "
    "FROM (SELECT holder, expires_at FROM entrepot_leases WHERE site = $1 FOR SHARE) AS l "
    "WHERE l.expires_at > clock_timestamp()";
constexpr const char* kScanStatement = "entrepot_scan";
constexpr const char* kScanSql =
    "SELECT seq, idempotency_key, payload, crc FROM entrepot_journal "
    "WHERE site = $1 AND seq > $2 ORDER BY seq LIMIT $3";
constexpr const char* kLastSeqSql = "SELECT max(seq) FROM entrepot_journal WHERE site = $1";

void AppendLittleEndian(uint64_t value, size_t bytes, char* out) {
  for (size_t i = 0; i < bytes; ++i) {
    out[i] = static_cast<char>((value >> (8 * i)) & 0xFF);
  }
}

// The checksums of SqliteJournal (docs/STORAGE.md), so that a migrated record keeps its crc.
uint32_t RecordCrc(uint64_t seq, std::string_view key, std::string_view payload) {
  std::array<char, 12> header;
  AppendLittleEndian(seq, 8, header.data());
  AppendLittleEndian(key.size(), 4, header.data() + 8);
  return Crc32cExtend(Crc32cExtend(Crc32c(std::string_view(header.data(), header.size())), key),
                      payload);
}

uint32_t SnapshotCrc(uint64_t seq, std::string_view payload) {
  std::array<char, 8> header;
  AppendLittleEndian(seq, 8, header.data());
  return Crc32cExtend(Crc32c(std::string_view(header.data(), header.size())), payload);
}

Status Corrupt(std::string message) {
  return Error(StatusCode::kDataLoss, "journal_corrupt", std::move(message));
}

std::string SeqRange(uint64_t first, uint64_t last) {
  return first == last ? "seq " + std::to_string(first)
                       : "seqs " + std::to_string(first) + " to " + std::to_string(last);
}

// Fills `record` from row `row` of a kScanSql result; returns the stored crc.
int64_t ReadRecordRow(const PGresult* result, int row, JournalRecord& record) {
  record.seq = static_cast<uint64_t>(GetInt8(result, row, 0));
  if (PQgetisnull(result, row, 1) != 0) {
    record.idempotency_key.clear();
  } else {
    record.idempotency_key.assign(GetBytes(result, row, 1));
  }
  record.payload.assign(GetBytes(result, row, 2));
  return GetInt8(result, row, 3);
}

bool RecordCrcMatches(const JournalRecord& record, int64_t stored_crc) {
  return stored_crc == RecordCrc(record.seq, record.idempotency_key, record.payload);
}

}  // namespace

bool PostgresJournal::IsStoreUrl(std::string_view store) {
  return store.starts_with("postgresql://") || store.starts_with("postgres://");
}

StatusOr<std::unique_ptr<PostgresJournal>> PostgresJournal::Open(const std::string& conninfo,
                                                                 const std::string& site,
                                                                 Options options) {
  StatusOr<std::unique_ptr<PostgresJournal>> journal =
      OpenWithoutContext(conninfo, site, std::move(options));
  if (!journal.ok()) {
    StatusOr<std::string> description = pg::DescribeConninfo(conninfo);
    return journal.status().WithContext("open journal of site " + site +
                                        (description.ok() ? " in " + *description : ""));
  }
  return journal;
}

StatusOr<std::unique_ptr<PostgresJournal>> PostgresJournal::OpenWithoutContext(
    const std::string& conninfo, const std::string& site, Options options) {
  ENTREPOT_RETURN_IF_ERROR(pg::CheckSiteCode(site));
  ENTREPOT_ASSIGN_OR_RETURN(std::string description, pg::DescribeConninfo(conninfo));
  ENTREPOT_ASSIGN_OR_RETURN(ConnectionPtr connection,
                            pg::Connect(conninfo, options.connect_timeout_s));
  std::unique_ptr<PostgresJournal> journal(new PostgresJournal(
      site, description + " site " + site, std::move(options), std::move(connection)));
  ENTREPOT_RETURN_IF_ERROR(journal->Initialize());
  return journal;
}

StatusOr<std::vector<std::string>> PostgresJournal::ListSites(const std::string& conninfo) {
  ENTREPOT_RETURN_IF_ERROR(pg::DescribeConninfo(conninfo).status());
  ENTREPOT_ASSIGN_OR_RETURN(ConnectionPtr connection, pg::Connect(conninfo, 10));
  ENTREPOT_ASSIGN_OR_RETURN(int64_t version, pg::SchemaVersion(connection.get()));
  std::vector<std::string> sites;
  if (version == 0) {
    return sites;
  }
  ResultPtr result(PQexec(connection.get(), "SELECT site FROM entrepot_sites ORDER BY site"));
  if (!Succeeded(result.get())) {
    return PostgresStatus(connection.get(), result.get(), "list sites");
  }
  for (int row = 0; row < PQntuples(result.get()); ++row) {
    sites.emplace_back(PQgetvalue(result.get(), row, 0));
  }
  return sites;
}

PostgresJournal::PostgresJournal(std::string site, std::string description, Options options,
                                 ConnectionPtr connection)
    : site_(std::move(site)),
      description_(std::move(description)),
      options_(std::move(options)),
      connection_(std::move(connection)) {}

PostgresJournal::~PostgresJournal() = default;

int PostgresJournal::BackendPid() const { return PQbackendPID(connection_.get()); }

Status PostgresJournal::Initialize() {
  PGconn* connection = connection_.get();
  // synchronous_commit on: COMMIT returns once its WAL is flushed (the durability contract),
  // whatever the server's or the role's default.
  std::string settings = "SET synchronous_commit TO on; SET client_min_messages TO warning; ";
  settings += "SET statement_timeout TO " + std::to_string(options_.statement_timeout_ms) + "; ";
  if (options_.read_only) {
    settings += "SET default_transaction_read_only TO on; ";
  }
  ENTREPOT_RETURN_IF_ERROR(Exec(connection, settings.c_str(), "configure the session"));
  if (!options_.read_only) {
    if (options_.require_fsync) {
      ENTREPOT_ASSIGN_OR_RETURN(std::optional<std::string> fsync,
                                QueryText(connection, "SHOW fsync", "read the fsync setting"));
      if (fsync.value_or("off") != "on") {
        return Error(StatusCode::kFailedPrecondition, "store_not_durable",
                     "the server runs with fsync off, so a committed scan could be lost in a "
                     "crash: turn fsync on in postgresql.conf");
      }
    }
    ENTREPOT_RETURN_IF_ERROR(pg::MigrateSchema(connection));  // Design note 1.
  }
  ENTREPOT_RETURN_IF_ERROR(CheckSchema());
  ENTREPOT_RETURN_IF_ERROR(RegisterSite());
  if (!options_.read_only) {
    ResultPtr prepared(PQprepare(connection, kAppendStatement,
                                 options_.lease_token ? kFencedAppendSql : kUnleasedAppendSql, 0,
                                 nullptr));
    if (!Succeeded(prepared.get())) {
      return PostgresStatus(connection, prepared.get(), "prepare the append statement");
    }
  }
  ResultPtr prepared(PQprepare(connection, kScanStatement, kScanSql, 0, nullptr));
  if (!Succeeded(prepared.get())) {
    return PostgresStatus(connection, prepared.get(), "prepare the scan statement");
  }
  if (!options_.read_only) {
    // A node fenced already, or a writer of a site a node serves, opens no writer.
    ENTREPOT_RETURN_IF_ERROR(CheckLease());
  }
  ENTREPOT_ASSIGN_OR_RETURN(last_seq_, QueryLastSeq());
  return OkStatus();
}

Status PostgresJournal::CheckSchema() {
  ENTREPOT_ASSIGN_OR_RETURN(int64_t version, pg::SchemaVersion(connection_.get()));
  if (version > kSchemaVersion) {
    return pg::NewerSchema(version);
  }
  if (version < 1) {
    return Error(StatusCode::kNotFound, "journal_not_found",
                 "the database holds no Entrepôt journal (open it read-write, or move a site "
                 "into it with `entrepot migrate`)");
  }
  return OkStatus();
}

Status PostgresJournal::RegisterSite() {
  Params params;
  params.AddText(site_);
  if (!options_.read_only && options_.create_if_missing) {
    return Run(connection_.get(),
               "INSERT INTO entrepot_sites(site) VALUES($1) ON CONFLICT DO NOTHING", params,
               "register the site")
        .status();
  }
  ENTREPOT_ASSIGN_OR_RETURN(ResultPtr result,
                            Run(connection_.get(), "SELECT 1 FROM entrepot_sites WHERE site = $1",
                                params, "look the site up"));
  if (PQntuples(result.get()) == 0) {
    return Error(StatusCode::kNotFound, "journal_not_found",
                 "the database holds no site " + site_ +
                     " (create it with `entrepot migrate` or open it read-write)");
  }
  return OkStatus();
}

StatusOr<uint64_t> PostgresJournal::QueryLastSeq() const {
  Params params;
  params.AddText(site_);
  ENTREPOT_ASSIGN_OR_RETURN(ResultPtr result,
                            Run(connection_.get(), kLastSeqSql, params, "read the last seq"));
  if (PQgetisnull(result.get(), 0, 0) != 0) {
    return uint64_t{0};
  }
  const int64_t last = GetInt8(result.get(), 0, 0);
  return last > 0 ? static_cast<uint64_t>(last) : uint64_t{0};
}

uint64_t PostgresJournal::LastSeq() const {
  if (options_.read_only) {
    // Seqs only grow: on an error, the value known so far is still a correct lower bound.
    StatusOr<uint64_t> last = QueryLastSeq();
    if (last.ok() && *last > last_seq_) {
      last_seq_ = *last;
    }
  }
  return last_seq_;
}

Status PostgresJournal::CheckWritable() const {
  if (options_.read_only) {
    return Error(StatusCode::kFailedPrecondition, "journal_read_only",
                 description_ + " was opened read-only");
  }
  if (needs_reopen_) {
    return Error(StatusCode::kUnavailable, "journal_needs_reopen",
                 description_ +
                     ": an earlier commit failed with an unknown outcome, or the connection "
                     "broke; reopen the journal before writing again");
  }
  if (lease_lost_) {
    return LeaseLost();
  }
  return OkStatus();
}

Status PostgresJournal::LeaseLost() const {
  return Error(StatusCode::kAborted, "lease_lost",
               description_ + ": this node's lease on the site (token " +
                   std::to_string(options_.lease_token.value_or(0)) +
                   ") was taken over by another node, which serves the site now: this node "
                   "may not write to it again");
}

Status PostgresJournal::CheckLease() {
  if (!options_.lease_token) {
    return CheckNoLiveLease();
  }
  Params params;
  params.AddText(site_);
  params.AddInt8(*options_.lease_token);
  ENTREPOT_ASSIGN_OR_RETURN(ResultPtr result, Run(connection_.get(), kLeaseCheckSql, params,
                                                  description_ + ": check the lease"));
  if (PQntuples(result.get()) == 0) {
    lease_lost_ = true;
    return LeaseLost();
  }
  return OkStatus();
}

Status PostgresJournal::CheckNoLiveLease() {
  Params params;
  params.AddText(site_);
  ENTREPOT_ASSIGN_OR_RETURN(ResultPtr result, Run(connection_.get(), kLiveLeaseSql, params,
                                                  description_ + ": check for a serving node"));
  if (PQntuples(result.get()) == 0) {
    return OkStatus();
  }
  return Error(StatusCode::kFailedPrecondition, "site_leased",
               description_ + ": node " + std::string(pg::GetBytes(result.get(), 0, 0)) +
                   " serves the site (its lease runs for " +
                   std::to_string(GetInt8(result.get(), 0, 1)) +
                   " ms more unless renewed): send the scans or orders to its API, or stop it "
                   "first");
}

void PostgresJournal::NoteConnectionState() {
  if (PQstatus(connection_.get()) == CONNECTION_BAD) {
    needs_reopen_ = true;
  }
}

Status PostgresJournal::InTransaction(std::string_view what, const std::function<Status()>& body) {
  if (Status status = Exec(connection_.get(), "BEGIN", std::string(what) + ": begin");
      !status.ok()) {
    NoteConnectionState();
    return status;
  }
  if (Status status = body(); !status.ok()) {
    Rollback();
    return status;
  }
  return Commit(what);
}

// Design note 5.
Status PostgresJournal::Commit(std::string_view what) {
  PGconn* connection = connection_.get();
  if (options_.before_commit_for_testing) {
    options_.before_commit_for_testing();
  }
  ResultPtr result(PQexec(connection, "COMMIT"));
  if (Succeeded(result.get())) {
    // COMMIT of a transaction that failed earlier answers ROLLBACK, successfully.
    if (std::strcmp(PQcmdStatus(result.get()), "COMMIT") == 0) {
      return OkStatus();
    }
    return Error(StatusCode::kInternal, "journal_error",
                 std::string(what) + ": the transaction was rolled back by the server");
  }
  const Status error = PostgresStatus(connection, result.get(), std::string(what) + ": commit");
  if (PQstatus(connection) == CONNECTION_BAD || result == nullptr) {
    // The COMMIT was sent, its answer never came: the server may have committed.
    needs_reopen_ = true;
    return Error(StatusCode::kUnavailable, "commit_outcome_unknown",
                 error.message() +
                     "; the batch may or may not be durable: reopen the journal and read "
                     "LastSeq()");
  }
  // The server answered with an error: the transaction is over and nothing was committed.
  return error;
}

void PostgresJournal::Rollback() {
  ResultPtr result(PQexec(connection_.get(), "ROLLBACK"));
  if (!Succeeded(result.get())) {
    // The connection is in an unknown state; only a reopen recovers it.
    needs_reopen_ = true;
  }
}

Status PostgresJournal::Append(std::span<const JournalRecord> records) {
  if (records.empty()) {
    return OkStatus();
  }
  ENTREPOT_RETURN_IF_ERROR(CheckWritable());
  ENTREPOT_RETURN_IF_ERROR(CheckAppendLimits(records));
  ENTREPOT_CHECK(last_seq_ + records.size() <= kMaxSeq);
  size_t bytes = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    ENTREPOT_CHECK(records[i].seq == last_seq_ + 1 + i);
    bytes += records[i].payload.size() + records[i].idempotency_key.size();
  }
  ArrayBuilder seqs(kInt8Oid, records.size(), records.size() * 8);
  ArrayBuilder keys(kByteaOid, records.size(), bytes);
  ArrayBuilder payloads(kByteaOid, records.size(), bytes);
  ArrayBuilder crcs(kInt8Oid, records.size(), records.size() * 8);
  for (const JournalRecord& record : records) {
    seqs.AddInt8(static_cast<int64_t>(record.seq));
    if (record.idempotency_key.empty()) {
      keys.AddNull();
    } else {
      keys.AddBytes(record.idempotency_key);
    }
    payloads.AddBytes(record.payload);
    crcs.AddInt8(RecordCrc(record.seq, record.idempotency_key, record.payload));
  }
  Params params;
  params.AddText(site_);
  params.AddOwned(kInt8ArrayOid, seqs.Take());
  params.AddOwned(kByteaArrayOid, keys.Take());
  params.AddOwned(kByteaArrayOid, payloads.Take());
  params.AddOwned(kInt8ArrayOid, crcs.Take());
  if (options_.lease_token) {
    params.AddInt8(*options_.lease_token);
  }
  const std::string what = "append " + SeqRange(records.front().seq, records.back().seq);
  Status status = InTransaction(what, [&]() -> Status {
    ResultPtr result(PQexecPrepared(connection_.get(), kAppendStatement, params.size(),
                                    params.values(), params.lengths(), params.formats(), 1));
    if (Succeeded(result.get())) {
      if (std::strtoull(PQcmdTuples(result.get()), nullptr, 10) == 0) {
        if (!options_.lease_token) {
          // A node took the site: nothing was inserted. Say which (or, should it have gone
          // meanwhile, that the batch may be retried).
          Status leased = CheckNoLiveLease();
          return leased.ok() ? Error(StatusCode::kAborted, "site_leased",
                                     what + ": a node held the site's lease; retry")
                             : leased;
        }
        lease_lost_ = true;  // The fenced insert found another token: nothing was inserted.
        return LeaseLost();
      }
      return OkStatus();
    }
    const char* state =
        result != nullptr ? PQresultErrorField(result.get(), PG_DIAG_SQLSTATE) : nullptr;
    if (state != nullptr && std::strcmp(state, "23505") == 0) {  // unique_violation
      return Error(StatusCode::kInternal, "concurrent_writer",
                   what + ": a seq of the batch is already stored although LastSeq() was " +
                       std::to_string(last_seq_) +
                       ": another process is appending to this site (one writer per site)");
    }
    return PostgresStatus(connection_.get(), result.get(), what);
  });
  if (!status.ok()) {
    NoteConnectionState();
    return status;
  }
  last_seq_ += records.size();
  return OkStatus();
}

StatusOr<JournalRecord> PostgresJournal::Read(uint64_t seq) const {
  if (seq == 0 || seq >= kMaxSeq) {
    return Error(StatusCode::kNotFound, "no_such_record",
                 "journal record " + std::to_string(seq) + " does not exist");
  }
  Params params;
  params.AddText(site_);
  params.AddInt8(static_cast<int64_t>(seq));
  ENTREPOT_ASSIGN_OR_RETURN(ResultPtr result,
                            Run(connection_.get(),
                                "SELECT seq, idempotency_key, payload, crc FROM entrepot_journal "
                                "WHERE site = $1 AND seq = $2",
                                params, description_ + ": read seq " + std::to_string(seq)));
  if (PQntuples(result.get()) == 0) {
    if (seq <= LastSeq()) {
      return Corrupt(description_ + ": record seq " + std::to_string(seq) + " is missing");
    }
    return Error(StatusCode::kNotFound, "no_such_record",
                 "journal record " + std::to_string(seq) + " does not exist");
  }
  JournalRecord record;
  if (!RecordCrcMatches(record, ReadRecordRow(result.get(), 0, record))) {
    return Corrupt(description_ + ": record seq " + std::to_string(seq) + ": checksum mismatch");
  }
  return record;
}

Status PostgresJournal::Scan(uint64_t after,
                             const std::function<Status(const JournalRecord&)>& visit) const {
  if (after >= kMaxSeq) {
    return OkStatus();
  }
  JournalRecord record;  // Reused: assign() keeps the buffers' capacity.
  uint64_t expected = after + 1;
  while (true) {
    Params params;
    params.AddText(site_);
    params.AddInt8(static_cast<int64_t>(expected - 1));
    params.AddInt8(static_cast<int64_t>(kScanPageRecords));
    // A page is read whole before the visitor runs, so the visitor may use this journal.
    ENTREPOT_ASSIGN_OR_RETURN(ResultPtr page, RunPrepared(connection_.get(), kScanStatement, params,
                                                          description_ + ": scan after seq " +
                                                              std::to_string(expected - 1)));
    const int rows = PQntuples(page.get());
    for (int row = 0; row < rows; ++row) {
      const int64_t stored_crc = ReadRecordRow(page.get(), row, record);
      if (record.seq != expected) {
        return Corrupt(description_ + ": record seq " + std::to_string(expected) +
                       " is missing (seq " + std::to_string(record.seq) + " follows seq " +
                       std::to_string(expected - 1) + ")");
      }
      if (!RecordCrcMatches(record, stored_crc)) {
        return Corrupt(description_ + ": record seq " + std::to_string(record.seq) +
                       ": checksum mismatch");
      }
      ENTREPOT_RETURN_IF_ERROR(visit(record));
      ++expected;
    }
    if (static_cast<size_t>(rows) < kScanPageRecords) {
      break;
    }
  }
  if (expected <= last_seq_) {
    return Corrupt(description_ + ": record " + SeqRange(expected, last_seq_) +
                   " missing at the end (the journal held seq " + std::to_string(last_seq_) +
                   " when opened)");
  }
  return OkStatus();
}

Status PostgresJournal::WriteSnapshot(const Snapshot& snapshot) {
  ENTREPOT_RETURN_IF_ERROR(CheckWritable());
  ENTREPOT_RETURN_IF_ERROR(CheckSnapshotLimit(snapshot, options_.max_snapshot_bytes));
  ENTREPOT_CHECK(snapshot.seq <= last_seq_);
  const std::string what = "write snapshot seq " + std::to_string(snapshot.seq);
  Params insert;
  insert.AddText(site_);
  insert.AddInt8(static_cast<int64_t>(snapshot.seq));
  insert.AddBytes(snapshot.payload);
  insert.AddInt8(SnapshotCrc(snapshot.seq, snapshot.payload));
  Params site;
  site.AddText(site_);
  const Status status = InTransaction(what, [&]() -> Status {
    ENTREPOT_RETURN_IF_ERROR(CheckLease());
    ENTREPOT_RETURN_IF_ERROR(
        Run(connection_.get(),
            "INSERT INTO entrepot_snapshots(site, seq, payload, crc) VALUES($1, $2, $3, $4) "
            "ON CONFLICT (site, seq) DO UPDATE SET payload = excluded.payload, crc = excluded.crc",
            insert, what + ": insert")
            .status());
    // Keeps the newest two: the second is the fallback when the newest turns out damaged.
    return Run(connection_.get(),
               "DELETE FROM entrepot_snapshots WHERE site = $1 AND seq < (SELECT seq FROM "
               "entrepot_snapshots WHERE site = $1 ORDER BY seq DESC LIMIT 1 OFFSET 1)",
               site, what + ": prune older snapshots")
        .status();
  });
  NoteConnectionState();
  return status;
}

StatusOr<std::optional<Snapshot>> PostgresJournal::LatestSnapshot() const {
  Params site;
  site.AddText(site_);
  // The seqs first, then one payload at a time: a snapshot may be hundreds of MiB.
  ENTREPOT_ASSIGN_OR_RETURN(
      ResultPtr seqs,
      Run(connection_.get(), "SELECT seq FROM entrepot_snapshots WHERE site = $1 ORDER BY seq DESC",
          site, description_ + ": list snapshots"));
  const uint64_t last_seq = LastSeq();
  for (int row = 0; row < PQntuples(seqs.get()); ++row) {
    const auto seq = static_cast<uint64_t>(GetInt8(seqs.get(), row, 0));
    if (seq > last_seq) {
      continue;  // Beyond the journal: damaged (replay could not reach it).
    }
    Params params;
    params.AddText(site_);
    params.AddInt8(static_cast<int64_t>(seq));
    ENTREPOT_ASSIGN_OR_RETURN(
        ResultPtr found,
        Run(connection_.get(),
            "SELECT payload, crc FROM entrepot_snapshots WHERE site = $1 AND seq = $2", params,
            description_ + ": read snapshot seq " + std::to_string(seq)));
    if (PQntuples(found.get()) == 0) {
      continue;  // Pruned by the writer meanwhile: an older one follows.
    }
    const std::string_view payload = GetBytes(found.get(), 0, 0);
    // A damaged snapshot is skipped: an older one plus a longer replay gives the same state.
    if (GetInt8(found.get(), 0, 1) == SnapshotCrc(seq, payload)) {
      return std::optional<Snapshot>(Snapshot{.seq = seq, .payload = std::string(payload)});
    }
  }
  return std::optional<Snapshot>();
}

Status PostgresJournal::CheckIntegrity() const {
  PGconn* connection = connection_.get();
  // One snapshot of the database for all checks, even while the writer appends.
  ENTREPOT_RETURN_IF_ERROR(Exec(connection, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                                description_ + ": begin integrity check"));
  IntegrityProblems problems;
  uint64_t expected = 1;
  JournalRecord record;
  Status status = OkStatus();
  while (status.ok()) {
    Params params;
    params.AddText(site_);
    params.AddInt8(static_cast<int64_t>(expected - 1));
    params.AddInt8(static_cast<int64_t>(kScanPageRecords));
    StatusOr<ResultPtr> page =
        RunPrepared(connection, kScanStatement, params,
                    "journal: reading after seq " + std::to_string(expected - 1));
    if (!page.ok()) {
      status = page.status();
      break;
    }
    const int rows = PQntuples(page->get());
    for (int row = 0; row < rows; ++row) {
      const int64_t stored_crc = ReadRecordRow(page->get(), row, record);
      if (record.seq > expected) {
        problems.Add("journal: record " + SeqRange(expected, record.seq - 1) + " missing (seq " +
                     std::to_string(record.seq) + " follows seq " + std::to_string(expected - 1) +
                     ")");
      }
      if (!RecordCrcMatches(record, stored_crc)) {
        problems.Add("journal: record seq " + std::to_string(record.seq) + ": checksum mismatch");
      }
      expected = record.seq + 1;
    }
    if (static_cast<size_t>(rows) < kScanPageRecords) {
      break;
    }
  }
  if (!status.ok()) {
    problems.Add(status.message());
  } else if (expected <= last_seq_) {
    problems.Add("journal: record " + SeqRange(expected, last_seq_) +
                 " missing at the end (the journal held seq " + std::to_string(last_seq_) +
                 " when opened)");
  }
  const uint64_t last_record_seq = expected - 1;
  Params site;
  site.AddText(site_);
  StatusOr<ResultPtr> snapshots = Run(
      connection, "SELECT seq, payload, crc FROM entrepot_snapshots WHERE site = $1 ORDER BY seq",
      site, "snapshot: read");
  if (!snapshots.ok()) {
    problems.Add(snapshots.status().message());
  } else {
    for (int row = 0; row < PQntuples(snapshots->get()); ++row) {
      const auto seq = static_cast<uint64_t>(GetInt8(snapshots->get(), row, 0));
      if (GetInt8(snapshots->get(), row, 2) !=
          SnapshotCrc(seq, GetBytes(snapshots->get(), row, 1))) {
        problems.Add("snapshot seq " + std::to_string(seq) + ": checksum mismatch");
      }
      if (seq > last_record_seq) {
        problems.Add("snapshot seq " + std::to_string(seq) +
                     ": beyond the last record of the journal (seq " +
                     std::to_string(last_record_seq) + ")");
      }
    }
  }
  // Ending a read-only transaction cannot lose anything; its result does not matter.
  ResultPtr ended(PQexec(connection, "ROLLBACK"));
  return problems.ToStatus(description_);
}

}  // namespace entrepot::store
