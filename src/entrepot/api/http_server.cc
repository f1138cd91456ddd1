#include "entrepot/api/http_server.h"

#include <atomic>
#include <charconv>
#include <exception>
#include <iostream>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "boost/asio/dispatch.hpp"
#include "boost/asio/executor_work_guard.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/strand.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "entrepot/api/http_errors.h"

namespace entrepot::api {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;
using tcp = boost::asio::ip::tcp;

class HttpServer::Impl {
 public:
  Impl(ApiHandler& handler, HttpServerOptions options)
      : handler_(handler), options_(std::move(options)), acceptor_(net::make_strand(context_)) {}

  Status Listen();
  void Run();
  void Stop();
  void Accept();

  ApiHandler& handler_;
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
    HttpRequest api_request{std::string(request.method_string()), std::string(request.target()),
                            std::string(request[http::field::content_type]),
                            std::string(request[http::field::authorization]),
                            std::move(request.body())};
    server_.in_flight_.fetch_add(1, std::memory_order_relaxed);
    server_.handler_.Handle(
        std::move(api_request), [self = shared_from_this()](HttpResponse response) {
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

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  HttpServer::Impl& server_;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool close_after_ = false;
};

}  // namespace

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
  work_.reset();
  context_.stop();
  for (std::thread& thread : threads_) {
    thread.join();
  }
  threads_.clear();
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { Stop(); }

StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(ApiHandler& handler,
                                                        HttpServerOptions options) {
  if (options.network_threads < 1 || options.network_threads > 64) {
    return Error(StatusCode::kInvalidArgument, "bad_listen_address",
                 "network threads must be within 1..64");
  }
  auto impl = std::make_unique<Impl>(handler, std::move(options));
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
