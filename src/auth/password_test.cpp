#include "auth/password.h"

#include <gtest/gtest.h>

#include "auth/api_key.h"
#include "auth/users.h"

namespace ordo::auth {
namespace {

constexpr ScryptCost kFast{10, 8, 1};  // the tests' cost; production uses the default

TEST(Password, VerifiesTheRightPasswordOnly) {
  auto hash = HashPassword("Correct horse 1!", kFast);
  ASSERT_TRUE(hash);
  EXPECT_EQ(hash->rfind("scrypt$10$8$1$", 0), 0u) << *hash;
  EXPECT_TRUE(VerifyPassword("Correct horse 1!", *hash));
  EXPECT_FALSE(VerifyPassword("Correct horse 1", *hash));
  EXPECT_FALSE(VerifyPassword("", *hash));
  // Same password, another salt.
  EXPECT_NE(*HashPassword("Correct horse 1!", kFast), *hash);
}

TEST(Password, RefusesBrokenEncodings) {
  for (const char* bad : {"", "plain", "scrypt$15$8$1$salt", "scrypt$99$8$1$c2FsdA$aGFzaA", "bcrypt$x$y$z$a$b"})
    EXPECT_FALSE(VerifyPassword("x", bad)) << bad;
  EXPECT_FALSE(HashPassword("", kFast));
}

TEST(Password, DefaultCostIsScryptN32768) {
  auto hash = HashPassword("pw");
  ASSERT_TRUE(hash);
  EXPECT_EQ(hash->rfind("scrypt$15$8$1$", 0), 0u);
  EXPECT_TRUE(VerifyPassword("pw", *hash));
}

TEST(ApiKeys, OnlyTheWholeKeyMatchesAndTheRecordHoldsNoSecret) {
  auto made = MakeApiKey("erp-prod", {"erp"}, 1000, "user:admin");
  ASSERT_TRUE(made);
  const std::string& key = made->plaintext;
  EXPECT_EQ(key.rfind("ordo_key_", 0), 0u);
  auto id = ApiKeyId(key);
  ASSERT_TRUE(id);
  EXPECT_EQ(*id, made->record.id);
  EXPECT_TRUE(KeyMatches(made->record, key));
  EXPECT_FALSE(KeyMatches(made->record, key.substr(0, key.size() - 1) + (key.back() == 'A' ? "B" : "A")));
  std::string stored = EncodeApiKeys({made->record});
  EXPECT_EQ(stored.find(key.substr(key.size() - 20)), std::string::npos);
  auto back = DecodeApiKeys(stored);
  ASSERT_TRUE(back);
  ASSERT_EQ(back->size(), 1u);
  EXPECT_TRUE(KeyMatches(back->front(), key));
  EXPECT_FALSE(ToJson(back->front()).contains("hash"));
}

TEST(ApiKeys, RefusesUnknownScopesAndBadNames) {
  auto bad_scope = MakeApiKey("x", {"erp", "root"}, 0, "");
  ASSERT_FALSE(bad_scope);
  EXPECT_EQ(bad_scope.error().pointer, "/scopes/1");
  EXPECT_FALSE(MakeApiKey("", {"wms"}, 0, ""));
  EXPECT_FALSE(MakeApiKey("x", {}, 0, ""));
  EXPECT_FALSE(ApiKeyId("ordo_key_zzzzzzzzzzzz_secret"));
  EXPECT_FALSE(ApiKeyId("eyJhbGciOi.x.y"));
}

TEST(Users, ParsesAUsersFileAndNamesBadFields) {
  std::string hash = *HashPassword("pw", kFast);
  auto users = ParseUsers(R"([{"username":"ann","password_hash":")" + hash +
                          R"(","role":"seller","locations":["wh-1","wh-2"]},
                              {"username":"bob","password_hash":")" + hash + R"(","role":"customer"}])");
  ASSERT_TRUE(users) << users.error().message;
  UserDirectory dir(std::move(*users));
  ASSERT_NE(dir.Find("ann"), nullptr);
  EXPECT_EQ(dir.Find("ann")->role, Role::kSeller);
  EXPECT_EQ(dir.Find("ann")->locations, (std::vector<std::string>{"wh-1", "wh-2"}));
  EXPECT_EQ(dir.Find("bob")->customer_id, "bob");
  EXPECT_EQ(dir.Find("carol"), nullptr);

  auto bad_role = ParseUsers(R"([{"username":"x","password_hash":")" + hash + R"(","role":"root"}])");
  ASSERT_FALSE(bad_role);
  EXPECT_EQ(bad_role.error().pointer, "/0/role");
  auto plain = ParseUsers(R"([{"username":"x","password_hash":"secret","role":"admin"}])");
  ASSERT_FALSE(plain);
  EXPECT_EQ(plain.error().pointer, "/0/password_hash");
}

TEST(Users, DemoUsersSplitTheLocationsBetweenTheTwoSellers) {
  auto users = DemoUsers({"a", "b", "c"}, kFast);
  ASSERT_TRUE(users);
  UserDirectory dir(std::move(*users));
  EXPECT_EQ(dir.Find("seller@ordo.demo")->locations, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(dir.Find("seller2@ordo.demo")->locations, (std::vector<std::string>{"c"}));
  EXPECT_EQ(dir.Find("admin@ordo.demo")->role, Role::kAdmin);
  EXPECT_NE(dir.Find("customer@ordo.demo")->customer_id, dir.Find("customer2@ordo.demo")->customer_id);
  EXPECT_TRUE(VerifyPassword("Customer123!", dir.Find("customer@ordo.demo")->password_hash));
}

}  // namespace
}  // namespace ordo::auth
