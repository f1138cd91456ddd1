// The event feed's JSON and the /api/v1/events route without a network: pages, their limits
// and errors, and Server-Sent Events pieces driven by hand as the HTTP server drives them.
#include "entrepot/api/event_routes.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "entrepot/api/event_json.h"
#include "entrepot/core/codec.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace entrepot::api {
namespace {

using nlohmann::json;

constexpr char kDevice[] = "HH-07";
constexpr char kKey[] = "HH-07-000123";
constexpr char kBadge[] = "BADGE-4711";
constexpr int64_t kAt = 1'795'853'702'120;  // 2026-11-28T08:15:02.120Z

// A stow scan whose entry holds everything the feed must leave out: the device, the key, a
// badge-like code in the scanned code and the reply, and the device's state.
core::Entry ScanEntry(uint64_t seq) {
  core::Entry entry;
  entry.kind = core::Entry::Kind::kScan;
  entry.seq = seq;
  entry.key = kKey;
  entry.device = kDevice;
  entry.mode = core::Mode::kStow;
  entry.code = kBadge;
  entry.at_ms = kAt;
  entry.reply = {core::Outcome::kReverify, std::string("scanned ") + kBadge, "next"};
  domain::ItemKey item{"09506000134352", "L1", "2027-01-31", ""};
  entry.events.push_back(core::UnitsMoved{item, 2, domain::Holder::InContainer("label:T0001"),
                                          domain::Holder::AtLocation("A-01")});
  core::DeviceState state;
  state.mode = core::Mode::kStow;
  entry.events.push_back(core::DeviceStateChanged{kDevice, state});
  entry.events.push_back(core::LocationFlagged{"A-01", "stow_too_fast"});
  return entry;
}

core::Entry MasterDataEntry(uint64_t seq) {
  core::Entry entry;
  entry.kind = core::Entry::Kind::kMasterData;
  entry.seq = seq;
  entry.at_ms = kAt;
  entry.events.push_back(core::ZoneDefined{domain::Zone{"A", "Zone A"}});
  domain::Location location;
  location.code = "A-01";
  location.zone = "A";
  location.aisle = 1;
  location.capacity_units = 40;
  entry.events.push_back(core::LocationDefined{location});
  return entry;
}

store::JournalRecord Record(uint64_t seq) {
  core::Entry entry = seq % 2 == 0 ? MasterDataEntry(seq) : ScanEntry(seq);
  return store::JournalRecord{seq, kKey + std::to_string(seq), core::EncodeEntry(entry)};
}

// An in-memory journal: what the feed reads pages from when its window lacks them.
class MemoryJournal : public store::Journal {
 public:
  explicit MemoryJournal(std::vector<store::JournalRecord>* records, bool fail = false)
      : records_(records), fail_(fail) {}
  Status Append(std::span<const store::JournalRecord> batch) override {
    records_->insert(records_->end(), batch.begin(), batch.end());
    return OkStatus();
  }
  uint64_t LastSeq() const override { return records_->empty() ? 0 : records_->back().seq; }
  Status Scan(uint64_t after,
              const std::function<Status(const store::JournalRecord&)>& visit) const override {
    if (fail_) {
      return Error(StatusCode::kUnavailable, "journal_unavailable", "disk gone");
    }
    for (const store::JournalRecord& record : *records_) {
      if (record.seq > after) {
        Status visited = visit(record);
        if (!visited.ok()) {
          return visited;
        }
      }
    }
    return OkStatus();
  }
  Status WriteSnapshot(const store::Snapshot&) override { return OkStatus(); }
  StatusOr<std::optional<store::Snapshot>> LatestSnapshot() const override {
    return std::optional<store::Snapshot>();
  }
  Status CheckIntegrity() const override { return OkStatus(); }

 private:
  std::vector<store::JournalRecord>* records_;
  bool fail_;
};

class EventRoutesTest : public ::testing::Test {
 protected:
  // A feed over `count` committed records, with a window of `window` records.
  void Start(uint64_t count, size_t window = 1000, EventRoutesOptions options = {}) {
    for (uint64_t seq = 1; seq <= count; ++seq) {
      journal_.push_back(Record(seq));
    }
    feed_ = std::make_unique<server::EventFeed>(std::make_unique<MemoryJournal>(&journal_), 0,
                                                server::EventFeedOptions{.window_records = window});
    feed_->Publish(journal_);
    routes_ = std::make_unique<EventRoutes>(*feed_, options);
  }
  void Commit(uint64_t seq) {
    journal_.push_back(Record(seq));
    feed_->Publish(std::span(journal_).last(1));
  }
  HttpResponse Get(const std::string& target, const std::string& accept = "",
                   const std::string& last_event_id = "") {
    HttpRequest request{"GET", target, "", "", "", accept, last_event_id};
    return routes_->Handle(request);
  }
  static std::string ErrorCode(const HttpResponse& response) {
    return json::parse(response.body)["error"]["code"];
  }

  std::vector<store::JournalRecord> journal_;
  std::unique_ptr<server::EventFeed> feed_;
  std::unique_ptr<EventRoutes> routes_;
};

// What a stream delivers to one Next call, when it delivers at once.
struct Piece {
  bool delivered = false;
  std::string text;
  bool end = false;
};
Piece NextPiece(BodyStream& stream, std::shared_ptr<Piece> later = nullptr) {
  auto piece = later != nullptr ? later : std::make_shared<Piece>();
  stream.Next([piece](std::string text, bool end) {
    piece->delivered = true;
    piece->text = std::move(text);
    piece->end = end;
  });
  return *piece;
}

TEST(EventJsonTest, ScanEntriesShowWhatHappenedWithoutTheDevice) {
  json event = EntryEventJson(42, ScanEntry(42));
  EXPECT_EQ(event["seq"], 42);
  EXPECT_EQ(event["at"], "2026-11-28T08:15:02.120Z");
  EXPECT_EQ(event["at_ms"], kAt);
  EXPECT_EQ(event["kind"], "scan");
  EXPECT_EQ(event["mode"], "stow");
  EXPECT_EQ(event["outcome"], "reverify");
  ASSERT_EQ(event["events"].size(), 2u);  // DeviceStateChanged is left out.
  json moved = event["events"][0];
  EXPECT_EQ(moved["type"], "moved");
  EXPECT_EQ(moved["quantity"], 2);
  EXPECT_EQ(moved["item"],
            json({{"gtin", "09506000134352"}, {"lot", "L1"}, {"expiry", "2027-01-31"}}));
  EXPECT_EQ(moved["from"], json({{"kind", "container"}, {"id", "label:T0001"}}));
  EXPECT_EQ(moved["to"], json({{"kind", "location"}, {"id", "A-01"}}));
  EXPECT_EQ(
      event["events"][1],
      json({{"type", "location_flagged"}, {"location", "A-01"}, {"reason", "stow_too_fast"}}));
  // RET-01: no device, no key, no scanned code or reply text anywhere.
  std::string text = event.dump();
  for (const char* hidden : {kDevice, kKey, kBadge, "device", "\"id\":\"HH", "message", "prompt"}) {
    EXPECT_EQ(text.find(hidden), std::string::npos) << hidden << " in " << text;
  }
}

TEST(EventJsonTest, MasterDataEntriesHaveNoModeOrOutcome) {
  json event = EntryEventJson(2, MasterDataEntry(2));
  EXPECT_EQ(event["kind"], "master_data");
  EXPECT_FALSE(event.contains("mode"));
  EXPECT_FALSE(event.contains("outcome"));
  ASSERT_EQ(event["events"].size(), 2u);
  EXPECT_EQ(event["events"][0],
            json({{"type", "zone_defined"}, {"code", "A"}, {"name", "Zone A"}}));
  EXPECT_EQ(event["events"][1]["type"], "location_defined");
  EXPECT_EQ(event["events"][1]["location_type"], "stow_bin");
  EXPECT_EQ(event["events"][1]["capacity_units"], 40);
}

TEST(EventJsonTest, OrderEntriesShowTheOrderEventsWithoutTheDevice) {
  core::Entry entry;
  entry.kind = core::Entry::Kind::kOrder;
  entry.seq = 7;
  entry.at_ms = kAt;
  domain::ItemKey item{"09506000134352", "L1", "", ""};
  entry.events = {core::OrderPlaced{"O1", "DPD", kAt, 5, {{"09506000134352", 2, 1}}, false},
                  core::OrderPlaced{"O1", "DPD", kAt, 5, {{"09506000134352", 1, 1}}, true},
                  core::OrderReleased{"O1", "B7", {1}, {core::PickTask{3, "O1", "A-01", item, 1}}},
                  core::BatchAssigned{"B7", kDevice},
                  core::ToteAssigned{"label:T1", "O1"},
                  core::TaskProgressed{3, 1, 0},
                  core::OrderPacked{"O1", "sscc:095060000000000015", "09506000134352", 1},
                  core::OrderCancelled{"O2"},
                  core::CarrierDefined{"DPD", {"DOOR-01"}}};
  json event = EntryEventJson(7, entry);
  EXPECT_EQ(event["kind"], "order");
  EXPECT_FALSE(event.contains("mode"));
  std::vector<std::string> types;
  for (const json& e : event["events"]) {
    types.push_back(e["type"]);
  }
  EXPECT_EQ(types,
            (std::vector<std::string>{"order_placed", "order_amended", "order_released",
                                      "batch_assigned", "tote_assigned", "task_progressed",
                                      "order_packed", "order_cancelled", "carrier_defined"}));
  EXPECT_EQ(event["events"][0]["cutoff"], "2026-11-28T08:15:02.120Z");
  EXPECT_EQ(event["events"][0]["lines"][0]["reserved"], 1);
  EXPECT_EQ(event["events"][2]["tasks"][0]["location"], "A-01");
  EXPECT_EQ(event["events"][3], json({{"type", "batch_assigned"}, {"batch", "B7"}}));
  // RET-01: the device given the batch is not shown.
  EXPECT_EQ(event.dump().find(kDevice), std::string::npos) << event.dump();
}

TEST(EventJsonTest, EveryOperationalEventTypeIsNamed) {
  core::Entry entry;
  domain::ItemKey item{"09506000134352", "", "", "S1"};
  auto bin = domain::Holder::AtLocation("A-01");
  entry.events = {core::UnitsReceived{item, 1, bin},
                  core::ContainerMoved{"label:T0001", bin},
                  core::ContainerShipped{"sscc:095060000000000015", "DOOR-01"},
                  core::StockAdjusted{item, bin, -1, "cycle_count"},
                  core::LocationCounted{"A-01"},
                  core::SiteDefined{"FR-TST1", "Test"},
                  core::ProductDefined{domain::Product{"09506000134352", "Kettle", "A"}},
                  core::ContainerRegistered{"label:T0001", domain::ContainerType::kTote}};
  json events = EntryEventJson(1, entry)["events"];
  std::vector<std::string> types;
  for (const json& event : events) {
    types.push_back(event["type"]);
  }
  EXPECT_EQ(types, (std::vector<std::string>{"received", "container_moved", "shipped", "adjusted",
                                             "location_counted", "site_defined", "product_defined",
                                             "container_registered"}));
  EXPECT_EQ(events[0]["item"], json({{"gtin", "09506000134352"}, {"serial", "S1"}}));
  EXPECT_EQ(events[3]["delta"], -1);
  EXPECT_EQ(events[7]["container_type"], "tote");
}

TEST(EventJsonTest, UndecodablePayloadsAndOddTimesDoNotCrash) {
  StatusOr<json> bad = EntryEventJson(1, std::string_view("\x01garbage"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kDataLoss);
  core::Entry far = MasterDataEntry(1);
  far.at_ms = INT64_MAX;
  EXPECT_TRUE(EntryEventJson(1, far)["at"].is_null());
}

TEST_F(EventRoutesTest, PagesReadToTheEnd) {
  Start(250, 100);  // The first 150 come from the journal.
  std::vector<uint64_t> seqs;
  uint64_t after = 0;
  int pages = 0;
  while (true) {
    HttpResponse response = Get("/api/v1/events?after=" + std::to_string(after));
    ASSERT_EQ(response.status, 200u) << response.body;
    EXPECT_EQ(response.content_type, "application/json");
    EXPECT_EQ(response.stream, nullptr);
    json page = json::parse(response.body);
    EXPECT_EQ(page["last_seq"], 250);
    if (page["events"].empty()) {
      EXPECT_EQ(page["next_after"], after);
      break;
    }
    EXPECT_LE(page["events"].size(), kDefaultEventPageLimit);
    for (const json& event : page["events"]) {
      seqs.push_back(event["seq"]);
    }
    after = page["next_after"];
    EXPECT_EQ(after, seqs.back());
    ++pages;
  }
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(seqs.size(), 250u);
  for (size_t i = 0; i < seqs.size(); ++i) {
    EXPECT_EQ(seqs[i], i + 1);
  }
  json small = json::parse(Get("/api/v1/events?limit=7&after=3").body);
  EXPECT_EQ(small["events"].size(), 7u);
  EXPECT_EQ(small["events"][0]["seq"], 4);
  EXPECT_EQ(small["next_after"], 10);
  EXPECT_EQ(json::parse(Get("/api/v1/events?limit=1000").body)["events"].size(), 250u);
}

TEST_F(EventRoutesTest, BadParametersAre400WithTheirReason) {
  Start(5);
  struct Case {
    const char* target;
    const char* reason;
  };
  for (const Case& c :
       {Case{"/api/v1/events?after=abc", "bad_after"}, Case{"/api/v1/events?after=-1", "bad_after"},
        Case{"/api/v1/events?after=1.5", "bad_after"}, Case{"/api/v1/events?after=", "bad_after"},
        Case{"/api/v1/events?after=99999999999999999999999", "bad_after"},
        Case{"/api/v1/events?after=6", "bad_after"},  // Beyond the last seq.
        Case{"/api/v1/events?limit=0", "bad_limit"}, Case{"/api/v1/events?limit=1001", "bad_limit"},
        Case{"/api/v1/events?limit=ten", "bad_limit"},
        Case{"/api/v1/events?after=%zz", "bad_query"}}) {
    HttpResponse response = Get(c.target);
    EXPECT_EQ(response.status, 400u) << c.target;
    EXPECT_EQ(ErrorCode(response), c.reason) << c.target;
  }
  EXPECT_EQ(Get("/api/v1/events?after=5").status, 200u);  // The end itself is fine.
  EXPECT_EQ(Get("/api/v1/events?limit=1000").status, 200u);
}

TEST_F(EventRoutesTest, JournalErrorsAnswerTheirStatus) {
  feed_ = std::make_unique<server::EventFeed>(std::make_unique<MemoryJournal>(&journal_, true), 9);
  routes_ = std::make_unique<EventRoutes>(*feed_);
  HttpResponse response = Get("/api/v1/events?after=0");
  EXPECT_EQ(response.status, 503u);
  EXPECT_EQ(ErrorCode(response), "journal_unavailable");
}

TEST_F(EventRoutesTest, AStreamSendsEntriesThenWaitsForTheNextCommit) {
  Start(3);
  HttpResponse response = Get("/api/v1/events?after=1", "text/event-stream");
  ASSERT_EQ(response.status, 200u) << response.body;
  EXPECT_EQ(response.content_type, "text/event-stream");
  EXPECT_EQ(response.cache_control, "no-cache");
  EXPECT_EQ(response.body, "retry: 3000\n: events after 1\n\n");
  EXPECT_EQ(response.heartbeat_every, kEventHeartbeat);
  EXPECT_EQ(response.heartbeat.front(), ':');  // A comment: clients ignore it.
  ASSERT_NE(response.stream, nullptr);
  EXPECT_EQ(routes_->open_streams(), 1u);

  Piece first = NextPiece(*response.stream);
  ASSERT_TRUE(first.delivered);
  EXPECT_FALSE(first.end);
  std::string expected =
      "id: 2\nevent: entry\ndata: " + EntryEventJson(2, MasterDataEntry(2)).dump() +
      "\n\nid: 3\nevent: entry\ndata: " + EntryEventJson(3, ScanEntry(3)).dump() + "\n\n";
  EXPECT_EQ(first.text, expected);
  EXPECT_EQ(first.text.find(kDevice), std::string::npos);

  // Up to date: nothing is delivered until the next commit wakes the stream up.
  auto waiting = std::make_shared<Piece>();
  NextPiece(*response.stream, waiting);
  EXPECT_FALSE(waiting->delivered);
  EXPECT_EQ(feed_->stats().waiters, 1u);
  Commit(4);
  ASSERT_TRUE(waiting->delivered);
  EXPECT_TRUE(waiting->text.empty());  // "Ask again", from the committing thread.
  EXPECT_FALSE(waiting->end);
  Piece fourth = NextPiece(*response.stream);
  EXPECT_EQ(fourth.text.substr(0, 22), "id: 4\nevent: entry\ndat");

  // Cancelled while waiting: the wake-up is withdrawn; the slot is freed with the stream.
  auto abandoned = std::make_shared<Piece>();
  NextPiece(*response.stream, abandoned);
  response.stream->Cancel();
  EXPECT_EQ(feed_->stats().waiters, 0u);
  Commit(5);
  EXPECT_FALSE(abandoned->delivered);
  response.stream.reset();
  EXPECT_EQ(routes_->open_streams(), 0u);
}

TEST_F(EventRoutesTest, StreamsStartAtLastEventIdElseAfterElseNow) {
  Start(6);
  auto first_id = [&](const std::string& target, const std::string& last_event_id) {
    HttpResponse response = Get(target, "text/event-stream", last_event_id);
    EXPECT_NE(response.stream, nullptr) << response.body;
    if (response.stream == nullptr) {
      return std::string();
    }
    Piece piece = NextPiece(*response.stream);
    return piece.delivered ? piece.text.substr(0, piece.text.find('\n')) : std::string("waiting");
  };
  EXPECT_EQ(first_id("/api/v1/events?after=1", "4"), "id: 5");  // The header wins.
  EXPECT_EQ(first_id("/api/v1/events?after=2", ""), "id: 3");
  EXPECT_EQ(first_id("/api/v1/events", ""), "waiting");  // Only new entries.
  EXPECT_EQ(first_id("/api/v1/events", "0"), "id: 1");
  EXPECT_EQ(routes_->open_streams(), 0u);  // Each stream died with its response.

  HttpResponse bad = Get("/api/v1/events", "text/event-stream", "five");
  EXPECT_EQ(bad.status, 400u);
  EXPECT_EQ(ErrorCode(bad), "bad_last_event_id");
  HttpResponse beyond = Get("/api/v1/events", "text/event-stream", "7");
  EXPECT_EQ(ErrorCode(beyond), "bad_after");
  EXPECT_EQ(ErrorCode(Get("/api/v1/events?after=x", "text/event-stream")), "bad_after");
  // Accept lists may name it among others.
  EXPECT_NE(Get("/api/v1/events", "application/json, text/event-stream;q=0.9").stream, nullptr);
}

TEST_F(EventRoutesTest, StreamsAreLimitedAndFreeTheirSlot) {
  Start(1, 1000, EventRoutesOptions{.max_streams = 2});
  HttpResponse one = Get("/api/v1/events", "text/event-stream");
  HttpResponse two = Get("/api/v1/events", "text/event-stream");
  ASSERT_NE(one.stream, nullptr);
  ASSERT_NE(two.stream, nullptr);
  HttpResponse three = Get("/api/v1/events", "text/event-stream");
  EXPECT_EQ(three.status, 503u);
  EXPECT_EQ(ErrorCode(three), "too_many_streams");
  EXPECT_EQ(Get("/api/v1/events").status, 200u);  // Pages are not limited by streams.
  one.stream.reset();
  EXPECT_NE(Get("/api/v1/events", "text/event-stream").stream, nullptr);
}

TEST_F(EventRoutesTest, AStreamEndsWhenTheFeedClosesOrReadingFails) {
  Start(2);
  HttpResponse response = Get("/api/v1/events", "text/event-stream");
  ASSERT_NE(response.stream, nullptr);
  auto waiting = std::make_shared<Piece>();
  NextPiece(*response.stream, waiting);
  feed_->Close();
  ASSERT_TRUE(waiting->delivered);
  Piece last = NextPiece(*response.stream);
  EXPECT_TRUE(last.delivered);
  EXPECT_TRUE(last.end);

  std::vector<store::JournalRecord> none;
  server::EventFeed broken(std::make_unique<MemoryJournal>(&none, true), 9);
  EventRoutes routes(broken);
  HttpResponse failing = routes.Handle(
      HttpRequest{"GET", "/api/v1/events?after=0", "", "", "", "text/event-stream", ""});
  ASSERT_NE(failing.stream, nullptr);
  Piece error = NextPiece(*failing.stream);
  EXPECT_TRUE(error.end);
  EXPECT_EQ(error.text.substr(0, 26), "event: error\ndata: {\"error");
  EXPECT_NE(error.text.find("journal_unavailable"), std::string::npos);
}

}  // namespace
}  // namespace entrepot::api
