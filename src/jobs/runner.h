// The job runner of a node: claims due jobs through the engine (under a
// lease), calls the other system from a pool of workers with no transaction
// open, and submits each result back as a command. Transient failures are
// retried with backoff (RetryPolicy) until the job's attempts are spent; a
// circuit breaker per integration stops calls to a system that keeps failing.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "engine/engine.h"
#include "jobs/backoff.h"
#include "jobs/breaker.h"

namespace ordo::jobs {

// What a handler's call came to, before retry rules are applied.
struct CallOutcome {
  enum class Kind {
    kOk,         // done; `data` is the answer for the order
    kDeclined,   // a business outcome; done, never retried
    kPermanent,  // can never succeed: dead at once, the order is told
    kTransient,  // not done, or not known to be done: retry (the handler asks first next time)
  };
  Kind kind = Kind::kTransient;
  int http_status = 0;
  std::string error;
  std::vector<std::pair<std::string, domain::EventValue>> data;
};

using Handler = std::function<CallOutcome(const store::Job&)>;

struct RunnerOptions {
  std::string owner = "node";  // this node's name in job leases
  int workers = 16;            // calls in flight at once
  std::int64_t poll_ms = 500;  // looks for due jobs at least this often
  std::int64_t lease_ms = 60'000;
  RetryPolicy retry;
  BreakerPolicy breaker;
};

class Runner {
 public:
  Runner(engine::Engine& engine, const Clock& clock, RunnerOptions options);
  ~Runner();
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  // Jobs of `kind` go to `handler`; kinds of one `integration` share a breaker.
  void Register(const std::string& kind, const std::string& integration, Handler handler);
  void Start();
  void Stop();  // waits for calls in flight
  // Something was queued: look now rather than at the next poll.
  void Wake();

  // The breaker of each integration, for metrics and /v1/jobs/stats.
  std::map<std::string, std::string> BreakerStates() const;
  // The retry decision for a call's outcome (public for tests).
  engine::JobResult Classify(const store::Job& job, const CallOutcome& outcome, Timestamp now, double random01) const;

 private:
  struct Integration {
    std::unique_ptr<CircuitBreaker> breaker;
    std::vector<std::string> kinds;
  };
  void Loop();
  void Work();
  std::vector<store::Job> Claim(const std::vector<std::string>& kinds, int limit);
  void Run(const store::Job& job);

  engine::Engine& engine_;
  const Clock& clock_;
  RunnerOptions options_;
  std::map<std::string, Handler> handlers_;            // by kind
  std::map<std::string, std::string> integration_of_;  // kind → integration
  std::map<std::string, Integration> integrations_;

  mutable std::mutex mu_;
  std::condition_variable wake_cv_, work_cv_;
  bool stop_ = false, woken_ = false;
  std::deque<store::Job> work_;
  int busy_ = 0;  // jobs handed to workers and not yet finished
  std::thread loop_;
  std::vector<std::thread> workers_;
};

}  // namespace ordo::jobs
