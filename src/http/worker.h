// One thread that runs blocking tasks off the io threads (scrypt for logins,
// the demo tools), with a bounded queue: Post refuses when it is full, and the
// caller answers 429.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace ordo::http {

class Worker {
 public:
  explicit Worker(std::size_t max_queued) : max_queued_(max_queued), thread_([this] { Run(); }) {}
  ~Worker() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_one();
    thread_.join();  // runs what is queued first
  }
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  bool Post(std::function<void()> task) {
    {
      std::lock_guard lock(mu_);
      if (queue_.size() >= max_queued_) return false;
      queue_.push_back(std::move(task));
    }
    cv_.notify_one();
    return true;
  }

 private:
  void Run() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping, and nothing left
        task = std::move(queue_.front());
        queue_.pop_front();
      }
      task();
    }
  }

  const std::size_t max_queued_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stop_ = false;
  std::thread thread_;  // last: starts once the rest is constructed
};

}  // namespace ordo::http
