// The EPCIS 2.0 REST binding through the HTTP API, on servers in this process over real
// loopback connections, each with a temporary SQLite site, its accounts and its EPCIS
// repository following its journal:
//  - GS1's official examples captured and queried back equal (same events, same fields,
//    recordTime added), one by one too;
//  - errors per event, all or nothing and proceed, limits, media types, who may do what;
//  - filters (business step, EPCs as URNs and as GS1 Digital Links) and paging through the
//    Link header;
//  - the site's own scans appearing as EPCIS events, without device or worker (RET-01);
//  - the round trip: the example shift of examples/fc-lyon scanned in site A, its EPCIS events
//    taken from A's GET /epcis/events, captured into a fresh site B and queried back from B:
//    the same events (eventIDs, EPCs, quantities, business steps, places).
#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "entrepot/api/api_handler.h"
#include "entrepot/auth/account_store.h"
#include "entrepot/domain/labels.h"
#include "entrepot/epcis/document.h"
#include "entrepot/epcis/identifiers.h"
#include "entrepot/server/epcis_repository.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "test_epcis.h"
#include "test_http.h"
#include "test_site.h"

namespace entrepot {
namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using nlohmann::json;
using testing::EpcisDocument;
using testing::UrlEncode;
using tcp = boost::asio::ip::tcp;

constexpr int64_t kNow = 1'800'000'000'000;
constexpr std::chrono::seconds kWait{120};
const char* const kExamples[] = {"Example_9.6.1-ObjectEvent.jsonld",
                                 "Example_9.6.2-ObjectEvent.jsonld",
                                 "Example_9.6.3-AggregationEvent.jsonld"};

std::string ReadText(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  EXPECT_TRUE(file) << path;
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

std::string Example(const char* name) {
  return ReadText(std::string(ENTREPOT_SOURCE_DIR) + "/data/epcis/" + name);
}

// A valid ObjectEvent: serial S<n> of one GTIN, at second n.
json Receipt(int n, const std::string& step = "receiving") {
  return {{"eventID", "urn:uuid:00000000-0000-4000-8000-" + std::to_string(100'000'000'000 + n)},
          {"type", "ObjectEvent"},
          {"eventTime", epcis::FormatEpcisTime(kNow + n * 1000)},
          {"eventTimeZoneOffset", "+00:00"},
          {"action", "OBSERVE"},
          {"bizStep", step},
          {"epcList", {"urn:epc:id:sgtin:0614141.107346.S" + std::to_string(n)}}};
}

json WithoutRecordTime(json event) {
  event.erase("recordTime");
  return event;
}

// One HTTP exchange on a fresh connection, with any request headers, reading every response
// header (test_http's Client reads a fixed few).
struct Answer {
  unsigned status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // Lower-case names.
  json Json() const { return json::parse(body, nullptr, false); }
  std::string Header(const std::string& name) const {
    auto found = headers.find(name);
    return found == headers.end() ? "" : found->second;
  }
  std::string Code() const {
    const json parsed = Json();
    return parsed.is_object() && parsed.contains("error") && parsed["error"].is_object()
               ? parsed["error"].value("code", "")
               : "";
  }
};

Answer Exchange(uint16_t port, const std::string& token, http::verb method,
                const std::string& target, const std::string& body = "",
                const std::string& content_type = "application/ld+json",
                const std::vector<std::pair<std::string, std::string>>& headers = {}) {
  boost::asio::io_context context;
  beast::tcp_stream stream(context);
  beast::error_code error;
  stream.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port), error);
  Answer answer;
  if (error) {
    return answer;
  }
  http::request<http::string_body> request(method, target, 11);
  request.set(http::field::host, "localhost");
  if (!token.empty()) {
    request.set(http::field::authorization, "Bearer " + token);
  }
  if (!content_type.empty() && !body.empty()) {
    request.set(http::field::content_type, content_type);
  }
  for (const auto& [name, value] : headers) {
    request.set(name, value);
  }
  request.body() = body;
  request.prepare_payload();
  http::write(stream, request, error);
  // Read even when the write failed: a server refusing a large body answers and closes
  // before reading it all.
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(256 << 20);
  http::read(stream, buffer, parser, error);
  if (error && !parser.is_header_done()) {
    return answer;
  }
  answer.status = parser.get().result_int();
  answer.body = parser.get().body();
  for (const auto& field : parser.get()) {
    std::string name(field.name_string());
    for (char& c : name) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    answer.headers[name] = std::string(field.value());
  }
  return answer;
}

// The target of a Link header's rel="next": "</epcis/events?...>; rel=\"next\"".
std::string NextTarget(const Answer& answer) {
  const std::string link = answer.Header("link");
  const size_t open = link.find('<');
  const size_t close = link.find('>');
  if (open == std::string::npos || close == std::string::npos ||
      link.find("rel=\"next\"") == std::string::npos) {
    return "";
  }
  return link.substr(open + 1, close - open - 1);
}

// The eventList of an EPCISQueryDocument (a copy: callers often pass a temporary).
json EventList(const json& document) {
  const json::json_pointer list("/epcisBody/queryResults/resultsBody/eventList");
  return document.contains(list) ? document[list] : json::array();
}

// One site served in this process: journal, sequencer, accounts (admin, site_manager,
// supervisor, worker; devices on first use), EPCIS repository following the journal, HTTP
// server.
class Site {
 public:
  void Open(const std::string& layout_toml, bool with_epcis = true) {
    testing::TestServerOptions options;
    options.layout_toml = layout_toml;
    options.now_ms = [this] { return now_.load(); };
    options.users = {{"admin", auth::Role::kAdmin},
                     {"site_manager", auth::Role::kSiteManager},
                     {"supervisor", auth::Role::kSupervisor},
                     {"worker", auth::Role::kWorker}};
    options.epcis = with_epcis;
    ASSERT_NO_FATAL_FAILURE(server_.Start(dir_.path(), std::move(options)));
  }

  std::string Token(const std::string& login) { return server_.Login(login).token; }
  std::string DeviceToken(const std::string& name) { return server_.DeviceToken(name); }
  Answer Get(const std::string& token, const std::string& target) {
    return Exchange(server_.port(), token, http::verb::get, target);
  }
  Answer Capture(const std::string& token, const std::string& body,
                 const std::vector<std::pair<std::string, std::string>>& headers = {},
                 const std::string& content_type = "application/ld+json",
                 const std::string& target = "/epcis/capture") {
    return Exchange(server_.port(), token, http::verb::post, target, body, content_type, headers);
  }
  // Posts NDJSON scan records of one device as one batch; every line must be answered.
  void PostScans(const std::string& device, const std::string& ndjson, size_t lines) {
    testing::Client client = server_.Device(device);
    testing::Reply reply =
        client.Send(http::verb::post, "/api/v1/scans/batch", ndjson, "application/x-ndjson");
    ASSERT_EQ(reply.status, 200u) << reply.body;
    EXPECT_EQ(static_cast<size_t>(std::count(reply.body.begin(), reply.body.end(), '\n')), lines);
  }
  void WaitFollowed() {
    server::EpcisRepository& epcis = server_.epcis();
    const uint64_t last_seq = server_.sequencer().last_seq();
    ASSERT_TRUE(epcis.WaitForSeq(last_seq, kWait))
        << "followed " << epcis.followed_seq() << " of " << last_seq << ", last error "
        << epcis.stats().last_error;
  }
  // Every event GET /epcis/events gives for `query` ("EQ_bizStep=x&"), page by page.
  std::vector<json> AllEvents(const std::string& token, const std::string& query = "") {
    std::vector<json> events;
    std::string target = "/epcis/events?" + query + "perPage=1000";
    for (int pages = 0; !target.empty() && pages < 1000; ++pages) {
      Answer page = Get(token, target);
      EXPECT_EQ(page.status, 200u) << page.body;
      if (page.status != 200u) {
        break;
      }
      for (const json& event : EventList(page.Json())) {
        events.push_back(event);
      }
      target = NextTarget(page);
    }
    return events;
  }

  uint16_t port() const { return server_.port(); }
  std::atomic<int64_t> now_{kNow};

 private:
  testing::TempDir dir_;
  testing::TestServer server_;
};

class EpcisApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    site_.Open(testing::SmallLayoutToml());
    admin_ = site_.Token("admin");
  }
  Site site_;
  std::string admin_;
};

TEST_F(EpcisApiTest, TheOfficialExamplesAreCapturedAndQueriedBackEqual) {
  std::vector<json> originals;
  for (const char* name : kExamples) {
    site_.now_ += 1000;
    Answer captured = site_.Capture(admin_, Example(name));
    ASSERT_EQ(captured.status, 202u) << name << ": " << captured.body;
    EXPECT_EQ(captured.Header("gs1-epcis-version"), "2.0.0");
    EXPECT_EQ(captured.Header("gs1-cbv-version"), "2.0.0");
    const json job = captured.Json();
    EXPECT_EQ(job["state"], "succeeded") << captured.body;
    EXPECT_EQ(job["success"], true);
    EXPECT_EQ(captured.Header("location"), "/epcis/capture/" + job["captureID"].get<std::string>());
    Answer again = site_.Get(admin_, captured.Header("location"));
    ASSERT_EQ(again.status, 200u) << again.body;
    EXPECT_EQ(again.Json(), job);
    const json sent = json::parse(Example(name));
    for (const json& event : sent["epcisBody"]["eventList"]) {
      originals.push_back(event);
    }
  }

  Answer query = site_.Get(admin_, "/epcis/events");
  ASSERT_EQ(query.status, 200u) << query.body;
  EXPECT_EQ(query.Header("gs1-epcis-version"), "2.0.0");
  EXPECT_TRUE(query.Header("content-type").starts_with("application/ld+json"));
  EXPECT_EQ(query.Header("link"), "");
  const json document = query.Json();
  EXPECT_EQ(document["type"], "EPCISQueryDocument");
  const json events = EventList(document);
  ASSERT_EQ(events.size(), originals.size()) << query.body;
  for (size_t i = 0; i < originals.size(); ++i) {
    EXPECT_EQ(WithoutRecordTime(events[i]), originals[i]) << i;
    EXPECT_TRUE(events[i].contains("recordTime")) << i;
  }
  // The extensions' namespace is declared in the answer's @context.
  EXPECT_NE(document["@context"].dump().find("http://ns.example.com/epcis/"), std::string::npos)
      << document["@context"].dump();

  // Each event alone, by its percent-encoded eventID.
  for (const json& original : originals) {
    Answer one = site_.Get(admin_, "/epcis/events/" + UrlEncode(original["eventID"]));
    ASSERT_EQ(one.status, 200u) << one.body;
    ASSERT_EQ(EventList(one.Json()).size(), 1u);
    EXPECT_EQ(WithoutRecordTime(EventList(one.Json())[0]), original);
  }
  Answer unknown = site_.Get(admin_, "/epcis/events/" + UrlEncode("urn:uuid:none"));
  EXPECT_EQ(unknown.status, 404u);
  EXPECT_EQ(unknown.Code(), "unknown_event");
  EXPECT_EQ(site_.Get(admin_, "/epcis/capture/999").Code(), "unknown_capture_job");

  // Captured again: nothing changes, the job says they were duplicates.
  Answer again = site_.Capture(admin_, Example(kExamples[0]), {}, "application/json");
  ASSERT_EQ(again.status, 202u) << again.body;
  EXPECT_EQ(again.Json()["duplicateCount"], 2);
  EXPECT_EQ(again.Json()["capturedCount"], 0);
  EXPECT_EQ(EventList(site_.Get(admin_, "/epcis/events").Json()).size(), originals.size());
}

TEST_F(EpcisApiTest, AnInvalidEventRejectsTheDocumentUnlessTheClientSaysProceed) {
  json bad = Receipt(2);
  bad["action"] = "LOOK";
  const std::string document = EpcisDocument({Receipt(1), bad, Receipt(3)}).dump();

  Answer rolled_back = site_.Capture(admin_, document);
  ASSERT_EQ(rolled_back.status, 202u) << rolled_back.body;
  const json job = rolled_back.Json();
  EXPECT_EQ(job["state"], "failed");
  EXPECT_EQ(job["captureErrorBehaviour"], "rollback");
  ASSERT_EQ(job["errors"].size(), 1u) << rolled_back.body;
  EXPECT_EQ(job["errors"][0]["index"], 1);
  EXPECT_EQ(job["errors"][0]["eventID"], bad["eventID"]);
  EXPECT_EQ(job["errors"][0]["pointer"], "/epcisBody/eventList/1/action");
  EXPECT_EQ(job["errors"][0]["code"], "schema_violation");
  EXPECT_EQ(EventList(site_.Get(admin_, "/epcis/events").Json()).size(), 0u);

  Answer proceeded = site_.Capture(admin_, document, {{"GS1-Capture-Error-Behaviour", "proceed"}});
  ASSERT_EQ(proceeded.status, 202u) << proceeded.body;
  EXPECT_EQ(proceeded.Json()["state"], "partially_succeeded");
  EXPECT_EQ(proceeded.Json()["capturedCount"], 2);
  EXPECT_EQ(EventList(site_.Get(admin_, "/epcis/events").Json()).size(), 2u);
  // The behaviour may come as a query parameter too; anything else is refused.
  Answer by_parameter = site_.Capture(admin_, document, {}, "application/ld+json",
                                      "/epcis/capture?GS1-Capture-Error-Behaviour=proceed");
  EXPECT_EQ(by_parameter.Json()["captureErrorBehaviour"], "proceed") << by_parameter.body;
  Answer bad_behaviour =
      site_.Capture(admin_, document, {{"GS1-Capture-Error-Behaviour", "maybe"}});
  EXPECT_EQ(bad_behaviour.status, 400u);
  EXPECT_EQ(bad_behaviour.Code(), "bad_capture_behaviour");
}

TEST_F(EpcisApiTest, LimitsAndMediaTypesHaveTheirAnswers) {
  Answer text = site_.Capture(admin_, EpcisDocument({Receipt(1)}).dump(), {}, "text/plain");
  EXPECT_EQ(text.status, 415u);
  EXPECT_EQ(text.Code(), "unsupported_media_type");
  Answer not_json = site_.Capture(admin_, "{\"type\":");
  EXPECT_EQ(not_json.status, 400u);
  EXPECT_EQ(not_json.Code(), "bad_json");
  Answer not_a_document = site_.Capture(admin_, R"({"type":"ObjectEvent"})");
  EXPECT_EQ(not_a_document.status, 400u);
  EXPECT_EQ(not_a_document.Code(), "not_an_epcis_document");
  Answer deep = site_.Capture(admin_, std::string(1000, '[') + std::string(1000, ']'));
  EXPECT_EQ(deep.Code(), "too_deep");

  json many = EpcisDocument({});
  for (size_t i = 0; i <= server::kMaxCaptureEvents; ++i) {
    many["epcisBody"]["eventList"].push_back(json::object());
  }
  Answer too_many = site_.Capture(admin_, many.dump());
  EXPECT_EQ(too_many.status, 413u);
  EXPECT_EQ(too_many.Code(), "too_many_events");
  Answer too_large = site_.Capture(admin_, std::string(api::kMaxBodyBytes + 1, ' '));
  EXPECT_EQ(too_large.status, 413u);
  EXPECT_EQ(too_large.Code(), "body_too_large");

  Answer bad_page = site_.Get(admin_, "/epcis/events?perPage=5000");
  EXPECT_EQ(bad_page.status, 400u);
  EXPECT_EQ(bad_page.Code(), "bad_per_page");
  EXPECT_EQ(site_.Get(admin_, "/epcis/events?EQ_bizstep=x").Code(), "unknown_query_parameter");
  EXPECT_EQ(site_.Get(admin_, "/epcis/events?nextPageToken=garbage").Code(), "bad_page_token");
  EXPECT_EQ(site_.Get(admin_, "/epcis/events?GE_eventTime=yesterday").Code(), "bad_time");
  Answer wrong_method = Exchange(site_.port(), admin_, http::verb::get, "/epcis/capture");
  EXPECT_EQ(wrong_method.status, 405u);
  EXPECT_EQ(wrong_method.Header("allow"), "POST");
}

TEST_F(EpcisApiTest, CaptureIsForManagersQueriesForSupervisorsNeverForWorkersOrDevices) {
  const std::string document = EpcisDocument({Receipt(1)}).dump();
  const std::string worker = site_.Token("worker");
  const std::string supervisor = site_.Token("supervisor");
  const std::string manager = site_.Token("site_manager");
  const std::string device = site_.DeviceToken("HH-01");
  for (const std::string& token : {worker, device, supervisor}) {
    Answer refused = site_.Capture(token, document);
    EXPECT_EQ(refused.status, 403u) << refused.body;
    EXPECT_EQ(refused.Code(), "forbidden");
  }
  for (const std::string& token : {worker, device}) {
    EXPECT_EQ(site_.Get(token, "/epcis/events").status, 403u);
    EXPECT_EQ(site_.Get(token, "/epcis/events/x").status, 403u);
  }
  EXPECT_EQ(site_.Capture("", document).status, 401u);
  EXPECT_EQ(site_.Get("", "/epcis/events").status, 401u);

  Answer captured = site_.Capture(manager, document);
  ASSERT_EQ(captured.status, 202u) << captured.body;
  EXPECT_EQ(site_.Get(worker, captured.Header("location")).status, 403u);
  EXPECT_EQ(site_.Get(supervisor, captured.Header("location")).status, 403u);
  EXPECT_EQ(site_.Get(manager, captured.Header("location")).status, 200u);
  Answer read = site_.Get(supervisor, "/epcis/events");
  ASSERT_EQ(read.status, 200u);
  EXPECT_EQ(EventList(read.Json()).size(), 1u);
}

// A partner's shipping event to this site: GTIN 09506000134352, pallet SSCC 095060000000000015.
json ShipmentToSite(const std::string& desadv, const std::string& gtin) {
  epcis::IdOptions site;
  site.site_code = "FR-TST1";
  StatusOr<std::string> dock = epcis::LocationUri("DOCK-01", site);
  EXPECT_TRUE(dock.ok()) << dock.status().ToString();
  return {{"eventID", "urn:example:shipment:" + desadv},
          {"type", "ObjectEvent"},
          {"eventTime", epcis::FormatEpcisTime(kNow)},
          {"eventTimeZoneOffset", "+01:00"},
          {"action", "OBSERVE"},
          {"bizStep", "shipping"},
          {"epcList", {"https://id.gs1.org/00/095060000000000015"}},
          {"quantityList", {{{"epcClass", "https://id.gs1.org/01/" + gtin}, {"quantity", 24}}}},
          {"bizTransactionList", {{{"type", "desadv"}, {"bizTransaction", desadv}}}},
          {"sourceList", {{{"type", "owning_party"}, {"source", "urn:epc:id:pgln:9506000.00000"}}}},
          {"destinationList", {{{"type", "location"}, {"destination", dock.ok() ? *dock : ""}}}}};
}

TEST_F(EpcisApiTest, APartnersShipmentToThisSiteOpensAReceipt) {
  Answer captured =
      site_.Capture(admin_, EpcisDocument({ShipmentToSite("DA-1152", "09506000134352")}).dump());
  ASSERT_EQ(captured.status, 202u) << captured.body;
  const json job = captured.Json();
  EXPECT_EQ(job["state"], "succeeded");
  ASSERT_EQ(job["receipts"].size(), 1u) << captured.body;
  EXPECT_EQ(job["receipts"][0]["receipt"], "DA-1152");
  EXPECT_EQ(job["receipts"][0]["outcome"], "opened") << captured.body;

  // The receipt is the site's like any other: its line and its pallet.
  Answer receipt = site_.Get(admin_, "/api/v1/receipts/DA-1152");
  ASSERT_EQ(receipt.status, 200u) << receipt.body;
  EXPECT_NE(receipt.body.find("09506000134352"), std::string::npos) << receipt.body;
  EXPECT_NE(receipt.body.find("095060000000000015"), std::string::npos) << receipt.body;
  EXPECT_NE(receipt.body.find("24"), std::string::npos) << receipt.body;

  // The same document again: nothing new is captured, no receipt is opened twice.
  Answer again =
      site_.Capture(admin_, EpcisDocument({ShipmentToSite("DA-1152", "09506000134352")}).dump());
  ASSERT_EQ(again.status, 202u);
  EXPECT_FALSE(again.Json().contains("receipts")) << again.body;

  // A product this site does not know: the event is captured, the receipt is refused.
  Answer unknown =
      site_.Capture(admin_, EpcisDocument({ShipmentToSite("DA-9", "04012345000009")}).dump());
  ASSERT_EQ(unknown.status, 202u) << unknown.body;
  EXPECT_EQ(unknown.Json()["capturedCount"], 1);
  EXPECT_EQ(unknown.Json()["receipts"][0]["error"]["code"], "unknown_product") << unknown.body;
  EXPECT_EQ(site_.Get(admin_, "/api/v1/receipts/DA-9").status, 404u);
}

// A partner's receiving event naming `parcels` (EPC URIs), taken at `at_ms` by the owner
// 4012345.00000.
json ReceivingOf(const std::string& id, std::vector<std::string> parcels, int64_t at_ms) {
  return {{"eventID", id},
          {"type", "ObjectEvent"},
          {"eventTime", epcis::FormatEpcisTime(at_ms)},
          {"eventTimeZoneOffset", "+01:00"},
          {"action", "OBSERVE"},
          {"bizStep", "receiving"},
          {"epcList", std::move(parcels)},
          {"destinationList",
           {{{"type", "owning_party"}, {"destination", "urn:epc:id:pgln:4012345.00000"}}}}};
}

TEST_F(EpcisApiTest, ACustomersReceivingEventMakesTheOrderOfItsParcelDelivered) {
  // Given: order O-1 for one kettle, picked, packed into parcel ...0015 and shipped.
  const std::string supervisor = site_.Token("supervisor");
  int n = 0;
  auto scans = [&n](const std::vector<std::pair<std::string, std::string>>& steps) {
    std::string ndjson;
    for (const auto& [mode, code] : steps) {
      ++n;
      ndjson += json{{"id", "HH-01-d" + std::to_string(n)},
                     {"device", "HH-01"},
                     {"mode", mode},
                     {"code", code},
                     {"at", kNow + n * 5000}}
                    .dump() +
                "\n";
    }
    return ndjson;
  };
  const std::string dock = domain::FormatLabel(domain::LabelKind::kLocation, "DOCK-01");
  const std::string bin = domain::FormatLabel(domain::LabelKind::kLocation, "A-01-001-1-1");
  const std::string door = domain::FormatLabel(domain::LabelKind::kLocation, "DOOR-01");
  const std::string tote = domain::FormatLabel(domain::LabelKind::kContainer, "T0001");
  const std::string kettle = "(01)09506000134352";
  const std::string parcel = "(00)095060000000000015";
  site_.PostScans("HH-01",
                  scans({{"receive", dock},
                         {"receive", kettle},
                         {"stow", dock},
                         {"stow", kettle},
                         {"stow", bin}}),
                  5);
  const json order = {{"id", "O-1"},
                      {"carrier", "DPD"},
                      {"cutoff", epcis::FormatEpcisTime(kNow + 3'600'000)},
                      {"lines", {{{"gtin", "09506000134352"}, {"quantity", 1}}}}};
  auto post = [this](const std::string& token, const std::string& target, const json& body) {
    return Exchange(site_.port(), token, http::verb::post, target, body.dump(), "application/json");
  };
  ASSERT_EQ(post(supervisor, "/api/v1/orders", order).status, 201u);
  ASSERT_EQ(post(supervisor, "/api/v1/release", json::object()).status, 200u);
  Answer next = post(site_.DeviceToken("HH-01"), "/api/v1/tasks/next", {{"device", "HH-01"}});
  ASSERT_EQ(next.status, 200u) << next.body;
  site_.PostScans("HH-01",
                  scans({{"pick", tote},
                         {"pick", bin},
                         {"pick", kettle},
                         {"pack", tote},
                         {"pack", kettle},
                         {"pack", parcel},
                         {"ship", door},
                         {"ship", parcel}}),
                  8);
  ASSERT_EQ(site_.Get(supervisor, "/api/v1/orders/O-1").Json()["status"], "shipped");

  // The customer confirms it, and a parcel this site never shipped.
  const int64_t received_at = kNow + 86'400'000;
  const json document = EpcisDocument({ReceivingOf(
      "urn:uuid:5d0c1e2a-0000-4000-8000-000000000001",
      {"https://id.gs1.org/00/095060000000000015", "urn:epc:id:sscc:9506000.0000000002"},
      received_at)});
  Answer captured = site_.Capture(admin_, document.dump());
  ASSERT_EQ(captured.status, 202u) << captured.body;
  json delivery = captured.Json()["deliveries"];
  ASSERT_EQ(delivery.size(), 1u) << captured.body;
  EXPECT_TRUE(delivery[0]["seq"].is_number()) << captured.body;
  delivery[0].erase("seq");
  EXPECT_EQ(delivery[0],
            json({{"eventID", "urn:uuid:5d0c1e2a-0000-4000-8000-000000000001"},
                  {"partner", "4012345.00000"},
                  {"delivered", {"sscc:095060000000000015"}},
                  {"problems",
                   {{{"parcel", "sscc:095060000000000022"}, {"reason", "unknown_parcel"}}}}}));

  const json read = site_.Get(supervisor, "/api/v1/orders/O-1").Json();
  EXPECT_EQ(read["status"], "delivered") << read.dump();
  EXPECT_EQ(read["parcels"][0]["delivered_by"], "4012345.00000");
  ASSERT_TRUE(read["parcels"][0]["delivered"].is_string()) << read.dump();
  EXPECT_EQ(*epcis::ParseEpcisTime(read["parcels"][0]["delivered"].get<std::string>()),
            received_at);
  const json delivered = site_.Get(supervisor, "/api/v1/orders?status=delivered").Json();
  ASSERT_EQ(delivered["orders"].size(), 1u) << delivered.dump();
  EXPECT_EQ(delivered["orders"][0]["id"], "O-1");
  EXPECT_TRUE(site_.Get(supervisor, "/api/v1/orders?status=shipped").Json()["orders"].empty());

  // The same document again captures nothing new: no deliveries. Another event for the same
  // parcel records nothing more.
  EXPECT_FALSE(site_.Capture(admin_, document.dump()).Json().contains("deliveries"));
  Answer twice = site_.Capture(
      admin_, EpcisDocument({ReceivingOf("urn:uuid:5d0c1e2a-0000-4000-8000-000000000002",
                                         {"urn:epc:id:sscc:9506000.0000000001"}, received_at)})
                  .dump());
  ASSERT_EQ(twice.status, 202u) << twice.body;
  const json again = twice.Json()["deliveries"][0];
  EXPECT_EQ(again["delivered"], json::array()) << twice.body;
  EXPECT_EQ(again["problems"][0]["reason"], "already_delivered") << twice.body;
  EXPECT_TRUE(again["seq"].is_null()) << twice.body;
}

TEST_F(EpcisApiTest, PagesFollowTheLinkHeaderAndFiltersSelect) {
  std::vector<json> receipts;
  for (int n = 1; n <= 70; ++n) {
    receipts.push_back(Receipt(n, n <= 10 ? "shipping" : "receiving"));
  }
  ASSERT_EQ(site_.Capture(admin_, EpcisDocument(receipts).dump()).Json()["capturedCount"], 70);

  std::vector<std::string> ids;
  std::string target = "/epcis/events?EQ_bizStep=receiving&perPage=25";
  std::vector<size_t> sizes;
  while (!target.empty()) {
    Answer page = site_.Get(admin_, target);
    ASSERT_EQ(page.status, 200u) << target << ": " << page.body;
    sizes.push_back(EventList(page.Json()).size());
    for (const json& event : EventList(page.Json())) {
      ids.push_back(event["eventID"]);
      EXPECT_EQ(event["bizStep"], "receiving");
    }
    target = NextTarget(page);
    if (!target.empty()) {
      EXPECT_NE(target.find("EQ_bizStep=receiving"), std::string::npos) << target;
    }
  }
  EXPECT_EQ(sizes, (std::vector<size_t>{25, 25, 10}));
  ASSERT_EQ(ids.size(), 60u);
  EXPECT_EQ(ids.front(), receipts[10]["eventID"]);
  EXPECT_EQ(ids.back(), receipts[69]["eventID"]);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 60u);

  // Business steps in their URI form; EPCs as a URN or a GS1 Digital Link, '|' for several.
  EXPECT_EQ(site_
                .AllEvents(admin_, "EQ_bizStep=" +
                                       UrlEncode("https://ref.gs1.org/cbv/BizStep-shipping") + "&")
                .size(),
            10u);
  const std::string urn = "urn:epc:id:sgtin:0614141.107346.S7";
  const std::string link = "https://id.gs1.org/01/10614141073464/21/S7";
  for (const std::string& epc : {urn, link}) {
    std::vector<json> found = site_.AllEvents(admin_, "MATCH_epc=" + UrlEncode(epc) + "&");
    ASSERT_EQ(found.size(), 1u) << epc;
    EXPECT_EQ(found[0]["eventID"], receipts[6]["eventID"]);
  }
  EXPECT_EQ(site_
                .AllEvents(admin_, "MATCH_anyEPC=" + UrlEncode(urn + "|" + link) +
                                       "|urn:epc:id:sgtin:0614141.107346.S8&")
                .size(),
            2u);
  EXPECT_EQ(
      site_
          .AllEvents(admin_, "MATCH_epc=" + UrlEncode("urn:epc:idpat:sgtin:0614141.107346.*") + "&")
          .size(),
      70u);
  // A token belongs to its query.
  Answer first = site_.Get(admin_, "/epcis/events?perPage=5");
  const std::string next = NextTarget(first);
  ASSERT_FALSE(next.empty());
  const std::string token = next.substr(next.find("nextPageToken="));
  Answer mixed = site_.Get(admin_, "/epcis/events?EQ_bizStep=shipping&" + token);
  EXPECT_EQ(mixed.status, 400u);
  EXPECT_EQ(mixed.Code(), "bad_page_token");
}

TEST_F(EpcisApiTest, TheSitesScansAppearAsEventsWithoutDeviceOrWorker) {
  auto scan = [](int n, const std::string& mode, const std::string& code) {
    return json{{"id", "HH-01-k" + std::to_string(n)},
                {"device", "HH-01"},
                {"mode", mode},
                {"code", code},
                {"at", kNow + n * 1000}}
        .dump();
  };
  const std::string tote = domain::FormatLabel(domain::LabelKind::kContainer, "T0001");
  const std::string bin = domain::FormatLabel(domain::LabelKind::kLocation, "A-01-001-1-1");
  const std::string unit = "(01)09506000134352(21)SER-1";
  std::vector<std::string> lines = {
      scan(1, "receive", domain::FormatLabel(domain::LabelKind::kLocation, "DOCK-01")),
      scan(2, "receive", tote),
      scan(3, "receive", unit),
      scan(4, "stow", tote),
      scan(5, "stow", unit),
      scan(6, "stow", bin)};
  std::string ndjson;
  for (const std::string& line : lines) {
    ndjson += line + "\n";
  }
  site_.PostScans("HH-01", ndjson, lines.size());
  site_.WaitFollowed();

  Answer page = site_.Get(admin_, "/epcis/events?perPage=1000");
  ASSERT_EQ(page.status, 200u) << page.body;
  std::set<std::string> steps;
  for (const json& event : EventList(page.Json())) {
    steps.insert(event.value("bizStep", ""));
  }
  EXPECT_TRUE(steps.contains("receiving")) << page.body;
  EXPECT_TRUE(steps.contains("storing")) << page.body;
  // RET-01: neither the device nor the idempotency keys (built from its name) appear.
  EXPECT_EQ(page.body.find("HH-01"), std::string::npos) << page.body;
  for (const char* serial :
       {"urn:epc:id:sgtin:9506000.013435.SER-1", "https://id.gs1.org/01/09506000134352/21/SER-1"}) {
    std::vector<json> found =
        site_.AllEvents(admin_, "MATCH_epc=" + UrlEncode(serial) + "&EQ_bizStep=storing&");
    EXPECT_EQ(found.size(), 1u) << serial;
  }
}

TEST(EpcisApiUnavailableTest, WithoutARepositoryTheRoutesAnswer503) {
  Site site;
  site.Open(testing::SmallLayoutToml(), /*with_epcis=*/false);
  const std::string admin = site.Token("admin");
  Answer query = site.Get(admin, "/epcis/events");
  EXPECT_EQ(query.status, 503u);
  EXPECT_EQ(query.Code(), "epcis_unavailable");
  EXPECT_EQ(query.Header("gs1-epcis-version"), "2.0.0");
  EXPECT_EQ(site.Capture(admin, EpcisDocument({Receipt(1)}).dump()).status, 503u);
}

// The example shift of FR-LYS1: scanned in site A, exported from A's GET /epcis/events,
// captured into a fresh site B, queried back from B.
TEST(EpcisRoundTripTest, AShiftCapturedIntoAnotherSiteGivesTheSameEvents) {
  const std::string source = ENTREPOT_SOURCE_DIR;
  Site a;
  a.Open(ReadText(source + "/examples/fc-lyon/layout.toml"));
  {
    // The scans, posted in order, each run of one device's scans as one batch.
    std::ifstream scans(source + "/examples/fc-lyon/scans.ndjson");
    ASSERT_TRUE(scans);
    std::string line;
    std::string device;
    std::string batch;
    size_t lines = 0;
    auto flush = [&] {
      if (lines > 0) {
        a.PostScans(device, batch, lines);
      }
      batch.clear();
      lines = 0;
    };
    while (std::getline(scans, line)) {
      if (line.empty()) {
        continue;
      }
      const std::string owner = json::parse(line)["device"];
      if (owner != device) {
        flush();
        device = owner;
      }
      batch += line + "\n";
      ++lines;
    }
    flush();
  }
  a.WaitFollowed();
  const std::vector<json> exported = a.AllEvents(a.Token("supervisor"));
  ASSERT_GT(exported.size(), 1000u);
  std::map<std::string, size_t> steps;
  for (const json& event : exported) {
    ++steps[event.value("bizStep", "")];
  }
  for (const char* step : {"receiving", "storing", "picking", "packing", "shipping"}) {
    EXPECT_GT(steps[step], 0u) << step;
  }

  Site b;
  b.Open(testing::SmallLayoutToml());
  const std::string admin_b = b.Token("admin");
  b.WaitFollowed();
  ASSERT_TRUE(b.AllEvents(admin_b).empty());
  // Documents of 1,000 events, as a partner would send them, recordTime and all.
  for (size_t start = 0; start < exported.size(); start += 1000) {
    std::vector<json> chunk(
        exported.begin() + static_cast<std::ptrdiff_t>(start),
        exported.begin() + static_cast<std::ptrdiff_t>(std::min(start + 1000, exported.size())));
    Answer captured = b.Capture(admin_b, EpcisDocument(chunk).dump());
    ASSERT_EQ(captured.status, 202u) << captured.body.substr(0, 2000);
    ASSERT_EQ(captured.Json()["state"], "succeeded") << captured.body.substr(0, 2000);
    EXPECT_EQ(captured.Json()["capturedCount"], chunk.size());
  }
  const std::vector<json> imported = b.AllEvents(admin_b);
  ASSERT_EQ(imported.size(), exported.size());
  for (size_t i = 0; i < exported.size(); ++i) {
    // Everything but recordTime, which is when each repository received the event: eventID,
    // EPCs, quantities, business step, places, times.
    ASSERT_EQ(WithoutRecordTime(imported[i]), WithoutRecordTime(exported[i])) << i;
  }
  // And B answers the same questions as A.
  for (const std::string& query :
       {std::string("EQ_bizStep=shipping&"), std::string("eventType=AggregationEvent&"),
        std::string("EQ_bizStep=") + UrlEncode("https://ref.gs1.org/cbv/BizStep-picking") + "&"}) {
    EXPECT_EQ(b.AllEvents(admin_b, query).size(), a.AllEvents(a.Token("admin"), query).size())
        << query;
  }
}

}  // namespace
}  // namespace entrepot
