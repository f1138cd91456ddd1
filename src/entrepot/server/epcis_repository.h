// File: epcis_repository.h
//
// EpcisRepository: the EPCIS 2.0 events of a site, behind POST /epcis/capture and
// GET /epcis/events (docs/API.md, "EPCIS 2.0"), in one SQLite file, DIR/epcis.db:
//
//  - Captured events: documents that partners send (EPCISDocument, JSON-LD). Durable partner
//    data, never rebuilt: a file that is not an EPCIS repository is refused, never replaced.
//    Each capture is a capture job (id, times, behaviour, state, per-event errors). A
//    document is validated against GS1's EPCIS JSON Schema event by event; by default it is
//    all or nothing (one transaction: any invalid event rejects the whole document), with
//    CaptureBehaviour::kProceed the valid events are kept. An event without "eventID" gets
//    its canonical id (epcis::CanonicalEventId), which it then carries. Capturing an event
//    whose eventID is stored with the same content changes nothing (idempotent); with other
//    content it is that event's error ("event_id_conflict").
//  - The site's own events, derived from the journal: a background thread polls the journal
//    (a read-only SqliteJournal, or whatever options.open_journal opens, such as the site's
//    PostgresJournal) every poll_interval from its watermark, decodes the entries,
//    maps them with epcis::EpcisMapper and writes the new events and the watermark in one
//    transaction, at most batch_entries_max entries at a time. The mapper must see every entry
//    from seq 1 (to know where containers are), so at start it replays the journal up to the
//    watermark without writing. When the journal no longer holds the watermark's record (its
//    last seq is below it, or the record differs: another journal), or the identifier options
//    changed, the site's events are dropped and derived again; captured events stay.
//
// For a site in PostgreSQL (options.open_shared_captures), the captured events and capture
// jobs live in the site's rows there (epcis_postgres.h), shared by the site's nodes: a capture
// is stored there, in one transaction, and each node copies the captured events into its
// DIR/epcis.db, where its queries read them with the site's own events (which every node
// derives from the journal). A node copies what it lacks at Open, after each capture and
// before each query or GetEvent, so a node that takes the site over answers every capture the
// former active node answered. Page tokens are positions in a node's file: a token is for the
// node that gave it.
//
// Every event gets its recordTime when it enters the repository, from the caller's clock
// (Capture's now_ms, options.now_ms for the site's events): the repository reads no clock.
// Queries (EventQuery, epcis_query.h) select by time, type, action, business step,
// disposition, places and identifiers, in a stable order (the order events entered), in
// pages continued by an opaque token.
//
// Privacy (RET-01): the site's events come from epcis::EpcisMapper, which writes no device,
// idempotency key, scanned text or worker; the repository adds nothing but recordTime.
//
// Errors of SQLite, in every method: kUnavailable "epcis_unavailable" (locks held too long,
// I/O error, disk full), kDataLoss "epcis_corrupt" (the file is damaged), kInternal
// "epcis_error" (anything else SQLite reports).
//
// Thread safety: every public method may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "entrepot/base/status.h"
#include "entrepot/epcis/identifiers.h"
#include "entrepot/server/epcis_query.h"

namespace entrepot::epcis {
class EpcisMapper;
}  // namespace entrepot::epcis

namespace entrepot::store {
class Journal;
}  // namespace entrepot::store

namespace entrepot::server {

namespace internal {
class EpcisDb;
}  // namespace internal
class EpcisCaptureStore;
class SharedEpcisCaptureStore;

// Limits of one capture. The body limit is the API's (api::kMaxBodyBytes).
inline constexpr size_t kMaxCaptureBodyBytes = size_t{4} << 20;
inline constexpr size_t kMaxCaptureEvents = 10'000;
// Arrays and objects nested deeper than this are refused before parsing.
inline constexpr size_t kMaxCaptureJsonDepth = 64;
// A capture job keeps at most this many event errors (error_count counts them all).
inline constexpr size_t kMaxCaptureErrors = 1'000;
// Capture jobs are kept this long after their creation, and only the newest kMaxCaptureJobs
// of them: each capture prunes the others (GET /epcis/capture/{id} of a pruned job is
// "unknown_capture_job"). The captured events themselves stay.
inline constexpr int64_t kCaptureJobRetentionMs = int64_t{30} * 24 * 3600 * 1000;
inline constexpr int64_t kMaxCaptureJobs = 10'000;
// A page of events also ends once its events reach this many bytes (at least one event).
inline constexpr size_t kMaxEventPageBytes = size_t{8} << 20;

// What a capture does when some events are invalid (the GS1-Capture-Error-Behaviour header).
enum class CaptureBehaviour {
  kRollback,  // Nothing is captured (the default).
  kProceed,   // The valid events are captured.
};
// "rollback" or "proceed".
std::string_view CaptureBehaviourName(CaptureBehaviour behaviour);
// The inverse of CaptureBehaviourName, ignoring ASCII case. kInvalidArgument
// "bad_capture_behaviour" otherwise.
StatusOr<CaptureBehaviour> ParseCaptureBehaviour(std::string_view name);

enum class CaptureState {
  kSucceeded,  // Every event is stored (captured now, or already there with the same content).
  kPartial,    // kProceed: some events are stored, the others have errors.
  kFailed,     // Nothing was captured.
};
// "succeeded", "partially_succeeded", "failed".
std::string_view CaptureStateName(CaptureState state);

// Why one event of a document was not captured.
struct CaptureError {
  size_t index = 0;      // In the document's eventList, from 0.
  std::string event_id;  // The event's eventID (given or canonical); "" when unknown.
  std::string pointer;   // JSON pointer into the document: "/epcisBody/eventList/3/action".
  std::string code;      // "schema_violation", "bad_event_time", "event_id_conflict", ...
  std::string message;
  friend bool operator==(const CaptureError&, const CaptureError&) = default;
};

struct CaptureJob {
  std::string id;  // Decimal; the {id} of GET /epcis/capture/{id}.
  int64_t created_ms = 0;
  int64_t finished_ms = 0;
  CaptureBehaviour behaviour = CaptureBehaviour::kRollback;
  CaptureState state = CaptureState::kFailed;
  size_t event_count = 0;      // Events in the document.
  size_t captured_count = 0;   // Stored by this capture.
  size_t duplicate_count = 0;  // Already stored with the same content (nothing written).
  size_t error_count = 0;
  std::vector<CaptureError> errors;  // By index; at most kMaxCaptureErrors.
};

// The capture job as GET /epcis/capture/{id} shows it: captureID, createdAt, finishedAt,
// running (always false: a capture is done when it is answered), success, state,
// captureErrorBehaviour, the counts and errors [{index, eventID, pointer, code, message}].
nlohmann::json CaptureJobJson(const CaptureJob& job);

// One page of events.
struct EventPage {
  // Each event as captured or mapped, with "eventID" and "recordTime".
  std::vector<nlohmann::json> events;
  // The namespaces of the page's user extensions {prefix: IRI}, for the answer's @context.
  nlohmann::json namespaces = nlohmann::json::object();
  // The token of the next page; nullopt on the last one.
  std::optional<std::string> next_page_token;
};

struct EpcisRepositoryOptions {
  // Opens, read-only, the journal the site's events come from (called from the thread).
  using JournalOpener = std::function<StatusOr<std::unique_ptr<store::Journal>>()>;

  std::string db_path;  // DIR/epcis.db
  // DIR/journal.db, read only; empty (and no open_journal): no site events (a repository of
  // captured events only).
  std::string journal_path;
  // When set, the journal followed instead of the SQLite file at journal_path: for a site
  // whose journal is in PostgreSQL, a read-only PostgresJournal of that site. Called at Open
  // and again after each failed poll; each call must return a new reader of the same journal.
  JournalOpener open_journal;
  // Opens the store shared by the site's nodes that keeps the captured events and capture
  // jobs (epcis_capture_store.h), such as OpenPostgresEpcisCaptures (epcis_postgres.h); unset:
  // they are kept in db_path. Called once, at Open; the store reconnects by itself.
  using CaptureStoreOpener = std::function<StatusOr<std::unique_ptr<SharedEpcisCaptureStore>>()>;
  CaptureStoreOpener open_shared_captures;
  // How the site's events write identifiers. REQUIRES: epcis::ValidateIdOptions(ids).ok().
  epcis::IdOptions ids;
  // The recordTime of the site's events (Unix ms). REQUIRED when a journal is followed.
  std::function<int64_t()> now_ms;
  // How often the thread looks for new entries; WaitForSeq makes it look at once.
  std::chrono::milliseconds poll_interval{200};
  // Journal entries mapped per transaction: a poll stores everything new in one transaction
  // up to this many entries (the larger the transaction, the less each event costs).
  size_t batch_entries_max = 8'192;
  // Added to the nice value of the follower's thread (Linux; 0 keeps the process's): the
  // site's events are derived data and yield the cores to the request path.
  int thread_nice = 10;
  // Wait after a failed poll before trying again (with a fresh journal connection and
  // mapper).
  std::chrono::milliseconds retry_delay{1'000};

  // The options for a data directory: DIR/epcis.db and DIR/journal.db.
  static EpcisRepositoryOptions ForDataDir(const std::string& dir, epcis::IdOptions ids,
                                           std::function<int64_t()> now_ms);
};

// Counters since Open, for tests and health.
struct EpcisRepositoryStats {
  uint64_t followed_seq = 0;      // The watermark: journal entries mapped so far.
  uint64_t rebuilds = 0;          // Times the site's events were dropped and derived again.
  uint64_t unmapped_entries = 0;  // Entries the mapper refused (skipped, see last_error).
  uint64_t errors = 0;            // Failed polls (each retried after retry_delay).
  std::string last_error;         // "" when none yet.
};

class EpcisRepository {
 public:
  // Opens (or creates) the repository and, with a journal, starts the thread that follows
  // it. Returns:
  //  - kInvalidArgument "bad_epcis_path" when db_path is empty or names journal_path;
  //  - the errors of epcis::ValidateIdOptions ("bad_gln", "bad_company_prefix_length", ...);
  //  - kFailedPrecondition "not_an_epcis_repository" when db_path holds another SQLite
  //    database or is not one, "unsupported_format" when a newer Entrepôt wrote it;
  //  - the read-only journal's errors ("journal_not_found", "journal_corrupt",
  //    "journal_unavailable", ...), or open_journal's;
  //  - the SQLite errors above, and those of open_shared_captures and of copying its events.
  static StatusOr<std::unique_ptr<EpcisRepository>> Open(EpcisRepositoryOptions options);

  // Stops the thread (see Stop).
  ~EpcisRepository();
  EpcisRepository(const EpcisRepository&) = delete;
  EpcisRepository& operator=(const EpcisRepository&) = delete;

  // Captures the EPCISDocument `body` at `now_ms` and returns its job, which is also stored
  // (also when it failed). Errors, when no job is made:
  //  - kResourceExhausted "body_too_large" past kMaxCaptureBodyBytes, "too_many_events" past
  //    kMaxCaptureEvents;
  //  - kInvalidArgument "too_deep" (CheckJsonDepth), "bad_json" (not JSON),
  //    "not_an_epcis_document" (not an object of type EPCISDocument with an epcisBody
  //    holding an eventList array), "invalid_document" (the document, events aside, breaks
  //    the schema; the message lists the first violations);
  //  - the SQLite errors, or those of the shared store.
  // Per-event errors are in the job: "schema_violation" (with the first violation's pointer),
  // "bad_event" (no canonical id can be computed), "bad_event_time", "event_id_conflict"
  // (stored, or earlier in the document, with other content).
  StatusOr<CaptureJob> Capture(std::string_view body, CaptureBehaviour behaviour, int64_t now_ms);

  // The job `id`. kNotFound "unknown_capture_job" when there is none.
  StatusOr<CaptureJob> GetCaptureJob(std::string_view id);

  // One page of the events `query` selects, in the order they entered the repository.
  StatusOr<EventPage> Query(const EventQuery& query);

  // The event `event_id` (exactly as stored) as a page of one. kNotFound "unknown_event".
  StatusOr<EventPage> GetEvent(std::string_view event_id);

  // Waits until the journal is followed up to `seq` or `timeout` passed; true when it is.
  // The thread polls at once instead of at its next poll_interval. Journal entries up to
  // followed_seq() have their events stored. With a journal it is 0 until the thread has
  // checked that the stored watermark belongs to this journal.
  bool WaitForSeq(uint64_t seq, std::chrono::milliseconds timeout);
  uint64_t followed_seq() const { return followed_seq_.load(std::memory_order_acquire); }
  EpcisRepositoryStats stats() const;

  // Stops following the journal; what is not mapped yet is at the next Open. Capture and
  // the queries keep working. Idempotent.
  void Stop();

  // How the site's events write identifiers: also how a partner's event names this site.
  const epcis::IdOptions& ids() const { return options_.ids; }

 private:
  struct Prepared;

  EpcisRepository(EpcisRepositoryOptions options, std::unique_ptr<internal::EpcisDb> writer,
                  std::unique_ptr<internal::EpcisDb> reader);

  // Capture, step by step (epcis_repository.cc).
  StatusOr<nlohmann::json> ParseDocument(std::string_view body) const;
  // The events of `document` ready to store, and the errors of the others; `duplicates`
  // counts events repeated in the document with the same content.
  void PrepareEvents(const nlohmann::json& document, std::vector<Prepared>& prepared,
                     std::vector<CaptureError>& errors, size_t& duplicates) const;
  StatusOr<CaptureJob> Store(std::vector<Prepared>& prepared, std::vector<CaptureError> errors,
                             CaptureJob job);
  // Copies into writer_ the shared store's captured events it lacks, batch by batch.
  // REQUIRES: writer_mutex_ held, shared_ set.
  Status CopyShared();
  // CopyShared under writer_mutex_; nothing without a shared store.
  Status CopySharedIfAny();

  // The journal follower (epcis_follower.cc).
  // Whether `options` follow a journal (open_journal, or a journal_path).
  static bool FollowsJournal(const EpcisRepositoryOptions& options);
  // A new reader of the followed journal. REQUIRES: FollowsJournal(options).
  static StatusOr<std::unique_ptr<store::Journal>> OpenJournal(
      const EpcisRepositoryOptions& options);
  void Run();
  // Maps what the journal holds beyond the watermark, batch by batch.
  Status Poll();
  // Checks that the journal still holds the watermark (else drops the site's events), then
  // replays the journal up to it into a fresh mapper.
  Status StartFollowing();
  // Maps and stores at most batch_entries_max entries; `*at_end` when the journal is read.
  Status MapBatch(bool* at_end);
  bool Stopping() const;
  void RecordError(const Status& status);

  EpcisRepositoryOptions options_;

  std::mutex writer_mutex_;
  std::unique_ptr<internal::EpcisDb> writer_;  // Guarded by writer_mutex_.
  // Guarded by writer_mutex_; null without open_shared_captures.
  std::unique_ptr<SharedEpcisCaptureStore> shared_;
  std::mutex reader_mutex_;
  std::unique_ptr<internal::EpcisDb> reader_;  // Guarded by reader_mutex_.

  // Used by the thread only.
  std::unique_ptr<store::Journal> journal_;
  std::unique_ptr<epcis::EpcisMapper> mapper_;  // Null until it replayed up to the watermark.

  mutable std::mutex mutex_;
  std::condition_variable wake_;      // The thread: stop, or poll now.
  std::condition_variable followed_;  // WaitForSeq: the watermark moved.
  bool stopping_ = false;             // Guarded by mutex_.
  bool poll_now_ = false;             // Guarded by mutex_: a WaitForSeq waits.
  EpcisRepositoryStats stats_;        // Guarded by mutex_ (but followed_seq).
  std::atomic<uint64_t> followed_seq_{0};
  std::mutex stop_mutex_;  // Serialises Stop().
  std::thread thread_;
};

}  // namespace entrepot::server
