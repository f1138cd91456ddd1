// File: http_errors.h
//
// The one table that maps an entrepot::Status to an HTTP status, and the error body every
// failed request gets: {"error":{"code":"<reason>","message":"..."}}. The code is the
// Status's stable reason ("unknown_location", "queue_full", ...), never the HTTP status text.
#pragma once

#include <string>
#include <string_view>

#include "entrepot/base/status.h"

namespace entrepot::api {

// The HTTP status for `status` (see HttpStatusOf in http_errors.cc for the table):
//   kInvalidArgument 400, kNotFound 404, kAlreadyExists 409, kFailedPrecondition 409,
//   kAborted 409, kOutOfRange 400, kPermissionDenied 403, kUnauthenticated 401,
//   kResourceExhausted 429 (reasons "body_too_large" and "too_many_lines": 413,
//   "headers_too_large": 431, "master_data_limit": 409 as retrying cannot help),
//   kUnavailable 503, kDataLoss and kInternal 500,
//   kUnimplemented 501; reasons "method_not_allowed" 405, "unsupported_media_type" 415.
// REQUIRES: !status.ok().
unsigned HttpStatusOf(const Status& status);

// {"error":{"code":"<reason>","message":"<message>"}}, compact, with a trailing newline.
std::string ErrorBody(const Status& status);

// True when the Content-Type's media type (before any ';') is `expected`, or when there is
// no Content-Type at all.
bool MediaTypeIs(std::string_view content_type, std::string_view expected);
// kInvalidArgument "unsupported_media_type" (415): "send the body as <expected>".
Status UnsupportedMediaType(std::string_view expected);

}  // namespace entrepot::api
