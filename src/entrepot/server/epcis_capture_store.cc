#include "entrepot/server/epcis_capture_store.h"

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
