// The outbox relay: every event of the log, in sequence order, to NATS
// JetStream as a CloudEvent (cloudevent.h), exactly once.
//
//   commit ──► Hub::Notify ──► Wake() ─┐
//   another node (LISTEN/NOTIFY) ──────┼─► relay thread: EventsAfter(position) ─► js_PublishMsgAsync ×n ─► acks
//   poll timer ────────────────────────┘
//
// The position is the stream itself: at (re)connection the relay reads the
// stream's last message and resumes after the event named by its Nats-Msg-Id.
// Only what JetStream acknowledged is in the stream, so nothing is skipped. Each
// message also carries Nats-Expected-Last-Sequence, the stream sequence it must
// follow: JetStream refuses it if anything else got in between (a message of a
// batch that was lost, a late copy from before a reconnect, another node's
// relay). The stream therefore holds the log's events in order, each once,
// whatever the dedupe window; Nats-Msg-Id dedupe is the second line.
//
// The relay runs on its own thread and only reads the store: a slow or absent
// NATS never holds up the write path. It retries with backoff and starts again
// from the stream's last message after every failure.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "base/clock.h"
#include "store/store.h"

namespace ordo::relay {

struct Status {
  bool connected = false;
  bool active = true;             // false while another node's relay publishes (standby)
  std::int64_t stream_event = 0;  // the last event known to be in the stream
  std::int64_t log_event = 0;     // the last event of the log, as last read
  std::int64_t backlog() const { return log_event > stream_event ? log_event - stream_event : 0; }
};

struct Hooks {
  // Each event JetStream acknowledged: seconds from the event's time (its
  // batch's start, so a little more than from its commit) to the ack.
  std::function<void(double lag_seconds)> published;
  // After every round.
  std::function<void(const Status&)> status;
  // What an operator should see: a failure (error = true) or a change of
  // state. Repeated failures are reported at most every 30 s.
  std::function<void(bool error, const std::string& message, const std::string& detail)> log;
};

struct Options {
  std::string url;                  // nats://host:port; several separated by commas
  std::string stream = "ORDO_EVENTS";
  std::string source = "/ordo";     // CloudEvents source: one per deployment, not per node
  std::string name = "ordo";        // this node, in the connection name and the Ordo-Relay header
  std::chrono::milliseconds duplicate_window{std::chrono::minutes(2)};
  int batch = 200;                  // messages in flight at most (one batch, then its acks)
  std::chrono::milliseconds ack_timeout{5000};
  std::chrono::milliseconds api_timeout{2000};  // stream info, get message, connect
  std::chrono::milliseconds poll{500};         // reads the log at least this often
  std::chrono::milliseconds standby{2000};     // a standby relay looks at the stream this often
  std::chrono::milliseconds backoff_min{100};
  std::chrono::milliseconds backoff_max{5000};
  Hooks hooks;
};

class Relay {
 public:
  Relay(store::Store& store, const Clock& clock, Options options);
  ~Relay();
  Relay(const Relay&) = delete;
  Relay& operator=(const Relay&) = delete;

  void Start();
  // Joins the thread. Events not yet acknowledged are published after the next start.
  void Stop();
  // Something was committed: read the log now. Cheap; any thread.
  void Wake();

 private:
  struct Session;  // the NATS connection and JetStream context
  struct Tail {
    std::uint64_t stream_seq = 0;  // the stream's last sequence: the next message must follow it
    std::int64_t event_seq = 0;    // the last event in the stream (0: none yet)
    std::string relay;             // who published it (its Ordo-Relay header)
  };
  enum class Round { kPublished, kIdle, kConflict, kFailed };

  void Loop();
  std::unique_ptr<Session> Connect(std::string* error);
  bool EnsureStream(Session& session, std::string* error);
  std::optional<Tail> ReadTail(Session& session, std::string* error);
  // One batch: the events after `tail`, published and acknowledged; `tail` moves past those acked.
  Round Publish(Session& session, Tail& tail, std::string* error);
  Result<std::int64_t> LogLastSeq();
  // Waits `d`, or less when stopped, when the connection came back, or
  // (with `wake`) when woken.
  void Sleep(std::chrono::milliseconds d, bool wake);
  void Reconnected();
  bool stopping() const;
  void Report(bool error, const std::string& message, const std::string& detail);
  void SetStatus(const std::function<void(Status&)>& change);

  store::Store& store_;
  const Clock& clock_;
  Options options_;
  std::string instance_;  // name/pid/random: tells this relay's messages from another's

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool woken_ = false;
  bool reconnected_ = false;
  Status status_;

  std::string last_report_;
  std::chrono::steady_clock::time_point last_report_at_{};
  std::thread thread_;
};

}  // namespace ordo::relay
