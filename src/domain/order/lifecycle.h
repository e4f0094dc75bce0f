// The lifecycle of a placed order: moves along the configured workflow, and
// the payment, refund and void results that come back from the jobs.
//
// Contract of every decision: it takes the loaded order (and its
// reservations where stock can move), the workflow and `now`; it checks first
// and changes nothing when it fails; otherwise it mutates what it was given,
// bumps the order's version once, and returns the Change (stock deltas,
// events for the timeline, jobs for calls to other systems). A decision that
// has nothing to do returns an empty Change: a repeated request or a
// duplicate result is harmless. Reservations resolve exactly once (the
// ledger's Resolve refuses a second resolution).
//
// Errors: a move the workflow does not allow is kFailedPrecondition
// "invalid-transition" (409); bad input is kInvalidArgument with a pointer.
//
// Money: an order whose payment is in flight or captured never expires, and
// its stock stays reserved. An order that ends without shipping (cancel,
// fail, expire) gives its money back: the captured remainder is refunded, an
// authorisation is voided; a payment still in flight is compensated when its
// result arrives (a capture on an ended order is refunded at once).
//
// Events (type {data}; amounts are decimal strings in the order's currency):
//   order.status_changed {from, to, actor}              every move
//   order.confirmed|paid|shipped|delivered|cancelled|failed|expired {from, …}
//                                                       the effect of the status entered
//   reservation.committed|released|expired              one per reservation
//   payment.requested {amount, currency, step}
//   payment.external {amount, currency, organization_id}  paid at the ERP
//   order.received_from_erp, order.validated            an ERP's order (AcceptFromErp)
//   wms.queued {step, status}                           with a wms.push job (wms.h has the rest)
//   payment.authorized|captured {amount, payment_id}
//   payment.declined {decline_code, message}, payment.failed {message}
//   payment.void_requested {amount, reason}, payment.voided {amount}, payment.void_failed {message}
//   refund.requested {amount, currency, step, reason[, lines]}
//   refund.succeeded {amount, refunded}, refund.failed {amount, message}
//
// Jobs (kind, step, payload). The idempotency key towards the other system is
// order id + ":" + step. <v> is the order's version after the change, which
// is unique per order, so a second charge or refund gets a key of its own.
//   payment.charge  "charge" (first), "charge-<v>" (later)  {amount_minor, currency, token}
//   payment.refund  "refund-<v>"                            {amount_minor, currency, payment_id}
//   payment.void    "void"                                  {amount_minor, payment_id}
//   <action>        "<action>-<status>-<v>"                 {status, from}
//     for each action bound to the status entered (webhook, email, wms.push)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "domain/inventory/ledger.h"
#include "domain/order/order.h"
#include "domain/workflow/workflow.h"

namespace ordo::domain {

// PATCH /status: moves along an allowed edge into `to` and applies its effect
// (ship commits the pending reservations, cancel releases them and gives the
// money back, deliver and none change the status only). kInvalidArgument
// "/status" for a status the workflow does not have; kFailedPrecondition
// "status-not-settable" for pay, fail and expire statuses (SettableByPatch).
Result<Change> TransitionTo(Order& order, std::vector<Reservation>& reservations, const Workflow& workflow,
                            const std::string& to, Timestamp now, const std::string& actor);

// Into `confirmed`.
Result<Change> Confirm(Order& order, const Workflow& workflow, Timestamp now, const std::string& actor);

struct PaymentRequest {
  std::optional<std::int64_t> amount_minor;  // when given, must be the order total
  std::string token;                         // the card token, handed to the gateway as is
};

// Queues the charge: needs the workflow to allow the current status → paid,
// and no payment in flight ("payment-in-progress": pending or authorised) or
// captured ("already-paid"). A declined, failed or voided payment may be
// retried (with the default workflow a decline fails the order, so this is
// for workflows without that edge). payment_status becomes pending.
Result<Change> RequestPayment(Order& order, const Workflow& workflow, const PaymentRequest& request, Timestamp now);

struct PaymentResult {
  enum class Outcome { kAuthorized, kCaptured, kDeclined, kFailed };
  Outcome outcome = Outcome::kFailed;
  std::string payment_id;
  std::int64_t amount_minor = 0;
  std::string decline_code, message;
};
const char* ToString(PaymentResult::Outcome outcome);

// The result of a charge job.
//   captured:   money recorded; the order moves to paid where the workflow
//               allows; an order that ended meanwhile (cancelled, failed,
//               expired) keeps its status and the capture is refunded.
//   authorized: held, not captured: payment_status authorized, the status
//               stays (capturing an authorisation is not modelled yet); an
//               ended order gets the authorisation voided.
//   declined / failed: the order moves to failed where the workflow allows,
//               releasing its reservations; otherwise it keeps them until
//               expiry and may pay again.
// A result that repeats what is recorded, or a late decline, changes nothing;
// a result for an order with no payment requested is "no-payment-requested".
// The job runner must report a charge job that went dead as kFailed, or the
// order stays pending and never expires.
Result<Change> ApplyPaymentResult(Order& order, std::vector<Reservation>& reservations, const Workflow& workflow,
                                  const PaymentResult& result, Timestamp now);

// Into `cancelled`: releases pending reservations, refunds what was captured
// and not yet refunded, voids an authorisation; a payment in flight does not
// stop it. Cancelling a cancelled order changes nothing.
Result<Change> Cancel(Order& order, std::vector<Reservation>& reservations, const Workflow& workflow,
                      const std::string& reason, Timestamp now, const std::string& actor);

// The expiry timer. Expires the pending reservations whose time has come and,
// when none is left pending, moves the order to `expired` (voiding an
// authorisation). Only orders the workflow lets expire are touched, and never
// one whose payment is in flight or captured: their stock stays reserved.
// Reservations of an order the workflow does not know (or of an order that
// already ended without shipping) are expired without a status change.
Change ExpireOrder(Order& order, std::vector<Reservation>& reservations, const Workflow& workflow, Timestamp now);

// Into `shipped`: commits every pending reservation (kFailedPrecondition
// "nothing-to-ship" when there is none) and records carrier and tracking.
Result<Change> Ship(Order& order, std::vector<Reservation>& reservations, const Workflow& workflow,
                    const std::string& carrier, const std::string& tracking, Timestamp now, const std::string& actor);

// Into `delivered`.
Result<Change> Deliver(Order& order, const Workflow& workflow, Timestamp now, const std::string& actor);

struct RefundRequest {
  std::optional<std::int64_t> amount_minor;  // default: the lines' value, else all that is left
  std::vector<RequestedLine> lines;          // optional; priced at the order's unit prices
  std::string reason;
};

// Queues a refund of at most captured - refunded - refund_pending
// ("refund-exceeds-captured", pointer /amount). With lines, each quantity is
// at most what was ordered minus what earlier refunds covered
// ("refund-exceeds-ordered", pointer /lines/i/quantity), and an amount, when
// also given, at most the lines' value (a restocking fee keeps the rest).
// The order's status does not change.
Result<Change> RequestRefund(Order& order, const RefundRequest& request, Timestamp now);

// The result of a refund job of `amount_minor`. Success adds it to
// refunded_minor (payment_status partially_refunded or refunded); either way
// it is no longer pending. "refund-not-pending" when no such amount is pending.
Result<Change> ApplyRefundResult(Order& order, std::int64_t amount_minor, bool ok, const std::string& message,
                                 Timestamp now);

// The result of a void job: payment_status voided on success. A void for an
// order whose authorisation is already voided changes nothing;
// "no-authorization" when there is none.
Result<Change> ApplyVoidResult(Order& order, bool ok, const std::string& message, Timestamp now);

// An ERP's order (seed 000's Fulfil payload) after its placement: the ERP
// has taken the money, so the order is paid elsewhere (payment_status
// external: no gateway call; Ordo never refunds or voids it, the ERP does)
// and moves pending → paid, then on to the first successor of paid that
// carries the wms.push action, when the workflow has one (the default:
// fulfilling, which queues the push to the warehouse). Rewrites the
// placement's change: order.received_from_erp {organization_id,
// erp_order_id, channel}, order.validated {lines, total, currency}, the
// placement's events, payment.external {amount, currency, organization_id},
// then the moves. kFailedPrecondition "invalid-transition" when the workflow
// does not let its initial status reach paid.
struct ErpReference {
  std::string organization_id;  // the dedupe key is (organization_id, the order's external_id)
};
Status AcceptFromErp(Placement& placement, const Workflow& workflow, const ErpReference& ref, Timestamp now,
                     const std::string& actor);

// Paid orders never expire: while an order's payment is in flight or money
// is held or captured, its pending reservations are held (expires_at
// kHeldUntil); otherwise they expire at the order's reservation_expires_at
// (a declined card gives the hold back). Returns whether any changed.
inline constexpr Timestamp kHeldUntil = 253'402'300'799'999;  // 9999-12-31T23:59:59.999Z
bool HoldReservations(const Order& order, std::vector<Reservation>& reservations);

}  // namespace ordo::domain
