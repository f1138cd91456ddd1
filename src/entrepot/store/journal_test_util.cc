#include "entrepot/store/journal_test_util.h"

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>

#include "gtest/gtest.h"

namespace entrepot::store::testing {

JournalRecord MakeRecord(uint64_t seq) {
  JournalRecord record;
  record.seq = seq;
  if (seq % 2 == 1) {
    record.idempotency_key = "device-7/" + std::to_string(seq);
  }
  record.payload = "payload of seq " + std::to_string(seq) + std::string(1, '\0') +
                   std::string(seq % 50, static_cast<char>('a' + seq % 26));
  return record;
}

std::vector<JournalRecord> MakeBatch(uint64_t first_seq, size_t count) {
  std::vector<JournalRecord> batch;
  for (size_t i = 0; i < count; ++i) {
    batch.push_back(MakeRecord(first_seq + i));
  }
  return batch;
}

Status ReadAll(const Journal& journal, uint64_t after, std::vector<JournalRecord>& out) {
  out.clear();
  return journal.Scan(after, [&out](const JournalRecord& record) {
    out.push_back(record);
    return OkStatus();
  });
}

void ExpectSameRecords(const std::vector<JournalRecord>& actual, uint64_t first_seq,
                       uint64_t last_seq) {
  ASSERT_EQ(actual.size(), last_seq - first_seq + 1);
  for (uint64_t seq = first_seq; seq <= last_seq; ++seq) {
    const JournalRecord& record = actual[seq - first_seq];
    const JournalRecord expected = MakeRecord(seq);
    EXPECT_EQ(record.seq, seq);
    EXPECT_EQ(record.idempotency_key, expected.idempotency_key) << "seq " << seq;
    EXPECT_EQ(record.payload, expected.payload) << "seq " << seq;
  }
}

std::optional<std::string> TestPostgresUrl() {
  const char* url = std::getenv(kTestPostgresVariable);
  if (url == nullptr) {
    return std::nullopt;
  }
  return std::string(url);
}

std::string UniqueSiteCode(const std::string& prefix) {
  static std::atomic<int> counter{0};
  return "t" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" + prefix;
}

RawPostgres::RawPostgres(const std::string& conninfo) {
  const char* keywords[] = {"dbname", nullptr};
  const char* values[] = {conninfo.c_str(), nullptr};
  connection_ = PQconnectdbParams(keywords, values, 1);
  if (PQstatus(connection_) != CONNECTION_OK) {
    error_ = PQerrorMessage(connection_);
    ADD_FAILURE() << "cannot connect to " << conninfo << ": " << error_;
    return;
  }
  PQsetNoticeProcessor(
      connection_, [](void*, const char*) {}, nullptr);
}

RawPostgres::~RawPostgres() { PQfinish(connection_); }

void RawPostgres::Exec(const std::string& sql) {
  PGresult* result = PQexec(connection_, sql.c_str());
  const ExecStatusType status = PQresultStatus(result);
  EXPECT_TRUE(status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
      << sql << ": " << PQerrorMessage(connection_);
  PQclear(result);
}

int64_t RawPostgres::QueryInt(const std::string& sql) {
  PGresult* result = PQexec(connection_, sql.c_str());
  int64_t value = 0;
  if (PQresultStatus(result) != PGRES_TUPLES_OK || PQntuples(result) != 1) {
    ADD_FAILURE() << sql << ": " << PQerrorMessage(connection_);
  } else if (PQgetisnull(result, 0, 0) == 0) {
    value = std::strtoll(PQgetvalue(result, 0, 0), nullptr, 10);
  }
  PQclear(result);
  return value;
}

void RawPostgres::SetBytes(const std::string& table, const std::string& column,
                           const std::string& site, uint64_t seq, const std::string& bytes) {
  const std::string sql =
      "UPDATE " + table + " SET " + column + " = $1::bytea WHERE site = $2 AND seq = $3::int8";
  const std::string seq_text = std::to_string(seq);
  const char* values[] = {bytes.data(), site.c_str(), seq_text.c_str()};
  const int lengths[] = {static_cast<int>(bytes.size()), 0, 0};
  const int formats[] = {1, 0, 0};
  PGresult* result =
      PQexecParams(connection_, sql.c_str(), 3, nullptr, values, lengths, formats, 0);
  EXPECT_EQ(PQresultStatus(result), PGRES_COMMAND_OK) << sql << ": " << PQerrorMessage(connection_);
  EXPECT_STREQ(PQcmdTuples(result), "1") << sql;
  PQclear(result);
}

namespace {

// `conninfo` as a postgresql:// URL naming database `name` (the commands take URLs). The
// other parameters go into the query string: the test cluster's have no '&' or spaces.
std::string WithDatabase(const std::string& conninfo, const std::string& name) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  if (options == nullptr) {
    ADD_FAILURE() << "bad conninfo " << conninfo << ": " << (error != nullptr ? error : "");
    PQfreemem(error);
    return conninfo;
  }
  std::string result = "postgresql:///" + name;
  char separator = '?';
  for (PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
    if (option->val != nullptr && std::string(option->keyword) != "dbname") {
      result += separator + std::string(option->keyword) + "=" + option->val;
      separator = '&';
    }
  }
  PQconninfoFree(options);
  return result;
}

}  // namespace

std::string CreateDatabase(const std::string& conninfo, const std::string& name) {
  RawPostgres raw(conninfo);
  raw.Exec("DROP DATABASE IF EXISTS \"" + name + "\"");
  raw.Exec("CREATE DATABASE \"" + name + "\"");
  return WithDatabase(conninfo, name);
}

void DropDatabase(const std::string& conninfo, const std::string& name) {
  RawPostgres raw(conninfo);
  raw.Exec("DROP DATABASE IF EXISTS \"" + name + "\" WITH (FORCE)");
}

}  // namespace entrepot::store::testing
