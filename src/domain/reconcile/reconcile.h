// Reconciliation: Ordo's orders against the warehouse's (WMS) and the ERP's
// views of them. Pure: the views come in as values, the report goes out; the
// caller fetches the views and applies the heals (through the workflow, as
// commands of the engine).
//
// What is healed and what is only flagged:
//   missing-in-wms     Ordo handed the order to the warehouse (or should
//                      have) and no push is under way, but the WMS does not
//                      know it                       → heal: push it again
//   missed-callback    the WMS is ahead (shipped, delivered) of Ordo: its
//                      callback was lost              → heal: apply it
//   wms-behind         Ordo is ahead of the WMS       → flag
//   cancelled-in-wms   the WMS cancelled an order Ordo still fulfils → flag
//                      (cancelling moves money: a person decides)
//   cancelled-in-ordo  Ordo cancelled an order the WMS still works on → flag
//   unexpected-at-wms  the WMS works on an order Ordo has not handed over
//                      (or that failed or expired)  → flag
//   unknown-to-ordo    the WMS holds an order Ordo does not have   → flag
//   missing-in-ordo    the ERP sent an order Ordo does not have    → flag
//   erp-status-mismatch the ERP's last known status differs        → flag
//   stock-drift        Ordo's own ledger disagrees with its reservations
//                      (store invariants; added by the reconciler) → flag
// Orders that changed within the settle time on either side are left out:
// a callback or a push may be in flight.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/clock.h"
#include "domain/order/order.h"
#include "domain/workflow/workflow.h"

namespace ordo::domain::reconcile {

// Where an order stands for the warehouse, from Ordo's side (the caller maps
// the configured workflow's statuses by their effects).
enum class Stage {
  kNotForWms,     // before fulfilment (pending, confirmed, paid), or failed/expired
  kAwaitingPush,  // in the fulfilment status, not yet acknowledged by the WMS
  kAtWms,         // acknowledged by the WMS, not shipped
  kShipped,
  kDelivered,
  kCancelled,
};

enum class WmsStatus { kAccepted, kPicked, kPacked, kShipped, kDelivered, kCancelled };

struct OrdoOrder {
  std::string id;
  std::string status;  // Ordo's status name (for the report)
  Stage stage = Stage::kNotForWms;
  bool push_pending = false;  // a push job is queued or running
  bool pushed = false;        // a push was ever made (a cancelled order the WMS may hold)
  Timestamp updated_at = 0;
  std::int64_t version = 0;  // the order's, when it was read: a heal applies only to that version
};

// The order as reconciliation sees it: its stage from the effect of its
// status in the workflow and from its sync state with the WMS.
OrdoOrder ViewOf(const Order& order, const Workflow& workflow);

struct WmsOrder {
  std::string order_id;  // Ordo's order id
  WmsStatus status = WmsStatus::kAccepted;
  std::string carrier, tracking;
  Timestamp updated_at = 0;
};

struct ErpOrder {
  std::string erp_order_id;
  std::string ordo_order_id;  // empty: Ordo never answered with one
  std::string status;         // the ERP's last known status of the order
};

enum class Kind {
  kMissingInWms,
  kMissedCallback,
  kWmsBehind,
  kCancelledInWms,
  kCancelledInOrdo,
  kUnexpectedAtWms,
  kUnknownToOrdo,
  kMissingInOrdo,
  kErpStatusMismatch,
  kStockDrift,
};

enum class Heal {
  kNone,           // flagged for a person
  kRepush,         // push the order to the WMS again
  kApplyShipped,   // ship it, with the WMS's carrier and tracking
  kApplyDelivered  // ship it if it is not yet, then deliver it
};

struct Discrepancy {
  Kind kind;
  std::string order_id;      // Ordo's (or the ERP's id for missing-in-ordo)
  std::string ordo_status;   // "" when Ordo does not have it
  std::string other_status;  // the WMS's or the ERP's
  Heal heal = Heal::kNone;
  std::string carrier, tracking;  // for kApplyShipped / kApplyDelivered
};

struct Report {
  std::int64_t ordo_orders = 0, wms_orders = 0, erp_orders = 0;
  std::int64_t matched = 0;  // orders both sides agree on
  std::int64_t settling = 0;  // left out: changed within the settle time
  std::vector<Discrepancy> discrepancies;
};

// Which views were read. A view that could not be read is not compared at
// all (an empty one would make every order look missing there).
struct Sources {
  bool wms = true, erp = true;
};

Report Reconcile(const std::vector<OrdoOrder>& ordo, const std::vector<WmsOrder>& wms,
                 const std::vector<ErpOrder>& erp, Timestamp now, Timestamp settle_ms, Sources sources = {});

// A discrepancy on the order's timeline, with what is done about it
// (`action`: a Heal's name): reconciliation.discrepancy_detected
// {run_id, kind, ordo_status, other_status, action}.
Change RecordDiscrepancy(Order& order, const Discrepancy& found, const std::string& run_id, Timestamp now);

const char* KindName(Kind kind);
const char* HealName(Heal heal);
const char* WmsStatusName(WmsStatus status);
bool ParseWmsStatus(const std::string& text, WmsStatus* status);

}  // namespace ordo::domain::reconcile
