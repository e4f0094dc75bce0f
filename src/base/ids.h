// Time-sortable identifiers (ULID layout: 48-bit ms timestamp + 80 random bits,
// Crockford base32), with a type prefix: "ord_01JD…". Ids from one generator are
// strictly increasing, so cursor pagination can order by id.
#pragma once

#include <cstdint>
#include <mutex>
#include <random>
#include <string>
#include <string_view>

#include "base/clock.h"

namespace ordo {

// Thread-safe.
class IdGenerator {
 public:
  explicit IdGenerator(std::uint64_t seed = std::random_device{}());
  std::string Next(std::string_view prefix, Timestamp now);

 private:
  std::mutex mu_;
  std::mt19937_64 rng_;
  Timestamp last_ms_ = -1;
  std::uint64_t hi_ = 0;  // top 16 of the 80 random bits
  std::uint64_t lo_ = 0;  // low 64
};

// The 26 characters of a ULID: 48 time bits, then the 80 random bits as
// `hi` (16) and `lo` (64). Exposed for tests.
void EncodeUlid(std::uint64_t ms, std::uint64_t hi, std::uint64_t lo, char out[26]);

// Random hex of n bytes (request ids, trace ids). Thread-safe.
std::string RandomHex(std::size_t bytes);

}  // namespace ordo
