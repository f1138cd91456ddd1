// File: test_http.h
//
// Helpers for tests that talk to the HTTP API over real loopback connections: a keep-alive
// Beast client, percent-encoding, a site initialised with testing::SmallLayoutToml, and an
// account store with the cheapest Argon2id cost so that tests stay fast.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "entrepot/auth/account_store.h"
#include "nlohmann/json.hpp"

namespace entrepot::testing {

struct Reply {
  unsigned status = 0;  // 0 when the connection or the exchange failed.
  std::string body;
  std::string allow;
  std::string www_authenticate;
  std::string content_type;
  std::string content_disposition;
  std::string cache_control;
  bool keep_alive = false;
  nlohmann::json Json() const { return nlohmann::json::parse(body, nullptr, false); }
};

// A keep-alive HTTP/1.1 client on one connection to 127.0.0.1:port.
class Client {
 public:
  explicit Client(uint16_t port);
  bool connected() const { return connected_; }
  // Sent as "Authorization: Bearer <token>" when not empty.
  std::string token;

  Reply Send(boost::beast::http::verb method, const std::string& target,
             const std::string& body = "", const std::string& content_type = "application/json");
  Reply Get(const std::string& target) { return Send(boost::beast::http::verb::get, target); }
  Reply Post(const std::string& target, const std::string& body) {
    return Send(boost::beast::http::verb::post, target, body);
  }
  Reply Put(const std::string& target, const std::string& body) {
    return Send(boost::beast::http::verb::put, target, body);
  }
  Reply Patch(const std::string& target, const std::string& body) {
    return Send(boost::beast::http::verb::patch, target, body);
  }
  Reply Delete(const std::string& target) {
    return Send(boost::beast::http::verb::delete_, target);
  }

 private:
  std::unique_ptr<boost::asio::io_context> context_;  // Heap: the client is movable.
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  bool connected_ = false;
};

// Percent-encodes everything but letters, digits, '-', '.' and '_' (a path segment).
std::string UrlEncode(const std::string& text);

// Initialises DIR/journal.db with testing::SmallLayoutToml() (site FR-TST1).
void InitialiseSite(const std::string& data_dir);

// The account store DIR/accounts.db with the minimum Argon2id cost; null (and a test
// failure) when it cannot be opened.
std::unique_ptr<auth::AccountStore> OpenTestAccounts(const std::string& data_dir,
                                                     std::function<int64_t()> now_ms);

}  // namespace entrepot::testing
