// The followers that run beside the engine (the movement index and the EPCIS repository's
// journal follower) on a site whose journal is in PostgreSQL, fed by ReadOnlyJournalFactory
// (cli/site_files.h), against the test cluster in ENTREPOT_TEST_POSTGRES (CTest's fixture
// "postgres"; skipped when it is not set). The same scans go to a SQLite site too: what the
// followers derive from PostgreSQL must equal what they derive from SQLite. Each test uses a
// database of its own.
#include <chrono>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "entrepot/cli/postgres_test_database.h"
#include "entrepot/cli/site_files.h"
#include "entrepot/core/site_test_util.h"
#include "entrepot/engine/site_engine.h"
#include "entrepot/server/epcis_repository.h"
#include "entrepot/server/movement_index.h"
#include "entrepot/server/movement_json.h"
#include "entrepot/store/postgres_journal.h"
#include "entrepot/store/sqlite_journal.h"
#include "gtest/gtest.h"
#include "test_site.h"

namespace entrepot::cli {
namespace {

using core::Mode;
using core::testing::ContainerLabel;
using core::testing::ItemWithLot;
using core::testing::ItemWithSerial;
using core::testing::kCable;
using core::testing::kKettle;
using core::testing::kParcel1;
using core::testing::kStart;
using core::testing::LocationLabel;
using core::testing::Sscc;

constexpr std::chrono::seconds kWait{20};
constexpr const char* kSite = "FR-TEST";  // The code of core::testing::SmallLayout().
constexpr int64_t kRecordTime = kStart + 86'400'000;
const std::string kBin = "A-01-001-1-2";

// A site on `journal` (a SqliteJournal or a PostgresJournal) holding the small layout.
template <typename JournalType>
std::unique_ptr<engine::SiteEngine> OpenEngine(StatusOr<std::unique_ptr<JournalType>> journal) {
  EXPECT_TRUE(journal.ok()) << journal.status().ToString();
  if (!journal.ok()) {
    return nullptr;
  }
  StatusOr<std::unique_ptr<engine::SiteEngine>> engine =
      engine::SiteEngine::Open(*std::move(journal));
  EXPECT_TRUE(engine.ok()) << engine.status().ToString();
  if (!engine.ok()) {
    return nullptr;
  }
  EXPECT_TRUE((*engine)->LoadLayout(core::testing::SmallLayout()).ok());
  return *std::move(engine);
}

// One site in PostgreSQL and its twin in SQLite, driven by the same scans.
class PostgresFollowersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_.Create("entrepot_followers");
    if (IsSkipped() || HasFatalFailure()) {
      return;
    }
    url_ = database_.url();
    std::filesystem::create_directories(dir_.File("pg"));
    std::filesystem::create_directories(dir_.File("sqlite"));
    postgres_ = OpenEngine(store::PostgresJournal::Open(url_, kSite));
    sqlite_ = OpenEngine(store::SqliteJournal::Open(JournalPath(dir_.File("sqlite"))));
    ASSERT_NE(postgres_, nullptr);
    ASSERT_NE(sqlite_, nullptr);
  }
  void TearDown() override {
    for (engine::SiteEngine* engine : {postgres_.get(), sqlite_.get()}) {
      if (engine != nullptr) {
        engine->set_commit_listener(nullptr);
      }
    }
    postgres_.reset();  // Before the database is dropped.
  }

  // The PostgreSQL site as `serve --data DIR --store URL` names it (its only site).
  SiteLocation PostgresLocation() const { return SiteLocation(dir_.File("pg"), url_, ""); }

  JournalFactory Factory(const SiteLocation& location) {
    StatusOr<JournalFactory> factory = ReadOnlyJournalFactory(location);
    EXPECT_TRUE(factory.ok()) << factory.status().ToString();
    return factory.ok() ? *std::move(factory) : JournalFactory();
  }

  // Executes `codes` in `mode` as one commit on both sites; each must be accepted.
  void Scan(Mode mode, const std::vector<std::string>& codes) {
    std::vector<core::ScanCommand> batch;
    for (const std::string& code : codes) {
      now_ += 2000;
      batch.push_back({"idem-" + std::to_string(++keys_), "HH-01", mode, code, now_});
    }
    for (engine::SiteEngine* engine : {postgres_.get(), sqlite_.get()}) {
      auto replies = engine->Execute(batch);
      ASSERT_TRUE(replies.ok()) << replies.status().ToString();
      for (size_t i = 0; i < codes.size(); ++i) {
        ASSERT_TRUE(core::IsAccepted((*replies)[i].reply.outcome))
            << codes[i] << ": " << (*replies)[i].reply.message;
      }
    }
  }
  void ReceiveAndStow() {
    Scan(Mode::kReceive,
         {LocationLabel("DOCK-01"), ContainerLabel("T1"), ItemWithSerial(kKettle, "S1"),
          ItemWithSerial(kKettle, "S2"), ItemWithLot(kCable, "L1", "271231")});
    Scan(Mode::kStow, {ContainerLabel("T1"), ItemWithSerial(kKettle, "S1"), LocationLabel(kBin),
                       ItemWithLot(kCable, "L1", "271231"), LocationLabel(kBin)});
  }
  void PickPackShip() {
    Scan(Mode::kPick, {ContainerLabel("T2"), LocationLabel(kBin), ItemWithSerial(kKettle, "S1")});
    Scan(Mode::kMove, {ContainerLabel("T2"), LocationLabel("PACK-01")});
    Scan(Mode::kPack, {ContainerLabel("T2"), ItemWithSerial(kKettle, "S1"), Sscc(kParcel1)});
    Scan(Mode::kShip, {LocationLabel("DOOR-01"), Sscc(kParcel1)});
  }

  testing::PostgresTestDatabase database_;  // Dropped last.
  testing::TempDir dir_;
  std::string url_;  // The database's conninfo.
  std::unique_ptr<engine::SiteEngine> postgres_;
  std::unique_ptr<engine::SiteEngine> sqlite_;
  int64_t now_ = kStart;
  int keys_ = 0;
};

std::unique_ptr<server::MovementIndex> OpenIndex(server::MovementIndexOptions options) {
  // Publish overflows at once: the index reads nearly everything back from the journal.
  options.queue_records_max = 2;
  options.batch_interval = std::chrono::milliseconds(1);
  options.retry_delay = std::chrono::milliseconds(50);
  StatusOr<std::unique_ptr<server::MovementIndex>> index =
      server::MovementIndex::Open(std::move(options));
  EXPECT_TRUE(index.ok()) << index.status().ToString();
  return index.ok() ? *std::move(index) : nullptr;
}

void ExpectIndexed(server::MovementIndex& index, uint64_t seq) {
  EXPECT_TRUE(index.WaitForSeq(seq, kWait)) << "indexed " << index.indexed_seq() << " of " << seq
                                            << ", last error " << index.stats().last_error;
}

std::string History(server::MovementIndex& index, const std::string& code) {
  StatusOr<server::HistoryPage> page = index.Lookup(code, std::nullopt, server::kMaxHistoryLimit);
  EXPECT_TRUE(page.ok()) << page.status().ToString();
  return page.ok() ? server::HistoryJson(*page).dump() : "";
}

TEST_F(PostgresFollowersTest, MovementIndexFollowsThePostgresJournalAsItFollowsSqlite) {
  ReceiveAndStow();  // Before the index opens: found by its first catch-up.
  server::MovementIndexOptions options = server::MovementIndexOptions::ForDataDir(dir_.File("pg"));
  options.open_journal = Factory(PostgresLocation());
  std::unique_ptr<server::MovementIndex> index = OpenIndex(options);
  std::unique_ptr<server::MovementIndex> twin =
      OpenIndex(server::MovementIndexOptions::ForDataDir(dir_.File("sqlite")));
  ASSERT_NE(index, nullptr);
  ASSERT_NE(twin, nullptr);
  postgres_->set_commit_listener(
      [&index](std::span<const store::JournalRecord> records) { index->Publish(records); });
  sqlite_->set_commit_listener(
      [&twin](std::span<const store::JournalRecord> records) { twin->Publish(records); });
  PickPackShip();  // Published; what overflows the small queue is read back from PostgreSQL.
  ExpectIndexed(*index, postgres_->last_seq());
  ExpectIndexed(*twin, sqlite_->last_seq());
  // At least the catch-up at open read PostgreSQL; whether the small queue also overflowed
  // depends on the index thread's pace, so it is not asserted.
  EXPECT_GE(index->stats().catch_ups, 1u);
  EXPECT_EQ(index->stats().errors, 0u) << index->stats().last_error;

  const std::string serial = History(*index, ItemWithSerial(kKettle, "S1"));
  EXPECT_NE(serial.find("\"shipped\""), std::string::npos) << serial;
  EXPECT_NE(serial.find("\"received\""), std::string::npos) << serial;
  EXPECT_EQ(serial, History(*twin, ItemWithSerial(kKettle, "S1")));
  EXPECT_EQ(History(*index, ItemWithLot(kCable, "L1", "271231")),
            History(*twin, ItemWithLot(kCable, "L1", "271231")));
  StatusOr<server::FlowReport> flow = index->Flow(now_, 3'600'000);
  StatusOr<server::FlowReport> twin_flow = twin->Flow(now_, 3'600'000);
  ASSERT_TRUE(flow.ok()) << flow.status().ToString();
  ASSERT_TRUE(twin_flow.ok()) << twin_flow.status().ToString();
  EXPECT_GT(flow->units, 0);
  EXPECT_EQ(server::FlowJson(*flow).dump(), server::FlowJson(*twin_flow).dump());
}

TEST_F(PostgresFollowersTest, MovementIndexRebuildsWhenTheSiteItFollowsIsAnother) {
  ReceiveAndStow();
  server::MovementIndexOptions options = server::MovementIndexOptions::ForDataDir(dir_.File("pg"));
  options.open_journal = Factory(PostgresLocation());
  {
    std::unique_ptr<server::MovementIndex> index = OpenIndex(options);
    ASSERT_NE(index, nullptr);
    ExpectIndexed(*index, postgres_->last_seq());
  }
  // index.db now follows a shorter journal: another site of the same database.
  ASSERT_NE(OpenEngine(store::PostgresJournal::Open(url_, "FR-OTHER")), nullptr);
  options.open_journal = Factory(SiteLocation(dir_.File("pg"), url_, "FR-OTHER"));
  std::unique_ptr<server::MovementIndex> index = OpenIndex(options);
  ASSERT_NE(index, nullptr);
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (index->stats().rebuilds == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(index->stats().rebuilds, 1u) << index->stats().last_error;
  EXPECT_TRUE(index->WaitForSeq(1, kWait));
  EXPECT_LT(index->indexed_seq(), postgres_->last_seq());
  StatusOr<server::HistoryPage> page = index->Lookup(ItemWithSerial(kKettle, "S1"), std::nullopt);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_TRUE(page->movements.empty());  // FR-OTHER holds its layout only.
}

server::EpcisRepositoryOptions EpcisOptions(const std::string& dir) {
  epcis::IdOptions ids;
  ids.site_code = kSite;
  server::EpcisRepositoryOptions options =
      server::EpcisRepositoryOptions::ForDataDir(dir, ids, [] { return kRecordTime; });
  options.poll_interval = std::chrono::milliseconds(10);
  options.retry_delay = std::chrono::milliseconds(50);
  return options;
}

std::unique_ptr<server::EpcisRepository> OpenEpcis(server::EpcisRepositoryOptions options) {
  StatusOr<std::unique_ptr<server::EpcisRepository>> repository =
      server::EpcisRepository::Open(std::move(options));
  EXPECT_TRUE(repository.ok()) << repository.status().ToString();
  return repository.ok() ? *std::move(repository) : nullptr;
}

// Every event of `repository` once it followed the journal up to `seq`.
std::vector<nlohmann::json> Events(server::EpcisRepository& repository, uint64_t seq) {
  EXPECT_TRUE(repository.WaitForSeq(seq, kWait))
      << "followed " << repository.followed_seq() << " of " << seq << ", last error "
      << repository.stats().last_error;
  server::EventQuery query;
  query.per_page = server::kMaxPerPage;
  StatusOr<server::EventPage> page = repository.Query(query);
  EXPECT_TRUE(page.ok()) << page.status().ToString();
  return page.ok() ? page->events : std::vector<nlohmann::json>{};
}

TEST_F(PostgresFollowersTest, EpcisFollowerDerivesTheSameEventsFromPostgresAsFromSqlite) {
  ReceiveAndStow();
  server::EpcisRepositoryOptions options = EpcisOptions(dir_.File("pg"));
  options.open_journal = Factory(PostgresLocation());
  std::unique_ptr<server::EpcisRepository> repository = OpenEpcis(options);
  std::unique_ptr<server::EpcisRepository> twin = OpenEpcis(EpcisOptions(dir_.File("sqlite")));
  ASSERT_NE(repository, nullptr);
  ASSERT_NE(twin, nullptr);
  const size_t received = Events(*repository, postgres_->last_seq()).size();
  EXPECT_GT(received, 0u);
  PickPackShip();  // Appended to PostgreSQL while the follower polls it.
  std::vector<nlohmann::json> events = Events(*repository, postgres_->last_seq());
  EXPECT_GT(events.size(), received);
  EXPECT_EQ(events, Events(*twin, sqlite_->last_seq()));
  bool shipped = false;
  for (const nlohmann::json& event : events) {
    shipped = shipped || event.value("bizStep", "") == "shipping";
  }
  EXPECT_TRUE(shipped);
  EXPECT_EQ(repository->stats().errors, 0u) << repository->stats().last_error;
}

TEST_F(PostgresFollowersTest, FollowersRefuseToOpenASiteTheDatabaseDoesNotHold) {
  // The factory resolves --site without asking; each reader it opens is checked.
  StatusOr<JournalFactory> missing =
      ReadOnlyJournalFactory(SiteLocation(dir_.File("pg"), url_, "FR-NONE"));
  ASSERT_TRUE(missing.ok()) << missing.status().ToString();
  server::MovementIndexOptions index_options =
      server::MovementIndexOptions::ForDataDir(dir_.File("pg"));
  index_options.open_journal = *missing;
  EXPECT_EQ(server::MovementIndex::Open(index_options).status().reason(), "journal_not_found");
  EXPECT_FALSE(std::filesystem::exists(dir_.File("pg/index.db")));
  server::EpcisRepositoryOptions epcis_options = EpcisOptions(dir_.File("pg"));
  epcis_options.open_journal = *missing;
  EXPECT_EQ(server::EpcisRepository::Open(epcis_options).status().reason(), "journal_not_found");

  // Two sites and none named; a store that is not a URL.
  ASSERT_NE(OpenEngine(store::PostgresJournal::Open(url_, "FR-OTHER")), nullptr);
  EXPECT_EQ(ReadOnlyJournalFactory(PostgresLocation()).status().reason(), "site_required");
  EXPECT_EQ(
      ReadOnlyJournalFactory(SiteLocation(dir_.File("pg"), "host=/tmp", "")).status().reason(),
      "bad_store_url");
  // Named, each site is found (the factory asks no more which sites there are).
  StatusOr<JournalFactory> named =
      ReadOnlyJournalFactory(SiteLocation(dir_.File("pg"), url_, kSite));
  ASSERT_TRUE(named.ok()) << named.status().ToString();
  StatusOr<std::unique_ptr<store::Journal>> reader = (*named)();
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->LastSeq(), postgres_->last_seq());
  const std::vector<store::JournalRecord> next = {{postgres_->last_seq() + 1, "", "x"}};
  EXPECT_EQ((*reader)->Append(next).reason(), "journal_read_only");
}

}  // namespace
}  // namespace entrepot::cli
