// File: labels.h
//
// Internal labels: the barcodes Entrepôt prints for things that carry no GS1 identifier —
// bins and other locations, reusable containers (totes, carts, crates) and worker badges.
// A label reads
//
//   <kind>.<code>.<check>        e.g.  L.A-04-012-3-2.Z    C.T00042.2    B.W-0117.P
//
// where kind is L (location), C (container) or B (badge); code is 1-32 characters of A-Z,
// 0-9 and '-' (starting and ending with a letter or digit, no "--"); and check is one
// character of 0-9/A-Z computed with ISO/IEC 7064 MOD 37,36 over kind+code with the hyphens
// and dots left out. The check catches every single-character substitution and all but
// 0.16% of transpositions of two adjacent letters or digits (the misses are alphabet
// neighbours such as "56"/"65" at one running state), so a mis-scan or a mistyped label is
// refused instead of moving stock to the wrong bin. docs/LABELS.md has the details, the
// location code scheme and how to print labels as Code 128 or QR.
//
// Scanners with caps-lock quirks send lower case: parsing accepts any case and returns the
// code in upper case, which is the canonical form everywhere else. Pure functions; no I/O.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "entrepot/base/status.h"

namespace entrepot::domain {

enum class LabelKind { kLocation, kContainer, kBadge };

struct InternalLabel {
  LabelKind kind = LabelKind::kLocation;
  std::string code;  // Canonical: upper case, as ValidateLabelCode accepts.

  friend bool operator==(const InternalLabel&, const InternalLabel&) = default;
};

// The longest code a label may carry.
inline constexpr size_t kMaxLabelCodeLength = 32;

// 'L', 'C' or 'B'.
char LabelKindLetter(LabelKind kind);

// Returns OK if `code` may be printed on a label: 1-32 characters of A-Z, 0-9 and '-',
// beginning and ending with a letter or digit, without two hyphens in a row. Lower case is
// refused here (codes are stored upper case; ParseLabel normalises scans before checking).
// Otherwise kInvalidArgument, reason "bad_label_code", naming the first offending position.
Status ValidateLabelCode(std::string_view code);

// The ISO/IEC 7064 MOD 37,36 check character ('0'-'9' or 'A'-'Z') of kind+code, hyphens
// left out. REQUIRES: ValidateLabelCode(code).ok().
char LabelCheckCharacter(LabelKind kind, std::string_view code);

// "L.A-04-012-3-2.Z": the text to encode in the barcode and print under it.
// REQUIRES: ValidateLabelCode(code).ok().
std::string FormatLabel(LabelKind kind, std::string_view code);

// True if `scan` starts with "L.", "C." or "B." in either case. Scan routing uses this to
// decide that a barcode is meant as an internal label, so that a damaged label is reported
// with ParseLabel's reason rather than as a GS1 syntax error.
bool LooksLikeLabel(std::string_view scan);

// Parses a scanned or typed label; accepts lower case and returns the upper-case code.
// Errors, all kInvalidArgument:
//   "not_a_label"     — LooksLikeLabel(scan) is false;
//   "bad_label_code"  — the code between the dots breaks ValidateLabelCode's rules;
//   "bad_label_check" — the check character is missing, not one letter or digit, or not the
//                       one the code requires (the message gives expected vs found and the
//                       1-based position of the check character in the scan).
StatusOr<InternalLabel> ParseLabel(std::string_view scan);

}  // namespace entrepot::domain
