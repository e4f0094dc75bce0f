// Commands: what the write path accepts. Each is parsed and validated by the
// caller (http), then executed by the sequencer inside a batch transaction.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/result.h"
#include "domain/catalog/catalog.h"
#include "domain/inventory/ledger.h"
#include "domain/order/lifecycle.h"
#include "domain/order/order.h"
#include "domain/order/wms.h"
#include "domain/reconcile/reconcile.h"
#include "domain/webhook/subscription.h"
#include "domain/workflow/workflow.h"
#include "store/store.h"

namespace ordo::engine {

struct PutProduct {
  domain::Product product;
};
struct PutLocation {
  domain::Location location;
};
struct SetStock {
  std::string location_id, sku;
  std::int64_t on_hand = 0;
  std::optional<std::int64_t> expected_on_hand;
};
struct AdjustStock {
  std::string location_id, sku;
  std::int64_t delta = 0;
  std::string reason;
};
// A cap on what one customer may hold reserved without paying (0 = none).
struct OpenHoldLimit {
  int max_orders = 0;
  std::int64_t max_units = 0;
  bool any() const { return max_orders > 0 || max_units > 0; }
};
struct PlaceOrder {
  domain::OrderRequest request;
  domain::GeoPoint ship_to;  // resolved before submission (PrepareOrder)
  OpenHoldLimit limit;       // set for customers placing their own orders
};
struct CancelOrder {
  std::string order_id;
  std::string reason;
};

// ---- The ERP and the WMS (seed 000) ----

// An ERP's order: deduplicated by (organization, the ERP's order id =
// request.external_id). A new one is placed (never split: the WMS ships an
// order from one warehouse), taken as paid at the ERP and moved on to the
// fulfilment status in the same commit (domain::AcceptFromErp); a duplicate
// answers the order the first one made and changes nothing.
struct IntakeErpOrder {
  PlaceOrder place;
  domain::ErpReference ref;
};

// A status callback of the WMS, deduplicated by its event id.
struct ApplyWmsEvent {
  std::string order_id;
  domain::WmsCallback callback;
};
// What came of it: applied, ignored (recorded with the reason, not applied)
// or duplicate (seen before: nothing changed).
struct WmsEventResult {
  std::string result;
  std::string reason;
  std::string order_id;
  std::string order_status;
};
// ---- The lifecycle of an order (along the configured workflow) ----
struct ConfirmOrder {
  std::string order_id;
};
struct PayOrder {
  std::string order_id;
  domain::PaymentRequest request;
};
struct ShipOrder {
  std::string order_id, carrier, tracking;
};
struct DeliverOrder {
  std::string order_id;
};
struct RefundOrder {
  std::string order_id;
  domain::RefundRequest request;
};
struct SetOrderStatus {
  std::string order_id, status;
};
// Replaces the workflow; `expected_version` (when given) must be the current one.
struct PutWorkflow {
  domain::Workflow workflow;
  std::optional<std::int64_t> expected_version;
};
// Replaces a configuration document other than the workflow (branding), already validated.
struct PutConfigDoc {
  std::string name;
  std::string body;
  std::optional<std::int64_t> expected_version;  // when given, must be the current one (0: none yet)
};

// Webhook subscriptions (kept as the configuration document "webhooks").
struct PutSubscription {
  domain::Subscription subscription;  // validated; id and secret set by the caller
};
struct DeleteSubscription {
  std::string id;
};

// The sweeper: jobs that should have run and did not (nobody claims their
// kind, or a runner died holding them) are reported once per attempt, and a
// running job whose lease ran out is put back in the queue for any runner.
struct SweepStuck {
  std::int64_t stuck_after_ms = 30'000;
  int limit = 50;
};

struct ExpireReservations {};
struct PruneIdempotency {};

// ---- Durable jobs (the runners' side of the write path) ----

// Claims due jobs of these kinds for a runner of this node, under a lease.
struct ClaimJobs {
  std::vector<std::string> kinds;
  int limit = 8;
  std::string owner;  // the node
  std::int64_t lease_ms = 60'000;
};

// What one call of a job came to. The runner classifies; the engine records
// the attempt, moves the job and applies the answer to the order.
struct JobResult {
  enum class Kind {
    kDone,       // the other system did it (2xx)
    kDeclined,   // a business outcome (a card declined): the job is done, never retried
    kFailed,     // a permanent failure (the call can never succeed): dead, and the order is told
    kRetry,      // a transient failure: queued again at retry_at
    kExhausted,  // a transient failure and no retries left: dead (the DLQ), the order waits
  };
  Kind kind = Kind::kDone;
  Timestamp retry_at = 0;
  int http_status = 0;  // 0 when no answer came
  std::string error;
  // The answer, for the order: e.g. {payment_id, amount, decline_code}.
  std::vector<std::pair<std::string, domain::EventValue>> data;
};

struct CompleteJob {
  std::string job_id;
  int attempt = 0;    // the claim this result belongs to; a stale one only goes to the log
  std::string owner;
  Timestamp started_at = 0;
  JobResult result;
};

// A dead job back to the queue, by hand, with a fresh set of attempts.
struct RetryJob {
  std::string job_id;
};

// ---- Reconciliation (src/reconcile) ----

// A discrepancy a run found on an order: recorded on its timeline
// (reconciliation.discrepancy_detected) and, when the heal is safe, healed in
// the same commit: a missed callback applied through the workflow, or the
// order pushed to the WMS again (its dead push job queued again, else a new
// one). Only while the order is at the version the run compared: one that
// moved meanwhile is skipped and nothing is written.
struct ReconcileOrder {
  std::string order_id;
  std::string run_id;
  domain::reconcile::Discrepancy found;
  std::int64_t seen_version = 0;
};
struct ReconcileResult {
  std::string result;  // healed, flagged, skipped, failed
  std::string detail;
};
// Stores a run's report.
struct RecordReconciliation {
  store::ReconciliationRecord record;
};
// The timer's run of one interval (`slot`): the node whose claim commits
// first runs it; the others' claims answer 0.
struct ClaimReconciliation {
  std::string slot;
};

// The demo's reset (store::WriteTx::ResetForDemo); --demo only (the API checks).
struct ResetDemo {};

// Changes nothing: with an Idempotency-Key, it stores the answer of work done
// outside the engine (its render gives that answer), so that a repeat replays it.
struct RememberReply {};

using CommandBody =
    std::variant<PutProduct, PutLocation, SetStock, AdjustStock, PlaceOrder, CancelOrder, ConfirmOrder, PayOrder,
                 ShipOrder, DeliverOrder, RefundOrder, SetOrderStatus, PutWorkflow, PutConfigDoc, PutSubscription,
                 DeleteSubscription, SweepStuck, ExpireReservations,
                 PruneIdempotency, ClaimJobs, CompleteJob, RetryJob, IntakeErpOrder, ApplyWmsEvent,
                 ReconcileOrder, RecordReconciliation, ClaimReconciliation, ResetDemo, RememberReply>;

// The order a command works on, or empty.
const std::string* OrderIdOf(const CommandBody& body);

struct Meta {
  std::string correlation_id;  // request id or traceparent trace id
  std::string causation_id;    // what caused this command (the request id, a timer)
  std::string principal = "system";  // the API sets the caller's (auth::Principal::Id)
  std::string idempotency_key;  // empty = none
  std::string request_hash;     // of method, path and body; with a key
};

// What a command produced.
struct Outcome {
  using Value = std::variant<std::monostate, domain::Product, domain::Location, domain::StockLevel, domain::Order,
                             std::int64_t, store::Job, std::vector<store::Job>, store::ConfigDoc,
                             domain::Subscription, WmsEventResult, ReconcileResult>;
  Result<Value> result = Value{};
  bool created = false;  // a new resource (201)
};

// The rendered answer. Rendering happens inside the transaction so that the
// exact bytes can be stored for idempotent replay in the same commit.
struct Reply {
  int status = 200;
  std::string body;
  bool replayed = false;
  std::vector<std::pair<std::string, std::string>> headers;  // not stored for replay
};

using Renderer = std::function<Reply(const Outcome&)>;

// How a command ended: an outcome still to be rendered, or (with an
// Idempotency-Key) the reply that was stored with the commit.
struct Completion {
  Outcome outcome;
  std::optional<Reply> reply;

  Reply Render(const Renderer& render) const { return reply ? *reply : render(outcome); }
};

struct Command {
  CommandBody body;
  Meta meta;
  // Called inside the batch only when the reply must be stored (Idempotency-Key);
  // otherwise the caller renders after the commit, off the writer thread.
  Renderer render;
  // Once the commit is on disk: on the writer thread, or the store's sync
  // thread (pipelined sync). Must not block.
  std::function<void(Completion)> done;
};

}  // namespace ordo::engine
