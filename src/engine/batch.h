// Execution of one batch of commands inside one write transaction.
// Internal to the engine.
#pragma once

#include <map>
#include <set>
#include <utility>
#include <vector>

#include "base/ids.h"
#include "engine/commands.h"
#include "engine/engine.h"
#include "store/store.h"

namespace ordo::engine {

// Orders one expiry sweep takes at most.
inline constexpr int kExpiryBatch = 500;

// The rows a batch touches, loaded once, with this batch's changes applied in
// memory; stock changes are written once per row at the end (Flush).
class BatchState {
 public:
  BatchState(store::WriteTx& tx, Timestamp now) : tx_(tx), now_(now) {}

  // Takes every lock the batch needs, in the global order of store.h
  // (idempotency keys, orders, stock rows), before any command runs, and
  // claims the orders an ExpireReservations command will expire. Loads the
  // products and stock rows of every SKU the commands name.
  // `optimistic`: see store::WriteTx::LoadForBatch; used only when every
  // stock change of the batch is relative (reserve, release).
  Status Prepare(const std::vector<Command>& batch, bool optimistic);
  // Orders claimed for expiry by Prepare.
  const std::vector<std::string>& claimed_for_expiry() const { return claimed_; }
  // Prepare's rows came from the store's cache (store::WriteTx::BatchRows::cached).
  bool cached() const { return cached_; }

  // Products and stock rows of these SKUs (all locations), once each.
  Status LoadSkus(const std::vector<std::string>& skus);
  Result<const std::vector<domain::Location>*> Locations();
  Result<const domain::Product*> Product(const std::string& sku);
  // The current row (this batch's changes included), or nullopt.
  Result<std::optional<domain::StockLevel>> Stock(const std::string& location_id, const std::string& sku);
  // Creates a zero row in the store when there is none, so deltas can apply.
  Status EnsureRow(const std::string& location_id, const std::string& sku);
  void Apply(const domain::StockDelta& delta);
  // Writes the aggregated deltas, in key order.
  Status Flush();

  // The configured workflow (the default until one is stored), once per batch.
  Result<const domain::Workflow*> Workflow();
  void SetWorkflow(domain::Workflow workflow) { workflow_ = std::move(workflow); }
  // The webhook subscriptions and the stored document's version (0: none yet), once per batch.
  Result<const std::vector<domain::Subscription>*> Subscriptions();
  std::int64_t subscriptions_version() const { return subscriptions_version_; }
  void SetSubscriptions(std::vector<domain::Subscription> subs, std::int64_t version) {
    subscriptions_ = std::move(subs);
    subscriptions_version_ = version;
  }

  // A customer's unpaid holds (store::OpenHolds), read once per batch; the
  // batch's own placements are added with AddHold.
  Result<store::OpenHolds*> Holds(const std::string& customer_id);
  void AddHold(const std::string& customer_id, std::int64_t units);

  void ForgetProduct(const std::string& sku) { products_.erase(sku); }
  // Forgets everything read so far (the store was emptied under it: ResetDemo).
  // Pending stock changes must be flushed first.
  void ForgetAll();
  void ForgetLocations() { locations_loaded_ = false; }

  std::map<std::string, domain::Product>& products() { return products_; }

 private:
  using Key = std::pair<std::string, std::string>;  // (sku, location_id)
  store::WriteTx& tx_;
  Timestamp now_;
  std::set<std::string> loaded_skus_;
  std::map<std::string, domain::Product> products_;
  std::map<Key, std::optional<domain::StockLevel>> stock_;
  struct Pending {
    domain::StockDelta delta;
    std::int64_t changes = 0;
  };
  std::map<Key, Pending> deltas_;
  std::vector<domain::Location> locations_;
  bool locations_loaded_ = false;
  bool cached_ = false;
  std::vector<std::string> claimed_;
  std::optional<domain::Workflow> workflow_;
  bool configs_loaded_ = false;  // Prepare read the documents (absent ones are absent)
  std::map<std::string, store::ConfigDoc> configs_;
  std::map<std::string, store::OpenHolds> holds_;
  Result<std::optional<store::ConfigDoc>> Config(const std::string& name);
  std::optional<std::vector<domain::Subscription>> subscriptions_;
  std::int64_t subscriptions_version_ = 0;
};

struct BatchCounters {
  std::int64_t placed = 0, rejected = 0;
  std::int64_t created = 0, committed = 0, released = 0, expired = 0;
  std::int64_t jobs_queued = 0;
  std::vector<std::pair<std::string, std::string>> job_attempts;  // (kind, outcome), reported after the commit
  std::vector<double> wms_synced;  // seconds from a push job's creation to the WMS's acknowledgement
};

// Runs one command: idempotency, decision, writes. A store failure comes back
// as an error with `fatal` set: the batch must then roll back.
class Executor {
 public:
  Executor(store::WriteTx& tx, BatchState& state, IdGenerator& ids, const Options& options, Timestamp now,
           BatchCounters& counters)
      : tx_(tx), state_(state), ids_(ids), options_(options), now_(now), counters_(counters) {}

  Completion Run(Command& command, bool* fatal);

 private:
  Outcome Execute(CommandBody& body, const Meta& meta);
  Outcome Do(PutProduct& c, const Meta& meta);
  Outcome Do(PutLocation& c, const Meta& meta);
  Outcome Do(SetStock& c, const Meta& meta);
  Outcome Do(AdjustStock& c, const Meta& meta);
  Outcome Do(PlaceOrder& c, const Meta& meta);
  Outcome Do(IntakeErpOrder& c, const Meta& meta);
  Outcome Do(ApplyWmsEvent& c, const Meta& meta);
  // Prices, allocates and reserves (in memory; WritePlacement writes it).
  Result<domain::Placement> Place(const PlaceOrder& c, bool allow_split);
  Status WritePlacement(const domain::Placement& placed, const Meta& meta);
  // The order another system's identifier was recorded with (store::WriteTx::InsertExternalRef).
  Result<std::optional<domain::Order>> Recorded(const std::string& scope, const std::string& ref);
  Outcome Do(CancelOrder& c, const Meta& meta);
  Outcome Do(ConfirmOrder& c, const Meta& meta);
  Outcome Do(PayOrder& c, const Meta& meta);
  Outcome Do(ShipOrder& c, const Meta& meta);
  Outcome Do(DeliverOrder& c, const Meta& meta);
  Outcome Do(RefundOrder& c, const Meta& meta);
  Outcome Do(SetOrderStatus& c, const Meta& meta);
  Outcome Do(PutWorkflow& c, const Meta& meta);
  Outcome Do(PutConfigDoc& c, const Meta& meta);
  Outcome Do(PutSubscription& c, const Meta& meta);
  Outcome Do(DeleteSubscription& c, const Meta& meta);
  Status StoreSubscriptions(std::vector<domain::Subscription> subs, const Meta& meta, const char* change,
                            const std::string& id);
  Outcome Do(ExpireReservations& c, const Meta& meta);
  Outcome Do(PruneIdempotency& c, const Meta& meta);
  Outcome Do(ClaimJobs& c, const Meta& meta);
  Outcome Do(CompleteJob& c, const Meta& meta);
  Outcome Do(RetryJob& c, const Meta& meta);
  Outcome Do(SweepStuck& c, const Meta& meta);
  Outcome Do(ReconcileOrder& c, const Meta& meta);
  Outcome Do(RecordReconciliation& c, const Meta& meta);
  Outcome Do(ClaimReconciliation& c, const Meta& meta);
  Outcome Do(ResetDemo& c, const Meta& meta);
  Outcome Do(RememberReply&, const Meta&) { return {Outcome::Value{}, false}; }
  // A dead job back in the queue with a fresh set of attempts (job.retried).
  Status Requeue(store::Job& job, const Meta& meta);

  // Writes each request as a queued job, due now (a workflow "webhook" action
  // as one delivery per subscriber of workflow.<status>).
  Status ScheduleJobs(const std::vector<domain::JobRequest>& jobs, const Meta& meta);
  Status WorkflowWebhooks(const domain::JobRequest& action, const Meta& meta, std::vector<domain::JobRequest>& out);
  // Appends a delivery job (step "webhook-<subscription>-<suffix>") for each
  // active subscriber of `type`.
  Status AddDeliveries(const std::string& type, const std::string& order_id, const std::string& data,
                       const std::string& suffix, const Meta& meta, std::vector<domain::JobRequest>& out);
  // Applies a finished job's answer to its order (payments, refunds, voids).
  Status ApplyJobResult(const store::Job& job, const JobResult& result, const Meta& meta);
  // Every attempt of a WMS push, whatever came of it, on the order (domain/order/wms.h).
  Status ApplyWmsPushResult(const store::Job& job, const CompleteJob& complete, const Meta& meta);
  // An event on the job's order timeline (none for webhook deliveries: those
  // would announce themselves to the subscribers they are delivered to).
  Status JobEvent(const store::Job& job, domain::Event event, const Meta& meta);

  Status AppendEvents(const std::vector<domain::Event>& events, const Meta& meta);
  Status WriteChange(const domain::Change& change, const Meta& meta);
  // Loads the order (kNotFound when missing), its reservations, their stock
  // rows and the workflow; runs `decide`; writes what changed.
  using Decide = std::function<Result<domain::Change>(domain::Order&, std::vector<domain::Reservation>&,
                                                      const domain::Workflow&)>;
  Outcome OnOrder(const std::string& order_id, const Meta& meta, const Decide& decide);
  // The same for an order that is loaded already (`found` false: reservations without an order).
  Result<domain::Change> Decided(domain::Order& order, bool found, const Meta& meta, const Decide& decide);
  // `decide` on a job's order, if it has one that exists; a decision the
  // order refuses (a late duplicate result) is left at that.
  Status OnJobOrder(const store::Job& job, const Meta& meta, const Decide& decide);
  Status WriteResolved(const std::vector<domain::Reservation>& before,
                       const std::vector<domain::Reservation>& after);

  store::WriteTx& tx_;
  BatchState& state_;
  IdGenerator& ids_;
  const Options& options_;
  Timestamp now_;
  BatchCounters& counters_;
  bool store_failed_ = false;
};

}  // namespace ordo::engine
