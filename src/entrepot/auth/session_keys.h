// File: session_keys.h
//
// The sign-in keys of the device sessions (rule RET-01, docs/LABOR.md, "Sign-in keys").
// AccountStore persists each badge sign-in (which worker is signed in on which device, since
// when) only sealed: the row holds the device id and an opaque blob, libsodium's
// crypto_secretbox (XSalsa20-Poly1305, a random nonce) of (device id, user id, since) under
// the sign-in key of the current labor day. At the end of the labor day the store re-seals
// its live sessions under the new day's key and the old key is destroyed
// (AccountStore::RotateSessionKey): a copy of the old rows (an SQLite free page or WAL, a
// PostgreSQL dead tuple, WAL segment, replica or backup) then holds only ciphertext under a
// destroyed key, and cannot be joined with the journal's device and time to name the worker
// behind a scan, as the labor stream's day pseudonyms cannot once their day key is gone.
//
// SessionKeys is where the keys live. The store depends on nothing but this interface; the
// server keeps the keys as files of the labor key directory, "signin-2026-11-29.key" beside
// the labor stream's day and week keys (server/labor_recorder.h, SignInKeyDir), so that the
// nodes of a PostgreSQL site share them as they share the day keys.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "entrepot/base/status.h"
#include "entrepot/privacy/labor_pseudonym.h"

namespace entrepot::auth {

// A sign-in key is a key of the labor key directory like the day and week keys: 32 secret
// bytes that wipe themselves when destroyed or moved from (move-only), made by
// privacy::NewKey. crypto_secretbox_KEYBYTES.
using SessionKey = privacy::SecretKey;
inline constexpr size_t kSessionKeyBytes = privacy::kLaborKeyBytes;

// Where the sign-in keys are kept. Names are [a-z0-9-], at most 64 bytes ("signin-" and the
// labor day). Called by AccountStore under its mutex, so an implementation need not be
// thread-safe for one store; writes and destructions must be durable when they return.
class SessionKeys {
 public:
  virtual ~SessionKeys() = default;

  // The name of the current labor day's key ("signin-2026-11-29", the day in the site's time
  // zone): new sessions are sealed under it, and a rotation keeps only it.
  virtual std::string CurrentName() = 0;
  // The key `name`, or nullopt when it is not held.
  virtual StatusOr<std::optional<SessionKey>> Load(const std::string& name) = 0;
  // Keeps `key` as `name`, replacing any key of that name.
  virtual Status Write(const std::string& name, const SessionKey& key) = 0;
  // Destroys the key `name` beyond recovery; OK when it is not held.
  virtual Status Destroy(const std::string& name) = 0;
  // The names of the sign-in keys held (only those), sorted.
  virtual StatusOr<std::vector<std::string>> Names() = 0;
};

// The sealed form of one device session: a nonce, then the secretbox of the device id, the
// user id and the time, kSealedSessionBytes in all. REQUIRES: InitSodium() succeeded.
inline constexpr size_t kSealedSessionBytes = 24 + 16 + 24;
std::string SealDeviceSession(const SessionKey& key, int64_t device_id, int64_t user_id,
                              int64_t since_ms);

// The user id and time sealed in `sealed` for `device_id` under `key`; nullopt when `sealed`
// was not sealed under `key`, was altered, or was sealed for another device.
struct UnsealedSession {
  int64_t user_id = 0;
  int64_t since_ms = 0;
};
std::optional<UnsealedSession> UnsealDeviceSession(const SessionKey& key, int64_t device_id,
                                                   std::string_view sealed);

}  // namespace entrepot::auth
