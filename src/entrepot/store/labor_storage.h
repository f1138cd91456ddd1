// File: labor_storage.h
//
// LaborStorage: where a LaborStore (labor_store.h) keeps its rows. What the labor stream
// means (validation, the day and week keys and the pseudonyms computed with them, the roll-up,
// k-anonymity and differencing, the order of commit, scrub and key destruction) is
// LaborStore's and the same for every backend; a backend only stores and reads rows:
//  - SQLite: DIR/labor.db (OpenSqliteLaborStorage, sqlite_labor_storage.cc), scrubbed after
//    each deletion (secure_delete, VACUUM, WAL truncate);
//  - PostgreSQL: the site's rows of the entrepot_labor_* tables (postgres_labor_store.h), so
//    that the nodes that fail over for a site share one labor stream. PostgreSQL keeps deleted
//    rows for a while (dead tuples, WAL, replicas, backups) and has no scrub: there the
//    guarantee rests on the keys alone, which are never rows (docs/LABOR.md).
// No row a backend stores links a labor event to a worker without a key: sessions carry the
// day pseudonym, weekly rows the week pseudonym, team-week rows a team token; the rota and
// the team leads hold worker ids but no event.
// For backends and `entrepot migrate` only: callers use LaborStore.
//
// Days and weeks are passed as their text ("2026-05-04", a week by its Monday). Not
// thread-safe: LaborStore calls every method under its mutex. Errors: kUnavailable
// "labor_unavailable", kDataLoss "labor_corrupt", kInternal "labor_error" (and for
// PostgreSQL kPermissionDenied "labor_permission_denied").
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "entrepot/base/status.h"
#include "entrepot/privacy/labor_aggregate.h"
#include "entrepot/privacy/labor_pseudonym.h"
#include "entrepot/store/labor_keys.h"
#include "entrepot/store/labor_store.h"

namespace entrepot::store {

// The rows of each table as stored, for the copy of a whole store (entrepot migrate) and for
// the reads below.
struct LaborSessionRow {
  int64_t id = 0;  // Ignored by InsertSession (the backend numbers sessions).
  std::string day;
  std::string device;
  privacy::Pseudonym pseudonym{};  // The day pseudonym.
  int64_t start_ms = 0;
  std::optional<int64_t> end_ms;  // Absent while open.
  bool carried = false;           // Carried over from the day before (a night shift).
};
struct LaborScanRow {
  int64_t session_id = 0;
  std::string process;
  std::string zone;
  std::string outcome;
  int64_t units = 0;
  int64_t at_ms = 0;
};
struct LaborRotaRow {
  std::string day;
  LaborAssignment line;
};
// kind: LaborStore's (units per process, errors per cause, time per zone, team).
struct LaborWeeklyRow {
  std::string week;
  privacy::Pseudonym member{};  // The week pseudonym.
  int64_t kind = 0;
  std::string name;
  int64_t value = 0;
};
struct LaborTeamWeekRow {
  std::string week;
  std::string team;
  std::string shift;
  std::string process;
  std::string zone;
  uint64_t member = 0;  // The team token (privacy::TeamMemberOf).
  int64_t units = 0;
  int64_t errors = 0;
  int64_t ms = 0;
};
struct LaborTeamLeadRow {
  std::string week;
  std::string team;
  int64_t worker_id = 0;
};
struct LaborHistoryRow {
  std::string scope;  // "day" or "week".
  std::string period;
  std::string requester;
  int64_t seq = 0;
  std::vector<uint8_t> cohort;  // As LaborStore encodes it.
};
struct LaborRows {
  std::vector<std::string> closed_days;
  std::vector<LaborSessionRow> sessions;  // With their ids, which the scans name.
  std::vector<LaborScanRow> scans;
  std::vector<LaborRotaRow> rota;
  std::vector<LaborWeeklyRow> weekly;
  std::vector<LaborTeamWeekRow> team_weeks;
  std::vector<LaborTeamLeadRow> team_leads;
  std::vector<std::string> keys_to_destroy;
  std::vector<LaborHistoryRow> history;
};

// Per outcome class of a worker's scans of a day: how many, and their units.
struct LaborOutcomeCount {
  std::string outcome;
  int64_t scans = 0;
  int64_t units = 0;
};
// A day's accepted units and errors per day pseudonym, zone and process.
struct LaborDayFact {
  privacy::Pseudonym pseudonym{};
  std::string zone;
  std::string process;
  int64_t units = 0;
  int64_t errors = 0;
};

class LaborStorage {
 public:
  virtual ~LaborStorage() = default;

  // Where the rows are, for messages: a file path, or "postgresql://HOST/DB site CODE".
  virtual const std::string& location() const = 0;

  // One transaction: Begin, the calls, then Commit, or Rollback when one failed. Not nested.
  virtual Status Begin() = 0;
  virtual Status Commit() = 0;
  virtual void Rollback() = 0;

  // --- Days and their events ---------------------------------------------------------
  virtual StatusOr<bool> IsClosed(const std::string& day) = 0;
  // Returns the new session's id.
  virtual StatusOr<int64_t> InsertSession(const LaborSessionRow& session) = 0;
  // Ends the session open on `device`, if any, at max(at_ms, its start).
  virtual Status EndSession(std::string_view device, int64_t at_ms) = 0;
  // Adds `scan` (its session_id ignored) to the session open on `device`; false, adding
  // nothing, when none is open.
  virtual StatusOr<bool> AddScan(std::string_view device, const LaborScanRow& scan) = 0;
  // Adds `scan` to the session scan.session_id (the copy of a store).
  virtual Status InsertScan(const LaborScanRow& scan) = 0;
  // The days that hold sessions or a rota.
  virtual StatusOr<std::vector<std::string>> EventDays() = 0;
  // Each session of `day` (by id) with each of its scans (by time), a session without scans
  // once with none: the roll-up's reading.
  virtual Status EachDayEvent(
      const std::string& day,
      const std::function<Status(const LaborSessionRow&, const LaborScanRow*)>& visit) = 0;
  // The scans of `pseudonym` on `day` per outcome class.
  virtual StatusOr<std::vector<LaborOutcomeCount>> OutcomesOf(
      const std::string& day, const privacy::Pseudonym& pseudonym) = 0;
  // The process and zone of the last scan of the open session of `pseudonym` ("" and "" for
  // a session without scans); nullopt without an open session.
  virtual StatusOr<std::optional<CurrentTask>> CurrentTaskOf(
      const std::string& day, const privacy::Pseudonym& pseudonym) = 0;
  virtual StatusOr<std::vector<OwnSession>> SessionsOf(const std::string& day,
                                                       const privacy::Pseudonym& pseudonym) = 0;
  // Oldest first, at most `limit`.
  virtual StatusOr<std::vector<OwnScan>> ScansOf(const std::string& day,
                                                 const privacy::Pseudonym& pseudonym,
                                                 size_t limit) = 0;
  virtual StatusOr<std::vector<LaborDayFact>> DayFacts(const std::string& day) = 0;

  // --- Rota ------------------------------------------------------------------------------
  virtual Status ReplaceRota(const std::string& day, std::span<const LaborAssignment> rota) = 0;
  virtual StatusOr<std::optional<LaborAssignment>> AssignmentOf(const std::string& day,
                                                                int64_t worker_id) = 0;
  virtual StatusOr<std::vector<LaborAssignment>> Rota(const std::string& day) = 0;  // By id.

  // --- Weeks -----------------------------------------------------------------------------
  // Adds row.value to the stored value (a new row holds it).
  virtual Status AddWeekly(const LaborWeeklyRow& row) = 0;
  // Stores the row unless one with its key exists (value unchanged).
  virtual Status KeepWeekly(const LaborWeeklyRow& row) = 0;
  // Adds units, errors and ms to the stored row.
  virtual Status AddTeamWeek(const LaborTeamWeekRow& row) = 0;
  virtual Status AddTeamLead(const LaborTeamLeadRow& row) = 0;
  // The team-week rows of the weeks from_week..to_week that match the filters of `query`
  // (team, shift, process, zone; unset: any).
  virtual Status EachTeamWeek(const std::string& from_week, const std::string& to_week,
                              const privacy::AggregateQuery& query,
                              const std::function<Status(const LaborTeamWeekRow&)>& visit) = 0;
  // The weekly rows of `member` in `week`, by kind and name.
  virtual StatusOr<std::vector<LaborWeeklyRow>> WeeklyOf(const std::string& week,
                                                         const privacy::Pseudonym& member) = 0;
  // The teams `worker_id` led in `week`, sorted.
  virtual StatusOr<std::vector<std::string>> TeamsLedBy(const std::string& week,
                                                        int64_t worker_id) = 0;
  // The teams `lead_id` led in `week` that `member` has a weekly row of kind `team_kind` for.
  virtual StatusOr<std::vector<std::string>> TeamsLedFor(const std::string& week, int64_t lead_id,
                                                         const privacy::Pseudonym& member,
                                                         int64_t team_kind) = 0;
  // The weeks that hold weekly, team-week or team-lead rows.
  virtual StatusOr<std::vector<std::string>> StoredWeeks() = 0;

  // --- End of a day or week --------------------------------------------------------------
  // Deletes the day's scans, sessions, rota and differencing history, records it closed and
  // `key_name` as to destroy (and, for SQLite, that a scrub is owed).
  virtual Status CloseDay(const std::string& day, const std::string& key_name) = 0;
  // Deletes the week's weekly, team-week and team-lead rows and records `key_name` as to
  // destroy (and a scrub owed).
  virtual Status ExpireWeek(const std::string& week, const std::string& key_name) = 0;
  virtual StatusOr<std::vector<std::string>> KeysToDestroy() = 0;  // Sorted.
  virtual Status RecordKeyToDestroy(const std::string& name) = 0;
  virtual Status ForgetKeyToDestroy(const std::string& name) = 0;
  // Whether a committed deletion still waits for Scrub().
  virtual StatusOr<bool> ScrubPending() = 0;
  // Erases what deletions left where the backend can reach it. SQLite: VACUUM and WAL
  // truncate, kUnavailable "scrub_incomplete" when another connection kept the WAL.
  // PostgreSQL: nothing (dead tuples, WAL and backups are out of reach: the keys carry the
  // guarantee).
  virtual Status Scrub() = 0;

  // --- Differencing history (AGG-02) -----------------------------------------------------
  // Deletes the history of `scope` whose period is not `period`.
  virtual Status DropHistoryExcept(const std::string& scope, const std::string& period) = 0;
  // Deletes the history of `scope` whose period is before `period`.
  virtual Status DropHistoryBefore(const std::string& scope, const std::string& period) = 0;
  // By requester, then seq.
  virtual StatusOr<std::vector<LaborHistoryRow>> History(const std::string& scope,
                                                         const std::string& period) = 0;
  // Appends `cohorts` to the requester's history after the last seq.
  virtual Status AppendHistory(const std::string& scope, const std::string& period,
                               const std::string& requester,
                               std::span<const std::vector<uint8_t>> cohorts) = 0;

  // --- Copy (entrepot migrate) -----------------------------------------------------------
  virtual StatusOr<LaborRows> ReadAll() = 0;
  // Whether the store holds no row (a differencing history aside).
  virtual StatusOr<bool> IsEmpty() = 0;
};

struct LaborCopyReport {
  int64_t sessions = 0;
  int64_t scans = 0;
  int64_t weekly_rows = 0;  // Weekly and team-week rows.
};
// Copies every row of `from` into `to` in one transaction of `to`, sessions numbered anew
// and their scans following them (entrepot migrate). The keys are not rows: the key
// directory must be copied or shared apart. Errors: kFailedPrecondition "labor_not_empty"
// (`to` holds rows; nothing is written); kDataLoss "labor_corrupt" (a scan of no session);
// the storages' errors.
StatusOr<LaborCopyReport> CopyLaborRows(LaborStorage& from, LaborStorage& to);

// DIR/labor.db in `dir` (created when missing, mode 0600), its schema brought to
// LaborStore::kSchemaVersion (older files keep their keys in tables: they are moved to
// `keys`). Errors as LaborStore::Open.
StatusOr<std::unique_ptr<LaborStorage>> OpenSqliteLaborStorage(const std::filesystem::path& dir,
                                                               const LaborKeyDir& keys,
                                                               int busy_timeout_ms);

// The shared wording of the reasons.
Status LaborCorrupt(const std::string& what);
Status LaborNotEmpty(const std::string& location);
// A stored pseudonym, kDataLoss "labor_corrupt" unless it has the pseudonym's size.
StatusOr<privacy::Pseudonym> StoredPseudonym(std::span<const uint8_t> bytes);

}  // namespace entrepot::store
