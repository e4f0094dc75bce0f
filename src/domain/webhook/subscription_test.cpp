#include "domain/webhook/subscription.h"

#include <gtest/gtest.h>

namespace ordo::domain {
namespace {

Subscription Sub(std::vector<std::string> types, std::string url = "https://shop.example/hooks") {
  return {"whk_1", std::move(url), std::move(types), "whsec_x", "", true, 0};
}

TEST(Subscription, MatchesExactTypesPrefixesAndEverything) {
  EXPECT_TRUE(Matches(Sub({"order.created"}), "order.created"));
  EXPECT_FALSE(Matches(Sub({"order.created"}), "order.cancelled"));
  EXPECT_TRUE(Matches(Sub({"order.*"}), "order.cancelled"));
  EXPECT_FALSE(Matches(Sub({"order.*"}), "orders.cancelled"));
  EXPECT_FALSE(Matches(Sub({"order.*"}), "reservation.created"));
  EXPECT_TRUE(Matches(Sub({"stock.set", "*"}), "anything.at_all"));
  Subscription off = Sub({"*"});
  off.active = false;
  EXPECT_FALSE(Matches(off, "order.created"));
}

TEST(Subscription, ValidationNamesTheField) {
  EXPECT_TRUE(ValidateSubscription(Sub({"order.*"})).ok());
  EXPECT_TRUE(ValidateSubscription(Sub({"*"}, "http://10.0.0.1:8080/x")).ok());  // reachability is checked elsewhere
  EXPECT_EQ(ValidateSubscription(Sub({"order.*"}, "ftp://x/y")).error().pointer, "/url");
  EXPECT_EQ(ValidateSubscription(Sub({"order.*"}, "https://user:pw@x/y")).error().pointer, "/url");
  EXPECT_EQ(ValidateSubscription(Sub({"order.*"}, "https:///y")).error().pointer, "/url");
  EXPECT_EQ(ValidateSubscription(Sub({"order.*"}, "https://x/a b")).error().pointer, "/url");
  EXPECT_EQ(ValidateSubscription(Sub({})).error().pointer, "/event_types");
  EXPECT_EQ(ValidateSubscription(Sub({"order.created", "Order.Created"})).error().pointer, "/event_types/1");
  EXPECT_EQ(ValidateSubscription(Sub({".*"})).error().pointer, "/event_types/0");
}

}  // namespace
}  // namespace ordo::domain
