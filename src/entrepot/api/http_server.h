// File: http_server.h
//
// HttpServer serves the Entrepôt API over HTTP/1.1 with keep-alive, on Boost.Beast/Asio:
// a small pool of network threads accepts connections, reads requests, hands each to a
// RequestHandler (an ApiHandler, or a node's standby answers) and writes its response when
// the handler answers (for a scan: after the commit). Network threads never wait for the
// sequencer.
//
// Limits (each a named constant below, documented in docs/API.md): request header bytes
// (431 past it), body bytes (413), time to receive a whole request on an open connection
// (idle keep-alive and slow clients are closed), time to send a response, and concurrent
// connections (beyond it a new connection gets 503 "too_many_connections" and is closed).
// Malformed HTTP gets 400 "bad_request" and the connection is closed.
//
// Streamed responses (HttpResponse::stream, for Server-Sent Events): the head, then each
// piece of the BodyStream as one chunk (close-delimited for HTTP/1.0), asking for the next
// piece only when the previous one is written; every write has kWriteTimeout; the
// response's heartbeat is written after its interval of silence; a client that closes is
// noticed at once (a pending one-byte read) and its stream cancelled. The connection closes
// when the stream ends.
//
// Thread safety: Start, Stop and the accessors may be called from any one thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "entrepot/api/api_handler.h"
#include "entrepot/base/status.h"

namespace entrepot::api {

inline constexpr int kDefaultNetworkThreads = 2;
inline constexpr size_t kMaxHeaderBytes = 16 * 1024;
inline constexpr size_t kMaxConnections = 1024;
inline constexpr std::chrono::seconds kIdleTimeout{30};
inline constexpr std::chrono::seconds kWriteTimeout{30};
// How long Stop() lets requests already being answered finish.
inline constexpr std::chrono::seconds kShutdownGrace{5};

struct HttpServerOptions {
  std::string host = "127.0.0.1";  // An IPv4 or IPv6 address (not a name).
  uint16_t port = 8080;            // 0: the system picks a free port (see HttpServer::port).
  int network_threads = kDefaultNetworkThreads;
  size_t max_header_bytes = kMaxHeaderBytes;
  size_t max_body_bytes = kMaxBodyBytes;
  size_t max_connections = kMaxConnections;
  std::chrono::milliseconds idle_timeout = kIdleTimeout;
};

// What answers each request: called on a network thread, it calls `respond` once, from any
// thread (ApiHandler::Handle, or a standby node's answers).
using RequestHandler =
    std::function<void(HttpRequest request, std::function<void(HttpResponse)> respond)>;

class HttpServer {
 public:
  // Binds, listens and starts the network threads. `handler` must outlive the server.
  // Returns kInvalidArgument "bad_listen_address" for an unparsable host or a thread count
  // outside 1..64, kUnavailable "listen_failed" when the address cannot be bound.
  static StatusOr<std::unique_ptr<HttpServer>> Start(ApiHandler& handler,
                                                     HttpServerOptions options);
  // The same, with any handler; what it refers to must outlive the server.
  static StatusOr<std::unique_ptr<HttpServer>> Start(RequestHandler handler,
                                                     HttpServerOptions options);
  // Stops if still running.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The bound port (the real one when options.port was 0).
  uint16_t port() const;
  // "HOST:PORT" as bound (IPv6 in brackets).
  std::string address() const;

  // Stops accepting, lets requests being answered finish for up to kShutdownGrace, ends
  // every open stream with its last chunk (waiting at least a second for them), closes every
  // connection and joins the network threads; streams still open then are cancelled, so no
  // BodyStream is in use once Stop returns. Responses completed later (for example scans
  // still queued in the sequencer) are dropped. Idempotent.
  void Stop();

  class Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Parses "HOST:PORT" or "[V6]:PORT" into options.host and options.port. Returns
// kInvalidArgument "bad_listen_address".
Status ParseListenAddress(const std::string& text, HttpServerOptions& options);

}  // namespace entrepot::api
