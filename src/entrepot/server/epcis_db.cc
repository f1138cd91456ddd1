#include "entrepot/server/epcis_db.h"

#include <sqlite3.h>

#include <utility>
#include <variant>

#include "entrepot/base/status_macros.h"
#include "entrepot/store/sqlite_status.h"

namespace entrepot::server::internal {
namespace {

constexpr const char* kSchema = R"sql(
  CREATE TABLE meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
  CREATE TABLE capture_job(
    id INTEGER PRIMARY KEY AUTOINCREMENT, created_ms INTEGER NOT NULL,
    finished_ms INTEGER NOT NULL, behaviour TEXT NOT NULL, state TEXT NOT NULL,
    event_count INTEGER NOT NULL, captured_count INTEGER NOT NULL,
    duplicate_count INTEGER NOT NULL, error_count INTEGER NOT NULL, errors TEXT NOT NULL);
  CREATE TABLE event(
    position INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE,
    source INTEGER NOT NULL, capture_job INTEGER, seq INTEGER,
    type TEXT NOT NULL, event_time_ms INTEGER NOT NULL, record_time_ms INTEGER NOT NULL,
    action TEXT NOT NULL, biz_step TEXT NOT NULL, disposition TEXT NOT NULL,
    read_point TEXT NOT NULL, biz_location TEXT NOT NULL,
    body TEXT NOT NULL, namespaces TEXT NOT NULL);
  CREATE INDEX event_by_event_time ON event(event_time_ms);
  CREATE INDEX event_by_record_time ON event(record_time_ms);
  CREATE INDEX event_by_biz_step ON event(biz_step);
  CREATE INDEX event_by_read_point ON event(read_point);
  CREATE INDEX event_by_biz_location ON event(biz_location);
  CREATE INDEX event_by_source ON event(source, seq);
  CREATE TABLE event_epc(epc TEXT NOT NULL, role INTEGER NOT NULL, position INTEGER NOT NULL,
                         PRIMARY KEY(epc, role, position)) WITHOUT ROWID;
  CREATE INDEX event_epc_by_position ON event_epc(position);
)sql";

// The writer's page cache (KiB) and its WAL checkpoint threshold (pages).
constexpr int kWriterCacheKib = 32 * 1024;
constexpr int kWalCheckpointPages = 8192;

// event.source
constexpr int64_t kCaptured = 0;
constexpr int64_t kSite = 1;

Status SqliteStatus(sqlite3* db, int rc, std::string_view what) {
  return store::SqliteStatus(db, rc, what, "epcis");
}

using Value = std::variant<int64_t, std::string>;

// One prepared statement: binds in order, steps, finalizes on destruction.
class Statement {
 public:
  // `flags`: SQLITE_PREPARE_PERSISTENT for a statement kept for the connection's life.
  static StatusOr<std::unique_ptr<Statement>> Prepare(sqlite3* db, const std::string& sql,
                                                      unsigned flags = 0) {
    sqlite3_stmt* raw = nullptr;
    const int rc = sqlite3_prepare_v3(db, sql.c_str(), -1, flags, &raw, nullptr);
    if (rc != SQLITE_OK) {
      sqlite3_finalize(raw);
      return SqliteStatus(db, rc, "epcis: prepare");
    }
    return std::unique_ptr<Statement>(new Statement(db, raw));
  }
  ~Statement() { sqlite3_finalize(statement_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& Int(int64_t value) {
    sqlite3_bind_int64(statement_, ++bound_, value);
    return *this;
  }
  // An empty text is bound as '' (a null data pointer would bind NULL).
  Statement& Text(std::string_view value) {
    sqlite3_bind_text64(statement_, ++bound_, value.empty() ? "" : value.data(), value.size(),
                        SQLITE_TRANSIENT, SQLITE_UTF8);
    return *this;
  }
  Statement& Bind(const Value& value) {
    return std::holds_alternative<int64_t>(value) ? Int(std::get<int64_t>(value))
                                                  : Text(std::get<std::string>(value));
  }
  // True when a row is available, false when done.
  StatusOr<bool> Next() {
    const int rc = sqlite3_step(statement_);
    if (rc == SQLITE_ROW) {
      return true;
    }
    if (rc == SQLITE_DONE) {
      return false;
    }
    return SqliteStatus(db_, rc, "epcis query");
  }
  Status Run() { return Next().status(); }
  // Makes the statement ready to bind and run again.
  void Reset() {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
    bound_ = 0;
  }
  int64_t ColumnInt(int column) const { return sqlite3_column_int64(statement_, column); }
  std::string ColumnText(int column) const {
    const unsigned char* text = sqlite3_column_text(statement_, column);
    const int size = sqlite3_column_bytes(statement_, column);
    return text == nullptr
               ? std::string()
               : std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(size));
  }

 private:
  Statement(sqlite3* db, sqlite3_stmt* statement) : db_(db), statement_(statement) {}
  sqlite3* db_;
  sqlite3_stmt* statement_;
  int bound_ = 0;
};

StatusOr<int64_t> PragmaInt(sqlite3* db, const char* sql) {
  ENTREPOT_ASSIGN_OR_RETURN(std::unique_ptr<Statement> statement, Statement::Prepare(db, sql));
  ENTREPOT_ASSIGN_OR_RETURN(bool row, statement->Next());
  return row ? statement->ColumnInt(0) : 0;
}

StatusOr<sqlite3*> OpenConnection(const std::string& path, int flags) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Status status = SqliteStatus(db, rc, "open " + path);
    sqlite3_close_v2(db);
    return status;
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, 5000);
  return db;
}

// The SQL and values of the filters of `query` (" AND ..." clauses).
void AddIn(std::string_view column, const std::vector<std::string>& values, std::string& sql,
           std::vector<Value>& binds) {
  if (values.empty()) {
    return;
  }
  sql += " AND ";
  sql += column;
  sql += " IN (";
  for (size_t i = 0; i < values.size(); ++i) {
    sql += i == 0 ? "?" : ",?";
    binds.emplace_back(values[i]);
  }
  sql += ")";
}

void AddTime(std::string_view clause, const std::optional<int64_t>& value, std::string& sql,
             std::vector<Value>& binds) {
  if (value) {
    sql += clause;
    binds.emplace_back(*value);
  }
}

void AddMatch(const EpcMatch& match, std::string& sql, std::vector<Value>& binds) {
  sql += " AND position IN (SELECT position FROM event_epc WHERE role IN (";
  for (size_t i = 0; i < match.roles.size(); ++i) {
    sql += (i == 0 ? "" : ",") + std::to_string(static_cast<int>(match.roles[i]));
  }
  sql += ") AND (";
  for (size_t i = 0; i < match.values.size(); ++i) {
    const IdentifierMatch& value = match.values[i];
    sql += i == 0 ? "" : " OR ";
    binds.emplace_back(value.uri);
    if (value.prefix) {
      // Everything under the product's URI: ".../01/<gtin>/..." ('0' follows '/' in ASCII).
      sql += "epc = ? OR (epc >= ? AND epc < ?)";
      binds.emplace_back(value.uri + "/");
      binds.emplace_back(value.uri + "0");
    } else {
      sql += "epc = ?";
    }
  }
  sql += "))";
}

std::string SelectSql(const EventQuery& query, std::vector<Value>& binds) {
  std::string sql =
      "SELECT position, record_time_ms, body, namespaces FROM event WHERE position > ?";
  binds.emplace_back(static_cast<int64_t>(query.after_position));
  AddIn("type", query.event_types, sql, binds);
  AddTime(" AND event_time_ms >= ?", query.ge_event_time_ms, sql, binds);
  AddTime(" AND event_time_ms < ?", query.lt_event_time_ms, sql, binds);
  AddTime(" AND record_time_ms >= ?", query.ge_record_time_ms, sql, binds);
  AddTime(" AND record_time_ms < ?", query.lt_record_time_ms, sql, binds);
  AddIn("action", query.actions, sql, binds);
  AddIn("biz_step", query.biz_steps, sql, binds);
  AddIn("disposition", query.dispositions, sql, binds);
  AddIn("read_point", query.read_points, sql, binds);
  AddIn("biz_location", query.biz_locations, sql, binds);
  for (const EpcMatch& match : query.matches) {
    AddMatch(match, sql, binds);
  }
  sql += " ORDER BY position LIMIT ?";
  return sql;
}

}  // namespace

// Preparing a statement costs more than running it: the follower's inserts, one or more per
// event of every journal entry, are prepared once per connection and reset after each use.
struct EpcisDb::Cached {
  std::unique_ptr<Statement> insert_site;
  std::unique_ptr<Statement> insert_epc;
  std::unique_ptr<Statement> set_meta;

  // The statement in `slot`, prepared on first use, with no bindings.
  static StatusOr<Statement*> Get(sqlite3* db, std::unique_ptr<Statement>& slot, const char* sql) {
    if (slot == nullptr) {
      ENTREPOT_ASSIGN_OR_RETURN(slot, Statement::Prepare(db, sql, SQLITE_PREPARE_PERSISTENT));
    }
    slot->Reset();  // Also after a failed step, which leaves the statement unreset.
    return slot.get();
  }
};

EpcisDb::EpcisDb(std::string path, sqlite3* db)
    : path_(std::move(path)), db_(db), cached_(std::make_unique<Cached>()) {}

EpcisDb::~EpcisDb() {
  cached_.reset();
  sqlite3_close_v2(db_);
}

Status EpcisDb::Exec(const char* sql, std::string_view what) {
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  return rc == SQLITE_OK ? OkStatus()
                         : SqliteStatus(db_, rc, "epcis " + path_ + ": " + std::string(what));
}

StatusOr<std::unique_ptr<EpcisDb>> EpcisDb::OpenWriter(const std::string& path) {
  ENTREPOT_ASSIGN_OR_RETURN(sqlite3 * raw,
                            OpenConnection(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE));
  std::unique_ptr<EpcisDb> db(new EpcisDb(path, raw));
  StatusOr<int64_t> application_id = PragmaInt(raw, "PRAGMA application_id");
  if (!application_id.ok() && application_id.status().code() == StatusCode::kDataLoss) {
    return Error(StatusCode::kFailedPrecondition, "not_an_epcis_repository",
                 path +
                     " is not an SQLite database (or is damaged); it holds captured partner "
                     "events, so it is left as it is: move it away or restore it");
  }
  ENTREPOT_RETURN_IF_ERROR(application_id.status());
  ENTREPOT_ASSIGN_OR_RETURN(int64_t version, PragmaInt(raw, "PRAGMA user_version"));
  ENTREPOT_ASSIGN_OR_RETURN(int64_t tables, PragmaInt(raw, "SELECT count(*) FROM sqlite_schema"));
  const bool fresh = *application_id == 0 && tables == 0;
  if (!fresh && *application_id != kApplicationId) {
    return Error(StatusCode::kFailedPrecondition, "not_an_epcis_repository",
                 path +
                     " is an SQLite database but not an EPCIS repository; give the "
                     "repository a file of its own (DIR/epcis.db)");
  }
  if (!fresh && version != kSchemaVersion) {
    return Error(StatusCode::kFailedPrecondition, "unsupported_format",
                 path + " has EPCIS repository schema version " + std::to_string(version) +
                     "; this entrepot reads version " + std::to_string(kSchemaVersion));
  }
  ENTREPOT_RETURN_IF_ERROR(db->Exec("PRAGMA journal_mode=WAL", "set WAL mode"));
  // Captured events are partner data that exists nowhere else once the capture is answered.
  ENTREPOT_RETURN_IF_ERROR(db->Exec("PRAGMA synchronous=FULL", "set synchronous"));
  // The follower stores thousands of events per transaction, each in the event table and
  // its indexes (event_id and the EPCs are random keys): with SQLite's default 2 MiB cache
  // the transaction's dirty pages spilled to the WAL before the commit and pages were read
  // back from the file again and again. A larger cache and rarer checkpoints write each
  // page once per transaction and copy it into the file less often.
  const std::string cache = "PRAGMA cache_size=-" + std::to_string(kWriterCacheKib) +
                            "; PRAGMA wal_autocheckpoint=" + std::to_string(kWalCheckpointPages);
  ENTREPOT_RETURN_IF_ERROR(db->Exec(cache.c_str(), "set the cache"));
  if (fresh) {
    // Schema and version in one transaction: a file either has both or neither.
    ENTREPOT_RETURN_IF_ERROR(db->Begin());
    const std::string create = std::string(kSchema) +
                               "PRAGMA application_id = " + std::to_string(kApplicationId) +
                               "; PRAGMA user_version = " + std::to_string(kSchemaVersion) + ";";
    Status status = db->Exec(create.c_str(), "create schema");
    if (status.ok()) {
      status = db->Commit();
    }
    if (!status.ok()) {
      db->Rollback();
      return status;
    }
  }
  return db;
}

StatusOr<std::unique_ptr<EpcisDb>> EpcisDb::OpenReader(const std::string& path) {
  ENTREPOT_ASSIGN_OR_RETURN(sqlite3 * raw, OpenConnection(path, SQLITE_OPEN_READWRITE));
  std::unique_ptr<EpcisDb> db(new EpcisDb(path, raw));
  ENTREPOT_RETURN_IF_ERROR(db->Exec("PRAGMA query_only=1", "set query_only"));
  return db;
}

Status EpcisDb::Begin() { return Exec("BEGIN IMMEDIATE", "begin"); }
Status EpcisDb::Commit() { return Exec("COMMIT", "commit"); }
void EpcisDb::Rollback() { (void)Exec("ROLLBACK", "roll back"); }

Status EpcisDb::InsertEpcs(const EventFacts& facts, int64_t position) {
  if (facts.epcs.empty()) {
    return OkStatus();
  }
  ENTREPOT_ASSIGN_OR_RETURN(
      Statement * insert,
      Cached::Get(db_, cached_->insert_epc,
                  "INSERT OR IGNORE INTO event_epc(epc, role, position) VALUES(?,?,?)"));
  for (const auto& [role, epc] : facts.epcs) {
    insert->Text(epc).Int(static_cast<int64_t>(role)).Int(position);
    ENTREPOT_RETURN_IF_ERROR(insert->Run());
    insert->Reset();
  }
  return OkStatus();
}

StatusOr<EpcisDb::InsertOutcome> EpcisDb::InsertCaptured(const NewEvent& event, int64_t job,
                                                         int64_t record_time_ms) {
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<StoredEvent> stored, FindEvent(event.event_id));
  if (stored) {
    return SameEventContent(event.body, stored->body) ? InsertOutcome::kSameContent
                                                      : InsertOutcome::kConflict;
  }
  ENTREPOT_ASSIGN_OR_RETURN(
      std::unique_ptr<Statement> insert,
      Statement::Prepare(
          db_,
          "INSERT INTO event(event_id, source, capture_job, seq, type, event_time_ms, "
          "record_time_ms, action, biz_step, disposition, read_point, biz_location, body, "
          "namespaces) VALUES(?,?,?,NULL,?,?,?,?,?,?,?,?,?,?)"));
  const EventFacts& facts = event.facts;
  insert->Text(event.event_id).Int(kCaptured).Int(job).Text(facts.type).Int(facts.event_time_ms);
  insert->Int(record_time_ms).Text(facts.action).Text(facts.biz_step).Text(facts.disposition);
  insert->Text(facts.read_point).Text(facts.biz_location).Text(event.body).Text(event.namespaces);
  ENTREPOT_RETURN_IF_ERROR(insert->Run());
  ENTREPOT_RETURN_IF_ERROR(InsertEpcs(facts, sqlite3_last_insert_rowid(db_)));
  return InsertOutcome::kInserted;
}

Status EpcisDb::InsertSite(const NewEvent& event, uint64_t seq, int64_t record_time_ms) {
  ENTREPOT_ASSIGN_OR_RETURN(
      Statement * insert,
      Cached::Get(db_, cached_->insert_site,
                  "INSERT OR IGNORE INTO event(event_id, source, capture_job, seq, type, "
                  "event_time_ms, record_time_ms, action, biz_step, disposition, read_point, "
                  "biz_location, body, namespaces) VALUES(?,?,NULL,?,?,?,?,?,?,?,?,?,?,?)"));
  const EventFacts& facts = event.facts;
  insert->Text(event.event_id).Int(kSite).Int(static_cast<int64_t>(seq)).Text(facts.type);
  insert->Int(facts.event_time_ms).Int(record_time_ms).Text(facts.action).Text(facts.biz_step);
  insert->Text(facts.disposition).Text(facts.read_point).Text(facts.biz_location);
  insert->Text(event.body).Text(event.namespaces);
  ENTREPOT_RETURN_IF_ERROR(insert->Run());
  const bool inserted = sqlite3_changes(db_) > 0;
  const int64_t position = sqlite3_last_insert_rowid(db_);
  insert->Reset();
  return inserted ? InsertEpcs(facts, position) : OkStatus();  // Or already stored.
}

StatusOr<int64_t> EpcisDb::InsertJob(const CaptureJob& job) {
  ENTREPOT_ASSIGN_OR_RETURN(
      std::unique_ptr<Statement> insert,
      Statement::Prepare(db_,
                         "INSERT INTO capture_job(created_ms, finished_ms, behaviour, state, "
                         "event_count, captured_count, duplicate_count, error_count, errors) "
                         "VALUES(?,?,?,?,?,?,?,?,?)"));
  insert->Int(job.created_ms).Int(job.finished_ms).Text(CaptureBehaviourName(job.behaviour));
  insert->Text(CaptureStateName(job.state)).Int(static_cast<int64_t>(job.event_count));
  insert->Int(static_cast<int64_t>(job.captured_count));
  insert->Int(static_cast<int64_t>(job.duplicate_count));
  insert->Int(static_cast<int64_t>(job.error_count)).Text(CaptureErrorsJson(job.errors).dump());
  ENTREPOT_RETURN_IF_ERROR(insert->Run());
  const int64_t id = sqlite3_last_insert_rowid(db_);
  ENTREPOT_ASSIGN_OR_RETURN(
      std::unique_ptr<Statement> prune,
      Statement::Prepare(db_, "DELETE FROM capture_job WHERE created_ms < ? OR id <= ?"));
  prune->Int(job.created_ms - kCaptureJobRetentionMs).Int(id - kMaxCaptureJobs);
  ENTREPOT_RETURN_IF_ERROR(prune->Run());
  return id;
}

Status EpcisDb::UpdateJob(int64_t id, const CaptureJob& job) {
  ENTREPOT_ASSIGN_OR_RETURN(
      std::unique_ptr<Statement> update,
      Statement::Prepare(db_,
                         "UPDATE capture_job SET finished_ms = ?, state = ?, captured_count = ?, "
                         "duplicate_count = ?, error_count = ?, errors = ? WHERE id = ?"));
  update->Int(job.finished_ms).Text(CaptureStateName(job.state));
  update->Int(static_cast<int64_t>(job.captured_count));
  update->Int(static_cast<int64_t>(job.duplicate_count));
  update->Int(static_cast<int64_t>(job.error_count))
      .Text(CaptureErrorsJson(job.errors).dump())
      .Int(id);
  return update->Run();
}

Status EpcisDb::ClearSiteEvents() {
  return Exec(
      "DELETE FROM event_epc WHERE position IN (SELECT position FROM event WHERE source = 1); "
      "DELETE FROM event WHERE source = 1;",
      "drop the site's events");
}

Status EpcisDb::SetMeta(std::string_view key, int64_t value) {
  ENTREPOT_ASSIGN_OR_RETURN(Statement * set,
                            Cached::Get(db_, cached_->set_meta,
                                        "INSERT INTO meta(key, value) VALUES(?,?) ON "
                                        "CONFLICT(key) DO UPDATE SET value = excluded.value"));
  set->Text(key).Int(value);
  Status status = set->Run();
  set->Reset();
  return status;
}

StatusOr<int64_t> EpcisDb::GetMeta(std::string_view key) {
  ENTREPOT_ASSIGN_OR_RETURN(std::unique_ptr<Statement> get,
                            Statement::Prepare(db_, "SELECT value FROM meta WHERE key = ?"));
  get->Text(key);
  ENTREPOT_ASSIGN_OR_RETURN(bool row, get->Next());
  return row ? get->ColumnInt(0) : 0;
}

StatusOr<std::optional<StoredEvent>> EpcisDb::FindEvent(std::string_view event_id) {
  ENTREPOT_ASSIGN_OR_RETURN(
      std::unique_ptr<Statement> find,
      Statement::Prepare(db_,
                         "SELECT position, record_time_ms, body, namespaces FROM event "
                         "WHERE event_id = ?"));
  find->Text(event_id);
  ENTREPOT_ASSIGN_OR_RETURN(bool row, find->Next());
  if (!row) {
    return std::optional<StoredEvent>();
  }
  return std::optional<StoredEvent>(StoredEvent{static_cast<uint64_t>(find->ColumnInt(0)),
                                                find->ColumnInt(1), find->ColumnText(2),
                                                find->ColumnText(3)});
}

StatusOr<std::optional<CaptureJob>> EpcisDb::FindJob(int64_t id) {
  ENTREPOT_ASSIGN_OR_RETURN(
      std::unique_ptr<Statement> find,
      Statement::Prepare(db_,
                         "SELECT created_ms, finished_ms, behaviour, state, event_count, "
                         "captured_count, duplicate_count, error_count, errors FROM capture_job "
                         "WHERE id = ?"));
  find->Int(id);
  ENTREPOT_ASSIGN_OR_RETURN(bool row, find->Next());
  if (!row) {
    return std::optional<CaptureJob>();
  }
  CaptureJob job;
  job.id = std::to_string(id);
  job.created_ms = find->ColumnInt(0);
  job.finished_ms = find->ColumnInt(1);
  StatusOr<CaptureBehaviour> behaviour = ParseCaptureBehaviour(find->ColumnText(2));
  job.behaviour = behaviour.ok() ? *behaviour : CaptureBehaviour::kRollback;
  job.state = CaptureStateOfName(find->ColumnText(3));
  job.event_count = static_cast<size_t>(find->ColumnInt(4));
  job.captured_count = static_cast<size_t>(find->ColumnInt(5));
  job.duplicate_count = static_cast<size_t>(find->ColumnInt(6));
  job.error_count = static_cast<size_t>(find->ColumnInt(7));
  job.errors = CaptureErrorsOfJson(find->ColumnText(8));
  return std::optional<CaptureJob>(std::move(job));
}

StatusOr<std::vector<int64_t>> EpcisDb::JobIds() {
  ENTREPOT_ASSIGN_OR_RETURN(std::unique_ptr<Statement> select,
                            Statement::Prepare(db_, "SELECT id FROM capture_job ORDER BY id"));
  std::vector<int64_t> ids;
  while (true) {
    ENTREPOT_ASSIGN_OR_RETURN(bool row, select->Next());
    if (!row) {
      return ids;
    }
    ids.push_back(select->ColumnInt(0));
  }
}

Status EpcisDb::EachCaptured(const std::function<Status(int64_t job, const StoredEvent&)>& visit) {
  ENTREPOT_ASSIGN_OR_RETURN(
      std::unique_ptr<Statement> select,
      Statement::Prepare(db_,
                         "SELECT position, capture_job, record_time_ms, body, namespaces FROM "
                         "event WHERE source = ? ORDER BY position"));
  select->Int(kCaptured);
  while (true) {
    ENTREPOT_ASSIGN_OR_RETURN(bool row, select->Next());
    if (!row) {
      return OkStatus();
    }
    const StoredEvent event{static_cast<uint64_t>(select->ColumnInt(0)), select->ColumnInt(2),
                            select->ColumnText(3), select->ColumnText(4)};
    ENTREPOT_RETURN_IF_ERROR(visit(select->ColumnInt(1), event));
  }
}

StatusOr<EpcisDb::Selection> EpcisDb::SelectEvents(const EventQuery& query, size_t max_bytes) {
  std::vector<Value> binds;
  const std::string sql = SelectSql(query, binds);
  ENTREPOT_ASSIGN_OR_RETURN(std::unique_ptr<Statement> select, Statement::Prepare(db_, sql));
  for (const Value& value : binds) {
    select->Bind(value);
  }
  const size_t limit = static_cast<size_t>(query.per_page);
  select->Int(query.per_page + 1);  // One more tells whether a next page exists.
  Selection selection;
  size_t bytes = 0;
  while (true) {
    ENTREPOT_ASSIGN_OR_RETURN(bool row, select->Next());
    if (!row) {
      break;
    }
    if (selection.events.size() >= limit || bytes >= max_bytes) {
      selection.more = true;
      break;
    }
    selection.events.push_back(StoredEvent{static_cast<uint64_t>(select->ColumnInt(0)),
                                           select->ColumnInt(1), select->ColumnText(2),
                                           select->ColumnText(3)});
    bytes += selection.events.back().body.size() + selection.events.back().namespaces.size();
  }
  return selection;
}

}  // namespace entrepot::server::internal
