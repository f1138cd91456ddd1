// File: test_http.h
//
// Helpers for tests that talk to the HTTP API over real loopback connections: the keep-alive
// client of client/http_client.h, percent-encoding, a site initialised with
// testing::SmallLayoutToml, and an account store with the cheapest Argon2id cost so that
// tests stay fast. Beast and Asio are included for the tests that also speak HTTP by hand
// (streams, malformed requests).
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
#include "entrepot/client/http_client.h"
#include "nlohmann/json.hpp"

namespace entrepot::testing {

// The production client (client/http_client.h) on 127.0.0.1: replies with status 0 when
// the connection or the exchange failed.
using Reply = client::HttpReply;

// A keep-alive HTTP/1.1 client on one connection to 127.0.0.1:port, connected at
// construction (connected() tells whether it could be).
class Client : public client::HttpClient {
 public:
  explicit Client(uint16_t port) : client::HttpClient("127.0.0.1", port) { Connect(); }
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
