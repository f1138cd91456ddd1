// File: syntax_dictionary.h
//
// The GS1 Application Identifier (AI) table, as data. Every AI's format, linters, pairing
// rules and Digital Link role come from the GS1 Barcode Syntax Dictionary, vendored at
// data/gs1/gs1-syntax-dictionary.txt and embedded into the binary at build time. Nothing about
// individual AIs is typed into this code; updating the file updates the table.
//
// Line format of the dictionary (see the file's own header for the full description):
//
//   AIs  [Flags]  Specification  [Attributes...]  [# Title]
//   3100-3105  *?  N6   req=01,02 ex=310n   # NET WEIGHT (kg)
//
//   AIs            one AI or an inclusive range of AIs of the same length (2 to 4 digits);
//   Flags          '*' the value has a predefined length, so no FNC1 separator follows it;
//                  '?' the AI may be a GS1 Digital Link data attribute (query parameter);
//   Specification  components such as "N14,csum,gcppos2", "X..20", "[N..12]" (optional);
//                  N digits, X CSET 82, Y CSET 39, Z base64url; "N6" fixed, "X..20" 1 to 20;
//                  each component may name linters (content checks, see internal/linters.h);
//   Attributes     req=01+21,02,35nn  one alternative must be present (+ means "and",
//                                     n is any digit); repeated keys must all hold;
//                  ex=8111,394n       none of these may be present (the AI itself excepted);
//                  dlpkey[=22,10,21|235]  Digital Link primary key with its ordered, optional
//                                     qualifiers (| separates alternative sequences);
//   Title          the text after the first '#'.
//
// The table answers "which AI is this?" in O(1) without allocating: by exact AI, and by the
// AI that starts a raw element string (the GS1 AI system is prefix-free, and
// ParseSyntaxDictionary verifies that).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "entrepot/base/status.h"

namespace entrepot::gs1 {

// The character set of a component.
enum class CharSet : std::uint8_t {
  kNumeric,  // "N": '0'..'9'.
  kCset82,   // "X": GS1 AI encodable character set 82.
  kCset39,   // "Y": GS1 AI encodable character set 39.
  kCset64,   // "Z": base64url (RFC 4648 section 5), with optional '=' padding.
};

// The content checks ("linters") that the dictionary may name. Every linter the vendored
// dictionary references is here; a dictionary naming any other one fails to parse, so a
// dictionary update can never silently skip a check.
enum class Linter : std::uint8_t {
  kCsum,
  kCsumAlpha,
  kGcpPos1,
  kGcpPos2,
  kYymmd0,
  kYymmdd,
  kYyyymmdd,
  kHhmi,
  kHh,
  kMi,
  kSs,
  kIso3166,
  kIso3166999,
  kIso3166Alpha2,
  kIso4217,
  kIso5218,
  kPcenc,
  kHyphen,
  kYesNo,
  kNonZero,
  kZero,
  kWinding,
  kPosInSeqSlash,
  kPackageType,
  kNoZeroPrefix,
  kMediaType,
  kLongitude,
  kLatitude,
  kImporterIdx,
  kIban,
  kHasNonDigit,
  kCouponPosOffer,
  kCouponCode,
  kPieceOfTotal,
};

// The dictionary's name of `linter` ("csum", "yymmd0", ...).
std::string_view LinterName(Linter linter);
// The linter the dictionary calls `name`, or nullopt if there is none.
std::optional<Linter> LinterFromName(std::string_view name);

// One component of an AI's value.
struct Component {
  CharSet charset = CharSet::kNumeric;
  int min_length = 0;  // Equal to max_length for a fixed-length component.
  int max_length = 0;
  bool optional = false;
  std::vector<Linter> linters;  // Run in order after the character set check.
};

// One AI, after range expansion ("3100-3105" yields six entries).
struct AiEntry {
  std::string ai;                  // "01", "3103", ...
  std::string flags;               // As written, e.g. "*?" or "".
  bool fnc1_required = true;       // False iff flags contain '*'.
  bool dl_data_attribute = false;  // True iff flags contain '?'.
  std::vector<Component> components;
  // One element per req= attribute; each must hold. An attribute is a list of alternatives,
  // one of which must be fully present; an alternative is a list of AI patterns such as
  // "01" or "35nn" ('n' matches any digit).
  std::vector<std::vector<std::vector<std::string>>> req;
  // Patterns from all ex= attributes: no other AI matching one of these may be present.
  std::vector<std::string> ex;
  bool dlpkey = false;  // A GS1 Digital Link primary key.
  // Alternative ordered qualifier sequences after the key (empty list: no qualifiers).
  std::vector<std::vector<std::string>> dl_qualifiers;
  std::string title;   // May be empty.
  int min_length = 0;  // Of the whole value: sum over the mandatory components.
  int max_length = 0;  // Of the whole value: sum over all components.
};

// True iff `ai` matches `pattern` ("35nn" matches "3512"); both must have the same length.
bool AiMatchesPattern(std::string_view pattern, std::string_view ai);

// The parsed dictionary. Immutable once built; entries keep their addresses for the
// table's lifetime (also across moves of the table).
class AiTable {
 public:
  AiTable() = default;

  // The entry for exactly `ai` (2 to 4 digits), or nullptr. O(1), no allocation.
  const AiEntry* Find(std::string_view ai) const;

  // The entry whose AI is a prefix of `data` (as at the start of a raw element string), or
  // nullptr if no AI starts `data`. At most one can: the table is prefix-free. O(1).
  const AiEntry* FindPrefix(std::string_view data) const;

  // All entries, in dictionary order.
  const std::vector<AiEntry>& Entries() const { return entries_; }
  std::size_t Size() const { return entries_.size(); }

 private:
  friend StatusOr<AiTable> ParseSyntaxDictionary(std::string_view text);

  // Slot of an AI: 2-digit AIs at [0, 100), 3-digit at [100, 1100), 4-digit at [1100, 11100).
  static constexpr int kIndexSize = 11100;
  static int Slot(std::string_view ai);

  std::vector<AiEntry> entries_;
  std::vector<std::int16_t> index_;  // Slot -> position in entries_, or -1.
  // For each two-digit prefix, the AI length used by the table (0 if none): makes
  // FindPrefix a single lookup.
  std::vector<std::int8_t> length_by_prefix_;
};

// Parses the text of a GS1 Barcode Syntax Dictionary. Pure; does no I/O.
// Errors (kInvalidArgument, reason "bad_dictionary", message "line N: ..."): a malformed AI or
// range, a malformed flags field, a malformed component, a variable-length component that is not
// the last one, a mandatory component after an optional one, an unknown linter, a malformed
// req=/ex=/dlpkey attribute, a '*' AI whose length is not fixed, an AI defined twice, an AI
// whose length differs from that of other AIs with the same first two digits (this keeps the
// table prefix-free), or a reference (req, ex, dlpkey) to an AI that does not exist.
// Flags and attribute keys that this code does not know are ignored, for forward
// compatibility: the dictionary reserves them for future use.
StatusOr<AiTable> ParseSyntaxDictionary(std::string_view text);

// The table parsed from the vendored dictionary, built on first use (thread-safe) and kept
// for the life of the process. The embedded dictionary is checked by the tests; failing to
// parse it is a build defect and aborts.
const AiTable& DefaultAiTable();

}  // namespace entrepot::gs1
