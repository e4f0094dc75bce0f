#include "auth/password.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <charconv>
#include <vector>

#include "auth/jwt.h"

namespace ordo::auth {

namespace {

constexpr std::size_t kHashBytes = 32;
constexpr std::size_t kSaltBytes = 16;

std::optional<std::string> Derive(std::string_view password, std::string_view salt, const ScryptCost& c) {
  std::uint64_t n = 1ull << c.log2_n;
  // OpenSSL refuses more than maxmem; 128·N·r·p plus slack.
  std::uint64_t maxmem = 128ull * n * static_cast<std::uint64_t>(c.r) * static_cast<std::uint64_t>(c.p) + (1u << 20);
  std::string out(kHashBytes, '\0');
  if (EVP_PBE_scrypt(password.data(), password.size(), reinterpret_cast<const unsigned char*>(salt.data()), salt.size(),
                     n, static_cast<std::uint64_t>(c.r), static_cast<std::uint64_t>(c.p), maxmem,
                     reinterpret_cast<unsigned char*>(out.data()), out.size()) != 1)
    return std::nullopt;
  return out;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    std::size_t end = s.find(sep, start);
    parts.push_back(s.substr(start, end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

bool Int(std::string_view s, int lo, int hi, int* out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size() && *out >= lo && *out <= hi;
}

}  // namespace

Result<std::string> HashPassword(std::string_view password, ScryptCost cost) {
  if (password.empty()) return Error::Invalid("/password", "a password must not be empty");
  std::string salt(kSaltBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), static_cast<int>(salt.size())) != 1)
    return Error::Internal("no randomness for a salt");
  auto hash = Derive(password, salt, cost);
  if (!hash) return Error::Internal("scrypt failed");
  return "scrypt$" + std::to_string(cost.log2_n) + "$" + std::to_string(cost.r) + "$" + std::to_string(cost.p) + "$" +
         Base64UrlEncode(salt) + "$" + Base64UrlEncode(*hash);
}

bool VerifyPassword(std::string_view password, std::string_view encoded) {
  auto parts = Split(encoded, '$');
  ScryptCost cost;
  if (parts.size() != 6 || parts[0] != "scrypt" || !Int(parts[1], 10, 20, &cost.log2_n) || !Int(parts[2], 1, 32, &cost.r) ||
      !Int(parts[3], 1, 16, &cost.p))
    return false;
  auto salt = Base64UrlDecode(parts[4]);
  auto want = Base64UrlDecode(parts[5]);
  if (!salt || !want || want->size() != kHashBytes) return false;
  auto got = Derive(password, *salt, cost);
  return got && CRYPTO_memcmp(got->data(), want->data(), kHashBytes) == 0;
}

}  // namespace ordo::auth
