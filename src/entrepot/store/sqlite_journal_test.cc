// SqliteJournal's own cases: the file (creation, WAL mode, truncation, garbage, format),
// SQLite's locks and I/O faults. The Journal contract that every backend meets is tested in
// journal_contract_test.cc, against this backend and PostgresJournal alike.
#include "entrepot/store/sqlite_journal.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "entrepot/store/fault_injection_vfs.h"
#include "entrepot/store/journal_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace entrepot::store {
namespace {

using ::testing::AnyOf;
using testing::ExpectSameRecords;
using ::testing::HasSubstr;
using testing::MakeBatch;
using testing::MakeRecord;
using ::testing::Not;
using testing::ReadAll;

// A fresh directory per test, removed afterwards.
class SqliteJournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "sqlite_journal_test.XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = dir_ + "/site.journal";
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::unique_ptr<SqliteJournal> OpenOrDie(SqliteJournal::Options options = {}) {
    StatusOr<std::unique_ptr<SqliteJournal>> journal = SqliteJournal::Open(path_, options);
    EXPECT_TRUE(journal.ok()) << journal.status().ToString();
    return journal.ok() ? std::move(journal).value() : nullptr;
  }

  std::string dir_;
  std::string path_;
};

// A connection of our own, behind the journal's back, to damage or inspect the file.
class RawDatabase {
 public:
  explicit RawDatabase(const std::string& path) {
    EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  }
  ~RawDatabase() { sqlite3_close_v2(db_); }
  RawDatabase(const RawDatabase&) = delete;
  RawDatabase& operator=(const RawDatabase&) = delete;

  void Exec(const std::string& sql) {
    EXPECT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
        << sql << ": " << sqlite3_errmsg(db_);
  }
  int64_t QueryInt(const std::string& sql) {
    sqlite3_stmt* statement = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &statement, nullptr), SQLITE_OK);
    EXPECT_EQ(sqlite3_step(statement), SQLITE_ROW) << sql;
    const int64_t value = sqlite3_column_int64(statement, 0);
    sqlite3_finalize(statement);
    return value;
  }
  // Sets column `column` of the row `seq` of `table` to `bytes`.
  void SetBlob(const std::string& table, const std::string& column, uint64_t seq,
               const std::string& bytes) {
    const std::string sql = "UPDATE " + table + " SET " + column + " = ?1 WHERE seq = ?2";
    sqlite3_stmt* statement = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &statement, nullptr), SQLITE_OK);
    sqlite3_bind_blob(statement, 1, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int64(statement, 2, static_cast<int64_t>(seq));
    EXPECT_EQ(sqlite3_step(statement), SQLITE_DONE);
    EXPECT_EQ(sqlite3_changes(db_), 1);
    sqlite3_finalize(statement);
  }

 private:
  sqlite3* db_ = nullptr;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

// Appends records 1..count in batches of 100 and closes the journal.
void Populate(const std::string& path, uint64_t count) {
  StatusOr<std::unique_ptr<SqliteJournal>> journal = SqliteJournal::Open(path);
  ASSERT_TRUE(journal.ok()) << journal.status().ToString();
  for (uint64_t first = 1; first <= count; first += 100) {
    const std::vector<JournalRecord> batch =
        MakeBatch(first, std::min<uint64_t>(100, count - first + 1));
    ASSERT_TRUE((*journal)->Append(batch).ok());
  }
}

// --- Opening and the round trip -----------------------------------------------------------

TEST_F(SqliteJournalTest, OpenCreatesAnEmptyJournalInWalMode) {
  std::unique_ptr<SqliteJournal> journal = OpenOrDie();
  ASSERT_NE(journal, nullptr);
  EXPECT_EQ(journal->LastSeq(), 0u);
  std::vector<JournalRecord> records;
  EXPECT_TRUE(ReadAll(*journal, 0, records).ok());
  EXPECT_TRUE(records.empty());
  StatusOr<std::optional<Snapshot>> snapshot = journal->LatestSnapshot();
  ASSERT_TRUE(snapshot.ok());
  EXPECT_FALSE(snapshot->has_value());
  EXPECT_TRUE(journal->CheckIntegrity().ok());

  RawDatabase raw(path_);
  EXPECT_EQ(raw.QueryInt("PRAGMA application_id"), SqliteJournal::kApplicationId);
  EXPECT_EQ(raw.QueryInt("SELECT value FROM meta WHERE key = 'format_version'"),
            SqliteJournal::kFormatVersion);
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'"), 1);
  // The temporary file it was built under is gone.
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    EXPECT_THAT(entry.path().filename().string(), Not(HasSubstr("creating")));
  }
}

// --- Limits and preconditions -------------------------------------------------------------

// --- Read-only mode and store errors --------------------------------------------------------

TEST_F(SqliteJournalTest, ReadOnlyOpenOfAMissingFileIsNotFoundAndCreatesNothing) {
  StatusOr<std::unique_ptr<SqliteJournal>> journal =
      SqliteJournal::Open(path_, {.read_only = true});
  EXPECT_EQ(journal.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(journal.status().reason(), "journal_not_found");
  journal = SqliteJournal::Open(path_, {.create_if_missing = false});
  EXPECT_EQ(journal.status().reason(), "journal_not_found");
  EXPECT_FALSE(std::filesystem::exists(path_));
}

TEST_F(SqliteJournalTest, OpenInAMissingDirectoryIsNotFound) {
  StatusOr<std::unique_ptr<SqliteJournal>> journal =
      SqliteJournal::Open(dir_ + "/no/such/dir/site.journal");
  EXPECT_EQ(journal.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(journal.status().reason(), "journal_not_found");
  EXPECT_THAT(journal.status().message(), HasSubstr("no such directory: " + dir_ + "/no/such"));
}

TEST_F(SqliteJournalTest, LockHeldByAnotherWriterGivesUnavailableAndNothingChanges) {
  std::unique_ptr<SqliteJournal> journal = OpenOrDie({.busy_timeout_ms = 50});
  ASSERT_TRUE(journal->Append(MakeBatch(1, 3)).ok());
  {
    RawDatabase other(path_);
    other.Exec("BEGIN IMMEDIATE");
    const Status status = journal->Append(MakeBatch(4, 2));
    EXPECT_EQ(status.code(), StatusCode::kUnavailable);
    EXPECT_EQ(status.reason(), "journal_unavailable");
    EXPECT_THAT(status.message(), HasSubstr("append seqs 4 to 5"));
    EXPECT_THAT(status.message(), HasSubstr("locked"));
    EXPECT_EQ(journal->LastSeq(), 3u);
    other.Exec("ROLLBACK");
  }
  ASSERT_TRUE(journal->Append(MakeBatch(4, 2)).ok());
  std::vector<JournalRecord> records;
  ASSERT_TRUE(ReadAll(*journal, 0, records).ok());
  ExpectSameRecords(records, 1, 5);
}

TEST_F(SqliteJournalTest, TheWalIsCheckpointedBesideTheAppendsNotInThem) {
  std::unique_ptr<SqliteJournal> journal = OpenOrDie();
  ASSERT_NE(journal, nullptr);
  const uintmax_t before = std::filesystem::file_size(path_);

  // 3,000 records of 4 KiB, about three times the WAL's checkpoint threshold.
  for (uint64_t first = 1; first <= 3'000; first += 100) {
    std::vector<JournalRecord> batch = MakeBatch(first, 100);
    for (JournalRecord& record : batch) {
      record.payload.resize(4096, 'x');
    }
    ASSERT_TRUE(journal->Append(batch).ok());
  }

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (journal->CheckpointStats().checkpoints == 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_GE(journal->CheckpointStats().checkpoints, 1u);
  EXPECT_GT(std::filesystem::file_size(path_), before + (uintmax_t{2} << 20));
  ASSERT_EQ(journal->LastSeq(), 3'000u);
}

TEST_F(SqliteJournalTest, ConflictInAMultiRowInsertRollsBackTheWholeBatch) {
  std::unique_ptr<SqliteJournal> journal = OpenOrDie();
  ASSERT_TRUE(journal->Append(MakeBatch(1, 3)).ok());
  // Batches of 32 and more are inserted many rows per statement; seq 40 is in the second.
  RawDatabase other(path_);
  other.Exec("INSERT INTO journal(seq, payload, crc) VALUES(40, x'00', 0)");
  const Status status = journal->Append(MakeBatch(4, 70));
  EXPECT_EQ(status.reason(), "concurrent_writer");
  EXPECT_THAT(status.message(), HasSubstr("one of seqs 36 to 67 is already in the journal"));
  EXPECT_EQ(journal->LastSeq(), 3u);
  EXPECT_EQ(other.QueryInt("SELECT count(*) FROM journal"), 4);

  other.Exec("DELETE FROM journal WHERE seq = 40");
  ASSERT_TRUE(journal->Append(MakeBatch(4, 70)).ok());
  journal.reset();
  journal = OpenOrDie();
  std::vector<JournalRecord> records;
  ASSERT_TRUE(ReadAll(*journal, 0, records).ok());
  ExpectSameRecords(records, 1, 73);
}

TEST_F(SqliteJournalTest, FailedWalSyncAtCommitRequiresAReopen) {
  testing::RegisterFaultInjectionVfs();
  testing::ClearFaults();
  const SqliteJournal::Options options{.vfs_name = testing::kFaultInjectionVfsName};
  std::unique_ptr<SqliteJournal> journal = OpenOrDie(options);
  ASSERT_TRUE(journal->Append(MakeBatch(1, 5)).ok());

  testing::FailWalSyncs(1);
  Status status = journal->Append(MakeBatch(6, 5));
  EXPECT_EQ(testing::FaultsFired(), 1);
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_EQ(status.reason(), "commit_outcome_unknown");
  EXPECT_THAT(status.message(), HasSubstr("append seqs 6 to 10"));
  EXPECT_EQ(journal->LastSeq(), 5u);

  // Until reopened, the journal refuses writes: their seqs would rest on a guess.
  status = journal->Append(MakeBatch(6, 5));
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_EQ(status.reason(), "journal_needs_reopen");
  EXPECT_EQ(journal->WriteSnapshot({.seq = 5, .payload = "s"}).reason(), "journal_needs_reopen");
  testing::ClearFaults();

  journal.reset();
  journal = OpenOrDie(options);
  const uint64_t last_seq = journal->LastSeq();
  EXPECT_THAT(last_seq, AnyOf(5u, 10u));
  std::vector<JournalRecord> records;
  ASSERT_TRUE(ReadAll(*journal, 0, records).ok());
  ExpectSameRecords(records, 1, last_seq);
  ASSERT_TRUE(journal->Append(MakeBatch(last_seq + 1, 2)).ok());
  EXPECT_TRUE(journal->CheckIntegrity().ok());
}

// Why design note 3 exists: after a failed WAL sync, the batch's frames were written, so a
// crash at that moment (the files as they are, without the connection's shared memory)
// recovers the batch that Append() reported as failed.
TEST_F(SqliteJournalTest, BatchWhoseSyncFailedMayStillBeRecoveredAfterACrash) {
  testing::RegisterFaultInjectionVfs();
  testing::ClearFaults();
  std::unique_ptr<SqliteJournal> journal = OpenOrDie({.vfs_name = testing::kFaultInjectionVfsName});
  ASSERT_TRUE(journal->Append(MakeBatch(1, 5)).ok());
  testing::FailWalSyncs(1);
  EXPECT_EQ(journal->Append(MakeBatch(6, 5)).reason(), "commit_outcome_unknown");
  testing::ClearFaults();

  const std::string crashed = dir_ + "/crashed.journal";
  std::filesystem::copy_file(path_, crashed);
  std::filesystem::copy_file(path_ + "-wal", crashed + "-wal");
  StatusOr<std::unique_ptr<SqliteJournal>> recovered = SqliteJournal::Open(crashed);
  ASSERT_TRUE(recovered.ok()) << recovered.status().ToString();
  EXPECT_EQ((*recovered)->LastSeq(), 10u);
  std::vector<JournalRecord> records;
  ASSERT_TRUE(ReadAll(**recovered, 0, records).ok());
  ExpectSameRecords(records, 1, 10);
}

TEST_F(SqliteJournalTest, UnknownVfsIsAnErrorNotACrash) {
  OpenOrDie().reset();  // The file exists: only the VFS is wrong.
  StatusOr<std::unique_ptr<SqliteJournal>> journal =
      SqliteJournal::Open(path_, {.vfs_name = "no-such-vfs"});
  ASSERT_FALSE(journal.ok());
  EXPECT_THAT(journal.status().message(), HasSubstr("no such vfs"));
}

TEST_F(SqliteJournalTest, FailedWriteIsAnErrorAndTheJournalRecoversAfterReopen) {
  testing::RegisterFaultInjectionVfs();
  testing::ClearFaults();
  const SqliteJournal::Options options{.vfs_name = testing::kFaultInjectionVfsName};
  std::unique_ptr<SqliteJournal> journal = OpenOrDie(options);
  ASSERT_TRUE(journal->Append(MakeBatch(1, 5)).ok());

  testing::FailWrites(1);
  const Status status = journal->Append(MakeBatch(6, 5));
  EXPECT_EQ(testing::FaultsFired(), 1);
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_EQ(journal->LastSeq(), 5u);
  testing::ClearFaults();

  journal.reset();
  journal = OpenOrDie(options);
  EXPECT_THAT(journal->LastSeq(), AnyOf(5u, 10u));
  std::vector<JournalRecord> records;
  ASSERT_TRUE(ReadAll(*journal, 0, records).ok());
  ExpectSameRecords(records, 1, journal->LastSeq());
  EXPECT_TRUE(journal->CheckIntegrity().ok());
}

// --- Snapshots ----------------------------------------------------------------------------

// --- Corruption ---------------------------------------------------------------------------

TEST_F(SqliteJournalTest, ByteFlippedInTheFileIsReportedBySeq) {
  Populate(path_, 50);  // Closing checkpoints the WAL into the file.
  std::string bytes = ReadFile(path_);
  const std::string payload = MakeRecord(33).payload;
  const size_t offset = bytes.find(payload);
  ASSERT_NE(offset, std::string::npos);
  bytes[offset + 5] = static_cast<char>(bytes[offset + 5] ^ 0x20);
  WriteFile(path_, bytes);

  std::unique_ptr<SqliteJournal> journal = OpenOrDie();
  std::vector<JournalRecord> records;
  EXPECT_THAT(ReadAll(*journal, 0, records).message(),
              HasSubstr("record seq 33: checksum mismatch"));
  EXPECT_THAT(journal->CheckIntegrity().message(), HasSubstr("record seq 33: checksum mismatch"));
}

TEST_F(SqliteJournalTest, TruncatedFileGivesDataLossAndIsLeftAlone) {
  Populate(path_, 2000);
  const std::string bytes = ReadFile(path_);
  ASSERT_GT(bytes.size(), 40'000u);
  for (size_t size : {bytes.size() / 2, size_t{4096}, size_t{1000}, size_t{50}, size_t{0}}) {
    SCOPED_TRACE("truncated to " + std::to_string(size) + " bytes");
    WriteFile(path_, bytes.substr(0, size));
    Status status;
    {
      StatusOr<std::unique_ptr<SqliteJournal>> journal = SqliteJournal::Open(path_);
      status = journal.ok() ? (*journal)->CheckIntegrity() : journal.status();
    }
    EXPECT_EQ(status.code(), StatusCode::kDataLoss) << status.ToString();
    EXPECT_EQ(status.reason(), "journal_corrupt");
    EXPECT_THAT(status.message(), HasSubstr(path_));
    EXPECT_EQ(ReadFile(path_), bytes.substr(0, size));
  }
}

TEST_F(SqliteJournalTest, GarbageFileGivesDataLossAndIsLeftAlone) {
  std::string garbage;
  for (int i = 0; i < 10'000; ++i) {
    garbage.push_back(static_cast<char>((i * 7919) % 251));
  }
  WriteFile(path_, garbage);
  for (bool read_only : {false, true}) {
    StatusOr<std::unique_ptr<SqliteJournal>> journal =
        SqliteJournal::Open(path_, {.read_only = read_only});
    EXPECT_EQ(journal.status().code(), StatusCode::kDataLoss);
    EXPECT_EQ(journal.status().reason(), "journal_corrupt");
    EXPECT_THAT(journal.status().message(), HasSubstr("not a database"));
  }
  EXPECT_EQ(ReadFile(path_), garbage);
}

TEST_F(SqliteJournalTest, OtherSqliteDatabaseIsNotAJournal) {
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE orders(id INTEGER)", nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  const std::string before = ReadFile(path_);
  StatusOr<std::unique_ptr<SqliteJournal>> journal = SqliteJournal::Open(path_);
  EXPECT_EQ(journal.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(journal.status().reason(), "not_a_journal");
  EXPECT_EQ(ReadFile(path_), before);

  journal = SqliteJournal::Open(dir_);
  EXPECT_EQ(journal.status().reason(), "not_a_journal");
}

TEST_F(SqliteJournalTest, NewerFormatIsRefused) {
  Populate(path_, 3);
  RawDatabase(path_).Exec("UPDATE meta SET value = '2' WHERE key = 'format_version'");
  StatusOr<std::unique_ptr<SqliteJournal>> journal = SqliteJournal::Open(path_);
  EXPECT_EQ(journal.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(journal.status().reason(), "unsupported_format");
  EXPECT_THAT(journal.status().message(), HasSubstr("format 2"));
}

TEST_F(SqliteJournalTest, DamagedSchemaGivesDataLoss) {
  Populate(path_, 3);
  RawDatabase(path_).Exec("DELETE FROM meta");
  StatusOr<std::unique_ptr<SqliteJournal>> journal = SqliteJournal::Open(path_);
  EXPECT_EQ(journal.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(journal.status().message(), HasSubstr("format_version"));

  RawDatabase(path_).Exec("DROP TABLE snapshot");
  journal = SqliteJournal::Open(path_);
  EXPECT_EQ(journal.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(journal.status().message(), HasSubstr("schema is damaged"));
}

}  // namespace
}  // namespace entrepot::store
