// valijson throws on errors it meets while parsing or validating (our adapter catches them);
// without this it prints and aborts.
#define VALIJSON_USE_EXCEPTIONS 1

#include "entrepot/epcis/schema.h"

#include <exception>
#include <memory>
#include <string_view>
#include <utility>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include "entrepot/epcis/document.h"

namespace entrepot::epcis {
namespace internal {
// data/epcis/EPCIS-JSON-Schema.json, embedded by CMake (schema_document.cc.in).
std::string_view EpcisJsonSchema();
}  // namespace internal

namespace {

using nlohmann::json;

// The prefix of the pointer of the only event of the document ValidateEpcisEvent builds.
constexpr std::string_view kWrappedEventPointer = "/epcisBody/eventList/0";
// RFC 3339 date-time, as valijson's "date-time" format check reads it.
constexpr std::string_view kDateTimePattern =
    "^[0-9]{4}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:"
    "([0-5][0-9]|60)(\\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$";
// How many violations CheckEpcisDocument's message lists.
constexpr size_t kViolationsInMessage = 5;

// --- Workarounds for valijson 1.0 (Debian 12), applied to the schema before parsing ------
//
// 1. Its "format" check reads the value as a string whatever its type, and throws on
//    objects and arrays (the schema puts "format" beside "type": "string", inside anyOf
//    alternatives that other values reach); it also compiles a std::regex for every
//    date-time it checks, which made validation cost ~0.6 ms per event. "format":
//    "date-time" becomes the equivalent "pattern" (compiled once per thread; it does not
//    check the number of days of each month), and "format": "uri" is dropped (valijson
//    does not check it anyway).
// 2. It parses a "propertyNames" subschema under its parent's cache key, so a parent reached
//    through "$ref" validates each property name against the parent itself and rejects
//    every valid document. Every "propertyNames" of this schema says "one of these names,
//    or a URI", and valijson does not check the "uri" format: the constraint accepts every
//    name, so it is dropped. (python's jsonschema, which checks no format by default,
//    accepts every name too.)

// The schema has no property named "format" or "propertyNames", so every such key is a
// keyword.
void RewriteForValijson(json& node) {
  if (node.is_array()) {
    for (json& item : node) {
      RewriteForValijson(item);
    }
    return;
  }
  if (!node.is_object()) {
    return;
  }
  node.erase("propertyNames");
  for (auto& [key, value] : node.items()) {
    RewriteForValijson(value);
  }
  if (auto format = node.find("format"); format != node.end()) {
    if (*format == "date-time") {
      node["allOf"].push_back({{"pattern", kDateTimePattern}});
    }
    node.erase("format");
  }
}

struct LoadedSchema {
  valijson::Schema schema;
  Status status;
};

std::unique_ptr<LoadedSchema> LoadSchema() {
  auto loaded = std::make_unique<LoadedSchema>();
  try {
    json document = json::parse(internal::EpcisJsonSchema());
    RewriteForValijson(document);
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    valijson::adapters::NlohmannJsonAdapter adapter(document);
    parser.populateSchema(adapter, loaded->schema);
  } catch (const std::exception& e) {
    loaded->status =
        Error(StatusCode::kInternal, "schema_unavailable",
              std::string("the embedded EPCIS JSON Schema cannot be used: ") + e.what());
  }
  return loaded;
}

const LoadedSchema& Schema() {
  static const std::unique_ptr<LoadedSchema> loaded = LoadSchema();
  return *loaded;
}

// "[epcisBody]" -> "epcisBody", escaped for a JSON pointer (RFC 6901).
std::string PointerToken(std::string_view context) {
  if (context.size() >= 2 && context.front() == '[' && context.back() == ']') {
    context = context.substr(1, context.size() - 2);
  }
  std::string token;
  for (char c : context) {
    if (c == '~') {
      token += "~0";
    } else if (c == '/') {
      token += "~1";
    } else {
      token += c;
    }
  }
  return token;
}

std::string Pointer(const std::vector<std::string>& context) {
  std::string pointer;
  for (const std::string& part : context) {
    if (part != "<root>") {
      pointer += '/' + PointerToken(part);
    }
  }
  return pointer;
}

// The properties whose values the schema checks with a pattern (times, versions, hex).
bool IsPatterned(std::string_view key) {
  static constexpr std::string_view kKeys[] = {
      "eventTime", "recordTime", "declarationTime", "creationDate",   "time",
      "startTime", "endTime",    "schemaVersion",   "hexBinaryValue",
  };
  for (std::string_view patterned : kKeys) {
    if (key == patterned) {
      return true;
    }
  }
  return false;
}

// Strings and nesting beyond the limits are refused before valijson sees them: its regular
// expressions (std::regex) recurse once per character of the string they match (about 300
// bytes of stack each in a debug build), and it recurses once per level of nesting.
void CheckLimits(const json& value, std::string_view key, std::string& pointer, int depth,
                 std::vector<SchemaViolation>& out) {
  if (out.size() >= kMaxViolations) {
    return;
  }
  if (depth > kMaxDepth) {
    out.push_back({pointer, "nested deeper than " + std::to_string(kMaxDepth) + " levels"});
    return;
  }
  auto too_long = [&](std::string_view text, std::string_view what, size_t limit) {
    if (text.size() > limit) {
      out.push_back(
          {pointer, std::string(what) + " is longer than " + std::to_string(limit) + " bytes"});
    }
  };
  if (value.is_string()) {
    too_long(value.get_ref<const std::string&>(), "the string",
             IsPatterned(key) ? kMaxPatternedStringBytes : kMaxStringBytes);
  } else if (value.is_array() || value.is_object()) {
    size_t index = 0;
    for (auto it = value.begin(); it != value.end(); ++it, ++index) {
      size_t mark = pointer.size();
      if (value.is_object()) {
        pointer += '/' + PointerToken(it.key());
        too_long(it.key(), "the property name", kMaxStringBytes);
        CheckLimits(*it, it.key(), pointer, depth + 1, out);
      } else {
        pointer += '/' + std::to_string(index);
        CheckLimits(*it, key, pointer, depth + 1, out);
      }
      pointer.resize(mark);
    }
  }
}

std::vector<SchemaViolation> Validate(const json& document) {
  const LoadedSchema& loaded = Schema();
  if (!loaded.status.ok()) {
    return {{"", loaded.status.message()}};
  }
  std::vector<SchemaViolation> violations;
  std::string pointer;
  CheckLimits(document, "", pointer, 0, violations);
  if (!violations.empty()) {
    return violations;
  }
  // One validator per thread: it caches compiled patterns and is not thread-safe.
  thread_local valijson::Validator validator;
  valijson::ValidationResults results;
  try {
    valijson::adapters::NlohmannJsonAdapter adapter(document);
    if (validator.validate(loaded.schema, adapter, &results)) {
      return {};
    }
  } catch (const std::exception& e) {
    return {{"", std::string("the document could not be validated: ") + e.what()}};
  }
  valijson::ValidationResults::Error error;
  while (violations.size() < kMaxViolations && results.popError(error)) {
    violations.push_back({Pointer(error.context), error.description});
  }
  if (violations.empty()) {
    violations.push_back({"", "the document does not validate"});
  }
  return violations;
}

}  // namespace

std::vector<SchemaViolation> ValidateEpcisDocument(const json& document) {
  return Validate(document);
}

std::vector<SchemaViolation> ValidateEpcisEvent(const json& event) {
  std::vector<SchemaViolation> violations = Validate(MakeEpcisDocument({event}, 0));
  for (SchemaViolation& violation : violations) {
    std::string_view pointer = violation.pointer;
    if (pointer.starts_with(kWrappedEventPointer)) {
      violation.pointer = std::string(pointer.substr(kWrappedEventPointer.size()));
    }
  }
  return violations;
}

Status CheckEpcisDocument(const json& document) {
  if (const LoadedSchema& loaded = Schema(); !loaded.status.ok()) {
    return loaded.status;
  }
  std::vector<SchemaViolation> violations = Validate(document);
  if (violations.empty()) {
    return OkStatus();
  }
  std::string message = "the document breaks the EPCIS JSON Schema: ";
  for (size_t i = 0; i < violations.size() && i < kViolationsInMessage; ++i) {
    message += (i > 0 ? "; " : "") + (violations[i].pointer.empty() ? "/" : violations[i].pointer) +
               ": " + violations[i].message;
  }
  if (violations.size() > kViolationsInMessage) {
    message += " (and " + std::to_string(violations.size() - kViolationsInMessage) + " more)";
  }
  return Error(StatusCode::kInvalidArgument, "schema_violation", std::move(message));
}

}  // namespace entrepot::epcis
