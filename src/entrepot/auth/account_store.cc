#include "entrepot/auth/account_store.h"

#include <deque>
#include <map>
#include <mutex>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "entrepot/auth/account_storage.h"
#include "entrepot/base/status_macros.h"

namespace entrepot::auth {
namespace {

constexpr int64_t kMinuteMs = 60'000;
// Logins tracked for the attempt limit before stale entries are pruned.
constexpr size_t kMaxTrackedLogins = 4096;
// Notice versions of one user kept in memory (the newest); a site changes its policy a few
// times a year, so this is never reached in practice.
constexpr size_t kMaxCachedAcknowledgements = 1000;

bool AllCharsIn(const std::string& text, std::string_view extra) {
  for (char c : text) {
    bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && extra.find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

Status ValidateLogin(const std::string& login) {
  if (login.empty() || login.size() > 64 || !AllCharsIn(login, "._@-")) {
    return Error(StatusCode::kInvalidArgument, "bad_login",
                 "a login has 1..64 letters, digits, '.', '_', '@' or '-'");
  }
  return OkStatus();
}

Status ValidateName(const std::string& name) {
  if (name.size() > 128) {
    return Error(StatusCode::kInvalidArgument, "bad_name", "a display name has at most 128 bytes");
  }
  return OkStatus();
}

Status ValidateNoticeVersion(const std::string& version) {
  if (version.empty() || version.size() > kMaxNoticeVersionBytes || !AllCharsIn(version, "._:-")) {
    return Error(StatusCode::kInvalidArgument, "bad_notice_version",
                 "a notice version has 1.." + std::to_string(kMaxNoticeVersionBytes) +
                     " letters, digits, '.', '_', ':' or '-' (send the version the notice "
                     "route gave)");
  }
  return OkStatus();
}

Status ValidateBadge(const std::string& badge) {
  if (badge.size() > 128) {
    return Error(StatusCode::kInvalidArgument, "bad_badge", "a badge code has at most 128 bytes");
  }
  return OkStatus();
}

Status Unauthenticated(const std::string& why) {
  return Error(StatusCode::kUnauthenticated, "unauthenticated", why);
}

Status BadCredentials() {
  return Error(StatusCode::kUnauthenticated, "bad_credentials", "wrong login or password");
}

Status NoSessionKeys() {
  return Error(StatusCode::kFailedPrecondition, "no_session_keys",
               "this account store was opened without the sign-in keys (the labor key "
               "directory) that seal device sessions: only `entrepot serve` handles them");
}

// A stored session opened, and the key that opened it.
struct OpenedSession {
  std::string key_name;
  DeviceSession session;
};

}  // namespace

Status AccountsUnavailable(const std::string& location, const std::string& what,
                           const std::string& detail) {
  return Error(StatusCode::kUnavailable, "accounts_unavailable",
               "accounts store " + location + ": cannot " + what + ": " + detail);
}

Status LoginTaken(const std::string& login) {
  return Error(StatusCode::kAlreadyExists, "login_taken",
               "a user already has login '" + login + "'");
}

Status BadgeTaken() {
  return Error(StatusCode::kAlreadyExists, "badge_taken", "another user already has this badge");
}

Status DeviceNameTaken(const std::string& name) {
  return Error(StatusCode::kAlreadyExists, "device_name_taken",
               "a device named '" + name + "' is registered; revoke it first");
}

Status AccountsNotEmpty(const std::string& location) {
  return Error(StatusCode::kFailedPrecondition, "accounts_not_empty",
               location + " already holds users or devices: refusing to mix two account stores");
}

std::string JoinScope(const Scope& scope) {
  std::string out;
  for (const std::string& entry : scope) {
    out += (out.empty() ? "" : ",") + entry;
  }
  return out;
}

Scope SplitScope(const std::string& text) {
  Scope scope;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) {
      end = text.size();
    }
    scope.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return scope;
}

Role StoredRole(const std::string& text) {
  StatusOr<Role> role = ParseRole(text);
  return role.ok() ? *role : Role::kWorker;
}

class AccountStore::Impl {
 public:
  Impl(std::unique_ptr<AccountStorage> storage, AccountStoreOptions options)
      : options_(std::move(options)), storage_(std::move(storage)) {}

  Status LoadDeviceSessionsLocked();
  Status LoadAcknowledgementsLocked(int64_t user_id);
  // Sign-in keys (session_keys.h). REQUIRES for each: options_.session_keys set.
  Status RefreshKeysLocked();
  StatusOr<std::string> CurrentKeyLocked();  // Its name; the key is then in keys_.
  StatusOr<std::optional<OpenedSession>> UnsealLocked(const SealedDeviceSession& row);
  // The device ids of the stored sessions of `user_id` (any key held).
  StatusOr<std::vector<int64_t>> DeviceSessionsOfLocked(int64_t user_id);
  StatusOr<UserRecord> FindUserLocked(const std::string& login);
  bool TooManyAttemptsLocked(const std::string& login, int64_t now);
  void CountFailureLocked(const std::string& login, int64_t now);
  const std::string& DummyHash();

  AccountStoreOptions options_;
  std::mutex mutex_;
  const std::unique_ptr<AccountStorage> storage_;  // Guarded by mutex_.
  // Failed login times per login, oldest first. Guarded by mutex_.
  std::map<std::string, std::deque<int64_t>> failures_;
  // Live device tokens by hash, filled as they are first seen: the scan path authenticates
  // without a query. Guarded by mutex_.
  std::unordered_map<std::string, Principal> devices_;
  // Live device sessions by device id, as stored. Guarded by mutex_.
  std::unordered_map<int64_t, DeviceSession> device_sessions_;
  // The notice versions each user acknowledged, for the users signed in on a device since
  // Open (loaded at sign-in): the scan path's TRN-01 check reads no storage. Guarded.
  std::unordered_map<int64_t, std::unordered_set<std::string>> acknowledged_;
  // The sign-in keys loaded, by name (names sort by day). Guarded by mutex_.
  std::map<std::string, SessionKey> keys_;
  size_t dropped_ = 0;  // device_sessions_dropped(). Guarded by mutex_.
  std::once_flag dummy_once_;
  std::string dummy_hash_;
};

Status AccountStore::Impl::LoadDeviceSessionsLocked() {
  device_sessions_.clear();
  acknowledged_.clear();
  if (options_.session_keys == nullptr) {
    return OkStatus();  // Nothing can be unsealed; nothing is deleted either.
  }
  ENTREPOT_ASSIGN_OR_RETURN(std::vector<SealedDeviceSession> rows, storage_->ListDeviceSessions());
  std::vector<int64_t> unopened;
  for (const SealedDeviceSession& row : rows) {
    ENTREPOT_ASSIGN_OR_RETURN(std::optional<OpenedSession> opened, UnsealLocked(row));
    if (!opened) {
      unopened.push_back(row.device_id);
      continue;
    }
    device_sessions_[row.device_id] = opened->session;
    ENTREPOT_RETURN_IF_ERROR(LoadAcknowledgementsLocked(opened->session.user_id));
  }
  if (!unopened.empty()) {
    // Their key is gone: nobody can tell whose they are, this store included.
    ENTREPOT_RETURN_IF_ERROR(storage_->RewriteDeviceSessions({}, unopened));
    dropped_ += unopened.size();
  }
  return OkStatus();
}

Status AccountStore::Impl::RefreshKeysLocked() {
  ENTREPOT_ASSIGN_OR_RETURN(std::vector<std::string> names, options_.session_keys->Names());
  std::map<std::string, SessionKey> held;
  for (const std::string& name : names) {
    if (auto known = keys_.find(name); known != keys_.end()) {
      held.emplace(name, std::move(known->second));
      continue;
    }
    ENTREPOT_ASSIGN_OR_RETURN(std::optional<SessionKey> key, options_.session_keys->Load(name));
    if (key) {
      held.emplace(name, *std::move(key));
    }
  }
  keys_ = std::move(held);  // A key destroyed elsewhere is forgotten here too.
  return OkStatus();
}

StatusOr<std::string> AccountStore::Impl::CurrentKeyLocked() {
  std::string name = options_.session_keys->CurrentName();
  if (keys_.contains(name)) {
    return name;
  }
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<SessionKey> key, options_.session_keys->Load(name));
  if (!key) {
    key = privacy::NewKey(privacy::DefaultKeySource());
    ENTREPOT_RETURN_IF_ERROR(options_.session_keys->Write(name, *key));
  }
  keys_.insert_or_assign(name, *std::move(key));
  return name;
}

StatusOr<std::optional<OpenedSession>> AccountStore::Impl::UnsealLocked(
    const SealedDeviceSession& row) {
  auto try_keys = [&]() -> std::optional<OpenedSession> {
    for (auto key = keys_.rbegin(); key != keys_.rend(); ++key) {  // Newest first.
      if (auto opened = UnsealDeviceSession(key->second, row.device_id, row.sealed)) {
        return OpenedSession{key->first, {row.device_id, opened->user_id, opened->since_ms}};
      }
    }
    return std::nullopt;
  };
  if (std::optional<OpenedSession> opened = try_keys()) {
    return opened;
  }
  // Sealed under a key this process has not loaded yet (written by another node).
  ENTREPOT_RETURN_IF_ERROR(RefreshKeysLocked());
  return try_keys();
}

StatusOr<std::vector<int64_t>> AccountStore::Impl::DeviceSessionsOfLocked(int64_t user_id) {
  ENTREPOT_ASSIGN_OR_RETURN(std::vector<SealedDeviceSession> rows, storage_->ListDeviceSessions());
  std::vector<int64_t> devices;
  if (rows.empty()) {
    return devices;
  }
  if (options_.session_keys == nullptr) {
    return NoSessionKeys();
  }
  for (const SealedDeviceSession& row : rows) {
    ENTREPOT_ASSIGN_OR_RETURN(std::optional<OpenedSession> opened, UnsealLocked(row));
    if (opened && opened->session.user_id == user_id) {
      devices.push_back(row.device_id);
    }
  }
  return devices;
}

Status AccountStore::Impl::LoadAcknowledgementsLocked(int64_t user_id) {
  if (acknowledged_.contains(user_id)) {
    return OkStatus();
  }
  ENTREPOT_ASSIGN_OR_RETURN(std::vector<std::string> versions,
                            storage_->Acknowledgements(user_id, kMaxCachedAcknowledgements));
  acknowledged_.emplace(user_id, std::unordered_set<std::string>(versions.begin(), versions.end()));
  return OkStatus();
}

StatusOr<UserRecord> AccountStore::Impl::FindUserLocked(const std::string& login) {
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<UserRecord> user, storage_->FindUser(login));
  if (!user) {
    return Error(StatusCode::kNotFound, "unknown_user", "no user with login '" + login + "'");
  }
  return *std::move(user);
}

const std::string& AccountStore::Impl::DummyHash() {
  std::call_once(dummy_once_, [this] {
    StatusOr<std::string> hash = HashPassword("not a password of anyone", options_.hash_cost);
    dummy_hash_ = hash.ok() ? *hash : std::string();
  });
  return dummy_hash_;
}

bool AccountStore::Impl::TooManyAttemptsLocked(const std::string& login, int64_t now) {
  auto found = failures_.find(login);
  if (found == failures_.end()) {
    return false;
  }
  std::deque<int64_t>& times = found->second;
  while (!times.empty() && times.front() <= now - kMinuteMs) {
    times.pop_front();
  }
  if (times.empty()) {
    failures_.erase(found);
    return false;
  }
  return static_cast<int>(times.size()) >= options_.login_attempts_per_minute;
}

void AccountStore::Impl::CountFailureLocked(const std::string& login, int64_t now) {
  if (failures_.size() >= kMaxTrackedLogins) {
    // Bounded memory under a spray of login names: forget entries with no recent failure.
    std::erase_if(failures_, [now](const auto& entry) {
      return entry.second.empty() || entry.second.back() <= now - kMinuteMs;
    });
  }
  failures_[login].push_back(now);
}

AccountStore::AccountStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AccountStore::~AccountStore() = default;

StatusOr<std::unique_ptr<AccountStore>> AccountStore::Open(const std::string& path,
                                                           AccountStoreOptions options) {
  ENTREPOT_CHECK(options.now_ms != nullptr);
  ENTREPOT_ASSIGN_OR_RETURN(std::unique_ptr<AccountStorage> storage,
                            OpenSqliteAccountStorage(path, options));
  return FromStorage(std::move(storage), std::move(options));
}

StatusOr<std::unique_ptr<AccountStore>> AccountStore::FromStorage(
    std::unique_ptr<AccountStorage> storage, AccountStoreOptions options) {
  ENTREPOT_CHECK(storage != nullptr);
  ENTREPOT_CHECK(options.now_ms != nullptr);
  ENTREPOT_RETURN_IF_ERROR(InitSodium());
  auto impl = std::make_unique<Impl>(std::move(storage), std::move(options));
  {
    std::lock_guard lock(impl->mutex_);
    ENTREPOT_RETURN_IF_ERROR(impl->LoadDeviceSessionsLocked());
  }
  return std::unique_ptr<AccountStore>(new AccountStore(std::move(impl)));
}

StatusOr<AccountCopyReport> AccountStore::CopyInto(AccountStore& target) {
  ENTREPOT_CHECK(&target != this);
  AccountRows rows;
  {
    std::lock_guard lock(impl_->mutex_);
    ENTREPOT_ASSIGN_OR_RETURN(rows, impl_->storage_->ReadAll());
  }
  std::lock_guard lock(target.impl_->mutex_);
  ENTREPOT_RETURN_IF_ERROR(target.impl_->storage_->WriteAll(rows));
  target.impl_->devices_.clear();
  ENTREPOT_RETURN_IF_ERROR(target.impl_->LoadDeviceSessionsLocked());
  return AccountCopyReport{rows.users.size(), rows.sessions.size(), rows.devices.size(),
                           rows.device_sessions.size(), rows.notice_acks.size()};
}

const std::string& AccountStore::location() const { return impl_->storage_->location(); }

StatusOr<UserRecord> AccountStore::AddUser(const NewUser& user) {
  ENTREPOT_RETURN_IF_ERROR(ValidateLogin(user.login));
  ENTREPOT_RETURN_IF_ERROR(ValidateName(user.display_name));
  ENTREPOT_RETURN_IF_ERROR(CheckPasswordPolicy(user.password));
  ENTREPOT_RETURN_IF_ERROR(ValidateScope(user.scope));
  ENTREPOT_RETURN_IF_ERROR(ValidateBadge(user.badge));
  ENTREPOT_ASSIGN_OR_RETURN(std::string hash,
                            HashPassword(user.password, impl_->options_.hash_cost));
  UserRow row;
  row.login = user.login;
  row.display_name = user.display_name.empty() ? user.login : user.display_name;
  row.role = std::string(RoleName(user.role));
  row.scope = JoinScope(user.scope);
  row.password_hash = std::move(hash);
  if (!user.badge.empty()) {
    row.badge_hash = SecretHash(user.badge);
  }
  row.created_at_ms = impl_->options_.now_ms();
  std::lock_guard lock(impl_->mutex_);
  ENTREPOT_RETURN_IF_ERROR(impl_->storage_->InsertUser(row).status());
  return impl_->FindUserLocked(user.login);
}

StatusOr<std::vector<UserRecord>> AccountStore::ListUsers() {
  std::lock_guard lock(impl_->mutex_);
  return impl_->storage_->ListUsers();
}

StatusOr<UserRecord> AccountStore::FindUser(const std::string& login) {
  std::lock_guard lock(impl_->mutex_);
  return impl_->FindUserLocked(login);
}

StatusOr<UserRecord> AccountStore::UpdateUser(const std::string& login, const UserChange& change) {
  if (change.display_name) {
    ENTREPOT_RETURN_IF_ERROR(ValidateName(*change.display_name));
  }
  if (change.scope) {
    ENTREPOT_RETURN_IF_ERROR(ValidateScope(*change.scope));
  }
  if (change.badge) {
    ENTREPOT_RETURN_IF_ERROR(ValidateBadge(*change.badge));
  }
  UserUpdate update;
  if (change.password) {
    ENTREPOT_RETURN_IF_ERROR(CheckPasswordPolicy(*change.password));
    ENTREPOT_ASSIGN_OR_RETURN(update.password_hash,
                              HashPassword(*change.password, impl_->options_.hash_cost));
  }
  update.display_name = change.display_name;
  update.role = change.role;
  update.scope = change.scope;
  update.disabled = change.disabled;
  if (change.badge) {
    update.badge_hash = change.badge->empty()
                            ? std::optional<std::string>()
                            : std::optional<std::string>(SecretHash(*change.badge));
  }
  // A disabled user or a changed password must not keep working through old tokens.
  update.end_sessions = (change.disabled && *change.disabled) || update.password_hash;
  update.now_ms = impl_->options_.now_ms();
  std::lock_guard lock(impl_->mutex_);
  ENTREPOT_ASSIGN_OR_RETURN(UserRecord user, impl_->FindUserLocked(login));
  if (update.end_sessions) {
    // The rows cannot say whose they are: the store opens them to find the user's.
    ENTREPOT_ASSIGN_OR_RETURN(update.end_device_sessions, impl_->DeviceSessionsOfLocked(user.id));
  }
  ENTREPOT_RETURN_IF_ERROR(impl_->storage_->UpdateUser(user.id, update));
  if (update.end_sessions) {
    std::erase_if(impl_->device_sessions_,
                  [&user](const auto& entry) { return entry.second.user_id == user.id; });
  }
  return impl_->FindUserLocked(login);
}

StatusOr<LoginResult> AccountStore::Login(const std::string& login, const std::string& password) {
  int64_t now = impl_->options_.now_ms();
  std::optional<UserCredentials> user;
  {
    std::lock_guard lock(impl_->mutex_);
    if (impl_->TooManyAttemptsLocked(login, now)) {
      return Error(StatusCode::kResourceExhausted, "too_many_attempts",
                   "too many failed logins for this account; wait a minute");
    }
    ENTREPOT_ASSIGN_OR_RETURN(user, impl_->storage_->FindCredentials(login));
  }
  // Hashing outside the lock; an unknown login costs the same work as a known one.
  const bool known = user && !user->password_hash.empty();
  bool matches = VerifyPassword(password, known ? user->password_hash : impl_->DummyHash());
  std::lock_guard lock(impl_->mutex_);
  if (!matches || !known || user->disabled) {
    impl_->CountFailureLocked(login, now);
    return BadCredentials();
  }
  impl_->failures_.erase(login);
  LoginResult result{NewToken(), now + impl_->options_.session_ttl_ms, user->role};
  ENTREPOT_RETURN_IF_ERROR(impl_->storage_->InsertSession(
      SessionRow{SecretHash(result.token), user->id, now, result.expires_at_ms, std::nullopt}));
  return result;
}

Status AccountStore::Logout(const std::string& token) {
  int64_t now = impl_->options_.now_ms();
  std::lock_guard lock(impl_->mutex_);
  ENTREPOT_ASSIGN_OR_RETURN(bool revoked, impl_->storage_->RevokeSession(SecretHash(token), now));
  if (!revoked) {
    return Unauthenticated("this token is not a live session");
  }
  return OkStatus();
}

StatusOr<Principal> AccountStore::Authenticate(const std::string& token) {
  if (token.empty() || token.size() > 256) {
    return Unauthenticated("send a bearer token: Authorization: Bearer <token>");
  }
  std::string hash = SecretHash(token);
  int64_t now = impl_->options_.now_ms();
  std::lock_guard lock(impl_->mutex_);
  if (auto device = impl_->devices_.find(hash); device != impl_->devices_.end()) {
    return device->second;
  }
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<SessionOwner> session,
                            impl_->storage_->FindSession(hash));
  if (session) {
    if (session->revoked || session->user_disabled) {
      return Unauthenticated("this token was revoked; log in again");
    }
    if (session->principal.expires_at_ms <= now) {
      return Unauthenticated("this token has expired; log in again");
    }
    return session->principal;
  }
  // A device registered by another process (the command line, another node) since the
  // cache was filled.
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<Principal> device, impl_->storage_->FindLiveDevice(hash));
  if (device) {
    impl_->devices_.emplace(hash, *device);
    return *device;
  }
  return Unauthenticated("unknown token");
}

StatusOr<NewDevice> AccountStore::AddDevice(const std::string& name, int64_t registered_by) {
  if (name.empty() || name.size() > 64 || !AllCharsIn(name, "._-")) {
    return Error(StatusCode::kInvalidArgument, "bad_device_name",
                 "a device name has 1..64 letters, digits, '.', '_' or '-'");
  }
  NewDevice device{0, name, NewToken()};
  DeviceRow row{0,
                name,
                SecretHash(device.token),
                registered_by == 0 ? std::nullopt : std::optional<int64_t>(registered_by),
                impl_->options_.now_ms(),
                std::nullopt};
  std::lock_guard lock(impl_->mutex_);
  ENTREPOT_ASSIGN_OR_RETURN(device.id, impl_->storage_->InsertDevice(row));
  return device;
}

Status AccountStore::RevokeDevice(int64_t device_id) {
  std::lock_guard lock(impl_->mutex_);
  ENTREPOT_ASSIGN_OR_RETURN(bool revoked,
                            impl_->storage_->RevokeDevice(device_id, impl_->options_.now_ms()));
  if (!revoked) {
    return Error(StatusCode::kNotFound, "unknown_device",
                 "no registered device has id " + std::to_string(device_id));
  }
  std::erase_if(impl_->devices_,
                [device_id](const auto& entry) { return entry.second.id == device_id; });
  impl_->device_sessions_.erase(device_id);
  return OkStatus();
}

StatusOr<DeviceSession> AccountStore::StartDeviceSession(int64_t device_id,
                                                         const std::string& badge) {
  int64_t now = impl_->options_.now_ms();
  std::lock_guard lock(impl_->mutex_);
  std::optional<BadgeHolder> holder;
  if (!badge.empty()) {
    ENTREPOT_ASSIGN_OR_RETURN(holder, impl_->storage_->FindBadge(SecretHash(badge)));
  }
  if (!holder) {
    return Error(StatusCode::kNotFound, "unknown_badge", "this badge belongs to no account");
  }
  if (holder->disabled) {
    return Error(StatusCode::kPermissionDenied, "forbidden", "this account is disabled");
  }
  if (!impl_->options_.site_code.empty() &&
      !ScopeCovers(holder->scope, impl_->options_.site_code)) {
    return Error(StatusCode::kPermissionDenied, "forbidden",
                 "site " + impl_->options_.site_code + " is outside this account's scope");
  }
  if (impl_->options_.session_keys == nullptr) {
    return NoSessionKeys();
  }
  DeviceSession session{device_id, holder->user_id, now};
  ENTREPOT_ASSIGN_OR_RETURN(std::string key_name, impl_->CurrentKeyLocked());
  const SealedDeviceSession row{
      device_id, SealDeviceSession(impl_->keys_.at(key_name), device_id, session.user_id, now)};
  // Before the session exists: the scan path must know what this worker acknowledged.
  ENTREPOT_RETURN_IF_ERROR(impl_->LoadAcknowledgementsLocked(session.user_id));
  ENTREPOT_RETURN_IF_ERROR(impl_->storage_->PutDeviceSession(row));
  impl_->device_sessions_[device_id] = session;
  return session;
}

Status AccountStore::EndDeviceSession(int64_t device_id) {
  std::lock_guard lock(impl_->mutex_);
  ENTREPOT_RETURN_IF_ERROR(impl_->storage_->DeleteDeviceSession(device_id));
  impl_->device_sessions_.erase(device_id);
  return OkStatus();
}

StatusOr<std::optional<DeviceSession>> AccountStore::CurrentDeviceSession(int64_t device_id) {
  std::lock_guard lock(impl_->mutex_);
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<SealedDeviceSession> row,
                            impl_->storage_->FindDeviceSession(device_id));
  if (!row) {
    return std::optional<DeviceSession>();
  }
  if (impl_->options_.session_keys == nullptr) {
    return NoSessionKeys();
  }
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<OpenedSession> opened, impl_->UnsealLocked(*row));
  return opened ? std::optional<DeviceSession>(opened->session) : std::nullopt;
}

StatusOr<SessionKeyRotation> AccountStore::RotateSessionKey() {
  std::lock_guard lock(impl_->mutex_);
  SessionKeys* keys = impl_->options_.session_keys;
  if (keys == nullptr) {
    return NoSessionKeys();
  }
  SessionKeyRotation rotation;
  ENTREPOT_ASSIGN_OR_RETURN(rotation.key_name, impl_->CurrentKeyLocked());
  ENTREPOT_RETURN_IF_ERROR(impl_->RefreshKeysLocked());  // Every older key on file.
  if (!impl_->keys_.contains(rotation.key_name)) {
    return Error(StatusCode::kUnavailable, "accounts_unavailable",
                 "the sign-in key " + rotation.key_name + " was written but cannot be read back");
  }
  // A copy: unsealing may reload keys_.
  const SessionKey current(impl_->keys_.at(rotation.key_name).bytes());
  ENTREPOT_ASSIGN_OR_RETURN(std::vector<SealedDeviceSession> rows,
                            impl_->storage_->ListDeviceSessions());
  std::vector<SealedDeviceSession> resealed;
  std::vector<int64_t> unopened;
  for (const SealedDeviceSession& row : rows) {
    ENTREPOT_ASSIGN_OR_RETURN(std::optional<OpenedSession> opened, impl_->UnsealLocked(row));
    if (!opened) {
      unopened.push_back(row.device_id);
    } else if (opened->key_name != rotation.key_name) {
      resealed.push_back(
          {row.device_id, SealDeviceSession(current, row.device_id, opened->session.user_id,
                                            opened->session.since_ms)});
    }
  }
  if (!resealed.empty() || !unopened.empty()) {
    ENTREPOT_RETURN_IF_ERROR(impl_->storage_->RewriteDeviceSessions(resealed, unopened));
  }
  for (int64_t device_id : unopened) {
    impl_->device_sessions_.erase(device_id);
  }
  rotation.resealed = resealed.size();
  rotation.dropped = unopened.size();
  // Only now that no stored row needs them: the older keys go, and with them every copy of
  // the rows they sealed.
  std::vector<std::string> older;
  for (const auto& entry : impl_->keys_) {
    if (entry.first != rotation.key_name) {
      older.push_back(entry.first);
    }
  }
  for (const std::string& name : older) {
    ENTREPOT_RETURN_IF_ERROR(keys->Destroy(name));
    impl_->keys_.erase(name);
    rotation.destroyed.push_back(name);
  }
  return rotation;
}

size_t AccountStore::device_sessions_dropped() const {
  std::lock_guard lock(impl_->mutex_);
  return impl_->dropped_;
}

StatusOr<NoticeAcknowledgement> AccountStore::AcknowledgeNotice(int64_t user_id,
                                                                const std::string& version) {
  ENTREPOT_RETURN_IF_ERROR(ValidateNoticeVersion(version));
  constexpr int64_t kMsPerDay = int64_t{86'400'000};
  const int64_t now_ms = impl_->options_.now_ms();
  const int64_t day_start_ms = now_ms - ((now_ms % kMsPerDay) + kMsPerDay) % kMsPerDay;
  std::lock_guard lock(impl_->mutex_);
  // The first acknowledgement of a version stands: a repeated one (a retried request) keeps
  // the time the worker first confirmed.
  ENTREPOT_ASSIGN_OR_RETURN(
      std::optional<int64_t> stored,
      impl_->storage_->AddAcknowledgement(NoticeAcknowledgement{user_id, version, day_start_ms}));
  if (!stored) {
    return Error(StatusCode::kNotFound, "unknown_user",
                 "no user has id " + std::to_string(user_id));
  }
  if (auto known = impl_->acknowledged_.find(user_id); known != impl_->acknowledged_.end()) {
    known->second.insert(version);
  } else {
    ENTREPOT_RETURN_IF_ERROR(impl_->LoadAcknowledgementsLocked(user_id));
  }
  return NoticeAcknowledgement{user_id, version, *stored};
}

StatusOr<std::optional<NoticeAcknowledgement>> AccountStore::FindNoticeAcknowledgement(
    int64_t user_id, const std::string& version) {
  std::lock_guard lock(impl_->mutex_);
  ENTREPOT_ASSIGN_OR_RETURN(std::optional<int64_t> at_ms,
                            impl_->storage_->FindAcknowledgement(user_id, version));
  if (!at_ms) {
    return std::optional<NoticeAcknowledgement>();
  }
  return std::optional<NoticeAcknowledgement>(NoticeAcknowledgement{user_id, version, *at_ms});
}

std::optional<DeviceWorker> AccountStore::SignedInWorker(int64_t device_id,
                                                         std::string_view notice_version) {
  std::lock_guard lock(impl_->mutex_);
  auto session = impl_->device_sessions_.find(device_id);
  if (session == impl_->device_sessions_.end()) {
    return std::nullopt;
  }
  DeviceWorker worker{session->second.user_id, session->second.since_ms, false};
  if (auto known = impl_->acknowledged_.find(worker.user_id); known != impl_->acknowledged_.end()) {
    worker.acknowledged = known->second.contains(std::string(notice_version));
  }
  return worker;
}

}  // namespace entrepot::auth
