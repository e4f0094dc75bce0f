#include "auth/test_keys.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <stdexcept>

#include "auth/jwt.h"

namespace ordo::auth::testing {

namespace {

std::string Pem(EVP_PKEY* key, bool priv) {
  BIO* bio = BIO_new(BIO_s_mem());
  int ok = priv ? PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr) : PEM_write_bio_PUBKEY(bio, key);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string out = ok == 1 ? std::string(data, static_cast<std::size_t>(len)) : std::string();
  BIO_free(bio);
  if (out.empty()) throw std::runtime_error("cannot write a test key");
  return out;
}

std::string BnParam(EVP_PKEY* key, const char* name, std::size_t pad_to = 0) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &bn) != 1) throw std::runtime_error("no key parameter");
  std::size_t len = std::max<std::size_t>(static_cast<std::size_t>(BN_num_bytes(bn)), pad_to);
  std::string out(len, '\0');
  BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(len));
  BN_free(bn);
  return out;
}

}  // namespace

KeyPair MakeRsaKey(const std::string& kid) {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
  if (!key) throw std::runtime_error("cannot make an RSA key");
  KeyPair k{Pem(key, true), Pem(key, false), {}};
  k.jwk = {{"kty", "RSA"}, {"kid", kid}, {"alg", "RS256"}, {"use", "sig"},
           {"n", Base64UrlEncode(BnParam(key, OSSL_PKEY_PARAM_RSA_N))},
           {"e", Base64UrlEncode(BnParam(key, OSSL_PKEY_PARAM_RSA_E))}};
  EVP_PKEY_free(key);
  return k;
}

KeyPair MakeEcKey(const std::string& kid) {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (!key) throw std::runtime_error("cannot make an EC key");
  KeyPair k{Pem(key, true), Pem(key, false), {}};
  k.jwk = {{"kty", "EC"}, {"kid", kid}, {"alg", "ES256"}, {"use", "sig"}, {"crv", "P-256"},
           {"x", Base64UrlEncode(BnParam(key, OSSL_PKEY_PARAM_EC_PUB_X, 32))},
           {"y", Base64UrlEncode(BnParam(key, OSSL_PKEY_PARAM_EC_PUB_Y, 32))}};
  EVP_PKEY_free(key);
  return k;
}

nlohmann::json Jwks(std::initializer_list<const KeyPair*> keys) {
  nlohmann::json list = nlohmann::json::array();
  for (const KeyPair* k : keys) list.push_back(k->jwk);
  return {{"keys", list}};
}

}  // namespace ordo::auth::testing
