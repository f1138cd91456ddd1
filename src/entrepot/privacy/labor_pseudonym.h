// File: labor_pseudonym.h
//
// The keys and pseudonyms of the labor stream (docs/LABOR.md). A worker appears in labor
// data only as a pseudonym: HMAC-SHA-256 (libsodium crypto_auth_hmacsha256) of the worker id
// under a random 32-byte key that exists for one day (the day key) or for one retained week
// (the week key). Destroying the key makes every record under it unlinkable to the worker:
// crypto-shredding (RET-01 for the day, RET-02 for the week, AGG-04 for the keyed HMAC).
//
// Randomness comes through KeySource so that tests can supply known keys; production uses
// SodiumKeySource (randombytes_buf). Pure logic: no I/O, no clock.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "entrepot/base/status.h"

namespace entrepot::privacy {

inline constexpr size_t kLaborKeyBytes = 32;
inline constexpr size_t kPseudonymBytes = 32;

// A pseudonym: the HMAC of a worker id; opaque, stable for as long as its key lives.
using Pseudonym = std::array<uint8_t, kPseudonymBytes>;

// A secret key that wipes itself (sodium_memzero) when destroyed or overwritten, so a
// destroyed day key does not linger in freed memory. Move-only.
class SecretKey {
 public:
  SecretKey() = default;  // All zero bytes; not a usable key (IsZero()).
  // REQUIRES: bytes.size() == kLaborKeyBytes.
  explicit SecretKey(std::span<const uint8_t> bytes);
  ~SecretKey();
  SecretKey(SecretKey&& other) noexcept;
  SecretKey& operator=(SecretKey&& other) noexcept;
  SecretKey(const SecretKey&) = delete;
  SecretKey& operator=(const SecretKey&) = delete;

  std::span<const uint8_t, kLaborKeyBytes> bytes() const { return bytes_; }
  // True when every byte is zero: a wiped or default-constructed key.
  bool IsZero() const;
  // Overwrites the key with zeros (sodium_memzero).
  void Wipe();

 private:
  std::array<uint8_t, kLaborKeyBytes> bytes_{};
};

// Where new keys come from. Implementations must fill `out` entirely.
class KeySource {
 public:
  virtual ~KeySource() = default;
  virtual void Fill(std::span<uint8_t> out) = 0;
};

// Production randomness: libsodium's randombytes_buf (initialises libsodium on first use).
class SodiumKeySource final : public KeySource {
 public:
  void Fill(std::span<uint8_t> out) override;
};

// The process-wide SodiumKeySource.
KeySource& DefaultKeySource();

// A new key of kLaborKeyBytes from `source`.
SecretKey NewKey(KeySource& source);

// The pseudonym of `worker_id` under `key`: HMAC-SHA-256(key, "entrepot-labor-v1:" +
// decimal id). The same id under the same key always gives the same pseudonym; under another
// key, an unrelated one. REQUIRES: !key.IsZero().
Pseudonym PseudonymOf(const SecretKey& key, int64_t worker_id);

// Lower-case hex, for messages and tests.
std::string PseudonymHex(const Pseudonym& pseudonym);

}  // namespace entrepot::privacy
