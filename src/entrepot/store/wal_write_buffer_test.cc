// The WAL write buffer on real files: a commit reaches the WAL in a few large writes, SQLite
// reads back what it wrote mid-transaction, a commit is in the files as soon as it returns,
// and a failed write of the buffer fails the commit.
#include "entrepot/store/wal_write_buffer.h"

#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include "entrepot/store/fault_injection_vfs.h"
#include "gtest/gtest.h"

namespace entrepot::store {
namespace {

class WalWriteBufferTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "wal_write_buffer_test.XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    testing::RegisterFaultInjectionVfs();
    testing::ClearFaults();
  }
  void TearDown() override {
    for (sqlite3* db : open_) {
      sqlite3_close(db);
    }
    testing::ClearFaults();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  // A WAL-mode database `name` in the test directory, through `vfs`, with table t.
  sqlite3* Open(const std::string& name, const char* vfs) {
    sqlite3* db = nullptr;
    const int rc =
        sqlite3_open_v2((dir_ + "/" + name).c_str(), &db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, vfs);
    open_.push_back(db);
    EXPECT_EQ(rc, SQLITE_OK) << sqlite3_errmsg(db);
    Exec(db,
         "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
         "CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, body BLOB NOT NULL)");
    return db;
  }
  static void Exec(sqlite3* db, const std::string& sql) {
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
        << sql << ": " << sqlite3_errmsg(db);
  }
  static std::string Query(sqlite3* db, const std::string& sql) {
    sqlite3_stmt* statement = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db);
    std::string value;
    if (sqlite3_step(statement) == SQLITE_ROW) {
      const unsigned char* text = sqlite3_column_text(statement, 0);
      value = text == nullptr ? "NULL" : reinterpret_cast<const char*>(text);
    }
    sqlite3_finalize(statement);
    return value;
  }
  // One transaction of `rows` rows of about `bytes` each.
  static void InsertRows(sqlite3* db, int rows, int bytes) {
    Exec(db, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " +
                 std::to_string(rows) + ") INSERT INTO t(body) SELECT randomblob(" +
                 std::to_string(bytes) + ") FROM n");
  }
  // A digest of table t that any connection can compute.
  static std::string Digest(sqlite3* db) {
    return Query(db,
                 "SELECT count(*) || ':' || sum(length(body)) || ':' || "
                 "sum(unicode(substr(hex(body), 7, 1)) * id) FROM t");
  }

  std::string dir_;
  std::vector<sqlite3*> open_;
};

TEST_F(WalWriteBufferTest, CommitReachesTheWalInFarFewerWritesThanFrames) {
  // The same transaction of about 1 MiB (some 260 frames), with and without the buffer, over
  // the counting VFS.
  sqlite3* direct = Open("direct.db", testing::kFaultInjectionVfsName);
  testing::ClearFaults();
  InsertRows(direct, 1000, 1000);
  const int direct_writes = testing::WalWrites();

  sqlite3* buffered = Open("buffered.db", WalWriteBufferVfs(testing::kFaultInjectionVfsName));
  testing::ClearFaults();
  InsertRows(buffered, 1000, 1000);
  const int buffered_writes = testing::WalWrites();

  EXPECT_GT(direct_writes, 400);  // A header and a page per frame.
  // 64 KiB pieces: about 17 for the transaction.
  EXPECT_LE(buffered_writes, 30) << "direct: " << direct_writes;
  EXPECT_EQ(Query(direct, "SELECT count(*) FROM t"), "1000");
  EXPECT_EQ(Query(buffered, "SELECT count(*) FROM t"), "1000");
}

TEST_F(WalWriteBufferTest, TransactionLargerThanItsCacheReadsBackWhatItWrote) {
  // A page cache of 8 pages makes SQLite spill frames to the WAL before the commit, read
  // them back and write some of them again.
  sqlite3* db = Open("spill.db", WalWriteBufferVfs(""));
  Exec(db, "PRAGMA cache_size=8; BEGIN");
  InsertRows(db, 2000, 700);
  Exec(db, "UPDATE t SET body = randomblob(600) WHERE id % 3 = 0");
  Exec(db, "DELETE FROM t WHERE id % 7 = 0");
  const std::string inside = Digest(db);
  Exec(db, "COMMIT");

  sqlite3* reader = Open("spill.db", nullptr);
  EXPECT_EQ(Digest(reader), inside);
  EXPECT_EQ(Query(reader, "PRAGMA integrity_check"), "ok");
}

TEST_F(WalWriteBufferTest, CommittedRowsAreInTheFilesWhileTheWriterIsStillOpen) {
  // What a kill -9 right after the commit would leave: the files as they are.
  sqlite3* db = Open("live.db", WalWriteBufferVfs(""));
  InsertRows(db, 500, 300);
  const std::string committed = Digest(db);

  std::filesystem::copy_file(dir_ + "/live.db", dir_ + "/copy.db");
  std::filesystem::copy_file(dir_ + "/live.db-wal", dir_ + "/copy.db-wal");
  sqlite3* copy = Open("copy.db", nullptr);
  EXPECT_EQ(Digest(copy), committed);
}

TEST_F(WalWriteBufferTest, FailedWriteOfTheBufferFailsTheCommitAndChangesNothing) {
  sqlite3* db = Open("failing.db", WalWriteBufferVfs(testing::kFaultInjectionVfsName));
  InsertRows(db, 100, 300);
  const std::string before = Digest(db);

  testing::FailWrites(1);
  Exec(db, "BEGIN");
  InsertRows(db, 100, 300);
  EXPECT_NE(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  EXPECT_EQ(testing::FaultsFired(), 1);
  sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);  // If the commit left it open.
  testing::ClearFaults();

  EXPECT_EQ(Digest(db), before);
  InsertRows(db, 10, 300);  // The connection goes on.
  sqlite3* reader = Open("failing.db", nullptr);
  EXPECT_EQ(Digest(reader), Digest(db));
  EXPECT_EQ(Query(reader, "PRAGMA integrity_check"), "ok");
}

}  // namespace
}  // namespace entrepot::store
