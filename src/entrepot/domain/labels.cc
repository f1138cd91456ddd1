#include "entrepot/domain/labels.h"

#include <optional>
#include <string>

#include "entrepot/base/status_macros.h"

namespace entrepot::domain {
namespace {

// ISO/IEC 7064 MOD 37,36 (hybrid system, M = 36): alphabet 0-9 then A-Z.
constexpr int kModulus = 36;
constexpr std::string_view kAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

bool IsUpperAlnum(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'); }

char ToUpper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

int AlphabetValue(char c) { return c <= '9' ? c - '0' : c - 'A' + 10; }

// One step of the hybrid recurrence: P(j+1) = (S(j) mod M || M) * 2 mod (M + 1), folded so
// that `state` carries S(j) mod M from character to character.
int Step(int state, char c) {
  int product = ((state == 0 ? kModulus : state) * 2) % (kModulus + 1);
  return (product + AlphabetValue(c)) % kModulus;
}

int Fold(LabelKind kind, std::string_view code) {
  // The hybrid system starts from P(1) = M, i.e. a folded state of M / 2.
  int state = Step(kModulus / 2, LabelKindLetter(kind));
  for (char c : code) {
    // Hyphens only separate fields for people; they are not part of the checked value.
    if (c != '-') {
      state = Step(state, c);
    }
  }
  return state;
}

Status LabelCodeError(std::string message) {
  return Error(StatusCode::kInvalidArgument, "bad_label_code", std::move(message));
}

Status CheckError(std::string message) {
  return Error(StatusCode::kInvalidArgument, "bad_label_check", std::move(message));
}

// Quotes input for a message, shortened so that a garbage scan cannot flood a log.
std::string Quoted(std::string_view text) {
  constexpr size_t kMaxShown = 64;
  if (text.size() > kMaxShown) {
    return "\"" + std::string(text.substr(0, kMaxShown)) + "...\"";
  }
  return "\"" + std::string(text) + "\"";
}

// The kind a label's first letter names, or nullopt.
std::optional<LabelKind> KindFromLetter(char letter) {
  switch (ToUpper(letter)) {
    case 'L':
      return LabelKind::kLocation;
    case 'C':
      return LabelKind::kContainer;
    case 'B':
      return LabelKind::kBadge;
    default:
      return std::nullopt;
  }
}

// LabelCheckCharacter without its precondition check, for a code already validated (every
// scanned label: validating it twice would double the cost of reading it).
char CheckCharacterOf(LabelKind kind, std::string_view code) {
  // The check character c completes the hybrid system: (P(n+1) + value(c)) mod M must be 1.
  int state = Fold(kind, code);
  int product = ((state == 0 ? kModulus : state) * 2) % (kModulus + 1);
  int check = (kModulus + 1 - product) % kModulus;
  return kAlphabet[static_cast<size_t>(check)];
}

}  // namespace

char LabelKindLetter(LabelKind kind) {
  switch (kind) {
    case LabelKind::kLocation:
      return 'L';
    case LabelKind::kContainer:
      return 'C';
    case LabelKind::kBadge:
      return 'B';
  }
  ENTREPOT_CHECK(false && "unknown LabelKind");
  return '?';
}

Status ValidateLabelCode(std::string_view code) {
  if (code.empty()) {
    return LabelCodeError("label code is empty");
  }
  if (code.size() > kMaxLabelCodeLength) {
    return LabelCodeError("label code " + Quoted(code) + " has " + std::to_string(code.size()) +
                          " characters; at most " + std::to_string(kMaxLabelCodeLength) +
                          " are allowed");
  }
  for (size_t i = 0; i < code.size(); ++i) {
    char c = code[i];
    // Built only on the error path: this loop runs for every scanned label.
    auto where = [&] {
      return "label code " + Quoted(code) + ", position " + std::to_string(i + 1);
    };
    if (c == '-') {
      if (i == 0 || i + 1 == code.size()) {
        return LabelCodeError(where() + ": a code may not begin or end with '-'");
      }
      if (code[i - 1] == '-') {
        return LabelCodeError(where() + ": two hyphens in a row");
      }
    } else if (c >= 'a' && c <= 'z') {
      return LabelCodeError(where() + ": lower-case '" + std::string(1, c) +
                            "'; codes are written in upper case");
    } else if (!IsUpperAlnum(c)) {
      return LabelCodeError(where() + ": character '" + std::string(1, c) +
                            "' is not allowed (A-Z, 0-9 and '-' only)");
    }
  }
  return OkStatus();
}

char LabelCheckCharacter(LabelKind kind, std::string_view code) {
  // Always on: an invalid character would index outside the alphabet.
  ENTREPOT_CHECK(ValidateLabelCode(code).ok());
  return CheckCharacterOf(kind, code);
}

std::string FormatLabel(LabelKind kind, std::string_view code) {
  ENTREPOT_CHECK(ValidateLabelCode(code).ok());
  std::string label;
  label.reserve(code.size() + 4);
  label += LabelKindLetter(kind);
  label += '.';
  label += code;
  label += '.';
  label += LabelCheckCharacter(kind, code);
  return label;
}

bool LooksLikeLabel(std::string_view scan) {
  return scan.size() >= 2 && scan[1] == '.' && KindFromLetter(scan[0]).has_value();
}

StatusOr<InternalLabel> ParseLabel(std::string_view scan) {
  if (!LooksLikeLabel(scan)) {
    return Error(StatusCode::kInvalidArgument, "not_a_label",
                 Quoted(scan) + " is not an internal label (L., C. or B. followed by a code)");
  }
  const LabelKind kind = *KindFromLetter(scan[0]);  // LooksLikeLabel held.
  std::string_view rest = scan.substr(2);
  size_t last_dot = rest.rfind('.');
  if (last_dot == std::string_view::npos) {
    return CheckError("label " + Quoted(scan) + " has no check character (expected " +
                      std::string(1, scan[0]) + ".<code>.<check>)");
  }
  std::string code(rest.substr(0, last_dot));
  for (char& c : code) {
    c = ToUpper(c);
  }
  if (Status valid = ValidateLabelCode(code); !valid.ok()) {
    return valid.WithContext("label " + Quoted(scan));
  }
  std::string_view check = rest.substr(last_dot + 1);
  size_t check_position = 2 + last_dot + 2;  // 1-based position in the scan.
  char expected = CheckCharacterOf(kind, code);
  if (check.size() != 1) {
    return CheckError("label " + Quoted(scan) + ": expected one check character '" +
                      std::string(1, expected) + "' at position " + std::to_string(check_position) +
                      ", found " + Quoted(check));
  }
  char found = ToUpper(check[0]);
  if (found != expected) {
    return CheckError("label " + Quoted(scan) + ": check character at position " +
                      std::to_string(check_position) + " is '" + std::string(1, check[0]) +
                      "', expected '" + std::string(1, expected) +
                      "'; the label is misread or mistyped");
  }
  return InternalLabel{kind, std::move(code)};
}

}  // namespace entrepot::domain
