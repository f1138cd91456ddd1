// File: container_id.h
//
// Canonical container ids (model.h): "label:<code>" for Entrepôt's own container labels,
// "sscc:<18 digits>", "grai:<0, 13 digits, serial>" and "giai:<1-30 characters>" for GS1
// keys. One validation shared by the layout file and master-data changes.
#pragma once

#include <string_view>

#include "entrepot/base/status.h"

namespace entrepot::domain {

// OK when `id` is a canonical container id whose key is valid as its GS1 element string
// (length, character set, check digit) or whose label code is printable (labels.h).
// Otherwise kInvalidArgument with reason "bad_check_digit" (a GS1 key's check digit),
// "bad_label_code" (a label code), or "bad_container_id" (anything else), the message
// starting `container id "<id>": ` and saying what is expected.
Status ValidateContainerId(std::string_view id);

// True when `id` starts with one of the four canonical prefixes (it may still be invalid).
bool HasContainerIdPrefix(std::string_view id);

}  // namespace entrepot::domain
