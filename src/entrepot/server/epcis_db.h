// File: epcis_db.h
//
// EpcisDb: the SQLite file behind the EPCIS repository (epcis_repository.h), DIR/epcis.db.
// Internal to the repository, which owns one writer and one reader connection. Tables:
//  - event: one row per event, keyed by `position` (AUTOINCREMENT: the order events entered,
//    never reused, which makes page tokens stable), with its unique event_id, its source
//    (captured, or the site's journal with its seq), the indexed facts (EventFacts), the
//    event's JSON without recordTime, and the namespaces of its extensions;
//  - event_epc: (epc, role, position) for every identifier of an event;
//  - capture_job: one row per capture, with its errors as JSON;
//  - meta: the journal watermark (seq, CRC-32C of its payload), the digest of the
//    identifier options the site's events were written with and, for a site whose captured
//    events are shared (SharedEpcisCaptureStore), the seq of the last one copied here.
// Captured events are partner data: the file is never deleted or recreated; a file that is
// not an EPCIS repository (application_id "EPCS") is refused. For a shared site the file
// holds copies (and capture_job stays empty): the truth is the shared store.
//
// Errors of every method: the SQLite errors of epcis_repository.h.
// Thread safety: none; one thread uses an EpcisDb at a time (WAL: one writer and readers).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "entrepot/base/status.h"
#include "entrepot/server/epcis_capture_store.h"
#include "entrepot/server/epcis_query.h"
#include "entrepot/server/epcis_repository.h"

struct sqlite3;

namespace entrepot::server::internal {

// An event as read back.
struct StoredEvent {
  uint64_t position = 0;
  int64_t record_time_ms = 0;
  std::string body;
  std::string namespaces;
};

class EpcisDb final : public EpcisCaptureStore {
 public:
  // PRAGMA application_id of an EPCIS repository: "EPCS".
  static constexpr int32_t kApplicationId = 0x45504353;
  // PRAGMA user_version of the schema this code writes; a newer one is refused.
  static constexpr int32_t kSchemaVersion = 1;

  // Opens the repository at `path` for writing, creating it when absent. Returns
  // kFailedPrecondition "not_an_epcis_repository" for a file that is not one (nothing is
  // written to it), "unsupported_format" for a newer schema version.
  static StatusOr<std::unique_ptr<EpcisDb>> OpenWriter(const std::string& path);
  // Opens a read-only connection on a repository OpenWriter created.
  static StatusOr<std::unique_ptr<EpcisDb>> OpenReader(const std::string& path);

  ~EpcisDb() override;
  EpcisDb(const EpcisDb&) = delete;
  EpcisDb& operator=(const EpcisDb&) = delete;

  // BEGIN IMMEDIATE, COMMIT, ROLLBACK (which cannot fail usefully: errors are dropped).
  Status Begin() override;
  Status Commit() override;
  void Rollback() override;

  // --- Writes, inside a transaction ---------------------------------------------------
  // Stores a captured event of job `job`, unless its event_id is stored: then kSameContent
  // when the stored JSON equals event.body (as JSON values), kConflict otherwise. Also how
  // a node copies the events of a SharedEpcisCaptureStore.
  StatusOr<InsertOutcome> InsertCaptured(const NewEvent& event, int64_t job,
                                         int64_t record_time_ms) override;
  // Stores one of the site's events (journal `seq`); one whose event_id is stored is
  // skipped (the same event: its id is the hash of its content).
  Status InsertSite(const NewEvent& event, uint64_t seq, int64_t record_time_ms);
  // Stores `job` as a new job and returns its id (job.id is ignored).
  StatusOr<int64_t> InsertJob(const CaptureJob& job) override;
  // Replaces the row of job `id` with `job`'s state, counts and errors.
  Status UpdateJob(int64_t id, const CaptureJob& job) override;
  // Deletes the site's events (captured ones stay).
  Status ClearSiteEvents();
  Status SetMeta(std::string_view key, int64_t value);

  // --- Reads ----------------------------------------------------------------------------
  StatusOr<int64_t> GetMeta(std::string_view key);  // 0 when absent.
  StatusOr<std::optional<StoredEvent>> FindEvent(std::string_view event_id);
  StatusOr<std::optional<CaptureJob>> FindJob(int64_t id) override;
  // The events `query` selects after query.after_position, in position order: at most
  // query.per_page of them, stopping after the first that brings the bodies to `max_bytes`;
  // `more` when other events follow.
  struct Selection {
    std::vector<StoredEvent> events;
    bool more = false;
  };
  StatusOr<Selection> SelectEvents(const EventQuery& query, size_t max_bytes);
  // The ids of the capture jobs kept, oldest first (`entrepot migrate` reads each with
  // FindJob).
  StatusOr<std::vector<int64_t>> JobIds();
  // Each captured event (not the site's own), in the order it was stored, with the id of its
  // capture job (which may have been pruned since).
  Status EachCaptured(const std::function<Status(int64_t job, const StoredEvent&)>& visit);

 private:
  // The statements run for every event the follower stores, prepared once (epcis_db.cc).
  struct Cached;

  EpcisDb(std::string path, sqlite3* db);
  Status Exec(const char* sql, std::string_view what);
  Status InsertEpcs(const EventFacts& facts, int64_t position);

  std::string path_;
  sqlite3* db_ = nullptr;
  std::unique_ptr<Cached> cached_;  // Finalized before db_ is closed.
};

}  // namespace entrepot::server::internal
