#include "auth/authenticator.h"

#include <gtest/gtest.h>

#include "auth/test_keys.h"

namespace ordo::auth {
namespace {

using nlohmann::json;

constexpr long long kNow = 1'800'000'000;
const std::string kSecret = "another-test-secret-of-32-bytes-or-more";

Principal Customer(std::string id) {
  Principal p;
  p.role = Role::kCustomer;
  p.subject = id;
  p.customer_id = id;
  return p;
}

TEST(Authenticator, AnEmptyHeaderIsAnonymousAndOtherSchemesAreRefused) {
  Authenticator a(KeySet{}, kSecret, {});
  auto anon = a.Authenticate("", kNow);
  ASSERT_TRUE(anon);
  EXPECT_EQ(anon->role, Role::kAnonymous);
  EXPECT_EQ(anon->Id(), "anonymous");
  for (const char* bad : {"Basic dXNlcjpwdw==", "Bearer", "Bearer ", "Token abc"}) {
    auto r = a.Authenticate(bad, kNow);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, Code::kUnauthenticated);
  }
}

TEST(Authenticator, IssuedTokensCarryRoleCustomerAndLocations) {
  Authenticator a(KeySet{}, kSecret, {});
  auto token = a.IssueFor(Customer("cus_1"), kNow, 600);
  ASSERT_TRUE(token);
  auto p = a.Authenticate("Bearer " + *token, kNow);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->role, Role::kCustomer);
  EXPECT_EQ(p->customer_id, "cus_1");
  EXPECT_EQ(p->Id(), "user:cus_1");
  // Cached, but still expires.
  EXPECT_TRUE(a.Authenticate("bearer " + *token, kNow + 600));
  auto late = a.Authenticate("Bearer " + *token, kNow + 661);
  ASSERT_FALSE(late);
  EXPECT_NE(late.error().message.find("expired"), std::string::npos);

  Principal s;
  s.role = Role::kSeller;
  s.subject = "seller-a";
  s.locations = {"wh-1"};
  auto seller = a.Authenticate("Bearer " + *a.IssueFor(s, kNow, 600), kNow);
  ASSERT_TRUE(seller);
  EXPECT_EQ(seller->locations, std::vector<std::string>{"wh-1"});
  EXPECT_TRUE(seller->HasLocation("wh-1"));
  EXPECT_FALSE(seller->HasLocation("wh-2"));
}

TEST(Authenticator, ReadsKeycloakRolesAndPicksTheMostPrivileged) {
  auto p = PrincipalFromClaims({{"sub", "u1"}, {"realm_access", {{"roles", {"offline_access", "seller"}}}}});
  ASSERT_TRUE(p);
  EXPECT_EQ(p->role, Role::kSeller);
  p = PrincipalFromClaims({{"sub", "u1"}, {"roles", {"customer", "admin"}}});
  ASSERT_TRUE(p);
  EXPECT_EQ(p->role, Role::kAdmin);
  EXPECT_FALSE(PrincipalFromClaims({{"sub", "u1"}, {"roles", {"viewer"}}}));
  EXPECT_FALSE(PrincipalFromClaims({{"role", "admin"}}));
  // A customer's id must be usable as an order's customer_id.
  EXPECT_FALSE(PrincipalFromClaims({{"sub", "has spaces"}, {"role", "customer"}}));
}

TEST(Authenticator, ApiKeysAreLookedUpByIdAndCheckedWhole) {
  auto made = MakeApiKey("wms", {"wms"}, 0, "user:admin");
  ASSERT_TRUE(made);
  ApiKey record = made->record;
  Authenticator a(KeySet{}, kSecret, {});
  auto none = a.Authenticate("Bearer " + made->plaintext, kNow);
  EXPECT_FALSE(none);  // no lookup set: keys are refused
  a.SetKeyLookup([&record](const std::string& id) -> std::optional<ApiKey> {
    return id == record.id ? std::optional(record) : std::nullopt;
  });
  auto p = a.Authenticate("Bearer " + made->plaintext, kNow);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->role, Role::kIntegration);
  EXPECT_TRUE(p->HasScope("wms"));
  EXPECT_FALSE(p->HasScope("erp"));
  EXPECT_EQ(p->Id(), "key:" + record.id);
  std::string wrong = made->plaintext;
  wrong.back() = wrong.back() == 'x' ? 'y' : 'x';
  EXPECT_FALSE(a.Authenticate("Bearer " + wrong, kNow));
  record.revoked_at = 5;
  EXPECT_FALSE(a.Authenticate("Bearer " + made->plaintext, kNow));
}

TEST(Authenticator, FetchesTheJwksAgainForAnUnknownKidAtMostOncePerMinute) {
  auto old_key = testing::MakeRsaKey("k1");
  auto new_key = testing::MakeRsaKey("k2");
  KeySet keys;
  ASSERT_TRUE(keys.AddJwks(testing::Jwks({&old_key}).dump()));
  Authenticator a(std::move(keys), "", {});
  int fetches = 0;
  a.SetJwksSource([&]() -> Result<std::string> {
    ++fetches;
    return testing::Jwks({&old_key, &new_key}).dump();
  });
  json claims = {{"iss", "ordo"}, {"aud", "ordo"}, {"sub", "u"}, {"role", "admin"}, {"exp", kNow + 60}};
  auto t1 = *SignJwt(claims, "RS256", old_key.private_pem, "k1");
  EXPECT_TRUE(a.Authenticate("Bearer " + t1, kNow));
  EXPECT_EQ(fetches, 0);
  auto t2 = *SignJwt(claims, "RS256", new_key.private_pem, "k2");
  auto p = a.Authenticate("Bearer " + t2, kNow);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(fetches, 1);
  auto stranger = testing::MakeRsaKey("k3");
  EXPECT_FALSE(a.Authenticate("Bearer " + *SignJwt(claims, "RS256", stranger.private_pem, "k3"), kNow + 1));
  EXPECT_EQ(fetches, 1);  // within the minute: no second fetch
  EXPECT_FALSE(a.Issue(User{}, kNow));  // no signing secret: no tokens issued
}

}  // namespace
}  // namespace ordo::auth
