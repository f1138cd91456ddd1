// MappedEventJson writes the pre-hash string straight from the event's fields; the generic
// algorithm (CanonicalEventId) walks the JSON. Over many generated events, with identifiers
// of every form the hash rewrites, odd values and times at the limits, the new JSON must
// equal byte for byte what the mapper wrote before (the JSON built member by member, its id
// computed by CanonicalEventId: kept here, as the reference).
#include "entrepot/epcis/mapped_event.h"

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "entrepot/epcis/document.h"
#include "entrepot/epcis/event_hash.h"
#include "gtest/gtest.h"

namespace entrepot::epcis {
namespace {

using nlohmann::json;

// The mapper's event as it was written before MappedEventJson, with its id.
StatusOr<json> ReferenceEventJson(const MappedEvent& event, int64_t at_ms) {
  json out = {{"type", event.type},
              {"eventTime", FormatEpcisTime(at_ms)},
              {"eventTimeZoneOffset", "+00:00"},
              {"action", event.action},
              {"bizStep", event.biz_step}};
  if (!event.disposition.empty()) {
    out["disposition"] = event.disposition;
  }
  if (event.read_point) {
    out["readPoint"] = {{"id", *event.read_point}};
  }
  if (event.biz_location) {
    out["bizLocation"] = {{"id", *event.biz_location}};
  }
  if (!event.bill_of_lading.empty()) {
    out["bizTransactionList"] =
        json::array({json{{"type", "bol"}, {"bizTransaction", event.bill_of_lading}}});
  }
  std::vector<std::string> epcs = event.epcs;
  std::sort(epcs.begin(), epcs.end());
  const bool aggregation = event.type == "AggregationEvent";
  if (aggregation) {
    out["parentID"] = event.parent;
  }
  if (!epcs.empty() || event.quantities.empty()) {
    out[aggregation ? "childEPCs" : "epcList"] = epcs;
  }
  if (!event.quantities.empty()) {
    json list = json::array();
    for (const auto& [epc_class, quantity] : event.quantities) {
      list.push_back({{"epcClass", epc_class}, {"quantity", quantity}});
    }
    out[aggregation ? "childQuantityList" : "quantityList"] = list;
  }
  StatusOr<std::string> id = CanonicalEventId(out);
  if (!id.ok()) {
    return id.status();
  }
  out["eventID"] = *id;
  return out;
}

class EventGenerator {
 public:
  MappedEvent Next() {
    MappedEvent event;
    event.type = Pick(kTypes);
    event.action = Pick(kActions);
    event.biz_step = Pick(kSteps);
    event.disposition = Pick(kDispositions);
    if (Chance(3)) {
      event.read_point = Uri();
    }
    if (Chance(3)) {
      event.biz_location = Uri();
    }
    event.parent = Chance(5) ? "" : Uri();
    event.bill_of_lading = Chance(3) ? Uri() : "";
    for (int i = Below(6); i > 0; --i) {
      event.epcs.push_back(Uri());
    }
    for (int i = Below(4); i > 0; --i) {
      event.quantities[Uri()] = Quantity();
    }
    return event;
  }

  int64_t Time() {
    static constexpr int64_t kTimes[] = {
        0,
        -1,
        1'795'000'000'123,
        -62'135'596'800'000,      // 0001-01-01T00:00:00.000Z, the first EPCIS time.
        -62'135'596'800'001,      // The year 0: none.
        253'402'300'799'999,      // 9999-12-31T23:59:59.999Z, the last.
        253'402'300'800'000,      // The year 10000: none.
        -9'000'000'000'000'000};  // Far before.
    return Chance(4) ? kTimes[Below(std::size(kTimes))]
                     : static_cast<int64_t>(random_() % 4'000'000'000'000);
  }

 private:
  static constexpr std::string_view kTypes[] = {"ObjectEvent", "AggregationEvent"};
  static constexpr std::string_view kActions[] = {"OBSERVE", "ADD", " DELETE ", ""};
  static constexpr std::string_view kSteps[] = {"receiving",
                                                "storing",
                                                "picking",
                                                "packing",
                                                "transporting",
                                                "shipping",
                                                "cycle_counting",
                                                "",
                                                "not_a_step",
                                                " storing ",
                                                "cbv:BizStep-receiving",
                                                "urn:epcglobal:cbv:bizstep:shipping",
                                                "https://ref.gs1.org/cbv/BizStep-picking"};
  static constexpr std::string_view kDispositions[] = {
      "in_progress",     "sellable_not_accessible",      "in_transit", "unknown", "", "gone",
      "cbv:Disp-active", "urn:epcglobal:cbv:disp:active"};
  static constexpr std::string_view kOdd[] = {"",
                                              " ",
                                              "\t",
                                              "1.50",
                                              " 12.50 ",
                                              "1e3",
                                              "-0",
                                              "007",
                                              "x y",
                                              "gs1:Temperature",
                                              "cbv:Disp-in_transit",
                                              "ex:thing",
                                              "urn:epcglobal:cbv:btt:po"};

  bool Chance(int one_in) { return random_() % static_cast<unsigned>(one_in) == 0; }
  int Below(size_t n) { return static_cast<int>(random_() % n); }
  template <typename T, size_t N>
  std::string_view Pick(const T (&values)[N]) {
    return values[Below(N)];
  }

  // A component with the characters EPC URIs and Digital Link escape or keep.
  std::string Component() {
    static constexpr std::string_view kChars = "0123456789ABCxyz-._!()*+,:'%;=";
    std::string text;
    for (int i = 1 + Below(8); i > 0; --i) {
      text += kChars[static_cast<size_t>(Below(kChars.size()))];
    }
    return text;
  }

  std::string Digits(int count) {
    std::string text;
    for (int i = 0; i < count; ++i) {
      text += static_cast<char>('0' + Below(10));
    }
    return text;
  }

  std::string Uri() {
    switch (Below(14)) {
      case 0:
        return "urn:epc:id:sgtin:9506000.013435." + Component();
      case 1:
        return "urn:epc:class:lgtin:9506000.013435." + Component();
      case 2:
        return "urn:epc:idpat:sgtin:9506000.0" + Digits(5) + ".*";
      case 3:
        return "urn:epc:id:sscc:9506000." + Digits(10);
      case 4:
        return "urn:epc:id:sgln:9506000.00001." + Component();
      case 5:
        return "urn:epc:id:grai:9506000.00001." + Component();
      case 6:
        return "urn:epc:id:giai:9506000." + Component();
      case 7:
        return "https://id.gs1.org/01/0950600013435" + Digits(1) + "/21/" + Component();
      case 8:
        return "https://example.com/shop/01/09506000134352/10/" + Component() + "/21/" +
               Component() + "?linkType=all";
      case 9:
        return "https://id.gs1.org/414/9506000000015/254/" + Component();
      case 10:
        return "urn:entrepot:FR-TEST:loc:" + Component();
      case 11:
        return "urn:epcglobal:cbv:bt:9506000000015:" + Component();
      case 12:
        return Digits(1 + Below(20));
      default:
        return std::string(Pick(kOdd));
    }
  }

  int64_t Quantity() {
    static constexpr int64_t kQuantities[] = {0,
                                              1,
                                              -3,
                                              9'007'199'254'740'993,  // Beyond a double's 2^53.
                                              std::numeric_limits<int64_t>::max(),
                                              std::numeric_limits<int64_t>::min()};
    return Chance(3) ? kQuantities[Below(std::size(kQuantities))]
                     : static_cast<int64_t>(random_() % 100'000);
  }

  std::mt19937_64 random_{20261128};
};

TEST(MappedEventTest, JsonAndIdEqualTheReferenceOnGeneratedEvents) {
  EventGenerator generator;
  int refused = 0;
  for (int i = 0; i < 5000; ++i) {
    const MappedEvent event = generator.Next();
    const int64_t at_ms = generator.Time();
    const StatusOr<json> reference = ReferenceEventJson(event, at_ms);
    const StatusOr<json> mapped = MappedEventJson(event, FormatEpcisTime(at_ms));
    ASSERT_EQ(mapped.ok(), reference.ok()) << i << " " << mapped.status().ToString();
    if (!reference.ok()) {
      ++refused;
      EXPECT_EQ(mapped.status().ToString(), reference.status().ToString());
      continue;
    }
    ASSERT_EQ(mapped->dump(), reference->dump()) << i;
    json without_id = *reference;
    without_id.erase("eventID");
    ASSERT_EQ(MappedEventPreHash(event, FormatEpcisTime(at_ms)), *EventPreHashString(without_id))
        << i;
  }
  EXPECT_GT(refused, 0);  // Times outside the years 1-9999 were generated.
}

TEST(MappedEventTest, EpcsAreSortedAndAnEmptyListIsWrittenWithoutQuantities) {
  MappedEvent event;
  event.biz_step = "storing";
  event.epcs = {"urn:epc:id:sgtin:9506000.013435.2", "urn:epc:id:sgtin:9506000.013435.1"};
  StatusOr<json> mapped = MappedEventJson(event, "2026-11-28T08:15:02.120Z");
  ASSERT_TRUE(mapped.ok());
  EXPECT_EQ((*mapped)["epcList"], json::array({"urn:epc:id:sgtin:9506000.013435.1",
                                               "urn:epc:id:sgtin:9506000.013435.2"}));
  event.epcs.clear();
  mapped = MappedEventJson(event, "2026-11-28T08:15:02.120Z");
  ASSERT_TRUE(mapped.ok());
  EXPECT_EQ((*mapped)["epcList"], json::array());
  event.quantities["urn:epc:idpat:sgtin:9506000.013435.*"] = 4;
  mapped = MappedEventJson(event, "2026-11-28T08:15:02.120Z");
  ASSERT_TRUE(mapped.ok());
  EXPECT_FALSE(mapped->contains("epcList"));
}

}  // namespace
}  // namespace entrepot::epcis
