#include "entrepot/store/labor_store.h"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <set>
#include <system_error>
#include <utility>

#include "entrepot/base/check.h"
#include "entrepot/base/status_macros.h"
#include "entrepot/store/labor_keys.h"
#include "entrepot/store/labor_storage.h"

namespace entrepot::store {

namespace {

using privacy::Pseudonym;
using privacy::SecretKey;
// The worker id of each day pseudonym (the roll-up's attribution).
using WorkersByPseudonym = std::map<Pseudonym, int64_t>;

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

// Begin ... Commit on the storage, rolled back unless committed.
class Transaction {
 public:
  static StatusOr<std::unique_ptr<Transaction>> Begin(LaborStorage& storage) {
    ENTREPOT_RETURN_IF_ERROR(storage.Begin());
    return std::unique_ptr<Transaction>(new Transaction(storage));
  }
  ~Transaction() {
    if (!done_) {
      storage_.Rollback();
    }
  }
  Status Commit() {
    done_ = true;
    return storage_.Commit();
  }

 private:
  explicit Transaction(LaborStorage& storage) : storage_(storage) {}
  LaborStorage& storage_;
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
  std::unique_ptr<LaborStorage> storage;
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

  Impl(std::unique_ptr<LaborStorage> rows, LaborKeyDir key_directory, const privacy::Policy& p,
       privacy::KeySource* source)
      : storage(std::move(rows)),
        key_dir(std::move(key_directory)),
        policy(p),
        keys(source),
        guard(privacy::EffectiveMinGroupSize(p), p.aggregates.differencing_protection),
        weekly_guard(privacy::EffectiveMinGroupSize(p), p.aggregates.differencing_protection) {}

  LaborStorage& rows() const { return *storage; }

  StatusOr<bool> IsClosed(const Date& day) { return rows().IsClosed(privacy::FormatDate(day)); }
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
  // the scrub of the roll-up or expiry that recorded them, and at Open after a crash. Also
  // destroys the key file of any day already closed: another node of the site rolled it up
  // (a takeover with node-local key directories), so nothing will ever record it here.
  Status DestroyRecordedKeys();

  StatusOr<std::optional<LaborAssignment>> AssignmentOf(const Date& day, int64_t worker_id) {
    return rows().AssignmentOf(privacy::FormatDate(day), worker_id);
  }
  StatusOr<std::vector<LaborAssignment>> Rota(const Date& day) {
    return rows().Rota(privacy::FormatDate(day));
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
  // memory and in the storage, and loads this one's from it (AGG-02 across restarts).
  Status UseHistoryOf(privacy::QueryGuard& history, std::optional<Date>& loaded,
                      const std::string& scope, const Date& period);
  // Stores the cohorts an answer added to `requester`'s history of `period`.
  Status KeepHistory(const std::string& scope, const Date& period, std::string_view requester,
                     std::span<const privacy::QueryGuard::Cohort> cohorts);
  // Scrub(), then DestroyRecordedKeys(); the scrub's error, if any, after both ran.
  Status ScrubThenDestroyKeys();
};

LaborStore::LaborStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LaborStore::~LaborStore() = default;

StatusOr<std::unique_ptr<LaborStore>> LaborStore::Open(const std::filesystem::path& dir,
                                                       const privacy::Policy& policy,
                                                       Options options) {
  std::error_code error;
  if (!std::filesystem::is_directory(dir, error)) {
    return Error(StatusCode::kNotFound, "labor_dir_not_found",
                 "no directory " + dir.string() + " for labor.db");
  }
  if (options.key_dir.empty()) {
    options.key_dir = dir / kLaborKeyDirName;
  }
  // The key directory first: a labor.db of schemas 1 to 3 moves its keys into it.
  ENTREPOT_ASSIGN_OR_RETURN(LaborKeyDir key_dir, LaborKeyDir::Open(options.key_dir));
  ENTREPOT_ASSIGN_OR_RETURN(std::unique_ptr<LaborStorage> storage,
                            OpenSqliteLaborStorage(dir, key_dir, options.busy_timeout_ms));
  return Open(std::move(storage), policy, std::move(options));
}

StatusOr<std::unique_ptr<LaborStore>> LaborStore::Open(std::unique_ptr<LaborStorage> storage,
                                                       const privacy::Policy& policy,
                                                       Options options) {
  ENTREPOT_CHECK(!options.key_dir.empty());
  ENTREPOT_ASSIGN_OR_RETURN(LaborKeyDir key_dir, LaborKeyDir::Open(options.key_dir));
  privacy::KeySource* keys =
      options.key_source != nullptr ? options.key_source : &privacy::DefaultKeySource();
  auto store = std::unique_ptr<LaborStore>(
      new LaborStore(std::make_unique<Impl>(std::move(storage), std::move(key_dir), policy, keys)));
  ENTREPOT_ASSIGN_OR_RETURN(bool pending, store->impl_->rows().ScrubPending());
  // A crash came between a roll-up's (or expiry's) commit and its scrub, or before the
  // destruction of the keys of the data it deleted: finish both, in that order.
  ENTREPOT_RETURN_IF_ERROR(pending ? store->impl_->ScrubThenDestroyKeys()
                                   : store->impl_->DestroyRecordedKeys());
  return store;
}

// --- Labor events ------------------------------------------------------------------------

Status LaborStore::StartSession(const Date& day, std::string_view device, int64_t worker_id,
                                int64_t at_ms) {
  std::lock_guard lock(impl_->mutex);
  ENTREPOT_RETURN_IF_ERROR(privacy::ValidateLaborLabel(device, "device"));
  ENTREPOT_RETURN_IF_ERROR(impl_->RefuseClosed(day));
  ENTREPOT_ASSIGN_OR_RETURN(auto txn, Transaction::Begin(impl_->rows()));
  ENTREPOT_RETURN_IF_ERROR(EndSession(device, at_ms));
  const std::string day_text = privacy::FormatDate(day);
  ENTREPOT_ASSIGN_OR_RETURN(SecretKey key, impl_->LoadOrCreateKey(DayKeyName(day_text)));
  // RET-01: only the day pseudonym is stored with the session, never the worker id.
  ENTREPOT_RETURN_IF_ERROR(impl_->rows()
                               .InsertSession({0,
                                               day_text,
                                               std::string(device),
                                               privacy::PseudonymOf(key, worker_id),
                                               at_ms,
                                               {},
                                               false})
                               .status());
  return txn->Commit();
}

Status LaborStore::EndSession(std::string_view device, int64_t at_ms) {
  std::lock_guard lock(impl_->mutex);
  ENTREPOT_RETURN_IF_ERROR(privacy::ValidateLaborLabel(device, "device"));
  return impl_->rows().EndSession(device, at_ms);
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
  // False when nobody is signed in on the device: nothing links the scan to a worker.
  return impl_->rows().AddScan(device, {0, std::string(process), std::string(zone),
                                        std::string(outcome_class), units, at_ms});
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
  // One transaction for the batch: one commit instead of one per scan.
  ENTREPOT_ASSIGN_OR_RETURN(auto txn, Transaction::Begin(impl_->rows()));
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
  ENTREPOT_ASSIGN_OR_RETURN(auto txn, Transaction::Begin(impl_->rows()));
  ENTREPOT_RETURN_IF_ERROR(impl_->rows().ReplaceRota(privacy::FormatDate(day), assignments));
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
  ENTREPOT_ASSIGN_OR_RETURN(std::vector<LaborOutcomeCount> outcomes,
                            rows().OutcomesOf(day_text, pseudonym));
  for (const LaborOutcomeCount& outcome : outcomes) {
    if (outcome.outcome == privacy::kOutcomeOk) {
      today.units += outcome.units;
    } else if (own || policy.indicators.realtime_individual.link_quality_errors) {  // IND-05.
      today.errors_per_cause[outcome.outcome] += outcome.scans;
    }
  }
  ENTREPOT_ASSIGN_OR_RETURN(today.current_task, rows().CurrentTaskOf(day_text, pseudonym));
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
  ENTREPOT_ASSIGN_OR_RETURN(own.sessions, impl_->rows().SessionsOf(day_text, pseudonym));
  ENTREPOT_ASSIGN_OR_RETURN(own.scans,
                            impl_->rows().ScansOf(day_text, pseudonym, kMaxOwnDayScans + 1));
  if (own.scans.size() > kMaxOwnDayScans) {
    own.scans.resize(kMaxOwnDayScans);
    own.truncated = true;
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
  ENTREPOT_ASSIGN_OR_RETURN(std::vector<LaborDayFact> rows_of_day, rows().DayFacts(day_text));
  std::vector<privacy::LaborFact> facts;
  facts.reserve(rows_of_day.size());
  for (LaborDayFact& row : rows_of_day) {
    privacy::LaborFact fact{MemberOf(row.pseudonym),
                            std::move(row.zone),
                            std::move(row.process),
                            "",
                            "",
                            row.units,
                            row.errors};
    if (auto found = by_member.find(fact.member); found != by_member.end()) {
      fact.team = found->second->team;
      fact.shift = found->second->shift;
    }
    facts.push_back(std::move(fact));
  }
  return facts;
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
  std::map<std::string, int64_t> periods;  // Week text -> days since 1970 of its Monday.
  std::vector<privacy::LaborFact>& facts = team_facts;
  facts.clear();
  ENTREPOT_RETURN_IF_ERROR(rows().EachTeamWeek(
      privacy::FormatDate(privacy::WeekStart(query.from)),
      privacy::FormatDate(privacy::WeekStart(query.to)), query.query,
      [&](const LaborTeamWeekRow& row) -> Status {
        const privacy::ProcessStandard* standard = nullptr;
        if (query.standards != nullptr) {
          auto found = query.standards->find(row.process);
          if (found == query.standards->end()) {
            return OkStatus();  // No standard for the process: not compared.
          }
          standard = &found->second;
        }
        auto period = periods.find(row.week);
        if (period == periods.end()) {
          ENTREPOT_ASSIGN_OR_RETURN(Date monday, StoredWeek(row.week));
          period =
              periods.emplace(row.week, std::chrono::sys_days(monday).time_since_epoch().count())
                  .first;
        }
        privacy::LaborFact fact{row.member, row.zone,   row.process,    row.team, row.shift,
                                row.units,  row.errors, period->second, row.ms,   0};
        if (standard != nullptr) {
          fact.standard_ms = privacy::StandardMs(*standard, fact.units);
        }
        facts.push_back(std::move(fact));
        return OkStatus();
      }));
  return std::span<const privacy::LaborFact>(facts);
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
  ENTREPOT_RETURN_IF_ERROR(
      rows().EachDayEvent(privacy::FormatDate(day),
                          [&](const LaborSessionRow& row, const LaborScanRow* scan) -> Status {
                            if (session != row.id) {
                              close();
                              session = row.id;
                              last_ms = row.start_ms;
                              end_ms = row.end_ms;
                              current = OpenSession{row.device, row.pseudonym, 0, row.carried};
                              // A session carried over from the day before counts from its first
                              // scan, and without one not at all: the hours between a sign-out
                              // forgotten in the evening and the next use of the device are
                              // nobody's work (IND-09).
                              counted = !current.carried || scan != nullptr;
                              if (counted) {
                                last_ms = current.carried ? scan->at_ms : last_ms;
                                rollup.BeginSession(row.pseudonym, last_ms);
                                ++report.sessions;
                              }
                            }
                            if (scan != nullptr) {
                              rollup.Scan(scan->process, scan->zone, scan->outcome,
                                          std::max<int64_t>(0, scan->units), scan->at_ms);
                              last_ms = std::max(last_ms, scan->at_ms);
                              ++report.scans;
                            }
                            return OkStatus();
                          }));
  close();
  return rollup;
}

Status LaborStore::Impl::AddToTeamWeek(const std::string& week, uint64_t member,
                                       const LaborAssignment* assignment,
                                       const privacy::Activities& activities) {
  for (const auto& [key, activity] : activities) {
    ENTREPOT_RETURN_IF_ERROR(
        rows().AddTeamWeek({week, assignment != nullptr ? assignment->team : "",
                            assignment != nullptr ? assignment->shift : "", key.first, key.second,
                            member, activity.units, activity.errors, activity.ms}));
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
  for (const OpenSession& session : open) {
    auto worker = workers.find(session.pseudonym);
    // Once only: a sign-in forgotten on a device must not go on day after day (IND-12).
    if (session.carried || worker == workers.end()) {
      continue;
    }
    ENTREPOT_ASSIGN_OR_RETURN(SecretKey key, LoadOrCreateKey(DayKeyName(next_text)));
    ENTREPOT_RETURN_IF_ERROR(
        rows()
            .InsertSession({0, next_text, session.device, privacy::PseudonymOf(key, worker->second),
                            session.last_ms, std::nullopt, true})
            .status());
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
        ENTREPOT_RETURN_IF_ERROR(rows().AddWeekly({week, member, int64_t{kind}, name, value}));
      }
    }
    auto assignment = assignments.find(found->second);
    // ACC-02: the team the worker was in, under the week pseudonym, so that the team's lead
    // of the week may read this week (scope own_team). A supervisor line is a lead, not a
    // member.
    if (assignment != assignments.end() && !assignment->second->supervisor) {
      ENTREPOT_RETURN_IF_ERROR(
          rows().KeepWeekly({week, member, int64_t{kTeam}, assignment->second->team, 1}));
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
  for (const LaborAssignment& line : rota) {
    if (line.supervisor) {
      ENTREPOT_RETURN_IF_ERROR(rows().AddTeamLead({week, line.team, line.worker_id}));
    }
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
    ENTREPOT_ASSIGN_OR_RETURN(auto txn, Transaction::Begin(impl_->rows()));
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
    // RET-01: the day key goes once the deleted rows are scrubbed (DestroyRecordedKeys).
    const std::string day_text = privacy::FormatDate(day);
    ENTREPOT_RETURN_IF_ERROR(impl_->rows().CloseDay(day_text, DayKeyName(day_text)));
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
  ENTREPOT_ASSIGN_OR_RETURN(std::vector<std::string> doomed, rows().KeysToDestroy());
  for (const std::string& name : doomed) {
    ENTREPOT_RETURN_IF_ERROR(key_dir.Destroy(name));
    ENTREPOT_RETURN_IF_ERROR(rows().ForgetKeyToDestroy(name));
  }
  ENTREPOT_ASSIGN_OR_RETURN(std::vector<std::string> keyed, KeyDates(key_dir, "day-"));
  for (const std::string& text : keyed) {
    ENTREPOT_ASSIGN_OR_RETURN(bool closed, rows().IsClosed(text));
    if (closed) {
      ENTREPOT_RETURN_IF_ERROR(key_dir.Destroy(DayKeyName(text)));
    }
  }
  return OkStatus();
}

Status LaborStore::Impl::UseHistoryOf(privacy::QueryGuard& history, std::optional<Date>& loaded,
                                      const std::string& scope, const Date& period) {
  if (loaded == period) {
    return OkStatus();
  }
  history.Reset();
  loaded.reset();
  const std::string period_text = privacy::FormatDate(period);
  ENTREPOT_RETURN_IF_ERROR(rows().DropHistoryExcept(scope, period_text));
  ENTREPOT_ASSIGN_OR_RETURN(std::vector<LaborHistoryRow> stored,
                            rows().History(scope, period_text));
  std::string requester;
  std::vector<privacy::QueryGuard::Cohort> cohorts;
  auto remember = [&]() -> Status {
    if (cohorts.empty()) {
      return OkStatus();
    }
    Status done = history.Remember(requester, cohorts);
    cohorts.clear();
    return done.ok() ? done
                     : LaborCorrupt("a stored query history cannot be loaded: " + done.ToString());
  };
  for (const LaborHistoryRow& row : stored) {
    if (row.requester != requester) {
      ENTREPOT_RETURN_IF_ERROR(remember());
      requester = row.requester;
    }
    ENTREPOT_ASSIGN_OR_RETURN(privacy::QueryGuard::Cohort cohort, DecodeCohort(row.cohort));
    cohorts.push_back(std::move(cohort));
  }
  ENTREPOT_RETURN_IF_ERROR(remember());
  loaded = period;
  return OkStatus();
}

Status LaborStore::Impl::KeepHistory(const std::string& scope, const Date& period,
                                     std::string_view requester,
                                     std::span<const privacy::QueryGuard::Cohort> cohorts) {
  if (cohorts.empty()) {
    return OkStatus();
  }
  std::vector<std::vector<uint8_t>> encoded;
  encoded.reserve(cohorts.size());
  for (const privacy::QueryGuard::Cohort& cohort : cohorts) {
    encoded.push_back(EncodeCohort(cohort));
  }
  ENTREPOT_ASSIGN_OR_RETURN(auto txn, Transaction::Begin(rows()));
  ENTREPOT_RETURN_IF_ERROR(
      rows().AppendHistory(scope, privacy::FormatDate(period), std::string(requester), encoded));
  return txn->Commit();
}

Status LaborStore::Impl::ScrubThenDestroyKeys() {
  // The keys go even when the scrub is incomplete: the deleted rows left in the WAL are
  // unlinkable without them, and the scrub is retried (Scrub, Open).
  const Status scrubbed = rows().Scrub();
  ENTREPOT_RETURN_IF_ERROR(DestroyRecordedKeys());
  return scrubbed;
}

StatusOr<std::vector<Date>> LaborStore::OpenDays() {
  std::lock_guard lock(impl_->mutex);
  ENTREPOT_ASSIGN_OR_RETURN(std::vector<std::string> texts, impl_->rows().EventDays());
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
  ENTREPOT_RETURN_IF_ERROR(impl_->rows().DropHistoryBefore("week", privacy::FormatDate(this_week)));
  if (impl_->weekly_guard_week.has_value() && *impl_->weekly_guard_week < this_week) {
    impl_->weekly_guard.Reset();
    impl_->weekly_guard_week.reset();
  }
  // Every week that holds rows or a key: rows whose key file was lost expire all the same.
  ENTREPOT_ASSIGN_OR_RETURN(std::vector<std::string> texts, impl_->rows().StoredWeeks());
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
    ENTREPOT_ASSIGN_OR_RETURN(auto txn, Transaction::Begin(impl_->rows()));
    for (const std::string& week : expired) {
      // RET-02: the week key goes once the deleted rows are scrubbed.
      ENTREPOT_RETURN_IF_ERROR(impl_->rows().ExpireWeek(week, WeekKeyName(week)));
    }
    ENTREPOT_RETURN_IF_ERROR(txn->Commit());
  }
  ENTREPOT_RETURN_IF_ERROR(impl_->ScrubThenDestroyKeys());
  return static_cast<int64_t>(expired.size());
}

Status LaborStore::Scrub() {
  std::lock_guard lock(impl_->mutex);
  return impl_->rows().Scrub();
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
  ENTREPOT_ASSIGN_OR_RETURN(std::vector<LaborWeeklyRow> rows,
                            impl_->rows().WeeklyOf(week, privacy::PseudonymOf(key, worker_id)));
  WorkerWeek result{week_start, privacy::IsoWeekName(week_start), {}, {}, {}};
  for (const LaborWeeklyRow& row : rows) {
    switch (row.kind) {
      case kUnitsPerProcess:
        result.totals.units_per_process[row.name] = row.value;
        break;
      case kErrorsPerCause:
        result.totals.errors_per_cause[row.name] = row.value;
        break;
      case kMsPerZone:
        result.totals.ms_per_zone[row.name] = row.value;
        break;
      case kTeam:
        result.teams.push_back(row.name);
        break;
      default:
        return LaborCorrupt("a weekly row has an unknown kind");
    }
  }
  ENTREPOT_ASSIGN_OR_RETURN(result.teams_led, impl_->rows().TeamsLedBy(week, worker_id));
  return result;
}

StatusOr<std::vector<std::string>> LaborStore::TeamsLedFor(int64_t lead_id, int64_t worker_id,
                                                           const Date& any_day) {
  std::lock_guard lock(impl_->mutex);
  const std::string week = privacy::FormatDate(privacy::WeekStart(any_day));
  ENTREPOT_ASSIGN_OR_RETURN(SecretKey key, impl_->KeptWeekKey(any_day));
  return impl_->rows().TeamsLedFor(week, lead_id, privacy::PseudonymOf(key, worker_id),
                                   int64_t{kTeam});
}

}  // namespace entrepot::store
