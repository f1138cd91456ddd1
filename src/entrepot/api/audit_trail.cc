#include "entrepot/api/audit_trail.h"

#include <string_view>

#include "nlohmann/json.hpp"

namespace entrepot::api {
namespace {

// `text` when it can name a person in an audit record (privacy::ValidateAuditRecord), else
// "": a malformed login in a request is recorded as no subject rather than refused.
std::string AuditName(std::string_view text) {
  if (text.empty() || text.size() > privacy::kMaxAuditNameBytes) {
    return "";
  }
  for (char c : text) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '@' || c == '-';
    if (!ok) {
      return "";
    }
  }
  return std::string(text);
}

std::string LoginInBody(const std::string& body) {
  nlohmann::json parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object() || !parsed.contains("login") || !parsed["login"].is_string()) {
    return "";
  }
  return AuditName(parsed["login"].get<std::string>());
}

struct Access {
  std::string_view action;
  std::string_view purpose;
  std::string subject;
  std::string_view data_class = privacy::kAccountsDataClass;
};

// The purpose a labor request declares (?purpose=), when it is one of the policy's: an
// unknown one is recorded as none (the request is refused "bad_purpose" anyway).
std::string_view DeclaredPurposeName(const HttpRequest& request) {
  StatusOr<std::optional<std::string>> name = QueryParameter(request.target, "purpose");
  if (!name.ok() || !name->has_value()) {
    return "";
  }
  std::optional<privacy::Purpose> purpose = PurposeNamed(**name);
  return purpose ? privacy::PurposeName(*purpose) : "";
}

// The labor routes (docs/LABOR.md). The supervisor's view reads several workers at once and
// the rota names many: their subject is everyone ("*"), so each worker finds the read among
// those about them (DSR-01). Aggregates are about groups of at least k: no subject. A line
// manager's or HR's read of one worker's weeks has that worker as subject (ACC-02, ACC-04).
std::optional<Access> LaborAccessOf(Route route, const HttpRequest& request,
                                    const std::string& parameter,
                                    const auth::Principal* principal) {
  const std::string_view labor_events = privacy::DataClassName(privacy::DataClass::kLaborEvents);
  switch (route) {
    case Route::kLaborMe: {
      if (principal == nullptr || principal->kind != auth::Principal::Kind::kUser) {
        return std::nullopt;  // Nobody's data: no subject to read.
      }
      StatusOr<std::optional<std::string>> format = QueryParameter(request.target, "format");
      const bool export_file = format.ok() && format->has_value() && **format == "export";
      return Access{export_file ? "export" : "read",
                    privacy::PurposeName(privacy::Purpose::kOwnData), AuditName(principal->name),
                    labor_events};
    }
    case Route::kLaborTeam:
      return Access{"read", DeclaredPurposeName(request), std::string(privacy::kEveryoneSubject),
                    labor_events};
    case Route::kLaborAggregates:
      return Access{"read", DeclaredPurposeName(request), "",
                    privacy::DataClassName(privacy::DataClass::kTeamAggregates)};
    case Route::kLaborAssignments:
      return Access{"update", privacy::PurposeName(privacy::Purpose::kPlanning),
                    std::string(privacy::kEveryoneSubject), labor_events};
    case Route::kLaborWorkerWeeks:
      return Access{"read", DeclaredPurposeName(request), AuditName(parameter),
                    privacy::DataClassName(privacy::DataClass::kWorkerWeekly)};
    default:
      return std::nullopt;
  }
}

std::optional<Access> AccessOf(Route route, const HttpRequest& request,
                               const std::string& parameter, const auth::Principal* principal) {
  switch (route) {
    case Route::kUsers:
      if (request.method == "POST") {
        return Access{"create", privacy::kAccountAdministrationPurpose, LoginInBody(request.body)};
      }
      return Access{"read", privacy::kAccountAdministrationPurpose,
                    std::string(privacy::kEveryoneSubject)};
    case Route::kUser:
      return Access{"update", privacy::kAccountAdministrationPurpose, AuditName(parameter)};
    case Route::kMe:
      // A device's /me names a handheld, not a person.
      if (principal == nullptr || principal->kind != auth::Principal::Kind::kUser) {
        return std::nullopt;
      }
      return Access{"read", privacy::PurposeName(privacy::Purpose::kOwnData),
                    AuditName(principal->name)};
    case Route::kAudit:
      // RET-03: the log names who read whose data, so reading it is a read of everyone's,
      // for the DPO's oversight; every page read leaves its record.
      return Access{"read", privacy::PurposeName(privacy::Purpose::kDataProtection),
                    std::string(privacy::kEveryoneSubject),
                    privacy::DataClassName(privacy::DataClass::kAuditLog)};
    default:
      return LaborAccessOf(route, request, parameter, principal);
  }
}

}  // namespace

std::optional<privacy::Purpose> PurposeNamed(std::string_view name) {
  for (privacy::Purpose purpose : privacy::kAllPurposes) {
    if (privacy::PurposeName(purpose) == name) {
      return purpose;
    }
  }
  return std::nullopt;
}

std::optional<privacy::AuditRecord> PersonalDataAccess(Route route, const HttpRequest& request,
                                                       const std::string& parameter,
                                                       const auth::Principal* principal,
                                                       int64_t now_ms) {
  std::optional<Access> access = AccessOf(route, request, parameter, principal);
  if (!access) {
    return std::nullopt;
  }
  privacy::AuditRecord record;
  record.at_ms = now_ms;
  if (principal == nullptr) {
    record.actor_kind = privacy::PrincipalKind::kAnonymous;
  } else if (principal->kind == auth::Principal::Kind::kDevice) {
    record.actor_kind = privacy::PrincipalKind::kDevice;
    record.actor = AuditName(principal->name);
  } else {
    record.actor_kind = privacy::PrincipalKind::kUser;
    record.actor = AuditName(principal->name);
    StatusOr<privacy::Role> role = privacy::ParseAuditRole(auth::RoleName(principal->role));
    record.actor_role = role.ok() ? std::optional<privacy::Role>(*role) : std::nullopt;
  }
  record.action = std::string(access->action);
  record.data_class = std::string(access->data_class);
  record.subject = std::move(access->subject);
  record.purpose = std::string(access->purpose);
  std::string_view path(request.target);
  record.resource = privacy::SanitizeAuditText(request.method + " " +
                                               std::string(path.substr(0, path.find('?'))));
  return record;
}

void RecordOutcome(const HttpResponse& response, privacy::AuditRecord& record) {
  if (response.status < 400) {
    record.outcome = privacy::AuditOutcome::kAllowed;
    record.reason.clear();
    return;
  }
  record.outcome = privacy::AuditOutcome::kRefused;
  nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
  std::string code = "error";
  if (body.is_object() && body.contains("error") && body["error"].is_object() &&
      body["error"].contains("code") && body["error"]["code"].is_string()) {
    code = body["error"]["code"].get<std::string>();
  }
  record.reason = privacy::SanitizeAuditText(code, privacy::kMaxAuditNameBytes);
}

nlohmann::json AuditRecordJson(const store::StoredAuditRecord& row) {
  using nlohmann::json;
  const privacy::AuditRecord& record = row.record;
  return {{"seq", record.seq},
          {"at", record.at_ms},
          {"actor_kind", privacy::PrincipalKindName(record.actor_kind)},
          {"actor", record.actor},
          {"actor_role",
           record.actor_role ? json(privacy::RoleName(*record.actor_role)) : json(nullptr)},
          {"action", record.action},
          {"data_class", record.data_class},
          {"subject", record.subject},
          {"purpose", record.purpose},
          {"resource", record.resource},
          {"outcome", privacy::AuditOutcomeName(record.outcome)},
          {"reason", record.reason},
          {"hash", privacy::AuditHashHex(row.hash)}};
}

}  // namespace entrepot::api
