// File: epcis_test_documents.h
//
// EPCIS documents for the repository's tests (epcis_repository_test.cc,
// epcis_postgres_test.cc), and the capture-job pruning both capture stores must apply:
// test-only, header-only.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "entrepot/base/status_macros.h"
#include "entrepot/core/site_test_util.h"
#include "entrepot/epcis/document.h"
#include "entrepot/server/epcis_capture_store.h"
#include "entrepot/server/epcis_repository.h"

namespace entrepot::server::epcis_testing {

// An EPCISDocument of `events`.
inline nlohmann::json Document(
    const std::vector<nlohmann::json>& events,
    const nlohmann::json& context = nlohmann::json::array({std::string(epcis::kEpcisContext)})) {
  return {{"@context", context},
          {"type", "EPCISDocument"},
          {"schemaVersion", "2.0"},
          {"creationDate", "2026-11-28T08:00:00Z"},
          {"epcisBody", {{"eventList", events}}}};
}

// A valid ObjectEvent: serial `n` of one GTIN received at second `n` after
// core::testing::kStart.
inline nlohmann::json Receipt(int n, const std::string& step = "receiving") {
  return {{"eventID", "urn:uuid:00000000-0000-4000-8000-" + std::to_string(100'000'000'000 + n)},
          {"type", "ObjectEvent"},
          {"eventTime", epcis::FormatEpcisTime(core::testing::kStart + n * 1000)},
          {"eventTimeZoneOffset", "+00:00"},
          {"action", "OBSERVE"},
          {"bizStep", step},
          {"epcList", {"urn:epc:id:sgtin:0614141.107346.S" + std::to_string(n)}}};
}

// Stores jobs in `store` as captures do (in one transaction, to stay fast) and checks its
// pruning (epcis_capture_store.h, InsertJob): the newest kMaxCaptureJobs jobs are kept, the one
// before them goes, and every job older than kCaptureJobRetentionMs goes at the next capture.
// Returns what went wrong, or "" when the store pruned as documented.
inline std::string CaptureJobPruningFailure(EpcisCaptureStore& store, int64_t now_ms) {
  CaptureJob job;
  job.created_ms = now_ms;
  job.finished_ms = now_ms;
  job.state = CaptureState::kSucceeded;
  auto insert = [&](int64_t count, int64_t created_ms) -> StatusOr<int64_t> {
    job.created_ms = job.finished_ms = created_ms;
    ENTREPOT_RETURN_IF_ERROR(store.Begin());
    StatusOr<int64_t> id = -1;
    for (int64_t i = 0; i < count && id.ok(); ++i) {
      id = store.InsertJob(job);
    }
    Status done = id.ok() ? store.Commit() : id.status();
    if (!done.ok()) {
      store.Rollback();
      return done;
    }
    return id;
  };
  auto kept = [&](int64_t id) {
    StatusOr<std::optional<CaptureJob>> found = store.FindJob(id);
    return found.ok() && found->has_value();
  };
  StatusOr<int64_t> last = insert(kMaxCaptureJobs, now_ms);
  if (!last.ok()) {
    return last.status().ToString();
  }
  const int64_t first = *last - kMaxCaptureJobs + 1;
  if (!kept(first) || !kept(*last)) {
    return "the newest kMaxCaptureJobs jobs are not all kept";
  }
  last = insert(1, now_ms);
  if (!last.ok()) {
    return last.status().ToString();
  }
  if (kept(first) || !kept(first + 1)) {
    return "the job beyond the newest kMaxCaptureJobs is not the one pruned";
  }
  last = insert(1, now_ms + kCaptureJobRetentionMs + 1);
  if (!last.ok()) {
    return last.status().ToString();
  }
  if (kept(*last - 1) || kept(first + 1) || !kept(*last)) {
    return "jobs older than kCaptureJobRetentionMs are kept";
  }
  return "";
}

}  // namespace entrepot::server::epcis_testing
