#include "base/ids.h"

#include <gtest/gtest.h>

#include <set>

namespace ordo {

TEST(IdGeneratorTest, IdsAreUniqueAndStrictlyIncreasing) {
  IdGenerator gen(42);
  std::string prev = gen.Next("ord", 1000);
  std::set<std::string> seen{prev};
  for (int i = 0; i < 10'000; ++i) {
    std::string id = gen.Next("ord", 1000 + i / 100);  // many per millisecond
    EXPECT_LT(prev, id);
    EXPECT_TRUE(seen.insert(id).second);
    prev = id;
  }
}

TEST(IdGeneratorTest, ClockGoingBackwardsStillIncreases) {
  IdGenerator gen(7);
  std::string a = gen.Next("ord", 5000);
  std::string b = gen.Next("ord", 4000);
  EXPECT_LT(a, b);
}

TEST(IdGeneratorTest, HasPrefixAndFixedLength) {
  IdGenerator gen(1);
  std::string id = gen.Next("res", 1'767'225'600'000);
  EXPECT_EQ(id.rfind("res_", 0), 0u);
  EXPECT_EQ(id.size(), 4u + 26u);
}

TEST(RandomHexTest, HasRequestedLength) {
  EXPECT_EQ(RandomHex(16).size(), 32u);
  EXPECT_NE(RandomHex(16), RandomHex(16));
}

}  // namespace ordo
