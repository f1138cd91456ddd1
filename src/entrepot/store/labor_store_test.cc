#include "entrepot/store/labor_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "entrepot/store/journal_test_util.h"
#include "entrepot/store/labor_storage.h"
#include "entrepot/store/postgres_labor_store.h"

namespace entrepot::store {
namespace {

using testing::RawPostgres;

using privacy::Pseudonym;
using privacy::SecretKey;
using std::chrono::day;
using std::chrono::month;
using std::chrono::year;

Date D(int y, unsigned m, unsigned d) { return Date{year(y), month(m), day(d)}; }

// Known, distinct, recognisable keys: key n is bytes 0xC0+n, 0xC0+n+7, ... so that the
// test can look for them in the files' bytes.
class CountingKeySource final : public privacy::KeySource {
 public:
  void Fill(std::span<uint8_t> out) override {
    for (size_t i = 0; i < out.size(); ++i) {
      out[i] = static_cast<uint8_t>(0xC0 + count_ + 7 * i);
    }
    ++count_;
  }
  std::vector<uint8_t> KeyBytes(size_t n) const {
    std::vector<uint8_t> bytes(privacy::kLaborKeyBytes);
    for (size_t i = 0; i < bytes.size(); ++i) {
      bytes[i] = static_cast<uint8_t>(0xC0 + n + 7 * i);
    }
    return bytes;
  }
  SecretKey Key(size_t n) const { return SecretKey(KeyBytes(n)); }

 private:
  size_t count_ = 0;
};

enum class Backend { kSqlite, kPostgres };

// The cases of the labor store, run against DIR/labor.db (Sqlite/) and against the rows of a
// site of its own in PostgreSQL (Postgres/, which need ENTREPOT_TEST_POSTGRES and skip
// without it). The key directory is DIR/labor-keys for both.
class LaborStoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "labor_store_test_XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    if (GetParam() == Backend::kPostgres) {
      std::optional<std::string> url = testing::TestPostgresUrl();
      if (!url) {
        GTEST_SKIP() << testing::kHowToStartPostgres;
      }
      url_ = *url;
      site_ = testing::UniqueSiteCode("labor");
    }
    Reopen();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  bool postgres() const { return GetParam() == Backend::kPostgres; }
  // A store on the same rows (another node of the site, for PostgreSQL) with `key_dir`.
  StatusOr<std::unique_ptr<LaborStore>> OpenStore(const std::filesystem::path& key_dir) {
    if (postgres()) {
      return OpenPostgresLaborStore(url_, site_, policy_,
                                    {.key_source = &keys_, .key_dir = key_dir});
    }
    return LaborStore::Open(dir_, policy_, {.key_source = &keys_, .key_dir = key_dir});
  }
  void Reopen() {
    store_.reset();
    auto opened = OpenStore(KeyDir());
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(*opened);
  }
  // The rows of `table` (its SQLite name) matching `where` (SQL, may be empty).
  int64_t Count(const std::string& table, const std::string& where = "") {
    if (postgres()) {
      RawPostgres raw(url_);
      return raw.QueryInt("SELECT count(*) FROM entrepot_labor_" + table + " WHERE site = '" +
                          site_ + "'" + (where.empty() ? "" : " AND " + where));
    }
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open((dir_ / kLaborFileName).string().c_str(), &db), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    const std::string sql =
        "SELECT count(*) FROM " + table + (where.empty() ? "" : " WHERE " + where);
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK);
    const int64_t n = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : -1;
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return n;
  }
  // Every byte of labor.db and its WAL and shared-memory files.
  std::string FileBytes() const {
    std::string all;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      std::ifstream in(dir_ / (std::string(kLaborFileName) + suffix), std::ios::binary);
      all.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    return all;
  }
  template <typename Bytes>
  static bool Contains(const std::string& haystack, const Bytes& needle) {
    return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                       [](char a, auto b) {
                         return static_cast<uint8_t>(a) == static_cast<uint8_t>(b);
                       }) != haystack.end();
  }
  // SQLite: whether any byte of labor.db, its WAL or shared memory is `needle`, deleted rows
  // included. PostgreSQL: whether a live row of the site's labor tables holds it (as text, or
  // as bytes of a bytea: dead tuples are out of a client's reach, the keys guard them).
  template <typename Bytes>
  bool StoredContains(const Bytes& needle) {
    if (!postgres()) {
      return Contains(FileBytes(), needle);
    }
    std::string hex;
    bool printable = true;
    for (auto byte : needle) {
      const auto value = static_cast<uint8_t>(byte);
      static constexpr char kDigits[] = "0123456789abcdef";
      hex += kDigits[value >> 4];
      hex += kDigits[value & 0xF];
      printable = printable && value >= 0x20 && value < 0x7F && value != '\'' && value != '\\';
    }
    std::string rows;
    for (const char* table : {"closed_days", "sessions", "scans", "assignments", "weekly",
                              "team_weekly", "team_leads", "keys_to_destroy", "query_history"}) {
      rows += std::string(rows.empty() ? "" : " UNION ALL ") + "SELECT t::text AS r FROM " +
              "entrepot_labor_" + table + " t WHERE site = '" + site_ + "'";
    }
    std::string match = "strpos(r, '" + hex + "') > 0";
    if (printable) {
      match += " OR strpos(r, '" + std::string(needle.begin(), needle.end()) + "') > 0";
    }
    RawPostgres raw(url_);
    return raw.QueryInt("SELECT count(*) FROM (" + rows + ") x WHERE " + match) > 0;
  }
  std::filesystem::path KeyDir() const { return dir_ / kLaborKeyDirName; }
  std::filesystem::path KeyFile(const std::string& name) const {
    return KeyDir() / (name + ".key");
  }
  // Every byte of every file of the key directory.
  std::string KeyDirBytes() const {
    std::string all;
    for (const auto& entry : std::filesystem::directory_iterator(KeyDir())) {
      std::ifstream in(entry.path(), std::ios::binary);
      all.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    return all;
  }
  static std::string ReadAll(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  static void WriteAll(const std::filesystem::path& path, const std::vector<uint8_t>& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
  }
  // Runs `sql` on labor.db with the store closed, then reopens the store.
  void Rewrite(const std::string& sql) {
    store_.reset();
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_ / kLaborFileName).string().c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db);
    sqlite3_close(db);
    Reopen();
  }
  // Workers 1..n in zone/shift/team, plus supervisor 1000 of zone A, shift morning.
  std::vector<LaborAssignment> Rota(int n, const std::string& zone, const std::string& team) {
    std::vector<LaborAssignment> rota;
    for (int i = 1; i <= n; ++i) {
      rota.push_back({i, team, "morning", zone, false});
    }
    rota.push_back({1000, "leads", "morning", "A", true});
    return rota;
  }

  // Monday: workers 1..11 of team t1 and 12 of team t2 each pick 2 units in zone A.
  void TwelveWorkersPickInZoneA() {
    std::vector<LaborAssignment> rota = Rota(11, "A", "t1");
    rota.push_back({12, "t2", "morning", "A", false});
    const Date monday = D(2026, 5, 4);
    ASSERT_TRUE(store_->SetAssignments(monday, rota).ok());
    for (int64_t worker = 1; worker <= 12; ++worker) {
      const std::string device = "HH-" + std::to_string(worker);
      ASSERT_TRUE(store_->StartSession(monday, device, worker, 0).ok());
      ASSERT_TRUE(*store_->RecordScan(device, "pick", "A", "ok", 2, 10));
    }
  }

  std::filesystem::path dir_;
  privacy::Policy policy_ = privacy::DefaultPolicy();
  CountingKeySource keys_;
  std::unique_ptr<LaborStore> store_;
  std::string url_;   // The test cluster (PostgreSQL only).
  std::string site_;  // A site of its own in PostgreSQL.
};

// The cases that only DIR/labor.db has: its bytes on disk, its scrub, its older schemas.
class SqliteLaborStoreTest : public LaborStoreTest {};
// The cases that only PostgreSQL has: sites sharing a database, nodes sharing a site.
class PostgresLaborStoreTest : public LaborStoreTest {};

// What schemas 1 to 3 had and schema 4 has not: the keys in labor.db.
constexpr std::string_view kSchema3KeyTables =
    "CREATE TABLE day_keys(day TEXT PRIMARY KEY, key BLOB NOT NULL);"
    "CREATE TABLE week_keys(week TEXT PRIMARY KEY, key BLOB NOT NULL);"
    "DROP TABLE keys_to_destroy;"
    "ALTER TABLE sessions DROP COLUMN carried;";

const Date kMonday = D(2026, 5, 4);
const Date kTuesday = D(2026, 5, 5);

// RET-01: the worker id is never stored with a labor event; the session carries the day
// pseudonym (HMAC under the day key), and scans are linked only to the device's session.
TEST_P(LaborStoreTest, EventsCarryOnlyTheDayPseudonym) {
  ASSERT_TRUE(store_->StartSession(kMonday, "HH-0042", 777001, 1000).ok());
  ASSERT_TRUE(*store_->RecordScan("HH-0042", "pick", "A", "ok", 2, 2000));
  const Pseudonym pseudonym = privacy::PseudonymOf(keys_.Key(0), 777001);
  EXPECT_TRUE(StoredContains(pseudonym));
  EXPECT_FALSE(StoredContains(std::string("777001")));
  EXPECT_FALSE(StoredContains(keys_.KeyBytes(0))) << "the key is a file, never a row";
  // A scan on a device nobody is signed in on is not a labor event.
  StatusOr<bool> recorded = store_->RecordScan("HH-0099", "pick", "A", "ok", 1, 2000);
  ASSERT_TRUE(recorded.ok());
  EXPECT_FALSE(*recorded);
}

// RET-01, AGG-04 (crypto-shredding): after the roll-up, no table, free page or WAL frame
// of labor.db holds the day key, the day pseudonym or the raw events.
TEST_P(LaborStoreTest, RollUpDestroysTheDayKeyAndRawEventsOnDisk) {
  ASSERT_TRUE(store_->StartSession(kMonday, "HH-UNIQUE-7", 5, 1000).ok());
  ASSERT_TRUE(*store_->RecordScan("HH-UNIQUE-7", "pick", "ZONE-RAW-ONLY", "ok", 3, 2000));
  ASSERT_TRUE(
      *store_->RecordScan("HH-UNIQUE-7", "pick", "ZONE-RAW-ONLY", "wrong_location", 1, 3000));
  ASSERT_TRUE(store_->EndSession("HH-UNIQUE-7", 4000).ok());
  const std::vector<uint8_t> day_key = keys_.KeyBytes(0);
  const Pseudonym pseudonym = privacy::PseudonymOf(keys_.Key(0), 5);
  // The control: before the roll-up the bytes are there to be found (the key in its file).
  ASSERT_TRUE(Contains(KeyDirBytes(), day_key));
  ASSERT_TRUE(StoredContains(pseudonym));
  ASSERT_TRUE(StoredContains(std::string("HH-UNIQUE-7")));

  StatusOr<RollUpReport> report = store_->RollUpDay(kMonday, std::vector<int64_t>{5});
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->sessions, 1);
  EXPECT_EQ(report->scans, 2);
  EXPECT_EQ(report->workers, 1);
  EXPECT_FALSE(report->day_key_missing);
  EXPECT_FALSE(std::filesystem::exists(KeyFile("day-2026-05-04")));
  EXPECT_FALSE(Contains(KeyDirBytes(), day_key));
  EXPECT_FALSE(StoredContains(day_key));
  EXPECT_FALSE(StoredContains(pseudonym));
  EXPECT_FALSE(StoredContains(std::string("HH-UNIQUE-7")));
  EXPECT_FALSE(StoredContains(std::string("ZONE-RAW-ONLY")) &&
               !store_->WeeklyForWorker(5, kMonday)->totals.ms_per_zone.contains("ZONE-RAW-ONLY"))
      << "a zone name may remain only as a key of the weekly aggregate";
}

// The check above would miss a day string equal to the week start; this one uses a Tuesday.
TEST_P(SqliteLaborStoreTest, RollUpLeavesNoDayOfTheWeek) {
  ASSERT_TRUE(store_->StartSession(kTuesday, "HH-1", 5, 1000).ok());
  ASSERT_TRUE(store_->RollUpDay(kTuesday, std::vector<int64_t>{5}).ok());
  // Only closed_days remembers the date, to refuse a second roll-up, and the name of the
  // destroyed key file until the next checkpoint (forgotten after the scrub); neither names
  // anyone.
  const std::string haystack = FileBytes();
  size_t count = 0;
  for (size_t at = haystack.find("2026-05-05"); at != std::string::npos;
       at = haystack.find("2026-05-05", at + 1)) {
    ++count;
  }
  EXPECT_LE(count, 3u);  // closed_days' row and its index entry, "day-2026-05-05".
  EXPECT_FALSE(Contains(KeyDirBytes(), keys_.KeyBytes(0)));
}

// A crash between the roll-up's commit and its scrub leaves deleted bytes in free pages;
// the next Open() finishes the scrub (the scrub_pending flag is committed with the roll-up).
TEST_P(SqliteLaborStoreTest, OpenFinishesAnInterruptedScrub) {
  store_.reset();
  const std::vector<uint8_t> pseudonym = keys_.KeyBytes(40);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / kLaborFileName).string().c_str(), &db), SQLITE_OK);
  sqlite3_stmt* insert = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "INSERT INTO sessions(day, device, pseudonym, start_ms) "
                               "VALUES('2026-05-01', 'HH-1', ?1, 0)",
                               -1, &insert, nullptr),
            SQLITE_OK);
  sqlite3_bind_blob(insert, 1, pseudonym.data(), static_cast<int>(pseudonym.size()), SQLITE_STATIC);
  ASSERT_EQ(sqlite3_step(insert), SQLITE_DONE);
  sqlite3_finalize(insert);
  ASSERT_EQ(sqlite3_exec(db,
                         "PRAGMA secure_delete = OFF; DELETE FROM sessions;"
                         "INSERT INTO meta(key, value) VALUES('scrub_pending', 'x')",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  ASSERT_TRUE(StoredContains(pseudonym)) << "the simulated crash must leave the bytes behind";
  Reopen();
  EXPECT_FALSE(StoredContains(pseudonym));
}

// Another connection reading labor.db keeps the WAL from being truncated: the roll-up is
// committed but reports scrub_incomplete, and Scrub() succeeds once the reader is gone.
TEST_P(SqliteLaborStoreTest, ScrubBlockedByAReaderIsReported) {
  store_.reset();
  auto opened = LaborStore::Open(dir_, policy_, {.key_source = &keys_, .busy_timeout_ms = 50});
  ASSERT_TRUE(opened.ok());
  store_ = std::move(*opened);
  ASSERT_TRUE(store_->StartSession(kMonday, "HH-1", 5, 0).ok());
  sqlite3* reader = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / kLaborFileName).string().c_str(), &reader), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(reader, "BEGIN; SELECT count(*) FROM sessions;", nullptr, nullptr, nullptr),
      SQLITE_OK);
  StatusOr<RollUpReport> report = store_->RollUpDay(kMonday, std::vector<int64_t>{5});
  EXPECT_EQ(report.status().reason(), "scrub_incomplete");
  EXPECT_EQ(report.status().code(), StatusCode::kUnavailable);
  sqlite3_exec(reader, "COMMIT", nullptr, nullptr, nullptr);
  sqlite3_close(reader);
  // The key went with the commit's scrub attempt: the WAL's leftovers are unlinkable.
  EXPECT_FALSE(std::filesystem::exists(KeyFile("day-2026-05-04")));
  EXPECT_TRUE(store_->Scrub().ok());
  EXPECT_FALSE(StoredContains(privacy::PseudonymOf(keys_.Key(0), 5)));
  EXPECT_EQ(store_->RollUpDay(kMonday, std::vector<int64_t>{5}).status().reason(),
            "day_already_rolled_up");
}

// AGG-04, RET-01: the keys are files of their own directory, never bytes of labor.db, so
// a copy of labor.db made before the roll-up (a backup) links nobody; the roll-up destroys
// the day key's file.
TEST_P(SqliteLaborStoreTest, KeysAreFilesAndABackupOfLaborDbHoldsNone) {
  ASSERT_TRUE(store_->StartSession(kMonday, "HH-1", 5, 1000).ok());
  ASSERT_TRUE(*store_->RecordScan("HH-1", "pick", "A", "ok", 3, 2000));
  const std::vector<uint8_t> day_key = keys_.KeyBytes(0);
  ASSERT_EQ(ReadAll(KeyFile("day-2026-05-04")), std::string(day_key.begin(), day_key.end()));
  struct stat info {};
  ASSERT_EQ(stat(KeyFile("day-2026-05-04").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  ASSERT_EQ(stat(KeyDir().c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u);
  for (const char* suffix : {"", "-wal", "-shm"}) {
    const std::string file = (dir_ / (std::string(kLaborFileName) + suffix)).string();
    ASSERT_EQ(stat(file.c_str(), &info), 0) << file;
    EXPECT_EQ(info.st_mode & 0777, 0600u) << file;
  }
  // The backup: labor.db and its WAL as they are before the roll-up.
  const std::string backup = FileBytes();
  ASSERT_TRUE(Contains(backup, privacy::PseudonymOf(keys_.Key(0), 5))) << "the control";
  EXPECT_FALSE(Contains(backup, day_key));

  ASSERT_TRUE(store_->RollUpDay(kMonday, std::vector<int64_t>{5}).ok());
  EXPECT_FALSE(std::filesystem::exists(KeyFile("day-2026-05-04")));
  const std::vector<uint8_t> week_key = keys_.KeyBytes(1);
  EXPECT_EQ(ReadAll(KeyFile("week-2026-05-04")), std::string(week_key.begin(), week_key.end()));
  EXPECT_FALSE(StoredContains(week_key));
  EXPECT_EQ(store_->WeeklyForWorker(5, kMonday)->totals.units_per_process.at("pick"), 3);
}

TEST_P(SqliteLaborStoreTest, TheKeyDirectoryIsAnOption) {
  store_.reset();
  std::filesystem::remove_all(KeyDir());
  const std::filesystem::path elsewhere = dir_ / "vault" / "keys";
  std::filesystem::create_directory(dir_ / "vault");
  auto opened = LaborStore::Open(dir_, policy_, {.key_source = &keys_, .key_dir = elsewhere});
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  store_ = std::move(*opened);
  ASSERT_TRUE(store_->StartSession(kMonday, "HH-1", 5, 1000).ok());
  EXPECT_TRUE(std::filesystem::exists(elsewhere / "day-2026-05-04.key"));
  EXPECT_FALSE(std::filesystem::exists(KeyDir()));
  // Its parent must exist: a mistyped path is an error, not a new tree.
  EXPECT_EQ(LaborStore::Open(dir_, policy_, {.key_dir = dir_ / "no" / "such"}).status().reason(),
            "labor_unavailable");
}

// A crash after the roll-up's commit, before its scrub and key destruction: the events are
// gone, the key file and the record of it remain. The next Open scrubs, then destroys it.
TEST_P(SqliteLaborStoreTest, OpenDestroysTheKeyOfARollUpCommittedBeforeACrash) {
  ASSERT_TRUE(store_->StartSession(kMonday, "HH-1", 5, 1000).ok());
  ASSERT_TRUE(store_->EndSession("HH-1", 2000).ok());
  ASSERT_TRUE(store_->RollUpDay(kMonday, std::vector<int64_t>{5}).ok());
  // The state the crash leaves: the key file back, its destruction recorded, scrub pending.
  WriteAll(KeyFile("day-2026-05-04"), keys_.KeyBytes(0));
  ASSERT_NO_FATAL_FAILURE(
      Rewrite("INSERT INTO keys_to_destroy(name) VALUES('day-2026-05-04');"
              "INSERT INTO meta(key, value) VALUES('scrub_pending', 'x');"));
  EXPECT_FALSE(std::filesystem::exists(KeyFile("day-2026-05-04")));
  EXPECT_FALSE(Contains(KeyDirBytes(), keys_.KeyBytes(0)));
  EXPECT_EQ(*store_->OpenDays(), std::vector<Date>{});
  EXPECT_EQ(store_->WeeklyForWorker(5, kMonday)->totals.ms_per_zone.size(), 1u);
}

// A crash inside the roll-up, before its commit (here a failure after the week key file was
// written): nothing is lost, and the next roll-up counts the day once, under the same keys.
TEST_P(SqliteLaborStoreTest, ARollUpThatFailsBeforeItsCommitIsRedoneWhole) {
  ASSERT_TRUE(store_->StartSession(kMonday, "HH-1", 5, 1000).ok());
  ASSERT_TRUE(*store_->RecordScan("HH-1", "pick", "A", "ok", 3, 2000));
  ASSERT_NO_FATAL_FAILURE(
      Rewrite("CREATE TRIGGER crash BEFORE INSERT ON closed_days "
              "BEGIN SELECT RAISE(ABORT, 'simulated crash'); END;"));
  EXPECT_FALSE(store_->RollUpDay(kMonday, std::vector<int64_t>{5}).ok());
  EXPECT_TRUE(std::filesystem::exists(KeyFile("day-2026-05-04")));
  EXPECT_TRUE(std::filesystem::exists(KeyFile("week-2026-05-04")));
  EXPECT_EQ(*store_->OpenDays(), std::vector<Date>{kMonday});
  ASSERT_NO_FATAL_FAILURE(Rewrite("DROP TRIGGER crash;"));
  StatusOr<RollUpReport> report = store_->RollUpDay(kMonday, std::vector<int64_t>{5});
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->workers, 1);
  EXPECT_EQ(store_->WeeklyForWorker(5, kMonday)->totals.units_per_process.at("pick"), 3);
  EXPECT_FALSE(std::filesystem::exists(KeyFile("day-2026-05-04")));
}

// A crash while a key file was written leaves its temporary file, maybe with key bytes:
// Open destroys it.
TEST_P(LaborStoreTest, OpenDestroysAKeyFileLeftHalfWritten) {
  store_.reset();
  WriteAll(KeyDir() / "day-2026-05-04.key.tmp", keys_.KeyBytes(30));
  Reopen();
  EXPECT_FALSE(std::filesystem::exists(KeyDir() / "day-2026-05-04.key.tmp"));
  EXPECT_EQ(*store_->OpenDays(), std::vector<Date>{});
}

// RET-01: a day whose key file is gone (lost, deleted by hand) cannot be linked any more:
// the roll-up counts its sessions unattributed and says why, and does not fail.
TEST_P(LaborStoreTest, AMissingDayKeyLeavesTheDayUnattributed) {
  ASSERT_TRUE(store_->StartSession(kMonday, "HH-1", 5, 1000).ok());
  ASSERT_TRUE(*store_->RecordScan("HH-1", "pick", "A", "ok", 3, 2000));
  std::filesystem::remove(KeyFile("day-2026-05-04"));
  EXPECT_EQ(store_->WorkerDay(kMonday, 5)->sessions.size(), 0u);
  StatusOr<RollUpReport> report = store_->RollUpDay(kMonday, std::vector<int64_t>{5});
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->day_key_missing);
  EXPECT_EQ(report->unattributed_sessions, 1);
  EXPECT_EQ(report->workers, 0);
  EXPECT_TRUE(store_->WeeklyForWorker(5, kMonday)->totals.units_per_process.empty());
}

// Weekly rows whose week key file was lost still expire with their week (RET-02).
TEST_P(LaborStoreTest, WeeklyRowsWithoutTheirKeyStillExpire) {
  ASSERT_TRUE(store_->StartSession(kMonday, "HH-1", 5, 0).ok());
  ASSERT_TRUE(*store_->RecordScan("HH-1", "pick", "ZONE-WEEK", "ok", 4, 60'000));
  ASSERT_TRUE(store_->RollUpDay(kMonday, std::vector<int64_t>{5}).ok());
  std::filesystem::remove(KeyFile("week-2026-05-04"));
  ASSERT_TRUE(StoredContains(std::string("ZONE-WEEK")));
  EXPECT_EQ(*store_->Expire(D(2026, 8, 10)), 1);
  EXPECT_FALSE(StoredContains(std::string("ZONE-WEEK")));
}

// Schema 3 kept the keys in labor.db. Open moves each to its file (same bytes, so the day's
// pseudonyms still link), drops the tables and scrubs the key bytes out of labor.db.
TEST_P(SqliteLaborStoreTest, AVersion3FileIsUpgradedKeysOutOfLaborDb) {
  ASSERT_TRUE(store_->StartSession(kMonday, "HH-1", 5, 1000).ok());
  ASSERT_TRUE(*store_->RecordScan("HH-1", "pick", "A", "ok", 3, 2000));
  store_.reset();
  // Back to schema 3: the day key and a week key as rows, no key files.
  const std::vector<uint8_t> day_key = keys_.KeyBytes(0);
  const std::vector<uint8_t> week_key = keys_.KeyBytes(20);
  std::filesystem::remove(KeyFile("day-2026-05-04"));
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / kLaborFileName).string().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, (std::string(kSchema3KeyTables) + "PRAGMA user_version = 3;").c_str(),
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  for (const auto& [sql, key] :
       {std::pair{"INSERT INTO day_keys VALUES('2026-05-04', ?1)", &day_key},
        std::pair{"INSERT INTO week_keys VALUES('2026-04-27', ?1)", &week_key}}) {
    sqlite3_stmt* insert = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, sql, -1, &insert, nullptr), SQLITE_OK);
    sqlite3_bind_blob(insert, 1, key->data(), static_cast<int>(key->size()), SQLITE_STATIC);
    ASSERT_EQ(sqlite3_step(insert), SQLITE_DONE);
    sqlite3_finalize(insert);
  }
  sqlite3_close(db);
  ASSERT_TRUE(StoredContains(day_key)) << "the control: schema 3 holds the key";

  Reopen();
  EXPECT_EQ(ReadAll(KeyFile("day-2026-05-04")), std::string(day_key.begin(), day_key.end()));
  EXPECT_EQ(ReadAll(KeyFile("week-2026-04-27")), std::string(week_key.begin(), week_key.end()));
  EXPECT_FALSE(StoredContains(day_key));
  EXPECT_FALSE(StoredContains(week_key));
  EXPECT_FALSE(StoredContains(std::string("day_keys")));
  StatusOr<RollUpReport> report = store_->RollUpDay(kMonday, std::vector<int64_t>{5});
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->workers, 1);  // The moved key still links the day's session.
  EXPECT_TRUE(store_->WeeklyForWorker(5, D(2026, 4, 27)).ok());
}

// IND-08, IND-07: the weekly aggregate sums the days of the week with no day in it; a
// raw event can no longer be read back after the roll-up.
TEST_P(LaborStoreTest, WeeklyAggregatesSumTheWeek) {
  for (const Date& d : {kMonday, kTuesday}) {
    ASSERT_TRUE(store_->StartSession(d, "HH-1", 5, 0).ok());
    ASSERT_TRUE(*store_->RecordScan("HH-1", "pick", "A", "ok", 4, 60'000));
    ASSERT_TRUE(*store_->RecordScan("HH-1", "stow", "B", "not_in_stock", 1, 90'000));
    ASSERT_TRUE(store_->EndSession("HH-1", 120'000).ok());
    ASSERT_TRUE(store_->RollUpDay(d, std::vector<int64_t>{5, 6}).ok());
  }
  StatusOr<WorkerWeek> week = store_->WeeklyForWorker(5, D(2026, 5, 10));
  ASSERT_TRUE(week.ok()) << week.status().ToString();
  EXPECT_EQ(week->iso_week, "2026-W19");
  EXPECT_EQ(week->totals.units_per_process, (std::map<std::string, int64_t>{{"pick", 8}}));
  EXPECT_EQ(week->totals.errors_per_cause, (std::map<std::string, int64_t>{{"not_in_stock", 2}}));
  EXPECT_EQ(week->totals.ms_per_zone,
            (std::map<std::string, int64_t>{{"A", 120'000}, {"B", 120'000}}));
  // Worker 6 did nothing this week: empty, not someone else's figures.
  EXPECT_TRUE(store_->WeeklyForWorker(6, kMonday)->totals.units_per_process.empty());
  EXPECT_EQ(store_->WeeklyForWorker(5, D(2026, 5, 11)).status().reason(), "week_not_kept");
}

// RET-01: a rolled-up day is closed: no second roll-up (double counting), no new events.
TEST_P(LaborStoreTest, ARolledUpDayIsClosed) {
  ASSERT_TRUE(store_->StartSession(kMonday, "HH-1", 5, 0).ok());
  ASSERT_TRUE(store_->RollUpDay(kMonday, std::vector<int64_t>{}).ok());
  EXPECT_EQ(store_->RollUpDay(kMonday, std::vector<int64_t>{5}).status().reason(),
            "day_already_rolled_up");
  EXPECT_EQ(store_->StartSession(kMonday, "HH-1", 5, 0).reason(), "day_closed");
  EXPECT_EQ(store_->SetAssignments(kMonday, Rota(1, "A", "t")).reason(), "day_closed");
  // The session still open at the roll-up, of nobody known, was closed with it: its device
  // records nothing.
  EXPECT_FALSE(*store_->RecordScan("HH-1", "pick", "A", "ok", 1, 10));
}

// A night shift: the worker's session still open when their day is rolled up goes on in the
// next day, on the same device, under the next day's pseudonym; once only, so that a sign-in
// forgotten on a device ends (IND-12).
TEST_P(LaborStoreTest, ANightShiftsSessionGoesOnInTheNextDayOnce) {
  ASSERT_TRUE(store_->StartSession(kMonday, "HH-1", 5, 1000).ok());  // Key 0: Monday's.
  ASSERT_TRUE(*store_->RecordScan("HH-1", "pick", "A", "ok", 2, 5000));
  ASSERT_TRUE(store_->StartSession(kMonday, "HH-2", 6, 1000).ok());  // 6: known to nobody.
  StatusOr<RollUpReport> monday = store_->RollUpDay(kMonday, std::vector<int64_t>{5});
  ASSERT_TRUE(monday.ok()) << monday.status().ToString();
  EXPECT_EQ(monday->sessions_carried_over, 1);
  EXPECT_EQ(store_->WeeklyForWorker(5, kMonday)->totals.ms_per_zone.at("A"), 4000);
  EXPECT_TRUE(*store_->RecordScan("HH-1", "pick", "A", "ok", 3, 9000));
  EXPECT_FALSE(*store_->RecordScan("HH-2", "pick", "A", "ok", 3, 9000));
  StatusOr<OwnLaborDay> tuesday = store_->WorkerDay(kTuesday, 5);
  ASSERT_TRUE(tuesday.ok());
  ASSERT_EQ(tuesday->sessions.size(), 1u);
  EXPECT_EQ(tuesday->sessions[0].start_ms, 5000);  // From Monday's last event: no gap, no overlap.
  EXPECT_EQ(tuesday->today.units, 3);
  // Tuesday's roll-up does not carry it again.
  StatusOr<RollUpReport> rolled = store_->RollUpDay(kTuesday, std::vector<int64_t>{5});
  ASSERT_TRUE(rolled.ok()) << rolled.status().ToString();
  EXPECT_EQ(rolled->sessions_carried_over, 0);
  EXPECT_EQ(rolled->workers, 1);
  EXPECT_FALSE(*store_->RecordScan("HH-1", "pick", "A", "ok", 1, 20'000));
  EXPECT_EQ(store_->WeeklyForWorker(5, kMonday)->totals.units_per_process.at("pick"), 5);
}

// A sign-out forgotten in the evening: the carried session counts from its first scan of
// the next day, and without one not at all, so the night adds no time to anyone (IND-09).
TEST_P(LaborStoreTest, ACarriedSessionCountsFromItsFirstScan) {
  ASSERT_TRUE(store_->StartSession(kMonday, "HH-1", 5, 1000).ok());
  ASSERT_TRUE(*store_->RecordScan("HH-1", "pick", "A", "ok", 1, 2000));
  ASSERT_TRUE(store_->StartSession(kMonday, "HH-2", 5, 1000).ok());
  ASSERT_TRUE(*store_->RecordScan("HH-2", "pick", "A", "ok", 1, 2000));
  ASSERT_EQ(store_->RollUpDay(kMonday, std::vector<int64_t>{5})->sessions_carried_over, 2);
  const int64_t hour = 3'600'000;
  ASSERT_TRUE(*store_->RecordScan("HH-1", "pick", "B", "ok", 1, 15 * hour));  // Next morning.
  ASSERT_TRUE(store_->EndSession("HH-1", 16 * hour).ok());
  ASSERT_TRUE(store_->EndSession("HH-2", 16 * hour).ok());  // Unused all night: nothing.
  StatusOr<RollUpReport> tuesday = store_->RollUpDay(kTuesday, std::vector<int64_t>{5});
  ASSERT_TRUE(tuesday.ok()) << tuesday.status().ToString();
  EXPECT_EQ(tuesday->sessions, 1);
  EXPECT_EQ(store_->WeeklyForWorker(5, kMonday)->totals.ms_per_zone,
            (std::map<std::string, int64_t>{{"A", 2000}, {"B", hour}}));
}

// A carried session lands in a day that RollUpDue then finds due as well.
TEST_P(LaborStoreTest, RollUpDueRollsUpTheDayASessionWasCarriedInto) {
  ASSERT_TRUE(store_->StartSession(kMonday, "HH-1", 5, 1000).ok());
  StatusOr<std::vector<RollUpReport>> due =
      store_->RollUpDue(D(2026, 5, 6), std::vector<int64_t>{5});
  ASSERT_TRUE(due.ok()) << due.status().ToString();
  ASSERT_EQ(due->size(), 2u);
  EXPECT_EQ((*due)[1].day, kTuesday);
  EXPECT_TRUE(store_->OpenDays()->empty());
}

// RET-01: the end-of-day job rolls up the days older than retention.labor_events_days.
TEST_P(LaborStoreTest, RollUpDueTakesEveryDayOlderThanThePolicyAllows) {
  ASSERT_TRUE(store_->StartSession(kMonday, "HH-1", 5, 0).ok());
  ASSERT_TRUE(store_->StartSession(kTuesday, "HH-2", 6, 0).ok());
  StatusOr<std::vector<RollUpReport>> none = store_->RollUpDue(kTuesday, {});
  ASSERT_TRUE(none.ok());
  ASSERT_EQ(none->size(), 1u);  // Monday only: Tuesday is today.
  EXPECT_EQ(none->front().day, kMonday);
  EXPECT_EQ(none->front().unattributed_sessions, 1);  // Worker 5 was in no list: dropped.
  EXPECT_EQ(*store_->OpenDays(), std::vector<Date>{kTuesday});
}

// RET-02: weekly aggregates expire after the policy's retention, key and rows.
TEST_P(LaborStoreTest, WeeklyAggregatesExpireAfterRetention) {
  ASSERT_TRUE(store_->StartSession(kMonday, "HH-1", 5, 0).ok());
  ASSERT_TRUE(*store_->RecordScan("HH-1", "pick", "A", "ok", 4, 60'000));
  ASSERT_TRUE(store_->RollUpDay(kMonday, std::vector<int64_t>{5}).ok());
  const std::vector<uint8_t> week_key = keys_.KeyBytes(1);  // Key 0 was the day key.
  ASSERT_EQ(ReadAll(KeyFile("week-2026-05-04")), std::string(week_key.begin(), week_key.end()));
  ASSERT_EQ(policy_.retention.worker_weekly_weeks, 13);
  // Kept through the 13 weeks after its own: the last kept day is Sunday 2026-08-09.
  EXPECT_EQ(*store_->Expire(D(2026, 8, 9)), 0);
  EXPECT_TRUE(store_->WeeklyForWorker(5, kMonday).ok());
  EXPECT_EQ(*store_->Expire(D(2026, 8, 10)), 1);
  EXPECT_EQ(store_->WeeklyForWorker(5, kMonday).status().reason(), "week_not_kept");
  EXPECT_FALSE(std::filesystem::exists(KeyFile("week-2026-05-04")));
  EXPECT_FALSE(Contains(KeyDirBytes(), week_key));
  EXPECT_FALSE(StoredContains(privacy::PseudonymOf(keys_.Key(1), 5)));
}

TEST_P(LaborStoreTest, RetentionComesFromThePolicy) {
  policy_.retention.worker_weekly_weeks = 2;
  Reopen();
  ASSERT_TRUE(store_->StartSession(kMonday, "HH-1", 5, 0).ok());
  ASSERT_TRUE(store_->RollUpDay(kMonday, std::vector<int64_t>{5}).ok());
  EXPECT_EQ(*store_->Expire(D(2026, 5, 24)), 0);
  EXPECT_EQ(*store_->Expire(D(2026, 5, 25)), 1);
}

// The day key survives a restart, so a day's sessions keep one pseudonym per worker.
TEST_P(LaborStoreTest, KeysAndEventsSurviveReopen) {
  ASSERT_TRUE(store_->StartSession(kMonday, "HH-1", 5, 0).ok());
  ASSERT_TRUE(*store_->RecordScan("HH-1", "pick", "A", "ok", 1, 10));
  Reopen();
  ASSERT_TRUE(*store_->RecordScan("HH-1", "pick", "A", "ok", 2, 20));
  ASSERT_TRUE(store_->StartSession(kMonday, "HH-2", 5, 30).ok());
  ASSERT_TRUE(*store_->RecordScan("HH-2", "pick", "A", "ok", 3, 40));
  StatusOr<RollUpReport> report = store_->RollUpDay(kMonday, std::vector<int64_t>{5});
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->sessions, 2);
  EXPECT_EQ(report->workers, 1);
  EXPECT_EQ(store_->WeeklyForWorker(5, kMonday)->totals.units_per_process.at("pick"), 6);
}

// IND-04, IND-05, ACC-01: the supervisor of today's shift and zone sees today's units,
// current task and quality errors of the workers of that shift and zone, and only them.
TEST_P(LaborStoreTest, SupervisorSeesOwnShiftAndZoneToday) {
  std::vector<LaborAssignment> rota = Rota(2, "A", "t1");
  rota.push_back({3, "t1", "morning", "B", false});  // Another zone.
  rota.push_back({4, "t1", "night", "A", false});    // Another shift.
  ASSERT_TRUE(store_->SetAssignments(kMonday, rota).ok());
  ASSERT_TRUE(store_->StartSession(kMonday, "HH-1", 1, 0).ok());
  ASSERT_TRUE(*store_->RecordScan("HH-1", "pick", "A", "ok", 5, 10));
  ASSERT_TRUE(*store_->RecordScan("HH-1", "stow", "A", "wrong_location", 1, 20));
  ASSERT_TRUE(store_->StartSession(kMonday, "HH-3", 3, 0).ok());
  ASSERT_TRUE(*store_->RecordScan("HH-3", "pick", "B", "ok", 9, 10));

  StatusOr<std::vector<WorkerToday>> view =
      store_->SupervisorView(kMonday, 1000, {kMonday, "morning", "A"});
  ASSERT_TRUE(view.ok()) << view.status().ToString();
  ASSERT_EQ(view->size(), 2u);
  const WorkerToday& one = (*view)[0];
  EXPECT_EQ(one.worker_id, 1);
  EXPECT_EQ(one.units, 5);
  ASSERT_TRUE(one.current_task.has_value());
  EXPECT_EQ(one.current_task->process, "stow");
  EXPECT_EQ(one.errors_per_cause, (std::map<std::string, int64_t>{{"wrong_location", 1}}));
  EXPECT_EQ((*view)[1].worker_id, 2);
  EXPECT_EQ((*view)[1].units, 0);
  EXPECT_FALSE((*view)[1].current_task.has_value());
}

// IND-04, ACC-01, GOV-02: every other request is refused, with a reason.
TEST_P(LaborStoreTest, SupervisorRefusals) {
  std::vector<LaborAssignment> rota = Rota(2, "A", "t1");
  rota.push_back({2000, "leads", "morning", "B", true});
  ASSERT_TRUE(store_->SetAssignments(kTuesday, rota).ok());
  auto reason = [&](int64_t who, RealtimeRequest request) {
    return store_->SupervisorView(kTuesday, who, request).status().reason();
  };
  EXPECT_EQ(reason(1000, {kMonday, "morning", "A"}), "not_today");
  EXPECT_EQ(reason(1000, {kTuesday, "morning", "B"}), "other_zone");
  EXPECT_EQ(reason(1000, {kTuesday, "night", "A"}), "other_shift");
  EXPECT_EQ(reason(2000, {kTuesday, "morning", "A"}), "other_zone");
  EXPECT_EQ(reason(1, {kTuesday, "morning", "A"}), "not_a_supervisor");
  EXPECT_EQ(reason(3000, {kTuesday, "morning", "A"}), "not_assigned");
  EXPECT_EQ(reason(1000, {kTuesday, "morning", "A", privacy::Purpose::kDiscipline}),
            "purpose_not_allowed");
  EXPECT_EQ(store_->SupervisorView(kTuesday, 1000, {kTuesday, "morning", "A"}).status().code(),
            StatusCode::kOk);
}

TEST_P(LaborStoreTest, PolicySwitchesTheRealtimeView) {
  policy_.indicators.realtime_individual.link_quality_errors = false;
  Reopen();
  ASSERT_TRUE(store_->SetAssignments(kMonday, Rota(1, "A", "t1")).ok());
  ASSERT_TRUE(store_->StartSession(kMonday, "HH-1", 1, 0).ok());
  ASSERT_TRUE(*store_->RecordScan("HH-1", "pick", "A", "wrong_location", 1, 10));
  StatusOr<std::vector<WorkerToday>> view =
      store_->SupervisorView(kMonday, 1000, {kMonday, "morning", "A"});
  ASSERT_TRUE(view.ok());
  EXPECT_TRUE(view->at(0).errors_per_cause.empty());  // IND-05 turned off.

  policy_.indicators.realtime_individual.enabled = false;
  Reopen();
  EXPECT_EQ(store_->SupervisorView(kMonday, 1000, {kMonday, "morning", "A"}).status().reason(),
            "indicator_disabled");
}

// IND-06, AGG-01, AGG-02 over today's events, with team and shift from the rota.
TEST_P(LaborStoreTest, AggregatesAreKAnonymousAndProtectedAgainstDifferencing) {
  ASSERT_NO_FATAL_FAILURE(TwelveWorkersPickInZoneA());
  using privacy::AggregateQuery;
  using privacy::LaborDimension;
  StatusOr<privacy::AggregateAnswer> zone =
      store_->QueryAggregates(kMonday, "manager", AggregateQuery{.zone = "A"});
  ASSERT_TRUE(zone.ok()) << zone.status().ToString();
  EXPECT_EQ(zone->min_group_size, 10);
  ASSERT_EQ(zone->cells.size(), 1u);
  EXPECT_EQ(zone->cells[0].workers, 12);
  EXPECT_EQ(zone->cells[0].units, 24);
  // By team: t2 has one worker (suppressed), and t1 goes with it (complementary).
  StatusOr<privacy::AggregateAnswer> teams =
      store_->QueryAggregates(kMonday, "other", AggregateQuery{.group_by = LaborDimension::kTeam});
  ASSERT_TRUE(teams.ok());
  ASSERT_EQ(teams->cells.size(), 2u);
  EXPECT_EQ(teams->cells[1].group, "t2");
  EXPECT_EQ(teams->cells[1].suppression, privacy::Suppression::kBelowMinGroup);
  EXPECT_EQ(teams->cells[0].suppression, privacy::Suppression::kComplementary);
  EXPECT_FALSE(teams->cells[0].units.has_value());
  // Zone A then zone A and team t1: 12 vs 11 workers isolates worker 12 (AGG-02).
  StatusOr<privacy::AggregateAnswer> narrowed =
      store_->QueryAggregates(kMonday, "manager", AggregateQuery{.zone = "A", .team = "t1"});
  ASSERT_TRUE(narrowed.ok());
  EXPECT_EQ(narrowed->cells[0].suppression, privacy::Suppression::kDifferencing);
  // The history is the day's: the next day starts afresh.
  EXPECT_TRUE(store_->QueryAggregates(kTuesday, "manager", AggregateQuery{})->cells.empty());
}

// AGG-02 across a restart: the requester's answered cohorts are kept in labor.db, so a
// restarted store refuses the same differencing query; they go with the day's roll-up.
TEST_P(LaborStoreTest, ARestartedStoreRemembersWhatEachRequesterWasAnswered) {
  ASSERT_NO_FATAL_FAILURE(TwelveWorkersPickInZoneA());
  using privacy::AggregateQuery;
  ASSERT_EQ(
      store_->QueryAggregates(kMonday, "manager", AggregateQuery{.zone = "A"})->cells[0].workers,
      12);
  Reopen();
  StatusOr<privacy::AggregateAnswer> narrowed =
      store_->QueryAggregates(kMonday, "manager", AggregateQuery{.zone = "A", .team = "t1"});
  ASSERT_TRUE(narrowed.ok()) << narrowed.status().ToString();
  EXPECT_EQ(narrowed->cells[0].suppression, privacy::Suppression::kDifferencing);
  // Another requester knows nothing yet; and the same cohort again is answered.
  EXPECT_EQ(store_->QueryAggregates(kMonday, "other", AggregateQuery{.zone = "A", .team = "t1"})
                ->cells[0]
                .workers,
            11);
  EXPECT_EQ(
      store_->QueryAggregates(kMonday, "manager", AggregateQuery{.zone = "A"})->cells[0].workers,
      12);
  ASSERT_TRUE(StoredContains(std::string("manager")));
  // The roll-up deletes the day's history with the day (and scrubs it).
  ASSERT_TRUE(store_->RollUpDay(kMonday, std::vector<int64_t>{}).ok());
  EXPECT_FALSE(StoredContains(std::string("manager")));
}

TEST_P(LaborStoreTest, BadInputIsRefusedWithReasons) {
  EXPECT_EQ(store_->StartSession(kMonday, "", 1, 0).reason(), "bad_label");
  EXPECT_EQ(store_->StartSession(kMonday, "has space", 1, 0).reason(), "bad_label");
  EXPECT_EQ(store_->EndSession(std::string(100, 'x'), 0).reason(), "bad_label");
  ASSERT_TRUE(store_->StartSession(kMonday, "HH-1", 1, 0).ok());
  EXPECT_EQ(store_->RecordScan("HH-1", "", "A", "ok", 1, 0).status().reason(), "bad_label");
  EXPECT_EQ(store_->RecordScan("HH-1", "pick", "A", "bad cause", 1, 0).status().reason(),
            "bad_label");
  EXPECT_EQ(store_->RecordScan("HH-1", "pick", "A", "ok", -1, 0).status().reason(), "bad_units");
  EXPECT_EQ(store_->RecordScan("HH-1", "pick", "A", "ok", privacy::kMaxUnitsPerScan + 1, 0)
                .status()
                .reason(),
            "bad_units");
  EXPECT_TRUE(*store_->RecordScan("HH-1", "pick", "", "ok", 1, 0));  // No zone is allowed.
  std::vector<LaborAssignment> twice = {{1, "t", "s", "A", false}, {1, "t", "s", "B", false}};
  EXPECT_EQ(store_->SetAssignments(kMonday, twice).reason(), "duplicate_assignment");
  std::vector<LaborAssignment> bad = {{1, "", "s", "A", false}};
  EXPECT_EQ(store_->SetAssignments(kMonday, bad).reason(), "bad_label");
  std::vector<LaborAssignment> many(kMaxAssignmentsPerDay + 1);
  EXPECT_EQ(store_->SetAssignments(kMonday, many).reason(), "too_many_assignments");
  std::vector<int64_t> ids(kMaxRollUpWorkerIds + 1);
  EXPECT_EQ(store_->RollUpDay(kMonday, ids).status().reason(), "too_many_workers");
  EXPECT_EQ(store_->QueryAggregates(kMonday, "m", {.zone = "a b"}).status().reason(), "bad_label");
}

// --- Team aggregates over weeks -------------------------------------------------------

// One worker's day for WorkDay: `units` accepted units of `process` in zone A, in an hour.
struct DayWork {
  int64_t worker = 0;
  std::string team;
  std::string process = "pick";
  int64_t units = 0;
};

class LaborWeeklyTest : public LaborStoreTest {
 protected:
  // Records and rolls up `day`: each worker in the rota under their team, shift morning,
  // except those of team "" (not in the rota).
  void WorkDay(const Date& day, const std::vector<DayWork>& work) {
    std::vector<LaborAssignment> rota;
    for (const DayWork& w : work) {
      if (!w.team.empty()) {
        rota.push_back({w.worker, w.team, "morning", "A", false});
      }
    }
    ASSERT_TRUE(store_->SetAssignments(day, rota).ok());
    std::vector<int64_t> ids;
    for (const DayWork& w : work) {
      const std::string device = "HH-" + std::to_string(w.worker);
      ASSERT_TRUE(store_->StartSession(day, device, w.worker, 0).ok());
      ASSERT_TRUE(*store_->RecordScan(device, w.process, "A", "ok", w.units, 1'800'000));
      ASSERT_TRUE(*store_->RecordScan(device, w.process, "A", "not_in_stock", 1, 2'700'000));
      ASSERT_TRUE(store_->EndSession(device, 3'600'000).ok());
      ids.push_back(w.worker);
    }
    StatusOr<RollUpReport> report = store_->RollUpDay(day, ids);
    ASSERT_TRUE(report.ok()) << report.status().ToString();
  }
  static std::vector<DayWork> Team(const std::string& team, int64_t first, int count,
                                   int64_t units = 10) {
    std::vector<DayWork> work;
    for (int64_t i = 0; i < count; ++i) {
      work.push_back({first + i, team, "pick", units});
    }
    return work;
  }
  static std::vector<DayWork> Join(std::vector<DayWork> a, const std::vector<DayWork>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  }
  StatusOr<WeeklyAnswer> Weekly(const std::string& requester, Date from, Date to,
                                privacy::AggregateQuery query,
                                const privacy::ProcessStandards* standards = nullptr) {
    return store_->QueryWeekly(kToday, requester, {from, to, std::move(query), standards});
  }
  // The member column of team_weekly, read by another connection.
  std::vector<int64_t> StoredTeamMembers() {
    std::vector<int64_t> members;
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open((dir_ / kLaborFileName).string().c_str(), &db), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, "SELECT member FROM team_weekly", -1, &stmt, nullptr),
              SQLITE_OK);
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      members.push_back(sqlite3_column_int64(stmt, 0));
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return members;
  }
  // Closes the store, runs `sql` on labor.db (an older schema), and opens it again.
  const Date kToday = D(2026, 6, 1);  // W23: W19 to W23 are kept.
};

class SqliteLaborWeeklyTest : public LaborWeeklyTest {};

const Date kW19 = D(2026, 5, 4);
const Date kW20 = D(2026, 5, 11);
const Date kW21 = D(2026, 5, 18);

const privacy::AggregateCell* Cell(const WeeklyAnswer& answer, const std::string& group) {
  for (const privacy::AggregateCell& cell : answer.aggregate.cells) {
    if (cell.group == group) {
      return &cell;
    }
  }
  return nullptr;
}

// IND-06, AGG-01: team-week figures, team and shift from the day's rota ("" without); a team
// under k is suppressed and the smallest other team with it (complementary).
TEST_P(LaborWeeklyTest, TeamWeeksAreKAnonymous) {
  WorkDay(kW19, Join(Join(Team("t1", 1, 11), Team("t2", 100, 1)), Team("", 200, 10)));
  WorkDay(D(2026, 5, 5), Team("t1", 1, 11));  // Same workers on Tuesday: one member each.
  StatusOr<WeeklyAnswer> teams =
      Weekly("manager", kW19, kW19, {.group_by = privacy::LaborDimension::kTeam});
  ASSERT_TRUE(teams.ok()) << teams.status().ToString();
  EXPECT_EQ(teams->weeks_kept, std::vector<Date>{kW19});
  EXPECT_EQ(teams->aggregate.min_group_size, 10);
  ASSERT_EQ(teams->aggregate.cells.size(), 3u);
  EXPECT_EQ(Cell(*teams, "t2")->suppression, privacy::Suppression::kBelowMinGroup);
  EXPECT_FALSE(Cell(*teams, "t2")->units.has_value());
  EXPECT_EQ(Cell(*teams, "")->suppression, privacy::Suppression::kComplementary);
  const privacy::AggregateCell* t1 = Cell(*teams, "t1");
  ASSERT_EQ(t1->suppression, privacy::Suppression::kNone);
  EXPECT_EQ(t1->workers, 11);  // Two days, one week: 11 workers.
  EXPECT_EQ(t1->units, 220);
  EXPECT_EQ(t1->errors, 22);
  EXPECT_EQ(t1->ms, 22 * 3'600'000);
  // By shift, "morning" is t1 and t2: one worker more than t1, which this requester was
  // told (AGG-02); another requester gets it.
  StatusOr<WeeklyAnswer> shifts =
      Weekly("manager", kW19, kW21, {.group_by = privacy::LaborDimension::kShift});
  ASSERT_TRUE(shifts.ok());
  EXPECT_EQ(Cell(*shifts, "morning")->suppression, privacy::Suppression::kDifferencing);
  shifts = Weekly("other", kW19, kW21, {.group_by = privacy::LaborDimension::kShift});
  ASSERT_TRUE(shifts.ok());
  EXPECT_EQ(Cell(*shifts, "morning")->workers, 12);
  EXPECT_EQ(Cell(*shifts, "")->workers, 10);
}

// AGG-01 over weeks: a worker is a new member each week, so a range of small weeks is not a
// large group: 4 workers in each of 3 weeks stay under k = 10.
TEST_P(LaborWeeklyTest, SmallWeeksDoNotAddUpToK) {
  for (const Date& week : {kW19, kW20, kW21}) {
    WorkDay(week, Team("t1", 1, 4));
  }
  StatusOr<WeeklyAnswer> answer = Weekly("manager", kW19, kW21, {.team = "t1"});
  ASSERT_TRUE(answer.ok());
  ASSERT_EQ(answer->aggregate.cells.size(), 1u);
  EXPECT_EQ(answer->aggregate.cells[0].suppression, privacy::Suppression::kBelowMinGroup);
}

// AGG-02: W19-W20 then W19 alone differ by the one worker of W20: suppressed for the same
// requester, answered for another; asking the same range again is allowed.
TEST_P(LaborWeeklyTest, OverlappingWeeklyFiltersAreDifferencingProtected) {
  WorkDay(kW19, Team("t1", 1, 10));
  WorkDay(kW20, Team("t1", 1, 1));
  StatusOr<WeeklyAnswer> both = Weekly("manager", kW19, kW20, {.team = "t1"});
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(both->aggregate.cells[0].workers, 11);
  EXPECT_EQ(Weekly("manager", kW19, kW20, {.team = "t1"})->aggregate.cells[0].workers, 11);
  StatusOr<WeeklyAnswer> first = Weekly("manager", kW19, kW19, {.team = "t1"});
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->aggregate.cells[0].suppression, privacy::Suppression::kDifferencing);
  EXPECT_FALSE(first->aggregate.cells[0].units.has_value());
  EXPECT_EQ(Weekly("other", kW19, kW19, {.team = "t1"})->aggregate.cells[0].workers, 10);
  // The weekly history is not today's: today's aggregates do not see it.
  EXPECT_TRUE(store_->QueryAggregates(kToday, "manager", {})->cells.empty());
  // It survives a restart, for the week of today (AGG-02).
  Reopen();
  EXPECT_EQ(Weekly("manager", kW19, kW19, {.team = "t1"})->aggregate.cells[0].suppression,
            privacy::Suppression::kDifferencing);
  // Next week it is forgotten, in memory and on disk.
  ASSERT_TRUE(store_->Expire(privacy::AddDays(kToday, 7)).ok());
  Reopen();
  EXPECT_FALSE(StoredContains(std::string("manager")));
}

// RET-02, AGG-04: the team-week rows carry a week token, never a worker id, a day or week
// pseudonym; at expiry they go with the week key, and no byte of the token remains.
TEST_P(SqliteLaborWeeklyTest, TeamWeekRowsHoldNoIdAndExpireWithTheWeek) {
  WorkDay(kW19, Team("t1", 777001, 10));
  // Keys: 0 the day key, 1 the week key.
  const int64_t token = static_cast<int64_t>(privacy::TeamMemberOf(keys_.Key(1), 777001));
  const Pseudonym week_pseudonym = privacy::PseudonymOf(keys_.Key(1), 777001);
  std::vector<int64_t> members = StoredTeamMembers();
  ASSERT_EQ(members.size(), 10u);
  EXPECT_NE(std::find(members.begin(), members.end(), token), members.end());
  for (int64_t member : members) {
    EXPECT_FALSE(member >= 777001 && member <= 777010) << "a worker id";
    EXPECT_NE(static_cast<uint64_t>(member),
              (uint64_t{week_pseudonym[0]} << 56) | (uint64_t{week_pseudonym[1]} << 48) |
                  (uint64_t{week_pseudonym[2]} << 40) | (uint64_t{week_pseudonym[3]} << 32) |
                  (uint64_t{week_pseudonym[4]} << 24) | (uint64_t{week_pseudonym[5]} << 16) |
                  (uint64_t{week_pseudonym[6]} << 8) | uint64_t{week_pseudonym[7]});
  }
  EXPECT_FALSE(StoredContains(std::string("777001")));
  std::vector<uint8_t> token_bytes;  // SQLite stores a large integer big-endian in 8 bytes.
  for (int shift = 56; shift >= 0; shift -= 8) {
    token_bytes.push_back(static_cast<uint8_t>(static_cast<uint64_t>(token) >> shift));
  }
  ASSERT_TRUE(StoredContains(token_bytes)) << "the control: the token is on disk before expiry";
  EXPECT_EQ(*store_->Expire(D(2026, 8, 10)), 1);
  EXPECT_TRUE(StoredTeamMembers().empty());
  EXPECT_FALSE(StoredContains(token_bytes));
  EXPECT_FALSE(Contains(KeyDirBytes(), keys_.KeyBytes(1)));
  EXPECT_TRUE(Weekly("manager", kW19, kW19, {})->aggregate.cells.empty());
}

// Standard vs actual (team level): only processes with a standard are compared, over the
// time attributed to them; the cell is as k-anonymous as any other.
TEST_P(LaborWeeklyTest, StandardVsActualIsTeamLevel) {
  std::vector<DayWork> work = Team("t1", 1, 10, 150);  // 150 picks in an hour each.
  work.push_back({11, "t1", "stow", 30});              // One stower: no standard for stow.
  WorkDay(kW19, work);
  const privacy::ProcessStandards standards = {{"pick", {20.0, 20}}};  // 24 s with travel.
  StatusOr<WeeklyAnswer> answer =
      Weekly("manager", kW19, kW19, {.group_by = privacy::LaborDimension::kTeam}, &standards);
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  ASSERT_EQ(answer->aggregate.cells.size(), 1u);
  const privacy::AggregateCell& t1 = answer->aggregate.cells[0];
  EXPECT_EQ(t1.workers, 10);  // The stower is not in the comparison.
  EXPECT_EQ(t1.units, 1500);
  EXPECT_EQ(t1.ms, 10 * 3'600'000);
  EXPECT_EQ(t1.standard_ms, 1500 * 24'000);  // 100% of standard: 150 units/h each.
  const privacy::ProcessStandards bad = {{"pick", {0, 0}}};
  EXPECT_EQ(Weekly("manager", kW19, kW19, {}, &bad).status().reason(), "bad_standard");
}

TEST_P(LaborWeeklyTest, WeekRangesAreBounded) {
  EXPECT_EQ(Weekly("m", kW20, kW19, {}).status().reason(), "bad_week_range");
  // The retention keeps 13 weeks before this one: 14 in all.
  EXPECT_TRUE(Weekly("m", D(2026, 3, 2), kToday, {}).ok());
  EXPECT_EQ(Weekly("m", D(2026, 2, 23), kToday, {}).status().reason(), "bad_week_range");
  EXPECT_EQ(Weekly("m", kW19, kW19, {.team = "a b"}).status().reason(), "bad_label");
}

// A labor.db of schema 1 (no team-week rows) is upgraded at Open.
TEST_P(SqliteLaborWeeklyTest, SchemaOneIsUpgraded) {
  ASSERT_NO_FATAL_FAILURE(Rewrite(std::string("DROP TABLE team_weekly; PRAGMA user_version = 1;") +
                                  std::string(kSchema3KeyTables)));
  WorkDay(kW19, Team("t1", 1, 10));
  EXPECT_EQ(StoredTeamMembers().size(), 10u);
}

// ACC-02 (scope own_team): the roll-up records who led which team in the week and, under the
// week pseudonym, the teams each worker was in; a lead shares a team with a worker only in a
// week they led it, and both records go with the week (RET-02).
TEST_P(LaborWeeklyTest, TheRollUpRecordsWhoLedWhichTeamInTheWeek) {
  auto day = [this](const Date& d, std::vector<LaborAssignment> rota) {
    ASSERT_TRUE(store_->SetAssignments(d, rota).ok());
    for (const LaborAssignment& line : rota) {
      const std::string device = "HH-" + std::to_string(line.worker_id);
      ASSERT_TRUE(store_->StartSession(d, device, line.worker_id, 0).ok());
      ASSERT_TRUE(*store_->RecordScan(device, "pick", "A", "ok", 5, 60'000));
      ASSERT_TRUE(store_->EndSession(device, 120'000).ok());
    }
    ASSERT_TRUE(store_->RollUpDay(d, std::vector<int64_t>{}).ok());
  };
  // W19: 900 leads t1 (worker 1), 901 leads t2 (worker 2); worker 3 moves from t1 to t2.
  day(kW19, {{1, "t1", "morning", "A", false},
             {3, "t1", "morning", "A", false},
             {900, "t1", "morning", "A", true},
             {2, "t2", "morning", "B", false},
             {901, "t2", "morning", "B", true}});
  day(D(2026, 5, 5), {{3, "t2", "morning", "B", false}, {901, "t2", "morning", "B", true}});
  // W20: 901 leads t1.
  day(kW20, {{1, "t1", "morning", "A", false}, {901, "t1", "morning", "A", true}});

  using Teams = std::vector<std::string>;
  EXPECT_EQ(*store_->TeamsLedFor(900, 1, kW19), Teams{"t1"});
  EXPECT_EQ(*store_->TeamsLedFor(900, 2, kW19), Teams{}) << "another team";
  EXPECT_EQ(*store_->TeamsLedFor(900, 3, kW19), Teams{"t1"});
  EXPECT_EQ(*store_->TeamsLedFor(901, 3, D(2026, 5, 10)), Teams{"t2"});
  EXPECT_EQ(*store_->TeamsLedFor(900, 1, kW20), Teams{}) << "a week 900 did not lead";
  EXPECT_EQ(*store_->TeamsLedFor(901, 1, kW20), Teams{"t1"});
  EXPECT_EQ(*store_->TeamsLedFor(901, 1, kW19), Teams{}) << "901 led t2, not t1, in W19";
  EXPECT_EQ(*store_->TeamsLedFor(901, 901, kW19), Teams{}) << "a lead is no member";
  EXPECT_EQ(store_->TeamsLedFor(900, 1, kW21).status().reason(), "week_not_kept");

  StatusOr<WorkerWeek> three = store_->WeeklyForWorker(3, kW19);
  ASSERT_TRUE(three.ok());
  EXPECT_EQ(three->teams, (Teams{"t1", "t2"}));
  EXPECT_TRUE(three->teams_led.empty());
  EXPECT_EQ(three->totals.units_per_process.at("pick"), 10);
  StatusOr<WorkerWeek> lead = store_->WeeklyForWorker(901, kW19);
  ASSERT_TRUE(lead.ok());
  EXPECT_EQ(lead->teams_led, Teams{"t2"});
  EXPECT_TRUE(lead->teams.empty());

  // The worker's team is stored under the week pseudonym, never beside a worker id.
  EXPECT_EQ(Count("team_leads"), 3);  // (W19,t1,900) (W19,t2,901) (W20,t1,901)
  EXPECT_EQ(Count("weekly", "kind = 3"), 5);
  EXPECT_EQ(Count("weekly", "kind = 3 AND value != 1"), 0) << "no count of days (IND-09)";

  // RET-02: W19 expires (kept through the 13 weeks after it), W20 not yet.
  EXPECT_EQ(*store_->Expire(D(2026, 8, 10)), 1);
  EXPECT_EQ(store_->TeamsLedFor(900, 1, kW19).status().reason(), "week_not_kept");
  EXPECT_EQ(Count("team_leads", "week = '2026-05-04'"), 0);
  EXPECT_EQ(Count("weekly", "week = '2026-05-04'"), 0);
  EXPECT_EQ(Count("team_leads"), 1);
  EXPECT_EQ(*store_->TeamsLedFor(901, 1, kW20), Teams{"t1"});
  EXPECT_EQ(*store_->Expire(D(2026, 8, 17)), 1);
  EXPECT_EQ(Count("team_leads"), 0);
  EXPECT_EQ(Count("weekly", "kind = 3"), 0);
}

// A labor.db of schema 2 (no team leads) is upgraded at Open; its weeks have no leads.
TEST_P(SqliteLaborWeeklyTest, SchemaTwoIsUpgraded) {
  ASSERT_NO_FATAL_FAILURE(Rewrite(std::string("DROP TABLE team_leads; PRAGMA user_version = 2;") +
                                  std::string(kSchema3KeyTables)));
  ASSERT_TRUE(
      store_->SetAssignments(kW19, {{{1, "t1", "m", "A", false}, {9, "t1", "m", "A", true}}}).ok());
  ASSERT_TRUE(store_->StartSession(kW19, "HH-1", 1, 0).ok());
  ASSERT_TRUE(store_->RollUpDay(kW19, std::vector<int64_t>{}).ok());
  EXPECT_EQ(*store_->TeamsLedFor(9, 1, kW19), std::vector<std::string>{"t1"});
}

TEST_P(SqliteLaborStoreTest, OpenRefusesMissingDirAndForeignFiles) {
  EXPECT_EQ(LaborStore::Open(dir_ / "missing", policy_).status().reason(), "labor_dir_not_found");
  const std::filesystem::path other = dir_ / "other";
  std::filesystem::create_directory(other);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((other / kLaborFileName).string().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE t(x)", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  EXPECT_EQ(LaborStore::Open(other, policy_).status().reason(), "labor_corrupt");
}

// The rows are keyed by site: two sites of one database see none of each other's labor data.
TEST_P(PostgresLaborStoreTest, TwoSitesOfADatabaseKeepTheirLaborApart) {
  ASSERT_TRUE(store_->SetAssignments(kMonday, Rota(2, "A", "t1")).ok());
  ASSERT_TRUE(store_->StartSession(kMonday, "HH-1", 1, 1000).ok());
  ASSERT_TRUE(*store_->RecordScan("HH-1", "pick", "A", "ok", 3, 2000));
  const std::string other_site = testing::UniqueSiteCode("labor-other");
  auto other = OpenPostgresLaborStore(url_, other_site, policy_,
                                      {.key_source = &keys_, .key_dir = dir_ / "other-keys"});
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  EXPECT_EQ(*(*other)->OpenDays(), std::vector<Date>{});
  StatusOr<bool> recorded = (*other)->RecordScan("HH-1", "pick", "A", "ok", 1, 3000);
  ASSERT_TRUE(recorded.ok());
  EXPECT_FALSE(*recorded) << "HH-1 has a session at the first site only";
  ASSERT_TRUE((*other)->SetAssignments(kMonday, {}).ok());
  EXPECT_EQ(Count("assignments"), 3) << "the other site's rota is its own";
  ASSERT_TRUE((*other)->RollUpDay(kMonday, std::vector<int64_t>{1}).ok());
  EXPECT_EQ(store_->WorkerDay(kMonday, 1)->scans.size(), 1u);
  EXPECT_EQ(*store_->OpenDays(), std::vector<Date>{kMonday});
  EXPECT_EQ(OpenPostgresLaborStorage(url_, "bad site").status().reason(), "bad_site_code");
  // Key names carry no site: a key directory serves one site only.
  EXPECT_EQ(
      OpenPostgresLaborStore(url_, other_site, policy_, {.key_dir = KeyDir()}).status().reason(),
      "labor_keys_of_another_site");
}

// Failover with one key directory shared by the nodes (docs/LABOR.md, "Failover and keys"):
// the node that takes over sees the worker's session and scans of the day, goes on recording
// in the same session, and the roll-up attributes the whole day.
TEST_P(PostgresLaborStoreTest, ANodeThatTakesOverWithTheSharedKeysAttributesTheDay) {
  ASSERT_TRUE(store_->StartSession(kMonday, "HH-1", 5, 1000).ok());
  ASSERT_TRUE(*store_->RecordScan("HH-1", "pick", "A", "ok", 3, 2000));
  store_.reset();  // Node A dies.
  auto b = OpenStore(KeyDir());
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  StatusOr<OwnLaborDay> day = (*b)->WorkerDay(kMonday, 5);
  ASSERT_TRUE(day.ok()) << day.status().ToString();
  EXPECT_EQ(day->sessions.size(), 1u);
  ASSERT_EQ(day->scans.size(), 1u);
  EXPECT_EQ(day->today.units, 3);
  ASSERT_TRUE(*(*b)->RecordScan("HH-1", "pick", "A", "ok", 4, 3000));
  StatusOr<RollUpReport> report = (*b)->RollUpDay(kMonday, std::vector<int64_t>{5});
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->workers, 1);
  EXPECT_EQ(report->unattributed_sessions, 0);
  EXPECT_EQ((*b)->WeeklyForWorker(5, kMonday)->totals.units_per_process.at("pick"), 7);
}

// Failover with node-local key directories: the node that takes over has no key for the
// day, so it starts one of its own; the sessions recorded before the takeover can no longer
// be linked to anyone and roll up unattributed (their figures are lost, and nobody is
// exposed). When the former node starts again, it destroys its key of the closed day.
TEST_P(PostgresLaborStoreTest, ATakeoverWithNodeLocalKeysRollsTheEarlierDayUpUnattributed) {
  ASSERT_TRUE(store_->StartSession(kMonday, "HH-1", 5, 1000).ok());
  ASSERT_TRUE(*store_->RecordScan("HH-1", "pick", "A", "ok", 3, 2000));
  store_.reset();  // Node A dies; its key directory stays on its disk.
  auto b = OpenStore(dir_ / "node-b-keys");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_TRUE((*b)->WorkerDay(kMonday, 5)->sessions.empty()) << "B cannot link A's session";
  ASSERT_TRUE((*b)->StartSession(kMonday, "HH-2", 6, 5000).ok());
  ASSERT_TRUE(*(*b)->RecordScan("HH-2", "pick", "A", "ok", 4, 6000));
  ASSERT_TRUE((*b)->EndSession("HH-2", 7000).ok());
  StatusOr<RollUpReport> report = (*b)->RollUpDay(kMonday, std::vector<int64_t>{5, 6});
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->sessions, 2);
  EXPECT_EQ(report->workers, 1);
  EXPECT_EQ(report->unattributed_sessions, 1);
  EXPECT_FALSE(report->day_key_missing) << "B has a key for the day: its own";
  EXPECT_EQ((*b)->WeeklyForWorker(6, kMonday)->totals.units_per_process.at("pick"), 4);
  EXPECT_TRUE((*b)->WeeklyForWorker(5, kMonday)->totals.units_per_process.empty());
  EXPECT_EQ(Count("sessions") + Count("scans"), 0)
      << "the raw events went with the day; A's open session, unattributed, is not carried";
  b->reset();
  ASSERT_TRUE(std::filesystem::exists(KeyFile("day-2026-05-04")));
  Reopen();  // Node A again.
  EXPECT_FALSE(std::filesystem::exists(KeyFile("day-2026-05-04")));
}

// entrepot migrate: every row of a labor.db is copied into the site's rows; with the same key
// directory the copy links and answers as the file did. A site that has rows is refused.
TEST_P(PostgresLaborStoreTest, CopyFromLaborDbKeepsEveryRowAndRefusesAStoreWithRows) {
  const std::filesystem::path from_dir = dir_ / "sqlite";
  std::filesystem::create_directory(from_dir);
  {
    auto from = LaborStore::Open(from_dir, policy_, {.key_source = &keys_, .key_dir = KeyDir()});
    ASSERT_TRUE(from.ok()) << from.status().ToString();
    ASSERT_TRUE((*from)->SetAssignments(kMonday, Rota(2, "A", "t1")).ok());
    ASSERT_TRUE((*from)->StartSession(kMonday, "HH-1", 1, 1000).ok());
    ASSERT_TRUE(*(*from)->RecordScan("HH-1", "pick", "A", "ok", 3, 2000));
    ASSERT_TRUE((*from)->RollUpDay(kMonday, std::vector<int64_t>{1, 2}).ok());
    ASSERT_TRUE((*from)->SetAssignments(kTuesday, Rota(2, "A", "t1")).ok());
    ASSERT_TRUE((*from)->StartSession(kTuesday, "HH-2", 2, 1000).ok());
    ASSERT_TRUE(*(*from)->RecordScan("HH-2", "pack", "A", "wrong_location", 1, 2000));
  }
  auto keys = LaborKeyDir::Open(KeyDir());
  ASSERT_TRUE(keys.ok());
  auto from = OpenSqliteLaborStorage(from_dir, *keys, 1000);
  ASSERT_TRUE(from.ok()) << from.status().ToString();
  auto to = OpenPostgresLaborStorage(url_, site_);
  ASSERT_TRUE(to.ok()) << to.status().ToString();
  StatusOr<LaborCopyReport> copied = CopyLaborRows(**from, **to);
  ASSERT_TRUE(copied.ok()) << copied.status().ToString();
  EXPECT_EQ(copied->sessions, 2) << "HH-2's, and HH-1's carried over into Tuesday";
  EXPECT_EQ(copied->scans, 1);
  EXPECT_EQ(CopyLaborRows(**from, **to).status().reason(), "labor_not_empty");

  Reopen();
  EXPECT_EQ(*store_->OpenDays(), std::vector<Date>{kTuesday});
  EXPECT_EQ(store_->StartSession(kMonday, "HH-3", 3, 0).reason(), "day_closed");
  EXPECT_EQ(store_->WeeklyForWorker(1, kMonday)->totals.units_per_process.at("pick"), 3);
  EXPECT_EQ(store_->WeeklyForWorker(1, kMonday)->teams, std::vector<std::string>{"t1"});
  EXPECT_EQ(store_->WeeklyForWorker(1000, kMonday)->teams_led, std::vector<std::string>{"leads"});
  StatusOr<OwnLaborDay> tuesday = store_->WorkerDay(kTuesday, 2);
  ASSERT_TRUE(tuesday.ok());
  ASSERT_EQ(tuesday->scans.size(), 1u);
  EXPECT_EQ(tuesday->today.errors_per_cause.at("wrong_location"), 1);
  EXPECT_EQ(Count("assignments"), 3);
}

INSTANTIATE_TEST_SUITE_P(Sqlite, LaborStoreTest, ::testing::Values(Backend::kSqlite));
INSTANTIATE_TEST_SUITE_P(Postgres, LaborStoreTest, ::testing::Values(Backend::kPostgres));
INSTANTIATE_TEST_SUITE_P(Sqlite, LaborWeeklyTest, ::testing::Values(Backend::kSqlite));
INSTANTIATE_TEST_SUITE_P(Postgres, LaborWeeklyTest, ::testing::Values(Backend::kPostgres));
INSTANTIATE_TEST_SUITE_P(Sqlite, SqliteLaborStoreTest, ::testing::Values(Backend::kSqlite));
INSTANTIATE_TEST_SUITE_P(Sqlite, SqliteLaborWeeklyTest, ::testing::Values(Backend::kSqlite));
INSTANTIATE_TEST_SUITE_P(Postgres, PostgresLaborStoreTest, ::testing::Values(Backend::kPostgres));

}  // namespace
}  // namespace entrepot::store
