#include "jobs/breaker.h"

namespace ordo::jobs {

CircuitBreaker::CircuitBreaker(BreakerPolicy policy) : policy_(policy) {}

bool CircuitBreaker::Allow(Timestamp now) {
  std::lock_guard lock(mu_);
  switch (state_) {
    case State::kClosed: return true;
    case State::kOpen:
      if (now < opened_at_ + policy_.cooldown_ms) return false;
      state_ = State::kHalfOpen;
      break;
    case State::kHalfOpen:
      if (probe_out_ && now < probe_sent_at_ + policy_.cooldown_ms) return false;
      break;
  }
  probe_out_ = true;
  probe_sent_at_ = now;
  return true;
}

void CircuitBreaker::OnSuccess(Timestamp) {
  std::lock_guard lock(mu_);
  // A late success of a call sent before the breaker opened proves little;
  // only a probe (or a closed breaker's call) resets it.
  if (state_ == State::kOpen) return;
  state_ = State::kClosed;
  consecutive_failures_ = 0;
  probe_out_ = false;
}

void CircuitBreaker::OnFailure(Timestamp now) {
  std::lock_guard lock(mu_);
  switch (state_) {
    case State::kClosed:
      if (++consecutive_failures_ < policy_.failures_to_open) return;
      break;
    case State::kOpen: return;  // a late failure of a call sent before it opened
    case State::kHalfOpen: break;
  }
  state_ = State::kOpen;
  opened_at_ = now;
  consecutive_failures_ = 0;
  probe_out_ = false;
}

CircuitBreaker::State CircuitBreaker::state(Timestamp now) const {
  std::lock_guard lock(mu_);
  if (state_ == State::kOpen && now >= opened_at_ + policy_.cooldown_ms) return State::kHalfOpen;
  return state_;
}

const char* ToString(CircuitBreaker::State state) {
  switch (state) {
    case CircuitBreaker::State::kClosed: return "closed";
    case CircuitBreaker::State::kOpen: return "open";
    case CircuitBreaker::State::kHalfOpen: return "half_open";
  }
  return "closed";
}

}  // namespace ordo::jobs
