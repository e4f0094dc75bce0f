// From an Authorization header to a Principal: a bearer JWT (Ordo's own
// HS256 tokens, or RS256/ES256 tokens of an OIDC provider through its JWKS),
// or an API key. Thread-safe. Verified tokens are cached until they expire,
// so a client that reuses its token pays for one signature check.
//
// Claims read from a token:
//   sub (required) · role: "role" (string), "roles" (array) or Keycloak's
//   realm_access.roles; the most privileged of admin > seller > customer ·
//   customer_id (customers; default sub) · locations (sellers: location ids).
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "auth/api_key.h"
#include "auth/jwt.h"
#include "auth/principal.h"
#include "auth/users.h"

namespace ordo::auth {

struct AuthOptions {
  JwtPolicy policy{"ordo", "ordo", 60};
  int token_ttl_s = 3600;  // of the tokens Ordo issues
};

// The principal a token's verified claims describe.
Result<Principal> PrincipalFromClaims(const nlohmann::json& claims);

class Authenticator {
 public:
  // `keys` verify tokens; `signing_secret` (HS256, may be empty: then Ordo
  // issues no tokens) signs the tokens Issue makes and is added to `keys`.
  Authenticator(KeySet keys, std::string signing_secret, AuthOptions options);

  // The Authorization header's value ("" = anonymous).
  Result<Principal> Authenticate(std::string_view authorization, long long now_s);
  // A token for a local user.
  Result<std::string> Issue(const User& user, long long now_s) const;
  // A token for any principal of a user role (tests, `ordo token`).
  Result<std::string> IssueFor(const Principal& p, long long now_s, int ttl_s) const;
  const AuthOptions& options() const { return options_; }
  bool can_issue() const { return !signing_secret_.empty(); }

  // API keys by id (none set: API keys are refused).
  void SetKeyLookup(std::function<std::optional<ApiKey>(const std::string& id)> lookup);
  // Fetches the JWKS again (none: keys never change). Called when a token
  // names a kid that is not known, at most once a minute.
  void SetJwksSource(std::function<Result<std::string>()> fetch);

 private:
  Result<Principal> VerifyToken(std::string_view token, long long now_s);
  bool RefreshJwks(long long now_s);

  std::shared_mutex keys_mu_;
  KeySet keys_;
  std::string signing_secret_;
  AuthOptions options_;
  std::function<std::optional<ApiKey>(const std::string&)> key_lookup_;
  std::function<Result<std::string>()> jwks_source_;
  long long jwks_fetched_at_ = 0;

  // Looked up by the token's text without copying it (transparent hashing).
  struct TextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::mutex cache_mu_;
  std::unordered_map<std::string, Principal, TextHash, std::equal_to<>> cache_;
};

}  // namespace ordo::auth
