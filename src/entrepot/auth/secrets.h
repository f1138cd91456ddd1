// File: secrets.h
//
// Password and token primitives on libsodium: Argon2id password hashes (crypto_pwhash_str),
// the password policy, random bearer tokens (32 bytes from randombytes_buf, URL-safe base64
// without padding) and the hash under which a token or a badge code is stored
// (crypto_generichash, 32 bytes). A token is shown once; only its hash is kept.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "entrepot/base/status.h"

namespace entrepot::auth {

// Minimum password length, in bytes.
inline constexpr size_t kMinPasswordLength = 12;
// Longest password accepted (bounds the hashing work an attacker can ask for).
inline constexpr size_t kMaxPasswordLength = 1024;

// Argon2id cost. kInteractive is libsodium's OPSLIMIT/MEMLIMIT_INTERACTIVE (about 64 MiB);
// kMinimum its MIN limits, for tests only.
enum class HashCost { kInteractive, kMinimum };

// Initialises libsodium once (thread-safe). Returns kInternal "sodium_init_failed".
Status InitSodium();

// OK, or kInvalidArgument "weak_password" when `password` is shorter than
// kMinPasswordLength or longer than kMaxPasswordLength.
Status CheckPasswordPolicy(std::string_view password);

// An Argon2id hash string ("$argon2id$v=19$..."). Returns kResourceExhausted "hash_failed"
// when the memory for hashing could not be allocated. REQUIRES: InitSodium() succeeded.
StatusOr<std::string> HashPassword(std::string_view password, HashCost cost);

// True when `password` matches `hash` (false for a malformed hash).
bool VerifyPassword(std::string_view password, const std::string& hash);

// A new bearer token: 32 random bytes as 43 URL-safe base64 characters.
std::string NewToken();

// The 32-byte BLAKE2b hash of `secret` (a token or a badge code), as 64 hex digits.
std::string SecretHash(std::string_view secret);

}  // namespace entrepot::auth
