// The EPCIS follower's CPU work per event (server/epcis_follower.cc): EpcisMapper::Map on
// the journal entries of the shared bench workload (bench_workload.h: receive-then-stow
// cycles of lot-tracked units, identifiers as EPC URNs with the site's SGLN locations), and
// the event hash of those events two ways: CanonicalEventId walking the event's JSON (the
// generic algorithm, which capture uses and which Map used before) against MappedEventId
// writing the pre-hash string straight from the event's fields (what Map uses now).
//
//   epcis_mapping_benchmark [--benchmark_repetitions=5 --benchmark_report_aggregates_only=true]
//
// Running the scans through core::Site to get the entries is not timed.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench_workload.h"
#include "benchmark/benchmark.h"
#include "entrepot/core/site.h"
#include "entrepot/epcis/event_hash.h"
#include "entrepot/epcis/event_mapping.h"
#include "entrepot/epcis/mapped_event.h"
#include "median_reporter.h"

namespace entrepot::bench {
namespace {

using nlohmann::json;

constexpr size_t kScans = 20'000;

epcis::IdOptions Ids() {
  epcis::IdOptions ids;
  ids.form = epcis::IdForm::kUrn;
  ids.company_prefix_length = 7;
  ids.site_gln = "9506000000015";
  ids.site_code = "FR-BENCH";
  return ids;
}

// The journal of the workload: the layout's master data, then every scan.
const std::vector<core::Entry>& Entries() {
  static const std::vector<core::Entry> entries = [] {
    core::Site site;
    std::vector<core::Entry> out = site.LoadLayout(BenchLayout(), 1);
    uint64_t seq = out.size();
    for (const core::ScanCommand& command : Workload(kScans)) {
      out.push_back(site.Execute(command, ++seq).entry);
    }
    return out;
  }();
  return entries;
}

// Every event the journal maps to, without its eventID.
const std::vector<json>& MappedEvents() {
  static const std::vector<json> events = [] {
    std::vector<json> out;
    epcis::EpcisMapper mapper(Ids());
    for (const core::Entry& entry : Entries()) {
      StatusOr<std::vector<json>> mapped = mapper.Map(entry);
      for (json& event : *mapped) {
        event.erase("eventID");
        out.push_back(std::move(event));
      }
    }
    return out;
  }();
  return events;
}

// A mapped event back from its JSON; its views point into `event`.
epcis::MappedEvent FromJson(const json& event) {
  auto text = [](const json& value) -> std::string_view {
    return value.get_ref<const std::string&>();
  };
  epcis::MappedEvent out;
  out.type = text(event.at("type"));
  out.action = text(event.at("action"));
  out.biz_step = text(event.at("bizStep"));
  out.disposition = event.contains("disposition") ? text(event.at("disposition")) : "";
  if (event.contains("readPoint")) {
    out.read_point = event.at("readPoint").at("id");
  }
  if (event.contains("bizLocation")) {
    out.biz_location = event.at("bizLocation").at("id");
  }
  const bool aggregation = out.type == "AggregationEvent";
  if (aggregation) {
    out.parent = event.at("parentID");
  }
  if (event.contains("bizTransactionList")) {
    out.bill_of_lading = event.at("bizTransactionList").at(0).at("bizTransaction");
  }
  for (const json& epc : event.value(aggregation ? "childEPCs" : "epcList", json::array())) {
    out.epcs.push_back(epc);
  }
  for (const json& quantity :
       event.value(aggregation ? "childQuantityList" : "quantityList", json::array())) {
    out.quantities[quantity.at("epcClass")] = quantity.at("quantity");
  }
  return out;
}

// The mapped events as MappedEventPreHash reads them, each checked to hash as the generic
// algorithm does (the benchmark compares two ways of computing the same ids).
const std::vector<epcis::MappedEvent>& DirectEvents() {
  static const std::vector<epcis::MappedEvent> events = [] {
    std::vector<epcis::MappedEvent> out;
    for (const json& event : MappedEvents()) {
      out.push_back(FromJson(event));
      const std::string& time = event.at("eventTime").get_ref<const std::string&>();
      if (epcis::EventIdOfPreHash(epcis::MappedEventPreHash(out.back(), time)) !=
          *epcis::CanonicalEventId(event)) {
        std::fprintf(stderr, "the two event ids differ for %s\n", event.dump().c_str());
        std::exit(1);
      }
    }
    return out;
  }();
  return events;
}

void BM_MapEntries(benchmark::State& state) {
  const std::vector<core::Entry>& entries = Entries();
  size_t events = 0;
  for (auto _ : state) {
    epcis::EpcisMapper mapper(Ids());
    for (const core::Entry& entry : entries) {
      StatusOr<std::vector<json>> mapped = mapper.Map(entry);
      events += mapped->size();
      benchmark::DoNotOptimize(mapped);
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(events));
}
BENCHMARK(BM_MapEntries)->Unit(benchmark::kMillisecond);

void BM_GenericEventId(benchmark::State& state) {
  const std::vector<json>& events = MappedEvents();
  for (auto _ : state) {
    for (const json& event : events) {
      StatusOr<std::string> id = epcis::CanonicalEventId(event);
      benchmark::DoNotOptimize(id);
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(events.size()));
}
BENCHMARK(BM_GenericEventId)->Unit(benchmark::kMillisecond);

void BM_DirectEventId(benchmark::State& state) {
  const std::vector<json>& json_events = MappedEvents();
  const std::vector<epcis::MappedEvent>& events = DirectEvents();
  for (auto _ : state) {
    for (size_t i = 0; i < events.size(); ++i) {
      const std::string& time = json_events[i].at("eventTime").get_ref<const std::string&>();
      std::string id = epcis::EventIdOfPreHash(epcis::MappedEventPreHash(events[i], time));
      benchmark::DoNotOptimize(id);
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(events.size()));
}
BENCHMARK(BM_DirectEventId)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace entrepot::bench

int main(int argc, char** argv) {
  entrepot::bench::MedianReporter reporter;
  if (!entrepot::bench::RunBenchmarks(&argc, argv, reporter)) {
    return 1;
  }
  const auto map = reporter.ItemsPerSecond("BM_MapEntries");
  const auto generic = reporter.ItemsPerSecond("BM_GenericEventId");
  const auto direct = reporter.ItemsPerSecond("BM_DirectEventId");
  std::printf("%zu journal entries map to %zu events\n", entrepot::bench::Entries().size(),
              entrepot::bench::MappedEvents().size());
  if (map) {
    std::printf("Map: %.2f us per event\n", 1e6 / *map);
  }
  if (generic && direct) {
    std::printf("event id: generic %.2f us, direct %.2f us per event (%.1fx faster)\n",
                1e6 / *generic, 1e6 / *direct, *direct / *generic);
  }
  return 0;
}
