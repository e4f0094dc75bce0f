#include "base/ids.h"

namespace ordo {
namespace {
constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
}

IdGenerator::IdGenerator(std::uint64_t seed) : rng_(seed) {}

std::string IdGenerator::Next(std::string_view prefix, Timestamp now) {
  std::uint64_t hi, lo;
  std::uint64_t ms;
  {
    std::lock_guard lock(mu_);
    if (now <= last_ms_) {
      // Same (or earlier) millisecond: keep the time, bump the random part.
      now = last_ms_;
      if (++lo_ == 0) hi_ = (hi_ + 1) & 0xFFFF;
    } else {
      last_ms_ = now;
      hi_ = rng_() & 0x7FFF;  // top bit clear leaves room to increment
      lo_ = rng_();
    }
    hi = hi_;
    lo = lo_;
    ms = static_cast<std::uint64_t>(now);
  }
  // 128 bits: 48 time | 16 hi | 64 lo → 26 base32 chars (first holds 3 bits).
  char out[26];
  auto bit = [&](int i) -> unsigned {  // i: 0 = most significant of 130 (2 pad bits)
    int b = i - 2;
    if (b < 0) return 0;
    if (b < 48) return (ms >> (47 - b)) & 1u;
    if (b < 64) return (hi >> (63 - b)) & 1u;
    return (lo >> (127 - b)) & 1u;
  };
  for (int c = 0; c < 26; ++c) {
    unsigned v = 0;
    for (int k = 0; k < 5; ++k) v = (v << 1) | bit(c * 5 + k);
    out[c] = kCrockford[v];
  }
  std::string id;
  id.reserve(prefix.size() + 27);
  id.append(prefix);
  id.push_back('_');
  id.append(out, 26);
  return id;
}

std::string RandomHex(std::size_t bytes) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(bytes * 2);
  for (std::size_t i = 0; i < bytes; i += 8) {
    std::uint64_t r = rng();
    for (std::size_t k = 0; k < 8 && i + k < bytes; ++k) {
      s.push_back(kHex[(r >> 4) & 15]);
      s.push_back(kHex[r & 15]);
      r >>= 8;
    }
  }
  return s;
}

}  // namespace ordo
