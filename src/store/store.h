// The storage interface. Two adapters implement it (SQLite now, PostgreSQL for
// scale-out); one contract suite (contract_test.cpp) runs against every adapter.
//
// Threading: a Store is shared by all threads. Read views come from a pool and
// are used by one thread at a time. A WriteTx belongs to the one sequencer
// thread of the node; it is the only writer.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "domain/catalog/catalog.h"
#include "domain/inventory/ledger.h"
#include "domain/order/order.h"

namespace ordo::store {

struct StoredEvent {
  std::int64_t seq = 0;  // gap-free, assigned by the writer
  std::string type;
  std::string order_id;
  std::string data;  // JSON object
  Timestamp time = 0;
  std::string correlation_id;
  std::string causation_id;
  std::string id() const { return "evt_" + std::to_string(seq); }
};

struct IdempotencyRecord {
  std::string principal;
  std::string key;
  std::string request_hash;
  int status = 0;
  std::string body;
  Timestamp created_at = 0;
};

struct Page {
  int limit = 50;
  std::string cursor;  // exclusive; empty = from the start
};

// Each non-empty field narrows the list; all of them together are ANDed.
struct OrderFilter {
  std::string status;
  std::string customer_id;
  Page page;
  std::vector<std::string> location_ids;  // non-empty: orders with an allocation at one of them
  std::string external_id;                // the id the order has in the system it came from
  std::string wms_state;                  // domain::wms_state: none, queued, retrying, acknowledged, failed
};

// What a customer holds reserved without having paid: orders with pending
// reservations that still expire (paid orders hold theirs until shipment).
struct OpenHolds {
  std::int64_t orders = 0;
  std::int64_t units = 0;
};

template <typename T>
struct Paged {
  std::vector<T> items;
  std::string next_cursor;  // empty when there is no more
};

// Error::type of a write that lost a conflict with another writer (a deadlock,
// a serialization failure): nothing was changed, and running the same batch
// again is expected to succeed.
inline constexpr const char* kConflict = "conflict";
// Error::type of a batch that decided on rows a node had cached
// (WriteTx::BatchRows::cached) when they may no longer hold: a catalogue
// change since, or a placement whose outcome depends on stock the cache may
// have wrong. Nothing was changed; the batch runs again at once on rows read
// afresh.
inline constexpr const char* kStale = "stale";

inline constexpr int kDefaultPageLimit = 50;
inline constexpr int kMaxPageLimit = 200;

// The page size an adapter uses: a non-positive limit means the default.
inline int ClampPageLimit(int limit) {
  return limit < 1 ? kDefaultPageLimit : (limit > kMaxPageLimit ? kMaxPageLimit : limit);
}

// Adapters fetch limit + 1 rows; the extra row only says that there is more.
template <typename T, typename CursorOf>
void FinishPage(Paged<T>& page, int limit, CursorOf cursor_of) {
  if (static_cast<int>(page.items.size()) <= limit) return;
  page.items.pop_back();
  page.next_cursor = cursor_of(page.items.back());
}

// A call to another system, durable: written in the same transaction as the
// change that needs it, claimed by a runner, retried with backoff, and dead
// (the DLQ) once its attempts are spent.
namespace job_state {
inline constexpr const char* kQueued = "queued";
inline constexpr const char* kRunning = "running";  // claimed; the lease says until when
inline constexpr const char* kDone = "done";
inline constexpr const char* kDead = "dead";
}  // namespace job_state

struct Job {
  std::string id;
  std::string kind;      // "payment.charge", "payment.refund", "webhook.deliver", …
  std::string order_id;  // may be empty (a webhook for a stock event)
  std::string step;      // unique per order; the outbound idempotency key is key()
  std::string state = job_state::kQueued;
  int attempts = 0;      // started so far (a claim starts one)
  int max_attempts = 1;
  Timestamp run_at = 0;       // due from
  Timestamp lease_until = 0;  // while running: another runner may take it over after this
  std::string owner;          // the node that holds the lease
  std::string payload = "{}";  // JSON object: what to send
  std::string last_error;
  Timestamp created_at = 0, updated_at = 0;

  std::string key() const { return (order_id.empty() ? std::string("ordo") : order_id) + ":" + step; }
};

// One try of a job: the delivery log.
struct JobAttempt {
  std::string job_id;
  int attempt = 0;
  Timestamp started_at = 0, finished_at = 0;
  std::string outcome;  // "ok", "retry", "failed", "declined", "stale", …
  int http_status = 0;  // 0 when no answer came
  std::string error;
};

struct JobFilter {
  std::string state, kind, order_id;
  Page page;  // newest first; the cursor is a job id
  std::string step_prefix;  // e.g. "webhook-<subscription id>-": one subscription's deliveries
};

// What WriteTx::ResetForDemo runs (children before parents): both adapters.
inline constexpr const char* kDemoReset[] = {
    "DELETE FROM job_attempts", "DELETE FROM jobs",    "DELETE FROM reservations",  "DELETE FROM idempotency",
    "DELETE FROM external_refs", "DELETE FROM reconciliations", "DELETE FROM orders", "DELETE FROM stock",
    "DELETE FROM products",      "DELETE FROM locations",
    "DELETE FROM config WHERE name IN ('workflow', 'branding', 'webhooks')"};

// A reconciliation run (src/reconcile): the report kept whole for its own
// view, and summarised (without the discrepancies) for the history.
struct ReconciliationRecord {
  std::string id;  // time-ordered: a later run's id sorts after an earlier one's
  Timestamp started_at = 0, finished_at = 0;
  std::string summary = "{}";  // JSON object
  std::string body = "{}";     // JSON object: the summary plus the discrepancies
};

struct JobCount {
  std::string kind, state;
  std::int64_t count = 0;
};

// A named, versioned configuration document (the workflow, the branding).
struct ConfigDoc {
  std::string name;
  std::int64_t version = 0;
  std::string body;  // JSON
  Timestamp updated_at = 0;
};

struct Violation {
  std::string invariant;
  std::string detail;
};

struct Counts {
  std::int64_t orders = 0, events = 0, pending_reservations = 0;
};

// Queries. Every method is a read of committed state (or, inside a WriteTx,
// of the transaction's own state).
class ReadView {
 public:
  virtual ~ReadView() = default;
  virtual Result<std::optional<domain::Product>> GetProduct(const std::string& sku) = 0;
  virtual Result<std::vector<domain::Product>> GetProducts(const std::vector<std::string>& skus) = 0;
  virtual Result<Paged<domain::Product>> ListProducts(const Page& page) = 0;
  virtual Result<std::optional<domain::Location>> GetLocation(const std::string& id) = 0;
  virtual Result<std::vector<domain::Location>> ListLocations() = 0;
  virtual Result<std::optional<domain::StockLevel>> GetStock(const std::string& location_id,
                                                             const std::string& sku) = 0;
  // Every location's row for each SKU, ordered by (sku, location_id).
  virtual Result<std::vector<domain::StockLevel>> GetStockForSkus(const std::vector<std::string>& skus) = 0;
  // Filters are optional (empty = any).
  virtual Result<std::vector<domain::StockLevel>> QueryStock(const std::string& sku,
                                                             const std::string& location_id) = 0;
  virtual Result<std::optional<domain::Order>> GetOrder(const std::string& id) = 0;
  virtual Result<Paged<domain::Order>> ListOrders(const OrderFilter& filter) = 0;
  // The customer's unpaid holds: pending reservations expiring after `now`
  // (and before kHeldUntil, which marks paid orders).
  virtual Result<OpenHolds> CountOpenHolds(const std::string& customer_id, Timestamp now) = 0;
  virtual Result<std::vector<domain::Reservation>> ListReservations(const std::string& order_id,
                                                                    const std::string& state) = 0;
  virtual Result<std::vector<StoredEvent>> OrderEvents(const std::string& order_id) = 0;
  virtual Result<std::vector<StoredEvent>> EventsAfter(std::int64_t seq, int limit) = 0;
  // The sequence number of the last committed event (0 when there is none).
  virtual Result<std::int64_t> LastEventSeq() = 0;
  virtual Result<std::optional<IdempotencyRecord>> GetIdempotency(const std::string& principal,
                                                                  const std::string& key) = 0;
  virtual Result<std::optional<Job>> GetJob(const std::string& id) = 0;
  virtual Result<Paged<Job>> ListJobs(const JobFilter& filter) = 0;
  virtual Result<std::vector<JobAttempt>> JobAttempts(const std::string& job_id) = 0;
  // Jobs that should have run by `due_before` and have not: queued and due
  // since then, or running with a lease that ran out then (nobody took them
  // over). A job already reported stuck for its current attempt (an attempt
  // row with outcome "stuck") is left out. Oldest first.
  virtual Result<std::vector<Job>> OverdueJobs(Timestamp due_before, int limit) = 0;
  // How many jobs there are of each (kind, state).
  virtual Result<std::vector<JobCount>> CountJobs() = 0;
  virtual Result<std::optional<ConfigDoc>> GetConfig(const std::string& name) = 0;
  // Reconciliation runs, newest first (the cursor is a run id).
  virtual Result<Paged<ReconciliationRecord>> ListReconciliations(const Page& page) = 0;
  virtual Result<std::optional<ReconciliationRecord>> GetReconciliation(const std::string& id) = 0;
  // What another system's identifier is known as here (InsertExternalRef):
  // the order id, or nullopt when (scope, ref) was never recorded.
  virtual Result<std::optional<std::string>> GetExternalRef(const std::string& scope, const std::string& ref) = 0;
  // Orders with a pending reservation whose expiry is at or before `now`.
  virtual Result<std::vector<std::string>> OrdersWithExpiredReservations(Timestamp now, int limit) = 0;
  virtual Result<Counts> Count() = 0;
  // The ledger and event-log invariants; empty when all hold.
  virtual Result<std::vector<Violation>> CheckInvariants() = 0;
  // Only the stock rows' invariants (kStockWithinBounds, kReservedIsPendingSum):
  // they read the stock and the pending reservations, not every order.
  virtual Result<std::vector<Violation>> CheckStock() = 0;
};

// One write transaction. Nothing is visible to readers before Commit();
// destroying an uncommitted WriteTx rolls it back.
class WriteTx : public ReadView {
 public:
  virtual Status PutProduct(const domain::Product& product) = 0;
  virtual Status PutLocation(const domain::Location& location) = 0;
  struct BatchRows {
    std::vector<domain::Product> products;    // of the SKUs asked, those that exist
    std::vector<domain::Location> locations;  // all, ordered by id
    std::vector<domain::StockLevel> stock;    // GetStockForSkus(skus): locked, in (sku, location) order
    // The configuration documents every batch may need (kBatchConfigs), those that exist.
    std::vector<ConfigDoc> configs;
    // From the node's cache, not read in this transaction (only with
    // `optimistic`). Products, locations and configuration are then checked
    // at commit (a change since fails the commit with kStale). Stock may be
    // off by what other nodes did since: ApplyStockDeltas's guard still
    // checks every change, and the engine keeps no decision that the
    // amounts at other rows could have changed (kStale).
    bool cached = false;
  };
  static constexpr const char* kBatchConfigs[] = {"workflow", "webhooks"};
  // What a batch reads before it decides: GetProducts, ListLocations,
  // GetStockForSkus and the batch's configuration documents in one call (an
  // adapter may do it in one round trip).
  // `optimistic`: the stock rows need not be locked now, because the batch
  // only reserves and releases; ApplyStockDeltas then locks them (in the
  // global order) and checks them, and a row that changed so much that a
  // change no longer fits fails the batch with kConflict, to be run again
  // (not optimistically). An adapter may then answer from a cache of its
  // own, without reading (`cached`). A store with one writer ignores it.
  virtual Result<BatchRows> LoadForBatch(const std::vector<std::string>& skus, bool optimistic = false) {
    (void)optimistic;
    BatchRows out;
    if (!skus.empty()) {
      auto products = GetProducts(skus);
      if (!products) return products.take_error();
      out.products = std::move(*products);
    }
    auto locations = ListLocations();
    if (!locations) return locations.take_error();
    out.locations = std::move(*locations);
    if (!skus.empty()) {
      auto stock = GetStockForSkus(skus);
      if (!stock) return stock.take_error();
      out.stock = std::move(*stock);
    }
    for (const char* name : kBatchConfigs) {
      auto doc = GetConfig(name);
      if (!doc) return doc.take_error();
      if (*doc) out.configs.push_back(std::move(**doc));
    }
    return out;
  }

  // Absolute write of a row (insert or replace), as decided by the ledger.
  virtual Status PutStock(const domain::StockLevel& level, Timestamp now) = 0;
  // Creates a row that did not exist when the batch read the stock. When
  // another writer has created it since, the batch fails with kConflict (at
  // once or at Commit) and runs again with the row in place.
  virtual Status CreateStockRow(const domain::StockLevel& level, Timestamp now) { return PutStock(level, now); }
  // One aggregated relative change per row per batch; `changes` is how many
  // ledger changes it folds together (the row's version grows by that much).
  virtual Status ApplyStockDelta(const domain::StockDelta& delta, std::int64_t changes, Timestamp now) = 0;
  struct StockChange {
    domain::StockDelta delta;
    std::int64_t changes = 0;
  };
  // All of a batch's stock changes, each as ApplyStockDelta. An adapter may
  // send them as one statement and report a failure only at Commit.
  virtual Status ApplyStockDeltas(const std::vector<StockChange>& changes, Timestamp now) {
    for (const auto& c : changes)
      if (auto s = ApplyStockDelta(c.delta, c.changes, now); !s) return s;
    return Ok();
  }
  virtual Status InsertOrder(const domain::Order& order) = 0;
  virtual Status UpdateOrder(const domain::Order& order) = 0;
  virtual Status InsertReservation(const domain::Reservation& reservation) = 0;
  // A pending reservation's new state (and expiry); fails unless it is pending.
  virtual Status UpdateReservation(const domain::Reservation& reservation) = 0;
  // Appends an event to the log. Its seq is gap-free, in the order appended,
  // one past the last committed. An adapter may number the events only at
  // Commit (PostgreSQL does, so that the sequence is locked as briefly as
  // possible); `event.seq` is then left 0.
  virtual Status AppendEvent(StoredEvent& event) = 0;
  virtual Status PutIdempotency(const IdempotencyRecord& record) = 0;
  // Records another system's identifier once, for good: an ERP's order
  // (scope "erp:<organization>", ref its order id) or a WMS callback (scope
  // "wms-event", ref its event id), with the order it belongs to. A (scope,
  // ref) recorded before fails with kAlreadyExists and changes nothing: the
  // unique key is what collapses duplicates, whichever node sees them.
  virtual Status InsertExternalRef(const std::string& scope, const std::string& ref, const std::string& order_id,
                                   Timestamp now) = 0;
  virtual Result<std::int64_t> PruneIdempotency(Timestamp created_before) = 0;

  // ---- Jobs ----
  // A job whose (order_id, step) exists already fails with kAlreadyExists
  // and changes nothing: the same step is never scheduled twice.
  virtual Status InsertJob(const Job& job) = 0;
  virtual Status UpdateJob(const Job& job) = 0;
  virtual Status InsertJobAttempt(const JobAttempt& attempt) = 0;
  // Claims up to `limit` due jobs of these kinds, oldest due first: queued
  // ones whose run_at has come, and running ones whose lease has run out (a
  // runner died). Each is returned as claimed: running, attempts + 1, with
  // this lease and owner. Jobs another writer holds are skipped.
  virtual Result<std::vector<Job>> ClaimJobs(const std::vector<std::string>& kinds, int limit, Timestamp now,
                                             Timestamp lease_until, const std::string& owner) = 0;
  // Stores a configuration document; kAborted "version-conflict" unless the
  // stored version is `doc.version - 1` (optimistic concurrency).
  virtual Status PutConfig(const ConfigDoc& doc) = 0;
  virtual Status InsertReconciliation(const ReconciliationRecord& record) = 0;
  // The demo's reset (--demo only): every order, reservation, job, attempt,
  // idempotency record, external reference and reconciliation report goes,
  // with the catalogue, the locations, the stock and the workflow, branding
  // and webhook documents. The event log (append-only, the SSE streams'
  // positions), users' API keys and the signing secret stay.
  virtual Status ResetForDemo() = 0;

  // ---- Several writers (nodes) on one database ----
  // A batch takes its locks in one global order: idempotency keys (and
  // external refs, under the same kind of lock), then
  // orders, then stock rows (GetStockForSkus), then the event sequence, then
  // (at COMMIT, PostgreSQL's catalogue_epoch) the catalogue's change count. Two
  // batches on different nodes therefore never wait on each other in a cycle.
  // A store with a single writer (SQLite) needs none of it: the defaults.

  // Holds each (principal, key) until this transaction ends, so a second node
  // handling the same Idempotency-Key waits for the first one's commit and
  // then finds its record.
  virtual Status LockIdempotencyKeys(const std::vector<std::pair<std::string, std::string>>& keys) {
    (void)keys;
    return Ok();
  }
  // Locks these orders (those that exist) until this transaction ends.
  virtual Status LockOrders(const std::vector<std::string>& ids) {
    (void)ids;
    return Ok();
  }
  // Like OrdersWithExpiredReservations, but each order returned is locked
  // until this transaction ends and orders another writer holds are skipped:
  // timers on every node share the work, none is done twice. A node that dies
  // drops its locks with its connection, and the next sweep anywhere takes over.
  virtual Result<std::vector<std::string>> ClaimExpiredOrders(Timestamp now, int limit) {
    return OrdersWithExpiredReservations(now, limit);
  }
  // Applied and visible to this writer when it returns ok; durable then, or
  // once Store::AfterDurable says so (a store with pipelined sync).
  virtual Status Commit() = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  // Applies pending migrations; returns the schema version.
  virtual Result<int> Migrate() = 0;
  virtual Result<std::unique_ptr<WriteTx>> BeginWrite() = 0;
  // A pooled read view; returned to the pool when destroyed.
  virtual Result<std::unique_ptr<ReadView>> Read() = 0;
  virtual std::string Describe() const = 0;  // for logs, never with credentials
  // Commits of other nodes, for live streams. nullptr when this node is the
  // only writer (its engine notifies directly).
  virtual std::unique_ptr<class ChangeFeed> Listen() { return nullptr; }
  // Calls `then` once every commit that returned before this call is on disk:
  // at once where Commit is durable when it returns (PostgreSQL), later where
  // a thread of the store syncs while the writer goes on (SQLite's pipelined
  // sync). In the order of the calls, on any thread. Nothing may be
  // acknowledged before it. Read views never see a commit that is not yet on
  // disk, whichever the store.
  virtual void AfterDurable(std::function<void()> then) { then(); }
};

// Wakes a node when another node has committed events.
class ChangeFeed {
 public:
  virtual ~ChangeFeed() = default;
  // Waits up to `timeout`; true when another node committed meanwhile. An
  // error means the feed is broken (the caller opens a new one later).
  virtual Result<bool> Wait(std::chrono::milliseconds timeout) = 0;
  // Whether this node wants to hear of other nodes' commits: it has live
  // subscribers, or it relays the log. Writers send their wake-up only while
  // some node wants it; each node finds out within about a second, and the
  // hub's poll covers that second. Called before each Wait; cheap.
  virtual void Want(bool /*wanted*/) {}
};

}  // namespace ordo::store
