#include "entrepot/core/scan_code.h"

#include <charconv>

#include "entrepot/base/status_macros.h"
#include "entrepot/domain/gs1/element_string.h"
#include "entrepot/domain/gs1/gs1_date.h"
#include "entrepot/domain/labels.h"

namespace entrepot::core {
namespace {

using domain::ContainerType;

StatusOr<ScannedCode> FromLabel(std::string_view code) {
  ENTREPOT_ASSIGN_OR_RETURN(domain::InternalLabel label, domain::ParseLabel(code));
  ScannedCode scanned;
  scanned.id = label.code;
  switch (label.kind) {
    case domain::LabelKind::kLocation:
      scanned.kind = ScannedCode::Kind::kLocation;
      break;
    case domain::LabelKind::kContainer:
      scanned.kind = ScannedCode::Kind::kContainer;
      scanned.id = "label:" + label.code;
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

StatusOr<ScannedCode> FromGs1(const gs1::Gs1Data& data, int reference_year) {
  if (const gs1::Element* sscc = data.Find("00")) {
    return Container("sscc:" + sscc->value, ContainerType::kParcel);
  }
  if (const gs1::Element* grai = data.Find("8003")) {
    return Container("grai:" + grai->value, ContainerType::kCrate);
  }
  if (const gs1::Element* giai = data.Find("8004")) {
    return Container("giai:" + giai->value, ContainerType::kCrate);
  }
  const gs1::Element* gtin = data.Find("01");
  const gs1::Element* count = data.Find("30");
  if (gtin == nullptr) {
    gtin = data.Find("02");
    count = data.Find("37");
  }
  if (gtin == nullptr) {
    return Error(StatusCode::kInvalidArgument, "no_identifier",
                 "the barcode is valid GS1 but carries no GTIN, SSCC, GRAI or GIAI");
  }
  ScannedCode scanned;
  scanned.item.gtin = gtin->value;
  if (const gs1::Element* lot = data.Find("10")) {
    scanned.item.lot = lot->value;
  }
  if (const gs1::Element* serial = data.Find("21")) {
    scanned.item.serial = serial->value;
  }
  if (const gs1::Element* expiry = data.Find("17")) {
    ENTREPOT_ASSIGN_OR_RETURN(scanned.item.expiry,
                              gs1::ExpandGs1Date(expiry->value, reference_year));
  }
  if (count != nullptr) {
    scanned.quantity = ParseCount(count->value);
    if (scanned.quantity <= 0) {
      return Error(StatusCode::kInvalidArgument, "bad_value",
                   "AI (" + count->ai + ") count must be at least 1");
    }
  }
  return scanned;
}

}  // namespace

StatusOr<ScannedCode> InterpretCode(std::string_view code, int reference_year) {
  if (domain::LooksLikeLabel(code)) {
    return FromLabel(code);
  }
  StatusOr<gs1::Gs1Data> data = gs1::ParseGs1(code);
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
