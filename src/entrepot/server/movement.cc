#include "entrepot/server/movement.h"

#include <charconv>
#include <limits>

#include "entrepot/core/events.h"
#include "entrepot/core/scan_code.h"

namespace entrepot::server {
namespace {

// Digits that may carry a count or a seq: enough for 2^64, and a bound on what is parsed.
constexpr size_t kMaxDigits = 20;

// Parses `text` as an unsigned decimal made of digits only (no sign, no space).
std::optional<uint64_t> ParseDecimal(std::string_view text) {
  if (text.empty() || text.size() > kMaxDigits) {
    return std::nullopt;
  }
  uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

// Keeps an echoed parameter short in messages.
std::string Quote(std::string_view text) {
  constexpr size_t kMaxShown = 40;
  return "\"" + std::string(text.substr(0, kMaxShown)) + (text.size() > kMaxShown ? "…\"" : "\"");
}

// ResolveScannedId of the stock API accepts these typed container ids as they are.
bool IsCanonicalContainerId(std::string_view code) {
  for (std::string_view prefix : {"sscc:", "label:", "grai:", "giai:"}) {
    if (code.starts_with(prefix) && code.size() > prefix.size()) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::string_view MovementKindName(MovementKind kind) {
  switch (kind) {
    case MovementKind::kReceived:
      return "received";
    case MovementKind::kMoved:
      return "moved";
    case MovementKind::kAdjusted:
      return "adjusted";
    case MovementKind::kShipped:
      return "shipped";
    case MovementKind::kContainerMoved:
      return "container_moved";
    case MovementKind::kContainerShipped:
      return "container_shipped";
  }
  return "moved";
}

StatusOr<HistoryCursor> ParseHistoryCursor(std::string_view text) {
  const size_t dot = text.find('.');
  std::optional<uint64_t> seq = ParseDecimal(text.substr(0, dot));
  std::optional<uint64_t> ord = dot == std::string_view::npos ? std::optional<uint64_t>(0)
                                                              : ParseDecimal(text.substr(dot + 1));
  if (!seq || !ord || *seq == 0 ||
      *seq > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ||
      *ord > std::numeric_limits<uint32_t>::max()) {
    return Error(StatusCode::kInvalidArgument, "bad_cursor",
                 "before=" + Quote(text) +
                     " is not a history position: use the \"next\" value of the previous page, "
                     "or a journal seq");
  }
  return HistoryCursor{*seq, static_cast<uint32_t>(*ord)};
}

std::string FormatHistoryCursor(const HistoryCursor& cursor) {
  return std::to_string(cursor.seq) + "." + std::to_string(cursor.ord);
}

StatusOr<int64_t> ParseHistoryLimit(std::string_view text) {
  std::optional<uint64_t> limit = ParseDecimal(text);
  if (!limit || *limit < 1 || *limit > static_cast<uint64_t>(kMaxHistoryLimit)) {
    return Error(StatusCode::kInvalidArgument, "bad_limit",
                 "limit=" + Quote(text) + " must be a whole number from 1 to " +
                     std::to_string(kMaxHistoryLimit));
  }
  return static_cast<int64_t>(*limit);
}

std::string_view HistorySubjectKindName(HistorySubject::Kind kind) {
  switch (kind) {
    case HistorySubject::Kind::kSerial:
      return "serial";
    case HistorySubject::Kind::kLot:
      return "lot";
    case HistorySubject::Kind::kProduct:
      return "product";
    case HistorySubject::Kind::kContainer:
      return "container";
  }
  return "product";
}

StatusOr<HistorySubject> ResolveHistoryCode(std::string_view code) {
  if (code.size() > kMaxHistoryCodeBytes) {
    return Error(StatusCode::kInvalidArgument, "unknown_code",
                 "a code of " + std::to_string(code.size()) + " bytes is longer than any label (" +
                     std::to_string(kMaxHistoryCodeBytes) + " bytes at most)");
  }
  HistorySubject subject;
  if (IsCanonicalContainerId(code)) {
    subject.kind = HistorySubject::Kind::kContainer;
    subject.container = std::string(code);
    return subject;
  }
  // The reference year only resolves two-digit expiry years, which a lookup ignores.
  constexpr int kReferenceYear = 2000;
  StatusOr<core::ScannedCode> scanned = core::InterpretCode(code, kReferenceYear);
  if (!scanned.ok()) {
    return scanned.status();
  }
  switch (scanned->kind) {
    case core::ScannedCode::Kind::kItem:
      subject.gtin = scanned->item.gtin;
      if (!scanned->item.serial.empty()) {
        subject.kind = HistorySubject::Kind::kSerial;
        subject.serial = scanned->item.serial;
      } else if (!scanned->item.lot.empty()) {
        subject.kind = HistorySubject::Kind::kLot;
        subject.lot = scanned->item.lot;
      }
      return subject;
    case core::ScannedCode::Kind::kContainer:
      subject.kind = HistorySubject::Kind::kContainer;
      subject.container = scanned->id;
      return subject;
    case core::ScannedCode::Kind::kLocation:
    case core::ScannedCode::Kind::kBadge:
      break;
  }
  // The code is not echoed: it may be a person's badge.
  return Error(StatusCode::kInvalidArgument, "not_a_unit",
               "the code is a location or badge label; a history is about a unit (GTIN with "
               "serial or lot, or a GTIN) or a container (SSCC or container label)");
}

StatusOr<int64_t> ParseFlowWindow(std::string_view text) {
  auto bad = [text](std::string_view why) {
    return Error(
        StatusCode::kInvalidArgument, "bad_window",
        "window=" + Quote(text) + " " + std::string(why) +
            ": give a count and a unit, s, m or h (\"30s\", \"15m\", \"1h\"), at most 24h");
  };
  if (text.size() < 2) {
    return bad("is too short");
  }
  int64_t unit_ms = 0;
  switch (text.back()) {
    case 's':
      unit_ms = 1000;
      break;
    case 'm':
      unit_ms = 60 * 1000;
      break;
    case 'h':
      unit_ms = 3600 * 1000;
      break;
    default:
      return bad("has no unit");
  }
  std::optional<uint64_t> count = ParseDecimal(text.substr(0, text.size() - 1));
  if (!count) {
    return bad("is not a count");
  }
  if (*count == 0 || *count > static_cast<uint64_t>(kMaxFlowWindowMs / unit_ms)) {
    return bad("is out of range");
  }
  return static_cast<int64_t>(*count) * unit_ms;
}

}  // namespace entrepot::server
