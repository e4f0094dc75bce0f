// The order lifecycle as a durable saga, against real `ordo serve` and
// `ordo sim` processes, on both backends: the happy path to delivered, a
// declined card, a chaos run against a misbehaving gateway (each order
// charged at most once, dead jobs exactly the exhausted ones, healed by a
// retry from the dead-letter queue), and workflow changes taking effect.
#include <map>
#include <set>

#include "test_util.h"

namespace ordo::itest {
namespace {

class Lifecycle : public OnBackend {
 protected:
  // A simulator with these knobs, then `ordo serve` wired to it with short
  // retry, breaker and timeout settings so that a test takes seconds.
  void StartWith(std::vector<std::string> sim_args, std::vector<std::string> extra = {}) {
    sim_ = std::make_unique<SimProcess>(std::move(sim_args));
    ASSERT_TRUE(sim_->Start());
    std::vector<std::string> args = {"--payment-gateway", sim_->url(),  "--job-retry-base", "200ms",
                                     "--breaker-cooldown", "300ms",     "--call-timeout",   "1s",
                                     "--job-workers",      "24"};
    if (demo_) args.insert(args.begin(), "--demo");
    args.insert(args.end(), extra.begin(), extra.end());
    server_ = std::make_unique<OrdoServer>(args, GetParam());
    ASSERT_TRUE(server_->Start());
    api_ = std::make_unique<HttpClient>(server_->url());
    gateway_ = std::make_unique<HttpClient>(sim_->url());
  }
  void TearDown() override {
    if (server_ && server_->Alive()) ExpectCleanShutdownAndCheck(*server_);
  }

  std::string Place(const std::string& sku = "SKU-0002", long quantity = 1) {
    HttpResponse r = api_->Post("/v1/orders", OrderBody(sku, quantity));
    EXPECT_EQ(r.status, 201) << r.Describe();
    return r.status == 201 ? r.Json()["id"].get<std::string>() : "";
  }
  json Order(const std::string& id) {
    HttpResponse r = api_->Get("/v1/orders/" + id);
    EXPECT_EQ(r.status, 200) << r.Describe();
    return r.Json();
  }
  HttpResponse Act(const std::string& id, const std::string& verb, const json& body = json::object()) {
    return api_->Post("/v1/orders/" + id + "/" + verb, body, {{"Idempotency-Key", id + "-" + verb}});
  }
  HttpResponse Pay(const std::string& id, const std::string& token = "tok_visa") {
    return Act(id, "pay", {{"payment_method", {{"token", token}}}});
  }
  bool WaitStatus(const std::string& id, const std::string& status, std::chrono::milliseconds deadline = 10s) {
    return PollUntil(deadline, [&] { return Order(id)["status"] == status; });
  }
  std::vector<std::string> Timeline(const std::string& id) {
    std::vector<std::string> types;
    json body = api_->Get("/v1/orders/" + id + "/events").Json();  // kept: the loop borrows from it
    for (const auto& e : body["items"]) types.push_back(e["type"]);
    return types;
  }
  json Available(const std::string& sku) {
    json by_location = json::object();
    for (const auto& row : StockOf(*api_, sku)) by_location[row["location_id"].get<std::string>()] = row["available"];
    return by_location;
  }
  json Rows(const std::string& sku) {
    json by_location = json::object();
    for (const auto& row : StockOf(*api_, sku)) by_location[row["location_id"].get<std::string>()] = row;
    return by_location;
  }
  // Every job of a kind, through the paginated list.
  std::vector<json> Jobs(const std::string& query) {
    std::vector<json> out;
    std::string cursor;
    do {
      HttpResponse r = api_->Get("/v1/jobs?limit=200&" + query + (cursor.empty() ? "" : "&cursor=" + cursor));
      EXPECT_EQ(r.status, 200) << r.Describe();
      json body = r.Json();
      for (const auto& j : body["items"]) out.push_back(j);
      cursor = body["next_cursor"].is_string() ? body["next_cursor"].get<std::string>() : "";
    } while (!cursor.empty());
    return out;
  }
  json Stats() { return api_->Get("/v1/jobs/stats").Json(); }
  // The gateway's own books: captures per reference (order id) and their amounts.
  std::map<std::string, std::vector<long>> CapturesByOrder() {
    std::map<std::string, std::vector<long>> out;
    json ledger = gateway_->Get("/v1/ledger").Json();
    for (const auto& p : ledger["payments"])
      for (const auto& c : p["captures"]) out[p["reference"].get<std::string>()].push_back(c["amount"].get<long>());
    return out;
  }
  static long Minor(const json& decimal) {
    std::string s = decimal.get<std::string>();
    auto dot = s.find('.');
    return std::stol(s.substr(0, dot)) * 100 + std::stol(s.substr(dot + 1));
  }

  std::unique_ptr<SimProcess> sim_;
  std::unique_ptr<OrdoServer> server_;
  std::unique_ptr<HttpClient> api_, gateway_;
  bool demo_ = true;  // --demo: the demo catalogue, and its in-process simulator as the WMS
};
INSTANTIATE_TEST_SUITE_P(OrdoIntegration, Lifecycle, kAllBackends, BackendParamName);

bool Contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

TEST_P(Lifecycle, TheHappyPathRunsToDelivered) {
  StartWith({});
  json before = Rows("SKU-0002");
  std::string id = Place("SKU-0002", 2);
  ASSERT_FALSE(id.empty());
  ASSERT_EQ(Act(id, "confirm").status, 200);
  HttpResponse paying = Pay(id);
  ASSERT_EQ(paying.status, 200) << paying.Describe();
  EXPECT_EQ(paying.Json()["payment"]["status"], "pending");
  ASSERT_TRUE(WaitStatus(id, "paid")) << Order(id).dump();
  json paid = Order(id);
  EXPECT_EQ(paid["payment"]["status"], "captured");
  EXPECT_EQ(paid["payment"]["captured"], paid["total"]);
  // The gateway took the money once, for the total.
  auto captures = CapturesByOrder();
  ASSERT_EQ(captures[id].size(), 1u);
  EXPECT_EQ(captures[id][0], Minor(paid["total"]));

  HttpResponse shipped = Act(id, "ship", {{"carrier", "DHL"}, {"tracking", "JD0001"}});
  ASSERT_EQ(shipped.status, 200) << shipped.Describe();
  EXPECT_EQ(shipped.Json()["status"], "shipped");
  EXPECT_EQ(shipped.Json()["tracking"], "JD0001");
  HttpResponse delivered = Act(id, "deliver");
  ASSERT_EQ(delivered.status, 200) << delivered.Describe();
  EXPECT_EQ(delivered.Json()["status"], "delivered");

  // Shipping committed the reservation: on_hand fell by 2 and the units are no longer reserved.
  std::string location = paid["allocations"][0]["location_id"];
  bool found = false;
  for (const auto& row : StockOf(*api_, "SKU-0002")) {
    if (row["location_id"] != location) continue;
    found = true;
    EXPECT_EQ(row["on_hand"].get<long>(), before[location]["on_hand"].get<long>() - 2);
    EXPECT_EQ(row["reserved"].get<long>(), before[location]["reserved"].get<long>());
  }
  EXPECT_TRUE(found);
  HttpResponse reservations = api_->Get("/v1/reservations?order_id=" + id);
  ASSERT_EQ(reservations.status, 200);
  const json reserved_rows = reservations.Json()["items"];
  for (const auto& r : reserved_rows) EXPECT_EQ(r["state"], "committed");

  auto timeline = Timeline(id);
  for (const char* step : {"order.created", "order.confirmed", "payment.requested", "job.scheduled", "payment.captured",
                           "order.paid", "order.shipped", "reservation.committed", "order.delivered"})
    EXPECT_TRUE(Contains(timeline, step)) << step << " missing from the timeline";
  // The metrics tell the same story.
  std::string metrics = api_->Get("/metrics").body;
  EXPECT_NE(metrics.find(R"(ordo_payments_total{outcome="captured"} 1)"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find(R"(ordo_job_attempts_total{kind="payment.charge",outcome="done"} 1)"), std::string::npos);
  EXPECT_NE(metrics.find(R"(ordo_jobs{kind="payment.charge",state="done"} 1)"), std::string::npos);
  EXPECT_NE(metrics.find(R"(ordo_breaker_state{integration="payment",state="closed"} 1)"), std::string::npos);
  // A replayed pay (same Idempotency-Key) changes nothing and charges nothing.
  EXPECT_EQ(Pay(id).status, 200);
  EXPECT_EQ(CapturesByOrder()[id].size(), 1u);
  // Delivered is terminal.
  HttpResponse again = api_->Post("/v1/orders/" + id + "/cancel", json::object());
  EXPECT_EQ(again.status, 409) << again.Describe();
  EXPECT_EQ(ProblemType(again.Json()), "invalid-transition");
}

TEST_P(Lifecycle, ADeclinedPaymentReleasesTheStockAndFailsTheOrder) {
  StartWith({});
  json before = Available("SKU-0005");
  std::string id = Place("SKU-0005", 3);
  ASSERT_FALSE(id.empty());
  EXPECT_NE(Available("SKU-0005"), before);  // reserved
  ASSERT_EQ(Pay(id, "tok_decline").status, 200);
  ASSERT_TRUE(WaitStatus(id, "failed")) << Order(id).dump();
  json failed = Order(id);
  EXPECT_EQ(failed["payment"]["status"], "declined");
  EXPECT_EQ(Available("SKU-0005"), before);  // released
  EXPECT_TRUE(CapturesByOrder()[id].empty());
  auto timeline = Timeline(id);
  EXPECT_TRUE(Contains(timeline, "payment.declined"));
  EXPECT_TRUE(Contains(timeline, "reservation.released"));
  // A decline is a business outcome: the job is done, not dead, and was called once.
  auto jobs = Jobs("order_id=" + id);
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0]["state"], "done");
  EXPECT_EQ(jobs[0]["attempts"], 1);
}

TEST_P(Lifecycle, RefundsArePartialAtMostTheCaptureAndCancellingAfterCaptureRefundsTheRest) {
  StartWith({});
  std::string id = Place("SKU-0003", 2);
  ASSERT_EQ(Pay(id).status, 200);
  ASSERT_TRUE(WaitStatus(id, "paid"));
  long total = Minor(Order(id)["total"]);
  // A partial refund of 5.00, then one for more than is left: refused, nothing changes.
  HttpResponse part = Act(id, "refund", {{"amount", "5.00"}, {"reason", "scratched"}});
  ASSERT_EQ(part.status, 200) << part.Describe();
  ASSERT_TRUE(PollUntil(10s, [&] { return Order(id)["payment"]["refunded"] == "5.00"; })) << Order(id).dump();
  EXPECT_EQ(Order(id)["payment"]["status"], "partially_refunded");
  HttpResponse too_much =
      api_->Post("/v1/orders/" + id + "/refund", json{{"amount", std::to_string(total / 100 + 1) + ".00"}});
  EXPECT_EQ(too_much.status, 409) << too_much.Describe();
  EXPECT_EQ(ProblemType(too_much.Json()), "refund-exceeds-captured");
  // Cancelling the paid order releases its stock and refunds the rest.
  json before = Available("SKU-0003");
  HttpResponse cancelled = Act(id, "cancel", {{"reason", "customer changed their mind"}});
  ASSERT_EQ(cancelled.status, 200) << cancelled.Describe();
  EXPECT_EQ(cancelled.Json()["status"], "cancelled");
  ASSERT_TRUE(PollUntil(10s, [&] { return Order(id)["payment"]["status"] == "refunded"; })) << Order(id).dump();
  EXPECT_EQ(Minor(Order(id)["payment"]["refunded"]), total);
  EXPECT_NE(Available("SKU-0003"), before);  // the 2 units are available again
  // The gateway agrees: captured once, refunded in full, in two refunds.
  json ledger = gateway_->Get("/v1/payments?reference=" + id).Json();
  ASSERT_EQ(ledger["payments"].size(), 1u) << ledger.dump();
  EXPECT_EQ(ledger["payments"][0]["captured"].get<long>(), total);
  EXPECT_EQ(ledger["payments"][0]["refunded"].get<long>(), total);
  EXPECT_EQ(ledger["payments"][0]["refunds"].size(), 2u);
  auto timeline = Timeline(id);
  for (const char* step : {"refund.requested", "refund.succeeded", "order.cancelled", "reservation.released"})
    EXPECT_TRUE(Contains(timeline, step)) << step;
}

TEST_P(Lifecycle, ChaosChargesEachOrderAtMostOnceAndTheDeadLetterQueueHeals) {
  // 20 % of money calls fail with 5xx, 10 % hang past the 1 s call timeout,
  // 10 % are applied and then the connection is dropped.
  StartWith({"--failure-pct", "20", "--hang-pct", "10", "--hang-ms", "1500", "--drop-after-charge-pct", "10",
             "--seed", "42"},
            {"--job-retries", "2"});
  constexpr int kOrders = 300;
  std::vector<std::string> ids(kOrders);
  {
    std::vector<std::thread> clients;
    std::atomic<int> failures{0};
    for (int t = 0; t < 8; ++t)
      clients.emplace_back([&, t] {
        HttpClient c(server_->url());
        for (int i = t; i < kOrders; i += 8) {
          HttpResponse placed = c.Post("/v1/orders", OrderBody("SKU-00" + std::to_string(10 + i % 40), 1));
          if (placed.status != 201) {
            ++failures;
            continue;
          }
          ids[i] = placed.Json()["id"];
          HttpResponse paid = c.Post("/v1/orders/" + ids[i] + "/pay", json{{"payment_method", {{"token", "tok_visa"}}}});
          if (paid.status != 200) ++failures;
        }
      });
    for (auto& c : clients) c.join();
    ASSERT_EQ(failures.load(), 0);
  }
  // Wait until nothing is queued or running: every charge is done or dead.
  ASSERT_TRUE(PollUntil(120s, [&] {
    json t = Stats()["totals"];
    return t["queued"] == 0 && t["running"] == 0 && t["done"].get<long>() + t["dead"].get<long>() >= kOrders;
  }, 250ms)) << Stats().dump();

  auto captures = CapturesByOrder();
  std::set<std::string> dead_orders;
  for (const auto& job : Jobs("kind=payment.charge&state=dead")) {
    // Dead means exhausted: every attempt was used, and the last one failed.
    EXPECT_EQ(job["attempts"], job["max_attempts"]) << job.dump();
    EXPECT_EQ(job["max_attempts"], 3) << job.dump();
    EXPECT_FALSE(job["last_error"].is_null()) << job.dump();
    dead_orders.insert(job["order_id"].get<std::string>());
  }
  int paid = 0;
  for (const auto& id : ids) {
    json o = Order(id);
    auto it = captures.find(id);
    std::size_t n = it == captures.end() ? 0 : it->second.size();
    ASSERT_LE(n, 1u) << "charged twice: " << id;
    if (o["status"] == "paid") {
      ++paid;
      ASSERT_EQ(n, 1u) << id;
      EXPECT_EQ(it->second[0], Minor(o["total"])) << id;
    } else {
      // Not stuck: waiting in the dead-letter queue, visibly, with its stock held.
      EXPECT_TRUE(dead_orders.contains(id)) << "stuck: " << o.dump();
      EXPECT_EQ(o["payment"]["status"], "pending") << id;
    }
  }
  EXPECT_EQ(paid + static_cast<int>(dead_orders.size()), kOrders);
  // With 40 % of calls failing, some charges use up their three attempts
  // (about 6 %): the dead-letter path below is exercised, not skipped.
  ASSERT_FALSE(dead_orders.empty());

  // Heal the gateway and retry the dead-letter queue by hand.
  ASSERT_EQ(gateway_->Post("/v1/chaos/reset", json::object()).status / 100, 2);
  for (const auto& id : dead_orders) {
    auto jobs = Jobs("kind=payment.charge&state=dead&order_id=" + id);
    ASSERT_EQ(jobs.size(), 1u);
    HttpResponse retried = api_->Post("/v1/jobs/" + jobs[0]["id"].get<std::string>() + "/retry", json::object());
    ASSERT_EQ(retried.status, 200) << retried.Describe();
    EXPECT_EQ(retried.Json()["state"], "queued");
  }
  for (const auto& id : dead_orders) ASSERT_TRUE(WaitStatus(id, "paid", 30s)) << Order(id).dump();
  captures = CapturesByOrder();
  for (const auto& id : ids) {
    ASSERT_EQ(captures[id].size(), 1u) << id;
    EXPECT_EQ(captures[id][0], Minor(Order(id)["total"])) << id;
  }
  EXPECT_EQ(Stats()["totals"]["dead"], 0);
  // A manual retry is an event with its actor on the order's timeline.
  if (!dead_orders.empty()) {
    EXPECT_TRUE(Contains(Timeline(*dead_orders.begin()), "job.retried"));
    const json events = api_->Get("/v1/orders/" + *dead_orders.begin() + "/events").Json()["items"];
    for (const json& e : events)
      if (e["type"] == "job.retried") {
        EXPECT_EQ(e["data"]["actor"], "user:it-admin") << e.dump();
      }
  }
}

TEST_P(Lifecycle, AWorkflowChangeTakesEffectAndIllegalTransitionsAre409) {
  StartWith({});
  json wf = api_->Get("/v1/config/workflow").Json();
  ASSERT_EQ(wf["version"], 1) << wf.dump();
  // Add "on_hold" between pending and confirmed, and forbid cancelling a pending order.
  wf["statuses"].push_back({{"name", "on_hold"}, {"label", "On hold"}, {"effect", "none"}, {"actions", json::array()}});
  json transitions = json::array();
  for (const auto& t : wf["transitions"])
    if (!(t[0] == "pending" && t[1] == "cancelled")) transitions.push_back(t);
  transitions.push_back({"pending", "on_hold"});
  transitions.push_back({"on_hold", "confirmed"});
  wf["transitions"] = transitions;
  HttpResponse put = api_->Put("/v1/config/workflow", wf);
  ASSERT_EQ(put.status, 200) << put.Describe();
  EXPECT_EQ(put.Json()["version"], 2);
  // A stale version is refused.
  HttpResponse stale = api_->Put("/v1/config/workflow", wf);
  EXPECT_EQ(stale.status, 409) << stale.Describe();

  std::string id = Place("SKU-0007", 1);
  HttpResponse cancel = api_->Post("/v1/orders/" + id + "/cancel", json::object());
  EXPECT_EQ(cancel.status, 409) << cancel.Describe();
  EXPECT_EQ(ProblemType(cancel.Json()), "invalid-transition");
  HttpRequest patch{"PATCH", "/v1/orders/" + id + "/status", json{{"status", "on_hold"}}.dump(), true};
  HttpResponse held = api_->Send(patch);
  ASSERT_EQ(held.status, 200) << held.Describe();
  EXPECT_EQ(held.Json()["status"], "on_hold");
  patch.body = json{{"status", "delivered"}}.dump();
  HttpResponse illegal = api_->Send(patch);
  EXPECT_EQ(illegal.status, 409) << illegal.Describe();
  patch.body = json{{"status", "no_such_status"}}.dump();
  HttpResponse unknown = api_->Send(patch);
  EXPECT_EQ(unknown.status, 422) << unknown.Describe();
  patch.body = json{{"status", "confirmed"}}.dump();
  EXPECT_EQ(api_->Send(patch).status, 200);
  EXPECT_TRUE(Contains(Timeline(id), "order.status_changed"));

  // A workflow that would break the ledger is refused, naming the field, and changes nothing.
  json broken = wf;
  broken.erase("version");
  broken["transitions"].push_back({"shipped", "cancelled"});
  HttpResponse refused = api_->Put("/v1/config/workflow", broken);
  EXPECT_EQ(refused.status, 422) << refused.Describe();
  json problem = refused.Json();
  ASSERT_TRUE(problem.contains("errors")) << refused.body;
  EXPECT_EQ(problem["errors"][0]["pointer"], "/transitions/" + std::to_string(broken["transitions"].size() - 1) + "/1");
  EXPECT_EQ(api_->Get("/v1/config/workflow").Json()["version"], 2);
  json bogus = wf;
  bogus.erase("version");
  bogus["bogus"] = 1;
  HttpResponse unknown_field = api_->Put("/v1/config/workflow", bogus);
  EXPECT_EQ(unknown_field.status, 422) << unknown_field.Describe();
  EXPECT_EQ(unknown_field.Json()["errors"][0]["pointer"], "/bogus");
}

TEST_P(Lifecycle, TheSweeperReportsAJobNobodyRunsOnceWithAnEventAndAMetric) {
  // Not a demo and no --wms-url: no WMS, so nobody runs the push.
  demo_ = false;
  StartWith({}, {"--sweep-interval", "200ms", "--stuck-after", "1s", "--expiry-sweep-interval", "100ms"});
  ASSERT_EQ(api_->Put("/v1/locations/berlin-dc",
                      json{{"name", "Berlin"}, {"kind", "warehouse"}, {"lat", 52.5}, {"lng", 13.4}, {"active", true}})
                .status, 201);
  ASSERT_EQ(api_->Put("/v1/products/SKU-0020", json{{"name", "Mug"}, {"price", "9.90"}, {"currency", "EUR"}}).status, 201);
  ASSERT_EQ(api_->Put("/v1/stock/berlin-dc/SKU-0020", json{{"on_hand", 10}}).status, 200);
  std::string id = Place("SKU-0020", 1);
  ASSERT_EQ(Pay(id).status, 200);
  ASSERT_TRUE(WaitStatus(id, "paid"));
  // Entering "fulfilling" queues a WMS push, and no runner handles that kind here.
  HttpRequest patch{"PATCH", "/v1/orders/" + id + "/status", json{{"status", "fulfilling"}}.dump(), true};
  ASSERT_EQ(api_->Send(patch).status, 200);
  auto pushes = Jobs("kind=wms.push&order_id=" + id);
  ASSERT_EQ(pushes.size(), 1u);
  EXPECT_EQ(pushes[0]["state"], "queued");
  ASSERT_TRUE(PollUntil(10s, [&] { return Contains(Timeline(id), "job.stuck"); })) << "never reported";
  std::this_thread::sleep_for(1s);  // several more sweeps
  auto timeline = Timeline(id);
  EXPECT_EQ(std::count(timeline.begin(), timeline.end(), "job.stuck"), 1) << "reported more than once";
  json job = api_->Get("/v1/jobs/" + pushes[0]["id"].get<std::string>()).Json();
  ASSERT_EQ(job["attempt_log"].size(), 1u) << job.dump();
  EXPECT_EQ(job["attempt_log"][0]["outcome"], "stuck");
  EXPECT_NE(api_->Get("/metrics").body.find(R"(ordo_job_attempts_total{kind="wms.push",outcome="stuck"} 1)"),
            std::string::npos);
}

TEST_P(Lifecycle, AnEmailActionBoundToAStatusSendsOneMessageEvenAfterFailures) {
  StartWith({"--failure-pct", "100"}, {});  // the e-mail provider fails at first
  server_->Terminate();
  server_ = std::make_unique<OrdoServer>(
      std::vector<std::string>{"--demo", "--payment-gateway", sim_->url(), "--email-provider", sim_->url(),
                               "--email-to", "ops@shop.example", "--job-retry-base", "200ms", "--breaker-cooldown",
                               "300ms"},
      GetParam());
  ASSERT_TRUE(server_->Start());
  api_ = std::make_unique<HttpClient>(server_->url());
  json wf = api_->Get("/v1/config/workflow").Json();
  for (auto& st : wf["statuses"])
    if (st["name"] == "confirmed") st["actions"] = {"email"};
  ASSERT_EQ(api_->Put("/v1/config/workflow", wf).status, 200);
  std::string id = Place("SKU-0015", 1);
  ASSERT_EQ(Act(id, "confirm").status, 200);
  ASSERT_TRUE(PollUntil(10s, [&] {
    for (const auto& j : Jobs("kind=email&order_id=" + id))
      if (j["attempts"].get<int>() >= 1 && !j["last_error"].is_null()) return true;
    return false;
  })) << "no failed attempt";
  ASSERT_EQ(gateway_->Post("/v1/chaos/reset", json::object()).status / 100, 2);
  json emails;
  ASSERT_TRUE(PollUntil(15s, [&] {
    emails = gateway_->Get("/v1/emails").Json()["emails"];
    return emails.size() == 1;
  })) << emails.dump();
  EXPECT_EQ(emails[0]["to"], "ops@shop.example");
  EXPECT_NE(emails[0]["subject"].get<std::string>().find(id), std::string::npos);
  EXPECT_NE(emails[0]["subject"].get<std::string>().find("confirmed"), std::string::npos);
  ASSERT_TRUE(PollUntil(5s, [&] { return Jobs("kind=email&order_id=" + id)[0]["state"] == "done"; }));
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(gateway_->Get("/v1/emails").Json()["emails"].size(), 1u);  // sent once
}

TEST_P(Lifecycle, BrandingRoundTripsWithOptimisticVersions) {
  StartWith({});
  json branding = api_->Get("/v1/config/branding").Json();
  EXPECT_EQ(branding["version"], 0);
  branding["shop_name"] = "Lovelace & Co";
  branding["colors"] = {{"primary", "#1a2b3c"}};
  HttpResponse put = api_->Put("/v1/config/branding", branding);
  ASSERT_EQ(put.status, 200) << put.Describe();
  EXPECT_EQ(put.Json()["version"], 1);
  EXPECT_EQ(api_->Get("/v1/config/branding").Json()["shop_name"], "Lovelace & Co");
  HttpResponse stale = api_->Put("/v1/config/branding", branding);  // still says version 0
  EXPECT_EQ(stale.status, 409) << stale.Describe();
  branding["colors"] = {{"primary", "blue"}};
  branding["version"] = 1;
  HttpResponse bad_colour = api_->Put("/v1/config/branding", branding);
  EXPECT_EQ(bad_colour.status, 422) << bad_colour.Describe();
  EXPECT_EQ(bad_colour.Json()["errors"][0]["pointer"], "/colors/primary");
  EXPECT_EQ(api_->Get("/v1/config/branding").Json()["version"], 1);  // bad input changed nothing
}

}  // namespace
}  // namespace ordo::itest

namespace ordo::itest {
namespace {

// Outbound webhooks: signed deliveries that verify at a real receiver (ordo
// sim), redelivered with backoff after failures; the SSRF guard.
class Webhooks : public Lifecycle {};
INSTANTIATE_TEST_SUITE_P(OrdoIntegration, Webhooks, kAllBackends, BackendParamName);

TEST_P(Webhooks, DeliveriesVerifyAtTheReceiverAndAreRedeliveredAfterFailures) {
  StartWith({}, {"--webhooks-allow-private"});
  std::string secret = "whsec_" + std::string("b3Jkby10ZXN0LXNlY3JldC0xMjM0NTY3ODkw");  // base64 of a test secret
  ASSERT_EQ(gateway_->Put("/v1/receiver", json{{"secret", secret}}).status / 100, 2);
  HttpResponse sub = api_->Post("/v1/webhooks", json{{"url", sim_->url() + "/hooks/shop"},
                                                     {"event_types", {"order.created", "order.cancelled"}},
                                                     {"secret", secret}});
  ASSERT_EQ(sub.status, 201) << sub.Describe();
  std::string sub_id = sub.Json()["id"];
  EXPECT_EQ(sub.Json()["secret"], secret);
  EXPECT_FALSE(api_->Get("/v1/webhooks/" + sub_id).Json().contains("secret"));  // shown once

  std::string first = Place("SKU-0011", 1);
  auto deliveries = [&] { return gateway_->Get("/v1/receiver/deliveries?name=shop").Json(); };
  auto find = [](const json& all, const std::string& order_id, const std::string& type) -> json {
    const json& list = all.is_array() ? all : all.value("items", all.value("deliveries", json::array()));
    for (const auto& d : list) {
      json body = json::parse(d.value("body", std::string("{}")), nullptr, false);
      if (d.value("type", "") == type && body.is_object() && body["data"].value("order_id", "") == order_id) return d;
    }
    return nullptr;
  };
  ASSERT_TRUE(PollUntil(10s, [&] { return !find(deliveries(), first, "order.created").is_null(); }))
      << deliveries().dump();
  json got = find(deliveries(), first, "order.created");
  EXPECT_EQ(got["verified"], true) << got.dump();
  EXPECT_EQ(got["accepted"], true) << got.dump();
  // reservation.created was not subscribed to: nothing for it arrives.
  EXPECT_TRUE(find(deliveries(), first, "reservation.created").is_null());

  // The receiver fails every attempt for a while: the delivery is retried and arrives once it heals.
  ASSERT_EQ(gateway_->Put("/v1/chaos", json{{"failure_pct", 100}}).status / 100, 2);
  std::string second = Place("SKU-0012", 1);
  ASSERT_TRUE(PollUntil(10s, [&] {
    for (const auto& j : Jobs("kind=webhook.deliver&order_id=" + second))
      if (j["attempts"].get<int>() >= 2) return true;
    return false;
  })) << "no failed attempt recorded";
  ASSERT_EQ(gateway_->Post("/v1/chaos/reset", json::object()).status / 100, 2);
  ASSERT_TRUE(PollUntil(15s, [&] {
    json d = find(deliveries(), second, "order.created");
    return !d.is_null() && d["accepted"] == true;
  })) << deliveries().dump();
  json redelivered = find(deliveries(), second, "order.created");
  EXPECT_GE(redelivered["attempts"].get<int>(), 2) << redelivered.dump();  // one webhook-id, seen more than once
  EXPECT_EQ(redelivered["verified"], true);
  // The delivery log shows the failed attempts and the success, with the receiver's answers
  // (the success is recorded once the runner's result commits, just after the receiver has it).
  json log;
  EXPECT_TRUE(PollUntil(5s, [&] {
    log = api_->Get("/v1/webhooks/" + sub_id + "/deliveries").Json();
    bool seen_500 = false, seen_2xx = false;
    for (const auto& d : log["items"])
      if (d["order_id"] == second)
        for (const auto& a : d["attempt_log"]) {
          int status = a["http_status"].is_number() ? a["http_status"].get<int>() : 0;
          seen_500 = seen_500 || status >= 500;
          seen_2xx = seen_2xx || (status >= 200 && status < 300);
        }
    return seen_500 && seen_2xx;
  })) << log.dump();

  // Unsubscribed: no more deliveries.
  HttpRequest del{"DELETE", "/v1/webhooks/" + sub_id};
  EXPECT_EQ(api_->Send(del).status, 204);
  std::string third = Place("SKU-0013", 1);
  EXPECT_TRUE(Jobs("kind=webhook.deliver&order_id=" + third).empty());
}

TEST_P(Webhooks, AWebhookActionBoundToAStatusNotifiesItsSubscribers) {
  StartWith({}, {"--webhooks-allow-private"});
  std::string secret = "whsec_b3Jkby10ZXN0LXNlY3JldC0xMjM0NTY3ODkw";
  ASSERT_EQ(gateway_->Put("/v1/receiver", json{{"secret", secret}}).status / 100, 2);
  json wf = api_->Get("/v1/config/workflow").Json();
  for (auto& st : wf["statuses"])
    if (st["name"] == "confirmed") st["actions"] = {"webhook"};
  ASSERT_EQ(api_->Put("/v1/config/workflow", wf).status, 200);
  ASSERT_EQ(api_->Post("/v1/webhooks", json{{"url", sim_->url() + "/hooks/flow"}, {"event_types", {"workflow.*"}},
                                           {"secret", secret}}).status,
            201);
  std::string id = Place("SKU-0014", 1);
  ASSERT_EQ(Act(id, "confirm").status, 200);
  ASSERT_TRUE(PollUntil(10s, [&] {
    json all = gateway_->Get("/v1/receiver/deliveries?name=flow").Json();
    const json& list = all.is_array() ? all : all.value("items", all.value("deliveries", json::array()));
    for (const auto& d : list)
      if (d.value("type", "") == "workflow.confirmed" && d.value("verified", false) &&
          d.value("body", std::string()).find(id) != std::string::npos)
        return true;
    return false;
  })) << gateway_->Get("/v1/receiver/deliveries?name=flow").body;
}

TEST_P(Webhooks, TargetsOnThisMachineAreRefusedWithoutTheFlag) {
  StartWith({});
  for (const std::string& url : {sim_->url() + "/hooks/x", std::string("http://169.254.169.254/latest/meta-data"),
                                 std::string("http://10.1.2.3/hook")}) {
    HttpResponse r = api_->Post("/v1/webhooks", json{{"url", url}, {"event_types", {"*"}}});
    EXPECT_EQ(r.status, 422) << url << " " << r.Describe();
    EXPECT_EQ(r.Json()["errors"][0]["pointer"], "/url") << r.body;
  }
  HttpResponse bad = api_->Post("/v1/webhooks", json{{"url", "https://shop.example/h"}, {"event_types", {"Order.Created"}}});
  EXPECT_EQ(bad.status, 422) << bad.Describe();
  EXPECT_TRUE(api_->Get("/v1/webhooks").Json()["items"].empty());
}

}  // namespace
}  // namespace ordo::itest
