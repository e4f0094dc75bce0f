// Scale-out: two `ordo serve` nodes on one PostgreSQL schema. Each node runs
// its own sequencer; they share the stock rows, the event log, the timers and
// the Idempotency-Keys.
#include <csignal>
#include <latch>
#include <set>

#include "order_load.h"

namespace ordo::itest {
namespace {

class MultiNode : public OnBackend {
 protected:
  // Node A loads the demo data; node B joins the same schema afterwards.
  void StartNodes(std::vector<std::string> extra = {}) {
    std::vector<std::string> a_args = {"--demo"}, b_args;
    a_args.insert(a_args.end(), extra.begin(), extra.end());
    b_args.insert(b_args.end(), extra.begin(), extra.end());
    a_ = std::make_unique<OrdoServer>(a_args, GetParam());
    ASSERT_TRUE(a_->Start());
    b_ = std::make_unique<OrdoServer>(b_args, *a_);
    ASSERT_TRUE(b_->Start());
  }
  void TearDown() override {
    b_.reset();  // before A, which drops the schema
    a_.reset();
  }
  std::unique_ptr<OrdoServer> a_, b_;
};
INSTANTIATE_TEST_SUITE_P(OrdoIntegration, MultiNode, ::testing::Values(Backend::kPostgres), BackendParamName);

TEST_P(MultiNode, TwoHundredClientsOnTwoNodesSellExactlyTheLastUnits) {
  StartNodes();
  HttpClient client(a_->url());
  const std::string sku = "SKU-0011";
  json before = StockOf(client, sku);
  ASSERT_GE(before.size(), 3u) << before.dump();
  const std::vector<long> amounts = {6, 5, 4};
  for (std::size_t i = 0; i < before.size(); ++i) {
    long units = i < amounts.size() ? amounts[i] : 0;
    HttpResponse r = client.Put("/v1/stock/" + before[i]["location_id"].get<std::string>() + "/" + sku, {{"on_hand", units}});
    ASSERT_EQ(r.status, 200) << r.Describe();
  }
  const long total = 15;

  constexpr int kClients = 200;
  std::vector<HttpResponse> results(kClients);
  std::vector<long> wanted(kClients);
  std::latch ready(kClients + 1);
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    wanted[i] = i % 7 == 0 ? 2 : 1;
    threads.emplace_back([&, i] {
      HttpClient own(i % 2 ? b_->url() : a_->url(), 30s);  // half on each node
      json body = OrderBody(sku, wanted[i]);
      body["customer_id"] = "mn-race-" + std::to_string(i);
      std::string text = body.dump();
      ready.arrive_and_wait();
      results[i] = own.Post("/v1/orders", text);
    });
  }
  ready.arrive_and_wait();
  for (auto& t : threads) t.join();

  long sold = 0;
  int created = 0, refused = 0, by_node[2] = {0, 0};
  for (int i = 0; i < kClients; ++i) {
    const HttpResponse& r = results[i];
    ASSERT_TRUE(r.status == 201 || r.status == 409) << "client " << i << ": " << r.Describe();
    if (r.status == 201) {
      sold += wanted[i];
      ++created;
      ++by_node[i % 2];
    } else {
      EXPECT_EQ(ProblemType(r.Json()), "insufficient-stock") << r.Describe();
      ++refused;
    }
  }
  std::cout << "[          ] " << created << " orders (" << by_node[0] << " on A, " << by_node[1] << " on B), "
            << refused << " refused\n";
  EXPECT_EQ(sold, total) << "exactly the available units must be sold";
  for (OrdoServer* node : {a_.get(), b_.get()}) {  // both nodes read the same ledger
    HttpClient c(node->url());
    long reserved = 0;
    for (const auto& row : StockOf(c, sku)) {
      EXPECT_GE(row["available"].get<long>(), 0) << row.dump();
      reserved += row["reserved"].get<long>();
    }
    EXPECT_EQ(reserved, total);
  }
  CheckResult check = a_->RunCheck();
  EXPECT_EQ(check.exit_code, 0) << check.output;
}

// Each node keeps the rows its placements read between batches (PostgreSQL's
// RowCache). Whatever the other node changes meanwhile, the next order on this
// node is decided as if it had read everything afresh.
TEST_P(MultiNode, ANodeDecidesEveryOrderOnWhatTheOtherNodeChanged) {
  StartNodes();
  HttpClient a(a_->url()), b(b_->url());
  const std::string sku = "SKU-0013";  // at berlin-dc, hamburg-dc, paris-dc and amsterdam-store
  auto set_stock = [&](const std::string& location, long on_hand) {
    HttpResponse r = b.Put("/v1/stock/" + location + "/" + sku, {{"on_hand", on_hand}});
    ASSERT_EQ(r.status, 200) << r.Describe();
  };
  auto reserved_at = [&](const std::string& location) {
    for (const auto& row : StockOf(b, sku))
      if (row["location_id"] == location) return row["reserved"].get<long>();
    ADD_FAILURE() << "no stock row " << location << "/" << sku;
    return 0L;
  };
  // Places one unit on node A; the allocation's location, or the status when refused.
  json from_berlin = OrderBody(sku, 1), from_munich = OrderBody(sku, 1);
  from_munich["shipping_address"]["city"] = "Munich";
  from_munich["shipping_address"]["lat"] = 48.14;
  from_munich["shipping_address"]["lng"] = 11.58;
  auto place_on_a = [&](json* order = nullptr, const json* body = nullptr) -> std::string {
    HttpResponse r = a.Post("/v1/orders", (body ? *body : from_berlin).dump());
    if (r.status != 201) {
      EXPECT_EQ(r.status, 409) << r.Describe();
      return std::to_string(r.status);
    }
    json o = r.Json();
    if (order) *order = o;
    EXPECT_EQ(o["allocations"].size(), 1u) << o.dump();
    return o["allocations"][0]["location_id"].get<std::string>();
  };
  json rows = StockOf(b, sku);
  ASSERT_GE(rows.size(), 2u) << rows.dump();
  for (const auto& row : rows) set_stock(row["location_id"].get<std::string>(), 5);

  // The address is in Berlin: berlin-dc is the nearest, hamburg-dc the next.
  auto stale_reruns_on_a = [&] {
    HttpResponse m = a.Get("/metrics");
    EXPECT_EQ(m.status, 200) << m.Describe();
    return Sample(m.body, "ordo_batch_reruns_total{reason=\"stale\"}");
  };
  ASSERT_EQ(place_on_a(), "berlin-dc");
  ASSERT_EQ(place_on_a(), "berlin-dc");  // now from what node A kept
  EXPECT_EQ(stale_reruns_on_a(), 0);

  // A new price on B is the price of A's next order.
  ASSERT_EQ(b.Put("/v1/products/" + sku, json{{"name", "Repriced"}, {"price", "77.00"}, {"currency", "EUR"}}).status, 200);
  json order;
  ASSERT_EQ(place_on_a(&order), "berlin-dc");
  EXPECT_EQ(order["total"], "77.00") << order.dump();
  EXPECT_EQ(order["lines"][0]["name"], "Repriced") << order.dump();
  EXPECT_GE(stale_reruns_on_a(), 1) << "the order was first decided on A's kept rows, then afresh";

  // B empties berlin-dc: A sends the next order to hamburg-dc, not over berlin-dc's stock.
  set_stock("berlin-dc", reserved_at("berlin-dc"));
  EXPECT_EQ(place_on_a(), "hamburg-dc");
  // B restocks berlin-dc: A's next order goes there again.
  set_stock("berlin-dc", reserved_at("berlin-dc") + 5);
  EXPECT_EQ(place_on_a(), "berlin-dc");

  // B empties every location: A refuses. B restocks one: A accepts again.
  for (const auto& row : StockOf(b, sku)) set_stock(row["location_id"].get<std::string>(), row["reserved"].get<long>());
  EXPECT_EQ(place_on_a(), "409");
  set_stock("paris-dc", reserved_at("paris-dc") + 1);
  EXPECT_EQ(place_on_a(), "paris-dc");
  EXPECT_EQ(place_on_a(), "409");

  // From Munich, the nearest locations that keep the SKU at all are
  // berlin-dc, then hamburg-dc (munich-store and vienna-dc have no row). B
  // stocks it at munich-store: A's next order from Munich goes there.
  set_stock("berlin-dc", reserved_at("berlin-dc") + 5);
  set_stock("hamburg-dc", reserved_at("hamburg-dc") + 5);
  EXPECT_EQ(place_on_a(nullptr, &from_munich), "berlin-dc");
  EXPECT_EQ(place_on_a(nullptr, &from_munich), "berlin-dc");
  set_stock("munich-store", 5);
  EXPECT_EQ(place_on_a(nullptr, &from_munich), "munich-store");

  // B closes berlin-dc: A no longer sends orders there.
  EXPECT_EQ(place_on_a(), "berlin-dc");
  ASSERT_EQ(b.Put("/v1/locations/berlin-dc", json{{"name", "Berlin (closed)"}, {"kind", "warehouse"}, {"lat", 52.52},
                                                  {"lng", 13.405}, {"active", false}})
                .status, 200);
  EXPECT_EQ(place_on_a(), "hamburg-dc");

  CheckResult check = a_->RunCheck();
  EXPECT_EQ(check.exit_code, 0) << check.output;
}

TEST_P(MultiNode, KillNineOfOneNodeLosesNothingAndTheOtherKeepsServing) {
  StartNodes();
  OrderLoad on_a(a_->url(), 8, "node-a");
  OrderLoad on_b(b_->url(), 8, "node-b");
  ASSERT_TRUE(PollUntil(15s, [&] { return on_a.acknowledged_count() >= 20 && on_b.acknowledged_count() >= 20; }, 10ms))
      << "no orders acknowledged under load:\n" << a_->LogTail() << b_->LogTail();
  std::this_thread::sleep_for(1s);
  on_a.StopAfterTransportError();
  a_->Kill9();
  ASSERT_EQ(a_->last_exit().signal, SIGKILL);
  on_a.Stop();
  // B goes on serving while A is dead.
  std::size_t b_before = on_b.acknowledged_count();
  ASSERT_TRUE(PollUntil(10s, [&] { return on_b.acknowledged_count() >= b_before + 50; }, 10ms))
      << "node B stopped serving after A died:\n" << b_->LogTail();
  on_b.Stop();

  EXPECT_TRUE(on_b.unexpected().empty()) << on_b.unexpected().front();
  EXPECT_TRUE(on_a.unexpected().empty()) << on_a.unexpected().front();
  std::cout << "[          ] A: " << on_a.acknowledged().size() << " acknowledged, " << on_a.cut_off().size()
            << " cut off; B: " << on_b.acknowledged().size() << " acknowledged\n";
  // Every order either node acknowledged is there, read through B; A's keys
  // replay on B, and A's cut-off requests retried on B make one order each.
  ExpectAllPersisted(b_->url(), on_a.acknowledged());
  ExpectAllPersisted(b_->url(), on_b.acknowledged());
  ExpectKeysSurvive(b_->url(), on_a);
  CheckResult check = b_->RunCheck();
  EXPECT_EQ(check.exit_code, 0) << check.output;
  ExpectCleanShutdownAndCheck(*b_);
}

// Both nodes run the expiry timer. Every reservation expires exactly once,
// and after one node dies the other expires what was left.
TEST_P(MultiNode, ExpiryRunsOnBothNodesOnceAndTheSurvivorTakesOver) {
  StartNodes({"--reservation-ttl", "1500ms", "--expiry-sweep-interval", "100ms"});
  HttpClient ca(a_->url()), cb(b_->url());
  std::vector<std::string> ids;
  for (int i = 0; i < 40; ++i) {
    HttpResponse r = (i % 2 ? cb : ca).Post("/v1/orders", OrderBody("SKU-00" + std::to_string(20 + i % 10), 1));
    ASSERT_EQ(r.status, 201) << r.Describe();
    ids.push_back(r.Json()["id"]);
  }
  auto all_expired = [&](HttpClient& c, const std::vector<std::string>& which) {
    for (const auto& id : which)
      if (c.Get("/v1/orders/" + id).Json()["status"] != "expired") return false;
    return true;
  };
  ASSERT_TRUE(PollUntil(20s, [&] { return all_expired(ca, ids); }, 100ms)) << a_->LogTail() << b_->LogTail();
  for (const auto& id : ids) {  // one expiry per reservation, one order.expired per order
    json items = ca.Get("/v1/orders/" + id + "/events").Json()["items"];
    int expired_reservations = 0, expired_orders = 0;
    for (const auto& e : items) {
      expired_reservations += e["type"] == "reservation.expired";
      expired_orders += e["type"] == "order.expired";
    }
    EXPECT_EQ(expired_reservations, 1) << id << ": " << items.dump();
    EXPECT_EQ(expired_orders, 1) << id;
  }

  // Orders placed on A, then A dies before they are due: B expires them.
  std::vector<std::string> orphans;
  for (int i = 0; i < 20; ++i) {
    HttpResponse r = ca.Post("/v1/orders", OrderBody("SKU-0031", 1));
    ASSERT_EQ(r.status, 201) << r.Describe();
    orphans.push_back(r.Json()["id"]);
  }
  a_->Kill9();
  ASSERT_TRUE(PollUntil(20s, [&] { return all_expired(cb, orphans); }, 100ms)) << b_->LogTail();
  json pending = cb.Get("/v1/reservations?state=pending").Json();
  EXPECT_TRUE(pending["items"].empty()) << pending.dump();
  CheckResult check = b_->RunCheck();
  EXPECT_EQ(check.exit_code, 0) << check.output;
}

TEST_P(MultiNode, AStreamOnOneNodeSeesChangesMadeOnTheOther) {
  StartNodes();
  SseClient on_b(b_->url() + "/v1/events/stream");
  ASSERT_TRUE(on_b.WaitConnected(5s));
  HttpClient ca(a_->url());
  auto started = std::chrono::steady_clock::now();
  HttpResponse r = ca.Post("/v1/orders", OrderBody("SKU-0005", 1));
  ASSERT_EQ(r.status, 201) << r.Describe();
  std::string id = r.Json()["id"];
  ASSERT_TRUE(on_b.WaitFor(5s, [&](const std::vector<SseClient::Event>& events) {
    for (const auto& e : events)
      if (e.type == "order.created" && e.data.find(id) != std::string::npos) return true;
    return false;
  })) << "node B's stream never showed the order placed on A: " << on_b.raw();
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  std::cout << "[          ] the order placed on A reached B's stream after " << took.count() << " ms\n";
  // LISTEN/NOTIFY, not the 1 s poll, carries it.
  EXPECT_LT(took, 900ms);
}

// The same Idempotency-Key sent to both nodes at once makes one order. With
// the same body both answers carry that order (one is a replay); with another
// body (here another SKU, so the two batches share no stock row) the later
// one is refused with 422 and changes nothing.
TEST_P(MultiNode, AnIdempotencyKeyHoldsAcrossNodes) {
  StartNodes();
  constexpr int kKeys = 20;
  struct Pair {
    HttpResponse a, b;
  };
  // One burst: key i goes to both nodes at once, with body_a on A and body_b on B.
  auto burst = [&](const std::string& tag, const json& body_a, const json& body_b) {
    std::vector<Pair> pairs(kKeys);
    std::vector<std::thread> threads;
    std::latch ready(2 * kKeys + 1);
    for (int i = 0; i < kKeys; ++i) {
      json a = body_a, b = body_b;
      a["customer_id"] = b["customer_id"] = tag + std::to_string(i);
      std::string key = tag + "key-" + std::to_string(i);
      threads.emplace_back([&, i, key, text = a.dump()] {
        HttpClient c(a_->url(), 30s);
        ready.arrive_and_wait();
        pairs[i].a = c.Post("/v1/orders", text, {{"Idempotency-Key", key}});
      });
      threads.emplace_back([&, i, key, text = b.dump()] {
        HttpClient c(b_->url(), 30s);
        ready.arrive_and_wait();
        pairs[i].b = c.Post("/v1/orders", text, {{"Idempotency-Key", key}});
      });
    }
    ready.arrive_and_wait();
    for (auto& t : threads) t.join();
    return pairs;
  };
  HttpClient ca(a_->url());
  auto one_order = [&](const std::string& customer) {
    json list = ca.Get("/v1/orders?customer_id=" + customer).Json();
    EXPECT_EQ(list["items"].size(), 1u) << list.dump();
  };

  auto same = burst("mn-same-", OrderBody("SKU-0006", 1), OrderBody("SKU-0006", 1));
  for (int i = 0; i < kKeys; ++i) {
    const Pair& p = same[i];
    ASSERT_EQ(p.a.status, 201) << p.a.Describe();
    ASSERT_EQ(p.b.status, 201) << p.b.Describe();
    EXPECT_EQ(p.a.body, p.b.body) << "the second node must replay the first one's answer";
    EXPECT_NE(p.a.Header("Idempotent-Replayed") == "true", p.b.Header("Idempotent-Replayed") == "true")
        << "exactly one of the two answers is a replay";
    one_order("mn-same-" + std::to_string(i));
  }
  // Other SKUs on the two nodes: the batches share no stock row, only the key.
  auto other = burst("mn-other-", OrderBody("SKU-0012", 1), OrderBody("SKU-0013", 1));
  for (int i = 0; i < kKeys; ++i) {
    const Pair& p = other[i];
    std::multiset<long> statuses = {p.a.status, p.b.status};
    EXPECT_EQ(statuses, (std::multiset<long>{201, 422})) << p.a.Describe() << "\n" << p.b.Describe();
    const HttpResponse& refused = p.a.status == 422 ? p.a : p.b;
    EXPECT_EQ(ProblemType(refused.Json()), "idempotency-key-reused") << refused.Describe();
    one_order("mn-other-" + std::to_string(i));
  }
  CheckResult check = a_->RunCheck();
  EXPECT_EQ(check.exit_code, 0) << check.output;
}

// A job claimed by a node that dies in the middle of its call is taken over
// by another node once the lease runs out, and the charge happens once.
TEST_P(MultiNode, AJobOfADeadNodeIsTakenOverWhenItsLeaseRunsOut) {
  SimProcess sim({"--hang-pct", "100", "--hang-ms", "30000"});
  ASSERT_TRUE(sim.Start());
  std::vector<std::string> common = {"--payment-gateway", sim.url(), "--job-lease", "2s", "--call-timeout", "20s"};
  std::vector<std::string> a_args = {"--demo", "--node-id", "node-a"};
  a_args.insert(a_args.end(), common.begin(), common.end());
  a_ = std::make_unique<OrdoServer>(a_args, GetParam());
  ASSERT_TRUE(a_->Start());
  HttpClient a(a_->url());
  HttpResponse placed = a.Post("/v1/orders", OrderBody("SKU-0030", 1));
  ASSERT_EQ(placed.status, 201) << placed.Describe();
  std::string id = placed.Json()["id"];
  ASSERT_EQ(a.Post("/v1/orders/" + id + "/pay", json{{"payment_method", {{"token", "tok_visa"}}}}).status, 200);
  // Node A's runner holds the job, stuck in a call the gateway never answers.
  std::string job_id;
  ASSERT_TRUE(PollUntil(10s, [&] {
    json jobs = a.Get("/v1/jobs?order_id=" + id).Json();
    if (jobs["items"].empty() || jobs["items"][0]["state"] != "running") return false;
    job_id = jobs["items"][0]["id"];
    return jobs["items"][0]["owner"] == "node-a";
  }));
  a_->Kill9();
  HttpClient gateway(sim.url());
  ASSERT_EQ(gateway.Post("/v1/chaos/reset", json::object()).status / 100, 2);

  std::vector<std::string> b_args = {"--node-id", "node-b"};
  b_args.insert(b_args.end(), common.begin(), common.end());
  b_ = std::make_unique<OrdoServer>(b_args, *a_);
  ASSERT_TRUE(b_->Start());
  HttpClient b(b_->url());
  ASSERT_TRUE(PollUntil(20s, [&] { return b.Get("/v1/orders/" + id).Json()["status"] == "paid"; }))
      << b.Get("/v1/jobs/" + job_id).body;
  json job = b.Get("/v1/jobs/" + job_id).Json();
  EXPECT_EQ(job["state"], "done");
  EXPECT_EQ(job["attempts"], 2) << job.dump();  // A's lost claim, then B's
  json ledger = gateway.Get("/v1/payments?reference=" + id).Json();
  ASSERT_EQ(ledger["payments"].size(), 1u) << ledger.dump();
  EXPECT_EQ(ledger["payments"][0]["captures"].size(), 1u);
}

}  // namespace
}  // namespace ordo::itest
