// File: epcis_capture_store.h
//
// Where the EPCIS repository (epcis_repository.h) keeps the truth of the events partners
// capture and of their capture jobs:
//  - EpcisCaptureStore: what a capture writes, in one transaction, and how a job is read back.
//    DIR/epcis.db implements it (internal::EpcisDb) for a site in SQLite;
//  - SharedEpcisCaptureStore: the same, kept where all the nodes of a site read it (the site's
//    rows in PostgreSQL, epcis_postgres.h), which also lists its captured events in the order
//    they were stored, so that each node copies them into its DIR/epcis.db, where queries read
//    them with the site's own events.
// Stores word their errors as the repository's: kUnavailable "epcis_unavailable", kDataLoss
// "epcis_corrupt", kInternal "epcis_error" (and kPermissionDenied "epcis_permission_denied"
// for PostgreSQL).
// Thread safety: none; one thread uses a store at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "entrepot/base/status.h"
#include "entrepot/server/epcis_query.h"
#include "entrepot/server/epcis_repository.h"

namespace entrepot::server {

namespace internal {

// An event ready to store.
struct NewEvent {
  std::string event_id;
  EventFacts facts;
  std::string body;        // The event's JSON, with eventID, without recordTime.
  std::string namespaces;  // JSON object {prefix: IRI}.
};

// How both stores keep a job's errors (a JSON array) and its state (CaptureStateName).
nlohmann::json CaptureErrorsJson(const std::vector<CaptureError>& errors);
// The inverse of CaptureErrorsJson; what cannot be read is left out.
std::vector<CaptureError> CaptureErrorsOfJson(const std::string& text);
// The inverse of CaptureStateName; kFailed for an unknown name.
CaptureState CaptureStateOfName(std::string_view name);
// Whether two stored event bodies are the same event (equal as JSON values).
bool SameEventContent(const std::string& a, const std::string& b);

}  // namespace internal

class EpcisCaptureStore {
 public:
  enum class InsertOutcome { kInserted, kSameContent, kConflict };

  virtual ~EpcisCaptureStore() = default;

  // Opens, commits, rolls back (errors dropped: nothing useful follows them) the transaction
  // of one capture.
  virtual Status Begin() = 0;
  virtual Status Commit() = 0;
  virtual void Rollback() = 0;

  // --- Inside a transaction -------------------------------------------------------------
  // Stores `job` as a new job and returns its id (job.id is ignored); prunes the jobs past
  // kCaptureJobRetentionMs or beyond the newest kMaxCaptureJobs.
  virtual StatusOr<int64_t> InsertJob(const CaptureJob& job) = 0;
  // Stores a captured event of job `job`, unless its event_id is stored: then kSameContent
  // when the stored JSON equals event.body (SameEventContent), kConflict otherwise. Normally
  // after InsertJob in the same transaction; without it (a copy of events whose jobs were
  // pruned) the event is stored all the same.
  virtual StatusOr<InsertOutcome> InsertCaptured(const internal::NewEvent& event, int64_t job,
                                                 int64_t record_time_ms) = 0;
  // Replaces the row of job `id` with `job`'s state, counts and errors.
  virtual Status UpdateJob(int64_t id, const CaptureJob& job) = 0;

  // --- Outside a transaction ------------------------------------------------------------
  virtual StatusOr<std::optional<CaptureJob>> FindJob(int64_t id) = 0;
};

class SharedEpcisCaptureStore : public EpcisCaptureStore {
 public:
  // A captured event as the nodes copy it.
  struct Captured {
    int64_t seq = 0;  // From 1, in the order events were stored; never reused.
    int64_t job = 0;
    int64_t record_time_ms = 0;
    std::string body;  // As NewEvent::body.
    std::string namespaces;
  };
  // The captured events after `after_seq`, in seq order, at most `limit` of them.
  virtual StatusOr<std::vector<Captured>> CapturedAfter(int64_t after_seq, size_t limit) = 0;
};

// What CopyEpcisCaptures copied.
struct EpcisCaptureCopyReport {
  int64_t jobs = 0;
  int64_t events = 0;
};
// Copies the capture jobs and captured events of the repository file `epcis_db` (a site's
// DIR/epcis.db) into `to`, in one transaction of `to` (`entrepot migrate`): jobs numbered
// anew, each event under its job's new number (an event whose job was pruned keeps its old
// one), record times kept. The site's own events are not copied: every node derives them
// from the journal. Errors: kFailedPrecondition "epcis_not_empty" (`to` holds captured
// events: nothing is written); kDataLoss "epcis_corrupt" (a stored event that is not one);
// the stores' errors.
StatusOr<EpcisCaptureCopyReport> CopyEpcisCaptures(const std::string& epcis_db,
                                                   SharedEpcisCaptureStore& to);

}  // namespace entrepot::server
