// 3. kill -9 under load and 6. graceful stop: every acknowledged order survives.
#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "order_load.h"

namespace ordo::itest {
namespace {

// Once per backend: OrdoIntegration/Durability.*/sqlite and …/postgres.
class Durability : public OnBackend {};
INSTANTIATE_TEST_SUITE_P(OrdoIntegration, Durability, kAllBackends, BackendParamName);

TEST_P(Durability, KillNineUnderLoadLosesNoAcknowledgedOrder) {
  OrdoServer server({"--demo"}, GetParam());
  ASSERT_TRUE(server.Start());

  OrderLoad load(server.url(), 16);
  // Let the load run for ~2 s (at least some orders acknowledged), then pull the plug.
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(PollUntil(10s, [&] { return load.acknowledged_count() >= 20; }, 10ms))
      << "no orders acknowledged under load:\n" << server.LogTail();
  std::this_thread::sleep_until(start + 2s);
  load.StopAfterTransportError();
  server.Kill9();
  ASSERT_EQ(server.last_exit().signal, SIGKILL) << server.last_exit().Describe();
  load.Stop();

  EXPECT_TRUE(load.unexpected().empty()) << load.unexpected().size() << " unexpected answers, first: "
                                         << load.unexpected().front();
  ASSERT_GT(load.acknowledged().size(), 20u);
  std::cout << "[          ] " << load.sent() << " requests, " << load.acknowledged().size() << " acknowledged, "
            << load.cut_off().size() << " cut off by the kill\n";

  ASSERT_TRUE(server.Restart());
  ExpectAllPersisted(server.url(), load.acknowledged());
  ExpectKeysSurvive(server.url(), load);

  // The reopened database is consistent (stock reserved == pending reservations, …).
  CheckResult live = server.RunCheck();
  EXPECT_EQ(live.exit_code, 0) << live.output;
  CheckCounts counts = ParseCheck(live.output);
  EXPECT_GE(counts.orders, static_cast<long>(load.acknowledged().size())) << live.output;

  // And the server keeps working after the crash.
  HttpClient client(server.url());
  HttpResponse r = client.Post("/v1/orders", OrderBody("SKU-0010", 1));
  EXPECT_EQ(r.status, 201) << r.Describe();
  ExpectCleanShutdownAndCheck(server);
}

TEST(OrdoIntegration, SigtermDrainsExitsZeroAndKeepsAcknowledgedOrders) {
  OrdoServer server({"--demo"});
  ASSERT_TRUE(server.Start());

  OrderLoad load(server.url(), 8);
  ASSERT_TRUE(PollUntil(10s, [&] { return load.acknowledged_count() >= 200; }, 10ms))
      << "no orders acknowledged under load:\n" << server.LogTail();
  // SIGTERM while the clients keep sending. Each client stops at its first
  // transport error (the listener is closed while draining).
  load.StopAfterTransportError();
  StopResult stop = server.Terminate(15s);
  load.Stop();
  EXPECT_TRUE(stop.exited) << stop.Describe();
  EXPECT_EQ(stop.signal, 0) << stop.Describe();
  EXPECT_EQ(stop.exit_code, 0) << stop.Describe();
  EXPECT_LT(stop.took, 5s) << stop.Describe();
  std::cout << "[          ] SIGTERM: " << stop.Describe() << "; " << load.sent() << " requests, "
            << load.acknowledged().size() << " acknowledged, " << load.cut_off().size() << " without an answer\n";
  EXPECT_NE(server.LogTail(5).find("\"msg\":\"stopped\""), std::string::npos) << server.LogTail(5);
  // Requests in flight during the drain get real answers, never a 5xx.
  EXPECT_TRUE(load.unexpected().empty()) << load.unexpected().size() << " unexpected answers, first: "
                                         << load.unexpected().front();

  CheckResult check = server.RunCheck();
  EXPECT_EQ(check.exit_code, 0) << check.output;
  std::cout << "[          ] after the drain the database holds " << ParseCheck(check.output).orders
            << " orders (" << load.acknowledged().size() << " acknowledged)\n";

  ASSERT_TRUE(server.Restart());
  ExpectAllPersisted(server.url(), load.acknowledged());
  ExpectKeysSurvive(server.url(), load);
  ExpectCleanShutdownAndCheck(server);
}

}  // namespace
}  // namespace ordo::itest
