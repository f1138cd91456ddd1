#include "entrepot/wire/scan_record.h"

#include <simdjson.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <utility>

#include "entrepot/base/status_macros.h"
#include "entrepot/wire/rfc3339.h"

namespace entrepot::wire {
namespace {

namespace ondemand = simdjson::ondemand;

enum class FieldId { kId, kDevice, kMode, kCode, kAt, kIgnored };

struct KnownField {
  std::string_view name;
  FieldId id;
  bool required;
};

// In the order missing fields are reported.
constexpr KnownField kKnownFields[] = {{"id", FieldId::kId, true},
                                       {"device", FieldId::kDevice, true},
                                       {"mode", FieldId::kMode, true},
                                       {"code", FieldId::kCode, true},
                                       {"at", FieldId::kAt, false}};

FieldId ClassifyKey(std::string_view key) {
  for (const KnownField& field : kKnownFields) {
    if (field.name == key) {
      return field.id;
    }
  }
  return FieldId::kIgnored;
}

unsigned FieldBit(FieldId id) { return 1u << static_cast<unsigned>(id); }

std::string_view TypeName(ondemand::json_type type) {
  switch (type) {
    case ondemand::json_type::array:
      return "an array";
    case ondemand::json_type::object:
      return "an object";
    case ondemand::json_type::number:
      return "a number";
    case ondemand::json_type::string:
      return "a string";
    case ondemand::json_type::boolean:
      return "a boolean";
    case ondemand::json_type::null:
      return "null";
  }
  return "an unknown type";
}

Status BadField(std::string_view name, const std::string& detail) {
  return Error(StatusCode::kInvalidArgument, "bad_field",
               "field \"" + std::string(name) + "\": " + detail);
}

bool IsIdChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == ':' || c == '-';
}

bool IsModeChar(char c) { return (c >= 'a' && c <= 'z') || c == '_'; }

std::string Printable(char c) {
  const auto byte = static_cast<unsigned char>(c);
  if (byte >= 0x20 && byte < 0x7f) {
    return std::string("'") + c + "'";
  }
  char hex[8];
  std::snprintf(hex, sizeof(hex), "0x%02X", static_cast<unsigned>(byte));
  return hex;
}

// Checks the length (in bytes; the alphabets are ASCII) and, if `is_allowed` is given, each
// character of a string field.
Status CheckString(std::string_view name, std::string_view value, size_t max_size,
                   bool (*is_allowed)(char), std::string_view alphabet, std::string_view unit) {
  if (value.empty()) {
    return BadField(name,
                    "empty, needs 1 to " + std::to_string(max_size) + " " + std::string(unit));
  }
  if (value.size() > max_size) {
    return BadField(name, std::to_string(value.size()) + " " + std::string(unit) + ", at most " +
                              std::to_string(max_size));
  }
  for (size_t i = 0; is_allowed != nullptr && i < value.size(); ++i) {
    if (!is_allowed(value[i])) {
      return BadField(name, "character " + Printable(value[i]) + " at offset " + std::to_string(i) +
                                " is not allowed (allowed: " + std::string(alphabet) + ")");
    }
  }
  return OkStatus();
}

Status MissingField(std::string_view name) {
  return Error(StatusCode::kInvalidArgument, "missing_field",
               "field \"" + std::string(name) + "\" is required");
}

// The first character of a token, or '\0' (for error messages only).
char FirstChar(ondemand::value& value) {
  const std::string_view token = value.raw_json_token();
  return token.empty() ? '\0' : token.front();
}
char FirstChar(ondemand::document& document) {
  std::string_view token;
  const bool ok = document.raw_json_token().get(token) == simdjson::SUCCESS;
  return ok && !token.empty() ? token.front() : '\0';
}

// Reads a scalar completely (on-demand type() only peeks at its first character). Works on
// a value and on a document root alike. A malformed true/false/null comes back from simdjson
// as INCORRECT_TYPE; it is reported as the matching atom error, whose text says what is wrong.
template <typename JsonValue>
simdjson::error_code ValidateScalar(JsonValue& value, ondemand::json_type type) {
  switch (type) {
    case ondemand::json_type::string:
      return value.get_string().error();
    case ondemand::json_type::number:
      return value.get_number().error();
    case ondemand::json_type::boolean: {
      bool is_true = false;
      const simdjson::error_code error = value.get_bool().get(is_true);
      if (error != simdjson::INCORRECT_TYPE) {
        return error;
      }
      return FirstChar(value) == 'f' ? simdjson::F_ATOM_ERROR : simdjson::T_ATOM_ERROR;
    }
    case ondemand::json_type::null: {
      bool is_null = false;
      const simdjson::error_code error = value.is_null().get(is_null);
      return error != simdjson::SUCCESS || !is_null ? simdjson::N_ATOM_ERROR : error;
    }
    case ondemand::json_type::object:
    case ondemand::json_type::array:
      break;
  }
  return simdjson::SUCCESS;
}

// Walks one parsed document. Holds what an error message needs: the input, to turn
// simdjson's position into a byte offset.
class RecordReader {
 public:
  RecordReader(ondemand::document& document, std::string_view input)
      : document_(document), input_(input) {}

  // Reads the root object into `record`. Returns bad_json at once; the first field error
  // only after the whole document has been read (so that bad JSON wins); then missing_field.
  Status ReadObject(ScanRecord& record);

 private:
  // bad_json with simdjson's text for `error` (or `what`), and the byte offset where the
  // iterator stands unless `with_offset` is false (when that position would mislead).
  Status BadJson(simdjson::error_code error, std::string_view what = {}, bool with_offset = true);
  Status ReadField(std::string_view key, ondemand::value& value, ScanRecord& record);
  Status ReadString(std::string_view name, ondemand::value& value, std::string& out);
  Status ReadTimestamp(ondemand::value& value, std::optional<int64_t>& out);
  Status WrongType(std::string_view name, ondemand::value& value, ondemand::json_type type,
                   std::string_view expected);
  Status Validate(ondemand::value& value, std::string_view name, int depth);

  ondemand::document& document_;
  std::string_view input_;
  unsigned seen_fields_ = 0;  // Bit per FieldId, to refuse duplicates.
};

Status RecordReader::BadJson(simdjson::error_code error, std::string_view what, bool with_offset) {
  std::string message = "invalid JSON";
  const char* location = nullptr;
  if (with_offset && document_.current_location().get(location) == simdjson::SUCCESS &&
      location >= input_.data() && location <= input_.data() + input_.size()) {
    message += " at byte " + std::to_string(location - input_.data());
  }
  message += ": ";
  message += what.empty() ? std::string(simdjson::error_message(error)) : std::string(what);
  return Error(StatusCode::kInvalidArgument, "bad_json", std::move(message));
}

Status RecordReader::ReadObject(ScanRecord& record) {
  ondemand::json_type type;
  if (auto error = document_.type().get(type)) {
    return BadJson(error);
  }
  if (type != ondemand::json_type::object) {
    if (auto error = ValidateScalar(document_, type)) {
      return BadJson(error, {}, /*with_offset=*/false);
    }
    return BadJson(simdjson::INCORRECT_TYPE,
                   "a scan record must be a JSON object, got " + std::string(TypeName(type)),
                   /*with_offset=*/false);
  }
  ondemand::object object;
  if (auto error = document_.get_object().get(object)) {
    // simdjson checks up front that the text ends with the '}' matching the first '{', and
    // reports a failure at the start of the document: say what it means.
    return BadJson(error,
                   "the object is not closed, or other content follows it (" +
                       std::string(simdjson::error_message(error)) + ")",
                   /*with_offset=*/false);
  }
  Status first_field_error;
  for (auto field_result : object) {
    ondemand::field field;
    std::string_view key;
    if (auto error = std::move(field_result).get(field)) {
      return BadJson(error);
    }
    if (auto error = field.unescaped_key().get(key)) {
      return BadJson(error);
    }
    Status status = ReadField(key, field.value(), record);
    if (status.reason() == "bad_json") {
      return status;
    }
    if (!status.ok() && first_field_error.ok()) {
      first_field_error = std::move(status);
    }
  }
  // At the end of a well-formed single value the iterator is out of bounds; a location
  // means more JSON follows ("{...} {...}").
  const char* trailing = nullptr;
  if (document_.current_location().get(trailing) == simdjson::SUCCESS) {
    return BadJson(simdjson::TRAILING_CONTENT, "unexpected content after the object");
  }
  ENTREPOT_RETURN_IF_ERROR(first_field_error);
  for (const KnownField& field : kKnownFields) {
    if (field.required && (seen_fields_ & FieldBit(field.id)) == 0) {
      return MissingField(field.name);
    }
  }
  return OkStatus();
}

Status RecordReader::ReadField(std::string_view key, ondemand::value& value, ScanRecord& record) {
  const FieldId id = ClassifyKey(key);
  if (id == FieldId::kIgnored) {
    // Unknown and personal fields alike: check the JSON, keep nothing.
    return Validate(value, key, 1);
  }
  const unsigned bit = FieldBit(id);
  if ((seen_fields_ & bit) != 0) {
    ENTREPOT_RETURN_IF_ERROR(Validate(value, key, 1));
    return BadField(key, "appears more than once");
  }
  seen_fields_ |= bit;
  switch (id) {
    case FieldId::kId:
      ENTREPOT_RETURN_IF_ERROR(ReadString(key, value, record.id));
      return CheckString(key, record.id, kMaxIdChars, IsIdChar, "A-Z a-z 0-9 . _ : -",
                         "characters");
    case FieldId::kDevice:
      ENTREPOT_RETURN_IF_ERROR(ReadString(key, value, record.device));
      return CheckString(key, record.device, kMaxDeviceChars, IsIdChar, "A-Z a-z 0-9 . _ : -",
                         "characters");
    case FieldId::kMode:
      ENTREPOT_RETURN_IF_ERROR(ReadString(key, value, record.mode));
      return CheckString(key, record.mode, kMaxModeChars, IsModeChar, "a-z _", "characters");
    case FieldId::kCode:
      ENTREPOT_RETURN_IF_ERROR(ReadString(key, value, record.code));
      return CheckString(key, record.code, kMaxCodeBytes, nullptr, "", "bytes");
    case FieldId::kAt:
      return ReadTimestamp(value, record.at_ms);
    case FieldId::kIgnored:
      break;
  }
  return OkStatus();
}

Status RecordReader::ReadString(std::string_view name, ondemand::value& value, std::string& out) {
  ondemand::json_type type;
  if (auto error = value.type().get(type)) {
    return BadJson(error);
  }
  if (type != ondemand::json_type::string) {
    return WrongType(name, value, type, "a string");
  }
  std::string_view text;
  if (auto error = value.get_string().get(text)) {
    return BadJson(error);
  }
  out.assign(text);
  return OkStatus();
}

Status RecordReader::ReadTimestamp(ondemand::value& value, std::optional<int64_t>& out) {
  ondemand::json_type type;
  if (auto error = value.type().get(type)) {
    return BadJson(error);
  }
  const auto bad_timestamp = [](const std::string& detail) {
    return Error(StatusCode::kInvalidArgument, "bad_timestamp", "field \"at\": " + detail);
  };
  if (type == ondemand::json_type::null) {
    return Validate(value, "at", 1);  // null: as if absent.
  }
  if (type == ondemand::json_type::string) {
    std::string_view text;
    if (auto error = value.get_string().get(text)) {
      return BadJson(error);
    }
    StatusOr<int64_t> at_ms = ParseRfc3339Ms(text);
    if (!at_ms.ok()) {
      return bad_timestamp(at_ms.status().message());
    }
    out = *at_ms;
    return OkStatus();
  }
  if (type != ondemand::json_type::number) {
    return WrongType("at", value, type, "an RFC 3339 string or integer epoch milliseconds");
  }
  ondemand::number number;
  if (auto error = value.get_number().get(number)) {
    return BadJson(error);
  }
  if (number.get_number_type() != ondemand::number_type::signed_integer) {
    return bad_timestamp("epoch milliseconds must be an integer in range");
  }
  const int64_t at_ms = number.get_int64();
  if (at_ms < kMinRfc3339Ms || at_ms > kMaxRfc3339Ms) {
    return bad_timestamp(std::to_string(at_ms) +
                         " epoch milliseconds is outside years 0000..9999 (UTC)");
  }
  out = at_ms;
  return OkStatus();
}

Status RecordReader::WrongType(std::string_view name, ondemand::value& value,
                               ondemand::json_type type, std::string_view expected) {
  // Consume the value first: if it is broken JSON, that is the error to report.
  ENTREPOT_RETURN_IF_ERROR(Validate(value, name, 1));
  return BadField(name,
                  "expected " + std::string(expected) + ", got " + std::string(TypeName(type)));
}

// Reads `value` completely, so that malformed JSON inside a field we skip is still refused
// (on-demand parsing would otherwise step over it unchecked). Keeps nothing.
Status RecordReader::Validate(ondemand::value& value, std::string_view name, int depth) {
  ondemand::json_type type;
  if (auto error = value.type().get(type)) {
    return BadJson(error);
  }
  const bool is_container =
      type == ondemand::json_type::object || type == ondemand::json_type::array;
  if (is_container && depth > kMaxIgnoredFieldDepth) {
    // Bounds the recursion; no scanner app nests this deep.
    return BadField(name,
                    "nested deeper than " + std::to_string(kMaxIgnoredFieldDepth) + " levels");
  }
  simdjson::error_code error = simdjson::SUCCESS;
  switch (type) {
    case ondemand::json_type::object: {
      ondemand::object object;
      if ((error = value.get_object().get(object))) {
        break;
      }
      for (auto field_result : object) {
        ondemand::field field;
        std::string_view key;
        if ((error = std::move(field_result).get(field)) ||
            (error = field.unescaped_key().get(key))) {
          return BadJson(error);
        }
        ENTREPOT_RETURN_IF_ERROR(Validate(field.value(), name, depth + 1));
      }
      break;
    }
    case ondemand::json_type::array: {
      ondemand::array array;
      if ((error = value.get_array().get(array))) {
        break;
      }
      for (auto element_result : array) {
        ondemand::value element;
        if ((error = std::move(element_result).get(element))) {
          return BadJson(error);
        }
        ENTREPOT_RETURN_IF_ERROR(Validate(element, name, depth + 1));
      }
      break;
    }
    case ondemand::json_type::string:
    case ondemand::json_type::number:
    case ondemand::json_type::boolean:
    case ondemand::json_type::null:
      error = ValidateScalar(value, type);
      break;
  }
  return error ? BadJson(error) : OkStatus();
}

}  // namespace

class ScanRecordParser::Impl {
 public:
  Impl() : buffer_(std::make_unique<char[]>(kMaxRecordBytes + simdjson::SIMDJSON_PADDING)) {}

  StatusOr<ScanRecord> Parse(std::string_view json);

 private:
  ondemand::parser parser_;
  // simdjson reads up to SIMDJSON_PADDING bytes past the end of its input, so each record
  // is copied here: callers' buffers (NDJSON lines, HTTP bodies) carry no such padding.
  std::unique_ptr<char[]> buffer_;
};

StatusOr<ScanRecord> ScanRecordParser::Impl::Parse(std::string_view json) {
  if (json.size() > kMaxRecordBytes) {
    return Error(StatusCode::kInvalidArgument, "record_too_large",
                 "scan record is " + std::to_string(json.size()) + " bytes, at most " +
                     std::to_string(kMaxRecordBytes));
  }
  std::memcpy(buffer_.get(), json.data(), json.size());
  std::memset(buffer_.get() + json.size(), 0, simdjson::SIMDJSON_PADDING);
  ondemand::document document;
  if (auto error =
          parser_.iterate(buffer_.get(), json.size(), json.size() + simdjson::SIMDJSON_PADDING)
              .get(document)) {
    return Error(StatusCode::kInvalidArgument, "bad_json",
                 std::string("invalid JSON: ") + simdjson::error_message(error));
  }
  ScanRecord record;
  RecordReader reader(document, std::string_view(buffer_.get(), json.size()));
  ENTREPOT_RETURN_IF_ERROR(reader.ReadObject(record));
  return record;
}

ScanRecordParser::ScanRecordParser() : impl_(std::make_unique<Impl>()) {}
ScanRecordParser::~ScanRecordParser() = default;
ScanRecordParser::ScanRecordParser(ScanRecordParser&&) noexcept = default;
ScanRecordParser& ScanRecordParser::operator=(ScanRecordParser&&) noexcept = default;

StatusOr<ScanRecord> ScanRecordParser::Parse(std::string_view json) { return impl_->Parse(json); }

StatusOr<ScanRecord> ParseScanRecord(std::string_view json) {
  thread_local ScanRecordParser parser;
  return parser.Parse(json);
}

}  // namespace entrepot::wire
