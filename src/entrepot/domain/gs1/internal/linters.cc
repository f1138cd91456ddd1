#include "entrepot/domain/gs1/internal/linters.h"

#include <array>
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>

#include "entrepot/domain/gs1/check_digit.h"
#include "entrepot/domain/gs1/internal/code_lists.h"

namespace entrepot::gs1::internal {
namespace {

// GS1 AI encodable character set 82, in the order that gives each character its value for
// the alphanumeric check character pair.
constexpr std::string_view kCset82 =
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
// GS1 AI encodable character set 39.
constexpr std::string_view kCset39 = "#-/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
// GS1 AI encodable character set 64 (base64url), without the '=' padding.
constexpr std::string_view kCset64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
// GS1 AI encodable character set 32, the alphabet of the alphanumeric check characters.
constexpr std::string_view kCset32 = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

// Membership of every byte in an alphabet above: one load per character where a search of
// the alphabet costs dozens of comparisons (every character of every scanned value is checked).
using CharTable = std::array<bool, 256>;

constexpr CharTable MakeCharTable(std::string_view alphabet) {
  CharTable table{};
  for (char c : alphabet) {
    table[static_cast<unsigned char>(c)] = true;
  }
  return table;
}

constexpr CharTable kCset82Table = MakeCharTable(kCset82);
constexpr CharTable kCset39Table = MakeCharTable(kCset39);
constexpr CharTable kCset64Table = MakeCharTable(kCset64);

bool InTable(const CharTable& table, char c) { return table[static_cast<unsigned char>(c)]; }

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Offset of the first non-digit in `data`, or npos.
std::size_t FirstNonDigit(std::string_view data) {
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (!IsDigit(data[i])) {
      return i;
    }
  }
  return std::string_view::npos;
}

int Number(std::string_view digits) {
  int value = 0;
  for (char c : digits) {
    value = value * 10 + (c - '0');
  }
  return value;
}

// "'A'" for a printable character, "0x1D" otherwise, for messages.
std::string Describe(char c) {
  if (c >= 0x21 && c <= 0x7E) {
    return std::string("'") + c + "'";
  }
  char buffer[8];
  std::snprintf(buffer, sizeof(buffer), "0x%02X",
                static_cast<unsigned>(static_cast<unsigned char>(c)));
  return buffer;
}

// `text` in double quotes. (Built with append: GCC 12 at -O3 warns falsely, -Wrestrict, on
// "literal" + std::string(...).)
std::string Quoted(std::string_view text) {
  std::string quoted = "\"";
  quoted.append(text);
  quoted += '"';
  return quoted;
}

LintFailure Failure(std::string_view reason, std::string message, std::size_t offset) {
  return LintFailure{reason, std::move(message), offset};
}

// A "bad_value" failure; the message names the linter as the dictionary does.
LintFailure ValueFailure(Linter linter, const std::string& message, std::size_t offset) {
  return Failure("bad_value", std::string(LinterName(linter)) + ": " + message, offset);
}

std::optional<LintFailure> CheckCset64(std::string_view data) {
  std::size_t length = data.size();
  std::size_t pads = 0;
  while (length > 0 && data[length - 1] == '=') {
    --length;
    ++pads;
  }
  if (pads > 2 || (pads > 0 && (length + pads) % 3 != 0)) {
    return Failure("bad_character", "invalid base64url padding", length);
  }
  for (std::size_t i = 0; i < length; ++i) {
    if (!InTable(kCset64Table, data[i])) {
      return Failure("bad_character",
                     "character " + Describe(data[i]) + " is not in base64url (CSET 64)", i);
    }
  }
  return std::nullopt;
}

// --- Check digits and company prefixes ---------------------------------------------------

std::optional<LintFailure> LintCsum(std::string_view data) {
  if (data.size() < 2 || FirstNonDigit(data) != std::string_view::npos) {
    return Failure("bad_check_digit", "a check digit needs at least two digits", 0);
  }
  if (!HasValidCheckDigit(data)) {
    const char expected = ComputeCheckDigit(data.substr(0, data.size() - 1));
    return Failure("bad_check_digit",
                   std::string("check digit is ") + data.back() + ", expected " + expected,
                   data.size() - 1);
  }
  return std::nullopt;
}

std::optional<LintFailure> LintCsumAlpha(std::string_view data) {
  // The first 97 primes weight the data characters from the right (the longest AI value is
  // 99 characters, of which two are the check pair).
  static constexpr std::uint16_t kPrimes[] = {
      2,   3,   5,   7,   11,  13,  17,  19,  23,  29,  31,  37,  41,  43,  47,  53,  59,
      61,  67,  71,  73,  79,  83,  89,  97,  101, 103, 107, 109, 113, 127, 131, 137, 139,
      149, 151, 157, 163, 167, 173, 179, 181, 191, 193, 197, 199, 211, 223, 227, 229, 233,
      239, 241, 251, 257, 263, 269, 271, 277, 281, 283, 293, 307, 311, 313, 317, 331, 337,
      347, 349, 353, 359, 367, 373, 379, 383, 389, 397, 401, 409, 419, 421, 431, 433, 439,
      443, 449, 457, 461, 463, 467, 479, 487, 491, 499, 503, 509};
  const std::size_t n = data.size();
  if (n < 2) {
    return Failure("bad_check_digit", "too short for a check character pair", 0);
  }
  if (n - 2 > std::size(kPrimes)) {
    return Failure("bad_check_digit", "too long for a check character pair", 0);
  }
  unsigned sum = 0;
  for (std::size_t i = 0; i + 2 < n; ++i) {
    const std::size_t value = kCset82.find(data[i]);
    if (value == std::string_view::npos) {
      return Failure("bad_character", "character " + Describe(data[i]) + " is not in CSET 82", i);
    }
    sum += static_cast<unsigned>(value) * kPrimes[n - 3 - i];
  }
  sum %= 1021;
  for (std::size_t i = n - 2; i < n; ++i) {
    if (kCset32.find(data[i]) == std::string_view::npos) {
      return Failure("bad_check_digit",
                     "check character " + Describe(data[i]) + " is not in CSET 32", i);
    }
  }
  const char first = kCset32[sum >> 5];
  const char second = kCset32[sum & 31];
  if (data[n - 2] != first || data[n - 1] != second) {
    return Failure(
        "bad_check_digit",
        "check characters are " + std::string(data.substr(n - 2)) + ", expected " + first + second,
        n - 2);
  }
  return std::nullopt;
}

std::optional<LintFailure> LintGcpPos(Linter linter, std::string_view data, std::size_t start) {
  // The shortest GS1 Company Prefix has four digits; without a GCP directory we can check
  // only that.
  constexpr std::size_t kMinGcpLength = 4;
  if (data.size() < start + kMinGcpLength) {
    return ValueFailure(linter, "too short to contain a GS1 Company Prefix", 0);
  }
  for (std::size_t i = start; i < start + kMinGcpLength; ++i) {
    if (!IsDigit(data[i])) {
      return ValueFailure(linter, "a GS1 Company Prefix starts with four digits", i);
    }
  }
  return std::nullopt;
}

// --- Dates and times ---------------------------------------------------------------------

std::optional<LintFailure> CheckTwoDigits(std::string_view data, int max, std::string_view what) {
  if (data.size() != 2 || FirstNonDigit(data) != std::string_view::npos) {
    return Failure("bad_date", "the " + std::string(what) + " must be two digits", 0);
  }
  if (Number(data) > max) {
    return Failure(
        "bad_date",
        std::string(what) + " " + std::string(data) + " is not a valid " + std::string(what), 0);
  }
  return std::nullopt;
}

std::optional<LintFailure> LintHhmi(std::string_view data) {
  if (data.size() != 4) {
    return Failure("bad_date", "a time HHMI has four digits", 0);
  }
  if (auto failure = CheckTwoDigits(data.substr(0, 2), 23, "hour")) {
    return failure;
  }
  if (auto failure = CheckTwoDigits(data.substr(2, 2), 59, "minute")) {
    failure->offset += 2;
    return failure;
  }
  return std::nullopt;
}

// --- Code lists and single-character codes ------------------------------------------------

std::optional<LintFailure> CheckList(Linter linter, std::string_view data, bool in_list,
                                     std::string_view what) {
  if (in_list) {
    return std::nullopt;
  }
  return ValueFailure(linter, Quoted(data) + " is not " + std::string(what), 0);
}

std::optional<LintFailure> CheckOneOf(Linter linter, std::string_view data,
                                      std::string_view allowed, std::string_view what) {
  const bool ok = data.size() == 1 && allowed.find(data[0]) != std::string_view::npos;
  return CheckList(linter, data, ok, what);
}

std::optional<LintFailure> LintPcenc(std::string_view data) {
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (data[i] != '%') {
      continue;
    }
    auto is_hex = [](char c) {
      return IsDigit(c) || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
    };
    if (i + 2 >= data.size() || !is_hex(data[i + 1]) || !is_hex(data[i + 2])) {
      return ValueFailure(Linter::kPcenc, "'%' must be followed by two hexadecimal digits", i);
    }
    i += 2;
  }
  return std::nullopt;
}

std::optional<LintFailure> LintPosInSeqSlash(std::string_view data) {
  const Linter linter = Linter::kPosInSeqSlash;
  const std::size_t slash = data.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == data.size() ||
      FirstNonDigit(data.substr(0, slash)) != std::string_view::npos ||
      FirstNonDigit(data.substr(slash + 1)) != std::string_view::npos) {
    return ValueFailure(linter, "expected <position>/<total>, e.g. 1/3", 0);
  }
  const std::string_view position = data.substr(0, slash);
  const std::string_view total = data.substr(slash + 1);
  if (position[0] == '0') {
    return ValueFailure(linter, "the position may not be zero or start with zero", 0);
  }
  if (total[0] == '0') {
    return ValueFailure(linter, "the total may not be zero or start with zero", slash + 1);
  }
  // Without leading zeros, a longer number is larger; equal lengths compare as text.
  if (position.size() > total.size() || (position.size() == total.size() && position > total)) {
    return ValueFailure(linter, "the position exceeds the total", 0);
  }
  return std::nullopt;
}

std::optional<LintFailure> LintPieceOfTotal(std::string_view data) {
  const Linter linter = Linter::kPieceOfTotal;
  if (const std::size_t bad = FirstNonDigit(data); bad != std::string_view::npos) {
    return ValueFailure(linter, "must be digits", bad);
  }
  if (data.empty() || data.size() % 2 != 0) {
    return ValueFailure(linter, "piece and total must have the same number of digits", 0);
  }
  const std::string_view piece = data.substr(0, data.size() / 2);
  const std::string_view total = data.substr(data.size() / 2);
  if (piece.find_first_not_of('0') == std::string_view::npos) {
    return ValueFailure(linter, "the piece number may not be zero", 0);
  }
  if (total.find_first_not_of('0') == std::string_view::npos) {
    return ValueFailure(linter, "the total number of pieces may not be zero", piece.size());
  }
  if (piece > total) {
    return ValueFailure(
        linter, "piece " + std::string(piece) + " exceeds the total " + std::string(total), 0);
  }
  return std::nullopt;
}

std::optional<LintFailure> LintCoordinate(Linter linter, std::string_view data, std::int64_t max) {
  if (data.size() != 10 || FirstNonDigit(data) != std::string_view::npos) {
    return ValueFailure(linter, "must be ten digits", 0);
  }
  std::int64_t value = 0;
  for (char c : data) {
    value = value * 10 + (c - '0');
  }
  if (value > max) {
    return ValueFailure(linter, std::string(data) + " exceeds " + std::to_string(max), 0);
  }
  return std::nullopt;
}

std::optional<LintFailure> LintIban(std::string_view data) {
  const Linter linter = Linter::kIban;
  constexpr std::size_t kMaxLength = 34;
  if (data.size() < 4) {
    return ValueFailure(linter, "too short for an IBAN", 0);
  }
  if (!IsIso3166Alpha2(data.substr(0, 2))) {
    return ValueFailure(linter,
                        Quoted(data.substr(0, 2)) + " is not an ISO 3166 alpha-2 country code", 0);
  }
  if (data.size() > kMaxLength) {
    return ValueFailure(linter, "an IBAN has at most 34 characters", 0);
  }
  if (data.size() <= 10) {
    return ValueFailure(linter, "too short for an IBAN", 0);
  }
  // ISO 13616: move the first four characters to the end, read letters as 10..35, and the
  // number must be 1 modulo 97.
  unsigned remainder = 0;
  for (std::size_t k = 4; k < data.size() + 4; ++k) {
    const std::size_t i = k < data.size() ? k : k - data.size();
    const char c = data[i];
    if (IsDigit(c)) {
      remainder = (remainder * 10 + static_cast<unsigned>(c - '0')) % 97;
    } else if (c >= 'A' && c <= 'Z') {
      remainder = (remainder * 100 + static_cast<unsigned>(c - 'A' + 10)) % 97;
    } else {
      return ValueFailure(linter, "character " + Describe(c) + " may not appear in an IBAN", i);
    }
  }
  if (remainder != 1) {
    return Failure("bad_check_digit", "iban: the check digits do not match", 2);
  }
  return std::nullopt;
}

// --- Coupons ------------------------------------------------------------------------------

// Walks the fields of a coupon code. Each method returns a failure or nullopt.
class CouponReader {
 public:
  CouponReader(Linter linter, std::string_view data) : linter_(linter), data_(data) {}

  bool AtEnd() const { return pos_ >= data_.size(); }
  std::size_t Pos() const { return pos_; }
  char Last() const { return last_; }

  // Consumes the optional-field marker `marker` if it comes next.
  bool Next(char marker) {
    if (!AtEnd() && data_[pos_] == marker) {
      ++pos_;
      return true;
    }
    return false;
  }

  // A one-digit code that must be one of `allowed`.
  std::optional<LintFailure> Code(std::string_view allowed, std::string_view what) {
    if (AtEnd()) {
      return ValueFailure(linter_, "missing " + std::string(what), pos_);
    }
    if (allowed.find(data_[pos_]) == std::string_view::npos) {
      return ValueFailure(linter_, "invalid " + std::string(what) + " " + data_[pos_], pos_);
    }
    last_ = data_[pos_++];
    return std::nullopt;
  }

  // `n` characters of a field.
  std::optional<LintFailure> Field(std::size_t n, std::string_view what) {
    if (data_.size() - pos_ < n) {
      return ValueFailure(linter_, std::string(what) + " is truncated", pos_);
    }
    pos_ += n;
    return std::nullopt;
  }

  // A length indicator from `allowed`, then a field of indicator + `add` characters; the
  // indicator '9' means "no field" when `nine_means_none`.
  std::optional<LintFailure> Sized(std::string_view allowed, int add, std::string_view what,
                                   bool nine_means_none = false) {
    if (auto failure = Code(allowed, std::string(what) + " length indicator")) {
      return failure;
    }
    if (nine_means_none && last_ == '9') {
      return std::nullopt;
    }
    return Field(static_cast<std::size_t>(last_ - '0' + add), what);
  }

  std::optional<LintFailure> Excess() const {
    if (AtEnd()) {
      return std::nullopt;
    }
    return ValueFailure(linter_, "unexpected data after the last field", pos_);
  }

 private:
  Linter linter_;
  std::string_view data_;
  std::size_t pos_ = 0;
  char last_ = '\0';
};

std::optional<LintFailure> CheckAllDigits(Linter linter, std::string_view data) {
  if (const std::size_t bad = FirstNonDigit(data); bad != std::string_view::npos) {
    return ValueFailure(linter, "must be digits only", bad);
  }
  return std::nullopt;
}

std::optional<LintFailure> LintCouponPosOffer(std::string_view data) {
  const Linter linter = Linter::kCouponPosOffer;
  if (auto failure = CheckAllDigits(linter, data)) {
    return failure;
  }
  CouponReader r(linter, data);
  std::optional<LintFailure> failure;
  if ((failure = r.Code("01", "format code")) || (failure = r.Sized("0123456", 6, "funder ID")) ||
      (failure = r.Field(6, "offer code")) ||
      (failure = r.Sized("0123456789", 6, "serial number"))) {
    return failure;
  }
  return r.Excess();
}

// Optional fields 1 and 2 of a coupon code: a further purchase requirement.
std::optional<LintFailure> CouponPurchase(CouponReader& r, std::string_view ordinal) {
  const std::string what = std::string(ordinal) + " purchase";
  std::optional<LintFailure> failure;
  if ((failure = r.Sized("12345", 0, what + " requirement")) ||
      (failure = r.Code("012349", what + " requirement code")) ||
      (failure = r.Field(3, what + " family code")) ||
      (failure = r.Sized("01234569", 6, what + " GS1 Company Prefix", true))) {
    return failure;
  }
  return std::nullopt;
}

// Optional fields 3 and 4 of a coupon code: a YYMMDD date.
std::optional<LintFailure> CouponDate(CouponReader& r, std::string_view data,
                                      std::string_view what) {
  const std::size_t start = r.Pos();
  if (auto failure = r.Field(6, what)) {
    return failure;
  }
  if (CheckDate(data.substr(start, 6), false, false)) {
    return ValueFailure(Linter::kCouponCode, std::string(what) + " is not a valid date", start);
  }
  return std::nullopt;
}

std::optional<LintFailure> CouponOptionalFields(CouponReader& r, std::string_view data) {
  const Linter linter = Linter::kCouponCode;
  std::optional<LintFailure> failure;
  if (r.Next('1') && ((failure = r.Code("0123", "additional purchase rules code")) ||
                      (failure = CouponPurchase(r, "second")))) {
    return failure;
  }
  if (r.Next('2') && (failure = CouponPurchase(r, "third"))) {
    return failure;
  }
  std::size_t expiry = std::string_view::npos;
  if (r.Next('3')) {
    expiry = r.Pos();
    if ((failure = CouponDate(r, data, "expiration date"))) {
      return failure;
    }
  }
  if (r.Next('4')) {
    const std::size_t start = r.Pos();
    if ((failure = CouponDate(r, data, "start date"))) {
      return failure;
    }
    if (expiry != std::string_view::npos && data.substr(start, 6) > data.substr(expiry, 6)) {
      return ValueFailure(linter, "the expiration date precedes the start date", expiry);
    }
  }
  if ((r.Next('5') && (failure = r.Sized("0123456789", 6, "serial number"))) ||
      (r.Next('6') && (failure = r.Sized("1234567", 6, "retailer GCP/GLN")))) {
    return failure;
  }
  if (r.Next('9') && ((failure = r.Code("01256", "save value code")) ||
                      (failure = r.Code("012", "save value applies to item")) ||
                      (failure = r.Code("0123456789", "store coupon flag")) ||
                      (failure = r.Code("01", "don't multiply flag")))) {
    return failure;
  }
  return r.Excess();
}

std::optional<LintFailure> LintCouponCode(std::string_view data) {
  const Linter linter = Linter::kCouponCode;
  if (auto failure = CheckAllDigits(linter, data)) {
    return failure;
  }
  CouponReader r(linter, data);
  std::optional<LintFailure> failure;
  if ((failure = r.Sized("0123456", 6, "GS1 Company Prefix")) ||
      (failure = r.Field(6, "offer code")) || (failure = r.Sized("12345", 0, "save value")) ||
      (failure = r.Sized("12345", 0, "first purchase requirement")) ||
      (failure = r.Code("012349", "first purchase requirement code")) ||
      (failure = r.Field(3, "first purchase family code"))) {
    return failure;
  }
  return CouponOptionalFields(r, data);
}

// --- Dispatch -----------------------------------------------------------------------------

std::optional<LintFailure> RunSimpleLinter(Linter linter, std::string_view data) {
  switch (linter) {
    case Linter::kIso3166:
      return CheckList(linter, data, IsIso3166Numeric(data), "an ISO 3166 numeric country code");
    case Linter::kIso3166999:
      return CheckList(linter, data, data == "999" || IsIso3166Numeric(data),
                       "an ISO 3166 numeric country code or 999");
    case Linter::kIso3166Alpha2:
      return CheckList(linter, data, IsIso3166Alpha2(data), "an ISO 3166 alpha-2 country code");
    case Linter::kIso4217:
      return CheckList(linter, data, IsIso4217Numeric(data), "an ISO 4217 currency code");
    case Linter::kIso5218:
      return CheckOneOf(linter, data, "0129", "an ISO 5218 sex code (0, 1, 2 or 9)");
    case Linter::kPackageType:
      return CheckList(linter, data, IsPackageTypeCode(data), "a GS1 package type code");
    case Linter::kMediaType:
      return CheckList(linter, data, IsAidcMediaType(data), "an AIDC media type");
    case Linter::kYesNo:
      return CheckOneOf(linter, data, "01", "0 (no) or 1 (yes)");
    case Linter::kWinding:
      return CheckOneOf(linter, data, "019", "a winding direction (0, 1 or 9)");
    case Linter::kHyphen:
      return CheckList(linter, data,
                       !data.empty() && data.find_first_not_of('-') == std::string_view::npos,
                       "a hyphen");
    case Linter::kZero:
      return CheckList(linter, data,
                       !data.empty() && data.find_first_not_of('0') == std::string_view::npos,
                       "zero");
    case Linter::kNonZero:
      return CheckList(linter, data, data.find_first_not_of('0') != std::string_view::npos,
                       "allowed to be zero");
    case Linter::kHasNonDigit:
      return CheckList(linter, data, FirstNonDigit(data) != std::string_view::npos,
                       "allowed to be all digits");
    case Linter::kImporterIdx:
      return CheckList(linter, data,
                       data.size() == 1 &&
                           (IsDigit(data[0]) || (data[0] >= 'A' && data[0] <= 'Z') ||
                            (data[0] >= 'a' && data[0] <= 'z') || data[0] == '-' || data[0] == '_'),
                       "an importer index (one of 0-9, A-Z, a-z, '-', '_')");
    default:
      return std::nullopt;
  }
}

}  // namespace

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

std::optional<LintFailure> CheckDate(std::string_view data, bool four_digit_year,
                                     bool allow_day_zero) {
  const std::size_t year_length = four_digit_year ? 4 : 2;
  if (data.size() != year_length + 4 || FirstNonDigit(data) != std::string_view::npos) {
    return Failure(
        "bad_date",
        four_digit_year ? "a date YYYYMMDD has eight digits" : "a date YYMMDD has six digits", 0);
  }
  // Two-digit years: YY % 4 == 0 is a leap year (see the header).
  const int year = four_digit_year ? Number(data.substr(0, 4)) : 2000 + Number(data.substr(0, 2));
  const int month = Number(data.substr(year_length, 2));
  const int day = Number(data.substr(year_length + 2, 2));
  if (month < 1 || month > 12) {
    return Failure("bad_date",
                   "month " + std::string(data.substr(year_length, 2)) + " is not a valid month",
                   year_length);
  }
  if ((day == 0 && !allow_day_zero) || day > DaysInMonth(year, month)) {
    return Failure(
        "bad_date",
        "day " + std::string(data.substr(year_length + 2, 2)) + " is not a valid day" +
            (day >= 1 && day <= 31 ? " in month " + std::string(data.substr(year_length, 2)) : ""),
        year_length + 2);
  }
  return std::nullopt;
}

std::optional<LintFailure> CheckCharSet(CharSet charset, std::string_view data) {
  const CharTable* alphabet = nullptr;
  std::string_view name;
  switch (charset) {
    case CharSet::kNumeric:
      if (const std::size_t bad = FirstNonDigit(data); bad != std::string_view::npos) {
        return Failure("bad_character", "character " + Describe(data[bad]) + " is not a digit",
                       bad);
      }
      return std::nullopt;
    case CharSet::kCset64:
      return CheckCset64(data);
    case CharSet::kCset82:
      alphabet = &kCset82Table;
      name = "GS1 character set 82";
      break;
    case CharSet::kCset39:
      alphabet = &kCset39Table;
      name = "GS1 character set 39";
      break;
  }
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (!InTable(*alphabet, data[i])) {
      return Failure("bad_character",
                     "character " + Describe(data[i]) + " is not in " + std::string(name), i);
    }
  }
  return std::nullopt;
}

std::optional<LintFailure> RunLinter(Linter linter, std::string_view data) {
  switch (linter) {
    case Linter::kCsum:
      return LintCsum(data);
    case Linter::kCsumAlpha:
      return LintCsumAlpha(data);
    case Linter::kGcpPos1:
      return LintGcpPos(linter, data, 0);
    case Linter::kGcpPos2:
      return LintGcpPos(linter, data, 1);
    case Linter::kYymmd0:
      return CheckDate(data, false, true);
    case Linter::kYymmdd:
      return CheckDate(data, false, false);
    case Linter::kYyyymmdd:
      return CheckDate(data, true, false);
    case Linter::kHhmi:
      return LintHhmi(data);
    case Linter::kHh:
      return CheckTwoDigits(data, 23, "hour");
    case Linter::kMi:
      return CheckTwoDigits(data, 59, "minute");
    case Linter::kSs:
      return CheckTwoDigits(data, 59, "second");
    case Linter::kPcenc:
      return LintPcenc(data);
    case Linter::kPosInSeqSlash:
      return LintPosInSeqSlash(data);
    case Linter::kPieceOfTotal:
      return LintPieceOfTotal(data);
    case Linter::kNoZeroPrefix:
      if (auto failure = CheckAllDigits(linter, data)) {
        return failure;
      }
      return CheckList(linter, data, data.empty() || data[0] != '0', "allowed to start with 0");
    case Linter::kLatitude:
      return LintCoordinate(linter, data, 1800000000);
    case Linter::kLongitude:
      return LintCoordinate(linter, data, 3600000000);
    case Linter::kIban:
      return LintIban(data);
    case Linter::kCouponPosOffer:
      return LintCouponPosOffer(data);
    case Linter::kCouponCode:
      return LintCouponCode(data);
    default:
      return RunSimpleLinter(linter, data);
  }
}

}  // namespace entrepot::gs1::internal
