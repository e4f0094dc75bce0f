#include "auth/jwt.h"

#include <gtest/gtest.h>

#include "auth/test_keys.h"

namespace ordo::auth {
namespace {

using nlohmann::json;

constexpr long long kNow = 1'800'000'000;
const std::string kSecret = "a-test-secret-that-is-32-bytes-long!";

class JwtTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rsa_ = new testing::KeyPair(testing::MakeRsaKey("rsa-1"));
    ec_ = new testing::KeyPair(testing::MakeEcKey("ec-1"));
  }
  static void TearDownTestSuite() {
    delete rsa_;
    delete ec_;
  }
  void SetUp() override {
    ASSERT_TRUE(keys_.AddHmac(kSecret));
    auto added = keys_.AddJwks(testing::Jwks({rsa_, ec_}).dump());
    ASSERT_TRUE(added);
    ASSERT_EQ(*added, 2);
  }
  json Claims() const {
    return {{"iss", "ordo"}, {"aud", "ordo"}, {"sub", "alice"}, {"role", "customer"}, {"iat", kNow}, {"exp", kNow + 600}};
  }
  Result<json> Verify(const std::string& token, long long now = kNow) const {
    return VerifyJwt(token, keys_, policy_, now);
  }
  std::string Hs(const json& claims) const { return *SignJwt(claims, "HS256", kSecret); }
  static std::string Part(const json& j) { return Base64UrlEncode(j.dump()); }
  static void ExpectRejected(const Result<json>& r, const std::string& why) {
    ASSERT_FALSE(r) << "accepted, expected: " << why;
    EXPECT_EQ(r.error().code, Code::kUnauthenticated);
    EXPECT_NE(r.error().message.find(why), std::string::npos) << r.error().message;
  }

  static testing::KeyPair* rsa_;
  static testing::KeyPair* ec_;
  KeySet keys_;
  JwtPolicy policy_{"ordo", "ordo", 60};
};
testing::KeyPair* JwtTest::rsa_ = nullptr;
testing::KeyPair* JwtTest::ec_ = nullptr;

TEST_F(JwtTest, AcceptsEachAlgorithmWithItsOwnKindOfKey) {
  auto hs = Verify(Hs(Claims()));
  ASSERT_TRUE(hs) << hs.error().message;
  EXPECT_EQ((*hs)["sub"], "alice");
  auto rs = Verify(*SignJwt(Claims(), "RS256", rsa_->private_pem, "rsa-1"));
  ASSERT_TRUE(rs) << rs.error().message;
  auto es = Verify(*SignJwt(Claims(), "ES256", ec_->private_pem, "ec-1"));
  ASSERT_TRUE(es) << es.error().message;
  // A token without a kid is tried against every key of its kind.
  EXPECT_TRUE(Verify(*SignJwt(Claims(), "RS256", rsa_->private_pem)));
}

TEST_F(JwtTest, RefusesAlgNone) {
  std::string token = Part({{"alg", "none"}, {"typ", "JWT"}}) + "." + Part(Claims()) + ".";
  ExpectRejected(Verify(token), "signature is empty");
  token = Part({{"alg", "none"}}) + "." + Part(Claims()) + "." + Base64UrlEncode("x");
  ExpectRejected(Verify(token), "not accepted");
}

TEST_F(JwtTest, RefusesAnEmptySignature) {
  std::string token = Hs(Claims());
  ExpectRejected(Verify(token.substr(0, token.rfind('.') + 1)), "signature is empty");
}

TEST_F(JwtTest, RefusesHs256SignedWithTheRsaPublicKey) {
  // The classic confusion attack: the public key's PEM text used as an HMAC
  // secret. libjwt alone accepts it when handed that PEM as the key.
  auto forged = SignJwt(Claims(), "HS256", rsa_->public_pem, "rsa-1");
  ASSERT_TRUE(forged);
  ExpectRejected(Verify(*forged), "does not verify");
  KeySet only_rsa;
  ASSERT_TRUE(only_rsa.AddPem(rsa_->public_pem));
  ExpectRejected(VerifyJwt(*forged, only_rsa, policy_, kNow), "no key for algorithm HS256");
}

TEST_F(JwtTest, RefusesTheWrongKey) {
  ExpectRejected(Verify(*SignJwt(Claims(), "HS256", std::string(40, 'k'))), "does not verify");
  auto other = testing::MakeRsaKey("rsa-1");
  ExpectRejected(Verify(*SignJwt(Claims(), "RS256", other.private_pem, "rsa-1")), "does not verify");
  ExpectRejected(Verify(*SignJwt(Claims(), "RS256", rsa_->private_pem, "unknown-kid")), "no key for");
}

TEST_F(JwtTest, ChecksTimeClaimsWithSixtySecondsOfSkew) {
  json c = Claims();
  c["exp"] = kNow - 61;
  ExpectRejected(Verify(Hs(c)), "expired");
  c["exp"] = kNow - 59;
  EXPECT_TRUE(Verify(Hs(c)));
  c = Claims();
  c["nbf"] = kNow + 61;
  ExpectRejected(Verify(Hs(c)), "nbf");
  c["nbf"] = kNow + 59;
  EXPECT_TRUE(Verify(Hs(c)));
  c = Claims();
  c.erase("exp");
  ExpectRejected(Verify(Hs(c)), "exp is missing");
  c["exp"] = "tomorrow";
  ExpectRejected(Verify(Hs(c)), "exp is missing");
  c = Claims();
  c["iat"] = kNow + 3600;
  ExpectRejected(Verify(Hs(c)), "iat");
}

TEST_F(JwtTest, ChecksIssuerAndAudience) {
  json c = Claims();
  c["iss"] = "someone-else";
  ExpectRejected(Verify(Hs(c)), "wrong issuer");
  c.erase("iss");
  ExpectRejected(Verify(Hs(c)), "wrong issuer");
  c = Claims();
  c["aud"] = "another-api";
  ExpectRejected(Verify(Hs(c)), "wrong audience");
  c["aud"] = json::array({"another-api", "ordo"});
  EXPECT_TRUE(Verify(Hs(c)));
  c.erase("aud");
  ExpectRejected(Verify(Hs(c)), "wrong audience");
}

TEST_F(JwtTest, RefusesAnEditedClaim) {
  std::string token = Hs(Claims());
  std::size_t a = token.find('.'), b = token.rfind('.');
  json c = Claims();
  c["role"] = "admin";
  std::string edited = token.substr(0, a + 1) + Part(c) + token.substr(b);
  ExpectRejected(Verify(edited), "does not verify");
}

TEST_F(JwtTest, RefusesMalformedTokens) {
  for (std::string bad : std::vector<std::string>{"", "abc", "a.b", "a.b.c.d", "!!.??.**", std::string(9000, 'a')}) {
    auto r = Verify(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, Code::kUnauthenticated);
  }
  std::string crit = Part({{"alg", "HS256"}, {"crit", json::array({"exp"})}}) + "." + Part(Claims()) + ".c2ln";
  ExpectRejected(Verify(crit), "critical");
}

TEST_F(JwtTest, KeySetRefusesWeakOrUnknownKeys) {
  KeySet k;
  EXPECT_FALSE(k.AddHmac("short"));
  EXPECT_FALSE(k.AddPem("not a pem"));
  EXPECT_FALSE(k.AddJwks("[]"));
  auto none = k.AddJwks(R"({"keys":[{"kty":"oct","k":"c2VjcmV0"},{"kty":"EC","crv":"P-384","x":"AA","y":"AA"}]})");
  ASSERT_TRUE(none);
  EXPECT_EQ(*none, 0);
  // A JWK that names an algorithm other than its kind's is skipped.
  json jwk = rsa_->jwk;
  jwk["alg"] = "HS256";
  EXPECT_EQ(*k.AddJwks(json{{"keys", json::array({jwk})}}.dump()), 0);
}

TEST(Base64Url, RoundTripsWithoutPadding) {
  for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar", "\xff\xfe\x00?"}) {
    std::string enc = Base64UrlEncode(s);
    EXPECT_EQ(enc.find('='), std::string::npos);
    EXPECT_EQ(enc.find('+'), std::string::npos);
    auto dec = Base64UrlDecode(enc);
    ASSERT_TRUE(dec);
    EXPECT_EQ(*dec, s);
  }
  EXPECT_FALSE(Base64UrlDecode("a+b="));
  EXPECT_FALSE(Base64UrlDecode("abcde"));
}

}  // namespace
}  // namespace ordo::auth
