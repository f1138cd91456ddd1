// File: status.h
//
// Expected failures in Entrepôt are values: Status, or StatusOr<T> for a result. A Status has
// a canonical code (google.rpc.Code semantics; the API maps it to HTTP in one table), a
// *reason* and a message. The reason is a stable lower_snake_case string such as
// "bad_check_digit" or "location_full": part of the public contract (CLI output, API bodies,
// scan outcomes). The message is for people and may change.
//
//   return Error(StatusCode::kInvalidArgument, "bad_check_digit",
//                "AI (01): check digit is 3, expected 2");
//
// Why not absl::Status: Debian 12's Abseil is built with its own absl::string_view, which
// does not interoperate with std::string_view in C++20 code. This is the same design in
// about a hundred lines, with the reason as a first-class field.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "entrepot/base/check.h"

namespace entrepot {

enum class StatusCode {
  kOk,
  kInvalidArgument,     // Bad input: a malformed scan, file or request.
  kNotFound,            // An unknown bin, product, container, record.
  kAlreadyExists,       // Creating what exists.
  kFailedPrecondition,  // A business rule refuses (bin full, unit not here).
  kAborted,             // A conflict; retry at a higher level.
  kOutOfRange,
  kPermissionDenied,
  kUnauthenticated,
  kResourceExhausted,  // A limit was hit.
  kUnavailable,        // The store or a service is unreachable; retry later.
  kDataLoss,           // Stored data is corrupt or missing.
  kInternal,
  kUnimplemented,
};

// "invalid_argument", "not_found", ...: the default reason for a code.
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK.
  // REQUIRES: code != kOk; reason is non-empty lower_snake_case.
  Status(StatusCode code, std::string reason, std::string message);

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  // The stable reason; "ok" for OK.
  const std::string& reason() const { return ok() ? OkReason() : reason_; }
  const std::string& message() const { return message_; }
  // "reason: message", for logs and CLI errors.
  std::string ToString() const;

  // Returns a copy whose message is prefixed with `context` ("line 12: ...").
  Status WithContext(std::string_view context) const;

  friend bool operator==(const Status&, const Status&) = default;

 private:
  // "ok": an OK Status stores no reason, so that making one (on every check that passes)
  // writes no string.
  static const std::string& OkReason();

  StatusCode code_ = StatusCode::kOk;
  std::string reason_;  // Empty when OK.
  std::string message_;
};

inline Status OkStatus() { return Status(); }

// The usual way to make an error.
inline Status Error(StatusCode code, std::string reason, std::string message) {
  return Status(code, std::move(reason), std::move(message));
}

// Shorthands with the code's own name as reason, for errors that need no finer reason.
Status InvalidArgumentError(std::string message);
Status NotFoundError(std::string message);
Status FailedPreconditionError(std::string message);
Status ResourceExhaustedError(std::string message);
Status UnavailableError(std::string message);
Status DataLossError(std::string message);
Status InternalError(std::string message);

// Either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(const T& value) : state_(value) {}            // NOLINT: implicit by design, as absl.
  StatusOr(T&& value) : state_(std::move(value)) {}      // NOLINT
  StatusOr(Status status) : state_(std::move(status)) {  // NOLINT
    ENTREPOT_CHECK(!std::get<Status>(state_).ok());
  }
  template <typename U>
  requires std::is_constructible_v<T, U&&> &&
      (!std::is_same_v<std::decay_t<U>, Status>)&&(!std::is_same_v<std::decay_t<U>, StatusOr>)&&(
          !std::is_same_v<std::decay_t<U>, T>)StatusOr(U&& value)
      : state_(T(std::forward<U>(value))) {}  // NOLINT

  bool ok() const { return std::holds_alternative<T>(state_); }
  Status status() const { return ok() ? OkStatus() : std::get<Status>(state_); }

  // REQUIRES: ok().
  const T& value() const& { return Checked(); }
  T& value() & { return const_cast<T&>(Checked()); }
  T&& value() && { return std::move(const_cast<T&>(Checked())); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

 private:
  const T& Checked() const {
    ENTREPOT_CHECK(ok());
    return std::get<T>(state_);
  }
  std::variant<Status, T> state_;
};

}  // namespace entrepot
