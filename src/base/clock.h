// Time is a value. The domain never reads a clock: callers pass `now` in.
// Timestamps are milliseconds since the Unix epoch (UTC).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace ordo {

using Timestamp = std::int64_t;  // ms since epoch

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Timestamp Now() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// For tests and the deterministic simulator. Not thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(Timestamp start = 1'767'225'600'000) : now_(start) {}  // 2026-01-01
  Timestamp Now() const override { return now_; }
  void Advance(std::chrono::milliseconds d) { now_ += d.count(); }
  void Set(Timestamp t) { now_ = t; }

 private:
  Timestamp now_;
};

// RFC 3339 in UTC with milliseconds, e.g. 2026-11-22T23:47:57.123Z.
std::string FormatTimestamp(Timestamp t);
// The inverse, for what other systems send: "YYYY-MM-DDTHH:MM:SS[.f…]Z" (UTC
// only, up to 9 fraction digits, cut to milliseconds); false for anything else.
bool ParseTimestamp(std::string_view text, Timestamp* out);
// A flag's duration: "30m", "5s", "250ms", "1h", or plain seconds; false for anything else.
bool ParseDuration(std::string_view text, std::int64_t* ms);

}  // namespace ordo
