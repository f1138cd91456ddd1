#include "entrepot/api/http_errors.h"

#include <string_view>

#include "entrepot/api/stock_json.h"

namespace entrepot::api {

unsigned HttpStatusOf(const Status& status) {
  ENTREPOT_CHECK(!status.ok());
  // Reasons whose HTTP status is finer than their code's.
  const std::string& reason = status.reason();
  if (reason == "body_too_large" || reason == "too_many_lines") {
    return 413;
  }
  if (reason == "headers_too_large") {
    return 431;
  }
  if (reason == "master_data_limit") {
    return 409;  // A site limit: 429 would invite a retry that cannot succeed.
  }
  if (reason == "method_not_allowed") {
    return 405;
  }
  if (reason == "unsupported_media_type") {
    return 415;
  }
  switch (status.code()) {
    case StatusCode::kOk:
      break;
    case StatusCode::kInvalidArgument:
    case StatusCode::kOutOfRange:
      return 400;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAlreadyExists:
    case StatusCode::kFailedPrecondition:
    case StatusCode::kAborted:
      return 409;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kResourceExhausted:
      return 429;
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kDataLoss:
    case StatusCode::kInternal:
      return 500;
    case StatusCode::kUnimplemented:
      return 501;
  }
  return 500;
}

std::string ErrorBody(const Status& status) {
  nlohmann::json body = {{"error", {{"code", status.reason()}, {"message", status.message()}}}};
  return DumpJson(body) + "\n";
}

bool MediaTypeIs(std::string_view content_type, std::string_view expected) {
  if (content_type.empty()) {
    return true;
  }
  std::string_view media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && media.back() == ' ') {
    media.remove_suffix(1);
  }
  return media == expected;
}

Status UnsupportedMediaType(std::string_view expected) {
  return Error(StatusCode::kInvalidArgument, "unsupported_media_type",
               "send the body as " + std::string(expected));
}

}  // namespace entrepot::api
