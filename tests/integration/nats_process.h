// A real nats-server (the Debian package) with JetStream for the relay's
// integration tests, and a reader of what a stream holds.
//
// Each NatsProcess owns a fresh temp dir holding the JetStream store and the
// server's log, and runs `scripts/nats-test-server.sh run DIR PORT` (which
// writes the configuration and execs nats-server) on a free loopback port,
// with PR_SET_PDEATHSIG like OrdoServer. Restart() keeps the store and the
// port. Every test gets its own server: a stream's subjects may not overlap
// another's in one account, and some tests kill the server.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace ordo::itest {

class NatsProcess {
 public:
  NatsProcess();
  ~NatsProcess();
  NatsProcess(const NatsProcess&) = delete;
  NatsProcess& operator=(const NatsProcess&) = delete;

  // Starts it and waits (≤ 10 s) until JetStream answers.
  ::testing::AssertionResult Start();
  // Starts it again on the same store and port.
  ::testing::AssertionResult Restart();
  // SIGKILL, then reap.
  void Kill9();
  // SIGTERM, then wait (SIGKILL after 10 s).
  void Terminate();
  bool running() const { return pid_ > 0; }

  std::string url() const { return "nats://127.0.0.1:" + std::to_string(port_); }
  std::string LogTail(std::size_t lines = 30) const;

 private:
  ::testing::AssertionResult Launch();
  void Signal(int sig);

  std::filesystem::path dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

struct StreamMessage {
  std::uint64_t seq = 0;  // the stream sequence
  std::string subject;
  std::string msg_id;     // Nats-Msg-Id
  std::string content_type;
  std::string data;
};

struct StreamContents {
  std::string error;  // empty when the read worked
  std::uint64_t messages = 0, first_seq = 0, last_seq = 0;
  std::vector<StreamMessage> items;  // in stream order
};

// Every message of `stream` (or, with `count_only`, just its state).
StreamContents ReadStream(const std::string& url, const std::string& stream, bool count_only = false);

}  // namespace ordo::itest
