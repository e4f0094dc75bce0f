#include "base/ids.h"

#include <gtest/gtest.h>

#include <array>
#include <random>
#include <set>
#include <vector>

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

// The encoding bit by bit, as the ULID layout defines it.
std::string ReferenceUlid(std::uint64_t ms, std::uint64_t hi, std::uint64_t lo) {
  static constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  auto bit = [&](int i) -> unsigned {  // i: 0 = most significant of 130 (2 pad bits)
    int b = i - 2;
    if (b < 0) return 0;
    if (b < 48) return (ms >> (47 - b)) & 1u;
    if (b < 64) return (hi >> (63 - b)) & 1u;
    return (lo >> (127 - b)) & 1u;
  };
  std::string out;
  for (int c = 0; c < 26; ++c) {
    unsigned v = 0;
    for (int k = 0; k < 5; ++k) v = (v << 1) | bit(c * 5 + k);
    out.push_back(kCrockford[v]);
  }
  return out;
}

TEST(IdGeneratorTest, EncodingMatchesTheBitByBitLayout) {
  std::mt19937_64 rng(3);
  std::vector<std::array<std::uint64_t, 3>> cases = {{0, 0, 0},
                                                     {(1ull << 48) - 1, 0xFFFF, ~0ull},
                                                     {1'767'225'600'000, 0x8000, 1},
                                                     {1, 1, 1ull << 63}};
  for (int i = 0; i < 1000; ++i) cases.push_back({rng() & ((1ull << 48) - 1), rng() & 0xFFFF, rng()});
  for (const auto& [ms, hi, lo] : cases) {
    char out[26];
    EncodeUlid(ms, hi, lo, out);
    EXPECT_EQ(std::string(out, 26), ReferenceUlid(ms, hi, lo)) << ms << " " << hi << " " << lo;
  }
}

TEST(RandomHexTest, HasRequestedLength) {
  EXPECT_EQ(RandomHex(16).size(), 32u);
  EXPECT_NE(RandomHex(16), RandomHex(16));
}

}  // namespace ordo
