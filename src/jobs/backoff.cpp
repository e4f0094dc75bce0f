#include "jobs/backoff.h"

#include <algorithm>
#include <cmath>

namespace ordo::jobs {

std::optional<Timestamp> NextAttemptAt(const RetryPolicy& policy, int attempts_made, Timestamp now,
                                       double random01) {
  if (attempts_made <= 0) return now;
  if (attempts_made > policy.max_attempts) return std::nullopt;
  double cap = static_cast<double>(std::max<std::int64_t>(policy.cap_ms, 0));
  double wait = std::min(static_cast<double>(std::max<std::int64_t>(policy.base_ms, 0)), cap);
  for (int retry = 1; retry < attempts_made && wait < cap; ++retry) wait = std::min(wait * policy.factor, cap);
  double jitter = std::clamp(policy.jitter, 0.0, 1.0);
  double spread = 2 * std::clamp(random01, 0.0, 1.0) - 1;  // -1 .. 1
  wait = std::clamp(wait * (1 + jitter * spread), 0.0, cap);
  return now + static_cast<Timestamp>(std::llround(wait));
}

}  // namespace ordo::jobs
