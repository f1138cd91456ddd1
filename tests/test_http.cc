#include "test_http.h"

#include <utility>

#include "entrepot/domain/layout.h"
#include "entrepot/engine/site_engine.h"
#include "entrepot/store/sqlite_journal.h"
#include "gtest/gtest.h"
#include "test_site.h"

namespace entrepot::testing {

std::string UrlEncode(const std::string& text) { return client::PercentEncode(text); }

void InitialiseSite(const std::string& data_dir) {
  auto layout = domain::ParseLayoutToml(SmallLayoutToml());
  ASSERT_TRUE(layout.ok()) << layout.status().ToString();
  auto journal = store::SqliteJournal::Open(data_dir + "/journal.db");
  ASSERT_TRUE(journal.ok());
  auto engine = engine::SiteEngine::Open(*std::move(journal));
  ASSERT_TRUE(engine.ok());
  ASSERT_TRUE((*engine)->LoadLayout(*layout).ok());
}

std::unique_ptr<auth::AccountStore> OpenTestAccounts(const std::string& data_dir,
                                                     std::function<int64_t()> now_ms) {
  auth::AccountStoreOptions options;
  options.now_ms = std::move(now_ms);
  options.hash_cost = auth::HashCost::kMinimum;
  auto accounts = auth::AccountStore::Open(data_dir + "/accounts.db", options);
  EXPECT_TRUE(accounts.ok()) << accounts.status().ToString();
  return accounts.ok() ? *std::move(accounts) : nullptr;
}

}  // namespace entrepot::testing
