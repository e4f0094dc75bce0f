#include "domain/order/order.h"

#include <gtest/gtest.h>

#include <set>

#include "base/clock.h"

namespace ordo::domain {
namespace {

class OrderTest : public ::testing::Test {
 protected:
  OrderRequest Request(std::vector<RequestedLine> lines) {
    OrderRequest r;
    r.currency = "EUR";
    r.lines = std::move(lines);
    r.shipping_address = {"Ada", "1 Unter den Linden", "", "Berlin", "", "10117", "DE", 52.52, 13.405};
    return r;
  }
  PlaceContext Context() {
    PlaceContext ctx;
    ctx.products = &products_;
    ctx.candidates = {{"berlin", {52.5, 13.4}, {{"MUG", 5}, {"TEE", 1}}},
                      {"munich", {48.1, 11.6}, {{"MUG", 50}, {"TEE", 50}}}};
    ctx.ship_to = {52.52, 13.405};
    ctx.now = clock_.Now();
    ctx.reservation_ttl_ms = 30 * 60 * 1000;
    ctx.next_reservation_id = [this] { return "res_" + std::to_string(++next_id_); };
    return ctx;
  }
  std::map<std::string, Product> products_ = {
      {"MUG", {"MUG", "Mug", {1250, "EUR"}, "", "{}", 0}},
      {"TEE", {"TEE", "T-shirt", {1999, "EUR"}, "", "{}", 0}},
      {"USD1", {"USD1", "Dollar thing", {100, "USD"}, "", "{}", 0}}};
  FakeClock clock_;
  int next_id_ = 0;
};

TEST_F(OrderTest, PlacesFromCataloguePricesAndReservesEveryLine) {
  auto placed = PlaceOrder(Request({{"MUG", 2}, {"TEE", 1}}), "ord_1", Context());
  ASSERT_TRUE(placed.ok()) << placed.error().message;
  const Order& o = placed->order;
  EXPECT_EQ(o.status, "pending");
  EXPECT_EQ(o.total_minor, 2 * 1250 + 1999);
  EXPECT_EQ(o.lines[0].unit_price_minor, 1250);
  EXPECT_EQ(o.reservation_expires_at, clock_.Now() + 30 * 60 * 1000);
  ASSERT_EQ(o.allocations.size(), 1u);
  EXPECT_EQ(o.allocations[0].location_id, "berlin");
  ASSERT_EQ(placed->reservations.size(), 2u);
  EXPECT_EQ(placed->reservations[0].state, ReservationState::kPending);
  ASSERT_EQ(placed->change.deltas.size(), 2u);
  EXPECT_EQ(placed->change.deltas[0].reserved, 2);
  EXPECT_EQ(placed->change.deltas[0].on_hand, 0);
  ASSERT_EQ(placed->change.events.size(), 3u);
  EXPECT_EQ(placed->change.events[0].type, "order.created");
  EXPECT_EQ(placed->change.events[1].type, "reservation.created");
}

TEST_F(OrderTest, StartsInTheWorkflowsInitialStatus) {
  PlaceContext ctx = Context();
  ctx.initial_status = "draft";
  auto placed = PlaceOrder(Request({{"MUG", 1}}), "ord_1", ctx);
  ASSERT_TRUE(placed.ok());
  EXPECT_EQ(placed->order.status, "draft");
}

TEST_F(OrderTest, RejectsWholeOrderWhenOneLineIsShort) {
  auto placed = PlaceOrder(Request({{"MUG", 2}, {"TEE", 52}}), "ord_1", Context());
  ASSERT_FALSE(placed.ok());
  EXPECT_EQ(placed.error().type, "insufficient-stock");
  ASSERT_EQ(placed.error().shortfalls.size(), 1u);
  EXPECT_EQ(placed.error().shortfalls[0].sku, "TEE");
  EXPECT_EQ(placed.error().shortfalls[0].available, 51);
  EXPECT_EQ(next_id_, 0);  // nothing reserved
}

TEST_F(OrderTest, OnlyAPlacementNoOtherLocationsAmountsCouldChangeIsIndependentOfThem) {
  std::vector<Location> locations = {{"berlin", "Berlin", LocationKind::kWarehouse, 52.5, 13.4, true, 0},
                                     {"munich", "Munich", LocationKind::kWarehouse, 48.1, 11.6, true, 0}};
  std::set<std::pair<std::string, std::string>> rows = {{"berlin", "MUG"}, {"berlin", "TEE"}, {"munich", "MUG"},
                                                        {"munich", "TEE"}};
  auto keeps = [&](const std::string& location, const std::string& sku) { return rows.contains({location, sku}); };
  auto nearest = PlaceOrder(Request({{"MUG", 2}}), "ord_1", Context());
  ASSERT_TRUE(nearest.ok());
  EXPECT_TRUE(AmountsElsewhereDidNotDecide(nearest->order, locations, keeps));

  // Berlin is short of TEE, so the order went to Munich: that depended on Berlin's amount.
  auto farther = PlaceOrder(Request({{"TEE", 2}}), "ord_2", Context());
  ASSERT_TRUE(farther.ok());
  ASSERT_EQ(farther->order.allocations.size(), 1u);
  EXPECT_EQ(farther->order.allocations[0].location_id, "munich");
  EXPECT_FALSE(AmountsElsewhereDidNotDecide(farther->order, locations, keeps));
  // Had Berlin kept no TEE at all, no amount of it could have changed that.
  rows.erase({"berlin", "TEE"});
  EXPECT_TRUE(AmountsElsewhereDidNotDecide(farther->order, locations, keeps));
  rows.insert({"berlin", "TEE"});

  // A split depends on both.
  auto split = PlaceOrder(Request({{"MUG", 52}}), "ord_3", Context());
  ASSERT_TRUE(split.ok());
  ASSERT_EQ(split->order.allocations.size(), 2u);
  EXPECT_FALSE(AmountsElsewhereDidNotDecide(split->order, locations, keeps));

  // An inactive location ranks nowhere.
  locations[0].active = false;
  EXPECT_TRUE(AmountsElsewhereDidNotDecide(farther->order, locations, keeps));
  locations[0].active = true;

  // On a tie in distance the smaller id ranks first, as in Allocate.
  std::vector<Location> twins = {{"b-twin", "B", LocationKind::kStore, 48.1, 11.6, true, 0},
                                 {"munich", "Munich", LocationKind::kWarehouse, 48.1, 11.6, true, 0}};
  rows.insert({"b-twin", "TEE"});
  EXPECT_FALSE(AmountsElsewhereDidNotDecide(farther->order, twins, keeps));
  twins[0].id = "z-twin";
  rows.insert({"z-twin", "TEE"});
  EXPECT_TRUE(AmountsElsewhereDidNotDecide(farther->order, twins, keeps));
}

TEST_F(OrderTest, UnknownSkuAndCurrencyMismatchAreInvalid) {
  auto unknown = PlaceOrder(Request({{"MUG", 1}, {"NOPE", 1}}), "ord_1", Context());
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, Code::kInvalidArgument);
  EXPECT_EQ(unknown.error().pointer, "/lines/1/sku");
  auto currency = PlaceOrder(Request({{"USD1", 1}}), "ord_1", Context());
  ASSERT_FALSE(currency.ok());
  EXPECT_EQ(currency.error().pointer, "/currency");
}

TEST_F(OrderTest, ValidationNamesTheField) {
  auto r = Request({{"MUG", 1}, {"MUG", 2}});
  EXPECT_EQ(ValidateOrderRequest(r).error().pointer, "/lines/1/sku");
  r = Request({{"MUG", 0}});
  EXPECT_EQ(ValidateOrderRequest(r).error().pointer, "/lines/0/quantity");
  r = Request({{"MUG", kMaxLineQuantity + 1}});
  EXPECT_EQ(ValidateOrderRequest(r).error().pointer, "/lines/0/quantity");
  r = Request({});
  EXPECT_EQ(ValidateOrderRequest(r).error().pointer, "/lines");
  r = Request({{"MUG", 1}});
  r.shipping_address.city = "Ber\u200blin";
  EXPECT_EQ(ValidateOrderRequest(r).error().pointer, "/shipping_address/city");
  r = Request({{"MUG", 1}});
  r.shipping_address.lng.reset();
  EXPECT_EQ(ValidateOrderRequest(r).error().pointer, "/shipping_address/lng");
  r = Request({{"MUG", 1}});
  r.shipping_address.country = "Germany";
  EXPECT_EQ(ValidateOrderRequest(r).error().pointer, "/shipping_address/country");
  r = Request({{"MUG", 1}});
  r.external_id = "1; DROP TABLE orders";
  EXPECT_EQ(ValidateOrderRequest(r).error().pointer, "/external_id");
  EXPECT_TRUE(ValidateOrderRequest(Request({{"MUG", 1}})).ok());
}

TEST_F(OrderTest, CancelReleasesPendingReservationsOnce) {
  auto placed = PlaceOrder(Request({{"MUG", 2}}), "ord_1", Context());
  ASSERT_TRUE(placed.ok());
  Order o = placed->order;
  auto reservations = placed->reservations;
  auto cancelled = CancelOrder(o, reservations, "customer asked", clock_.Now());
  ASSERT_TRUE(cancelled.ok());
  EXPECT_EQ(o.status, "cancelled");
  ASSERT_EQ(cancelled->deltas.size(), 1u);
  EXPECT_EQ(cancelled->deltas[0].reserved, -2);
  ASSERT_EQ(cancelled->events.size(), 3u);
  EXPECT_EQ(cancelled->events[0].type, "order.status_changed");
  EXPECT_EQ(cancelled->events[1].type, "order.cancelled");
  EXPECT_EQ(cancelled->events[2].type, "reservation.released");
  EXPECT_EQ(o.cancel_reason, "customer asked");
  auto again = CancelOrder(o, reservations, "again", clock_.Now());
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->deltas.empty());
  EXPECT_TRUE(again->events.empty());
}

TEST_F(OrderTest, ExpiryWaitsForTheTtlThenExpiresTheOrder) {
  auto placed = PlaceOrder(Request({{"MUG", 2}, {"TEE", 1}}), "ord_1", Context());
  ASSERT_TRUE(placed.ok());
  Order o = placed->order;
  auto reservations = placed->reservations;
  clock_.Advance(std::chrono::minutes(29));
  EXPECT_TRUE(ExpireOrder(o, reservations, clock_.Now()).events.empty());
  EXPECT_EQ(o.status, "pending");
  clock_.Advance(std::chrono::minutes(1));
  Change expired = ExpireOrder(o, reservations, clock_.Now());
  EXPECT_EQ(o.status, "expired");
  ASSERT_EQ(expired.deltas.size(), 2u);
  EXPECT_EQ(expired.deltas[0].reserved, -2);
  EXPECT_EQ(expired.events.back().type, "order.expired");
  EXPECT_TRUE(ExpireOrder(o, reservations, clock_.Now()).events.empty());  // exactly once
  // An expired order can no longer be cancelled.
  EXPECT_FALSE(CancelOrder(o, reservations, "late", clock_.Now()).ok());
}

TEST_F(OrderTest, CancelledOrderDoesNotExpire) {
  auto placed = PlaceOrder(Request({{"MUG", 1}}), "ord_1", Context());
  ASSERT_TRUE(placed.ok());
  Order o = placed->order;
  auto reservations = placed->reservations;
  ASSERT_TRUE(CancelOrder(o, reservations, "", clock_.Now()).ok());
  clock_.Advance(std::chrono::hours(1));
  EXPECT_TRUE(ExpireOrder(o, reservations, clock_.Now()).events.empty());
  EXPECT_EQ(o.status, "cancelled");
}

TEST_F(OrderTest, TotalOverflowIsRejected) {
  products_["MUG"].price.minor = 8'000'000'000'000'000;
  auto placed = PlaceOrder(Request({{"MUG", 2}}), "ord_1", Context());
  ASSERT_FALSE(placed.ok());
  EXPECT_EQ(placed.error().pointer, "/lines/0/quantity");
}

}  // namespace
}  // namespace ordo::domain
