// File: api_handler.h
//
// ApiHandler answers one HTTP request of the Entrepôt API, independently of the HTTP
// library: the server (http_server.h) reads a request, hands it over as an HttpRequest and
// writes the HttpResponse it gets back. Scans and queries go through the site's
// server::Sequencer; the response of a scan is produced only after its batch was committed.
// Every route but /healthz, /api/v1/login and /api/v1/openapi.json requires a bearer token (a user
// session or a device token, from the auth::AccountStore) whose principal holds the route's
// permission (RoutePermission, auth::Authorize): 401 "unauthenticated" otherwise, 403 "forbidden".
// Account routes run on the calling network thread (SQLite and password hashing).
// Routes, bodies, roles and limits are described in docs/API.md.
//
// Thread safety: Handle() may be called from any number of network threads at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "entrepot/api/metrics.h"
#include "entrepot/auth/access.h"
#include "entrepot/auth/account_store.h"
#include "entrepot/server/sequencer.h"

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
};

struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::string allow;             // The Allow header of a 405; empty otherwise.
  std::string www_authenticate;  // The WWW-Authenticate header of a 401; empty otherwise.
};

class ApiHandler {
 public:
  // `now_ms` gives the server time (Unix ms) for scans that carry no "at". `site_code` is
  // the site served, checked against user scopes. `accounts` must outlive the handler.
  ApiHandler(server::Sequencer& sequencer, Metrics& metrics, auth::AccountStore& accounts,
             std::string site_code, std::function<int64_t()> now_ms);

  // Answers `request` by calling `respond` exactly once, either before returning or later
  // from the sequencer thread. Errors are answered with ErrorBody and HttpStatusOf.
  void Handle(HttpRequest request, std::function<void(HttpResponse)> respond);

  // An error response for `status` (also used by the server for HTTP-level errors); a 401
  // other than a failed login carries "WWW-Authenticate: Bearer realm=\"entrepot\"".
  static HttpResponse ErrorResponse(const Status& status);

 private:
  // The principal of the request's bearer token, or kUnauthenticated "unauthenticated".
  StatusOr<auth::Principal> Authenticate(const HttpRequest& request);
  void Dispatch(Route route, std::string parameter, HttpRequest& request,
                const auth::Principal& principal, std::function<void(HttpResponse)> respond);
  HttpResponse HandleAccounts(Route route, const std::string& parameter, const HttpRequest& request,
                              const auth::Principal& principal);
  HttpResponse Login(const HttpRequest& request);
  HttpResponse Me(const auth::Principal& principal);
  HttpResponse CreateUser(const HttpRequest& request);
  HttpResponse UpdateUser(const std::string& login, const HttpRequest& request);
  HttpResponse DeviceSession(const HttpRequest& request, const auth::Principal& device);
  void HandleScan(HttpRequest& request, const auth::Principal& device,
                  std::function<void(HttpResponse)> respond);
  void HandleBatch(HttpRequest& request, const auth::Principal& device,
                   std::function<void(HttpResponse)> respond);
  void HandleQuery(Route route, std::string parameter, std::function<void(HttpResponse)> respond);
  HttpResponse Health() const;

  server::Sequencer& sequencer_;
  Metrics& metrics_;
  auth::AccountStore& accounts_;
  std::string site_code_;
  std::function<int64_t()> now_ms_;
};

}  // namespace entrepot::api
