#include "integrations/signature.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <charconv>

namespace ordo::signature {
namespace {

constexpr std::string_view kPrefix = "whsec_";
constexpr std::string_view kVersion = "v1,";

Error Invalid(std::string message) {
  return {Code::kInvalidArgument, "invalid-signature", std::move(message), {}, {}};
}

// The raw 32-byte HMAC-SHA256 of "<id>.<timestamp>.<body>".
std::string Mac(std::string_view secret, std::string_view id, std::string_view timestamp, std::string_view body) {
  std::string key = SecretKey(secret);
  std::string content;
  content.reserve(id.size() + timestamp.size() + body.size() + 2);
  content.append(id).append(".").append(timestamp).append(".").append(body);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(content.data()),
       content.size(), digest, &length);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

bool IsBase64Char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

}  // namespace

std::string Base64Encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::optional<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::size_t padding = 0;
  while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') ++padding;
  for (std::size_t i = 0; i < text.size() - padding; ++i)
    if (!IsBase64Char(text[i])) return std::nullopt;
  std::string out(3 * text.size() / 4, '\0');
  // EVP_DecodeBlock counts padding as zero bytes; they are cut off below.
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  out.resize(static_cast<std::size_t>(n) - padding);
  return out;
}

std::string SecretKey(std::string_view secret) {
  if (secret.substr(0, kPrefix.size()) == kPrefix) {
    if (auto key = Base64Decode(secret.substr(kPrefix.size())); key && !key->empty()) return *key;
  }
  return std::string(secret);
}

std::string Sign(std::string_view secret, std::string_view id, std::int64_t timestamp_s, std::string_view body) {
  return std::string(kVersion) + Base64Encode(Mac(secret, id, std::to_string(timestamp_s), body));
}

Status Verify(std::string_view secret, std::string_view id, std::string_view timestamp, std::string_view signatures,
              std::string_view body, std::int64_t now_s, std::int64_t tolerance_s) {
  if (id.empty()) return Invalid("the webhook-id header is missing");
  if (timestamp.empty()) return Invalid("the webhook-timestamp header is missing");
  std::int64_t sent = 0;
  auto [end, ec] = std::from_chars(timestamp.data(), timestamp.data() + timestamp.size(), sent);
  if (ec != std::errc() || end != timestamp.data() + timestamp.size() || sent < 0)
    return Invalid("the webhook-timestamp header is not a number of seconds");
  if (now_s - sent > tolerance_s)
    return Invalid("the webhook-timestamp is " + std::to_string(now_s - sent) + " s old (tolerance " +
                   std::to_string(tolerance_s) + " s)");
  if (sent - now_s > tolerance_s)
    return Invalid("the webhook-timestamp is " + std::to_string(sent - now_s) + " s in the future (tolerance " +
                   std::to_string(tolerance_s) + " s)");
  if (signatures.empty()) return Invalid("the webhook-signature header is missing");

  const std::string expected = Mac(secret, id, timestamp, body);
  bool any_v1 = false;
  while (!signatures.empty()) {
    std::size_t space = signatures.find(' ');
    std::string_view entry = signatures.substr(0, space);
    signatures = space == std::string_view::npos ? std::string_view{} : signatures.substr(space + 1);
    if (entry.substr(0, kVersion.size()) != kVersion) continue;
    any_v1 = true;
    auto given = Base64Decode(entry.substr(kVersion.size()));
    if (given && given->size() == expected.size() && CRYPTO_memcmp(given->data(), expected.data(), expected.size()) == 0)
      return Ok();
  }
  return Invalid(any_v1 ? "no v1 signature matches the body" : "the webhook-signature header has no v1 signature");
}

}  // namespace ordo::signature
