// WalCheckpointer on a real database file: the writer's connection stops checkpointing, the
// checkpointer's thread does it once the WAL passes its threshold, and the writer's own
// automatic checkpoint comes back when the checkpointer goes.
#include "entrepot/store/wal_checkpointer.h"

#include <sqlite3.h>
#include <stdlib.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "gtest/gtest.h"

namespace entrepot::store {
namespace {

constexpr int kPageBytes = 4096;

class WalCheckpointerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "wal_checkpointer_test.XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = dir_ + "/data.db";
    ASSERT_EQ(
        sqlite3_open_v2(path_.c_str(), &writer_,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr),
        SQLITE_OK);
    Exec("PRAGMA page_size=" + std::to_string(kPageBytes) +
         "; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
         "CREATE TABLE t(id INTEGER PRIMARY KEY, body BLOB NOT NULL)");
  }
  void TearDown() override {
    sqlite3_close(writer_);
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  void Exec(const std::string& sql) {
    ASSERT_EQ(sqlite3_exec(writer_, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
        << sql << ": " << sqlite3_errmsg(writer_);
  }
  // Commits `commits` transactions of one row of about two pages each.
  void Write(int commits) {
    for (int i = 0; i < commits; ++i) {
      Exec("INSERT INTO t(body) VALUES(zeroblob(" + std::to_string(2 * kPageBytes) + "))");
    }
  }
  // The size of the database file itself, which only a checkpoint makes grow.
  uintmax_t DatabaseFileBytes() const { return std::filesystem::file_size(path_); }

  std::string dir_;
  std::string path_;
  sqlite3* writer_ = nullptr;
};

// Waits up to 10 s for the first checkpoint.
bool AwaitCheckpoint(const WalCheckpointer& checkpointer) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (checkpointer.stats().checkpoints == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

TEST_F(WalCheckpointerTest, TheWriterNoLongerCheckpointsItself) {
  StatusOr<std::unique_ptr<WalCheckpointer>> checkpointer =
      WalCheckpointer::Start(writer_, path_, nullptr, /*wal_pages=*/1'000'000);
  ASSERT_TRUE(checkpointer.ok()) << checkpointer.status().ToString();
  const uintmax_t before = DatabaseFileBytes();

  Write(1'500);  // About 3,000 pages: three times SQLite's automatic threshold.

  EXPECT_EQ(DatabaseFileBytes(), before);
  EXPECT_EQ((*checkpointer)->stats().checkpoints, 0u);
}

TEST_F(WalCheckpointerTest, ItsThreadCheckpointsOnceTheWalPassesTheThreshold) {
  StatusOr<std::unique_ptr<WalCheckpointer>> checkpointer =
      WalCheckpointer::Start(writer_, path_, nullptr, /*wal_pages=*/100);
  ASSERT_TRUE(checkpointer.ok()) << checkpointer.status().ToString();

  Write(100);  // About 200 pages.

  ASSERT_TRUE(AwaitCheckpoint(**checkpointer));
  EXPECT_GE(DatabaseFileBytes(), uintmax_t{50} * 2 * kPageBytes);
  EXPECT_EQ((*checkpointer)->stats().failures, 0u);
}

TEST_F(WalCheckpointerTest, AStoppedCheckpointerGivesTheWriterItsAutomaticCheckpointBack) {
  StatusOr<std::unique_ptr<WalCheckpointer>> checkpointer =
      WalCheckpointer::Start(writer_, path_, nullptr, /*wal_pages=*/1'000'000);
  ASSERT_TRUE(checkpointer.ok()) << checkpointer.status().ToString();
  checkpointer->reset();
  const uintmax_t before = DatabaseFileBytes();

  Write(1'500);

  EXPECT_GT(DatabaseFileBytes(), before);
}

TEST_F(WalCheckpointerTest, AMissingDatabaseIsAnErrorAndNothingIsCreated) {
  const std::string missing = dir_ + "/missing.db";

  StatusOr<std::unique_ptr<WalCheckpointer>> checkpointer =
      WalCheckpointer::Start(writer_, missing, nullptr);

  ASSERT_FALSE(checkpointer.ok());
  EXPECT_EQ(checkpointer.status().code(), StatusCode::kUnavailable);
  EXPECT_FALSE(std::filesystem::exists(missing));
}

}  // namespace
}  // namespace entrepot::store
