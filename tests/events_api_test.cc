// GET /api/v1/events over real loopback connections. Against a real `entrepot serve` child
// process: JSON pages read to the end, who may read the feed, Server-Sent Events received in
// order while scans are posted, resumption with Last-Event-ID without gaps or duplicates,
// the bound on open streams, a clean end of streams on SIGTERM, and no device or key
// anywhere in the feed (RET-01). In this process, with a short heartbeat: heartbeats, a
// departed client freeing its stream slot, HTTP/1.0 streams, and HttpServer::Stop().
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "entrepot/api/event_routes.h"
#include "entrepot/auth/account_store.h"
#include "entrepot/domain/labels.h"
#include "entrepot/domain/layout.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "test_http.h"
#include "test_site.h"

namespace entrepot {
namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using nlohmann::json;
using tcp = boost::asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using testing::Client;
using testing::InitialiseSite;
using testing::Reply;

constexpr std::chrono::seconds kPatience{20};  // Upper bound for anything to arrive.

// The account store of `data_dir` (fast hashing, a fixed clock).
std::unique_ptr<auth::AccountStore> OpenAccounts(const std::string& data_dir) {
  return testing::OpenTestAccounts(data_dir, [] { return testing::kTestNowMs; });
}

// A user of each role, and a device token per device of testing::ScanStream.
struct Accounts {
  std::map<std::string, std::string> device_tokens;  // "HH-0" -> token
};
Accounts CreateAccounts(const std::string& data_dir) {
  Accounts out;
  auto accounts = OpenAccounts(data_dir);
  EXPECT_NE(accounts, nullptr);
  if (accounts == nullptr) {
    return out;
  }
  for (const char* role : {"admin", "site_manager", "supervisor", "hr", "dpo", "worker"}) {
    auth::NewUser user{role, "", *auth::ParseRole(role), {"*"}, testing::kTestPassword, ""};
    EXPECT_TRUE(accounts->AddUser(user).ok()) << role;
  }
  for (const char* device : {"HH-0", "HH-1", "HH-2"}) {
    auto added = accounts->AddDevice(device, 0);
    EXPECT_TRUE(added.ok()) << added.status().ToString();
    out.device_tokens[device] = added.ok() ? added->token : "";
  }
  return out;
}

// One block of an event stream: an event (id, event, data) or comment/retry lines only.
struct SseBlock {
  std::optional<uint64_t> id;
  std::string event;
  std::string data;
  std::vector<std::string> comments;
};

// A raw-socket reader of a streamed response: it sends the request itself, decodes the
// chunked (or close-delimited) body and splits it into SSE blocks.
class SseClient {
 public:
  SseClient(uint16_t port, const std::string& token, const std::string& target,
            const std::string& extra_headers = "", bool http10 = false) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    // sockaddr_in and sockaddr share their first fields: the sockets API's cast.
    if (connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
      return;
    }
    std::string request = "GET " + target + (http10 ? " HTTP/1.0" : " HTTP/1.1") +
                          "\r\nHost: localhost\r\nAccept: text/event-stream\r\n" +
                          (token.empty() ? "" : "Authorization: Bearer " + token + "\r\n") +
                          extra_headers + "\r\n";
    connected_ = send(fd_, request.data(), request.size(), MSG_NOSIGNAL) ==
                 static_cast<ssize_t>(request.size());
  }
  ~SseClient() { Close(); }
  SseClient(const SseClient&) = delete;
  SseClient& operator=(const SseClient&) = delete;

  void Close() {
    if (fd_ >= 0) {
      close(fd_);
      fd_ = -1;
    }
  }

  // Reads the response head. False on timeout or EOF before it is complete.
  bool ReadHead() {
    auto deadline = Clock::now() + kPatience;
    size_t end;
    while ((end = raw_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill(deadline)) {
        return false;
      }
    }
    head_ = raw_.substr(0, end + 2);
    raw_.erase(0, end + 4);
    status_ = static_cast<unsigned>(std::stoi(head_.substr(head_.find(' ') + 1, 3)));
    chunked_ = Header("transfer-encoding") == "chunked";
    if (status_ == 200) {
      Decode();  // Body bytes that came with the head.
    }
    return true;
  }

  // The value of header `name` (lower case) in the head, or "".
  std::string Header(const std::string& name) const {
    std::string lower;
    for (char c : head_) {
      lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    size_t at = lower.find("\r\n" + name + ":");
    if (at == std::string::npos) {
      return "";
    }
    size_t start = head_.find_first_not_of(' ', at + name.size() + 3);
    return head_.substr(start, head_.find("\r\n", start) - start);
  }

  // The next block, or nullopt at the end of the body or after `timeout`.
  std::optional<SseBlock> Next(std::chrono::milliseconds timeout = kPatience) {
    auto deadline = Clock::now() + timeout;
    size_t end;
    while ((end = body_.find("\n\n")) == std::string::npos) {
      if (ended_ || !Fill(deadline)) {
        return std::nullopt;
      }
    }
    std::string text = body_.substr(0, end + 1);
    body_.erase(0, end + 2);
    SseBlock block;
    for (size_t start = 0; start < text.size();) {
      size_t newline = text.find('\n', start);
      std::string line = text.substr(start, newline - start);
      start = newline + 1;
      if (line.rfind(':', 0) == 0) {
        block.comments.push_back(line);
      } else if (line.rfind("id: ", 0) == 0) {
        block.id = std::stoull(line.substr(4));
      } else if (line.rfind("event: ", 0) == 0) {
        block.event = line.substr(7);
      } else if (line.rfind("data: ", 0) == 0) {
        block.data += line.substr(6);
      }
    }
    return block;
  }

  // The next block that is an event (skips comments).
  std::optional<SseBlock> NextEvent(std::chrono::milliseconds timeout = kPatience) {
    auto deadline = Clock::now() + timeout;
    while (true) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      std::optional<SseBlock> block = Next(std::max(left, std::chrono::milliseconds(0)));
      if (!block || !block->event.empty()) {
        return block;
      }
    }
  }

  // Reads until the server closes the connection; true when it did within `timeout`.
  bool ReadToEnd(std::chrono::milliseconds timeout = kPatience) {
    auto deadline = Clock::now() + timeout;
    while (!closed_) {
      if (!Fill(deadline) && !closed_) {
        return false;
      }
    }
    return true;
  }

  // The body of a non-streamed reply (Content-Length), after ReadHead.
  std::string ReadWholeBody() {
    size_t length = std::stoul(Header("content-length"));
    auto deadline = Clock::now() + kPatience;
    while (raw_.size() < length && Fill(deadline)) {
    }
    return raw_.substr(0, length);
  }

  bool connected() const { return connected_; }
  unsigned status() const { return status_; }
  bool chunked() const { return chunked_; }
  bool saw_last_chunk() const { return saw_last_chunk_; }
  bool closed() const { return closed_; }

 private:
  // Reads more bytes and decodes what the body allows. False on timeout or EOF.
  bool Fill(Clock::time_point deadline) {
    if (fd_ < 0 || closed_) {
      return false;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    pollfd wanted{fd_, POLLIN, 0};
    if (left.count() <= 0 || poll(&wanted, 1, static_cast<int>(left.count())) <= 0) {
      return false;
    }
    char buffer[8192];
    ssize_t got = recv(fd_, buffer, sizeof(buffer), 0);
    if (got <= 0) {
      closed_ = true;
      return false;
    }
    raw_.append(buffer, static_cast<size_t>(got));
    if (!head_.empty()) {
      Decode();
    }
    return true;
  }

  void Decode() {
    if (!chunked_) {
      body_ += raw_;
      raw_.clear();
      return;
    }
    while (!ended_) {
      size_t line_end = raw_.find("\r\n");
      if (line_end == std::string::npos) {
        return;
      }
      size_t size = std::stoul(raw_.substr(0, line_end), nullptr, 16);
      if (size == 0) {
        saw_last_chunk_ = raw_.size() >= line_end + 4;
        ended_ = saw_last_chunk_;
        return;
      }
      if (raw_.size() < line_end + 2 + size + 2) {
        return;
      }
      body_ += raw_.substr(line_end + 2, size);
      raw_.erase(0, line_end + 2 + size + 2);
    }
  }

  int fd_ = -1;
  bool connected_ = false;
  std::string raw_;   // Bytes received, not yet decoded.
  std::string head_;  // The response head.
  std::string body_;  // Decoded body, not yet split into blocks.
  unsigned status_ = 0;
  bool chunked_ = false;
  bool saw_last_chunk_ = false;
  bool ended_ = false;
  bool closed_ = false;
};

// Checks RET-01 on any text of the feed: no device, no key, no scan id.
void ExpectNoWorkerOrDeviceTrace(const std::string& text) {
  for (const char* hidden : {"HH-", "\"device\"", "\"key\"", "idempotency", "\"s-", "\"message\"",
                             "\"prompt\"", "\"code\":\"("}) {
    EXPECT_EQ(text.find(hidden), std::string::npos) << hidden << " appears in the feed";
  }
}

// A site served by a real `entrepot serve`, with an account of every role.
class ServeEventsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = dir_.File("site");
    std::filesystem::create_directories(data_);
    InitialiseSite(data_);
    accounts_ = CreateAccounts(data_);
    pid_ = testing::StartServe(data_, dir_.File("serve.log"), &port_);
    ASSERT_GT(pid_, 0);
    ASSERT_NE(port_, 0) << testing::ReadFileText(dir_.File("serve.log"));
  }
  void TearDown() override {
    if (pid_ > 0) {
      EXPECT_EQ(StopServe(), 0);
    }
  }
  // SIGTERM, then the exit status (-1 when it did not exit normally).
  int StopServe() {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  std::string Token(const std::string& login) {
    Client client(port_);
    Reply reply = client.Send(http::verb::post, "/api/v1/login",
                              json{{"login", login}, {"password", testing::kTestPassword}}.dump());
    EXPECT_EQ(reply.status, 200u) << reply.body;
    return reply.status == 200u ? reply.Json()["token"].get<std::string>() : "";
  }
  // Posts records of testing::ScanStream [first, last) one by one; returns the last seq.
  uint64_t PostScans(const std::vector<std::string>& stream, size_t first, size_t last) {
    std::map<std::string, Client> clients;
    uint64_t seq = 0;
    for (size_t i = first; i < last; ++i) {
      std::string device = json::parse(stream[i])["device"];
      auto [it, added] = clients.try_emplace(device, port_);
      it->second.token = accounts_.device_tokens[device];
      Reply reply = it->second.Send(http::verb::post, "/api/v1/scans", stream[i]);
      EXPECT_EQ(reply.status, 200u) << reply.body;
      seq = reply.status == 200u ? reply.Json()["seq"].get<uint64_t>() : seq;
    }
    return seq;
  }
  uint64_t LastSeq() { return Client(port_).Get("/healthz").Json()["last_seq"]; }

  testing::TempDir dir_;
  std::string data_;
  Accounts accounts_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

TEST_F(ServeEventsTest, JsonPagesReadEveryEntryToTheEnd) {
  std::vector<std::string> stream = testing::ScanStream(240, 5);
  uint64_t last = PostScans(stream, 0, stream.size());
  ASSERT_EQ(last, LastSeq());
  Client supervisor(port_);
  supervisor.token = Token("supervisor");
  std::vector<uint64_t> seqs;
  std::set<std::string> kinds;
  uint64_t after = 0;
  while (true) {
    Reply reply = supervisor.Get("/api/v1/events?limit=50&after=" + std::to_string(after));
    ASSERT_EQ(reply.status, 200u) << reply.body;
    ExpectNoWorkerOrDeviceTrace(reply.body);
    json page = reply.Json();
    EXPECT_EQ(page["last_seq"], last);
    if (page["events"].empty()) {
      break;
    }
    for (const json& event : page["events"]) {
      seqs.push_back(event["seq"]);
      kinds.insert(event["kind"]);
      EXPECT_TRUE(event["at"].is_string());
    }
    after = page["next_after"];
  }
  ASSERT_EQ(seqs.size(), last);  // The layout's entries, then one per scan.
  for (size_t i = 0; i < seqs.size(); ++i) {
    ASSERT_EQ(seqs[i], i + 1);
  }
  EXPECT_EQ(kinds, (std::set<std::string>{"master_data", "scan"}));
  Reply too_big = supervisor.Get("/api/v1/events?limit=1001");
  EXPECT_EQ(too_big.status, 400u);
  EXPECT_EQ(too_big.Json()["error"]["code"], "bad_limit");
  Reply not_a_number = supervisor.Get("/api/v1/events?after=ten");
  EXPECT_EQ(not_a_number.status, 400u);
  EXPECT_EQ(not_a_number.Json()["error"]["code"], "bad_after");
}

TEST_F(ServeEventsTest, OnlyAdminsManagersAndSupervisorsReadTheFeed) {
  for (const char* role : {"admin", "site_manager", "supervisor"}) {
    Client client(port_);
    client.token = Token(role);
    EXPECT_EQ(client.Get("/api/v1/events").status, 200u) << role;
  }
  for (const char* role : {"hr", "dpo", "worker"}) {
    Client client(port_);
    client.token = Token(role);
    Reply reply = client.Get("/api/v1/events");
    EXPECT_EQ(reply.status, 403u) << role;
    EXPECT_EQ(reply.Json()["error"]["code"], "forbidden");
  }
  Client device(port_);
  device.token = accounts_.device_tokens["HH-0"];
  EXPECT_EQ(device.Get("/api/v1/events").status, 403u);
  EXPECT_EQ(Client(port_).Get("/api/v1/events").status, 401u);
  SseClient anonymous(port_, "", "/api/v1/events");
  ASSERT_TRUE(anonymous.ReadHead());
  EXPECT_EQ(anonymous.status(), 401u);
}

// Reads events until `last` arrived; checks ids are consecutive from `after` + 1 and equal
// to the data's seq. Returns the seqs seen.
std::vector<uint64_t> ReadEventsUntil(SseClient& client, uint64_t after, uint64_t last) {
  std::vector<uint64_t> seqs;
  while (after < last) {
    std::optional<SseBlock> block = client.NextEvent();
    if (!block) {
      ADD_FAILURE() << "the stream ended or stalled after seq " << after;
      break;
    }
    EXPECT_EQ(block->event, "entry");
    ExpectNoWorkerOrDeviceTrace(block->data);
    json data = json::parse(block->data);
    EXPECT_TRUE(block->id.has_value());
    EXPECT_EQ(block->id.value_or(0), after + 1) << "a gap or a duplicate";
    EXPECT_EQ(data["seq"], block->id.value_or(0));
    after = block->id.value_or(after + 1);
    seqs.push_back(after);
  }
  return seqs;
}

TEST_F(ServeEventsTest, ServerSentEventsArriveInOrderAndResumeWithLastEventId) {
  std::string token = Token("supervisor");
  std::vector<std::string> stream = testing::ScanStream(300, 9);
  uint64_t start = LastSeq();
  SseClient live(port_, token, "/api/v1/events");
  ASSERT_TRUE(live.connected());
  ASSERT_TRUE(live.ReadHead());
  ASSERT_EQ(live.status(), 200u);
  EXPECT_EQ(live.Header("content-type"), "text/event-stream");
  EXPECT_EQ(live.Header("cache-control"), "no-cache");
  EXPECT_TRUE(live.chunked());
  // The first block (retry and a comment) says the subscription is open: post after it.
  std::optional<SseBlock> hello = live.Next();
  ASSERT_TRUE(hello.has_value());
  EXPECT_FALSE(hello->comments.empty());

  uint64_t first_half = PostScans(stream, 0, 120);
  std::vector<uint64_t> seen = ReadEventsUntil(live, start, first_half);
  EXPECT_EQ(seen.size(), first_half - start);
  // The client leaves after first_half; more is committed while it is away.
  live.Close();
  uint64_t away = PostScans(stream, 120, 200);

  SseClient resumed(port_, token, "/api/v1/events?after=0",
                    "Last-Event-ID: " + std::to_string(first_half) + "\r\n");
  ASSERT_TRUE(resumed.ReadHead());
  ASSERT_EQ(resumed.status(), 200u);
  std::vector<uint64_t> caught_up = ReadEventsUntil(resumed, first_half, away);
  EXPECT_EQ(caught_up.size(), away - first_half);
  // Then live again, including a batch committed in one go.
  std::string batch;
  for (size_t i = 200; i < stream.size(); ++i) {
    if (json::parse(stream[i])["device"] == "HH-1") {
      batch += stream[i] + "\n";
    }
  }
  Client device(port_);
  device.token = accounts_.device_tokens["HH-1"];
  Reply lines = device.Send(http::verb::post, "/api/v1/scans/batch", batch, "application/x-ndjson");
  ASSERT_EQ(lines.status, 200u) << lines.body;
  uint64_t end = LastSeq();
  std::vector<uint64_t> live_again = ReadEventsUntil(resumed, away, end);
  EXPECT_EQ(live_again.size(), end - away);
  // Nothing more was sent.
  EXPECT_FALSE(resumed.NextEvent(std::chrono::milliseconds(300)).has_value());
}

TEST_F(ServeEventsTest, StreamsAreBoundedAndEndCleanlyOnSigterm) {
  std::string token = Token("admin");
  std::vector<std::unique_ptr<SseClient>> streams;
  for (size_t i = 0; i < api::kDefaultMaxEventStreams; ++i) {
    streams.push_back(std::make_unique<SseClient>(port_, token, "/api/v1/events"));
    ASSERT_TRUE(streams.back()->ReadHead());
    ASSERT_EQ(streams.back()->status(), 200u) << i;
  }
  SseClient refused(port_, token, "/api/v1/events");
  ASSERT_TRUE(refused.ReadHead());
  EXPECT_EQ(refused.status(), 503u);
  EXPECT_EQ(json::parse(refused.ReadWholeBody())["error"]["code"], "too_many_streams");
  // JSON pages are not streams.
  Client pages(port_);
  pages.token = token;
  EXPECT_EQ(pages.Get("/api/v1/events").status, 200u);
  // A client that leaves frees its slot (the server notices at once, not at a heartbeat).
  streams.back()->Close();
  streams.pop_back();
  bool accepted = false;
  for (auto deadline = Clock::now() + kPatience; !accepted && Clock::now() < deadline;) {
    SseClient again(port_, token, "/api/v1/events");
    ASSERT_TRUE(again.ReadHead());
    accepted = again.status() == 200u;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(accepted);

  // SIGTERM: every open stream gets its last chunk, then the connection closes.
  EXPECT_EQ(StopServe(), 0);
  for (auto& stream : streams) {
    EXPECT_TRUE(stream->ReadToEnd(std::chrono::seconds(5)));
    EXPECT_TRUE(stream->saw_last_chunk());
  }
}

// --- In this process: the HTTP server's streaming with a short heartbeat -----------------

class InProcessEventsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::TestServerOptions options;
    options.users = {{"boss", auth::Role::kSiteManager}};
    options.devices = {"HH-01"};
    options.events = api::EventRoutesOptions{.max_streams = 2,
                                             .heartbeat_every = std::chrono::milliseconds(100)};
    ASSERT_NO_FATAL_FAILURE(server_.Start(dir_.path(), std::move(options)));
    token_ = server_.Login("boss").token;
  }
  uint64_t PostScan(const std::string& id) {
    Client device = server_.Device("HH-01");
    json scan = {{"id", id},
                 {"device", "HH-01"},
                 {"mode", "receive"},
                 {"code", domain::FormatLabel(domain::LabelKind::kLocation, "DOCK-01")}};
    Reply reply = device.Send(http::verb::post, "/api/v1/scans", scan.dump());
    EXPECT_EQ(reply.status, 200u) << reply.body;
    return reply.status == 200u ? reply.Json()["seq"].get<uint64_t>() : 0;
  }

  testing::TempDir dir_;
  testing::TestServer server_;  // The fixed clock, testing::kTestNowMs.
  std::string token_;
};

TEST_F(InProcessEventsTest, HeartbeatsFillSilenceAndEventsInterleave) {
  SseClient client(server_.port(), token_, "/api/v1/events");
  ASSERT_TRUE(client.ReadHead());
  ASSERT_EQ(client.status(), 200u);
  ASSERT_TRUE(client.Next().has_value());  // retry + start comment.
  int heartbeats = 0;
  for (int i = 0; i < 3; ++i) {
    std::optional<SseBlock> block = client.Next(std::chrono::seconds(5));
    ASSERT_TRUE(block.has_value());
    EXPECT_EQ(block->comments, std::vector<std::string>{": keep-alive"});
    heartbeats += block->id.has_value() ? 0 : 1;
  }
  EXPECT_EQ(heartbeats, 3);
  uint64_t seq = PostScan("hb-1");
  std::optional<SseBlock> event = client.NextEvent(std::chrono::seconds(5));
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->id, seq);
  EXPECT_EQ(json::parse(event->data)["mode"], "receive");
}

TEST_F(InProcessEventsTest, ADepartedClientFreesItsSlot) {
  auto first = std::make_unique<SseClient>(server_.port(), token_, "/api/v1/events");
  SseClient second(server_.port(), token_, "/api/v1/events");
  ASSERT_TRUE(first->ReadHead() && second.ReadHead());
  EXPECT_EQ(server_.events().open_streams(), 2u);
  SseClient third(server_.port(), token_, "/api/v1/events");
  ASSERT_TRUE(third.ReadHead());
  EXPECT_EQ(third.status(), 503u);
  first.reset();
  auto deadline = Clock::now() + kPatience;
  while (server_.events().open_streams() > 1 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(server_.events().open_streams(), 1u);
}

TEST_F(InProcessEventsTest, Http10StreamsAreCloseDelimited) {
  SseClient client(server_.port(), token_, "/api/v1/events?after=0", "", /*http10=*/true);
  ASSERT_TRUE(client.ReadHead());
  ASSERT_EQ(client.status(), 200u);
  EXPECT_FALSE(client.chunked());
  EXPECT_EQ(client.Header("content-length"), "");
  std::optional<SseBlock> first = client.NextEvent();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->id, 1u);  // From the start: the layout's first entry.
  server_.http_server().Stop();
  EXPECT_TRUE(client.ReadToEnd(std::chrono::seconds(5)));
}

TEST_F(InProcessEventsTest, StopEndsStreamsWithTheirLastChunk) {
  SseClient client(server_.port(), token_, "/api/v1/events");
  ASSERT_TRUE(client.ReadHead());
  ASSERT_TRUE(client.Next().has_value());
  auto started = Clock::now();
  server_.http_server().Stop();
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(3));
  EXPECT_TRUE(client.ReadToEnd(std::chrono::seconds(5)));
  EXPECT_TRUE(client.saw_last_chunk());
  EXPECT_EQ(server_.events().open_streams(), 0u);
}

}  // namespace
}  // namespace entrepot
