// 2. Idempotency-Key: replay, concurrent duplicates, reuse with another body,
//    per-caller scope and the key length limit.
#include <latch>
#include <thread>
#include <vector>

#include "test_util.h"

namespace ordo::itest {
namespace {

// The orders of one customer (each sub-test uses its own customer id to count).
std::vector<json> OrdersOf(HttpClient& client, const std::string& customer) {
  HttpResponse r = client.Get("/v1/orders?limit=200&customer_id=" + UrlEncode(customer));
  EXPECT_EQ(r.status, 200) << r.Describe();
  json body = r.Json();
  std::vector<json> out;
  if (body.is_object() && body["items"].is_array())
    for (const auto& o : body["items"]) out.push_back(o);
  return out;
}

json BodyFor(const std::string& customer, const std::string& sku = "SKU-0002", long quantity = 1) {
  json body = OrderBody(sku, quantity);
  body["customer_id"] = customer;
  return body;
}

// Once per backend: OrdoIntegration/Idempotency.*/sqlite and …/postgres, one server per backend.
class Idempotency : public SharedServerOnBackend {};
INSTANTIATE_TEST_SUITE_P(OrdoIntegration, Idempotency, kAllBackends, BackendParamName);

TEST_P(Idempotency, SequentialReplayReturnsTheSameStatusAndBody) {
  HttpClient client(server_->url());
  std::string body = BodyFor("idem-seq").dump();
  Headers key = {{"Idempotency-Key", "seq-key-1"}};
  HttpResponse first = client.Post("/v1/orders", body, key);
  ASSERT_EQ(first.status, 201) << first.Describe();
  EXPECT_FALSE(first.HasHeader("Idempotent-Replayed")) << "the first answer is not a replay";
  ASSERT_EQ(first.Header("Location"), "/v1/orders/" + first.Json()["id"].get<std::string>());

  for (int i = 0; i < 3; ++i) {
    HttpResponse again = client.Post("/v1/orders", body, key);
    EXPECT_EQ(again.status, first.status) << again.Describe();
    EXPECT_EQ(again.body, first.body);
    EXPECT_EQ(again.Header("Idempotent-Replayed"), "true");
  }
  // A fresh connection replays as well.
  HttpClient other(server_->url());
  HttpResponse again = other.Post("/v1/orders", body, key);
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.body, first.body);
  // A replayed 201 Created still says where the order is.
  EXPECT_EQ(again.Header("Location"), first.Header("Location")) << "replayed 201 without the Location header";

  auto orders = OrdersOf(client, "idem-seq");
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0]["id"], first.Json()["id"]);
}

TEST_P(Idempotency, AnotherBodyUnderTheSameKeyIs422) {
  HttpClient client(server_->url());
  Headers key = {{"Idempotency-Key", "reuse-key-1"}};
  HttpResponse first = client.Post("/v1/orders", BodyFor("idem-reuse", "SKU-0002", 1), key);
  ASSERT_EQ(first.status, 201) << first.Describe();
  HttpResponse other = client.Post("/v1/orders", BodyFor("idem-reuse", "SKU-0002", 2), key);
  EXPECT_EQ(other.status, 422) << other.Describe();
  EXPECT_EQ(ProblemType(other.Json()), "idempotency-key-reused") << other.Describe();
  EXPECT_FALSE(other.HasHeader("Idempotent-Replayed"));
  EXPECT_EQ(OrdersOf(client, "idem-reuse").size(), 1u);
  // The original still replays afterwards.
  HttpResponse replay = client.Post("/v1/orders", BodyFor("idem-reuse", "SKU-0002", 1), key);
  EXPECT_EQ(replay.status, 201);
  EXPECT_EQ(replay.body, first.body);
}

TEST_P(Idempotency, FiftyConcurrentDuplicatesMakeOneOrder) {
  const std::string customer = "idem-burst";
  const std::string body = BodyFor(customer, "SKU-0004", 1).dump();
  const std::string url = server_->url();
  HttpClient client(url);
  json stock_before = StockOf(client, "SKU-0004");

  constexpr int kRequests = 50;
  std::vector<HttpResponse> responses(kRequests);
  std::latch go(kRequests + 1);
  std::vector<std::thread> threads;
  for (int i = 0; i < kRequests; ++i)
    threads.emplace_back([&, i] {
      HttpClient own(url, 30s);
      go.arrive_and_wait();
      responses[i] = own.Post("/v1/orders", body, {{"Idempotency-Key", "burst-key-1"}});
    });
  go.arrive_and_wait();
  for (auto& t : threads) t.join();

  std::string created_body;
  int created = 0, in_flight = 0;
  for (int i = 0; i < kRequests; ++i) {
    const HttpResponse& r = responses[i];
    SCOPED_TRACE("request " + std::to_string(i));
    if (r.status == 201) {
      ++created;
      if (created_body.empty()) created_body = r.body;
      EXPECT_EQ(r.body, created_body) << "every 201 must carry the same order";
    } else {
      ++in_flight;
      EXPECT_EQ(r.status, 409) << r.Describe();
      EXPECT_EQ(ProblemType(r.Json()), "idempotency-key-in-flight") << r.Describe();
    }
  }
  ASSERT_GE(created, 1) << in_flight << " answers were 409 in-flight and none was the order";

  auto orders = OrdersOf(client, customer);
  ASSERT_EQ(orders.size(), 1u) << "the same key made " << orders.size() << " orders";
  EXPECT_EQ(orders[0]["id"], json::parse(created_body)["id"]);

  // Exactly one unit more is reserved for the SKU.
  long reserved_before = 0, reserved_after = 0;
  for (const auto& row : stock_before) reserved_before += row["reserved"].get<long>();
  for (const auto& row : StockOf(client, "SKU-0004")) reserved_after += row["reserved"].get<long>();
  EXPECT_EQ(reserved_after - reserved_before, 1);

  // Once settled, the key replays the order.
  HttpResponse replay = client.Post("/v1/orders", body, {{"Idempotency-Key", "burst-key-1"}});
  EXPECT_EQ(replay.status, 201) << replay.Describe();
  EXPECT_EQ(replay.body, created_body);
  EXPECT_EQ(replay.Header("Idempotent-Replayed"), "true");
}

TEST_P(Idempotency, KeysAreScopedPerCaller) {
  HttpClient client(server_->url());
  const std::string customer = "idem-scope";
  std::string body = BodyFor(customer).dump();
  // Keys belong to the authenticated principal (the token's subject), not to the token text.
  const std::string alice_token = Bearer(TestToken("admin", "alice")), bob_token = Bearer(TestToken("admin", "bob"));
  HttpResponse alice =
      client.Post("/v1/orders", body, {{"Idempotency-Key", "shared-key-1"}, {"Authorization", alice_token}});
  ASSERT_EQ(alice.status, 201) << alice.Describe();
  HttpResponse bob =
      client.Post("/v1/orders", body, {{"Idempotency-Key", "shared-key-1"}, {"Authorization", bob_token}});
  ASSERT_EQ(bob.status, 201) << bob.Describe();
  EXPECT_FALSE(bob.HasHeader("Idempotent-Replayed")) << "another caller's key must not replay";
  EXPECT_NE(alice.Json()["id"], bob.Json()["id"]);
  HttpResponse third = client.Post("/v1/orders", body, {{"Idempotency-Key", "shared-key-1"}});  // the default admin
  ASSERT_EQ(third.status, 201) << third.Describe();
  EXPECT_FALSE(third.HasHeader("Idempotent-Replayed"));

  // A fresh token of the same principal replays alice's stored answer.
  HttpResponse alice_again = client.Post(
      "/v1/orders", body, {{"Idempotency-Key", "shared-key-1"}, {"Authorization", Bearer(TestToken("admin", "alice", {}, 600))}});
  EXPECT_EQ(alice_again.body, alice.body);
  EXPECT_EQ(alice_again.Header("Idempotent-Replayed"), "true");

  EXPECT_EQ(OrdersOf(client, customer).size(), 3u);
}

TEST_P(Idempotency, KeyLengthAndCharactersAreValidated) {
  HttpClient client(server_->url());
  const std::string customer = "idem-length";
  std::string body = BodyFor(customer).dump();

  HttpResponse too_long = client.Post("/v1/orders", body, {{"Idempotency-Key", std::string(256, 'k')}});
  EXPECT_EQ(too_long.status, 422) << too_long.Describe();
  EXPECT_EQ(too_long.Header("content-type").rfind("application/problem+json", 0), 0u);
  EXPECT_EQ(too_long.Json()["status"], 422);
  EXPECT_EQ(OrdersOf(client, customer).size(), 0u) << "a refused key must not create an order";

  HttpResponse spaces = client.Post("/v1/orders", body, {{"Idempotency-Key", "has spaces in it"}});
  EXPECT_EQ(spaces.status, 422) << spaces.Describe();
  EXPECT_EQ(OrdersOf(client, customer).size(), 0u);

  // The longest allowed key works and replays.
  std::string longest(255, 'k');
  HttpResponse ok = client.Post("/v1/orders", body, {{"Idempotency-Key", longest}});
  ASSERT_EQ(ok.status, 201) << ok.Describe();
  HttpResponse replay = client.Post("/v1/orders", body, {{"Idempotency-Key", longest}});
  EXPECT_EQ(replay.body, ok.body);
  EXPECT_EQ(replay.Header("Idempotent-Replayed"), "true");
  EXPECT_EQ(OrdersOf(client, customer).size(), 1u);
}

}  // namespace
}  // namespace ordo::itest
