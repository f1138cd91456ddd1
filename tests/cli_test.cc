// The `entrepot` command as a user runs it: a real binary, a real SQLite file.
#include <cctype>
#include <filesystem>
#include <string>
#include <utility>

#include "entrepot/domain/labels.h"
#include "gtest/gtest.h"
#include "test_site.h"

namespace entrepot {
namespace {

using testing::RunEntrepot;
using testing::TempDir;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::WriteFile(dir_.File("layout.toml"), testing::SmallLayoutToml());
    testing::CommandResult init =
        RunEntrepot({"init", "--data", data_, "--layout", dir_.File("layout.toml")});
    ASSERT_EQ(init.exit_status, 0) << init.out;
  }
  testing::CommandResult Ingest(const std::string& ndjson, const std::string& name) {
    testing::WriteFile(dir_.File(name), ndjson);
    return RunEntrepot(
        {"ingest", "--data", data_, dir_.File(name), "--outcomes", dir_.File(name + ".outcomes")});
  }

  TempDir dir_;
  std::string data_ = dir_.File("site");
};

TEST_F(CliTest, InitTwiceIsRefused) {
  testing::CommandResult again =
      RunEntrepot({"init", "--data", data_, "--layout", dir_.File("layout.toml")});
  EXPECT_NE(again.exit_status, 0);
  EXPECT_TRUE(Contains(again.out, "site_initialised")) << again.out;
}

TEST_F(CliTest, IngestThenStockShowsWhereUnitsAre) {
  std::string scans;
  for (const std::string& line : testing::ScanStream(40, 1)) {
    scans += line + "\n";
  }
  testing::CommandResult ingest = Ingest(scans, "scans.ndjson");
  ASSERT_EQ(ingest.exit_status, 0) << ingest.out;
  EXPECT_TRUE(Contains(ingest.out, "ingested 40 scans")) << ingest.out;

  testing::CommandResult summary = RunEntrepot({"stock", "--data", data_, "--json"});
  ASSERT_EQ(summary.exit_status, 0) << summary.out;
  EXPECT_TRUE(Contains(summary.out, "\"units_received\"")) << summary.out;
  testing::CommandResult product =
      RunEntrepot({"stock", "--data", data_, "--product", "9506000134352"});
  EXPECT_EQ(product.exit_status, 0) << product.out;
  EXPECT_TRUE(Contains(product.out, "09506000134352")) << product.out;
  testing::CommandResult verify = RunEntrepot({"verify", "--data", data_});
  EXPECT_EQ(verify.exit_status, 0) << verify.out;
  EXPECT_TRUE(Contains(verify.out, "equals replay")) << verify.out;
}

TEST_F(CliTest, MalformedLinesAreReportedWithLineNumberAndSkipped) {
  testing::CommandResult ingest = Ingest(
      "{\"id\":\"a\",\"device\":\"HH-1\",\"mode\":\"receive\",\"code\":\"x\"}\n"
      "{not json\n"
      "{\"id\":\"b\",\"device\":\"HH-1\",\"mode\":\"fly\",\"code\":\"x\"}\n"
      "{\"id\":\"c\",\"device\":\"HH-1\",\"mode\":\"receive\",\"code\":\"y\"}\n",
      "bad.ndjson");
  EXPECT_EQ(ingest.exit_status, 1);
  EXPECT_TRUE(Contains(ingest.out, "line 2: bad_json")) << ingest.out;
  EXPECT_TRUE(Contains(ingest.out, "line 3: bad_mode")) << ingest.out;
  EXPECT_TRUE(Contains(ingest.out, "ingested 2 scans")) << ingest.out;
  std::string outcomes = testing::ReadFileText(dir_.File("bad.ndjson.outcomes"));
  EXPECT_TRUE(Contains(outcomes, "\"id\":\"c\"")) << outcomes;
}

TEST_F(CliTest, ReplayedIdReturnsFirstOutcome) {
  std::string line =
      "{\"id\":\"same\",\"device\":\"HH-1\",\"mode\":\"receive\",\"code\":\"hello\"}\n";
  ASSERT_EQ(Ingest(line, "one.ndjson").exit_status, 0);
  testing::CommandResult again = Ingest(line, "two.ndjson");
  EXPECT_TRUE(Contains(again.out, "replayed ids (first outcome returned): 1")) << again.out;
  EXPECT_TRUE(
      Contains(testing::ReadFileText(dir_.File("two.ndjson.outcomes")), "\"replayed\":true"));
}

TEST_F(CliTest, BadgeInScanRecordNeverReachesTheJournal) {
  // Rule RET-01: operational events carry no worker identity.
  ASSERT_EQ(Ingest("{\"id\":\"p1\",\"device\":\"HH-1\",\"mode\":\"receive\","
                   "\"code\":\"hello\",\"badge\":\"BADGE-JEANNE-DUPONT\"}\n",
                   "badge.ndjson")
                .exit_status,
            0);
  for (const auto& file : std::filesystem::directory_iterator(data_)) {
    EXPECT_FALSE(Contains(testing::ReadFileText(file.path().string()), "JEANNE")) << file.path();
  }
}

TEST_F(CliTest, VerifyReportsTruncatedJournal) {
  std::filesystem::resize_file(data_ + "/journal.db", 4096);
  testing::CommandResult verify = RunEntrepot({"verify", "--data", data_});
  EXPECT_EQ(verify.exit_status, 1) << verify.out;
  EXPECT_TRUE(Contains(verify.out, "error:")) << verify.out;
}

// The server refuses to run under a policy that breaks a hard rule: the configuration CNIL
// fined in 2024 never starts, and the refusal names the rules it breaks.
TEST_F(CliTest, ServeRefusesAnUnlawfulPolicyAndNamesTheRules) {
  testing::CommandResult refused =
      RunEntrepot({"serve", "--data", data_, "--listen", "127.0.0.1:0", "--policy",
                   std::string(ENTREPOT_SOURCE_DIR) + "/examples/policies/cnil-2024-fined.toml"});
  EXPECT_EQ(refused.exit_status, 1) << refused.out;
  EXPECT_TRUE(Contains(refused.out, "policy_unlawful")) << refused.out;
  for (const char* rule : {"IND-02", "IND-03", "RET-01"}) {
    EXPECT_TRUE(Contains(refused.out, rule)) << rule << " missing from: " << refused.out;
  }
  testing::WriteFile(dir_.File("bad.toml"), "[indicators\n");
  testing::CommandResult invalid = RunEntrepot(
      {"serve", "--data", data_, "--listen", "127.0.0.1:0", "--policy", dir_.File("bad.toml")});
  EXPECT_EQ(invalid.exit_status, 1) << invalid.out;
  EXPECT_TRUE(Contains(invalid.out, "bad_toml")) << invalid.out;
}

TEST(BarcodeCommandTest, PrintsElementsWithTitles) {
  testing::CommandResult result = RunEntrepot({"barcode", "(01)09506000134352(17)271231(10)AB12"});
  EXPECT_EQ(result.exit_status, 0) << result.out;
  EXPECT_TRUE(Contains(result.out, "\"ai\": \"17\"")) << result.out;
  EXPECT_TRUE(Contains(result.out, "\"expiry\": \"2027-12-31\"")) << result.out;
  EXPECT_TRUE(Contains(result.out, "\"title\": \"GTIN\"")) << result.out;
}

TEST(BarcodeCommandTest, ReadsGroupSeparatorSpelledInTheShell) {
  testing::CommandResult result = RunEntrepot({"barcode", "]d2010950600013435210AB12\\x1d21SN7"});
  EXPECT_EQ(result.exit_status, 0) << result.out;
  EXPECT_TRUE(Contains(result.out, "\"serial\": \"SN7\"")) << result.out;
}

TEST(BarcodeCommandTest, ReadsLowerCaseLocationLabel) {
  std::string label = domain::FormatLabel(domain::LabelKind::kLocation, "DOCK-01");
  for (char& c : label) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  testing::CommandResult result = RunEntrepot({"barcode", label});
  EXPECT_EQ(result.exit_status, 0) << result.out;
  EXPECT_TRUE(Contains(result.out, "\"kind\": \"location\"")) << result.out;
  EXPECT_TRUE(Contains(result.out, "\"code\": \"DOCK-01\"")) << result.out;
}

TEST(BarcodeCommandTest, MistypedLabelExitsOneWithReason) {
  std::string label = domain::FormatLabel(domain::LabelKind::kLocation, "DOCK-01");
  std::swap(label[2], label[3]);  // "L.ODCK-01.x": an adjacent transposition.
  testing::CommandResult result = RunEntrepot({"barcode", label});
  EXPECT_EQ(result.exit_status, 1);
  EXPECT_TRUE(Contains(result.out, "bad_label_check")) << result.out;
}

TEST(BarcodeCommandTest, BadCheckDigitExitsOneWithReason) {
  testing::CommandResult result = RunEntrepot({"barcode", "(01)09506000134353"});
  EXPECT_EQ(result.exit_status, 1);
  EXPECT_TRUE(Contains(result.out, "\"code\": \"bad_check_digit\"")) << result.out;
}

}  // namespace
}  // namespace entrepot
