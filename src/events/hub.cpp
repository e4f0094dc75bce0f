#include "base/thread_name.h"
#include "events/hub.h"

#include <algorithm>

namespace ordo::events {

namespace {
constexpr int kPage = 200;
}

Hub::Hub(store::Store& store, HubOptions options) : store_(store), options_(options) {}

Hub::~Hub() { Stop(); }

Status Hub::Start() {
  auto view = store_.Read();
  if (!view) return view.take_error();
  auto last = (*view)->LastEventSeq();
  if (!last) return last.take_error();
  last_ = *last;
  std::unique_ptr<store::ChangeFeed> feed = store_.Listen();
  thread_ = std::thread([this] {
    NameThisThread("ordo-hub");
    Loop();
  });
  if (feed)
    listener_ = std::thread([this, f = std::move(feed)]() mutable {
      NameThisThread("ordo-hub-feed");
      std::unique_ptr<store::ChangeFeed> current = std::move(f);
      for (;;) {
        {
          std::lock_guard lock(mu_);
          if (stop_) return;
        }
        if (!current) {
          current = store_.Listen();
          if (!current) {
            std::unique_lock lock(mu_);
            cv_.wait_for(lock, options_.poll, [&] { return stop_; });
            continue;
          }
          Notify();  // whatever happened while the feed was down
        }
        current->Want(count_.load() > 0 || static_cast<bool>(on_commit_));
        auto woke = current->Wait(std::chrono::milliseconds(250));
        if (!woke) current.reset();
        else if (*woke) Notify();
      }
    });
  return Ok();
}

void Hub::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (listener_.joinable()) listener_.join();
  std::map<std::uint64_t, std::shared_ptr<Subscriber>> gone;
  {
    std::lock_guard lock(mu_);
    gone.swap(subscribers_);
    count_ = 0;
  }
}

void Hub::Notify() {
  if (on_commit_) on_commit_();
  // With no subscriber the hub does not read the log, so waking it would only
  // cost the committing thread a lock and a context switch.
  if (count_.load(std::memory_order_relaxed) == 0) return;
  {
    std::lock_guard lock(mu_);
    notified_ = true;
  }
  cv_.notify_all();
}

std::uint64_t Hub::Subscribe(std::string order_id, std::optional<std::int64_t> after, Deliver deliver, Keep keep) {
  if (!after && order_id.empty()) {  // from now on: after the last committed event
    bool stale;
    {
      std::lock_guard lock(mu_);
      stale = stale_;
      if (!stale) after = last_;
    }
    if (stale) {  // the hub has not been reading the log: ask it
      if (auto view = store_.Read())
        if (auto last = (*view)->LastEventSeq()) after = *last;
      if (!after) after = last_seq();
    }
  }
  auto sub = std::make_shared<Subscriber>();
  std::uint64_t id;
  {
    std::lock_guard lock(mu_);
    sub->order_id = std::move(order_id);
    sub->after = after;
    sub->deliver = std::move(deliver);
    sub->keep = std::move(keep);
    id = ++next_id_;
    subscribers_[id] = std::move(sub);
    count_ = subscribers_.size();
    notified_ = true;
  }
  cv_.notify_all();
  return id;
}

void Hub::Unsubscribe(std::uint64_t id) {
  std::shared_ptr<Subscriber> gone;  // released outside the lock
  std::lock_guard lock(mu_);
  auto it = subscribers_.find(id);
  if (it == subscribers_.end()) return;
  gone = std::move(it->second);
  subscribers_.erase(it);
  count_ = subscribers_.size();
}

std::size_t Hub::subscribers() const {
  std::lock_guard lock(mu_);
  return subscribers_.size();
}

std::int64_t Hub::last_seq() const {
  std::lock_guard lock(mu_);
  return last_;
}

void Hub::Loop() {
  using SteadyClock = std::chrono::steady_clock;
  auto next_beat = SteadyClock::now() + options_.heartbeat;
  bool replaying = false;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      // Heartbeats are for subscribers: with none, only the poll wakes the hub.
      auto until = subscribers_.empty() ? SteadyClock::now() + options_.poll
                                        : std::min(SteadyClock::now() + (replaying ? options_.replay_pause : options_.poll),
                                                   next_beat);
      cv_.wait_until(lock, until, [&] { return stop_ || notified_; });
      wakeups_.fetch_add(1, std::memory_order_relaxed);
      if (stop_) return;
      notified_ = false;
    }
    bool idle;
    {
      std::lock_guard lock(mu_);
      idle = subscribers_.empty();
      if (idle) stale_ = true;
    }
    if (idle) {  // nobody listens: the log is not read at all, and no heartbeat is due
      next_beat = SteadyClock::now() + options_.heartbeat;
      continue;
    }
    auto view = store_.Read();
    if (!view) continue;  // the next wake-up tries again
    if (stale_) {
      auto last = (*view)->LastEventSeq();
      if (!last) continue;
      std::lock_guard lock(mu_);
      last_ = *last;
      stale_ = false;
    }
    replaying = CatchUp(**view);
    while (Pump(**view)) {
    }
    if (SteadyClock::now() >= next_beat) {
      next_beat = SteadyClock::now() + options_.heartbeat;
      std::vector<std::pair<std::uint64_t, std::shared_ptr<Subscriber>>> live;
      {
        std::lock_guard lock(mu_);
        for (auto& [id, sub] : subscribers_)
          if (sub->live) live.emplace_back(id, sub);
      }
      for (auto& [id, sub] : live)
        if (!sub->deliver(nullptr)) Unsubscribe(id);
    }
  }
}

bool Hub::CatchUp(store::ReadView& view) {
  bool paused_any = false;
  std::vector<std::pair<std::uint64_t, std::shared_ptr<Subscriber>>> fresh;
  std::int64_t upto;
  {
    std::lock_guard lock(mu_);
    upto = last_;
    for (auto& [id, sub] : subscribers_)
      if (!sub->live) fresh.emplace_back(id, sub);
  }
  for (auto& [id, sub] : fresh) {
    std::int64_t after = sub->after.value_or(0);
    bool ok = true;
    if (!sub->order_id.empty()) {
      auto events = view.OrderEvents(sub->order_id);
      if (!events) continue;  // try again at the next wake-up
      for (const auto& e : *events)
        if (e.seq > after && e.seq <= upto && !(ok = sub->deliver(&e))) break;
    } else {
      // A resuming subscriber gets everything after its event, as fast as it
      // reads: when it falls --stream-buffer behind, its stream refuses
      // (deliver → false) and it resumes later from the last event it got.
      bool failed = false, paused = false;
      int sent = 0;
      while (ok && after < upto && !paused) {
        int page = options_.replay_round > 0 ? std::min(kPage, options_.replay_round - sent) : kPage;
        auto events = view.EventsAfter(after, page);
        if (!events) {
          failed = true;
          break;
        }
        if (events->empty()) break;
        for (const auto& e : *events) {
          if (e.seq > upto) break;
          // An event `keep` leaves out is passed over, yet counts toward the round: it was read.
          if ((!sub->keep || sub->keep(e, view)) && !(ok = sub->deliver(&e))) break;
          after = e.seq;
          ++sent;
        }
        if (ok && options_.replay_round > 0 && sent >= options_.replay_round && after < upto) paused = true;
        else if (static_cast<int>(events->size()) < page) break;
      }
      if (failed || paused) {  // go on from here at the next round
        std::lock_guard lock(mu_);
        sub->after = after;
        paused_any = paused_any || paused;
        continue;
      }
    }
    if (!ok) {
      Unsubscribe(id);
      continue;
    }
    std::lock_guard lock(mu_);
    sub->live = true;
  }
  return paused_any;
}

bool Hub::Pump(store::ReadView& view) {
  std::int64_t from;
  {
    std::lock_guard lock(mu_);
    from = last_;
  }
  auto events = view.EventsAfter(from, kPage);
  if (!events || events->empty()) return false;
  std::vector<std::pair<std::uint64_t, std::shared_ptr<Subscriber>>> live;
  {
    std::lock_guard lock(mu_);
    for (auto& [id, sub] : subscribers_)
      if (sub->live) live.emplace_back(id, sub);
  }
  std::vector<std::uint64_t> gone;
  for (const auto& e : *events)
    for (auto& [id, sub] : live) {
      if (!sub->order_id.empty() && sub->order_id != e.order_id) continue;
      if (!sub->deliver) continue;
      if (sub->keep && !sub->keep(e, view)) continue;
      if (!sub->deliver(&e)) {
        gone.push_back(id);
        sub->deliver = nullptr;
      }
    }
  {
    std::lock_guard lock(mu_);
    last_ = events->back().seq;
  }
  for (auto id : gone) Unsubscribe(id);
  return static_cast<int>(events->size()) == kPage;
}

}  // namespace ordo::events
