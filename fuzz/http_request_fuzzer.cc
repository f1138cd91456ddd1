// File: http_request_fuzzer.cc
//
// libFuzzer target for the HTTP request path: arbitrary bytes are one connection's worth of
// HTTP/1.1 requests. They are parsed as the server parses them (a Boost.Beast
// request_parser with the server's header and body limits, one request after the other
// while keep-alive) and every parsed request goes to the real api::ApiHandler, backed by a
// real server::Sequencer over a real SqliteJournal site and a real auth::AccountStore, all
// created once in LLVMFuzzerInitialize in a temporary directory (under $ENTREPOT_FUZZ_TMPDIR,
// else on /dev/shm when there is one, so a commit's sync costs little), removed at exit.
//
// http_server.cc's Session is private to the api module, so its read loop and its mapping
// of parse errors to responses (431 headers_too_large, 413 body_too_large, 400 bad_request,
// close on a truncated request) are replicated here from the public limits of
// api/http_server.h; keep the two in step.
//
// Tokens: the Authorization values "Bearer admin", "Bearer device" and "Bearer worker" are
// replaced by the real tokens of an admin session, of device HH-01 and of a worker session,
// so the fuzzer reaches every authenticated route (other values go through unchanged). An
// input may disable the admin, revoke the device or log out: before each input the three
// principals are restored, so every input starts with working tokens.
//
// The event feed (GET /api/v1/events) and the movement index (unit history, flow) are wired
// as `entrepot serve` wires them (server::EventFeed, api::EventRoutes, server::MovementIndex);
// of a streamed response (Server-Sent Events) the pieces ready at once are read and checked,
// then the stream is cancelled as a departing client would. Not wired yet: the audit log, the
// labor store and recorder, and the privacy policy (ApiServices left null: requests are not
// audited, and the labor routes answer 503 "labor_unavailable", the one 5xx accepted).
//
// Checked for every input, beyond "no crash, no leak, no hang" (ASan, UBSan, libFuzzer's
// -timeout): the handler answers each request exactly once; the site stays healthy; every
// status is one the error table documents (no 5xx); every 4xx/5xx is application/json with
// {"error":{"code","message"}}, a 401 carries WWW-Authenticate (but a failed login), a 405
// an Allow header; a 2xx JSON body parses, as does each line of an NDJSON body.
//
// ENTREPOT_FUZZ_VERBOSE=1 prints every request line and its answer, to see which routes the
// seeds (corpus/http_request_fuzzer/, one connection's bytes each) reach.
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "boost/asio/buffer.hpp"
#include "boost/beast/core/error.hpp"
#include "boost/beast/http.hpp"
#include "entrepot/api/api_handler.h"
#include "entrepot/api/event_routes.h"
#include "entrepot/api/http_server.h"
#include "entrepot/api/metrics.h"
#include "entrepot/auth/account_store.h"
#include "entrepot/domain/layout.h"
#include "entrepot/engine/site_engine.h"
#include "entrepot/server/event_feed.h"
#include "entrepot/server/labor_recorder.h"
#include "entrepot/server/movement_index.h"
#include "entrepot/server/sequencer.h"
#include "entrepot/store/sqlite_journal.h"
#include "nlohmann/json.hpp"

namespace entrepot::fuzz {
namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using nlohmann::json;

constexpr char kSiteCode[] = "FR-FUZZ";
constexpr int64_t kNowMs = 1'795'000'000'000;  // A fixed clock: sessions never expire.
constexpr char kAdminPassword[] = "fuzz admin password";
constexpr char kWorkerPassword[] = "fuzz worker password";
constexpr char kDeviceName[] = "HH-01";

// A dock, a door, 40 bins, 4 products (GS1 example prefix), 20 totes T0001-T0020.
constexpr char kLayoutToml[] = R"toml(
[site]
code = "FR-FUZZ"
name = "Fuzz site"

[[zones]]
code = "INB"
name = "Inbound"
[[zones]]
code = "A"
name = "Stow A"
[[zones]]
code = "OUT"
name = "Outbound"

[[locations]]
code = "DOCK-01"
zone = "INB"
type = "dock"

[[locations]]
code = "DOOR-01"
zone = "OUT"
type = "outbound_door"

[[location_ranges]]
zone = "A"
type = "stow_bin"
aisles = [1, 4]
bays = [1, 10]
levels = [1, 1]
capacity = 0

[[products]]
gtin = "09506000134352"
description = "Kettle"
home_zone = "A"
[[products]]
gtin = "09506000134369"
description = "Toaster"
home_zone = "A"
[[products]]
gtin = "09506000134376"
description = "Mug"
home_zone = "A"
[[products]]
gtin = "09506000134383"
description = "Teapot"
home_zone = "A"

[[container_ranges]]
type = "tote"
prefix = "T"
from = 1
to = 20
digits = 4
)toml";

[[noreturn]] void Fail(const std::string& what, std::string_view detail = {}) {
  std::fprintf(stderr, "http_request_fuzzer: %s\n%.*s\n", what.c_str(),
               static_cast<int>(detail.size()), detail.data());
  std::abort();
}

template <typename T>
T Must(StatusOr<T> value, const char* what) {
  if (!value.ok()) {
    Fail(std::string("setup failed: ") + what + ": " + value.status().ToString());
  }
  return *std::move(value);
}

// Everything the handler needs, created once and never destroyed (it stays reachable, so
// LeakSanitizer does not report it).
struct Fixture {
  std::string dir;
  api::Metrics metrics;
  std::unique_ptr<server::SignInKeyDir> signin_keys;  // Badge sign-ins are sealed under them.
  std::unique_ptr<auth::AccountStore> accounts;
  std::unique_ptr<server::EventFeed> feed;
  std::unique_ptr<server::MovementIndex> movements;
  std::unique_ptr<api::EventRoutes> events;
  std::unique_ptr<server::Sequencer> sequencer;
  std::unique_ptr<api::ApiHandler> handler;
  std::string admin_token;
  std::string device_token;
  std::string worker_token;
};
Fixture* fixture = nullptr;

// A fresh directory under $ENTREPOT_FUZZ_TMPDIR (tools/run_fuzzers.sh sets it to a directory
// it removes, even after a crash), else /dev/shm when writable, else the system temp dir.
std::string MakeTempDir() {
  std::error_code error;
  const char* chosen = std::getenv("ENTREPOT_FUZZ_TMPDIR");
  std::filesystem::path base =
      chosen != nullptr && *chosen != '\0' ? std::filesystem::path(chosen)
      : std::filesystem::is_directory("/dev/shm", error) && access("/dev/shm", W_OK) == 0
          ? std::filesystem::path("/dev/shm")
          : std::filesystem::temp_directory_path();
  std::string pattern = (base / "entrepot-http-fuzz-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    Fail("cannot create a temporary directory under " + base.string());
  }
  return pattern;
}

void OpenSite(Fixture& f) {
  domain::Layout layout = Must(domain::ParseLayoutToml(kLayoutToml), "layout");
  std::string journal_path = f.dir + "/journal.db";
  {
    auto engine =
        Must(engine::SiteEngine::Open(Must(store::SqliteJournal::Open(journal_path), "journal")),
             "engine");
    if (Status loaded = engine->LoadLayout(layout); !loaded.ok()) {
      Fail("setup failed: layout: " + loaded.ToString());
    }
  }
  auto engine =
      Must(engine::SiteEngine::Open(Must(store::SqliteJournal::Open(journal_path), "journal")),
           "engine");
  // As `entrepot serve` wires them: the feed reads old pages through its own read-only
  // connection, the movement index keeps DIR/index.db, and both hear of every commit.
  store::SqliteJournal::Options reader_options;
  reader_options.read_only = true;
  f.feed = std::make_unique<server::EventFeed>(
      Must(store::SqliteJournal::Open(journal_path, reader_options), "reader"), engine->last_seq());
  f.movements =
      Must(server::MovementIndex::Open(server::MovementIndexOptions::ForDataDir(f.dir)), "index");
  engine->set_commit_listener([&f](std::span<const store::JournalRecord> records) {
    f.feed->Publish(records);
    f.movements->Publish(records);
  });
  f.events = std::make_unique<api::EventRoutes>(*f.feed);
  server::SequencerOptions options;
  options.on_commit = [&f](size_t commands, double seconds) {
    f.metrics.CountCommit(commands, seconds);
  };
  f.sequencer = std::make_unique<server::Sequencer>(std::move(engine), options);
}

void OpenAccounts(Fixture& f) {
  auth::AccountStoreOptions options;
  options.now_ms = [] { return kNowMs; };
  options.hash_cost = auth::HashCost::kMinimum;  // Logins in the corpus stay fast.
  options.site_code = kSiteCode;
  // The clock is fixed, so a limit would lock the restoring login out for good.
  options.login_attempts_per_minute = 1 << 30;
  f.signin_keys =
      Must(server::SignInKeyDir::Open(f.dir + "/labor-keys", {}, [] { return kNowMs; }), "keys");
  options.session_keys = f.signin_keys.get();
  f.accounts = Must(auth::AccountStore::Open(f.dir + "/accounts.db", options), "accounts");
  Must(f.accounts->AddUser({"admin", "Admin", auth::Role::kAdmin, {"*"}, kAdminPassword, ""}),
       "admin");
  Must(f.accounts->AddUser(
           {"worker", "Worker", auth::Role::kWorker, {kSiteCode}, kWorkerPassword, "BADGE-0001"}),
       "worker");
}

// True when `token` authenticates as `login` with `role`, enabled, scope covering the site.
bool UserTokenWorks(const std::string& token, const std::string& login, auth::Role role) {
  StatusOr<auth::Principal> principal = fixture->accounts->Authenticate(token);
  return principal.ok() && principal->kind == auth::Principal::Kind::kUser &&
         principal->name == login && principal->role == role &&
         auth::ScopeCovers(principal->scope, kSiteCode);
}

// Puts `login` back as set up (enabled, role, scope, password) and signs it in again.
std::string RestoreUser(const std::string& login, auth::Role role, const char* scope,
                        const char* password) {
  auth::UserChange change;
  change.disabled = false;
  change.role = role;
  change.scope = auth::Scope{scope};
  change.password = password;
  Must(fixture->accounts->UpdateUser(login, change), "restore user");
  return Must(fixture->accounts->Login(login, password), "login").token;
}

// Registers kDeviceName afresh and returns its token. An input may have revoked our device
// and registered the name itself (POST /api/v1/devices): then every device up to the newest
// id is revoked first, which frees the name.
std::string RegisterDevice() {
  StatusOr<auth::NewDevice> device = fixture->accounts->AddDevice(kDeviceName, 0);
  if (!device.ok() && device.status().reason() == "device_name_taken") {
    auth::NewDevice probe = Must(fixture->accounts->AddDevice("fuzz-probe", 0), "probe");
    for (int64_t id = 1; id <= probe.id; ++id) {
      (void)fixture->accounts->RevokeDevice(id);  // "unknown_device" for ids already revoked.
    }
    device = fixture->accounts->AddDevice(kDeviceName, 0);
  }
  return Must(std::move(device), "device").token;
}

// Gives every input working admin, worker and device tokens (see the file comment).
void RestorePrincipals() {
  Fixture& f = *fixture;
  if (!UserTokenWorks(f.admin_token, "admin", auth::Role::kAdmin)) {
    f.admin_token = RestoreUser("admin", auth::Role::kAdmin, "*", kAdminPassword);
  }
  if (!UserTokenWorks(f.worker_token, "worker", auth::Role::kWorker)) {
    f.worker_token = RestoreUser("worker", auth::Role::kWorker, kSiteCode, kWorkerPassword);
  }
  StatusOr<auth::Principal> device = f.accounts->Authenticate(f.device_token);
  if (!device.ok() || device->kind != auth::Principal::Kind::kDevice) {
    f.device_token = RegisterDevice();
  }
}

void Cleanup() {
  if (fixture != nullptr) {
    (void)fixture->sequencer->Stop();
    fixture->movements->Stop();
    fixture->feed->Close();
    std::error_code ignored;
    std::filesystem::remove_all(fixture->dir, ignored);
  }
}

std::string WithRealToken(std::string authorization) {
  if (authorization == "Bearer admin") {
    return "Bearer " + fixture->admin_token;
  }
  if (authorization == "Bearer device") {
    return "Bearer " + fixture->device_token;
  }
  if (authorization == "Bearer worker") {
    return "Bearer " + fixture->worker_token;
  }
  return authorization;
}

// Calls the handler and waits for its one response; a second call aborts at once.
api::HttpResponse Answer(api::HttpRequest request) {
  struct Wait {
    std::mutex mutex;
    std::condition_variable done;
    bool answered = false;
    api::HttpResponse response;
  };
  auto wait = std::make_shared<Wait>();
  fixture->handler->Handle(std::move(request), [wait](api::HttpResponse response) {
    std::lock_guard lock(wait->mutex);
    if (wait->answered) {
      Fail("the handler answered a request twice");
    }
    wait->answered = true;
    wait->response = std::move(response);
    wait->done.notify_one();
  });
  // A handler that never answers hangs here, which libFuzzer's -timeout reports.
  std::unique_lock lock(wait->mutex);
  wait->done.wait(lock, [&] { return wait->answered; });
  return std::move(wait->response);
}

bool IsDocumentedStatus(unsigned status) {
  static const std::set<unsigned> kStatuses = {200, 201, 400, 401, 403, 404,
                                               405, 409, 413, 415, 429, 431};
  return kStatuses.count(status) > 0;
}

void CheckErrorBody(const api::HttpResponse& response) {
  if (response.content_type != "application/json") {
    Fail("an error response is not application/json", response.body);
  }
  json body = json::parse(response.body, nullptr, false);
  if (body.is_discarded() || !body.is_object() || body.size() != 1 || !body.contains("error") ||
      !body["error"].is_object() || !body["error"].contains("code") ||
      !body["error"]["code"].is_string() || body["error"]["code"].get<std::string>().empty() ||
      !body["error"].contains("message") || !body["error"]["message"].is_string() ||
      body["error"]["message"].get<std::string>().empty()) {
    Fail("an error body is not {\"error\":{\"code\",\"message\"}}", response.body);
  }
  std::string code = body["error"]["code"];
  if (response.status == 401 && code != "bad_credentials" && response.www_authenticate.empty()) {
    Fail("a 401 without WWW-Authenticate", response.body);
  }
  if (response.status == 405 && response.allow.empty()) {
    Fail("a 405 without an Allow header", response.body);
  }
}

// The labor routes answer 503 "labor_unavailable" without a labor store and a policy, which
// this fuzzer does not wire (yet): that answer is expected, any other 5xx is not.
bool IsUnwiredService(const api::HttpResponse& response) {
  return response.status == 503 &&
         response.body.find(R"("code":"labor_unavailable")") != std::string::npos;
}

void CheckResponse(const api::HttpResponse& response) {
  if (IsUnwiredService(response)) {
    CheckErrorBody(response);
    return;
  }
  if (!IsDocumentedStatus(response.status)) {
    Fail("undocumented status " + std::to_string(response.status), response.body);
  }
  if (response.status >= 400) {
    CheckErrorBody(response);
    return;
  }
  if (response.content_type == "application/json") {
    if (!json::accept(response.body)) {
      Fail("a 2xx JSON body does not parse", response.body);
    }
  } else if (response.content_type == "application/x-ndjson") {
    std::string_view rest(response.body);
    while (!rest.empty()) {
      size_t end = rest.find('\n');
      if (!json::accept(rest.substr(0, end))) {
        Fail("an NDJSON line does not parse", response.body);
      }
      rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
    }
  }
}

// Reads what a streamed response (Server-Sent Events) has ready: pieces delivered at once,
// up to a few, then cancels it as a departing client would. Each "data:" line of a piece
// must hold one JSON document.
void DrainStream(api::BodyStream& stream) {
  constexpr int kMaxPieces = 4;
  struct Piece {
    std::string text;
    bool end = false;
    std::atomic<bool> delivered{false};  // Set last: text and end are then complete.
  };
  for (int piece = 0; piece < kMaxPieces; ++piece) {
    // A piece not ready yet may be delivered later from the sequencer thread, after this
    // loop gave up on it: the shared Piece outlives the loop for that call.
    auto got = std::make_shared<Piece>();
    stream.Next([got](std::string text, bool end) {
      got->text = std::move(text);
      got->end = end;
      got->delivered.store(true, std::memory_order_release);
    });
    if (!got->delivered.load(std::memory_order_acquire)) {
      break;
    }
    std::string_view rest(got->text);
    while (!rest.empty()) {
      size_t end = rest.find('\n');
      std::string_view line = rest.substr(0, end);
      if (line.rfind("data: ", 0) == 0 && !json::accept(line.substr(6))) {
        Fail("an event-stream data line does not parse", got->text);
      }
      rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
    }
    if (got->end) {
      return;
    }
  }
  stream.Cancel();
}

// The server's answer to a read error, as http_server.cc's OnReadError: nullopt means the
// connection is closed without a response.
std::optional<Status> ReadErrorStatus(const beast::error_code& error) {
  if (error == http::error::body_limit) {
    return Error(
        StatusCode::kResourceExhausted, "body_too_large",
        "the request body is larger than " + std::to_string(api::kMaxBodyBytes) + " bytes");
  }
  if (error == http::error::header_limit) {
    return Error(
        StatusCode::kResourceExhausted, "headers_too_large",
        "the request headers are larger than " + std::to_string(api::kMaxHeaderBytes) + " bytes");
  }
  if (error.category() == beast::error_code(http::error::bad_target).category() &&
      error != http::error::end_of_stream && error != http::error::partial_message) {
    return Error(StatusCode::kInvalidArgument, "bad_request",
                 "malformed HTTP request: " + error.message());
  }
  return std::nullopt;
}

// Parses the next request off `input` as http::read would on a connection whose peer sends
// `input` and then closes. Returns the error that ends the connection, if any.
beast::error_code ReadRequest(std::string_view& input,
                              http::request_parser<http::string_body>& parser) {
  parser.header_limit(static_cast<std::uint32_t>(api::kMaxHeaderBytes));
  parser.body_limit(api::kMaxBodyBytes);
  parser.eager(true);
  beast::error_code error;
  while (!parser.is_done()) {
    size_t used =
        input.empty() ? 0 : parser.put(boost::asio::buffer(input.data(), input.size()), error);
    input.remove_prefix(used);
    if (error && error != http::error::need_more) {
      return error;
    }
    if (used == 0 && !parser.is_done()) {
      // No progress: the parser needs bytes the peer will never send (it closed). As
      // http::read does: nothing at all is the end of the stream, part of a message is for
      // the parser to judge.
      if (!parser.got_some()) {
        return http::error::end_of_stream;
      }
      parser.put_eof(error);
      if (error) {
        return error;
      }
      if (!parser.is_done()) {
        return http::error::partial_message;
      }
    }
  }
  return {};
}

}  // namespace
}  // namespace entrepot::fuzz

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  using namespace entrepot::fuzz;
  fixture = new Fixture();
  fixture->dir = MakeTempDir();
  OpenSite(*fixture);
  OpenAccounts(*fixture);
  fixture->handler = std::make_unique<entrepot::api::ApiHandler>(
      *fixture->sequencer, fixture->metrics, *fixture->accounts, kSiteCode, [] { return kNowMs; },
      entrepot::api::ApiServices{.events = fixture->events.get(),
                                 .movements = fixture->movements.get()});
  RestorePrincipals();
  std::atexit(Cleanup);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace entrepot::fuzz;
  // ENTREPOT_FUZZ_VERBOSE=1 prints each request and its answer (to check what seeds reach).
  static const bool verbose = std::getenv("ENTREPOT_FUZZ_VERBOSE") != nullptr;
  RestorePrincipals();
  std::string_view input(reinterpret_cast<const char*>(data), size);
  while (true) {
    http::request_parser<http::string_body> parser;
    beast::error_code error = ReadRequest(input, parser);
    if (error) {
      std::optional<entrepot::Status> status = ReadErrorStatus(error);
      if (status.has_value()) {
        CheckResponse(entrepot::api::ApiHandler::ErrorResponse(*status));
      }
      break;  // The server closes the connection after any read error.
    }
    http::request<http::string_body> request = parser.release();
    bool keep_alive = request.keep_alive();
    entrepot::api::HttpRequest api_request{
        std::string(request.method_string()),
        std::string(request.target()),
        std::string(request[http::field::content_type]),
        WithRealToken(std::string(request[http::field::authorization])),
        std::move(request.body()),
        std::string(request[http::field::accept]),
        std::string(request["Last-Event-ID"])};
    std::string line = api_request.method + " " + api_request.target;
    entrepot::api::HttpResponse response = Answer(std::move(api_request));
    if (verbose) {
      std::fprintf(stderr, "%s -> %u %.200s\n", line.c_str(), response.status,
                   response.body.c_str());
    }
    CheckResponse(response);
    if (response.stream != nullptr) {
      DrainStream(*response.stream);
      break;  // The server closes the connection after a stream.
    }
    if (!fixture->sequencer->healthy()) {
      Fail("the site's engine failed");
    }
    if (!keep_alive) {
      break;
    }
  }
  return 0;
}
