#include "entrepot/base/status.h"

namespace entrepot {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "ok";
    case StatusCode::kInvalidArgument:
      return "invalid_argument";
    case StatusCode::kNotFound:
      return "not_found";
    case StatusCode::kAlreadyExists:
      return "already_exists";
    case StatusCode::kFailedPrecondition:
      return "failed_precondition";
    case StatusCode::kAborted:
      return "aborted";
    case StatusCode::kOutOfRange:
      return "out_of_range";
    case StatusCode::kPermissionDenied:
      return "permission_denied";
    case StatusCode::kUnauthenticated:
      return "unauthenticated";
    case StatusCode::kResourceExhausted:
      return "resource_exhausted";
    case StatusCode::kUnavailable:
      return "unavailable";
    case StatusCode::kDataLoss:
      return "data_loss";
    case StatusCode::kInternal:
      return "internal";
    case StatusCode::kUnimplemented:
      return "unimplemented";
  }
  return "unknown";
}

Status::Status(StatusCode code, std::string reason, std::string message)
    : code_(code), reason_(std::move(reason)), message_(std::move(message)) {
  ENTREPOT_CHECK(code_ != StatusCode::kOk);
  ENTREPOT_CHECK(!reason_.empty());
}

const std::string& Status::OkReason() {
  static const std::string* const ok = new std::string("ok");
  return *ok;
}

std::string Status::ToString() const {
  if (ok()) {
    return "ok";
  }
  return reason_ + ": " + message_;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) {
    return *this;
  }
  return Status(code_, reason_, std::string(context) + ": " + message_);
}

namespace {
Status CodeError(StatusCode code, std::string message) {
  return Status(code, std::string(StatusCodeName(code)), std::move(message));
}
}  // namespace

Status InvalidArgumentError(std::string message) {
  return CodeError(StatusCode::kInvalidArgument, std::move(message));
}
Status NotFoundError(std::string message) {
  return CodeError(StatusCode::kNotFound, std::move(message));
}
Status FailedPreconditionError(std::string message) {
  return CodeError(StatusCode::kFailedPrecondition, std::move(message));
}
Status ResourceExhaustedError(std::string message) {
  return CodeError(StatusCode::kResourceExhausted, std::move(message));
}
Status UnavailableError(std::string message) {
  return CodeError(StatusCode::kUnavailable, std::move(message));
}
Status DataLossError(std::string message) {
  return CodeError(StatusCode::kDataLoss, std::move(message));
}
Status InternalError(std::string message) {
  return CodeError(StatusCode::kInternal, std::move(message));
}

}  // namespace entrepot
