// Events to NATS JetStream (ordo serve --nats): every event of the log reaches
// the stream exactly once, counted by Nats-Msg-Id, also across a kill -9 of
// `ordo serve`, a restart of nats-server, and two nodes relaying at once.
// Real processes: ordo serve, nats-server (Debian) and, for the PostgreSQL
// variants, the tests' PostgreSQL.
#include <chrono>
#include <iostream>
#include <map>
#include <set>

#include "nats_process.h"
#include "order_load.h"

namespace ordo::itest {
namespace {

constexpr const char* kStream = "ORDO_EVENTS";

// The number of events in the log: `ordo check` counts them, and the log is
// gap-free (evt_1 … evt_N).
long LogEvents(const OrdoServer& server) {
  CheckResult check = server.RunCheck();
  EXPECT_EQ(check.exit_code, 0) << check.output;
  return ParseCheck(check.output).events;
}

// Waits until the stream holds `events` messages, then reads all of it: stream
// sequence i must carry evt_i, each event exactly once, as a CloudEvent.
void ExpectExactlyOnce(const std::string& nats_url, long events, std::chrono::milliseconds wait = 20s) {
  ASSERT_GT(events, 0);
  StreamContents state;
  bool reached = PollUntil(
      wait,
      [&] {
        state = ReadStream(nats_url, kStream, true);
        return state.error.empty() && state.messages >= static_cast<std::uint64_t>(events);
      },
      100ms);
  EXPECT_TRUE(reached) << "the stream holds " << state.messages << " messages after " << wait.count() << " ms, the log "
                       << events << " events " << state.error;
  StreamContents all = ReadStream(nats_url, kStream);
  ASSERT_TRUE(all.error.empty()) << all.error;

  std::map<std::string, int> copies;
  int out_of_place = 0, malformed = 0;
  for (std::size_t i = 0; i < all.items.size(); ++i) {
    const StreamMessage& m = all.items[i];
    ++copies[m.msg_id];
    std::string expected = "evt_" + std::to_string(i + 1);
    if (m.msg_id != expected && ++out_of_place <= 5)
      ADD_FAILURE() << "stream sequence " << m.seq << " holds " << m.msg_id << ", expected " << expected;
    json ce = json::parse(m.data, nullptr, false);
    std::string type = ce.is_object() ? ce.value("type", "") : "";
    bool ok = ce.is_object() && ce.value("specversion", "") == "1.0" && ce.value("id", "") == m.msg_id &&
              ce.value("source", "") == "/ordo" && type.rfind("ordo.", 0) == 0 &&
              m.subject == "ordo.events." + type.substr(5) && ce.value("datacontenttype", "") == "application/json" &&
              ce.contains("data") && ce["data"].is_object() && ce.contains("time") && ce.contains("sequence") &&
              m.content_type == "application/cloudevents+json";
    if (!ok && ++malformed <= 5) ADD_FAILURE() << "not the expected CloudEvent on " << m.subject << ": " << m.data;
  }
  long missing = 0, duplicated = 0;
  for (long n = 1; n <= events; ++n) {
    auto it = copies.find("evt_" + std::to_string(n));
    if (it == copies.end()) ++missing;
    else if (it->second > 1) ++duplicated;
  }
  EXPECT_EQ(missing, 0) << "events of the log missing from the stream";
  EXPECT_EQ(duplicated, 0) << "events in the stream more than once";
  EXPECT_EQ(all.messages, static_cast<std::uint64_t>(events)) << "messages in the stream vs events in the log";
  EXPECT_EQ(out_of_place, 0);
  EXPECT_EQ(malformed, 0);
  std::cout << "[          ] " << events << " events in the log, " << all.messages << " messages in the stream, "
            << copies.size() << " distinct Msg-Ids, " << missing << " missing, " << duplicated << " duplicated\n";
}

double Metric(const OrdoServer& server, const std::string& series) {
  HttpClient client(server.url());
  return Sample(client.Get("/metrics").body, series);
}

class NatsRelay : public OnBackend {
 protected:
  void SetUp() override {
    OnBackend::SetUp();
    if (IsSkipped()) return;
    ASSERT_TRUE(nats_.Start());
  }
  std::vector<std::string> ServeArgs() const { return {"--demo", "--nats", nats_.url()}; }
  NatsProcess nats_;
};
INSTANTIATE_TEST_SUITE_P(OrdoIntegration, NatsRelay, kAllBackends, BackendParamName);

TEST_P(NatsRelay, EveryEventReachesJetStreamExactlyOnce) {
  OrdoServer server(ServeArgs(), GetParam());
  ASSERT_TRUE(server.Start());
  HttpClient client(server.url());
  for (int i = 0; i < 60; ++i) {
    HttpResponse r = client.Post("/v1/orders", OrderBody("SKU-00" + std::to_string(10 + i % 40), 1));
    ASSERT_EQ(r.status, 201) << r.Describe();
  }
  long events = LogEvents(server);
  ExpectExactlyOnce(nats_.url(), events);
  // This node's relay put every one of them there, and knows it is done.
  EXPECT_TRUE(PollUntil(5s, [&] { return Metric(server, "ordo_relay_backlog_events") == 0; }));
  EXPECT_EQ(Metric(server, "ordo_relay_events_published_total"), static_cast<double>(events));
  EXPECT_EQ(Metric(server, "ordo_relay_connected"), 1);
  EXPECT_EQ(Metric(server, "ordo_relay_publish_lag_seconds_count"), static_cast<double>(events));
  ExpectCleanShutdownAndCheck(server);
}

TEST_P(NatsRelay, KillNineOfOrdoMidStreamNeitherLosesNorRepeatsAnEvent) {
  OrdoServer server(ServeArgs(), GetParam());
  ASSERT_TRUE(server.Start());
  {
    OrderLoad load(server.url(), 8, "before-kill");
    ASSERT_TRUE(PollUntil(10s, [&] { return load.acknowledged_count() >= 100; }, 10ms)) << server.LogTail();
    std::this_thread::sleep_for(1s);
    load.StopAfterTransportError();
    server.Kill9();  // batches in flight, acks outstanding
    load.Stop();
    EXPECT_TRUE(load.unexpected().empty()) << load.unexpected().front();
  }
  StreamContents at_kill = ReadStream(nats_.url(), kStream, true);
  ASSERT_TRUE(at_kill.error.empty()) << at_kill.error;
  long log_at_kill = LogEvents(server);
  std::cout << "[          ] at the kill: " << log_at_kill << " events in the log, " << at_kill.messages
            << " in the stream\n";

  ASSERT_TRUE(server.Restart());
  HttpClient client(server.url());
  for (int i = 0; i < 10; ++i) ASSERT_EQ(client.Post("/v1/orders", OrderBody("SKU-0020", 1)).status, 201);
  ExpectExactlyOnce(nats_.url(), LogEvents(server));
  ExpectCleanShutdownAndCheck(server);
}

TEST_P(NatsRelay, NatsServerRestartMidStreamNeitherLosesNorRepeatsAnEvent) {
  OrdoServer server(ServeArgs(), GetParam());
  ASSERT_TRUE(server.Start());
  OrderLoad load(server.url(), 4, "nats-restart");
  ASSERT_TRUE(PollUntil(10s, [&] { return load.acknowledged_count() >= 50; }, 10ms)) << server.LogTail();
  std::this_thread::sleep_for(500ms);

  nats_.Kill9();
  // Without NATS, orders still commit at once and the node stays ready.
  std::size_t before = load.acknowledged_count();
  std::this_thread::sleep_for(1500ms);
  std::size_t during = load.acknowledged_count() - before;
  EXPECT_GT(during, 20u) << "orders stalled while NATS was down";
  HttpClient client(server.url());
  EXPECT_EQ(client.Get("/readyz").status, 200);
  EXPECT_TRUE(PollUntil(5s, [&] { return Metric(server, "ordo_relay_connected") == 0; }));

  ASSERT_TRUE(nats_.Restart());
  std::this_thread::sleep_for(1s);
  load.Stop();
  EXPECT_TRUE(load.unexpected().empty()) << load.unexpected().front();
  std::cout << "[          ] " << load.acknowledged().size() << " orders, " << during
            << " of them while nats-server was down\n";
  ExpectExactlyOnce(nats_.url(), LogEvents(server), 30s);
  EXPECT_EQ(Metric(server, "ordo_relay_connected"), 1);
  ExpectCleanShutdownAndCheck(server);
}

// Two nodes on one PostgreSQL, each with a relay to the same stream: the
// relays race for the same events, and each still gets in exactly once.
class NatsRelayTwoNodes : public NatsRelay {};
INSTANTIATE_TEST_SUITE_P(OrdoIntegration, NatsRelayTwoNodes, ::testing::Values(Backend::kPostgres), BackendParamName);

TEST_P(NatsRelayTwoNodes, TwoRelaysOnOneDatabasePublishEachEventOnce) {
  OrdoServer a(ServeArgs(), GetParam());
  ASSERT_TRUE(a.Start());
  OrdoServer b({"--nats", nats_.url()}, a);
  ASSERT_TRUE(b.Start());
  {
    OrderLoad on_a(a.url(), 4, "node-a"), on_b(b.url(), 4, "node-b");
    std::this_thread::sleep_for(3s);
  }
  long events = LogEvents(a);
  ExpectExactlyOnce(nats_.url(), events);
  // Each event was acknowledged to exactly one of the two relays.
  double by_a = Metric(a, "ordo_relay_events_published_total"), by_b = Metric(b, "ordo_relay_events_published_total");
  EXPECT_EQ(by_a + by_b, static_cast<double>(events)) << "a " << by_a << ", b " << by_b;
  std::cout << "[          ] published by node a: " << by_a << ", by node b: " << by_b
            << "; standing by now: a " << (Metric(a, "ordo_relay_active") == 0) << ", b "
            << (Metric(b, "ordo_relay_active") == 0) << "\n";
  ExpectCleanShutdownAndCheck(b);
  ExpectCleanShutdownAndCheck(a);
}

TEST_P(NatsRelayTwoNodes, WhenThePublishingNodeDiesTheStandbyTakesOver) {
  OrdoServer a(ServeArgs(), GetParam());
  ASSERT_TRUE(a.Start());
  OrdoServer b({"--nats", nats_.url()}, a);
  ASSERT_TRUE(b.Start());
  // Both relays race for the first orders' events until one of them stands by.
  bool settled = false;
  {
    OrderLoad on_a(a.url(), 2, "node-a"), on_b(b.url(), 2, "node-b");
    settled = PollUntil(10s, [&] {
      return Metric(a, "ordo_relay_active") + Metric(b, "ordo_relay_active") == 1;
    }, 100ms);
  }
  ASSERT_TRUE(settled) << "no relay stood by: active a " << Metric(a, "ordo_relay_active") << ", b "
                       << Metric(b, "ordo_relay_active");
  bool a_publishes = Metric(a, "ordo_relay_active") == 1;
  OrdoServer& publisher = a_publishes ? a : b;
  OrdoServer& standby = a_publishes ? b : a;
  publisher.Kill9();

  HttpClient client(standby.url());
  for (int i = 0; i < 20; ++i) ASSERT_EQ(client.Post("/v1/orders", OrderBody("SKU-0030", 1)).status, 201);
  auto start = std::chrono::steady_clock::now();
  ExpectExactlyOnce(nats_.url(), LogEvents(standby));
  std::cout << "[          ] node " << (a_publishes ? "a" : "b") << " published and was killed; the other caught up in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count()
            << " ms\n";
  EXPECT_EQ(Metric(standby, "ordo_relay_active"), 1);
  ExpectCleanShutdownAndCheck(standby);
}

}  // namespace
}  // namespace ordo::itest
