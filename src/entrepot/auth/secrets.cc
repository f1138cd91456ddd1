#include "entrepot/auth/secrets.h"

#include <sodium.h>

#include <array>

namespace entrepot::auth {

Status InitSodium() {
  static const int result = sodium_init();  // Thread-safe static initialisation.
  if (result < 0) {
    return Error(StatusCode::kInternal, "sodium_init_failed", "libsodium could not initialise");
  }
  return OkStatus();
}

Status CheckPasswordPolicy(std::string_view password) {
  if (password.size() < kMinPasswordLength || password.size() > kMaxPasswordLength) {
    return Error(StatusCode::kInvalidArgument, "weak_password",
                 "a password has at least " + std::to_string(kMinPasswordLength) +
                     " characters (and at most " + std::to_string(kMaxPasswordLength) + ")");
  }
  return OkStatus();
}

StatusOr<std::string> HashPassword(std::string_view password, HashCost cost) {
  std::array<char, crypto_pwhash_STRBYTES> out{};
  bool minimum = cost == HashCost::kMinimum;
  unsigned long long ops =
      minimum ? crypto_pwhash_OPSLIMIT_MIN : crypto_pwhash_OPSLIMIT_INTERACTIVE;
  size_t memory = minimum ? crypto_pwhash_MEMLIMIT_MIN : crypto_pwhash_MEMLIMIT_INTERACTIVE;
  if (crypto_pwhash_str_alg(out.data(), password.data(), password.size(), ops, memory,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Error(StatusCode::kResourceExhausted, "hash_failed",
                 "not enough memory to hash the password; retry");
  }
  return std::string(out.data());
}

bool VerifyPassword(std::string_view password, const std::string& hash) {
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

std::string NewToken() {
  std::array<unsigned char, 32> bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::array<char, sodium_base64_ENCODED_LEN(32, kVariant)> text{};
  sodium_bin2base64(text.data(), text.size(), bytes.data(), bytes.size(), kVariant);
  sodium_memzero(bytes.data(), bytes.size());
  return std::string(text.data());
}

std::string SecretHash(std::string_view secret) {
  std::array<unsigned char, 32> digest{};
  crypto_generichash(digest.data(), digest.size(),
                     reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), nullptr,
                     0);
  std::array<char, 65> hex{};
  sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
  return std::string(hex.data(), 64);
}

}  // namespace entrepot::auth
