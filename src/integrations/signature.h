// Standard Webhooks signatures (https://www.standardwebhooks.com/):
// HMAC-SHA256 over "<webhook-id>.<webhook-timestamp>.<body>", sent base64
// encoded as "v1,<signature>" in the webhook-signature header. The header may
// hold several space-separated signatures (key rotation); one match is enough.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace ordo::signature {

inline constexpr std::string_view kIdHeader = "webhook-id";
inline constexpr std::string_view kTimestampHeader = "webhook-timestamp";
inline constexpr std::string_view kSignatureHeader = "webhook-signature";
inline constexpr std::int64_t kToleranceS = 300;

// The HMAC key of a secret: "whsec_<base64>" is decoded; anything else
// (including a "whsec_" whose rest is not valid base64) is used byte for byte.
// Unlike the reference libraries, a bare base64 string is not decoded: give
// the "whsec_" form to share a secret with them.
std::string SecretKey(std::string_view secret);

// "v1,<base64(HMAC-SHA256(key, id + "." + timestamp_s + "." + body))>".
std::string Sign(std::string_view secret, std::string_view id, std::int64_t timestamp_s, std::string_view body);

// Checks the three headers' values against the body: the timestamp is decimal
// seconds within ±tolerance_s of now_s, and one "v1," entry of `signatures`
// matches (compared in constant time). The error's message says why not.
Status Verify(std::string_view secret, std::string_view id, std::string_view timestamp,
              std::string_view signatures, std::string_view body, std::int64_t now_s,
              std::int64_t tolerance_s = kToleranceS);

// Standard base64 with padding (RFC 4648 §4).
std::string Base64Encode(std::string_view bytes);
// Strict: the standard alphabet, padded to a multiple of 4, no whitespace.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace ordo::signature
