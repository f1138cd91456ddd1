// The SQLite backend of the labor stream: DIR/labor.db (labor_storage.h). The SQL and the
// file format are those LaborStore had before the storage split (schema 4).
#include <sqlite3.h>

#include <functional>
#include <optional>
#include <system_error>
#include <utility>

#include "entrepot/base/status_macros.h"
#include "entrepot/store/labor_storage.h"

namespace entrepot::store {

namespace {

using privacy::Pseudonym;
using privacy::SecretKey;

// The keys are files of the key directory (labor_keys.h), never rows of labor.db; schemas 1
// to 3 had them in tables day_keys and week_keys (see MoveKeysToFiles).
constexpr const char* kSchema = R"sql(
  CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE closed_days(day TEXT PRIMARY KEY);
  CREATE TABLE sessions(id INTEGER PRIMARY KEY, day TEXT NOT NULL, device TEXT NOT NULL,
                        pseudonym BLOB NOT NULL, start_ms INTEGER NOT NULL, end_ms INTEGER,
                        carried INTEGER NOT NULL DEFAULT 0);
  CREATE INDEX sessions_by_day ON sessions(day, pseudonym);
  CREATE UNIQUE INDEX open_session_by_device ON sessions(device) WHERE end_ms IS NULL;
  CREATE TABLE scans(id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL, process TEXT NOT NULL,
                     zone TEXT NOT NULL, outcome TEXT NOT NULL, units INTEGER NOT NULL,
                     at_ms INTEGER NOT NULL);
  CREATE INDEX scans_by_session ON scans(session_id, at_ms);
  CREATE TABLE assignments(day TEXT NOT NULL, worker_id INTEGER NOT NULL, team TEXT NOT NULL,
                           shift TEXT NOT NULL, zone TEXT NOT NULL, supervisor INTEGER NOT NULL,
                           PRIMARY KEY(day, worker_id));
  CREATE TABLE weekly(week TEXT NOT NULL, member BLOB NOT NULL, kind INTEGER NOT NULL,
                      name TEXT NOT NULL, value INTEGER NOT NULL,
                      PRIMARY KEY(week, member, kind, name)) WITHOUT ROWID;
)sql";

// Schema 2. One row per week, team, shift, process, zone and member token (never a worker
// id, never the week pseudonym: privacy::TeamMemberOf). Team level only (IND-06).
constexpr const char* kTeamWeeklySchema = R"sql(
  CREATE TABLE team_weekly(week TEXT NOT NULL, team TEXT NOT NULL, shift TEXT NOT NULL,
                           process TEXT NOT NULL, zone TEXT NOT NULL, member INTEGER NOT NULL,
                           units INTEGER NOT NULL, errors INTEGER NOT NULL, ms INTEGER NOT NULL,
                           PRIMARY KEY(week, team, shift, process, zone, member)) WITHOUT ROWID;
)sql";

// Schema 3. ACC-02 (scope own_team): who led which team in a week, from the supervisor lines
// of each rolled-up day's rota. The lead's own role, by worker id; it names no one they led
// (the members are under the week pseudonym in `weekly`, kind kTeam) and goes with the week.
constexpr const char* kTeamLeadsSchema = R"sql(
  CREATE TABLE IF NOT EXISTS team_leads(week TEXT NOT NULL, team TEXT NOT NULL,
                                        worker_id INTEGER NOT NULL,
                                        PRIMARY KEY(week, team, worker_id)) WITHOUT ROWID;
)sql";

// Schema 4. The keys whose data a committed roll-up or expiry deleted ("day-2026-05-04",
// "week-2026-05-04"): destroyed after the scrub, by the same call or, after a crash, by the
// next Open. A name says which day or week, not whose.
constexpr const char* kKeysToDestroySchema = R"sql(
  CREATE TABLE IF NOT EXISTS keys_to_destroy(name TEXT PRIMARY KEY) WITHOUT ROWID;
)sql";

// Schema 4. AGG-02 across restarts: the cohorts each requester was answered, for the day
// (scope "day", members from day pseudonyms) or for the ISO week of today (scope "week",
// members are week tokens), as privacy::QueryGuard remembered them. Loaded when a period's
// first query comes, deleted when the period changes, at the day's roll-up, and by Expire
// for past weeks. Bounded by the guard's own caps (kMaxCohortsPerRequester, ...).
constexpr const char* kQueryHistorySchema = R"sql(
  CREATE TABLE IF NOT EXISTS query_history(scope TEXT NOT NULL, period TEXT NOT NULL,
                                           requester TEXT NOT NULL, seq INTEGER NOT NULL,
                                           cohort BLOB NOT NULL,
                                           PRIMARY KEY(scope, period, requester, seq))
                                           WITHOUT ROWID;
)sql";

struct DatabaseCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DatabasePtr = std::unique_ptr<sqlite3, DatabaseCloser>;

Status SqliteStatus(sqlite3* db, int rc, std::string_view what) {
  std::string message = std::string(what) + ": " +
                        (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc)) +
                        " (SQLite code " + std::to_string(rc) + ")";
  switch (rc & 0xFF) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Error(StatusCode::kDataLoss, "labor_corrupt", std::move(message));
    case SQLITE_INTERNAL:
    case SQLITE_MISUSE:
    case SQLITE_RANGE:
    case SQLITE_ERROR:
      return Error(StatusCode::kInternal, "labor_error", std::move(message));
    default:
      return Error(StatusCode::kUnavailable, "labor_unavailable", std::move(message));
  }
}

Status Exec(sqlite3* db, const char* sql) {
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  return rc == SQLITE_OK ? OkStatus() : SqliteStatus(db, rc, sql);
}

// A prepared statement with binding by position (1-based) and stepping.
class Stmt {
 public:
  static StatusOr<Stmt> Prepare(sqlite3* db, std::string_view sql) {
    sqlite3_stmt* raw = nullptr;
    const int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &raw, nullptr);
    if (rc != SQLITE_OK) {
      sqlite3_finalize(raw);
      return SqliteStatus(db, rc, sql);
    }
    return Stmt(db, raw);
  }
  Stmt(Stmt&& other) noexcept : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)) {}
  Stmt& operator=(Stmt&&) = delete;
  ~Stmt() { sqlite3_finalize(stmt_); }

  Stmt& Bind(int index, int64_t value) {
    sqlite3_bind_int64(stmt_, index, value);
    return *this;
  }
  Stmt& Bind(int index, std::string_view text) {
    sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& BindBlob(int index, std::span<const uint8_t> bytes) {
    sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
    return *this;
  }
  // True for a row, false when done.
  StatusOr<bool> Step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) {
      return true;
    }
    if (rc == SQLITE_DONE) {
      return false;
    }
    return SqliteStatus(db_, rc, sqlite3_sql(stmt_));
  }
  Status Run() { return Step().status(); }
  // Re-arms the statement for new bindings.
  void Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  sqlite3_stmt* get() const { return stmt_; }
  bool IsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  int64_t Int(int column) const { return sqlite3_column_int64(stmt_, column); }
  std::string Text(int column) const {
    const auto* text = sqlite3_column_text(stmt_, column);
    return text == nullptr ? std::string()
                           : std::string(reinterpret_cast<const char*>(text),
                                         static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
  }
  std::span<const uint8_t> Blob(int column) const {
    const auto* data = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, column));
    return {data, static_cast<size_t>(sqlite3_column_bytes(stmt_, column))};
  }

 private:
  Stmt(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

// The first column of every row of `stmt`, in order.
StatusOr<std::vector<std::string>> TextColumn(Stmt& stmt) {
  std::vector<std::string> out;
  while (true) {
    ENTREPOT_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) {
      return out;
    }
    out.push_back(stmt.Text(0));
  }
}

// BEGIN IMMEDIATE ... COMMIT, rolled back unless committed.
class Transaction {
 public:
  static StatusOr<std::unique_ptr<Transaction>> Begin(sqlite3* db) {
    ENTREPOT_RETURN_IF_ERROR(Exec(db, "BEGIN IMMEDIATE"));
    return std::unique_ptr<Transaction>(new Transaction(db));
  }
  ~Transaction() {
    if (!done_) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
  }
  Status Commit() {
    done_ = true;
    return Exec(db_, "COMMIT");
  }

 private:
  explicit Transaction(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  bool done_ = false;
};

StatusOr<int64_t> PragmaInt(sqlite3* db, const char* sql) {
  ENTREPOT_ASSIGN_OR_RETURN(Stmt stmt, Stmt::Prepare(db, sql));
  ENTREPOT_ASSIGN_OR_RETURN(bool row, stmt.Step());
  return row ? stmt.Int(0) : 0;
}

StatusOr<SecretKey> KeyFromBlob(std::span<const uint8_t> blob) {
  if (blob.size() != privacy::kLaborKeyBytes) {
    return LaborCorrupt("a stored labor key has a wrong size");
  }
  return SecretKey(blob);
}

// Schemas 1 to 3 kept the keys in labor.db: writes each to its file (replacing a file a
// crashed upgrade wrote) and drops the tables. The caller's transaction also sets
// scrub_pending, so that the dropped keys' bytes are scrubbed before the store is used; a
// crash before its commit leaves the tables, and the next Open moves them again.
Status MoveKeysToFiles(sqlite3* db, const LaborKeyDir& keys) {
  for (const auto& [table, prefix] : {std::pair{"day_keys", "day-"}, {"week_keys", "week-"}}) {
    ENTREPOT_ASSIGN_OR_RETURN(
        Stmt stmt, Stmt::Prepare(db, "SELECT * FROM " + std::string(table) + " ORDER BY 1"));
    while (true) {
      ENTREPOT_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) {
        break;
      }
      ENTREPOT_ASSIGN_OR_RETURN(SecretKey key, KeyFromBlob(stmt.Blob(1)));
      if (!privacy::ParseDate(stmt.Text(0)).ok()) {
        return Error(StatusCode::kDataLoss, "labor_corrupt", "a stored key has a bad name");
      }
      ENTREPOT_RETURN_IF_ERROR(keys.Write(prefix + stmt.Text(0), key));
    }
    ENTREPOT_RETURN_IF_ERROR(Exec(db, ("DROP TABLE " + std::string(table)).c_str()));
  }
  return Exec(db, "INSERT OR REPLACE INTO meta(key, value) VALUES('scrub_pending', 'keys')");
}

// Creates the schema in a new file, or checks that an existing one is ours and upgrades it.
Status PrepareSchema(sqlite3* db, const LaborKeyDir& keys) {
  ENTREPOT_ASSIGN_OR_RETURN(int64_t tables, PragmaInt(db, "SELECT count(*) FROM sqlite_master"));
  ENTREPOT_ASSIGN_OR_RETURN(int64_t app_id, PragmaInt(db, "PRAGMA application_id"));
  ENTREPOT_ASSIGN_OR_RETURN(int64_t version, PragmaInt(db, "PRAGMA user_version"));
  const std::string pragmas =
      "PRAGMA application_id = " + std::to_string(LaborStore::kApplicationId) +
      "; PRAGMA user_version = " + std::to_string(LaborStore::kSchemaVersion) + ";";
  if (tables == 0) {
    ENTREPOT_ASSIGN_OR_RETURN(auto txn, Transaction::Begin(db));
    ENTREPOT_RETURN_IF_ERROR(Exec(db, kSchema));
    ENTREPOT_RETURN_IF_ERROR(Exec(db, kTeamWeeklySchema));
    ENTREPOT_RETURN_IF_ERROR(Exec(db, kTeamLeadsSchema));
    ENTREPOT_RETURN_IF_ERROR(Exec(db, kKeysToDestroySchema));
    ENTREPOT_RETURN_IF_ERROR(Exec(db, kQueryHistorySchema));
    ENTREPOT_RETURN_IF_ERROR(Exec(db, pragmas.c_str()));
    return txn->Commit();
  }
  if (app_id != LaborStore::kApplicationId) {
    return Error(StatusCode::kDataLoss, "labor_corrupt", "the file is not a labor store");
  }
  if (version > LaborStore::kSchemaVersion) {
    return Error(StatusCode::kFailedPrecondition, "labor_schema_too_new",
                 "labor.db was written by a newer Entrepôt (schema " + std::to_string(version) +
                     "); upgrade this binary");
  }
  if (version >= LaborStore::kSchemaVersion) {
    return OkStatus();
  }
  // Schema 1 had no team-week rows, schema 2 no team leads nor team rows: weeks rolled up
  // before the upgrade have none. Schemas 1 to 3 had the keys in labor.db.
  ENTREPOT_ASSIGN_OR_RETURN(auto txn, Transaction::Begin(db));
  if (version < 2) {
    ENTREPOT_RETURN_IF_ERROR(Exec(db, kTeamWeeklySchema));
  }
  ENTREPOT_RETURN_IF_ERROR(Exec(db, kTeamLeadsSchema));
  ENTREPOT_RETURN_IF_ERROR(MoveKeysToFiles(db, keys));
  ENTREPOT_RETURN_IF_ERROR(Exec(db, kKeysToDestroySchema));
  ENTREPOT_RETURN_IF_ERROR(Exec(db, kQueryHistorySchema));
  // Schema 4: a session carried over from the day before (a night shift) is marked.
  ENTREPOT_RETURN_IF_ERROR(
      Exec(db, "ALTER TABLE sessions ADD COLUMN carried INTEGER NOT NULL DEFAULT 0"));
  ENTREPOT_RETURN_IF_ERROR(Exec(db, pragmas.c_str()));
  return txn->Commit();
}

StatusOr<Pseudonym> BlobPseudonym(const Stmt& stmt, int column) {
  return StoredPseudonym(stmt.Blob(column));
}

// The rows of `stmt` through `read`, which may fail (a corrupt value).
template <typename T>
StatusOr<std::vector<T>> Rows(Stmt& stmt, const std::function<StatusOr<T>(const Stmt&)>& read) {
  std::vector<T> out;
  while (true) {
    ENTREPOT_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) {
      return out;
    }
    ENTREPOT_ASSIGN_OR_RETURN(T value, read(stmt));
    out.push_back(std::move(value));
  }
}

LaborAssignment ReadAssignment(const Stmt& stmt, int first) {
  return LaborAssignment{stmt.Int(first), stmt.Text(first + 1), stmt.Text(first + 2),
                         stmt.Text(first + 3), stmt.Int(first + 4) != 0};
}

StatusOr<LaborSessionRow> ReadSession(const Stmt& stmt) {
  ENTREPOT_ASSIGN_OR_RETURN(Pseudonym pseudonym, BlobPseudonym(stmt, 3));
  return LaborSessionRow{
      stmt.Int(0),     stmt.Text(1),
      stmt.Text(2),    pseudonym,
      stmt.Int(4),     stmt.IsNull(5) ? std::nullopt : std::optional<int64_t>(stmt.Int(5)),
      stmt.Int(6) != 0};
}

constexpr char kSessionColumns[] = "id, day, device, pseudonym, start_ms, end_ms, carried";

class SqliteLaborStorage final : public LaborStorage {
 public:
  SqliteLaborStorage(std::string location, DatabasePtr db)
      : location_(std::move(location)), db_(std::move(db)) {}

  const std::string& location() const override { return location_; }
  Status Begin() override { return Exec(raw(), "BEGIN IMMEDIATE"); }
  Status Commit() override { return Exec(raw(), "COMMIT"); }
  void Rollback() override { sqlite3_exec(raw(), "ROLLBACK", nullptr, nullptr, nullptr); }

  StatusOr<bool> IsClosed(const std::string& day) override {
    ENTREPOT_ASSIGN_OR_RETURN(Stmt stmt, Prepare("SELECT 1 FROM closed_days WHERE day = ?1"));
    stmt.Bind(1, day);
    return stmt.Step();
  }
  StatusOr<int64_t> InsertSession(const LaborSessionRow& session) override {
    ENTREPOT_ASSIGN_OR_RETURN(Stmt insert,
                              Prepare("INSERT INTO sessions(day, device, pseudonym, start_ms, "
                                      "end_ms, carried) VALUES(?1, ?2, ?3, ?4, ?5, ?6)"));
    insert.Bind(1, session.day).Bind(2, session.device).BindBlob(3, session.pseudonym);
    insert.Bind(4, session.start_ms).Bind(6, int64_t{session.carried ? 1 : 0});
    if (session.end_ms.has_value()) {
      insert.Bind(5, *session.end_ms);
    }
    ENTREPOT_RETURN_IF_ERROR(insert.Run());
    return sqlite3_last_insert_rowid(raw());
  }
  Status EndSession(std::string_view device, int64_t at_ms) override {
    ENTREPOT_ASSIGN_OR_RETURN(Stmt stmt, Prepare("UPDATE sessions SET end_ms = max(?2, start_ms) "
                                                 "WHERE device = ?1 AND end_ms IS NULL"));
    stmt.Bind(1, device).Bind(2, at_ms);
    return stmt.Run();
  }
  StatusOr<bool> AddScan(std::string_view device, const LaborScanRow& scan) override {
    // Prepared once: the recorder adds every committed scan of the site here, and parsing
    // the statement each time was the largest part of its work.
    if (!add_scan_) {
      ENTREPOT_ASSIGN_OR_RETURN(Stmt insert,
                                Prepare("INSERT INTO scans(session_id, process, zone, outcome, "
                                        "units, at_ms) SELECT id, ?2, ?3, ?4, ?5, ?6 FROM "
                                        "sessions WHERE device = ?1 AND end_ms IS NULL"));
      add_scan_.emplace(std::move(insert));
    }
    Stmt& insert = *add_scan_;
    insert.Bind(1, device).Bind(2, scan.process).Bind(3, scan.zone).Bind(4, scan.outcome);
    insert.Bind(5, scan.units).Bind(6, scan.at_ms);
    const Status ran = insert.Run();
    insert.Reset();  // A statement left active would hold the read of a later VACUUM.
    ENTREPOT_RETURN_IF_ERROR(ran);
    return sqlite3_changes(raw()) > 0;
  }
  Status InsertScan(const LaborScanRow& scan) override {
    ENTREPOT_ASSIGN_OR_RETURN(Stmt insert,
                              Prepare("INSERT INTO scans(session_id, process, zone, outcome, "
                                      "units, at_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6)"));
    insert.Bind(1, scan.session_id).Bind(2, scan.process).Bind(3, scan.zone);
    insert.Bind(4, scan.outcome).Bind(5, scan.units).Bind(6, scan.at_ms);
    return insert.Run();
  }
  StatusOr<std::vector<std::string>> EventDays() override {
    ENTREPOT_ASSIGN_OR_RETURN(Stmt stmt, Prepare("SELECT day FROM sessions UNION SELECT day FROM "
                                                 "assignments"));
    return TextColumn(stmt);
  }
  Status EachDayEvent(
      const std::string& day,
      const std::function<Status(const LaborSessionRow&, const LaborScanRow*)>& visit) override {
    ENTREPOT_ASSIGN_OR_RETURN(
        Stmt stmt, Prepare("SELECT s.id, s.day, s.device, s.pseudonym, s.start_ms, s.end_ms, "
                           "s.carried, sc.process, sc.zone, sc.outcome, sc.units, sc.at_ms "
                           "FROM sessions s LEFT JOIN scans sc ON sc.session_id = s.id "
                           "WHERE s.day = ?1 ORDER BY s.id, sc.at_ms, sc.id"));
    stmt.Bind(1, day);
    while (true) {
      ENTREPOT_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) {
        return OkStatus();
      }
      ENTREPOT_ASSIGN_OR_RETURN(LaborSessionRow session, ReadSession(stmt));
      const LaborScanRow scan{session.id,   stmt.Text(7), stmt.Text(8),
                              stmt.Text(9), stmt.Int(10), stmt.Int(11)};
      ENTREPOT_RETURN_IF_ERROR(visit(session, stmt.IsNull(7) ? nullptr : &scan));
    }
  }
  StatusOr<std::vector<LaborOutcomeCount>> OutcomesOf(const std::string& day,
                                                      const Pseudonym& pseudonym) override {
    ENTREPOT_ASSIGN_OR_RETURN(Stmt stmt,
                              Prepare("SELECT sc.outcome, count(*), sum(sc.units) FROM scans sc "
                                      "JOIN sessions s ON sc.session_id = s.id "
                                      "WHERE s.day = ?1 AND s.pseudonym = ?2 GROUP BY sc.outcome"));
    stmt.Bind(1, day).BindBlob(2, pseudonym);
    return Rows<LaborOutcomeCount>(stmt, [](const Stmt& row) -> StatusOr<LaborOutcomeCount> {
      return LaborOutcomeCount{row.Text(0), row.Int(1), row.Int(2)};
    });
  }
  StatusOr<std::optional<CurrentTask>> CurrentTaskOf(const std::string& day,
                                                     const Pseudonym& pseudonym) override {
    ENTREPOT_ASSIGN_OR_RETURN(
        Stmt task, Prepare("SELECT sc.process, sc.zone FROM sessions s LEFT JOIN scans sc "
                           "ON sc.session_id = s.id WHERE s.day = ?1 AND s.pseudonym = ?2 "
                           "AND s.end_ms IS NULL ORDER BY s.start_ms DESC, sc.at_ms DESC, "
                           "sc.id DESC LIMIT 1"));
    task.Bind(1, day).BindBlob(2, pseudonym);
    ENTREPOT_ASSIGN_OR_RETURN(bool open, task.Step());
    return open ? std::optional<CurrentTask>(CurrentTask{task.Text(0), task.Text(1)})
                : std::nullopt;
  }
  StatusOr<std::vector<OwnSession>> SessionsOf(const std::string& day,
                                               const Pseudonym& pseudonym) override {
    ENTREPOT_ASSIGN_OR_RETURN(Stmt stmt,
                              Prepare("SELECT start_ms, end_ms FROM sessions WHERE day = ?1 AND "
                                      "pseudonym = ?2 ORDER BY start_ms, id"));
    stmt.Bind(1, day).BindBlob(2, pseudonym);
    return Rows<OwnSession>(stmt, [](const Stmt& row) -> StatusOr<OwnSession> {
      return OwnSession{row.Int(0),
                        row.IsNull(1) ? std::nullopt : std::optional<int64_t>(row.Int(1))};
    });
  }
  StatusOr<std::vector<OwnScan>> ScansOf(const std::string& day, const Pseudonym& pseudonym,
                                         size_t limit) override {
    ENTREPOT_ASSIGN_OR_RETURN(
        Stmt stmt, Prepare("SELECT sc.at_ms, sc.process, sc.zone, sc.outcome, sc.units "
                           "FROM scans sc JOIN sessions s ON sc.session_id = s.id "
                           "WHERE s.day = ?1 AND s.pseudonym = ?2 ORDER BY sc.at_ms, sc.id "
                           "LIMIT ?3"));
    stmt.Bind(1, day).BindBlob(2, pseudonym).Bind(3, static_cast<int64_t>(limit));
    return Rows<OwnScan>(stmt, [](const Stmt& row) -> StatusOr<OwnScan> {
      return OwnScan{row.Int(0), row.Text(1), row.Text(2), row.Text(3), row.Int(4)};
    });
  }
  StatusOr<std::vector<LaborDayFact>> DayFacts(const std::string& day) override {
    ENTREPOT_ASSIGN_OR_RETURN(
        Stmt stmt, Prepare("SELECT s.pseudonym, sc.zone, sc.process, "
                           "sum(CASE WHEN sc.outcome = 'ok' THEN sc.units ELSE 0 END), "
                           "sum(CASE WHEN sc.outcome = 'ok' THEN 0 ELSE 1 END) "
                           "FROM scans sc JOIN sessions s ON sc.session_id = s.id "
                           "WHERE s.day = ?1 GROUP BY s.pseudonym, sc.zone, sc.process"));
    stmt.Bind(1, day);
    return Rows<LaborDayFact>(stmt, [](const Stmt& row) -> StatusOr<LaborDayFact> {
      ENTREPOT_ASSIGN_OR_RETURN(Pseudonym pseudonym, BlobPseudonym(row, 0));
      return LaborDayFact{pseudonym, row.Text(1), row.Text(2), row.Int(3), row.Int(4)};
    });
  }

  Status ReplaceRota(const std::string& day, std::span<const LaborAssignment> rota) override {
    ENTREPOT_ASSIGN_OR_RETURN(Stmt clear, Prepare("DELETE FROM assignments WHERE day = ?1"));
    clear.Bind(1, day);
    ENTREPOT_RETURN_IF_ERROR(clear.Run());
    ENTREPOT_ASSIGN_OR_RETURN(Stmt insert,
                              Prepare("INSERT INTO assignments(day, worker_id, team, shift, "
                                      "zone, supervisor) VALUES(?1, ?2, ?3, ?4, ?5, ?6)"));
    for (const LaborAssignment& a : rota) {
      insert.Reset();
      insert.Bind(1, day).Bind(2, a.worker_id).Bind(3, a.team).Bind(4, a.shift);
      insert.Bind(5, a.zone).Bind(6, int64_t{a.supervisor ? 1 : 0});
      ENTREPOT_RETURN_IF_ERROR(insert.Run());
    }
    return OkStatus();
  }
  StatusOr<std::optional<LaborAssignment>> AssignmentOf(const std::string& day,
                                                        int64_t worker_id) override {
    ENTREPOT_ASSIGN_OR_RETURN(Stmt stmt,
                              Prepare("SELECT worker_id, team, shift, zone, supervisor FROM "
                                      "assignments WHERE day = ?1 AND worker_id = ?2"));
    stmt.Bind(1, day).Bind(2, worker_id);
    ENTREPOT_ASSIGN_OR_RETURN(bool row, stmt.Step());
    return row ? std::optional<LaborAssignment>(ReadAssignment(stmt, 0)) : std::nullopt;
  }
  StatusOr<std::vector<LaborAssignment>> Rota(const std::string& day) override {
    ENTREPOT_ASSIGN_OR_RETURN(Stmt stmt,
                              Prepare("SELECT worker_id, team, shift, zone, supervisor FROM "
                                      "assignments WHERE day = ?1 ORDER BY worker_id"));
    stmt.Bind(1, day);
    return Rows<LaborAssignment>(
        stmt, [](const Stmt& row) -> StatusOr<LaborAssignment> { return ReadAssignment(row, 0); });
  }

  Status AddWeekly(const LaborWeeklyRow& row) override {
    return PutWeekly(row,
                     "INSERT INTO weekly(week, member, kind, name, value) VALUES(?1, ?2, ?3, ?4, "
                     "?5) ON CONFLICT DO UPDATE SET value = value + excluded.value");
  }
  Status KeepWeekly(const LaborWeeklyRow& row) override {
    return PutWeekly(row,
                     "INSERT OR IGNORE INTO weekly(week, member, kind, name, value) "
                     "VALUES(?1, ?2, ?3, ?4, ?5)");
  }
  Status AddTeamWeek(const LaborTeamWeekRow& row) override {
    ENTREPOT_ASSIGN_OR_RETURN(
        Stmt upsert, Prepare("INSERT INTO team_weekly(week, team, shift, process, zone, member, "
                             "units, errors, ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
                             "ON CONFLICT DO UPDATE SET units = units + excluded.units, "
                             "errors = errors + excluded.errors, ms = ms + excluded.ms"));
    upsert.Bind(1, row.week).Bind(2, row.team).Bind(3, row.shift).Bind(4, row.process);
    upsert.Bind(5, row.zone).Bind(6, static_cast<int64_t>(row.member));  // The token's bits.
    upsert.Bind(7, row.units).Bind(8, row.errors).Bind(9, row.ms);
    return upsert.Run();
  }
  Status AddTeamLead(const LaborTeamLeadRow& row) override {
    ENTREPOT_ASSIGN_OR_RETURN(Stmt insert,
                              Prepare("INSERT OR IGNORE INTO team_leads(week, team, worker_id) "
                                      "VALUES(?1, ?2, ?3)"));
    insert.Bind(1, row.week).Bind(2, row.team).Bind(3, row.worker_id);
    return insert.Run();
  }
  Status EachTeamWeek(const std::string& from_week, const std::string& to_week,
                      const privacy::AggregateQuery& query,
                      const std::function<Status(const LaborTeamWeekRow&)>& visit) override {
    ENTREPOT_ASSIGN_OR_RETURN(
        Stmt stmt, Prepare("SELECT week, team, shift, process, zone, member, units, errors, ms "
                           "FROM team_weekly WHERE week BETWEEN ?1 AND ?2 "
                           "AND (?3 IS NULL OR team = ?3) AND (?4 IS NULL OR shift = ?4) "
                           "AND (?5 IS NULL OR process = ?5) AND (?6 IS NULL OR zone = ?6)"));
    stmt.Bind(1, from_week).Bind(2, to_week);
    int index = 3;
    for (const auto* filter : {&query.team, &query.shift, &query.process, &query.zone}) {
      if (filter->has_value()) {
        stmt.Bind(index, std::string_view(**filter));
      }
      ++index;  // Unbound parameters are NULL: no filter.
    }
    LaborTeamWeekRow row;
    while (true) {
      ENTREPOT_ASSIGN_OR_RETURN(bool more, stmt.Step());
      if (!more) {
        return OkStatus();
      }
      row = LaborTeamWeekRow{stmt.Text(0), stmt.Text(1), stmt.Text(2),
                             stmt.Text(3), stmt.Text(4), static_cast<uint64_t>(stmt.Int(5)),
                             stmt.Int(6),  stmt.Int(7),  stmt.Int(8)};
      ENTREPOT_RETURN_IF_ERROR(visit(row));
    }
  }
  StatusOr<std::vector<LaborWeeklyRow>> WeeklyOf(const std::string& week,
                                                 const Pseudonym& member) override {
    ENTREPOT_ASSIGN_OR_RETURN(Stmt stmt,
                              Prepare("SELECT kind, name, value FROM weekly WHERE week = ?1 AND "
                                      "member = ?2 ORDER BY kind, name"));
    stmt.Bind(1, week).BindBlob(2, member);
    return Rows<LaborWeeklyRow>(stmt, [&](const Stmt& row) -> StatusOr<LaborWeeklyRow> {
      return LaborWeeklyRow{week, member, row.Int(0), row.Text(1), row.Int(2)};
    });
  }
  StatusOr<std::vector<std::string>> TeamsLedBy(const std::string& week,
                                                int64_t worker_id) override {
    ENTREPOT_ASSIGN_OR_RETURN(Stmt led, Prepare("SELECT team FROM team_leads WHERE week = ?1 AND "
                                                "worker_id = ?2 ORDER BY team"));
    led.Bind(1, week).Bind(2, worker_id);
    return TextColumn(led);
  }
  StatusOr<std::vector<std::string>> TeamsLedFor(const std::string& week, int64_t lead_id,
                                                 const Pseudonym& member,
                                                 int64_t team_kind) override {
    ENTREPOT_ASSIGN_OR_RETURN(
        Stmt stmt, Prepare("SELECT l.team FROM team_leads l JOIN weekly w ON w.week = l.week "
                           "AND w.kind = ?4 AND w.name = l.team AND w.member = ?3 "
                           "WHERE l.week = ?1 AND l.worker_id = ?2 ORDER BY l.team"));
    stmt.Bind(1, week).Bind(2, lead_id).BindBlob(3, member).Bind(4, team_kind);
    return TextColumn(stmt);
  }
  StatusOr<std::vector<std::string>> StoredWeeks() override {
    ENTREPOT_ASSIGN_OR_RETURN(Stmt stored,
                              Prepare("SELECT week FROM weekly UNION SELECT week FROM "
                                      "team_weekly UNION SELECT week FROM team_leads"));
    return TextColumn(stored);
  }

  Status CloseDay(const std::string& day, const std::string& key_name) override {
    return RunEach(
        {"DELETE FROM scans WHERE session_id IN (SELECT id FROM sessions WHERE day = ?1)",
         "DELETE FROM sessions WHERE day = ?1", "DELETE FROM assignments WHERE day = ?1",
         "INSERT OR IGNORE INTO keys_to_destroy(name) VALUES(?2)",
         "DELETE FROM query_history WHERE scope = 'day' AND period = ?1",
         "INSERT INTO closed_days(day) VALUES(?1)",
         "INSERT OR REPLACE INTO meta(key, value) VALUES('scrub_pending', ?1)"},
        day, key_name);
  }
  Status ExpireWeek(const std::string& week, const std::string& key_name) override {
    return RunEach({"DELETE FROM weekly WHERE week = ?1", "DELETE FROM team_weekly WHERE week = ?1",
                    "DELETE FROM team_leads WHERE week = ?1",
                    "INSERT OR IGNORE INTO keys_to_destroy(name) VALUES(?2)",
                    "INSERT OR REPLACE INTO meta(key, value) VALUES('scrub_pending', ?1)"},
                   week, key_name);
  }
  StatusOr<std::vector<std::string>> KeysToDestroy() override {
    ENTREPOT_ASSIGN_OR_RETURN(Stmt names, Prepare("SELECT name FROM keys_to_destroy ORDER BY 1"));
    return TextColumn(names);
  }
  Status RecordKeyToDestroy(const std::string& name) override {
    return RunEach({"INSERT OR IGNORE INTO keys_to_destroy(name) VALUES(?1)"}, name, "");
  }
  Status ForgetKeyToDestroy(const std::string& name) override {
    ENTREPOT_ASSIGN_OR_RETURN(Stmt forget, Prepare("DELETE FROM keys_to_destroy WHERE name = ?1"));
    forget.Bind(1, name);
    return forget.Run();
  }
  StatusOr<bool> ScrubPending() override {
    ENTREPOT_ASSIGN_OR_RETURN(
        int64_t pending, PragmaInt(raw(), "SELECT count(*) FROM meta WHERE key = 'scrub_pending'"));
    return pending > 0;
  }
  Status Scrub() override;

  Status DropHistoryExcept(const std::string& scope, const std::string& period) override {
    return DropHistory("DELETE FROM query_history WHERE scope = ?1 AND period <> ?2", scope,
                       period);
  }
  Status DropHistoryBefore(const std::string& scope, const std::string& period) override {
    return DropHistory("DELETE FROM query_history WHERE scope = ?1 AND period < ?2", scope, period);
  }
  StatusOr<std::vector<LaborHistoryRow>> History(const std::string& scope,
                                                 const std::string& period) override {
    ENTREPOT_ASSIGN_OR_RETURN(Stmt rows, Prepare("SELECT scope, period, requester, seq, cohort "
                                                 "FROM query_history WHERE scope = ?1 AND "
                                                 "period = ?2 ORDER BY requester, seq"));
    rows.Bind(1, scope).Bind(2, period);
    return Rows<LaborHistoryRow>(rows, ReadHistory);
  }
  Status AppendHistory(const std::string& scope, const std::string& period,
                       const std::string& requester,
                       std::span<const std::vector<uint8_t>> cohorts) override {
    ENTREPOT_ASSIGN_OR_RETURN(Stmt last, Prepare("SELECT coalesce(max(seq), 0) FROM "
                                                 "query_history WHERE scope = ?1 AND "
                                                 "period = ?2 AND requester = ?3"));
    last.Bind(1, scope).Bind(2, period).Bind(3, requester);
    ENTREPOT_ASSIGN_OR_RETURN(bool row, last.Step());
    int64_t seq = row ? last.Int(0) : 0;
    for (const std::vector<uint8_t>& cohort : cohorts) {
      ENTREPOT_RETURN_IF_ERROR(InsertHistory({scope, period, requester, ++seq, cohort}));
    }
    return OkStatus();
  }

  StatusOr<LaborRows> ReadAll() override;
  StatusOr<bool> IsEmpty() override {
    ENTREPOT_ASSIGN_OR_RETURN(int64_t held,
                              PragmaInt(raw(),
                                        "SELECT (SELECT count(*) FROM closed_days) + "
                                        "(SELECT count(*) FROM sessions) + (SELECT count(*) FROM "
                                        "assignments) + (SELECT count(*) FROM weekly) + (SELECT "
                                        "count(*) FROM team_weekly) + (SELECT count(*) FROM "
                                        "team_leads) + (SELECT count(*) FROM keys_to_destroy)"));
    return held == 0;
  }

 private:
  sqlite3* raw() const { return db_.get(); }
  StatusOr<Stmt> Prepare(std::string_view sql) { return Stmt::Prepare(raw(), sql); }
  Status PutWeekly(const LaborWeeklyRow& row, const char* sql) {
    ENTREPOT_ASSIGN_OR_RETURN(Stmt stmt, Prepare(sql));
    stmt.Bind(1, row.week).BindBlob(2, row.member).Bind(3, row.kind).Bind(4, row.name);
    stmt.Bind(5, row.value);
    return stmt.Run();
  }
  // Runs each of `sqls` with ?1 = `first` and ?2 = `second` (when used).
  Status RunEach(std::initializer_list<const char*> sqls, const std::string& first,
                 const std::string& second) {
    for (const char* sql : sqls) {
      ENTREPOT_ASSIGN_OR_RETURN(Stmt stmt, Prepare(sql));
      stmt.Bind(1, first);
      if (sqlite3_bind_parameter_count(stmt.get()) > 1) {
        stmt.Bind(2, second);
      }
      ENTREPOT_RETURN_IF_ERROR(stmt.Run());
    }
    return OkStatus();
  }
  Status DropHistory(const char* sql, const std::string& scope, const std::string& period) {
    ENTREPOT_ASSIGN_OR_RETURN(Stmt stmt, Prepare(sql));
    stmt.Bind(1, scope).Bind(2, period);
    return stmt.Run();
  }
  Status InsertHistory(const LaborHistoryRow& row) {
    ENTREPOT_ASSIGN_OR_RETURN(Stmt insert,
                              Prepare("INSERT INTO query_history(scope, period, requester, seq, "
                                      "cohort) VALUES(?1, ?2, ?3, ?4, ?5)"));
    insert.Bind(1, row.scope).Bind(2, row.period).Bind(3, row.requester).Bind(4, row.seq);
    insert.BindBlob(5, row.cohort);
    return insert.Run();
  }
  static StatusOr<LaborHistoryRow> ReadHistory(const Stmt& row) {
    const std::span<const uint8_t> cohort = row.Blob(4);
    return LaborHistoryRow{row.Text(0), row.Text(1), row.Text(2), row.Int(3),
                           std::vector<uint8_t>(cohort.begin(), cohort.end())};
  }

  const std::string location_;
  DatabasePtr db_;
  std::optional<Stmt> add_scan_;  // AddScan's, prepared on first use; finalized before db_.
};

Status SqliteLaborStorage::Scrub() {
  // VACUUM rebuilds every page, so no free page keeps deleted bytes; the checkpoint copies the
  // rebuilt pages into the file and TRUNCATE empties the WAL, whose old frames still held
  // the deleted rows. The flag is cleared last and checkpointed again.
  auto checkpoint = [&]() -> Status {
    ENTREPOT_ASSIGN_OR_RETURN(Stmt stmt, Prepare("PRAGMA wal_checkpoint(TRUNCATE)"));
    ENTREPOT_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row || stmt.Int(0) != 0) {
      return Error(StatusCode::kUnavailable, "scrub_incomplete",
                   "another connection kept labor.db's WAL from being truncated; the deleted "
                   "labor data may remain in it until Scrub() succeeds");
    }
    return OkStatus();
  };
  ENTREPOT_RETURN_IF_ERROR(Exec(raw(), "VACUUM"));
  ENTREPOT_RETURN_IF_ERROR(checkpoint());
  ENTREPOT_RETURN_IF_ERROR(Exec(raw(), "DELETE FROM meta WHERE key = 'scrub_pending'"));
  return checkpoint();
}

StatusOr<LaborRows> SqliteLaborStorage::ReadAll() {
  LaborRows rows;
  ENTREPOT_ASSIGN_OR_RETURN(Stmt closed, Prepare("SELECT day FROM closed_days ORDER BY day"));
  ENTREPOT_ASSIGN_OR_RETURN(rows.closed_days, TextColumn(closed));
  ENTREPOT_ASSIGN_OR_RETURN(Stmt sessions, Prepare(std::string("SELECT ") + kSessionColumns +
                                                   " FROM sessions ORDER BY id"));
  ENTREPOT_ASSIGN_OR_RETURN(rows.sessions, Rows<LaborSessionRow>(sessions, ReadSession));
  ENTREPOT_ASSIGN_OR_RETURN(Stmt scans, Prepare("SELECT session_id, process, zone, outcome, "
                                                "units, at_ms FROM scans ORDER BY id"));
  ENTREPOT_ASSIGN_OR_RETURN(
      rows.scans, Rows<LaborScanRow>(scans, [](const Stmt& row) -> StatusOr<LaborScanRow> {
        return LaborScanRow{row.Int(0),  row.Text(1), row.Text(2),
                            row.Text(3), row.Int(4),  row.Int(5)};
      }));
  ENTREPOT_ASSIGN_OR_RETURN(Stmt rota, Prepare("SELECT day, worker_id, team, shift, zone, "
                                               "supervisor FROM assignments ORDER BY day, "
                                               "worker_id"));
  ENTREPOT_ASSIGN_OR_RETURN(rows.rota,
                            Rows<LaborRotaRow>(rota, [](const Stmt& row) -> StatusOr<LaborRotaRow> {
                              return LaborRotaRow{row.Text(0), ReadAssignment(row, 1)};
                            }));
  ENTREPOT_ASSIGN_OR_RETURN(Stmt weekly, Prepare("SELECT week, member, kind, name, value FROM "
                                                 "weekly ORDER BY week, member, kind, name"));
  ENTREPOT_ASSIGN_OR_RETURN(
      rows.weekly, Rows<LaborWeeklyRow>(weekly, [](const Stmt& row) -> StatusOr<LaborWeeklyRow> {
        ENTREPOT_ASSIGN_OR_RETURN(Pseudonym member, BlobPseudonym(row, 1));
        return LaborWeeklyRow{row.Text(0), member, row.Int(2), row.Text(3), row.Int(4)};
      }));
  ENTREPOT_ASSIGN_OR_RETURN(rows.team_weeks, ([&]() -> StatusOr<std::vector<LaborTeamWeekRow>> {
                              std::vector<LaborTeamWeekRow> all;
                              ENTREPOT_RETURN_IF_ERROR(EachTeamWeek(
                                  "", "9999-12-31", {}, [&](const LaborTeamWeekRow& row) {
                                    all.push_back(row);
                                    return OkStatus();
                                  }));
                              return all;
                            })());
  ENTREPOT_ASSIGN_OR_RETURN(Stmt leads, Prepare("SELECT week, team, worker_id FROM team_leads "
                                                "ORDER BY week, team, worker_id"));
  ENTREPOT_ASSIGN_OR_RETURN(
      rows.team_leads,
      Rows<LaborTeamLeadRow>(leads, [](const Stmt& row) -> StatusOr<LaborTeamLeadRow> {
        return LaborTeamLeadRow{row.Text(0), row.Text(1), row.Int(2)};
      }));
  ENTREPOT_ASSIGN_OR_RETURN(rows.keys_to_destroy, KeysToDestroy());
  ENTREPOT_ASSIGN_OR_RETURN(Stmt history, Prepare("SELECT scope, period, requester, seq, cohort "
                                                  "FROM query_history ORDER BY scope, period, "
                                                  "requester, seq"));
  ENTREPOT_ASSIGN_OR_RETURN(rows.history, Rows<LaborHistoryRow>(history, ReadHistory));
  return rows;
}

}  // namespace

StatusOr<std::unique_ptr<LaborStorage>> OpenSqliteLaborStorage(const std::filesystem::path& dir,
                                                               const LaborKeyDir& keys,
                                                               int busy_timeout_ms) {
  std::error_code error;
  if (!std::filesystem::is_directory(dir, error)) {
    return Error(StatusCode::kNotFound, "labor_dir_not_found",
                 "no directory " + dir.string() + " for labor.db");
  }
  const std::string path = (dir / kLaborFileName).string();
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  DatabasePtr db(raw);
  if (rc != SQLITE_OK) {
    return SqliteStatus(db.get(), rc, "open " + path);
  }
  // Worker-linked events: readable by the service account only. Set before WAL mode, so that
  // SQLite gives the -wal and -shm files the same mode.
  std::filesystem::permissions(
      path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, error);
  if (error) {
    return Error(StatusCode::kUnavailable, "labor_unavailable",
                 "restrict " + path + " to its owner: " + error.message());
  }
  sqlite3_busy_timeout(db.get(), busy_timeout_ms);
  // secure_delete: deleted rows are overwritten with zeros in their page, so a destroyed key
  // does not wait in a free page for the next VACUUM. temp_store: VACUUM's copy stays in
  // memory instead of a temporary file. synchronous=NORMAL in WAL mode loses at most the
  // last transactions on power loss, never consistency: labor events are statistics.
  ENTREPOT_RETURN_IF_ERROR(Exec(db.get(),
                                "PRAGMA secure_delete = ON; PRAGMA temp_store = MEMORY;"
                                "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"));
  ENTREPOT_RETURN_IF_ERROR(PrepareSchema(db.get(), keys));
  return std::unique_ptr<LaborStorage>(new SqliteLaborStorage(path, std::move(db)));
}

}  // namespace entrepot::store
