#include "base/clock.h"

#include <gtest/gtest.h>

namespace ordo {
namespace {

TEST(Timestamps, ParseIsTheInverseOfFormat) {
  for (Timestamp t : {Timestamp{0}, Timestamp{1'795'391'277'123}, Timestamp{951'782'400'000} /* 2000-02-29 */,
                      Timestamp{4'102'444'799'999}}) {
    Timestamp back = -1;
    ASSERT_TRUE(ParseTimestamp(FormatTimestamp(t), &back)) << FormatTimestamp(t);
    EXPECT_EQ(back, t) << FormatTimestamp(t);
  }
}

TEST(Timestamps, ParseTakesFractionsOfAnyLengthAndNothingElse) {
  Timestamp t = 0;
  ASSERT_TRUE(ParseTimestamp("2026-11-23T10:00:00Z", &t));
  EXPECT_EQ(FormatTimestamp(t), "2026-11-23T10:00:00.000Z");
  ASSERT_TRUE(ParseTimestamp("2026-11-23T10:00:00.5Z", &t));
  EXPECT_EQ(t % 1000, 500);
  ASSERT_TRUE(ParseTimestamp("2026-11-23T10:00:00.123456789Z", &t));
  EXPECT_EQ(t % 1000, 123);
  for (const char* bad : {"", "2026-11-23", "2026-11-23T10:00:00", "2026-11-23T10:00:00+01:00", "2026-13-01T00:00:00Z",
                          "2026-02-29T00:00:00Z", "2026-11-23T24:00:00Z", "2026-11-23T10:00:00.Z",
                          "2026-11-23 10:00:00Z", "2026-11-23T10:00:00.1234567890Z", "x026-11-23T10:00:00Z"})
    EXPECT_FALSE(ParseTimestamp(bad, &t)) << bad;
}

TEST(Durations, UnitsAndRefusals) {
  std::int64_t ms = -1;
  ASSERT_TRUE(ParseDuration("30m", &ms));
  EXPECT_EQ(ms, 1'800'000);
  ASSERT_TRUE(ParseDuration("250ms", &ms));
  EXPECT_EQ(ms, 250);
  ASSERT_TRUE(ParseDuration("1.5", &ms));
  EXPECT_EQ(ms, 1500);
  ASSERT_TRUE(ParseDuration("1h", &ms));
  EXPECT_EQ(ms, 3'600'000);
  for (const char* bad : {"", "x", "5d", "-1s"}) EXPECT_FALSE(ParseDuration(bad, &ms)) << bad;
}

}  // namespace
}  // namespace ordo
