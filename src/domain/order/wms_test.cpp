#include "domain/order/wms.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "base/clock.h"
#include "domain/order/lifecycle.h"
#include "domain/order/test_changes.h"

namespace ordo::domain {
namespace {

using test::FindEvent;
using test::Types;

constexpr std::int64_t kTtlMs = 30 * 60 * 1000;

bool Has(const Change& c, const std::string& type) { return FindEvent(c, type) != nullptr; }

// An ERP's order for 2 mugs from berlin, placed and accepted (paid at the ERP, on to fulfilling).
class ErpWmsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    products_["MUG"] = {"MUG", "Mug", {1250, "EUR"}, "", "{}", 0};
    OrderRequest request;
    request.external_id = "SO-1";
    request.channel = "shop";
    request.currency = "EUR";
    request.lines = {{"MUG", 2}};
    request.shipping_address = {"Ada", "Street 1", "", "Berlin", "", "10117", "DE", {}, {}, "+4930123"};
    PlaceContext ctx;
    ctx.products = &products_;
    ctx.candidates = {{"berlin", {52.5, 13.4}, {{"MUG", 10}}}};
    ctx.ship_to = {52.5, 13.4};
    ctx.now = clock_.Now();
    ctx.reservation_ttl_ms = kTtlMs;
    ctx.next_reservation_id = [n = 0]() mutable { return "res_" + std::to_string(++n); };
    auto placed = PlaceOrder(request, "ord_1", ctx);
    ASSERT_TRUE(placed.ok()) << placed.error().message;
    placed_ = std::move(*placed);
  }

  void Accept() {
    ASSERT_TRUE(AcceptFromErp(placed_, wf_, {"org-1"}, clock_.Now(), "key:erp").ok());
    HoldReservations(placed_.order, placed_.reservations);
  }

  // The order acknowledged by the WMS as wms_1.
  void Acknowledged() {
    Accept();
    ApplyWmsPushResult(order(), {WmsPushResult::Outcome::kAcknowledged, 1, 201, false, "wms_1", "berlin", "", 0, 0},
                       clock_.Now());
  }

  WmsCallbackOutcome Callback(const std::string& status, const std::string& wms_order_id = "wms_1") {
    WmsCallback cb{"evt-" + status, wms_order_id, status, "", "", "2026-01-01T00:00:00Z"};
    if (status == "shipped" || status == "delivered") cb.carrier = "DHL", cb.tracking = "JD0001";
    auto r = ApplyWmsCallback(order(), reservations(), wf_, cb, clock_.Now(), "key:wms");
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? std::move(*r) : WmsCallbackOutcome{};
  }

  Order& order() { return placed_.order; }
  std::vector<Reservation>& reservations() { return placed_.reservations; }

  FakeClock clock_;
  Workflow wf_ = DefaultWorkflow();
  std::map<std::string, Product> products_;
  Placement placed_;
};

TEST_F(ErpWmsTest, AnErpOrderArrivesPaidElsewhereAndMovesOnToFulfilmentQueueingThePush) {
  Accept();
  EXPECT_EQ(order().status, "fulfilling");
  EXPECT_EQ(order().payment_status, "external");
  EXPECT_EQ(order().organization_id, "org-1");
  EXPECT_EQ(order().wms.state, "queued");
  std::vector<std::string> want = {"order.received_from_erp", "order.validated", "order.created",
                                   "reservation.created",     "payment.external", "order.status_changed",
                                   "order.paid",              "order.status_changed", "wms.queued"};
  EXPECT_EQ(Types(placed_.change), want);
  ASSERT_EQ(placed_.change.jobs.size(), 1u);
  EXPECT_EQ(placed_.change.jobs[0].kind, "wms.push");
  EXPECT_EQ(placed_.change.jobs[0].step, "wms.push-fulfilling-2");
  EXPECT_EQ(placed_.change.deltas.size(), 1u);  // the reservation, nothing more
  // Paid orders hold their stock until shipped; no gateway is ever asked for this money.
  EXPECT_EQ(reservations()[0].expires_at, kHeldUntil);
  EXPECT_EQ(ExpireOrder(order(), reservations(), wf_, clock_.Now() + 2 * kTtlMs).events.size(), 0u);
  auto pay = RequestPayment(order(), wf_, {std::nullopt, "tok_visa"}, clock_.Now());
  ASSERT_FALSE(pay.ok());
  EXPECT_EQ(pay.error().type, "already-paid");
  auto refund = RequestRefund(order(), {std::nullopt, {}, ""}, clock_.Now());
  ASSERT_FALSE(refund.ok());
  EXPECT_EQ(refund.error().type, "refund-exceeds-captured");
}

TEST_F(ErpWmsTest, AWorkflowWithoutAPushStatusLeavesTheErpOrderPaid) {
  for (auto& s : wf_.statuses) s.actions.clear();
  Accept();
  EXPECT_EQ(order().status, "paid");
  EXPECT_EQ(order().wms.state, "none");
  EXPECT_TRUE(placed_.change.jobs.empty());
}

TEST_F(ErpWmsTest, PushOutcomesMoveTheSyncStateAndNameEveryAttempt) {
  Accept();
  using O = WmsPushResult::Outcome;
  Change first = ApplyWmsPushResult(order(), {O::kRetrying, 1, 503, false, "", "berlin", "the WMS answered 503", 0, 5},
                                    clock_.Now());
  EXPECT_EQ(Types(first), (std::vector<std::string>{"wms.sent", "wms.push_failed"}));
  EXPECT_EQ(order().wms.state, "retrying");
  Change dead = ApplyWmsPushResult(order(), {O::kFailed, 4, 503, false, "", "berlin", "the WMS answered 503", 0, 0},
                                   clock_.Now());
  EXPECT_EQ(Types(dead), (std::vector<std::string>{"wms.sent", "wms.push_failed", "wms.sync_failed"}));
  EXPECT_EQ(order().wms.state, "failed");
  Change requeued = RequeueWmsPush(order(), "wms.push-fulfilling-2", clock_.Now());
  EXPECT_EQ(Types(requeued), (std::vector<std::string>{"wms.queued"}));
  EXPECT_EQ(order().wms.state, "queued");
  std::int64_t version = order().version;
  Change healed = ApplyWmsPushResult(order(), {O::kAcknowledged, 5, 201, false, "wms_7", "berlin", "", 0, 0},
                                     clock_.Now());
  EXPECT_EQ(Types(healed), (std::vector<std::string>{"wms.sent", "wms.acknowledged", "wms.retry_succeeded"}));
  EXPECT_EQ(order().wms.state, "acknowledged");
  EXPECT_EQ(order().wms.order_id, "wms_7");
  EXPECT_EQ(order().version, version + 1);
  EXPECT_EQ(order().status, "fulfilling");  // the sync state is apart from the workflow status
}

TEST_F(ErpWmsTest, ReconciliationPushesAnOrderTheWmsLostAgainUnderANewStep) {
  Acknowledged();
  std::int64_t version = order().version;
  Change again = RepushToWms(order(), "wms.push-reconcile-rec_1", "rec_1", clock_.Now());
  EXPECT_EQ(Types(again), (std::vector<std::string>{"wms.queued"}));
  ASSERT_EQ(again.jobs.size(), 1u);
  EXPECT_EQ(again.jobs[0].kind, "wms.push");
  EXPECT_EQ(again.jobs[0].order_id, order().id);
  EXPECT_EQ(again.jobs[0].step, "wms.push-reconcile-rec_1");
  EXPECT_EQ(order().wms.state, "queued");
  EXPECT_EQ(order().version, version + 1);
  EXPECT_EQ(order().status, "fulfilling");
}

TEST_F(ErpWmsTest, CallbacksRunTheOrderToDeliveredAndCommitItsStockOnShipping) {
  Acknowledged();
  auto picked = Callback("picked");
  EXPECT_TRUE(picked.applied);
  EXPECT_EQ(Types(picked.change), (std::vector<std::string>{"wms.status_updated"}));
  EXPECT_TRUE(Callback("packed").applied);
  EXPECT_EQ(order().status, "fulfilling");
  auto shipped = Callback("shipped");
  EXPECT_TRUE(shipped.applied);
  EXPECT_EQ(order().status, "shipped");
  EXPECT_EQ(order().carrier, "DHL");
  EXPECT_EQ(order().tracking, "JD0001");
  EXPECT_EQ(reservations()[0].state, ReservationState::kCommitted);
  ASSERT_EQ(shipped.change.deltas.size(), 1u);
  EXPECT_EQ(shipped.change.deltas[0].on_hand, -2);
  EXPECT_EQ(shipped.change.deltas[0].reserved, -2);
  EXPECT_TRUE(Callback("delivered").applied);
  EXPECT_EQ(order().status, "delivered");
  EXPECT_EQ(order().wms.status, "delivered");
}

TEST_F(ErpWmsTest, StaleAndIllegalCallbacksAreRecordedButNotApplied) {
  Acknowledged();
  ASSERT_TRUE(Callback("shipped").applied);
  std::int64_t version = order().version;
  auto late = Callback("packed");  // held back by the WMS: it arrives after shipped
  EXPECT_FALSE(late.applied);
  EXPECT_EQ(late.reason, "out of order: packed after shipped");
  EXPECT_EQ(Types(late.change), (std::vector<std::string>{"wms.callback_ignored"}));
  EXPECT_EQ(order().version, version + 1);  // the record is a change of the order's timeline
  EXPECT_FALSE(Callback("shipped").applied);  // the same step again
  auto cancelled = Callback("cancelled");
  EXPECT_FALSE(cancelled.applied);
  EXPECT_EQ(cancelled.reason, "cancelled after shipped");
  EXPECT_FALSE(Callback("delivered", "wms_other").applied);  // another WMS order's
  EXPECT_EQ(order().status, "shipped");
  EXPECT_EQ(order().wms.status, "shipped");
}

TEST_F(ErpWmsTest, DeliveredBeforeShippedShipsFirst) {
  Acknowledged();
  auto delivered = Callback("delivered");
  EXPECT_TRUE(delivered.applied);
  EXPECT_EQ(order().status, "delivered");
  EXPECT_EQ(reservations()[0].state, ReservationState::kCommitted);
  EXPECT_TRUE(Has(delivered.change, "order.shipped"));
  EXPECT_TRUE(Has(delivered.change, "order.delivered"));
  EXPECT_FALSE(Callback("shipped").applied);  // the late one
}

TEST_F(ErpWmsTest, ACancellationAppliesOnlyWhereTheWorkflowAllowsIt) {
  Acknowledged();
  auto refused = Callback("cancelled");  // the default workflow has no fulfilling → cancelled
  EXPECT_FALSE(refused.applied);
  EXPECT_NE(refused.reason.find("cannot move from fulfilling to cancelled"), std::string::npos) << refused.reason;
  EXPECT_EQ(order().status, "fulfilling");
  EXPECT_EQ(order().wms.status, "");
  EXPECT_EQ(reservations()[0].state, ReservationState::kPending);

  wf_.transitions.emplace_back("fulfilling", "cancelled");
  placed_.change = {};
  auto cancelled = ApplyWmsCallback(order(), reservations(), wf_, {"evt-2", "wms_1", "cancelled", "", "", ""},
                                    clock_.Now(), "key:wms");
  ASSERT_TRUE(cancelled.ok());
  EXPECT_TRUE(cancelled->applied);
  EXPECT_EQ(order().status, "cancelled");
  EXPECT_EQ(order().cancel_reason, "cancelled by the WMS");
  EXPECT_EQ(reservations()[0].state, ReservationState::kReleased);
  EXPECT_TRUE(cancelled->change.jobs.empty());  // paid at the ERP: nothing to refund here
  EXPECT_FALSE(Callback("picked").applied);     // after a cancellation
}

TEST_F(ErpWmsTest, ACallbackForAnOrderNeverPushedOrWithBadFieldsIsNotApplied) {
  Order& o = order();  // placed, never accepted: no push
  auto never = Callback("picked");
  EXPECT_FALSE(never.applied);
  EXPECT_EQ(never.reason, "the order was never sent to the WMS");
  auto unknown = ApplyWmsCallback(o, reservations(), wf_, {"e", "wms_1", "teleported", "", "", ""}, 0, "");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().pointer, "/status");
  auto carrier = ApplyWmsCallback(o, reservations(), wf_, {"e", "wms_1", "shipped", std::string(65, 'x'), "", ""}, 0, "");
  ASSERT_FALSE(carrier.ok());
  EXPECT_EQ(carrier.error().pointer, "/carrier");
}

}  // namespace
}  // namespace ordo::domain
