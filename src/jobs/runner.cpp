#include "base/thread_name.h"
#include "jobs/runner.h"

#include <algorithm>
#include <future>
#include <limits>
#include <random>

namespace ordo::jobs {

Runner::Runner(engine::Engine& engine, const Clock& clock, RunnerOptions options)
    : engine_(engine), clock_(clock), options_(std::move(options)) {}

Runner::~Runner() { Stop(); }

void Runner::Register(const std::string& kind, const std::string& integration, Handler handler) {
  handlers_[kind] = std::move(handler);
  integration_of_[kind] = integration;
  Integration& i = integrations_[integration];
  if (!i.breaker) i.breaker = std::make_unique<CircuitBreaker>(options_.breaker);
  i.kinds.push_back(kind);
}

void Runner::Start() {
  for (int i = 0; i < options_.workers; ++i) workers_.emplace_back([this] {
      NameThisThread("ordo-job-worker");
      Work();
    });
  loop_ = std::thread([this] {
    NameThisThread("ordo-jobs");
    Loop();
  });
}

void Runner::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_cv_.notify_all();
  work_cv_.notify_all();
  if (loop_.joinable()) loop_.join();
  for (auto& w : workers_)
    if (w.joinable()) w.join();
  workers_.clear();
}

void Runner::Wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  wake_cv_.notify_one();
}

std::map<std::string, std::string> Runner::BreakerStates() const {
  std::map<std::string, std::string> out;
  Timestamp now = clock_.Now();
  for (const auto& [name, i] : integrations_) out[name] = ToString(i.breaker->state(now));
  return out;
}

engine::JobResult Runner::Classify(const store::Job& job, const CallOutcome& o, Timestamp now, double random01) const {
  using K = engine::JobResult::Kind;
  engine::JobResult r;
  r.http_status = o.http_status;
  r.error = o.error;
  r.data = o.data;
  switch (o.kind) {
    case CallOutcome::Kind::kOk: r.kind = K::kDone; return r;
    case CallOutcome::Kind::kDeclined: r.kind = K::kDeclined; return r;
    case CallOutcome::Kind::kPermanent: r.kind = K::kFailed; return r;
    case CallOutcome::Kind::kTransient: break;
  }
  if (job.attempts >= job.max_attempts) {
    r.kind = K::kExhausted;
    return r;
  }
  // The backoff restarts with each round of attempts (a retry by hand starts a new round).
  int per_round = options_.retry.max_attempts + 1;
  int in_round = job.attempts - std::max(0, job.max_attempts - per_round);
  RetryPolicy unlimited = options_.retry;
  unlimited.max_attempts = std::numeric_limits<int>::max();
  r.kind = K::kRetry;
  r.retry_at = NextAttemptAt(unlimited, std::max(1, in_round), now, random01).value_or(now);
  return r;
}

std::vector<store::Job> Runner::Claim(const std::vector<std::string>& kinds, int limit) {
  auto promise = std::make_shared<std::promise<std::vector<store::Job>>>();
  auto future = promise->get_future();
  engine::Command c;
  c.body = engine::ClaimJobs{kinds, limit, options_.owner, options_.lease_ms};
  c.meta = {"jobs:" + options_.owner, "jobs:claim", "system", "", ""};
  c.render = [](const engine::Outcome&) { return engine::Reply{}; };
  c.done = [promise](engine::Completion done) {
    std::vector<store::Job> jobs;
    if (done.outcome.result.ok())
      if (auto* v = std::get_if<std::vector<store::Job>>(&*done.outcome.result)) jobs = std::move(*v);
    promise->set_value(std::move(jobs));
  };
  engine_.Submit(std::move(c));
  return future.get();
}

void Runner::Loop() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    wake_cv_.wait_for(lock, std::chrono::milliseconds(options_.poll_ms), [&] { return stop_ || woken_; });
    if (stop_) return;
    woken_ = false;
    bool more = true;
    while (more && !stop_) {
      more = false;
      for (auto& [name, integration] : integrations_) {
        int free = options_.workers - busy_;
        if (free <= 0) break;
        Timestamp now = clock_.Now();
        CircuitBreaker::State state = integration.breaker->state(now);
        if (state == CircuitBreaker::State::kOpen) continue;
        int limit = free;
        if (state == CircuitBreaker::State::kHalfOpen) {
          if (!integration.breaker->Allow(now)) continue;
          limit = 1;  // the probe
        }
        lock.unlock();
        std::vector<store::Job> claimed = Claim(integration.kinds, limit);
        lock.lock();
        if (static_cast<int>(claimed.size()) == limit && state == CircuitBreaker::State::kClosed) more = true;
        for (auto& j : claimed) {
          ++busy_;
          work_.push_back(std::move(j));
        }
        work_cv_.notify_all();
      }
    }
  }
}

void Runner::Work() {
  std::unique_lock lock(mu_);
  while (true) {
    work_cv_.wait(lock, [&] { return stop_ || !work_.empty(); });
    if (work_.empty()) return;  // stopping and nothing left
    store::Job job = std::move(work_.front());
    work_.pop_front();
    lock.unlock();
    Run(job);
    lock.lock();
    --busy_;
    woken_ = true;  // a worker is free again
    wake_cv_.notify_one();
  }
}

void Runner::Run(const store::Job& job) {
  Timestamp started = clock_.Now();
  CallOutcome outcome;
  auto handler = handlers_.find(job.kind);
  if (job.attempts > job.max_attempts) {
    // Claimed again after its last lease ran out (its runner died): no call left.
    outcome = {CallOutcome::Kind::kTransient, 0, "no attempts left after a lost lease", {}};
  } else if (handler == handlers_.end()) {
    outcome = {CallOutcome::Kind::kPermanent, 0, "no handler for job kind " + job.kind, {}};
  } else {
    outcome = handler->second(job);
    CircuitBreaker& breaker = *integrations_.at(integration_of_.at(job.kind)).breaker;
    // The other system answered (even a decline): it is up. No answer: a failure.
    if (outcome.kind == CallOutcome::Kind::kTransient) breaker.OnFailure(clock_.Now());
    else breaker.OnSuccess(clock_.Now());
  }
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  double random01 = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
  engine::Command c;
  c.body = engine::CompleteJob{job.id, job.attempts, job.owner, started, Classify(job, outcome, clock_.Now(), random01)};
  c.meta = {"jobs:" + job.id, "job:" + job.id, "system", "", ""};
  c.render = [](const engine::Outcome&) { return engine::Reply{}; };
  c.done = [](engine::Completion) {};
  engine_.Submit(std::move(c));
}

}  // namespace ordo::jobs
