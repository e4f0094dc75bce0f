#include "domain/allocation/allocation.h"

#include <gtest/gtest.h>

namespace ordo::domain {
namespace {

const GeoPoint kBerlin{52.52, 13.405}, kHamburg{53.551, 9.994}, kMunich{48.137, 11.575},
    kParis{48.857, 2.352}, kPotsdam{52.39, 13.06};

Candidate At(std::string id, GeoPoint p, std::map<std::string, std::int64_t> available) {
  return {std::move(id), p, std::move(available)};
}

TEST(GreatCircleTest, KnownDistances) {
  EXPECT_NEAR(GreatCircleKm(kBerlin, kParis), 878, 5);
  EXPECT_NEAR(GreatCircleKm(kBerlin, kMunich), 504, 5);
  EXPECT_DOUBLE_EQ(GreatCircleKm(kBerlin, kBerlin), 0);
}

TEST(AllocationTest, PicksTheNearestLocationThatFillsEveryLine) {
  std::vector<Candidate> c = {At("munich", kMunich, {{"A", 5}, {"B", 5}}),
                              At("hamburg", kHamburg, {{"A", 5}, {"B", 5}}),
                              At("potsdam", kPotsdam, {{"A", 5}, {"B", 0}})};
  auto out = Allocate({{"A", 2}, {"B", 1}}, c, kBerlin, {});
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->size(), 1u);
  EXPECT_EQ((*out)[0].location_id, "hamburg");  // potsdam is nearer but lacks B
  EXPECT_NEAR((*out)[0].distance_km, 255, 5);
  ASSERT_EQ((*out)[0].lines.size(), 2u);
}

TEST(AllocationTest, SplitsAcrossTheFewestLocationsNearestFirst) {
  std::vector<Candidate> c = {At("potsdam", kPotsdam, {{"A", 5}}), At("hamburg", kHamburg, {{"B", 5}}),
                              At("munich", kMunich, {{"B", 5}}), At("paris", kParis, {{"A", 5}, {"B", 1}})};
  auto out = Allocate({{"A", 2}, {"B", 3}}, c, kBerlin, {});
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->size(), 2u);
  EXPECT_EQ((*out)[0].location_id, "potsdam");
  EXPECT_EQ((*out)[1].location_id, "hamburg");  // nearer than munich for B
}

TEST(AllocationTest, SplitsOneLineAcrossLocations) {
  std::vector<Candidate> c = {At("potsdam", kPotsdam, {{"A", 3}}), At("munich", kMunich, {{"A", 3}}),
                              At("paris", kParis, {{"A", 3}})};
  auto out = Allocate({{"A", 5}}, c, kBerlin, {});
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->size(), 2u);
  EXPECT_EQ((*out)[0].location_id, "potsdam");
  EXPECT_EQ((*out)[0].lines[0].quantity, 3);
  EXPECT_EQ((*out)[1].location_id, "munich");
  EXPECT_EQ((*out)[1].lines[0].quantity, 2);
}

TEST(AllocationTest, PrefersFewerLocationsOverNearerOnes) {
  // Two near locations would be needed; one far location fills it alone.
  std::vector<Candidate> c = {At("potsdam", kPotsdam, {{"A", 1}}), At("hamburg", kHamburg, {{"B", 1}}),
                              At("paris", kParis, {{"A", 1}, {"B", 1}})};
  auto out = Allocate({{"A", 1}, {"B", 1}}, c, kBerlin, {});
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->size(), 1u);
  EXPECT_EQ((*out)[0].location_id, "paris");
}

TEST(AllocationTest, NoSplitPolicyRejectsWhatOnlyASplitCouldFill) {
  std::vector<Candidate> c = {At("potsdam", kPotsdam, {{"A", 1}}), At("hamburg", kHamburg, {{"B", 1}})};
  auto out = Allocate({{"A", 1}, {"B", 1}}, c, kBerlin, {.allow_split = false});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().type, "insufficient-stock");
  EXPECT_TRUE(out.error().shortfalls.empty());
}

TEST(AllocationTest, ShortfallNamesEachShortSku) {
  std::vector<Candidate> c = {At("potsdam", kPotsdam, {{"A", 2}, {"B", 9}}), At("munich", kMunich, {{"A", 1}})};
  auto out = Allocate({{"A", 5}, {"B", 3}, {"C", 1}}, c, kBerlin, {});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, Code::kFailedPrecondition);
  ASSERT_EQ(out.error().shortfalls.size(), 2u);
  EXPECT_EQ(out.error().shortfalls[0].sku, "A");
  EXPECT_EQ(out.error().shortfalls[0].requested, 5);
  EXPECT_EQ(out.error().shortfalls[0].available, 3);
  EXPECT_EQ(out.error().shortfalls[1].sku, "C");
  EXPECT_EQ(out.error().shortfalls[1].available, 0);
}

TEST(AllocationTest, GreedyCoverBeyondTheExactSearchLimit) {
  std::vector<Candidate> c;
  for (int i = 0; i < 30; ++i)
    c.push_back(At("loc" + std::to_string(i), {kBerlin.lat + i * 0.1, kBerlin.lng}, {{"A", 1}}));
  auto out = Allocate({{"A", 3}}, c, kBerlin, {.allow_split = true, .exact_search_max_locations = 16});
  ASSERT_TRUE(out.ok());
  std::int64_t total = 0;
  for (const auto& a : *out) total += a.lines[0].quantity;
  EXPECT_EQ(total, 3);
  EXPECT_EQ(out->size(), 3u);
}

TEST(AllocationTest, NoCandidatesIsAShortfall) {
  auto out = Allocate({{"A", 1}}, {}, kBerlin, {});
  ASSERT_FALSE(out.ok());
  ASSERT_EQ(out.error().shortfalls.size(), 1u);
}

}  // namespace
}  // namespace ordo::domain
