#include "entrepot/api/router.h"

#include <iterator>
#include <vector>

namespace entrepot::api {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

// The segments of a path or template after its leading '/': "/a/b/" gives {"a", "b", ""}.
std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> segments;
  size_t start = 1;  // Past the leading '/'.
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) {
      end = path.size();
    }
    segments.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return segments;
}

Status BadPath(std::string_view why) {
  return Error(StatusCode::kInvalidArgument, "bad_path", std::string(why));
}

bool IsParameter(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// Literal routes come before the parameter routes beside them (see RouteTable()). Every
// template has at most one parameter segment: RouteMatch carries one.
constexpr RouteSpec kRoutes[] = {
    {Route::kHealth, "/healthz", "GET"},
    {Route::kMetrics, "/metrics", "GET"},
    {Route::kScan, "/api/v1/scans", "POST"},
    {Route::kScanBatch, "/api/v1/scans/batch", "POST"},
    {Route::kSiteStock, "/api/v1/stock", "GET"},
    {Route::kLocationStock, "/api/v1/locations/{code}/stock", "GET"},
    {Route::kProductStock, "/api/v1/products/{gtin}/stock", "GET"},
    {Route::kContainer, "/api/v1/containers/{id}", "GET, PUT"},
    {Route::kZones, "/api/v1/zones", "GET"},
    {Route::kZone, "/api/v1/zones/{code}", "GET, PUT"},
    {Route::kLocation, "/api/v1/locations/{code}", "GET, PUT"},
    {Route::kProduct, "/api/v1/products/{gtin}", "GET, PUT"},
    {Route::kUnitHistory, "/api/v1/units/{code}/history", "GET"},
    {Route::kFlow, "/api/v1/flow", "GET"},
    {Route::kEvents, "/api/v1/events", "GET"},
    {Route::kLogin, "/api/v1/login", "POST"},
    {Route::kLogout, "/api/v1/logout", "POST"},
    {Route::kMe, "/api/v1/me", "GET"},
    {Route::kUsers, "/api/v1/users", "GET, POST"},
    {Route::kUser, "/api/v1/users/{login}", "PATCH"},
    {Route::kDevices, "/api/v1/devices", "POST"},
    {Route::kDeviceSession, "/api/v1/devices/session", "POST, DELETE"},
    {Route::kNoticeAck, "/api/v1/devices/session/acknowledge", "POST"},
    {Route::kDevice, "/api/v1/devices/{id}", "DELETE"},
    {Route::kOpenApi, "/api/v1/openapi.json", "GET"},
    {Route::kLaborMe, "/api/v1/labor/me", "GET"},
    {Route::kLaborTeam, "/api/v1/labor/team", "GET"},
    {Route::kLaborAggregates, "/api/v1/labor/aggregates", "GET"},
    {Route::kLaborAssignments, "/api/v1/labor/assignments/{day}", "PUT"},
    {Route::kLaborWorkerWeeks, "/api/v1/labor/workers/{login}/weeks", "GET"},
    {Route::kEpcisCapture, "/epcis/capture", "POST"},
    {Route::kEpcisCaptureJob, "/epcis/capture/{captureID}", "GET"},
    {Route::kEpcisEvents, "/epcis/events", "GET"},
    {Route::kEpcisEvent, "/epcis/events/{eventID}", "GET"},
    {Route::kOrders, "/api/v1/orders", "GET, POST"},
    {Route::kOrder, "/api/v1/orders/{id}", "GET, PUT"},
    {Route::kOrderCancel, "/api/v1/orders/{id}/cancel", "POST"},
    {Route::kRelease, "/api/v1/release", "POST"},
    {Route::kNextTask, "/api/v1/tasks/next", "POST"},
    {Route::kCarrier, "/api/v1/carriers/{code}", "PUT"},
    {Route::kCutoffs, "/api/v1/cutoffs", "GET"},
    {Route::kReceipts, "/api/v1/receipts", "POST"},
    {Route::kReceipt, "/api/v1/receipts/{id}", "GET"},
    {Route::kReceiptClose, "/api/v1/receipts/{id}/close", "POST"},
    {Route::kWorkload, "/api/v1/workload", "POST"},
    {Route::kCounts, "/api/v1/counts", "GET, POST"},
    {Route::kReturns, "/api/v1/returns", "POST"},
    {Route::kLoads, "/api/v1/loads", "GET, POST"},
    {Route::kLoad, "/api/v1/loads/{id}", "GET"},
    {Route::kLoadClose, "/api/v1/loads/{id}/close", "POST"},
    {Route::kDeliveries, "/api/v1/deliveries", "POST"},
    {Route::kPickFace, "/api/v1/pick-faces/{code}", "PUT"},
    {Route::kReplenishments, "/api/v1/replenishments", "GET"},
    {Route::kPrivacyNotice, "/api/v1/privacy/notice", "GET"},
    {Route::kPrivacyPolicy, "/api/v1/privacy/policy", "GET"},
    {Route::kPrivacyRecord, "/api/v1/privacy/record", "GET"},
    {Route::kPrivacyRetention, "/api/v1/privacy/retention", "GET"},
    {Route::kAudit, "/api/v1/audit", "GET"},
};
static_assert(std::size(kRoutes) == static_cast<size_t>(kRouteCount - 1),
              "one row per Route but kUnmatched");

// True when the path's raw (still encoded) segments fit the template's; `*parameter` is then
// the raw segment in the parameter's place, if any.
bool Fits(const std::vector<std::string_view>& segments, std::string_view pattern,
          std::string_view* parameter) {
  std::vector<std::string_view> expected = Split(pattern);
  if (expected.size() != segments.size()) {
    return false;
  }
  for (size_t i = 0; i < expected.size(); ++i) {
    if (IsParameter(expected[i])) {
      *parameter = segments[i];
    } else if (expected[i] != segments[i]) {
      return false;
    }
  }
  return true;
}

// Matches the path alone: the route and its row of the table, or kUnmatched.
StatusOr<RouteMatch> MatchPath(std::string_view path, const RouteSpec** spec) {
  std::vector<std::string_view> segments = Split(path);
  for (const RouteSpec& row : kRoutes) {
    std::string_view raw;
    if (!Fits(segments, row.pattern, &raw)) {
      continue;
    }
    *spec = &row;
    if (row.pattern.find('{') == std::string_view::npos) {
      return RouteMatch{row.route, ""};
    }
    StatusOr<std::string> parameter = PercentDecode(raw);
    if (!parameter.ok()) {
      return parameter.status();
    }
    if (parameter->empty()) {
      return BadPath("the path has an empty parameter");
    }
    return RouteMatch{row.route, *std::move(parameter)};
  }
  return RouteMatch{};
}

// True when `method` is one of the comma-separated `methods`.
bool MethodIn(std::string_view method, std::string_view methods) {
  while (!methods.empty()) {
    size_t comma = methods.find(',');
    if (methods.substr(0, comma) == method) {
      return true;
    }
    methods.remove_prefix(comma == std::string_view::npos ? methods.size() : comma + 2);
  }
  return false;
}

// Decodes one name or value of a query string: '+' is a space, as HTML forms send it.
StatusOr<std::string> FormDecode(std::string_view text, std::string_view what) {
  std::string raw(text);
  for (char& c : raw) {
    c = c == '+' ? ' ' : c;
  }
  StatusOr<std::string> decoded = PercentDecode(raw);
  if (!decoded.ok()) {
    return Error(StatusCode::kInvalidArgument, "bad_query",
                 "bad percent-escape in the query parameter " + std::string(what));
  }
  return decoded;
}

}  // namespace

std::span<const RouteSpec> RouteTable() { return kRoutes; }

std::string_view RoutePattern(Route route) {
  for (const RouteSpec& row : kRoutes) {
    if (row.route == route) {
      return row.pattern;
    }
  }
  return "unmatched";
}

auth::Permission RoutePermission(Route route, std::string_view method) {
  using auth::Permission;
  switch (route) {
    case Route::kHealth:
    case Route::kLogin:
    case Route::kOpenApi:
    case Route::kUnmatched:
      return Permission::kPublic;
    case Route::kMetrics:
      return Permission::kReadMetrics;
    case Route::kScan:
    case Route::kScanBatch:
      return Permission::kScan;
    case Route::kSiteStock:
    case Route::kLocationStock:
    case Route::kProductStock:
    case Route::kZones:
      return Permission::kReadStock;
    case Route::kContainer:
    case Route::kZone:
    case Route::kLocation:
    case Route::kProduct:
      return method == "PUT" ? Permission::kManageMasterData : Permission::kReadStock;
    case Route::kEvents:
    case Route::kUnitHistory:
    case Route::kFlow:
      return Permission::kReadEvents;
    case Route::kLogout:
    case Route::kMe:
      return Permission::kSelf;
    // Decided in the handler against the policy's grants (labor_routes.cc): auth/ has no
    // labor permission, and who may read labor data is the policy's to say, not a fixed table.
    case Route::kLaborMe:
    case Route::kLaborTeam:
    case Route::kLaborAggregates:
    case Route::kLaborAssignments:
    case Route::kLaborWorkerWeeks:
      return Permission::kSelf;
    case Route::kUsers:
    case Route::kUser:
      return Permission::kManageUsers;
    case Route::kDevices:
    case Route::kDevice:
      return Permission::kManageDevices;
    case Route::kDeviceSession:
    case Route::kNoticeAck:
      return Permission::kDeviceSession;
    // The notice is no personal data and every worker must be able to read it, on a
    // handheld (device token) as in a browser: any token (TRN-01).
    case Route::kPrivacyNotice:
      return Permission::kSelf;
    case Route::kPrivacyPolicy:
      return Permission::kReadPrivacyPolicy;
    case Route::kPrivacyRecord:
    case Route::kPrivacyRetention:
      return Permission::kReadPrivacyRecords;
    case Route::kAudit:
      return Permission::kReadAuditLog;
    case Route::kEpcisCapture:
    case Route::kEpcisCaptureJob:
      return Permission::kCaptureEpcis;
    case Route::kEpcisEvents:
    case Route::kEpcisEvent:
      return Permission::kQueryEpcis;
    case Route::kOrders:
    case Route::kOrder:
    case Route::kCounts:
    case Route::kLoads:
      return method == "GET" ? Permission::kReadOrders : Permission::kManageOrders;
    case Route::kOrderCancel:
    case Route::kRelease:
    case Route::kCarrier:
    case Route::kReceipts:
    case Route::kReceiptClose:
    case Route::kReturns:
    case Route::kPickFace:
    case Route::kLoadClose:
    case Route::kDeliveries:
      return Permission::kManageOrders;
    case Route::kCutoffs:
    case Route::kReceipt:
    case Route::kLoad:
    case Route::kWorkload:
    case Route::kReplenishments:
      return Permission::kReadOrders;
    case Route::kNextTask:
      return Permission::kTakeTask;
  }
  return Permission::kManageUsers;  // Unreachable; the most restrictive.
}

StatusOr<std::string> PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    int high = i + 2 < text.size() ? HexValue(text[i + 1]) : -1;
    int low = high >= 0 ? HexValue(text[i + 2]) : -1;
    if (low < 0) {
      return BadPath("bad percent-escape in the path");
    }
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

StatusOr<std::optional<std::string>> QueryParameter(std::string_view target,
                                                    std::string_view name) {
  size_t question = target.find('?');
  if (question == std::string_view::npos) {
    return std::optional<std::string>();
  }
  std::string_view query = target.substr(question + 1);
  query = query.substr(0, query.find('#'));
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query.remove_prefix(amp == std::string_view::npos ? query.size() : amp + 1);
    size_t equals = pair.find('=');
    if (pair.substr(0, equals) != name) {
      continue;
    }
    StatusOr<std::string> value =
        FormDecode(equals == std::string_view::npos ? "" : pair.substr(equals + 1), name);
    if (!value.ok()) {
      return value.status();
    }
    return std::optional<std::string>(*std::move(value));
  }
  return std::optional<std::string>();
}

StatusOr<std::vector<std::pair<std::string, std::string>>> QueryParameters(
    std::string_view target) {
  std::vector<std::pair<std::string, std::string>> parameters;
  size_t question = target.find('?');
  if (question == std::string_view::npos) {
    return parameters;
  }
  std::string_view query = target.substr(question + 1);
  query = query.substr(0, query.find('#'));
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query.remove_prefix(amp == std::string_view::npos ? query.size() : amp + 1);
    if (pair.empty()) {
      continue;
    }
    size_t equals = pair.find('=');
    StatusOr<std::string> name = FormDecode(pair.substr(0, equals), "name");
    if (!name.ok()) {
      return name.status();
    }
    StatusOr<std::string> value =
        FormDecode(equals == std::string_view::npos ? "" : pair.substr(equals + 1), *name);
    if (!value.ok()) {
      return value.status();
    }
    parameters.emplace_back(*std::move(name), *std::move(value));
  }
  return parameters;
}

StatusOr<RouteMatch> MatchRoute(std::string_view method, std::string_view target,
                                std::string* allow) {
  std::string_view path = target.substr(0, target.find('?'));
  if (path.empty() || path[0] != '/') {
    return Error(StatusCode::kNotFound, "not_found", "no such route");
  }
  const RouteSpec* spec = nullptr;
  StatusOr<RouteMatch> match = MatchPath(path, &spec);
  if (!match.ok()) {
    return match;
  }
  if (match->route == Route::kUnmatched) {
    return Error(
        StatusCode::kNotFound, "not_found",
        "no route " + std::string(path) + " (the API lives under /api/v1, EPCIS under /epcis)");
  }
  if (!MethodIn(method, spec->methods)) {
    *allow = std::string(spec->methods);
    return Error(StatusCode::kInvalidArgument, "method_not_allowed",
                 std::string(path) + " accepts " + std::string(spec->methods) + " only");
  }
  return match;
}

}  // namespace entrepot::api
