#include "auth/jwt.h"

#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <cstdlib>
#include <memory>

namespace ordo::auth {

using nlohmann::json;

namespace {

constexpr std::size_t kMaxTokenBytes = 8192;

Error Bad(std::string why) { return Error::Unauthenticated("invalid token: " + why); }

const char* AlgOf(KeyKind kind) {
  switch (kind) {
    case KeyKind::kHmac: return "HS256";
    case KeyKind::kRsa: return "RS256";
    case KeyKind::kEcP256: return "ES256";
  }
  return "";
}

jwt_alg_t LibAlg(KeyKind kind) {
  switch (kind) {
    case KeyKind::kHmac: return JWT_ALG_HS256;
    case KeyKind::kRsa: return JWT_ALG_RS256;
    case KeyKind::kEcP256: return JWT_ALG_ES256;
  }
  return JWT_ALG_INVAL;
}

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

Pkey ReadPublicPem(std::string_view pem) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return nullptr;
  return Pkey(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
}

std::string WritePublicPem(EVP_PKEY* key) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key) != 1) return {};
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

// The kind of a public key, or nullopt for one Ordo does not accept.
std::optional<KeyKind> KindOf(EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "RSA")) return EVP_PKEY_get_bits(key) >= 2048 ? std::optional(KeyKind::kRsa) : std::nullopt;
  if (EVP_PKEY_is_a(key, "EC")) {
    char group[64] = {0};
    std::size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) == 1 &&
        std::string_view(group, len) == "prime256v1")
      return KeyKind::kEcP256;
  }
  return std::nullopt;
}

struct BnFree {
  void operator()(BIGNUM* b) const { BN_free(b); }
};

// A public key from its OpenSSL parameters (RSA n/e, or an EC group + point).
Pkey FromParams(const char* type, const std::function<bool(OSSL_PARAM_BLD*)>& fill) {
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  if (!bld) return nullptr;
  Pkey out;
  if (fill(bld)) {
    OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
    EVP_PKEY* key = nullptr;
    if (params && ctx && EVP_PKEY_fromdata_init(ctx) == 1 &&
        EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) == 1)
      out.reset(key);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
  }
  OSSL_PARAM_BLD_free(bld);
  return out;
}

std::optional<std::string> Member(const json& jwk, const char* name) {
  auto it = jwk.find(name);
  if (it == jwk.end() || !it->is_string()) return std::nullopt;
  return Base64UrlDecode(it->get<std::string>());
}

Pkey RsaFromJwk(const json& jwk) {
  auto n = Member(jwk, "n"), e = Member(jwk, "e");
  if (!n || !e) return nullptr;
  std::unique_ptr<BIGNUM, BnFree> bn_n(BN_bin2bn(reinterpret_cast<const unsigned char*>(n->data()), static_cast<int>(n->size()), nullptr));
  std::unique_ptr<BIGNUM, BnFree> bn_e(BN_bin2bn(reinterpret_cast<const unsigned char*>(e->data()), static_cast<int>(e->size()), nullptr));
  if (!bn_n || !bn_e) return nullptr;
  return FromParams("RSA", [&](OSSL_PARAM_BLD* b) {
    return OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, bn_n.get()) == 1 &&
           OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, bn_e.get()) == 1;
  });
}

Pkey EcFromJwk(const json& jwk) {
  if (jwk.value("crv", "") != "P-256") return nullptr;
  auto x = Member(jwk, "x"), y = Member(jwk, "y");
  if (!x || !y || x->size() != 32 || y->size() != 32) return nullptr;
  std::string point = "\x04" + *x + *y;  // uncompressed
  return FromParams("EC", [&](OSSL_PARAM_BLD* b) {
    return OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) == 1 &&
           OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) == 1;
  });
}

bool IsBase64UrlText(std::string_view s) {
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  return true;
}

// A NumericDate claim: a JSON number of seconds (fractions allowed).
std::optional<long long> Seconds(const json& claims, const char* name) {
  auto it = claims.find(name);
  if (it == claims.end() || !it->is_number()) return std::nullopt;
  return static_cast<long long>(it->get<double>());
}

struct JwtFree {
  void operator()(jwt_t* j) const { jwt_free(j); }
};

}  // namespace

std::string Base64UrlEncode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) c = c == '+' ? '-' : (c == '/' ? '_' : c);
  return out;
}

std::optional<std::string> Base64UrlDecode(std::string_view text) {
  if (!IsBase64UrlText(text) || text.size() % 4 == 1) return std::nullopt;
  std::string padded(text);
  for (char& c : padded) c = c == '-' ? '+' : (c == '_' ? '/' : c);
  std::size_t pad = (4 - padded.size() % 4) % 4;
  padded.append(pad, '=');
  std::string out(padded.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(padded.data()), static_cast<int>(padded.size()));
  if (n < 0) return std::nullopt;
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

Status KeySet::AddHmac(std::string secret, std::string kid) {
  if (secret.size() < 32) return Error::Invalid("/jwt-secret", "an HS256 secret must be at least 32 bytes");
  keys_.push_back({KeyKind::kHmac, std::move(kid), std::move(secret)});
  return Ok();
}

Status KeySet::AddPem(std::string_view pem, std::string kid) {
  Pkey key = ReadPublicPem(pem);
  if (!key) return Error::Invalid("/jwks", "not a PEM public key");
  auto kind = KindOf(key.get());
  if (!kind) return Error::Invalid("/jwks", "only RSA (2048 bits or more) and EC P-256 public keys are accepted");
  keys_.push_back({*kind, std::move(kid), WritePublicPem(key.get())});
  return Ok();
}

Result<int> KeySet::AddJwks(std::string_view jwks_json) {
  json doc = json::parse(jwks_json, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("keys") || !doc["keys"].is_array())
    return Error::Invalid("/keys", "a JWK Set is an object with an array \"keys\"");
  const json keys = doc["keys"];
  int added = 0;
  for (const json& jwk : keys) {
    if (!jwk.is_object()) continue;
    if (jwk.contains("use") && jwk["use"] != "sig") continue;
    std::string kty = jwk.value("kty", "");
    Pkey key = kty == "RSA" ? RsaFromJwk(jwk) : kty == "EC" ? EcFromJwk(jwk) : nullptr;
    if (!key) continue;
    auto kind = KindOf(key.get());
    if (!kind) continue;
    // A key that names its algorithm must name the one its kind is used with.
    if (jwk.contains("alg") && jwk["alg"] != AlgOf(*kind)) continue;
    keys_.push_back({*kind, jwk.value("kid", ""), WritePublicPem(key.get())});
    ++added;
  }
  return added;
}

Result<json> VerifyJwt(std::string_view token, const KeySet& keys, const JwtPolicy& policy, long long now_s) {
  if (token.empty() || token.size() > kMaxTokenBytes) return Bad("missing or too long");
  std::size_t dot1 = token.find('.');
  std::size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
    return Bad("not a compact JWS (header.payload.signature)");
  std::string_view head64 = token.substr(0, dot1), body64 = token.substr(dot1 + 1, dot2 - dot1 - 1),
                   sig64 = token.substr(dot2 + 1);
  if (sig64.empty()) return Bad("the signature is empty");
  auto head_text = Base64UrlDecode(head64);
  auto body_text = Base64UrlDecode(body64);
  if (!head_text || !body_text || !Base64UrlDecode(sig64)) return Bad("not base64url");
  json header = json::parse(*head_text, nullptr, false);
  json claims = json::parse(*body_text, nullptr, false);
  if (header.is_discarded() || !header.is_object() || claims.is_discarded() || !claims.is_object())
    return Bad("the header or the payload is not a JSON object");
  if (header.contains("crit")) return Bad("critical header parameters are not supported");
  if (!header.contains("alg") || !header["alg"].is_string()) return Bad("no alg");
  std::string alg = header["alg"];
  std::optional<KeyKind> kind;
  for (KeyKind k : {KeyKind::kHmac, KeyKind::kRsa, KeyKind::kEcP256})
    if (alg == AlgOf(k)) kind = k;
  if (!kind) return Bad("the algorithm " + alg + " is not accepted (HS256, RS256, ES256)");
  std::string kid = header.contains("kid") && header["kid"].is_string() ? header["kid"].get<std::string>() : "";

  // Only keys of the algorithm's own kind are tried: an RSA key's text is
  // never used as an HMAC secret.
  bool verified = false, candidate = false;
  std::string text(token);
  for (const auto& key : keys.keys()) {
    if (key.kind != *kind || (!kid.empty() && !key.kid.empty() && key.kid != kid)) continue;
    candidate = true;
    jwt_t* raw = nullptr;
    int rc = jwt_decode(&raw, text.c_str(), reinterpret_cast<const unsigned char*>(key.material.data()),
                        static_cast<int>(key.material.size()));
    std::unique_ptr<jwt_t, JwtFree> decoded(raw);
    if (rc == 0 && decoded && jwt_get_alg(decoded.get()) == LibAlg(*kind)) {
      verified = true;
      break;
    }
  }
  if (!candidate) return Bad("no key for algorithm " + alg + (kid.empty() ? "" : " and kid " + kid));
  if (!verified) return Bad("the signature does not verify");

  auto exp = Seconds(claims, "exp");
  if (!exp) return Bad("exp is missing");
  if (now_s > *exp + policy.leeway_s) return Bad("expired");
  if (claims.contains("nbf")) {
    auto nbf = Seconds(claims, "nbf");
    if (!nbf) return Bad("nbf is not a number");
    if (now_s + policy.leeway_s < *nbf) return Bad("not valid yet (nbf)");
  }
  if (claims.contains("iat")) {
    auto iat = Seconds(claims, "iat");
    if (!iat) return Bad("iat is not a number");
    if (now_s + policy.leeway_s < *iat) return Bad("issued in the future (iat)");
  }
  if (!claims.contains("iss") || claims["iss"] != policy.issuer) return Bad("wrong issuer");
  bool audience = false;
  if (claims.contains("aud")) {
    const json& aud = claims["aud"];
    if (aud.is_string()) audience = aud == policy.audience;
    if (aud.is_array())
      for (const json& a : aud) audience = audience || (a.is_string() && a == policy.audience);
  }
  if (!audience) return Bad("wrong audience");
  return claims;
}

Result<std::string> SignJwt(const json& claims, std::string_view alg, std::string_view key, std::string_view kid) {
  jwt_alg_t lib = jwt_str_alg(std::string(alg).c_str());
  if (lib != JWT_ALG_HS256 && lib != JWT_ALG_RS256 && lib != JWT_ALG_ES256)
    return Error::Invalid("/alg", "signing supports HS256, RS256 and ES256");
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) return Error::Internal("jwt_new failed");
  std::unique_ptr<jwt_t, JwtFree> jwt(raw);
  if (jwt_add_grants_json(jwt.get(), claims.dump().c_str()) != 0) return Error::Invalid("/claims", "claims not accepted");
  if (!kid.empty() && jwt_add_header(jwt.get(), "kid", std::string(kid).c_str()) != 0)
    return Error::Invalid("/kid", "kid not accepted");
  if (jwt_set_alg(jwt.get(), lib, reinterpret_cast<const unsigned char*>(key.data()), static_cast<int>(key.size())) != 0)
    return Error::Invalid("/key", "the key does not suit the algorithm");
  char* encoded = jwt_encode_str(jwt.get());
  if (!encoded) return Error::Invalid("/key", "signing failed (a key of the wrong kind?)");
  std::string out(encoded);
  std::free(encoded);
  return out;
}

}  // namespace ordo::auth
