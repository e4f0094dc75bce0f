// Answers sent later: simulated latency and hangs. One timer thread for all
// of them, so slow answers never cost a thread each.
#pragma once

#include "http/request.h"
#include "sim/timed_queue.h"

namespace ordo::sim {

class Delayer {
 public:
  Delayer();
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
  TimedQueue<Pending> queue_;  // its destructor stops it, sending what waits
};

}  // namespace ordo::sim
