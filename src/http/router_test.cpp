#include "http/router.h"

#include <gtest/gtest.h>

namespace ordo::http {
namespace {

Response Dispatch(const Router& router, const std::string& method, const std::string& path, Request* out = nullptr) {
  Request req;
  req.method = method;
  req.path = path;
  Response got;
  router.Dispatch(req, [&](Response r) { got = std::move(r); });
  if (out) *out = req;
  return got;
}

TEST(RouterTest, MatchesPatternsAndCapturesParams) {
  Router router;
  router.Add("GET", "/v1/orders/{id}", [](Request& r, Respond respond) { respond({200, "text/plain", r.params["id"]}); });
  router.Add("GET", "/v1/orders/{id}/events", [](Request&, Respond respond) { respond({200, "text/plain", "events"}); });
  router.Add("POST", "/v1/orders", [](Request&, Respond respond) { respond({201, "text/plain", "made"}); });
  Request seen;
  EXPECT_EQ(Dispatch(router, "GET", "/v1/orders/ord_1", &seen).body, "ord_1");
  EXPECT_EQ(seen.route, "/v1/orders/{id}");
  EXPECT_EQ(Dispatch(router, "GET", "/v1/orders/ord_1/events").body, "events");
  EXPECT_EQ(Dispatch(router, "POST", "/v1/orders").status, 201);
  EXPECT_EQ(Dispatch(router, "GET", "/v1/orders/").status, 405);  // same as /v1/orders: POST only
  EXPECT_EQ(Dispatch(router, "GET", "/v1/nothing").status, 404);
  Response not_allowed = Dispatch(router, "DELETE", "/v1/orders");
  EXPECT_EQ(not_allowed.status, 405);
  ASSERT_EQ(not_allowed.headers.size(), 1u);
  EXPECT_EQ(not_allowed.headers[0].second, "POST");
  EXPECT_EQ(not_allowed.content_type, "application/problem+json");
}

TEST(RouterTest, ACatchAllServesItsMethodButMakesNoOtherMethodA405) {
  Router router;
  router.Add("POST", "/v1/orders", [](Request&, Respond respond) { respond({201, "text/plain", "made"}); });
  router.Add("GET", "/{page}/{id}", [](Request& r, Respond respond) { respond({200, "text/html", r.params["page"]}); });
  EXPECT_EQ(Dispatch(router, "GET", "/orders/ord_1").body, "orders");
  EXPECT_EQ(Dispatch(router, "POST", "/v1/nope").status, 404);      // only the catch-all matches
  EXPECT_EQ(Dispatch(router, "DELETE", "/orders/ord_1").status, 404);
  Response not_allowed = Dispatch(router, "PUT", "/v1/orders");    // a real resource still says 405
  EXPECT_EQ(not_allowed.status, 405);
  ASSERT_EQ(not_allowed.headers.size(), 1u);
  EXPECT_EQ(not_allowed.headers[0].second, "POST");
}

TEST(RequestTest, QueryParametersAreDecoded) {
  Request r;
  r.query = "status=pending&customer_id=a%2Bb&x=1+2&flag";
  EXPECT_EQ(r.Query("status"), "pending");
  EXPECT_EQ(r.Query("customer_id"), "a+b");
  EXPECT_EQ(r.Query("x"), "1 2");
  EXPECT_TRUE(r.HasQuery("flag"));
  EXPECT_FALSE(r.HasQuery("none"));
  EXPECT_EQ(r.Query("none"), "");
}

}  // namespace
}  // namespace ordo::http
