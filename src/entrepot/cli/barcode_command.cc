// `entrepot barcode DATA`: prints what a scan means, as JSON, so a site can check its labels
// and its scanners' settings (AIM prefixes on, GS separators kept, keyboard layout right).
#include <iostream>
#include <string>

#include "entrepot/api/stock_json.h"
#include "entrepot/cli/commands.h"
#include "entrepot/core/scan_code.h"
#include "entrepot/domain/gs1/element_string.h"
#include "entrepot/domain/labels.h"
#include "nlohmann/json.hpp"

namespace entrepot::cli {
namespace {

using nlohmann::json;

// Shells cannot easily pass a GS byte: accept the spellings people type for it.
std::string UnescapeGroupSeparators(std::string_view data) {
  static constexpr std::string_view kSpellings[] = {"\\x1d", "\\x1D", "^]", "<GS>", "\\u001d"};
  std::string out;
  out.reserve(data.size());
  while (!data.empty()) {
    bool replaced = false;
    for (std::string_view spelling : kSpellings) {
      if (data.starts_with(spelling)) {
        out.push_back('\x1d');
        data.remove_prefix(spelling.size());
        replaced = true;
        break;
      }
    }
    if (!replaced) {
      out.push_back(data.front());
      data.remove_prefix(1);
    }
  }
  return out;
}

std::string_view LabelKindName(domain::LabelKind kind) {
  switch (kind) {
    case domain::LabelKind::kLocation:
      return "location";
    case domain::LabelKind::kContainer:
      return "container";
    case domain::LabelKind::kBadge:
      return "badge";
  }
  return "unknown";
}

json Meaning(const core::ScannedCode& scanned) {
  switch (scanned.kind) {
    case core::ScannedCode::Kind::kItem: {
      json item = {
          {"designates", "item"}, {"gtin", scanned.item.gtin}, {"quantity", scanned.quantity}};
      if (!scanned.item.lot.empty()) {
        item["lot"] = scanned.item.lot;
      }
      if (!scanned.item.expiry.empty()) {
        item["expiry"] = scanned.item.expiry;
      }
      if (!scanned.item.serial.empty()) {
        item["serial"] = scanned.item.serial;
      }
      return item;
    }
    case core::ScannedCode::Kind::kLocation:
      return {{"designates", "location"}, {"location", scanned.id}};
    case core::ScannedCode::Kind::kContainer:
      return {{"designates", "container"}, {"container", scanned.id}};
    case core::ScannedCode::Kind::kBadge:
      return {{"designates", "badge"}};
  }
  return {};
}

int PrintError(const Status& status) {
  std::cout << api::DumpJson(
                   json{{"error", {{"code", status.reason()}, {"message", status.message()}}}}, 2)
            << "\n";
  return 1;
}

}  // namespace

int RunBarcode(const std::string& raw, int reference_year) {
  const std::string data = UnescapeGroupSeparators(raw);
  json out;
  if (domain::LooksLikeLabel(data)) {
    StatusOr<domain::InternalLabel> label = domain::ParseLabel(data);
    if (!label.ok()) {
      return PrintError(label.status());
    }
    out = {{"type", "label"}, {"kind", LabelKindName(label->kind)}, {"code", label->code}};
  } else {
    StatusOr<gs1::Gs1Data> gs1 = gs1::ParseGs1(data);
    if (!gs1.ok()) {
      return PrintError(gs1.status());
    }
    json elements = json::array();
    for (const gs1::Element& element : gs1->elements) {
      elements.push_back({{"ai", element.ai}, {"title", element.title}, {"value", element.value}});
    }
    out = {{"type", "gs1"},
           {"form", gs1->form},
           {"symbology", gs1->symbology},
           {"elements", elements},
           {"bracketed", gs1::ToBracketed(*gs1)}};
  }
  StatusOr<core::ScannedCode> scanned = core::InterpretCode(data, reference_year);
  if (scanned.ok()) {
    out["meaning"] = Meaning(*scanned);
  } else {
    out["meaning"] = {{"designates", "nothing"},
                      {"code", scanned.status().reason()},
                      {"message", scanned.status().message()}};
  }
  std::cout << api::DumpJson(out, 2) << "\n";
  return 0;
}

}  // namespace entrepot::cli
