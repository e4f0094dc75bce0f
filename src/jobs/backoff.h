// When a failed job is called again (seeds 000 and 002: three retries at
// 1 s, 2 s and 4 s, then the job is dead and waits in the dead-letter queue
// to be retried by hand). Pure: time and randomness are passed in.
#pragma once

#include <cstdint>
#include <optional>

#include "base/clock.h"

namespace ordo::jobs {

struct RetryPolicy {
  // Retries after the first call, as the seed counts them ("3 retries at
  // 1 s/2 s/4 s"): a job is called at most 1 + max_attempts times.
  int max_attempts = 3;
  std::int64_t base_ms = 1000;  // the wait before the first retry
  double factor = 2;            // each retry waits factor times longer than the one before
  std::int64_t cap_ms = 60000;  // no wait is longer
  double jitter = 0.2;          // the wait varies by ± this fraction, so failed jobs do not retry in step
};

// When to call a job again once `attempts_made` calls have failed, or nullopt
// when the retries are used up (the job is dead). A job never called
// (attempts_made 0) is due now. random01 in [0, 1] places the wait within its
// jitter band: 0 the shortest, 1 the longest, 0.5 the nominal wait.
std::optional<Timestamp> NextAttemptAt(const RetryPolicy& policy, int attempts_made, Timestamp now, double random01);

}  // namespace ordo::jobs
