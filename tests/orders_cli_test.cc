// `entrepot orders import` as a user runs it (issue 5): a real binary, a real SQLite site
// with stock, NDJSON and CSV files; line-numbered refusals, --amend, re-runs and exit
// statuses; large files committed in groups.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "entrepot/core/codec.h"
#include "entrepot/domain/labels.h"
#include "entrepot/store/sqlite_journal.h"
#include "gtest/gtest.h"
#include "test_site.h"

namespace entrepot {
namespace {

using testing::CommandResult;
using testing::RunEntrepot;

constexpr char kKettle[] = "09506000134352";
constexpr char kCable[] = "09506000134369";

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string Scan(int n, const std::string& mode, const std::string& code) {
  return "{\"id\":\"st-" + std::to_string(n) + "\",\"device\":\"HH-90\",\"mode\":\"" + mode +
         "\",\"code\":\"" + code + "\"}\n";
}

std::string Order(const std::string& id, const std::string& gtin, int quantity) {
  return "{\"id\":\"" + id +
         "\",\"carrier\":\"DPD\",\"cutoff\":\"2030-01-02T17:00:00Z\",\"priority\":5,"
         "\"lines\":[{\"gtin\":\"" +
         gtin + "\",\"quantity\":" + std::to_string(quantity) + "}]}\n";
}

class OrdersCliTest : public ::testing::Test {
 protected:
  // Given: a site with 3 kettles and 3 cables stowed in A-01-001-1-1.
  void SetUp() override {
    testing::WriteFile(dir_.File("layout.toml"), testing::SmallLayoutToml());
    CommandResult init =
        RunEntrepot({"init", "--data", data_, "--layout", dir_.File("layout.toml")});
    ASSERT_EQ(init.exit_status, 0) << init.out;
    std::string dock = domain::FormatLabel(domain::LabelKind::kLocation, "DOCK-01");
    std::string bin = domain::FormatLabel(domain::LabelKind::kLocation, "A-01-001-1-1");
    int n = 0;
    std::string scans = Scan(++n, "receive", dock);
    for (const char* gtin : {kKettle, kCable}) {
      for (int i = 0; i < 3; ++i) {
        scans += Scan(++n, "receive", std::string("(01)") + gtin);
      }
    }
    scans += Scan(++n, "stow", dock);
    for (const char* gtin : {kKettle, kCable}) {
      for (int i = 0; i < 3; ++i) {
        scans += Scan(++n, "stow", std::string("(01)") + gtin);
        scans += Scan(++n, "stow", bin);
      }
    }
    testing::WriteFile(dir_.File("stock.ndjson"), scans);
    CommandResult ingest = RunEntrepot({"ingest", "--data", data_, dir_.File("stock.ndjson")});
    ASSERT_EQ(ingest.exit_status, 0) << ingest.out;
  }

  CommandResult Import(const std::string& name, const std::string& text,
                       std::vector<std::string> extra = {}) {
    testing::WriteFile(dir_.File(name), text);
    std::vector<std::string> args = {"orders", "import", "--data", data_, dir_.File(name)};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunEntrepot(args);
  }

  testing::TempDir dir_;
  std::string data_ = dir_.File("site");
};

TEST_F(OrdersCliTest, NdjsonImportPlacesOrdersAndReportsRefusalsByLine) {
  std::string file = Order("O-1", kKettle, 2) + Order("O-2", kKettle, 2) + "\n" +
                     Order("O-3", kKettle, 0) + "{not json\n" + Order("O-1", kCable, 1) +
                     Order("O-4", "9506000134369", 1);  // GTIN-13 is accepted.
  CommandResult run = Import("orders.ndjson", file);
  EXPECT_EQ(run.exit_status, 1) << run.out;
  EXPECT_TRUE(Contains(run.out, "line 4: order O-3: bad_quantity")) << run.out;
  EXPECT_TRUE(Contains(run.out, "line 5: bad_json")) << run.out;
  EXPECT_TRUE(Contains(run.out, "line 6: order O-1: duplicate_order")) << run.out;
  EXPECT_TRUE(Contains(run.out, "placed: 3\n")) << run.out;
  EXPECT_TRUE(Contains(run.out, "refused: 3\n")) << run.out;
  EXPECT_TRUE(Contains(run.out, "units reserved: 4\n")) << run.out;  // 2 + 1 kettles, 1 cable.
  EXPECT_TRUE(Contains(run.out, "units short: 1\n")) << run.out;

  // Re-running resumes: the orders already there are refused, nothing is placed twice.
  CommandResult again = Import("orders.ndjson", file);
  EXPECT_EQ(again.exit_status, 1) << again.out;
  EXPECT_TRUE(Contains(again.out, "line 1: order O-1: order_exists")) << again.out;
  EXPECT_TRUE(Contains(again.out, "placed: 0\n")) << again.out;

  CommandResult verify = RunEntrepot({"verify", "--data", data_});
  EXPECT_EQ(verify.exit_status, 0) << verify.out;
}

TEST_F(OrdersCliTest, AmendReplacesExistingOrdersAndExitsZeroWhenNothingIsRefused) {
  CommandResult placed = Import("a.jsonl", Order("O-1", kKettle, 1) + Order("O-2", kCable, 1));
  ASSERT_EQ(placed.exit_status, 0) << placed.out;
  EXPECT_TRUE(Contains(placed.out, "placed: 2\n")) << placed.out;

  CommandResult amended =
      Import("b.jsonl", Order("O-1", kKettle, 3) + Order("O-5", kCable, 1), {"--amend"});
  EXPECT_EQ(amended.exit_status, 0) << amended.out;
  EXPECT_TRUE(Contains(amended.out, "placed: 1\n")) << amended.out;
  EXPECT_TRUE(Contains(amended.out, "amended: 1\n")) << amended.out;
  EXPECT_TRUE(Contains(amended.out, "units reserved: 4\n")) << amended.out;  // 3 + 1.

  CommandResult refused = Import("b.jsonl", Order("O-1", kKettle, 3));
  EXPECT_EQ(refused.exit_status, 1) << refused.out;
  EXPECT_TRUE(Contains(refused.out, "line 1: order O-1: order_exists")) << refused.out;
}

TEST_F(OrdersCliTest, CsvImportGroupsConsecutiveRowsIntoOneOrder) {
  std::string csv =
      "order_id,carrier,cutoff,priority,gtin,quantity\r\n"
      "O-1,DPD,2030-01-02T17:00:00Z,5,09506000134352,1\r\n"
      "O-1,DPD,2030-01-02T17:00:00Z,5,\"09506000134369\",2\r\n"
      "\"O-2\",\"UPS\",2030-01-02T18:00:00Z,,09506000134352,1\r\n";
  CommandResult run = Import("orders.csv", csv);
  EXPECT_EQ(run.exit_status, 0) << run.out;
  EXPECT_TRUE(Contains(run.out, "placed: 2\n")) << run.out;
  EXPECT_TRUE(Contains(run.out, "units reserved: 4\n")) << run.out;
  EXPECT_TRUE(Contains(run.out, "units short: 0\n")) << run.out;

  CommandResult amend = Import("orders.csv", csv, {"--amend"});
  EXPECT_EQ(amend.exit_status, 0) << amend.out;
  EXPECT_TRUE(Contains(amend.out, "amended: 2\n")) << amend.out;
}

TEST_F(OrdersCliTest, CsvRefusalsNameTheLineAndTheOrder) {
  CommandResult run =
      Import("orders.csv",
             "order_id,carrier,cutoff,priority,gtin,quantity\n"
             "O-1,DPD,2030-01-02T17:00:00Z,5,09506000134352,1\n"    // 2: placed
             "O-3,DPD,2030-01-02T17:00:00Z,101,09506000134352,1\n"  // 3: bad priority
             "O-4,DPD,2030-01-02T17:00:00Z,1,09506000134352,1\n"    // 4
             "O-4,GLS,2030-01-02T17:00:00Z,1,09506000134369,1\n"    // 5: conflicting terms
             "O-5,DPD,2030-01-02T17:00:00Z,1,09506000134352,x\n"    // 6: bad quantity
             "O-6,DPD,2030-01-02T17:00:00Z,1,09506000134352\n"      // 7: bad row
             "O-1,DPD,2030-01-02T17:00:00Z,5,09506000134352,1\n"    // 8: duplicate
             "O-7,DPD,2030-01-02T17:00:00Z,1,09506000134352,1\n"    // 9
             "O-7,DPD,2030-01-02T17:00:00Z,1,095060\"00134369,1\n"  // 10: unreadable
             "O-8,DPD,2030-01-02T17:00:00Z,1,09506000134369,1\n"    // 11: after it
             "O-9,DPD,2030-01-02T17:00:00Z,1,09506000134369,1\n");  // 12: placed
  EXPECT_EQ(run.exit_status, 1) << run.out;
  EXPECT_TRUE(Contains(run.out, "line 3: order O-3: bad_field")) << run.out;
  EXPECT_TRUE(Contains(run.out, "line 5: order O-4: conflicting_terms")) << run.out;
  EXPECT_TRUE(Contains(run.out, "line 6: order O-5: bad_field")) << run.out;
  EXPECT_TRUE(Contains(run.out, "line 7: order O-6: bad_row")) << run.out;
  EXPECT_TRUE(Contains(run.out, "line 8: order O-1: duplicate_order")) << run.out;
  EXPECT_TRUE(Contains(run.out, "line 10: bad_quote")) << run.out;
  // The orders around an unreadable row may have lost a line: neither is placed.
  EXPECT_TRUE(Contains(run.out, "line 9: order O-7: incomplete_order")) << run.out;
  EXPECT_TRUE(Contains(run.out, "line 11: order O-8: incomplete_order")) << run.out;
  EXPECT_TRUE(Contains(run.out, "placed: 2\n")) << run.out;
  EXPECT_TRUE(Contains(run.out, "refused: 7\n")) << run.out;
  EXPECT_TRUE(Contains(run.out, "unreadable rows: 1\n")) << run.out;
}

TEST_F(OrdersCliTest, UnreadableFilesAndUsageErrorsExitTwo) {
  CommandResult unknown = Import("orders.txt", Order("O-1", kKettle, 1));
  EXPECT_EQ(unknown.exit_status, 2) << unknown.out;
  EXPECT_TRUE(Contains(unknown.out, "unknown_format")) << unknown.out;
  CommandResult forced = Import("orders.txt", Order("O-1", kKettle, 1), {"--format", "ndjson"});
  EXPECT_EQ(forced.exit_status, 0) << forced.out;

  CommandResult missing =
      RunEntrepot({"orders", "import", "--data", data_, dir_.File("absent.csv")});
  EXPECT_EQ(missing.exit_status, 2) << missing.out;
  EXPECT_TRUE(Contains(missing.out, "file_not_found")) << missing.out;

  CommandResult header = Import("bad.csv", "id,carrier\nO-1,DPD\n");
  EXPECT_EQ(header.exit_status, 2) << header.out;
  EXPECT_TRUE(Contains(header.out, "bad_header")) << header.out;

  CommandResult no_site = RunEntrepot({"orders", "import", "--data", dir_.File("nowhere"),
                                       dir_.File("orders.txt"), "--format", "ndjson"});
  EXPECT_EQ(no_site.exit_status, 2) << no_site.out;
  EXPECT_TRUE(Contains(no_site.out, "site_not_found")) << no_site.out;
}

// The times of the order entries in the site's journal, in seq order.
std::vector<int64_t> OrderEntryTimes(const std::string& data_dir) {
  store::SqliteJournal::Options options;
  options.read_only = true;
  auto journal = store::SqliteJournal::Open(data_dir + "/journal.db", options);
  EXPECT_TRUE(journal.ok()) << journal.status().ToString();
  std::vector<int64_t> times;
  if (!journal.ok()) {
    return times;
  }
  Status scanned = (*journal)->Scan(0, [&times](const store::JournalRecord& record) -> Status {
    StatusOr<core::Entry> entry = core::DecodeEntry(record.payload);
    if (!entry.ok()) {
      return entry.status();
    }
    if (entry->kind == core::Entry::Kind::kOrder) {
      times.push_back(entry->at_ms);
    }
    return OkStatus();
  });
  EXPECT_TRUE(scanned.ok()) << scanned.ToString();
  return times;
}

std::string Head(const std::string& text) { return text.substr(0, 2000); }

TEST_F(OrdersCliTest, LargeFileIsCommittedInGroupsOfAThousandLines) {
  // 2,500 lines: orders of one kettle each (3 in stock), line 1,500 refused.
  std::string file;
  for (int line = 1; line <= 2500; ++line) {
    file += Order("O-" + std::to_string(line), kKettle, line == 1500 ? 0 : 1);
  }
  CommandResult run = Import("big.ndjson", file);
  EXPECT_EQ(run.exit_status, 1) << Head(run.out);
  EXPECT_TRUE(Contains(run.out, "line 1500: order O-1500: bad_quantity")) << Head(run.out);
  EXPECT_TRUE(Contains(run.out, "placed: 2499\n")) << Head(run.out);
  EXPECT_TRUE(Contains(run.out, "refused: 1\n")) << Head(run.out);
  EXPECT_TRUE(Contains(run.out, "units reserved: 3\n")) << Head(run.out);
  EXPECT_TRUE(Contains(run.out, "units short: 2496\n")) << Head(run.out);

  // Each group of 1,000 lines is decided at one time and committed together: its order
  // entries share their time (an entry per commit would not, short of 1,000 syncs within a
  // millisecond). Lines 1-1000, 1001-2000 (999 orders) and 2001-2500.
  std::vector<int64_t> times = OrderEntryTimes(data_);
  ASSERT_EQ(times.size(), 2499u);
  const std::vector<std::pair<size_t, size_t>> groups = {{0, 1000}, {1000, 1999}, {1999, 2499}};
  for (const auto& [first, end] : groups) {
    EXPECT_EQ(std::set<int64_t>(times.begin() + static_cast<std::ptrdiff_t>(first),
                                times.begin() + static_cast<std::ptrdiff_t>(end))
                  .size(),
              1u)
        << "orders " << first << " to " << end - 1;
  }

  // A re-run amends every order, in groups too; nothing is placed twice.
  CommandResult amend = Import("big.ndjson", file, {"--amend"});
  EXPECT_TRUE(Contains(amend.out, "placed: 0\n")) << Head(amend.out);
  EXPECT_TRUE(Contains(amend.out, "amended: 2499\n")) << Head(amend.out);
  EXPECT_EQ(OrderEntryTimes(data_).size(), 2u * 2499u);
  CommandResult verify = RunEntrepot({"verify", "--data", data_});
  EXPECT_EQ(verify.exit_status, 0) << verify.out;
}

}  // namespace
}  // namespace entrepot
