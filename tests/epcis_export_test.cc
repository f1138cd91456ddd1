// `entrepot export epcis` as a user runs it: the example site (examples/fc-lyon) after its
// shift of scans, exported as an EPCIS 2.0 document that is checked against GS1's EPCIS JSON
// Schema twice, independently: with valijson (epcis/schema.h) and with python3-jsonschema
// (Draft7Validator on data/epcis/EPCIS-JSON-Schema.json).
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "entrepot/epcis/document.h"
#include "entrepot/epcis/schema.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "test_epcis.h"
#include "test_site.h"

namespace entrepot {
namespace {

using nlohmann::json;
using testing::RunEntrepot;

constexpr char kGln[] = "9506000000015";  // GS1's example prefix 9506000, check digit 5.

std::string SourcePath(const std::string& relative) {
  return std::string(ENTREPOT_SOURCE_DIR) + "/" + relative;
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// python3 -c with jsonschema's Draft7Validator: "valid", or the first errors.
testing::CommandResult PythonValidate(const std::string& document_path) {
  const std::string script =
      "import json, sys, jsonschema\n"
      "schema = json.load(open(sys.argv[1]))\n"
      "document = json.load(open(sys.argv[2]))\n"
      "errors = list(jsonschema.Draft7Validator(schema).iter_errors(document))\n"
      "for e in errors[:5]: print(list(e.absolute_path), e.message[:300])\n"
      "print('valid' if not errors else 'invalid')\n"
      "sys.exit(1 if errors else 0)\n";
  std::string command = "python3 -c \"" + script + "\" '" +
                        SourcePath("data/epcis/EPCIS-JSON-Schema.json") + "' '" + document_path +
                        "' 2>&1";
  testing::CommandResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    return result;
  }
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof(buffer), pipe)) > 0;) {
    result.out.append(buffer, n);
  }
  int status = pclose(pipe);
  result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string ViolationsText(const std::vector<epcis::SchemaViolation>& violations) {
  std::string text;
  for (const epcis::SchemaViolation& violation : violations) {
    text += violation.pointer + ": " + violation.message + "\n";
  }
  return text;
}

// The example site after its shift and its export, built once for the suite (ingesting and
// exporting take seconds, tens under ASan) and only read by the tests: CTest runs the whole
// suite in one process (EntrepotHelpers.cmake). Each test writes its own files in out_.
class EpcisExportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    testing::CommandResult init = RunEntrepot(
        {"init", "--data", Data(), "--layout", SourcePath("examples/fc-lyon/layout.toml")});
    ASSERT_EQ(init.exit_status, 0) << init.out;
    testing::CommandResult ingest =
        RunEntrepot({"ingest", "--data", Data(), SourcePath("examples/fc-lyon/scans.ndjson")});
    ASSERT_EQ(ingest.exit_status, 0) << ingest.out;
    testing::CommandResult exported = RunEntrepot({"export", "epcis", "--data", Data(), "--gln",
                                                   kGln, "--output", dir_->File("shift.jsonld")});
    ASSERT_EQ(exported.exit_status, 0) << exported.out;
    export_summary_ = new std::string(exported.out);
    shift_ = new json(json::parse(testing::ReadFileText(dir_->File("shift.jsonld"))));
  }
  // A test needs the suite's shift: without it (SetUpTestSuite failed) it fails, not crashes.
  void SetUp() override { ASSERT_NE(shift_, nullptr) << "the example shift was not exported"; }
  static void TearDownTestSuite() {
    delete shift_;
    delete export_summary_;
    delete dir_;
  }
  static std::string Data() { return dir_->File("site"); }
  static const json& Events() { return (*shift_)["epcisBody"]["eventList"]; }

  // Runs an export to out_/name and returns the document (null when it failed).
  json Export(std::vector<std::string> extra, const std::string& name) {
    std::vector<std::string> args = {"export", "epcis",    "--data",
                                     Data(),   "--output", out_.File(name)};
    args.insert(args.end(), extra.begin(), extra.end());
    testing::CommandResult result = RunEntrepot(args);
    EXPECT_EQ(result.exit_status, 0) << result.out;
    if (result.exit_status != 0) {
      return json();
    }
    return json::parse(testing::ReadFileText(out_.File(name)));
  }

  testing::TempDir out_;  // This test's own files.
  static testing::TempDir* dir_;
  static json* shift_;
  static std::string* export_summary_;
};

testing::TempDir* EpcisExportTest::dir_ = nullptr;
json* EpcisExportTest::shift_ = nullptr;
std::string* EpcisExportTest::export_summary_ = nullptr;

TEST_F(EpcisExportTest, ShiftValidatesWithValijsonAndWithPythonJsonschema) {
  ASSERT_FALSE(Events().empty());
  std::vector<epcis::SchemaViolation> violations = epcis::ValidateEpcisDocument(*shift_);
  EXPECT_TRUE(violations.empty()) << ViolationsText(violations);
  testing::CommandResult python = PythonValidate(dir_->File("shift.jsonld"));
  EXPECT_EQ(python.exit_status, 0) << python.out;
  EXPECT_EQ(python.out, "valid\n");
  EXPECT_EQ((*shift_)["type"], "EPCISDocument");
  EXPECT_EQ((*shift_)["schemaVersion"], "2.0");
}

TEST_F(EpcisExportTest, PythonJsonschemaCatchesABrokenDocument) {
  // The independent check can fail: an event without eventTime is refused.
  json broken = testing::EpcisDocument({Events()[0], Events()[1]});
  testing::WriteFile(out_.File("small.jsonld"), broken.dump());
  ASSERT_EQ(PythonValidate(out_.File("small.jsonld")).exit_status, 0);
  broken["epcisBody"]["eventList"][1].erase("eventTime");
  testing::WriteFile(out_.File("broken.jsonld"), broken.dump());
  EXPECT_NE(PythonValidate(out_.File("broken.jsonld")).exit_status, 0);
  EXPECT_FALSE(epcis::ValidateEpcisDocument(broken).empty());
}

TEST_F(EpcisExportTest, BizStepsMatchTheSitesOwnCounters) {
  std::map<std::string, int64_t> events, units;
  std::set<std::string> ids;
  for (const json& event : Events()) {
    const std::string step = event["bizStep"];
    ++events[step];
    for (const char* list : {"quantityList", "childQuantityList"}) {
      for (const json& quantity : event.value(list, json::array())) {
        units[step] += quantity["quantity"].get<int64_t>();
      }
    }
    for (const char* list : {"epcList", "childEPCs"}) {
      if (step != "shipping") {
        units[step] += static_cast<int64_t>(event.value(list, json::array()).size());
      }
    }
    EXPECT_TRUE(ids.insert(event["eventID"]).second) << "duplicate eventID " << event["eventID"];
  }
  testing::CommandResult stock = RunEntrepot({"stock", "--data", Data(), "--json"}, false);
  ASSERT_EQ(stock.exit_status, 0) << stock.out;
  json summary = json::parse(stock.out);
  // Each receive, stow and pick scan moves one unit; each parcel is packed once and shipped
  // once (the shift ends with every parcel shipped).
  EXPECT_EQ(units["receiving"], summary["units_received"].get<int64_t>());
  EXPECT_EQ(units["storing"] + units["picking"] + units["packing"],
            summary["units_moved"].get<int64_t>());
  EXPECT_EQ(units["packing"], summary["units_shipped"].get<int64_t>());
  EXPECT_EQ(events["shipping"], summary["containers_shipped"].get<int64_t>());
  EXPECT_EQ(events["packing"], events["shipping"]);
  // The numbers of the example shift (examples/fc-lyon/scans.ndjson).
  EXPECT_EQ(events["receiving"], 1920);
  EXPECT_EQ(events["storing"], 1920);
  EXPECT_EQ(events["picking"], 864);
  EXPECT_EQ(events["packing"], 288);
  EXPECT_EQ(events["shipping"], 288);
  EXPECT_EQ(events.count("cycle_counting"), 0u);  // Every count of the shift was right.
  EXPECT_TRUE(Contains(*export_summary_, "exported 5280 EPCIS events")) << *export_summary_;
}

TEST_F(EpcisExportTest, EventsCarryTheSitesLocationsAndCbvVocabulary) {
  const std::map<std::string, std::string> kDisposition = {{"receiving", "in_progress"},
                                                           {"storing", "sellable_not_accessible"},
                                                           {"picking", "in_progress"},
                                                           {"packing", "in_progress"},
                                                           {"shipping", "in_transit"}};
  for (const json& event : Events()) {
    const std::string step = event["bizStep"];
    EXPECT_EQ(event["disposition"], kDisposition.at(step)) << event.dump();
    EXPECT_EQ(event["eventTimeZoneOffset"], "+00:00");
    EXPECT_EQ(event["type"], step == "packing" ? "AggregationEvent" : "ObjectEvent");
    if (event.contains("readPoint")) {
      EXPECT_TRUE(
          std::string(event["readPoint"]["id"]).starts_with("urn:epc:id:sgln:9506000.00001."))
          << event.dump();
    }
    if (step == "shipping") {
      EXPECT_FALSE(event.contains("bizLocation"));
      EXPECT_TRUE(std::string(event["readPoint"]["id"]).find(".DOOR-") != std::string::npos);
      EXPECT_TRUE(std::string(event["epcList"][0]).starts_with("urn:epc:id:sscc:"));
    }
    if (step == "packing") {
      EXPECT_TRUE(std::string(event["parentID"]).starts_with("urn:epc:id:sscc:"));
    }
  }
}

TEST_F(EpcisExportTest, TimeRangeKeepsTheEventsInFromInclusiveToExclusive) {
  const std::string from = "2026-11-28T10:00:00Z";
  const std::string to = "2026-11-28T13:00:00+02:00";  // 11:00 UTC.
  json part = Export({"--gln", kGln, "--from", from, "--to", to}, "part.jsonld");
  ASSERT_TRUE(part.is_object());
  const int64_t from_ms = *epcis::ParseEpcisTime(from);
  const int64_t to_ms = *epcis::ParseEpcisTime(to);
  std::set<std::string> expected;
  for (const json& event : Events()) {
    int64_t at = *epcis::ParseEpcisTime(event["eventTime"].get<std::string>());
    if (at >= from_ms && at < to_ms) {
      expected.insert(event["eventID"]);
    }
  }
  ASSERT_FALSE(expected.empty());
  ASSERT_LT(expected.size(), Events().size());
  std::set<std::string> got;
  for (const json& event : part["epcisBody"]["eventList"]) {
    got.insert(event["eventID"]);
  }
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(epcis::ValidateEpcisDocument(part).empty());

  // Whole days, in UTC: the day after the shift has no event, and is still a document.
  json none = Export({"--from", "2026-11-29", "--to", "2026-11-30"}, "none.jsonld");
  ASSERT_TRUE(none.is_object());
  EXPECT_TRUE(none["epcisBody"]["eventList"].empty());
  EXPECT_TRUE(epcis::ValidateEpcisDocument(none).empty());
  EXPECT_EQ(PythonValidate(out_.File("none.jsonld")).exit_status, 0);
}

TEST_F(EpcisExportTest, DigitalLinkFormHasTheSameEventIdsAndValidates) {
  // The shift's first hour (the whole journal is read; a shorter document keeps python fast).
  json linked = Export({"--gln", kGln, "--ids", "digital-link", "--to", "2026-11-28T09:00:00Z"},
                       "linked.jsonld");
  ASSERT_TRUE(linked.is_object());
  std::map<std::string, const json*> by_id;
  for (const json& event : Events()) {
    by_id[event["eventID"]] = &event;
  }
  size_t compared = 0;
  for (const json& event : linked["epcisBody"]["eventList"]) {
    auto urn = by_id.find(event["eventID"]);
    ASSERT_NE(urn, by_id.end()) << "no URN event with the id of " << event.dump();
    ++compared;
    for (const char* list : {"epcList", "childEPCs"}) {
      for (const json& epc : event.value(list, json::array())) {
        EXPECT_TRUE(std::string(epc).starts_with("https://id.gs1.org/")) << epc;
      }
    }
    if (event.contains("readPoint")) {
      EXPECT_TRUE(std::string(event["readPoint"]["id"])
                      .starts_with("https://id.gs1.org/414/" + std::string(kGln) + "/254/"));
    }
  }
  EXPECT_GT(compared, 400u);
  EXPECT_TRUE(epcis::ValidateEpcisDocument(linked).empty());
  EXPECT_EQ(PythonValidate(out_.File("linked.jsonld")).exit_status, 0);
}

TEST_F(EpcisExportTest, WithoutAGlnLocationsArePrivateUrnsOfTheSite) {
  testing::CommandResult out =
      RunEntrepot({"export", "epcis", "--data", Data(), "--to", "2026-11-28T08:05:00Z"}, false);
  ASSERT_EQ(out.exit_status, 0) << out.out;
  json document = json::parse(out.out);  // stdout holds the document alone.
  size_t located = 0;
  for (const json& event : document["epcisBody"]["eventList"]) {
    if (event.contains("readPoint")) {
      ++located;
      EXPECT_TRUE(std::string(event["readPoint"]["id"]).starts_with("urn:entrepot:FR-LYS1:loc:"))
          << event.dump();
    }
  }
  EXPECT_GT(located, 0u);
}

// Rule RET-01: no worker identity in operational data; the export carries no device id and
// no idempotency key either, so devices cannot be tracked through partners.
TEST_F(EpcisExportTest, Ret01NoDeviceOrIdempotencyKeyAppearsInTheDocument) {
  const std::string text = testing::ReadFileText(dir_->File("shift.jsonld"));
  std::ifstream scans(SourcePath("examples/fc-lyon/scans.ndjson"));
  std::set<std::string> devices, keys;
  for (std::string line; std::getline(scans, line);) {
    json record = json::parse(line);
    devices.insert(record["device"]);
    keys.insert(record["id"]);
  }
  ASSERT_GT(devices.size(), 3u);
  ASSERT_GT(keys.size(), 9000u);
  for (const std::string& device : devices) {
    EXPECT_FALSE(Contains(text, device)) << device;
  }
  size_t leaked = 0;
  for (const std::string& key : keys) {
    leaked += Contains(text, key) ? 1u : 0u;
  }
  EXPECT_EQ(leaked, 0u);
  EXPECT_FALSE(Contains(text, "\"device"));
}

TEST_F(EpcisExportTest, RefusedOptionsExitOneWithAStableReason) {
  struct Case {
    std::vector<std::string> args;
    const char* reason;
  };
  const Case kCases[] = {
      {{"--gln", "9506000000016"}, "bad_gln"},  // Wrong check digit.
      {{"--gln", "95060"}, "bad_gln"},
      {{"--from", "2026-11-28T12:00:00Z", "--to", "2026-11-28T11:00:00Z"}, "bad_range"},
      {{"--from", "2026-11-28", "--to", "2026-11-28"}, "bad_range"},
      {{"--from", "yesterday"}, "bad_time"},
      {{"--to", "2026-11-28T11:00:00"}, "bad_time"},
      {{"--ids", "epc"}, "bad_id_form"},
      {{"--gcp-length", "13"}, "bad_company_prefix_length"},
      {{"--max-events", "0"}, "bad_max_events"},
      {{"--max-events", "100"}, "too_many_events"},
  };
  for (const Case& c : kCases) {
    std::vector<std::string> args = {"export", "epcis",    "--data",
                                     Data(),   "--output", out_.File("refused.jsonld")};
    args.insert(args.end(), c.args.begin(), c.args.end());
    testing::CommandResult result = RunEntrepot(args);
    EXPECT_EQ(result.exit_status, 1) << c.reason << ": " << result.out;
    EXPECT_TRUE(Contains(result.out, c.reason)) << c.reason << ": " << result.out;
  }
  testing::CommandResult limited = RunEntrepot({"export", "epcis", "--data", Data(), "--max-events",
                                                "100", "--output", out_.File("refused.jsonld")});
  EXPECT_TRUE(Contains(limited.out, "--from and --to")) << limited.out;
  std::ifstream refused(out_.File("refused.jsonld"));
  EXPECT_FALSE(refused.good()) << "nothing is written when the export is refused";
}

TEST_F(EpcisExportTest, MissingSiteExitsTwo) {
  testing::CommandResult result =
      RunEntrepot({"export", "epcis", "--data", out_.File("no-such-site")});
  EXPECT_EQ(result.exit_status, 2) << result.out;
  EXPECT_TRUE(Contains(result.out, "site_not_found")) << result.out;
}

}  // namespace
}  // namespace entrepot
