#include "domain/order/lifecycle.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "base/clock.h"
#include "domain/order/test_changes.h"

namespace ordo::domain {
namespace {

using test::FindEvent;
using test::Types;

constexpr std::int64_t kTtlMs = 30 * 60 * 1000;

std::string Text(const std::vector<std::pair<std::string, EventValue>>& data, const std::string& key) {
  for (const auto& [k, v] : data)
    if (k == key) {
      if (const auto* s = std::get_if<std::string>(&v)) return *s;
      if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
    }
  return "<missing " + key + ">";
}

std::vector<std::string> Steps(const Change& c, const std::string& kind) {
  std::vector<std::string> out;
  for (const JobRequest& j : c.jobs)
    if (j.kind == kind) out.push_back(j.step);
  return out;
}

class LifecycleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    order_.id = "ord_1";
    order_.currency = "EUR";
    order_.lines = {{"MUG", "Mug", 2, 1250, 2500, 0}, {"TEE", "T-shirt", 1, 1999, 1999, 0}};
    order_.total_minor = 4499;
    order_.created_at = order_.updated_at = clock_.Now();
    reservations_ = {
        {"res_1", "ord_1", "berlin", "MUG", 2, ReservationState::kPending, clock_.Now(), clock_.Now() + kTtlMs, 0},
        {"res_2", "ord_1", "berlin", "TEE", 1, ReservationState::kPending, clock_.Now(), clock_.Now() + kTtlMs, 0}};
  }

  // Folds a change's deltas into the stock rows and checks the ledger invariant.
  void Apply(const Change& c) {
    for (const StockDelta& d : c.deltas) {
      auto& [on_hand, reserved] = stock_[d.sku];
      on_hand += d.on_hand;
      reserved += d.reserved;
      EXPECT_LE(0, reserved) << d.sku;
      EXPECT_LE(reserved, on_hand) << d.sku;
    }
  }

  Change Must(Result<Change> r) {
    EXPECT_TRUE(r.ok()) << r.error().type << ": " << r.error().message;
    if (!r.ok()) return {};
    Apply(*r);
    return std::move(r).value();
  }

  PaymentResult Gateway(PaymentResult::Outcome outcome, std::int64_t amount = 4499) {
    return {outcome, "pay_1", amount, outcome == PaymentResult::Outcome::kDeclined ? "insufficient_funds" : "", ""};
  }

  Change AskToPay(const std::string& token = "tok_visa") {
    return Must(RequestPayment(order_, wf_, {std::nullopt, token}, clock_.Now()));
  }

  // The gateway's answer to the charge, for the whole total.
  Change Answer(PaymentResult::Outcome outcome) {
    return Must(ApplyPaymentResult(order_, reservations_, wf_, Gateway(outcome), clock_.Now()));
  }

  void PayInFull() {
    AskToPay();
    Answer(PaymentResult::Outcome::kCaptured);
    ASSERT_EQ(order_.status, "paid");
  }

  int Pending() const {
    return static_cast<int>(std::count_if(reservations_.begin(), reservations_.end(),
                                          [](const Reservation& r) { return r.state == ReservationState::kPending; }));
  }

  FakeClock clock_;
  Workflow wf_ = DefaultWorkflow();
  Order order_;
  std::vector<Reservation> reservations_;
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> stock_ = {{"MUG", {10, 2}}, {"TEE", {5, 1}}};
};

TEST_F(LifecycleTest, TransitionMovesAlongAnAllowedEdgeAndSaysWhoMovedIt) {
  clock_.Advance(std::chrono::seconds(5));
  Change c = Must(TransitionTo(order_, reservations_, wf_, "confirmed", clock_.Now(), "user:ada"));
  EXPECT_EQ(order_.status, "confirmed");
  EXPECT_EQ(order_.version, 2);
  EXPECT_EQ(order_.updated_at, clock_.Now());
  EXPECT_EQ(Types(c), (std::vector<std::string>{"order.status_changed", "order.confirmed"}));
  EXPECT_EQ(Text(c.events[0].data, "from"), "pending");
  EXPECT_EQ(Text(c.events[0].data, "to"), "confirmed");
  EXPECT_EQ(Text(c.events[0].data, "actor"), "user:ada");
  EXPECT_TRUE(c.deltas.empty());
  EXPECT_EQ(Pending(), 2);
}

TEST_F(LifecycleTest, WrongMovesAreRejectedWithoutChangingAnything) {
  auto skip = TransitionTo(order_, reservations_, wf_, "shipped", clock_.Now(), "user:ada");
  ASSERT_FALSE(skip.ok());
  EXPECT_EQ(skip.error().code, Code::kFailedPrecondition);
  EXPECT_EQ(skip.error().type, "invalid-transition");
  EXPECT_NE(skip.error().message.find("from pending to shipped"), std::string::npos) << skip.error().message;
  auto unknown = TransitionTo(order_, reservations_, wf_, "teleported", clock_.Now(), "user:ada");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().pointer, "/status");
  for (const char* own_path : {"paid", "failed", "expired"}) {
    auto r = TransitionTo(order_, reservations_, wf_, own_path, clock_.Now(), "user:ada");
    ASSERT_FALSE(r.ok()) << own_path;
    EXPECT_EQ(r.error().type, "status-not-settable") << own_path;
  }
  EXPECT_EQ(order_.status, "pending");
  EXPECT_EQ(order_.version, 1);
  EXPECT_EQ(Pending(), 2);
  // Moving to where the order is changes nothing.
  EXPECT_TRUE(Must(TransitionTo(order_, reservations_, wf_, "pending", clock_.Now(), "user:ada")).events.empty());
  EXPECT_EQ(order_.version, 1);
}

TEST_F(LifecycleTest, HappyPathPaysShipsCommitsAndDelivers) {
  Change asked = Must(RequestPayment(order_, wf_, {4499, "tok_visa"}, clock_.Now()));
  EXPECT_EQ(order_.payment_status, "pending");
  EXPECT_EQ(order_.status, "pending");
  ASSERT_EQ(asked.jobs.size(), 1u);
  const JobRequest& charge = asked.jobs[0];
  EXPECT_EQ(charge.kind, "payment.charge");
  EXPECT_EQ(charge.order_id, "ord_1");
  EXPECT_EQ(charge.step, "charge");
  EXPECT_EQ(Text(charge.payload, "amount_minor"), "4499");
  EXPECT_EQ(Text(charge.payload, "currency"), "EUR");
  EXPECT_EQ(Text(charge.payload, "token"), "tok_visa");
  EXPECT_EQ(Text(FindEvent(asked, "payment.requested")->data, "amount"), "44.99");

  Change paid = Answer(PaymentResult::Outcome::kCaptured);
  EXPECT_EQ(order_.status, "paid");
  EXPECT_EQ(order_.payment_status, "captured");
  EXPECT_EQ(order_.captured_minor, 4499);
  EXPECT_EQ(order_.payment_id, "pay_1");
  EXPECT_EQ(Types(paid), (std::vector<std::string>{"payment.captured", "order.status_changed", "order.paid"}));
  EXPECT_EQ(Text(paid.events[1].data, "actor"), "payment");
  EXPECT_EQ(Pending(), 2);  // payment keeps the reservations

  Change shipped = Must(Ship(order_, reservations_, wf_, "DHL", "JJD0001", clock_.Now(), "user:ada"));
  EXPECT_EQ(order_.status, "shipped");
  EXPECT_EQ(order_.carrier, "DHL");
  EXPECT_EQ(order_.tracking, "JJD0001");
  EXPECT_EQ(Text(FindEvent(shipped, "order.shipped")->data, "tracking"), "JJD0001");
  EXPECT_EQ(Pending(), 0);
  EXPECT_EQ(stock_["MUG"], std::make_pair(std::int64_t{8}, std::int64_t{0}));  // on_hand and reserved drop
  EXPECT_EQ(stock_["TEE"], std::make_pair(std::int64_t{4}, std::int64_t{0}));
  // Shipping again changes nothing and commits nothing twice.
  EXPECT_TRUE(Must(Ship(order_, reservations_, wf_, "UPS", "1Z", clock_.Now(), "user:ada")).events.empty());
  EXPECT_EQ(order_.carrier, "DHL");
  EXPECT_FALSE(Resolve(reservations_[0], ReservationState::kReleased, clock_.Now()).ok());

  Change delivered = Must(Deliver(order_, wf_, clock_.Now(), "wms"));
  EXPECT_EQ(order_.status, "delivered");
  EXPECT_EQ(Types(delivered), (std::vector<std::string>{"order.status_changed", "order.delivered"}));
  EXPECT_TRUE(wf_.Terminal(order_.status));
  EXPECT_FALSE(Cancel(order_, reservations_, wf_, "", clock_.Now(), "user:ada").ok());
}

TEST_F(LifecycleTest, ActionsOfTheStatusEnteredBecomeJobsWithTheirOwnKeys) {
  wf_.statuses.push_back({"on_hold", "On hold", Effect::kNone, {"email", "webhook"}});
  wf_.transitions.emplace_back("confirmed", "on_hold");
  wf_.transitions.emplace_back("on_hold", "confirmed");
  ASSERT_TRUE(ValidateWorkflow(wf_).ok());
  ASSERT_TRUE(Confirm(order_, wf_, clock_.Now(), "seller").ok());
  Change first = Must(TransitionTo(order_, reservations_, wf_, "on_hold", clock_.Now(), "seller"));
  ASSERT_EQ(first.jobs.size(), 2u);
  EXPECT_EQ(first.jobs[0].kind, "email");
  EXPECT_EQ(first.jobs[1].kind, "webhook");
  EXPECT_EQ(first.jobs[0].step, "email-on_hold-3");
  EXPECT_EQ(Text(first.jobs[0].payload, "status"), "on_hold");
  EXPECT_EQ(Text(first.jobs[0].payload, "from"), "confirmed");
  Must(TransitionTo(order_, reservations_, wf_, "confirmed", clock_.Now(), "seller"));
  Change again = Must(TransitionTo(order_, reservations_, wf_, "on_hold", clock_.Now(), "seller"));
  ASSERT_EQ(again.jobs.size(), 2u);
  EXPECT_NE(again.jobs[0].step, first.jobs[0].step);  // a second email, not a duplicate
}

TEST_F(LifecycleTest, FulfillingPushesToTheWarehouse) {
  PayInFull();
  Change c = Must(TransitionTo(order_, reservations_, wf_, "fulfilling", clock_.Now(), "seller"));
  EXPECT_EQ(Steps(c, "wms.push"), std::vector<std::string>{"wms.push-fulfilling-" + std::to_string(order_.version)});
  EXPECT_EQ(Pending(), 2);
  Must(TransitionTo(order_, reservations_, wf_, "shipped", clock_.Now(), "wms"));  // PATCH may ship
  EXPECT_EQ(Pending(), 0);
  EXPECT_EQ(stock_["MUG"].first, 8);
}

TEST_F(LifecycleTest, PaymentRequestsFollowTheRules) {
  auto wrong_amount = RequestPayment(order_, wf_, {4000, "tok"}, clock_.Now());
  ASSERT_FALSE(wrong_amount.ok());
  EXPECT_EQ(wrong_amount.error().pointer, "/amount");
  auto bad_token = RequestPayment(order_, wf_, {std::nullopt, "tok\x01"}, clock_.Now());
  ASSERT_FALSE(bad_token.ok());
  EXPECT_EQ(bad_token.error().pointer, "/token");
  EXPECT_EQ(order_.payment_status, "none");

  AskToPay("tok");
  auto twice = RequestPayment(order_, wf_, {std::nullopt, "tok"}, clock_.Now());
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().type, "payment-in-progress");
  Answer(PaymentResult::Outcome::kCaptured);
  auto after = RequestPayment(order_, wf_, {std::nullopt, "tok"}, clock_.Now());
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.error().type, "already-paid");
  // The same capture reported twice is applied once.
  std::int64_t version = order_.version;
  EXPECT_TRUE(Answer(PaymentResult::Outcome::kCaptured).events.empty());
  EXPECT_EQ(order_.version, version);
}

TEST_F(LifecycleTest, PaymentResultsNeedARequestAndPositiveAmounts) {
  auto unasked = ApplyPaymentResult(order_, reservations_, wf_, Gateway(PaymentResult::Outcome::kCaptured),
                                    clock_.Now());
  ASSERT_FALSE(unasked.ok());
  EXPECT_EQ(unasked.error().type, "no-payment-requested");
  AskToPay("tok");
  auto zero = ApplyPaymentResult(order_, reservations_, wf_, Gateway(PaymentResult::Outcome::kCaptured, 0),
                                 clock_.Now());
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.error().code, Code::kInvalidArgument);
  EXPECT_EQ(order_.payment_status, "pending");
  EXPECT_STREQ(ToString(PaymentResult::Outcome::kAuthorized), "authorized");
}

TEST_F(LifecycleTest, DeclineFailsTheOrderAndReleasesItsStock) {
  AskToPay("tok_decline");
  Change c = Answer(PaymentResult::Outcome::kDeclined);
  EXPECT_EQ(order_.status, "failed");
  EXPECT_EQ(order_.payment_status, "declined");
  EXPECT_EQ(Types(c), (std::vector<std::string>{"payment.declined", "order.status_changed", "order.failed",
                                                "reservation.released", "reservation.released"}));
  EXPECT_EQ(Text(c.events[0].data, "decline_code"), "insufficient_funds");
  EXPECT_EQ(Text(c.events[2].data, "reason"), "payment declined: insufficient_funds");
  EXPECT_TRUE(c.jobs.empty());  // nothing was taken, nothing to give back
  EXPECT_EQ(Pending(), 0);
  EXPECT_EQ(stock_["MUG"], std::make_pair(std::int64_t{10}, std::int64_t{0}));
  // A repeated decline changes nothing; a failed order cannot pay again.
  EXPECT_TRUE(Answer(PaymentResult::Outcome::kDeclined).events.empty());
  EXPECT_EQ(RequestPayment(order_, wf_, {std::nullopt, "tok"}, clock_.Now()).error().type, "invalid-transition");
}

TEST_F(LifecycleTest, GatewayFailureAlsoFails) {
  AskToPay("tok");
  Change c = Answer(PaymentResult::Outcome::kFailed);
  EXPECT_EQ(order_.status, "failed");
  EXPECT_EQ(order_.payment_status, "failed");
  ASSERT_NE(FindEvent(c, "payment.failed"), nullptr);
  EXPECT_EQ(Pending(), 0);
}

TEST_F(LifecycleTest, WithoutAFailEdgeADeclinedOrderKeepsItsStockAndMayPayAgain) {
  std::erase(wf_.transitions, std::pair<std::string, std::string>("pending", "failed"));
  ASSERT_TRUE(ValidateWorkflow(wf_).ok());  // confirmed → failed keeps failed reachable
  Change first = AskToPay("tok_decline");
  Answer(PaymentResult::Outcome::kDeclined);
  EXPECT_EQ(order_.status, "pending");
  EXPECT_EQ(order_.payment_status, "declined");
  EXPECT_EQ(Pending(), 2);
  Change second = AskToPay("tok_visa");
  ASSERT_EQ(second.jobs.size(), 1u);
  EXPECT_EQ(first.jobs[0].step, "charge");
  EXPECT_EQ(second.jobs[0].step, "charge-" + std::to_string(order_.version));
  Answer(PaymentResult::Outcome::kCaptured);
  EXPECT_EQ(order_.status, "paid");
}

TEST_F(LifecycleTest, CancellingAPaidOrderRefundsWhatIsLeft) {
  PayInFull();
  Must(RequestRefund(order_, {500, {}, "scratched"}, clock_.Now()));
  Must(ApplyRefundResult(order_, 500, true, "", clock_.Now()));
  Change c = Must(Cancel(order_, reservations_, wf_, "customer asked", clock_.Now(), "user:ada"));
  EXPECT_EQ(order_.status, "cancelled");
  EXPECT_EQ(order_.cancel_reason, "customer asked");
  EXPECT_EQ(Types(c), (std::vector<std::string>{"order.status_changed", "order.cancelled", "reservation.released",
                                                "reservation.released", "refund.requested"}));
  EXPECT_EQ(Text(c.events[1].data, "reason"), "customer asked");
  ASSERT_EQ(c.jobs.size(), 1u);
  EXPECT_EQ(c.jobs[0].kind, "payment.refund");
  EXPECT_EQ(c.jobs[0].step, "refund-" + std::to_string(order_.version));
  EXPECT_EQ(Text(c.jobs[0].payload, "amount_minor"), "3999");
  EXPECT_EQ(Text(c.jobs[0].payload, "payment_id"), "pay_1");
  EXPECT_EQ(order_.refund_pending_minor, 3999);
  EXPECT_EQ(stock_["MUG"], std::make_pair(std::int64_t{10}, std::int64_t{0}));
  // Cancelling again changes nothing and refunds nothing twice.
  EXPECT_TRUE(Must(Cancel(order_, reservations_, wf_, "again", clock_.Now(), "user:ada")).jobs.empty());
  EXPECT_EQ(order_.cancel_reason, "customer asked");
  Must(ApplyRefundResult(order_, 3999, true, "", clock_.Now()));
  EXPECT_EQ(order_.payment_status, "refunded");
  EXPECT_EQ(order_.refunded_minor, 4499);
}

TEST_F(LifecycleTest, CancelIsRefusedOnceTheWarehouseHasTheOrder) {
  PayInFull();
  Must(TransitionTo(order_, reservations_, wf_, "fulfilling", clock_.Now(), "seller"));
  auto r = Cancel(order_, reservations_, wf_, "", clock_.Now(), "user:ada");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().type, "invalid-transition");
  EXPECT_EQ(Pending(), 2);
  auto long_reason = Cancel(order_, reservations_, wf_, std::string(501, 'x'), clock_.Now(), "user:ada");
  ASSERT_FALSE(long_reason.ok());
  EXPECT_EQ(long_reason.error().pointer, "/reason");
}

TEST_F(LifecycleTest, ACaptureThatLandsAfterCancelIsRefunded) {
  AskToPay("tok");
  Change cancelled = Must(Cancel(order_, reservations_, wf_, "too slow", clock_.Now(), "user:ada"));
  EXPECT_TRUE(cancelled.jobs.empty());  // nothing taken yet
  EXPECT_EQ(order_.payment_status, "pending");
  Change late = Answer(PaymentResult::Outcome::kCaptured);
  EXPECT_EQ(order_.status, "cancelled");
  EXPECT_EQ(order_.payment_status, "captured");
  EXPECT_EQ(Types(late), (std::vector<std::string>{"payment.captured", "refund.requested"}));
  ASSERT_EQ(late.jobs.size(), 1u);
  EXPECT_EQ(late.jobs[0].kind, "payment.refund");
  EXPECT_EQ(Text(late.jobs[0].payload, "amount_minor"), "4499");
  EXPECT_EQ(Text(late.events[1].data, "reason"), "order cancelled");
}

TEST_F(LifecycleTest, AnAuthorisationIsVoidedWhenTheOrderEnds) {
  AskToPay("tok");
  Change held = Answer(PaymentResult::Outcome::kAuthorized);
  EXPECT_EQ(order_.status, "pending");
  EXPECT_EQ(order_.payment_status, "authorized");
  EXPECT_EQ(order_.authorized_minor, 4499);
  EXPECT_EQ(Types(held), std::vector<std::string>{"payment.authorized"});
  EXPECT_EQ(RequestPayment(order_, wf_, {std::nullopt, "tok"}, clock_.Now()).error().type, "payment-in-progress");

  Change c = Must(Cancel(order_, reservations_, wf_, "", clock_.Now(), "user:ada"));
  EXPECT_EQ(Steps(c, "payment.void"), std::vector<std::string>{"void"});
  EXPECT_TRUE(Steps(c, "payment.refund").empty());
  ASSERT_NE(FindEvent(c, "payment.void_requested"), nullptr);

  Change failed = Must(ApplyVoidResult(order_, false, "gateway timeout", clock_.Now()));
  EXPECT_EQ(Types(failed), std::vector<std::string>{"payment.void_failed"});
  EXPECT_EQ(order_.payment_status, "authorized");
  Must(ApplyVoidResult(order_, true, "", clock_.Now()));
  EXPECT_EQ(order_.payment_status, "voided");
  EXPECT_TRUE(Must(ApplyVoidResult(order_, true, "", clock_.Now())).events.empty());
}

TEST_F(LifecycleTest, AnAuthorisationThatLandsAfterCancelIsVoided) {
  AskToPay("tok");
  Must(Cancel(order_, reservations_, wf_, "", clock_.Now(), "user:ada"));
  Change late = Answer(PaymentResult::Outcome::kAuthorized);
  EXPECT_EQ(order_.status, "cancelled");
  EXPECT_EQ(Steps(late, "payment.void"), std::vector<std::string>{"void"});
}

TEST_F(LifecycleTest, VoidNeedsAnAuthorisation) {
  auto r = ApplyVoidResult(order_, true, "", clock_.Now());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().type, "no-authorization");
}

TEST_F(LifecycleTest, ExpiryWaitsForTheTtlAndEndsAnUnpaidOrder) {
  clock_.Advance(std::chrono::minutes(29));
  EXPECT_TRUE(ExpireOrder(order_, reservations_, wf_, clock_.Now()).events.empty());
  clock_.Advance(std::chrono::minutes(1));
  Change c = ExpireOrder(order_, reservations_, wf_, clock_.Now());
  Apply(c);
  EXPECT_EQ(order_.status, "expired");
  EXPECT_EQ(Types(c), (std::vector<std::string>{"reservation.expired", "reservation.expired", "order.status_changed",
                                                "order.expired"}));
  EXPECT_EQ(Text(c.events[2].data, "actor"), "system");
  EXPECT_EQ(stock_["TEE"], std::make_pair(std::int64_t{5}, std::int64_t{0}));
  EXPECT_TRUE(ExpireOrder(order_, reservations_, wf_, clock_.Now()).events.empty());  // exactly once
}

TEST_F(LifecycleTest, ExpiryOfSomeReservationsKeepsTheOrderOpen) {
  reservations_[1].expires_at += kTtlMs;
  clock_.Advance(std::chrono::minutes(30));
  Change c = ExpireOrder(order_, reservations_, wf_, clock_.Now());
  EXPECT_EQ(Types(c), std::vector<std::string>{"reservation.expired"});
  EXPECT_EQ(order_.status, "pending");
  EXPECT_EQ(order_.version, 2);
}

TEST_F(LifecycleTest, PaidOrdersAndPaymentsInFlightNeverExpire) {
  AskToPay("tok");
  clock_.Advance(std::chrono::hours(2));
  EXPECT_TRUE(ExpireOrder(order_, reservations_, wf_, clock_.Now()).events.empty());  // a charge is in flight
  EXPECT_EQ(Pending(), 2);
  Answer(PaymentResult::Outcome::kCaptured);
  clock_.Advance(std::chrono::hours(24));
  EXPECT_TRUE(ExpireOrder(order_, reservations_, wf_, clock_.Now()).events.empty());
  EXPECT_EQ(order_.status, "paid");
  EXPECT_EQ(Pending(), 2);
  // Not even under a workflow that (wrongly) let paid orders expire.
  wf_.transitions.emplace_back("paid", "expired");
  EXPECT_TRUE(ExpireOrder(order_, reservations_, wf_, clock_.Now()).events.empty());
}

TEST_F(LifecycleTest, ExpiryVoidsAnAuthorisation) {
  AskToPay("tok");
  Answer(PaymentResult::Outcome::kAuthorized);
  clock_.Advance(std::chrono::minutes(30));
  Change c = ExpireOrder(order_, reservations_, wf_, clock_.Now());
  EXPECT_EQ(order_.status, "expired");
  EXPECT_EQ(Steps(c, "payment.void"), std::vector<std::string>{"void"});
}

TEST_F(LifecycleTest, ExpiryOfReservationsWhoseOrderIsUnknown) {
  order_.status = "unknown";  // how the engine passes reservations without an order row
  clock_.Advance(std::chrono::minutes(30));
  Change c = ExpireOrder(order_, reservations_, wf_, clock_.Now());
  EXPECT_EQ(Types(c), (std::vector<std::string>{"reservation.expired", "reservation.expired"}));
  EXPECT_EQ(order_.status, "unknown");
}

TEST_F(LifecycleTest, ShippingNeedsReservedStockAndCleanText) {
  PayInFull();
  auto carrier = Ship(order_, reservations_, wf_, std::string(65, 'D'), "", clock_.Now(), "seller");
  ASSERT_FALSE(carrier.ok());
  EXPECT_EQ(carrier.error().pointer, "/carrier");
  auto tracking = Ship(order_, reservations_, wf_, "DHL", "JJD\n1", clock_.Now(), "seller");
  ASSERT_FALSE(tracking.ok());
  EXPECT_EQ(tracking.error().pointer, "/tracking");
  for (Reservation& r : reservations_) ASSERT_TRUE(Resolve(r, ReservationState::kReleased, clock_.Now()).ok());
  auto nothing = Ship(order_, reservations_, wf_, "DHL", "JJD1", clock_.Now(), "seller");
  ASSERT_FALSE(nothing.ok());
  EXPECT_EQ(nothing.error().type, "nothing-to-ship");
  EXPECT_EQ(order_.status, "paid");
  EXPECT_EQ(order_.carrier, "");
}

TEST_F(LifecycleTest, ACustomStatusThatShipsCommitsTheStock) {
  wf_.statuses.push_back({"dispatched", "Dispatched", Effect::kShip, {"webhook"}});
  wf_.transitions.emplace_back("paid", "dispatched");
  wf_.transitions.emplace_back("dispatched", "delivered");
  ASSERT_TRUE(ValidateWorkflow(wf_).ok());
  PayInFull();
  Change c = Must(TransitionTo(order_, reservations_, wf_, "dispatched", clock_.Now(), "seller"));
  EXPECT_EQ(Pending(), 0);
  EXPECT_EQ(stock_["MUG"].first, 8);
  EXPECT_NE(FindEvent(c, "order.shipped"), nullptr);
  EXPECT_EQ(Steps(c, "webhook").size(), 1u);
  Must(Deliver(order_, wf_, clock_.Now(), "carrier"));
  EXPECT_EQ(order_.status, "delivered");
}

TEST_F(LifecycleTest, RefundsByLinesUseUnitPricesAndNeverExceedWhatWasTaken) {
  auto early = RequestRefund(order_, {}, clock_.Now());
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error().type, "refund-exceeds-captured");
  PayInFull();

  Change one_mug = Must(RequestRefund(order_, {std::nullopt, {{"MUG", 1}}, "broken"}, clock_.Now()));
  ASSERT_EQ(one_mug.jobs.size(), 1u);
  EXPECT_EQ(one_mug.jobs[0].kind, "payment.refund");
  EXPECT_EQ(one_mug.jobs[0].step, "refund-" + std::to_string(order_.version));
  EXPECT_EQ(Text(one_mug.jobs[0].payload, "amount_minor"), "1250");
  const Event* requested = FindEvent(one_mug, "refund.requested");
  ASSERT_NE(requested, nullptr);
  EXPECT_EQ(Text(requested->data, "amount"), "12.50");
  EXPECT_EQ(Text(requested->data, "lines"), "MUG:1");
  EXPECT_EQ(Text(requested->data, "reason"), "broken");
  EXPECT_EQ(order_.lines[0].refunded_quantity, 1);
  EXPECT_EQ(order_.status, "paid");  // money only

  auto too_many = RequestRefund(order_, {std::nullopt, {{"TEE", 1}, {"MUG", 2}}, ""}, clock_.Now());
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.error().type, "refund-exceeds-ordered");
  EXPECT_EQ(too_many.error().pointer, "/lines/1/quantity");
  EXPECT_EQ(order_.lines[1].refunded_quantity, 0);  // nothing counted from the rejected request
  EXPECT_EQ(RequestRefund(order_, {std::nullopt, {{"SOCK", 1}}, ""}, clock_.Now()).error().pointer, "/lines/0/sku");
  EXPECT_EQ(RequestRefund(order_, {std::nullopt, {{"TEE", 0}}, ""}, clock_.Now()).error().pointer,
            "/lines/0/quantity");
  EXPECT_EQ(RequestRefund(order_, {2000, {{"TEE", 1}}, ""}, clock_.Now()).error().pointer, "/amount");
  EXPECT_EQ(RequestRefund(order_, {-1, {}, ""}, clock_.Now()).error().code, Code::kInvalidArgument);

  // 44.99 taken, 12.50 pending: 32.49 is all that may still be asked for.
  auto over = RequestRefund(order_, {3250, {}, ""}, clock_.Now());
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().type, "refund-exceeds-captured");
  EXPECT_EQ(over.error().pointer, "/amount");
  Change rest = Must(RequestRefund(order_, {}, clock_.Now()));
  EXPECT_EQ(Text(rest.jobs[0].payload, "amount_minor"), "3249");
  EXPECT_NE(rest.jobs[0].step, one_mug.jobs[0].step);
  EXPECT_EQ(RequestRefund(order_, {1, {}, ""}, clock_.Now()).error().type, "refund-exceeds-captured");

  Must(ApplyRefundResult(order_, 1250, true, "", clock_.Now()));
  EXPECT_EQ(order_.payment_status, "partially_refunded");
  EXPECT_EQ(order_.refunded_minor, 1250);
  Change refused = Must(ApplyRefundResult(order_, 3249, false, "card closed", clock_.Now()));
  EXPECT_EQ(Types(refused), std::vector<std::string>{"refund.failed"});
  EXPECT_EQ(order_.refunded_minor, 1250);
  EXPECT_EQ(order_.refund_pending_minor, 0);
  EXPECT_EQ(ApplyRefundResult(order_, 3249, true, "", clock_.Now()).error().type, "refund-not-pending");
  // The refused amount may be asked for again.
  EXPECT_TRUE(RequestRefund(order_, {3249, {}, "retry"}, clock_.Now()).ok());
}

}  // namespace
}  // namespace ordo::domain

namespace ordo::domain {
namespace {

TEST_F(LifecycleTest, ReservationsAreHeldWhileMoneyIsInFlightOrTakenAndGivenBackOnADecline) {
  order_.reservation_expires_at = clock_.Now() + kTtlMs;
  EXPECT_FALSE(HoldReservations(order_, reservations_));  // nothing asked yet: the TTL stands
  AskToPay();
  EXPECT_TRUE(HoldReservations(order_, reservations_));
  for (const auto& r : reservations_) EXPECT_EQ(r.expires_at, kHeldUntil) << r.id;
  EXPECT_FALSE(HoldReservations(order_, reservations_));  // already held
  // Time passes far beyond the TTL: a held order does not expire.
  clock_.Advance(std::chrono::milliseconds(10 * kTtlMs));
  EXPECT_TRUE(ExpireOrder(order_, reservations_, wf_, clock_.Now()).events.empty());
  EXPECT_EQ(Pending(), 2);
}

TEST_F(LifecycleTest, ADeclinedCardGivesTheHoldBackWhenTheOrderMayPayAgain) {
  std::erase(wf_.transitions, std::pair<std::string, std::string>("pending", "failed"));
  order_.reservation_expires_at = clock_.Now() + kTtlMs;
  AskToPay("tok_decline");
  ASSERT_TRUE(HoldReservations(order_, reservations_));
  Answer(PaymentResult::Outcome::kDeclined);
  ASSERT_EQ(order_.status, "pending");
  EXPECT_TRUE(HoldReservations(order_, reservations_));
  for (const auto& r : reservations_) EXPECT_EQ(r.expires_at, order_.reservation_expires_at) << r.id;
}

}  // namespace
}  // namespace ordo::domain
