// File: api_handler.h
//
// ApiHandler answers one HTTP request of the Entrepôt API, independently of the HTTP
// library: the server (http_server.h) reads a request, hands it over as an HttpRequest and
// writes the HttpResponse it gets back. Scans and queries go through the site's
// server::Sequencer; the response of a scan is produced only after its batch was committed.
// Routes, bodies and limits are described in docs/API.md.
//
// Thread safety: Handle() may be called from any number of network threads at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "entrepot/api/metrics.h"
#include "entrepot/server/sequencer.h"

namespace entrepot::api {

// Lines accepted in one POST /api/v1/scans/batch body.
inline constexpr size_t kMaxBatchLines = 10'000;
// Bytes accepted in one request body (the batch endpoint's limit; a single scan has
// wire::kMaxRecordBytes).
inline constexpr size_t kMaxBodyBytes = size_t{4} << 20;

struct HttpRequest {
  std::string method;        // "GET", "POST", ...
  std::string target;        // Path and query, as sent.
  std::string content_type;  // The Content-Type header; empty when absent.
  std::string body;
};

struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::string allow;  // The Allow header of a 405; empty otherwise.
};

class ApiHandler {
 public:
  // `now_ms` gives the server time (Unix ms) for scans that carry no "at".
  ApiHandler(server::Sequencer& sequencer, Metrics& metrics, std::function<int64_t()> now_ms);

  // Answers `request` by calling `respond` exactly once, either before returning or later
  // from the sequencer thread. Errors are answered with ErrorBody and HttpStatusOf.
  void Handle(HttpRequest request, std::function<void(HttpResponse)> respond);

  // An error response for `status` (also used by the server for HTTP-level errors).
  static HttpResponse ErrorResponse(const Status& status);

 private:
  void HandleScan(HttpRequest& request, std::function<void(HttpResponse)> respond);
  void HandleBatch(HttpRequest& request, std::function<void(HttpResponse)> respond);
  void HandleQuery(Route route, std::string parameter, std::function<void(HttpResponse)> respond);
  HttpResponse Health() const;

  server::Sequencer& sequencer_;
  Metrics& metrics_;
  std::function<int64_t()> now_ms_;
};

}  // namespace entrepot::api
