#include "entrepot/api/http_server.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <cstdio>
#include <exception>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "boost/asio/dispatch.hpp"
#include "boost/asio/executor_work_guard.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/strand.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "entrepot/api/http_errors.h"

namespace entrepot::api {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;
using tcp = boost::asio::ip::tcp;

namespace {
class Session;
}  // namespace

class HttpServer::Impl {
 public:
  Impl(RequestHandler handler, HttpServerOptions options)
      : handler_(std::move(handler)),
        options_(std::move(options)),
        acceptor_(net::make_strand(context_)) {}

  Status Listen();
  void Run();
  void Stop();
  void Accept();

  // Streaming sessions, so that Stop() can end their streams cleanly. AddStream returns
  // false once Stop() has begun: the session then ends its stream after the first piece.
  bool AddStream(const std::shared_ptr<Session>& session);
  void RemoveStream(Session* session);
  // Asks every streaming session to end its stream; waits until all did or `deadline`.
  void EndStreams(std::chrono::steady_clock::time_point deadline);
  // Closes the streams still open. REQUIRES: the network threads are joined (no strand runs),
  // so that no BodyStream is left waiting on its source once Stop() returns.
  void AbandonStreams();

  RequestHandler handler_;
  HttpServerOptions options_;
  // Declared before context_: sessions still held by its pending handlers are destroyed
  // with it and count themselves out here.
  std::atomic<size_t> connections_{0};
  std::atomic<size_t> in_flight_{0};  // Requests read and not yet answered.
  std::atomic<bool> stopping_{false};
  uint16_t port_ = 0;
  net::io_context context_;
  tcp::acceptor acceptor_;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work_;
  std::vector<std::thread> threads_;
  std::mutex streams_mutex_;
  std::map<Session*, std::weak_ptr<Session>> streams_;  // Guarded by streams_mutex_.
};

namespace {

// One connection: read a request, answer it, repeat while keep-alive. The session lives as
// long as an operation or a pending handler response holds a shared_ptr to it.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, HttpServer::Impl& server)
      : stream_(std::move(socket)), server_(server) {
    server_.connections_.fetch_add(1, std::memory_order_relaxed);
  }
  ~Session() { server_.connections_.fetch_sub(1, std::memory_order_relaxed); }

  void Start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->Read(); });
  }

  // Ends a streamed response cleanly, from any thread: the last chunk is written after the
  // piece being written, if any, then the connection is closed (the server's Stop()).
  void PostStopStream() {
    net::post(stream_.get_executor(), [self = shared_from_this()] { self->StopStream(); });
  }

  // For Stop() once no network thread runs: ends a stream that did not end in time.
  void AbandonStream() { CloseStream(); }

  // Answers with 503 at once and closes: the server has too many connections.
  void Refuse() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      self->close_after_ = true;
      self->Write(ApiHandler::ErrorResponse(
          Error(StatusCode::kUnavailable, "too_many_connections",
                "the server has too many open connections; retry shortly")));
    });
  }

 private:
  void Read() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_.options_.max_header_bytes));
    parser_->body_limit(server_.options_.max_body_bytes);
    stream_.expires_after(server_.options_.idle_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code error, size_t) {
    if (error) {
      OnReadError(error);
      return;
    }
    http::request<http::string_body> request = parser_->release();
    version_ = request.version();
    keep_alive_ = request.keep_alive();
    stream_.expires_never();  // The handler may wait for a commit; Write sets a deadline.
    HttpRequest api_request{std::string(request.method_string()),
                            std::string(request.target()),
                            std::string(request[http::field::content_type]),
                            std::string(request[http::field::authorization]),
                            std::move(request.body()),
                            std::string(request[http::field::accept]),
                            std::string(request["Last-Event-ID"]),
                            std::string(request["GS1-Capture-Error-Behaviour"])};
    server_.in_flight_.fetch_add(1, std::memory_order_relaxed);
    server_.handler_(std::move(api_request), [self = shared_from_this()](HttpResponse response) {
      // Possibly on the sequencer thread: continue on this connection's strand.
      net::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
        self->server_.in_flight_.fetch_sub(1, std::memory_order_relaxed);
        self->Write(std::move(response));
      });
    });
  }

  void OnReadError(beast::error_code error) {
    Status status;
    if (error == http::error::body_limit) {
      status = Error(StatusCode::kResourceExhausted, "body_too_large",
                     "the request body is larger than " +
                         std::to_string(server_.options_.max_body_bytes) + " bytes");
    } else if (error == http::error::header_limit) {
      status = Error(StatusCode::kResourceExhausted, "headers_too_large",
                     "the request headers are larger than " +
                         std::to_string(server_.options_.max_header_bytes) + " bytes");
    } else if (error.category() == beast::error_code(http::error::bad_target).category() &&
               error != http::error::end_of_stream && error != http::error::partial_message) {
      status = Error(StatusCode::kInvalidArgument, "bad_request",
                     "malformed HTTP request: " + error.message());
    } else {
      Close();  // The peer left, went idle, or the server is stopping.
      return;
    }
    close_after_ = true;
    Write(ApiHandler::ErrorResponse(status));
  }

  void Write(HttpResponse answer) {
    if (answer.stream != nullptr) {
      StartStream(std::move(answer));
      return;
    }
    response_ = {};
    response_.version(version_);
    response_.result(answer.status);
    response_.set(http::field::server, "entrepot");
    response_.set(http::field::content_type, answer.content_type);
    if (!answer.allow.empty()) {
      response_.set(http::field::allow, answer.allow);
    }
    if (!answer.www_authenticate.empty()) {
      response_.set(http::field::www_authenticate, answer.www_authenticate);
    }
    if (!answer.cache_control.empty()) {
      response_.set(http::field::cache_control, answer.cache_control);
    }
    if (!answer.content_disposition.empty()) {
      response_.set(http::field::content_disposition, answer.content_disposition);
    }
    if (!answer.content_security_policy.empty()) {
      response_.set("Content-Security-Policy", answer.content_security_policy);
      response_.set("X-Content-Type-Options", "nosniff");
    }
    if (!answer.location.empty()) {
      response_.set(http::field::location, answer.location);
    }
    if (!answer.link.empty()) {
      response_.set(http::field::link, answer.link);
    }
    if (!answer.epcis_version.empty()) {
      response_.set("GS1-EPCIS-Version", answer.epcis_version);
    }
    if (!answer.cbv_version.empty()) {
      response_.set("GS1-CBV-Version", answer.cbv_version);
    }
    response_.body() = std::move(answer.body);
    response_.keep_alive(keep_alive_ && !close_after_ &&
                         !server_.stopping_.load(std::memory_order_relaxed));
    response_.prepare_payload();
    stream_.expires_after(kWriteTimeout);
    http::async_write(stream_, response_,
                      beast::bind_front_handler(&Session::OnWrite, shared_from_this()));
  }

  void OnWrite(beast::error_code error, size_t) {
    if (error || !response_.keep_alive()) {
      Close();
      return;
    }
    Read();
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  // --- Streamed responses (Server-Sent Events) -------------------------------------------
  // The head goes out first, then pieces from the BodyStream: the next piece is asked for
  // only when the previous one is written, so a slow client holds at most one piece. A
  // heartbeat is written after a silence, a one-byte read notices a client that left, and
  // the connection closes when the stream ends.

  void StopStream() {
    if (stream_closed_ || stream_finished_) {
      return;
    }
    stop_requested_ = true;
    if (!writing_) {
      WritePiece("", true);
    }
  }

  void StartStream(HttpResponse answer) {
    body_stream_ = std::move(answer.stream);
    heartbeat_ = std::move(answer.heartbeat);
    heartbeat_every_ = answer.heartbeat_every;
    chunked_ = version_ >= 11;
    stream_head_ = {};
    stream_head_.version(version_);
    stream_head_.result(answer.status);
    stream_head_.set(http::field::server, "entrepot");
    stream_head_.set(http::field::content_type, answer.content_type);
    if (!answer.cache_control.empty()) {
      stream_head_.set(http::field::cache_control, answer.cache_control);
    }
    stream_head_.set("X-Accel-Buffering", "no");  // Reverse proxies: do not buffer events.
    stream_head_.keep_alive(false);
    stream_head_.chunked(chunked_);
    stop_requested_ = !server_.AddStream(shared_from_this());
    head_serializer_.emplace(stream_head_);
    writing_ = true;
    stream_.expires_after(kWriteTimeout);
    http::async_write_header(stream_, *head_serializer_,
                             [self = shared_from_this(), first = std::move(answer.body)](
                                 beast::error_code error, size_t) mutable {
                               self->writing_ = false;
                               if (error) {
                                 self->CloseStream();
                                 return;
                               }
                               self->Probe();
                               self->ArmHeartbeat();
                               self->WritePiece(std::move(first), self->stop_requested_);
                             });
  }

  // A read that completes only when the client closes (or sends something it should not).
  void Probe() {
    stream_.async_read_some(net::buffer(probe_),
                            [self = shared_from_this()](beast::error_code error, size_t) {
                              if (error != net::error::operation_aborted) {
                                self->CloseStream();
                              }
                            });
  }

  void Pull() {
    pulling_ = true;
    std::weak_ptr<Session> weak = weak_from_this();
    body_stream_->Next([weak](std::string text, bool end) {
      if (std::shared_ptr<Session> self = weak.lock()) {
        // Possibly on the sequencer thread: continue on this connection's strand.
        net::post(self->stream_.get_executor(), [self, text = std::move(text), end]() mutable {
          self->OnPiece(std::move(text), end);
        });
      }
    });
  }

  void OnPiece(std::string text, bool end) {
    pulling_ = false;
    if (stream_closed_ || stream_finished_ || stop_requested_) {
      return;
    }
    if (text.empty() && !end) {
      Pull();  // Woken: there is something to read now.
    } else if (writing_) {
      pending_.emplace(std::move(text), end);  // After the heartbeat being written.
    } else {
      WritePiece(std::move(text), end);
    }
  }

  // Writes `text` as one chunk (or raw, close-delimited), and the body's end when `end`.
  void WritePiece(std::string text, bool end) {
    out_.clear();
    if (chunked_ && !text.empty()) {
      char size[20];
      int length = std::snprintf(size, sizeof(size), "%zx\r\n", text.size());
      out_.append(size, static_cast<size_t>(length));
      out_ += text;
      out_ += "\r\n";
    } else {
      out_ = std::move(text);
    }
    if (end) {
      stream_finished_ = true;
      out_ += chunked_ ? "0\r\n\r\n" : "";
    }
    if (out_.empty()) {
      if (end) {
        CloseStream();  // The end of a close-delimited body: closing is the end.
      } else if (!pulling_) {
        Pull();
      }
      return;
    }
    writing_ = true;
    stream_.expires_after(kWriteTimeout);
    net::async_write(stream_, net::buffer(out_),
                     beast::bind_front_handler(&Session::OnPieceWritten, shared_from_this()));
  }

  void OnPieceWritten(beast::error_code error, size_t) {
    writing_ = false;
    if (error || stream_finished_ || stream_closed_) {
      CloseStream();
      return;
    }
    stream_.expires_never();  // Waiting for the next event is not a slow client.
    last_write_ = std::chrono::steady_clock::now();
    if (stop_requested_) {
      WritePiece("", true);
    } else if (pending_) {
      auto [text, end] = *std::move(pending_);
      pending_.reset();
      WritePiece(std::move(text), end);
    } else if (!pulling_) {
      Pull();
    }
  }

  void ArmHeartbeat() {
    if (heartbeat_every_.count() <= 0 || heartbeat_.empty()) {
      return;
    }
    if (!heartbeat_timer_) {
      heartbeat_timer_.emplace(stream_.get_executor());
    }
    last_write_ = std::chrono::steady_clock::now();
    heartbeat_timer_->expires_after(heartbeat_every_);
    heartbeat_timer_->async_wait(
        [self = shared_from_this()](beast::error_code error) { self->OnHeartbeat(error); });
  }

  void OnHeartbeat(beast::error_code error) {
    if (error || stream_closed_ || stream_finished_ || stop_requested_) {
      return;
    }
    auto now = std::chrono::steady_clock::now();
    auto due = last_write_ + heartbeat_every_;
    if (now >= due) {
      if (!writing_) {  // A piece being written is as good as a heartbeat.
        WritePiece(heartbeat_, false);
      }
      due = now + heartbeat_every_;
    }
    heartbeat_timer_->expires_at(due);
    heartbeat_timer_->async_wait(
        [self = shared_from_this()](beast::error_code next) { self->OnHeartbeat(next); });
  }

  // Ends the stream for good: the BodyStream is released (its slot freed, its wake-up
  // withdrawn) and the connection closed, which cancels the probe read and any write. Also
  // called by Stop() after the network threads are joined, for streams that did not end.
  void CloseStream() {
    if (stream_closed_) {
      return;
    }
    stream_closed_ = true;
    if (heartbeat_timer_) {
      heartbeat_timer_->cancel();
    }
    if (body_stream_) {
      body_stream_->Cancel();
      body_stream_.reset();
    }
    server_.RemoveStream(this);
    Close();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  HttpServer::Impl& server_;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool close_after_ = false;

  // Streaming state, touched on the strand only.
  std::shared_ptr<BodyStream> body_stream_;
  http::response<http::empty_body> stream_head_;
  std::optional<http::response_serializer<http::empty_body>> head_serializer_;
  std::string heartbeat_;
  std::chrono::milliseconds heartbeat_every_{0};
  std::optional<net::steady_timer> heartbeat_timer_;
  std::chrono::steady_clock::time_point last_write_;
  std::string out_;  // The piece being written, framed.
  std::optional<std::pair<std::string, bool>> pending_;
  std::array<char, 1> probe_{};
  bool chunked_ = false;
  bool writing_ = false;
  bool pulling_ = false;          // A Next() is outstanding.
  bool stop_requested_ = false;   // The server is stopping: write the end next.
  bool stream_finished_ = false;  // The end was (being) written.
  bool stream_closed_ = false;
};

}  // namespace

bool HttpServer::Impl::AddStream(const std::shared_ptr<Session>& session) {
  std::lock_guard lock(streams_mutex_);
  if (stopping_.load()) {
    return false;
  }
  streams_.emplace(session.get(), session);
  return true;
}

void HttpServer::Impl::RemoveStream(Session* session) {
  std::lock_guard lock(streams_mutex_);
  streams_.erase(session);
}

void HttpServer::Impl::EndStreams(std::chrono::steady_clock::time_point deadline) {
  std::vector<std::shared_ptr<Session>> sessions;
  {
    std::lock_guard lock(streams_mutex_);
    for (auto& [raw, weak] : streams_) {
      if (std::shared_ptr<Session> session = weak.lock()) {
        sessions.push_back(std::move(session));
      }
    }
  }
  for (const std::shared_ptr<Session>& session : sessions) {
    session->PostStopStream();
  }
  sessions.clear();
  while (std::chrono::steady_clock::now() < deadline) {
    {
      std::lock_guard lock(streams_mutex_);
      if (streams_.empty()) {
        return;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void HttpServer::Impl::AbandonStreams() {
  std::vector<std::shared_ptr<Session>> sessions;
  {
    std::lock_guard lock(streams_mutex_);
    for (auto& [raw, weak] : streams_) {
      if (std::shared_ptr<Session> session = weak.lock()) {
        sessions.push_back(std::move(session));
      }
    }
  }
  for (const std::shared_ptr<Session>& session : sessions) {
    session->AbandonStream();  // Removes itself from streams_.
  }
}

Status HttpServer::Impl::Listen() {
  beast::error_code error;
  net::ip::address address = net::ip::make_address(options_.host, error);
  if (error) {
    return Error(StatusCode::kInvalidArgument, "bad_listen_address",
                 options_.host + " is not an IP address");
  }
  tcp::endpoint endpoint(address, options_.port);
  auto failed = [&](const char* step) {
    return Error(StatusCode::kUnavailable, "listen_failed",
                 std::string(step) + " " + options_.host + ":" + std::to_string(options_.port) +
                     ": " + error.message());
  };
  if (acceptor_.open(endpoint.protocol(), error); error) {
    return failed("cannot open a socket for");
  }
  if (acceptor_.set_option(net::socket_base::reuse_address(true), error); error) {
    return failed("cannot set SO_REUSEADDR on");
  }
  if (acceptor_.bind(endpoint, error); error) {
    return failed("cannot bind");
  }
  if (acceptor_.listen(net::socket_base::max_listen_connections, error); error) {
    return failed("cannot listen on");
  }
  port_ = acceptor_.local_endpoint(error).port();
  return OkStatus();
}

void HttpServer::Impl::Accept() {
  acceptor_.async_accept(
      net::make_strand(context_), [this](beast::error_code error, tcp::socket socket) {
        if (error == net::error::operation_aborted || stopping_.load() || !acceptor_.is_open()) {
          return;
        }
        if (!error) {
          // Each response leaves in one write; without Nagle its last segment does not wait
          // for the client's (possibly delayed) ACK of the ones before it.
          beast::error_code ignored;
          socket.set_option(tcp::no_delay(true), ignored);
          auto session = std::make_shared<Session>(std::move(socket), *this);
          if (connections_.load(std::memory_order_relaxed) > options_.max_connections) {
            session->Refuse();
          } else {
            session->Start();
          }
        }
        Accept();  // Errors such as EMFILE affect one connection, not the listener.
      });
}

void HttpServer::Impl::Run() {
  work_.emplace(context_.get_executor());
  Accept();
  for (int i = 0; i < options_.network_threads; ++i) {
    threads_.emplace_back([this] {
      // Our handlers return errors as values; anything thrown is a bug in a library call.
      try {
        context_.run();
      } catch (const std::exception& e) {
        std::cerr << "entrepot serve: network thread stopped: " << e.what() << "\n";
        std::terminate();
      }
    });
  }
}

void HttpServer::Impl::Stop() {
  if (stopping_.exchange(true)) {
    return;
  }
  net::post(acceptor_.get_executor(), [this] {
    beast::error_code ignored;
    acceptor_.close(ignored);
  });
  auto deadline = std::chrono::steady_clock::now() + kShutdownGrace;
  while (in_flight_.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  // Streams never finish by themselves: end each with its last chunk (a second at least).
  EndStreams(std::max(deadline, std::chrono::steady_clock::now() + std::chrono::seconds(1)));
  work_.reset();
  context_.stop();
  for (std::thread& thread : threads_) {
    thread.join();
  }
  threads_.clear();
  AbandonStreams();
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { Stop(); }

StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(ApiHandler& handler,
                                                        HttpServerOptions options) {
  return Start(
      [&handler](HttpRequest request, std::function<void(HttpResponse)> respond) {
        handler.Handle(std::move(request), std::move(respond));
      },
      std::move(options));
}

StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(RequestHandler handler,
                                                        HttpServerOptions options) {
  if (options.network_threads < 1 || options.network_threads > 64) {
    return Error(StatusCode::kInvalidArgument, "bad_listen_address",
                 "network threads must be within 1..64");
  }
  auto impl = std::make_unique<Impl>(std::move(handler), std::move(options));
  if (Status listening = impl->Listen(); !listening.ok()) {
    return listening;
  }
  impl->Run();
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

uint16_t HttpServer::port() const { return impl_->port_; }

std::string HttpServer::address() const {
  const std::string& host = impl_->options_.host;
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(impl_->port_);
}

void HttpServer::Stop() { impl_->Stop(); }

Status ParseListenAddress(const std::string& text, HttpServerOptions& options) {
  auto bad = [&] {
    return Error(StatusCode::kInvalidArgument, "bad_listen_address",
                 "'" + text + "' is not HOST:PORT (e.g. 127.0.0.1:8080 or [::1]:8080)");
  };
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    return bad();
  }
  std::string host = text.substr(0, colon);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') {
      return bad();
    }
    host = host.substr(1, host.size() - 2);
  }
  unsigned port = 0;
  const char* first = text.data() + colon + 1;
  const char* last = text.data() + text.size();
  auto [end, error] = std::from_chars(first, last, port);
  if (error != std::errc() || end != last || port > 65535) {
    return bad();
  }
  options.host = host;
  options.port = static_cast<uint16_t>(port);
  return OkStatus();
}

}  // namespace entrepot::api
