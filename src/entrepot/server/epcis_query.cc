#include "entrepot/server/epcis_query.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <functional>
#include <initializer_list>
#include <map>
#include <set>

#include "entrepot/base/status_macros.h"
#include "entrepot/epcis/document.h"
#include "entrepot/epcis/identifiers.h"

namespace entrepot::server {
namespace {

using nlohmann::json;

constexpr std::string_view kPageTokenParameter = "nextPageToken";
constexpr size_t kMaxPageTokenBytes = 64;

std::string StripFirstPrefix(std::string_view value,
                             std::initializer_list<std::string_view> prefixes) {
  for (std::string_view prefix : prefixes) {
    if (value.size() > prefix.size() && value.substr(0, prefix.size()) == prefix) {
      return std::string(value.substr(prefix.size()));
    }
  }
  return std::string(value);
}

std::string StringAt(const json& object, std::string_view key) {
  auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>() : "";
}

// The "id" of a readPoint or bizLocation, normalised; "" when absent.
std::string PlaceOf(const json& event, std::string_view key) {
  auto found = event.find(key);
  if (found == event.end() || !found->is_object()) {
    return "";
  }
  std::string id = StringAt(*found, "id");
  return id.empty() ? "" : epcis::NormalizeUri(id);
}

void AddEpcs(const json& event, std::string_view key, EpcRole role,
             std::set<std::pair<EpcRole, std::string>>& out) {
  auto found = event.find(key);
  if (found == event.end() || !found->is_array()) {
    return;
  }
  for (const json& epc : *found) {
    if (epc.is_string()) {
      out.emplace(role, epcis::NormalizeUri(epc.get<std::string>()));
    }
  }
}

void AddClasses(const json& event, std::string_view key, EpcRole role,
                std::set<std::pair<EpcRole, std::string>>& out) {
  auto found = event.find(key);
  if (found == event.end() || !found->is_array()) {
    return;
  }
  for (const json& element : *found) {
    if (element.is_object()) {
      std::string epc_class = StringAt(element, "epcClass");
      if (!epc_class.empty()) {
        out.emplace(role, epcis::NormalizeUri(epc_class));
      }
    }
  }
}

// FNV-1a, 64 bits: a digest for page tokens, not a security measure (a forged token can
// only start a page at another position of the same data the caller may read anyway).
class Digest {
 public:
  void Add(std::string_view text) {
    AddByte(static_cast<unsigned char>(text.size() & 0xFF));
    AddByte(static_cast<unsigned char>((text.size() >> 8) & 0xFF));
    for (char c : text) {
      AddByte(static_cast<unsigned char>(c));
    }
  }
  void Add(const std::vector<std::string>& values) {
    Add(std::to_string(values.size()));
    for (const std::string& value : values) {
      Add(value);
    }
  }
  void Add(const std::optional<int64_t>& value) { Add(value ? std::to_string(*value) : "-"); }
  uint64_t value() const { return hash_; }

 private:
  void AddByte(unsigned char byte) {
    hash_ ^= byte;
    hash_ *= 0x100000001B3ULL;
  }
  uint64_t hash_ = 0xCBF29CE484222325ULL;
};

Status BadParameter(const std::string& message) {
  return Error(StatusCode::kInvalidArgument, "bad_query_parameter", message);
}

Status BadPageToken(const std::string& why) {
  return Error(StatusCode::kInvalidArgument, "bad_page_token",
               "nextPageToken " + why +
                   "; send it back unchanged with the parameters of the query that returned it, "
                   "or leave it out to start from the first page");
}

StatusOr<int64_t> ParseQueryTime(const std::string& name, std::string value) {
  // A query string turns an unescaped '+' into a space, and a date-time has no space.
  std::replace(value.begin(), value.end(), ' ', '+');
  StatusOr<int64_t> ms = epcis::ParseEpcisTime(value);
  if (!ms.ok()) {
    return Error(StatusCode::kInvalidArgument, "bad_time",
                 name +
                     " must be a date-time with an offset, such as 2026-11-28T08:15:02Z or "
                     "2026-11-28T09:15:02.120+01:00 (percent-encode '+' as %2B), not \"" +
                     value + "\"");
  }
  return *ms;
}

StatusOr<int64_t> ParsePerPage(const std::string& value) {
  int64_t per_page = 0;
  auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), per_page);
  if (error != std::errc() || end != value.data() + value.size() || per_page < 1 ||
      per_page > kMaxPerPage) {
    return Error(StatusCode::kInvalidArgument, "bad_per_page",
                 "perPage must be a whole number from 1 to " + std::to_string(kMaxPerPage) +
                     ", not \"" + value + "\"");
  }
  return per_page;
}

IdentifierMatch MatchOf(const std::string& value) {
  StatusOr<epcis::ParsedUri> parsed = epcis::ParseUri(value);
  const bool product_pattern =
      parsed.ok() && parsed->kind == epcis::ParsedUri::Kind::kClass && parsed->lot.empty();
  return IdentifierMatch{epcis::NormalizeUri(value), product_pattern};
}

// The roles each MATCH_ parameter selects (EPCIS 2.0, 8.2.7.1).
const std::map<std::string, std::vector<EpcRole>, std::less<>>& MatchParameters() {
  static const auto* kMatches = new std::map<std::string, std::vector<EpcRole>, std::less<>>{
      {"MATCH_epc", {EpcRole::kEpc}},
      {"MATCH_parentID", {EpcRole::kParent}},
      {"MATCH_inputEPC", {EpcRole::kInput}},
      {"MATCH_outputEPC", {EpcRole::kOutput}},
      {"MATCH_anyEPC", {EpcRole::kEpc, EpcRole::kParent, EpcRole::kInput, EpcRole::kOutput}},
      {"MATCH_epcClass", {EpcRole::kClass}},
      {"MATCH_anyEPCClass", {EpcRole::kClass, EpcRole::kInputClass, EpcRole::kOutputClass}},
  };
  return *kMatches;
}

// The parameter's values: each occurrence split at '|'.
StatusOr<std::vector<std::string>> ValuesOf(const QueryParameters& parameters,
                                            std::string_view name) {
  std::vector<std::string> values;
  for (const auto& [key, value] : parameters) {
    if (key != name) {
      continue;
    }
    std::string_view rest = value;
    while (true) {
      size_t bar = rest.find('|');
      std::string_view one = rest.substr(0, bar);
      if (one.empty()) {
        return BadParameter(std::string(name) + " has an empty value");
      }
      if (values.size() == kMaxQueryValues) {
        return Error(StatusCode::kInvalidArgument, "too_many_values",
                     std::string(name) + " takes at most " + std::to_string(kMaxQueryValues) +
                         " values; split the query");
      }
      values.emplace_back(one);
      if (bar == std::string_view::npos) {
        break;
      }
      rest.remove_prefix(bar + 1);
    }
  }
  return values;
}

// The single value of a parameter that takes one; nullopt when absent.
StatusOr<std::optional<std::string>> SingleValue(const QueryParameters& parameters,
                                                 std::string_view name) {
  std::optional<std::string> found;
  for (const auto& [key, value] : parameters) {
    if (key != name) {
      continue;
    }
    if (found) {
      return BadParameter(std::string(name) + " may be given once");
    }
    if (value.empty()) {
      return BadParameter(std::string(name) + " has an empty value");
    }
    found = value;
  }
  return found;
}

StatusOr<std::optional<int64_t>> TimeParameter(const QueryParameters& parameters,
                                               std::string_view name) {
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<std::string> text, SingleValue(parameters, name));
  if (!text) {
    return std::optional<int64_t>();
  }
  ENTREPOT_ASSIGN_OR_RETURN(int64_t ms, ParseQueryTime(std::string(name), *text));
  return std::optional<int64_t>(ms);
}

Status CheckNames(const QueryParameters& parameters) {
  static const std::set<std::string, std::less<>> kPlain = {
      "eventType",     "GE_eventTime",   "LT_eventTime", "GE_recordTime",
      "LT_recordTime", "EQ_action",      "EQ_bizStep",   "EQ_disposition",
      "EQ_readPoint",  "EQ_bizLocation", "perPage",      std::string(kPageTokenParameter)};
  for (const auto& [name, value] : parameters) {
    if (kPlain.contains(name) || MatchParameters().contains(name) || name.starts_with("GS1-")) {
      continue;
    }
    return Error(StatusCode::kInvalidArgument, "unknown_query_parameter",
                 "unknown query parameter \"" + name +
                     "\" (docs/API.md lists those of GET /epcis/events; names are "
                     "case-sensitive, as in EPCIS: EQ_bizStep, MATCH_epc, ...)");
  }
  return OkStatus();
}

Status ReadValueFilters(const QueryParameters& parameters, EventQuery& query) {
  ENTREPOT_ASSIGN_OR_RETURN(query.event_types, ValuesOf(parameters, "eventType"));
  ENTREPOT_ASSIGN_OR_RETURN(query.actions, ValuesOf(parameters, "EQ_action"));
  ENTREPOT_ASSIGN_OR_RETURN(std::vector<std::string> steps, ValuesOf(parameters, "EQ_bizStep"));
  for (const std::string& step : steps) {
    query.biz_steps.push_back(NormalizeBizStep(step));
  }
  ENTREPOT_ASSIGN_OR_RETURN(std::vector<std::string> dispositions,
                            ValuesOf(parameters, "EQ_disposition"));
  for (const std::string& disposition : dispositions) {
    query.dispositions.push_back(NormalizeDisposition(disposition));
  }
  ENTREPOT_ASSIGN_OR_RETURN(std::vector<std::string> points, ValuesOf(parameters, "EQ_readPoint"));
  for (const std::string& point : points) {
    query.read_points.push_back(epcis::NormalizeUri(point));
  }
  ENTREPOT_ASSIGN_OR_RETURN(std::vector<std::string> places,
                            ValuesOf(parameters, "EQ_bizLocation"));
  for (const std::string& place : places) {
    query.biz_locations.push_back(epcis::NormalizeUri(place));
  }
  for (const auto& [name, roles] : MatchParameters()) {
    ENTREPOT_ASSIGN_OR_RETURN(std::vector<std::string> values, ValuesOf(parameters, name));
    if (values.empty()) {
      continue;
    }
    EpcMatch match{roles, {}};
    for (const std::string& value : values) {
      match.values.push_back(MatchOf(value));
    }
    query.matches.push_back(std::move(match));
  }
  return OkStatus();
}

StatusOr<uint64_t> ParsePageToken(std::string_view token, uint64_t fingerprint) {
  const size_t dash = token.find('-');
  if (token.size() > kMaxPageTokenBytes || dash == std::string_view::npos || dash == 0 ||
      token.size() - dash - 1 != 16) {
    return BadPageToken("is not a token this server made");
  }
  uint64_t position = 0;
  uint64_t digest = 0;
  const char* begin = token.data();
  auto [position_end, position_error] = std::from_chars(begin, begin + dash, position);
  auto [digest_end, digest_error] =
      std::from_chars(begin + dash + 1, begin + token.size(), digest, 16);
  if (position_error != std::errc() || position_end != begin + dash ||
      digest_error != std::errc() || digest_end != begin + token.size() ||
      position > static_cast<uint64_t>(INT64_MAX)) {
    return BadPageToken("is not a token this server made");
  }
  if (digest != fingerprint) {
    return BadPageToken("was made for a query with other filters");
  }
  return position;
}

// Calls `visit` for every object key under `node`, at any depth.
void ForEachKey(const json& node, const std::function<void(const std::string&)>& visit) {
  if (node.is_object()) {
    for (const auto& [key, value] : node.items()) {
      visit(key);
      ForEachKey(value, visit);
    }
  } else if (node.is_array()) {
    for (const json& value : node) {
      ForEachKey(value, visit);
    }
  }
}

// The namespace entry a key uses: the key itself when it is a declared term, else its
// prefix before ':' when declared; "" when neither.
std::string EntryOfKey(const std::string& key, const json& namespaces) {
  if (namespaces.contains(key)) {
    return key;
  }
  const size_t colon = key.find(':');
  if (colon == std::string::npos || colon == 0) {
    return "";
  }
  std::string prefix = key.substr(0, colon);
  return namespaces.contains(prefix) ? prefix : "";
}

// Rewrites, at any depth, the keys of `node` that use a namespace entry in `expand` as full
// IRIs.
void ExpandKeys(json& node, const json& expand) {
  if (node.is_array()) {
    for (json& value : node) {
      ExpandKeys(value, expand);
    }
    return;
  }
  if (!node.is_object()) {
    return;
  }
  json out = json::object();
  for (auto& [key, value] : node.items()) {
    ExpandKeys(value, expand);
    std::string entry = EntryOfKey(key, expand);
    std::string name = key;
    if (!entry.empty()) {
      const std::string iri = expand[entry].get<std::string>();
      name = entry == key ? iri : iri + key.substr(entry.size() + 1);
    }
    out[name] = std::move(value);
  }
  node = std::move(out);
}

}  // namespace

StatusOr<EventFacts> DescribeEvent(const json& event) {
  if (!event.is_object() || StringAt(event, "type").empty()) {
    return Error(StatusCode::kInvalidArgument, "bad_event", "an EPCIS event has a string \"type\"");
  }
  EventFacts facts;
  facts.type = StringAt(event, "type");
  StatusOr<int64_t> time = epcis::ParseEpcisTime(StringAt(event, "eventTime"));
  if (!time.ok()) {
    return Error(StatusCode::kInvalidArgument, "bad_event_time",
                 "eventTime must be a date-time with an offset, such as "
                 "2026-11-28T08:15:02.120+01:00 (" +
                     time.status().message() + ")");
  }
  facts.event_time_ms = *time;
  facts.action = StringAt(event, "action");
  facts.biz_step = NormalizeBizStep(StringAt(event, "bizStep"));
  facts.disposition = NormalizeDisposition(StringAt(event, "disposition"));
  facts.read_point = PlaceOf(event, "readPoint");
  facts.biz_location = PlaceOf(event, "bizLocation");
  std::set<std::pair<EpcRole, std::string>> epcs;
  AddEpcs(event, "epcList", EpcRole::kEpc, epcs);
  AddEpcs(event, "childEPCs", EpcRole::kEpc, epcs);
  AddEpcs(event, "inputEPCList", EpcRole::kInput, epcs);
  AddEpcs(event, "outputEPCList", EpcRole::kOutput, epcs);
  if (std::string parent = StringAt(event, "parentID"); !parent.empty()) {
    epcs.emplace(EpcRole::kParent, epcis::NormalizeUri(parent));
  }
  AddClasses(event, "quantityList", EpcRole::kClass, epcs);
  AddClasses(event, "childQuantityList", EpcRole::kClass, epcs);
  AddClasses(event, "inputQuantityList", EpcRole::kInputClass, epcs);
  AddClasses(event, "outputQuantityList", EpcRole::kOutputClass, epcs);
  facts.epcs.assign(epcs.begin(), epcs.end());
  return facts;
}

std::string NormalizeBizStep(std::string_view value) {
  return StripFirstPrefix(
      value, {"https://ref.gs1.org/cbv/BizStep-", "http://ref.gs1.org/cbv/BizStep-", "cbv:BizStep-",
              "urn:epcglobal:cbv:bizstep:"});
}

std::string NormalizeDisposition(std::string_view value) {
  return StripFirstPrefix(value, {"https://ref.gs1.org/cbv/Disp-", "http://ref.gs1.org/cbv/Disp-",
                                  "cbv:Disp-", "urn:epcglobal:cbv:disp:"});
}

uint64_t EventQuery::Fingerprint() const {
  Digest digest;
  digest.Add(event_types);
  digest.Add(ge_event_time_ms);
  digest.Add(lt_event_time_ms);
  digest.Add(ge_record_time_ms);
  digest.Add(lt_record_time_ms);
  digest.Add(actions);
  digest.Add(biz_steps);
  digest.Add(dispositions);
  digest.Add(read_points);
  digest.Add(biz_locations);
  for (const EpcMatch& match : matches) {
    for (EpcRole role : match.roles) {
      digest.Add(std::to_string(static_cast<int>(role)));
    }
    for (const IdentifierMatch& value : match.values) {
      digest.Add(value.prefix ? "*" + value.uri : value.uri);
    }
  }
  return digest.value();
}

StatusOr<EventQuery> ParseEventQuery(const QueryParameters& parameters) {
  ENTREPOT_RETURN_IF_ERROR(CheckNames(parameters));
  EventQuery query;
  ENTREPOT_RETURN_IF_ERROR(ReadValueFilters(parameters, query));
  ENTREPOT_ASSIGN_OR_RETURN(query.ge_event_time_ms, TimeParameter(parameters, "GE_eventTime"));
  ENTREPOT_ASSIGN_OR_RETURN(query.lt_event_time_ms, TimeParameter(parameters, "LT_eventTime"));
  ENTREPOT_ASSIGN_OR_RETURN(query.ge_record_time_ms, TimeParameter(parameters, "GE_recordTime"));
  ENTREPOT_ASSIGN_OR_RETURN(query.lt_record_time_ms, TimeParameter(parameters, "LT_recordTime"));
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<std::string> per_page,
                            SingleValue(parameters, "perPage"));
  if (per_page) {
    ENTREPOT_ASSIGN_OR_RETURN(query.per_page, ParsePerPage(*per_page));
  }
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<std::string> token,
                            SingleValue(parameters, kPageTokenParameter));
  if (token) {
    ENTREPOT_ASSIGN_OR_RETURN(query.after_position, ParsePageToken(*token, query.Fingerprint()));
  }
  return query;
}

std::string FormatPageToken(const EventQuery& query, uint64_t last_position) {
  char digest[17];
  std::snprintf(digest, sizeof(digest), "%016llx",
                static_cast<unsigned long long>(query.Fingerprint()));
  return std::to_string(last_position) + "-" + digest;
}

json ContextNamespaces(const json& context) {
  json out = json::object();
  if (context.is_array()) {
    for (const json& part : context) {
      out.update(ContextNamespaces(part));
    }
  } else if (context.is_object()) {
    for (const auto& [key, value] : context.items()) {
      if (!key.starts_with("@") && value.is_string()) {
        out[key] = value;
      }
    }
  }
  return out;
}

json NamespacesUsed(const json& event, const json& namespaces) {
  json used = json::object();
  if (!namespaces.is_object() || namespaces.empty()) {
    return used;
  }
  ForEachKey(event, [&](const std::string& key) {
    std::string entry = EntryOfKey(key, namespaces);
    if (!entry.empty()) {
      used[entry] = namespaces[entry];
    }
  });
  return used;
}

void MergeNamespaces(const json& event_namespaces, json& page_namespaces, json& event) {
  if (!event_namespaces.is_object()) {
    return;
  }
  if (!page_namespaces.is_object()) {
    page_namespaces = json::object();
  }
  json expand = json::object();
  for (const auto& [prefix, iri] : event_namespaces.items()) {
    auto bound = page_namespaces.find(prefix);
    if (bound == page_namespaces.end()) {
      page_namespaces[prefix] = iri;
    } else if (*bound != iri) {
      expand[prefix] = iri;
    }
  }
  if (!expand.empty()) {
    ExpandKeys(event, expand);
  }
}

Status CheckJsonDepth(std::string_view text, size_t max_depth) {
  size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) {
        return Error(
            StatusCode::kInvalidArgument, "too_deep",
            "the JSON nests arrays and objects more than " + std::to_string(max_depth) + " deep");
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return OkStatus();
}

}  // namespace entrepot::server
