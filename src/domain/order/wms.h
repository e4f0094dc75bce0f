// The order's side of the warehouse system (WMS, seed 000): what the outcome
// of a push job does to the order, and the WMS's status callbacks applied
// along the workflow. Pure, with the contract of lifecycle.h: each decision
// takes the loaded order and `now`, changes nothing when it fails, and
// returns the Change.
//
// The sync state (Order::wms.state):
//   none ──(enters a status with the wms.push action)──► queued ──► acknowledged
//                                                           │  ▲
//                                          a failed attempt ▼  │ a retry by hand (RequeueWmsPush)
//                                                     retrying ─► failed (the job is dead: the DLQ)
//
// Events (type {data}):
//   wms.queued {step, status}                 the push job is queued (lifecycle.cpp, Move)
//   wms.queued {step, manual: true}           queued again by hand from the DLQ
//   wms.sent {attempt, warehouse, sent_at}    each call of the push, recorded with its outcome:
//   wms.acknowledged {wms_order_id, warehouse, http_status}
//   wms.retry_succeeded {attempts}            acknowledged after failed attempts
//   wms.push_failed {attempt, error, http_status, retry_at | permanent}
//   wms.sync_failed {attempts, error}         the job is dead
//   wms.status_updated {status, event_id, wms_order_id, occurred_at[, carrier, tracking]}
//   wms.callback_ignored {status, event_id, wms_order_id, reason}   recorded, not applied
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "domain/inventory/ledger.h"
#include "domain/order/order.h"
#include "domain/workflow/workflow.h"

namespace ordo::domain {

struct WmsPushResult {
  enum class Outcome {
    kAcknowledged,  // the WMS took the order (2xx with its wms_order_id)
    kRetrying,      // this call failed; the job will call again
    kFailed,        // the job is dead: out of attempts, or refused for good (`permanent`)
  };
  Outcome outcome = Outcome::kFailed;
  std::int64_t attempt = 1;  // the job's attempt (1 = the first call)
  int http_status = 0;       // 0: no answer
  bool permanent = false;
  std::string wms_order_id, warehouse, error;
  Timestamp sent_at = 0, retry_at = 0;
};

// Records the outcome of one call of the push: wms.sent, then what came of it.
Change ApplyWmsPushResult(Order& order, const WmsPushResult& result, Timestamp now);

// A dead push job put back in the queue: the state is queued again. By hand
// (wms.queued {step, manual: true}), or by reconciliation run `run_id`
// (wms.queued {step, reconciliation}).
Change RequeueWmsPush(Order& order, const std::string& step, Timestamp now, const std::string& run_id = "");

// Reconciliation run `run_id` found that the WMS does not hold an order it
// should (it lost it, or the push never got through) and no push job is left
// to retry: a new push job under `step` (unique for the order), the state
// queued again, and wms.queued {step, status, reconciliation}.
Change RepushToWms(Order& order, const std::string& step, const std::string& run_id, Timestamp now);

// The statuses a WMS reports, in the order an order goes through them;
// cancelled may come instead of any step before shipped.
inline constexpr std::string_view kWmsStatuses[] = {"picked", "packed", "shipped", "delivered", "cancelled"};
bool IsWmsStatus(std::string_view status);

struct WmsCallback {
  std::string event_id;      // the WMS's id of this callback (deduplicated before it gets here)
  std::string wms_order_id;  // the WMS's id of the order
  std::string status;        // one of kWmsStatuses
  std::string carrier, tracking;  // from shipped on
  std::string occurred_at;   // as the WMS sent it (RFC 3339)
};

struct WmsCallbackOutcome {
  Change change;
  bool applied = false;
  std::string reason;  // why not, when not applied
};

// Applies a status callback through the workflow:
//   picked, packed  the WMS's status only (wms.status_updated)
//   shipped         into shipped (commits the reservations) with carrier and tracking
//   delivered       into delivered; shipped first when the order is not yet there (the
//                   WMS's shipped callback was lost or comes late: delivered implies it)
//   cancelled       into cancelled, where the workflow allows it
// A callback that is stale (a step at or before the last one applied: it
// came out of order), follows a cancellation, names another WMS order, comes
// for an order never sent to the WMS, or asks for a move the workflow does
// not allow is recorded as wms.callback_ignored with the reason and applied
// no further (applied false). kInvalidArgument for an unknown status or bad
// carrier or tracking.
Result<WmsCallbackOutcome> ApplyWmsCallback(Order& order, std::vector<Reservation>& reservations,
                                            const Workflow& workflow, const WmsCallback& callback, Timestamp now,
                                            const std::string& actor);

}  // namespace ordo::domain
