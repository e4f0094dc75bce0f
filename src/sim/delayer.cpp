#include "sim/delayer.h"

#include <vector>

namespace ordo::sim {

Delayer::~Delayer() { Stop(); }

void Delayer::Start() {
  std::lock_guard lock(mu_);
  if (running_) return;
  running_ = true;
  thread_ = std::thread([this] { Run(); });
}

void Delayer::After(int ms, http::Response response, http::Respond respond) {
  {
    std::lock_guard lock(mu_);
    if (ms > 0 && running_) {
      auto due = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
      queue_.emplace(due, Pending{std::move(response), std::move(respond)});
      cv_.notify_one();
      return;
    }
  }
  respond(std::move(response));
}

void Delayer::Stop() {
  std::thread thread;
  {
    std::lock_guard lock(mu_);
    if (!running_) return;
    running_ = false;
    thread = std::move(thread_);
    cv_.notify_one();
  }
  thread.join();
}

std::size_t Delayer::waiting() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void Delayer::Run() {
  std::unique_lock lock(mu_);
  for (;;) {
    auto now = std::chrono::steady_clock::now();
    if (!running_ || (!queue_.empty() && queue_.begin()->first <= now)) {
      std::vector<Pending> due;
      while (!queue_.empty() && (!running_ || queue_.begin()->first <= now)) {
        due.push_back(std::move(queue_.begin()->second));
        queue_.erase(queue_.begin());
      }
      bool stop = !running_;
      // Answer outside the lock: respond only posts to the connection's thread.
      lock.unlock();
      for (auto& p : due) p.respond(std::move(p.response));
      if (stop) return;
      lock.lock();
      continue;
    }
    if (queue_.empty())
      cv_.wait(lock);
    else
      cv_.wait_until(lock, queue_.begin()->first);
  }
}

}  // namespace ordo::sim
