#include "entrepot/store/postgres_labor_store.h"

#include <fstream>
#include <functional>
#include <iterator>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "entrepot/base/status_macros.h"
#include "entrepot/store/postgres_connection.h"

namespace entrepot::store {
namespace {

using privacy::Pseudonym;

constexpr int kConnectTimeoutS = 10;
constexpr int kStatementTimeoutMs = 30'000;
constexpr int kLockTimeoutMs = 5'000;

// The shared PostgreSQL helpers word errors as the journal's ("journal_unavailable", ...);
// these are the labor stream's.
Status Mapped(const Status& status) { return pg::RenamedReason(status, "labor"); }

using Params = pg::SiteParams;
using pg::Row;

LaborAssignment ReadAssignment(const Row& row, int first) {
  return LaborAssignment{row.Int(first), row.Text(first + 1), row.Text(first + 2),
                         row.Text(first + 3), row.Bool(first + 4)};
}

constexpr char kSessionColumns[] =
    "s.id, s.day, s.device, s.pseudonym, s.start_ms, s.end_ms, "
    "s.carried";

StatusOr<LaborSessionRow> ReadSession(const Row& row) {
  ENTREPOT_ASSIGN_OR_RETURN(Pseudonym pseudonym, StoredPseudonym(row.Bytes(3)));
  return LaborSessionRow{row.Int(0), row.Text(1),        row.Text(2), pseudonym,
                         row.Int(4), row.OptionalInt(5), row.Bool(6)};
}

LaborHistoryRow ReadHistory(const Row& row) {
  const std::span<const uint8_t> cohort = row.Bytes(4);
  return LaborHistoryRow{row.Text(0), row.Text(1), row.Text(2), row.Int(3),
                         std::vector<uint8_t>(cohort.begin(), cohort.end())};
}

LaborTeamWeekRow ReadTeamWeek(const Row& row) {
  return LaborTeamWeekRow{row.Text(0),
                          row.Text(1),
                          row.Text(2),
                          row.Text(3),
                          row.Text(4),
                          static_cast<uint64_t>(row.Int(5)),  // The token's bits.
                          row.Int(6),
                          row.Int(7),
                          row.Int(8)};
}

class PostgresLaborStorage final : public LaborStorage {
 public:
  PostgresLaborStorage(std::string location, std::string site, pg::ConnectionPtr connection)
      : location_(std::move(location)),
        site_(std::move(site)),
        connection_(std::move(connection)) {}

  const std::string& location() const override { return location_; }
  Status Begin() override {
    ENTREPOT_RETURN_IF_ERROR(Mapped(pg::Exec(Connection(), "BEGIN", "begin a transaction")));
    in_transaction_ = true;
    return OkStatus();
  }
  Status Commit() override {
    in_transaction_ = false;
    return Mapped(pg::Exec(connection_.get(), "COMMIT", "commit"));
  }
  void Rollback() override {
    in_transaction_ = false;
    pg::ResultPtr rolled_back(PQexec(connection_.get(), "ROLLBACK"));
  }

  StatusOr<bool> IsClosed(const std::string& day) override {
    return HasRow("SELECT 1 FROM entrepot_labor_closed_days WHERE site = $1 AND day = $2",
                  SiteParams().Text(day), "read a closed day");
  }
  StatusOr<int64_t> InsertSession(const LaborSessionRow& session) override {
    ENTREPOT_ASSIGN_OR_RETURN(
        pg::ResultPtr result,
        Run("INSERT INTO entrepot_labor_sessions(site, day, device, pseudonym, start_ms, "
            "end_ms, carried) VALUES($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            SiteParams()
                .Text(session.day)
                .Text(session.device)
                .Bytes(session.pseudonym)
                .Int(session.start_ms)
                .OptionalInt(session.end_ms)
                .Bool(session.carried),
            "open a labor session"));
    return pg::GetInt8(result.get(), 0, 0);
  }
  Status EndSession(std::string_view device, int64_t at_ms) override {
    return Run("UPDATE entrepot_labor_sessions SET end_ms = greatest($3, start_ms) "
               "WHERE site = $1 AND device = $2 AND end_ms IS NULL",
               SiteParams().Text(device).Int(at_ms), "end a labor session")
        .status();
  }
  StatusOr<bool> AddScan(std::string_view device, const LaborScanRow& scan) override {
    ENTREPOT_ASSIGN_OR_RETURN(
        pg::ResultPtr result,
        Run("INSERT INTO entrepot_labor_scans(site, session_id, process, zone, outcome, units, "
            "at_ms) SELECT $1, id, $3, $4, $5, $6, $7 FROM entrepot_labor_sessions "
            "WHERE site = $1 AND device = $2 AND end_ms IS NULL RETURNING 1",
            SiteParams()
                .Text(device)
                .Text(scan.process)
                .Text(scan.zone)
                .Text(scan.outcome)
                .Int(scan.units)
                .Int(scan.at_ms),
            "record a labor scan"));
    return PQntuples(result.get()) > 0;
  }
  Status InsertScan(const LaborScanRow& scan) override {
    return Run("INSERT INTO entrepot_labor_scans(site, session_id, process, zone, outcome, "
               "units, at_ms) VALUES($1, $2, $3, $4, $5, $6, $7)",
               SiteParams()
                   .Int(scan.session_id)
                   .Text(scan.process)
                   .Text(scan.zone)
                   .Text(scan.outcome)
                   .Int(scan.units)
                   .Int(scan.at_ms),
               "copy a labor scan")
        .status();
  }
  StatusOr<std::vector<std::string>> EventDays() override {
    return Texts(
        "SELECT day FROM entrepot_labor_sessions WHERE site = $1 UNION "
        "SELECT day FROM entrepot_labor_assignments WHERE site = $1",
        SiteParams(), "list the labor days");
  }
  Status EachDayEvent(
      const std::string& day,
      const std::function<Status(const LaborSessionRow&, const LaborScanRow*)>& visit) override {
    const std::string sql =
        std::string("SELECT ") + kSessionColumns +
        ", sc.process, sc.zone, sc.outcome, sc.units, sc.at_ms FROM entrepot_labor_sessions s "
        "LEFT JOIN entrepot_labor_scans sc ON sc.site = s.site AND sc.session_id = s.id "
        "WHERE s.site = $1 AND s.day = $2 ORDER BY s.id, sc.at_ms, sc.id";
    return EachRow(sql.c_str(), SiteParams().Text(day), "read a labor day",
                   [&](const Row& row) -> Status {
                     ENTREPOT_ASSIGN_OR_RETURN(LaborSessionRow session, ReadSession(row));
                     if (row.IsNull(7)) {
                       return visit(session, nullptr);
                     }
                     const LaborScanRow scan{session.id,  row.Text(7), row.Text(8),
                                             row.Text(9), row.Int(10), row.Int(11)};
                     return visit(session, &scan);
                   });
  }
  StatusOr<std::vector<LaborOutcomeCount>> OutcomesOf(const std::string& day,
                                                      const Pseudonym& pseudonym) override {
    std::vector<LaborOutcomeCount> out;
    ENTREPOT_RETURN_IF_ERROR(
        EachRow("SELECT sc.outcome, count(*), sum(sc.units)::int8 FROM entrepot_labor_scans sc "
                "JOIN entrepot_labor_sessions s ON s.site = sc.site AND s.id = sc.session_id "
                "WHERE s.site = $1 AND s.day = $2 AND s.pseudonym = $3 GROUP BY sc.outcome",
                SiteParams().Text(day).Bytes(pseudonym), "read a worker's day",
                [&](const Row& row) -> Status {
                  out.push_back({row.Text(0), row.Int(1), row.Int(2)});
                  return OkStatus();
                }));
    return out;
  }
  StatusOr<std::optional<CurrentTask>> CurrentTaskOf(const std::string& day,
                                                     const Pseudonym& pseudonym) override {
    std::optional<CurrentTask> task;
    ENTREPOT_RETURN_IF_ERROR(EachRow(
        "SELECT coalesce(sc.process, ''), coalesce(sc.zone, '') FROM entrepot_labor_sessions s "
        "LEFT JOIN entrepot_labor_scans sc ON sc.site = s.site AND sc.session_id = s.id "
        "WHERE s.site = $1 AND s.day = $2 AND s.pseudonym = $3 AND s.end_ms IS NULL "
        "ORDER BY s.start_ms DESC, sc.at_ms DESC NULLS LAST, sc.id DESC NULLS LAST LIMIT 1",
        SiteParams().Text(day).Bytes(pseudonym), "read a worker's task",
        [&](const Row& row) -> Status {
          task = CurrentTask{row.Text(0), row.Text(1)};
          return OkStatus();
        }));
    return task;
  }
  StatusOr<std::vector<OwnSession>> SessionsOf(const std::string& day,
                                               const Pseudonym& pseudonym) override {
    std::vector<OwnSession> out;
    ENTREPOT_RETURN_IF_ERROR(
        EachRow("SELECT start_ms, end_ms FROM entrepot_labor_sessions WHERE site = $1 AND "
                "day = $2 AND pseudonym = $3 ORDER BY start_ms, id",
                SiteParams().Text(day).Bytes(pseudonym), "read a worker's sessions",
                [&](const Row& row) -> Status {
                  out.push_back({row.Int(0), row.OptionalInt(1)});
                  return OkStatus();
                }));
    return out;
  }
  StatusOr<std::vector<OwnScan>> ScansOf(const std::string& day, const Pseudonym& pseudonym,
                                         size_t limit) override {
    std::vector<OwnScan> out;
    ENTREPOT_RETURN_IF_ERROR(EachRow(
        "SELECT sc.at_ms, sc.process, sc.zone, sc.outcome, sc.units FROM entrepot_labor_scans sc "
        "JOIN entrepot_labor_sessions s ON s.site = sc.site AND s.id = sc.session_id "
        "WHERE s.site = $1 AND s.day = $2 AND s.pseudonym = $3 ORDER BY sc.at_ms, sc.id "
        "LIMIT $4",
        SiteParams().Text(day).Bytes(pseudonym).Int(static_cast<int64_t>(limit)),
        "read a worker's scans", [&](const Row& row) -> Status {
          out.push_back({row.Int(0), row.Text(1), row.Text(2), row.Text(3), row.Int(4)});
          return OkStatus();
        }));
    return out;
  }
  StatusOr<std::vector<LaborDayFact>> DayFacts(const std::string& day) override {
    std::vector<LaborDayFact> out;
    ENTREPOT_RETURN_IF_ERROR(
        EachRow("SELECT s.pseudonym, sc.zone, sc.process, "
                "sum(CASE WHEN sc.outcome = 'ok' THEN sc.units ELSE 0 END)::int8, "
                "sum(CASE WHEN sc.outcome = 'ok' THEN 0 ELSE 1 END)::int8 "
                "FROM entrepot_labor_scans sc JOIN entrepot_labor_sessions s "
                "ON s.site = sc.site AND s.id = sc.session_id WHERE s.site = $1 AND s.day = $2 "
                "GROUP BY s.pseudonym, sc.zone, sc.process",
                SiteParams().Text(day), "read a labor day's facts", [&](const Row& row) -> Status {
                  ENTREPOT_ASSIGN_OR_RETURN(Pseudonym pseudonym, StoredPseudonym(row.Bytes(0)));
                  out.push_back({pseudonym, row.Text(1), row.Text(2), row.Int(3), row.Int(4)});
                  return OkStatus();
                }));
    return out;
  }

  Status ReplaceRota(const std::string& day, std::span<const LaborAssignment> rota) override {
    ENTREPOT_RETURN_IF_ERROR(
        Run("DELETE FROM entrepot_labor_assignments WHERE site = $1 AND day = $2",
            SiteParams().Text(day), "clear a rota")
            .status());
    for (const LaborAssignment& a : rota) {
      ENTREPOT_RETURN_IF_ERROR(
          Run("INSERT INTO entrepot_labor_assignments(site, day, worker_id, team, shift, zone, "
              "supervisor) VALUES($1, $2, $3, $4, $5, $6, $7)",
              SiteParams()
                  .Text(day)
                  .Int(a.worker_id)
                  .Text(a.team)
                  .Text(a.shift)
                  .Text(a.zone)
                  .Bool(a.supervisor),
              "write a rota")
              .status());
    }
    return OkStatus();
  }
  StatusOr<std::optional<LaborAssignment>> AssignmentOf(const std::string& day,
                                                        int64_t worker_id) override {
    std::optional<LaborAssignment> found;
    ENTREPOT_RETURN_IF_ERROR(EachRow(
        "SELECT worker_id, team, shift, zone, supervisor FROM entrepot_labor_assignments "
        "WHERE site = $1 AND day = $2 AND worker_id = $3",
        SiteParams().Text(day).Int(worker_id), "read a rota line", [&](const Row& row) -> Status {
          found = ReadAssignment(row, 0);
          return OkStatus();
        }));
    return found;
  }
  StatusOr<std::vector<LaborAssignment>> Rota(const std::string& day) override {
    std::vector<LaborAssignment> rota;
    ENTREPOT_RETURN_IF_ERROR(
        EachRow("SELECT worker_id, team, shift, zone, supervisor FROM "
                "entrepot_labor_assignments WHERE site = $1 AND day = $2 ORDER BY worker_id",
                SiteParams().Text(day), "read a rota", [&](const Row& row) -> Status {
                  rota.push_back(ReadAssignment(row, 0));
                  return OkStatus();
                }));
    return rota;
  }

  Status AddWeekly(const LaborWeeklyRow& row) override {
    return PutWeekly(row,
                     "ON CONFLICT (site, week, member, kind, name) DO UPDATE SET value = "
                     "entrepot_labor_weekly.value + excluded.value");
  }
  Status KeepWeekly(const LaborWeeklyRow& row) override {
    return PutWeekly(row, "ON CONFLICT DO NOTHING");
  }
  Status AddTeamWeek(const LaborTeamWeekRow& row) override {
    return Run("INSERT INTO entrepot_labor_team_weekly(site, week, team, shift, process, zone, "
               "member, units, errors, ms) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
               "ON CONFLICT (site, week, team, shift, process, zone, member) DO UPDATE SET "
               "units = entrepot_labor_team_weekly.units + excluded.units, "
               "errors = entrepot_labor_team_weekly.errors + excluded.errors, "
               "ms = entrepot_labor_team_weekly.ms + excluded.ms",
               SiteParams()
                   .Text(row.week)
                   .Text(row.team)
                   .Text(row.shift)
                   .Text(row.process)
                   .Text(row.zone)
                   .Int(static_cast<int64_t>(row.member))
                   .Int(row.units)
                   .Int(row.errors)
                   .Int(row.ms),
               "add to a team week")
        .status();
  }
  Status AddTeamLead(const LaborTeamLeadRow& row) override {
    return Run("INSERT INTO entrepot_labor_team_leads(site, week, team, worker_id) "
               "VALUES($1, $2, $3, $4) ON CONFLICT DO NOTHING",
               SiteParams().Text(row.week).Text(row.team).Int(row.worker_id), "add a team lead")
        .status();
  }
  Status EachTeamWeek(const std::string& from_week, const std::string& to_week,
                      const privacy::AggregateQuery& query,
                      const std::function<Status(const LaborTeamWeekRow&)>& visit) override {
    // One condition per filter set, so that the planner sees plain equalities.
    std::string sql =
        "SELECT week, team, shift, process, zone, member, units, errors, ms FROM "
        "entrepot_labor_team_weekly WHERE site = $1 AND week BETWEEN $2 AND $3";
    Params params = SiteParams();
    params.Text(from_week).Text(to_week);
    int index = 4;
    for (const auto& [column, filter] : {std::pair{"team", &query.team},
                                         {"shift", &query.shift},
                                         {"process", &query.process},
                                         {"zone", &query.zone}}) {
      if (filter->has_value()) {
        sql += std::string(" AND ") + column + " = $" + std::to_string(index++);
        params.Text(**filter);
      }
    }
    return EachRow(sql.c_str(), params, "read team weeks",
                   [&](const Row& row) { return visit(ReadTeamWeek(row)); });
  }
  StatusOr<std::vector<LaborWeeklyRow>> WeeklyOf(const std::string& week,
                                                 const Pseudonym& member) override {
    std::vector<LaborWeeklyRow> out;
    ENTREPOT_RETURN_IF_ERROR(EachRow(
        "SELECT kind, name, value FROM entrepot_labor_weekly WHERE site = $1 AND week = $2 AND "
        "member = $3 ORDER BY kind, name",
        SiteParams().Text(week).Bytes(member), "read a worker's week",
        [&](const Row& row) -> Status {
          out.push_back({week, member, row.Int(0), row.Text(1), row.Int(2)});
          return OkStatus();
        }));
    return out;
  }
  StatusOr<std::vector<std::string>> TeamsLedBy(const std::string& week,
                                                int64_t worker_id) override {
    return Texts(
        "SELECT team FROM entrepot_labor_team_leads WHERE site = $1 AND week = $2 AND "
        "worker_id = $3 ORDER BY team",
        SiteParams().Text(week).Int(worker_id), "read the teams led");
  }
  StatusOr<std::vector<std::string>> TeamsLedFor(const std::string& week, int64_t lead_id,
                                                 const Pseudonym& member,
                                                 int64_t team_kind) override {
    return Texts(
        "SELECT l.team FROM entrepot_labor_team_leads l JOIN entrepot_labor_weekly w "
        "ON w.site = l.site AND w.week = l.week AND w.kind = $5 AND w.name = l.team "
        "AND w.member = $4 WHERE l.site = $1 AND l.week = $2 AND l.worker_id = $3 "
        "ORDER BY l.team",
        SiteParams().Text(week).Int(lead_id).Bytes(member).Int(team_kind), "read the teams led");
  }
  StatusOr<std::vector<std::string>> StoredWeeks() override {
    return Texts(
        "SELECT week FROM entrepot_labor_weekly WHERE site = $1 UNION "
        "SELECT week FROM entrepot_labor_team_weekly WHERE site = $1 UNION "
        "SELECT week FROM entrepot_labor_team_leads WHERE site = $1",
        SiteParams(), "list the stored weeks");
  }

  Status CloseDay(const std::string& day, const std::string& key_name) override {
    return RunEach(
        {"DELETE FROM entrepot_labor_scans WHERE site = $1 AND session_id IN (SELECT id FROM "
         "entrepot_labor_sessions WHERE site = $1 AND day = $2)",
         "DELETE FROM entrepot_labor_sessions WHERE site = $1 AND day = $2",
         "DELETE FROM entrepot_labor_assignments WHERE site = $1 AND day = $2",
         "DELETE FROM entrepot_labor_query_history WHERE site = $1 AND scope = 'day' AND "
         "period = $2",
         "INSERT INTO entrepot_labor_closed_days(site, day) VALUES($1, $2)"},
        day, "close a labor day", key_name);
  }
  Status ExpireWeek(const std::string& week, const std::string& key_name) override {
    return RunEach({"DELETE FROM entrepot_labor_weekly WHERE site = $1 AND week = $2",
                    "DELETE FROM entrepot_labor_team_weekly WHERE site = $1 AND week = $2",
                    "DELETE FROM entrepot_labor_team_leads WHERE site = $1 AND week = $2"},
                   week, "expire a week", key_name);
  }
  StatusOr<std::vector<std::string>> KeysToDestroy() override {
    return Texts("SELECT name FROM entrepot_labor_keys_to_destroy WHERE site = $1 ORDER BY name",
                 SiteParams(), "list the keys to destroy");
  }
  Status RecordKeyToDestroy(const std::string& name) override {
    return Run("INSERT INTO entrepot_labor_keys_to_destroy(site, name) VALUES($1, $2) "
               "ON CONFLICT DO NOTHING",
               SiteParams().Text(name), "record a key to destroy")
        .status();
  }
  Status ForgetKeyToDestroy(const std::string& name) override {
    return Run("DELETE FROM entrepot_labor_keys_to_destroy WHERE site = $1 AND name = $2",
               SiteParams().Text(name), "forget a destroyed key")
        .status();
  }
  // Nothing to scrub that PostgreSQL lets a client reach: dead tuples go with VACUUM, WAL
  // segments with checkpoints, backups with their retention. The keys carry the guarantee.
  StatusOr<bool> ScrubPending() override { return false; }
  Status Scrub() override { return OkStatus(); }

  Status DropHistoryExcept(const std::string& scope, const std::string& period) override {
    return Run("DELETE FROM entrepot_labor_query_history WHERE site = $1 AND scope = $2 AND "
               "period <> $3",
               SiteParams().Text(scope).Text(period), "drop a query history")
        .status();
  }
  Status DropHistoryBefore(const std::string& scope, const std::string& period) override {
    return Run("DELETE FROM entrepot_labor_query_history WHERE site = $1 AND scope = $2 AND "
               "period < $3",
               SiteParams().Text(scope).Text(period), "drop a query history")
        .status();
  }
  StatusOr<std::vector<LaborHistoryRow>> History(const std::string& scope,
                                                 const std::string& period) override {
    std::vector<LaborHistoryRow> out;
    ENTREPOT_RETURN_IF_ERROR(EachRow(
        "SELECT scope, period, requester, seq, cohort FROM entrepot_labor_query_history WHERE "
        "site = $1 AND scope = $2 AND period = $3 ORDER BY requester, seq",
        SiteParams().Text(scope).Text(period), "read a query history",
        [&](const Row& row) -> Status {
          out.push_back(ReadHistory(row));
          return OkStatus();
        }));
    return out;
  }
  Status AppendHistory(const std::string& scope, const std::string& period,
                       const std::string& requester,
                       std::span<const std::vector<uint8_t>> cohorts) override {
    for (const std::vector<uint8_t>& cohort : cohorts) {
      ENTREPOT_RETURN_IF_ERROR(
          Run("INSERT INTO entrepot_labor_query_history(site, scope, period, requester, seq, "
              "cohort) SELECT $1, $2, $3, $4, coalesce(max(seq), 0) + 1, $5 FROM "
              "entrepot_labor_query_history WHERE site = $1 AND scope = $2 AND period = $3 "
              "AND requester = $4",
              SiteParams().Text(scope).Text(period).Text(requester).Bytes(cohort),
              "keep a query history")
              .status());
    }
    return OkStatus();
  }

  StatusOr<LaborRows> ReadAll() override;
  StatusOr<bool> IsEmpty() override {
    ENTREPOT_ASSIGN_OR_RETURN(
        bool held, HasRow("SELECT 1 FROM entrepot_labor_closed_days WHERE site = $1 UNION ALL "
                          "SELECT 1 FROM entrepot_labor_sessions WHERE site = $1 UNION ALL "
                          "SELECT 1 FROM entrepot_labor_assignments WHERE site = $1 UNION ALL "
                          "SELECT 1 FROM entrepot_labor_weekly WHERE site = $1 UNION ALL "
                          "SELECT 1 FROM entrepot_labor_team_weekly WHERE site = $1 UNION ALL "
                          "SELECT 1 FROM entrepot_labor_team_leads WHERE site = $1 UNION ALL "
                          "SELECT 1 FROM entrepot_labor_keys_to_destroy WHERE site = $1 LIMIT 1",
                          SiteParams(), "check the labor stream is empty"));
    return !held;
  }

 private:
  Params SiteParams() const { return Params(site_); }
  // The connection, made again when it was lost (the server restarted) outside a transaction,
  // rather than failing every call until the node restarts. Inside one, the statements fail
  // and the transaction is rolled back: none of its writes may land alone.
  PGconn* Connection() {
    if (!in_transaction_ && PQstatus(connection_.get()) != CONNECTION_OK) {
      PQreset(connection_.get());
    }
    return connection_.get();
  }
  StatusOr<pg::ResultPtr> Run(const char* sql, const Params& params, std::string_view what) {
    const pg::Params& values = params.get();
    PGconn* connection = Connection();
    pg::ResultPtr result(PQexecParams(connection, sql, values.size(), values.types(),
                                      values.values(), values.lengths(), values.formats(), 1));
    if (pg::Succeeded(result.get())) {
      return result;
    }
    return Mapped(pg::PostgresStatus(connection, result.get(), what));
  }
  Status EachRow(const char* sql, const Params& params, std::string_view what,
                 const std::function<Status(const Row&)>& visit) {
    ENTREPOT_ASSIGN_OR_RETURN(pg::ResultPtr result, Run(sql, params, what));
    for (int row = 0; row < PQntuples(result.get()); ++row) {
      ENTREPOT_RETURN_IF_ERROR(visit(Row(result.get(), row)));
    }
    return OkStatus();
  }
  StatusOr<std::vector<std::string>> Texts(const char* sql, const Params& params,
                                           std::string_view what) {
    std::vector<std::string> out;
    ENTREPOT_RETURN_IF_ERROR(EachRow(sql, params, what, [&](const Row& row) -> Status {
      out.push_back(row.Text(0));
      return OkStatus();
    }));
    return out;
  }
  StatusOr<bool> HasRow(const char* sql, const Params& params, std::string_view what) {
    ENTREPOT_ASSIGN_OR_RETURN(pg::ResultPtr result, Run(sql, params, what));
    return PQntuples(result.get()) > 0;
  }
  Status PutWeekly(const LaborWeeklyRow& row, const std::string& on_conflict) {
    const std::string sql =
        "INSERT INTO entrepot_labor_weekly(site, week, member, kind, name, value) "
        "VALUES($1, $2, $3, $4, $5, $6) " +
        on_conflict;
    return Run(sql.c_str(),
               SiteParams()
                   .Text(row.week)
                   .Bytes(row.member)
                   .Int(row.kind)
                   .Text(row.name)
                   .Int(row.value),
               "add to a week")
        .status();
  }
  // Runs each of `sqls` with $2 = `period`, then records `key_name` as to destroy.
  Status RunEach(std::initializer_list<const char*> sqls, const std::string& period,
                 std::string_view what, const std::string& key_name) {
    for (const char* sql : sqls) {
      ENTREPOT_RETURN_IF_ERROR(Run(sql, SiteParams().Text(period), what).status());
    }
    return RecordKeyToDestroy(key_name);
  }

  const std::string location_;
  const std::string site_;
  pg::ConnectionPtr connection_;
  bool in_transaction_ = false;
};

StatusOr<LaborRows> PostgresLaborStorage::ReadAll() {
  LaborRows rows;
  ENTREPOT_ASSIGN_OR_RETURN(rows.closed_days,
                            Texts("SELECT day FROM entrepot_labor_closed_days WHERE site = $1 "
                                  "ORDER BY day",
                                  SiteParams(), "read the closed days"));
  const std::string sessions = std::string("SELECT ") + kSessionColumns +
                               " FROM entrepot_labor_sessions s WHERE site = $1 ORDER BY id";
  ENTREPOT_RETURN_IF_ERROR(
      EachRow(sessions.c_str(), SiteParams(), "read the sessions", [&](const Row& row) -> Status {
        ENTREPOT_ASSIGN_OR_RETURN(LaborSessionRow session, ReadSession(row));
        rows.sessions.push_back(std::move(session));
        return OkStatus();
      }));
  ENTREPOT_RETURN_IF_ERROR(EachRow(
      "SELECT session_id, process, zone, outcome, units, at_ms FROM entrepot_labor_scans WHERE "
      "site = $1 ORDER BY id",
      SiteParams(), "read the scans", [&](const Row& row) -> Status {
        rows.scans.push_back(
            {row.Int(0), row.Text(1), row.Text(2), row.Text(3), row.Int(4), row.Int(5)});
        return OkStatus();
      }));
  ENTREPOT_RETURN_IF_ERROR(EachRow(
      "SELECT day, worker_id, team, shift, zone, supervisor FROM entrepot_labor_assignments "
      "WHERE site = $1 ORDER BY day, worker_id",
      SiteParams(), "read the rota", [&](const Row& row) -> Status {
        rows.rota.push_back({row.Text(0), ReadAssignment(row, 1)});
        return OkStatus();
      }));
  ENTREPOT_RETURN_IF_ERROR(
      EachRow("SELECT week, member, kind, name, value FROM entrepot_labor_weekly WHERE site = $1 "
              "ORDER BY week, member, kind, name",
              SiteParams(), "read the weekly rows", [&](const Row& row) -> Status {
                ENTREPOT_ASSIGN_OR_RETURN(Pseudonym member, StoredPseudonym(row.Bytes(1)));
                rows.weekly.push_back({row.Text(0), member, row.Int(2), row.Text(3), row.Int(4)});
                return OkStatus();
              }));
  ENTREPOT_RETURN_IF_ERROR(EachTeamWeek("", "9999-12-31", {}, [&](const LaborTeamWeekRow& row) {
    rows.team_weeks.push_back(row);
    return OkStatus();
  }));
  ENTREPOT_RETURN_IF_ERROR(
      EachRow("SELECT week, team, worker_id FROM entrepot_labor_team_leads WHERE site = $1 "
              "ORDER BY week, team, worker_id",
              SiteParams(), "read the team leads", [&](const Row& row) -> Status {
                rows.team_leads.push_back({row.Text(0), row.Text(1), row.Int(2)});
                return OkStatus();
              }));
  ENTREPOT_ASSIGN_OR_RETURN(rows.keys_to_destroy, KeysToDestroy());
  ENTREPOT_RETURN_IF_ERROR(EachRow(
      "SELECT scope, period, requester, seq, cohort FROM entrepot_labor_query_history WHERE "
      "site = $1 ORDER BY scope, period, requester, seq",
      SiteParams(), "read the query history", [&](const Row& row) -> Status {
        rows.history.push_back(ReadHistory(row));
        return OkStatus();
      }));
  return rows;
}

// Key names carry no site ("day-2026-05-04"): two sites sharing one key directory would use,
// and destroy at their roll-ups, each other's keys. The directory's file "site" names the site
// whose keys it holds; the first open writes it.
constexpr char kSiteFileName[] = "site";

Status ClaimKeyDirectory(const std::filesystem::path& dir, const std::string& site) {
  const std::filesystem::path file = dir / kSiteFileName;
  std::ifstream in(file, std::ios::binary);
  const std::string owner((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!owner.empty()) {
    if (owner != site) {
      return Error(StatusCode::kFailedPrecondition, "labor_keys_of_another_site",
                   "the labor key directory " + dir.string() + " holds the keys of site " + owner +
                       ", not " + site + ": give each site a directory of its own");
    }
    return OkStatus();
  }
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << site;
  out.flush();
  if (!out) {
    return Error(StatusCode::kUnavailable, "labor_unavailable", "cannot write " + file.string());
  }
  return OkStatus();
}

}  // namespace

StatusOr<std::unique_ptr<LaborStorage>> OpenPostgresLaborStorage(const std::string& conninfo,
                                                                 const std::string& site) {
  ENTREPOT_RETURN_IF_ERROR(pg::CheckSiteCode(site));
  ENTREPOT_ASSIGN_OR_RETURN(std::string described, pg::DescribeConninfo(conninfo));
  const std::string location = described + " site " + site;
  auto open = [&]() -> StatusOr<std::unique_ptr<LaborStorage>> {
    // Shared settings: a recorded sign-in or scan survives the server's crash, so the node
    // that takes over attributes the day as the former active node would have.
    StatusOr<pg::ConnectionPtr> connection =
        pg::ConnectShared(conninfo, kConnectTimeoutS, kStatementTimeoutMs, kLockTimeoutMs);
    if (!connection.ok()) {
      return Mapped(connection.status());
    }
    ENTREPOT_RETURN_IF_ERROR(Mapped(pg::MigrateSchema(connection->get())));
    return std::unique_ptr<LaborStorage>(
        new PostgresLaborStorage(location, site, *std::move(connection)));
  };
  StatusOr<std::unique_ptr<LaborStorage>> storage = open();
  if (!storage.ok()) {
    return storage.status().WithContext("open the labor stream of " + location);
  }
  return storage;
}

StatusOr<std::unique_ptr<LaborStore>> OpenPostgresLaborStore(const std::string& conninfo,
                                                             const std::string& site,
                                                             const privacy::Policy& policy,
                                                             LaborStoreOptions options) {
  ENTREPOT_ASSIGN_OR_RETURN(std::unique_ptr<LaborStorage> storage,
                            OpenPostgresLaborStorage(conninfo, site));
  ENTREPOT_RETURN_IF_ERROR(LaborKeyDir::Open(options.key_dir).status());  // Creates it.
  ENTREPOT_RETURN_IF_ERROR(ClaimKeyDirectory(options.key_dir, site));
  return LaborStore::Open(std::move(storage), policy, std::move(options));
}

StatusOr<std::unique_ptr<LaborStore>> OpenSiteLaborStore(const std::filesystem::path& data_dir,
                                                         const std::string& store_url,
                                                         const std::string& site,
                                                         const privacy::Policy& policy,
                                                         LaborStoreOptions options) {
  if (store_url.empty()) {
    return LaborStore::Open(data_dir, policy, std::move(options));
  }
  if (options.key_dir.empty()) {
    options.key_dir = data_dir / kLaborKeyDirName;
  }
  return OpenPostgresLaborStore(store_url, site, policy, std::move(options));
}

}  // namespace entrepot::store
