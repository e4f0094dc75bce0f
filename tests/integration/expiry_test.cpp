// 5. Reservation expiry: an unpaid order expires, releases its stock exactly once
//    and can no longer be cancelled.
#include "test_util.h"

namespace ordo::itest {
namespace {

long ReservedAt(HttpClient& client, const std::string& sku, const std::string& location) {
  for (const auto& row : StockOf(client, sku))
    if (row["location_id"] == location) return row["reserved"].get<long>();
  return -1;
}

json Reservations(HttpClient& client, const std::string& order_id) {
  HttpResponse r = client.Get("/v1/reservations?order_id=" + order_id);
  EXPECT_EQ(r.status, 200) << r.Describe();
  json body = r.Json();
  return body.is_object() && body.contains("items") ? body["items"] : json::array();
}

TEST(OrdoIntegration, UnpaidOrderExpiresAndReleasesItsStock) {
  OrdoServer server({"--demo", "--reservation-ttl", "2s", "--expiry-sweep-interval", "200ms"});
  ASSERT_TRUE(server.Start());
  HttpClient client(server.url());
  const std::string sku = "SKU-0003";
  json stock_before = StockOf(client, sku);

  HttpResponse placed = client.Post("/v1/orders", OrderBody(sku, 2));
  auto placed_at = std::chrono::steady_clock::now();
  ASSERT_EQ(placed.status, 201) << placed.Describe();
  json order = placed.Json();
  const std::string id = order["id"];
  ASSERT_EQ(order["status"], "pending");
  ASSERT_EQ(order["allocations"].size(), 1u) << "2 units of a demo SKU fit in one location: " << placed.body;
  const std::string location = order["allocations"][0]["location_id"];
  long reserved_before = -1;
  for (const auto& row : stock_before)
    if (row["location_id"] == location) reserved_before = row["reserved"].get<long>();
  ASSERT_GE(reserved_before, 0);
  EXPECT_EQ(ReservedAt(client, sku, location), reserved_before + 2);

  json pending = Reservations(client, id);
  ASSERT_FALSE(pending.empty());
  for (const auto& r : pending) EXPECT_EQ(r["state"], "pending") << r.dump();

  // A second order, cancelled at once: it must stay cancelled (released exactly once).
  HttpResponse other = client.Post("/v1/orders", OrderBody(sku, 1));
  ASSERT_EQ(other.status, 201) << other.Describe();
  const std::string other_id = other.Json()["id"];
  HttpResponse cancelled = client.Post("/v1/orders/" + other_id + "/cancel", std::string());
  ASSERT_EQ(cancelled.status, 200) << cancelled.Describe();
  EXPECT_EQ(cancelled.Json()["status"], "cancelled");

  // Poll until the first order expires (TTL 2 s, sweep every 200 ms).
  json current;
  bool expired = PollUntil(10s, [&] {
    HttpResponse r = client.Get("/v1/orders/" + id);
    if (r.status != 200) return false;
    current = r.Json();
    return current["status"] == "expired";
  }, 100ms);
  auto seen_expired_after = std::chrono::steady_clock::now() - placed_at;
  ASSERT_TRUE(expired) << "still " << current.dump() << " after 10 s";
  EXPECT_GE(seen_expired_after, 1500ms) << "expired long before its 2 s TTL";

  for (const auto& r : Reservations(client, id)) {
    EXPECT_EQ(r["state"], "expired") << r.dump();
    EXPECT_FALSE(r["resolved_at"].is_null()) << r.dump();
  }
  for (const auto& r : Reservations(client, other_id)) EXPECT_EQ(r["state"], "released") << r.dump();
  EXPECT_EQ(ReservedAt(client, sku, location), reserved_before) << "the expired order still holds stock";
  for (const auto& row : StockOf(client, sku)) {
    EXPECT_GE(row["reserved"].get<long>(), 0) << row.dump();
    EXPECT_GE(row["available"].get<long>(), 0) << row.dump();
  }

  HttpResponse events = client.Get("/v1/orders/" + id + "/events");
  ASSERT_EQ(events.status, 200) << events.Describe();
  json items = events.Json()["items"];
  ASSERT_FALSE(items.empty());
  EXPECT_EQ(items.back()["type"], "order.expired") << events.body;
  int expired_events = 0;
  for (const auto& e : items) expired_events += e["type"] == "order.expired";
  EXPECT_EQ(expired_events, 1) << events.body;

  HttpResponse cancel = client.Post("/v1/orders/" + id + "/cancel", std::string());
  EXPECT_EQ(cancel.status, 409) << cancel.Describe();
  EXPECT_EQ(cancel.Header("content-type").rfind("application/problem+json", 0), 0u);
  HttpResponse after = client.Get("/v1/orders/" + id);
  EXPECT_EQ(after.Json()["status"], "expired");
  HttpResponse other_after = client.Get("/v1/orders/" + other_id);
  EXPECT_EQ(other_after.Json()["status"], "cancelled") << "a cancelled order must not expire";
  EXPECT_EQ(ReservedAt(client, sku, location), reserved_before);

  ExpectCleanShutdownAndCheck(server);
}

}  // namespace
}  // namespace ordo::itest
