// PostgresSiteLease and the fencing of PostgresJournal by its token: who may serve a site,
// and that a node that lost the site can never commit to it again. Needs the cluster whose
// conninfo is in ENTREPOT_TEST_POSTGRES (CTest's fixture "postgres"); skips without it.
#include "entrepot/store/postgres_lease.h"

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "entrepot/store/journal_test_util.h"
#include "entrepot/store/postgres_journal.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace entrepot::store {
namespace {

using ::testing::HasSubstr;
using testing::MakeBatch;
using testing::ReadAll;

class PostgresLeaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::optional<std::string> url = testing::TestPostgresUrl();
    if (!url) {
      GTEST_SKIP() << testing::kHowToStartPostgres;
    }
    url_ = *url;
    site_ = testing::UniqueSiteCode("lease");
  }

  std::unique_ptr<PostgresSiteLease> OpenLease(const std::string& holder,
                                               std::chrono::milliseconds ttl) {
    StatusOr<std::unique_ptr<PostgresSiteLease>> lease =
        PostgresSiteLease::Open(url_, site_, {.holder = holder, .ttl = ttl});
    EXPECT_TRUE(lease.ok()) << lease.status().ToString();
    return lease.ok() ? std::move(lease).value() : nullptr;
  }

  // The token of `lease` after a successful TryAcquire; 0 when it did not acquire.
  static int64_t Acquire(PostgresSiteLease& lease) {
    StatusOr<std::optional<int64_t>> token = lease.TryAcquire();
    EXPECT_TRUE(token.ok()) << token.status().ToString();
    return token.ok() && token->has_value() ? **token : 0;
  }

  std::unique_ptr<PostgresJournal> OpenWriter(int64_t token) {
    StatusOr<std::unique_ptr<PostgresJournal>> journal =
        PostgresJournal::Open(url_, site_, {.lease_token = token});
    EXPECT_TRUE(journal.ok()) << journal.status().ToString();
    return journal.ok() ? std::move(journal).value() : nullptr;
  }

  std::string url_;
  std::string site_;
};

TEST_F(PostgresLeaseTest, OnlyOneNodeHoldsALiveLease) {
  auto first = OpenLease("node-a", std::chrono::seconds(30));
  auto second = OpenLease("node-b", std::chrono::seconds(30));
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(Acquire(*first), 1);
  EXPECT_EQ(Acquire(*second), 0);
  StatusOr<std::optional<LeaseState>> current = second->Current();
  ASSERT_TRUE(current.ok()) << current.status().ToString();
  ASSERT_TRUE(current->has_value());
  EXPECT_EQ((*current)->holder, "node-a");
  EXPECT_EQ((*current)->token, 1);
  EXPECT_GT((*current)->expires_in_ms, 20'000);
  EXPECT_TRUE(first->Renew().ok());
  EXPECT_EQ(second->Renew().reason(), "lease_lost");  // It never held the site.
}

TEST_F(PostgresLeaseTest, AnExpiredLeaseGoesToTheNextNodeWithTheNextToken) {
  auto first = OpenLease("node-a", std::chrono::milliseconds(300));
  auto second = OpenLease("node-b", std::chrono::milliseconds(300));
  ASSERT_EQ(Acquire(*first), 1);
  EXPECT_EQ(Acquire(*second), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(400));  // first stops renewing.
  EXPECT_EQ(Acquire(*second), 2);
  Status renewed = first->Renew();
  EXPECT_EQ(renewed.reason(), "lease_lost") << renewed.ToString();
  EXPECT_THAT(renewed.message(), HasSubstr("token 1"));
}

TEST_F(PostgresLeaseTest, ReleaseHandsTheSiteOverAtOnce) {
  auto first = OpenLease("node-a", std::chrono::minutes(5));
  auto second = OpenLease("node-b", std::chrono::minutes(5));
  ASSERT_EQ(Acquire(*first), 1);
  ASSERT_TRUE(first->Release().ok());
  EXPECT_EQ(Acquire(*second), 2);
  EXPECT_TRUE(first->Release().ok());  // Lost already: nothing to end, and no harm done.
  StatusOr<std::optional<LeaseState>> current = first->Current();
  ASSERT_TRUE(current.ok() && current->has_value());
  EXPECT_EQ((*current)->holder, "node-b");
}

TEST_F(PostgresLeaseTest, AFencedWriterCanNeverCommitAgain) {
  auto first = OpenLease("node-a", std::chrono::milliseconds(200));
  ASSERT_EQ(Acquire(*first), 1);
  auto writer = OpenWriter(1);
  ASSERT_NE(writer, nullptr);
  ASSERT_TRUE(writer->Append(MakeBatch(1, 3)).ok());

  // node-a pauses past its lease; node-b takes the site over and writes seq 4.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto second = OpenLease("node-b", std::chrono::minutes(1));
  ASSERT_EQ(Acquire(*second), 2);
  auto successor = OpenWriter(2);
  ASSERT_NE(successor, nullptr);
  EXPECT_EQ(successor->LastSeq(), 3u);  // It replays what node-a committed.
  ASSERT_TRUE(successor->Append(MakeBatch(4, 1)).ok());

  // node-a wakes up believing it is still active: seq 4 would be its next seq too, but the
  // fence refuses before the key collides, and so does every later write.
  Status stale = writer->Append(MakeBatch(4, 2));
  EXPECT_EQ(stale.reason(), "lease_lost") << stale.ToString();
  EXPECT_EQ(stale.code(), StatusCode::kAborted);
  EXPECT_EQ(writer->WriteSnapshot({.seq = 3, .payload = "state"}).reason(), "lease_lost");
  EXPECT_EQ(writer->Append(MakeBatch(4, 1)).reason(), "lease_lost");

  std::vector<JournalRecord> records;
  ASSERT_TRUE(ReadAll(*successor, 0, records).ok());
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records.back().payload, MakeBatch(4, 1).front().payload);
}

TEST_F(PostgresLeaseTest, AStaleWriterThatWouldNotCollideIsFencedToo) {
  // Without the fence, a stale node whose next seq is free would commit beside the new
  // holder; with it, it commits nothing.
  auto first = OpenLease("node-a", std::chrono::milliseconds(200));
  ASSERT_EQ(Acquire(*first), 1);
  auto writer = OpenWriter(1);
  ASSERT_NE(writer, nullptr);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto second = OpenLease("node-b", std::chrono::minutes(1));
  ASSERT_EQ(Acquire(*second), 2);
  EXPECT_EQ(writer->Append(MakeBatch(1, 2)).reason(), "lease_lost");
  StatusOr<std::unique_ptr<PostgresJournal>> reader =
      PostgresJournal::Open(url_, site_, {.read_only = true});
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->LastSeq(), 0u);
}

TEST_F(PostgresLeaseTest, AWriterOpenedWithAStaleTokenIsRefusedAtOpen) {
  auto first = OpenLease("node-a", std::chrono::minutes(1));
  ASSERT_EQ(Acquire(*first), 1);
  StatusOr<std::unique_ptr<PostgresJournal>> journal =
      PostgresJournal::Open(url_, site_, {.lease_token = 7});
  ASSERT_FALSE(journal.ok());
  EXPECT_EQ(journal.status().reason(), "lease_lost");
}

TEST_F(PostgresLeaseTest, AWriterWithoutATokenIsRefusedWhileANodeServesTheSite) {
  StatusOr<std::unique_ptr<PostgresJournal>> command = PostgresJournal::Open(url_, site_);
  ASSERT_TRUE(command.ok()) << command.status().ToString();
  ASSERT_TRUE((*command)->Append(MakeBatch(1, 2)).ok());  // No node serves it yet.

  auto node = OpenLease("node-a", std::chrono::minutes(1));
  ASSERT_EQ(Acquire(*node), 1);
  Status refused = (*command)->Append(MakeBatch(3, 1));
  EXPECT_EQ(refused.reason(), "site_leased") << refused.ToString();
  EXPECT_THAT(refused.message(), HasSubstr("node-a"));
  EXPECT_EQ((*command)->WriteSnapshot({.seq = 2, .payload = "state"}).reason(), "site_leased");
  EXPECT_EQ(PostgresJournal::Open(url_, site_).status().reason(), "site_leased");
  EXPECT_TRUE(PostgresJournal::Open(url_, site_, {.read_only = true}).ok());  // Readers may.

  // The node stops and releases the site: commands may write again.
  ASSERT_TRUE(node->Release().ok());
  StatusOr<std::unique_ptr<PostgresJournal>> again = PostgresJournal::Open(url_, site_);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE((*again)->Append(MakeBatch(3, 1)).ok());
}

TEST_F(PostgresLeaseTest, BadHolderOrTimeToLiveIsRefused) {
  for (const SiteLeaseOptions& options :
       {SiteLeaseOptions{.holder = ""}, SiteLeaseOptions{.holder = std::string(201, 'x')},
        SiteLeaseOptions{.holder = "n", .ttl = std::chrono::milliseconds(10)},
        SiteLeaseOptions{.holder = "n", .ttl = std::chrono::hours(1)}}) {
    StatusOr<std::unique_ptr<PostgresSiteLease>> lease =
        PostgresSiteLease::Open(url_, site_, options);
    ASSERT_FALSE(lease.ok());
    EXPECT_EQ(lease.status().reason(), "bad_lease_options");
  }
  EXPECT_EQ(PostgresSiteLease::Open(url_, "bad site", {.holder = "n"}).status().reason(),
            "bad_site_code");
}

}  // namespace
}  // namespace entrepot::store
