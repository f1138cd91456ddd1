// File: internal/digital_link.h
//
// Extraction of AI elements from a GS1 Digital Link URI, e.g.
//
//   https://id.example.com/shop/01/09506000134352/10/AB12?17=271231&utm=x
//   \____/ \____________/\____/\_________________________/\______________/
//   scheme     host       prefix  primary key + qualifiers   data attributes
//
// Any host and any path prefix are accepted. The primary key is found by walking "/AI/value"
// pairs backwards from the end of the path, as the GS1 reference implementation does; the
// qualifiers after it must follow one of the orders its dlpkey= attribute allows. Path and
// query values are percent-decoded ('+' in the query means a space); a GTIN of 8, 12 or 13
// digits is padded to 14. Query parameters with a numeric name must be AIs flagged '?' in the
// dictionary; other query parameters and the fragment are ignored.
//
// The elements are only extracted here: their values and the pairing rules are validated by
// the caller with ai_validation.h, like those of every other form.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "entrepot/base/status.h"
#include "entrepot/domain/gs1/internal/ai_validation.h"
#include "entrepot/domain/gs1/syntax_dictionary.h"

namespace entrepot::gs1::internal {

// True iff `text` starts with "http://" or "https://", in any letter case (QR codes often
// carry upper-case URIs).
bool LooksLikeUri(std::string_view text);

// Extracts the elements of the Digital Link URI that starts at 0-based offset `start` of
// `scan` (positions in the results and errors are 1-based positions in `scan`).
// REQUIRES: LooksLikeUri(scan.substr(start)).
// Errors: "not_gs1" if the path holds no GS1 primary key (an ordinary URL);
// "bad_digital_link" for characters not allowed in a URI, bad percent-encoding, a missing
// host, key qualifiers in an order dlpkey= does not allow, or a query AI not flagged '?';
// "unknown_ai" for a numeric query parameter that is not an AI.
StatusOr<std::vector<ScannedElement>> ParseDigitalLink(std::string_view scan, std::size_t start,
                                                       const AiTable& table);

}  // namespace entrepot::gs1::internal
