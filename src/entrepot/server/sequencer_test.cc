#include "entrepot/server/sequencer.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <latch>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "entrepot/core/site_test_util.h"
#include "entrepot/engine/controlled_journal.h"
#include "entrepot/store/sqlite_journal.h"
#include "gtest/gtest.h"

namespace entrepot::server {
namespace {

using core::Mode;
using core::ScanCommand;

class SequencerTest : public ::testing::Test {
 protected:
  SequencerTest() {
    dir_ = std::filesystem::temp_directory_path() /
           ("entrepot-sequencer-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  ~SequencerTest() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<engine::SiteEngine> OpenEngine(bool initialise) {
    auto journal = store::SqliteJournal::Open((dir_ / "journal.db").string());
    EXPECT_TRUE(journal.ok()) << journal.status().ToString();
    auto engine = engine::SiteEngine::Open(
        std::make_unique<engine::testing::ControlledJournal>(*std::move(journal), &journal_));
    EXPECT_TRUE(engine.ok()) << engine.status().ToString();
    if (initialise) {
      EXPECT_TRUE((*engine)->LoadLayout(core::testing::SmallLayout()).ok());
    }
    return *std::move(engine);
  }

  static ScanCommand Command(const std::string& key, const std::string& device,
                             const std::string& code) {
    return ScanCommand{key, device, Mode::kReceive, code, core::testing::kStart};
  }
  static std::vector<ScanCommand> Dock(const std::string& key, const std::string& device = "HH") {
    return {Command(key, device, core::testing::LocationLabel("DOCK-01"))};
  }

  // Submits and waits for the replies.
  static StatusOr<std::vector<engine::ScanReply>> Run(Sequencer& sequencer,
                                                      std::vector<ScanCommand> commands) {
    std::promise<StatusOr<std::vector<engine::ScanReply>>> promise;
    auto future = promise.get_future();
    Status submitted = sequencer.SubmitScans(
        std::move(commands), [&promise](StatusOr<std::vector<engine::ScanReply>> replies) {
          promise.set_value(std::move(replies));
        });
    if (!submitted.ok()) {
      return submitted;
    }
    return future.get();
  }

  // Occupies the sequencer thread until the returned promise is set.
  static std::promise<void> Block(Sequencer& sequencer) {
    std::promise<void> release;
    auto released = std::make_shared<std::shared_future<void>>(release.get_future().share());
    std::promise<void> entered;
    auto started = entered.get_future();
    EXPECT_TRUE(sequencer
                    .SubmitQuery([released, entered = std::make_shared<std::promise<void>>(
                                                std::move(entered))](auto) mutable {
                      entered->set_value();
                      released->wait();
                    })
                    .ok());
    started.wait();
    return release;
  }

  // The seq a fresh reader of the journal file sees: what is durable.
  uint64_t DurableSeq() const {
    auto reader = store::SqliteJournal::Open((dir_ / "journal.db").string());
    EXPECT_TRUE(reader.ok());
    return reader.ok() ? (*reader)->LastSeq() : 0;
  }
  std::filesystem::path dir_;
  engine::testing::JournalControls journal_;
};

TEST_F(SequencerTest, RepliesAfterCommitInCommandOrder) {
  Sequencer sequencer(OpenEngine(true));
  uint64_t before = sequencer.last_seq();
  auto replies = Run(sequencer, {Command("a", "HH", core::testing::LocationLabel("DOCK-01")),
                                 Command("b", "HH", core::testing::Item(core::testing::kKettle))});
  ASSERT_TRUE(replies.ok()) << replies.status().ToString();
  ASSERT_EQ(replies->size(), 2u);
  EXPECT_EQ((*replies)[0].seq, before + 1);
  EXPECT_EQ((*replies)[1].seq, before + 2);
  EXPECT_EQ((*replies)[1].reply.outcome, core::Outcome::kOk);
  // When the callback ran, the commit had landed: a fresh reader sees both records.
  auto reader = store::SqliteJournal::Open((dir_ / "journal.db").string());
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->LastSeq(), before + 2);
  EXPECT_EQ(sequencer.last_seq(), before + 2);
}

TEST_F(SequencerTest, ConcurrentSubmittersShareCommits) {
  Sequencer sequencer(OpenEngine(true));
  constexpr int kThreads = 4;
  constexpr int kScansPerThread = 50;
  // Hold the sequencer thread so that every unit is queued before the next drain: the group
  // commit must then take them all at once.
  std::promise<void> release = Block(sequencer);
  std::atomic<int> answered{0};
  std::latch submitted(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kScansPerThread; ++i) {
        std::string key = "k-" + std::to_string(t) + "-" + std::to_string(i);
        ASSERT_TRUE(sequencer
                        .SubmitScans(Dock(key, "HH-" + std::to_string(t)),
                                     [&answered](auto replies) {
                                       EXPECT_TRUE(replies.ok());
                                       ++answered;
                                     })
                        .ok());
      }
      submitted.count_down();
    });
  }
  submitted.wait();
  EXPECT_EQ(sequencer.queue_depth(), size_t{kThreads * kScansPerThread});
  release.set_value();
  for (std::thread& thread : threads) {
    thread.join();
  }
  ASSERT_TRUE(sequencer.Stop().ok());
  EXPECT_EQ(answered.load(), kThreads * kScansPerThread);
  SequencerStats stats = sequencer.stats();
  EXPECT_EQ(stats.commands, uint64_t{kThreads * kScansPerThread});
  EXPECT_EQ(stats.batches, 1u);
}

TEST_F(SequencerTest, BatchesAreCappedWithoutSplittingUnits) {
  SequencerOptions options;
  options.batch_commands_max = 3;
  Sequencer sequencer(OpenEngine(true), options);
  std::promise<void> release = Block(sequencer);
  std::vector<std::future<StatusOr<std::vector<engine::ScanReply>>>> results;
  for (int i = 0; i < 4; ++i) {  // Units of 2: only one fits in a batch of 3.
    auto promise = std::make_shared<std::promise<StatusOr<std::vector<engine::ScanReply>>>>();
    results.push_back(promise->get_future());
    std::vector<ScanCommand> unit = Dock("u" + std::to_string(i) + "a");
    unit.push_back(Command("u" + std::to_string(i) + "b", "HH", core::testing::Item("x")));
    ASSERT_TRUE(
        sequencer
            .SubmitScans(std::move(unit),
                         [promise](auto replies) { promise->set_value(std::move(replies)); })
            .ok());
  }
  EXPECT_EQ(
      sequencer.SubmitScans(std::vector<ScanCommand>(4, Command("big", "HH", "x")), [](auto) {})
          .reason(),
      "batch_too_large");
  release.set_value();
  for (auto& result : results) {
    auto replies = result.get();
    ASSERT_TRUE(replies.ok());
    EXPECT_EQ(replies->size(), 2u);
  }
  EXPECT_EQ(sequencer.stats().batches, 4u);
}

TEST_F(SequencerTest, FullQueueRefusesAtOnce) {
  SequencerOptions options;
  options.queue_commands_max = 3;
  Sequencer sequencer(OpenEngine(true), options);
  std::promise<void> release = Block(sequencer);
  std::atomic<int> answered{0};
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(
        sequencer.SubmitScans(Dock("q" + std::to_string(i)), [&](auto) { ++answered; }).ok());
  }
  Status refused = sequencer.SubmitScans(Dock("q3"), [&](auto) { ++answered; });
  EXPECT_EQ(refused.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(refused.reason(), "queue_full");
  EXPECT_EQ(sequencer.SubmitQuery([](auto) {}).reason(), "queue_full");
  EXPECT_EQ(sequencer.SubmitScans({}, [](auto) {}).reason(), "empty_batch");
  release.set_value();
  ASSERT_TRUE(sequencer.Stop().ok());
  EXPECT_EQ(answered.load(), 3);
}

TEST_F(SequencerTest, QueriesSeeAcknowledgedScans) {
  Sequencer sequencer(OpenEngine(true));
  ASSERT_TRUE(Run(sequencer, {Command("a", "HH", core::testing::LocationLabel("DOCK-01")),
                              Command("b", "HH", core::testing::Item(core::testing::kKettle))})
                  .ok());
  std::promise<int64_t> units;
  ASSERT_TRUE(sequencer
                  .SubmitQuery([&units](StatusOr<const core::SiteState*> state) {
                    ASSERT_TRUE(state.ok());
                    units.set_value((*state)->counters().units_received);
                  })
                  .ok());
  EXPECT_EQ(units.get_future().get(), 1);
  EXPECT_EQ(sequencer.stats().queries, 1u);
}

TEST_F(SequencerTest, StopDrainsTheQueueAndRefusesNewWork) {
  auto sequencer = std::make_unique<Sequencer>(OpenEngine(true));
  std::promise<void> release = Block(*sequencer);
  std::atomic<int> answered{0};
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(sequencer
                    ->SubmitScans(Dock("d" + std::to_string(i)),
                                  [&](auto replies) {
                                    EXPECT_TRUE(replies.ok());
                                    ++answered;
                                  })
                    .ok());
  }
  std::thread stopper([&] { EXPECT_TRUE(sequencer->Stop().ok()); });
  // Stop() has set the flag once new work is refused; then let the thread drain.
  while (sequencer->SubmitQuery([](auto) {}).ok()) {
    std::this_thread::yield();
  }
  EXPECT_EQ(sequencer->SubmitScans(Dock("late"), [](auto) {}).reason(), "shutting_down");
  release.set_value();
  stopper.join();
  EXPECT_EQ(answered.load(), 10);
  uint64_t last_seq = sequencer->last_seq();
  sequencer.reset();
  // The queued scans were committed, and a snapshot was written at the end.
  std::unique_ptr<engine::SiteEngine> reopened = OpenEngine(false);
  EXPECT_EQ(reopened->last_seq(), last_seq);
  auto reader = store::SqliteJournal::Open((dir_ / "journal.db").string());
  ASSERT_TRUE(reader.ok());
  auto snapshot = (*reader)->LatestSnapshot();
  ASSERT_TRUE(snapshot.ok() && snapshot->has_value());
  EXPECT_EQ((*snapshot)->seq, last_seq);
}

TEST_F(SequencerTest, CommitFailureMakesItUnhealthy) {
  Sequencer sequencer(OpenEngine(true));
  ASSERT_TRUE(Run(sequencer, Dock("ok")).ok());
  journal_.fail = true;
  auto failed = Run(sequencer, Dock("lost"));
  EXPECT_EQ(failed.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(failed.status().reason(), "engine_failed");
  EXPECT_FALSE(sequencer.healthy());
  EXPECT_EQ(sequencer.SubmitScans(Dock("after"), [](auto) {}).reason(), "engine_failed");
  EXPECT_EQ(sequencer.SubmitQuery([](auto) {}).reason(), "engine_failed");
  EXPECT_EQ(sequencer.Stop().reason(), "engine_failed");
}

// --- Master-data changes -----------------------------------------------------------------

using MasterDataResult = StatusOr<engine::MasterDataReply>;

// Submits a change and waits for its answer.
MasterDataResult Change(Sequencer& sequencer, core::MasterDataChange change) {
  std::promise<MasterDataResult> promise;
  auto future = promise.get_future();
  Status submitted = sequencer.SubmitMasterData(
      std::move(change), core::testing::kStart,
      [&promise](MasterDataResult reply) { promise.set_value(std::move(reply)); });
  if (!submitted.ok()) {
    return submitted;
  }
  return future.get();
}

TEST_F(SequencerTest, MasterDataChangeIsAnsweredAfterItsCommit) {
  Sequencer sequencer(OpenEngine(true));
  uint64_t before = sequencer.last_seq();
  MasterDataResult reply = Change(sequencer, domain::Zone{"B", "Stow B"});
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->outcome, core::MasterDataOutcome::kCreated);
  EXPECT_EQ(reply->seq, before + 1);
  EXPECT_EQ(std::get<domain::Zone>(reply->stored).name, "Stow B");
  EXPECT_EQ(sequencer.last_seq(), before + 1);
  auto reader = store::SqliteJournal::Open((dir_ / "journal.db").string());
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->LastSeq(), before + 1);
  // The same change again changes nothing and writes nothing.
  MasterDataResult again = Change(sequencer, domain::Zone{"B", "Stow B"});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->outcome, core::MasterDataOutcome::kUnchanged);
  EXPECT_EQ(again->seq, 0u);
  EXPECT_EQ(sequencer.last_seq(), before + 1);
  EXPECT_EQ(sequencer.stats().master_data_changes, 2u);
}

TEST_F(SequencerTest, MasterDataChangeTakesItsPlaceInTheQueue) {
  Sequencer sequencer(OpenEngine(true));
  const std::string gtin = core::testing::kUnknownGtin;
  std::promise<void> release = Block(sequencer);
  std::promise<StatusOr<std::vector<engine::ScanReply>>> before_change;
  std::promise<MasterDataResult> change;
  std::promise<StatusOr<std::vector<engine::ScanReply>>> after_change;
  std::promise<bool> query_sees_product;
  ASSERT_TRUE(sequencer
                  .SubmitScans({Command("b1", "HH", core::testing::LocationLabel("DOCK-01")),
                                Command("b2", "HH", core::testing::Item(gtin))},
                               [&](auto replies) { before_change.set_value(std::move(replies)); })
                  .ok());
  ASSERT_TRUE(
      sequencer
          .SubmitMasterData(domain::Product{gtin, "Toaster", ""}, core::testing::kStart,
                            [&](MasterDataResult reply) { change.set_value(std::move(reply)); })
          .ok());
  ASSERT_TRUE(sequencer
                  .SubmitScans({Command("a1", "HH", core::testing::Item(gtin))},
                               [&](auto replies) { after_change.set_value(std::move(replies)); })
                  .ok());
  ASSERT_TRUE(sequencer
                  .SubmitQuery([&](StatusOr<const core::SiteState*> state) {
                    query_sees_product.set_value(state.ok() &&
                                                 (*state)->FindProduct(gtin) != nullptr);
                  })
                  .ok());
  EXPECT_EQ(sequencer.queue_depth(), 5u);  // 2 scans, 1 change, 1 scan, 1 query.
  release.set_value();
  auto first = before_change.get_future().get();
  ASSERT_TRUE(first.ok());
  EXPECT_EQ((*first)[1].reply.outcome, core::Outcome::kUnknownProduct);
  MasterDataResult created = change.get_future().get();
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(created->seq, (*first)[1].seq + 1);
  auto second = after_change.get_future().get();
  ASSERT_TRUE(second.ok());
  EXPECT_EQ((*second)[0].reply.outcome, core::Outcome::kOk);
  EXPECT_EQ((*second)[0].seq, created->seq + 1);
  EXPECT_TRUE(query_sees_product.get_future().get());
  EXPECT_EQ(sequencer.stats().batches, 2u);
}

TEST_F(SequencerTest, RefusedMasterDataChangeIsAnsweredAndTheSequencerGoesOn) {
  Sequencer sequencer(OpenEngine(true));
  uint64_t before = sequencer.last_seq();
  domain::Location bin;
  bin.code = "Q-1";
  bin.zone = "Q";
  MasterDataResult refused = Change(sequencer, bin);
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(refused.status().reason(), "unknown_zone");
  EXPECT_TRUE(sequencer.healthy());
  EXPECT_EQ(sequencer.last_seq(), before);
  EXPECT_TRUE(Run(sequencer, Dock("after")).ok());
}

TEST_F(SequencerTest, MasterDataChangesShareTheQueueLimit) {
  SequencerOptions options;
  options.queue_commands_max = 1;
  Sequencer sequencer(OpenEngine(true), options);
  std::promise<void> release = Block(sequencer);
  std::atomic<int> answered{0};
  ASSERT_TRUE(
      sequencer.SubmitMasterData(domain::Zone{"B", "B"}, 0, [&](auto) { ++answered; }).ok());
  Status refused = sequencer.SubmitMasterData(domain::Zone{"C", "C"}, 0, [&](auto) { ++answered; });
  EXPECT_EQ(refused.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(refused.reason(), "queue_full");
  release.set_value();
  ASSERT_TRUE(sequencer.Stop().ok());
  EXPECT_EQ(answered.load(), 1);
  EXPECT_EQ(sequencer.SubmitMasterData(domain::Zone{"D", "D"}, 0, [](auto) {}).reason(),
            "shutting_down");
}

TEST_F(SequencerTest, FailedMasterDataCommitMakesItUnhealthy) {
  Sequencer sequencer(OpenEngine(true));
  journal_.fail = true;
  MasterDataResult failed = Change(sequencer, domain::Zone{"B", "Stow B"});
  EXPECT_EQ(failed.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(failed.status().reason(), "engine_failed");
  EXPECT_FALSE(sequencer.healthy());
  EXPECT_EQ(sequencer.SubmitMasterData(domain::Zone{"C", "C"}, 0, [](auto) {}).reason(),
            "engine_failed");
  EXPECT_EQ(sequencer.SubmitScans(Dock("after"), [](auto) {}).reason(), "engine_failed");
  EXPECT_EQ(sequencer.Stop().reason(), "engine_failed");
}

// --- Pipelined group commit ----------------------------------------------------------------

// What a scan callback saw: its replies and what was durable when it ran.
struct Answered {
  StatusOr<std::vector<engine::ScanReply>> replies;
  uint64_t durable_seq = 0;
};

TEST_F(SequencerTest, NextBatchIsDecidedWhileTheBatchBeforeIsWrittenAndAnsweredAfterIt) {
  Sequencer sequencer(OpenEngine(true));
  const uint64_t before = sequencer.last_seq();
  const int appends = journal_.entered.load();
  journal_.hold = true;
  std::mutex mutex;
  std::vector<Answered> answers;
  auto record = [&](StatusOr<std::vector<engine::ScanReply>> replies) {
    const uint64_t durable = DurableSeq();
    std::lock_guard lock(mutex);
    answers.push_back(Answered{std::move(replies), durable});
  };
  ASSERT_TRUE(sequencer.SubmitScans(Dock("a"), record).ok());
  journal_.AwaitEntered(appends + 1);  // The first batch is being written.
  ASSERT_TRUE(sequencer.SubmitScans(Dock("b"), record).ok());
  ASSERT_TRUE(sequencer.SubmitScans(Dock("c"), record).ok());
  // The sequencer took the later units off its queue and decided them meanwhile.
  while (sequencer.queue_depth() > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  {
    std::lock_guard lock(mutex);
    EXPECT_TRUE(answers.empty());
  }
  EXPECT_EQ(sequencer.last_seq(), before);
  journal_.hold = false;
  ASSERT_TRUE(sequencer.Stop().ok());
  ASSERT_EQ(answers.size(), 3u);
  for (size_t i = 0; i < answers.size(); ++i) {
    ASSERT_TRUE(answers[i].replies.ok());
    EXPECT_EQ(answers[i].replies->front().seq, before + i + 1);  // In submission order.
    EXPECT_GE(answers[i].durable_seq, before + i + 1);           // Durable when answered.
  }
  EXPECT_EQ(sequencer.last_seq(), before + 3);
}

TEST_F(SequencerTest, FailedCommitRefusesEveryBatchDecidedAfterIt) {
  Sequencer sequencer(OpenEngine(true));
  const uint64_t before = sequencer.last_seq();
  const int appends = journal_.entered.load();
  journal_.hold = true;
  journal_.fail = true;
  std::mutex mutex;
  std::vector<Answered> answers;
  auto record = [&](StatusOr<std::vector<engine::ScanReply>> replies) {
    std::lock_guard lock(mutex);
    answers.push_back(Answered{std::move(replies), 0});
  };
  ASSERT_TRUE(sequencer.SubmitScans(Dock("a"), record).ok());
  journal_.AwaitEntered(appends + 1);
  ASSERT_TRUE(sequencer.SubmitScans(Dock("b"), record).ok());
  while (sequencer.queue_depth() > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  journal_.hold = false;
  while (sequencer.healthy()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(sequencer.SubmitScans(Dock("c"), record).reason(), "engine_failed");
  EXPECT_EQ(sequencer.Stop().reason(), "engine_failed");
  ASSERT_EQ(answers.size(), 2u);
  for (const Answered& answer : answers) {
    EXPECT_EQ(answer.replies.status().code(), StatusCode::kUnavailable);
    EXPECT_EQ(answer.replies.status().reason(), "engine_failed");
  }
  // The batch decided after the failed one was never written.
  EXPECT_EQ(journal_.entered.load(), appends + 1);
  EXPECT_EQ(DurableSeq(), before);
}

TEST_F(SequencerTest, QueryWaitsUntilTheScansBeforeItAreDurable) {
  Sequencer sequencer(OpenEngine(true));
  const int appends = journal_.entered.load();
  journal_.hold = true;
  std::promise<StatusOr<std::vector<engine::ScanReply>>> scanned;
  ASSERT_TRUE(sequencer
                  .SubmitScans({Command("a", "HH", core::testing::LocationLabel("DOCK-01")),
                                Command("b", "HH", core::testing::Item(core::testing::kKettle))},
                               [&](auto replies) { scanned.set_value(std::move(replies)); })
                  .ok());
  journal_.AwaitEntered(appends + 1);
  std::promise<std::pair<int64_t, uint64_t>> seen;  // Units received, durable seq.
  ASSERT_TRUE(sequencer
                  .SubmitQuery([&](StatusOr<const core::SiteState*> state) {
                    ASSERT_TRUE(state.ok());
                    seen.set_value({(*state)->counters().units_received, DurableSeq()});
                  })
                  .ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  journal_.hold = false;
  auto replies = scanned.get_future().get();
  ASSERT_TRUE(replies.ok());
  auto [units, durable] = seen.get_future().get();
  EXPECT_EQ(units, 1);
  EXPECT_GE(durable, replies->back().seq);
}

}  // namespace
}  // namespace entrepot::server
