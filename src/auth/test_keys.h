// Key pairs for tests (never for production): fresh RSA 2048 and EC P-256
// keys, as PEM and as a JWK Set, for signing test tokens with SignJwt and
// giving the server (or a KeySet) the public half.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace ordo::auth::testing {

struct KeyPair {
  std::string private_pem;
  std::string public_pem;
  nlohmann::json jwk;  // the public key as a JWK (kty, kid, alg, use, n/e or crv/x/y)
};

KeyPair MakeRsaKey(const std::string& kid);
KeyPair MakeEcKey(const std::string& kid);
// {"keys": [a.jwk, b.jwk, …]}
nlohmann::json Jwks(std::initializer_list<const KeyPair*> keys);

}  // namespace ordo::auth::testing
