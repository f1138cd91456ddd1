// File: access.h
//
// Who may do what: the roles of a user account, the permissions a route requires, the
// authenticated principal (a user with a role and a site scope, or a registered device), and
// Authorize(), the one least-privilege table that decides. Pure logic, no I/O, no clock.
//
// Role -> permission table (also in docs/API.md, per route):
//   kPublic         anyone, even unauthenticated (/healthz, /api/v1/login).
//   kSelf           any authenticated principal (/api/v1/me, /api/v1/logout).
//   kScan           devices only (scans are made by handhelds, never by a person's login).
//   kDeviceSession  devices only (badge sign-in and sign-out on the device).
//   kReadStock      admin, site_manager, supervisor, worker, and devices.
//   kReadMetrics    admin, site_manager.
//   kReadEvents     admin, site_manager, supervisor: the site-wide operational record (the
//                   live feed /api/v1/events, unit history, flow per zone and process), for
//                   those who run the floor; not workers, not devices.
//   kManageUsers    admin.
//   kManageDevices  admin.
//   kManageMasterData  admin: create and change zones, locations, products, containers.
//   kCaptureEpcis   admin, site_manager: POST /epcis/capture (partners' EPCIS documents, which
//                   become part of the site's record) and the capture jobs.
//   kQueryEpcis     admin, site_manager, supervisor: GET /epcis/events, the site's and its
//                   partners' EPCIS events (what happened to goods: no worker, no device).
//   kManageOrders   admin, site_manager, supervisor: place, amend and cancel orders, release
//                   work, define carriers' doors (those who run the outbound flow).
//   kReadOrders     admin, site_manager, supervisor: orders and their status, cut-off status.
//   kTakeTask       devices (a handheld asks for its next batch; only for itself), and
//                   supervisors (to check the work a device would get).
//   kReadPrivacyPolicy   admin, site_manager, dpo: the active privacy policy and its check
//                   report (no personal data; those who answer for the site and its DPO).
//   kReadPrivacyRecords  admin, dpo: the record of processing (GDPR Art. 30) and the
//                   retention runs (system records: what was rolled up, expired, pruned).
//   kReadAuditLog   dpo: the personal-data audit log itself (RET-03: it names who read whose
//                   data; its reader is the DPO, and each reading is itself audited).
// hr and dpo have no operational permission. A user is also refused when the site is not in
// the user's scope.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "entrepot/base/status.h"

namespace entrepot::auth {

enum class Role { kAdmin, kSiteManager, kSupervisor, kHr, kDpo, kWorker };

// "admin", "site_manager", "supervisor", "hr", "dpo", "worker".
std::string_view RoleName(Role role);
// The inverse of RoleName. Returns kInvalidArgument "bad_role" for any other text.
StatusOr<Role> ParseRole(std::string_view name);

enum class Permission {
  kPublic,
  kSelf,
  kScan,
  kDeviceSession,
  kReadStock,
  kReadMetrics,
  kReadEvents,
  kManageUsers,
  kManageDevices,
  kManageMasterData,
  kCaptureEpcis,
  kQueryEpcis,
  kManageOrders,
  kReadOrders,
  kTakeTask,
  kReadPrivacyPolicy,
  kReadPrivacyRecords,
  kReadAuditLog,
};

// A user's site scope: site codes, or the single entry "*" for every site.
using Scope = std::vector<std::string>;
// True when `scope` contains `site_code` or "*".
bool ScopeCovers(const Scope& scope, std::string_view site_code);
// Checks a scope given by an administrator: non-empty, each entry "*" or a site code of
// 1..32 characters [A-Za-z0-9_-], "*" alone. Returns kInvalidArgument "bad_scope".
Status ValidateScope(const Scope& scope);

struct Principal {
  enum class Kind { kUser, kDevice };
  Kind kind = Kind::kUser;
  int64_t id = 0;             // users.id or devices.id in the account store.
  std::string name;           // The user's login or the device's name (e.g. "HH-07").
  Role role = Role::kWorker;  // Users only.
  Scope scope;                // Users only.
  int64_t expires_at_ms = 0;  // A user session's expiry; 0 for devices (no expiry).
};

// OK when `principal` holds `permission` on `site_code`. Otherwise kPermissionDenied
// "forbidden" with a message naming the roles (or "a device") the permission needs, or that
// the site is outside the user's scope. Devices belong to the site whose store registered
// them, so scope does not apply to them.
Status Authorize(const Principal& principal, Permission permission, std::string_view site_code);

// "admin or site_manager", "a registered device", ...: who holds `permission` (messages, docs).
std::string WhoMay(Permission permission);

}  // namespace entrepot::auth
