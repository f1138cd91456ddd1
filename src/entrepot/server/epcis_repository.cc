// EpcisRepository: opening, capture and queries. The journal follower is in
// epcis_follower.cc.
#include "entrepot/server/epcis_repository.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <map>
#include <system_error>
#include <utility>

#include "entrepot/base/check.h"
#include "entrepot/base/status_macros.h"
#include "entrepot/epcis/document.h"
#include "entrepot/epcis/event_hash.h"
#include "entrepot/epcis/event_mapping.h"
#include "entrepot/epcis/schema.h"
#include "entrepot/server/epcis_capture_store.h"
#include "entrepot/server/epcis_db.h"
#include "entrepot/store/journal.h"

namespace entrepot::server {

using nlohmann::json;

struct EpcisRepository::Prepared {
  size_t index = 0;
  internal::NewEvent event;
  json value;  // The event as stored, to compare with a repetition in the same document.
};

namespace {

// How many schema violations the "invalid_document" message lists.
constexpr size_t kListedViolations = 5;
// The meta key of the seq of the last shared captured event copied into DIR/epcis.db.
constexpr char kSharedSeqKey[] = "shared_capture_seq";
// Shared captured events copied per transaction.
constexpr size_t kCopyBatch = 1'000;

bool SamePath(const std::string& a, const std::string& b) {
  std::error_code error;
  const auto canonical_a = std::filesystem::weakly_canonical(a, error);
  const auto canonical_b = std::filesystem::weakly_canonical(b, error);
  return error ? a == b : canonical_a == canonical_b;
}

std::string EventPointer(size_t index) { return "/epcisBody/eventList/" + std::to_string(index); }

std::string ListViolations(const std::vector<epcis::SchemaViolation>& violations) {
  std::string out;
  for (size_t i = 0; i < violations.size() && i < kListedViolations; ++i) {
    out += (i == 0 ? "" : "; ") + (violations[i].pointer.empty() ? "/" : violations[i].pointer) +
           ": " + violations[i].message;
  }
  if (violations.size() > kListedViolations) {
    out += "; and " + std::to_string(violations.size() - kListedViolations) + " more";
  }
  return out;
}

Status NotADocument(const std::string& why) {
  return Error(StatusCode::kInvalidArgument, "not_an_epcis_document",
               why +
                   ": capture takes an EPCISDocument, {\"type\":\"EPCISDocument\", ..., "
                   "\"epcisBody\":{\"eventList\":[...]}}");
}

// The job's final state from its counts and errors.
CaptureState StateOf(const CaptureJob& job, const std::vector<CaptureError>& errors) {
  if (errors.empty()) {
    return CaptureState::kSucceeded;
  }
  if (job.behaviour == CaptureBehaviour::kProceed && job.captured_count + job.duplicate_count > 0) {
    return CaptureState::kPartial;
  }
  return CaptureState::kFailed;
}

StatusOr<EventPage> PageOf(std::vector<internal::StoredEvent> rows) {
  EventPage page;
  for (internal::StoredEvent& row : rows) {
    json event = json::parse(row.body, nullptr, false);
    json namespaces = json::parse(row.namespaces, nullptr, false);
    if (!event.is_object() || !namespaces.is_object()) {
      return Error(StatusCode::kDataLoss, "epcis_corrupt",
                   "the stored event at position " + std::to_string(row.position) + " is not JSON");
    }
    event["recordTime"] = epcis::FormatEpcisTime(row.record_time_ms);
    MergeNamespaces(namespaces, page.namespaces, event);
    page.events.push_back(std::move(event));
  }
  return page;
}

}  // namespace

std::string_view CaptureBehaviourName(CaptureBehaviour behaviour) {
  return behaviour == CaptureBehaviour::kProceed ? "proceed" : "rollback";
}

StatusOr<CaptureBehaviour> ParseCaptureBehaviour(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  });
  if (lower == "rollback") {
    return CaptureBehaviour::kRollback;
  }
  if (lower == "proceed") {
    return CaptureBehaviour::kProceed;
  }
  return Error(StatusCode::kInvalidArgument, "bad_capture_behaviour",
               "GS1-Capture-Error-Behaviour is \"rollback\" (the default: nothing is captured "
               "when an event is invalid) or \"proceed\" (the valid events are), not \"" +
                   std::string(name) + "\"");
}

std::string_view CaptureStateName(CaptureState state) {
  switch (state) {
    case CaptureState::kSucceeded:
      return "succeeded";
    case CaptureState::kPartial:
      return "partially_succeeded";
    case CaptureState::kFailed:
      return "failed";
  }
  return "failed";
}

json CaptureJobJson(const CaptureJob& job) {
  json errors = json::array();
  for (const CaptureError& error : job.errors) {
    json one = {{"index", error.index},
                {"pointer", error.pointer},
                {"code", error.code},
                {"message", error.message}};
    if (!error.event_id.empty()) {
      one["eventID"] = error.event_id;
    }
    errors.push_back(std::move(one));
  }
  return {{"captureID", job.id},
          {"createdAt", epcis::FormatEpcisTime(job.created_ms)},
          {"finishedAt", epcis::FormatEpcisTime(job.finished_ms)},
          {"running", false},
          {"success", job.state == CaptureState::kSucceeded},
          {"state", CaptureStateName(job.state)},
          {"captureErrorBehaviour", CaptureBehaviourName(job.behaviour)},
          {"eventCount", job.event_count},
          {"capturedCount", job.captured_count},
          {"duplicateCount", job.duplicate_count},
          {"errorCount", job.error_count},
          {"errors", std::move(errors)}};
}

EpcisRepositoryOptions EpcisRepositoryOptions::ForDataDir(const std::string& dir,
                                                          epcis::IdOptions ids,
                                                          std::function<int64_t()> now_ms) {
  EpcisRepositoryOptions options;
  options.db_path = (std::filesystem::path(dir) / "epcis.db").string();
  options.journal_path = (std::filesystem::path(dir) / "journal.db").string();
  options.ids = std::move(ids);
  options.now_ms = std::move(now_ms);
  return options;
}

StatusOr<std::unique_ptr<EpcisRepository>> EpcisRepository::Open(EpcisRepositoryOptions options) {
  if (options.db_path.empty() ||
      (!options.journal_path.empty() && SamePath(options.db_path, options.journal_path))) {
    return Error(StatusCode::kInvalidArgument, "bad_epcis_path",
                 "the EPCIS repository needs a file of its own beside the journal, such as "
                 "DIR/epcis.db (got \"" +
                     options.db_path + "\")");
  }
  std::unique_ptr<store::Journal> journal;
  if (FollowsJournal(options)) {
    ENTREPOT_CHECK(options.now_ms != nullptr);
    ENTREPOT_RETURN_IF_ERROR(epcis::ValidateIdOptions(options.ids));
    // The journal must be readable now: the site's events are derived from it.
    ENTREPOT_ASSIGN_OR_RETURN(journal, OpenJournal(options));
  }
  options.batch_entries_max = std::max<size_t>(options.batch_entries_max, 1);
  ENTREPOT_ASSIGN_OR_RETURN(std::unique_ptr<internal::EpcisDb> writer,
                            internal::EpcisDb::OpenWriter(options.db_path));
  ENTREPOT_ASSIGN_OR_RETURN(std::unique_ptr<internal::EpcisDb> reader,
                            internal::EpcisDb::OpenReader(options.db_path));
  ENTREPOT_ASSIGN_OR_RETURN(int64_t watermark, writer->GetMeta("watermark_seq"));
  std::unique_ptr<EpcisRepository> repository(
      new EpcisRepository(std::move(options), std::move(writer), std::move(reader)));
  if (repository->options_.open_shared_captures != nullptr) {
    ENTREPOT_ASSIGN_OR_RETURN(repository->shared_, repository->options_.open_shared_captures());
    // A node that takes the site over answers at once every capture its former active node did.
    ENTREPOT_RETURN_IF_ERROR(repository->CopySharedIfAny());
  }
  // With a journal, the watermark counts once the thread checked it is this journal's.
  repository->followed_seq_.store(journal != nullptr ? 0 : static_cast<uint64_t>(watermark),
                                  std::memory_order_release);
  if (journal != nullptr) {
    repository->journal_ = std::move(journal);
    repository->thread_ = std::thread([raw = repository.get()] { raw->Run(); });
  }
  return repository;
}

EpcisRepository::EpcisRepository(EpcisRepositoryOptions options,
                                 std::unique_ptr<internal::EpcisDb> writer,
                                 std::unique_ptr<internal::EpcisDb> reader)
    : options_(std::move(options)), writer_(std::move(writer)), reader_(std::move(reader)) {}

EpcisRepository::~EpcisRepository() { Stop(); }

StatusOr<json> EpcisRepository::ParseDocument(std::string_view body) const {
  if (body.size() > kMaxCaptureBodyBytes) {
    return Error(StatusCode::kResourceExhausted, "body_too_large",
                 "an EPCIS document has at most " + std::to_string(kMaxCaptureBodyBytes) +
                     " bytes; split it");
  }
  ENTREPOT_RETURN_IF_ERROR(CheckJsonDepth(body, kMaxCaptureJsonDepth));
  json document = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) {
    return Error(StatusCode::kInvalidArgument, "bad_json", "the body is not valid JSON");
  }
  if (!document.is_object() || document.value("type", json()) != "EPCISDocument") {
    return NotADocument("the body is not an object of type EPCISDocument");
  }
  auto body_it = document.find("epcisBody");
  if (body_it == document.end() || !body_it->is_object() || !body_it->contains("eventList") ||
      !(*body_it)["eventList"].is_array()) {
    return NotADocument("the document has no epcisBody.eventList array");
  }
  const size_t events = (*body_it)["eventList"].size();
  if (events > kMaxCaptureEvents) {
    return Error(StatusCode::kResourceExhausted, "too_many_events",
                 "an EPCIS document has at most " + std::to_string(kMaxCaptureEvents) +
                     " events, this one " + std::to_string(events) + "; split it");
  }
  // The envelope alone: the events are checked one by one, for errors per event.
  json envelope = document;
  envelope["epcisBody"]["eventList"] = json::array();
  std::vector<epcis::SchemaViolation> violations = epcis::ValidateEpcisDocument(envelope);
  if (!violations.empty()) {
    return Error(StatusCode::kInvalidArgument, "invalid_document",
                 "the document breaks the EPCIS JSON Schema: " + ListViolations(violations));
  }
  return document;
}

void EpcisRepository::PrepareEvents(const json& document, std::vector<Prepared>& prepared,
                                    std::vector<CaptureError>& errors, size_t& duplicates) const {
  const json& list = document["epcisBody"]["eventList"];
  const json namespaces = ContextNamespaces(document.value("@context", json()));
  std::map<std::string, size_t> seen;  // eventID -> index in `prepared`.
  prepared.reserve(list.size());
  for (size_t i = 0; i < list.size(); ++i) {
    json event = list[i];
    const std::string pointer = EventPointer(i);
    std::string event_id =
        event.is_object() && event.value("eventID", json()).is_string() ? event["eventID"] : "";
    auto fail = [&](std::string where, const Status& status) {
      errors.push_back(
          CaptureError{i, event_id, pointer + where, status.reason(), status.message()});
    };
    std::vector<epcis::SchemaViolation> violations = epcis::ValidateEpcisEvent(event);
    if (!violations.empty()) {
      fail(violations.front().pointer,
           Error(StatusCode::kInvalidArgument, "schema_violation", ListViolations(violations)));
      continue;
    }
    event.erase("recordTime");  // The repository sets it.
    if (event_id.empty()) {
      StatusOr<std::string> canonical = epcis::CanonicalEventId(event);
      if (!canonical.ok()) {
        fail("", Error(StatusCode::kInvalidArgument, "bad_event", canonical.status().message()));
        continue;
      }
      event_id = *canonical;
      event["eventID"] = event_id;
    }
    StatusOr<EventFacts> facts = DescribeEvent(event);
    if (!facts.ok()) {
      fail(facts.status().reason() == "bad_event_time" ? "/eventTime" : "", facts.status());
      continue;
    }
    if (auto earlier = seen.find(event_id); earlier != seen.end()) {
      if (prepared[earlier->second].value == event) {
        ++duplicates;
      } else {
        fail("/eventID", Error(StatusCode::kInvalidArgument, "event_id_conflict",
                               "event " + std::to_string(prepared[earlier->second].index) +
                                   " of this document has the same eventID and other content"));
      }
      continue;
    }
    seen.emplace(event_id, prepared.size());
    internal::NewEvent stored{event_id, *std::move(facts), event.dump(),
                              NamespacesUsed(event, namespaces).dump()};
    prepared.push_back(Prepared{i, std::move(stored), std::move(event)});
  }
}

StatusOr<CaptureJob> EpcisRepository::Store(std::vector<Prepared>& prepared,
                                            std::vector<CaptureError> errors, CaptureJob job) {
  std::lock_guard lock(writer_mutex_);
  EpcisCaptureStore& db = shared_ != nullptr ? static_cast<EpcisCaptureStore&>(*shared_)
                                             : static_cast<EpcisCaptureStore&>(*writer_);
  ENTREPOT_RETURN_IF_ERROR(db.Begin());
  auto store = [&]() -> Status {
    ENTREPOT_ASSIGN_OR_RETURN(int64_t id, db.InsertJob(job));
    const bool all_or_nothing = job.behaviour == CaptureBehaviour::kRollback;
    if (!all_or_nothing || errors.empty()) {
      for (const Prepared& event : prepared) {
        ENTREPOT_ASSIGN_OR_RETURN(EpcisCaptureStore::InsertOutcome outcome,
                                  db.InsertCaptured(event.event, id, job.created_ms));
        if (outcome == EpcisCaptureStore::InsertOutcome::kInserted) {
          ++job.captured_count;
        } else if (outcome == EpcisCaptureStore::InsertOutcome::kSameContent) {
          ++job.duplicate_count;
        } else {
          errors.push_back(CaptureError{event.index, event.event.event_id,
                                        EventPointer(event.index) + "/eventID", "event_id_conflict",
                                        "an event with this eventID and other content is "
                                        "already stored; an event's content never changes"});
        }
      }
    }
    if (all_or_nothing && !errors.empty() && job.captured_count > 0) {
      // All or nothing: undo the events stored before the conflict, keep a failed job.
      db.Rollback();
      job.captured_count = 0;
      ENTREPOT_RETURN_IF_ERROR(db.Begin());
      ENTREPOT_ASSIGN_OR_RETURN(id, db.InsertJob(job));
    }
    std::sort(errors.begin(), errors.end(),
              [](const CaptureError& a, const CaptureError& b) { return a.index < b.index; });
    job.id = std::to_string(id);
    job.state = StateOf(job, errors);
    job.error_count = errors.size();
    if (errors.size() > kMaxCaptureErrors) {
      errors.resize(kMaxCaptureErrors);
    }
    job.errors = std::move(errors);
    ENTREPOT_RETURN_IF_ERROR(db.UpdateJob(id, job));
    return db.Commit();
  };
  if (Status status = store(); !status.ok()) {
    db.Rollback();
    return status;
  }
  if (shared_ != nullptr) {
    // The capture is stored (the shared store is the truth): a failed copy is only retried
    // before the next query.
    (void)CopyShared();
  }
  return job;
}

Status EpcisRepository::CopyShared() {
  ENTREPOT_ASSIGN_OR_RETURN(int64_t after, writer_->GetMeta(kSharedSeqKey));
  while (true) {
    ENTREPOT_ASSIGN_OR_RETURN(std::vector<SharedEpcisCaptureStore::Captured> batch,
                              shared_->CapturedAfter(after, kCopyBatch));
    if (batch.empty()) {
      return OkStatus();
    }
    ENTREPOT_RETURN_IF_ERROR(writer_->Begin());
    auto copy = [&]() -> Status {
      for (const SharedEpcisCaptureStore::Captured& captured : batch) {
        const json event = json::parse(captured.body, nullptr, false);
        ENTREPOT_ASSIGN_OR_RETURN(EventFacts facts, DescribeEvent(event));
        internal::NewEvent copied{event.value("eventID", ""), std::move(facts), captured.body,
                                  captured.namespaces};
        // kSameContent: already copied. kConflict: this file holds another event under the
        // id (one captured here before the site's captures were shared); it stays.
        ENTREPOT_RETURN_IF_ERROR(
            writer_->InsertCaptured(copied, captured.job, captured.record_time_ms).status());
        after = captured.seq;
      }
      ENTREPOT_RETURN_IF_ERROR(writer_->SetMeta(kSharedSeqKey, after));
      return writer_->Commit();
    };
    if (Status status = copy(); !status.ok()) {
      writer_->Rollback();
      return status;
    }
  }
}

Status EpcisRepository::CopySharedIfAny() {
  if (options_.open_shared_captures == nullptr) {
    return OkStatus();  // Without the lock: SQLite sites' queries do not wait on the follower.
  }
  std::lock_guard lock(writer_mutex_);
  return CopyShared();
}

StatusOr<CaptureJob> EpcisRepository::Capture(std::string_view body, CaptureBehaviour behaviour,
                                              int64_t now_ms) {
  ENTREPOT_ASSIGN_OR_RETURN(json document, ParseDocument(body));
  std::vector<Prepared> prepared;
  std::vector<CaptureError> errors;
  CaptureJob job;
  job.created_ms = now_ms;
  job.finished_ms = now_ms;
  job.behaviour = behaviour;
  job.event_count = document["epcisBody"]["eventList"].size();
  PrepareEvents(document, prepared, errors, job.duplicate_count);
  return Store(prepared, std::move(errors), std::move(job));
}

StatusOr<CaptureJob> EpcisRepository::GetCaptureJob(std::string_view id) {
  int64_t number = 0;
  auto [end, error] = std::from_chars(id.data(), id.data() + id.size(), number);
  StatusOr<std::optional<CaptureJob>> job = std::optional<CaptureJob>();
  if (error == std::errc() && end == id.data() + id.size() && number > 0) {
    if (options_.open_shared_captures != nullptr) {
      std::lock_guard lock(writer_mutex_);
      job = shared_->FindJob(number);
    } else {
      std::lock_guard lock(reader_mutex_);
      job = reader_->FindJob(number);
    }
  }
  if (!job.ok()) {
    return job.status();
  }
  if (!job->has_value()) {
    return Error(StatusCode::kNotFound, "unknown_capture_job",
                 "no capture job \"" + std::string(id) +
                     "\" (POST /epcis/capture answers the "
                     "job's id in its Location header)");
  }
  return **std::move(job);
}

StatusOr<EventPage> EpcisRepository::Query(const EventQuery& query) {
  ENTREPOT_RETURN_IF_ERROR(CopySharedIfAny());
  StatusOr<internal::EpcisDb::Selection> selection = [&] {
    std::lock_guard lock(reader_mutex_);
    return reader_->SelectEvents(query, kMaxEventPageBytes);
  }();
  if (!selection.ok()) {
    return selection.status();
  }
  const bool more = selection->more && !selection->events.empty();
  const uint64_t last = more ? selection->events.back().position : 0;
  ENTREPOT_ASSIGN_OR_RETURN(EventPage page, PageOf(std::move(selection->events)));
  if (more) {
    page.next_page_token = FormatPageToken(query, last);
  }
  return page;
}

StatusOr<EventPage> EpcisRepository::GetEvent(std::string_view event_id) {
  ENTREPOT_RETURN_IF_ERROR(CopySharedIfAny());
  StatusOr<std::optional<internal::StoredEvent>> found = [&] {
    std::lock_guard lock(reader_mutex_);
    return reader_->FindEvent(event_id);
  }();
  if (!found.ok()) {
    return found.status();
  }
  if (!found->has_value()) {
    return Error(StatusCode::kNotFound, "unknown_event",
                 "no event with eventID \"" + std::string(event_id) +
                     "\" (percent-encode the id in the path)");
  }
  std::vector<internal::StoredEvent> rows;
  rows.push_back(**std::move(found));
  return PageOf(std::move(rows));
}

}  // namespace entrepot::server
