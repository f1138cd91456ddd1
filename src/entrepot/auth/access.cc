#include "entrepot/auth/access.h"

#include <array>
#include <utility>

namespace entrepot::auth {
namespace {

constexpr std::array<std::pair<Role, std::string_view>, 6> kRoleNames = {{
    {Role::kAdmin, "admin"},
    {Role::kSiteManager, "site_manager"},
    {Role::kSupervisor, "supervisor"},
    {Role::kHr, "hr"},
    {Role::kDpo, "dpo"},
    {Role::kWorker, "worker"},
}};

// Which principals hold a permission. The table is the whole policy: nothing else grants.
struct Grant {
  bool devices = false;
  bool any_user = false;
  std::vector<Role> roles;
};

Grant GrantOf(Permission permission) {
  switch (permission) {
    case Permission::kPublic:
    case Permission::kSelf:
      return {true, true, {}};
    case Permission::kScan:
    case Permission::kDeviceSession:
      return {true, false, {}};
    case Permission::kReadStock:
      return {true, false, {Role::kAdmin, Role::kSiteManager, Role::kSupervisor, Role::kWorker}};
    case Permission::kReadMetrics:
      return {false, false, {Role::kAdmin, Role::kSiteManager}};
    case Permission::kReadEvents:
      // The feed is site-wide operational flow for dashboards: the roles that manage the
      // flow read it; a worker's handheld and login see stock, not the whole site's stream.
      return {false, false, {Role::kAdmin, Role::kSiteManager, Role::kSupervisor}};
    case Permission::kManageUsers:
    case Permission::kManageDevices:
    case Permission::kManageMasterData:
      return {false, false, {Role::kAdmin}};
    case Permission::kCaptureEpcis:
      // Captured events enter the site's record for good: those who answer for the site.
      return {false, false, {Role::kAdmin, Role::kSiteManager}};
    case Permission::kQueryEpcis:
      // The goods' record (no worker in it), as the event feed: those who run the floor.
      return {false, false, {Role::kAdmin, Role::kSiteManager, Role::kSupervisor}};
    case Permission::kManageOrders:
    case Permission::kReadOrders:
      // Orders are the outbound flow's plan: those who run the floor; they name customers'
      // orders, never workers.
      return {false, false, {Role::kAdmin, Role::kSiteManager, Role::kSupervisor}};
    case Permission::kTakeTask:
      // Work is handed to handhelds; a supervisor may ask on a device's behalf to check it.
      return {true, false, {Role::kSupervisor}};
    case Permission::kReadPrivacyPolicy:
      // The policy names no person: those who answer for the site, and the DPO who checks it.
      return {false, false, {Role::kAdmin, Role::kSiteManager, Role::kDpo}};
    case Permission::kReadPrivacyRecords:
      // The register and the retention runs (system records, no person): the DPO, and the
      // administrator who runs the server and its jobs.
      return {false, false, {Role::kAdmin, Role::kDpo}};
    case Permission::kReadAuditLog:
      // RET-03: the log says who read whose data; only the DPO reads it (never for
      // performance monitoring), and each reading is audited in turn.
      return {false, false, {Role::kDpo}};
  }
  return {};
}

bool IsSiteCodeChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

}  // namespace

std::string_view RoleName(Role role) {
  for (const auto& [value, name] : kRoleNames) {
    if (value == role) {
      return name;
    }
  }
  return "unknown";
}

StatusOr<Role> ParseRole(std::string_view name) {
  for (const auto& [value, role_name] : kRoleNames) {
    if (role_name == name) {
      return value;
    }
  }
  return Error(StatusCode::kInvalidArgument, "bad_role",
               "unknown role '" + std::string(name) +
                   "' (admin, site_manager, supervisor, hr, dpo or worker)");
}

bool ScopeCovers(const Scope& scope, std::string_view site_code) {
  for (const std::string& entry : scope) {
    if (entry == "*" || entry == site_code) {
      return true;
    }
  }
  return false;
}

Status ValidateScope(const Scope& scope) {
  auto bad = [](const std::string& why) {
    return Error(StatusCode::kInvalidArgument, "bad_scope", why);
  };
  if (scope.empty()) {
    return bad("a scope lists site codes, or is [\"*\"] for every site");
  }
  for (const std::string& entry : scope) {
    if (entry == "*") {
      if (scope.size() != 1) {
        return bad("\"*\" already covers every site; give it alone");
      }
      continue;
    }
    bool valid = !entry.empty() && entry.size() <= 32;
    for (char c : entry) {
      valid = valid && IsSiteCodeChar(c);
    }
    if (!valid) {
      return bad("'" + entry + "' is not a site code (1..32 letters, digits, '-' or '_')");
    }
  }
  return OkStatus();
}

std::string WhoMay(Permission permission) {
  Grant grant = GrantOf(permission);
  if (grant.any_user) {
    return "any signed-in user or device";
  }
  std::string who;
  for (Role role : grant.roles) {
    who += (who.empty() ? "" : " or ") + std::string(RoleName(role));
  }
  if (grant.devices) {
    who += who.empty() ? "a registered device" : " or a registered device";
  }
  return who;
}

Status Authorize(const Principal& principal, Permission permission, std::string_view site_code) {
  Grant grant = GrantOf(permission);
  auto denied = [&] {
    return Error(StatusCode::kPermissionDenied, "forbidden",
                 "this needs " + WhoMay(permission) +
                     (principal.kind == Principal::Kind::kDevice
                          ? "; devices cannot"
                          : "; role " + std::string(RoleName(principal.role)) + " cannot"));
  };
  if (principal.kind == Principal::Kind::kDevice) {
    return grant.devices ? OkStatus() : denied();
  }
  bool role_allowed = grant.any_user;
  for (Role role : grant.roles) {
    role_allowed = role_allowed || role == principal.role;
  }
  if (!role_allowed) {
    return denied();
  }
  if (permission != Permission::kPublic && permission != Permission::kSelf &&
      !ScopeCovers(principal.scope, site_code)) {
    return Error(StatusCode::kPermissionDenied, "forbidden",
                 "site " + std::string(site_code) + " is outside your scope");
  }
  return OkStatus();
}

}  // namespace entrepot::auth
