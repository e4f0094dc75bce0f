// The engine: the sequencer (one writer per node that group-commits batches of
// commands) and the timers that feed it. Reads bypass it (Read()).
//
//   Submit(cmd) ─► queue ─► writer thread: BEGIN; load rows the batch touches;
//                           domain decisions in order; write; COMMIT
//                           ─► once on disk (fsync; Store::AfterDurable):
//                              every command's done(reply)
//
// A command rejected by business rules is a rejected command inside the
// batch, not a failed transaction. A reply leaves only once its commit is
// durable; under SQLite's pipelined sync the next batch runs meanwhile.
// Thread-safe: Submit and Read may be called from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "base/clock.h"
#include "base/ids.h"
#include "engine/commands.h"
#include "store/store.h"

namespace ordo::engine {

struct BatchCounters;
// A batch that loses a conflict with another node's is run again, up to this many times in all.
inline constexpr int kMaxBatchAttempts = 5;

struct Options {
  std::int64_t reservation_ttl_ms = 30 * 60 * 1000;     // seed default: 30 min
  std::int64_t expiry_sweep_interval_ms = 1000;
  std::int64_t idempotency_ttl_ms = 24 * 60 * 60 * 1000;  // keys kept 24 h
  std::size_t batch_max = 512;
  std::int64_t batch_wait_us = 0;  // extra gathering time, only while batches are busy
  bool allow_split = true;
  int job_max_attempts = 4;  // seed: the first call and 3 retries (jobs::RetryPolicy)
  std::int64_t sweep_interval_ms = 5000;  // seed 001: the sweeper's tick, batches of 50
  std::int64_t stuck_after_ms = 30'000;   // a job overdue this long is stuck
};

// Hooks for metrics; called on the writer thread.
struct Observer {
  virtual ~Observer() = default;
  virtual void OnBatch(std::size_t commands, double commit_seconds, bool committed) = 0;
  virtual void OnOrderPlaced() = 0;
  virtual void OnOrderRejected() = 0;
  virtual void OnReservations(std::int64_t created, std::int64_t committed, std::int64_t released,
                              std::int64_t expired) = 0;
  // A batch rolled back because storage failed; the message is for logs only.
  virtual void OnStorageError(const Error&) {}
  // A batch runs again: store::kConflict (another node won a lock) or
  // store::kStale (it decided on cached rows that may be out of date).
  virtual void OnBatchRerun(const std::string& reason) { (void)reason; }
  // A committed batch queued jobs (new, retried or rescheduled): runners may look.
  virtual void OnJobsQueued() {}
  // A job's call was recorded (committed): outcome done, declined, failed, retry or exhausted.
  virtual void OnJobAttempt(const std::string& kind, const std::string& outcome) {
    (void)kind, (void)outcome;
  }
  // An order reached the WMS: seconds from its push job's creation (a retry
  // from the DLQ included) to the acknowledgement's commit.
  virtual void OnWmsSynced(double seconds) { (void)seconds; }
};

class Engine {
 public:
  Engine(store::Store& store, const Clock& clock, Options options, Observer* observer = nullptr);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  void Start();
  // Stops taking commands, finishes those queued, joins the threads.
  void Stop();

  void Submit(Command command);
  // Submits a command (no Idempotency-Key) and waits for its commit. For
  // threads that may block (start-up, the reconciler, the demo tools), never
  // an io thread.
  Outcome Call(CommandBody body, Meta meta = {});
  Result<std::unique_ptr<store::ReadView>> Read() { return store_.Read(); }

  // Validation of an order request plus offline geocoding of its address:
  // the same for order creation and the bench echo.
  Result<domain::GeoPoint> PrepareOrder(const domain::OrderRequest& request) const;

  std::size_t queue_depth() const;
  const Clock& clock() const { return clock_; }

 private:
  void WriterLoop();
  void TimerLoop();
  void RunBatch(std::vector<Command>& batch);
  std::optional<Error> TryBatch(std::vector<Command>& batch, Timestamp now, int attempt,
                                std::vector<Completion>& replies, BatchCounters& counters);

  store::Store& store_;
  const Clock& clock_;
  Options options_;
  Observer* observer_;
  IdGenerator ids_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Command> queue_;
  bool stopping_ = false;
  bool gathering_ = false;  // the writer waits for a batch to fill (batch_wait_us)
  std::thread writer_;

  std::mutex timer_mu_;
  std::condition_variable timer_cv_;
  bool timer_stop_ = false;
  std::thread timer_;
};

}  // namespace ordo::engine
