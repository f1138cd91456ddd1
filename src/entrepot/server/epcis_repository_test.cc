// Tests of the EPCIS repository: capture (GS1's official examples queried back equal, errors
// per event, all or nothing and proceed, idempotence, limits), the query filters and paging,
// and the site's own events followed from a real journal (core::Site through
// engine::SiteEngine on a SqliteJournal in a temporary directory), with rebuilds.
#include "entrepot/server/epcis_repository.h"

#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "entrepot/core/site_test_util.h"
#include "entrepot/engine/site_engine.h"
#include "entrepot/epcis/document.h"
#include "entrepot/server/epcis_db.h"
#include "entrepot/server/epcis_test_documents.h"
#include "entrepot/store/sqlite_journal.h"
#include "gtest/gtest.h"

namespace entrepot::server {
namespace {

using core::Mode;
using core::testing::ContainerLabel;
using core::testing::ItemWithLot;
using core::testing::ItemWithSerial;
using core::testing::kCable;
using core::testing::kKettle;
using core::testing::kParcel1;
using core::testing::kStart;
using core::testing::LocationLabel;
using core::testing::Sscc;
using epcis_testing::Document;
using epcis_testing::Receipt;
using nlohmann::json;

constexpr std::chrono::seconds kWait{20};
constexpr int64_t kCaptureTime = 1'800'000'000'000;
const char* const kExamples[] = {"Example_9.6.1-ObjectEvent.jsonld",
                                 "Example_9.6.2-ObjectEvent.jsonld",
                                 "Example_9.6.3-AggregationEvent.jsonld"};
// The identifiers of the examples, as EPC URNs and as GS1 Digital Link URIs.
constexpr char kSgtin2018Urn[] = "urn:epc:id:sgtin:0614141.107346.2018";
constexpr char kSgtin2018Link[] = "https://id.gs1.org/01/10614141073464/21/2018";
constexpr char kSsccUrn[] = "urn:epc:id:sscc:0614141.1234567890";
constexpr char kSsccLink[] = "https://id.gs1.org/00/106141412345678908";
constexpr char kLgtinUrn[] = "urn:epc:class:lgtin:4012345.012345.998877";
constexpr char kLgtinLink[] = "https://id.gs1.org/01/04012345123456/10/998877";

std::string ReadText(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  EXPECT_TRUE(file) << path;
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

std::string Example(const char* name) {
  return ReadText(std::string(ENTREPOT_EPCIS_DATA_DIR) + "/" + name);
}

json WithoutRecordTime(json event) {
  event.erase("recordTime");
  return event;
}

std::vector<std::string> Ids(const EventPage& page) {
  std::vector<std::string> ids;
  for (const json& event : page.events) {
    ids.push_back(event.value("eventID", ""));
  }
  return ids;
}

class EpcisRepositoryTest : public ::testing::Test {
 protected:
  EpcisRepositoryTest() {
    dir_ = (std::filesystem::temp_directory_path() /
            ("entrepot-epcis-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto journal = store::SqliteJournal::Open(dir_ + "/journal.db");
    EXPECT_TRUE(journal.ok()) << journal.status().ToString();
    auto engine = engine::SiteEngine::Open(*std::move(journal));
    EXPECT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = *std::move(engine);
    EXPECT_TRUE(engine_->LoadLayout(core::testing::SmallLayout()).ok());
  }
  ~EpcisRepositoryTest() override {
    repository_.reset();
    engine_.reset();
    std::filesystem::remove_all(dir_);
  }

  EpcisRepositoryOptions Options(std::string gln = "") const {
    epcis::IdOptions ids;
    ids.site_code = "FR-TEST";
    ids.site_gln = std::move(gln);
    EpcisRepositoryOptions options =
        EpcisRepositoryOptions::ForDataDir(dir_, ids, [] { return kCaptureTime; });
    options.poll_interval = std::chrono::milliseconds(20);
    options.retry_delay = std::chrono::milliseconds(50);
    return options;
  }
  // A repository of captured events only (no journal follower).
  EpcisRepository& OpenCaptureOnly() {
    EpcisRepositoryOptions options;
    options.db_path = dir_ + "/epcis.db";
    auto repository = EpcisRepository::Open(options);
    EXPECT_TRUE(repository.ok()) << repository.status().ToString();
    repository_ = *std::move(repository);
    return *repository_;
  }
  EpcisRepository& OpenFollowing(std::optional<EpcisRepositoryOptions> options = std::nullopt) {
    repository_.reset();
    auto repository = EpcisRepository::Open(options.value_or(Options()));
    EXPECT_TRUE(repository.ok()) << repository.status().ToString();
    repository_ = *std::move(repository);
    return *repository_;
  }
  void WaitFollowed() {
    ASSERT_TRUE(repository_->WaitForSeq(engine_->last_seq(), kWait))
        << "followed " << repository_->followed_seq() << " of " << engine_->last_seq()
        << ", last error " << repository_->stats().last_error;
  }

  CaptureJob Capture(const std::string& body,
                     CaptureBehaviour behaviour = CaptureBehaviour::kRollback,
                     int64_t now_ms = kCaptureTime) {
    StatusOr<CaptureJob> job = repository_->Capture(body, behaviour, now_ms);
    EXPECT_TRUE(job.ok()) << job.status().ToString();
    return job.ok() ? *std::move(job) : CaptureJob{};
  }
  Status CaptureError(const std::string& body) {
    return repository_->Capture(body, CaptureBehaviour::kRollback, kCaptureTime).status();
  }
  EventPage Query(const QueryParameters& parameters) {
    StatusOr<EventQuery> query = ParseEventQuery(parameters);
    EXPECT_TRUE(query.ok()) << query.status().ToString();
    if (!query.ok()) {
      return {};
    }
    StatusOr<EventPage> page = repository_->Query(*query);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    return page.ok() ? *std::move(page) : EventPage{};
  }
  size_t Count(const QueryParameters& parameters) {
    QueryParameters all = parameters;
    all.emplace_back("perPage", "1000");
    return Query(all).events.size();
  }

  // Executes `codes` in `mode` as one commit; each must be accepted.
  void Scan(Mode mode, const std::vector<std::string>& codes) {
    std::vector<core::ScanCommand> batch;
    for (const std::string& code : codes) {
      now_ += 2000;
      batch.push_back({"idem-" + std::to_string(++keys_), "HH-01", mode, code, now_});
    }
    auto replies = engine_->Execute(batch);
    ASSERT_TRUE(replies.ok()) << replies.status().ToString();
    for (size_t i = 0; i < codes.size(); ++i) {
      ASSERT_TRUE(core::IsAccepted((*replies)[i].reply.outcome))
          << codes[i] << ": " << (*replies)[i].reply.message;
    }
  }
  // Receive, stow, pick, pack into a parcel and ship serial S1 (and stow lot L1).
  void Shift() {
    Scan(Mode::kReceive, {LocationLabel("DOCK-01"), ContainerLabel("T1"),
                          ItemWithSerial(kKettle, "S1"), ItemWithLot(kCable, "L1", "271231")});
    Scan(Mode::kStow,
         {ContainerLabel("T1"), ItemWithSerial(kKettle, "S1"), LocationLabel("A-01-001-1-2"),
          ItemWithLot(kCable, "L1", "271231"), LocationLabel("A-01-001-1-2")});
    Scan(Mode::kPick,
         {ContainerLabel("T2"), LocationLabel("A-01-001-1-2"), ItemWithSerial(kKettle, "S1")});
    Scan(Mode::kMove, {ContainerLabel("T2"), LocationLabel("PACK-01")});
    Scan(Mode::kPack, {ContainerLabel("T2"), ItemWithSerial(kKettle, "S1"), Sscc(kParcel1)});
    Scan(Mode::kShip, {LocationLabel("DOOR-01"), Sscc(kParcel1)});
  }

  std::string dir_;
  std::unique_ptr<engine::SiteEngine> engine_;
  std::unique_ptr<EpcisRepository> repository_;
  int64_t now_ = kStart;
  int keys_ = 0;
};

// --- Capture ------------------------------------------------------------------------------

TEST_F(EpcisRepositoryTest, TheOfficialExamplesAreQueriedBackEqualWithTheirRecordTime) {
  OpenCaptureOnly();
  std::vector<json> originals;
  int64_t now = kCaptureTime;
  for (const char* name : kExamples) {
    const std::string text = Example(name);
    CaptureJob job = Capture(text, CaptureBehaviour::kRollback, now += 1000);
    const json document = json::parse(text);
    const size_t events = document["epcisBody"]["eventList"].size();
    EXPECT_EQ(job.state, CaptureState::kSucceeded) << name << ": " << CaptureJobJson(job).dump();
    EXPECT_EQ(job.event_count, events) << name;
    EXPECT_EQ(job.captured_count, events) << name;
    EXPECT_TRUE(job.errors.empty()) << name;
    for (const json& event : document["epcisBody"]["eventList"]) {
      originals.push_back(event);
    }
  }
  EventPage page = Query({});
  ASSERT_EQ(page.events.size(), originals.size());
  for (size_t i = 0; i < originals.size(); ++i) {
    EXPECT_EQ(WithoutRecordTime(page.events[i]), originals[i]) << i;
  }
  // Each event's recordTime is the time of its capture.
  EXPECT_EQ(page.events[0]["recordTime"], epcis::FormatEpcisTime(kCaptureTime + 1000));
  EXPECT_EQ(page.events[2]["recordTime"], epcis::FormatEpcisTime(kCaptureTime + 2000));
  EXPECT_EQ(page.events[3]["recordTime"], epcis::FormatEpcisTime(kCaptureTime + 3000));
  // The extensions keep their namespace.
  EXPECT_EQ(page.namespaces, json({{"example", "http://ns.example.com/epcis/"}}));
  EXPECT_FALSE(page.next_page_token.has_value());

  // And one by one, by eventID.
  for (const json& original : originals) {
    StatusOr<EventPage> one = repository_->GetEvent(original["eventID"].get<std::string>());
    ASSERT_TRUE(one.ok()) << one.status().ToString();
    ASSERT_EQ(one->events.size(), 1u);
    EXPECT_EQ(WithoutRecordTime(one->events[0]), original);
  }
}

TEST_F(EpcisRepositoryTest, RecapturingIsIdempotentAndOtherContentUnderTheSameIdConflicts) {
  OpenCaptureOnly();
  const std::string text = Example(kExamples[0]);
  EXPECT_EQ(Capture(text).captured_count, 2u);
  CaptureJob again = Capture(text);
  EXPECT_EQ(again.state, CaptureState::kSucceeded);
  EXPECT_EQ(again.captured_count, 0u);
  EXPECT_EQ(again.duplicate_count, 2u);
  EXPECT_EQ(Count({}), 2u);

  // The same eventID with another disposition, beside a new event: all or nothing.
  json changed = json::parse(text)["epcisBody"]["eventList"][1];
  changed["disposition"] = "damaged";
  const std::string document = Document({Receipt(1), changed}).dump();
  CaptureJob refused = Capture(document);
  EXPECT_EQ(refused.state, CaptureState::kFailed);
  EXPECT_EQ(refused.captured_count, 0u);
  ASSERT_EQ(refused.errors.size(), 1u);
  EXPECT_EQ(refused.errors[0].index, 1u);
  EXPECT_EQ(refused.errors[0].code, "event_id_conflict");
  EXPECT_EQ(refused.errors[0].event_id, changed["eventID"]);
  EXPECT_EQ(refused.errors[0].pointer, "/epcisBody/eventList/1/eventID");
  EXPECT_EQ(Count({}), 2u) << "the new event was rolled back";

  CaptureJob proceeded = Capture(document, CaptureBehaviour::kProceed);
  EXPECT_EQ(proceeded.state, CaptureState::kPartial);
  EXPECT_EQ(proceeded.captured_count, 1u);
  EXPECT_EQ(proceeded.error_count, 1u);
  EXPECT_EQ(Count({}), 3u);
  // The stored event kept its first content.
  StatusOr<EventPage> stored = repository_->GetEvent(changed["eventID"].get<std::string>());
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->events[0]["disposition"], "in_progress");
}

TEST_F(EpcisRepositoryTest, AnInvalidEventRejectsTheDocumentUnlessProceedKeepsTheOthers) {
  OpenCaptureOnly();
  json bad_action = Receipt(2);
  bad_action["action"] = "LOOK";
  json bad_time = Receipt(3);
  bad_time["eventTime"] = "yesterday";
  json no_type = Receipt(4);
  no_type.erase("type");
  const std::string document =
      Document({Receipt(1), bad_action, bad_time, Receipt(5), no_type}).dump();

  CaptureJob rolled_back = Capture(document);
  EXPECT_EQ(rolled_back.state, CaptureState::kFailed);
  EXPECT_EQ(rolled_back.event_count, 5u);
  EXPECT_EQ(rolled_back.captured_count, 0u);
  ASSERT_EQ(rolled_back.errors.size(), 3u) << CaptureJobJson(rolled_back).dump();
  EXPECT_EQ(rolled_back.error_count, 3u);
  std::vector<size_t> indexes;
  for (const auto& error : rolled_back.errors) {
    indexes.push_back(error.index);
    EXPECT_TRUE(error.pointer.starts_with("/epcisBody/eventList/" + std::to_string(error.index)))
        << error.pointer;
    EXPECT_FALSE(error.message.empty());
  }
  EXPECT_EQ(indexes, (std::vector<size_t>{1, 2, 4}));
  EXPECT_EQ(rolled_back.errors[0].code, "schema_violation");
  EXPECT_EQ(rolled_back.errors[0].event_id, bad_action["eventID"]);
  EXPECT_EQ(rolled_back.errors[0].pointer, "/epcisBody/eventList/1/action");
  EXPECT_EQ(Count({}), 0u);

  CaptureJob proceeded = Capture(document, CaptureBehaviour::kProceed);
  EXPECT_EQ(proceeded.state, CaptureState::kPartial);
  EXPECT_EQ(proceeded.captured_count, 2u);
  EXPECT_EQ(proceeded.errors, rolled_back.errors);
  EXPECT_EQ(Ids(Query({})),
            (std::vector<std::string>{Receipt(1)["eventID"], Receipt(5)["eventID"]}));

  // Both jobs are kept, as they were answered.
  StatusOr<CaptureJob> first = repository_->GetCaptureJob(rolled_back.id);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(CaptureJobJson(*first), CaptureJobJson(rolled_back));
  StatusOr<CaptureJob> second = repository_->GetCaptureJob(proceeded.id);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(CaptureJobJson(*second)["state"], "partially_succeeded");
  EXPECT_NE(first->id, second->id);
}

TEST_F(EpcisRepositoryTest, ProceedWithNothingValidFails) {
  OpenCaptureOnly();
  json bad = Receipt(1);
  bad["action"] = "LOOK";
  CaptureJob job = Capture(Document({bad}).dump(), CaptureBehaviour::kProceed);
  EXPECT_EQ(job.state, CaptureState::kFailed);
  EXPECT_EQ(CaptureJobJson(job)["success"], false);
  // An empty document is a success with nothing in it.
  CaptureJob empty = Capture(Document({}).dump());
  EXPECT_EQ(empty.state, CaptureState::kSucceeded);
  EXPECT_EQ(empty.event_count, 0u);
}

TEST_F(EpcisRepositoryTest, AnEventWithoutIdIsStoredUnderItsCanonicalId) {
  OpenCaptureOnly();
  json event = Receipt(1);
  event.erase("eventID");
  event["recordTime"] = "2001-01-01T00:00:00Z";  // Ignored: the repository sets it.
  CaptureJob job = Capture(Document({event}).dump());
  ASSERT_EQ(job.state, CaptureState::kSucceeded) << CaptureJobJson(job).dump();
  EventPage page = Query({});
  ASSERT_EQ(page.events.size(), 1u);
  const std::string id = page.events[0].value("eventID", "");
  EXPECT_TRUE(id.starts_with("ni:///sha-256;")) << id;
  EXPECT_EQ(page.events[0]["recordTime"], epcis::FormatEpcisTime(kCaptureTime));
  // The same event again (without its id) is the same event.
  EXPECT_EQ(Capture(Document({event}).dump()).duplicate_count, 1u);
  // In one document, a repetition is counted as a duplicate; other content under an id
  // already used in the document is a conflict.
  json twin = Receipt(2);
  json rival = Receipt(2);
  rival["bizStep"] = "shipping";
  CaptureJob repeated = Capture(Document({twin, twin, rival}).dump());
  EXPECT_EQ(repeated.state, CaptureState::kFailed);
  EXPECT_EQ(repeated.duplicate_count, 1u);
  ASSERT_EQ(repeated.errors.size(), 1u);
  EXPECT_EQ(repeated.errors[0].index, 2u);
  EXPECT_EQ(repeated.errors[0].code, "event_id_conflict");
}

TEST_F(EpcisRepositoryTest, DocumentsThatCannotBeReadAreRefusedWithoutAJob) {
  OpenCaptureOnly();
  EXPECT_EQ(CaptureError("{\"type\":").reason(), "bad_json");
  EXPECT_EQ(CaptureError(std::string(100, '[')).reason(), "too_deep");
  EXPECT_EQ(CaptureError("[]").reason(), "not_an_epcis_document");
  EXPECT_EQ(CaptureError(R"({"type":"EPCISQueryDocument"})").reason(), "not_an_epcis_document");
  EXPECT_EQ(CaptureError(R"({"type":"EPCISDocument","epcisBody":{"eventList":{}}})").reason(),
            "not_an_epcis_document");
  json no_date = Document({Receipt(1)});
  no_date.erase("creationDate");
  Status invalid = CaptureError(no_date.dump());
  EXPECT_EQ(invalid.reason(), "invalid_document");
  EXPECT_NE(invalid.message().find("creationDate"), std::string::npos) << invalid.message();

  json many = Document({});
  for (size_t i = 0; i <= kMaxCaptureEvents; ++i) {
    many["epcisBody"]["eventList"].push_back(json::object());
  }
  Status too_many = CaptureError(many.dump());
  EXPECT_EQ(too_many.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(too_many.reason(), "too_many_events");
  Status too_large = CaptureError(std::string(kMaxCaptureBodyBytes + 1, ' '));
  EXPECT_EQ(too_large.reason(), "body_too_large");
  // Nothing of these left a job or an event.
  EXPECT_EQ(repository_->GetCaptureJob("1").status().reason(), "unknown_capture_job");
  EXPECT_EQ(Count({}), 0u);
}

TEST_F(EpcisRepositoryTest, ADocumentAtTheEventLimitIsCaptured) {
  OpenCaptureOnly();
  std::vector<json> events;
  for (int n = 0; n < static_cast<int>(kMaxCaptureEvents); ++n) {
    events.push_back(Receipt(n));
  }
  const std::string body = Document(events).dump();
  ASSERT_LE(body.size(), kMaxCaptureBodyBytes);
  CaptureJob job = Capture(body);
  EXPECT_EQ(job.state, CaptureState::kSucceeded);
  EXPECT_EQ(job.captured_count, kMaxCaptureEvents);
  EXPECT_EQ(Count({{"MATCH_epc", "urn:epc:id:sgtin:0614141.107346.S9999"}}), 1u);
}

TEST_F(EpcisRepositoryTest, CaptureJobsArePrunedAfterTheirRetentionButNotTheirEvents) {
  OpenCaptureOnly();
  const std::string old_job = Capture(Document({Receipt(1)}).dump()).id;
  const std::string kept_job =
      Capture(Document({Receipt(2)}).dump(), CaptureBehaviour::kRollback, kCaptureTime + 1000).id;
  const int64_t later = kCaptureTime + kCaptureJobRetentionMs + 500;
  const std::string new_job =
      Capture(Document({Receipt(3)}).dump(), CaptureBehaviour::kRollback, later).id;
  EXPECT_EQ(repository_->GetCaptureJob(old_job).status().reason(), "unknown_capture_job");
  EXPECT_TRUE(repository_->GetCaptureJob(kept_job).ok());
  EXPECT_TRUE(repository_->GetCaptureJob(new_job).ok());
  EXPECT_EQ(Count({}), 3u);
}

TEST_F(EpcisRepositoryTest, UnknownJobsAndEventsAreNotFound) {
  OpenCaptureOnly();
  for (const char* id : {"1", "0", "-1", "x", "", "99999999999999999999999"}) {
    EXPECT_EQ(repository_->GetCaptureJob(id).status().reason(), "unknown_capture_job") << id;
  }
  EXPECT_EQ(repository_->GetEvent("urn:uuid:nothing").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(repository_->GetEvent("urn:uuid:nothing").status().reason(), "unknown_event");
}

TEST_F(EpcisRepositoryTest, ConflictingNamespacesAreWrittenAsFullIris) {
  OpenCaptureOnly();
  json mine = Receipt(1);
  mine["example:myField"] = "one";
  json theirs = Receipt(2);
  theirs["example:myField"] = "two";
  theirs["unused:field"] = "no namespace";
  Capture(Document({mine}, {std::string(epcis::kEpcisContext), {{"example", "http://a.test/"}}})
              .dump());
  Capture(Document({theirs}, {std::string(epcis::kEpcisContext),
                              {{"example", "http://b.test/"}, {"other", "http://c.test/"}}})
              .dump());
  EventPage page = Query({});
  ASSERT_EQ(page.events.size(), 2u);
  EXPECT_EQ(page.namespaces, json({{"example", "http://a.test/"}}));
  EXPECT_EQ(page.events[0]["example:myField"], "one");
  EXPECT_EQ(page.events[1]["http://b.test/myField"], "two");
  EXPECT_EQ(page.events[1]["unused:field"], "no namespace");
  EXPECT_FALSE(page.events[1].contains("example:myField"));
  // Alone, the second event keeps its own prefix.
  StatusOr<EventPage> alone = repository_->GetEvent(theirs["eventID"].get<std::string>());
  ASSERT_TRUE(alone.ok());
  EXPECT_EQ(alone->namespaces, json({{"example", "http://b.test/"}}));
  EXPECT_EQ(WithoutRecordTime(alone->events[0]), theirs);
}

// --- Queries ------------------------------------------------------------------------------

class EpcisQueryTest : public EpcisRepositoryTest {
 protected:
  void SetUp() override {
    OpenCaptureOnly();
    int64_t now = kCaptureTime;
    for (const char* name : kExamples) {
      Capture(Example(name), CaptureBehaviour::kRollback, now += 60'000);
    }
  }
};

TEST_F(EpcisQueryTest, BusinessStepsAndDispositionsMatchInEveryCbvForm) {
  EXPECT_EQ(Count({{"EQ_bizStep", "shipping"}}), 1u);
  EXPECT_EQ(Count({{"EQ_bizStep", "receiving"}}), 3u);
  EXPECT_EQ(Count({{"EQ_bizStep", "https://ref.gs1.org/cbv/BizStep-shipping"}}), 1u);
  EXPECT_EQ(Count({{"EQ_bizStep", "urn:epcglobal:cbv:bizstep:shipping"}}), 1u);
  EXPECT_EQ(Count({{"EQ_bizStep", "cbv:BizStep-receiving"}}), 3u);
  EXPECT_EQ(Count({{"EQ_bizStep", "shipping|receiving"}}), 4u);
  EXPECT_EQ(Count({{"EQ_bizStep", "shipping"}, {"EQ_bizStep", "receiving"}}), 4u);
  EXPECT_EQ(Count({{"EQ_bizStep", "picking"}}), 0u);
  EXPECT_EQ(Count({{"EQ_disposition", "in_transit"}}), 1u);
  EXPECT_EQ(Count({{"EQ_disposition", "https://ref.gs1.org/cbv/Disp-in_progress"}}), 3u);
  EXPECT_EQ(Count({{"EQ_action", "OBSERVE"}}), 4u);
  EXPECT_EQ(Count({{"eventType", "AggregationEvent"}}), 1u);
  EXPECT_EQ(Count({{"eventType", "ObjectEvent|AggregationEvent"}}), 4u);
  EXPECT_EQ(Count({{"eventType", "TransactionEvent"}}), 0u);
}

TEST_F(EpcisQueryTest, IdentifiersMatchAsUrnsAndAsDigitalLinks) {
  for (const char* epc : {kSgtin2018Urn, kSgtin2018Link}) {
    EXPECT_EQ(Count({{"MATCH_epc", epc}}), 3u) << epc;  // Two epcLists and one childEPCs.
    EXPECT_EQ(Count({{"MATCH_anyEPC", epc}}), 3u) << epc;
    EXPECT_EQ(Count({{"MATCH_parentID", epc}}), 0u) << epc;
  }
  for (const char* sscc : {kSsccUrn, kSsccLink}) {
    EXPECT_EQ(Count({{"MATCH_parentID", sscc}}), 1u) << sscc;
    EXPECT_EQ(Count({{"MATCH_anyEPC", sscc}}), 1u) << sscc;
    EXPECT_EQ(Count({{"MATCH_epc", sscc}}), 0u) << sscc;
  }
  EXPECT_EQ(Count({{"MATCH_anyEPC", "urn:epc:id:sgtin:0614141.107346.2017"}}), 2u);
  // Classes in quantity lists, and product patterns that cover their lots.
  for (const char* lgtin : {kLgtinUrn, kLgtinLink}) {
    EXPECT_EQ(Count({{"MATCH_epcClass", lgtin}}), 2u) << lgtin;
    EXPECT_EQ(Count({{"MATCH_anyEPCClass", lgtin}}), 2u) << lgtin;
    EXPECT_EQ(Count({{"MATCH_epc", lgtin}}), 0u) << lgtin;
  }
  EXPECT_EQ(Count({{"MATCH_epcClass", "urn:epc:idpat:sgtin:4012345.012345.*"}}), 2u);
  EXPECT_EQ(Count({{"MATCH_epcClass", "https://id.gs1.org/01/04012345123456"}}), 2u);
  EXPECT_EQ(Count({{"MATCH_epcClass", "urn:epc:idpat:sgtin:4012345.098765.*"}}), 1u);
  // A product pattern also covers the serials of its GTIN.
  EXPECT_EQ(Count({{"MATCH_epc", "urn:epc:idpat:sgtin:0614141.107346.*"}}), 3u);
  EXPECT_EQ(Count({{"MATCH_epc", "urn:epc:id:sgtin:0614141.107346.9999"}}), 0u);
}

TEST_F(EpcisQueryTest, PlacesTimesAndFiltersTogether) {
  EXPECT_EQ(Count({{"EQ_readPoint", "urn:epc:id:sgln:0614141.00777.0"}}), 2u);
  EXPECT_EQ(Count({{"EQ_bizLocation", "urn:epc:id:sgln:0012345.11111.0"}}), 1u);
  EXPECT_EQ(Count({{"EQ_bizLocation", "urn:epc:id:sgln:0614141.00888.0"}}), 2u);
  // 2005-04-03T20:33:31.116-06:00 is 02:33:31.116 UTC on the 4th.
  EXPECT_EQ(Count({{"LT_eventTime", "2005-04-04T02:33:31.116Z"}}), 0u);
  EXPECT_EQ(Count({{"LT_eventTime", "2005-04-04T02:33:31.117Z"}}), 1u);
  EXPECT_EQ(Count({{"GE_eventTime", "2005-04-04T02:33:31.116Z"}}), 4u);
  EXPECT_EQ(Count({{"GE_eventTime", "2013-01-01T00:00:00+01:00"}}), 2u);
  // A '+' sent unescaped arrives as a space.
  EXPECT_EQ(Count({{"GE_eventTime", "2013-01-01T00:00:00 01:00"}}), 2u);
  // Record times: one example a minute.
  EXPECT_EQ(Count({{"GE_recordTime", epcis::FormatEpcisTime(kCaptureTime + 120'000)}}), 2u);
  EXPECT_EQ(Count({{"LT_recordTime", epcis::FormatEpcisTime(kCaptureTime + 120'000)}}), 2u);
  EXPECT_EQ(Count({{"GE_recordTime", epcis::FormatEpcisTime(kCaptureTime + 120'000)},
                   {"LT_recordTime", epcis::FormatEpcisTime(kCaptureTime + 180'000)}}),
            1u);
  EXPECT_EQ(Count({{"EQ_bizStep", "receiving"},
                   {"MATCH_epc", kSgtin2018Link},
                   {"EQ_readPoint", "urn:epc:id:sgln:0614141.00777.0"}}),
            1u);
  EXPECT_EQ(Count({{"EQ_bizStep", "shipping"}, {"eventType", "AggregationEvent"}}), 0u);
}

TEST_F(EpcisQueryTest, BadParametersAreRefusedWithTheirReason) {
  auto reason = [](const QueryParameters& parameters) {
    return ParseEventQuery(parameters).status().reason();
  };
  EXPECT_EQ(reason({{"EQ_bizstep", "shipping"}}), "unknown_query_parameter");
  EXPECT_EQ(reason({{"GS1-EPCIS-Version", "2.0.0"}}), "ok");
  EXPECT_EQ(reason({{"EQ_bizStep", ""}}), "bad_query_parameter");
  EXPECT_EQ(reason({{"EQ_bizStep", "a||b"}}), "bad_query_parameter");
  EXPECT_EQ(reason({{"GE_eventTime", "2013-01-01"}}), "bad_time");
  EXPECT_EQ(reason({{"GE_eventTime", "2013-01-01T00:00:00Z"}, {"GE_eventTime", "x"}}),
            "bad_query_parameter");
  for (const char* per_page : {"0", "1001", "ten", "-1", "1.5", ""}) {
    EXPECT_NE(reason({{"perPage", per_page}}), "ok") << per_page;
  }
  EXPECT_EQ(reason({{"perPage", "1001"}}), "bad_per_page");
  EXPECT_EQ(reason({{"perPage", "1000"}}), "ok");
  std::string many = "a";
  for (size_t i = 0; i < kMaxQueryValues; ++i) {
    many += "|a";
  }
  EXPECT_EQ(reason({{"MATCH_epc", many}}), "too_many_values");
  for (const char* token : {"x", "1-", "-0123456789abcdef", "1-0123456789abcdeg", "1-0123",
                            "18446744073709551615-0123456789abcdef"}) {
    EXPECT_EQ(reason({{"nextPageToken", token}}), "bad_page_token") << token;
  }
}

TEST_F(EpcisQueryTest, PagesFollowOneAnotherThroughTheirTokens) {
  std::vector<json> receipts;
  for (int n = 1; n <= 30; ++n) {
    receipts.push_back(Receipt(n, n % 2 == 0 ? "storing" : "receiving"));
  }
  Capture(Document(receipts).dump());
  // Every event, 10 a page: 4 examples + 30.
  std::vector<std::string> seen;
  QueryParameters parameters = {{"perPage", "10"}};
  std::vector<size_t> sizes;
  while (true) {
    EventPage page = Query(parameters);
    sizes.push_back(page.events.size());
    for (const std::string& id : Ids(page)) {
      seen.push_back(id);
    }
    if (!page.next_page_token) {
      break;
    }
    parameters = {{"perPage", "10"}, {"nextPageToken", *page.next_page_token}};
  }
  EXPECT_EQ(sizes, (std::vector<size_t>{10, 10, 10, 4}));
  EXPECT_EQ(seen.size(), 34u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 34u);
  EXPECT_EQ(seen[4], receipts[0]["eventID"]) << "in the order they entered";
  EXPECT_EQ(Count({}), 34u);
  EXPECT_EQ(Query({}).events.size(), static_cast<size_t>(kDefaultPerPage));

  // A filtered query pages through its own events; its token is refused with other filters.
  EventPage first = Query({{"EQ_bizStep", "storing"}, {"perPage", "5"}});
  ASSERT_EQ(first.events.size(), 5u);
  ASSERT_TRUE(first.next_page_token);
  EventPage second = Query(
      {{"EQ_bizStep", "storing"}, {"perPage", "7"}, {"nextPageToken", *first.next_page_token}});
  EXPECT_EQ(second.events.size(), 7u);
  EXPECT_EQ(Ids(second).front(), receipts[11]["eventID"]);
  ASSERT_TRUE(second.next_page_token);
  EventPage last = Query(
      {{"EQ_bizStep", "storing"}, {"perPage", "7"}, {"nextPageToken", *second.next_page_token}});
  EXPECT_EQ(Ids(last), (std::vector<std::string>{receipts[25]["eventID"], receipts[27]["eventID"],
                                                 receipts[29]["eventID"]}));
  EXPECT_FALSE(last.next_page_token);
  Status other =
      ParseEventQuery({{"EQ_bizStep", "receiving"}, {"nextPageToken", *first.next_page_token}})
          .status();
  EXPECT_EQ(other.reason(), "bad_page_token");
  EXPECT_NE(other.message().find("other filters"), std::string::npos);
}

// --- The site's own events ------------------------------------------------------------------

TEST_F(EpcisRepositoryTest, TheSitesScansBecomeEventsWithoutDeviceOrKey) {
  OpenFollowing();
  Shift();
  WaitFollowed();
  EventPage all = Query({{"perPage", "1000"}});
  ASSERT_FALSE(all.events.empty()) << repository_->stats().last_error;
  EXPECT_EQ(repository_->stats().unmapped_entries, 0u) << repository_->stats().last_error;
  std::set<std::string> steps;
  for (const json& event : all.events) {
    steps.insert(event.value("bizStep", ""));
    EXPECT_EQ(event["recordTime"], epcis::FormatEpcisTime(kCaptureTime));
    // RET-01: no device, no idempotency key in what partners receive.
    const std::string text = event.dump();
    EXPECT_EQ(text.find("HH-01"), std::string::npos) << text;
    EXPECT_EQ(text.find("idem-"), std::string::npos) << text;
  }
  for (const char* step : {"receiving", "storing", "picking", "packing", "shipping"}) {
    EXPECT_TRUE(steps.contains(step)) << step;
  }
  // The serial, as a URN or a Digital Link.
  EXPECT_GE(Count({{"MATCH_anyEPC", "https://id.gs1.org/01/" + std::string(kKettle) + "/21/S1"}}),
            4u);
  EXPECT_EQ(Count({{"MATCH_anyEPC", "https://id.gs1.org/01/" + std::string(kKettle) + "/21/S1"}}),
            Count({{"MATCH_anyEPC", "urn:epc:id:sgtin:9506000.013435.S1"}}));
  EXPECT_EQ(Count({{"EQ_bizStep", "packing"}, {"eventType", "AggregationEvent"}}), 1u);

  // Reopened, it continues from its watermark: nothing twice.
  const size_t before = Count({});
  OpenFollowing();
  Scan(Mode::kReceive,
       {LocationLabel("DOCK-01"), ContainerLabel("T1"), ItemWithSerial(kKettle, "S9")});
  WaitFollowed();
  EXPECT_GT(Count({}), before);
  EXPECT_EQ(Count({{"MATCH_epc", "urn:epc:id:sgtin:9506000.013435.S9"}}), 1u);
  EXPECT_EQ(repository_->stats().rebuilds, 0u);
}

TEST_F(EpcisRepositoryTest, SmallBatchesFollowTheWholeJournal) {
  EpcisRepositoryOptions options = Options();
  options.batch_entries_max = 2;
  Shift();
  OpenFollowing(options);
  WaitFollowed();
  const size_t small_batches = Count({});
  // The same events as one big batch derives.
  std::filesystem::remove(dir_ + "/epcis.db");
  std::filesystem::remove(dir_ + "/epcis.db-wal");
  std::filesystem::remove(dir_ + "/epcis.db-shm");
  repository_.reset();
  OpenFollowing();
  WaitFollowed();
  EXPECT_EQ(Count({}), small_batches);
  EXPECT_GT(small_batches, 5u);
}

TEST_F(EpcisRepositoryTest, WaitingForASeqFollowsItWithoutWaitingForTheNextPoll) {
  EpcisRepositoryOptions options = Options();
  options.poll_interval = std::chrono::hours(1);
  OpenFollowing(options);
  ASSERT_TRUE(repository_->WaitForSeq(engine_->last_seq(), kWait));  // The first poll.
  Shift();  // Committed while the thread sleeps until its next poll, an hour away.
  WaitFollowed();
  EXPECT_GT(Count({}), 5u);
}

TEST_F(EpcisRepositoryTest, AnotherJournalOrOtherIdentifiersDeriveTheSitesEventsAgain) {
  OpenFollowing();
  Shift();
  WaitFollowed();
  Capture(Example(kExamples[1]));
  const size_t site_events = Count({}) - 1;
  // Without a GLN, places are private URNs: both stows went into the bin.
  const size_t in_bin = Count({{"EQ_bizLocation", "urn:entrepot:FR-TEST:loc:A-01-001-1-2"}});
  EXPECT_EQ(in_bin, 2u);

  // Other identifier options: the site's events again, with the site's GLN.
  OpenFollowing(Options("9506000000008"));
  WaitFollowed();
  EXPECT_EQ(repository_->stats().rebuilds, 1u);
  EXPECT_EQ(Count({}), site_events + 1);
  EXPECT_EQ(Count({{"EQ_bizLocation", "urn:entrepot:FR-TEST:loc:A-01-001-1-2"}}), 0u);
  EXPECT_EQ(Count({{"EQ_bizLocation", "https://id.gs1.org/414/9506000000008/254/A-01-001-1-2"}}),
            in_bin);
  EXPECT_EQ(Count({{"EQ_bizLocation", "urn:epc:id:sgln:9506000.00000.A-01-001-1-2"}}), in_bin);

  // Another journal beside the repository, shorter than the watermark.
  repository_.reset();
  engine_.reset();
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(dir_ + "/journal.db" + suffix);
  }
  auto journal = store::SqliteJournal::Open(dir_ + "/journal.db");
  ASSERT_TRUE(journal.ok());
  auto engine = engine::SiteEngine::Open(*std::move(journal));
  ASSERT_TRUE(engine.ok());
  engine_ = *std::move(engine);
  ASSERT_TRUE(engine_->LoadLayout(core::testing::SmallLayout()).ok());
  Scan(Mode::kReceive,
       {LocationLabel("DOCK-01"), ContainerLabel("T1"), ItemWithSerial(kKettle, "NEW")});
  OpenFollowing(Options("9506000000008"));
  WaitFollowed();
  EXPECT_EQ(repository_->stats().rebuilds, 1u);
  EXPECT_EQ(Count({{"MATCH_anyEPC", "urn:epc:id:sgtin:9506000.013435.S1"}}), 0u);
  EXPECT_EQ(Count({{"MATCH_anyEPC", "urn:epc:id:sgtin:9506000.013435.NEW"}}), 1u);
  // The captured event stays: partner data is never derived, so never dropped.
  EXPECT_EQ(Count({{"MATCH_epcClass", kLgtinUrn}}), 1u);
}

// --- Opening ------------------------------------------------------------------------------

TEST_F(EpcisRepositoryTest, RefusesFilesThatAreNotARepositoryAndLeavesThemAlone) {
  const std::string path = dir_ + "/epcis.db";
  {
    std::ofstream file(path, std::ios::binary);
    file << std::string(4096, 'x');
  }
  StatusOr<std::unique_ptr<EpcisRepository>> garbage = EpcisRepository::Open(Options());
  EXPECT_EQ(garbage.status().reason(), "not_an_epcis_repository");
  EXPECT_EQ(std::filesystem::file_size(path), 4096u);

  std::filesystem::remove(path);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE t(x)", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  EXPECT_EQ(EpcisRepository::Open(Options()).status().reason(), "not_an_epcis_repository");

  EpcisRepositoryOptions journal_path = Options();
  journal_path.db_path = journal_path.journal_path;
  EXPECT_EQ(EpcisRepository::Open(journal_path).status().reason(), "bad_epcis_path");
  EpcisRepositoryOptions bad_gln = Options("9506000000009");
  bad_gln.db_path = dir_ + "/other.db";
  EXPECT_EQ(EpcisRepository::Open(bad_gln).status().reason(), "bad_gln");
  EpcisRepositoryOptions no_journal = Options();
  no_journal.db_path = dir_ + "/other.db";
  no_journal.journal_path = dir_ + "/missing/journal.db";
  EXPECT_FALSE(EpcisRepository::Open(no_journal).ok());
}

// --- Pure parts ---------------------------------------------------------------------------

// Capture jobs are kept 30 days and at most kMaxCaptureJobs of them (epcis_repository.h).
TEST_F(EpcisRepositoryTest, CaptureJobsArePrunedByCountAndAge) {
  auto db = internal::EpcisDb::OpenWriter(dir_ + "/jobs.db");
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  EXPECT_EQ(epcis_testing::CaptureJobPruningFailure(**db, 1'800'000'000'000), "");
}

TEST(EpcisQueryPartsTest, CbvValuesNormaliseToTheirShortNames) {
  EXPECT_EQ(NormalizeBizStep("shipping"), "shipping");
  EXPECT_EQ(NormalizeBizStep("https://ref.gs1.org/cbv/BizStep-shipping"), "shipping");
  EXPECT_EQ(NormalizeBizStep("urn:epcglobal:cbv:bizstep:shipping"), "shipping");
  EXPECT_EQ(NormalizeBizStep("https://example.com/steps/x"), "https://example.com/steps/x");
  EXPECT_EQ(NormalizeDisposition("cbv:Disp-in_transit"), "in_transit");
  EXPECT_EQ(NormalizeDisposition("urn:epcglobal:cbv:disp:in_transit"), "in_transit");
  EXPECT_EQ(NormalizeDisposition("https://ref.gs1.org/cbv/Disp-"), "https://ref.gs1.org/cbv/Disp-");
}

TEST(EpcisQueryPartsTest, DepthIsBoundedOutsideStrings) {
  EXPECT_TRUE(CheckJsonDepth(R"({"a":[{"b":[1]}]})", 4).ok());
  EXPECT_EQ(CheckJsonDepth(R"({"a":[{"b":[1]}]})", 3).reason(), "too_deep");
  EXPECT_TRUE(CheckJsonDepth(R"({"a":"[[[[[[\"[[[["})", 1).ok());
  EXPECT_TRUE(CheckJsonDepth("]]]]{}", 1).ok());
  EXPECT_EQ(CheckJsonDepth(std::string(1'000'000, '{'), 64).reason(), "too_deep");
}

TEST(EpcisQueryPartsTest, CaptureBehaviourNamesReadBack) {
  EXPECT_EQ(ParseCaptureBehaviour("proceed").value(), CaptureBehaviour::kProceed);
  EXPECT_EQ(ParseCaptureBehaviour("ROLLBACK").value(), CaptureBehaviour::kRollback);
  EXPECT_EQ(ParseCaptureBehaviour("continue").status().reason(), "bad_capture_behaviour");
  EXPECT_EQ(CaptureBehaviourName(CaptureBehaviour::kProceed), "proceed");
}

TEST(EpcisQueryPartsTest, NamespacesAreThoseTheEventUses) {
  const json context = json::array({std::string(epcis::kEpcisContext),
                                    {{"ex", "http://x.test/"}, {"@vocab", "http://v.test/"}},
                                    {{"unused", "http://u.test/"}, {"myTerm", "http://t.test/y"}}});
  const json namespaces = ContextNamespaces(context);
  EXPECT_EQ(namespaces, json({{"ex", "http://x.test/"},
                              {"unused", "http://u.test/"},
                              {"myTerm", "http://t.test/y"}}));
  const json event = {{"type", "ObjectEvent"},
                      {"ex:a", {{"ex:b", 1}}},
                      {"list", {{{"myTerm", 2}}}},
                      {"urn:value", "unused:not-a-key"}};
  EXPECT_EQ(NamespacesUsed(event, namespaces),
            json({{"ex", "http://x.test/"}, {"myTerm", "http://t.test/y"}}));
}

}  // namespace
}  // namespace entrepot::server
