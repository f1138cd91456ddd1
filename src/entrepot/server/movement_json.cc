#include "entrepot/server/movement_json.h"

#include "entrepot/wire/rfc3339.h"

namespace entrepot::server {
namespace {

using nlohmann::json;

json OrNull(const std::string& value) { return value.empty() ? json(nullptr) : json(value); }

json HolderJson(const std::optional<domain::Holder>& holder) {
  if (!holder) {
    return nullptr;
  }
  return {{"kind", holder->IsLocation() ? "location" : "container"}, {"id", holder->id}};
}

// RFC 3339 UTC, or null when the time is outside years 0000..9999 (as the event feed).
json TimeJson(int64_t at_ms) {
  if (at_ms < wire::kMinRfc3339Ms || at_ms > wire::kMaxRfc3339Ms) {
    return nullptr;
  }
  return wire::FormatRfc3339Ms(at_ms);
}

json TotalsJson(const std::vector<FlowTotal>& totals, const char* key, bool null_when_empty) {
  json out = json::array();
  for (const FlowTotal& total : totals) {
    out.push_back({{key, null_when_empty ? OrNull(total.key) : json(total.key)},
                   {"units", total.units},
                   {"movements", total.movements}});
  }
  return out;
}

}  // namespace

json MovementJson(const Movement& m) {
  json out = {{"seq", m.seq},
              {"position", FormatHistoryCursor({m.seq, m.ord})},
              {"at", TimeJson(m.at_ms)},
              {"at_ms", m.at_ms},
              {"process", m.process},
              {"event", MovementKindName(m.kind)},
              {"zone", OrNull(m.zone)},
              {"location", OrNull(m.location)},
              {"from", HolderJson(m.from)},
              {"to", HolderJson(m.to)},
              {"quantity", m.quantity}};
  if (!m.item.gtin.empty()) {
    out["gtin"] = m.item.gtin;
  }
  for (const auto& [key, value] :
       {std::pair{"lot", &m.item.lot}, std::pair{"expiry", &m.item.expiry},
        std::pair{"serial", &m.item.serial}, std::pair{"container", &m.container},
        std::pair{"reason", &m.reason}}) {
    if (!value->empty()) {
      out[key] = *value;
    }
  }
  return out;
}

json HistoryJson(const HistoryPage& page) {
  const HistorySubject& subject = page.subject;
  json subject_json = {{"kind", HistorySubjectKindName(subject.kind)}};
  for (const auto& [key, value] :
       {std::pair{"gtin", &subject.gtin}, std::pair{"lot", &subject.lot},
        std::pair{"serial", &subject.serial}, std::pair{"container", &subject.container}}) {
    if (!value->empty()) {
      subject_json[key] = *value;
    }
  }
  json movements = json::array();
  for (const Movement& movement : page.movements) {
    movements.push_back(MovementJson(movement));
  }
  return {{"subject", subject_json},
          {"movements", movements},
          {"next", page.next ? json(FormatHistoryCursor(*page.next)) : json(nullptr)},
          {"indexed_seq", page.indexed_seq}};
}

json FlowJson(const FlowReport& report) {
  json flows = json::array();
  for (const FlowCell& cell : report.cells) {
    flows.push_back({{"zone", OrNull(cell.zone)},
                     {"process", cell.process},
                     {"units", cell.units},
                     {"movements", cell.movements}});
  }
  return {{"from", TimeJson(report.from_ms)},
          {"to", TimeJson(report.to_ms)},
          {"from_ms", report.from_ms},
          {"to_ms", report.to_ms},
          {"window_ms", report.to_ms - report.from_ms},
          {"indexed_seq", report.indexed_seq},
          {"flows", flows},
          {"totals",
           {{"units", report.units},
            {"movements", report.movements},
            {"by_zone", TotalsJson(report.by_zone, "zone", true)},
            {"by_process", TotalsJson(report.by_process, "process", false)}}}};
}

json FlowSeriesJson(const std::vector<FlowReport>& buckets) {
  json series = json::array();
  for (const FlowReport& bucket : buckets) {
    json by_process = json::object();
    for (const FlowTotal& total : bucket.by_process) {
      by_process[total.key] = total.units;
    }
    series.push_back({{"from", TimeJson(bucket.from_ms)},
                      {"from_ms", bucket.from_ms},
                      {"units", bucket.units},
                      {"movements", bucket.movements},
                      {"by_process", by_process}});
  }
  return series;
}

}  // namespace entrepot::server
