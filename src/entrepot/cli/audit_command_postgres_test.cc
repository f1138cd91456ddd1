// `entrepot audit verify|list --store URL --site CODE` as a user runs them: the real binary,
// on a site's audit log in PostgreSQL (written through store::OpenPostgresAuditLog, as
// `serve --store` writes it) and then tampered with through SQL the way whoever administers
// the database could (RET-03). Needs the cluster whose conninfo is in ENTREPOT_TEST_POSTGRES
// (CTest's fixture "postgres"); skips without it.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "entrepot/store/journal_test_util.h"
#include "entrepot/store/postgres_audit_log.h"
#include "entrepot/store/postgres_journal.h"
#include "test_site.h"

namespace entrepot::cli {
namespace {

constexpr int64_t kT0 = 1'767'225'600'000;  // 2026-01-01T00:00:00Z.

using entrepot::testing::CommandResult;
using entrepot::testing::RunEntrepot;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A read of `subject`'s labor data by sup1, `second` seconds after kT0; from the fifth on,
// a device's refused read instead.
privacy::AuditRecord ReadOf(const std::string& subject, uint64_t second) {
  privacy::AuditRecord record;
  record.at_ms = kT0 + static_cast<int64_t>(second) * 1000;
  const bool device = second >= 4;
  record.actor_kind = device ? privacy::PrincipalKind::kDevice : privacy::PrincipalKind::kUser;
  record.actor = device ? "hh-07" : "sup1";
  record.actor_role = device ? std::nullopt : std::optional(privacy::Role::kSupervisor);
  record.action = "read";
  record.data_class = "labor_events";
  record.subject = subject;
  record.resource = "GET /api/v1/workers/" + subject;
  record.outcome = device ? privacy::AuditOutcome::kRefused : privacy::AuditOutcome::kAllowed;
  record.reason = device ? "forbidden" : "";
  return record;
}

class AuditPostgresCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::optional<std::string> url = store::testing::TestPostgresUrl();
    if (!url) {
      GTEST_SKIP() << store::testing::kHowToStartPostgres;
    }
    url_ = *url;
    site_ = store::testing::UniqueSiteCode("audit-cli");
    std::string pattern =
        (std::filesystem::temp_directory_path() / "entrepot-audit-pg-cli-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    // The site exists in the database (its journal registers it), as `serve --store` leaves it.
    StatusOr<std::unique_ptr<store::PostgresJournal>> journal =
        store::PostgresJournal::Open(url_, site_);
    ASSERT_TRUE(journal.ok()) << journal.status().ToString();
    StatusOr<std::unique_ptr<store::AuditLog>> log = store::OpenSiteAuditLog(dir_, url_, site_);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    // Four reads of alice's and bob's data by a supervisor, and one refused to a device.
    for (const char* subject : {"alice", "bob", "alice", "bob", "alice"}) {
      ASSERT_TRUE((*log)->Append(ReadOf(subject, (*log)->Head()->seq)).ok());
    }
  }
  void TearDown() override {
    if (!dir_.empty()) {
      std::filesystem::remove_all(dir_);
    }
  }

  CommandResult Verify() {
    return RunEntrepot({"audit", "verify", "--data", dir_, "--store", url_, "--site", site_});
  }
  void Tamper(const std::string& sql) {
    store::testing::RawPostgres raw(url_);
    ASSERT_EQ(raw.error(), "");
    raw.Exec(sql);
  }
  std::string Where(int seq) const {
    return " WHERE site = '" + site_ + "' AND seq = " + std::to_string(seq);
  }

  std::string url_;
  std::string site_;
  std::string dir_;
};

TEST_F(AuditPostgresCliTest, VerifyPassesOnAnIntactLog) {
  CommandResult result = Verify();
  EXPECT_EQ(result.exit_status, 0) << result.out;
  EXPECT_TRUE(Contains(result.out, "site " + site_ + " intact: 5 records (seq 1 to 5)"))
      << result.out;
  EXPECT_TRUE(Contains(result.out, "; head 5:")) << result.out;
}

TEST_F(AuditPostgresCliTest, VerifyNamesAnEditedPurpose) {
  Tamper("UPDATE entrepot_audit SET purpose = 'discipline'" + Where(3));
  CommandResult result = Verify();
  EXPECT_EQ(result.exit_status, 1) << result.out;
  EXPECT_TRUE(Contains(result.out, "BROKEN at seq 3: edited")) << result.out;
}

TEST_F(AuditPostgresCliTest, VerifyNamesADeletedMiddleRecord) {
  Tamper("DELETE FROM entrepot_audit" + Where(2));
  CommandResult result = Verify();
  EXPECT_EQ(result.exit_status, 1) << result.out;
  EXPECT_TRUE(Contains(result.out, "BROKEN at seq 2: deleted")) << result.out;
}

TEST_F(AuditPostgresCliTest, VerifyWithoutTheKeyFileCannotRun) {
  std::filesystem::remove(dir_ + "/audit.key");
  CommandResult result = Verify();
  EXPECT_EQ(result.exit_status, 2) << result.out;
  EXPECT_TRUE(Contains(result.out, "audit_key_missing")) << result.out;
}

TEST_F(AuditPostgresCliTest, ASiteWithoutALogIsNotFound) {
  const std::string other = store::testing::UniqueSiteCode("audit-cli-none");
  CommandResult result =
      RunEntrepot({"audit", "verify", "--data", dir_, "--store", url_, "--site", other});
  EXPECT_EQ(result.exit_status, 2) << result.out;
  EXPECT_TRUE(Contains(result.out, "audit_log_not_found")) << result.out;
}

TEST_F(AuditPostgresCliTest, ListPrintsTheSitesRecords) {
  CommandResult result = RunEntrepot(
      {"audit", "list", "--data", dir_, "--store", url_, "--site", site_, "--subject", "bob"},
      /*with_stderr=*/false);
  EXPECT_EQ(result.exit_status, 0) << result.out;
  EXPECT_EQ(entrepot::testing::Lines(result.out).size(), 2u) << result.out;
  EXPECT_TRUE(Contains(result.out, "\"actor\":\"sup1\"")) << result.out;
  EXPECT_TRUE(Contains(result.out, "\"subject\":\"bob\"")) << result.out;
}

}  // namespace
}  // namespace entrepot::cli
