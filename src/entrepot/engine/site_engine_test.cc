#include "entrepot/engine/site_engine.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "entrepot/core/codec.h"
#include "entrepot/core/site_test_util.h"
#include "entrepot/engine/controlled_journal.h"
#include "entrepot/store/sqlite_journal.h"
#include "gtest/gtest.h"

namespace entrepot::engine {
namespace {

using core::Mode;
using core::Outcome;
using core::ScanCommand;

class SiteEngineTest : public ::testing::Test {
 protected:
  SiteEngineTest() {
    path_ = (std::filesystem::temp_directory_path() /
             ("entrepot-engine-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db"))
                .string();
    Remove();
  }
  ~SiteEngineTest() override { Remove(); }
  void Remove() {
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::filesystem::remove(path_ + suffix);
    }
  }

  std::unique_ptr<SiteEngine> Open(EngineOptions options = {}, bool read_only = false) {
    store::SqliteJournal::Options journal_options;
    journal_options.read_only = read_only;
    auto journal = store::SqliteJournal::Open(path_, journal_options);
    EXPECT_TRUE(journal.ok()) << journal.status().ToString();
    auto engine = SiteEngine::Open(*std::move(journal), options);
    EXPECT_TRUE(engine.ok()) << engine.status().ToString();
    return engine.ok() ? *std::move(engine) : nullptr;
  }
  std::unique_ptr<SiteEngine> OpenInitialised(EngineOptions options = {}) {
    std::unique_ptr<SiteEngine> engine = Open(options);
    EXPECT_TRUE(engine->LoadLayout(core::testing::SmallLayout()).ok());
    return engine;
  }
  ScanCommand Command(const std::string& key, const std::string& code, Mode mode = Mode::kReceive) {
    return ScanCommand{key, "HH-01", mode, code, core::testing::kStart + ++tick_ * 2000};
  }
  // A batch that receives `units` kettles at DOCK-01, keys prefixed with `prefix`.
  std::vector<ScanCommand> ReceiveBatch(const std::string& prefix, int units) {
    std::vector<ScanCommand> batch = {
        Command(prefix + "-dock", core::testing::LocationLabel("DOCK-01"))};
    for (int i = 0; i < units; ++i) {
      batch.push_back(
          Command(prefix + "-" + std::to_string(i), core::testing::Item(core::testing::kKettle)));
    }
    return batch;
  }
  int64_t DockUnits(const SiteEngine& engine) {
    return engine.state().FindLocation("DOCK-01")->units;
  }
  // Appends the seq of every record the engine's commit listener sees to `seen`.
  static void ListenForSeqs(SiteEngine& engine, std::vector<uint64_t>& seen) {
    engine.set_commit_listener([&seen](std::span<const store::JournalRecord> records) {
      for (const store::JournalRecord& record : records) {
        seen.push_back(record.seq);
      }
    });
  }

  std::string path_;
  int tick_ = 0;
};

TEST_F(SiteEngineTest, ExecuteRepliesInOrderAfterCommit) {
  std::unique_ptr<SiteEngine> engine = OpenInitialised();
  uint64_t before = engine->last_seq();
  StatusOr<std::vector<ScanReply>> replies = engine->Execute(ReceiveBatch("a", 3));
  ASSERT_TRUE(replies.ok()) << replies.status().ToString();
  ASSERT_EQ(replies->size(), 4u);
  for (size_t i = 0; i < replies->size(); ++i) {
    EXPECT_EQ((*replies)[i].reply.outcome, Outcome::kOk);
    EXPECT_EQ((*replies)[i].seq, before + i + 1);
  }
  EXPECT_EQ(engine->last_seq(), before + 4);
}

TEST_F(SiteEngineTest, CommitListenerSeesEachCommittedBatchInOrder) {
  std::unique_ptr<SiteEngine> engine = OpenInitialised();
  std::vector<uint64_t> seen;
  ListenForSeqs(*engine, seen);
  uint64_t before = engine->last_seq();
  ASSERT_TRUE(engine->Execute(ReceiveBatch("a", 2)).ok());
  // A batch of replays only commits nothing, so the listener hears nothing.
  ASSERT_TRUE(engine->Execute(ReceiveBatch("a", 2)).ok());
  EXPECT_EQ(seen, (std::vector<uint64_t>{before + 1, before + 2, before + 3}));
}

TEST_F(SiteEngineTest, ReopenRebuildsTheSameState) {
  std::string state;
  {
    std::unique_ptr<SiteEngine> engine = OpenInitialised();
    ASSERT_TRUE(engine->Execute(ReceiveBatch("a", 5)).ok());
    state = engine->state().Encode();
  }
  std::unique_ptr<SiteEngine> reopened = Open();
  EXPECT_EQ(reopened->state().Encode(), state);
  EXPECT_EQ(DockUnits(*reopened), 5);
}

TEST_F(SiteEngineTest, RepeatedKeyAfterReopenReturnsFirstReplyAndChangesNothing) {
  std::vector<ScanCommand> batch = ReceiveBatch("a", 1);
  std::vector<ScanReply> first;
  {
    std::unique_ptr<SiteEngine> engine = OpenInitialised();
    first = *engine->Execute(batch);
  }
  std::unique_ptr<SiteEngine> engine = Open();
  uint64_t last = engine->last_seq();
  StatusOr<std::vector<ScanReply>> again = engine->Execute(batch);
  ASSERT_TRUE(again.ok());
  for (size_t i = 0; i < batch.size(); ++i) {
    EXPECT_TRUE((*again)[i].replayed);
    EXPECT_EQ((*again)[i].seq, first[i].seq);
    EXPECT_EQ((*again)[i].reply.message, first[i].reply.message);
  }
  EXPECT_EQ(engine->last_seq(), last);
  EXPECT_EQ(DockUnits(*engine), 1);
}

TEST_F(SiteEngineTest, AfterReopenAReplayOlderThanTheWindowIsRefusedAsTooOld) {
  EngineOptions options;
  options.site.idempotency_window = 2;
  std::vector<ScanCommand> batch = ReceiveBatch("a", 3);
  {
    std::unique_ptr<SiteEngine> engine = OpenInitialised(options);
    ASSERT_TRUE(engine->Execute(batch).ok());
  }
  std::unique_ptr<SiteEngine> engine = Open(options);
  ScanCommand replay = batch[1];
  replay.key = "offline-replay";
  StatusOr<std::vector<ScanReply>> replies = engine->Execute({&replay, 1});
  ASSERT_TRUE(replies.ok());
  EXPECT_EQ((*replies)[0].reply.outcome, Outcome::kTooOld);
  EXPECT_EQ(DockUnits(*engine), 3);
  // A scan made now is not affected.
  EXPECT_EQ((*engine->Execute(ReceiveBatch("b", 1)))[1].reply.outcome, Outcome::kOk);
}

TEST_F(SiteEngineTest, RepeatedKeyInOneBatchIsAppliedOnce) {
  std::unique_ptr<SiteEngine> engine = OpenInitialised();
  std::vector<ScanCommand> batch = ReceiveBatch("a", 1);
  batch.push_back(batch.back());
  StatusOr<std::vector<ScanReply>> replies = engine->Execute(batch);
  ASSERT_TRUE(replies.ok());
  EXPECT_TRUE(replies->back().replayed);
  EXPECT_EQ(replies->back().seq, (*replies)[1].seq);
  EXPECT_EQ(DockUnits(*engine), 1);
}

TEST_F(SiteEngineTest, SnapshotPlusTailRestoresTheSameState) {
  EngineOptions options;
  options.snapshot_every_records = 10;
  std::string state;
  {
    std::unique_ptr<SiteEngine> engine = OpenInitialised(options);
    for (int batch = 0; batch < 5; ++batch) {
      ASSERT_TRUE(engine->Execute(ReceiveBatch("b" + std::to_string(batch), 4)).ok());
    }
    state = engine->state().Encode();
  }
  std::unique_ptr<SiteEngine> reopened = Open(options);
  EXPECT_EQ(reopened->state().Encode(), state);
  StatusOr<VerifyReport> report = reopened->Verify();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_GT(report->snapshot_seq, 0u);
  EXPECT_TRUE(report->snapshot_matches);
  EXPECT_TRUE(report->state_matches);
}

TEST_F(SiteEngineTest, VerifyReportsSnapshotThatDiffersFromReplay) {
  std::unique_ptr<SiteEngine> engine = OpenInitialised();
  ASSERT_TRUE(engine->Execute(ReceiveBatch("a", 2)).ok());
  {
    auto journal = store::SqliteJournal::Open(path_);
    ASSERT_TRUE(journal.ok());
    core::SiteState empty;
    ASSERT_TRUE((*journal)->WriteSnapshot({engine->last_seq(), empty.Encode()}).ok());
  }
  StatusOr<VerifyReport> report = engine->Verify();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_FALSE(report->snapshot_matches);
  EXPECT_TRUE(report->state_matches);
}

TEST_F(SiteEngineTest, LoadLayoutTwiceIsRefused) {
  std::unique_ptr<SiteEngine> engine = OpenInitialised();
  Status again = engine->LoadLayout(core::testing::SmallLayout());
  EXPECT_EQ(again.reason(), "site_initialised");
}

TEST_F(SiteEngineTest, BatchOverTheLimitIsRefusedWhole) {
  EngineOptions options;
  options.batch_commands_max = 2;
  std::unique_ptr<SiteEngine> engine = OpenInitialised(options);
  uint64_t last = engine->last_seq();
  StatusOr<std::vector<ScanReply>> replies = engine->Execute(ReceiveBatch("a", 2));
  EXPECT_EQ(replies.status().reason(), "batch_too_large");
  EXPECT_EQ(engine->last_seq(), last);
}

TEST_F(SiteEngineTest, FailedCommitStopsTheEngineUntilReopened) {
  { OpenInitialised(); }
  std::unique_ptr<SiteEngine> engine = Open({}, /*read_only=*/true);
  StatusOr<std::vector<ScanReply>> replies = engine->Execute(ReceiveBatch("a", 1));
  EXPECT_EQ(replies.status().reason(), "commit_failed");
  EXPECT_EQ(engine->Execute(ReceiveBatch("b", 1)).status().reason(), "engine_failed");
  std::unique_ptr<SiteEngine> reopened = Open();
  EXPECT_EQ(DockUnits(*reopened), 0);  // Nothing of the failed batch is visible.
  EXPECT_TRUE(reopened->Execute(ReceiveBatch("a", 1)).ok());
}

// --- Pipelined group commit (ExecuteAsync) ------------------------------------------------

class PipelineTest : public SiteEngineTest {
 protected:
  // An initialised site whose journal holds its appends until controls_.hold is cleared.
  std::unique_ptr<SiteEngine> OpenGated(EngineOptions options = {}) {
    { OpenInitialised(); }
    auto sqlite = store::SqliteJournal::Open(path_);
    EXPECT_TRUE(sqlite.ok());
    controls_.hold = true;
    auto engine = SiteEngine::Open(
        std::make_unique<testing::ControlledJournal>(*std::move(sqlite), &controls_), options);
    EXPECT_TRUE(engine.ok());
    return *std::move(engine);
  }
  // The seq a fresh reader of the journal file sees.
  uint64_t DurableSeq() {
    auto reader = store::SqliteJournal::Open(path_);
    EXPECT_TRUE(reader.ok());
    return (*reader)->LastSeq();
  }

  // What each ExecuteAsync callback saw, in the order they ran.
  struct Answer {
    int batch = 0;
    StatusOr<std::vector<ScanReply>> replies;
    uint64_t durable_seq = 0;  // Read from the file when the callback ran.
  };
  SiteEngine::ScanDone Record(int batch) {
    return [this, batch](StatusOr<std::vector<ScanReply>> replies) {
      const uint64_t durable = DurableSeq();
      std::lock_guard lock(mutex_);
      answers_.push_back(Answer{batch, std::move(replies), durable});
    };
  }

  testing::JournalControls controls_;
  std::mutex mutex_;
  std::vector<Answer> answers_;  // Guarded by mutex_.
};

TEST_F(PipelineTest, BatchesAreDecidedAtOnceAndAnsweredInOrderAfterTheirCommit) {
  std::unique_ptr<SiteEngine> engine = OpenGated();
  const uint64_t before = engine->last_seq();
  for (int batch = 0; batch < 3; ++batch) {
    ASSERT_TRUE(
        engine->ExecuteAsync(ReceiveBatch("b" + std::to_string(batch), 2), Record(batch)).ok());
    controls_.AwaitEntered(1);  // The writer holds the first batch.
  }
  // Decided and applied while nothing is written yet: the next batch sees them.
  EXPECT_EQ(DockUnits(*engine), 6);
  EXPECT_EQ(engine->last_seq(), before + 9);
  EXPECT_EQ(engine->committed_seq(), before);
  EXPECT_EQ(DurableSeq(), before);
  {
    std::lock_guard lock(mutex_);
    EXPECT_TRUE(answers_.empty());
  }
  controls_.hold = false;
  ASSERT_TRUE(engine->Drain().ok());
  ASSERT_EQ(answers_.size(), 3u);
  for (int batch = 0; batch < 3; ++batch) {
    const Answer& answer = answers_[static_cast<size_t>(batch)];
    EXPECT_EQ(answer.batch, batch);
    ASSERT_TRUE(answer.replies.ok()) << answer.replies.status().ToString();
    ASSERT_EQ(answer.replies->size(), 3u);
    // Every reply of the batch was durable when its callback ran.
    EXPECT_GE(answer.durable_seq, answer.replies->back().seq);
    EXPECT_EQ(answer.replies->front().seq, before + 3 * static_cast<uint64_t>(batch) + 1);
  }
  // The first batch was being written when the others queued: they shared one transaction.
  EXPECT_EQ(controls_.appended.load(), 2);
  EXPECT_EQ(engine->committed_seq(), before + 9);
  StatusOr<VerifyReport> report = engine->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->state_matches);
}

TEST_F(PipelineTest, FailedCommitRefusesItsBatchAndEveryLaterOneAndWritesNothingAfter) {
  std::unique_ptr<SiteEngine> engine = OpenGated();
  const uint64_t before = engine->last_seq();
  controls_.fail = true;
  for (int batch = 0; batch < 3; ++batch) {
    ASSERT_TRUE(
        engine->ExecuteAsync(ReceiveBatch("f" + std::to_string(batch), 1), Record(batch)).ok());
  }
  controls_.hold = false;
  EXPECT_EQ(engine->Drain().reason(), "engine_failed");
  EXPECT_TRUE(engine->failed());
  ASSERT_EQ(answers_.size(), 3u);
  EXPECT_EQ(answers_[0].replies.status().reason(), "commit_failed");
  for (const Answer& answer : answers_) {
    EXPECT_EQ(answer.replies.status().code(), StatusCode::kUnavailable);
  }
  // After the failed append nothing else was tried, and nothing is durable.
  EXPECT_EQ(controls_.appended.load(), 1);
  EXPECT_EQ(DurableSeq(), before);
  EXPECT_EQ(engine->committed_seq(), before);
  EXPECT_EQ(engine->ExecuteAsync(ReceiveBatch("late", 1), Record(9)).reason(), "engine_failed");
  EXPECT_EQ(engine->Execute(ReceiveBatch("late", 1)).status().reason(), "engine_failed");
  EXPECT_EQ(engine->WriteSnapshot().reason(), "engine_failed");
  EXPECT_EQ(answers_.size(), 3u);
  engine.reset();
  std::unique_ptr<SiteEngine> reopened = Open();
  EXPECT_EQ(reopened->last_seq(), before);
  EXPECT_EQ(DockUnits(*reopened), 0);
}

TEST_F(PipelineTest, RepeatedKeyOfABatchStillBeingWrittenGetsItsFirstReply) {
  std::unique_ptr<SiteEngine> engine = OpenGated();
  std::vector<ScanCommand> first = ReceiveBatch("k", 1);
  ASSERT_TRUE(engine->ExecuteAsync(first, Record(0)).ok());
  // The repeat must read the first reply back from the journal, so it waits for the commit.
  std::thread opener([this] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    controls_.hold = false;
  });
  ASSERT_TRUE(engine->ExecuteAsync(first, Record(1)).ok());
  opener.join();
  ASSERT_TRUE(engine->Drain().ok());
  ASSERT_EQ(answers_.size(), 2u);
  ASSERT_TRUE(answers_[0].replies.ok() && answers_[1].replies.ok());
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_TRUE((*answers_[1].replies)[i].replayed);
    EXPECT_EQ((*answers_[1].replies)[i].seq, (*answers_[0].replies)[i].seq);
  }
  EXPECT_EQ(DockUnits(*engine), 1);
}

TEST_F(PipelineTest, SynchronousCallsWaitForTheBatchesBeforeThem) {
  std::unique_ptr<SiteEngine> engine = OpenGated();
  std::vector<uint64_t> seen;
  ListenForSeqs(*engine, seen);
  const uint64_t before = engine->last_seq();
  ASSERT_TRUE(engine->ExecuteAsync(ReceiveBatch("a", 1), Record(0)).ok());
  std::thread opener([this] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    controls_.hold = false;
  });
  StatusOr<std::vector<ScanReply>> replies = engine->Execute(ReceiveBatch("b", 1));
  opener.join();
  ASSERT_TRUE(replies.ok());
  EXPECT_EQ(replies->front().seq, before + 3);
  ASSERT_EQ(answers_.size(), 1u);  // Answered before Execute returned.
  EXPECT_EQ(seen, (std::vector<uint64_t>{before + 1, before + 2, before + 3, before + 4}));
  ASSERT_TRUE(engine->WriteSnapshot().ok());
  std::unique_ptr<SiteEngine> reopened = Open();
  EXPECT_EQ(reopened->state().Encode(), engine->state().Encode());
}

TEST_F(PipelineTest, DestroyingTheEngineCommitsWhatIsQueued) {
  uint64_t decided = 0;
  {
    std::unique_ptr<SiteEngine> engine = OpenGated();
    ASSERT_TRUE(engine->ExecuteAsync(ReceiveBatch("a", 2), Record(0)).ok());
    decided = engine->last_seq();
    controls_.hold = false;
  }
  ASSERT_EQ(answers_.size(), 1u);
  EXPECT_TRUE(answers_[0].replies.ok());
  EXPECT_EQ(DurableSeq(), decided);
}

// --- Master-data changes while the site runs ---------------------------------------------

domain::Location StowBin(std::string code, std::string zone, int64_t capacity) {
  domain::Location location;
  location.code = std::move(code);
  location.zone = std::move(zone);
  location.type = domain::LocationType::kStowBin;
  location.capacity_units = capacity;
  return location;
}

TEST_F(SiteEngineTest, MasterDataChangeIsOneCommittedRecordSeenByTheListener) {
  std::unique_ptr<SiteEngine> engine = OpenInitialised();
  std::vector<uint64_t> seen;
  ListenForSeqs(*engine, seen);
  const uint64_t before = engine->last_seq();
  StatusOr<MasterDataReply> zone =
      engine->ChangeMasterData(domain::Zone{"B", "Stow B"}, core::testing::kStart);
  ASSERT_TRUE(zone.ok()) << zone.status().ToString();
  EXPECT_EQ(zone->outcome, core::MasterDataOutcome::kCreated);
  EXPECT_EQ(zone->seq, before + 1);
  EXPECT_EQ(engine->last_seq(), before + 1);
  EXPECT_EQ(seen, std::vector<uint64_t>{before + 1});
  // Durable when answered: a fresh reader sees the record, a master-data entry.
  auto reader = store::SqliteJournal::Open(path_);
  ASSERT_TRUE(reader.ok());
  ASSERT_EQ((*reader)->LastSeq(), before + 1);
  StatusOr<store::JournalRecord> record = (*reader)->Read(before + 1);
  ASSERT_TRUE(record.ok()) << record.status().ToString();
  StatusOr<core::Entry> entry = core::DecodeEntry(record->payload);
  ASSERT_TRUE(entry.ok());
  EXPECT_EQ(entry->kind, core::Entry::Kind::kMasterData);
  EXPECT_EQ(entry->at_ms, core::testing::kStart);
  EXPECT_TRUE(record->idempotency_key.empty());
}

TEST_F(SiteEngineTest, UnchangedMasterDataWritesNothing) {
  std::unique_ptr<SiteEngine> engine = OpenInitialised();
  const uint64_t before = engine->last_seq();
  StatusOr<MasterDataReply> same =
      engine->ChangeMasterData(domain::Zone{"A", "Stow A"}, core::testing::kStart);
  ASSERT_TRUE(same.ok()) << same.status().ToString();
  EXPECT_EQ(same->outcome, core::MasterDataOutcome::kUnchanged);
  EXPECT_EQ(same->seq, 0u);
  EXPECT_EQ(engine->last_seq(), before);
}

TEST_F(SiteEngineTest, RefusedMasterDataWritesNothingAndTheEngineGoesOn) {
  std::unique_ptr<SiteEngine> engine = OpenInitialised();
  ASSERT_TRUE(engine->Execute(ReceiveBatch("a", 2)).ok());
  const uint64_t before = engine->last_seq();
  const std::string state = engine->state().Encode();
  // DOCK-01 holds 2 units: it cannot become a stow bin.
  StatusOr<MasterDataReply> refused =
      engine->ChangeMasterData(StowBin("DOCK-01", "INB", 0), core::testing::kStart);
  EXPECT_EQ(refused.status().reason(), "location_in_use");
  EXPECT_EQ(engine->last_seq(), before);
  EXPECT_EQ(engine->state().Encode(), state);
  EXPECT_FALSE(engine->failed());
  EXPECT_TRUE(engine->Execute(ReceiveBatch("b", 1)).ok());
}

TEST_F(SiteEngineTest, ReopenAfterMasterDataChangesRebuildsTheSameState) {
  EngineOptions options;
  options.snapshot_every_records = 4;  // A snapshot falls among the changes.
  std::string state;
  {
    std::unique_ptr<SiteEngine> engine = OpenInitialised(options);
    ASSERT_TRUE(engine->Execute(ReceiveBatch("a", 2)).ok());
    const int64_t at = core::testing::kStart;
    ASSERT_TRUE(engine->ChangeMasterData(domain::Zone{"B", "Stow B"}, at).ok());
    ASSERT_TRUE(engine->ChangeMasterData(domain::Zone{"A", "Stow A, renamed"}, at).ok());
    ASSERT_TRUE(engine->ChangeMasterData(StowBin("B-1", "B", 3), at).ok());
    ASSERT_TRUE(engine->ChangeMasterData(StowBin("A-01-001-1-1", "B", 7), at).ok());
    ASSERT_TRUE(
        engine->ChangeMasterData(domain::Product{"9506000134352", "Kettle, steel", "B"}, at).ok());
    ASSERT_TRUE(
        engine
            ->ChangeMasterData(domain::ContainerSpec{"label:T1", domain::ContainerType::kCrate}, at)
            .ok());
    ASSERT_TRUE(engine->Execute(ReceiveBatch("b", 1)).ok());
    EXPECT_EQ(engine->state().FindProduct(core::testing::kKettle)->description, "Kettle, steel");
    state = engine->state().Encode();
  }
  std::unique_ptr<SiteEngine> reopened = Open(options);
  EXPECT_EQ(reopened->state().Encode(), state);
  EXPECT_EQ(reopened->state().FindLocation("A-01-001-1-1")->location.capacity_units, 7);
  EXPECT_EQ(reopened->state().zones().at("A").name, "Stow A, renamed");
  StatusOr<VerifyReport> report = reopened->Verify();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_GT(report->snapshot_seq, 0u);
  EXPECT_TRUE(report->snapshot_matches);
  EXPECT_TRUE(report->state_matches);
}

TEST_F(SiteEngineTest, FailedMasterDataCommitStopsTheEngine) {
  { OpenInitialised(); }
  std::unique_ptr<SiteEngine> engine = Open({}, /*read_only=*/true);
  StatusOr<MasterDataReply> change =
      engine->ChangeMasterData(domain::Zone{"B", "Stow B"}, core::testing::kStart);
  EXPECT_EQ(change.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(change.status().reason(), "commit_failed");
  EXPECT_TRUE(engine->failed());
  EXPECT_EQ(
      engine->ChangeMasterData(domain::Zone{"C", "C"}, core::testing::kStart).status().reason(),
      "engine_failed");
  EXPECT_EQ(engine->Execute(ReceiveBatch("a", 1)).status().reason(), "engine_failed");
  std::unique_ptr<SiteEngine> reopened = Open();
  EXPECT_EQ(reopened->state().zones().count("B"), 0u);
}

// Orders: a command is one committed record; a refused one writes nothing; reopening (from
// the journal, and from a snapshot) rebuilds the same order book.
core::OrderTerms KettleOrder(const std::string& id, int64_t units) {
  return core::OrderTerms{
      id, "DPD", core::testing::kStart + 3'600'000, 0, {{core::testing::kKettle, units}}};
}

TEST_F(SiteEngineTest, OrderCommandIsOneCommittedRecordAndSurvivesReopen) {
  {
    std::unique_ptr<SiteEngine> engine = OpenInitialised();
    const uint64_t before = engine->last_seq();
    StatusOr<OrderReply> placed =
        engine->ExecuteOrder(core::PlaceOrder{KettleOrder("O1", 2)}, core::testing::kStart);
    ASSERT_TRUE(placed.ok()) << placed.status().ToString();
    EXPECT_EQ(placed->seq, before + 1);
    EXPECT_EQ(engine->last_seq(), before + 1);
    StatusOr<OrderReply> again =
        engine->ExecuteOrder(core::PlaceOrder{KettleOrder("O1", 2)}, core::testing::kStart);
    EXPECT_EQ(again.status().reason(), "order_exists");
    EXPECT_EQ(engine->last_seq(), before + 1);
    EXPECT_FALSE(engine->failed());
  }
  std::unique_ptr<SiteEngine> reopened = Open();
  const core::OrderState* order = reopened->state().orders().FindOrder("O1");
  ASSERT_NE(order, nullptr);
  EXPECT_EQ(order->lines.at(0).quantity, 2);
  StatusOr<core::Entry> entry =
      core::DecodeEntry((*store::SqliteJournal::Open(path_))->Read(reopened->last_seq())->payload);
  ASSERT_TRUE(entry.ok());
  EXPECT_EQ(entry->kind, core::Entry::Kind::kOrder);
}

TEST_F(SiteEngineTest, ReopenFromSnapshotKeepsReservationsAndTasks) {
  std::string state;
  {
    std::unique_ptr<SiteEngine> engine = OpenInitialised();
    ASSERT_TRUE(engine->Execute(ReceiveBatch("a", 3)).ok());
    ASSERT_TRUE(engine->ExecuteOrder(core::PlaceOrder{KettleOrder("O1", 2)}, 0).ok());
    ASSERT_TRUE(engine->WriteSnapshot().ok());
    ASSERT_TRUE(engine->ExecuteOrder(core::PlaceOrder{KettleOrder("O2", 1)}, 0).ok());
    state = engine->state().Encode();
  }
  std::unique_ptr<SiteEngine> reopened = Open();
  EXPECT_EQ(reopened->state().Encode(), state);
  StatusOr<VerifyReport> report = reopened->Verify();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->state_matches);
  EXPECT_TRUE(report->snapshot_matches);
}

// --- Order commands in groups (ExecuteOrders) ----------------------------------------------

class OrderGroupTest : public SiteEngineTest {
 protected:
  // An engine (opened with `options`) whose bin A-01-001-1-2 holds 3 kettles, recording the
  // seqs of each commit from then on.
  std::unique_ptr<SiteEngine> OpenStocked(EngineOptions options = {}) {
    {
      std::unique_ptr<SiteEngine> engine = OpenInitialised();
      std::vector<ScanCommand> scans = ReceiveBatch("r", 3);
      const std::string bin = core::testing::LocationLabel("A-01-001-1-2");
      scans.push_back(Command("s-src", core::testing::LocationLabel("DOCK-01"), Mode::kStow));
      for (int i = 0; i < 3; ++i) {
        scans.push_back(Command("s-item-" + std::to_string(i),
                                core::testing::Item(core::testing::kKettle), Mode::kStow));
        scans.push_back(Command("s-bin-" + std::to_string(i), bin, Mode::kStow));
      }
      EXPECT_TRUE(engine->Execute(scans).ok());
    }
    std::unique_ptr<SiteEngine> engine = Open(options);
    EXPECT_EQ(engine->state().FindLocation("A-01-001-1-2")->units, 3);
    engine->set_commit_listener([this](std::span<const store::JournalRecord> records) {
      std::vector<uint64_t>& commit = commits_.emplace_back();
      for (const store::JournalRecord& record : records) {
        commit.push_back(record.seq);
      }
    });
    return engine;
  }

  static int64_t Reserved(const OrderReply& reply) {
    int64_t reserved = 0;
    for (const core::Event& event : reply.decision.events) {
      if (const auto* placed = std::get_if<core::OrderPlaced>(&event)) {
        for (const core::OrderLine& line : placed->lines) {
          reserved += line.reserved;
        }
      }
    }
    return reserved;
  }

  std::vector<std::vector<uint64_t>> commits_;  // Each commit's seqs, in order.
};

TEST_F(OrderGroupTest, GroupDecidesInOrderAndCommitsTheAcceptedCommandsTogether) {
  std::string state;
  {
    std::unique_ptr<SiteEngine> engine = OpenStocked();
    const uint64_t before = engine->last_seq();
    const std::vector<core::OrderCommand> commands = {
        core::PlaceOrder{KettleOrder("O1", 2)},
        core::PlaceOrder{KettleOrder("O1", 1)},  // Refused: O1 exists (placed just before).
        core::PlaceOrder{KettleOrder("O2", 2)},  // Sees O1's reservation: 1 left to promise.
        core::CancelOrder{"O9"},                 // Refused: no such order.
        core::PlaceOrder{KettleOrder("O3", 1)},  // Nothing left: accepted, all short.
    };
    auto replies = engine->ExecuteOrders(commands, core::testing::kStart);
    ASSERT_TRUE(replies.ok()) << replies.status().ToString();
    ASSERT_EQ(replies->size(), commands.size());
    EXPECT_EQ((*replies)[1].status().reason(), "order_exists");
    EXPECT_EQ((*replies)[3].status().reason(), "no_such_order");
    // The accepted ones take consecutive seqs; the refused ones take none.
    const size_t accepted[] = {0, 2, 4};
    const int64_t reserved[] = {2, 1, 0};
    for (size_t i = 0; i < 3; ++i) {
      const StatusOr<OrderReply>& reply = (*replies)[accepted[i]];
      ASSERT_TRUE(reply.ok()) << reply.status().ToString();
      EXPECT_EQ(reply->seq, before + 1 + i);
      EXPECT_FALSE(reply->amended);
      EXPECT_EQ(Reserved(*reply), reserved[i]) << "command " << accepted[i];
    }
    EXPECT_EQ(engine->last_seq(), before + 3);
    // One commit for the group, heard once by the listener.
    EXPECT_EQ(commits_, (std::vector<std::vector<uint64_t>>{{before + 1, before + 2, before + 3}}));
    state = engine->state().Encode();
  }
  std::unique_ptr<SiteEngine> reopened = Open();
  EXPECT_EQ(reopened->state().Encode(), state);
  for (const char* id : {"O1", "O2", "O3"}) {
    EXPECT_NE(reopened->state().orders().FindOrder(id), nullptr) << id;
  }
  EXPECT_EQ(reopened->state().orders().FindOrder("O1")->lines.at(0).quantity, 2);
  StatusOr<VerifyReport> report = reopened->Verify();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->state_matches);
}

TEST_F(OrderGroupTest, AmendDecidesAnExistingOrderAsAnAmendmentBeforeTheNextCommand) {
  std::unique_ptr<SiteEngine> engine = OpenStocked();
  ASSERT_TRUE(engine->ExecuteOrder(core::PlaceOrder{KettleOrder("O1", 1)}, 0).ok());
  const uint64_t before = engine->last_seq();
  const std::vector<core::OrderCommand> commands = {core::PlaceOrder{KettleOrder("O1", 3)},
                                                    core::PlaceOrder{KettleOrder("O2", 1)}};
  auto replies = engine->ExecuteOrders(commands, 0, IfOrderExists::kAmend);
  ASSERT_TRUE(replies.ok()) << replies.status().ToString();
  ASSERT_TRUE((*replies)[0].ok()) << (*replies)[0].status().ToString();
  EXPECT_TRUE((*replies)[0]->amended);
  EXPECT_EQ((*replies)[0]->seq, before + 1);
  ASSERT_TRUE((*replies)[1].ok()) << (*replies)[1].status().ToString();
  EXPECT_FALSE((*replies)[1]->amended);
  EXPECT_EQ((*replies)[1]->seq, before + 2);
  // O1 now holds all 3 kettles, so O2 is promised none.
  EXPECT_EQ(Reserved(*(*replies)[1]), 0);
  EXPECT_EQ(engine->state().orders().FindOrder("O1")->lines.at(0).quantity, 3);
  // Without kAmend the same command is refused and changes nothing.
  auto refused = engine->ExecuteOrders(commands, 0);
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ((*refused)[0].status().reason(), "order_exists");
  EXPECT_EQ((*refused)[1].status().reason(), "order_exists");
  EXPECT_EQ(engine->last_seq(), before + 2);
}

TEST_F(OrderGroupTest, GroupPastTheByteBudgetIsCommittedInSeveralTransactions) {
  EngineOptions options;
  options.order_commit_bytes_max = 1;  // Every record fills the budget.
  std::unique_ptr<SiteEngine> engine = OpenStocked(options);
  const uint64_t before = engine->last_seq();
  const std::vector<core::OrderCommand> commands = {core::PlaceOrder{KettleOrder("O1", 1)},
                                                    core::CancelOrder{"O9"},
                                                    core::PlaceOrder{KettleOrder("O2", 1)}};
  auto replies = engine->ExecuteOrders(commands, 0);
  ASSERT_TRUE(replies.ok()) << replies.status().ToString();
  EXPECT_EQ(commits_, (std::vector<std::vector<uint64_t>>{{before + 1}, {before + 2}}));
  std::unique_ptr<SiteEngine> reopened = Open();
  EXPECT_EQ(reopened->state().Encode(), engine->state().Encode());
}

TEST_F(OrderGroupTest, GroupOverTheCommandLimitIsRefusedWhole) {
  EngineOptions options;
  options.batch_commands_max = 2;
  std::unique_ptr<SiteEngine> engine = OpenStocked(options);
  const uint64_t before = engine->last_seq();
  const std::string state = engine->state().Encode();
  const std::vector<core::OrderCommand> commands(3, core::CancelOrder{"O9"});
  EXPECT_EQ(engine->ExecuteOrders(commands, 0).status().reason(), "batch_too_large");
  EXPECT_EQ(engine->last_seq(), before);
  EXPECT_EQ(engine->state().Encode(), state);
  EXPECT_FALSE(engine->failed());
}

// The existing model of a failed commit (file comment of site_engine.h): the engine stops,
// and reopening rebuilds the state from the journal, which holds none of the group.
TEST_F(OrderGroupTest, FailedGroupCommitLeavesTheJournalAsBeforeAndStopsTheEngine) {
  std::string state;
  uint64_t before = 0;
  {
    std::unique_ptr<SiteEngine> engine = OpenStocked();
    ASSERT_TRUE(engine->ExecuteOrder(core::PlaceOrder{KettleOrder("O1", 1)}, 0).ok());
    state = engine->state().Encode();
    before = engine->last_seq();
  }
  std::unique_ptr<SiteEngine> engine = Open({}, /*read_only=*/true);
  const std::vector<core::OrderCommand> commands = {core::PlaceOrder{KettleOrder("O2", 1)},
                                                    core::PlaceOrder{KettleOrder("O3", 1)}};
  auto replies = engine->ExecuteOrders(commands, 0);
  EXPECT_EQ(replies.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(replies.status().reason(), "commit_failed");
  EXPECT_TRUE(engine->failed());
  EXPECT_EQ(engine->last_seq(), before);
  EXPECT_EQ(engine->ExecuteOrders(commands, 0).status().reason(), "engine_failed");
  EXPECT_EQ(engine->ExecuteOrder(commands[0], 0).status().reason(), "engine_failed");
  std::unique_ptr<SiteEngine> reopened = Open();
  EXPECT_EQ(reopened->last_seq(), before);
  EXPECT_EQ(reopened->state().Encode(), state);
  EXPECT_EQ(reopened->state().orders().FindOrder("O2"), nullptr);
  EXPECT_TRUE(reopened->ExecuteOrders(commands, 0).ok());
}

}  // namespace
}  // namespace entrepot::engine
