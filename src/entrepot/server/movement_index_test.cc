// Tests of the movement index against a real site: core::Site through engine::SiteEngine,
// a real SqliteJournal in a temporary directory, and the index fed by the engine's commit
// listener and by catching up from the journal.
#include "entrepot/server/movement_index.h"

#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "entrepot/core/site_test_util.h"
#include "entrepot/engine/site_engine.h"
#include "entrepot/server/movement_json.h"
#include "entrepot/store/sqlite_journal.h"
#include "gtest/gtest.h"

namespace entrepot::server {
namespace {

using core::Mode;
using core::testing::ContainerLabel;
using core::testing::Item;
using core::testing::ItemWithLot;
using core::testing::ItemWithSerial;
using core::testing::kCable;
using core::testing::kKettle;
using core::testing::kParcel1;
using core::testing::kStart;
using core::testing::LocationLabel;
using core::testing::Sscc;
using domain::Holder;

constexpr std::chrono::seconds kWait{20};
const std::string kBin = "A-01-001-1-2";
const std::string kParcel = std::string("sscc:") + kParcel1;

// Every row of every table of an SQLite file, one line per row, sorted: two dumps are equal
// when the files hold the same data.
std::string DumpDatabase(const std::string& path) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  std::vector<std::string> tables;
  std::vector<std::string> lines;
  auto collect = [](void* out, int columns, char** values, char**) {
    std::string line;
    for (int i = 0; i < columns; ++i) {
      line += (values[i] == nullptr ? "NULL" : values[i]) + std::string("|");
    }
    static_cast<std::vector<std::string>*>(out)->push_back(line);
    return 0;
  };
  sqlite3_exec(db, "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name", collect,
               &tables, nullptr);
  for (std::string& table : tables) {
    table.pop_back();  // The '|'.
    std::vector<std::string> rows;
    EXPECT_EQ(sqlite3_exec(db, ("SELECT * FROM " + table).c_str(), collect, &rows, nullptr),
              SQLITE_OK);
    std::sort(rows.begin(), rows.end());
    for (const std::string& row : rows) {
      lines.push_back(table + ": " + row);
    }
  }
  sqlite3_close(db);
  std::string out;
  for (const std::string& line : lines) {
    out += line + "\n";
  }
  return out;
}

void Sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);
}

void RemoveDatabase(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(path + suffix);
  }
}

std::vector<std::string> Kinds(const HistoryPage& page) {
  std::vector<std::string> kinds;
  for (const Movement& movement : page.movements) {
    kinds.emplace_back(MovementKindName(movement.kind));
  }
  return kinds;
}

class MovementIndexTest : public ::testing::Test {
 protected:
  MovementIndexTest() {
    dir_ = (std::filesystem::temp_directory_path() /
            ("entrepot-movement-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    OpenEngine();
    EXPECT_TRUE(engine_->LoadLayout(core::testing::SmallLayout()).ok());
  }
  ~MovementIndexTest() override {
    CloseIndex();
    engine_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::string JournalPath() const { return dir_ + "/journal.db"; }
  std::string IndexPath() const { return dir_ + "/index.db"; }

  void OpenEngine() {
    auto journal = store::SqliteJournal::Open(JournalPath());
    ASSERT_TRUE(journal.ok()) << journal.status().ToString();
    auto engine = engine::SiteEngine::Open(*std::move(journal));
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = *std::move(engine);
  }

  MovementIndex& OpenIndex(std::optional<MovementIndexOptions> options = std::nullopt) {
    auto index = MovementIndex::Open(options.value_or(MovementIndexOptions::ForDataDir(dir_)));
    EXPECT_TRUE(index.ok()) << index.status().ToString();
    index_ = *std::move(index);
    engine_->set_commit_listener(
        [this](std::span<const store::JournalRecord> records) { index_->Publish(records); });
    return *index_;
  }
  void CloseIndex() {
    if (engine_) {
      engine_->set_commit_listener(nullptr);
    }
    index_.reset();
  }
  void WaitIndexed() {
    ASSERT_TRUE(index_->WaitForSeq(engine_->last_seq(), kWait))
        << "indexed " << index_->indexed_seq() << " of " << engine_->last_seq() << ", last error "
        << index_->stats().last_error;
  }

  // Executes `codes` in `mode` as one batch (one commit), `gap_ms` apart; each must be accepted.
  // Opens the index and scans two kettles: received at kStart+2000 and kStart+3000 into the
  // dock, stowed (bin scans) into kBin at kStart+6000 and kStart+8000.
  void ReceiveTwoAndStowThem() {
    OpenIndex();
    now_ = kStart;
    Scan(Mode::kReceive, {LocationLabel("DOCK-01"), Item(kKettle), Item(kKettle)}, 1000);
    Scan(Mode::kStow,
         {LocationLabel("DOCK-01"), Item(kKettle), LocationLabel(kBin), Item(kKettle),
          LocationLabel(kBin)},
         1000);
    WaitIndexed();
  }

  void Scan(Mode mode, const std::vector<std::string>& codes, int64_t gap_ms = 2000) {
    std::vector<core::ScanCommand> batch;
    for (const std::string& code : codes) {
      now_ += gap_ms;
      batch.push_back({"idem-" + std::to_string(++keys_), "HH-01", mode, code, now_});
    }
    auto replies = engine_->Execute(batch);
    ASSERT_TRUE(replies.ok()) << replies.status().ToString();
    for (size_t i = 0; i < codes.size(); ++i) {
      ASSERT_TRUE(core::IsAccepted((*replies)[i].reply.outcome))
          << codes[i] << ": " << (*replies)[i].reply.message;
    }
  }

  // Serial S1 goes dock -> tote T1 -> bin -> tote T2 -> pack station -> parcel -> door, with
  // serial S2 and two units of lot L1 alongside.
  void ReceiveAndStow() {
    Scan(Mode::kReceive,
         {LocationLabel("DOCK-01"), ContainerLabel("T1"), ItemWithSerial(kKettle, "S1"),
          ItemWithSerial(kKettle, "S2"), ItemWithLot(kCable, "L1", "271231"),
          ItemWithLot(kCable, "L1", "271231")});
    Scan(Mode::kStow, {ContainerLabel("T1"), ItemWithSerial(kKettle, "S1"), LocationLabel(kBin),
                       ItemWithSerial(kKettle, "S2"), LocationLabel(kBin),
                       ItemWithLot(kCable, "L1", "271231"), LocationLabel(kBin)});
  }
  void PickPackShip() {
    Scan(Mode::kPick, {ContainerLabel("T2"), LocationLabel(kBin), ItemWithSerial(kKettle, "S1")});
    Scan(Mode::kMove, {ContainerLabel("T2"), LocationLabel("PACK-01")});
    Scan(Mode::kPack, {ContainerLabel("T2"), ItemWithSerial(kKettle, "S1"), Sscc(kParcel1)});
    Scan(Mode::kShip, {LocationLabel("DOOR-01"), Sscc(kParcel1)});
  }
  void Lifecycle() {
    ReceiveAndStow();
    PickPackShip();
  }
  // Opens the index as the machine's boot `boot` and indexes the lifecycle; returns the
  // options, to open it again in this boot or another.
  MovementIndexOptions IndexLifecycleDuringBoot(const std::string& boot) {
    MovementIndexOptions options = MovementIndexOptions::ForDataDir(dir_);
    options.boot_id = boot;
    OpenIndex(options);
    Lifecycle();
    WaitIndexed();
    return options;
  }
  // The lifecycle, then ten receipts of two cables, one commit each; waits until indexed.
  void LifecycleAndTenReceipts() {
    Lifecycle();
    for (int i = 0; i < 10; ++i) {
      Scan(Mode::kReceive, {LocationLabel("DOCK-01"), Item(kCable), Item(kCable)});
    }
    WaitIndexed();
  }

  // The dump of an index built from scratch from the journal alone, at another path.
  std::string RebuiltDump() {
    MovementIndexOptions options = MovementIndexOptions::ForDataDir(dir_);
    options.index_path = dir_ + "/rebuilt.db";
    std::string dump;
    {
      auto index = MovementIndex::Open(options);
      EXPECT_TRUE(index.ok()) << index.status().ToString();
      EXPECT_TRUE((*index)->WaitForSeq(engine_->last_seq(), kWait));
      dump = DumpDatabase(options.index_path);
    }
    RemoveDatabase(options.index_path);
    return dump;
  }

  HistoryPage History(const std::string& code, int64_t limit = kMaxHistoryLimit) {
    StatusOr<HistoryPage> page = index_->Lookup(code, std::nullopt, limit);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    return page.ok() ? *std::move(page) : HistoryPage{};
  }

  std::string dir_;
  std::unique_ptr<engine::SiteEngine> engine_;
  std::unique_ptr<MovementIndex> index_;
  int64_t now_ = kStart;
  int keys_ = 0;
};

TEST_F(MovementIndexTest, SerialHistoryFollowsTheUnitFromReceiptToShipment) {
  OpenIndex();
  Lifecycle();
  WaitIndexed();
  HistoryPage page = History(ItemWithSerial(kKettle, "S1"));
  EXPECT_EQ(page.subject.kind, HistorySubject::Kind::kSerial);
  EXPECT_EQ(page.indexed_seq, engine_->last_seq());
  EXPECT_FALSE(page.next.has_value());
  ASSERT_EQ(Kinds(page),
            (std::vector<std::string>{"shipped", "moved", "moved", "moved", "received"}));
  struct Expected {
    std::string process, zone, location;
    std::optional<Holder> from, to;
  };
  const std::vector<Expected> expected = {
      {"ship", "OUT", "DOOR-01", Holder::InContainer(kParcel), Holder::AtLocation("DOOR-01")},
      {"pack", "PACK", "PACK-01", Holder::InContainer("label:T2"), Holder::InContainer(kParcel)},
      {"pick", "A", kBin, Holder::AtLocation(kBin), Holder::InContainer("label:T2")},
      {"stow", "A", kBin, Holder::InContainer("label:T1"), Holder::AtLocation(kBin)},
      {"receive", "INB", "DOCK-01", std::nullopt, Holder::InContainer("label:T1")},
  };
  for (size_t i = 0; i < expected.size(); ++i) {
    const Movement& m = page.movements[i];
    SCOPED_TRACE(i);
    EXPECT_EQ(m.process, expected[i].process);
    EXPECT_EQ(m.zone, expected[i].zone);
    EXPECT_EQ(m.location, expected[i].location);
    EXPECT_EQ(m.from, expected[i].from);
    EXPECT_EQ(m.to, expected[i].to);
    EXPECT_EQ(m.item.gtin, kKettle);
    EXPECT_EQ(m.item.serial, "S1");
    EXPECT_EQ(m.quantity, 1);
    if (i > 0) {
      EXPECT_GT(page.movements[i - 1].seq, m.seq);
      EXPECT_GT(page.movements[i - 1].at_ms, m.at_ms);
    }
  }
  EXPECT_EQ(page.movements[0].container, kParcel);
  // Rule RET-01: neither the device nor the idempotency keys reach the history.
  const std::string json = HistoryJson(page).dump();
  EXPECT_EQ(json.find("HH-01"), std::string::npos) << json;
  EXPECT_EQ(json.find("idem-"), std::string::npos) << json;
}

TEST_F(MovementIndexTest, LotProductAndContainerHistoriesSelectTheirMovements) {
  OpenIndex();
  Lifecycle();
  WaitIndexed();
  HistoryPage lot = History(ItemWithLot(kCable, "L1", "271231"));
  EXPECT_EQ(lot.subject.kind, HistorySubject::Kind::kLot);
  EXPECT_EQ(Kinds(lot), (std::vector<std::string>{"moved", "received", "received"}));
  EXPECT_EQ(lot.movements[0].quantity, 1);
  EXPECT_EQ(lot.movements[0].item.expiry, "2027-12-31");

  HistoryPage serial2 = History(ItemWithSerial(kKettle, "S2"));
  EXPECT_EQ(Kinds(serial2), (std::vector<std::string>{"moved", "received"}));

  HistoryPage product = History(Item(kKettle));
  EXPECT_EQ(product.subject.kind, HistorySubject::Kind::kProduct);
  EXPECT_EQ(product.movements.size(), 7u);                   // S1: 5, S2: 2.
  EXPECT_EQ(History(kKettle).movements, product.movements);  // A GTIN as typed.

  HistoryPage parcel = History(Sscc(kParcel1));
  EXPECT_EQ(parcel.subject.kind, HistorySubject::Kind::kContainer);
  EXPECT_EQ(parcel.subject.container, kParcel);
  ASSERT_EQ(Kinds(parcel),
            (std::vector<std::string>{"shipped", "container_shipped", "container_moved", "moved"}));
  EXPECT_EQ(parcel.movements[1].quantity, 1);  // The units it took along.
  EXPECT_EQ(parcel.movements[1].zone, "OUT");
  EXPECT_EQ(parcel.movements[2].to, Holder::AtLocation("PACK-01"));
  EXPECT_EQ(History(kParcel).movements, parcel.movements);  // The canonical id as typed.

  HistoryPage tote = History(ContainerLabel("T1"));
  EXPECT_EQ(tote.subject.container, "label:T1");
  // Placed at the dock, four units received into it, three stowed out of it.
  ASSERT_EQ(tote.movements.size(), 8u);
  EXPECT_EQ(tote.movements.back().kind, MovementKind::kContainerMoved);
  EXPECT_EQ(tote.movements.back().zone, "INB");
  EXPECT_EQ(tote.movements.back().process, "receive");

  HistoryPage unknown = History(ItemWithSerial(kKettle, "NEVER-SEEN"));
  EXPECT_TRUE(unknown.movements.empty());
  EXPECT_FALSE(unknown.next.has_value());
}

TEST_F(MovementIndexTest, PagesWalkTheWholeHistoryWithoutGapsOrRepeats) {
  OpenIndex();
  Lifecycle();
  // Two units packed in one entry: the parcel's pages split that entry's movements.
  Scan(Mode::kReceive,
       {LocationLabel("DOCK-02"), ContainerLabel("T1"), Item(kKettle), Item(kCable)});
  Scan(Mode::kPack,
       {ContainerLabel("T1"), Item(kKettle), Item(kCable), Sscc("095060000000000022")});
  WaitIndexed();
  for (const std::string& code :
       {Item(kKettle), ContainerLabel("T1"), Sscc("095060000000000022")}) {
    const std::vector<Movement> all = History(code).movements;
    ASSERT_GE(all.size(), 3u) << code;
    for (int64_t limit : {1, 2, 3}) {
      std::vector<Movement> walked;
      std::optional<HistoryCursor> before;
      for (int pages = 0; pages < 100; ++pages) {
        StatusOr<HistoryPage> page = index_->Lookup(code, before, limit);
        ASSERT_TRUE(page.ok()) << page.status().ToString();
        EXPECT_LE(page->movements.size(), static_cast<size_t>(limit));
        walked.insert(walked.end(), page->movements.begin(), page->movements.end());
        if (!page->next) {
          break;
        }
        before = page->next;
      }
      EXPECT_EQ(walked, all) << code << " limit " << limit;
    }
  }
  // A plain seq as cursor: everything before that journal entry.
  const std::vector<Movement> all = History(Item(kKettle)).movements;
  auto before = ParseHistoryCursor(std::to_string(all[2].seq));
  ASSERT_TRUE(before.ok());
  StatusOr<HistoryPage> page = index_->Lookup(Item(kKettle), *before, kMaxHistoryLimit);
  ASSERT_TRUE(page.ok());
  ASSERT_FALSE(page->movements.empty());
  EXPECT_LT(page->movements.front().seq, all[2].seq);
}

TEST_F(MovementIndexTest, CatchUpAfterReopenEqualsLiveIndexing) {
  OpenIndex();
  ReceiveAndStow();
  WaitIndexed();
  const uint64_t first_part = index_->indexed_seq();
  CloseIndex();
  PickPackShip();  // Committed while no index runs.
  MovementIndex& index = OpenIndex();
  WaitIndexed();
  EXPECT_GT(index.indexed_seq(), first_part);
  EXPECT_EQ(index.stats().rebuilds, 0u);
  EXPECT_GE(index.stats().catch_ups, 1u);
  const std::string caught_up = DumpDatabase(IndexPath());
  EXPECT_EQ(caught_up, RebuiltDump());
  // Live indexing resumes after the catch-up.
  Scan(Mode::kReceive, {LocationLabel("DOCK-01"), Item(kCable)});
  WaitIndexed();
  EXPECT_EQ(DumpDatabase(IndexPath()), RebuiltDump());
}

TEST_F(MovementIndexTest, DeletingIndexDbRebuildsTheSameRows) {
  OpenIndex();
  Lifecycle();
  WaitIndexed();
  const std::string live = DumpDatabase(IndexPath());
  const std::vector<Movement> history = History(ItemWithSerial(kKettle, "S1")).movements;
  CloseIndex();
  RemoveDatabase(IndexPath());
  OpenIndex();
  WaitIndexed();
  EXPECT_EQ(DumpDatabase(IndexPath()), live);
  EXPECT_EQ(History(ItemWithSerial(kKettle, "S1")).movements, history);
}

TEST_F(MovementIndexTest, DamagedOrOlderIndexFileIsRecreatedAndRefilled) {
  OpenIndex();
  Lifecycle();
  WaitIndexed();
  const std::string live = DumpDatabase(IndexPath());
  CloseIndex();
  RemoveDatabase(IndexPath());
  std::ofstream(IndexPath()) << std::string(8192, 'x');  // Not a database.
  MovementIndex& recreated = OpenIndex();
  WaitIndexed();
  EXPECT_EQ(recreated.stats().rebuilds, 1u);
  EXPECT_EQ(DumpDatabase(IndexPath()), live);

  CloseIndex();
  Sql(IndexPath(), "PRAGMA user_version = 99");  // An index of another schema version.
  MovementIndex& upgraded = OpenIndex();
  WaitIndexed();
  EXPECT_EQ(upgraded.stats().rebuilds, 1u);
  EXPECT_EQ(DumpDatabase(IndexPath()), live);
}

// The files as a power loss would leave them while the index is open: its unsynced mark in.
void CopyIndexFiles(const std::string& from, const std::string& to) {
  for (const char* suffix : {"", "-wal"}) {
    std::filesystem::copy_file(from + suffix, to + suffix,
                               std::filesystem::copy_options::overwrite_existing);
  }
}

TEST_F(MovementIndexTest, AnIndexLeftOpenIsRebuiltInAnotherBootAndKeptInTheSame) {
  MovementIndexOptions options = IndexLifecycleDuringBoot("boot-a");
  const std::vector<Movement> history = History(ItemWithSerial(kKettle, "S1")).movements;
  const std::string at_crash = dir_ + "/index-at-crash.db";
  CopyIndexFiles(IndexPath(), at_crash);
  CloseIndex();

  CopyIndexFiles(at_crash, IndexPath());
  EXPECT_EQ(OpenIndex(options).stats().rebuilds, 0u);  // A process crash: the same boot.
  WaitIndexed();
  EXPECT_EQ(History(ItemWithSerial(kKettle, "S1")).movements, history);
  CloseIndex();

  CopyIndexFiles(at_crash, IndexPath());
  options.boot_id = "boot-b";
  EXPECT_EQ(OpenIndex(options).stats().rebuilds, 1u);  // A power loss may have torn it.
  WaitIndexed();
  EXPECT_EQ(History(ItemWithSerial(kKettle, "S1")).movements, history);
}

TEST_F(MovementIndexTest, AnIndexClosedCleanlyIsKeptAcrossBoots) {
  MovementIndexOptions options = IndexLifecycleDuringBoot("boot-a");
  const std::vector<Movement> history = History(ItemWithSerial(kKettle, "S1")).movements;
  CloseIndex();

  options.boot_id = "boot-b";
  MovementIndex& reopened = OpenIndex(options);

  EXPECT_EQ(reopened.stats().rebuilds, 0u);
  EXPECT_EQ(reopened.indexed_seq(), engine_->last_seq());
  EXPECT_EQ(History(ItemWithSerial(kKettle, "S1")).movements, history);
}

TEST_F(MovementIndexTest, AStopThatCannotSyncEverythingKeepsTheMarkAndTheNextBootRebuilds) {
  MovementIndexOptions options = IndexLifecycleDuringBoot("boot-a");
  // A reader in the middle of a read transaction: the closing checkpoint cannot complete.
  sqlite3* reader = nullptr;
  ASSERT_EQ(sqlite3_open_v2(IndexPath().c_str(), &reader, SQLITE_OPEN_READONLY, nullptr),
            SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(reader, "BEGIN; SELECT count(*) FROM movement;", nullptr, nullptr, nullptr),
      SQLITE_OK);
  Scan(Mode::kReceive, {LocationLabel("DOCK-01"), Item(kKettle)});  // Past the reader's view.
  WaitIndexed();
  CloseIndex();
  sqlite3_close(reader);

  options.boot_id = "boot-b";
  EXPECT_EQ(OpenIndex(options).stats().rebuilds, 1u);
}

TEST_F(MovementIndexTest, IndexOfAnotherJournalIsRebuilt) {
  OpenIndex();
  Lifecycle();
  WaitIndexed();
  CloseIndex();
  engine_.reset();
  // Another site's history, longer, in place of the journal the index was built from.
  RemoveDatabase(JournalPath());
  OpenEngine();
  ASSERT_TRUE(engine_->LoadLayout(core::testing::SmallLayout()).ok());
  now_ += 1000;
  Scan(Mode::kReceive, {LocationLabel("DOCK-02")});
  for (int i = 0; i < 40; ++i) {
    Scan(Mode::kReceive, {ItemWithLot(kCable, "OTHER", "280101")});
  }
  MovementIndex& index = OpenIndex();
  WaitIndexed();
  EXPECT_EQ(index.stats().rebuilds, 1u);
  EXPECT_TRUE(History(ItemWithSerial(kKettle, "S1")).movements.empty());
  EXPECT_EQ(History(ItemWithLot(kCable, "OTHER", "280101")).movements.size(), 40u);
  EXPECT_EQ(DumpDatabase(IndexPath()), RebuiltDump());
}

TEST_F(MovementIndexTest, OverflowingThePublishQueueStillEndsWithACompleteIndex) {
  MovementIndexOptions options = MovementIndexOptions::ForDataDir(dir_);
  options.queue_records_max = 2;  // Every batch of the lifecycle overflows it.
  options.batch_records_max = 3;
  MovementIndex& index = OpenIndex(options);
  LifecycleAndTenReceipts();
  EXPECT_GT(index.stats().overflows, 0u);
  EXPECT_EQ(index.stats().errors, 0u) << index.stats().last_error;
  EXPECT_EQ(DumpDatabase(IndexPath()), RebuiltDump());
}

TEST_F(MovementIndexTest, EverythingQueuedIsIndexedInBoundedTransactionsLikeARebuild) {
  MovementIndexOptions options = MovementIndexOptions::ForDataDir(dir_);
  options.batch_records_max = 3;  // Each pass takes all that queued, indexed 3 per transaction.
  options.batch_interval = std::chrono::milliseconds(200);
  MovementIndex& index = OpenIndex(options);
  WaitIndexed();
  LifecycleAndTenReceipts();
  EXPECT_EQ(index.stats().overflows, 0u);
  EXPECT_EQ(index.stats().errors, 0u) << index.stats().last_error;
  EXPECT_EQ(DumpDatabase(IndexPath()), RebuiltDump());
}

// The nice value in a /proc stat file (field 19; the fields after the command name, which
// ends at the last ')', start with field 3).
int NiceIn(const std::filesystem::path& stat_path) {
  std::ifstream stat(stat_path);
  std::string line;
  std::getline(stat, line);
  std::istringstream fields(line.substr(line.rfind(')') + 2));
  std::string field;
  for (int i = 3; i <= 19 && fields >> field; ++i) {
  }
  return std::stoi(field);
}

// The nice value of every thread of this process.
std::vector<int> ThreadNiceValues() {
  std::vector<int> values;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    values.push_back(NiceIn(task.path() / "stat"));
  }
  return values;
}

TEST_F(MovementIndexTest, IndexThreadRunsAtALowerPriorityThanTheRequestPath) {
  const int before = NiceIn("/proc/self/stat");  // The main thread's.
  MovementIndexOptions options = MovementIndexOptions::ForDataDir(dir_);
  options.thread_nice = 5;
  OpenIndex(options);
  Scan(Mode::kReceive, {LocationLabel("DOCK-01"), Item(kCable)});
  WaitIndexed();  // The thread has run (and lowered its priority first).
  std::vector<int> values = ThreadNiceValues();
  EXPECT_EQ(NiceIn("/proc/self/stat"), before);
  EXPECT_NE(std::find(values.begin(), values.end(), std::min(before + 5, 19)), values.end());
}

TEST_F(MovementIndexTest, RecordsCommittedBeforeTheListenerAreFoundThroughTheGap) {
  MovementIndex& index = OpenIndex();
  WaitIndexed();
  engine_->set_commit_listener(nullptr);
  ReceiveAndStow();  // Not published: the index cannot know of these yet.
  engine_->set_commit_listener(
      [this](std::span<const store::JournalRecord> records) { index_->Publish(records); });
  PickPackShip();  // Published: its first record shows the gap.
  WaitIndexed();
  EXPECT_EQ(index.stats().errors, 0u) << index.stats().last_error;
  EXPECT_EQ(Kinds(History(ItemWithSerial(kKettle, "S1"))).size(), 5u);
  EXPECT_EQ(DumpDatabase(IndexPath()), RebuiltDump());
}

TEST_F(MovementIndexTest, WaitForSeqTimesOutForASeqNotCommitted) {
  MovementIndex& index = OpenIndex();
  WaitIndexed();
  EXPECT_TRUE(index.WaitForSeq(engine_->last_seq(), std::chrono::milliseconds(0)));
  EXPECT_FALSE(index.WaitForSeq(engine_->last_seq() + 1, std::chrono::milliseconds(50)));
}

TEST_F(MovementIndexTest, FlowCountsUnitsPerZoneAndProcessWithinTheWindowEdges) {
  ReceiveTwoAndStowThem();
  auto flow = [this](int64_t now, int64_t window) {
    StatusOr<FlowReport> report = index_->Flow(now, window);
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? *std::move(report) : FlowReport{};
  };
  FlowReport all = flow(kStart + 60'000, 60'000);
  EXPECT_EQ(all.cells, (std::vector<FlowCell>{{"A", "stow", 2, 2}, {"INB", "receive", 2, 2}}));
  EXPECT_EQ(all.units, 4);
  EXPECT_EQ(all.by_process, (std::vector<FlowTotal>{{"receive", 2, 2}, {"stow", 2, 2}}));
  EXPECT_EQ(all.from_ms, kStart);
  EXPECT_EQ(all.to_ms, kStart + 60'000);
  // Both ends of [now - window, now] are included.
  EXPECT_EQ(flow(kStart + 3000, 1000).units, 2);
  EXPECT_EQ(flow(kStart + 2999, 999).units, 1);
  EXPECT_EQ(flow(kStart + 3999, 999).units, 1);
  EXPECT_EQ(flow(kStart + 1999, 1999).units, 0);
  EXPECT_TRUE(flow(kStart + 1999, 1999).cells.empty());
  EXPECT_EQ(flow(kStart + 8000, 1).cells, (std::vector<FlowCell>{{"A", "stow", 1, 1}}));
  EXPECT_EQ(flow(kStart + 8002, 1).units, 0);
}

TEST_F(MovementIndexTest, FlowSeriesCutsTheWindowIntoBucketsThatAddUpToIt) {
  ReceiveTwoAndStowThem();
  // Four 2.5 s buckets.
  StatusOr<std::vector<FlowReport>> series = index_->FlowSeries(kStart + 10'000, 10'000, 2'500);
  ASSERT_TRUE(series.ok()) << series.status().ToString();
  ASSERT_EQ(series->size(), 4U);
  EXPECT_EQ((*series)[0].from_ms, kStart);
  EXPECT_EQ((*series)[0].by_process, (std::vector<FlowTotal>{{"receive", 1, 1}}));
  EXPECT_EQ((*series)[1].by_process, (std::vector<FlowTotal>{{"receive", 1, 1}}));
  EXPECT_EQ((*series)[2].by_process, (std::vector<FlowTotal>{{"stow", 1, 1}}));
  EXPECT_EQ((*series)[3].by_process, (std::vector<FlowTotal>{{"stow", 1, 1}}));
  EXPECT_EQ((*series)[3].to_ms, kStart + 9'999);
}

TEST_F(MovementIndexTest, FlowSeriesWithABadStepReturnsBadStep) {
  OpenIndex();
  EXPECT_EQ(index_->FlowSeries(kStart, 3'600'000, 999).status().reason(), "bad_step");
  EXPECT_EQ(index_->FlowSeries(kStart, 3'600'000, 7'000'000).status().reason(), "bad_step");
  EXPECT_EQ(index_->FlowSeries(kStart, 3'600'000, 7'000).status().reason(), "bad_step");
  EXPECT_EQ(index_->FlowSeries(kStart, kMaxFlowWindowMs, 60'000).status().reason(), "bad_step");
  EXPECT_EQ(index_->FlowSeries(kStart, 0, 1'000).status().reason(), "bad_window");
  EXPECT_TRUE(index_->FlowSeries(kStart, kMaxFlowWindowMs, 300'000).ok());
}

// Flow sums minute and second buckets and rows at the ragged ends: it must equal a plain
// sum over the rows for any window.
TEST_F(MovementIndexTest, FlowEqualsTheSumOfItsRowsForRandomWindows) {
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 random(seed);
  OpenIndex();
  now_ = kStart;
  Scan(Mode::kReceive, {LocationLabel("DOCK-01")});
  std::vector<std::string> stow;
  for (int i = 0; i < 120; ++i) {
    const int64_t gap = std::uniform_int_distribution<int64_t>(1, 150'000)(random);
    Scan(Mode::kReceive, {i % 3 == 0 ? Item(kCable) : Item(kKettle)}, gap);
  }
  Scan(Mode::kStow, {LocationLabel("DOCK-01")});
  for (int i = 0; i < 40; ++i) {
    const int64_t gap = std::uniform_int_distribution<int64_t>(1, 90'000)(random);
    Scan(Mode::kStow, {Item(kKettle)}, gap);
    Scan(Mode::kStow, {LocationLabel(kBin)}, 1500);
  }
  WaitIndexed();
  struct Row {
    int64_t at_ms;
    std::string zone, process;
    int64_t units, movements;
  };
  std::vector<Row> rows;
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2(IndexPath().c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* statement = nullptr;
    sqlite3_prepare_v2(db, "SELECT at_ms, zone, process, flow_units, flow_movements FROM movement",
                       -1, &statement, nullptr);
    while (sqlite3_step(statement) == SQLITE_ROW) {
      rows.push_back({sqlite3_column_int64(statement, 0),
                      reinterpret_cast<const char*>(sqlite3_column_text(statement, 1)),
                      reinterpret_cast<const char*>(sqlite3_column_text(statement, 2)),
                      sqlite3_column_int64(statement, 3), sqlite3_column_int64(statement, 4)});
    }
    sqlite3_finalize(statement);
    sqlite3_close(db);
  }
  ASSERT_EQ(rows.size(), 160u);  // 120 received, 40 stowed.
  for (int trial = 0; trial < 300; ++trial) {
    const int64_t now =
        std::uniform_int_distribution<int64_t>(kStart - 3'600'000, now_ + 3'600'000)(random);
    const int64_t window =
        trial % 2 == 0 ? std::uniform_int_distribution<int64_t>(1, 600'000)(random)
                       : std::uniform_int_distribution<int64_t>(1, kMaxFlowWindowMs)(random);
    std::map<std::pair<std::string, std::string>, std::pair<int64_t, int64_t>> expected;
    for (const Row& row : rows) {
      if (row.at_ms >= now - window && row.at_ms <= now) {
        expected[{row.zone, row.process}].first += row.units;
        expected[{row.zone, row.process}].second += row.movements;
      }
    }
    std::vector<FlowCell> expected_cells;
    for (const auto& [key, sums] : expected) {
      expected_cells.push_back({key.first, key.second, sums.first, sums.second});
    }
    StatusOr<FlowReport> report = index_->Flow(now, window);
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    ASSERT_EQ(report->cells, expected_cells) << "now " << now << " window " << window;
  }
}

TEST_F(MovementIndexTest, BadInputsGiveStableReasons) {
  MovementIndex& index = OpenIndex();
  WaitIndexed();
  EXPECT_EQ(index.Lookup(Item(kKettle), std::nullopt, 0).status().reason(), "bad_limit");
  EXPECT_EQ(index.Lookup(Item(kKettle), std::nullopt, kMaxHistoryLimit + 1).status().reason(),
            "bad_limit");
  EXPECT_TRUE(index.Lookup(Item(kKettle), std::nullopt, kMaxHistoryLimit).ok());
  EXPECT_EQ(index.Lookup("hello world", std::nullopt).status().reason(), "unknown_code");
  EXPECT_EQ(index.Lookup("", std::nullopt).status().reason(), "empty_code");
  EXPECT_EQ(index.Lookup("(01)09506000134353", std::nullopt).status().reason(), "bad_check_digit");
  EXPECT_EQ(index.Lookup(LocationLabel(kBin), std::nullopt).status().reason(), "not_a_unit");
  const std::string badge = domain::FormatLabel(domain::LabelKind::kBadge, "W0042");
  StatusOr<HistoryPage> by_badge = index.Lookup(badge, std::nullopt);
  EXPECT_EQ(by_badge.status().reason(), "not_a_unit");
  EXPECT_EQ(by_badge.status().message().find("W0042"), std::string::npos);  // RET-01.
  EXPECT_EQ(index.Flow(kStart, 0).status().reason(), "bad_window");
  EXPECT_EQ(index.Flow(kStart, -1).status().reason(), "bad_window");
  EXPECT_EQ(index.Flow(kStart, kMaxFlowWindowMs + 1).status().reason(), "bad_window");
  EXPECT_TRUE(index.Flow(kStart, kMaxFlowWindowMs).ok());
  EXPECT_EQ(index.Flow(std::numeric_limits<int64_t>::min(), 1000).status().reason(), "bad_time");
}

TEST_F(MovementIndexTest, OpenRefusesPathsThatAreNotItsOwn) {
  MovementIndexOptions options = MovementIndexOptions::ForDataDir(dir_);
  options.index_path = JournalPath();
  EXPECT_EQ(MovementIndex::Open(options).status().reason(), "bad_index_path");
  options.index_path = "";
  EXPECT_EQ(MovementIndex::Open(options).status().reason(), "bad_index_path");

  options.index_path = dir_ + "/foreign.db";
  Sql(options.index_path, "CREATE TABLE precious(x); INSERT INTO precious VALUES (42)");
  EXPECT_EQ(MovementIndex::Open(options).status().reason(), "not_an_index");
  EXPECT_NE(DumpDatabase(options.index_path).find("precious: 42|"), std::string::npos);

  options = MovementIndexOptions::ForDataDir(dir_ + "/nowhere");
  EXPECT_EQ(MovementIndex::Open(options).status().reason(), "journal_not_found");
}

TEST_F(MovementIndexTest, StopKeepsAnsweringReadsAndIgnoresLaterPublishes) {
  MovementIndex& index = OpenIndex();
  ReceiveAndStow();
  WaitIndexed();
  const uint64_t indexed = index.indexed_seq();
  index.Stop();
  index.Stop();  // Idempotent.
  PickPackShip();
  EXPECT_EQ(index.indexed_seq(), indexed);
  EXPECT_EQ(index.stats().queued_records, 0u);
  EXPECT_EQ(Kinds(History(ItemWithSerial(kKettle, "S1"))).size(), 2u);
}

}  // namespace
}  // namespace entrepot::server
