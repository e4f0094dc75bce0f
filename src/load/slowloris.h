// Slow senders (slowloris) for `ordo load --slow-connections N`: N
// connections that each start a request and then trickle one header line at
// a time, never finishing it, while the measured load runs. The server
// should neither slow down for the others nor keep them forever.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace ordo::load {

class SlowSenders {
 public:
  // Opens `count` connections to address:port (IPv4 loopback) and starts
  // trickling a header line to each every `interval_ms`.
  SlowSenders(const std::string& address, unsigned short port, int count, int interval_ms = 1000);
  ~SlowSenders();  // Stop()
  SlowSenders(const SlowSenders&) = delete;
  SlowSenders& operator=(const SlowSenders&) = delete;

  int opened() const { return static_cast<int>(fds_.size()); }
  // Stops trickling; returns how many connections the server had closed.
  int Stop();

 private:
  std::vector<int> fds_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  int closed_ = -1;
};

}  // namespace ordo::load
