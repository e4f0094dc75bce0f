#include "sim/delayer.h"

namespace ordo::sim {

// Answering only posts to the connection's thread, so the timer thread never blocks on it.
Delayer::Delayer()
    : queue_([](Pending p) { p.respond(std::move(p.response)); }, TimedQueue<Pending>::WhenStopped::kRunAtOnce) {}

void Delayer::Start() { queue_.Start(); }

void Delayer::After(int ms, http::Response response, http::Respond respond) {
  if (ms <= 0) return respond(std::move(response));
  queue_.Add(TimedQueue<Pending>::Clock::now() + std::chrono::milliseconds(ms),
             Pending{std::move(response), std::move(respond)});
}

void Delayer::Stop() { queue_.Stop(); }

std::size_t Delayer::waiting() const { return queue_.size(); }

}  // namespace ordo::sim
