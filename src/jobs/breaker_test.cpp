#include "jobs/breaker.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace ordo::jobs {
namespace {

using std::chrono::milliseconds;
using State = CircuitBreaker::State;

class CircuitBreakerTest : public ::testing::Test {
 protected:
  void Fail(int times) {
    for (int i = 0; i < times; ++i) {
      ASSERT_TRUE(Allow());
      breaker_.OnFailure(clock_.Now());
    }
  }

  // Opens the breaker, waits out the cooldown and takes the probe.
  void TakeProbe() {
    Fail(3);
    clock_.Advance(milliseconds(10'000));
    ASSERT_TRUE(Allow());
  }

  bool Allow() { return breaker_.Allow(clock_.Now()); }
  State Current() const { return breaker_.state(clock_.Now()); }

  FakeClock clock_;
  CircuitBreaker breaker_{BreakerPolicy{3, 10'000}};
};

TEST_F(CircuitBreakerTest, OpensAfterThreeConsecutiveFailures) {
  EXPECT_EQ(Current(), State::kClosed);
  Fail(2);
  EXPECT_EQ(Current(), State::kClosed);
  Fail(1);
  EXPECT_EQ(Current(), State::kOpen);
  EXPECT_FALSE(Allow());
  EXPECT_STREQ(ToString(Current()), "open");
}

TEST_F(CircuitBreakerTest, ASuccessInBetweenStartsTheCountAgain) {
  Fail(2);
  ASSERT_TRUE(Allow());
  breaker_.OnSuccess(clock_.Now());
  Fail(2);
  EXPECT_EQ(Current(), State::kClosed);
  Fail(1);
  EXPECT_EQ(Current(), State::kOpen);
}

TEST_F(CircuitBreakerTest, RefusesUntilTheCooldownThenLetsExactlyOneProbeThrough) {
  Fail(3);
  clock_.Advance(milliseconds(9'999));
  EXPECT_FALSE(Allow());
  EXPECT_EQ(Current(), State::kOpen);
  clock_.Advance(milliseconds(1));
  EXPECT_EQ(Current(), State::kHalfOpen);
  EXPECT_STREQ(ToString(Current()), "half_open");
  EXPECT_TRUE(Allow());   // the probe
  EXPECT_FALSE(Allow());  // nobody else while it is out
  clock_.Advance(milliseconds(500));
  EXPECT_FALSE(Allow());
}

TEST_F(CircuitBreakerTest, ProbeSuccessCloses) {
  TakeProbe();
  breaker_.OnSuccess(clock_.Now());
  EXPECT_EQ(Current(), State::kClosed);
  EXPECT_TRUE(Allow());
  EXPECT_TRUE(Allow());
  Fail(2);  // the count starts from zero again
  EXPECT_EQ(Current(), State::kClosed);
}

TEST_F(CircuitBreakerTest, ProbeFailureReopensForAnotherCooldown) {
  TakeProbe();
  breaker_.OnFailure(clock_.Now());
  EXPECT_EQ(Current(), State::kOpen);
  EXPECT_FALSE(Allow());
  clock_.Advance(milliseconds(9'999));
  EXPECT_FALSE(Allow());
  clock_.Advance(milliseconds(1));
  EXPECT_TRUE(Allow());
}

TEST_F(CircuitBreakerTest, LateResultsWhileOpenChangeNothing) {
  Fail(3);
  clock_.Advance(milliseconds(5'000));
  breaker_.OnSuccess(clock_.Now());  // a call sent before it opened
  breaker_.OnFailure(clock_.Now());  // must not restart the cooldown either
  EXPECT_EQ(Current(), State::kOpen);
  clock_.Advance(milliseconds(5'000));
  EXPECT_TRUE(Allow());
}

TEST_F(CircuitBreakerTest, AProbeThatNeverReportsIsReplacedAfterACooldown) {
  TakeProbe();  // its runner dies
  clock_.Advance(milliseconds(9'999));
  EXPECT_FALSE(Allow());
  clock_.Advance(milliseconds(1));
  EXPECT_TRUE(Allow());
  EXPECT_FALSE(Allow());
}

TEST_F(CircuitBreakerTest, RunnersSharingItGetOneProbeBetweenThem) {
  Fail(3);
  clock_.Advance(milliseconds(10'000));
  Timestamp now = clock_.Now();
  std::atomic<int> allowed{0};
  std::vector<std::thread> runners;
  for (int i = 0; i < 8; ++i)
    runners.emplace_back([&] {
      for (int j = 0; j < 1000; ++j) allowed += breaker_.Allow(now) ? 1 : 0;
    });
  for (auto& t : runners) t.join();
  EXPECT_EQ(allowed.load(), 1);
}

}  // namespace
}  // namespace ordo::jobs
