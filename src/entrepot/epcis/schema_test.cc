#include "entrepot/epcis/schema.h"

#include <pthread.h>

#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "entrepot/epcis/document.h"
#include "gtest/gtest.h"

namespace entrepot::epcis {
namespace {

using nlohmann::json;

json LoadExample(const std::string& name) {
  std::ifstream file(std::string(ENTREPOT_EPCIS_DATA_DIR) + "/" + name);
  std::stringstream text;
  text << file.rdbuf();
  return json::parse(text.str());
}

const char* const kExamples[] = {
    "Example_9.6.1-ObjectEvent.jsonld",
    "Example_9.6.2-ObjectEvent.jsonld",
    "Example_9.6.3-AggregationEvent.jsonld",
};

std::string Describe(const std::vector<SchemaViolation>& violations) {
  std::string text;
  for (const SchemaViolation& violation : violations) {
    text += violation.pointer + ": " + violation.message + "\n";
  }
  return text;
}

bool HasPointer(const std::vector<SchemaViolation>& violations, const std::string& pointer) {
  for (const SchemaViolation& violation : violations) {
    if (violation.pointer == pointer) {
      return true;
    }
  }
  return false;
}

json ValidEvent() {
  return json{{"type", "ObjectEvent"},
              {"eventTime", "2026-11-28T11:33:50.123Z"},
              {"eventTimeZoneOffset", "+00:00"},
              {"action", "OBSERVE"},
              {"bizStep", "receiving"},
              {"epcList", json::array({"urn:epc:id:sgtin:9506000.013435.S1"})},
              {"readPoint", {{"id", "urn:epc:id:sgln:9506000.00001.DOCK-01"}}}};
}

TEST(SchemaTest, OfficialExamplesValidate) {
  for (const char* name : kExamples) {
    json document = LoadExample(name);
    ASSERT_FALSE(document.empty()) << name;
    std::vector<SchemaViolation> violations = ValidateEpcisDocument(document);
    EXPECT_TRUE(violations.empty()) << name << "\n" << Describe(violations);
    EXPECT_TRUE(CheckEpcisDocument(document).ok()) << name;
  }
}

TEST(SchemaTest, EachEventOfTheExamplesValidatesAlone) {
  for (const char* name : kExamples) {
    const json document = LoadExample(name);  // Kept: the loop must not outlive it.
    for (const json& event : document["epcisBody"]["eventList"]) {
      std::vector<SchemaViolation> violations = ValidateEpcisEvent(event);
      EXPECT_TRUE(violations.empty()) << name << "\n" << Describe(violations);
    }
  }
}

TEST(SchemaTest, MissingEventTimeIsAViolationAtTheEvent) {
  json document = LoadExample(kExamples[0]);
  document["epcisBody"]["eventList"][1].erase("eventTime");
  std::vector<SchemaViolation> violations = ValidateEpcisDocument(document);
  EXPECT_TRUE(HasPointer(violations, "/epcisBody/eventList/1")) << Describe(violations);
  EXPECT_FALSE(HasPointer(violations, "/epcisBody/eventList/0")) << Describe(violations);
}

TEST(SchemaTest, UnknownActionIsAViolationAtTheAction) {
  json document = LoadExample(kExamples[2]);
  document["epcisBody"]["eventList"][0]["action"] = "WATCH";
  std::vector<SchemaViolation> violations = ValidateEpcisDocument(document);
  EXPECT_TRUE(HasPointer(violations, "/epcisBody/eventList/0/action")) << Describe(violations);
}

TEST(SchemaTest, WrongTypesAreViolations) {
  json event = ValidEvent();
  event["epcList"] = "urn:epc:id:sgtin:9506000.013435.S1";
  EXPECT_TRUE(HasPointer(ValidateEpcisEvent(event), "/epcList"));

  event = ValidEvent();
  event["eventTime"] = 1795000000000;
  EXPECT_TRUE(HasPointer(ValidateEpcisEvent(event), "/eventTime"));

  event = ValidEvent();
  event["readPoint"] = "urn:epc:id:sgln:9506000.00001.0";
  EXPECT_TRUE(HasPointer(ValidateEpcisEvent(event), "/readPoint"));

  event = ValidEvent();
  event["quantityList"] =
      json::array({{{"epcClass", "urn:epc:class:lgtin:9506000.013435.L1"}, {"quantity", "three"}}});
  EXPECT_TRUE(HasPointer(ValidateEpcisEvent(event), "/quantityList/0/quantity"));
}

TEST(SchemaTest, BadDateTimeAndOffsetAreViolations) {
  json event = ValidEvent();
  event["eventTime"] = "2026-13-28T11:33:50Z";
  EXPECT_TRUE(HasPointer(ValidateEpcisEvent(event), "/eventTime"));
  event = ValidEvent();
  event["eventTimeZoneOffset"] = "+15:00";
  EXPECT_TRUE(HasPointer(ValidateEpcisEvent(event), "/eventTimeZoneOffset"));
}

TEST(SchemaTest, MisspeltRequiredFieldIsAViolationAndExtensionsAreAllowed) {
  json event = ValidEvent();
  event.erase("eventTime");
  event["evnetTime"] = "2026-11-28T11:33:50.123Z";
  EXPECT_FALSE(ValidateEpcisEvent(event).empty());

  event = ValidEvent();
  event["example:myField"] = "a user extension";
  event["https://ns.example.com/epcis/other"] = 3;
  std::vector<SchemaViolation> violations = ValidateEpcisEvent(event);
  EXPECT_TRUE(violations.empty()) << Describe(violations);
}

TEST(SchemaTest, ValidEventHasNoViolations) {
  std::vector<SchemaViolation> violations = ValidateEpcisEvent(ValidEvent());
  EXPECT_TRUE(violations.empty()) << Describe(violations);
}

TEST(SchemaTest, DocumentWithoutContextIsAViolation) {
  json document = MakeEpcisDocument({ValidEvent()}, 0);
  ASSERT_TRUE(ValidateEpcisDocument(document).empty());
  document.erase("@context");
  EXPECT_FALSE(ValidateEpcisDocument(document).empty());
  Status status = CheckEpcisDocument(document);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.reason(), "schema_violation");
}

TEST(SchemaTest, QueryDocumentValidates) {
  json document = MakeQueryDocument({ValidEvent()}, "SimpleEventQuery", 0);
  std::vector<SchemaViolation> violations = ValidateEpcisDocument(document);
  EXPECT_TRUE(violations.empty()) << Describe(violations);
}

TEST(SchemaTest, CheckNamesTheFirstViolations) {
  json event = ValidEvent();
  event["action"] = "WATCH";
  Status status = CheckEpcisDocument(MakeEpcisDocument({ValidEvent(), event}, 0));
  EXPECT_EQ(status.reason(), "schema_violation");
  EXPECT_NE(status.message().find("/epcisBody/eventList/1/action"), std::string::npos)
      << status.message();
}

TEST(SchemaTest, ViolationsAreCappedAtTheLimit) {
  json event = ValidEvent();
  event["action"] = "WATCH";
  std::vector<json> events(kMaxViolations * 2, event);
  std::vector<SchemaViolation> violations =
      ValidateEpcisDocument(MakeEpcisDocument(std::move(events), 0));
  EXPECT_EQ(violations.size(), kMaxViolations);
}

TEST(SchemaTest, OverlongStringsAndDeepNestingAreRefusedBeforeTheSchema) {
  json event = ValidEvent();
  event["epcList"][0] = "urn:x:" + std::string(kMaxStringBytes, 'a');
  std::vector<SchemaViolation> violations = ValidateEpcisEvent(event);
  ASSERT_EQ(violations.size(), 1u) << Describe(violations);
  EXPECT_EQ(violations[0].pointer, "/epcList/0");

  event = ValidEvent();
  json deep = "leaf";
  for (int i = 0; i < kMaxDepth + 10; ++i) {
    deep = json{{"example:nested", deep}};
  }
  event["example:deep"] = deep;
  EXPECT_FALSE(ValidateEpcisEvent(event).empty());
}

TEST(SchemaTest, PatternCheckedStringsHaveATighterLimit) {
  json event = ValidEvent();
  event["eventTime"] = "2026-11-28T11:33:50." + std::string(kMaxPatternedStringBytes, '1') + "Z";
  std::vector<SchemaViolation> violations = ValidateEpcisEvent(event);
  ASSERT_EQ(violations.size(), 1u) << Describe(violations);
  EXPECT_EQ(violations[0].pointer, "/eventTime");
}

// Patterns (std::regex) recurse once per character; strings at the limits must not exhaust a
// small thread stack (1 MiB here; the main thread has 8).
TEST(SchemaTest, StringsAtTheLimitsValidateOnASmallStack) {
  std::vector<SchemaViolation> violations;
  auto validate = [&violations] {
    json event = ValidEvent();
    event["eventTime"] =
        "2026-11-28T11:33:50." + std::string(kMaxPatternedStringBytes - 21, '1') + "Z";
    event["example:text"] = std::string(kMaxStringBytes, 'a');
    event["bizStep"] = "urn:example:" + std::string(kMaxStringBytes - 12, 'b');
    event["disposition"] = "urn:example:" + std::string(kMaxStringBytes - 12, 'd');
    violations = ValidateEpcisEvent(event);
  };
  pthread_attr_t attributes;
  ASSERT_EQ(pthread_attr_init(&attributes), 0);
  ASSERT_EQ(pthread_attr_setstacksize(&attributes, size_t{1} << 20), 0);
  pthread_t thread;
  auto run = [](void* function) -> void* {
    (*static_cast<decltype(validate)*>(function))();
    return nullptr;
  };
  ASSERT_EQ(pthread_create(&thread, &attributes, run, &validate), 0);
  ASSERT_EQ(pthread_join(thread, nullptr), 0);
  pthread_attr_destroy(&attributes);
  EXPECT_TRUE(violations.empty()) << Describe(violations);
}

TEST(SchemaTest, PointersEscapeSlashAndTilde) {
  json event = ValidEvent();
  event["readPoint"] = {{"id", 5}};
  json document = MakeEpcisDocument({event}, 0);
  std::vector<SchemaViolation> violations = ValidateEpcisDocument(document);
  EXPECT_TRUE(HasPointer(violations, "/epcisBody/eventList/0/readPoint/id"))
      << Describe(violations);
  json odd = ValidEvent();
  odd["example:a/b~c"] = std::string(kMaxStringBytes + 1, 'x');
  violations = ValidateEpcisEvent(odd);
  EXPECT_TRUE(HasPointer(violations, "/example:a~1b~0c")) << Describe(violations);
}

TEST(SchemaTest, ValidatesFromSeveralThreads) {
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &failures] {
      json bad = ValidEvent();
      bad["action"] = "WATCH";
      for (int i = 0; i < 20; ++i) {
        failures[static_cast<size_t>(t)] += ValidateEpcisEvent(ValidEvent()).empty() ? 0 : 1;
        failures[static_cast<size_t>(t)] += ValidateEpcisEvent(bad).empty() ? 1 : 0;
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(failures, std::vector<int>(4, 0));
}

}  // namespace
}  // namespace entrepot::epcis
