// File: labor_recorder.h
//
// The server's side of the labor stream (docs/LABOR.md, "Wiring"):
//
//  - ScanZones and LaborScanOf: what a committed journal entry means for the labor stream
//    (device, process, zone, outcome class, units, time). Pure: no I/O, no clock.
//  - LaborRecorder: receives the committed records from the engine's commit listener and
//    badge sign-in/out from the API, in one bounded queue, and returns at once; a background
//    thread decodes the entries and writes them to store::LaborStore in batches (one
//    transaction each, gathered for up to batch_interval). Labor data is not the truth of the
//    stock: when the queue is full, what does not fit is dropped, counted and logged, and scanning
//    never waits (the journal stays whole; the labor stream then misses those scans).
//  - RunLaborRetention and LaborRetentionJob: the end-of-day job (RET-01, RET-02). Every
//    hour, and just after each local midnight, it rotates the sign-in key of the account
//    store's device sessions (AccountStore::RotateSessionKey), rolls up the days due
//    (RollUpDue) and expires weeks past retention (Expire), logs what it did and writes a
//    system audit record for each roll-up and expiry.
//  - SignInKeyDir: the sign-in keys that seal the device sessions (auth/session_keys.h), as
//    files "signin-<labor day>.key" of the labor key directory, beside the day keys.
//
// Why sign-in and sign-out go through the recorder's queue: a scan is published to the
// recorder before its reply reaches the device, so a sign-out (or the next worker's
// sign-in) queued behind it is applied after the scans made before it. Called directly,
// a sign-in could attach the previous worker's still-queued scans to the new worker.
//
// The labor day of a session is the day of the sign-in in the site's time zone (the
// policy's labor.time_zone: LaborDayOf, labor_day.h). Privacy (RET-01): nothing here writes
// a worker id anywhere but the labor store, which keeps only the day pseudonym.
//
// Thread safety: every public method of LaborRecorder and LaborRetentionJob may be called
// from any thread. Publish is meant for the sequencer thread and never waits.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <variant>
#include <vector>

#include "entrepot/auth/session_keys.h"
#include "entrepot/base/status.h"
#include "entrepot/core/events.h"
#include "entrepot/core/site_state.h"
#include "entrepot/privacy/policy.h"
#include "entrepot/server/labor_day.h"
#include "entrepot/store/journal.h"
#include "entrepot/store/labor_keys.h"
#include "entrepot/store/labor_store.h"

namespace entrepot::store {
class AuditLog;  // store/audit_log.h
}  // namespace entrepot::store
namespace entrepot::auth {
class AccountStore;  // auth/account_store.h
}  // namespace entrepot::auth

namespace entrepot::server {

// The UTC calendar day of `at_ms` (Unix milliseconds). Not a labor day (those are
// LaborDayOf(at_ms, zone), labor_day.h): the date a policy is judged on, the day of the
// daily audit-log prune.
privacy::Date LaborDayOf(int64_t at_ms);

// Where scans happen: the zone of every location and the holder of every placed container,
// known at start (FromState) and kept up to date from the committed entries (Apply), plus
// the zone of each device's last located scan.
class ScanZones {
 public:
  // A container nested deeper than this is treated as standing nowhere known.
  static constexpr int kMaxNesting = 32;
  // Devices remembered for the fallback zone; beyond, the oldest entries are not replaced.
  static constexpr size_t kMaxDevices = 100'000;

  ScanZones() = default;
  // REQUIRES: called where `state` may be read (before the engine moves into the Sequencer).
  static ScanZones FromState(const core::SiteState& state);

  // Learns from `entry`: LocationDefined (zone of a location), ContainerMoved (its holder),
  // ContainerShipped (forgotten).
  void Apply(const core::Entry& entry);

  // The zone of `holder` ("" when unknown: a container standing nowhere known).
  std::string ZoneOf(const domain::Holder& holder) const;

  // The zone of a scan entry: the destination, then the source, of its units or container
  // events; else the location its device state points at (target, then source); else the
  // zone of the device's previous located scan; else "". Call before Apply(entry).
  std::string ZoneOfScan(const core::Entry& entry) const;

  // Remembers the zone of the device's scan (for ZoneOfScan's fallback).
  void NoteDeviceZone(const std::string& device, const std::string& zone);

 private:
  std::map<std::string, std::string, std::less<>> location_zone_;
  std::map<std::string, domain::Holder, std::less<>> container_holder_;
  std::map<std::string, std::string, std::less<>> device_zone_;
};

// The labor scan of a scan entry: process ModeName(mode), outcome class "ok" for an accepted
// scan (kOk and kReverify: the re-verify flag is the bin's, IND-01) else OutcomeName, units
// the sum of its UnitsReceived and UnitsMoved quantities, zone from `zones`. nullopt for a
// master-data entry.
std::optional<store::LaborScan> LaborScanOf(const core::Entry& entry, const ScanZones& zones);

struct LaborRecorderOptions {
  // Queue bounds: records (scan entries and session changes) and payload bytes. Past
  // either, Publish drops the records that do not fit.
  size_t queue_items_max = 65'536;
  size_t queue_bytes_max = size_t{32} << 20;
  // Scans written per LaborStore transaction (at most store::kMaxScansPerBatch).
  size_t batch_scans_max = 2'048;
  // Once something is queued, the thread waits this long (unless batch_scans_max are queued,
  // a Flush waits or it is stopping) so that the many small commits of single scans become
  // one store transaction and one wake-up: labor figures are read later, never on the scan
  // path, and may lag this much.
  std::chrono::milliseconds batch_interval{100};
  // The site's time zone: a sign-in belongs to the labor day of its local date.
  LaborTimeZone time_zone{};
  // Where warnings go (one line each, no newline); default std::cerr.
  std::function<void(const std::string&)> log;
};

// Counters since Start, for tests and logs.
struct LaborRecorderStats {
  uint64_t processed_seq = 0;  // The last journal seq decoded (published records only).
  uint64_t scans_recorded = 0;
  uint64_t scans_without_session = 0;  // Nobody signed in on the device.
  uint64_t scans_rejected = 0;         // A field the store refuses (LaborScanBatchResult).
  uint64_t dropped = 0;                // Items dropped because the queue was full.
  uint64_t undecodable = 0;            // Records that are no valid entry.
  uint64_t sessions_started = 0;
  uint64_t sessions_ended = 0;
  uint64_t store_writes = 0;  // LaborStore::RecordScans calls (one transaction each).
  uint64_t errors = 0;        // Failed store writes (their items are lost).
  std::string last_error;
};

class LaborRecorder {
 public:
  // Starts the thread. `store` must outlive the recorder.
  static std::unique_ptr<LaborRecorder> Start(store::LaborStore& store, ScanZones zones,
                                              LaborRecorderOptions options = {});
  // Stops (see Stop).
  ~LaborRecorder();
  LaborRecorder(const LaborRecorder&) = delete;
  LaborRecorder& operator=(const LaborRecorder&) = delete;

  // Queues committed records (copied) and returns at once. Records that do not fit the
  // queue are dropped, counted and logged (one warning per overflow episode). Ignored after
  // Stop. Fits engine::SiteEngine::CommitListener.
  void Publish(std::span<const store::JournalRecord> records);

  // Badge sign-in of `worker_id` on `device` at `at_ms` (labor day LaborDayOf(at_ms,
  // options.time_zone)), and
  // sign-out: queued behind the scans already published, applied by the thread with
  // LaborStore::StartSession / EndSession. Never waits; dropped and counted when the queue
  // is full.
  void SignIn(std::string device, int64_t worker_id, int64_t at_ms);
  void SignOut(std::string device, int64_t at_ms);

  // Waits until everything queued before this call is written (or dropped), or `timeout`
  // passed; true when done. For tests and orderly shutdown.
  bool Flush(std::chrono::milliseconds timeout);

  LaborRecorderStats stats() const;

  // Writes what is queued, then stops the thread. Idempotent.
  void Stop();

 private:
  struct SessionChange {
    bool sign_in = false;
    std::string device;
    int64_t worker_id = 0;
    int64_t at_ms = 0;
  };
  using Item = std::variant<store::JournalRecord, SessionChange>;

  LaborRecorder(store::LaborStore& store, ScanZones zones, LaborRecorderOptions options);
  bool Enqueue(Item item, size_t bytes);
  // Whether a push that found the queue `was_empty` must wake the thread: it sleeps while
  // the queue is empty, and lets a batch gather until batch_scans_max. REQUIRES: mutex_.
  bool MustWake(bool was_empty) const;
  void Run();
  void Process(std::deque<Item>& items);
  void WriteScans(std::vector<store::LaborScan>& scans);
  void Warn(const std::string& message);

  store::LaborStore& store_;
  ScanZones zones_;  // Used by the thread only.
  LaborRecorderOptions options_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;  // The thread: work or stop.
  std::condition_variable done_;  // Flush: the thread finished a round.
  std::deque<Item> queue_;        // Guarded by mutex_.
  size_t queue_bytes_ = 0;        // Guarded by mutex_.
  uint64_t enqueued_ = 0;         // Items ever queued; guarded by mutex_.
  uint64_t finished_ = 0;         // Items written or failed; guarded by mutex_.
  int flushes_waiting_ = 0;       // Flush calls waiting; guarded by mutex_.
  bool overflowing_ = false;      // A warning was logged for the current overflow.
  bool stopping_ = false;         // Guarded by mutex_.
  LaborRecorderStats stats_;      // Guarded by mutex_.

  std::mutex stop_mutex_;  // Serialises Stop().
  std::thread thread_;
};

// What one retention run did.
struct LaborRetentionReport {
  std::vector<store::RollUpReport> rolled_up;
  int64_t weeks_expired = 0;
};

// One run of the end-of-day job for `today`: RollUpDue(today, worker_ids) then
// Expire(today). Each rolled-up day and each expiry (weeks > 0) leaves an audit record
// (actor kind system, action "roll_up" with data class labor_events, or "expire" with
// worker_weekly; subject "*", purpose "retention") in `audit` when not null, and a log line.
// Errors: the LaborStore's (what was done before the error stays done and audited);
// the audit log's (the roll-up is done; its record is missing, and the error says so).
StatusOr<LaborRetentionReport> RunLaborRetention(
    store::LaborStore& store, store::AuditLog* audit, const privacy::Date& today,
    std::span<const int64_t> worker_ids, int64_t now_ms,
    const std::function<void(const std::string&)>& log);

// The sign-in keys of the device sessions (auth/session_keys.h, RET-01) as files of the
// labor key directory (store/labor_keys.h: atomic writes, destruction by overwrite), named
// "signin-" and the labor day in the site's time zone ("signin-2026-11-29"), so that they are
// kept, shared between the nodes of a PostgreSQL site and left off backups as the day keys
// are (docs/LABOR.md, "Sign-in keys"). Not thread-safe: the AccountStore serialises its calls.
class SignInKeyDir final : public auth::SessionKeys {
 public:
  static constexpr std::string_view kPrefix = "signin-";

  // Opens (creates) the key directory `dir`. Errors: those of LaborKeyDir::Open.
  static StatusOr<std::unique_ptr<SignInKeyDir>> Open(const std::filesystem::path& dir,
                                                      LaborTimeZone zone,
                                                      std::function<int64_t()> now_ms);

  // "signin-" and LaborDayOf(now_ms(), zone).
  std::string CurrentName() override;
  StatusOr<std::optional<auth::SessionKey>> Load(const std::string& name) override;
  Status Write(const std::string& name, const auth::SessionKey& key) override;
  Status Destroy(const std::string& name) override;
  // The names of the key files that start with "signin-" (not the day or week keys).
  StatusOr<std::vector<std::string>> Names() override;

 private:
  SignInKeyDir(store::LaborKeyDir keys, LaborTimeZone zone, std::function<int64_t()> now_ms)
      : keys_(std::move(keys)), zone_(zone), now_ms_(std::move(now_ms)) {}

  store::LaborKeyDir keys_;
  LaborTimeZone zone_;
  std::function<int64_t()> now_ms_;
};

struct LaborRetentionOptions {
  // Runs at most this far apart, and also just after each local midnight of time_zone.
  std::chrono::milliseconds every{std::chrono::hours(1)};
  // The site's time zone: `today` of each run is the local date of now_ms().
  LaborTimeZone time_zone{};
  std::function<int64_t()> now_ms;  // Required: Unix ms.
  // Required: the ids of every account of the site (the workers who may have worked).
  std::function<StatusOr<std::vector<int64_t>>()> worker_ids;
  std::function<void(const std::string&)> log;  // Default std::cerr.
  // RET-03: when > 0 and the job has an audit log, the log is pruned to this many months
  // (policy retention.audit_log_months) at the job's first run and at its first run of each
  // later UTC day; every prune leaves its own record, so not more often than daily.
  int64_t audit_log_months = 0;
  // The caller pruned the audit log at start: the first prune is due the next UTC day.
  bool audit_pruned_at_start = false;
  // RET-01: when set, each run first rotates the sign-in key of its device sessions
  // (AccountStore::RotateSessionKey: to the current labor day's key, older keys destroyed),
  // so that the run just after midnight, and the first run after a start, end the day's key.
  // Must outlive the job.
  auth::AccountStore* accounts = nullptr;
};

// Runs RunLaborRetention at start, then every `every` and just after each local midnight
// (UntilNextRun), on its own thread, until Stop.
class LaborRetentionJob {
 public:
  // REQUIRES: options.now_ms and options.worker_ids set. `store` (null when the site has no
  // labor stream: the job then only rotates the sign-in key and prunes the audit log) and
  // `audit` (may be null) must outlive the job.
  static std::unique_ptr<LaborRetentionJob> Start(store::LaborStore* store, store::AuditLog* audit,
                                                  LaborRetentionOptions options);
  ~LaborRetentionJob();
  LaborRetentionJob(const LaborRetentionJob&) = delete;
  LaborRetentionJob& operator=(const LaborRetentionJob&) = delete;

  // Runs the job now, on the calling thread (serialised with the thread's runs): the sign-in
  // key rotation (options.accounts), the labor retention, then the daily audit prune when due
  // (see audit_log_months). The report is empty without a labor store.
  StatusOr<LaborRetentionReport> RunOnce();
  uint64_t runs() const { return runs_.load(std::memory_order_acquire); }

  // Wakes the thread and joins it; a run in progress finishes first. Idempotent.
  void Stop();

 private:
  LaborRetentionJob(store::LaborStore* store, store::AuditLog* audit,
                    LaborRetentionOptions options);
  void Run();
  void RotateSignInKey(int64_t now_ms);
  // Prunes the audit log when audit_log_months > 0 and no prune ran yet on `today`.
  void PruneAuditLogIfDue(int64_t now_ms);

  store::LaborStore* store_;  // May be null.
  store::AuditLog* audit_;
  LaborRetentionOptions options_;
  std::mutex run_mutex_;                          // One run at a time.
  std::optional<privacy::Date> audit_pruned_on_;  // Guarded by run_mutex_.
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // Guarded by mutex_.
  std::atomic<uint64_t> runs_{0};
  std::mutex stop_mutex_;
  std::thread thread_;
};

}  // namespace entrepot::server
