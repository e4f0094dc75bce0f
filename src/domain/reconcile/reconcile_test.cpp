#include "domain/reconcile/reconcile.h"

#include <gtest/gtest.h>

namespace ordo::domain::reconcile {
namespace {

constexpr Timestamp kNow = 1'000'000;
constexpr Timestamp kSettle = 30'000;
constexpr Timestamp kOld = kNow - 60'000;

OrdoOrder O(std::string id, Stage stage, std::string status, bool pending = false) {
  return {std::move(id), std::move(status), stage, pending, stage != Stage::kNotForWms, kOld};
}
WmsOrder W(std::string id, WmsStatus status) { return {std::move(id), status, "DHL", "JD01", kOld}; }

const Discrepancy* Find(const Report& r, const std::string& id) {
  for (const auto& d : r.discrepancies)
    if (d.order_id == id) return &d;
  return nullptr;
}

TEST(Reconcile, AgreeingViewsHaveNoDiscrepancy) {
  Report r = Reconcile({O("a", Stage::kAtWms, "fulfilling"), O("b", Stage::kShipped, "shipped"),
                        O("c", Stage::kDelivered, "delivered"), O("d", Stage::kNotForWms, "pending"),
                        O("e", Stage::kAwaitingPush, "fulfilling", true)},
                       {W("a", WmsStatus::kPacked), W("b", WmsStatus::kShipped), W("c", WmsStatus::kDelivered)},
                       {{"SO-1", "a", "fulfilling"}, {"SO-2", "b", "accepted"}}, kNow, kSettle);
  EXPECT_TRUE(r.discrepancies.empty()) << KindName(r.discrepancies.front().kind) << " " << r.discrepancies.front().order_id;
  EXPECT_EQ(r.matched, 5);
  EXPECT_EQ(r.ordo_orders, 5);
  EXPECT_EQ(r.wms_orders, 3);
  EXPECT_EQ(r.erp_orders, 2);
}

TEST(Reconcile, AnOrderTheWmsNeverGotIsPushedAgainUnlessAPushIsUnderWay) {
  OrdoOrder by_hand = O("by-hand", Stage::kShipped, "shipped");
  by_hand.pushed = false;  // a shop order a seller shipped: never the warehouse's
  Report r = Reconcile({O("lost", Stage::kAtWms, "fulfilling"), O("dead", Stage::kAwaitingPush, "fulfilling"),
                        O("busy", Stage::kAwaitingPush, "fulfilling", true), O("lost-shipped", Stage::kShipped, "shipped"),
                        by_hand},
                       {}, {}, kNow, kSettle);
  ASSERT_EQ(r.discrepancies.size(), 3u);
  EXPECT_EQ(Find(r, "by-hand"), nullptr);
  EXPECT_EQ(Find(r, "lost")->heal, Heal::kRepush);
  EXPECT_EQ(Find(r, "dead")->kind, Kind::kMissingInWms);
  EXPECT_EQ(Find(r, "dead")->heal, Heal::kRepush);
  EXPECT_EQ(Find(r, "busy"), nullptr);
  EXPECT_EQ(Find(r, "lost-shipped")->heal, Heal::kNone);  // nothing left to push: flagged
}

TEST(Reconcile, AMissedCallbackIsAppliedWithTheWmsTracking) {
  Report r = Reconcile({O("s", Stage::kAtWms, "fulfilling"), O("d", Stage::kAtWms, "fulfilling"),
                        O("d2", Stage::kShipped, "shipped")},
                       {W("s", WmsStatus::kShipped), W("d", WmsStatus::kDelivered), W("d2", WmsStatus::kDelivered)}, {},
                       kNow, kSettle);
  ASSERT_EQ(r.discrepancies.size(), 3u);
  const Discrepancy* s = Find(r, "s");
  EXPECT_EQ(s->kind, Kind::kMissedCallback);
  EXPECT_EQ(s->heal, Heal::kApplyShipped);
  EXPECT_EQ(s->tracking, "JD01");
  EXPECT_EQ(s->ordo_status, "fulfilling");
  EXPECT_EQ(s->other_status, "shipped");
  EXPECT_EQ(Find(r, "d")->heal, Heal::kApplyDelivered);
  EXPECT_EQ(Find(r, "d2")->heal, Heal::kApplyDelivered);
}

TEST(Reconcile, WhatMovesMoneyOrIsOddIsOnlyFlagged) {
  Report r = Reconcile({O("wc", Stage::kAtWms, "fulfilling"), O("oc", Stage::kCancelled, "cancelled"),
                        O("behind", Stage::kDelivered, "delivered"), O("early", Stage::kNotForWms, "paid")},
                       {W("wc", WmsStatus::kCancelled), W("oc", WmsStatus::kPicked), W("behind", WmsStatus::kPacked),
                        W("early", WmsStatus::kAccepted), W("stranger", WmsStatus::kShipped)},
                       {{"SO-9", "", "accepted"}, {"SO-10", "ord_gone", "fulfilling"}}, kNow, kSettle);
  for (const auto& d : r.discrepancies) EXPECT_EQ(d.heal, Heal::kNone) << KindName(d.kind);
  EXPECT_EQ(Find(r, "wc")->kind, Kind::kCancelledInWms);
  EXPECT_EQ(Find(r, "oc")->kind, Kind::kCancelledInOrdo);
  EXPECT_EQ(Find(r, "behind")->kind, Kind::kWmsBehind);
  EXPECT_EQ(Find(r, "early")->kind, Kind::kUnexpectedAtWms);
  EXPECT_EQ(Find(r, "stranger")->kind, Kind::kUnknownToOrdo);
  EXPECT_EQ(Find(r, "SO-9")->kind, Kind::kMissingInOrdo);
  EXPECT_EQ(Find(r, "SO-10")->kind, Kind::kMissingInOrdo);
  EXPECT_EQ(r.discrepancies.size(), 7u);
}

TEST(Reconcile, TheErpStatusIsComparedOnlyWhenItKnowsOne) {
  Report r = Reconcile({O("a", Stage::kShipped, "shipped"), O("b", Stage::kShipped, "shipped")},
                       {W("a", WmsStatus::kShipped), W("b", WmsStatus::kShipped)},
                       {{"SO-1", "a", "delivered"}, {"SO-2", "b", "accepted"}, {"SO-3", "", "rejected"}}, kNow, kSettle);
  ASSERT_EQ(r.discrepancies.size(), 1u);
  EXPECT_EQ(r.discrepancies[0].kind, Kind::kErpStatusMismatch);
  EXPECT_EQ(r.discrepancies[0].order_id, "a");
  EXPECT_EQ(r.discrepancies[0].other_status, "delivered");
}

TEST(Reconcile, RecentChangesOnEitherSideSettleFirst) {
  OrdoOrder fresh = O("fresh", Stage::kAtWms, "fulfilling");
  fresh.updated_at = kNow - 1000;
  WmsOrder moving = W("moving", WmsStatus::kShipped);
  moving.updated_at = kNow - 1000;
  Report r = Reconcile({fresh, O("moving", Stage::kAtWms, "fulfilling")}, {moving, W("fresh", WmsStatus::kDelivered)}, {},
                       kNow, kSettle);
  EXPECT_TRUE(r.discrepancies.empty());
  EXPECT_EQ(r.settling, 2);
  // The same views later: both are missed callbacks.
  EXPECT_EQ(Reconcile({fresh, O("moving", Stage::kAtWms, "fulfilling")}, {moving, W("fresh", WmsStatus::kDelivered)},
                      {}, kNow + kSettle, kSettle)
                .discrepancies.size(),
            2u);
}

TEST(Reconcile, AViewThatCouldNotBeReadIsNotCompared) {
  // Without the WMS's view, an order at the WMS is not "missing" there.
  Report r = Reconcile({O("a", Stage::kAtWms, "fulfilling")}, {}, {{"SO-1", "", "sent"}}, kNow, kSettle,
                       {.wms = false, .erp = true});
  ASSERT_EQ(r.discrepancies.size(), 1u);
  EXPECT_EQ(r.discrepancies[0].kind, Kind::kMissingInOrdo);
  EXPECT_EQ(r.matched, 0);
  r = Reconcile({O("a", Stage::kAtWms, "fulfilling")}, {}, {{"SO-1", "", "sent"}}, kNow, kSettle,
                {.wms = true, .erp = false});
  ASSERT_EQ(r.discrepancies.size(), 1u);
  EXPECT_EQ(r.discrepancies[0].kind, Kind::kMissingInWms);
}

TEST(Reconcile, TheStageComesFromTheStatusEffectAndTheSyncState) {
  const Workflow wf = DefaultWorkflow();
  Order o;
  o.id = "o1";
  o.version = 7;
  o.updated_at = 123;
  auto stage = [&](const std::string& status, const std::string& sync) {
    o.status = status;
    o.wms.state = sync;
    return ViewOf(o, wf);
  };
  EXPECT_EQ(stage("paid", wms_state::kNone).stage, Stage::kNotForWms);
  EXPECT_FALSE(stage("paid", wms_state::kNone).pushed);
  OrdoOrder queued = stage("fulfilling", wms_state::kQueued);
  EXPECT_EQ(queued.stage, Stage::kAwaitingPush);
  EXPECT_TRUE(queued.push_pending);
  EXPECT_TRUE(queued.pushed);
  EXPECT_EQ(queued.version, 7);
  EXPECT_EQ(queued.updated_at, 123);
  EXPECT_TRUE(stage("fulfilling", wms_state::kRetrying).push_pending);
  OrdoOrder dead = stage("fulfilling", wms_state::kFailed);
  EXPECT_EQ(dead.stage, Stage::kAwaitingPush);
  EXPECT_FALSE(dead.push_pending);
  EXPECT_EQ(stage("fulfilling", wms_state::kAcknowledged).stage, Stage::kAtWms);
  EXPECT_EQ(stage("shipped", wms_state::kAcknowledged).stage, Stage::kShipped);
  EXPECT_EQ(stage("delivered", wms_state::kAcknowledged).stage, Stage::kDelivered);
  EXPECT_EQ(stage("cancelled", wms_state::kAcknowledged).stage, Stage::kCancelled);
  EXPECT_EQ(stage("failed", wms_state::kNone).stage, Stage::kNotForWms);
}

TEST(Reconcile, ADiscrepancyGoesOnTheOrderTimeline) {
  Order o;
  o.id = "o1";
  o.status = "fulfilling";
  Discrepancy d{Kind::kMissedCallback, "o1", "fulfilling", "delivered", Heal::kApplyDelivered, "DHL", "JD1"};
  Change c = RecordDiscrepancy(o, d, "rec_1", 5000);
  ASSERT_EQ(c.events.size(), 1u);
  const Event& e = c.events[0];
  EXPECT_EQ(e.type, "reconciliation.discrepancy_detected");
  EXPECT_EQ(e.order_id, "o1");
  auto text = [&](const char* key) {
    for (const auto& [k, v] : e.data)
      if (k == key) return std::get<std::string>(v);
    return std::string("<missing>");
  };
  EXPECT_EQ(text("run_id"), "rec_1");
  EXPECT_EQ(text("kind"), "missed-callback");
  EXPECT_EQ(text("other_status"), "delivered");
  EXPECT_EQ(text("action"), "apply-delivered");
  EXPECT_EQ(o.version, 2);
  EXPECT_EQ(o.updated_at, 5000);
}

TEST(Reconcile, WmsStatusNamesRoundTrip) {
  for (WmsStatus s : {WmsStatus::kAccepted, WmsStatus::kPicked, WmsStatus::kPacked, WmsStatus::kShipped,
                      WmsStatus::kDelivered, WmsStatus::kCancelled}) {
    WmsStatus back;
    ASSERT_TRUE(ParseWmsStatus(WmsStatusName(s), &back));
    EXPECT_EQ(back, s);
  }
  WmsStatus x;
  EXPECT_FALSE(ParseWmsStatus("lost", &x));
}

}  // namespace
}  // namespace ordo::domain::reconcile
