// The simulated ERP over real HTTP on loopback: runs of orders to a stand-in
// for Ordo, duplicates, retries, and the ERP's own view fed by Ordo's signed
// webhooks.
#include "sim/erp.h"

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>

#include "sim/receiver.h"
#include "sim/sim_test_util.h"

namespace ordo::sim {
namespace {

using namespace std::chrono_literals;
using itest::HttpResponse;
using nlohmann::json;

http::Response Answer(int status, const json& body) {
  http::Response r;
  r.status = status;
  r.body = body.dump();
  return r;
}

// Ordo as the ERP expects it: 201 {"id"} for a new erpOrderId, 200 with the same id for one it has.
class FakeOrdo {
 public:
  http::Response operator()(const Recorder::Arrival& arrival, std::size_t) {
    const std::string erp_id = arrival.Json().value("erpOrderId", "");
    auto [it, added] = ids_.emplace(erp_id, "ord_" + std::to_string(ids_.size() + 1));
    return Answer(added ? 201 : 200, {{"id", it->second}, {"status", "pending"}});
  }

 private:
  std::map<std::string, std::string> ids_;
};

class ErpTest : public ::testing::Test {
 protected:
  void Start(Recorder::Answer answer, const std::string& api_key = "") {
    recorder_ = std::make_unique<Recorder>(std::move(answer));
    Options options;
    options.ordo_url = recorder_->url();
    options.erp_api_key = api_key;
    harness_ = std::make_unique<SimHarness>(std::move(options));
  }
  itest::HttpClient& client() { return harness_->client(); }
  // Starts a run and waits until it is over; its final progress.
  json RunToTheEnd(const json& run) {
    auto started = client().Post("/erp/v1/runs", run);
    EXPECT_EQ(started.status, 201) << started.Describe();
    json progress;
    EXPECT_TRUE(Eventually([&] {
      progress = client().Get("/erp/v1/runs/current").Json();
      return progress.value("state", "") != "running";
    }));
    EXPECT_EQ(progress["state"], "finished") << progress.dump();
    return progress;
  }
  json View(const std::string& erp_order_id) { return client().Get("/erp/v1/orders/" + erp_order_id).Json(); }
  HttpResponse Event(const std::string& id, const json& event, const std::string& secret) {
    const std::string body = event.dump();
    const std::int64_t now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    return client().Post("/erp/v1/ordo-events", body,
                         {{"webhook-id", id},
                          {"webhook-timestamp", std::to_string(now)},
                          {"webhook-signature", signature::Sign(secret, id, now, body)}});
  }

  std::unique_ptr<Recorder> recorder_;
  std::unique_ptr<SimHarness> harness_;
};

TEST_F(ErpTest, ARunSendsEveryOrderSignedAndDuplicatesWithIdenticalBodies) {
  Start(FakeOrdo(), "erp-key");
  const std::vector<std::string> skus = {"SKU-A", "SKU-B", "SKU-C", "SKU-D"};
  json progress = RunToTheEnd({{"rate", 500}, {"count", 10}, {"duplicate_pct", 100}, {"skus", skus},
                               {"organization_id", "org-7"}, {"max_quantity", 2}, {"concurrency", 2}});
  EXPECT_EQ(progress["orders"], 10);
  EXPECT_EQ(progress["sent"], 20);
  EXPECT_EQ(progress["duplicates_sent"], 10);
  EXPECT_EQ(progress["accepted"], 10);
  EXPECT_EQ(progress["duplicates"], 10);
  EXPECT_EQ(progress["rejected"], 0);
  EXPECT_EQ(progress["errors"], 0);
  EXPECT_EQ(progress["in_flight"], 0);

  auto arrivals = recorder_->arrivals();
  ASSERT_EQ(arrivals.size(), 20u);
  std::map<std::string, std::vector<std::string>> bodies;  // erpOrderId → every body sent
  std::set<std::string> message_ids;
  const std::regex erp_id("SO-[0-9A-Z]{8}-0000(0[1-9]|10)");
  for (const auto& a : arrivals) {
    EXPECT_EQ(a.path, "/v1/integrations/erp/orders");
    EXPECT_TRUE(a.Signed(harness_->sim().erp_secret())) << a.body;
    EXPECT_FALSE(a.Signed(harness_->sim().webhook_secret()));
    EXPECT_EQ(a.Header("authorization"), "Bearer erp-key");
    message_ids.insert(a.Header("webhook-id"));
    json order = a.Json();
    ASSERT_TRUE(order.is_object()) << a.body;
    const std::string id = order["erpOrderId"];
    EXPECT_TRUE(std::regex_match(id, erp_id)) << id;
    bodies[id].push_back(a.body);

    // Seed 000's Fulfil payload, field for field.
    std::vector<std::string> keys;
    for (const auto& item : order.items()) keys.push_back(item.key());
    EXPECT_EQ(keys, (std::vector<std::string>{"channelId", "deliveryAddress", "erpOrderId", "lines", "organizationId"}));
    EXPECT_EQ(order["organizationId"], "org-7");
    const json& address = order["deliveryAddress"];
    EXPECT_EQ(address.size(), 7u) << address.dump();
    for (const char* field : {"name", "address1", "city", "zip", "countryCode", "subdivisionCode", "phone"})
      EXPECT_FALSE(address.value(field, "").empty()) << field << " in " << address.dump();
    EXPECT_EQ(address["countryCode"].get<std::string>().size(), 2u);
    ASSERT_TRUE(order["lines"].is_array() && !order["lines"].empty() && order["lines"].size() <= 3) << a.body;
    for (const json& line : order["lines"]) {
      EXPECT_EQ(line.size(), 5u) << line.dump();
      EXPECT_TRUE(line["id"].is_number_integer());
      EXPECT_TRUE(std::count(skus.begin(), skus.end(), line["product"]["code"].get<std::string>())) << line.dump();
      EXPECT_TRUE(line["product"]["id"].is_number_integer());
      EXPECT_FALSE(line["product"]["name"].get<std::string>().empty());
      EXPECT_EQ(line["product"]["hsCode"].get<std::string>().size(), 10u);
      EXPECT_GE(line["quantity"], 1);
      EXPECT_LE(line["quantity"], 2);
      EXPECT_EQ(line["currency"], "EUR");
      EXPECT_GT(line["unitCustomsValue"].get<double>(), 0);
    }
  }
  EXPECT_EQ(bodies.size(), 10u);  // every order arrived
  for (const auto& [id, sent] : bodies)
    for (const std::string& body : sent) EXPECT_EQ(body, sent.front()) << id;  // re-sends are identical
  EXPECT_EQ(message_ids.size(), 20u);  // each send is a message of its own

  auto page = client().Get("/erp/v1/orders?limit=200");
  ASSERT_EQ(page.status, 200) << page.Describe();
  ASSERT_EQ(page.Json()["items"].size(), 10u);
  std::set<std::string> ordo_ids;
  const json items = page.Json()["items"];
  for (const json& item : items) {
    EXPECT_EQ(item["status"], "accepted") << item.dump();
    EXPECT_EQ(item["organization_id"], "org-7");
    EXPECT_TRUE(bodies.count(item["erp_order_id"]));
    ordo_ids.insert(item["ordo_order_id"].get<std::string>());
  }
  EXPECT_EQ(ordo_ids.size(), 10u);
}

TEST_F(ErpTest, WithoutDuplicatesEachOrderGoesOnceAtTheRate) {
  Start(FakeOrdo());
  auto start = std::chrono::steady_clock::now();
  json progress = RunToTheEnd({{"rate", 20}, {"count", 5}, {"concurrency", 3}});
  // Five sends 50 ms apart: the last leaves 200 ms after the first.
  EXPECT_GE(std::chrono::steady_clock::now() - start, 200ms);
  EXPECT_EQ(progress["sent"], 5);
  EXPECT_EQ(progress["accepted"], 5);
  EXPECT_EQ(progress["duplicates_sent"], 0);
  std::set<std::string> ids;
  for (const auto& a : recorder_->arrivals()) {
    const json order = a.Json();
    ids.insert(order.value("erpOrderId", ""));
    // The default catalogue is the demo's.
    for (const json& line : order["lines"])
      EXPECT_TRUE(std::regex_match(line["product"]["code"].get<std::string>(), std::regex("SKU-00[0-6][0-9]")));
  }
  EXPECT_EQ(recorder_->arrivals().size(), 5u);
  EXPECT_EQ(ids.size(), 5u);
}

TEST_F(ErpTest, A503IsRetriedWithTheSameBodyAndMessage) {
  Start([seen = std::set<std::string>()](const Recorder::Arrival& a, std::size_t) mutable {
    const bool first = seen.insert(a.Json().value("erpOrderId", "")).second;
    return first ? Answer(503, {{"title", "unavailable"}}) : Answer(201, {{"id", "ord_" + a.Json().value("erpOrderId", "")}});
  });
  json progress = RunToTheEnd({{"rate", 200}, {"count", 3}});
  EXPECT_EQ(progress["accepted"], 3);
  EXPECT_EQ(progress["retries"], 3);
  EXPECT_EQ(progress["errors"], 0);
  EXPECT_EQ(progress["sent"], 3);
  std::map<std::string, std::vector<Recorder::Arrival>> by_order;
  for (const auto& a : recorder_->arrivals()) by_order[a.Json().value("erpOrderId", "")].push_back(a);
  ASSERT_EQ(by_order.size(), 3u);
  for (const auto& [id, sends] : by_order) {
    ASSERT_EQ(sends.size(), 2u) << id;
    EXPECT_EQ(sends[0].body, sends[1].body);
    EXPECT_EQ(sends[0].Header("webhook-id"), sends[1].Header("webhook-id"));
    EXPECT_TRUE(sends[1].Signed(harness_->sim().erp_secret()));
    json view = View(id);
    EXPECT_EQ(view["status"], "accepted") << view.dump();
    EXPECT_EQ(view["ordo_order_id"], "ord_" + id);
    EXPECT_EQ(view["last_http_status"], 201);
  }
}

TEST_F(ErpTest, RejectionsAreCountedAndNotRetried) {
  Start([](const Recorder::Arrival&, std::size_t) {
    return Answer(409, {{"type", "https://ordo.dev/problems/insufficient-stock"}, {"detail", "not enough SKU-0001"}});
  });
  json progress = RunToTheEnd({{"rate", 200}, {"count", 2}});
  EXPECT_EQ(progress["rejected"], 2);
  EXPECT_EQ(progress["retries"], 0);
  EXPECT_EQ(recorder_->arrivals().size(), 2u);
  json item = client().Get("/erp/v1/orders").Json()["items"][0];
  EXPECT_EQ(item["status"], "rejected");
  EXPECT_TRUE(item["ordo_order_id"].is_null());
  EXPECT_NE(item.value("last_error", "").find("not enough SKU-0001"), std::string::npos) << item.dump();
}

TEST_F(ErpTest, TheViewFollowsSignedOrdoEventsAndRefusesBadSignatures) {
  Start(FakeOrdo());
  RunToTheEnd({{"rate", 100}, {"count", 1}});
  const json item = client().Get("/erp/v1/orders").Json()["items"][0];
  const std::string erp_id = item["erp_order_id"], ordo_id = item["ordo_order_id"];
  EXPECT_EQ(item["status"], "accepted");
  const std::string secret = harness_->sim().webhook_secret();
  EXPECT_EQ(secret, DefaultWebhookSecret());

  auto paid = Event("job_1", {{"type", "order.status_changed"}, {"timestamp", "2026-11-23T10:00:01.000Z"},
                              {"data", {{"order_id", ordo_id}, {"from", "pending"}, {"to", "paid"}}}},
                    secret);
  EXPECT_EQ(paid.status, 204) << paid.Describe();
  EXPECT_EQ(View(erp_id)["status"], "paid");
  EXPECT_EQ(View(erp_id)["last_event_type"], "order.status_changed");

  auto shipped = Event("job_2", {{"type", "order.shipped"}, {"timestamp", "2026-11-23T10:00:02.000Z"},
                                 {"data", {{"order_id", ordo_id}, {"carrier", "DHL"}}}},
                       secret);
  EXPECT_EQ(shipped.status, 204) << shipped.Describe();
  EXPECT_EQ(View(erp_id)["status"], "shipped");

  // An older event arriving late changes nothing.
  auto late = Event("job_0", {{"type", "order.confirmed"}, {"timestamp", "2026-11-23T10:00:00.000Z"},
                              {"data", {{"order_id", ordo_id}}}},
                    secret);
  EXPECT_EQ(late.status, 204);
  EXPECT_EQ(View(erp_id)["status"], "shipped");

  // Bad signatures are refused and change nothing.
  const json delivered = {{"type", "order.delivered"}, {"timestamp", "2026-11-23T10:00:03.000Z"},
                          {"data", {{"order_id", ordo_id}}}};
  auto forged = Event("job_3", delivered, WhsecOf("not the secret"));
  EXPECT_EQ(forged.status, 401) << forged.Describe();
  EXPECT_EQ(forged.Header("content-type"), "application/problem+json");
  auto unsigned_event = client().Post("/erp/v1/ordo-events", delivered.dump());
  EXPECT_EQ(unsigned_event.status, 401);
  auto tampered = client().Post("/erp/v1/ordo-events", delivered.dump(),
                                {{"webhook-id", "job_3"},
                                 {"webhook-timestamp", "1700000000"},
                                 {"webhook-signature", "v1,AAAA"}});
  EXPECT_EQ(tampered.status, 401);
  EXPECT_EQ(View(erp_id)["status"], "shipped");

  // Events of orders this ERP never sent are acknowledged and ignored.
  auto stranger = Event("job_4", {{"type", "order.paid"}, {"data", {{"order_id", "ord_unknown"}}}}, secret);
  EXPECT_EQ(stranger.status, 204);
  json stats = client().Get("/erp/v1/stats").Json();
  EXPECT_EQ(stats["events_received"], 7);
  EXPECT_EQ(stats["events_applied"], 2);
  EXPECT_EQ(stats["events_refused"], 3);
  EXPECT_EQ(stats["events_unmatched"], 1);
}

TEST_F(ErpTest, RunsAreValidatedOneAtATimeAndCanBeStopped) {
  Start(FakeOrdo());
  EXPECT_EQ(client().Get("/erp/v1/runs/current").status, 404);
  EXPECT_EQ(client().Post("/erp/v1/runs/stop", std::string()).status, 404);
  auto pointer_of = [&](const json& body) {
    auto r = client().Post("/erp/v1/runs", body);
    EXPECT_EQ(r.status, 422) << body.dump() << " → " << r.Describe();
    return r.Json()["errors"][0].value("pointer", "");
  };
  EXPECT_EQ(pointer_of({{"count", 5}}), "/rate");
  EXPECT_EQ(pointer_of({{"rate", 0}, {"count", 5}}), "/rate");
  EXPECT_EQ(pointer_of({{"rate", 10}}), "/count");
  EXPECT_EQ(pointer_of({{"rate", 10}, {"count", 5}, {"duplicate_pct", 101}}), "/duplicate_pct");
  EXPECT_EQ(pointer_of({{"rate", 10}, {"count", 5}, {"skus", json::array()}}), "/skus");
  EXPECT_EQ(pointer_of({{"rate", 10}, {"count", 5}, {"skus", {"SKU-1", 2}}}), "/skus/1");
  EXPECT_EQ(pointer_of({{"rate", 10}, {"count", 5}, {"speed", 2}}), "/speed");

  // A slow run (one order a second): a second run waits until it is stopped.
  auto started = client().Post("/erp/v1/runs", json{{"rate", 1}, {"count", 100}, {"concurrency", 1}});
  ASSERT_EQ(started.status, 201) << started.Describe();
  EXPECT_EQ(started.Json()["state"], "running");
  auto second = client().Post("/erp/v1/runs", json{{"rate", 2}, {"count", 1}});
  EXPECT_EQ(second.status, 409) << second.Describe();
  EXPECT_EQ(second.Json()["type"], "https://ordo.dev/problems/run-in-progress");
  ASSERT_TRUE(recorder_->WaitFor(1));
  auto stopped = client().Post("/erp/v1/runs/stop", std::string());
  ASSERT_EQ(stopped.status, 200) << stopped.Describe();
  EXPECT_EQ(stopped.Json()["state"], "stopped");
  const std::size_t sent = recorder_->arrivals().size();
  std::this_thread::sleep_for(1100ms);  // past the next send's time
  EXPECT_EQ(recorder_->arrivals().size(), sent);
  EXPECT_EQ(client().Get("/erp/v1/runs/current").Json()["orders"], sent);
  EXPECT_LT(sent, 100u);
  EXPECT_TRUE(Eventually([&] { return client().Post("/erp/v1/runs", json{{"rate", 100}, {"count", 1}}).status == 201; }));
}

TEST(ErpConfigTest, WithoutAnOrdoUrlARunIsRefused) {
  SimHarness harness(Options{});
  auto r = harness.client().Post("/erp/v1/runs", json{{"rate", 10}, {"count", 1}});
  EXPECT_EQ(r.status, 409) << r.Describe();
  EXPECT_EQ(r.Json()["type"], "https://ordo.dev/problems/not-configured");
  Recorder ordo{FakeOrdo()};
  auto configured =
      harness.client().Put("/erp/v1/config", json{{"ordo_url", ordo.url()}, {"secret", "raw secret"}, {"api_key", "k"}});
  ASSERT_EQ(configured.status, 200) << configured.Describe();
  EXPECT_EQ(configured.Json(), (json{{"ordo_url", ordo.url()}, {"api_key_set", true}}));  // no secrets shown
  EXPECT_EQ(harness.client().Put("/erp/v1/config", json{{"ordo_url", "ftp://x"}}).status, 422);
  EXPECT_EQ(harness.client().Put("/erp/v1/config", json{{"secret", ""}}).status, 422);
  EXPECT_EQ(harness.client().Put("/erp/v1/config", json{{"api_key", 5}}).status, 422);
  EXPECT_EQ(harness.client().Get("/erp/v1/config").Json()["ordo_url"], ordo.url());
  EXPECT_EQ(harness.client().Post("/erp/v1/runs", json{{"rate", 100}, {"count", 1}}).status, 201);
  ASSERT_TRUE(ordo.WaitFor(1));
  EXPECT_TRUE(ordo.arrivals()[0].Signed("raw secret"));
  EXPECT_EQ(ordo.arrivals()[0].Header("authorization"), "Bearer k");
}

}  // namespace
}  // namespace ordo::sim
