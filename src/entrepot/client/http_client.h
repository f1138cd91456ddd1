// File: http_client.h
//
// HttpClient: a keep-alive HTTP/1.1 client on one connection to an Entrepôt server, for the
// simulator (client/sim_runner.h), the benchmarks and the tests. Blocking calls, one at a
// time; every exchange is bounded in time (a dead or stalled server cannot hang the caller)
// and in size (the response body). A failed exchange is a reply with status 0 and the
// reason in `error`; the connection is then closed and the next call opens a new one.
//
//   client::HttpClient client("127.0.0.1", 8080);
//   client.token = session_token;  // "Authorization: Bearer <token>"
//   client::HttpReply reply = client.Get("/api/v1/stock");
//   if (reply.status == 200) { nlohmann::json stock = reply.Json(); ... }
//
// Boost.Beast stays out of this header (only the method enum), so that users of the client
// do not pay for it at compile time.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "boost/beast/http/verb.hpp"
#include "nlohmann/json.hpp"

namespace entrepot::client {

// One response, or a failed exchange (status 0).
struct HttpReply {
  unsigned status = 0;  // 0 when the connection or the exchange failed.
  std::string body;
  std::string allow;
  std::string www_authenticate;
  std::string content_type;
  std::string content_disposition;
  std::string cache_control;
  bool keep_alive = false;
  std::string error;  // Status 0 only: what failed ("connect 127.0.0.1:8080: refused", ...).
  // The body as JSON; a discarded value (is_discarded()) when it is not JSON. Never throws.
  nlohmann::json Json() const;
};

inline constexpr std::chrono::milliseconds kDefaultConnectTimeout{5'000};
inline constexpr std::chrono::milliseconds kDefaultExchangeTimeout{30'000};
inline constexpr size_t kDefaultMaxResponseBodyBytes = size_t{64} << 20;

struct HttpClientOptions {
  std::chrono::milliseconds connect_timeout = kDefaultConnectTimeout;
  // Sending one request and receiving its whole response.
  std::chrono::milliseconds exchange_timeout = kDefaultExchangeTimeout;
  // A longer response body fails the exchange (status 0, "body limit exceeded").
  size_t max_response_body_bytes = kDefaultMaxResponseBodyBytes;
};

// Not thread-safe: one caller at a time. Movable, so that it can live in containers; a
// moved-from client may only be destroyed or assigned to.
class HttpClient {
 public:
  // `host`: an IPv4 or IPv6 address or a name resolved at connection. Does not connect:
  // the first call (or Connect) does.
  HttpClient(std::string host, uint16_t port, HttpClientOptions options = {});
  ~HttpClient();
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Opens the connection now if it is not open. Returns false (and sets last_error) when it
  // cannot be opened within the connect timeout.
  bool Connect();
  bool connected() const;
  // Why the last connection or exchange failed; "" after a success.
  const std::string& last_error() const;

  // Sent as "Authorization: Bearer <token>" when not empty.
  std::string token;

  // Sends one request and reads its response. A body is sent with `content_type`. When a
  // connection that was idle fails before any byte of the response came (the server closed
  // it meanwhile), the request is sent once more on a new connection; any other failure is
  // status 0. A response without keep-alive closes the connection after it is read.
  HttpReply Send(boost::beast::http::verb method, const std::string& target,
                 const std::string& body = "",
                 const std::string& content_type = "application/json");
  HttpReply Get(const std::string& target) { return Send(boost::beast::http::verb::get, target); }
  HttpReply Post(const std::string& target, const std::string& body) {
    return Send(boost::beast::http::verb::post, target, body);
  }
  HttpReply Put(const std::string& target, const std::string& body) {
    return Send(boost::beast::http::verb::put, target, body);
  }
  HttpReply Patch(const std::string& target, const std::string& body) {
    return Send(boost::beast::http::verb::patch, target, body);
  }
  HttpReply Delete(const std::string& target) {
    return Send(boost::beast::http::verb::delete_, target);
  }

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Percent-encodes everything but ASCII letters, digits, '-', '.' and '_' (one path segment
// or query value): "sscc:0950…" -> "sscc%3A0950…".
std::string PercentEncode(const std::string& text);

}  // namespace entrepot::client
