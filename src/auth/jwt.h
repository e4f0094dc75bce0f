// JSON Web Tokens: verification of bearer tokens (HS256 for development,
// RS256 / ES256 against a JWKS for an OIDC provider such as Keycloak) and
// signing of Ordo's own tokens.
//
// libjwt (1.10) checks signatures only, and only with the key it is given:
// it would accept an HS256 token "signed" with an RSA public key's PEM text,
// and it checks no claim. So the algorithm is chosen here — it must be one
// Ordo accepts and must match the kind of the key (HMAC secret ↔ HS256, RSA
// key ↔ RS256, EC P-256 key ↔ ES256) — and exp, nbf, iat, iss and aud are
// checked here, with a clock skew allowance.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace ordo::auth {

enum class KeyKind { kHmac, kRsa, kEcP256 };

// The keys tokens may be signed with.
class KeySet {
 public:
  // HS256. At least 32 bytes.
  Status AddHmac(std::string secret, std::string kid = "");
  // A PEM public key: RSA (RS256) or EC P-256 (ES256).
  Status AddPem(std::string_view pem, std::string kid = "");
  // A JWK Set ({"keys":[…]}): RSA and EC P-256 signing keys ("use" absent or
  // "sig"); other keys are skipped. Returns how many keys were added.
  Result<int> AddJwks(std::string_view jwks_json);
  bool empty() const { return keys_.empty(); }
  std::size_t size() const { return keys_.size(); }

  struct Key {
    KeyKind kind;
    std::string kid;
    std::string material;  // the secret, or the PEM text of the public key
  };
  const std::vector<Key>& keys() const { return keys_; }

 private:
  std::vector<Key> keys_;
};

struct JwtPolicy {
  std::string issuer;    // iss must equal it
  std::string audience;  // aud (a string or an array) must hold it
  int leeway_s = 60;     // clock skew allowed on exp, nbf and iat
};

// The verified claims (the token's payload), or kUnauthenticated naming what
// is wrong. `now_s`: seconds since the epoch. exp is required.
Result<nlohmann::json> VerifyJwt(std::string_view token, const KeySet& keys, const JwtPolicy& policy,
                                 long long now_s);

// A signed compact JWT of `claims`. alg: "HS256" (key = the secret), "RS256"
// or "ES256" (key = a PEM private key).
Result<std::string> SignJwt(const nlohmann::json& claims, std::string_view alg, std::string_view key,
                            std::string_view kid = "");

// base64url without padding (RFC 7515 §2).
std::string Base64UrlEncode(std::string_view bytes);
std::optional<std::string> Base64UrlDecode(std::string_view text);

}  // namespace ordo::auth
