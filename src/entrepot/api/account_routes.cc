// The account routes of ApiHandler: login, logout, me, users, devices and badge sign-in on a
// device. They run on the network thread and talk to the auth::AccountStore (and, for badge
// sign-in, the labor recorder) only; nothing here reaches the sequencer or the operational
// journal (rule RET-01). Badge sign-in also answers whether the worker must acknowledge the
// notice first (TRN-01; the acknowledgement itself is in privacy_routes.cc).
#include <charconv>
#include <optional>
#include <utility>

#include "entrepot/api/api_handler.h"
#include "entrepot/api/http_errors.h"
#include "entrepot/api/stock_json.h"
#include "entrepot/base/status_macros.h"
#include "entrepot/server/labor_recorder.h"

namespace entrepot::api {
namespace {

using nlohmann::json;

HttpResponse Reply(const json& body, unsigned status = 200) {
  return HttpResponse{status, "application/json", DumpJson(body) + "\n", "", ""};
}

Status BadField(const std::string& field, const std::string& why) {
  return Error(StatusCode::kInvalidArgument, "bad_field", "\"" + field + "\" " + why);
}

StatusOr<json> ParseBody(const HttpRequest& request) {
  if (!request.content_type.empty() && request.content_type.rfind("application/json", 0) != 0) {
    return Error(StatusCode::kInvalidArgument, "unsupported_media_type",
                 "send the body as application/json");
  }
  json body = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) {
    return Error(StatusCode::kInvalidArgument, "bad_json", "the body is not a JSON object");
  }
  return body;
}

// The string field `name`: absent gives nullopt, another type is "bad_field".
StatusOr<std::optional<std::string>> StringField(const json& body, const std::string& name) {
  auto found = body.find(name);
  if (found == body.end()) {
    return std::optional<std::string>();
  }
  if (!found->is_string()) {
    return BadField(name, "must be a string");
  }
  return std::optional<std::string>(found->get<std::string>());
}

StatusOr<std::string> RequiredString(const json& body, const std::string& name) {
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<std::string> value, StringField(body, name));
  if (!value) {
    return Error(StatusCode::kInvalidArgument, "missing_field", "\"" + name + "\" is required");
  }
  return *std::move(value);
}

StatusOr<std::optional<auth::Scope>> ScopeField(const json& body) {
  auto found = body.find("scope");
  if (found == body.end()) {
    return std::optional<auth::Scope>();
  }
  if (!found->is_array()) {
    return BadField("scope", "must be an array of site codes, or [\"*\"]");
  }
  auth::Scope scope;
  for (const json& entry : *found) {
    if (!entry.is_string()) {
      return BadField("scope", "must be an array of site codes, or [\"*\"]");
    }
    scope.push_back(entry.get<std::string>());
  }
  return std::optional<auth::Scope>(std::move(scope));
}

StatusOr<std::optional<auth::Role>> RoleField(const json& body) {
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<std::string> name, StringField(body, "role"));
  if (!name) {
    return std::optional<auth::Role>();
  }
  ENTREPOT_ASSIGN_OR_RETURN(auth::Role role, auth::ParseRole(*name));
  return std::optional<auth::Role>(role);
}

// A user as the API shows it: never a password hash, never a badge code.
json UserJson(const auth::UserRecord& user) {
  return {{"login", user.login},
          {"name", user.display_name},
          {"role", auth::RoleName(user.role)},
          {"scope", user.scope},
          {"created_at", user.created_at_ms},
          {"disabled", user.disabled},
          {"has_badge", user.has_badge}};
}

StatusOr<auth::UserChange> ParseChange(const json& body) {
  auth::UserChange change;
  ENTREPOT_ASSIGN_OR_RETURN(change.display_name, StringField(body, "name"));
  ENTREPOT_ASSIGN_OR_RETURN(change.role, RoleField(body));
  ENTREPOT_ASSIGN_OR_RETURN(change.scope, ScopeField(body));
  ENTREPOT_ASSIGN_OR_RETURN(change.password, StringField(body, "password"));
  ENTREPOT_ASSIGN_OR_RETURN(change.badge, StringField(body, "badge"));
  if (auto disabled = body.find("disabled"); disabled != body.end()) {
    if (!disabled->is_boolean()) {
      return BadField("disabled", "must be true or false");
    }
    change.disabled = disabled->get<bool>();
  }
  return change;
}

HttpResponse Failed(const Status& status) { return ApiHandler::ErrorResponse(status); }

}  // namespace

HttpResponse ApiHandler::HandleAccounts(Route route, const std::string& parameter,
                                        const HttpRequest& request,
                                        const auth::Principal& principal) {
  const bool is_device = principal.kind == auth::Principal::Kind::kDevice;
  switch (route) {
    case Route::kLogin:
      return Login(request);
    case Route::kLogout: {
      if (is_device) {
        return Failed(Error(StatusCode::kPermissionDenied, "forbidden",
                            "a device token does not log out; an admin revokes it"));
      }
      std::string token = request.authorization.substr(std::string_view("Bearer ").size());
      Status done = accounts_.Logout(token);
      return done.ok() ? Reply({{"logged_out", true}}) : Failed(done);
    }
    case Route::kMe:
      return Me(principal);
    case Route::kUsers: {
      if (request.method == "POST") {
        return CreateUser(request);
      }
      StatusOr<std::vector<auth::UserRecord>> users = accounts_.ListUsers();
      if (!users.ok()) {
        return Failed(users.status());
      }
      json list = json::array();
      for (const auth::UserRecord& user : *users) {
        list.push_back(UserJson(user));
      }
      return Reply({{"users", std::move(list)}});
    }
    case Route::kUser:
      return UpdateUser(parameter, request);
    case Route::kDevices: {
      StatusOr<json> body = ParseBody(request);
      StatusOr<std::string> name = body.ok() ? RequiredString(*body, "name") : body.status();
      StatusOr<auth::NewDevice> device =
          name.ok() ? accounts_.AddDevice(*name, principal.id) : name.status();
      if (!device.ok()) {
        return Failed(device.status());
      }
      return Reply({{"id", device->id}, {"device", device->name}, {"token", device->token}}, 201);
    }
    case Route::kDevice: {
      int64_t id = 0;
      auto [end, error] =
          std::from_chars(parameter.data(), parameter.data() + parameter.size(), id);
      if (error != std::errc() || end != parameter.data() + parameter.size()) {
        return Failed(Error(StatusCode::kNotFound, "unknown_device",
                            "'" + parameter + "' is not a device id"));
      }
      Status revoked = accounts_.RevokeDevice(id);
      return revoked.ok() ? Reply({{"id", id}, {"revoked", true}}) : Failed(revoked);
    }
    case Route::kDeviceSession:
      return DeviceSession(request, principal);
    default:
      break;
  }
  return Failed(Error(StatusCode::kInternal, "internal", "no handler for this route"));
}

HttpResponse ApiHandler::Login(const HttpRequest& request) {
  StatusOr<json> body = ParseBody(request);
  StatusOr<std::string> login = body.ok() ? RequiredString(*body, "login") : body.status();
  StatusOr<std::string> password = login.ok() ? RequiredString(*body, "password") : login.status();
  if (!password.ok()) {
    return Failed(password.status());
  }
  StatusOr<auth::LoginResult> result = accounts_.Login(*login, *password);
  if (!result.ok()) {
    return Failed(result.status());
  }
  return Reply({{"token", result->token},
                {"expires_at", result->expires_at_ms},
                {"role", auth::RoleName(result->role)}});
}

HttpResponse ApiHandler::Me(const auth::Principal& principal) {
  if (principal.kind == auth::Principal::Kind::kDevice) {
    return Reply({{"kind", "device"}, {"id", principal.id}, {"device", principal.name}});
  }
  StatusOr<auth::UserRecord> user = accounts_.FindUser(principal.name);
  if (!user.ok()) {
    return Failed(user.status());
  }
  json body = UserJson(*user);
  body["kind"] = "user";
  body["expires_at"] = principal.expires_at_ms;
  return Reply(body);
}

HttpResponse ApiHandler::CreateUser(const HttpRequest& request) {
  StatusOr<json> body = ParseBody(request);
  if (!body.ok()) {
    return Failed(body.status());
  }
  auth::NewUser user;
  StatusOr<std::string> login = RequiredString(*body, "login");
  StatusOr<std::string> password = RequiredString(*body, "password");
  StatusOr<std::optional<auth::Role>> role = RoleField(*body);
  StatusOr<std::optional<auth::Scope>> scope = ScopeField(*body);
  StatusOr<std::optional<std::string>> name = StringField(*body, "name");
  StatusOr<std::optional<std::string>> badge = StringField(*body, "badge");
  for (const Status& status : {login.status(), password.status(), role.status(), scope.status(),
                               name.status(), badge.status()}) {
    if (!status.ok()) {
      return Failed(status);
    }
  }
  if (!role->has_value()) {
    return Failed(Error(StatusCode::kInvalidArgument, "missing_field", "\"role\" is required"));
  }
  user.login = *login;
  user.password = *password;
  user.role = **role;
  user.scope = scope->value_or(auth::Scope{site_code_});
  user.display_name = name->value_or("");
  user.badge = badge->value_or("");
  StatusOr<auth::UserRecord> added = accounts_.AddUser(user);
  return added.ok() ? Reply(UserJson(*added), 201) : Failed(added.status());
}

HttpResponse ApiHandler::UpdateUser(const std::string& login, const HttpRequest& request) {
  StatusOr<json> body = ParseBody(request);
  StatusOr<auth::UserChange> change = body.ok() ? ParseChange(*body) : body.status();
  if (!change.ok()) {
    return Failed(change.status());
  }
  StatusOr<auth::UserRecord> updated = accounts_.UpdateUser(login, *change);
  return updated.ok() ? Reply(UserJson(*updated)) : Failed(updated.status());
}

// Badge sign-in and sign-out also open and close the worker's labor session (docs/LABOR.md),
// through the recorder's queue so that they are applied after the device's scans already
// committed; the labor day is the UTC day of now_ms_(). The account store stays the truth
// of who is signed in: the labor stream is statistics, and its failure never refuses a
// sign-in (the recorder logs and counts it).
HttpResponse ApiHandler::DeviceSession(const HttpRequest& request, const auth::Principal& device) {
  if (request.method == "DELETE") {
    Status ended = accounts_.EndDeviceSession(device.id);
    if (!ended.ok()) {
      return Failed(ended);
    }
    if (labor_recorder_ != nullptr) {
      labor_recorder_->SignOut(device.name, now_ms_());
    }
    return Reply({{"signed_in", false}});
  }
  StatusOr<json> body = ParseBody(request);
  StatusOr<std::string> badge = body.ok() ? RequiredString(*body, "badge") : body.status();
  StatusOr<auth::DeviceSession> session =
      badge.ok() ? accounts_.StartDeviceSession(device.id, *badge) : badge.status();
  if (!session.ok()) {
    return Failed(session.status());
  }
  // TRN-01: the device learns at once whether the worker must read and acknowledge the
  // notice before scanning (privacy_routes.cc); nothing is collected about them before that,
  // so the labor session starts at the acknowledgement then.
  StatusOr<json> notice = NoticeStatus(session->user_id);
  if (!notice.ok()) {
    return Failed(notice.status());
  }
  if (labor_recorder_ != nullptr && NoticeAllowsCollection(*notice)) {
    labor_recorder_->SignIn(device.name, session->user_id, now_ms_());
  }
  return Reply({{"signed_in", true}, {"since", session->since_ms}, {"notice", *std::move(notice)}});
}

}  // namespace entrepot::api
