// The live event hub: committed events, in sequence order, to subscribers
// (the SSE streams of http). It tails the event log, so it needs no help from
// the writer beyond a wake-up, and it sees every node's commits alike:
//
//   this node's engine commits ──► Notify() ─┐
//   another node commits ──► ChangeFeed ─────┼─► hub thread: EventsAfter(last) ─► subscribers
//   (PostgreSQL LISTEN/NOTIFY)   poll timer ─┘
//
// The poll timer is the safety net: a lost notification delays an event by at
// most one poll interval, it never loses it. The log is gap-free, so a
// subscriber that reconnects with the last id it saw misses nothing.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "store/store.h"

namespace ordo::events {

struct HubOptions {
  std::chrono::milliseconds poll{1000};        // read the log at least this often
  std::chrono::milliseconds heartbeat{15000};  // a keep-alive to idle subscribers
  // A resuming subscriber's replay goes out in rounds of this many events,
  // `replay_pause` apart, so a client that reads keeps up instead of
  // overflowing its stream's buffer in one burst (0 = all at once).
  int replay_round = 0;
  std::chrono::milliseconds replay_pause{5};
};

// Called on the hub thread, never concurrently for one subscriber. `event` is
// nullptr for a heartbeat. Returns false when the subscriber is gone.
using Deliver = std::function<bool(const store::StoredEvent* event)>;

// Whether a subscriber to the whole log gets `event`: called on the hub
// thread, once per event, with the hub's own read view (it may look up the
// event's order). Empty: every event. Skipped events still move the
// subscriber's position on.
using Keep = std::function<bool(const store::StoredEvent& event, store::ReadView& view)>;

class Hub {
 public:
  Hub(store::Store& store, HubOptions options = {});
  ~Hub();
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;

  Status Start();
  // Joins the threads and drops every subscriber.
  void Stop();

  // Something was committed on this node: read the log now. Costs nothing
  // (no lock, no wake-up) while nobody is subscribed.
  void Notify();

  // `wake` is also called on every Notify, whether anybody is subscribed or
  // not: a commit on this node, or (through the ChangeFeed) on another node.
  // It must be cheap and must not block (the writer thread calls it). The NATS
  // relay tails the log this way. Set it before Start().
  void OnCommit(std::function<void()> wake) { on_commit_ = std::move(wake); }

  // Every event after `after`; with no `after`, only events committed from now
  // on. A non-empty `order_id` keeps that order's events only, and then
  // no `after` means its whole timeline first. `keep` narrows a whole-log
  // subscription (an empty order_id). Returns a handle for Unsubscribe.
  std::uint64_t Subscribe(std::string order_id, std::optional<std::int64_t> after, Deliver deliver, Keep keep = {});
  void Unsubscribe(std::uint64_t id);

  std::size_t subscribers() const;
  // The last sequence number delivered (tests, metrics).
  std::int64_t last_seq() const;
  // How often the hub's thread has woken up (for tests: an idle hub sleeps).
  std::uint64_t wakeups() const { return wakeups_.load(); }

 private:
  std::atomic<std::uint64_t> wakeups_{0};
  struct Subscriber {
    std::string order_id;
    std::optional<std::int64_t> after;
    Deliver deliver;
    Keep keep;
    bool live = false;
  };

  void Loop();
  // Brings new subscribers up to last_ from the log. Hub thread only.
  // True when a replay was paused and goes on after replay_pause.
  bool CatchUp(store::ReadView& view);
  bool Pump(store::ReadView& view);

  store::Store& store_;
  HubOptions options_;
  std::function<void()> on_commit_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool notified_ = false;
  std::uint64_t next_id_ = 0;
  std::map<std::uint64_t, std::shared_ptr<Subscriber>> subscribers_;
  std::atomic<std::size_t> count_{0};  // subscribers_.size(), readable without mu_
  std::int64_t last_ = 0;  // guarded by mu_ for readers; written by the hub thread
  // With no subscriber the hub does not read the log; last_ is then out of
  // date and read again (LastEventSeq) when the next subscriber comes.
  bool stale_ = false;

  std::thread thread_;
  std::thread listener_;
};

}  // namespace ordo::events
