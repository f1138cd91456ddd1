// The labor routes of ApiHandler (docs/API.md, docs/LABOR.md): a worker's own labor data
// (DSR-01), the supervisor's real-time view of their own shift and zone today (IND-04,
// IND-05, ACC-01), k-anonymous aggregates of today or of rolled-up weeks, with the team
// standard vs actual (IND-06, AGG-01, AGG-02), one worker's weekly aggregates for their line
// manager and HR (IND-08, ACC-02), and the day's rota. They run on the network thread against
// store::LaborStore (thread-safe; its own connection).
//
// Who may read what is the privacy policy's to say (GOV-02, ACC-01..ACC-03), not a fixed
// table in auth/: the routes need auth::Permission::kSelf (any signed-in user) and the
// handlers check the caller's role against the policy's [[access]] grants for the data class,
// scope and declared purpose, and the site scope that kSelf does not check. The worker's own
// data needs no grant: reading it is a right (GDPR Art. 15), not a permission a policy may
// withhold. The rota is no data class of the policy: writing it is admin's and site_manager's.
// Every answer carries Cache-Control: no-store (personal data stays out of caches), and every
// request is audited by ApiHandler::Audited (audit_trail.cc).
#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <map>
#include <optional>
#include <system_error>
#include <utility>
#include <vector>

#include "entrepot/api/api_handler.h"
#include "entrepot/api/audit_trail.h"
#include "entrepot/api/http_errors.h"
#include "entrepot/api/router.h"
#include "entrepot/api/stock_json.h"
#include "entrepot/base/status_macros.h"
#include "entrepot/core/workload_plan.h"
#include "entrepot/privacy/labor_aggregate.h"
#include "entrepot/privacy/labor_rollup.h"
#include "entrepot/privacy/policy.h"
#include "entrepot/server/labor_day.h"
#include "entrepot/store/audit_log.h"
#include "entrepot/store/labor_store.h"

namespace entrepot::api {
namespace {

using nlohmann::json;

// Records of who consulted the worker's data listed in their export (newest first).
constexpr size_t kMaxAccessesShown = 1000;

// `text` with every byte but [A-Za-z0-9._-] replaced by '_' (a file name in a header).
std::string SanitizeFileName(std::string_view text) {
  std::string out(text.substr(0, 64));
  for (char& c : out) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    c = ok ? c : '_';
  }
  return out;
}

HttpResponse Private(const json& body) {
  HttpResponse response{200, "application/json", DumpJson(body) + "\n", "", ""};
  response.cache_control = "no-store";
  return response;
}

HttpResponse PrivateError(const Status& status) {
  HttpResponse response = ApiHandler::ErrorResponse(status);
  response.cache_control = "no-store";
  return response;
}

Status Forbidden(const std::string& why) {
  return Error(StatusCode::kPermissionDenied, "forbidden", why);
}

// A user's role as the policy names it.
StatusOr<privacy::Role> PolicyRole(const auth::Principal& principal) {
  StatusOr<privacy::Role> role = privacy::ParseAuditRole(auth::RoleName(principal.role));
  if (!role.ok()) {
    return Forbidden("role " + std::string(auth::RoleName(principal.role)) + " is unknown here");
  }
  return role;
}

// The purpose the request declares (?purpose=): required (GOV-02).
StatusOr<privacy::Purpose> DeclaredPurpose(const std::string& target) {
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<std::string> name, QueryParameter(target, "purpose"));
  if (!name) {
    return Error(StatusCode::kInvalidArgument, "missing_purpose",
                 "declare why you read this data: ?purpose=flow_management, quality, ... (GOV-02)");
  }
  std::optional<privacy::Purpose> purpose = PurposeNamed(*name);
  if (!purpose) {
    return Error(StatusCode::kInvalidArgument, "bad_purpose",
                 "purpose must be one of the policy's purposes (flow_management, coaching, "
                 "quality, planning, ...)");
  }
  return *purpose;
}

// The first of `scopes` (list them widest first) in which a grant of `policy` lets `role`
// read `data` for `purpose`. Errors (kPermissionDenied): "no_grant" (no grant of the class
// in these scopes for the role), "purpose_not_allowed" (grants exist, none for this purpose:
// GOV-02).
StatusOr<privacy::Scope> GrantedScope(const privacy::Policy& policy, privacy::Role role,
                                      privacy::DataClass data,
                                      std::initializer_list<privacy::Scope> scopes,
                                      privacy::Purpose purpose) {
  bool any = false;
  for (privacy::Scope scope : scopes) {
    for (const privacy::AccessGrant& grant : policy.access) {
      if (grant.role != role || grant.data != data || grant.scope != scope) {
        continue;
      }
      any = true;
      if (std::find(grant.purposes.begin(), grant.purposes.end(), purpose) !=
          grant.purposes.end()) {
        return scope;
      }
    }
  }
  if (!any) {
    return Error(StatusCode::kPermissionDenied, "no_grant",
                 "the site's privacy policy gives role " + std::string(privacy::RoleName(role)) +
                     " no access to " + std::string(privacy::DataClassName(data)));
  }
  return Error(StatusCode::kPermissionDenied, "purpose_not_allowed",
               "the site's privacy policy does not let role " +
                   std::string(privacy::RoleName(role)) + " read " +
                   std::string(privacy::DataClassName(data)) + " for " +
                   std::string(privacy::PurposeName(purpose)) + " (GOV-02)");
}

// OK when a grant of `policy` lets `role` read `data` for `purpose` in one of `scopes`;
// errors as GrantedScope.
Status CheckGrant(const privacy::Policy& policy, privacy::Role role, privacy::DataClass data,
                  std::initializer_list<privacy::Scope> scopes, privacy::Purpose purpose) {
  return GrantedScope(policy, role, data, scopes, purpose).status();
}

StatusOr<std::string> RequiredQuery(const std::string& target, std::string_view name) {
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<std::string> value, QueryParameter(target, name));
  if (!value || value->empty()) {
    return Error(StatusCode::kInvalidArgument, "missing_parameter",
                 "?" + std::string(name) + "= is required");
  }
  return *std::move(value);
}

json CountsJson(const std::map<std::string, int64_t>& counts) {
  json out = json::object();
  for (const auto& [name, value] : counts) {
    out[name] = value;
  }
  return out;
}

json TaskJson(const std::optional<store::CurrentTask>& task) {
  if (!task) {
    return nullptr;
  }
  return {{"process", task->process.empty() ? json(nullptr) : json(task->process)},
          {"zone", task->zone.empty() ? json(nullptr) : json(task->zone)}};
}

json OwnDayJson(const privacy::Date& day, const store::OwnLaborDay& own) {
  json sessions = json::array();
  for (const store::OwnSession& session : own.sessions) {
    sessions.push_back({{"start", session.start_ms},
                        {"end", session.end_ms ? json(*session.end_ms) : json(nullptr)}});
  }
  json scans = json::array();
  for (const store::OwnScan& scan : own.scans) {
    scans.push_back({{"at", scan.at_ms},
                     {"process", scan.process},
                     {"zone", scan.zone.empty() ? json(nullptr) : json(scan.zone)},
                     {"outcome", scan.outcome_class},
                     {"units", scan.units}});
  }
  return {{"day", privacy::FormatDate(day)},
          {"units", own.today.units},
          {"errors_per_cause", CountsJson(own.today.errors_per_cause)},
          {"current_task", TaskJson(own.today.current_task)},
          {"sessions", std::move(sessions)},
          {"scans", std::move(scans)},
          {"truncated", own.truncated}};
}

json WeekJson(const store::WorkerWeek& week) {
  return {{"week", week.iso_week},
          {"week_start", privacy::FormatDate(week.week_start)},
          {"teams", week.teams},
          {"teams_led", week.teams_led},
          {"units_per_process", CountsJson(week.totals.units_per_process)},
          {"errors_per_cause", CountsJson(week.totals.errors_per_cause)},
          {"ms_per_zone", CountsJson(week.totals.ms_per_zone)}};
}

// A day of each week the retention may still keep, newest first: this week and the
// retention's weeks before it (RET-02).
std::vector<privacy::Date> RetainedWeeks(const privacy::Date& today, int64_t retention_weeks) {
  std::vector<privacy::Date> days;
  const int64_t count = std::clamp<int64_t>(retention_weeks, 0, 520) + 1;
  for (int64_t back = 0; back < count; ++back) {
    days.push_back(privacy::AddDays(today, -7 * back));
  }
  return days;
}

// Whether the reader may see this week of the worker (ACC-02, scope own_team).
using WeekFilter = std::function<StatusOr<bool>(const store::WorkerWeek&)>;

struct WeeksRead {
  json weeks = json::array();  // The weeks kept and visible, in the order asked.
  int64_t kept = 0;            // The weeks kept, visible or not.
};

// The worker's weeks of `days` (a day of each), those `visible` lets through (all when it is
// empty). A week never rolled up or expired is skipped, unless `one_week`: then it is the
// error (kNotFound "week_not_kept").
StatusOr<WeeksRead> ReadWeeks(store::LaborStore& labor, int64_t worker_id,
                              std::span<const privacy::Date> days, const WeekFilter& visible,
                              bool one_week) {
  WeeksRead read;
  for (const privacy::Date& day : days) {
    StatusOr<store::WorkerWeek> week = labor.WeeklyForWorker(worker_id, day);
    if (!week.ok()) {
      if (week.status().reason() == "week_not_kept" && !one_week) {
        continue;
      }
      return week.status();
    }
    ++read.kept;
    if (visible) {
      ENTREPOT_ASSIGN_OR_RETURN(bool shown, visible(*week));
      if (!shown) {
        continue;
      }
    }
    read.weeks.push_back(WeekJson(*week));
  }
  return read;
}

// Who consulted the worker's data (DSR-01), from the audit log; nullopt without a log.
StatusOr<json> Accesses(store::AuditLog* audit, const std::string& login) {
  if (audit == nullptr) {
    return json(nullptr);
  }
  store::AuditQuery query;
  query.subject = login;
  query.newest_first = true;
  query.limit = kMaxAccessesShown;
  ENTREPOT_ASSIGN_OR_RETURN(store::AuditPage page, audit->Query(query));
  json out = json::array();
  for (const store::StoredAuditRecord& stored : page.records) {
    const privacy::AuditRecord& r = stored.record;
    out.push_back({{"at", r.at_ms},
                   {"actor", r.actor},
                   {"actor_kind", privacy::PrincipalKindName(r.actor_kind)},
                   {"role", r.actor_role ? json(privacy::RoleName(*r.actor_role)) : json(nullptr)},
                   {"action", r.action},
                   {"data_class", r.data_class},
                   {"purpose", r.purpose},
                   {"resource", r.resource},
                   {"outcome", privacy::AuditOutcomeName(r.outcome)}});
  }
  return out;
}

// A decimal number filling all of `text`.
bool ParseNumber(std::string_view text, double* out) {
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, *out);
  return !text.empty() && error == std::errc() && stop == end;
}

// ?zone=&process=&team=&shift=&group_by= of the aggregate routes.
StatusOr<privacy::AggregateQuery> AggregateFilters(const std::string& target) {
  privacy::AggregateQuery query;
  for (auto [name, field] : {std::pair{"zone", &query.zone}, std::pair{"process", &query.process},
                             std::pair{"team", &query.team}, std::pair{"shift", &query.shift}}) {
    ENTREPOT_ASSIGN_OR_RETURN(*field, QueryParameter(target, name));
  }
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<std::string> group, QueryParameter(target, "group_by"));
  ENTREPOT_ASSIGN_OR_RETURN(query.group_by, privacy::ParseLaborDimension(group.value_or("none")));
  return query;
}

// What the weekly form of /labor/aggregates asks for. `from` is absent for today's figures.
struct WeeklyRequest {
  std::optional<privacy::Date> from;
  privacy::Date to;
  bool standard_vs_actual = false;
  privacy::ProcessStandards standards;
};

// The engineered standards of the workload plan (core::LaborStandards: seconds per unit of
// pick, pack, ship), each overridable with ?standard_pick= (seconds), plus one
// ?travel_allowance= (percent, default 0) on all of them.
StatusOr<privacy::ProcessStandards> StandardsOf(const std::string& target) {
  const core::LaborStandards workload;
  double travel = 0;
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<std::string> travel_text,
                            QueryParameter(target, "travel_allowance"));
  if (travel_text && !ParseNumber(*travel_text, &travel)) {
    return Error(StatusCode::kInvalidArgument, "bad_standard",
                 "travel_allowance is a percentage, 0 to 500");
  }
  privacy::ProcessStandards standards;
  for (int p = 0; p < core::kWorkProcessCount; ++p) {
    const std::string name(core::WorkProcessName(static_cast<core::WorkProcess>(p)));
    privacy::ProcessStandard standard{workload.seconds_per_unit[p], travel};
    ENTREPOT_ASSIGN_OR_RETURN(std::optional<std::string> seconds,
                              QueryParameter(target, "standard_" + name));
    if (seconds && !ParseNumber(*seconds, &standard.seconds_per_unit)) {
      return Error(StatusCode::kInvalidArgument, "bad_standard",
                   "standard_" + name + " is a number of seconds per unit");
    }
    ENTREPOT_RETURN_IF_ERROR(privacy::ValidateStandard(standard));
    standards.emplace(name, standard);
  }
  return standards;
}

// ?from=2026-W19&to=2026-W22&measure=output|standard_vs_actual.
StatusOr<WeeklyRequest> ParseWeeklyRequest(const std::string& target) {
  WeeklyRequest weekly;
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<std::string> from, QueryParameter(target, "from"));
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<std::string> to, QueryParameter(target, "to"));
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<std::string> measure, QueryParameter(target, "measure"));
  if (measure && *measure != "output" && *measure != "standard_vs_actual") {
    return Error(StatusCode::kInvalidArgument, "bad_measure",
                 "measure is output (the default) or standard_vs_actual");
  }
  weekly.standard_vs_actual = measure == "standard_vs_actual";
  if (!from) {
    if (to || weekly.standard_vs_actual) {
      return Error(StatusCode::kInvalidArgument, "missing_parameter",
                   "?from= (an ISO week, e.g. 2026-W19) is required with to= and measure=");
    }
    return weekly;
  }
  ENTREPOT_ASSIGN_OR_RETURN(weekly.from, privacy::ParseIsoWeek(*from));
  ENTREPOT_ASSIGN_OR_RETURN(weekly.to, to ? privacy::ParseIsoWeek(*to) : *weekly.from);
  if (weekly.standard_vs_actual) {
    ENTREPOT_ASSIGN_OR_RETURN(weekly.standards, StandardsOf(target));
  }
  return weekly;
}

// ?week=2026-W19, or nullopt when absent. Errors: kInvalidArgument "bad_week", "bad_query".
StatusOr<std::optional<privacy::Date>> WeekParameter(const std::string& target) {
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<std::string> text, QueryParameter(target, "week"));
  if (!text) {
    return std::optional<privacy::Date>();
  }
  ENTREPOT_ASSIGN_OR_RETURN(privacy::Date week, privacy::ParseIsoWeek(*text));
  return std::optional<privacy::Date>(week);
}

// The group and suppression of a cell, or its units and errors (never a 0 for a hidden one).
json CellJson(const privacy::AggregateCell& cell) {
  json out = {{"group", cell.group}};
  if (cell.suppression != privacy::Suppression::kNone) {
    out["suppressed"] = privacy::SuppressionName(cell.suppression);
  } else {
    out["units"] = cell.units.value_or(0);
    out["errors"] = cell.errors.value_or(0);
  }
  return out;
}

double Hours(int64_t ms) { return std::round(static_cast<double>(ms) / 36'000.0) / 100.0; }

// A weekly cell: worker-weeks, hours, and with standards the comparison.
json WeeklyCellJson(const privacy::AggregateCell& cell, bool standard_vs_actual) {
  json out = CellJson(cell);
  if (cell.suppression != privacy::Suppression::kNone) {
    return out;
  }
  const int64_t ms = cell.ms.value_or(0);
  out["worker_weeks"] = cell.workers.value_or(0);
  out["hours"] = Hours(ms);
  if (!standard_vs_actual) {
    return out;
  }
  const int64_t standard_ms = cell.standard_ms.value_or(0);
  const double units = static_cast<double>(cell.units.value_or(0));
  out["standard_hours"] = Hours(standard_ms);
  auto rounded = [](double value) { return json(std::round(value * 10.0) / 10.0); };
  out["units_per_hour"] = ms > 0 ? rounded(units * 3.6e6 / static_cast<double>(ms)) : json();
  out["standard_units_per_hour"] =
      standard_ms > 0 ? rounded(units * 3.6e6 / static_cast<double>(standard_ms)) : json();
  out["percent_of_standard"] =
      ms > 0 ? rounded(100.0 * static_cast<double>(standard_ms) / static_cast<double>(ms)) : json();
  return out;
}

HttpResponse WeeklyAggregates(store::LaborStore& labor, const privacy::Date& today,
                              const std::string& requester, const WeeklyRequest& weekly,
                              const privacy::AggregateQuery& query) {
  StatusOr<store::WeeklyAnswer> answer = labor.QueryWeekly(
      today, requester,
      {*weekly.from, weekly.to, query, weekly.standard_vs_actual ? &weekly.standards : nullptr});
  if (!answer.ok()) {
    return PrivateError(answer.status());
  }
  json kept = json::array();
  for (const privacy::Date& week : answer->weeks_kept) {
    kept.push_back(privacy::IsoWeekName(week));
  }
  json cells = json::array();
  for (const privacy::AggregateCell& cell : answer->aggregate.cells) {
    cells.push_back(WeeklyCellJson(cell, weekly.standard_vs_actual));
  }
  json body = {{"from", privacy::IsoWeekName(answer->from_week)},
               {"to", privacy::IsoWeekName(answer->to_week)},
               {"weeks_kept", std::move(kept)},
               {"group_by", privacy::LaborDimensionName(query.group_by)},
               {"measure", weekly.standard_vs_actual ? "standard_vs_actual" : "output"},
               {"min_group_size", answer->aggregate.min_group_size},
               {"cells", std::move(cells)}};
  if (weekly.standard_vs_actual) {
    json standards = json::object();
    for (const auto& [process, standard] : weekly.standards) {
      standards[process] = {{"seconds_per_unit", standard.seconds_per_unit},
                            {"travel_allowance_percent", standard.travel_allowance_percent}};
    }
    body["standards"] = std::move(standards);
  }
  return Private(body);
}

StatusOr<store::LaborAssignment> AssignmentOf(const json& line,
                                              const std::map<std::string, int64_t>& ids) {
  auto text = [&line](const char* name) -> StatusOr<std::string> {
    auto found = line.find(name);
    if (found == line.end() || !found->is_string()) {
      return Error(StatusCode::kInvalidArgument, "bad_field",
                   std::string("each assignment needs \"") + name + "\" as a string");
    }
    return found->get<std::string>();
  };
  if (!line.is_object()) {
    return Error(StatusCode::kInvalidArgument, "bad_field", "each assignment is an object");
  }
  store::LaborAssignment assignment;
  ENTREPOT_ASSIGN_OR_RETURN(std::string worker, text("worker"));
  auto id = ids.find(worker);
  if (id == ids.end()) {
    return Error(StatusCode::kInvalidArgument, "unknown_worker",
                 "no user has the login \"" + worker.substr(0, 64) + "\"");
  }
  assignment.worker_id = id->second;
  ENTREPOT_ASSIGN_OR_RETURN(assignment.team, text("team"));
  ENTREPOT_ASSIGN_OR_RETURN(assignment.shift, text("shift"));
  ENTREPOT_ASSIGN_OR_RETURN(assignment.zone, text("zone"));
  if (auto supervisor = line.find("supervisor"); supervisor != line.end()) {
    if (!supervisor->is_boolean()) {
      return Error(StatusCode::kInvalidArgument, "bad_field", "\"supervisor\" is true or false");
    }
    assignment.supervisor = supervisor->get<bool>();
  }
  return assignment;
}

}  // namespace

HttpResponse ApiHandler::HandleLabor(Route route, const std::string& parameter,
                                     const HttpRequest& request, const auth::Principal& principal) {
  if (labor_ == nullptr || policy_ == nullptr) {
    return PrivateError(
        Error(StatusCode::kUnavailable, "labor_unavailable", "this server keeps no labor stream"));
  }
  if (principal.kind != auth::Principal::Kind::kUser) {
    return PrivateError(Forbidden("labor data is read by people signed in, not by devices"));
  }
  // kSelf does not check the site scope; everything but one's own data is the site's.
  if (route != Route::kLaborMe && !auth::ScopeCovers(principal.scope, site_code_)) {
    return PrivateError(Forbidden("site " + site_code_ + " is outside your scope"));
  }
  switch (route) {
    case Route::kLaborMe:
      return LaborMe(request, principal);
    case Route::kLaborTeam:
      return LaborTeam(request, principal);
    case Route::kLaborAggregates:
      return LaborAggregates(request, principal);
    case Route::kLaborAssignments:
      return LaborAssignments(parameter, request, principal);
    case Route::kLaborWorkerWeeks:
      return LaborWorkerWeeks(parameter, request, principal);
    default:
      break;
  }
  return PrivateError(Error(StatusCode::kInternal, "internal", "no handler for this route"));
}

// DSR-01 (GDPR Art. 15): everything the labor stream holds about the caller, today's raw
// events while the day key exists and the weekly aggregates still kept, and who consulted
// their data. ?format=export answers the same as a JSON file to download.
HttpResponse ApiHandler::LaborMe(const HttpRequest& request, const auth::Principal& principal) {
  StatusOr<std::optional<std::string>> format = QueryParameter(request.target, "format");
  if (!format.ok()) {
    return PrivateError(format.status());
  }
  const bool export_file = format->has_value() && **format == "export";
  if (format->has_value() && !export_file && **format != "json") {
    return PrivateError(Error(StatusCode::kInvalidArgument, "bad_format",
                              "format is json (the default) or export (a file to download)"));
  }
  const int64_t now_ms = now_ms_();
  // Today in the site's time zone (the policy's labor.time_zone, checked at start).
  StatusOr<privacy::Date> labor_today = server::LaborDayOf(now_ms, policy_->labor.time_zone);
  if (!labor_today.ok()) {
    return PrivateError(labor_today.status());
  }
  const privacy::Date today = *labor_today;
  StatusOr<store::OwnLaborDay> own = labor_->WorkerDay(today, principal.id);
  StatusOr<WeeksRead> weeks =
      own.ok() ? ReadWeeks(*labor_, principal.id,
                           RetainedWeeks(today, policy_->retention.worker_weekly_weeks), nullptr,
                           /*one_week=*/false)
               : StatusOr<WeeksRead>(own.status());
  StatusOr<json> accesses =
      weeks.ok() ? Accesses(audit_, principal.name) : StatusOr<json>(weeks.status());
  if (!accesses.ok()) {
    return PrivateError(accesses.status());
  }
  json body = {{"worker", principal.name},
               {"generated_at", now_ms},
               {"today", OwnDayJson(today, *own)},
               {"weeks", std::move(weeks->weeks)},
               {"retention",
                {{"labor_events_days", policy_->retention.labor_events_days},
                 {"worker_weekly_weeks", policy_->retention.worker_weekly_weeks}}},
               {"accesses", *std::move(accesses)}};
  HttpResponse response = Private(body);
  if (export_file) {
    response.content_disposition = "attachment; filename=\"entrepot-labor-" +
                                   SanitizeFileName(principal.name) + "-" +
                                   privacy::FormatDate(today) + ".json\"";
  }
  return response;
}

// IND-04, IND-05, ACC-01: the workers of the supervisor's own shift and zone, today only.
HttpResponse ApiHandler::LaborTeam(const HttpRequest& request, const auth::Principal& principal) {
  StatusOr<privacy::Role> role = PolicyRole(principal);
  StatusOr<privacy::Purpose> purpose = role.ok() ? DeclaredPurpose(request.target) : role.status();
  if (!purpose.ok()) {
    return PrivateError(purpose.status());
  }
  if (Status granted = CheckGrant(*policy_, *role, privacy::DataClass::kLaborEvents,
                                  {privacy::Scope::kOwnShiftAndZone}, *purpose);
      !granted.ok()) {
    return PrivateError(granted);
  }
  StatusOr<std::string> shift = RequiredQuery(request.target, "shift");
  StatusOr<std::string> zone = shift.ok() ? RequiredQuery(request.target, "zone") : shift.status();
  StatusOr<std::optional<std::string>> day_text =
      zone.ok() ? QueryParameter(request.target, "day")
                : StatusOr<std::optional<std::string>>(zone.status());
  if (!day_text.ok()) {
    return PrivateError(day_text.status());
  }
  StatusOr<privacy::Date> labor_today = server::LaborDayOf(now_ms_(), policy_->labor.time_zone);
  if (!labor_today.ok()) {
    return PrivateError(labor_today.status());
  }
  const privacy::Date today = *labor_today;
  StatusOr<privacy::Date> day =
      day_text->has_value() ? privacy::ParseDate(**day_text) : StatusOr<privacy::Date>(today);
  if (!day.ok()) {
    return PrivateError(day.status());
  }
  StatusOr<std::vector<store::WorkerToday>> view =
      labor_->SupervisorView(today, principal.id, {*day, *shift, *zone, *purpose});
  StatusOr<std::vector<auth::UserRecord>> users =
      view.ok() ? accounts_.ListUsers() : StatusOr<std::vector<auth::UserRecord>>(view.status());
  if (!users.ok()) {
    return PrivateError(users.status());
  }
  std::map<int64_t, std::string> logins;
  for (const auth::UserRecord& user : *users) {
    logins[user.id] = user.login;
  }
  json workers = json::array();
  for (const store::WorkerToday& worker : *view) {
    auto login = logins.find(worker.worker_id);
    workers.push_back({{"worker", login == logins.end() ? json(nullptr) : json(login->second)},
                       {"units", worker.units},
                       {"current_task", TaskJson(worker.current_task)},
                       {"errors_per_cause", CountsJson(worker.errors_per_cause)}});
  }
  return Private({{"day", privacy::FormatDate(today)},
                  {"shift", *shift},
                  {"zone", *zone},
                  {"purpose", privacy::PurposeName(*purpose)},
                  {"workers", std::move(workers)}});
}

// IND-06, AGG-01, AGG-02: group figures of today, or of rolled-up ISO weeks (?from=&to=),
// cells under k suppressed; ?measure=standard_vs_actual compares a weekly range with the
// engineered standards, team level only.
HttpResponse ApiHandler::LaborAggregates(const HttpRequest& request,
                                         const auth::Principal& principal) {
  StatusOr<privacy::Role> role = PolicyRole(principal);
  StatusOr<privacy::Purpose> purpose = role.ok() ? DeclaredPurpose(request.target) : role.status();
  Status granted = purpose.ok() ? CheckGrant(*policy_, *role, privacy::DataClass::kTeamAggregates,
                                             {privacy::Scope::kSite, privacy::Scope::kOwnTeam,
                                              privacy::Scope::kOwnShiftAndZone},
                                             *purpose)
                                : purpose.status();
  StatusOr<privacy::AggregateQuery> query =
      granted.ok() ? AggregateFilters(request.target) : StatusOr<privacy::AggregateQuery>(granted);
  StatusOr<WeeklyRequest> weekly =
      query.ok() ? ParseWeeklyRequest(request.target) : StatusOr<WeeklyRequest>(query.status());
  if (!weekly.ok()) {
    return PrivateError(weekly.status());
  }
  StatusOr<privacy::Date> labor_today = server::LaborDayOf(now_ms_(), policy_->labor.time_zone);
  if (!labor_today.ok()) {
    return PrivateError(labor_today.status());
  }
  const privacy::Date today = *labor_today;
  if (weekly->from.has_value()) {
    return WeeklyAggregates(*labor_, today, principal.name, *weekly, *query);
  }
  StatusOr<privacy::AggregateAnswer> answer =
      labor_->QueryAggregates(today, principal.name, *query);
  if (!answer.ok()) {
    return PrivateError(answer.status());
  }
  json cells = json::array();
  for (const privacy::AggregateCell& cell : answer->cells) {
    json out = CellJson(cell);
    if (cell.suppression == privacy::Suppression::kNone) {
      out["workers"] = cell.workers.value_or(0);
    }
    cells.push_back(std::move(out));
  }
  return Private({{"day", privacy::FormatDate(today)},
                  {"group_by", privacy::LaborDimensionName(query->group_by)},
                  {"min_group_size", answer->min_group_size},
                  {"cells", std::move(cells)}});
}

// The rota of `day`, which scopes the supervisor's view (ACC-01): admin and site_manager.
HttpResponse ApiHandler::LaborAssignments(const std::string& day_text, const HttpRequest& request,
                                          const auth::Principal& principal) {
  if (principal.role != auth::Role::kAdmin && principal.role != auth::Role::kSiteManager) {
    return PrivateError(Forbidden("the rota is set by admin or site_manager; role " +
                                  std::string(auth::RoleName(principal.role)) + " cannot"));
  }
  StatusOr<privacy::Date> day = privacy::ParseDate(day_text);
  if (!day.ok()) {
    return PrivateError(day.status());
  }
  if (!MediaTypeIs(request.content_type, "application/json")) {
    return PrivateError(UnsupportedMediaType("application/json"));
  }
  json body = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object() || !body.contains("assignments") || !body["assignments"].is_array()) {
    return PrivateError(Error(StatusCode::kInvalidArgument, "bad_json",
                              "send {\"assignments\": [{\"worker\": login, \"team\", \"shift\", "
                              "\"zone\", \"supervisor\": bool}, ...]}"));
  }
  const json& lines = body["assignments"];
  if (lines.size() > store::kMaxAssignmentsPerDay) {
    return PrivateError(Error(
        StatusCode::kResourceExhausted, "too_many_assignments",
        "a day's rota holds at most " + std::to_string(store::kMaxAssignmentsPerDay) + " workers"));
  }
  StatusOr<std::vector<auth::UserRecord>> users = accounts_.ListUsers();
  if (!users.ok()) {
    return PrivateError(users.status());
  }
  std::map<std::string, int64_t> ids;
  for (const auth::UserRecord& user : *users) {
    ids[user.login] = user.id;
  }
  std::vector<store::LaborAssignment> rota;
  rota.reserve(lines.size());
  for (const json& line : lines) {
    StatusOr<store::LaborAssignment> assignment = AssignmentOf(line, ids);
    if (!assignment.ok()) {
      return PrivateError(assignment.status());
    }
    rota.push_back(*std::move(assignment));
  }
  Status set = labor_->SetAssignments(*day, rota);
  if (!set.ok()) {
    return PrivateError(set);
  }
  return Private({{"day", privacy::FormatDate(*day)}, {"assignments", rota.size()}});
}

// IND-08, ACC-02: one worker's weekly aggregates, for HR (a grant with scope site: any
// worker of the site) or their line manager (scope own_team: a lead, in the rota of a
// rolled-up day of that week, of a team the worker was in that week), for a purpose the
// policy grants (GOV-02). ?week=2026-W19 reads one week; without it, the weeks still kept
// that the reader may see, newest first. Audited with the worker as subject (ACC-04).
HttpResponse ApiHandler::LaborWorkerWeeks(const std::string& login, const HttpRequest& request,
                                          const auth::Principal& principal) {
  StatusOr<privacy::Role> role = PolicyRole(principal);
  StatusOr<privacy::Purpose> purpose = role.ok() ? DeclaredPurpose(request.target) : role.status();
  StatusOr<privacy::Scope> scope =
      purpose.ok() ? GrantedScope(*policy_, *role, privacy::DataClass::kWorkerWeekly,
                                  {privacy::Scope::kSite, privacy::Scope::kOwnTeam}, *purpose)
                   : StatusOr<privacy::Scope>(purpose.status());
  StatusOr<std::optional<privacy::Date>> week =
      scope.ok() ? WeekParameter(request.target)
                 : StatusOr<std::optional<privacy::Date>>(scope.status());
  StatusOr<auth::UserRecord> worker =
      week.ok() ? accounts_.FindUser(login) : StatusOr<auth::UserRecord>(week.status());
  if (!worker.ok()) {
    return PrivateError(worker.status());
  }
  const bool own_team = *scope == privacy::Scope::kOwnTeam;
  WeekFilter led_by_reader;
  if (own_team) {
    led_by_reader = [this, &principal, &worker](const store::WorkerWeek& w) -> StatusOr<bool> {
      ENTREPOT_ASSIGN_OR_RETURN(std::vector<std::string> teams,
                                labor_->TeamsLedFor(principal.id, worker->id, w.week_start));
      return !teams.empty();
    };
  }
  StatusOr<privacy::Date> labor_today = server::LaborDayOf(now_ms_(), policy_->labor.time_zone);
  if (!labor_today.ok()) {
    return PrivateError(labor_today.status());
  }
  const privacy::Date today = *labor_today;
  const std::vector<privacy::Date> days =
      week->has_value() ? std::vector<privacy::Date>{**week}
                        : RetainedWeeks(today, policy_->retention.worker_weekly_weeks);
  StatusOr<WeeksRead> read =
      ReadWeeks(*labor_, worker->id, days, led_by_reader, /*one_week=*/week->has_value());
  if (!read.ok()) {
    return PrivateError(read.status());
  }
  if (own_team && read->weeks.empty()) {
    return PrivateError(Error(
        StatusCode::kPermissionDenied, "not_your_team",
        "you led no team that " + worker->login + " was in during " +
            (week->has_value() ? privacy::IsoWeekName(**week) : std::string("the weeks kept")) +
            "; a line manager reads the weekly aggregates of their own team only (ACC-02)"));
  }
  return Private(
      {{"worker", worker->login},
       {"purpose", privacy::PurposeName(*purpose)},
       {"scope", privacy::ScopeName(*scope)},
       {"weeks", std::move(read->weeks)},
       {"retention", {{"worker_weekly_weeks", policy_->retention.worker_weekly_weeks}}}});
}

}  // namespace entrepot::api
