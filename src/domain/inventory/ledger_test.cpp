#include "domain/inventory/ledger.h"

#include <gtest/gtest.h>

namespace ordo::domain {
namespace {

Reservation Pending() {
  return {"res_1", "ord_1", "berlin", "SKU-1", 3, ReservationState::kPending, 1000, 1000 + 1800000, 0};
}

TEST(LedgerTest, CommitDropsOnHandAndReserved) {
  Reservation r = Pending();
  auto out = Resolve(r, ReservationState::kCommitted, 2000);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->delta.on_hand, -3);
  EXPECT_EQ(out->delta.reserved, -3);
  EXPECT_EQ(out->event.type, "reservation.committed");
  EXPECT_EQ(r.state, ReservationState::kCommitted);
  EXPECT_EQ(r.resolved_at, 2000);
}

TEST(LedgerTest, ReleaseAndExpireOnlyDropReserved) {
  for (auto to : {ReservationState::kReleased, ReservationState::kExpired}) {
    Reservation r = Pending();
    auto out = Resolve(r, to, 2000);
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(out->delta.on_hand, 0);
    EXPECT_EQ(out->delta.reserved, -3);
  }
}

TEST(LedgerTest, AReservationResolvesExactlyOnce) {
  for (auto first : {ReservationState::kCommitted, ReservationState::kReleased, ReservationState::kExpired}) {
    for (auto second : {ReservationState::kCommitted, ReservationState::kReleased, ReservationState::kExpired}) {
      Reservation r = Pending();
      ASSERT_TRUE(Resolve(r, first, 2000).ok());
      auto again = Resolve(r, second, 3000);
      ASSERT_FALSE(again.ok());
      EXPECT_EQ(again.error().code, Code::kFailedPrecondition);
      EXPECT_EQ(r.state, first);
      EXPECT_EQ(r.resolved_at, 2000);
    }
  }
  Reservation r = Pending();
  EXPECT_FALSE(Resolve(r, ReservationState::kPending, 2000).ok());
}

TEST(LedgerTest, SetOnHandCreatesAndCompareAndSets) {
  auto created = SetOnHand(std::nullopt, "berlin", "SKU-1", 10, std::nullopt);
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(created->on_hand, 10);
  EXPECT_EQ(created->available(), 10);

  StockLevel level{"berlin", "SKU-1", 10, 4, 1};
  auto mismatch = SetOnHand(level, "berlin", "SKU-1", 20, 9);
  ASSERT_FALSE(mismatch.ok());
  EXPECT_EQ(mismatch.error().type, "stock-version-mismatch");
  auto matched = SetOnHand(level, "berlin", "SKU-1", 20, 10);
  ASSERT_TRUE(matched.ok());
  EXPECT_EQ(matched->on_hand, 20);
  EXPECT_EQ(matched->version, 2);
}

TEST(LedgerTest, OnHandNeverFallsBelowReserved) {
  StockLevel level{"berlin", "SKU-1", 10, 4, 1};
  auto set = SetOnHand(level, "berlin", "SKU-1", 3, std::nullopt);
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.error().type, "stock-below-reserved");
  EXPECT_TRUE(SetOnHand(level, "berlin", "SKU-1", 4, std::nullopt).ok());
  EXPECT_FALSE(Adjust(level, "berlin", "SKU-1", -7).ok());
  auto adjusted = Adjust(level, "berlin", "SKU-1", -6);
  ASSERT_TRUE(adjusted.ok());
  EXPECT_EQ(adjusted->on_hand, 4);
  EXPECT_EQ(adjusted->available(), 0);
}

TEST(LedgerTest, RejectsOutOfRangeQuantities) {
  EXPECT_EQ(SetOnHand(std::nullopt, "l", "s", -1, std::nullopt).error().pointer, "/on_hand");
  EXPECT_FALSE(SetOnHand(std::nullopt, "l", "s", kMaxQuantity + 1, std::nullopt).ok());
  EXPECT_FALSE(Adjust(std::nullopt, "l", "s", 0).ok());
  EXPECT_FALSE(Adjust(std::nullopt, "l", "s", -1).ok());
  EXPECT_TRUE(Adjust(std::nullopt, "l", "s", 5).ok());
}

}  // namespace
}  // namespace ordo::domain
