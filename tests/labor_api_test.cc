// The labor stream through the HTTP API, on a server in this process over real loopback
// connections, wired as `entrepot serve` wires it: the engine's commits and badge sign-ins
// go to the labor recorder, the labor routes read DIR/labor.db under the default policy, and
// every read is written to the audit log. A worker signs in by badge and scans; they see
// their own day and, after the roll-up, their week (DSR-01), and nobody else sees it; a
// supervisor sees their own shift and zone today only (IND-04, IND-05, ACC-01); after the
// roll-up the API returns no raw event of the day (RET-01); aggregates hide small groups
// (AGG-01); every such read is in the audit log (RET-03).
#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "entrepot/auth/account_store.h"
#include "entrepot/domain/labels.h"
#include "entrepot/server/labor_day.h"
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

constexpr char kKettle[] = "(01)09506000134352";
constexpr int64_t kNow = 1'795'000'000'000;  // 2026-11-18T11:06:40Z.
constexpr char kToday[] = "2026-11-18";
constexpr int64_t kDayMs = 24 * 3600 * 1000;

std::string Label(const std::string& code) {
  return domain::FormatLabel(domain::LabelKind::kLocation, code);
}

class LaborApiTest : public ::testing::Test {
 protected:
  void SetUp() override { StartServer(privacy::DefaultPolicy()); }

  void StartServer(privacy::Policy policy) {
    testing::TestServerOptions options = RestartOptions();
    options.layout_toml = testing::SmallLayoutToml();
    options.policy = std::move(policy);
    options.users = {{"admin", auth::Role::kAdmin},
                     {"manager", auth::Role::kSiteManager},
                     {"sup", auth::Role::kSupervisor},
                     {"sup_b", auth::Role::kSupervisor},
                     {"hr", auth::Role::kHr},
                     {"alice", auth::Role::kWorker, "BADGE-A"},
                     {"bob", auth::Role::kWorker, "BADGE-B"}};
    options.devices = {"HH-01", "HH-02"};
    ASSERT_NO_FATAL_FAILURE(server_.Start(dir_.path(), std::move(options)));
  }
  // What a server restarted on the site of server_ is given: no layout, users or devices.
  testing::TestServerOptions RestartOptions() {
    testing::TestServerOptions options;
    options.layout_toml = "";
    options.now_ms = [this] { return now_.load(); };
    options.audit = true;
    options.labor = true;
    return options;
  }

  Client As(const std::string& login) { return server_.Login(login); }
  // HH-0<index + 1>.
  Client Device(int index) { return server_.Device("HH-0" + std::to_string(index + 1)); }
  // Badge sign-in, then the worker acknowledges the notice as the scanner page has them do
  // before their first scan (TRN-01).
  void SignIn(int device, const std::string& badge) {
    Reply reply = Device(device).Post("/api/v1/devices/session", json{{"badge", badge}}.dump());
    ASSERT_EQ(reply.status, 200u) << reply.body;
    json version = reply.Json()["notice"]["version"];
    Reply ack = Device(device).Post("/api/v1/devices/session/acknowledge",
                                    json{{"version", version}}.dump());
    ASSERT_EQ(ack.status, 200u) << ack.body;
  }
  // One scan of HH-0<device + 1>, stamped by the server's clock; returns its outcome.
  std::string Scan(int device, const std::string& mode, const std::string& code) {
    json record = {{"id", "k-" + std::to_string(++scans_)},
                   {"device", "HH-0" + std::to_string(device + 1)},
                   {"mode", mode},
                   {"code", code}};
    now_ += 1000;
    Reply reply = Device(device).Post("/api/v1/scans", record.dump());
    EXPECT_EQ(reply.status, 200u) << reply.body;
    return reply.status == 200u ? reply.Json()["outcome"].get<std::string>() : "";
  }
  void Flush() { ASSERT_TRUE(server_.labor_recorder().Flush(std::chrono::seconds(20))); }
  // The end-of-day job as serve runs it, at the server's clock.
  void RunRetention(const server::LaborTimeZone& zone = {}) {
    auto report =
        server::RunLaborRetention(server_.labor(), &server_.audit(), server::LaborDayOf(now_, zone),
                                  server_.user_ids(), now_, [](const std::string&) {});
    ASSERT_TRUE(report.ok()) << report.status().ToString();
  }
  // The audit records about `subject` (with those about everyone), or all when nullopt.
  std::vector<privacy::AuditRecord> AuditAbout(std::optional<std::string> subject) {
    store::AuditQuery query;
    query.subject = std::move(subject);
    query.limit = 1000;
    auto page = server_.audit().Query(query);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    std::vector<privacy::AuditRecord> records;
    for (const auto& stored : page.ok() ? page->records : std::vector<store::StoredAuditRecord>{}) {
      records.push_back(stored.record);
    }
    return records;
  }
  void SetRota(const std::string& day = kToday) {
    json rota = {{"assignments",
                  {{{"worker", "alice"}, {"team", "T1"}, {"shift", "early"}, {"zone", "INB"}},
                   {{"worker", "bob"}, {"team", "T1"}, {"shift", "early"}, {"zone", "A"}},
                   {{"worker", "sup"},
                    {"team", "T1"},
                    {"shift", "early"},
                    {"zone", "INB"},
                    {"supervisor", true}},
                   {{"worker", "sup_b"},
                    {"team", "T1"},
                    {"shift", "early"},
                    {"zone", "A"},
                    {"supervisor", true}}}}};
    Reply set = As("manager").Put("/api/v1/labor/assignments/" + day, rota.dump());
    ASSERT_EQ(set.status, 200u) << set.body;
    EXPECT_EQ(set.Json()["assignments"], 4);
  }

  // A rolled-up past `day` in the labor store: `count` workers of `team` from id `first`,
  // each picking `units` in zone A during one hour (team-week rows, IND-06).
  struct TeamDay {
    std::string team;
    int64_t first = 0;
    int count = 0;
    int64_t units = 150;
  };
  void RolledUpDay(const std::string& day_text, const std::vector<TeamDay>& teams) {
    const privacy::Date day = *privacy::ParseDate(day_text);
    store::LaborStore& labor = server_.labor();
    std::vector<store::LaborAssignment> rota;
    std::vector<int64_t> ids;
    for (const TeamDay& team : teams) {
      for (int64_t id = team.first; id < team.first + team.count; ++id) {
        rota.push_back({id, team.team, "early", "A", false});
        ids.push_back(id);
      }
    }
    ASSERT_TRUE(labor.SetAssignments(day, rota).ok());
    for (const TeamDay& team : teams) {
      for (int64_t id = team.first; id < team.first + team.count; ++id) {
        const std::string device = "LAB-" + std::to_string(id);
        ASSERT_TRUE(labor.StartSession(day, device, id, 0).ok());
        ASSERT_TRUE(*labor.RecordScan(device, "pick", "A", "ok", team.units, 1'800'000));
        ASSERT_TRUE(labor.EndSession(device, 3'600'000).ok());
      }
    }
    ASSERT_TRUE(labor.RollUpDay(day, ids).ok());
  }
  int64_t Id(const std::string& login) { return server_.accounts().FindUser(login)->id; }
  // A rolled-up past `day` whose rota is `lines` (login, team, supervisor): each worker who
  // is no supervisor picks `units` in zone A during one hour.
  struct RotaLine {
    std::string login;
    std::string team;
    bool supervisor = false;
  };
  void LedDay(const std::string& day_text, const std::vector<RotaLine>& lines, int64_t units) {
    const privacy::Date day = *privacy::ParseDate(day_text);
    store::LaborStore& labor = server_.labor();
    std::vector<store::LaborAssignment> rota;
    for (const RotaLine& line : lines) {
      rota.push_back({Id(line.login), line.team, "early", "A", line.supervisor});
    }
    ASSERT_TRUE(labor.SetAssignments(day, rota).ok());
    for (const store::LaborAssignment& line : rota) {
      if (!line.supervisor) {
        const std::string device = "LAB-" + std::to_string(line.worker_id);
        ASSERT_TRUE(labor.StartSession(day, device, line.worker_id, 0).ok());
        ASSERT_TRUE(*labor.RecordScan(device, "pick", "A", "ok", units, 1'800'000));
        ASSERT_TRUE(labor.EndSession(device, 3'600'000).ok());
      }
    }
    ASSERT_TRUE(labor.RollUpDay(day, server_.user_ids()).ok());
  }
  // W46: sup leads T1 (alice), sup_b leads T2 (bob); W47: sup_b leads T1 (alice).
  void TwoLedWeeks() {
    LedDay("2026-11-09",
           {{"alice", "T1"}, {"sup", "T1", true}, {"bob", "T2"}, {"sup_b", "T2", true}}, 150);
    LedDay("2026-11-16", {{"alice", "T1"}, {"sup_b", "T1", true}}, 40);
  }
  // "<status> <error code>" of a GET, or "200 " when it succeeds.
  std::string Outcome(Client& client, const std::string& target) {
    Reply reply = client.Get(target);
    return std::to_string(reply.status) + " " +
           (reply.status == 200u ? "" : reply.Json()["error"]["code"].get<std::string>());
  }
  std::string Outcome(Client&& client, const std::string& target) {
    return Outcome(client, target);
  }

  testing::TempDir dir_;
  std::atomic<int64_t> now_{kNow};
  int scans_ = 0;
  testing::TestServer server_;
};

TEST_F(LaborApiTest, AWorkerSeesTheirOwnDayThenTheirWeekAndNobodyElseDoes) {
  SignIn(0, "BADGE-A");
  EXPECT_EQ(Scan(0, "receive", Label("DOCK-01")), "ok");
  EXPECT_EQ(Scan(0, "receive", kKettle), "ok");
  EXPECT_EQ(Scan(0, "receive", kKettle), "ok");
  EXPECT_EQ(Scan(0, "receive", "not a code"), "unknown_code");
  Flush();

  Client alice = As("alice");
  Reply mine = alice.Get("/api/v1/labor/me");
  ASSERT_EQ(mine.status, 200u) << mine.body;
  EXPECT_EQ(mine.cache_control, "no-store");
  json today = mine.Json()["today"];
  EXPECT_EQ(mine.Json()["worker"], "alice");
  EXPECT_EQ(today["day"], kToday);
  EXPECT_EQ(today["units"], 2);
  EXPECT_EQ(today["errors_per_cause"]["unknown_code"], 1);
  ASSERT_EQ(today["scans"].size(), 4u) << mine.body;
  EXPECT_EQ(today["scans"][1]["process"], "receive");
  EXPECT_EQ(today["scans"][1]["zone"], "INB");
  EXPECT_EQ(today["current_task"]["process"], "receive");
  EXPECT_TRUE(mine.Json()["weeks"].empty());
  EXPECT_EQ(mine.body.find("HH-01"), std::string::npos) << "a device is never joined to a person";

  // Another worker has no way to ask for Alice's data and sees only their own (empty) day.
  Reply bobs = As("bob").Get("/api/v1/labor/me?worker=alice");
  ASSERT_EQ(bobs.status, 200u) << bobs.body;
  EXPECT_EQ(bobs.Json()["worker"], "bob");
  EXPECT_EQ(bobs.Json()["today"]["units"], 0);
  EXPECT_TRUE(bobs.Json()["today"]["scans"].empty());
  // A device has no labor data of its own.
  EXPECT_EQ(Device(0).Get("/api/v1/labor/me").status, 403u);

  Reply exported = alice.Get("/api/v1/labor/me?format=export");
  ASSERT_EQ(exported.status, 200u) << exported.body;
  EXPECT_EQ(exported.content_disposition,
            std::string("attachment; filename=\"entrepot-labor-alice-") + kToday + ".json\"");
  EXPECT_EQ(exported.Json()["today"]["units"], 2);
  EXPECT_EQ(alice.Get("/api/v1/labor/me?format=csv").status, 400u);

  // The next day the job rolls the day up: the week holds the totals, the day key is gone.
  now_ = kNow + kDayMs;
  RunRetention();
  Client alice_tomorrow = As("alice");  // Her session of yesterday has expired.
  Reply next_day = alice_tomorrow.Get("/api/v1/labor/me");
  ASSERT_EQ(next_day.status, 200u) << next_day.body;
  ASSERT_EQ(next_day.Json()["weeks"].size(), 1u) << next_day.body;
  EXPECT_EQ(next_day.Json()["weeks"][0]["week"], "2026-W47");
  EXPECT_EQ(next_day.Json()["weeks"][0]["units_per_process"]["receive"], 2);
  EXPECT_EQ(next_day.Json()["weeks"][0]["errors_per_cause"]["unknown_code"], 1);
  // RET-01: even asked on the rolled-up day itself, no raw event links to her any more.
  now_ = kNow + 60'000;
  Reply rolled_day = alice_tomorrow.Get("/api/v1/labor/me");
  ASSERT_EQ(rolled_day.status, 200u) << rolled_day.body;
  EXPECT_TRUE(rolled_day.Json()["today"]["scans"].empty()) << rolled_day.body;
  EXPECT_TRUE(rolled_day.Json()["today"]["sessions"].empty());
  EXPECT_EQ(rolled_day.Json()["today"]["units"], 0);

  // Every read is on record, and Alice sees who read her data (herself, and the job).
  std::vector<std::string> reads;
  for (const privacy::AuditRecord& record : AuditAbout("alice")) {
    if (record.subject == "alice") {
      EXPECT_EQ(record.actor, "alice");
      EXPECT_EQ(record.data_class, "labor_events");
      EXPECT_EQ(record.purpose, "own_data");
      reads.push_back(record.action + ":" + std::string(privacy::AuditOutcomeName(record.outcome)));
    }
  }
  EXPECT_EQ(reads, (std::vector<std::string>{"read:allowed", "export:allowed", "read:refused",
                                             "read:allowed", "read:allowed"}));
  bool job_recorded = false;
  const json rolled_body = rolled_day.Json();
  for (const json& access : rolled_body["accesses"]) {
    job_recorded |= access["actor_kind"] == "system" && access["action"] == "roll_up";
  }
  EXPECT_TRUE(job_recorded) << rolled_day.body;
}

// A badge sign-in is kept sealed in accounts.db (under the day's sign-in key, docs/LABOR.md):
// a restarted server still knows who is signed in on the device, and the scans after the
// restart go on in the worker's labor session.
TEST_F(LaborApiTest, ABadgeSignInSurvivesARestart) {
  SignIn(0, "BADGE-A");
  EXPECT_EQ(Scan(0, "receive", Label("DOCK-01")), "ok");
  Flush();
  const std::string device_token = server_.DeviceToken("HH-01");
  server_.Stop();

  testing::TestServer restarted;
  ASSERT_NO_FATAL_FAILURE(restarted.Start(dir_.path(), RestartOptions()));
  Client device(restarted.port());
  device.token = device_token;
  json record = {
      {"id", "after-restart"}, {"device", "HH-01"}, {"mode", "receive"}, {"code", kKettle}};
  now_ += 1000;
  Reply scanned = device.Post("/api/v1/scans", record.dump());
  ASSERT_EQ(scanned.status, 200u) << scanned.body;
  EXPECT_EQ(scanned.Json()["outcome"], "ok");
  ASSERT_TRUE(restarted.labor_recorder().Flush(std::chrono::seconds(20)));

  Reply mine = restarted.Login("alice").Get("/api/v1/labor/me");
  ASSERT_EQ(mine.status, 200u) << mine.body;
  EXPECT_EQ(mine.Json()["today"]["scans"].size(), 2u) << mine.body;
  EXPECT_EQ(mine.Json()["today"]["units"], 1);
  EXPECT_EQ(mine.Json()["today"]["sessions"].size(), 1u) << "the session went on";
}

TEST_F(LaborApiTest, SignOutEndsTheLaborSessionOfTheDevice) {
  SignIn(0, "BADGE-A");
  EXPECT_EQ(Scan(0, "receive", Label("DOCK-01")), "ok");
  ASSERT_EQ(Device(0).Delete("/api/v1/devices/session").status, 200u);
  EXPECT_EQ(Scan(0, "receive", kKettle), "ok");  // Scanning goes on, linked to nobody.
  Flush();
  json today = As("alice").Get("/api/v1/labor/me").Json()["today"];
  EXPECT_EQ(today["scans"].size(), 1u);
  ASSERT_EQ(today["sessions"].size(), 1u);
  EXPECT_FALSE(today["sessions"][0]["end"].is_null());
  EXPECT_TRUE(today["current_task"].is_null());
  EXPECT_EQ(server_.labor_recorder().stats().scans_without_session, 1u);
}

TEST_F(LaborApiTest, ASupervisorSeesOnlyTheirOwnShiftAndZoneToday) {
  SetRota();
  SignIn(0, "BADGE-A");
  SignIn(1, "BADGE-B");
  EXPECT_EQ(Scan(0, "receive", Label("DOCK-01")), "ok");
  EXPECT_EQ(Scan(0, "receive", kKettle), "ok");
  EXPECT_EQ(Scan(1, "receive", Label("DOCK-01")), "ok");
  Flush();

  Client sup = As("sup");
  Reply team = sup.Get("/api/v1/labor/team?purpose=flow_management&shift=early&zone=INB");
  ASSERT_EQ(team.status, 200u) << team.body;
  ASSERT_EQ(team.Json()["workers"].size(), 1u) << team.body;
  EXPECT_EQ(team.Json()["workers"][0]["worker"], "alice");
  EXPECT_EQ(team.Json()["workers"][0]["units"], 1);
  EXPECT_EQ(team.Json()["workers"][0]["current_task"]["zone"], "INB");
  EXPECT_EQ(team.body.find("bob"), std::string::npos) << "Bob works in zone A";

  auto refused = [&sup](const std::string& query) {
    Reply reply = sup.Get("/api/v1/labor/team?" + query);
    return std::to_string(reply.status) + " " + reply.Json()["error"]["code"].get<std::string>();
  };
  // ACC-01: another zone or shift; IND-04: another day; GOV-02: a purpose the policy refuses.
  EXPECT_EQ(refused("purpose=flow_management&shift=early&zone=A"), "403 other_zone");
  EXPECT_EQ(refused("purpose=flow_management&shift=late&zone=INB"), "403 other_shift");
  EXPECT_EQ(refused("purpose=flow_management&shift=early&zone=INB&day=2026-11-17"),
            "403 not_today");
  EXPECT_EQ(refused("purpose=evaluation&shift=early&zone=INB"), "403 purpose_not_allowed");
  EXPECT_EQ(refused("shift=early&zone=INB"), "400 missing_purpose");
  EXPECT_EQ(refused("purpose=spying&shift=early&zone=INB"), "400 bad_purpose");
  EXPECT_EQ(refused("purpose=flow_management&zone=INB"), "400 missing_parameter");
  // The other supervisor of the same shift sees zone A, not INB.
  Reply other = As("sup_b").Get("/api/v1/labor/team?purpose=quality&shift=early&zone=INB");
  EXPECT_EQ(other.status, 403u);
  EXPECT_EQ(other.Json()["error"]["code"], "other_zone");
  // Workers and HR hold no grant on real-time labor events; the rota is not a supervisor's.
  Reply worker = As("alice").Get("/api/v1/labor/team?purpose=flow_management&shift=early&zone=INB");
  EXPECT_EQ(worker.status, 403u);
  EXPECT_EQ(worker.Json()["error"]["code"], "no_grant");
  EXPECT_EQ(As("hr").Get("/api/v1/labor/team?purpose=planning&shift=early&zone=INB").status, 403u);
  EXPECT_EQ(
      sup.Put(std::string("/api/v1/labor/assignments/") + kToday, R"({"assignments":[]})").status,
      403u);

  // Every read, allowed or refused, is in the audit log with its purpose and outcome.
  int allowed = 0;
  int other_zone = 0;
  for (const privacy::AuditRecord& record : AuditAbout("*")) {
    if (record.actor != "sup" || record.data_class != "labor_events" || record.action != "read") {
      continue;
    }
    allowed += record.outcome == privacy::AuditOutcome::kAllowed ? 1 : 0;
    if (record.reason == "other_zone") {
      ++other_zone;
      EXPECT_EQ(record.purpose, "flow_management");
      EXPECT_EQ(record.resource, "GET /api/v1/labor/team");
    }
  }
  EXPECT_EQ(allowed, 1);
  EXPECT_EQ(other_zone, 1);
}

TEST_F(LaborApiTest, AggregatesHideGroupsSmallerThanK) {
  SetRota();
  SignIn(0, "BADGE-A");
  SignIn(1, "BADGE-B");
  EXPECT_EQ(Scan(0, "receive", Label("DOCK-01")), "ok");
  EXPECT_EQ(Scan(1, "receive", Label("DOCK-01")), "ok");
  Flush();
  Reply cells = As("manager").Get("/api/v1/labor/aggregates?purpose=planning&group_by=zone");
  ASSERT_EQ(cells.status, 200u) << cells.body;
  EXPECT_EQ(cells.Json()["min_group_size"], 10);
  ASSERT_FALSE(cells.Json()["cells"].empty()) << cells.body;
  const json body = cells.Json();
  for (const json& cell : body["cells"]) {
    EXPECT_EQ(cell["suppressed"], "below_min_group") << cells.body;
    EXPECT_FALSE(cell.contains("units")) << "a suppressed cell carries no figure";
    EXPECT_FALSE(cell.contains("workers"));
  }
  // HR reads team figures for planning and training, not for flow management (GOV-02).
  Reply hr = As("hr").Get("/api/v1/labor/aggregates?purpose=flow_management");
  EXPECT_EQ(hr.status, 403u);
  EXPECT_EQ(hr.Json()["error"]["code"], "purpose_not_allowed");
  Reply purpose = As("manager").Get("/api/v1/labor/aggregates?purpose=discipline");
  EXPECT_EQ(purpose.Json()["error"]["code"], "purpose_not_allowed");
  EXPECT_EQ(As("manager").Get("/api/v1/labor/aggregates?purpose=planning&group_by=person").status,
            400u);
  int audited = 0;
  for (const privacy::AuditRecord& record : AuditAbout(std::nullopt)) {
    audited += record.data_class == "team_aggregates" ? 1 : 0;
  }
  EXPECT_EQ(audited, 4);
}

// IND-06, AGG-01: team aggregates over rolled-up ISO weeks, for line managers and HR as the
// policy grants; T2 is under k and T3 is hidden with it (complementary suppression).
TEST_F(LaborApiTest, WeeklyTeamAggregatesAreKAnonymous) {
  for (const char* day : {"2026-11-09", "2026-11-16"}) {  // Mondays of W46 and W47.
    RolledUpDay(day, {{"T1", 100, 12}, {"T2", 200, 2}, {"T3", 300, 10}});
  }
  Reply reply = As("manager").Get(
      "/api/v1/labor/aggregates?purpose=planning&from=2026-W46&to=2026-W47&group_by=team");
  ASSERT_EQ(reply.status, 200u) << reply.body;
  EXPECT_EQ(reply.cache_control, "no-store");
  const json body = reply.Json();
  EXPECT_EQ(body["from"], "2026-W46");
  EXPECT_EQ(body["to"], "2026-W47");
  EXPECT_EQ(body["weeks_kept"], json({"2026-W46", "2026-W47"}));
  EXPECT_EQ(body["measure"], "output");
  ASSERT_EQ(body["cells"].size(), 3u) << reply.body;
  EXPECT_EQ(body["cells"][0]["group"], "T1");
  EXPECT_EQ(body["cells"][0]["worker_weeks"], 24);
  EXPECT_EQ(body["cells"][0]["units"], 24 * 150);
  EXPECT_EQ(body["cells"][0]["hours"], 24.0);
  EXPECT_EQ(body["cells"][1]["suppressed"], "below_min_group");
  EXPECT_FALSE(body["cells"][1].contains("units")) << "a suppressed cell carries no figure";
  EXPECT_EQ(body["cells"][2]["suppressed"], "complementary");
  // The same range by shift: one cell of 24 people a week, answered (a 4th cohort size).
  Reply shifts = As("sup").Get(
      "/api/v1/labor/aggregates?purpose=quality&from=2026-W46&to=2026-W47&group_by=shift");
  ASSERT_EQ(shifts.status, 200u) << shifts.body;
  EXPECT_EQ(shifts.Json()["cells"][0]["worker_weeks"], 48);
}

// AGG-02 through the API: a range and a narrower one whose difference is one worker.
TEST_F(LaborApiTest, OverlappingWeeklyRangesAreDifferencingProtected) {
  RolledUpDay("2026-11-09", {{"T1", 100, 10}});
  RolledUpDay("2026-11-16", {{"T1", 100, 1}});
  Client manager = As("manager");
  const std::string base = "/api/v1/labor/aggregates?purpose=planning&team=T1&from=2026-W46";
  EXPECT_EQ(manager.Get(base + "&to=2026-W47").Json()["cells"][0]["worker_weeks"], 11);
  Reply narrowed = manager.Get(base);  // to defaults to from.
  ASSERT_EQ(narrowed.status, 200u);
  EXPECT_EQ(narrowed.Json()["cells"][0]["suppressed"], "differencing") << narrowed.body;
}

// ACC-02, GOV-02: the policy's grants decide, every read is audited as team aggregates, and
// bad parameters are refused with reasons.
TEST_F(LaborApiTest, WeeklyAggregatesAreGrantedByThePolicyAndAudited) {
  RolledUpDay("2026-11-09", {{"T1", 100, 10}});
  const std::string weekly = "/api/v1/labor/aggregates?from=2026-W46&purpose=";
  Client sup = As("sup");
  Client manager = As("manager");
  Client hr = As("hr");
  Client alice = As("alice");
  EXPECT_EQ(Outcome(sup, weekly + "quality"), "200 ");
  EXPECT_EQ(Outcome(sup, weekly + "planning"), "403 purpose_not_allowed");
  // HR reads team figures rather than its members' weeks (the default policy, LABOR.md).
  EXPECT_EQ(Outcome(hr, weekly + "planning"), "200 ");
  EXPECT_EQ(Outcome(hr, weekly + "flow_management"), "403 purpose_not_allowed");
  EXPECT_EQ(Outcome(alice, weekly + "own_data"), "403 no_grant");
  EXPECT_EQ(Device(0).Get(weekly + "planning").status, 403u);
  EXPECT_EQ(Outcome(manager, "/api/v1/labor/aggregates?from=2026-W46"), "400 missing_purpose");
  EXPECT_EQ(Outcome(manager, weekly + "planning&to=2026-W45"), "400 bad_week_range");
  EXPECT_EQ(Outcome(manager, weekly + "planning&to=2026-W99"), "400 bad_week");
  EXPECT_EQ(Outcome(manager, "/api/v1/labor/aggregates?purpose=planning&from=2026-19"),
            "400 bad_week");
  EXPECT_EQ(Outcome(manager, "/api/v1/labor/aggregates?purpose=planning&to=2026-W46"),
            "400 missing_parameter");
  EXPECT_EQ(Outcome(manager, weekly + "planning&measure=speed"), "400 bad_measure");
  EXPECT_EQ(Outcome(manager,
                    "/api/v1/labor/aggregates?purpose=planning&from=2025-W46"
                    "&to=2026-W46"),
            "400 bad_week_range")
      << "more weeks than the retention keeps";
  EXPECT_EQ(Outcome(manager, weekly + "planning&group_by=worker"), "400 bad_dimension");
  int allowed = 0;
  int refused = 0;
  for (const privacy::AuditRecord& record : AuditAbout(std::nullopt)) {
    if (record.data_class != "team_aggregates") {
      continue;
    }
    EXPECT_EQ(record.resource, "GET /api/v1/labor/aggregates");
    (record.outcome == privacy::AuditOutcome::kAllowed ? allowed : refused) += 1;
  }
  EXPECT_EQ(allowed, 2);
  EXPECT_EQ(refused, 12);
}

// Team standard vs actual: the workload's engineered standards (pick 12 s per unit unless
// overridden, plus a travel allowance) against the units per hour of groups of >= k.
TEST_F(LaborApiTest, StandardVsActualPerTeam) {
  RolledUpDay("2026-11-09", {{"T1", 100, 10, 150}, {"T2", 200, 10, 100}});
  Client manager = As("manager");
  const std::string base =
      "/api/v1/labor/aggregates?purpose=planning&from=2026-W46&group_by=team"
      "&measure=standard_vs_actual&travel_allowance=20&standard_pick=";
  Reply reply = manager.Get(base + "20");
  ASSERT_EQ(reply.status, 200u) << reply.body;
  const json body = reply.Json();
  EXPECT_EQ(body["measure"], "standard_vs_actual");
  EXPECT_EQ(body["standards"]["pick"]["seconds_per_unit"], 20.0);
  EXPECT_EQ(body["standards"]["pick"]["travel_allowance_percent"], 20.0);
  EXPECT_EQ(body["standards"]["pack"]["seconds_per_unit"], 20.0);  // The workload's default.
  ASSERT_EQ(body["cells"].size(), 2u) << reply.body;
  const json& t1 = body["cells"][0];
  EXPECT_EQ(t1["group"], "T1");
  EXPECT_EQ(t1["units_per_hour"], 150.0);
  EXPECT_EQ(t1["standard_units_per_hour"], 150.0);  // 3600 / (20 s x 1.2).
  EXPECT_EQ(t1["percent_of_standard"], 100.0);
  EXPECT_EQ(t1["hours"], 10.0);
  EXPECT_EQ(t1["standard_hours"], 10.0);
  EXPECT_EQ(body["cells"][1]["percent_of_standard"], 66.7);
  EXPECT_FALSE(reply.body.find("\"worker\"") != std::string::npos) << "never per person";
  EXPECT_EQ(Outcome(manager, base + "0"), "400 bad_standard");
  EXPECT_EQ(Outcome(manager, base + "fast"), "400 bad_standard");
  EXPECT_EQ(Outcome(manager,
                    "/api/v1/labor/aggregates?purpose=planning"
                    "&measure=standard_vs_actual"),
            "400 missing_parameter");
}

TEST_F(LaborApiTest, TheRotaIsCheckedAndAuditedAsAChange) {
  Client manager = As("manager");
  const std::string path = std::string("/api/v1/labor/assignments/") + kToday;
  auto code = [&manager, &path](const std::string& body) {
    Reply reply = manager.Put(path, body);
    return std::to_string(reply.status) + " " +
           (reply.status == 200u ? "" : reply.Json()["error"]["code"].get<std::string>());
  };
  EXPECT_EQ(code(R"({"assignments":[{"worker":"nobody","team":"T","shift":"S","zone":"Z"}]})"),
            "400 unknown_worker");
  EXPECT_EQ(code(R"({"assignments":[{"worker":"alice","team":"T","shift":"S"}]})"),
            "400 bad_field");
  EXPECT_EQ(code(R"({"assignments":[{"worker":"alice","team":"T T","shift":"S","zone":"Z"}]})"),
            "400 bad_label");
  EXPECT_EQ(code(R"({"assignments":[{"worker":"alice","team":"T","shift":"S","zone":"Z"},)"
                 R"({"worker":"alice","team":"T","shift":"S","zone":"Y"}]})"),
            "400 duplicate_assignment");
  EXPECT_EQ(code("[]"), "400 bad_json");
  EXPECT_EQ(manager.Put("/api/v1/labor/assignments/2026-13-01", R"({"assignments":[]})").status,
            400u);
  EXPECT_EQ(code(R"({"assignments":[{"worker":"alice","team":"T","shift":"S","zone":"Z"}]})"),
            "200 ");
  EXPECT_EQ(As("alice").Put(path, R"({"assignments":[]})").status, 403u);
  int updates = 0;
  for (const privacy::AuditRecord& record : AuditAbout("*")) {
    if (record.action == "update" && record.data_class == "labor_events") {
      ++updates;
      EXPECT_EQ(record.purpose, "planning");
    }
  }
  EXPECT_EQ(updates, 8);
}

// IND-08, ACC-02: HR (scope site) reads any worker's weekly aggregate for a purpose the
// policy grants it; one week, or the weeks kept, newest first.
TEST_F(LaborApiTest, HrReadsAWorkersWeeks) {
  TwoLedWeeks();
  Client hr = As("hr");
  Reply one = hr.Get("/api/v1/labor/workers/alice/weeks?purpose=planning&week=2026-W46");
  ASSERT_EQ(one.status, 200u) << one.body;
  EXPECT_EQ(one.cache_control, "no-store");
  const json body = one.Json();
  EXPECT_EQ(body["worker"], "alice");
  EXPECT_EQ(body["scope"], "site");
  EXPECT_EQ(body["purpose"], "planning");
  ASSERT_EQ(body["weeks"].size(), 1u) << one.body;
  EXPECT_EQ(body["weeks"][0]["week"], "2026-W46");
  EXPECT_EQ(body["weeks"][0]["units_per_process"]["pick"], 150);
  EXPECT_EQ(body["weeks"][0]["teams"], json({"T1"}));
  EXPECT_EQ(body["weeks"][0]["ms_per_zone"]["A"], 3'600'000);
  EXPECT_EQ(one.body.find("LAB-"), std::string::npos) << "a device is never joined to a person";

  Reply all = hr.Get("/api/v1/labor/workers/alice/weeks?purpose=training");
  ASSERT_EQ(all.status, 200u) << all.body;
  ASSERT_EQ(all.Json()["weeks"].size(), 2u) << all.body;
  EXPECT_EQ(all.Json()["weeks"][0]["week"], "2026-W47");
  EXPECT_EQ(all.Json()["weeks"][0]["units_per_process"]["pick"], 40);
  EXPECT_EQ(all.Json()["weeks"][1]["week"], "2026-W46");
  EXPECT_EQ(all.Json()["retention"]["worker_weekly_weeks"], 13);
  // A supervisor's week says which teams they led (their own role, shown to HR and to them).
  Reply lead = hr.Get("/api/v1/labor/workers/sup_b/weeks?purpose=planning&week=2026-W47");
  ASSERT_EQ(lead.status, 200u) << lead.body;
  EXPECT_EQ(lead.Json()["weeks"][0]["teams_led"], json({"T1"}));
  EXPECT_EQ(Outcome(hr, "/api/v1/labor/workers/bob/weeks?purpose=planning&week=2026-W46"), "200 ");
  EXPECT_EQ(Outcome(hr, "/api/v1/labor/workers/alice/weeks?purpose=planning&week=2026-W45"),
            "404 week_not_kept");
  EXPECT_EQ(Outcome(hr, "/api/v1/labor/workers/nobody/weeks?purpose=planning"), "404 unknown_user");
  EXPECT_EQ(Outcome(hr, "/api/v1/labor/workers/alice/weeks?purpose=planning&week=2026-46"),
            "400 bad_week");
  // The worker sees the same weeks, teams included, in their own data (DSR-01).
  Reply mine = As("alice").Get("/api/v1/labor/me");
  ASSERT_EQ(mine.status, 200u);
  EXPECT_EQ(mine.Json()["weeks"][1]["teams"], json({"T1"}));
}

// ACC-02, scope own_team: a supervisor reads the weeks of a worker of a team they led that
// week, not of another team, nor a week in which someone else led the worker's team.
TEST_F(LaborApiTest, ALineManagerReadsOnlyTheWeeksTheyLedTheWorkersTeam) {
  TwoLedWeeks();
  Client sup = As("sup");
  const std::string alice = "/api/v1/labor/workers/alice/weeks?purpose=planning";
  Reply w46 = sup.Get(alice + "&week=2026-W46");
  ASSERT_EQ(w46.status, 200u) << w46.body;
  EXPECT_EQ(w46.Json()["scope"], "own_team");
  EXPECT_EQ(w46.Json()["weeks"][0]["units_per_process"]["pick"], 150);
  EXPECT_EQ(Outcome(sup, "/api/v1/labor/workers/bob/weeks?purpose=planning&week=2026-W46"),
            "403 not_your_team");
  EXPECT_EQ(Outcome(sup, alice + "&week=2026-W47"), "403 not_your_team") << "sup_b led T1";
  EXPECT_EQ(Outcome(sup, "/api/v1/labor/workers/bob/weeks?purpose=training"), "403 not_your_team");
  // Without ?week=, only the weeks the reader led the worker's team.
  Reply listed = sup.Get(alice);
  ASSERT_EQ(listed.status, 200u) << listed.body;
  ASSERT_EQ(listed.Json()["weeks"].size(), 1u) << listed.body;
  EXPECT_EQ(listed.Json()["weeks"][0]["week"], "2026-W46");
  Client sup_b = As("sup_b");
  Reply other = sup_b.Get(alice);
  ASSERT_EQ(other.status, 200u) << other.body;
  ASSERT_EQ(other.Json()["weeks"].size(), 1u) << other.body;
  EXPECT_EQ(other.Json()["weeks"][0]["week"], "2026-W47");
  EXPECT_EQ(Outcome(sup_b, "/api/v1/labor/workers/bob/weeks?purpose=planning&week=2026-W46"),
            "200 ");
  // The supervisor's grant is for planning and training (GOV-02).
  EXPECT_EQ(Outcome(sup, alice.substr(0, alice.find('?')) + "?purpose=quality&week=2026-W46"),
            "403 purpose_not_allowed");
}

// Workers, devices and roles without a grant never read another worker's weeks; every read
// declares a purpose (GOV-02).
TEST_F(LaborApiTest, WorkerWeeksNeedAGrantAndAPurpose) {
  TwoLedWeeks();
  const std::string path = "/api/v1/labor/workers/bob/weeks";
  Client alice = As("alice");
  EXPECT_EQ(Outcome(alice, path + "?purpose=planning"), "403 no_grant");
  EXPECT_EQ(Outcome(alice, path + "?purpose=own_data"), "403 no_grant");
  EXPECT_EQ(Outcome(alice, "/api/v1/labor/workers/alice/weeks?purpose=own_data"), "403 no_grant")
      << "a worker reads their own weeks through /labor/me";
  EXPECT_EQ(Device(0).Get(path + "?purpose=planning").status, 403u);
  EXPECT_EQ(Outcome(As("manager"), path + "?purpose=planning"), "403 no_grant");
  Client hr = As("hr");
  EXPECT_EQ(Outcome(hr, path), "400 missing_purpose");
  EXPECT_EQ(Outcome(hr, path + "?purpose=spying"), "400 bad_purpose");
  EXPECT_EQ(Outcome(hr, path + "?purpose=evaluation"), "403 purpose_not_allowed");
  EXPECT_EQ(Outcome(hr, path + "?purpose=discipline"), "403 purpose_not_allowed");
  EXPECT_EQ(As("admin").Put(path, "{}").status, 405u);
}

// ACC-04, RET-03: one audit record per read of a worker's weeks, with that worker as subject,
// allowed or refused, and the worker sees it among the accesses to their data (DSR-01).
TEST_F(LaborApiTest, EachReadOfAWorkersWeeksIsAuditedWithTheWorkerAsSubject) {
  TwoLedWeeks();
  const std::string alice = "/api/v1/labor/workers/alice/weeks?purpose=planning";
  EXPECT_EQ(Outcome(As("hr"), alice + "&week=2026-W46"), "200 ");
  EXPECT_EQ(Outcome(As("sup"), alice), "200 ");
  EXPECT_EQ(Outcome(As("sup"), alice + "&week=2026-W47"), "403 not_your_team");
  EXPECT_EQ(Outcome(As("bob"), alice), "403 no_grant");
  EXPECT_EQ(Outcome(As("hr"), "/api/v1/labor/workers/bob/weeks?purpose=training"), "200 ");
  std::vector<std::string> reads;
  for (const privacy::AuditRecord& record : AuditAbout(std::nullopt)) {
    if (record.data_class != "worker_weekly" || record.action != "read") {
      continue;
    }
    EXPECT_EQ(record.resource, "GET /api/v1/labor/workers/" + record.subject + "/weeks");
    reads.push_back(record.subject + " " + record.actor + " " + record.purpose + " " +
                    std::string(privacy::AuditOutcomeName(record.outcome)) + " " + record.reason);
  }
  EXPECT_EQ(reads, (std::vector<std::string>{
                       "alice hr planning allowed ", "alice sup planning allowed ",
                       "alice sup planning refused not_your_team",
                       "alice bob planning refused no_grant", "bob hr training allowed "}));
  Reply mine = As("alice").Get("/api/v1/labor/me");
  ASSERT_EQ(mine.status, 200u);
  int seen = 0;
  const json body = mine.Json();
  for (const json& access : body["accesses"]) {
    seen += access["data_class"] == "worker_weekly" ? 1 : 0;
  }
  EXPECT_EQ(seen, 4) << mine.body;
}

// RET-02: once the week has expired, nobody reads it: week_not_kept, for HR and for the
// line manager of that week (whose record of leading it went with it).
TEST_F(LaborApiTest, AnExpiredWeekIsNotKeptForAnyone) {
  TwoLedWeeks();
  EXPECT_EQ(Outcome(As("sup"), "/api/v1/labor/workers/alice/weeks?purpose=planning&week=2026-W46"),
            "200 ");
  // W46 (Monday 2026-11-09) is kept through the 13 weeks after it: gone on 2027-02-15.
  now_ = kNow + 89 * kDayMs;
  ASSERT_EQ(privacy::FormatDate(server::LaborDayOf(now_)), "2027-02-15");
  RunRetention();
  const std::string w46 = "/api/v1/labor/workers/alice/weeks?purpose=planning&week=2026-W46";
  EXPECT_EQ(Outcome(As("hr"), w46), "404 week_not_kept");
  EXPECT_EQ(Outcome(As("sup"), w46), "404 week_not_kept");
  Reply kept = As("hr").Get("/api/v1/labor/workers/alice/weeks?purpose=planning");
  ASSERT_EQ(kept.status, 200u) << kept.body;
  ASSERT_EQ(kept.Json()["weeks"].size(), 1u) << kept.body;
  EXPECT_EQ(kept.Json()["weeks"][0]["week"], "2026-W47");
  EXPECT_EQ(Outcome(As("sup"), "/api/v1/labor/workers/alice/weeks?purpose=planning"),
            "403 not_your_team");
}

// The labor day is the site's local day (the policy's labor.time_zone), not the UTC day: in
// Paris in November (UTC+1) 23:30 UTC is already tomorrow, and the day ends, and is rolled up
// (RET-01), at local midnight.
class LaborApiParisTest : public LaborApiTest {
 protected:
  static constexpr int64_t kParisHalfPastMidnight = 1'795'044'600'000;  // 2026-11-18T23:30Z.
  static constexpr int64_t kHourMs = 3600 * 1000;

  void SetUp() override {
    privacy::Policy policy = privacy::DefaultPolicy();
    policy.labor.time_zone = "Europe/Paris";
    auto zone = server::LaborTimeZone::Find(policy.labor.time_zone);
    ASSERT_TRUE(zone.ok()) << zone.status().ToString();
    paris_ = *zone;
    now_ = kParisHalfPastMidnight;
    StartServer(std::move(policy));
  }

  server::LaborTimeZone paris_;
};

TEST_F(LaborApiParisTest, TheLaborDayIsTheSitesLocalDayAndEndsAtLocalMidnight) {
  SetRota("2026-11-19");
  SignIn(0, "BADGE-A");
  EXPECT_EQ(Scan(0, "receive", Label("DOCK-01")), "ok");
  EXPECT_EQ(Scan(0, "receive", kKettle), "ok");
  Flush();

  Reply mine = As("alice").Get("/api/v1/labor/me");
  ASSERT_EQ(mine.status, 200u) << mine.body;
  EXPECT_EQ(mine.Json()["today"]["day"], "2026-11-19") << "the UTC day is still the 18th";
  EXPECT_EQ(mine.Json()["today"]["units"], 1);

  // IND-04: "today" for the supervisor is the Paris day too; the UTC day is yesterday there.
  Client sup = As("sup");
  Reply team = sup.Get("/api/v1/labor/team?purpose=flow_management&shift=early&zone=INB");
  ASSERT_EQ(team.status, 200u) << team.body;
  ASSERT_EQ(team.Json()["workers"].size(), 1u) << team.body;
  EXPECT_EQ(team.Json()["workers"][0]["units"], 1);
  EXPECT_EQ(Outcome(sup,
                    "/api/v1/labor/team?purpose=flow_management&shift=early&zone=INB"
                    "&day=2026-11-19"),
            "200 ");
  EXPECT_EQ(Outcome(sup,
                    "/api/v1/labor/team?purpose=flow_management&shift=early&zone=INB"
                    "&day=2026-11-18"),
            "403 not_today");

  // 23:30 in Paris on the 19th (22:30 UTC): the day is not over, the job leaves it whole.
  now_ = kParisHalfPastMidnight + 23 * kHourMs;
  RunRetention(paris_);
  Reply late = As("alice").Get("/api/v1/labor/me");
  ASSERT_EQ(late.status, 200u) << late.body;
  EXPECT_EQ(late.Json()["today"]["day"], "2026-11-19");
  EXPECT_EQ(late.Json()["today"]["scans"].size(), 2u) << late.body;
  EXPECT_TRUE(late.Json()["weeks"].empty());

  // Just after midnight in Paris (23:00:30 UTC) the day is rolled up into the week.
  now_ = kParisHalfPastMidnight + 23 * kHourMs + 30 * 60'000 + 30'000;
  RunRetention(paris_);
  Reply next_day = As("alice").Get("/api/v1/labor/me");
  ASSERT_EQ(next_day.status, 200u) << next_day.body;
  EXPECT_EQ(next_day.Json()["today"]["day"], "2026-11-20");
  ASSERT_EQ(next_day.Json()["weeks"].size(), 1u) << next_day.body;
  EXPECT_EQ(next_day.Json()["weeks"][0]["week"], "2026-W47");
  EXPECT_EQ(next_day.Json()["weeks"][0]["units_per_process"]["receive"], 1);
}

}  // namespace
}  // namespace entrepot
