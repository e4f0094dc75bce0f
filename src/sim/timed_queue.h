// A timer thread over a queue: each item is run when it falls due, in due
// order (ties in the order added), one at a time, outside the queue's lock,
// so `run` may add to the queue. While stopped, items wait for the next Start
// (kKeep), or are run at once (kRunAtOnce: Add runs them in the caller's
// thread, and Stop runs every one still queued). Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

namespace ordo::sim {

template <typename T>
class TimedQueue {
 public:
  using Clock = std::chrono::steady_clock;
  enum class WhenStopped { kKeep, kRunAtOnce };

  explicit TimedQueue(std::function<void(T)> run, WhenStopped when_stopped = WhenStopped::kKeep)
      : run_(std::move(run)), when_stopped_(when_stopped) {}
  ~TimedQueue() { Stop(); }
  TimedQueue(const TimedQueue&) = delete;
  TimedQueue& operator=(const TimedQueue&) = delete;

  void Start() {
    std::lock_guard lock(mu_);
    if (running_) return;
    running_ = true;
    thread_ = std::thread([this] { Loop(); });
  }
  // Waits for the item being run, if any; then the rest stay queued, or run now.
  void Stop() {
    std::thread thread;
    {
      std::lock_guard lock(mu_);
      if (!running_) return;
      running_ = false;
      thread = std::move(thread_);
      cv_.notify_one();
    }
    thread.join();
    if (when_stopped_ == WhenStopped::kKeep) return;
    std::multimap<Clock::time_point, T> rest;
    {
      std::lock_guard lock(mu_);
      rest.swap(queue_);
    }
    for (auto& [due, item] : rest) run_(std::move(item));
  }
  void Add(Clock::time_point due, T item) {
    {
      std::lock_guard lock(mu_);
      if (running_ || when_stopped_ == WhenStopped::kKeep) {
        queue_.emplace(due, std::move(item));  // after the equal keys already there
        cv_.notify_one();
        return;
      }
    }
    run_(std::move(item));
  }
  void Clear() {
    std::lock_guard lock(mu_);
    queue_.clear();
  }
  std::size_t size() const {
    std::lock_guard lock(mu_);
    return queue_.size();
  }

 private:
  void Loop() {
    std::unique_lock lock(mu_);
    while (running_) {
      if (queue_.empty()) {
        cv_.wait(lock);
        continue;
      }
      auto first = queue_.begin();
      if (first->first > Clock::now()) {
        cv_.wait_until(lock, first->first);
        continue;
      }
      T item = std::move(first->second);
      queue_.erase(first);
      lock.unlock();
      run_(std::move(item));
      lock.lock();
    }
  }

  std::function<void(T)> run_;
  const WhenStopped when_stopped_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::multimap<Clock::time_point, T> queue_;
  bool running_ = false;
  std::thread thread_;
};

}  // namespace ordo::sim
