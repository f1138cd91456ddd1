// Unit tests of the API pieces that need no network: routing, the status table, metrics.
#include <optional>
#include <set>
#include <string>

#include "entrepot/api/audit_trail.h"
#include "entrepot/api/http_errors.h"
#include "entrepot/api/http_server.h"
#include "entrepot/api/metrics.h"
#include "entrepot/api/privacy_notice.h"
#include "entrepot/api/router.h"
#include "entrepot/privacy/policy.h"
#include "entrepot/privacy/policy_explain.h"
#include "gtest/gtest.h"

namespace entrepot::api {
namespace {

TEST(RouterTest, MatchesEveryRouteAndDecodesParameters) {
  std::string allow;
  EXPECT_EQ(MatchRoute("GET", "/healthz", &allow)->route, Route::kHealth);
  EXPECT_EQ(MatchRoute("GET", "/metrics", &allow)->route, Route::kMetrics);
  EXPECT_EQ(MatchRoute("POST", "/api/v1/scans", &allow)->route, Route::kScan);
  EXPECT_EQ(MatchRoute("POST", "/api/v1/scans/batch", &allow)->route, Route::kScanBatch);
  EXPECT_EQ(MatchRoute("GET", "/api/v1/stock?x=1", &allow)->route, Route::kSiteStock);
  auto location = MatchRoute("GET", "/api/v1/locations/A-01%2F2/stock", &allow);
  ASSERT_TRUE(location.ok());
  EXPECT_EQ(location->route, Route::kLocationStock);
  EXPECT_EQ(location->parameter, "A-01/2");
  auto container = MatchRoute("GET", "/api/v1/containers/%2800%29095", &allow);
  ASSERT_TRUE(container.ok());
  EXPECT_EQ(container->parameter, "(00)095");
  EXPECT_EQ(MatchRoute("GET", "/api/v1/products/0950/stock", &allow)->route, Route::kProductStock);
}

TEST(RouterTest, RefusesUnknownPathsWrongMethodsAndBadEscapes) {
  std::string allow;
  EXPECT_EQ(MatchRoute("GET", "/nope", &allow).status().reason(), "not_found");
  EXPECT_EQ(MatchRoute("GET", "/api/v1/locations/A/other", &allow).status().reason(), "not_found");
  EXPECT_EQ(MatchRoute("GET", "*", &allow).status().reason(), "not_found");
  EXPECT_EQ(MatchRoute("GET", "/api/v1/scans", &allow).status().reason(), "method_not_allowed");
  EXPECT_EQ(allow, "POST");
  EXPECT_EQ(MatchRoute("DELETE", "/api/v1/stock", &allow).status().reason(), "method_not_allowed");
  EXPECT_EQ(allow, "GET");
  EXPECT_EQ(MatchRoute("GET", "/api/v1/containers/%2", &allow).status().reason(), "bad_path");
  EXPECT_EQ(MatchRoute("GET", "/api/v1/containers/%zz", &allow).status().reason(), "bad_path");
  EXPECT_EQ(MatchRoute("GET", "/api/v1/locations//stock", &allow).status().reason(), "bad_path");
  EXPECT_EQ(PercentDecode("a+b%20c").value(), "a+b c");
}

TEST(RouterTest, TheRouteTableIsWhatMatchRouteMatches) {
  std::set<Route> seen;
  for (const RouteSpec& spec : RouteTable()) {
    EXPECT_TRUE(seen.insert(spec.route).second) << spec.pattern << " is listed twice";
    EXPECT_EQ(RoutePattern(spec.route), spec.pattern);
    // The template itself, with "x" for its parameter, reaches the route by every method.
    std::string path(spec.pattern);
    if (size_t open = path.find('{'); open != std::string::npos) {
      path.replace(open, path.find('}') - open + 1, "x");
    }
    std::string_view methods = spec.methods;
    std::string allow;
    auto first = MatchRoute(methods.substr(0, methods.find(',')), path, &allow);
    ASSERT_TRUE(first.ok()) << path << ": " << first.status().ToString();
    EXPECT_EQ(first->route, spec.route) << path;
    EXPECT_EQ(MatchRoute("TRACE", path, &allow).status().reason(), "method_not_allowed") << path;
    EXPECT_EQ(allow, spec.methods);
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(kRouteCount - 1));
  EXPECT_FALSE(seen.contains(Route::kUnmatched));
}

TEST(RouterTest, TheOpenApiDocumentIsPublic) {
  std::string allow;
  EXPECT_EQ(MatchRoute("GET", "/api/v1/openapi.json", &allow)->route, Route::kOpenApi);
  EXPECT_EQ(RoutePermission(Route::kOpenApi), auth::Permission::kPublic);
  EXPECT_EQ(MatchRoute("POST", "/api/v1/openapi.json", &allow).status().reason(),
            "method_not_allowed");
}

TEST(RouterTest, TheEventFeedIsOneGetRoute) {
  std::string allow;
  EXPECT_EQ(MatchRoute("GET", "/api/v1/events", &allow)->route, Route::kEvents);
  EXPECT_EQ(MatchRoute("GET", "/api/v1/events?after=12&limit=5", &allow)->route, Route::kEvents);
  EXPECT_EQ(MatchRoute("POST", "/api/v1/events", &allow).status().reason(), "method_not_allowed");
  EXPECT_EQ(allow, "GET");
}

TEST(RouterTest, QueryParametersAreDecoded) {
  auto value = [](std::string_view target, std::string_view name) {
    StatusOr<std::optional<std::string>> found = QueryParameter(target, name);
    EXPECT_TRUE(found.ok()) << target;
    return found.ok() && found->has_value() ? **found : std::string("<absent>");
  };
  EXPECT_EQ(value("/api/v1/events?after=12&limit=5", "after"), "12");
  EXPECT_EQ(value("/api/v1/events?after=12&limit=5", "limit"), "5");
  EXPECT_EQ(value("/api/v1/events?after=12&limit=5", "lim"), "<absent>");
  EXPECT_EQ(value("/api/v1/events", "after"), "<absent>");
  EXPECT_EQ(value("/p?after=1&after=2", "after"), "1");  // The first one.
  EXPECT_EQ(value("/p?flag&x=1", "flag"), "");
  EXPECT_EQ(value("/p?window=15%20m+x", "window"), "15 m x");
  EXPECT_EQ(value("/p?a=1#frag", "a"), "1");
  EXPECT_EQ(value("/p?&&a=&", "a"), "");
  StatusOr<std::optional<std::string>> bad = QueryParameter("/p?a=%G1", "a");
  EXPECT_EQ(bad.status().reason(), "bad_query");
  EXPECT_TRUE(QueryParameter("/p?b=%G1&a=2", "a").ok());  // Only the asked one is decoded.
}

TEST(RouterTest, AccountRoutesAcceptTheirMethods) {
  std::string allow;
  EXPECT_EQ(MatchRoute("POST", "/api/v1/login", &allow)->route, Route::kLogin);
  EXPECT_EQ(MatchRoute("POST", "/api/v1/logout", &allow)->route, Route::kLogout);
  EXPECT_EQ(MatchRoute("GET", "/api/v1/me", &allow)->route, Route::kMe);
  EXPECT_EQ(MatchRoute("GET", "/api/v1/users", &allow)->route, Route::kUsers);
  EXPECT_EQ(MatchRoute("POST", "/api/v1/users", &allow)->route, Route::kUsers);
  auto user = MatchRoute("PATCH", "/api/v1/users/ada.l", &allow);
  ASSERT_TRUE(user.ok());
  EXPECT_EQ(user->route, Route::kUser);
  EXPECT_EQ(user->parameter, "ada.l");
  EXPECT_EQ(MatchRoute("POST", "/api/v1/devices", &allow)->route, Route::kDevices);
  EXPECT_EQ(MatchRoute("DELETE", "/api/v1/devices/12", &allow)->route, Route::kDevice);
  EXPECT_EQ(MatchRoute("POST", "/api/v1/devices/session", &allow)->route, Route::kDeviceSession);
  EXPECT_EQ(MatchRoute("DELETE", "/api/v1/devices/session", &allow)->route, Route::kDeviceSession);
  EXPECT_EQ(MatchRoute("DELETE", "/api/v1/users", &allow).status().reason(), "method_not_allowed");
  EXPECT_EQ(allow, "GET, POST");
  EXPECT_EQ(MatchRoute("GET", "/api/v1/devices/session", &allow).status().reason(),
            "method_not_allowed");
  EXPECT_EQ(allow, "POST, DELETE");
  EXPECT_EQ(MatchRoute("GET", "/api/v1/login", &allow).status().reason(), "method_not_allowed");
}

TEST(RouterTest, OrderRoutesMatchAndNeedTheOrderPermissions) {
  using auth::Permission;
  std::string allow;
  EXPECT_EQ(MatchRoute("POST", "/api/v1/orders", &allow)->route, Route::kOrders);
  EXPECT_EQ(MatchRoute("GET", "/api/v1/orders?status=open", &allow)->route, Route::kOrders);
  auto order = MatchRoute("PUT", "/api/v1/orders/O%2D1", &allow);
  ASSERT_TRUE(order.ok());
  EXPECT_EQ(order->route, Route::kOrder);
  EXPECT_EQ(order->parameter, "O-1");
  auto cancel = MatchRoute("POST", "/api/v1/orders/O-1/cancel", &allow);
  ASSERT_TRUE(cancel.ok());
  EXPECT_EQ(cancel->route, Route::kOrderCancel);
  EXPECT_EQ(cancel->parameter, "O-1");
  EXPECT_EQ(MatchRoute("POST", "/api/v1/release", &allow)->route, Route::kRelease);
  EXPECT_EQ(MatchRoute("POST", "/api/v1/tasks/next", &allow)->route, Route::kNextTask);
  EXPECT_EQ(MatchRoute("PUT", "/api/v1/carriers/DPD", &allow)->route, Route::kCarrier);
  EXPECT_EQ(MatchRoute("GET", "/api/v1/cutoffs?at=x", &allow)->route, Route::kCutoffs);
  EXPECT_EQ(MatchRoute("DELETE", "/api/v1/orders/O-1", &allow).status().reason(),
            "method_not_allowed");
  EXPECT_EQ(allow, "GET, PUT");
  EXPECT_EQ(RoutePermission(Route::kOrders, "GET"), Permission::kReadOrders);
  EXPECT_EQ(RoutePermission(Route::kOrders, "POST"), Permission::kManageOrders);
  EXPECT_EQ(RoutePermission(Route::kOrder, "GET"), Permission::kReadOrders);
  EXPECT_EQ(RoutePermission(Route::kOrder, "PUT"), Permission::kManageOrders);
  EXPECT_EQ(RoutePermission(Route::kOrderCancel, "POST"), Permission::kManageOrders);
  EXPECT_EQ(RoutePermission(Route::kRelease, "POST"), Permission::kManageOrders);
  EXPECT_EQ(RoutePermission(Route::kCarrier, "PUT"), Permission::kManageOrders);
  EXPECT_EQ(RoutePermission(Route::kCutoffs), Permission::kReadOrders);
  EXPECT_EQ(RoutePermission(Route::kNextTask, "POST"), Permission::kTakeTask);
}

TEST(RouterTest, EveryRouteRequiresItsPermission) {
  using auth::Permission;
  EXPECT_EQ(RoutePermission(Route::kHealth), Permission::kPublic);
  EXPECT_EQ(RoutePermission(Route::kLogin), Permission::kPublic);
  EXPECT_EQ(RoutePermission(Route::kMetrics), Permission::kReadMetrics);
  EXPECT_EQ(RoutePermission(Route::kScan), Permission::kScan);
  EXPECT_EQ(RoutePermission(Route::kScanBatch), Permission::kScan);
  for (Route route :
       {Route::kSiteStock, Route::kLocationStock, Route::kProductStock, Route::kContainer,
        Route::kZones, Route::kZone, Route::kLocation, Route::kProduct}) {
    EXPECT_EQ(RoutePermission(route), Permission::kReadStock) << RoutePattern(route);
  }
  // Writing master data is the administrator's, reading it is everyone's who reads stock.
  for (Route route : {Route::kContainer, Route::kZone, Route::kLocation, Route::kProduct}) {
    EXPECT_EQ(RoutePermission(route, "PUT"), Permission::kManageMasterData) << RoutePattern(route);
  }
  EXPECT_EQ(RoutePermission(Route::kLogout), Permission::kSelf);
  EXPECT_EQ(RoutePermission(Route::kMe), Permission::kSelf);
  EXPECT_EQ(RoutePermission(Route::kUsers), Permission::kManageUsers);
  EXPECT_EQ(RoutePermission(Route::kUser), Permission::kManageUsers);
  EXPECT_EQ(RoutePermission(Route::kDevices), Permission::kManageDevices);
  EXPECT_EQ(RoutePermission(Route::kDevice), Permission::kManageDevices);
  EXPECT_EQ(RoutePermission(Route::kDeviceSession), Permission::kDeviceSession);
  EXPECT_EQ(RoutePermission(Route::kEvents), Permission::kReadEvents);
  EXPECT_EQ(RoutePermission(Route::kUnitHistory), Permission::kReadEvents);
  EXPECT_EQ(RoutePermission(Route::kFlow), Permission::kReadEvents);
  // Every route has its own metrics label.
  std::set<std::string_view> patterns;
  for (int i = 0; i < kRouteCount; ++i) {
    EXPECT_TRUE(patterns.insert(RoutePattern(static_cast<Route>(i))).second) << i;
  }
}

TEST(RouterTest, LaborRoutesAreForSignedInUsersAndDecidedByTheirHandlers) {
  std::string allow;
  EXPECT_EQ(MatchRoute("GET", "/api/v1/labor/me?format=export", &allow)->route, Route::kLaborMe);
  EXPECT_EQ(MatchRoute("GET", "/api/v1/labor/team", &allow)->route, Route::kLaborTeam);
  EXPECT_EQ(MatchRoute("GET", "/api/v1/labor/aggregates", &allow)->route, Route::kLaborAggregates);
  auto rota = MatchRoute("PUT", "/api/v1/labor/assignments/2026-11-18", &allow);
  ASSERT_TRUE(rota.ok());
  EXPECT_EQ(rota->route, Route::kLaborAssignments);
  EXPECT_EQ(rota->parameter, "2026-11-18");
  EXPECT_EQ(MatchRoute("GET", "/api/v1/labor/assignments/2026-11-18", &allow).status().reason(),
            "method_not_allowed");
  // auth/ has no labor permission: kSelf, then the policy's grants in labor_routes.cc.
  for (Route route :
       {Route::kLaborMe, Route::kLaborTeam, Route::kLaborAggregates, Route::kLaborAssignments}) {
    EXPECT_EQ(RoutePermission(route, "GET"), auth::Permission::kSelf) << RoutePattern(route);
  }
}

// RET-03: each labor route leaves the audit record its data calls for (ValidateAuditRecord
// accepts it, or the read would be answered 503).
TEST(AuditTrailTest, LaborRoutesLeaveValidRecords) {
  auth::Principal user{auth::Principal::Kind::kUser, 3, "alice", auth::Role::kWorker, {"*"}, 0};
  auto record = [&user](Route route, std::string method, std::string target) {
    HttpRequest request{std::move(method), std::move(target), "", "", ""};
    return PersonalDataAccess(route, request, "", &user, 1000);
  };
  auto own = record(Route::kLaborMe, "GET", "/api/v1/labor/me?format=export");
  ASSERT_TRUE(own.has_value());
  EXPECT_EQ(own->action, "export");
  EXPECT_EQ(own->subject, "alice");
  EXPECT_EQ(own->purpose, "own_data");
  EXPECT_EQ(own->data_class, "labor_events");
  EXPECT_EQ(own->resource, "GET /api/v1/labor/me");
  EXPECT_TRUE(privacy::ValidateAuditRecord(*own).ok());

  auto team = record(Route::kLaborTeam, "GET", "/api/v1/labor/team?purpose=quality&zone=A");
  ASSERT_TRUE(team.has_value());
  EXPECT_EQ(team->subject, "*");
  EXPECT_EQ(team->purpose, "quality");
  EXPECT_TRUE(privacy::ValidateAuditRecord(*team).ok());
  // An unknown purpose is recorded as none, so the record stays valid.
  auto bad = record(Route::kLaborTeam, "GET", "/api/v1/labor/team?purpose=sp%0Ay");
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->purpose, "");
  EXPECT_TRUE(privacy::ValidateAuditRecord(*bad).ok());

  auto cells = record(Route::kLaborAggregates, "GET", "/api/v1/labor/aggregates?purpose=planning");
  ASSERT_TRUE(cells.has_value());
  EXPECT_EQ(cells->data_class, "team_aggregates");
  EXPECT_EQ(cells->subject, "");
  EXPECT_TRUE(privacy::ValidateAuditRecord(*cells).ok());

  auto rota = record(Route::kLaborAssignments, "PUT", "/api/v1/labor/assignments/2026-11-18");
  ASSERT_TRUE(rota.has_value());
  EXPECT_EQ(rota->action, "update");
  EXPECT_EQ(rota->purpose, "planning");
  EXPECT_TRUE(privacy::ValidateAuditRecord(*rota).ok());

  // A device's request for "its" labor data reads nobody's: no record.
  auth::Principal device{auth::Principal::Kind::kDevice, 1, "HH-01", auth::Role::kWorker, {}, 0};
  HttpRequest request{"GET", "/api/v1/labor/me", "", "", ""};
  EXPECT_FALSE(PersonalDataAccess(Route::kLaborMe, request, "", &device, 1000).has_value());
}

TEST(RouterTest, PrivacyOfficeRoutesMatchAndNeedTheirPermissions) {
  using auth::Permission;
  std::string allow;
  EXPECT_EQ(MatchRoute("GET", "/api/v1/privacy/notice?lang=fr", &allow)->route,
            Route::kPrivacyNotice);
  EXPECT_EQ(MatchRoute("GET", "/api/v1/privacy/policy", &allow)->route, Route::kPrivacyPolicy);
  EXPECT_EQ(MatchRoute("GET", "/api/v1/privacy/record", &allow)->route, Route::kPrivacyRecord);
  EXPECT_EQ(MatchRoute("GET", "/api/v1/privacy/retention", &allow)->route,
            Route::kPrivacyRetention);
  EXPECT_EQ(MatchRoute("GET", "/api/v1/audit?limit=5&before=9", &allow)->route, Route::kAudit);
  // The acknowledgement is not a device id under /api/v1/devices/{id}.
  EXPECT_EQ(MatchRoute("POST", "/api/v1/devices/session/acknowledge", &allow)->route,
            Route::kNoticeAck);
  EXPECT_EQ(MatchRoute("GET", "/api/v1/devices/session/acknowledge", &allow).status().reason(),
            "method_not_allowed");
  EXPECT_EQ(allow, "POST");
  EXPECT_EQ(MatchRoute("POST", "/api/v1/audit", &allow).status().reason(), "method_not_allowed");
  EXPECT_EQ(MatchRoute("GET", "/api/v1/privacy", &allow).status().reason(), "not_found");
  // The notice is read on handhelds (device tokens) and by every user: any token (TRN-01).
  EXPECT_EQ(RoutePermission(Route::kPrivacyNotice), Permission::kSelf);
  EXPECT_EQ(RoutePermission(Route::kNoticeAck, "POST"), Permission::kDeviceSession);
  EXPECT_EQ(RoutePermission(Route::kPrivacyPolicy), Permission::kReadPrivacyPolicy);
  EXPECT_EQ(RoutePermission(Route::kPrivacyRecord), Permission::kReadPrivacyRecords);
  EXPECT_EQ(RoutePermission(Route::kPrivacyRetention), Permission::kReadPrivacyRecords);
  EXPECT_EQ(RoutePermission(Route::kAudit), Permission::kReadAuditLog);
}

// RET-03: the DPO's read of the audit log is itself a record, about everyone.
TEST(AuditTrailTest, ReadingTheAuditLogIsAudited) {
  auth::Principal dpo{auth::Principal::Kind::kUser, 4, "dora", auth::Role::kDpo, {"*"}, 0};
  HttpRequest request{"GET", "/api/v1/audit?limit=10", "", "", ""};
  auto read = PersonalDataAccess(Route::kAudit, request, "", &dpo, 1000);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->action, "read");
  EXPECT_EQ(read->data_class, "audit_log");
  EXPECT_EQ(read->subject, "*");
  EXPECT_EQ(read->purpose, "data_protection");
  EXPECT_EQ(read->resource, "GET /api/v1/audit");
  EXPECT_TRUE(privacy::ValidateAuditRecord(*read).ok());
  // A refused attempt without a token is recorded too (anonymous).
  EXPECT_TRUE(PersonalDataAccess(Route::kAudit, request, "", nullptr, 1000).has_value());
  // The notice, the policy and the retention runs name nobody: no record.
  for (Route route : {Route::kPrivacyNotice, Route::kPrivacyPolicy, Route::kPrivacyRecord,
                      Route::kPrivacyRetention, Route::kNoticeAck}) {
    EXPECT_FALSE(PersonalDataAccess(route, request, "", &dpo, 1000).has_value())
        << RoutePattern(route);
  }
}

TEST(PrivacyNoticeTest, SplitsTheTextIntoTitleIntroAndSections) {
  NoticeText notice = SplitNotice(privacy::Language::kEnglish,
                                  "The title\nEmployer: Acme.\nRules: strict.\n"
                                  "\n1. First\n  What: a\n    b\n\n2. Second\nline\n"
                                  "\n3.Not a heading\n");
  EXPECT_EQ(notice.title, "The title");
  EXPECT_EQ(notice.intro, "Employer: Acme.\nRules: strict.");
  ASSERT_EQ(notice.sections.size(), 2u);
  EXPECT_EQ(notice.sections[0].title, "First");
  EXPECT_EQ(notice.sections[0].text, "  What: a\n    b");
  EXPECT_EQ(notice.sections[1].title, "Second");
  // A line that only looks like a heading stays in its section.
  EXPECT_EQ(notice.sections[1].text, "line\n\n3.Not a heading");
}

// TRN-01, TRN-02: the notice is ExplainPolicy's, in every offered language, and its version
// changes exactly when the text does.
TEST(PrivacyNoticeTest, OneVersionForEveryLanguageThatFollowsThePolicy) {
  privacy::Policy policy = privacy::DefaultPolicy();
  policy.notice.dpo_contact = "dpo@example.com";
  WorkerNotice notice = BuildWorkerNotice(policy);
  ASSERT_EQ(notice.texts.size(), 2u);  // The default offers fr then en.
  EXPECT_EQ(notice.texts[0].language, privacy::Language::kFrench);
  EXPECT_EQ(notice.version.size(), 32u);
  EXPECT_EQ(notice.version.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_TRUE(notice.acknowledgement_required);
  const NoticeText* english = notice.Find(privacy::Language::kEnglish);
  ASSERT_NE(english, nullptr);
  EXPECT_EQ(english->text, privacy::ExplainPolicy(policy, privacy::Language::kEnglish));
  EXPECT_GE(english->sections.size(), 5u);
  std::string joined;
  for (const NoticeSection& section : english->sections) {
    joined += section.title + "\n" + section.text + "\n";
  }
  EXPECT_NE(joined.find("Your rights"), std::string::npos);
  EXPECT_NE(joined.find("dpo@example.com"), std::string::npos);  // TRN-02: the DPO contact.
  EXPECT_EQ(BuildWorkerNotice(policy).version, notice.version);  // Stable.
  privacy::Policy longer = policy;
  longer.retention.worker_weekly_weeks = 20;
  EXPECT_NE(BuildWorkerNotice(longer).version, notice.version);
  privacy::Policy french_only = policy;
  french_only.notice.languages = {privacy::Language::kFrench};
  WorkerNotice french = BuildWorkerNotice(french_only);
  EXPECT_EQ(french.texts.size(), 1u);
  EXPECT_EQ(french.Find(privacy::Language::kEnglish), nullptr);
  EXPECT_NE(french.version, notice.version);
}

TEST(HttpErrorsTest, MapsEveryCode) {
  auto http = [](StatusCode code, const char* reason = "x") {
    return HttpStatusOf(Error(code, reason, "m"));
  };
  EXPECT_EQ(http(StatusCode::kInvalidArgument), 400u);
  EXPECT_EQ(http(StatusCode::kNotFound), 404u);
  EXPECT_EQ(http(StatusCode::kAlreadyExists), 409u);
  EXPECT_EQ(http(StatusCode::kFailedPrecondition), 409u);
  EXPECT_EQ(http(StatusCode::kAborted), 409u);
  EXPECT_EQ(http(StatusCode::kOutOfRange), 400u);
  EXPECT_EQ(http(StatusCode::kPermissionDenied), 403u);
  EXPECT_EQ(http(StatusCode::kUnauthenticated), 401u);
  EXPECT_EQ(http(StatusCode::kResourceExhausted, "queue_full"), 429u);
  EXPECT_EQ(http(StatusCode::kResourceExhausted, "body_too_large"), 413u);
  EXPECT_EQ(http(StatusCode::kResourceExhausted, "too_many_lines"), 413u);
  EXPECT_EQ(http(StatusCode::kResourceExhausted, "headers_too_large"), 431u);
  EXPECT_EQ(http(StatusCode::kUnavailable), 503u);
  EXPECT_EQ(http(StatusCode::kDataLoss), 500u);
  EXPECT_EQ(http(StatusCode::kInternal), 500u);
  EXPECT_EQ(http(StatusCode::kUnimplemented), 501u);
  EXPECT_EQ(http(StatusCode::kInvalidArgument, "method_not_allowed"), 405u);
  EXPECT_EQ(ErrorBody(Error(StatusCode::kNotFound, "unknown_location", "no \"B\"")),
            "{\"error\":{\"code\":\"unknown_location\",\"message\":\"no \\\"B\\\"\"}}\n");
}

TEST(MetricsTest, RendersCountersAndHistograms) {
  Metrics metrics;
  metrics.CountRequest(Route::kScan, 200, 0.0003);
  metrics.CountRequest(Route::kScan, 200, 0.002);
  metrics.CountCommit(7, 0.001);
  metrics.CountOutcome(core::Outcome::kOk);
  std::string text = metrics.Render(3, 42, true);
  EXPECT_NE(text.find("entrepot_http_requests_total{route=\"/api/v1/scans\",status=\"200\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("entrepot_http_request_duration_seconds_bucket{route=\"/api/v1/scans\","
                      "le=\"0.0005\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("entrepot_http_request_duration_seconds_count{route=\"/api/v1/scans\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("entrepot_commit_commands_bucket{le=\"8\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("entrepot_sequencer_queue_depth 3\n"), std::string::npos);
  EXPECT_NE(text.find("entrepot_journal_last_seq 42\n"), std::string::npos);
  EXPECT_NE(text.find("entrepot_scans_total{outcome=\"ok\"} 1\n"), std::string::npos);
}

TEST(ListenAddressTest, ParsesHostAndPort) {
  HttpServerOptions options;
  ASSERT_TRUE(ParseListenAddress("0.0.0.0:9000", options).ok());
  EXPECT_EQ(options.host, "0.0.0.0");
  EXPECT_EQ(options.port, 9000);
  ASSERT_TRUE(ParseListenAddress("[::1]:0", options).ok());
  EXPECT_EQ(options.host, "::1");
  EXPECT_EQ(options.port, 0);
  for (const char* bad : {"8080", ":80", "host:", "h:70000", "h:8x", "[::1:80"}) {
    EXPECT_EQ(ParseListenAddress(bad, options).reason(), "bad_listen_address") << bad;
  }
}

}  // namespace
}  // namespace entrepot::api
