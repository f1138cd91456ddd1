// File: event_routes.h
//
// GET /api/v1/events: the site's committed entries as operational events (event_json.h),
// read from a server::EventFeed, in one of two forms chosen by the Accept header:
//
//  - JSON pages (default): ?after=SEQ&limit=N gives the entries with seq > SEQ, oldest
//    first, as {"events":[…],"next_after":N,"last_seq":N}. A client pages to the end by
//    passing next_after back as after until events is empty.
//  - Server-Sent Events (Accept: text/event-stream): every entry after the start, then each
//    new one as it is committed, as "id: SEQ\nevent: entry\ndata: <the same JSON>\n\n". The
//    start is the Last-Event-ID header (a reconnecting EventSource sends it), else ?after,
//    else the newest entry at connection time (only new entries). A comment line is sent
//    after heartbeat_every of silence. A subscriber that falls behind reads older entries
//    from the journal through the feed; nothing is buffered per subscriber beyond one piece.
//
// Errors (docs/API.md): 400 "bad_after" (not a decimal seq, or beyond the last entry),
// "bad_limit" (not 1..kMaxEventPageLimit), "bad_last_event_id", "bad_query"; 503
// "too_many_streams" past options.max_streams open streams; the feed's journal errors.
// A stream that meets an error mid-way sends "event: error" with the error body and ends;
// the client resumes with Last-Event-ID.
//
// Thread safety: Handle may be called from any number of threads. The routes and the feed
// must outlive every stream they returned: stop the HttpServer first.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>

#include "entrepot/api/api_handler.h"
#include "entrepot/base/status.h"
#include "entrepot/server/event_feed.h"

namespace entrepot::api {

inline constexpr size_t kDefaultEventPageLimit = 100;
inline constexpr size_t kMaxEventPageLimit = server::kMaxFeedPageRecords;
inline constexpr size_t kDefaultMaxEventStreams = 64;
inline constexpr std::chrono::seconds kEventHeartbeat{15};
// Entries per piece written to a stream (one feed page).
inline constexpr size_t kEventsPerStreamPiece = 100;

struct EventRoutesOptions {
  size_t max_streams = kDefaultMaxEventStreams;
  std::chrono::milliseconds heartbeat_every = kEventHeartbeat;
};

class EventRoutes {
 public:
  explicit EventRoutes(server::EventFeed& feed, EventRoutesOptions options = {});

  // Answers GET /api/v1/events (already authorised): a streamed response when
  // request.accept names text/event-stream, else one JSON page; an error response otherwise.
  HttpResponse Handle(const HttpRequest& request);

  // Streams currently open.
  size_t open_streams() const { return open_streams_.load(std::memory_order_relaxed); }

 private:
  StatusOr<HttpResponse> Page(const HttpRequest& request);
  StatusOr<HttpResponse> Stream(const HttpRequest& request);
  // Takes one of max_streams slots; false when all are taken.
  bool TakeStreamSlot();

  server::EventFeed& feed_;
  EventRoutesOptions options_;
  std::atomic<size_t> open_streams_{0};
};

}  // namespace entrepot::api
