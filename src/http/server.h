// The HTTP/1.1 server (Boost.Beast, asynchronous, keep-alive). Beast and Asio
// are included only by server.cpp.
//
// Limits: body size (413), header size (431), a read timeout that also ends
// slow senders (slowloris), and an idle timeout between keep-alive requests.
// Stop() drains: no new connections, in-flight requests finish.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "http/request.h"

namespace ordo::http {

struct ServerOptions {
  std::string address = "127.0.0.1";
  unsigned short port = 8080;  // 0 = an ephemeral port (see port())
  int threads = 2;
  std::size_t body_limit = 1 << 20;     // 1 MiB
  std::size_t header_limit = 16 << 10;  // 16 KiB
  int read_timeout_ms = 10'000;         // a whole request must arrive within this
  int idle_timeout_ms = 60'000;         // keep-alive connection without a request
  // A streaming (SSE) client may fall this far behind (bytes queued for it);
  // then it is disconnected, to resume later with Last-Event-ID. Its socket's
  // kernel send buffer is capped too (at most 256 KiB), so the bound is real.
  std::size_t stream_buffer = 4 << 20;
};

// Called once per request after the response is written (metrics, logs).
using Completed = std::function<void(const Request&, const Response&, double seconds)>;

class Server {
 public:
  Server(ServerOptions options, Handler handler, Completed completed);
  ~Server();
  // Binds and starts the io threads. Errors (address in use) come back as text.
  bool Start(std::string* error);
  // Stops accepting, waits up to drain_ms for in-flight requests, then stops.
  void Stop(int drain_ms);
  unsigned short port() const;
  std::size_t in_flight() const;

 struct Impl;  // public so the connection code in server.cpp can reach it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace ordo::http
