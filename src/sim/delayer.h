// Answers sent later: simulated latency and hangs. One timer thread for all
// of them, so slow answers never cost a thread each.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "http/request.h"

namespace ordo::sim {

class Delayer {
 public:
  Delayer() = default;
  ~Delayer();  // Stop()
  Delayer(const Delayer&) = delete;
  Delayer& operator=(const Delayer&) = delete;

  // Starts the timer thread (again, after a Stop).
  void Start();
  // Sends `response` through `respond` after `ms`; at once when ms <= 0 or
  // while not started. Thread-safe.
  void After(int ms, http::Response response, http::Respond respond);
  // Sends everything still waiting now; until the next Start, answers go at once.
  void Stop();
  std::size_t waiting() const;

 private:
  struct Pending {
    http::Response response;
    http::Respond respond;
  };
  void Run();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::multimap<std::chrono::steady_clock::time_point, Pending> queue_;
  bool running_ = false;
  std::thread thread_;
};

}  // namespace ordo::sim
