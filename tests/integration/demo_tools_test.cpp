// The demo's tools (seed 000) against a real `ordo serve --demo` with its
// in-process simulator, on both backends: each failure scenario of the order
// generator ends where it should, the chaos knobs turn and refuse bad values,
// the reset empties the shop and reloads the demo, and a server without
// --demo refuses all of it.
#include <set>

#include "test_util.h"

namespace ordo::itest {
namespace {

class DemoTools : public OnBackend {
 protected:
  void SetUp() override {
    OnBackend::SetUp();
    if (IsSkipped()) return;
    server_ = std::make_unique<OrdoServer>(
        std::vector<std::string>{"--demo", "--job-retry-base", "50ms", "--breaker-cooldown", "100ms",
                                 "--reconcile-interval", "0", "--reconcile-settle", "500ms"},
        GetParam());
    ASSERT_TRUE(server_->Start());
    api_ = std::make_unique<HttpClient>(server_->url());
    // Quick warehouse steps, so that orders reach delivered in well under a second.
    ASSERT_EQ(api_->Put("/v1/admin/chaos", json{{"wms_step_ms", 20}}).status, 200);
  }
  void TearDown() override {
    if (server_ && server_->Alive()) ExpectCleanShutdownAndCheck(*server_);
  }
  json Generate(const std::string& scenario, int count) {
    HttpResponse r = api_->Post("/v1/admin/demo/orders", json{{"scenario", scenario}, {"count", count}});
    EXPECT_EQ(r.status, 201) << r.Describe();
    return r.Json();
  }
  json Order(const std::string& id) { return api_->Get("/v1/orders/" + id).Json(); }
  bool AllIn(const json& created, const std::function<bool(const json&)>& done) {
    for (const json& c : created)
      if (!done(Order(c["id"]))) return false;
    return true;
  }

  std::unique_ptr<OrdoServer> server_;
  std::unique_ptr<HttpClient> api_;
};
INSTANTIATE_TEST_SUITE_P(OrdoIntegration, DemoTools, kAllBackends, BackendParamName);

TEST_P(DemoTools, EachScenarioEndsWhereItSays) {
  json happy = Generate("happy", 3)["created"];
  json failing = Generate("wms_failure", 2)["created"];
  json dropped = Generate("callback_drop", 2)["created"];
  json declined = Generate("payment_declined", 2)["created"];
  json unpaid = Generate("unpaid", 2)["created"];
  json refused = Generate("out_of_stock", 2);
  ASSERT_EQ(happy.size(), 3u);
  ASSERT_EQ(failing.size(), 2u);
  ASSERT_EQ(dropped.size(), 2u);
  ASSERT_EQ(declined.size(), 2u);
  ASSERT_EQ(unpaid.size(), 2u);
  EXPECT_TRUE(refused["created"].empty()) << refused.dump();
  ASSERT_EQ(refused["rejected"].size(), 2u) << refused.dump();
  EXPECT_EQ(refused["rejected"][0]["type"], "insufficient-stock") << refused.dump();
  EXPECT_EQ(refused["rejected"][0]["scenario"], "out_of_stock");

  ASSERT_TRUE(PollUntil(30s, [&] { return AllIn(happy, [](const json& o) { return o["status"] == "delivered"; }); }));
  ASSERT_TRUE(PollUntil(30s, [&] { return AllIn(declined, [](const json& o) { return o["status"] == "failed"; }); }))
      << Order(declined[0]["id"]).dump();
  for (const json& c : unpaid) {
    json o = Order(c["id"]);
    EXPECT_EQ(o["status"], "pending") << o.dump();
    EXPECT_EQ(o["payment"]["status"], "none") << o.dump();
  }
  // The warehouse never takes these: their push jobs die, and wait in the DLQ.
  ASSERT_TRUE(PollUntil(30s, [&] { return AllIn(failing, [](const json& o) { return o["wms"]["state"] == "failed"; }); }))
      << Order(failing[0]["id"]).dump();
  json dead = api_->Get("/v1/jobs?state=dead&kind=wms.push").Json();
  ASSERT_EQ(dead["items"].size(), 2u) << dead.dump();
  for (const json& job : dead["items"])
    ASSERT_EQ(api_->Post("/v1/jobs/" + job["id"].get<std::string>() + "/retry", json::object()).status, 200);
  ASSERT_TRUE(PollUntil(30s, [&] { return AllIn(failing, [](const json& o) { return o["status"] == "delivered"; }); }))
      << Order(failing[0]["id"]).dump();
  // These the warehouse delivers without telling: Ordo stays short of shipped until reconciliation.
  EXPECT_EQ(api_->Get("/v1/reconciliation").status, 404);  // none has run yet
  ASSERT_TRUE(PollUntil(30s, [&] { return AllIn(dropped, [](const json& o) { return o["wms"]["status"] == "packed"; }); }))
      << Order(dropped[0]["id"]).dump();
  std::this_thread::sleep_for(1500ms);  // the WMS delivers them, then the settle time passes
  for (const json& c : dropped) EXPECT_EQ(Order(c["id"])["status"], "fulfilling");
  HttpResponse ran = api_->Post("/v1/reconciliation/run", json::object());
  ASSERT_EQ(ran.status, 201) << ran.Describe();
  EXPECT_EQ(ran.Json()["by_kind"]["missed-callback"], 2) << ran.body;
  for (const json& c : dropped) EXPECT_EQ(Order(c["id"])["status"], "delivered");
}

TEST_P(DemoTools, MixedOrdersBadInputAndTheChaosKnobs) {
  json mixed = Generate("mixed", 20);
  EXPECT_EQ(mixed["created"].size() + mixed["rejected"].size(), 20u) << mixed.dump();
  std::set<std::string> scenarios;
  for (const json& c : mixed["created"]) scenarios.insert(c["scenario"].get<std::string>());
  EXPECT_GE(scenarios.size(), 2u) << mixed.dump();
  EXPECT_EQ(api_->Post("/v1/admin/demo/orders", json{{"count", 10}}).status, 201);  // mixed by default

  auto refused = [&](const json& body, const std::string& pointer) {
    HttpResponse r = api_->Post("/v1/admin/demo/orders", body);
    EXPECT_EQ(r.status, 422) << r.Describe();
    EXPECT_EQ(r.Json()["errors"][0]["pointer"], pointer) << r.body;
  };
  long before = static_cast<long>(api_->Get("/v1/orders?limit=200").Json()["items"].size());
  refused({{"count", 0}}, "/count");
  refused({{"count", 201}}, "/count");
  refused({{"count", "3"}}, "/count");
  refused({{"scenario", "meteor"}}, "/scenario");
  refused({{"colour", "red"}}, "/colour");
  EXPECT_EQ(api_->Post("/v1/admin/demo/orders", std::string("{\"count\":")).status, 400);
  EXPECT_EQ(static_cast<long>(api_->Get("/v1/orders?limit=200").Json()["items"].size()), before);

  // An Idempotency-Key makes a repeat replay the first answer and make nothing more.
  HttpResponse first = api_->Post("/v1/admin/demo/orders", json{{"scenario", "unpaid"}, {"count", 2}},
                                  {{"Idempotency-Key", "demo-key-1"}});
  ASSERT_EQ(first.status, 201) << first.Describe();
  HttpResponse repeat = api_->Post("/v1/admin/demo/orders", json{{"scenario", "unpaid"}, {"count", 2}},
                                   {{"Idempotency-Key", "demo-key-1"}});
  EXPECT_EQ(repeat.status, 201);
  EXPECT_EQ(repeat.Header("idempotent-replayed"), "true");
  EXPECT_EQ(repeat.Json(), first.Json());
  EXPECT_EQ(api_->Post("/v1/admin/demo/orders", json{{"scenario", "happy"}}, {{"Idempotency-Key", "demo-key-1"}}).status,
            422);
  EXPECT_EQ(static_cast<long>(api_->Get("/v1/orders?limit=200").Json()["items"].size()), before + 2);

  HttpResponse knobs = api_->Put("/v1/admin/chaos", json{{"wms_failure_pct", 30}, {"decline_pct", 5}});
  ASSERT_EQ(knobs.status, 200) << knobs.Describe();
  EXPECT_EQ(knobs.Json()["wms_failure_pct"], 30);
  EXPECT_EQ(api_->Get("/v1/admin/chaos").Json()["decline_pct"], 5);
  HttpResponse bad = api_->Put("/v1/admin/chaos", json{{"wms_failure_pct", 101}});
  EXPECT_EQ(bad.status, 422) << bad.Describe();
  EXPECT_EQ(bad.Json()["errors"][0]["pointer"], "/wms_failure_pct") << bad.body;
  EXPECT_EQ(api_->Put("/v1/admin/chaos", json{{"meteor_pct", 1}}).status, 422);
  EXPECT_EQ(api_->Get("/v1/admin/chaos").Json()["wms_failure_pct"], 30);  // unchanged by the refusals

  // Not for customers or sellers.
  for (const auto& [role, subject] :
       std::vector<std::pair<std::string, std::string>>{{"customer", "cus_demo_customer"}, {"seller", "seller"}}) {
    Headers as = {{"Authorization", Bearer(TestToken(role, subject))}};
    EXPECT_EQ(api_->Get("/v1/admin/chaos", as).status, 403);
    EXPECT_EQ(api_->Post("/v1/admin/reset", json::object(), as).status, 403);
    EXPECT_EQ(api_->Post("/v1/reconciliation/run", json::object(), as).status, 403);
  }
}

TEST_P(DemoTools, TheResetEmptiesTheShopAndLoadsTheDemoAgain) {
  Generate("happy", 3);
  Generate("unpaid", 2);
  ASSERT_EQ(api_->Put("/v1/admin/chaos", json{{"wms_failure_pct", 50}}).status, 200);
  ASSERT_EQ(api_->Put("/v1/stock/berlin-dc/SKU-0001", json{{"on_hand", 7}}).status, 200);
  ASSERT_EQ(api_->Post("/v1/reconciliation/run", json::object()).status, 201);
  std::this_thread::sleep_for(300ms);

  HttpResponse reset = api_->Post("/v1/admin/reset", json::object());
  ASSERT_EQ(reset.status, 200) << reset.Describe();
  EXPECT_TRUE(api_->Get("/v1/orders").Json()["items"].empty());
  EXPECT_TRUE(api_->Get("/v1/jobs").Json()["items"].empty());
  EXPECT_TRUE(api_->Get("/v1/reservations").Json()["items"].empty());
  EXPECT_EQ(api_->Get("/v1/reconciliation").status, 404);
  EXPECT_EQ(api_->Get("/v1/products?limit=200").Json()["items"].size(), 60u);
  json rows = api_->Get("/v1/stock?sku=SKU-0001&location_id=berlin-dc").Json()["items"];
  ASSERT_EQ(rows.size(), 1u) << rows.dump();
  json stock = rows[0];
  EXPECT_NE(stock["on_hand"], 7) << stock.dump();  // the demo's level again
  EXPECT_EQ(stock["reserved"], 0) << stock.dump();
  EXPECT_EQ(api_->Get("/v1/admin/chaos").Json()["wms_failure_pct"], 0);
  // The shop works after it.
  json again = Generate("happy", 1)["created"];
  ASSERT_EQ(again.size(), 1u);
  ASSERT_TRUE(PollUntil(30s, [&] { return Order(again[0]["id"])["status"] == "delivered"; }));
}

TEST_P(DemoTools, WithoutDemoModeTheToolsAreRefused) {
  OrdoServer plain({}, GetParam());
  ASSERT_TRUE(plain.Start());
  HttpClient api(plain.url());
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/v1/admin/chaos"}, {"PUT", "/v1/admin/chaos"}, {"POST", "/v1/admin/demo/orders"},
           {"POST", "/v1/admin/reset"}}) {
    HttpResponse r = method == "GET" ? api.Get(path) : method == "PUT" ? api.Put(path, json::object())
                                                                       : api.Post(path, json::object());
    EXPECT_EQ(r.status, 403) << method << " " << path << " " << r.Describe();
    EXPECT_EQ(r.Json()["type"].get<std::string>().find("demo-mode-only") != std::string::npos, true) << r.body;
  }
  ExpectCleanShutdownAndCheck(plain);
}

}  // namespace
}  // namespace ordo::itest
