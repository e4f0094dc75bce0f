// A circuit breaker per integration (seed 001: open after 3 consecutive
// failures, stay open 10 s, then let one probe through).
//
//   closed     calls go through; `failures_to_open` failures in a row open it
//              (a success in between starts the count again)
//   open       calls are refused until `cooldown_ms` has passed
//   half_open  exactly one probe goes through; its success closes the
//              breaker, its failure opens it for another cooldown. A probe
//              that never reports (its runner died) is replaced by another
//              after `cooldown_ms`, so the breaker cannot stay stuck.
//
// Thread-safe: runners of one integration share one breaker. Time is passed
// in, so tests drive it with a FakeClock.
#pragma once

#include <cstdint>
#include <mutex>

#include "base/clock.h"

namespace ordo::jobs {

struct BreakerPolicy {
  int failures_to_open = 3;
  std::int64_t cooldown_ms = 10000;
};

class CircuitBreaker {
 public:
  enum class State { kClosed, kOpen, kHalfOpen };

  explicit CircuitBreaker(BreakerPolicy policy = {});

  // Whether a call may go out now. In half_open, true hands out the probe.
  bool Allow(Timestamp now);
  void OnSuccess(Timestamp now);
  void OnFailure(Timestamp now);
  // half_open once the cooldown has passed, even before the probe is taken.
  State state(Timestamp now) const;

 private:
  const BreakerPolicy policy_;
  mutable std::mutex mu_;
  State state_ = State::kClosed;  // guarded by mu_; kOpen may have cooled down
  int consecutive_failures_ = 0;  // guarded by mu_
  Timestamp opened_at_ = 0;       // guarded by mu_
  Timestamp probe_sent_at_ = 0;   // guarded by mu_; while half_open
  bool probe_out_ = false;        // guarded by mu_
};

const char* ToString(CircuitBreaker::State state);

}  // namespace ordo::jobs
