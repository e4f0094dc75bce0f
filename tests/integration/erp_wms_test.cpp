// ERP → Ordo → WMS (seed 000) against real `ordo serve` and `ordo sim`
// processes, on both backends: the simulated ERP sends hundreds of orders,
// some of them twice, and each lands once and is pushed to the simulated WMS
// once; the WMS's callbacks take every order to delivered. Then the same with
// the WMS failing 30 % of pushes: retries, the dead-letter queue, and a retry
// by hand that heals it. And the bad input: signatures, scopes, unknown
// products, malformed payloads, replayed and illegal callbacks, concurrent
// duplicates (across two nodes on PostgreSQL).
#include <map>
#include <set>

#include "integrations/signature.h"
#include "test_util.h"

namespace ordo::itest {
namespace {

// Each integration's own secret, given to both sides.
constexpr const char* kErpSecret = "whsec_aXQtZXJwLXNpZ25pbmctc2VjcmV0LTAxMjM0NQ==";
constexpr const char* kWmsSecret = "whsec_aXQtd21zLXNpZ25pbmctc2VjcmV0LTAxMjM0NQ==";
constexpr const char* kOrganization = "org-it";

// SKUs that the demo's first, second, fourth and fifth locations all stock (index % 3 == 0):
// an order of any of them can be filled from one warehouse.
json OneWarehouseSkus() {
  json skus = json::array();
  for (int i = 0; i < 60; i += 3) {
    char sku[16];
    std::snprintf(sku, sizeof sku, "SKU-%04d", i + 1);
    skus.push_back(sku);
  }
  return skus;
}

// Standard Webhooks headers for `body`, signed now with `secret`.
Headers Signed(const std::string& secret, const std::string& body, const std::string& id, std::int64_t skew_s = 0) {
  std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count() + skew_s;
  return {{"webhook-id", id},
          {"webhook-timestamp", std::to_string(now)},
          {"webhook-signature", signature::Sign(secret, id, now, body)}};
}

Headers With(Headers h, const std::string& name, const std::string& value) {
  h.emplace_back(name, value);
  return h;
}

// Seed 000's Fulfil order for the demo catalogue.
json FulfilOrder(const std::string& erp_order_id, const std::string& sku = "SKU-0001", long quantity = 2) {
  return {{"erpOrderId", erp_order_id},
          {"organizationId", kOrganization},
          {"channelId", "shopify-store"},
          {"deliveryAddress",
           {{"name", "John Doe"}, {"address1", "Unter den Linden 1"}, {"city", "Berlin"}, {"zip", "10117"},
            {"countryCode", "DE"}, {"subdivisionCode", "BE"}, {"phone", "+4930123456"}}},
          {"lines", json::array({{{"id", 1},
                                  {"product", {{"id", 100}, {"name", "Test Product"}, {"code", sku}, {"hsCode", "4202920000"}}},
                                  {"quantity", quantity},
                                  {"currency", "EUR"},
                                  {"unitCustomsValue", 25.5}}})}};
}

class ErpWms : public OnBackend {
 protected:
  // `ordo sim` with these knobs (its WMS and ERP signing with the test's
  // secrets), `ordo serve` wired to it, and API keys of the erp and wms
  // scopes given to the simulator. "{sim}" in `extra` stands for the simulator's URL.
  void StartWith(std::vector<std::string> sim_args, std::vector<std::string> extra = {}) {
    sim_args.insert(sim_args.end(), {"--wms-secret", kWmsSecret, "--erp-secret", kErpSecret});
    sim_ = std::make_unique<SimProcess>(std::move(sim_args));
    ASSERT_TRUE(sim_->Start());
    std::vector<std::string> args = {"--demo",          "--demo-stock",       "5000",    "--payment-gateway",
                                     sim_->url(),       "--wms-url",          sim_->url(), "--erp-secret",
                                     kErpSecret,        "--wms-secret",       kWmsSecret, "--job-retry-base",
                                     "100ms",           "--breaker-cooldown", "200ms",   "--call-timeout",
                                     "2s",              "--job-workers",      "32"};
    for (std::string& arg : extra)
      if (arg == "{sim}") arg = sim_->url();
    args.insert(args.end(), extra.begin(), extra.end());
    server_ = std::make_unique<OrdoServer>(args, GetParam());
    ASSERT_TRUE(server_->Start());
    api_ = std::make_unique<HttpClient>(server_->url());
    sim_api_ = std::make_unique<HttpClient>(sim_->url());
    erp_key_ = NewKey("erp");
    wms_key_ = NewKey("wms");
    ASSERT_FALSE(erp_key_.empty());
    ASSERT_FALSE(wms_key_.empty());
    HttpResponse wms = sim_api_->Put(
        "/wms/v1/config", json{{"callback_url", server_->url() + "/v1/integrations/wms/events"}, {"api_key", wms_key_}});
    ASSERT_EQ(wms.status, 200) << wms.Describe();
    HttpResponse erp = sim_api_->Put("/erp/v1/config", json{{"ordo_url", server_->url()}, {"api_key", erp_key_}});
    ASSERT_EQ(erp.status, 200) << erp.Describe();
  }
  void TearDown() override {
    if (server_ && server_->Alive()) ExpectCleanShutdownAndCheck(*server_);
  }

  std::string NewKey(const std::string& scope) {
    HttpResponse r = api_->Post("/v1/auth/api-keys", json{{"name", "it " + scope}, {"scopes", {scope}}});
    EXPECT_EQ(r.status, 201) << r.Describe();
    return r.status == 201 ? r.Json()["key"].get<std::string>() : "";
  }

  // The ERP's run: `count` new orders at `rate`, `duplicate_pct` of them sent again.
  json Run(int count, int rate, int duplicate_pct) {
    HttpResponse started = sim_api_->Post("/erp/v1/runs", json{{"rate", rate},
                                                               {"count", count},
                                                               {"duplicate_pct", duplicate_pct},
                                                               {"organization_id", kOrganization},
                                                               {"skus", OneWarehouseSkus()},
                                                               {"concurrency", 8}});
    EXPECT_EQ(started.status, 201) << started.Describe();
    json run;
    EXPECT_TRUE(PollUntil(60s, [&] {
      run = sim_api_->Get("/erp/v1/runs/current").Json();
      return run.value("state", "") == "finished";
    }, 100ms)) << run.dump();
    return run;
  }

  // Every item of a paginated list.
  std::vector<json> All(HttpClient& client, const std::string& path) {
    std::vector<json> out;
    std::string cursor;
    std::string sep = path.find('?') == std::string::npos ? "?" : "&";
    do {
      HttpResponse r = client.Get(path + sep + "limit=200" + (cursor.empty() ? "" : "&cursor=" + cursor));
      EXPECT_EQ(r.status, 200) << r.Describe();
      json body = r.Json();
      if (!body.contains("items")) break;
      for (const auto& item : body["items"]) out.push_back(item);
      cursor = body["next_cursor"].is_string() ? body["next_cursor"].get<std::string>() : "";
    } while (!cursor.empty());
    return out;
  }
  std::vector<json> ErpOrders() {
    std::vector<json> out;
    for (json& o : All(*api_, "/v1/orders"))
      if (o["organization_id"] == kOrganization) out.push_back(std::move(o));
    return out;
  }
  json WmsStats() { return sim_api_->Get("/wms/v1/stats").Json(); }
  json JobStats() { return api_->Get("/v1/jobs/stats").Json(); }
  long PushJobs(const std::string& state) {
    json counts = JobStats()["by_kind"];
    return counts.contains("wms.push") ? counts["wms.push"][state].get<long>() : 0;
  }
  std::vector<std::string> Timeline(const std::string& id) {
    std::vector<std::string> types;
    json body = api_->Get("/v1/orders/" + id + "/events").Json();  // kept: the loop borrows from it
    for (const auto& e : body["items"]) types.push_back(e["type"]);
    return types;
  }
  static bool Has(const std::vector<std::string>& v, const std::string& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
  }
  // Every ERP order delivered, as Ordo and as the WMS see it.
  bool AllDelivered(std::size_t n) {
    std::vector<json> orders = ErpOrders();
    if (orders.size() != n) return false;
    for (const json& o : orders)
      if (o["status"] != "delivered") return false;
    return true;
  }

  std::unique_ptr<SimProcess> sim_;
  std::unique_ptr<OrdoServer> server_;
  std::unique_ptr<HttpClient> api_, sim_api_;
  std::string erp_key_, wms_key_;
};
INSTANTIATE_TEST_SUITE_P(OrdoIntegration, ErpWms, kAllBackends, BackendParamName);

TEST_P(ErpWms, FiveHundredErpOrdersWithDuplicatesLandOncePushOnceAndAreDelivered) {
  StartWith({"--wms-step-ms", "20"});
  constexpr int kOrders = 500;
  json run = Run(kOrders, 250, 10);
  // The ERP's own count: every new order accepted (201) once, every re-send a duplicate (200).
  EXPECT_EQ(run["orders"], kOrders) << run.dump();
  EXPECT_EQ(run["accepted"], kOrders) << run.dump();
  EXPECT_GE(run["duplicates_sent"].get<long>(), kOrders / 20) << run.dump();  // about 10 %
  EXPECT_EQ(run["duplicates"], run["duplicates_sent"]) << run.dump();
  EXPECT_EQ(run["rejected"], 0) << run.dump();
  EXPECT_EQ(run["errors"], 0) << run.dump();

  // Each ERP order is one Ordo order: the ERP's view names it, and nothing else does.
  std::map<std::string, std::string> ordo_of;  // erp order id → ordo order id
  for (const json& o : All(*sim_api_, "/erp/v1/orders")) {
    ASSERT_TRUE(o["ordo_order_id"].is_string()) << o.dump();
    ordo_of[o["erp_order_id"]] = o["ordo_order_id"];
  }
  ASSERT_EQ(ordo_of.size(), static_cast<std::size_t>(kOrders));

  ASSERT_TRUE(PollUntil(60s, [&] { return AllDelivered(kOrders); }, 250ms))
      << "delivered: " << ErpOrders().size() << " orders; WMS " << WmsStats().dump() << "; jobs " << JobStats().dump();
  std::vector<json> orders = ErpOrders();
  std::set<std::string> external_ids;
  std::map<std::string, std::string> wms_of;  // ordo order id → the WMS's id, as Ordo stored it
  for (const json& o : orders) {
    ASSERT_TRUE(external_ids.insert(o["external_id"].get<std::string>()).second) << "twice: " << o["external_id"];
    EXPECT_EQ(ordo_of[o["external_id"]], o["id"]) << o.dump();
    EXPECT_EQ(o["payment"]["status"], "external");
    EXPECT_EQ(o["wms"]["state"], "acknowledged") << o.dump();
    EXPECT_EQ(o["wms"]["status"], "delivered") << o.dump();
    EXPECT_FALSE(o["carrier"].is_null()) << o.dump();
    wms_of[o["id"]] = o["wms"]["order_id"];
  }
  // The WMS's own view: each order pushed once, accepted once, delivered.
  json stats = WmsStats();
  EXPECT_EQ(stats["pushes_received"], kOrders) << stats.dump();
  EXPECT_EQ(stats["pushes_accepted"], kOrders) << stats.dump();
  EXPECT_EQ(stats["pushes_duplicate"], 0) << stats.dump();
  EXPECT_EQ(stats["callbacks_sent"], 4 * kOrders) << stats.dump();
  std::vector<json> wms_orders = All(*sim_api_, "/wms/v1/orders");
  ASSERT_EQ(wms_orders.size(), static_cast<std::size_t>(kOrders));
  for (const json& w : wms_orders) {
    EXPECT_EQ(w["status"], "delivered") << w.dump();
    EXPECT_EQ(wms_of[w["order_id"]], w["wms_order_id"]) << w.dump();
  }
  EXPECT_EQ(PushJobs("done"), kOrders);
  EXPECT_EQ(PushJobs("dead"), 0);

  // One order's timeline, end to end, each step by its actor.
  const std::string& id = orders.front()["id"].get_ref<const std::string&>();
  std::vector<std::string> want = {"order.received_from_erp", "order.validated", "order.created", "payment.external",
                                   "order.paid", "wms.queued", "job.scheduled", "wms.sent", "wms.acknowledged",
                                   "wms.status_updated", "order.shipped", "reservation.committed", "order.delivered"};
  std::vector<std::string> timeline = Timeline(id);
  auto at = timeline.begin();
  for (const std::string& type : want) {
    at = std::find(at, timeline.end(), type);
    ASSERT_NE(at, timeline.end()) << type << " missing or out of place in " << json(timeline).dump();
  }
  const json events = api_->Get("/v1/orders/" + id + "/events").Json()["items"];
  for (const json& e : events) {
    if (e["type"] == "order.received_from_erp" || e["type"] == "order.delivered") {
      EXPECT_EQ(e["data"]["actor"].get<std::string>().rfind("key:", 0), 0u) << e.dump();  // the ERP's, the WMS's key
    }
  }
}

TEST_P(ErpWms, FailedPushesAreRetriedTheExhaustedWaitInTheDeadLetterQueueAndARetryByHandHealsThem) {
  StartWith({"--wms-step-ms", "20", "--wms-failure-pct", "30", "--seed", "7"}, {"--job-retries", "2"});
  constexpr int kOrders = 300;
  json run = Run(kOrders, 250, 0);
  ASSERT_EQ(run["accepted"], kOrders) << run.dump();
  // Every push is done or dead: nothing queued, running or retrying.
  ASSERT_TRUE(PollUntil(60s, [&] { return PushJobs("done") + PushJobs("dead") == kOrders; }, 200ms))
      << JobStats().dump();
  json stats = WmsStats();
  EXPECT_GT(stats["pushes_failed"].get<long>(), kOrders / 5) << stats.dump();  // about 30 % of the calls
  EXPECT_EQ(stats["pushes_accepted"], PushJobs("done")) << stats.dump();

  std::vector<json> dead = All(*api_, "/v1/jobs?state=dead&kind=wms.push");
  // 0.3³ of the pushes use up their three attempts: about 8 of 300.
  ASSERT_FALSE(dead.empty()) << JobStats().dump();
  int retried_then_done = 0;
  for (const json& o : ErpOrders()) {
    if (o["wms"]["state"] != "acknowledged") continue;
    std::vector<std::string> t = Timeline(o["id"]);
    if (Has(t, "wms.push_failed")) {
      ++retried_then_done;
      EXPECT_TRUE(Has(t, "wms.retry_succeeded")) << json(t).dump();
    }
  }
  EXPECT_GT(retried_then_done, 0) << "no push succeeded on a retry";
  for (const json& job : dead) {
    EXPECT_EQ(job["attempts"], 3) << job.dump();
    json o = api_->Get("/v1/orders/" + job["order_id"].get<std::string>()).Json();
    EXPECT_EQ(o["wms"]["state"], "failed") << o.dump();
    EXPECT_EQ(o["status"], "fulfilling") << o.dump();  // waiting, visibly, with its stock held
    std::vector<std::string> t = Timeline(o["id"]);
    EXPECT_TRUE(Has(t, "wms.sync_failed")) << json(t).dump();
    EXPECT_EQ(std::count(t.begin(), t.end(), "wms.sent"), 3) << json(t).dump();
  }
  // The order list finds exactly those orders by their sync state, and each
  // one by the id the ERP gave it.
  std::set<std::string> dead_orders;
  for (const json& job : dead) dead_orders.insert(job["order_id"].get<std::string>());
  std::set<std::string> listed_failed;
  for (const json& o : All(*api_, "/v1/orders?wms_state=failed")) listed_failed.insert(o["id"].get<std::string>());
  EXPECT_EQ(listed_failed, dead_orders);
  json one = api_->Get("/v1/orders/" + *dead_orders.begin()).Json();
  ASSERT_TRUE(one["external_id"].is_string()) << one.dump();
  json by_external = api_->Get("/v1/orders?external_id=" + UrlEncode(one["external_id"].get<std::string>())).Json();
  ASSERT_EQ(by_external["items"].size(), 1u) << by_external.dump();
  EXPECT_EQ(by_external["items"][0]["id"], one["id"]);
  EXPECT_EQ(All(*api_, "/v1/orders?wms_state=failed&external_id=" + UrlEncode(one["external_id"].get<std::string>()))
                .size(), 1u);

  // The WMS recovers; each dead push is retried by hand and goes through.
  ASSERT_EQ(sim_api_->Put("/v1/chaos", json{{"wms_failure_pct", 0}}).status, 200);
  for (const json& job : dead) {
    HttpResponse retried = api_->Post("/v1/jobs/" + job["id"].get<std::string>() + "/retry", json::object());
    ASSERT_EQ(retried.status, 200) << retried.Describe();
  }
  ASSERT_TRUE(PollUntil(60s, [&] { return AllDelivered(kOrders); }, 250ms)) << JobStats().dump();
  EXPECT_EQ(PushJobs("dead"), 0);
  EXPECT_EQ(PushJobs("done"), kOrders);
  stats = WmsStats();
  EXPECT_EQ(stats["pushes_accepted"], kOrders) << stats.dump();  // no WMS order twice
  EXPECT_EQ(All(*sim_api_, "/wms/v1/orders").size(), static_cast<std::size_t>(kOrders));
  EXPECT_TRUE(All(*api_, "/v1/orders?wms_state=failed").empty());
  EXPECT_EQ(All(*api_, "/v1/orders?wms_state=acknowledged").size(), static_cast<std::size_t>(kOrders));
  std::vector<std::string> healed = Timeline(dead.front()["order_id"]);
  auto retried = std::find(healed.begin(), healed.end(), "job.retried");
  ASSERT_NE(retried, healed.end()) << json(healed).dump();
  for (const char* type : {"wms.queued", "wms.sent", "wms.acknowledged", "wms.retry_succeeded", "order.delivered"}) {
    EXPECT_NE(std::find(retried, healed.end(), type), healed.end()) << type << " after job.retried: " << json(healed).dump();
  }
}

// Reconciliation (seed 000): the WMS drops callbacks, and some orders never
// reach it at all; a run finds both, heals them (the missed callbacks applied,
// the lost orders pushed again), lists them in its report and on each order's
// timeline, and the next run finds nothing.
TEST_P(ErpWms, DroppedCallbacksAndLostPushesAreFoundAndHealedByReconciliationAndTheReportListsThem) {
  StartWith({"--wms-step-ms", "20", "--callback-drop-pct", "40", "--seed", "11"},
            {"--erp-url", "{sim}", "--reconcile-interval", "0", "--reconcile-settle", "1s", "--job-retries", "1"});
  EXPECT_EQ(api_->Get("/v1/reconciliation").status, 404);  // none yet
  constexpr int kDropped = 80, kLost = 6;
  ASSERT_EQ(Run(kDropped, 250, 0)["accepted"], kDropped);
  // The WMS delivers everything; Ordo hears only some of it.
  ASSERT_TRUE(PollUntil(60s, [&] {
    std::vector<json> at_wms = All(*sim_api_, "/wms/v1/orders");
    return at_wms.size() == static_cast<std::size_t>(kDropped) &&
           std::all_of(at_wms.begin(), at_wms.end(), [](const json& w) { return w["status"] == "delivered"; });
  }, 200ms)) << WmsStats().dump();
  // Then the WMS is down for a few orders: their pushes die (the DLQ).
  ASSERT_EQ(sim_api_->Put("/v1/chaos", json{{"wms_failure_pct", 100}, {"callback_drop_pct", 0}}).status, 200);
  ASSERT_EQ(Run(kLost, 50, 0)["accepted"], kLost);
  ASSERT_TRUE(PollUntil(30s, [&] { return PushJobs("dead") == kLost; }, 100ms)) << JobStats().dump();
  ASSERT_EQ(sim_api_->Put("/v1/chaos", json{{"wms_failure_pct", 0}}).status, 200);

  std::set<std::string> missed, lost;
  for (const json& o : ErpOrders()) {
    if (o["wms"]["state"] == "failed") lost.insert(o["id"].get<std::string>());
    else if (o["status"] != "delivered") missed.insert(o["id"].get<std::string>());
  }
  ASSERT_EQ(lost.size(), static_cast<std::size_t>(kLost));
  ASSERT_GT(missed.size(), 10u) << "40 % of callbacks dropped should leave many orders short of delivered";
  EXPECT_GT(WmsStats()["callbacks_dropped"].get<long>(), 0);

  std::this_thread::sleep_for(1500ms);  // past the settle time
  HttpResponse ran = api_->Post("/v1/reconciliation/run", json::object());
  ASSERT_EQ(ran.status, 201) << ran.Describe();
  json report = ran.Json();
  EXPECT_EQ(ran.Header("location"), "/v1/reconciliation/history/" + report["id"].get<std::string>());
  EXPECT_EQ(report["trigger"], "manual");
  EXPECT_EQ(report["sources"]["wms"], "ok") << report["sources"].dump();
  EXPECT_EQ(report["sources"]["erp"], "ok") << report["sources"].dump();
  json counts = report["counts"];
  EXPECT_EQ(counts["ordo_orders"], kDropped + kLost) << counts.dump();
  EXPECT_EQ(counts["wms_orders"], kDropped) << counts.dump();
  EXPECT_EQ(counts["erp_orders"], kDropped + kLost) << counts.dump();
  EXPECT_EQ(counts["discrepancies"], static_cast<long>(missed.size() + lost.size())) << report.dump();
  EXPECT_EQ(counts["healed"], counts["discrepancies"]) << report.dump();
  EXPECT_EQ(counts["matched"], static_cast<long>(kDropped - missed.size())) << counts.dump();
  EXPECT_EQ(report["by_kind"]["missed-callback"], static_cast<long>(missed.size())) << report["by_kind"].dump();
  EXPECT_EQ(report["by_kind"]["missing-in-wms"], kLost) << report["by_kind"].dump();
  ASSERT_EQ(report["discrepancies"].size(), missed.size() + lost.size());
  json items = report["discrepancies"];
  for (const json& d : items) {
    const std::string id = d["order_id"];
    EXPECT_EQ(d["result"], "healed") << d.dump();
    if (d["kind"] == "missed-callback") {
      EXPECT_TRUE(missed.count(id)) << d.dump();
      EXPECT_EQ(d["other_status"], "delivered") << d.dump();
      EXPECT_EQ(d["action"], "apply-delivered") << d.dump();
    } else {
      EXPECT_EQ(d["kind"], "missing-in-wms") << d.dump();
      EXPECT_TRUE(lost.count(id)) << d.dump();
      EXPECT_EQ(d["action"], "repush") << d.dump();
    }
  }
  // The missed callbacks are applied in the run's own commits.
  for (const std::string& id : missed) {
    json o = api_->Get("/v1/orders/" + id).Json();
    EXPECT_EQ(o["status"], "delivered") << o.dump();
    std::vector<std::string> t = Timeline(id);
    auto found = std::find(t.begin(), t.end(), "reconciliation.discrepancy_detected");
    ASSERT_NE(found, t.end()) << json(t).dump();
    EXPECT_NE(std::find(found, t.end(), "order.delivered"), t.end()) << json(t).dump();
  }
  // The lost ones go to the WMS again (their dead jobs queued again) and are delivered.
  ASSERT_TRUE(PollUntil(60s, [&] { return AllDelivered(kDropped + kLost); }, 250ms)) << JobStats().dump();
  EXPECT_EQ(PushJobs("dead"), 0);
  EXPECT_EQ(WmsStats()["pushes_accepted"], kDropped + kLost);  // each order once at the WMS
  std::vector<std::string> repushed = Timeline(*lost.begin());
  auto flagged = std::find(repushed.begin(), repushed.end(), "reconciliation.discrepancy_detected");
  ASSERT_NE(flagged, repushed.end()) << json(repushed).dump();
  for (const char* type : {"job.retried", "wms.queued", "wms.acknowledged", "order.delivered"})
    EXPECT_NE(std::find(flagged, repushed.end(), type), repushed.end()) << type << ": " << json(repushed).dump();

  // The report is kept: the latest, first in the history, and by its id.
  EXPECT_EQ(api_->Get("/v1/reconciliation").Json()["id"], report["id"]);
  json history = api_->Get("/v1/reconciliation/history").Json();
  ASSERT_EQ(history["items"].size(), 1u) << history.dump();
  EXPECT_EQ(history["items"][0]["id"], report["id"]);
  EXPECT_FALSE(history["items"][0].contains("discrepancies"));  // summaries only
  EXPECT_EQ(api_->Get("/v1/reconciliation/history/" + report["id"].get<std::string>()).Json(), report);
  EXPECT_EQ(api_->Get("/v1/reconciliation/history/rec_nope").status, 404);

  // Healed: once things settle, the next run finds nothing.
  std::this_thread::sleep_for(1500ms);
  HttpResponse again = api_->Post("/v1/reconciliation/run", std::string());
  ASSERT_EQ(again.status, 201) << again.Describe();
  EXPECT_EQ(again.Json()["counts"]["discrepancies"], 0) << again.body;
  EXPECT_EQ(again.Json()["counts"]["matched"], kDropped + kLost) << again.body;
  EXPECT_EQ(api_->Get("/v1/reconciliation/history").Json()["items"].size(), 2u);
  std::string metrics = api_->Get("/metrics").body;
  EXPECT_NE(metrics.find("ordo_reconciliation_discrepancies 0"), std::string::npos);
  // Every order reached the WMS once: its sync time is in the histogram (the 6 lost ones after their requeue).
  EXPECT_NE(metrics.find("ordo_wms_sync_seconds_count " + std::to_string(kDropped + kLost)), std::string::npos)
      << metrics.substr(metrics.find("ordo_wms_sync_seconds_count"), 60);
  EXPECT_NE(metrics.find("ordo_reconciliation_runs_total{trigger=\"manual\"} 2"), std::string::npos);
  EXPECT_NE(metrics.find("ordo_reconciliation_healed_total " + std::to_string(missed.size() + lost.size())),
            std::string::npos);
  // Bad input changes nothing.
  EXPECT_EQ(api_->Post("/v1/reconciliation/run", json{{"force", true}}).status, 422);
  EXPECT_EQ(api_->Get("/v1/reconciliation/history?limit=x").status, 422);
  EXPECT_EQ(api_->Get("/v1/reconciliation/history").Json()["items"].size(), 2u);
}

// Bad input and the dedupe rules, without a WMS: pushes wait in the queue,
// and the test plays the WMS's callbacks itself.
class ErpWmsInput : public OnBackend {
 protected:
  void SetUp() override {
    OnBackend::SetUp();
    if (IsSkipped()) return;
    server_ = std::make_unique<OrdoServer>(
        std::vector<std::string>{"--demo", "--erp-secret", kErpSecret, "--wms-secret", kWmsSecret, "--payment-gateway",
                                 "http://127.0.0.1:9", "--wms-url", "http://127.0.0.1:9", "--job-retry-base", "60s"},
        GetParam());
    ASSERT_TRUE(server_->Start());
    api_ = std::make_unique<HttpClient>(server_->url());
    for (const char* scope : {"erp", "wms"}) {
      HttpResponse r = api_->Post("/v1/auth/api-keys", json{{"name", scope}, {"scopes", {scope}}});
      ASSERT_EQ(r.status, 201) << r.Describe();
      keys_[scope] = "Bearer " + r.Json()["key"].get<std::string>();
    }
  }
  void TearDown() override {
    if (server_ && server_->Alive()) ExpectCleanShutdownAndCheck(*server_);
  }
  HttpResponse Erp(const std::string& body, const std::string& id = "msg-1") {
    return api_->Post("/v1/integrations/erp/orders", body,
                      With(Signed(kErpSecret, body, id), "Authorization", keys_["erp"]));
  }
  HttpResponse Wms(const json& event) {
    std::string body = event.dump();
    return api_->Post("/v1/integrations/wms/events", body,
                      With(Signed(kWmsSecret, body, event["event_id"]), "Authorization", keys_["wms"]));
  }
  json Event(const std::string& event_id, const std::string& order_id, const std::string& status) {
    json e = {{"event_id", event_id}, {"order_id", order_id}, {"wms_order_id", "wms_it_1"}, {"status", status},
              {"occurred_at", "2026-11-23T10:00:00Z"}};
    if (status == "shipped" || status == "delivered") e["carrier"] = "DHL", e["tracking"] = "JD0001";
    return e;
  }
  long Orders() { return static_cast<long>(api_->Get("/v1/orders?limit=200").Json()["items"].size()); }
  std::string Fingerprint() {
    return api_->Get("/v1/orders?limit=200").body + api_->Get("/v1/stock?sku=SKU-0001").body +
           api_->Get("/v1/jobs?limit=200").body;
  }

  std::unique_ptr<OrdoServer> server_;
  std::unique_ptr<HttpClient> api_;
  std::map<std::string, std::string> keys_;
};
INSTANTIATE_TEST_SUITE_P(OrdoIntegration, ErpWmsInput, kAllBackends, BackendParamName);

TEST_P(ErpWmsInput, BadSignaturesScopesAndPayloadsChangeNothing) {
  std::string body = FulfilOrder("SO-BAD-1").dump();
  std::string before = Fingerprint();
  auto post = [&](const std::string& text, const Headers& headers) {
    return api_->Post("/v1/integrations/erp/orders", text, headers);
  };
  struct Case {
    const char* what;
    Headers headers;
    std::string body;
    long status;
    const char* type;
    const char* pointer;
  };
  Headers erp_key = {{"Authorization", keys_["erp"]}};
  std::vector<Case> cases = {
      {"no signature", erp_key, body, 401, "invalid-signature", ""},
      {"signed with the WMS's secret", With(Signed(kWmsSecret, body, "m"), "Authorization", keys_["erp"]), body, 401,
       "invalid-signature", ""},
      {"signed for another body", With(Signed(kErpSecret, body + " ", "m"), "Authorization", keys_["erp"]), body, 401,
       "invalid-signature", ""},
      {"ten minutes old", With(Signed(kErpSecret, body, "m", -600), "Authorization", keys_["erp"]), body, 401,
       "invalid-signature", ""},
      {"no credentials", With(Signed(kErpSecret, body, "m"), "Authorization", ""), body, 401, "unauthenticated", ""},
      {"the WMS's key", With(Signed(kErpSecret, body, "m"), "Authorization", keys_["wms"]), body, 403, "forbidden", ""},
      {"a customer", With(Signed(kErpSecret, body, "m"), "Authorization", Bearer(TestToken("customer", "c1"))), body,
       403, "forbidden", ""},
  };
  auto signed_case = [&](const char* what, std::string text, long status, const char* type, const char* pointer) {
    cases.push_back({what, With(Signed(kErpSecret, text, "m"), "Authorization", keys_["erp"]), text, status, type, pointer});
  };
  signed_case("not JSON", "{\"erpOrderId\": ", 400, "malformed-json", "");
  json no_zip = FulfilOrder("SO-BAD-2");
  no_zip["deliveryAddress"].erase("zip");
  signed_case("no zip", no_zip.dump(), 422, "validation", "/deliveryAddress/zip");
  json price = FulfilOrder("SO-BAD-3");
  price["lines"][0]["price"] = "0.01";
  signed_case("a price", price.dump(), 422, "validation", "/lines/0/price");
  json unknown = FulfilOrder("SO-BAD-4", "NO-SUCH-SKU");
  json second = unknown["lines"][0];
  second["product"]["code"] = "SKU-0002";
  unknown["lines"].push_back(second);
  json third = unknown["lines"][0];
  third["product"] = {{"id", 300}, {"name", "Ghost"}, {"code", "ALSO-MISSING"}};
  unknown["lines"].push_back(third);
  signed_case("unknown products", unknown.dump(), 422, "unknown-product", "/lines/0/product/code");
  json nowhere = FulfilOrder("SO-BAD-5");
  nowhere["deliveryAddress"]["countryCode"] = "ZZ";
  signed_case("an address nowhere", nowhere.dump(), 422, "validation", "/deliveryAddress");
  for (const Case& c : cases) {
    HttpResponse r = post(c.body, c.headers);
    EXPECT_EQ(r.status, c.status) << c.what << ": " << r.Describe();
    EXPECT_EQ(ProblemType(r.Json()), c.type) << c.what << ": " << r.Describe();
    if (*c.pointer) {
      EXPECT_EQ(r.Json()["errors"][0]["pointer"], c.pointer) << c.what << ": " << r.Describe();
    }
  }
  // Every unknown product is named, with the ERP's own description of it.
  HttpResponse r = Erp(unknown.dump());
  ASSERT_EQ(r.status, 422);
  json errors = r.Json()["errors"];
  ASSERT_EQ(errors.size(), 2u) << r.Describe();
  EXPECT_EQ(errors[1]["pointer"], "/lines/2/product/code");
  EXPECT_NE(errors[0]["detail"].get<std::string>().find("Test Product (ERP product 100)"), std::string::npos) << r.Describe();
  EXPECT_NE(errors[1]["detail"].get<std::string>().find("Ghost (ERP product 300)"), std::string::npos) << r.Describe();
  EXPECT_EQ(Fingerprint(), before) << "a refused ERP order changed something";

  // The WMS's endpoint is as strict.
  json event = Event("evt-bad", "ord_none", "picked");
  std::string text = event.dump();
  EXPECT_EQ(api_->Post("/v1/integrations/wms/events", text, With(Signed(kErpSecret, text, "e"), "Authorization", keys_["wms"])).status, 401);
  EXPECT_EQ(api_->Post("/v1/integrations/wms/events", text, With(Signed(kWmsSecret, text, "e"), "Authorization", keys_["erp"])).status, 403);
  json bad_status = Event("evt-bad", "ord_none", "teleported");
  HttpResponse refused = Wms(bad_status);
  EXPECT_EQ(refused.status, 422) << refused.Describe();
  EXPECT_EQ(refused.Json()["errors"][0]["pointer"], "/status");
  EXPECT_EQ(Wms(event).status, 404);
  EXPECT_EQ(Fingerprint(), before);
}

TEST_P(ErpWmsInput, ADuplicateAnswersTheOriginalAndCallbacksAreAppliedOnceInOrder) {
  std::string body = FulfilOrder("SO-1", "SKU-0001", 2).dump();
  HttpResponse first = Erp(body, "msg-a");
  ASSERT_EQ(first.status, 201) << first.Describe();
  json order = first.Json();
  EXPECT_EQ(first.Header("location"), "/v1/orders/" + order["id"].get<std::string>());
  EXPECT_EQ(order["status"], "fulfilling");
  EXPECT_EQ(order["external_id"], "SO-1");
  EXPECT_EQ(order["channel"], "shopify-store");
  EXPECT_EQ(order["organization_id"], kOrganization);
  EXPECT_EQ(order["payment"]["status"], "external");
  EXPECT_EQ(order["wms"]["state"], "queued");
  EXPECT_EQ(order["shipping_address"]["postal_code"], "10117");
  EXPECT_EQ(order["shipping_address"]["phone"], "+4930123456");
  std::string id = order["id"];
  // Its push fails at once (no WMS listens) and waits a minute for its retry: the order is still from then on.
  ASSERT_TRUE(PollUntil(10s, [&] { return api_->Get("/v1/orders/" + id).Json()["wms"]["state"] == "retrying"; }));
  // The same order again, under another message id: the original, nothing new.
  std::string before = api_->Get("/v1/orders?limit=200").body + api_->Get("/v1/stock?sku=SKU-0001").body;
  HttpResponse again = Erp(body, "msg-b");
  EXPECT_EQ(again.status, 200) << again.Describe();
  EXPECT_EQ(again.Json()["id"], id);
  EXPECT_EQ(api_->Get("/v1/orders?limit=200").body + api_->Get("/v1/stock?sku=SKU-0001").body, before);
  // Another organisation's SO-1 is another order.
  json other = FulfilOrder("SO-1");
  other["organizationId"] = "org-other";
  HttpResponse theirs = Erp(other.dump());
  EXPECT_EQ(theirs.status, 201) << theirs.Describe();
  EXPECT_NE(theirs.Json()["id"], id);

  // The WMS's callbacks, one out of order, one twice.
  json shipped = Wms(Event("evt-2", id, "shipped")).Json();
  EXPECT_EQ(shipped["result"], "applied") << shipped.dump();
  EXPECT_EQ(shipped["order_status"], "shipped");
  json replay = Wms(Event("evt-2", id, "shipped")).Json();
  EXPECT_EQ(replay["result"], "duplicate") << replay.dump();
  json late = Wms(Event("evt-1", id, "picked")).Json();
  EXPECT_EQ(late["result"], "ignored") << late.dump();
  EXPECT_EQ(late["reason"], "out of order: picked after shipped");
  json cancelled = Wms(Event("evt-3", id, "cancelled")).Json();
  EXPECT_EQ(cancelled["result"], "ignored") << cancelled.dump();
  json delivered = Wms(Event("evt-4", id, "delivered")).Json();
  EXPECT_EQ(delivered["result"], "applied") << delivered.dump();
  EXPECT_EQ(delivered["order_status"], "delivered");
  json now = api_->Get("/v1/orders/" + id).Json();
  EXPECT_EQ(now["status"], "delivered");
  EXPECT_EQ(now["carrier"], "DHL");
  EXPECT_EQ(now["wms"]["status"], "delivered");
  EXPECT_EQ(now["wms"]["order_id"], "wms_it_1");
  // The stock left once: 2 units off on hand, nothing reserved.
  json events = api_->Get("/v1/orders/" + id + "/events").Json()["items"];
  int updated = 0, ignored = 0, shipped_events = 0;
  for (const json& e : events) {
    updated += e["type"] == "wms.status_updated";
    ignored += e["type"] == "wms.callback_ignored";
    shipped_events += e["type"] == "order.shipped";
  }
  EXPECT_EQ(updated, 2);
  EXPECT_EQ(ignored, 2);
  EXPECT_EQ(shipped_events, 1);

  // A callback for an order that was never sent to the WMS is recorded, not applied.
  HttpResponse plain = api_->Post("/v1/orders", OrderBody("SKU-0002", 1));
  ASSERT_EQ(plain.status, 201);
  std::string plain_id = plain.Json()["id"];
  json never = Wms(Event("evt-5", plain_id, "shipped")).Json();
  EXPECT_EQ(never["result"], "ignored") << never.dump();
  EXPECT_EQ(never["reason"], "the order was never sent to the WMS");
  EXPECT_EQ(api_->Get("/v1/orders/" + plain_id).Json()["status"], "pending");
}

TEST_P(ErpWmsInput, ConcurrentCopiesOfOneErpOrderMakeOneOrderOnEveryNode) {
  // On PostgreSQL a second node shares the database: the copies go to both.
  std::unique_ptr<OrdoServer> second;
  if (GetParam() == Backend::kPostgres) {
    second = std::make_unique<OrdoServer>(
        std::vector<std::string>{"--erp-secret", kErpSecret, "--wms-secret", kWmsSecret}, *server_);
    ASSERT_TRUE(second->Start());
  }
  constexpr int kCopies = 24;
  for (int round = 0; round < 3; ++round) {
    std::string body = FulfilOrder("SO-RACE-" + std::to_string(round), "SKU-0004", 1).dump();
    std::vector<std::thread> senders;
    std::mutex mu;
    std::map<long, int> statuses;
    std::set<std::string> ids;
    for (int t = 0; t < kCopies; ++t)
      senders.emplace_back([&, t] {
        HttpClient c(second && t % 2 ? second->url() : server_->url());
        std::string msg = "copy-" + std::to_string(t);
        HttpResponse r = c.Post("/v1/integrations/erp/orders", body,
                                With(Signed(kErpSecret, body, msg), "Authorization", keys_["erp"]));
        std::lock_guard lock(mu);
        ++statuses[r.status];
        if (r.status / 100 == 2) ids.insert(r.Json()["id"].get<std::string>());
      });
    for (auto& s : senders) s.join();
    EXPECT_EQ(statuses[201], 1) << "round " << round << ": " << json(statuses).dump();
    EXPECT_EQ(statuses[200], kCopies - 1) << "round " << round << ": " << json(statuses).dump();
    EXPECT_EQ(ids.size(), 1u) << "round " << round;
  }
  EXPECT_EQ(Orders(), 3);
  if (second) second->Terminate();
}

TEST_P(ErpWmsInput, WithoutASecretTheEndpointsAreNotConfigured) {
  OrdoServer bare(std::vector<std::string>{}, GetParam());  // not a demo: no simulator's secrets either
  ASSERT_TRUE(bare.Start());
  HttpClient c(bare.url());
  std::string body = FulfilOrder("SO-X").dump();
  for (const char* path : {"/v1/integrations/erp/orders", "/v1/integrations/wms/events"}) {
    HttpResponse r = c.Post(path, body, Signed(kErpSecret, body, "m"));
    EXPECT_EQ(r.status, 503) << path << ": " << r.Describe();
    EXPECT_EQ(ProblemType(r.Json()), "integration-not-configured") << r.Describe();
  }
}

}  // namespace
}  // namespace ordo::itest
