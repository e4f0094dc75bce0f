#include "domain/order/wms.h"

#include <algorithm>
#include <utility>

#include "base/text.h"
#include "domain/order/lifecycle_internal.h"

namespace ordo::domain {
namespace {

using namespace detail;

constexpr const char* kWmsActor = "wms";

// The place of a status in the WMS's sequence; cancelled ranks with nothing.
int Rank(std::string_view status) {
  if (status == "picked") return 1;
  if (status == "packed") return 2;
  if (status == "shipped") return 3;
  if (status == "delivered") return 4;
  return 0;
}

// The goods have left: shipping committed the order's stock.
bool Shipped(const std::vector<Reservation>& reservations) {
  return std::any_of(reservations.begin(), reservations.end(),
                     [](const Reservation& r) { return r.state == ReservationState::kCommitted; });
}

}  // namespace

bool IsWmsStatus(std::string_view status) {
  return std::find(std::begin(kWmsStatuses), std::end(kWmsStatuses), status) != std::end(kWmsStatuses);
}

Change ApplyWmsPushResult(Order& o, const WmsPushResult& r, Timestamp now) {
  using Outcome = WmsPushResult::Outcome;
  Change change;
  Event sent = OrderEvent(o, "wms.sent");
  sent.With("attempt", r.attempt).With("warehouse", r.warehouse).With("sent_at", FormatTimestamp(r.sent_at));
  change.events.push_back(std::move(sent));
  if (r.outcome == Outcome::kAcknowledged) {
    o.wms.state = wms_state::kAcknowledged;
    o.wms.order_id = r.wms_order_id;
    Event ack = OrderEvent(o, "wms.acknowledged");
    ack.With("wms_order_id", r.wms_order_id).With("warehouse", r.warehouse)
        .With("http_status", std::int64_t{r.http_status});
    change.events.push_back(std::move(ack));
    if (r.attempt > 1) {
      Event healed = OrderEvent(o, "wms.retry_succeeded");
      healed.With("attempts", r.attempt);
      change.events.push_back(std::move(healed));
    }
    return Finish(o, std::move(change), now);
  }
  bool dead = r.outcome == Outcome::kFailed;
  o.wms.state = dead ? wms_state::kFailed : wms_state::kRetrying;
  Event failed = OrderEvent(o, "wms.push_failed");
  failed.With("attempt", r.attempt).With("error", r.error).With("http_status", std::int64_t{r.http_status});
  if (dead) failed.With("permanent", r.permanent);
  else failed.With("retry_at", FormatTimestamp(r.retry_at));
  change.events.push_back(std::move(failed));
  if (dead) {
    Event gave_up = OrderEvent(o, "wms.sync_failed");
    gave_up.With("attempts", r.attempt).With("error", r.error);
    change.events.push_back(std::move(gave_up));
  }
  return Finish(o, std::move(change), now);
}

Change RequeueWmsPush(Order& o, const std::string& step, Timestamp now, const std::string& run_id) {
  o.wms.state = wms_state::kQueued;
  Change change;
  Event queued = OrderEvent(o, "wms.queued");
  queued.With("step", step);
  if (run_id.empty()) queued.With("manual", true);
  else queued.With("reconciliation", run_id);
  change.events.push_back(std::move(queued));
  return Finish(o, std::move(change), now);
}

Change RepushToWms(Order& o, const std::string& step, const std::string& run_id, Timestamp now) {
  o.wms.state = wms_state::kQueued;
  Change change;
  change.jobs.push_back({action::kWmsPush, o.id, step, {{"status", o.status}, {"from", o.status}}});
  Event queued = OrderEvent(o, "wms.queued");
  queued.With("step", step).With("status", o.status).With("reconciliation", run_id);
  change.events.push_back(std::move(queued));
  return Finish(o, std::move(change), now);
}

Result<WmsCallbackOutcome> ApplyWmsCallback(Order& o, std::vector<Reservation>& reservations, const Workflow& wf,
                                            const WmsCallback& cb, Timestamp now, const std::string& actor) {
  if (!IsWmsStatus(cb.status))
    return Error::Invalid("/status", "status must be picked, packed, shipped, delivered or cancelled");
  if (!IsCleanText(cb.carrier, 64)) return Error::Invalid("/carrier", "carrier is at most 64 characters of printable text");
  if (!IsCleanText(cb.tracking, 128))
    return Error::Invalid("/tracking", "tracking is at most 128 characters of printable text");

  auto ignore = [&](std::string reason) {
    Change change;
    Event e = OrderEvent(o, "wms.callback_ignored");
    e.With("status", cb.status).With("event_id", cb.event_id).With("wms_order_id", cb.wms_order_id)
        .With("reason", reason);
    change.events.push_back(std::move(e));
    return WmsCallbackOutcome{Finish(o, std::move(change), now), false, std::move(reason)};
  };
  const std::string& last = o.wms.status;
  if (o.wms.state == wms_state::kNone) return ignore("the order was never sent to the WMS");
  if (!o.wms.order_id.empty() && cb.wms_order_id != o.wms.order_id)
    return ignore("WMS order " + cb.wms_order_id + " is not this order's (" + o.wms.order_id + ")");
  if (last == "cancelled") return ignore("the WMS cancelled this order before");
  if (cb.status == "cancelled" && Rank(last) >= Rank("shipped")) return ignore("cancelled after " + last);
  if (cb.status != "cancelled" && Rank(cb.status) <= Rank(last))
    return ignore("out of order: " + cb.status + " after " + last);

  // All or nothing: a move the workflow refuses leaves the order as it was.
  Order before = o;
  std::vector<Reservation> reservations_before = reservations;
  const std::string& by = actor.empty() ? std::string(kWmsActor) : actor;
  Change change;
  Event updated = OrderEvent(o, "wms.status_updated");
  updated.With("status", cb.status).With("event_id", cb.event_id).With("wms_order_id", cb.wms_order_id)
      .With("occurred_at", cb.occurred_at);
  if (!cb.carrier.empty()) updated.With("carrier", cb.carrier);
  if (!cb.tracking.empty()) updated.With("tracking", cb.tracking);
  change.events.push_back(std::move(updated));
  Status moved = Ok();
  if ((cb.status == "shipped" || cb.status == "delivered") && !Shipped(reservations)) {
    moved = Move(o, reservations, wf, status::kShipped, now, by,
                 {{"carrier", cb.carrier}, {"tracking", cb.tracking}}, change);
    if (moved) {
      o.carrier = cb.carrier;
      o.tracking = cb.tracking;
    }
  }
  if (moved && cb.status == "delivered")
    moved = Move(o, reservations, wf, status::kDelivered, now, by, {}, change);
  if (moved && cb.status == "cancelled")
    moved = Move(o, reservations, wf, status::kCancelled, now, by,
                 {{"reason", std::string("cancelled by the WMS")}}, change);
  if (!moved) {
    o = std::move(before);
    reservations = std::move(reservations_before);
    return ignore(moved.error().message);
  }
  if (cb.status == "cancelled" && before.status != status::kCancelled) o.cancel_reason = "cancelled by the WMS";
  o.wms.status = cb.status;
  if (o.wms.order_id.empty()) o.wms.order_id = cb.wms_order_id;
  return WmsCallbackOutcome{Finish(o, std::move(change), now), true, ""};
}

}  // namespace ordo::domain
