// API keys: the credentials of other systems (an ERP, a WMS, a metrics
// scraper), each scoped to what it may call. Only a SHA-256 of a key is kept:
// the key itself is shown once, when it is made. Keys are 32 random bytes, so
// a fast hash is enough (there is nothing to guess, unlike a password).
// Format: "ordo_key_<id>_<secret>", id = 12 hex digits, secret = 43 base64url.
#pragma once

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"

namespace ordo::auth {

inline constexpr std::string_view kApiKeyPrefix = "ordo_key_";
inline constexpr const char* kApiKeyScopes[] = {"erp", "wms", "metrics"};

struct ApiKey {
  std::string id;
  std::string name;
  std::vector<std::string> scopes;
  std::string hash;  // SHA-256 of the whole key, hex
  Timestamp created_at = 0;
  std::string created_by;
  Timestamp revoked_at = 0;  // 0 = active
};

struct NewKey {
  ApiKey record;
  std::string plaintext;  // shown to the caller once, never stored
};

// SHA-256, in lower-case hex, of the parts one after another.
std::string Sha256Hex(std::initializer_list<std::string_view> parts);

// A fresh key. Scopes must be known ones; name 1-100 clean characters.
Result<NewKey> MakeApiKey(std::string name, std::vector<std::string> scopes, Timestamp now, std::string created_by);
// The id part of something that looks like an API key, else nullopt.
std::optional<std::string> ApiKeyId(std::string_view token);
// Constant-time comparison of the key's hash with the record's.
bool KeyMatches(const ApiKey& record, std::string_view token);

nlohmann::json ToJson(const ApiKey& key);  // without the hash
std::string EncodeApiKeys(const std::vector<ApiKey>& keys);
Result<std::vector<ApiKey>> DecodeApiKeys(std::string_view text);

}  // namespace ordo::auth
