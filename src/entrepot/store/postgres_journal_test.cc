// PostgresJournal's own cases, beyond the Journal contract (journal_contract_test.cc): schema
// migrations, connection failures, and what the conninfo and site code may be. Needs the
// cluster whose conninfo is in ENTREPOT_TEST_POSTGRES (CTest's fixture "postgres"); fails
// when it is set and unreachable, skips when it is not set.
#include "entrepot/store/postgres_journal.h"

#include <unistd.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "entrepot/store/journal_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace entrepot::store {
namespace {

using ::testing::AnyOf;
using testing::ExpectSameRecords;
using ::testing::HasSubstr;
using testing::MakeBatch;
using ::testing::Not;
using testing::ReadAll;

class PostgresJournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::optional<std::string> url = testing::TestPostgresUrl();
    if (!url) {
      GTEST_SKIP() << testing::kHowToStartPostgres;
    }
    url_ = *url;
    raw_ = std::make_unique<testing::RawPostgres>(url_);
    ASSERT_TRUE(raw_->error().empty()) << "ENTREPOT_TEST_POSTGRES is set but unreachable";
    site_ = testing::UniqueSiteCode("pg");
  }

  // A database of this test's own, without the schema; dropped at the end of the test.
  std::string FreshDatabase() {
    database_ = "entrepot_fresh_" + std::to_string(::getpid());
    return testing::CreateDatabase(url_, database_);
  }
  void TearDown() override {
    if (!database_.empty()) {
      testing::DropDatabase(url_, database_);
    }
  }

  std::unique_ptr<PostgresJournal> OpenOrDie(PostgresJournal::Options options = {}) {
    StatusOr<std::unique_ptr<PostgresJournal>> journal =
        PostgresJournal::Open(url_, site_, std::move(options));
    EXPECT_TRUE(journal.ok()) << journal.status().ToString();
    return journal.ok() ? std::move(journal).value() : nullptr;
  }

  std::string url_;
  std::string site_;
  std::string database_;
  std::unique_ptr<testing::RawPostgres> raw_;
};

TEST_F(PostgresJournalTest, NodesOpeningTogetherMigrateTheSchemaOnce) {
  const std::string fresh = FreshDatabase();
  constexpr int kNodes = 6;
  std::vector<Status> results(kNodes);
  std::vector<std::thread> nodes;
  for (int i = 0; i < kNodes; ++i) {
    nodes.emplace_back([&, i] {
      StatusOr<std::unique_ptr<PostgresJournal>> journal =
          PostgresJournal::Open(fresh, "SITE-" + std::to_string(i));
      results[static_cast<size_t>(i)] = journal.status();
    });
  }
  for (std::thread& node : nodes) {
    node.join();
  }
  for (const Status& result : results) {
    EXPECT_TRUE(result.ok()) << result.ToString();
  }
  testing::RawPostgres raw(fresh);
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM entrepot_schema_migrations"),
            PostgresJournal::kSchemaVersion);
  EXPECT_EQ(raw.QueryInt("SELECT max(version) FROM entrepot_schema_migrations"),
            PostgresJournal::kSchemaVersion);
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM entrepot_sites"), kNodes);
  StatusOr<std::vector<std::string>> sites = PostgresJournal::ListSites(fresh);
  ASSERT_TRUE(sites.ok()) << sites.status().ToString();
  EXPECT_EQ(sites->size(), static_cast<size_t>(kNodes));
  EXPECT_EQ(sites->front(), "SITE-0");
}

TEST_F(PostgresJournalTest, ReadOnlyOpenOfADatabaseWithoutTheSchemaCreatesNothing) {
  const std::string fresh = FreshDatabase();
  StatusOr<std::unique_ptr<PostgresJournal>> journal =
      PostgresJournal::Open(fresh, site_, {.read_only = true});
  EXPECT_EQ(journal.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(journal.status().reason(), "journal_not_found");
  EXPECT_THAT(journal.status().message(), HasSubstr("no Entrepôt journal"));
  testing::RawPostgres raw(fresh);
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'entrepot%'"), 0);
  StatusOr<std::vector<std::string>> sites = PostgresJournal::ListSites(fresh);
  ASSERT_TRUE(sites.ok());
  EXPECT_TRUE(sites->empty());
}

TEST_F(PostgresJournalTest, SchemaOfANewerBuildIsRefused) {
  const std::string fresh = FreshDatabase();
  ASSERT_TRUE(PostgresJournal::Open(fresh, site_).ok());
  const std::string future = std::to_string(PostgresJournal::kSchemaVersion + 1);
  testing::RawPostgres(fresh).Exec(
      "INSERT INTO entrepot_schema_migrations(version, description) VALUES(" + future +
      ", 'future')");
  for (bool read_only : {false, true}) {
    StatusOr<std::unique_ptr<PostgresJournal>> journal =
        PostgresJournal::Open(fresh, site_, {.read_only = read_only});
    EXPECT_EQ(journal.status().code(), StatusCode::kFailedPrecondition);
    EXPECT_EQ(journal.status().reason(), "unsupported_format");
    EXPECT_THAT(journal.status().message(), HasSubstr("version " + future));
  }
}

TEST_F(PostgresJournalTest, ADatabaseOfTheFirstSchemaGainsTheLaterTablesAndKeepsItsRecords) {
  const std::string fresh = FreshDatabase();
  {
    StatusOr<std::unique_ptr<PostgresJournal>> journal = PostgresJournal::Open(fresh, site_);
    ASSERT_TRUE(journal.ok()) << journal.status().ToString();
    ASSERT_TRUE((*journal)->Append(MakeBatch(1, 2)).ok());
  }
  // Back to what the first build left: schema version 1, no lease, audit, account, labor or
  // EPCIS tables.
  testing::RawPostgres raw(fresh);
  raw.Exec(
      "DROP TABLE entrepot_leases, entrepot_audit, entrepot_audit_chain, "
      "entrepot_account_notice_acks, entrepot_account_device_sessions, "
      "entrepot_account_sessions, entrepot_account_devices, entrepot_account_users, "
      "entrepot_labor_scans, entrepot_labor_sessions, entrepot_labor_closed_days, "
      "entrepot_labor_assignments, entrepot_labor_weekly, entrepot_labor_team_weekly, "
      "entrepot_labor_team_leads, entrepot_labor_keys_to_destroy, entrepot_labor_query_history, "
      "entrepot_epcis_counters, entrepot_epcis_capture_jobs, entrepot_epcis_events");
  raw.Exec("DELETE FROM entrepot_schema_migrations WHERE version > 1");
  StatusOr<std::unique_ptr<PostgresJournal>> journal = PostgresJournal::Open(fresh, site_);
  ASSERT_TRUE(journal.ok()) << journal.status().ToString();
  EXPECT_EQ((*journal)->LastSeq(), 2u);
  EXPECT_EQ(raw.QueryInt("SELECT max(version) FROM entrepot_schema_migrations"),
            PostgresJournal::kSchemaVersion);
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM entrepot_leases"), 0);
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM entrepot_audit_chain"), 0);
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM entrepot_audit"), 0);
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM entrepot_account_users"), 0);
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM entrepot_account_devices"), 0);
  EXPECT_EQ(raw.QueryInt("SELECT count(*) FROM entrepot_labor_sessions"), 0);
}

// Design note 5: the COMMIT was sent but its answer never came.
TEST_F(PostgresJournalTest, ConnectionLostDuringCommitNeedsAReopen) {
  bool kill = false;
  int pid = 0;
  PostgresJournal::Options options;
  options.before_commit_for_testing = [&] {
    if (kill) {
      raw_->Exec("SELECT pg_terminate_backend(" + std::to_string(pid) + ")");
      // Termination is asynchronous: wait until the backend is gone.
      for (int i = 0;
           i < 500 && raw_->QueryInt("SELECT count(*) FROM pg_stat_activity WHERE pid = " +
                                     std::to_string(pid)) != 0;
           ++i) {
        usleep(10'000);
      }
    }
  };
  std::unique_ptr<PostgresJournal> journal = OpenOrDie(options);
  ASSERT_NE(journal, nullptr);
  pid = journal->BackendPid();
  ASSERT_TRUE(journal->Append(MakeBatch(1, 5)).ok());

  kill = true;
  Status status = journal->Append(MakeBatch(6, 5));
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_EQ(status.reason(), "commit_outcome_unknown");
  EXPECT_THAT(status.message(), HasSubstr("append seqs 6 to 10"));
  EXPECT_EQ(journal->LastSeq(), 5u);
  kill = false;
  // Until reopened, the journal refuses writes: their seqs would rest on a guess.
  EXPECT_EQ(journal->Append(MakeBatch(6, 5)).reason(), "journal_needs_reopen");
  EXPECT_EQ(journal->WriteSnapshot({.seq = 5, .payload = "s"}).reason(), "journal_needs_reopen");

  journal = OpenOrDie();
  const uint64_t last_seq = journal->LastSeq();
  EXPECT_THAT(last_seq, AnyOf(5u, 10u));
  std::vector<JournalRecord> records;
  ASSERT_TRUE(ReadAll(*journal, 0, records).ok());
  ExpectSameRecords(records, 1, last_seq);
  ASSERT_TRUE(journal->Append(MakeBatch(last_seq + 1, 2)).ok());
  EXPECT_TRUE(journal->CheckIntegrity().ok());
}

TEST_F(PostgresJournalTest, ConnectionLostBetweenBatchesIsUnavailableAndNothingIsWritten) {
  std::unique_ptr<PostgresJournal> journal = OpenOrDie();
  ASSERT_TRUE(journal->Append(MakeBatch(1, 3)).ok());
  raw_->Exec("SELECT pg_terminate_backend(" + std::to_string(journal->BackendPid()) + ")");
  for (int i = 0; i < 500 && raw_->QueryInt("SELECT count(*) FROM pg_stat_activity WHERE pid = " +
                                            std::to_string(journal->BackendPid())) != 0;
       ++i) {
    usleep(10'000);
  }
  const Status status = journal->Append(MakeBatch(4, 2));
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_EQ(status.reason(), "journal_unavailable");
  EXPECT_EQ(journal->Append(MakeBatch(4, 2)).reason(), "journal_needs_reopen");
  std::vector<JournalRecord> records;
  EXPECT_EQ(ReadAll(*journal, 0, records).reason(), "journal_unavailable");
  journal = OpenOrDie();
  EXPECT_EQ(journal->LastSeq(), 3u);
}

TEST_F(PostgresJournalTest, UnreachableServerIsUnavailableAndThePasswordIsNeverShown) {
  const StatusOr<std::unique_ptr<PostgresJournal>> journal = PostgresJournal::Open(
      "postgresql://someone:s3cret-pw@127.0.0.1:1/entrepot", site_, {.connect_timeout_s = 2});
  EXPECT_EQ(journal.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(journal.status().reason(), "journal_unavailable");
  EXPECT_THAT(journal.status().message(), HasSubstr("postgresql://someone@127.0.0.1:1/entrepot"));
  EXPECT_THAT(journal.status().message(), Not(HasSubstr("s3cret")));
}

TEST_F(PostgresJournalTest, BadUrlOrSiteCodeIsRefusedBeforeConnecting) {
  EXPECT_EQ(PostgresJournal::Open("postgresql://[::1", site_).status().reason(), "bad_store_url");
  EXPECT_EQ(PostgresJournal::Open("host=x nonsense=1", site_).status().reason(), "bad_store_url");
  for (const std::string& site : std::vector<std::string>{"", "a b", "x'y", std::string(65, 'A')}) {
    const Status status = PostgresJournal::Open(url_, site).status();
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << site;
    EXPECT_EQ(status.reason(), "bad_site_code") << site;
  }
  EXPECT_TRUE(PostgresJournal::IsStoreUrl("postgresql://h/db"));
  EXPECT_TRUE(PostgresJournal::IsStoreUrl("postgres://h/db"));
  EXPECT_FALSE(PostgresJournal::IsStoreUrl("/var/lib/entrepot"));
}

TEST_F(PostgresJournalTest, RecordsAreStoredUnderTheSiteWithTheirChecksums) {
  std::unique_ptr<PostgresJournal> journal = OpenOrDie();
  ASSERT_TRUE(journal->Append(MakeBatch(1, 4)).ok());
  EXPECT_EQ(journal->Site(), site_);
  EXPECT_THAT(journal->Description(), HasSubstr("site " + site_));
  EXPECT_EQ(raw_->QueryInt("SELECT count(*) FROM entrepot_journal WHERE site = '" + site_ +
                           "' AND crc BETWEEN 0 AND 4294967295"),
            4);
  // Seq 2 has no key (MakeRecord): stored as NULL, as SqliteJournal does.
  EXPECT_EQ(raw_->QueryInt("SELECT count(*) FROM entrepot_journal WHERE site = '" + site_ +
                           "' AND idempotency_key IS NULL"),
            2);
}

}  // namespace
}  // namespace entrepot::store
