// The privacy office and the notice through the HTTP API, on a server in this process over
// real loopback connections (testing::TestServer, wired as `entrepot serve` wires it: audit
// log, labor stream, the default policy). The notice in both languages (TRN-02); a worker
// signed in by badge scans only after acknowledging it, the acknowledgement is durable and a
// stale version is refused (TRN-01); the policy's check report, the record of processing, the
// audit log with its verification, whose reading is itself audited (RET-03), the retention
// runs; and who may read each.
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "entrepot/auth/account_store.h"
#include "entrepot/domain/labels.h"
#include "entrepot/privacy/audit_chain.h"
#include "entrepot/server/labor_recorder.h"
#include "entrepot/store/audit_log.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "test_http.h"
#include "test_site.h"

namespace entrepot {
namespace {

using nlohmann::json;
using testing::Client;
using testing::Reply;

constexpr int64_t kNow = 1'795'000'000'000;  // 2026-11-18T11:06:40Z.
constexpr int64_t kDayMs = 24 * 3600 * 1000;

class PrivacyApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::TestServerOptions options;
    options.users = {{"admin", auth::Role::kAdmin},
                     {"manager", auth::Role::kSiteManager},
                     {"sup", auth::Role::kSupervisor},
                     {"dpo", auth::Role::kDpo},
                     {"hr", auth::Role::kHr},
                     {"alice", auth::Role::kWorker, "BADGE-A"},
                     {"bob", auth::Role::kWorker, "BADGE-B"}};
    options.devices = {"HH-01", "HH-02"};
    ASSERT_NO_FATAL_FAILURE(Start(std::move(options)));
    for (const char* device : {"HH-01", "HH-02"}) {
      tokens_[device] = server_->DeviceToken(device);
    }
  }

  // (Re)starts the server on dir_ with the audit log and the labor stream.
  void Start(testing::TestServerOptions options) {
    server_.reset();
    options.now_ms = [this] { return now_.load(); };
    options.audit = true;
    options.labor = true;
    server_ = std::make_unique<testing::TestServer>();
    server_->Start(dir_.path(), std::move(options));
  }
  // The same site, accounts and logs, served by a new server (a restart).
  void Restart() {
    testing::TestServerOptions options;
    options.layout_toml = "";  // DIR already holds the site.
    ASSERT_NO_FATAL_FAILURE(Start(std::move(options)));
  }

  Client As(const std::string& login) { return server_->Login(login); }
  Client Device(const std::string& name) {
    Client client(server_->port());
    client.token = tokens_[name];
    return client;
  }
  Reply SignIn(const std::string& device, const std::string& badge) {
    return Device(device).Post("/api/v1/devices/session", json{{"badge", badge}}.dump());
  }
  Reply Acknowledge(const std::string& device, const json& version) {
    return Device(device).Post("/api/v1/devices/session/acknowledge",
                               json{{"version", version}}.dump());
  }
  json Record(const std::string& device) {
    return {{"id", device + "-" + std::to_string(++scans_)},
            {"device", device},
            {"mode", "receive"},
            {"code", domain::FormatLabel(domain::LabelKind::kLocation, "DOCK-01")}};
  }
  Reply Scan(const std::string& device) {
    return Device(device).Post("/api/v1/scans", Record(device).dump());
  }
  Reply Batch(const std::string& device) {
    return Device(device).Send(boost::beast::http::verb::post, "/api/v1/scans/batch",
                               Record(device).dump() + "\n" + Record(device).dump() + "\n",
                               "application/x-ndjson");
  }
  // The worker's labor sessions of today, as GET /api/v1/labor/me shows them to them.
  json LaborSessions(const std::string& login) {
    Reply me = As(login).Get("/api/v1/labor/me");
    EXPECT_EQ(me.status, 200u) << me.body;
    return me.status == 200u ? me.Json()["today"]["sessions"] : json::array();
  }
  // Every record of the audit log, oldest first.
  std::vector<privacy::AuditRecord> AuditRecords() {
    store::AuditQuery query;
    query.limit = 1000;
    auto page = server_->audit().Query(query);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    std::vector<privacy::AuditRecord> records;
    for (const auto& stored : page.ok() ? page->records : std::vector<store::StoredAuditRecord>{}) {
      records.push_back(stored.record);
    }
    return records;
  }
  static json CodeOf(const Reply& reply) { return reply.Json()["error"]["code"]; }

  testing::TempDir dir_;
  std::atomic<int64_t> now_{kNow};
  int scans_ = 0;
  std::map<std::string, std::string> tokens_;
  std::unique_ptr<testing::TestServer> server_;
};

// TRN-02: the notice of the active policy, in each offered language, cut into sections, one
// version for both; readable with a device token (the scanner shows it) and by any user.
TEST_F(PrivacyApiTest, TheNoticeInBothLanguagesWithOneVersion) {
  Reply english = Device("HH-01").Get("/api/v1/privacy/notice?lang=en");
  ASSERT_EQ(english.status, 200u) << english.body;
  EXPECT_EQ(english.cache_control, "no-store");
  json en = english.Json();
  EXPECT_EQ(en["language"], "en");
  EXPECT_EQ(en["languages"], json::array({"fr", "en"}));
  EXPECT_EQ(en["required"], true);
  ASSERT_TRUE(en["version"].is_string());
  EXPECT_EQ(en["version"].get<std::string>().size(), 32u);
  EXPECT_EQ(en["title"], "Entrepôt: what is recorded about your work");
  ASSERT_GE(en["sections"].size(), 5u) << english.body;
  std::vector<std::string> titles;
  for (const json& section : en["sections"]) {
    EXPECT_FALSE(section["text"].get<std::string>().empty()) << section["title"];
    titles.push_back(section["title"]);
  }
  EXPECT_EQ(titles.front(), "Stock movements");
  EXPECT_NE(std::find(titles.begin(), titles.end(), "Your rights"), titles.end());
  EXPECT_NE(en["text"].get<std::string>().find("CNIL"), std::string::npos);

  Reply french = As("alice").Get("/api/v1/privacy/notice?lang=fr");
  ASSERT_EQ(french.status, 200u) << french.body;
  EXPECT_EQ(french.Json()["language"], "fr");
  EXPECT_EQ(french.Json()["title"], "Entrepôt : ce qui est enregistré sur votre travail");
  EXPECT_EQ(french.Json()["sections"][0]["title"], "Mouvements de stock");
  EXPECT_EQ(french.Json()["version"], en["version"]);
  // Without ?lang, the first language the policy offers (French by default).
  EXPECT_EQ(As("dpo").Get("/api/v1/privacy/notice").Json()["language"], "fr");

  Reply german = Device("HH-01").Get("/api/v1/privacy/notice?lang=de");
  EXPECT_EQ(german.status, 400u);
  EXPECT_EQ(CodeOf(german), "bad_language");
  EXPECT_EQ(Client(server_->port()).Get("/api/v1/privacy/notice").status, 401u);
  // Not personal data: reading the notice leaves no audit record.
  for (const privacy::AuditRecord& record : AuditRecords()) {
    EXPECT_EQ(record.resource.find("notice"), std::string::npos) << record.resource;
  }
}

// TRN-01: badge sign-in says the notice must be acknowledged; until then the device's scans
// are refused; a stale version is refused; after the acknowledgement the scans go through.
TEST_F(PrivacyApiTest, ScansWaitUntilTheSignedInWorkerAcknowledgedTheNotice) {
  // Nobody signed in: the device scans as it always did.
  ASSERT_EQ(Scan("HH-01").status, 200u);
  Reply signed_in = SignIn("HH-01", "BADGE-A");
  ASSERT_EQ(signed_in.status, 200u) << signed_in.body;
  json notice = signed_in.Json()["notice"];
  EXPECT_EQ(notice["acknowledged"], false);
  EXPECT_EQ(notice["required"], true);
  EXPECT_TRUE(notice["acknowledged_at"].is_null());
  EXPECT_EQ(notice["version"], Device("HH-01").Get("/api/v1/privacy/notice").Json()["version"]);

  Reply refused = Scan("HH-01");
  EXPECT_EQ(refused.status, 403u);
  EXPECT_EQ(CodeOf(refused), "notice_not_acknowledged");
  EXPECT_NE(refused.Json()["error"]["message"].get<std::string>().find("acknowledge"),
            std::string::npos);
  EXPECT_EQ(CodeOf(Batch("HH-01")), "notice_not_acknowledged");
  // Another device with nobody signed in is not held up.
  EXPECT_EQ(Scan("HH-02").status, 200u);
  // Nothing is collected about Alice before she has read the notice: no labor session yet.
  ASSERT_TRUE(server_->labor_recorder().Flush(std::chrono::seconds(20)));
  EXPECT_TRUE(LaborSessions("alice").empty());

  Reply stale = Acknowledge("HH-01", "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(stale.status, 409u);
  EXPECT_EQ(CodeOf(stale), "notice_changed");
  EXPECT_EQ(Scan("HH-01").status, 403u);

  now_ += 5000;
  Reply ack = Acknowledge("HH-01", notice["version"]);
  ASSERT_EQ(ack.status, 200u) << ack.body;
  EXPECT_EQ(ack.Json()["acknowledged"], true);
  // The day only (RET-01: a time to the ms could be matched with the device's next scan).
  EXPECT_EQ(ack.Json()["acknowledged_at"], (kNow + 5000) - (kNow + 5000) % 86'400'000);
  Reply accepted = Scan("HH-01");
  ASSERT_EQ(accepted.status, 200u) << accepted.body;
  EXPECT_EQ(accepted.Json()["outcome"], "ok");
  ASSERT_TRUE(server_->labor_recorder().Flush(std::chrono::seconds(20)));
  EXPECT_EQ(LaborSessions("alice").size(), 1u) << "the session starts at the acknowledgement";
  // A retried acknowledgement starts no second session.
  ASSERT_EQ(Acknowledge("HH-01", notice["version"]).status, 200u);
  ASSERT_TRUE(server_->labor_recorder().Flush(std::chrono::seconds(20)));
  EXPECT_EQ(LaborSessions("alice").size(), 1u);
  EXPECT_EQ(Batch("HH-01").status, 200u);

  // Signing in again later: already acknowledged, nothing to do.
  ASSERT_EQ(Device("HH-01").Delete("/api/v1/devices/session").status, 200u);
  Reply again = SignIn("HH-01", "BADGE-A");
  EXPECT_EQ(again.Json()["notice"]["acknowledged"], true);
  EXPECT_EQ(again.Json()["notice"]["acknowledged_at"], ack.Json()["acknowledged_at"]);
  // Bob, on the same device, has his own acknowledgement to give.
  ASSERT_EQ(SignIn("HH-01", "BADGE-B").status, 200u);
  EXPECT_EQ(Scan("HH-01").status, 403u);
  // Signing out lets the device scan as a device again.
  ASSERT_EQ(Device("HH-01").Delete("/api/v1/devices/session").status, 200u);
  EXPECT_EQ(Scan("HH-01").status, 200u);
}

TEST_F(PrivacyApiTest, AcknowledgementErrors) {
  const json version = Device("HH-01").Get("/api/v1/privacy/notice").Json()["version"];
  Reply nobody = Acknowledge("HH-01", version);
  EXPECT_EQ(nobody.status, 409u);
  EXPECT_EQ(CodeOf(nobody), "no_worker_signed_in");
  ASSERT_EQ(SignIn("HH-01", "BADGE-A").status, 200u);
  Client device = Device("HH-01");
  const std::string path = "/api/v1/devices/session/acknowledge";
  EXPECT_EQ(CodeOf(device.Post(path, "{}")), "missing_field");
  EXPECT_EQ(CodeOf(device.Post(path, R"({"version":3})")), "bad_field");
  EXPECT_EQ(CodeOf(device.Post(path, "not json")), "bad_json");
  EXPECT_EQ(device.Send(boost::beast::http::verb::post, path, "{}", "text/plain").status, 415u);
  Reply huge = device.Post(path, json{{"version", std::string(5000, 'a')}}.dump());
  EXPECT_EQ(huge.status, 413u);
  EXPECT_EQ(CodeOf(huge), "body_too_large");
  EXPECT_EQ(CodeOf(Acknowledge("HH-01", "not a version")), "notice_changed");
  // A person's login cannot acknowledge for a device, nor be acknowledged for by a GET.
  EXPECT_EQ(As("alice").Post(path, json{{"version", version}}.dump()).status, 403u);
  EXPECT_EQ(device.Get(path).status, 405u);
  EXPECT_EQ(Scan("HH-01").status, 403u);  // Nothing was acknowledged by the failures.
}

// TRN-01: the acknowledgement is kept in accounts.db; so is the device session, and the scan
// check after a restart holds for the worker who had not acknowledged yet.
TEST_F(PrivacyApiTest, TheAcknowledgementSurvivesARestart) {
  Reply alice = SignIn("HH-01", "BADGE-A");
  ASSERT_EQ(alice.status, 200u);
  ASSERT_EQ(Acknowledge("HH-01", alice.Json()["notice"]["version"]).status, 200u);
  ASSERT_EQ(SignIn("HH-02", "BADGE-B").status, 200u);  // Bob does not acknowledge.
  ASSERT_NO_FATAL_FAILURE(Restart());
  EXPECT_EQ(Scan("HH-01").status, 200u);
  Reply bob = Scan("HH-02");
  EXPECT_EQ(bob.status, 403u);
  EXPECT_EQ(CodeOf(bob), "notice_not_acknowledged");
  ASSERT_EQ(Device("HH-01").Delete("/api/v1/devices/session").status, 200u);
  Reply again = SignIn("HH-01", "BADGE-A");
  EXPECT_EQ(again.Json()["notice"]["acknowledged"], true);
  EXPECT_EQ(again.Json()["notice"]["acknowledged_at"], kNow - kNow % 86'400'000);
}

// The active policy and every rule with its verdict; site_manager, admin and dpo read it.
TEST_F(PrivacyApiTest, ThePolicyAndItsCheckReport) {
  for (const char* login : {"manager", "admin", "dpo"}) {
    Reply reply = As(login).Get("/api/v1/privacy/policy");
    ASSERT_EQ(reply.status, 200u) << login << ": " << reply.body;
    json body = reply.Json();
    EXPECT_EQ(body["policy"]["profile"], "cnil-strict");
    EXPECT_EQ(body["policy"]["retention"]["audit_log_months"], 6);
    EXPECT_EQ(body["policy"]["labor"]["time_zone"], "UTC");
    EXPECT_EQ(body["policy"]["notice"]["require_acknowledgement"], true);
    EXPECT_FALSE(body["policy"]["access"].empty());
    json check = body["check"];
    EXPECT_EQ(check["lawful"], true);
    EXPECT_EQ(check["today"], "2026-11-18");
    EXPECT_EQ(check["hard"], 0);
    std::map<std::string, json> rules;
    for (const json& rule : check["rules"]) {
      rules[rule["id"]] = rule;
    }
    for (const char* id : {"IND-02", "RET-01", "RET-03", "TRN-01", "DSR-01", "AGG-01"}) {
      ASSERT_TRUE(rules.contains(id)) << id;
      EXPECT_EQ(rules[id]["verdict"], "pass") << id;
      EXPECT_FALSE(rules[id]["summary"].get<std::string>().empty()) << id;
    }
    // The default policy names no DPO contact: a warning, with its key and message.
    ASSERT_TRUE(rules.contains("TRN-02"));
    EXPECT_EQ(rules["TRN-02"]["verdict"], "warning");
    ASSERT_EQ(rules["TRN-02"]["violations"].size(), 1u);
    EXPECT_EQ(rules["TRN-02"]["violations"][0]["key"], "notice.dpo_contact");
    EXPECT_GE(check["warnings"], 1);
  }
}

TEST_F(PrivacyApiTest, TheRecordOfProcessing) {
  for (const char* login : {"admin", "dpo"}) {
    Reply reply = As(login).Get("/api/v1/privacy/record");
    ASSERT_EQ(reply.status, 200u) << login << ": " << reply.body;
    const json record = reply.Json();
    std::vector<std::string> ids;
    for (const json& activity : record["activities"]) {
      ids.push_back(activity["id"]);
    }
    EXPECT_NE(std::find(ids.begin(), ids.end(), "audit_log"), ids.end()) << reply.body;
    EXPECT_NE(std::find(ids.begin(), ids.end(), "realtime_individual"), ids.end());
    EXPECT_EQ(record["profile"], "cnil-strict");
  }
}

// Least privilege: the audit log is the DPO's alone; the policy is not for workers or
// supervisors; devices read the notice only.
TEST_F(PrivacyApiTest, RolesOtherThanThoseNamedAreRefused) {
  struct Case {
    std::string path;
    std::vector<std::string> refused;
  };
  const Case kCases[] = {
      {"/api/v1/audit", {"alice", "sup", "hr", "manager", "admin"}},
      {"/api/v1/privacy/policy", {"alice", "sup", "hr"}},
      {"/api/v1/privacy/record", {"alice", "sup", "hr", "manager"}},
      {"/api/v1/privacy/retention", {"alice", "sup", "hr", "manager"}},
  };
  for (const Case& test : kCases) {
    for (const std::string& login : test.refused) {
      Reply reply = As(login).Get(test.path);
      EXPECT_EQ(reply.status, 403u) << login << " " << test.path;
      EXPECT_EQ(CodeOf(reply), "forbidden");
    }
    EXPECT_EQ(Device("HH-01").Get(test.path).status, 403u) << test.path;
    EXPECT_EQ(Client(server_->port()).Get(test.path).status, 401u) << test.path;
  }
  // A worker's attempt at the audit log is itself on record, refused.
  bool recorded = false;
  for (const privacy::AuditRecord& record : AuditRecords()) {
    recorded |= record.actor == "alice" && record.data_class == "audit_log" &&
                record.outcome == privacy::AuditOutcome::kRefused && record.reason == "forbidden";
  }
  EXPECT_TRUE(recorded);
}

// RET-03: the DPO pages through the log newest first, sees that the chain verifies, and each
// of their reads is itself in the log.
TEST_F(PrivacyApiTest, TheAuditLogIsPagedVerifiedAndItsReadingAudited) {
  ASSERT_EQ(As("alice").Get("/api/v1/me").status, 200u);
  ASSERT_EQ(As("admin").Get("/api/v1/users").status, 200u);
  ASSERT_EQ(As("bob").Get("/api/v1/me").status, 200u);
  Client dpo = As("dpo");
  Reply first = dpo.Get("/api/v1/audit?limit=2");
  ASSERT_EQ(first.status, 200u) << first.body;
  EXPECT_EQ(first.cache_control, "no-store");
  json page = first.Json();
  ASSERT_EQ(page["records"].size(), 2u);
  EXPECT_EQ(page["records"][0]["actor"], "bob");  // Newest first.
  EXPECT_EQ(page["records"][1]["actor"], "admin");
  EXPECT_EQ(page["records"][0]["hash"].get<std::string>().size(), 64u);
  ASSERT_TRUE(page["next_before"].is_number());
  json verification = page["verification"];
  EXPECT_EQ(verification["verified"], true);
  EXPECT_EQ(verification["records_checked"], 3);
  EXPECT_TRUE(verification["broken"].is_null());
  EXPECT_EQ(verification["checkpoint"].get<std::string>().substr(0, 2), "3:");

  Reply second = dpo.Get("/api/v1/audit?limit=2&before=" + page["next_before"].dump());
  ASSERT_EQ(second.status, 200u) << second.body;
  ASSERT_EQ(second.Json()["records"].size(), 1u) << second.body;
  EXPECT_EQ(second.Json()["records"][0]["actor"], "alice");
  EXPECT_TRUE(second.Json()["next_before"].is_null());  // The last page.
  // The second page's verification covers the first page's read, already on record.
  EXPECT_EQ(second.Json()["verification"]["records_checked"], 4);

  Reply newest = dpo.Get("/api/v1/audit?limit=1");
  json mine = newest.Json()["records"][0];
  EXPECT_EQ(mine["actor"], "dpo");
  EXPECT_EQ(mine["actor_role"], "dpo");
  EXPECT_EQ(mine["data_class"], "audit_log");
  EXPECT_EQ(mine["subject"], "*");
  EXPECT_EQ(mine["purpose"], "data_protection");
  EXPECT_EQ(mine["resource"], "GET /api/v1/audit");
  EXPECT_EQ(mine["outcome"], "allowed");
  // Filters: the records about bob (and those about everyone, such as the DPO's reads).
  json about_bob = dpo.Get("/api/v1/audit?subject=bob&limit=500").Json();
  for (const json& record : about_bob["records"]) {
    EXPECT_TRUE(record["subject"] == "bob" || record["subject"] == "*") << record;
  }

  for (const char* bad : {"limit=0", "limit=501", "limit=x", "limit=-1"}) {
    Reply reply = dpo.Get(std::string("/api/v1/audit?") + bad);
    EXPECT_EQ(reply.status, 400u) << bad;
    EXPECT_EQ(CodeOf(reply), "bad_limit") << bad;
  }
  for (const char* bad : {"before=0", "before=abc", "before="}) {
    EXPECT_EQ(CodeOf(dpo.Get(std::string("/api/v1/audit?") + bad)), "bad_cursor") << bad;
  }
  EXPECT_EQ(CodeOf(dpo.Get("/api/v1/audit?actor=" + std::string(65, 'a'))), "bad_query");
  // A refused read is audited as refused.
  EXPECT_EQ(dpo.Get("/api/v1/audit?limit=1").Json()["records"][0]["reason"], "bad_query");
}

// RET-03: a record edited behind the log's back shows on the DPO's page as a broken chain.
TEST_F(PrivacyApiTest, AnEditedRecordShowsAsABrokenChain) {
  ASSERT_EQ(As("alice").Get("/api/v1/me").status, 200u);
  ASSERT_EQ(As("bob").Get("/api/v1/me").status, 200u);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.File("audit.db").c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  EXPECT_EQ(sqlite3_exec(db, "UPDATE audit SET purpose = 'discipline' WHERE seq = 1", nullptr,
                         nullptr, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);
  Reply reply = As("dpo").Get("/api/v1/audit");
  ASSERT_EQ(reply.status, 200u) << reply.body;
  json verification = reply.Json()["verification"];
  EXPECT_EQ(verification["verified"], false);
  EXPECT_EQ(verification["broken"]["kind"], "edited");
  EXPECT_EQ(verification["broken"]["seq"], 1);
  EXPECT_FALSE(verification["broken"]["message"].get<std::string>().empty());
  EXPECT_EQ(verification["records_checked"], 0);
}

// What the retention jobs did: the labor day rolled up and the audit log pruned, newest
// first, with the policy's periods; the DPO and the administrator read it.
TEST_F(PrivacyApiTest, TheRetentionRuns) {
  Reply signed_in = SignIn("HH-01", "BADGE-A");
  ASSERT_EQ(Acknowledge("HH-01", signed_in.Json()["notice"]["version"]).status, 200u);
  ASSERT_EQ(Scan("HH-01").status, 200u);
  ASSERT_TRUE(server_->labor_recorder().Flush(std::chrono::seconds(20)));
  Reply before = As("dpo").Get("/api/v1/privacy/retention");
  ASSERT_EQ(before.status, 200u) << before.body;
  EXPECT_TRUE(before.Json()["runs"].empty()) << before.body;
  EXPECT_EQ(before.Json()["labor_days_open"], json::array({"2026-11-18"}));
  EXPECT_EQ(before.Json()["periods"]["labor_events_days"], 1);
  EXPECT_EQ(before.Json()["periods"]["audit_log_months"], 6);

  now_ += kDayMs;  // The next day: the job rolls the day up, then prunes the log.
  auto report =
      server::RunLaborRetention(server_->labor(), &server_->audit(), server::LaborDayOf(now_),
                                server_->user_ids(), now_, [](const std::string&) {});
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_TRUE(server_->audit().PruneBefore(now_ - 1000, now_).ok());

  for (const char* login : {"dpo", "admin"}) {
    Reply reply = As(login).Get("/api/v1/privacy/retention?limit=10");
    ASSERT_EQ(reply.status, 200u) << login << ": " << reply.body;
    json runs = reply.Json()["runs"];
    ASSERT_EQ(runs.size(), 2u) << reply.body;
    EXPECT_EQ(runs[0]["action"], "prune");  // Newest first.
    EXPECT_EQ(runs[0]["data_class"], "audit_log");
    EXPECT_EQ(runs[1]["action"], "roll_up");
    EXPECT_EQ(runs[1]["data_class"], "labor_events");
    EXPECT_NE(runs[1]["what"].get<std::string>().find("2026-11-18"), std::string::npos);
    // The worker is still signed in: their session goes on in the next day (docs/LABOR.md,
    // "End of day", the night shift carried over).
    EXPECT_EQ(reply.Json()["labor_days_open"], json::array({"2026-11-19"})) << reply.body;
    EXPECT_TRUE(reply.Json()["next_before"].is_null());
  }
  Reply paged = As("dpo").Get("/api/v1/privacy/retention?limit=1");
  ASSERT_EQ(paged.Json()["runs"].size(), 1u);
  ASSERT_TRUE(paged.Json()["next_before"].is_number());
  Reply rest = As("dpo").Get("/api/v1/privacy/retention?limit=1&before=" +
                             paged.Json()["next_before"].dump());
  ASSERT_EQ(rest.Json()["runs"].size(), 1u) << rest.body;
  EXPECT_EQ(rest.Json()["runs"][0]["action"], "roll_up");
  EXPECT_EQ(CodeOf(As("dpo").Get("/api/v1/privacy/retention?limit=1000")), "bad_limit");
}

}  // namespace
}  // namespace entrepot
