#include "http/rate_limit.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace ordo::http {

bool RateLimiter::Allow(const std::string& key, RateLimit limit, std::int64_t now_ms, int* retry_after_s) {
  if (limit.per_second <= 0) return true;
  double burst = std::max(1.0, limit.burst);
  Shard& shard = shards_[std::hash<std::string>{}(key) % kShards];
  std::lock_guard lock(shard.mu);
  if (shard.buckets.size() >= kMaxPerShard) {
    // A bucket that has refilled holds nothing worth keeping.
    std::erase_if(shard.buckets, [&](const auto& kv) {
      return kv.second.tokens + (now_ms - kv.second.at_ms) / 1000.0 * limit.per_second >= burst;
    });
  }
  auto [it, fresh] = shard.buckets.try_emplace(key, Bucket{burst, now_ms});
  Bucket& b = it->second;
  if (!fresh && now_ms > b.at_ms) {
    b.tokens = std::min(burst, b.tokens + (now_ms - b.at_ms) / 1000.0 * limit.per_second);
    b.at_ms = now_ms;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return true;
  }
  *retry_after_s = std::max(1, static_cast<int>(std::ceil((1.0 - b.tokens) / limit.per_second)));
  return false;
}

std::size_t RateLimiter::tracked() const {
  std::size_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s.mu);
    n += s.buckets.size();
  }
  return n;
}

}  // namespace ordo::http
