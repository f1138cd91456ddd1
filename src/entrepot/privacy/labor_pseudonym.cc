#include "entrepot/privacy/labor_pseudonym.h"

#include <sodium.h>

#include <algorithm>
#include <string_view>

#include "entrepot/base/check.h"

namespace entrepot::privacy {

namespace {

// Domain separation: a pseudonym of the labor stream is never equal to an HMAC computed
// for another purpose under the same key.
constexpr std::string_view kPseudonymContext = "entrepot-labor-v1:";

void EnsureSodium() {
  // sodium_init() is idempotent and thread-safe; it fails only when no entropy source exists,
  // in which case no key can be made safely.
  ENTREPOT_CHECK(sodium_init() >= 0);
}

}  // namespace

SecretKey::SecretKey(std::span<const uint8_t> bytes) {
  ENTREPOT_CHECK(bytes.size() == kLaborKeyBytes);
  std::copy(bytes.begin(), bytes.end(), bytes_.begin());
}

SecretKey::~SecretKey() { Wipe(); }

SecretKey::SecretKey(SecretKey&& other) noexcept : bytes_(other.bytes_) { other.Wipe(); }

SecretKey& SecretKey::operator=(SecretKey&& other) noexcept {
  if (this != &other) {
    bytes_ = other.bytes_;
    other.Wipe();
  }
  return *this;
}

bool SecretKey::IsZero() const {
  return std::all_of(bytes_.begin(), bytes_.end(), [](uint8_t b) { return b == 0; });
}

void SecretKey::Wipe() { sodium_memzero(bytes_.data(), bytes_.size()); }

void SodiumKeySource::Fill(std::span<uint8_t> out) {
  EnsureSodium();
  randombytes_buf(out.data(), out.size());
}

KeySource& DefaultKeySource() {
  static SodiumKeySource* source = new SodiumKeySource();  // Never destroyed: no exit order.
  return *source;
}

SecretKey NewKey(KeySource& source) {
  std::array<uint8_t, kLaborKeyBytes> bytes{};
  source.Fill(bytes);
  SecretKey key(bytes);
  sodium_memzero(bytes.data(), bytes.size());
  return key;
}

Pseudonym PseudonymOf(const SecretKey& key, int64_t worker_id) {
  ENTREPOT_CHECK(!key.IsZero());
  const std::string message = std::string(kPseudonymContext) + std::to_string(worker_id);
  static_assert(crypto_auth_hmacsha256_BYTES == kPseudonymBytes);
  static_assert(crypto_auth_hmacsha256_KEYBYTES == kLaborKeyBytes);
  Pseudonym out{};
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, key.bytes().data(), key.bytes().size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(message.data()),
                                message.size());
  crypto_auth_hmacsha256_final(&state, out.data());
  sodium_memzero(&state, sizeof(state));
  return out;
}

std::string PseudonymHex(const Pseudonym& pseudonym) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(pseudonym.size() * 2);
  for (uint8_t b : pseudonym) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0x0F]);
  }
  return out;
}

}  // namespace entrepot::privacy
