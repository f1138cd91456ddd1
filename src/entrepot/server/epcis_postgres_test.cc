// Tests of the EPCIS repository of a site served from PostgreSQL (epcis_postgres.h): captures
// and their jobs stored in the site's rows there and queried back with the node's own
// events, and shared by the site's nodes (two repositories, each with a DIR/epcis.db of its
// own, on one site of one database). They need ENTREPOT_TEST_POSTGRES (ctest's fixture
// "postgres" sets it) and skip without it.
#include "entrepot/server/epcis_postgres.h"

#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "entrepot/epcis/document.h"
#include "entrepot/server/epcis_repository.h"
#include "entrepot/server/epcis_test_documents.h"
#include "entrepot/store/journal_test_util.h"
#include "gtest/gtest.h"

namespace entrepot::server {
namespace {

using epcis_testing::Document;
using epcis_testing::Receipt;
using nlohmann::json;

constexpr int64_t kCaptureTime = 1'800'000'000'000;

std::string Id(int n) { return Receipt(n)["eventID"]; }

std::vector<std::string> Ids(const EventPage& page) {
  std::vector<std::string> ids;
  for (const json& event : page.events) {
    ids.push_back(event.value("eventID", ""));
  }
  return ids;
}

class EpcisPostgresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::optional<std::string> url = store::testing::TestPostgresUrl();
    if (!url) {
      GTEST_SKIP() << store::testing::kHowToStartPostgres;
    }
    url_ = *url;
    site_ = store::testing::UniqueSiteCode("epcis");
    std::string pattern =
        (std::filesystem::temp_directory_path() / "epcis_postgres_test_XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    nodes_.clear();
    if (!dir_.empty()) {
      std::filesystem::remove_all(dir_);
    }
  }

  // The repository of node `node` of the site: captured events only, DIR/epcis.db its own.
  // Null (the test failed) when it cannot be opened.
  EpcisRepository* OpenNode(const std::string& node) {
    std::filesystem::create_directories(dir_ / node);
    EpcisRepositoryOptions options;
    options.db_path = (dir_ / node / "epcis.db").string();
    options.open_shared_captures = [url = url_, site = site_] {
      return OpenPostgresEpcisCaptures(url, site);
    };
    auto repository = EpcisRepository::Open(std::move(options));
    EXPECT_TRUE(repository.ok()) << repository.status().ToString();
    return repository.ok() ? nodes_.emplace_back(*std::move(repository)).get() : nullptr;
  }
  CaptureJob Capture(EpcisRepository& node, const std::vector<json>& events,
                     CaptureBehaviour behaviour = CaptureBehaviour::kRollback) {
    StatusOr<CaptureJob> job = node.Capture(Document(events).dump(), behaviour, kCaptureTime);
    EXPECT_TRUE(job.ok()) << job.status().ToString();
    return job.ok() ? *job : CaptureJob{};
  }
  std::vector<std::string> QueryIds(EpcisRepository& node) {
    StatusOr<EventPage> page = node.Query(EventQuery{});
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    return page.ok() ? Ids(*page) : std::vector<std::string>{};
  }
  int64_t Rows(const std::string& table) {
    store::testing::RawPostgres raw(url_);
    return raw.QueryInt("SELECT count(*) FROM entrepot_epcis_" + table + " WHERE site = '" + site_ +
                        "'");
  }

  std::string url_;
  std::string site_;
  std::filesystem::path dir_;
  std::vector<std::unique_ptr<EpcisRepository>> nodes_;
};

TEST_F(EpcisPostgresTest, CapturesAndTheirJobsAreInPostgresAndQueriedBack) {
  EpcisRepository* opened = OpenNode("a");
  ASSERT_NE(opened, nullptr);
  EpcisRepository& node = *opened;
  const CaptureJob job = Capture(node, {Receipt(1), Receipt(2)});
  EXPECT_EQ(job.state, CaptureState::kSucceeded);
  EXPECT_EQ(job.captured_count, 2u);
  EXPECT_EQ(Rows("events"), 2);
  EXPECT_EQ(Rows("capture_jobs"), 1);

  EXPECT_EQ(QueryIds(node), (std::vector<std::string>{Id(1), Id(2)}));
  StatusOr<EventPage> one = node.GetEvent(Id(2));
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  ASSERT_EQ(one->events.size(), 1u);
  EXPECT_EQ(one->events[0]["recordTime"], epcis::FormatEpcisTime(kCaptureTime));
  EXPECT_EQ(one->events[0]["bizStep"], "receiving");
  StatusOr<CaptureJob> stored = node.GetCaptureJob(job.id);
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_EQ(CaptureJobJson(*stored), CaptureJobJson(job));
  EXPECT_EQ(node.GetCaptureJob("999").status().reason(), "unknown_capture_job");
}

TEST_F(EpcisPostgresTest, AnotherNodeSeesTheCapturesOfTheFirst) {
  EpcisRepository* a_node = OpenNode("a");
  ASSERT_NE(a_node, nullptr);
  EpcisRepository& a = *a_node;
  const CaptureJob first = Capture(a, {Receipt(1), Receipt(2)});
  // A node opened afterwards (the standby that takes the site over) has them at once.
  EpcisRepository* b_node = OpenNode("b");
  ASSERT_NE(b_node, nullptr);
  EpcisRepository& b = *b_node;
  EXPECT_EQ(QueryIds(b), (std::vector<std::string>{Id(1), Id(2)}));
  StatusOr<CaptureJob> seen = b.GetCaptureJob(first.id);
  ASSERT_TRUE(seen.ok()) << seen.status().ToString();
  EXPECT_EQ(seen->captured_count, 2u);
  // And a node already open sees the other's next capture at its next query.
  const CaptureJob second = Capture(b, {Receipt(3)});
  EXPECT_NE(second.id, first.id);
  EXPECT_EQ(QueryIds(a), (std::vector<std::string>{Id(1), Id(2), Id(3)}));
  EXPECT_TRUE(a.GetEvent(Id(3)).ok());
  EXPECT_TRUE(a.GetCaptureJob(second.id).ok());
}

TEST_F(EpcisPostgresTest, IdempotenceAndConflictsSpanTheNodes) {
  EpcisRepository* a_node = OpenNode("a");
  ASSERT_NE(a_node, nullptr);
  EpcisRepository& a = *a_node;
  EpcisRepository* b_node = OpenNode("b");
  ASSERT_NE(b_node, nullptr);
  EpcisRepository& b = *b_node;
  Capture(a, {Receipt(1)});
  const CaptureJob again = Capture(b, {Receipt(1)});
  EXPECT_EQ(again.state, CaptureState::kSucceeded);
  EXPECT_EQ(again.captured_count, 0u);
  EXPECT_EQ(again.duplicate_count, 1u);

  json changed = Receipt(1, "shipping");
  const CaptureJob conflict = Capture(b, {changed});
  EXPECT_EQ(conflict.state, CaptureState::kFailed);
  ASSERT_EQ(conflict.errors.size(), 1u);
  EXPECT_EQ(conflict.errors[0].code, "event_id_conflict");
  EXPECT_EQ(Rows("events"), 1);
  StatusOr<EventPage> kept = b.GetEvent(Id(1));
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  EXPECT_EQ(kept->events[0]["bizStep"], "receiving");
}

TEST_F(EpcisPostgresTest, ARolledBackDocumentLeavesOnlyItsFailedJob) {
  EpcisRepository* a_node = OpenNode("a");
  ASSERT_NE(a_node, nullptr);
  EpcisRepository& a = *a_node;
  json invalid = Receipt(2);
  invalid["action"] = "SOMETIMES";
  const CaptureJob failed = Capture(a, {Receipt(1), invalid});
  EXPECT_EQ(failed.state, CaptureState::kFailed);
  EXPECT_EQ(Rows("events"), 0);
  EXPECT_EQ(Rows("capture_jobs"), 1);

  const CaptureJob partial = Capture(a, {Receipt(1), invalid}, CaptureBehaviour::kProceed);
  EXPECT_EQ(partial.state, CaptureState::kPartial);
  EXPECT_EQ(partial.captured_count, 1u);
  EpcisRepository* b_node = OpenNode("b");
  ASSERT_NE(b_node, nullptr);
  EpcisRepository& b = *b_node;
  EXPECT_EQ(QueryIds(b), std::vector<std::string>{Id(1)});
  StatusOr<CaptureJob> seen = b.GetCaptureJob(failed.id);
  ASSERT_TRUE(seen.ok()) << seen.status().ToString();
  EXPECT_EQ(seen->state, CaptureState::kFailed);
  EXPECT_EQ(seen->error_count, 1u);
}

TEST_F(EpcisPostgresTest, CaptureJobsArePrunedByCountAndAge) {
  auto store = OpenPostgresEpcisCaptures(url_, site_);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ(epcis_testing::CaptureJobPruningFailure(**store, kCaptureTime), "");
}

// `entrepot migrate`: the captures of an SQLite site's epcis.db, even those whose capture job
// was pruned long ago, become the site's, and a node of the site serves them.
TEST_F(EpcisPostgresTest, CopyingAnEpcisFileTakesEventsWhoseJobsWerePruned) {
  std::filesystem::create_directories(dir_ / "sqlite");
  const std::string file = (dir_ / "sqlite" / "epcis.db").string();
  {
    EpcisRepositoryOptions options;
    options.db_path = file;
    auto repository = EpcisRepository::Open(std::move(options));
    ASSERT_TRUE(repository.ok()) << repository.status().ToString();
    ASSERT_TRUE(
        (*repository)
            ->Capture(Document({Receipt(1)}).dump(), CaptureBehaviour::kRollback, kCaptureTime)
            .ok());
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db, "DELETE FROM capture_job", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);

  auto store = OpenPostgresEpcisCaptures(url_, site_);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  StatusOr<EpcisCaptureCopyReport> copied = CopyEpcisCaptures(file, **store);
  ASSERT_TRUE(copied.ok()) << copied.status().ToString();
  EXPECT_EQ(copied->jobs, 0);
  EXPECT_EQ(copied->events, 1);
  EpcisRepository* node = OpenNode("b");
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(QueryIds(*node), (std::vector<std::string>{Id(1)}));
  EXPECT_EQ(CopyEpcisCaptures(file, **store).status().reason(), "epcis_not_empty");
}

TEST_F(EpcisPostgresTest, AnotherSitesCapturesStayApart) {
  EpcisRepository* a_node = OpenNode("a");
  ASSERT_NE(a_node, nullptr);
  EpcisRepository& a = *a_node;
  Capture(a, {Receipt(1)});
  site_ = store::testing::UniqueSiteCode("epcis");
  EpcisRepository* other_node = OpenNode("other");
  ASSERT_NE(other_node, nullptr);
  EpcisRepository& other = *other_node;
  EXPECT_TRUE(QueryIds(other).empty());
  // The same event id is another site's own event.
  EXPECT_EQ(Capture(other, {Receipt(1, "shipping")}).captured_count, 1u);
}

}  // namespace
}  // namespace entrepot::server
