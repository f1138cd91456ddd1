// The Journal contract (store/journal.h), run with the same cases against every backend:
// SqliteJournal and PostgresJournal. A backend gives the cases a way to open the journal of
// a site and to damage what it stored behind its back. The PostgreSQL cases need the
// cluster whose conninfo is in ENTREPOT_TEST_POSTGRES (CTest's fixture "postgres" sets it);
// they fail when it is set and the server cannot be reached, and skip, saying how to start
// one, when it is not set at all.
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "entrepot/base/status_macros.h"
#include "entrepot/store/journal.h"
#include "entrepot/store/journal_test_util.h"
#include "entrepot/store/postgres_journal.h"
#include "entrepot/store/sqlite_journal.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace entrepot::store {
namespace {

using testing::ExpectSameRecords;
using ::testing::HasSubstr;
using testing::MakeBatch;
using testing::MakeRecord;
using ::testing::Not;
using testing::ReadAll;

// Both backends enforce store::CheckAppendLimits (journal.h), the same limits, so that a
// site migrated from SQLite to PostgreSQL meets them too.

struct OpenOptions {
  bool read_only = false;
  bool create_if_missing = true;
  size_t max_snapshot_bytes = size_t{512} << 20;
};

enum class Table { kJournal, kSnapshot };

// One backend under test. `site` is a logical name ("main", "other"); the backend maps it
// to a file or to a site code of its own.
class Backend {
 public:
  virtual ~Backend() = default;
  // Called by SetUp: nullopt when the backend can run, else why the test is skipped. Adds a
  // failure when the backend is configured but broken.
  virtual std::optional<std::string> Prepare() = 0;
  virtual StatusOr<std::unique_ptr<Journal>> Open(const std::string& site,
                                                  const OpenOptions& options) = 0;

  // Behind the journal's back. `condition` is an SQL condition on `seq`.
  virtual void UpdateRecords(const std::string& site, const std::string& assignment,
                             const std::string& condition) = 0;
  virtual void DeleteRecords(const std::string& site, const std::string& condition) = 0;
  virtual void SetBytes(Table table, const std::string& column, const std::string& site,
                        uint64_t seq, const std::string& bytes) = 0;
  // Inserts a record with `seq` as another writer would (wrong crc, it does not matter).
  virtual void InsertForeignRecord(const std::string& site, uint64_t seq) = 0;
  // SELECT `expression` over the site's rows of `table`.
  virtual int64_t Query(Table table, const std::string& site, const std::string& expression) = 0;
};

// A SQLite file per site in a fresh directory.
class SqliteBackend final : public Backend {
 public:
  ~SqliteBackend() override {
    if (!dir_.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);
    }
  }
  std::optional<std::string> Prepare() override {
    std::string pattern = ::testing::TempDir() + "journal_contract_test.XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      ADD_FAILURE() << "mkdtemp failed";
      return std::nullopt;
    }
    dir_ = pattern;
    return std::nullopt;
  }
  StatusOr<std::unique_ptr<Journal>> Open(const std::string& site,
                                          const OpenOptions& options) override {
    SqliteJournal::Options sqlite_options;
    sqlite_options.read_only = options.read_only;
    sqlite_options.create_if_missing = options.create_if_missing;
    sqlite_options.max_snapshot_bytes = options.max_snapshot_bytes;
    ENTREPOT_ASSIGN_OR_RETURN(std::unique_ptr<SqliteJournal> journal,
                              SqliteJournal::Open(Path(site), sqlite_options));
    return std::unique_ptr<Journal>(std::move(journal));
  }
  void UpdateRecords(const std::string& site, const std::string& assignment,
                     const std::string& condition) override {
    Exec(site, "UPDATE journal SET " + assignment + " WHERE " + condition);
  }
  void DeleteRecords(const std::string& site, const std::string& condition) override {
    Exec(site, "DELETE FROM journal WHERE " + condition);
  }
  void SetBytes(Table table, const std::string& column, const std::string& site, uint64_t seq,
                const std::string& bytes) override {
    sqlite3* db = Connect(site);
    const std::string sql =
        "UPDATE " + TableName(table) + " SET " + column + " = ?1 WHERE seq = ?2";
    sqlite3_stmt* statement = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr), SQLITE_OK);
    sqlite3_bind_blob(statement, 1, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int64(statement, 2, static_cast<int64_t>(seq));
    EXPECT_EQ(sqlite3_step(statement), SQLITE_DONE);
    EXPECT_EQ(sqlite3_changes(db), 1);
    sqlite3_finalize(statement);
    sqlite3_close_v2(db);
  }
  void InsertForeignRecord(const std::string& site, uint64_t seq) override {
    Exec(site,
         "INSERT INTO journal(seq, payload, crc) VALUES(" + std::to_string(seq) + ", x'00', 0)");
  }
  int64_t Query(Table table, const std::string& site, const std::string& expression) override {
    sqlite3* db = Connect(site);
    const std::string sql = "SELECT " + expression + " FROM " + TableName(table);
    sqlite3_stmt* statement = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr), SQLITE_OK) << sql;
    EXPECT_EQ(sqlite3_step(statement), SQLITE_ROW) << sql;
    const int64_t value = sqlite3_column_int64(statement, 0);
    sqlite3_finalize(statement);
    sqlite3_close_v2(db);
    return value;
  }

 private:
  std::string Path(const std::string& site) const { return dir_ + "/" + site + ".journal"; }
  static std::string TableName(Table table) {
    return table == Table::kJournal ? "journal" : "snapshot";
  }
  sqlite3* Connect(const std::string& site) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(Path(site).c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
    return db;
  }
  void Exec(const std::string& site, const std::string& sql) {
    sqlite3* db = Connect(site);
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
        << sql << ": " << sqlite3_errmsg(db);
    sqlite3_close_v2(db);
  }

  std::string dir_;
};

// The sites of one test in the cluster's shared database, under site codes of their own.
class PostgresBackend final : public Backend {
 public:
  ~PostgresBackend() override {
    if (raw_ != nullptr && raw_->error().empty()) {
      for (const auto& [logical, code] : codes_) {
        raw_->Exec("DELETE FROM entrepot_journal WHERE site = '" + code + "'");
        raw_->Exec("DELETE FROM entrepot_snapshots WHERE site = '" + code + "'");
        raw_->Exec("DELETE FROM entrepot_sites WHERE site = '" + code + "'");
      }
    }
  }
  std::optional<std::string> Prepare() override {
    std::optional<std::string> url = testing::TestPostgresUrl();
    if (!url) {
      return std::string(testing::kHowToStartPostgres);
    }
    url_ = *url;
    // Set but unreachable: RawPostgres adds the failure (a broken fixture must not pass).
    raw_ = std::make_unique<testing::RawPostgres>(url_);
    return std::nullopt;
  }
  StatusOr<std::unique_ptr<Journal>> Open(const std::string& site,
                                          const OpenOptions& options) override {
    PostgresJournal::Options pg_options;
    pg_options.read_only = options.read_only;
    pg_options.create_if_missing = options.create_if_missing;
    pg_options.max_snapshot_bytes = options.max_snapshot_bytes;
    ENTREPOT_ASSIGN_OR_RETURN(std::unique_ptr<PostgresJournal> journal,
                              PostgresJournal::Open(url_, Code(site), pg_options));
    return std::unique_ptr<Journal>(std::move(journal));
  }
  void UpdateRecords(const std::string& site, const std::string& assignment,
                     const std::string& condition) override {
    raw_->Exec("UPDATE entrepot_journal SET " + assignment + " WHERE site = '" + Code(site) +
               "' AND (" + condition + ")");
  }
  void DeleteRecords(const std::string& site, const std::string& condition) override {
    raw_->Exec("DELETE FROM entrepot_journal WHERE site = '" + Code(site) + "' AND (" + condition +
               ")");
  }
  void SetBytes(Table table, const std::string& column, const std::string& site, uint64_t seq,
                const std::string& bytes) override {
    raw_->SetBytes(TableName(table), column, Code(site), seq, bytes);
  }
  void InsertForeignRecord(const std::string& site, uint64_t seq) override {
    raw_->Exec("INSERT INTO entrepot_journal(site, seq, payload, crc) VALUES('" + Code(site) +
               "', " + std::to_string(seq) + ", '\\x00', 0)");
  }
  int64_t Query(Table table, const std::string& site, const std::string& expression) override {
    return raw_->QueryInt("SELECT " + expression + " FROM " + TableName(table) + " WHERE site = '" +
                          Code(site) + "'");
  }

 private:
  static std::string TableName(Table table) {
    return table == Table::kJournal ? "entrepot_journal" : "entrepot_snapshots";
  }
  const std::string& Code(const std::string& site) {
    auto [it, inserted] = codes_.try_emplace(site);
    if (inserted) {
      it->second = testing::UniqueSiteCode(site);
    }
    return it->second;
  }

  std::string url_;
  std::unique_ptr<testing::RawPostgres> raw_;
  std::map<std::string, std::string> codes_;
};

struct BackendParam {
  const char* name;
  std::function<std::unique_ptr<Backend>()> make;
};

class JournalContractTest : public ::testing::TestWithParam<BackendParam> {
 protected:
  void SetUp() override {
    backend_ = GetParam().make();
    if (std::optional<std::string> skip = backend_->Prepare()) {
      GTEST_SKIP() << *skip;
    }
  }

  std::unique_ptr<Journal> OpenOrDie(OpenOptions options = {}, const std::string& site = "main") {
    StatusOr<std::unique_ptr<Journal>> journal = backend_->Open(site, options);
    EXPECT_TRUE(journal.ok()) << journal.status().ToString();
    return journal.ok() ? std::move(journal).value() : nullptr;
  }

  // Appends records 1..count in batches of 100 and closes the journal.
  void Populate(uint64_t count, const std::string& site = "main") {
    std::unique_ptr<Journal> journal = OpenOrDie({}, site);
    ASSERT_NE(journal, nullptr);
    for (uint64_t first = 1; first <= count; first += 100) {
      ASSERT_TRUE(
          journal->Append(MakeBatch(first, std::min<uint64_t>(100, count - first + 1))).ok());
    }
  }

  std::unique_ptr<Backend> backend_;
};

// --- The round trip -------------------------------------------------------------------------

TEST_P(JournalContractTest, NewJournalIsEmpty) {
  std::unique_ptr<Journal> journal = OpenOrDie();
  ASSERT_NE(journal, nullptr);
  EXPECT_EQ(journal->LastSeq(), 0u);
  std::vector<JournalRecord> records;
  EXPECT_TRUE(ReadAll(*journal, 0, records).ok());
  EXPECT_TRUE(records.empty());
  StatusOr<std::optional<Snapshot>> snapshot = journal->LatestSnapshot();
  ASSERT_TRUE(snapshot.ok());
  EXPECT_FALSE(snapshot->has_value());
  EXPECT_TRUE(journal->CheckIntegrity().ok());
  EXPECT_EQ(journal->Read(1).status().reason(), "no_such_record");
}

TEST_P(JournalContractTest, AppendedRecordsScanBackInOrder) {
  std::unique_ptr<Journal> journal = OpenOrDie();
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

// More records than PostgresJournal reads per query, and batches larger than SqliteJournal's
// rows per INSERT.
TEST_P(JournalContractTest, LargeBatchesScanBackWhole) {
  std::unique_ptr<Journal> journal = OpenOrDie();
  ASSERT_TRUE(journal->Append(MakeBatch(1, 2500)).ok());
  ASSERT_TRUE(journal->Append(MakeBatch(2501, 33)).ok());
  std::vector<JournalRecord> records;
  ASSERT_TRUE(ReadAll(*journal, 0, records).ok());
  ExpectSameRecords(records, 1, 2533);
  ASSERT_TRUE(ReadAll(*journal, 1023, records).ok());
  ExpectSameRecords(records, 1024, 2533);
  EXPECT_TRUE(journal->CheckIntegrity().ok());
}

TEST_P(JournalContractTest, RecordsAndLastSeqSurviveReopen) {
  {
    std::unique_ptr<Journal> journal = OpenOrDie();
    ASSERT_TRUE(journal->Append(MakeBatch(1, 10)).ok());
    ASSERT_TRUE(journal->Append(MakeBatch(11, 5)).ok());
  }
  std::unique_ptr<Journal> journal = OpenOrDie();
  EXPECT_EQ(journal->LastSeq(), 15u);
  std::vector<JournalRecord> records;
  ASSERT_TRUE(ReadAll(*journal, 0, records).ok());
  ExpectSameRecords(records, 1, 15);
  ASSERT_TRUE(journal->Append(MakeBatch(16, 1)).ok());
  EXPECT_EQ(journal->LastSeq(), 16u);
  EXPECT_TRUE(journal->CheckIntegrity().ok());
}

TEST_P(JournalContractTest, EmptyPayloadsKeysAndNulBytesRoundTrip) {
  std::unique_ptr<Journal> journal = OpenOrDie();
  std::vector<JournalRecord> batch(3);
  batch[0] = {.seq = 1, .idempotency_key = "", .payload = ""};
  batch[1] = {
      .seq = 2, .idempotency_key = std::string("k\0y", 3), .payload = std::string("\0\0\xff", 3)};
  batch[2] = {.seq = 3,
              .idempotency_key = std::string(kMaxIdempotencyKeyBytes, 'k'),
              .payload = std::string(kMaxPayloadBytes, 'p')};
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
  StatusOr<JournalRecord> read = journal->Read(2);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->payload, batch[1].payload);
  EXPECT_TRUE(journal->CheckIntegrity().ok());
}

TEST_P(JournalContractTest, EmptyBatchIsANoOp) {
  std::unique_ptr<Journal> journal = OpenOrDie();
  EXPECT_TRUE(journal->Append({}).ok());
  EXPECT_EQ(journal->LastSeq(), 0u);
}

TEST_P(JournalContractTest, ScanStopsAtTheVisitorsErrorAndReturnsIt) {
  std::unique_ptr<Journal> journal = OpenOrDie();
  ASSERT_TRUE(journal->Append(MakeBatch(1, 10)).ok());
  std::vector<uint64_t> seen;
  const Status status = journal->Scan(0, [&seen](const JournalRecord& record) {
    seen.push_back(record.seq);
    return record.seq == 4 ? Error(StatusCode::kAborted, "stop_here", "enough") : OkStatus();
  });
  EXPECT_EQ(status.reason(), "stop_here");
  EXPECT_EQ(seen, (std::vector<uint64_t>{1, 2, 3, 4}));
  std::vector<JournalRecord> records;
  ASSERT_TRUE(ReadAll(*journal, 0, records).ok());
  EXPECT_EQ(records.size(), 10u);
}

TEST_P(JournalContractTest, AVisitorMayScanAgain) {
  std::unique_ptr<Journal> journal = OpenOrDie();
  ASSERT_TRUE(journal->Append(MakeBatch(1, 5)).ok());
  size_t inner_records = 0;
  const Status status = journal->Scan(0, [&](const JournalRecord& outer) {
    std::vector<JournalRecord> inner;
    ENTREPOT_RETURN_IF_ERROR(ReadAll(*journal, outer.seq, inner));
    inner_records += inner.size();
    return OkStatus();
  });
  EXPECT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(inner_records, 4u + 3 + 2 + 1 + 0);
}

TEST_P(JournalContractTest, ReadFindsOneRecordBySeq) {
  Populate(20);
  backend_->UpdateRecords("main", "crc = crc + 1", "seq = 7");
  backend_->DeleteRecords("main", "seq = 9");
  std::unique_ptr<Journal> journal = OpenOrDie();
  for (uint64_t seq : {1u, 8u, 20u}) {
    StatusOr<JournalRecord> record = journal->Read(seq);
    ASSERT_TRUE(record.ok()) << record.status().ToString();
    EXPECT_EQ(record->seq, seq);
    EXPECT_EQ(record->idempotency_key, MakeRecord(seq).idempotency_key);
    EXPECT_EQ(record->payload, MakeRecord(seq).payload);
  }
  EXPECT_EQ(journal->Read(0).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(journal->Read(21).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(journal->Read(7).status().reason(), "journal_corrupt");
  EXPECT_THAT(journal->Read(7).status().message(), HasSubstr("record seq 7: checksum mismatch"));
  EXPECT_EQ(journal->Read(9).status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(journal->Read(9).status().message(), HasSubstr("record seq 9 is missing"));
}

// --- Limits and preconditions -------------------------------------------------------------

TEST_P(JournalContractTest, TooManyRecordsInABatchAreRefused) {
  std::unique_ptr<Journal> journal = OpenOrDie();
  std::vector<JournalRecord> batch(kMaxBatchRecords + 1);
  for (size_t i = 0; i < batch.size(); ++i) {
    batch[i].seq = i + 1;
  }
  const Status status = journal->Append(batch);
  EXPECT_EQ(status.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(status.reason(), "batch_too_large");
  EXPECT_EQ(journal->LastSeq(), 0u);
  batch.pop_back();
  EXPECT_TRUE(journal->Append(batch).ok());
  EXPECT_EQ(journal->LastSeq(), kMaxBatchRecords);
}

TEST_P(JournalContractTest, TooManyBytesInABatchAreRefused) {
  std::unique_ptr<Journal> journal = OpenOrDie();
  const size_t count = kMaxBatchBytes / kMaxPayloadBytes + 1;
  std::vector<JournalRecord> batch(count);
  for (size_t i = 0; i < count; ++i) {
    batch[i].seq = i + 1;
    batch[i].payload.assign(kMaxPayloadBytes, 'x');
  }
  const Status status = journal->Append(batch);
  EXPECT_EQ(status.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(status.reason(), "batch_too_large");
  EXPECT_THAT(status.message(), HasSubstr("bytes"));
  EXPECT_EQ(journal->LastSeq(), 0u);
}

TEST_P(JournalContractTest, OversizedPayloadOrKeyIsRefusedAndNothingIsWritten) {
  std::unique_ptr<Journal> journal = OpenOrDie();
  std::vector<JournalRecord> batch = MakeBatch(1, 3);
  batch[2].payload.assign(kMaxPayloadBytes + 1, 'x');
  Status status = journal->Append(batch);
  EXPECT_EQ(status.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(status.reason(), "record_too_large");
  EXPECT_THAT(status.message(), HasSubstr("seq 3"));

  batch = MakeBatch(1, 3);
  batch[1].idempotency_key.assign(kMaxIdempotencyKeyBytes + 1, 'k');
  status = journal->Append(batch);
  EXPECT_EQ(status.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(status.reason(), "idempotency_key_too_long");
  EXPECT_EQ(journal->LastSeq(), 0u);
  EXPECT_EQ(backend_->Query(Table::kJournal, "main", "count(*)"), 0);
}

TEST_P(JournalContractTest, OversizedSnapshotIsRefused) {
  std::unique_ptr<Journal> journal = OpenOrDie({.max_snapshot_bytes = 100});
  const Status status = journal->WriteSnapshot({.seq = 0, .payload = std::string(101, 's')});
  EXPECT_EQ(status.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(status.reason(), "snapshot_too_large");
  EXPECT_FALSE(journal->LatestSnapshot()->has_value());
  EXPECT_TRUE(journal->WriteSnapshot({.seq = 0, .payload = std::string(100, 's')}).ok());
}

TEST_P(JournalContractTest, AppendWithTheWrongSeqIsAProgrammerError) {
  std::unique_ptr<Journal> journal = OpenOrDie();
  ASSERT_TRUE(journal->Append(MakeBatch(1, 2)).ok());
  EXPECT_DEATH((void)journal->Append(MakeBatch(4, 1)), "check failed");
  EXPECT_DEATH((void)journal->Append(MakeBatch(2, 1)), "check failed");
  std::vector<JournalRecord> not_consecutive = MakeBatch(3, 2);
  not_consecutive[1].seq = 5;
  EXPECT_DEATH((void)journal->Append(not_consecutive), "check failed");
  EXPECT_EQ(journal->LastSeq(), 2u);
}

TEST_P(JournalContractTest, SnapshotBeyondLastSeqIsAProgrammerError) {
  std::unique_ptr<Journal> journal = OpenOrDie();
  ASSERT_TRUE(journal->Append(MakeBatch(1, 2)).ok());
  EXPECT_DEATH((void)journal->WriteSnapshot({.seq = 3, .payload = "s"}), "check failed");
}

// --- Read-only journals and other writers ---------------------------------------------------

TEST_P(JournalContractTest, ReadOnlyOpenOfAMissingSiteIsNotFound) {
  Populate(3, "other");  // The store exists; the site does not.
  for (OpenOptions options : {OpenOptions{.read_only = true},
                              OpenOptions{.read_only = false, .create_if_missing = false}}) {
    StatusOr<std::unique_ptr<Journal>> journal = backend_->Open("main", options);
    EXPECT_EQ(journal.status().code(), StatusCode::kNotFound);
    EXPECT_EQ(journal.status().reason(), "journal_not_found");
  }
}

TEST_P(JournalContractTest, ReadOnlyJournalReadsButRefusesWritesAndStaysUnchanged) {
  Populate(30);
  {
    std::unique_ptr<Journal> writer = OpenOrDie();
    ASSERT_TRUE(writer->WriteSnapshot({.seq = 30, .payload = "state at 30"}).ok());
  }
  std::unique_ptr<Journal> journal = OpenOrDie({.read_only = true});
  ASSERT_NE(journal, nullptr);
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

TEST_P(JournalContractTest, ReaderSeesCommittedRecordsWhileTheWriterAppends) {
  std::unique_ptr<Journal> writer = OpenOrDie();
  ASSERT_TRUE(writer->Append(MakeBatch(1, 10)).ok());
  std::unique_ptr<Journal> reader = OpenOrDie({.read_only = true});
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

TEST_P(JournalContractTest, FailureInTheMiddleOfABatchRollsBackTheWholeBatch) {
  std::unique_ptr<Journal> journal = OpenOrDie();
  ASSERT_TRUE(journal->Append(MakeBatch(1, 3)).ok());
  // Another writer sneaks in seq 6, so the batch 4..8 cannot be stored whole.
  backend_->InsertForeignRecord("main", 6);
  const Status status = journal->Append(MakeBatch(4, 5));
  EXPECT_EQ(status.code(), StatusCode::kInternal);
  EXPECT_EQ(status.reason(), "concurrent_writer");
  EXPECT_THAT(status.message(), HasSubstr("another process is appending"));
  EXPECT_EQ(journal->LastSeq(), 3u);
  EXPECT_EQ(backend_->Query(Table::kJournal, "main", "count(*)"), 4);

  backend_->DeleteRecords("main", "seq = 6");
  ASSERT_TRUE(journal->Append(MakeBatch(4, 5)).ok());
  journal.reset();
  journal = OpenOrDie();
  std::vector<JournalRecord> records;
  ASSERT_TRUE(ReadAll(*journal, 0, records).ok());
  ExpectSameRecords(records, 1, 8);
}

TEST_P(JournalContractTest, SecondWriterOnTheSameSiteIsRefusedWithoutDamage) {
  std::unique_ptr<Journal> first = OpenOrDie();
  std::unique_ptr<Journal> second = OpenOrDie();
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

// Two sites of one store (one PostgreSQL database; two files for SQLite) never see each
// other's records, snapshots or damage.
TEST_P(JournalContractTest, TwoSitesAreKeptApart) {
  std::unique_ptr<Journal> main = OpenOrDie({}, "main");
  std::unique_ptr<Journal> other = OpenOrDie({}, "other");
  ASSERT_NE(other, nullptr);
  ASSERT_TRUE(main->Append(MakeBatch(1, 10)).ok());
  std::vector<JournalRecord> other_batch = MakeBatch(1, 3);
  for (JournalRecord& record : other_batch) {
    record.payload = "other " + record.payload;
  }
  ASSERT_TRUE(other->Append(other_batch).ok());
  ASSERT_TRUE(main->WriteSnapshot({.seq = 10, .payload = "main at 10"}).ok());
  ASSERT_TRUE(other->WriteSnapshot({.seq = 2, .payload = "other at 2"}).ok());
  EXPECT_EQ(main->LastSeq(), 10u);
  EXPECT_EQ(other->LastSeq(), 3u);
  std::vector<JournalRecord> records;
  ASSERT_TRUE(ReadAll(*other, 0, records).ok());
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[2].payload, other_batch[2].payload);
  EXPECT_EQ((*main->LatestSnapshot())->payload, "main at 10");
  EXPECT_EQ((*other->LatestSnapshot())->payload, "other at 2");

  backend_->SetBytes(Table::kJournal, "payload", "other", 2, "damaged");
  EXPECT_TRUE(main->CheckIntegrity().ok());
  EXPECT_THAT(other->CheckIntegrity().message(), HasSubstr("record seq 2: checksum mismatch"));
  main.reset();
  other.reset();
  EXPECT_EQ(OpenOrDie({.read_only = true}, "main")->LastSeq(), 10u);
  EXPECT_EQ(OpenOrDie({.read_only = true}, "other")->LastSeq(), 3u);
}

// --- Snapshots ----------------------------------------------------------------------------

TEST_P(JournalContractTest, KeepsTheNewestTwoSnapshots) {
  std::unique_ptr<Journal> journal = OpenOrDie();
  ASSERT_TRUE(journal->Append(MakeBatch(1, 10)).ok());
  for (uint64_t seq : {2u, 4u, 6u, 8u}) {
    ASSERT_TRUE(journal->WriteSnapshot({.seq = seq, .payload = "at " + std::to_string(seq)}).ok());
  }
  StatusOr<std::optional<Snapshot>> snapshot = journal->LatestSnapshot();
  ASSERT_TRUE(snapshot.ok() && snapshot->has_value());
  EXPECT_EQ((*snapshot)->seq, 8u);
  EXPECT_EQ((*snapshot)->payload, "at 8");
  EXPECT_EQ(backend_->Query(Table::kSnapshot, "main", "count(*)"), 2);
  EXPECT_EQ(backend_->Query(Table::kSnapshot, "main", "min(seq)"), 6);
}

TEST_P(JournalContractTest, SnapshotWithTheSameSeqIsReplaced) {
  std::unique_ptr<Journal> journal = OpenOrDie();
  ASSERT_TRUE(journal->Append(MakeBatch(1, 4)).ok());
  ASSERT_TRUE(journal->WriteSnapshot({.seq = 2, .payload = "first"}).ok());
  ASSERT_TRUE(journal->WriteSnapshot({.seq = 4, .payload = "old"}).ok());
  ASSERT_TRUE(journal->WriteSnapshot({.seq = 4, .payload = "new"}).ok());
  StatusOr<std::optional<Snapshot>> snapshot = journal->LatestSnapshot();
  ASSERT_TRUE(snapshot.ok() && snapshot->has_value());
  EXPECT_EQ((*snapshot)->payload, "new");
  EXPECT_EQ(backend_->Query(Table::kSnapshot, "main", "count(*)"), 2);
}

TEST_P(JournalContractTest, DamagedNewestSnapshotFallsBackToTheOlderOne) {
  {
    std::unique_ptr<Journal> journal = OpenOrDie();
    ASSERT_TRUE(journal->Append(MakeBatch(1, 10)).ok());
    ASSERT_TRUE(journal->WriteSnapshot({.seq = 5, .payload = "state at 5"}).ok());
    ASSERT_TRUE(journal->WriteSnapshot({.seq = 10, .payload = "state at 10"}).ok());
  }
  backend_->SetBytes(Table::kSnapshot, "payload", "main", 10, "state at 1O");
  std::unique_ptr<Journal> journal = OpenOrDie();
  StatusOr<std::optional<Snapshot>> snapshot = journal->LatestSnapshot();
  ASSERT_TRUE(snapshot.ok() && snapshot->has_value());
  EXPECT_EQ((*snapshot)->seq, 5u);
  EXPECT_EQ((*snapshot)->payload, "state at 5");
  const Status integrity = journal->CheckIntegrity();
  EXPECT_EQ(integrity.code(), StatusCode::kDataLoss);
  EXPECT_THAT(integrity.message(), HasSubstr("snapshot seq 10: checksum mismatch"));

  backend_->SetBytes(Table::kSnapshot, "payload", "main", 5, "");
  snapshot = journal->LatestSnapshot();
  ASSERT_TRUE(snapshot.ok());
  EXPECT_FALSE(snapshot->has_value());
}

TEST_P(JournalContractTest, SnapshotBeyondTheJournalIsSkippedAndReported) {
  {
    std::unique_ptr<Journal> journal = OpenOrDie();
    ASSERT_TRUE(journal->Append(MakeBatch(1, 10)).ok());
    ASSERT_TRUE(journal->WriteSnapshot({.seq = 4, .payload = "at 4"}).ok());
    ASSERT_TRUE(journal->WriteSnapshot({.seq = 10, .payload = "at 10"}).ok());
  }
  backend_->DeleteRecords("main", "seq > 8");
  std::unique_ptr<Journal> journal = OpenOrDie();
  EXPECT_EQ(journal->LastSeq(), 8u);
  StatusOr<std::optional<Snapshot>> snapshot = journal->LatestSnapshot();
  ASSERT_TRUE(snapshot.ok() && snapshot->has_value());
  EXPECT_EQ((*snapshot)->seq, 4u);
  EXPECT_THAT(journal->CheckIntegrity().message(),
              HasSubstr("snapshot seq 10: beyond the last record of the journal (seq 8)"));
}

// --- Corruption ---------------------------------------------------------------------------

TEST_P(JournalContractTest, FlippedPayloadByteIsReportedBySeq) {
  Populate(20);
  std::string damaged = MakeRecord(7).payload;
  damaged[3] = static_cast<char>(damaged[3] ^ 0x01);
  backend_->SetBytes(Table::kJournal, "payload", "main", 7, damaged);

  std::unique_ptr<Journal> journal = OpenOrDie();
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

TEST_P(JournalContractTest, DamagedKeyOrChecksumIsReported) {
  Populate(20);
  backend_->SetBytes(Table::kJournal, "idempotency_key", "main", 9, "device-7/8");
  backend_->UpdateRecords("main", "crc = crc + 1", "seq = 12");
  std::unique_ptr<Journal> journal = OpenOrDie();
  std::vector<JournalRecord> records;
  EXPECT_THAT(ReadAll(*journal, 0, records).message(),
              HasSubstr("record seq 9: checksum mismatch"));
  EXPECT_THAT(ReadAll(*journal, 10, records).message(),
              HasSubstr("record seq 12: checksum mismatch"));
  EXPECT_THAT(journal->CheckIntegrity().message(),
              HasSubstr("2 problems: journal: record seq 9: checksum mismatch; journal: record "
                        "seq 12: checksum mismatch"));
}

TEST_P(JournalContractTest, DeletedRecordsAreReportedAsGaps) {
  Populate(20);
  backend_->DeleteRecords("main", "seq = 5 OR seq BETWEEN 11 AND 13");
  std::unique_ptr<Journal> journal = OpenOrDie();
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

TEST_P(JournalContractTest, MissingFirstAndLastRecordsAreReported) {
  Populate(20);
  std::unique_ptr<Journal> journal = OpenOrDie();
  backend_->DeleteRecords("main", "seq IN (1, 2, 19, 20)");
  std::vector<JournalRecord> records;
  EXPECT_THAT(ReadAll(*journal, 0, records).message(), HasSubstr("record seq 1 is missing"));
  EXPECT_THAT(ReadAll(*journal, 2, records).message(),
              HasSubstr("record seqs 19 to 20 missing at the end"));
  EXPECT_THAT(journal->CheckIntegrity().message(),
              HasSubstr("journal: record seqs 1 to 2 missing (seq 3 follows seq 0); journal: "
                        "record seqs 19 to 20 missing at the end"));
}

TEST_P(JournalContractTest, ManyProblemsAreListedFirstFirstAndCapped) {
  Populate(100);
  backend_->UpdateRecords("main", "crc = crc + 1", "seq > 70");
  std::unique_ptr<Journal> journal = OpenOrDie();
  const Status status = journal->CheckIntegrity();
  EXPECT_THAT(status.message(), HasSubstr(": 30 problems: journal: record seq 71: checksum "));
  EXPECT_THAT(status.message(), HasSubstr("record seq 90: checksum mismatch; and 10 more"));
  EXPECT_THAT(status.message(), Not(HasSubstr("seq 91")));
}

INSTANTIATE_TEST_SUITE_P(Sqlite, JournalContractTest,
                         ::testing::Values(BackendParam{
                             "Sqlite", [] { return std::make_unique<SqliteBackend>(); }}),
                         [](const auto& param_info) { return std::string(param_info.param.name); });
INSTANTIATE_TEST_SUITE_P(Postgres, JournalContractTest,
                         ::testing::Values(BackendParam{
                             "Postgres", [] { return std::make_unique<PostgresBackend>(); }}),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

}  // namespace
}  // namespace entrepot::store
