#include "domain/order/lifecycle.h"

#include <algorithm>
#include <set>
#include <utility>

#include "base/money.h"
#include "base/text.h"
#include "domain/order/lifecycle_internal.h"

namespace ordo::domain {
namespace detail {

std::string Amount(const Order& o, std::int64_t minor) { return FormatDecimal(minor, CurrencyExponent(o.currency)); }

std::string NextVersion(const Order& o) { return std::to_string(o.version + 1); }

Event OrderEvent(const Order& o, std::string type) { return Event{std::move(type), o.id, {}}; }

Error InvalidTransition(const Order& o, const std::string& to) {
  return Error::Precondition("invalid-transition", "order " + o.id + " cannot move from " + o.status + " to " + to);
}

}  // namespace detail

namespace {
using namespace detail;

constexpr std::size_t kMaxReasonLength = 500;
constexpr const char* kPaymentActor = "payment";
constexpr const char* kTimerActor = "system";

// Money has been taken (some of it may have been given back since).
bool Captured(const Order& o) {
  return o.payment_status == payment_status::kCaptured || o.payment_status == payment_status::kPartiallyRefunded ||
         o.payment_status == payment_status::kRefunded;
}

// The order is paid for: through the gateway, or elsewhere (an ERP's order).
bool PaidFor(const Order& o) { return Captured(o) || o.payment_status == payment_status::kExternal; }

std::int64_t Refundable(const Order& o) { return o.captured_minor - o.refunded_minor - o.refund_pending_minor; }

// The order is in a status that ended it without shipping.
bool EndedUnshipped(const Workflow& wf, const std::string& status) {
  const StatusDef* s = wf.Find(status);
  return s != nullptr && (s->effect == Effect::kCancel || s->effect == Effect::kFail || s->effect == Effect::kExpire);
}

const char* EffectEvent(Effect e) {
  switch (e) {
    case Effect::kNone: return nullptr;
    case Effect::kConfirm: return "order.confirmed";
    case Effect::kPay: return "order.paid";
    case Effect::kShip: return "order.shipped";
    case Effect::kDeliver: return "order.delivered";
    case Effect::kCancel: return "order.cancelled";
    case Effect::kFail: return "order.failed";
    case Effect::kExpire: return "order.expired";
  }
  return nullptr;
}

Error PreconditionAt(std::string pointer, std::string type, std::string message) {
  Error e = Error::Precondition(std::move(type), std::move(message));
  e.pointer = std::move(pointer);
  return e;
}

void QueueRefund(Order& o, std::int64_t amount, const std::string& reason, const std::string& lines, Change& change) {
  std::string step = "refund-" + NextVersion(o);
  o.refund_pending_minor += amount;
  change.jobs.push_back({"payment.refund", o.id, step,
                         {{"amount_minor", amount}, {"currency", o.currency}, {"payment_id", o.payment_id}}});
  Event e = OrderEvent(o, "refund.requested");
  e.With("amount", Amount(o, amount)).With("currency", o.currency).With("step", step).With("reason", reason);
  if (!lines.empty()) e.With("lines", lines);
  change.events.push_back(std::move(e));
}

void QueueVoid(const Order& o, const std::string& reason, Change& change) {
  change.jobs.push_back(
      {"payment.void", o.id, "void", {{"amount_minor", o.authorized_minor}, {"payment_id", o.payment_id}}});
  Event e = OrderEvent(o, "payment.void_requested");
  e.With("amount", Amount(o, o.authorized_minor)).With("reason", reason);
  change.events.push_back(std::move(e));
}

// Gives back the money of an order that ends without shipping. A payment
// still in flight is compensated when its result arrives.
void Compensate(Order& o, const std::string& reason, Change& change) {
  if (Captured(o) && Refundable(o) > 0) QueueRefund(o, Refundable(o), reason, "", change);
  if (o.payment_status == payment_status::kAuthorized) QueueVoid(o, reason, change);
}

Status ResolvePending(std::vector<Reservation>& reservations, ReservationState to, Timestamp now, Change& change) {
  for (Reservation& r : reservations) {
    if (r.state != ReservationState::kPending) continue;
    auto resolution = Resolve(r, to, now);
    if (!resolution) return resolution.take_error();
    change.deltas.push_back(resolution->delta);
    change.events.push_back(std::move(resolution->event));
  }
  return Ok();
}

}  // namespace

namespace detail {

Status Move(Order& o, std::vector<Reservation>& reservations, const Workflow& wf, const std::string& to,
            Timestamp now, const std::string& actor, EventData detail, Change& change) {
  if (o.status == to) return Ok();
  const StatusDef* target = wf.Find(to);
  if (target == nullptr || !wf.Allows(o.status, to)) return InvalidTransition(o, to);
  if (target->effect == Effect::kPay && !PaidFor(o))
    return Error::Precondition("payment-not-captured",
                               "order " + o.id + " enters " + to + " only once its payment is captured");
  if (target->effect == Effect::kShip &&
      std::none_of(reservations.begin(), reservations.end(),
                   [](const Reservation& r) { return r.state == ReservationState::kPending; }))
    return Error::Precondition("nothing-to-ship", "order " + o.id + " has no reserved stock left to commit");

  std::string from = std::exchange(o.status, to);
  Event moved = OrderEvent(o, "order.status_changed");
  moved.With("from", from).With("to", to).With("actor", actor);
  change.events.push_back(std::move(moved));
  if (const char* type = EffectEvent(target->effect)) {
    Event e = OrderEvent(o, type);
    e.With("from", from);
    for (auto& [key, value] : detail) e.With(std::move(key), std::move(value));
    change.events.push_back(std::move(e));
  }
  Status resolved = Ok();
  switch (target->effect) {
    case Effect::kShip: resolved = ResolvePending(reservations, ReservationState::kCommitted, now, change); break;
    case Effect::kCancel:
    case Effect::kFail: resolved = ResolvePending(reservations, ReservationState::kReleased, now, change); break;
    case Effect::kExpire: resolved = ResolvePending(reservations, ReservationState::kExpired, now, change); break;
    case Effect::kNone:
    case Effect::kConfirm:
    case Effect::kPay:
    case Effect::kDeliver: break;
  }
  if (!resolved) return resolved;
  if (EndedUnshipped(wf, to)) Compensate(o, "order " + to, change);
  for (const std::string& a : target->actions) {
    std::string step = a + "-" + to + "-" + NextVersion(o);
    change.jobs.push_back({a, o.id, step, {{"status", to}, {"from", from}}});
    if (a == action::kWmsPush) {  // the order is handed to the warehouse system
      o.wms.state = wms_state::kQueued;
      Event queued = OrderEvent(o, "wms.queued");
      queued.With("step", step).With("status", to);
      change.events.push_back(std::move(queued));
    }
  }
  return Ok();
}

Change Finish(Order& o, Change change, Timestamp now) {
  if (!change.events.empty()) {
    o.updated_at = now;
    ++o.version;
  }
  return change;
}

}  // namespace detail

namespace {

// Records money the gateway took (captured) or holds (authorized), with the
// event payment.<state>.
void RecordMoney(Order& o, const char* state, std::int64_t& amount_minor, const PaymentResult& r, Change& change) {
  o.payment_status = state;
  amount_minor = r.amount_minor;
  if (!r.payment_id.empty()) o.payment_id = r.payment_id;
  Event e = OrderEvent(o, std::string("payment.") + state);
  e.With("amount", Amount(o, r.amount_minor)).With("payment_id", o.payment_id);
  change.events.push_back(std::move(e));
}

Result<Change> MoveAndFinish(Order& o, std::vector<Reservation>& reservations, const Workflow& wf,
                             const std::string& to, Timestamp now, const std::string& actor, EventData detail = {}) {
  Change change;
  if (auto s = Move(o, reservations, wf, to, now, actor, std::move(detail), change); !s) return s.take_error();
  return Finish(o, std::move(change), now);
}

}  // namespace

const char* ToString(PaymentResult::Outcome outcome) {
  switch (outcome) {
    case PaymentResult::Outcome::kAuthorized: return "authorized";
    case PaymentResult::Outcome::kCaptured: return "captured";
    case PaymentResult::Outcome::kDeclined: return "declined";
    case PaymentResult::Outcome::kFailed: return "failed";
  }
  return "failed";
}

Result<Change> TransitionTo(Order& o, std::vector<Reservation>& reservations, const Workflow& wf,
                            const std::string& to, Timestamp now, const std::string& actor) {
  const StatusDef* target = wf.Find(to);
  if (target == nullptr) return Error::Invalid("/status", "the workflow has no status " + to);
  if (!SettableByPatch(*target))
    return Error::Precondition("status-not-settable", to + " (effect " + ToString(target->effect) +
                                                          ") is reached through its own path, not set directly");
  return MoveAndFinish(o, reservations, wf, to, now, actor);
}

Result<Change> Confirm(Order& o, const Workflow& wf, Timestamp now, const std::string& actor) {
  std::vector<Reservation> untouched;  // confirming moves no stock
  return MoveAndFinish(o, untouched, wf, status::kConfirmed, now, actor);
}

Result<Change> Deliver(Order& o, const Workflow& wf, Timestamp now, const std::string& actor) {
  std::vector<Reservation> untouched;  // delivering moves no stock
  return MoveAndFinish(o, untouched, wf, status::kDelivered, now, actor);
}

Result<Change> Ship(Order& o, std::vector<Reservation>& reservations, const Workflow& wf, const std::string& carrier,
                    const std::string& tracking, Timestamp now, const std::string& actor) {
  if (!IsCleanText(carrier, 64))
    return Error::Invalid("/carrier", "carrier is at most 64 characters of printable text");
  if (!IsCleanText(tracking, 128))
    return Error::Invalid("/tracking", "tracking is at most 128 characters of printable text");
  bool moves = o.status != status::kShipped;
  auto change = MoveAndFinish(o, reservations, wf, status::kShipped, now, actor,
                              {{"carrier", carrier}, {"tracking", tracking}});
  if (change && moves) {
    o.carrier = carrier;
    o.tracking = tracking;
  }
  return change;
}

Result<Change> Cancel(Order& o, std::vector<Reservation>& reservations, const Workflow& wf, const std::string& reason,
                      Timestamp now, const std::string& actor) {
  if (!IsCleanText(reason, kMaxReasonLength))
    return Error::Invalid("/reason", "reason is at most 500 characters of printable text");
  bool moves = o.status != status::kCancelled;
  auto change = MoveAndFinish(o, reservations, wf, status::kCancelled, now, actor, {{"reason", reason}});
  if (change && moves) o.cancel_reason = reason;
  return change;
}

Change ExpireOrder(Order& o, std::vector<Reservation>& reservations, const Workflow& wf, Timestamp now) {
  Change change;
  const StatusDef* current = wf.Find(o.status);
  bool expirable = current != nullptr && wf.Allows(o.status, status::kExpired);
  bool strays = current == nullptr || EndedUnshipped(wf, o.status);
  if (o.payment_status == payment_status::kPending || PaidFor(o) || (!expirable && !strays)) return change;
  bool any_pending = false;
  for (Reservation& r : reservations) {
    if (r.state != ReservationState::kPending) continue;
    if (r.expires_at > now) {
      any_pending = true;
      continue;
    }
    auto resolution = Resolve(r, ReservationState::kExpired, now);
    if (!resolution) continue;  // cannot happen: r is pending
    change.deltas.push_back(resolution->delta);
    change.events.push_back(std::move(resolution->event));
  }
  if (expirable && !any_pending && !change.events.empty()) {
    // Cannot fail: the edge is allowed and expiring checks nothing more.
    (void)Move(o, reservations, wf, status::kExpired, now, kTimerActor, {}, change);
  }
  return Finish(o, std::move(change), now);
}

Result<Change> RequestPayment(Order& o, const Workflow& wf, const PaymentRequest& request, Timestamp now) {
  if (request.amount_minor && *request.amount_minor != o.total_minor)
    return Error::Invalid("/amount", "amount must be the order total " + Amount(o, o.total_minor) +
                                         "; partial payments are not supported");
  if (!IsCleanText(request.token, 256))
    return Error::Invalid("/token", "token is at most 256 characters of printable text");
  if (o.payment_status == payment_status::kPending || o.payment_status == payment_status::kAuthorized)
    return Error::Precondition("payment-in-progress", "order " + o.id + " has a payment " + o.payment_status);
  if (PaidFor(o)) return Error::Precondition("already-paid", "order " + o.id + " is paid");
  if (!wf.Allows(o.status, status::kPaid)) return InvalidTransition(o, status::kPaid);

  std::string step = o.payment_status == payment_status::kNone ? "charge" : "charge-" + NextVersion(o);
  o.payment_status = payment_status::kPending;
  Change change;
  change.jobs.push_back({"payment.charge", o.id, step,
                         {{"amount_minor", o.total_minor}, {"currency", o.currency}, {"token", request.token}}});
  Event e = OrderEvent(o, "payment.requested");
  e.With("amount", Amount(o, o.total_minor)).With("currency", o.currency).With("step", step);
  change.events.push_back(std::move(e));
  return Finish(o, std::move(change), now);
}

Result<Change> ApplyPaymentResult(Order& o, std::vector<Reservation>& reservations, const Workflow& wf,
                                  const PaymentResult& r, Timestamp now) {
  using Outcome = PaymentResult::Outcome;
  if (o.payment_status == payment_status::kNone)
    return Error::Precondition("no-payment-requested", "order " + o.id + " has no payment to apply a result to");
  if ((r.outcome == Outcome::kCaptured || r.outcome == Outcome::kAuthorized) && r.amount_minor <= 0)
    return Error::Invalid("/amount", "an authorised or captured amount is positive");
  bool in_flight = o.payment_status == payment_status::kPending;
  bool ended = EndedUnshipped(wf, o.status);
  std::string why = "order " + o.status;
  Change change;
  switch (r.outcome) {
    case Outcome::kCaptured: {
      if (Captured(o)) break;  // the same capture reported again
      // Whatever was recorded before (pending, authorised, even declined),
      // the money is taken now and must be accounted for.
      RecordMoney(o, payment_status::kCaptured, o.captured_minor, r, change);
      if (wf.Allows(o.status, status::kPaid)) {
        auto moved = Move(o, reservations, wf, status::kPaid, now, kPaymentActor,
                          {{"amount", Amount(o, r.amount_minor)}}, change);
        if (!moved) return moved.take_error();
      } else if (ended) {
        Compensate(o, why, change);
      }
      break;
    }
    case Outcome::kAuthorized: {
      if (!in_flight) break;
      RecordMoney(o, payment_status::kAuthorized, o.authorized_minor, r, change);
      if (ended) QueueVoid(o, why, change);
      break;
    }
    case Outcome::kDeclined:
    case Outcome::kFailed: {
      if (!in_flight) break;  // late or repeated: what is recorded stands
      bool declined = r.outcome == Outcome::kDeclined;
      o.payment_status = declined ? payment_status::kDeclined : payment_status::kFailed;
      Event e = OrderEvent(o, declined ? "payment.declined" : "payment.failed");
      if (declined) e.With("decline_code", r.decline_code);
      e.With("message", r.message);
      change.events.push_back(std::move(e));
      if (!ended && wf.Allows(o.status, status::kFailed)) {
        std::string reason = declined ? "payment declined" : "payment failed";
        if (declined && !r.decline_code.empty()) reason += ": " + r.decline_code;
        auto moved = Move(o, reservations, wf, status::kFailed, now, kPaymentActor, {{"reason", reason}}, change);
        if (!moved) return moved.take_error();
      }
      break;
    }
  }
  return Finish(o, std::move(change), now);
}

Result<Change> RequestRefund(Order& o, const RefundRequest& request, Timestamp now) {
  if (!IsCleanText(request.reason, kMaxReasonLength))
    return Error::Invalid("/reason", "reason is at most 500 characters of printable text");
  if (request.lines.size() > kMaxOrderLines) return Error::Invalid("/lines", "a refund has at most 100 lines");
  std::vector<std::pair<OrderLine*, std::int64_t>> refunded_lines;
  std::int64_t lines_value = 0;
  std::string lines_text;
  std::set<std::string_view> seen;
  for (std::size_t i = 0; i < request.lines.size(); ++i) {
    const RequestedLine& wanted = request.lines[i];
    std::string pointer = "/lines/" + std::to_string(i);
    auto line = std::find_if(o.lines.begin(), o.lines.end(), [&](const OrderLine& l) { return l.sku == wanted.sku; });
    if (line == o.lines.end()) return Error::Invalid(pointer + "/sku", "the order has no line " + wanted.sku);
    if (!seen.insert(wanted.sku).second)
      return Error::Invalid(pointer + "/sku", "sku " + wanted.sku + " appears on more than one line");
    if (wanted.quantity < 1 || wanted.quantity > kMaxLineQuantity)
      return Error::Invalid(pointer + "/quantity", "quantity must be a whole number from 1 to 1000000");
    std::int64_t left = line->quantity - line->refunded_quantity;
    if (wanted.quantity > left)
      return PreconditionAt(pointer + "/quantity", "refund-exceeds-ordered",
                            std::to_string(left) + " of " + wanted.sku + " are left to refund");
    lines_value += line->unit_price_minor * wanted.quantity;  // within the order total: no overflow
    lines_text += (lines_text.empty() ? "" : ",") + wanted.sku + ":" + std::to_string(wanted.quantity);
    refunded_lines.emplace_back(&*line, wanted.quantity);
  }
  if (request.amount_minor && *request.amount_minor <= 0)
    return Error::Invalid("/amount", "amount must be positive");
  if (request.amount_minor && !request.lines.empty() && *request.amount_minor > lines_value)
    return Error::Invalid("/amount", "amount is more than the lines are worth (" + Amount(o, lines_value) + ")");
  std::int64_t refundable = Captured(o) ? Refundable(o) : 0;
  std::int64_t amount = request.amount_minor ? *request.amount_minor
                        : request.lines.empty() ? refundable
                                                : lines_value;
  if (amount > refundable || refundable <= 0)
    return PreconditionAt("/amount", "refund-exceeds-captured",
                          "order " + o.id + " has " + Amount(o, std::max<std::int64_t>(refundable, 0)) +
                              " left to refund");

  for (auto& [line, quantity] : refunded_lines) line->refunded_quantity += quantity;
  Change change;
  QueueRefund(o, amount, request.reason, lines_text, change);
  return Finish(o, std::move(change), now);
}

Result<Change> ApplyRefundResult(Order& o, std::int64_t amount, bool ok, const std::string& message, Timestamp now) {
  if (amount <= 0 || amount > o.refund_pending_minor)
    return Error::Precondition("refund-not-pending", "order " + o.id + " has no refund of " + Amount(o, amount) +
                                                         " pending");
  o.refund_pending_minor -= amount;
  Change change;
  Event e = OrderEvent(o, ok ? "refund.succeeded" : "refund.failed");
  e.With("amount", Amount(o, amount));
  if (ok) {
    o.refunded_minor += amount;
    o.payment_status =
        o.refunded_minor >= o.captured_minor ? payment_status::kRefunded : payment_status::kPartiallyRefunded;
    e.With("refunded", Amount(o, o.refunded_minor));
  } else {
    e.With("message", message);
  }
  change.events.push_back(std::move(e));
  return Finish(o, std::move(change), now);
}

Result<Change> ApplyVoidResult(Order& o, bool ok, const std::string& message, Timestamp now) {
  Change change;
  if (o.payment_status == payment_status::kVoided) return change;  // reported again
  if (o.payment_status != payment_status::kAuthorized)
    return Error::Precondition("no-authorization", "order " + o.id + " has no authorisation to void");
  Event e = OrderEvent(o, ok ? "payment.voided" : "payment.void_failed");
  if (ok) {
    o.payment_status = payment_status::kVoided;
    e.With("amount", Amount(o, o.authorized_minor));
  } else {
    e.With("message", message);
  }
  change.events.push_back(std::move(e));
  return Finish(o, std::move(change), now);
}

Status AcceptFromErp(Placement& placed, const Workflow& wf, const ErpReference& ref, Timestamp now,
                     const std::string& actor) {
  Order& o = placed.order;
  if (!wf.Allows(o.status, status::kPaid)) return InvalidTransition(o, status::kPaid);
  o.organization_id = ref.organization_id;
  Change change;
  Event received = OrderEvent(o, "order.received_from_erp");
  received.With("organization_id", ref.organization_id).With("erp_order_id", o.external_id)
      .With("channel", o.channel);
  Event validated = OrderEvent(o, "order.validated");
  validated.With("lines", static_cast<std::int64_t>(o.lines.size())).With("total", Amount(o, o.total_minor))
      .With("currency", o.currency);
  change.events = {std::move(received), std::move(validated)};
  change.events.insert(change.events.end(), placed.change.events.begin(), placed.change.events.end());
  change.deltas = std::move(placed.change.deltas);
  change.jobs = std::move(placed.change.jobs);
  o.payment_status = payment_status::kExternal;
  Event paid = OrderEvent(o, "payment.external");
  paid.With("amount", Amount(o, o.total_minor)).With("currency", o.currency)
      .With("organization_id", ref.organization_id);
  change.events.push_back(std::move(paid));
  if (auto s = Move(o, placed.reservations, wf, status::kPaid, now, actor, {{"amount", Amount(o, o.total_minor)}},
                    change);
      !s)
    return s;
  // On to the status that hands the order to the warehouse, where there is one.
  for (const std::string& next : wf.Successors(status::kPaid)) {
    const StatusDef* s = wf.Find(next);
    if (s->effect != Effect::kNone ||
        std::find(s->actions.begin(), s->actions.end(), action::kWmsPush) == s->actions.end())
      continue;
    if (auto moved = Move(o, placed.reservations, wf, next, now, actor, {}, change); !moved) return moved;
    break;
  }
  placed.change = std::move(change);
  return Ok();
}

// The default workflow for the callers declared in order.h.
Result<Change> CancelOrder(Order& order, std::vector<Reservation>& reservations, const std::string& reason,
                           Timestamp now) {
  return Cancel(order, reservations, DefaultWorkflow(), reason, now, "api");
}

Change ExpireOrder(Order& order, std::vector<Reservation>& reservations, Timestamp now) {
  return ExpireOrder(order, reservations, DefaultWorkflow(), now);
}

bool HoldReservations(const Order& order, std::vector<Reservation>& reservations) {
  const std::string& p = order.payment_status;
  bool held = p == payment_status::kPending || p == payment_status::kAuthorized || p == payment_status::kCaptured ||
              p == payment_status::kPartiallyRefunded || p == payment_status::kRefunded ||
              p == payment_status::kExternal;
  Timestamp until = held ? kHeldUntil : order.reservation_expires_at;
  bool changed = false;
  for (Reservation& r : reservations) {
    if (r.state != ReservationState::kPending || r.expires_at == until) continue;
    r.expires_at = until;
    changed = true;
  }
  return changed;
}

}  // namespace ordo::domain
