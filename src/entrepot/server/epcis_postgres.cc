#include "entrepot/server/epcis_postgres.h"

#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "entrepot/base/status_macros.h"
#include "entrepot/store/postgres_connection.h"

namespace entrepot::server {
namespace {

namespace pg = store::pg;

constexpr int kConnectTimeoutS = 10;
constexpr int kStatementTimeoutMs = 30'000;
// A capture waits this long for the capture of another node of the site to end.
constexpr int kLockTimeoutMs = 5'000;

// The shared PostgreSQL helpers word errors as the journal's ("journal_unavailable", ...);
// these are the repository's.
Status Mapped(const Status& status) { return pg::RenamedReason(status, "epcis"); }

int64_t Int(size_t value) { return static_cast<int64_t>(value); }

class PostgresEpcisCaptures final : public SharedEpcisCaptureStore {
 public:
  PostgresEpcisCaptures(std::string site, pg::ConnectionPtr connection)
      : site_(std::move(site)), connection_(std::move(connection)) {}

  Status Begin() override {
    ENTREPOT_RETURN_IF_ERROR(Mapped(pg::Exec(Connection(), "BEGIN", "begin a capture")));
    in_transaction_ = true;
    last_event_.reset();
    return OkStatus();
  }
  Status Commit() override {
    in_transaction_ = false;
    if (last_event_) {
      pg::Params params = SiteParams();
      params.AddInt8(*last_event_);
      ENTREPOT_RETURN_IF_ERROR(
          Run("UPDATE entrepot_epcis_counters SET last_event = $2 WHERE site = $1", params,
              "number the captured events")
              .status());
    }
    return Mapped(pg::Exec(connection_.get(), "COMMIT", "commit a capture"));
  }
  void Rollback() override {
    in_transaction_ = false;
    last_event_.reset();
    pg::ResultPtr rolled_back(PQexec(connection_.get(), "ROLLBACK"));
  }

  StatusOr<int64_t> InsertJob(const CaptureJob& job) override {
    // Locks the site's counters until the transaction ends: captures of the site, from any
    // node, take turns.
    ENTREPOT_ASSIGN_OR_RETURN(
        pg::ResultPtr counters,
        Run("INSERT INTO entrepot_epcis_counters(site, last_job, last_event) VALUES($1, 1, 0) "
            "ON CONFLICT (site) DO UPDATE SET last_job = entrepot_epcis_counters.last_job + 1 "
            "RETURNING last_job, last_event",
            SiteParams(), "number a capture job"));
    const int64_t id = pg::GetInt8(counters.get(), 0, 0);
    last_event_ = pg::GetInt8(counters.get(), 0, 1);
    const std::string behaviour(CaptureBehaviourName(job.behaviour));
    const std::string state(CaptureStateName(job.state));
    const std::string errors = internal::CaptureErrorsJson(job.errors).dump();
    pg::Params insert = SiteParams();
    insert.AddInt8(id);
    insert.AddInt8(job.created_ms);
    insert.AddInt8(job.finished_ms);
    insert.AddText(behaviour);
    insert.AddText(state);
    insert.AddInt8(Int(job.event_count));
    insert.AddInt8(Int(job.captured_count));
    insert.AddInt8(Int(job.duplicate_count));
    insert.AddInt8(Int(job.error_count));
    insert.AddText(errors);
    ENTREPOT_RETURN_IF_ERROR(
        Run("INSERT INTO entrepot_epcis_capture_jobs(site, id, created_ms, finished_ms, "
            "behaviour, state, event_count, captured_count, duplicate_count, error_count, "
            "errors) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            insert, "store a capture job")
            .status());
    pg::Params prune = SiteParams();
    prune.AddInt8(job.created_ms - kCaptureJobRetentionMs);
    prune.AddInt8(id - kMaxCaptureJobs);
    ENTREPOT_RETURN_IF_ERROR(Run("DELETE FROM entrepot_epcis_capture_jobs WHERE site = $1 AND "
                                 "(created_ms < $2 OR id <= $3)",
                                 prune, "prune the capture jobs")
                                 .status());
    return id;
  }

  StatusOr<InsertOutcome> InsertCaptured(const internal::NewEvent& event, int64_t job,
                                         int64_t record_time_ms) override {
    if (!last_event_) {
      // No job of this transaction took the lock (`entrepot migrate` copying the events of
      // jobs pruned long ago): take it without numbering a job.
      ENTREPOT_ASSIGN_OR_RETURN(
          pg::ResultPtr counters,
          Run("INSERT INTO entrepot_epcis_counters(site, last_job, last_event) VALUES($1, 0, 0) "
              "ON CONFLICT (site) DO UPDATE SET last_job = entrepot_epcis_counters.last_job "
              "RETURNING last_event",
              SiteParams(), "lock the captured events"));
      last_event_ = pg::GetInt8(counters.get(), 0, 0);
    }
    const int64_t seq = *last_event_ + 1;
    pg::Params insert = SiteParams();
    insert.AddInt8(seq);
    insert.AddText(event.event_id);
    insert.AddInt8(job);
    insert.AddInt8(record_time_ms);
    insert.AddText(event.body);
    insert.AddText(event.namespaces);
    ENTREPOT_ASSIGN_OR_RETURN(
        pg::ResultPtr inserted,
        Run("INSERT INTO entrepot_epcis_events(site, seq, event_id, capture_job, "
            "record_time_ms, body, namespaces) VALUES($1, $2, $3, $4, $5, $6, $7) "
            "ON CONFLICT (site, event_id) DO NOTHING RETURNING 1",
            insert, "store a captured event"));
    if (PQntuples(inserted.get()) > 0) {
      last_event_ = seq;
      return InsertOutcome::kInserted;
    }
    pg::Params find = SiteParams();
    find.AddText(event.event_id);
    ENTREPOT_ASSIGN_OR_RETURN(
        pg::ResultPtr stored,
        Run("SELECT body FROM entrepot_epcis_events WHERE site = $1 AND event_id = $2", find,
            "read a captured event"));
    return PQntuples(stored.get()) > 0 &&
                   internal::SameEventContent(event.body, pg::Row(stored.get(), 0).Text(0))
               ? InsertOutcome::kSameContent
               : InsertOutcome::kConflict;
  }

  Status UpdateJob(int64_t id, const CaptureJob& job) override {
    const std::string state(CaptureStateName(job.state));
    const std::string errors = internal::CaptureErrorsJson(job.errors).dump();
    pg::Params update = SiteParams();
    update.AddInt8(id);
    update.AddInt8(job.finished_ms);
    update.AddText(state);
    update.AddInt8(Int(job.captured_count));
    update.AddInt8(Int(job.duplicate_count));
    update.AddInt8(Int(job.error_count));
    update.AddText(errors);
    return Run("UPDATE entrepot_epcis_capture_jobs SET finished_ms = $3, state = $4, "
               "captured_count = $5, duplicate_count = $6, error_count = $7, errors = $8 "
               "WHERE site = $1 AND id = $2",
               update, "update a capture job")
        .status();
  }

  StatusOr<std::optional<CaptureJob>> FindJob(int64_t id) override {
    pg::Params find = SiteParams();
    find.AddInt8(id);
    ENTREPOT_ASSIGN_OR_RETURN(
        pg::ResultPtr result,
        Run("SELECT created_ms, finished_ms, behaviour, state, event_count, captured_count, "
            "duplicate_count, error_count, errors FROM entrepot_epcis_capture_jobs "
            "WHERE site = $1 AND id = $2",
            find, "read a capture job"));
    if (PQntuples(result.get()) == 0) {
      return std::optional<CaptureJob>();
    }
    const pg::Row row(result.get(), 0);
    CaptureJob job;
    job.id = std::to_string(id);
    job.created_ms = row.Int(0);
    job.finished_ms = row.Int(1);
    StatusOr<CaptureBehaviour> behaviour = ParseCaptureBehaviour(row.Text(2));
    job.behaviour = behaviour.ok() ? *behaviour : CaptureBehaviour::kRollback;
    job.state = internal::CaptureStateOfName(row.Text(3));
    job.event_count = static_cast<size_t>(row.Int(4));
    job.captured_count = static_cast<size_t>(row.Int(5));
    job.duplicate_count = static_cast<size_t>(row.Int(6));
    job.error_count = static_cast<size_t>(row.Int(7));
    job.errors = internal::CaptureErrorsOfJson(row.Text(8));
    return std::optional<CaptureJob>(std::move(job));
  }

  StatusOr<std::vector<Captured>> CapturedAfter(int64_t after_seq, size_t limit) override {
    pg::Params select = SiteParams();
    select.AddInt8(after_seq);
    select.AddInt8(Int(limit));
    ENTREPOT_ASSIGN_OR_RETURN(
        pg::ResultPtr result,
        Run("SELECT seq, capture_job, record_time_ms, body, namespaces FROM "
            "entrepot_epcis_events WHERE site = $1 AND seq > $2 ORDER BY seq LIMIT $3",
            select, "read the captured events"));
    std::vector<Captured> events;
    for (int i = 0; i < PQntuples(result.get()); ++i) {
      const pg::Row row(result.get(), i);
      events.push_back(Captured{row.Int(0), row.Int(1), row.Int(2), row.Text(3), row.Text(4)});
    }
    return events;
  }

 private:
  pg::Params SiteParams() const {
    pg::Params params;
    params.AddText(site_);
    return params;
  }
  // The connection, re-established first when it was lost outside a transaction.
  PGconn* Connection() {
    if (!in_transaction_ && PQstatus(connection_.get()) != CONNECTION_OK) {
      PQreset(connection_.get());
    }
    return connection_.get();
  }
  StatusOr<pg::ResultPtr> Run(const char* sql, const pg::Params& params, std::string_view what) {
    StatusOr<pg::ResultPtr> result = pg::Run(Connection(), sql, params, what);
    if (!result.ok()) {
      return Mapped(result.status());
    }
    return result;
  }

  const std::string site_;
  pg::ConnectionPtr connection_;
  bool in_transaction_ = false;
  // In a transaction, after InsertJob: the seq of the site's last captured event.
  std::optional<int64_t> last_event_;
};

}  // namespace

StatusOr<std::unique_ptr<SharedEpcisCaptureStore>> OpenPostgresEpcisCaptures(
    const std::string& conninfo, const std::string& site) {
  ENTREPOT_RETURN_IF_ERROR(pg::CheckSiteCode(site));
  ENTREPOT_ASSIGN_OR_RETURN(std::string described, pg::DescribeConninfo(conninfo));
  auto open = [&]() -> StatusOr<std::unique_ptr<SharedEpcisCaptureStore>> {
    // Shared settings: a capture answered 202 survives the server's crash, and the node that
    // takes the site over finds it.
    StatusOr<pg::ConnectionPtr> connection =
        pg::ConnectShared(conninfo, kConnectTimeoutS, kStatementTimeoutMs, kLockTimeoutMs);
    if (!connection.ok()) {
      return Mapped(connection.status());
    }
    ENTREPOT_RETURN_IF_ERROR(Mapped(pg::MigrateSchema(connection->get())));
    return std::unique_ptr<SharedEpcisCaptureStore>(
        new PostgresEpcisCaptures(site, *std::move(connection)));
  };
  StatusOr<std::unique_ptr<SharedEpcisCaptureStore>> captures = open();
  if (!captures.ok()) {
    return captures.status().WithContext("open the captured EPCIS events of " + described +
                                         " site " + site);
  }
  return captures;
}

}  // namespace entrepot::server
