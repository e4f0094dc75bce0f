#include "base/ids.h"

namespace ordo {
namespace {
constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
}

// 128 bits: 48 time | 16 hi | 64 lo → 26 base32 characters, most significant
// first; the first holds 3 bits (130 bits with 2 zero bits of padding).
void EncodeUlid(std::uint64_t ms, std::uint64_t hi, std::uint64_t lo, char out[26]) {
  out[0] = kCrockford[(ms >> 45) & 7];
  for (int k = 1; k < 10; ++k) out[k] = kCrockford[(ms >> (45 - 5 * k)) & 31];  // the rest of the 48 time bits
  for (int j = 0; j < 3; ++j) out[10 + j] = kCrockford[(hi >> (11 - 5 * j)) & 31];   // hi bits 15..1
  out[13] = kCrockford[((hi & 1) << 4) | (lo >> 60)];                               // hi bit 0, lo bits 63..60
  for (int j = 4; j < 16; ++j) out[10 + j] = kCrockford[(lo >> (75 - 5 * j)) & 31];  // lo bits 59..0
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
  char out[26];
  EncodeUlid(ms, hi, lo, out);
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
