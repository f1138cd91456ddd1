#include "entrepot/auth/session_keys.h"

#include <sodium.h>

namespace entrepot::auth {
namespace {

static_assert(kSessionKeyBytes == crypto_secretbox_KEYBYTES);
static_assert(kSealedSessionBytes ==
              crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + 3 * sizeof(int64_t));

constexpr size_t kPlainBytes = 3 * sizeof(int64_t);

void PutInt(uint8_t* out, int64_t value) {
  const auto bits = static_cast<uint64_t>(value);
  for (size_t i = 0; i < 8; ++i) {
    out[i] = static_cast<uint8_t>(bits >> (8 * i));
  }
}

int64_t GetInt(const uint8_t* in) {
  uint64_t bits = 0;
  for (size_t i = 0; i < 8; ++i) {
    bits |= static_cast<uint64_t>(in[i]) << (8 * i);
  }
  return static_cast<int64_t>(bits);
}

}  // namespace

std::string SealDeviceSession(const SessionKey& key, int64_t device_id, int64_t user_id,
                              int64_t since_ms) {
  std::array<uint8_t, kPlainBytes> plain{};
  PutInt(plain.data(), device_id);
  PutInt(plain.data() + 8, user_id);
  PutInt(plain.data() + 16, since_ms);
  std::string sealed(kSealedSessionBytes, '\0');
  auto* out = reinterpret_cast<uint8_t*>(sealed.data());
  randombytes_buf(out, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(out + crypto_secretbox_NONCEBYTES, plain.data(), plain.size(), out,
                        key.bytes().data());
  sodium_memzero(plain.data(), plain.size());
  return sealed;
}

std::optional<UnsealedSession> UnsealDeviceSession(const SessionKey& key, int64_t device_id,
                                                   std::string_view sealed) {
  if (sealed.size() != kSealedSessionBytes) {
    return std::nullopt;
  }
  const auto* in = reinterpret_cast<const uint8_t*>(sealed.data());
  std::array<uint8_t, kPlainBytes> plain{};
  if (crypto_secretbox_open_easy(plain.data(), in + crypto_secretbox_NONCEBYTES,
                                 sealed.size() - crypto_secretbox_NONCEBYTES, in,
                                 key.bytes().data()) != 0) {
    return std::nullopt;
  }
  std::optional<UnsealedSession> session;
  if (GetInt(plain.data()) == device_id) {  // Not a blob moved from another device's row.
    session = UnsealedSession{GetInt(plain.data() + 8), GetInt(plain.data() + 16)};
  }
  sodium_memzero(plain.data(), plain.size());
  return session;
}

}  // namespace entrepot::auth
