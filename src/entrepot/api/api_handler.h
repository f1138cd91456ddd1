// File: api_handler.h
//
// ApiHandler answers one HTTP request of the Entrepôt API, independently of the HTTP
// library: the server (http_server.h) reads a request, hands it over as an HttpRequest and
// writes the HttpResponse it gets back. Scans and queries go through the site's
// server::Sequencer; the response of a scan is produced only after its batch was committed.
// Every route but /healthz, /api/v1/login and /api/v1/openapi.json requires a bearer token (a user
// session or a device token, from the auth::AccountStore) whose principal holds the route's
// permission (RoutePermission, auth::Authorize): 401 "unauthenticated" otherwise, 403 "forbidden".
// Order commands (order_routes.cc) go through the sequencer one by one, like master data.
// A device's scans are refused 403 "notice_not_acknowledged" while the worker signed in on
// it has not acknowledged the privacy notice (TRN-01; privacy_routes.cc).
// Account routes run on the calling network thread (SQLite and password hashing), and so do
// the event routes (a page from memory, or from the journal for old pages), the movement
// routes and the EPCIS routes (their own SQLite files).
// Routes, bodies, roles and limits are described in docs/API.md.
//
// Thread safety: Handle() may be called from any number of network threads at once.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "entrepot/api/metrics.h"
#include "entrepot/api/web_assets.h"
#include "entrepot/auth/access.h"
#include "entrepot/auth/account_store.h"
#include "entrepot/core/orders.h"
#include "entrepot/engine/site_engine.h"
#include "entrepot/privacy/audit_chain.h"
#include "entrepot/server/sequencer.h"
#include "nlohmann/json.hpp"

namespace entrepot::api {

// Lines accepted in one POST /api/v1/scans/batch body.
inline constexpr size_t kMaxBatchLines = 10'000;
// Bytes accepted in one request body (the batch endpoint's limit; a single scan has
// wire::kMaxRecordBytes).
inline constexpr size_t kMaxBodyBytes = size_t{4} << 20;

struct HttpRequest {
  std::string method;         // "GET", "POST", ...
  std::string target;         // Path and query, as sent.
  std::string content_type;   // The Content-Type header; empty when absent.
  std::string authorization;  // The Authorization header; empty when absent.
  std::string body;
  std::string accept = {};         // The Accept header; empty when absent.
  std::string last_event_id = {};  // The Last-Event-ID header (SSE resumption); empty when absent.
  // The GS1-Capture-Error-Behaviour header of POST /epcis/capture; empty when absent.
  std::string capture_error_behaviour = {};
};

// The body of a streamed response (Server-Sent Events), produced piece by piece while the
// connection stays open. The server asks for the next piece only once the previous one is
// written, so nothing accumulates for a slow client.
class BodyStream {
 public:
  // Hands the server the next piece: `text` to send (empty: nothing to send, ask again) and
  // whether the body ends after it.
  using Deliver = std::function<void(std::string text, bool end)>;

  virtual ~BodyStream() = default;

  // Asks for the next piece. The stream calls `deliver` once, before returning or later from
  // any thread; it must not block waiting for data (register a wake-up instead). Called on
  // the connection's network strand, never twice at once.
  virtual void Next(Deliver deliver) = 0;

  // The server is done with the stream (client gone, write failed or timed out, server
  // stopping): release what a pending Next holds. A pending `deliver` may still be called;
  // the server ignores it. Called at most once, on the connection's strand.
  virtual void Cancel() = 0;
};

struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::string allow;               // The Allow header of a 405; empty otherwise.
  std::string www_authenticate;    // The WWW-Authenticate header of a 401; empty otherwise.
  std::string cache_control = {};  // The Cache-Control header; empty: none.
  // The Content-Security-Policy header (the web pages); empty: none.
  std::string content_security_policy = {};
  // The Content-Disposition header (an export: "attachment; filename=..."); empty: none.
  std::string content_disposition = {};
  // Set for a streamed response: the server sends the head and `body`, then the stream's
  // pieces (chunked for HTTP/1.1, close-delimited for HTTP/1.0) until the stream ends, the
  // client leaves or the server stops; the connection is closed afterwards. Each write has
  // the server's write timeout.
  std::shared_ptr<BodyStream> stream = nullptr;
  // For a stream: sent whenever nothing was written for `heartbeat_every` (an SSE comment
  // keeps proxies from timing the connection out and reveals departed clients). Zero: never.
  std::string heartbeat = {};
  std::chrono::milliseconds heartbeat_every{0};
  std::string location = {};  // The Location header (a created resource); empty: none.
  std::string link = {};      // The Link header (the next page of an EPCIS query); empty: none.
  // The GS1-EPCIS-Version and GS1-CBV-Version headers of the EPCIS routes; empty: none.
  std::string epcis_version = {};
  std::string cbv_version = {};
};

class EventRoutes;    // event_routes.h
struct WorkerNotice;  // privacy_notice.h
}  // namespace entrepot::api

namespace entrepot::server {
class EpcisRepository;  // server/epcis_repository.h
class LaborRecorder;    // server/labor_recorder.h
class MovementIndex;    // server/movement_index.h
}  // namespace entrepot::server

namespace entrepot::store {
class AuditLog;    // store/audit_log.h
class LaborStore;  // store/labor_store.h
}  // namespace entrepot::store

namespace entrepot::privacy {
struct Policy;  // privacy/policy.h
}  // namespace entrepot::privacy

namespace entrepot::api {

// What /healthz says of the lease of a node serving a site from PostgreSQL (docs/STORAGE.md,
// "Failover").
struct NodeLease {
  std::string node;   // This node's name in the lease.
  int64_t token = 0;  // Its fencing token.
  std::string lost;   // Why the lease was lost ("lease_lost", "lease_expired"); "": held.
};

// The parts of the API beyond the sequencer and the accounts. `events` (GET /api/v1/events)
// and `movements` (unit history, flow) may be null: their routes then answer 503
// "events_unavailable" / "index_unavailable". `audit` receives a record of every request
// for personal data (audit_trail.h); when it cannot be written the request is answered 503
// "audit_unavailable" (fail closed). Null only in tests of other routes: nothing is audited.
// The labor stream (docs/LABOR.md): `labor` answers the /api/v1/labor routes (null: 503
// "labor_unavailable"), under `policy`'s access grants and purposes (null: the labor routes
// answer 503 too: no access decision without a policy); `labor_recorder` receives badge
// sign-in and sign-out (null: not recorded in the labor stream). `epcis` answers the EPCIS
// 2.0 routes under /epcis (null: 503 "epcis_unavailable").
struct ApiServices {
  EventRoutes* events = nullptr;
  server::MovementIndex* movements = nullptr;
  store::AuditLog* audit = nullptr;
  store::LaborStore* labor = nullptr;
  server::LaborRecorder* labor_recorder = nullptr;
  const privacy::Policy* policy = nullptr;
  server::EpcisRepository* epcis = nullptr;
  // The web pages, served for a GET whose path no API route has; nullptr: none.
  const WebAssets* web = nullptr;
  // This node's lease on the site, for /healthz; empty: a SQLite site, served by one node.
  // Called on network threads.
  std::function<NodeLease()> lease = {};
};

class ApiHandler {
 public:
  // `now_ms` gives the server time (Unix ms) for scans that carry no "at". `site_code` is
  // the site served, checked against user scopes. `accounts` and the services must outlive
  // the handler.
  ApiHandler(server::Sequencer& sequencer, Metrics& metrics, auth::AccountStore& accounts,
             std::string site_code, std::function<int64_t()> now_ms, ApiServices services = {});

  // Answers `request` by calling `respond` exactly once, either before returning or later
  // from the sequencer thread. Errors are answered with ErrorBody and HttpStatusOf.
  void Handle(HttpRequest request, std::function<void(HttpResponse)> respond);

  // An error response for `status` (also used by the server for HTTP-level errors); a 401
  // other than a failed login carries "WWW-Authenticate: Bearer realm=\"entrepot\"".
  static HttpResponse ErrorResponse(const Status& status);

 private:
  // The principal of the request's bearer token, or kUnauthenticated "unauthenticated".
  StatusOr<auth::Principal> Authenticate(const HttpRequest& request);
  // The web page for a GET that matched no API route (`unmatched` is MatchRoute's
  // not_found), or nullptr.
  const WebAsset* WebPage(const HttpRequest& request, const Status& unmatched) const;
  void Dispatch(Route route, std::string parameter, HttpRequest& request,
                const auth::Principal& principal, std::function<void(HttpResponse)> respond);
  HttpResponse HandleAccounts(Route route, const std::string& parameter, const HttpRequest& request,
                              const auth::Principal& principal);
  HttpResponse Login(const HttpRequest& request);
  HttpResponse Me(const auth::Principal& principal);
  HttpResponse CreateUser(const HttpRequest& request);
  HttpResponse UpdateUser(const std::string& login, const HttpRequest& request);
  HttpResponse DeviceSession(const HttpRequest& request, const auth::Principal& device);
  // privacy_routes.cc: the notice to workers and its acknowledgement on a device (TRN-01,
  // TRN-02), the policy and its check, the record of processing, the audit log (RET-03) and
  // the retention runs.
  void InitPrivacy();
  HttpResponse HandlePrivacy(Route route, const HttpRequest& request,
                             const auth::Principal& principal);
  HttpResponse PrivacyNotice(const HttpRequest& request);
  HttpResponse AcknowledgeNotice(const HttpRequest& request, const auth::Principal& device);
  HttpResponse PrivacyPolicy();
  HttpResponse AuditPage(const HttpRequest& request);
  HttpResponse RetentionRuns(const HttpRequest& request);
  // {"version","required","acknowledged","acknowledged_at"} of the current notice for
  // `user_id` (reads the account store: badge sign-in, not the scan path).
  StatusOr<nlohmann::json> NoticeStatus(int64_t user_id);
  // True when a NoticeStatus lets the worker's data be collected: acknowledged, or not
  // required by the policy.
  static bool NoticeAllowsCollection(const nlohmann::json& notice_status);
  // TRN-01 on the scan path, from memory: kPermissionDenied "notice_not_acknowledged" when a
  // worker is signed in on `device` and has not acknowledged the current notice.
  Status NoticeGate(const auth::Principal& device);
  void HandleScan(HttpRequest& request, const auth::Principal& device,
                  std::function<void(HttpResponse)> respond);
  void HandleBatch(HttpRequest& request, const auth::Principal& device,
                   std::function<void(HttpResponse)> respond);
  void HandleQuery(Route route, std::string parameter, std::function<void(HttpResponse)> respond);
  // master_data_routes.cc: PUT of a zone, location, product or container.
  void HandleMasterDataPut(Route route, const std::string& id, const HttpRequest& request,
                           std::function<void(HttpResponse)> respond);
  // movement_routes.cc: unit history and flow, from the movement index.
  HttpResponse HandleMovements(Route route, const std::string& parameter,
                               const HttpRequest& request);
  // labor_routes.cc: the worker's own labor data, the supervisor's view, aggregates, rota.
  HttpResponse HandleLabor(Route route, const std::string& parameter, const HttpRequest& request,
                           const auth::Principal& principal);
  HttpResponse LaborMe(const HttpRequest& request, const auth::Principal& principal);
  HttpResponse LaborTeam(const HttpRequest& request, const auth::Principal& principal);
  HttpResponse LaborAggregates(const HttpRequest& request, const auth::Principal& principal);
  HttpResponse LaborAssignments(const std::string& day, const HttpRequest& request,
                                const auth::Principal& principal);
  HttpResponse LaborWorkerWeeks(const std::string& login, const HttpRequest& request,
                                const auth::Principal& principal);
  // epcis_routes.cc: the EPCIS 2.0 capture and query routes, from the EPCIS repository.
  HttpResponse HandleEpcis(Route route, const std::string& parameter, const HttpRequest& request);
  void EpcisCapture(const HttpRequest& request, std::function<void(HttpResponse)> respond);
  // Opens the receipts that a captured document announces and records the deliveries it
  // confirms (epcis/partner_shipments.h), then answers the capture job `job` with their
  // outcomes.
  void OpenPartnerReceipts(std::string_view body, nlohmann::json job, std::string location,
                           std::function<void(HttpResponse)> respond);
  HttpResponse EpcisQuery(const HttpRequest& request);
  // order_routes.cc: orders, release, the next batch of a device, carriers, cut-offs,
  // expected receipts (ASN) and the workload plan.
  void HandleOrders(Route route, const std::string& parameter, const HttpRequest& request,
                    const auth::Principal& principal, std::function<void(HttpResponse)> respond);
  // Submits an order command; answers `answer(reply)` after its commit, or its refusal.
  void SubmitOrderCommand(core::OrderCommand command, std::function<void(HttpResponse)> respond,
                          std::function<HttpResponse(const engine::OrderReply&)> answer);
  // Runs `read` as a sequencer query and answers its JSON (200) or its error.
  void QueryOrders(std::function<StatusOr<nlohmann::json>(const core::SiteState&)> read,
                   std::function<void(HttpResponse)> respond);
  void PlaceOrAmend(StatusOr<core::OrderTerms> terms, bool place,
                    std::function<void(HttpResponse)> respond);
  void ListOrders(const HttpRequest& request, std::function<void(HttpResponse)> respond);
  void Loads(Route route, const std::string& parameter, const HttpRequest& request,
             std::function<void(HttpResponse)> respond);
  void Release(const HttpRequest& request, std::function<void(HttpResponse)> respond);
  void NextTask(const HttpRequest& request, const auth::Principal& principal,
                std::function<void(HttpResponse)> respond);
  void Cutoffs(const HttpRequest& request, std::function<void(HttpResponse)> respond);
  void Workload(const HttpRequest& request, std::function<void(HttpResponse)> respond);
  void Counts(const HttpRequest& request, std::function<void(HttpResponse)> respond);
  HttpResponse Health() const;

  server::Sequencer& sequencer_;
  Metrics& metrics_;
  auth::AccountStore& accounts_;
  std::string site_code_;
  std::function<int64_t()> now_ms_;
  // Wraps `respond` so that the response is audited first when `record` is set.
  std::function<void(HttpResponse)> Audited(std::optional<privacy::AuditRecord> record,
                                            std::function<void(HttpResponse)> respond);

  EventRoutes* events_;
  server::MovementIndex* movements_;
  store::AuditLog* audit_;
  store::LaborStore* labor_;
  server::LaborRecorder* labor_recorder_;
  const privacy::Policy* policy_;
  server::EpcisRepository* epcis_;
  const WebAssets* web_;
  std::function<NodeLease()> lease_;
  // The policy the privacy office shows: policy_, or the built-in default when the handler
  // has none (as `serve` runs without --policy). Set by InitPrivacy.
  const privacy::Policy* active_policy_ = nullptr;
  // The notice of active_policy_, built once (the policy does not change while serving).
  std::shared_ptr<const WorkerNotice> notice_;
};

}  // namespace entrepot::api
