#include "entrepot/domain/gs1/internal/ai_validation.h"

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>

#include "entrepot/base/status_macros.h"
#include "entrepot/domain/gs1/internal/linters.h"

namespace entrepot::gs1::internal {
namespace {

std::string LengthExpectation(int min_length, int max_length) {
  if (min_length == max_length) {
    return std::to_string(max_length);
  }
  if (min_length <= 1) {
    return "at most " + std::to_string(max_length);
  }
  return std::to_string(min_length) + " to " + std::to_string(max_length);
}

Status CheckTotalLength(const ScannedElement& element) {
  const AiEntry& entry = *element.entry;
  const std::size_t length = element.value.size();
  if (length == 0) {
    return ElementError("bad_length", entry, element.value_pos,
                        "the value is missing (expected " +
                            LengthExpectation(entry.min_length, entry.max_length) + " characters)");
  }
  if (length < static_cast<std::size_t>(entry.min_length) ||
      length > static_cast<std::size_t>(entry.max_length)) {
    return ElementError("bad_length", entry, element.PositionOf(0),
                        "the value has " + std::to_string(length) + " characters, expected " +
                            LengthExpectation(entry.min_length, entry.max_length));
  }
  return OkStatus();
}

// Errors about a value name the position where the value starts; a bad character also gets
// its own position, since the detail cannot otherwise identify it.
Status ToStatus(const LintFailure& failure, const ScannedElement& element, std::size_t start) {
  std::string detail = failure.message;
  const std::size_t position = element.PositionOf(start + failure.offset);
  if (failure.reason == "bad_character" && position > 0) {
    detail += " (position " + std::to_string(position) + ")";
  }
  return ElementError(failure.reason, *element.entry, element.PositionOf(0), detail);
}

Status CheckComponent(const Component& component, std::size_t index, std::string_view data,
                      const ScannedElement& element, std::size_t start) {
  if (data.size() < static_cast<std::size_t>(component.min_length)) {
    return ElementError("bad_length", *element.entry, element.PositionOf(0),
                        "component " + std::to_string(index + 1) + " needs " +
                            LengthExpectation(component.min_length, component.max_length) +
                            " characters, got " + std::to_string(data.size()));
  }
  if (std::optional<LintFailure> failure = CheckCharSet(component.charset, data)) {
    return ToStatus(*failure, element, start);
  }
  for (Linter linter : component.linters) {
    if (std::optional<LintFailure> failure = RunLinter(linter, data)) {
      return ToStatus(*failure, element, start);
    }
  }
  return OkStatus();
}

std::string DescribeAlternatives(const std::vector<std::vector<std::string>>& alternatives) {
  std::string text;
  for (std::size_t i = 0; i < alternatives.size(); ++i) {
    if (i > 0) {
      text += i + 1 == alternatives.size() ? " or " : ", ";
    }
    for (std::size_t j = 0; j < alternatives[i].size(); ++j) {
      text += (j > 0 ? "+(" : "(") + alternatives[i][j] + ")";
    }
  }
  return text;
}

bool AnyElementMatches(const std::vector<ScannedElement>& elements, std::string_view pattern) {
  return std::any_of(elements.begin(), elements.end(), [&](const ScannedElement& e) {
    return AiMatchesPattern(pattern, e.entry->ai);
  });
}

Status CheckExclusions(const std::vector<ScannedElement>& elements) {
  for (const ScannedElement& e : elements) {
    for (const std::string& pattern : e.entry->ex) {
      for (const ScannedElement& other : elements) {
        // An AI is not exclusive of itself even if it matches a pattern.
        if (other.entry != e.entry && AiMatchesPattern(pattern, other.entry->ai)) {
          const std::string where =
              other.ai_pos > 0 ? " at position " + std::to_string(other.ai_pos) : "";
          return ElementError("invalid_ai_pair", *e.entry, e.ai_pos,
                              "may not be combined with AI (" + other.entry->ai + ")" + where);
        }
      }
    }
  }
  return OkStatus();
}

Status CheckRequirements(const std::vector<ScannedElement>& elements) {
  for (const ScannedElement& e : elements) {
    for (const auto& alternatives : e.entry->req) {
      const bool satisfied =
          std::any_of(alternatives.begin(), alternatives.end(), [&](const auto& all_of) {
            return std::all_of(all_of.begin(), all_of.end(), [&](const std::string& pattern) {
              return AnyElementMatches(elements, pattern);
            });
          });
      if (!satisfied) {
        return ElementError("missing_required_ai", *e.entry, e.ai_pos,
                            "requires AI " + DescribeAlternatives(alternatives));
      }
    }
  }
  return OkStatus();
}

}  // namespace

std::size_t ScannedElement::PositionOf(std::size_t offset) const {
  if (!char_pos.empty()) {
    return offset < char_pos.size() ? char_pos[offset] : char_pos.back() + 1;
  }
  if (value_pos == 0) {
    return 0;
  }
  return offset < leading_pad ? value_pos : value_pos + offset - leading_pad;
}

std::string AiLabel(const AiEntry& entry) {
  std::string label = "AI (" + entry.ai + ")";
  if (!entry.title.empty()) {
    label += " " + entry.title;
  }
  return label;
}

Status ElementError(std::string_view reason, const AiEntry& entry, std::size_t position,
                    std::string_view detail) {
  std::string message = AiLabel(entry);
  if (position > 0) {
    message += " at position " + std::to_string(position);
  }
  message += ": ";
  message += detail;
  return Error(StatusCode::kInvalidArgument, std::string(reason), std::move(message));
}

Status ValidateElementValue(const ScannedElement& element) {
  ENTREPOT_RETURN_IF_ERROR(CheckTotalLength(element));
  const std::string_view value = element.value;
  std::size_t offset = 0;
  const std::vector<Component>& components = element.entry->components;
  for (std::size_t i = 0; i < components.size(); ++i) {
    const Component& component = components[i];
    if (offset == value.size() && component.optional) {
      break;  // Optional components may be left out once the data is exhausted.
    }
    const std::size_t length =
        std::min(value.size() - offset, static_cast<std::size_t>(component.max_length));
    ENTREPOT_RETURN_IF_ERROR(
        CheckComponent(component, i, value.substr(offset, length), element, offset));
    offset += length;
  }
  if (offset < value.size()) {
    // Unreachable given the total length check; kept as a guard against a malformed table.
    return ElementError("bad_length", *element.entry, element.PositionOf(0),
                        "unexpected characters after the last component");
  }
  return OkStatus();
}

Status ValidateMessage(std::vector<ScannedElement>& elements, bool check_pairing) {
  if (elements.empty()) {
    return Error(StatusCode::kInvalidArgument, "empty_code", "the code contains no GS1 data");
  }
  // Compacts in place (no second vector on the scan path): elements[0, kept) are the first
  // occurrences so far, in scan order.
  std::size_t kept = 0;
  for (std::size_t i = 0; i < elements.size(); ++i) {
    ScannedElement& e = elements[i];
    const auto unique_end = elements.begin() + static_cast<std::ptrdiff_t>(kept);
    auto same_ai = std::find_if(elements.begin(), unique_end,
                                [&](const ScannedElement& u) { return u.entry == e.entry; });
    if (same_ai == unique_end) {
      if (kept != i) {
        elements[kept] = std::move(e);
      }
      ++kept;
    } else if (same_ai->value != e.value) {
      const std::string where =
          same_ai->ai_pos > 0 ? " at position " + std::to_string(same_ai->ai_pos) : "";
      return ElementError("duplicate_ai", *e.entry, e.ai_pos,
                          "repeats AI (" + e.entry->ai + ")" + where + " with a different value");
    }
  }
  elements.erase(elements.begin() + static_cast<std::ptrdiff_t>(kept), elements.end());
  if (!check_pairing) {
    return OkStatus();
  }
  ENTREPOT_RETURN_IF_ERROR(CheckExclusions(elements));
  return CheckRequirements(elements);
}

}  // namespace entrepot::gs1::internal
