#include "engine/engine.h"

#include <chrono>
#include <future>
#include <random>
#include <thread>

#include "base/thread_name.h"
#include "engine/batch.h"
#include "geo/geocoder.h"

namespace ordo::engine {

Engine::Engine(store::Store& store, const Clock& clock, Options options, Observer* observer)
    : store_(store), clock_(clock), options_(options), observer_(observer) {}

Engine::~Engine() { Stop(); }

void Engine::Start() {
  writer_ = std::thread([this] {
    NameThisThread("ordo-writer");
    WriterLoop();
  });
  timer_ = std::thread([this] {
    NameThisThread("ordo-timer");
    TimerLoop();
  });
}

void Engine::Stop() {
  {
    std::lock_guard lock(timer_mu_);
    timer_stop_ = true;
  }
  timer_cv_.notify_all();
  if (timer_.joinable()) timer_.join();
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  // Replies still waiting for their batch to reach the disk are sent first.
  std::promise<void> answered;
  store_.AfterDurable([&answered] { answered.set_value(); });
  answered.get_future().wait();
}

void Engine::Submit(Command command) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      queue_.push_back(std::move(command));
      // While the writer gathers a batch it sleeps until the batch is full or
      // its wait is over: waking it for every command would cost a context
      // switch each, and it would only go back to sleep.
      if (!gathering_ || queue_.size() >= options_.batch_max) cv_.notify_one();
      return;
    }
  }
  command.done({{Error::Unavailable("the server is shutting down")}, std::nullopt});
}

Outcome Engine::Call(CommandBody body, Meta meta) {
  std::promise<Outcome> promise;
  auto future = promise.get_future();
  Submit({std::move(body), std::move(meta), [](const Outcome&) { return Reply{}; },
          [&promise](Completion c) { promise.set_value(std::move(c.outcome)); }});
  return future.get();
}

std::size_t Engine::queue_depth() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

Result<domain::GeoPoint> Engine::PrepareOrder(const domain::OrderRequest& request) const {
  if (auto s = domain::ValidateOrderRequest(request); !s) return s.take_error();
  const domain::Address& a = request.shipping_address;
  if (a.lat && a.lng) return domain::GeoPoint{*a.lat, *a.lng};
  auto hit = geo::Resolve(a.country, a.postal_code, a.city);
  if (!hit) return Error::Invalid("/shipping_address", "the address cannot be located: unknown country " + a.country);
  return domain::GeoPoint{hit->point.lat, hit->point.lng};
}

void Engine::WriterLoop() {
  std::size_t last_batch = 0;
  std::vector<Command> batch;
  while (true) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      // Under load, give the queue a moment to fill so a batch amortises its
      // fsync over more commands; a lone request never waits.
      if (options_.batch_wait_us > 0 && last_batch > 1 && queue_.size() < options_.batch_max) {
        gathering_ = true;
        cv_.wait_for(lock, std::chrono::microseconds(options_.batch_wait_us),
                     [&] { return stopping_ || queue_.size() >= options_.batch_max; });
        gathering_ = false;
      }
      std::size_t n = std::min(queue_.size(), options_.batch_max);
      for (std::size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    last_batch = batch.size();
    RunBatch(batch);
    batch.clear();
  }
}

// One attempt at a batch: everything up to and including the commit. The
// error, if any, means that nothing of the batch was committed.
std::optional<Error> Engine::TryBatch(std::vector<Command>& batch, Timestamp now, int attempt,
                                      std::vector<Completion>& replies, BatchCounters& counters) {
  replies.clear();
  counters = {};
  auto tx = store_.BeginWrite();
  if (!tx) return tx.take_error();
  BatchState state(**tx, now);
  // The first attempt reads the stock rows without locking them (PostgreSQL;
  // see store.h); a batch that lost a conflict runs again with the locks.
  if (auto s = state.Prepare(batch, attempt == 1); !s) return s.take_error();
  Executor executor(**tx, state, ids_, options_, now, counters);
  bool fatal = false;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    replies.push_back(executor.Run(batch[i], &fatal));
    if (fatal) {
      const auto& result = replies.back().outcome.result;
      return result.ok() ? Error::Internal("a command failed") : result.error();
    }
  }
  if (auto s = state.Flush(); !s) return s.take_error();
  if (auto s = (*tx)->Commit(); !s) return s.take_error();
  return std::nullopt;
}  // an uncommitted transaction rolls back here

void Engine::RunBatch(std::vector<Command>& batch) {
  auto started = std::chrono::steady_clock::now();
  std::vector<Completion> replies;
  replies.reserve(batch.size());
  BatchCounters counters;
  std::optional<Error> failure;
  for (int attempt = 1;; ++attempt) {
    failure = TryBatch(batch, clock_.Now(), attempt, replies, counters);
    // Another node's batch won a conflict (a deadlock, a serialization
    // failure), or the batch decided on cached rows that may be out of date:
    // nothing was changed, so the whole batch runs again, on rows read afresh
    // and locked (attempt > 1).
    if (!failure || attempt >= kMaxBatchAttempts) break;
    if (failure->type != store::kStale && failure->type != store::kConflict) break;
    if (observer_) observer_->OnBatchRerun(failure->type);
    if (failure->type == store::kStale) continue;  // nobody to make way for
    if (observer_) observer_->OnStorageError(*failure);
    static thread_local std::minstd_rand jitter{std::random_device{}()};
    std::this_thread::sleep_for(std::chrono::microseconds(200 * attempt + jitter() % 500));
  }
  bool committed = !failure;
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (observer_) observer_->OnBatch(batch.size(), seconds, committed);
  if (!committed) {
    if (observer_) observer_->OnStorageError(*failure);
    // Nothing of this batch is durable: every command gets the failure.
    Error unavailable = Error::Unavailable("storage is unavailable; nothing was changed, retry");
    for (Command& c : batch) c.done({{unavailable}, std::nullopt});
    return;
  }
  if (observer_) {
    for (std::int64_t i = 0; i < counters.placed; ++i) observer_->OnOrderPlaced();
    for (std::int64_t i = 0; i < counters.rejected; ++i) observer_->OnOrderRejected();
    observer_->OnReservations(counters.created, counters.committed, counters.released, counters.expired);
    if (counters.jobs_queued > 0) observer_->OnJobsQueued();
    for (const auto& [kind, outcome] : counters.job_attempts) observer_->OnJobAttempt(kind, outcome);
    for (double seconds : counters.wms_synced) observer_->OnWmsSynced(seconds);
  }
  // The replies leave once the batch is on disk; under pipelined sync the
  // next batch runs meanwhile (store.h, AfterDurable).
  struct Answers {
    std::vector<std::function<void(Completion)>> done;
    std::vector<Completion> replies;
  };
  auto answers = std::make_shared<Answers>();
  answers->done.reserve(batch.size());
  for (Command& c : batch) answers->done.push_back(std::move(c.done));
  answers->replies = std::move(replies);
  store_.AfterDurable([answers] {
    for (std::size_t i = 0; i < answers->done.size(); ++i) answers->done[i](std::move(answers->replies[i]));
  });
}

void Engine::TimerLoop() {
  auto noop = [](const Outcome&) { return Reply{}; };
  auto ignore = [](Completion) {};
  Timestamp last_prune = 0, last_sweep = clock_.Now();
  std::unique_lock lock(timer_mu_);
  while (!timer_stop_) {
    timer_cv_.wait_for(lock, std::chrono::milliseconds(options_.expiry_sweep_interval_ms),
                       [&] { return timer_stop_; });
    if (timer_stop_) return;
    Meta meta{"timer:expiry", "timer:expiry", "system", "", ""};
    Submit({ExpireReservations{}, meta, noop, ignore});
    Timestamp now = clock_.Now();
    if (now - last_sweep >= options_.sweep_interval_ms) {
      last_sweep = now;
      Submit({SweepStuck{options_.stuck_after_ms, 50}, {"timer:sweeper", "timer:sweeper", "system", "", ""}, noop,
              ignore});
    }
    if (now - last_prune > 60 * 60 * 1000) {
      last_prune = now;
      Submit({PruneIdempotency{}, {"timer:prune", "timer:prune", "system", "", ""}, noop, ignore});
    }
  }
}

}  // namespace ordo::engine
