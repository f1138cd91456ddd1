#include "entrepot/client/http_client.h"

#include <cctype>
#include <cstdio>
#include <utility>

#include "boost/asio/connect.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"

namespace entrepot::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

nlohmann::json HttpReply::Json() const {
  return nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
}

// The connection and its state. The asynchronous operations of Beast are used only to
// bound each step in time (tcp_stream's timeout closes the socket when it expires): every
// call runs the private io_context until its one operation completes, so the class is
// blocking from the outside and needs no thread.
class HttpClient::Impl {
 public:
  Impl(std::string host, uint16_t port, HttpClientOptions options)
      : host_(std::move(host)), port_(port), options_(options) {}

  bool Connect();
  HttpReply Send(http::verb method, const std::string& target, const std::string& body,
                 const std::string& content_type, const std::string& token);
  bool connected() const { return connected_; }
  const std::string& last_error() const { return last_error_; }

 private:
  // Starts one asynchronous operation with a completion handler that records its error,
  // and runs the context until it completes.
  template <typename Start>
  beast::error_code RunOne(Start start) {
    beast::error_code result = asio::error::would_block;
    start([&result](beast::error_code error, auto&&...) { result = error; });
    context_.restart();
    context_.run();
    return result;
  }
  // One write and read on the open connection; `got_response` tells whether any of the
  // response arrived (a stale connection fails before).
  beast::error_code Exchange(const http::request<http::string_body>& request,
                             http::response_parser<http::string_body>& parser, bool& got_response);
  void Close();
  HttpReply Failed(const std::string& what, const beast::error_code& error);

  std::string host_;
  uint16_t port_;
  HttpClientOptions options_;
  asio::io_context context_;
  beast::tcp_stream stream_{context_};
  beast::flat_buffer buffer_;
  bool connected_ = false;
  bool reused_ = false;  // The open connection has carried an exchange already.
  std::string last_error_;
};

bool HttpClient::Impl::Connect() {
  if (connected_) {
    return true;
  }
  buffer_.clear();
  reused_ = false;
  beast::error_code error;
  tcp::resolver resolver(context_);
  tcp::resolver::results_type endpoints = resolver.resolve(host_, std::to_string(port_), error);
  if (error) {
    last_error_ = "resolve " + host_ + ": " + error.message();
    return false;
  }
  stream_.expires_after(options_.connect_timeout);
  error = RunOne([&](auto handler) { stream_.async_connect(endpoints, std::move(handler)); });
  if (error) {
    last_error_ = "connect " + host_ + ":" + std::to_string(port_) + ": " + error.message();
    Close();
    return false;
  }
  connected_ = true;
  last_error_.clear();
  return true;
}

void HttpClient::Impl::Close() {
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.close();
  buffer_.clear();
  connected_ = false;
  reused_ = false;
}

HttpReply HttpClient::Impl::Failed(const std::string& what, const beast::error_code& error) {
  last_error_ = what + " " + host_ + ":" + std::to_string(port_) + ": " + error.message();
  Close();
  HttpReply reply;
  reply.error = last_error_;
  return reply;
}

beast::error_code HttpClient::Impl::Exchange(const http::request<http::string_body>& request,
                                             http::response_parser<http::string_body>& parser,
                                             bool& got_response) {
  got_response = false;
  // One deadline for the whole exchange: it applies to every operation started until the
  // next expires_after.
  stream_.expires_after(options_.exchange_timeout);
  beast::error_code error =
      RunOne([&](auto handler) { http::async_write(stream_, request, std::move(handler)); });
  if (error) {
    return error;
  }
  error =
      RunOne([&](auto handler) { http::async_read(stream_, buffer_, parser, std::move(handler)); });
  got_response = parser.got_some();
  return error;
}

HttpReply HttpClient::Impl::Send(http::verb method, const std::string& target,
                                 const std::string& body, const std::string& content_type,
                                 const std::string& bearer) {
  http::request<http::string_body> request(method, target, 11);
  request.set(http::field::host, host_);
  request.set(http::field::user_agent, "entrepot-client");
  if (!bearer.empty()) {
    request.set(http::field::authorization, "Bearer " + bearer);
  }
  if (!body.empty()) {
    request.set(http::field::content_type, content_type);
    request.body() = body;
  }
  request.prepare_payload();
  // At most two attempts: the second only when an idle connection turned out closed.
  for (int attempt = 0;; ++attempt) {
    if (!Connect()) {
      HttpReply reply;
      reply.error = last_error_;
      return reply;
    }
    const bool was_reused = reused_;
    http::response_parser<http::string_body> parser;
    parser.body_limit(options_.max_response_body_bytes);
    bool got_response = false;
    beast::error_code error = Exchange(request, parser, got_response);
    if (error) {
      if (attempt == 0 && was_reused && !got_response && error != beast::error::timeout) {
        Close();
        continue;
      }
      return Failed(std::string(http::to_string(method)) + " " + target + " on", error);
    }
    http::response<http::string_body>& response = parser.get();
    HttpReply reply;
    reply.status = response.result_int();
    reply.body = std::move(response.body());
    reply.allow = std::string(response[http::field::allow]);
    reply.www_authenticate = std::string(response[http::field::www_authenticate]);
    reply.content_type = std::string(response[http::field::content_type]);
    reply.content_disposition = std::string(response[http::field::content_disposition]);
    reply.cache_control = std::string(response[http::field::cache_control]);
    reply.keep_alive = response.keep_alive();
    last_error_.clear();
    reused_ = true;
    if (!reply.keep_alive) {
      Close();  // The server closes it: the next call opens a new one.
    }
    return reply;
  }
}

HttpClient::HttpClient(std::string host, uint16_t port, HttpClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(host), port, options)) {}
HttpClient::~HttpClient() = default;
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;

bool HttpClient::Connect() { return impl_->Connect(); }
bool HttpClient::connected() const { return impl_->connected(); }
const std::string& HttpClient::last_error() const { return impl_->last_error(); }

HttpReply HttpClient::Send(http::verb method, const std::string& target, const std::string& body,
                           const std::string& content_type) {
  return impl_->Send(method, target, body, content_type, token);
}

std::string PercentEncode(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_') {
      out += c;
    } else {
      char escaped[4];
      std::snprintf(escaped, sizeof(escaped), "%%%02X",
                    static_cast<unsigned>(static_cast<unsigned char>(c)));
      out += escaped;
    }
  }
  return out;
}

}  // namespace entrepot::client
