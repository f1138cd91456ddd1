// File: account_store.h
//
// AccountStore keeps the site's accounts: users (login, display name, role, site scope,
// Argon2id password hash, optional badge hash, created, disabled), bearer sessions (token
// hash, expiry, revoked), devices (name, token hash, registered by, revoked) and device
// sessions (which worker is signed in on which device, since when: persisted only sealed
// under the labor day's sign-in key, see "Device sessions" below) and the acknowledgements
// of the privacy notice (which user acknowledged which version of the notice, when: TRN-01;
// never the device it was done on). It is deliberately not the operational journal: accounts
// are personal data, have their own retention, and nothing in them ever reaches an
// operational event (rule RET-01). Tokens and badge codes are stored only as hashes; a token
// is returned once.
//
// Two backends store the rows (account_storage.h), with the same behaviour:
//  - DIR/accounts.db, an SQLite file of the node (Open below), with secure_delete on. Schema
//    versions: 1 (users, sessions, devices, device sessions); 2 adds notice_acks; 3 seals
//    the device sessions. Opening an older file migrates it in place; from 1 or 2 its clear
//    device sessions are dropped (the workers badge again) and the file rebuilt (VACUUM);
//  - for a site whose journal is in PostgreSQL, the site's rows of the entrepot_account_*
//    tables there (OpenPostgresAccountStore, postgres_account_store.h), shared by every node
//    of the site, so that a token, a user or a device made on one node works on the others.
//
// The store keeps in memory the live device tokens it has seen, every live device session
// and the notice versions acknowledged by their workers, so that the scan path asks who is
// signed in on a device, and whether they acknowledged the notice, without a query
// (SignedInWorker). This memory follows this process's writes, and is loaded whole at Open;
// a write made by another process (a command line, or another node of a PostgreSQL site) is
// seen by the queries at once (a user, a session, a new device token) but by the memory only
// at the next Open: a device revoked or a device session changed elsewhere stays as this
// process last saw it. That suits failover: only the active node of a site serves (and so
// writes device sessions and revocations), and a node that takes a site over opens its store
// then, loading what the former active node left.
//
// Device sessions (RET-01). The journal records the device and the time of every scan, and
// the labor stream links a device session to a worker only under a day pseudonym whose key
// is destroyed at the end of the labor day. A device session row in clear (device, user,
// since) would join the two for ever, from any old copy of the row. So the row holds the
// device id and a blob sealed under the current labor day's sign-in key (session_keys.h,
// options.session_keys); RotateSessionKey, run by the server's end-of-day job and at start,
// re-seals the live sessions under the new day's key and destroys the older keys. A session
// whose key is gone when the store loads them (a node-local key directory after a failover,
// a key removed by hand) is deleted and counted (device_sessions_dropped): its worker badges
// again. Without options.session_keys (the command line's `user add`, `device add`,
// `migrate`) the store loads no device session, and the calls that must seal or unseal one
// fail with kFailedPrecondition "no_session_keys"; CopyInto copies the sealed rows as they
// are.
//
// Time comes only from options.now_ms, so expiry and the login-attempt limit are testable
// (the limit is per process: each node counts its own failures).
// Thread safety: every method may be called from any thread (one connection behind a mutex;
// password hashing runs outside it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "entrepot/auth/access.h"
#include "entrepot/auth/secrets.h"
#include "entrepot/auth/session_keys.h"
#include "entrepot/base/status.h"

namespace entrepot::auth {

class AccountStorage;  // account_storage.h

inline constexpr int64_t kDefaultSessionTtlMs = int64_t{12} * 3600 * 1000;
inline constexpr int kDefaultLoginAttemptsPerMinute = 10;
inline constexpr int kAccountSchemaVersion = 3;  // Of DIR/accounts.db.
// The file of the SQLite backend in a site's DIR.
inline constexpr std::string_view kAccountsFileName = "accounts.db";
// Longest notice version accepted (AcknowledgeNotice).
inline constexpr size_t kMaxNoticeVersionBytes = 128;

struct AccountStoreOptions {
  std::function<int64_t()> now_ms;  // REQUIRED: Unix time in ms.
  HashCost hash_cost = HashCost::kInteractive;
  int64_t session_ttl_ms = kDefaultSessionTtlMs;
  // Failed logins per login name within a minute before further attempts get
  // "too_many_attempts" (until the oldest failure is a minute old).
  int login_attempts_per_minute = kDefaultLoginAttemptsPerMinute;
  // The site this data directory serves. When set, a store recorded for another site is
  // refused; an empty value neither checks nor records.
  std::string site_code;
  bool create_if_missing = true;
  // The sign-in keys that seal the device sessions (session_keys.h); must outlive the store.
  // Null: no device session can be started, read or loaded ("no_session_keys").
  SessionKeys* session_keys = nullptr;
};

// A user as returned to callers: never the password hash, never the badge.
struct UserRecord {
  int64_t id = 0;
  std::string login;
  std::string display_name;
  Role role = Role::kWorker;
  Scope scope;
  int64_t created_at_ms = 0;
  bool disabled = false;
  bool has_badge = false;
};

struct NewUser {
  std::string login;
  std::string display_name;  // Defaults to the login when empty.
  Role role = Role::kWorker;
  Scope scope = {"*"};
  std::string password;
  std::string badge;  // Optional badge code for sign-in on devices; empty: none.
};

// Fields an administrator changes; absent fields stay as they are.
struct UserChange {
  std::optional<std::string> display_name;
  std::optional<Role> role;
  std::optional<Scope> scope;
  std::optional<bool> disabled;
  std::optional<std::string> password;
  std::optional<std::string> badge;  // "" removes the badge.
};

struct LoginResult {
  std::string token;  // Shown once.
  int64_t expires_at_ms = 0;
  Role role = Role::kWorker;
};

struct NewDevice {
  int64_t id = 0;
  std::string name;
  std::string token;  // Shown once; device tokens do not expire but can be revoked.
};

struct DeviceSession {
  int64_t device_id = 0;
  int64_t user_id = 0;
  int64_t since_ms = 0;
};

// TRN-01: a user acknowledged this version of the notice to workers, on this day.
struct NoticeAcknowledgement {
  int64_t user_id = 0;
  std::string version;
  // The start (00:00 UTC) of the day of the acknowledgement, in Unix ms. The day proves
  // TRN-01; a time to the millisecond could be matched with the first scan a device made
  // after it, joining the worker to the device's scans (RET-01).
  int64_t acknowledged_at_ms = 0;
};

// How many rows of each table AccountStore::CopyInto copied.
struct AccountCopyReport {
  size_t users = 0;
  size_t sessions = 0;
  size_t devices = 0;
  size_t device_sessions = 0;
  size_t notice_acks = 0;
};

// What one RotateSessionKey did.
struct SessionKeyRotation {
  std::string key_name;                // The key every live session is now sealed under.
  size_t resealed = 0;                 // Sessions moved to it from an older key.
  size_t dropped = 0;                  // Sessions no key held opens any more: deleted.
  std::vector<std::string> destroyed;  // The older sign-in keys destroyed.
};

// The worker signed in on a device, as the store's memory holds it (SignedInWorker).
struct DeviceWorker {
  int64_t user_id = 0;
  int64_t since_ms = 0;
  bool acknowledged = false;  // They acknowledged the notice version asked about.
};

class AccountStore {
 public:
  // Opens (or, with create_if_missing, creates) the store at `path` and brings its schema to
  // kAccountSchemaVersion. Errors: kNotFound "accounts_not_found"; kUnavailable
  // "accounts_unavailable" (SQLite could not open or write it); kFailedPrecondition
  // "accounts_schema_too_new" or "site_mismatch" (the store belongs to another site).
  static StatusOr<std::unique_ptr<AccountStore>> Open(const std::string& path,
                                                      AccountStoreOptions options);
  // For backends (account_storage.h): the store kept by `storage`, its device sessions
  // loaded. Errors: the storage's. REQUIRES: storage != nullptr, options.now_ms set.
  static StatusOr<std::unique_ptr<AccountStore>> FromStorage(
      std::unique_ptr<AccountStorage> storage, AccountStoreOptions options);
  ~AccountStore();
  AccountStore(const AccountStore&) = delete;
  AccountStore& operator=(const AccountStore&) = delete;

  // Creates a user. Errors (kInvalidArgument unless stated): "bad_login" (1..64 characters
  // [A-Za-z0-9._@-]), "bad_name", "weak_password", "bad_scope", "bad_badge";
  // kAlreadyExists "login_taken" or "badge_taken".
  StatusOr<UserRecord> AddUser(const NewUser& user);
  // Every user, by login.
  StatusOr<std::vector<UserRecord>> ListUsers();
  // kNotFound "unknown_user" when no user has this login.
  StatusOr<UserRecord> FindUser(const std::string& login);
  // Applies `change`; disabling a user or changing the password revokes the user's sessions
  // and ends any device session. Errors as AddUser, and kNotFound "unknown_user".
  StatusOr<UserRecord> UpdateUser(const std::string& login, const UserChange& change);

  // Checks the password and opens a session of options.session_ttl_ms. Errors:
  // kUnauthenticated "bad_credentials" (unknown login, wrong password or disabled user: one
  // message for all, and the same work), kResourceExhausted "too_many_attempts".
  StatusOr<LoginResult> Login(const std::string& login, const std::string& password);
  // Revokes the session of `token` (a user token). kUnauthenticated "unauthenticated" when it
  // is not a live session.
  Status Logout(const std::string& token);
  // The principal `token` belongs to: a live user session of an enabled user, or a device
  // not revoked. kUnauthenticated "unauthenticated" otherwise (unknown, expired, revoked).
  StatusOr<Principal> Authenticate(const std::string& token);

  // Registers a device. `registered_by` is the admin's user id, 0 from the command line.
  // Errors: kInvalidArgument "bad_device_name" (1..64 characters [A-Za-z0-9._-]);
  // kAlreadyExists "device_name_taken" (a device not revoked has this name).
  StatusOr<NewDevice> AddDevice(const std::string& name, int64_t registered_by);
  // Revokes a device's token and ends its device session. kNotFound "unknown_device" (also
  // when already revoked).
  Status RevokeDevice(int64_t device_id);

  // Signs the badge's user in on the device, replacing any previous session there; the row
  // is sealed under the current sign-in key (written first when it is new). Errors:
  // kNotFound "unknown_badge"; kPermissionDenied "forbidden" (user disabled, or the site is
  // outside the user's scope); kFailedPrecondition "no_session_keys"; the keys' errors.
  StatusOr<DeviceSession> StartDeviceSession(int64_t device_id, const std::string& badge);
  // Ends the device's session, if any (idempotent; needs no key).
  Status EndDeviceSession(int64_t device_id);
  // The device's current session as stored (by this process or another), if any; nullopt
  // too when no key held opens it. Errors: kFailedPrecondition "no_session_keys" when there
  // is a row to open.
  StatusOr<std::optional<DeviceSession>> CurrentDeviceSession(int64_t device_id);

  // The end of the labor day (RET-01): writes the current sign-in key
  // (SessionKeys::CurrentName) when it is new, re-seals under it every stored session sealed
  // under an older key, in one transaction, deleting those no key held opens, then destroys
  // every other sign-in key. Once it returns, every copy of a former row, wherever it lies,
  // is ciphertext under a destroyed key. Cheap when nothing changed (the hourly runs).
  // Errors: kFailedPrecondition "no_session_keys"; the storage's and the keys' (a failure
  // before the commit leaves rows and keys as they were; after it, the older keys that could
  // not be destroyed are destroyed by the next rotation).
  StatusOr<SessionKeyRotation> RotateSessionKey();
  // The device sessions deleted when the store loaded them (at Open, or after CopyInto)
  // because no key held opens them any more.
  size_t device_sessions_dropped() const;

  // TRN-01: records that `user_id` acknowledged the notice `version` today (options.now_ms,
  // kept to the day: NoticeAcknowledgement), durably. Acknowledging a version again changes nothing
  // and returns the first acknowledgement. Errors: kInvalidArgument "bad_notice_version" (not 1..
  // kMaxNoticeVersionBytes of [A-Za-z0-9._:-]); kNotFound "unknown_user"; kUnavailable
  // "accounts_unavailable".
  StatusOr<NoticeAcknowledgement> AcknowledgeNotice(int64_t user_id, const std::string& version);
  // The acknowledgement of `version` by `user_id`, if any (reads the file). Errors:
  // kUnavailable "accounts_unavailable".
  StatusOr<std::optional<NoticeAcknowledgement>> FindNoticeAcknowledgement(
      int64_t user_id, const std::string& version);
  // From memory, without SQLite (the scan path): the worker signed in on `device_id` and
  // whether they acknowledged `notice_version`; nullopt when nobody is signed in there.
  std::optional<DeviceWorker> SignedInWorker(int64_t device_id, std::string_view notice_version);

  // Copies every row of every table of this store into `target`, keeping ids, hashes and
  // times (`entrepot migrate`), and the device sessions sealed as they are (their keys are
  // files: copied or shared apart), in one transaction of the target, which then reloads its
  // memory. Errors: kFailedPrecondition "accounts_not_empty" (the target holds a user or a
  // device: nothing is written), kUnavailable "accounts_unavailable". REQUIRES: target is
  // another store.
  StatusOr<AccountCopyReport> CopyInto(AccountStore& target);

  // Where the accounts are: the file's path, or "postgresql://USER@HOST/DB site CODE".
  const std::string& location() const;

  class Impl;

 private:
  explicit AccountStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace entrepot::auth
