// Live streams (Server-Sent Events): an order's timeline and then its changes,
// and the stream of everything, resumable with Last-Event-ID.
#include "test_util.h"

namespace ordo::itest {
namespace {

using Events = std::vector<SseClient::Event>;

class Sse : public SharedServerOnBackend {};
INSTANTIATE_TEST_SUITE_P(OrdoIntegration, Sse, kAllBackends, BackendParamName);

bool Has(const Events& events, const std::string& type) {
  for (const auto& e : events)
    if (e.type == type) return true;
  return false;
}

TEST_P(Sse, AnOrderStreamReplaysTheTimelineThenFollowsTheOrder) {
  HttpClient client(server_->url());
  HttpResponse placed = client.Post("/v1/orders", OrderBody("SKU-0003", 1));
  ASSERT_EQ(placed.status, 201) << placed.Describe();
  std::string id = placed.Json()["id"];

  SseClient stream(server_->url() + "/v1/orders/" + id + "/stream");
  ASSERT_TRUE(stream.WaitFor(5s, [](const Events& e) { return Has(e, "reservation.created"); }))
      << "timeline not replayed: " << stream.raw();
  EXPECT_EQ(stream.status(), 200);
  EXPECT_EQ(stream.content_type(), "text/event-stream");
  EXPECT_EQ(stream.events().front().type, "order.created");

  HttpResponse cancelled = client.Post("/v1/orders/" + id + "/cancel", json{{"reason", "changed my mind"}});
  ASSERT_EQ(cancelled.status, 200) << cancelled.Describe();
  ASSERT_TRUE(stream.WaitFor(5s, [](const Events& e) {
    return Has(e, "order.cancelled") && Has(e, "reservation.released");
  })) << "the cancellation did not arrive: " << stream.raw();
  Events events = stream.events();
  long previous = 0;
  for (const auto& e : events) {
    json data = json::parse(e.data, nullptr, false);
    ASSERT_FALSE(data.is_discarded()) << e.data;
    EXPECT_EQ(data["order_id"], id) << "an event of another order: " << e.data;
    EXPECT_EQ(data["id"], "evt_" + e.id);
    EXPECT_EQ(data["type"], e.type);
    long seq = std::stol(e.id);
    EXPECT_GT(seq, previous) << "events out of order";
    previous = seq;
  }
  // The stream holds exactly the timeline that GET …/events returns.
  HttpResponse timeline = client.Get("/v1/orders/" + id + "/events");
  ASSERT_EQ(timeline.status, 200);
  EXPECT_EQ(timeline.Json()["items"].size(), events.size()) << stream.raw();
}

TEST_P(Sse, TheStreamOfEverythingResumesAfterTheLastEventIdWithoutGapsOrRepeats) {
  HttpClient client(server_->url());
  std::string first_id;
  long last_seq = 0;
  {
    SseClient live(server_->url() + "/v1/events/stream");
    ASSERT_TRUE(live.WaitConnected(5s));
    for (int i = 0; i < 3; ++i) ASSERT_EQ(client.Post("/v1/orders", OrderBody("SKU-0004", 1)).status, 201);
    ASSERT_TRUE(live.WaitFor(5s, [](const Events& e) {
      int created = 0;
      for (const auto& x : e) created += x.type == "order.created";
      return created == 3;
    })) << live.raw();
    Events seen = live.events();
    first_id = seen.front().id;
    last_seq = std::stol(seen.back().id);
    for (std::size_t i = 1; i < seen.size(); ++i)
      EXPECT_EQ(std::stol(seen[i].id), std::stol(seen[i - 1].id) + 1) << "a gap in the live stream";
  }
  // Reconnect as EventSource does, after the first event seen.
  SseClient resumed(server_->url() + "/v1/events/stream", {{"Last-Event-ID", first_id}});
  ASSERT_TRUE(resumed.WaitFor(5s, [&](const Events& e) { return !e.empty() && std::stol(e.back().id) >= last_seq; }))
      << resumed.raw();
  Events again = resumed.events();
  EXPECT_EQ(std::stol(again.front().id), std::stol(first_id) + 1);
  for (std::size_t i = 1; i < again.size(); ++i) EXPECT_EQ(std::stol(again[i].id), std::stol(again[i - 1].id) + 1);
}

TEST_P(Sse, BadStreamRequestsAreProblems) {
  HttpClient client(server_->url());
  HttpResponse missing = client.Get("/v1/orders/ord_nope/stream");
  EXPECT_EQ(missing.status, 404) << missing.Describe();
  EXPECT_EQ(missing.Header("content-type"), "application/problem+json");
  HttpResponse bad = client.Get("/v1/events/stream", {{"Last-Event-ID", "12abc"}});
  EXPECT_EQ(bad.status, 422) << bad.Describe();
  EXPECT_EQ(bad.Json()["errors"][0]["pointer"], "/Last-Event-ID") << bad.body;
  HttpResponse negative = client.Get("/v1/events/stream?after=-4");
  EXPECT_EQ(negative.status, 422) << negative.Describe();
}

}  // namespace
}  // namespace ordo::itest
