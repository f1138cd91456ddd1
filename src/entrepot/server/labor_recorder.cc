#include "entrepot/server/labor_recorder.h"

#include <pthread.h>

#include <algorithm>
#include <iostream>
#include <set>
#include <utility>

#include "entrepot/auth/account_store.h"
#include "entrepot/base/check.h"
#include "entrepot/base/status_macros.h"
#include "entrepot/core/codec.h"
#include "entrepot/privacy/audit_chain.h"
#include "entrepot/privacy/labor_rollup.h"
#include "entrepot/store/audit_log.h"

namespace entrepot::server {
namespace {

void LogToStderr(const std::string& line) { std::cerr << line << std::endl; }

std::function<void(const std::string&)> LogOrDefault(std::function<void(const std::string&)> log) {
  return log ? std::move(log) : LogToStderr;
}

size_t ItemBytes(const store::JournalRecord& record) {
  return sizeof(store::JournalRecord) + record.payload.size();
}

// A system record of the retention job (RET-03: the DPO sees retention at work).
privacy::AuditRecord RetentionRecord(std::string action, privacy::DataClass data_class,
                                     std::string resource, int64_t now_ms) {
  privacy::AuditRecord record;
  record.at_ms = now_ms;
  record.actor_kind = privacy::PrincipalKind::kSystem;
  record.actor = std::string(privacy::kSystemActor);
  record.action = std::move(action);
  record.data_class = std::string(privacy::DataClassName(data_class));
  record.subject = std::string(privacy::kEveryoneSubject);
  record.purpose = std::string(privacy::kRetentionPurpose);
  record.resource = privacy::SanitizeAuditText(resource);
  return record;
}

Status AppendAudit(store::AuditLog* audit, privacy::AuditRecord record) {
  if (audit == nullptr) {
    return OkStatus();
  }
  StatusOr<uint64_t> appended = audit->Append(std::move(record));
  return appended.ok() ? OkStatus() : appended.status().WithContext("retention audit record");
}

std::string RollUpText(const store::RollUpReport& report) {
  return "labor day " + privacy::FormatDate(report.day) +
         " rolled up: " + std::to_string(report.sessions) + " sessions, " +
         std::to_string(report.scans) + " scans, " + std::to_string(report.workers) + " workers, " +
         std::to_string(report.unattributed_sessions) + " unattributed sessions" +
         (report.day_key_missing ? " (the day key file was missing: its sessions could not be "
                                   "linked to anyone)"
                                 : "; day key destroyed");
}

}  // namespace

privacy::Date LaborDayOf(int64_t at_ms) {
  using std::chrono::milliseconds;
  return privacy::Date(std::chrono::floor<std::chrono::days>(
      std::chrono::sys_time<milliseconds>(milliseconds(at_ms))));
}

// --- ScanZones ---------------------------------------------------------------------------

ScanZones ScanZones::FromState(const core::SiteState& state) {
  ScanZones zones;
  for (const auto& [code, location] : state.locations()) {
    zones.location_zone_[code] = location.location.zone;
  }
  for (const auto& [id, container] : state.containers()) {
    if (container.has_parent && !container.shipped) {
      zones.container_holder_[id] = container.parent;
    }
  }
  return zones;
}

void ScanZones::Apply(const core::Entry& entry) {
  for (const core::Event& event : entry.events) {
    if (const auto* defined = std::get_if<core::LocationDefined>(&event)) {
      location_zone_[defined->location.code] = defined->location.zone;
    } else if (const auto* moved = std::get_if<core::ContainerMoved>(&event)) {
      container_holder_[moved->container] = moved->to;
    } else if (const auto* shipped = std::get_if<core::ContainerShipped>(&event)) {
      container_holder_.erase(shipped->container);
    }
  }
}

std::string ScanZones::ZoneOf(const domain::Holder& holder) const {
  domain::Holder at = holder;
  for (int depth = 0; depth <= kMaxNesting; ++depth) {
    if (at.IsLocation()) {
      auto found = location_zone_.find(at.id);
      return found == location_zone_.end() ? "" : found->second;
    }
    auto parent = container_holder_.find(at.id);
    if (parent == container_holder_.end()) {
      return "";
    }
    at = parent->second;
  }
  return "";
}

std::string ScanZones::ZoneOfScan(const core::Entry& entry) const {
  std::vector<domain::Holder> candidates;
  const core::DeviceState* state = nullptr;
  for (const core::Event& event : entry.events) {
    if (const auto* received = std::get_if<core::UnitsReceived>(&event)) {
      candidates.push_back(received->to);
    } else if (const auto* moved = std::get_if<core::UnitsMoved>(&event)) {
      candidates.push_back(moved->to);
      candidates.push_back(moved->from);
    } else if (const auto* container = std::get_if<core::ContainerMoved>(&event)) {
      candidates.push_back(container->to);
    } else if (const auto* shipped = std::get_if<core::ContainerShipped>(&event)) {
      candidates.push_back(domain::Holder::AtLocation(shipped->door));
    } else if (const auto* adjusted = std::get_if<core::StockAdjusted>(&event)) {
      candidates.push_back(adjusted->holder);
    } else if (const auto* flagged = std::get_if<core::LocationFlagged>(&event)) {
      candidates.push_back(domain::Holder::AtLocation(flagged->location));
    } else if (const auto* counted = std::get_if<core::LocationCounted>(&event)) {
      candidates.push_back(domain::Holder::AtLocation(counted->location));
    } else if (const auto* changed = std::get_if<core::DeviceStateChanged>(&event)) {
      state = &changed->state;
    }
  }
  if (state != nullptr) {
    // Where the device's scan sequence points: the step's target, then its source.
    if (state->has_target) {
      candidates.push_back(state->target);
    }
    if (state->has_source) {
      candidates.push_back(state->source);
    }
  }
  for (const domain::Holder& holder : candidates) {
    if (std::string zone = ZoneOf(holder); !zone.empty()) {
      return zone;
    }
  }
  auto previous = device_zone_.find(entry.device);
  return previous == device_zone_.end() ? "" : previous->second;
}

void ScanZones::NoteDeviceZone(const std::string& device, const std::string& zone) {
  if (zone.empty()) {
    return;
  }
  auto found = device_zone_.find(device);
  if (found != device_zone_.end()) {
    found->second = zone;
  } else if (device_zone_.size() < kMaxDevices) {
    device_zone_.emplace(device, zone);
  }
}

std::optional<store::LaborScan> LaborScanOf(const core::Entry& entry, const ScanZones& zones) {
  if (entry.kind != core::Entry::Kind::kScan) {
    return std::nullopt;
  }
  store::LaborScan scan;
  scan.device = entry.device;
  scan.process = std::string(core::ModeName(entry.mode));
  scan.zone = zones.ZoneOfScan(entry);
  // IND-01: a scan accepted with its bin flagged for re-verification is the worker's "ok".
  scan.outcome_class = core::IsAccepted(entry.reply.outcome)
                           ? std::string(privacy::kOutcomeOk)
                           : std::string(core::OutcomeName(entry.reply.outcome));
  for (const core::Event& event : entry.events) {
    int64_t quantity = 0;
    if (const auto* received = std::get_if<core::UnitsReceived>(&event)) {
      quantity = received->quantity;
    } else if (const auto* moved = std::get_if<core::UnitsMoved>(&event)) {
      quantity = moved->quantity;
    }
    // Saturates past the store's bound, which then refuses the scan ("bad_units").
    scan.units =
        std::min(scan.units + std::max<int64_t>(quantity, 0), privacy::kMaxUnitsPerScan + 1);
  }
  scan.at_ms = entry.at_ms;
  return scan;
}

// --- LaborRecorder -----------------------------------------------------------------------

std::unique_ptr<LaborRecorder> LaborRecorder::Start(store::LaborStore& store, ScanZones zones,
                                                    LaborRecorderOptions options) {
  options.batch_scans_max =
      std::clamp<size_t>(options.batch_scans_max, 1, store::kMaxScansPerBatch);
  options.log = LogOrDefault(std::move(options.log));
  std::unique_ptr<LaborRecorder> recorder(
      new LaborRecorder(store, std::move(zones), std::move(options)));
  recorder->thread_ = std::thread([raw = recorder.get()] { raw->Run(); });
  return recorder;
}

LaborRecorder::LaborRecorder(store::LaborStore& store, ScanZones zones,
                             LaborRecorderOptions options)
    : store_(store), zones_(std::move(zones)), options_(std::move(options)) {}

LaborRecorder::~LaborRecorder() { Stop(); }

void LaborRecorder::Stop() {
  std::lock_guard stop_lock(stop_mutex_);
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void LaborRecorder::Warn(const std::string& message) { options_.log("warning: " + message); }

bool LaborRecorder::MustWake(bool was_empty) const {
  return (was_empty && !queue_.empty()) || queue_.size() >= options_.batch_scans_max;
}

bool LaborRecorder::Enqueue(Item item, size_t bytes) {
  bool first_drop = false;
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      return false;
    }
    const bool was_empty = queue_.empty();
    if (queue_.size() + 1 > options_.queue_items_max ||
        queue_bytes_ + bytes > options_.queue_bytes_max) {
      ++stats_.dropped;
      first_drop = !std::exchange(overflowing_, true);
    } else {
      queue_.push_back(std::move(item));
      queue_bytes_ += bytes;
      ++enqueued_;
    }
    wake = MustWake(was_empty);
  }
  if (first_drop) {
    Warn(
        "the labor recorder's queue is full; labor events are dropped until it drains "
        "(stock and scanning are unaffected)");
    return false;
  }
  if (wake) {
    wake_.notify_one();
  }
  return true;
}

void LaborRecorder::Publish(std::span<const store::JournalRecord> records) {
  bool first_drop = false;
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      return;
    }
    const bool was_empty = queue_.empty();
    for (const store::JournalRecord& record : records) {
      const size_t bytes = ItemBytes(record);
      if (queue_.size() + 1 > options_.queue_items_max ||
          queue_bytes_ + bytes > options_.queue_bytes_max) {
        ++stats_.dropped;
        first_drop = first_drop || !std::exchange(overflowing_, true);
        continue;
      }
      // The idempotency key is not needed (and not kept).
      queue_.push_back(store::JournalRecord{record.seq, "", record.payload});
      queue_bytes_ += bytes;
      ++enqueued_;
    }
    wake = MustWake(was_empty);
  }
  if (first_drop) {
    Warn(
        "the labor recorder's queue is full; labor events are dropped until it drains "
        "(stock and scanning are unaffected)");
  }
  if (wake) {
    wake_.notify_one();
  }
}

void LaborRecorder::SignIn(std::string device, int64_t worker_id, int64_t at_ms) {
  const size_t bytes = sizeof(SessionChange) + device.size();
  Enqueue(SessionChange{true, std::move(device), worker_id, at_ms}, bytes);
}

void LaborRecorder::SignOut(std::string device, int64_t at_ms) {
  const size_t bytes = sizeof(SessionChange) + device.size();
  Enqueue(SessionChange{false, std::move(device), 0, at_ms}, bytes);
}

bool LaborRecorder::Flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  const uint64_t target = enqueued_;
  ++flushes_waiting_;
  wake_.notify_one();  // Ends a batch window.
  const bool done = done_.wait_for(lock, timeout, [&] { return finished_ >= target; });
  --flushes_waiting_;
  return done;
}

LaborRecorderStats LaborRecorder::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void LaborRecorder::Run() {
  pthread_setname_np(pthread_self(), "labor-recorder");  // For top -H, perf and gdb.
  while (true) {
    std::deque<Item> items;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) {
        return;  // Stopping, and everything queued was written.
      }
      wake_.wait_for(lock, options_.batch_interval, [this] {
        return stopping_ || flushes_waiting_ > 0 || queue_.size() >= options_.batch_scans_max;
      });
      while (!queue_.empty() && items.size() < options_.batch_scans_max) {
        const Item& front = queue_.front();
        queue_bytes_ -= std::holds_alternative<store::JournalRecord>(front)
                            ? ItemBytes(std::get<store::JournalRecord>(front))
                            : sizeof(SessionChange) + std::get<SessionChange>(front).device.size();
        items.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    const size_t count = items.size();
    Process(items);
    {
      std::lock_guard lock(mutex_);
      finished_ += count;
      if (queue_.empty()) {
        overflowing_ = false;  // The next overflow is a new episode, worth a warning.
      }
    }
    done_.notify_all();
  }
}

void LaborRecorder::Process(std::deque<Item>& items) {
  std::vector<store::LaborScan> scans;
  uint64_t last_seq = 0;
  uint64_t undecodable = 0;
  for (Item& item : items) {
    if (auto* change = std::get_if<SessionChange>(&item)) {
      WriteScans(scans);  // The scans before a sign-in or sign-out belong to the session before.
      Status done = change->sign_in
                        ? store_.StartSession(LaborDayOf(change->at_ms, options_.time_zone),
                                              change->device, change->worker_id, change->at_ms)
                        : store_.EndSession(change->device, change->at_ms);
      std::lock_guard lock(mutex_);
      if (done.ok()) {
        ++(change->sign_in ? stats_.sessions_started : stats_.sessions_ended);
      } else {
        ++stats_.errors;
        stats_.last_error = done.ToString();
      }
      continue;
    }
    const store::JournalRecord& record = std::get<store::JournalRecord>(item);
    last_seq = record.seq;
    StatusOr<core::Entry> entry = core::DecodeEntry(record.payload);
    if (!entry.ok()) {
      ++undecodable;
      continue;
    }
    if (std::optional<store::LaborScan> scan = LaborScanOf(*entry, zones_)) {
      zones_.NoteDeviceZone(scan->device, scan->zone);
      scans.push_back(*std::move(scan));
    }
    zones_.Apply(*entry);
  }
  WriteScans(scans);
  std::lock_guard lock(mutex_);
  stats_.undecodable += undecodable;
  stats_.processed_seq = std::max(stats_.processed_seq, last_seq);
}

void LaborRecorder::WriteScans(std::vector<store::LaborScan>& scans) {
  if (scans.empty()) {
    return;
  }
  StatusOr<store::LaborScanBatchResult> result = store_.RecordScans(scans);
  const size_t count = scans.size();
  scans.clear();
  if (!result.ok()) {
    Warn("labor scans not recorded (" + std::to_string(count) +
         " lost): " + result.status().ToString());
  }
  std::lock_guard lock(mutex_);
  ++stats_.store_writes;
  if (!result.ok()) {
    ++stats_.errors;
    stats_.last_error = result.status().ToString();
    return;
  }
  stats_.scans_recorded += static_cast<uint64_t>(result->recorded);
  stats_.scans_without_session += static_cast<uint64_t>(result->no_session);
  stats_.scans_rejected += static_cast<uint64_t>(result->rejected);
}

// --- Retention ---------------------------------------------------------------------------

StatusOr<LaborRetentionReport> RunLaborRetention(
    store::LaborStore& store, store::AuditLog* audit, const privacy::Date& today,
    std::span<const int64_t> worker_ids, int64_t now_ms,
    const std::function<void(const std::string&)>& log) {
  LaborRetentionReport report;
  ENTREPOT_ASSIGN_OR_RETURN(std::vector<privacy::Date> open_before, store.OpenDays());
  StatusOr<std::vector<store::RollUpReport>> rolled = store.RollUpDue(today, worker_ids);
  if (!rolled.ok()) {
    // Days rolled up before the error (or committed but not scrubbed) are still audited.
    StatusOr<std::vector<privacy::Date>> open_after = store.OpenDays();
    if (open_after.ok()) {
      std::set<privacy::Date> still(open_after->begin(), open_after->end());
      for (const privacy::Date& day : open_before) {
        if (still.count(day) == 0) {
          const std::string text = "labor day " + privacy::FormatDate(day) + " rolled up (" +
                                   rolled.status().reason() + ")";
          log(text);
          ENTREPOT_RETURN_IF_ERROR(AppendAudit(
              audit, RetentionRecord("roll_up", privacy::DataClass::kLaborEvents, text, now_ms)));
        }
      }
    }
    return rolled.status();
  }
  for (const store::RollUpReport& day : *rolled) {
    const std::string text = RollUpText(day);
    log(text);
    ENTREPOT_RETURN_IF_ERROR(AppendAudit(
        audit, RetentionRecord("roll_up", privacy::DataClass::kLaborEvents, text, now_ms)));
  }
  report.rolled_up = *std::move(rolled);
  ENTREPOT_ASSIGN_OR_RETURN(report.weeks_expired, store.Expire(today));
  if (report.weeks_expired > 0) {
    const std::string text = std::to_string(report.weeks_expired) +
                             " weeks of weekly labor aggregates expired on " +
                             privacy::FormatDate(today) + "; week keys destroyed";
    log(text);
    ENTREPOT_RETURN_IF_ERROR(AppendAudit(
        audit, RetentionRecord("expire", privacy::DataClass::kWorkerWeekly, text, now_ms)));
  }
  return report;
}

// --- Sign-in keys ---------------------------------------------------------------------------

StatusOr<std::unique_ptr<SignInKeyDir>> SignInKeyDir::Open(const std::filesystem::path& dir,
                                                           LaborTimeZone zone,
                                                           std::function<int64_t()> now_ms) {
  ENTREPOT_CHECK(now_ms != nullptr);
  ENTREPOT_ASSIGN_OR_RETURN(store::LaborKeyDir keys, store::LaborKeyDir::Open(dir));
  return std::unique_ptr<SignInKeyDir>(new SignInKeyDir(std::move(keys), zone, std::move(now_ms)));
}

std::string SignInKeyDir::CurrentName() {
  return std::string(kPrefix) + privacy::FormatDate(LaborDayOf(now_ms_(), zone_));
}

StatusOr<std::optional<auth::SessionKey>> SignInKeyDir::Load(const std::string& name) {
  return keys_.Load(name);
}

Status SignInKeyDir::Write(const std::string& name, const auth::SessionKey& key) {
  return keys_.Write(name, key);
}

Status SignInKeyDir::Destroy(const std::string& name) { return keys_.Destroy(name); }

StatusOr<std::vector<std::string>> SignInKeyDir::Names() {
  ENTREPOT_ASSIGN_OR_RETURN(std::vector<std::string> names, keys_.Names());
  std::erase_if(names, [](const std::string& name) { return !name.starts_with(kPrefix); });
  return names;
}

// --- The end-of-day job ----------------------------------------------------------------------

std::unique_ptr<LaborRetentionJob> LaborRetentionJob::Start(store::LaborStore* store,
                                                            store::AuditLog* audit,
                                                            LaborRetentionOptions options) {
  ENTREPOT_CHECK(options.now_ms && options.worker_ids);
  options.log = LogOrDefault(std::move(options.log));
  std::unique_ptr<LaborRetentionJob> job(new LaborRetentionJob(store, audit, std::move(options)));
  job->thread_ = std::thread([raw = job.get()] { raw->Run(); });
  return job;
}

LaborRetentionJob::LaborRetentionJob(store::LaborStore* store, store::AuditLog* audit,
                                     LaborRetentionOptions options)
    : store_(store), audit_(audit), options_(std::move(options)) {
  if (options_.audit_pruned_at_start) {
    audit_pruned_on_ = LaborDayOf(options_.now_ms());
  }
}

LaborRetentionJob::~LaborRetentionJob() { Stop(); }

void LaborRetentionJob::Stop() {
  std::lock_guard stop_lock(stop_mutex_);
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void LaborRetentionJob::RotateSignInKey(int64_t now_ms) {
  if (options_.accounts == nullptr) {
    return;
  }
  StatusOr<auth::SessionKeyRotation> rotated = options_.accounts->RotateSessionKey();
  if (!rotated.ok()) {
    options_.log("warning: sign-in key not rotated (retried in an hour): " +
                 rotated.status().ToString());
    return;
  }
  if (!rotated->destroyed.empty() || rotated->dropped > 0) {
    std::string destroyed;
    for (const std::string& name : rotated->destroyed) {
      destroyed += (destroyed.empty() ? "" : ", ") + name;
    }
    const std::string text = "device sessions: " + std::to_string(rotated->resealed) +
                             " sealed again under " + rotated->key_name + ", " +
                             std::to_string(rotated->dropped) +
                             " dropped (their key was gone); sign-in keys destroyed: " +
                             (destroyed.empty() ? "none" : destroyed);
    options_.log(text);
    // RET-03: the DPO sees the badge sign-ins of past days become unreadable.
    Status recorded = AppendAudit(
        audit_,
        RetentionRecord("destroy_sign_in_keys", privacy::DataClass::kLaborEvents, text, now_ms));
    if (!recorded.ok()) {
      options_.log("warning: " + recorded.ToString());
    }
  }
}

StatusOr<LaborRetentionReport> LaborRetentionJob::RunOnce() {
  std::lock_guard run_lock(run_mutex_);
  const int64_t now_ms = options_.now_ms();
  RotateSignInKey(now_ms);
  StatusOr<LaborRetentionReport> report = LaborRetentionReport{};
  if (store_ != nullptr) {
    StatusOr<std::vector<int64_t>> ids = options_.worker_ids();
    report = ids.ok() ? RunLaborRetention(*store_, audit_, LaborDayOf(now_ms, options_.time_zone),
                                          *ids, now_ms, options_.log)
                      : StatusOr<LaborRetentionReport>(ids.status());
  }
  if (!report.ok()) {
    options_.log("warning: labor retention job failed (retried in an hour): " +
                 report.status().ToString());
  }
  PruneAuditLogIfDue(now_ms);
  runs_.fetch_add(1, std::memory_order_acq_rel);
  return report;
}

void LaborRetentionJob::PruneAuditLogIfDue(int64_t now_ms) {
  const privacy::Date today = LaborDayOf(now_ms);
  if (audit_ == nullptr || options_.audit_log_months <= 0 || audit_pruned_on_ == today) {
    return;
  }
  StatusOr<store::AuditPruneResult> pruned = audit_->PruneBefore(
      privacy::AuditRetentionCutoffMs(now_ms, options_.audit_log_months), now_ms);
  if (!pruned.ok()) {
    options_.log("warning: audit log not pruned (retried in an hour): " +
                 pruned.status().ToString());
    return;
  }
  audit_pruned_on_ = today;
  if (pruned->pruned > 0) {
    options_.log("audit log: " + std::to_string(pruned->pruned) +
                 " records past retention pruned (RET-03)");
  }
}

void LaborRetentionJob::Run() {
  // At start first: the server may have been down when a day ended.
  while (true) {
    (void)RunOnce();
    const std::chrono::milliseconds wait =
        UntilNextRun(options_.now_ms(), options_.every, options_.time_zone);
    std::unique_lock lock(mutex_);
    if (wake_.wait_for(lock, wait, [this] { return stopping_; })) {
      return;
    }
  }
}

}  // namespace entrepot::server
