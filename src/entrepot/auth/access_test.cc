// The role -> permission table and scope checks.
#include "entrepot/auth/access.h"

#include <algorithm>

#include "gtest/gtest.h"

namespace entrepot::auth {
namespace {

Principal User(Role role, Scope scope = {"*"}) {
  return Principal{Principal::Kind::kUser, 1, "u", role, std::move(scope), 0};
}

Principal Device() { return Principal{Principal::Kind::kDevice, 7, "HH-07", Role::kWorker, {}, 0}; }

bool Allowed(const Principal& principal, Permission permission) {
  return Authorize(principal, permission, "FR-LYS1").ok();
}

TEST(AccessTest, EachPermissionHoldsExactlyItsRoles) {
  const Role kRoles[] = {Role::kAdmin, Role::kSiteManager, Role::kSupervisor,
                         Role::kHr,    Role::kDpo,         Role::kWorker};
  struct Row {
    Permission permission;
    bool device;
    std::vector<Role> roles;
  };
  const Row kTable[] = {
      {Permission::kPublic, true, {kRoles, kRoles + 6}},
      {Permission::kSelf, true, {kRoles, kRoles + 6}},
      {Permission::kScan, true, {}},
      {Permission::kDeviceSession, true, {}},
      {Permission::kReadStock,
       true,
       {Role::kAdmin, Role::kSiteManager, Role::kSupervisor, Role::kWorker}},
      {Permission::kReadMetrics, false, {Role::kAdmin, Role::kSiteManager}},
      {Permission::kReadEvents, false, {Role::kAdmin, Role::kSiteManager, Role::kSupervisor}},
      {Permission::kManageUsers, false, {Role::kAdmin}},
      {Permission::kManageDevices, false, {Role::kAdmin}},
      {Permission::kManageMasterData, false, {Role::kAdmin}},
      {Permission::kCaptureEpcis, false, {Role::kAdmin, Role::kSiteManager}},
      {Permission::kQueryEpcis, false, {Role::kAdmin, Role::kSiteManager, Role::kSupervisor}},
      {Permission::kManageOrders, false, {Role::kAdmin, Role::kSiteManager, Role::kSupervisor}},
      {Permission::kReadOrders, false, {Role::kAdmin, Role::kSiteManager, Role::kSupervisor}},
      {Permission::kTakeTask, true, {Role::kSupervisor}},
      {Permission::kReadPrivacyPolicy, false, {Role::kAdmin, Role::kSiteManager, Role::kDpo}},
      {Permission::kReadPrivacyRecords, false, {Role::kAdmin, Role::kDpo}},
      {Permission::kReadAuditLog, false, {Role::kDpo}},
  };
  for (const Row& row : kTable) {
    EXPECT_EQ(Allowed(Device(), row.permission), row.device) << WhoMay(row.permission);
    for (Role role : kRoles) {
      bool expected = std::find(row.roles.begin(), row.roles.end(), role) != row.roles.end();
      EXPECT_EQ(Allowed(User(role), row.permission), expected)
          << RoleName(role) << " / " << WhoMay(row.permission);
    }
  }
}

TEST(AccessTest, RefusalIsForbiddenAndNamesTheRolesNeeded) {
  Status refused = Authorize(User(Role::kWorker), Permission::kManageUsers, "FR-LYS1");
  EXPECT_EQ(refused.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(refused.reason(), "forbidden");
  EXPECT_NE(refused.message().find("admin"), std::string::npos) << refused.message();
  EXPECT_NE(refused.message().find("worker"), std::string::npos) << refused.message();
  Status admin_scan = Authorize(User(Role::kAdmin), Permission::kScan, "FR-LYS1");
  EXPECT_EQ(admin_scan.reason(), "forbidden");
  EXPECT_NE(admin_scan.message().find("device"), std::string::npos);
}

TEST(AccessTest, TheEventFeedIsForSupervisorsAndAbove) {
  EXPECT_EQ(WhoMay(Permission::kReadEvents), "admin or site_manager or supervisor");
  Status device = Authorize(Device(), Permission::kReadEvents, "FR-LYS1");
  EXPECT_EQ(device.reason(), "forbidden");
  EXPECT_NE(device.message().find("devices cannot"), std::string::npos) << device.message();
  Status other_site =
      Authorize(User(Role::kSupervisor, {"PL-WRO1"}), Permission::kReadEvents, "FR-LYS1");
  EXPECT_EQ(other_site.reason(), "forbidden");
  EXPECT_NE(other_site.message().find("scope"), std::string::npos);
}

// RET-03: the audit log says who read whose data; only the DPO reads it, in scope.
TEST(AccessTest, OnlyTheDpoReadsTheAuditLog) {
  EXPECT_EQ(WhoMay(Permission::kReadAuditLog), "dpo");
  EXPECT_EQ(Authorize(User(Role::kAdmin), Permission::kReadAuditLog, "FR-LYS1").reason(),
            "forbidden");
  Status other_site =
      Authorize(User(Role::kDpo, {"PL-WRO1"}), Permission::kReadAuditLog, "FR-LYS1");
  EXPECT_EQ(other_site.reason(), "forbidden");
  EXPECT_NE(other_site.message().find("scope"), std::string::npos);
}

TEST(AccessTest, EpcisIsNeverForWorkersNorDevices) {
  for (Permission permission : {Permission::kCaptureEpcis, Permission::kQueryEpcis}) {
    EXPECT_EQ(Authorize(User(Role::kWorker), permission, "FR-LYS1").reason(), "forbidden");
    EXPECT_EQ(Authorize(Device(), permission, "FR-LYS1").reason(), "forbidden");
    EXPECT_EQ(Authorize(User(Role::kSiteManager, {"PL-WRO1"}), permission, "FR-LYS1").reason(),
              "forbidden");
  }
  EXPECT_EQ(WhoMay(Permission::kCaptureEpcis), "admin or site_manager");
  EXPECT_TRUE(Allowed(User(Role::kSupervisor), Permission::kQueryEpcis));
  EXPECT_FALSE(Allowed(User(Role::kSupervisor), Permission::kCaptureEpcis));
}

TEST(AccessTest, OrdersAreRunBySupervisorsAndUpAndTasksGoToDevices) {
  EXPECT_EQ(WhoMay(Permission::kManageOrders), "admin or site_manager or supervisor");
  EXPECT_EQ(WhoMay(Permission::kTakeTask), "supervisor or a registered device");
  EXPECT_FALSE(Allowed(User(Role::kWorker), Permission::kReadOrders));
  EXPECT_FALSE(Allowed(User(Role::kHr), Permission::kReadOrders));
  EXPECT_FALSE(Allowed(Device(), Permission::kManageOrders));
  EXPECT_FALSE(Allowed(User(Role::kSupervisor, {"PL-WRO1"}), Permission::kManageOrders));
}

TEST(AccessTest, ScopeLimitsUsersToTheirSites) {
  EXPECT_TRUE(Allowed(User(Role::kSiteManager, {"FR-LYS1", "PL-WRO1"}), Permission::kReadStock));
  Status other =
      Authorize(User(Role::kSiteManager, {"PL-WRO1"}), Permission::kReadStock, "FR-LYS1");
  EXPECT_EQ(other.reason(), "forbidden");
  EXPECT_NE(other.message().find("scope"), std::string::npos);
  // Outside their scope they can still see who they are.
  EXPECT_TRUE(Authorize(User(Role::kWorker, {"PL-WRO1"}), Permission::kSelf, "FR-LYS1").ok());
}

TEST(AccessTest, RolesAndScopesParse) {
  for (const char* name : {"admin", "site_manager", "supervisor", "hr", "dpo", "worker"}) {
    StatusOr<Role> role = ParseRole(name);
    ASSERT_TRUE(role.ok()) << name;
    EXPECT_EQ(RoleName(*role), name);
  }
  EXPECT_EQ(ParseRole("root").status().reason(), "bad_role");
  EXPECT_TRUE(ValidateScope({"*"}).ok());
  EXPECT_TRUE(ValidateScope({"FR-LYS1", "PL_WRO1"}).ok());
  EXPECT_EQ(ValidateScope({}).reason(), "bad_scope");
  EXPECT_EQ(ValidateScope({"*", "FR-LYS1"}).reason(), "bad_scope");
  EXPECT_EQ(ValidateScope({"FR,LYS"}).reason(), "bad_scope");
  EXPECT_EQ(ValidateScope({""}).reason(), "bad_scope");
}

}  // namespace
}  // namespace entrepot::auth
