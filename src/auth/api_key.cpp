#include "auth/api_key.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "auth/jwt.h"
#include "base/ids.h"
#include "base/text.h"

namespace ordo::auth {

using nlohmann::json;

namespace {

constexpr std::size_t kIdHex = 12;

bool KnownScope(std::string_view s) {
  for (const char* k : kApiKeyScopes)
    if (s == k) return true;
  return false;
}

}  // namespace

std::string Sha256Hex(std::initializer_list<std::string_view> parts) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  for (std::string_view part : parts) EVP_DigestUpdate(ctx, part.data(), part.size());
  EVP_DigestFinal_ex(ctx, digest, &len);
  EVP_MD_CTX_free(ctx);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 15]);
  }
  return out;
}

Result<NewKey> MakeApiKey(std::string name, std::vector<std::string> scopes, Timestamp now, std::string created_by) {
  if (name.empty() || !IsCleanText(name, 100)) return Error::Invalid("/name", "name must be 1-100 characters of text");
  if (scopes.empty()) return Error::Invalid("/scopes", "give at least one scope: erp, wms or metrics");
  for (std::size_t i = 0; i < scopes.size(); ++i)
    if (!KnownScope(scopes[i]))
      return Error::Invalid("/scopes/" + std::to_string(i), "unknown scope (erp, wms or metrics)");
  std::string secret(32, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(secret.data()), static_cast<int>(secret.size())) != 1)
    return Error::Internal("no randomness for a key");
  NewKey out;
  out.record.id = RandomHex(kIdHex / 2);
  out.plaintext = std::string(kApiKeyPrefix) + out.record.id + "_" + Base64UrlEncode(secret);
  out.record.name = std::move(name);
  out.record.scopes = std::move(scopes);
  out.record.hash = Sha256Hex({out.plaintext});
  out.record.created_at = now;
  out.record.created_by = std::move(created_by);
  return out;
}

std::optional<std::string> ApiKeyId(std::string_view token) {
  if (token.substr(0, kApiKeyPrefix.size()) != kApiKeyPrefix) return std::nullopt;
  token.remove_prefix(kApiKeyPrefix.size());
  if (token.size() < kIdHex + 2 || token[kIdHex] != '_') return std::nullopt;
  std::string_view id = token.substr(0, kIdHex);
  for (char c : id)
    if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
  return std::string(id);
}

bool KeyMatches(const ApiKey& record, std::string_view token) {
  std::string got = Sha256Hex({token});
  return record.hash.size() == got.size() && CRYPTO_memcmp(record.hash.data(), got.data(), got.size()) == 0;
}

json ToJson(const ApiKey& k) {
  json j = {{"id", k.id},
            {"name", k.name},
            {"scopes", k.scopes},
            {"created_at", FormatTimestamp(k.created_at)},
            {"created_by", k.created_by},
            {"revoked_at", k.revoked_at ? json(FormatTimestamp(k.revoked_at)) : json(nullptr)}};
  return j;
}

std::string EncodeApiKeys(const std::vector<ApiKey>& keys) {
  json list = json::array();
  for (const auto& k : keys)
    list.push_back({{"id", k.id}, {"name", k.name}, {"scopes", k.scopes}, {"hash", k.hash},
                    {"created_at", k.created_at}, {"created_by", k.created_by}, {"revoked_at", k.revoked_at}});
  return list.dump();
}

Result<std::vector<ApiKey>> DecodeApiKeys(std::string_view text) {
  json list = json::parse(text, nullptr, false);
  if (list.is_discarded() || !list.is_array()) return Error::Internal("the stored API keys do not decode");
  std::vector<ApiKey> out;
  try {
    for (const json& k : list)
      out.push_back({k.at("id").get<std::string>(), k.at("name").get<std::string>(),
                     k.at("scopes").get<std::vector<std::string>>(), k.at("hash").get<std::string>(),
                     k.at("created_at").get<Timestamp>(), k.at("created_by").get<std::string>(),
                     k.at("revoked_at").get<Timestamp>()});
  } catch (const json::exception&) {
    return Error::Internal("the stored API keys do not decode");
  }
  return out;
}

}  // namespace ordo::auth
