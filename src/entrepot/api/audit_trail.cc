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
};

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
    default:
      return std::nullopt;
  }
}

}  // namespace

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
  record.data_class = std::string(privacy::kAccountsDataClass);
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

}  // namespace entrepot::api
