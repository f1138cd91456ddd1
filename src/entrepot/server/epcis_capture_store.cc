#include "entrepot/server/epcis_capture_store.h"

#include <map>
#include <memory>
#include <optional>
#include <utility>

#include "entrepot/base/status_macros.h"
#include "entrepot/server/epcis_db.h"

namespace entrepot::server::internal {

using nlohmann::json;

json CaptureErrorsJson(const std::vector<CaptureError>& errors) {
  json out = json::array();
  for (const CaptureError& error : errors) {
    out.push_back({{"index", error.index},
                   {"eventID", error.event_id},
                   {"pointer", error.pointer},
                   {"code", error.code},
                   {"message", error.message}});
  }
  return out;
}

std::vector<CaptureError> CaptureErrorsOfJson(const std::string& text) {
  std::vector<CaptureError> errors;
  json parsed = json::parse(text, nullptr, false);
  if (!parsed.is_array()) {
    return errors;
  }
  for (const json& error : parsed) {
    if (!error.is_object()) {
      continue;
    }
    errors.push_back(CaptureError{error.value("index", size_t{0}), error.value("eventID", ""),
                                  error.value("pointer", ""), error.value("code", ""),
                                  error.value("message", "")});
  }
  return errors;
}

CaptureState CaptureStateOfName(std::string_view name) {
  for (CaptureState state :
       {CaptureState::kSucceeded, CaptureState::kPartial, CaptureState::kFailed}) {
    if (CaptureStateName(state) == name) {
      return state;
    }
  }
  return CaptureState::kFailed;
}

bool SameEventContent(const std::string& a, const std::string& b) {
  return json::parse(a, nullptr, false) == json::parse(b, nullptr, false);
}

}  // namespace entrepot::server::internal

namespace entrepot::server {

StatusOr<EpcisCaptureCopyReport> CopyEpcisCaptures(const std::string& epcis_db,
                                                   SharedEpcisCaptureStore& to) {
  ENTREPOT_ASSIGN_OR_RETURN(std::vector<SharedEpcisCaptureStore::Captured> held,
                            to.CapturedAfter(0, 1));
  if (!held.empty()) {
    return Error(StatusCode::kFailedPrecondition, "epcis_not_empty",
                 "the site already has captured EPCIS events in the store: nothing was copied");
  }
  ENTREPOT_ASSIGN_OR_RETURN(std::unique_ptr<internal::EpcisDb> from,
                            internal::EpcisDb::OpenReader(epcis_db));
  ENTREPOT_ASSIGN_OR_RETURN(std::vector<int64_t> job_ids, from->JobIds());
  EpcisCaptureCopyReport report;
  std::map<int64_t, int64_t> new_job_of;  // Old id -> new id.
  ENTREPOT_RETURN_IF_ERROR(to.Begin());
  auto copy = [&]() -> Status {
    for (int64_t id : job_ids) {
      ENTREPOT_ASSIGN_OR_RETURN(std::optional<CaptureJob> job, from->FindJob(id));
      if (job) {
        ENTREPOT_ASSIGN_OR_RETURN(new_job_of[id], to.InsertJob(*job));
        ++report.jobs;
      }
    }
    return from->EachCaptured([&](int64_t job, const internal::StoredEvent& stored) -> Status {
      const nlohmann::json event = nlohmann::json::parse(stored.body, nullptr, false);
      StatusOr<EventFacts> facts = DescribeEvent(event);
      if (event.is_discarded() || !facts.ok()) {
        return Error(StatusCode::kDataLoss, "epcis_corrupt",
                     "captured event at position " + std::to_string(stored.position) + " of " +
                         epcis_db + " is not a valid EPCIS event");
      }
      const auto renumbered = new_job_of.find(job);
      const internal::NewEvent copied{event.value("eventID", ""), *std::move(facts), stored.body,
                                      stored.namespaces};
      ENTREPOT_RETURN_IF_ERROR(
          to.InsertCaptured(copied, renumbered != new_job_of.end() ? renumbered->second : job,
                            stored.record_time_ms)
              .status());
      ++report.events;
      return OkStatus();
    });
  };
  if (Status copied = copy(); !copied.ok()) {
    to.Rollback();
    return copied;
  }
  ENTREPOT_RETURN_IF_ERROR(to.Commit());
  return report;
}

}  // namespace entrepot::server
