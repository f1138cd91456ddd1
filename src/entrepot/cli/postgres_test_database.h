// File: postgres_test_database.h
//
// PostgresTestDatabase: a database of a test's own on the throwaway cluster whose conninfo
// CTest puts in ENTREPOT_TEST_POSTGRES (fixture "postgres", cmake/EntrepotPostgresTests.cmake),
// for the tests of the commands and followers on a site in PostgreSQL. Test-only, header-only.
#pragma once

#include <unistd.h>

#include <optional>
#include <string>

#include "entrepot/store/journal_test_util.h"
#include "gtest/gtest.h"

namespace entrepot::testing {

class PostgresTestDatabase {
 public:
  PostgresTestDatabase() = default;
  // Drops the database. REQUIRES: nothing is connected to it any more.
  ~PostgresTestDatabase() {
    if (!name_.empty()) {
      store::testing::DropDatabase(cluster_url_, name_);
    }
  }
  PostgresTestDatabase(const PostgresTestDatabase&) = delete;
  PostgresTestDatabase& operator=(const PostgresTestDatabase&) = delete;

  // For SetUp: creates the database "<prefix>_<pid>". Skips the test (saying how to start a
  // cluster) when ENTREPOT_TEST_POSTGRES is not set, fails it when the cluster is unreachable;
  // the caller then returns (IsSkipped(), HasFatalFailure()).
  void Create(const std::string& prefix) {
    std::optional<std::string> url = store::testing::TestPostgresUrl();
    if (!url) {
      GTEST_SKIP() << store::testing::kHowToStartPostgres;
    }
    cluster_url_ = *url;
    ASSERT_TRUE(store::testing::RawPostgres(cluster_url_).error().empty())
        << "ENTREPOT_TEST_POSTGRES is set but unreachable";
    name_ = prefix + "_" + std::to_string(::getpid());
    url_ = store::testing::CreateDatabase(cluster_url_, name_);
  }

  // The conninfo of the database (a postgresql:// URL).
  const std::string& url() const { return url_; }

 private:
  std::string cluster_url_;
  std::string name_;
  std::string url_;
};

}  // namespace entrepot::testing
