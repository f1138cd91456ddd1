#include "test_http.h"

#include <cctype>
#include <cstdio>
#include <utility>

#include "entrepot/domain/layout.h"
#include "entrepot/engine/site_engine.h"
#include "entrepot/store/sqlite_journal.h"
#include "gtest/gtest.h"
#include "test_site.h"

namespace entrepot::testing {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

Client::Client(uint16_t port)
    : context_(std::make_unique<boost::asio::io_context>()), stream_(*context_) {
  beast::error_code error;
  stream_.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port), error);
  connected_ = !error;
}

Reply Client::Send(http::verb method, const std::string& target, const std::string& body,
                   const std::string& content_type) {
  http::request<http::string_body> request(method, target, 11);
  request.set(http::field::host, "localhost");
  if (!token.empty()) {
    request.set(http::field::authorization, "Bearer " + token);
  }
  if (!body.empty()) {
    request.set(http::field::content_type, content_type);
    request.body() = body;
  }
  request.prepare_payload();
  beast::error_code error;
  http::write(stream_, request, error);
  Reply reply;
  if (error) {
    return reply;
  }
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 << 20);
  http::read(stream_, buffer_, parser, error);
  if (error) {
    return reply;
  }
  auto& response = parser.get();
  reply.status = response.result_int();
  reply.body = response.body();
  reply.allow = std::string(response[http::field::allow]);
  reply.www_authenticate = std::string(response[http::field::www_authenticate]);
  reply.content_type = std::string(response[http::field::content_type]);
  reply.content_disposition = std::string(response[http::field::content_disposition]);
  reply.cache_control = std::string(response[http::field::cache_control]);
  reply.keep_alive = response.keep_alive();
  return reply;
}

std::string UrlEncode(const std::string& text) {
  std::string out;
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

void InitialiseSite(const std::string& data_dir) {
  auto layout = domain::ParseLayoutToml(SmallLayoutToml());
  ASSERT_TRUE(layout.ok()) << layout.status().ToString();
  auto journal = store::SqliteJournal::Open(data_dir + "/journal.db");
  ASSERT_TRUE(journal.ok());
  auto engine = engine::SiteEngine::Open(*std::move(journal));
  ASSERT_TRUE(engine.ok());
  ASSERT_TRUE((*engine)->LoadLayout(*layout).ok());
}

std::unique_ptr<auth::AccountStore> OpenTestAccounts(const std::string& data_dir,
                                                     std::function<int64_t()> now_ms) {
  auth::AccountStoreOptions options;
  options.now_ms = std::move(now_ms);
  options.hash_cost = auth::HashCost::kMinimum;
  auto accounts = auth::AccountStore::Open(data_dir + "/accounts.db", options);
  EXPECT_TRUE(accounts.ok()) << accounts.status().ToString();
  return accounts.ok() ? *std::move(accounts) : nullptr;
}

}  // namespace entrepot::testing
