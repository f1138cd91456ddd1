// File: epcis_document_fuzzer.cc
//
// libFuzzer target for what reads a partner's EPCIS document (POST /epcis/capture): arbitrary
// bytes are parsed as JSON (nlohmann::json, exceptions off), the document is validated
// against the EPCIS JSON Schema (epcis/schema.h), and every object of
// epcisBody.eventList is validated alone and hashed to its canonical event id
// (epcis/event_hash.h); the event times go through ParseEpcisTime (epcis/document.h).
// Beyond "never crashes, leaks or hangs" (ASan, UBSan, libFuzzer's -timeout), every input
// checks:
//   1. Validation reports at most kMaxViolations violations, each with a message and a JSON
//      pointer ("" or starting with '/'); CheckEpcisDocument agrees with
//      ValidateEpcisDocument.
//   2. CanonicalEventId succeeds exactly when EventPreHashString does, gives
//      "ni:///sha-256;<64 lower-case hex>?ver=CBV2.0", the same id twice, and the same id
//      whatever the event's "eventID", "recordTime" and "errorDeclaration" (left out of the
//      hash by the CBV algorithm).
//   3. A time ParseEpcisTime reads survives FormatEpcisTime / ParseEpcisTime.
// A broken invariant aborts with what broke, which libFuzzer reports as a crash. Seeds:
// corpus/epcis_document_fuzzer/ (GS1's examples from data/epcis/ and small variants).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "entrepot/base/status.h"
#include "entrepot/epcis/document.h"
#include "entrepot/epcis/event_hash.h"
#include "entrepot/epcis/schema.h"

namespace entrepot::epcis {
namespace {

using nlohmann::json;

void Require(bool condition, const char* what, std::string_view detail) {
  if (!condition) {
    std::fprintf(stderr, "epcis_document_fuzzer: invariant broken: %s\ndetail: %.*s\n", what,
                 static_cast<int>(detail.size()), detail.data());
    std::abort();
  }
}

// The text of a JSON value for a message, cut short.
std::string Show(const json& value) {
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > 2000) {
    text.resize(2000);
    text += "...";
  }
  return text;
}

void CheckViolations(const std::vector<SchemaViolation>& violations, const json& checked) {
  Require(violations.size() <= kMaxViolations, "more than kMaxViolations violations",
          Show(checked));
  for (const SchemaViolation& violation : violations) {
    Require(violation.pointer.empty() || violation.pointer.front() == '/',
            "violation pointer that is not a JSON pointer", violation.pointer);
    Require(!violation.message.empty(), "violation without a message", violation.pointer);
  }
}

bool IsCanonicalEventId(const std::string& id) {
  constexpr std::string_view kPrefix = "ni:///sha-256;";
  constexpr std::string_view kSuffix = "?ver=CBV2.0";
  if (id.size() != kPrefix.size() + 64 + kSuffix.size() || !id.starts_with(kPrefix) ||
      !id.ends_with(kSuffix)) {
    return false;
  }
  for (size_t i = kPrefix.size(); i < kPrefix.size() + 64; ++i) {
    if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f'))) {
      return false;
    }
  }
  return true;
}

void CheckEventId(const json& event) {
  const StatusOr<std::string> id = CanonicalEventId(event);
  const StatusOr<std::string> pre_hash = EventPreHashString(event);
  Require(id.ok() == pre_hash.ok(), "CanonicalEventId and EventPreHashString disagree",
          Show(event));
  if (!id.ok()) {
    Require(id.status().code() == StatusCode::kInvalidArgument &&
                id.status().reason() == "bad_event" && !id.status().message().empty(),
            "CanonicalEventId error other than kInvalidArgument bad_event with a message",
            id.status().reason() + ": " + Show(event));
    return;
  }
  Require(IsCanonicalEventId(*id), "event id not of the form ni:///sha-256;<hex>?ver=CBV2.0", *id);
  const StatusOr<std::string> again = CanonicalEventId(event);
  Require(again.ok() && *again == *id, "CanonicalEventId not deterministic", Show(event));

  json changed = event;
  changed["eventID"] = "urn:uuid:00000000-0000-4000-8000-000000000000";
  changed["recordTime"] = "2000-01-01T00:00:00Z";
  changed["errorDeclaration"] = {{"declarationTime", "2000-01-01T00:00:00Z"}};
  const StatusOr<std::string> unchanged = CanonicalEventId(changed);
  Require(unchanged.ok() && *unchanged == *id,
          "eventID, recordTime or errorDeclaration changes the canonical event id", Show(event));
}

void CheckTime(const json& value) {
  if (!value.is_string()) {
    return;
  }
  const std::string& text = value.get_ref<const std::string&>();
  const StatusOr<int64_t> ms = ParseEpcisTime(text);
  if (!ms.ok()) {
    Require(ms.status().reason() == "bad_time" && !ms.status().message().empty(),
            "ParseEpcisTime error other than bad_time with a message", text);
    return;
  }
  const std::string formatted = FormatEpcisTime(*ms);
  const StatusOr<int64_t> again = ParseEpcisTime(formatted);
  Require(again.ok() && *again == *ms, "ParseEpcisTime(FormatEpcisTime(t)) != t",
          text + " -> " + formatted);
}

void CheckEvent(const json& event) {
  CheckViolations(ValidateEpcisEvent(event), event);
  CheckEventId(event);
  for (const char* field : {"eventTime", "recordTime"}) {
    if (const auto it = event.find(field); it != event.end()) {
      CheckTime(*it);
    }
  }
}

void CheckDocument(const json& document) {
  const std::vector<SchemaViolation> violations = ValidateEpcisDocument(document);
  CheckViolations(violations, document);
  Require(CheckEpcisDocument(document).ok() == violations.empty(),
          "CheckEpcisDocument disagrees with ValidateEpcisDocument", Show(document));
  if (!document.is_object()) {
    return;
  }
  if (const auto it = document.find("creationDate"); it != document.end()) {
    CheckTime(*it);
  }
  const auto body = document.find("epcisBody");
  if (body == document.end() || !body->is_object()) {
    return;
  }
  // An EPCISQueryDocument nests its events in queryResults.resultsBody.
  const json* events = nullptr;
  if (const auto list = body->find("eventList"); list != body->end()) {
    events = &*list;
  } else if (const auto results = body->find("queryResults");
             results != body->end() && results->is_object()) {
    if (const auto results_body = results->find("resultsBody");
        results_body != results->end() && results_body->is_object()) {
      if (const auto result_list = results_body->find("eventList");
          result_list != results_body->end()) {
        events = &*result_list;
      }
    }
  }
  if (events == nullptr || !events->is_array()) {
    return;
  }
  for (const json& event : *events) {
    if (event.is_object()) {
      CheckEvent(event);
    }
  }
}

}  // namespace
}  // namespace entrepot::epcis

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const nlohmann::json document =
      nlohmann::json::parse(data, data + size, /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) {
    return 0;
  }
  entrepot::epcis::CheckDocument(document);
  return 0;
}
