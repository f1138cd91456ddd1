// File: router.h
//
// The API's routes and how a request line selects one. Pure string work, no I/O, so the
// routing rules are tested without a network. Paths are matched after percent-decoding each
// segment (a label or an SSCC such as "(00)0950..." arrives URL-encoded); the query string
// does not select a route (QueryParameter reads it for the handlers). One table (RouteTable) lists
// every route with its path template and methods; matching, the Allow header and the OpenAPI
// document's test all read it.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "entrepot/auth/access.h"
#include "entrepot/base/status.h"

namespace entrepot::api {

enum class Route {
  kHealth,            // GET  /healthz
  kMetrics,           // GET  /metrics
  kScan,              // POST /api/v1/scans
  kScanBatch,         // POST /api/v1/scans/batch
  kSiteStock,         // GET  /api/v1/stock
  kLocationStock,     // GET  /api/v1/locations/{code}/stock
  kProductStock,      // GET  /api/v1/products/{gtin}/stock
  kContainer,         // GET, PUT /api/v1/containers/{id}
  kZones,             // GET  /api/v1/zones
  kZone,              // GET, PUT /api/v1/zones/{code}
  kLocation,          // GET, PUT /api/v1/locations/{code}
  kProduct,           // GET, PUT /api/v1/products/{gtin}
  kUnitHistory,       // GET  /api/v1/units/{code}/history
  kFlow,              // GET  /api/v1/flow
  kEvents,            // GET  /api/v1/events (JSON pages, or Server-Sent Events)
  kLogin,             // POST /api/v1/login
  kLogout,            // POST /api/v1/logout
  kMe,                // GET  /api/v1/me
  kUsers,             // GET, POST /api/v1/users
  kUser,              // PATCH /api/v1/users/{login}
  kDevices,           // POST /api/v1/devices
  kDevice,            // DELETE /api/v1/devices/{id}
  kDeviceSession,     // POST, DELETE /api/v1/devices/session
  kNoticeAck,         // POST /api/v1/devices/session/acknowledge (TRN-01)
  kOpenApi,           // GET  /api/v1/openapi.json
  kLaborMe,           // GET  /api/v1/labor/me (the worker's own labor data, DSR-01)
  kLaborTeam,         // GET  /api/v1/labor/team (supervisor, own shift and zone, today)
  kLaborAggregates,   // GET  /api/v1/labor/aggregates (k-anonymous group figures)
  kLaborAssignments,  // PUT  /api/v1/labor/assignments/{day} (the day's rota)
  kLaborWorkerWeeks,  // GET  /api/v1/labor/workers/{login}/weeks (line manager, HR: ACC-02)
  kEpcisCapture,      // POST /epcis/capture (an EPCISDocument; EPCIS 2.0 REST binding)
  kEpcisCaptureJob,   // GET  /epcis/capture/{captureID}
  kEpcisEvents,       // GET  /epcis/events (an EPCISQueryDocument, paged)
  kEpcisEvent,        // GET  /epcis/events/{eventID}
  kOrders,            // GET, POST /api/v1/orders (list, place)
  kOrder,             // GET, PUT /api/v1/orders/{id} (status, amend)
  kOrderCancel,       // POST /api/v1/orders/{id}/cancel
  kRelease,           // POST /api/v1/release (release work by cut-off)
  kNextTask,          // POST /api/v1/tasks/next (a device's next batch)
  kCarrier,           // PUT  /api/v1/carriers/{code} (a carrier's doors)
  kCutoffs,           // GET  /api/v1/cutoffs (progress and risk per carrier and cut-off)
  kReceipts,          // POST /api/v1/receipts (an expected receipt, ASN)
  kReceipt,           // GET  /api/v1/receipts/{id}
  kReceiptClose,      // POST /api/v1/receipts/{id}/close
  kWorkload,          // POST /api/v1/workload (the staff each zone needs, team level)
  kCounts,            // GET, POST /api/v1/counts (open count tasks; request counts)
  kReturns,           // POST /api/v1/returns (units of a shipped order back)
  kLoads,             // GET, POST /api/v1/loads (list; open a load under its bill of lading)
  kLoad,              // GET  /api/v1/loads/{id} (a load and what it carries)
  kLoadClose,         // POST /api/v1/loads/{id}/close (the trailer left)
  kDeliveries,        // POST /api/v1/deliveries (parcels a partner confirmed delivered)
  kPickFace,          // PUT  /api/v1/pick-faces/{code} (replenishment levels)
  kReplenishments,    // GET  /api/v1/replenishments (faces below their min, and sources)
  kPrivacyNotice,     // GET  /api/v1/privacy/notice (the notice to workers, TRN-01, TRN-02)
  kPrivacyPolicy,     // GET  /api/v1/privacy/policy (the active policy and its check report)
  kPrivacyRecord,     // GET  /api/v1/privacy/record (the record of processing, GDPR Art. 30)
  kPrivacyRetention,  // GET  /api/v1/privacy/retention (the retention runs, RET-01..RET-03)
  kAudit,             // GET  /api/v1/audit (the personal-data audit log, RET-03; dpo)
  kUnmatched,         // Anything else (for metrics labels).
};
inline constexpr int kRouteCount = 59;

// One row of the route table.
struct RouteSpec {
  Route route;
  // The path template: literal segments and "{name}" parameter segments, e.g.
  // "/api/v1/locations/{code}/stock" (also the route's metrics label).
  std::string_view pattern;
  // The methods the route accepts, as the Allow header lists them: "GET", "GET, POST".
  std::string_view methods;
};

// Every route the router matches, each once, in matching order: a path takes the first row
// whose template it fits, so a literal route ("/api/v1/devices/session") comes before the
// parameter route beside it ("/api/v1/devices/{id}"). Never includes Route::kUnmatched.
std::span<const RouteSpec> RouteTable();

// The route's path template from RouteTable(), or "unmatched" for Route::kUnmatched.
std::string_view RoutePattern(Route route);

struct RouteMatch {
  Route route = Route::kUnmatched;
  std::string parameter;  // The decoded {code}/{gtin}/{id}/{login}; empty when none.
};

// Selects the route for `method` and `target` (path and optional query). Errors:
//   kNotFound "not_found"                 no route has this path;
//   kInvalidArgument "bad_path"           a bad percent-escape, or an empty parameter;
//   kInvalidArgument "method_not_allowed" the path exists for other methods; `allow` is set
//                                         to the Allow header's value ("GET", "GET, POST").
StatusOr<RouteMatch> MatchRoute(std::string_view method, std::string_view target,
                                std::string* allow);

// The permission `method` on `route` requires (the route -> role table of docs/API.md; who
// holds each permission is auth::Authorize's table). Reads and writes of one path may differ:
// PUT on a master-data path needs kManageMasterData, GET on it kReadStock. POST /epcis/capture
// and its jobs need kCaptureEpcis, the EPCIS event queries kQueryEpcis. Reading orders and
// cut-offs needs kReadOrders, changing them (place, amend, cancel, release, carriers)
// kManageOrders, and POST /api/v1/tasks/next kTakeTask; receipts (ASN) likewise, and the
// workload plan kReadOrders. The privacy office: the notice needs kSelf (any token, devices
// included: the handheld shows it after badge sign-in; it is no personal data), the policy
// and its check kReadPrivacyPolicy, the record of processing and the retention runs
// kReadPrivacyRecords, the audit log kReadAuditLog; acknowledging the notice on a device
// kDeviceSession. The labor routes
// need kSelf (any user; auth/ has no labor permission): their handlers then decide from the
// privacy policy's [[access]] grants, the caller's role and the site scope (labor_routes.cc).
auth::Permission RoutePermission(Route route, std::string_view method = "GET");

// The value of the query parameter `name` in `target` ("/p?after=12&limit=5"), decoded
// (%XX escapes, and '+' as a space as HTML forms send it); the first one when repeated;
// nullopt when absent. "?name" alone gives "". Returns kInvalidArgument "bad_query" for a bad
// percent-escape in the query string.
StatusOr<std::optional<std::string>> QueryParameter(std::string_view target, std::string_view name);

// Every query parameter of `target`, as (name, value) pairs in order, both decoded as
// QueryParameter decodes values; a name without '=' has the value "". Returns
// kInvalidArgument "bad_query" for a bad percent-escape.
StatusOr<std::vector<std::pair<std::string, std::string>>> QueryParameters(std::string_view target);

// Decodes %XX escapes (and nothing else: '+' stays '+'). Returns kInvalidArgument "bad_path"
// for a truncated or non-hex escape.
StatusOr<std::string> PercentDecode(std::string_view text);

}  // namespace entrepot::api
