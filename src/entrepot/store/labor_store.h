// File: labor_store.h
//
// LaborStore: the labor stream, the only place where a device session is linked to a worker,
// and only under a day pseudonym (docs/LABOR.md). Its rows are in DIR/labor.db (SQLite) or,
// for a site served from PostgreSQL, in the site's rows of the entrepot_labor_* tables
// (postgres_labor_store.h); labor_storage.h is the split between the two. The keys are never
// rows: one random 32-byte key per labor day and per kept ISO week, each in a file of the key
// directory (DIR/labor-keys/ by default, store/labor_keys.h), so that the rows or a backup of
// them link nobody without that directory (RET-01, AGG-04). The rows hold:
//   - labor events: device sessions (device, day pseudonym, start, end) and the scans made
//     in them (process, zone, outcome class, units, time). No worker id is ever stored with
//     an event; operational events never carry the pseudonym (RET-01);
//   - the day's rota (assignments: worker id -> team, shift, zone, supervisor or not), which
//     scopes the supervisor's real-time view (ACC-01) and gives aggregates their team and
//     shift; it is deleted with the day's events;
//   - weekly per-worker aggregates under a week pseudonym (IND-08, RET-02);
//   - team leads: per ISO week, the teams each supervisor led (the supervisor lines of the
//     rolled-up days' rota), and under the week pseudonym the teams each worker was in:
//     they decide which weeks a line manager may read (ACC-02, scope own_team) and expire
//     with the week (RET-02);
//   - team-week rows: per ISO week, team, shift, process and zone, each worker's units,
//     errors and time under a member token derived from the week key (privacy::TeamMemberOf),
//     never a worker id; they feed k-anonymous weekly aggregates and the standard-vs-actual
//     comparison (IND-06, AGG-01, AGG-02) and expire with the week (RET-02).
//
// End of day: RollUpDay() adds the day's totals to each worker's weekly aggregate, deletes
// the day's events and rota and records the day key as to be destroyed (keys_to_destroy),
// in one transaction; then scrubs labor.db (secure_delete, VACUUM, WAL checkpoint TRUNCATE)
// so that no raw event survives in a table, a free page or a WAL frame (PostgreSQL has no
// such scrub: deleted rows linger in dead tuples, WAL and backups, and the keys alone carry
// the guarantee); then destroys the day key's file: the day becomes unlinkable
// (crypto-shredding). A crash between these steps
// is finished by the next Open (scrub, then destroy the recorded keys); a crash before the
// commit leaves the day whole, key and events, for the next roll-up. Expire() does the same
// for weeks past the policy's retention.
//
// Access decisions by role are the caller's (the API, from the policy's [[access]] grants);
// this class enforces what it can see: today only and own shift and zone for the real-time
// view (IND-04, ACC-01), the purpose of real-time reads (GOV-02), k-anonymity and
// differencing on aggregates (AGG-01, AGG-02). It reads no clock: `today` is a parameter.
// Thread safety: every public method may be called from any thread; calls are serialised
// by one mutex (the server's recorder thread, network threads and end-of-day job share one
// store), so a roll-up's scrub holds the others for its duration. One LaborStore per file,
// or per site of a PostgreSQL database on its active node.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "entrepot/base/status.h"
#include "entrepot/privacy/labor_aggregate.h"
#include "entrepot/privacy/labor_pseudonym.h"
#include "entrepot/privacy/labor_rollup.h"
#include "entrepot/privacy/policy.h"

namespace entrepot::store {

class LaborStorage;

using privacy::Date;

inline constexpr std::string_view kLaborFileName = "labor.db";
// The default key directory, beside labor.db (LaborStoreOptions::key_dir).
inline constexpr std::string_view kLaborKeyDirName = "labor-keys";
inline constexpr size_t kMaxAssignmentsPerDay = 50'000;
inline constexpr size_t kMaxRollUpWorkerIds = 200'000;
// Scans recorded by one RecordScans call (one transaction).
inline constexpr size_t kMaxScansPerBatch = 10'000;
// Scans listed by one WorkerDay answer; beyond, the list is cut and `truncated` is set.
inline constexpr size_t kMaxOwnDayScans = 20'000;
// ISO weeks one weekly aggregate query may span (the retention caps it further).
inline constexpr int64_t kMaxWeeklyQueryWeeks = 53;

struct LaborStoreOptions {
  // Where day and week keys come from; nullptr: libsodium (privacy::DefaultKeySource()).
  // Tests inject known keys. Must outlive the store.
  privacy::KeySource* key_source = nullptr;
  int busy_timeout_ms = 5000;
  // The directory of the day and week key files (labor_keys.h); empty: DIR/labor-keys.
  // Keep it off the backups of labor.db (docs/LABOR.md).
  std::filesystem::path key_dir{};
};

// One line of the day's rota.
struct LaborAssignment {
  int64_t worker_id = 0;
  std::string team;
  std::string shift;
  std::string zone;
  bool supervisor = false;
};

// What a supervisor asks for: a day, a shift and a zone, for a purpose (GOV-02).
struct RealtimeRequest {
  Date day;
  std::string shift;
  std::string zone;
  privacy::Purpose purpose = privacy::Purpose::kFlowManagement;
};

// The process and zone of the worker's last scan in an open session; no device id (a device
// is never joined to a person outside this store).
struct CurrentTask {
  std::string process;  // "" when the session has no scan yet.
  std::string zone;
};

// IND-04, IND-05: one worker of the supervisor's shift and zone, today.
struct WorkerToday {
  int64_t worker_id = 0;
  int64_t units = 0;                                // Units of accepted scans today.
  std::optional<CurrentTask> current_task;          // Absent when no session is open.
  std::map<std::string, int64_t> errors_per_cause;  // Empty when the policy unlinks errors.
};

// IND-08: a worker's aggregate for one ISO week.
struct WorkerWeek {
  Date week_start;
  std::string iso_week;  // "2026-W19".
  privacy::WorkerTotals totals;
  // The teams the worker was in that week (rota lines without supervisor, on days with
  // attributed activity), sorted; what makes a team's lead their line manager (ACC-02).
  std::vector<std::string> teams;
  // The teams the worker led that week (rota lines with supervisor = true), sorted.
  std::vector<std::string> teams_led;
};

// One committed scan for RecordScans (see RecordScan for the fields).
struct LaborScan {
  std::string device;
  std::string process;
  std::string zone;
  std::string outcome_class;
  int64_t units = 0;
  int64_t at_ms = 0;
};

// What RecordScans did with its scans; recorded + no_session + rejected = the batch size.
struct LaborScanBatchResult {
  int64_t recorded = 0;
  int64_t no_session = 0;  // Nobody signed in on the device: not recorded.
  int64_t rejected = 0;    // A field RecordScan refuses ("bad_label", "bad_units"): skipped.
};

// DSR-01 (GDPR Art. 15): what the store holds today about one worker, for that worker.
struct OwnScan {
  int64_t at_ms = 0;
  std::string process;
  std::string zone;
  std::string outcome_class;
  int64_t units = 0;
};
struct OwnSession {
  int64_t start_ms = 0;
  std::optional<int64_t> end_ms;  // Absent while open.
};
struct OwnLaborDay {
  WorkerToday today;                 // errors_per_cause always filled: it is the worker's own.
  std::vector<OwnSession> sessions;  // Oldest first; no device (RET-01).
  std::vector<OwnScan> scans;        // Oldest first, at most kMaxOwnDayScans.
  bool truncated = false;            // More scans than kMaxOwnDayScans were held.
};

// A query over the team-week rows of the ISO weeks from `from` to `to` (any day of each).
struct WeeklyQuery {
  Date from;
  Date to;
  privacy::AggregateQuery query;
  // Null: every process, figures units, errors, time. Otherwise only the processes with a
  // standard, and each cell also carries standard_ms (standard vs actual).
  const privacy::ProcessStandards* standards = nullptr;
};

struct WeeklyAnswer {
  Date from_week;                      // Monday of the first week.
  Date to_week;                        // Monday of the last week.
  std::vector<Date> weeks_kept;        // Weeks of the range still kept (rolled up, not expired).
  privacy::AggregateAnswer aggregate;  // workers = worker-weeks; ms = attributed time.
};

struct RollUpReport {
  Date day;
  int64_t sessions = 0;
  int64_t scans = 0;
  int64_t workers = 0;                // Workers whose weekly aggregate received totals.
  int64_t unattributed_sessions = 0;  // Pseudonyms matching none of the worker ids: dropped.
  // The day's key file was gone (lost or removed by hand): none of its sessions could be
  // linked to a worker, and all are counted unattributed.
  bool day_key_missing = false;
  // Attributed sessions still open at the roll-up, carried over into the next day (a night
  // shift): they go on on the same device under the next day's pseudonym.
  int64_t sessions_carried_over = 0;
};

class LaborStore {
 public:
  using Options = LaborStoreOptions;
  // The schema of labor.db (PostgreSQL's is PostgresJournal::kSchemaVersion). 2: team-week
  // rows; 3: team leads; 4: keys in files, not in labor.db (older files are
  // upgraded at Open: their keys move to the key directory and are scrubbed from labor.db).
  static constexpr int64_t kSchemaVersion = 4;
  static constexpr int32_t kApplicationId = 0x454C4252;  // "ELBR".

  // Opens DIR/labor.db and the key directory (options.key_dir), creating them (and not DIR)
  // when missing; finishes a roll-up or expiry a crash interrupted (the scrub, then the
  // destruction of the keys it recorded). `policy` gives retention, k and the real-time
  // settings. Errors:
  // kNotFound "labor_dir_not_found"; kUnavailable "labor_unavailable"; kDataLoss
  // "labor_corrupt" (not a labor file); kFailedPrecondition "labor_schema_too_new".
  static StatusOr<std::unique_ptr<LaborStore>> Open(const std::filesystem::path& dir,
                                                    const privacy::Policy& policy,
                                                    Options options = {});
  // The same over the rows of `storage` (labor_storage.h; PostgreSQL: postgres_labor_store.h)
  // and the key directory options.key_dir (created when missing). REQUIRES: options.key_dir
  // is not empty. Errors: "labor_unavailable" (the key directory); the storage's.
  static StatusOr<std::unique_ptr<LaborStore>> Open(std::unique_ptr<LaborStorage> storage,
                                                    const privacy::Policy& policy, Options options);
  ~LaborStore();
  LaborStore(const LaborStore&) = delete;
  LaborStore& operator=(const LaborStore&) = delete;

  // --- Labor events (record at badge sign-in/out and per committed scan) ---------------
  // Opens a session of `worker_id` on `device` for labor day `day`, under the day's
  // pseudonym (the day key is created on first use). Ends any session still open on the
  // device at `at_ms`. Errors: kInvalidArgument "bad_label"; kFailedPrecondition
  // "day_closed" (the day was rolled up); store errors as Open.
  Status StartSession(const Date& day, std::string_view device, int64_t worker_id, int64_t at_ms);
  // Ends the session open on `device`, if any (idempotent). Errors: "bad_label"; store.
  Status EndSession(std::string_view device, int64_t at_ms);
  // Records a committed scan of `device` in its open session. Returns false, storing
  // nothing, when no session is open on the device. `zone` may be "" (no zone);
  // `outcome_class` is privacy::kOutcomeOk or an error cause. Errors: kInvalidArgument
  // "bad_label", "bad_units" (units < 0 or > privacy::kMaxUnitsPerScan); store errors.
  StatusOr<bool> RecordScan(std::string_view device, std::string_view process,
                            std::string_view zone, std::string_view outcome_class, int64_t units,
                            int64_t at_ms);
  // RecordScan for each of `scans`, in order, in one transaction (the server's recorder
  // batches committed scans). A scan with a field RecordScan refuses is skipped and counted,
  // not an error: one bad record must not lose its neighbours. Errors: kResourceExhausted
  // "too_many_scans" (over kMaxScansPerBatch; nothing recorded); store errors (nothing
  // recorded).
  StatusOr<LaborScanBatchResult> RecordScans(std::span<const LaborScan> scans);

  // --- Rota ------------------------------------------------------------------------------
  // Replaces the rota of `day`. Errors: "bad_label" (team, shift or zone), kInvalidArgument
  // "duplicate_assignment" (a worker twice); kResourceExhausted "too_many_assignments"
  // (over kMaxAssignmentsPerDay); "day_closed"; store errors.
  Status SetAssignments(const Date& day, std::span<const LaborAssignment> assignments);

  // --- Real-time individual view (IND-04, IND-05, ACC-01) --------------------------------
  // The workers (not supervisors) of `request.shift` and `request.zone` today, for the
  // supervisor `supervisor_id`. Errors: kFailedPrecondition "indicator_disabled" (the
  // policy turns the real-time view off); kPermissionDenied "purpose_not_allowed" (GOV-02),
  // "not_today" (request.day != today: IND-04), "not_assigned" (the supervisor is not in
  // today's rota), "not_a_supervisor", "other_shift", "other_zone" (ACC-01); store errors.
  StatusOr<std::vector<WorkerToday>> SupervisorView(const Date& today, int64_t supervisor_id,
                                                    const RealtimeRequest& request);

  // --- The worker's own data (DSR-01) ----------------------------------------------------
  // What `day` holds about `worker_id`: today's totals (units, current task, errors per
  // cause whatever link_quality_errors says: the data is the worker's own), the worker's
  // sessions and scans. Empty when the day holds no key (nobody signed in, or rolled up: the
  // raw events are then unlinkable). Access is the caller's decision (the worker alone).
  // Errors: store errors.
  StatusOr<OwnLaborDay> WorkerDay(const Date& day, int64_t worker_id);

  // --- Aggregates (IND-06, AGG-01, AGG-02) -----------------------------------------------
  // Group figures over today's events, with team and shift from today's rota (workers not in
  // it count under team and shift ""). The differencing history is per requester and is
  // cleared when `today` changes and at today's roll-up; it is kept with the rows (table
  // query_history) and loaded back after a restart, so a restarted store refuses what the
  // history refused before (AGG-02). Errors as
  // privacy::QueryGuard::Answer; "bad_label" for a filter value; store errors.
  StatusOr<privacy::AggregateAnswer> QueryAggregates(const Date& today, std::string_view requester,
                                                     const privacy::AggregateQuery& query);

  // --- Team aggregates over weeks (IND-06, AGG-01, AGG-02, AGG-03) ----------------------
  // Group figures over the team-week rows of `query.from`..`query.to`, with the same
  // k-anonymity, differencing and suppression as QueryAggregates. Members are week tokens,
  // so a worker of several weeks is one member per week: `workers` counts worker-weeks, and
  // a cell is answered only when one of its weeks holds at least k distinct workers. The
  // differencing history (separate from today's) is per requester, lives for the ISO week
  // of `today` and is kept with the rows like today's. Errors: kInvalidArgument "bad_week_range"
  // (from after to, or more weeks than kMaxWeeklyQueryWeeks or the retention keeps), "bad_label" (a
  // filter), "bad_standard"; errors of privacy::QueryGuard::Answer; store errors.
  StatusOr<WeeklyAnswer> QueryWeekly(const Date& today, std::string_view requester,
                                     const WeeklyQuery& query);

  // --- End of day (RET-01, RET-02, IND-08) -----------------------------------------------
  // Rolls `day` up: adds each worker's totals to their weekly aggregate and their activity
  // to the team-week rows (team and shift from the day's rota, "" without), records the
  // week's team leads and each worker's team of the day (ACC-02), deletes the day's
  // sessions, scans and rota, scrubs the file, then destroys the day key's file.
  // `worker_ids` are the workers who may have worked (all accounts of the site); today's rota
  // is added to them. Sessions still open are closed at their last event; those of a worker
  // found in `worker_ids` go on in the next day (a night shift), from that event, on the
  // same device, under the worker's pseudonym of the next day; a carried session counts from
  // its first scan (without one, not at all) and is not carried again (a sign-in forgotten
  // on a device ends there). Without a day key file the sessions are counted unattributed
  // (report.day_key_missing). Errors:
  // kFailedPrecondition "day_already_rolled_up"; kResourceExhausted "too_many_workers" (over
  // kMaxRollUpWorkerIds); kUnavailable "scrub_incomplete" (the roll-up is committed and the
  // key destroyed, but another connection kept the WAL from being truncated: call Scrub()
  // again); store errors (after the commit, a key that could not be destroyed is destroyed
  // by the next roll-up, expiry or Open).
  StatusOr<RollUpReport> RollUpDay(const Date& day, std::span<const int64_t> worker_ids);
  // Rolls up every day holding a key or events that is at least the policy's
  // retention.labor_events_days old (capped at 7, RET-01), oldest first, including a day
  // that a roll-up carried a session over into.
  StatusOr<std::vector<RollUpReport>> RollUpDue(const Date& today,
                                                std::span<const int64_t> worker_ids);
  // Deletes the weekly aggregates, team-week rows and team leads of every week whose
  // privacy::WeekExpiryDay(week, retention.worker_weekly_weeks) <= today, scrubs, then
  // destroys the week key files. A week counts whether its rows or its key remain.
  // Returns the number of weeks expired. Errors: "scrub_incomplete"; store errors.
  StatusOr<int64_t> Expire(const Date& today);
  // VACUUM and WAL checkpoint (TRUNCATE): erases deleted rows from free pages and the WAL.
  // Errors: "scrub_incomplete"; store errors.
  Status Scrub();

  // --- Weekly aggregates (IND-08; who may read them is the caller's decision: ACC-02) ----
  // The aggregate of `worker_id` for the ISO week containing `any_day` (empty totals when
  // the worker has none that week), with the teams they were in and led. Errors: kNotFound
  // "week_not_kept" (no key: never rolled up or expired); store errors.
  StatusOr<WorkerWeek> WeeklyForWorker(int64_t worker_id, const Date& any_day);
  // ACC-02, scope own_team: the teams that `lead_id` led (a rota line with supervisor = true)
  // and that `worker_id` was in (a line without) during the ISO week containing `any_day`,
  // as the roll-ups of its days recorded them; sorted, empty when they share none (the lead
  // is then not the worker's line manager that week). Errors: kNotFound "week_not_kept";
  // store errors.
  StatusOr<std::vector<std::string>> TeamsLedFor(int64_t lead_id, int64_t worker_id,
                                                 const Date& any_day);

  // Days that still hold a key or events (not yet rolled up), oldest first.
  StatusOr<std::vector<Date>> OpenDays();

 private:
  struct Impl;
  explicit LaborStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace entrepot::store
