#include "entrepot/domain/gs1/check_digit.h"

#include <cstddef>
#include <string>

#include "entrepot/base/status_macros.h"

namespace entrepot::gs1 {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Checks a fixed-length numeric key; `what` names the key in messages ("SSCC").
Status ValidateNumericKey(std::string_view digits, std::string_view what) {
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (!IsDigit(digits[i])) {
      return Error(StatusCode::kInvalidArgument, "bad_character",
                   std::string(what) + " has a non-digit at position " + std::to_string(i + 1));
    }
  }
  if (!HasValidCheckDigit(digits)) {
    const char expected = ComputeCheckDigit(digits.substr(0, digits.size() - 1));
    return Error(StatusCode::kInvalidArgument, "bad_check_digit",
                 std::string(what) + " check digit is " + digits.back() + ", expected " + expected);
  }
  return OkStatus();
}

}  // namespace

char ComputeCheckDigit(std::string_view digits_without_check) {
  if (digits_without_check.empty()) {
    return '\0';
  }
  int sum = 0;
  int weight = 3;  // The digit next to the check digit has weight 3.
  for (std::size_t i = digits_without_check.size(); i-- > 0;) {
    const char c = digits_without_check[i];
    if (!IsDigit(c)) {
      return '\0';
    }
    sum += weight * (c - '0');
    weight = 4 - weight;
  }
  return static_cast<char>('0' + (10 - sum % 10) % 10);
}

bool HasValidCheckDigit(std::string_view digits) {
  if (digits.size() < 2 || !IsDigit(digits.back())) {
    return false;
  }
  return ComputeCheckDigit(digits.substr(0, digits.size() - 1)) == digits.back();
}

StatusOr<std::string> NormalizeGtin(std::string_view gtin) {
  const std::size_t n = gtin.size();
  if (n != 8 && n != 12 && n != 13 && n != 14) {
    return Error(StatusCode::kInvalidArgument, "bad_length",
                 "a GTIN has 8, 12, 13 or 14 digits, got " + std::to_string(n));
  }
  ENTREPOT_RETURN_IF_ERROR(ValidateNumericKey(gtin, "GTIN-" + std::to_string(n)));
  return std::string(14 - n, '0') + std::string(gtin);
}

Status ValidateSscc(std::string_view sscc) {
  if (sscc.size() != 18) {
    return Error(StatusCode::kInvalidArgument, "bad_length",
                 "an SSCC has 18 digits, got " + std::to_string(sscc.size()));
  }
  return ValidateNumericKey(sscc, "SSCC");
}

Status ValidateGln(std::string_view gln) {
  if (gln.size() != 13) {
    return Error(StatusCode::kInvalidArgument, "bad_length",
                 "a GLN has 13 digits, got " + std::to_string(gln.size()));
  }
  return ValidateNumericKey(gln, "GLN");
}

}  // namespace entrepot::gs1
