// The server's streaming responses (SSE) over a real loopback connection.
#include "http/server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace ordo::http {
namespace {

int Connect(unsigned short port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Reads until `text` has arrived (or 5 s pass); returns everything read.
std::string ReadUntil(int fd, const std::string& text) {
  std::string got;
  char buf[4096];
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (got.find(text) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  return got;
}

// A client that has the head of a stream (EventSource's "open") may act on
// it at once, e.g. commit something it then expects to see on the stream. So
// the stream must be open (the hub subscribed) before the head goes out: it
// once opened only after the head was written, and an order placed right
// after the head arrived could be missing from the stream.
TEST(ServerTest, AStreamIsOpenBeforeItsHeadIsSentAndWhatItPushesFollowsTheHead) {
  std::atomic<int> client{-1};
  std::atomic<int> head_before_open{-1};  // 1: the client could read before the stream was open
  std::mutex mu;
  std::shared_ptr<StreamSink> kept;  // as the hub keeps its subscriber's sink (a sink dropped ends the stream)
  auto handler = [&](Request&, Respond respond) {
    Response res;
    res.content_type = "text/event-stream";
    res.body = ": connected\n\n";
    res.stream = [&](std::shared_ptr<StreamSink> sink) {
      // Nothing of the response may be readable yet (the server writes the
      // head only after this returns: wait a little to be sure it does not).
      // The client reads nothing until this has looked.
      pollfd p{client.load(), POLLIN, 0};
      head_before_open = ::poll(&p, 1, 100) > 0 ? 1 : 0;
      EXPECT_TRUE(sink->Push("data: one\n\n"));
      EXPECT_TRUE(sink->Push("data: two\n\n"));
      std::lock_guard lock(mu);
      kept = std::move(sink);
    };
    respond(std::move(res));
  };
  ServerOptions options;
  options.port = 0;
  Server server(options, handler, nullptr);
  std::string error;
  ASSERT_TRUE(server.Start(&error)) << error;
  client = Connect(server.port());
  ASSERT_GE(client.load(), 0);
  std::string request = "GET /stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  ASSERT_EQ(::send(client.load(), request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  for (int i = 0; i < 500 && head_before_open.load() < 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::string got = ReadUntil(client.load(), "data: two\n\n");
  // Drop the sink while the server runs (its destructor posts to the connection).
  for (int i = 0; i < 500; ++i, std::this_thread::sleep_for(std::chrono::milliseconds(10))) {
    std::lock_guard lock(mu);
    if (kept) {
      kept.reset();
      break;
    }
  }
  ::close(client.load());
  server.Stop(0);

  EXPECT_EQ(head_before_open.load(), 0) << "the head reached the client before the stream was open";
  ASSERT_EQ(got.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << got;
  std::size_t body = got.find("\r\n\r\n");
  ASSERT_NE(body, std::string::npos) << got;
  std::size_t connected = got.find(": connected\n\n"), one = got.find("data: one\n\n"), two = got.find("data: two\n\n");
  EXPECT_LT(body, connected) << got;
  EXPECT_LT(connected, one) << got;
  EXPECT_LT(one, two) << got;
  EXPECT_NE(two, std::string::npos) << got;
}


// Each io thread runs its own io_context and the connections go to them in
// turn, so a handler that blocks (a read waiting for a sync) holds up only its
// own thread's connections: the next connection, on the other thread, is
// answered meanwhile.
TEST(ServerTest, ConnectionsGoToTheIoThreadsInTurnAndABlockedOneHoldsUpOnlyItsOwn) {
  std::mutex mu;
  std::condition_variable cv;
  bool blocked = false, release = false;
  std::thread::id blocked_on, fast_on;
  auto handler = [&](Request& request, Respond respond) {
    Response res;
    res.body = "{}";
    if (request.path == "/block") {
      std::unique_lock lock(mu);
      blocked = true;
      blocked_on = std::this_thread::get_id();
      cv.notify_all();
      cv.wait_for(lock, std::chrono::seconds(10), [&] { return release; });
    } else {
      std::lock_guard lock(mu);
      fast_on = std::this_thread::get_id();
    }
    respond(std::move(res));
  };
  ServerOptions options;
  options.port = 0;
  options.threads = 2;
  Server server(options, handler, nullptr);
  std::string error;
  ASSERT_TRUE(server.Start(&error)) << error;
  int slow = Connect(server.port());
  ASSERT_GE(slow, 0);
  std::string block = "GET /block HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  ASSERT_EQ(::send(slow, block.data(), block.size(), 0), static_cast<ssize_t>(block.size()));
  {
    std::unique_lock lock(mu);
    cv.wait_for(lock, std::chrono::seconds(5), [&] { return blocked; });
  }
  int fast = Connect(server.port());
  ASSERT_GE(fast, 0);
  std::string get = "GET /fast HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  ASSERT_EQ(::send(fast, get.data(), get.size(), 0), static_cast<ssize_t>(get.size()));
  std::string answered_while_blocked = ReadUntil(fast, "\r\n\r\n{}");
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  std::string slow_answer = ReadUntil(slow, "\r\n\r\n{}");
  ::close(fast);
  ::close(slow);
  server.Stop(0);

  EXPECT_TRUE(blocked);
  EXPECT_EQ(answered_while_blocked.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << answered_while_blocked;
  EXPECT_NE(blocked_on, fast_on) << "both connections ran on one io thread";
  EXPECT_EQ(slow_answer.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << slow_answer;
}

}  // namespace
}  // namespace ordo::http
