#include "domain/reconcile/reconcile.h"

#include <unordered_map>
#include <unordered_set>

#include "domain/order/lifecycle_internal.h"

namespace ordo::domain::reconcile {

const char* KindName(Kind k) {
  switch (k) {
    case Kind::kMissingInWms: return "missing-in-wms";
    case Kind::kMissedCallback: return "missed-callback";
    case Kind::kWmsBehind: return "wms-behind";
    case Kind::kCancelledInWms: return "cancelled-in-wms";
    case Kind::kCancelledInOrdo: return "cancelled-in-ordo";
    case Kind::kUnexpectedAtWms: return "unexpected-at-wms";
    case Kind::kUnknownToOrdo: return "unknown-to-ordo";
    case Kind::kMissingInOrdo: return "missing-in-ordo";
    case Kind::kErpStatusMismatch: return "erp-status-mismatch";
    case Kind::kStockDrift: return "stock-drift";
  }
  return "";
}

const char* HealName(Heal h) {
  switch (h) {
    case Heal::kNone: return "flagged";
    case Heal::kRepush: return "repush";
    case Heal::kApplyShipped: return "apply-shipped";
    case Heal::kApplyDelivered: return "apply-delivered";
  }
  return "";
}

const char* WmsStatusName(WmsStatus s) {
  switch (s) {
    case WmsStatus::kAccepted: return "accepted";
    case WmsStatus::kPicked: return "picked";
    case WmsStatus::kPacked: return "packed";
    case WmsStatus::kShipped: return "shipped";
    case WmsStatus::kDelivered: return "delivered";
    case WmsStatus::kCancelled: return "cancelled";
  }
  return "";
}

bool ParseWmsStatus(const std::string& text, WmsStatus* out) {
  for (WmsStatus s : {WmsStatus::kAccepted, WmsStatus::kPicked, WmsStatus::kPacked, WmsStatus::kShipped,
                      WmsStatus::kDelivered, WmsStatus::kCancelled})
    if (text == WmsStatusName(s)) return *out = s, true;
  return false;
}

namespace {

bool Active(WmsStatus s) { return s == WmsStatus::kAccepted || s == WmsStatus::kPicked || s == WmsStatus::kPacked; }

// One order present on both sides.
void Compare(const OrdoOrder& o, const WmsOrder& w, Report& r) {
  auto add = [&](Kind kind, Heal heal) {
    Discrepancy d{kind, o.id, o.status, WmsStatusName(w.status), heal, {}, {}};
    if (heal == Heal::kApplyShipped || heal == Heal::kApplyDelivered) d.carrier = w.carrier, d.tracking = w.tracking;
    r.discrepancies.push_back(std::move(d));
  };
  switch (o.stage) {
    case Stage::kAwaitingPush:
    case Stage::kAtWms:
      if (w.status == WmsStatus::kShipped) return add(Kind::kMissedCallback, Heal::kApplyShipped);
      if (w.status == WmsStatus::kDelivered) return add(Kind::kMissedCallback, Heal::kApplyDelivered);
      if (w.status == WmsStatus::kCancelled) return add(Kind::kCancelledInWms, Heal::kNone);
      break;
    case Stage::kShipped:
      if (w.status == WmsStatus::kDelivered) return add(Kind::kMissedCallback, Heal::kApplyDelivered);
      if (Active(w.status)) return add(Kind::kWmsBehind, Heal::kNone);
      if (w.status == WmsStatus::kCancelled) return add(Kind::kCancelledInWms, Heal::kNone);
      break;
    case Stage::kDelivered:
      if (w.status != WmsStatus::kDelivered) return add(Kind::kWmsBehind, Heal::kNone);
      break;
    case Stage::kCancelled:
      if (Active(w.status)) return add(Kind::kCancelledInOrdo, Heal::kNone);
      break;
    case Stage::kNotForWms:
      // The WMS holds an order Ordo has not handed over (or no longer fulfils).
      if (w.status != WmsStatus::kCancelled) return add(Kind::kUnexpectedAtWms, Heal::kNone);
      break;
  }
  ++r.matched;
}

}  // namespace

OrdoOrder ViewOf(const Order& o, const Workflow& wf) {
  OrdoOrder v{o.id, o.status, Stage::kNotForWms, false, o.wms.state != wms_state::kNone, o.updated_at, o.version};
  const StatusDef* def = wf.Find(o.status);
  const Effect effect = def ? def->effect : Effect::kNone;
  const std::string& sync = o.wms.state;
  v.push_pending = sync == wms_state::kQueued || sync == wms_state::kRetrying;
  switch (effect) {
    case Effect::kShip: v.stage = Stage::kShipped; break;
    case Effect::kDeliver: v.stage = Stage::kDelivered; break;
    case Effect::kCancel: v.stage = Stage::kCancelled; break;
    case Effect::kFail:
    case Effect::kExpire: v.stage = Stage::kNotForWms; break;
    case Effect::kNone:
    case Effect::kConfirm:
    case Effect::kPay:
      v.stage = sync == wms_state::kAcknowledged ? Stage::kAtWms
                : sync == wms_state::kNone       ? Stage::kNotForWms
                                                 : Stage::kAwaitingPush;
      break;
  }
  return v;
}

Change RecordDiscrepancy(Order& o, const Discrepancy& d, const std::string& run_id, Timestamp now) {
  Change change;
  Event e = detail::OrderEvent(o, "reconciliation.discrepancy_detected");
  e.With("run_id", run_id).With("kind", KindName(d.kind)).With("ordo_status", d.ordo_status)
      .With("other_status", d.other_status).With("action", HealName(d.heal));
  change.events.push_back(std::move(e));
  return detail::Finish(o, std::move(change), now);
}

Report Reconcile(const std::vector<OrdoOrder>& ordo, const std::vector<WmsOrder>& wms,
                 const std::vector<ErpOrder>& erp, Timestamp now, Timestamp settle_ms, Sources sources) {
  Report r;
  r.ordo_orders = static_cast<std::int64_t>(ordo.size());
  r.wms_orders = static_cast<std::int64_t>(wms.size());
  r.erp_orders = static_cast<std::int64_t>(erp.size());
  const Timestamp settled = now - settle_ms;
  std::unordered_map<std::string, const WmsOrder*> at_wms;
  for (const auto& w : wms) at_wms.emplace(w.order_id, &w);
  std::unordered_map<std::string, const OrdoOrder*> in_ordo;
  for (const auto& o : ordo) in_ordo.emplace(o.id, &o);

  for (const auto& o : ordo) {
    auto it = at_wms.find(o.id);
    const WmsOrder* w = it == at_wms.end() ? nullptr : it->second;
    if (o.updated_at > settled || (w && w->updated_at > settled)) {
      ++r.settling;
      continue;
    }
    if (!sources.wms) continue;  // nothing to compare it with
    if (w) {
      Compare(o, *w, r);
      continue;
    }
    switch (o.stage) {
      case Stage::kAwaitingPush:
        if (o.push_pending) {
          ++r.matched;  // on its way
          break;
        }
        [[fallthrough]];
      case Stage::kAtWms:
        r.discrepancies.push_back({Kind::kMissingInWms, o.id, o.status, "", Heal::kRepush, {}, {}});
        break;
      case Stage::kShipped:
      case Stage::kDelivered:
        if (!o.pushed) {
          ++r.matched;  // shipped by hand, never the warehouse's
          break;
        }
        // Handed to the WMS, which lost it, and shipped anyway: nothing to push any more.
        r.discrepancies.push_back({Kind::kMissingInWms, o.id, o.status, "", Heal::kNone, {}, {}});
        break;
      case Stage::kNotForWms:
      case Stage::kCancelled:
        ++r.matched;  // neither side has it at the warehouse
        break;
    }
  }
  for (const auto& w : wms) {
    if (!sources.wms) break;
    if (in_ordo.count(w.order_id) || w.updated_at > settled) continue;
    r.discrepancies.push_back({Kind::kUnknownToOrdo, w.order_id, "", WmsStatusName(w.status), Heal::kNone, {}, {}});
  }
  // The ERP's view: every order it sent is in Ordo; a status it learned differs.
  static const std::unordered_set<std::string> kNotAStatus = {"", "sent", "accepted", "rejected"};
  for (const auto& e : erp) {
    if (!sources.erp) break;
    auto it = e.ordo_order_id.empty() ? in_ordo.end() : in_ordo.find(e.ordo_order_id);
    if (it == in_ordo.end()) {
      if (e.status != "rejected")
        r.discrepancies.push_back({Kind::kMissingInOrdo, e.erp_order_id, "", e.status, Heal::kNone, {}, {}});
      continue;
    }
    const OrdoOrder& o = *it->second;
    if (o.updated_at > settled) continue;
    if (!kNotAStatus.count(e.status) && e.status != o.status)
      r.discrepancies.push_back({Kind::kErpStatusMismatch, o.id, o.status, e.status, Heal::kNone, {}, {}});
  }
  return r;
}

}  // namespace ordo::domain::reconcile
