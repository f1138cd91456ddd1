#include "entrepot/core/scan_code.h"

#include <array>
#include <charconv>
#include <cstddef>
#include <utility>

#include "entrepot/base/status_macros.h"
#include "entrepot/domain/gs1/element_string.h"
#include "entrepot/domain/gs1/gs1_date.h"
#include "entrepot/domain/gs1/syntax_dictionary.h"
#include "entrepot/domain/labels.h"

namespace entrepot::core {
namespace {

using domain::ContainerType;

StatusOr<ScannedCode> FromLabel(std::string_view code) {
  ENTREPOT_ASSIGN_OR_RETURN(domain::InternalLabel label, domain::ParseLabel(code));
  ScannedCode scanned;
  scanned.id = std::move(label.code);
  switch (label.kind) {
    case domain::LabelKind::kLocation:
      scanned.kind = ScannedCode::Kind::kLocation;
      break;
    case domain::LabelKind::kContainer:
      scanned.kind = ScannedCode::Kind::kContainer;
      scanned.id.insert(0, "label:");
      break;
    case domain::LabelKind::kBadge:
      scanned.kind = ScannedCode::Kind::kBadge;
      break;
  }
  return scanned;
}

ScannedCode Container(std::string id, ContainerType type) {
  ScannedCode scanned;
  scanned.kind = ScannedCode::Kind::kContainer;
  scanned.id = std::move(id);
  scanned.container_type = type;
  return scanned;
}

int64_t ParseCount(const std::string& digits) {
  int64_t value = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), value);
  return value;
}

// The AIs that the scan path reads.
enum KeyAi {
  kSscc,
  kGrai,
  kGiai,
  kGtin,
  kVarCount,
  kContent,
  kCount,
  kLot,
  kSerial,
  kExpiry,
  kKeyAis
};
constexpr std::array<std::string_view, kKeyAis> kKeyAiCodes = {"00", "8003", "8004", "01", "30",
                                                               "02", "37",   "10",   "21", "17"};

// Their dictionary entries, looked up once: matching an element is a pointer comparison.
const std::array<const gs1::AiEntry*, kKeyAis>& KeyEntries() {
  static const std::array<const gs1::AiEntry*, kKeyAis> entries = [] {
    std::array<const gs1::AiEntry*, kKeyAis> found{};
    for (std::size_t i = 0; i < found.size(); ++i) {
      found[i] = gs1::DefaultAiTable().Find(kKeyAiCodes[i]);
    }
    return found;
  }();
  return entries;
}

// The elements of `data` with a key AI, by KeyAi, found in one pass (an AI occurs at most once).
std::array<gs1::internal::ScannedElement*, kKeyAis> FindKeyElements(gs1::DecodedGs1& data) {
  const std::array<const gs1::AiEntry*, kKeyAis>& entries = KeyEntries();
  std::array<gs1::internal::ScannedElement*, kKeyAis> found{};
  for (gs1::internal::ScannedElement& element : data.elements) {
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (element.entry == entries[i]) {
        found[i] = &element;
        break;
      }
    }
  }
  return found;
}

StatusOr<ScannedCode> FromGs1(gs1::DecodedGs1& data, int reference_year) {
  const std::array<gs1::internal::ScannedElement*, kKeyAis> found = FindKeyElements(data);
  if (found[kSscc] != nullptr) {
    return Container("sscc:" + found[kSscc]->value, ContainerType::kParcel);
  }
  if (found[kGrai] != nullptr) {
    return Container("grai:" + found[kGrai]->value, ContainerType::kCrate);
  }
  if (found[kGiai] != nullptr) {
    return Container("giai:" + found[kGiai]->value, ContainerType::kCrate);
  }
  gs1::internal::ScannedElement* gtin = found[kGtin];
  gs1::internal::ScannedElement* count = found[kVarCount];
  if (gtin == nullptr) {
    gtin = found[kContent];
    count = found[kCount];
  }
  if (gtin == nullptr) {
    return Error(StatusCode::kInvalidArgument, "no_identifier",
                 "the barcode is valid GS1 but carries no GTIN, SSCC, GRAI or GIAI");
  }
  ScannedCode scanned;
  scanned.item.gtin = std::move(gtin->value);
  if (found[kLot] != nullptr) {
    scanned.item.lot = std::move(found[kLot]->value);
  }
  if (found[kSerial] != nullptr) {
    scanned.item.serial = std::move(found[kSerial]->value);
  }
  if (found[kExpiry] != nullptr) {
    ENTREPOT_ASSIGN_OR_RETURN(scanned.item.expiry,
                              gs1::ExpandGs1Date(found[kExpiry]->value, reference_year));
  }
  if (count != nullptr) {
    scanned.quantity = ParseCount(count->value);
    if (scanned.quantity <= 0) {
      return Error(StatusCode::kInvalidArgument, "bad_value",
                   "AI (" + count->entry->ai + ") count must be at least 1");
    }
  }
  return scanned;
}

}  // namespace

StatusOr<ScannedCode> InterpretCode(std::string_view code, int reference_year) {
  if (domain::LooksLikeLabel(code)) {
    return FromLabel(code);
  }
  // DecodeGs1, not ParseGs1: the scan path reads a few AIs and needs no Gs1Data copy.
  StatusOr<gs1::DecodedGs1> data = gs1::DecodeGs1(code, gs1::ParseOptions(), gs1::DefaultAiTable());
  if (!data.ok()) {
    if (data.status().reason() == "not_gs1") {
      return Error(StatusCode::kInvalidArgument, "unknown_code",
                   "not a GS1 barcode or an Entrepôt label: " + data.status().message());
    }
    return data.status();
  }
  return FromGs1(*data, reference_year);
}

}  // namespace entrepot::core
