#include "entrepot/store/labor_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <set>
#include <system_error>
#include <utility>

#include "entrepot/base/check.h"
#include "entrepot/base/status_macros.h"
#include "entrepot/store/labor_keys.h"

namespace entrepot::store {

namespace {

using privacy::Pseudonym;
using privacy::SecretKey;
// The worker id of each day pseudonym (the roll-up's attribution).
using WorkersByPseudonym = std::map<Pseudonym, int64_t>;

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

// A cohort as stored: each (period, member) as two big-endian 64-bit words.
std::vector<uint8_t> EncodeCohort(const privacy::QueryGuard::Cohort& cohort) {
  std::vector<uint8_t> bytes;
  bytes.reserve(cohort.size() * 16);
  for (const auto& [period, member] : cohort) {
    for (uint64_t word : {static_cast<uint64_t>(period), member}) {
      for (int shift = 56; shift >= 0; shift -= 8) {
        bytes.push_back(static_cast<uint8_t>(word >> shift));
      }
    }
  }
  return bytes;
}
StatusOr<privacy::QueryGuard::Cohort> DecodeCohort(std::span<const uint8_t> bytes) {
  if (bytes.size() % 16 != 0) {
    return Error(StatusCode::kDataLoss, "labor_corrupt", "a stored query history is torn");
  }
  privacy::QueryGuard::Cohort cohort;
  cohort.reserve(bytes.size() / 16);
  for (size_t at = 0; at < bytes.size(); at += 16) {
    uint64_t words[2] = {0, 0};
    for (size_t i = 0; i < 16; ++i) {
      words[i / 8] = (words[i / 8] << 8) | bytes[at + i];
    }
    cohort.emplace_back(static_cast<int64_t>(words[0]), words[1]);
  }
  return cohort;
}

// The `kind` column of `weekly`. kTeam: a team the worker was in that week (rota, not as its
// supervisor), value 1 whatever the number of days: no attendance count (IND-09).
enum WeeklyKind : int64_t { kUnitsPerProcess = 0, kErrorsPerCause = 1, kMsPerZone = 2, kTeam = 3 };

// The hard maximum of raw nominative events, whatever the policy says (RET-01).
constexpr int64_t kMaxLaborEventDays = 7;

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

Status ValidateOptionalZone(std::string_view zone) {
  return zone.empty() ? OkStatus() : privacy::ValidateLaborLabel(zone, "zone");
}

std::string DayKeyName(std::string_view day_text) { return "day-" + std::string(day_text); }
std::string WeekKeyName(std::string_view week_text) { return "week-" + std::string(week_text); }

// The dates of the key files named `prefix` + date ("day-", "week-"), sorted.
StatusOr<std::vector<std::string>> KeyDates(const LaborKeyDir& keys, std::string_view prefix) {
  ENTREPOT_ASSIGN_OR_RETURN(std::vector<std::string> names, keys.Names());
  std::vector<std::string> dates;
  for (const std::string& name : names) {
    if (name.starts_with(prefix) && privacy::ParseDate(name.substr(prefix.size())).ok()) {
      dates.push_back(name.substr(prefix.size()));
    }
  }
  return dates;
}

StatusOr<SecretKey> KeyFromBlob(std::span<const uint8_t> blob) {
  if (blob.size() != privacy::kLaborKeyBytes) {
    return Error(StatusCode::kDataLoss, "labor_corrupt", "a stored labor key has a wrong size");
  }
  return SecretKey(blob);
}

// The Monday of a week as stored; kDataLoss "labor_corrupt" when it is not a date.
StatusOr<Date> StoredWeek(const std::string& text) {
  StatusOr<Date> week = privacy::ParseDate(text);
  if (!week.ok()) {
    return Error(StatusCode::kDataLoss, "labor_corrupt", "a stored week is not a date");
  }
  return week;
}

// The first 8 bytes of a pseudonym: a member id for the differencing guard, stable for the
// day (the pseudonym is an HMAC, so its bytes are uniform).
uint64_t MemberOf(std::span<const uint8_t> pseudonym) {
  uint64_t member = 0;
  for (size_t i = 0; i < 8 && i < pseudonym.size(); ++i) {
    member = (member << 8) | pseudonym[i];
  }
  return member;
}

}  // namespace

struct LaborStore::Impl {
  // Held by every public method. Recursive: public methods call each other (StartSession
  // ends the device's session, RollUpDue rolls up days, roll-up and expiry scrub).
  std::recursive_mutex mutex;
  DatabasePtr db;
  LaborKeyDir key_dir;
  privacy::Policy policy;
  privacy::KeySource* keys = nullptr;
  privacy::QueryGuard guard;
  std::optional<Date> guard_day;
  // Weekly aggregates: their own history (members are week tokens), kept for a week.
  privacy::QueryGuard weekly_guard;
  std::optional<Date> weekly_guard_week;
  // Reused by every weekly query: a month of a large site is tens of thousands of facts, and
  // fresh memory for them each time costs more in page faults than the query itself.
  std::vector<privacy::LaborFact> team_facts;

  Impl(DatabasePtr database, LaborKeyDir key_directory, const privacy::Policy& p,
       privacy::KeySource* source)
      : db(std::move(database)),
        key_dir(std::move(key_directory)),
        policy(p),
        keys(source),
        guard(privacy::EffectiveMinGroupSize(p), p.aggregates.differencing_protection),
        weekly_guard(privacy::EffectiveMinGroupSize(p), p.aggregates.differencing_protection) {}

  sqlite3* raw() const { return db.get(); }

  StatusOr<bool> IsClosed(const Date& day) {
    ENTREPOT_ASSIGN_OR_RETURN(Stmt stmt,
                              Stmt::Prepare(raw(), "SELECT 1 FROM closed_days WHERE day = ?1"));
    stmt.Bind(1, privacy::FormatDate(day));
    return stmt.Step();
  }
  Status RefuseClosed(const Date& day) {
    ENTREPOT_ASSIGN_OR_RETURN(bool closed, IsClosed(day));
    if (closed) {
      return Error(StatusCode::kFailedPrecondition, "day_closed",
                   "labor day " + privacy::FormatDate(day) + " was rolled up; record in today's");
    }
    return OkStatus();
  }

  // The key file `name` ("day-2026-05-04", "week-2026-05-04"), if any.
  StatusOr<std::optional<SecretKey>> LoadKey(std::string_view name) { return key_dir.Load(name); }
  // The key `name`, created on first use. The file is written and synced before the caller
  // commits anything under it: no committed row ever waits for a key still in memory.
  StatusOr<SecretKey> LoadOrCreateKey(std::string_view name) {
    ENTREPOT_ASSIGN_OR_RETURN(std::optional<SecretKey> existing, LoadKey(name));
    if (existing.has_value()) {
      return std::move(*existing);
    }
    SecretKey key = privacy::NewKey(*keys);
    ENTREPOT_RETURN_IF_ERROR(key_dir.Write(name, key));
    return key;
  }
  // Destroys the key files recorded in keys_to_destroy, then forgets their names. Runs after
  // the scrub of the roll-up or expiry that recorded them, and at Open after a crash.
  Status DestroyRecordedKeys();

  StatusOr<std::optional<LaborAssignment>> AssignmentOf(const Date& day, int64_t worker_id) {
    ENTREPOT_ASSIGN_OR_RETURN(Stmt stmt,
                              Stmt::Prepare(raw(),
                                            "SELECT team, shift, zone, supervisor FROM assignments "
                                            "WHERE day = ?1 AND worker_id = ?2"));
    stmt.Bind(1, privacy::FormatDate(day)).Bind(2, worker_id);
    ENTREPOT_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) {
      return std::optional<LaborAssignment>();
    }
    return std::optional<LaborAssignment>(
        LaborAssignment{worker_id, stmt.Text(0), stmt.Text(1), stmt.Text(2), stmt.Int(3) != 0});
  }

  StatusOr<std::vector<LaborAssignment>> Rota(const Date& day) {
    ENTREPOT_ASSIGN_OR_RETURN(Stmt stmt,
                              Stmt::Prepare(raw(),
                                            "SELECT worker_id, team, shift, zone, supervisor FROM "
                                            "assignments WHERE day = ?1 ORDER BY worker_id"));
    stmt.Bind(1, privacy::FormatDate(day));
    std::vector<LaborAssignment> rota;
    while (true) {
      ENTREPOT_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) {
        return rota;
      }
      rota.push_back({stmt.Int(0), stmt.Text(1), stmt.Text(2), stmt.Text(3), stmt.Int(4) != 0});
    }
  }

  // `own`: the worker reads their own data, so errors are shown whatever the policy says
  // about linking them for supervisors (IND-05 governs the supervisor's view).
  StatusOr<WorkerToday> Today(const Date& day, const SecretKey* key, int64_t worker_id,
                              bool own = false);
  StatusOr<std::vector<privacy::LaborFact>> Facts(const Date& day);
  // The facts of `query` in team_facts (valid until the next call).
  StatusOr<std::span<const privacy::LaborFact>> TeamFacts(const WeeklyQuery& query);
  // A session still open when its day is rolled up.
  struct OpenSession {
    std::string device;
    Pseudonym pseudonym{};
    int64_t last_ms = 0;   // Its last event: the roll-up ends it there.
    bool carried = false;  // It was itself carried over from the day before.
  };
  // The day's sessions and scans summed per pseudonym; `open` receives the sessions still
  // open.
  StatusOr<privacy::DayRollUp> ReadDay(const Date& day, RollUpReport& report,
                                       std::vector<OpenSession>& open);
  // The day pseudonym of each of `worker_ids`; nullopt when the day's key file is gone.
  StatusOr<std::optional<WorkersByPseudonym>> DayWorkers(const Date& day,
                                                         std::span<const int64_t> worker_ids);
  Status AddToWeeks(const Date& day, const privacy::DayRollUp& rollup,
                    const WorkersByPseudonym& workers, std::span<const LaborAssignment> rota,
                    RollUpReport& report);
  // A night shift: each attributed session of `open` goes on in the next day (unless that
  // day is closed or the session was itself carried over), on the same device from its
  // last event, under the worker's pseudonym of the next day.
  Status CarryOver(const Date& day, std::span<const OpenSession> open,
                   const WorkersByPseudonym& workers, RollUpReport& report);
  Status AddToTeamWeek(const std::string& week, uint64_t member, const LaborAssignment* assignment,
                       const privacy::Activities& activities);
  Status AddTeamLeads(const std::string& week, std::span<const LaborAssignment> rota);
  // The week key of the week containing `any_day`; kNotFound "week_not_kept" without one.
  StatusOr<SecretKey> KeptWeekKey(const Date& any_day);
  // Makes `history` hold the differencing history of `period` (today, or the Monday of today's
  // week) in `scope` ("day", "week"): when `loaded` is another period, forgets that one, in
  // memory and in labor.db, and loads this one's from labor.db (AGG-02 across restarts).
  Status UseHistoryOf(privacy::QueryGuard& history, std::optional<Date>& loaded,
                      std::string_view scope, const Date& period);
  // Stores the cohorts an answer added to `requester`'s history of `period`.
  Status KeepHistory(std::string_view scope, const Date& period, std::string_view requester,
                     std::span<const privacy::QueryGuard::Cohort> cohorts);
  // Scrub(), then DestroyRecordedKeys(); the scrub's error, if any, after both ran.
  Status ScrubThenDestroyKeys();
  Status Scrub();
  Status DeleteDay(const Date& day);
};

LaborStore::LaborStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LaborStore::~LaborStore() = default;

namespace {

StatusOr<int64_t> PragmaInt(sqlite3* db, const char* sql) {
  ENTREPOT_ASSIGN_OR_RETURN(Stmt stmt, Stmt::Prepare(db, sql));
  ENTREPOT_ASSIGN_OR_RETURN(bool row, stmt.Step());
  return row ? stmt.Int(0) : 0;
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

}  // namespace

StatusOr<std::unique_ptr<LaborStore>> LaborStore::Open(const std::filesystem::path& dir,
                                                       const privacy::Policy& policy,
                                                       Options options) {
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
  sqlite3_busy_timeout(db.get(), options.busy_timeout_ms);
  // secure_delete: deleted rows are overwritten with zeros in their page, so a destroyed key
  // does not wait in a free page for the next VACUUM. temp_store: VACUUM's copy stays in
  // memory instead of a temporary file. synchronous=NORMAL in WAL mode loses at most the
  // last transactions on power loss, never consistency: labor events are statistics.
  ENTREPOT_RETURN_IF_ERROR(Exec(db.get(),
                                "PRAGMA secure_delete = ON; PRAGMA temp_store = MEMORY;"
                                "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"));
  ENTREPOT_ASSIGN_OR_RETURN(
      LaborKeyDir key_dir,
      LaborKeyDir::Open(options.key_dir.empty() ? dir / kLaborKeyDirName : options.key_dir));
  ENTREPOT_RETURN_IF_ERROR(PrepareSchema(db.get(), key_dir));
  privacy::KeySource* keys =
      options.key_source != nullptr ? options.key_source : &privacy::DefaultKeySource();
  auto store = std::unique_ptr<LaborStore>(
      new LaborStore(std::make_unique<Impl>(std::move(db), std::move(key_dir), policy, keys)));
  ENTREPOT_ASSIGN_OR_RETURN(
      int64_t pending,
      PragmaInt(store->impl_->raw(), "SELECT count(*) FROM meta WHERE key = 'scrub_pending'"));
  // A crash came between a roll-up's (or expiry's) commit and its scrub, or before the
  // destruction of the keys of the data it deleted: finish both, in that order.
  ENTREPOT_RETURN_IF_ERROR(pending > 0 ? store->impl_->ScrubThenDestroyKeys()
                                       : store->impl_->DestroyRecordedKeys());
  return store;
}

// --- Labor events ------------------------------------------------------------------------

Status LaborStore::StartSession(const Date& day, std::string_view device, int64_t worker_id,
                                int64_t at_ms) {
  std::lock_guard lock(impl_->mutex);
  ENTREPOT_RETURN_IF_ERROR(privacy::ValidateLaborLabel(device, "device"));
  ENTREPOT_RETURN_IF_ERROR(impl_->RefuseClosed(day));
  ENTREPOT_ASSIGN_OR_RETURN(auto txn, Transaction::Begin(impl_->raw()));
  ENTREPOT_RETURN_IF_ERROR(EndSession(device, at_ms));
  const std::string day_text = privacy::FormatDate(day);
  ENTREPOT_ASSIGN_OR_RETURN(SecretKey key, impl_->LoadOrCreateKey(DayKeyName(day_text)));
  // RET-01: only the day pseudonym is stored with the session, never the worker id.
  const Pseudonym pseudonym = privacy::PseudonymOf(key, worker_id);
  ENTREPOT_ASSIGN_OR_RETURN(Stmt insert,
                            Stmt::Prepare(impl_->raw(),
                                          "INSERT INTO sessions(day, device, pseudonym, start_ms) "
                                          "VALUES(?1, ?2, ?3, ?4)"));
  insert.Bind(1, day_text).Bind(2, device).BindBlob(3, pseudonym).Bind(4, at_ms);
  ENTREPOT_RETURN_IF_ERROR(insert.Run());
  return txn->Commit();
}

Status LaborStore::EndSession(std::string_view device, int64_t at_ms) {
  std::lock_guard lock(impl_->mutex);
  ENTREPOT_RETURN_IF_ERROR(privacy::ValidateLaborLabel(device, "device"));
  ENTREPOT_ASSIGN_OR_RETURN(Stmt stmt,
                            Stmt::Prepare(impl_->raw(),
                                          "UPDATE sessions SET end_ms = max(?2, start_ms) "
                                          "WHERE device = ?1 AND end_ms IS NULL"));
  stmt.Bind(1, device).Bind(2, at_ms);
  return stmt.Run();
}

StatusOr<bool> LaborStore::RecordScan(std::string_view device, std::string_view process,
                                      std::string_view zone, std::string_view outcome_class,
                                      int64_t units, int64_t at_ms) {
  std::lock_guard lock(impl_->mutex);
  ENTREPOT_RETURN_IF_ERROR(privacy::ValidateLaborLabel(device, "device"));
  ENTREPOT_RETURN_IF_ERROR(privacy::ValidateLaborLabel(process, "process"));
  ENTREPOT_RETURN_IF_ERROR(ValidateOptionalZone(zone));
  ENTREPOT_RETURN_IF_ERROR(privacy::ValidateLaborLabel(outcome_class, "outcome class"));
  if (units < 0 || units > privacy::kMaxUnitsPerScan) {
    return Error(StatusCode::kInvalidArgument, "bad_units",
                 "units must be 0 to " + std::to_string(privacy::kMaxUnitsPerScan));
  }
  ENTREPOT_ASSIGN_OR_RETURN(
      Stmt find,
      Stmt::Prepare(impl_->raw(), "SELECT id FROM sessions WHERE device = ?1 AND end_ms IS NULL"));
  find.Bind(1, device);
  ENTREPOT_ASSIGN_OR_RETURN(bool open, find.Step());
  if (!open) {
    return false;  // Nobody is signed in on the device: nothing links the scan to a worker.
  }
  ENTREPOT_ASSIGN_OR_RETURN(
      Stmt insert, Stmt::Prepare(impl_->raw(),
                                 "INSERT INTO scans(session_id, process, zone, outcome, units, "
                                 "at_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6)"));
  insert.Bind(1, find.Int(0)).Bind(2, process).Bind(3, zone).Bind(4, outcome_class);
  insert.Bind(5, units).Bind(6, at_ms);
  ENTREPOT_RETURN_IF_ERROR(insert.Run());
  return true;
}

StatusOr<LaborScanBatchResult> LaborStore::RecordScans(std::span<const LaborScan> scans) {
  std::lock_guard lock(impl_->mutex);
  if (scans.size() > kMaxScansPerBatch) {
    return Error(StatusCode::kResourceExhausted, "too_many_scans",
                 "record at most " + std::to_string(kMaxScansPerBatch) + " scans per batch");
  }
  LaborScanBatchResult result;
  if (scans.empty()) {
    return result;
  }
  // One transaction for the batch: one WAL commit instead of one per scan.
  ENTREPOT_ASSIGN_OR_RETURN(auto txn, Transaction::Begin(impl_->raw()));
  for (const LaborScan& scan : scans) {
    StatusOr<bool> recorded = RecordScan(scan.device, scan.process, scan.zone, scan.outcome_class,
                                         scan.units, scan.at_ms);
    if (!recorded.ok()) {
      if (recorded.status().code() != StatusCode::kInvalidArgument) {
        return recorded.status();  // A store error: the transaction rolls back.
      }
      ++result.rejected;
    } else if (*recorded) {
      ++result.recorded;
    } else {
      ++result.no_session;
    }
  }
  ENTREPOT_RETURN_IF_ERROR(txn->Commit());
  return result;
}

// --- Rota --------------------------------------------------------------------------------

Status LaborStore::SetAssignments(const Date& day, std::span<const LaborAssignment> assignments) {
  std::lock_guard lock(impl_->mutex);
  if (assignments.size() > kMaxAssignmentsPerDay) {
    return Error(
        StatusCode::kResourceExhausted, "too_many_assignments",
        "a day's rota holds at most " + std::to_string(kMaxAssignmentsPerDay) + " workers");
  }
  std::set<int64_t> seen;
  for (const LaborAssignment& a : assignments) {
    ENTREPOT_RETURN_IF_ERROR(privacy::ValidateLaborLabel(a.team, "team"));
    ENTREPOT_RETURN_IF_ERROR(privacy::ValidateLaborLabel(a.shift, "shift"));
    ENTREPOT_RETURN_IF_ERROR(privacy::ValidateLaborLabel(a.zone, "zone"));
    if (!seen.insert(a.worker_id).second) {
      return Error(StatusCode::kInvalidArgument, "duplicate_assignment",
                   "worker " + std::to_string(a.worker_id) + " appears twice in the rota");
    }
  }
  ENTREPOT_RETURN_IF_ERROR(impl_->RefuseClosed(day));
  const std::string day_text = privacy::FormatDate(day);
  ENTREPOT_ASSIGN_OR_RETURN(auto txn, Transaction::Begin(impl_->raw()));
  ENTREPOT_ASSIGN_OR_RETURN(Stmt clear,
                            Stmt::Prepare(impl_->raw(), "DELETE FROM assignments WHERE day = ?1"));
  clear.Bind(1, day_text);
  ENTREPOT_RETURN_IF_ERROR(clear.Run());
  ENTREPOT_ASSIGN_OR_RETURN(
      Stmt insert, Stmt::Prepare(impl_->raw(),
                                 "INSERT INTO assignments(day, worker_id, team, shift, zone, "
                                 "supervisor) VALUES(?1, ?2, ?3, ?4, ?5, ?6)"));
  for (const LaborAssignment& a : assignments) {
    insert.Reset();
    insert.Bind(1, day_text).Bind(2, a.worker_id).Bind(3, a.team).Bind(4, a.shift);
    insert.Bind(5, a.zone).Bind(6, int64_t{a.supervisor ? 1 : 0});
    ENTREPOT_RETURN_IF_ERROR(insert.Run());
  }
  return txn->Commit();
}

// --- Real-time individual view -------------------------------------------------------------

StatusOr<WorkerToday> LaborStore::Impl::Today(const Date& day, const SecretKey* key,
                                              int64_t worker_id, bool own) {
  WorkerToday today{worker_id, 0, std::nullopt, {}};
  if (key == nullptr) {
    return today;  // No key yet today: nobody has signed in.
  }
  const Pseudonym pseudonym = privacy::PseudonymOf(*key, worker_id);
  const std::string day_text = privacy::FormatDate(day);
  ENTREPOT_ASSIGN_OR_RETURN(
      Stmt scans, Stmt::Prepare(raw(),
                                "SELECT sc.outcome, count(*), sum(sc.units) FROM scans sc "
                                "JOIN sessions s ON sc.session_id = s.id "
                                "WHERE s.day = ?1 AND s.pseudonym = ?2 GROUP BY sc.outcome"));
  scans.Bind(1, day_text).BindBlob(2, pseudonym);
  while (true) {
    ENTREPOT_ASSIGN_OR_RETURN(bool row, scans.Step());
    if (!row) {
      break;
    }
    if (scans.Text(0) == privacy::kOutcomeOk) {
      today.units += scans.Int(2);
    } else if (own || policy.indicators.realtime_individual.link_quality_errors) {  // IND-05.
      today.errors_per_cause[scans.Text(0)] += scans.Int(1);
    }
  }
  ENTREPOT_ASSIGN_OR_RETURN(
      Stmt task, Stmt::Prepare(raw(),
                               "SELECT sc.process, sc.zone FROM sessions s LEFT JOIN scans sc "
                               "ON sc.session_id = s.id WHERE s.day = ?1 AND s.pseudonym = ?2 "
                               "AND s.end_ms IS NULL ORDER BY s.start_ms DESC, sc.at_ms DESC, "
                               "sc.id DESC LIMIT 1"));
  task.Bind(1, day_text).BindBlob(2, pseudonym);
  ENTREPOT_ASSIGN_OR_RETURN(bool open, task.Step());
  if (open) {
    today.current_task = CurrentTask{task.Text(0), task.Text(1)};
  }
  return today;
}

StatusOr<std::vector<WorkerToday>> LaborStore::SupervisorView(const Date& today,
                                                              int64_t supervisor_id,
                                                              const RealtimeRequest& request) {
  std::lock_guard lock(impl_->mutex);
  const privacy::RealtimeIndividual& settings = impl_->policy.indicators.realtime_individual;
  if (!settings.enabled) {
    return Error(StatusCode::kFailedPrecondition, "indicator_disabled",
                 "the policy turns the real-time individual view off");
  }
  if (std::find(settings.purposes.begin(), settings.purposes.end(), request.purpose) ==
      settings.purposes.end()) {
    return Error(StatusCode::kPermissionDenied, "purpose_not_allowed",
                 "real-time individual data may not be read for " +
                     std::string(privacy::PurposeName(request.purpose)) + " (GOV-02)");
  }
  if (request.day != today) {
    return Error(StatusCode::kPermissionDenied, "not_today",
                 "real-time individual data is shown for the current day only (IND-04); "
                 "earlier days exist only as weekly aggregates");
  }
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<LaborAssignment> own,
                            impl_->AssignmentOf(today, supervisor_id));
  if (!own.has_value()) {
    return Error(StatusCode::kPermissionDenied, "not_assigned",
                 "you are not in today's rota, so no shift and zone is yours today");
  }
  if (!own->supervisor) {
    return Error(StatusCode::kPermissionDenied, "not_a_supervisor",
                 "today's rota does not name you supervisor of your shift and zone");
  }
  if (request.shift != own->shift) {
    return Error(
        StatusCode::kPermissionDenied, "other_shift",
        "you supervise shift " + own->shift + " today, not " + request.shift + " (ACC-01)");
  }
  if (request.zone != own->zone) {
    return Error(StatusCode::kPermissionDenied, "other_zone",
                 "you supervise zone " + own->zone + " today, not " + request.zone + " (ACC-01)");
  }
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<SecretKey> key,
                            impl_->LoadKey(DayKeyName(privacy::FormatDate(today))));
  ENTREPOT_ASSIGN_OR_RETURN(std::vector<LaborAssignment> rota, impl_->Rota(today));
  std::vector<WorkerToday> view;
  for (const LaborAssignment& a : rota) {
    if (a.supervisor || a.shift != own->shift || a.zone != own->zone) {
      continue;
    }
    ENTREPOT_ASSIGN_OR_RETURN(WorkerToday worker,
                              impl_->Today(today, key ? &*key : nullptr, a.worker_id));
    view.push_back(std::move(worker));
  }
  return view;
}

// --- The worker's own data ----------------------------------------------------------------

StatusOr<OwnLaborDay> LaborStore::WorkerDay(const Date& day, int64_t worker_id) {
  std::lock_guard lock(impl_->mutex);
  const std::string day_text = privacy::FormatDate(day);
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<SecretKey> key, impl_->LoadKey(DayKeyName(day_text)));
  OwnLaborDay own;
  ENTREPOT_ASSIGN_OR_RETURN(own.today,
                            impl_->Today(day, key ? &*key : nullptr, worker_id, /*own=*/true));
  if (!key.has_value()) {
    return own;  // No key: nothing of the day can be linked to the worker (RET-01).
  }
  const Pseudonym pseudonym = privacy::PseudonymOf(*key, worker_id);
  ENTREPOT_ASSIGN_OR_RETURN(
      Stmt sessions, Stmt::Prepare(impl_->raw(),
                                   "SELECT start_ms, end_ms FROM sessions WHERE day = ?1 AND "
                                   "pseudonym = ?2 ORDER BY start_ms, id"));
  sessions.Bind(1, day_text).BindBlob(2, pseudonym);
  while (true) {
    ENTREPOT_ASSIGN_OR_RETURN(bool row, sessions.Step());
    if (!row) {
      break;
    }
    std::optional<int64_t> end;
    if (!sessions.IsNull(1)) {
      end = sessions.Int(1);
    }
    own.sessions.push_back(OwnSession{sessions.Int(0), end});
  }
  ENTREPOT_ASSIGN_OR_RETURN(
      Stmt scans, Stmt::Prepare(impl_->raw(),
                                "SELECT sc.at_ms, sc.process, sc.zone, sc.outcome, sc.units "
                                "FROM scans sc JOIN sessions s ON sc.session_id = s.id "
                                "WHERE s.day = ?1 AND s.pseudonym = ?2 ORDER BY sc.at_ms, sc.id "
                                "LIMIT ?3"));
  scans.Bind(1, day_text).BindBlob(2, pseudonym).Bind(3, static_cast<int64_t>(kMaxOwnDayScans + 1));
  while (true) {
    ENTREPOT_ASSIGN_OR_RETURN(bool row, scans.Step());
    if (!row) {
      break;
    }
    if (own.scans.size() == kMaxOwnDayScans) {
      own.truncated = true;
      break;
    }
    own.scans.push_back(
        OwnScan{scans.Int(0), scans.Text(1), scans.Text(2), scans.Text(3), scans.Int(4)});
  }
  return own;
}

// --- Aggregates --------------------------------------------------------------------------

StatusOr<std::vector<privacy::LaborFact>> LaborStore::Impl::Facts(const Date& day) {
  const std::string day_text = privacy::FormatDate(day);
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<SecretKey> key, LoadKey(DayKeyName(day_text)));
  std::map<uint64_t, const LaborAssignment*> by_member;
  ENTREPOT_ASSIGN_OR_RETURN(std::vector<LaborAssignment> rota, Rota(day));
  if (key.has_value()) {
    for (const LaborAssignment& a : rota) {
      by_member[MemberOf(privacy::PseudonymOf(*key, a.worker_id))] = &a;
    }
  }
  ENTREPOT_ASSIGN_OR_RETURN(
      Stmt stmt, Stmt::Prepare(raw(),
                               "SELECT s.pseudonym, sc.zone, sc.process, "
                               "sum(CASE WHEN sc.outcome = 'ok' THEN sc.units ELSE 0 END), "
                               "sum(CASE WHEN sc.outcome = 'ok' THEN 0 ELSE 1 END) "
                               "FROM scans sc JOIN sessions s ON sc.session_id = s.id "
                               "WHERE s.day = ?1 GROUP BY s.pseudonym, sc.zone, sc.process"));
  stmt.Bind(1, day_text);
  std::vector<privacy::LaborFact> facts;
  while (true) {
    ENTREPOT_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) {
      return facts;
    }
    privacy::LaborFact fact{
        MemberOf(stmt.Blob(0)), stmt.Text(1), stmt.Text(2), "", "", stmt.Int(3), stmt.Int(4)};
    if (auto found = by_member.find(fact.member); found != by_member.end()) {
      fact.team = found->second->team;
      fact.shift = found->second->shift;
    }
    facts.push_back(std::move(fact));
  }
}

StatusOr<privacy::AggregateAnswer> LaborStore::QueryAggregates(
    const Date& today, std::string_view requester, const privacy::AggregateQuery& query) {
  std::lock_guard lock(impl_->mutex);
  for (const auto& filter : {query.zone, query.process, query.team, query.shift}) {
    if (filter.has_value() && !filter->empty()) {
      ENTREPOT_RETURN_IF_ERROR(privacy::ValidateLaborLabel(*filter, "filter"));
    }
  }
  // A new day: new facts, new members, new history.
  ENTREPOT_RETURN_IF_ERROR(impl_->UseHistoryOf(impl_->guard, impl_->guard_day, "day", today));
  ENTREPOT_ASSIGN_OR_RETURN(std::vector<privacy::LaborFact> facts, impl_->Facts(today));
  std::vector<privacy::QueryGuard::Cohort> remembered;
  ENTREPOT_ASSIGN_OR_RETURN(privacy::AggregateAnswer answer,
                            impl_->guard.Answer(requester, query, facts, &remembered));
  ENTREPOT_RETURN_IF_ERROR(impl_->KeepHistory("day", today, requester, remembered));
  return answer;
}

StatusOr<std::span<const privacy::LaborFact>> LaborStore::Impl::TeamFacts(
    const WeeklyQuery& query) {
  const privacy::AggregateQuery& filters = query.query;
  ENTREPOT_ASSIGN_OR_RETURN(
      Stmt stmt, Stmt::Prepare(raw(),
                               "SELECT week, member, team, shift, process, zone, units, errors, "
                               "ms FROM team_weekly WHERE week BETWEEN ?1 AND ?2 "
                               "AND (?3 IS NULL OR team = ?3) AND (?4 IS NULL OR shift = ?4) "
                               "AND (?5 IS NULL OR process = ?5) AND (?6 IS NULL OR zone = ?6)"));
  stmt.Bind(1, privacy::FormatDate(privacy::WeekStart(query.from)));
  stmt.Bind(2, privacy::FormatDate(privacy::WeekStart(query.to)));
  int index = 3;
  for (const auto* filter : {&filters.team, &filters.shift, &filters.process, &filters.zone}) {
    if (filter->has_value()) {
      stmt.Bind(index, std::string_view(**filter));
    }
    ++index;  // Unbound parameters are NULL: no filter.
  }
  std::map<std::string, int64_t> periods;  // Week text -> days since 1970 of its Monday.
  std::vector<privacy::LaborFact>& facts = team_facts;
  facts.clear();
  while (true) {
    ENTREPOT_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) {
      return std::span<const privacy::LaborFact>(facts);
    }
    const privacy::ProcessStandard* standard = nullptr;
    if (query.standards != nullptr) {
      auto found = query.standards->find(stmt.Text(4));
      if (found == query.standards->end()) {
        continue;  // No standard for the process: not compared.
      }
      standard = &found->second;
    }
    std::string week = stmt.Text(0);
    auto period = periods.find(week);
    if (period == periods.end()) {
      ENTREPOT_ASSIGN_OR_RETURN(Date monday, StoredWeek(week));
      period =
          periods.emplace(std::move(week), std::chrono::sys_days(monday).time_since_epoch().count())
              .first;
    }
    privacy::LaborFact fact{static_cast<uint64_t>(stmt.Int(1)),
                            stmt.Text(5),
                            stmt.Text(4),
                            stmt.Text(2),
                            stmt.Text(3),
                            stmt.Int(6),
                            stmt.Int(7),
                            period->second,
                            stmt.Int(8),
                            0};
    if (standard != nullptr) {
      fact.standard_ms = privacy::StandardMs(*standard, fact.units);
    }
    facts.push_back(std::move(fact));
  }
}

StatusOr<WeeklyAnswer> LaborStore::QueryWeekly(const Date& today, std::string_view requester,
                                               const WeeklyQuery& query) {
  std::lock_guard lock(impl_->mutex);
  const auto& q = query.query;
  for (const auto& filter : {q.zone, q.process, q.team, q.shift}) {
    if (filter.has_value() && !filter->empty()) {
      ENTREPOT_RETURN_IF_ERROR(privacy::ValidateLaborLabel(*filter, "filter"));
    }
  }
  if (query.standards != nullptr) {
    for (const auto& [process, standard] : *query.standards) {
      ENTREPOT_RETURN_IF_ERROR(privacy::ValidateStandard(standard));
    }
  }
  const Date from = privacy::WeekStart(query.from);
  const Date to = privacy::WeekStart(query.to);
  const int64_t weeks = (std::chrono::sys_days(to) - std::chrono::sys_days(from)).count() / 7 + 1;
  // The retention keeps this week and worker_weekly_weeks before it (RET-02).
  const int64_t kept = std::max<int64_t>(0, impl_->policy.retention.worker_weekly_weeks) + 1;
  if (weeks < 1 || weeks > std::min(kMaxWeeklyQueryWeeks, kept)) {
    return Error(StatusCode::kInvalidArgument, "bad_week_range",
                 "ask for 1 to " + std::to_string(std::min(kMaxWeeklyQueryWeeks, kept)) +
                     " ISO weeks, the first not after the last (the retention keeps " +
                     std::to_string(kept) + ")");
  }
  // A new week: the history of the last one is dropped.
  const Date this_week = privacy::WeekStart(today);
  ENTREPOT_RETURN_IF_ERROR(
      impl_->UseHistoryOf(impl_->weekly_guard, impl_->weekly_guard_week, "week", this_week));
  WeeklyAnswer answer{from, to, {}, {}};
  ENTREPOT_ASSIGN_OR_RETURN(std::vector<std::string> keyed, KeyDates(impl_->key_dir, "week-"));
  for (const std::string& text : keyed) {
    const Date week = *privacy::ParseDate(text);  // KeyDates keeps dates only.
    if (privacy::WeekStart(week) == week && !(week < from) && !(to < week)) {
      answer.weeks_kept.push_back(week);
    }
  }
  ENTREPOT_ASSIGN_OR_RETURN(std::span<const privacy::LaborFact> facts, impl_->TeamFacts(query));
  std::vector<privacy::QueryGuard::Cohort> remembered;
  ENTREPOT_ASSIGN_OR_RETURN(answer.aggregate,
                            impl_->weekly_guard.Answer(requester, q, facts, &remembered));
  ENTREPOT_RETURN_IF_ERROR(impl_->KeepHistory("week", this_week, requester, remembered));
  return answer;
}

// --- End of day --------------------------------------------------------------------------

StatusOr<privacy::DayRollUp> LaborStore::Impl::ReadDay(const Date& day, RollUpReport& report,
                                                       std::vector<OpenSession>& open) {
  ENTREPOT_ASSIGN_OR_RETURN(
      Stmt stmt, Stmt::Prepare(raw(),
                               "SELECT s.id, s.pseudonym, s.start_ms, s.end_ms, sc.process, "
                               "sc.zone, sc.outcome, sc.units, sc.at_ms, s.device, s.carried "
                               "FROM sessions s LEFT JOIN scans sc ON sc.session_id = s.id "
                               "WHERE s.day = ?1 ORDER BY s.id, sc.at_ms, sc.id"));
  stmt.Bind(1, privacy::FormatDate(day));
  privacy::DayRollUp rollup;
  std::optional<int64_t> session;
  std::optional<int64_t> end_ms;
  int64_t last_ms = 0;
  bool counted = false;
  OpenSession current;
  auto close = [&] {
    if (session.has_value()) {
      if (counted) {
        rollup.EndSession(end_ms.value_or(last_ms));  // Still open: closed at its last event.
      }
      if (!end_ms.has_value()) {
        current.last_ms = last_ms;
        open.push_back(current);
      }
    }
  };
  while (true) {
    ENTREPOT_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) {
      break;
    }
    if (session != stmt.Int(0)) {
      close();
      Pseudonym pseudonym{};
      if (stmt.Blob(1).size() != pseudonym.size()) {
        return Error(StatusCode::kDataLoss, "labor_corrupt", "a session has a bad pseudonym");
      }
      std::copy(stmt.Blob(1).begin(), stmt.Blob(1).end(), pseudonym.begin());
      session = stmt.Int(0);
      last_ms = stmt.Int(2);
      end_ms = stmt.IsNull(3) ? std::nullopt : std::optional<int64_t>(stmt.Int(3));
      current = OpenSession{stmt.Text(9), pseudonym, 0, stmt.Int(10) != 0};
      // A session carried over from the day before counts from its first scan, and without
      // one not at all: the hours between a sign-out forgotten in the evening and the next
      // use of the device are nobody's work (IND-09).
      counted = !current.carried || !stmt.IsNull(4);
      if (counted) {
        last_ms = current.carried ? stmt.Int(8) : last_ms;
        rollup.BeginSession(pseudonym, last_ms);
        ++report.sessions;
      }
    }
    if (!stmt.IsNull(4)) {
      rollup.Scan(stmt.Text(4), stmt.Text(5), stmt.Text(6), std::max<int64_t>(0, stmt.Int(7)),
                  stmt.Int(8));
      last_ms = std::max(last_ms, stmt.Int(8));
      ++report.scans;
    }
  }
  close();
  return rollup;
}

Status LaborStore::Impl::AddToTeamWeek(const std::string& week, uint64_t member,
                                       const LaborAssignment* assignment,
                                       const privacy::Activities& activities) {
  ENTREPOT_ASSIGN_OR_RETURN(
      Stmt upsert,
      Stmt::Prepare(raw(),
                    "INSERT INTO team_weekly(week, team, shift, process, zone, member, "
                    "units, errors, ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
                    "ON CONFLICT DO UPDATE SET units = units + excluded.units, "
                    "errors = errors + excluded.errors, ms = ms + excluded.ms"));
  for (const auto& [key, activity] : activities) {
    upsert.Reset();
    upsert.Bind(1, week)
        .Bind(2, assignment != nullptr ? std::string_view(assignment->team) : "")
        .Bind(3, assignment != nullptr ? std::string_view(assignment->shift) : "")
        .Bind(4, key.first)
        .Bind(5, key.second)
        .Bind(6, static_cast<int64_t>(member))  // The token's bits, stored as SQLite's int64.
        .Bind(7, activity.units)
        .Bind(8, activity.errors)
        .Bind(9, activity.ms);
    ENTREPOT_RETURN_IF_ERROR(upsert.Run());
  }
  return OkStatus();
}

StatusOr<std::optional<WorkersByPseudonym>> LaborStore::Impl::DayWorkers(
    const Date& day, std::span<const int64_t> worker_ids) {
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<SecretKey> day_key,
                            LoadKey(DayKeyName(privacy::FormatDate(day))));
  if (!day_key.has_value()) {
    return std::optional<WorkersByPseudonym>();
  }
  WorkersByPseudonym workers;
  for (int64_t id : worker_ids) {
    workers[privacy::PseudonymOf(*day_key, id)] = id;
  }
  return std::optional<WorkersByPseudonym>(std::move(workers));
}

Status LaborStore::Impl::CarryOver(const Date& day, std::span<const OpenSession> open,
                                   const WorkersByPseudonym& workers, RollUpReport& report) {
  const Date next = privacy::AddDays(day, 1);
  ENTREPOT_ASSIGN_OR_RETURN(bool closed, IsClosed(next));
  if (closed) {
    return OkStatus();
  }
  const std::string next_text = privacy::FormatDate(next);
  ENTREPOT_ASSIGN_OR_RETURN(Stmt insert,
                            Stmt::Prepare(raw(),
                                          "INSERT INTO sessions(day, device, pseudonym, start_ms, "
                                          "carried) VALUES(?1, ?2, ?3, ?4, 1)"));
  for (const OpenSession& session : open) {
    auto worker = workers.find(session.pseudonym);
    // Once only: a sign-in forgotten on a device must not go on day after day (IND-12).
    if (session.carried || worker == workers.end()) {
      continue;
    }
    ENTREPOT_ASSIGN_OR_RETURN(SecretKey key, LoadOrCreateKey(DayKeyName(next_text)));
    insert.Reset();
    insert.Bind(1, next_text).Bind(2, session.device);
    insert.BindBlob(3, privacy::PseudonymOf(key, worker->second)).Bind(4, session.last_ms);
    ENTREPOT_RETURN_IF_ERROR(insert.Run());
    ++report.sessions_carried_over;
  }
  return OkStatus();
}

Status LaborStore::Impl::AddToWeeks(const Date& day, const privacy::DayRollUp& rollup,
                                    const WorkersByPseudonym& workers,
                                    std::span<const LaborAssignment> rota, RollUpReport& report) {
  const std::string week = privacy::FormatDate(privacy::WeekStart(day));
  ENTREPOT_ASSIGN_OR_RETURN(SecretKey week_key, LoadOrCreateKey(WeekKeyName(week)));
  std::map<int64_t, const LaborAssignment*> assignments;
  for (const LaborAssignment& a : rota) {
    assignments[a.worker_id] = &a;
  }
  ENTREPOT_ASSIGN_OR_RETURN(Stmt upsert,
                            Stmt::Prepare(raw(),
                                          "INSERT INTO weekly(week, member, kind, name, value) "
                                          "VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT DO UPDATE SET "
                                          "value = value + excluded.value"));
  ENTREPOT_ASSIGN_OR_RETURN(Stmt in_team,
                            Stmt::Prepare(raw(),
                                          "INSERT OR IGNORE INTO weekly(week, member, kind, name, "
                                          "value) VALUES(?1, ?2, ?3, ?4, 1)"));
  for (const auto& [pseudonym, totals] : rollup.totals()) {
    auto found = workers.find(pseudonym);
    if (found == workers.end()) {
      ++report.unattributed_sessions;
      continue;
    }
    ++report.workers;
    // AGG-04: the weekly row carries the week pseudonym, linkable only while the week key
    // lives (RET-02).
    const Pseudonym member = privacy::PseudonymOf(week_key, found->second);
    const std::pair<WeeklyKind, const std::map<std::string, int64_t>*> parts[] = {
        {kUnitsPerProcess, &totals.units_per_process},
        {kErrorsPerCause, &totals.errors_per_cause},
        {kMsPerZone, &totals.ms_per_zone}};
    for (const auto& [kind, values] : parts) {
      for (const auto& [name, value] : *values) {
        upsert.Reset();
        upsert.Bind(1, week).BindBlob(2, member).Bind(3, int64_t{kind}).Bind(4, name);
        upsert.Bind(5, value);
        ENTREPOT_RETURN_IF_ERROR(upsert.Run());
      }
    }
    auto assignment = assignments.find(found->second);
    // ACC-02: the team the worker was in, under the week pseudonym, so that the team's lead
    // of the week may read this week (scope own_team). A supervisor line is a lead, not a
    // member.
    if (assignment != assignments.end() && !assignment->second->supervisor) {
      in_team.Reset();
      in_team.Bind(1, week).BindBlob(2, member).Bind(3, int64_t{kTeam});
      in_team.Bind(4, assignment->second->team);
      ENTREPOT_RETURN_IF_ERROR(in_team.Run());
    }
    // IND-06: the team-week rows take the activity under the team token, with the team and
    // shift of the day's rota; no worker id and no pseudonym (AGG-04).
    auto activities = rollup.activities().find(pseudonym);
    if (activities != rollup.activities().end()) {
      ENTREPOT_RETURN_IF_ERROR(AddToTeamWeek(
          week, privacy::TeamMemberOf(week_key, found->second),
          assignment != assignments.end() ? assignment->second : nullptr, activities->second));
    }
  }
  return AddTeamLeads(week, rota);
}

Status LaborStore::Impl::AddTeamLeads(const std::string& week,
                                      std::span<const LaborAssignment> rota) {
  ENTREPOT_ASSIGN_OR_RETURN(Stmt insert,
                            Stmt::Prepare(raw(),
                                          "INSERT OR IGNORE INTO team_leads(week, team, worker_id) "
                                          "VALUES(?1, ?2, ?3)"));
  for (const LaborAssignment& line : rota) {
    if (line.supervisor) {
      insert.Reset();
      insert.Bind(1, week).Bind(2, line.team).Bind(3, line.worker_id);
      ENTREPOT_RETURN_IF_ERROR(insert.Run());
    }
  }
  return OkStatus();
}

Status LaborStore::Impl::DeleteDay(const Date& day) {
  static constexpr const char* kDeletes[] = {
      "DELETE FROM scans WHERE session_id IN (SELECT id FROM sessions WHERE day = ?1)",
      "DELETE FROM sessions WHERE day = ?1",
      "DELETE FROM assignments WHERE day = ?1",
      // RET-01: the day key goes once the deleted rows are scrubbed (DestroyRecordedKeys).
      "INSERT OR IGNORE INTO keys_to_destroy(name) VALUES('day-' || ?1)",
      "DELETE FROM query_history WHERE scope = 'day' AND period = ?1",
      "INSERT INTO closed_days(day) VALUES(?1)",
      "INSERT OR REPLACE INTO meta(key, value) VALUES('scrub_pending', ?1)",
  };
  for (const char* sql : kDeletes) {
    ENTREPOT_ASSIGN_OR_RETURN(Stmt stmt, Stmt::Prepare(raw(), sql));
    stmt.Bind(1, privacy::FormatDate(day));
    ENTREPOT_RETURN_IF_ERROR(stmt.Run());
  }
  return OkStatus();
}

StatusOr<RollUpReport> LaborStore::RollUpDay(const Date& day, std::span<const int64_t> worker_ids) {
  std::lock_guard lock(impl_->mutex);
  if (worker_ids.size() > kMaxRollUpWorkerIds) {
    return Error(StatusCode::kResourceExhausted, "too_many_workers",
                 "a roll-up takes at most " + std::to_string(kMaxRollUpWorkerIds) + " worker ids");
  }
  ENTREPOT_ASSIGN_OR_RETURN(bool closed, impl_->IsClosed(day));
  if (closed) {
    return Error(StatusCode::kFailedPrecondition, "day_already_rolled_up",
                 "labor day " + privacy::FormatDate(day) + " was already rolled up");
  }
  RollUpReport report{day, 0, 0, 0, 0, false, 0};
  {
    ENTREPOT_ASSIGN_OR_RETURN(auto txn, Transaction::Begin(impl_->raw()));
    ENTREPOT_ASSIGN_OR_RETURN(std::vector<LaborAssignment> rota, impl_->Rota(day));
    std::vector<int64_t> ids(worker_ids.begin(), worker_ids.end());
    for (const LaborAssignment& a : rota) {
      ids.push_back(a.worker_id);
    }
    std::vector<Impl::OpenSession> open;
    ENTREPOT_ASSIGN_OR_RETURN(privacy::DayRollUp rollup, impl_->ReadDay(day, report, open));
    ENTREPOT_ASSIGN_OR_RETURN(std::optional<WorkersByPseudonym> workers,
                              impl_->DayWorkers(day, ids));
    // RET-01: a day whose key file is gone cannot be linked to anyone any more; its sessions
    // are counted unattributed and reported.
    report.day_key_missing = !workers.has_value() && !rollup.totals().empty();
    const WorkersByPseudonym none;
    const WorkersByPseudonym& known = workers.has_value() ? *workers : none;
    ENTREPOT_RETURN_IF_ERROR(impl_->AddToWeeks(day, rollup, known, rota, report));
    ENTREPOT_RETURN_IF_ERROR(impl_->DeleteDay(day));
    ENTREPOT_RETURN_IF_ERROR(impl_->CarryOver(day, open, known, report));
    ENTREPOT_RETURN_IF_ERROR(txn->Commit());
  }
  if (impl_->guard_day == day) {
    impl_->guard.Reset();  // Its members were the day's pseudonyms; its rows went with it.
    impl_->guard_day.reset();
  }
  ENTREPOT_RETURN_IF_ERROR(impl_->ScrubThenDestroyKeys());
  return report;
}

Status LaborStore::Impl::DestroyRecordedKeys() {
  ENTREPOT_ASSIGN_OR_RETURN(Stmt names,
                            Stmt::Prepare(raw(), "SELECT name FROM keys_to_destroy ORDER BY 1"));
  ENTREPOT_ASSIGN_OR_RETURN(std::vector<std::string> doomed, TextColumn(names));
  ENTREPOT_ASSIGN_OR_RETURN(Stmt forget,
                            Stmt::Prepare(raw(), "DELETE FROM keys_to_destroy WHERE name = ?1"));
  for (const std::string& name : doomed) {
    ENTREPOT_RETURN_IF_ERROR(key_dir.Destroy(name));
    forget.Reset();
    forget.Bind(1, name);
    ENTREPOT_RETURN_IF_ERROR(forget.Run());
  }
  return OkStatus();
}

Status LaborStore::Impl::UseHistoryOf(privacy::QueryGuard& history, std::optional<Date>& loaded,
                                      std::string_view scope, const Date& period) {
  if (loaded == period) {
    return OkStatus();
  }
  history.Reset();
  loaded.reset();
  const std::string period_text = privacy::FormatDate(period);
  ENTREPOT_ASSIGN_OR_RETURN(Stmt stale,
                            Stmt::Prepare(raw(),
                                          "DELETE FROM query_history WHERE scope = ?1 AND "
                                          "period <> ?2"));
  stale.Bind(1, scope).Bind(2, period_text);
  ENTREPOT_RETURN_IF_ERROR(stale.Run());
  ENTREPOT_ASSIGN_OR_RETURN(Stmt rows, Stmt::Prepare(raw(),
                                                     "SELECT requester, cohort FROM query_history "
                                                     "WHERE scope = ?1 AND period = ?2 "
                                                     "ORDER BY requester, seq"));
  rows.Bind(1, scope).Bind(2, period_text);
  std::string requester;
  std::vector<privacy::QueryGuard::Cohort> cohorts;
  auto remember = [&]() -> Status {
    if (cohorts.empty()) {
      return OkStatus();
    }
    Status done = history.Remember(requester, cohorts);
    cohorts.clear();
    return done.ok() ? done
                     : Error(StatusCode::kDataLoss, "labor_corrupt",
                             "a stored query history cannot be loaded: " + done.ToString());
  };
  while (true) {
    ENTREPOT_ASSIGN_OR_RETURN(bool row, rows.Step());
    if (!row) {
      break;
    }
    if (rows.Text(0) != requester) {
      ENTREPOT_RETURN_IF_ERROR(remember());
      requester = rows.Text(0);
    }
    ENTREPOT_ASSIGN_OR_RETURN(privacy::QueryGuard::Cohort cohort, DecodeCohort(rows.Blob(1)));
    cohorts.push_back(std::move(cohort));
  }
  ENTREPOT_RETURN_IF_ERROR(remember());
  loaded = period;
  return OkStatus();
}

Status LaborStore::Impl::KeepHistory(std::string_view scope, const Date& period,
                                     std::string_view requester,
                                     std::span<const privacy::QueryGuard::Cohort> cohorts) {
  if (cohorts.empty()) {
    return OkStatus();
  }
  const std::string period_text = privacy::FormatDate(period);
  ENTREPOT_ASSIGN_OR_RETURN(auto txn, Transaction::Begin(raw()));
  ENTREPOT_ASSIGN_OR_RETURN(Stmt last, Stmt::Prepare(raw(),
                                                     "SELECT coalesce(max(seq), 0) FROM "
                                                     "query_history WHERE scope = ?1 AND "
                                                     "period = ?2 AND requester = ?3"));
  last.Bind(1, scope).Bind(2, period_text).Bind(3, requester);
  ENTREPOT_ASSIGN_OR_RETURN(bool row, last.Step());
  int64_t seq = row ? last.Int(0) : 0;
  ENTREPOT_ASSIGN_OR_RETURN(Stmt insert, Stmt::Prepare(raw(),
                                                       "INSERT INTO query_history(scope, period, "
                                                       "requester, seq, cohort) "
                                                       "VALUES(?1, ?2, ?3, ?4, ?5)"));
  for (const privacy::QueryGuard::Cohort& cohort : cohorts) {
    insert.Reset();
    insert.Bind(1, scope).Bind(2, period_text).Bind(3, requester).Bind(4, ++seq);
    insert.BindBlob(5, EncodeCohort(cohort));
    ENTREPOT_RETURN_IF_ERROR(insert.Run());
  }
  return txn->Commit();
}

Status LaborStore::Impl::ScrubThenDestroyKeys() {
  // The keys go even when the scrub is incomplete: the deleted rows left in the WAL are
  // unlinkable without them, and the scrub is retried (Scrub, Open).
  const Status scrubbed = Scrub();
  ENTREPOT_RETURN_IF_ERROR(DestroyRecordedKeys());
  return scrubbed;
}

StatusOr<std::vector<Date>> LaborStore::OpenDays() {
  std::lock_guard lock(impl_->mutex);
  ENTREPOT_ASSIGN_OR_RETURN(Stmt stmt,
                            Stmt::Prepare(impl_->raw(),
                                          "SELECT day FROM sessions UNION SELECT day FROM "
                                          "assignments"));
  ENTREPOT_ASSIGN_OR_RETURN(std::vector<std::string> texts, TextColumn(stmt));
  // A day key without events (a sign-in whose transaction failed) is rolled up too, so
  // that its key goes; the key of a closed day awaits DestroyRecordedKeys.
  ENTREPOT_ASSIGN_OR_RETURN(std::vector<std::string> keyed, KeyDates(impl_->key_dir, "day-"));
  std::set<Date> days;
  for (const std::string& text : texts) {
    StatusOr<Date> day = privacy::ParseDate(text);
    if (!day.ok()) {
      return Error(StatusCode::kDataLoss, "labor_corrupt", "a stored labor day is not a date");
    }
    days.insert(*day);
  }
  for (const std::string& text : keyed) {
    const Date day = *privacy::ParseDate(text);  // KeyDates keeps dates only.
    ENTREPOT_ASSIGN_OR_RETURN(bool closed, impl_->IsClosed(day));
    if (!closed) {
      days.insert(day);
    }
  }
  return std::vector<Date>(days.begin(), days.end());
}

StatusOr<std::vector<RollUpReport>> LaborStore::RollUpDue(const Date& today,
                                                          std::span<const int64_t> worker_ids) {
  std::lock_guard lock(impl_->mutex);
  const int64_t keep_days =
      std::clamp<int64_t>(impl_->policy.retention.labor_events_days, 1, kMaxLaborEventDays);
  const Date last_due = privacy::AddDays(today, -keep_days);
  ENTREPOT_RETURN_IF_ERROR(impl_->DestroyRecordedKeys());  // Left by a failed destruction.
  std::vector<RollUpReport> reports;
  // The oldest open day each time: a roll-up may carry a session over into the next day.
  while (true) {
    ENTREPOT_ASSIGN_OR_RETURN(std::vector<Date> days, OpenDays());
    if (days.empty() || std::chrono::sys_days(days.front()) > std::chrono::sys_days(last_due)) {
      return reports;
    }
    ENTREPOT_ASSIGN_OR_RETURN(RollUpReport report, RollUpDay(days.front(), worker_ids));
    reports.push_back(report);
  }
}

StatusOr<int64_t> LaborStore::Expire(const Date& today) {
  std::lock_guard lock(impl_->mutex);
  ENTREPOT_RETURN_IF_ERROR(impl_->DestroyRecordedKeys());  // Left by a failed destruction.
  // The weekly differencing history of past weeks (its week is over).
  const Date this_week = privacy::WeekStart(today);
  ENTREPOT_ASSIGN_OR_RETURN(Stmt past,
                            Stmt::Prepare(impl_->raw(),
                                          "DELETE FROM query_history WHERE scope = 'week' AND "
                                          "period < ?1"));
  past.Bind(1, privacy::FormatDate(this_week));
  ENTREPOT_RETURN_IF_ERROR(past.Run());
  if (impl_->weekly_guard_week.has_value() && *impl_->weekly_guard_week < this_week) {
    impl_->weekly_guard.Reset();
    impl_->weekly_guard_week.reset();
  }
  // Every week that holds rows or a key: rows whose key file was lost expire all the same.
  ENTREPOT_ASSIGN_OR_RETURN(Stmt stored,
                            Stmt::Prepare(impl_->raw(),
                                          "SELECT week FROM weekly UNION SELECT week FROM "
                                          "team_weekly UNION SELECT week FROM team_leads"));
  ENTREPOT_ASSIGN_OR_RETURN(std::vector<std::string> texts, TextColumn(stored));
  ENTREPOT_ASSIGN_OR_RETURN(std::vector<std::string> keyed, KeyDates(impl_->key_dir, "week-"));
  std::set<std::string> weeks(texts.begin(), texts.end());
  weeks.insert(keyed.begin(), keyed.end());
  std::vector<std::string> expired;
  for (const std::string& text : weeks) {
    ENTREPOT_ASSIGN_OR_RETURN(Date week, StoredWeek(text));
    const Date expiry = privacy::WeekExpiryDay(
        week, std::max<int64_t>(0, impl_->policy.retention.worker_weekly_weeks));
    if (std::chrono::sys_days(expiry) <= std::chrono::sys_days(today)) {
      expired.push_back(text);
    }
  }
  if (expired.empty()) {
    return int64_t{0};
  }
  {
    ENTREPOT_ASSIGN_OR_RETURN(auto txn, Transaction::Begin(impl_->raw()));
    for (const std::string& week : expired) {
      for (const char* sql :
           {"DELETE FROM weekly WHERE week = ?1", "DELETE FROM team_weekly WHERE week = ?1",
            "DELETE FROM team_leads WHERE week = ?1",
            // RET-02: the week key goes once the deleted rows are scrubbed.
            "INSERT OR IGNORE INTO keys_to_destroy(name) VALUES('week-' || ?1)",
            "INSERT OR REPLACE INTO meta(key, value) "
            "VALUES('scrub_pending', ?1)"}) {
        ENTREPOT_ASSIGN_OR_RETURN(Stmt stmt, Stmt::Prepare(impl_->raw(), sql));
        stmt.Bind(1, week);
        ENTREPOT_RETURN_IF_ERROR(stmt.Run());
      }
    }
    ENTREPOT_RETURN_IF_ERROR(txn->Commit());
  }
  ENTREPOT_RETURN_IF_ERROR(impl_->ScrubThenDestroyKeys());
  return static_cast<int64_t>(expired.size());
}

Status LaborStore::Scrub() {
  std::lock_guard lock(impl_->mutex);
  return impl_->Scrub();
}

Status LaborStore::Impl::Scrub() {
  // VACUUM rebuilds every page, so no free page keeps deleted bytes; the checkpoint copies the
  // rebuilt pages into the file and TRUNCATE empties the WAL, whose old frames still held
  // the deleted rows. The flag is cleared last and checkpointed again.
  auto checkpoint = [&]() -> Status {
    ENTREPOT_ASSIGN_OR_RETURN(Stmt stmt, Stmt::Prepare(raw(), "PRAGMA wal_checkpoint(TRUNCATE)"));
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

// --- Weekly aggregates -------------------------------------------------------------------

StatusOr<SecretKey> LaborStore::Impl::KeptWeekKey(const Date& any_day) {
  const Date week_start = privacy::WeekStart(any_day);
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<SecretKey> key,
                            LoadKey(WeekKeyName(privacy::FormatDate(week_start))));
  if (!key.has_value()) {
    return Error(StatusCode::kNotFound, "week_not_kept",
                 "no weekly aggregates are kept for " + privacy::IsoWeekName(week_start) +
                     " (not rolled up yet, or expired under the retention policy)");
  }
  return std::move(*key);
}

StatusOr<WorkerWeek> LaborStore::WeeklyForWorker(int64_t worker_id, const Date& any_day) {
  std::lock_guard lock(impl_->mutex);
  const Date week_start = privacy::WeekStart(any_day);
  const std::string week = privacy::FormatDate(week_start);
  ENTREPOT_ASSIGN_OR_RETURN(SecretKey key, impl_->KeptWeekKey(any_day));
  ENTREPOT_ASSIGN_OR_RETURN(
      Stmt stmt, Stmt::Prepare(impl_->raw(),
                               "SELECT kind, name, value FROM weekly WHERE week = ?1 AND "
                               "member = ?2 ORDER BY kind, name"));
  stmt.Bind(1, week).BindBlob(2, privacy::PseudonymOf(key, worker_id));
  WorkerWeek result{week_start, privacy::IsoWeekName(week_start), {}, {}, {}};
  while (true) {
    ENTREPOT_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) {
      break;
    }
    switch (stmt.Int(0)) {
      case kUnitsPerProcess:
        result.totals.units_per_process[stmt.Text(1)] = stmt.Int(2);
        break;
      case kErrorsPerCause:
        result.totals.errors_per_cause[stmt.Text(1)] = stmt.Int(2);
        break;
      case kMsPerZone:
        result.totals.ms_per_zone[stmt.Text(1)] = stmt.Int(2);
        break;
      case kTeam:
        result.teams.push_back(stmt.Text(1));
        break;
      default:
        return Error(StatusCode::kDataLoss, "labor_corrupt", "a weekly row has an unknown kind");
    }
  }
  ENTREPOT_ASSIGN_OR_RETURN(
      Stmt led, Stmt::Prepare(impl_->raw(),
                              "SELECT team FROM team_leads WHERE week = ?1 AND worker_id = ?2 "
                              "ORDER BY team"));
  led.Bind(1, week).Bind(2, worker_id);
  ENTREPOT_ASSIGN_OR_RETURN(result.teams_led, TextColumn(led));
  return result;
}

StatusOr<std::vector<std::string>> LaborStore::TeamsLedFor(int64_t lead_id, int64_t worker_id,
                                                           const Date& any_day) {
  std::lock_guard lock(impl_->mutex);
  const std::string week = privacy::FormatDate(privacy::WeekStart(any_day));
  ENTREPOT_ASSIGN_OR_RETURN(SecretKey key, impl_->KeptWeekKey(any_day));
  ENTREPOT_ASSIGN_OR_RETURN(
      Stmt stmt, Stmt::Prepare(impl_->raw(),
                               "SELECT l.team FROM team_leads l JOIN weekly w ON w.week = l.week "
                               "AND w.kind = ?4 AND w.name = l.team AND w.member = ?3 "
                               "WHERE l.week = ?1 AND l.worker_id = ?2 ORDER BY l.team"));
  stmt.Bind(1, week).Bind(2, lead_id).BindBlob(3, privacy::PseudonymOf(key, worker_id));
  stmt.Bind(4, int64_t{kTeam});
  return TextColumn(stmt);
}

}  // namespace entrepot::store
