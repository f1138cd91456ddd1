#include "entrepot/server/site_lease_keeper.h"

#include <atomic>
#include <chrono>
#include <thread>

#include "gtest/gtest.h"

namespace entrepot::server {
namespace {

using std::chrono::milliseconds;

// Waits up to `limit` for `done`.
template <typename Predicate>
bool WaitFor(Predicate done, milliseconds limit = milliseconds(5000)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return false;
    }
    std::this_thread::sleep_for(milliseconds(5));
  }
  return true;
}

TEST(SiteLeaseKeeperTest, RenewsAboutThreeTimesPerTimeToLiveAndStaysActive) {
  std::atomic<int> renewals{0};
  auto keeper = SiteLeaseKeeper::Start({.ttl = milliseconds(300), .renew = [&] {
                                          ++renewals;
                                          return OkStatus();
                                        }});
  std::this_thread::sleep_for(milliseconds(700));
  EXPECT_TRUE(keeper->status().ok());
  EXPECT_GE(renewals.load(), 3);
  EXPECT_LE(renewals.load(), 10);
  EXPECT_TRUE(keeper->Stop(false).ok());
}

TEST(SiteLeaseKeeperTest, ATakeoverLosesTheLeaseAtOnceAndTellsOnce) {
  std::atomic<int> told{0};
  auto keeper = SiteLeaseKeeper::Start(
      {.ttl = milliseconds(300),
       .renew = [] { return Error(StatusCode::kAborted, "lease_lost", "taken by node-b"); },
       .on_lost =
           [&](const Status& why) {
             EXPECT_EQ(why.reason(), "lease_lost");
             ++told;
           }});
  ASSERT_TRUE(WaitFor([&] { return keeper->lost(); }, milliseconds(250)));
  EXPECT_EQ(keeper->status().reason(), "lease_lost");
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_EQ(told.load(), 1);
}

TEST(SiteLeaseKeeperTest, FailedRenewalsAreRetriedUntilTheTimeToLiveRunsOut) {
  std::atomic<int> attempts{0};
  std::atomic<bool> database_back{false};
  auto keeper = SiteLeaseKeeper::Start({.ttl = milliseconds(400), .renew = [&] {
                                          ++attempts;
                                          if (database_back) {
                                            return OkStatus();
                                          }
                                          return Error(StatusCode::kUnavailable,
                                                       "journal_unavailable", "server gone");
                                        }});
  // A short outage: retried every tenth of the time to live, and the lease survives it.
  std::this_thread::sleep_for(milliseconds(250));
  EXPECT_GE(attempts.load(), 2);
  database_back = true;
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_TRUE(keeper->status().ok()) << keeper->status().ToString();
  // A long one: lost when a whole time to live passed since the last renewal.
  database_back = false;
  const auto since = std::chrono::steady_clock::now();
  ASSERT_TRUE(WaitFor([&] { return keeper->lost(); }));
  EXPECT_EQ(keeper->status().reason(), "lease_expired");
  EXPECT_LE(std::chrono::steady_clock::now() - since, milliseconds(400 + 200));
}

TEST(SiteLeaseKeeperTest, StopReleasesOnlyALeaseStillHeld) {
  std::atomic<int> releases{0};
  auto held = SiteLeaseKeeper::Start({.ttl = milliseconds(300),
                                      .renew = [] { return OkStatus(); },
                                      .release =
                                          [&] {
                                            ++releases;
                                            return OkStatus();
                                          }});
  EXPECT_TRUE(held->Stop(true).ok());
  EXPECT_TRUE(held->Stop(true).ok());  // Idempotent.
  EXPECT_EQ(releases.load(), 1);

  auto lost = SiteLeaseKeeper::Start(
      {.ttl = milliseconds(150),
       .renew = [] { return Error(StatusCode::kAborted, "lease_lost", "taken"); },
       .release =
           [&] {
             ++releases;
             return OkStatus();
           }});
  ASSERT_TRUE(WaitFor([&] { return lost->lost(); }));
  EXPECT_TRUE(lost->Stop(true).ok());
  EXPECT_EQ(releases.load(), 1);
}

}  // namespace
}  // namespace entrepot::server
