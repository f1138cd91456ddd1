// Tests of the labor recorder and the end-of-day job against a real site (core::Site through
// engine::SiteEngine, a SqliteJournal) and a real LaborStore and AuditLog in a temporary
// directory: committed scans become labor rows of the signed-in worker's session (RET-01:
// under the day pseudonym only), the queue drops rather than blocks, and the job rolls up
// and expires with audit records (RET-01, RET-02, RET-03).
#include "entrepot/server/labor_recorder.h"

#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "entrepot/auth/account_store.h"
#include "entrepot/core/site_test_util.h"
#include "entrepot/engine/site_engine.h"
#include "entrepot/store/audit_log.h"
#include "entrepot/store/sqlite_journal.h"
#include "gtest/gtest.h"

namespace entrepot::server {
namespace {

using core::Mode;
using core::testing::ContainerLabel;
using core::testing::Item;
using core::testing::kKettle;
using core::testing::kStart;
using core::testing::LocationLabel;
using std::chrono::day;
using std::chrono::month;
using std::chrono::year;

constexpr std::chrono::seconds kWait{20};
constexpr int64_t kDayMs = 24 * 3600 * 1000;
constexpr int64_t kAlice = 7;
constexpr int64_t kBob = 8;

class LaborRecorderTest : public ::testing::Test {
 protected:
  LaborRecorderTest() {
    dir_ = (std::filesystem::temp_directory_path() /
            ("entrepot-labor-recorder-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto journal = store::SqliteJournal::Open(dir_ + "/journal.db");
    EXPECT_TRUE(journal.ok()) << journal.status().ToString();
    auto engine = engine::SiteEngine::Open(*std::move(journal));
    EXPECT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = *std::move(engine);
    EXPECT_TRUE(engine_->LoadLayout(core::testing::SmallLayout()).ok());
    auto labor = store::LaborStore::Open(dir_, privacy::DefaultPolicy());
    EXPECT_TRUE(labor.ok()) << labor.status().ToString();
    labor_ = *std::move(labor);
  }
  ~LaborRecorderTest() override {
    if (engine_) {
      engine_->set_commit_listener(nullptr);
    }
    recorder_.reset();
    labor_.reset();
    engine_.reset();
    std::filesystem::remove_all(dir_);
  }

  // The recorder as serve wires it: zones from the state at start, fed by the listener.
  LaborRecorder& StartRecorder(LaborRecorderOptions options = {}) {
    options.log = [this](const std::string& line) {
      std::lock_guard lock(log_mutex_);
      log_.push_back(line);
    };
    recorder_ = LaborRecorder::Start(*labor_, ScanZones::FromState(engine_->state()), options);
    engine_->set_commit_listener(
        [this](std::span<const store::JournalRecord> records) { recorder_->Publish(records); });
    return *recorder_;
  }

  // Executes `codes` on `device` in `mode`, one batch; returns the outcomes.
  std::vector<core::Outcome> Scan(const std::string& device, Mode mode,
                                  const std::vector<std::string>& codes) {
    std::vector<core::ScanCommand> batch;
    for (const std::string& code : codes) {
      now_ += 1000;
      batch.push_back({"k-" + std::to_string(++keys_), device, mode, code, now_});
    }
    auto replies = engine_->Execute(batch);
    EXPECT_TRUE(replies.ok()) << replies.status().ToString();
    std::vector<core::Outcome> outcomes;
    for (const auto& reply : *replies) {
      outcomes.push_back(reply.reply.outcome);
    }
    return outcomes;
  }

  store::OwnLaborDay Day(int64_t worker) {
    auto day = labor_->WorkerDay(LaborDayOf(kStart), worker);
    EXPECT_TRUE(day.ok()) << day.status().ToString();
    return day.ok() ? *day : store::OwnLaborDay{};
  }

  std::string dir_;
  int64_t now_ = kStart;
  int keys_ = 0;
  std::mutex log_mutex_;
  std::vector<std::string> log_;  // Guarded by log_mutex_ (the recorder's thread logs too).
  std::unique_ptr<engine::SiteEngine> engine_;
  std::unique_ptr<store::LaborStore> labor_;
  std::unique_ptr<LaborRecorder> recorder_;
};

TEST(LaborDayOfTest, IsTheUtcCalendarDay) {
  EXPECT_EQ(LaborDayOf(kStart), privacy::Date(year(2026), month(11), day(18)));
  const int64_t midnight = 1'795'046'400'000;  // 2026-11-19T00:00:00Z.
  EXPECT_EQ(LaborDayOf(midnight - 1), privacy::Date(year(2026), month(11), day(18)));
  EXPECT_EQ(LaborDayOf(midnight), privacy::Date(year(2026), month(11), day(19)));
}

TEST(LaborScanOfTest, ReverifyIsOkErrorsAreTheirCauseAndMasterDataIsNoScan) {
  ScanZones zones;
  core::Entry entry;
  entry.device = "HH-01";
  entry.mode = Mode::kStow;
  entry.at_ms = 42;
  entry.reply.outcome = core::Outcome::kReverify;
  entry.events.push_back(core::UnitsMoved{{kKettle, "", "", ""},
                                          3,
                                          domain::Holder::InContainer("label:T1"),
                                          domain::Holder::AtLocation("A-1")});
  std::optional<store::LaborScan> scan = LaborScanOf(entry, zones);
  ASSERT_TRUE(scan.has_value());
  EXPECT_EQ(scan->outcome_class, "ok");  // IND-01: the flag is the bin's, never the worker's.
  EXPECT_EQ(scan->process, "stow");
  EXPECT_EQ(scan->units, 3);
  EXPECT_EQ(scan->zone, "");  // A-1 is not known to these zones.
  EXPECT_EQ(scan->at_ms, 42);

  entry.reply.outcome = core::Outcome::kWrongLocation;
  entry.events.clear();
  EXPECT_EQ(LaborScanOf(entry, zones)->outcome_class, "wrong_location");
  EXPECT_EQ(LaborScanOf(entry, zones)->units, 0);

  entry.kind = core::Entry::Kind::kMasterData;
  EXPECT_FALSE(LaborScanOf(entry, zones).has_value());
}

TEST(ScanZonesTest, FollowsLocationsDefinedAndContainersMoved) {
  ScanZones zones;
  core::Entry master;
  master.kind = core::Entry::Kind::kMasterData;
  domain::Location bin;
  bin.code = "B-01";
  bin.zone = "B";
  master.events.push_back(core::LocationDefined{bin});
  zones.Apply(master);
  EXPECT_EQ(zones.ZoneOf(domain::Holder::AtLocation("B-01")), "B");
  EXPECT_EQ(zones.ZoneOf(domain::Holder::InContainer("label:T1")), "");

  core::Entry move;
  move.events.push_back(core::ContainerMoved{"label:T1", domain::Holder::AtLocation("B-01")});
  move.events.push_back(core::ContainerMoved{"label:T2", domain::Holder::InContainer("label:T1")});
  zones.Apply(move);
  EXPECT_EQ(zones.ZoneOf(domain::Holder::InContainer("label:T2")), "B");  // Nested.

  core::Entry ship;
  ship.events.push_back(core::ContainerShipped{"label:T1", "DOOR"});
  zones.Apply(ship);
  EXPECT_EQ(zones.ZoneOf(domain::Holder::InContainer("label:T1")), "");

  // A scan with no located event falls back on the device's previous zone.
  core::Entry error;
  error.device = "HH-09";
  EXPECT_EQ(zones.ZoneOfScan(error), "");
  zones.NoteDeviceZone("HH-09", "B");
  EXPECT_EQ(zones.ZoneOfScan(error), "B");
}

TEST_F(LaborRecorderTest, CommittedScansBecomeTheSignedInWorkersLaborRows) {
  LaborRecorder& recorder = StartRecorder();
  recorder.SignIn("HH-01", kAlice, now_);
  Scan("HH-01", Mode::kReceive,
       {LocationLabel("DOCK-01"), ContainerLabel("T1"), Item(kKettle), Item(kKettle)});
  EXPECT_EQ(Scan("HH-01", Mode::kReceive, {"not a code"}).front(), core::Outcome::kUnknownCode);
  Scan("HH-02", Mode::kReceive, {LocationLabel("DOCK-02")});  // Nobody signed in on HH-02.
  ASSERT_TRUE(recorder.Flush(kWait));

  store::OwnLaborDay alice = Day(kAlice);
  ASSERT_EQ(alice.scans.size(), 5u);
  EXPECT_EQ(alice.today.units, 2);
  EXPECT_EQ(alice.today.errors_per_cause, (std::map<std::string, int64_t>{{"unknown_code", 1}}));
  for (const store::OwnScan& scan : alice.scans) {
    EXPECT_EQ(scan.process, "receive");
    EXPECT_EQ(scan.zone, "INB") << "at " << scan.at_ms;  // DOCK-01, directly or via T1.
  }
  ASSERT_EQ(alice.sessions.size(), 1u);
  EXPECT_FALSE(alice.sessions[0].end_ms.has_value());
  LaborRecorderStats stats = recorder.stats();
  EXPECT_EQ(stats.scans_recorded, 5u);
  EXPECT_EQ(stats.scans_without_session, 1u);
  EXPECT_EQ(stats.sessions_started, 1u);
  EXPECT_EQ(stats.processed_seq, engine_->last_seq());
  EXPECT_EQ(stats.errors, 0u) << stats.last_error;

  // After sign-out the device's scans link to nobody.
  recorder.SignOut("HH-01", now_ + 1);
  Scan("HH-01", Mode::kReceive, {LocationLabel("DOCK-01")});
  ASSERT_TRUE(recorder.Flush(kWait));
  EXPECT_EQ(Day(kAlice).scans.size(), 5u);
  ASSERT_TRUE(Day(kAlice).sessions[0].end_ms.has_value());
  EXPECT_EQ(recorder.stats().scans_without_session, 2u);
}

TEST_F(LaborRecorderTest, ScansCommittedOneByOneAreWrittenInOneTransaction) {
  LaborRecorderOptions options;
  options.batch_interval = std::chrono::minutes(1);  // Longer than kWait: Flush must end it.
  LaborRecorder& recorder = StartRecorder(options);
  recorder.SignIn("HH-01", kAlice, now_);
  for (int i = 0; i < 20; ++i) {
    Scan("HH-01", Mode::kReceive, {LocationLabel("DOCK-01")});  // One commit each.
  }

  ASSERT_TRUE(recorder.Flush(kWait));

  EXPECT_EQ(Day(kAlice).scans.size(), 20u);
  EXPECT_EQ(recorder.stats().store_writes, 1u);
}

TEST_F(LaborRecorderTest, ASignInQueuedBehindScansLeavesThemToThePreviousWorker) {
  LaborRecorder& recorder = StartRecorder();
  recorder.SignIn("HH-01", kAlice, now_);
  Scan("HH-01", Mode::kReceive, {LocationLabel("DOCK-01"), Item(kKettle), Item(kKettle)});
  recorder.SignIn("HH-01", kBob, now_ + 1);  // No flush between: queued behind Alice's scans.
  Scan("HH-01", Mode::kReceive, {Item(kKettle)});
  ASSERT_TRUE(recorder.Flush(kWait));
  EXPECT_EQ(Day(kAlice).scans.size(), 3u);
  EXPECT_EQ(Day(kAlice).today.units, 2);
  EXPECT_EQ(Day(kBob).scans.size(), 1u);
  EXPECT_EQ(Day(kBob).today.units, 1);
}

// A French site: its labor day ends at midnight in Paris (UTC+1 in November). A night shift
// signing in at 00:30 local, 23:30 UTC, works in the new local day, not in the UTC one; the
// job rolls that day up just after the next local midnight, an hour before UTC's.
TEST_F(LaborRecorderTest, LaborDaysFollowTheSitesTimeZone) {
  StatusOr<LaborTimeZone> paris = LaborTimeZone::Find("Europe/Paris");
  ASSERT_TRUE(paris.ok()) << paris.status().ToString();
  LaborRecorderOptions recorder_options;
  recorder_options.time_zone = *paris;
  LaborRecorder& recorder = StartRecorder(recorder_options);
  const int64_t utc_midnight = 1'795'046'400'000;  // 2026-11-19T00:00:00Z, 01:00 in Paris.
  const privacy::Date nov18(year(2026), month(11), day(18));
  const privacy::Date nov19(year(2026), month(11), day(19));
  recorder.SignIn("HH-01", kAlice, utc_midnight - 1800 * 1000);  // 00:30 on the 19th in Paris.
  Scan("HH-01", Mode::kReceive, {LocationLabel("DOCK-01")});
  ASSERT_TRUE(recorder.Flush(kWait));
  EXPECT_EQ(labor_->WorkerDay(nov19, kAlice)->sessions.size(), 1u);
  EXPECT_TRUE(labor_->WorkerDay(nov18, kAlice)->sessions.empty());

  // 23:59:59.999 on the 19th in Paris. Atomic: the job's thread reads it too.
  std::atomic<int64_t> now = utc_midnight + kDayMs - 3600 * 1000 - 1;
  LaborRetentionOptions options;
  options.now_ms = [&now] { return now.load(); };
  options.worker_ids = [] { return StatusOr<std::vector<int64_t>>(std::vector<int64_t>{kAlice}); };
  options.log = [](const std::string&) {};
  options.every = std::chrono::hours(24);
  options.time_zone = *paris;
  auto job = LaborRetentionJob::Start(labor_.get(), nullptr, options);
  StatusOr<LaborRetentionReport> before = job->RunOnce();
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  EXPECT_TRUE(before->rolled_up.empty());  // Still the 19th in Paris.
  EXPECT_EQ(*labor_->OpenDays(), std::vector<privacy::Date>{nov19});
  now += 2;  // Midnight in Paris; 23:00 UTC. The job's thread wakes for it too, a second later.
  ASSERT_TRUE(job->RunOnce().ok());
  job->Stop();
  EXPECT_EQ(labor_->WeeklyForWorker(kAlice, nov19)->totals.ms_per_zone.size(), 1u);
  // Alice has not signed out: her night shift goes on in the 20th.
  EXPECT_EQ(*labor_->OpenDays(), std::vector<privacy::Date>{privacy::AddDays(nov19, 1)});
}

TEST_F(LaborRecorderTest, UndecodableRecordsAreCountedAndSkipped) {
  LaborRecorder& recorder = StartRecorder();
  const store::JournalRecord junk{99, "", "not an entry"};
  recorder.Publish(std::span(&junk, 1));
  recorder.SignIn("HH-01", kAlice, now_);
  Scan("HH-01", Mode::kReceive, {LocationLabel("DOCK-01")});
  ASSERT_TRUE(recorder.Flush(kWait));
  EXPECT_EQ(recorder.stats().undecodable, 1u);
  EXPECT_EQ(recorder.stats().scans_recorded, 1u);
}

// Labor data must never slow scanning: with the store locked by another connection, the
// recorder's thread is stuck, and Publish still returns at once, dropping what does not fit.
TEST_F(LaborRecorderTest, AFullQueueDropsAndNeverBlocksPublish) {
  LaborRecorderOptions options;
  options.queue_items_max = 4;
  LaborRecorder& recorder = StartRecorder(options);
  recorder.SignIn("HH-01", kAlice, now_);
  ASSERT_TRUE(recorder.Flush(kWait));
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ + "/labor.db").c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);

  Scan("HH-01", Mode::kReceive, {LocationLabel("DOCK-01")});  // The thread takes it and waits.
  std::vector<store::JournalRecord> flood;
  for (uint64_t seq = 1; seq <= 1000; ++seq) {
    flood.push_back({1000 + seq, "", "payload"});
  }
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 10; ++i) {
    recorder.Publish(flood);
  }
  auto took = std::chrono::steady_clock::now() - start;
  // A Publish that waited for the store would wait out its busy timeout (5 s) on the locked
  // file; 2 s for all ten leaves room for a loaded machine (250 ms failed there once).
  EXPECT_LT(took, std::chrono::seconds(2)) << "Publish waited for the store";
  EXPECT_GE(recorder.stats().dropped, 10'000u - 5u);
  {
    std::lock_guard lock(log_mutex_);
    ASSERT_EQ(log_.size(), 1u) << "one warning per overflow episode";
    EXPECT_NE(log_.front().find("dropped"), std::string::npos) << log_.front();
  }

  ASSERT_EQ(sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  ASSERT_TRUE(recorder.Flush(kWait));
  // Scanning carries on and is recorded again once the store is free.
  const uint64_t recorded = recorder.stats().scans_recorded;
  Scan("HH-01", Mode::kReceive, {LocationLabel("DOCK-01")});
  ASSERT_TRUE(recorder.Flush(kWait));
  EXPECT_EQ(recorder.stats().scans_recorded, recorded + 1);
}

TEST_F(LaborRecorderTest, RetentionRollsUpExpiresAndAuditsEachStep) {
  LaborRecorder& recorder = StartRecorder();
  recorder.SignIn("HH-01", kAlice, now_);
  Scan("HH-01", Mode::kReceive, {LocationLabel("DOCK-01"), Item(kKettle)});
  recorder.SignOut("HH-01", now_ + 1);
  ASSERT_TRUE(recorder.Flush(kWait));
  auto audit = store::AuditLog::OpenInDirectory(dir_);
  ASSERT_TRUE(audit.ok()) << audit.status().ToString();
  std::vector<std::string> lines;
  auto log = [&lines](const std::string& line) { lines.push_back(line); };
  const std::vector<int64_t> ids = {kAlice, kBob};

  // The same day: nothing is due.
  auto same_day = RunLaborRetention(*labor_, audit->get(), LaborDayOf(kStart), ids, kStart, log);
  ASSERT_TRUE(same_day.ok()) << same_day.status().ToString();
  EXPECT_TRUE(same_day->rolled_up.empty());
  EXPECT_TRUE(lines.empty());

  const int64_t tomorrow = kStart + kDayMs;
  auto next_day =
      RunLaborRetention(*labor_, audit->get(), LaborDayOf(tomorrow), ids, tomorrow, log);
  ASSERT_TRUE(next_day.ok()) << next_day.status().ToString();
  ASSERT_EQ(next_day->rolled_up.size(), 1u);
  EXPECT_EQ(next_day->rolled_up[0].workers, 1);
  EXPECT_TRUE(Day(kAlice).scans.empty());  // RET-01: the day key is gone.
  auto week = labor_->WeeklyForWorker(kAlice, LaborDayOf(kStart));
  ASSERT_TRUE(week.ok()) << week.status().ToString();
  EXPECT_EQ(week->totals.units_per_process.at("receive"), 1);

  const int64_t later = kStart + 15 * 7 * kDayMs;
  auto expired = RunLaborRetention(*labor_, audit->get(), LaborDayOf(later), ids, later, log);
  ASSERT_TRUE(expired.ok()) << expired.status().ToString();
  EXPECT_EQ(expired->weeks_expired, 1);
  EXPECT_EQ(labor_->WeeklyForWorker(kAlice, LaborDayOf(kStart)).status().reason(), "week_not_kept");
  EXPECT_EQ(lines.size(), 2u);

  auto page = (*audit)->Query({});
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  std::vector<std::string> actions;
  for (const store::StoredAuditRecord& stored : page->records) {
    const privacy::AuditRecord& record = stored.record;
    EXPECT_EQ(record.actor_kind, privacy::PrincipalKind::kSystem);
    EXPECT_EQ(record.purpose, "retention");
    actions.push_back(record.action + ":" + record.data_class);
  }
  EXPECT_EQ(actions, (std::vector<std::string>{"roll_up:labor_events", "expire:worker_weekly"}));
}

TEST_F(LaborRecorderTest, TheJobRunsAtStartAndStopsPromptly) {
  StartRecorder().SignIn("HH-01", kAlice, now_);
  recorder_->SignOut("HH-01", now_ + 1);
  ASSERT_TRUE(recorder_->Flush(kWait));
  LaborRetentionOptions options;
  options.now_ms = [] { return kStart + kDayMs; };
  options.worker_ids = [] { return StatusOr<std::vector<int64_t>>(std::vector<int64_t>{kAlice}); };
  options.log = [](const std::string&) {};
  auto job = LaborRetentionJob::Start(labor_.get(), nullptr, options);
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (job->runs() == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(job->runs(), 1u);
  auto open = labor_->OpenDays();
  ASSERT_TRUE(open.ok());
  EXPECT_TRUE(open->empty());  // The day of the sign-in was rolled up.
  auto start = std::chrono::steady_clock::now();
  job->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(job->runs(), 1u);
}

// RET-01: the badge sign-in persisted by the account store is sealed under the labor day's
// sign-in key, a file of the labor key directory; the job's first run after midnight seals it
// again under the new day's key and destroys the old file, the worker staying signed in, also
// after a restart. Without a labor stream the job still rotates.
TEST_F(LaborRecorderTest, TheJobRotatesTheSignInKeyAtTheEndOfTheLaborDay) {
  StartRecorder().SignIn("HH-01", kAlice, now_);  // A day key in the same directory.
  ASSERT_TRUE(recorder_->Flush(kWait));
  std::atomic<int64_t> now{kStart};
  const std::filesystem::path key_dir = std::filesystem::path(dir_) / store::kLaborKeyDirName;
  auto keys = SignInKeyDir::Open(key_dir, LaborTimeZone{}, [&now] { return now.load(); });
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  auth::AccountStoreOptions account_options;
  account_options.now_ms = [&now] { return now.load(); };
  account_options.hash_cost = auth::HashCost::kMinimum;
  account_options.session_keys = keys->get();
  auto open_accounts = [&] {
    return auth::AccountStore::Open(dir_ + "/accounts.db", account_options);
  };
  auto accounts = open_accounts();
  ASSERT_TRUE(accounts.ok()) << accounts.status().ToString();
  auto worker = (*accounts)->AddUser(
      {"w1", "", auth::Role::kWorker, {"*"}, "correct horse battery", "BADGE-1"});
  ASSERT_TRUE(worker.ok()) << worker.status().ToString();
  auto device = (*accounts)->AddDevice("HH-01", 0);
  ASSERT_TRUE(device.ok());
  ASSERT_TRUE((*accounts)->StartDeviceSession(device->id, "BADGE-1").ok());
  const std::string first = "signin-" + privacy::FormatDate(LaborDayOf(kStart));
  const std::string second = "signin-" + privacy::FormatDate(LaborDayOf(kStart + kDayMs));
  EXPECT_EQ((*keys)->CurrentName(), first);
  EXPECT_EQ((*keys)->Names().value(), std::vector<std::string>{first});  // Not the day key.
  EXPECT_TRUE(std::filesystem::exists(key_dir / (first + ".key")));

  now = kStart + kDayMs;
  LaborRetentionOptions options;
  options.now_ms = [&now] { return now.load(); };
  options.worker_ids = [] { return StatusOr<std::vector<int64_t>>(std::vector<int64_t>{}); };
  std::vector<std::string> lines;
  std::mutex lines_mutex;
  options.log = [&](const std::string& line) {
    std::lock_guard lock(lines_mutex);
    lines.push_back(line);
  };
  options.accounts = accounts->get();
  auto audit = store::AuditLog::OpenInDirectory(dir_);
  ASSERT_TRUE(audit.ok()) << audit.status().ToString();
  auto job = LaborRetentionJob::Start(nullptr, audit->get(), options);
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (job->runs() == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  job->Stop();
  ASSERT_EQ(job->runs(), 1u);
  EXPECT_FALSE(std::filesystem::exists(key_dir / (first + ".key")));
  EXPECT_TRUE(std::filesystem::exists(key_dir / (second + ".key")));
  EXPECT_EQ((*keys)->Names().value(), std::vector<std::string>{second});
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("1 sealed again under " + second), std::string::npos) << lines[0];
  // RET-03: the destruction is on the DPO's record too.
  store::AuditQuery query;
  query.limit = 10;
  auto page = (*audit)->Query(query);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->records.size(), 1u);
  EXPECT_EQ(page->records[0].record.action, "destroy_sign_in_keys");
  EXPECT_EQ(page->records[0].record.purpose, privacy::kRetentionPurpose);
  EXPECT_NE(page->records[0].record.resource.find(first), std::string::npos);
  ASSERT_TRUE((*accounts)->SignedInWorker(device->id, "v1").has_value());
  accounts->reset();
  auto restarted = open_accounts();
  ASSERT_TRUE(restarted.ok()) << restarted.status().ToString();
  std::optional<auth::DeviceWorker> signed_in = (*restarted)->SignedInWorker(device->id, "v1");
  ASSERT_TRUE(signed_in.has_value());
  EXPECT_EQ(signed_in->user_id, worker->id);
  EXPECT_EQ(signed_in->since_ms, kStart);
}

TEST_F(LaborRecorderTest, TheJobPrunesTheAuditLogOncePerDay) {
  auto audit = store::AuditLog::OpenInDirectory(dir_);
  ASSERT_TRUE(audit.ok()) << audit.status().ToString();
  privacy::AuditRecord old_read;
  old_read.at_ms = kStart;
  old_read.actor = "carol";
  old_read.actor_role = privacy::Role::kSupervisor;
  old_read.action = "read";
  old_read.data_class = "labor_events";
  old_read.subject = "alice";
  old_read.purpose = "";
  old_read.resource = "GET /api/v1/labor/team";
  ASSERT_TRUE((*audit)->Append(old_read).ok());

  int64_t now = kStart + 400 * kDayMs;  // Past 12 months.
  LaborRetentionOptions options;
  options.now_ms = [&now] { return now; };
  options.worker_ids = [] { return StatusOr<std::vector<int64_t>>(std::vector<int64_t>{}); };
  options.log = [](const std::string&) {};
  options.audit_log_months = 12;
  options.every = std::chrono::hours(24);
  auto job = LaborRetentionJob::Start(labor_.get(), audit->get(), options);
  job->Stop();
  auto prunes = [&audit] {
    store::AuditQuery query;
    auto page = (*audit)->Query(query);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    int count = 0;
    for (const auto& stored : page->records) {
      count += stored.record.action == "prune" ? 1 : 0;
      EXPECT_NE(stored.record.action, "read");  // RET-03: the old read is gone.
    }
    return count;
  };
  EXPECT_EQ(prunes(), 1);
  ASSERT_TRUE(job->RunOnce().ok());
  EXPECT_EQ(prunes(), 1);  // The same day: no second prune record.
  now += kDayMs;
  ASSERT_TRUE(job->RunOnce().ok());
  EXPECT_EQ(prunes(), 2);

  // A server that pruned at start asks for the next prune tomorrow.
  options.audit_pruned_at_start = true;
  auto restarted = LaborRetentionJob::Start(labor_.get(), audit->get(), options);
  restarted->Stop();
  EXPECT_EQ(prunes(), 2);
  now += kDayMs;
  ASSERT_TRUE(restarted->RunOnce().ok());
  EXPECT_EQ(prunes(), 3);
}

}  // namespace
}  // namespace entrepot::server
