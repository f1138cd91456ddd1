#include "entrepot/domain/gs1/syntax_dictionary.h"

#include <array>
#include <cstddef>
#include <cstdio>
#include <string>
#include <utility>

#include "entrepot/base/check.h"
#include "entrepot/base/status_macros.h"
#include "entrepot/domain/gs1/internal/dictionary_text.h"

namespace entrepot::gs1 {
namespace {

// The flag characters the dictionary reserves; those other than '*' and '?' have no meaning
// yet and are ignored.
constexpr std::string_view kFlagCharacters = "*!?\"$%&'()+,-./:;<=>@[\\]^_`{|}~";

struct LinterNameEntry {
  Linter linter;
  std::string_view name;
};

constexpr std::array<LinterNameEntry, 34> kLinterNames = {{
    {Linter::kCsum, "csum"},
    {Linter::kCsumAlpha, "csumalpha"},
    {Linter::kGcpPos1, "gcppos1"},
    {Linter::kGcpPos2, "gcppos2"},
    {Linter::kYymmd0, "yymmd0"},
    {Linter::kYymmdd, "yymmdd"},
    {Linter::kYyyymmdd, "yyyymmdd"},
    {Linter::kHhmi, "hhmi"},
    {Linter::kHh, "hh"},
    {Linter::kMi, "mi"},
    {Linter::kSs, "ss"},
    {Linter::kIso3166, "iso3166"},
    {Linter::kIso3166999, "iso3166999"},
    {Linter::kIso3166Alpha2, "iso3166alpha2"},
    {Linter::kIso4217, "iso4217"},
    {Linter::kIso5218, "iso5218"},
    {Linter::kPcenc, "pcenc"},
    {Linter::kHyphen, "hyphen"},
    {Linter::kYesNo, "yesno"},
    {Linter::kNonZero, "nonzero"},
    {Linter::kZero, "zero"},
    {Linter::kWinding, "winding"},
    {Linter::kPosInSeqSlash, "posinseqslash"},
    {Linter::kPackageType, "packagetype"},
    {Linter::kNoZeroPrefix, "nozeroprefix"},
    {Linter::kMediaType, "mediatype"},
    {Linter::kLongitude, "longitude"},
    {Linter::kLatitude, "latitude"},
    {Linter::kImporterIdx, "importeridx"},
    {Linter::kIban, "iban"},
    {Linter::kHasNonDigit, "hasnondigit"},
    {Linter::kCouponPosOffer, "couponposoffer"},
    {Linter::kCouponCode, "couponcode"},
    {Linter::kPieceOfTotal, "pieceoftotal"},
}};

Status DictionaryError(std::string message) {
  return Error(StatusCode::kInvalidArgument, "bad_dictionary", std::move(message));
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool AllDigits(std::string_view s) {
  for (char c : s) {
    if (!IsDigit(c)) {
      return false;
    }
  }
  return true;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && IsSpace(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

std::vector<std::string_view> SplitWhitespace(std::string_view s) {
  std::vector<std::string_view> tokens;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && IsSpace(s[i])) {
      ++i;
    }
    const std::size_t start = i;
    while (i < s.size() && !IsSpace(s[i])) {
      ++i;
    }
    if (i > start) {
      tokens.push_back(s.substr(start, i - start));
    }
  }
  return tokens;
}

// Splits on `separator`, keeping empty fields (so that "a,,b" can be rejected).
std::vector<std::string_view> Split(std::string_view s, char separator) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = s.find(separator, start);
    if (end == std::string_view::npos) {
      fields.push_back(s.substr(start));
      return fields;
    }
    fields.push_back(s.substr(start, end - start));
    start = end + 1;
  }
}

int ToInt(std::string_view digits) {
  int value = 0;
  for (char c : digits) {
    value = value * 10 + (c - '0');
  }
  return value;
}

bool IsValidAi(std::string_view ai) { return ai.size() >= 2 && ai.size() <= 4 && AllDigits(ai); }

bool IsValidPattern(std::string_view pattern) {
  if (pattern.size() < 2 || pattern.size() > 4) {
    return false;
  }
  for (char c : pattern) {
    if (!IsDigit(c) && c != 'n') {
      return false;
    }
  }
  return true;
}

// A dictionary line before range expansion.
struct LineSpec {
  int first_ai = 0;
  int last_ai = 0;
  int ai_length = 0;
  AiEntry entry;  // Everything but `ai`.
};

Status ParseAiRange(std::string_view token, LineSpec& spec) {
  const std::size_t dash = token.find('-');
  const std::string_view first = token.substr(0, dash);
  const std::string_view last = dash == std::string_view::npos ? first : token.substr(dash + 1);
  if (!IsValidAi(first) || !IsValidAi(last) || first.size() != last.size() ||
      ToInt(first) > ToInt(last)) {
    return DictionaryError("malformed AI or AI range '" + std::string(token) + "'");
  }
  spec.first_ai = ToInt(first);
  spec.last_ai = ToInt(last);
  spec.ai_length = static_cast<int>(first.size());
  return OkStatus();
}

bool IsFlagsToken(std::string_view token) {
  return token.find_first_not_of(kFlagCharacters) == std::string_view::npos;
}

bool LooksLikeComponent(std::string_view token) {
  const char c = token.front();
  return c == 'N' || c == 'X' || c == 'Y' || c == 'Z' || c == '[';
}

// Parses "N14", "X..20" into `component`.
Status ParseComponentType(std::string_view type, Component& component) {
  if (type.size() < 2) {
    return DictionaryError("malformed component type '" + std::string(type) + "'");
  }
  switch (type.front()) {
    case 'N':
      component.charset = CharSet::kNumeric;
      break;
    case 'X':
      component.charset = CharSet::kCset82;
      break;
    case 'Y':
      component.charset = CharSet::kCset39;
      break;
    case 'Z':
      component.charset = CharSet::kCset64;
      break;
    default:
      return DictionaryError("unknown character set in '" + std::string(type) + "'");
  }
  std::string_view length = type.substr(1);
  const bool variable = length.substr(0, 2) == "..";
  if (variable) {
    length.remove_prefix(2);
  }
  if (length.empty() || length.size() > 2 || !AllDigits(length) || ToInt(length) == 0) {
    return DictionaryError("malformed length in component '" + std::string(type) + "'");
  }
  component.max_length = ToInt(length);
  component.min_length = variable ? 1 : component.max_length;
  return OkStatus();
}

Status AddLinters(std::vector<std::string_view> names, Component& component) {
  for (std::string_view name : names) {
    const std::optional<Linter> linter = LinterFromName(name);
    if (!linter.has_value()) {
      return DictionaryError("unknown linter '" + std::string(name) + "'");
    }
    component.linters.push_back(*linter);
  }
  return OkStatus();
}

// Parses "N14,csum,gcppos2", "[N..12]", "[N3],iso3166".
StatusOr<Component> ParseComponent(std::string_view token) {
  Component component;
  std::string_view spec = token;
  std::string_view trailing_linters;
  if (token.front() == '[') {
    const std::size_t close = token.find(']');
    if (close == std::string_view::npos) {
      return DictionaryError("unterminated '[' in component '" + std::string(token) + "'");
    }
    component.optional = true;
    spec = token.substr(1, close - 1);
    trailing_linters = token.substr(close + 1);
    if (!trailing_linters.empty() && trailing_linters.front() != ',') {
      return DictionaryError("malformed component '" + std::string(token) + "'");
    }
  }
  std::vector<std::string_view> parts = Split(spec, ',');
  ENTREPOT_RETURN_IF_ERROR(ParseComponentType(parts.front(), component));
  parts.erase(parts.begin());
  ENTREPOT_RETURN_IF_ERROR(AddLinters(parts, component));
  if (!trailing_linters.empty()) {
    ENTREPOT_RETURN_IF_ERROR(AddLinters(Split(trailing_linters.substr(1), ','), component));
  }
  return component;
}

// Parses a comma-separated pattern list ("01,02,35nn").
StatusOr<std::vector<std::string>> ParsePatternList(std::string_view list, char joiner) {
  std::vector<std::string> patterns;
  for (std::string_view pattern : Split(list, joiner)) {
    if (!IsValidPattern(pattern)) {
      return DictionaryError("malformed AI pattern '" + std::string(pattern) + "' in '" +
                             std::string(list) + "'");
    }
    patterns.emplace_back(pattern);
  }
  return patterns;
}

Status ParseReq(std::string_view value, AiEntry& entry) {
  std::vector<std::vector<std::string>> alternatives;
  for (std::string_view alternative : Split(value, ',')) {
    ENTREPOT_ASSIGN_OR_RETURN(std::vector<std::string> all_of, ParsePatternList(alternative, '+'));
    alternatives.push_back(std::move(all_of));
  }
  entry.req.push_back(std::move(alternatives));
  return OkStatus();
}

Status ParseDlpkey(std::string_view value, AiEntry& entry) {
  entry.dlpkey = true;
  for (std::string_view sequence : Split(value, '|')) {
    std::vector<std::string> qualifiers;
    for (std::string_view ai : Split(sequence, ',')) {
      if (!IsValidAi(ai)) {
        return DictionaryError("malformed dlpkey qualifier '" + std::string(ai) + "'");
      }
      qualifiers.emplace_back(ai);
    }
    entry.dl_qualifiers.push_back(std::move(qualifiers));
  }
  return OkStatus();
}

Status ParseAttribute(std::string_view token, AiEntry& entry) {
  if (token == "dlpkey") {
    entry.dlpkey = true;
    return OkStatus();
  }
  const std::size_t equals = token.find('=');
  if (equals == std::string_view::npos) {
    return OkStatus();  // An unknown solitary key.
  }
  const std::string_view key = token.substr(0, equals);
  const std::string_view value = token.substr(equals + 1);
  if (key == "req") {
    return ParseReq(value, entry);
  }
  if (key == "ex") {
    ENTREPOT_ASSIGN_OR_RETURN(std::vector<std::string> patterns, ParsePatternList(value, ','));
    entry.ex.insert(entry.ex.end(), patterns.begin(), patterns.end());
    return OkStatus();
  }
  if (key == "dlpkey") {
    return ParseDlpkey(value, entry);
  }
  return OkStatus();  // An unknown key.
}

// Checks the component rules and computes the value's length bounds.
Status FinishComponents(AiEntry& entry) {
  const std::vector<Component>& components = entry.components;
  for (std::size_t i = 0; i < components.size(); ++i) {
    const Component& c = components[i];
    if (c.min_length != c.max_length && i + 1 != components.size()) {
      return DictionaryError("only the last component may have a variable length");
    }
    if (i > 0 && components[i - 1].optional && !c.optional) {
      return DictionaryError("a mandatory component follows an optional one");
    }
    if (!entry.fnc1_required && (c.optional || c.min_length != c.max_length)) {
      return DictionaryError("an AI flagged '*' must have a fixed length");
    }
    entry.max_length += c.max_length;
    if (!c.optional) {
      entry.min_length += c.min_length;
    }
  }
  return OkStatus();
}

// Parses one line; returns nullopt for a blank or comment line.
StatusOr<std::optional<LineSpec>> ParseLine(std::string_view line) {
  const std::size_t hash = line.find('#');
  const std::string_view body = Trim(line.substr(0, hash));
  if (body.empty()) {
    return std::optional<LineSpec>();
  }
  LineSpec spec;
  if (hash != std::string_view::npos) {
    spec.entry.title = std::string(Trim(line.substr(hash + 1)));
  }
  const std::vector<std::string_view> tokens = SplitWhitespace(body);
  ENTREPOT_RETURN_IF_ERROR(ParseAiRange(tokens[0], spec));
  std::size_t i = 1;
  if (i < tokens.size() && IsFlagsToken(tokens[i])) {
    spec.entry.flags = std::string(tokens[i++]);
  }
  spec.entry.fnc1_required = spec.entry.flags.find('*') == std::string::npos;
  spec.entry.dl_data_attribute = spec.entry.flags.find('?') != std::string::npos;
  for (; i < tokens.size() && LooksLikeComponent(tokens[i]); ++i) {
    ENTREPOT_ASSIGN_OR_RETURN(Component component, ParseComponent(tokens[i]));
    spec.entry.components.push_back(std::move(component));
  }
  if (spec.entry.components.empty()) {
    return DictionaryError("no specification components");
  }
  for (; i < tokens.size(); ++i) {
    if (LooksLikeComponent(tokens[i])) {
      return DictionaryError("component '" + std::string(tokens[i]) + "' after attributes");
    }
    ENTREPOT_RETURN_IF_ERROR(ParseAttribute(tokens[i], spec.entry));
  }
  ENTREPOT_RETURN_IF_ERROR(FinishComponents(spec.entry));
  return std::optional<LineSpec>(std::move(spec));
}

std::string FormatAi(int number, int length) {
  std::string ai = std::to_string(number);
  return std::string(static_cast<std::size_t>(length) - ai.size(), '0') + ai;
}

bool PatternMatchesAny(const AiTable& table, std::string_view pattern) {
  if (pattern.find('n') == std::string_view::npos) {
    return table.Find(pattern) != nullptr;
  }
  for (const AiEntry& entry : table.Entries()) {
    if (AiMatchesPattern(pattern, entry.ai)) {
      return true;
    }
  }
  return false;
}

// Checks that every AI named by req=, ex= and dlpkey= exists.
Status CheckReferences(const AiTable& table, const AiEntry& entry) {
  auto check = [&](std::string_view pattern) -> Status {
    if (!PatternMatchesAny(table, pattern)) {
      return DictionaryError("AI (" + entry.ai + ") refers to (" + std::string(pattern) +
                             "), which matches no AI");
    }
    return OkStatus();
  };
  for (const auto& attribute : entry.req) {
    for (const auto& alternative : attribute) {
      for (const std::string& pattern : alternative) {
        ENTREPOT_RETURN_IF_ERROR(check(pattern));
      }
    }
  }
  for (const std::string& pattern : entry.ex) {
    ENTREPOT_RETURN_IF_ERROR(check(pattern));
  }
  for (const auto& sequence : entry.dl_qualifiers) {
    for (const std::string& ai : sequence) {
      ENTREPOT_RETURN_IF_ERROR(check(ai));
    }
  }
  return OkStatus();
}

}  // namespace

std::string_view LinterName(Linter linter) {
  for (const LinterNameEntry& entry : kLinterNames) {
    if (entry.linter == linter) {
      return entry.name;
    }
  }
  return "unknown";
}

std::optional<Linter> LinterFromName(std::string_view name) {
  for (const LinterNameEntry& entry : kLinterNames) {
    if (entry.name == name) {
      return entry.linter;
    }
  }
  return std::nullopt;
}

bool AiMatchesPattern(std::string_view pattern, std::string_view ai) {
  if (pattern.size() != ai.size()) {
    return false;
  }
  for (std::size_t i = 0; i < ai.size(); ++i) {
    if (pattern[i] != ai[i] && !(pattern[i] == 'n' && IsDigit(ai[i]))) {
      return false;
    }
  }
  return true;
}

int AiTable::Slot(std::string_view ai) {
  if (!IsValidAi(ai)) {
    return -1;
  }
  const int base = ai.size() == 2 ? 0 : ai.size() == 3 ? 100 : 1100;
  return base + ToInt(ai);
}

const AiEntry* AiTable::Find(std::string_view ai) const {
  const int slot = Slot(ai);
  if (slot < 0 || index_.empty()) {
    return nullptr;
  }
  const int position = index_[static_cast<std::size_t>(slot)];
  return position < 0 ? nullptr : &entries_[static_cast<std::size_t>(position)];
}

const AiEntry* AiTable::FindPrefix(std::string_view data) const {
  if (data.size() < 2 || !IsDigit(data[0]) || !IsDigit(data[1]) || length_by_prefix_.empty()) {
    return nullptr;
  }
  const std::size_t length = static_cast<std::size_t>(
      length_by_prefix_[static_cast<std::size_t>(ToInt(data.substr(0, 2)))]);
  if (length == 0 || data.size() < length) {
    return nullptr;
  }
  return Find(data.substr(0, length));
}

StatusOr<AiTable> ParseSyntaxDictionary(std::string_view text) {
  AiTable table;
  table.index_.assign(AiTable::kIndexSize, -1);
  table.length_by_prefix_.assign(100, 0);
  std::vector<int> line_of_entry;
  int line_number = 0;
  for (std::string_view line : Split(text, '\n')) {
    ++line_number;
    const std::string context = "line " + std::to_string(line_number);
    StatusOr<std::optional<LineSpec>> parsed = ParseLine(line);
    if (!parsed.ok()) {
      return parsed.status().WithContext(context);
    }
    if (!parsed->has_value()) {
      continue;
    }
    const LineSpec& spec = **parsed;
    for (int number = spec.first_ai; number <= spec.last_ai; ++number) {
      AiEntry entry = spec.entry;
      entry.ai = FormatAi(number, spec.ai_length);
      const std::size_t slot = static_cast<std::size_t>(AiTable::Slot(entry.ai));
      if (table.index_[slot] >= 0) {
        return DictionaryError(context + ": AI (" + entry.ai + ") is defined twice");
      }
      std::int8_t& prefix_length = table.length_by_prefix_[static_cast<std::size_t>(
          ToInt(std::string_view(entry.ai).substr(0, 2)))];
      if (prefix_length != 0 && prefix_length != spec.ai_length) {
        return DictionaryError(context + ": AI (" + entry.ai +
                               ") has a different length than other AIs starting with " +
                               entry.ai.substr(0, 2));
      }
      prefix_length = static_cast<std::int8_t>(spec.ai_length);
      if (table.entries_.size() >= 30000) {
        return DictionaryError(context + ": too many AIs");
      }
      table.index_[slot] = static_cast<std::int16_t>(table.entries_.size());
      table.entries_.push_back(std::move(entry));
      line_of_entry.push_back(line_number);
    }
  }
  for (std::size_t i = 0; i < table.entries_.size(); ++i) {
    ENTREPOT_RETURN_IF_ERROR(CheckReferences(table, table.entries_[i])
                                 .WithContext("line " + std::to_string(line_of_entry[i])));
  }
  return table;
}

const AiTable& DefaultAiTable() {
  static const AiTable table = [] {
    StatusOr<AiTable> parsed = ParseSyntaxDictionary(internal::SyntaxDictionaryText());
    if (!parsed.ok()) {
      std::fprintf(stderr, "embedded GS1 syntax dictionary: %s\n",
                   parsed.status().ToString().c_str());
    }
    ENTREPOT_CHECK(parsed.ok());
    return std::move(parsed).value();
  }();
  return table;
}

}  // namespace entrepot::gs1
