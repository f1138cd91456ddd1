#include "entrepot/api/event_routes.h"

#include <charconv>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "entrepot/api/event_json.h"
#include "entrepot/api/http_errors.h"
#include "entrepot/api/router.h"
#include "entrepot/api/stock_json.h"

namespace entrepot::api {
namespace {

using nlohmann::json;

// A decimal number without sign, spaces or a fraction; nullopt otherwise (or on overflow).
std::optional<uint64_t> ParseDecimal(std::string_view text) {
  uint64_t value = 0;
  const char* last = text.data() + text.size();
  auto [end, error] = std::from_chars(text.data(), last, value);
  if (text.empty() || error != std::errc() || end != last) {
    return std::nullopt;
  }
  return value;
}

// The query parameter `name` as a number; nullopt when absent. Errors: "bad_query" from
// QueryParameter, kInvalidArgument `reason` when present but not a decimal number.
StatusOr<std::optional<uint64_t>> NumberParameter(const HttpRequest& request, std::string_view name,
                                                  const char* reason) {
  StatusOr<std::optional<std::string>> text = QueryParameter(request.target, name);
  if (!text.ok()) {
    return text.status();
  }
  if (!text->has_value()) {
    return std::optional<uint64_t>();
  }
  std::optional<uint64_t> value = ParseDecimal(**text);
  if (!value) {
    return Error(StatusCode::kInvalidArgument, reason,
                 std::string(name) + "='" + **text + "' is not a non-negative decimal number");
  }
  return value;
}

Status AfterBeyondEnd(uint64_t after, uint64_t last_seq) {
  return Error(StatusCode::kInvalidArgument, "bad_after",
               "after=" + std::to_string(after) + " is beyond the last event (" +
                   std::to_string(last_seq) + "): is this the same site?");
}

// One entry as an SSE event. REQUIRES: `entry_json` is one line (DumpJson escapes newlines).
void AppendSseEvent(uint64_t seq, const std::string& entry_json, std::string& out) {
  out += "id: ";
  out += std::to_string(seq);
  out += "\nevent: entry\ndata: ";
  out += entry_json;
  out += "\n\n";
}

std::string SseError(const Status& status) {
  return "event: error\ndata: " +
         DumpJson({{"error", {{"code", status.reason()}, {"message", status.message()}}}}) + "\n\n";
}

// Streams the feed's entries after a seq. Next reads one page from the feed (memory, or the
// journal for a subscriber that fell behind); when there is none, it registers a one-shot
// wake-up with the feed instead of waiting, so no thread is held per subscriber.
class EventStream final : public BodyStream {
 public:
  EventStream(server::EventFeed& feed, uint64_t after, std::atomic<size_t>& open_streams)
      : feed_(feed), after_(after), open_streams_(open_streams) {}
  ~EventStream() override {
    feed_.CancelWait(wait_);
    open_streams_.fetch_sub(1, std::memory_order_relaxed);
  }

  void Next(Deliver deliver) override {
    if (cancelled_) {
      return;
    }
    StatusOr<server::FeedPage> page = feed_.Page(after_, kEventsPerStreamPiece);
    if (!page.ok()) {
      deliver(SseError(page.status()), true);
      return;
    }
    if (!page->records.empty()) {
      std::string text;
      for (const server::FeedRecordPtr& record : page->records) {
        StatusOr<json> entry = EntryEventJson(record->seq, record->payload);
        if (!entry.ok()) {
          deliver(text + SseError(entry.status()), true);
          return;
        }
        AppendSseEvent(record->seq, DumpJson(*entry), text);
        after_ = record->seq;
      }
      deliver(std::move(text), false);
      return;
    }
    if (feed_.closed()) {
      deliver("", true);
      return;
    }
    // The wake-up runs on the sequencer thread: it only hands an empty piece back, and the
    // server then calls Next again on its own thread.
    wait_ = feed_.Wait(after_, [deliver] { deliver("", false); });
    if (wait_ == server::EventFeed::kNoWait) {
      deliver("", false);  // Published (or closed) between the page and the wait.
    }
  }

  void Cancel() override {
    cancelled_ = true;
    feed_.CancelWait(wait_);
  }

 private:
  server::EventFeed& feed_;
  uint64_t after_;
  std::atomic<size_t>& open_streams_;
  server::EventFeed::WaitId wait_ = server::EventFeed::kNoWait;
  bool cancelled_ = false;
};

bool WantsEventStream(const std::string& accept) {
  return accept.find("text/event-stream") != std::string::npos;
}

}  // namespace

EventRoutes::EventRoutes(server::EventFeed& feed, EventRoutesOptions options)
    : feed_(feed), options_(options) {}

HttpResponse EventRoutes::Handle(const HttpRequest& request) {
  StatusOr<HttpResponse> response =
      WantsEventStream(request.accept) ? Stream(request) : Page(request);
  return response.ok() ? *std::move(response) : ApiHandler::ErrorResponse(response.status());
}

StatusOr<HttpResponse> EventRoutes::Page(const HttpRequest& request) {
  StatusOr<std::optional<uint64_t>> after = NumberParameter(request, "after", "bad_after");
  if (!after.ok()) {
    return after.status();
  }
  StatusOr<std::optional<uint64_t>> limit = NumberParameter(request, "limit", "bad_limit");
  if (!limit.ok()) {
    return limit.status();
  }
  uint64_t first = after->value_or(0);
  uint64_t count = limit->value_or(kDefaultEventPageLimit);
  if (count == 0 || count > kMaxEventPageLimit) {
    return Error(StatusCode::kInvalidArgument, "bad_limit",
                 "limit is 1 to " + std::to_string(kMaxEventPageLimit) + " events per page");
  }
  StatusOr<server::FeedPage> page = feed_.Page(first, static_cast<size_t>(count));
  if (!page.ok()) {
    return page.status();
  }
  if (first > page->last_seq) {
    return AfterBeyondEnd(first, page->last_seq);
  }
  json events = json::array();
  uint64_t next_after = first;
  for (const server::FeedRecordPtr& record : page->records) {
    StatusOr<json> entry = EntryEventJson(record->seq, record->payload);
    if (!entry.ok()) {
      return entry.status();
    }
    events.push_back(*std::move(entry));
    next_after = record->seq;
  }
  json body = {
      {"events", std::move(events)}, {"next_after", next_after}, {"last_seq", page->last_seq}};
  HttpResponse response{200, "application/json", DumpJson(body) + "\n", "", ""};
  response.cache_control = "no-store";
  return response;
}

bool EventRoutes::TakeStreamSlot() {
  size_t open = open_streams_.load(std::memory_order_relaxed);
  while (open < options_.max_streams) {
    if (open_streams_.compare_exchange_weak(open, open + 1, std::memory_order_relaxed)) {
      return true;
    }
  }
  return false;
}

StatusOr<HttpResponse> EventRoutes::Stream(const HttpRequest& request) {
  uint64_t last_seq = feed_.last_seq();
  uint64_t after = last_seq;  // By default, only what is committed from now on.
  if (!request.last_event_id.empty()) {
    std::optional<uint64_t> resumed = ParseDecimal(request.last_event_id);
    if (!resumed) {
      return Error(StatusCode::kInvalidArgument, "bad_last_event_id",
                   "Last-Event-ID '" + request.last_event_id + "' is not an event id (a seq)");
    }
    after = *resumed;
  } else {
    StatusOr<std::optional<uint64_t>> asked = NumberParameter(request, "after", "bad_after");
    if (!asked.ok()) {
      return asked.status();
    }
    after = asked->value_or(last_seq);
  }
  if (after > last_seq) {
    return AfterBeyondEnd(after, last_seq);
  }
  if (!TakeStreamSlot()) {
    return Error(StatusCode::kUnavailable, "too_many_streams",
                 "the server already streams events to " + std::to_string(options_.max_streams) +
                     " clients; retry later or page with GET /api/v1/events?after=");
  }
  HttpResponse response{200, "text/event-stream", "", "", ""};
  response.cache_control = "no-cache";
  // The first piece: the reconnection delay for EventSource, and where the stream starts.
  response.body = "retry: 3000\n: events after " + std::to_string(after) + "\n\n";
  response.stream = std::make_shared<EventStream>(feed_, after, open_streams_);
  response.heartbeat = ": keep-alive\n\n";
  response.heartbeat_every = options_.heartbeat_every;
  return response;
}

}  // namespace entrepot::api
