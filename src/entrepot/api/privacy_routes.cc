// The privacy-office routes of ApiHandler (docs/API.md, "Privacy office"): the notice to
// workers and its acknowledgement on a device (TRN-01, TRN-02), the active policy with its
// check report, the record of processing (GDPR Art. 30), the personal-data audit log with its
// chain verification (RET-03) and the retention runs. They run on the network thread; the
// notice is built once, from the policy the server runs under, when the handler is made.
//
// TRN-01 on the scan path: a device on which a worker is signed in scans only once that
// worker acknowledged the current notice. The check reads the account store's memory
// (auth::AccountStore::SignedInWorker), never SQLite, so a scan costs no extra I/O. The
// acknowledgement (user, notice version, time) is kept in accounts.db, without the device it
// was made on (RET-01: nothing durable joins a device to a person), and it is not written to
// the audit log for the same reason that badge sign-in is not (audit_trail.h).
//
// Every answer carries Cache-Control: no-store: the audit page is personal data, and a cached
// notice or policy would outlive a change of policy.
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "entrepot/api/api_handler.h"
#include "entrepot/api/audit_trail.h"
#include "entrepot/api/http_errors.h"
#include "entrepot/api/privacy_notice.h"
#include "entrepot/api/router.h"
#include "entrepot/api/stock_json.h"
#include "entrepot/base/status_macros.h"
#include "entrepot/privacy/audit_chain.h"
#include "entrepot/privacy/policy.h"
#include "entrepot/privacy/policy_check.h"
#include "entrepot/privacy/record_of_processing.h"
#include "entrepot/privacy/rules.h"
#include "entrepot/server/labor_recorder.h"
#include "entrepot/store/audit_log.h"
#include "entrepot/store/labor_store.h"

namespace entrepot::api {
namespace {

using nlohmann::json;

// Records in one page of the audit log or of the retention runs.
constexpr uint64_t kDefaultPageSize = 100;
constexpr uint64_t kMaxPageSize = 500;
static_assert(kMaxPageSize <= store::AuditLog::kMaxPageSize);
// The body of an acknowledgement: {"version": "<at most 128 characters>"}.
constexpr size_t kMaxAcknowledgementBytes = 4096;

const privacy::Policy& BuiltInPolicy() {
  static const privacy::Policy policy = privacy::DefaultPolicy();
  return policy;
}

HttpResponse Private(HttpResponse response) {
  response.cache_control = "no-store";
  return response;
}

HttpResponse Answer(const json& body) {
  return Private(HttpResponse{200, "application/json", DumpJson(body) + "\n", "", ""});
}

HttpResponse Refuse(const Status& status) { return Private(ApiHandler::ErrorResponse(status)); }

template <typename T, typename NameOf>
json Names(const std::vector<T>& values, NameOf name_of) {
  json out = json::array();
  for (const T& value : values) {
    out.push_back(name_of(value));
  }
  return out;
}

json PurposesJson(const std::vector<privacy::Purpose>& purposes) {
  return Names(purposes, privacy::PurposeName);
}

json RecordJson(const privacy::Record& record, const char* date_key) {
  return {{date_key, record.date ? json(privacy::FormatDate(*record.date)) : json(nullptr)},
          {"reference", record.reference}};
}

json IndicatorsJson(const privacy::Indicators& in) {
  return {{"realtime_individual",
           {{"enabled", in.realtime_individual.enabled},
            {"link_quality_errors", in.realtime_individual.link_quality_errors},
            {"purposes", PurposesJson(in.realtime_individual.purposes)}}},
          {"worker_weekly",
           {{"enabled", in.worker_weekly.enabled},
            {"bucket", privacy::BucketName(in.worker_weekly.bucket)},
            {"contents", Names(in.worker_weekly.contents, privacy::WeeklyContentName)},
            {"purposes", PurposesJson(in.worker_weekly.purposes)}}},
          {"stow_speed_check",
           {{"enabled", in.stow_speed_check.enabled},
            {"threshold_ms", in.stow_speed_check.threshold_ms},
            {"attach_to", privacy::AttachmentName(in.stow_speed_check.attach_to)},
            {"purposes", PurposesJson(in.stow_speed_check.purposes)}}},
          {"idle_time",
           {{"enabled", in.idle_time.enabled},
            {"threshold_minutes", in.idle_time.threshold_minutes},
            {"breaks_excluded", in.idle_time.breaks_excluded},
            {"display_delay_minutes", in.idle_time.display_delay_minutes},
            {"weekly_totals", in.idle_time.weekly_totals},
            {"purposes", PurposesJson(in.idle_time.purposes)}}},
          {"latency",
           {{"enabled", in.latency.enabled},
            {"from_minutes", in.latency.from_minutes},
            {"to_minutes", in.latency.to_minutes},
            {"display_delay_minutes", in.latency.display_delay_minutes},
            {"weekly_totals", in.latency.weekly_totals},
            {"purposes", PurposesJson(in.latency.purposes)}}}};
}

// The policy with the keys of its TOML file (docs/POLICY.md).
json PolicyJson(const privacy::Policy& policy) {
  json access = json::array();
  for (const privacy::AccessGrant& grant : policy.access) {
    access.push_back({{"role", privacy::RoleName(grant.role)},
                      {"data", privacy::DataClassName(grant.data)},
                      {"scope", privacy::ScopeName(grant.scope)},
                      {"period", privacy::PeriodName(grant.period)},
                      {"purposes", PurposesJson(grant.purposes)}});
  }
  const privacy::Governance& governance = policy.governance;
  return {{"profile", privacy::ProfileName(policy.profile)},
          {"indicators", IndicatorsJson(policy.indicators)},
          {"retention",
           {{"operational_years", policy.retention.operational_years},
            {"labor_events_days", policy.retention.labor_events_days},
            {"worker_weekly_weeks", policy.retention.worker_weekly_weeks},
            {"audit_log_months", policy.retention.audit_log_months}}},
          {"labor", {{"time_zone", policy.labor.time_zone}}},
          {"aggregates",
           {{"min_group_size", policy.aggregates.min_group_size},
            {"differencing_protection", policy.aggregates.differencing_protection}}},
          {"access", std::move(access)},
          {"governance",
           {{"staff_count", governance.staff_count ? json(*governance.staff_count) : json(nullptr)},
            {"works_council", RecordJson(governance.works_council, "consulted_on")},
            {"dpia", RecordJson(governance.dpia, "completed_on")},
            {"evaluation_methods", RecordJson(governance.evaluation_methods, "published_on")},
            {"audit_retention_justification", governance.audit_retention_justification}}},
          {"notice",
           {{"require_acknowledgement", policy.notice.require_acknowledgement},
            {"controller", policy.notice.controller},
            {"dpo_contact", policy.notice.dpo_contact},
            {"languages", Names(policy.notice.languages, privacy::LanguageName)}}}};
}

std::string_view SeverityKey(privacy::Severity severity) {
  return severity == privacy::Severity::kHard ? "hard" : "warning";
}

// One row per rule the check knows (its verdict: "pass", "warning" or "fail", the worst of
// its violations), each with its violations; then any violation of a rule not in the table.
json CheckJson(const privacy::PolicyReport& report, const privacy::Date& today) {
  json rules = json::array();
  auto rule_row = [&report](std::string_view id, std::string_view summary,
                            std::string_view source) {
    json violations = json::array();
    std::string_view verdict = "pass";
    for (const privacy::Violation& violation : report.violations) {
      if (violation.rule_id != id) {
        continue;
      }
      violations.push_back({{"severity", SeverityKey(violation.severity)},
                            {"key", violation.key},
                            {"message", violation.message}});
      verdict = violation.severity == privacy::Severity::kHard ? "fail"
                : verdict == "fail"                            ? "fail"
                                                               : "warning";
    }
    return json{{"id", id},
                {"summary", summary},
                {"source", source},
                {"verdict", verdict},
                {"violations", std::move(violations)}};
  };
  for (const privacy::Rule& rule : privacy::PolicyRules()) {
    rules.push_back(rule_row(rule.id, rule.summary, rule.source));
  }
  for (const privacy::Violation& violation : report.violations) {
    if (privacy::FindRule(violation.rule_id) == nullptr) {
      rules.push_back(rule_row(violation.rule_id, "", violation.source));
    }
  }
  return {{"today", privacy::FormatDate(today)},
          {"profile", privacy::ProfileName(report.profile)},
          {"lawful", report.lawful()},
          {"hard", report.CountOf(privacy::Severity::kHard)},
          {"warnings", report.CountOf(privacy::Severity::kWarning)},
          {"rules", std::move(rules)}};
}

// The chain's verification as the page shows it; an error of the log is shown, not thrown:
// the DPO must see that the log could not be verified.
json VerificationJson(const StatusOr<privacy::AuditVerifyReport>& report) {
  if (!report.ok()) {
    return {
        {"verified", false},
        {"records_checked", 0},
        {"error", {{"code", report.status().reason()}, {"message", report.status().message()}}}};
  }
  json broken = nullptr;
  if (!report->intact()) {
    broken = {{"kind", privacy::AuditBreakName(report->broken)},
              {"seq", report->broken_seq},
              {"message", report->message}};
  }
  return {{"verified", report->intact()},
          {"records_checked", report->records},
          {"pruned_through", report->anchor_seq},
          {"last_seq", report->last_seq},
          {"checkpoint", privacy::FormatAuditCheckpoint({report->last_seq, report->last_hash})},
          {"broken", std::move(broken)}};
}

// ?limit= (1..kMaxPageSize, default kDefaultPageSize): 400 "bad_limit" otherwise.
StatusOr<uint64_t> PageLimit(const std::string& target) {
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<std::string> text, QueryParameter(target, "limit"));
  if (!text) {
    return kDefaultPageSize;
  }
  uint64_t limit = 0;
  auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), limit);
  if (error != std::errc() || end != text->data() + text->size() || limit == 0 ||
      limit > kMaxPageSize) {
    return Error(StatusCode::kInvalidArgument, "bad_limit",
                 "limit is a number of records from 1 to " + std::to_string(kMaxPageSize));
  }
  return limit;
}

// ?before= (a seq >= 1: the next_before of the previous page); 0 when absent. 400
// "bad_cursor" otherwise.
StatusOr<uint64_t> PageBefore(const std::string& target) {
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<std::string> text, QueryParameter(target, "before"));
  if (!text) {
    return 0;
  }
  uint64_t before = 0;
  auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), before);
  if (error != std::errc() || end != text->data() + text->size() || before == 0) {
    return Error(StatusCode::kInvalidArgument, "bad_cursor",
                 "before is the seq of a record: the next_before of the previous page");
  }
  return before;
}

// The newest-first query of ?limit= and ?before=, with ?subject= and ?actor= when given.
StatusOr<store::AuditQuery> PageQuery(const std::string& target) {
  store::AuditQuery query;
  query.newest_first = true;
  ENTREPOT_ASSIGN_OR_RETURN(query.limit, PageLimit(target));
  ENTREPOT_ASSIGN_OR_RETURN(query.cursor, PageBefore(target));
  ENTREPOT_ASSIGN_OR_RETURN(query.subject, QueryParameter(target, "subject"));
  ENTREPOT_ASSIGN_OR_RETURN(query.actor, QueryParameter(target, "actor"));
  return query;
}

json NextBefore(const store::AuditPage& page) {
  return page.next_cursor ? json(*page.next_cursor) : json(nullptr);
}

Status AuditUnavailable() {
  return Error(StatusCode::kUnavailable, "audit_unavailable", "this server keeps no audit log");
}

// The version of {"version": "..."}: 400 "bad_json", "missing_field", "bad_field"; 413
// "body_too_large"; 415 "unsupported_media_type".
StatusOr<std::string> AcknowledgedVersion(const HttpRequest& request) {
  if (!MediaTypeIs(request.content_type, "application/json")) {
    return UnsupportedMediaType("application/json");
  }
  if (request.body.size() > kMaxAcknowledgementBytes) {
    return Error(StatusCode::kResourceExhausted, "body_too_large",
                 "an acknowledgement is {\"version\": \"...\"}, at most " +
                     std::to_string(kMaxAcknowledgementBytes) + " bytes");
  }
  json body = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) {
    return Error(StatusCode::kInvalidArgument, "bad_json", "the body is not a JSON object");
  }
  auto version = body.find("version");
  if (version == body.end()) {
    return Error(StatusCode::kInvalidArgument, "missing_field",
                 "\"version\" is required: the version of the notice the worker read");
  }
  if (!version->is_string()) {
    return Error(StatusCode::kInvalidArgument, "bad_field", "\"version\" must be a string");
  }
  return version->get<std::string>();
}

}  // namespace

void ApiHandler::InitPrivacy() {
  // A handler built without a policy (tests of other routes) serves the built-in default,
  // as `entrepot serve` does without --policy; the labor routes still need policy_ itself.
  active_policy_ = policy_ != nullptr ? policy_ : &BuiltInPolicy();
  notice_ = std::make_shared<const WorkerNotice>(BuildWorkerNotice(*active_policy_));
}

HttpResponse ApiHandler::HandlePrivacy(Route route, const HttpRequest& request,
                                       const auth::Principal& principal) {
  switch (route) {
    case Route::kPrivacyNotice:
      return PrivacyNotice(request);
    case Route::kNoticeAck:
      return AcknowledgeNotice(request, principal);
    case Route::kPrivacyPolicy:
      return PrivacyPolicy();
    case Route::kPrivacyRecord:
      return Private(HttpResponse{
          200, "application/json",
          privacy::RecordOfProcessingJson(privacy::BuildRecordOfProcessing(*active_policy_)), "",
          ""});
    case Route::kAudit:
      return AuditPage(request);
    case Route::kPrivacyRetention:
      return RetentionRuns(request);
    default:
      break;
  }
  return Refuse(Error(StatusCode::kInternal, "internal", "no handler for this route"));
}

// TRN-02: the notice of the active policy, in the language asked for (default: the first the
// policy offers), cut into sections, with the version a worker acknowledges.
HttpResponse ApiHandler::PrivacyNotice(const HttpRequest& request) {
  StatusOr<std::optional<std::string>> lang = QueryParameter(request.target, "lang");
  if (!lang.ok()) {
    return Refuse(lang.status());
  }
  const NoticeText* text = &notice_->texts.front();
  if (lang->has_value()) {
    text = nullptr;
    for (const NoticeText& offered : notice_->texts) {
      if (privacy::LanguageName(offered.language) == **lang) {
        text = &offered;
      }
    }
  }
  json languages = json::array();
  for (const NoticeText& offered : notice_->texts) {
    languages.push_back(privacy::LanguageName(offered.language));
  }
  if (text == nullptr) {
    return Refuse(Error(
        StatusCode::kInvalidArgument, "bad_language",
        "lang is one of the languages this site's notice is offered in: " + languages.dump()));
  }
  json sections = json::array();
  for (const NoticeSection& section : text->sections) {
    sections.push_back({{"title", section.title}, {"text", section.text}});
  }
  return Answer({{"version", notice_->version},
                 {"required", notice_->acknowledgement_required},
                 {"language", privacy::LanguageName(text->language)},
                 {"languages", std::move(languages)},
                 {"title", text->title},
                 {"intro", text->intro},
                 {"sections", std::move(sections)},
                 {"text", text->text}});
}

// TRN-01: the worker signed in on this device read the notice `version` and confirms it.
HttpResponse ApiHandler::AcknowledgeNotice(const HttpRequest& request,
                                           const auth::Principal& device) {
  StatusOr<std::string> version = AcknowledgedVersion(request);
  if (!version.ok()) {
    return Refuse(version.status());
  }
  StatusOr<std::optional<auth::DeviceSession>> session = accounts_.CurrentDeviceSession(device.id);
  if (!session.ok()) {
    return Refuse(session.status());
  }
  if (!session->has_value()) {
    return Refuse(Error(StatusCode::kFailedPrecondition, "no_worker_signed_in",
                        "nobody is signed in on this device: scan a badge first "
                        "(POST /api/v1/devices/session), then acknowledge the notice"));
  }
  if (*version != notice_->version) {
    return Refuse(Error(StatusCode::kFailedPrecondition, "notice_changed",
                        "the notice changed since it was shown (version " + notice_->version +
                            " is current): show GET /api/v1/privacy/notice again and "
                            "acknowledge that version"));
  }
  std::optional<auth::DeviceWorker> before = accounts_.SignedInWorker(device.id, *version);
  const bool first = before && before->user_id == (*session)->user_id && !before->acknowledged;
  StatusOr<auth::NoticeAcknowledgement> ack =
      accounts_.AcknowledgeNotice((*session)->user_id, *version);
  if (!ack.ok()) {
    return Refuse(ack.status());
  }
  // Collection starts now, not at the badge scan (TRN-01; DeviceSession in account_routes.cc).
  if (first && labor_recorder_ != nullptr) {
    labor_recorder_->SignIn(device.name, (*session)->user_id, now_ms_());
  }
  return Answer({{"version", ack->version},
                 {"acknowledged", true},
                 {"acknowledged_at", ack->acknowledged_at_ms}});
}

StatusOr<json> ApiHandler::NoticeStatus(int64_t user_id) {
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<auth::NoticeAcknowledgement> ack,
                            accounts_.FindNoticeAcknowledgement(user_id, notice_->version));
  return json{{"version", notice_->version},
              {"required", notice_->acknowledgement_required},
              {"acknowledged", ack.has_value()},
              {"acknowledged_at", ack ? json(ack->acknowledged_at_ms) : json(nullptr)}};
}

bool ApiHandler::NoticeAllowsCollection(const json& notice_status) {
  return !notice_status.value("required", true) || notice_status.value("acknowledged", false);
}

Status ApiHandler::NoticeGate(const auth::Principal& device) {
  // A policy that does not require it is refused at start (TRN-01 is a hard rule); a handler
  // given one anyway follows it.
  if (!notice_->acknowledgement_required) {
    return OkStatus();
  }
  std::optional<auth::DeviceWorker> worker = accounts_.SignedInWorker(device.id, notice_->version);
  if (!worker || worker->acknowledged) {
    return OkStatus();  // Nobody signed in: the device scans as a device (RET-01).
  }
  return Error(StatusCode::kPermissionDenied, "notice_not_acknowledged",
               "the worker signed in on " + device.name +
                   " has not yet acknowledged the privacy notice (TRN-01): show it "
                   "(GET /api/v1/privacy/notice), let them confirm it "
                   "(POST /api/v1/devices/session/acknowledge), then scan again");
}

// The active policy and its check as of today in the site's time zone (the policy's
// labor.time_zone, checked at start): every rule with its verdict.
HttpResponse ApiHandler::PrivacyPolicy() {
  StatusOr<privacy::Date> labor_today =
      server::LaborDayOf(now_ms_(), active_policy_->labor.time_zone);
  if (!labor_today.ok()) {
    return Refuse(labor_today.status());
  }
  const privacy::Date today = *labor_today;
  return Answer({{"policy", PolicyJson(*active_policy_)},
                 {"check", CheckJson(privacy::CheckPolicy(*active_policy_, today), today)}});
}

// RET-03: a page of the audit log, newest first, and the verification of the whole chain.
// The read is audited by ApiHandler::Audited (audit_trail.cc), after this page is made.
HttpResponse ApiHandler::AuditPage(const HttpRequest& request) {
  if (audit_ == nullptr) {
    return Refuse(AuditUnavailable());
  }
  StatusOr<store::AuditQuery> query = PageQuery(request.target);
  StatusOr<store::AuditPage> page =
      query.ok() ? audit_->Query(*query) : StatusOr<store::AuditPage>(query.status());
  if (!page.ok()) {
    return Refuse(page.status());
  }
  json records = json::array();
  for (const store::StoredAuditRecord& row : page->records) {
    records.push_back(AuditRecordJson(row));
  }
  return Answer({{"records", std::move(records)},
                 {"next_before", NextBefore(*page)},
                 {"verification", VerificationJson(audit_->Verify())}});
}

// What the retention jobs did (the system's records, purpose retention: labor days rolled up,
// weekly aggregates expired, the audit log pruned), newest first, and the policy's periods.
// No person's data: the records name no one (subject "*"), so the read is not audited.
HttpResponse ApiHandler::RetentionRuns(const HttpRequest& request) {
  if (audit_ == nullptr) {
    return Refuse(AuditUnavailable());
  }
  StatusOr<store::AuditQuery> query = PageQuery(request.target);
  if (query.ok()) {
    query->subject.reset();  // Not filters of this route.
    query->actor = std::string(privacy::kSystemActor);
  }
  StatusOr<store::AuditPage> page =
      query.ok() ? audit_->Query(*query) : StatusOr<store::AuditPage>(query.status());
  // Labor days still holding raw events (RET-01: only today's, once the roll-up ran).
  StatusOr<std::vector<privacy::Date>> open_days = std::vector<privacy::Date>{};
  if (labor_ != nullptr) {
    open_days = labor_->OpenDays();
  }
  if (!page.ok() || !open_days.ok()) {
    return Refuse(page.ok() ? open_days.status() : page.status());
  }
  json runs = json::array();
  for (const store::StoredAuditRecord& row : page->records) {
    const privacy::AuditRecord& record = row.record;
    if (record.actor_kind != privacy::PrincipalKind::kSystem ||
        record.purpose != privacy::kRetentionPurpose) {
      continue;  // A user who happens to be called "entrepot".
    }
    runs.push_back({{"seq", record.seq},
                    {"at", record.at_ms},
                    {"action", record.action},
                    {"data_class", record.data_class},
                    {"what", record.resource},
                    {"outcome", privacy::AuditOutcomeName(record.outcome)}});
  }
  json days = json::array();
  for (const privacy::Date& day : *open_days) {
    days.push_back(privacy::FormatDate(day));
  }
  const privacy::Retention& periods = active_policy_->retention;
  return Answer({{"periods",
                  {{"operational_years", periods.operational_years},
                   {"labor_events_days", periods.labor_events_days},
                   {"worker_weekly_weeks", periods.worker_weekly_weeks},
                   {"audit_log_months", periods.audit_log_months}}},
                 {"labor_days_open", labor_ != nullptr ? std::move(days) : json(nullptr)},
                 {"runs", std::move(runs)},
                 {"next_before", NextBefore(*page)}});
}

}  // namespace entrepot::api
