// Per-principal rate limits: a token bucket per caller (a user, an API key,
// or, for anonymous callers, an address). Thread-safe; sharded by key.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace ordo::http {

struct RateLimit {
  double per_second = 0;  // refill rate; 0 = unlimited
  double burst = 0;       // bucket size
};

class RateLimiter {
 public:
  // True when the caller may go on (and takes a token). Otherwise false, with
  // *retry_after_s = whole seconds until a token is there (at least 1).
  bool Allow(const std::string& key, RateLimit limit, std::int64_t now_ms, int* retry_after_s);
  std::size_t tracked() const;

 private:
  struct Bucket {
    double tokens = 0;
    std::int64_t at_ms = 0;
  };
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<std::string, Bucket> buckets;
  };
  static constexpr std::size_t kShards = 16;
  static constexpr std::size_t kMaxPerShard = 50'000;  // then full (idle) buckets are dropped
  std::array<Shard, kShards> shards_;
};

}  // namespace ordo::http
