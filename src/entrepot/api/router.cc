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

// Matches the path alone: the route and its method, or kUnmatched.
StatusOr<RouteMatch> MatchPath(std::string_view path, bool* is_post) {
  *is_post = false;
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
  if (s.size() == 3 && s[2] == "scans") {
    *is_post = true;
    return RouteMatch{Route::kScan, ""};
  }
  if (s.size() == 4 && s[2] == "scans" && s[3] == "batch") {
    *is_post = true;
    return RouteMatch{Route::kScanBatch, ""};
  }
  if (s.size() == 3 && s[2] == "stock") {
    return RouteMatch{Route::kSiteStock, ""};
  }
  Route route = Route::kUnmatched;
  if (s.size() == 5 && s[2] == "locations" && s[4] == "stock") {
    route = Route::kLocationStock;
  } else if (s.size() == 5 && s[2] == "products" && s[4] == "stock") {
    route = Route::kProductStock;
  } else if (s.size() == 4 && s[2] == "containers") {
    route = Route::kContainer;
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
    case Route::kUnmatched:
      break;
  }
  return "unmatched";
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
  bool is_post = false;
  StatusOr<RouteMatch> match = MatchPath(path, &is_post);
  if (!match.ok()) {
    return match;
  }
  if (match->route == Route::kUnmatched) {
    return Error(StatusCode::kNotFound, "not_found",
                 "no route " + std::string(path) + " (the API lives under /api/v1)");
  }
  std::string_view expected = is_post ? "POST" : "GET";
  if (method != expected) {
    *allow = std::string(expected);
    return Error(StatusCode::kInvalidArgument, "method_not_allowed",
                 std::string(path) + " accepts " + std::string(expected) + " only");
  }
  return match;
}

}  // namespace entrepot::api
