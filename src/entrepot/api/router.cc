#include "entrepot/api/router.h"

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

// Matches the path alone: the route and the methods it accepts ("GET", "GET, POST"), or
// kUnmatched.
StatusOr<RouteMatch> MatchPath(std::string_view path, std::string_view* methods) {
  *methods = "GET";
  if (path == "/healthz") {
    return RouteMatch{Route::kHealth, ""};
  }
  if (path == "/metrics") {
    return RouteMatch{Route::kMetrics, ""};
  }
  std::vector<std::string_view> s = Split(path);
  if (s.size() < 3 || s[0] != "api" || s[1] != "v1") {
    return RouteMatch{};
  }
  // Routes without a parameter.
  struct Fixed {
    std::string_view a, b;
    Route route;
    std::string_view methods;
  };
  static constexpr Fixed kFixed[] = {
      {"scans", "", Route::kScan, "POST"},
      {"scans", "batch", Route::kScanBatch, "POST"},
      {"stock", "", Route::kSiteStock, "GET"},
      {"login", "", Route::kLogin, "POST"},
      {"logout", "", Route::kLogout, "POST"},
      {"me", "", Route::kMe, "GET"},
      {"users", "", Route::kUsers, "GET, POST"},
      {"devices", "", Route::kDevices, "POST"},
      {"devices", "session", Route::kDeviceSession, "POST, DELETE"},
  };
  for (const Fixed& fixed : kFixed) {
    if (s[2] == fixed.a && (fixed.b.empty() ? s.size() == 3 : s.size() == 4 && s[3] == fixed.b)) {
      *methods = fixed.methods;
      return RouteMatch{fixed.route, ""};
    }
  }
  Route route = Route::kUnmatched;
  if (s.size() == 5 && s[2] == "locations" && s[4] == "stock") {
    route = Route::kLocationStock;
  } else if (s.size() == 5 && s[2] == "products" && s[4] == "stock") {
    route = Route::kProductStock;
  } else if (s.size() == 4 && s[2] == "containers") {
    route = Route::kContainer;
  } else if (s.size() == 4 && s[2] == "users") {
    route = Route::kUser;
    *methods = "PATCH";
  } else if (s.size() == 4 && s[2] == "devices") {
    route = Route::kDevice;
    *methods = "DELETE";
  } else {
    return RouteMatch{};
  }
  StatusOr<std::string> parameter = PercentDecode(s[3]);
  if (!parameter.ok()) {
    return parameter.status();
  }
  if (parameter->empty()) {
    return BadPath("the path has an empty parameter");
  }
  return RouteMatch{route, *std::move(parameter)};
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

}  // namespace

std::string_view RoutePattern(Route route) {
  switch (route) {
    case Route::kHealth:
      return "/healthz";
    case Route::kMetrics:
      return "/metrics";
    case Route::kScan:
      return "/api/v1/scans";
    case Route::kScanBatch:
      return "/api/v1/scans/batch";
    case Route::kSiteStock:
      return "/api/v1/stock";
    case Route::kLocationStock:
      return "/api/v1/locations/{code}/stock";
    case Route::kProductStock:
      return "/api/v1/products/{gtin}/stock";
    case Route::kContainer:
      return "/api/v1/containers/{id}";
    case Route::kLogin:
      return "/api/v1/login";
    case Route::kLogout:
      return "/api/v1/logout";
    case Route::kMe:
      return "/api/v1/me";
    case Route::kUsers:
      return "/api/v1/users";
    case Route::kUser:
      return "/api/v1/users/{login}";
    case Route::kDevices:
      return "/api/v1/devices";
    case Route::kDevice:
      return "/api/v1/devices/{id}";
    case Route::kDeviceSession:
      return "/api/v1/devices/session";
    case Route::kUnmatched:
      break;
  }
  return "unmatched";
}

auth::Permission RoutePermission(Route route) {
  using auth::Permission;
  switch (route) {
    case Route::kHealth:
    case Route::kLogin:
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
    case Route::kContainer:
      return Permission::kReadStock;
    case Route::kLogout:
    case Route::kMe:
      return Permission::kSelf;
    case Route::kUsers:
    case Route::kUser:
      return Permission::kManageUsers;
    case Route::kDevices:
    case Route::kDevice:
      return Permission::kManageDevices;
    case Route::kDeviceSession:
      return Permission::kDeviceSession;
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

StatusOr<RouteMatch> MatchRoute(std::string_view method, std::string_view target,
                                std::string* allow) {
  std::string_view path = target.substr(0, target.find('?'));
  if (path.empty() || path[0] != '/') {
    return Error(StatusCode::kNotFound, "not_found", "no such route");
  }
  std::string_view methods;
  StatusOr<RouteMatch> match = MatchPath(path, &methods);
  if (!match.ok()) {
    return match;
  }
  if (match->route == Route::kUnmatched) {
    return Error(StatusCode::kNotFound, "not_found",
                 "no route " + std::string(path) + " (the API lives under /api/v1)");
  }
  if (!MethodIn(method, methods)) {
    *allow = std::string(methods);
    return Error(StatusCode::kInvalidArgument, "method_not_allowed",
                 std::string(path) + " accepts " + std::string(methods) + " only");
  }
  return match;
}

}  // namespace entrepot::api
