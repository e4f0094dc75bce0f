#include "http/access.h"

#include <gtest/gtest.h>

#include <set>

#include "http/rate_limit.h"

namespace ordo::http {
namespace {

auth::Principal As(auth::Role role, std::vector<std::string> scopes = {}) {
  auth::Principal p;
  p.role = role;
  p.subject = "x";
  p.scopes = std::move(scopes);
  return p;
}

TEST(Access, EveryRuleIsUniqueAndAdminsMayDoEverything) {
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& r : AccessRules()) {
    EXPECT_TRUE(seen.insert({r.method, r.pattern}).second) << r.method << " " << r.pattern;
    EXPECT_EQ(r.admin, Access::kAll) << r.pattern;
    // "own" has no meaning for a caller who owns nothing.
    EXPECT_NE(r.anonymous, Access::kOwn) << r.pattern;
  }
  EXPECT_EQ(FindAccessRule("GET", "/v1/orders/{id}")->customer, Access::kOwn);
  EXPECT_EQ(FindAccessRule("GET", "/v1/orders/{x}"), nullptr);
}

TEST(Access, ApiKeysReachOnlyTheirScopeAndPublicRoutes) {
  const AccessRule* metrics = FindAccessRule("GET", "/metrics");
  ASSERT_NE(metrics, nullptr);
  EXPECT_EQ(AccessFor(*metrics, As(auth::Role::kIntegration, {"metrics"})), Access::kAll);
  EXPECT_EQ(AccessFor(*metrics, As(auth::Role::kIntegration, {"erp"})), Access::kNone);
  EXPECT_EQ(AccessFor(*metrics, As(auth::Role::kSeller)), Access::kNone);
  const AccessRule* orders = FindAccessRule("GET", "/v1/orders");
  EXPECT_EQ(AccessFor(*orders, As(auth::Role::kIntegration, {"erp", "wms", "metrics"})), Access::kNone);
  EXPECT_EQ(AccessFor(*FindAccessRule("GET", "/livez"), As(auth::Role::kIntegration)), Access::kAll);
  EXPECT_EQ(AccessJson(*metrics)["integration"], "metrics");
  EXPECT_EQ(AccessJson(*orders)["customer"], "own");
}

TEST(Access, TheMarkdownTableHasARowPerRule) {
  std::string md = AccessMarkdown();
  std::size_t rows = 0;
  for (char c : md) rows += c == '\n';
  EXPECT_EQ(rows, AccessRules().size() + 2);
  EXPECT_NE(md.find("| POST | `/v1/orders/{id}/pay` | none | own | none | all | none |"), std::string::npos);
}

TEST(RateLimiter, ABucketEmptiesThenRefillsAtItsRate) {
  RateLimiter limiter;
  RateLimit limit{2, 4};  // 2/s, bursts of 4
  int retry = 0;
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(limiter.Allow("a", limit, 1000, &retry)) << i;
  EXPECT_FALSE(limiter.Allow("a", limit, 1000, &retry));
  EXPECT_EQ(retry, 1);
  EXPECT_TRUE(limiter.Allow("b", limit, 1000, &retry));  // another caller has its own bucket
  EXPECT_TRUE(limiter.Allow("a", limit, 1500, &retry));  // half a second: one token
  EXPECT_FALSE(limiter.Allow("a", limit, 1500, &retry));
  EXPECT_TRUE(limiter.Allow("a", RateLimit{0, 0}, 1500, &retry));  // 0 = unlimited
  RateLimit slow{0.1, 1};
  EXPECT_TRUE(limiter.Allow("c", slow, 0, &retry));
  EXPECT_FALSE(limiter.Allow("c", slow, 0, &retry));
  EXPECT_EQ(retry, 10);
}

}  // namespace
}  // namespace ordo::http
