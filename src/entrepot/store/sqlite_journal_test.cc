#include "entrepot/store/sqlite_journal.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "entrepot/store/fault_injection_vfs.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace entrepot::store {
namespace {

using ::testing::AnyOf;
using ::testing::HasSubstr;
using ::testing::Not;

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

// Deterministic contents: odd seqs carry a key; payloads vary in length and hold NUL bytes.
JournalRecord MakeRecord(uint64_t seq) {
  JournalRecord record;
  record.seq = seq;
  if (seq % 2 == 1) {
    record.idempotency_key = "device-7/" + std::to_string(seq);
  }
  record.payload = "payload of seq " + std::to_string(seq) + std::string(1, '\0') +
                   std::string(seq % 50, static_cast<char>('a' + seq % 26));
  return record;
}

std::vector<JournalRecord> MakeBatch(uint64_t first_seq, size_t count) {
  std::vector<JournalRecord> batch;
  for (size_t i = 0; i < count; ++i) {
    batch.push_back(MakeRecord(first_seq + i));
  }
  return batch;
}

Status ReadAll(const Journal& journal, uint64_t after, std::vector<JournalRecord>& out) {
  out.clear();
  return journal.Scan(after, [&out](const JournalRecord& record) {
    out.push_back(record);
    return OkStatus();
  });
}

void ExpectSameRecords(const std::vector<JournalRecord>& actual, uint64_t first_seq,
                       uint64_t last_seq) {
  ASSERT_EQ(actual.size(), last_seq - first_seq + 1);
  for (uint64_t seq = first_seq; seq <= last_seq; ++seq) {
    const JournalRecord& record = actual[seq - first_seq];
    const JournalRecord expected = MakeRecord(seq);
    EXPECT_EQ(record.seq, seq);
    EXPECT_EQ(record.idempotency_key, expected.idempotency_key) << "seq " << seq;
    EXPECT_EQ(record.payload, expected.payload) << "seq " << seq;
  }
}

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

TEST_F(SqliteJournalTest, AppendedRecordsScanBackInOrder) {
  std::unique_ptr<SqliteJournal> journal = OpenOrDie();
  ASSERT_TRUE(journal->Append(MakeBatch(1, 3)).ok());
  ASSERT_TRUE(journal->Append(MakeBatch(4, 1)).ok());
  ASSERT_TRUE(journal->Append(MakeBatch(5, 20)).ok());
  EXPECT_EQ(journal->LastSeq(), 24u);

  std::vector<JournalRecord> records;
  ASSERT_TRUE(ReadAll(*journal, 0, records).ok());
  ExpectSameRecords(records, 1, 24);
  ASSERT_TRUE(ReadAll(*journal, 10, records).ok());
  ExpectSameRecords(records, 11, 24);
  ASSERT_TRUE(ReadAll(*journal, 24, records).ok());
  EXPECT_TRUE(records.empty());
  ASSERT_TRUE(ReadAll(*journal, 1000, records).ok());
  EXPECT_TRUE(records.empty());
}

TEST_F(SqliteJournalTest, RecordsAndLastSeqSurviveReopen) {
  {
    std::unique_ptr<SqliteJournal> journal = OpenOrDie();
    ASSERT_TRUE(journal->Append(MakeBatch(1, 10)).ok());
    ASSERT_TRUE(journal->Append(MakeBatch(11, 5)).ok());
  }
  std::unique_ptr<SqliteJournal> journal = OpenOrDie();
  EXPECT_EQ(journal->LastSeq(), 15u);
  std::vector<JournalRecord> records;
  ASSERT_TRUE(ReadAll(*journal, 0, records).ok());
  ExpectSameRecords(records, 1, 15);
  ASSERT_TRUE(journal->Append(MakeBatch(16, 1)).ok());
  EXPECT_EQ(journal->LastSeq(), 16u);
  EXPECT_TRUE(journal->CheckIntegrity().ok());
}

TEST_F(SqliteJournalTest, EmptyPayloadsKeysAndNulBytesRoundTrip) {
  std::unique_ptr<SqliteJournal> journal = OpenOrDie();
  std::vector<JournalRecord> batch(3);
  batch[0] = {.seq = 1, .idempotency_key = "", .payload = ""};
  batch[1] = {
      .seq = 2, .idempotency_key = std::string("k\0y", 3), .payload = std::string("\0\0\xff", 3)};
  batch[2] = {.seq = 3,
              .idempotency_key = std::string(128, 'k'),
              .payload = std::string(SqliteJournal::kMaxPayloadBytes, 'p')};
  ASSERT_TRUE(journal->Append(batch).ok());
  journal.reset();
  journal = OpenOrDie();
  std::vector<JournalRecord> records;
  ASSERT_TRUE(ReadAll(*journal, 0, records).ok());
  ASSERT_EQ(records.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(records[i].seq, batch[i].seq);
    EXPECT_EQ(records[i].idempotency_key, batch[i].idempotency_key);
    EXPECT_EQ(records[i].payload, batch[i].payload);
  }
  EXPECT_TRUE(journal->CheckIntegrity().ok());
}

TEST_F(SqliteJournalTest, EmptyBatchIsANoOp) {
  std::unique_ptr<SqliteJournal> journal = OpenOrDie();
  EXPECT_TRUE(journal->Append({}).ok());
  EXPECT_EQ(journal->LastSeq(), 0u);
}

TEST_F(SqliteJournalTest, ScanStopsAtTheVisitorsErrorAndReturnsIt) {
  std::unique_ptr<SqliteJournal> journal = OpenOrDie();
  ASSERT_TRUE(journal->Append(MakeBatch(1, 10)).ok());
  std::vector<uint64_t> seen;
  const Status status = journal->Scan(0, [&seen](const JournalRecord& record) {
    seen.push_back(record.seq);
    return record.seq == 4 ? Error(StatusCode::kAborted, "stop_here", "enough") : OkStatus();
  });
  EXPECT_EQ(status.reason(), "stop_here");
  EXPECT_EQ(seen, (std::vector<uint64_t>{1, 2, 3, 4}));
  // The statement was reset: the next scan starts afresh.
  std::vector<JournalRecord> records;
  ASSERT_TRUE(ReadAll(*journal, 0, records).ok());
  EXPECT_EQ(records.size(), 10u);
}

TEST_F(SqliteJournalTest, AVisitorMayScanAgain) {
  std::unique_ptr<SqliteJournal> journal = OpenOrDie();
  ASSERT_TRUE(journal->Append(MakeBatch(1, 5)).ok());
  size_t inner_records = 0;
  const Status status = journal->Scan(0, [&](const JournalRecord& outer) {
    std::vector<JournalRecord> inner;
    ENTREPOT_CHECK(ReadAll(*journal, outer.seq, inner).ok());
    inner_records += inner.size();
    return OkStatus();
  });
  EXPECT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(inner_records, 4u + 3 + 2 + 1 + 0);
}

// SqliteJournal::Read() looks one row up; it checks the crc and reports a hole as data loss.
TEST_F(SqliteJournalTest, ReadFindsOneRecordBySeq) {
  Populate(path_, 20);
  RawDatabase raw(path_);
  raw.Exec("UPDATE journal SET crc = crc + 1 WHERE seq = 7");
  raw.Exec("DELETE FROM journal WHERE seq = 9");
  std::unique_ptr<SqliteJournal> journal = OpenOrDie();
  for (uint64_t seq : {1u, 8u, 20u}) {
    StatusOr<JournalRecord> record = journal->Read(seq);
    ASSERT_TRUE(record.ok()) << record.status().ToString();
    EXPECT_EQ(record->seq, seq);
    EXPECT_EQ(record->idempotency_key, MakeRecord(seq).idempotency_key);
    EXPECT_EQ(record->payload, MakeRecord(seq).payload);
  }
  EXPECT_EQ(journal->Read(0).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(journal->Read(21).status().code(), StatusCode::kNotFound);
  EXPECT_THAT(journal->Read(7).status().message(), HasSubstr("record seq 7: checksum mismatch"));
  EXPECT_EQ(journal->Read(9).status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(journal->Read(9).status().message(), HasSubstr("record seq 9 is missing"));
}

// --- Limits and preconditions -------------------------------------------------------------

TEST_F(SqliteJournalTest, TooManyRecordsInABatchAreRefused) {
  std::unique_ptr<SqliteJournal> journal = OpenOrDie();
  std::vector<JournalRecord> batch(SqliteJournal::kMaxBatchRecords + 1);
  for (size_t i = 0; i < batch.size(); ++i) {
    batch[i].seq = i + 1;
  }
  const Status status = journal->Append(batch);
  EXPECT_EQ(status.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(status.reason(), "batch_too_large");
  EXPECT_EQ(journal->LastSeq(), 0u);
  batch.pop_back();
  EXPECT_TRUE(journal->Append(batch).ok());
  EXPECT_EQ(journal->LastSeq(), SqliteJournal::kMaxBatchRecords);
}

TEST_F(SqliteJournalTest, TooManyBytesInABatchAreRefused) {
  std::unique_ptr<SqliteJournal> journal = OpenOrDie();
  const size_t count = SqliteJournal::kMaxBatchBytes / SqliteJournal::kMaxPayloadBytes + 1;
  std::vector<JournalRecord> batch(count);
  for (size_t i = 0; i < count; ++i) {
    batch[i].seq = i + 1;
    batch[i].payload.assign(SqliteJournal::kMaxPayloadBytes, 'x');
  }
  const Status status = journal->Append(batch);
  EXPECT_EQ(status.reason(), "batch_too_large");
  EXPECT_THAT(status.message(), HasSubstr("bytes"));
  EXPECT_EQ(journal->LastSeq(), 0u);
}

TEST_F(SqliteJournalTest, OversizedPayloadOrKeyIsRefusedAndNothingIsWritten) {
  std::unique_ptr<SqliteJournal> journal = OpenOrDie();
  std::vector<JournalRecord> batch = MakeBatch(1, 3);
  batch[2].payload.assign(SqliteJournal::kMaxPayloadBytes + 1, 'x');
  Status status = journal->Append(batch);
  EXPECT_EQ(status.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(status.reason(), "record_too_large");
  EXPECT_THAT(status.message(), HasSubstr("seq 3"));

  batch = MakeBatch(1, 3);
  batch[1].idempotency_key.assign(SqliteJournal::kMaxIdempotencyKeyBytes + 1, 'k');
  status = journal->Append(batch);
  EXPECT_EQ(status.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(status.reason(), "idempotency_key_too_long");
  EXPECT_EQ(journal->LastSeq(), 0u);
  EXPECT_EQ(RawDatabase(path_).QueryInt("SELECT count(*) FROM journal"), 0);
}

TEST_F(SqliteJournalTest, OversizedSnapshotIsRefused) {
  std::unique_ptr<SqliteJournal> journal = OpenOrDie({.max_snapshot_bytes = 100});
  const Status status = journal->WriteSnapshot({.seq = 0, .payload = std::string(101, 's')});
  EXPECT_EQ(status.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(status.reason(), "snapshot_too_large");
  EXPECT_FALSE(journal->LatestSnapshot()->has_value());
  EXPECT_TRUE(journal->WriteSnapshot({.seq = 0, .payload = std::string(100, 's')}).ok());
}

TEST_F(SqliteJournalTest, AppendWithTheWrongSeqIsAProgrammerError) {
  std::unique_ptr<SqliteJournal> journal = OpenOrDie();
  ASSERT_TRUE(journal->Append(MakeBatch(1, 2)).ok());
  EXPECT_DEATH((void)journal->Append(MakeBatch(4, 1)), "check failed");
  EXPECT_DEATH((void)journal->Append(MakeBatch(2, 1)), "check failed");
  std::vector<JournalRecord> not_consecutive = MakeBatch(3, 2);
  not_consecutive[1].seq = 5;
  EXPECT_DEATH((void)journal->Append(not_consecutive), "check failed");
}

TEST_F(SqliteJournalTest, SnapshotBeyondLastSeqIsAProgrammerError) {
  std::unique_ptr<SqliteJournal> journal = OpenOrDie();
  ASSERT_TRUE(journal->Append(MakeBatch(1, 2)).ok());
  EXPECT_DEATH((void)journal->WriteSnapshot({.seq = 3, .payload = "s"}), "check failed");
}

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

TEST_F(SqliteJournalTest, ReadOnlyJournalReadsButRefusesWritesAndStaysUnchanged) {
  Populate(path_, 30);
  {
    std::unique_ptr<SqliteJournal> writer = OpenOrDie();
    ASSERT_TRUE(writer->WriteSnapshot({.seq = 30, .payload = "state at 30"}).ok());
  }
  std::unique_ptr<SqliteJournal> journal = OpenOrDie({.read_only = true});
  ASSERT_NE(journal, nullptr);
  EXPECT_TRUE(journal->ReadOnly());
  EXPECT_EQ(journal->LastSeq(), 30u);

  Status status = journal->Append(MakeBatch(31, 2));
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.reason(), "journal_read_only");
  status = journal->WriteSnapshot({.seq = 30, .payload = "other"});
  EXPECT_EQ(status.reason(), "journal_read_only");
  EXPECT_EQ(journal->LastSeq(), 30u);

  std::vector<JournalRecord> records;
  ASSERT_TRUE(ReadAll(*journal, 0, records).ok());
  ExpectSameRecords(records, 1, 30);
  StatusOr<std::optional<Snapshot>> snapshot = journal->LatestSnapshot();
  ASSERT_TRUE(snapshot.ok() && snapshot->has_value());
  EXPECT_EQ((*snapshot)->payload, "state at 30");
  EXPECT_TRUE(journal->CheckIntegrity().ok());
  journal.reset();
  EXPECT_EQ(OpenOrDie()->LastSeq(), 30u);
}

TEST_F(SqliteJournalTest, ReaderSeesCommittedRecordsWhileTheWriterAppends) {
  std::unique_ptr<SqliteJournal> writer = OpenOrDie();
  ASSERT_TRUE(writer->Append(MakeBatch(1, 10)).ok());
  std::unique_ptr<SqliteJournal> reader = OpenOrDie({.read_only = true});
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->LastSeq(), 10u);
  ASSERT_TRUE(writer->Append(MakeBatch(11, 5)).ok());
  EXPECT_EQ(reader->LastSeq(), 15u);
  StatusOr<JournalRecord> newest = reader->Read(15);
  ASSERT_TRUE(newest.ok()) << newest.status().ToString();
  EXPECT_EQ(newest->payload, MakeRecord(15).payload);
  std::vector<JournalRecord> records;
  ASSERT_TRUE(ReadAll(*reader, 0, records).ok());
  ExpectSameRecords(records, 1, 15);
  EXPECT_TRUE(reader->CheckIntegrity().ok());
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

TEST_F(SqliteJournalTest, FailureInTheMiddleOfABatchRollsBackTheWholeBatch) {
  std::unique_ptr<SqliteJournal> journal = OpenOrDie();
  ASSERT_TRUE(journal->Append(MakeBatch(1, 3)).ok());
  // Another writer sneaks in seq 6, so the batch 4..8 fails at its third insert.
  RawDatabase other(path_);
  other.Exec("INSERT INTO journal(seq, payload, crc) VALUES(6, x'00', 0)");
  const Status status = journal->Append(MakeBatch(4, 5));
  EXPECT_EQ(status.code(), StatusCode::kInternal);
  EXPECT_EQ(status.reason(), "concurrent_writer");
  EXPECT_THAT(status.message(), HasSubstr("seq 6 is already in the journal"));
  EXPECT_EQ(journal->LastSeq(), 3u);
  EXPECT_EQ(other.QueryInt("SELECT count(*) FROM journal WHERE seq IN (4, 5, 7, 8)"), 0);

  other.Exec("DELETE FROM journal WHERE seq = 6");
  ASSERT_TRUE(journal->Append(MakeBatch(4, 5)).ok());
  journal.reset();
  journal = OpenOrDie();
  std::vector<JournalRecord> records;
  ASSERT_TRUE(ReadAll(*journal, 0, records).ok());
  ExpectSameRecords(records, 1, 8);
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

TEST_F(SqliteJournalTest, SecondWriterOnTheSameFileIsRefusedWithoutDamage) {
  std::unique_ptr<SqliteJournal> first = OpenOrDie();
  std::unique_ptr<SqliteJournal> second = OpenOrDie();
  ASSERT_TRUE(first->Append(MakeBatch(1, 4)).ok());
  const Status status = second->Append(MakeBatch(1, 2));
  EXPECT_EQ(status.code(), StatusCode::kInternal);
  EXPECT_EQ(status.reason(), "concurrent_writer");
  EXPECT_THAT(status.message(), HasSubstr("another process is appending"));
  EXPECT_EQ(second->LastSeq(), 0u);
  ASSERT_TRUE(first->Append(MakeBatch(5, 1)).ok());
  std::vector<JournalRecord> records;
  ASSERT_TRUE(ReadAll(*first, 0, records).ok());
  ExpectSameRecords(records, 1, 5);
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

TEST_F(SqliteJournalTest, KeepsTheNewestTwoSnapshots) {
  std::unique_ptr<SqliteJournal> journal = OpenOrDie();
  ASSERT_TRUE(journal->Append(MakeBatch(1, 10)).ok());
  for (uint64_t seq : {2u, 4u, 6u, 8u}) {
    ASSERT_TRUE(journal->WriteSnapshot({.seq = seq, .payload = "at " + std::to_string(seq)}).ok());
  }
  StatusOr<std::optional<Snapshot>> snapshot = journal->LatestSnapshot();
  ASSERT_TRUE(snapshot.ok() && snapshot->has_value());
  EXPECT_EQ((*snapshot)->seq, 8u);
  EXPECT_EQ((*snapshot)->payload, "at 8");
  RawDatabase raw(path_);
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM snapshot"), 2);
  EXPECT_EQ(raw.QueryInt("SELECT min(seq) FROM snapshot"), 6);
}

TEST_F(SqliteJournalTest, SnapshotWithTheSameSeqIsReplaced) {
  std::unique_ptr<SqliteJournal> journal = OpenOrDie();
  ASSERT_TRUE(journal->Append(MakeBatch(1, 4)).ok());
  ASSERT_TRUE(journal->WriteSnapshot({.seq = 2, .payload = "first"}).ok());
  ASSERT_TRUE(journal->WriteSnapshot({.seq = 4, .payload = "old"}).ok());
  ASSERT_TRUE(journal->WriteSnapshot({.seq = 4, .payload = "new"}).ok());
  StatusOr<std::optional<Snapshot>> snapshot = journal->LatestSnapshot();
  ASSERT_TRUE(snapshot.ok() && snapshot->has_value());
  EXPECT_EQ((*snapshot)->payload, "new");
  EXPECT_EQ(RawDatabase(path_).QueryInt("SELECT count(*) FROM snapshot"), 2);
}

TEST_F(SqliteJournalTest, DamagedNewestSnapshotFallsBackToTheOlderOne) {
  {
    std::unique_ptr<SqliteJournal> journal = OpenOrDie();
    ASSERT_TRUE(journal->Append(MakeBatch(1, 10)).ok());
    ASSERT_TRUE(journal->WriteSnapshot({.seq = 5, .payload = "state at 5"}).ok());
    ASSERT_TRUE(journal->WriteSnapshot({.seq = 10, .payload = "state at 10"}).ok());
  }
  RawDatabase(path_).SetBlob("snapshot", "payload", 10, "state at 1O");
  std::unique_ptr<SqliteJournal> journal = OpenOrDie();
  StatusOr<std::optional<Snapshot>> snapshot = journal->LatestSnapshot();
  ASSERT_TRUE(snapshot.ok() && snapshot->has_value());
  EXPECT_EQ((*snapshot)->seq, 5u);
  EXPECT_EQ((*snapshot)->payload, "state at 5");
  const Status integrity = journal->CheckIntegrity();
  EXPECT_EQ(integrity.code(), StatusCode::kDataLoss);
  EXPECT_THAT(integrity.message(), HasSubstr("snapshot seq 10: checksum mismatch"));

  RawDatabase(path_).SetBlob("snapshot", "payload", 5, "");
  snapshot = journal->LatestSnapshot();
  ASSERT_TRUE(snapshot.ok());
  EXPECT_FALSE(snapshot->has_value());
}

TEST_F(SqliteJournalTest, SnapshotBeyondTheJournalIsSkippedAndReported) {
  {
    std::unique_ptr<SqliteJournal> journal = OpenOrDie();
    ASSERT_TRUE(journal->Append(MakeBatch(1, 10)).ok());
    ASSERT_TRUE(journal->WriteSnapshot({.seq = 4, .payload = "at 4"}).ok());
    ASSERT_TRUE(journal->WriteSnapshot({.seq = 10, .payload = "at 10"}).ok());
  }
  RawDatabase(path_).Exec("DELETE FROM journal WHERE seq > 8");
  std::unique_ptr<SqliteJournal> journal = OpenOrDie();
  EXPECT_EQ(journal->LastSeq(), 8u);
  StatusOr<std::optional<Snapshot>> snapshot = journal->LatestSnapshot();
  ASSERT_TRUE(snapshot.ok() && snapshot->has_value());
  EXPECT_EQ((*snapshot)->seq, 4u);
  EXPECT_THAT(journal->CheckIntegrity().message(),
              HasSubstr("snapshot seq 10: beyond the last record of the journal (seq 8)"));
}

// --- Corruption ---------------------------------------------------------------------------

TEST_F(SqliteJournalTest, FlippedPayloadByteIsReportedBySeq) {
  Populate(path_, 20);
  std::string damaged = MakeRecord(7).payload;
  damaged[3] = static_cast<char>(damaged[3] ^ 0x01);
  RawDatabase(path_).SetBlob("journal", "payload", 7, damaged);

  std::unique_ptr<SqliteJournal> journal = OpenOrDie();
  std::vector<JournalRecord> records;
  Status status = ReadAll(*journal, 0, records);
  EXPECT_EQ(status.code(), StatusCode::kDataLoss);
  EXPECT_EQ(status.reason(), "journal_corrupt");
  EXPECT_THAT(status.message(), HasSubstr("record seq 7: checksum mismatch"));
  EXPECT_EQ(records.size(), 6u);  // Nothing from the damaged record on is replayed.
  EXPECT_TRUE(ReadAll(*journal, 7, records).ok());

  status = journal->CheckIntegrity();
  EXPECT_EQ(status.code(), StatusCode::kDataLoss);
  EXPECT_EQ(status.reason(), "journal_corrupt");
  EXPECT_THAT(status.message(), HasSubstr("1 problem: journal: record seq 7: checksum mismatch"));
}

TEST_F(SqliteJournalTest, DamagedKeyOrChecksumIsReported) {
  Populate(path_, 20);
  RawDatabase(path_).SetBlob("journal", "idempotency_key", 9, "device-7/8");
  RawDatabase(path_).Exec("UPDATE journal SET crc = crc + 1 WHERE seq = 12");
  std::unique_ptr<SqliteJournal> journal = OpenOrDie();
  std::vector<JournalRecord> records;
  EXPECT_THAT(ReadAll(*journal, 0, records).message(),
              HasSubstr("record seq 9: checksum mismatch"));
  EXPECT_THAT(ReadAll(*journal, 10, records).message(),
              HasSubstr("record seq 12: checksum mismatch"));
  EXPECT_THAT(journal->CheckIntegrity().message(),
              HasSubstr("2 problems: journal: record seq 9: checksum mismatch; journal: record "
                        "seq 12: checksum mismatch"));
}

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

TEST_F(SqliteJournalTest, DeletedRecordsAreReportedAsGaps) {
  Populate(path_, 20);
  RawDatabase(path_).Exec("DELETE FROM journal WHERE seq = 5 OR seq BETWEEN 11 AND 13");
  std::unique_ptr<SqliteJournal> journal = OpenOrDie();
  EXPECT_EQ(journal->LastSeq(), 20u);
  std::vector<JournalRecord> records;
  Status status = ReadAll(*journal, 0, records);
  EXPECT_EQ(status.code(), StatusCode::kDataLoss);
  EXPECT_EQ(status.reason(), "journal_corrupt");
  EXPECT_THAT(status.message(), HasSubstr("record seq 5 is missing (seq 6 follows seq 4)"));
  EXPECT_EQ(records.size(), 4u);
  EXPECT_THAT(ReadAll(*journal, 5, records).message(), HasSubstr("record seq 11 is missing"));
  EXPECT_THAT(ReadAll(*journal, 10, records).message(), HasSubstr("record seq 11 is missing"));
  EXPECT_TRUE(ReadAll(*journal, 13, records).ok());

  status = journal->CheckIntegrity();
  EXPECT_EQ(status.code(), StatusCode::kDataLoss);
  EXPECT_THAT(status.message(),
              HasSubstr("2 problems: journal: record seq 5 missing (seq 6 follows seq 4); "
                        "journal: record seqs 11 to 13 missing (seq 14 follows seq 10)"));
}

TEST_F(SqliteJournalTest, MissingFirstAndLastRecordsAreReported) {
  Populate(path_, 20);
  std::unique_ptr<SqliteJournal> journal = OpenOrDie();
  RawDatabase(path_).Exec("DELETE FROM journal WHERE seq IN (1, 2, 19, 20)");
  std::vector<JournalRecord> records;
  EXPECT_THAT(ReadAll(*journal, 0, records).message(), HasSubstr("record seq 1 is missing"));
  EXPECT_THAT(ReadAll(*journal, 2, records).message(),
              HasSubstr("record seqs 19 to 20 missing at the end"));
  EXPECT_THAT(journal->CheckIntegrity().message(),
              HasSubstr("journal: record seqs 1 to 2 missing (seq 3 follows seq 0); journal: "
                        "record seqs 19 to 20 missing at the end"));
}

TEST_F(SqliteJournalTest, ManyProblemsAreListedFirstFirstAndCapped) {
  Populate(path_, 100);
  RawDatabase(path_).Exec("UPDATE journal SET crc = crc + 1 WHERE seq > 70");
  std::unique_ptr<SqliteJournal> journal = OpenOrDie();
  const Status status = journal->CheckIntegrity();
  EXPECT_THAT(status.message(), HasSubstr(": 30 problems: journal: record seq 71: checksum "));
  EXPECT_THAT(status.message(), HasSubstr("record seq 90: checksum mismatch; and 10 more"));
  EXPECT_THAT(status.message(), Not(HasSubstr("seq 91")));
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
