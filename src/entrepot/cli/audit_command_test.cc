// `entrepot audit verify`, `entrepot audit list` and `entrepot policy register` as a user runs
// them: the real binary, on an audit log written through store::AuditLog and then tampered
// with through SQLite (RET-03), and on the shipped examples/policies/.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "entrepot/store/audit_log.h"
#include "test_site.h"

namespace entrepot::cli {
namespace {

constexpr int64_t kT0 = 1'767'225'600'000;  // 2026-01-01T00:00:00Z.

using testing::CommandResult;
using testing::Lines;
using testing::RunEntrepot;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class AuditCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "entrepot-audit-cli-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    // Six reads by a supervisor, about alice and bob in turn, and one list of all users.
    StatusOr<std::unique_ptr<store::AuditLog>> log = store::AuditLog::OpenInDirectory(dir_);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    for (int i = 1; i <= 6; ++i) {
      privacy::AuditRecord record;
      record.at_ms = kT0 + i * 1000;
      record.actor = "sup1";
      record.actor_role = privacy::Role::kSupervisor;
      record.action = "read";
      record.data_class = "labor_events";
      record.subject = i % 2 == 1 ? "alice" : "bob";
      record.purpose = "flow_management";
      record.resource = "GET /api/v1/workers/" + record.subject;
      ASSERT_TRUE((*log)->Append(record).ok());
    }
    privacy::AuditRecord list;
    list.at_ms = kT0 + 7000;
    list.actor = "root";
    list.actor_role = privacy::Role::kAdmin;
    list.action = "read";
    list.data_class = "accounts";
    list.subject = "*";
    list.purpose = "account_administration";
    list.resource = "GET /api/v1/users";
    ASSERT_TRUE((*log)->Append(list).ok());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void Tamper(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_ + "/audit.db").c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
        << (error != nullptr ? error : "");
    sqlite3_free(error);
    sqlite3_close(db);
  }

  std::string dir_;
};

TEST_F(AuditCliTest, VerifyPassesOnAnIntactLogWithAOneLineSummary) {
  CommandResult result = RunEntrepot({"audit", "verify", "--data", dir_});
  EXPECT_EQ(result.exit_status, 0) << result.out;
  EXPECT_EQ(Lines(result.out).size(), 1u) << result.out;
  EXPECT_TRUE(Contains(result.out, "intact: 7 records (seq 1 to 7)")) << result.out;
  EXPECT_TRUE(Contains(result.out, "; head 7:")) << result.out;
}

TEST_F(AuditCliTest, VerifyNamesAnEditedRecord) {
  Tamper("UPDATE audit SET subject = 'carol' WHERE seq = 3");
  CommandResult result = RunEntrepot({"audit", "verify", "--data", dir_});
  EXPECT_EQ(result.exit_status, 1) << result.out;
  EXPECT_TRUE(Contains(result.out, "BROKEN at seq 3: edited")) << result.out;
  EXPECT_TRUE(Contains(result.out, "2 records verified before it")) << result.out;
}

TEST_F(AuditCliTest, VerifyNamesADeletedRecord) {
  Tamper("DELETE FROM audit WHERE seq = 4");
  CommandResult result = RunEntrepot({"audit", "verify", "--data", dir_});
  EXPECT_EQ(result.exit_status, 1) << result.out;
  EXPECT_TRUE(Contains(result.out, "BROKEN at seq 4: deleted")) << result.out;
}

TEST_F(AuditCliTest, VerifyNamesASwappedPair) {
  Tamper(
      "UPDATE audit SET seq = -2 WHERE seq = 2; UPDATE audit SET seq = 2 WHERE seq = 3; "
      "UPDATE audit SET seq = 3 WHERE seq = -2;");
  CommandResult result = RunEntrepot({"audit", "verify", "--data", dir_});
  EXPECT_EQ(result.exit_status, 1) << result.out;
  EXPECT_TRUE(Contains(result.out, "BROKEN at seq 2: reordered")) << result.out;
}

TEST_F(AuditCliTest, VerifyNamesATruncatedTail) {
  Tamper("DELETE FROM audit WHERE seq >= 6");
  CommandResult result = RunEntrepot({"audit", "verify", "--data", dir_});
  EXPECT_EQ(result.exit_status, 1) << result.out;
  EXPECT_TRUE(Contains(result.out, "BROKEN at seq 6: truncated")) << result.out;
}

TEST_F(AuditCliTest, ACheckpointCatchesATailDeletedWithItsHead) {
  CommandResult intact = RunEntrepot({"audit", "verify", "--data", dir_});
  ASSERT_EQ(intact.exit_status, 0) << intact.out;
  const std::string head = Lines(intact.out).at(0).substr(intact.out.find("; head ") + 7);
  EXPECT_EQ(RunEntrepot({"audit", "verify", "--data", dir_, "--checkpoint", head}).exit_status, 0);
  Tamper(
      "DELETE FROM audit WHERE seq = 7; UPDATE chain SET head_seq = 6, head_hash = "
      "(SELECT hash FROM audit WHERE seq = 6)");
  EXPECT_EQ(RunEntrepot({"audit", "verify", "--data", dir_}).exit_status, 0);
  CommandResult result = RunEntrepot({"audit", "verify", "--data", dir_, "--checkpoint", head});
  EXPECT_EQ(result.exit_status, 1) << result.out;
  EXPECT_TRUE(Contains(result.out, "BROKEN at seq 7: truncated")) << result.out;
}

TEST_F(AuditCliTest, VerifyRefusesAMalformedCheckpoint) {
  CommandResult result = RunEntrepot({"audit", "verify", "--data", dir_, "--checkpoint", "7:xyz"});
  EXPECT_EQ(result.exit_status, 1) << result.out;
  EXPECT_TRUE(Contains(result.out, "error: bad_checkpoint")) << result.out;
}

TEST_F(AuditCliTest, VerifyCannotRunWithoutALogOrItsKey) {
  CommandResult missing = RunEntrepot({"audit", "verify", "--data", dir_ + "/nowhere"});
  EXPECT_EQ(missing.exit_status, 2) << missing.out;
  EXPECT_TRUE(Contains(missing.out, "error: audit_log_not_found")) << missing.out;
  std::filesystem::remove(dir_ + "/audit.key");
  CommandResult no_key = RunEntrepot({"audit", "verify", "--data", dir_});
  EXPECT_EQ(no_key.exit_status, 2) << no_key.out;
  EXPECT_TRUE(Contains(no_key.out, "error: audit_key_missing")) << no_key.out;
}

TEST_F(AuditCliTest, ListPrintsJsonLinesAboutASubject) {
  CommandResult result = RunEntrepot({"audit", "list", "--data", dir_, "--subject", "alice"},
                                     /*with_stderr=*/false);
  EXPECT_EQ(result.exit_status, 0) << result.out;
  std::vector<std::string> lines = Lines(result.out);
  ASSERT_EQ(lines.size(), 4u) << result.out;  // Seqs 1, 3, 5, and the list of everyone.
  for (const std::string& line : lines) {
    nlohmann::json record = nlohmann::json::parse(line);
    EXPECT_TRUE(record["subject"] == "alice" || record["subject"] == "*") << line;
    EXPECT_EQ(record["hash"].get<std::string>().size(), 64u);
  }
  nlohmann::json first = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(first["seq"], 1);
  EXPECT_EQ(first["actor"], "sup1");
  EXPECT_EQ(first["actor_role"], "supervisor");
  EXPECT_EQ(first["purpose"], "flow_management");
  EXPECT_EQ(first["outcome"], "allowed");
  EXPECT_EQ(first["at"], kT0 + 1000);
}

TEST_F(AuditCliTest, ListPagesWithACursor) {
  CommandResult page = RunEntrepot({"audit", "list", "--data", dir_, "--limit", "3"});
  EXPECT_EQ(page.exit_status, 0) << page.out;
  EXPECT_TRUE(Contains(page.out, "more: --cursor 3")) << page.out;
  CommandResult next = RunEntrepot(
      {"audit", "list", "--data", dir_, "--limit", "3", "--cursor", "3"}, /*with_stderr=*/false);
  std::vector<std::string> lines = Lines(next.out);
  ASSERT_EQ(lines.size(), 3u) << next.out;
  EXPECT_EQ(nlohmann::json::parse(lines[0])["seq"], 4);
  CommandResult newest = RunEntrepot(
      {"audit", "list", "--data", dir_, "--limit", "1", "--newest-first"}, /*with_stderr=*/false);
  EXPECT_EQ(nlohmann::json::parse(Lines(newest.out).at(0))["seq"], 7);
}

TEST_F(AuditCliTest, ListRefusesALimitOverAThousand) {
  CommandResult result = RunEntrepot({"audit", "list", "--data", dir_, "--limit", "1001"});
  EXPECT_EQ(result.exit_status, 1) << result.out;
  EXPECT_TRUE(Contains(result.out, "error: bad_limit")) << result.out;
}

std::string Example(const std::string& name) {
  return std::string(ENTREPOT_SOURCE_DIR) + "/examples/policies/" + name;
}

struct RegisterCase {
  const char* file;
  std::vector<std::string> purposes;
  std::vector<std::string> retention;
};

TEST(RegisterCliTest, MentionsEachEnabledPurposeAndRetentionOfTheExamples) {
  const std::vector<std::string> common = {"6 months", "13 weeks", "10 years"};
  const RegisterCase cases[] = {
      {"cnil-strict.toml",
       {"flow_management", "coaching", "quality", "planning", "training", "data_protection",
        "own_data", "process_improvement"},
       {"the current day"}},
      {"fr-conseil-etat-2025.toml",
       {"flow_management", "coaching", "quality", "planning", "evaluation", "training",
        "process_improvement", "data_protection", "own_data"},
       {"the current day"}},
      {"cnil-2024-fined.toml",
       {"flow_management", "coaching", "quality", "planning", "evaluation", "training",
        "working_time", "discipline", "data_protection", "own_data"},
       {"31 days"}},
  };
  for (const RegisterCase& c : cases) {
    CommandResult result = RunEntrepot({"policy", "register", Example(c.file)});
    EXPECT_EQ(result.exit_status, 0) << c.file << "\n" << result.out;
    EXPECT_TRUE(Contains(result.out, "# Record of processing activities (GDPR Art. 30)"));
    for (const std::string& purpose : c.purposes) {
      EXPECT_TRUE(Contains(result.out, "`" + purpose + "`") || Contains(result.out, " " + purpose))
          << c.file << ": " << purpose;
    }
    std::vector<std::string> retention = common;
    retention.insert(retention.end(), c.retention.begin(), c.retention.end());
    for (const std::string& text : retention) {
      EXPECT_TRUE(Contains(result.out, text)) << c.file << ": " << text;
    }
  }
}

TEST(RegisterCliTest, WarnsAboutAnUnlawfulPolicyAndStillPrints) {
  CommandResult result =
      RunEntrepot({"policy", "register", Example("cnil-2024-fined.toml"), "--today", "2026-05-04"});
  EXPECT_EQ(result.exit_status, 0) << result.out;
  EXPECT_TRUE(Contains(result.out, "warning: ")) << result.out;
  EXPECT_TRUE(Contains(result.out, "cannot be used")) << result.out;
  CommandResult lawful =
      RunEntrepot({"policy", "register", Example("cnil-strict.toml"), "--today", "2026-05-04"});
  EXPECT_FALSE(Contains(lawful.out, "warning: ")) << lawful.out;
}

TEST(RegisterCliTest, JsonIsOneDocument) {
  CommandResult result = RunEntrepot({"policy", "register", Example("cnil-strict.toml"), "--json"},
                                     /*with_stderr=*/false);
  EXPECT_EQ(result.exit_status, 0);
  nlohmann::json document = nlohmann::json::parse(result.out, nullptr, false);
  ASSERT_FALSE(document.is_discarded()) << result.out;
  EXPECT_EQ(document["controller"], "Example Logistique SAS");
  EXPECT_EQ(document["dpo_contact"], "dpo@example.com");
  EXPECT_EQ(document["activities"][0]["id"], "realtime_individual");
}

TEST(RegisterCliTest, AnUnreadableFileIsRefused) {
  CommandResult result = RunEntrepot({"policy", "register", "/nonexistent/policy.toml"});
  EXPECT_EQ(result.exit_status, 1) << result.out;
  EXPECT_TRUE(Contains(result.out, "error: file_not_found")) << result.out;
  CommandResult bad_date = RunEntrepot({"policy", "register", "--today", "2026-13-01"});
  EXPECT_EQ(bad_date.exit_status, 1) << bad_date.out;
  EXPECT_TRUE(Contains(bad_date.out, "error: bad_date")) << bad_date.out;
}

TEST(RegisterCliTest, WithoutAFileItDescribesTheDefaultPolicy) {
  CommandResult result = RunEntrepot({"policy", "register"}, /*with_stderr=*/false);
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_TRUE(Contains(result.out, "not set: fill in `notice.controller`")) << result.out;
}

}  // namespace
}  // namespace entrepot::cli
