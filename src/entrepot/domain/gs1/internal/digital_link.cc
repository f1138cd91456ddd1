#include "entrepot/domain/gs1/internal/digital_link.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>

#include "entrepot/base/status_macros.h"

namespace entrepot::gs1::internal {
namespace {

// RFC 3986 unreserved and reserved characters, plus '%'.
constexpr std::string_view kUriCharacters =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&'()*+,;=%";

// A piece of the scan with its 0-based offset in the scan.
struct Piece {
  std::string_view text;
  std::size_t offset = 0;
};

Status LinkError(std::string message) {
  return Error(StatusCode::kInvalidArgument, "bad_digital_link", std::move(message));
}

std::string At(std::size_t offset) { return " at position " + std::to_string(offset + 1); }

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) {
    return false;
  }
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
    if (c != prefix[i]) {
      return false;
    }
  }
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  return -1;
}

// Decodes a path segment or query value into `element`, recording positions when decoding
// changes the length.
Status DecodeValue(Piece piece, bool is_query, ScannedElement& element) {
  element.value_pos = piece.offset + 1;
  const std::string_view text = piece.text;
  if (text.find('%') == std::string_view::npos &&
      (!is_query || text.find('+') == std::string_view::npos)) {
    element.value = std::string(text);
    return OkStatus();
  }
  element.value.clear();
  element.char_pos.clear();
  for (std::size_t k = 0; k < text.size(); ++k) {
    element.char_pos.push_back(piece.offset + k + 1);
    const char c = text[k];
    if (c == '%') {
      const int high = k + 2 < text.size() ? HexValue(text[k + 1]) : -1;
      const int low = high >= 0 ? HexValue(text[k + 2]) : -1;
      if (low < 0) {
        return LinkError("invalid percent-encoding" + At(piece.offset + k));
      }
      element.value.push_back(static_cast<char>(high * 16 + low));
      k += 2;
    } else {
      element.value.push_back(is_query && c == '+' ? ' ' : c);
    }
  }
  return OkStatus();
}

// Pads a GTIN-8/12/13 in AI (01) to 14 digits, as the Digital Link standard allows.
void NormalizeGtinValue(ScannedElement& element) {
  const std::size_t n = element.value.size();
  if (element.entry->ai != "01" || (n != 8 && n != 12 && n != 13) ||
      !std::all_of(element.value.begin(), element.value.end(),
                   [](char c) { return c >= '0' && c <= '9'; })) {
    return;
  }
  const std::size_t pad = 14 - n;
  element.value.insert(0, pad, '0');
  element.leading_pad = pad;
  if (!element.char_pos.empty()) {
    element.char_pos.insert(element.char_pos.begin(), pad, element.char_pos.front());
  }
}

StatusOr<ScannedElement> MakeElement(const AiEntry* entry, Piece ai, Piece value, bool is_query) {
  ScannedElement element;
  element.entry = entry;
  element.ai_pos = ai.offset + 1;
  ENTREPOT_RETURN_IF_ERROR(DecodeValue(value, is_query, element));
  NormalizeGtinValue(element);
  return element;
}

std::vector<Piece> SplitPath(std::string_view scan, std::size_t begin, std::size_t end) {
  std::vector<Piece> segments;
  std::size_t start = begin;
  for (std::size_t i = begin; i <= end; ++i) {
    if (i == end || scan[i] == '/') {
      segments.push_back(Piece{scan.substr(start, i - start), start});
      start = i + 1;
    }
  }
  if (segments.size() > 1 && segments.back().text.empty()) {
    segments.pop_back();  // Tolerate one trailing slash.
  }
  return segments;
}

// The index of the primary key's segment, found by walking "/AI/value" pairs backwards from
// the end of the path; -1 if there is none.
long FindPrimaryKey(const std::vector<Piece>& segments, const AiTable& table) {
  for (long i = static_cast<long>(segments.size()) - 2; i >= 0; i -= 2) {
    const AiEntry* entry = table.Find(segments[static_cast<std::size_t>(i)].text);
    if (entry == nullptr) {
      return -1;
    }
    if (entry->dlpkey) {
      return i;
    }
  }
  return -1;
}

std::string DescribeSequences(const std::vector<std::vector<std::string>>& sequences) {
  std::string text;
  for (std::size_t i = 0; i < sequences.size(); ++i) {
    if (i > 0) {
      text += " or ";
    }
    for (std::size_t j = 0; j < sequences[i].size(); ++j) {
      text += (j > 0 ? "/" : "") + sequences[i][j];
    }
  }
  return text;
}

// How many leading qualifiers (elements[1..]) follow `sequence` in order.
std::size_t MatchingPrefix(const std::vector<ScannedElement>& elements,
                           const std::vector<std::string>& sequence) {
  std::size_t matched = 0;
  std::size_t next = 0;
  for (std::size_t i = 1; i < elements.size(); ++i) {
    while (next < sequence.size() && sequence[next] != elements[i].entry->ai) {
      ++next;
    }
    if (next == sequence.size()) {
      break;
    }
    ++next;
    ++matched;
  }
  return matched;
}

// Checks that the qualifiers after the key follow an order that its dlpkey= allows.
Status CheckQualifierOrder(const std::vector<ScannedElement>& path) {
  const std::size_t qualifiers = path.size() - 1;
  if (qualifiers == 0) {
    return OkStatus();
  }
  const AiEntry& key = *path.front().entry;
  std::size_t best = 0;
  for (const std::vector<std::string>& sequence : key.dl_qualifiers) {
    best = std::max(best, MatchingPrefix(path, sequence));
  }
  if (best == qualifiers) {
    return OkStatus();
  }
  const ScannedElement& offender = path[best + 1];
  const std::string allowed = key.dl_qualifiers.empty() ? "it takes no key qualifiers"
                                                        : "allowed qualifier orders: " +
                                                              DescribeSequences(key.dl_qualifiers);
  return LinkError("AI (" + offender.entry->ai + ")" + At(offender.ai_pos - 1) +
                   " may not follow in the path of primary key AI (" + key.ai + "); " + allowed);
}

Status ParseQueryParameter(Piece param, const AiTable& table,
                           std::vector<ScannedElement>& elements) {
  const std::size_t equals = param.text.find('=');
  if (equals == std::string_view::npos) {
    return OkStatus();  // A parameter without a value is not AI data.
  }
  const Piece name{param.text.substr(0, equals), param.offset};
  const bool numeric =
      !name.text.empty() &&
      std::all_of(name.text.begin(), name.text.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!numeric) {
    return OkStatus();  // Not AI data (e.g. utm_source); ignored.
  }
  const AiEntry* entry = table.Find(name.text);
  if (entry == nullptr) {
    return Error(
        StatusCode::kInvalidArgument, "unknown_ai",
        "query parameter (" + std::string(name.text) + ")" + At(name.offset) + " is not a GS1 AI");
  }
  if (!entry->dl_data_attribute) {
    return ElementError("bad_digital_link", *entry, name.offset + 1,
                        "may not be a Digital Link query parameter");
  }
  const Piece value{param.text.substr(equals + 1), param.offset + equals + 1};
  ENTREPOT_ASSIGN_OR_RETURN(ScannedElement element, MakeElement(entry, name, value, true));
  elements.push_back(std::move(element));
  return OkStatus();
}

Status ParseQuery(Piece query, const AiTable& table, std::vector<ScannedElement>& elements) {
  std::size_t start = 0;
  while (start <= query.text.size()) {
    std::size_t end = query.text.find('&', start);
    if (end == std::string_view::npos) {
      end = query.text.size();
    }
    const Piece param{query.text.substr(start, end - start), query.offset + start};
    if (!param.text.empty()) {
      ENTREPOT_RETURN_IF_ERROR(ParseQueryParameter(param, table, elements));
    }
    start = end + 1;
  }
  return OkStatus();
}

}  // namespace

bool LooksLikeUri(std::string_view text) {
  return StartsWithNoCase(text, "http://") || StartsWithNoCase(text, "https://");
}

StatusOr<std::vector<ScannedElement>> ParseDigitalLink(std::string_view scan, std::size_t start,
                                                       const AiTable& table) {
  for (std::size_t i = start; i < scan.size(); ++i) {
    if (kUriCharacters.find(scan[i]) == std::string_view::npos) {
      std::string what = "a URI may not contain ";
      if (scan[i] > 0x20 && scan[i] < 0x7F) {
        what += "the character '";
        what += scan[i];
        what += "'";
      } else {
        what += "a space, control or non-ASCII byte";
      }
      return LinkError(what + At(i));
    }
  }
  const std::size_t host = start + (StartsWithNoCase(scan.substr(start), "https://") ? 8 : 7);
  const std::size_t host_end = std::min(scan.find_first_of("/?#", host), scan.size());
  if (host_end == host) {
    return LinkError("the URI has no host" + At(host));
  }
  if (host_end == scan.size() || scan[host_end] != '/') {
    return Error(StatusCode::kInvalidArgument, "not_gs1", "the URI has no path, so no GS1 key");
  }
  const std::size_t path_end = std::min(scan.find_first_of("?#", host_end), scan.size());
  const std::vector<Piece> segments = SplitPath(scan, host_end + 1, path_end);
  const long key = FindPrimaryKey(segments, table);
  if (key < 0) {
    return Error(StatusCode::kInvalidArgument, "not_gs1",
                 "the URI path holds no GS1 primary key, so it is not a GS1 Digital Link");
  }
  std::vector<ScannedElement> elements;
  for (std::size_t i = static_cast<std::size_t>(key); i + 1 < segments.size(); i += 2) {
    ENTREPOT_ASSIGN_OR_RETURN(
        ScannedElement element,
        MakeElement(table.Find(segments[i].text), segments[i], segments[i + 1], false));
    elements.push_back(std::move(element));
  }
  ENTREPOT_RETURN_IF_ERROR(CheckQualifierOrder(elements));
  if (path_end < scan.size() && scan[path_end] == '?') {
    const std::size_t query_end = std::min(scan.find('#', path_end), scan.size());
    const Piece query{scan.substr(path_end + 1, query_end - path_end - 1), path_end + 1};
    ENTREPOT_RETURN_IF_ERROR(ParseQuery(query, table, elements));
  }
  return elements;
}

}  // namespace entrepot::gs1::internal
