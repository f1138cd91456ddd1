#include "entrepot/base/status.h"

#include <cctype>

#include "absl/strings/cord.h"
#include "entrepot/base/check.h"

namespace entrepot {
namespace {

constexpr std::string_view kReasonPayloadUrl = "type.entrepot/reason";

std::string SnakeCaseCodeName(absl::StatusCode code) {
  std::string name = absl::StatusCodeToString(code);  // "INVALID_ARGUMENT"
  for (char& c : name) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return name;
}

}  // namespace

absl::Status Error(absl::StatusCode code, std::string_view reason, std::string_view message) {
  ENTREPOT_CHECK(code != absl::StatusCode::kOk);
  ENTREPOT_CHECK(!reason.empty());
  absl::Status status(code, message);
  status.SetPayload(kReasonPayloadUrl, absl::Cord(reason));
  return status;
}

std::string ReasonOf(const absl::Status& status) {
  if (status.ok()) {
    return "ok";
  }
  if (auto payload = status.GetPayload(kReasonPayloadUrl)) {
    return std::string(*payload);
  }
  return SnakeCaseCodeName(status.code());
}

}  // namespace entrepot
