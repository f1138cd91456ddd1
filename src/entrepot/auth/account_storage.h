// File: account_storage.h
//
// AccountStorage: where an AccountStore (account_store.h) keeps its rows. What the accounts
// mean (validation, password hashing, the login-attempt limit, the in-memory caches of live
// device tokens and device sessions, who may sign in where) is AccountStore's and the same
// for every backend; a backend only stores and reads rows:
//  - SQLite: DIR/accounts.db (OpenSqliteAccountStorage, sqlite_account_storage.cc);
//  - PostgreSQL: the site's rows of the entrepot_account_* tables (postgres_account_store.h),
//    so that the nodes that fail over for a site share one set of accounts.
// For backends only: callers use AccountStore.
//
// Not thread-safe: AccountStore calls every method under its mutex. Errors use the reasons
// of account_store.h ("accounts_unavailable", "login_taken", ...); the shared helpers below
// word them the same for every backend.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "entrepot/auth/access.h"
#include "entrepot/auth/account_store.h"
#include "entrepot/base/status.h"

namespace entrepot::auth {

// The rows of each table as stored, for the copy of a whole store (AccountStore::CopyInto):
// hashes, not secrets; role and scope as their text; optional columns as nullopt.
struct UserRow {
  int64_t id = 0;  // Ignored by InsertUser (the store numbers users).
  std::string login;
  std::string display_name;
  std::string role;   // RoleName().
  std::string scope;  // JoinScope().
  std::string password_hash;
  std::optional<std::string> badge_hash;
  int64_t created_at_ms = 0;
  std::optional<int64_t> disabled_at_ms;
};
struct SessionRow {
  std::string token_hash;
  int64_t user_id = 0;
  int64_t created_at_ms = 0;
  int64_t expires_at_ms = 0;
  std::optional<int64_t> revoked_at_ms;
};
struct DeviceRow {
  int64_t id = 0;
  std::string name;
  std::string token_hash;
  std::optional<int64_t> registered_by;
  int64_t created_at_ms = 0;
  std::optional<int64_t> revoked_at_ms;
};
// A device session as stored: the device and the sealed blob of who and since when
// (session_keys.h); never the user id or the time in clear (RET-01).
struct SealedDeviceSession {
  int64_t device_id = 0;
  std::string sealed;
};
struct AccountRows {
  std::vector<UserRow> users;
  std::vector<SessionRow> sessions;
  std::vector<DeviceRow> devices;
  std::vector<SealedDeviceSession> device_sessions;  // Copied sealed, as they are.
  std::vector<NoticeAcknowledgement> notice_acks;
};

// What Login needs of a user.
struct UserCredentials {
  int64_t id = 0;
  std::string password_hash;
  Role role = Role::kWorker;
  bool disabled = false;
};

// A session token's row joined with its user.
struct SessionOwner {
  Principal principal;  // A user principal, expires_at_ms set.
  bool revoked = false;
  bool user_disabled = false;
};

// The user a badge belongs to.
struct BadgeHolder {
  int64_t user_id = 0;
  Scope scope;
  bool disabled = false;
};

// One UpdateUser, applied in one transaction: the fields set change; with end_sessions, the
// user's live sessions are revoked at now_ms; the device sessions of end_device_sessions are
// deleted (the store finds the user's by unsealing them: the rows cannot say whose they are).
struct UserUpdate {
  std::optional<std::string> display_name;
  std::optional<Role> role;
  std::optional<Scope> scope;
  std::optional<bool> disabled;
  std::optional<std::string> password_hash;
  std::optional<std::optional<std::string>> badge_hash;  // Inner nullopt removes the badge.
  bool end_sessions = false;
  std::vector<int64_t> end_device_sessions;  // Device ids.
  int64_t now_ms = 0;
};

class AccountStorage {
 public:
  virtual ~AccountStorage() = default;

  // Where the accounts are, for messages: a file path, or "postgresql://HOST/DB site CODE".
  virtual const std::string& location() const = 0;

  // Users. InsertUser returns the new id; kAlreadyExists "login_taken" or "badge_taken".
  virtual StatusOr<int64_t> InsertUser(const UserRow& user) = 0;
  virtual StatusOr<std::optional<UserRecord>> FindUser(const std::string& login) = 0;
  virtual StatusOr<std::vector<UserRecord>> ListUsers() = 0;  // By login.
  // kAlreadyExists "badge_taken"; nothing changes on an error.
  virtual Status UpdateUser(int64_t user_id, const UserUpdate& update) = 0;
  virtual StatusOr<std::optional<UserCredentials>> FindCredentials(const std::string& login) = 0;

  // Bearer sessions, by token hash.
  virtual Status InsertSession(const SessionRow& session) = 0;
  // Revokes a session neither revoked nor expired at now_ms; false when there is none.
  virtual StatusOr<bool> RevokeSession(const std::string& token_hash, int64_t now_ms) = 0;
  virtual StatusOr<std::optional<SessionOwner>> FindSession(const std::string& token_hash) = 0;

  // Devices. InsertDevice returns the new id; kAlreadyExists "device_name_taken".
  virtual StatusOr<int64_t> InsertDevice(const DeviceRow& device) = 0;
  // A device principal for a token hash not revoked.
  virtual StatusOr<std::optional<Principal>> FindLiveDevice(const std::string& token_hash) = 0;
  // Revokes a live device and deletes its device session; false when no live device has id.
  virtual StatusOr<bool> RevokeDevice(int64_t device_id, int64_t now_ms) = 0;

  // Device sessions, sealed (the store seals and unseals them).
  virtual StatusOr<std::optional<BadgeHolder>> FindBadge(const std::string& badge_hash) = 0;
  virtual Status PutDeviceSession(const SealedDeviceSession& session) = 0;  // Replaces.
  virtual Status DeleteDeviceSession(int64_t device_id) = 0;
  virtual StatusOr<std::optional<SealedDeviceSession>> FindDeviceSession(int64_t device_id) = 0;
  virtual StatusOr<std::vector<SealedDeviceSession>> ListDeviceSessions() = 0;  // By device.
  // In one transaction: the sealed blob of each row of `resealed` replaces that of its device
  // (a device whose session is gone meanwhile stays without one), and the sessions of the
  // devices `deleted` are deleted. A key rotation, or the sessions no key opens any more.
  virtual Status RewriteDeviceSessions(const std::vector<SealedDeviceSession>& resealed,
                                       const std::vector<int64_t>& deleted) = 0;

  // Notice acknowledgements. AddAcknowledgement keeps an existing one and returns the stored
  // time; nullopt when no user has user_id.
  virtual StatusOr<std::optional<int64_t>> AddAcknowledgement(
      const NoticeAcknowledgement& acknowledgement) = 0;
  virtual StatusOr<std::optional<int64_t>> FindAcknowledgement(int64_t user_id,
                                                               const std::string& version) = 0;
  // The versions `user_id` acknowledged, newest first, at most `limit`.
  virtual StatusOr<std::vector<std::string>> Acknowledgements(int64_t user_id, size_t limit) = 0;

  // The whole store, in one read (entrepot migrate).
  virtual StatusOr<AccountRows> ReadAll() = 0;
  // Writes `rows` in one transaction, keeping their ids; refuses a store that holds a user or
  // a device (kFailedPrecondition "accounts_not_empty") and writes nothing then.
  virtual Status WriteAll(const AccountRows& rows) = 0;
};

// DIR/accounts.db at `path` (created with options.create_if_missing, mode 0600), its schema
// brought to kAccountSchemaVersion and its site code checked against options.site_code.
// Errors as AccountStore::Open.
StatusOr<std::unique_ptr<AccountStorage>> OpenSqliteAccountStorage(
    const std::string& path, const AccountStoreOptions& options);

// The shared wording of the reasons.
Status AccountsUnavailable(const std::string& location, const std::string& what,
                           const std::string& detail);
Status LoginTaken(const std::string& login);
Status BadgeTaken();
Status DeviceNameTaken(const std::string& name);
Status AccountsNotEmpty(const std::string& location);

// A scope as stored ("A,B") and back.
std::string JoinScope(const Scope& scope);
Scope SplitScope(const std::string& text);
// A role as stored; the store writes only valid names, so an unknown one reads as worker.
Role StoredRole(const std::string& text);

}  // namespace entrepot::auth
