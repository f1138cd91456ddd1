// AuditLog on both backends (audit_log_storage.h): DIR/audit.db, and the site's rows in
// PostgreSQL (postgres_audit_log.h) that the nodes of a site share. Appends, queries,
// retention, several writers keeping one chain, and tampering as whoever can write the file
// or the database would (RET-03: edits and deletions are found). The Postgres/ cases need the
// cluster whose conninfo is in ENTREPOT_TEST_POSTGRES (CTest's fixture "postgres") and skip
// without it; CTest runs the Sqlite/ cases as a unit test of their own.
#include "entrepot/store/audit_log.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "entrepot/store/journal_test_util.h"
#include "entrepot/store/postgres_audit_log.h"
#include "entrepot/store/postgres_journal.h"

namespace entrepot::store {
namespace {

using privacy::AuditBreak;
using privacy::AuditRecord;
using privacy::AuditVerifyReport;

constexpr int64_t kT0 = 1'767'225'600'000;  // 2026-01-01T00:00:00Z.

enum class Backend { kSqlite, kPostgres };

AuditRecord Read(const std::string& actor, const std::string& subject, int64_t at_ms) {
  AuditRecord record;
  record.at_ms = at_ms;
  record.actor_kind = privacy::PrincipalKind::kUser;
  record.actor = actor;
  record.actor_role = privacy::Role::kSupervisor;
  record.action = "read";
  record.data_class = "labor_events";
  record.subject = subject;
  record.purpose = "flow_management";
  record.resource = "GET /api/v1/workers/" + subject;
  return record;
}

class AuditLogTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "entrepot-audit-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    if (GetParam() == Backend::kPostgres) {
      std::optional<std::string> url = testing::TestPostgresUrl();
      if (!url) {
        GTEST_SKIP() << testing::kHowToStartPostgres;
      }
      url_ = *url;
      site_ = testing::UniqueSiteCode("audit");
    }
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  StatusOr<std::unique_ptr<AuditLog>> TryOpen(AuditLogOptions options = {},
                                              const std::string& dir = "") {
    return OpenSiteAuditLog(dir.empty() ? dir_ : dir, url_, site_, options);
  }
  std::unique_ptr<AuditLog> OpenLog(AuditLogOptions options = {}) {
    StatusOr<std::unique_ptr<AuditLog>> log = TryOpen(options);
    EXPECT_TRUE(log.ok()) << log.status().ToString();
    return log.ok() ? *std::move(log) : nullptr;
  }

  // A log of `n` reads, one second apart from kT0 + 1 s; closed again.
  void Fill(int n) {
    std::unique_ptr<AuditLog> log = OpenLog();
    ASSERT_NE(log, nullptr);
    for (int i = 1; i <= n; ++i) {
      ASSERT_TRUE(
          log->Append(Read("sup" + std::to_string(i % 3), "w" + std::to_string(i), kT0 + i * 1000))
              .ok());
    }
  }

  // Runs SQL behind the log's back, as whoever can write the file or the database would:
  // $AUDIT names the records' table and $SITE the condition that picks this log's rows.
  void Tamper(std::string sql) {
    const bool pg = GetParam() == Backend::kPostgres;
    Replace(sql, "$AUDIT", pg ? "entrepot_audit" : "audit");
    Replace(sql, "$CHAIN", pg ? "entrepot_audit_chain" : "chain");
    Replace(sql, "$SITE", pg ? "site = '" + site_ + "'" : "1 = 1");
    if (pg) {
      testing::RawPostgres raw(url_);
      ASSERT_EQ(raw.error(), "");
      raw.Exec(sql);
      return;
    }
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_ + "/audit.db").c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
        << (error != nullptr ? error : "") << "\n"
        << sql;
    sqlite3_free(error);
    sqlite3_close(db);
  }

  AuditVerifyReport VerifyFile(std::optional<privacy::AuditCheckpoint> checkpoint = {}) {
    std::unique_ptr<AuditLog> log = OpenLog({.read_only = true});
    if (log == nullptr) {
      return {};
    }
    StatusOr<AuditVerifyReport> report = log->Verify(checkpoint);
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? *report : AuditVerifyReport{};
  }

  static void Replace(std::string& text, const std::string& from, const std::string& to) {
    for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at)) {
      text.replace(at, from.size(), to);
      at += to.size();
    }
  }

  std::string DbPath() const { return dir_ + "/audit.db"; }
  std::string KeyPath() const { return dir_ + "/audit.key"; }

  std::string dir_;
  std::string url_;  // Empty for SQLite: OpenSiteAuditLog then opens DIR/audit.db.
  std::string site_;
};

// SQLite only: the file itself, and SQL that PostgreSQL's tables refuse (a negative seq).
class SqliteAuditLogTest : public AuditLogTest {};

TEST_P(SqliteAuditLogTest, OpenCreatesTheLogAndAPrivateKey) {
  std::unique_ptr<AuditLog> log = OpenLog();
  ASSERT_NE(log, nullptr);
  struct stat info {};
  ASSERT_EQ(stat(KeyPath().c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  // The log itself names who read whose data: its owner only, too.
  ASSERT_EQ(stat(DbPath().c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_EQ(log->KeyCheckHex().size(), 64u);
  StatusOr<privacy::AuditCheckpoint> head = log->Head();
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->seq, 0u);
  StatusOr<AuditVerifyReport> report = log->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->intact()) << report->message;
}

TEST_P(AuditLogTest, AppendsGetConsecutiveSeqsAndSurviveReopening) {
  {
    std::unique_ptr<AuditLog> log = OpenLog();
    ASSERT_NE(log, nullptr);
    EXPECT_EQ(*log->Append(Read("sup1", "alice", kT0)), 1u);
    EXPECT_EQ(*log->Append(Read("sup1", "bob", kT0 + 1)), 2u);
  }
  std::unique_ptr<AuditLog> log = OpenLog();
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(*log->Append(Read("sup2", "alice", kT0 + 2)), 3u);
  StatusOr<AuditVerifyReport> report = log->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->intact()) << report->message;
  EXPECT_EQ(report->records, 3u);
  EXPECT_EQ(report->last_hash, log->Head()->hash);
  StatusOr<AuditPage> page = log->Query({});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->records.size(), 3u);
  AuditRecord expected = Read("sup1", "bob", kT0 + 1);
  expected.seq = 2;
  EXPECT_EQ(page->records[1].record, expected);
}

TEST_P(AuditLogTest, ABadRecordIsRefusedAndNothingIsWritten) {
  std::unique_ptr<AuditLog> log = OpenLog();
  ASSERT_NE(log, nullptr);
  AuditRecord bad = Read("sup1", "alice", kT0);
  bad.purpose = "curiosity";
  EXPECT_EQ(log->Append(bad).status().reason(), "bad_audit_record");
  EXPECT_EQ(log->Head()->seq, 0u);
}

TEST_P(AuditLogTest, TwoWritersOnOneFileKeepOneChain) {
  // As two processes would: each write reads the head inside its transaction.
  std::unique_ptr<AuditLog> first = OpenLog();
  std::unique_ptr<AuditLog> second = OpenLog();
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(first->Append(Read("sup1", "alice", kT0 + i)).ok());
    ASSERT_TRUE(second->Append(Read("sup2", "bob", kT0 + i)).ok());
  }
  EXPECT_EQ(first->Head()->seq, 10u);
  EXPECT_TRUE(VerifyFile().intact());
}

// Tampering through SQL behind the log's back, each found at the right record.

TEST_P(AuditLogTest, AnEditedFieldIsFound) {
  Fill(10);
  Tamper("UPDATE $AUDIT SET purpose = 'discipline' WHERE $SITE AND seq = 3");
  const AuditVerifyReport report = VerifyFile();
  EXPECT_EQ(report.broken, AuditBreak::kEdited);
  EXPECT_EQ(report.broken_seq, 3u);
}

TEST_P(AuditLogTest, AnEditedTimeIsFound) {
  Fill(10);
  Tamper("UPDATE $AUDIT SET at_ms = at_ms + 3600000 WHERE $SITE AND seq = 7");
  const AuditVerifyReport report = VerifyFile();
  EXPECT_EQ(report.broken, AuditBreak::kEdited);
  EXPECT_EQ(report.broken_seq, 7u);
}

TEST_P(AuditLogTest, AnUnreadableValueIsFoundAsAnEdit) {
  Fill(5);
  Tamper("UPDATE $AUDIT SET actor_role = 'emperor' WHERE $SITE AND seq = 2");
  const AuditVerifyReport report = VerifyFile();
  EXPECT_EQ(report.broken, AuditBreak::kEdited);
  EXPECT_EQ(report.broken_seq, 2u);
  EXPECT_NE(report.message.find("emperor"), std::string::npos) << report.message;
}

TEST_P(AuditLogTest, ADeletedMiddleRecordIsFound) {
  Fill(10);
  Tamper("DELETE FROM $AUDIT WHERE $SITE AND seq = 5");
  const AuditVerifyReport report = VerifyFile();
  EXPECT_EQ(report.broken, AuditBreak::kDeleted);
  EXPECT_EQ(report.broken_seq, 5u);
}

TEST_P(SqliteAuditLogTest, ASwappedPairIsFound) {
  Fill(10);
  // Trade the contents (and hashes) of seqs 4 and 5, as an UPDATE that reorders them would.
  Tamper(
      "UPDATE audit SET seq = -4 WHERE seq = 4; UPDATE audit SET seq = 4 WHERE seq = 5; "
      "UPDATE audit SET seq = 5 WHERE seq = -4;");
  const AuditVerifyReport report = VerifyFile();
  EXPECT_EQ(report.broken, AuditBreak::kReordered);
  EXPECT_EQ(report.broken_seq, 4u);
}

TEST_P(AuditLogTest, ATruncatedTailIsFoundByTheHead) {
  Fill(10);
  Tamper("DELETE FROM $AUDIT WHERE $SITE AND seq > 8");
  const AuditVerifyReport report = VerifyFile();
  EXPECT_EQ(report.broken, AuditBreak::kTruncated);
  EXPECT_EQ(report.broken_seq, 9u);
}

TEST_P(AuditLogTest, ATailDeletedWithItsHeadIsFoundByACheckpoint) {
  Fill(10);
  const AuditVerifyReport before = VerifyFile();
  const privacy::AuditCheckpoint checkpoint{before.last_seq, before.last_hash};
  Tamper(
      "DELETE FROM $AUDIT WHERE $SITE AND seq > 8; UPDATE $CHAIN SET head_seq = 8, head_hash = "
      "(SELECT hash FROM $AUDIT WHERE $SITE AND seq = 8) WHERE $SITE");
  EXPECT_TRUE(VerifyFile().intact());  // Consistent in itself: only the checkpoint knows.
  const AuditVerifyReport report = VerifyFile(checkpoint);
  EXPECT_EQ(report.broken, AuditBreak::kTruncated);
  EXPECT_EQ(report.broken_seq, 9u);
}

TEST_P(AuditLogTest, RecordsDeletedFromTheStartAreFound) {
  Fill(10);
  Tamper(
      "UPDATE $CHAIN SET anchor_seq = 3, anchor_hash = (SELECT hash FROM $AUDIT WHERE $SITE AND "
      "seq = 3) WHERE $SITE; "
      "DELETE FROM $AUDIT WHERE $SITE AND seq <= 3");
  const AuditVerifyReport report = VerifyFile();
  EXPECT_EQ(report.broken, AuditBreak::kAnchorMismatch);
}

TEST_P(SqliteAuditLogTest, ALogRechainedWithAnotherKeyIsFound) {
  Fill(10);
  // The forger edits seq 3 and rebuilds every hash from there with a key of their own,
  // and the head with them: everything is consistent except under the real key.
  std::unique_ptr<AuditLog> log = OpenLog();
  ASSERT_NE(log, nullptr);
  std::vector<StoredAuditRecord> records = log->Query({})->records;
  log.reset();
  privacy::AuditKey forger_key;
  forger_key.fill(0x42);
  const privacy::AuditChain forger(forger_key);
  privacy::AuditHash previous = records[1].hash;
  records[2].record.subject = "nobody";
  std::string sql = "UPDATE audit SET subject = 'nobody' WHERE seq = 3;";
  for (size_t i = 2; i < records.size(); ++i) {
    previous = forger.Next(previous, records[i].record);
    sql += "UPDATE audit SET hash = x'" + privacy::AuditHashHex(previous) +
           "' WHERE seq = " + std::to_string(records[i].record.seq) + ";";
  }
  sql += "UPDATE chain SET head_hash = x'" + privacy::AuditHashHex(previous) + "';";
  Tamper(sql);
  const AuditVerifyReport report = VerifyFile();
  EXPECT_EQ(report.broken, AuditBreak::kEdited);
  EXPECT_EQ(report.broken_seq, 3u);
}

TEST_P(AuditLogTest, AnotherKeyFileIsAKeyMismatch) {
  Fill(3);
  std::ofstream(KeyPath(), std::ios::trunc) << std::string(64, 'a') << "\n";
  StatusOr<std::unique_ptr<AuditLog>> writable = TryOpen();
  EXPECT_EQ(writable.status().reason(), "audit_key_mismatch");
  const AuditVerifyReport report = VerifyFile();
  EXPECT_EQ(report.broken, AuditBreak::kKeyMismatch);
}

TEST_P(AuditLogTest, AMissingKeyIsRefusedRatherThanReplaced) {
  Fill(3);
  std::filesystem::remove(KeyPath());
  EXPECT_EQ(TryOpen().status().reason(), "audit_key_missing");
  EXPECT_FALSE(std::filesystem::exists(KeyPath()));
  AuditLogOptions read_only;
  read_only.read_only = true;
  std::unique_ptr<AuditLog> log = OpenLog(read_only);
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->Query({})->records.size(), 3u);  // Reading needs no key.
  EXPECT_EQ(log->Verify().status().reason(), "audit_key_missing");
}

TEST_P(AuditLogTest, AKeyReadableByOthersIsRefused) {
  Fill(1);
  std::filesystem::permissions(KeyPath(), std::filesystem::perms::group_read,
                               std::filesystem::perm_options::add);
  Status status = TryOpen().status();
  EXPECT_EQ(status.reason(), "audit_key_insecure");
  EXPECT_NE(status.message().find("chmod 600"), std::string::npos);
}

TEST_P(AuditLogTest, AGarbledKeyIsCorrupt) {
  Fill(1);
  std::ofstream(KeyPath(), std::ios::trunc) << "not a key\n";
  EXPECT_EQ(TryOpen().status().reason(), "audit_key_corrupt");
}

TEST_P(SqliteAuditLogTest, OpeningWhatIsNotAnAuditLogFails) {
  AuditLogOptions read_only;
  read_only.read_only = true;
  EXPECT_EQ(AuditLog::OpenInDirectory(dir_, read_only).status().reason(), "audit_log_not_found");
  AuditLogOptions no_create;
  no_create.create_if_missing = false;
  EXPECT_EQ(AuditLog::OpenInDirectory(dir_, no_create).status().reason(), "audit_log_not_found");
  Tamper("CREATE TABLE other(x)");  // Another SQLite database at audit.db.
  EXPECT_EQ(AuditLog::OpenInDirectory(dir_, read_only).status().reason(), "not_an_audit_log");
  std::filesystem::remove(DbPath());
  std::ofstream(DbPath()) << std::string(4096, 'x');
  EXPECT_EQ(AuditLog::OpenInDirectory(dir_, read_only).status().reason(), "audit_log_corrupt");
}

TEST_P(AuditLogTest, AReadOnlyLogRefusesWrites) {
  Fill(1);
  AuditLogOptions read_only;
  read_only.read_only = true;
  std::unique_ptr<AuditLog> log = OpenLog(read_only);
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->Append(Read("sup1", "alice", kT0)).status().reason(), "audit_log_read_only");
  EXPECT_EQ(log->PruneBefore(kT0, kT0).status().reason(), "audit_log_read_only");
}

// Retention (RET-03).

TEST_P(AuditLogTest, PruneKeepsTheChainVerifiableAndRecordsItself) {
  Fill(10);  // at kT0 + 1 s .. kT0 + 10 s.
  std::unique_ptr<AuditLog> log = OpenLog();
  ASSERT_NE(log, nullptr);
  StatusOr<AuditPruneResult> pruned = log->PruneBefore(kT0 + 5500, kT0 + 20'000);
  ASSERT_TRUE(pruned.ok()) << pruned.status().ToString();
  EXPECT_EQ(pruned->pruned, 5u);
  EXPECT_EQ(pruned->through_seq, 5u);
  EXPECT_EQ(pruned->record_seq, 11u);
  StatusOr<AuditVerifyReport> report = log->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->intact()) << report->message;
  EXPECT_EQ(report->anchor_seq, 5u);
  EXPECT_EQ(report->records, 6u);

  std::vector<StoredAuditRecord> records = log->Query({})->records;
  ASSERT_EQ(records.size(), 6u);
  EXPECT_EQ(records.front().record.seq, 6u);
  const AuditRecord& prune = records.back().record;
  EXPECT_EQ(prune.action, "prune");
  EXPECT_EQ(prune.actor_kind, privacy::PrincipalKind::kSystem);
  EXPECT_EQ(prune.data_class, "audit_log");
  EXPECT_EQ(prune.purpose, "retention");
  EXPECT_EQ(prune.at_ms, kT0 + 20'000);
  EXPECT_EQ(privacy::ParsePruneThrough(prune.resource), 5u);

  // A second prune that finds nothing still records itself, and the log still verifies.
  StatusOr<AuditPruneResult> again = log->PruneBefore(kT0 + 5500, kT0 + 30'000);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->pruned, 0u);
  EXPECT_EQ(again->through_seq, 5u);
  EXPECT_EQ(again->record_seq, 12u);
  EXPECT_TRUE(log->Verify()->intact());

  // Pruning everything but the prune records keeps it verifiable too.
  StatusOr<AuditPruneResult> all = log->PruneBefore(kT0 + 40'000, kT0 + 40'000);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->through_seq, 12u);
  EXPECT_TRUE(log->Verify()->intact()) << log->Verify()->message;
  EXPECT_EQ(log->Query({})->records.size(), 1u);
}

TEST_P(AuditLogTest, PruneDeletesOnlyAPrefixWhenClocksWentBackwards) {
  std::unique_ptr<AuditLog> log = OpenLog();
  ASSERT_NE(log, nullptr);
  for (int64_t second : {1, 2, 5, 3, 6}) {
    ASSERT_TRUE(log->Append(Read("sup1", "alice", kT0 + second * 1000)).ok());
  }
  // Seq 4 (3 s) is older than the cutoff but follows seq 3 (5 s): it stays.
  StatusOr<AuditPruneResult> pruned = log->PruneBefore(kT0 + 4000, kT0 + 10'000);
  ASSERT_TRUE(pruned.ok());
  EXPECT_EQ(pruned->through_seq, 2u);
  EXPECT_TRUE(log->Verify()->intact());
}

TEST_P(AuditLogTest, PruneRefusesToDeleteABrokenPrefix) {
  Fill(6);
  Tamper("UPDATE $AUDIT SET subject = 'nobody' WHERE $SITE AND seq = 2");
  std::unique_ptr<AuditLog> log = OpenLog();
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->PruneBefore(kT0 + 4500, kT0 + 10'000).status().reason(), "audit_chain_broken");
  EXPECT_EQ(log->Query({})->records.size(), 6u);  // Nothing deleted: the evidence stays.
  EXPECT_EQ(log->Verify()->broken_seq, 2u);
}

TEST_P(AuditLogTest, PruneRefusesACutoffInTheFuture) {
  std::unique_ptr<AuditLog> log = OpenLog();
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->PruneBefore(kT0 + 1, kT0).status().reason(), "bad_prune_time");
  EXPECT_EQ(log->PruneBefore(-1, kT0).status().reason(), "bad_prune_time");
}

// Concurrency: API network threads append at once.

TEST_P(AuditLogTest, ConcurrentAppendsKeepOneValidChain) {
  std::unique_ptr<AuditLog> log = OpenLog();
  ASSERT_NE(log, nullptr);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50;
  std::vector<std::vector<uint64_t>> seqs(kThreads);
  std::atomic<bool> failed{false};
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        StatusOr<uint64_t> seq =
            log->Append(Read("sup" + std::to_string(t), "w" + std::to_string(i), kT0 + i));
        if (!seq.ok()) {
          failed = true;
          return;
        }
        seqs[static_cast<size_t>(t)].push_back(*seq);
      }
    });
  }
  // A reader meanwhile: queries and verifications see a consistent log.
  std::thread reader([&] {
    while (!done) {
      StatusOr<AuditVerifyReport> report = log->Verify();
      if (!report.ok() || !report->intact()) {
        failed = true;
      }
      if (!log->Query({}).ok()) {
        failed = true;
      }
    }
  });
  for (std::thread& thread : threads) {
    thread.join();
  }
  done = true;
  reader.join();
  ASSERT_FALSE(failed);
  std::set<uint64_t> all;
  for (const std::vector<uint64_t>& list : seqs) {
    all.insert(list.begin(), list.end());
  }
  EXPECT_EQ(all.size(), size_t{kThreads * kPerThread});
  EXPECT_EQ(*all.begin(), 1u);
  EXPECT_EQ(*all.rbegin(), uint64_t{kThreads * kPerThread});
  StatusOr<AuditVerifyReport> report = log->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->intact()) << report->message;
  EXPECT_EQ(report->records, uint64_t{kThreads * kPerThread});
}

// Queries.

TEST_P(AuditLogTest, QueryBySubjectIncludesReadsOfEveryone) {
  std::unique_ptr<AuditLog> log = OpenLog();
  ASSERT_NE(log, nullptr);
  ASSERT_TRUE(log->Append(Read("sup1", "alice", kT0)).ok());
  ASSERT_TRUE(log->Append(Read("sup1", "bob", kT0 + 1)).ok());
  AuditRecord list = Read("admin", "*", kT0 + 2);
  list.actor_role = privacy::Role::kAdmin;
  list.data_class = "accounts";
  list.purpose = "account_administration";
  ASSERT_TRUE(log->Append(list).ok());
  AuditQuery query;
  query.subject = "alice";
  std::vector<StoredAuditRecord> records = log->Query(query)->records;
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].record.subject, "alice");
  EXPECT_EQ(records[1].record.subject, "*");
}

TEST_P(AuditLogTest, QueryByActorAndTime) {
  Fill(10);  // Actors sup0, sup1, sup2 in turn, at kT0 + i s.
  std::unique_ptr<AuditLog> log = OpenLog();
  ASSERT_NE(log, nullptr);
  AuditQuery by_actor;
  by_actor.actor = "sup1";
  std::vector<StoredAuditRecord> records = log->Query(by_actor)->records;
  ASSERT_EQ(records.size(), 4u);  // Seqs 1, 4, 7, 10.
  for (const StoredAuditRecord& row : records) {
    EXPECT_EQ(row.record.actor, "sup1");
  }
  AuditQuery by_time;
  by_time.from_ms = kT0 + 3000;
  by_time.to_ms = kT0 + 6000;
  records = log->Query(by_time)->records;
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records.front().record.seq, 3u);
  EXPECT_EQ(records.back().record.seq, 5u);
}

TEST_P(AuditLogTest, QueryPagesBothWays) {
  Fill(25);
  std::unique_ptr<AuditLog> log = OpenLog();
  ASSERT_NE(log, nullptr);
  for (bool newest_first : {false, true}) {
    AuditQuery query;
    query.limit = 10;
    query.newest_first = newest_first;
    std::vector<uint64_t> seen;
    std::vector<size_t> sizes;
    for (int pages = 0; pages < 10; ++pages) {
      StatusOr<AuditPage> page = log->Query(query);
      ASSERT_TRUE(page.ok());
      sizes.push_back(page->records.size());
      for (const StoredAuditRecord& row : page->records) {
        seen.push_back(row.record.seq);
      }
      if (!page->next_cursor) {
        break;
      }
      query.cursor = *page->next_cursor;
    }
    EXPECT_EQ(sizes, (std::vector<size_t>{10, 10, 5})) << newest_first;
    ASSERT_EQ(seen.size(), 25u);
    EXPECT_EQ(seen.front(), newest_first ? 25u : 1u);
    EXPECT_EQ(seen.back(), newest_first ? 1u : 25u);
  }
}

TEST_P(AuditLogTest, AnExactlyFullLastPageHasNoNextCursor) {
  Fill(10);
  std::unique_ptr<AuditLog> log = OpenLog();
  ASSERT_NE(log, nullptr);
  AuditQuery query;
  query.limit = 10;
  StatusOr<AuditPage> page = log->Query(query);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->records.size(), 10u);
  EXPECT_FALSE(page->next_cursor.has_value());
}

TEST_P(AuditLogTest, QueryLimitsAreEnforced) {
  std::unique_ptr<AuditLog> log = OpenLog();
  ASSERT_NE(log, nullptr);
  AuditQuery query;
  query.limit = 0;
  EXPECT_EQ(log->Query(query).status().reason(), "bad_limit");
  query.limit = AuditLog::kMaxPageSize + 1;
  EXPECT_EQ(log->Query(query).status().reason(), "bad_limit");
  query.limit = AuditLog::kMaxPageSize;
  EXPECT_TRUE(log->Query(query).ok());
  query.from_ms = kT0 + 1;
  query.to_ms = kT0;
  EXPECT_EQ(log->Query(query).status().reason(), "bad_query");
  AuditQuery long_name;
  long_name.subject = std::string(65, 'a');
  EXPECT_EQ(log->Query(long_name).status().reason(), "bad_query");
}

TEST_P(AuditLogTest, QueryReportsAnUnreadableRowAsDataLoss) {
  Fill(3);
  Tamper("UPDATE $AUDIT SET outcome = 'maybe' WHERE $SITE AND seq = 2");
  std::unique_ptr<AuditLog> log = OpenLog();
  ASSERT_NE(log, nullptr);
  Status status = log->Query({}).status();
  EXPECT_EQ(status.reason(), "audit_log_corrupt");
  EXPECT_NE(status.message().find("seq 2"), std::string::npos) << status.message();
}

TEST_P(AuditLogTest, ReadOnlyOpenOfAMissingLogIsNotFoundAndCreatesNothing) {
  EXPECT_EQ(TryOpen({.read_only = true}).status().reason(), "audit_log_not_found");
  EXPECT_EQ(TryOpen({.create_if_missing = false}).status().reason(), "audit_log_not_found");
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/audit.key"));
}

TEST_P(AuditLogTest, ConcurrentWritersOnTwoConnectionsKeepOneChain) {
  Fill(1);
  constexpr int kWriters = 4;
  constexpr int kEach = 25;
  std::vector<std::unique_ptr<AuditLog>> logs;
  for (int i = 0; i < kWriters; ++i) {
    logs.push_back(OpenLog());
    ASSERT_NE(logs.back(), nullptr);
  }
  std::vector<std::thread> threads;
  std::vector<std::vector<uint64_t>> seqs(kWriters);
  for (int i = 0; i < kWriters; ++i) {
    threads.emplace_back([&, i] {
      for (int j = 0; j < kEach; ++j) {
        StatusOr<uint64_t> seq =
            logs[static_cast<size_t>(i)]->Append(Read("sup" + std::to_string(i), "w", kT0 + j));
        if (seq.ok()) {
          seqs[static_cast<size_t>(i)].push_back(*seq);
        } else {
          ADD_FAILURE() << seq.status().ToString();
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  std::set<uint64_t> all;
  for (const std::vector<uint64_t>& mine : seqs) {
    all.insert(mine.begin(), mine.end());
  }
  EXPECT_EQ(all.size(), static_cast<size_t>(kWriters * kEach));
  EXPECT_EQ(*all.begin(), 2u);
  EXPECT_EQ(*all.rbegin(), static_cast<uint64_t>(kWriters * kEach + 1));
  AuditVerifyReport report = VerifyFile();
  EXPECT_TRUE(report.intact()) << report.message;
  EXPECT_EQ(report.records, static_cast<uint64_t>(kWriters * kEach + 1));
}

// Two processes, as two nodes of one site would be (each with its own connections).
TEST_P(AuditLogTest, TwoProcessesAppendingConcurrentlyKeepOneChain) {
  Fill(1);  // Creates the log and the key file the children share.
  constexpr int kEach = 40;
  std::vector<pid_t> children;
  for (int child = 0; child < 2; ++child) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      StatusOr<std::unique_ptr<AuditLog>> log = TryOpen();
      bool ok = log.ok();
      for (int j = 0; ok && j < kEach; ++j) {
        ok = (*log)->Append(Read("node" + std::to_string(child), "w", kT0 + j)).ok();
      }
      _exit(ok ? 0 : 1);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  AuditVerifyReport report = VerifyFile();
  EXPECT_TRUE(report.intact()) << report.message;
  EXPECT_EQ(report.records, static_cast<uint64_t>(2 * kEach + 1));
  EXPECT_EQ(report.last_seq, static_cast<uint64_t>(2 * kEach + 1));
}

INSTANTIATE_TEST_SUITE_P(Sqlite, AuditLogTest, ::testing::Values(Backend::kSqlite));
INSTANTIATE_TEST_SUITE_P(Postgres, AuditLogTest, ::testing::Values(Backend::kPostgres));
INSTANTIATE_TEST_SUITE_P(Sqlite, SqliteAuditLogTest, ::testing::Values(Backend::kSqlite));

// PostgreSQL only: what a database administrator could do, and the schema's upgrade path.
class PostgresAuditLogTest : public AuditLogTest {};

TEST_P(PostgresAuditLogTest, ADeletedChainRowIsCorruptionNotANewLog) {
  Fill(3);
  Tamper("DELETE FROM $CHAIN WHERE $SITE");
  EXPECT_EQ(TryOpen().status().reason(), "audit_log_corrupt");
  EXPECT_EQ(TryOpen({.read_only = true}).status().reason(), "audit_log_corrupt");
}

TEST_P(PostgresAuditLogTest, AnotherSitesLogIsAnotherChain) {
  Fill(3);
  const std::string first_site = site_;
  site_ = testing::UniqueSiteCode("audit-other");
  Fill(2);  // Same key file (same DIR), another site: its own seqs from 1.
  std::unique_ptr<AuditLog> log = OpenLog({.read_only = true});
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->Head()->seq, 2u);
  EXPECT_TRUE(VerifyFile().intact());
  site_ = first_site;
  EXPECT_EQ(VerifyFile().records, 3u);
  EXPECT_EQ(OpenPostgresAuditLog(url_, "bad site", dir_ + "/audit.key").status().reason(),
            "bad_site_code");
}

TEST_P(PostgresAuditLogTest, ADatabaseOfSchemaTwoGainsTheAuditTables) {
  const std::string database = "entrepot_audit_upgrade_" + std::to_string(getpid());
  url_ = testing::CreateDatabase(url_, database);
  {
    StatusOr<std::unique_ptr<PostgresJournal>> journal = PostgresJournal::Open(url_, site_);
    ASSERT_TRUE(journal.ok()) << journal.status().ToString();
    ASSERT_TRUE((*journal)->Append(testing::MakeBatch(1, 2)).ok());
  }
  {
    // Back to what the build before the audit tables left: schema version 2.
    testing::RawPostgres raw(url_);
    raw.Exec(
        "DROP TABLE entrepot_audit, entrepot_audit_chain, entrepot_account_notice_acks, "
        "entrepot_account_device_sessions, entrepot_account_sessions, "
        "entrepot_account_devices, entrepot_account_users, "
        "entrepot_labor_scans, entrepot_labor_sessions, entrepot_labor_closed_days, "
        "entrepot_labor_assignments, entrepot_labor_weekly, entrepot_labor_team_weekly, "
        "entrepot_labor_team_leads, entrepot_labor_keys_to_destroy, entrepot_labor_query_history, "
        "entrepot_epcis_counters, entrepot_epcis_capture_jobs, entrepot_epcis_events");
    raw.Exec("DELETE FROM entrepot_schema_migrations WHERE version > 2");
  }
  // Reading cannot migrate: there is no log yet.
  EXPECT_EQ(TryOpen({.read_only = true}).status().reason(), "audit_log_not_found");
  Fill(3);
  {
    testing::RawPostgres raw(url_);
    EXPECT_EQ(raw.QueryInt("SELECT max(version) FROM entrepot_schema_migrations"),
              PostgresJournal::kSchemaVersion);
    EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM entrepot_audit"), 3);
  }
  EXPECT_TRUE(VerifyFile().intact());
  StatusOr<std::unique_ptr<PostgresJournal>> journal = PostgresJournal::Open(url_, site_);
  ASSERT_TRUE(journal.ok()) << journal.status().ToString();
  EXPECT_EQ((*journal)->LastSeq(), 2u);
  journal->reset();
  testing::DropDatabase(*testing::TestPostgresUrl(), database);
}

INSTANTIATE_TEST_SUITE_P(Postgres, PostgresAuditLogTest, ::testing::Values(Backend::kPostgres));

}  // namespace
}  // namespace entrepot::store
