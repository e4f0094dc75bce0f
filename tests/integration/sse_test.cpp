// Live streams (Server-Sent Events): an order's timeline and then its changes,
// and the stream of everything, resumable with Last-Event-ID.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>

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


// One connection to GET /v1/events/stream as a raw socket: it reads until
// the server ends it (eof) or nothing came for `quiet` (caught up). With
// `while_stalled`, once the response's head has come it reads nothing while
// that runs.
struct StreamPiece {
  std::vector<std::pair<long, std::string>> events;  // (id, type) of every complete frame
  bool eof = false;
};

StreamPiece ReadStream(int port, long after, std::chrono::milliseconds quiet,
                       const std::function<void()>& while_stalled = nullptr) {
  StreamPiece piece;
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  int small = 4096;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);  // before connect: no autotuning
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return ::close(fd), piece;
  std::string head = "GET /v1/events/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + DefaultAuthorization() +
                     (after > 0 ? "\r\nLast-Event-ID: " + std::to_string(after) : std::string()) + "\r\n\r\n";
  ::send(fd, head.data(), head.size(), 0);
  const long us = static_cast<long>(std::chrono::duration_cast<std::chrono::microseconds>(quiet).count());
  timeval tv{us / 1'000'000, static_cast<suseconds_t>(us % 1'000'000)};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string got;
  char buf[65536];
  ssize_t n = 1;
  // The head first: once it is here the stream is subscribed, so everything
  // committed afterwards is on it. An order placed before it may precede the
  // subscription ("from now on") and is rightly not on the stream.
  while (got.find("\r\n\r\n") == std::string::npos && (n = ::recv(fd, buf, sizeof buf, 0)) > 0)
    got.append(buf, static_cast<std::size_t>(n));
  if (while_stalled) while_stalled();  // the client reads nothing meanwhile
  while (n > 0 && (n = ::recv(fd, buf, sizeof buf, 0)) > 0) got.append(buf, static_cast<std::size_t>(n));
  piece.eof = n == 0;
  ::close(fd);
  // Complete frames only: "id: N\nevent: T\ndata: …\n\n" (the chunked framing is in between lines).
  std::size_t at = 0;
  while ((at = got.find("\nid: ", at)) != std::string::npos) {
    std::size_t type_at = got.find("\nevent: ", at);
    std::size_t data_at = got.find("\ndata: ", at);
    if (type_at == std::string::npos || data_at == std::string::npos) break;
    std::size_t data_end = got.find('\n', data_at + 7);
    if (data_end == std::string::npos || got.compare(data_end, 2, "\n\n") != 0) break;  // cut mid-frame
    long id = std::stol(got.substr(at + 5));
    std::string type = got.substr(type_at + 8, got.find('\n', type_at + 8) - (type_at + 8));
    piece.events.emplace_back(id, type);
    at = data_end;
  }
  return piece;
}

// A client that stops reading is cut off once it is --stream-buffer behind
// (memory stays bounded). Reconnecting with the last event it got, as
// EventSource does, it gets the rest, in pieces if the backlog is large, with
// no gap and no repeat.
TEST_P(Sse, AClientThatStopsReadingIsCutOffAndResumesWithoutGaps) {
  OrdoServer server({"--demo", "--stream-buffer", "65536"}, GetParam());
  ASSERT_TRUE(server.Start());
  constexpr int kOrders = 2000;  // about 1.5 MB of frames: more than every buffer on the way
  StreamPiece first = ReadStream(server.port(), 0, 10s, [&] {
    std::vector<std::thread> writers;
    std::atomic<int> placed{0};
    for (int t = 0; t < 4; ++t)
      writers.emplace_back([&] {
        HttpClient c(server.url());
        for (int i = 0; i < kOrders / 4; ++i) placed += c.Post("/v1/orders", OrderBody("SKU-0005", 1)).status == 201;
      });
    for (auto& w : writers) w.join();
    ASSERT_EQ(placed.load(), kOrders);
  });
  EXPECT_TRUE(first.eof) << "the server kept a client that stopped reading";
  ASSERT_FALSE(first.events.empty());
  std::vector<std::pair<long, std::string>> all = first.events;
  int pieces = 1;
  for (bool caught_up = false; !caught_up && pieces < 200; ++pieces) {
    StreamPiece next = ReadStream(server.port(), all.back().first, 1500ms);
    all.insert(all.end(), next.events.begin(), next.events.end());
    caught_up = !next.eof;  // a live stream that went quiet
  }
  RecordProperty("pieces", pieces);
  for (std::size_t i = 1; i < all.size(); ++i)
    ASSERT_EQ(all[i].first, all[i - 1].first + 1) << "a gap or a repeat after event " << all[i - 1].first;
  int created = 0;
  for (const auto& [id, type] : all) created += type == "order.created";
  EXPECT_EQ(created, kOrders);
  // A client that reads gets the whole backlog in one go: the replay is paced, not cut.
  EXPECT_EQ(pieces, 2) << "the replay was cut " << pieces - 1 << " times";
}

}  // namespace
}  // namespace ordo::itest
