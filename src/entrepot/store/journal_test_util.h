// File: journal_test_util.h
//
// Helpers for the tests of the Journal backends (journal_contract_test.cc,
// sqlite_journal_test.cc, postgres_journal_test.cc) and of the commands that move a site
// into PostgreSQL: deterministic records, reading a journal whole, and a raw libpq
// connection to the test cluster to inspect or damage what PostgresJournal stored. Test-only:
// never linked into a program.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "entrepot/base/status.h"
#include "entrepot/store/journal.h"

struct pg_conn;

namespace entrepot::store::testing {

// Deterministic contents: odd seqs carry a key; payloads vary in length and hold NUL bytes.
JournalRecord MakeRecord(uint64_t seq);
std::vector<JournalRecord> MakeBatch(uint64_t first_seq, size_t count);

// Scans `journal` after `after` into `out`.
Status ReadAll(const Journal& journal, uint64_t after, std::vector<JournalRecord>& out);

// Expects `actual` to be MakeRecord(first_seq) .. MakeRecord(last_seq).
void ExpectSameRecords(const std::vector<JournalRecord>& actual, uint64_t first_seq,
                       uint64_t last_seq);

// The environment variable that carries the test cluster's conninfo (set by CTest).
inline constexpr const char* kTestPostgresVariable = "ENTREPOT_TEST_POSTGRES";
// What to tell a person who runs a PostgreSQL test by hand without a cluster.
inline constexpr const char* kHowToStartPostgres =
    "ENTREPOT_TEST_POSTGRES is not set: PostgreSQL cases skipped. Run them through ctest "
    "(fixture \"postgres\"), or start a cluster by hand with `tools/pg_test_cluster.sh start "
    "/tmp/pgtest` and export ENTREPOT_TEST_POSTGRES=<the URL it prints>";
// The conninfo in ENTREPOT_TEST_POSTGRES, or nullopt when the variable is unset.
std::optional<std::string> TestPostgresUrl();

// A site code unique to this process and call ("t<pid>-<n>-<prefix>"): tests sharing the
// cluster's database stay apart.
std::string UniqueSiteCode(const std::string& prefix);

// A connection of a test's own, behind the journal's back. Each call fails the test (with
// the server's message) when the statement fails.
class RawPostgres {
 public:
  explicit RawPostgres(const std::string& conninfo);
  ~RawPostgres();
  RawPostgres(const RawPostgres&) = delete;
  RawPostgres& operator=(const RawPostgres&) = delete;

  // Empty when connected, else libpq's message.
  const std::string& error() const { return error_; }
  void Exec(const std::string& sql);
  // The first column of the first row as an integer (0 for NULL).
  int64_t QueryInt(const std::string& sql);
  // Sets `column` (bytea) of the row (site, seq) of `table` to `bytes`.
  void SetBytes(const std::string& table, const std::string& column, const std::string& site,
                uint64_t seq, const std::string& bytes);

 private:
  pg_conn* connection_ = nullptr;
  std::string error_;
};

// Creates a fresh database on the cluster of `conninfo` and returns the conninfo naming it;
// DropDatabase removes it. For the tests that need a database without the schema.
std::string CreateDatabase(const std::string& conninfo, const std::string& name);
void DropDatabase(const std::string& conninfo, const std::string& name);

}  // namespace entrepot::store::testing
