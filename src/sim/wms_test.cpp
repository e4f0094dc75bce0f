// The simulated WMS over real HTTP on loopback: pushes, the step timer, the
// signed callbacks to a stand-in for Ordo, their chaos knobs, cancel, paging.
#include "sim/wms.h"

#include <gtest/gtest.h>

#include <set>

#include "sim/sim_test_util.h"

namespace ordo::sim {
namespace {

using namespace std::chrono_literals;
using itest::HttpResponse;
using nlohmann::json;

json Push(const std::string& order_id) {
  return {{"order_id", order_id},
          {"external_id", "shop-" + order_id},
          {"warehouse", "hamburg-dc"},
          {"ship_to",
           {{"name", "Ada Lovelace"},
            {"line1", "Jungfernstieg 1"},
            {"city", "Hamburg"},
            {"postal_code", "20095"},
            {"country", "DE"},
            {"phone", "+49401234567"}}},
          {"lines", {{{"sku", "SKU-0001"}, {"quantity", 2}}, {{"sku", "SKU-0002"}, {"quantity", 1}}}}};
}

std::vector<std::string> Statuses(const std::vector<Recorder::Arrival>& arrivals) {
  std::vector<std::string> out;
  for (const auto& a : arrivals) out.push_back(a.Json().value("status", "?"));
  return out;
}

class WmsTest : public ::testing::Test {
 protected:
  // A simulator whose WMS calls back `recorder_`, with steps `step_ms` apart.
  void Start(int step_ms, const std::string& api_key = "") {
    Options options;
    options.wms_callback_url = recorder_.url() + "/v1/integrations/wms/events";
    options.wms_api_key = api_key;
    options.knobs.wms_step_ms = step_ms;
    harness_ = std::make_unique<SimHarness>(std::move(options));
  }
  itest::HttpClient& client() { return harness_->client(); }
  HttpResponse PushOrder(const std::string& order_id, const itest::Headers& headers = {}) {
    return client().Post("/wms/v1/orders", Push(order_id), headers);
  }
  json Stats() { return client().Get("/wms/v1/stats").Json(); }
  std::string StatusOf(const std::string& order_id) {
    return client().Get("/wms/v1/orders/" + order_id).Json().value("status", "");
  }
  bool Delivered(const std::string& order_id) {
    return Eventually([&] { return StatusOf(order_id) == "delivered"; });
  }

  Recorder recorder_;
  std::unique_ptr<SimHarness> harness_;
};

TEST_F(WmsTest, APushIs201AndARepeatIs200WithTheSameWmsOrder) {
  Start(60'000);
  auto first = PushOrder("ord_1", {{"Idempotency-Key", "push-ord_1"}});
  ASSERT_EQ(first.status, 201) << first.Describe();
  const std::string wms_id = first.Json()["wms_order_id"];
  EXPECT_EQ(wms_id.rfind("wms_", 0), 0u) << wms_id;
  EXPECT_EQ(first.Json()["status"], "accepted");

  auto again = PushOrder("ord_1", {{"Idempotency-Key", "push-ord_1"}});
  ASSERT_EQ(again.status, 200) << again.Describe();
  EXPECT_EQ(again.Json()["wms_order_id"], wms_id);
  EXPECT_EQ(again.Header("idempotent-replayed"), "true");
  auto retried = PushOrder("ord_1");  // another key or none: still the one order
  EXPECT_EQ(retried.status, 200);
  EXPECT_EQ(retried.Json()["wms_order_id"], wms_id);

  auto reused = PushOrder("ord_2", {{"Idempotency-Key", "push-ord_1"}});
  EXPECT_EQ(reused.status, 422) << reused.Describe();
  EXPECT_EQ(reused.Json()["type"], "https://ordo.dev/problems/idempotency-key-reused");

  auto one = client().Get("/wms/v1/orders/ord_1");
  ASSERT_EQ(one.status, 200) << one.Describe();
  EXPECT_EQ(one.Json()["wms_order_id"], wms_id);
  EXPECT_EQ(one.Json()["status"], "accepted");
  EXPECT_EQ(one.Json()["warehouse"], "hamburg-dc");
  EXPECT_EQ(one.Json()["external_id"], "shop-ord_1");
  EXPECT_FALSE(one.Json().contains("carrier"));
  EXPECT_EQ(client().Get("/wms/v1/orders/ord_2").status, 404);

  json stats = Stats();
  EXPECT_EQ(stats["orders"], 1);
  EXPECT_EQ(stats["pushes_received"], 4);
  EXPECT_EQ(stats["pushes_accepted"], 1);
  EXPECT_EQ(stats["pushes_duplicate"], 2);
  EXPECT_EQ(stats["pushes_rejected"], 1);
}

TEST_F(WmsTest, BadPushesAre422NamingTheFieldAndStoreNothing) {
  Start(60'000);
  auto pointer_of = [&](const json& body) {
    auto r = client().Post("/wms/v1/orders", body);
    EXPECT_EQ(r.status, 422) << body.dump() << " → " << r.Describe();
    EXPECT_EQ(r.Header("content-type"), "application/problem+json");
    return r.Json()["errors"][0].value("pointer", "");
  };
  auto with = [](const std::string& pointer, json value) {
    json body = Push("ord_1");
    body[json::json_pointer(pointer)] = std::move(value);
    return body;
  };
  json missing = Push("ord_1");
  missing.erase("order_id");
  EXPECT_EQ(pointer_of(missing), "/order_id");
  EXPECT_EQ(pointer_of(with("/warehouse", "")), "/warehouse");
  EXPECT_EQ(pointer_of(with("/ship_to/country", "de")), "/ship_to/country");
  EXPECT_EQ(pointer_of(with("/ship_to/city", 5)), "/ship_to/city");
  EXPECT_EQ(pointer_of(with("/ship_to/floor", "3")), "/ship_to/floor");
  EXPECT_EQ(pointer_of(with("/lines", json::array())), "/lines");
  EXPECT_EQ(pointer_of(with("/lines/1/quantity", 0)), "/lines/1/quantity");
  EXPECT_EQ(pointer_of(with("/lines/0/sku", nullptr)), "/lines/0/sku");
  EXPECT_EQ(pointer_of(with("/priority", "high")), "/priority");
  auto malformed = client().Post("/wms/v1/orders", std::string(R"({"order_id":)"));
  EXPECT_EQ(malformed.status, 400) << malformed.Describe();

  EXPECT_EQ(client().Get("/wms/v1/orders").Json()["items"].size(), 0u);
  EXPECT_EQ(Stats()["pushes_rejected"], 10);
  EXPECT_EQ(PushOrder("ord_1").status, 201);  // a refused body leaves the order_id free
}

TEST_F(WmsTest, TheFailureKnobAnswers503AndStoresNothing) {
  Start(1);
  harness_->Chaos({{"wms_failure_pct", 100}});
  for (int i = 0; i < 3; ++i) {
    auto r = PushOrder("ord_1");
    EXPECT_EQ(r.status, 503) << r.Describe();
  }
  EXPECT_EQ(client().Get("/wms/v1/orders/ord_1").status, 404);
  EXPECT_EQ(client().Get("/wms/v1/orders").Json()["items"].size(), 0u);
  std::this_thread::sleep_for(50ms);
  EXPECT_TRUE(recorder_.arrivals().empty());
  EXPECT_EQ(Stats()["pushes_failed"], 3);

  harness_->Chaos({{"wms_failure_pct", 0}});
  EXPECT_EQ(PushOrder("ord_1").status, 201);  // a retry after the outage is the first push
}

TEST_F(WmsTest, TheTimerMovesAnOrderToDeliveredWithSignedCallbacks) {
  Start(20, "wms-key");
  auto pushed = PushOrder("ord_1");
  ASSERT_EQ(pushed.status, 201) << pushed.Describe();
  const std::string wms_id = pushed.Json()["wms_order_id"];
  ASSERT_TRUE(recorder_.WaitFor(4));
  ASSERT_TRUE(Delivered("ord_1"));
  std::this_thread::sleep_for(100ms);  // nothing follows delivered
  auto arrivals = recorder_.arrivals();
  ASSERT_EQ(Statuses(arrivals), (std::vector<std::string>{"picked", "packed", "shipped", "delivered"}));

  std::set<std::string> event_ids;
  const std::string secret = harness_->sim().wms_secret();
  EXPECT_EQ(secret, DefaultWmsSecret());
  for (const auto& a : arrivals) {
    json body = a.Json();
    EXPECT_EQ(a.path, "/v1/integrations/wms/events");
    EXPECT_TRUE(a.Signed(secret)) << a.body;
    EXPECT_FALSE(a.Signed(WhsecOf("another secret")));
    EXPECT_EQ(a.Header("authorization"), "Bearer wms-key");
    EXPECT_EQ(a.Header("webhook-id"), body["event_id"]);
    EXPECT_EQ(body["order_id"], "ord_1");
    EXPECT_EQ(body["wms_order_id"], wms_id);
    EXPECT_EQ(body["occurred_at"].get<std::string>().back(), 'Z');
    event_ids.insert(body["event_id"].get<std::string>());
  }
  EXPECT_EQ(event_ids.size(), 4u);
  EXPECT_FALSE(arrivals[1].Json().contains("carrier"));
  const json shipped = arrivals[2].Json(), delivered = arrivals[3].Json();
  EXPECT_FALSE(shipped.value("carrier", "").empty());
  EXPECT_FALSE(shipped.value("tracking", "").empty());
  EXPECT_EQ(delivered["tracking"], shipped["tracking"]);

  json order = client().Get("/wms/v1/orders/ord_1").Json();
  EXPECT_EQ(order["carrier"], shipped["carrier"]);
  EXPECT_EQ(order["tracking"], shipped["tracking"]);
  json stats = Stats();
  EXPECT_EQ(stats["callbacks_sent"], 4);
  EXPECT_EQ(stats["callbacks_dropped"], 0);
  EXPECT_EQ(stats["callbacks_duplicated"], 0);
  EXPECT_EQ(stats["callbacks_reordered"], 0);
}

TEST_F(WmsTest, DuplicateKnobSendsEveryCallbackTwiceWithTheSameEventId) {
  Start(10);
  harness_->Chaos({{"callback_duplicate_pct", 100}});
  ASSERT_EQ(PushOrder("ord_1").status, 201);
  ASSERT_TRUE(recorder_.WaitFor(8));
  auto arrivals = recorder_.arrivals();
  ASSERT_EQ(Statuses(arrivals), (std::vector<std::string>{"picked", "picked", "packed", "packed", "shipped", "shipped",
                                                          "delivered", "delivered"}));
  for (std::size_t i = 0; i < arrivals.size(); i += 2) {
    EXPECT_EQ(arrivals[i].body, arrivals[i + 1].body);
    EXPECT_EQ(arrivals[i].Header("webhook-id"), arrivals[i + 1].Header("webhook-id"));
    EXPECT_TRUE(arrivals[i + 1].Signed(harness_->sim().wms_secret()));
  }
  EXPECT_NE(arrivals[0].Header("webhook-id"), arrivals[2].Header("webhook-id"));
  EXPECT_TRUE(Eventually([&] { return Stats()["callbacks_sent"] == 8; }));
  EXPECT_EQ(Stats()["callbacks_duplicated"], 4);
}

TEST_F(WmsTest, DropKnobSendsNothingButTheOrderStillMovesOn) {
  Start(10);
  harness_->Chaos({{"callback_drop_pct", 100}});
  ASSERT_EQ(PushOrder("ord_1").status, 201);
  ASSERT_TRUE(Delivered("ord_1"));
  std::this_thread::sleep_for(100ms);
  EXPECT_TRUE(recorder_.arrivals().empty()) << recorder_.arrivals().size();
  json stats = Stats();
  EXPECT_EQ(stats["callbacks_dropped"], 4);
  EXPECT_EQ(stats["callbacks_sent"], 0);
}

TEST_F(WmsTest, TestValuesInTheExternalIdFailPushesOrDropCallbacksOfThatOrderOnly) {
  Start(10);
  json failing = Push("ord_f");
  failing["external_id"] = "DEMO-wms-fail-2-x";
  EXPECT_EQ(client().Post("/wms/v1/orders", failing).status, 503);
  EXPECT_EQ(client().Post("/wms/v1/orders", failing).status, 503);
  EXPECT_EQ(client().Get("/wms/v1/orders/ord_f").status, 404);
  EXPECT_EQ(PushOrder("ord_ok").status, 201);  // other orders are not touched
  EXPECT_EQ(client().Post("/wms/v1/orders", failing).status, 201);  // the third push goes through
  EXPECT_EQ(Stats()["pushes_failed"], 2);

  json quiet = Push("ord_q");
  quiet["external_id"] = "DEMO-drop-callbacks-1";
  ASSERT_EQ(client().Post("/wms/v1/orders", quiet).status, 201);
  ASSERT_TRUE(Delivered("ord_q"));
  ASSERT_TRUE(Delivered("ord_ok"));
  ASSERT_TRUE(Delivered("ord_f"));
  std::this_thread::sleep_for(100ms);
  int others = 0;
  std::vector<std::string> quiet_statuses;
  for (const auto& a : recorder_.arrivals()) {
    if (a.Json().value("order_id", "") == "ord_q") quiet_statuses.push_back(a.Json().value("status", ""));
    else ++others;
  }
  EXPECT_EQ(quiet_statuses, (std::vector<std::string>{"picked", "packed"}));  // shipped and delivered dropped
  EXPECT_EQ(others, 8);
  EXPECT_EQ(Stats()["callbacks_dropped"], 2);
}

TEST_F(WmsTest, ReorderKnobSendsEachHeldCallbackAfterTheNextStepsOne) {
  Start(10);
  harness_->Chaos({{"callback_reorder_pct", 100}});
  ASSERT_EQ(PushOrder("ord_1").status, 201);
  ASSERT_TRUE(recorder_.WaitFor(4));
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(Statuses(recorder_.arrivals()), (std::vector<std::string>{"packed", "picked", "delivered", "shipped"}));
  EXPECT_EQ(Stats()["callbacks_reordered"], 2);
}

TEST_F(WmsTest, AFailedCallbackIsRetriedWithTheSameEventThenGivenUp) {
  // Ordo is down for the first two attempts, then up.
  Recorder flaky([](const Recorder::Arrival&, std::size_t n) {
    http::Response r;
    r.status = n < 2 ? 503 : 204;
    return r;
  });
  Options options;
  options.wms_callback_url = flaky.url();
  options.knobs.wms_step_ms = 60'000;
  SimHarness harness(std::move(options));
  ASSERT_EQ(harness.client().Post("/wms/v1/orders", Push("ord_1")).status, 201);
  ASSERT_EQ(harness.client().Post("/wms/v1/orders/ord_1/cancel", std::string()).status, 200);
  ASSERT_TRUE(flaky.WaitFor(3));
  auto arrivals = flaky.arrivals();
  EXPECT_EQ(Statuses(arrivals), (std::vector<std::string>{"cancelled", "cancelled", "cancelled"}));
  EXPECT_EQ(arrivals[0].body, arrivals[2].body);
  EXPECT_EQ(arrivals[0].Header("webhook-id"), arrivals[2].Header("webhook-id"));
  EXPECT_TRUE(Eventually([&] { return harness.client().Get("/wms/v1/stats").Json()["callbacks_sent"] == 1; }));
  json stats = harness.client().Get("/wms/v1/stats").Json();
  EXPECT_EQ(stats["callback_attempts_failed"], 2);
  EXPECT_EQ(stats["callbacks_failed"], 0);

  // A callback nobody ever takes is given up after kAttempts.
  Recorder down([](const Recorder::Arrival&, std::size_t) {
    http::Response r;
    r.status = 500;
    return r;
  });
  ASSERT_EQ(harness.client().Put("/wms/v1/config", json{{"callback_url", down.url()}}).status, 200);
  ASSERT_EQ(harness.client().Post("/wms/v1/orders", Push("ord_2")).status, 201);
  ASSERT_EQ(harness.client().Post("/wms/v1/orders/ord_2/cancel", std::string()).status, 200);
  EXPECT_TRUE(Eventually([&] { return harness.client().Get("/wms/v1/stats").Json()["callbacks_failed"] == 1; }));
  EXPECT_EQ(down.arrivals().size(), static_cast<std::size_t>(kAttempts));
}

TEST_F(WmsTest, CancelBeforeShippingAndNotAfter) {
  Start(60'000);
  ASSERT_EQ(PushOrder("ord_1").status, 201);
  auto cancelled = client().Post("/wms/v1/orders/ord_1/cancel", json{{"reason", "customer asked"}});
  ASSERT_EQ(cancelled.status, 200) << cancelled.Describe();
  EXPECT_EQ(cancelled.Json()["status"], "cancelled");
  ASSERT_TRUE(recorder_.WaitFor(1));
  EXPECT_EQ(Statuses(recorder_.arrivals()), std::vector<std::string>{"cancelled"});
  EXPECT_TRUE(recorder_.arrivals()[0].Signed(harness_->sim().wms_secret()));

  auto again = client().Post("/wms/v1/orders/ord_1/cancel", std::string());
  EXPECT_EQ(again.status, 200) << again.Describe();
  EXPECT_EQ(client().Post("/wms/v1/orders/ord_9/cancel", std::string()).status, 404);
  EXPECT_EQ(client().Post("/wms/v1/orders/ord_1/cancel", json{{"why", "x"}}).status, 422);

  // A shipped order cannot be cancelled any more.
  harness_->Chaos({{"wms_step_ms", 5}});
  ASSERT_EQ(PushOrder("ord_2").status, 201);
  ASSERT_TRUE(Delivered("ord_2"));
  auto late = client().Post("/wms/v1/orders/ord_2/cancel", std::string());
  EXPECT_EQ(late.status, 409) << late.Describe();
  EXPECT_EQ(late.Json()["type"], "https://ordo.dev/problems/already-shipped");
  EXPECT_EQ(StatusOf("ord_2"), "delivered");

  std::this_thread::sleep_for(50ms);
  int cancels = 0;
  for (const auto& s : Statuses(recorder_.arrivals())) cancels += s == "cancelled";
  EXPECT_EQ(cancels, 1);  // the repeated cancel sent nothing
  EXPECT_EQ(StatusOf("ord_1"), "cancelled");
  EXPECT_EQ(Stats()["cancels"], 1);
}

TEST_F(WmsTest, TheListPagesThroughEveryOrderInTheOrderAccepted) {
  Start(60'000);
  for (int i = 1; i <= 5; ++i) ASSERT_EQ(PushOrder("ord_" + std::to_string(i)).status, 201);
  std::vector<std::string> seen;
  std::string path = "/wms/v1/orders?limit=2";
  int pages = 0;
  for (;;) {
    auto page = client().Get(path);
    ASSERT_EQ(page.status, 200) << page.Describe();
    ++pages;
    const json body = page.Json();
    for (const json& item : body["items"]) {
      seen.push_back(item["order_id"]);
      EXPECT_EQ(item["status"], "accepted");
      EXPECT_TRUE(item.contains("updated_at"));
    }
    if (body["next_cursor"].is_null()) break;
    path = "/wms/v1/orders?limit=2&cursor=" + body["next_cursor"].get<std::string>();
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, (std::vector<std::string>{"ord_1", "ord_2", "ord_3", "ord_4", "ord_5"}));
  EXPECT_EQ(client().Get("/wms/v1/orders").Json()["items"].size(), 5u);
  EXPECT_EQ(client().Get("/wms/v1/orders?limit=ten").status, 422);
  EXPECT_EQ(client().Get("/wms/v1/orders?cursor=x").status, 422);
  EXPECT_EQ(client().Get("/wms/v1/orders?cursor=5").Json()["items"].size(), 0u);
}

}  // namespace
}  // namespace ordo::sim
