#include "jobs/backoff.h"

#include <gtest/gtest.h>

namespace ordo::jobs {
namespace {

constexpr Timestamp kNow = 1'767'225'600'000;

std::int64_t Wait(const RetryPolicy& p, int attempts_made, double random01) {
  auto at = NextAttemptAt(p, attempts_made, kNow, random01);
  EXPECT_TRUE(at.has_value()) << attempts_made;
  return at ? *at - kNow : -1;
}

TEST(BackoffTest, SeedScheduleWithoutJitterIsOneTwoFourSecondsThenDead) {
  RetryPolicy p;
  p.jitter = 0;
  EXPECT_EQ(NextAttemptAt(p, 0, kNow, 0.9), kNow);  // never called: due now
  EXPECT_EQ(Wait(p, 1, 0.9), 1000);
  EXPECT_EQ(Wait(p, 2, 0.1), 2000);
  EXPECT_EQ(Wait(p, 3, 0.5), 4000);
  // Three retries after the first call: the fourth failure is final.
  EXPECT_FALSE(NextAttemptAt(p, 4, kNow, 0.5).has_value());
  EXPECT_FALSE(NextAttemptAt(p, 40, kNow, 0.5).has_value());
}

TEST(BackoffTest, JitterStaysWithinItsBand) {
  RetryPolicy p;  // ± 20 %
  EXPECT_EQ(Wait(p, 1, 0.0), 800);
  EXPECT_EQ(Wait(p, 1, 1.0), 1200);
  EXPECT_EQ(Wait(p, 1, 0.5), 1000);
  EXPECT_EQ(Wait(p, 3, 0.0), 3200);
  EXPECT_EQ(Wait(p, 3, 1.0), 4800);
  for (int i = 0; i <= 100; ++i) {
    std::int64_t w = Wait(p, 2, i / 100.0);
    EXPECT_GE(w, 1600);
    EXPECT_LE(w, 2400);
  }
  // Random values outside [0, 1] are clamped, not trusted.
  EXPECT_EQ(Wait(p, 1, -3.0), 800);
  EXPECT_EQ(Wait(p, 1, 7.0), 1200);
}

TEST(BackoffTest, WaitsNeverExceedTheCap) {
  RetryPolicy p;
  p.max_attempts = 100;
  p.cap_ms = 30000;
  EXPECT_EQ(Wait(p, 5, 0.5), 16000);
  EXPECT_EQ(Wait(p, 6, 0.5), 30000);  // 32 s capped
  EXPECT_EQ(Wait(p, 100, 1.0), 30000);  // no overflow, and jitter does not lift it over the cap
  EXPECT_EQ(Wait(p, 100, 0.0), 24000);
}

TEST(BackoffTest, NoRetriesMeansTheFirstFailureIsFinal) {
  RetryPolicy p;
  p.max_attempts = 0;
  EXPECT_EQ(NextAttemptAt(p, 0, kNow, 0.5), kNow);
  EXPECT_FALSE(NextAttemptAt(p, 1, kNow, 0.5).has_value());
}

}  // namespace
}  // namespace ordo::jobs
