// The reconciler: every `interval` (seed 000: 5 min) and on demand, it reads
// the WMS's and the ERP's views of the orders (views.h) and Ordo's own (a
// read view), compares them (domain/reconcile), heals what is safe to heal
// and flags the rest, through the engine, and stores the report.
//
//   run ─► fetch views (a view that fails is reported and left out)
//       ─► snapshot Ordo's orders (ViewOf, with each order's version)
//       ─► domain::reconcile::Reconcile + the ledger's invariants (stock drift)
//       ─► each discrepancy on an order: engine ReconcileOrder (timeline event,
//          heal only if the order is still at the version compared)
//       ─► engine RecordReconciliation (the report)
//
// With several nodes, each one's timer asks the engine to claim the interval
// (ClaimReconciliation): one node runs it. Runs asked for by hand run on the
// node asked. One run at a time per node, on the reconciler's own thread
// (the views are read with blocking HTTP calls).
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/ids.h"
#include "engine/engine.h"
#include "reconcile/views.h"
#include "store/store.h"

namespace ordo::reconcile {

struct ReconcilerOptions {
  ViewSource wms;  // base_url "" = not read
  ViewSource erp;
  std::int64_t interval_ms = 5 * 60 * 1000;  // 0 = runs only when asked
  // Orders that changed within this long on either side are left for the
  // next run: a callback or a push may be in flight.
  std::int64_t settle_ms = 60 * 1000;
  // The report keeps this many discrepancies (the counts cover all).
  std::size_t max_listed = 1000;
};

// What a run came to, for metrics.
struct RunSummary {
  std::string trigger;  // "timer" or "manual"
  std::int64_t discrepancies = 0, healed = 0;
  double seconds = 0;
  Timestamp finished_at = 0;
};

class Reconciler {
 public:
  Reconciler(engine::Engine& engine, const Clock& clock, ReconcilerOptions options,
             std::function<void(const RunSummary&)> on_run = {});
  ~Reconciler();
  Reconciler(const Reconciler&) = delete;
  Reconciler& operator=(const Reconciler&) = delete;

  void Start();
  void Stop();  // finishes the run under way

  using Done = std::function<void(Result<store::ReconciliationRecord>)>;
  // Runs a reconciliation now, on the reconciler's thread; `done` (called
  // there) gets the stored report. Requests that come while a run is under
  // way share the next run.
  void RunNow(std::string requested_by, Done done);

  // One run, on the caller's thread (tests; Start not needed).
  Result<store::ReconciliationRecord> Run(const std::string& trigger, const std::string& requested_by);

 private:
  void Loop();

  engine::Engine& engine_;
  const Clock& clock_;
  ReconcilerOptions options_;
  std::function<void(const RunSummary&)> on_run_;
  IdGenerator ids_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::vector<std::pair<std::string, Done>> asked_;  // (requested_by, done)
  std::thread thread_;
};

}  // namespace ordo::reconcile
